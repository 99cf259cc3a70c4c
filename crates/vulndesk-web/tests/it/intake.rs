//! Intake over HTTP: anonymous submission by API and by the form, tracking, the triage inbox,
//! attachments and need-to-know, bad input that stores nothing, flood control, the filing rule,
//! receipt exports and security.txt.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;
use vulndesk_core::{Clock, OrgId, OrgKind, PersonRole, UserId};
use vulndesk_web::{IntakeLimits, WebConfig};

use crate::harness::{Browser, PASSWORD, Reply, TestApp};

struct Psirt {
    app: TestApp,
    org: OrgId,
    admin_token: String,
    triager_token: String,
    triager: UserId,
}

async fn psirt_with(config: WebConfig) -> Psirt {
    let app = TestApp::with_config(config).await;
    let admin = app.user("chen.jing", false).await;
    let triager = app.user("li.wei", false).await;
    let org = app.org("demo-networks").await;
    app.member(org, admin, PersonRole::Admin).await;
    app.member(org, triager, PersonRole::Triager).await;
    let admin_token = app.token(admin, None, None).await;
    let triager_token = app.token(triager, None, None).await;
    let r = app
        .api(
            Method::POST,
            "/api/v1/organisations/demo-networks/programs",
            Some(&admin_token),
            Some(json!({"slug": "demo", "name": "Demo PSIRT", "scope": "own_products", "anonymous": true,
                "policy_en": "Be kind.", "policy_zh": "请友善。"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    Psirt { app, org, admin_token, triager_token, triager }
}

async fn psirt() -> Psirt {
    psirt_with(WebConfig::default()).await
}

fn report_body() -> serde_json::Value {
    json!({"title": "DHCP crash", "description": "A crafted **DHCP** request crashes the router.", "product": "AX3000",
        "version": "2.1.4", "cwe": "cwe-122", "accept_policy": true})
}

async fn submit(app: &TestApp, body: serde_json::Value) -> Reply {
    app.api(Method::POST, "/api/v1/programs/demo/reports", None, Some(body)).await
}

async fn receipt_count(app: &TestApp) -> u64 {
    match app.db.store.receipts_verify().await.expect("verify") {
        vulndesk_store::intake::ReceiptCheck::Ok { count, .. } => count,
        broken => panic!("{broken:?}"),
    }
}

#[tokio::test]
async fn anonymous_report_is_received_tracked_and_triaged() {
    let p = psirt().await;
    let app = &p.app;
    let r = submit(app, report_body()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = r.json();
    assert_eq!(v["receipt_id"], 1);
    let token = v["tracking_token"].as_str().expect("token").to_owned();
    assert_eq!(token.len(), 64, "256-bit token");
    assert!(v["tracking_url"].as_str().is_some_and(|u| u.ends_with(&format!("/t/{token}"))));

    let t = app.api(Method::GET, &format!("/api/v1/tracking/{token}"), None, None).await.json();
    assert_eq!((t["status"].as_str(), t["receipt_id"].as_i64()), (Some("new"), Some(1)));

    // The triager sees it in the inbox; the read is audited.
    let list = app.api(Method::GET, "/api/v1/organisations/demo-networks/reports", Some(&p.triager_token), None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let id = list.json()[0]["id"].as_str().expect("id").to_owned();
    assert_eq!(list.json()[0]["cwe"], "CWE-122", "normalised");
    let one = app
        .api(Method::GET, &format!("/api/v1/organisations/demo-networks/reports/{id}"), Some(&p.triager_token), None)
        .await;
    assert_eq!(one.status, StatusCode::OK);
    let audit = app.db.store.audit_list(Some(&p.org.to_string()), None, 5).await.expect("audit");
    assert!(audit.iter().any(|e| e.event.action == "report.view" && e.event.actor == p.triager.to_string()));

    // Ask for information; the reporter answers through the tracking API; the report is back in the queue.
    let path = format!("/api/v1/organisations/demo-networks/reports/{id}/triage");
    let r = app
        .api(
            Method::POST,
            &path,
            Some(&p.triager_token),
            Some(json!({"action": "request_info", "message": "Which firmware?"})),
        )
        .await;
    assert_eq!((r.status, r.json()["status"].clone()), (StatusCode::OK, json!("needs_info")), "{}", r.body);
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/tracking/{token}/messages"),
            None,
            Some(json!({"message": "2.1.4 and 2.1.3"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["receipt_id"], 2, "every reporter message is a receipt");
    let t = app.api(Method::GET, &format!("/api/v1/tracking/{token}"), None, None).await.json();
    assert_eq!(t["status"], "acknowledged");
    let thread: Vec<String> =
        t["messages"].as_array().expect("messages").iter().map(|m| m["from"].as_str().unwrap_or("").into()).collect();
    assert_eq!(thread, ["team", "reporter"]);

    // Asking for information needs a message; an unknown action is named.
    let r = app.api(Method::POST, &path, Some(&p.triager_token), Some(json!({"action": "request_info"}))).await;
    assert_eq!(r.json()["error"]["details"][0]["field"], "message");
    let r = app.api(Method::POST, &path, Some(&p.triager_token), Some(json!({"action": "delete"}))).await;
    assert_eq!(r.json()["error"]["details"][0]["field"], "action");

    // Rejecting ends triage: no further state change.
    let r = app
        .api(Method::POST, &path, Some(&p.triager_token), Some(json!({"action": "invalid", "message": "Out of scope"})))
        .await;
    assert_eq!(r.json()["status"], "invalid");
    let r = app.api(Method::POST, &path, Some(&p.triager_token), Some(json!({"action": "acknowledge"}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(receipt_count(app).await, 2);
}

#[tokio::test]
async fn attachments_are_sniffed_flagged_and_served_only_as_downloads_to_need_to_know_roles() {
    let p = psirt().await;
    let app = &p.app;
    let boundary = "vulndeskBoundary7";
    let part = |name: &str, filename: Option<&str>, body: &str| match filename {
        Some(f) => format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: image/png\r\n\r\n{body}\r\n"
        ),
        None => format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{body}\r\n"),
    };
    let body = [
        part("title", None, "Heap overflow"),
        part("description", None, "See the exploit."),
        part("product", None, "AX3000"),
        part("accept_policy", None, "on"),
        part("attachment_exploit", Some("../../x/<script>poc.py"), "print('pwn')"),
        format!("--{boundary}--\r\n"),
    ]
    .concat();
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/programs/demo/reports")
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .expect("request");
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    let list =
        app.api(Method::GET, "/api/v1/organisations/demo-networks/reports", Some(&p.triager_token), None).await.json();
    let id: vulndesk_core::ReportId = list[0]["id"].as_str().expect("id").parse().expect("uuid");
    let files = app.db.store.attachments_of(id).await.expect("attachments");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].tag, vulndesk_core::intake::AttachmentTag::Exploit);
    assert_eq!(files[0].content_type, "text/plain", "sniffed, not the claimed image/png");
    assert_eq!(files[0].filename, "scriptpoc.py", "path and markup stripped");

    let mut b = Browser::new(app);
    b.login("li.wei", PASSWORD).await;
    let page = b.get(&format!("/orgs/demo-networks/reports/{id}")).await;
    assert!(page.body.contains("class=\"tag danger\""), "exploit flagged");
    assert!(page.body.contains("<strong>DHCP</strong>") || page.body.contains("See the exploit."));
    let dl = b.get(&format!("/orgs/demo-networks/reports/{id}/attachments/{}", files[0].id)).await;
    assert_eq!(dl.status, StatusCode::OK);
    assert_eq!(dl.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("application/octet-stream"));
    assert!(
        dl.headers
            .get(header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("attachment;"))
    );
    assert_eq!(dl.body, "print('pwn')");

    // The organisation's admin manages people, not reports: need-to-know says no.
    let r = app
        .api(Method::GET, &format!("/api/v1/organisations/demo-networks/reports/{id}"), Some(&p.admin_token), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // An auditor reads but cannot triage.
    let auditor = app.user("qian.hao", false).await;
    app.member(p.org, auditor, PersonRole::Auditor).await;
    let at = app.token(auditor, None, None).await;
    assert_eq!(
        app.api(Method::GET, &format!("/api/v1/organisations/demo-networks/reports/{id}"), Some(&at), None)
            .await
            .status,
        StatusCode::OK
    );
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/organisations/demo-networks/reports/{id}/triage"),
            Some(&at),
            Some(json!({"action": "acknowledge"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Someone from another organisation sees nothing.
    let outsider = app.user("wang.fang", false).await;
    let other = app.org("metro-transit").await;
    app.member(other, outsider, PersonRole::Triager).await;
    let ot = app.token(outsider, None, None).await;
    assert_eq!(
        app.api(Method::GET, &format!("/api/v1/organisations/demo-networks/reports/{id}"), Some(&ot), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn bad_submissions_get_precise_errors_and_store_nothing() {
    let config = WebConfig {
        intake: IntakeLimits { max_attachment_bytes: 1024, ..IntakeLimits::default() },
        ..WebConfig::default()
    };
    let p = psirt_with(config).await;
    let app = &p.app;

    // Missing fields: 422, field by field, in the request's language.
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/programs/demo/reports")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT_LANGUAGE, "zh-CN")
        .body(Body::from(json!({"title": "x", "cwe": "XSS"}).to_string()))
        .expect("request");
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = r.json()["error"]["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| d["field"].as_str().unwrap_or("").into())
        .collect();
    assert_eq!(fields, ["description", "product", "cwe", "accept_policy"]);
    assert!(r.body.contains("必须填写"), "{}", r.body);

    // Unknown field, malformed JSON, wrong content type, unknown program.
    let mut extra = report_body();
    extra["severity"] = json!("critical");
    assert_eq!(submit(app, extra).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/programs/demo/reports")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"title\": \"x\",\n\"description\": }"))
        .expect("request");
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("line 2"), "{}", r.body);
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/programs/demo/reports")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("hello"))
        .expect("request");
    assert_eq!(app.send(req).await.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        app.api(Method::POST, "/api/v1/programs/nope/reports", None, Some(report_body())).await.status,
        StatusCode::NOT_FOUND
    );

    // An attachment over the limit: 413.
    let mut big = report_body();
    big["attachments"] = json!([{"tag": "evidence", "filename": "big.bin",
        "content_base64": base64_of(&vec![b'a'; 2048])}]);
    let r = submit(app, big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    let mut bad_tag = report_body();
    bad_tag["attachments"] = json!([{"tag": "malware", "filename": "a", "content_base64": "YQ=="}]);
    let r = submit(app, bad_tag).await;
    assert_eq!(r.json()["error"]["details"][0]["field"], "attachments[0]");

    // A closed program: 403 with the reason.
    let r = app
        .api(
            Method::POST,
            "/api/v1/organisations/demo-networks/programs",
            Some(&p.admin_token),
            Some(json!({"slug": "old", "name": "Old", "scope": "own_products", "closed_reason": "moved to demo"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app.api(Method::POST, "/api/v1/programs/old/reports", None, Some(report_body())).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.json()["error"]["message"].as_str().unwrap_or("").contains("moved to demo"));

    // A program that wants contact details.
    let r = app
        .api(
            Method::POST,
            "/api/v1/organisations/demo-networks/programs",
            Some(&p.admin_token),
            Some(json!({"slug": "named", "name": "Named", "scope": "own_products", "anonymous": false})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = app.api(Method::POST, "/api/v1/programs/named/reports", None, Some(report_body())).await;
    assert_eq!(r.json()["error"]["details"][0]["field"], "contact");

    assert_eq!(receipt_count(app).await, 0, "nothing half-stored");
    assert!(app.db.store.reports_of(p.org, &Default::default()).await.expect("list").is_empty());
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn floods_are_answered_with_429_and_retry_after() {
    let config = WebConfig {
        intake: IntakeLimits { per_source_per_minute: 3, ..IntakeLimits::default() },
        ..WebConfig::default()
    };
    let p = psirt_with(config).await;
    for _ in 0..3 {
        assert_eq!(submit(&p.app, report_body()).await.status, StatusCode::CREATED);
    }
    let r = submit(&p.app, report_body()).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers.get(header::RETRY_AFTER).is_some());
    assert_eq!(receipt_count(&p.app).await, 3);
}

#[tokio::test]
async fn collection_platforms_need_a_filing_for_third_party_programs() {
    let app = TestApp::new().await;
    let admin = app.user("zhou.jie", false).await;
    let platform = app.org("safeharbor").await;
    let ctx = vulndesk_core::audit::AuditContext::system(vulndesk_core::Timestamp::from_micros(crate::harness::T0));
    app.db.store.update_org(platform, "SafeHarbor", &[OrgKind::CollectionPlatform], &ctx).await.expect("kinds");
    app.member(platform, admin, PersonRole::Admin).await;
    let t = app.token(admin, None, None).await;
    let program = json!({"slug": "vendors", "name": "Vendors", "scope": "third_party"});
    let r = app.api(Method::POST, "/api/v1/organisations/safeharbor/programs", Some(&t), Some(program.clone())).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"]["details"][0]["message"].as_str().unwrap_or("").contains("filing"), "{}", r.body);

    let filing = json!({"filing_number": "工信部网安备2026-0012", "filed_on": "2026-01-05", "platform_name": "安全港",
        "homepage_url": "https://src.safeharbor.example", "icp_number": "沪ICP备1号", "sponsor": "SafeHarbor", "contact": "Zhou Jie", "rules": "…"});
    let r = app.api(Method::PUT, "/api/v1/organisations/safeharbor/filing", Some(&t), Some(filing.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["update_filing_with_authority"], false);
    let r = app.api(Method::POST, "/api/v1/organisations/safeharbor/programs", Some(&t), Some(program)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // Changing a filed field flags that the filing with the authority must be updated.
    let mut changed = filing.clone();
    changed["contact"] = json!("Wu Lei");
    let r = app.api(Method::PUT, "/api/v1/organisations/safeharbor/filing", Some(&t), Some(changed)).await;
    assert_eq!(r.json()["changed"], json!(["contact"]));
    assert_eq!(r.json()["update_filing_with_authority"], true);
    // …with a task due in 30 days (the default of the `filing_update_days` setting).
    let due = vulndesk_core::Timestamp::parse_rfc3339(r.json()["update_due_at"].as_str().expect("due")).expect("time");
    let expected = app.clock.now().plus(std::time::Duration::from_secs(30 * 86_400));
    assert!((expected.as_micros() - due.as_micros()).abs() < 1_000_000, "{due:?} {expected:?}");
    let mut bad = filing;
    bad["filed_on"] = json!("last year");
    assert_eq!(
        app.api(Method::PUT, "/api/v1/organisations/safeharbor/filing", Some(&t), Some(bad)).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // A provider cannot open a third-party program at all.
    let provider = app.org("demo-networks").await;
    app.member(provider, admin, PersonRole::Admin).await;
    let r = app
        .api(
            Method::POST,
            "/api/v1/organisations/demo-networks/programs",
            Some(&t),
            Some(json!({"slug": "x1", "name": "X", "scope": "third_party"})),
        )
        .await;
    assert!(r.json()["error"]["details"][0]["message"].as_str().unwrap_or("").contains("Only a collection platform"));
}

#[tokio::test]
async fn receipt_exports_carry_the_chain_head_for_those_allowed() {
    let p = psirt().await;
    let app = &p.app;
    for _ in 0..2 {
        submit(app, report_body()).await;
    }
    let r = app.api(Method::GET, "/api/v1/organisations/demo-networks/receipts", Some(&p.admin_token), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!(v["receipts"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["chain_head"]["seq"], 2);
    assert_eq!(v["receipts"][1]["hash"], v["chain_head"]["hash"]);
    let r = app
        .api(Method::GET, "/api/v1/organisations/demo-networks/receipts?format=csv", Some(&p.admin_token), None)
        .await;
    assert!(r.body.starts_with("seq,received_at,channel") && r.body.lines().count() == 4, "{}", r.body);
    assert_eq!(
        app.api(Method::GET, "/api/v1/organisations/demo-networks/receipts", Some(&p.triager_token), None).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_form_path_and_the_tracking_page_work_without_javascript() {
    let p = psirt().await;
    let app = &p.app;
    let mut b = Browser::new(app);
    let page = b.get("/p/demo").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Be kind.") && page.body.contains("enctype=\"multipart/form-data\""));
    let csrf = b.csrf();
    let boundary = "formBoundary9";
    let field =
        |n: &str, v: &str| format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{n}\"\r\n\r\n{v}\r\n");
    let body = [
        field("csrf", &csrf),
        field("title", "Form report"),
        field("description", "d"),
        field("product", "AX3000"),
        field("accept_policy", "on"),
        format!("--{boundary}--\r\n"),
    ]
    .concat();
    let cookie = format!("vd_csrf={}", b.cookie("vd_csrf").cloned().unwrap_or_default());
    let req = Request::builder()
        .method(Method::POST)
        .uri("/p/demo")
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .header(header::COOKIE, cookie)
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(body))
        .expect("request");
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let location = r.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).expect("redirect").to_owned();
    assert!(location.starts_with("/t/") && location.ends_with("?done=new"));
    let t = b.get(&location).await;
    assert!(t.body.contains("data-testid=\"receipt-id\">1<") && t.body.contains("Form report"), "{}", t.body);

    // Without the form's CSRF token the submission is refused and nothing is stored.
    let body = [
        field("title", "x"),
        field("description", "d"),
        field("product", "p"),
        field("accept_policy", "on"),
        format!("--{boundary}--\r\n"),
    ]
    .concat();
    let req = Request::builder()
        .method(Method::POST)
        .uri("/p/demo")
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .expect("request");
    assert_eq!(app.send(req).await.status, StatusCode::FORBIDDEN);
    assert_eq!(receipt_count(app).await, 1);

    // The inbox shows it with its deadline.
    let mut staff = Browser::new(app);
    staff.login("li.wei", PASSWORD).await;
    let inbox = staff.get("/orgs/demo-networks/inbox").await;
    assert!(inbox.body.contains("Form report") && inbox.body.contains("due in 2 d 23 h"), "{}", inbox.body);
}

#[tokio::test]
async fn security_txt_is_served_once_configured() {
    let p = psirt().await;
    let app = &p.app;
    assert_eq!(app.api(Method::GET, "/.well-known/security.txt", None, None).await.status, StatusCode::NOT_FOUND);
    let mut b = Browser::new(app);
    b.login("chen.jing", PASSWORD).await;
    b.get("/orgs/demo-networks/security-txt").await;
    let r = b.post("/orgs/demo-networks/security-txt", &[("contact", "psirt@x"), ("expires", "2027-06-01")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a contact must be a URI");
    b.get("/orgs/demo-networks/security-txt").await;
    let r = b
        .post(
            "/orgs/demo-networks/security-txt",
            &[
                ("contact", "mailto:psirt@demo.example"),
                ("expires", "2027-06-01"),
                ("preferred_languages", "zh-CN, en"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app.api(Method::GET, "/.well-known/security.txt", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let fields = vulndesk_formats::securitytxt::parse_fields(&r.body);
    assert!(fields.contains(&("Contact".into(), "mailto:psirt@demo.example".into())));
    assert!(fields.contains(&("Expires".into(), "2027-06-01T00:00:00.000000Z".into())));
}

#[tokio::test]
async fn an_email_brought_in_becomes_a_report_whose_receipt_hashes_the_raw_message() {
    let p = psirt().await;
    let app = &p.app;
    let eml = "From: Researcher <r@example.net>\r\nTo: psirt@demo.example\r\nSubject: =?UTF-8?B?QVgzMDAwIOi3r+eUseWZqOa8j+a0ng==?=\r\n\
        MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
        The web admin accepts any password after 3 tries.\r\n--b1\r\nContent-Type: application/octet-stream\r\n\
        Content-Disposition: attachment; filename=\"trace.txt\"\r\n\r\nGET /admin 200\r\n--b1--\r\n";
    let send = |ct: &'static str, body: &'static str, token: String| {
        Request::builder()
            .method(Method::POST)
            .uri("/api/v1/organisations/demo-networks/programs/demo/email")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, ct)
            .header(header::ACCEPT_LANGUAGE, "en")
            .body(Body::from(body))
            .expect("request")
    };
    let eml: &'static str = Box::leak(eml.to_owned().into_boxed_str());
    let r = app.send(send("message/rfc822", eml, p.triager_token.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let seq = r.json()["receipt_id"].as_i64().expect("receipt");
    let (receipt, payload) = app.db.store.receipt(seq).await.expect("read").expect("exists");
    assert_eq!(receipt.channel, vulndesk_core::intake::Channel::Email);
    assert_eq!(payload, eml.as_bytes(), "the raw message is what the receipt hashes");
    let list =
        app.api(Method::GET, "/api/v1/organisations/demo-networks/reports", Some(&p.triager_token), None).await.json();
    assert_eq!(list[0]["title"], "AX3000 路由器漏洞");
    assert_eq!(list[0]["contact"], "r@example.net");
    assert!(list[0]["description"].as_str().unwrap_or("").contains("any password"));
    let id: vulndesk_core::ReportId = list[0]["id"].as_str().expect("id").parse().expect("uuid");
    let files = app.db.store.attachments_of(id).await.expect("files");
    assert_eq!((files.len(), files[0].filename.as_str()), (1, "trace.txt"));

    assert_eq!(
        app.send(send("text/plain", "hello", p.triager_token.clone())).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let r = app.send(send("message/rfc822", "\u{0}\u{1}garbage", p.triager_token.clone())).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(
        app.send(send("message/rfc822", eml, p.admin_token.clone())).await.status,
        StatusCode::FORBIDDEN,
        "need-to-know"
    );
    assert_eq!(receipt_count(app).await, 1);
}

#[tokio::test]
async fn the_organisation_decides_whether_receipts_keep_the_reporters_address() {
    let p = psirt().await;
    let app = &p.app;
    let with_agent = |body: serde_json::Value| {
        Request::builder()
            .method(Method::POST)
            .uri("/api/v1/programs/demo/reports")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::USER_AGENT, "research-tool/1.0")
            .body(Body::from(body.to_string()))
            .expect("request")
    };
    assert_eq!(app.send(with_agent(report_body())).await.status, StatusCode::CREATED);
    let (kept, _) = app.db.store.receipt(1).await.expect("read").expect("exists");
    assert_eq!(kept.user_agent, "research-tool/1.0");

    let mut b = Browser::new(app);
    b.login("chen.jing", PASSWORD).await;
    b.get("/orgs/demo-networks/programs").await;
    let r = b.post("/orgs/demo-networks/intake-privacy", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.send(with_agent(report_body())).await.status, StatusCode::CREATED);
    let (dropped, _) = app.db.store.receipt(2).await.expect("read").expect("exists");
    assert_eq!((dropped.source.as_str(), dropped.user_agent.as_str()), ("", ""));
    assert_eq!(receipt_count(app).await, 2);
}

/// The newest report of the PSIRT's organisation and its attachments.
async fn newest_report_attachments(
    p: &Psirt,
) -> (vulndesk_core::ReportId, Vec<vulndesk_store::intake::AttachmentMeta>) {
    let list = p
        .app
        .api(Method::GET, "/api/v1/organisations/demo-networks/reports", Some(&p.triager_token), None)
        .await
        .json();
    let id: vulndesk_core::ReportId = list[0]["id"].as_str().expect("id").parse().expect("uuid");
    (id, p.app.db.store.attachments_of(id).await.expect("attachments"))
}

/// With an attachment key configured, attachments are stored encrypted (AES-256-GCM): the
/// database holds no plaintext, the download and the receipt check see the original bytes, and
/// without the key the check says it needs one instead of calling the chain broken.
#[tokio::test]
async fn attachments_are_encrypted_at_rest_with_the_configured_key() {
    let p = psirt().await;
    let app = &p.app;
    app.db.store.set_attachment_key([0x5a; 32]).expect("key");
    assert!(app.db.store.set_attachment_key([1; 32]).is_err(), "set once");
    let boundary = "vulndeskBoundary9";
    let secret = "exploit-code: overflow the DHCP option 82 with 0x41 x 600";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nHeap overflow\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\nSee the proof.\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"product\"\r\n\r\nAX3000\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"accept_policy\"\r\n\r\non\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"attachment_poc\"; filename=\"poc.txt\"\r\nContent-Type: text/plain\r\n\r\n{secret}\r\n\
         --{boundary}--\r\n"
    );
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/programs/demo/reports")
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .expect("request");
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let (id, files) = newest_report_attachments(&p).await;
    let (stored, sealed) = app.db.store.attachment_stored(files[0].id).await.expect("read").expect("stored");
    assert!(sealed, "stored encrypted");
    assert!(!stored.windows(12).any(|w| w == b"exploit-code"), "no plaintext in the database");
    assert_eq!(stored.len(), secret.len() + 12 + 16, "nonce, ciphertext and tag");

    let mut b = Browser::new(app);
    b.login("li.wei", PASSWORD).await;
    let dl = b.get(&format!("/orgs/demo-networks/reports/{id}/attachments/{}", files[0].id)).await;
    assert_eq!(dl.status, StatusCode::OK);
    assert_eq!(dl.body, secret, "the download is the original");
    assert_eq!(receipt_count(app).await, 1, "the receipt check re-hashes the decrypted bytes");

    // The same database read without the key: the check says what it needs.
    let keyless =
        vulndesk_store::Store::open(&app.db.url, &vulndesk_store::OpenOptions::default()).await.expect("open");
    let err = keyless.receipts_verify().await.expect_err("needs the key");
    assert!(err.to_string().contains("attachment_key"), "{err}");
    assert!(keyless.attachment(id, files[0].id).await.is_err());
    let wrong = vulndesk_store::Store::open(&app.db.url, &vulndesk_store::OpenOptions::default()).await.expect("open");
    wrong.set_attachment_key([0x11; 32]).expect("key");
    let err = wrong.attachment(id, files[0].id).await.expect_err("wrong key");
    assert!(err.to_string().contains("does not decrypt"), "{err}");
    keyless.close().await;
    wrong.close().await;
}

/// Attachments stored before a key was set are encrypted by `Store::seal_stored` (`vulndesk admin
/// seal`): afterwards no plaintext is left, downloads and receipts are unchanged, and a second run
/// finds nothing to do.
#[tokio::test]
async fn attachments_stored_in_clear_are_sealed_once_a_key_is_set() {
    let p = psirt().await;
    let app = &p.app;
    let poc = "exploit-code: send 600 bytes of 0x41 in DHCP option 82";
    let r = app
        .api(
            Method::POST,
            "/api/v1/programs/demo/reports",
            None,
            Some(json!({"title": "Heap overflow", "description": "See the proof.", "product": "AX3000",
                "accept_policy": true,
                "attachments": [{"tag": "poc", "filename": "poc.txt",
                    "content_base64": base64_of(poc.as_bytes())}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let (id, files) = newest_report_attachments(&p).await;
    let (stored, sealed) = app.db.store.attachment_stored(files[0].id).await.expect("read").expect("stored");
    assert!(!sealed && stored == poc.as_bytes(), "no key yet: stored as received");

    let ctx = vulndesk_core::AuditContext::system(app.clock.now());
    let err = app.db.store.seal_stored(&ctx, |_| {}).await.expect_err("no key");
    assert!(err.to_string().contains("attachment_key"), "{err}");
    app.db.store.set_attachment_key([0x3c; 32]).expect("key");
    let mut batches = Vec::new();
    let done = app.db.store.seal_stored(&ctx, |so_far| batches.push(*so_far)).await.expect("seal");
    assert_eq!(done.attachments, 1);
    assert_eq!(batches, [done], "progress after each batch");
    let (stored, sealed) = app.db.store.attachment_stored(files[0].id).await.expect("read").expect("stored");
    assert!(sealed, "sealed now");
    assert!(!stored.windows(12).any(|w| w == b"exploit-code"), "no plaintext left");
    let (_, bytes) = app.db.store.attachment(id, files[0].id).await.expect("read").expect("attachment");
    assert_eq!(bytes, poc.as_bytes(), "the download is the original");
    assert_eq!(receipt_count(app).await, 1, "the receipt still matches the original bytes");
    assert_eq!(app.db.store.seal_stored(&ctx, |_| {}).await.expect("again").attachments, 0, "nothing left to seal");
    // Another key would leave rows under two keys: refused, naming what to do.
    let other = vulndesk_store::Store::open(&app.db.url, &vulndesk_store::OpenOptions::default()).await.expect("open");
    other.set_attachment_key([0x11; 32]).expect("key");
    let err = other.seal_stored(&ctx, |_| {}).await.expect_err("another key");
    assert!(err.to_string().contains("does not open the attachments already encrypted"), "{err}");
    assert!(err.to_string().contains("the key the servers use"), "{err}");
    other.close().await;
    // Each batch is audited, and the chain still verifies.
    let events = app.db.store.audit_of_object("attachments", "batch").await.expect("events");
    assert_eq!(events.len(), 1, "one batch, audited");
    assert_eq!(events[0].event.action, "store.seal");
}
