//! The product catalogue's operations, shared by pages and API: vendors, products, versions,
//! suppliers, customers and deployments (one at a time or from CSV), SBOM import into a product
//! version, OSV import, the in-memory matching index, and a case's impact (which product
//! versions, customers and upstream suppliers its affected components reach).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use serde::Deserialize;
use sha2::Digest;
use vulndesk_core::case::Case;
use vulndesk_core::{
    Action, CaseComponentId, CustomerId, DeploymentId, Locale, OrgId, Organisation, ProductId, ProductVersionId,
    SupplierId, VendorId,
};
use vulndesk_formats::purl::Purl;
use vulndesk_formats::sbom::{ReadOptions, read_sbom_with};
use vulndesk_match::osv::{Upsert, normalise_name};
use vulndesk_match::{Ecosystem, Index, Vers, purl_package};
use vulndesk_store::StoreError;
use vulndesk_store::catalogue::{
    CaseComponent, Customer, Deployment, Imported, OsvRow, OsvUpsert, Product, ProductVersion, SbomRecord,
    StoredComponent, Supplier, Vendor,
};

use crate::auth::RequestCtx;
use crate::error::{AppError, FieldError};
use crate::state::AppState;
use crate::validate;

fn conflict(field: &str, value: &str) -> impl FnOnce(StoreError) -> AppError {
    let (field, value) = (field.to_owned(), value.to_owned());
    move |e| match e {
        StoreError::Conflict(_) => {
            AppError::Validation(vec![FieldError::new(&field, "conflict-name").with("value", value)])
        }
        other => other.into(),
    }
}

fn optional(field: &str, s: &str, max: usize) -> Result<String, FieldError> {
    let s = s.trim();
    if s.chars().count() > max {
        return Err(FieldError::new(field, "text-too-long").with("max", max));
    }
    Ok(s.to_owned())
}

/// An ISO 3166-1 alpha-2 code (upper-cased); empty is allowed where `required` is false.
fn country(field: &str, s: &str, required: bool) -> Result<String, FieldError> {
    let s = s.trim().to_ascii_uppercase();
    if s.is_empty() && !required {
        return Ok(s);
    }
    if s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(s)
    } else {
        Err(FieldError::new(field, "invalid-country").with("value", s))
    }
}

fn locale(field: &str, s: &str) -> Result<Locale, FieldError> {
    match s.trim() {
        "" => Ok(Locale::ZhCn),
        t => Locale::from_tag(t).ok_or_else(|| FieldError::new(field, "invalid-locale").with("value", t)),
    }
}

/// Collects field results: every problem at once, or the values.
macro_rules! fields {
    ($($name:ident = $e:expr),+ $(,)?) => {
        let mut problems = Vec::new();
        $(let $name = $e.map_err(|x| problems.push(x)).ok();)+
        if !problems.is_empty() {
            return Err(AppError::Validation(problems));
        }
        $(let Some($name) = $name else { return Err(AppError::Internal("validation".into())) };)+
    };
}

/// A product to add (page form and API body).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub(crate) struct ProductForm {
    /// The vendor's name; a vendor of that name is added to the catalogue if there is none.
    #[serde(default)]
    pub(crate) vendor: String,
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) description: String,
}

/// A product version to add.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub(crate) struct VersionForm {
    /// The model (empty for a product with one model).
    #[serde(default)]
    pub(crate) model: String,
    #[serde(default)]
    pub(crate) version: String,
    /// `YYYY-MM-DD`, or empty.
    #[serde(default)]
    pub(crate) release_date: String,
    /// `supported` (default), `end_of_support`, `end_of_life` or `unreleased`.
    #[serde(default)]
    pub(crate) support_status: String,
}

/// A supplier to add.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub(crate) struct SupplierForm {
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) contact_name: String,
    #[serde(default)]
    pub(crate) contact_email: String,
    /// ISO 3166-1 alpha-2 country code (`CN`, `US`).
    #[serde(default)]
    pub(crate) jurisdiction: String,
    #[serde(default)]
    pub(crate) website: String,
}

/// A customer to add.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub(crate) struct CustomerForm {
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) contact_name: String,
    #[serde(default)]
    pub(crate) contact_email: String,
    /// ISO 3166-1 alpha-2 country code.
    #[serde(default)]
    pub(crate) jurisdiction: String,
    /// `zh-CN` (default) or `en`: the language of the notices the customer gets.
    #[serde(default)]
    pub(crate) locale: String,
}

/// A deployment to add: a customer running a product version.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub(crate) struct DeploymentForm {
    /// The customer's id.
    #[serde(default)]
    pub(crate) customer: String,
    /// The product version's id.
    #[serde(default)]
    pub(crate) product_version: String,
    #[serde(default)]
    pub(crate) note: String,
}

/// A component a case names as affected.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub(crate) struct CaseComponentForm {
    /// The package URL (a version in it is ignored): `pkg:generic/dnsmasq`, `pkg:pypi/django`.
    #[serde(default)]
    pub(crate) purl: String,
    /// The affected versions as a `vers:` range (`vers:generic/>=2.80|<2.90`), or a bare
    /// constraint list (`>=2.80|<2.90`) in the purl type's scheme.
    #[serde(default)]
    pub(crate) vers: String,
    /// The upstream supplier's id, when the component is not the organisation's own.
    #[serde(default)]
    pub(crate) supplier: String,
}

/// The vendor named `name`, added to the catalogue if there is none.
async fn vendor_named(state: &AppState, ctx: &RequestCtx, org: &Organisation, name: &str) -> Result<Vendor, AppError> {
    let vendors = state.store.vendors_of(org.id).await?;
    if let Some(v) = vendors.into_iter().find(|v| v.name == name) {
        return Ok(v);
    }
    let v = Vendor {
        id: VendorId::from_uuid(crate::auth::random_uuid()),
        org: org.id,
        name: name.to_owned(),
        website: String::new(),
    };
    state.store.create_vendor(&v, &ctx.audit(state.clock.now())).await.map_err(conflict("vendor", name))?;
    Ok(v)
}

pub(crate) async fn create_product(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    f: &ProductForm,
) -> Result<Product, AppError> {
    ctx.require(Action::ManageCatalogue(org.id))?;
    let vendor_name = if f.vendor.trim().is_empty() { org.name.clone() } else { f.vendor.clone() };
    fields!(
        vendor_name = validate::text("vendor", &vendor_name, 200),
        name = validate::text("name", &f.name, 200),
        description = optional("description", &f.description, 4000),
    );
    let vendor = vendor_named(state, ctx, org, &vendor_name).await?;
    let p = Product {
        id: ProductId::from_uuid(crate::auth::random_uuid()),
        org: org.id,
        vendor: vendor.id,
        vendor_name: vendor.name,
        name: name.clone(),
        description,
    };
    state.store.create_product(&p, &ctx.audit(state.clock.now())).await.map_err(conflict("name", &name))?;
    Ok(p)
}

