//! An operator's assets: the list (restricted fields only for catalogue keepers), a form to add
//! one, and a CSV import.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use vulndesk_core::Action;

use super::{Chrome, Done, Form, render_status, see_other};
use crate::assets::{self, AssetForm, AssetView};
use crate::auth::RequestCtx;
use crate::error::AppError;
use crate::ops;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "assets.html")]
struct AssetsPage {
    chrome: Chrome,
    org_slug: String,
    assets: Vec<AssetView>,
    can_manage: bool,
    columns: String,
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
    let list = assets::list(state, ctx, &org).await?;
    render_status(
        status,
        &AssetsPage {
            chrome: Chrome::new(ctx).with_notice(notice),
            org_slug: org.slug.to_string(),
            assets: list,
            can_manage: ctx.require(Action::ManageCatalogue(org.id)).is_ok(),
            columns: assets::CSV_COLUMNS.join(","),
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

pub(crate) async fn add(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Form(f): Form<AssetForm>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    match assets::add(&state, &ctx, &org, &f).await {
        Ok(()) => Ok(see_other(&format!("/orgs/{slug}/assets?done=notice-asset-saved"))),
        Err(e) => failed(&state, &ctx, &slug, e).await,
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsvForm {
    #[serde(default)]
    csv: String,
}

pub(crate) async fn import(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Form(f): Form<CsvForm>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    match assets::import_csv(&state, &ctx, &org, f.csv.as_bytes()).await {
        Ok(_) => Ok(see_other(&format!("/orgs/{slug}/assets?done=notice-asset-saved"))),
        Err(e) => failed(&state, &ctx, &slug, e).await,
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct SbomForm {
    #[serde(default)]
    sbom: String,
}

pub(crate) async fn sbom(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, id)): Path<(String, String)>,
    Form(f): Form<SbomForm>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    match assets::import_sbom(&state, &ctx, &org, &id, f.sbom.into_bytes()).await {
        Ok(_) => Ok(see_other(&format!("/orgs/{slug}/assets?done=notice-asset-saved"))),
        Err(e) => failed(&state, &ctx, &slug, e).await,
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ExportQuery {
    #[serde(default)]
    restricted: bool,
}

/// The assets as CSV (de-identified unless asked and allowed), as a download.
pub(crate) async fn export(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response, AppError> {
    use axum::response::IntoResponse;
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    let csv = assets::export_csv(&state, &ctx, &org, q.restricted).await?;
    let name = if q.restricted { "assets-restricted.csv" } else { "assets.csv" };
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{slug}-{name}\"")),
            (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        csv,
    )
        .into_response())
}
