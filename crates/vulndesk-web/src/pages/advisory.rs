//! A case's fixes and advisory: the fix per product version, the advisory's content in both
//! languages, the wording review, the publication gate with every rule's outcome and what would
//! unblock it, the evidence for the paths the regulation allows, publishing, and the preview.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use vulndesk_core::case::Case;
use vulndesk_core::gate::GateDecision;
use vulndesk_core::{Action, Locale, Organisation};
use vulndesk_formats::advisory::{AdvisoryDoc, RemediationKind, Tlp};
use vulndesk_store::publication::{Advisory, EVIDENCE_KINDS, GateEvidence, StoredGateDecision};

use super::{Choice, Chrome, Done, Form, render, render_status, see_other};
use crate::auth::RequestCtx;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::publication::{self, AdvisoryForm, FixForm, ProductLine};
use crate::state::AppState;
use crate::{cases, ops};

/// The advisory body in one language (also stored, as published, for the public page).
#[derive(Template)]
#[template(path = "advisory_body.html")]
pub(crate) struct AdvisoryBody<'a> {
    pub(crate) tr: Tr,
    pub(crate) doc: &'a AdvisoryDoc,
}

/// Renders the advisory body in the document's language.
pub(crate) fn body_html(doc: &AdvisoryDoc) -> Result<String, AppError> {
    let tr = Tr::new(if doc.lang == "en" { Locale::En } else { Locale::ZhCn });
    AdvisoryBody { tr, doc }.render().map_err(|e| AppError::Internal(format!("template: {e}")))
}

pub(crate) struct GateRow {
    rule: String,
    rule_label: String,
    verdict: &'static str,
    verdict_label: String,
    evidence: String,
    unblock: String,
}

/// A gate rule's evidence in the reader's language: its message with its arguments, the list of
/// missing early-release records translated item by item; a further rule's sentence as written.
pub(crate) fn evidence_text(tr: &Tr, key: &str, args: &[(&str, String)], english: &str) -> String {
    if key.is_empty() {
        return english.to_owned();
    }
    let args: Vec<(&str, String)> = args
        .iter()
        .map(|(name, value)| {
            if *name == "missing" {
                let items: Vec<String> =
                    value.split(',').filter(|i| !i.is_empty()).map(|i| tr.t(&format!("gate-missing-{i}"))).collect();
                (*name, items.join(&tr.t("list-separator")))
            } else {
                (*name, value.clone())
            }
        })
        .collect();
    tr.t_args(&format!("gate-evidence-{key}"), &args)
}

/// [`evidence_text`] for an outcome as stored (`publication::outcomes_json`).
fn evidence_of_json(tr: &Tr, o: &serde_json::Value) -> String {
    let english = o["evidence"].as_str().unwrap_or_default();
    // A decision stored by an older version has no key: its English sentence is shown.
    let key = o["evidence_key"].as_str().unwrap_or_default();
    let args: Vec<(&str, String)> = o["evidence_args"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.as_str(), v.as_str()?.to_owned())))
        .collect();
    evidence_text(tr, key, &args, english)
}

