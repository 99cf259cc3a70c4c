//! Fixes, the advisory and the publication gate end to end through the API: every Art. 9 rule
//! that applies blocks with its evidence and what would unblock it; the recorded paths (MPS
//! consent in a blackout) pass; publishing stores signed documents that the CSAF provider tree
//! serves, whose hashes match, whose signature the real `gpg` verifies, and which vulndesk's own
//! CSAF mandatory checks and the CSAF schema's profile rules accept. TLP:AMBER stays private.

use std::process::Command;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Digest;
use vulndesk_core::{Clock, PersonRole};

use crate::harness::TestApp;

fn blocking(outcomes: &Value) -> Vec<String> {
    outcomes
        .as_array()
        .expect("outcomes")
        .iter()
        .filter(|o| o["verdict"] == "block")
        .map(|o| o["rule"].as_str().expect("rule").to_owned())
        .collect()
}

/// The catalogue and case the tests publish: a router whose firmware carries dnsmasq 2.89, run
/// by a customer in China; the case is assessed and names the component.
async fn setup(app: &TestApp) -> (String, String, String) {
    let chen = app.user("chen.jing", false).await;
    let li = app.user("li.wei", false).await;
    let org = app.org("demo-networks").await;
    for role in [PersonRole::Admin, PersonRole::Coordinator] {
        app.member(org, chen, role).await;
    }
    app.member(org, li, PersonRole::Engineer).await;
    let t = app.token(chen, None, None).await;
    let reviewer = app.token(li, None, None).await;
    let base = "/api/v1/organisations/demo-networks";
    let r = app.api(Method::POST, &format!("{base}/products"), Some(&t), Some(json!({"name": "AX3000"}))).await;
    let product = r.json()["id"].as_str().expect("product").to_owned();
    let r = app
        .api(
            Method::POST,
            &format!("{base}/products/{product}/versions"),
            Some(&t),
            Some(json!({"model": "AX3000", "version": "2.1.4"})),
        )
        .await;
    let version = r.json()["id"].as_str().expect("version").to_owned();
    let bom = json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": [
        {"type": "library", "bom-ref": "d", "name": "dnsmasq", "version": "2.89", "purl": "pkg:generic/dnsmasq@2.89"}]});
    let r = app.api(Method::POST, &format!("/api/v1/product-versions/{version}/sbom"), Some(&t), Some(bom)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app
        .api(
            Method::POST,
            &format!("{base}/customers"),
            Some(&t),
            Some(json!({"name": "ACME Power Grid", "contact_email": "noc@acme.example", "jurisdiction": "CN", "locale": "zh-CN"})),
        )
        .await;
    let customer = r.json()["id"].as_str().expect("customer").to_owned();
    app.api(
        Method::POST,
        &format!("{base}/deployments"),
        Some(&t),
        Some(json!({"customer": customer, "product_version": version})),
    )
    .await;
    app.api(Method::POST, &format!("{base}/cases"), Some(&t), Some(json!({"title": "DHCP 堆溢出"}))).await;
    let case = format!("{base}/cases/VD-2026-0001");
    let r = app
        .api(
            Method::PUT,
            &format!("{case}/assessment"),
            Some(&t),
            Some(json!({"cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "cwe": "CWE-122",
                "characteristics": "DHCPv6 处理中的堆溢出", "harm": "远程代码执行",
                "characteristics_en": "Heap overflow in DHCPv6 handling", "harm_en": "Remote code execution", "users_must_act": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .api(
            Method::POST,
            &format!("{case}/components"),
            Some(&t),
            Some(json!({"purl": "pkg:generic/dnsmasq", "vers": "<2.90"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    (t, reviewer, version)
}

#[tokio::test]
async fn the_gate_blocks_each_rule_with_its_reason_then_publishes_signed_csaf_the_provider_serves() {
    let app = TestApp::new().await;
    let (t, reviewer, version) = setup(&app).await;
    let case = "/api/v1/organisations/demo-networks/cases/VD-2026-0001";

    // The draft is prefilled from the case, with the assessed severity.
    let draft = app.api(Method::GET, &format!("{case}/advisory"), Some(&t), None).await.json();
    assert_eq!(draft["saved"], false);
    let assessed = draft["assessed_severity"].as_str().expect("assessed").to_owned();
    assert!(assessed.starts_with("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H 9.8"), "{assessed}");
    let mut content = json!({"tlp": "CLEAR", "title": "DHCP 堆溢出", "title_en": "DHCP heap overflow",
        "summary": "路由器 DHCPv6 堆溢出。", "summary_en": "A heap overflow in the router's DHCPv6 server.",
        "description": "在 ACME Power Grid 的 198.51.100.23 上发现。", "description_en": "Found on 198.51.100.23 at ACME Power Grid.",
        "refs": "https://thekelleys.org.uk/dnsmasq/CHANGELOG dnsmasq changelog", "acknowledgments": "Zhang San",
        "cve": "CVE-2026-12345", "severity": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N 6.5", "vex": true});
    let r = app.api(Method::PUT, &format!("{case}/advisory"), Some(&t), Some(content.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // Nothing is ready: four rules block, each saying why.
    let r = app.api(Method::POST, &format!("{case}/advisory/publish"), Some(&t), Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let out = r.json();
    assert_eq!(out["published"], false);
    assert_eq!(
        blocking(&out["outcomes"]),
        ["fix_before_publication", "no_in_use_system_details", "factual_severity", "fix_published_together"]
    );
    let in_use = out["outcomes"][1]["evidence"].as_str().expect("evidence");
    assert!(in_use.contains("ACME Power Grid") && in_use.contains("198.51.100.23"), "{in_use}");
    assert!(out["outcomes"][2]["evidence"].as_str().expect("evidence").contains("6.5"), "the stated severity differs");
    // The advisory page gives the same evidence in the reader's language.
    let mut zh = crate::harness::Browser::new(&app);
    zh.accept_language = "zh-CN";
    assert_eq!(zh.login("chen.jing", crate::harness::PASSWORD).await, StatusCode::SEE_OTHER);
    let page = zh.get("/orgs/demo-networks/cases/VD-2026-0001/advisory").await.body.clone();
    for said in
        ["发现：", "198.51.100.23", "提前发布缺少：联合评估、向工业和信息化部和公安部报告、其评估结论", "写明“CVSS:3.1"]
    {
        assert!(page.contains(said), "{said} in the zh-CN page");
    }
    assert!(!page.contains("no fix or mitigation is recorded"), "no English evidence on the zh-CN page");
    // Publishing from the page is refused with the same evidence, read back from the stored decision.
    let r = zh.post("/orgs/demo-networks/cases/VD-2026-0001/advisory/publish", &[("summary", "首次发布")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("未登记修复或防范措施；提前发布缺少：联合评估"), "the refusal in Chinese");
    assert!(!r.body.contains("early release lacks"), "no English evidence in the refusal");

    // A fix, the factual text and the assessed severity; the editor cannot review their own words.
    let fix = json!({"product_version": version, "kind": "vendor_fix", "fixed_in": "2.1.5", "released_on": "2026-11-20",
        "details": "升级固件至 2.1.5", "details_en": "Upgrade the firmware to 2.1.5", "url": "https://demo.example/fw/2.1.5",
        "users_must_act": true});
    assert_eq!(
        app.api(Method::POST, &format!("{case}/fixes"), Some(&t), Some(fix)).await.status,
        StatusCode::NO_CONTENT
    );
    content["description"] = json!("DHCPv6 选项处理中的堆溢出。");
    content["description_en"] = json!("A heap overflow in DHCPv6 option handling.");
    content["severity"] = json!(assessed);
    let saved = app.api(Method::PUT, &format!("{case}/advisory"), Some(&t), Some(content.clone())).await.json();
    let digest = saved["digest"].as_str().expect("digest").to_owned();
    let r = app.api(Method::POST, &format!("{case}/advisory/review"), Some(&t), Some(json!({"digest": digest}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "the last editor is not a reviewer: {}", r.body);
    let gate = app.api(Method::GET, &format!("{case}/advisory/gate"), Some(&t), None).await.json();
    assert_eq!(blocking(&gate["outcomes"]), ["factual_severity"]);
    let r = app
        .api(Method::POST, &format!("{case}/advisory/review"), Some(&reviewer), Some(json!({"digest": "stale"})))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "a review of other content is refused");
    let r = app
        .api(Method::POST, &format!("{case}/advisory/review"), Some(&reviewer), Some(json!({"digest": digest})))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);

    // A blackout window in force blocks until MPS consent is recorded.
    let admin = app.user("site.admin", true).await;
    let admin = app.token(admin, None, None).await;
    let now = app.clock.now();
    let window = json!({"starts": now.minus(std::time::Duration::from_secs(3600)).to_rfc3339(),
        "ends": now.plus(std::time::Duration::from_secs(86_400)).to_rfc3339(), "reason": "national event"});
    let r = app.api(Method::POST, "/api/v1/blackouts", Some(&t), Some(window.clone())).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "only site administrators set blackouts");
    assert_eq!(
        app.api(Method::POST, "/api/v1/blackouts", Some(&admin), Some(window)).await.status,
        StatusCode::NO_CONTENT
    );
    let gate = app.api(Method::GET, &format!("{case}/advisory/gate"), Some(&t), None).await.json();
    assert_eq!(blocking(&gate["outcomes"]), ["blackout"]);
    let r = app
        .api(
            Method::POST,
            &format!("{case}/gate-evidence"),
            Some(&t),
            Some(json!({"kind": "mps_consent", "note": "MPS letter 2026-118"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);

    // Published: CSAF, CSAF VEX, OSV, CVE, HTML; the case may now be disclosed.
    let r = app
        .api(Method::POST, &format!("{case}/advisory/publish"), Some(&t), Some(json!({"summary": "Initial release"})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let out = r.json();
    assert_eq!(out["version"], 1);
    let blackout = out["outcomes"].as_array().expect("outcomes").iter().find(|o| o["rule"] == "blackout").cloned();
    assert_eq!(blackout.expect("blackout rule")["verdict"], "pass_by_record");
    let docs: Vec<&str> = out["documents"].as_array().expect("documents").iter().filter_map(Value::as_str).collect();
    assert!(docs.contains(&"2026/vd-2026-0001.json") && docs.contains(&"2026/vd-2026-0001-vex.json"), "{docs:?}");
    assert!(docs.contains(&"osv/VD-2026-0001.json") && docs.contains(&"cve/CVE-2026-12345.json"), "{docs:?}");
    // The compliance dossier lists every gate decision, the refusals before the publication too.
    let d = app.api(Method::GET, &format!("{case}/dossier"), Some(&t), None).await.json();
    let gate: Vec<&str> = d["gate_decisions"].as_array().expect("decisions").iter().filter_map(Value::as_str).collect();
    assert!(gate.len() >= 2, "{d}");
    assert!(gate.first().is_some_and(|g| g.contains("refused")), "oldest first: {gate:?}");
    assert!(gate.last().is_some_and(|g| g.contains("publish") && g.contains("allowed")), "{gate:?}");

    // The provider tree.
    let meta = app.api(Method::GET, "/.well-known/csaf/provider-metadata.json", None, None).await;
    assert_eq!(meta.status, StatusCode::OK, "{}", meta.body);
    let meta = meta.json();
    assert_eq!(meta["role"], "csaf_trusted_provider");
    let fingerprint = meta["public_openpgp_keys"][0]["fingerprint"].as_str().expect("fingerprint").to_owned();
    let feed = app.api(Method::GET, "/.well-known/csaf/white/csaf-feed-tlp-white.json", None, None).await.json();
    let entries = feed["feed"]["entry"].as_array().expect("entries");
    assert_eq!(entries.len(), 2, "the advisory and its VEX: {feed}");
    let index = app.api(Method::GET, "/.well-known/csaf/white/index.txt", None, None).await.body;
    assert!(index.lines().any(|l| l == "2026/vd-2026-0001.json"), "{index}");
    let changes = app.api(Method::GET, "/.well-known/csaf/white/changes.csv", None, None).await.body;
    assert!(changes.contains("\"2026/vd-2026-0001.json\""), "{changes}");

    let doc = app.api(Method::GET, "/.well-known/csaf/white/2026/vd-2026-0001.json", None, None).await;
    assert_eq!(doc.status, StatusCode::OK);
    let csaf: Value = doc.json();
    assert_eq!(csaf["document"]["tracking"]["id"], "VD-2026-0001");
    assert_eq!(csaf["document"]["lang"], "zh-CN");
    assert_eq!(csaf["vulnerabilities"][0]["cve"], "CVE-2026-12345");
    let failures = vulndesk_formats::csaf::check(&csaf);
    assert!(failures.is_empty(), "vulndesk's CSAF mandatory checks: {failures:?}");
    let vex: Value =
        app.api(Method::GET, "/.well-known/csaf/white/2026/vd-2026-0001-vex.json", None, None).await.json();
    assert_eq!(vex["document"]["category"], "csaf_vex");
    assert!(vulndesk_formats::csaf::check(&vex).is_empty(), "{:?}", vulndesk_formats::csaf::check(&vex));

    let sha256 = app.api(Method::GET, "/.well-known/csaf/white/2026/vd-2026-0001.json.sha256", None, None).await.body;
    assert_eq!(sha256, format!("{}  vd-2026-0001.json\n", hex::encode(sha2::Sha256::digest(doc.body.as_bytes()))));
    let sha512 = app.api(Method::GET, "/.well-known/csaf/white/2026/vd-2026-0001.json.sha512", None, None).await.body;
    assert!(sha512.starts_with(&hex::encode(sha2::Sha512::digest(doc.body.as_bytes()))));
    let asc = app.api(Method::GET, "/.well-known/csaf/white/2026/vd-2026-0001.json.asc", None, None).await.body;
    let key = app.api(Method::GET, &format!("/.well-known/csaf/openpgp/{fingerprint}.asc"), None, None).await;
    assert_eq!(key.status, StatusCode::OK);
    gpg_verifies(&key.body, doc.body.as_bytes(), &asc);

    // The public page in both languages, OSV and CVE, the Atom feed.
    let page = app.api(Method::GET, "/advisories/VD-2026-0001", None, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("DHCP heap overflow") && page.body.contains("Upgrade the firmware to 2.1.5"), "English");
    let osv = app.api(Method::GET, "/advisories/VD-2026-0001/osv/VD-2026-0001.json", None, None).await.json();
    assert!(osv["aliases"].as_array().expect("aliases").contains(&json!("CVE-2026-12345")), "{osv}");
    let cve = app.api(Method::GET, "/advisories/VD-2026-0001/cve/CVE-2026-12345.json", None, None).await.json();
    assert_eq!(cve["cveMetadata"]["cveId"], "CVE-2026-12345");
    let atom = app.api(Method::GET, "/advisories.atom", None, None).await.body;
    assert!(atom.contains("<id>http") && atom.contains("VD-2026-0001: DHCP heap overflow"), "{atom}");
}

/// gpg (GnuPG 2.2 on this machine) verifies the detached signature with the published key.
fn gpg_verifies(key: &str, data: &[u8], signature: &str) {
    let home = std::env::temp_dir().join(format!("vulndesk-gpg-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&home).expect("gpg home");
    std::fs::write(home.join("key.asc"), key).expect("key");
    std::fs::write(home.join("doc.json"), data).expect("doc");
    std::fs::write(home.join("doc.json.asc"), signature).expect("sig");
    let gpg = |args: &[&str]| {
        Command::new("gpg")
            .arg("--batch")
            .arg("--homedir")
            .arg(&home)
            .args(args)
            .current_dir(&home)
            .output()
            .expect("gpg runs")
    };
    let import = gpg(&["--import", "key.asc"]);
    assert!(import.status.success(), "{}", String::from_utf8_lossy(&import.stderr));
    let verify = gpg(&["--verify", "doc.json.asc", "doc.json"]);
    assert!(verify.status.success(), "gpg: {}", String::from_utf8_lossy(&verify.stderr));
    std::fs::write(home.join("doc.json"), [data, b" "].concat()).expect("tampered");
    assert!(!gpg(&["--verify", "doc.json.asc", "doc.json"]).status.success(), "a changed document fails");
    let _ = std::fs::remove_dir_all(&home);
}

fn rand_suffix() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
}

#[tokio::test]
async fn amber_advisories_are_for_the_organisation_only() {
    let app = TestApp::new().await;
    let (t, reviewer, version) = setup(&app).await;
    let case = "/api/v1/organisations/demo-networks/cases/VD-2026-0001";
    let fix = json!({"product_version": version, "kind": "mitigation", "details_en": "Disable DHCPv6"});
    assert_eq!(
        app.api(Method::POST, &format!("{case}/fixes"), Some(&t), Some(fix)).await.status,
        StatusCode::NO_CONTENT
    );
    let assessed =
        app.api(Method::GET, &format!("{case}/advisory"), Some(&t), None).await.json()["assessed_severity"].clone();
    let saved = app
        .api(
            Method::PUT,
            &format!("{case}/advisory"),
            Some(&t),
            Some(json!({"tlp": "AMBER", "title_en": "DHCP heap overflow", "summary_en": "Heap overflow.", "severity": assessed})),
        )
        .await
        .json();
    app.api(
        Method::POST,
        &format!("{case}/advisory/review"),
        Some(&reviewer),
        Some(json!({"digest": saved["digest"]})),
    )
    .await;
    let r = app.api(Method::POST, &format!("{case}/advisory/publish"), Some(&t), Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // Anonymous readers see nothing of it, not even that it exists.
    for path in [
        "/.well-known/csaf/amber/2026/vd-2026-0001.json",
        "/.well-known/csaf/amber/csaf-feed-tlp-amber.json",
        "/advisories/VD-2026-0001",
    ] {
        assert_eq!(app.api(Method::GET, path, None, None).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let doc = app.api(Method::GET, "/.well-known/csaf/amber/2026/vd-2026-0001.json", Some(&t), None).await;
    assert_eq!(doc.status, StatusCode::OK, "the organisation's case readers may: {}", doc.body);
    assert_eq!(doc.json()["document"]["distribution"]["tlp"]["label"], "AMBER");
    let atom = app.api(Method::GET, "/advisories.atom", None, None).await.body;
    assert!(!atom.contains("VD-2026-0001"), "only TLP:CLEAR is in the public feed");
}

#[tokio::test]
async fn site_administrators_keep_the_blackout_calendar() {
    let app = TestApp::new().await;
    app.user("site.admin", true).await;
    app.user("chen.jing", false).await;
    let mut other = crate::harness::Browser::new(&app);
    assert_eq!(other.login("chen.jing", crate::harness::PASSWORD).await, StatusCode::SEE_OTHER);
    assert_eq!(other.get("/blackouts").await.status, StatusCode::FORBIDDEN);
    let mut admin = crate::harness::Browser::new(&app);
    assert_eq!(admin.login("site.admin", crate::harness::PASSWORD).await, StatusCode::SEE_OTHER);
    assert_eq!(admin.get("/blackouts").await.status, StatusCode::OK);
    let r = admin.post("/blackouts", &[("starts", "2026-12-05"), ("ends", "2026-12-01"), ("reason", "x")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "the end before the start");
    let r = admin
        .post("/blackouts", &[("starts", "2026-12-01"), ("ends", "2026-12-05"), ("reason", "national event")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = admin.get("/blackouts").await;
    assert!(page.body.contains("national event") && page.body.contains("2026-12-01T00:00:00"), "{}", page.body);
}

/// The early-release path at the API: no fix, all three records, published with "none
/// available"; and a VEX document that could not pass the CSAF mandatory tests (no product to
/// state anything about) is refused before anything is signed.
#[tokio::test]
async fn early_release_with_every_record_publishes_and_an_invalid_csaf_is_never_signed() {
    let app = TestApp::new().await;
    let chen = app.user("chen.jing", false).await;
    let li = app.user("li.wei", false).await;
    let org = app.org("demo-networks").await;
    app.member(org, chen, PersonRole::Coordinator).await;
    app.member(org, li, PersonRole::Engineer).await;
    let t = app.token(chen, None, None).await;
    let reviewer = app.token(li, None, None).await;
    let base = "/api/v1/organisations/demo-networks";
    app.api(Method::POST, &format!("{base}/cases"), Some(&t), Some(json!({"title": "Exploited in the wild"}))).await;
    let case = format!("{base}/cases/VD-2026-0001");
    app.api(
        Method::PUT,
        &format!("{case}/assessment"),
        Some(&t),
        Some(json!({"grade": "critical", "characteristics": "认证绕过", "harm": "远程控制", "characteristics_en": "Authentication bypass",
            "harm_en": "Remote takeover"})),
    )
    .await;
    let assessed =
        app.api(Method::GET, &format!("{case}/advisory"), Some(&t), None).await.json()["assessed_severity"].clone();
    let content = json!({"tlp": "CLEAR", "title_en": "Authentication bypass exploited in the wild", "summary_en": "Disable remote management.",
        "severity": assessed, "vex": true});
    let saved = app.api(Method::PUT, &format!("{case}/advisory"), Some(&t), Some(content.clone())).await.json();
    app.api(
        Method::POST,
        &format!("{case}/advisory/review"),
        Some(&reviewer),
        Some(json!({"digest": saved["digest"]})),
    )
    .await;
    for (kind, note) in [
        ("joint_assessment", "Joint assessment with the provider, minutes 2026-11-20"),
        ("authority_report", "Reported to MIIT and MPS, 2026-11-21"),
    ] {
        let r = app
            .api(Method::POST, &format!("{case}/gate-evidence"), Some(&t), Some(json!({"kind": kind, "note": note})))
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    }
    let r = app.api(Method::POST, &format!("{case}/advisory/publish"), Some(&t), Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(blocking(&r.json()["outcomes"]), ["fix_before_publication"], "two of three records are not enough");
    app.api(
        Method::POST,
        &format!("{case}/gate-evidence"),
        Some(&t),
        Some(json!({"kind": "authority_outcome", "note": "MIIT/MPS: early release allowed"})),
    )
    .await;
    // Allowed by the gate, but a CSAF document must name a product: nothing is signed or served.
    let r = app.api(Method::POST, &format!("{case}/advisory/publish"), Some(&t), Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("6.1.27.6") && r.body.contains("nothing was published"), "{}", r.body);
    assert_eq!(
        app.api(Method::GET, "/.well-known/csaf/provider-metadata.json", None, None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.api(Method::GET, &format!("{case}/advisory"), Some(&t), None).await.json()["version"], 0);

    // The affected version, with the record that no fix is available yet: published, VEX too.
    let r = app.api(Method::POST, &format!("{base}/products"), Some(&t), Some(json!({"name": "AX3000"}))).await;
    let product = r.json()["id"].as_str().expect("product").to_owned();
    let r = app
        .api(Method::POST, &format!("{base}/products/{product}/versions"), Some(&t), Some(json!({"version": "2.1.4"})))
        .await;
    let version = r.json()["id"].as_str().expect("version").to_owned();
    let none = json!({"product_version": version, "kind": "none_available", "details_en": "Disable remote management until 2.1.5"});
    assert_eq!(
        app.api(Method::POST, &format!("{case}/fixes"), Some(&t), Some(none)).await.status,
        StatusCode::NO_CONTENT
    );
    let r = app.api(Method::POST, &format!("{case}/advisory/publish"), Some(&t), Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["outcomes"][4]["verdict"], "pass_by_record", "rule 5: 'none available' under early release");
    let rule1 = r.json()["outcomes"][0].clone();
    assert_eq!(rule1["rule"], "fix_before_publication");
    assert_eq!(rule1["verdict"], "pass_by_record");
}

/// Bad input to fixes and advisories is refused field by field, and nothing is stored.
#[tokio::test]
async fn bad_fixes_and_advisories_are_refused_with_the_field_named() {
    let app = TestApp::new().await;
    let (t, _, version) = setup(&app).await;
    let case = "/api/v1/organisations/demo-networks/cases/VD-2026-0001";
    for (body, field) in [
        (json!({"product_version": version, "kind": "patch", "details_en": "x"}), "kind"),
        (json!({"product_version": version, "kind": "vendor_fix", "details_en": "x"}), "fixed_in"),
        (json!({"product_version": version, "kind": "mitigation"}), "details"),
        (json!({"product_version": "not-an-id", "kind": "mitigation", "details_en": "x"}), "product_version"),
        (
            json!({"product_version": version, "kind": "mitigation", "details_en": "x", "url": "javascript:alert(1)"}),
            "url",
        ),
        (
            json!({"product_version": version, "kind": "mitigation", "details_en": "x", "released_on": "next week"}),
            "released_on",
        ),
    ] {
        let r = app.api(Method::POST, &format!("{case}/fixes"), Some(&t), Some(body)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", r.body);
        assert!(r.body.contains(&format!("\"{field}\"")), "{field}: {}", r.body);
    }
    let fixes = app.api(Method::GET, &format!("{case}/fixes"), Some(&t), None).await.json();
    assert!(fixes.as_array().expect("list").iter().all(|f| f["id"] == ""), "nothing stored: {fixes}");
    for (body, field) in [
        (json!({"tlp": "PURPLE", "title": "x"}), "tlp"),
        (json!({"tlp": "CLEAR"}), "title"),
        (json!({"tlp": "CLEAR", "title": "x", "cve": "CVE-12"}), "cve"),
        (json!({"tlp": "CLEAR", "title": "x", "refs": "https://ok.example fine\nftp://nope.example"}), "2:refs"),
    ] {
        let r = app.api(Method::PUT, &format!("{case}/advisory"), Some(&t), Some(body)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", r.body);
        assert!(r.body.contains(&format!("\"{field}\"")), "{field}: {}", r.body);
    }
    assert_eq!(app.api(Method::GET, &format!("{case}/advisory"), Some(&t), None).await.json()["saved"], false);
    let r = app
        .api(Method::POST, &format!("{case}/gate-evidence"), Some(&t), Some(json!({"kind": "rumour", "note": "x"})))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
}
