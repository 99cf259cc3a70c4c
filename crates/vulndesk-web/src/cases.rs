//! Case operations shared by the pages and the API: opening a case from a report, the assessment
//! (with the CVSS score computed by vulndesk), verification records, transitions decided by the
//! core's lifecycle, and the deadlines of each case.

use serde::Deserialize;
use vulndesk_core::case::{Case, CaseEvent, CaseFacts, Refusal, Verification, transition};
use vulndesk_core::deadline::{Deadline, DeadlinePolicy, deadlines};
use vulndesk_core::intake::Report;
use vulndesk_core::{Action, CaseId, Organisation, PersonRole, ReportId, Timestamp, VerificationId};
use vulndesk_formats::cvss::CnGrade;
use vulndesk_store::cases::{Assessment, NewCase};

use crate::auth::RequestCtx;
use crate::error::{AppError, FieldError};
use crate::i18n::Tr;
use crate::state::AppState;

/// The organisation's case with `number`, if the actor may read it; the read is audited.
pub(crate) async fn readable_case(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    number: &str,
) -> Result<Case, AppError> {
    ctx.require(Action::ViewCases(org.id))?;
    let case = state.store.case_by_number(org.id, number).await?.ok_or(AppError::NotFound)?;
    // A restricted case is not there for those outside it: the same answer as a wrong number.
    if state.store.case_is_restricted(case.id).await? && hidden_cases(state, ctx, org.id).await?.contains(&case.id) {
        return Err(AppError::NotFound);
    }
    let details = serde_json::json!({"number": case.number}).to_string();
    state
        .store
        .record_audit(&ctx.audit(state.clock.now()).event(
            "case.view",
            "case",
            &case.id.to_string(),
            Some(org.id.to_string()),
            details,
        ))
        .await?;
    Ok(case)
}

/// The organisation's restricted cases the actor may not read (need-to-know): those it is neither
/// on nor in a team of. The organisation's auditors read everything.
pub(crate) async fn hidden_cases(
    state: &AppState,
    ctx: &RequestCtx,
    org: vulndesk_core::OrgId,
) -> Result<Vec<CaseId>, AppError> {
    if ctx.actor.has_role(org, PersonRole::Auditor) {
        return Ok(Vec::new());
    }
    Ok(state.store.hidden_cases(org, ctx.actor.user()).await?)
}

/// The organisation's reports in a restricted case the actor may not read.
pub(crate) async fn hidden_reports(
    state: &AppState,
    ctx: &RequestCtx,
    org: vulndesk_core::OrgId,
) -> Result<Vec<ReportId>, AppError> {
    if ctx.actor.has_role(org, PersonRole::Auditor) {
        return Ok(Vec::new());
    }
    Ok(state.store.hidden_reports(org, ctx.actor.user()).await?)
}

/// Restricts a case to the people on it and its teams, or lifts that. Only a case manager who is
/// on the case may, so nobody locks themselves out.
pub(crate) async fn set_restriction(
    state: &AppState,
    ctx: &RequestCtx,
    case: &Case,
    restricted: bool,
) -> Result<(), AppError> {
    ctx.require(Action::ManageCases(case.org))?;
    let user = ctx.user()?.id;
    if !state.store.case_people(case.id).await?.iter().any(|(u, _)| u.id == user) {
        return Err(AppError::Conflict("conflict-restrict-not-on-case", Vec::new()));
    }
    state.store.set_case_restricted(case, restricted, &ctx.audit(state.clock.now())).await?;
    Ok(())
}

/// Opens a case from a report: `aware_at` is the report's receipt time.
pub(crate) async fn promote(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    report: &Report,
) -> Result<Case, AppError> {
    ctx.require(Action::ManageCases(org.id))?;
    // A report already in a case may open another (one report, several flaws: a split);
    // one set aside as spam or invalid may not.
    if matches!(report.status, vulndesk_core::intake::ReportStatus::Spam | vulndesk_core::intake::ReportStatus::Invalid)
    {
        return Err(AppError::Conflict("conflict-report-closed", Vec::new()));
    }
    let new = NewCase {
        id: CaseId::from_uuid(crate::auth::random_uuid()),
        org: org.id,
        title: report.title.clone(),
        aware_at: report.received_at,
        reports: vec![report.id],
    };
    Ok(state.store.create_case(&new, &ctx.audit(state.clock.now())).await?)
}

