//! Article 7(2) reports to the authority, shared by pages and API: a draft prefilled from the
//! case (its assessment, its impact in the catalogue, its identifiers), edited, then recorded as
//! submitted (manually: when, the authority's receipt number, evidence). The core names the
//! mandatory fields still empty; a report with any cannot be submitted. The JSON document's
//! schema is `docs/authority-report.schema.json` (`vulndesk-authority-report/1`).

use std::collections::BTreeSet;

use serde::Deserialize;
use vulndesk_core::authority::{Field, Mandatory, ReportKind, SubLibrary, missing};
use vulndesk_core::case::{Case, CaseState};
use vulndesk_core::{Action, Locale, Organisation};
use vulndesk_store::StoreError;
use vulndesk_store::authority::{AuthorityReport, Submission};

use crate::auth::RequestCtx;
use crate::error::{AppError, FieldError};
use crate::i18n::Tr;
use crate::state::AppState;

/// The schema name and version of the JSON document.
pub(crate) const SCHEMA: &str = "vulndesk-authority-report/1";

/// The report's editable content (page form and API body).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub(crate) struct AuthorityForm {
    /// `general`, `industrial_control`, `mobile_application` or `connected_vehicle`.
    #[serde(default)]
    pub(crate) sub_library: String,
    /// `network_device`, `security_device`, `industrial_control`, `iot_device`,
    /// `operating_system`, `application`, `mobile_application`, `connected_vehicle`, `other`, or
    /// empty (optional; the sharing platform counts reports by it).
    #[serde(default)]
    pub(crate) product_type: String,
    #[serde(default)]
    pub(crate) product_name: String,
    #[serde(default)]
    pub(crate) model: String,
    #[serde(default)]
    pub(crate) versions: String,
    #[serde(default)]
    pub(crate) characteristics: String,
    #[serde(default)]
    pub(crate) harm: String,
    #[serde(default)]
    pub(crate) scope_of_impact: String,
    #[serde(default)]
    pub(crate) fix_status: String,
    #[serde(default)]
    pub(crate) provider_contact: String,
}

/// A submission made on the authority's own site.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub(crate) struct SubmissionForm {
    /// When it was filed (RFC 3339 or `YYYY-MM-DDTHH:MM`, UTC); defaults to now.
    #[serde(default)]
    pub(crate) submitted_at: String,
    /// The receipt number the authority gave.
    #[serde(default)]
    pub(crate) receipt_number: String,
    /// What proves it (a note, where the screenshot is kept).
    #[serde(default)]
    pub(crate) evidence: String,
}

fn joined(items: impl IntoIterator<Item = String>) -> String {
    items.into_iter().collect::<BTreeSet<_>>().into_iter().collect::<Vec<_>>().join("、")
}

fn fix_status(tr: &Tr, state: CaseState) -> String {
    tr.t(match state {
        CaseState::Fixed | CaseState::Disclosed | CaseState::Closed => "authority-fix-fixed",
        CaseState::Remediation => "authority-fix-in-progress",
        _ => "authority-fix-none",
    })
}

/// A new draft for the case, filled from what vulndesk knows: the assessment (the Chinese text,
/// since the report is filed in Chinese), the product versions its components reach in the
/// catalogue (else the product named in its first report), its identifiers and grade.
pub(crate) async fn prefill(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    case: &Case,
    kind: ReportKind,
    updates: Option<String>,
) -> Result<AuthorityReport, AppError> {
    let tr = Tr::new(Locale::ZhCn);
    let impact = crate::catalogue::impact(state, case).await?;
    let versions = state.store.product_versions_of(org.id).await?;
    let reached: Vec<_> = versions.iter().filter(|v| impact.product_versions.contains(&v.label())).collect();
    let (mut product_name, mut model, mut version_list) = (
        joined(reached.iter().map(|v| v.product_name.clone())),
        joined(reached.iter().map(|v| if v.model.is_empty() { v.product_name.clone() } else { v.model.clone() })),
        joined(reached.iter().map(|v| v.version.clone())),
    );
    if product_name.is_empty()
        && let Some(first) = state.store.case_reports(case.id).await?.first()
        && let Some(report) = state.store.report(*first).await?
    {
        product_name = report.product.clone();
        version_list = report.version.clone();
        model.clone_from(&report.product);
    }
    let gbt = state.store.gbt_grading(case.id).await?.map(|g| g.comprehensive).unwrap_or_default();
    let components = state
        .store
        .case_components(case.id)
        .await?
        .into_iter()
        .map(|c| format!("{} {}", c.purl, c.vers))
        .collect::<Vec<_>>()
        .join("\n");
    let user = ctx.user()?;
    let now = state.clock.now();
    Ok(AuthorityReport {
        id: crate::auth::random_uuid().to_string(),
        org: org.id,
        case: case.id,
        seq: 0,
        kind: kind.as_str().into(),
        updates,
        sub_library: SubLibrary::General.as_str().into(),
        product_type: String::new(),
        product_name,
        model,
        versions: version_list,
        characteristics: case.characteristics.clone(),
        harm: case.harm.clone(),
        scope_of_impact: case.scope_of_impact.clone(),
        cvss_vector: case.cvss_vector.clone(),
        cvss_score: case.cvss_score.clone(),
        grade: case.grade.clone(),
        gbt_grade: gbt,
        identifiers: state.store.aliases_of(case.id).await?.join(" "),
        fix_status: fix_status(&tr, case.state),
        provider_name: org.name.clone(),
        provider_contact: if user.email.is_empty() {
            String::new()
        } else {
            format!("{} <{}>", user.display_name, user.email)
        },
        aware_at: case.aware_at,
        components,
        status: "draft".into(),
        submitted_at: None,
        channel: String::new(),
        receipt_number: String::new(),
        evidence: String::new(),
        submitted_by: String::new(),
        created_at: now,
        updated_at: now,
    })
}

