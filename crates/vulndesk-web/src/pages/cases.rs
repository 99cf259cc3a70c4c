//! Case pages: the organisation's cases, one case with its assessment (CVSS scored by vulndesk),
//! verification records, lifecycle buttons and timeline, the deadlines board, and opening a case
//! from a report. Every page works without JavaScript.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use vulndesk_core::case::{Case, CaseEvent, target};
use vulndesk_core::deadline::{Deadline, DeadlineKind, DeadlineState};
use vulndesk_core::{Action, Organisation, Timestamp};

use super::inbox::{human_duration, readable_report};
use super::{Choice, Chrome, Done, Form, render, render_status, see_other};
use crate::auth::RequestCtx;
use crate::cases::{self, AssessmentForm, VerificationForm};
use crate::error::AppError;
use crate::i18n::Tr;
use crate::ops;
use crate::state::AppState;

struct CaseRow {
    number: String,
    title: String,
    state: String,
    grade: String,
    aware_at: String,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    chrome: Chrome,
    org_name: String,
    org_slug: String,
    cases: Vec<CaseRow>,
    can_manage: bool,
}

pub(crate) fn grade_label(tr: &Tr, g: &str) -> String {
    if g.is_empty() { "—".into() } else { tr.t(&format!("grade-{g}")) }
}

async fn case_org(state: &AppState, ctx: &RequestCtx, slug: &str) -> Result<Organisation, AppError> {
    let org = ops::visible_org(state, ctx, slug).await?;
    ctx.require(Action::ViewCases(org.id))?;
    Ok(org)
}

pub(crate) async fn list(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let org = case_org(&state, &ctx, &slug).await?;
    let tr = ctx.tr;
    let hidden = crate::cases::hidden_cases(&state, &ctx, org.id).await?;
    let cases = state
        .store
        .cases_of(org.id, false)
        .await?
        .into_iter()
        .filter(|c| !hidden.contains(&c.id))
        .map(|c| CaseRow {
            state: tr.t(&format!("case-state-{}", c.state.as_str())),
            grade: grade_label(&tr, &c.grade),
            aware_at: c.aware_at.to_rfc3339(),
            number: c.number,
            title: c.title,
        })
        .collect();
    render(&CasesPage {
        chrome: Chrome::new(&ctx),
        org_name: org.name.clone(),
        org_slug: org.slug.to_string(),
        cases,
        can_manage: ctx.require(Action::ManageCases(org.id)).is_ok(),
    })
}

#[derive(Deserialize)]
pub(crate) struct OpenForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    aware_at: String,
}

pub(crate) async fn open(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Form(f): Form<OpenForm>,
) -> Result<Response, AppError> {
    let org = case_org(&state, &ctx, &slug).await?;
    let case = cases::open(&state, &ctx, &org, &f.title, &f.aware_at).await?;
    Ok(see_other(&format!("/orgs/{slug}/cases/{}", case.number)))
}

pub(crate) async fn promote(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, id)): Path<(String, String)>,
    Form(_): Form<super::CsrfOnly>,
) -> Result<Response, AppError> {
    let (org, report) = readable_report(&state, &ctx, &slug, &id, "promote").await?;
    let case = cases::promote(&state, &ctx, &org, &report).await?;
    Ok(see_other(&format!("/orgs/{slug}/cases/{}", case.number)))
}

struct DeadlineRow {
    kind: String,
    due: String,
    state: String,
    css: &'static str,
}

