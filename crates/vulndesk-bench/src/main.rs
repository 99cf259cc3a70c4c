//! `intake-bench`: how many reports per second vulndesk stores durably.
//!
//! For each backend it opens a fresh database (SQLite in a new folder under `--dir`, or a new,
//! uniquely named PostgreSQL database on `VULNDESK_TEST_PG_URL`, default
//! `postgres://postgres@127.0.0.1:5432/`, dropped at the end), creates an organisation with a
//! triager and an anonymous program, starts the web application in this process on
//! `127.0.0.1:0`, and drives `POST /api/v1/programs/{slug}/reports` over real HTTP/1.1 keep-alive
//! connections at each concurrency for a fixed time. Only `201`s count: each one is a report and
//! its receipt committed to disk. It also measures the disk's raw fsync rate in the same folder
//! (append 4 KiB + `fdatasync`), since group commit is what lets intake beat it, and re-verifies
//! the receipt chain after each backend's run. For profiling it then calls `Store::submit`
//! directly at the same concurrencies (`--store-only false` skips that), which shows what the
//! group-commit writer can do without HTTP and the per-request reads in front of it.
//!
//! The server reads a benchmark clock (a fixed start moved on by a monotonic clock): in this
//! workspace only the `vulndesk` binary reads the system clock (`tidy.rs` checks it), and a
//! monotonic clock costs the same to read.
//!
//! ```sh
//! cargo run --release -p vulndesk-bench --bin intake-bench -- --seconds 10 --backends sqlite,postgres
//! ```

use std::collections::BTreeMap;
use std::io::{Seek, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use vulndesk_core::intake::{Program, ProgramScope};
use vulndesk_core::{
    AuditContext, Clock, Locale, OrgId, OrgKind, OutboxId, PersonRole, ProgramId, ReportId, Slug, Timestamp, UserId,
    Username,
};
use vulndesk_store::intake::{Inbound, InboundKind, NewOutbox, ReceiptCheck};
use vulndesk_store::testing::TestDb;
use vulndesk_store::{Backend, NewOrganisation, NewUser, OpenOptions, Store};

/// Flood-control quota high enough never to refuse a benchmark request.
const UNLIMITED_PER_MINUTE: u32 = 1_000_000_000;
/// The program the load goes to.
const PROGRAM: &str = "bench";
/// The description of every benchmark report (the HTTP body carries the same text).
const DESCRIPTION: &str = "A long username in the login form of the web administration interface overflows a \
     fixed-size stack buffer in the authentication handler. Sending 600 bytes of 'A' as the username crashes the \
     httpd process; with a crafted payload the return address is overwritten, which allows remote code execution \
     as root without authentication. The interface listens on the LAN by default and on the WAN when remote \
     management is enabled.";
/// Server threads are named so that their CPU time can be told apart from the client's.
const SERVER_THREADS: &str = "vd-server";

/// Measures durable intake throughput over HTTP on SQLite and PostgreSQL.
#[derive(Parser)]
#[command(name = "intake-bench")]
struct Args {
    /// Seconds of load per backend and concurrency.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Backends to measure, comma-separated: sqlite, postgres.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<String>,
    /// Concurrent connections, each with one request in flight, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,16,64")]
    concurrency: Vec<usize>,
    /// Folder for the SQLite database and the fsync probe (a fresh sub-folder is made and removed).
    #[arg(long, default_value = "/tmp")]
    dir: PathBuf,
    /// Seconds of the raw fsync measurement.
    #[arg(long, default_value_t = 3)]
    fsync_seconds: u64,
    /// Database connections (readers on SQLite, everything on PostgreSQL), as `max_connections`.
    #[arg(long, default_value_t = 8)]
    max_connections: u32,
    /// Also call `Store::submit` directly (no HTTP, no reads) at each concurrency, for profiling:
    /// it shows what the group-commit writer alone can do.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    store_only: bool,
}

/// The server's clock: a fixed start, 2026-01-01T00:00:00Z, moved on by a monotonic clock.
struct BenchClock {
    start: Timestamp,
    started: Instant,
}

impl Clock for BenchClock {
    fn now(&self) -> Timestamp {
        self.start.plus(self.started.elapsed())
    }
}

/// One cell of the table.
struct Row {
    backend: &'static str,
    /// `http`, or `store` for direct `Store::submit` calls.
    mode: &'static str,
    concurrency: usize,
    ok: u64,
    errors: u64,
    error_samples: Vec<String>,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
    cpu: BTreeMap<&'static str, f64>,
}

impl Row {
    fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }
}

