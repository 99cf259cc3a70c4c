//! A person's own account: language, password, two-factor sign-in, sessions and API tokens.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use vulndesk_core::{Action, Locale, TokenId};
use vulndesk_store::NewApiToken;

use super::{Chrome, Done, Form, render, render_status, see_other};
use crate::auth::{RequestCtx, new_api_token};
use crate::error::AppError;
use crate::ops::{hash_blocking, verify_blocking};
use crate::state::AppState;
use crate::validate;

struct TokenRow {
    id: String,
    name: String,
    prefix: String,
    scope: String,
    last_used: String,
}

struct ScopeOption {
    value: String,
    label: String,
}

struct SessionRow {
    id: String,
    created: String,
    source: String,
    user_agent: String,
    current: bool,
}

/// Two-factor sign-in as the account page shows it.
struct MfaView {
    /// On since (RFC 3339), or empty.
    enabled_at: String,
    /// Recovery codes left.
    recovery_left: i64,
    /// While set-up waits for its first code: the secret, the otpauth URL and its QR code.
    pending: Option<(String, String, String)>,
    /// Recovery codes to show once.
    new_codes: Vec<String>,
    /// Administrators must keep it on.
    required: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    errors: Vec<String>,
    new_token: Option<String>,
    locale_choice: String,
    tokens: Vec<TokenRow>,
    scope_options: Vec<ScopeOption>,
    mfa: MfaView,
    sessions: Vec<SessionRow>,
}

async fn page(
    state: &AppState,
    ctx: &RequestCtx,
    chrome: Chrome,
    errors: Vec<String>,
    new_token: Option<String>,
) -> Result<AccountPage, AppError> {
    page_with_codes(state, ctx, chrome, errors, new_token, Vec::new()).await
}

async fn page_with_codes(
    state: &AppState,
    ctx: &RequestCtx,
    chrome: Chrome,
    errors: Vec<String>,
    new_token: Option<String>,
    new_codes: Vec<String>,
) -> Result<AccountPage, AppError> {
    let user = ctx.user()?;
    let now = state.clock.now();
    let stored = state.store.mfa(user.id).await?;
    let pending = match &stored {
        Some(m) if m.enabled_at.is_none() => {
            let url = crate::mfa::otpauth_url(&m.secret, user.username.as_str())?;
            let svg = crate::mfa::qr_svg(&url);
            Some((m.secret.clone(), url, svg))
        }
        _ => None,
    };
    let mfa = MfaView {
        enabled_at: stored.as_ref().and_then(|m| m.enabled_at).map(|t| t.to_rfc3339()).unwrap_or_default(),
        recovery_left: stored.as_ref().map_or(0, |m| m.recovery_left),
        pending,
        new_codes,
        required: crate::mfa::required_for(state, &ctx.actor),
    };
    let sessions = state
        .store
        .sessions_of(user.id, now)
        .await?
        .into_iter()
        .map(|s| SessionRow {
            current: ctx.session_hash.as_deref() == Some(s.id_hash.as_str()),
            id: s.id_hash,
            created: s.created_at.to_rfc3339(),
            source: s.source,
            user_agent: s.user_agent.chars().take(120).collect(),
        })
        .collect();
    let tr = ctx.tr;
    let memberships = state.store.memberships_of(user.id).await?;
    let org_slug = |id| {
        memberships.iter().find(|(o, _)| o.id == id).map(|(o, _)| o.slug.to_string()).unwrap_or_else(|| "?".into())
    };
    let tokens = state
        .store
        .tokens_of(user.id)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id.to_string(),
            scope: match (t.org, t.role) {
                (None, _) => tr.t("account-token-all"),
                (Some(o), None) => org_slug(o),
                (Some(o), Some(r)) => format!("{} · {}", org_slug(o), tr.t(&format!("role-{}", r.as_str()))),
            },
            last_used: t.last_used_at.map_or_else(|| tr.t("account-token-never"), |t| t.to_rfc3339()),
            name: t.name,
            prefix: t.prefix,
        })
        .collect();
    let mut scope_options = Vec::new();
    let mut seen = Vec::new();
    for (org, role) in &memberships {
        if !seen.contains(&org.id) {
            seen.push(org.id);
            scope_options.push(ScopeOption { value: org.slug.to_string(), label: org.name.clone() });
        }
        scope_options.push(ScopeOption {
            value: format!("{}:{}", org.slug, role.as_str()),
            label: format!("{} · {}", org.name, tr.t(&format!("role-{}", role.as_str()))),
        });
    }
    Ok(AccountPage {
        chrome,
        errors,
        new_token,
        locale_choice: user.locale.map(|l| l.tag().to_owned()).unwrap_or_default(),
        tokens,
        scope_options,
        mfa,
        sessions,
    })
}

