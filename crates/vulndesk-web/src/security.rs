//! What every request passes: security headers on the answer, and the request context (who is
//! asking, in which language, from where) with the cross-site checks on state-changing requests.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use vulndesk_core::{Actor, Locale};

use crate::auth::{RequestCtx, random_secret, sha256_hex, token_actor};
use crate::error::{AppError, RequestScope, scope};
use crate::i18n::Tr;
use crate::state::AppState;

/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "vd_session";
/// The cookie of a sign-in that passed the password and waits for its second factor.
pub(crate) const MFA_COOKIE: &str = "vd_mfa";
/// The cookie carrying a visitor's CSRF token before they sign in.
pub(crate) const CSRF_COOKIE: &str = "vd_csrf";
/// The cookie remembering a visitor's language choice.
pub(crate) const LANG_COOKIE: &str = "vd_lang";

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Adds the security headers to every answer.
pub(crate) async fn headers(req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    if !is_static && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

fn client_address(req: &Request, trust_forwarded: bool) -> String {
    if trust_forwarded
        && let Some(first) =
            req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok()).and_then(|v| v.split(',').next())
        && first.trim().parse::<std::net::IpAddr>().is_ok()
    {
        return first.trim().to_owned();
    }
    req.extensions().get::<ConnectInfo<SocketAddr>>().map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string())
}

/// Refuses state-changing page requests that a browser marks as coming from another site.
fn cross_site(method: &Method, headers: &HeaderMap) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return true;
    }
    if let (Some(origin), Some(host)) = (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
        if origin == "null" || origin_host != host {
            return true;
        }
    }
    false
}

/// Builds the [`RequestCtx`] (from the bearer token on API paths, from the session cookie on
/// pages), applies the cross-site checks, and renders errors in the chosen language.
pub(crate) async fn csrf_origin_guard(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let path_and_query = req.uri().path_and_query().map_or_else(|| path.clone(), |p| p.as_str().to_owned());
    let api = path.starts_with("/api/") || path == "/healthz";
    let jar = CookieJar::from_headers(req.headers());
    let accept = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let browser_locale = Locale::negotiate(accept, state.config.default_locale);
    let cookie_locale = jar.get(LANG_COOKIE).and_then(|c| Locale::from_tag(c.value()));
    let source = client_address(&req, state.config.trust_forwarded_for);
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(256)
        .collect::<String>();
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| h.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']')))
        .unwrap_or("localhost")
        .to_owned();
    let pre_scope = RequestScope { locale: cookie_locale.unwrap_or(browser_locale), api, path: path_and_query.clone() };

    if !api && cross_site(req.method(), req.headers()) {
        return scope(pre_scope, async { AppError::CsrfRejected.into_response() }).await;
    }

    let now = state.clock.now();
    let mut ctx = RequestCtx {
        actor: Actor::Anonymous,
        user: None,
        session_hash: None,
        csrf: String::new(),
        tr: Tr::new(pre_scope.locale),
        source,
        user_agent,
        path: path_and_query,
        host,
    };
    // CSAF clients (aggregators, operators' feed pullers) read TLP:AMBER and RED documents of the
    // provider tree with an API token; browsers use their session there as anywhere else.
    let csaf_client = path.starts_with("/.well-known/csaf/") && req.headers().contains_key(header::AUTHORIZATION);
    let resolved = if api || csaf_client {
        resolve_token(&state, req.headers(), now, &mut ctx).await
    } else {
        resolve_session(&state, &jar, now, &mut ctx).await
    };
    if let Err(e) = resolved {
        return scope(pre_scope, async { e.into_response() }).await;
    }
    // The person's own choice wins; a visitor's cookie next; the browser's languages last.
    let locale = ctx.user.as_ref().and_then(|u| u.locale).or(cookie_locale).unwrap_or(browser_locale);
    ctx.tr = Tr::new(locale);

    let mut new_csrf_cookie = None;
    if ctx.session_hash.is_none() && !api {
        match jar.get(CSRF_COOKIE).map(|c| c.value().to_owned()).filter(|v| v.len() == 64) {
            Some(v) => ctx.csrf = v,
            None => {
                let v = random_secret();
                ctx.csrf = v.clone();
                new_csrf_cookie = Some(v);
            }
        }
    }
    // Administrators who must use two-factor sign-in and have not turned it on go to their
    // account page first; nothing else opens until they have.
    if !api
        && ctx.session_hash.is_some()
        && crate::mfa::required_for(&state, &ctx.actor)
        && !["/account", "/logout", "/lang", "/login", "/static/"].iter().any(|p| path.starts_with(p))
        && let Some(user) = ctx.actor.user()
    {
        match state.store.mfa(user).await {
            Ok(m) if m.as_ref().is_some_and(|m| m.enabled_at.is_some()) => {}
            Ok(_) => {
                let to = "/account?done=notice-mfa-required#mfa";
                return scope(pre_scope, async move { crate::pages::see_other(to) }).await;
            }
            Err(e) => return scope(pre_scope, async move { AppError::from(e).into_response() }).await,
        }
    }
    let req_scope = RequestScope { locale, api, path: path.clone() };
    req.extensions_mut().insert(ctx);
    let mut resp = scope(req_scope, next.run(req)).await;
    if let Some(v) = new_csrf_cookie {
        let cookie = Cookie::build((CSRF_COOKIE, v))
            .path("/")
            .http_only(true)
            .secure(state.config.secure_cookies)
            .same_site(SameSite::Strict)
            .build();
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            resp.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    resp
}

