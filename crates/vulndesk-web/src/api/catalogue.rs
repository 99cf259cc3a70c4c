//! The product catalogue over the API: products and their versions, suppliers, customers and
//! deployments (CSV import for the last two), SBOM import per product version and its
//! components and findings, OSV import, and a case's affected components and impact.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use vulndesk_core::Action;
use vulndesk_store::catalogue::{
    Customer, Deployment, Imported, OsvUpsert, Product, ProductVersion, StoredComponent, Supplier,
};

use super::{ApiJson, ApiQuery, ErrorBody};
use crate::auth::RequestCtx;
use crate::catalogue::{
    self, AdvisoryImpact, CaseComponentForm, CustomerForm, CustomerNoticeForm, CustomerNoticesSent, DeploymentForm,
    Impact, ProductForm, SbomSummary, SupplierForm, VersionFinding, VersionForm,
};
use crate::error::AppError;
use crate::state::AppState;
use crate::{cases, ops};

/// A raw request body (an SBOM, a CSV file, OSV records). Too large is a 413 in the error shape.
pub(crate) struct ApiBytes(pub(crate) Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Bytes::from_request(req, state).await {
            Ok(b) if b.is_empty() => Err(AppError::BadRequest("the request body is empty".into())),
            Ok(b) => Ok(Self(b)),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(AppError::PayloadTooLarge),
            Err(e) => Err(AppError::BadRequest(e.body_text())),
        }
    }
}

/// A product.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ProductDto {
    id: String,
    vendor: String,
    name: String,
    description: String,
}

impl From<Product> for ProductDto {
    fn from(p: Product) -> Self {
        Self { id: p.id.to_string(), vendor: p.vendor_name, name: p.name, description: p.description }
    }
}

/// A product version.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct VersionDto {
    id: String,
    product: String,
    product_name: String,
    model: String,
    version: String,
    release_date: String,
    /// `supported`, `end_of_support`, `end_of_life` or `unreleased`.
    support_status: String,
}

impl From<ProductVersion> for VersionDto {
    fn from(v: ProductVersion) -> Self {
        Self {
            id: v.id.to_string(),
            product: v.product.to_string(),
            product_name: v.product_name,
            model: v.model,
            version: v.version,
            release_date: v.release_date,
            support_status: v.support_status,
        }
    }
}

/// A product with its versions.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ProductDetailDto {
    #[serde(flatten)]
    product: ProductDto,
    versions: Vec<VersionDto>,
}

/// A supplier.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SupplierDto {
    id: String,
    name: String,
    contact_name: String,
    contact_email: String,
    jurisdiction: String,
    website: String,
}

impl From<Supplier> for SupplierDto {
    fn from(s: Supplier) -> Self {
        Self {
            id: s.id.to_string(),
            name: s.name,
            contact_name: s.contact_name,
            contact_email: s.contact_email,
            jurisdiction: s.jurisdiction,
            website: s.website,
        }
    }
}

/// A customer.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct CustomerDto {
    id: String,
    name: String,
    contact_name: String,
    contact_email: String,
    jurisdiction: String,
    /// `zh-CN` or `en`.
    locale: String,
}

impl From<Customer> for CustomerDto {
    fn from(c: Customer) -> Self {
        Self {
            id: c.id.to_string(),
            name: c.name,
            contact_name: c.contact_name,
            contact_email: c.contact_email,
            jurisdiction: c.jurisdiction,
            locale: c.locale.tag().into(),
        }
    }
}

/// A deployment.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct DeploymentDto {
    id: String,
    customer: String,
    customer_name: String,
    product_version: String,
    note: String,
}

impl From<Deployment> for DeploymentDto {
    fn from(d: Deployment) -> Self {
        Self {
            id: d.id.to_string(),
            customer: d.customer.to_string(),
            customer_name: d.customer_name,
            product_version: d.product_version.to_string(),
            note: d.note,
        }
    }
}

/// What an import did.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ImportedDto {
    created: u64,
    updated: u64,
}

impl From<Imported> for ImportedDto {
    fn from(i: Imported) -> Self {
        Self { created: i.created, updated: i.updated }
    }
}

/// What an OSV import did.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct OsvImportDto {
    inserted: u64,
    replaced: u64,
    /// Records whose stored copy was as new or newer.
    kept: u64,
}

