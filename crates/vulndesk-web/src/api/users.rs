//! Accounts over the API: who am I, and account administration for site administrators.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use vulndesk_core::{Action, User};

use super::{ApiJson, ErrorBody};
use crate::auth::RequestCtx;
use crate::error::AppError;
use crate::ops::{self, UserInput};
use crate::state::AppState;

/// An account.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct UserDto {
    id: String,
    username: String,
    display_name: String,
    email: String,
    site_admin: bool,
    disabled: bool,
    /// `zh-CN`, `en`, or null when the browser decides.
    locale: Option<String>,
    created_at: String,
}

impl From<&User> for UserDto {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.to_string(),
            username: u.username.to_string(),
            display_name: u.display_name.clone(),
            email: u.email.clone(),
            site_admin: u.site_admin,
            disabled: u.disabled,
            locale: u.locale.map(|l| l.tag().to_owned()),
            created_at: u.created_at.to_rfc3339(),
        }
    }
}

/// One role in one organisation.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct MembershipDto {
    organisation: String,
    role: String,
}

/// The caller and what their credential allows.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct MeDto {
    user: UserDto,
    /// The memberships this credential carries (a scoped token carries fewer than the account).
    memberships: Vec<MembershipDto>,
    /// Whether this credential administers the deployment.
    site_admin: bool,
}

#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = MeDto), (status = 401, body = ErrorBody)))]
pub(crate) async fn me(State(state): State<AppState>, ctx: RequestCtx) -> Result<Json<MeDto>, AppError> {
    let user = ctx.user()?;
    let all = state.store.memberships_of(user.id).await?;
    let memberships = all
        .iter()
        .filter(|(o, r)| ctx.actor.has_role(o.id, *r))
        .map(|(o, r)| MembershipDto { organisation: o.slug.to_string(), role: r.as_str().into() })
        .collect();
    Ok(Json(MeDto { user: user.into(), memberships, site_admin: ctx.actor.is_site_admin() }))
}

#[utoipa::path(get, path = "/api/v1/users", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = [UserDto]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn list_users(State(state): State<AppState>, ctx: RequestCtx) -> Result<Json<Vec<UserDto>>, AppError> {
    ctx.require(Action::ListUsers)?;
    Ok(Json(state.store.list_users().await?.iter().map(UserDto::from).collect()))
}

/// An account to create.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewUserDto {
    username: String,
    display_name: String,
    #[serde(default)]
    email: String,
    /// At least 12 characters.
    password: String,
    #[serde(default)]
    site_admin: bool,
}

#[utoipa::path(post, path = "/api/v1/users", tag = "accounts", security(("bearer" = [])), request_body = NewUserDto,
    responses((status = 201, body = UserDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_user(
    State(state): State<AppState>,
    ctx: RequestCtx,
    ApiJson(body): ApiJson<NewUserDto>,
) -> Result<(StatusCode, Json<UserDto>), AppError> {
    let input = UserInput {
        username: &body.username,
        display_name: &body.display_name,
        email: &body.email,
        password: &body.password,
        site_admin: body.site_admin,
    };
    let user = ops::create_user(&state, &ctx, input).await?;
    Ok((StatusCode::CREATED, Json((&user).into())))
}
