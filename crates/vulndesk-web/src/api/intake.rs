//! Intake over the API: the public submission endpoint (JSON, or multipart with attachments) and
//! the reporter's tracking endpoints; for staff, programs, the triage queue, triage actions, the
//! receipt export and the filing record.

use axum::Json;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use vulndesk_core::Action;
use vulndesk_core::intake::{Channel, Report, ReportStatus};

use super::{ApiJson, ApiQuery, ErrorBody, PublicJson};
use crate::auth::{RequestCtx, sha256_hex};
use crate::error::{AppError, FieldError};
use crate::intake::{self, SubmissionInput};
use crate::ops;
use crate::pages::inbox::{TriageForm, apply_triage, readable_report};
use crate::pages::programs::{ProgramForm, create as create_program_op};
use crate::pages::public::{open_program, submission_fields};
use crate::state::AppState;

/// The proof of receipt for a new report.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ReceiptAnswer {
    /// The receipt's sequence number in the receipt log.
    receipt_id: i64,
    /// The receipt's hash (hex), as recorded in the chain.
    receipt_hash: String,
    /// The reporter's secret for following the report (256 bits); keep it.
    tracking_token: String,
    /// The tracking page.
    tracking_url: String,
}

/// A new report: every field of the form. Attachments go as `{tag, filename, content_base64}`
/// here, or as multipart file fields `attachment_evidence`, `attachment_poc`, `attachment_exploit`.
#[derive(Deserialize, utoipa::ToSchema)]
#[allow(dead_code, reason = "documentation of the request body for the OpenAPI document")]
pub(crate) struct NewReportDoc {
    title: String,
    description: String,
    product: String,
    version: Option<String>,
    /// `CWE-122`.
    cwe: Option<String>,
    reproduction: Option<String>,
    impact: Option<String>,
    /// Required unless the program accepts anonymous reports.
    contact: Option<String>,
    credit_name: Option<String>,
    /// `zh-CN` or `en`.
    language: Option<String>,
    /// Must be true: the reporter accepts the program's policy.
    accept_policy: bool,
    attachments: Option<Vec<AttachmentDoc>>,
}

/// An attachment inside a JSON submission.
#[derive(Deserialize, utoipa::ToSchema)]
#[allow(dead_code, reason = "documentation of the request body for the OpenAPI document")]
pub(crate) struct AttachmentDoc {
    /// `evidence`, `poc` or `exploit`.
    tag: String,
    filename: String,
    content_base64: String,
}

async fn read_submission(state: &AppState, req: Request) -> Result<SubmissionInput, AppError> {
    let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    if ct.starts_with("multipart/form-data") {
        let mp = Multipart::from_request(req, state).await.map_err(|e| AppError::BadRequest(e.body_text()))?;
        intake::read_multipart(mp, &state.config.intake).await
    } else {
        let PublicJson(s) = PublicJson::<SubmissionInput>::from_request(req, state).await?;
        Ok(s)
    }
}