impl From<OsvUpsert> for OsvImportDto {
    fn from(o: OsvUpsert) -> Self {
        Self { inserted: o.inserted, replaced: o.replaced, kept: o.kept }
    }
}

/// A component of a product version.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ComponentDto {
    bom_ref: String,
    name: String,
    version: String,
    purl: String,
    /// The OSV ecosystem the purl maps to, or empty.
    ecosystem: String,
    cpe: String,
    supplier: String,
    /// `ALG:hex` separated by spaces.
    hashes: String,
    /// `true` direct, `false` transitive, absent when the SBOM does not say.
    direct: Option<bool>,
}

impl From<StoredComponent> for ComponentDto {
    fn from(c: StoredComponent) -> Self {
        Self {
            bom_ref: c.bom_ref,
            name: c.name,
            version: c.version,
            purl: c.purl,
            ecosystem: c.ecosystem,
            cpe: c.cpe,
            supplier: c.supplier,
            hashes: c.hashes,
            direct: c.direct,
        }
    }
}

/// A product version with its SBOM and deployments.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct VersionDetailDto {
    #[serde(flatten)]
    version: VersionDto,
    /// The SBOM last imported, if any.
    sbom: Option<SbomDto>,
    deployments: Vec<DeploymentDto>,
}

/// The SBOM last imported for a product version.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct SbomDto {
    format: String,
    spec_version: String,
    sha256: String,
    components: i64,
    warnings: i64,
    imported_at: String,
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/products", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name")),
    responses((status = 200, body = [ProductDto]), (status = 403, body = ErrorBody)))]
pub(crate) async fn list_products(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
) -> Result<Json<Vec<ProductDto>>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    ctx.require(Action::ViewCatalogue(org.id))?;
    Ok(Json(state.store.products_of(org.id).await?.into_iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/products", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name")), request_body = ProductForm,
    responses((status = 201, body = ProductDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_product(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
    ApiJson(f): ApiJson<ProductForm>,
) -> Result<(StatusCode, Json<ProductDto>), AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    let p = catalogue::create_product(&state, &ctx, &org, &f).await?;
    Ok((StatusCode::CREATED, Json(p.into())))
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/products/{id}", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("id" = String, Path, description = "The product's id")),
    responses((status = 200, body = ProductDetailDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_product(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, id)): Path<(String, String)>,
) -> Result<Json<ProductDetailDto>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    let p = catalogue::product(&state, &ctx, &org, &id).await?;
    let versions = state
        .store
        .product_versions_of(org.id)
        .await?
        .into_iter()
        .filter(|v| v.product == p.id)
        .map(Into::into)
        .collect();
    Ok(Json(ProductDetailDto { product: p.into(), versions }))
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/products/{id}/versions", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("id" = String, Path, description = "The product's id")),
    request_body = VersionForm,
    responses((status = 201, body = VersionDto), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_version(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, id)): Path<(String, String)>,
    ApiJson(f): ApiJson<VersionForm>,
) -> Result<(StatusCode, Json<VersionDto>), AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    let p = catalogue::product(&state, &ctx, &org, &id).await?;
    let v = catalogue::create_version(&state, &ctx, &p, &f).await?;
    Ok((StatusCode::CREATED, Json(v.into())))
}

#[utoipa::path(get, path = "/api/v1/product-versions/{id}", tag = "catalogue", security(("bearer" = [])),
    params(("id" = String, Path, description = "The product version's id")),
    responses((status = 200, body = VersionDetailDto), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_version(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<String>,
) -> Result<Json<VersionDetailDto>, AppError> {
    let v = catalogue::product_version(&state, &ctx, &id).await?;
    let sbom = state.store.sbom_of(v.id).await?.map(|s| SbomDto {
        format: s.format,
        spec_version: s.spec_version,
        sha256: s.sha256,
        components: s.components,
        warnings: s.warnings,
        imported_at: s.imported_at.to_rfc3339(),
    });
    let deployments = state
        .store
        .deployments_of(v.org)
        .await?
        .into_iter()
        .filter(|d| d.product_version == v.id)
        .map(Into::into)
        .collect();
    Ok(Json(VersionDetailDto { version: v.into(), sbom, deployments }))
}

#[utoipa::path(get, path = "/api/v1/product-versions/{id}/components", tag = "catalogue", security(("bearer" = [])),
    params(("id" = String, Path, description = "The product version's id")),
    responses((status = 200, body = [ComponentDto]), (status = 404, body = ErrorBody)))]
