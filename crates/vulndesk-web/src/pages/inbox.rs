//! The triage inbox: an organisation's incoming reports with their age and acknowledgement
//! deadline; one report with its thread, attachments (exploits flagged) and duplicate hints; the
//! triage actions; attachment downloads. Reading a report or an attachment is audited
//! (need-to-know: only triage roles and auditors may).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use vulndesk_core::intake::{AttachmentTag, Report, ReportStatus, acknowledgement_due};
use vulndesk_core::{Action, MessageId, Organisation, OutboxId, ReportId, Timestamp};
use vulndesk_store::intake::{NewMessage, NewOutbox, ReportFilter, StaffAction};

use super::{Choice, Chrome, Done, Form, render, render_status, see_other};
use crate::auth::RequestCtx;
use crate::error::{AppError, FieldError};
use crate::i18n::Tr;
use crate::intake::safe_markdown;
use crate::ops;
use crate::state::AppState;

/// A duration for people: "3 d 4 h", "5 h 12 min", "42 min".
pub(crate) fn human_duration(tr: &Tr, micros: i64) -> String {
    let mins = micros.abs() / 60_000_000;
    let (d, h, m) = (mins / 1440, (mins % 1440) / 60, mins % 60);
    if d > 0 {
        tr.t_args("duration-dh", &[("d", d.to_string()), ("h", h.to_string())])
    } else if h > 0 {
        tr.t_args("duration-hm", &[("h", h.to_string()), ("m", m.to_string())])
    } else {
        tr.t_args("duration-m", &[("m", m.to_string())])
    }
}

/// The acknowledgement deadline as people read it, and whether it has passed.
pub(crate) fn ack_text(tr: &Tr, r: &Report, sla_hours: u32, now: Timestamp) -> (String, bool) {
    if let Some(at) = r.acknowledged_at {
        return (tr.t_args("inbox-acknowledged-at", &[("at", at.to_rfc3339())]), false);
    }
    if r.status.is_closed() {
        return ("—".into(), false);
    }
    let due = acknowledgement_due(r.received_at, sla_hours);
    let left = due.as_micros() - now.as_micros();
    if left >= 0 {
        (tr.t_args("inbox-due-in", &[("left", human_duration(tr, left))]), false)
    } else {
        (tr.t_args("inbox-overdue-by", &[("late", human_duration(tr, left))]), true)
    }
}

