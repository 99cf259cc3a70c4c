//! The public side of intake: a program's page with its policy and report form, the reporter's
//! tracking page (with their reward's state, the hall-of-fame choice and, for a valid report, the
//! acknowledgement letter), and each program's hall of fame. No account is needed; a program
//! decides whether anonymous reports are accepted. All work without JavaScript.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use vulndesk_core::Locale;
use vulndesk_core::intake::{Channel, Program};

use serde::Deserialize;

use super::{Chrome, Done, Form, render, render_status, see_other};
use crate::auth::{RequestCtx, sha256_hex};
use crate::error::AppError;
use crate::intake::{self, SubmissionInput, safe_markdown};
use crate::state::AppState;

pub(crate) fn policy_text<'a>(locale: Locale, zh: &'a str, en: &'a str) -> &'a str {
    match locale {
        Locale::ZhCn if !zh.trim().is_empty() => zh,
        Locale::En if !en.trim().is_empty() => en,
        _ if !zh.trim().is_empty() => zh,
        _ => en,
    }
}

#[derive(Template)]
#[template(path = "program.html")]
struct ProgramPage {
    chrome: Chrome,
    slug: String,
    program_name: String,
    org_name: String,
    scope_note: String,
    policy_html: String,
    safe_harbour_html: String,
    closed_reason: Option<String>,
    anonymous: bool,
    max_mb: usize,
    errors: Vec<String>,
    form: SubmissionInput,
}

async fn program_page(
    state: &AppState,
    ctx: &RequestCtx,
    p: &Program,
    errors: Vec<String>,
    form: SubmissionInput,
) -> Result<ProgramPage, AppError> {
    let org = state.store.org_by_id(p.org).await?.ok_or(AppError::NotFound)?;
    let l = ctx.tr.locale;
    Ok(ProgramPage {
        chrome: Chrome::new(ctx),
        slug: p.slug.to_string(),
        program_name: p.name.clone(),
        org_name: org.name,
        scope_note: p.scope_note.clone(),
        policy_html: safe_markdown(policy_text(l, &p.policy_zh, &p.policy_en)),
        safe_harbour_html: safe_markdown(policy_text(l, &p.safe_harbour_zh, &p.safe_harbour_en)),
        closed_reason: p.closed_reason.clone(),
        anonymous: p.anonymous,
        max_mb: state.config.intake.max_attachment_bytes >> 20,
        errors,
        form,
    })
}

pub(crate) async fn show(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let p = state.store.program_by_slug(&slug).await?.ok_or(AppError::NotFound)?;
    render(&program_page(&state, &ctx, &p, Vec::new(), SubmissionInput::default()).await?)
}