/// Opens a case directly (own discovery, supplier notice, feed finding).
pub(crate) async fn open(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    title: &str,
    aware_at: &str,
) -> Result<Case, AppError> {
    ctx.require(Action::ManageCases(org.id))?;
    let mut e = Vec::new();
    let title = crate::validate::text("title", title, 300).map_err(|x| e.push(x)).ok();
    let aware = parse_time(aware_at).or_else(|| aware_at.trim().is_empty().then(|| state.clock.now()));
    if aware.is_none() {
        e.push(FieldError::new("aware_at", "date-time-invalid").with("value", aware_at));
    }
    let (Some(title), Some(aware_at)) = (title, aware) else { return Err(AppError::Validation(e)) };
    let new = NewCase {
        id: CaseId::from_uuid(crate::auth::random_uuid()),
        org: org.id,
        title,
        aware_at,
        reports: Vec::new(),
    };
    Ok(state.store.create_case(&new, &ctx.audit(state.clock.now())).await?)
}

/// Reads RFC 3339, or the `YYYY-MM-DDTHH:MM` of an HTML date-time field (taken as UTC).
pub(crate) fn parse_time(s: &str) -> Option<Timestamp> {
    let s = s.trim();
    Timestamp::parse_rfc3339(s)
        .or_else(|| if s.len() == 16 { Timestamp::parse_rfc3339(&format!("{s}:00Z")) } else { None })
}

/// The assessment as typed.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub(crate) struct AssessmentForm {
    /// RFC 3339, or `YYYY-MM-DDTHH:MM` (UTC); empty keeps the current value.
    #[serde(default)]
    pub(crate) aware_at: String,
    /// A CVSS 3.0, 3.1 or 4.0 vector; the score is computed by vulndesk.
    #[serde(default)]
    pub(crate) cvss_vector: String,
    /// `critical`, `high`, `medium`, `low`; empty derives it from the CVSS score.
    #[serde(default)]
    pub(crate) grade: String,
    /// `CWE-122`.
    #[serde(default)]
    pub(crate) cwe: String,
    #[serde(default)]
    pub(crate) characteristics: String,
    #[serde(default)]
    pub(crate) harm: String,
    #[serde(default)]
    pub(crate) scope_of_impact: String,
    /// Technical characteristics in English (the field above is the Chinese text).
    #[serde(default)]
    pub(crate) characteristics_en: String,
    /// Harm in English.
    #[serde(default)]
    pub(crate) harm_en: String,
    /// Scope of impact in English.
    #[serde(default)]
    pub(crate) scope_of_impact_en: String,
    #[serde(default, deserialize_with = "crate::pages::programs::flag")]
    pub(crate) upstream: bool,
    #[serde(default)]
    pub(crate) upstream_supplier: String,
    #[serde(default, deserialize_with = "crate::pages::programs::flag")]
    pub(crate) users_must_act: bool,
    /// Other identifiers of the flaw (CVE, GHSA, OSV, CNVD, CNNVD, NVDB), separated by commas
    /// or spaces; each is checked and stored in its canonical spelling. Absent keeps the current ones.
    #[serde(default)]
    pub(crate) aliases: Option<String>,
}

fn cn_grade_name(g: CnGrade) -> &'static str {
    match g {
        CnGrade::Critical => "critical",
        CnGrade::High => "high",
        CnGrade::Medium => "medium",
        CnGrade::Low => "low",
        CnGrade::None => "",
    }
}

