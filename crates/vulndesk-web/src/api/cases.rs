//! Cases over the API: list and open, read one (with its deadlines), the assessment, verification
//! records, transitions (409 with the guard's reason), and the deadlines board.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use vulndesk_core::Action;
use vulndesk_core::case::Case;

use super::{ApiJson, ApiQuery, ErrorBody};
use crate::auth::RequestCtx;
use crate::cases::{self, AssessmentForm, VerificationForm};
use crate::error::AppError;
use crate::ops;
use crate::state::AppState;

/// A deadline of a case.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct DeadlineDto {
    /// `authority_report`, `upstream_notice`, `reporter_acknowledgement`, `remediation`.
    kind: &'static str,
    start: String,
    due: String,
    met_at: Option<String>,
    /// `open`, `reminder_50`, `reminder_75`, `overdue`, `met`, `met_late`.
    state: &'static str,
}

/// A case.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct CaseDto {
    id: String,
    number: String,
    title: String,
    state: String,
    aware_at: String,
    upstream: bool,
    upstream_supplier: String,
    users_must_act: bool,
    cvss_vector: String,
    cvss_score: String,
    grade: String,
    cwe: String,
    characteristics: String,
    harm: String,
    scope_of_impact: String,
    characteristics_en: String,
    harm_en: String,
    scope_of_impact_en: String,
    state_reason: String,
    aliases: Vec<String>,
    deadlines: Vec<DeadlineDto>,
    created_at: String,
    updated_at: String,
}

async fn dto(state: &AppState, c: Case) -> Result<CaseDto, AppError> {
    let deadlines = cases::case_deadlines(state, &c).await?;
    let aliases = state.store.aliases_of(c.id).await?;
    Ok(dto_of(state, c, &deadlines, aliases))
}

/// A case as the API shows it, from its deadlines and aliases read beforehand.
fn dto_of(state: &AppState, c: Case, deadlines: &[vulndesk_core::deadline::Deadline], aliases: Vec<String>) -> CaseDto {
    let now = state.clock.now();
    let deadlines = deadlines
        .iter()
        .map(|d| DeadlineDto {
            kind: d.kind.as_str(),
            start: d.start.to_rfc3339(),
            due: d.due.to_rfc3339(),
            met_at: d.met_at.map(|t| t.to_rfc3339()),
            state: d.state(now).as_str(),
        })
        .collect();
    CaseDto {
        aliases,
        id: c.id.to_string(),
        number: c.number,
        title: c.title,
        state: c.state.as_str().into(),
        aware_at: c.aware_at.to_rfc3339(),
        upstream: c.upstream,
        upstream_supplier: c.upstream_supplier,
        users_must_act: c.users_must_act,
        cvss_vector: c.cvss_vector,
        cvss_score: c.cvss_score,
        grade: c.grade,
        cwe: c.cwe,
        characteristics: c.characteristics,
        harm: c.harm,
        scope_of_impact: c.scope_of_impact,
        characteristics_en: c.characteristics_en,
        harm_en: c.harm_en,
        scope_of_impact_en: c.scope_of_impact_en,
        state_reason: c.state_reason,
        deadlines,
        created_at: c.created_at.to_rfc3339(),
        updated_at: c.updated_at.to_rfc3339(),
    }
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/cases", tag = "cases", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name")),
    responses((status = 200, body = [CaseDto]), (status = 403, body = ErrorBody)))]
pub(crate) async fn list(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
) -> Result<Json<Vec<CaseDto>>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    ctx.require(Action::ViewCases(org.id))?;
    let hidden = crate::cases::hidden_cases(&state, &ctx, org.id).await?;
    let list: Vec<Case> =
        state.store.cases_of(org.id, false).await?.into_iter().filter(|c| !hidden.contains(&c.id)).collect();
    // The whole list in a handful of queries, not several per case.
    let deadlines = cases::org_case_deadlines(&state, org.id, &list).await?;
    let mut aliases = state.store.aliases_of_org(org.id).await?;
    Ok(Json(
        list.into_iter()
            .map(|c| {
                let d = deadlines.get(&c.id).map(Vec::as_slice).unwrap_or_default();
                let a = aliases.remove(&c.id).unwrap_or_default();
                dto_of(&state, c, d, a)
            })
            .collect(),
    ))
}

