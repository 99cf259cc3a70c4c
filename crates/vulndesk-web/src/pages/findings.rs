//! An operator's findings (Art. 8): the board (open and overdue by grade, open findings week by
//! week, time to remediate), the findings with their remediation steps, suppliers' VEX documents
//! and the organisation's SLA matrix.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use vulndesk_core::Action;

use super::{Chart, Chrome, Done, Form, render_status, see_other};
use crate::assets::{self, Board, FindingView, VexView};
use crate::auth::RequestCtx;
use crate::error::AppError;
use crate::ops;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "findings.html")]
struct FindingsPage {
    chrome: Chrome,
    org_slug: String,
    board: Board,
    charts: Vec<Chart>,
    overdue: Vec<FindingView>,
    findings: Vec<FindingView>,
    vex: Vec<VexView>,
    sla: assets::SlaView,
    can_manage: bool,
    can_set_sla: bool,
    errors: Vec<String>,
}

fn grade_label(tr: &crate::i18n::Tr, g: &str) -> String {
    let key = if g.is_empty() { "finding-grade-none".to_owned() } else { format!("finding-grade-{g}") };
    tr.t(&key).to_string()
}

async fn page(
    state: &AppState,
    ctx: &RequestCtx,
    slug: &str,
    notice: Option<&str>,
    status: StatusCode,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(state, ctx, slug).await?;
    let board = assets::board(state, ctx, &org).await?;
    let findings = assets::list_findings(state, ctx, &org).await?;
    let tr = &ctx.tr;
    let charts = vec![
        Chart::new(
            tr.t("findings-chart-open").to_string(),
            board.weekly_open.iter().map(|w| (w.week_ending.clone(), w.open as i64, w.open.to_string())),
        ),
        Chart::new(
            tr.t("findings-chart-ttr").to_string(),
            board.time_to_remediate.iter().filter(|t| t.remediated > 0).map(|t| {
                let d = t.median_days.unwrap_or(0);
                (grade_label(tr, &t.grade), i64::try_from(d).unwrap_or(i64::MAX), format!("{d} ({})", t.remediated))
            }),
        ),
    ];
    render_status(
        status,
        &FindingsPage {
            chrome: Chrome::new(ctx).with_notice(notice),
            org_slug: org.slug.to_string(),
            charts,
            overdue: findings.iter().filter(|f| f.overdue).cloned().collect(),
            findings,
            board,
            vex: assets::list_vex(state, ctx, &org).await?,
            sla: assets::sla(state, ctx, &org).await?,
            can_manage: ctx.require(Action::ManageCatalogue(org.id)).is_ok(),
            can_set_sla: ctx.require(Action::AcceptRisk(org.id)).is_ok(),
            errors,
        },
    )
}

pub(crate) async fn show(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    page(&state, &ctx, &slug, q.done.as_deref(), StatusCode::OK, Vec::new()).await
}

async fn failed(state: &AppState, ctx: &RequestCtx, slug: &str, e: AppError) -> Result<Response, AppError> {
    let (status, errors) = super::refused(ctx, e)?;
    page(state, ctx, slug, None, status, errors).await
}

fn done(slug: &str, notice: &str) -> Response {
    see_other(&format!("/orgs/{slug}/findings?done={notice}"))
}

pub(crate) async fn sync(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Form(_): Form<super::CsrfOnly>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    match assets::sync_findings(&state, &ctx, &org).await {
        Ok(_) => Ok(done(&slug, "notice-findings-synced")),
        Err(e) => failed(&state, &ctx, &slug, e).await,
    }
}

pub(crate) async fn step(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, id)): Path<(String, String)>,
    Form(f): Form<assets::FindingStep>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    match assets::step_finding(&state, &ctx, &org, &id, &f).await {
        Ok(()) => Ok(done(&slug, "notice-finding-saved")),
        Err(e) => failed(&state, &ctx, &slug, e).await,
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct VexForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    document: String,
}

pub(crate) async fn upload_vex(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Form(f): Form<VexForm>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    match assets::upload_vex(&state, &ctx, &org, &f.name, f.document.as_bytes()).await {
        Ok(_) => Ok(done(&slug, "notice-vex-saved")),
        Err(e) => failed(&state, &ctx, &slug, e).await,
    }
}

pub(crate) async fn remove_vex(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, id)): Path<(String, String)>,
    Form(_): Form<super::CsrfOnly>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    match assets::remove_vex(&state, &ctx, &org, &id).await {
        Ok(()) => Ok(done(&slug, "notice-vex-removed")),
        Err(e) => failed(&state, &ctx, &slug, e).await,
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct SlaForm {
    #[serde(default)]
    matrix: String,
}

pub(crate) async fn set_sla(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Form(f): Form<SlaForm>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    match assets::set_sla(&state, &ctx, &org, &f.matrix).await {
        Ok(()) => Ok(done(&slug, "notice-sla-saved")),
        Err(e) => failed(&state, &ctx, &slug, e).await,
    }
}