fn main() -> ExitCode {
    vulndesk_bench::exit_code(run(&Args::parse()))
}

fn run(args: &Args) -> anyhow::Result<bool> {
    let backends = vulndesk_bench::parse_backends(&args.backends)?;
    if args.concurrency.contains(&0) {
        bail!("concurrency must be at least 1");
    }
    let work = args.dir.join(format!("vulndesk-intake-bench-{}-{:08x}", std::process::id(), rand::random::<u32>()));
    std::fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
    let result = run_in(args, &backends, &work);
    let _ = std::fs::remove_dir_all(&work);
    result
}

fn run_in(args: &Args, backends: &[Backend], work: &Path) -> anyhow::Result<bool> {
    // The server (and the store's writer) run on their own threads; the load runs on this one.
    let server_rt = tokio::runtime::Builder::new_multi_thread().thread_name(SERVER_THREADS).enable_all().build()?;
    let client_rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let duration = Duration::from_secs(args.seconds);

    eprintln!("measuring the fsync rate in {} for {} s…", work.display(), args.fsync_seconds);
    let fsync = fsync_rates(work, Duration::from_secs(args.fsync_seconds))?;

    let mut rows = Vec::new();
    let mut verdicts = Vec::new();
    let mut all_ok = true;
    for &backend in backends {
        let name = match backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        };
        // A PostgreSQL database made for this run and dropped when `_pg` goes; SQLite in `work`.
        let (url, _pg) = match backend {
            Backend::Sqlite => (format!("sqlite://{}", work.join("vulndesk.db").display()), None),
            Backend::Postgres => {
                let db = server_rt.block_on(TestDb::empty_on(Backend::Postgres));
                server_rt.block_on(db.store.close());
                (db.url.clone(), Some(db))
            }
        };
        let options = OpenOptions { max_connections: args.max_connections };
        let (store, addr, stop, served, target) = server_rt.block_on(async {
            let store = Store::open(&url, &options).await.with_context(|| format!("open {url}"))?;
            store.migrate().await.context("migrate")?;
            let clock: Arc<dyn Clock> =
                Arc::new(BenchClock { start: Timestamp::from_micros(1_767_225_600_000_000), started: Instant::now() });
            let target = prepare(&store, clock.now()).await.context("create the organisation and program")?;
            let web = vulndesk_web::WebConfig {
                intake: vulndesk_web::IntakeLimits {
                    per_source_per_minute: UNLIMITED_PER_MINUTE,
                    per_program_per_minute: UNLIMITED_PER_MINUTE,
                    ..vulndesk_web::IntakeLimits::default()
                },
                ..vulndesk_web::WebConfig::default()
            };
            let state = vulndesk_web::AppState::new(store.clone(), clock, web);
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let addr = listener.local_addr()?;
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let served = tokio::spawn(vulndesk_web::serve(listener, state, async {
                let _ = stopped.await;
            }));
            anyhow::Ok((store, addr, stop, served, target))
        })?;

        let mut total_ok = 0;
        let mut total_errors = 0;
        let modes: &[&'static str] = if args.store_only { &["http", "store"] } else { &["http"] };
        for &mode in modes {
            for &c in &args.concurrency {
                eprintln!("{name} ({mode}): {c} concurrent for {} s…", args.seconds);
                let before = cpu_by_group();
                let run = if mode == "http" {
                    client_rt.block_on(drive(addr, c, duration))
                } else {
                    server_rt.block_on(drive_store(&store, &target, c, duration))
                };
                let after = cpu_by_group();
                let cpu = after
                    .iter()
                    .map(|(g, t)| (*g, (t - before.get(g).copied().unwrap_or(0.0)) / run.elapsed.as_secs_f64()))
                    .collect();
                total_ok += run.ok;
                total_errors += run.errors;
                rows.push(Row {
                    backend: name,
                    mode,
                    concurrency: c,
                    ok: run.ok,
                    errors: run.errors,
                    error_samples: run.error_samples,
                    elapsed: run.elapsed,
                    p50: run.p50,
                    p99: run.p99,
                    cpu,
                });
            }
        }

        let verdict = server_rt.block_on(async {
            let _ = stop.send(());
            match tokio::time::timeout(Duration::from_secs(10), served).await {
                Ok(Ok(Ok(()))) => {}
                Ok(Ok(Err(e))) => eprintln!("{name}: the server stopped with an error: {e}"),
                Ok(Err(e)) => eprintln!("{name}: the server task failed: {e}"),
                Err(_) => eprintln!("{name}: the server did not stop within 10 s"),
            }
            let check = store.receipts_verify().await;
            store.close().await;
            check
        })?;
        let line = match verdict {
            ReceiptCheck::Ok { count, .. } if count == total_ok => {
                format!(
                    "{name}: receipts verify OK {count} (= {total_ok} acknowledged submissions + 0, HTTP and direct)"
                )
            }
            ReceiptCheck::Ok { count, .. } => {
                all_ok = false;
                format!(
                    "{name}: receipts verify OK {count}, but {total_ok} submissions were acknowledged \
                     ({total_errors} errors): MISMATCH"
                )
            }
            ReceiptCheck::Broken(b) => {
                all_ok = false;
                format!("{name}: receipts verify BROKEN at sequence {}: {}", b.seq, b.reason)
            }
        };
        eprintln!("{line}");
        verdicts.push(line);
    }

    println!();
    println!("| backend | concurrency | submissions/s | p50 ms | p99 ms | errors |");
    println!("|---|---:|---:|---:|---:|---:|");
    for r in rows.iter().filter(|r| r.mode == "http") {
        println!(
            "| {} | {} | {:.0} | {:.2} | {:.2} | {} |",
            r.backend,
            r.concurrency,
            r.rate(),
            r.p50.as_secs_f64() * 1000.0,
            r.p99.as_secs_f64() * 1000.0,
            r.errors
        );
    }
    println!();
    let ratios: Vec<String> = rows
        .iter()
        .filter(|r| r.mode == "http")
        .map(|r| format!("{} c={} {:.2}", r.backend, r.concurrency, r.rate() / fsync.append))
        .collect();
    println!(
        "fsync: {:.0} fsyncs/s (append 4 KiB + fdatasync in {}; {:.0}/s overwriting one 4 KiB block in place)",
        fsync.append,
        work.display(),
        fsync.overwrite
    );
    println!("submissions/s ÷ fsyncs/s: {}", ratios.join(", "));
    for v in &verdicts {
        println!("{v}");
    }
    println!();
    println!(
        "Profile: `http` is the table above; `store` calls Store::submit directly (no HTTP, no per-request \
         reads). CPU is in cores busy, by thread: server = the tokio runtime (HTTP, JSON, hashing, sqlx, the \
         intake writer task), sqlite = sqlx's SQLite connection threads, client = the load generator \
         (PostgreSQL's own processes are not counted)."
    );
    println!();
    println!(
        "| backend | mode | concurrency | accepted/s | p50 ms | p99 ms | accepted | seconds | server | sqlite | client |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        let g = |k: &str| r.cpu.get(k).copied().unwrap_or(0.0);
        println!(
            "| {} | {} | {} | {:.0} | {:.2} | {:.2} | {} | {:.1} | {:.2} | {:.2} | {:.2} |",
            r.backend,
            r.mode,
            r.concurrency,
            r.rate(),
            r.p50.as_secs_f64() * 1000.0,
            r.p99.as_secs_f64() * 1000.0,
            r.ok,
            r.elapsed.as_secs_f64(),
            g("server"),
            g("sqlite"),
            g("client")
        );
    }
    for r in rows.iter().filter(|r| !r.error_samples.is_empty()) {
        println!("{} {} c={} errors, for example: {}", r.backend, r.mode, r.concurrency, r.error_samples.join(" | "));
    }
    let goal =
        rows.iter().filter(|r| r.backend == "sqlite" && r.mode == "http" && r.concurrency == 64).map(Row::rate).next();
    if let Some(rate) = goal {
        println!();
        println!(
            "goal ≥ 5000 durable reports/s on SQLite at concurrency 64: {:.0}/s, {}",
            rate,
            if rate >= 5000.0 { "met" } else { "NOT met" }
        );
    }
    Ok(all_ok && rows.iter().all(|r| r.errors == 0))
}

