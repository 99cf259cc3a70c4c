//! A collection platform's pages: the hand-off panel on a report, the platform page (the vendor
//! behind each program, hand-offs with their response deadlines, the filing record with its
//! change log and update tasks, statistics for the filing authority), and the page an e-mailed
//! vendor opens through its secret link to read the report and acknowledge it.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use serde::Deserialize;
use vulndesk_core::intake::Report;
use vulndesk_core::{Action, OrgKind, Organisation};

use super::{Chart, Chrome, CsrfOnly, Done, Form, render, render_status, see_other};
use crate::auth::{RequestCtx, sha256_hex};
use crate::error::AppError;
use crate::handoffs::{self, FilingDto, HandoffForm, HandoffView, VendorForm};
use crate::intake::safe_markdown;
use crate::ops;
use crate::state::AppState;

/// The hand-off part of a report's page.
#[derive(Default)]
pub(crate) struct HandoffPanel {
    /// The organisation is a collection platform and the actor may hand off.
    pub(crate) can_hand_off: bool,
    /// The program's vendor, if set.
    pub(crate) vendor: String,
    /// Hand-offs made.
    pub(crate) handoffs: Vec<HandoffView>,
    /// On a vendor's report: the platform it came from.
    pub(crate) from_platform: String,
    /// On a vendor's report: the platform's case numbers, if it opened any.
    pub(crate) platform_cases: Vec<String>,
}

/// The panel for `r` in `org`.
pub(crate) async fn panel(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    r: &Report,
) -> Result<HandoffPanel, AppError> {
    let mut p = HandoffPanel::default();
    if org.kinds.contains(&OrgKind::CollectionPlatform) {
        p.can_hand_off = ctx.require(Action::TriageReports(org.id)).is_ok();
        p.vendor = state.store.program_vendor(r.program).await?.map(|v| v.vendor_name).unwrap_or_default();
        for h in state.store.handoffs_of_report(r.id).await? {
            p.handoffs.push(handoffs::view(state, &h).await?);
        }
    }
    if let Some(h) = state.store.handoff_into(r.id).await? {
        p.from_platform = state.store.org_by_id(h.org).await?.map(|o| o.name).unwrap_or_default();
        for c in state.store.cases_for_report(h.report).await? {
            if let Some(c) = state.store.case(c).await? {
                p.platform_cases.push(c.number);
            }
        }
    }
    Ok(p)
}

pub(crate) async fn hand_off(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, id)): Path<(String, String)>,
    Form(f): Form<HandoffForm>,
) -> Result<Response, AppError> {
    let (org, report) = super::inbox::readable_report(&state, &ctx, &slug, &id, "handoff").await?;
    match handoffs::hand_off(&state, &ctx, &org, &report, &f).await {
        Ok(_) => Ok(see_other(&format!("/orgs/{slug}/reports/{id}?done=notice-handoff-sent"))),
        Err(e) => {
            let refusal = super::refused(&ctx, e)?;
            super::inbox::show_with(&state, &ctx, &slug, &id, None, refusal, None).await
        }
    }
}

struct VendorCard {
    slug: String,
    name: String,
    form: VendorForm,
}

struct HandoffRow {
    view: HandoffView,
    report_title: String,
}

struct TaskRow {
    id: String,
    changed: String,
    due_at: String,
    done: String,
    overdue: bool,
}

struct StatRow {
    vendor: String,
    grade: String,
    received: i64,
    handed_off: i64,
    fixed: i64,
    published: i64,
}

