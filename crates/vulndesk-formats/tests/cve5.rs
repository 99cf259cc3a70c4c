//! [`cve5::render`] against the CVE Record Format 5.1 schema
//! (`shared/data/cve/CVE_Record_Format_bundled.json`, draft-07, CVEProject/cve-schema):
//! every record it makes validates, one record per vulnerability with a CVE
//! id, translations beside the English text, the version ranges and
//! statuses built from packages and product states, and each error case.

use serde_json::{Value, json};
use vulndesk_formats::advisory::{
    AdvisoryDoc, AffectedPackage, DocStatus, Product, ProductState, ProductStatus, Publisher, Reference, Remediation,
    RemediationKind, Score, Tlp, Vulnerability,
};
use vulndesk_formats::cve5::{self, Cve5Error};

const SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/cve/CVE_Record_Format_bundled.json");
const ORG: &str = "b3476cb9-2e3d-41a6-98d0-0f47421a65b6";

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(SCHEMA).expect("read the CVE schema");
    let schema: Value = serde_json::from_str(&text).expect("the CVE schema is JSON");
    jsonschema::options().should_validate_formats(true).build(&schema).expect("the CVE schema compiles")
}

fn assert_valid(record: &Value) {
    let v = validator();
    let errors: Vec<String> = v.iter_errors(record).map(|e| format!("{} at {}", e, e.instance_path)).collect();
    assert!(errors.is_empty(), "invalid CVE record: {errors:#?}\n{record:#}");
}

fn product(id: &str, vendor: &str, name: &str, version: &str) -> Product {
    Product { id: id.into(), vendor: vendor.into(), name: name.into(), version: version.into(), purl: None }
}

fn state(id: &str, status: ProductStatus) -> ProductState {
    ProductState { product_id: id.into(), status }
}

fn remediation(kind: RemediationKind, details: &str, url: Option<&str>) -> Remediation {
    Remediation { kind, details: details.into(), url: url.map(str::to_owned), product_ids: Vec::new(), date: None }
}

fn vuln(cve: Option<&str>) -> Vulnerability {
    Vulnerability {
        cve: cve.map(str::to_owned),
        ids: Vec::new(),
        title: "SQL injection in Example Web".into(),
        description: "SQL injection in the login form of Example Web 2.x before 2.4.1 allows remote attackers to read the database.".into(),
        cwe: Some(("CWE-89".into(), "Improper Neutralization of Special Elements used in an SQL Command".into())),
        cvss_v3: Some(Score {
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
            base_score: 9.8,
            severity: "CRITICAL".into(),
        }),
        cvss_v4: Some(Score {
            vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N".into(),
            base_score: 9.3,
            severity: "CRITICAL".into(),
        }),
        grade: Some("超危".into()),
        discovery_date: None,
        release_date: Some("2026-02-01T08:00:00Z".into()),
        acknowledgments: vec!["Alice".into()],
        product_states: vec![
            state("P1", ProductStatus::KnownAffected),
            state("P2", ProductStatus::Fixed),
            state(
                "P3",
                ProductStatus::KnownNotAffected {
                    justification: "vulnerable_code_not_present".into(),
                    statement: "The login form is not shipped.".into(),
                },
            ),
            state("P4", ProductStatus::UnderInvestigation),
        ],
        remediations: vec![
            remediation(RemediationKind::VendorFix, "Upgrade to 2.4.1.", Some("https://example.com/dl/2.4.1")),
            remediation(RemediationKind::Workaround, "Block /login at the proxy.", None),
        ],
        references: vec![Reference {
            url: "https://psirt.example.com/advisories/VD-2026-0001".into(),
            summary: "VD-2026-0001".into(),
            is_self: true,
        }],
    }
}

fn doc() -> AdvisoryDoc {
    AdvisoryDoc {
        id: "VD-2026-0001".into(),
        title: "Example Web: SQL injection".into(),
        summary: "One critical flaw.".into(),
        lang: "en".into(),
        publisher: Publisher {
            name: "Example PSIRT".into(),
            namespace: "https://psirt.example.com".into(),
            contact: None,
        },
        tlp: Tlp::Clear,
        status: DocStatus::Final,
        version: "1".into(),
        initial_release_date: "2026-02-01T08:00:00Z".into(),
        current_release_date: "2026-02-03T09:30:00Z".into(),
        revisions: Vec::new(),
        products: vec![
            product("P1", "Example", "Example Web", "2.4.0"),
            product("P2", "Example", "Example Web", "2.4.1"),
            product("P3", "Example", "Example Web Lite", "1.0"),
            product("P4", "Example", "Example Cloud", ""),
        ],
        vulnerabilities: vec![vuln(Some("CVE-2026-1234"))],
        references: vec![Reference { url: "https://example.org/blog".into(), summary: String::new(), is_self: false }],
        packages: vec![
            AffectedPackage {
                ecosystem: "PyPI".into(),
                name: "example-web".into(),
                purl: Some("pkg:pypi/example-web".into()),
                events: vec![
                    ("introduced".into(), "2.0.0".into()),
                    ("fixed".into(), "2.4.1".into()),
                    ("introduced".into(), "3.0.0".into()),
                ],
                range_type: "ECOSYSTEM".into(),
                versions: vec!["1.9.9".into()],
            },
            AffectedPackage {
                ecosystem: String::new(),
                name: "libexample".into(),
                purl: None,
                events: vec![("introduced".into(), "0".into()), ("last_affected".into(), "1.2".into())],
                range_type: "SEMVER".into(),
                versions: Vec::new(),
            },
        ],
        acknowledgments: vec!["Example Red Team".into()],
    }
}

