//! Crash safety of intake: a `201` means the report is durably stored. The test floods a real
//! `vulndesk serve --demo` with concurrent JSON submissions, kills it with SIGKILL midway, restarts
//! it on the same database and checks that every acknowledged report is there with its receipt,
//! that the receipt chain verifies, and that intake carries on where the chain left off. Runs on
//! the backend under test (`VULNDESK_TEST_DATABASE`). A second test does the same to case updates
//! (verification records); the outbox's crash safety is `instances.rs` (an instance killed in the
//! middle of a delivery).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use common::{Server, text, vulndesk};
use vulndesk_store::testing::TestDb;

/// Submissions sent before and during the crash.
const TOTAL: usize = 320;
/// Threads sending them.
const THREADS: usize = 16;
/// The server is killed once this many submissions have been acknowledged.
const KILL_AFTER: usize = TOTAL / 2;
/// Reports the demo data set submits itself.
const DEMO_REPORTS: u64 = 3;
/// Submissions sent after the restart.
const AFTER_RESTART: usize = 5;

/// `vulndesk receipts verify` on `database`: the count after `OK`, or a failure naming the output.
fn receipts_verify(database: &str, when: &str) -> u64 {
    let out = vulndesk(&["--database", database, "receipts", "verify"]);
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "receipts verify {when} failed (exit {:?}): {stdout} {}",
        out.status.code(),
        text(&out.stderr)
    );
    stdout
        .trim()
        .strip_prefix("OK ")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("receipts verify {when} prints `OK <count>`, not {stdout:?}"))
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn title_of(n: usize) -> String {
    format!("Crash test report {n}")
}

/// What became of one submission.
#[derive(Debug)]
enum Outcome {
    /// `201` with its receipt.
    Acked { receipt_id: i64, token: String },
    /// Any other HTTP answer: never expected.
    Status(u16, String),
    /// No answer (connection refused or reset), and when that was noticed.
    Transport(String, Instant),
}

fn submit(http: &ureq::Agent, base: &str, n: usize) -> Outcome {
    let body = serde_json::json!({
        "title": title_of(n),
        "description": format!("Submission {n} of the crash test: a stack overflow in the web admin's login handler."),
        "product": "AX3000",
        "version": "1.0.4",
        "accept_policy": true,
    });
    let resp = http
        .post(format!("{base}/api/v1/programs/demo/reports"))
        .content_type("application/json")
        .send(body.to_string());
    let mut resp = match resp {
        Ok(r) => r,
        Err(e) => return Outcome::Transport(e.to_string(), Instant::now()),
    };
    let status = resp.status().as_u16();
    let text = match resp.body_mut().read_to_string() {
        Ok(t) => t,
        // The answer was cut off: as good as no answer.
        Err(e) => return Outcome::Transport(format!("{status} with a cut-off body: {e}"), Instant::now()),
    };
    if status != 201 {
        return Outcome::Status(status, text);
    }
    let json: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("a 201's body is JSON ({e}): {text}"));
    let receipt_id = json["receipt_id"].as_i64().unwrap_or_else(|| panic!("a 201 names its receipt_id: {text}"));
    let token = json["tracking_token"].as_str().unwrap_or_else(|| panic!("a 201 has a tracking_token: {text}"));
    Outcome::Acked { receipt_id, token: token.to_owned() }
}

/// The acknowledged submissions of a run: number → (receipt id, tracking token).
type Acked = BTreeMap<usize, (i64, String)>;

