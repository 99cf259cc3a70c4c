//! Fixes, advisories and the publication gate over the API: record a fix per product version,
//! read and save the advisory, confirm its wording, record gate evidence, ask the gate (a preview,
//! nothing stored), publish (every attempt's decision is stored; a refusal is 409 with every
//! rule's outcome), and set blackout windows (site administrators).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vulndesk_core::Organisation;
use vulndesk_core::case::Case;
use vulndesk_store::publication::Advisory;

use super::{ApiJson, ErrorBody};
use crate::auth::RequestCtx;
use crate::error::AppError;
use crate::publication::{self, AdvisoryForm, BlackoutForm, FixForm, PublishOutcome};
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

/// A fix as stored.
#[derive(Serialize, ToSchema)]
pub(crate) struct FixView {
    id: String,
    product_version: String,
    product: String,
    kind: String,
    fixed_in: String,
    released_at: Option<String>,
    details: String,
    details_en: String,
    url: String,
    users_must_act: bool,
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/cases/{number}/fixes", tag = "publication", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042")),
    responses((status = 200, description = "The affected product versions, each with its fix if one is recorded", body = [FixView]),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn fixes(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number)): Path<(String, String)>,
) -> Result<Json<Vec<FixView>>, AppError> {
    let (_, case) = the_case(&state, &ctx, &org, &number).await?;
    let lines = publication::product_lines(&state, &case).await?;
    Ok(Json(
        lines
            .into_iter()
            .map(|l| {
                let f = l.fix;
                FixView {
                    id: f.as_ref().map(|f| f.id.clone()).unwrap_or_default(),
                    product_version: l.id.to_string(),
                    product: l.label,
                    kind: f.as_ref().map(|f| f.kind.clone()).unwrap_or_default(),
                    fixed_in: f.as_ref().map(|f| f.fixed_in.clone()).unwrap_or_default(),
                    released_at: f.as_ref().and_then(|f| f.released_at).map(|t| t.to_rfc3339()),
                    details: f.as_ref().map(|f| f.details.clone()).unwrap_or_default(),
                    details_en: f.as_ref().map(|f| f.details_en.clone()).unwrap_or_default(),
                    url: f.as_ref().map(|f| f.url.clone()).unwrap_or_default(),
                    users_must_act: f.as_ref().is_some_and(|f| f.users_must_act),
                }
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/cases/{number}/fixes", tag = "publication", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042")),
    request_body = FixForm,
    responses((status = 204, description = "Recorded (it replaces the product version's earlier fix)"),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn put_fix(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number)): Path<(String, String)>,
    ApiJson(f): ApiJson<FixForm>,
) -> Result<StatusCode, AppError> {
    let (_, case) = the_case(&state, &ctx, &org, &number).await?;
    publication::put_fix(&state, &ctx, &case, &f).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The advisory as stored (or the draft the case would give).
#[derive(Serialize, ToSchema)]
pub(crate) struct AdvisoryView {
    tracking_id: String,
    saved: bool,
    status: String,
    version: i64,
    tlp: String,
    title: String,
    title_en: String,
    summary: String,
    summary_en: String,
    description: String,
    description_en: String,
    refs: String,
    acknowledgments: String,
    cve: String,
    severity: String,
    assessed_severity: String,
    vex: bool,
    /// The content digest a reviewer confirms.
    digest: String,
    reviewed_by: String,
    wording_reviewed: bool,
    initial_release_at: Option<String>,
    current_release_at: Option<String>,
}

fn view(a: &Advisory, saved: bool, case: &Case) -> AdvisoryView {
    AdvisoryView {
        tracking_id: a.tracking_id.clone(),
        saved,
        status: a.status.clone(),
        version: a.version,
        tlp: a.tlp.clone(),
        title: a.title.clone(),
        title_en: a.title_en.clone(),
        summary: a.summary.clone(),
        summary_en: a.summary_en.clone(),
        description: a.description.clone(),
        description_en: a.description_en.clone(),
        refs: a.refs.clone(),
        acknowledgments: a.acknowledgments.clone(),
        cve: a.cve.clone(),
        severity: a.severity.clone(),
        assessed_severity: publication::assessed_severity(case),
        vex: a.vex,
        digest: a.content_digest.clone(),
        reviewed_by: a.reviewed_by.clone(),
        wording_reviewed: a.wording_reviewed(),
        initial_release_at: a.initial_release_at.map(|t| t.to_rfc3339()),
        current_release_at: a.current_release_at.map(|t| t.to_rfc3339()),
    }
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/cases/{number}/advisory", tag = "publication", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042")),
    responses((status = 200, body = AdvisoryView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_advisory(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number)): Path<(String, String)>,
) -> Result<Json<AdvisoryView>, AppError> {
    let (_, case) = the_case(&state, &ctx, &org, &number).await?;
    let saved = state.store.advisory_of(case.id).await?.is_some();
    let a = publication::advisory_or_draft(&state, &case).await?;
    Ok(Json(view(&a, saved, &case)))
}

#[utoipa::path(put, path = "/api/v1/organisations/{org}/cases/{number}/advisory", tag = "publication", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042")),
    request_body = AdvisoryForm,
    responses((status = 200, body = AdvisoryView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(crate) async fn save_advisory(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number)): Path<(String, String)>,
    ApiJson(f): ApiJson<AdvisoryForm>,
) -> Result<Json<AdvisoryView>, AppError> {
    let (_, case) = the_case(&state, &ctx, &org, &number).await?;
    let a = publication::save_advisory(&state, &ctx, &case, &f).await?;
    Ok(Json(view(&a, true, &case)))
}

/// The content a reviewer confirms.
#[derive(Deserialize, ToSchema)]
pub(crate) struct ReviewBody {
    /// The `digest` of the advisory as the reviewer read it.
    #[serde(default)]
    digest: String,
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/cases/{number}/advisory/review", tag = "publication", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042")),
    request_body = ReviewBody,
    responses((status = 204, description = "The wording is confirmed"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Not saved yet, changed since it was read, or the reviewer is its last editor", body = ErrorBody)))]
pub(crate) async fn review(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number)): Path<(String, String)>,
    ApiJson(b): ApiJson<ReviewBody>,
) -> Result<StatusCode, AppError> {
    let (_, case) = the_case(&state, &ctx, &org, &number).await?;
    publication::review(&state, &ctx, &case, &b.digest).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A record on a path through the gate.
#[derive(Deserialize, ToSchema)]
pub(crate) struct EvidenceBody {
    /// `joint_assessment`, `authority_report`, `authority_outcome` or `mps_consent`.
    #[serde(default)]
    kind: String,
    #[serde(default)]
    note: String,
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/cases/{number}/gate-evidence", tag = "publication", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042")),
    request_body = EvidenceBody,
    responses((status = 204, description = "Recorded"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(crate) async fn evidence(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number)): Path<(String, String)>,
    ApiJson(b): ApiJson<EvidenceBody>,
) -> Result<StatusCode, AppError> {
    let (_, case) = the_case(&state, &ctx, &org, &number).await?;
    publication::add_evidence(&state, &ctx, &case, &b.kind, &b.note).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/cases/{number}/advisory/gate", tag = "publication", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042")),
    responses((status = 200, description = "Every rule's outcome if the advisory were published now (nothing is stored)", body = Object),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn gate(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number)): Path<(String, String)>,
) -> Result<Json<serde_json::Value>, AppError> {
    let (_, case) = the_case(&state, &ctx, &org, &number).await?;
    let a = publication::advisory_or_draft(&state, &case).await?;
    let (d, _) = publication::preview_gate(&state, &case, &a).await?;
    Ok(Json(serde_json::json!({"allowed": d.allowed(), "outcomes": publication::outcomes_json(&d)})))
}

