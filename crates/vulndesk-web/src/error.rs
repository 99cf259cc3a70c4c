//! One error type for every handler. For API requests it renders as
//! `{"error":{"code","message","details"}}`; for pages as an error page (or, for a visitor who is
//! not signed in, a redirect to the sign-in page). Messages are in the request's language.
//!
//! The language and the kind of request are set once per request by [`scope`] and read here,
//! so handlers only say what went wrong.

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde_json::json;
use vulndesk_core::{Denied, Locale};
use vulndesk_store::StoreError;

use crate::i18n::Tr;

/// Facts about the request that shape how errors render.
#[derive(Debug, Clone)]
pub(crate) struct RequestScope {
    pub(crate) locale: Locale,
    pub(crate) api: bool,
    pub(crate) path: String,
}

tokio::task_local! {
    static SCOPE: RequestScope;
}

/// Runs `fut` with `scope` visible to error rendering.
pub(crate) async fn scope<F: std::future::Future>(scope: RequestScope, fut: F) -> F::Output {
    SCOPE.scope(scope, fut).await
}

pub(crate) fn current_scope() -> RequestScope {
    SCOPE.try_with(Clone::clone).unwrap_or(RequestScope { locale: Locale::En, api: true, path: "/".into() })
}

/// One field's problem, for 422 answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldError {
    /// The field's name as the client sent it.
    pub(crate) field: String,
    /// The translation key of the message.
    pub(crate) key: &'static str,
    /// Arguments for the message.
    pub(crate) args: Vec<(&'static str, String)>,
}

impl FieldError {
    pub(crate) fn new(field: &str, key: &'static str) -> Self {
        Self { field: field.to_owned(), key, args: Vec::new() }
    }

    pub(crate) fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }

    /// The same problem, found on line `line` of an uploaded file: the field becomes
    /// `{line}:{field}` and the message names the line.
    pub(crate) fn at_line(mut self, line: usize) -> Self {
        self.field = format!("{line}:{}", self.field);
        self
    }

    /// The message in `tr`'s language, with the field's label as `$field`.
    pub(crate) fn render(&self, tr: &Tr) -> String {
        let mut args = self.args.clone();
        let label = |field: &str| tr.t(&format!("field-{}", field.replace('_', "-")));
        let field = match self.field.split_once(':') {
            Some((line, field)) if line.parse::<usize>().is_ok() => {
                tr.t_args("field-at-line", &[("line", line.to_owned()), ("field", label(field))])
            }
            _ => label(&self.field),
        };
        args.push(("field", field));
        tr.t_args(self.key, &args)
    }
}

/// Everything a handler can answer instead of success.
#[derive(Debug)]
pub(crate) enum AppError {
    /// 401: no valid credentials.
    Unauthenticated,
    /// 403: the access decision said no.
    Forbidden(Denied),
    /// 403: the form or request failed the cross-site checks.
    CsrfRejected,
    /// 404.
    NotFound,
    /// 409 with a message key and arguments.
    Conflict(&'static str, Vec<(&'static str, String)>),
    /// 422 with field-level problems.
    Validation(Vec<FieldError>),
    /// 400 with a message (already specific, for example a JSON syntax error with its position).
    BadRequest(String),
    /// 415.
    UnsupportedMediaType(String),
    /// 413.
    PayloadTooLarge,
    /// 429 with the seconds to wait.
    TooManyRequests(u64),
    /// 403 with a message in the request's language (a closed program, with its reason).
    Closed(String),
    /// 409 with a message already in the request's language (a transition the lifecycle refused).
    Refused(String),
    /// 503: the database or another dependency is down.
    Unavailable,
    /// 500: logged in full, shown opaquely.
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound,
            StoreError::Unavailable { .. } => Self::Unavailable,
            StoreError::Database(sqlx_err) if is_connection_error(&sqlx_err) => Self::Unavailable,
            other => Self::Internal(other.to_string()),
        }
    }
}

fn is_connection_error(e: &vulndesk_store::SqlxError) -> bool {
    matches!(
        e,
        vulndesk_store::SqlxError::PoolTimedOut
            | vulndesk_store::SqlxError::Io(_)
            | vulndesk_store::SqlxError::PoolClosed
    )
}