struct InboxRow {
    id: String,
    title: String,
    product: String,
    status: String,
    age: String,
    ack: String,
    overdue: bool,
    has_exploit: bool,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    chrome: Chrome,
    org_name: String,
    org_slug: String,
    filter: String,
    status_links: Vec<Choice>,
    reports: Vec<InboxRow>,
    can_triage: bool,
    programs: Vec<Choice>,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct InboxQuery {
    status: Option<String>,
    done: Option<String>,
}

pub(crate) async fn inbox(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Query(q): Query<InboxQuery>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    ctx.require(Action::ViewReports(org.id))?;
    let status = q.status.as_deref().and_then(ReportStatus::parse);
    let filter = ReportFilter { status, open_only: status.is_none(), ..ReportFilter::default() };
    let hidden = crate::cases::hidden_reports(&state, &ctx, org.id).await?;
    let mut reports = state.store.reports_of(org.id, &filter).await?;
    reports.retain(|r| !hidden.contains(&r.id));
    let programs = state.store.programs_of(org.id).await?;
    let now = state.clock.now();
    let tr = ctx.tr;
    let mut rows = Vec::new();
    for r in &reports {
        let sla = programs.iter().find(|p| p.id == r.program).map_or(72, |p| p.ack_sla_hours);
        let (ack, overdue) = ack_text(&tr, r, sla, now);
        let has_exploit = state.store.attachments_of(r.id).await?.iter().any(|a| a.tag == AttachmentTag::Exploit);
        rows.push(InboxRow {
            id: r.id.to_string(),
            title: r.title.clone(),
            product: format!("{} {}", r.product, r.version),
            status: tr.t(&format!("report-status-{}", r.status.as_str())),
            age: human_duration(&tr, now.as_micros() - r.received_at.as_micros()),
            ack,
            overdue,
            has_exploit,
        });
    }
    let status_links = ReportStatus::ALL
        .iter()
        .map(|s| Choice {
            value: s.as_str().into(),
            label: tr.t(&format!("report-status-{}", s.as_str())),
            checked: status == Some(*s),
        })
        .collect();
    let notice = Chrome::new(&ctx).with_notice(q.done.as_deref()).notice;
    render(&InboxPage {
        can_triage: ctx.require(Action::TriageReports(org.id)).is_ok(),
        programs: programs
            .iter()
            .filter(|p| p.closed_reason.is_none())
            .map(|p| Choice { value: p.slug.to_string(), label: p.name.clone(), checked: false })
            .collect(),
        notice,
        chrome: Chrome::new(&ctx),
        org_name: org.name,
        org_slug: org.slug.to_string(),
        filter: q.status.unwrap_or_default(),
        status_links,
        reports: rows,
    })
}

struct AttachmentRow {
    id: String,
    tag: String,
    exploit: bool,
    filename: String,
    size: i64,
    content_type: String,
    sha256: String,
}

struct Line {
    author: String,
    who: String,
    at: String,
    body: String,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    chrome: Chrome,
    org_slug: String,
    id: String,
    title: String,
    status: String,
    status_reason: String,
    program_name: String,
    product: String,
    version: String,
    cwe: String,
    received_at: String,
    receipt_seq: i64,
    ack: String,
    overdue: bool,
    contact: String,
    credit_name: String,
    description_html: String,
    reproduction_html: String,
    impact: String,
    attachments: Vec<AttachmentRow>,
    messages: Vec<Line>,
    duplicates: Vec<Choice>,
    can_triage: bool,
    can_promote: bool,
    cases: Vec<String>,
    errors: Vec<String>,
    rewards: Vec<RewardLine>,
    reward: RewardPanel,
    handoff: super::handoffs::HandoffPanel,
}

/// A reward on the report's page.
struct RewardLine {
    amount: String,
    state: String,
    state_label: String,
    grade: String,
    reason: String,
    shares: String,
    four_eyes: bool,
}

/// The decision form's state on the report's page.
#[derive(Default)]
struct RewardPanel {
    /// The form is shown.
    open: bool,
    /// Why it is not (a translated hint), when the actor could decide.
    hint: String,
    /// The table's ranges, as text.
    ranges: String,
    bonuses: Vec<String>,
    grade: String,
    /// The case's other reports, for the split.
    co_reporters: Vec<Choice>,
    /// What was typed, when the form comes back refused.
    typed: crate::rewards::DecideForm,
}

/// The report with `id` in the organisation `slug`, if the actor may read it; the read is audited.
pub(crate) async fn readable_report(
    state: &AppState,
    ctx: &RequestCtx,
    slug: &str,
    id: &str,
    what: &str,
) -> Result<(Organisation, Report), AppError> {
    let org = ops::visible_org(state, ctx, slug).await?;
    ctx.require(Action::ViewReports(org.id))?;
    let id: ReportId = id.parse().map_err(|_| AppError::NotFound)?;
    let report = state.store.report(id).await?.filter(|r| r.org == org.id).ok_or(AppError::NotFound)?;
    if crate::cases::hidden_reports(state, ctx, org.id).await?.contains(&report.id) {
        return Err(AppError::NotFound);
    }
    state.store.record_report_view(&report, what, &ctx.audit(state.clock.now())).await?;
    Ok((org, report))
}

pub(crate) async fn show(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, id)): Path<(String, String)>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    show_with(&state, &ctx, &slug, &id, q.done.as_deref(), (StatusCode::OK, Vec::new()), None).await
}

