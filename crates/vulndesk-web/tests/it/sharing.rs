//! Reports to the authority through the API, end to end over real sockets on loopback: a
//! provider's report goes out through the job runner to a sharing platform (served by vulndesk),
//! which checks the token and signature, stores it with a receipt and relays it to an agency's
//! webhook (a small HTTP receiver here) with a valid signature; the provider records the
//! platform's receipt number, which meets the 48-hour deadline. A replay with the same
//! idempotency key returns the first answer and relays nothing more.

use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vulndesk_core::{Clock, OrgKind, PersonRole};
use vulndesk_web::{AppState, WebConfig};

use crate::harness::PRIVATE_OK;
use crate::harness::{Reply, TestApp};

/// A request the receiver got: its headers (lower-case names) and body.
#[derive(Clone, Debug)]
struct Got {
    headers: Vec<(String, String)>,
    body: String,
}

impl Got {
    fn header(&self, name: &str) -> &str {
        self.headers.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }
}

/// A webhook receiver on loopback that answers every request with `status`.
async fn receiver(status: u16) -> (String, Arc<Mutex<Vec<Got>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let got: Arc<Mutex<Vec<Got>>> = Arc::default();
    let store = got.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let Ok(n) = sock.read(&mut chunk).await else { return };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).into_owned();
                    let Some(end) = text.find("\r\n\r\n") else { continue };
                    let head = &text[..end];
                    let headers: Vec<(String, String)> = head
                        .lines()
                        .skip(1)
                        .filter_map(|l| l.split_once(':'))
                        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
                        .collect();
                    let len: usize = headers
                        .iter()
                        .find(|(k, _)| k == "content-length")
                        .and_then(|(_, v)| v.parse().ok())
                        .unwrap_or(0);
                    if buf.len() < end + 4 + len {
                        continue;
                    }
                    let body = String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).into_owned();
                    store.lock().expect("lock").push(Got { headers, body });
                    let answer = format!("HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}");
                    let _ = sock.write_all(answer.as_bytes()).await;
                    return;
                }
            });
        }
    });
    (url, got)
}

async fn raw(app: &TestApp, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut b =
        Request::builder().method(Method::POST).uri("/api/v1/authority/reports").header("accept-language", "en");
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    app.send(b.body(Body::from(body.to_owned())).expect("request")).await
}

