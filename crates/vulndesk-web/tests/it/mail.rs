//! Upstream notices by real mail: a case whose affected component comes from a supplier sends
//! the supplier's notice through a real SMTP server (Python's aiosmtpd, from the test command's
//! venv, writing what it accepts into a maildir); the delivered notice meets the 24-hour upstream
//! deadline. Without an SMTP relay the notice waits and is retried; a mailbox the server refuses
//! (a permanent 5xx) bounces at once instead of being retried for a day.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;
use vulndesk_core::PersonRole;
use vulndesk_jobs::deliver::{Mailer, deliver_due_to};

use crate::harness::PRIVATE_OK;
use crate::harness::TestApp;

/// `python -m aiosmtpd` with a maildir, killed on drop.
struct SmtpServer {
    child: Child,
    port: u16,
    maildir: PathBuf,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.maildir);
    }
}

fn python() -> PathBuf {
    std::env::var_os("VULNDESK_TEST_PYTHON")
        .map_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.venv/bin/python")), PathBuf::from)
}

fn smtp_server() -> SmtpServer {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let maildir = std::env::temp_dir().join(format!("vulndesk-maildir-{}-{port}", std::process::id()));
    let python = python();
    assert!(python.exists(), "{} is missing: the test command installs aiosmtpd into .venv", python.display());
    let child = Command::new(&python)
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "smtp_handlers.RefusingMailbox"])
        .env("PYTHONPATH", concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/referee"))
        .arg(&maildir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start aiosmtpd");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "aiosmtpd did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    SmtpServer { child, port, maildir }
}

fn messages(dir: &std::path::Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir.join("new")) else { return Vec::new() };
    entries.filter_map(|e| e.ok()).filter_map(|e| std::fs::read_to_string(e.path()).ok()).collect()
}

