//! Account administration for site administrators.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use vulndesk_core::Action;

use super::{Chrome, Done, Form, render, render_status, see_other};
use crate::auth::RequestCtx;
use crate::error::AppError;
use crate::ops::{self, UserInput};
use crate::state::AppState;

struct UserRow {
    username: String,
    display_name: String,
    email: String,
    site_admin: bool,
    disabled: bool,
    is_self: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    chrome: Chrome,
    users: Vec<UserRow>,
    errors: Vec<String>,
    form_username: String,
    form_display_name: String,
    form_email: String,
}

async fn page(
    state: &AppState,
    ctx: &RequestCtx,
    chrome: Chrome,
    form: Option<&UserForm>,
    errors: Vec<String>,
) -> Result<UsersPage, AppError> {
    ctx.require(Action::ListUsers)?;
    let me = ctx.actor.user();
    let users = state
        .store
        .list_users()
        .await?
        .into_iter()
        .map(|u| UserRow {
            is_self: Some(u.id) == me,
            username: u.username.to_string(),
            display_name: u.display_name,
            email: u.email,
            site_admin: u.site_admin,
            disabled: u.disabled,
        })
        .collect();
    Ok(UsersPage {
        chrome,
        users,
        errors,
        form_username: form.map(|f| f.username.clone()).unwrap_or_default(),
        form_display_name: form.map(|f| f.display_name.clone()).unwrap_or_default(),
        form_email: form.map(|f| f.email.clone()).unwrap_or_default(),
    })
}

pub(crate) async fn list(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let chrome = Chrome::new(&ctx).with_notice(q.done.as_deref());
    render(&page(&state, &ctx, chrome, None, Vec::new()).await?)
}

#[derive(Deserialize)]
pub(crate) struct UserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    site_admin: Option<String>,
}

pub(crate) async fn create(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Form(form): Form<UserForm>,
) -> Result<Response, AppError> {
    let input = UserInput {
        username: &form.username,
        display_name: &form.display_name,
        email: &form.email,
        password: &form.password,
        site_admin: form.site_admin.is_some(),
    };
    match ops::create_user(&state, &ctx, input).await {
        Ok(_) => Ok(see_other("/users?done=notice-user-created")),
        Err(AppError::Validation(fields)) => {
            let errors = fields.iter().map(|f| f.render(&ctx.tr)).collect();
            let p = page(&state, &ctx, Chrome::new(&ctx), Some(&form), errors).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
        Err(e) => Err(e),
    }
}

async fn set_disabled(
    state: AppState,
    ctx: RequestCtx,
    username: String,
    disabled: bool,
) -> Result<Response, AppError> {
    ops::set_user_disabled(&state, &ctx, &username, disabled).await?;
    Ok(see_other(if disabled { "/users?done=notice-user-disabled" } else { "/users?done=notice-user-enabled" }))
}

pub(crate) async fn disable(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(username): Path<String>,
    Form(_): Form<super::CsrfOnly>,
) -> Result<Response, AppError> {
    set_disabled(state, ctx, username, true).await
}

pub(crate) async fn enable(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(username): Path<String>,
    Form(_): Form<super::CsrfOnly>,
) -> Result<Response, AppError> {
    set_disabled(state, ctx, username, false).await
}