pub(crate) async fn components(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<String>,
) -> Result<Json<Vec<ComponentDto>>, AppError> {
    let v = catalogue::product_version(&state, &ctx, &id).await?;
    Ok(Json(state.store.components_of(v.id).await?.into_iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/api/v1/product-versions/{id}/sbom", tag = "catalogue", security(("bearer" = [])),
    params(("id" = String, Path, description = "The product version's id")),
    request_body(content = String, description = "The SBOM file as is: CycloneDX 1.2–1.7 (JSON, XML), SPDX 2.2/2.3 (JSON, tag-value) or SPDX 3.0 JSON-LD; the format is recognised from the content", content_type = "application/octet-stream"),
    responses((status = 201, description = "Imported; the version's previous components are replaced", body = SbomSummary),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, description = "Not an SBOM vulndesk reads; the message says where (JSON pointer or line)", body = ErrorBody)))]
pub(crate) async fn import_sbom(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<String>,
    ApiBytes(body): ApiBytes,
) -> Result<(StatusCode, Json<SbomSummary>), AppError> {
    let v = catalogue::product_version(&state, &ctx, &id).await?;
    let summary = catalogue::import_sbom(&state, &ctx, &v, body.to_vec()).await?;
    Ok((StatusCode::CREATED, Json(summary)))
}

#[utoipa::path(post, path = "/api/v1/scan", tag = "catalogue", security(("bearer" = [])),
    request_body(content = String, description = "An SBOM as is (CycloneDX 1.2–1.7 JSON or XML, SPDX 2.2/2.3 JSON or tag-value, SPDX 3.0 JSON-LD); nothing is stored", content_type = "application/octet-stream"),
    responses((status = 200, description = "Its components matched against the deployment's OSV data", body = crate::catalogue::ScanResult),
        (status = 401, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, description = "Not an SBOM vulndesk reads; the message says where (JSON pointer or line)", body = ErrorBody)))]
pub(crate) async fn scan(
    State(state): State<AppState>,
    ctx: RequestCtx,
    ApiBytes(body): ApiBytes,
) -> Result<Json<crate::catalogue::ScanResult>, AppError> {
    Ok(Json(catalogue::scan_sbom(&state, &ctx, body.to_vec()).await?))
}

#[utoipa::path(get, path = "/api/v1/product-versions/{id}/findings", tag = "catalogue", security(("bearer" = [])),
    params(("id" = String, Path, description = "The product version's id")),
    responses((status = 200, description = "Its components matched against the OSV data held, sorted by purl then advisory", body = [VersionFinding]),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn findings(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<String>,
) -> Result<Json<Vec<VersionFinding>>, AppError> {
    let v = catalogue::product_version(&state, &ctx, &id).await?;
    Ok(Json(catalogue::version_findings(&state, &v).await?))
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/suppliers", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name")),
    responses((status = 200, body = [SupplierDto]), (status = 403, body = ErrorBody)))]
pub(crate) async fn list_suppliers(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
) -> Result<Json<Vec<SupplierDto>>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    ctx.require(Action::ViewCatalogue(org.id))?;
    Ok(Json(state.store.suppliers_of(org.id).await?.into_iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/suppliers", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name")), request_body = SupplierForm,
    responses((status = 201, body = SupplierDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_supplier(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
    ApiJson(f): ApiJson<SupplierForm>,
) -> Result<(StatusCode, Json<SupplierDto>), AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    Ok((StatusCode::CREATED, Json(catalogue::create_supplier(&state, &ctx, &org, &f).await?.into())))
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/customers", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name")),
    responses((status = 200, body = [CustomerDto]), (status = 403, body = ErrorBody)))]
pub(crate) async fn list_customers(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
) -> Result<Json<Vec<CustomerDto>>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    ctx.require(Action::ViewCatalogue(org.id))?;
    Ok(Json(state.store.customers_of(org.id).await?.into_iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/customers", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name")), request_body = CustomerForm,
    responses((status = 201, body = CustomerDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_customer(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
    ApiJson(f): ApiJson<CustomerForm>,
) -> Result<(StatusCode, Json<CustomerDto>), AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    Ok((StatusCode::CREATED, Json(catalogue::create_customer(&state, &ctx, &org, &f).await?.into())))
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/customers/import", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name")),
    request_body(content = String, description = "CSV with the header `name,contact_name,contact_email,jurisdiction,locale`; a row naming an existing customer updates it", content_type = "text/csv"),
    responses((status = 200, body = ImportedDto), (status = 403, body = ErrorBody),
        (status = 422, description = "Every bad row, each with its line; nothing is stored", body = ErrorBody)))]