/// Floods the server, kills it midway, and returns what was acknowledged.
fn flood_and_kill(server: &mut Server) -> Acked {
    let next = Arc::new(AtomicUsize::new(0));
    let (acks, acked_rx) = mpsc::channel::<()>();
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let (next, acks, base) = (next.clone(), acks.clone(), server.url.clone());
            std::thread::spawn(move || {
                let http = agent();
                let mut outcomes = Vec::new();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= TOTAL {
                        return outcomes;
                    }
                    let outcome = submit(&http, &base, n);
                    if matches!(outcome, Outcome::Acked { .. }) {
                        let _ = acks.send(());
                    }
                    outcomes.push((n, outcome));
                }
            })
        })
        .collect();
    drop(acks);

    let mut seen = 0;
    while seen < KILL_AFTER {
        match acked_rx.recv_timeout(Duration::from_secs(30)) {
            Ok(()) => seen += 1,
            // Every worker finished, or nothing moves: the checks below say what went wrong.
            Err(_) => break,
        }
    }
    let killed_at = Instant::now();
    server.kill();

    let mut outcomes: Vec<(usize, Outcome)> =
        workers.into_iter().flat_map(|w| w.join().expect("a submitting thread panicked")).collect();
    outcomes.sort_by_key(|(n, _)| *n);
    assert_eq!(outcomes.len(), TOTAL, "every submission has an outcome");

    let statuses: Vec<String> = outcomes
        .iter()
        .filter_map(|(n, o)| match o {
            Outcome::Status(status, body) => Some(format!("#{n}: {status} {body}")),
            _ => None,
        })
        .collect();
    assert!(statuses.is_empty(), "{} submissions got an answer other than 201: {statuses:#?}", statuses.len());
    let early: Vec<String> = outcomes
        .iter()
        .filter_map(|(n, o)| match o {
            Outcome::Transport(e, at) if *at < killed_at => Some(format!("#{n}: {e}")),
            _ => None,
        })
        .collect();
    assert!(early.is_empty(), "submissions failed before the server was killed: {early:#?}");
    let cut_off = outcomes.iter().find_map(|(_, o)| match o {
        Outcome::Transport(e, _) => Some(e.clone()),
        _ => None,
    });

    let acked: Acked = outcomes
        .into_iter()
        .filter_map(|(n, o)| match o {
            Outcome::Acked { receipt_id, token } => Some((n, (receipt_id, token))),
            _ => None,
        })
        .collect();
    let failed = TOTAL - acked.len();
    eprintln!(
        "crash test: {} acknowledged, {failed} cut off by the kill (killed after {seen} acks; first failure: {})",
        acked.len(),
        cut_off.as_deref().unwrap_or("none")
    );
    assert!(seen >= KILL_AFTER, "only {seen} of {TOTAL} submissions were acknowledged before the flood stopped");
    assert!(failed > 0, "all {TOTAL} submissions finished before the kill: the crash interrupted nothing");

    let receipts: BTreeSet<i64> = acked.values().map(|(r, _)| *r).collect();
    assert_eq!(receipts.len(), acked.len(), "two acknowledged submissions share a receipt_id");
    let tokens: BTreeSet<&str> = acked.values().map(|(_, t)| t.as_str()).collect();
    assert_eq!(tokens.len(), acked.len(), "two acknowledged submissions share a tracking token");
    acked
}

/// After the restart: every acknowledged report is there, under its receipt; then a few more
/// submissions continue the chain. Returns the receipts of those.
fn check_after_restart(server: &Server, acked: &Acked) -> Vec<i64> {
    let http = agent();
    for (n, (receipt_id, token)) in acked {
        let mut resp = http
            .get(format!("{}/api/v1/tracking/{token}", server.url))
            .call()
            .unwrap_or_else(|e| panic!("tracking submission {n} after the restart: {e}"));
        let status = resp.status().as_u16();
        let body = resp.body_mut().read_to_string().expect("tracking body");
        assert_eq!(status, 200, "acknowledged submission {n} (receipt {receipt_id}) is lost after the crash: {body}");
        let json: serde_json::Value = serde_json::from_str(&body).expect("tracking JSON");
        assert_eq!(json["receipt_id"].as_i64(), Some(*receipt_id), "submission {n} has another receipt now: {body}");
        assert_eq!(json["title"].as_str(), Some(title_of(*n).as_str()), "submission {n} is another report: {body}");
    }
    let highest = acked.values().map(|(r, _)| *r).max().unwrap_or(0);
    let mut more = Vec::new();
    for n in TOTAL..TOTAL + AFTER_RESTART {
        match submit(&http, &server.url, n) {
            Outcome::Acked { receipt_id, .. } => {
                assert!(receipt_id > highest, "receipt {receipt_id} after the restart reuses a number (≤ {highest})");
                more.push(receipt_id);
            }
            other => panic!("submission {n} after the restart was not accepted: {other:?}"),
        }
    }
    let distinct: BTreeSet<i64> = more.iter().copied().collect();
    assert_eq!(distinct.len(), more.len(), "submissions after the restart share receipts: {more:?}");
    more
}

#[tokio::test(flavor = "multi_thread")]
async fn acknowledged_reports_survive_sigkill_and_the_receipt_chain_verifies() {
    let started = Instant::now();
    let db = TestDb::empty_on(vulndesk_store::testing::backend_under_test()).await;
    // The server process is the database's only user while it runs and when it dies.
    db.store.close().await;
    let url = db.url.clone();

    let scenario = {
        let url = url.clone();
        tokio::task::spawn_blocking(move || {
            let mut first = Server::start_demo(&url);
            assert!(first.stdout.contains("demo data loaded"), "{}", first.stdout);
            let acked = flood_and_kill(&mut first);

            // The database as the crash left it.
            let count = receipts_verify(&url, "right after the crash");
            assert!(
                count >= acked.len() as u64 + DEMO_REPORTS,
                "the receipt log holds {count} receipts, fewer than the {} acknowledged + {DEMO_REPORTS} demo reports",
                acked.len()
            );

            let second = Server::start_demo(&url);
            assert!(second.stdout.contains("demo data was loaded earlier"), "{}", second.stdout);
            let more = check_after_restart(&second, &acked);
            let after = receipts_verify(&url, "after the restart");
            assert_eq!(after, count + more.len() as u64, "the submissions after the restart extend the chain");
            drop(second);
            (acked, count)
        })
    };
    let (acked, count) = match scenario.await {
        Ok(v) => v,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    };

    // The same, straight from the store: each tracking token finds its report under its receipt.
    let store = vulndesk_store::Store::open(&url, &vulndesk_store::OpenOptions::default()).await.expect("reopen");
    for (n, (receipt_id, token)) in &acked {
        let hash = hex::encode(vulndesk_core::chain::sha256(token.as_bytes()));
        let report = store.report_by_tracking(&hash).await.expect("report_by_tracking");
        let report = report.unwrap_or_else(|| panic!("acknowledged submission {n} is not in the store"));
        assert_eq!(report.receipt_seq, *receipt_id, "submission {n}");
        assert_eq!(report.title, title_of(*n));
    }
    match store.receipts_verify().await.expect("receipts_verify") {
        vulndesk_store::intake::ReceiptCheck::Ok { count: c, .. } => {
            assert_eq!(c, count + AFTER_RESTART as u64, "receipt count seen by the store");
        }
        vulndesk_store::intake::ReceiptCheck::Broken(b) => {
            panic!("the receipt chain is broken at {}: {}", b.seq, b.reason)
        }
    }
    store.close().await;
    eprintln!("crash test: {} acknowledged reports survived; {count} receipts; {:?}", acked.len(), started.elapsed());
}

