//! `/.well-known/security.txt` (RFC 9116) and the page where an organisation sets its fields.
//! The deployment serves the file of the organisation named by the `security_txt_org` setting, or
//! of the only organisation that has configured one.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use vulndesk_core::{Action, Organisation, Timestamp};
use vulndesk_formats::securitytxt::SecurityTxt;
use vulndesk_store::intake::SecurityTxtSettings;

use super::{Chrome, Form, render, render_status, see_other};
use crate::auth::RequestCtx;
use crate::error::AppError;
use crate::ops;
use crate::state::AppState;

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

fn document(s: &SecurityTxtSettings) -> SecurityTxt {
    SecurityTxt {
        contact: s.contact.clone(),
        expires: s.expires_at.to_rfc3339(),
        policy: opt(&s.policy_url),
        acknowledgments: opt(&s.acknowledgments_url),
        preferred_languages: s.preferred_languages.clone(),
        canonical: opt(&s.canonical_url),
        csaf: None,
    }
}

pub(crate) async fn well_known(State(state): State<AppState>, ctx: RequestCtx) -> Result<Response, AppError> {
    let orgs = state.store.list_orgs().await?;
    let mut configured = Vec::new();
    for o in &orgs {
        if let Some(s) = state.store.security_txt_of(o.id).await? {
            configured.push((o.slug.to_string(), s));
        }
    }
    let chosen = match &state.config.security_txt_org {
        Some(slug) => configured.into_iter().find(|(s, _)| s == slug),
        None if configured.len() == 1 => configured.pop(),
        None => None,
    };
    let Some((_, settings)) = chosen else { return Err(AppError::NotFound) };
    let mut doc = document(&settings);
    // Once anything is published, security.txt points at the CSAF provider (CSAF 2.0 §7.1.8),
    // when vulndesk is reached over HTTPS: RFC 9116 takes only https: web URIs, so a deployment
    // reached over plain HTTP (the demo, a first start) leaves the line out.
    let base = state.public_base(&ctx);
    if base.starts_with("https://") && super::csaf::provider_published(&state).await? {
        doc.csaf = Some(format!("{base}/.well-known/csaf/provider-metadata.json"));
    }
    let text = doc.render().map_err(|e| AppError::Internal(format!("stored security.txt is invalid: {e}")))?;
    let mut resp = text.into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    Ok(resp)
}

#[derive(Template)]
#[template(path = "security_txt.html")]
struct EditPage {
    chrome: Chrome,
    org_name: String,
    org_slug: String,
    errors: Vec<String>,
    preview: String,
    contact: String,
    expires: String,
    policy_url: String,
    acknowledgments_url: String,
    preferred_languages: String,
    canonical_url: String,
}

async fn managed_org(state: &AppState, ctx: &RequestCtx, slug: &str) -> Result<Organisation, AppError> {
    let org = ops::visible_org(state, ctx, slug).await?;
    ctx.require(Action::ManagePrograms(org.id))?;
    Ok(org)
}

fn edit_page(
    ctx: &RequestCtx,
    org: &Organisation,
    f: &SecurityTxtForm,
    errors: Vec<String>,
    preview: String,
) -> EditPage {
    EditPage {
        chrome: Chrome::new(ctx),
        org_name: org.name.clone(),
        org_slug: org.slug.to_string(),
        errors,
        preview,
        contact: f.contact.clone(),
        expires: f.expires.clone(),
        policy_url: f.policy_url.clone(),
        acknowledgments_url: f.acknowledgments_url.clone(),
        preferred_languages: f.preferred_languages.clone(),
        canonical_url: f.canonical_url.clone(),
    }
}

pub(crate) async fn edit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let org = managed_org(&state, &ctx, &slug).await?;
    let (form, preview) = match state.store.security_txt_of(org.id).await? {
        Some(s) => (
            SecurityTxtForm {
                contact: s.contact.join("\n"),
                expires: s.expires_at.to_rfc3339().chars().take(10).collect(),
                policy_url: s.policy_url.clone(),
                acknowledgments_url: s.acknowledgments_url.clone(),
                preferred_languages: s.preferred_languages.join(", "),
                canonical_url: s.canonical_url.clone(),
            },
            document(&s).render().unwrap_or_default(),
        ),
        None => (SecurityTxtForm::default(), String::new()),
    };
    render(&edit_page(&ctx, &org, &form, Vec::new(), preview))
}

/// The fields as typed.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SecurityTxtForm {
    #[serde(default)]
    contact: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    expires: String,
    #[serde(default)]
    policy_url: String,
    #[serde(default)]
    acknowledgments_url: String,
    #[serde(default)]
    preferred_languages: String,
    #[serde(default)]
    canonical_url: String,
}

pub(crate) async fn save(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Form(f): Form<SecurityTxtForm>,
) -> Result<Response, AppError> {
    let org = managed_org(&state, &ctx, &slug).await?;
    let expires = Timestamp::parse_rfc3339(&format!("{}T00:00:00Z", f.expires.trim()));
    let settings = SecurityTxtSettings {
        contact: f.contact.lines().map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).collect(),
        expires_at: expires.unwrap_or(Timestamp::from_micros(0)),
        policy_url: f.policy_url.trim().to_owned(),
        acknowledgments_url: f.acknowledgments_url.trim().to_owned(),
        preferred_languages: f
            .preferred_languages
            .split(',')
            .map(|l| l.trim().to_owned())
            .filter(|l| !l.is_empty())
            .collect(),
        canonical_url: f.canonical_url.trim().to_owned(),
    };
    let mut errors = Vec::new();
    if expires.is_none_or(|e| e <= state.clock.now()) {
        errors.push(ctx.tr.t("securitytxt-expires-future"));
    }
    if let Err(e) = document(&settings).validate() {
        errors.push(e.to_string());
    }
    if !errors.is_empty() {
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &edit_page(&ctx, &org, &f, errors, String::new()));
    }
    state.store.set_security_txt(org.id, &settings, &ctx.audit(state.clock.now())).await?;
    Ok(see_other(&format!("/orgs/{slug}/security-txt")))
}