async fn reward_parts(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    r: &Report,
) -> Result<(Vec<RewardLine>, RewardPanel), AppError> {
    use vulndesk_core::reward::{Amount, RewardState};
    let tr = ctx.tr;
    if ctx.require(Action::ViewRewards(org.id)).is_err() {
        return Ok((Vec::new(), RewardPanel::default()));
    }
    let all = state.store.rewards_for_report(r.id).await?;
    let lines = all
        .iter()
        .map(|w| RewardLine {
            amount: format!("{} {}", Amount(w.amount), w.currency),
            state: w.state.as_str().to_owned(),
            state_label: tr.t(&format!("reward-state-{}", w.state.as_str())),
            grade: w.grade.clone(),
            reason: w.reason.clone(),
            shares: w
                .shares
                .iter()
                .map(|s| {
                    format!(
                        "{}: {}",
                        if s.credit_name.is_empty() { tr.t("report-anonymous") } else { s.credit_name.clone() },
                        Amount(s.amount)
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
            four_eyes: w.needs_second_approver,
        })
        .collect();
    let mut panel = RewardPanel::default();
    if ctx.require(Action::DecideRewards(org.id)).is_err() {
        return Ok((lines, panel));
    }
    let table = state.store.reward_table(r.program).await?;
    let live = all.iter().any(|w| w.state != RewardState::Cancelled);
    let valid = crate::rewards::is_valid_report(state, r).await?;
    panel.hint = match (&table, valid, live) {
        (_, _, true) => String::new(),
        (None, _, _) => tr.t("reward-hint-no-table"),
        (_, false, _) => tr.t("reward-hint-not-valid"),
        _ => String::new(),
    };
    if let (Some(t), true, false) = (&table, valid, live) {
        panel.open = true;
        panel.ranges = t
            .tiers
            .iter()
            .map(|x| format!("{} {}–{}", tr.t(&format!("grade-{}", x.grade)), Amount(x.min), Amount(x.max)))
            .collect::<Vec<_>>()
            .join(" · ")
            + &format!(" {}", t.currency);
        panel.bonuses = t.bonuses.iter().map(|b| b.name.clone()).collect();
        for cid in state.store.cases_for_report(r.id).await? {
            if let Some(c) = state.store.case(cid).await? {
                panel.grade = c.grade.clone();
                for other in state.store.case_reports(cid).await? {
                    if let Some(o) = state.store.report(other).await? {
                        let who =
                            if o.credit_name.is_empty() { tr.t("report-anonymous") } else { o.credit_name.clone() };
                        panel.co_reporters.push(Choice {
                            value: o.id.to_string(),
                            label: format!("{who} — {}", o.title),
                            checked: o.id == r.id,
                        });
                    }
                }
            }
        }
    }
    Ok((lines, panel))
}

/// The report's page with a status and form errors (a failed form on it answers this, with
/// what was typed into the reward form, if that was the form).
pub(crate) async fn show_with(
    state: &AppState,
    ctx: &RequestCtx,
    slug: &str,
    id: &str,
    notice: Option<&str>,
    (status, errors): (StatusCode, Vec<String>),
    typed: Option<&crate::rewards::DecideForm>,
) -> Result<Response, AppError> {
    let (org, r) = readable_report(state, ctx, slug, id, "report").await?;
    let (rewards, mut reward) = reward_parts(state, ctx, &org, &r).await?;
    if let Some(f) = typed {
        reward.typed = f.clone();
        if !f.grade.is_empty() {
            reward.grade = f.grade.clone();
        }
    }
    let handoff = super::handoffs::panel(state, ctx, &org, &r).await?;
    let tr = ctx.tr;
    let program = state.store.program_by_id(r.program).await?.ok_or(AppError::NotFound)?;
    let (ack, overdue) = ack_text(&tr, &r, program.ack_sla_hours, state.clock.now());
    let attachments = state
        .store
        .attachments_of(r.id)
        .await?
        .into_iter()
        .map(|a| AttachmentRow {
            id: a.id.to_string(),
            tag: tr.t(&format!("tag-{}", a.tag.as_str())),
            exploit: a.tag == AttachmentTag::Exploit,
            filename: a.filename,
            size: a.size,
            content_type: a.content_type,
            sha256: a.sha256,
        })
        .collect();
    let messages = state
        .store
        .messages_of(r.id)
        .await?
        .into_iter()
        .map(|m| Line {
            who: if m.author == "reporter" { tr.t("report-reporter") } else { tr.t("tracking-team") },
            author: m.author,
            at: m.created_at.to_rfc3339(),
            body: m.body,
        })
        .collect();
    let mut case_numbers = Vec::new();
    for cid in state.store.cases_for_report(r.id).await? {
        if let Some(c) = state.store.case(cid).await? {
            case_numbers.push(c.number);
        }
    }
    let duplicates = state
        .store
        .possible_duplicates(&r)
        .await?
        .into_iter()
        .map(|(d, score)| Choice {
            value: d.id.to_string(),
            label: format!("{} ({:.0}%)", d.title, score * 100.0),
            checked: false,
        })
        .collect();
    render_status(
        status,
        &ReportPage {
            chrome: Chrome::new(ctx).with_notice(notice),
            org_slug: org.slug.to_string(),
            id: r.id.to_string(),
            status: tr.t(&format!("report-status-{}", r.status.as_str())),
            status_reason: r.status_reason.clone(),
            program_name: program.name,
            product: r.product.clone(),
            version: r.version.clone(),
            cwe: r.cwe.clone().unwrap_or_else(|| "—".into()),
            received_at: r.received_at.to_rfc3339(),
            receipt_seq: r.receipt_seq,
            ack,
            overdue,
            contact: r.contact.clone(),
            credit_name: r.credit_name.clone(),
            description_html: safe_markdown(&r.description),
            reproduction_html: if r.reproduction.is_empty() { String::new() } else { safe_markdown(&r.reproduction) },
            impact: r.impact.clone(),
            attachments,
            messages,
            duplicates,
            can_triage: ctx.require(Action::TriageReports(org.id)).is_ok() && !r.status.is_closed(),
            can_promote: ctx.require(Action::ManageCases(org.id)).is_ok()
                && !matches!(
                    r.status,
                    vulndesk_core::intake::ReportStatus::Spam | vulndesk_core::intake::ReportStatus::Invalid
                ),
            cases: case_numbers,
            title: r.title,
            errors,
            rewards,
            reward,
            handoff,
        },
    )
}

/// A triage action as sent by the form or the API.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct TriageForm {
    /// Sent by the page form; the form extractor checks it, the API ignores it.
    #[serde(default, rename = "csrf")]
    #[schema(ignore)]
    pub(crate) _csrf: serde::de::IgnoredAny,
    /// `acknowledge`, `request_info`, `reply`, `invalid` or `spam`.
    pub(crate) action: String,
    /// The message to the reporter (required for `request_info`, `reply` and `invalid`; for
    /// `spam`, the internal reason).
    #[serde(default)]
    pub(crate) message: String,
}

/// Applies a triage action: the message, the new state, the reporter's notification, the audit.
pub(crate) async fn apply_triage(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    r: &Report,
    f: &TriageForm,
) -> Result<(), AppError> {
    ctx.require(Action::TriageReports(org.id))?;
    let user = ctx.user()?;
    let msg = f.message.trim().to_owned();
    if msg.chars().count() > 20_000 {
        return Err(AppError::Validation(vec![FieldError::new("message", "text-too-long").with("max", 20_000)]));
    }
    let tr_reporter = Tr::new(r.language);
    let staff = |kind: &'static str, body: String| NewMessage {
        id: MessageId::from_uuid(uuid::Builder::from_random_bytes(rand::random()).into_uuid()),
        author: "staff",
        user: Some(user.id),
        kind,
        body,
    };
    let needs_text = |m: &str| {
        if m.is_empty() {
            Err(AppError::Validation(vec![FieldError::new("message", "field-required")]))
        } else {
            Ok(())
        }
    };
    let action = match f.action.as_str() {
        "acknowledge" => {
            let body = if msg.is_empty() { tr_reporter.t("report-ack-default") } else { msg.clone() };
            StaffAction::Acknowledge(staff("acknowledge", body))
        }
        "request_info" => {
            needs_text(&msg)?;
            StaffAction::RequestInfo(staff("request_info", msg.clone()))
        }
        "reply" => {
            needs_text(&msg)?;
            StaffAction::Reply(staff("message", msg.clone()))
        }
        "invalid" => {
            needs_text(&msg)?;
            StaffAction::MarkInvalid(staff("rejection", msg.clone()))
        }
        "spam" => StaffAction::MarkSpam(msg.clone()),
        other => {
            return Err(AppError::Validation(vec![FieldError::new("action", "unknown-action").with("value", other)]));
        }
    };
    let notify = (f.action != "spam" && crate::validate::email("contact", &r.contact).is_ok() && !r.contact.is_empty())
        .then(|| NewOutbox {
            id: OutboxId::from_uuid(uuid::Builder::from_random_bytes(rand::random()).into_uuid()),
            org: Some(org.id),
            channel: "email",
            template: if f.action == "acknowledge" { "report.acknowledged" } else { "report.update" },
            recipient: r.contact.clone(),
            subject: tr_reporter.t_args("mail-update-subject", &[("title", r.title.clone())]),
            body: tr_reporter.t("mail-update-body"),
            related: Some(r.id.to_string()),
        });
    state.store.triage_report(r, &action, notify.as_ref(), &ctx.audit(state.clock.now())).await.map_err(|e| match e {
        vulndesk_store::StoreError::Conflict(_) => AppError::Conflict("conflict-report-closed", Vec::new()),
        other => other.into(),
    })
}

pub(crate) async fn triage(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, id)): Path<(String, String)>,
    Form(f): Form<TriageForm>,
) -> Result<Response, AppError> {
    let (org, r) = readable_report(&state, &ctx, &slug, &id, "triage").await?;
    apply_triage(&state, &ctx, &org, &r, &f).await?;
    Ok(see_other(&format!("/orgs/{slug}/reports/{id}?done=notice-triage-saved")))
}