/// Where the direct submissions go.
struct Target {
    org: OrgId,
    program: ProgramId,
}

/// An organisation with one triager (so every report queues the team's notice, as in real use)
/// and an anonymous program for its own products.
async fn prepare(store: &Store, now: Timestamp) -> anyhow::Result<Target> {
    let ctx = AuditContext::system(now);
    let org = store
        .create_org(
            &NewOrganisation {
                id: OrgId::mint(now, rand::random()),
                slug: Slug::parse("bench-networks")?,
                name: "Bench Networks".into(),
                kinds: vec![OrgKind::Provider],
            },
            &ctx,
        )
        .await?;
    let password = format!("bench-{:016x}", rand::random::<u64>());
    let user = store
        .create_user(
            &NewUser {
                id: UserId::mint(now, rand::random()),
                username: Username::parse("triager")?,
                display_name: "Triager".into(),
                email: "psirt@bench.example".into(),
                password_hash: vulndesk_web::hash_password(&password).map_err(anyhow::Error::msg)?,
                site_admin: false,
                locale: Some(Locale::En),
            },
            &ctx,
        )
        .await?;
    store.add_membership(org.id, user.id, PersonRole::Triager, &ctx).await?;
    let program = Program {
        id: ProgramId::mint(now, rand::random()),
        org: org.id,
        slug: Slug::parse(PROGRAM)?,
        name: "Bench Networks PSIRT".into(),
        scope: ProgramScope::OwnProducts,
        scope_note: "Benchmark".into(),
        policy_zh: "基准测试。".into(),
        policy_en: "Benchmark.".into(),
        safe_harbour_zh: String::new(),
        safe_harbour_en: String::new(),
        anonymous: true,
        ack_sla_hours: 72,
        languages: Locale::ALL.to_vec(),
        filing_exempt: false,
        closed_reason: None,
        created_at: now,
    };
    store.create_program(&program, &ctx).await?;
    Ok(Target { org: org.id, program: program.id })
}

