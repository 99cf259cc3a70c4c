//! vulndesk over HTTP: server-rendered pages in zh-CN and English, the JSON API under `/api/v1`
//! with its OpenAPI document, and `/healthz`.
//!
//! This is the only crate that knows HTTP, HTML and JSON shapes. Handlers turn requests into
//! core values, ask [`vulndesk_core::authorize`], call the store, and render. Every page works
//! without JavaScript; every response carries the security headers of [`security`].

mod api;
mod assets;
mod auth;
mod authority;
mod cases;
mod catalogue;
mod dossier;
mod error;
mod feeds;
mod handoffs;
mod i18n;
mod intake;
mod letters;
mod metrics;
mod mfa;
mod ops;
mod pages;
mod publication;
mod rewards;
pub mod scripted;
mod security;
mod sharing;
mod state;
mod teams;
mod validate;

pub use auth::{hash_password, new_api_token, verify_password};
pub use catalogue::{ScanFinding, ScanResult, ScanUnscanned, osv_row, sbom_rows, stored_components};
pub use i18n::{Tr, missing_translations};
pub use intake::IntakeLimits;
pub use pages::csaf::export_tree;
pub use publication::{ScriptedAdvisory, publish_scripted};
pub use rewards::{LedgerRequest, ledger_for_cli};
pub use state::{AppState, WebConfig};

use std::net::SocketAddr;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// Builds the whole application: pages, API, health check, static files and the layers every
/// request passes (request id, tracing, panic catching, body limit, security headers).
pub fn router(state: AppState) -> Router {
    let (api_router, mut openapi) = api::router(state.config.intake.max_body()).split_for_parts();
    api::document_common_errors(&mut openapi);
    let openapi_json = std::sync::Arc::new(openapi.to_pretty_json().unwrap_or_else(|_| "{}".into()));
    Router::new()
        .merge(pages::router())
        .merge(pages::intake_router(state.config.intake.max_body()))
        .merge(api_router)
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(move || {
                let doc = openapi_json.clone();
                async move { ([(axum::http::header::CONTENT_TYPE, "application/json")], (*doc).clone()) }
            }),
        )
        .route("/metrics", axum::routing::get(metrics::scrape))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::csrf_origin_guard))
        .layer(axum::middleware::from_fn(security::headers))
        .layer(axum::middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// The span every request's log lines carry: its method, the route template it matched (never
/// the path itself, which may hold a tracking token or a link's secret), and its request id.
fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let route =
        req.extensions().get::<axum::extract::MatchedPath>().map_or("(no route)", axum::extract::MatchedPath::as_str);
    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default();
    tracing::info_span!("request", method = %req.method(), route = %route, request_id = %id)
}

/// Serves the application on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

/// Serves `/metrics` alone on its own listener (`metrics_listen`: a private interface the
/// scraper reaches), until `shutdown` resolves.
pub async fn serve_metrics(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = Router::new()
        .route("/metrics", axum::routing::get(metrics::scrape_separate))
        .layer(axum::middleware::from_fn(security::headers))
        .with_state(state);
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}

/// The input-handling functions, exposed for the property tests in `tests/props.rs`.
#[doc(hidden)]
pub mod testing {
    pub use crate::intake::{clean_filename, safe_markdown, sniff};
    pub use crate::pages::local_path;
}
