//! Vendors' CSAF feeds, shared by the pages and the API: an organisation's feeds with their last
//! pull, adding one, pulling now, and each feed's kept documents and refusals.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vulndesk_core::{Action, Organisation};
use vulndesk_store::StoreError;
use vulndesk_store::feeds::Feed;

use crate::auth::RequestCtx;
use crate::error::{AppError, FieldError};
use crate::state::AppState;

/// A feed to add.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub(crate) struct NewFeed {
    /// A name for it (the vendor's).
    #[serde(default)]
    pub(crate) name: String,
    /// The provider's `provider-metadata.json` URL.
    #[serde(default)]
    pub(crate) url: String,
}

/// A feed with its state.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct FeedView {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) url: String,
    /// `never`, `ok` or `failed`.
    pub(crate) last_status: String,
    pub(crate) last_error: String,
    pub(crate) last_run_at: Option<String>,
    pub(crate) documents: Vec<FeedDocumentView>,
    pub(crate) rejections: Vec<RejectionView>,
}

/// A document kept from a feed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct FeedDocumentView {
    pub(crate) tracking_id: String,
    pub(crate) title: String,
    pub(crate) current_release_date: String,
    pub(crate) url: String,
    pub(crate) sha256: String,
}

/// A document refused, with why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct RejectionView {
    pub(crate) url: String,
    pub(crate) reason: String,
    pub(crate) at: String,
}

/// What one pull did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct PullView {
    pub(crate) accepted: usize,
    pub(crate) unchanged: usize,
    pub(crate) rejected: Vec<RejectionView>,
}

/// The organisation's feeds with their documents and refusals (catalogue readers).
pub(crate) async fn list(state: &AppState, ctx: &RequestCtx, org: &Organisation) -> Result<Vec<FeedView>, AppError> {
    ctx.require(Action::ViewCatalogue(org.id))?;
    let mut out = Vec::new();
    for f in state.store.feeds(Some(org.id)).await? {
        out.push(view(state, &f).await?);
    }
    Ok(out)
}

async fn view(state: &AppState, f: &Feed) -> Result<FeedView, AppError> {
    Ok(FeedView {
        id: f.id.clone(),
        name: f.name.clone(),
        url: f.url.clone(),
        last_status: f.last_status.clone(),
        last_error: f.last_error.clone(),
        last_run_at: f.last_run_at.map(|t| t.to_rfc3339()),
        documents: state
            .store
            .feed_documents(&f.id)
            .await?
            .into_iter()
            .map(|d| FeedDocumentView {
                tracking_id: d.tracking_id,
                title: d.title,
                current_release_date: d.current_release_date,
                url: d.url,
                sha256: d.sha256,
            })
            .collect(),
        rejections: state
            .store
            .feed_rejections(&f.id)
            .await?
            .into_iter()
            .map(|(url, reason, at)| RejectionView { url, reason, at: at.to_rfc3339() })
            .collect(),
    })
}

/// Adds a feed (catalogue keepers): an http(s) URL, once per organisation.
pub(crate) async fn add(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    f: &NewFeed,
) -> Result<FeedView, AppError> {
    ctx.require(Action::ManageCatalogue(org.id))?;
    let mut e = Vec::new();
    let name = crate::validate::text("name", &f.name, 200).map_err(|x| e.push(x)).ok();
    let url = f.url.trim();
    if !crate::validate::http_url(url) {
        e.push(FieldError::new("url", "feed-url-invalid").with("value", url));
    }
    let Some(name) = name.filter(|_| e.is_empty()) else { return Err(AppError::Validation(e)) };
    let id = crate::auth::random_uuid().to_string();
    match state.store.add_feed(org.id, &id, &name, url, &ctx.audit(state.clock.now())).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => {
            return Err(AppError::Conflict("conflict-feed-url", vec![("url", url.to_owned())]));
        }
        Err(other) => return Err(other.into()),
    }
    let f = state.store.feeds(Some(org.id)).await?.into_iter().find(|f| f.id == id).ok_or(AppError::NotFound)?;
    view(state, &f).await
}

/// Pulls one of the organisation's feeds now (catalogue keepers).
pub(crate) async fn pull_now(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    id: &str,
) -> Result<PullView, AppError> {
    ctx.require(Action::ManageCatalogue(org.id))?;
    let f = state.store.feeds(Some(org.id)).await?.into_iter().find(|f| f.id == id).ok_or(AppError::NotFound)?;
    let dest = vulndesk_jobs::deliver::Destinations { allow_private: state.config.allow_private_destinations };
    match vulndesk_jobs::feeds::pull(&state.store, state.clock.as_ref(), &f, dest).await {
        Ok(r) => {
            if r.accepted > 0 {
                vulndesk_jobs::findings::rematch(&state.store, &state.osv, org.id, &ctx.audit(state.clock.now()))
                    .await?;
            }
            Ok(PullView {
                accepted: r.accepted,
                unchanged: r.unchanged,
                rejected: r
                    .rejected
                    .into_iter()
                    .map(|(url, reason)| RejectionView { url, reason, at: state.clock.now().to_rfc3339() })
                    .collect(),
            })
        }
        Err(StoreError::Invalid(why)) => Err(AppError::Conflict("conflict-feed-unreachable", vec![("detail", why)])),
        Err(other) => Err(other.into()),
    }
}
