//! Server-rendered pages. Each works without JavaScript: plain links and forms, every form
//! carrying the CSRF token, every change answered with a redirect (post/redirect/get) that shows a
//! notice, or the same page again with the problems listed.

mod account;
mod ack;
pub(crate) mod advisory;
mod assets;
mod audit;
mod authority;
mod blackouts;
pub(crate) mod cases;
mod catalogue;
pub(crate) mod csaf;
mod feeds;
mod findings;
pub(crate) mod handoffs;
mod home;
pub(crate) mod inbox;
mod login;
mod orgs;
pub(crate) mod programs;
pub(crate) mod public;
pub(crate) mod receipts;
mod reporter;
mod rewards;
mod security_txt;
mod sharing;
mod users;

use askama::Template;
use axum::Router;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;
use vulndesk_core::User;

use crate::auth::RequestCtx;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::state::AppState;

/// The public intake routes, which take large multipart bodies (attachments).
pub(crate) fn intake_router(max_body: usize) -> Router<AppState> {
    Router::new()
        .route("/p/{slug}", get(public::show).post(public::submit))
        .route("/t/{token}", get(public::tracking).post(public::reply))
        .route("/t/{token}/hall-of-fame", post(public::set_hall_of_fame))
        .route("/t/{token}/letter.pdf", get(public::letter))
        .route("/p/{slug}/hall-of-fame", get(public::hall_of_fame))
        .route("/h/{token}", get(handoffs::link).post(handoffs::link_acknowledge))
        .route("/h/{token}/attachments/{id}", get(handoffs::link_attachment))
        .route("/orgs/{slug}/inbox/email", post(inbox::import_email))
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .merge(
            Router::new()
                .route("/orgs/{slug}/versions/{id}/sbom", post(catalogue::upload_sbom))
                .route("/osv", get(catalogue::osv).post(catalogue::upload_osv))
                .layer(axum::extract::DefaultBodyLimit::max(crate::catalogue::SBOM_MAX_BYTES)),
        )
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::show))
        .route("/login", get(login::show).post(login::submit))
        .route("/login/mfa", get(login::mfa_show).post(login::mfa_submit))
        .route("/logout", post(login::logout))
        .route("/lang", post(login::switch_language))
        .route("/orgs", get(orgs::list).post(orgs::create))
        .route("/orgs/{slug}", get(orgs::show).post(orgs::update))
        .route("/orgs/{slug}/members", post(orgs::add_member))
        .route("/orgs/{slug}/members/remove", post(orgs::remove_member))
        .route("/orgs/{slug}/audit", get(audit::org_log))
        .route("/users", get(users::list).post(users::create))
        .route("/users/{username}/disable", post(users::disable))
        .route("/users/{username}/enable", post(users::enable))
        .route("/account", get(account::show))
        .route("/account/language", post(account::set_language))
        .route("/account/password", post(account::change_password))
        .route("/account/tokens", post(account::create_token))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
        .route("/account/mfa/setup", post(account::mfa_setup))
        .route("/account/mfa/confirm", post(account::mfa_confirm))
        .route("/account/mfa/recovery", post(account::mfa_recovery))
        .route("/account/mfa/disable", post(account::mfa_disable))
        .route("/account/sessions/end", post(account::end_sessions))
        .route("/audit", get(audit::site_log))
        .route("/static/app.css", get(stylesheet))
        .route("/static/cvss.js", get(cvss_script))
        .route("/.well-known/security.txt", get(security_txt::well_known))
        .route("/orgs/{slug}/security-txt", get(security_txt::edit).post(security_txt::save))
        .route("/orgs/{slug}/programs", get(programs::list).post(programs::create_page))
        .route("/orgs/{slug}/programs/{program}", get(programs::edit).post(programs::update))
        .route("/orgs/{slug}/intake-privacy", post(programs::set_privacy))
        .route("/orgs/{slug}/inbox", get(inbox::inbox))
        .route("/orgs/{slug}/reports/{id}", get(inbox::show))
        .route("/orgs/{slug}/reports/{id}/triage", post(inbox::triage))
        .route("/orgs/{slug}/reports/{id}/attachments/{attachment}", get(inbox::attachment))
        .route("/orgs/{slug}/cases", get(cases::list).post(cases::open))
        .route("/orgs/{slug}/cases/{number}", get(cases::show))
        .route("/orgs/{slug}/cases/{number}/dossier", get(cases::dossier))
        .route("/orgs/{slug}/cases/{number}/dossier.json", get(cases::dossier_json))
        .route("/orgs/{slug}/cases/{number}/dossier.pdf", get(cases::dossier_pdf))
        .route("/orgs/{slug}/cases/{number}/assessment", post(cases::assessment))
        .route("/orgs/{slug}/cases/{number}/verification", post(cases::verification))
        .route("/orgs/{slug}/cases/{number}/transition", post(cases::transition))
        .route("/orgs/{slug}/cases/{number}/comments", post(cases::comment))
        .route("/orgs/{slug}/cases/{number}/people", post(cases::person))
        .route("/orgs/{slug}/cases/{number}/restriction", post(cases::restriction))
        .route("/orgs/{slug}/cases/{number}/teams", post(cases::team))
        .route("/orgs/{slug}/teams", post(orgs::create_team))
        .route("/orgs/{slug}/teams/{team}/members", post(orgs::team_member))
        .route("/orgs/{slug}/cases/{number}/gbt30279", post(cases::gbt))
        .route("/orgs/{slug}/reports/{id}/promote", post(cases::promote))
        .route("/orgs/{slug}/reports/{id}/merge", post(cases::merge))
        .route("/orgs/{slug}/deadlines", get(cases::board))
        .route("/orgs/{slug}/cases/{number}/components", post(cases::add_component))
        .route("/orgs/{slug}/cases/{number}/upstream-notices", post(cases::send_notices))
        .route("/orgs/{slug}/cases/{number}/customer-notices", post(cases::send_customer_notices))
        .route("/orgs/{slug}/cases/{number}/components/{id}/remove", post(cases::remove_component))
        .route("/orgs/{slug}/cases/{number}/authority", get(authority::show).post(authority::start))
        .route("/orgs/{slug}/cases/{number}/authority/{seq}", post(authority::save))
        .route("/orgs/{slug}/cases/{number}/authority/{seq}/submission", post(authority::submit))
        .route("/orgs/{slug}/cases/{number}/authority/{seq}/send", post(authority::send))
        .route("/orgs/{slug}/authority-endpoint", post(orgs::set_endpoint))
        .route("/orgs/{slug}/sharing", get(sharing::show))
        .route("/orgs/{slug}/sharing/providers", post(sharing::add_provider))
        .route("/orgs/{slug}/sharing/subscribers", post(sharing::add_subscriber))
        .route("/orgs/{slug}/cases/{number}/authority/{seq}/print", get(authority::print))
        .route("/orgs/{slug}/cases/{number}/authority/{seq}/json", get(authority::json))
        .route("/orgs/{slug}/cases/{number}/authority/{seq}/pdf", get(authority::pdf))
        .route("/orgs/{slug}/catalogue", get(catalogue::show))
        .route("/orgs/{slug}/catalogue/products", post(catalogue::add_product))
        .route("/orgs/{slug}/catalogue/suppliers", post(catalogue::add_supplier))
        .route("/orgs/{slug}/catalogue/customers", post(catalogue::add_customer))
        .route("/orgs/{slug}/catalogue/customers.csv", post(catalogue::import_customers))
        .route("/orgs/{slug}/catalogue/customers/webhook", post(catalogue::set_customer_webhook))
        .route("/orgs/{slug}/catalogue/deployments", post(catalogue::add_deployment))
        .route("/orgs/{slug}/catalogue/deployments.csv", post(catalogue::import_deployments))
        .route("/orgs/{slug}/products/{id}", get(catalogue::product))
        .route("/orgs/{slug}/products/{id}/versions", post(catalogue::add_version))
        .route("/orgs/{slug}/versions/{id}", get(catalogue::version))
        .route("/orgs/{slug}/receipts", get(receipts::page))
        .route("/orgs/{slug}/receipts.csv", get(receipts::csv))
        .route("/orgs/{slug}/receipts.json", get(receipts::json))
        .route("/orgs/{slug}/cases/{number}/advisory", get(advisory::show).post(advisory::save))
        .route("/orgs/{slug}/cases/{number}/advisory/review", post(advisory::review))
        .route("/orgs/{slug}/cases/{number}/advisory/evidence", post(advisory::evidence))
        .route("/orgs/{slug}/cases/{number}/advisory/publish", post(advisory::publish))
        .route("/orgs/{slug}/cases/{number}/fixes", post(advisory::add_fix))
        .route("/orgs/{slug}/assets", get(assets::show).post(assets::add))
        .route("/orgs/{slug}/assets/import", post(assets::import))
        .route("/orgs/{slug}/assets/{id}/sbom", post(assets::sbom))
        .route("/orgs/{slug}/assets.csv", get(assets::export))
        .route("/orgs/{slug}/findings", get(findings::show))
        .route("/orgs/{slug}/findings/sync", post(findings::sync))
        .route("/orgs/{slug}/findings/{id}", post(findings::step))
        .route("/orgs/{slug}/vex", post(findings::upload_vex))
        .route("/orgs/{slug}/vex/{id}/remove", post(findings::remove_vex))
        .route("/orgs/{slug}/sla", post(findings::set_sla))
        .route("/orgs/{slug}/feeds", get(feeds::show).post(feeds::add))
        .route("/orgs/{slug}/feeds/{id}/pull", post(feeds::pull))
        .route("/orgs/{slug}/rewards", get(rewards::show))
        .route("/orgs/{slug}/rewards.csv", get(rewards::csv))
        .route("/orgs/{slug}/rewards/{id}", post(rewards::step))
        .route("/orgs/{slug}/programs/{program}/reward-table", post(rewards::set_table))
        .route("/orgs/{slug}/reports/{id}/reward", post(rewards::decide))
        .route("/orgs/{slug}/reports/{id}/handoff", post(handoffs::hand_off))
        .route("/orgs/{slug}/programs/{program}/vendor", post(handoffs::set_vendor))
        .route("/orgs/{slug}/platform", get(handoffs::show))
        .route("/orgs/{slug}/filing", post(handoffs::save_filing))
        .route("/orgs/{slug}/filing/tasks/{id}", post(handoffs::filing_task_done))
        .route("/account/reports", get(reporter::show))
        .route("/account/reports/{id}/letter.pdf", get(reporter::letter))
        .route("/orgs/{slug}/cases/{number}/fixes/{id}/remove", post(advisory::remove_fix))
        .route("/ack/{token}", get(ack::show).post(ack::confirm))
        .route("/blackouts", get(blackouts::show).post(blackouts::add))
        .route("/advisories", get(csaf::list))
        .route("/advisories.atom", get(csaf::atom))
        .route("/advisories/{id}", get(csaf::show))
        .route("/advisories/{id}/{kind}/{file}", get(csaf::rendering))
        .route("/.well-known/csaf/provider-metadata.json", get(csaf::provider_metadata))
        .route("/.well-known/csaf/openpgp/{file}", get(csaf::public_key))
        .route("/.well-known/csaf/{folder}/{file}", get(csaf::folder_file))
        .route("/.well-known/csaf/{folder}/{year}/{file}", get(csaf::document_file))
}

