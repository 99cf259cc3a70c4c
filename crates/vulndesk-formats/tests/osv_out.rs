//! [`osv_out::render`] on varied advisories: every record validates against
//! the OSV schema (`shared/data/osv-schema/schema.json`, ossf/osv-schema,
//! Apache-2.0), and the mapping keeps its meaning: the id rule, aliases,
//! event order and range splitting, products without packages left out,
//! reference types, credits and the Chinese grade.

use serde_json::{Value, json};
use vulndesk_formats::advisory::{
    AdvisoryDoc, AffectedPackage, DocStatus, Product, ProductState, ProductStatus, Publisher, Reference, Remediation,
    RemediationKind, Revision, Score, Tlp, Vulnerability,
};
use vulndesk_formats::osv_out;

const SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/osv-schema/schema.json");

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(SCHEMA).expect("read the OSV schema");
    let schema: Value = serde_json::from_str(&text).expect("the OSV schema is JSON");
    jsonschema::options().should_validate_formats(true).build(&schema).expect("the OSV schema compiles")
}

fn assert_valid(record: &Value) {
    let v = validator();
    let errors: Vec<String> = v.iter_errors(record).map(|e| format!("{} at {}", e, e.instance_path)).collect();
    assert!(errors.is_empty(), "invalid OSV record: {errors:#?}\n{record:#}");
}

fn publisher() -> Publisher {
    Publisher {
        name: "Example PSIRT".into(),
        namespace: "https://psirt.example.com".into(),
        contact: Some("psirt@example.com".into()),
    }
}

fn reference(url: &str, is_self: bool) -> Reference {
    Reference { url: url.into(), summary: "link".into(), is_self }
}

fn vuln(cve: Option<&str>) -> Vulnerability {
    Vulnerability {
        cve: cve.map(str::to_owned),
        ids: vec![("CNVD".into(), "CNVD-2026-10001".into())],
        title: "SQL injection in the login form".into(),
        description: "The login form passes the user name to SQL unescaped.".into(),
        cwe: Some(("CWE-89".into(), "SQL Injection".into())),
        cvss_v3: Some(Score {
            vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
            base_score: 9.8,
            severity: "CRITICAL".into(),
        }),
        cvss_v4: None,
        grade: Some("超危".into()),
        discovery_date: Some("2026-01-02T00:00:00Z".into()),
        release_date: Some("2026-02-01T08:00:00Z".into()),
        acknowledgments: vec!["Alice".into()],
        product_states: vec![
            ProductState { product_id: "VDP-1".into(), status: ProductStatus::KnownAffected },
            ProductState { product_id: "VDP-2".into(), status: ProductStatus::Fixed },
        ],
        remediations: vec![Remediation {
            kind: RemediationKind::VendorFix,
            details: "Upgrade to 2.4.1.".into(),
            url: Some("https://psirt.example.com/downloads/2.4.1".into()),
            product_ids: vec!["VDP-1".into()],
            date: None,
        }],
        references: vec![reference("https://nvd.nist.gov/vuln/detail/CVE-2026-1234", false)],
    }
}

fn package(ecosystem: &str, name: &str, purl: Option<&str>, events: &[(&str, &str)]) -> AffectedPackage {
    AffectedPackage {
        ecosystem: ecosystem.into(),
        name: name.into(),
        purl: purl.map(str::to_owned),
        events: events.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        range_type: "ECOSYSTEM".into(),
        versions: Vec::new(),
    }
}

