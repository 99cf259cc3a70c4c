//! `load-bench`: mixed reads and writes against the real `vulndesk` binary at a fixed request
//! rate, on SQLite and PostgreSQL, with the server's memory sampled throughout.
//!
//! For each backend it makes a fresh database (SQLite in a new folder under `--dir`, or a new,
//! uniquely named PostgreSQL database on `VULNDESK_TEST_PG_URL`, default
//! `postgres://postgres@127.0.0.1:5432/`, dropped at the end), starts
//! `vulndesk --database URL serve --demo --listen 127.0.0.1:0` as its own process (built first
//! with `cargo build --release -p vulndesk-cli` unless `--server-bin` names one), with intake
//! flood control out of the way and `RUST_LOG=warn`, and reads the URL from the line
//! `… is listening on URL …`. It then makes an API token for `li.wei`, a triager of the demo
//! organisation `demo-networks` (`vulndesk admin token create`), checks every route of the mix once,
//! and drives the load.
//!
//! The load is an open loop: request *i* is due at `start + i / rate`, whatever happened to the
//! ones before it, and goes out on the first free connection of a pool of `--connections`
//! HTTP/1.1 keep-alive connections (one request in flight on each). Latency is measured from the
//! time a request was *due*, not from when it was sent, so a stall of the server (or a pool
//! that is all busy) shows up in the latency of every request that waited for it: no coordinated
//! omission. The first `--warmup` seconds are not counted; then `--seconds` are. A request
//! counts for the window it was due in; its answer may come later.
//!
//! The mix (each request draws its route at random with these weights):
//!
//! | share | route | |
//! |---:|---|---|
//! | 15 % | `GET /api/v1/organisations/demo-networks/cases` | token |
//! | 15 % | `GET /api/v1/organisations/demo-networks/cases/VD-2026-0001` | token |
//! | 10 % | `GET /api/v1/me` | token |
//! | 10 % | `GET /advisories` | public HTML page |
//! | 10 % | `GET /.well-known/csaf/provider-metadata.json` | public |
//! | 10 % | `GET /healthz` | public |
//! | 25 % | `POST /api/v1/programs/demo/reports` | public intake, about 1 KiB of JSON, a new report each time (`201` after the durable commit) |
//! | 5 % | `POST /api/v1/organisations/demo-networks/reports/{id}/triage` | token; `{"action":"reply",…}` on one report the benchmark submitted before the load |
//!
//! That is 70 % reads and 30 % writes. Any answer other than the route's `2xx`, any transport
//! failure and any request unanswered after 30 s is an error.
//!
//! The server's resident memory (`VmRSS` in `/proc/PID/status`) and CPU time are sampled every
//! second; the table gives the RSS at the start of the counted window (after the warm-up), in its
//! middle, at its end and its maximum. The target, per backend: p99 under 100 ms, no error, and
//! at least 95 % of the asked rate answered. The table is printed either way; the exit code is 1
//! when a backend misses it. Memory is reported, not judged.
//!
//! ```sh
//! cargo run --release -p vulndesk-bench --bin load-bench -- --seconds 60
//! cargo run --release -p vulndesk-bench --bin load-bench -- --backends sqlite --rate 500 --out load.md
//! ```

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use vulndesk_store::Backend;
use vulndesk_store::testing::TestDb;

/// The demo organisation the token is limited to.
const ORG: &str = "demo-networks";
/// The demo triager the token acts for.
const USER: &str = "li.wei";
/// The demo's anonymous public program.
const PROGRAM: &str = "demo";
/// The demo accounts' and the administrator's password (at least 12 characters).
const PASSWORD: &str = "load-bench-password-2026";
/// Intake flood control high enough never to refuse a benchmark request.
const UNLIMITED_PER_MINUTE: &str = "100000000";
/// A request not answered by then is an error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The p99 the target asks for.
const P99_TARGET: Duration = Duration::from_millis(100);
/// Share of the asked rate that must be answered.
const RATE_TARGET: f64 = 0.95;

