//! Reports to the authority between real processes on loopback: a provider's `vulndesk serve`,
//! a sharing platform's `vulndesk serve` (each on its own database), and an agency's webhook
//! receiver. The platform is down when the provider first sends: the provider's job runner
//! retries, the platform (restarted on the same address) stores the report once and relays it
//! once, with a signature the agency can check. Runs on the backend under test.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Server, text, vulndesk};
use serde_json::{Value, json};
use vulndesk_store::testing::TestDb;

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

fn call(method: &str, url: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let a = agent();
    let auth = format!("Bearer {token}");
    let resp = match (method, body) {
        ("GET", _) => a.get(url).header("Authorization", &auth).call(),
        ("PUT", Some(b)) => {
            a.put(url).header("Authorization", &auth).header("Content-Type", "application/json").send(b.to_string())
        }
        (_, Some(b)) => {
            a.post(url).header("Authorization", &auth).header("Content-Type", "application/json").send(b.to_string())
        }
        (_, None) => a.post(url).header("Authorization", &auth).send_empty(),
    };
    let mut resp = resp.expect("HTTP");
    let status = resp.status().as_u16();
    let body = resp.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&body).unwrap_or(Value::String(body)))
}

fn token_for(database: &str) -> String {
    let out = vulndesk(&["--database", database, "admin", "token", "create", "--user", "admin"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).split_whitespace().find(|w| w.starts_with("vd_")).expect("token").to_owned()
}

/// What the receiver got: the timestamp and signature headers, and the body.
type Relayed = Arc<Mutex<Vec<(String, String, String)>>>;

/// A webhook receiver: one thread, answers 200 and keeps what it got.
fn receiver() -> (String, Relayed) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let got: Relayed = Arc::default();
    let keep = got.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut sock) = conn else { continue };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 8192];
            let request = loop {
                let Ok(n) = sock.read(&mut chunk) else { break None };
                if n == 0 {
                    break None;
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).into_owned();
                let Some(end) = text.find("\r\n\r\n") else { continue };
                let head = text[..end].to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                if buf.len() >= end + 4 + len {
                    let find = |name: &str| {
                        text[..end]
                            .lines()
                            .find_map(|l| {
                                l.split_once(':')
                                    .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                                    .map(|(_, v)| v.trim().to_owned())
                            })
                            .unwrap_or_default()
                    };
                    let body = String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).into_owned();
                    break Some((find("x-vulndesk-timestamp"), find("x-vulndesk-signature"), body));
                }
            };
            if let Some(r) = request {
                keep.lock().expect("lock").push(r);
            }
            let _ = sock.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
        }
    });
    (url, got)
}