pub(crate) async fn import_customers(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
    ApiBytes(body): ApiBytes,
) -> Result<Json<ImportedDto>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    Ok(Json(catalogue::import_customers(&state, &ctx, &org, &body).await?.into()))
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/deployments", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name")),
    responses((status = 200, body = [DeploymentDto]), (status = 403, body = ErrorBody)))]
pub(crate) async fn list_deployments(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
) -> Result<Json<Vec<DeploymentDto>>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    ctx.require(Action::ViewCatalogue(org.id))?;
    Ok(Json(state.store.deployments_of(org.id).await?.into_iter().map(Into::into).collect()))
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/deployments", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name")), request_body = DeploymentForm,
    responses((status = 201, body = DeploymentDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create_deployment(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
    ApiJson(f): ApiJson<DeploymentForm>,
) -> Result<(StatusCode, Json<DeploymentDto>), AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    Ok((StatusCode::CREATED, Json(catalogue::create_deployment(&state, &ctx, &org, &f).await?.into())))
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/deployments/import", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name")),
    request_body(content = String, description = "CSV with the header `customer,product,model,version,note`, naming customers and product versions of the catalogue", content_type = "text/csv"),
    responses((status = 200, body = ImportedDto), (status = 403, body = ErrorBody),
        (status = 422, description = "Every bad row, each with its line; nothing is stored", body = ErrorBody)))]
pub(crate) async fn import_deployments(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
    ApiBytes(body): ApiBytes,
) -> Result<Json<ImportedDto>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    Ok(Json(catalogue::import_deployments(&state, &ctx, &org, &body).await?.into()))
}

#[utoipa::path(post, path = "/api/v1/osv", tag = "catalogue", security(("bearer" = [])),
    request_body(content = String, description = "One OSV record, a JSON array of records, or a zip archive of records (osv.dev's all.zip); incremental by `modified`", content_type = "application/octet-stream"),
    responses((status = 200, body = OsvImportDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn import_osv(
    State(state): State<AppState>,
    ctx: RequestCtx,
    ApiBytes(body): ApiBytes,
) -> Result<Json<OsvImportDto>, AppError> {
    Ok(Json(catalogue::import_osv(&state, &ctx, body.to_vec()).await?.into()))
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/advisories/{id}/impact", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("id" = String, Path, description = "An imported OSV record's id, or one of its aliases (CVE-…, GHSA-…)")),
    responses((status = 200, description = "The product versions and customers the advisory reaches", body = AdvisoryImpact),
        (status = 403, body = ErrorBody), (status = 404, description = "No imported advisory has this id or alias", body = ErrorBody)))]
pub(crate) async fn advisory_impact(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, id)): Path<(String, String)>,
) -> Result<Json<AdvisoryImpact>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    Ok(Json(catalogue::advisory_impact(&state, &ctx, &org, &id).await?))
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/cases/{number}/impact", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042")),
    responses((status = 200, description = "The product versions, customers and upstream suppliers the case's components reach", body = Impact),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn impact(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number)): Path<(String, String)>,
) -> Result<Json<Impact>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    let case = cases::readable_case(&state, &ctx, &org, &number).await?;
    Ok(Json(catalogue::impact(&state, &case).await?))
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/cases/{number}/components", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042")),
    request_body = CaseComponentForm,
    responses((status = 201, description = "Added; the case's impact with it", body = Impact), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn add_component(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number)): Path<(String, String)>,
    ApiJson(f): ApiJson<CaseComponentForm>,
) -> Result<(StatusCode, Json<Impact>), AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    let case = cases::readable_case(&state, &ctx, &org, &number).await?;
    catalogue::add_case_component(&state, &ctx, &case, &f).await?;
    let case = state.store.case(case.id).await?.ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(catalogue::impact(&state, &case).await?)))
}