/// Starts the case's next report: the initial one, or (once one was submitted) an update that
/// follows on the latest submitted report. A second draft beside an open one is refused.
pub(crate) async fn start(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    case: &Case,
) -> Result<AuthorityReport, AppError> {
    ctx.require(Action::ManageCases(org.id))?;
    let existing = state.store.authority_reports_of(case.id).await?;
    if existing.iter().any(|r| r.status == "draft") {
        return Err(AppError::Conflict("conflict-authority-draft-open", Vec::new()));
    }
    let last_submitted = existing.iter().rev().find(|r| r.status == "submitted").map(|r| r.id.clone());
    let kind = if last_submitted.is_some() { ReportKind::Update } else { ReportKind::Initial };
    let draft = prefill(state, ctx, org, case, kind, last_submitted).await?;
    Ok(state.store.create_authority_report(&draft, &ctx.audit(state.clock.now())).await?)
}

/// The case's report number `seq`.
pub(crate) async fn report(state: &AppState, case: &Case, seq: &str) -> Result<AuthorityReport, AppError> {
    let seq: i64 = seq.parse().map_err(|_| AppError::NotFound)?;
    state.store.authority_reports_of(case.id).await?.into_iter().find(|r| r.seq == seq).ok_or(AppError::NotFound)
}

fn check_len(e: &mut Vec<FieldError>, field: &str, value: &str, max: usize) {
    if value.chars().count() > max {
        e.push(FieldError::new(field, "text-too-long").with("max", max));
    }
}

/// Saves a draft's content. A submitted report never changes (409).
pub(crate) async fn save(
    state: &AppState,
    ctx: &RequestCtx,
    report: &AuthorityReport,
    f: &AuthorityForm,
) -> Result<(), AppError> {
    ctx.require(Action::ManageCases(report.org))?;
    let mut e = Vec::new();
    let library = if f.sub_library.trim().is_empty() { "general" } else { f.sub_library.trim() };
    if SubLibrary::parse(library).is_none() {
        e.push(FieldError::new("sub_library", "invalid-choice").with("value", library));
    }
    let product_type = f.product_type.trim();
    if !product_type.is_empty() && vulndesk_core::authority::ProductType::parse(product_type).is_none() {
        e.push(FieldError::new("product_type", "invalid-choice").with("value", product_type));
    }
    for (field, value, max) in [
        ("product_name", &f.product_name, 200),
        ("model", &f.model, 500),
        ("versions", &f.versions, 1000),
        ("characteristics", &f.characteristics, 10_000),
        ("harm", &f.harm, 10_000),
        ("scope_of_impact", &f.scope_of_impact, 10_000),
        ("fix_status", &f.fix_status, 2000),
        ("provider_contact", &f.provider_contact, 500),
    ] {
        check_len(&mut e, field, value, max);
    }
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    let mut r = report.clone();
    r.sub_library = library.to_owned();
    r.product_type = product_type.to_owned();
    r.product_name = f.product_name.trim().to_owned();
    r.model = f.model.trim().to_owned();
    r.versions = f.versions.trim().to_owned();
    r.characteristics = f.characteristics.trim().to_owned();
    r.harm = f.harm.trim().to_owned();
    r.scope_of_impact = f.scope_of_impact.trim().to_owned();
    r.fix_status = f.fix_status.trim().to_owned();
    r.provider_contact = f.provider_contact.trim().to_owned();
    state.store.update_authority_report(&r, &ctx.audit(state.clock.now())).await.map_err(refused)
}

