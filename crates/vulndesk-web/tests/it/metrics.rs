//! `/metrics`: not served without a configured token, refused without the token, and with it
//! the OpenMetrics text with requests by route template (never a path), latency, receipts,
//! the outbox, cases, findings and the pools.

use axum::http::{Method, StatusCode};
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
