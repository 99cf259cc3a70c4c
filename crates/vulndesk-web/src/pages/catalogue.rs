//! The product catalogue's pages: the catalogue (products, suppliers, customers, deployments,
//! with forms and CSV import), a product with its versions, and a product version with its SBOM
//! (upload), components and findings.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use vulndesk_core::{Action, Organisation};
use vulndesk_store::catalogue::{Customer, Deployment, Product, ProductVersion, StoredComponent, Supplier};

use super::{Choice, Chrome, Done, Form, render, render_status, see_other};
use crate::auth::RequestCtx;
use crate::catalogue::{self, CustomerForm, DeploymentForm, ProductForm, SupplierForm, VersionFinding, VersionForm};
use crate::error::AppError;
use crate::ops;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "catalogue.html")]
struct CataloguePage {
    chrome: Chrome,
    org_slug: String,
    org_name: String,
    errors: Vec<String>,
    products: Vec<Product>,
    suppliers: Vec<Supplier>,
    customers: Vec<Customer>,
    deployments: Vec<(Deployment, String)>,
    version_options: Vec<Choice>,
    can_manage: bool,
    /// The advisory looked up (id or alias), and what it reaches.
    advisory_query: String,
    advisory: Option<crate::catalogue::AdvisoryImpact>,
    advisory_missing: bool,
}

async fn org_for_catalogue(state: &AppState, ctx: &RequestCtx, slug: &str) -> Result<Organisation, AppError> {
    let org = ops::visible_org(state, ctx, slug).await?;
    ctx.require(Action::ViewCatalogue(org.id))?;
    Ok(org)
}

async fn catalogue_page(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    errors: Vec<String>,
) -> Result<CataloguePage, AppError> {
    let versions = state.store.product_versions_of(org.id).await?;
    let label = |id| versions.iter().find(|v| v.id == id).map(ProductVersion::label).unwrap_or_default();
    let deployments = state.store.deployments_of(org.id).await?.into_iter().map(|d| {
        let l = label(d.product_version);
        (d, l)
    });
    Ok(CataloguePage {
        chrome: Chrome::new(ctx),
        org_slug: org.slug.to_string(),
        org_name: org.name.clone(),
        errors,
        products: state.store.products_of(org.id).await?,
        suppliers: state.store.suppliers_of(org.id).await?,
        customers: state.store.customers_of(org.id).await?,
        deployments: deployments.collect(),
        version_options: versions
            .iter()
            .map(|v| Choice { value: v.id.to_string(), label: v.label(), checked: false })
            .collect(),
        can_manage: ctx.require(Action::ManageCatalogue(org.id)).is_ok(),
        advisory_query: String::new(),
        advisory: None,
        advisory_missing: false,
    })
}

#[derive(Deserialize)]
pub(crate) struct CatalogueQuery {
    done: Option<String>,
    /// An advisory id or alias to look up in the catalogue.
    advisory: Option<String>,
}

pub(crate) async fn show(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Query(q): Query<CatalogueQuery>,
) -> Result<Response, AppError> {
    let org = org_for_catalogue(&state, &ctx, &slug).await?;
    let mut page = catalogue_page(&state, &ctx, &org, Vec::new()).await?;
    page.chrome = page.chrome.with_notice(q.done.as_deref());
    if let Some(id) = q.advisory.as_deref().map(str::trim).filter(|i| !i.is_empty()) {
        page.advisory_query = id.chars().take(100).collect();
        match catalogue::advisory_impact(&state, &ctx, &org, id).await {
            Ok(found) => page.advisory = Some(found),
            Err(AppError::NotFound) => page.advisory_missing = true,
            Err(other) => return Err(other),
        }
    }
    render(&page)
}

/// Runs a catalogue change; bad input shows the catalogue again with the problems listed.
async fn change<F, Fut>(state: AppState, ctx: RequestCtx, slug: String, f: F) -> Result<Response, AppError>
where
    F: FnOnce(AppState, RequestCtx, Organisation) -> Fut,
    Fut: std::future::Future<Output = Result<String, AppError>>,
{
    let org = org_for_catalogue(&state, &ctx, &slug).await?;
    match f(state.clone(), ctx.clone(), org.clone()).await {
        Ok(to) => Ok(see_other(&to)),
        Err(AppError::Validation(fields)) => {
            let errors = fields.iter().map(|f| f.render(&ctx.tr)).collect();
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &catalogue_page(&state, &ctx, &org, errors).await?)
        }
        Err(other) => Err(other),
    }
}

