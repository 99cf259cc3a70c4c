//! Fixes, advisories and the publication gate, shared by pages and API (Art. 7(3), Art. 9).
//!
//! A case's advisory is drafted (prefilled from the case), reviewed by someone other than its
//! last editor, and published only through [`vulndesk_core::gate`]: every attempt stores the
//! gate's whole decision; an allowed one renders the advisory as CSAF 2.0 (and CSAF VEX when
//! asked), OSV and, with a CVE id and English text, CVE JSON 5, signs each with the provider's
//! OpenPGP key, and stores the bytes, hashes and signatures with the revision in one
//! transaction. The CSAF provider tree and the public pages serve those stored bytes.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use sha2::Digest;
use vulndesk_core::case::Case;
use vulndesk_core::gate::{self, EarlyRelease, GateAction, GateDecision, GateFacts, Recipient, Verdict};
use vulndesk_core::{Action, Organisation, ProductVersionId, Timestamp};
use vulndesk_formats::advisory::{
    AdvisoryDoc, AffectedPackage, DocStatus, Product, ProductState, ProductStatus, Profile, Publisher, Reference,
    Remediation, RemediationKind, Revision, Score, Tlp, Vulnerability,
};
use vulndesk_store::StoreError;
use vulndesk_store::publication::{
    Advisory, AdvisoryDocument, Blackout, CaseFix, EVIDENCE_KINDS, GateEvidence, StoredGateDecision,
};

use crate::auth::RequestCtx;
use crate::error::{AppError, FieldError};
use crate::state::AppState;
use crate::validate;

/// A fix as submitted (form or JSON).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub(crate) struct FixForm {
    /// The product version's id.
    #[serde(default)]
    pub(crate) product_version: String,
    /// `vendor_fix`, `mitigation`, `workaround`, `no_fix_planned`, `none_available`.
    #[serde(default)]
    pub(crate) kind: String,
    /// The version with the fix.
    #[serde(default)]
    pub(crate) fixed_in: String,
    /// Release date, `YYYY-MM-DD`.
    #[serde(default)]
    pub(crate) released_on: String,
    #[serde(default)]
    pub(crate) details: String,
    #[serde(default)]
    pub(crate) details_en: String,
    #[serde(default)]
    pub(crate) url: String,
    /// Users must upgrade software or firmware (a checkbox: any value is yes).
    #[serde(default, deserialize_with = "crate::pages::programs::flag")]
    pub(crate) users_must_act: bool,
}

fn date_field(field: &str, s: &str) -> Result<Option<Timestamp>, FieldError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    Timestamp::parse_rfc3339(&format!("{s}T00:00:00Z"))
        .or_else(|| Timestamp::parse_rfc3339(s))
        .map(Some)
        .ok_or_else(|| FieldError::new(field, "invalid-date").with("value", s))
}

fn url_field(field: &str, s: &str) -> Result<String, FieldError> {
    let s = s.trim();
    if s.is_empty() || (crate::validate::http_url(s) && s.len() <= 2000) {
        Ok(s.to_owned())
    } else {
        Err(FieldError::new(field, "invalid-url").with("value", s))
    }
}

/// Records (or replaces) the fix for one product version of the case.
pub(crate) async fn put_fix(state: &AppState, ctx: &RequestCtx, case: &Case, f: &FixForm) -> Result<(), AppError> {
    ctx.require(Action::ManageCases(case.org))?;
    let mut e = Vec::new();
    let version: Option<ProductVersionId> = match f.product_version.trim().parse() {
        Ok(v) => Some(v),
        Err(_) => {
            e.push(FieldError::new("product_version", "field-required"));
            None
        }
    };
    let kind = RemediationKind::parse(f.kind.trim());
    if kind.is_none() {
        e.push(FieldError::new("kind", "unknown-action").with("value", f.kind.trim()));
    }
    let fixed_in = validate::optional_text("fixed_in", &f.fixed_in, 200).map_err(|x| e.push(x)).ok();
    if kind == Some(RemediationKind::VendorFix) && f.fixed_in.trim().is_empty() {
        e.push(FieldError::new("fixed_in", "field-required"));
    }
    let released_at = date_field("released_on", &f.released_on).map_err(|x| e.push(x)).ok().flatten();
    let details = validate::optional_text("details", &f.details, 4000).map_err(|x| e.push(x)).ok();
    let details_en = validate::optional_text("details_en", &f.details_en, 4000).map_err(|x| e.push(x)).ok();
    if f.details.trim().is_empty() && f.details_en.trim().is_empty() {
        e.push(FieldError::new("details", "field-required"));
    }
    let url = url_field("url", &f.url).map_err(|x| e.push(x)).ok();
    let (Some(version), Some(kind), Some(fixed_in), Some(details), Some(details_en), Some(url), true) =
        (version, kind, fixed_in, details, details_en, url, e.is_empty())
    else {
        return Err(AppError::Validation(e));
    };
    let pv = state.store.product_version(version).await?.filter(|v| v.org == case.org);
    if pv.is_none() {
        return Err(AppError::Validation(vec![
            FieldError::new("product_version", "unknown-product-version").with("value", f.product_version.trim()),
        ]));
    }
    let now = state.clock.now();
    let fix = CaseFix {
        id: crate::auth::random_uuid().to_string(),
        case: case.id,
        product_version: version,
        kind: kind.as_str().into(),
        fixed_in,
        released_at,
        details,
        details_en,
        url,
        users_must_act: f.users_must_act,
        created_by: ctx.actor_name(),
        created_at: now,
        updated_at: now,
    };
    state.store.put_fix(case.org, &fix, &ctx.audit(now)).await.map_err(|e| match e {
        StoreError::NotFound => AppError::NotFound,
        other => other.into(),
    })
}