/// The open program with this slug: 404 when there is none, 403 with the reason when closed.
pub(crate) async fn open_program(state: &AppState, slug: &str) -> Result<Program, AppError> {
    let p = state.store.program_by_slug(slug).await?.ok_or(AppError::NotFound)?;
    match &p.closed_reason {
        Some(reason) => Err(AppError::Closed(reason.clone())),
        None => Ok(p),
    }
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    mp: Multipart,
) -> Result<Response, AppError> {
    let p = open_program(&state, &slug).await?;
    state.check_flood(&ctx.source, p.slug.as_str()).await?;
    let form = intake::read_multipart(mp, &state.config.intake).await?;
    ctx.check_csrf(&form.csrf)?;
    let valid = match intake::validate_report(&form, &p, &state.config.intake, ctx.tr.locale, state.clock.now()) {
        Ok(v) => v,
        Err(AppError::Validation(fields)) => {
            let errors = fields.iter().map(|f| f.render(&ctx.tr)).collect();
            let page = program_page(&state, &ctx, &p, errors, form).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
        Err(e) => return Err(e),
    };
    let fields = submission_fields(&form);
    let report_id = valid.report.id;
    let r = intake::accept_report(&state, &ctx, &p, Channel::Web, valid, fields).await?;
    // A reporter signed in when sending builds a profile and a reputation from their reports.
    if let Some(user) = &ctx.user {
        state.store.set_report_reporter(report_id, user.id).await?;
    }
    Ok(see_other(&format!("/t/{}?done=new", r.tracking_token)))
}

/// The fields of a submission as they go into the receipt's payload.
pub(crate) fn submission_fields(s: &SubmissionInput) -> serde_json::Value {
    serde_json::json!({
        "title": s.title, "description": s.description, "product": s.product, "version": s.version,
        "cwe": s.cwe, "reproduction": s.reproduction, "impact": s.impact, "contact": s.contact,
        "credit_name": s.credit_name, "language": s.language, "accept_policy": s.accept_policy,
    })
}

struct ThreadLine {
    author: String,
    who: String,
    at: String,
    body: String,
}

#[derive(Template)]
#[template(path = "tracking.html")]
struct TrackingPage {
    chrome: Chrome,
    token: String,
    just_received: bool,
    tracking_url: String,
    title: String,
    program_name: String,
    status: String,
    received_at: String,
    receipt_seq: i64,
    messages: Vec<ThreadLine>,
    rewards: Vec<crate::rewards::ReporterReward>,
    valid: bool,
    hall_of_fame: bool,
    credit_name: String,
    program_slug: String,
}

pub(crate) async fn tracking(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(token): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let report = state.store.report_by_tracking(&sha256_hex(&token)).await?.ok_or(AppError::NotFound)?;
    let program = state.store.program_by_id(report.program).await?.ok_or(AppError::NotFound)?;
    let tr = ctx.tr;
    let mut lines: Vec<(vulndesk_core::Timestamp, ThreadLine)> = state
        .store
        .messages_of(report.id)
        .await?
        .into_iter()
        .map(|m| {
            let who = if m.author == "reporter" { tr.t("tracking-you") } else { tr.t("tracking-team") };
            (m.created_at, ThreadLine { who, author: m.author, at: m.created_at.to_rfc3339(), body: m.body })
        })
        .collect();
    for c in crate::cases::shared_comments(&state, report.id).await? {
        let line = ThreadLine {
            author: "staff".into(),
            who: tr.t("tracking-team"),
            at: c.created_at.to_rfc3339(),
            body: c.body,
        };
        lines.push((c.created_at, line));
    }
    lines.sort_by_key(|(at, _)| *at);
    let messages = lines.into_iter().map(|(_, l)| l).collect();
    let chrome = Chrome::new(&ctx).with_notice(q.done.as_deref());
    let rewards = crate::rewards::for_reporter(&state, report.id).await?;
    let valid = crate::rewards::is_valid_report(&state, &report).await?;
    let hall_of_fame = state.store.hall_of_fame_consent(report.id).await?;
    render(&TrackingPage {
        rewards,
        valid,
        hall_of_fame,
        credit_name: report.credit_name.clone(),
        program_slug: program.slug.to_string(),
        just_received: q.done.as_deref() == Some("new"),
        tracking_url: intake::tracking_url(&state, &ctx, &token),
        token,
        title: report.title,
        program_name: program.name,
        status: tr.t(&format!("report-status-{}", report.status.as_str())),
        received_at: report.received_at.to_rfc3339(),
        receipt_seq: report.receipt_seq,
        messages,
        chrome,
    })
}

pub(crate) async fn reply(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(token): Path<String>,
    mp: Multipart,
) -> Result<Response, AppError> {
    let report = state.store.report_by_tracking(&sha256_hex(&token)).await?.ok_or(AppError::NotFound)?;
    let program = state.store.program_by_id(report.program).await?.ok_or(AppError::NotFound)?;
    state.check_flood(&ctx.source, program.slug.as_str()).await?;
    let form = intake::read_multipart(mp, &state.config.intake).await?;
    ctx.check_csrf(&form.csrf)?;
    intake::accept_reply(&state, &ctx, &program, &report, &form, &state.config.intake).await?;
    Ok(see_other(&format!("/t/{token}?done=notice-reply-received")))
}

#[derive(Debug, Deserialize)]
pub(crate) struct HallOfFameForm {
    #[serde(default)]
    listed: bool,
}

/// The reporter's choice about the program's hall of fame, from the tracking page.
pub(crate) async fn set_hall_of_fame(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(token): Path<String>,
    Form(f): Form<HallOfFameForm>,
) -> Result<Response, AppError> {
    let report = state.store.report_by_tracking(&sha256_hex(&token)).await?.ok_or(AppError::NotFound)?;
    state.store.set_hall_of_fame(&report, f.listed, &ctx.audit(state.clock.now())).await?;
    Ok(see_other(&format!("/t/{token}?done=notice-hall-of-fame-saved")))
}

#[derive(Template)]
#[template(path = "hall_of_fame.html")]
struct HallOfFamePage {
    chrome: Chrome,
    slug: String,
    program_name: String,
    org_name: String,
    names: Vec<(String, i64)>,
}

/// A program's public hall of fame: only reporters who agreed, only valid reports.
pub(crate) async fn hall_of_fame(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let p = state.store.program_by_slug(&slug).await?.ok_or(AppError::NotFound)?;
    let org = state.store.org_by_id(p.org).await?.ok_or(AppError::NotFound)?;
    render(&HallOfFamePage {
        chrome: Chrome::new(&ctx),
        names: state.store.hall_of_fame(p.id).await?,
        slug: p.slug.to_string(),
        program_name: p.name,
        org_name: org.name,
    })
}

/// The acknowledgement letter for a valid report, from the tracking page.
pub(crate) async fn letter(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let report = state.store.report_by_tracking(&sha256_hex(&token)).await?.ok_or(AppError::NotFound)?;
    crate::letters::acknowledgement(&state, &ctx, &report).await
}