pub(crate) fn deadline_state(tr: &Tr, d: &Deadline, now: Timestamp) -> (String, &'static str) {
    match d.state(now) {
        DeadlineState::Met => (tr.t("deadline-met"), "met"),
        DeadlineState::MetLate => (tr.t("deadline-met-late"), "overdue"),
        DeadlineState::Overdue => {
            (tr.t_args("inbox-overdue-by", &[("late", human_duration(tr, d.remaining_micros(now)))]), "overdue")
        }
        s => {
            let css = if matches!(s, DeadlineState::Open) { "" } else { "warn" };
            (tr.t_args("inbox-due-in", &[("left", human_duration(tr, d.remaining_micros(now)))]), css)
        }
    }
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    chrome: Chrome,
    org_slug: String,
    errors: Vec<String>,
    number: String,
    title: String,
    state: String,
    state_reason: String,
    aware_at: String,
    cvss_vector: String,
    cvss_score: String,
    grade: String,
    grade_options: Vec<Choice>,
    cwe: String,
    characteristics: String,
    harm: String,
    scope_of_impact: String,
    characteristics_en: String,
    harm_en: String,
    scope_of_impact_en: String,
    upstream: bool,
    upstream_supplier: String,
    users_must_act: bool,
    reports: Vec<Choice>,
    deadlines: Vec<DeadlineRow>,
    events: Vec<Choice>,
    verifications: Vec<Choice>,
    timeline: Vec<Choice>,
    comments: Vec<Choice>,
    aliases: String,
    cwe_name: String,
    attachments: Vec<Choice>,
    people: Vec<Choice>,
    /// The organisation's teams; checked when the case is assigned to it.
    teams: Vec<Choice>,
    gbt_fields: Vec<GbtField>,
    gbt_technical: String,
    gbt_comprehensive: String,
    gbt_tables: String,
    can_manage: bool,
    /// Restricted to the people on the case and its teams (need-to-know).
    restricted: bool,
    impact: crate::catalogue::Impact,
    suppliers: Vec<Choice>,
    /// The upstream notices sent (or being sent).
    /// Each notice with when its recipient acknowledged it (empty: not yet).
    notices: Vec<(vulndesk_store::sharing::Delivery, String)>,
    /// Some affected customer is outside China and the case is undisclosed (Art. 9(7)).
    withheld_abroad: bool,
}

struct GbtField {
    name: &'static str,
    label: String,
    options: Vec<Choice>,
}

fn gbt_field<T: Copy + PartialEq>(
    tr: &Tr,
    name: &'static str,
    zh: &str,
    en: &str,
    all: &[T],
    names: &[(&str, &str)],
    current: &str,
) -> GbtField {
    let label = if tr.locale == vulndesk_core::Locale::ZhCn { zh.to_owned() } else { format!("{en} ({zh})") };
    let options = all
        .iter()
        .zip(names)
        .rev()
        .map(|(_, (ven, vzh))| Choice {
            value: (*ven).to_owned(),
            label: if tr.locale == vulndesk_core::Locale::ZhCn { (*vzh).to_owned() } else { format!("{ven} ({vzh})") },
            checked: current == *ven,
        })
        .collect();
    GbtField { name, label, options }
}

fn gbt_fields(tr: &Tr, indicators: &str) -> Vec<GbtField> {
    use vulndesk_formats::gbt30279::*;
    let current = |name: &str| {
        indicators
            .split(';')
            .find_map(|kv| kv.split_once('=').filter(|(k, _)| *k == name).map(|(_, v)| v.to_owned()))
            .unwrap_or_default()
    };
    vec![
        gbt_field(
            tr,
            "access_path",
            AccessPath::INDICATOR_ZH,
            AccessPath::INDICATOR_EN,
            AccessPath::ALL,
            AccessPath::NAMES,
            &current("access_path"),
        ),
        gbt_field(
            tr,
            "trigger",
            TriggerRequirement::INDICATOR_ZH,
            TriggerRequirement::INDICATOR_EN,
            TriggerRequirement::ALL,
            TriggerRequirement::NAMES,
            &current("trigger"),
        ),
        gbt_field(
            tr,
            "privileges",
            PrivilegesRequired::INDICATOR_ZH,
            PrivilegesRequired::INDICATOR_EN,
            PrivilegesRequired::ALL,
            PrivilegesRequired::NAMES,
            &current("privileges"),
        ),
        gbt_field(
            tr,
            "interaction",
            UserInteraction::INDICATOR_ZH,
            UserInteraction::INDICATOR_EN,
            UserInteraction::ALL,
            UserInteraction::NAMES,
            &current("interaction"),
        ),
        gbt_field(
            tr,
            "confidentiality",
            "保密性影响",
            "confidentiality impact",
            ImpactLevel::ALL,
            ImpactLevel::NAMES,
            &current("confidentiality"),
        ),
        gbt_field(
            tr,
            "integrity",
            "完整性影响",
            "integrity impact",
            ImpactLevel::ALL,
            ImpactLevel::NAMES,
            &current("integrity"),
        ),
        gbt_field(
            tr,
            "availability",
            "可用性影响",
            "availability impact",
            ImpactLevel::ALL,
            ImpactLevel::NAMES,
            &current("availability"),
        ),
        gbt_field(
            tr,
            "cost",
            ExploitCost::INDICATOR_ZH,
            ExploitCost::INDICATOR_EN,
            ExploitCost::ALL,
            ExploitCost::NAMES,
            &current("cost"),
        ),
        gbt_field(
            tr,
            "fix_difficulty",
            FixDifficulty::INDICATOR_ZH,
            FixDifficulty::INDICATOR_EN,
            FixDifficulty::ALL,
            FixDifficulty::NAMES,
            &current("fix_difficulty"),
        ),
        gbt_field(tr, "reach", Reach::INDICATOR_ZH, Reach::INDICATOR_EN, Reach::ALL, Reach::NAMES, &current("reach")),
    ]
}