/// What the revision says changed.
#[derive(Deserialize, ToSchema)]
pub(crate) struct PublishBody {
    #[serde(default)]
    summary: String,
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/cases/{number}/advisory/publish", tag = "publication", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042")),
    request_body = PublishBody,
    responses((status = 201, description = "Published: the version and the documents", body = PublishOutcome),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The gate refused: a PublishOutcome with every rule's outcome; or the advisory is not saved (an error)", body = Object)))]
pub(crate) async fn publish(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number)): Path<(String, String)>,
    ApiJson(b): ApiJson<PublishBody>,
) -> Result<(StatusCode, Json<PublishOutcome>), AppError> {
    let (org, case) = the_case(&state, &ctx, &org, &number).await?;
    let out = publication::publish(&state, &ctx, &org, &case, &b.summary).await?;
    Ok((if out.published { StatusCode::CREATED } else { StatusCode::CONFLICT }, Json(out)))
}

#[utoipa::path(post, path = "/api/v1/blackouts", tag = "publication", security(("bearer" = [])),
    request_body = BlackoutForm,
    responses((status = 204, description = "Recorded: nothing is published in the window without recorded MPS consent"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn blackout(
    State(state): State<AppState>,
    ctx: RequestCtx,
    ApiJson(f): ApiJson<BlackoutForm>,
) -> Result<StatusCode, AppError> {
    publication::add_blackout(&state, &ctx, &f).await?;
    Ok(StatusCode::NO_CONTENT)
}
