//! A registered reporter's own page: every report they sent while signed in, where each stands,
//! its reward, their reputation (the share of valid, duplicate and invalid reports), and the
//! acknowledgement letter for each valid report.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use vulndesk_core::intake::Report;
use vulndesk_core::reward::Reputation;

use super::{Chrome, render};
use crate::auth::RequestCtx;
use crate::error::AppError;
use crate::state::AppState;

struct Row {
    id: String,
    title: String,
    program: String,
    org: String,
    received_at: String,
    status: String,
    case_state: String,
    rewards: Vec<crate::rewards::ReporterReward>,
    valid: bool,
}

#[derive(Template)]
#[template(path = "my_reports.html")]
struct MyReportsPage {
    chrome: Chrome,
    rows: Vec<Row>,
    reputation: Reputation,
    valid_percent: String,
}

/// The case state a report ended in, if it became part of a case.
async fn case_state(state: &AppState, r: &Report) -> Result<Option<vulndesk_core::case::CaseState>, AppError> {
    for id in state.store.cases_for_report(r.id).await? {
        if let Some(c) = state.store.case(id).await? {
            return Ok(Some(c.state));
        }
    }
    Ok(None)
}

pub(crate) async fn show(State(state): State<AppState>, ctx: RequestCtx) -> Result<Response, AppError> {
    let user = ctx.user()?;
    let tr = ctx.tr;
    let mut reputation = Reputation::default();
    let mut rows = Vec::new();
    for r in state.store.reports_of_reporter(user.id).await? {
        let cs = case_state(&state, &r).await?;
        reputation.count(r.status, cs);
        let program = state.store.program_by_id(r.program).await?;
        let org = state.store.org_by_id(r.org).await?;
        rows.push(Row {
            id: r.id.to_string(),
            title: r.title.clone(),
            program: program.map(|p| p.name).unwrap_or_default(),
            org: org.map(|o| o.name).unwrap_or_default(),
            received_at: r.received_at.to_rfc3339(),
            status: tr.t(&format!("report-status-{}", r.status.as_str())),
            case_state: cs.map(|s| tr.t(&format!("case-state-{}", s.as_str()))).unwrap_or_default(),
            rewards: crate::rewards::for_reporter(&state, r.id).await?,
            valid: crate::rewards::is_valid_report(&state, &r).await?,
        });
    }
    render(&MyReportsPage {
        chrome: Chrome::new(&ctx),
        valid_percent: reputation.valid_percent().map_or_else(|| "—".to_owned(), |p| format!("{p} %")),
        reputation,
        rows,
    })
}

/// The acknowledgement letter for one of the signed-in reporter's own valid reports.
pub(crate) async fn letter(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let user = ctx.user()?;
    let id = id.parse().map_err(|_| AppError::NotFound)?;
    let r = state.store.report(id).await?.ok_or(AppError::NotFound)?;
    if state.store.report_reporter(r.id).await? != Some(user.id) {
        return Err(AppError::NotFound);
    }
    crate::letters::acknowledgement(&state, &ctx, &r).await
}
