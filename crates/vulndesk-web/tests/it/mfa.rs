//! Two-factor sign-in (TOTP, RFC 6238) and session control, through the pages as a browser uses
//! them, on the backend under test: administrators are sent to set it up before anything else
//! opens; a code is accepted once and only near its time; recovery codes work once; wrong codes
//! count as failed sign-ins; a person lists their sessions and signs the others out.

use axum::http::{Method, StatusCode};
use totp_rs::{Algorithm, Secret, TOTP};
use vulndesk_core::{Clock, PersonRole};
use vulndesk_web::WebConfig;

use crate::harness::{Browser, PASSWORD, TestApp};

fn code(secret: &str, app: &TestApp) -> String {
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().expect("base32");
    let t = TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes, None, String::new()).expect("totp");
    t.generate(u64::try_from(app.clock.now().as_secs()).expect("after 1970"))
}

fn between<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let i = body.find(start).unwrap_or_else(|| panic!("{start} in {body}")) + start.len();
    body[i..].split(end).next().expect("end")
}

#[tokio::test]
async fn administrators_set_up_two_factor_sign_in_and_codes_work_once() {
    let app = TestApp::with_config(WebConfig { mfa_required_for_admins: true, ..WebConfig::default() }).await;
    let admin = app.user("site.admin", true).await;
    let org = app.org("demo-networks").await;
    let triager = app.user("li.wei", false).await;
    app.member(org, triager, PersonRole::Triager).await;
    let token = app.token(admin, None, None).await;

    // A triager is not asked; the administrator is sent to the account page from everywhere.
    let mut t = Browser::new(&app);
    assert_eq!(t.login("li.wei", PASSWORD).await, StatusCode::SEE_OTHER);
    assert_eq!(t.get("/").await.status, StatusCode::OK);
    let mut b = Browser::new(&app);
    assert_eq!(b.login("site.admin", PASSWORD).await, StatusCode::SEE_OTHER);
    for path in ["/", "/orgs", "/users", "/audit"] {
        let r = b.get(path).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(r.headers["location"], "/account?done=notice-mfa-required#mfa", "{path}");
    }
    assert!(b.get("/account").await.body.contains("Administrators must use two-factor sign-in"));
    // The API answers to tokens as before: the requirement is about signing in.
    assert_eq!(app.api(Method::GET, "/api/v1/me", Some(&token), None).await.status, StatusCode::OK);

    // Set-up: a secret and its QR code; a wrong code is refused; the app's code turns it on.
    assert_eq!(b.post("/account/mfa/setup", &[]).await.status, StatusCode::SEE_OTHER);
    let page = b.get("/account").await.body.clone();
    assert!(page.contains("<svg"), "a QR code");
    let secret = between(&page, "data-testid=\"mfa-secret\">", "<").to_owned();
    assert_eq!(secret.len(), 32, "160 bits in base32: {secret}");
    let wrong = if code(&secret, &app) == "000000" { "111111" } else { "000000" };
    assert_eq!(b.post("/account/mfa/confirm", &[("code", wrong)]).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let first = code(&secret, &app);
    let r = b.post("/account/mfa/confirm", &[("code", &first)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let codes: Vec<String> = between(&r.body, "data-testid=\"recovery-codes\">", "</code>")
        .lines()
        .filter_map(|l| l.rsplit('>').next())
        .map(|l| l.trim().to_owned())
        .filter(|l| l.len() == 11 && l.contains('-'))
        .collect();
    assert_eq!(codes.len(), 10, "{}", r.body);
    assert_eq!(b.get("/orgs").await.status, StatusCode::OK, "on: the pages open");
    // Administrators keep it on.
    let r = b.post("/account/mfa/disable", &[("code", &first)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("must keep two-factor sign-in on"));

    // Signing in: the password leads to the second step, not to a session.
    let mut c = Browser::new(&app);
    let r = c.login("site.admin", PASSWORD).await;
    assert_eq!(r, StatusCode::SEE_OTHER);
    assert_eq!(c.last.as_ref().expect("reply").headers["location"], "/login/mfa");
    assert!(c.cookie("vd_session").is_none(), "no session before the second factor");
    c.get("/login/mfa").await;
    // The code used to turn it on is not accepted again, nor a made-up one.
    let r = c.post("/login/mfa", &[("code", &first)]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "a code is accepted once");
    assert!(r.body.contains("not valid (or was already used)"));
    // The next step's code is.
    app.clock.advance_secs(30);
    let next = code(&secret, &app);
    let r = c.post("/login/mfa", &[("code", &next)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(c.cookie("vd_session").is_some());
    assert_eq!(c.get("/orgs").await.status, StatusCode::OK);

    // A recovery code signs in once.
    let mut d = Browser::new(&app);
    d.login("site.admin", PASSWORD).await;
    d.get("/login/mfa").await;
    assert_eq!(d.post("/login/mfa", &[("code", &codes[0].to_uppercase())]).await.status, StatusCode::SEE_OTHER);
    let mut e = Browser::new(&app);
    e.login("site.admin", PASSWORD).await;
    e.get("/login/mfa").await;
    assert_eq!(e.post("/login/mfa", &[("code", &codes[0])]).await.status, StatusCode::UNAUTHORIZED, "used up");
    assert!(d.get("/account").await.body.contains("recovery codes left: 9"));

    // Sessions: every browser signed in is listed; signing the others out ends them.
    let page = d.get("/account").await.body.clone();
    assert_eq!(page.matches("name=\"session\"").count(), 2, "b and c, besides this one");
    assert!(page.contains("this session"));
    assert_eq!(d.post("/account/sessions/end", &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(d.get("/account").await.body.matches("name=\"session\"").count(), 0);
    assert_eq!(c.get("/orgs").await.status, StatusCode::SEE_OTHER, "c was signed out");
    assert!(c.last.as_ref().expect("reply").headers["location"].to_str().expect("ascii").starts_with("/login"));
    assert_eq!(d.get("/orgs").await.status, StatusCode::OK, "this session stays");

    // Too many wrong codes end the attempt, and each counts as a failed sign-in.
    let mut f = Browser::new(&app);
    f.login("site.admin", PASSWORD).await;
    f.get("/login/mfa").await;
    for _ in 0..5 {
        assert_eq!(f.post("/login/mfa", &[("code", "12345")]).await.status, StatusCode::UNAUTHORIZED);
    }
    let r = f.post("/login/mfa", &[("code", &code(&secret, &app))]).await;
    assert!(r.body.contains("Too many codes tried"), "{}", r.body);
    let r = f.login("site.admin", PASSWORD).await;
    assert_eq!(r, StatusCode::TOO_MANY_REQUESTS, "wrong codes count against the account");

    // Everything is in the audit log.
    let events = app.api(Method::GET, "/api/v1/audit", Some(&token), None).await.body;
    for action in ["mfa.setup_started", "mfa.enabled", "mfa.recovery_code_used", "session.revoke"] {
        assert!(events.contains(action), "{action} audited");
    }
}

/// With `attachment_key` set, two-factor secrets are stored encrypted: the one made before the key
/// by `Store::seal_stored` (`vulndesk admin seal`), new ones as they are made. Signing in works
/// as before; the database read without the key cannot give the secret.
#[tokio::test]
async fn two_factor_secrets_are_encrypted_at_rest_once_a_key_is_set() {
    let app = TestApp::with_config(WebConfig { mfa_required_for_admins: true, ..WebConfig::default() }).await;
    let admin = app.user("site.admin", true).await;
    let other = app.user("li.wei", false).await;
    let mut b = Browser::new(&app);
    b.login("site.admin", PASSWORD).await;
    b.get("/account").await;
    assert_eq!(b.post("/account/mfa/setup", &[]).await.status, StatusCode::SEE_OTHER);
    let page = b.get("/account").await.body.clone();
    let secret = between(&page, "data-testid=\"mfa-secret\">", "<").to_owned();
    let r = b.post("/account/mfa/confirm", &[("code", &code(&secret, &app))]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let keyless =
        vulndesk_store::Store::open(&app.db.url, &vulndesk_store::OpenOptions::default()).await.expect("open");
    assert_eq!(keyless.mfa(admin).await.expect("read").expect("on").secret, secret, "in clear before a key");

    app.db.store.set_attachment_key([0x42; 32]).expect("key");
    let ctx = vulndesk_core::AuditContext::system(app.clock.now());
    let done = app.db.store.seal_stored(&ctx, |_| {}).await.expect("seal");
    assert_eq!(done.mfa_secrets, 1);
    let err = keyless.mfa(admin).await.expect_err("sealed");
    assert!(err.to_string().contains("attachment_key"), "{err}");
    assert_eq!(app.db.store.mfa(admin).await.expect("read").expect("on").secret, secret, "opens with the key");

    // Signing in still takes the code from the same secret.
    app.clock.advance_secs(30);
    let mut c = Browser::new(&app);
    c.login("site.admin", PASSWORD).await;
    c.get("/login/mfa").await;
    let r = c.post("/login/mfa", &[("code", &code(&secret, &app))]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // A set-up begun with the key in place is stored sealed from the start.
    let mut d = Browser::new(&app);
    d.login("li.wei", PASSWORD).await;
    d.get("/account").await;
    assert_eq!(d.post("/account/mfa/setup", &[]).await.status, StatusCode::SEE_OTHER);
    let page = d.get("/account").await.body.clone();
    let second = between(&page, "data-testid=\"mfa-secret\">", "<").to_owned();
    assert!(keyless.mfa(other).await.is_err(), "sealed as made");
    assert_eq!(app.db.store.mfa(other).await.expect("read").expect("pending").secret, second);
    assert_eq!(app.db.store.seal_stored(&ctx, |_| {}).await.expect("again").mfa_secrets, 0);
    // A second key would leave secrets under two keys: refused.
    let other = vulndesk_store::Store::open(&app.db.url, &vulndesk_store::OpenOptions::default()).await.expect("open");
    other.set_attachment_key([0x43; 32]).expect("key");
    let err = other.seal_stored(&ctx, |_| {}).await.expect_err("another key");
    assert!(err.to_string().contains("does not open the two-factor secrets already encrypted"), "{err}");
    other.close().await;
    keyless.close().await;
}
