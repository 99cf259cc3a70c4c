//! Several vulndesk processes on one database, as behind a load balancer: two `vulndesk serve`
//! (web and jobs) and one `vulndesk worker`. Reports are submitted through both servers and an
//! API token made once works on both. Deliveries are queued to a slow webhook receiver; while
//! every instance is in the middle of one, a server is killed with SIGKILL. Then every delivery
//! is delivered, with exactly one recorded attempt; no Idempotency-Key is ever in flight twice at
//! once; the one delivery the dead instance was sending is sent again only after its lease ran
//! out, with the same key (the receiver can tell it is a retry); and nothing acknowledged is
//! lost. Runs on the backend under test (several processes share a SQLite file too).

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{ADMIN_PASSWORD, BIN, Server, text, vulndesk};
use vulndesk_core::Timestamp;
use vulndesk_core::audit::AuditContext;
use vulndesk_store::sharing::NewDelivery;
use vulndesk_store::testing::TestDb;

/// Deliveries queued.
const DELIVERIES: usize = 24;
/// How long the receiver holds each request before answering.
const HOLD: Duration = Duration::from_millis(800);

/// What the receiver saw.
#[derive(Default)]
struct Seen {
    /// Every arrival: idempotency key and when.
    arrivals: Vec<(String, Instant)>,
    /// Requests being held now, by key.
    in_flight: BTreeMap<String, usize>,
    /// The most requests held at once.
    most_at_once: usize,
    /// The most requests with one key held at once.
    most_per_key: usize,
}

/// A webhook receiver that holds each request for [`HOLD`], one thread per connection.
fn slow_receiver() -> (String, Arc<Mutex<Seen>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let seen: Arc<Mutex<Seen>> = Arc::default();
    let keep = seen.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut sock) = conn else { continue };
            let seen = keep.clone();
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                let key = loop {
                    let Ok(n) = sock.read(&mut chunk) else { return };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let head = String::from_utf8_lossy(&buf).into_owned();
                    let Some(end) = head.find("\r\n\r\n") else { continue };
                    let len: usize = head[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_owned())
                        })
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + len {
                        break head[..end]
                            .lines()
                            .find_map(|l| {
                                l.split_once(':')
                                    .filter(|(k, _)| k.eq_ignore_ascii_case("idempotency-key"))
                                    .map(|(_, v)| v.trim().to_owned())
                            })
                            .unwrap_or_default();
                    }
                };
                {
                    let mut s = seen.lock().expect("lock");
                    s.arrivals.push((key.clone(), Instant::now()));
                    *s.in_flight.entry(key.clone()).or_default() += 1;
                    let total: usize = s.in_flight.values().sum();
                    let per_key = s.in_flight[&key];
                    s.most_at_once = s.most_at_once.max(total);
                    s.most_per_key = s.most_per_key.max(per_key);
                }
                std::thread::sleep(HOLD);
                {
                    let mut s = seen.lock().expect("lock");
                    if let Some(n) = s.in_flight.get_mut(&key) {
                        *n -= 1;
                        if *n == 0 {
                            s.in_flight.remove(&key);
                        }
                    }
                }
                let _ = sock.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
            });
        }
    });
    (url, seen)
}

/// A `vulndesk worker`, killed and reaped on drop.
struct Worker(Child);