/// A case to open: from reports (their first receipt gives `aware_at`), or directly.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewCaseDto {
    /// Report ids to open it from; empty opens it directly.
    #[serde(default)]
    reports: Vec<String>,
    /// Needed when opening directly.
    #[serde(default)]
    title: String,
    /// When opening directly: RFC 3339 (default now).
    #[serde(default)]
    aware_at: String,
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/cases", tag = "cases", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name")), request_body = NewCaseDto,
    responses((status = 201, body = CaseDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
    ApiJson(body): ApiJson<NewCaseDto>,
) -> Result<(StatusCode, Json<CaseDto>), AppError> {
    let o = ops::visible_org(&state, &ctx, &org).await?;
    let case = match body.reports.split_first() {
        Some((first, rest)) => {
            let (o, report) = crate::pages::inbox::readable_report(&state, &ctx, &org, first, "promote").await?;
            let case = cases::promote(&state, &ctx, &o, &report).await?;
            // The other reports are of the same flaw: they join the case (their reporters are
            // co-reporters, and share its credit and reward).
            for id in rest {
                let (o, report) = crate::pages::inbox::readable_report(&state, &ctx, &org, id, "merge").await?;
                cases::merge(&state, &ctx, &o, &report, &case.number).await?;
            }
            state.store.case(case.id).await?.ok_or(AppError::NotFound)?
        }
        None => cases::open(&state, &ctx, &o, &body.title, &body.aware_at).await?,
    };
    Ok((StatusCode::CREATED, Json(dto(&state, case).await?)))
}

async fn the_case(state: &AppState, ctx: &RequestCtx, org: &str, number: &str) -> Result<Case, AppError> {
    let org = ops::visible_org(state, ctx, org).await?;
    cases::readable_case(state, ctx, &org, number).await
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/cases/{number}", tag = "cases", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042")),
    responses((status = 200, body = CaseDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number)): Path<(String, String)>,
) -> Result<Json<CaseDto>, AppError> {
    let c = the_case(&state, &ctx, &org, &number).await?;
    Ok(Json(dto(&state, c).await?))
}

#[utoipa::path(put, path = "/api/v1/organisations/{org}/cases/{number}/assessment", tag = "cases", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042")),
    request_body = AssessmentForm,
    responses((status = 200, body = CaseDto), (status = 403, body = ErrorBody), (status = 422, description = "A field is wrong; a bad CVSS vector names the metric", body = ErrorBody)))]
pub(crate) async fn assess(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number)): Path<(String, String)>,
    ApiJson(f): ApiJson<AssessmentForm>,
) -> Result<Json<CaseDto>, AppError> {
    let c = the_case(&state, &ctx, &org, &number).await?;
    cases::assess(&state, &ctx, &c, &f).await?;
    let c = state.store.case(c.id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(dto(&state, c).await?))
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/cases/{number}/verifications", tag = "cases", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042")),
    request_body = VerificationForm,
    responses((status = 201, body = CaseDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn verify(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number)): Path<(String, String)>,
    ApiJson(f): ApiJson<VerificationForm>,
) -> Result<(StatusCode, Json<CaseDto>), AppError> {
    let c = the_case(&state, &ctx, &org, &number).await?;
    cases::verify(&state, &ctx, &c, &f).await?;
    Ok((StatusCode::CREATED, Json(dto(&state, c).await?)))
}

/// A lifecycle event.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TransitionDto {
    /// `start_triage`, `confirm`, `start_remediation`, `mark_fixed`, `disclose`, `close`, `reject`,
    /// `mark_duplicate`, `mark_not_applicable`, `reopen`.
    event: String,
    #[serde(default)]
    reason: String,
    /// For `mark_duplicate`: the other case's number.
    #[serde(default)]
    duplicate_of: String,
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/cases/{number}/transitions", tag = "cases", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042")),
    request_body = TransitionDto,
    responses((status = 200, body = CaseDto), (status = 403, body = ErrorBody),
        (status = 409, description = "The lifecycle refused: the message names what is missing", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn transition(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number)): Path<(String, String)>,
    ApiJson(t): ApiJson<TransitionDto>,
) -> Result<Json<CaseDto>, AppError> {
    let c = the_case(&state, &ctx, &org, &number).await?;
    cases::move_case(&state, &ctx, &c, &t.event, &t.reason, &t.duplicate_of).await?;
    let c = state.store.case(c.id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(dto(&state, c).await?))
}

/// One line of the deadlines board.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct BoardLine {
    case: String,
    title: String,
    kind: &'static str,
    due: String,
    remaining_seconds: i64,
    state: &'static str,
}

