//! `/metrics` on its own address (`metrics_listen`): served there (with the token when one is
//! set), and no longer on the main address, between real processes.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{ADMIN_PASSWORD, BIN};
use vulndesk_store::testing::TestDb;

struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

fn get(url: &str, token: Option<&str>) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut req = agent.get(url);
    if let Some(t) = token {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    let mut resp = req.call().expect("GET");
    (resp.status().as_u16(), resp.body_mut().read_to_string().unwrap_or_default())
}

#[tokio::test]
async fn metrics_can_have_an_address_of_their_own() {
    let db = TestDb::new().await;
    let metrics_port = free_port();
    let token = "a-scraper-token-of-some-length";
    let mut child = Command::new(BIN)
        .args(["--database", &db.url, "serve", "--listen", "127.0.0.1:0"])
        .env_remove("VULNDESK_DATABASE_URL")
        .env("VULNDESK_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("VULNDESK_METRICS_LISTEN", format!("127.0.0.1:{metrics_port}"))
        .env("VULNDESK_METRICS_TOKEN", token)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let out = child.stdout.take().expect("stdout");
    let _guard = Serve(child);
    let mut lines = BufReader::new(out).lines();
    let mut base = String::new();
    let mut metrics_line = String::new();
    let started = Instant::now();
    while (base.is_empty() || metrics_line.is_empty()) && started.elapsed() < Duration::from_secs(60) {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(rest) = line.split("listening on ").nth(1) {
            base = rest.split_whitespace().next().expect("url").trim_end_matches('/').to_owned();
        }
        if line.starts_with("metrics on ") {
            metrics_line = line;
        }
    }
    assert_eq!(metrics_line, format!("metrics on http://127.0.0.1:{metrics_port}/metrics"));
    let metrics = format!("http://127.0.0.1:{metrics_port}/metrics");
    let (status, body) = get(&metrics, Some(token));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("vulndesk_receipts") && body.ends_with("# EOF\n"), "{body}");
    assert_eq!(get(&metrics, None).0, 401, "the token is still asked for when set");
    assert_eq!(get(&format!("{base}/metrics"), Some(token)).0, 404, "not on the main address");
    assert_eq!(get(&format!("http://127.0.0.1:{metrics_port}/"), None).0, 404, "nothing else there");
}