pub(crate) async fn add_product(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Form(f): Form<ProductForm>,
) -> Result<Response, AppError> {
    change(state, ctx, slug.clone(), |s, c, org| async move {
        let p = catalogue::create_product(&s, &c, &org, &f).await?;
        Ok(format!("/orgs/{slug}/products/{}?done=notice-catalogue-saved", p.id))
    })
    .await
}

pub(crate) async fn add_supplier(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Form(f): Form<SupplierForm>,
) -> Result<Response, AppError> {
    change(state, ctx, slug.clone(), |s, c, org| async move {
        catalogue::create_supplier(&s, &c, &org, &f).await?;
        Ok(format!("/orgs/{slug}/catalogue?done=notice-catalogue-saved"))
    })
    .await
}

pub(crate) async fn add_customer(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Form(f): Form<CustomerForm>,
) -> Result<Response, AppError> {
    change(state, ctx, slug.clone(), |s, c, org| async move {
        catalogue::create_customer(&s, &c, &org, &f).await?;
        Ok(format!("/orgs/{slug}/catalogue?done=notice-catalogue-saved"))
    })
    .await
}

pub(crate) async fn add_deployment(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Form(f): Form<DeploymentForm>,
) -> Result<Response, AppError> {
    change(state, ctx, slug.clone(), |s, c, org| async move {
        catalogue::create_deployment(&s, &c, &org, &f).await?;
        Ok(format!("/orgs/{slug}/catalogue?done=notice-catalogue-saved"))
    })
    .await
}

/// CSV pasted into a text box (the page works without JavaScript and without file uploads).
#[derive(Deserialize)]
pub(crate) struct CsvForm {
    #[serde(default)]
    csv: String,
}

pub(crate) async fn import_customers(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Form(f): Form<CsvForm>,
) -> Result<Response, AppError> {
    change(state, ctx, slug.clone(), |s, c, org| async move {
        catalogue::import_customers(&s, &c, &org, f.csv.as_bytes()).await?;
        Ok(format!("/orgs/{slug}/catalogue?done=notice-catalogue-imported"))
    })
    .await
}

pub(crate) async fn import_deployments(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Form(f): Form<CsvForm>,
) -> Result<Response, AppError> {
    change(state, ctx, slug.clone(), |s, c, org| async move {
        catalogue::import_deployments(&s, &c, &org, f.csv.as_bytes()).await?;
        Ok(format!("/orgs/{slug}/catalogue?done=notice-catalogue-imported"))
    })
    .await
}

#[derive(Template)]
#[template(path = "product.html")]
struct ProductPage {
    chrome: Chrome,
    org_slug: String,
    product: Product,
    versions: Vec<ProductVersion>,
    errors: Vec<String>,
    status_options: Vec<Choice>,
    can_manage: bool,
}

async fn product_page(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    product: Product,
    errors: Vec<String>,
) -> Result<ProductPage, AppError> {
    let versions =
        state.store.product_versions_of(org.id).await?.into_iter().filter(|v| v.product == product.id).collect();
    Ok(ProductPage {
        chrome: Chrome::new(ctx),
        org_slug: org.slug.to_string(),
        product,
        versions,
        errors,
        status_options: ["supported", "end_of_support", "end_of_life", "unreleased"]
            .iter()
            .map(|s| Choice { value: (*s).into(), label: ctx.tr.t(&format!("support-{s}")), checked: false })
            .collect(),
        can_manage: ctx.require(Action::ManageCatalogue(org.id)).is_ok(),
    })
}

pub(crate) async fn product(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, id)): Path<(String, String)>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let org = org_for_catalogue(&state, &ctx, &slug).await?;
    let p = catalogue::product(&state, &ctx, &org, &id).await?;
    let mut page = product_page(&state, &ctx, &org, p, Vec::new()).await?;
    page.chrome = page.chrome.with_notice(q.done.as_deref());
    render(&page)
}