/// Checks and stores the assessment; the score comes from vulndesk's CVSS implementation.
pub(crate) async fn assess(
    state: &AppState,
    ctx: &RequestCtx,
    case: &Case,
    f: &AssessmentForm,
) -> Result<(), AppError> {
    ctx.require(Action::ManageCases(case.org))?;
    let mut e = Vec::new();
    let vector = f.cvss_vector.trim();
    let (score, derived) = if vector.is_empty() {
        (String::new(), "")
    } else {
        match vulndesk_formats::cvss::parse(vector) {
            Ok(v) => {
                let s = v.scores();
                (format!("{:.1}", s.headline()), cn_grade_name(s.cn_grade()))
            }
            Err(err) => {
                e.push(FieldError::new("cvss_vector", "cvss-invalid").with("detail", err));
                (String::new(), "")
            }
        }
    };
    let grade = match f.grade.trim() {
        "" => derived.to_owned(),
        g @ ("critical" | "high" | "medium" | "low") => g.to_owned(),
        other => {
            e.push(FieldError::new("grade", "grade-unknown").with("value", other));
            String::new()
        }
    };
    let cwe = if f.cwe.trim().is_empty() {
        String::new()
    } else {
        match f.cwe.trim().parse::<vulndesk_formats::cwe::CweId>() {
            Ok(id) if vulndesk_formats::cwe::get(id.number()).is_some() => id.to_string(),
            Ok(id) => {
                e.push(FieldError::new("cwe", "cwe-unknown").with("value", id));
                String::new()
            }
            Err(err) => {
                e.push(FieldError::new("cwe", "cwe-invalid-detail").with("detail", err));
                String::new()
            }
        }
    };
    let mut aliases = Vec::new();
    if let Some(text) = &f.aliases {
        for a in text.split([',', ' ', '\n', '\r', '\t', '，', '、']).filter(|a| !a.trim().is_empty()) {
            match vulndesk_formats::ident::VulnId::parse(a.trim()) {
                Ok(id) => aliases.push(id.as_str().to_owned()),
                Err(err) => e.push(FieldError::new("aliases", "alias-invalid").with("detail", err)),
            }
        }
        aliases.sort();
        aliases.dedup();
    }
    let aware_at = if f.aware_at.trim().is_empty() {
        None
    } else {
        let t = parse_time(&f.aware_at);
        if t.is_none() {
            e.push(FieldError::new("aware_at", "date-time-invalid").with("value", f.aware_at.trim()));
        }
        t
    };
    if f.upstream && f.upstream_supplier.trim().is_empty() {
        e.push(FieldError::new("upstream_supplier", "field-required"));
    }
    for (field, v, max) in [
        ("characteristics", &f.characteristics, 20_000),
        ("harm", &f.harm, 20_000),
        ("scope_of_impact", &f.scope_of_impact, 20_000),
        ("characteristics_en", &f.characteristics_en, 20_000),
        ("harm_en", &f.harm_en, 20_000),
        ("scope_of_impact_en", &f.scope_of_impact_en, 20_000),
    ] {
        if v.chars().count() > max {
            e.push(FieldError::new(field, "text-too-long").with("max", max));
        }
    }
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    let a = Assessment {
        aware_at,
        cvss_vector: vector.to_owned(),
        cvss_score: score,
        grade,
        cwe,
        characteristics: f.characteristics.trim().to_owned(),
        harm: f.harm.trim().to_owned(),
        scope_of_impact: f.scope_of_impact.trim().to_owned(),
        characteristics_en: f.characteristics_en.trim().to_owned(),
        harm_en: f.harm_en.trim().to_owned(),
        scope_of_impact_en: f.scope_of_impact_en.trim().to_owned(),
        upstream: f.upstream,
        upstream_supplier: f.upstream_supplier.trim().to_owned(),
        users_must_act: f.users_must_act,
    };
    state.store.set_assessment(case, &a, &ctx.audit(state.clock.now())).await?;
    if f.aliases.is_some() {
        state.store.set_aliases(case, &aliases, &ctx.audit(state.clock.now())).await?;
    }
    Ok(())
}