/// The product with this id, if it belongs to `org` and the actor may read the catalogue.
pub(crate) async fn product(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    id: &str,
) -> Result<Product, AppError> {
    ctx.require(Action::ViewCatalogue(org.id))?;
    let id: ProductId = id.parse().map_err(|_| AppError::NotFound)?;
    state.store.product(id).await?.filter(|p| p.org == org.id).ok_or(AppError::NotFound)
}

/// The product version with this id, if the actor may read its organisation's catalogue.
pub(crate) async fn product_version(state: &AppState, ctx: &RequestCtx, id: &str) -> Result<ProductVersion, AppError> {
    ctx.user()?;
    let id: ProductVersionId = id.parse().map_err(|_| AppError::NotFound)?;
    let v = state.store.product_version(id).await?.ok_or(AppError::NotFound)?;
    ctx.require(Action::ViewCatalogue(v.org)).map_err(|_| AppError::NotFound)?;
    Ok(v)
}

const SUPPORT_STATUSES: [&str; 4] = ["supported", "end_of_support", "end_of_life", "unreleased"];

pub(crate) async fn create_version(
    state: &AppState,
    ctx: &RequestCtx,
    product: &Product,
    f: &VersionForm,
) -> Result<ProductVersion, AppError> {
    ctx.require(Action::ManageCatalogue(product.org))?;
    let date = f.release_date.trim();
    let status = if f.support_status.trim().is_empty() { "supported" } else { f.support_status.trim() };
    fields!(
        model = optional("model", &f.model, 100),
        version = validate::text("version", &f.version, 100),
        release_date = if date.is_empty()
            || time::Date::parse(date, time::macros::format_description!("[year]-[month]-[day]")).is_ok()
        {
            Ok(date.to_owned())
        } else {
            Err(FieldError::new("release_date", "invalid-date").with("value", date))
        },
        support_status = if SUPPORT_STATUSES.contains(&status) {
            Ok(status.to_owned())
        } else {
            Err(FieldError::new("support_status", "invalid-choice").with("value", status))
        },
    );
    let v = ProductVersion {
        id: ProductVersionId::from_uuid(crate::auth::random_uuid()),
        org: product.org,
        product: product.id,
        product_name: product.name.clone(),
        model,
        version: version.clone(),
        release_date,
        support_status,
    };
    state
        .store
        .create_product_version(&v, &ctx.audit(state.clock.now()))
        .await
        .map_err(conflict("version", &version))?;
    Ok(v)
}

pub(crate) async fn create_supplier(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    f: &SupplierForm,
) -> Result<Supplier, AppError> {
    ctx.require(Action::ManageCatalogue(org.id))?;
    fields!(
        name = validate::text("name", &f.name, 200),
        contact_name = optional("contact_name", &f.contact_name, 200),
        contact_email = validate::email("contact_email", &f.contact_email),
        jurisdiction = country("jurisdiction", &f.jurisdiction, true),
        website = optional("website", &f.website, 500),
    );
    let s = Supplier {
        id: SupplierId::from_uuid(crate::auth::random_uuid()),
        org: org.id,
        name: name.clone(),
        contact_name,
        contact_email,
        jurisdiction,
        website,
    };
    state.store.create_supplier(&s, &ctx.audit(state.clock.now())).await.map_err(conflict("name", &name))?;
    Ok(s)
}

fn customer_from(org: OrgId, f: &CustomerForm) -> Result<Customer, Vec<FieldError>> {
    let mut problems = Vec::new();
    let name = validate::text("name", &f.name, 200).map_err(|x| problems.push(x)).ok();
    let contact_name = optional("contact_name", &f.contact_name, 200).map_err(|x| problems.push(x)).ok();
    let contact_email = validate::email("contact_email", &f.contact_email).map_err(|x| problems.push(x)).ok();
    let jurisdiction = country("jurisdiction", &f.jurisdiction, true).map_err(|x| problems.push(x)).ok();
    let locale = locale("locale", &f.locale).map_err(|x| problems.push(x)).ok();
    match (name, contact_name, contact_email, jurisdiction, locale) {
        (Some(name), Some(contact_name), Some(contact_email), Some(jurisdiction), Some(locale))
            if problems.is_empty() =>
        {
            Ok(Customer {
                id: CustomerId::from_uuid(crate::auth::random_uuid()),
                org,
                name,
                contact_name,
                contact_email,
                jurisdiction,
                locale,
            })
        }
        _ => Err(problems),
    }
}

pub(crate) async fn create_customer(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    f: &CustomerForm,
) -> Result<Customer, AppError> {
    ctx.require(Action::ManageCatalogue(org.id))?;
    let c = customer_from(org.id, f).map_err(AppError::Validation)?;
    state.store.create_customer(&c, &ctx.audit(state.clock.now())).await.map_err(conflict("name", &c.name))?;
    Ok(c)
}

pub(crate) async fn create_deployment(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    f: &DeploymentForm,
) -> Result<Deployment, AppError> {
    ctx.require(Action::ManageCatalogue(org.id))?;
    let customer = f.customer.trim().parse::<CustomerId>();
    let version = f.product_version.trim().parse::<ProductVersionId>();
    fields!(
        customer = customer.map_err(|_| FieldError::new("customer", "invalid-choice").with("value", f.customer.trim())),
        version = version
            .map_err(|_| FieldError::new("product_version", "invalid-choice").with("value", f.product_version.trim())),
        note = optional("note", &f.note, 500),
    );
    let d = Deployment {
        id: DeploymentId::from_uuid(crate::auth::random_uuid()),
        org: org.id,
        customer,
        customer_name: String::new(),
        product_version: version,
        note,
    };
    state.store.import_deployments(std::slice::from_ref(&d), &ctx.audit(state.clock.now())).await.map_err(
        |e| match e {
            StoreError::NotFound => {
                AppError::Validation(vec![FieldError::new("customer", "unknown-deployment-target")])
            }
            other => other.into(),
        },
    )?;
    Ok(d)
}

/// The most rows a CSV import takes.
const CSV_MAX_ROWS: usize = 50_000;

/// A CSV row: its line number and its cells by (lower-cased) column name.
pub(crate) type CsvRow = (usize, HashMap<String, String>);

pub(crate) fn csv_rows(bytes: &[u8], columns: &[&str]) -> Result<Vec<CsvRow>, AppError> {
    let bad = |line: usize, key: &'static str| FieldError::new("csv", key).at_line(line);
    let mut reader = csv::ReaderBuilder::new().flexible(false).trim(csv::Trim::All).from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| AppError::Validation(vec![bad(1, "csv-invalid").with("reason", e)]))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let unknown: Vec<&String> = header.iter().filter(|h| !columns.contains(&h.as_str())).collect();
    if !unknown.is_empty() || !header.iter().any(|h| h == "name" || h == "customer") {
        let names = unknown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
        return Err(AppError::Validation(vec![
            bad(1, "csv-columns").with("columns", columns.join(", ")).with("unknown", names),
        ]));
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = record.map_err(|e| AppError::Validation(vec![bad(line, "csv-invalid").with("reason", e)]))?;
        if rows.len() == CSV_MAX_ROWS {
            return Err(AppError::Validation(vec![bad(line, "csv-too-many").with("max", CSV_MAX_ROWS)]));
        }
        rows.push((line, header.iter().cloned().zip(record.iter().map(str::to_owned)).collect()));
    }
    Ok(rows)
}