fn render_one(doc: &AdvisoryDoc) -> Value {
    let records = cve5::render(doc, ORG, "example").expect("render");
    assert_eq!(records.len(), 1);
    records.into_iter().next().expect("one record")
}

#[test]
fn a_full_record_validates() {
    assert_valid(&render_one(&doc()));
}

#[test]
fn a_minimal_record_validates() {
    let mut d = doc();
    d.packages.clear();
    d.acknowledgments.clear();
    d.references.clear();
    let v = &mut d.vulnerabilities[0];
    v.cwe = None;
    v.cvss_v3 = None;
    v.cvss_v4 = None;
    v.acknowledgments.clear();
    v.remediations.clear();
    v.release_date = None;
    v.product_states.truncate(1);
    assert_valid(&render_one(&d));
}

#[test]
fn metadata_and_text() {
    let r = render_one(&doc());
    assert_eq!(r["dataType"], "CVE_RECORD");
    assert_eq!(r["dataVersion"], "5.1");
    assert_eq!(
        r["cveMetadata"],
        json!({
            "cveId": "CVE-2026-1234", "assignerOrgId": ORG, "assignerShortName": "example", "state": "PUBLISHED",
            "datePublished": "2026-02-01T08:00:00Z", "dateUpdated": "2026-02-03T09:30:00Z"
        })
    );
    let cna = &r["containers"]["cna"];
    assert_eq!(cna["providerMetadata"]["orgId"], ORG);
    assert_eq!(cna["title"], "SQL injection in Example Web");
    assert_eq!(cna["descriptions"][0]["lang"], "en");
    assert_eq!(cna["problemTypes"][0]["descriptions"][0]["cweId"], "CWE-89");
    assert_eq!(cna["metrics"][0]["cvssV4_0"]["baseSeverity"], "CRITICAL");
    assert_eq!(cna["metrics"][1]["cvssV3_1"]["vectorString"], "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    assert_eq!(
        cna["credits"],
        json!([
            {"lang": "en", "value": "Alice", "type": "reporter"},
            {"lang": "en", "value": "Example Red Team", "type": "finder"}
        ])
    );
    assert_eq!(cna["solutions"], json!([{"lang": "en", "value": "Upgrade to 2.4.1. https://example.com/dl/2.4.1"}]));
    assert_eq!(cna["workarounds"], json!([{"lang": "en", "value": "Block /login at the proxy."}]));
    assert_eq!(
        cna["references"],
        json!([
            {"url": "https://psirt.example.com/advisories/VD-2026-0001", "name": "VD-2026-0001", "tags": ["vendor-advisory"]},
            {"url": "https://example.org/blog"},
            {"url": "https://example.com/dl/2.4.1", "tags": ["patch"]}
        ])
    );
}

#[test]
fn affected_from_product_states_and_packages() {
    let r = render_one(&doc());
    assert_eq!(
        r["containers"]["cna"]["affected"],
        json!([
            {"vendor": "Example", "product": "Example Web", "versions": [
                {"version": "2.4.0", "status": "affected"},
                {"version": "2.4.1", "status": "unaffected"}
            ], "defaultStatus": "unknown"},
            {"vendor": "Example", "product": "Example Web Lite", "versions": [
                {"version": "1.0", "status": "unaffected"}
            ], "defaultStatus": "unknown"},
            {"vendor": "Example", "product": "Example Cloud", "defaultStatus": "unknown"},
            {"collectionURL": "https://pypi.python.org", "packageName": "example-web", "versions": [
                {"version": "2.0.0", "status": "affected", "lessThan": "2.4.1", "versionType": "python"},
                {"version": "3.0.0", "status": "affected", "lessThan": "*", "versionType": "python"},
                {"version": "1.9.9", "status": "affected"}
            ], "defaultStatus": "unaffected"},
            {"vendor": "N/A", "product": "libexample", "versions": [
                {"version": "0", "status": "affected", "lessThanOrEqual": "1.2", "versionType": "semver"}
            ], "defaultStatus": "unaffected"}
        ])
    );
}