#[utoipa::path(post, path = "/api/v1/programs/{slug}/reports", tag = "intake",
    params(("slug" = String, Path, description = "The program's short name")),
    request_body(content(
        (NewReportDoc = "application/json"),
        (NewReportDoc = "multipart/form-data"),
    )),
    responses(
        (status = 201, description = "Received and durably stored", body = ReceiptAnswer),
        (status = 400, body = ErrorBody), (status = 403, description = "The program is closed", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub(crate) async fn submit_report(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    req: Request,
) -> Result<(StatusCode, Json<ReceiptAnswer>), AppError> {
    let program = open_program(&state, &slug).await?;
    state.check_flood(&ctx.source, program.slug.as_str()).await?;
    let input = read_submission(&state, req).await?;
    let valid = intake::validate_report(&input, &program, &state.config.intake, ctx.tr.locale, state.clock.now())?;
    let r = intake::accept_report(&state, &ctx, &program, Channel::Api, valid, submission_fields(&input)).await?;
    Ok((
        StatusCode::CREATED,
        Json(ReceiptAnswer {
            receipt_id: r.accepted.seq,
            receipt_hash: r.accepted.hash,
            tracking_url: intake::tracking_url(&state, &ctx, &r.tracking_token),
            tracking_token: r.tracking_token,
        }),
    ))
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/programs/{slug}/email", tag = "intake", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("slug" = String, Path, description = "The program")),
    request_body(content = String, content_type = "message/rfc822", description = "The raw e-mail (.eml)"),
    responses((status = 201, description = "Logged as a new report; the receipt hashes the raw message", body = ReceiptAnswer),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn import_email(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, slug)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<ReceiptAnswer>), AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    ctx.require(Action::TriageReports(org.id))?;
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !ct.to_ascii_lowercase().starts_with("message/rfc822") {
        return Err(AppError::UnsupportedMediaType("expected Content-Type: message/rfc822".into()));
    }
    let program = state.store.program_by_slug(&slug).await?.filter(|p| p.org == org.id).ok_or(AppError::NotFound)?;
    let r = intake::accept_email(&state, &ctx, &program, &body).await?;
    let details = serde_json::json!({"receipt": r.accepted.seq, "bytes": body.len()}).to_string();
    state
        .store
        .record_audit(&ctx.audit(state.clock.now()).event(
            "report.import_email",
            "program",
            &program.id.to_string(),
            Some(org.id.to_string()),
            details,
        ))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ReceiptAnswer {
            receipt_id: r.accepted.seq,
            receipt_hash: r.accepted.hash,
            tracking_url: intake::tracking_url(&state, &ctx, &r.tracking_token),
            tracking_token: r.tracking_token,
        }),
    ))
}

/// A message on the report's thread, as the reporter sees it.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ThreadMessage {
    /// `reporter` or `team`.
    from: &'static str,
    at: String,
    body: String,
}

/// What the reporter sees of their report.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct TrackingView {
    title: String,
    program: String,
    /// `new`, `acknowledged`, `needs_info`, `spam`, `invalid`, `promoted`.
    status: String,
    received_at: String,
    receipt_id: i64,
    messages: Vec<ThreadMessage>,
}

async fn tracked(state: &AppState, token: &str) -> Result<Report, AppError> {
    state.store.report_by_tracking(&sha256_hex(token)).await?.ok_or(AppError::NotFound)
}

#[utoipa::path(get, path = "/api/v1/tracking/{token}", tag = "intake",
    params(("token" = String, Path, description = "The tracking token from the receipt")),
    responses((status = 200, body = TrackingView), (status = 404, body = ErrorBody)))]
pub(crate) async fn tracking(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<TrackingView>, AppError> {
    let r = tracked(&state, &token).await?;
    let program = state.store.program_by_id(r.program).await?.ok_or(AppError::NotFound)?;
    let mut lines: Vec<(vulndesk_core::Timestamp, ThreadMessage)> = state
        .store
        .messages_of(r.id)
        .await?
        .into_iter()
        .map(|m| {
            let from = if m.author == "reporter" { "reporter" } else { "team" };
            (m.created_at, ThreadMessage { from, at: m.created_at.to_rfc3339(), body: m.body })
        })
        .collect();
    for c in crate::cases::shared_comments(&state, r.id).await? {
        lines.push((c.created_at, ThreadMessage { from: "team", at: c.created_at.to_rfc3339(), body: c.body }));
    }
    lines.sort_by_key(|(at, _)| *at);
    let messages: Vec<ThreadMessage> = lines.into_iter().map(|(_, m)| m).collect();
    Ok(Json(TrackingView {
        title: r.title,
        program: program.name,
        status: r.status.as_str().into(),
        received_at: r.received_at.to_rfc3339(),
        receipt_id: r.receipt_seq,
        messages,
    }))
}

/// The receipt of a reporter's message.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct MessageReceipt {
    receipt_id: i64,
    receipt_hash: String,
}