pub(crate) fn located(line: usize, problems: Vec<FieldError>) -> Vec<FieldError> {
    problems.into_iter().map(|p| p.at_line(line)).collect()
}

/// Imports customers from CSV (`name,contact_name,contact_email,jurisdiction,locale`): one
/// transaction; a row naming an existing customer updates it. Every bad row is reported with
/// its line, and then nothing is stored.
pub(crate) async fn import_customers(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    bytes: &[u8],
) -> Result<Imported, AppError> {
    ctx.require(Action::ManageCatalogue(org.id))?;
    let rows = csv_rows(bytes, &["name", "contact_name", "contact_email", "jurisdiction", "locale"])?;
    let mut customers = Vec::new();
    let mut problems = Vec::new();
    for (line, row) in rows {
        let get = |k: &str| row.get(k).cloned().unwrap_or_default();
        let form = CustomerForm {
            name: get("name"),
            contact_name: get("contact_name"),
            contact_email: get("contact_email"),
            jurisdiction: get("jurisdiction"),
            locale: get("locale"),
        };
        match customer_from(org.id, &form) {
            Ok(c) => customers.push(c),
            Err(p) => problems.extend(located(line, p)),
        }
    }
    if !problems.is_empty() {
        problems.truncate(100);
        return Err(AppError::Validation(problems));
    }
    Ok(state.store.import_customers(&customers, true, &ctx.audit(state.clock.now())).await?)
}

/// Imports deployments from CSV (`customer,product,model,version,note`), naming customers and
/// product versions as the catalogue does. One transaction; all problems reported by line.
pub(crate) async fn import_deployments(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    bytes: &[u8],
) -> Result<Imported, AppError> {
    ctx.require(Action::ManageCatalogue(org.id))?;
    let rows = csv_rows(bytes, &["customer", "product", "model", "version", "note"])?;
    let customers: HashMap<String, CustomerId> =
        state.store.customers_of(org.id).await?.into_iter().map(|c| (c.name, c.id)).collect();
    let versions: HashMap<(String, String, String), ProductVersionId> = state
        .store
        .product_versions_of(org.id)
        .await?
        .into_iter()
        .map(|v| ((v.product_name, v.model, v.version), v.id))
        .collect();
    let mut deployments = Vec::new();
    let mut problems = Vec::new();
    for (line, row) in rows {
        let get = |k: &str| row.get(k).cloned().unwrap_or_default();
        let customer = customers.get(&get("customer"));
        let key = (get("product"), get("model"), get("version"));
        let version = versions.get(&key);
        if customer.is_none() {
            problems.push(FieldError::new("customer", "unknown-customer").with("value", get("customer")).at_line(line));
        }
        if version.is_none() {
            let label = format!("{} {} {}", key.0, key.1, key.2).split_whitespace().collect::<Vec<_>>().join(" ");
            problems.push(FieldError::new("version", "unknown-product-version").with("value", label).at_line(line));
        }
        if let (Some(&customer), Some(&version)) = (customer, version) {
            deployments.push(Deployment {
                id: DeploymentId::from_uuid(crate::auth::random_uuid()),
                org: org.id,
                customer,
                customer_name: String::new(),
                product_version: version,
                note: get("note").chars().take(500).collect(),
            });
        }
    }
    if !problems.is_empty() {
        problems.truncate(100);
        return Err(AppError::Validation(problems));
    }
    Ok(state.store.import_deployments(&deployments, &ctx.audit(state.clock.now())).await?)
}

/// What an SBOM import stored.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct SbomSummary {
    /// `cyclonedx-json`, `spdx-json`, `spdx-tag-value`, ...
    pub(crate) format: String,
    pub(crate) spec_version: String,
    pub(crate) sha256: String,
    pub(crate) components: usize,
    /// Components with a package URL vulndesk can match.
    pub(crate) matchable: usize,
    pub(crate) dependencies: usize,
    /// What the reader noticed without refusing the file (at most 50, each with its location).
    pub(crate) warnings: Vec<String>,
    pub(crate) warning_count: usize,
}

/// The largest SBOM accepted, in bytes.
pub(crate) const SBOM_MAX_BYTES: usize = 64 << 20;