/// The case's assessment as stored, to change one part of it.
pub(crate) fn assessment_of(case: &Case) -> Assessment {
    Assessment {
        aware_at: None,
        cvss_vector: case.cvss_vector.clone(),
        cvss_score: case.cvss_score.clone(),
        grade: case.grade.clone(),
        cwe: case.cwe.clone(),
        characteristics: case.characteristics.clone(),
        harm: case.harm.clone(),
        scope_of_impact: case.scope_of_impact.clone(),
        characteristics_en: case.characteristics_en.clone(),
        harm_en: case.harm_en.clone(),
        scope_of_impact_en: case.scope_of_impact_en.clone(),
        upstream: case.upstream,
        upstream_supplier: case.upstream_supplier.clone(),
        users_must_act: case.users_must_act,
    }
}

/// A verification record as typed.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub(crate) struct VerificationForm {
    /// Who reproduced it (defaults to the signed-in person).
    #[serde(default)]
    pub(crate) verified_by: String,
    /// When (RFC 3339 or `YYYY-MM-DDTHH:MM`; defaults to now).
    #[serde(default)]
    pub(crate) verified_at: String,
    /// Where: product, model, firmware, set-up.
    #[serde(default)]
    pub(crate) environment: String,
    /// How.
    #[serde(default)]
    pub(crate) method: String,
    /// What happened.
    #[serde(default)]
    pub(crate) result: String,
    #[serde(default, deserialize_with = "crate::pages::programs::flag")]
    pub(crate) reproduced: bool,
}

pub(crate) async fn verify(
    state: &AppState,
    ctx: &RequestCtx,
    case: &Case,
    f: &VerificationForm,
) -> Result<(), AppError> {
    ctx.require(Action::ManageCases(case.org))?;
    let user = ctx.user()?;
    let mut e = Vec::new();
    let environment = crate::validate::text("environment", &f.environment, 2000).map_err(|x| e.push(x)).ok();
    let method = crate::validate::text("method", &f.method, 20_000).map_err(|x| e.push(x)).ok();
    let result = crate::validate::text("result", &f.result, 20_000).map_err(|x| e.push(x)).ok();
    let at = if f.verified_at.trim().is_empty() { Some(state.clock.now()) } else { parse_time(&f.verified_at) };
    if at.is_none() {
        e.push(FieldError::new("verified_at", "date-time-invalid").with("value", f.verified_at.trim()));
    }
    let (Some(environment), Some(method), Some(result), Some(verified_at)) = (environment, method, result, at) else {
        return Err(AppError::Validation(e));
    };
    let v = Verification {
        id: VerificationId::from_uuid(crate::auth::random_uuid()),
        verified_by: if f.verified_by.trim().is_empty() {
            user.username.to_string()
        } else {
            f.verified_by.trim().chars().take(200).collect()
        },
        verified_at,
        environment,
        method,
        result,
        reproduced: f.reproduced,
    };
    Ok(state.store.add_verification(case, &v, &ctx.audit(state.clock.now())).await?)
}

/// What the guards know about a case today: verification and assessment, delivered supplier and
/// customer notices, recorded fixes, and the advisory published through the gate.
pub(crate) async fn facts(state: &AppState, case: &Case, reason_given: bool) -> Result<CaseFacts, AppError> {
    let verifications = state.store.verifications_of(case.id).await?;
    Ok(CaseFacts {
        verified: verifications.iter().any(|v| v.reproduced),
        severity_assessed: !case.cvss_score.is_empty() || !case.grade.is_empty(),
        scope_of_impact: !case.scope_of_impact.trim().is_empty() || !case.scope_of_impact_en.trim().is_empty(),
        upstream: case.upstream,
        upstream_notice_delivered: state
            .store
            .first_delivered("upstream_notice", &case.id.to_string())
            .await?
            .is_some(),
        users_must_act: case.users_must_act,
        customer_notices_delivered: customer_notices_delivered(state, case).await?,
        fix_or_mitigation: crate::publication::fix_or_mitigation(state, case).await?,
        publication_approved: crate::publication::publication_approved(state, case).await?,
        reason_given,
    })
}

