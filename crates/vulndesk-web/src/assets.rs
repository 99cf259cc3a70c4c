//! An operator's assets (Art. 8), shared by the pages and the API: added one by one or imported
//! from CSV (all or nothing, every bad row named by line), listed with the remediation deadlines
//! their class gets. Host names and addresses are restricted (Art. 9(2)): only the
//! organisation's catalogue keepers see them, and each such read is audited.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vulndesk_core::sla::{AssetClass, Exposure, SlaMatrix};
use vulndesk_core::{Action, Organisation};
use vulndesk_store::assets::Asset;

use crate::auth::RequestCtx;
use crate::error::{AppError, FieldError};
use crate::state::AppState;

/// An asset as forms, the API and CSV rows give it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub(crate) struct AssetForm {
    #[serde(default)]
    pub(crate) name: String,
    /// Host names, one per line (or separated by spaces or `;`).
    #[serde(default)]
    pub(crate) hostnames: String,
    /// IP addresses, one per line (or separated by spaces or `;`).
    #[serde(default)]
    pub(crate) addresses: String,
    #[serde(default)]
    pub(crate) owner: String,
    #[serde(default)]
    pub(crate) location: String,
    /// `internet_facing` or `internal` (default).
    #[serde(default)]
    pub(crate) exposure: String,
    /// 等级保护 level 1–4 (default 2).
    #[serde(default)]
    pub(crate) protection_level: String,
    /// `true` for critical information infrastructure.
    #[serde(default)]
    pub(crate) critical_infrastructure: String,
    #[serde(default)]
    pub(crate) vendor: String,
    #[serde(default)]
    pub(crate) product: String,
    #[serde(default)]
    pub(crate) model: String,
    #[serde(default)]
    pub(crate) version: String,
    /// Package URLs of its components (separated by new lines, spaces or `;`).
    #[serde(default)]
    pub(crate) components: String,
}

fn items(s: &str) -> Vec<String> {
    s.split(|c: char| c.is_whitespace() || c == ';').filter(|x| !x.is_empty()).map(str::to_owned).collect()
}

/// Checks a form; every problem at once.
fn asset_from(org: &Organisation, f: &AssetForm, now: vulndesk_core::Timestamp) -> Result<Asset, Vec<FieldError>> {
    let mut e = Vec::new();
    let name = crate::validate::text("name", &f.name, 200).map_err(|x| e.push(x)).ok();
    let exposure = match f.exposure.trim() {
        "" | "internal" => "internal",
        "internet_facing" => "internet_facing",
        other => {
            e.push(FieldError::new("exposure", "invalid-choice").with("value", other));
            "internal"
        }
    };
    let level = match f.protection_level.trim() {
        "" => 2,
        l => l.parse::<i64>().ok().filter(|l| (1..=4).contains(l)).unwrap_or_else(|| {
            e.push(FieldError::new("protection_level", "asset-level").with("value", l));
            2
        }),
    };
    let cii = match f.critical_infrastructure.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "no" | "0" | "off" => false,
        "true" | "yes" | "1" | "on" => true,
        other => {
            e.push(FieldError::new("critical_infrastructure", "invalid-choice").with("value", other));
            false
        }
    };
    let addresses = items(&f.addresses);
    for a in &addresses {
        if a.parse::<std::net::IpAddr>().is_err() {
            e.push(FieldError::new("addresses", "asset-address").with("value", a));
        }
    }
    let components = items(&f.components);
    let mut purls = Vec::new();
    for c in &components {
        match vulndesk_formats::purl::Purl::parse(c) {
            Ok(p) => purls.push(p.to_string()),
            Err(err) => e.push(FieldError::new("components", "asset-purl").with("value", c).with("reason", err)),
        }
    }
    for (field, value) in [
        ("owner", &f.owner),
        ("location", &f.location),
        ("vendor", &f.vendor),
        ("product", &f.product),
        ("model", &f.model),
        ("version", &f.version),
        ("hostnames", &f.hostnames),
    ] {
        if value.chars().count() > 2000 {
            e.push(FieldError::new(field, "text-too-long").with("max", 2000));
        }
    }
    let Some(name) = name.filter(|_| e.is_empty()) else { return Err(e) };
    Ok(Asset {
        id: crate::auth::random_uuid().to_string(),
        org: org.id,
        name,
        hostnames: items(&f.hostnames).join("\n"),
        addresses: addresses.join("\n"),
        owner: f.owner.trim().to_owned(),
        location: f.location.trim().to_owned(),
        exposure: exposure.to_owned(),
        protection_level: level,
        critical_infrastructure: cii,
        vendor: f.vendor.trim().to_owned(),
        product: f.product.trim().to_owned(),
        model: f.model.trim().to_owned(),
        version: f.version.trim().to_owned(),
        components: purls.join("\n"),
        created_at: now,
    })
}

