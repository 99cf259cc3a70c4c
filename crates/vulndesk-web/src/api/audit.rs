//! Audit events over the API.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use vulndesk_core::Action;

use super::{ApiQuery, ErrorBody};
use crate::auth::RequestCtx;
use crate::error::AppError;
use crate::state::AppState;

/// One audit event with its place in the hash chain.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct AuditEventDto {
    seq: i64,
    at: String,
    /// An account id, `anonymous` or `system`.
    actor: String,
    action: String,
    object_type: String,
    object_id: String,
    organisation_id: Option<String>,
    source: String,
    #[schema(value_type = Object)]
    details: serde_json::Value,
    prev_hash: String,
    hash: String,
}

/// Which events to list.
#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct AuditQuery {
    /// An organisation's short name; without it, the whole deployment (site administrators only).
    organisation: Option<String>,
    /// Only events with a smaller sequence number (for paging backwards).
    before: Option<i64>,
    /// At most this many (1–1000, default 100).
    limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, description = "Newest first", body = [AuditEventDto]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_events(
    State(state): State<AppState>,
    ctx: RequestCtx,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Vec<AuditEventDto>>, AppError> {
    let org_id = match &q.organisation {
        Some(slug) => {
            let org = state.store.org_by_slug(slug).await?.ok_or(AppError::NotFound)?;
            ctx.require(Action::ViewAuditLog(Some(org.id)))?;
            Some(org.id.to_string())
        }
        None => {
            ctx.require(Action::ViewAuditLog(None))?;
            None
        }
    };
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let events = state.store.audit_list(org_id.as_deref(), q.before, limit).await?;
    Ok(Json(
        events
            .into_iter()
            .map(|e| AuditEventDto {
                seq: e.seq,
                at: e.event.at.to_rfc3339(),
                details: serde_json::from_str(&e.event.details)
                    .unwrap_or(serde_json::Value::String(e.event.details.clone())),
                actor: e.event.actor,
                action: e.event.action,
                object_type: e.event.object_type,
                object_id: e.event.object_id,
                organisation_id: e.event.org,
                source: e.event.source,
                prev_hash: e.prev_hash,
                hash: e.hash,
            })
            .collect(),
    ))
}