/// Mixed reads and writes at a fixed rate against the real server, on SQLite and PostgreSQL.
#[derive(Parser)]
#[command(name = "load-bench")]
struct Args {
    /// Requests per second, due on a fixed schedule (open loop).
    #[arg(long, default_value_t = 500.0)]
    rate: f64,
    /// Seconds of counted load per backend.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Seconds of load before the counted window (not counted).
    #[arg(long, default_value_t = 5)]
    warmup: u64,
    /// Keep-alive connections in the client's pool (one request in flight on each).
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Backends to measure, comma-separated: sqlite, postgres.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<String>,
    /// Also write the tables to this file (Markdown).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Folder for the SQLite database and the server's data folder (a fresh sub-folder is made
    /// and removed).
    #[arg(long, default_value = "/tmp")]
    dir: PathBuf,
    /// The `vulndesk` binary to run. Without it, `cargo build --release -p vulndesk-cli` runs
    /// first and `target/release/vulndesk` is used.
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Extra environment for the server, `KEY=VALUE`, repeatable (for diagnosis, e.g.
    /// `VULNDESK_MAX_CONNECTIONS=16`); printed with the results.
    #[arg(long = "server-env")]
    server_env: Vec<String>,
}

/// One route of the mix.
struct Route {
    /// Short name in the tables.
    name: &'static str,
    /// Percent of requests.
    weight: u32,
    method: hyper::Method,
    /// The path; `{report}` is replaced by the triage target's id.
    path: &'static str,
    /// Sends the API token.
    token: bool,
    body: BodyKind,
    /// Whether a write.
    write: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    None,
    /// A new report for the public intake.
    Intake,
    /// A triage reply.
    Triage,
}

fn routes() -> Vec<Route> {
    use hyper::Method;
    let get = |name, weight, path, token| Route {
        name,
        weight,
        method: Method::GET,
        path,
        token,
        body: BodyKind::None,
        write: false,
    };
    vec![
        get("cases list", 15, "/api/v1/organisations/demo-networks/cases", true),
        get("case", 15, "/api/v1/organisations/demo-networks/cases/VD-2026-0001", true),
        get("me", 10, "/api/v1/me", true),
        get("advisories page", 10, "/advisories", false),
        get("csaf provider-metadata", 10, "/.well-known/csaf/provider-metadata.json", false),
        get("healthz", 10, "/healthz", false),
        Route {
            name: "intake POST",
            weight: 25,
            method: Method::POST,
            path: "/api/v1/programs/demo/reports",
            token: false,
            body: BodyKind::Intake,
            write: true,
        },
        Route {
            name: "triage reply POST",
            weight: 5,
            method: Method::POST,
            path: "/api/v1/organisations/demo-networks/reports/{report}/triage",
            token: true,
            body: BodyKind::Triage,
            write: true,
        },
    ]
}

fn main() -> ExitCode {
    vulndesk_bench::exit_code(run(&Args::parse()))
}

fn run(args: &Args) -> anyhow::Result<bool> {
    if args.rate.is_nan() || args.rate <= 0.0 || args.connections == 0 || args.seconds == 0 {
        bail!("--rate, --connections and --seconds must be positive");
    }
    let backends = vulndesk_bench::parse_backends(&args.backends)?;
    let mut server_env = Vec::new();
    for kv in &args.server_env {
        let (k, v) = kv.split_once('=').with_context(|| format!("--server-env {kv:?}: expected KEY=VALUE"))?;
        server_env.push((k.to_owned(), v.to_owned()));
    }
    let bin = match &args.server_bin {
        // Absolute: the server runs in its own working folder.
        Some(b) => std::fs::canonicalize(b).with_context(|| format!("--server-bin {}", b.display()))?,
        None => build_server()?,
    };
    let routes = routes();
    let mut report = String::new();
    report.push_str(&mix_text(&routes, args));
    println!("{report}");
    let work = args.dir.join(format!("vulndesk-load-bench-{}-{:08x}", std::process::id(), rand::random::<u32>()));
    std::fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
    let mut all_met = true;
    let mut result = Ok(());
    for &backend in &backends {
        match run_backend(args, &bin, &server_env, &routes, backend, &work) {
            Ok((text, met)) => {
                println!("{text}");
                report.push_str(&text);
                all_met &= met;
            }
            Err(e) => {
                let name = backend_name(backend);
                let text = format!("\n### {name}\n\nnot measured: {e:#}\n");
                println!("{text}");
                report.push_str(&text);
                all_met = false;
                result = Err(e);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    if let Some(out) = &args.out {
        std::fs::write(out, &report).with_context(|| format!("cannot write {}", out.display()))?;
        eprintln!("tables written to {}", out.display());
    }
    result.map(|()| all_met)
}

fn backend_name(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// Builds the server binary in release mode and returns its path.
fn build_server() -> anyhow::Result<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!("building the server: cargo build --release -p vulndesk-cli …");
    let status = Command::new(cargo)
        .args(["build", "--release", "-p", "vulndesk-cli"])
        .current_dir(&root)
        .status()
        .context("run cargo build")?;
    if !status.success() {
        bail!("cargo build --release -p vulndesk-cli failed ({status})");
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let bin = target.join("release/vulndesk");
    if !bin.is_file() {
        bail!("{} is not there after the build", bin.display());
    }
    Ok(bin)
}

fn mix_text(routes: &[Route], args: &Args) -> String {
    let mut s = String::from("## Load: mixed reads and writes against `vulndesk serve --demo`\n\n");
    s.push_str(&format!(
        "Open loop at {} requests/s for {} s after a {} s warm-up (not counted), on {} keep-alive HTTP/1.1 \
         connections; latency from each request's scheduled time. Target: p99 < {} ms, no error, ≥ {:.0} % of \
         the asked rate answered.\n\n",
        args.rate,
        args.seconds,
        args.warmup,
        args.connections,
        P99_TARGET.as_millis(),
        RATE_TARGET * 100.0
    ));
    s.push_str("| share | route | request |\n|---:|---|---|\n");
    for r in routes {
        s.push_str(&format!(
            "| {} % | {} | `{} {}`{}{} |\n",
            r.weight,
            r.name,
            r.method,
            r.path,
            if r.token { " (token)" } else { "" },
            if r.write { " (write)" } else { "" }
        ));
    }
    let writes: u32 = routes.iter().filter(|r| r.write).map(|r| r.weight).sum();
    let total: u32 = routes.iter().map(|r| r.weight).sum();
    s.push_str(&format!("\nReads {} %, writes {} %.\n", total - writes, writes));
    if !args.server_env.is_empty() {
        s.push_str(&format!("\nServer environment added: `{}`.\n", args.server_env.join(" ")));
    }
    s
}

/// A `vulndesk serve` process, killed and reaped on drop.
struct ServerProc {
    child: Child,
    addr: SocketAddr,
    /// What it printed on stdout after starting (drained all along so it never blocks).
    stdout: Arc<Mutex<Vec<String>>>,
}

impl Drop for ServerProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn server_command(bin: &Path, work: &Path, url: &str, extra: &[(String, String)]) -> Command {
    let mut cmd = Command::new(bin);
    cmd.arg("--data-dir")
        .arg(work)
        .args(["--database", url])
        .current_dir(work)
        .env_remove("VULNDESK_DATABASE_URL")
        .env_remove("VULNDESK_CONFIG")
        .env("VULNDESK_ADMIN_PASSWORD", PASSWORD)
        .env("VULNDESK_DEMO_PASSWORD", PASSWORD)
        .env("VULNDESK_INTAKE_PER_SOURCE_PER_MINUTE", UNLIMITED_PER_MINUTE)
        .env("VULNDESK_INTAKE_PER_PROGRAM_PER_MINUTE", UNLIMITED_PER_MINUTE)
        .env("RUST_LOG", "warn");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd
}

fn start_server(bin: &Path, work: &Path, url: &str, extra: &[(String, String)]) -> anyhow::Result<ServerProc> {
    let log = std::fs::File::create(work.join("server-stderr.log"))?;
    let mut cmd = server_command(bin, work, url, extra);
    cmd.args(["serve", "--demo", "--listen", "127.0.0.1:0"]).stdout(Stdio::piped()).stderr(Stdio::from(log));
    let mut child = cmd.spawn().with_context(|| format!("start {}", bin.display()))?;
    let out = child.stdout.take().context("the server's stdout")?;
    let stdout = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = mpsc::channel();
    {
        let stdout = stdout.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if let Ok(mut lines) = stdout.lock() {
                    lines.push(line.clone());
                }
                let _ = tx.send(line);
            }
        });
    }
    let mut server = ServerProc { child, addr: SocketAddr::from(([127, 0, 0, 1], 0)), stdout };
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = match rx.recv_timeout(left) {
            Ok(l) => l,
            Err(_) => {
                let status = server.child.try_wait().ok().flatten();
                let err = std::fs::read_to_string(work.join("server-stderr.log")).unwrap_or_default();
                bail!(
                    "the server did not print `listening on` within 180 s (exit: {status:?}); stderr: {}",
                    err.chars().take(2000).collect::<String>()
                );
            }
        };
        if let Some(rest) = line.split("listening on ").nth(1) {
            let url = rest.split_whitespace().next().context("URL after `listening on`")?;
            let hostport = url.trim_start_matches("http://").trim_end_matches('/');
            server.addr = hostport.parse().with_context(|| format!("server address {hostport:?}"))?;
            return Ok(server);
        }
    }
}

/// `vulndesk admin token create` for the triager: the `vd_…` word it prints.
fn make_token(bin: &Path, work: &Path, url: &str, extra: &[(String, String)]) -> anyhow::Result<String> {
    let out = server_command(bin, work, url, extra)
        .args(["admin", "token", "create", "--user", USER, "--org", ORG, "--name", "load-bench"])
        .output()
        .context("run vulndesk admin token create")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!("admin token create failed ({}): {stdout} {}", out.status, String::from_utf8_lossy(&out.stderr));
    }
    stdout
        .split_whitespace()
        .find(|w| w.starts_with("vd_"))
        .map(str::to_owned)
        .with_context(|| format!("no vd_… token in {stdout:?}"))
}