/// Parses an SBOM and replaces the product version's components with its own, in one
/// transaction. A file that cannot be read is refused with its location; nothing is stored.
pub(crate) async fn import_sbom(
    state: &AppState,
    ctx: &RequestCtx,
    version: &ProductVersion,
    bytes: Vec<u8>,
) -> Result<SbomSummary, AppError> {
    ctx.require(Action::ManageCatalogue(version.org))?;
    let parsed = tokio::task::spawn_blocking(move || {
        let sha256 = hex::encode(sha2::Sha256::digest(&bytes));
        let options = ReadOptions { max_bytes: SBOM_MAX_BYTES, ..ReadOptions::default() };
        read_sbom_with(&bytes, options).map(|(sbom, diagnostics)| (sbom, diagnostics, sha256))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let (sbom, diagnostics, sha256) = parsed.map_err(|e| match e {
        vulndesk_formats::sbom::SbomError::TooLarge { .. } => AppError::PayloadTooLarge,
        other => AppError::Validation(vec![FieldError::new("sbom", "sbom-invalid").with("reason", other)]),
    })?;
    let (components, edges, record) = sbom_rows(&sbom, &sha256, diagnostics.len(), state.clock.now());
    state.store.import_sbom(version, &record, &components, &edges, &ctx.audit(state.clock.now())).await?;
    Ok(SbomSummary {
        format: record.format,
        spec_version: record.spec_version,
        sha256,
        matchable: components.iter().filter(|c| !c.ecosystem.is_empty()).count(),
        components: components.len(),
        dependencies: edges.len(),
        warning_count: diagnostics.len(),
        warnings: diagnostics.iter().take(50).map(ToString::to_string).collect(),
    })
}

/// What an SBOM becomes in the store: its components, its dependency edges `(from, to)`, and the
/// record of the import (the file's SHA-256 in hex, how many warnings the reader gave). The one
/// place this is built, for the API and page import, `vulndesk sbom import` and the demo.
pub fn sbom_rows(
    sbom: &vulndesk_formats::sbom::Sbom,
    sha256: &str,
    warnings: usize,
    at: vulndesk_core::Timestamp,
) -> (Vec<StoredComponent>, Vec<(String, String)>, SbomRecord) {
    let components = stored_components(sbom);
    let edges: Vec<(String, String)> =
        sbom.dependencies.iter().flat_map(|(from, tos)| tos.iter().map(move |to| (from.clone(), to.clone()))).collect();
    let record = SbomRecord {
        format: sbom.format.as_str().to_owned(),
        spec_version: sbom.spec_version.clone(),
        sha256: sha256.to_owned(),
        components: i64::try_from(components.len()).unwrap_or(i64::MAX),
        warnings: i64::try_from(warnings).unwrap_or(i64::MAX),
        imported_by: String::new(),
        imported_at: at,
    };
    (components, edges, record)
}

/// The ecosystem whose version order applies to a package URL, and the package's name
/// normalised for it: the OSV ecosystem where the purl type has one, else (`generic`, `github`,
/// ...) the `vers` scheme of the same name or the generic order, with the name as written.
pub(crate) fn package_of(p: &Purl) -> (Ecosystem, String) {
    match purl_package(p) {
        Some((eco, name)) => (eco, normalise_name(eco, &name)),
        None => {
            let name = match p.namespace() {
                Some(ns) if !ns.is_empty() => format!("{ns}/{}", p.name()),
                _ => p.name().to_owned(),
            };
            (Ecosystem::from_vers_scheme(p.purl_type()).unwrap_or(Ecosystem::Generic), name)
        }
    }
}

/// The stored form of an SBOM's components: canonical purl, OSV ecosystem and normalised name.
pub fn stored_components(sbom: &vulndesk_formats::sbom::Sbom) -> Vec<StoredComponent> {
    sbom.components
        .iter()
        .map(|c| {
            let (ecosystem, key) =
                c.purl.as_ref().map(package_of).map(|(eco, key)| (eco.osv_name().to_owned(), key)).unwrap_or_default();
            let name = match &c.group {
                Some(g) if !g.is_empty() => format!("{g}/{}", c.name),
                _ => c.name.clone(),
            };
            StoredComponent {
                bom_ref: c.bom_ref.clone(),
                name,
                version: c
                    .version
                    .clone()
                    .or_else(|| c.purl.as_ref().and_then(|p| p.version().map(str::to_owned)))
                    .unwrap_or_default(),
                purl: c.purl.as_ref().map(ToString::to_string).unwrap_or_default(),
                ecosystem,
                package_key: key,
                cpe: c.cpe.clone().unwrap_or_default(),
                supplier: c.supplier.clone().unwrap_or_default(),
                hashes: c.hashes.iter().map(|(alg, h)| format!("{alg}:{h}")).collect::<Vec<_>>().join(" "),
                direct: c.direct,
            }
        })
        .collect()
}

/// The OSV index, rebuilt from the stored records when they changed since it was built (by
/// this instance or another one sharing the database).
pub(crate) async fn osv_index(state: &AppState) -> Result<Arc<Index>, AppError> {
    Ok(state.osv.index(&state.store, state.clock.now()).await?)
}

/// The stored form of one OSV record.
pub fn osv_row(bytes: &[u8], advisory: &vulndesk_match::osv::Advisory) -> OsvRow {
    let mut packages: Vec<(String, String)> = advisory
        .affected
        .iter()
        .map(|a| (a.ecosystem.osv_name().to_owned(), normalise_name(a.ecosystem, &a.name)))
        .collect();
    packages.sort();
    packages.dedup();
    OsvRow {
        id: advisory.id.clone(),
        modified: advisory.modified.clone(),
        modified_at: advisory.modified_at.map(|t| i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(i64::MAX)),
        withdrawn: advisory.withdrawn.is_some(),
        aliases: advisory.aliases.join(" "),
        summary: advisory.summary.clone().unwrap_or_default(),
        body: String::from_utf8_lossy(bytes).into_owned(),
        packages,
    }
}

/// Imports OSV records given as one JSON record, a JSON array of records, or a zip archive of
/// records (an osv.dev `all.zip`). Incremental by `modified`.
pub(crate) async fn import_osv(state: &AppState, ctx: &RequestCtx, bytes: Vec<u8>) -> Result<OsvUpsert, AppError> {
    ctx.require(Action::ImportAdvisories)?;
    let rows = tokio::task::spawn_blocking(move || osv_rows_of_upload(&bytes))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|reason| AppError::Validation(vec![FieldError::new("osv", "osv-invalid").with("reason", reason)]))?;
    let mut total = OsvUpsert::default();
    for chunk in rows.chunks(1000) {
        let done = state.store.upsert_osv(chunk, &ctx.audit(state.clock.now())).await?;
        total.inserted += done.inserted;
        total.replaced += done.replaced;
        total.kept += done.kept;
    }
    if total.inserted + total.replaced > 0 {
        vulndesk_jobs::findings::rematch_all(&state.store, &state.osv, &ctx.audit(state.clock.now())).await?;
    }
    Ok(total)
}

fn osv_rows_of_upload(bytes: &[u8]) -> Result<Vec<OsvRow>, String> {
    let mut report = vulndesk_match::LoadReport::default();
    let mut rows = Vec::new();
    if bytes.starts_with(b"PK\x03\x04") {
        let dir = std::env::temp_dir().join(format!("vulndesk-osv-{}", crate::auth::random_uuid()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let path = dir.join("upload.zip");
        let written = std::fs::write(&path, bytes).map_err(|e| e.to_string());
        let result = written.and_then(|()| {
            vulndesk_match::osv::visit_paths(
                std::slice::from_ref(&path),
                |_| {},
                |raw, advisory| {
                    rows.push(osv_row(raw, &advisory));
                    Upsert::Inserted
                },
            )
            .map_err(|e| e.to_string().replace(&dir.display().to_string(), ""))
        });
        let _ = std::fs::remove_dir_all(&dir);
        result?;
        return Ok(rows);
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let records = match value {
        serde_json::Value::Array(items) => items,
        other => vec![other],
    };
    for (i, record) in records.iter().enumerate() {
        let raw = serde_json::to_vec(record).map_err(|e| e.to_string())?;
        let advisory =
            vulndesk_match::osv::parse_advisory(&raw, &mut report).map_err(|e| format!("record {i}: {e}"))?;
        rows.push(osv_row(&raw, &advisory));
    }
    Ok(rows)
}

/// A case component, checked: its ecosystem, normalised name and parsed range.
pub(crate) struct CheckedComponent {
    pub(crate) purl: Purl,
    pub(crate) ecosystem: Ecosystem,
    pub(crate) key: String,
    pub(crate) vers: Vers,
}

fn check_component(f: &CaseComponentForm) -> Result<CheckedComponent, Vec<FieldError>> {
    let mut problems = Vec::new();
    let purl = match Purl::parse(f.purl.trim()) {
        Ok(p) => Some(p.without_version()),
        Err(e) => {
            problems.push(FieldError::new("purl", "invalid-purl").with("reason", e));
            None
        }
    };
    let package = purl.as_ref().map(package_of);
    let text = f.vers.trim();
    let vers = match (text, &purl) {
        ("", _) => {
            problems.push(FieldError::new("vers", "field-required"));
            None
        }
        (t, _) if t.starts_with("vers:") => Some(Vers::parse(t)),
        (t, Some(p)) => Some(Vers::parse(&format!("vers:{}/{t}", p.purl_type()))),
        (_, None) => None,
    };
    let vers = match vers {
        Some(Ok(v)) => Some(v),
        Some(Err(e)) => {
            problems.push(FieldError::new("vers", "invalid-vers").with("reason", e));
            None
        }
        None => None,
    };
    match (purl, package, vers) {
        (Some(purl), Some((ecosystem, key)), Some(vers)) if problems.is_empty() => {
            Ok(CheckedComponent { purl, key, ecosystem, vers })
        }
        _ => Err(problems),
    }
}

/// Names a component as affected by the case. A component from a supplier marks the case
/// upstream (R6), naming that supplier, unless it is already marked.
pub(crate) async fn add_case_component(
    state: &AppState,
    ctx: &RequestCtx,
    case: &Case,
    f: &CaseComponentForm,
) -> Result<CaseComponent, AppError> {
    ctx.require(Action::ManageCases(case.org))?;
    let mut checked = check_component(f);
    let supplier = match f.supplier.trim() {
        "" => None,
        s => {
            let found = match s.parse::<SupplierId>() {
                Ok(id) => state.store.suppliers_of(case.org).await?.into_iter().find(|x| x.id == id),
                Err(_) => None,
            };
            if found.is_none() {
                let e = FieldError::new("supplier", "invalid-choice").with("value", s);
                match &mut checked {
                    Ok(_) => checked = Err(vec![e]),
                    Err(p) => p.push(e),
                }
            }
            found
        }
    };
    let checked = checked.map_err(AppError::Validation)?;
    let component = CaseComponent {
        id: CaseComponentId::from_uuid(crate::auth::random_uuid()),
        case: case.id,
        purl: checked.purl.to_string(),
        ecosystem: checked.ecosystem.osv_name().to_owned(),
        package_key: checked.key,
        vers: checked.vers.to_string(),
        supplier: supplier.as_ref().map(|s| s.id),
    };
    let audit = ctx.audit(state.clock.now());
    state.store.add_case_component(case.org, &component, &audit).await?;
    if let Some(s) = supplier
        && !case.upstream
    {
        let mut a = crate::cases::assessment_of(case);
        a.upstream = true;
        a.upstream_supplier = s.name;
        state.store.set_assessment(case, &a, &audit).await?;
    }
    Ok(component)
}

pub(crate) async fn remove_case_component(
    state: &AppState,
    ctx: &RequestCtx,
    case: &Case,
    id: &str,
) -> Result<(), AppError> {
    ctx.require(Action::ManageCases(case.org))?;
    let id: CaseComponentId = id.parse().map_err(|_| AppError::NotFound)?;
    Ok(state.store.remove_case_component(case.org, case.id, id, &ctx.audit(state.clock.now())).await?)
}

/// One product version a case's component reaches.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct AffectedVersion {
    pub(crate) product_version: String,
    /// "Product Model Version".
    pub(crate) label: String,
    /// The component's version in that product version.
    pub(crate) component_version: String,
    pub(crate) purl: String,
}

/// One component of a case, with where it is found.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct ComponentImpact {
    pub(crate) id: String,
    pub(crate) purl: String,
    pub(crate) vers: String,
    pub(crate) supplier: Option<String>,
    /// Product versions holding the package at an affected version.
    pub(crate) affected: Vec<AffectedVersion>,
    /// How many product versions hold the package at a version outside the range.
    pub(crate) unaffected: usize,
    /// Versions found that the package's ecosystem order cannot read (listed, never guessed).
    pub(crate) unreadable: Vec<String>,
}

/// A customer running an affected product version.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct AffectedCustomer {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) contact_email: String,
    pub(crate) jurisdiction: String,
    /// The language their notice goes out in.
    pub(crate) locale: String,
    /// The affected product versions they run, as labels.
    pub(crate) product_versions: Vec<String>,
}

/// The notice an upstream supplier is owed (R6): a draft until notifications send it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct UpstreamDraft {
    /// The supplier's id.
    pub(crate) supplier_id: String,
    pub(crate) supplier: String,
    pub(crate) to: String,
    pub(crate) jurisdiction: String,
    pub(crate) subject: String,
    pub(crate) body: String,
}