async fn case_page(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    c: &Case,
    errors: Vec<String>,
) -> Result<CasePage, AppError> {
    let tr = ctx.tr;
    let now = state.clock.now();
    let mut reports = Vec::new();
    for id in state.store.case_reports(c.id).await? {
        if let Some(r) = state.store.report(id).await? {
            reports.push(Choice { value: r.id.to_string(), label: r.title, checked: false });
        }
    }
    let mut attachments = Vec::new();
    for id in state.store.case_reports(c.id).await? {
        for a in state.store.attachments_of(id).await? {
            let exploit = a.tag == vulndesk_core::intake::AttachmentTag::Exploit;
            attachments.push(Choice {
                value: format!("/orgs/{}/reports/{id}/attachments/{}", org.slug, a.id),
                label: format!("{} ({} B, {})", a.filename, a.size, tr.t(&format!("tag-{}", a.tag.as_str()))),
                checked: exploit,
            });
        }
    }
    let deadlines = cases::case_deadlines(state, c)
        .await?
        .iter()
        .map(|d| {
            let (st, css) = deadline_state(&tr, d, now);
            DeadlineRow {
                kind: tr.t(&format!("deadline-{}", d.kind.as_str())),
                due: d.due.to_rfc3339(),
                state: st,
                css,
            }
        })
        .collect();
    let events = CaseEvent::ALL
        .iter()
        .filter(|e| target(c.state, **e).is_some())
        .map(|e| Choice {
            value: e.as_str().into(),
            label: tr.t(&format!("case-event-{}", e.as_str())),
            checked: false,
        })
        .collect();
    let verifications = state
        .store
        .verifications_of(c.id)
        .await?
        .into_iter()
        .map(|v| Choice {
            label: format!(
                "{} · {} · {}",
                v.verified_by,
                v.verified_at.to_rfc3339(),
                if v.reproduced { tr.t("verification-reproduced") } else { tr.t("verification-not-reproduced") }
            ),
            value: format!("{} — {} — {}", v.environment, v.method, v.result),
            checked: false,
        })
        .collect();
    let mut timeline: Vec<(Timestamp, String)> = vec![(c.created_at, tr.t("case-opened"))];
    for t in state.store.transitions_of(c.id).await? {
        let line = format!(
            "{} → {}{}",
            tr.t(&format!("case-event-{}", t.event)),
            tr.t(&format!("case-state-{}", t.to)),
            if t.reason.is_empty() { String::new() } else { format!(" — {}", t.reason) }
        );
        timeline.push((t.at, line));
    }
    timeline.sort_by_key(|(at, _)| *at);
    let gbt = state.store.gbt_grading(c.id).await?.unwrap_or_default();
    let mut comments = Vec::new();
    for cm in state.store.comments_of(c.id).await? {
        let who = match cm.author.parse() {
            Ok(id) => state.store.user_by_id(id).await?.map_or(cm.author.clone(), |u| u.username.to_string()),
            Err(_) => cm.author.clone(),
        };
        let scope = if cm.shared { tr.t("case-comment-shared-tag") } else { tr.t("case-comment-internal-tag") };
        comments.push(Choice {
            value: format!("{who} · {} · {scope}", cm.created_at.to_rfc3339()),
            label: cm.body,
            checked: cm.shared,
        });
    }
    let grade_options = ["", "critical", "high", "medium", "low"]
        .iter()
        .map(|g| Choice {
            value: (*g).into(),
            label: if g.is_empty() { tr.t("case-grade-from-cvss") } else { tr.t(&format!("grade-{g}")) },
            checked: !g.is_empty() && *g == c.grade,
        })
        .collect();
    let impact = crate::catalogue::impact(state, c).await?;
    Ok(CasePage {
        chrome: Chrome::new(ctx),
        org_slug: org.slug.to_string(),
        errors,
        number: c.number.clone(),
        title: c.title.clone(),
        state: tr.t(&format!("case-state-{}", c.state.as_str())),
        state_reason: c.state_reason.clone(),
        aware_at: c.aware_at.to_rfc3339(),
        cvss_vector: c.cvss_vector.clone(),
        cvss_score: c.cvss_score.clone(),
        grade: grade_label(&tr, &c.grade),
        grade_options,
        cwe: c.cwe.clone(),
        characteristics: c.characteristics.clone(),
        harm: c.harm.clone(),
        scope_of_impact: c.scope_of_impact.clone(),
        characteristics_en: c.characteristics_en.clone(),
        harm_en: c.harm_en.clone(),
        scope_of_impact_en: c.scope_of_impact_en.clone(),
        upstream: c.upstream,
        upstream_supplier: c.upstream_supplier.clone(),
        users_must_act: c.users_must_act,
        reports,
        deadlines,
        events,
        verifications,
        comments,
        attachments,
        teams: {
            let on = state.store.case_teams(c.id).await?;
            state
                .store
                .teams_of(org.id)
                .await?
                .into_iter()
                .map(|t| Choice { checked: on.contains(&t.slug), value: t.slug, label: t.name })
                .collect()
        },
        people: state
            .store
            .case_people(c.id)
            .await?
            .into_iter()
            .map(|(u, kind)| Choice {
                label: format!("{} ({})", u.display_name, u.username),
                value: u.username.to_string(),
                checked: kind == "assignee",
            })
            .collect(),
        gbt_fields: gbt_fields(&tr, &gbt.indicators),
        gbt_technical: if gbt.technical.is_empty() { String::new() } else { grade_label(&tr, &gbt.technical) },
        gbt_comprehensive: if gbt.comprehensive.is_empty() {
            String::new()
        } else {
            grade_label(&tr, &gbt.comprehensive)
        },
        gbt_tables: gbt.tables,
        aliases: state.store.aliases_of(c.id).await?.join(", "),
        cwe_name: c
            .cwe
            .parse::<vulndesk_formats::cwe::CweId>()
            .ok()
            .and_then(|id| vulndesk_formats::cwe::get(id.number()))
            .map(|w| w.name.to_owned())
            .unwrap_or_default(),
        timeline: timeline
            .into_iter()
            .map(|(at, label)| Choice { value: at.to_rfc3339(), label, checked: false })
            .collect(),
        can_manage: ctx.require(Action::ManageCases(org.id)).is_ok(),
        restricted: state.store.case_is_restricted(c.id).await?,
        withheld_abroad: !c.state.is_disclosed() && impact.customers.iter().any(|x| x.jurisdiction != "CN"),
        impact,
        notices: {
            let acks = state.store.notice_acks_for(&c.id.to_string()).await?;
            state
                .store
                .deliveries_for(&c.id.to_string())
                .await?
                .into_iter()
                .filter(|d| d.new.kind == "upstream_notice" || d.new.kind == "customer_notice")
                .map(|d| {
                    let ack = acks
                        .iter()
                        .find(|a| a.delivery_id == d.new.id)
                        .and_then(|a| a.acknowledged_at)
                        .map(|t| t.to_rfc3339())
                        .unwrap_or_default();
                    (d, ack)
                })
                .collect()
        },
        suppliers: state
            .store
            .suppliers_of(org.id)
            .await?
            .into_iter()
            .map(|s| Choice {
                value: s.id.to_string(),
                label: format!("{} ({})", s.name, s.jurisdiction),
                checked: false,
            })
            .collect(),
    })
}