async fn resolve_session(
    state: &AppState,
    jar: &CookieJar,
    now: vulndesk_core::Timestamp,
    ctx: &mut RequestCtx,
) -> Result<(), AppError> {
    let Some(raw) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
        return Ok(());
    };
    let hash = sha256_hex(&raw);
    let Some(session) = state.store.session(&hash, now).await? else {
        return Ok(());
    };
    let Some(user) = state.store.user_by_id(session.user).await? else {
        return Ok(());
    };
    let memberships = state.store.membership_list(user.id).await?;
    ctx.actor = Actor::Person { user: user.id, site_admin: user.site_admin, memberships };
    ctx.user = Some(user);
    ctx.session_hash = Some(hash);
    ctx.csrf = session.csrf_token;
    Ok(())
}

async fn resolve_token(
    state: &AppState,
    headers: &HeaderMap,
    now: vulndesk_core::Timestamp,
    ctx: &mut RequestCtx,
) -> Result<(), AppError> {
    let Some(auth) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let Some(secret) = auth.strip_prefix("Bearer ").map(str::trim) else {
        return Err(AppError::Unauthenticated);
    };
    if secret.starts_with(crate::sharing::PROVIDER_TOKEN_PREFIX) {
        // A provider's credential at a sharing platform: not an account's token; the one route
        // that takes it checks it itself, and it grants nothing anywhere else.
        return Ok(());
    }
    let Some(token) = state.store.token_by_hash(&sha256_hex(secret), now).await? else {
        return Err(AppError::Unauthenticated);
    };
    let Some(user) = state.store.user_by_id(token.user).await? else {
        return Err(AppError::Unauthenticated);
    };
    let memberships = state.store.membership_list(user.id).await?;
    ctx.actor = token_actor(&user, memberships, &token);
    ctx.user = Some(user);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn cross_site_detection() {
        let post = Method::POST;
        assert!(!cross_site(&Method::GET, &headers(&[("sec-fetch-site", "cross-site")])));
        assert!(cross_site(&post, &headers(&[("sec-fetch-site", "cross-site")])));
        assert!(cross_site(&post, &headers(&[("sec-fetch-site", "same-site")])));
        assert!(!cross_site(&post, &headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!cross_site(&post, &headers(&[("origin", "http://127.0.0.1:8080"), ("host", "127.0.0.1:8080")])));
        assert!(cross_site(&post, &headers(&[("origin", "http://evil.test"), ("host", "127.0.0.1:8080")])));
        assert!(cross_site(&post, &headers(&[("origin", "null"), ("host", "127.0.0.1:8080")])));
        assert!(!cross_site(&post, &headers(&[])));
    }
}
