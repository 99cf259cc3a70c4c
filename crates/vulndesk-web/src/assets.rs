//! An operator's assets (Art. 8), shared by the pages and the API: added one by one or imported
//! from CSV (all or nothing, every bad row named by line), listed with the remediation deadlines
//! their class gets. Host names and addresses are restricted (Art. 9(2)): only the
//! organisation's catalogue keepers see them, and each such read is audited.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vulndesk_core::Timestamp;
use vulndesk_core::sla::SlaMatrix;
use vulndesk_core::{Action, Organisation};
use vulndesk_store::assets::Asset;
use vulndesk_store::findings::SyncReport;

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

use vulndesk_jobs::findings::{class_of, sla_of};

/// Re-matches the organisation after a change to what it runs or what its suppliers said.
async fn rematch(state: &AppState, ctx: &RequestCtx, org: &Organisation) -> Result<SyncReport, AppError> {
    Ok(vulndesk_jobs::findings::rematch(&state.store, &state.osv, org.id, &ctx.audit(state.clock.now())).await?)
}

/// Adds (or replaces, by name) one asset (catalogue keepers).
pub(crate) async fn add(state: &AppState, ctx: &RequestCtx, org: &Organisation, f: &AssetForm) -> Result<(), AppError> {
    ctx.require(Action::ManageCatalogue(org.id))?;
    let now = state.clock.now();
    let a = asset_from(org, f, now).map_err(AppError::Validation)?;
    state.store.put_assets(org.id, &[a], &ctx.audit(now)).await?;
    rematch(state, ctx, org).await?;
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
    let stored = state.store.put_assets(org.id, &assets, &ctx.audit(now)).await?;
    rematch(state, ctx, org).await?;
    Ok(stored)
}

/// An asset as shown: restricted fields only for those who may see them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct AssetView {
    pub(crate) id: String,
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
    let sla = sla_of(&state.store, org.id).await?;
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
                id: a.id,
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

/// Re-matches every asset now (catalogue keepers); it also happens after every change.
pub(crate) async fn sync_findings(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
) -> Result<SyncReport, AppError> {
    ctx.require(Action::ManageCatalogue(org.id))?;
    rematch(state, ctx, org).await
}

/// A finding as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct FindingView {
    pub(crate) id: String,
    pub(crate) asset: String,
    pub(crate) vulnerability: String,
    pub(crate) purl: String,
    /// `verifying`, `remediating`, `remediated`, `accepted` or `not_affected`.
    pub(crate) state: String,
    /// `critical`, `high`, `medium`, `low`, or empty when the data gives none (then the
    /// deadline is a high's).
    pub(crate) grade: String,
    /// Where the match came from (OSV, a feed's CSAF document).
    pub(crate) source: String,
    pub(crate) first_seen: String,
    pub(crate) due_at: String,
    pub(crate) overdue: bool,
    pub(crate) evidence: String,
    pub(crate) accepted_until: Option<String>,
    /// The username of who accepted the risk.
    pub(crate) accepted_by: String,
    pub(crate) closed_at: Option<String>,
    /// When a re-match confirmed the remediation.
    pub(crate) confirmed_at: Option<String>,
}

impl FindingView {
    fn of(f: vulndesk_store::findings::Finding, now: vulndesk_core::Timestamp) -> Self {
        Self {
            overdue: f.is_open() && now > f.due_at,
            id: f.id,
            asset: f.asset_name,
            vulnerability: f.vulnerability,
            purl: f.purl,
            state: f.state,
            grade: f.grade,
            source: f.source,
            first_seen: f.first_seen.to_rfc3339(),
            due_at: f.due_at.to_rfc3339(),
            evidence: f.evidence,
            accepted_until: f.accepted_until.map(|t| t.to_rfc3339()),
            accepted_by: f.accepted_by,
            closed_at: f.closed_at.map(|t| t.to_rfc3339()),
            confirmed_at: f.confirmed_at.map(|t| t.to_rfc3339()),
        }
    }
}