/// What one load run measured.
struct Run {
    ok: u64,
    errors: u64,
    error_samples: Vec<String>,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
}

/// What one connection measured.
#[derive(Default)]
struct WorkerTally {
    latencies_us: Vec<u32>,
    errors: u64,
    error_samples: Vec<String>,
}

impl WorkerTally {
    fn error(&mut self, e: String) {
        self.errors += 1;
        if self.error_samples.len() < 3 {
            self.error_samples.push(e);
        }
    }
}

/// `concurrency` connections, each sending one submission after another until `duration` is up.
/// The time counted runs until the last answer, so requests in flight at the deadline count.
async fn drive(addr: SocketAddr, concurrency: usize, duration: Duration) -> Run {
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = tokio::task::JoinSet::new();
    for w in 0..concurrency {
        workers.spawn(worker(addr, w, deadline));
    }
    collect(workers, started).await
}

/// Waits for every worker and merges what they measured.
async fn collect(mut workers: tokio::task::JoinSet<WorkerTally>, started: Instant) -> Run {
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut error_samples = Vec::new();
    while let Some(done) = workers.join_next().await {
        match done {
            Ok(t) => {
                latencies.extend(t.latencies_us);
                errors += t.errors;
                error_samples.extend(t.error_samples);
            }
            Err(e) => {
                errors += 1;
                error_samples.push(format!("worker failed: {e}"));
            }
        }
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    error_samples.truncate(5);
    Run {
        ok: latencies.len() as u64,
        errors,
        error_samples,
        elapsed,
        p50: percentile(&latencies, 0.50),
        p99: percentile(&latencies, 0.99),
    }
}

fn percentile(sorted_us: &[u32], q: f64) -> Duration {
    if sorted_us.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted_us.len() - 1) as f64 * q).round() as usize;
    Duration::from_micros(u64::from(sorted_us[i.min(sorted_us.len() - 1)]))
}

