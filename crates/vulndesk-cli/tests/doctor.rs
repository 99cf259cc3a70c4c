//! `vulndesk doctor` against real parts: an unmigrated database is a failure naming the command
//! that fixes it; a migrated one with its administrator and a real SMTP relay (aiosmtpd) passes;
//! a relay that is not there is a failure naming what to check.

mod common;

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{BIN, Server, text};
use vulndesk_store::testing::TestDb;

fn doctor(database: &str, smtp: Option<&str>) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(["--database", database, "doctor"])
        .env_remove("VULNDESK_DATABASE_URL")
        .env_remove("VULNDESK_SMTP_URL")
        .env("VULNDESK_PUBLIC_URL", "https://vulndesk.example.com");
    if let Some(url) = smtp {
        cmd.env("VULNDESK_SMTP_URL", url);
    }
    cmd.output().expect("run doctor")
}

struct Relay(Child);

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `python -m aiosmtpd` on a free port.
fn relay() -> (Relay, u16) {
    let python = std::env::var_os("VULNDESK_TEST_PYTHON")
        .map_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../.venv/bin/python")), PathBuf::from);
    assert!(python.exists(), "{} is missing: the test command installs aiosmtpd into .venv", python.display());
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let child = Command::new(&python)
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Sink"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start aiosmtpd");
    let relay = Relay(child);
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "aiosmtpd did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    (relay, port)
}

#[tokio::test]
async fn doctor_names_what_to_fix() {
    let db = TestDb::empty_on(vulndesk_store::testing::backend_under_test()).await;
    let out = doctor(&db.url, None);
    let said = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("ok    database: reachable"), "{said}");
    assert!(said.contains("FAIL  migrations:") && said.contains("run `vulndesk migrate`"), "{said}");
    assert!(said.contains("warn  smtp_url: not set"), "{said}");

    // `serve` migrates and creates the administrator.
    drop(Server::start(&db.url));
    let (_relay, port) = relay();
    let out = doctor(&db.url, Some(&format!("smtp://127.0.0.1:{port}")));
    let said = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{said}{}", text(&out.stderr));
    for line in [
        "ok    public_url: https://vulndesk.example.com",
        "ok    migrations: the schema is up to date",
        "ok    smtp_url: the relay answers",
        "ok    administrator:",
        "ok    clock:",
    ] {
        assert!(said.contains(line), "{line:?} in {said}");
    }
    assert!(!said.contains("FAIL"), "{said}");
    if db.url.starts_with("sqlite://") {
        assert!(said.contains("ok    disk: "), "the database file's folder has room: {said}");
    }

    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    let out = doctor(&db.url, Some(&format!("smtp://127.0.0.1:{closed}")));
    let said = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("FAIL  smtp_url: the relay does not answer") && said.contains("check host, port"), "{said}");
}
