//! The REST API under `/api/v1`: JSON in and out, bearer-token authentication, one error shape
//! `{"error":{"code","message","details"}}`, and an OpenAPI 3 document generated from these
//! handlers (served at `/api/v1/openapi.json`).

mod audit;
mod authority;
mod cases;
mod catalogue;
mod health;
mod intake;
mod orgs;
mod publication;
mod rewards;
mod sharing;
mod users;

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{AppError, FieldError};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "vulndesk API", description = "The vulndesk REST API. Authenticate with `Authorization: Bearer <token>`; tokens come from `vulndesk admin token create` or the account page. Errors always have the shape `{\"error\":{\"code\",\"message\",\"details\"}}`."),
    modifiers(&BearerAuth),
    components(schemas(ErrorBody, ErrorDetail, FieldProblem))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// Adds the answers every operation can give to the document: 400, 404, 422, 429, 500 and 503
/// everywhere; 401 and 403 where a credential is needed; 413 and 415 where there is a body. They
/// all carry the error shape. (Applied once the routes are collected, since utoipa runs its own
/// modifiers before the routes are added.)
pub(crate) fn document_common_errors(openapi: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let error = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content("application/json", ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build())
            .build()
    };
    for item in openapi.paths.paths.values_mut() {
        for op in
            [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch].into_iter().flatten()
        {
            let secured = op.security.is_some();
            let has_body = op.request_body.is_some();
            let mut add = |code: &str, description: &str| {
                op.responses.responses.entry(code.to_owned()).or_insert_with(|| RefOr::T(error(description)));
            };
            add("400", "The request cannot be read (the message says where)");
            add("404", "No such object, or none the caller may see");
            add("422", "A field is not valid (details name each one)");
            add("429", "Too many requests (see Retry-After)");
            add("500", "An internal error (logged)");
            add("503", "The database cannot be reached");
            if secured {
                add("401", "No valid credential");
                add("403", "The caller's roles do not allow this");
            }
            if has_body {
                add("413", "The body is too large");
                add("415", "The content type is not accepted");
            }
        }
    }
}

pub(crate) fn router(max_intake_body: usize) -> OpenApiRouter<AppState> {
    // The public submission routes take attachments; everything else keeps the default limit.
    let intake_routes = OpenApiRouter::new()
        .routes(routes!(intake::submit_report))
        .routes(routes!(intake::reply))
        .routes(routes!(intake::import_email))
        .layer(axum::extract::DefaultBodyLimit::max(max_intake_body));
    // SBOMs, CSV files and OSV archives can be large.
    let upload_routes = OpenApiRouter::new()
        .routes(routes!(catalogue::import_sbom))
        .routes(routes!(catalogue::import_customers))
        .routes(routes!(catalogue::import_deployments))
        .routes(routes!(catalogue::import_osv))
        .routes(routes!(catalogue::scan))
        .routes(routes!(sharing::receive))
        .layer(axum::extract::DefaultBodyLimit::max(crate::catalogue::SBOM_MAX_BYTES));
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(intake_routes)
        .merge(upload_routes)
        .routes(routes!(catalogue::list_products, catalogue::create_product))
        .routes(routes!(catalogue::get_product))
        .routes(routes!(catalogue::create_version))
        .routes(routes!(catalogue::get_version))
        .routes(routes!(catalogue::components))
        .routes(routes!(catalogue::findings))
        .routes(routes!(catalogue::list_suppliers, catalogue::create_supplier))
        .routes(routes!(catalogue::list_customers, catalogue::create_customer))
        .routes(routes!(catalogue::list_deployments, catalogue::create_deployment))
        .routes(routes!(sharing::get_endpoint, sharing::put_endpoint))
        .routes(routes!(sharing::send))
        .routes(routes!(sharing::report_deliveries))
        .routes(routes!(sharing::list_providers, sharing::create_provider))
        .routes(routes!(sharing::list_subscribers, sharing::create_subscriber))
        .routes(routes!(sharing::list_reports))
        .routes(routes!(authority::list, authority::start))
        .routes(routes!(authority::get, authority::save))
        .routes(routes!(authority::submit))
        .routes(routes!(publication::fixes, publication::put_fix))
        .routes(routes!(publication::get_advisory, publication::save_advisory))
        .routes(routes!(publication::review))
        .routes(routes!(publication::evidence))
        .routes(routes!(publication::gate))
        .routes(routes!(publication::publish))
        .routes(routes!(publication::blackout))
        .routes(routes!(catalogue::list_assets, catalogue::add_asset))
        .routes(routes!(catalogue::import_assets))
        .routes(routes!(catalogue::list_findings))
        .routes(routes!(catalogue::sync_findings))
        .routes(routes!(catalogue::findings_board))
        .routes(routes!(catalogue::export_assets))
        .routes(routes!(catalogue::get_sla, catalogue::put_sla))
        .routes(routes!(catalogue::list_vex, catalogue::upload_vex))
        .routes(routes!(catalogue::remove_vex))
        .routes(routes!(catalogue::import_asset_sbom))
        .routes(routes!(catalogue::step_finding))
        .routes(routes!(catalogue::list_feeds, catalogue::add_feed))
        .routes(routes!(catalogue::pull_feed))
        .routes(routes!(rewards::get_table, rewards::put_table))
        .routes(routes!(rewards::report_rewards, rewards::decide))
        .routes(routes!(rewards::step))
        .routes(routes!(rewards::ledger))
        .routes(routes!(rewards::ledger_csv))
        .routes(routes!(rewards::put_vendor))
        .routes(routes!(rewards::list_handoffs, rewards::hand_off))
        .routes(routes!(catalogue::impact))
        .routes(routes!(catalogue::list_notices, catalogue::send_notices))
        .routes(routes!(catalogue::list_customer_notices, catalogue::send_customer_notices))
        .routes(routes!(catalogue::set_customer_webhook))
        .routes(routes!(catalogue::advisory_impact))
        .routes(routes!(catalogue::add_component))
        .routes(routes!(catalogue::remove_component))
        .routes(routes!(intake::tracking))
        .routes(routes!(intake::list_programs, intake::create_program))
        .routes(routes!(intake::list_reports))
        .routes(routes!(intake::get_report))
        .routes(routes!(intake::triage))
        .routes(routes!(intake::receipts))
        .routes(routes!(intake::put_filing))
        .routes(routes!(cases::list, cases::create))
        .routes(routes!(cases::get))
        .routes(routes!(cases::assess))
        .routes(routes!(cases::verify))
        .routes(routes!(cases::transition))
        .routes(routes!(cases::board))
        .routes(routes!(cases::score))
        .routes(routes!(cases::dossier))
        .routes(routes!(cases::cwe_search))
        .routes(routes!(cases::gbt))
        .routes(routes!(cases::people))
        .routes(routes!(cases::restriction))
        .routes(routes!(cases::gbt_tables_get, cases::gbt_tables_put))
        .routes(routes!(health::healthz))
        .routes(routes!(users::me))
        .routes(routes!(users::list_users, users::create_user))
        .routes(routes!(orgs::list_orgs, orgs::create_org))
        .routes(routes!(orgs::get_org))
        .routes(routes!(orgs::list_members, orgs::add_member))
        .routes(routes!(orgs::remove_member))
        .routes(routes!(orgs::list_teams, orgs::create_team))
        .routes(routes!(orgs::add_team_member, orgs::remove_team_member))
        .routes(routes!(orgs::case_team))
        .routes(routes!(audit::list_events))
}

