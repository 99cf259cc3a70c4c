//! A case's reports to the authority over the API: list, prepare (prefilled from the case), edit
//! a draft, record a submission (409 naming every empty mandatory field), read one. Reports are
//! the JSON documents of `docs/authority-report.schema.json`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use vulndesk_core::Organisation;
use vulndesk_core::case::Case;

use super::{ApiJson, ErrorBody};
use crate::auth::RequestCtx;
use crate::authority::{self, AuthorityForm, SubmissionForm};
use crate::error::AppError;
use crate::state::AppState;
use crate::{cases, ops};

async fn the_case(
    state: &AppState,
    ctx: &RequestCtx,
    org: &str,
    number: &str,
) -> Result<(Organisation, Case), AppError> {
    let org = ops::visible_org(state, ctx, org).await?;
    let case = cases::readable_case(state, ctx, &org, number).await?;
    Ok((org, case))
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/cases/{number}/authority-reports", tag = "authority", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042")),
    responses((status = 200, description = "The case's reports, first first (schema vulndesk-authority-report/1)", body = [Object]),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number)): Path<(String, String)>,
) -> Result<Json<Vec<serde_json::Value>>, AppError> {
    let (org, case) = the_case(&state, &ctx, &org, &number).await?;
    let reports = state.store.authority_reports_of(case.id).await?;
    Ok(Json(reports.iter().map(|r| authority::document(&org, &case, r)).collect()))
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/cases/{number}/authority-reports", tag = "authority", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042")),
    responses((status = 201, description = "A draft prefilled from the case: the initial report, or an update once one was submitted", body = Object),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "A draft is already open", body = ErrorBody)))]
pub(crate) async fn start(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number)): Path<(String, String)>,
) -> Result<(StatusCode, Json<serde_json::Value>), AppError> {
    let (org, case) = the_case(&state, &ctx, &org, &number).await?;
    let r = authority::start(&state, &ctx, &org, &case).await?;
    Ok((StatusCode::CREATED, Json(authority::document(&org, &case, &r))))
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/cases/{number}/authority-reports/{seq}", tag = "authority", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042"),
        ("seq" = String, Path, description = "The report's number within the case: 1, 2, ...")),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number, seq)): Path<(String, String, String)>,
) -> Result<Json<serde_json::Value>, AppError> {
    let (org, case) = the_case(&state, &ctx, &org, &number).await?;
    let r = authority::report(&state, &case, &seq).await?;
    Ok(Json(authority::document(&org, &case, &r)))
}

#[utoipa::path(put, path = "/api/v1/organisations/{org}/cases/{number}/authority-reports/{seq}", tag = "authority", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042"),
        ("seq" = String, Path, description = "The report's number within the case")),
    request_body = AuthorityForm,
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The report was submitted and never changes", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn save(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number, seq)): Path<(String, String, String)>,
    ApiJson(f): ApiJson<AuthorityForm>,
) -> Result<Json<serde_json::Value>, AppError> {
    let (org, case) = the_case(&state, &ctx, &org, &number).await?;
    let r = authority::report(&state, &case, &seq).await?;
    authority::save(&state, &ctx, &r, &f).await?;
    let r = authority::report(&state, &case, &seq).await?;
    Ok(Json(authority::document(&org, &case, &r)))
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/cases/{number}/authority-reports/{seq}/submission", tag = "authority", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042"),
        ("seq" = String, Path, description = "The report's number within the case")),
    request_body = SubmissionForm,
    responses((status = 200, description = "Recorded; the 48-hour deadline is met by the earliest submitted initial report", body = Object),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "A mandatory field is empty (the message names each), or it was submitted already", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(crate) async fn submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number, seq)): Path<(String, String, String)>,
    ApiJson(f): ApiJson<SubmissionForm>,
) -> Result<Json<serde_json::Value>, AppError> {
    let (org, case) = the_case(&state, &ctx, &org, &number).await?;
    let r = authority::report(&state, &case, &seq).await?;
    authority::submit_manual(&state, &ctx, &r, &f).await?;
    let r = authority::report(&state, &case, &seq).await?;
    Ok(Json(authority::document(&org, &case, &r)))
}
