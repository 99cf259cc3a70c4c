//! Signing in and out, and switching the language.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;
use vulndesk_core::Locale;
use vulndesk_store::NewSession;

use super::{Chrome, Form, local_path, render, render_status, see_other};
use crate::auth::{RequestCtx, random_secret, sha256_hex};
use crate::error::AppError;
use crate::ops::verify_blocking;
use crate::security::{LANG_COOKIE, MFA_COOKIE, SESSION_COOKIE};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    error: Option<String>,
    next: String,
    username: String,
}

#[derive(Deserialize)]
pub(crate) struct LoginQuery {
    next: Option<String>,
    done: Option<String>,
}

pub(crate) async fn show(ctx: RequestCtx, Query(q): Query<LoginQuery>) -> Result<Response, AppError> {
    if ctx.user.is_some() {
        return Ok(see_other(q.next.as_deref().and_then(local_path).unwrap_or("/")));
    }
    let next = q.next.as_deref().and_then(local_path).unwrap_or("/").to_owned();
    render(&LoginPage {
        chrome: Chrome::new(&ctx).with_notice(q.done.as_deref()),
        error: None,
        next,
        username: String::new(),
    })
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let username = form.username.trim().to_lowercase();
    let next = local_path(&form.next).unwrap_or("/").to_owned();
    let page = |status: StatusCode, error: String| {
        render_status(
            status,
            &LoginPage {
                chrome: Chrome::new(&ctx),
                error: Some(error),
                next: next.clone(),
                username: username.clone(),
            },
        )
    };

    // Throttling is kept in the database, so it holds across every server instance.
    let window = state.config.login_window;
    let since = now.minus(window);
    let user_key = format!("user:{username}");
    let source_key = format!("source:{}", ctx.source);
    let user_failures = state.store.login_failures_since(&user_key, since).await?;
    let source_failures = state.store.login_failures_since(&source_key, since).await?;
    if user_failures >= state.config.login_failures_per_user
        || source_failures >= state.config.login_failures_per_source
    {
        let minutes = window.as_secs().div_ceil(60).to_string();
        let mut resp = page(StatusCode::TOO_MANY_REQUESTS, ctx.tr.t_args("login-throttled", &[("minutes", minutes)]))?;
        resp.headers_mut().insert(header::RETRY_AFTER, window.as_secs().into());
        return Ok(resp);
    }

    let found = state.store.user_by_username(&username).await?;
    let hash = found.as_ref().filter(|u| !u.user.disabled).map(|u| u.password_hash.clone());
    let ok = verify_blocking(form.password, hash).await?;
    let Some(found) = found.filter(|_| ok) else {
        state.store.record_login_failure(&[&user_key, &source_key], &username, &ctx.audit(now)).await?;
        // The same answer whatever was wrong: unknown name, disabled account or wrong password.
        return page(StatusCode::UNAUTHORIZED, ctx.tr.t("login-failed"));
    };

    state.store.clear_login_failures(&user_key, since).await?;
    // With two-factor sign-in on, the password only opens the second step.
    if state.store.mfa(found.user.id).await?.is_some_and(|m| m.enabled_at.is_some()) {
        let raw = random_secret();
        state.store.create_mfa_challenge(&sha256_hex(&raw), found.user.id, &next, now.plus(MFA_WINDOW)).await?;
        let cookie = Cookie::build((MFA_COOKIE, raw))
            .path("/login")
            .http_only(true)
            .secure(state.config.secure_cookies)
            .same_site(SameSite::Strict)
            .max_age(time_duration(MFA_WINDOW))
            .build();
        let mut resp = see_other("/login/mfa");
        set_cookie(&mut resp, &cookie);
        return Ok(resp);
    }
    start_session(&state, &ctx, found.user.id, &next).await
}

/// How long the second step may take after the password.
const MFA_WINDOW: std::time::Duration = std::time::Duration::from_secs(5 * 60);
/// Codes one sign-in may try before it has to start again with the password.
const MFA_ATTEMPTS: i64 = 5;

/// Signs `user` in: a new session, its cookie, and on to `next`.
async fn start_session(
    state: &AppState,
    ctx: &RequestCtx,
    user: vulndesk_core::UserId,
    next: &str,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let raw = random_secret();
    let session = NewSession {
        id_hash: sha256_hex(&raw),
        user,
        csrf_token: random_secret(),
        expires_at: now.plus(state.config.session_ttl),
        source: ctx.source.clone(),
        user_agent: ctx.user_agent.clone(),
    };
    let mut audit = ctx.audit(now);
    audit.actor = user.to_string();
    state.store.create_session(&session, &audit).await?;
    let cookie = Cookie::build((SESSION_COOKIE, raw))
        .path("/")
        .http_only(true)
        .secure(state.config.secure_cookies)
        .same_site(SameSite::Lax)
        .max_age(time_duration(state.config.session_ttl))
        .build();
    let mut resp = see_other(next);
    set_cookie(&mut resp, &cookie);
    Ok(resp)
}

