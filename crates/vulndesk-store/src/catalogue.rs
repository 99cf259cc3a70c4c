//! The product catalogue: vendors, products, product versions (per model), suppliers, customers
//! and deployments; the components of each product version from its SBOM; and the components a
//! case names as affected. Every change is audited in the same transaction; an SBOM import and a
//! CSV import are each one transaction, so nothing is ever half-imported.
//!
//! Components are written in multi-row `INSERT`s whose SQL is built once, from constants only
//! (no input ever reaches it), so a 20,000-component SBOM costs a few hundred statements.

use std::sync::LazyLock;

use sqlx::Row;
use sqlx::any::AnyRow;
use vulndesk_core::{
    AuditContext, CaseComponentId, CaseId, CustomerId, DeploymentId, Locale, OrgId, ProductId, ProductVersionId,
    SupplierId, Timestamp, VendorId,
};

use crate::{Result, Store, StoreError, event};

/// The PostgreSQL notification channel an OSV import announces itself on.
pub const OSV_CHANNEL: &str = "vulndesk_osv_changed";

fn parse<T: std::str::FromStr>(s: &str, what: &str) -> Result<T> {
    s.parse().map_err(|_| StoreError::corrupt(format!("{what} {s:?}")))
}

fn id_of<T: std::str::FromStr>(r: &AnyRow, column: &str, what: &str) -> Result<T> {
    parse(&r.try_get::<String, _>(column)?, what)
}

/// A vendor of products (the organisation itself, or another one for a collection platform).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vendor {
    /// Its id.
    pub id: VendorId,
    /// The organisation whose catalogue holds it.
    pub org: OrgId,
    /// Its name, unique in the catalogue.
    pub name: String,
    /// Its website, or empty.
    pub website: String,
}

/// A product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    /// Its id.
    pub id: ProductId,
    /// The organisation.
    pub org: OrgId,
    /// Its vendor.
    pub vendor: VendorId,
    /// The vendor's name (read with the product).
    pub vendor_name: String,
    /// Its name, unique per vendor.
    pub name: String,
    /// A description, or empty.
    pub description: String,
}

/// One version of one model of a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductVersion {
    /// Its id.
    pub id: ProductVersionId,
    /// The organisation.
    pub org: OrgId,
    /// The product.
    pub product: ProductId,
    /// The product's name (read with the version).
    pub product_name: String,
    /// The model, or empty for a product with one model.
    pub model: String,
    /// The version as the vendor writes it.
    pub version: String,
    /// `YYYY-MM-DD`, or empty when unreleased or unknown.
    pub release_date: String,
    /// `supported`, `end_of_support`, `end_of_life` or `unreleased`.
    pub support_status: String,
}

impl ProductVersion {
    /// "AX3000 AX3000-Pro 2.1.4", or without the model when there is none.
    pub fn label(&self) -> String {
        if self.model.is_empty() {
            format!("{} {}", self.product_name, self.version)
        } else {
            format!("{} {} {}", self.product_name, self.model, self.version)
        }
    }
}

/// An upstream supplier: where components or whole products come from (R6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Supplier {
    /// Its id.
    pub id: SupplierId,
    /// The organisation.
    pub org: OrgId,
    /// Its name, unique in the catalogue.
    pub name: String,
    /// Who to write to.
    pub contact_name: String,
    /// Where to write (the upstream notice goes here).
    pub contact_email: String,
    /// ISO 3166-1 alpha-2 country code, upper case.
    pub jurisdiction: String,
    /// Its website, or empty.
    pub website: String,
}

/// A customer running the organisation's products (R10: who gets the user notices).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    /// Its id.
    pub id: CustomerId,
    /// The organisation.
    pub org: OrgId,
    /// Its name, unique in the catalogue.
    pub name: String,
    /// Who to write to.
    pub contact_name: String,
    /// Where to write.
    pub contact_email: String,
    /// ISO 3166-1 alpha-2 country code, upper case.
    pub jurisdiction: String,
    /// The language notices go out in.
    pub locale: Locale,
}

/// A customer running a product version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    /// Its id.
    pub id: DeploymentId,
    /// The organisation.
    pub org: OrgId,
    /// The customer.
    pub customer: CustomerId,
    /// The customer's name (read with the deployment).
    pub customer_name: String,
    /// The product version.
    pub product_version: ProductVersionId,
    /// A free note (site, quantity).
    pub note: String,
}

