//! Rewards and a collection platform's hand-offs over the API: a program's reward table, the
//! rewards on a report (decide), a reward's steps (approve, pay, fail, cancel), the ledger as JSON
//! or CSV, the vendor behind a program, and the hand-offs of a report.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vulndesk_core::Action;

use super::{ApiJson, ApiQuery, ErrorBody};
use crate::auth::RequestCtx;
use crate::error::AppError;
use crate::handoffs::{self, HandoffForm, HandoffView, VendorForm};
use crate::ops;
use crate::pages::inbox::readable_report;
use crate::rewards::{self, DecideForm, LedgerQuery, RewardView, TableForm};
use crate::state::AppState;

async fn program_of(
    state: &AppState,
    ctx: &RequestCtx,
    org: &str,
    program: &str,
) -> Result<(vulndesk_core::Organisation, vulndesk_core::intake::Program), AppError> {
    let org = ops::visible_org(state, ctx, org).await?;
    let p = state.store.program_by_slug(program).await?.filter(|p| p.org == org.id).ok_or(AppError::NotFound)?;
    Ok((org, p))
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/programs/{program}/reward-table", tag = "rewards", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("program" = String, Path, description = "The program's short name")),
    responses((status = 200, description = "The table, amounts in major units", body = TableForm),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "No such program, or it has no reward table")))]
pub(crate) async fn get_table(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, program)): Path<(String, String)>,
) -> Result<Json<TableForm>, AppError> {
    let (org, p) = program_of(&state, &ctx, &org, &program).await?;
    ctx.require(Action::ViewRewards(org.id))?;
    let t = state.store.reward_table(p.id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(TableForm::from_table(&t)))
}

#[utoipa::path(put, path = "/api/v1/organisations/{org}/programs/{program}/reward-table", tag = "rewards", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("program" = String, Path, description = "The program's short name")),
    request_body = TableForm,
    responses((status = 200, body = TableForm), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn put_table(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, program)): Path<(String, String)>,
    ApiJson(f): ApiJson<TableForm>,
) -> Result<Json<TableForm>, AppError> {
    let (org, p) = program_of(&state, &ctx, &org, &program).await?;
    let t = rewards::set_table(&state, &ctx, &org, &p, &f).await?;
    Ok(Json(TableForm::from_table(&t)))
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/reports/{id}/rewards", tag = "rewards", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("id" = String, Path, description = "The report id")),
    responses((status = 200, body = [RewardView]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn report_rewards(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, id)): Path<(String, String)>,
) -> Result<Json<Vec<RewardView>>, AppError> {
    let (org, r) = readable_report(&state, &ctx, &org, &id, "rewards").await?;
    ctx.require(Action::ViewRewards(org.id))?;
    let all = state.store.rewards_for_report(r.id).await?;
    let refs: Vec<_> = all.iter().collect();
    let who = rewards::usernames(&state, &refs).await?;
    Ok(Json(all.iter().map(|w| RewardView::new(w, &who)).collect()))
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/reports/{id}/rewards", tag = "rewards", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("id" = String, Path, description = "The report id")),
    request_body = DecideForm,
    responses((status = 201, body = RewardView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "No reward table, the report is not valid, or it already has a reward"),
        (status = 422, body = ErrorBody)))]
pub(crate) async fn decide(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, id)): Path<(String, String)>,
    ApiJson(f): ApiJson<DecideForm>,
) -> Result<(StatusCode, Json<RewardView>), AppError> {
    let (org, r) = readable_report(&state, &ctx, &org, &id, "reward").await?;
    let w = rewards::decide(&state, &ctx, &org, &r, &f).await?;
    let who = rewards::usernames(&state, &[&w]).await?;
    Ok((StatusCode::CREATED, Json(RewardView::new(&w, &who))))
}