/// Whether customer notices went out and every one of them was delivered.
async fn customer_notices_delivered(state: &AppState, case: &Case) -> Result<bool, AppError> {
    let notices: Vec<_> = state
        .store
        .deliveries_for(&case.id.to_string())
        .await?
        .into_iter()
        .filter(|d| d.new.kind == "customer_notice")
        .collect();
    Ok(!notices.is_empty() && notices.iter().all(|d| d.status == "delivered"))
}

/// The localized sentence for a refusal.
pub(crate) fn refusal_message(tr: &Tr, r: &Refusal) -> String {
    match r {
        Refusal::NotFromHere { from, event } => tr.t_args(
            "case-not-from-here",
            &[
                ("event", tr.t(&format!("case-event-{}", event.as_str()))),
                ("state", tr.t(&format!("case-state-{}", from.as_str()))),
            ],
        ),
        Refusal::Missing { event, missing } => {
            let list = missing
                .iter()
                .map(|m| tr.t(&format!("requirement-{}", m.as_str())))
                .collect::<Vec<_>>()
                .join(tr.t("list-separator").as_str());
            tr.t_args("case-missing", &[("event", tr.t(&format!("case-event-{}", event.as_str()))), ("missing", list)])
        }
    }
}

/// Moves a case: the core decides; a refusal is a 409 naming what is missing.
pub(crate) async fn move_case(
    state: &AppState,
    ctx: &RequestCtx,
    case: &Case,
    event: &str,
    reason: &str,
    duplicate_of: &str,
) -> Result<(), AppError> {
    ctx.require(Action::ManageCases(case.org))?;
    let event = CaseEvent::parse(event.trim()).ok_or_else(|| {
        AppError::Validation(vec![FieldError::new("event", "unknown-action").with("value", event.trim())])
    })?;
    let reason = reason.trim();
    let duplicate = if event == CaseEvent::MarkDuplicate && !duplicate_of.trim().is_empty() {
        let other = state.store.case_by_number(case.org, duplicate_of.trim()).await?.filter(|o| o.id != case.id);
        match other {
            Some(o) => Some(o.id),
            None => {
                return Err(AppError::Validation(vec![
                    FieldError::new("duplicate_of", "case-unknown").with("value", duplicate_of.trim()),
                ]));
            }
        }
    } else {
        None
    };
    let reason_given = !reason.is_empty() && (event != CaseEvent::MarkDuplicate || duplicate.is_some());
    let facts = facts(state, case, reason_given).await?;
    let now = state.clock.now();
    let t = transition(case.state, event, &facts, now).map_err(|r| AppError::Refused(refusal_message(&ctx.tr, &r)))?;
    state.store.apply_transition(case, &t, reason, duplicate, &ctx.audit(now)).await.map_err(|e| match e {
        vulndesk_store::StoreError::Conflict(_) => AppError::Refused(ctx.tr.t("case-moved-meanwhile")),
        other => other.into(),
    })
}

/// The deadlines of a case, from its facts and its first report.
pub(crate) async fn case_deadlines(state: &AppState, case: &Case) -> Result<Vec<Deadline>, AppError> {
    let facts = state.store.deadline_facts(case).await?;
    Ok(deadlines(&facts, &DeadlinePolicy::default()))
}

/// The deadlines of each of an organisation's `cases`, read in a few queries for all of them.
pub(crate) async fn org_case_deadlines(
    state: &AppState,
    org: vulndesk_core::OrgId,
    cases: &[Case],
) -> Result<std::collections::HashMap<CaseId, Vec<Deadline>>, AppError> {
    let policy = DeadlinePolicy::default();
    Ok(state
        .store
        .deadline_facts_of_org(org, cases)
        .await?
        .into_iter()
        .map(|(id, facts)| (id, deadlines(&facts, &policy)))
        .collect())
}