/// What sets an asset's remediation deadlines.
fn class_of(a: &Asset) -> AssetClass {
    AssetClass {
        protection_level: u8::try_from(a.protection_level).unwrap_or(2),
        exposure: if a.exposure == "internet_facing" { Exposure::InternetFacing } else { Exposure::Internal },
        critical_infrastructure: a.critical_infrastructure,
    }
}

/// Adds (or replaces, by name) one asset (catalogue keepers).
pub(crate) async fn add(state: &AppState, ctx: &RequestCtx, org: &Organisation, f: &AssetForm) -> Result<(), AppError> {
    ctx.require(Action::ManageCatalogue(org.id))?;
    let now = state.clock.now();
    let a = asset_from(org, f, now).map_err(AppError::Validation)?;
    state.store.put_assets(org.id, &[a], &ctx.audit(now)).await?;
    Ok(())
}

/// The CSV columns an import takes.
pub(crate) const CSV_COLUMNS: [&str; 13] = [
    "name",
    "hostnames",
    "addresses",
    "owner",
    "location",
    "exposure",
    "protection_level",
    "critical_infrastructure",
    "vendor",
    "product",
    "model",
    "version",
    "components",
];

/// Imports assets from CSV: one transaction; every bad row named by line, and then nothing stored.
pub(crate) async fn import_csv(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    bytes: &[u8],
) -> Result<usize, AppError> {
    ctx.require(Action::ManageCatalogue(org.id))?;
    let now = state.clock.now();
    let rows = crate::catalogue::csv_rows(bytes, &CSV_COLUMNS)?;
    let mut assets = Vec::new();
    let mut problems = Vec::new();
    for (line, row) in rows {
        let get = |k: &str| row.get(k).cloned().unwrap_or_default();
        let f = AssetForm {
            name: get("name"),
            hostnames: get("hostnames"),
            addresses: get("addresses"),
            owner: get("owner"),
            location: get("location"),
            exposure: get("exposure"),
            protection_level: get("protection_level"),
            critical_infrastructure: get("critical_infrastructure"),
            vendor: get("vendor"),
            product: get("product"),
            model: get("model"),
            version: get("version"),
            components: get("components"),
        };
        match asset_from(org, &f, now) {
            Ok(a) => assets.push(a),
            Err(p) => problems.extend(crate::catalogue::located(line, p)),
        }
    }
    if !problems.is_empty() {
        problems.truncate(100);
        return Err(AppError::Validation(problems));
    }
    Ok(state.store.put_assets(org.id, &assets, &ctx.audit(now)).await?)
}

/// An asset as shown: restricted fields only for those who may see them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct AssetView {
    pub(crate) name: String,
    /// Absent for people who may not see restricted fields.
    pub(crate) hostnames: Option<Vec<String>>,
    /// Absent for people who may not see restricted fields.
    pub(crate) addresses: Option<Vec<String>>,
    pub(crate) owner: String,
    pub(crate) location: String,
    pub(crate) exposure: String,
    pub(crate) protection_level: i64,
    pub(crate) critical_infrastructure: bool,
    pub(crate) vendor: String,
    pub(crate) product: String,
    pub(crate) model: String,
    pub(crate) version: String,
    pub(crate) components: Vec<String>,
    /// Days to remediate a finding of each grade on this asset (critical, high, medium, low).
    pub(crate) remediation_days: [u32; 4],
    /// Its components matched against the deployment's OSV data, now.
    pub(crate) findings: Vec<AssetFinding>,
}

