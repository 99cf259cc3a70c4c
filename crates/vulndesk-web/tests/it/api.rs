//! The JSON API: authentication, the error shape, validation, organisations and memberships,
//! token scoping, the OpenAPI document and the health check.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;
use vulndesk_core::PersonRole;

use crate::harness::TestApp;

fn assert_error_shape(v: &serde_json::Value, code: &str) {
    assert_eq!(v["error"]["code"], code, "{v}");
    assert!(v["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    assert!(v["error"]["details"].is_array(), "{v}");
}

#[tokio::test]
async fn healthz_reports_the_backend_and_security_headers_are_set() {
    let app = TestApp::new().await;
    let r = app.api(Method::GET, "/healthz", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["database"], app.db.store.backend().as_str());
    assert_eq!(v["migrations_pending"], 0);
    assert!(v["version"].is_string());
    let csp = r.headers.get(header::CONTENT_SECURITY_POLICY).and_then(|h| h.to_str().ok()).unwrap_or("");
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(r.headers.get(header::X_CONTENT_TYPE_OPTIONS).map(|h| h.as_bytes()), Some(&b"nosniff"[..]));
    assert!(r.headers.contains_key(header::REFERRER_POLICY));
    assert!(r.headers.contains_key("x-request-id"));
}

#[tokio::test]
async fn openapi_document_lists_every_api_route() {
    let app = TestApp::new().await;
    let r = app.api(Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "{}", doc["openapi"]);
    let paths = doc["paths"].as_object().expect("paths");
    for p in [
        "/healthz",
        "/api/v1/me",
        "/api/v1/users",
        "/api/v1/organisations",
        "/api/v1/organisations/{slug}",
        "/api/v1/organisations/{slug}/members",
        "/api/v1/organisations/{slug}/members/{username}/{role}",
        "/api/v1/audit",
    ] {
        assert!(paths.contains_key(p), "OpenAPI document lacks {p}");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
}

#[tokio::test]
async fn credentials_are_required_and_checked() {
    let app = TestApp::new().await;
    let r = app.api(Method::GET, "/api/v1/organisations", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_error_shape(&r.json(), "unauthenticated");
    assert_eq!(r.headers.get(header::WWW_AUTHENTICATE).map(|h| h.as_bytes()), Some(&b"Bearer"[..]));

    let r = app.api(Method::GET, "/api/v1/organisations", Some("vd_not-a-real-token"), None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // A disabled account's token stops working.
    let u = app.user("ops.bot", false).await;
    let t = app.token(u, None, None).await;
    assert_eq!(app.api(Method::GET, "/api/v1/me", Some(&t), None).await.status, StatusCode::OK);
    let ctx = vulndesk_core::audit::AuditContext::system(vulndesk_core::Timestamp::from_micros(crate::harness::T0));
    app.db.store.set_user_disabled(u, true, &ctx).await.expect("disable");
    assert_eq!(app.api(Method::GET, "/api/v1/me", Some(&t), None).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn site_admin_creates_organisations_and_bad_input_gets_precise_errors() {
    let app = TestApp::new().await;
    let admin = app.user("admin", true).await;
    let secret = app.token(admin, None, None).await;
    let t = Some(secret.as_str());

    let r = app
        .api(
            Method::POST,
            "/api/v1/organisations",
            t,
            Some(json!({"slug": "demo-networks", "name": "Demo Networks 演示网络", "kinds": ["provider"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = r.json();
    assert_eq!((v["slug"].as_str(), v["kinds"][0].as_str()), (Some("demo-networks"), Some("provider")));

    // Taken slug: 422 naming the field.
    let r = app
        .api(
            Method::POST,
            "/api/v1/organisations",
            t,
            Some(json!({"slug": "demo-networks", "name": "x", "kinds": ["operator"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let v = r.json();
    assert_error_shape(&v, "validation_failed");
    assert_eq!(v["error"]["details"][0]["field"], "slug");
    assert!(v["error"]["details"][0]["message"].as_str().unwrap_or("").contains("already taken"), "{v}");

    // Several problems at once, each named.
    let r = app
        .api(
            Method::POST,
            "/api/v1/organisations",
            t,
            Some(json!({"slug": "Bad Slug", "name": "", "kinds": ["vendor"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = r.json()["error"]["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| d["field"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(fields, ["slug", "name", "kinds"]);

    // Missing field: 422 naming it.
    let r = app.api(Method::POST, "/api/v1/organisations", t, Some(json!({"slug": "x1", "kinds": ["provider"]}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["details"][0]["field"], "name", "{}", r.body);

    // Malformed JSON: 400 with the position.
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/organisations")
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"slug\": \"x\",\n \"name\": }"))
        .expect("request");
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let v = r.json();
    assert_error_shape(&v, "bad_request");
    assert!(v["error"]["message"].as_str().unwrap_or("").contains("line 2"), "{v}");

    // Wrong content type: 415.
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/organisations")
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("slug=x"))
        .expect("request");
    assert_eq!(app.send(req).await.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // Too large: 413.
    let big = json!({"slug": "big", "name": "x".repeat(2 << 20), "kinds": ["provider"]});
    let r = app.api(Method::POST, "/api/v1/organisations", t, Some(big)).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", &r.body[..r.body.len().min(200)]);

    // Messages follow Accept-Language.
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/organisations")
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT_LANGUAGE, "zh-CN,zh;q=0.9")
        .body(Body::from(json!({"slug": "demo-networks", "name": "x", "kinds": ["provider"]}).to_string()))
        .expect("request");
    let v = app.send(req).await.json();
    assert!(v["error"]["details"][0]["message"].as_str().unwrap_or("").contains("已被占用"), "{v}");

    // Nothing half-made: one organisation exists.
    assert_eq!(app.db.store.list_orgs().await.expect("list").len(), 1);
}

#[tokio::test]
async fn memberships_over_the_api_follow_the_access_decision() {
    let app = TestApp::new().await;
    let admin = app.user("admin", true).await;
    let org_admin = app.user("chen.jing", false).await;
    let triager = app.user("li.wei", false).await;
    let org = app.org("demo-networks").await;
    let other = app.org("metro-transit").await;
    app.member(org, org_admin, PersonRole::Admin).await;
    app.member(org, triager, PersonRole::Triager).await;
    let admin_t = app.token(admin, None, None).await;
    let org_admin_t = app.token(org_admin, Some(org), None).await;
    let triager_t = app.token(triager, None, None).await;

    // The organisation's admin adds a member; adding again is a 200 no-op.
    app.user("zhao.min", false).await;
    let add = json!({"username": "zhao.min", "role": "engineer"});
    let r = app
        .api(Method::POST, "/api/v1/organisations/demo-networks/members", Some(&org_admin_t), Some(add.clone()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["added"], true);
    let r = app.api(Method::POST, "/api/v1/organisations/demo-networks/members", Some(&org_admin_t), Some(add)).await;
    assert_eq!((r.status, r.json()["added"].clone()), (StatusCode::OK, json!(false)));

    // Unknown user and unknown role are named.
    let r = app
        .api(
            Method::POST,
            "/api/v1/organisations/demo-networks/members",
            Some(&org_admin_t),
            Some(json!({"username": "ghost", "role": "root"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["details"][0]["field"], "role");

    // A triager may look but not manage.
    let r = app.api(Method::GET, "/api/v1/organisations/demo-networks/members", Some(&triager_t), None).await;
    assert_eq!(r.status, StatusCode::OK);
    let names: Vec<String> =
        r.json().as_array().expect("list").iter().map(|m| m["username"].as_str().unwrap_or("").to_owned()).collect();
    assert_eq!(names, ["chen.jing", "li.wei", "zhao.min"]);
    let r = app
        .api(
            Method::POST,
            "/api/v1/organisations/demo-networks/members",
            Some(&triager_t),
            Some(json!({"username": "li.wei", "role": "admin"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_error_shape(&r.json(), "forbidden");
    assert!(r.json()["error"]["message"].as_str().unwrap_or("").contains("Administrator"), "{}", r.body);

    // An organisation's people do not see other organisations.
    let r = app.api(Method::GET, "/api/v1/organisations/metro-transit", Some(&triager_t), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app.api(Method::GET, "/api/v1/organisations", Some(&triager_t), None).await;
    assert_eq!(r.json().as_array().map(Vec::len), Some(1));
    let r = app.api(Method::GET, "/api/v1/organisations", Some(&admin_t), None).await;
    assert_eq!(r.json().as_array().map(Vec::len), Some(2));
    let _ = other;

    // Removing a role; removing it again is 404.
    let path = "/api/v1/organisations/demo-networks/members/zhao.min/engineer";
    assert_eq!(app.api(Method::DELETE, path, Some(&org_admin_t), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.api(Method::DELETE, path, Some(&org_admin_t), None).await.status, StatusCode::NOT_FOUND);

    // Every change is in the organisation's audit log, readable by its admin.
    let r = app.api(Method::GET, "/api/v1/audit?organisation=demo-networks&limit=5", Some(&org_admin_t), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let actions: Vec<String> =
        r.json().as_array().expect("events").iter().map(|e| e["action"].as_str().unwrap_or("").to_owned()).collect();
    assert_eq!(actions[0], "member.remove");
    assert!(actions.contains(&"member.add".to_string()));
    assert_eq!(app.api(Method::GET, "/api/v1/audit", Some(&org_admin_t), None).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn scoped_tokens_carry_only_their_scope() {
    let app = TestApp::new().await;
    let admin = app.user("admin", true).await;
    let person = app.user("chen.jing", false).await;
    let a = app.org("demo-networks").await;
    let b = app.org("safeharbor").await;
    app.member(a, person, PersonRole::Admin).await;
    app.member(a, person, PersonRole::Triager).await;
    app.member(b, person, PersonRole::Admin).await;

    // Scoped to organisation A as triager: cannot manage A's members, cannot see B.
    let t = app.token(person, Some(a), Some(PersonRole::Triager)).await;
    let me = app.api(Method::GET, "/api/v1/me", Some(&t), None).await.json();
    assert_eq!(me["memberships"], json!([{"organisation": "demo-networks", "role": "triager"}]));
    let add = json!({"username": "chen.jing", "role": "engineer"});
    assert_eq!(
        app.api(Method::POST, "/api/v1/organisations/demo-networks/members", Some(&t), Some(add)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.api(Method::GET, "/api/v1/organisations/safeharbor", Some(&t), None).await.status,
        StatusCode::FORBIDDEN
    );

    // A site administrator's token scoped to one organisation is not a site-admin token.
    app.member(a, admin, PersonRole::Auditor).await;
    let t = app.token(admin, Some(a), None).await;
    let me = app.api(Method::GET, "/api/v1/me", Some(&t), None).await.json();
    assert_eq!(me["site_admin"], false);
    let r = app
        .api(
            Method::POST,
            "/api/v1/organisations",
            Some(&t),
            Some(json!({"slug": "x1", "name": "x", "kinds": ["provider"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.api(Method::GET, "/api/v1/users", Some(&t), None).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn users_api_creates_accounts_for_site_admins_only() {
    let app = TestApp::new().await;
    let admin = app.user("admin", true).await;
    let t = app.token(admin, None, None).await;
    let body = json!({"username": "zhou.jie", "display_name": "周杰", "email": "zhou.jie@safeharbor.example", "password": "a long enough password"});
    let r = app.api(Method::POST, "/api/v1/users", Some(&t), Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert!(!r.body.contains("password"), "no password or hash in answers: {}", r.body);
    let r = app.api(Method::POST, "/api/v1/users", Some(&t), Some(body)).await;
    assert_eq!(r.json()["error"]["details"][0]["field"], "username");
    let r = app
        .api(
            Method::POST,
            "/api/v1/users",
            Some(&t),
            Some(json!({"username": "x1", "display_name": "X", "password": "short"})),
        )
        .await;
    assert_eq!(r.json()["error"]["details"][0]["field"], "password");

    let plain = app.user("li.wei", false).await;
    let pt = app.token(plain, None, None).await;
    let r = app.api(Method::GET, "/api/v1/users", Some(&pt), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.json()["error"]["message"].as_str().unwrap_or("").contains("site administrators"));
}

#[tokio::test]
async fn unknown_api_routes_answer_in_the_error_shape() {
    let app = TestApp::new().await;
    let r = app.api(Method::GET, "/api/v1/nothing-here", None, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_error_shape(&r.json(), "not_found");
}

#[tokio::test]
async fn audit_chain_stays_valid_through_api_work() {
    let app = TestApp::new().await;
    let admin = app.user("admin", true).await;
    let t = app.token(admin, None, None).await;
    for i in 0..5 {
        let r = app
            .api(
                Method::POST,
                "/api/v1/organisations",
                Some(&t),
                Some(json!({"slug": format!("org-{i}"), "name": "x", "kinds": ["operator"]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    match app.db.store.audit_verify().await.expect("verify") {
        vulndesk_store::ChainReport::Ok { count, .. } => assert!(count >= 7, "{count}"),
        broken => panic!("{broken:?}"),
    }
    let events = app.api(Method::GET, "/api/v1/audit?limit=1", Some(&t), None).await.json();
    assert_eq!(events[0]["action"], "org.create");
    assert_eq!(events[0]["actor"], admin.to_string());
    assert_eq!(events[0]["details"]["slug"], "org-4");
}

#[tokio::test]
async fn bad_query_strings_answer_in_the_error_shape_and_the_document_lists_common_errors() {
    let app = TestApp::new().await;
    let admin = app.user("admin", true).await;
    let t = app.token(admin, None, None).await;
    let r = app.api(Method::GET, "/api/v1/audit?limit=lots", Some(&t), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_error_shape(&r.json(), "bad_request");
    assert!(r.json()["error"]["message"].as_str().unwrap_or("").contains("limit"), "{}", r.body);

    let doc = app.api(Method::GET, "/api/v1/openapi.json", None, None).await.json();
    let post = &doc["paths"]["/api/v1/organisations"]["post"]["responses"];
    for code in ["400", "401", "403", "404", "413", "415", "422", "429", "500", "503"] {
        assert!(post[code].is_object(), "POST /api/v1/organisations documents {code}");
    }
    let health = &doc["paths"]["/healthz"]["get"]["responses"];
    assert!(health["401"].is_null(), "a public operation does not claim 401");
}