/// One sample of the server process.
#[derive(Clone, Copy)]
struct Sample {
    /// Since the load started.
    at: Duration,
    rss_kib: u64,
    /// utime + stime, in clock ticks.
    cpu_ticks: u64,
}

fn sample(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(") ")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    Some((rss, ticks(11) + ticks(12)))
}

/// Samples `pid` every second from `start` until `stop` is set.
fn sampler(pid: u32, start: Instant, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<Vec<Sample>> {
    std::thread::spawn(move || {
        let mut out = Vec::new();
        let mut n = 0u32;
        while !stop.load(Ordering::Relaxed) {
            if let Some((rss_kib, cpu_ticks)) = sample(pid) {
                out.push(Sample { at: start.elapsed(), rss_kib, cpu_ticks });
            }
            n += 1;
            let next = start + Duration::from_secs(u64::from(n));
            std::thread::sleep(next.saturating_duration_since(Instant::now()));
        }
        out
    })
}

/// What one request is.
struct Job {
    due: Instant,
    route: usize,
    n: u64,
    counted: bool,
}

/// What became of one counted request.
struct Outcome {
    route: usize,
    /// From due to the end of the answer's body.
    latency: Duration,
    /// From due to when a connection took it (queueing in the client's pool).
    waited: Duration,
    /// HTTP status, or `None` for a transport failure or timeout.
    status: Option<u16>,
    ok: bool,
    done: Instant,
    error: Option<String>,
}

/// Everything the load shares between connections.
struct LoadCtx {
    addr: SocketAddr,
    host: String,
    token: String,
    report_id: String,
    routes: Vec<Route>,
}

fn run_backend(
    args: &Args,
    bin: &Path,
    extra: &[(String, String)],
    routes: &[Route],
    backend: Backend,
    work: &Path,
) -> anyhow::Result<(String, bool)> {
    let name = backend_name(backend);
    let dir = work.join(name);
    std::fs::create_dir_all(&dir)?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    // A PostgreSQL database made for this run and dropped when `_pg` goes (after the server).
    let (url, _pg) = match backend {
        Backend::Sqlite => (format!("sqlite://{}", dir.join("vulndesk.db").display()), None),
        Backend::Postgres => {
            let db = rt.block_on(TestDb::empty_on(Backend::Postgres));
            rt.block_on(db.store.close());
            (db.url.clone(), Some(db))
        }
    };
    eprintln!("{name}: starting {} serve --demo on {url}", bin.display());
    let server = start_server(bin, &dir, &url, extra)?;
    let pid = server.child.id();
    let token = make_token(bin, &dir, &url, extra)?;
    let host = server.addr.to_string();
    let mut ctx = LoadCtx {
        addr: server.addr,
        host,
        token,
        report_id: String::new(),
        routes: routes.iter().map(clone_route).collect(),
    };
    ctx.report_id = rt.block_on(prepare(&ctx))?;
    let ctx = Arc::new(ctx);
    let rss_before = sample(pid).map(|s| s.0).unwrap_or(0);

    let loadavg = std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim().to_owned();
    eprintln!(
        "{name}: {} req/s for {} s + {} s warm-up on {} connections (load average {loadavg})…",
        args.rate, args.seconds, args.warmup, args.connections
    );
    let warmup = Duration::from_secs(args.warmup);
    let window = Duration::from_secs(args.seconds);
    let start = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let sampling = sampler(pid, start, stop.clone());
    let outcomes = rt.block_on(drive(ctx.clone(), args.rate, args.connections, start, warmup, window));
    stop.store(true, Ordering::Relaxed);
    let samples = sampling.join().unwrap_or_default();
    let loadavg_after = std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim().to_owned();

    let mut server = server;
    let server_alive = matches!(server.child.try_wait(), Ok(None));
    let server_stdout = server.stdout.lock().map(|l| l.clone()).unwrap_or_default();
    drop(server);
    let stderr = std::fs::read_to_string(dir.join("server-stderr.log")).unwrap_or_default();
    let stats = Stats {
        name,
        rate: args.rate,
        window,
        warmup,
        start,
        outcomes,
        samples,
        rss_before,
        loadavg,
        loadavg_after,
        server_alive,
        server_stdout,
        server_stderr: stderr,
    };
    Ok(stats.render(&ctx.routes))
}

fn clone_route(r: &Route) -> Route {
    Route {
        name: r.name,
        weight: r.weight,
        method: r.method.clone(),
        path: r.path,
        token: r.token,
        body: r.body,
        write: r.write,
    }
}

/// Checks every route once and submits the report the triage replies go to; returns its id.
async fn prepare(ctx: &LoadCtx) -> anyhow::Result<String> {
    let (mut sender, _driver) = connect(ctx.addr).await?;
    let title = format!("load-bench triage target {:08x}", rand::random::<u32>());
    let body = serde_json::json!({
        "title": title,
        "description": "The report the load benchmark's triage replies go to.",
        "product": "AX3000",
        "version": "1.0.4",
        "accept_policy": true,
    })
    .to_string();
    let (status, answer) =
        send(&mut sender, ctx, hyper::Method::POST, &format!("/api/v1/programs/{PROGRAM}/reports"), false, body)
            .await?;
    if status != 201 {
        bail!("the setup submission answered {status}: {}", String::from_utf8_lossy(&answer));
    }
    let (status, answer) = send(
        &mut sender,
        ctx,
        hyper::Method::GET,
        &format!("/api/v1/organisations/{ORG}/reports"),
        true,
        String::new(),
    )
    .await?;
    if status != 200 {
        bail!("the report list answered {status}: {}", String::from_utf8_lossy(&answer));
    }
    let list: serde_json::Value = serde_json::from_slice(&answer).context("the report list")?;
    let id = list
        .as_array()
        .and_then(|a| a.iter().find(|r| r["title"] == title.as_str()))
        .and_then(|r| r["id"].as_str())
        .map(str::to_owned)
        .with_context(|| format!("the setup report is not in the queue: {list}"))?;
    // Every route once, so that a wrong path fails here and not as thousands of errors.
    for (i, r) in ctx.routes.iter().enumerate() {
        let path = r.path.replace("{report}", &id);
        let (status, answer) =
            send(&mut sender, ctx, r.method.clone(), &path, r.token, body_of(r.body, usize::MAX, i as u64)).await?;
        if !(200..300).contains(&status) {
            bail!(
                "{} {path} answered {status}: {}",
                r.method,
                String::from_utf8_lossy(&answer[..answer.len().min(500)])
            );
        }
    }
    Ok(id)
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

fn request(
    ctx: &LoadCtx,
    method: hyper::Method,
    path: &str,
    token: bool,
    body: String,
) -> anyhow::Result<hyper::Request<Full<Bytes>>> {
    let mut b = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header(hyper::header::HOST, ctx.host.as_str())
        .header(hyper::header::USER_AGENT, "vulndesk-load-bench");
    if token {
        b = b.header(hyper::header::AUTHORIZATION, format!("Bearer {}", ctx.token));
    }
    if !body.is_empty() {
        b = b.header(hyper::header::CONTENT_TYPE, "application/json");
    }
    Ok(b.body(Full::new(Bytes::from(body)))?)
}

async fn send(
    sender: &mut Sender,
    ctx: &LoadCtx,
    method: hyper::Method,
    path: &str,
    token: bool,
    body: String,
) -> anyhow::Result<(u16, Bytes)> {
    let req = request(ctx, method, path, token, body)?;
    sender.ready().await?;
    let response = sender.send_request(req).await?;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await?.to_bytes();
    Ok((status, body))
}

/// The body of a request of `kind`, different on every request.
fn body_of(kind: BodyKind, worker: usize, n: u64) -> String {
    match kind {
        BodyKind::None => String::new(),
        BodyKind::Intake => format!(
            concat!(
                r#"{{"title":"Stack overflow in the web admin login handler (load {}-{})","#,
                r#""description":"A long username in the login form of the web administration interface overflows a "#,
                r#"fixed-size stack buffer in the authentication handler. Sending 600 bytes of 'A' as the username "#,
                r#"crashes the httpd process; with a crafted payload the return address is overwritten, which allows "#,
                r#"remote code execution as root without authentication. The interface listens on the LAN by default "#,
                r#"and on the WAN when remote management is enabled.","#,
                r#""product":"AX3000","version":"1.0.4","cwe":"CWE-121","#,
                r#""reproduction":"curl -d username=$(python3 -c 'print(\"A\"*600)') http://192.168.0.1/login","#,
                r#""impact":"Unauthenticated remote code execution as root.","language":"en","accept_policy":true}}"#
            ),
            worker, n
        ),
        BodyKind::Triage => {
            format!(r#"{{"action":"reply","message":"Thank you; we are looking into it (load {worker}-{n})."}}"#)
        }
    }
}

/// Runs the schedule: a dispatcher puts each request on the queue when it is due; `connections`
/// workers take them off and send them.
async fn drive(
    ctx: Arc<LoadCtx>,
    rate: f64,
    connections: usize,
    start: Instant,
    warmup: Duration,
    window: Duration,
) -> Vec<Outcome> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Job>();
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    let mut workers = tokio::task::JoinSet::new();
    for w in 0..connections {
        workers.spawn(worker(ctx.clone(), rx.clone(), w));
    }
    // The cumulative weights, to draw routes.
    let mut cumulative = Vec::new();
    let mut sum = 0;
    for r in &ctx.routes {
        sum += r.weight;
        cumulative.push(sum);
    }
    let measure_from = start + warmup;
    let end = measure_from + window;
    let mut n = 0u64;
    loop {
        let due = start + Duration::from_secs_f64(n as f64 / rate);
        if due >= end {
            break;
        }
        tokio::time::sleep_until(due.into()).await;
        let draw = rand::random::<u32>() % sum;
        let route = cumulative.iter().position(|&c| draw < c).unwrap_or(0);
        if tx.send(Job { due, route, n, counted: due >= measure_from }).is_err() {
            break;
        }
        n += 1;
    }
    drop(tx);
    let mut outcomes = Vec::new();
    while let Some(done) = workers.join_next().await {
        if let Ok(o) = done {
            outcomes.extend(o);
        }
    }
    outcomes
}

async fn worker(
    ctx: Arc<LoadCtx>,
    rx: Arc<tokio::sync::Mutex<tokio::sync::mpsc::UnboundedReceiver<Job>>>,
    w: usize,
) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    let mut conn: Option<(Sender, tokio::task::JoinHandle<()>)> = None;
    loop {
        let job = {
            let mut rx = rx.lock().await;
            rx.recv().await
        };
        let Some(job) = job else { break };
        let taken = Instant::now();
        let route = &ctx.routes[job.route];
        let path = route.path.replace("{report}", &ctx.report_id);
        let body = body_of(route.body, w, job.n);
        let attempt = async {
            // A connection the server closed while idle is replaced before sending, not counted.
            if conn.as_ref().is_some_and(|(s, _)| s.is_closed()) {
                conn = None;
            }
            let sender = match &mut conn {
                Some((s, _)) => s,
                None => &mut conn.insert(connect(ctx.addr).await?).0,
            };
            send(sender, &ctx, route.method.clone(), &path, route.token, body).await
        };
        let answer = tokio::time::timeout(REQUEST_TIMEOUT, attempt).await;
        let done = Instant::now();
        let (status, error) = match answer {
            Ok(Ok((status, _))) if (200..300).contains(&status) => (Some(status), None),
            Ok(Ok((status, body))) => {
                (Some(status), Some(format!("{status}: {}", String::from_utf8_lossy(&body[..body.len().min(300)]))))
            }
            Ok(Err(e)) => {
                conn = None;
                (None, Some(format!("transport: {e:#}")))
            }
            Err(_) => {
                conn = None;
                (None, Some(format!("no answer within {} s", REQUEST_TIMEOUT.as_secs())))
            }
        };
        if job.counted {
            outcomes.push(Outcome {
                route: job.route,
                latency: done.saturating_duration_since(job.due),
                waited: taken.saturating_duration_since(job.due),
                ok: error.is_none(),
                status,
                done,
                error,
            });
        }
    }
    if let Some((sender, driver)) = conn {
        drop(sender);
        let _ = driver.await;
    }
    outcomes
}

/// Nearest-rank percentile of sorted durations.
fn pct(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn mib(kib: u64) -> String {
    format!("{:.1}", kib as f64 / 1024.0)
}

struct Stats {
    name: &'static str,
    rate: f64,
    window: Duration,
    warmup: Duration,
    start: Instant,
    outcomes: Vec<Outcome>,
    samples: Vec<Sample>,
    rss_before: u64,
    loadavg: String,
    loadavg_after: String,
    server_alive: bool,
    server_stdout: Vec<String>,
    server_stderr: String,
}

impl Stats {
    /// The Markdown for this backend, and whether it met the target.
    fn render(&self, routes: &[Route]) -> (String, bool) {
        let measure_from = self.start + self.warmup;
        let requests = self.outcomes.len();
        let errors = self.outcomes.iter().filter(|o| !o.ok).count();
        let answered = self.outcomes.iter().filter(|o| o.status.is_some()).count();
        let last = self.outcomes.iter().map(|o| o.done).max().unwrap_or(measure_from);
        let span = last.saturating_duration_since(measure_from).max(self.window);
        let achieved = answered as f64 / span.as_secs_f64();
        let mut all: Vec<Duration> = self.outcomes.iter().map(|o| o.latency).collect();
        all.sort_unstable();
        let mut waited: Vec<Duration> = self.outcomes.iter().map(|o| o.waited).collect();
        waited.sort_unstable();
        let mut service: Vec<Duration> = self.outcomes.iter().map(|o| o.latency.saturating_sub(o.waited)).collect();
        service.sort_unstable();
        let p99 = pct(&all, 0.99);

        // Memory and CPU over the counted window.
        let in_window: Vec<Sample> = self
            .samples
            .iter()
            .copied()
            .filter(|s| s.at + Duration::from_millis(500) >= self.warmup && s.at <= self.warmup + self.window)
            .collect();
        let at = |t: Duration| in_window.iter().min_by_key(|s| s.at.abs_diff(t)).copied();
        let rss_start = at(self.warmup);
        let rss_mid = at(self.warmup + self.window / 2);
        let rss_end = in_window.last().copied();
        let rss_max = in_window.iter().map(|s| s.rss_kib).max().unwrap_or(0);
        let rss = |s: Option<Sample>| s.map_or("–".to_owned(), |s| mib(s.rss_kib));
        let cpu = match (rss_start, rss_end) {
            (Some(a), Some(b)) if b.at > a.at => {
                (b.cpu_ticks.saturating_sub(a.cpu_ticks)) as f64 / 100.0 / (b.at - a.at).as_secs_f64()
            }
            _ => 0.0,
        };
        let slope = rss_slope(&in_window);

        let met = p99 < P99_TARGET && errors == 0 && achieved >= RATE_TARGET * self.rate && requests > 0;
        let mut s = String::new();
        s.push_str(&format!("\n### {}\n\n", self.name));
        s.push_str(&format!("Load average before: `{}`; after: `{}`.\n\n", self.loadavg, self.loadavg_after));
        s.push_str(
            "| rate asked/s | rate achieved/s | requests | errors | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | \
             RSS start MiB | RSS mid MiB | RSS end MiB | RSS max MiB | target |\n",
        );
        s.push_str("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        s.push_str(&format!(
            "| {} | {:.1} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            self.rate,
            achieved,
            requests,
            errors,
            ms(pct(&all, 0.50)),
            ms(pct(&all, 0.90)),
            ms(p99),
            ms(pct(&all, 0.999)),
            ms(all.last().copied().unwrap_or_default()),
            rss(rss_start),
            rss(rss_mid),
            rss(rss_end),
            mib(rss_max),
            if met { "met" } else { "**MISSED**" }
        ));
        s.push_str("\n| route | requests | errors | p50 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|---:|\n");
        for (i, r) in routes.iter().enumerate() {
            let mut l: Vec<Duration> = self.outcomes.iter().filter(|o| o.route == i).map(|o| o.latency).collect();
            l.sort_unstable();
            let e = self.outcomes.iter().filter(|o| o.route == i && !o.ok).count();
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                r.name,
                l.len(),
                e,
                ms(pct(&l, 0.50)),
                ms(pct(&l, 0.99)),
                ms(l.last().copied().unwrap_or_default())
            ));
        }
        s.push('\n');
        s.push_str(&format!(
            "Latency split: waiting for a free connection p99 {} ms (max {} ms); on the connection p99 {} ms. \
             Server CPU {:.2} cores over the window. RSS {} MiB after start-up (before the load), slope over the \
             window {:+.2} MiB/min.\n",
            ms(pct(&waited, 0.99)),
            ms(waited.last().copied().unwrap_or_default()),
            ms(pct(&service, 0.99)),
            cpu,
            mib(self.rss_before),
            slope
        ));
        let mut codes: BTreeMap<String, usize> = BTreeMap::new();
        for o in &self.outcomes {
            let key = o.status.map_or("transport/timeout".to_owned(), |c| c.to_string());
            *codes.entry(key).or_default() += 1;
        }
        let codes: Vec<String> = codes.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        s.push_str(&format!("Status codes: {}.\n", codes.join(", ")));
        let mut samples: BTreeMap<(&str, String), usize> = BTreeMap::new();
        for o in self.outcomes.iter().filter(|o| !o.ok) {
            if let Some(e) = &o.error {
                *samples.entry((routes[o.route].name, e.chars().take(200).collect())).or_default() += 1;
            }
        }
        for ((route, e), n) in samples.iter().take(8) {
            s.push_str(&format!("- error ×{n} on {route}: `{}`\n", e.replace('`', "'")));
        }
        if !self.server_alive {
            s.push_str("- **the server process was no longer running at the end**\n");
        }
        let log: Vec<&str> = self
            .server_stderr
            .lines()
            .chain(self.server_stdout.iter().map(String::as_str))
            .filter(|l| l.contains("WARN") || l.contains("ERROR") || l.contains("panic"))
            .collect();
        if !log.is_empty() {
            s.push_str(&format!("- the server logged {} warning/error lines, for example:\n", log.len()));
            for l in log.iter().take(5) {
                s.push_str(&format!("  - `{}`\n", l.chars().take(300).collect::<String>().replace('`', "'")));
            }
        }
        (s, met)
    }
}

/// Least-squares slope of RSS over time, in MiB per minute.
fn rss_slope(samples: &[Sample]) -> f64 {
    if samples.len() < 2 {
        return 0.0;
    }
    let n = samples.len() as f64;
    let xs: Vec<f64> = samples.iter().map(|s| s.at.as_secs_f64() / 60.0).collect();
    let ys: Vec<f64> = samples.iter().map(|s| s.rss_kib as f64 / 1024.0).collect();
    let mx = xs.iter().sum::<f64>() / n;
    let my = ys.iter().sum::<f64>() / n;
    let cov: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let var: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    if var == 0.0 { 0.0 } else { cov / var }
}