pub(crate) async fn show(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number)): Path<(String, String)>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let org = case_org(&state, &ctx, &slug).await?;
    let c = cases::readable_case(&state, &ctx, &org, &number).await?;
    let mut page = case_page(&state, &ctx, &org, &c, Vec::new()).await?;
    page.chrome = page.chrome.with_notice(q.done.as_deref());
    render(&page)
}

/// Runs a case action; on a refusal or bad input shows the case again with the problems listed.
async fn act<F, Fut>(state: AppState, ctx: RequestCtx, slug: String, number: String, f: F) -> Result<Response, AppError>
where
    F: FnOnce(AppState, RequestCtx, Case) -> Fut,
    Fut: std::future::Future<Output = Result<(), AppError>>,
{
    let org = case_org(&state, &ctx, &slug).await?;
    let c = cases::readable_case(&state, &ctx, &org, &number).await?;
    match f(state.clone(), ctx.clone(), c.clone()).await {
        Ok(()) => Ok(see_other(&format!("/orgs/{slug}/cases/{number}?done=notice-case-saved"))),
        Err(e) => {
            let (status, errors) = match e {
                AppError::Validation(fields) => {
                    (StatusCode::UNPROCESSABLE_ENTITY, fields.iter().map(|f| f.render(&ctx.tr)).collect())
                }
                AppError::Refused(m) => (StatusCode::CONFLICT, vec![m]),
                other => return Err(other),
            };
            let fresh = state.store.case(c.id).await?.unwrap_or(c);
            render_status(status, &case_page(&state, &ctx, &org, &fresh, errors).await?)
        }
    }
}

