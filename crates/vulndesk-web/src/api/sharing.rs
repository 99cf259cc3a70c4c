//! Reports to the authority through the API: the provider's endpoint and sending, and the
//! sharing platform's providers, subscribers, received reports and the receiving endpoint.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use vulndesk_core::Action;

use super::catalogue::ApiBytes;
use super::{ApiJson, ErrorBody};
use crate::auth::RequestCtx;
use crate::error::AppError;
use crate::sharing::{self, EndpointForm, ProviderCredentials, Received, SubscriberForm};
use crate::state::AppState;
use crate::{authority, cases, ops};

/// The provider's endpoint, without its secrets.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct EndpointDto {
    url: String,
    configured: bool,
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/authority-endpoint", tag = "authority", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name")),
    responses((status = 200, body = EndpointDto), (status = 403, body = ErrorBody)))]
pub(crate) async fn get_endpoint(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
) -> Result<Json<EndpointDto>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    ctx.require(Action::ManageOrganisation(org.id))?;
    let e = state.store.authority_endpoint(org.id).await?;
    Ok(Json(EndpointDto { configured: e.is_some(), url: e.map(|e| e.url).unwrap_or_default() }))
}

#[utoipa::path(put, path = "/api/v1/organisations/{org}/authority-endpoint", tag = "authority", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name")), request_body = EndpointForm,
    responses((status = 200, body = EndpointDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn put_endpoint(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
    ApiJson(f): ApiJson<EndpointForm>,
) -> Result<Json<EndpointDto>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    sharing::set_endpoint(&state, &ctx, &org, &f).await?;
    Ok(Json(EndpointDto { configured: true, url: f.url.trim().to_owned() }))
}

/// One sending of a report (or a relay), with its attempts.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct DeliveryDto {
    id: String,
    /// `authority_submission` or `relay`.
    kind: String,
    url: String,
    /// `pending`, `delivered` or `failed`.
    status: String,
    attempts: i64,
    next_attempt_at: String,
    last_error: String,
    delivered_at: Option<String>,
    /// The receiver's answer.
    response: String,
}

async fn deliveries(state: &AppState, related: &str) -> Result<Vec<DeliveryDto>, AppError> {
    Ok(state
        .store
        .deliveries_for(related)
        .await?
        .into_iter()
        .map(|d| DeliveryDto {
            id: d.new.id,
            kind: d.new.kind,
            url: d.new.url,
            status: d.status,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at.to_rfc3339(),
            last_error: d.last_error,
            delivered_at: d.delivered_at.map(|t| t.to_rfc3339()),
            response: d.response,
        })
        .collect())
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/cases/{number}/authority-reports/{seq}/send", tag = "authority", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042"),
        ("seq" = String, Path, description = "The report's number within the case")),
    responses((status = 202, description = "Queued: the job runner sends it, retries with backoff, and records the platform's receipt number as the submission", body = [DeliveryDto]),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "A mandatory field is empty, no endpoint is set, it was submitted, or a sending is pending", body = ErrorBody)))]
pub(crate) async fn send(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number, seq)): Path<(String, String, String)>,
) -> Result<(StatusCode, Json<Vec<DeliveryDto>>), AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    let case = cases::readable_case(&state, &ctx, &org, &number).await?;
    let r = authority::report(&state, &case, &seq).await?;
    sharing::send(&state, &ctx, &org, &case, &r).await?;
    Ok((StatusCode::ACCEPTED, Json(deliveries(&state, &r.id).await?)))
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/cases/{number}/authority-reports/{seq}/deliveries", tag = "authority", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042"),
        ("seq" = String, Path, description = "The report's number within the case")),
    responses((status = 200, body = [DeliveryDto]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn report_deliveries(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number, seq)): Path<(String, String, String)>,
) -> Result<Json<Vec<DeliveryDto>>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    let case = cases::readable_case(&state, &ctx, &org, &number).await?;
    let r = authority::report(&state, &case, &seq).await?;
    Ok(Json(deliveries(&state, &r.id).await?))
}

/// A provider to register.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct ProviderForm {
    #[serde(default)]
    name: String,
}

/// A registered provider (its credentials are shown only when registered).
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ProviderDto {
    id: String,
    name: String,
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/sharing/providers", tag = "sharing", security(("bearer" = [])),
    params(("org" = String, Path, description = "The sharing platform's short name")),
    responses((status = 200, body = [ProviderDto]), (status = 403, body = ErrorBody)))]