/// Adds a comment: internal, or shared with the reporter (shown on the tracking page of every
/// report of the case).
pub(crate) async fn comment(
    state: &AppState,
    ctx: &RequestCtx,
    case: &Case,
    body: &str,
    shared: bool,
) -> Result<(), AppError> {
    ctx.require(Action::ManageCases(case.org))?;
    let user = ctx.user()?;
    let body = crate::validate::text("body", body, 20_000).map_err(|e| AppError::Validation(vec![e]))?;
    let c = vulndesk_store::cases::Comment {
        id: vulndesk_core::CommentId::from_uuid(crate::auth::random_uuid()),
        author: user.id.to_string(),
        shared,
        body,
        created_at: state.clock.now(),
    };
    Ok(state.store.add_comment(case, &c, &ctx.audit(state.clock.now())).await?)
}

/// The comments shared with the reporter of `report`, from every case it belongs to.
pub(crate) async fn shared_comments(
    state: &AppState,
    report: vulndesk_core::ReportId,
) -> Result<Vec<vulndesk_store::cases::Comment>, AppError> {
    let mut out = Vec::new();
    for case in state.store.cases_for_report(report).await? {
        out.extend(state.store.comments_of(case).await?.into_iter().filter(|c| c.shared));
    }
    Ok(out)
}

/// The settings key holding a site administrator's replacement GB/T 30279 grading tables.
pub(crate) const GBT_TABLES_KEY: &str = "gbt30279_tables";

/// The grading tables in force: the administrator's, or vulndesk's marked default.
pub(crate) async fn gbt_tables(state: &AppState) -> Result<vulndesk_formats::gbt30279::GradingTables, AppError> {
    use vulndesk_formats::gbt30279::GradingTables;
    match state.store.setting(GBT_TABLES_KEY).await? {
        Some(toml) => {
            GradingTables::from_toml(&toml).map_err(|e| AppError::Internal(format!("stored GB/T 30279 tables: {e}")))
        }
        None => Ok(GradingTables::builtin().clone()),
    }
}

/// The GB/T 30279-2020 indicators as typed (English or Chinese value names).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub(crate) struct GbtForm {
    /// 访问路径: `network`, `adjacent`, `local`, `physical`.
    #[serde(default)]
    pub(crate) access_path: String,
    /// 触发要求: `low`, `high`.
    #[serde(default)]
    pub(crate) trigger: String,
    /// 权限需求: `none`, `low`, `high`.
    #[serde(default)]
    pub(crate) privileges: String,
    /// 交互条件: `none`, `required`.
    #[serde(default)]
    pub(crate) interaction: String,
    /// 保密性影响: `severe`, `moderate`, `none`.
    #[serde(default)]
    pub(crate) confidentiality: String,
    /// 完整性影响.
    #[serde(default)]
    pub(crate) integrity: String,
    /// 可用性影响.
    #[serde(default)]
    pub(crate) availability: String,
    /// 被利用成本: `low`, `medium`, `high`.
    #[serde(default)]
    pub(crate) cost: String,
    /// 修复难度: `high`, `medium`, `low`.
    #[serde(default)]
    pub(crate) fix_difficulty: String,
    /// 影响范围: `high`, `medium`, `low`, `none`.
    #[serde(default)]
    pub(crate) reach: String,
}

fn indicator<T>(field: &str, value: &str, parse: fn(&str) -> Option<T>, e: &mut Vec<FieldError>) -> Option<T> {
    let v = parse(value.trim());
    if v.is_none() {
        e.push(FieldError::new(field, "gbt-value").with("value", value.trim()));
    }
    v
}

