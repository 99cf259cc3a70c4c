//! The sharing platform's page: registered providers (a new one's credentials shown once),
//! agency subscribers, and the reports received with their timeliness and relays.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use vulndesk_core::{Action, Organisation};

use super::Chart;
use super::{Chrome, Form, render, render_status, see_other};
use crate::auth::RequestCtx;
use crate::error::AppError;
use crate::ops;
use crate::sharing::{self, ProviderCredentials, ReceivedReport, SubscriberForm};
use crate::state::AppState;

fn chart(title: String, counts: std::collections::BTreeMap<String, usize>) -> Chart {
    Chart::new(title, counts.into_iter().map(|(label, n)| (label, i64::try_from(n).unwrap_or(i64::MAX), n.to_string())))
}

struct ProviderRow {
    id: String,
    name: String,
    reports: usize,
    late: usize,
}

#[derive(Template)]
#[template(path = "sharing.html")]
struct SharingPage {
    chrome: Chrome,
    org_slug: String,
    org_name: String,
    providers: Vec<ProviderRow>,
    subscribers: Vec<vulndesk_store::sharing::Subscriber>,
    received: Vec<ReceivedReport>,
    new_provider: Option<ProviderCredentials>,
    errors: Vec<String>,
    can_manage: bool,
    charts: Vec<Chart>,
    /// The provider whose history is shown, when one is chosen.
    provider_filter: Option<String>,
}

async fn page(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    errors: Vec<String>,
) -> Result<SharingPage, AppError> {
    let received = sharing::received(state, ctx, org).await?;
    let providers = state
        .store
        .providers_of(org.id)
        .await?
        .into_iter()
        .map(|p| ProviderRow {
            reports: received.iter().filter(|r| r.report.provider == p.id).count(),
            late: received.iter().filter(|r| r.report.provider == p.id && r.report.late()).count(),
            id: p.id,
            name: p.name,
        })
        .collect();
    let tr = &ctx.tr;
    let count = |key: &dyn Fn(&ReceivedReport) -> String| {
        let mut m = std::collections::BTreeMap::new();
        for r in &received {
            *m.entry(key(r)).or_insert(0) += 1;
        }
        m
    };
    let grade = |r: &ReceivedReport| {
        if r.report.grade.is_empty() { "—".to_owned() } else { tr.t(&format!("grade-{}", r.report.grade)) }
    };
    let library = |r: &ReceivedReport| tr.t(&format!("sub-library-{}", r.report.sub_library));
    let provider = |r: &ReceivedReport| r.provider.clone();
    let product_type = |r: &ReceivedReport| {
        if r.report.product_type.is_empty() {
            tr.t("product-type-unknown")
        } else {
            tr.t(&format!("product-type-{}", r.report.product_type))
        }
    };
    let timeliness = |r: &ReceivedReport| if r.report.late() { tr.t("sharing-late") } else { tr.t("sharing-on-time") };
    let charts = vec![
        chart(tr.t("sharing-chart-provider"), count(&provider)),
        chart(tr.t("case-grade"), count(&grade)),
        chart(tr.t("authority-sub-library"), count(&library)),
        chart(tr.t("field-product-type"), count(&product_type)),
        chart(tr.t("sharing-chart-timeliness"), count(&timeliness)),
    ];
    Ok(SharingPage {
        provider_filter: None,
        charts,
        chrome: Chrome::new(ctx),
        org_slug: org.slug.to_string(),
        org_name: org.name.clone(),
        providers,
        subscribers: state.store.subscribers_of(org.id).await?,
        received,
        new_provider: None,
        errors,
        can_manage: ctx.require(Action::ManageOrganisation(org.id)).is_ok(),
    })
}

#[derive(Deserialize)]
pub(crate) struct SharingQuery {
    done: Option<String>,
    /// Show one provider's history only (its id).
    provider: Option<String>,
}

pub(crate) async fn show(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Query(q): Query<SharingQuery>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    let mut p = page(&state, &ctx, &org, Vec::new()).await?;
    p.chrome = p.chrome.with_notice(q.done.as_deref());
    if let Some(id) = q.provider.filter(|id| p.providers.iter().any(|x| &x.id == id)) {
        p.received.retain(|r| r.report.provider == id);
        p.provider_filter = p.providers.iter().find(|x| x.id == id).map(|x| x.name.clone());
    }
    render(&p)
}

#[derive(Deserialize)]
pub(crate) struct NameForm {
    #[serde(default)]
    name: String,
}

/// Registers a provider and shows its credentials on the answer itself: they are never stored
/// in clear nor shown again.
pub(crate) async fn add_provider(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Form(f): Form<NameForm>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    match sharing::create_provider(&state, &ctx, &org, &f.name).await {
        Ok(creds) => {
            let mut p = page(&state, &ctx, &org, Vec::new()).await?;
            p.new_provider = Some(creds);
            render(&p)
        }
        Err(AppError::Validation(fields)) => {
            let errors = fields.iter().map(|f| f.render(&ctx.tr)).collect();
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&state, &ctx, &org, errors).await?)
        }
        Err(other) => Err(other),
    }
}

pub(crate) async fn add_subscriber(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Form(f): Form<SubscriberForm>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    match sharing::create_subscriber(&state, &ctx, &org, &f).await {
        Ok(_) => Ok(see_other(&format!("/orgs/{slug}/sharing?done=notice-sharing-saved"))),
        Err(AppError::Validation(fields)) => {
            let errors = fields.iter().map(|f| f.render(&ctx.tr)).collect();
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&state, &ctx, &org, errors).await?)
        }
        Err(other) => Err(other),
    }
}