#[derive(Template)]
#[template(path = "login_mfa.html")]
struct MfaPage {
    chrome: Chrome,
    error: Option<String>,
}

/// The second step: the code from the authenticator app, or a recovery code.
pub(crate) async fn mfa_show(
    State(state): State<AppState>,
    ctx: RequestCtx,
    jar: axum_extra::extract::CookieJar,
) -> Result<Response, AppError> {
    let live = match jar.get(MFA_COOKIE) {
        Some(c) => state.store.mfa_challenge(&sha256_hex(c.value()), state.clock.now()).await?.is_some(),
        None => false,
    };
    if !live {
        return Ok(see_other("/login"));
    }
    render(&MfaPage { chrome: Chrome::new(&ctx), error: None })
}

#[derive(Deserialize)]
pub(crate) struct MfaForm {
    #[serde(default)]
    code: String,
}

pub(crate) async fn mfa_submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    jar: axum_extra::extract::CookieJar,
    Form(form): Form<MfaForm>,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let Some(raw) = jar.get(MFA_COOKIE).map(|c| c.value().to_owned()) else { return Ok(see_other("/login")) };
    let hash = sha256_hex(&raw);
    let Some(challenge) = state.store.take_mfa_attempt(&hash, now).await? else { return Ok(see_other("/login")) };
    if challenge.attempts > MFA_ATTEMPTS {
        state.store.end_mfa_challenge(&hash, now).await?;
        return render_status(
            StatusCode::UNAUTHORIZED,
            &LoginPage {
                chrome: Chrome::new(&ctx),
                error: Some(ctx.tr.t("mfa-too-many")),
                next: "/".into(),
                username: String::new(),
            },
        );
    }
    let mut audit = ctx.audit(now);
    audit.actor = challenge.user.to_string();
    if !crate::mfa::verify(&state, challenge.user, &form.code, &audit).await? {
        // A wrong code counts against the account like a wrong password.
        let username =
            state.store.user_by_id(challenge.user).await?.map(|u| u.username.to_string()).unwrap_or_default();
        let user_key = format!("user:{username}");
        let source_key = format!("source:{}", ctx.source);
        state.store.record_login_failure(&[&user_key, &source_key], &username, &audit).await?;
        return render_status(
            StatusCode::UNAUTHORIZED,
            &MfaPage { chrome: Chrome::new(&ctx), error: Some(ctx.tr.t("mfa-wrong-code")) },
        );
    }
    state.store.end_mfa_challenge(&hash, now).await?;
    let mut resp = start_session(&state, &ctx, challenge.user, &challenge.next).await?;
    let gone = Cookie::build((MFA_COOKIE, "")).path("/login").max_age(time_duration(std::time::Duration::ZERO)).build();
    set_cookie(&mut resp, &gone);
    Ok(resp)
}

fn time_duration(d: std::time::Duration) -> time::Duration {
    time::Duration::seconds(i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn set_cookie(resp: &mut Response, cookie: &Cookie<'_>) {
    if let Ok(v) = HeaderValue::from_str(&cookie.to_string()) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Form(_): Form<super::CsrfOnly>,
) -> Result<Response, AppError> {
    if let (Some(hash), Some(user)) = (&ctx.session_hash, &ctx.user) {
        state.store.delete_session(hash, user.id, &ctx.audit(state.clock.now())).await?;
    }
    let mut resp = see_other("/login?done=notice-logged-out");
    let gone = Cookie::build((SESSION_COOKIE, "")).path("/").max_age(time_duration(std::time::Duration::ZERO)).build();
    set_cookie(&mut resp, &gone);
    Ok(resp)
}

#[derive(Deserialize)]
pub(crate) struct LanguageForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    next: String,
}

/// Switches the language of this browser, and of the account when signed in.
pub(crate) async fn switch_language(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Form(form): Form<LanguageForm>,
) -> Result<Response, AppError> {
    let locale = Locale::from_tag(&form.lang)
        .ok_or_else(|| AppError::BadRequest(format!("unknown language {:?}", form.lang)))?;
    if let Some(user) = &ctx.user {
        state.store.set_user_locale(user.id, Some(locale), &ctx.audit(state.clock.now())).await?;
    }
    let mut resp = see_other(local_path(&form.next).unwrap_or("/"));
    let cookie = Cookie::build((LANG_COOKIE, locale.tag()))
        .path("/")
        .secure(state.config.secure_cookies)
        .same_site(SameSite::Lax)
        .max_age(time_duration(std::time::Duration::from_secs(365 * 86400)))
        .build();
    set_cookie(&mut resp, &cookie);
    Ok(resp)
}