pub(crate) fn gate_rows(tr: &Tr, d: &GateDecision) -> Vec<GateRow> {
    d.outcomes
        .iter()
        .map(|o| {
            let verdict = publication::verdict_name(&o.verdict);
            GateRow {
                rule: o.rule.clone(),
                rule_label: tr.t(&format!("gate-rule-{}", o.rule)),
                verdict,
                verdict_label: tr.t(&format!("gate-verdict-{verdict}")),
                evidence: evidence_text(tr, o.evidence_key, &o.evidence_args, &o.evidence),
                unblock: if o.unblock.is_empty() {
                    String::new()
                } else {
                    tr.t(&format!("gate-unblock-{}", o.unblock))
                },
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "advisory.html")]
struct AdvisoryPage {
    chrome: Chrome,
    org_slug: String,
    number: String,
    title: String,
    state_label: String,
    errors: Vec<String>,
    lines: Vec<ProductLine>,
    version_options: Vec<Choice>,
    kind_options: Vec<Choice>,
    tlp_options: Vec<Choice>,
    evidence_options: Vec<Choice>,
    a: Advisory,
    saved: bool,
    assessed: String,
    /// The reviewer's name as people know it.
    reviewer: String,
    gate: Vec<GateRow>,
    evidence: Vec<GateEvidence>,
    decisions: Vec<StoredGateDecision>,
    documents: Vec<(String, String)>,
    preview: String,
    can_manage: bool,
    can_edit: bool,
    can_publish: bool,
}

/// Links to an advisory's published documents, as (label, href).
pub(crate) async fn document_links(state: &AppState, a: &Advisory) -> Result<Vec<(String, String)>, AppError> {
    let mut out = Vec::new();
    for d in state.store.documents_of(&a.id, a.version).await? {
        let href = match d.kind.as_str() {
            "csaf" | "csaf_vex" => {
                let tlp = Tlp::parse(&d.tlp).unwrap_or(Tlp::Red);
                format!(
                    "/.well-known/csaf/{}/{}",
                    vulndesk_formats::csaf_provider::tlp_label(tlp).to_lowercase(),
                    d.path
                )
            }
            "osv" | "cve" => format!("/advisories/{}/{}", a.tracking_id, d.path),
            _ => continue,
        };
        let label = match d.kind.as_str() {
            "csaf" => "CSAF 2.0".to_owned(),
            "csaf_vex" => "CSAF VEX".to_owned(),
            "osv" => "OSV".to_owned(),
            _ => format!("CVE JSON 5 ({})", d.path.trim_start_matches("cve/").trim_end_matches(".json")),
        };
        out.push((label, href));
    }
    Ok(out)
}

async fn page(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    case: &Case,
    errors: Vec<String>,
) -> Result<AdvisoryPage, AppError> {
    let tr = &ctx.tr;
    let a = publication::advisory_or_draft(state, case).await?;
    let saved = state.store.advisory_of(case.id).await?.is_some();
    let (gate, lines) = publication::preview_gate(state, case, &a).await?;
    let now = state.clock.now();
    let base = state.public_base(ctx);
    // The preview in both languages, the reader's first.
    let zh_first = ctx.tr.locale == Locale::ZhCn;
    let mut preview = String::new();
    for (i, zh) in [zh_first, !zh_first].into_iter().enumerate() {
        let has_text = if zh { !a.title.trim().is_empty() } else { !a.title_en.trim().is_empty() };
        if i > 0 && !has_text {
            continue;
        }
        let doc = publication::build_doc(state, org, case, &a, zh, a.version + 1, now, &base, &lines).await?;
        preview.push_str(&body_html(&doc)?);
    }
    let versions = state.store.product_versions_of(case.org).await?;
    Ok(AdvisoryPage {
        chrome: Chrome::new(ctx),
        org_slug: org.slug.to_string(),
        number: case.number.clone(),
        title: case.title.clone(),
        state_label: tr.t(&format!("case-state-{}", case.state.as_str())),
        errors,
        version_options: versions
            .iter()
            .map(|v| Choice { value: v.id.to_string(), label: v.label(), checked: false })
            .collect(),
        kind_options: [
            RemediationKind::VendorFix,
            RemediationKind::Mitigation,
            RemediationKind::Workaround,
            RemediationKind::NoFixPlanned,
            RemediationKind::NoneAvailable,
        ]
        .iter()
        .map(|k| Choice {
            value: k.as_str().into(),
            label: tr.t(&format!("remediation-{}", k.as_str())),
            checked: false,
        })
        .collect(),
        tlp_options: Tlp::ALL
            .iter()
            .map(|t| Choice {
                value: t.as_str().into(),
                label: format!("TLP:{}", t.as_str()),
                checked: a.tlp == t.as_str(),
            })
            .collect(),
        evidence_options: EVIDENCE_KINDS
            .iter()
            .map(|k| Choice { value: (*k).into(), label: tr.t(&format!("gate-evidence-{k}")), checked: false })
            .collect(),
        assessed: publication::assessed_severity(case),
        gate: gate_rows(tr, &gate),
        evidence: state.store.gate_evidence_of(case.id).await?,
        decisions: {
            let mut d: Vec<StoredGateDecision> =
                state.store.gate_decisions_of(case.id).await?.into_iter().take(20).collect();
            for x in &mut d {
                x.requested_by = crate::dossier::username(state, &x.requested_by).await;
            }
            d
        },
        reviewer: crate::dossier::username(state, &a.reviewed_by).await,
        documents: if a.status == "published" { document_links(state, &a).await? } else { Vec::new() },
        preview,
        lines,
        saved,
        a,
        can_manage: ctx.require(Action::ManageCases(org.id)).is_ok(),
        can_edit: ctx.require(Action::EditAdvisories(org.id)).is_ok(),
        can_publish: ctx.require(Action::PublishAdvisories(org.id)).is_ok(),
    })
}

async fn the_case(
    state: &AppState,
    ctx: &RequestCtx,
    slug: &str,
    number: &str,
) -> Result<(Organisation, Case), AppError> {
    let org = ops::visible_org(state, ctx, slug).await?;
    let case = cases::readable_case(state, ctx, &org, number).await?;
    Ok((org, case))
}

pub(crate) async fn show(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number)): Path<(String, String)>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let (org, case) = the_case(&state, &ctx, &slug, &number).await?;
    let mut p = page(&state, &ctx, &org, &case, Vec::new()).await?;
    p.chrome = p.chrome.with_notice(q.done.as_deref());
    render(&p)
}