/// A case's impact.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Impact {
    pub(crate) components: Vec<ComponentImpact>,
    /// Every affected product version once, as labels, sorted.
    pub(crate) product_versions: Vec<String>,
    pub(crate) customers: Vec<AffectedCustomer>,
    pub(crate) upstream: Vec<UpstreamDraft>,
}

/// Computes a case's impact from its components: for each, the catalogue's occurrences of the
/// package (one indexed lookup), each occurrence's version read in the ecosystem's order and
/// tested against the range; then the customers running those versions.
pub(crate) async fn impact(state: &AppState, case: &Case) -> Result<Impact, AppError> {
    let components = state.store.case_components(case.id).await?;
    let suppliers: HashMap<SupplierId, Supplier> =
        state.store.suppliers_of(case.org).await?.into_iter().map(|s| (s.id, s)).collect();
    let labels: HashMap<ProductVersionId, String> =
        state.store.product_versions_of(case.org).await?.into_iter().map(|v| (v.id, v.label())).collect();
    let mut out = Vec::new();
    let mut affected_versions: BTreeSet<ProductVersionId> = BTreeSet::new();
    for c in &components {
        let vers = Vers::parse(&c.vers).map_err(|e| AppError::Internal(format!("stored range {:?}: {e}", c.vers)))?;
        let mut affected = Vec::new();
        let (mut unaffected, mut unreadable) = (0, BTreeSet::new());
        for o in state.store.occurrences(case.org, &c.ecosystem, &c.package_key).await? {
            match vers.parse_version(&o.version) {
                Ok(v) if vers.contains(&v) => {
                    affected_versions.insert(o.product_version);
                    affected.push(AffectedVersion {
                        product_version: o.product_version.to_string(),
                        label: labels.get(&o.product_version).cloned().unwrap_or_default(),
                        component_version: o.version,
                        purl: o.purl,
                    });
                }
                Ok(_) => unaffected += 1,
                Err(_) => {
                    unreadable.insert(o.version);
                }
            }
        }
        affected.sort_by(|a, b| a.label.cmp(&b.label));
        out.push(ComponentImpact {
            id: c.id.to_string(),
            purl: c.purl.clone(),
            vers: c.vers.clone(),
            supplier: c.supplier.and_then(|s| suppliers.get(&s)).map(|s| s.name.clone()),
            affected,
            unaffected,
            unreadable: unreadable.into_iter().collect(),
        });
    }
    let customers = customers_running(state, case.org, &affected_versions, &labels).await?;
    let mut upstream = Vec::new();
    let mut seen = BTreeSet::new();
    for c in &components {
        let Some(s) = c.supplier.and_then(|s| suppliers.get(&s)) else { continue };
        if !seen.insert(s.id) {
            continue;
        }
        let named: Vec<String> =
            components.iter().filter(|x| x.supplier == Some(s.id)).map(|x| format!("{} {}", x.purl, x.vers)).collect();
        upstream.push(upstream_draft(case, s, &named));
    }
    let product_versions = affected_versions.iter().filter_map(|v| labels.get(v).cloned()).collect::<BTreeSet<_>>();
    Ok(Impact { components: out, product_versions: product_versions.into_iter().collect(), customers, upstream })
}