pub(crate) async fn assessment(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number)): Path<(String, String)>,
    Form(f): Form<AssessmentForm>,
) -> Result<Response, AppError> {
    act(state, ctx, slug, number, |s, c, case| async move { cases::assess(&s, &c, &case, &f).await }).await
}

pub(crate) async fn verification(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number)): Path<(String, String)>,
    Form(f): Form<VerificationForm>,
) -> Result<Response, AppError> {
    act(state, ctx, slug, number, |s, c, case| async move { cases::verify(&s, &c, &case, &f).await }).await
}

#[derive(Deserialize)]
pub(crate) struct TransitionForm {
    #[serde(default)]
    event: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    duplicate_of: String,
}

pub(crate) async fn transition(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number)): Path<(String, String)>,
    Form(f): Form<TransitionForm>,
) -> Result<Response, AppError> {
    act(state, ctx, slug, number, |s, c, case| async move {
        cases::move_case(&s, &c, &case, &f.event, &f.reason, &f.duplicate_of).await
    })
    .await
}

pub(crate) async fn add_component(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number)): Path<(String, String)>,
    Form(f): Form<crate::catalogue::CaseComponentForm>,
) -> Result<Response, AppError> {
    act(state, ctx, slug, number, |s, c, case| async move {
        crate::catalogue::add_case_component(&s, &c, &case, &f).await.map(|_| ())
    })
    .await
}

pub(crate) async fn send_notices(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number)): Path<(String, String)>,
    Form(_): Form<super::CsrfOnly>,
) -> Result<Response, AppError> {
    act(state, ctx, slug, number, |s, c, case| async move {
        crate::catalogue::send_upstream_notices(&s, &c, &case).await.map(|_| ())
    })
    .await
}

pub(crate) async fn send_customer_notices(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number)): Path<(String, String)>,
    Form(f): Form<crate::catalogue::CustomerNoticeForm>,
) -> Result<Response, AppError> {
    act(state, ctx, slug, number, |s, c, case| async move {
        crate::catalogue::send_customer_notices(&s, &c, &case, &f).await.map(|_| ())
    })
    .await
}

pub(crate) async fn remove_component(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number, id)): Path<(String, String, String)>,
    Form(_): Form<super::CsrfOnly>,
) -> Result<Response, AppError> {
    act(state, ctx, slug, number, |s, c, case| async move {
        crate::catalogue::remove_case_component(&s, &c, &case, &id).await
    })
    .await
}

struct BoardRow {
    number: String,
    title: String,
    kind: String,
    due: String,
    left: String,
    state: String,
    css: &'static str,
}