#[test]
fn one_record_per_vulnerability_with_a_cve_id() {
    let mut d = doc();
    let mut second = vuln(Some("CVE-2026-5678"));
    second.title = "Second flaw".into();
    d.vulnerabilities.push(vuln(None));
    d.vulnerabilities.push(second);
    let records = cve5::render(&d, ORG, "example").expect("render");
    let ids: Vec<&str> = records.iter().filter_map(|r| r["cveMetadata"]["cveId"].as_str()).collect();
    assert_eq!(ids, ["CVE-2026-1234", "CVE-2026-5678"]);
    for r in &records {
        assert_valid(r);
    }
}

#[test]
fn translations_add_descriptions_beside_the_english_one() {
    let en = doc();
    let mut zh = doc();
    zh.lang = "zh-CN".into();
    zh.vulnerabilities[0].description =
        "Example Web 2.4.1 之前版本的登录表单存在 SQL 注入漏洞，远程攻击者可读取数据库。".into();
    let records = cve5::render_with_translations(&en, &[&zh], ORG, "example").expect("render");
    let r = &records[0];
    assert_valid(r);
    assert_eq!(r["containers"]["cna"]["descriptions"][1]["lang"], "zh-CN");
    assert_eq!(r["containers"]["cna"]["descriptions"][1]["value"], zh.vulnerabilities[0].description);
}

#[test]
fn errors_name_the_problem() {
    let mut no_cve = doc();
    no_cve.vulnerabilities[0].cve = None;
    assert_eq!(cve5::render(&no_cve, ORG, "example"), Err(Cve5Error::NoCve { doc_id: "VD-2026-0001".into() }));
    let message = cve5::render(&no_cve, ORG, "example").expect_err("no CVE").to_string();
    assert!(message.contains("VD-2026-0001"), "{message}");

    let mut zh = doc();
    zh.lang = "zh-CN".into();
    assert_eq!(
        cve5::render(&zh, ORG, "example"),
        Err(Cve5Error::NotEnglish { doc_id: "VD-2026-0001".into(), lang: "zh-CN".into() })
    );

    assert_eq!(cve5::render(&doc(), "not-a-uuid", "example"), Err(Cve5Error::BadOrgId("not-a-uuid".into())));
    assert_eq!(cve5::render(&doc(), ORG, "x"), Err(Cve5Error::BadShortName("x".into())));

    let mut bad_id = doc();
    bad_id.vulnerabilities[0].cve = Some("CVE-26-1".into());
    assert!(matches!(cve5::render(&bad_id, ORG, "example"), Err(Cve5Error::BadCveId { .. })));

    let mut nothing = doc();
    nothing.packages.clear();
    nothing.vulnerabilities[0].product_states.clear();
    assert_eq!(cve5::render(&nothing, ORG, "example"), Err(Cve5Error::NoAffected { cve: "CVE-2026-1234".into() }));

    let mut no_refs = doc();
    no_refs.references.clear();
    no_refs.vulnerabilities[0].references.clear();
    no_refs.vulnerabilities[0].remediations.clear();
    assert_eq!(cve5::render(&no_refs, ORG, "example"), Err(Cve5Error::NoReferences { cve: "CVE-2026-1234".into() }));

    let mut long = doc();
    long.vulnerabilities[0].description = "x".repeat(4097);
    assert!(matches!(
        cve5::render(&long, ORG, "example"),
        Err(Cve5Error::TooLong { field: "description", len: 4097, max: 4096, .. })
    ));

    let mut v2 = doc();
    v2.vulnerabilities[0].cvss_v3 =
        Some(Score { vector: "AV:N/AC:L/Au:N/C:P/I:P/A:P".into(), base_score: 7.5, severity: "HIGH".into() });
    assert!(matches!(cve5::render(&v2, ORG, "example"), Err(Cve5Error::UnsupportedCvss { .. })));
}

#[test]
fn base_severity_follows_the_score() {
    let mut d = doc();
    // A stored severity that disagrees with the score would make the record invalid.
    d.vulnerabilities[0].cvss_v3 = Some(Score {
        vector: "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L".into(),
        base_score: 5.3,
        severity: "HIGH".into(),
    });
    let r = render_one(&d);
    assert_valid(&r);
    assert_eq!(r["containers"]["cna"]["metrics"][1]["cvssV3_0"]["baseSeverity"], "MEDIUM");
}

#[test]
fn the_schema_refuses_what_render_guards_against() {
    // The checks in render are needed: the schema really refuses these records.
    let v = validator();
    let good = render_one(&doc());
    assert!(v.is_valid(&good));
    let mut only_zh = good.clone();
    only_zh["containers"]["cna"]["descriptions"] = json!([{"lang": "zh-CN", "value": "中文描述"}]);
    assert!(!v.is_valid(&only_zh), "a record without English text was accepted");
    let mut wrong_band = good.clone();
    wrong_band["containers"]["cna"]["metrics"][1]["cvssV3_1"]["baseSeverity"] = json!("MEDIUM");
    assert!(!v.is_valid(&wrong_band), "a severity outside its score band was accepted");
    let mut no_affected = good;
    no_affected["containers"]["cna"]["affected"] = json!([]);
    assert!(!v.is_valid(&no_affected), "an empty affected list was accepted");
}