/// A component of a product version, as its SBOM lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredComponent {
    /// The SBOM's reference for it (unique in the SBOM).
    pub bom_ref: String,
    /// Its name (with the group, where the SBOM has one: `org.apache/commons-text`).
    pub name: String,
    /// Its version, or empty.
    pub version: String,
    /// Its package URL in canonical form, or empty.
    pub purl: String,
    /// The OSV ecosystem its purl maps to, or empty.
    pub ecosystem: String,
    /// The package name normalised for the ecosystem, or empty.
    pub package_key: String,
    /// Its CPE, or empty.
    pub cpe: String,
    /// Its supplier as the SBOM names it, or empty.
    pub supplier: String,
    /// Its hashes as `ALG:hex` separated by spaces.
    pub hashes: String,
    /// Direct (`Some(true)`) or transitive (`Some(false)`) dependency, `None` when unknown.
    pub direct: Option<bool>,
}

/// What is known about the SBOM last imported for a product version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SbomRecord {
    /// `cyclonedx-json`, `spdx-tag-value`, ...
    pub format: String,
    /// The specification version it declares.
    pub spec_version: String,
    /// SHA-256 of the file, in hex.
    pub sha256: String,
    /// How many components it has.
    pub components: i64,
    /// How many warnings the reader gave.
    pub warnings: i64,
    /// Who imported it.
    pub imported_by: String,
    /// When.
    pub imported_at: Timestamp,
}

/// One occurrence of a package in the catalogue: a product version holding it at a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// The product version.
    pub product_version: ProductVersionId,
    /// The component's version.
    pub version: String,
    /// Its package URL.
    pub purl: String,
}

/// A component a case names as affected: a package and a `vers` range of its versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseComponent {
    /// Its id.
    pub id: CaseComponentId,
    /// The case.
    pub case: CaseId,
    /// The package URL without a version.
    pub purl: String,
    /// The OSV ecosystem.
    pub ecosystem: String,
    /// The package name normalised for the ecosystem.
    pub package_key: String,
    /// The affected versions, as a `vers:` range.
    pub vers: String,
    /// The upstream supplier the component comes from, when it is not the organisation's own.
    pub supplier: Option<SupplierId>,
}

/// One OSV record to store, with what the index and the reverse lookup need.
#[derive(Debug, Clone)]
pub struct OsvRow {
    /// The record's id.
    pub id: String,
    /// `modified` as written.
    pub modified: String,
    /// `modified` parsed, in microseconds; `None` when missing or invalid.
    pub modified_at: Option<i64>,
    /// Whether the record is withdrawn.
    pub withdrawn: bool,
    /// Its aliases, space-separated.
    pub aliases: String,
    /// Its summary, or empty.
    pub summary: String,
    /// The record as imported (JSON text).
    pub body: String,
    /// `(ecosystem, normalised package name)` of every affected package.
    pub packages: Vec<(String, String)>,
}

/// What an OSV import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OsvUpsert {
    /// Records not stored before.
    pub inserted: u64,
    /// Stored records replaced by a later `modified`.
    pub replaced: u64,
    /// Records dropped because the stored one is as new or newer.
    pub kept: u64,
}

/// One row of a customer CSV import.
#[derive(Debug, Clone)]
pub struct CustomerRow {
    /// The customer (a new id is used only when no customer of this name exists).
    pub customer: Customer,
}

/// The result of an import that inserts or updates by name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Imported {
    /// Rows that created something.
    pub created: u64,
    /// Rows that changed or repeated something already there.
    pub updated: u64,
}

const COMPONENT_COLUMNS: usize = 12;
/// Rows per multi-row `INSERT`. Small enough that a statement stays under one 16 KiB TLS record
/// with long hashes and names: a statement spanning two records waits on the peer's delayed
/// acknowledgement (about 40 ms on PostgreSQL over TLS, measured with `catalogue-bench`).
const COMPONENT_BATCH: usize = 24;

/// `INSERT INTO components (...) VALUES (...), (...)` for `n` rows, from constants only.
fn component_insert(n: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO components (product_version_id, seq, bom_ref, name, version, purl, ecosystem, package_key, cpe, \
         supplier, hashes, direct) VALUES ",
    );
    for row in 0..n {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for col in 0..COMPONENT_COLUMNS {
            if col > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("${}", row * COMPONENT_COLUMNS + col + 1));
        }
        sql.push(')');
    }
    sql
}

static COMPONENT_INSERT_FULL: LazyLock<String> = LazyLock::new(|| component_insert(COMPONENT_BATCH));
static COMPONENT_INSERT_ONE: LazyLock<String> = LazyLock::new(|| component_insert(1));

const EDGE_BATCH: usize = 64;

/// `INSERT INTO component_edges … VALUES …` for `n` rows, from constants only.
fn edge_insert(n: usize) -> String {
    let rows: Vec<String> = (0..n).map(|r| format!("(${}, ${}, ${})", r * 3 + 1, r * 3 + 2, r * 3 + 3)).collect();
    format!("INSERT INTO component_edges (product_version_id, from_ref, to_ref) VALUES {}", rows.join(", "))
}