/// A known vulnerability in one of an asset's components.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct AssetFinding {
    pub(crate) purl: String,
    pub(crate) advisory: String,
    pub(crate) aliases: Vec<String>,
    /// Versions that fix it.
    pub(crate) fixed: Vec<String>,
}

/// An asset's components matched against the deployment's OSV data (the same index as product
/// versions' findings), one line per (component, advisory).
async fn findings(state: &AppState, components: &str) -> Result<Vec<AssetFinding>, AppError> {
    if components.trim().is_empty() {
        return Ok(Vec::new());
    }
    let index = crate::catalogue::osv_index(state).await?;
    let mut out = Vec::new();
    for c in components.lines() {
        let Ok(purl) = vulndesk_formats::purl::Purl::parse(c) else { continue };
        let Ok(hits) = index.query_purl(&purl) else { continue };
        for hit in hits {
            out.push(AssetFinding {
                purl: c.to_owned(),
                advisory: hit.advisory.id.clone(),
                aliases: hit.advisory.aliases.clone(),
                fixed: hit.affected.fixed.clone(),
            });
        }
    }
    out.sort_by(|a, b| (&a.purl, &a.advisory).cmp(&(&b.purl, &b.advisory)));
    out.dedup_by(|a, b| a.purl == b.purl && a.advisory == b.advisory);
    Ok(out)
}

/// The organisation's assets (catalogue readers); restricted fields for catalogue keepers, and
/// that read is audited.
pub(crate) async fn list(state: &AppState, ctx: &RequestCtx, org: &Organisation) -> Result<Vec<AssetView>, AppError> {
    ctx.require(Action::ViewCatalogue(org.id))?;
    let restricted = ctx.require(Action::ManageCatalogue(org.id)).is_ok();
    let assets = state.store.assets_of(org.id).await?;
    if restricted && assets.iter().any(|a| !a.hostnames.is_empty() || !a.addresses.is_empty()) {
        let details = serde_json::json!({"assets": assets.len()});
        state
            .store
            .record_audit(&ctx.audit(state.clock.now()).event(
                "asset.restricted_view",
                "organisation",
                &org.id.to_string(),
                Some(org.id.to_string()),
                details.to_string(),
            ))
            .await?;
    }
    let sla = SlaMatrix::default();
    let lines = |s: &str| s.lines().map(str::to_owned).collect::<Vec<_>>();
    let mut found = Vec::with_capacity(assets.len());
    for a in &assets {
        found.push(findings(state, &a.components).await?);
    }
    Ok(assets
        .into_iter()
        .zip(found)
        .map(|(a, findings)| {
            let class = class_of(&a);
            AssetView {
                hostnames: restricted.then(|| lines(&a.hostnames)),
                addresses: restricted.then(|| lines(&a.addresses)),
                remediation_days: ["critical", "high", "medium", "low"].map(|g| sla.days(g, &class)),
                findings,
                components: lines(&a.components),
                name: a.name,
                owner: a.owner,
                location: a.location,
                exposure: a.exposure,
                protection_level: a.protection_level,
                critical_infrastructure: a.critical_infrastructure,
                vendor: a.vendor,
                product: a.product,
                model: a.model,
                version: a.version,
            }
        })
        .collect())
}

/// Re-matches every asset and brings the findings in step (catalogue keepers): new matches
/// become findings due by the SLA matrix (a grade the data does not give counts as high);
/// open findings no longer matched are closed as remediated. Answers (new, closed).
pub(crate) async fn sync_findings(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
) -> Result<(usize, usize), AppError> {
    ctx.require(Action::ManageCatalogue(org.id))?;
    let now = state.clock.now();
    let sla = SlaMatrix::default();
    let mut matches = Vec::new();
    for a in state.store.assets_of(org.id).await? {
        let class = class_of(&a);
        let due = now.plus(std::time::Duration::from_secs(u64::from(sla.days("", &class)) * 86_400));
        for f in findings(state, &a.components).await? {
            matches.push((crate::auth::random_uuid().to_string(), a.id.clone(), f.advisory, f.purl, due));
        }
    }
    Ok(state.store.sync_findings(org.id, &matches, &ctx.audit(now)).await?)
}