/// Runs a change; a refusal or bad input shows the page again with the problems listed.
async fn act<F, Fut>(state: AppState, ctx: RequestCtx, slug: String, number: String, f: F) -> Result<Response, AppError>
where
    F: FnOnce(AppState, RequestCtx, Organisation, Case) -> Fut,
    Fut: std::future::Future<Output = Result<Result<&'static str, Vec<String>>, AppError>>,
{
    let (org, case) = the_case(&state, &ctx, &slug, &number).await?;
    let (status, errors) = match f(state.clone(), ctx.clone(), org.clone(), case.clone()).await {
        Ok(Ok(notice)) => return Ok(see_other(&format!("/orgs/{slug}/cases/{number}/advisory?done={notice}"))),
        Ok(Err(blocked)) => (StatusCode::CONFLICT, blocked),
        Err(AppError::Validation(fields)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, fields.iter().map(|f| f.render(&ctx.tr)).collect())
        }
        Err(AppError::Refused(m)) => (StatusCode::CONFLICT, vec![m]),
        Err(AppError::Conflict(key, args)) => (StatusCode::CONFLICT, vec![ctx.tr.t_args(key, &args)]),
        Err(other) => return Err(other),
    };
    let case = state.store.case(case.id).await?.ok_or(AppError::NotFound)?;
    render_status(status, &page(&state, &ctx, &org, &case, errors).await?)
}

pub(crate) async fn save(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number)): Path<(String, String)>,
    Form(f): Form<AdvisoryForm>,
) -> Result<Response, AppError> {
    act(state, ctx, slug, number, |s, c, _, case| async move {
        publication::save_advisory(&s, &c, &case, &f).await.map(|_| Ok("notice-case-saved"))
    })
    .await
}

#[derive(Deserialize)]
pub(crate) struct ReviewForm {
    #[serde(default)]
    digest: String,
}

pub(crate) async fn review(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number)): Path<(String, String)>,
    Form(f): Form<ReviewForm>,
) -> Result<Response, AppError> {
    act(state, ctx, slug, number, |s, c, _, case| async move {
        publication::review(&s, &c, &case, &f.digest).await.map(|()| Ok("notice-advisory-reviewed"))
    })
    .await
}

#[derive(Deserialize)]
pub(crate) struct EvidenceForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    note: String,
}

pub(crate) async fn evidence(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number)): Path<(String, String)>,
    Form(f): Form<EvidenceForm>,
) -> Result<Response, AppError> {
    act(state, ctx, slug, number, |s, c, _, case| async move {
        publication::add_evidence(&s, &c, &case, &f.kind, &f.note).await.map(|()| Ok("notice-case-saved"))
    })
    .await
}

#[derive(Deserialize)]
pub(crate) struct PublishForm {
    #[serde(default)]
    summary: String,
}

pub(crate) async fn publish(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number)): Path<(String, String)>,
    Form(f): Form<PublishForm>,
) -> Result<Response, AppError> {
    act(state, ctx, slug, number, |s, c, org, case| async move {
        let out = publication::publish(&s, &c, &org, &case, &f.summary).await?;
        if out.published {
            return Ok(Ok("notice-advisory-published"));
        }
        let blocked = out
            .outcomes
            .as_array()
            .into_iter()
            .flatten()
            .filter(|o| o["verdict"] == "block")
            .map(|o| {
                let rule = o["rule"].as_str().unwrap_or_default();
                let unblock = o["unblock"].as_str().unwrap_or_default();
                format!(
                    "{}: {} → {}",
                    c.tr.t(&format!("gate-rule-{rule}")),
                    evidence_of_json(&c.tr, o),
                    c.tr.t(&format!("gate-unblock-{unblock}"))
                )
            })
            .collect();
        Ok(Err(blocked))
    })
    .await
}

pub(crate) async fn add_fix(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number)): Path<(String, String)>,
    Form(f): Form<FixForm>,
) -> Result<Response, AppError> {
    act(state, ctx, slug, number, |s, c, _, case| async move {
        publication::put_fix(&s, &c, &case, &f).await.map(|()| Ok("notice-case-saved"))
    })
    .await
}

pub(crate) async fn remove_fix(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number, id)): Path<(String, String, String)>,
    Form(_): Form<super::CsrfOnly>,
) -> Result<Response, AppError> {
    act(state, ctx, slug, number, |s, c, _, case| async move {
        publication::remove_fix(&s, &c, &case, &id).await.map(|()| Ok("notice-case-saved"))
    })
    .await
}