/// An English advisory with one vulnerability and one PyPI package.
fn doc_en() -> AdvisoryDoc {
    AdvisoryDoc {
        id: "VD-2026-0001".into(),
        title: "Example Web: SQL injection".into(),
        summary: "A critical SQL injection affects Example Web before 2.4.1.".into(),
        lang: "en".into(),
        publisher: publisher(),
        tlp: Tlp::Clear,
        status: DocStatus::Final,
        version: "2".into(),
        initial_release_date: "2026-02-01T08:00:00Z".into(),
        current_release_date: "2026-02-03T09:30:00Z".into(),
        revisions: vec![
            Revision { number: "1".into(), date: "2026-02-01T08:00:00Z".into(), summary: "Initial".into() },
            Revision { number: "2".into(), date: "2026-02-03T09:30:00Z".into(), summary: "Fix link".into() },
        ],
        products: vec![
            Product {
                id: "VDP-1".into(),
                vendor: "Example".into(),
                name: "Example Web".into(),
                version: "2.4.0".into(),
                purl: Some("pkg:pypi/example-web@2.4.0".into()),
            },
            Product {
                id: "VDP-2".into(),
                vendor: "Example".into(),
                name: "Example Web".into(),
                version: "2.4.1".into(),
                purl: Some("pkg:pypi/example-web@2.4.1".into()),
            },
        ],
        vulnerabilities: vec![vuln(Some("CVE-2026-1234"))],
        references: vec![
            reference("https://psirt.example.com/advisories/vd-2026-0001.json", true),
            reference("https://psirt.example.com/advisories/VD-2026-0001.html", false),
            reference("https://example.org/blog/sqli", false),
        ],
        packages: vec![AffectedPackage {
            versions: vec!["2.4.0".into()],
            ..package(
                "PyPI",
                "example-web",
                Some("pkg:pypi/example-web"),
                &[("introduced", "2.0.0"), ("fixed", "2.4.1")],
            )
        }],
        acknowledgments: vec!["Example Red Team".into()],
    }
}

/// A Chinese advisory about an appliance: products only, no package.
fn doc_zh() -> AdvisoryDoc {
    let mut v = vuln(Some("CVE-2026-2000"));
    v.title = "固件命令注入漏洞".into();
    v.description = "设备管理界面未过滤用户输入，攻击者可执行任意命令。".into();
    v.grade = Some("高危".into());
    v.ids = vec![("CNNVD".into(), "CNNVD-202602-123".into())];
    v.acknowledgments = vec!["张三".into()];
    v.cvss_v3 = None;
    v.cvss_v4 = Some(Score {
        vector: "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N".into(),
        base_score: 8.7,
        severity: "HIGH".into(),
    });
    AdvisoryDoc {
        id: "VD-2026-0002".into(),
        title: "示例路由器：命令注入".into(),
        summary: "示例路由器固件 3.x 存在命令注入漏洞。".into(),
        lang: "zh-CN".into(),
        products: vec![Product {
            id: "VDP-1".into(),
            vendor: "示例公司".into(),
            name: "示例路由器".into(),
            version: "3.1".into(),
            purl: None,
        }],
        vulnerabilities: vec![v],
        packages: Vec::new(),
        acknowledgments: Vec::new(),
        references: vec![reference("https://psirt.example.com/advisories/vd-2026-0002.json", true)],
        ..doc_en()
    }
}

/// Two vulnerabilities, packages of several kinds, mixed event kinds.
fn doc_multi() -> AdvisoryDoc {
    let mut second = vuln(None);
    second.title = "Denial of service".into();
    second.description = "A crafted request exhausts memory.".into();
    second.ids = vec![("GHSA".into(), "GHSA-vp9c-fpxx-744w".into()), ("CNVD".into(), "CNVD-2026-10001".into())];
    second.cwe = Some(("CWE-400".into(), "Uncontrolled Resource Consumption".into()));
    second.grade = Some("中危".into());
    second.cvss_v3 = Some(Score {
        vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L".into(),
        base_score: 5.3,
        severity: "MEDIUM".into(),
    });
    second.acknowledgments = vec!["Alice".into(), "Bob".into()];
    let commit_a = "a".repeat(40);
    let commit_b = "b".repeat(40);
    AdvisoryDoc {
        id: "VD-2026-0003".into(),
        vulnerabilities: vec![vuln(Some("CVE-2026-1234")), second],
        packages: vec![
            // Fixed and last_affected mixed: the schema forbids that in one range.
            package(
                "npm",
                "@example/web",
                Some("pkg:npm/%40example/web"),
                &[("introduced", "1.0.0"), ("fixed", "1.2.3"), ("introduced", "2.0.0"), ("last_affected", "2.1.0")],
            ),
            // No introduced at all.
            package("crates.io", "example", None, &[("fixed", "0.5.0")]),
            // No ecosystem: taken from the purl.
            package("", "github.com/example/web", Some("pkg:golang/github.com/example/web"), &[("introduced", "0")]),
            // No ecosystem and no purl: left out.
            package("", "libexample", None, &[("introduced", "0")]),
            AffectedPackage {
                range_type: "GIT".into(),
                ..package(
                    "",
                    "https://git.example.com/web.git",
                    Some("pkg:github/example/web"),
                    &[("introduced", &commit_a), ("fixed", &commit_b)],
                )
            },
        ],
        ..doc_en()
    }
}