/// A finding as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct FindingView {
    pub(crate) id: String,
    pub(crate) asset: String,
    pub(crate) vulnerability: String,
    pub(crate) purl: String,
    /// `verifying`, `remediating`, `remediated` or `accepted`.
    pub(crate) state: String,
    pub(crate) first_seen: String,
    pub(crate) due_at: String,
    pub(crate) overdue: bool,
    pub(crate) evidence: String,
    pub(crate) accepted_until: Option<String>,
}

/// The organisation's findings, soonest due first (catalogue readers).
pub(crate) async fn list_findings(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
) -> Result<Vec<FindingView>, AppError> {
    ctx.require(Action::ViewCatalogue(org.id))?;
    let now = state.clock.now();
    Ok(state
        .store
        .findings_of(org.id)
        .await?
        .into_iter()
        .map(|f| FindingView {
            overdue: matches!(f.state.as_str(), "verifying" | "remediating") && now > f.due_at,
            id: f.id,
            asset: f.asset_name,
            vulnerability: f.vulnerability,
            purl: f.purl,
            state: f.state,
            first_seen: f.first_seen.to_rfc3339(),
            due_at: f.due_at.to_rfc3339(),
            evidence: f.evidence,
            accepted_until: f.accepted_until.map(|t| t.to_rfc3339()),
        })
        .collect())
}

/// A step on a finding.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub(crate) struct FindingStep {
    /// `confirm` (verifying → remediating), `remediated` (with evidence) or `accept` (the risk,
    /// with a reason and an expiry date; admins and coordinators).
    #[serde(default)]
    pub(crate) action: String,
    /// What shows it is remediated, or why the risk is accepted.
    #[serde(default)]
    pub(crate) evidence: String,
    /// For `accept`: the last day, `YYYY-MM-DD`.
    #[serde(default)]
    pub(crate) until: String,
}

/// Moves a finding (catalogue keepers; a risk acceptance needs an admin or coordinator).
pub(crate) async fn step_finding(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    id: &str,
    s: &FindingStep,
) -> Result<(), AppError> {
    ctx.require(Action::ManageCatalogue(org.id))?;
    let f = state.store.findings_of(org.id).await?.into_iter().find(|f| f.id == id).ok_or(AppError::NotFound)?;
    let evidence = s.evidence.trim();
    let now = state.clock.now();
    let (to, until) = match (s.action.as_str(), f.state.as_str()) {
        ("confirm", "verifying") => ("remediating", None),
        ("remediated", "verifying" | "remediating") => {
            if evidence.is_empty() {
                return Err(AppError::Validation(vec![FieldError::new("evidence", "finding-evidence")]));
            }
            ("remediated", None)
        }
        ("accept", "verifying" | "remediating") => {
            ctx.require(Action::AcceptRisk(org.id))?;
            let mut e = Vec::new();
            if evidence.is_empty() {
                e.push(FieldError::new("evidence", "finding-evidence"));
            }
            let until = vulndesk_core::Timestamp::parse_rfc3339(&format!("{}T23:59:59Z", s.until.trim()))
                .filter(|t| s.until.trim().len() == 10 && *t > now);
            if until.is_none() {
                e.push(FieldError::new("until", "finding-until").with("value", s.until.trim()));
            }
            if !e.is_empty() {
                return Err(AppError::Validation(e));
            }
            ("accepted", until)
        }
        (action, state_now) => {
            return Err(AppError::Conflict(
                "conflict-finding-step",
                vec![("action", action.to_owned()), ("state", state_now.to_owned())],
            ));
        }
    };
    match state.store.move_finding(org.id, &f.id, (&f.state, to), evidence, until, &ctx.audit(now)).await {
        Ok(()) => Ok(()),
        Err(vulndesk_store::StoreError::Conflict(_)) => Err(AppError::Conflict(
            "conflict-finding-step",
            vec![("action", s.action.clone()), ("state", f.state.clone())],
        )),
        Err(other) => Err(other.into()),
    }
}