/// Brings an `.eml` file into one of the organisation's programs as a new report.
pub(crate) async fn import_email(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    mut mp: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    ctx.require(Action::TriageReports(org.id))?;
    let (mut csrf, mut program, mut raw) = (String::new(), String::new(), Vec::new());
    while let Some(field) = mp.next_field().await.map_err(|e| AppError::BadRequest(e.body_text()))? {
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await.map_err(|e| AppError::BadRequest(e.body_text()))?,
            "program" => program = field.text().await.map_err(|e| AppError::BadRequest(e.body_text()))?,
            "eml" => raw = field.bytes().await.map_err(|e| AppError::BadRequest(e.body_text()))?.to_vec(),
            _ => {}
        }
    }
    ctx.check_csrf(&csrf)?;
    let p = state.store.program_by_slug(&program).await?.filter(|p| p.org == org.id).ok_or(AppError::NotFound)?;
    let r = crate::intake::accept_email(&state, &ctx, &p, &raw).await?;
    let details = serde_json::json!({"receipt": r.accepted.seq, "bytes": raw.len()}).to_string();
    state
        .store
        .record_audit(&ctx.audit(state.clock.now()).event(
            "report.import_email",
            "program",
            &p.id.to_string(),
            Some(org.id.to_string()),
            details,
        ))
        .await?;
    Ok(see_other(&format!("/orgs/{slug}/inbox?done=notice-email-imported")))
}

/// Serves an attachment only as a download: never rendered inline, never sniffed by the browser.
pub(crate) async fn attachment(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, id, aid)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let (_, r) = readable_report(&state, &ctx, &slug, &id, &format!("attachment {aid}")).await?;
    let aid = aid.parse().map_err(|_| AppError::NotFound)?;
    let (meta, bytes) = state.store.attachment(r.id, aid).await?.ok_or(AppError::NotFound)?;
    attachment_response(&meta.filename, bytes)
}

/// An attachment as a download that no browser will render or run.
pub(crate) fn attachment_response(filename: &str, bytes: Vec<u8>) -> Result<Response, AppError> {
    let ascii: String =
        filename.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", urlencoding::encode(filename));
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    Ok(resp)
}
