//! Secrets never reach the logs: a real `vulndesk serve --demo` logging at `debug` (every
//! crate's debug output, request spans included) is fed planted secrets (the SMTP password in
//! its URL, a sign-in password, a wrong password, the session cookie, an API token, a report's
//! tracking token in a path, an acknowledgement link's secret), and its whole log is then searched
//! for each of them.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{ADMIN_PASSWORD, BIN, text, vulndesk};
use vulndesk_store::testing::TestDb;

const SMTP_SECRET: &str = "planted-smtp-secret-5f2c";
const WRONG_PASSWORD: &str = "planted-wrong-password-91ab";

#[tokio::test]
async fn planted_secrets_never_appear_in_the_logs() {
    let db = TestDb::empty_on(vulndesk_store::testing::backend_under_test()).await;
    let dir = std::env::temp_dir().join(format!("vulndesk-logs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let log_path = dir.join("serve.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    // Bound first so the test knows the address; the server gets it as --listen.
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let base = format!("http://127.0.0.1:{port}");
    let mut child = Command::new(BIN)
        .args(["--database", &db.url, "serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
        .env_remove("VULNDESK_DATABASE_URL")
        .env("VULNDESK_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("VULNDESK_DEMO_PASSWORD", ADMIN_PASSWORD)
        // A relay that is not there, with a password in its URL: mail fails and is logged.
        .env("VULNDESK_SMTP_URL", format!("smtp://vulndesk:{SMTP_SECRET}@127.0.0.1:9/"))
        .env("RUST_LOG", "debug")
        .stdout(log.try_clone().expect("clone"))
        .stderr(log)
        .spawn()
        .expect("start server");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let mut up = false;
    for _ in 0..600 {
        if agent.get(format!("{base}/healthz")).call().is_ok_and(|r| r.status() == 200) {
            up = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(up, "the server answers /healthz: {}", std::fs::read_to_string(&log_path).unwrap_or_default());

    // A failed and a good sign-in; the session cookie is then used.
    let login = |password: &str| {
        // The form's CSRF token and the cookie it is bound to, as a browser gets them.
        let mut page = agent.get(format!("{base}/login")).call().expect("login page");
        let cookies: Vec<String> = page
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|c| c.split(';').next().map(str::to_owned))
            .collect();
        let html = page.body_mut().read_to_string().expect("login html");
        let marker = "name=\"csrf\" value=\"";
        let csrf = html.split(marker).nth(1).and_then(|r| r.split('"').next()).expect("csrf field").to_owned();
        let body = format!("csrf={csrf}&username=chen.jing&password={password}");
        agent
            .post(format!("{base}/login"))
            .header("Origin", &base)
            .header("Sec-Fetch-Site", "same-origin")
            .header("Cookie", cookies.join("; "))
            .content_type("application/x-www-form-urlencoded")
            .send(body)
            .expect("login")
    };
    let refused = login(WRONG_PASSWORD);
    assert_ne!(refused.status(), 303, "a wrong password does not sign in");
    let ok = login(ADMIN_PASSWORD);
    assert_eq!(ok.status(), 303, "the demo password signs in");
    let cookie = ok
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.contains("session"))
        .expect("a session cookie")
        .split(';')
        .next()
        .expect("name=value")
        .to_owned();
    let session_value = cookie.split_once('=').expect("value").1.to_owned();
    let r = agent.get(format!("{base}/orgs/demo-networks/inbox")).header("Cookie", &cookie).call().expect("inbox");
    assert_eq!(r.status(), 200);

    // An API token, used.
    let out = vulndesk(&["--database", &db.url, "admin", "token", "create", "--user", "chen.jing", "--name", "logs"]);
    let token = text(&out.stdout).trim().to_owned();
    assert!(token.len() > 20, "{}", text(&out.stderr));
    let r = agent
        .get(format!("{base}/api/v1/organisations"))
        .header("Authorization", format!("Bearer {token}"))
        .call()
        .expect("api");
    assert_eq!(r.status(), 200);

    // A report: its tracking token goes in a path, on the page and in the API.
    let body = serde_json::json!({"title": "Log test", "description": "A report whose tracking token must stay out of logs.",
        "product": "AX3000", "version": "2.1.4", "accept_policy": true});
    let mut r = agent
        .post(format!("{base}/api/v1/programs/demo/reports"))
        .content_type("application/json")
        .send(body.to_string())
        .expect("report");
    assert_eq!(r.status(), 201);
    let answer: serde_json::Value = serde_json::from_str(&r.body_mut().read_to_string().expect("body")).expect("json");
    let tracking = answer["tracking_token"].as_str().expect("tracking token").to_owned();
    assert_eq!(agent.get(format!("{base}/t/{tracking}")).call().expect("tracking page").status(), 200);
    assert_eq!(agent.get(format!("{base}/api/v1/tracking/{tracking}")).call().expect("tracking api").status(), 200);
    // A made-up acknowledgement secret in a path (404), and a wrong one for a hand-off link.
    let planted_path_secret = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    assert_eq!(agent.get(format!("{base}/ack/{planted_path_secret}")).call().expect("ack").status(), 404);
    assert_eq!(agent.get(format!("{base}/h/{planted_path_secret}")).call().expect("handoff").status(), 404);

    // Let the job runner try the mail queue (the demo queues mail) against the missing relay.
    std::thread::sleep(Duration::from_secs(3));
    let _ = child.kill();
    let _ = child.wait();
    let logged = std::fs::read_to_string(&log_path).expect("log");
    assert!(logged.lines().count() > 50, "debug logging was on: {logged}");
    assert!(logged.contains("request"), "request spans are logged: {}", &logged[..logged.len().min(2000)]);
    assert!(
        logged.contains("delivery failed"),
        "the mail queue met the missing relay: {}",
        &logged[..logged.len().min(2000)]
    );
    assert!(logged.contains("route=/t/{token}"), "the route template is logged instead of the path");
    assert!(!logged.contains('\u{1b}'), "no terminal colours in a log file");
    for (what, secret) in [
        ("the SMTP password", SMTP_SECRET),
        ("the sign-in password", ADMIN_PASSWORD),
        ("a wrong password", WRONG_PASSWORD),
        ("the session cookie", session_value.as_str()),
        ("the API token", token.as_str()),
        ("the tracking token", tracking.as_str()),
        ("a secret in a path", planted_path_secret),
    ] {
        if let Some(line) = logged.lines().find(|l| l.contains(secret)) {
            panic!("{what} is in the log: {line}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
