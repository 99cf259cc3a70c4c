//! `TestApp`: a router over a fresh database, a clock the test moves, and helpers to send API
//! requests and to act as a browser (cookies kept, CSRF tokens read from the forms).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;
use vulndesk_core::audit::AuditContext;
use vulndesk_core::{Clock, OrgId, OrgKind, PersonRole, Slug, Timestamp, TokenId, UserId, Username};
use vulndesk_store::testing::TestDb;
use vulndesk_store::{NewApiToken, NewOrganisation, NewUser};
use vulndesk_web::{AppState, WebConfig};

pub(crate) const T0: i64 = 1_795_000_000_000_000;

/// A clock the test moves by hand.
#[derive(Default)]
pub(crate) struct TestClock(AtomicI64);

impl Clock for TestClock {
    /// Time moves on by a microsecond at every reading, as it does for real, so events are ordered.
    fn now(&self) -> Timestamp {
        Timestamp::from_micros(T0 + self.0.fetch_add(1, Ordering::SeqCst))
    }
}

impl TestClock {
    pub(crate) fn advance_secs(&self, s: i64) {
        self.0.fetch_add(s * 1_000_000, Ordering::SeqCst);
    }
}

pub(crate) struct TestApp {
    pub(crate) db: TestDb,
    pub(crate) router: Router,
    pub(crate) clock: Arc<TestClock>,
}

pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
    /// The body as sent (for binary answers such as PDFs).
    pub(crate) bytes: Vec<u8>,
}

impl Reply {
    /// The text of a PDF answer, as poppler's `pdftotext` reads it (the referee; the test command
    /// installs poppler-utils and poppler-data, which maps the CJK font's codes back to text).
    pub(crate) fn pdf_text(&self) -> String {
        assert!(self.bytes.starts_with(b"%PDF-"), "not a PDF: {}", self.body.chars().take(200).collect::<String>());
        let path =
            std::env::temp_dir().join(format!("vulndesk-it-{}-{}.pdf", std::process::id(), rand::random::<u64>()));
        std::fs::write(&path, &self.bytes).expect("write the PDF");
        let out = std::process::Command::new("pdftotext").args(["-enc", "UTF-8"]).arg(&path).arg("-").output();
        let _ = std::fs::remove_file(&path);
        let out = out.expect("pdftotext is missing: install poppler-utils and poppler-data (scripts/test.sh does)");
        assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("UTF-8")
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

pub(crate) const PASSWORD: &str = "correct horse battery";

/// The tests' receivers listen on loopback, which deliveries refuse by default (SSRF).
pub(crate) const PRIVATE_OK: vulndesk_jobs::deliver::Destinations =
    vulndesk_jobs::deliver::Destinations { allow_private: true };

impl TestApp {
    pub(crate) async fn new() -> Self {
        Self::with_config(WebConfig::default()).await
    }

    pub(crate) async fn with_config(config: WebConfig) -> Self {
        let db = TestDb::new().await;
        let clock = Arc::new(TestClock::default());
        let state = AppState::new(db.store.clone(), clock.clone(), config);
        Self { router: vulndesk_web::router(state), db, clock }
    }

    fn ctx(&self) -> AuditContext {
        AuditContext::system(self.clock.now())
    }

    pub(crate) async fn user(&self, name: &str, site_admin: bool) -> UserId {
        let hash = vulndesk_web::hash_password(PASSWORD).expect("hash");
        let u = NewUser {
            id: UserId::mint(self.clock.now(), rand_bytes()),
            username: Username::parse(name).expect("username"),
            display_name: name.to_uppercase(),
            email: String::new(),
            password_hash: hash,
            site_admin,
            locale: None,
        };
        self.db.store.create_user(&u, &self.ctx()).await.expect("create user").id
    }

    pub(crate) async fn org(&self, slug: &str) -> OrgId {
        self.org_of_kinds(slug, &[OrgKind::Provider]).await
    }

    /// An organisation playing the given parts.
    pub(crate) async fn org_of_kinds(&self, slug: &str, kinds: &[OrgKind]) -> OrgId {
        let o = NewOrganisation {
            id: OrgId::mint(self.clock.now(), rand_bytes()),
            slug: Slug::parse(slug).expect("slug"),
            name: format!("Org {slug}"),
            kinds: kinds.to_vec(),
        };
        self.db.store.create_org(&o, &self.ctx()).await.expect("create org").id
    }

    pub(crate) async fn member(&self, org: OrgId, user: UserId, role: PersonRole) {
        self.db.store.add_membership(org, user, role, &self.ctx()).await.expect("membership");
    }

    /// An API token for `user`, optionally scoped.
    pub(crate) async fn token(&self, user: UserId, org: Option<OrgId>, role: Option<PersonRole>) -> String {
        let (secret, hash, prefix) = vulndesk_web::new_api_token();
        let t = NewApiToken {
            id: TokenId::mint(self.clock.now(), rand_bytes()),
            user,
            org,
            role,
            name: "test".into(),
            token_hash: hash,
            prefix,
            expires_at: None,
        };
        self.db.store.create_token(&t, &self.ctx()).await.expect("token");
        secret
    }

    pub(crate) async fn send(&self, req: Request<Body>) -> Reply {
        let resp = self.router.clone().oneshot(req).await.expect("infallible");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned(), bytes: bytes.to_vec() }
    }

    /// An API call with an optional bearer token and JSON body.
    /// Checks that the organisation's case list (`GET {org}/cases`, which reads every case's
    /// deadlines and aliases in one go) gives each case exactly as `GET {org}/cases/{number}`
    /// (which reads them case by case) does; `org` is the API path of the organisation.
    pub(crate) async fn assert_case_list_matches_each(&self, org: &str, token: &str) {
        let list = self.api(Method::GET, &format!("{org}/cases"), Some(token), None).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        let list = list.json();
        let list = list.as_array().expect("a list");
        assert!(!list.is_empty(), "no cases to compare");
        for c in list {
            let number = c["number"].as_str().expect("number");
            let one = self.api(Method::GET, &format!("{org}/cases/{number}"), Some(token), None).await.json();
            assert_eq!(c, &one, "the list and the case disagree on {number}");
        }
    }

    pub(crate) async fn api(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> Reply {
        let mut b = Request::builder().method(method).uri(path).header(header::ACCEPT_LANGUAGE, "en");
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(v) => b.header(header::CONTENT_TYPE, "application/json").body(Body::from(v.to_string())),
            None => b.body(Body::empty()),
        };
        self.send(req.expect("request")).await
    }
}

fn rand_bytes() -> [u8; 10] {
    rand::random()
}

/// A browser: keeps cookies, reads CSRF tokens from the last page, submits forms.
pub(crate) struct Browser<'a> {
    app: &'a TestApp,
    cookies: BTreeMap<String, String>,
    pub(crate) accept_language: &'static str,
    pub(crate) last: Option<Reply>,
}