async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/app.css"),
    )
        .into_response()
}

async fn cvss_script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/cvss.js"),
    )
        .into_response()
}

/// The 404 page (or JSON error for API paths) for every unknown route.
pub(crate) async fn not_found() -> AppError {
    AppError::NotFound
}

/// What every page shows around its content: the language, the signed-in person, the CSRF token
/// for the header's forms, and the notice left by the previous step.
pub(crate) struct Chrome {
    pub(crate) tr: Tr,
    pub(crate) user: Option<User>,
    pub(crate) csrf: String,
    pub(crate) path: String,
    pub(crate) notice: Option<String>,
    pub(crate) version: &'static str,
}

impl Chrome {
    pub(crate) fn new(ctx: &RequestCtx) -> Self {
        Self {
            tr: ctx.tr,
            user: ctx.user.clone(),
            csrf: ctx.csrf.clone(),
            path: ctx.path.clone(),
            notice: None,
            version: env!("CARGO_PKG_VERSION"),
        }
    }

    /// Shows the notice named in the `done` query parameter, if it is a known one.
    pub(crate) fn with_notice(mut self, done: Option<&str>) -> Self {
        self.notice =
            done.filter(|k| k.starts_with("notice-")).map(|k| self.tr.t(k)).filter(|text| !text.starts_with("notice-"));
        self
    }
}