/// Removes a fix record.
pub(crate) async fn remove_fix(state: &AppState, ctx: &RequestCtx, case: &Case, id: &str) -> Result<(), AppError> {
    ctx.require(Action::ManageCases(case.org))?;
    Ok(state.store.remove_fix(case.org, case.id, id, &ctx.audit(state.clock.now())).await?)
}

/// An advisory's content as submitted.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub(crate) struct AdvisoryForm {
    /// `CLEAR`, `GREEN`, `AMBER` or `RED`.
    #[serde(default)]
    pub(crate) tlp: String,
    #[serde(default)]
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) title_en: String,
    #[serde(default)]
    pub(crate) summary: String,
    #[serde(default)]
    pub(crate) summary_en: String,
    #[serde(default)]
    pub(crate) description: String,
    #[serde(default)]
    pub(crate) description_en: String,
    /// One `URL summary` per line.
    #[serde(default)]
    pub(crate) refs: String,
    /// Credit names, one per line.
    #[serde(default)]
    pub(crate) acknowledgments: String,
    #[serde(default)]
    pub(crate) cve: String,
    /// The severity the advisory states.
    #[serde(default)]
    pub(crate) severity: String,
    /// Also publish CSAF VEX.
    #[serde(default, deserialize_with = "crate::pages::programs::flag")]
    pub(crate) vex: bool,
}

/// The severity as assessed on the case, in the one form the advisory states it.
pub(crate) fn assessed_severity(case: &Case) -> String {
    [case.cvss_vector.as_str(), case.cvss_score.as_str(), case.grade.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ")
}

fn digest(a: &Advisory) -> String {
    let mut h = sha2::Sha256::new();
    for part in [
        a.tlp.as_str(),
        &a.title,
        &a.title_en,
        &a.summary,
        &a.summary_en,
        &a.description,
        &a.description_en,
        &a.refs,
        &a.acknowledgments,
        &a.cve,
        &a.severity,
        if a.vex { "vex" } else { "" },
    ]
    .iter()
    .map(|s| s.as_bytes())
    {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    hex::encode(h.finalize())
}

/// The case's advisory, or a draft prefilled from the case (not stored until saved).
pub(crate) async fn advisory_or_draft(state: &AppState, case: &Case) -> Result<Advisory, AppError> {
    if let Some(a) = state.store.advisory_of(case.id).await? {
        return Ok(a);
    }
    let aliases = state.store.aliases_of(case.id).await?;
    // Credit goes to the reporters who gave a credit name (the report form's consent to be named).
    let mut credits: Vec<String> = Vec::new();
    for id in state.store.case_reports(case.id).await? {
        if let Some(r) = state.store.report(id).await? {
            let name = r.credit_name.trim().to_owned();
            if !name.is_empty() && !credits.contains(&name) {
                credits.push(name);
            }
        }
    }
    let now = state.clock.now();
    // Case numbers are per organisation, but an advisory's tracking id is unique across the
    // deployment (one CSAF provider): the first organisation to publish a number keeps it, and
    // another's advisory with the same case number is prefixed with its short name.
    let tracking_id = match state.store.advisory_by_tracking(&case.number).await? {
        Some(other) if other.org != case.org => {
            let org = state.store.org_by_id(case.org).await?.ok_or(AppError::NotFound)?;
            format!("{}-{}", org.slug.as_str().to_ascii_uppercase(), case.number)
        }
        _ => case.number.clone(),
    };
    let mut a = Advisory {
        id: crate::auth::random_uuid().to_string(),
        org: case.org,
        case: case.id,
        tracking_id,
        tlp: "CLEAR".into(),
        title: case.title.clone(),
        title_en: String::new(),
        summary: case.characteristics.clone(),
        summary_en: case.characteristics_en.clone(),
        description: [case.characteristics.as_str(), case.harm.as_str()].join("\n\n").trim().to_owned(),
        description_en: [case.characteristics_en.as_str(), case.harm_en.as_str()].join("\n\n").trim().to_owned(),
        refs: String::new(),
        acknowledgments: credits.join("\n"),
        cve: aliases.iter().find(|a| a.starts_with("CVE-")).cloned().unwrap_or_default(),
        severity: assessed_severity(case),
        vex: false,
        status: "draft".into(),
        version: 0,
        edited_by: String::new(),
        content_digest: String::new(),
        reviewed_by: String::new(),
        reviewed_digest: String::new(),
        reviewed_at: None,
        initial_release_at: None,
        current_release_at: None,
        created_at: now,
        updated_at: now,
    };
    a.content_digest = digest(&a);
    Ok(a)
}

/// Saves the advisory's content (an edit after a review makes the review stale).
pub(crate) async fn save_advisory(
    state: &AppState,
    ctx: &RequestCtx,
    case: &Case,
    f: &AdvisoryForm,
) -> Result<Advisory, AppError> {
    ctx.require(Action::EditAdvisories(case.org))?;
    let mut e = Vec::new();
    let tlp = Tlp::parse(&f.tlp);
    if tlp.is_none() {
        e.push(FieldError::new("tlp", "unknown-action").with("value", f.tlp.trim()));
    }
    let mut text =
        |field: &str, s: &str, max: usize| validate::optional_text(field, s, max).map_err(|x| e.push(x)).ok();
    let title = text("title", &f.title, 300);
    let title_en = text("title_en", &f.title_en, 300);
    let summary = text("summary", &f.summary, 2000);
    let summary_en = text("summary_en", &f.summary_en, 2000);
    let description = text("description", &f.description, 20_000);
    let description_en = text("description_en", &f.description_en, 20_000);
    let acknowledgments = text("acknowledgments", &f.acknowledgments, 2000);
    let severity = text("severity", &f.severity, 300);
    if f.title.trim().is_empty() && f.title_en.trim().is_empty() {
        e.push(FieldError::new("title", "field-required"));
    }
    let cve = f.cve.trim().to_ascii_uppercase();
    if !cve.is_empty()
        && vulndesk_formats::ident::VulnId::parse(&cve).map(|v| !v.as_str().starts_with("CVE-")).unwrap_or(true)
    {
        e.push(FieldError::new("cve", "invalid-cve").with("value", &cve));
    }
    let mut refs = Vec::new();
    for (i, line) in f.refs.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        let (url, _) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        match url_field(&format!("{}:refs", i + 1), url) {
            Ok(_) => refs.push(line.to_owned()),
            Err(x) => e.push(x),
        }
    }
    let (Some(tlp), Some(title), Some(title_en), Some(summary), Some(summary_en), Some(description)) =
        (tlp, title, title_en, summary, summary_en, description)
    else {
        return Err(AppError::Validation(e));
    };
    let (Some(description_en), Some(acknowledgments), Some(severity), true) =
        (description_en, acknowledgments, severity, e.is_empty())
    else {
        return Err(AppError::Validation(e));
    };
    let mut a = advisory_or_draft(state, case).await?;
    a.tlp = tlp.as_str().into();
    a.title = title;
    a.title_en = title_en;
    a.summary = summary;
    a.summary_en = summary_en;
    a.description = description;
    a.description_en = description_en;
    a.refs = refs.join("\n");
    a.acknowledgments = acknowledgments;
    a.cve = cve;
    a.severity = severity;
    a.vex = f.vex;
    a.content_digest = digest(&a);
    state.store.save_advisory(&a, &ctx.audit(state.clock.now())).await?;
    state.store.advisory_of(case.id).await?.ok_or(AppError::NotFound)
}

/// Records that the caller confirmed the wording of the content they saw (`digest`).
pub(crate) async fn review(state: &AppState, ctx: &RequestCtx, case: &Case, digest: &str) -> Result<(), AppError> {
    ctx.require(Action::EditAdvisories(case.org))?;
    let a = state.store.advisory_of(case.id).await?.ok_or(AppError::Conflict("conflict-advisory-unsaved", vec![]))?;
    if a.edited_by == ctx.actor_name() {
        return Err(AppError::Conflict("conflict-reviewer-is-editor", vec![]));
    }
    state.store.review_advisory(&a, digest.trim(), &ctx.audit(state.clock.now())).await.map_err(|e| match e {
        StoreError::Refused(_) => AppError::Conflict("conflict-advisory-changed", vec![]),
        other => other.into(),
    })
}

/// Records evidence on a path through the gate.
pub(crate) async fn add_evidence(
    state: &AppState,
    ctx: &RequestCtx,
    case: &Case,
    kind: &str,
    note: &str,
) -> Result<(), AppError> {
    ctx.require(Action::PublishAdvisories(case.org))?;
    let kind = kind.trim();
    let mut e = Vec::new();
    if !EVIDENCE_KINDS.contains(&kind) {
        e.push(FieldError::new("kind", "unknown-action").with("value", kind));
    }
    let note = validate::text("note", note, 4000).map_err(|x| e.push(x)).ok();
    let (Some(note), true) = (note, e.is_empty()) else { return Err(AppError::Validation(e)) };
    let now = state.clock.now();
    let ev = GateEvidence {
        id: crate::auth::random_uuid().to_string(),
        case: case.id,
        kind: kind.into(),
        note,
        recorded_by: ctx.actor_name(),
        recorded_at: now,
    };
    Ok(state.store.add_gate_evidence(case.org, &ev, &ctx.audit(now)).await?)
}

/// A blackout window as submitted by a site administrator.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub(crate) struct BlackoutForm {
    /// RFC 3339 or `YYYY-MM-DD`.
    #[serde(default)]
    pub(crate) starts: String,
    /// RFC 3339 or `YYYY-MM-DD` (exclusive).
    #[serde(default)]
    pub(crate) ends: String,
    #[serde(default)]
    pub(crate) reason: String,
}