#[derive(Template)]
#[template(path = "platform.html")]
struct PlatformPage {
    chrome: Chrome,
    org_slug: String,
    org_name: String,
    can_manage: bool,
    can_see_reports: bool,
    vendors: Vec<VendorCard>,
    handoffs: Vec<HandoffRow>,
    filing: FilingDto,
    has_filing: bool,
    filing_log: Vec<(String, String, String)>,
    tasks: Vec<TaskRow>,
    from: String,
    to: String,
    stats: Vec<StatRow>,
    charts: Vec<Chart>,
    errors: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct PlatformQuery {
    from: Option<String>,
    to: Option<String>,
    done: Option<String>,
}

async fn platform_page(
    state: &AppState,
    ctx: &RequestCtx,
    slug: &str,
    q: &PlatformQuery,
    errors: Vec<String>,
) -> Result<PlatformPage, AppError> {
    let org = ops::visible_org(state, ctx, slug).await?;
    if !org.kinds.contains(&OrgKind::CollectionPlatform) {
        return Err(AppError::NotFound);
    }
    let can_manage = ctx.require(Action::ManagePrograms(org.id)).is_ok();
    let can_see_reports = ctx.require(Action::ViewReports(org.id)).is_ok();
    // Hand-offs name reports: need-to-know, like the inbox. The rest is the platform's set-up.
    if !can_manage && !can_see_reports {
        ctx.require(Action::ViewReports(org.id))?;
    }
    let tr = ctx.tr;
    let mut vendors = Vec::new();
    for p in state.store.programs_of(org.id).await? {
        let v = state.store.program_vendor(p.id).await?;
        let mut form = VendorForm { jurisdiction: "CN".into(), response_hours: "72".into(), ..VendorForm::default() };
        if let Some(v) = v {
            let vendor_org = match v.vendor_org {
                Some(id) => state.store.org_by_id(id).await?.map(|o| o.slug.to_string()).unwrap_or_default(),
                None => String::new(),
            };
            form = VendorForm {
                vendor_org,
                vendor_name: v.vendor_name,
                contact_email: v.contact_email,
                jurisdiction: v.jurisdiction,
                response_hours: v.response_hours.to_string(),
            };
        }
        vendors.push(VendorCard { slug: p.slug.to_string(), name: p.name, form });
    }
    let mut rows = Vec::new();
    if can_see_reports {
        for h in state.store.handoffs_of_org(org.id).await? {
            let title = state.store.report(h.report).await?.map(|r| r.title).unwrap_or_default();
            rows.push(HandoffRow { view: handoffs::view(state, &h).await?, report_title: title });
        }
    }
    let filing = state.store.filing_of(org.id).await?;
    let has_filing = filing.is_some();
    let filing = filing
        .map(|f| FilingDto {
            filing_number: f.filing_number,
            filed_on: f.filed_on,
            platform_name: f.platform_name,
            homepage_url: f.homepage_url,
            icp_number: f.icp_number,
            sponsor: f.sponsor,
            contact: f.contact,
            rules: f.rules,
        })
        .unwrap_or_default();
    let filing_log = state
        .store
        .audit_of_object("organisation", &org.id.to_string())
        .await?
        .into_iter()
        .filter(|e| e.event.action.starts_with("filing."))
        .rev()
        .take(50)
        .map(|e| (e.event.at.to_rfc3339(), e.event.action, e.event.details))
        .collect();
    let now = state.clock.now();
    let tasks = state
        .store
        .filing_tasks(org.id)
        .await?
        .into_iter()
        .map(|t| TaskRow {
            overdue: t.done_at.is_none() && now > t.due_at,
            id: t.id,
            changed: t.changed.join(", "),
            due_at: t.due_at.to_rfc3339()[..10].to_owned(),
            done: t.done_at.map(|d| d.to_rfc3339()[..10].to_owned()).unwrap_or_default(),
        })
        .collect();
    let lq = crate::rewards::LedgerQuery { program: None, from: q.from.clone(), to: q.to.clone() };
    let period = crate::rewards::period(state, &org, &lq).await?;
    let stats = state.store.platform_statistics(org.id, period.from, period.to).await?;
    let mut by_vendor = std::collections::BTreeMap::<String, i64>::new();
    let mut by_grade = std::collections::BTreeMap::<String, i64>::new();
    for s in &stats {
        *by_vendor.entry(s.vendor.clone()).or_default() += s.received;
        let g = if s.grade.is_empty() { tr.t("grade-none") } else { tr.t(&format!("grade-{}", s.grade)) };
        *by_grade.entry(g).or_default() += s.received;
    }
    let charts = vec![
        Chart::new(tr.t("platform-chart-vendor"), by_vendor.into_iter().map(|(k, v)| (k, v, v.to_string()))),
        Chart::new(tr.t("platform-chart-grade"), by_grade.into_iter().map(|(k, v)| (k, v, v.to_string()))),
    ];
    Ok(PlatformPage {
        chrome: Chrome::new(ctx).with_notice(q.done.as_deref()),
        org_slug: org.slug.to_string(),
        org_name: org.name.clone(),
        can_manage,
        can_see_reports,
        vendors,
        handoffs: rows,
        filing,
        has_filing,
        filing_log,
        tasks,
        from: period.from_day,
        to: period.to_day,
        stats: stats
            .into_iter()
            .map(|s| StatRow {
                grade: if s.grade.is_empty() { tr.t("grade-none") } else { tr.t(&format!("grade-{}", s.grade)) },
                vendor: s.vendor,
                received: s.received,
                handed_off: s.handed_off,
                fixed: s.fixed,
                published: s.published,
            })
            .collect(),
        charts,
        errors,
    })
}

pub(crate) async fn show(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Query(q): Query<PlatformQuery>,
) -> Result<Response, AppError> {
    match platform_page(&state, &ctx, &slug, &q, Vec::new()).await {
        Ok(p) => render(&p),
        Err(e) => platform_failed(&state, &ctx, &slug, e).await,
    }
}

async fn platform_failed(state: &AppState, ctx: &RequestCtx, slug: &str, e: AppError) -> Result<Response, AppError> {
    let (status, errors) = super::refused(ctx, e)?;
    render_status(status, &platform_page(state, ctx, slug, &PlatformQuery::default(), errors).await?)
}

pub(crate) async fn set_vendor(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, program)): Path<(String, String)>,
    Form(f): Form<VendorForm>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    let p = state.store.program_by_slug(&program).await?.filter(|p| p.org == org.id).ok_or(AppError::NotFound)?;
    match handoffs::set_vendor(&state, &ctx, &org, &p, &f).await {
        Ok(_) => Ok(see_other(&format!("/orgs/{slug}/platform?done=notice-vendor-saved"))),
        Err(e) => platform_failed(&state, &ctx, &slug, e).await,
    }
}