/// The organisation's findings, soonest due first (catalogue readers).
pub(crate) async fn list_findings(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
) -> Result<Vec<FindingView>, AppError> {
    ctx.require(Action::ViewCatalogue(org.id))?;
    let now = state.clock.now();
    let mut out = Vec::new();
    for f in state.store.findings_of(org.id).await? {
        let mut v = FindingView::of(f, now);
        if !v.accepted_by.is_empty() {
            v.accepted_by = crate::dossier::username(state, &v.accepted_by).await;
        }
        out.push(v);
    }
    Ok(out)
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

/// The board over the findings: what is open and overdue by grade, open findings week by week,
/// and how long remediation took.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct Board {
    pub(crate) open: usize,
    pub(crate) overdue: usize,
    /// Open and overdue by grade (critical, high, medium, low, not graded).
    pub(crate) by_grade: Vec<GradeCount>,
    /// Findings open at the end of each of the last twelve weeks, oldest first.
    pub(crate) weekly_open: Vec<WeekOpen>,
    /// Days from first seen to closed, by grade, for remediated findings.
    pub(crate) time_to_remediate: Vec<RemediationTime>,
}

/// Open and overdue findings of one grade.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct GradeCount {
    pub(crate) grade: String,
    pub(crate) open: usize,
    pub(crate) overdue: usize,
}

/// Findings open at the end of a week.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct WeekOpen {
    /// The week's last day, `YYYY-MM-DD`.
    pub(crate) week_ending: String,
    pub(crate) open: usize,
}

/// How long remediation took for one grade.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct RemediationTime {
    pub(crate) grade: String,
    pub(crate) remediated: usize,
    /// The median, in days (rounded up).
    pub(crate) median_days: Option<u64>,
    /// Remediated after the deadline.
    pub(crate) late: usize,
}

const GRADES: [&str; 5] = ["critical", "high", "medium", "low", ""];

/// Computes the board from the stored findings.
pub(crate) fn board_of(findings: &[vulndesk_store::findings::Finding], now: Timestamp) -> Board {
    let day = 86_400_000_000_i64;
    let open: Vec<_> = findings.iter().filter(|f| f.is_open()).collect();
    let by_grade = GRADES
        .iter()
        .map(|g| GradeCount {
            grade: (*g).to_owned(),
            open: open.iter().filter(|f| f.grade == *g).count(),
            overdue: open.iter().filter(|f| f.grade == *g && now > f.due_at).count(),
        })
        .collect();
    let weekly_open = (0..12)
        .rev()
        .map(|w| {
            let end = now.as_micros() - w * 7 * day;
            WeekOpen {
                week_ending: Timestamp::from_micros(end).to_rfc3339().chars().take(10).collect(),
                open: findings
                    .iter()
                    .filter(|f| f.first_seen.as_micros() <= end && f.closed_at.is_none_or(|c| c.as_micros() > end))
                    .count(),
            }
        })
        .collect();
    let time_to_remediate = GRADES
        .iter()
        .map(|g| {
            let done: Vec<_> =
                findings.iter().filter(|f| f.grade == *g && f.state == "remediated" && f.closed_at.is_some()).collect();
            let mut days: Vec<u64> = done
                .iter()
                .filter_map(|f| f.closed_at.map(|c| (c.as_micros() - f.first_seen.as_micros()).max(0)))
                .map(|us| u64::try_from(us).unwrap_or(0).div_ceil(u64::try_from(day).unwrap_or(1)))
                .collect();
            days.sort_unstable();
            RemediationTime {
                grade: (*g).to_owned(),
                remediated: done.len(),
                median_days: days.get(days.len() / 2).copied(),
                late: done.iter().filter(|f| f.closed_at.is_some_and(|c| c > f.due_at)).count(),
            }
        })
        .collect();
    Board {
        overdue: open.iter().filter(|f| now > f.due_at).count(),
        open: open.len(),
        by_grade,
        weekly_open,
        time_to_remediate,
    }
}

/// The organisation's findings board (catalogue readers).
pub(crate) async fn board(state: &AppState, ctx: &RequestCtx, org: &Organisation) -> Result<Board, AppError> {
    ctx.require(Action::ViewCatalogue(org.id))?;
    Ok(board_of(&state.store.findings_of(org.id).await?, state.clock.now()))
}

/// The SLA matrix an organisation uses, as text and as rows.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct SlaView {
    /// One row per grade: `high: 7 15 15 30` (days for internet-facing level 3–4, internet-facing
    /// level 1–2, internal 3–4, internal 1–2; critical information infrastructure takes the
    /// first column).
    pub(crate) matrix: String,
    /// Whether these are the defaults.
    #[serde(default)]
    pub(crate) default: bool,
}

