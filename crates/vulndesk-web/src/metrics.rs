//! `/metrics` in the OpenMetrics text format, for Prometheus: requests by route, method and
//! status and their latency (this process), and what the database holds (every instance reports
//! the same): receipts, the outbox by status and delivery attempts by result, cases by state, the
//! deadlines of open cases by kind and state, the last run of each periodic job, operators' open
//! and overdue findings, and this process's connection pools. Served only when a token is configured, and
//! only to a scraper presenting it.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use sha2::{Digest, Sha256};

use crate::state::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeadlineLabels {
    kind: String,
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    job: String,
}

type Seconds = Family<JobLabels, Gauge<f64, std::sync::atomic::AtomicU64>>;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    pool: String,
    connections: String,
}

type Latency = Family<RouteLabels, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    // 1 ms to about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// The process's metrics.
pub(crate) struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Latency,
    receipts: Gauge,
    deliveries: Family<StateLabels, Gauge>,
    cases: Family<StateLabels, Gauge>,
    findings: Family<StateLabels, Gauge>,
    pools: Family<PoolLabels, Gauge>,
    deadlines: Family<DeadlineLabels, Gauge>,
    attempts: Family<ResultLabels, Gauge>,
    job_duration: Seconds,
    job_started: Seconds,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("vulndesk");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests by route template, method and status", requests.clone());
        let latency: Latency = Family::new_with_constructor(latency_histogram);
        registry.register("http_request_duration_seconds", "HTTP request latency by route template", latency.clone());
        let receipts = Gauge::default();
        registry.register("receipts", "Receipts in the log (accepted reports, every channel)", receipts.clone());
        let deliveries = Family::<StateLabels, Gauge>::default();
        registry.register("outbox_deliveries", "Deliveries (mail, HTTP) by status", deliveries.clone());
        let cases = Family::<StateLabels, Gauge>::default();
        registry.register("cases", "Cases by state", cases.clone());
        let findings = Family::<StateLabels, Gauge>::default();
        registry.register(
            "findings",
            "Operators' findings still to remediate (open) and past their deadline (overdue)",
            findings.clone(),
        );
        let pools = Family::<PoolLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "This process's database connections (open, idle) per pool",
            pools.clone(),
        );
        let deadlines = Family::<DeadlineLabels, Gauge>::default();
        registry.register(
            "deadlines",
            "Deadlines of open cases by kind and state (open, reminder_50, reminder_75, overdue, met, met_late)",
            deadlines.clone(),
        );
        let attempts = Family::<ResultLabels, Gauge>::default();
        registry.register(
            "delivery_attempts",
            "Delivery attempts by result (ok: a 2xx answer; error: anything else)",
            attempts.clone(),
        );
        let job_duration = Seconds::default();
        registry.register(
            "job_last_run_duration_seconds",
            "How long the last finished run of each periodic job took, in whichever instance ran it",
            job_duration.clone(),
        );
        let job_started = Seconds::default();
        registry.register(
            "job_last_started_timestamp_seconds",
            "When the last run of each periodic job started (Unix time)",
            job_started.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            receipts,
            deliveries,
            cases,
            findings,
            pools,
            deadlines,
            attempts,
            job_duration,
            job_started,
        }
    }
}

/// Counts each request under its route template (never its path, which may hold a secret).
pub(crate) async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route =
        req.extensions().get::<MatchedPath>().map_or_else(|| "(no route)".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().to_string();
    let started = Instant::now();
    let resp = next.run(req).await;
    let m = &state.metrics;
    m.requests.get_or_create(&RequestLabels { route: route.clone(), method, status: resp.status().as_u16() }).inc();
    m.latency.get_or_create(&RouteLabels { route }).observe(started.elapsed().as_secs_f64());
    resp
}

/// `GET /metrics` on the main address: 404 unless a token is configured and no separate metrics
/// address is, 401 without the token.
pub(crate) async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if state.config.metrics_separate {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Some(want) = state.config.metrics_token.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    answer(&state, &headers, Some(&want)).await
}

/// `GET /metrics` on the separate metrics address (`metrics_listen`): the token is asked for
/// when one is configured; without one, the address itself (a private interface) is the guard.
pub(crate) async fn scrape_separate(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let want = state.config.metrics_token.clone();
    answer(&state, &headers, want.as_deref()).await
}

async fn answer(state: &AppState, headers: &HeaderMap, want: Option<&str>) -> Response {
    if let Some(want) = want {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        // Compared as digests, so the comparison's time says nothing about the token.
        if Sha256::digest(given.as_bytes()) != Sha256::digest(want.as_bytes()) {
            return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")]).into_response();
        }
    }
    let g = match state.store.gauges(state.clock.now()).await {
        Ok(g) => g,
        Err(e) => {
            tracing::warn!(error = %e, "reading the metrics' gauges failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let m = &state.metrics;
    m.receipts.set(g.receipts);
    for (family, values) in [(&m.deliveries, &g.deliveries), (&m.cases, &g.cases)] {
        family.clear();
        for (k, v) in values {
            family.get_or_create(&StateLabels { state: k.clone() }).set(*v);
        }
    }
    m.deadlines.clear();
    for ((kind, st), n) in &g.deadlines {
        m.deadlines.get_or_create(&DeadlineLabels { kind: kind.clone(), state: st.clone() }).set(*n);
    }
    m.attempts.clear();
    for (result, n) in &g.delivery_attempts {
        m.attempts.get_or_create(&ResultLabels { result: result.clone() }).set(*n);
    }
    for run in &g.job_runs {
        let job = JobLabels { job: run.name.clone() };
        let started = run.started_at.as_micros() as f64 / 1e6;
        m.job_started.get_or_create(&job).set(started);
        if let Some(done) = run.finished_at {
            m.job_duration.get_or_create(&job).set((done.as_micros() - run.started_at.as_micros()) as f64 / 1e6);
        }
    }
    m.findings.get_or_create(&StateLabels { state: "open".into() }).set(g.findings_open);
    m.findings.get_or_create(&StateLabels { state: "overdue".into() }).set(g.findings_overdue);
    for (pool, (open, idle)) in ["write", "read"].into_iter().zip(g.pools) {
        m.pools.get_or_create(&PoolLabels { pool: pool.into(), connections: "open".into() }).set(i64::from(open));
        let idle = i64::try_from(idle).unwrap_or(i64::MAX);
        m.pools.get_or_create(&PoolLabels { pool: pool.into(), connections: "idle".into() }).set(idle);
    }
    let mut body = String::new();
    if let Err(e) = prometheus_client::encoding::text::encode(&mut body, &m.registry) {
        tracing::warn!(error = %e, "encoding the metrics failed");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    let mut resp = body.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}