fn wait_for(what: &str, limit: Duration, mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_reaches_the_platform_once_despite_an_outage_and_is_relayed_once() {
    let backend = vulndesk_store::testing::backend_under_test();
    let provider_db = TestDb::empty_on(backend).await;
    let platform_db = TestDb::empty_on(backend).await;
    let (p_url, s_url) = (provider_db.url.clone(), platform_db.url.clone());

    // The platform's fixed address, so that it can come back on it.
    let free = TcpListener::bind("127.0.0.1:0").expect("bind");
    let platform_addr = free.local_addr().expect("addr").to_string();
    drop(free);
    let mut platform = Server::start_at(&s_url, &platform_addr);
    let provider = Server::start(&p_url);
    let (pt, st) = (token_for(&p_url), token_for(&s_url));
    let (hook, relayed) = receiver();
    let s = platform.url.clone();
    let p = provider.url.clone();

    let out = tokio::task::spawn_blocking(move || {
        // The platform registers the provider and the agency.
        let (code, _) = call("POST", &format!("{s}/api/v1/organisations"), &st,
            Some(json!({"slug": "demo-sharing", "name": "Demo Sharing Platform", "kinds": ["sharing_platform"]})));
        assert_eq!(code, 201);
        let (code, creds) = call("POST", &format!("{s}/api/v1/organisations/demo-sharing/sharing/providers"), &st,
            Some(json!({"name": "Demo Networks"})));
        assert_eq!(code, 201, "{creds}");
        let (code, _) = call("POST", &format!("{s}/api/v1/organisations/demo-sharing/sharing/subscribers"), &st,
            Some(json!({"name": "MPS notification centre", "url": hook, "secret": "agency-signing-key-0001"})));
        assert_eq!(code, 201);

        // The provider: an organisation, its endpoint, a case and a complete report.
        let (code, _) = call("POST", &format!("{p}/api/v1/organisations"), &pt,
            Some(json!({"slug": "demo-networks", "name": "Demo Networks", "kinds": ["provider"]})));
        assert_eq!(code, 201);
        for role in ["admin", "coordinator"] {
            let (code, body) = call("POST", &format!("{p}/api/v1/organisations/demo-networks/members"), &pt,
                Some(json!({"username": "admin", "role": role})));
            assert!(code == 201 || code == 200, "{code} {body}");
        }
        let endpoint = json!({"url": format!("{s}/api/v1/authority/reports"), "token": creds["token"], "hmac_secret": creds["hmac_secret"]});
        let (code, body) = call("PUT", &format!("{p}/api/v1/organisations/demo-networks/authority-endpoint"), &pt, Some(endpoint));
        assert_eq!(code, 200, "{body}");
        let (code, _) = call("POST", &format!("{p}/api/v1/organisations/demo-networks/cases"), &pt, Some(json!({"title": "DHCP overflow"})));
        assert_eq!(code, 201);
        let case = format!("{p}/api/v1/organisations/demo-networks/cases/VD-2026-0001");
        let (code, _) = call("POST", &format!("{case}/authority-reports"), &pt, None);
        assert_eq!(code, 201);
        let fill = json!({"product_name": "AX3000", "model": "AX3000", "versions": "2.1.4", "characteristics": "堆溢出",
            "harm": "远程代码执行", "scope_of_impact": "家用路由器", "provider_contact": "psirt@demo.example"});
        let (code, _) = call("PUT", &format!("{case}/authority-reports/1"), &pt, Some(fill));
        assert_eq!(code, 200);
        (case, pt, st)
    })
    .await
    .expect("setup");
    let (case, pt, st) = out;

    // The platform goes down; the provider sends; the first attempt fails.
    platform.kill();
    let send = format!("{case}/authority-reports/1/send");
    let (code, body) = call("POST", &send, &pt, None);
    assert_eq!(code, 202, "{body}");
    let deliveries = format!("{case}/authority-reports/1/deliveries");
    wait_for("the first failed attempt", Duration::from_secs(20), || {
        let (_, d) = call("GET", &deliveries, &pt, None);
        d[0]["attempts"].as_i64().unwrap_or(0) >= 1
    });
    let (_, d) = call("GET", &deliveries, &pt, None);
    assert_eq!(d[0]["status"], "pending", "{d}");

    // Back on the same address: the retry (after the 10-second backoff) gets through.
    let platform = Server::start_at(&s_url, &platform_addr);
    wait_for("the report to be accepted", Duration::from_secs(40), || {
        let (_, r) = call("GET", &format!("{case}/authority-reports/1"), &pt, None);
        r["status"] == "submitted"
    });
    let (_, r) = call("GET", &format!("{case}/authority-reports/1"), &pt, None);
    assert_eq!(r["submission"]["channel"], "api");
    assert!(r["submission"]["receipt_number"].as_str().is_some_and(|n| n.starts_with("DEMO-SHARING-")), "{r}");
    wait_for("the relay", Duration::from_secs(20), || !relayed.lock().expect("lock").is_empty());
    std::thread::sleep(Duration::from_secs(2));
    let got = relayed.lock().expect("lock").clone();
    assert_eq!(got.len(), 1, "relayed exactly once");
    let (ts, sig, body) = &got[0];
    let ts: i64 = ts.parse().expect("timestamp");
    assert_eq!(sig, &vulndesk_jobs::deliver::signature("agency-signing-key-0001", ts, body));
    let (code, received) =
        call("GET", &format!("{}/api/v1/organisations/demo-sharing/sharing/reports", platform.url), &st, None);
    assert_eq!(code, 200);
    assert_eq!(received.as_array().map(Vec::len), Some(1), "stored exactly once: {received}");
    assert_eq!(received[0]["receipt_number"], r["submission"]["receipt_number"]);
    for db in [&p_url, &s_url] {
        let out = vulndesk(&["--database", db, "receipts", "verify"]);
        assert!(out.status.success() && text(&out.stdout).starts_with("OK"), "{}", text(&out.stdout));
        let out = vulndesk(&["--database", db, "audit", "verify"]);
        assert!(out.status.success(), "{}", text(&out.stdout));
    }
}