#[utoipa::path(delete, path = "/api/v1/organisations/{org}/cases/{number}/components/{id}", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042"),
        ("id" = String, Path, description = "The component's id")),
    responses((status = 204, description = "Removed"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn remove_component(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number, id)): Path<(String, String, String)>,
) -> Result<StatusCode, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    let case = cases::readable_case(&state, &ctx, &org, &number).await?;
    catalogue::remove_case_component(&state, &ctx, &case, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An upstream notice's sending.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct NoticeDto {
    /// `mailto:` and the supplier's address.
    to: String,
    /// `pending`, `delivered`, `failed` (retries exhausted) or `bounced` (refused for good).
    status: String,
    attempts: i64,
    last_error: String,
    delivered_at: Option<String>,
    /// When the recipient confirmed receipt through the notice's acknowledgement link.
    acknowledged_at: Option<String>,
}

async fn notices(state: &AppState, case: &vulndesk_core::case::Case, kind: &str) -> Result<Vec<NoticeDto>, AppError> {
    let acks = state.store.notice_acks_for(&case.id.to_string()).await?;
    Ok(state
        .store
        .deliveries_for(&case.id.to_string())
        .await?
        .into_iter()
        .filter(|d| d.new.kind == kind)
        .map(|d| NoticeDto {
            acknowledged_at: acks
                .iter()
                .find(|a| a.delivery_id == d.new.id)
                .and_then(|a| a.acknowledged_at)
                .map(|t| t.to_rfc3339()),
            to: d.new.url,
            status: d.status,
            attempts: d.attempts,
            last_error: d.last_error,
            delivered_at: d.delivered_at.map(|t| t.to_rfc3339()),
        })
        .collect())
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/cases/{number}/upstream-notices", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042")),
    responses((status = 200, body = [NoticeDto]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_notices(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number)): Path<(String, String)>,
) -> Result<Json<Vec<NoticeDto>>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    let case = cases::readable_case(&state, &ctx, &org, &number).await?;
    Ok(Json(notices(&state, &case, "upstream_notice").await?))
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/cases/{number}/upstream-notices", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042")),
    responses((status = 202, description = "Each supplier's notice queued for mail; the first delivered meets the 24-hour deadline", body = [NoticeDto]),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "No upstream component names a supplier, or a supplier has no e-mail address", body = ErrorBody)))]
pub(crate) async fn send_notices(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Vec<NoticeDto>>), AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    let case = cases::readable_case(&state, &ctx, &org, &number).await?;
    catalogue::send_upstream_notices(&state, &ctx, &case).await?;
    Ok((StatusCode::ACCEPTED, Json(notices(&state, &case, "upstream_notice").await?)))
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/cases/{number}/customer-notices", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042")),
    responses((status = 200, body = [NoticeDto]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_customer_notices(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number)): Path<(String, String)>,
) -> Result<Json<Vec<NoticeDto>>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    let case = cases::readable_case(&state, &ctx, &org, &number).await?;
    Ok(Json(notices(&state, &case, "customer_notice").await?))
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/cases/{number}/customer-notices", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("number" = String, Path, description = "VD-2026-0042")),
    request_body = CustomerNoticeForm,
    responses((status = 202, description = "A notice queued for every affected customer with an address, in the customer's language", body = CustomerNoticesSent),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "No customer runs an affected version", body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn send_customer_notices(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, number)): Path<(String, String)>,
    ApiJson(f): ApiJson<CustomerNoticeForm>,
) -> Result<(StatusCode, Json<CustomerNoticesSent>), AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    let case = cases::readable_case(&state, &ctx, &org, &number).await?;
    Ok((StatusCode::ACCEPTED, Json(catalogue::send_customer_notices(&state, &ctx, &case, &f).await?)))
}

/// The signing key of a customer's webhook, shown once.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct WebhookSecret {
    /// HMAC-SHA256 key: `X-Vulndesk-Signature: sha256=HMAC(key, timestamp + "." + body)`.
    secret: String,
}