/// Case updates survive a crash the same way: verification records are added to a demo case by
/// 8 threads over the API; the server is killed with SIGKILL midway; after a restart every
/// acknowledged record is in the store exactly once and the audit chain verifies.
#[tokio::test]
async fn acknowledged_case_updates_survive_sigkill_and_the_audit_chain_verifies() {
    const UPDATES: usize = 160;
    const KILL_AT: usize = 60;
    let db = TestDb::new().await;
    let url = db.url.clone();
    let mut server = Server::start_demo(&url);
    let out = vulndesk(&["--database", &url, "admin", "token", "create", "--user", "li.wei", "--org", "demo-networks"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let token = text(&out.stdout).split_whitespace().find(|w| w.starts_with("vd_")).expect("token").to_owned();
    let endpoint = format!("{}/api/v1/organisations/demo-networks/cases/VD-2026-0001/verifications", server.url);

    let next = Arc::new(AtomicUsize::new(0));
    let (acks, acked_rx) = mpsc::channel::<()>();
    let workers: Vec<_> = (0..8)
        .map(|_| {
            let (next, acks, endpoint, token) = (next.clone(), acks.clone(), endpoint.clone(), token.clone());
            std::thread::spawn(move || {
                let http = agent();
                let mut acked = Vec::new();
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= UPDATES {
                        return acked;
                    }
                    let body = serde_json::json!({"environment": "crash lab", "method": format!("crash-{n}"),
                        "result": "reboot", "reproduced": true});
                    let resp = http
                        .post(&endpoint)
                        .header("Authorization", &format!("Bearer {token}"))
                        .content_type("application/json")
                        .send(body.to_string());
                    // Cut off by the kill (no answer, or a cut-off one): not acknowledged, and may
                    // or may not be stored.
                    let Ok(mut r) = resp else { continue };
                    let status = r.status().as_u16();
                    let whole = r.body_mut().read_to_string().is_ok();
                    if status == 201 && whole {
                        acked.push(n);
                        let _ = acks.send(());
                    } else if whole {
                        panic!("update {n}: HTTP {status}");
                    }
                }
            })
        })
        .collect();
    drop(acks);
    let mut seen = 0;
    while seen < KILL_AT && acked_rx.recv_timeout(Duration::from_secs(30)).is_ok() {
        seen += 1;
    }
    server.kill();
    let acked: BTreeSet<usize> = workers.into_iter().flat_map(|w| w.join().expect("a thread panicked")).collect();
    assert!(acked.len() >= KILL_AT, "only {} acknowledged before the kill", acked.len());
    assert!(acked.len() < UPDATES, "every update finished before the kill: the crash interrupted nothing");

    // Restarted on the same database: every acknowledged record is there, once.
    let second = Server::start_demo(&url);
    let org = db.store.org_by_slug("demo-networks").await.expect("org").expect("demo org");
    let case = db.store.case_by_number(org.id, "VD-2026-0001").await.expect("case").expect("demo case");
    let stored: Vec<String> = db
        .store
        .verifications_of(case.id)
        .await
        .expect("verifications")
        .into_iter()
        .map(|v| v.method)
        .filter(|m| m.starts_with("crash-"))
        .collect();
    let distinct: BTreeSet<&String> = stored.iter().collect();
    assert_eq!(distinct.len(), stored.len(), "no record is stored twice");
    for n in &acked {
        assert!(stored.contains(&format!("crash-{n}")), "acknowledged update {n} is lost after the crash");
    }
    eprintln!("case crash test: {} acknowledged, {} stored", acked.len(), stored.len());
    let out = vulndesk(&["--database", &url, "audit", "verify"]);
    assert!(out.status.success(), "the audit chain after the crash: {}", text(&out.stdout));
    drop(second);
}