pub(crate) async fn list_providers(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
) -> Result<Json<Vec<ProviderDto>>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    ctx.require(Action::ManageOrganisation(org.id))?;
    Ok(Json(
        state.store.providers_of(org.id).await?.into_iter().map(|p| ProviderDto { id: p.id, name: p.name }).collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/sharing/providers", tag = "sharing", security(("bearer" = [])),
    params(("org" = String, Path, description = "The sharing platform's short name")), request_body = ProviderForm,
    responses((status = 201, description = "Registered; the token and signing key are shown this once", body = ProviderCredentials),
        (status = 403, body = ErrorBody), (status = 409, description = "The organisation is not a sharing platform", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(crate) async fn create_provider(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
    ApiJson(f): ApiJson<ProviderForm>,
) -> Result<(StatusCode, Json<ProviderCredentials>), AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    Ok((StatusCode::CREATED, Json(sharing::create_provider(&state, &ctx, &org, &f.name).await?)))
}

/// An agency subscriber (without its secret).
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SubscriberDto {
    id: String,
    name: String,
    url: String,
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/sharing/subscribers", tag = "sharing", security(("bearer" = [])),
    params(("org" = String, Path, description = "The sharing platform's short name")),
    responses((status = 200, body = [SubscriberDto]), (status = 403, body = ErrorBody)))]
pub(crate) async fn list_subscribers(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
) -> Result<Json<Vec<SubscriberDto>>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    ctx.require(Action::ManageOrganisation(org.id))?;
    let list = state.store.subscribers_of(org.id).await?;
    Ok(Json(list.into_iter().map(|s| SubscriberDto { id: s.id, name: s.name, url: s.url }).collect()))
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/sharing/subscribers", tag = "sharing", security(("bearer" = [])),
    params(("org" = String, Path, description = "The sharing platform's short name")), request_body = SubscriberForm,
    responses((status = 201, body = SubscriberDto), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_subscriber(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
    ApiJson(f): ApiJson<SubscriberForm>,
) -> Result<(StatusCode, Json<SubscriberDto>), AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    let s = sharing::create_subscriber(&state, &ctx, &org, &f).await?;
    Ok((StatusCode::CREATED, Json(SubscriberDto { id: s.id, name: s.name, url: s.url })))
}

/// A report the platform received.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SharedReportDto {
    receipt_number: String,
    provider: String,
    case_number: String,
    kind: String,
    product_name: String,
    grade: String,
    sub_library: String,
    /// The product type, or empty when the provider did not give one.
    product_type: String,
    aware_at: String,
    received_at: String,
    /// Received more than 48 hours after the provider became aware.
    late: bool,
    relays_delivered: usize,
    relays: usize,
    /// For an update: the receipt number of the report it updates.
    updates: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/sharing/reports", tag = "sharing", security(("bearer" = [])),
    params(("org" = String, Path, description = "The sharing platform's short name")),
    responses((status = 200, description = "Received reports, newest first", body = [SharedReportDto]), (status = 403, body = ErrorBody)))]
pub(crate) async fn list_reports(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
) -> Result<Json<Vec<SharedReportDto>>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    Ok(Json(
        sharing::received(&state, &ctx, &org)
            .await?
            .into_iter()
            .map(|r| SharedReportDto {
                receipt_number: r.receipt_number,
                provider: r.provider,
                case_number: r.report.case_number.clone(),
                kind: r.report.kind.clone(),
                product_name: r.report.product_name.clone(),
                grade: r.report.grade.clone(),
                sub_library: r.report.sub_library.clone(),
                product_type: r.report.product_type.clone(),
                aware_at: r.report.aware_at.to_rfc3339(),
                received_at: r.report.received_at.to_rfc3339(),
                late: r.report.late(),
                relays_delivered: r.relays_delivered,
                relays: r.relays,
                updates: r.updates_receipt.clone(),
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/api/v1/authority/reports", tag = "sharing", security(("bearer" = [])),
    params(("Idempotency-Key" = String, Header, description = "The same key returns the first answer and never relays twice"),
        ("X-Vulndesk-Timestamp" = String, Header, description = "Unix seconds, within five minutes of the platform's clock"),
        ("X-Vulndesk-Signature" = String, Header, description = "sha256=<hex HMAC-SHA256(signing key, timestamp + \".\" + body)>")),
    request_body(content = String, description = "A report document (docs/authority-report.schema.json)", content_type = "application/json"),
    responses((status = 201, description = "Stored with a receipt and relayed to every subscriber", body = Received),
        (status = 200, description = "The same idempotency key again: the first answer", body = Received),
        (status = 401, description = "Unknown provider token, or a missing, stale or wrong signature", body = ErrorBody),
        (status = 422, description = "A field is missing or wrong (each named)", body = ErrorBody)))]
pub(crate) async fn receive(
    State(state): State<AppState>,
    ctx: RequestCtx,
    headers: HeaderMap,
    ApiBytes(body): ApiBytes,
) -> Result<(StatusCode, Json<Received>), AppError> {
    let (received, new) = sharing::receive(&state, &ctx, &headers, &body).await?;
    Ok((if new { StatusCode::CREATED } else { StatusCode::OK }, Json(received)))
}
