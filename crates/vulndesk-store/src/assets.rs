//! An operator's assets (Art. 8). Host names and addresses are restricted (Art. 9(2)): the
//! caller decides who sees them; every change is audited without them.

use sqlx::Row;
use vulndesk_core::{AuditContext, OrgId, Timestamp};

use crate::{Result, Store, StoreError, event};

/// An asset as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asset {
    /// Its id.
    pub id: String,
    /// The operator.
    pub org: OrgId,
    /// Its name, unique in the organisation.
    pub name: String,
    /// Host names, one per line (restricted).
    pub hostnames: String,
    /// Addresses, one per line (restricted).
    pub addresses: String,
    /// Who owns it.
    pub owner: String,
    /// Where it is.
    pub location: String,
    /// `internet_facing` or `internal`.
    pub exposure: String,
    /// 等级保护 level, 1–4.
    pub protection_level: i64,
    /// Part of critical information infrastructure.
    pub critical_infrastructure: bool,
    /// The vendor.
    pub vendor: String,
    /// The product.
    pub product: String,
    /// The model.
    pub model: String,
    /// The firmware or software version.
    pub version: String,
    /// Its components, one package URL per line.
    pub components: String,
    /// When it was added.
    pub created_at: Timestamp,
}

macro_rules! asset_columns {
    () => {
        "id, org_id, name, hostnames, addresses, owner, location, exposure, protection_level, \
         critical_infrastructure, vendor, product, model, version, components, created_at"
    };
}

fn asset_from_row(r: &sqlx::any::AnyRow) -> Result<Asset> {
    Ok(Asset {
        id: r.try_get("id")?,
        org: r.try_get::<String, _>("org_id")?.parse().map_err(|_| StoreError::corrupt("asset organisation"))?,
        name: r.try_get("name")?,
        hostnames: r.try_get("hostnames")?,
        addresses: r.try_get("addresses")?,
        owner: r.try_get("owner")?,
        location: r.try_get("location")?,
        exposure: r.try_get("exposure")?,
        protection_level: r.try_get("protection_level")?,
        critical_infrastructure: r.try_get::<i64, _>("critical_infrastructure")? != 0,
        vendor: r.try_get("vendor")?,
        product: r.try_get("product")?,
        model: r.try_get("model")?,
        version: r.try_get("version")?,
        components: r.try_get("components")?,
        created_at: Timestamp::from_micros(r.try_get("created_at")?),
    })
}

impl Store {
    /// Adds assets, or updates those with the same name (keeping their id, so what refers to an
    /// asset survives a re-import), in one transaction: an import is all or nothing. The audit
    /// event counts and names them; it never holds addresses.
    pub async fn put_assets(&self, org: OrgId, assets: &[Asset], ctx: &AuditContext) -> Result<usize> {
        let mut tx = self.begin().await?;
        for a in assets {
            let existing: Option<String> = sqlx::query_scalar("SELECT id FROM assets WHERE org_id = $1 AND name = $2")
                .bind(org.to_string())
                .bind(&a.name)
                .fetch_optional(&mut *tx)
                .await?;
            let q = if existing.is_some() {
                sqlx::query(
                    "UPDATE assets SET hostnames = $4, addresses = $5, owner = $6, location = $7, exposure = $8, \
                     protection_level = $9, critical_infrastructure = $10, vendor = $11, product = $12, model = $13, \
                     version = $14, components = $15, updated_at = $16 WHERE id = $1 AND org_id = $2 AND name = $3",
                )
            } else {
                sqlx::query(
                    "INSERT INTO assets (id, org_id, name, hostnames, addresses, owner, location, exposure, protection_level, \
                     critical_infrastructure, vendor, product, model, version, components, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)",
                )
            };
            q.bind(existing.as_deref().unwrap_or(&a.id))
                .bind(org.to_string())
                .bind(&a.name)
                .bind(&a.hostnames)
                .bind(&a.addresses)
                .bind(&a.owner)
                .bind(&a.location)
                .bind(&a.exposure)
                .bind(a.protection_level)
                .bind(i64::from(a.critical_infrastructure))
                .bind(&a.vendor)
                .bind(&a.product)
                .bind(&a.model)
                .bind(&a.version)
                .bind(&a.components)
                .bind(ctx.at.as_micros())
                .execute(&mut *tx)
                .await?;
        }
        let names: Vec<&str> = assets.iter().map(|a| a.name.as_str()).take(50).collect();
        let details = serde_json::json!({"count": assets.len(), "names": names});
        self.audit_in(
            &mut tx,
            &event(ctx, "asset.put", "organisation", &org.to_string(), Some(org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(assets.len())
    }

    /// Replaces an asset's components (from its SBOM); the audit event says how many and from
    /// what. [`StoreError::NotFound`] when the organisation has no such asset.
    pub async fn set_asset_components(
        &self,
        org: OrgId,
        id: &str,
        components: &str,
        source: &str,
        ctx: &AuditContext,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE assets SET components = $3, updated_at = $4 WHERE id = $1 AND org_id = $2")
            .bind(id)
            .bind(org.to_string())
            .bind(components)
            .bind(ctx.at.as_micros())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound);
        }
        let details = serde_json::json!({"components": components.lines().count(), "from": source});
        self.audit_in(&mut tx, &event(ctx, "asset.sbom", "asset", id, Some(org.to_string()), details)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// An organisation's assets, by name.
    pub async fn assets_of(&self, org: OrgId) -> Result<Vec<Asset>> {
        let rows = sqlx::query(concat!("SELECT ", asset_columns!(), " FROM assets WHERE org_id = $1 ORDER BY name"))
            .bind(org.to_string())
            .fetch_all(self.read())
            .await?;
        rows.iter().map(asset_from_row).collect()
    }
}