/// The filing form: the record's fields plus the CSRF token.
#[derive(Debug, Deserialize)]
pub(crate) struct FilingForm {
    #[serde(default)]
    filing_number: String,
    #[serde(default)]
    filed_on: String,
    #[serde(default)]
    platform_name: String,
    #[serde(default)]
    homepage_url: String,
    #[serde(default)]
    icp_number: String,
    #[serde(default)]
    sponsor: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    rules: String,
}

pub(crate) async fn save_filing(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Form(f): Form<FilingForm>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    let dto = FilingDto {
        filing_number: f.filing_number,
        filed_on: f.filed_on,
        platform_name: f.platform_name,
        homepage_url: f.homepage_url,
        icp_number: f.icp_number,
        sponsor: f.sponsor,
        contact: f.contact,
        rules: f.rules,
    };
    match handoffs::save_filing(&state, &ctx, &org, &dto).await {
        Ok(c) if c.update_filing_with_authority => {
            Ok(see_other(&format!("/orgs/{slug}/platform?done=notice-filing-update-task")))
        }
        Ok(_) => Ok(see_other(&format!("/orgs/{slug}/platform?done=notice-filing-saved"))),
        Err(e) => platform_failed(&state, &ctx, &slug, e).await,
    }
}

pub(crate) async fn filing_task_done(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, id)): Path<(String, String)>,
    Form(_): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    ctx.require(Action::ManagePrograms(org.id))?;
    state.store.close_filing_task(org.id, &id, &ctx.audit(state.clock.now())).await?;
    Ok(see_other(&format!("/orgs/{slug}/platform?done=notice-filing-saved")))
}

struct LinkAttachment {
    id: String,
    filename: String,
    tag: String,
    size: i64,
    sha256: String,
}

#[derive(Template)]
#[template(path = "handoff_link.html")]
struct LinkPage {
    chrome: Chrome,
    token: String,
    platform: String,
    title: String,
    product: String,
    version: String,
    cwe: String,
    credit_name: String,
    description_html: String,
    reproduction_html: String,
    impact: String,
    attachments: Vec<LinkAttachment>,
    due_at: String,
    acknowledged_at: String,
}

/// The hand-off a link's secret opens; each opening is audited (the details are undisclosed).
async fn linked(
    state: &AppState,
    ctx: &RequestCtx,
    token: &str,
    what: &str,
) -> Result<(vulndesk_store::handoffs::Handoff, Report), AppError> {
    let h = state.store.handoff_by_token(&sha256_hex(token)).await?.ok_or(AppError::NotFound)?;
    let r = state.store.report(h.report).await?.ok_or(AppError::NotFound)?;
    let details = serde_json::json!({"handoff": h.id, "recipient": h.recipient_name, "what": what});
    state
        .store
        .record_audit(&ctx.audit(state.clock.now()).event(
            "report.handoff_view",
            "report",
            &r.id.to_string(),
            Some(h.org.to_string()),
            details.to_string(),
        ))
        .await?;
    Ok((h, r))
}

pub(crate) async fn link(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(token): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let (h, r) = linked(&state, &ctx, &token, "report").await?;
    let platform = state.store.org_by_id(h.org).await?.map(|o| o.name).unwrap_or_default();
    let tr = ctx.tr;
    let attachments = state
        .store
        .attachments_of(r.id)
        .await?
        .into_iter()
        .map(|a| LinkAttachment {
            id: a.id.to_string(),
            tag: tr.t(&format!("tag-{}", a.tag.as_str())),
            filename: a.filename,
            size: a.size,
            sha256: a.sha256,
        })
        .collect();
    let mut resp = render(&LinkPage {
        chrome: Chrome::new(&ctx).with_notice(q.done.as_deref()),
        token,
        platform,
        title: r.title.clone(),
        product: r.product.clone(),
        version: r.version.clone(),
        cwe: r.cwe.clone().unwrap_or_default(),
        credit_name: r.credit_name.clone(),
        description_html: safe_markdown(&r.description),
        reproduction_html: safe_markdown(&r.reproduction),
        impact: r.impact.clone(),
        attachments,
        due_at: h.due_at.to_rfc3339(),
        acknowledged_at: h.acknowledged_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
    })?;
    // The link is a credential: keep it out of caches and referrers.
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Ok(resp)
}

pub(crate) async fn link_acknowledge(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(token): Path<String>,
    Form(_): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    let (h, _) = linked(&state, &ctx, &token, "acknowledge").await?;
    state.store.acknowledge_handoff(&h, &ctx.audit(state.clock.now())).await?;
    Ok(see_other(&format!("/h/{token}?done=notice-handoff-acknowledged")))
}

pub(crate) async fn link_attachment(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((token, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (_, r) = linked(&state, &ctx, &token, &format!("attachment {id}")).await?;
    let id = id.parse().map_err(|_| AppError::NotFound)?;
    let (meta, content) = state.store.attachment(r.id, id).await?.ok_or(AppError::NotFound)?;
    super::inbox::attachment_response(&meta.filename, content)
}