/// Which deadlines.
#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct BoardQuery {
    /// Only this kind.
    kind: Option<String>,
    /// Only cases assigned to this username.
    assignee: Option<String>,
    /// Only cases whose reports or scope of impact name this product (case-insensitive substring).
    product: Option<String>,
    /// Only cases assigned to this team (its short name) or to one of its members.
    team: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/deadlines", tag = "cases", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), BoardQuery),
    responses((status = 200, description = "Unmet deadlines of open cases, soonest first", body = [BoardLine]), (status = 403, body = ErrorBody)))]
pub(crate) async fn board(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
    ApiQuery(q): ApiQuery<BoardQuery>,
) -> Result<Json<Vec<BoardLine>>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    ctx.require(Action::ViewCases(org.id))?;
    let kind = match q.kind.as_deref() {
        None | Some("") => None,
        Some(k) => Some(
            [
                vulndesk_core::deadline::DeadlineKind::AuthorityReport,
                vulndesk_core::deadline::DeadlineKind::UpstreamNotice,
                vulndesk_core::deadline::DeadlineKind::ReporterAcknowledgement,
                vulndesk_core::deadline::DeadlineKind::Remediation,
            ]
            .into_iter()
            .find(|x| x.as_str() == k)
            .ok_or_else(|| {
                AppError::Validation(vec![
                    crate::error::FieldError::new("kind", "unknown-deadline-kind").with("value", k),
                ])
            })?,
        ),
    };
    let now = state.clock.now();
    let filter = crate::pages::cases::BoardFilter {
        kind,
        assignee: q.assignee.as_deref(),
        product: q.product.as_deref(),
        team: q.team.as_deref(),
    };
    let rows = crate::pages::cases::board_rows(&state, &ctx, &org, filter).await?;
    Ok(Json(
        rows.into_iter()
            .map(|(c, d)| BoardLine {
                case: c.number,
                title: c.title,
                kind: d.kind.as_str(),
                due: d.due.to_rfc3339(),
                remaining_seconds: d.remaining_micros(now) / 1_000_000,
                state: d.state(now).as_str(),
            })
            .collect(),
    ))
}

/// A vector to score.
#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct CvssQuery {
    /// A CVSS 3.0, 3.1 or 4.0 vector.
    vector: String,
}

#[utoipa::path(get, path = "/api/v1/cvss", tag = "cases", params(CvssQuery),
    responses((status = 200, description = "The scores as `vulndesk cvss score` prints them, plus `grade` (超危/高危/中危/低危 as critical/high/medium/low); or `{vector, error}` naming the bad metric")))]
pub(crate) async fn score(ApiQuery(q): ApiQuery<CvssQuery>) -> Json<serde_json::Value> {
    let mut v = vulndesk_formats::cvss::score_line(q.vector.trim());
    if let Ok(parsed) = vulndesk_formats::cvss::parse(q.vector.trim()) {
        v["grade"] = serde_json::Value::String(parsed.scores().cn_grade().en().to_owned());
    }
    Json(v)
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/cases/{number}/dossier", tag = "cases", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042")),
    responses((status = 200, description = "Each Article 7 step with its time and actor (R27)", body = crate::dossier::Dossier),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn dossier(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number)): Path<(String, String)>,
) -> Result<Json<crate::dossier::Dossier>, AppError> {
    let c = the_case(&state, &ctx, &org, &number).await?;
    Ok(Json(crate::dossier::build(&state, &ctx.tr, &c).await?))
}

/// A search of the CWE catalogue.
#[derive(Deserialize, utoipa::IntoParams)]
pub(crate) struct CweQuery {
    /// An id (`122`, `CWE-122`) or words of the name.
    q: String,
}

/// A CWE entry.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct CweDto {
    id: String,
    name: &'static str,
}

#[utoipa::path(get, path = "/api/v1/cwe", tag = "cases", params(CweQuery),
    responses((status = 200, description = "Up to 20 matches from the CWE 4.14 catalogue, best first", body = [CweDto])))]
pub(crate) async fn cwe_search(ApiQuery(q): ApiQuery<CweQuery>) -> Json<Vec<CweDto>> {
    Json(
        vulndesk_formats::cwe::search(&q.q, 20)
            .into_iter()
            .map(|c| CweDto { id: format!("CWE-{}", c.id), name: c.name })
            .collect(),
    )
}

#[utoipa::path(put, path = "/api/v1/organisations/{org}/cases/{number}/gbt30279", tag = "cases", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042")),
    request_body = crate::cases::GbtForm,
    responses((status = 200, description = "The grades computed with the tables in force", body = GbtDto), (status = 403, body = ErrorBody),
        (status = 422, description = "An indicator value is unknown", body = ErrorBody)))]
