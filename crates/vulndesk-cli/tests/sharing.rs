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

/// What the receiver got: the timestamp, signature and idempotency-key headers, and the body.
type Relayed = Arc<Mutex<Vec<(String, String, String, String)>>>;

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
                    break Some((
                        find("x-vulndesk-timestamp"),
                        find("x-vulndesk-signature"),
                        find("idempotency-key"),
                        body,
                    ));
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

/// Registers the provider and one agency on the platform `s`, and on the provider `p` an
/// organisation whose endpoint is `target`, a case and a complete report; returns the case's URL.
fn prepare(s: &str, p: &str, pt: &str, st: &str, hook: &str, target: &str) -> String {
    let (code, _) = call(
        "POST",
        &format!("{s}/api/v1/organisations"),
        st,
        Some(json!({"slug": "demo-sharing", "name": "Demo Sharing Platform", "kinds": ["sharing_platform"]})),
    );
    assert_eq!(code, 201);
    let (code, creds) = call(
        "POST",
        &format!("{s}/api/v1/organisations/demo-sharing/sharing/providers"),
        st,
        Some(json!({"name": "Demo Networks"})),
    );
    assert_eq!(code, 201, "{creds}");
    let (code, _) = call(
        "POST",
        &format!("{s}/api/v1/organisations/demo-sharing/sharing/subscribers"),
        st,
        Some(json!({"name": "MPS notification centre", "url": hook, "secret": "agency-signing-key-0001"})),
    );
    assert_eq!(code, 201);
    let (code, _) = call(
        "POST",
        &format!("{p}/api/v1/organisations"),
        pt,
        Some(json!({"slug": "demo-networks", "name": "Demo Networks", "kinds": ["provider"]})),
    );
    assert_eq!(code, 201);
    for role in ["admin", "coordinator"] {
        let (code, body) = call(
            "POST",
            &format!("{p}/api/v1/organisations/demo-networks/members"),
            pt,
            Some(json!({"username": "admin", "role": role})),
        );
        assert!(code == 201 || code == 200, "{code} {body}");
    }
    let endpoint = json!({"url": target, "token": creds["token"], "hmac_secret": creds["hmac_secret"]});
    let (code, body) =
        call("PUT", &format!("{p}/api/v1/organisations/demo-networks/authority-endpoint"), pt, Some(endpoint));
    assert_eq!(code, 200, "{body}");
    let (code, _) = call(
        "POST",
        &format!("{p}/api/v1/organisations/demo-networks/cases"),
        pt,
        Some(json!({"title": "DHCP overflow"})),
    );
    assert_eq!(code, 201);
    let case = format!("{p}/api/v1/organisations/demo-networks/cases/VD-2026-0001");
    let (code, _) = call("POST", &format!("{case}/authority-reports"), pt, None);
    assert_eq!(code, 201);
    let fill = json!({"product_name": "AX3000", "model": "AX3000", "versions": "2.1.4", "characteristics": "堆溢出",
        "harm": "远程代码执行", "scope_of_impact": "家用路由器", "provider_contact": "psirt@demo.example"});
    let (code, _) = call("PUT", &format!("{case}/authority-reports/1"), pt, Some(fill));
    assert_eq!(code, 200);
    case
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

    let (pt2, st2) = (pt.clone(), st.clone());
    let target = format!("{s}/api/v1/authority/reports");
    let case = tokio::task::spawn_blocking(move || prepare(&s, &p, &pt2, &st2, &hook, &target)).await.expect("setup");

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
    let (ts, sig, _, body) = &got[0];
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

/// Reads one HTTP message (head and `Content-Length` body) from `sock`.
fn read_message(sock: &mut std::net::TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = sock.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).into_owned();
        let Some(end) = text.find("\r\n\r\n") else { continue };
        let len: usize = text[..end]
            .to_ascii_lowercase()
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        if buf.len() >= end + 4 + len {
            return Some(buf);
        }
    }
}