#[derive(Template)]
#[template(path = "deadlines.html")]
struct BoardPage {
    chrome: Chrome,
    org_name: String,
    org_slug: String,
    kind: String,
    assignee: String,
    product: String,
    teams: Vec<Choice>,
    kinds: Vec<Choice>,
    rows: Vec<BoardRow>,
}

#[derive(Deserialize)]
pub(crate) struct BoardQuery {
    kind: Option<String>,
    assignee: Option<String>,
    product: Option<String>,
    team: Option<String>,
}

const KINDS: [DeadlineKind; 4] = [
    DeadlineKind::AuthorityReport,
    DeadlineKind::UpstreamNotice,
    DeadlineKind::ReporterAcknowledgement,
    DeadlineKind::Remediation,
];

/// Every open case's deadlines that are not met yet, soonest first.
/// What the deadlines board is narrowed to.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct BoardFilter<'a> {
    pub(crate) kind: Option<DeadlineKind>,
    /// Cases assigned to this username.
    pub(crate) assignee: Option<&'a str>,
    /// Cases naming this product.
    pub(crate) product: Option<&'a str>,
    /// Cases assigned to this team (its short name), or to one of its members.
    pub(crate) team: Option<&'a str>,
}

pub(crate) async fn board_rows(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    f: BoardFilter<'_>,
) -> Result<Vec<(Case, Deadline)>, AppError> {
    let BoardFilter { kind, assignee, product, team } = f;
    let product = product.map(str::trim).filter(|p| !p.is_empty()).map(str::to_lowercase);
    let team = match team.map(str::trim).filter(|t| !t.is_empty()) {
        Some(slug) => {
            Some(state.store.teams_of(org.id).await?.into_iter().find(|t| t.slug == slug).ok_or_else(|| {
                AppError::Validation(vec![crate::error::FieldError::new("team", "team-unknown").with("value", slug)])
            })?)
        }
        None => None,
    };
    let mut rows = Vec::new();
    let hidden = crate::cases::hidden_cases(state, ctx, org.id).await?;
    let open: Vec<Case> =
        state.store.cases_of(org.id, true).await?.into_iter().filter(|c| !hidden.contains(&c.id)).collect();
    let mut deadlines = cases::org_case_deadlines(state, org.id, &open).await?;
    for c in open {
        if let Some(who) = assignee.filter(|a| !a.is_empty()) {
            let people = state.store.case_people(c.id).await?;
            if !people.iter().any(|(u, k)| k == "assignee" && u.username.as_str() == who) {
                continue;
            }
        }
        if let Some(t) = &team {
            let assigned = state.store.case_teams(c.id).await?.contains(&t.slug);
            let by_member = state
                .store
                .case_people(c.id)
                .await?
                .iter()
                .any(|(u, k)| k == "assignee" && t.members.iter().any(|m| m == u.username.as_str()));
            if !assigned && !by_member {
                continue;
            }
        }
        if let Some(wanted) = &product
            && !case_names_product(state, &c, wanted).await?
        {
            continue;
        }
        for d in deadlines.remove(&c.id).unwrap_or_default() {
            if d.met_at.is_none() && kind.is_none_or(|k| k == d.kind) {
                rows.push((c.clone(), d));
            }
        }
    }
    rows.sort_by_key(|(_, d)| d.due);
    Ok(rows)
}

/// Whether the case's scope of impact or one of its reports names the product (`wanted` is lower case;
/// a case-insensitive substring, so `AX3000` finds `AX3000 Pro`).
async fn case_names_product(state: &AppState, c: &Case, wanted: &str) -> Result<bool, AppError> {
    if c.scope_of_impact.to_lowercase().contains(wanted) || c.scope_of_impact_en.to_lowercase().contains(wanted) {
        return Ok(true);
    }
    for id in state.store.case_reports(c.id).await? {
        if let Some(r) = state.store.report(id).await?
            && r.product.to_lowercase().contains(wanted)
        {
            return Ok(true);
        }
    }
    Ok(false)
}