/// Renders a template as an HTML answer.
pub(crate) fn render(t: &impl Template) -> Result<Response, AppError> {
    render_status(StatusCode::OK, t)
}

pub(crate) fn render_status(status: StatusCode, t: &impl Template) -> Result<Response, AppError> {
    let html = t.render().map_err(|e| AppError::Internal(format!("template: {e}")))?;
    Ok((status, Html(html)).into_response())
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
pub(crate) struct ErrorPage {
    chrome: Chrome,
    status: u16,
    message: String,
    fields: Vec<String>,
}

impl ErrorPage {
    pub(crate) fn new(tr: Tr, status: u16, message: String, fields: Vec<String>) -> Self {
        let chrome = Chrome {
            tr,
            user: None,
            csrf: String::new(),
            path: "/".into(),
            notice: None,
            version: env!("CARGO_PKG_VERSION"),
        };
        Self { chrome, status, message, fields }
    }

    pub(crate) fn render_string(&self) -> String {
        self.render().unwrap_or_else(|_| format!("{} {}", self.status, self.message))
    }
}

/// A submitted HTML form (repeated keys become lists) whose `csrf` field matched the session's
/// token: the check lives here, so no form handler can forget it (multipart forms, which this does
/// not read, check the token themselves). A forged or missing token is a 403 before the handler
/// runs; a form that cannot be read is a 400 in the error page, never a bare text answer.
pub(crate) struct Form<T>(pub(crate) T);

/// The one field every page form carries; also the whole form of buttons that send nothing else.
#[derive(serde::Deserialize)]
pub(crate) struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

async fn read_form<T: DeserializeOwned, S: Send + Sync>(
    parts: &axum::http::request::Parts,
    body: &axum::body::Bytes,
    state: &S,
) -> Result<T, AppError> {
    let req = Request::from_parts(parts.clone(), axum::body::Body::from(body.clone()));
    match axum_extra::extract::Form::<T>::from_request(req, state).await {
        Ok(axum_extra::extract::Form(v)) => Ok(v),
        Err(e) => Err(AppError::BadRequest(e.body_text())),
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let ctx = req
            .extensions()
            .get::<RequestCtx>()
            .cloned()
            .ok_or_else(|| AppError::Internal("request context missing".into()))?;
        let (parts, body) = req.into_parts();
        let body = axum::body::Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(|e| AppError::BadRequest(e.body_text()))?;
        let token: CsrfOnly = read_form(&parts, &body, state).await?;
        ctx.check_csrf(&token.csrf)?;
        read_form(&parts, &body, state).await.map(Self)
    }
}

/// A refused form's answer: a 422 with every field's problem, or a 409 with the conflict, as
/// messages in the request's language for the page to show again. Any other error passes on.
pub(crate) fn refused(ctx: &RequestCtx, e: AppError) -> Result<(StatusCode, Vec<String>), AppError> {
    match e {
        AppError::Validation(fields) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, fields.iter().map(|f| f.render(&ctx.tr)).collect()))
        }
        AppError::Conflict(key, args) => Ok((StatusCode::CONFLICT, vec![ctx.tr.t_args(key, &args)])),
        other => Err(other),
    }
}