/// The customers running any of `versions`, by name, each with the versions they run.
async fn customers_running(
    state: &AppState,
    org: OrgId,
    versions: &BTreeSet<ProductVersionId>,
    labels: &HashMap<ProductVersionId, String>,
) -> Result<Vec<AffectedCustomer>, AppError> {
    if versions.is_empty() {
        return Ok(Vec::new());
    }
    let mut by_customer: BTreeMap<String, (Option<Customer>, BTreeSet<String>)> = BTreeMap::new();
    let customers: HashMap<CustomerId, Customer> =
        state.store.customers_of(org).await?.into_iter().map(|c| (c.id, c)).collect();
    for d in state.store.deployments_of(org).await? {
        if versions.contains(&d.product_version) {
            let entry = by_customer.entry(d.customer_name.clone()).or_default();
            entry.0 = customers.get(&d.customer).cloned();
            entry.1.insert(labels.get(&d.product_version).cloned().unwrap_or_default());
        }
    }
    Ok(by_customer
        .into_values()
        .filter_map(|(c, versions)| {
            c.map(|c| AffectedCustomer {
                id: c.id.to_string(),
                name: c.name,
                contact_email: c.contact_email,
                jurisdiction: c.jurisdiction,
                locale: c.locale.tag().to_owned(),
                product_versions: versions.into_iter().collect(),
            })
        })
        .collect())
}

/// One package an advisory names, with the catalogue's product versions it affects.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct AdvisoryPackage {
    /// The OSV ecosystem (`PyPI`, `Go`, `crates.io`, ...).
    pub(crate) ecosystem: String,
    pub(crate) name: String,
    pub(crate) affected: Vec<AffectedVersion>,
    /// Product versions holding the package at a version the advisory does not cover.
    pub(crate) unaffected: usize,
}

/// The reverse query: what an imported advisory reaches in an organisation's catalogue.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct AdvisoryImpact {
    pub(crate) advisory: String,
    pub(crate) aliases: Vec<String>,
    pub(crate) summary: String,
    pub(crate) severity: Option<String>,
    /// A withdrawn advisory reaches nothing.
    pub(crate) withdrawn: bool,
    pub(crate) packages: Vec<AdvisoryPackage>,
    /// Every affected product version once, as labels, sorted.
    pub(crate) product_versions: Vec<String>,
    pub(crate) customers: Vec<AffectedCustomer>,
}

/// What an advisory, named by its id or one of its aliases (`CVE-…`, `GHSA-…`), reaches in the
/// organisation's catalogue: for each package it names, the catalogue's occurrences (one indexed
/// lookup) tested against the advisory's ranges and version lists; then the customers.
pub(crate) async fn advisory_impact(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    id: &str,
) -> Result<AdvisoryImpact, AppError> {
    ctx.require(Action::ViewCatalogue(org.id))?;
    let index = osv_index(state).await?;
    let id = id.trim();
    let advisory = index
        .advisory(id)
        .or_else(|| index.database().advisories().iter().find(|a| a.aliases.iter().any(|x| x.eq_ignore_ascii_case(id))))
        .ok_or(AppError::NotFound)?;
    let labels: HashMap<ProductVersionId, String> =
        state.store.product_versions_of(org.id).await?.into_iter().map(|v| (v.id, v.label())).collect();
    let mut packages = Vec::new();
    let mut reached = BTreeSet::new();
    for a in &advisory.affected {
        let mut affected = Vec::new();
        let mut unaffected = 0;
        if !advisory.is_withdrawn() {
            for o in state.store.occurrences(org.id, a.ecosystem.osv_name(), &a.key).await? {
                if a.verdict_for_text(&o.version).affected() {
                    reached.insert(o.product_version);
                    affected.push(AffectedVersion {
                        product_version: o.product_version.to_string(),
                        label: labels.get(&o.product_version).cloned().unwrap_or_default(),
                        component_version: o.version,
                        purl: o.purl,
                    });
                } else {
                    unaffected += 1;
                }
            }
        }
        affected.sort_by(|x, y| x.label.cmp(&y.label));
        packages.push(AdvisoryPackage {
            ecosystem: a.ecosystem.osv_name().to_owned(),
            name: a.name.clone(),
            affected,
            unaffected,
        });
    }
    let customers = customers_running(state, org.id, &reached, &labels).await?;
    let product_versions = reached.iter().filter_map(|v| labels.get(v).cloned()).collect::<BTreeSet<_>>();
    Ok(AdvisoryImpact {
        advisory: advisory.id.clone(),
        aliases: advisory.aliases.clone(),
        summary: advisory.summary.clone().unwrap_or_default(),
        severity: advisory.severity.clone(),
        withdrawn: advisory.is_withdrawn(),
        packages,
        product_versions: product_versions.into_iter().collect(),
        customers,
    })
}

/// The upstream notice's draft, in Chinese for a supplier in China and in English otherwise.
fn upstream_draft(case: &Case, s: &Supplier, components: &[String]) -> UpstreamDraft {
    let tr = crate::i18n::Tr::new(if s.jurisdiction == "CN" { Locale::ZhCn } else { Locale::En });
    let characteristics = if tr.locale == Locale::En && !case.characteristics_en.is_empty() {
        case.characteristics_en.clone()
    } else {
        case.characteristics.clone()
    };
    let args = |extra: Vec<(&'static str, String)>| {
        let mut a = vec![
            ("number", case.number.clone()),
            ("title", case.title.clone()),
            ("supplier", s.name.clone()),
            ("components", components.join("\n")),
            ("cvss", case.cvss_vector.clone()),
            ("characteristics", characteristics.clone()),
        ];
        a.extend(extra);
        a
    };
    UpstreamDraft {
        supplier_id: s.id.to_string(),
        supplier: s.name.clone(),
        to: s.contact_email.clone(),
        jurisdiction: s.jurisdiction.clone(),
        subject: tr.t_args("upstream-draft-subject", &args(Vec::new())),
        body: tr.t_args("upstream-draft-body", &args(Vec::new())),
    }
}

/// A forward match of a product version's components against the OSV data held.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct VersionFinding {
    pub(crate) purl: String,
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) advisory: String,
    pub(crate) aliases: Vec<String>,
    pub(crate) fixed: Vec<String>,
    pub(crate) severity: Option<String>,
}

/// The findings on a product version: its components matched against the OSV index.
pub(crate) async fn version_findings(
    state: &AppState,
    version: &ProductVersion,
) -> Result<Vec<VersionFinding>, AppError> {
    let components = state.store.components_of(version.id).await?;
    let index = osv_index(state).await?;
    let mut out = Vec::new();
    for c in components.iter().filter(|c| !c.purl.is_empty()) {
        let Ok(purl) = Purl::parse(&c.purl) else { continue };
        let Ok(hits) = index.query_purl(&purl) else { continue };
        for hit in hits {
            out.push(VersionFinding {
                purl: c.purl.clone(),
                name: c.name.clone(),
                version: c.version.clone(),
                advisory: hit.advisory.id.clone(),
                aliases: hit.advisory.aliases.clone(),
                fixed: hit.affected.fixed.clone(),
                severity: hit.advisory.severity.clone(),
            });
        }
    }
    out.sort_by(|a, b| (&a.purl, &a.advisory).cmp(&(&b.purl, &b.advisory)));
    out.dedup_by(|a, b| a.purl == b.purl && a.advisory == b.advisory);
    Ok(out)
}

