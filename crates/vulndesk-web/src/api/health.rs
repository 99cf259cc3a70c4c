//! `GET /healthz`: whether this instance can serve, for load balancers and monitoring.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use crate::state::AppState;

/// The health report.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Health {
    /// `ok`, or `degraded` when the database cannot be reached or is not migrated.
    status: &'static str,
    /// vulndesk's version.
    version: &'static str,
    /// `sqlite` or `postgres`.
    database: &'static str,
    /// Whether the database answered.
    database_reachable: bool,
    /// Migrations this binary knows that the database lacks.
    migrations_pending: Option<usize>,
    /// `ok` when reports can be received (the database answers and the intake writer runs).
    intake: &'static str,
}

#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, description = "Serving", body = Health), (status = 503, description = "Degraded", body = Health)))]
pub(crate) async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let reachable = state.store.ping().await.is_ok();
    let pending = if reachable { state.store.pending_migrations().await.ok() } else { None };
    let intake_ok = reachable && state.store.intake_alive();
    let ok = reachable && pending == Some(0) && intake_ok;
    let body = Health {
        status: if ok { "ok" } else { "degraded" },
        version: env!("CARGO_PKG_VERSION"),
        database: state.store.backend().as_str(),
        database_reachable: reachable,
        migrations_pending: pending,
        intake: if intake_ok { "ok" } else { "down" },
    };
    (if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, Json(body))
}