/// Adds a blackout window for every organisation.
pub(crate) async fn add_blackout(state: &AppState, ctx: &RequestCtx, f: &BlackoutForm) -> Result<(), AppError> {
    ctx.require(Action::ManageBlackouts)?;
    let mut e = Vec::new();
    let starts = date_field("starts", &f.starts).map_err(|x| e.push(x)).ok().flatten();
    let ends = date_field("ends", &f.ends).map_err(|x| e.push(x)).ok().flatten();
    let reason = validate::text("reason", &f.reason, 500).map_err(|x| e.push(x)).ok();
    let (Some(starts_at), Some(ends_at), Some(reason)) = (starts, ends, reason) else {
        if f.starts.trim().is_empty() {
            e.push(FieldError::new("starts", "field-required"));
        }
        if f.ends.trim().is_empty() {
            e.push(FieldError::new("ends", "field-required"));
        }
        return Err(AppError::Validation(e));
    };
    if ends_at <= starts_at {
        return Err(AppError::Validation(vec![FieldError::new("ends", "invalid-date").with("value", f.ends.trim())]));
    }
    let b = Blackout { id: crate::auth::random_uuid().to_string(), org: None, starts_at, ends_at, reason };
    Ok(state.store.add_blackout(&b, &ctx.audit(state.clock.now())).await?)
}

/// What the advisory says about each affected product version.
pub(crate) struct ProductLine {
    pub(crate) id: ProductVersionId,
    pub(crate) vendor: String,
    pub(crate) product: String,
    pub(crate) version: String,
    pub(crate) label: String,
    pub(crate) fix: Option<CaseFix>,
}

