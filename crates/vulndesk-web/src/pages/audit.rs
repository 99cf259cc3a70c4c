//! The audit log pages: the whole deployment's for site administrators, one organisation's for
//! its administrators and auditors.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;
use vulndesk_core::Action;
use vulndesk_core::audit::AuditEvent;

use super::{Chrome, render};
use crate::auth::RequestCtx;
use crate::error::AppError;
use crate::ops;
use crate::state::AppState;

const PAGE: i64 = 100;

struct EventRow {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    object: String,
    source: String,
    details: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    chrome: Chrome,
    org_name: Option<String>,
    events: Vec<EventRow>,
    older: Option<i64>,
}

#[derive(Deserialize)]
pub(crate) struct Paging {
    before: Option<i64>,
}

async fn rows(state: &AppState, events: Vec<AuditEvent>) -> Result<Vec<EventRow>, AppError> {
    // Show usernames instead of account ids where the actor is a person.
    let users = state.store.list_users().await?;
    Ok(events
        .into_iter()
        .map(|e| {
            let actor = users
                .iter()
                .find(|u| u.id.to_string() == e.event.actor)
                .map_or(e.event.actor.clone(), |u| u.username.to_string());
            EventRow {
                seq: e.seq,
                at: e.event.at.to_rfc3339(),
                actor,
                action: e.event.action,
                object: format!("{} {}", e.event.object_type, e.event.object_id),
                source: e.event.source,
                details: e.event.details,
            }
        })
        .collect())
}

fn older(events: &[EventRow]) -> Option<i64> {
    (events.len() as i64 == PAGE).then(|| events.last().map(|e| e.seq)).flatten()
}

pub(crate) async fn site_log(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Query(p): Query<Paging>,
) -> Result<Response, AppError> {
    ctx.require(Action::ViewAuditLog(None))?;
    let events = rows(&state, state.store.audit_list(None, p.before, PAGE).await?).await?;
    render(&AuditPage { chrome: Chrome::new(&ctx), org_name: None, older: older(&events), events })
}

pub(crate) async fn org_log(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Query(p): Query<Paging>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    ctx.require(Action::ViewAuditLog(Some(org.id)))?;
    let events = rows(&state, state.store.audit_list(Some(&org.id.to_string()), p.before, PAGE).await?).await?;
    render(&AuditPage { chrome: Chrome::new(&ctx), org_name: Some(org.name), older: older(&events), events })
}