static EDGE_INSERT_FULL: LazyLock<String> = LazyLock::new(|| edge_insert(EDGE_BATCH));
static EDGE_INSERT_ONE: LazyLock<String> = LazyLock::new(|| edge_insert(1));

macro_rules! pv_columns {
    () => {
        "v.id, v.org_id, v.product_id, p.name AS product_name, v.model, v.version, v.release_date, v.support_status"
    };
}

fn vendor_from_row(r: &AnyRow) -> Result<Vendor> {
    Ok(Vendor {
        id: id_of(r, "id", "vendor id")?,
        org: id_of(r, "org_id", "organisation id")?,
        name: r.try_get("name")?,
        website: r.try_get("website")?,
    })
}

fn product_from_row(r: &AnyRow) -> Result<Product> {
    Ok(Product {
        id: id_of(r, "id", "product id")?,
        org: id_of(r, "org_id", "organisation id")?,
        vendor: id_of(r, "vendor_id", "vendor id")?,
        vendor_name: r.try_get("vendor_name")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
    })
}

fn version_from_row(r: &AnyRow) -> Result<ProductVersion> {
    Ok(ProductVersion {
        id: id_of(r, "id", "product version id")?,
        org: id_of(r, "org_id", "organisation id")?,
        product: id_of(r, "product_id", "product id")?,
        product_name: r.try_get("product_name")?,
        model: r.try_get("model")?,
        version: r.try_get("version")?,
        release_date: r.try_get("release_date")?,
        support_status: r.try_get("support_status")?,
    })
}

fn supplier_from_row(r: &AnyRow) -> Result<Supplier> {
    Ok(Supplier {
        id: id_of(r, "id", "supplier id")?,
        org: id_of(r, "org_id", "organisation id")?,
        name: r.try_get("name")?,
        contact_name: r.try_get("contact_name")?,
        contact_email: r.try_get("contact_email")?,
        jurisdiction: r.try_get("jurisdiction")?,
        website: r.try_get("website")?,
    })
}

fn customer_from_row(r: &AnyRow) -> Result<Customer> {
    let locale: String = r.try_get("locale")?;
    Ok(Customer {
        id: id_of(r, "id", "customer id")?,
        org: id_of(r, "org_id", "organisation id")?,
        name: r.try_get("name")?,
        contact_name: r.try_get("contact_name")?,
        contact_email: r.try_get("contact_email")?,
        jurisdiction: r.try_get("jurisdiction")?,
        locale: Locale::from_tag(&locale).ok_or_else(|| StoreError::corrupt(format!("locale {locale:?}")))?,
    })
}

fn deployment_from_row(r: &AnyRow) -> Result<Deployment> {
    Ok(Deployment {
        id: id_of(r, "id", "deployment id")?,
        org: id_of(r, "org_id", "organisation id")?,
        customer: id_of(r, "customer_id", "customer id")?,
        customer_name: r.try_get("customer_name")?,
        product_version: id_of(r, "product_version_id", "product version id")?,
        note: r.try_get("note")?,
    })
}

fn component_from_row(r: &AnyRow) -> Result<StoredComponent> {
    Ok(StoredComponent {
        bom_ref: r.try_get("bom_ref")?,
        name: r.try_get("name")?,
        version: r.try_get("version")?,
        purl: r.try_get("purl")?,
        ecosystem: r.try_get("ecosystem")?,
        package_key: r.try_get("package_key")?,
        cpe: r.try_get("cpe")?,
        supplier: r.try_get("supplier")?,
        hashes: r.try_get("hashes")?,
        direct: r.try_get::<Option<i64>, _>("direct")?.map(|d| d != 0),
    })
}

fn case_component_from_row(r: &AnyRow) -> Result<CaseComponent> {
    Ok(CaseComponent {
        id: id_of(r, "id", "case component id")?,
        case: id_of(r, "case_id", "case id")?,
        purl: r.try_get("purl")?,
        ecosystem: r.try_get("ecosystem")?,
        package_key: r.try_get("package_key")?,
        vers: r.try_get("vers")?,
        supplier: r.try_get::<Option<String>, _>("supplier_id")?.map(|s| parse(&s, "supplier id")).transpose()?,
    })
}