#[tokio::test]
async fn the_upstream_notice_goes_to_the_supplier_by_mail_and_meets_its_deadline() {
    let smtp = smtp_server();
    let app = TestApp::new().await;
    let admin = app.user("chen.jing", false).await;
    let org = app.org("demo-networks").await;
    for role in [PersonRole::Admin, PersonRole::Coordinator] {
        app.member(org, admin, role).await;
    }
    let t = app.token(admin, None, None).await;
    let base = "/api/v1/organisations/demo-networks";
    let r = app
        .api(
            Method::POST,
            &format!("{base}/suppliers"),
            Some(&t),
            Some(json!({"name": "dnsmasq project", "contact_email": "security@dnsmasq.example", "jurisdiction": "GB"})),
        )
        .await;
    let supplier = r.json()["id"].as_str().expect("supplier").to_owned();
    let r = app.api(Method::POST, &format!("{base}/cases"), Some(&t), Some(json!({"title": "DHCP overflow"}))).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let case = format!("{base}/cases/VD-2026-0001");
    let r = app.api(Method::POST, &format!("{case}/upstream-notices"), Some(&t), None).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "no supplier's component yet: {}", r.body);
    let r = app
        .api(
            Method::POST,
            &format!("{case}/components"),
            Some(&t),
            Some(json!({"purl": "pkg:generic/dnsmasq", "vers": "<2.90", "supplier": supplier})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app.api(Method::POST, &format!("{case}/upstream-notices"), Some(&t), None).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(r.json()[0]["status"], "pending");

    // No relay configured: the notice waits, with the reason, and is not lost.
    let clock = app.clock.clone();
    assert_eq!(deliver_due_to(&app.db.store, clock.as_ref(), None, PRIVATE_OK, 10).await.expect("deliver"), 1);
    let notices = app.api(Method::GET, &format!("{case}/upstream-notices"), Some(&t), None).await.json();
    assert_eq!(notices[0]["status"], "pending");
    assert!(notices[0]["last_error"].as_str().expect("error").contains("no SMTP relay"), "{notices}");

    // With the relay, after the backoff: delivered, and in the supplier's mailbox.
    clock.advance_secs(11);
    let mailer = Mailer::new(&format!("smtp://127.0.0.1:{}", smtp.port), "Demo Networks PSIRT <psirt@demo.example>")
        .expect("mailer");
    assert_eq!(deliver_due_to(&app.db.store, clock.as_ref(), Some(&mailer), PRIVATE_OK, 10).await.expect("deliver"), 1);
    let notices = app.api(Method::GET, &format!("{case}/upstream-notices"), Some(&t), None).await.json();
    assert_eq!(notices[0]["status"], "delivered", "{notices}");
    let started = Instant::now();
    let mail = loop {
        if let Some(m) = messages(&smtp.maildir).pop() {
            break m;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "no mail arrived");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(mail.contains("X-RcptTo: security@dnsmasq.example"), "{mail}");
    assert!(
        mail.contains("Subject: [VD-2026-0001] Vulnerability report: DHCP overflow"),
        "in English for a supplier outside China: {mail}"
    );
    assert!(mail.contains("pkg:generic/dnsmasq vers:generic/<2.90"), "{mail}");
    assert!(mail.contains("From: \"Demo Networks PSIRT\" <psirt@demo.example>"), "{mail}");

    let c = app.api(Method::GET, &case, Some(&t), None).await.json();
    let upstream =
        c["deadlines"].as_array().expect("deadlines").iter().find(|d| d["kind"] == "upstream_notice").cloned();
    assert_eq!(
        upstream.expect("an upstream deadline")["state"],
        "met",
        "the delivered notice meets the 24-hour deadline"
    );
    app.assert_case_list_matches_each("/api/v1/organisations/demo-networks", &t).await;
    // The compliance dossier shows the notice delivered, and to whom.
    let d = app.api(Method::GET, &format!("{case}/dossier"), Some(&t), None).await.json();
    let step = d["steps"].as_array().expect("steps").iter().find(|s| s["step"] == "upstream_notified").cloned();
    let step = step.expect("the upstream step");
    assert_eq!(step["status"], "done", "{d}");
    assert!(step["detail"].as_str().expect("detail").contains("security@dnsmasq.example"), "{step}");

    // The page shows it, and a second sending is another notice (nothing pending is doubled).
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!("{case}/upstream-notices"))
        .header("authorization", format!("Bearer {t}"))
        .body(Body::empty())
        .expect("request");
    assert_eq!(app.send(req).await.status, StatusCode::ACCEPTED);
    let again = app.api(Method::POST, &format!("{case}/upstream-notices"), Some(&t), None).await.json();
    assert_eq!(
        again.as_array().expect("list").len(),
        2,
        "one delivered, one pending; the pending one is not queued twice"
    );
}

#[tokio::test]
async fn every_affected_customer_is_notified_in_its_own_language() {
    let smtp = smtp_server();
    let app = TestApp::new().await;
    let admin = app.user("chen.jing", false).await;
    let org = app.org("demo-networks").await;
    for role in [PersonRole::Admin, PersonRole::Coordinator] {
        app.member(org, admin, role).await;
    }
    let t = app.token(admin, None, None).await;
    let base = "/api/v1/organisations/demo-networks";
    let r = app.api(Method::POST, &format!("{base}/products"), Some(&t), Some(json!({"name": "AX3000"}))).await;
    let product = r.json()["id"].as_str().expect("product").to_owned();
    let mut versions = Vec::new();
    for v in ["2.1.4", "2.1.5"] {
        let r = app
            .api(
                Method::POST,
                &format!("{base}/products/{product}/versions"),
                Some(&t),
                Some(json!({"model": "AX3000", "version": v})),
            )
            .await;
        let id = r.json()["id"].as_str().expect("id").to_owned();
        let dnsmasq = if v == "2.1.4" { "2.89" } else { "2.90" };
        let bom = json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": [
            {"type": "library", "bom-ref": "d", "name": "dnsmasq", "version": dnsmasq, "purl": format!("pkg:generic/dnsmasq@{dnsmasq}")}]});
        let req = Request::builder()
            .method(Method::POST)
            .uri(format!("/api/v1/product-versions/{id}/sbom"))
            .header("authorization", format!("Bearer {t}"))
            .header("content-type", "application/json")
            .body(Body::from(bom.to_string()))
            .expect("request");
        assert_eq!(app.send(req).await.status, StatusCode::CREATED);
        versions.push(id);
    }
    for (name, email, locale, version) in [
        ("深圳宽带", "noc@isp.example", "zh-CN", &versions[0]),
        ("Lion City Distribution", "ops@lion.example", "en", &versions[0]),
        ("West Lake Hotels", "it@hotels.example", "zh-CN", &versions[1]),
        ("No Address Ltd", "", "en", &versions[0]),
        ("Singapore Integrator", "sec@integrator.example", "en", &versions[0]),
    ] {
        let r = app
            .api(
                Method::POST,
                &format!("{base}/customers"),
                Some(&t),
                Some(json!({"name": name, "contact_email": email, "locale": locale,
                    "jurisdiction": if name.starts_with("Singapore") { "SG" } else { "CN" }})),
            )
            .await;
        let customer = r.json()["id"].as_str().expect("customer").to_owned();
        let r = app
            .api(
                Method::POST,
                &format!("{base}/deployments"),
                Some(&t),
                Some(json!({"customer": customer, "product_version": version})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    app.api(Method::POST, &format!("{base}/cases"), Some(&t), Some(json!({"title": "DHCP overflow"}))).await;
    let case = format!("{base}/cases/VD-2026-0001");
    let r = app
        .api(
            Method::PUT,
            &format!("{case}/assessment"),
            Some(&t),
            Some(json!({"grade": "high", "characteristics": "堆溢出", "harm": "远程代码执行", "characteristics_en": "Heap overflow",
                "harm_en": "Remote code execution", "users_must_act": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let notice = json!({"remedy": "Upgrade to firmware 2.1.5", "support_contact": "support@demo.example"});
    let r = app.api(Method::POST, &format!("{case}/customer-notices"), Some(&t), Some(notice.clone())).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "no component named yet, so no customer is affected");
    app.api(
        Method::POST,
        &format!("{case}/components"),
        Some(&t),
        Some(json!({"purl": "pkg:generic/dnsmasq", "vers": "<2.90"})),
    )
    .await;
    let r = app
        .api(
            Method::POST,
            &format!("{case}/customer-notices"),
            Some(&t),
            Some(json!({"remedy": "", "support_contact": ""})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.api(Method::POST, &format!("{case}/customer-notices"), Some(&t), Some(notice)).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let sent = r.json();
    assert_eq!(sent["queued"], json!(["Lion City Distribution", "深圳宽带"]), "the hotel chain runs the fixed version");
    assert_eq!(sent["without_address"], json!(["No Address Ltd"]));
    assert_eq!(sent["withheld_abroad"], json!(["Singapore Integrator"]), "Art. 9(7): not abroad while undisclosed");
    let audit = app.api(Method::GET, "/api/v1/audit?organisation=demo-networks", Some(&t), None).await.body;
    assert!(audit.contains("share.denied_abroad") && audit.contains("Singapore Integrator"), "the refusal is audited");

    let mailer = Mailer::new(&format!("smtp://127.0.0.1:{}", smtp.port), "psirt@demo.example").expect("mailer");
    assert_eq!(
        deliver_due_to(&app.db.store, app.clock.as_ref(), Some(&mailer), PRIVATE_OK, 10).await.expect("deliver"),
        2
    );
    let started = Instant::now();
    let mails = loop {
        let m = messages(&smtp.maildir);
        if m.len() == 2 {
            break m;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "mail did not arrive: {m:?}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let to = |addr: &str| mails.iter().find(|m| m.contains(&format!("X-RcptTo: {addr}"))).cloned().expect("mail");
    let en = to("ops@lion.example");
    assert!(en.contains("Subject: [VD-2026-0001] Security notice: DHCP overflow"), "{en}");
    assert!(
        en.contains("Heap overflow") && en.contains("Upgrade to firmware 2.1.5") && en.contains("support@demo.example"),
        "{en}"
    );
    let zh = to("noc@isp.example");
    let parsed = mail_parser::MessageParser::default().parse(zh.as_bytes()).expect("a mail");
    assert_eq!(parsed.subject(), Some("【VD-2026-0001】安全通告：DHCP overflow"), "in the customer's language");
    let body = parsed.body_text(0).expect("text").into_owned();
    assert!(body.contains("堆溢出") && body.contains("远程代码执行") && body.contains("高危"), "{body}");
    let notices = app.api(Method::GET, &format!("{case}/customer-notices"), Some(&t), None).await.json();
    assert!(notices.as_array().expect("list").iter().all(|n| n["status"] == "delivered"), "{notices}");
    assert!(notices.as_array().expect("list").iter().all(|n| n["acknowledged_at"].is_null()), "{notices}");
    // The compliance dossier shows the users notified, with how many notices.
    let d = app.api(Method::GET, &format!("{case}/dossier"), Some(&t), None).await.json();
    let step = d["steps"].as_array().expect("steps").iter().find(|s| s["step"] == "users_notified").cloned();
    let step = step.expect("the users step");
    let total = notices.as_array().expect("list").len();
    assert_eq!(step["status"], "done", "{d}");
    assert_eq!(step["detail"], format!("{total} of {total} customer notices delivered."), "{step}");

    // The recipient follows the acknowledgement link in the mail and confirms.
    let link = body.split("/ack/").nth(1).expect("the mail carries its acknowledgement link");
    let token: String = link.chars().take_while(char::is_ascii_hexdigit).collect();
    assert_eq!(token.len(), 64, "{body}");
    let mut browser = crate::harness::Browser::new(&app);
    assert_eq!(browser.get("/ack/not-a-token").await.status, StatusCode::NOT_FOUND);
    let page = browser.get(&format!("/ack/{token}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("深圳宽带") && page.body.contains("ack-form"), "a GET records nothing: {}", page.body);
    let none_yet = app.api(Method::GET, &format!("{case}/customer-notices"), Some(&t), None).await.json();
    assert!(none_yet.as_array().expect("list").iter().all(|n| n["acknowledged_at"].is_null()));
    let done = browser.post(&format!("/ack/{token}"), &[]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("ack-done"), "{}", done.body);
    let notices = app.api(Method::GET, &format!("{case}/customer-notices"), Some(&t), None).await.json();
    let acked: Vec<&serde_json::Value> =
        notices.as_array().expect("list").iter().filter(|n| !n["acknowledged_at"].is_null()).collect();
    assert_eq!(acked.len(), 1, "{notices}");
    assert_eq!(acked[0]["to"], "mailto:noc@isp.example");
    let audit = app.api(Method::GET, "/api/v1/audit?organisation=demo-networks", Some(&t), None).await.body;
    assert!(audit.contains("notice.acknowledge"), "the acknowledgement is audited");
}

#[tokio::test]
async fn a_refused_mailbox_bounces_at_once_and_is_not_retried() {
    let smtp = smtp_server();
    let app = TestApp::new().await;
    let admin = app.user("chen.jing", false).await;
    let org = app.org("demo-networks").await;
    app.member(org, admin, PersonRole::Coordinator).await;
    let t = app.token(admin, None, None).await;
    let base = "/api/v1/organisations/demo-networks";
    let r = app
        .api(
            Method::POST,
            &format!("{base}/suppliers"),
            Some(&t),
            Some(json!({"name": "Gone Ltd", "contact_email": "nobody@gone.example", "jurisdiction": "CN"})),
        )
        .await;
    let supplier = r.json()["id"].as_str().expect("supplier").to_owned();
    app.api(Method::POST, &format!("{base}/cases"), Some(&t), Some(json!({"title": "DHCP overflow"}))).await;
    let case = format!("{base}/cases/VD-2026-0001");
    app.api(
        Method::POST,
        &format!("{case}/components"),
        Some(&t),
        Some(json!({"purl": "pkg:generic/dnsmasq", "vers": "<2.90", "supplier": supplier})),
    )
    .await;
    assert_eq!(
        app.api(Method::POST, &format!("{case}/upstream-notices"), Some(&t), None).await.status,
        StatusCode::ACCEPTED
    );
    let mailer = Mailer::new(&format!("smtp://127.0.0.1:{}", smtp.port), "psirt@demo.example").expect("mailer");
    assert_eq!(
        deliver_due_to(&app.db.store, app.clock.as_ref(), Some(&mailer), PRIVATE_OK, 10).await.expect("deliver"),
        1
    );
    let notices = app.api(Method::GET, &format!("{case}/upstream-notices"), Some(&t), None).await.json();
    assert_eq!(notices[0]["status"], "bounced", "{notices}");
    assert!(notices[0]["last_error"].as_str().expect("error").contains("No such user"), "{notices}");
    app.clock.advance_secs(7200);
    assert_eq!(
        deliver_due_to(&app.db.store, app.clock.as_ref(), Some(&mailer), PRIVATE_OK, 10).await.expect("deliver"),
        0,
        "a bounce is final: nothing is retried"
    );
    assert!(messages(&smtp.maildir).is_empty(), "nothing was delivered");
}

/// A customer's webhook receives the notice as signed JSON beside its mail; the signature is
/// checked the way a receiver would, and the acknowledgement link is in the body.
#[tokio::test]
async fn a_customer_with_a_webhook_gets_the_notice_signed() {
    use std::sync::{Arc, Mutex};
    let received: Arc<Mutex<Vec<(axum::http::HeaderMap, String)>>> = Arc::default();
    let sink = received.clone();
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let sink = sink.clone();
            async move {
                sink.lock().expect("lock").push((headers, body));
                StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move { axum::serve(listener, receiver).await.expect("serve") });

    let app = TestApp::new().await;
    let admin = app.user("chen.jing", false).await;
    let org = app.org("demo-networks").await;
    for role in [PersonRole::Admin, PersonRole::Coordinator] {
        app.member(org, admin, role).await;
    }
    let t = app.token(admin, None, None).await;
    let base = "/api/v1/organisations/demo-networks";
    let r = app.api(Method::POST, &format!("{base}/products"), Some(&t), Some(json!({"name": "AX3000"}))).await;
    let product = r.json()["id"].as_str().expect("product").to_owned();
    let r = app
        .api(Method::POST, &format!("{base}/products/{product}/versions"), Some(&t), Some(json!({"version": "2.1.4"})))
        .await;
    let version = r.json()["id"].as_str().expect("version").to_owned();
    let bom = json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": [
        {"type": "library", "bom-ref": "d", "name": "dnsmasq", "version": "2.89", "purl": "pkg:generic/dnsmasq@2.89"}]});
    app.api(Method::POST, &format!("/api/v1/product-versions/{version}/sbom"), Some(&t), Some(bom)).await;
    let r = app
        .api(
            Method::POST,
            &format!("{base}/customers"),
            Some(&t),
            Some(json!({"name": "深圳宽带", "contact_email": "", "jurisdiction": "CN", "locale": "zh-CN"})),
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
    let hook = format!("{base}/customers/{customer}/webhook");
    let r = app.api(Method::PUT, &hook, Some(&t), Some(json!({"url": "http://10.0.0.8/hook"}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "plain HTTP only to this machine: {}", r.body);
    let r = app.api(Method::PUT, &hook, Some(&t), Some(json!({"url": format!("http://127.0.0.1:{port}/hook")}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let secret = r.json()["secret"].as_str().expect("secret").to_owned();

    app.api(Method::POST, &format!("{base}/cases"), Some(&t), Some(json!({"title": "DHCP overflow"}))).await;
    let case = format!("{base}/cases/VD-2026-0001");
    app.api(
        Method::POST,
        &format!("{case}/components"),
        Some(&t),
        Some(json!({"purl": "pkg:generic/dnsmasq", "vers": "<2.90"})),
    )
    .await;
    let notice = json!({"remedy": "升级固件至 2.1.5", "support_contact": "support@demo.example"});
    let r = app.api(Method::POST, &format!("{case}/customer-notices"), Some(&t), Some(notice)).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(r.json()["queued"], json!(["深圳宽带"]), "reachable by webhook though it has no mail address");
    assert_eq!(deliver_due_to(&app.db.store, app.clock.as_ref(), None, PRIVATE_OK, 10).await.expect("deliver"), 1);
    let got = received.lock().expect("lock").clone();
    assert_eq!(got.len(), 1);
    let (headers, body) = &got[0];
    let ts: i64 = headers["x-vulndesk-timestamp"].to_str().expect("ts").parse().expect("number");
    assert_eq!(
        headers["x-vulndesk-signature"].to_str().expect("sig"),
        vulndesk_jobs::deliver::signature(&secret, ts, body),
        "signed with the key shown once"
    );
    let v: serde_json::Value = serde_json::from_str(body).expect("json");
    assert_eq!(v["case"], "VD-2026-0001");
    assert_eq!(v["remedy"], "升级固件至 2.1.5");
    assert!(v["ack_url"].as_str().expect("ack").contains("/ack/"), "{v}");
    let notices = app.api(Method::GET, &format!("{case}/customer-notices"), Some(&t), None).await.json();
    assert_eq!(notices[0]["status"], "delivered", "{notices}");
}

#[tokio::test]
async fn the_catalogue_page_sets_a_customer_webhook_and_shows_its_key_once() {
    let app = TestApp::new().await;
    let admin = app.user("chen.jing", false).await;
    let org = app.org("demo-networks").await;
    app.member(org, admin, PersonRole::Admin).await;
    let t = app.token(admin, None, None).await;
    let r = app
        .api(
            Method::POST,
            "/api/v1/organisations/demo-networks/customers",
            Some(&t),
            Some(json!({"name": "深圳宽带", "contact_email": "noc@isp.example", "jurisdiction": "CN", "locale": "zh-CN"})),
        )
        .await;
    let customer = r.json()["id"].as_str().expect("customer").to_owned();
    let mut browser = crate::harness::Browser::new(&app);
    browser.login("chen.jing", crate::harness::PASSWORD).await;
    assert!(browser.get("/orgs/demo-networks/catalogue").await.body.contains("webhook-form"));
    let path = "/orgs/demo-networks/catalogue/customers/webhook";
    let r = browser.post(path, &[("customer", &customer), ("url", "ftp://hooks.example/x")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    browser.get("/orgs/demo-networks/catalogue").await;
    let r = browser.post(path, &[("customer", &customer), ("url", "https://hooks.isp.example/vulndesk")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let marker = "data-testid=\"webhook-secret\">";
    let start = r.body.find(marker).expect("the key is shown") + marker.len();
    let secret: String = r.body[start..].chars().take_while(char::is_ascii_hexdigit).collect();
    assert_eq!(secret.len(), 64);
    let page = browser.get("/orgs/demo-networks/catalogue").await;
    assert!(!page.body.contains(&secret), "never shown again");
}