/// The error body every failing API call returns.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorBody {
    error: ErrorDetail,
}

/// What went wrong.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorDetail {
    /// A stable machine-readable code: `validation_failed`, `not_found`, `forbidden`, ...
    code: String,
    /// A message for people, in the request's language (`Accept-Language`).
    message: String,
    /// Field-level problems for `validation_failed`; empty otherwise.
    details: Vec<FieldProblem>,
}

/// One field's problem.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct FieldProblem {
    field: String,
    message: String,
}

/// A JSON request body on a route that needs a credential: a caller without one gets 401 before
/// the body is read (so the body's shape is no answer to strangers), then as [`PublicJson`].
pub(crate) struct ApiJson<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let signed_in = req
            .extensions()
            .get::<crate::auth::RequestCtx>()
            .is_some_and(|ctx| !matches!(ctx.actor, vulndesk_core::Actor::Anonymous));
        if !signed_in {
            return Err(AppError::Unauthenticated);
        }
        PublicJson::from_request(req, state).await.map(|PublicJson(v)| Self(v))
    }
}

/// A JSON request body. Whatever is wrong with it becomes the error shape: malformed JSON is a 400
/// naming the line and column, a wrong content type a 415, a missing or mistyped field a 422
/// naming the field, an oversized body a 413. Public routes take it as is; others take
/// [`ApiJson`].
pub(crate) struct PublicJson<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for PublicJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(JsonRejection::JsonSyntaxError(e)) => Err(AppError::BadRequest(e.body_text())),
            Err(JsonRejection::JsonDataError(e)) => {
                let text = e.body_text();
                let field = text
                    .split('`')
                    .nth(1)
                    .filter(|_| text.contains("missing field") || text.contains("unknown field"))
                    .or_else(|| {
                        text.split(": ").nth(1).and_then(|rest| rest.split(':').next()).filter(|f| !f.contains(' '))
                    })
                    .unwrap_or("body")
                    .to_owned();
                let detail = text.rsplit(": ").next().unwrap_or(&text).to_owned();
                Err(AppError::Validation(vec![FieldError::new(&field, "json-data-error").with("detail", detail)]))
            }
            Err(JsonRejection::MissingJsonContentType(_)) => {
                Err(AppError::UnsupportedMediaType("expected Content-Type: application/json".into()))
            }
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(AppError::PayloadTooLarge),
            Err(e) => Err(AppError::BadRequest(e.body_text())),
        }
    }
}

/// Query parameters. A query string that cannot be read is a 400 in the error shape (naming the
/// parameter), never a bare text answer.
pub(crate) struct ApiQuery<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Self(v)),
            Err(e) => Err(AppError::BadRequest(e.body_text())),
        }
    }
}
