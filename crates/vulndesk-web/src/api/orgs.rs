//! Organisations and memberships over the API.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use vulndesk_core::{Action, Organisation};

use super::{ApiJson, ErrorBody};
use crate::auth::RequestCtx;
use crate::error::AppError;
use crate::ops;
use crate::state::AppState;

/// An organisation.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct OrganisationDto {
    id: String,
    slug: String,
    name: String,
    /// Any of `provider`, `operator`, `collection_platform`, `sharing_platform`.
    kinds: Vec<String>,
    created_at: String,
}

impl From<&Organisation> for OrganisationDto {
    fn from(o: &Organisation) -> Self {
        Self {
            id: o.id.to_string(),
            slug: o.slug.to_string(),
            name: o.name.clone(),
            kinds: o.kinds.iter().map(|k| k.as_str().to_owned()).collect(),
            created_at: o.created_at.to_rfc3339(),
        }
    }
}

/// An organisation to create.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewOrganisationDto {
    /// 2–63 characters of `a-z`, `0-9` and inner `-`.
    slug: String,
    name: String,
    /// At least one of `provider`, `operator`, `collection_platform`, `sharing_platform`.
    kinds: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", security(("bearer" = [])),
    responses((status = 200, description = "The organisations the caller may see", body = [OrganisationDto]), (status = 401, body = ErrorBody)))]
pub(crate) async fn list_orgs(
    State(state): State<AppState>,
    ctx: RequestCtx,
) -> Result<Json<Vec<OrganisationDto>>, AppError> {
    Ok(Json(ops::visible_orgs(&state, &ctx).await?.iter().map(OrganisationDto::from).collect()))
}

#[utoipa::path(post, path = "/api/v1/organisations", tag = "organisations", security(("bearer" = [])), request_body = NewOrganisationDto,
    responses((status = 201, body = OrganisationDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_org(
    State(state): State<AppState>,
    ctx: RequestCtx,
    ApiJson(body): ApiJson<NewOrganisationDto>,
) -> Result<(StatusCode, Json<OrganisationDto>), AppError> {
    let org = ops::create_org(&state, &ctx, &body.slug, &body.name, &body.kinds).await?;
    Ok((StatusCode::CREATED, Json((&org).into())))
}

#[utoipa::path(get, path = "/api/v1/organisations/{slug}", tag = "organisations", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The organisation's short name")),
    responses((status = 200, body = OrganisationDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_org(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
) -> Result<Json<OrganisationDto>, AppError> {
    Ok(Json((&ops::visible_org(&state, &ctx, &slug).await?).into()))
}

/// A member with their roles in the organisation.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct MemberDto {
    username: String,
    display_name: String,
    roles: Vec<String>,
}

#[utoipa::path(get, path = "/api/v1/organisations/{slug}/members", tag = "organisations", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The organisation's short name")),
    responses((status = 200, body = [MemberDto]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_members(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
) -> Result<Json<Vec<MemberDto>>, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    ctx.require(Action::ViewMembers(org.id))?;
    let members = state.store.members_of(org.id).await?;
    Ok(Json(
        members
            .into_iter()
            .map(|m| MemberDto {
                username: m.user.username.to_string(),
                display_name: m.user.display_name,
                roles: m.roles.iter().map(|r| r.as_str().to_owned()).collect(),
            })
            .collect(),
    ))
}

/// A role to give.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewMemberDto {
    username: String,
    /// One of `admin`, `coordinator`, `triager`, `engineer`, `publisher`, `auditor`.
    role: String,
}

/// The outcome of giving a role.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct MembershipChange {
    username: String,
    role: String,
    /// False when the person already held the role.
    added: bool,
}

#[utoipa::path(post, path = "/api/v1/organisations/{slug}/members", tag = "organisations", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The organisation's short name")), request_body = NewMemberDto,
    responses((status = 201, body = MembershipChange), (status = 200, description = "Already a member in that role", body = MembershipChange),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn add_member(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<NewMemberDto>,
) -> Result<(StatusCode, Json<MembershipChange>), AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    let added = ops::add_member(&state, &ctx, &org, &body.username, &body.role).await?;
    let status = if added { StatusCode::CREATED } else { StatusCode::OK };
    Ok((
        status,
        Json(MembershipChange { username: body.username.trim().to_owned(), role: body.role.trim().to_owned(), added }),
    ))
}

#[utoipa::path(delete, path = "/api/v1/organisations/{slug}/members/{username}/{role}", tag = "organisations", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The organisation's short name"), ("username" = String, Path, description = "The member"),
        ("role" = String, Path, description = "The role to take away")),
    responses((status = 204, description = "Removed"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn remove_member(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, username, role)): Path<(String, String, String)>,
) -> Result<StatusCode, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    ops::remove_member(&state, &ctx, &org, &username, &role).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/organisations/{slug}/teams", tag = "organisations", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The organisation's short name")),
    responses((status = 200, body = [crate::teams::TeamView]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_teams(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
) -> Result<Json<Vec<crate::teams::TeamView>>, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    ctx.require(Action::ViewMembers(org.id))?;
    Ok(Json(state.store.teams_of(org.id).await?.into_iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/api/v1/organisations/{slug}/teams", tag = "organisations", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The organisation's short name")), request_body = crate::teams::NewTeam,
    responses((status = 201, body = crate::teams::TeamView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_team(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<crate::teams::NewTeam>,
) -> Result<(StatusCode, Json<crate::teams::TeamView>), AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    let t = crate::teams::create(&state, &ctx, &org, &body).await?;
    Ok((StatusCode::CREATED, Json(t.into())))
}

#[utoipa::path(put, path = "/api/v1/organisations/{slug}/teams/{team}/members/{username}", tag = "organisations", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The organisation's short name"), ("team" = String, Path, description = "The team's short name"),
        ("username" = String, Path, description = "A member of the organisation")),
    responses((status = 200, body = crate::teams::TeamView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn add_team_member(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, team, username)): Path<(String, String, String)>,
) -> Result<Json<crate::teams::TeamView>, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    Ok(Json(crate::teams::set_member(&state, &ctx, &org, &team, &username, true).await?.into()))
}

#[utoipa::path(delete, path = "/api/v1/organisations/{slug}/teams/{team}/members/{username}", tag = "organisations", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The organisation's short name"), ("team" = String, Path, description = "The team's short name"),
        ("username" = String, Path, description = "A member of the team")),
    responses((status = 200, body = crate::teams::TeamView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn remove_team_member(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, team, username)): Path<(String, String, String)>,
) -> Result<Json<crate::teams::TeamView>, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    Ok(Json(crate::teams::set_member(&state, &ctx, &org, &team, &username, false).await?.into()))
}

/// A case's team to add or remove.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CaseTeamBody {
    /// The team's short name.
    team: String,
    /// `add` (the default) or `remove`.
    #[serde(default)]
    op: String,
}

#[utoipa::path(post, path = "/api/v1/organisations/{slug}/cases/{number}/teams", tag = "cases", security(("bearer" = [])),
    params(("slug" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042")),
    request_body = CaseTeamBody,
    responses((status = 204, description = "Done"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn case_team(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number)): Path<(String, String)>,
    ApiJson(body): ApiJson<CaseTeamBody>,
) -> Result<StatusCode, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    let case = crate::cases::readable_case(&state, &ctx, &org, &number).await?;
    crate::teams::set_case_team(&state, &ctx, &org, &case, &body.team, body.op != "remove").await?;
    Ok(StatusCode::NO_CONTENT)
}