pub(crate) async fn add_version(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, id)): Path<(String, String)>,
    Form(f): Form<VersionForm>,
) -> Result<Response, AppError> {
    let org = org_for_catalogue(&state, &ctx, &slug).await?;
    let p = catalogue::product(&state, &ctx, &org, &id).await?;
    match catalogue::create_version(&state, &ctx, &p, &f).await {
        Ok(v) => Ok(see_other(&format!("/orgs/{slug}/versions/{}?done=notice-catalogue-saved", v.id))),
        Err(AppError::Validation(fields)) => {
            let errors = fields.iter().map(|f| f.render(&ctx.tr)).collect();
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &product_page(&state, &ctx, &org, p, errors).await?)
        }
        Err(other) => Err(other),
    }
}

#[derive(Template)]
#[template(path = "product_version.html")]
struct VersionPage {
    chrome: Chrome,
    org_slug: String,
    pv: ProductVersion,
    label: String,
    support_label: String,
    sbom: Option<vulndesk_store::catalogue::SbomRecord>,
    components: Vec<StoredComponent>,
    more_components: usize,
    findings: Vec<VersionFinding>,
    customers: Vec<String>,
    errors: Vec<String>,
    can_manage: bool,
}

/// How many components the page lists (the API gives them all).
const PAGE_COMPONENTS: usize = 500;

async fn version_page(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    version: ProductVersion,
    errors: Vec<String>,
) -> Result<VersionPage, AppError> {
    let mut components = state.store.components_of(version.id).await?;
    let more_components = components.len().saturating_sub(PAGE_COMPONENTS);
    components.truncate(PAGE_COMPONENTS);
    let customers: Vec<String> = state
        .store
        .deployments_of(org.id)
        .await?
        .into_iter()
        .filter(|d| d.product_version == version.id)
        .map(|d| if d.note.is_empty() { d.customer_name } else { format!("{} ({})", d.customer_name, d.note) })
        .collect();
    Ok(VersionPage {
        chrome: Chrome::new(ctx),
        org_slug: org.slug.to_string(),
        label: version.label(),
        support_label: ctx.tr.t(&format!("support-{}", version.support_status)),
        sbom: state.store.sbom_of(version.id).await?,
        findings: catalogue::version_findings(state, &version).await?,
        pv: version,
        components,
        more_components,
        customers,
        errors,
        can_manage: ctx.require(Action::ManageCatalogue(org.id)).is_ok(),
    })
}

async fn org_version(
    state: &AppState,
    ctx: &RequestCtx,
    slug: &str,
    id: &str,
) -> Result<(Organisation, ProductVersion), AppError> {
    let org = org_for_catalogue(state, ctx, slug).await?;
    let v = catalogue::product_version(state, ctx, id).await?;
    if v.org != org.id {
        return Err(AppError::NotFound);
    }
    Ok((org, v))
}

pub(crate) async fn version(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, id)): Path<(String, String)>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let (org, v) = org_version(&state, &ctx, &slug, &id).await?;
    let mut page = version_page(&state, &ctx, &org, v, Vec::new()).await?;
    page.chrome = page.chrome.with_notice(q.done.as_deref());
    render(&page)
}

/// The SBOM upload form (multipart: the file and the CSRF token).
pub(crate) async fn upload_sbom(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, id)): Path<(String, String)>,
    mut form: Multipart,
) -> Result<Response, AppError> {
    let (org, v) = org_version(&state, &ctx, &slug, &id).await?;
    let (mut csrf, mut file) = (String::new(), Vec::new());
    while let Some(field) = form.next_field().await.map_err(|e| multipart_error(&e))? {
        match field.name().unwrap_or_default() {
            "csrf" => csrf = field.text().await.map_err(|e| multipart_error(&e))?,
            "sbom" => file = field.bytes().await.map_err(|e| multipart_error(&e))?.to_vec(),
            _ => {}
        }
    }
    ctx.check_csrf(&csrf)?;
    if file.is_empty() {
        let errors = vec![crate::error::FieldError::new("sbom", "field-required").render(&ctx.tr)];
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &version_page(&state, &ctx, &org, v, errors).await?);
    }
    match catalogue::import_sbom(&state, &ctx, &v, file).await {
        Ok(_) => Ok(see_other(&format!("/orgs/{slug}/versions/{id}?done=notice-sbom-imported"))),
        Err(AppError::Validation(fields)) => {
            let errors = fields.iter().map(|f| f.render(&ctx.tr)).collect();
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &version_page(&state, &ctx, &org, v, errors).await?)
        }
        Err(other) => Err(other),
    }
}