pub(crate) async fn board(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Query(q): Query<BoardQuery>,
) -> Result<Response, AppError> {
    let org = case_org(&state, &ctx, &slug).await?;
    let tr = ctx.tr;
    let kind = q.kind.as_deref().and_then(|k| KINDS.iter().copied().find(|x| x.as_str() == k));
    let now = state.clock.now();
    let filter =
        BoardFilter { kind, assignee: q.assignee.as_deref(), product: q.product.as_deref(), team: q.team.as_deref() };
    let rows = board_rows(&state, &ctx, &org, filter)
        .await?
        .into_iter()
        .map(|(c, d)| {
            let (st, css) = deadline_state(&tr, &d, now);
            BoardRow {
                number: c.number,
                title: c.title,
                kind: tr.t(&format!("deadline-{}", d.kind.as_str())),
                due: d.due.to_rfc3339(),
                left: human_duration(&tr, d.remaining_micros(now)),
                state: st,
                css,
            }
        })
        .collect();
    let kinds = KINDS
        .iter()
        .map(|k| Choice {
            value: k.as_str().into(),
            label: tr.t(&format!("deadline-{}", k.as_str())),
            checked: kind == Some(*k),
        })
        .collect();
    render(&BoardPage {
        chrome: Chrome::new(&ctx),
        org_name: org.name.clone(),
        org_slug: org.slug.to_string(),
        kind: q.kind.unwrap_or_default(),
        teams: state
            .store
            .teams_of(org.id)
            .await?
            .into_iter()
            .map(|t| Choice { checked: q.team.as_deref() == Some(t.slug.as_str()), value: t.slug, label: t.name })
            .collect(),
        assignee: q.assignee.unwrap_or_default(),
        product: q.product.unwrap_or_default(),
        kinds,
        rows,
    })
}

struct StepRow {
    name: String,
    article: &'static str,
    status: String,
    at: String,
    actor: String,
    detail: String,
    css: &'static str,
}

#[derive(Template)]
#[template(path = "dossier.html")]
struct DossierPage {
    chrome: Chrome,
    org_slug: String,
    d: crate::dossier::Dossier,
    steps: Vec<StepRow>,
}

pub(crate) async fn dossier(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let org = case_org(&state, &ctx, &slug).await?;
    let c = cases::readable_case(&state, &ctx, &org, &number).await?;
    let tr = ctx.tr;
    let d = crate::dossier::build(&state, &tr, &c).await?;
    let steps = d
        .steps
        .iter()
        .map(|s| StepRow {
            name: tr.t(&format!("dossier-step-{}", s.step)),
            article: s.article,
            status: tr.t(&format!("dossier-status-{}", s.status)),
            at: s.at.clone().unwrap_or_default(),
            actor: s.actor.clone().unwrap_or_default(),
            detail: s.detail.clone(),
            css: match s.status {
                "done" => "met",
                "pending" => "warn",
                _ => "",
            },
        })
        .collect();
    render(&DossierPage { chrome: Chrome::new(&ctx), org_slug: org.slug.to_string(), d, steps })
}

/// The dossier as a PDF to file or hand to an inspector (in the request's language). Each one
/// made is audited, like every other read of the case.
pub(crate) async fn dossier_pdf(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number)): Path<(String, String)>,
) -> Result<Response, AppError> {
    use vulndesk_formats::pdf::{Block, Document};
    let org = case_org(&state, &ctx, &slug).await?;
    let c = cases::readable_case(&state, &ctx, &org, &number).await?;
    let tr = ctx.tr;
    let d = crate::dossier::build(&state, &tr, &c).await?;
    let title = format!("{} · {}", tr.t("dossier-title"), d.case);
    let mut doc = Document::new(title.clone(), tr.locale.tag()).author(d.organisation.clone()).footer(format!(
        "{} · {} · {} {}",
        d.organisation,
        d.case,
        tr.t("dossier-generated"),
        d.generated_at
    ));
    doc.push(Block::Title(title));
    doc.push(Block::Fields(vec![
        (tr.t("field-title"), d.title.clone()),
        (tr.t("field-organisation"), d.organisation.clone()),
        (tr.t("dossier-generated"), d.generated_at.clone()),
    ]));
    doc.push(Block::Table {
        header: vec![
            tr.t("dossier-step"),
            tr.t("dossier-article"),
            tr.t("field-status"),
            tr.t("audit-at"),
            tr.t("audit-actor"),
            tr.t("audit-details"),
        ],
        rows: d
            .steps
            .iter()
            .map(|s| {
                vec![
                    tr.t(&format!("dossier-step-{}", s.step)),
                    format!("Art. {}", s.article),
                    tr.t(&format!("dossier-status-{}", s.status)),
                    s.at.clone().unwrap_or_default(),
                    s.actor.clone().unwrap_or_default(),
                    s.detail.clone(),
                ]
            })
            .collect(),
    });
    doc.push(Block::Heading(tr.t("dossier-gate")));
    if d.gate_decisions.is_empty() {
        doc.push(Block::Paragraph(tr.t("dossier-no-gate")));
    }
    for g in &d.gate_decisions {
        doc.push(Block::Paragraph(g.clone()));
    }
    let bytes = doc.render();
    let details = serde_json::json!({"format": "pdf"});
    state
        .store
        .record_audit(&ctx.audit(state.clock.now()).event(
            "case.dossier_export",
            "case",
            &c.id.to_string(),
            Some(org.id.to_string()),
            details.to_string(),
        ))
        .await?;
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"dossier-{}.pdf\"", d.case)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