impl From<Denied> for AppError {
    fn from(d: Denied) -> Self {
        match d {
            Denied::NotSignedIn => Self::Unauthenticated,
            other => Self::Forbidden(other),
        }
    }
}

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::CsrfRejected => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict(..) => StatusCode::CONFLICT,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Closed(_) => StatusCode::FORBIDDEN,
            Self::Refused(_) => StatusCode::CONFLICT,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden(_) => "forbidden",
            Self::CsrfRejected => "csrf_rejected",
            Self::NotFound => "not_found",
            Self::Conflict(..) => "conflict",
            Self::Validation(_) => "validation_failed",
            Self::BadRequest(_) => "bad_request",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::PayloadTooLarge => "payload_too_large",
            Self::TooManyRequests(_) => "too_many_requests",
            Self::Closed(_) => "closed",
            Self::Refused(_) => "refused",
            Self::Unavailable => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    /// The human message in `tr`'s language.
    pub(crate) fn message(&self, tr: &Tr) -> String {
        match self {
            Self::Unauthenticated => tr.t("error-unauthenticated"),
            Self::Forbidden(d) => forbidden_message(tr, d),
            Self::CsrfRejected => tr.t("error-csrf"),
            Self::NotFound => tr.t("error-not-found"),
            Self::Conflict(key, args) => tr.t_args(key, args),
            Self::Validation(_) => tr.t("error-validation"),
            Self::BadRequest(m) => tr.t_args("error-bad-request", &[("detail", m.clone())]),
            Self::UnsupportedMediaType(m) => tr.t_args("error-media-type", &[("detail", m.clone())]),
            Self::PayloadTooLarge => tr.t("error-too-large"),
            Self::TooManyRequests(s) => tr.t_args("error-too-many", &[("seconds", s.to_string())]),
            Self::Closed(reason) => tr.t_args("error-program-closed", &[("reason", reason.clone())]),
            Self::Refused(message) => message.clone(),
            Self::Unavailable => tr.t("error-unavailable"),
            Self::Internal(_) => tr.t("error-internal"),
        }
    }
}

pub(crate) fn forbidden_message(tr: &Tr, d: &Denied) -> String {
    match d {
        Denied::NotSignedIn => tr.t("error-unauthenticated"),
        Denied::SiteAdminOnly => tr.t("error-site-admin-only"),
        Denied::MissingRole(roles) => {
            let names = roles.iter().map(|r| tr.t(&format!("role-{}", r.as_str()))).collect::<Vec<_>>().join(", ");
            tr.t_args("error-missing-role", &[("roles", names)])
        }
        _ => tr.t("error-forbidden"),
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let scope = current_scope();
        let tr = Tr::new(scope.locale);
        if let Self::Internal(cause) = &self {
            tracing::error!(cause = %cause, path = %scope.path, "request failed");
        }
        let status = self.status();
        let message = self.message(&tr);
        if scope.api {
            let details = match &self {
                Self::Validation(fields) => {
                    fields.iter().map(|f| json!({"field": f.field, "message": f.render(&tr)})).collect::<Vec<_>>()
                }
                _ => Vec::new(),
            };
            let body = json!({"error": {"code": self.code(), "message": message, "details": details}});
            let mut resp = (status, axum::Json(body)).into_response();
            if let Self::TooManyRequests(s) = self {
                resp.headers_mut().insert(header::RETRY_AFTER, s.into());
            }
            if matches!(self, Self::Unauthenticated) {
                resp.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
            }
            return resp;
        }
        if matches!(self, Self::Unauthenticated) {
            let next = urlencoding::encode(&scope.path).into_owned();
            return Redirect::to(&format!("/login?next={next}")).into_response();
        }
        let fields: Vec<String> = match &self {
            Self::Validation(f) => f.iter().map(|f| f.render(&tr)).collect(),
            _ => Vec::new(),
        };
        let page = crate::pages::ErrorPage::new(tr, status.as_u16(), message, fields);
        let mut resp = (status, Html(page.render_string())).into_response();
        if let Self::TooManyRequests(s) = self {
            resp.headers_mut().insert(header::RETRY_AFTER, s.into());
        }
        resp
    }
}

/// The answer when a handler panicked: logged, and an opaque 500 in the error shape.
pub(crate) fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let detail = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = %detail, "handler panicked");
    let body = json!({"error": {"code": "internal", "message": "internal error", "details": []}});
    (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(body)).into_response()
}