/// A reporter's message: `{"message": "...", "attachments": [...]}` or multipart with `message`.
#[derive(Deserialize, utoipa::ToSchema)]
#[allow(dead_code, reason = "documentation of the request body for the OpenAPI document")]
pub(crate) struct ReplyDoc {
    message: String,
    attachments: Option<Vec<AttachmentDoc>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplyJson {
    #[serde(default)]
    message: String,
    #[serde(default)]
    attachments: Vec<serde_json::Value>,
}

#[utoipa::path(post, path = "/api/v1/tracking/{token}/messages", tag = "intake",
    params(("token" = String, Path, description = "The tracking token from the receipt")),
    request_body(content((ReplyDoc = "application/json"), (ReplyDoc = "multipart/form-data"))),
    responses((status = 201, body = MessageReceipt), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub(crate) async fn reply(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(token): Path<String>,
    req: Request,
) -> Result<(StatusCode, Json<MessageReceipt>), AppError> {
    let r = tracked(&state, &token).await?;
    let program = state.store.program_by_id(r.program).await?.ok_or(AppError::NotFound)?;
    state.check_flood(&ctx.source, program.slug.as_str()).await?;
    let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let input = if ct.starts_with("multipart/form-data") {
        let mp = Multipart::from_request(req, &state).await.map_err(|e| AppError::BadRequest(e.body_text()))?;
        intake::read_multipart(mp, &state.config.intake).await?
    } else {
        let PublicJson(body) = PublicJson::<ReplyJson>::from_request(req, &state).await?;
        let attachments = serde_json::from_value(serde_json::Value::Array(body.attachments)).map_err(|e| {
            AppError::Validation(vec![FieldError::new("attachments", "json-data-error").with("detail", e)])
        })?;
        SubmissionInput { description: body.message, attachments, ..SubmissionInput::default() }
    };
    let a = intake::accept_reply(&state, &ctx, &program, &r, &input, &state.config.intake).await?;
    Ok((StatusCode::CREATED, Json(MessageReceipt { receipt_id: a.seq, receipt_hash: a.hash })))
}

impl ProgramDto {
    fn new(p: vulndesk_core::intake::Program, base: &str) -> Self {
        Self {
            id: p.id.to_string(),
            url: format!("{base}/p/{}", p.slug),
            slug: p.slug.to_string(),
            name: p.name,
            scope: p.scope.as_str().into(),
            scope_note: p.scope_note,
            anonymous: p.anonymous,
            ack_sla_hours: p.ack_sla_hours,
            filing_exempt: p.filing_exempt,
            closed_reason: p.closed_reason,
        }
    }
}

/// An intake program.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ProgramDto {
    id: String,
    slug: String,
    name: String,
    scope: String,
    scope_note: String,
    anonymous: bool,
    ack_sla_hours: u32,
    filing_exempt: bool,
    closed_reason: Option<String>,
    url: String,
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/programs", tag = "intake", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name")),
    responses((status = 200, body = [ProgramDto]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_programs(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
) -> Result<Json<Vec<ProgramDto>>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    let base = state.public_base(&ctx);
    Ok(Json(state.store.programs_of(org.id).await?.into_iter().map(|p| ProgramDto::new(p, &base)).collect()))
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/programs", tag = "intake", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name")), request_body = ProgramForm,
    responses((status = 201, body = ProgramDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_program(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
    ApiJson(form): ApiJson<ProgramForm>,
) -> Result<(StatusCode, Json<ProgramDto>), AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    let p = create_program_op(&state, &ctx, &org, &form).await?;
    let base = state.public_base(&ctx);
    Ok((StatusCode::CREATED, Json(ProgramDto::new(p, &base))))
}

/// A report as staff see it.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ReportDto {
    id: String,
    program_id: String,
    title: String,
    description: String,
    product: String,
    version: String,
    cwe: Option<String>,
    reproduction: String,
    impact: String,
    contact: String,
    credit_name: String,
    language: String,
    status: String,
    status_reason: String,
    received_at: String,
    acknowledged_at: Option<String>,
    receipt_id: i64,
}

