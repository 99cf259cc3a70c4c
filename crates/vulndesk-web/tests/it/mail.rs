//! Upstream notices by real mail: a case whose affected component comes from a supplier sends
//! the supplier's notice through a real SMTP server (Python's aiosmtpd, from the test command's
//! venv, writing what it accepts into a maildir); the delivered notice meets the 24-hour upstream
//! deadline. Without an SMTP relay the notice waits and is retried.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::json;
use vulndesk_core::PersonRole;
use vulndesk_jobs::deliver::{Mailer, deliver_due};

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
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
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
    assert_eq!(deliver_due(&app.db.store, clock.as_ref(), None, 10).await.expect("deliver"), 1);
    let notices = app.api(Method::GET, &format!("{case}/upstream-notices"), Some(&t), None).await.json();
    assert_eq!(notices[0]["status"], "pending");
    assert!(notices[0]["last_error"].as_str().expect("error").contains("no SMTP relay"), "{notices}");

    // With the relay, after the backoff: delivered, and in the supplier's mailbox.
    clock.advance_secs(11);
    let mailer = Mailer::new(&format!("smtp://127.0.0.1:{}", smtp.port), "Demo Networks PSIRT <psirt@demo.example>")
        .expect("mailer");
    assert_eq!(deliver_due(&app.db.store, clock.as_ref(), Some(&mailer), 10).await.expect("deliver"), 1);
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
