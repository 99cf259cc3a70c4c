//! The acknowledgement link of a notice: `GET /ack/{secret}` asks the recipient to confirm (a
//! link scanner following the URL records nothing); `POST` records the first confirmation, with
//! the time and address, and audits it. An unknown secret is a 404.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use super::{Chrome, CsrfOnly, Form, render};
use crate::auth::RequestCtx;
use crate::error::AppError;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "ack.html")]
struct AckPage {
    chrome: Chrome,
    token: String,
    recipient: String,
    acknowledged_at: String,
}

async fn page(state: &AppState, ctx: &RequestCtx, token: &str) -> Result<AckPage, AppError> {
    let ack = state.store.notice_ack(&crate::auth::sha256_hex(token)).await?.ok_or(AppError::NotFound)?;
    Ok(AckPage {
        chrome: Chrome::new(ctx),
        token: token.to_owned(),
        recipient: ack.recipient,
        acknowledged_at: ack.acknowledged_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
    })
}

pub(crate) async fn show(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    render(&page(&state, &ctx, &token).await?)
}

pub(crate) async fn confirm(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(token): Path<String>,
    Form(_): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    let ack = state.store.notice_ack(&crate::auth::sha256_hex(&token)).await?.ok_or(AppError::NotFound)?;
    state.store.acknowledge_notice(&ack, &ctx.audit(state.clock.now())).await?;
    render(&page(&state, &ctx, &token).await?)
}
