//! Reports to the authority over HTTP: a draft prefilled from the case and its impact, refused
//! while a mandatory field is empty (each named, in the caller's language), a manual submission
//! that meets the 48-hour deadline, the report frozen once submitted, updates that follow on it,
//! the JSON document valid against `docs/authority-report.schema.json`, and the pages.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use vulndesk_core::PersonRole;

use crate::harness::{Browser, PASSWORD, TestApp};

const ORG: &str = "/api/v1/organisations/demo-networks";
const CASE: &str = "/api/v1/organisations/demo-networks/cases/VD-2026-0001";

fn schema() -> jsonschema::Validator {
    let text = include_str!("../../../../docs/authority-report.schema.json");
    let schema: Value = serde_json::from_str(text).expect("schema is JSON");
    jsonschema::validator_for(&schema).expect("a valid JSON Schema")
}

fn assert_valid(doc: &Value) {
    let v = schema();
    let errors: Vec<String> = v.iter_errors(doc).map(|e| format!("{} at {}", e, e.instance_path)).collect();
    assert!(errors.is_empty(), "{errors:?}\n{doc}");
}

async fn setup() -> (TestApp, String, String) {
    let app = TestApp::new().await;
    let coordinator = app.user("chen.jing", false).await;
    let auditor = app.user("qian.hao", false).await;
    let org = app.org("demo-networks").await;
    app.member(org, coordinator, PersonRole::Admin).await;
    app.member(org, coordinator, PersonRole::Coordinator).await;
    app.member(org, auditor, PersonRole::Auditor).await;
    let t = app.token(coordinator, None, None).await;
    let a = app.token(auditor, None, None).await;
    // A product with two versions whose SBOM holds dnsmasq 2.89, and a case naming dnsmasq < 2.90.
    let r = app.api(Method::POST, &format!("{ORG}/products"), Some(&t), Some(json!({"name": "AX3000"}))).await;
    let product = r.json()["id"].as_str().expect("id").to_owned();
    for (model, version) in [("AX3000", "2.1.3"), ("AX3000-Pro", "2.1.4")] {
        let r = app
            .api(
                Method::POST,
                &format!("{ORG}/products/{product}/versions"),
                Some(&t),
                Some(json!({"model": model, "version": version})),
            )
            .await;
        let id = r.json()["id"].as_str().expect("id").to_owned();
        let bom = json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": [
            {"type": "library", "bom-ref": "d", "name": "dnsmasq", "version": "2.89", "purl": "pkg:generic/dnsmasq@2.89"}]});
        let req = axum::http::Request::builder()
            .method(Method::POST)
            .uri(format!("/api/v1/product-versions/{id}/sbom"))
            .header("authorization", format!("Bearer {t}"))
            .header("content-type", "application/json")
            .body(axum::body::Body::from(bom.to_string()))
            .expect("request");
        assert_eq!(app.send(req).await.status, StatusCode::CREATED);
    }
    let r = app.api(Method::POST, &format!("{ORG}/cases"), Some(&t), Some(json!({"title": "DHCP overflow"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app
        .api(
            Method::PUT,
            &format!("{CASE}/assessment"),
            Some(&t),
            Some(json!({"cvss_vector": "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "characteristics": "堆溢出",
                "aliases": "CVE-2099-1234"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .api(
            Method::POST,
            &format!("{CASE}/components"),
            Some(&t),
            Some(json!({"purl": "pkg:generic/dnsmasq", "vers": "<2.90"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    (app, t, a)
}

fn deadline_state(case: &Value) -> String {
    case["deadlines"]
        .as_array()
        .expect("deadlines")
        .iter()
        .find(|d| d["kind"] == "authority_report")
        .map(|d| d["state"].as_str().expect("state").to_owned())
        .expect("an authority deadline")
}

#[tokio::test]
async fn a_prefilled_report_is_refused_until_complete_then_submitted_and_frozen() {
    let (app, t, auditor) = setup().await;
    let base = format!("{CASE}/authority-reports");
    let r = app.api(Method::POST, &base, Some(&auditor), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "auditors read and change nothing");
    let r = app.api(Method::POST, &base, Some(&t), None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let doc = r.json();
    assert_valid(&doc);
    assert_eq!(doc["kind"], "initial");
    assert_eq!(doc["sequence"], 1);
    assert_eq!(doc["product_name"], "AX3000", "from the product versions the case's component reaches");
    assert_eq!(doc["model"], "AX3000、AX3000-Pro");
    assert_eq!(doc["versions"], "2.1.3、2.1.4");
    assert_eq!(doc["characteristics"], "堆溢出");
    assert_eq!(doc["identifiers"], json!(["CVE-2099-1234"]));
    assert_eq!(doc["severity"]["cvss_score"], "8.8");
    assert_eq!(doc["components"], json!(["pkg:generic/dnsmasq vers:generic/<2.90"]));
    assert_eq!(doc["fix_status"], "尚未修补");
    assert_eq!(doc["submission"], Value::Null);
    let r = app.api(Method::POST, &base, Some(&t), None).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "one draft at a time");

    // Harm, scope and the contact are empty: the submission names each, in English here.
    let submit = format!("{base}/1/submission");
    let r = app.api(Method::POST, &submit, Some(&t), Some(json!({"receipt_number": "MIIT-1"}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let message = r.json()["error"]["message"].as_str().expect("message").to_owned();
    assert!(
        message.contains("Harm") && message.contains("Scope of impact") && message.contains("Provider contact"),
        "{message}"
    );
    assert!(!message.contains("Product name"), "{message}");
    let case = app.api(Method::GET, CASE, Some(&t), None).await.json();
    assert_ne!(deadline_state(&case), "met");

    let fill = json!({"sub_library": "industrial_control", "product_name": "AX3000", "model": "AX3000、AX3000-Pro",
        "versions": "2.0.0–2.1.4", "characteristics": "堆溢出", "harm": "远程代码执行", "scope_of_impact": "家用路由器",
        "provider_contact": "psirt@demo.example"});
    let r = app.api(Method::PUT, &format!("{base}/1"), Some(&t), Some(json!({"sub_library": "trains"}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.api(Method::PUT, &format!("{base}/1"), Some(&t), Some(fill.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["sub_library"], "industrial_control");

    for (body, field) in [
        (json!({"receipt_number": ""}), "receipt_number"),
        (json!({"receipt_number": "R", "submitted_at": "2099-01-01T00:00:00Z"}), "submitted_at"),
        (json!({"receipt_number": "R", "submitted_at": "2000-01-01T00:00:00Z"}), "submitted_at"),
        (json!({"receipt_number": "R", "submitted_at": "yesterday"}), "submitted_at"),
    ] {
        let r = app.api(Method::POST, &submit, Some(&t), Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
        assert_eq!(r.json()["error"]["details"][0]["field"], field, "{body}");
    }
    let r = app
        .api(
            Method::POST,
            &submit,
            Some(&t),
            Some(json!({"receipt_number": "MIIT-2026-000123", "evidence": "screenshot in the wiki"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let doc = r.json();
    assert_valid(&doc);
    assert_eq!(doc["status"], "submitted");
    assert_eq!(doc["submission"]["receipt_number"], "MIIT-2026-000123");
    assert_eq!(doc["submission"]["channel"], "manual");
    assert_eq!(doc["submission"]["on_time"], true);
    let case = app.api(Method::GET, CASE, Some(&t), None).await.json();
    assert_eq!(deadline_state(&case), "met", "a recorded submission meets the 48-hour deadline");
    app.assert_case_list_matches_each(ORG, &t).await;
    // The compliance dossier shows the step done, by whom, with the receipt.
    let d = app.api(Method::GET, &format!("{CASE}/dossier"), Some(&t), None).await.json();
    let step = d["steps"].as_array().expect("steps").iter().find(|s| s["step"] == "authority_reported").cloned();
    let step = step.expect("the authority step");
    assert_eq!(step["status"], "done", "{d}");
    assert!(step["detail"].as_str().expect("detail").contains("MIIT-2026-000123"), "{step}");
    assert!(step["actor"].is_string() && step["at"].is_string(), "{step}");

    // Frozen: no edit, no second submission; the next report is an update that names it.
    let r = app.api(Method::PUT, &format!("{base}/1"), Some(&t), Some(fill)).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = app.api(Method::POST, &submit, Some(&t), Some(json!({"receipt_number": "again"}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = app.api(Method::POST, &base, Some(&t), None).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let update = r.json();
    assert_valid(&update);
    assert_eq!(update["kind"], "update");
    assert_eq!(update["updates"], doc["id"]);
    let list = app.api(Method::GET, &base, Some(&auditor), None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.json().as_array().expect("list").len(), 2);
    let events = app.api(Method::GET, "/api/v1/audit?organisation=demo-networks", Some(&t), None).await.json();
    assert!(events.to_string().contains("authority_report.submit"), "the submission is audited");
}

#[tokio::test]
async fn the_pages_prepare_fill_and_record_a_report_and_print_it_in_chinese() {
    let (app, _t, _a) = setup().await;
    let mut b = Browser::new(&app);
    b.accept_language = "en";
    assert_eq!(b.login("chen.jing", PASSWORD).await, StatusCode::SEE_OTHER);
    let page = b.get("/orgs/demo-networks/cases/VD-2026-0001").await;
    assert!(page.body.contains("/cases/VD-2026-0001/authority"), "the case links its report");
    b.get("/orgs/demo-networks/cases/VD-2026-0001/authority").await;
    let r = b.post("/orgs/demo-networks/cases/VD-2026-0001/authority", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = b.get("/orgs/demo-networks/cases/VD-2026-0001/authority").await;
    assert!(page.body.contains("data-testid=\"authority-missing\""), "{}", page.body);
    assert!(page.body.contains("Harm, ") || page.body.contains("Harm、"), "{}", page.body);
    let r = b.post("/orgs/demo-networks/cases/VD-2026-0001/authority/1/submission", &[("receipt_number", "R-1")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("cannot be submitted while these are empty"), "{}", r.body);
    b.get("/orgs/demo-networks/cases/VD-2026-0001/authority").await;
    let r = b
        .post(
            "/orgs/demo-networks/cases/VD-2026-0001/authority/1",
            &[
                ("sub_library", "general"),
                ("product_name", "AX3000"),
                ("model", "AX3000"),
                ("versions", "2.1.3"),
                ("characteristics", "堆溢出"),
                ("harm", "远程代码执行"),
                ("scope_of_impact", "家用路由器"),
                ("provider_contact", "psirt@demo.example"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    b.get("/orgs/demo-networks/cases/VD-2026-0001/authority").await;
    let r =
        b.post("/orgs/demo-networks/cases/VD-2026-0001/authority/1/submission", &[("receipt_number", "MIIT-9")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = b.get("/orgs/demo-networks/cases/VD-2026-0001/authority").await;
    assert!(page.body.contains("MIIT-9") && page.body.contains("Submitted"), "{}", page.body);
    let print = b.get("/orgs/demo-networks/cases/VD-2026-0001/authority/1/print").await;
    assert_eq!(print.status, StatusCode::OK);
    assert!(print.body.contains("网络产品安全漏洞信息报送表") && print.body.contains("远程代码执行"), "{}", print.body);
    assert!(print.body.contains("回执编号 MIIT-9"), "{}", print.body);
    // The same report as a PDF, read back by poppler.
    let pdf = b.get("/orgs/demo-networks/cases/VD-2026-0001/authority/1/pdf").await;
    assert_eq!(pdf.status, StatusCode::OK);
    let text = pdf.pdf_text();
    assert!(
        text.contains("网络产品安全漏洞信息报送表") && text.contains("远程代码执行") && text.contains("MIIT-9"),
        "{text}"
    );
    let json = b.get("/orgs/demo-networks/cases/VD-2026-0001/authority/1/json").await;
    assert_valid(&serde_json::from_str(&json.body).expect("json"));
}