#[utoipa::path(put, path = "/api/v1/organisations/{org}/customers/{id}/webhook", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("id" = String, Path, description = "The customer's id")),
    request_body = catalogue::WebhookForm,
    responses((status = 200, description = "Set; the signing key is shown this once", body = WebhookSecret),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn set_customer_webhook(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, id)): Path<(String, String)>,
    ApiJson(f): ApiJson<catalogue::WebhookForm>,
) -> Result<Json<WebhookSecret>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    let secret = catalogue::set_customer_webhook(&state, &ctx, org.id, &id, &f).await?;
    Ok(Json(WebhookSecret { secret }))
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/feeds", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name")),
    responses((status = 200, description = "The vendor feeds with their kept documents and refusals", body = [crate::feeds::FeedView]),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_feeds(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
) -> Result<Json<Vec<crate::feeds::FeedView>>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    Ok(Json(crate::feeds::list(&state, &ctx, &org).await?))
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/feeds", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name")), request_body = crate::feeds::NewFeed,
    responses((status = 201, body = crate::feeds::FeedView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(crate) async fn add_feed(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
    ApiJson(body): ApiJson<crate::feeds::NewFeed>,
) -> Result<(StatusCode, Json<crate::feeds::FeedView>), AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    Ok((StatusCode::CREATED, Json(crate::feeds::add(&state, &ctx, &org, &body).await?)))
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/feeds/{id}/pull", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("id" = String, Path, description = "The feed id")),
    responses((status = 200, description = "What the pull kept and refused", body = crate::feeds::PullView),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The provider could not be reached or read")))]
pub(crate) async fn pull_feed(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, id)): Path<(String, String)>,
) -> Result<Json<crate::feeds::PullView>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    Ok(Json(crate::feeds::pull_now(&state, &ctx, &org, &id).await?))
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/assets", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name")),
    responses((status = 200, description = "The assets; host names and addresses only for catalogue keepers", body = [crate::assets::AssetView]),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_assets(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
) -> Result<Json<Vec<crate::assets::AssetView>>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    Ok(Json(crate::assets::list(&state, &ctx, &org).await?))
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/assets", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name")), request_body = crate::assets::AssetForm,
    responses((status = 204, description = "Saved (an asset with the same name is replaced)"), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub(crate) async fn add_asset(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
    ApiJson(body): ApiJson<crate::assets::AssetForm>,
) -> Result<StatusCode, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    crate::assets::add(&state, &ctx, &org, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// How many assets an import stored.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct AssetsImported {
    stored: usize,
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/assets/import", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name")),
    request_body(content = String, content_type = "text/csv",
        description = "name,hostnames,addresses,owner,location,exposure,protection_level,critical_infrastructure,vendor,product,model,version,components"),
    responses((status = 200, body = AssetsImported), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "Every bad row, by line; nothing stored")))]
pub(crate) async fn import_assets(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
    body: Bytes,
) -> Result<Json<AssetsImported>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    Ok(Json(AssetsImported { stored: crate::assets::import_csv(&state, &ctx, &org, &body).await? }))
}

/// The query of an asset export.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub(crate) struct AssetExportQuery {
    /// `true` to include host names and addresses (catalogue keepers; audited).
    #[serde(default)]
    restricted: bool,
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/assets.csv", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), AssetExportQuery),
    responses((status = 200, description = "The assets in the import's columns; host names and addresses empty unless restricted=true",
        content_type = "text/csv", body = String),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn export_assets(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
    ApiQuery(q): ApiQuery<AssetExportQuery>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    let org = ops::visible_org(&state, &ctx, &org).await?;
    let csv = crate::assets::export_csv(&state, &ctx, &org, q.restricted).await?;
    let mut resp = (StatusCode::OK, csv).into_response();
    resp.headers_mut()
        .insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("text/csv; charset=utf-8"));
    Ok(resp)
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/findings", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name")),
    responses((status = 200, description = "Findings on the assets, soonest due first", body = [crate::assets::FindingView]),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_findings(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
) -> Result<Json<Vec<crate::assets::FindingView>>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    Ok(Json(crate::assets::list_findings(&state, &ctx, &org).await?))
}

/// What a re-match changed.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Rematched {
    /// New findings.
    new: usize,
    /// Open findings closed because the inventory is no longer affected.
    closed: usize,
    /// Remediations the re-match confirmed.
    confirmed: usize,
    /// Findings reopened: still matched after a claimed remediation, a withdrawn VEX statement
    /// or an ended risk acceptance.
    reopened: usize,
    /// Findings closed by a supplier's VEX statement.
    not_affected: usize,
}