fn refused(e: StoreError) -> AppError {
    match e {
        StoreError::Refused(_) => AppError::Conflict("conflict-authority-submitted", Vec::new()),
        other => other.into(),
    }
}

/// The fields still empty.
pub(crate) fn missing_fields(r: &AuthorityReport) -> Vec<Field> {
    missing(&Mandatory {
        product_name: &r.product_name,
        model: &r.model,
        versions: &r.versions,
        characteristics: &r.characteristics,
        harm: &r.harm,
        scope_of_impact: &r.scope_of_impact,
        provider_contact: &r.provider_contact,
    })
}

/// The labels of the missing fields in `tr`'s language.
pub(crate) fn missing_labels(tr: &Tr, r: &AuthorityReport) -> Vec<String> {
    missing_fields(r).iter().map(|f| tr.t(&format!("authority-field-{}", f.as_str()))).collect()
}

/// Records a submission made on the authority's site. Refused (409, naming each empty field)
/// while anything mandatory is empty; the receipt number is required; the time may not lie in
/// the future or before the case's `aware_at`.
pub(crate) async fn submit_manual(
    state: &AppState,
    ctx: &RequestCtx,
    report: &AuthorityReport,
    f: &SubmissionForm,
) -> Result<(), AppError> {
    ctx.require(Action::ManageCases(report.org))?;
    let labels = missing_labels(&ctx.tr, report);
    if !labels.is_empty() {
        return Err(AppError::Refused(ctx.tr.t1("authority-missing", "fields", labels.join("、"))));
    }
    let now = state.clock.now();
    let mut e = Vec::new();
    let at = match f.submitted_at.trim() {
        "" => Some(now),
        t => match crate::cases::parse_time(t) {
            Some(at) if at > now => {
                e.push(FieldError::new("submitted_at", "time-in-future").with("value", t));
                None
            }
            Some(at) if at < report.aware_at => {
                e.push(FieldError::new("submitted_at", "authority-before-aware").with("value", t));
                None
            }
            Some(at) => Some(at),
            None => {
                e.push(FieldError::new("submitted_at", "date-time-invalid").with("value", t));
                None
            }
        },
    };
    let receipt = f.receipt_number.trim();
    if receipt.is_empty() {
        e.push(FieldError::new("receipt_number", "field-required"));
    }
    check_len(&mut e, "receipt_number", receipt, 200);
    check_len(&mut e, "evidence", &f.evidence, 4000);
    let Some(at) = at.filter(|_| e.is_empty()) else { return Err(AppError::Validation(e)) };
    let s = Submission {
        at,
        channel: "manual".into(),
        receipt_number: receipt.to_owned(),
        evidence: f.evidence.trim().to_owned(),
    };
    state.store.record_authority_submission(report, &s, &ctx.audit(now)).await.map_err(refused)
}

/// The report as the JSON document of `docs/authority-report.schema.json`.
pub(crate) fn document(org: &Organisation, case: &Case, r: &AuthorityReport) -> serde_json::Value {
    let lines = |s: &str| s.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect::<Vec<_>>();
    let mut doc = serde_json::json!({
        "schema": SCHEMA,
        "id": r.id,
        "kind": r.kind,
        "sequence": r.seq,
        "updates": r.updates,
        "sub_library": r.sub_library,
        "provider": {"name": r.provider_name, "organisation": org.slug.as_str(), "contact": r.provider_contact},
        "case": {"number": case.number, "title": case.title, "aware_at": r.aware_at.to_rfc3339()},
        "product_name": r.product_name,
        "model": r.model,
        "versions": r.versions,
        "characteristics": r.characteristics,
        "harm": r.harm,
        "scope_of_impact": r.scope_of_impact,
        "severity": {"cvss_vector": r.cvss_vector, "cvss_score": r.cvss_score, "grade": r.grade, "gbt30279_grade": r.gbt_grade},
        "identifiers": r.identifiers.split_whitespace().collect::<Vec<_>>(),
        "fix_status": r.fix_status,
        "components": lines(&r.components),
        "status": r.status,
        "submission": r.submitted_at.map(|at| serde_json::json!({
            "submitted_at": at.to_rfc3339(), "channel": r.channel, "receipt_number": r.receipt_number,
            "on_time": vulndesk_core::authority::on_time(r.aware_at, at)})),
    });
    if !r.product_type.is_empty() {
        doc["product_type"] = serde_json::Value::from(r.product_type.clone());
    }
    doc
}
