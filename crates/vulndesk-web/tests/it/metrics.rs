//! `/metrics`: not served without a configured token, refused without the token, and with it
//! the OpenMetrics text with requests by route template (never a path), latency, receipts,
//! the outbox and delivery results, cases, deadlines by state, periodic job runs, findings and the
//! pools.

use axum::http::{Method, StatusCode};
use serde_json::json;
use vulndesk_core::Clock;
use vulndesk_web::WebConfig;

use crate::harness::TestApp;

const TOKEN: &str = "scrape-token-0123456789";

#[tokio::test]
async fn metrics_need_their_token_and_count_by_route_template() {
    let off = TestApp::new().await;
    assert_eq!(off.api(Method::GET, "/metrics", Some(TOKEN), None).await.status, StatusCode::NOT_FOUND);

    let app = TestApp::with_config(WebConfig { metrics_token: Some(TOKEN.into()), ..WebConfig::default() }).await;
    assert_eq!(app.api(Method::GET, "/metrics", None, None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.api(Method::GET, "/metrics", Some("wrong-token-0123456789"), None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.api(Method::GET, "/healthz", None, None).await.status, StatusCode::OK);
    let secret = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
    assert_eq!(app.api(Method::GET, &format!("/t/{secret}"), None, None).await.status, StatusCode::NOT_FOUND);
    let r = app.api(Method::GET, "/metrics", Some(TOKEN), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.headers["content-type"].to_str().unwrap_or("").starts_with("application/openmetrics-text"));
    let text = &r.body;
    for line in [
        r#"vulndesk_http_requests_total{route="/healthz",method="GET",status="200"} 1"#,
        r#"vulndesk_http_requests_total{route="/t/{token}",method="GET",status="404"} 1"#,
        r#"vulndesk_http_request_duration_seconds_count{route="/healthz"} 1"#,
        "vulndesk_receipts 0",
        r#"vulndesk_findings{state="open"} 0"#,
        r#"vulndesk_db_pool_connections{pool="write",connections="open"}"#,
        "# EOF",
    ] {
        assert!(text.contains(line), "{line:?} in:\n{text}");
    }
    assert!(!text.contains(secret), "a path's secret never becomes a label");
    assert!(text.contains(r#"vulndesk_http_requests_total{route="/metrics",method="GET",status="401"} 2"#), "{text}");
}

#[tokio::test]
async fn metrics_give_deadlines_by_state_delivery_results_and_job_runs() {
    let app = TestApp::with_config(WebConfig { metrics_token: Some(TOKEN.into()), ..WebConfig::default() }).await;
    let user = app.user("li.wei", false).await;
    let org = app.org("demo-networks").await;
    app.member(org, user, vulndesk_core::PersonRole::Triager).await;
    let t = app.token(user, None, None).await;
    let r = app
        .api(
            Method::POST,
            "/api/v1/organisations/demo-networks/cases",
            Some(&t),
            Some(json!({"title": "DHCP overflow"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // A periodic job's run, as any instance records it: started, and 42 s later finished.
    let s = &app.db.store;
    let start = app.clock.now();
    let minute = std::time::Duration::from_secs(60);
    assert!(s.claim_job_run("feed_pulls", "instance-a", start, minute, minute).await.expect("claim"));
    s.finish_job_run("feed_pulls", "instance-a", start.plus(std::time::Duration::from_secs(42))).await.expect("done");
    // A delivery that failed once and then went through.
    let ctx = vulndesk_core::AuditContext::system(start);
    let d = vulndesk_store::sharing::NewDelivery {
        id: "metrics-test".into(),
        org,
        kind: "relay".into(),
        url: "https://receiver.example/hook".into(),
        bearer: String::new(),
        hmac_secret: "k".into(),
        idempotency_key: "metrics-test".into(),
        body: "{}".into(),
        related: "metrics-test".into(),
    };
    s.queue_delivery(&d, &ctx).await.expect("queue");
    for (code, delivered) in [(0, false), (200, true)] {
        let claimed = s.claim_delivery(app.clock.now().plus(std::time::Duration::from_secs(3600)), minute).await;
        let claimed = claimed.expect("claim").expect("due");
        let a = vulndesk_store::sharing::Attempt {
            at: app.clock.now(),
            status_code: code,
            error: if delivered { String::new() } else { "connection refused".into() },
            duration_ms: 5,
        };
        s.record_attempt(&claimed, &a, delivered, false, "").await.expect("record");
    }
    // The case's deadlines at once, and two days later when the 48-hour authority report is overdue.
    let text = app.api(Method::GET, "/metrics", Some(TOKEN), None).await.body;
    for line in [
        r#"vulndesk_deadlines{kind="authority_report",state="open"} 1"#,
        r#"vulndesk_job_last_run_duration_seconds{job="feed_pulls"} 42.0"#,
        r#"vulndesk_job_last_started_timestamp_seconds{job="feed_pulls"}"#,
        r#"vulndesk_delivery_attempts{result="error"} 1"#,
        r#"vulndesk_delivery_attempts{result="ok"} 1"#,
        r#"vulndesk_outbox_deliveries{state="delivered"} 1"#,
    ] {
        assert!(text.contains(line), "{line:?} in:\n{text}");
    }
    app.clock.advance_secs(49 * 3600);
    let text = app.api(Method::GET, "/metrics", Some(TOKEN), None).await.body;
    assert!(text.contains(r#"vulndesk_deadlines{kind="authority_report",state="overdue"} 1"#), "{text}");
    assert!(!text.contains(r#"vulndesk_deadlines{kind="authority_report",state="open"}"#), "cleared between scrapes");
}