/// A proxy in front of the platform that, while `lose` is set, passes a request on, waits for
/// the platform's answer (so the platform has committed), then drops the connection instead of
/// answering, and clears `lose`: the provider sees a failure after the platform stored the report.
fn losing_proxy(upstream: String, lose: Arc<std::sync::atomic::AtomicBool>, lost: Arc<Mutex<Vec<String>>>) -> String {
    use std::sync::atomic::Ordering;
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/api/v1/authority/reports", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut client) = conn else { continue };
            let Some(request) = read_message(&mut client) else { continue };
            let Ok(mut server) = std::net::TcpStream::connect(&upstream) else { continue };
            // One request per connection upstream, so the answer ends where the body ends.
            let request = String::from_utf8_lossy(&request).replacen("\r\n\r\n", "\r\nConnection: close\r\n\r\n", 1);
            if server.write_all(request.as_bytes()).is_err() {
                continue;
            }
            let Some(answer) = read_message(&mut server) else { continue };
            if lose.swap(false, Ordering::SeqCst) {
                lost.lock().expect("lock").push(String::from_utf8_lossy(&answer).into_owned());
                drop(client);
                continue;
            }
            let _ = client.write_all(&answer);
        }
    });
    url
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_answer_and_a_killed_platform_still_give_one_report_and_one_relay() {
    let backend = vulndesk_store::testing::backend_under_test();
    let provider_db = TestDb::empty_on(backend).await;
    let platform_db = TestDb::empty_on(backend).await;
    let (p_url, s_url) = (provider_db.url.clone(), platform_db.url.clone());
    let free = TcpListener::bind("127.0.0.1:0").expect("bind");
    let platform_addr = free.local_addr().expect("addr").to_string();
    drop(free);
    let mut platform = Server::start_at(&s_url, &platform_addr);
    let provider = Server::start(&p_url);
    let (pt, st) = (token_for(&p_url), token_for(&s_url));
    let (hook, relayed) = receiver();
    let lose = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let lost: Arc<Mutex<Vec<String>>> = Arc::default();
    let proxy = losing_proxy(platform_addr.clone(), lose.clone(), lost.clone());
    let (s, p, pt2, st2) = (platform.url.clone(), provider.url.clone(), pt.clone(), st.clone());
    let case = tokio::task::spawn_blocking(move || prepare(&s, &p, &pt2, &st2, &hook, &proxy)).await.expect("setup");

    let (code, body) = call("POST", &format!("{case}/authority-reports/1/send"), &pt, None);
    assert_eq!(code, 202, "{body}");
    // The platform stores the report and answers; the answer is lost; the platform is killed.
    wait_for("the platform's lost answer", Duration::from_secs(20), || !lost.lock().expect("lock").is_empty());
    let first = lost.lock().expect("lock")[0].clone();
    assert!(first.starts_with("HTTP/1.1 201"), "{first}");
    let first_receipt =
        first.split("\"receipt_number\":\"").nth(1).and_then(|r| r.split('"').next()).expect("receipt").to_owned();
    platform.kill();
    let deliveries = format!("{case}/authority-reports/1/deliveries");
    wait_for("the provider to record the failure", Duration::from_secs(20), || {
        let (_, d) = call("GET", &deliveries, &pt, None);
        d[0]["attempts"].as_i64().unwrap_or(0) >= 1
    });

    // Back up: the retry carries the same idempotency key and gets the first answer.
    let platform = Server::start_at(&s_url, &platform_addr);
    wait_for("the report to be recorded as submitted", Duration::from_secs(40), || {
        let (_, r) = call("GET", &format!("{case}/authority-reports/1"), &pt, None);
        r["status"] == "submitted"
    });
    let (_, r) = call("GET", &format!("{case}/authority-reports/1"), &pt, None);
    assert_eq!(r["submission"]["receipt_number"], first_receipt.as_str(), "the receipt of the first, lost answer");
    let (_, d) = call("GET", &deliveries, &pt, None);
    assert_eq!(d[0]["attempts"], 2, "{d}");
    let (code, received) =
        call("GET", &format!("{}/api/v1/organisations/demo-sharing/sharing/reports", platform.url), &st, None);
    assert_eq!(code, 200);
    assert_eq!(received.as_array().map(Vec::len), Some(1), "stored once: {received}");
    wait_for("the relay", Duration::from_secs(20), || !relayed.lock().expect("lock").is_empty());
    std::thread::sleep(Duration::from_secs(2));
    // A platform killed between sending a relay and recording it sends it again after its
    // restart, under the same key, which is how the agency drops the repeat: one key, one report.
    let keys: std::collections::BTreeSet<String> = relayed.lock().expect("lock").iter().map(|r| r.2.clone()).collect();
    assert_eq!(keys.len(), 1, "relayed under one idempotency key");
}