/// Starts setting up two-factor sign-in: a new secret, shown with its QR code until the first
/// code confirms it.
pub(crate) async fn mfa_setup(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Form(_): Form<super::CsrfOnly>,
) -> Result<Response, AppError> {
    let user = ctx.user()?;
    if !state.store.begin_mfa(user.id, &crate::mfa::new_secret(), &ctx.audit(state.clock.now())).await? {
        return Err(AppError::BadRequest("two-factor sign-in is already on".into()));
    }
    Ok(see_other("/account#mfa"))
}

#[derive(Deserialize)]
pub(crate) struct CodeForm {
    #[serde(default)]
    code: String,
}

/// Re-shows the page with an error about the code.
async fn wrong_code(state: &AppState, ctx: &RequestCtx) -> Result<Response, AppError> {
    let p = page(state, ctx, Chrome::new(ctx), vec![ctx.tr.t("mfa-wrong-code")], None).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
}

/// The first code from the app turns two-factor sign-in on; the recovery codes are shown once.
pub(crate) async fn mfa_confirm(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let user = ctx.user()?;
    let now = state.clock.now();
    let Some(m) = state.store.mfa(user.id).await?.filter(|m| m.enabled_at.is_none()) else {
        return Ok(see_other("/account#mfa"));
    };
    let accepted = match crate::mfa::step_of(&m.secret, &form.code, now)? {
        Some(step) => state.store.accept_mfa_step(user.id, step).await?,
        None => false,
    };
    if !accepted {
        return wrong_code(&state, &ctx).await;
    }
    let (codes, hashes) = crate::mfa::new_recovery_codes();
    state.store.enable_mfa(user.id, &hashes, &ctx.audit(now)).await?;
    let chrome = Chrome::new(&ctx).with_notice(Some("notice-mfa-enabled"));
    render(&page_with_codes(&state, &ctx, chrome, Vec::new(), None, codes).await?)
}

/// New recovery codes (the old ones stop working), against a current code.
pub(crate) async fn mfa_recovery(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let user = ctx.user()?;
    let audit = ctx.audit(state.clock.now());
    if !crate::mfa::verify(&state, user.id, &form.code, &audit).await? {
        return wrong_code(&state, &ctx).await;
    }
    let (codes, hashes) = crate::mfa::new_recovery_codes();
    state.store.replace_recovery_codes(user.id, &hashes, &audit).await?;
    render(&page_with_codes(&state, &ctx, Chrome::new(&ctx), Vec::new(), None, codes).await?)
}

/// Turns two-factor sign-in off, against a current code; administrators who must keep it cannot.
pub(crate) async fn mfa_disable(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let user = ctx.user()?;
    if crate::mfa::required_for(&state, &ctx.actor) {
        let p = page(&state, &ctx, Chrome::new(&ctx), vec![ctx.tr.t("mfa-required-keep")], None).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &p);
    }
    let audit = ctx.audit(state.clock.now());
    let pending = state.store.mfa(user.id).await?.is_some_and(|m| m.enabled_at.is_none());
    if !pending && !crate::mfa::verify(&state, user.id, &form.code, &audit).await? {
        return wrong_code(&state, &ctx).await;
    }
    state.store.disable_mfa(user.id, &audit).await?;
    Ok(see_other("/account?done=notice-mfa-disabled#mfa"))
}

#[derive(Deserialize)]
pub(crate) struct EndSessionsForm {
    /// One session's id hash, or empty for every session but this one.
    #[serde(default)]
    session: String,
}