/// `concurrency` tasks calling [`Store::submit`] one after another until `duration` is up, with
/// what the API handler would pass: the canonical payload, the report, and the team's notice.
async fn drive_store(store: &Store, target: &Target, concurrency: usize, duration: Duration) -> Run {
    let started = Instant::now();
    let deadline = started + duration;
    let clock = BenchClock { start: Timestamp::from_micros(1_767_225_600_000_000), started };
    let clock = Arc::new(clock);
    let mut workers = tokio::task::JoinSet::new();
    for w in 0..concurrency {
        let (store, clock, org, program) = (store.clone(), clock.clone(), target.org, target.program);
        workers.spawn(async move {
            let mut tally = WorkerTally::default();
            let mut n = 0u64;
            while Instant::now() < deadline {
                n += 1;
                let inbound = inbound(org, program, clock.now(), w, n);
                let sent = Instant::now();
                match store.submit(inbound).await {
                    Ok(_) => tally.latencies_us.push(u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX)),
                    Err(e) => tally.error(format!("submit: {e}")),
                }
            }
            tally
        });
    }
    collect(workers, started).await
}

/// A new report as the API handler hands it to the store.
fn inbound(org: OrgId, program: ProgramId, now: Timestamp, w: usize, n: u64) -> Inbound {
    use vulndesk_core::intake::{Channel, Report, ReportStatus};
    let body = submission(w, n);
    let report = Report {
        id: ReportId::from_uuid(uuid::Builder::from_random_bytes(rand::random()).into_uuid()),
        program,
        org,
        title: format!("Stack overflow in the web admin login handler (bench {w}-{n})"),
        description: DESCRIPTION.into(),
        product: "AX3000".into(),
        version: "1.0.4 build 20250311".into(),
        cwe: Some("CWE-121".into()),
        reproduction: "curl -d username=AAAA… http://192.168.0.1/login".into(),
        impact: "Unauthenticated remote code execution as root.".into(),
        contact: String::new(),
        credit_name: String::new(),
        language: Locale::En,
        status: ReportStatus::New,
        status_reason: String::new(),
        received_at: now,
        acknowledged_at: None,
        receipt_seq: 0,
    };
    let token: [u8; 32] = rand::random();
    Inbound {
        received_at: now,
        channel: Channel::Api,
        org,
        program: Some(program),
        source: "127.0.0.1".into(),
        user_agent: String::new(),
        payload: body.into_bytes(),
        kind: InboundKind::NewReport {
            tracking_hash: hex::encode(vulndesk_core::chain::sha256(hex::encode(token).as_bytes())),
            report: Box::new(report),
        },
        attachments: Vec::new(),
        outbox: vec![NewOutbox {
            id: OutboxId::from_uuid(uuid::Builder::from_random_bytes(rand::random()).into_uuid()),
            org: Some(org),
            channel: "email",
            template: "report.received.team",
            recipient: "psirt@bench.example".into(),
            subject: "New report for Bench Networks PSIRT".into(),
            body: "A new report arrived for Bench Networks PSIRT.".into(),
            related: None,
        }],
    }
}

type Sender = http1::SendRequest<Full<Bytes>>;

async fn connect(addr: SocketAddr) -> anyhow::Result<(Sender, tokio::task::JoinHandle<()>)> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
    let driver = tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok((sender, driver))
}

/// A report of a realistic size (about 1 KiB of JSON), different on every request.
fn submission(worker: usize, n: u64) -> String {
    format!(
        concat!(
            r#"{{"title":"Stack overflow in the web admin login handler (bench {}-{})","#,
            r#""description":"A long username in the login form of the web administration interface overflows a "#,
            r#"fixed-size stack buffer in the authentication handler. Sending 600 bytes of 'A' as the username "#,
            r#"crashes the httpd process; with a crafted payload the return address is overwritten, which allows "#,
            r#"remote code execution as root without authentication. The interface listens on the LAN by default "#,
            r#"and on the WAN when remote management is enabled.","#,
            r#""product":"AX3000","version":"1.0.4 build 20250311","cwe":"CWE-121","#,
            r#""reproduction":"curl -d username=$(python3 -c 'print(\"A\"*600)') http://192.168.0.1/login","#,
            r#""impact":"Unauthenticated remote code execution as root.","language":"en","accept_policy":true}}"#
        ),
        worker, n
    )
}

