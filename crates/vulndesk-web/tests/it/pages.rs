//! The pages, as a browser uses them: signing in and out, throttling, CSRF, languages, the
//! organisation and account administration, and the translations' completeness.

use axum::http::StatusCode;
use vulndesk_core::PersonRole;

use crate::harness::{Browser, PASSWORD, TestApp};

#[tokio::test]
async fn sign_in_create_organisation_and_member_then_sign_out() {
    let app = TestApp::new().await;
    app.user("admin", true).await;
    app.user("li.wei", false).await;
    let mut b = Browser::new(&app);

    // Not signed in: pages send you to the sign-in form, remembering where you were going.
    let r = b.get("/orgs").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers.get("location").and_then(|v| v.to_str().ok()), Some("/login?next=%2Forgs"));

    assert_eq!(b.login("admin", PASSWORD).await, StatusCode::SEE_OTHER);
    let session = b.cookie("vd_session").cloned().expect("session cookie");
    assert_eq!(session.len(), 64);
    let set_cookie =
        b.last.as_ref().and_then(|r| r.headers.get("set-cookie")).and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"), "{set_cookie}");

    let home = b.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Site administration"));

    b.get("/orgs").await;
    let r = b
        .post(
            "/orgs",
            &[("slug", "demo-networks"), ("name", "Demo Networks"), ("kinds", "provider"), ("kinds", "operator")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = b.get("/orgs/demo-networks?done=notice-org-created").await;
    assert!(r.body.contains("Organisation created."), "notice shown");
    assert!(r.body.contains("Product provider") && r.body.contains("Network operator"));

    let r = b.post("/orgs/demo-networks/members", &[("username", "li.wei"), ("role", "triager")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = b.get("/orgs/demo-networks").await;
    assert!(r.body.contains("li.wei") && r.body.contains("Triager"));

    // A bad form comes back with the problem named, and nothing is stored.
    b.get("/orgs").await;
    let r = b.post("/orgs", &[("slug", "Demo"), ("name", "x")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("position 1") && r.body.contains("Choose at least one role"), "{}", r.body);
    assert_eq!(app.db.store.list_orgs().await.expect("list").len(), 1);

    b.get("/").await;
    let r = b.post("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(b.cookie("vd_session").is_none());
    // The old session id no longer works, even if replayed.
    let now = vulndesk_core::Clock::now(&*app.clock);
    assert!(app.db.store.session(&sha256(&session), now).await.expect("read").is_none());
}

fn sha256(s: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(s.as_bytes()))
}

#[tokio::test]
async fn wrong_credentials_get_one_generic_answer_and_repeated_failures_are_throttled() {
    let app = TestApp::new().await;
    app.user("li.wei", false).await;
    let mut b = Browser::new(&app);
    assert_eq!(b.login("li.wei", "wrong password!!").await, StatusCode::UNAUTHORIZED);
    let wrong = b.last.as_ref().map(|r| r.body.clone()).unwrap_or_default();
    assert_eq!(b.login("nobody.here", "wrong password!!").await, StatusCode::UNAUTHORIZED);
    let unknown = b.last.as_ref().map(|r| r.body.clone()).unwrap_or_default();
    assert!(wrong.contains("Wrong username or password.") && unknown.contains("Wrong username or password."));

    for _ in 0..4 {
        b.login("li.wei", "wrong password!!").await;
    }
    // Five failures: even the right password is refused for the window.
    assert_eq!(b.login("li.wei", PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
    assert!(b.last.as_ref().is_some_and(|r| r.body.contains("Too many failed attempts")));
    app.clock.advance_secs(16 * 60);
    assert_eq!(b.login("li.wei", PASSWORD).await, StatusCode::SEE_OTHER);

    let failures = app.db.store.audit_list(None, None, 50).await.expect("audit");
    assert!(failures.iter().filter(|e| e.event.action == "session.login_failed").count() >= 6);
    assert!(
        failures.iter().all(|e| !e.event.details.contains("wrong password")),
        "passwords never reach the audit log"
    );
}

#[tokio::test]
async fn forms_without_a_valid_csrf_token_or_from_another_site_are_refused() {
    let app = TestApp::new().await;
    app.user("admin", true).await;
    let mut b = Browser::new(&app);
    b.login("admin", PASSWORD).await;
    b.get("/orgs").await;
    let r = b.post("/orgs", &[("csrf", "forged"), ("slug", "x1"), ("name", "x"), ("kinds", "provider")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    b.get("/orgs").await;
    let token = b.csrf();
    let r = b
        .post_with(
            "/orgs",
            &[("csrf", &token), ("slug", "x1"), ("name", "x"), ("kinds", "provider")],
            &[("origin", "http://evil.test"), ("host", "localhost")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = b
        .post_with(
            "/orgs",
            &[("csrf", &token), ("slug", "x1"), ("name", "x"), ("kinds", "provider")],
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(app.db.store.list_orgs().await.expect("list").is_empty());
    // The sign-in form is protected too (login CSRF).
    let mut fresh = Browser::new(&app);
    fresh.get("/login").await;
    let r =
        fresh.post("/login", &[("csrf", "0".repeat(64).as_str()), ("username", "admin"), ("password", PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn every_form_route_refuses_a_forged_token_before_doing_anything() {
    let app = TestApp::new().await;
    app.user("admin", true).await;
    let mut b = Browser::new(&app);
    b.login("admin", PASSWORD).await;
    // Every page route that takes a URL-encoded form; the token is checked before the handler
    // looks anything up, so placeholder names answer 403, not 404.
    let routes = [
        "/logout",
        "/lang",
        "/orgs",
        "/orgs/acme",
        "/orgs/acme/members",
        "/orgs/acme/members/remove",
        "/users",
        "/users/admin/disable",
        "/users/admin/enable",
        "/account/language",
        "/account/password",
        "/account/tokens",
        "/account/tokens/some-token/revoke",
        "/orgs/acme/security-txt",
        "/orgs/acme/programs",
        "/orgs/acme/programs/bounty",
        "/orgs/acme/intake-privacy",
        "/orgs/acme/reports/some-report/triage",
        "/orgs/acme/cases",
        "/orgs/acme/cases/VD-2026-0001/assessment",
        "/orgs/acme/cases/VD-2026-0001/verification",
        "/orgs/acme/cases/VD-2026-0001/transition",
        "/orgs/acme/cases/VD-2026-0001/comments",
        "/orgs/acme/cases/VD-2026-0001/people",
        "/orgs/acme/cases/VD-2026-0001/gbt30279",
        "/orgs/acme/reports/some-report/promote",
        "/orgs/acme/reports/some-report/merge",
        "/orgs/acme/cases/VD-2026-0001/components",
        "/orgs/acme/cases/VD-2026-0001/components/some-component/remove",
        "/orgs/acme/catalogue/products",
        "/orgs/acme/catalogue/suppliers",
        "/orgs/acme/catalogue/customers",
        "/orgs/acme/catalogue/customers.csv",
        "/orgs/acme/catalogue/deployments",
        "/orgs/acme/catalogue/deployments.csv",
        "/orgs/acme/products/some-product/versions",
        "/orgs/acme/cases/VD-2026-0001/authority",
        "/orgs/acme/cases/VD-2026-0001/authority/1",
        "/orgs/acme/cases/VD-2026-0001/authority/1/submission",
        "/orgs/acme/cases/VD-2026-0001/authority/1/send",
        "/orgs/acme/authority-endpoint",
        "/orgs/acme/sharing/providers",
        "/orgs/acme/sharing/subscribers",
        "/orgs/acme/cases/VD-2026-0001/upstream-notices",
        "/orgs/acme/cases/VD-2026-0001/customer-notices",
    ];
    for route in routes {
        for token in ["forged", ""] {
            let r = b.post(route, &[("csrf", token), ("name", "x")]).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "POST {route} with token {token:?}: {}", r.body);
        }
    }
    // Still signed in (the forged logout did nothing) and still enabled.
    assert_eq!(b.get("/account").await.status, StatusCode::OK);
}

#[tokio::test]
async fn language_follows_the_browser_then_the_choice_on_every_page() {
    let app = TestApp::new().await;
    app.user("admin", true).await;
    let mut b = Browser::new(&app);
    b.accept_language = "zh-CN,zh;q=0.9,en;q=0.5";
    let r = b.get("/login").await;
    assert!(r.body.contains("登录 vulndesk") && r.body.contains("lang=\"zh-CN\""));
    let r = b.post("/lang", &[("lang", "en"), ("next", "/login")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers.get("location").and_then(|v| v.to_str().ok()), Some("/login"));
    let r = b.get("/login").await;
    assert!(r.body.contains("Log in to vulndesk"), "the choice beats the browser");

    // Signed in, the choice is kept on the account and follows the person to another browser.
    b.login("admin", PASSWORD).await;
    b.get("/").await;
    b.post("/lang", &[("lang", "zh-CN"), ("next", "/")]).await;
    let mut other = Browser::new(&app);
    other.accept_language = "en";
    other.login("admin", PASSWORD).await;
    let r = other.get("/orgs").await;
    assert!(r.body.contains("组织"), "account language wins: {}", &r.body[..300.min(r.body.len())]);

    // Redirects after switching stay on this site.
    b.get("/").await;
    let r = b.post("/lang", &[("lang", "en"), ("next", "//evil.test/")]).await;
    assert_eq!(r.headers.get("location").and_then(|v| v.to_str().ok()), Some("/"));
}

#[tokio::test]
async fn roles_decide_what_each_person_sees() {
    let app = TestApp::new().await;
    let triager = app.user("li.wei", false).await;
    let auditor = app.user("qian.hao", false).await;
    let org = app.org("demo-networks").await;
    app.org("metro-transit").await;
    app.member(org, triager, PersonRole::Triager).await;
    app.member(org, auditor, PersonRole::Auditor).await;

    let mut b = Browser::new(&app);
    b.login("li.wei", PASSWORD).await;
    let home = b.get("/").await;
    assert!(home.body.contains("Triager") && home.body.contains("reads incoming reports"));
    assert!(!home.body.contains("Site administration"));
    let r = b.get("/orgs/demo-networks").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("Add a member"), "no management form for a triager");
    assert_eq!(b.get("/orgs/metro-transit").await.status, StatusCode::FORBIDDEN);
    assert_eq!(b.get("/users").await.status, StatusCode::FORBIDDEN);
    assert_eq!(b.get("/audit").await.status, StatusCode::FORBIDDEN);
    assert_eq!(b.get("/orgs/demo-networks/audit").await.status, StatusCode::FORBIDDEN);
    b.get("/orgs/demo-networks").await;
    let r = b.post("/orgs/demo-networks/members", &[("username", "li.wei"), ("role", "admin")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let mut a = Browser::new(&app);
    a.login("qian.hao", PASSWORD).await;
    let r = a.get("/orgs/demo-networks/audit").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("member.add"));
}

#[tokio::test]
async fn account_page_issues_a_token_once_and_the_api_accepts_it() {
    let app = TestApp::new().await;
    let u = app.user("chen.jing", false).await;
    let org = app.org("demo-networks").await;
    app.member(org, u, PersonRole::Coordinator).await;
    let mut b = Browser::new(&app);
    b.login("chen.jing", PASSWORD).await;
    b.get("/account").await;
    let r = b.post("/account/tokens", &[("name", "ci pipeline"), ("scope", "demo-networks:coordinator")]).await;
    assert_eq!(r.status, StatusCode::OK);
    let body = r.body.clone();
    let start = body.find("<code>vd_").expect("secret shown") + "<code>".len();
    let secret: String = body[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    assert_eq!(secret.len(), 67);
    let me = app.api(axum::http::Method::GET, "/api/v1/me", Some(&secret), None).await.json();
    assert_eq!(me["memberships"][0]["role"], "coordinator");
    // Shown once: the account page afterwards lists only its prefix.
    let r = b.get("/account").await;
    assert!(!r.body.contains(&secret) && r.body.contains(&secret[..10]));
    // Scoping a token to a role the person does not hold is refused.
    let r = b.post("/account/tokens", &[("name", "x"), ("scope", "demo-networks:admin")]).await;
    assert_ne!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn password_change_ends_sessions_and_disabled_accounts_cannot_sign_in() {
    let app = TestApp::new().await;
    app.user("admin", true).await;
    app.user("li.wei", false).await;
    let mut b = Browser::new(&app);
    b.login("li.wei", PASSWORD).await;
    b.get("/account").await;
    let r = b.post("/account/password", &[("current", "not it at all"), ("new", "a brand new password")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("The current password is wrong."));
    b.get("/account").await;
    let r = b.post("/account/password", &[("current", PASSWORD), ("new", "a brand new password")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(b.get("/account").await.status, StatusCode::SEE_OTHER, "session ended");
    assert_eq!(b.login("li.wei", "a brand new password").await, StatusCode::SEE_OTHER);

    let mut admin = Browser::new(&app);
    admin.login("admin", PASSWORD).await;
    admin.get("/users").await;
    let r = admin.post("/users/li.wei/disable", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(b.get("/account").await.status, StatusCode::SEE_OTHER, "disabled: session gone");
    assert_eq!(b.login("li.wei", "a brand new password").await, StatusCode::UNAUTHORIZED);
    admin.get("/users").await;
    let r = admin.post("/users/admin/disable", &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "cannot lock yourself out");
}

#[tokio::test]
async fn unknown_pages_get_the_error_page_in_the_visitors_language() {
    let app = TestApp::new().await;
    let mut b = Browser::new(&app);
    b.accept_language = "zh-CN";
    let r = b.get("/no/such/page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("未找到请求的内容") && r.body.contains("<html"));
}

#[test]
fn every_text_exists_in_both_languages() {
    assert_eq!(vulndesk_web::missing_translations(), Vec::<(&str, String)>::new());
    // Every key a template asks for exists (a missing key renders as the key itself).
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).expect("templates") {
        let text = std::fs::read_to_string(entry.expect("entry").path()).expect("read");
        for part in text.split("tr.t(\"").skip(1) {
            let key = part.split('"').next().expect("key");
            for locale in vulndesk_core::Locale::ALL {
                assert_ne!(vulndesk_web::Tr::new(locale).t(key), key, "{key} missing in {}", locale.tag());
            }
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} keys found: is the template scan broken?");
    // Every field an error can name has a label in both languages.
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut named = 0;
    let mut stack = vec![std::path::PathBuf::from(src)];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read");
            for part in text.split("FieldError::new(\"").skip(1) {
                let field = part.split('"').next().expect("field");
                if field.contains('[') || field.contains('{') {
                    continue;
                }
                let key = format!("field-{}", field.replace('_', "-"));
                for locale in vulndesk_core::Locale::ALL {
                    assert_ne!(vulndesk_web::Tr::new(locale).t(&key), key, "{key} missing in {}", locale.tag());
                }
                named += 1;
            }
        }
    }
    assert!(named > 20, "only {named} field errors found");
    // A page title is text: no markup may end up in a title block.
    for entry in std::fs::read_dir(dir).expect("templates") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("read");
        if let Some(start) = text.find("{% block title %}") {
            let rest = &text[start + "{% block title %}".len()..];
            let title = &rest[..rest.find("{% endblock %}").expect("title block ends")];
            assert!(!title.contains('<'), "{} has markup in its title: {title}", path.display());
        }
    }
}