#[tokio::test]
async fn a_report_goes_out_through_the_api_is_received_and_relayed_exactly_once() {
    let app = TestApp::new().await;
    // One deployment plays both parts here: Demo Networks (provider) and a sharing platform.
    let admin = app.user("chen.jing", false).await;
    let analyst = app.user("hu.jun", false).await;
    let provider_org = app.org("demo-networks").await;
    let platform = app.org("demo-sharing").await;
    let ctx = vulndesk_core::audit::AuditContext::system(vulndesk_core::Timestamp::from_micros(crate::harness::T0));
    app.db.store.update_org(platform, "Demo Sharing Platform", &[OrgKind::SharingPlatform], &ctx).await.expect("kinds");
    app.member(provider_org, admin, PersonRole::Admin).await;
    app.member(provider_org, admin, PersonRole::Coordinator).await;
    app.member(platform, analyst, PersonRole::Admin).await;
    let t = app.token(admin, None, None).await;
    let a = app.token(analyst, None, None).await;

    // The platform, reachable over a socket for the job runner.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let platform_url = format!("http://{}/api/v1/authority/reports", listener.local_addr().expect("addr"));
    let state = AppState::new(app.db.store.clone(), app.clock.clone(), WebConfig::default());
    tokio::spawn(vulndesk_web::serve(listener, state, std::future::pending()));

    // The platform registers the provider and one agency subscriber.
    let r = app
        .api(
            Method::POST,
            "/api/v1/organisations/demo-networks/sharing/providers",
            Some(&t),
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "only a sharing platform registers providers");
    let r = app
        .api(
            Method::POST,
            "/api/v1/organisations/demo-sharing/sharing/providers",
            Some(&a),
            Some(json!({"name": "Demo Networks"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let creds = r.json();
    let token = creds["token"].as_str().expect("token").to_owned();
    let key = creds["hmac_secret"].as_str().expect("key").to_owned();
    assert!(token.starts_with("vdp_"));
    let (hook, relayed) = receiver(200).await;
    let agency_secret = "mps-notification-centre-secret";
    let r = app
        .api(
            Method::POST,
            "/api/v1/organisations/demo-sharing/sharing/subscribers",
            Some(&a),
            Some(json!({"name": "MPS notification centre", "url": hook, "secret": agency_secret})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // The provider: a complete report, but no endpoint yet.
    let r = app
        .api(
            Method::POST,
            "/api/v1/organisations/demo-networks/cases",
            Some(&t),
            Some(json!({"title": "DHCP overflow"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let case = "/api/v1/organisations/demo-networks/cases/VD-2026-0001";
    assert_eq!(
        app.api(Method::POST, &format!("{case}/authority-reports"), Some(&t), None).await.status,
        StatusCode::CREATED
    );
    let mut bad = json!({"product_type": "toaster"});
    let r = app.api(Method::PUT, &format!("{case}/authority-reports/1"), Some(&t), Some(bad.take())).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["details"][0]["field"], "product_type");
    let fill = json!({"product_name": "AX3000", "model": "AX3000", "versions": "2.1.4", "characteristics": "堆溢出",
        "harm": "远程代码执行", "scope_of_impact": "家用路由器", "provider_contact": "psirt@demo.example",
        "product_type": "network_device"});
    assert_eq!(
        app.api(Method::PUT, &format!("{case}/authority-reports/1"), Some(&t), Some(fill)).await.status,
        StatusCode::OK
    );
    let send = format!("{case}/authority-reports/1/send");
    let r = app.api(Method::POST, &send, Some(&t), None).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("No authority endpoint"), "{}", r.body);
    let endpoint = json!({"url": platform_url, "token": token, "hmac_secret": key});
    let r =
        app.api(Method::PUT, "/api/v1/organisations/demo-networks/authority-endpoint", Some(&t), Some(endpoint)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app.api(Method::GET, "/api/v1/organisations/demo-networks/authority-endpoint", Some(&t), None).await;
    assert!(!r.body.contains("vdp_"), "secrets are never shown again: {}", r.body);
    let r = app.api(Method::POST, &send, Some(&t), None).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(
        app.api(Method::POST, &send, Some(&t), None).await.status,
        StatusCode::CONFLICT,
        "one sending at a time"
    );

    // The job runner sends it; the platform stores it with a receipt and queues the relay.
    let clock = app.clock.clone();
    let sent = vulndesk_jobs::deliver::deliver_due_to(&app.db.store, clock.as_ref(), None, PRIVATE_OK, 10)
        .await
        .expect("deliver");
    assert_eq!(sent, 2, "the report, then at once the relay the platform queued when it received it");
    let deliveries =
        app.api(Method::GET, &format!("{case}/authority-reports/1/deliveries"), Some(&t), None).await.json();
    assert_eq!(deliveries[0]["status"], "delivered", "{deliveries}");
    let report = app.api(Method::GET, &format!("{case}/authority-reports/1"), Some(&t), None).await.json();
    assert_eq!(report["status"], "submitted");
    assert_eq!(report["submission"]["channel"], "api");
    let receipt = report["submission"]["receipt_number"].as_str().expect("receipt").to_owned();
    assert!(receipt.starts_with("DEMO-SHARING-"), "{receipt}");
    let c = app.api(Method::GET, case, Some(&t), None).await.json();
    let authority =
        c["deadlines"].as_array().expect("deadlines").iter().find(|d| d["kind"] == "authority_report").cloned();
    assert_eq!(authority.expect("deadline")["state"], "met");

    // The relay reached the agency with a signature it can check.
    let got = relayed.lock().expect("lock").clone();
    assert_eq!(got.len(), 1);
    let ts: i64 = got[0].header("x-vulndesk-timestamp").parse().expect("timestamp");
    assert_eq!(
        got[0].header("x-vulndesk-signature"),
        vulndesk_jobs::deliver::signature(agency_secret, ts, &got[0].body)
    );
    let body: Value = serde_json::from_str(&got[0].body).expect("json");
    assert_eq!(body["provider"], "Demo Networks");
    assert_eq!(body["report"]["product_name"], "AX3000");
    let received =
        app.api(Method::GET, "/api/v1/organisations/demo-sharing/sharing/reports", Some(&a), None).await.json();
    assert_eq!(received[0]["receipt_number"], receipt.as_str());
    assert_eq!(received[0]["late"], false);
    assert_eq!(received[0]["relays_delivered"], 1);
    assert_eq!(received[0]["product_type"], "network_device", "the platform counts reports by product type");
    assert_eq!(body["report"]["product_type"], "network_device");
    let r = app.api(Method::GET, "/api/v1/organisations/demo-sharing/sharing/reports", Some(&t), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a provider does not read the platform's inbox");

    // An update report follows on the first; the platform links it to the first's receipt.
    assert_eq!(
        app.api(Method::POST, &format!("{case}/authority-reports"), Some(&t), None).await.status,
        StatusCode::CREATED
    );
    let fill = json!({"product_name": "AX3000", "model": "AX3000", "versions": "2.1.4", "characteristics": "堆溢出",
        "harm": "远程代码执行", "scope_of_impact": "家用路由器（已修复于 2.1.5）", "provider_contact": "psirt@demo.example"});
    assert_eq!(
        app.api(Method::PUT, &format!("{case}/authority-reports/2"), Some(&t), Some(fill)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.api(Method::POST, &format!("{case}/authority-reports/2/send"), Some(&t), None).await.status,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        vulndesk_jobs::deliver::deliver_due_to(&app.db.store, clock.as_ref(), None, PRIVATE_OK, 10)
            .await
            .expect("update"),
        2
    );
    let received =
        app.api(Method::GET, "/api/v1/organisations/demo-sharing/sharing/reports", Some(&a), None).await.json();
    assert_eq!(received[0]["kind"], "update");
    assert_eq!(received[0]["updates"], receipt.as_str(), "the update names the first report's receipt");
    assert_eq!(received[1]["updates"], Value::Null);

    // A replay of the same request: the first answer, no second relay.
    let doc = report.to_string();
    let now = app.clock.now().as_micros().div_euclid(1_000_000);
    let sig = vulndesk_jobs::deliver::signature(&key, now, &doc);
    let auth = format!("Bearer {token}");
    let ts = now.to_string();
    let report_id = report["id"].as_str().expect("id").to_owned();
    let headers = [
        ("authorization", auth.as_str()),
        ("idempotency-key", report_id.as_str()),
        ("x-vulndesk-timestamp", ts.as_str()),
        ("x-vulndesk-signature", sig.as_str()),
        ("content-type", "application/json"),
    ];
    let r = raw(&app, &headers, &doc).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["receipt_number"], receipt.as_str());
    assert_eq!(
        vulndesk_jobs::deliver::deliver_due_to(&app.db.store, clock.as_ref(), None, PRIVATE_OK, 10)
            .await
            .expect("none"),
        0
    );
    assert_eq!(relayed.lock().expect("lock").len(), 2, "the report and its update, nothing twice");

    // Wrong credentials and signatures are 401; a new key with gaps is 422 naming each field.
    let wrong_token = [("authorization", "Bearer vdp_nope"), headers[1], headers[2], headers[3], headers[4]];
    assert_eq!(raw(&app, &wrong_token, &doc).await.status, StatusCode::UNAUTHORIZED);
    let bad_sig = [headers[0], headers[1], headers[2], ("x-vulndesk-signature", "sha256=00"), headers[4]];
    assert_eq!(raw(&app, &bad_sig, &doc).await.status, StatusCode::UNAUTHORIZED);
    let old = (now - 3600).to_string();
    let stale_sig = vulndesk_jobs::deliver::signature(&key, now - 3600, &doc);
    let stale = [
        headers[0],
        headers[1],
        ("x-vulndesk-timestamp", old.as_str()),
        ("x-vulndesk-signature", stale_sig.as_str()),
        headers[4],
    ];
    assert_eq!(raw(&app, &stale, &doc).await.status, StatusCode::UNAUTHORIZED, "a stale signature is refused");
    let gaps = json!({"schema": "vulndesk-authority-report/1", "id": "x", "kind": "initial", "sub_library": "general",
        "provider": {"name": "Demo"}, "case": {"number": "VD-2026-0002", "aware_at": "2026-11-18T00:00:00Z"},
        "product_name": "AX3000", "model": "", "versions": "1", "characteristics": "c", "harm": "", "scope_of_impact": "s"})
    .to_string();
    let sig = vulndesk_jobs::deliver::signature(&key, now, &gaps);
    let h =
        [headers[0], ("idempotency-key", "another"), headers[2], ("x-vulndesk-signature", sig.as_str()), headers[4]];
    let r = raw(&app, &h, &gaps).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let problems = r.json();
    let fields: Vec<&str> = problems["error"]["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| d["field"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(fields, ["model", "harm"], "{}", r.body);
    let r = raw(&app, &[headers[0], headers[2], headers[3], headers[4]], &doc).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "the idempotency key is required: {}", r.body);
}

#[tokio::test]
async fn a_failing_platform_is_retried_with_backoff_and_every_attempt_recorded() {
    let app = TestApp::new().await;
    let admin = app.user("chen.jing", false).await;
    let org = app.org("demo-networks").await;
    app.member(org, admin, PersonRole::Admin).await;
    app.member(org, admin, PersonRole::Coordinator).await;
    let t = app.token(admin, None, None).await;
    let (down, got) = receiver(503).await;
    let endpoint = json!({"url": down, "token": "vdp_x", "hmac_secret": "0123456789abcdef"});
    assert_eq!(
        app.api(Method::PUT, "/api/v1/organisations/demo-networks/authority-endpoint", Some(&t), Some(endpoint))
            .await
            .status,
        StatusCode::OK
    );
    let bad = json!({"url": "ftp://x", "token": "", "hmac_secret": "short"});
    let r = app.api(Method::PUT, "/api/v1/organisations/demo-networks/authority-endpoint", Some(&t), Some(bad)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["details"].as_array().expect("details").len(), 3);
    app.api(Method::POST, "/api/v1/organisations/demo-networks/cases", Some(&t), Some(json!({"title": "T"}))).await;
    let case = "/api/v1/organisations/demo-networks/cases/VD-2026-0001";
    let r = app.api(Method::POST, &format!("{case}/authority-reports"), Some(&t), None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let fill = json!({"product_name": "P", "model": "M", "versions": "1", "characteristics": "c", "harm": "h",
        "scope_of_impact": "s", "provider_contact": "c@x.example"});
    let r = app.api(Method::PUT, &format!("{case}/authority-reports/1"), Some(&t), Some(fill)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        app.api(Method::POST, &format!("{case}/authority-reports/1/send"), Some(&t), None).await.status,
        StatusCode::ACCEPTED
    );

    let clock = app.clock.clone();
    assert_eq!(
        vulndesk_jobs::deliver::deliver_due_to(&app.db.store, clock.as_ref(), None, PRIVATE_OK, 10)
            .await
            .expect("send"),
        1
    );
    assert_eq!(
        vulndesk_jobs::deliver::deliver_due_to(&app.db.store, clock.as_ref(), None, PRIVATE_OK, 10)
            .await
            .expect("send"),
        0,
        "not before the backoff"
    );
    clock.advance_secs(11);
    assert_eq!(
        vulndesk_jobs::deliver::deliver_due_to(&app.db.store, clock.as_ref(), None, PRIVATE_OK, 10)
            .await
            .expect("send"),
        1
    );
    let d = app.api(Method::GET, &format!("{case}/authority-reports/1/deliveries"), Some(&t), None).await.json();
    assert_eq!(d[0]["status"], "pending");
    assert_eq!(d[0]["attempts"], 2);
    assert!(d[0]["last_error"].as_str().expect("error").starts_with("HTTP 503"), "{d}");
    assert_eq!(got.lock().expect("lock").len(), 2);
    let all: Vec<Got> = got.lock().expect("lock").clone();
    assert_eq!(all[0].header("idempotency-key"), all[1].header("idempotency-key"), "the same key on every attempt");
    let report = app.api(Method::GET, &format!("{case}/authority-reports/1"), Some(&t), None).await.json();
    assert_eq!(report["status"], "draft", "not submitted until the platform accepts it");
}

#[tokio::test]
async fn the_pages_register_providers_and_subscribers_and_send_a_report() {
    let app = TestApp::new().await;
    let admin = app.user("chen.jing", false).await;
    let analyst = app.user("hu.jun", false).await;
    let provider_org = app.org("demo-networks").await;
    let platform = app.org("demo-sharing").await;
    let ctx = vulndesk_core::audit::AuditContext::system(vulndesk_core::Timestamp::from_micros(crate::harness::T0));
    app.db.store.update_org(platform, "Demo Sharing Platform", &[OrgKind::SharingPlatform], &ctx).await.expect("kinds");
    app.member(provider_org, admin, PersonRole::Admin).await;
    app.member(provider_org, admin, PersonRole::Coordinator).await;
    app.member(platform, analyst, PersonRole::Admin).await;

    let mut p = crate::harness::Browser::new(&app);
    p.accept_language = "en";
    p.login("hu.jun", crate::harness::PASSWORD).await;
    let org = p.get("/orgs/demo-sharing").await;
    assert!(org.body.contains("data-testid=\"sharing-link\""), "{}", org.body);
    p.get("/orgs/demo-sharing/sharing").await;
    let r = p.post("/orgs/demo-sharing/sharing/providers", &[("name", "Demo Networks")]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("data-testid=\"provider-credentials\"") && r.body.contains("vdp_"), "{}", r.body);
    let token = r.body.split("<code>").nth(1).and_then(|s| s.split("</code>").next()).expect("token").to_owned();
    let key = r.body.split("<code>").nth(2).and_then(|s| s.split("</code>").next()).expect("key").to_owned();
    let page = p.get("/orgs/demo-sharing/sharing").await;
    assert!(!page.body.contains(&token), "the token is shown once");
    let r = p
        .post(
            "/orgs/demo-sharing/sharing/subscribers",
            &[("name", "CNCERT"), ("url", "not a url"), ("secret", "short")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("is not an http or https URL") && r.body.contains("at least 16"), "{}", r.body);

    let mut b = crate::harness::Browser::new(&app);
    b.accept_language = "en";
    b.login("chen.jing", crate::harness::PASSWORD).await;
    b.get("/orgs/demo-networks").await;
    let r = b
        .post(
            "/orgs/demo-networks/authority-endpoint",
            &[("url", "http://127.0.0.1:9/api/v1/authority/reports"), ("token", &token), ("hmac_secret", &key)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let org = b.get("/orgs/demo-networks").await;
    assert!(org.body.contains("data-testid=\"endpoint-set\"") && !org.body.contains(&token), "{}", org.body);
    let t = app.token(admin, None, None).await;
    app.api(Method::POST, "/api/v1/organisations/demo-networks/cases", Some(&t), Some(json!({"title": "T"}))).await;
    b.get("/orgs/demo-networks/cases/VD-2026-0001/authority").await;
    b.post("/orgs/demo-networks/cases/VD-2026-0001/authority", &[]).await;
    let page = b.get("/orgs/demo-networks/cases/VD-2026-0001/authority").await;
    assert!(!page.body.contains("data-testid=\"send-form\""), "no sending while fields are missing");
    b.post(
        "/orgs/demo-networks/cases/VD-2026-0001/authority/1",
        &[
            ("product_name", "P"),
            ("model", "M"),
            ("versions", "1"),
            ("characteristics", "c"),
            ("harm", "h"),
            ("scope_of_impact", "s"),
            ("provider_contact", "c@x.example"),
        ],
    )
    .await;
    let page = b.get("/orgs/demo-networks/cases/VD-2026-0001/authority").await;
    assert!(page.body.contains("data-testid=\"send-form\""), "{}", page.body);
    let r = b.post("/orgs/demo-networks/cases/VD-2026-0001/authority/1/send", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = b.get("/orgs/demo-networks/cases/VD-2026-0001/authority").await;
    assert!(page.body.contains("data-testid=\"deliveries\"") && page.body.contains("pending"), "{}", page.body);
}