fn multipart_error(e: &axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge
    } else {
        AppError::BadRequest(e.body_text())
    }
}

#[derive(Template)]
#[template(path = "osv.html")]
struct OsvPage {
    chrome: Chrome,
    records: i64,
    latest: String,
    errors: Vec<String>,
}

async fn osv_page(state: &AppState, ctx: &RequestCtx, errors: Vec<String>) -> Result<OsvPage, AppError> {
    ctx.require(Action::ImportAdvisories)?;
    let (records, latest) = state.store.osv_stamp().await?;
    Ok(OsvPage {
        chrome: Chrome::new(ctx),
        records,
        latest: if latest == 0 { String::new() } else { vulndesk_core::Timestamp::from_micros(latest).to_rfc3339() },
        errors,
    })
}

/// The deployment's OSV data: how much is held, and an upload form (site administrators).
pub(crate) async fn osv(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let mut page = osv_page(&state, &ctx, Vec::new()).await?;
    page.chrome = page.chrome.with_notice(q.done.as_deref());
    render(&page)
}

/// The OSV upload form (multipart: a record, an array of records, or an `all.zip`).
pub(crate) async fn upload_osv(
    State(state): State<AppState>,
    ctx: RequestCtx,
    mut form: Multipart,
) -> Result<Response, AppError> {
    ctx.require(Action::ImportAdvisories)?;
    let (mut csrf, mut file) = (String::new(), Vec::new());
    while let Some(field) = form.next_field().await.map_err(|e| multipart_error(&e))? {
        match field.name().unwrap_or_default() {
            "csrf" => csrf = field.text().await.map_err(|e| multipart_error(&e))?,
            "osv" => file = field.bytes().await.map_err(|e| multipart_error(&e))?.to_vec(),
            _ => {}
        }
    }
    ctx.check_csrf(&csrf)?;
    if file.is_empty() {
        let errors = vec![crate::error::FieldError::new("osv", "field-required").render(&ctx.tr)];
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &osv_page(&state, &ctx, errors).await?);
    }
    match catalogue::import_osv(&state, &ctx, file).await {
        Ok(_) => Ok(see_other("/osv?done=notice-osv-imported")),
        Err(AppError::Validation(fields)) => {
            let errors = fields.iter().map(|f| f.render(&ctx.tr)).collect();
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &osv_page(&state, &ctx, errors).await?)
        }
        Err(other) => Err(other),
    }
}

/// The customer webhook form: which customer, and where.
#[derive(Deserialize)]
pub(crate) struct CustomerWebhookForm {
    #[serde(default)]
    customer: String,
    #[serde(default)]
    url: String,
}

#[derive(Template)]
#[template(path = "secret_once.html")]
struct SecretOnce {
    chrome: Chrome,
    back: String,
    secret: String,
}

/// Sets a customer's notice webhook and shows its signing key this once.
pub(crate) async fn set_customer_webhook(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Form(f): Form<CustomerWebhookForm>,
) -> Result<Response, AppError> {
    let org = org_for_catalogue(&state, &ctx, &slug).await?;
    let form = catalogue::WebhookForm { url: f.url };
    match catalogue::set_customer_webhook(&state, &ctx, org.id, &f.customer, &form).await {
        Ok(secret) => {
            render(&SecretOnce { chrome: Chrome::new(&ctx), back: format!("/orgs/{slug}/catalogue"), secret })
        }
        Err(AppError::Validation(fields)) => {
            let errors = fields.iter().map(|f| f.render(&ctx.tr)).collect();
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &catalogue_page(&state, &ctx, &org, errors).await?)
        }
        Err(other) => Err(other),
    }
}