/// The organisation's SLA matrix (catalogue readers).
pub(crate) async fn sla(state: &AppState, ctx: &RequestCtx, org: &Organisation) -> Result<SlaView, AppError> {
    ctx.require(Action::ViewCatalogue(org.id))?;
    let own = state.store.sla_matrix(org.id).await?;
    let m = sla_of(&state.store, org.id).await?;
    Ok(SlaView { matrix: m.to_text(), default: own.is_none() })
}

/// Sets the organisation's SLA matrix (admins and coordinators, like risk acceptance: it sets
/// how much risk is tolerated for how long). Empty text goes back to the defaults. New deadlines
/// apply to findings matched from now on; existing findings keep theirs.
pub(crate) async fn set_sla(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    text: &str,
) -> Result<(), AppError> {
    ctx.require(Action::AcceptRisk(org.id))?;
    if !text.trim().is_empty() {
        SlaMatrix::parse(text).map_err(|e| {
            AppError::Validation(vec![FieldError::new("matrix", "sla-matrix-error").with("reason", e.to_string())])
        })?;
    }
    state.store.set_sla_matrix(org.id, text.trim(), &ctx.audit(state.clock.now())).await?;
    Ok(())
}

/// An uploaded VEX document, as listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct VexView {
    pub(crate) id: String,
    pub(crate) name: String,
    /// `csaf` or `cyclonedx`.
    pub(crate) format: String,
    pub(crate) sha256: String,
    /// Statements read from it.
    pub(crate) statements: usize,
    /// Of which "not affected" or "fixed".
    pub(crate) not_affected: usize,
    pub(crate) uploaded_at: String,
}

/// The organisation's uploaded VEX documents (catalogue readers).
pub(crate) async fn list_vex(state: &AppState, ctx: &RequestCtx, org: &Organisation) -> Result<Vec<VexView>, AppError> {
    ctx.require(Action::ViewCatalogue(org.id))?;
    Ok(state
        .store
        .vex_documents(org.id)
        .await?
        .into_iter()
        .map(|d| {
            let read = vulndesk_formats::vex::read(d.document.as_bytes()).unwrap_or_default();
            VexView {
                statements: read.statements.len(),
                not_affected: read
                    .statements
                    .iter()
                    .filter(|s| {
                        matches!(
                            s.status,
                            vulndesk_formats::vex::Status::NotAffected | vulndesk_formats::vex::Status::Fixed
                        )
                    })
                    .count(),
                id: d.id,
                name: d.name,
                format: d.format,
                sha256: d.sha256,
                uploaded_at: d.uploaded_at.to_rfc3339(),
            }
        })
        .collect())
}

/// The most a VEX document may weigh.
const MAX_VEX_BYTES: usize = 8 << 20;

/// Stores a supplier's VEX document (CSAF 2.0 or CycloneDX JSON) and re-matches, so its "not
/// affected" statements close the findings they cover (catalogue keepers). A document that does
/// not read is refused with why; the same document twice is a conflict.
pub(crate) async fn upload_vex(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    name: &str,
    bytes: &[u8],
) -> Result<(VexView, SyncReport), AppError> {
    ctx.require(Action::ManageCatalogue(org.id))?;
    let refuse =
        |reason: String| AppError::Validation(vec![FieldError::new("document", "vex-invalid").with("reason", reason)]);
    if bytes.len() > MAX_VEX_BYTES {
        return Err(refuse(format!("larger than {} MiB", MAX_VEX_BYTES >> 20)));
    }
    let read = vulndesk_formats::vex::read(bytes).map_err(|e| refuse(e.to_string()))?;
    let format = vulndesk_formats::vex::format_of(bytes).unwrap_or("csaf");
    if format == "csaf"
        && let Some(f) = vulndesk_formats::csaf::check(&serde_json::from_slice(bytes).unwrap_or_default()).first()
    {
        return Err(refuse(format!("CSAF mandatory test {} fails at {}: {}", f.test, f.path, f.message)));
    }
    let name = match name.trim() {
        "" if read.document.is_empty() => "VEX".to_owned(),
        "" => read.document.clone(),
        n => n.chars().take(200).collect(),
    };
    let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(bytes));
    let doc = vulndesk_store::findings::VexDocument {
        id: crate::auth::random_uuid().to_string(),
        name,
        format: format.to_owned(),
        sha256,
        document: String::from_utf8_lossy(bytes).into_owned(),
        uploaded_at: state.clock.now(),
        uploaded_by: ctx.actor_name(),
    };
    match state.store.add_vex_document(org.id, &doc, &ctx.audit(state.clock.now())).await {
        Ok(()) => {}
        Err(vulndesk_store::StoreError::Conflict(_)) => {
            return Err(AppError::Conflict("conflict-vex-duplicate", vec![("sha256", doc.sha256)]));
        }
        Err(e) => return Err(e.into()),
    }
    let report = rematch(state, ctx, org).await?;
    let view = list_vex(state, ctx, org).await?.into_iter().find(|v| v.id == doc.id).ok_or(AppError::NotFound)?;
    Ok((view, report))
}