pub(crate) async fn gbt(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number)): Path<(String, String)>,
    ApiJson(f): ApiJson<crate::cases::GbtForm>,
) -> Result<Json<GbtDto>, AppError> {
    let c = the_case(&state, &ctx, &org, &number).await?;
    cases::grade_gbt(&state, &ctx, &c, &f).await?;
    let g = state.store.gbt_grading(c.id).await?.unwrap_or_default();
    Ok(Json(GbtDto {
        indicators: g.indicators,
        technical: g.technical,
        comprehensive: g.comprehensive,
        tables: g.tables,
    }))
}

/// A GB/T 30279-2020 grading.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct GbtDto {
    indicators: String,
    /// 技术分级: `critical` (超危), `high` (高危), `medium` (中危), `low` (低危).
    technical: String,
    /// 综合分级.
    comprehensive: String,
    /// The tables used (their version, and whether they are the standard's).
    tables: String,
}

#[utoipa::path(get, path = "/api/v1/gbt30279/tables", tag = "cases", security(("bearer" = [])),
    responses((status = 200, description = "The grading tables in force, as TOML", content_type = "application/toml"), (status = 401, body = ErrorBody)))]
pub(crate) async fn gbt_tables_get(
    State(state): State<AppState>,
    ctx: RequestCtx,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    ctx.user()?;
    let text = match state.store.setting(cases::GBT_TABLES_KEY).await? {
        Some(t) => t,
        None => vulndesk_formats::gbt30279::GradingTables::builtin_source().to_owned(),
    };
    Ok(([(axum::http::header::CONTENT_TYPE, "application/toml; charset=utf-8")], text).into_response())
}

#[utoipa::path(put, path = "/api/v1/gbt30279/tables", tag = "cases", security(("bearer" = [])),
    request_body(content = String, content_type = "application/toml", description = "Replacement tables (every combination covered exactly once)"),
    responses((status = 204, description = "Replaced"), (status = 403, body = ErrorBody),
        (status = 422, description = "The file is refused; every problem is listed with its line", body = ErrorBody)))]
pub(crate) async fn gbt_tables_put(
    State(state): State<AppState>,
    ctx: RequestCtx,
    body: String,
) -> Result<StatusCode, AppError> {
    ctx.require(Action::ManageUsers)?;
    if let Err(e) = vulndesk_formats::gbt30279::GradingTables::from_toml(&body) {
        return Err(AppError::Validation(vec![
            crate::error::FieldError::new("tables", "gbt-tables-invalid").with("detail", e),
        ]));
    }
    state.store.set_setting(cases::GBT_TABLES_KEY, &body, None, &ctx.audit(state.clock.now())).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A person to put on a case or take off it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PersonDto {
    username: String,
    /// `assignee` or `watcher`.
    kind: String,
    /// False takes the person off.
    #[serde(default = "yes")]
    add: bool,
}

fn yes() -> bool {
    true
}

/// Whether a case is restricted to its people.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RestrictionDto {
    /// True: only the people on the case, the members of its teams and the organisation's
    /// auditors read it and its reports; false: every case reader of the organisation.
    restricted: bool,
}

#[utoipa::path(put, path = "/api/v1/organisations/{org}/cases/{number}/restriction", tag = "cases", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042")),
    request_body = RestrictionDto,
    responses((status = 204, description = "Done"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The caller is not on the case", body = ErrorBody)))]
pub(crate) async fn restriction(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number)): Path<(String, String)>,
    ApiJson(r): ApiJson<RestrictionDto>,
) -> Result<StatusCode, AppError> {
    let c = the_case(&state, &ctx, &org, &number).await?;
    cases::set_restriction(&state, &ctx, &c, r.restricted).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/cases/{number}/people", tag = "cases", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042")),
    request_body = PersonDto,
    responses((status = 204, description = "Done"), (status = 403, body = ErrorBody), (status = 422, description = "Not a member, or an unknown kind", body = ErrorBody)))]
pub(crate) async fn people(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number)): Path<(String, String)>,
    ApiJson(p): ApiJson<PersonDto>,
) -> Result<StatusCode, AppError> {
    let c = the_case(&state, &ctx, &org, &number).await?;
    cases::set_person(&state, &ctx, &c, &p.username, &p.kind, p.add).await?;
    Ok(StatusCode::NO_CONTENT)
}