/// Signs out one of the account's sessions, or every one but this.
pub(crate) async fn end_sessions(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Form(form): Form<EndSessionsForm>,
) -> Result<Response, AppError> {
    let user = ctx.user()?;
    let audit = ctx.audit(state.clock.now());
    if form.session.is_empty() {
        state.store.end_sessions(user.id, None, ctx.session_hash.as_deref(), &audit).await?;
    } else {
        state.store.end_sessions(user.id, Some(&form.session), None, &audit).await?;
    }
    Ok(see_other("/account?done=notice-sessions-ended#sessions"))
}

pub(crate) async fn show(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    ctx.user()?;
    let chrome = Chrome::new(&ctx).with_notice(q.done.as_deref());
    render(&page(&state, &ctx, chrome, Vec::new(), None).await?)
}

#[derive(Deserialize)]
pub(crate) struct LanguageForm {
    #[serde(default)]
    lang: String,
}

pub(crate) async fn set_language(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Form(form): Form<LanguageForm>,
) -> Result<Response, AppError> {
    let user = ctx.user()?;
    let locale = if form.lang.is_empty() {
        None
    } else {
        Some(
            Locale::from_tag(&form.lang)
                .ok_or_else(|| AppError::BadRequest(format!("unknown language {:?}", form.lang)))?,
        )
    };
    state.store.set_user_locale(user.id, locale, &ctx.audit(state.clock.now())).await?;
    Ok(see_other("/account?done=notice-language-saved"))
}

#[derive(Deserialize)]
pub(crate) struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
}

pub(crate) async fn change_password(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let user = ctx.user()?;
    let stored = state.store.user_by_username(user.username.as_str()).await?.map(|u| u.password_hash);
    let reshow = |errors: Vec<String>| async {
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(&state, &ctx, Chrome::new(&ctx), errors, None).await?)
    };
    if !verify_blocking(form.current, stored).await? {
        return reshow(vec![ctx.tr.t("account-password-wrong")]).await;
    }
    let new = match validate::password("password", &form.new) {
        Ok(p) => p,
        Err(e) => return reshow(vec![e.render(&ctx.tr)]).await,
    };
    let hash = hash_blocking(new).await?;
    // Changing the password ends every session, this one included.
    state.store.set_password_hash(user.id, &hash, &ctx.audit(state.clock.now())).await?;
    Ok(see_other("/login?done=notice-password-changed"))
}

#[derive(Deserialize)]
pub(crate) struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scope: String,
}

pub(crate) async fn create_token(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Form(form): Form<TokenForm>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    let name = match validate::text("name", &form.name, 100) {
        Ok(n) => n,
        Err(e) => {
            let p = page(&state, &ctx, Chrome::new(&ctx), vec![e.render(&ctx.tr)], None).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &p);
        }
    };
    let (org, role) = match form.scope.split_once(':') {
        _ if form.scope.is_empty() => (None, None),
        Some((slug, role)) => {
            (Some(slug.to_owned()), Some(validate::role("role", role).map_err(|e| AppError::Validation(vec![e]))?))
        }
        None => (Some(form.scope.clone()), None),
    };
    let org = match org {
        Some(slug) => Some(state.store.org_by_slug(&slug).await?.ok_or(AppError::NotFound)?.id),
        None => None,
    };
    ctx.require(Action::CreateToken { user: user.id, org })?;
    if let (Some(o), Some(r)) = (org, role)
        && !ctx.actor.has_role(o, r)
    {
        let p = page(&state, &ctx, Chrome::new(&ctx), vec![ctx.tr.t("account-token-role-not-held")], None).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &p);
    }
    let (secret, hash, prefix) = new_api_token();
    let now = state.clock.now();
    let token = NewApiToken {
        id: TokenId::mint(now, rand::random()),
        user: user.id,
        org,
        role,
        name,
        token_hash: hash,
        prefix,
        expires_at: None,
    };
    state.store.create_token(&token, &ctx.audit(now)).await?;
    // The secret is shown on this answer only; it is never stored or shown again.
    render(&page(&state, &ctx, Chrome::new(&ctx), Vec::new(), Some(secret)).await?)
}

pub(crate) async fn revoke_token(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<String>,
    Form(_): Form<super::CsrfOnly>,
) -> Result<Response, AppError> {
    let user = ctx.user()?;
    let id: TokenId = id.parse().map_err(|_| AppError::NotFound)?;
    state.store.revoke_token(id, user.id, &ctx.audit(state.clock.now())).await?;
    Ok(see_other("/account?done=notice-token-revoked"))
}
