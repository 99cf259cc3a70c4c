//! The access matrix, derived from the API's own route table (the OpenAPI document the router
//! builds): every operation is either in the short list of public ones, or secured; every
//! secured operation answers 401 to a caller without a credential, and refuses (401, 403 or 404)
//! an administrator of another organisation unless it is one of the few any signed-in person
//! may use. A new route that is public by mistake, or that lets another organisation in, fails
//! here without anyone having to remember to add it. Objects exist for every path parameter, so
//! a refusal is never just "no such object".

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;
use vulndesk_core::PersonRole;

use crate::harness::TestApp;

/// Operations anyone may call, with no credential.
const PUBLIC: &[&str] = &[
    "GET /api/v1/cvss",
    "GET /api/v1/cwe",
    "GET /healthz",
    "POST /api/v1/programs/{slug}/reports",
    "GET /api/v1/tracking/{token}",
    "POST /api/v1/tracking/{token}/messages",
];

/// Secured operations any signed-in person may call, whatever their organisation: they answer
/// only about the caller, or with reference data.
const ANY_SIGNED_IN: &[&str] =
    &["GET /api/v1/me", "GET /api/v1/organisations", "GET /api/v1/gbt30279/tables", "POST /api/v1/scan"];

struct Ids {
    product: String,
    version: String,
    report: String,
}

async fn seed(app: &TestApp, token: &str) -> Ids {
    let org = "/api/v1/organisations/demo-networks";
    let r = app
        .api(
            Method::POST,
            &format!("{org}/programs"),
            Some(token),
            Some(json!({"slug": "demo", "name": "Demo", "scope": "own_products", "anonymous": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app
        .api(
            Method::POST,
            "/api/v1/programs/demo/reports",
            None,
            Some(json!({"title": "T", "description": "d", "product": "AX3000", "accept_policy": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let reports = app.api(Method::GET, &format!("{org}/reports"), Some(token), None).await.json();
    let report = reports[0]["id"].as_str().expect("report").to_owned();
    let r = app.api(Method::POST, &format!("{org}/cases"), Some(token), Some(json!({"reports": [report]}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app.api(Method::POST, &format!("{org}/cases/VD-2026-0001/authority-reports"), Some(token), None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app.api(Method::POST, &format!("{org}/products"), Some(token), Some(json!({"name": "AX3000"}))).await;
    let product = r.json()["id"].as_str().expect("product").to_owned();
    let r = app
        .api(Method::POST, &format!("{org}/products/{product}/versions"), Some(token), Some(json!({"version": "1.0"})))
        .await;
    let version = r.json()["id"].as_str().expect("version").to_owned();
    Ids { product, version, report }
}

fn concrete(path: &str, ids: &Ids) -> String {
    let id = if path.contains("/products/{id}") {
        ids.product.as_str()
    } else if path.contains("/product-versions/{id}") {
        ids.version.as_str()
    } else if path.contains("/reports/{id}") {
        ids.report.as_str()
    } else if path.contains("/advisories/{id}") {
        "CVE-2099-0001"
    } else {
        "00000000-0000-7000-8000-000000000000"
    };
    let slug = if path.starts_with("/api/v1/organisations/{slug}") { "demo-networks" } else { "demo" };
    path.replace("{org}", "demo-networks")
        .replace("{slug}", slug)
        .replace("{number}", "VD-2026-0001")
        .replace("{seq}", "1")
        .replace("{username}", "chen.jing")
        .replace("{role}", "admin")
        .replace("{token}", "no-such-token")
        .replace("{id}", id)
}

async fn call(app: &TestApp, method: &str, path: &str, token: Option<&str>) -> StatusCode {
    let mut b = Request::builder().method(method).uri(path).header("accept-language", "en");
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    let body = if method == "GET" || method == "DELETE" {
        Body::empty()
    } else {
        b = b.header("content-type", "application/json");
        Body::from("{}")
    };
    app.send(b.body(body).expect("request")).await.status
}

#[tokio::test]
async fn every_api_route_has_a_decision_and_keeps_strangers_out() {
    let app = TestApp::new().await;
    let admin = app.user("chen.jing", false).await;
    let outsider = app.user("zhao.lei", false).await;
    let org = app.org("demo-networks").await;
    let other = app.org("other-vendor").await;
    for role in [PersonRole::Admin, PersonRole::Coordinator, PersonRole::Triager] {
        app.member(org, admin, role).await;
    }
    app.member(other, outsider, PersonRole::Admin).await;
    let admin_token = app.token(admin, None, None).await;
    let stranger = app.token(outsider, None, None).await;
    let ids = seed(&app, &admin_token).await;

    let doc = app.api(Method::GET, "/api/v1/openapi.json", None, None).await.json();
    let mut public_seen = Vec::new();
    let mut problems = Vec::new();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            if !["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                continue;
            }
            let method = method.to_uppercase();
            let name = format!("{method} {path}");
            let secured = op.get("security").is_some_and(|s| s.as_array().is_some_and(|a| !a.is_empty()));
            if !secured {
                public_seen.push(name.clone());
                continue;
            }
            checked += 1;
            let url = concrete(path, &ids);
            let anonymous = call(&app, &method, &url, None).await;
            if anonymous != StatusCode::UNAUTHORIZED {
                problems.push(format!("{name}: without a credential answered {anonymous}, not 401"));
            }
            let outsider = call(&app, &method, &url, Some(&stranger)).await;
            // 422 is a refusal too: a signed-in caller's malformed body is read before the access
            // decision, and nothing is done.
            let refused = matches!(
                outsider,
                StatusCode::UNAUTHORIZED
                    | StatusCode::FORBIDDEN
                    | StatusCode::NOT_FOUND
                    | StatusCode::UNPROCESSABLE_ENTITY
            );
            if !refused && !ANY_SIGNED_IN.contains(&name.as_str()) {
                problems.push(format!("{name}: another organisation's admin got {outsider}"));
            }
        }
    }
    public_seen.sort();
    let mut expected: Vec<String> = PUBLIC.iter().map(|s| (*s).to_owned()).collect();
    expected.sort();
    assert_eq!(public_seen, expected, "the public operations are exactly the listed ones");
    assert!(checked >= 60, "every secured operation was tried: {checked}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