/// The product versions the advisory speaks of: those the case's components reach, and those
/// with a fix record.
pub(crate) async fn product_lines(state: &AppState, case: &Case) -> Result<Vec<ProductLine>, AppError> {
    let impact = crate::catalogue::impact(state, case).await?;
    let fixes = state.store.fixes_of(case.id).await?;
    let mut ids: BTreeSet<ProductVersionId> = fixes.iter().map(|f| f.product_version).collect();
    for c in &impact.components {
        for a in &c.affected {
            if let Ok(id) = a.product_version.parse() {
                ids.insert(id);
            }
        }
    }
    let products: BTreeMap<_, _> = state.store.products_of(case.org).await?.into_iter().map(|p| (p.id, p)).collect();
    let mut out = Vec::new();
    for v in state.store.product_versions_of(case.org).await? {
        if !ids.contains(&v.id) {
            continue;
        }
        let vendor = products.get(&v.product).map(|p| p.vendor_name.clone()).unwrap_or_default();
        let product =
            if v.model.is_empty() { v.product_name.clone() } else { format!("{} {}", v.product_name, v.model) };
        out.push(ProductLine {
            id: v.id,
            vendor,
            product,
            version: v.version.clone(),
            label: v.label(),
            fix: fixes.iter().find(|f| f.product_version == v.id).cloned(),
        });
    }
    Ok(out)
}

/// The names the organisation keeps about in-use systems (customers and their deployments),
/// which no public artefact may carry (rule 2).
async fn in_use_names(state: &AppState, case: &Case) -> Result<Vec<String>, AppError> {
    let mut names: Vec<String> = state.store.customers_of(case.org).await?.into_iter().map(|c| c.name).collect();
    names.extend(state.store.deployments_of(case.org).await?.into_iter().map(|d| d.note).filter(|n| n.len() >= 6));
    Ok(names)
}

/// Gathers what the gate looks at for publishing (or exporting) the case's advisory now.
pub(crate) async fn gate_facts(
    state: &AppState,
    case: &Case,
    a: &Advisory,
    now: Timestamp,
) -> Result<(GateFacts, Vec<ProductLine>), AppError> {
    let lines = product_lines(state, case).await?;
    let evidence = state.store.gate_evidence_of(case.id).await?;
    let has = |k: &str| evidence.iter().any(|e| e.kind == k);
    let versions: Vec<&str> = lines.iter().map(|l| l.version.as_str()).collect();
    let known = in_use_names(state, case).await?;
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    let mut in_use = Vec::new();
    for (field, text) in [
        ("title", &a.title),
        ("title_en", &a.title_en),
        ("summary", &a.summary),
        ("summary_en", &a.summary_en),
        ("description", &a.description),
        ("description_en", &a.description_en),
        ("refs", &a.refs),
    ] {
        in_use.extend(gate::in_use_details(field, text, &known, &versions));
    }
    let mut exploits = Vec::new();
    for report in state.store.case_reports(case.id).await? {
        for att in state.store.attachments_of(report).await? {
            if att.tag.as_str() == "exploit" {
                let public_text = [&a.refs, &a.description, &a.description_en, &a.summary, &a.summary_en];
                if public_text.iter().any(|t| t.contains(&att.filename) || t.contains(&att.sha256)) {
                    exploits.push(att.filename.clone());
                }
            }
        }
    }
    let blackout = state
        .store
        .blackouts_for(case.org, now)
        .await?
        .into_iter()
        .find(|b| b.starts_at <= now)
        .map(|b| format!("{} – {}: {}", b.starts_at.to_rfc3339(), b.ends_at.to_rfc3339(), b.reason));
    let tlp = Tlp::parse(&a.tlp).unwrap_or(Tlp::Red);
    let facts = GateFacts {
        undisclosed: !case.state.is_disclosed(),
        public: tlp.is_public(),
        fix_or_mitigation: lines.iter().any(|l| l.fix.as_ref().is_some_and(CaseFix::is_remedy)),
        early_release: EarlyRelease {
            joint_assessment: has("joint_assessment"),
            reported_to_authorities: has("authority_report"),
            authority_outcome: has("authority_outcome"),
        },
        in_use_details: in_use,
        assessed_severity: assessed_severity(case),
        published_severity: a.severity.trim().to_owned(),
        wording_reviewed: a.wording_reviewed(),
        exploit_attachments: exploits,
        products_without_remedy: lines
            .iter()
            .filter(|l| !l.fix.as_ref().is_some_and(CaseFix::is_remedy))
            .map(|l| l.label.clone())
            .collect(),
        blackout,
        blackout_consent: has("mps_consent"),
        recipient: None,
    };
    Ok((facts, lines))
}

/// A decision as JSON for storage and the API.
pub(crate) fn outcomes_json(d: &GateDecision) -> serde_json::Value {
    serde_json::Value::Array(
        d.outcomes
            .iter()
            .map(|o| {
                let args: serde_json::Map<String, serde_json::Value> = o
                    .evidence_args
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), serde_json::Value::from(v.clone())))
                    .collect();
                serde_json::json!({"rule": o.rule, "verdict": verdict_name(&o.verdict), "evidence": o.evidence,
                    "evidence_key": o.evidence_key, "evidence_args": args, "unblock": o.unblock})
            })
            .collect(),
    )
}

pub(crate) fn verdict_name(v: &Verdict) -> &'static str {
    match v {
        Verdict::NotApplicable => "not_applicable",
        Verdict::Pass => "pass",
        Verdict::PassByRecord => "pass_by_record",
        Verdict::Block => "block",
    }
}

fn stored(ctx: &RequestCtx, case: &Case, d: &GateDecision, target: &str) -> StoredGateDecision {
    StoredGateDecision {
        id: crate::auth::random_uuid().to_string(),
        org: case.org,
        case: case.id,
        action: d.action.as_str().into(),
        target: target.into(),
        allowed: d.allowed(),
        outcomes: outcomes_json(d).to_string(),
        requested_by: ctx.actor_name(),
        decided_at: d.at,
    }
}