/// Grades the case by GB/T 30279-2020 with the tables in force and stores the result.
pub(crate) async fn grade_gbt(state: &AppState, ctx: &RequestCtx, case: &Case, f: &GbtForm) -> Result<(), AppError> {
    use vulndesk_formats::gbt30279::*;
    ctx.require(Action::ManageCases(case.org))?;
    let mut e = Vec::new();
    let access_path = indicator("access_path", &f.access_path, AccessPath::from_name, &mut e);
    let trigger = indicator("trigger", &f.trigger, TriggerRequirement::from_name, &mut e);
    let privileges = indicator("privileges", &f.privileges, PrivilegesRequired::from_name, &mut e);
    let interaction = indicator("interaction", &f.interaction, UserInteraction::from_name, &mut e);
    let confidentiality = indicator("confidentiality", &f.confidentiality, ImpactLevel::from_name, &mut e);
    let integrity = indicator("integrity", &f.integrity, ImpactLevel::from_name, &mut e);
    let availability = indicator("availability", &f.availability, ImpactLevel::from_name, &mut e);
    let cost = indicator("cost", &f.cost, ExploitCost::from_name, &mut e);
    let fix_difficulty = indicator("fix_difficulty", &f.fix_difficulty, FixDifficulty::from_name, &mut e);
    let reach = indicator("reach", &f.reach, Reach::from_name, &mut e);
    let (
        Some(access_path),
        Some(trigger),
        Some(privileges),
        Some(interaction),
        Some(confidentiality),
        Some(integrity),
        Some(availability),
        Some(cost),
        Some(fix_difficulty),
        Some(reach),
    ) = (
        access_path,
        trigger,
        privileges,
        interaction,
        confidentiality,
        integrity,
        availability,
        cost,
        fix_difficulty,
        reach,
    )
    else {
        return Err(AppError::Validation(e));
    };
    let indicators = Indicators {
        exploitability: Exploitability { access_path, trigger, privileges, interaction },
        impact: Impact { confidentiality, integrity, availability },
        environment: Environment { cost, fix_difficulty, reach },
    };
    let tables = gbt_tables(state).await?;
    let a = assess(&indicators, &tables);
    let text = format!(
        "access_path={};trigger={};privileges={};interaction={};confidentiality={};integrity={};availability={};cost={};fix_difficulty={};reach={}",
        access_path.en(),
        trigger.en(),
        privileges.en(),
        interaction.en(),
        confidentiality.en(),
        integrity.en(),
        availability.en(),
        cost.en(),
        fix_difficulty.en(),
        reach.en()
    );
    let name = |g: CnGrade| match cn_grade_name(g) {
        "" => "none",
        n => n,
    };
    let g = vulndesk_store::cases::GbtGrading {
        indicators: text,
        technical: name(a.technical).to_owned(),
        comprehensive: name(a.comprehensive).to_owned(),
        tables: format!(
            "{}{}",
            a.table_version,
            if a.official_tables { "" } else { " (vulndesk default, not the standard's annex tables)" }
        ),
    };
    Ok(state.store.set_gbt_grading(case, &g, &ctx.audit(state.clock.now())).await?)
}

/// Adds a report to an existing case of the same organisation (a duplicate merged into it).
pub(crate) async fn merge(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    report: &Report,
    number: &str,
) -> Result<Case, AppError> {
    ctx.require(Action::ManageCases(org.id))?;
    let case = state.store.case_by_number(org.id, number.trim()).await?.ok_or_else(|| {
        AppError::Validation(vec![FieldError::new("case", "case-unknown").with("value", number.trim())])
    })?;
    state.store.add_report_to_case(&case, report.id, &ctx.audit(state.clock.now())).await?;
    Ok(case)
}

/// Puts a member of the organisation on a case (or takes them off) as assignee or watcher.
pub(crate) async fn set_person(
    state: &AppState,
    ctx: &RequestCtx,
    case: &Case,
    username: &str,
    kind: &str,
    add: bool,
) -> Result<(), AppError> {
    ctx.require(Action::ManageCases(case.org))?;
    if !matches!(kind, "assignee" | "watcher") {
        return Err(AppError::Validation(vec![FieldError::new("kind", "unknown-action").with("value", kind)]));
    }
    let member = state
        .store
        .members_of(case.org)
        .await?
        .into_iter()
        .find(|m| m.user.username.as_str() == username.trim())
        .ok_or_else(|| {
            AppError::Validation(vec![FieldError::new("username", "case-not-member").with("username", username.trim())])
        })?;
    state.store.set_case_person(case, member.user.id, kind, add, &ctx.audit(state.clock.now())).await?;
    Ok(())
}