impl From<vulndesk_store::findings::SyncReport> for Rematched {
    fn from(r: vulndesk_store::findings::SyncReport) -> Self {
        Self {
            new: r.new,
            closed: r.closed,
            confirmed: r.confirmed,
            reopened: r.reopened,
            not_affected: r.not_affected,
        }
    }
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/findings/sync", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name")),
    responses((status = 200, description = "New findings, and open ones closed because they no longer match", body = Rematched),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn sync_findings(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
) -> Result<Json<Rematched>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    Ok(Json(crate::assets::sync_findings(&state, &ctx, &org).await?.into()))
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/findings/board", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name")),
    responses((status = 200, description = "Open and overdue findings by grade, open findings week by week, time to remediate",
        body = crate::assets::Board), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn findings_board(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
) -> Result<Json<crate::assets::Board>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    Ok(Json(crate::assets::board(&state, &ctx, &org).await?))
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/sla-matrix", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name")),
    responses((status = 200, description = "The remediation SLA matrix in use", body = crate::assets::SlaView),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_sla(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
) -> Result<Json<crate::assets::SlaView>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    Ok(Json(crate::assets::sla(&state, &ctx, &org).await?))
}

#[utoipa::path(put, path = "/api/v1/organisations/{org}/sla-matrix", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name")), request_body = crate::assets::SlaView,
    responses((status = 200, description = "Saved (empty text: the defaults); new findings get these deadlines", body = crate::assets::SlaView),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody, description = "The line at fault")))]
pub(crate) async fn put_sla(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
    ApiJson(body): ApiJson<crate::assets::SlaView>,
) -> Result<Json<crate::assets::SlaView>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    crate::assets::set_sla(&state, &ctx, &org, &body.matrix).await?;
    Ok(Json(crate::assets::sla(&state, &ctx, &org).await?))
}

#[utoipa::path(get, path = "/api/v1/organisations/{org}/vex", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name")),
    responses((status = 200, description = "Suppliers' VEX documents uploaded", body = [crate::assets::VexView]),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn list_vex(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
) -> Result<Json<Vec<crate::assets::VexView>>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    Ok(Json(crate::assets::list_vex(&state, &ctx, &org).await?))
}

/// An uploaded VEX document and what the re-match after it changed.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct VexUploaded {
    document: crate::assets::VexView,
    rematch: Rematched,
}

/// The query of a VEX upload.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(crate) struct VexQuery {
    /// A name for people (default: the document's id).
    #[serde(default)]
    name: String,
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/vex", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), VexQuery),
    request_body(content = String, content_type = "application/json", description = "A CSAF 2.0 document (VEX profile or advisory) or CycloneDX JSON with vulnerabilities[]"),
    responses((status = 201, body = VexUploaded), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "The same document is already uploaded"),
        (status = 422, body = ErrorBody, description = "Not a document vulndesk reads, with why")))]
pub(crate) async fn upload_vex(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(org): Path<String>,
    ApiQuery(q): ApiQuery<VexQuery>,
    body: Bytes,
) -> Result<(StatusCode, Json<VexUploaded>), AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    let (document, report) = crate::assets::upload_vex(&state, &ctx, &org, &q.name, &body).await?;
    Ok((StatusCode::CREATED, Json(VexUploaded { document, rematch: report.into() })))
}

#[utoipa::path(delete, path = "/api/v1/organisations/{org}/vex/{id}", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("id" = String, Path, description = "The document id")),
    responses((status = 204, description = "Removed; findings it closed reopen if still matched"), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn remove_vex(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, id)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    crate::assets::remove_vex(&state, &ctx, &org, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/assets/{id}/sbom", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("id" = String, Path, description = "The asset id")),
    request_body(content = String, content_type = "application/octet-stream", description = "CycloneDX (JSON, XML) or SPDX (JSON, tag-value)"),
    responses((status = 200, description = "The asset's components are now the SBOM's package URLs", body = crate::assets::SbomImported),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn import_asset_sbom(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<crate::assets::SbomImported>, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    Ok(Json(crate::assets::import_sbom(&state, &ctx, &org, &id, body.to_vec()).await?))
}

#[utoipa::path(post, path = "/api/v1/organisations/{org}/findings/{id}/steps", tag = "catalogue", security(("bearer" = [])),
    params(("org" = String, Path, description = "The organisation's short name"), ("id" = String, Path, description = "The finding id")),
    request_body = crate::assets::FindingStep,
    responses((status = 204, description = "Moved"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn step_finding(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((org, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<crate::assets::FindingStep>,
) -> Result<StatusCode, AppError> {
    let org = ops::visible_org(&state, &ctx, &org).await?;
    crate::assets::step_finding(&state, &ctx, &org, &id, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}
