//! An organisation's vendor feeds: each with its last pull, the documents kept and the ones
//! refused (with why), a form to add one and a button to pull now.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use vulndesk_core::Action;

use super::{Chrome, Done, Form, render_status, see_other};
use crate::auth::RequestCtx;
use crate::error::AppError;
use crate::feeds::{self, FeedView, NewFeed};
use crate::ops;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "feeds.html")]
struct FeedsPage {
    chrome: Chrome,
    org_slug: String,
    feeds: Vec<FeedView>,
    can_manage: bool,
    errors: Vec<String>,
}

async fn page(
    state: &AppState,
    ctx: &RequestCtx,
    slug: &str,
    notice: Option<&str>,
    status: StatusCode,
    errors: Vec<String>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(state, ctx, slug).await?;
    let feeds = feeds::list(state, ctx, &org).await?;
    render_status(
        status,
        &FeedsPage {
            chrome: Chrome::new(ctx).with_notice(notice),
            org_slug: org.slug.to_string(),
            feeds,
            can_manage: ctx.require(Action::ManageCatalogue(org.id)).is_ok(),
            errors,
        },
    )
}

pub(crate) async fn show(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    page(&state, &ctx, &slug, q.done.as_deref(), StatusCode::OK, Vec::new()).await
}

async fn failed(state: &AppState, ctx: &RequestCtx, slug: &str, e: AppError) -> Result<Response, AppError> {
    let (status, errors) = super::refused(ctx, e)?;
    page(state, ctx, slug, None, status, errors).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct FeedForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    url: String,
}

pub(crate) async fn add(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Form(f): Form<FeedForm>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    match feeds::add(&state, &ctx, &org, &NewFeed { name: f.name, url: f.url }).await {
        Ok(_) => Ok(see_other(&format!("/orgs/{slug}/feeds?done=notice-feed-saved"))),
        Err(e) => failed(&state, &ctx, &slug, e).await,
    }
}

pub(crate) async fn pull(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, id)): Path<(String, String)>,
    Form(_): Form<super::CsrfOnly>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    match feeds::pull_now(&state, &ctx, &org, &id).await {
        Ok(_) => Ok(see_other(&format!("/orgs/{slug}/feeds?done=notice-feed-pulled"))),
        Err(e) => failed(&state, &ctx, &slug, e).await,
    }
}