/// A step on a reward.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct StepBody {
    /// `approve`, `pay`, `fail` or `cancel`.
    action: String,
    /// The payment reference (`pay`), or why (`fail`, `cancel`).
    #[serde(default)]
    note: String,
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/rewards/{id}/steps", tag = "rewards", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("id" = String, Path, description = "The reward id")),
    request_body = StepBody,
    responses((status = 200, body = RewardView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The state does not allow it, or four eyes are needed"), (status = 422, body = ErrorBody)))]
pub(crate) async fn step(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, id)): Path<(String, String)>,
    ApiJson(b): ApiJson<StepBody>,
) -> Result<Json<RewardView>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    let w = rewards::step(&state, &ctx, &org, &id, &b.action, &b.note).await?;
    let who = rewards::usernames(&state, &[&w]).await?;
    Ok(Json(RewardView::new(&w, &who)))
}

/// The ledger for a period.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Ledger {
    from: String,
    to: String,
    rewards: Vec<RewardView>,
    /// Per currency and state: count and sum in minor units.
    totals: Vec<LedgerTotal>,
}

/// One total of the ledger.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct LedgerTotal {
    currency: String,
    state: String,
    count: i64,
    sum_minor: i64,
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/rewards", tag = "rewards", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), LedgerQuery),
    responses((status = 200, body = Ledger), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn ledger(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
    ApiQuery(q): ApiQuery<LedgerQuery>,
) -> Result<Json<Ledger>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    let rewards::Ledger { period: p, lines, who } = rewards::ledger(&state, &ctx, &org, &q).await?;
    Ok(Json(Ledger {
        from: p.from_day,
        to: p.to_day,
        totals: rewards::totals(&lines)
            .into_iter()
            .map(|(currency, st, count, sum_minor)| LedgerTotal {
                currency,
                state: st.as_str().to_owned(),
                count,
                sum_minor,
            })
            .collect(),
        rewards: lines.iter().map(|l| RewardView::new(&l.reward, &who)).collect(),
    }))
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/rewards.csv", tag = "rewards", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), LedgerQuery),
    responses((status = 200, description = "One row per share", content_type = "text/csv", body = String),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn ledger_csv(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
    ApiQuery(q): ApiQuery<LedgerQuery>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    let l = rewards::ledger(&state, &ctx, &org, &q).await?;
    let mut resp = (StatusCode::OK, rewards::ledger_csv(&l.lines, &l.who)).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    Ok(resp)
}

#[utoipa::path(put, path = "/api/v1/organisations/{org}/programs/{program}/vendor", tag = "rewards", security(("bearer" = [])),
    params(("org" = String, Path, description = "The collection platform's short name"), ("program" = String, Path, description = "The program's short name")),
    request_body = VendorForm,
    responses((status = 204, description = "Saved"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn put_vendor(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, program)): Path<(String, String)>,
    ApiJson(f): ApiJson<VendorForm>,
) -> Result<StatusCode, AppError> {
    let (org, p) = program_of(&state, &ctx, &org, &program).await?;
    handoffs::set_vendor(&state, &ctx, &org, &p, &f).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/reports/{id}/handoffs", tag = "rewards", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("id" = String, Path, description = "The report id")),
    responses((status = 200, body = [HandoffView]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_handoffs(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, id)): Path<(String, String)>,
) -> Result<Json<Vec<HandoffView>>, AppError> {
    let (_, r) = readable_report(&state, &ctx, &org, &id, "handoffs").await?;
    let mut out = Vec::new();
    for h in state.store.handoffs_of_report(r.id).await? {
        out.push(handoffs::view(&state, &h).await?);
    }
    Ok(Json(out))
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/reports/{id}/handoffs", tag = "rewards", security(("bearer" = [])),
    params(("org" = String, Path, description = "The collection platform's short name"), ("id" = String, Path, description = "The report id")),
    request_body = HandoffForm,
    responses((status = 201, body = HandoffView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "Refused: not a platform, not triaged, no vendor, or Art. 9(7)"), (status = 422, body = ErrorBody)))]
pub(crate) async fn hand_off(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, id)): Path<(String, String)>,
    ApiJson(f): ApiJson<HandoffForm>,
) -> Result<(StatusCode, Json<HandoffView>), AppError> {
    let (org, r) = readable_report(&state, &ctx, &org, &id, "handoff").await?;
    let h = handoffs::hand_off(&state, &ctx, &org, &r, &f).await?;
    Ok((StatusCode::CREATED, Json(handoffs::view(&state, &h).await?)))
}