/// A finding of an SBOM scanned against the deployment's OSV data.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ScanFinding {
    /// The component's package URL, canonical.
    pub purl: String,
    /// The package name as the advisory writes it.
    pub name: String,
    /// The version matched.
    pub version: String,
    /// The OSV ecosystem (`npm`, `PyPI`, `Maven`, …).
    pub ecosystem: String,
    /// The advisory's id.
    pub advisory: String,
    /// Its aliases (CVE, GHSA, …).
    pub aliases: Vec<String>,
    /// The versions that fix it, in version order.
    pub fixed: Vec<String>,
    /// The advisory's severity label (`CRITICAL`, `HIGH`, `MODERATE`/`MEDIUM`, `LOW`), when it
    /// gives one or has a CVSS vector to rate.
    pub severity: Option<String>,
}

impl From<vulndesk_match::Finding> for ScanFinding {
    fn from(f: vulndesk_match::Finding) -> Self {
        let vulndesk_match::Finding { purl, name, version, ecosystem, advisory, aliases, fixed, severity } = f;
        Self { purl, name, version, ecosystem, advisory, aliases, fixed, severity }
    }
}

/// Components a scan left out, for one reason.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ScanUnscanned {
    /// `no_purl`, `unsupported_type`, `no_version` or `bad_version`.
    pub reason: String,
    /// How many components.
    pub count: usize,
}

/// An SBOM scanned against the deployment's OSV data; nothing is stored.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ScanResult {
    /// The SBOM's format as read (`cyclonedx`, `spdx`).
    pub format: String,
    /// Components in the SBOM.
    pub components: usize,
    /// Components queried.
    pub scanned: usize,
    /// Components left out, by reason.
    pub unscanned: Vec<ScanUnscanned>,
    /// OSV records the index holds.
    pub osv_records: usize,
    /// The findings, sorted by purl, then advisory.
    pub findings: Vec<ScanFinding>,
}

/// Scans an SBOM against the deployment's OSV data without storing anything: what a build
/// pipeline asks before it ships. Any signed-in person may; OSV data is public.
pub(crate) async fn scan_sbom(state: &AppState, ctx: &RequestCtx, bytes: Vec<u8>) -> Result<ScanResult, AppError> {
    ctx.user()?;
    let index = osv_index(state).await?;
    let scanned = tokio::task::spawn_blocking(move || {
        let options = ReadOptions { max_bytes: SBOM_MAX_BYTES, ..ReadOptions::default() };
        read_sbom_with(&bytes, options).map(|(sbom, _)| {
            let report = vulndesk_match::scan_sbom_report(&sbom, &index);
            (sbom.format, report, index.database().len())
        })
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let (format, report, osv_records) = scanned.map_err(|e| match e {
        vulndesk_formats::sbom::SbomError::TooLarge { .. } => AppError::PayloadTooLarge,
        other => AppError::Validation(vec![FieldError::new("sbom", "sbom-invalid").with("reason", other)]),
    })?;
    let reason = |u: vulndesk_match::Unscanned| match u {
        vulndesk_match::Unscanned::NoPurl => "no_purl",
        vulndesk_match::Unscanned::UnsupportedType => "unsupported_type",
        vulndesk_match::Unscanned::NoVersion => "no_version",
        vulndesk_match::Unscanned::BadVersion => "bad_version",
    };
    Ok(ScanResult {
        format: format.to_string(),
        components: report.components,
        scanned: report.scanned,
        unscanned: report
            .unscanned
            .iter()
            .map(|(why, refs)| ScanUnscanned { reason: reason(*why).to_owned(), count: refs.len() })
            .collect(),
        osv_records,
        findings: report.findings.into_iter().map(ScanFinding::from).collect(),
    })
}

/// Sends the case's upstream notices (R6): each supplier's draft goes out by mail to its
/// contact, through the delivery queue; the first one delivered meets the 24-hour deadline and
/// lets an upstream case close. A supplier without an e-mail address, or whose notice is still
/// being sent, is refused. Returns how many were queued.
pub(crate) async fn send_upstream_notices(state: &AppState, ctx: &RequestCtx, case: &Case) -> Result<usize, AppError> {
    ctx.require(Action::ManageCases(case.org))?;
    let impact = impact(state, case).await?;
    if impact.upstream.is_empty() {
        return Err(AppError::Conflict("conflict-no-upstream-draft", Vec::new()));
    }
    let sent = state.store.deliveries_for(&case.id.to_string()).await?;
    let mut queued = 0;
    for d in &impact.upstream {
        if d.to.trim().is_empty() {
            return Err(AppError::Conflict("conflict-supplier-no-email", vec![("supplier", d.supplier.clone())]));
        }
        let mailto = format!("mailto:{}", d.to.trim());
        if sent.iter().any(|x| x.new.kind == "upstream_notice" && x.new.url == mailto && x.status == "pending") {
            continue;
        }
        // Art. 9(7) through the one gate: the supplier provides the affected component, so it may be
        // told wherever it is; the decision is recorded like every other sharing.
        let recipient = vulndesk_core::gate::Recipient {
            name: d.supplier.clone(),
            jurisdiction: d.jurisdiction.clone(),
            is_product_provider: true,
        };
        if !crate::publication::gate_share(state, ctx, case, recipient, "upstream_notice").await? {
            continue;
        }
        let delivery = vulndesk_store::sharing::NewDelivery {
            id: crate::auth::random_uuid().to_string(),
            org: case.org,
            kind: "upstream_notice".into(),
            url: mailto,
            bearer: String::new(),
            hmac_secret: String::new(),
            idempotency_key: crate::auth::random_uuid().to_string(),
            body: serde_json::json!({"subject": d.subject, "text": d.body}).to_string(),
            related: case.id.to_string(),
        };
        let tr = crate::i18n::Tr::new(if d.jurisdiction == "CN" { Locale::ZhCn } else { Locale::En });
        queue_with_ack(state, ctx, delivery, &d.supplier, &tr).await?;
        queued += 1;
    }
    Ok(queued)
}

/// Queues a notice whose text ends with its acknowledgement link: the recipient follows it and
/// confirms, and the case shows when. The link's secret is kept only as its SHA-256.
async fn queue_with_ack(
    state: &AppState,
    ctx: &RequestCtx,
    mut delivery: vulndesk_store::sharing::NewDelivery,
    recipient: &str,
    tr: &crate::i18n::Tr,
) -> Result<(), AppError> {
    let token = crate::auth::random_secret();
    let url = format!("{}/ack/{token}", state.public_base(ctx));
    let mut body: serde_json::Value =
        serde_json::from_str(&delivery.body).map_err(|e| AppError::Internal(format!("notice body: {e}")))?;
    let text = body["text"].as_str().unwrap_or_default().to_owned();
    body["text"] =
        serde_json::Value::String(format!("{text}\n\n{}", tr.t_args("notice-ack-line", &[("url", url.clone())])));
    body["ack_url"] = serde_json::Value::String(url);
    delivery.body = body.to_string();
    let hash = crate::auth::sha256_hex(&token);
    Ok(state.store.queue_notice(&delivery, &hash, recipient, &ctx.audit(state.clock.now())).await?)
}

/// What a customer notice says beyond the case: how to fix or mitigate, and whom to ask.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub(crate) struct CustomerNoticeForm {
    /// The fix or mitigation: what the customer must do (upgrade to …, disable …).
    #[serde(default)]
    pub(crate) remedy: String,
    /// Who to ask: a support address or telephone number.
    #[serde(default)]
    pub(crate) support_contact: String,
}

/// What sending customer notices did.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct CustomerNoticesSent {
    /// Customers whose notice was queued.
    pub(crate) queued: Vec<String>,
    /// Customers without an e-mail address in the catalogue (to reach another way).
    pub(crate) without_address: Vec<String>,
    /// Customers outside China whose notice is withheld while the vulnerability is undisclosed
    /// (Art. 9(7): undisclosed information goes abroad only to the product's own provider).
    /// Each refusal is audited; they can be notified once the case is disclosed.
    pub(crate) withheld_abroad: Vec<String>,
}