/// Removes an uploaded VEX document and re-matches: findings it closed reopen if still matched.
pub(crate) async fn remove_vex(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    id: &str,
) -> Result<(), AppError> {
    ctx.require(Action::ManageCatalogue(org.id))?;
    state.store.remove_vex_document(org.id, id, &ctx.audit(state.clock.now())).await?;
    rematch(state, ctx, org).await?;
    Ok(())
}

/// What an SBOM import did to an asset.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct SbomImported {
    /// Components with a package URL, now the asset's components.
    pub(crate) components: usize,
    /// Components without a package URL, not matched.
    pub(crate) without_purl: usize,
    /// Findings the re-match opened.
    pub(crate) new_findings: usize,
}

/// Replaces an asset's components with those of its SBOM (CycloneDX or SPDX, any form vulndesk
/// reads) and re-matches (catalogue keepers).
pub(crate) async fn import_sbom(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    asset: &str,
    bytes: Vec<u8>,
) -> Result<SbomImported, AppError> {
    ctx.require(Action::ManageCatalogue(org.id))?;
    if !state.store.assets_of(org.id).await?.iter().any(|a| a.id == asset) {
        return Err(AppError::NotFound);
    }
    let (sbom, _) = tokio::task::spawn_blocking(move || vulndesk_formats::sbom::read_sbom(&bytes))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| {
            AppError::Validation(vec![FieldError::new("sbom", "sbom-invalid").with("reason", e.to_string())])
        })?;
    let mut purls: Vec<String> =
        sbom.components.iter().filter_map(|c| c.purl.as_ref().map(ToString::to_string)).collect();
    purls.sort();
    purls.dedup();
    let without_purl = sbom.components.iter().filter(|c| c.purl.is_none()).count();
    let source = format!("{} {}", sbom.format.as_str(), sbom.name.unwrap_or_default());
    state
        .store
        .set_asset_components(org.id, asset, &purls.join("\n"), source.trim(), &ctx.audit(state.clock.now()))
        .await?;
    let report = rematch(state, ctx, org).await?;
    Ok(SbomImported { components: purls.len(), without_purl, new_findings: report.new })
}

/// The organisation's assets as CSV in the import's columns. De-identified by default (Art.
/// 9(2)): host names and addresses are left empty unless the caller may see them and asks
/// (`restricted`), and that export is audited. Cells a spreadsheet would read as formulas are
/// quoted.
pub(crate) async fn export_csv(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    restricted: bool,
) -> Result<String, AppError> {
    ctx.require(Action::ViewCatalogue(org.id))?;
    let assets = state.store.assets_of(org.id).await?;
    if restricted {
        ctx.require(Action::ManageCatalogue(org.id))?;
        let details = serde_json::json!({"assets": assets.len()});
        state
            .store
            .record_audit(&ctx.audit(state.clock.now()).event(
                "asset.restricted_export",
                "organisation",
                &org.id.to_string(),
                Some(org.id.to_string()),
                details.to_string(),
            ))
            .await?;
    }
    let cell = crate::rewards::csv_cell;
    let list = |s: &str| s.lines().collect::<Vec<_>>().join(";");
    let mut out = format!("{}\r\n", CSV_COLUMNS.join(","));
    for a in &assets {
        let row = [
            cell(&a.name),
            if restricted { cell(&list(&a.hostnames)) } else { String::new() },
            if restricted { cell(&list(&a.addresses)) } else { String::new() },
            cell(&a.owner),
            cell(&a.location),
            cell(&a.exposure),
            a.protection_level.to_string(),
            a.critical_infrastructure.to_string(),
            cell(&a.vendor),
            cell(&a.product),
            cell(&a.model),
            cell(&a.version),
            cell(&list(&a.components)),
        ];
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    Ok(out)
}