impl Store {
    /// Adds a vendor; `Conflict` when the catalogue already has one of this name.
    pub async fn create_vendor(&self, v: &Vendor, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO vendors (id, org_id, name, website, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(v.id.to_string())
            .bind(v.org.to_string())
            .bind(&v.name)
            .bind(&v.website)
            .bind(ctx.at.as_micros())
            .execute(&mut *tx)
            .await?;
        let details = serde_json::json!({"name": v.name});
        self.audit_in(
            &mut tx,
            &event(ctx, "vendor.create", "vendor", &v.id.to_string(), Some(v.org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The organisation's vendors, by name.
    pub async fn vendors_of(&self, org: OrgId) -> Result<Vec<Vendor>> {
        let rows = sqlx::query("SELECT id, org_id, name, website FROM vendors WHERE org_id = $1 ORDER BY name")
            .bind(org.to_string())
            .fetch_all(self.read())
            .await?;
        rows.iter().map(vendor_from_row).collect()
    }

    /// Adds a product; `Conflict` when the vendor already has one of this name.
    pub async fn create_product(&self, p: &Product, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO products (id, org_id, vendor_id, name, description, created_at) \
             SELECT $1, $2, id, $4, $5, $6 FROM vendors WHERE id = $3 AND org_id = $2",
        )
        .bind(p.id.to_string())
        .bind(p.org.to_string())
        .bind(p.vendor.to_string())
        .bind(&p.name)
        .bind(&p.description)
        .bind(ctx.at.as_micros())
        .execute(&mut *tx)
        .await
        .and_then(|done| if done.rows_affected() == 1 { Ok(()) } else { Err(sqlx::Error::RowNotFound) })?;
        let details = serde_json::json!({"name": p.name, "vendor": p.vendor.to_string()});
        self.audit_in(
            &mut tx,
            &event(ctx, "product.create", "product", &p.id.to_string(), Some(p.org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The organisation's products, by vendor and name.
    pub async fn products_of(&self, org: OrgId) -> Result<Vec<Product>> {
        let rows = sqlx::query(
            "SELECT p.id, p.org_id, p.vendor_id, v.name AS vendor_name, p.name, p.description FROM products p \
             JOIN vendors v ON v.id = p.vendor_id WHERE p.org_id = $1 ORDER BY v.name, p.name",
        )
        .bind(org.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(product_from_row).collect()
    }

    /// The product with this id.
    pub async fn product(&self, id: ProductId) -> Result<Option<Product>> {
        let row = sqlx::query(
            "SELECT p.id, p.org_id, p.vendor_id, v.name AS vendor_name, p.name, p.description FROM products p \
             JOIN vendors v ON v.id = p.vendor_id WHERE p.id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(self.read())
        .await?;
        row.as_ref().map(product_from_row).transpose()
    }

    /// Adds a version of a product; `Conflict` when that model already has this version.
    pub async fn create_product_version(&self, v: &ProductVersion, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO product_versions (id, org_id, product_id, model, version, release_date, support_status, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(v.id.to_string())
        .bind(v.org.to_string())
        .bind(v.product.to_string())
        .bind(&v.model)
        .bind(&v.version)
        .bind(&v.release_date)
        .bind(&v.support_status)
        .bind(ctx.at.as_micros())
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({"product": v.product.to_string(), "model": v.model, "version": v.version,
            "release_date": v.release_date, "support_status": v.support_status});
        self.audit_in(
            &mut tx,
            &event(
                ctx,
                "product_version.create",
                "product_version",
                &v.id.to_string(),
                Some(v.org.to_string()),
                details,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The product version with this id.
    pub async fn product_version(&self, id: ProductVersionId) -> Result<Option<ProductVersion>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            pv_columns!(),
            " FROM product_versions v JOIN products p ON p.id = v.product_id WHERE v.id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(self.read())
        .await?;
        row.as_ref().map(version_from_row).transpose()
    }

    /// The organisation's product versions, by product, model and creation.
    pub async fn product_versions_of(&self, org: OrgId) -> Result<Vec<ProductVersion>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            pv_columns!(),
            " FROM product_versions v JOIN products p ON p.id = v.product_id WHERE v.org_id = $1 \
             ORDER BY p.name, v.model, v.created_at, v.id"
        ))
        .bind(org.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(version_from_row).collect()
    }

    /// Adds a supplier; `Conflict` when the catalogue already has one of this name.
    pub async fn create_supplier(&self, s: &Supplier, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO suppliers (id, org_id, name, contact_name, contact_email, jurisdiction, website, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(s.id.to_string())
        .bind(s.org.to_string())
        .bind(&s.name)
        .bind(&s.contact_name)
        .bind(&s.contact_email)
        .bind(&s.jurisdiction)
        .bind(&s.website)
        .bind(ctx.at.as_micros())
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({"name": s.name, "jurisdiction": s.jurisdiction});
        self.audit_in(
            &mut tx,
            &event(ctx, "supplier.create", "supplier", &s.id.to_string(), Some(s.org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The organisation's suppliers, by name.
    pub async fn suppliers_of(&self, org: OrgId) -> Result<Vec<Supplier>> {
        let rows = sqlx::query(
            "SELECT id, org_id, name, contact_name, contact_email, jurisdiction, website FROM suppliers \
             WHERE org_id = $1 ORDER BY name",
        )
        .bind(org.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(supplier_from_row).collect()
    }

    /// Adds a customer; `Conflict` when the catalogue already has one of this name.
    pub async fn create_customer(&self, c: &Customer, ctx: &AuditContext) -> Result<()> {
        self.import_customers(std::slice::from_ref(c), false, ctx).await.map(|_| ())
    }

    /// Adds customers in one transaction. With `update`, a row naming an existing customer
    /// replaces its contact, jurisdiction and language (CSV import); without, it is a `Conflict`.
    pub async fn import_customers(&self, rows: &[Customer], update: bool, ctx: &AuditContext) -> Result<Imported> {
        let mut tx = self.begin().await?;
        let mut done = Imported::default();
        for c in rows {
            let existing: Option<String> =
                sqlx::query_scalar("SELECT id FROM customers WHERE org_id = $1 AND name = $2")
                    .bind(c.org.to_string())
                    .bind(&c.name)
                    .fetch_optional(&mut *tx)
                    .await?;
            let id = match existing {
                Some(_) if !update => return Err(StoreError::Conflict(format!("customer {:?} exists", c.name))),
                Some(id) => {
                    sqlx::query(
                        "UPDATE customers SET contact_name = $1, contact_email = $2, jurisdiction = $3, locale = $4 WHERE id = $5",
                    )
                    .bind(&c.contact_name)
                    .bind(&c.contact_email)
                    .bind(&c.jurisdiction)
                    .bind(c.locale.tag())
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                    done.updated += 1;
                    id
                }
                None => {
                    sqlx::query(
                        "INSERT INTO customers (id, org_id, name, contact_name, contact_email, jurisdiction, locale, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(c.id.to_string())
                    .bind(c.org.to_string())
                    .bind(&c.name)
                    .bind(&c.contact_name)
                    .bind(&c.contact_email)
                    .bind(&c.jurisdiction)
                    .bind(c.locale.tag())
                    .bind(ctx.at.as_micros())
                    .execute(&mut *tx)
                    .await?;
                    done.created += 1;
                    c.id.to_string()
                }
            };
            let details = serde_json::json!({"name": c.name, "jurisdiction": c.jurisdiction, "locale": c.locale.tag()});
            self.audit_in(&mut tx, &event(ctx, "customer.save", "customer", &id, Some(c.org.to_string()), details))
                .await?;
        }
        tx.commit().await?;
        Ok(done)
    }

    /// The organisation's customers, by name.
    pub async fn customers_of(&self, org: OrgId) -> Result<Vec<Customer>> {
        let rows = sqlx::query(
            "SELECT id, org_id, name, contact_name, contact_email, jurisdiction, locale FROM customers \
             WHERE org_id = $1 ORDER BY name",
        )
        .bind(org.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(customer_from_row).collect()
    }

    /// Adds deployments in one transaction; a deployment already recorded (same customer and
    /// product version) gets the new note and counts as updated. Every customer and product
    /// version must belong to the deployments' organisation (else `NotFound`).
    pub async fn import_deployments(&self, rows: &[Deployment], ctx: &AuditContext) -> Result<Imported> {
        let mut tx = self.begin().await?;
        let mut done = Imported::default();
        for d in rows {
            let org = d.org.to_string();
            let owned: i64 = sqlx::query_scalar(
                "SELECT (SELECT COUNT(*) FROM customers WHERE id = $1 AND org_id = $3) \
                 + (SELECT COUNT(*) FROM product_versions WHERE id = $2 AND org_id = $3)",
            )
            .bind(d.customer.to_string())
            .bind(d.product_version.to_string())
            .bind(&org)
            .fetch_one(&mut *tx)
            .await?;
            if owned != 2 {
                return Err(StoreError::NotFound);
            }
            let existing: Option<String> =
                sqlx::query_scalar("SELECT id FROM deployments WHERE customer_id = $1 AND product_version_id = $2")
                    .bind(d.customer.to_string())
                    .bind(d.product_version.to_string())
                    .fetch_optional(&mut *tx)
                    .await?;
            let id = if let Some(id) = existing {
                sqlx::query("UPDATE deployments SET note = $1 WHERE id = $2")
                    .bind(&d.note)
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                done.updated += 1;
                id
            } else {
                sqlx::query(
                    "INSERT INTO deployments (id, org_id, customer_id, product_version_id, note, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(d.id.to_string())
                .bind(&org)
                .bind(d.customer.to_string())
                .bind(d.product_version.to_string())
                .bind(&d.note)
                .bind(ctx.at.as_micros())
                .execute(&mut *tx)
                .await?;
                done.created += 1;
                d.id.to_string()
            };
            let details = serde_json::json!({"customer": d.customer.to_string(), "product_version": d.product_version.to_string()});
            self.audit_in(&mut tx, &event(ctx, "deployment.save", "deployment", &id, Some(org), details)).await?;
        }
        tx.commit().await?;
        Ok(done)
    }

    /// The organisation's deployments, by customer.
    pub async fn deployments_of(&self, org: OrgId) -> Result<Vec<Deployment>> {
        let rows = sqlx::query(
            "SELECT d.id, d.org_id, d.customer_id, c.name AS customer_name, d.product_version_id, d.note FROM deployments d \
             JOIN customers c ON c.id = d.customer_id WHERE d.org_id = $1 ORDER BY c.name, d.created_at",
        )
        .bind(org.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(deployment_from_row).collect()
    }

    /// Replaces a product version's components with those of a newly imported SBOM, in one
    /// transaction: on any error nothing of the new SBOM is stored and the old one stays.
    pub async fn import_sbom(
        &self,
        version: &ProductVersion,
        sbom: &SbomRecord,
        components: &[StoredComponent],
        edges: &[(String, String)],
        ctx: &AuditContext,
    ) -> Result<()> {
        let pv = version.id.to_string();
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM components WHERE product_version_id = $1").bind(&pv).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM component_edges WHERE product_version_id = $1").bind(&pv).execute(&mut *tx).await?;
        let mut seq: i64 = 0;
        for chunk in components.chunks(COMPONENT_BATCH) {
            let sql: &'static str = if chunk.len() == COMPONENT_BATCH {
                COMPONENT_INSERT_FULL.as_str()
            } else {
                COMPONENT_INSERT_ONE.as_str()
            };
            if chunk.len() == COMPONENT_BATCH {
                let mut q = sqlx::query(sql);
                for c in chunk {
                    q = bind_component(q, &pv, seq, c);
                    seq += 1;
                }
                q.execute(&mut *tx).await?;
            } else {
                for c in chunk {
                    bind_component(sqlx::query(sql), &pv, seq, c).execute(&mut *tx).await?;
                    seq += 1;
                }
            }
        }
        for chunk in edges.chunks(EDGE_BATCH) {
            let sql: &'static str =
                if chunk.len() == EDGE_BATCH { EDGE_INSERT_FULL.as_str() } else { EDGE_INSERT_ONE.as_str() };
            if chunk.len() == EDGE_BATCH {
                let mut q = sqlx::query(sql);
                for (from, to) in chunk {
                    q = q.bind(pv.clone()).bind(from.clone()).bind(to.clone());
                }
                q.execute(&mut *tx).await?;
            } else {
                for (from, to) in chunk {
                    sqlx::query(sql).bind(&pv).bind(from).bind(to).execute(&mut *tx).await?;
                }
            }
        }
        sqlx::query("DELETE FROM sboms WHERE product_version_id = $1").bind(&pv).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO sboms (product_version_id, org_id, format, spec_version, sha256, components, warnings, imported_by, imported_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&pv)
        .bind(version.org.to_string())
        .bind(&sbom.format)
        .bind(&sbom.spec_version)
        .bind(&sbom.sha256)
        .bind(sbom.components)
        .bind(sbom.warnings)
        .bind(&ctx.actor)
        .bind(ctx.at.as_micros())
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({"format": sbom.format, "spec_version": sbom.spec_version, "sha256": sbom.sha256,
            "components": sbom.components, "warnings": sbom.warnings});
        self.audit_in(
            &mut tx,
            &event(ctx, "sbom.import", "product_version", &pv, Some(version.org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The SBOM last imported for a product version.
    pub async fn sbom_of(&self, version: ProductVersionId) -> Result<Option<SbomRecord>> {
        let row = sqlx::query(
            "SELECT format, spec_version, sha256, components, warnings, imported_by, imported_at FROM sboms \
             WHERE product_version_id = $1",
        )
        .bind(version.to_string())
        .fetch_optional(self.read())
        .await?;
        row.map(|r| {
            Ok(SbomRecord {
                format: r.try_get("format")?,
                spec_version: r.try_get("spec_version")?,
                sha256: r.try_get("sha256")?,
                components: r.try_get("components")?,
                warnings: r.try_get("warnings")?,
                imported_by: r.try_get("imported_by")?,
                imported_at: Timestamp::from_micros(r.try_get("imported_at")?),
            })
        })
        .transpose()
    }

    /// A product version's components, in SBOM order.
    pub async fn components_of(&self, version: ProductVersionId) -> Result<Vec<StoredComponent>> {
        let rows = sqlx::query(
            "SELECT bom_ref, name, version, purl, ecosystem, package_key, cpe, supplier, hashes, direct FROM components \
             WHERE product_version_id = $1 ORDER BY seq",
        )
        .bind(version.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(component_from_row).collect()
    }

    /// A product version's dependency edges, `(from, to)` by SBOM reference.
    pub async fn component_edges_of(&self, version: ProductVersionId) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query("SELECT from_ref, to_ref FROM component_edges WHERE product_version_id = $1")
            .bind(version.to_string())
            .fetch_all(self.read())
            .await?;
        rows.iter().map(|r| Ok((r.try_get("from_ref")?, r.try_get("to_ref")?))).collect()
    }

    /// Where a package occurs in the organisation's catalogue: every product version whose SBOM
    /// lists `(ecosystem, package_key)`, with the version it holds. One indexed lookup.
    pub async fn occurrences(&self, org: OrgId, ecosystem: &str, package_key: &str) -> Result<Vec<Occurrence>> {
        // Answered from the covering index `components_by_package` alone (no table reads), then
        // the organisation filter by the product versions' primary key.
        let rows = sqlx::query(
            "SELECT c.product_version_id, c.version, c.purl FROM components c \
             JOIN product_versions v ON v.id = c.product_version_id \
             WHERE c.ecosystem = $1 AND c.package_key = $2 AND v.org_id = $3",
        )
        .bind(ecosystem)
        .bind(package_key)
        .bind(org.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Occurrence {
                    product_version: id_of(r, "product_version_id", "product version id")?,
                    version: r.try_get("version")?,
                    purl: r.try_get("purl")?,
                })
            })
            .collect()
    }

    /// Names a component as affected by a case.
    pub async fn add_case_component(&self, org: OrgId, c: &CaseComponent, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO case_components (id, case_id, purl, ecosystem, package_key, vers, supplier_id, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(c.id.to_string())
        .bind(c.case.to_string())
        .bind(&c.purl)
        .bind(&c.ecosystem)
        .bind(&c.package_key)
        .bind(&c.vers)
        .bind(c.supplier.map(|s| s.to_string()))
        .bind(&ctx.actor)
        .bind(ctx.at.as_micros())
        .execute(&mut *tx)
        .await?;
        let details =
            serde_json::json!({"purl": c.purl, "vers": c.vers, "supplier": c.supplier.map(|s| s.to_string())});
        self.audit_in(
            &mut tx,
            &event(ctx, "case.component_add", "case", &c.case.to_string(), Some(org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a component from a case; `NotFound` when the case has no such component.
    pub async fn remove_case_component(
        &self,
        org: OrgId,
        case: CaseId,
        id: CaseComponentId,
        ctx: &AuditContext,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("DELETE FROM case_components WHERE id = $1 AND case_id = $2")
            .bind(id.to_string())
            .bind(case.to_string())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let details = serde_json::json!({"component": id.to_string()});
        self.audit_in(
            &mut tx,
            &event(ctx, "case.component_remove", "case", &case.to_string(), Some(org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The components a case names as affected, oldest first.
    pub async fn case_components(&self, case: CaseId) -> Result<Vec<CaseComponent>> {
        let rows = sqlx::query(
            "SELECT id, case_id, purl, ecosystem, package_key, vers, supplier_id FROM case_components \
             WHERE case_id = $1 ORDER BY created_at, id",
        )
        .bind(case.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(case_component_from_row).collect()
    }

    /// Stores OSV records with OSV's incremental rule, in one transaction: a record replaces the
    /// stored one only when its `modified` time is strictly later. Recorded as one audit event.
    pub async fn upsert_osv(&self, records: &[OsvRow], ctx: &AuditContext) -> Result<OsvUpsert> {
        let mut tx = self.begin().await?;
        let mut done = OsvUpsert::default();
        for r in records {
            let stored: Option<Option<i64>> = sqlx::query_scalar("SELECT modified_at FROM osv_records WHERE id = $1")
                .bind(&r.id)
                .fetch_optional(&mut *tx)
                .await?;
            match stored {
                None => {
                    sqlx::query(
                        "INSERT INTO osv_records (id, modified, modified_at, withdrawn, aliases, summary, body, imported_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    )
                    .bind(&r.id)
                    .bind(&r.modified)
                    .bind(r.modified_at)
                    .bind(i64::from(r.withdrawn))
                    .bind(&r.aliases)
                    .bind(&r.summary)
                    .bind(&r.body)
                    .bind(ctx.at.as_micros())
                    .execute(&mut *tx)
                    .await?;
                    done.inserted += 1;
                }
                Some(old) => {
                    let newer = match (r.modified_at, old) {
                        (Some(new), Some(old)) => new > old,
                        (Some(_), None) => true,
                        (None, _) => false,
                    };
                    if !newer {
                        done.kept += 1;
                        continue;
                    }
                    sqlx::query(
                        "UPDATE osv_records SET modified = $2, modified_at = $3, withdrawn = $4, aliases = $5, summary = $6, \
                         body = $7, imported_at = $8 WHERE id = $1",
                    )
                    .bind(&r.id)
                    .bind(&r.modified)
                    .bind(r.modified_at)
                    .bind(i64::from(r.withdrawn))
                    .bind(&r.aliases)
                    .bind(&r.summary)
                    .bind(&r.body)
                    .bind(ctx.at.as_micros())
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("DELETE FROM osv_packages WHERE record_id = $1").bind(&r.id).execute(&mut *tx).await?;
                    done.replaced += 1;
                }
            }
            for (ecosystem, key) in &r.packages {
                sqlx::query("INSERT INTO osv_packages (record_id, ecosystem, package_key) VALUES ($1, $2, $3)")
                    .bind(&r.id)
                    .bind(ecosystem)
                    .bind(key)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let details = serde_json::json!({"records": records.len(), "inserted": done.inserted, "replaced": done.replaced,
            "kept": done.kept});
        self.audit_in(&mut tx, &event(ctx, "osv.import", "osv", "batch", None, details)).await?;
        let changed = done.inserted + done.replaced > 0;
        if changed && self.backend() == crate::Backend::Postgres {
            // Delivered to every listening instance when, and only if, the transaction commits.
            sqlx::query("SELECT pg_notify($1, '')").bind(OSV_CHANNEL).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        if changed {
            self.inner.osv_generation.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        Ok(done)
    }

    /// A number this process bumps after each OSV import it commits: a cache of the index in the
    /// same process compares it to know of its own imports at once, without a query.
    pub fn osv_generation(&self) -> u64 {
        self.inner.osv_generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// On PostgreSQL, starts a task that listens for other instances' OSV imports
    /// (`LISTEN vulndesk_osv_changed`, sent in the importing transaction) and calls `on_change`
    /// for each, and also after the listening connection was lost and made again (a notice may
    /// have been missed meanwhile). The task reconnects on its own for as long as the process
    /// runs. Gives false on SQLite, where there is nothing to listen to.
    pub async fn watch_osv_changes(&self, on_change: impl Fn() + Send + Sync + 'static) -> Result<bool> {
        if self.backend() != crate::Backend::Postgres {
            return Ok(false);
        }
        let mut listener = sqlx::postgres::PgListener::connect(&self.inner.url).await?;
        listener.listen(OSV_CHANNEL).await?;
        tokio::spawn(async move {
            loop {
                match listener.try_recv().await {
                    Ok(Some(_)) => on_change(),
                    // The connection was lost and has been made again.
                    Ok(None) => on_change(),
                    Err(e) => {
                        tracing::warn!(error = %e, "the OSV change listener lost its connection; retrying in 5 s");
                        on_change();
                        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                    }
                }
            }
        });
        Ok(true)
    }

    /// A stamp that changes whenever OSV records are imported: `(count, latest import time)`.
    /// Instances compare it to decide whether their in-memory index is stale.
    pub async fn osv_stamp(&self) -> Result<(i64, i64)> {
        let row = sqlx::query("SELECT COUNT(*) AS n, COALESCE(MAX(imported_at), 0) AS latest FROM osv_records")
            .fetch_one(self.read())
            .await?;
        Ok((row.try_get("n")?, row.try_get("latest")?))
    }

    /// Every stored OSV record's JSON text, for building the in-memory index.
    pub async fn osv_bodies(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT body FROM osv_records ORDER BY id").fetch_all(self.read()).await?)
    }

    /// The stored OSV records naming `(ecosystem, package_key)`.
    pub async fn osv_records_for(&self, ecosystem: &str, package_key: &str) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT record_id FROM osv_packages WHERE ecosystem = $1 AND package_key = $2 ORDER BY record_id",
        )
        .bind(ecosystem)
        .bind(package_key)
        .fetch_all(self.read())
        .await?)
    }
}

fn bind_component<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    pv: &str,
    seq: i64,
    c: &StoredComponent,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    q.bind(pv.to_owned())
        .bind(seq)
        .bind(c.bom_ref.clone())
        .bind(c.name.clone())
        .bind(c.version.clone())
        .bind(c.purl.clone())
        .bind(c.ecosystem.clone())
        .bind(c.package_key.clone())
        .bind(c.cpe.clone())
        .bind(c.supplier.clone())
        .bind(c.hashes.clone())
        .bind(c.direct.map(i64::from))
}