/// Sends the customer notices (R10): every customer running an affected product version gets
/// the risk, the fix or mitigation and the support contact, in the customer's language, by mail
/// and, when the customer set one, by signed webhook, through the delivery queue. A customer whose notice is still being sent is skipped. While the
/// case is undisclosed, customers outside China are withheld and the refusal audited (R21).
pub(crate) async fn send_customer_notices(
    state: &AppState,
    ctx: &RequestCtx,
    case: &Case,
    f: &CustomerNoticeForm,
) -> Result<CustomerNoticesSent, AppError> {
    ctx.require(Action::ManageCases(case.org))?;
    let mut e = Vec::new();
    let remedy = validate::text("remedy", &f.remedy, 4000).map_err(|x| e.push(x)).ok();
    let support = validate::text("support_contact", &f.support_contact, 500).map_err(|x| e.push(x)).ok();
    let (Some(remedy), Some(support)) = (remedy, support) else { return Err(AppError::Validation(e)) };
    let impact = impact(state, case).await?;
    if impact.customers.is_empty() {
        return Err(AppError::Conflict("conflict-no-affected-customers", Vec::new()));
    }
    let pending: Vec<String> = state
        .store
        .deliveries_for(&case.id.to_string())
        .await?
        .into_iter()
        .filter(|d| d.new.kind == "customer_notice" && d.status == "pending")
        .map(|d| d.new.url)
        .collect();
    let mut out = CustomerNoticesSent::default();
    for c in &impact.customers {
        // Art. 9(7) through the one gate: a customer is never the product's provider.
        let recipient = vulndesk_core::gate::Recipient {
            name: c.name.clone(),
            jurisdiction: c.jurisdiction.clone(),
            is_product_provider: false,
        };
        if !crate::publication::gate_share(state, ctx, case, recipient, "customer_notice").await? {
            out.withheld_abroad.push(c.name.clone());
            continue;
        }
        let webhook = state.store.customer_webhook(&c.id).await?;
        let mut targets: Vec<(String, String)> = Vec::new();
        if let Some((url, secret)) = webhook {
            targets.push((url, secret));
        }
        if !c.contact_email.trim().is_empty() {
            targets.push((format!("mailto:{}", c.contact_email.trim()), String::new()));
        }
        if targets.is_empty() {
            out.without_address.push(c.name.clone());
            continue;
        }
        let locale = Locale::from_tag(&c.locale).unwrap_or(Locale::ZhCn);
        let tr = crate::i18n::Tr::new(locale);
        let (characteristics, harm) = if locale == Locale::En && !case.characteristics_en.is_empty() {
            (case.characteristics_en.clone(), case.harm_en.clone())
        } else {
            (case.characteristics.clone(), case.harm.clone())
        };
        let grade = if case.grade.is_empty() { String::new() } else { tr.t(&format!("grade-{}", case.grade)) };
        let args = vec![
            ("number", case.number.clone()),
            ("title", case.title.clone()),
            ("customer", c.name.clone()),
            ("versions", c.product_versions.join(", ")),
            ("characteristics", characteristics.clone()),
            ("harm", harm.clone()),
            ("grade", grade.clone()),
            ("remedy", remedy.clone()),
            ("support", support.clone()),
        ];
        // The mail's subject and text, and for webhooks the same notice as fields.
        let body = serde_json::json!({"kind": "customer_notice", "subject": tr.t_args("customer-notice-subject", &args),
            "text": tr.t_args("customer-notice-body", &args), "case": case.number, "title": case.title,
            "customer": c.name, "product_versions": c.product_versions, "characteristics": characteristics, "harm": harm,
            "grade": grade, "remedy": remedy, "support": support, "lang": locale.tag()});
        let mut sent = false;
        for (url, secret) in targets {
            if pending.contains(&url) {
                continue;
            }
            let delivery = vulndesk_store::sharing::NewDelivery {
                id: crate::auth::random_uuid().to_string(),
                org: case.org,
                kind: "customer_notice".into(),
                url,
                bearer: String::new(),
                hmac_secret: secret,
                idempotency_key: crate::auth::random_uuid().to_string(),
                body: body.to_string(),
                related: case.id.to_string(),
            };
            queue_with_ack(state, ctx, delivery, &c.name, &tr).await?;
            sent = true;
        }
        if sent {
            out.queued.push(c.name.clone());
        }
    }
    Ok(out)
}

/// A customer's notice webhook as set through the API.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub(crate) struct WebhookForm {
    /// Where notices are POSTed: `https://…` (plain `http://` only to the local machine).
    #[serde(default)]
    pub(crate) url: String,
}

/// Sets a customer's webhook and answers the signing key (shown this once): notices are POSTed
/// as JSON with `X-Vulndesk-Timestamp` and `X-Vulndesk-Signature: sha256=HMAC(key, timestamp.body)`.
pub(crate) async fn set_customer_webhook(
    state: &AppState,
    ctx: &RequestCtx,
    org: OrgId,
    customer: &str,
    f: &WebhookForm,
) -> Result<String, AppError> {
    ctx.require(Action::ManageCatalogue(org))?;
    let url = f.url.trim();
    if !validate::https_or_loopback_url(url) || url.len() > 2000 {
        return Err(AppError::Validation(vec![FieldError::new("url", "invalid-url").with("value", url)]));
    }
    let secret = crate::auth::random_secret();
    state.store.set_customer_webhook(org, customer.trim(), url, &secret, &ctx.audit(state.clock.now())).await?;
    Ok(secret)
}