/// The `?done=` notice parameter of a page.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct Done {
    pub(crate) done: Option<String>,
}

/// A redirect after a successful change (303, so the browser follows with GET).
pub(crate) fn see_other(location: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, location.to_owned())]).into_response()
}

/// Whether `next` is a path on this site (never another host), for redirects after sign-in.
pub fn local_path(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\');
    ok.then_some(next)
}

/// One bar of a chart: a label, the value as shown, and the bar's width in the SVG (0–300).
pub(crate) struct Bar {
    pub(crate) label: String,
    pub(crate) value: String,
    pub(crate) width: i64,
}

/// A horizontal bar chart drawn as SVG on the server (no script; the page's CSP allows none).
/// Templates draw it with `{% include "chart.html" %}` and the chart bound as `c`.
pub(crate) struct Chart {
    pub(crate) title: String,
    pub(crate) bars: Vec<Bar>,
    pub(crate) height: usize,
}

impl Chart {
    /// A chart of `(label, value, value as shown)`; bars scale to the largest value.
    pub(crate) fn new(title: String, values: impl IntoIterator<Item = (String, i64, String)>) -> Self {
        let values: Vec<_> = values.into_iter().collect();
        let max = values.iter().map(|v| v.1).max().unwrap_or(1).max(1);
        let bars: Vec<Bar> = values
            .into_iter()
            .map(|(label, v, value)| Bar {
                label,
                value,
                width: i64::try_from(i128::from(v.max(0)) * 300 / i128::from(max)).unwrap_or(300),
            })
            .collect();
        Self { title, height: bars.len() * 22 + 4, bars }
    }
}

/// A value for a select box or checkbox.
pub(crate) struct Choice {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) checked: bool,
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path("/orgs/demo"), Some("/orgs/demo"));
        assert_eq!(local_path("//evil.test/"), None);
        assert_eq!(local_path("/\\evil.test"), None);
        assert_eq!(local_path("https://evil.test/"), None);
        assert_eq!(local_path("/a\r\nSet-Cookie: x"), None);
        assert_eq!(local_path(""), None);
    }
}