/// Runs the gate for sharing undisclosed case information with one recipient, records the
/// decision (and, when refused, the `share.denied_abroad` audit event), and answers whether it
/// may go.
pub(crate) async fn gate_share(
    state: &AppState,
    ctx: &RequestCtx,
    case: &Case,
    recipient: Recipient,
    kind: &str,
) -> Result<bool, AppError> {
    let now = state.clock.now();
    let facts = GateFacts {
        undisclosed: !case.state.is_disclosed(),
        recipient: Some(recipient.clone()),
        ..GateFacts::default()
    };
    let d = gate::decide(GateAction::Share, &facts, now);
    let target = format!("{kind}: {} ({})", recipient.name, recipient.jurisdiction);
    state.store.record_gate_decision(&stored(ctx, case, &d, &target), &ctx.audit(now)).await?;
    if !d.allowed() {
        let details =
            serde_json::json!({"recipient": recipient.name, "jurisdiction": recipient.jurisdiction, "kind": kind});
        state
            .store
            .record_audit(&ctx.audit(now).event(
                "share.denied_abroad",
                "case",
                &case.id.to_string(),
                Some(case.org.to_string()),
                details.to_string(),
            ))
            .await?;
    }
    Ok(d.allowed())
}

/// The gate's answer for publishing the advisory now (nothing recorded: a preview).
/// Also answers the product lines it looked at, so a caller need not compute the impact again.
pub(crate) async fn preview_gate(
    state: &AppState,
    case: &Case,
    a: &Advisory,
) -> Result<(GateDecision, Vec<ProductLine>), AppError> {
    let now = state.clock.now();
    let (facts, lines) = gate_facts(state, case, a, now).await?;
    Ok((gate::decide(GateAction::Publish, &facts, now), lines))
}

fn score(vector: &str) -> Option<Score> {
    let v = vulndesk_formats::cvss::parse(vector).ok()?;
    let s = v.scores();
    Some(Score { vector: vector.to_owned(), base_score: s.base_score, severity: s.base_severity.name().to_uppercase() })
}

/// Turns a `vers:` range into OSV events and listed versions.
fn vers_events(vers: &str) -> (Vec<(String, String)>, Vec<String>) {
    let constraints = vers.split_once('/').map_or("", |(_, c)| c);
    let (mut events, mut versions) = (Vec::new(), Vec::new());
    let mut open = false;
    for c in constraints.split('|').map(str::trim).filter(|c| !c.is_empty() && *c != "*") {
        let (op, v) = if let Some(v) = c.strip_prefix(">=") {
            (">=", v)
        } else if let Some(v) = c.strip_prefix("<=") {
            ("<=", v)
        } else if let Some(v) = c.strip_prefix('>') {
            (">", v)
        } else if let Some(v) = c.strip_prefix('<') {
            ("<", v)
        } else if let Some(v) = c.strip_prefix("!=") {
            ("!=", v)
        } else {
            ("=", c.trim_start_matches('='))
        };
        let v = v.trim().to_owned();
        match op {
            ">=" | ">" => {
                events.push(("introduced".into(), v));
                open = true;
            }
            "<" | "<=" => {
                if !open {
                    events.push(("introduced".into(), "0".into()));
                }
                events.push((if op == "<" { "fixed" } else { "last_affected" }.into(), v));
                open = false;
            }
            "=" => versions.push(v),
            _ => {}
        }
    }
    (events, versions)
}

/// One advisory in one language, from the stored record, the case and the catalogue.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn build_doc(
    state: &AppState,
    org: &Organisation,
    case: &Case,
    a: &Advisory,
    zh: bool,
    version: i64,
    now: Timestamp,
    base: &str,
    lines: &[ProductLine],
) -> Result<AdvisoryDoc, AppError> {
    let pick = |zh_text: &str, en_text: &str| -> String {
        if zh && !zh_text.trim().is_empty() || !zh && en_text.trim().is_empty() {
            zh_text.to_owned()
        } else {
            en_text.to_owned()
        }
    };
    let mut products = Vec::new();
    let mut states = Vec::new();
    let mut remediations = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let id = format!("VDPV-{}", i + 1);
        products.push(Product {
            id: id.clone(),
            vendor: l.vendor.clone(),
            name: l.product.clone(),
            version: l.version.clone(),
            purl: None,
        });
        states.push(ProductState { product_id: id.clone(), status: ProductStatus::KnownAffected });
        if let Some(f) = &l.fix {
            let mut ids = vec![id.clone()];
            if f.kind == "vendor_fix" && !f.fixed_in.is_empty() {
                let fixed_id = format!("VDPV-{}-FIX", i + 1);
                products.push(Product {
                    id: fixed_id.clone(),
                    vendor: l.vendor.clone(),
                    name: l.product.clone(),
                    version: f.fixed_in.clone(),
                    purl: None,
                });
                states.push(ProductState { product_id: fixed_id.clone(), status: ProductStatus::Fixed });
                ids = vec![id.clone()];
            }
            remediations.push(Remediation {
                kind: RemediationKind::parse(&f.kind).unwrap_or(RemediationKind::NoneAvailable),
                details: pick(&f.details, &f.details_en),
                url: (!f.url.is_empty()).then(|| f.url.clone()),
                product_ids: ids,
                date: f.released_at.map(Timestamp::to_rfc3339),
            });
        }
    }
    let mut packages = Vec::new();
    for c in state.store.case_components(case.id).await? {
        let (events, versions) = vers_events(&c.vers);
        packages.push(AffectedPackage {
            ecosystem: c.ecosystem.clone(),
            name: c.package_key.clone(),
            purl: Some(c.purl.clone()),
            events,
            range_type: "ECOSYSTEM".into(),
            versions,
        });
    }
    let self_url = format!("{base}/advisories/{}", a.tracking_id);
    let mut references = vec![Reference { url: self_url, summary: "vulndesk advisory".into(), is_self: true }];
    for line in a.refs.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (url, summary) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        references.push(Reference { url: url.into(), summary: summary.trim().into(), is_self: false });
    }
    let acknowledgments: Vec<String> =
        a.acknowledgments.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
    let (cvss_v3, cvss_v4) = if case.cvss_vector.starts_with("CVSS:4") {
        (None, score(&case.cvss_vector))
    } else {
        (score(&case.cvss_vector), None)
    };
    let cwe = (!case.cwe.is_empty()).then(|| {
        let id = if case.cwe.starts_with("CWE-") { case.cwe.clone() } else { format!("CWE-{}", case.cwe) };
        let name = id
            .trim_start_matches("CWE-")
            .parse::<u32>()
            .ok()
            .and_then(vulndesk_formats::cwe::get)
            .map(|w| w.name.to_owned())
            .unwrap_or_default();
        (id, name)
    });
    let grade = (!case.grade.is_empty()).then(|| grade_zh(&case.grade).to_owned());
    let mut revisions: Vec<Revision> = state
        .store
        .advisory_revisions(&a.id)
        .await?
        .into_iter()
        .map(|r| Revision { number: r.number.to_string(), date: r.released_at.to_rfc3339(), summary: r.summary })
        .collect();
    revisions.retain(|r| r.number.parse::<i64>().is_ok_and(|n| n < version));
    let initial = a.initial_release_at.unwrap_or(now).to_rfc3339();
    revisions.push(Revision {
        number: version.to_string(),
        date: now.to_rfc3339(),
        summary: if version == 1 { "Initial release".into() } else { format!("Version {version}") },
    });
    let vulnerability = Vulnerability {
        cve: (!a.cve.is_empty()).then(|| a.cve.clone()),
        ids: vec![("vulndesk".into(), case.number.clone())],
        title: pick(&a.title, &a.title_en),
        description: pick(&a.description, &a.description_en),
        cwe,
        cvss_v3,
        cvss_v4,
        grade,
        discovery_date: Some(case.aware_at.to_rfc3339()),
        release_date: Some(initial.clone()),
        acknowledgments: acknowledgments.clone(),
        product_states: states,
        remediations,
        references: Vec::new(),
    };
    Ok(AdvisoryDoc {
        id: a.tracking_id.clone(),
        title: pick(&a.title, &a.title_en),
        summary: pick(&a.summary, &a.summary_en),
        lang: if zh { "zh-CN".into() } else { "en".into() },
        publisher: Publisher { name: org.name.clone(), namespace: base.to_owned(), contact: None },
        tlp: Tlp::parse(&a.tlp).unwrap_or(Tlp::Red),
        status: DocStatus::Final,
        version: version.to_string(),
        initial_release_date: initial,
        current_release_date: now.to_rfc3339(),
        revisions,
        products,
        vulnerabilities: vec![vulnerability],
        references,
        packages,
        acknowledgments,
    })
}