impl<'a> Browser<'a> {
    pub(crate) fn new(app: &'a TestApp) -> Self {
        Self { app, cookies: BTreeMap::new(), accept_language: "en", last: None }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn keep_cookies(&mut self, headers: &HeaderMap) {
        for v in headers.get_all(header::SET_COOKIE) {
            let text = v.to_str().unwrap_or("");
            let pair = text.split(';').next().unwrap_or("");
            if let Some((k, v)) = pair.split_once('=') {
                if v.is_empty() || text.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_owned(), v.to_owned());
                }
            }
        }
    }

    pub(crate) fn cookie(&self, name: &str) -> Option<&String> {
        self.cookies.get(name)
    }

    pub(crate) async fn get(&mut self, path: &str) -> &Reply {
        let req = Request::builder()
            .uri(path)
            .header(header::COOKIE, self.cookie_header())
            .header(header::ACCEPT_LANGUAGE, self.accept_language)
            .body(Body::empty())
            .expect("request");
        let r = self.app.send(req).await;
        self.keep_cookies(&r.headers);
        self.last = Some(r);
        self.last.as_ref().expect("just set")
    }

    /// The CSRF token in the last page's forms.
    pub(crate) fn csrf(&self) -> String {
        let body = &self.last.as_ref().expect("a page first").body;
        let marker = "name=\"csrf\" value=\"";
        let start = body.find(marker).expect("page has a form with a CSRF token") + marker.len();
        body[start..].split('"').next().expect("token").to_owned()
    }

    /// Posts a form as the browser would (same-origin), adding the CSRF token unless given.
    pub(crate) async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> &Reply {
        self.post_with(
            path,
            fields,
            &[("origin", "http://localhost"), ("host", "localhost"), ("sec-fetch-site", "same-origin")],
        )
        .await
    }

    pub(crate) async fn post_with(&mut self, path: &str, fields: &[(&str, &str)], extra: &[(&str, &str)]) -> &Reply {
        let mut all: Vec<(String, String)> = fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        if !fields.iter().any(|(k, _)| *k == "csrf") {
            all.push(("csrf".into(), self.csrf()));
        }
        let body = all.iter().map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v))).collect::<Vec<_>>().join("&");
        let mut b = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, self.cookie_header())
            .header(header::ACCEPT_LANGUAGE, self.accept_language);
        for (k, v) in extra {
            b = b.header(*k, *v);
        }
        let r = self.app.send(b.body(Body::from(body)).expect("request")).await;
        self.keep_cookies(&r.headers);
        self.last = Some(r);
        self.last.as_ref().expect("just set")
    }

    pub(crate) async fn login(&mut self, username: &str, password: &str) -> StatusCode {
        self.get("/login").await;
        self.post("/login", &[("username", username), ("password", password), ("next", "/")]).await.status
    }
}

pub(crate) fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