fn all_docs() -> Vec<AdvisoryDoc> {
    let mut bare = doc_en();
    bare.id = "GHSA-vp9c-fpxx-744w".into();
    bare.vulnerabilities.clear();
    bare.packages.clear();
    bare.references.clear();
    bare.acknowledgments.clear();
    vec![doc_en(), doc_zh(), doc_multi(), bare]
}

#[test]
fn every_record_validates_against_the_osv_schema() {
    for doc in all_docs() {
        assert_valid(&osv_out::render(&doc));
    }
}

#[test]
fn the_schema_refuses_what_render_avoids() {
    // The guards in render are needed: the schema really refuses these.
    let v = validator();
    let mut record = osv_out::render(&doc_en());
    record["id"] = json!("VD-2026-0001");
    assert!(!v.is_valid(&record), "unregistered prefix accepted");
    let mut record = osv_out::render(&doc_en());
    record["affected"][0]["ranges"][0]["events"] = json!([{"fixed": "1"}]);
    assert!(!v.is_valid(&record), "events without introduced accepted");
}

#[test]
fn ids_keep_registered_prefixes_and_mark_others_private() {
    assert_eq!(osv_out::render(&doc_en())["id"], "x_VD-2026-0001");
    assert_eq!(osv_out::osv_id("GHSA-vp9c-fpxx-744w"), "GHSA-vp9c-fpxx-744w");
    assert_eq!(osv_out::osv_id("CVE-2026-1234"), "CVE-2026-1234");
    assert_eq!(osv_out::osv_id("CNVD-2026-10001"), "x_CNVD-2026-10001");
}