impl Worker {
    fn start(database: &str) -> Self {
        let child = Command::new(BIN)
            .args(["--database", database, "worker"])
            .env_remove("VULNDESK_DATABASE_URL")
            .env("VULNDESK_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("VULNDESK_DELIVERY_ALLOW_PRIVATE_NETWORKS", "true")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start worker");
        Self(child)
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// Submits a report through the server at `base`; its receipt id.
fn submit(base: &str, n: usize) -> i64 {
    let body = serde_json::json!({
        "title": format!("Report {n} through {base}"),
        "description": "A stack overflow in the web admin's login handler, reachable before authentication.",
        "product": "AX3000",
        "version": "1.0.4",
        "accept_policy": true,
    });
    let mut resp = agent()
        .post(format!("{base}/api/v1/programs/demo/reports"))
        .content_type("application/json")
        .send(body.to_string())
        .expect("submit");
    assert_eq!(resp.status().as_u16(), 201);
    let json: serde_json::Value = serde_json::from_str(&resp.body_mut().read_to_string().expect("body")).expect("json");
    json["receipt_id"].as_i64().expect("receipt_id")
}

fn me(base: &str, token: &str) -> serde_json::Value {
    let mut resp = agent()
        .get(format!("{base}/api/v1/me"))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .expect("me");
    assert_eq!(resp.status().as_u16(), 200, "{base}");
    serde_json::from_str(&resp.body_mut().read_to_string().expect("body")).expect("json")
}

fn now() -> Timestamp {
    let micros = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_micros();
    Timestamp::from_micros(i64::try_from(micros).expect("fits"))
}

#[tokio::test]
async fn several_instances_share_the_work_and_survive_losing_one() {
    let db = TestDb::new().await;
    let a = Server::start_demo(&db.url);
    let mut b = Server::start(&db.url);
    let _worker = Worker::start(&db.url);

    // State lives in the database: a token made once works on both servers, and reports
    // submitted through either are acknowledged and chained.
    let out = vulndesk(&["--database", &db.url, "admin", "token", "create", "--user", "admin"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let token = text(&out.stdout).split_whitespace().find(|w| w.starts_with("vd_")).expect("token").to_owned();
    assert_eq!(me(&a.url, &token)["user"]["username"], "admin");
    assert_eq!(me(&b.url, &token)["user"]["username"], "admin");
    let mut receipts: Vec<i64> = (0..4).flat_map(|n| [submit(&a.url, n), submit(&b.url, n)]).collect();
    receipts.sort_unstable();
    receipts.dedup();
    assert_eq!(receipts.len(), 8, "every submission got its own receipt: {receipts:?}");

    // Deliveries for the job runners to share.
    let (hook, seen) = slow_receiver();
    let org = db.store.org_by_slug("demo-networks").await.expect("org").expect("demo org").id;
    let ids: Vec<String> = (0..DELIVERIES).map(|n| format!("instances-test-{n:02}")).collect();
    for id in &ids {
        let d = NewDelivery {
            id: id.clone(),
            org,
            kind: "relay".into(),
            url: hook.clone(),
            bearer: String::new(),
            hmac_secret: "instances-test-key".into(),
            idempotency_key: format!("key-{id}"),
            body: serde_json::json!({"delivery": id}).to_string(),
            related: id.clone(),
        };
        db.store.queue_delivery(&d, &AuditContext::system(now())).await.expect("queue");
    }

    // Once all three runners hold a request, every one of them is mid-job: kill server b.
    let started = Instant::now();
    while seen.lock().expect("lock").most_at_once < 3 {
        assert!(started.elapsed() < Duration::from_secs(60), "three instances never sent at once");
        std::thread::sleep(Duration::from_millis(20));
    }
    b.kill();
    let killed_at = Instant::now();

    // Every delivery ends delivered: the dead instance's after its lease (60 s) ran out.
    let started = Instant::now();
    loop {
        let mut pending = 0;
        for id in &ids {
            let d = db.store.delivery(id).await.expect("read").expect("delivery");
            if d.status != "delivered" {
                pending += 1;
            }
        }
        if pending == 0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(150), "{pending} deliveries never delivered");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    let (arrivals, most_at_once, most_per_key) = {
        let s = seen.lock().expect("lock");
        (s.arrivals.clone(), s.most_at_once, s.most_per_key)
    };
    for id in &ids {
        let attempts = db.store.attempts_of(id).await.expect("attempts");
        assert_eq!(attempts.len(), 1, "{id}: exactly one recorded attempt: {attempts:?}");
        assert_eq!(attempts[0].status_code, 200);
        let key = format!("key-{id}");
        assert!(arrivals.iter().any(|(k, _)| *k == key), "{key} reached the receiver");
    }
    assert_eq!(most_per_key, 1, "no delivery was ever sent twice at once");
    let mut by_key: BTreeMap<&str, Vec<Instant>> = BTreeMap::new();
    for (k, at) in &arrivals {
        by_key.entry(k.as_str()).or_default().push(*at);
    }
    assert_eq!(by_key.len(), DELIVERIES, "only the queued keys arrived");
    let resent: Vec<_> = by_key.iter().filter(|(_, at)| at.len() > 1).collect();
    eprintln!(
        "{} arrivals for {DELIVERIES} deliveries, at most {} at once; sent again after the kill: {:?}",
        arrivals.len(),
        most_at_once,
        resent.iter().map(|(k, at)| (k, at[1].duration_since(at[0]))).collect::<Vec<_>>()
    );
    assert!(resent.len() <= 1, "only the killed instance's delivery may arrive again: {resent:?}");
    for (key, at) in &resent {
        assert_eq!(at.len(), 2, "{key}");
        assert!(at[0] < killed_at, "{key} was in flight when the instance died");
        assert!(
            at[1].duration_since(at[0]) >= Duration::from_secs(55),
            "{key} was sent again only after its lease ran out, not {:?} later",
            at[1].duration_since(at[0])
        );
    }

    // Nothing acknowledged was lost, and the chains hold.
    let out = vulndesk(&["--database", &db.url, "receipts", "verify"]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    let count: usize = text(&out.stdout).trim().strip_prefix("OK ").and_then(|n| n.parse().ok()).expect("OK n");
    assert!(count >= 8 + 3, "the demo's reports and the 8 submitted: {count}");
    let out = vulndesk(&["--database", &db.url, "audit", "verify"]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    // The surviving server still serves.
    assert_eq!(me(&a.url, &token)["user"]["username"], "admin");
}

/// Submits a report through `base`; the status and the `Retry-After` header.
fn try_submit(base: &str, n: usize) -> (u16, Option<String>) {
    let body = serde_json::json!({
        "title": format!("Flood {n}"),
        "description": "One more report from the same address.",
        "product": "AX3000",
        "accept_policy": true,
    });
    let resp = agent()
        .post(format!("{base}/api/v1/programs/demo/reports"))
        .content_type("application/json")
        .send(body.to_string())
        .expect("submit");
    let retry = resp.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_owned);
    (resp.status().as_u16(), retry)
}

#[tokio::test]
async fn intake_flood_limits_hold_for_the_whole_deployment_on_postgresql() {
    let db = TestDb::new().await;
    let limit = [("VULNDESK_INTAKE_PER_SOURCE_PER_MINUTE", "5")];
    let a = Server::start_with_env(&db.url, true, &limit);
    let b = Server::start_with_env(&db.url, false, &limit);
    // Eight submissions from one address, alternating between the two instances.
    let answers: Vec<(u16, Option<String>)> =
        (0..8).map(|n| try_submit(if n % 2 == 0 { &a.url } else { &b.url }, n)).collect();
    let accepted = answers.iter().filter(|(s, _)| *s == 201).count();
    let refused: Vec<_> = answers.iter().filter(|(s, _)| *s == 429).collect();
    assert_eq!(accepted + refused.len(), 8, "{answers:?}");
    for (_, retry) in &refused {
        let secs: u64 = retry.as_deref().expect("Retry-After").parse().expect("seconds");
        assert!((1..=60).contains(&secs), "{secs}");
    }
    if db.store.backend() == vulndesk_store::Backend::Postgres {
        // The count is in the database: five for the deployment, not five per instance.
        assert_eq!(accepted, 5, "{answers:?}");
    } else {
        // A SQLite file belongs to one process in a real deployment; each instance counts alone.
        assert_eq!(accepted, 8, "{answers:?}");
    }
}