async fn worker(addr: SocketAddr, w: usize, deadline: Instant) -> WorkerTally {
    let mut tally = WorkerTally::default();
    let mut conn: Option<(Sender, tokio::task::JoinHandle<()>)> = None;
    let path = format!("/api/v1/programs/{PROGRAM}/reports");
    let host = addr.to_string();
    let mut n = 0u64;
    while Instant::now() < deadline {
        let (sender, _) = match &mut conn {
            Some(c) => c,
            None => match connect(addr).await {
                Ok(c) => conn.insert(c),
                Err(e) => {
                    tally.error(format!("connect: {e}"));
                    // Do not spin on a server that refuses connections.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        n += 1;
        let request = hyper::Request::builder()
            .method(hyper::Method::POST)
            .uri(path.as_str())
            .header(hyper::header::HOST, host.as_str())
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(submission(w, n))));
        let request = match request {
            Ok(r) => r,
            Err(e) => {
                tally.error(format!("request: {e}"));
                break;
            }
        };
        let sent = Instant::now();
        let answer = async {
            sender.ready().await?;
            let response = sender.send_request(request).await?;
            let status = response.status();
            let body = response.into_body().collect().await?.to_bytes();
            Ok::<_, hyper::Error>((status, body))
        }
        .await;
        let took = sent.elapsed();
        match answer {
            Ok((status, _)) if status == hyper::StatusCode::CREATED => {
                tally.latencies_us.push(u32::try_from(took.as_micros()).unwrap_or(u32::MAX));
            }
            Ok((status, body)) => {
                let body = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
                tally.error(format!("{status}: {body}"));
            }
            Err(e) => {
                tally.error(format!("http: {e}"));
                conn = None;
            }
        }
    }
    // Close the connection while this runtime still runs, so the server can stop gracefully.
    if let Some((sender, driver)) = conn {
        drop(sender);
        let _ = driver.await;
    }
    tally
}

/// The disk's fsync rates in `dir`.
struct FsyncRates {
    /// Appending 4 KiB and `fdatasync` (the file grows, so its size is synced too).
    append: f64,
    /// Overwriting one 4 KiB block and `fdatasync` (data only, as a reused WAL does).
    overwrite: f64,
}

fn fsync_rates(dir: &Path, duration: Duration) -> anyhow::Result<FsyncRates> {
    let path = dir.join("fsync-probe.bin");
    let block = [0x5a_u8; 4096];
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    let rate = |file: &mut std::fs::File, rewind: bool| -> anyhow::Result<f64> {
        let started = Instant::now();
        let mut n = 0u64;
        while started.elapsed() < duration {
            if rewind {
                file.rewind()?;
            }
            file.write_all(&block)?;
            file.sync_data()?;
            n += 1;
        }
        Ok(n as f64 / started.elapsed().as_secs_f64())
    };
    let append = rate(&mut file, false)?;
    let overwrite = rate(&mut file, true)?;
    drop(file);
    let _ = std::fs::remove_file(&path);
    Ok(FsyncRates { append, overwrite })
}

/// CPU seconds used so far by this process's live threads, by group: the server's runtime
/// (HTTP, JSON, hashing, the sqlx driver and the intake writer), SQLite's connection threads
/// (SQL execution), the client (this thread) and the rest. From `/proc/self/task/*/stat`.
fn cpu_by_group() -> BTreeMap<&'static str, f64> {
    const TICKS_PER_SECOND: f64 = 100.0;
    let mut out = BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    let main_name = std::fs::read_to_string("/proc/self/comm").unwrap_or_default().trim().to_owned();
    for task in tasks.flatten() {
        let dir = task.path();
        let name = std::fs::read_to_string(dir.join("comm")).unwrap_or_default().trim().to_owned();
        let Ok(stat) = std::fs::read_to_string(dir.join("stat")) else { continue };
        // Fields after the `(comm)`: state is the first, utime the 12th and stime the 13th.
        let Some((_, rest)) = stat.rsplit_once(") ") else { continue };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
        let seconds = (ticks(11) + ticks(12)) / TICKS_PER_SECOND;
        let group = if name.starts_with(SERVER_THREADS) {
            "server"
        } else if name.starts_with("sqlx-sqlite") {
            "sqlite"
        } else if name == main_name {
            "client"
        } else {
            "other"
        };
        *out.entry(group).or_insert(0.0) += seconds;
    }
    out
}