#[test]
fn core_fields() {
    let r = osv_out::render(&doc_en());
    assert_eq!(r["schema_version"], osv_out::SCHEMA_VERSION);
    assert_eq!(r["published"], "2026-02-01T08:00:00Z");
    assert_eq!(r["modified"], "2026-02-03T09:30:00Z");
    assert_eq!(r["summary"], "Example Web: SQL injection");
    assert_eq!(
        r["details"],
        "A critical SQL injection affects Example Web before 2.4.1.\n\nThe login form passes the user name to SQL unescaped."
    );
    assert_eq!(r["severity"], json!([{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]));
    assert_eq!(
        r["affected"],
        json!([{
            "package": {"ecosystem": "PyPI", "name": "example-web", "purl": "pkg:pypi/example-web"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.0.0"}, {"fixed": "2.4.1"}]}],
            "versions": ["2.4.0"]
        }])
    );
    assert_eq!(r["database_specific"], json!({"cwe_ids": ["CWE-89"], "grade": "超危"}));
}

#[test]
fn aliases_collect_cve_and_other_ids_once() {
    let r = osv_out::render(&doc_multi());
    assert_eq!(r["aliases"], json!(["CVE-2026-1234", "CNVD-2026-10001", "GHSA-vp9c-fpxx-744w"]));
    // An advisory whose own id is an alias does not list itself.
    let mut doc = doc_en();
    doc.id = "CVE-2026-1234".into();
    let r = osv_out::render(&doc);
    assert_eq!(r["id"], "CVE-2026-1234");
    assert_eq!(r["aliases"], json!(["CNVD-2026-10001"]));
}

#[test]
fn events_keep_their_order_and_ranges_split_by_closing_kind() {
    let r = osv_out::render(&doc_multi());
    let affected = r["affected"].as_array().expect("affected");
    let names: Vec<&str> = affected.iter().filter_map(|a| a["package"]["name"].as_str()).collect();
    assert_eq!(
        names,
        ["@example/web", "example", "github.com/example/web", "https://git.example.com/web.git"],
        "libexample (no ecosystem, no purl) is left out"
    );
    assert_eq!(
        affected[0]["ranges"],
        json!([
            {"type": "ECOSYSTEM", "events": [{"introduced": "1.0.0"}, {"fixed": "1.2.3"}]},
            {"type": "ECOSYSTEM", "events": [{"introduced": "2.0.0"}, {"last_affected": "2.1.0"}]}
        ])
    );
    assert_eq!(affected[1]["ranges"][0]["events"], json!([{"introduced": "0"}, {"fixed": "0.5.0"}]));
    assert_eq!(affected[2]["package"]["ecosystem"], "Go");
    assert_eq!(affected[3]["package"]["ecosystem"], "GitHub Actions");
    assert_eq!(affected[3]["ranges"][0]["type"], "GIT");
    assert_eq!(affected[3]["ranges"][0]["repo"], "https://git.example.com/web.git");
}

#[test]
fn several_vulnerabilities_take_the_worst_scores_and_grade() {
    let r = osv_out::render(&doc_multi());
    assert_eq!(r["severity"][0]["score"], "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    assert_eq!(r["database_specific"], json!({"cwe_ids": ["CWE-89", "CWE-400"], "grade": "超危"}));
    let details = r["details"].as_str().expect("details");
    assert!(details.contains("Denial of service\n\nA crafted request exhausts memory."), "{details}");
}

#[test]
fn products_without_packages_give_no_affected_entry() {
    let r = osv_out::render(&doc_zh());
    assert!(r.get("affected").is_none(), "{r:#}");
    assert_eq!(r["summary"], "示例路由器：命令注入");
    assert_eq!(r["severity"][0]["type"], "CVSS_V4");
    assert_eq!(r["database_specific"]["grade"], "高危");
    assert_eq!(r["credits"], json!([{"name": "张三", "type": "REPORTER"}]));
}

#[test]
fn references_are_typed_and_unique() {
    let r = osv_out::render(&doc_en());
    assert_eq!(
        r["references"],
        json!([
            {"type": "ADVISORY", "url": "https://psirt.example.com/advisories/vd-2026-0001.json"},
            {"type": "ADVISORY", "url": "https://psirt.example.com/advisories/VD-2026-0001.html"},
            {"type": "WEB", "url": "https://example.org/blog/sqli"},
            {"type": "WEB", "url": "https://nvd.nist.gov/vuln/detail/CVE-2026-1234"},
            {"type": "FIX", "url": "https://psirt.example.com/downloads/2.4.1"}
        ])
    );
    let r = osv_out::render(&doc_multi());
    let urls: Vec<&str> = r["references"].as_array().expect("refs").iter().filter_map(|x| x["url"].as_str()).collect();
    let unique: std::collections::BTreeSet<&str> = urls.iter().copied().collect();
    assert_eq!(urls.len(), unique.len(), "{urls:?}");
}

#[test]
fn credits_come_from_document_then_vulnerabilities() {
    let r = osv_out::render(&doc_multi());
    assert_eq!(
        r["credits"],
        json!([
            {"name": "Example Red Team"},
            {"name": "Alice", "type": "REPORTER"},
            {"name": "Bob", "type": "REPORTER"}
        ])
    );
}