fn grade_zh(grade: &str) -> &str {
    match grade {
        "critical" => "超危",
        "high" => "高危",
        "medium" => "中危",
        "low" => "低危",
        other => other,
    }
}

/// The provider's signing key, made on first use.
pub(crate) async fn signing_key(
    state: &AppState,
    ctx: &RequestCtx,
    org_name: &str,
) -> Result<vulndesk_formats::openpgp::SigningKey, AppError> {
    let stored = match state.store.signing_key().await? {
        Some(k) => k,
        None => {
            let uid = format!("{org_name} CSAF provider (vulndesk)");
            let key = tokio::task::spawn_blocking(move || vulndesk_formats::openpgp::SigningKey::generate(&uid))
                .await
                .map_err(|e| AppError::Internal(format!("key generation: {e}")))?
                .map_err(|e| AppError::Internal(format!("key generation: {e}")))?;
            let candidate = vulndesk_store::publication::SigningKey {
                fingerprint: key.fingerprint(),
                secret_armored: key.to_armored_secret(),
                public_armored: key.public_armored(),
            };
            state.store.ensure_signing_key(&candidate, &ctx.audit(state.clock.now())).await?
        }
    };
    vulndesk_formats::openpgp::SigningKey::from_armored(&stored.secret_armored)
        .map_err(|e| AppError::Internal(format!("stored signing key: {e}")))
}

/// The outcome of a publication attempt.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub(crate) struct PublishOutcome {
    /// Whether it was published.
    pub(crate) published: bool,
    /// The version published (when it was).
    pub(crate) version: i64,
    /// The stored decision's id.
    pub(crate) decision: String,
    /// Every rule's outcome.
    #[schema(value_type = Object)]
    pub(crate) outcomes: serde_json::Value,
    /// The documents published, by path.
    pub(crate) documents: Vec<String>,
}

fn sha_hex<D: Digest>(bytes: &[u8]) -> String {
    hex::encode(D::digest(bytes))
}