pub(crate) async fn dossier_json(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number)): Path<(String, String)>,
) -> Result<axum::Json<crate::dossier::Dossier>, AppError> {
    let org = case_org(&state, &ctx, &slug).await?;
    let c = cases::readable_case(&state, &ctx, &org, &number).await?;
    Ok(axum::Json(crate::dossier::build(&state, &ctx.tr, &c).await?))
}

#[derive(Deserialize)]
pub(crate) struct CommentForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    shared: Option<String>,
}

pub(crate) async fn comment(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number)): Path<(String, String)>,
    Form(f): Form<CommentForm>,
) -> Result<Response, AppError> {
    act(state, ctx, slug, number, |s, c, case| async move {
        cases::comment(&s, &c, &case, &f.body, f.shared.is_some()).await
    })
    .await
}

pub(crate) async fn gbt(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number)): Path<(String, String)>,
    Form(f): Form<crate::cases::GbtForm>,
) -> Result<Response, AppError> {
    act(state, ctx, slug, number, |s, c, case| async move { cases::grade_gbt(&s, &c, &case, &f).await }).await
}

#[derive(Deserialize)]
pub(crate) struct MergeForm {
    #[serde(default)]
    case: String,
}

pub(crate) async fn merge(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, id)): Path<(String, String)>,
    Form(f): Form<MergeForm>,
) -> Result<Response, AppError> {
    let (org, report) = readable_report(&state, &ctx, &slug, &id, "merge").await?;
    let case = cases::merge(&state, &ctx, &org, &report, &f.case).await?;
    Ok(see_other(&format!("/orgs/{slug}/cases/{}?done=notice-case-saved", case.number)))
}

#[derive(Deserialize)]
pub(crate) struct CaseTeamForm {
    #[serde(default)]
    team: String,
    /// `add` or `remove`.
    #[serde(default)]
    op: String,
}

pub(crate) async fn team(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number)): Path<(String, String)>,
    Form(f): Form<CaseTeamForm>,
) -> Result<Response, AppError> {
    let org = case_org(&state, &ctx, &slug).await?;
    act(state, ctx, slug, number, |s, c, case| async move {
        crate::teams::set_case_team(&s, &c, &org, &case, &f.team, f.op != "remove").await
    })
    .await
}

#[derive(Deserialize)]
pub(crate) struct PersonForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    kind: String,
    /// `add` or `remove`.
    #[serde(default)]
    op: String,
}

#[derive(Deserialize)]
pub(crate) struct RestrictionForm {
    /// `on` or `off`.
    #[serde(default)]
    restricted: String,
}

pub(crate) async fn restriction(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number)): Path<(String, String)>,
    Form(f): Form<RestrictionForm>,
) -> Result<Response, AppError> {
    act(state, ctx, slug, number, |s, c, case| async move {
        cases::set_restriction(&s, &c, &case, f.restricted == "on").await
    })
    .await
}

pub(crate) async fn person(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number)): Path<(String, String)>,
    Form(f): Form<PersonForm>,
) -> Result<Response, AppError> {
    act(state, ctx, slug, number, |s, c, case| async move {
        cases::set_person(&s, &c, &case, &f.username, &f.kind, f.op != "remove").await
    })
    .await
}