impl From<Report> for ReportDto {
    fn from(r: Report) -> Self {
        Self {
            id: r.id.to_string(),
            program_id: r.program.to_string(),
            title: r.title,
            description: r.description,
            product: r.product,
            version: r.version,
            cwe: r.cwe,
            reproduction: r.reproduction,
            impact: r.impact,
            contact: r.contact,
            credit_name: r.credit_name,
            language: r.language.tag().into(),
            status: r.status.as_str().into(),
            status_reason: r.status_reason,
            received_at: r.received_at.to_rfc3339(),
            acknowledged_at: r.acknowledged_at.map(|t| t.to_rfc3339()),
            receipt_id: r.receipt_seq,
        }
    }
}

/// Which reports to list.
#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct ReportQuery {
    /// A state; without it, the reports still in triage.
    status: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/reports", tag = "intake", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ReportQuery),
    responses((status = 200, body = [ReportDto]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn list_reports(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Json<Vec<ReportDto>>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    ctx.require(Action::ViewReports(org.id))?;
    let status =
        match q.status.as_deref() {
            None | Some("") => None,
            Some(s) => Some(ReportStatus::parse(s).ok_or_else(|| {
                AppError::Validation(vec![FieldError::new("status", "unknown-status").with("value", s)])
            })?),
        };
    let filter = vulndesk_store::intake::ReportFilter { status, open_only: status.is_none(), ..Default::default() };
    let hidden = crate::cases::hidden_reports(&state, &ctx, org.id).await?;
    let mut reports = state.store.reports_of(org.id, &filter).await?;
    reports.retain(|r| !hidden.contains(&r.id));
    state
        .store
        .record_audit(&ctx.audit(state.clock.now()).event(
            "report.list",
            "organisation",
            &org.id.to_string(),
            Some(org.id.to_string()),
            serde_json::json!({"count": reports.len()}).to_string(),
        ))
        .await?;
    Ok(Json(reports.into_iter().map(ReportDto::from).collect()))
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/reports/{id}", tag = "intake", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("id" = String, Path, description = "The report id")),
    responses((status = 200, body = ReportDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_report(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, id)): Path<(String, String)>,
) -> Result<Json<ReportDto>, AppError> {
    let (_, r) = readable_report(&state, &ctx, &org, &id, "report").await?;
    Ok(Json(r.into()))
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/reports/{id}/triage", tag = "intake", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("id" = String, Path, description = "The report id")),
    request_body = TriageForm,
    responses((status = 200, body = ReportDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The report's triage is over", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn triage(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, id)): Path<(String, String)>,
    ApiJson(form): ApiJson<TriageForm>,
) -> Result<Json<ReportDto>, AppError> {
    let (o, r) = readable_report(&state, &ctx, &org, &id, "triage").await?;
    apply_triage(&state, &ctx, &o, &r, &form).await?;
    let r = state.store.report(r.id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(r.into()))
}

/// Export format.
#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct ExportQuery {
    /// `json` (default) or `csv`.
    format: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/receipts", tag = "intake", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ExportQuery),
    responses((status = 200, description = "The organisation's receipts, oldest first, with the chain head"),
        (status = 403, body = ErrorBody)))]
pub(crate) async fn receipts(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, AppError> {
    let org = crate::pages::receipts::readable_org(&state, &ctx, &org).await?;
    match q.format.as_deref() {
        Some("csv") => {
            let text = crate::pages::receipts::export_csv_text(&state, &ctx, &org).await?;
            Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], text).into_response())
        }
        None | Some("json") => Ok(Json(crate::pages::receipts::export_json(&state, &ctx, &org).await?).into_response()),
        Some(other) => {
            Err(AppError::Validation(vec![FieldError::new("format", "unknown-format").with("value", other)]))
        }
    }
}

#[utoipa::path(put, path = "/api/v1/organisations/{org}/filing", tag = "intake", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name")), request_body = crate::handoffs::FilingDto,
    responses((status = 200, body = crate::handoffs::FilingChange), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn put_filing(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
    ApiJson(f): ApiJson<crate::handoffs::FilingDto>,
) -> Result<Json<crate::handoffs::FilingChange>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    Ok(Json(crate::handoffs::save_filing(&state, &ctx, &org, &f).await?))
}