/// Publishes the next version of the advisory through the gate. A refusal is recorded and
/// answered (published = false) with every rule's outcome.
pub(crate) async fn publish(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    case: &Case,
    summary: &str,
) -> Result<PublishOutcome, AppError> {
    ctx.require(Action::PublishAdvisories(case.org))?;
    let a = state.store.advisory_of(case.id).await?.ok_or(AppError::Conflict("conflict-advisory-unsaved", vec![]))?;
    let now = state.clock.now();
    let (facts, lines) = gate_facts(state, case, &a, now).await?;
    let decision = gate::decide(GateAction::Publish, &facts, now);
    let record = stored(ctx, case, &decision, &a.tracking_id);
    if !decision.allowed() {
        state.store.record_gate_decision(&record, &ctx.audit(now)).await?;
        return Ok(PublishOutcome {
            published: false,
            version: a.version,
            decision: record.id,
            outcomes: outcomes_json(&decision),
            documents: Vec::new(),
        });
    }
    let summary = validate::optional_text("summary", summary, 500).map_err(|e| AppError::Validation(vec![e]))?;
    let number = a.version + 1;
    let base = state.config.public_url.clone().unwrap_or_else(|| state.public_base(ctx));
    let base = base.trim_end_matches('/').to_owned();
    let zh_first = !a.title.trim().is_empty();
    let mut primary = build_doc(state, org, case, &a, zh_first, number, now, &base, &lines).await?;
    let mut english = build_doc(state, org, case, &a, false, number, now, &base, &lines).await?;
    if !summary.is_empty() {
        for doc in [&mut primary, &mut english] {
            if let Some(last) = doc.revisions.last_mut() {
                last.summary.clone_from(&summary);
            }
        }
    }
    let key = signing_key(state, ctx, &org.name).await?;
    let mut bodies: Vec<(&str, String, String)> = Vec::new();
    let csaf_path = vulndesk_formats::csaf_provider::document_path(&primary.id, &primary.initial_release_date);
    let csaf = vulndesk_formats::csaf::write(&primary, Profile::SecurityAdvisory);
    bodies.push(("csaf", csaf_path.clone(), serde_json::to_string_pretty(&csaf).unwrap_or_default()));
    if a.vex {
        let mut vex_doc = primary.clone();
        vex_doc.id = format!("{}-VEX", primary.id);
        let vex = vulndesk_formats::csaf::write(&vex_doc, Profile::Vex);
        let path = vulndesk_formats::csaf_provider::document_path(&vex_doc.id, &vex_doc.initial_release_date);
        bodies.push(("csaf_vex", path, serde_json::to_string_pretty(&vex).unwrap_or_default()));
    }
    // The HTML pages, as published, in each language the advisory has.
    if !a.title.trim().is_empty() {
        let zh = if zh_first {
            primary.clone()
        } else {
            build_doc(state, org, case, &a, true, number, now, &base, &lines).await?
        };
        bodies.push(("html_zh", format!("html/{}.zh-CN.html", a.tracking_id), crate::pages::advisory::body_html(&zh)?));
    }
    if !a.title_en.trim().is_empty() {
        bodies.push((
            "html_en",
            format!("html/{}.en.html", a.tracking_id),
            crate::pages::advisory::body_html(&english)?,
        ));
    }
    let osv = vulndesk_formats::osv_out::render(&english);
    bodies.push(("osv", format!("osv/{}.json", a.tracking_id), serde_json::to_string_pretty(&osv).unwrap_or_default()));
    if !a.cve.is_empty() && !a.title_en.trim().is_empty() {
        let zh = build_doc(state, org, case, &a, true, number, now, &base, &lines).await?;
        // A stable id for this provider in CVE records (the CVE Program assigns the real one to a CNA).
        let seed: [u8; 32] = sha2::Sha256::digest(base.as_bytes()).into();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&seed[..16]);
        let org_uuid = uuid::Builder::from_random_bytes(bytes).into_uuid().to_string();
        let short: String = org
            .slug
            .to_string()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .take(32)
            .collect();
        match vulndesk_formats::cve5::render_with_translations(&english, &[&zh], &org_uuid, &short) {
            Ok(records) => {
                for r in records {
                    let id = r.pointer("/cveMetadata/cveId").and_then(|v| v.as_str()).unwrap_or("cve").to_owned();
                    bodies.push((
                        "cve",
                        format!("cve/{id}.json"),
                        serde_json::to_string_pretty(&r).unwrap_or_default(),
                    ));
                }
            }
            Err(e) => return Err(AppError::Internal(format!("CVE record: {e}"))),
        }
    }
    // Nothing invalid is ever signed: every CSAF document must pass vulndesk's mandatory tests.
    for (kind, path, body) in &bodies {
        if kind.starts_with("csaf") {
            let json: serde_json::Value = serde_json::from_str(body).map_err(|e| AppError::Internal(e.to_string()))?;
            let failures = vulndesk_formats::csaf::check(&json);
            if !failures.is_empty() {
                let detail = failures
                    .iter()
                    .map(|f| format!("{} {}: {}", f.test, f.path, f.message))
                    .collect::<Vec<_>>()
                    .join("; ");
                return Err(AppError::Conflict(
                    "conflict-csaf-invalid",
                    vec![("path", path.clone()), ("detail", detail)],
                ));
            }
        }
    }
    let mut documents = Vec::new();
    for (kind, path, body) in bodies {
        let signature = key.sign_detached(body.as_bytes()).map_err(|e| AppError::Internal(format!("signing: {e}")))?;
        documents.push(AdvisoryDocument {
            advisory_id: a.id.clone(),
            number,
            kind: kind.into(),
            org: case.org,
            tlp: a.tlp.clone(),
            path,
            title: primary.title.clone(),
            sha256: sha_hex::<sha2::Sha256>(body.as_bytes()),
            sha512: sha_hex::<sha2::Sha512>(body.as_bytes()),
            body,
            signature,
            initial_release_at: a.initial_release_at.unwrap_or(now),
            published_at: now,
        });
    }
    let summary = if summary.is_empty() {
        primary.revisions.last().map(|r| r.summary.clone()).unwrap_or_default()
    } else {
        summary
    };
    state.store.publish_advisory(&a, number, &summary, &documents, &record, &ctx.audit(now)).await.map_err(
        |e| match e {
            StoreError::Refused(_) => AppError::Conflict("conflict-advisory-changed", vec![]),
            other => other.into(),
        },
    )?;
    tell_reporters(state, ctx, case, &a, number, &base).await?;
    Ok(PublishOutcome {
        published: true,
        version: number,
        decision: record.id,
        outcomes: outcomes_json(&decision),
        documents: documents.into_iter().map(|d| d.path).collect(),
    })
}

/// Whether the case's advisory has been published through the gate (the `disclose` guard).
pub(crate) async fn publication_approved(state: &AppState, case: &Case) -> Result<bool, AppError> {
    Ok(state.store.advisory_of(case.id).await?.is_some_and(|a| a.status == "published"))
}

/// Whether a fix, mitigation or workaround is recorded for the case (R11).
pub(crate) async fn fix_or_mitigation(state: &AppState, case: &Case) -> Result<bool, AppError> {
    Ok(state.store.fixes_of(case.id).await?.iter().any(CaseFix::is_remedy))
}

