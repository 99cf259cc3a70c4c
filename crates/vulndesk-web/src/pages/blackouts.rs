//! The blackout calendar (Art. 9(6)): site administrators list and add the windows in which
//! nothing is published without recorded MPS consent.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use vulndesk_core::Action;
use vulndesk_store::publication::Blackout;

use super::{Chrome, Done, Form, render, render_status, see_other};
use crate::auth::RequestCtx;
use crate::error::AppError;
use crate::publication::{self, BlackoutForm};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "blackouts.html")]
struct BlackoutsPage {
    chrome: Chrome,
    windows: Vec<Blackout>,
    errors: Vec<String>,
}

async fn page(state: &AppState, ctx: &RequestCtx, errors: Vec<String>) -> Result<BlackoutsPage, AppError> {
    ctx.require(Action::ManageBlackouts)?;
    Ok(BlackoutsPage {
        chrome: Chrome::new(ctx),
        windows: state.store.upcoming_blackouts(state.clock.now()).await?,
        errors,
    })
}

pub(crate) async fn show(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let mut p = page(&state, &ctx, Vec::new()).await?;
    p.chrome = p.chrome.with_notice(q.done.as_deref());
    render(&p)
}

pub(crate) async fn add(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Form(f): Form<BlackoutForm>,
) -> Result<Response, AppError> {
    match publication::add_blackout(&state, &ctx, &f).await {
        Ok(()) => Ok(see_other("/blackouts?done=notice-case-saved")),
        Err(AppError::Validation(fields)) => {
            let errors = fields.iter().map(|f| f.render(&ctx.tr)).collect();
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&state, &ctx, errors).await?)
        }
        Err(e) => Err(e),
    }
}