/// A request context acting as `username` with that account's own roles (for the CLI and the
/// demo loader, which act for a named person, never as a superuser).
pub(crate) async fn acting_as(state: &AppState, username: &str) -> Result<RequestCtx, AppError> {
    let user = state.store.user_by_username(username).await?.ok_or(AppError::NotFound)?.user;
    let memberships = state.store.membership_list(user.id).await?;
    Ok(RequestCtx {
        actor: vulndesk_core::Actor::Person { user: user.id, site_admin: user.site_admin, memberships },
        user: Some(user),
        session_hash: None,
        csrf: String::new(),
        tr: crate::i18n::Tr::new(vulndesk_core::Locale::En),
        source: "cli".into(),
        user_agent: "vulndesk".into(),
        path: String::new(),
        host: "localhost".into(),
    })
}

/// One advisory to publish from a script: the content, the fixes (product version label → fix),
/// who edits and publishes, and who reviews the wording.
#[derive(Debug, Clone, Default)]
pub struct ScriptedAdvisory {
    /// The organisation's short name.
    pub org: String,
    /// The case number.
    pub case_number: String,
    /// The editor and publisher (needs the coordinator or publisher role).
    pub editor: String,
    /// The reviewer (another person who may edit advisories).
    pub reviewer: String,
    /// `CLEAR`, `GREEN`, `AMBER`, `RED`.
    pub tlp: String,
    pub title: String,
    pub title_en: String,
    pub summary: String,
    pub summary_en: String,
    pub description: String,
    pub description_en: String,
    pub refs: String,
    pub acknowledgments: String,
    pub cve: String,
    pub vex: bool,
    /// (product version label as shown in the catalogue, remediation kind, fixed in, details (zh), details (en), URL).
    pub fixes: Vec<(String, String, String, String, String, String)>,
}

/// Saves, reviews and publishes an advisory through the gate, acting as the named people. The
/// severity stated is the case's assessed one. Errors name what refused (a gate refusal lists
/// the blocking rules).
pub async fn publish_scripted(state: &AppState, s: &ScriptedAdvisory) -> Result<i64, String> {
    let run = async {
        let editor = acting_as(state, &s.editor).await?;
        let reviewer = acting_as(state, &s.reviewer).await?;
        let org = state.store.org_by_slug(&s.org).await?.ok_or(AppError::NotFound)?;
        let case = state.store.case_by_number(org.id, &s.case_number).await?.ok_or(AppError::NotFound)?;
        let versions = state.store.product_versions_of(org.id).await?;
        for (label, kind, fixed_in, details, details_en, url) in &s.fixes {
            let v = versions.iter().find(|v| &v.label() == label).ok_or(AppError::NotFound)?;
            let f = FixForm {
                product_version: v.id.to_string(),
                kind: kind.clone(),
                fixed_in: fixed_in.clone(),
                released_on: String::new(),
                details: details.clone(),
                details_en: details_en.clone(),
                url: url.clone(),
                users_must_act: kind == "vendor_fix",
            };
            put_fix(state, &editor, &case, &f).await?;
        }
        let form = AdvisoryForm {
            tlp: s.tlp.clone(),
            title: s.title.clone(),
            title_en: s.title_en.clone(),
            summary: s.summary.clone(),
            summary_en: s.summary_en.clone(),
            description: s.description.clone(),
            description_en: s.description_en.clone(),
            refs: s.refs.clone(),
            acknowledgments: s.acknowledgments.clone(),
            cve: s.cve.clone(),
            severity: assessed_severity(&case),
            vex: s.vex,
        };
        let a = save_advisory(state, &editor, &case, &form).await?;
        review(state, &reviewer, &case, &a.content_digest).await?;
        let out = publish(state, &editor, &org, &case, "").await?;
        if out.published {
            Ok(out.version)
        } else {
            let blocked: Vec<String> = out
                .outcomes
                .as_array()
                .into_iter()
                .flatten()
                .filter(|o| o["verdict"] == "block")
                .map(|o| {
                    format!(
                        "{}: {}",
                        o["rule"].as_str().unwrap_or_default(),
                        o["evidence"].as_str().unwrap_or_default()
                    )
                })
                .collect();
            Err(AppError::Refused(format!("the publication gate refused: {}", blocked.join("; "))))
        }
    };
    run.await.map_err(|e: AppError| format!("{}: {e:?}", s.case_number))
}

/// Tells every reporter of the case, on their tracking page and by mail when they left an
/// address, that the advisory is published, with its link (the reporter update of Art. 7(3)).
async fn tell_reporters(
    state: &AppState,
    ctx: &RequestCtx,
    case: &Case,
    a: &Advisory,
    version: i64,
    base: &str,
) -> Result<(), AppError> {
    use vulndesk_core::{MessageId, OutboxId};
    use vulndesk_store::intake::{NewMessage, NewOutbox, StaffAction};
    let user = ctx.user()?;
    let url = format!("{base}/advisories/{}", a.tracking_id);
    for id in state.store.case_reports(case.id).await? {
        let Some(r) = state.store.report(id).await? else { continue };
        let tr = crate::i18n::Tr::new(r.language);
        let args = [("id", a.tracking_id.clone()), ("version", version.to_string()), ("url", url.clone())];
        let body = tr.t_args("reporter-advisory-published", &args);
        let message = NewMessage {
            id: MessageId::from_uuid(crate::auth::random_uuid()),
            author: "staff",
            user: Some(user.id),
            kind: "message",
            body: body.clone(),
        };
        let notify =
            (crate::validate::email("contact", &r.contact).is_ok() && !r.contact.is_empty()).then(|| NewOutbox {
                id: OutboxId::from_uuid(crate::auth::random_uuid()),
                org: Some(case.org),
                channel: "email",
                template: "report.update",
                recipient: r.contact.clone(),
                subject: tr.t_args("mail-update-subject", &[("title", r.title.clone())]),
                body,
                related: Some(r.id.to_string()),
            });
        state
            .store
            .triage_report(&r, &StaffAction::Reply(message), notify.as_ref(), &ctx.audit(state.clock.now()))
            .await?;
    }
    Ok(())
}
