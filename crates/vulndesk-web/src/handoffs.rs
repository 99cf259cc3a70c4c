//! A collection platform's hand-offs (Art. 9(7), 10, 11), shared by the pages and the API.
//!
//! After platform triage confirms a report, it goes to the vendor: to a vendor organisation of
//! this deployment as a new report in that organisation's program (its own receipt, channel
//! `handoff`, the two reports linked), or to a vendor outside it as an e-mail carrying a secret
//! link to the details (kept only as its hash). The Art. 9(7) rule is checked before anything
//! leaves: undisclosed details never go to a recipient outside China unless it is the product's
//! own provider, and every refusal is audited. Vendors have a response SLA; the job runner
//! reminds them when it passes.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vulndesk_core::gate::{self, GateAction, GateFacts, Recipient};
use vulndesk_core::intake::{Channel, Program, ProgramScope, Report, ReportStatus};
use vulndesk_core::{Action, OrgKind, Organisation, ReportId};
use vulndesk_store::handoffs::{Handoff, ProgramVendor};
use vulndesk_store::intake::NewAttachment;
use vulndesk_store::sharing::NewDelivery;

use crate::auth::{RequestCtx, random_secret, random_uuid, sha256_hex};
use crate::error::{AppError, FieldError};
use crate::state::AppState;

/// The vendor behind a program, as forms and the API send it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub(crate) struct VendorForm {
    /// The vendor's organisation in this deployment (its short name), or empty.
    #[serde(default)]
    pub(crate) vendor_org: String,
    /// The vendor's name (defaults to the organisation's).
    #[serde(default)]
    pub(crate) vendor_name: String,
    /// Where hand-offs are mailed for a vendor outside the deployment.
    #[serde(default)]
    pub(crate) contact_email: String,
    /// ISO 3166-1 alpha-2 code of where the vendor is (`CN`, `US`…).
    #[serde(default)]
    pub(crate) jurisdiction: String,
    /// Hours the vendor has to acknowledge a hand-off (default 72).
    #[serde(default)]
    pub(crate) response_hours: String,
}

/// Checks and stores the vendor behind one of a platform's programs (programs' managers).
pub(crate) async fn set_vendor(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    program: &Program,
    f: &VendorForm,
) -> Result<ProgramVendor, AppError> {
    ctx.require(Action::ManagePrograms(org.id))?;
    if program.org != org.id {
        return Err(AppError::NotFound);
    }
    let mut e = Vec::new();
    let vendor_org = match f.vendor_org.trim() {
        "" => None,
        slug => match state.store.org_by_slug(slug).await? {
            Some(o) if o.id != org.id => Some(o),
            _ => {
                e.push(FieldError::new("vendor_org", "handoff-vendor-org-unknown").with("value", slug));
                None
            }
        },
    };
    let vendor_name = match (f.vendor_name.trim(), &vendor_org) {
        ("", Some(o)) => o.name.clone(),
        (n, _) => n.to_owned(),
    };
    if vendor_name.is_empty() {
        e.push(FieldError::new("vendor_name", "field-required"));
    }
    let email = f.contact_email.trim();
    if vendor_org.is_none() && email.is_empty() {
        e.push(FieldError::new("contact_email", "handoff-vendor-needs-address"));
    }
    if !email.is_empty()
        && let Err(err) = crate::validate::email("contact_email", email)
    {
        e.push(err);
    }
    let jurisdiction = f.jurisdiction.trim().to_uppercase();
    if jurisdiction.len() != 2 || !jurisdiction.bytes().all(|b| b.is_ascii_uppercase()) {
        e.push(FieldError::new("jurisdiction", "handoff-jurisdiction").with("value", &f.jurisdiction));
    }
    let response_hours = match f.response_hours.trim() {
        "" => Some(72),
        h => h.parse::<i64>().ok().filter(|h| (1..=24 * 90).contains(h)),
    };
    if response_hours.is_none() {
        e.push(FieldError::new("response_hours", "handoff-response-hours").with("value", &f.response_hours));
    }
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    let v = ProgramVendor {
        program: program.id,
        vendor_org: vendor_org.map(|o| o.id),
        vendor_name,
        contact_email: email.to_owned(),
        jurisdiction,
        response_hours: response_hours.unwrap_or(72),
    };
    state.store.set_program_vendor(org.id, &v, &ctx.audit(state.clock.now())).await?;
    Ok(v)
}

/// A hand-off as forms and the API send it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub(crate) struct HandoffForm {
    /// `vendor` (the program's vendor, the default) or `other` (another recipient such as a CERT).
    #[serde(default)]
    pub(crate) recipient: String,
    /// For `other`: the recipient's name.
    #[serde(default)]
    pub(crate) name: String,
    /// For `other`: its e-mail address.
    #[serde(default)]
    pub(crate) email: String,
    /// For `other`: ISO 3166-1 alpha-2 code of where it is.
    #[serde(default)]
    pub(crate) jurisdiction: String,
    /// For `other`: it is the product's own provider.
    #[serde(default)]
    pub(crate) is_provider: bool,
}

/// The receiving program in a vendor organisation: its first open program for its own products,
/// else its first open program.
async fn receiving_program(state: &AppState, vendor: vulndesk_core::OrgId) -> Result<Option<Program>, AppError> {
    let open: Vec<Program> =
        state.store.programs_of(vendor).await?.into_iter().filter(|p| p.closed_reason.is_none()).collect();
    Ok(open.iter().find(|p| p.scope == ProgramScope::OwnProducts).or(open.first()).cloned())
}

/// Whether the platform's own case for this report (if any) is disclosed.
async fn disclosed(state: &AppState, r: &Report) -> Result<bool, AppError> {
    for id in state.store.cases_for_report(r.id).await? {
        if state.store.case(id).await?.is_some_and(|c| c.state.is_disclosed()) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Hands a report off (triagers of a collection platform), after the Art. 9(7) check.
pub(crate) async fn hand_off(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    report: &Report,
    f: &HandoffForm,
) -> Result<Handoff, AppError> {
    ctx.require(Action::TriageReports(org.id))?;
    if report.org != org.id {
        return Err(AppError::NotFound);
    }
    if !org.kinds.contains(&OrgKind::CollectionPlatform) {
        return Err(AppError::Conflict("conflict-handoff-not-platform", Vec::new()));
    }
    if !matches!(report.status, ReportStatus::Acknowledged | ReportStatus::Promoted) {
        return Err(AppError::Conflict("conflict-handoff-untriaged", Vec::new()));
    }
    let now = state.clock.now();
    let vendor = state.store.program_vendor(report.program).await?;
    let (recipient, vendor_org, email, hours) = match f.recipient.as_str() {
        "" | "vendor" => {
            let v = vendor.ok_or(AppError::Conflict("conflict-handoff-no-vendor", Vec::new()))?;
            let r = Recipient {
                name: v.vendor_name.clone(),
                jurisdiction: v.jurisdiction.clone(),
                is_product_provider: true,
            };
            (r, v.vendor_org, v.contact_email.clone(), v.response_hours)
        }
        "other" => {
            let mut e = Vec::new();
            if f.name.trim().is_empty() {
                e.push(FieldError::new("name", "field-required"));
            }
            if let Err(err) = crate::validate::email("email", f.email.trim()) {
                e.push(err);
            } else if f.email.trim().is_empty() {
                e.push(FieldError::new("email", "field-required"));
            }
            let j = f.jurisdiction.trim().to_uppercase();
            if j.len() != 2 || !j.bytes().all(|b| b.is_ascii_uppercase()) {
                e.push(FieldError::new("jurisdiction", "handoff-jurisdiction").with("value", &f.jurisdiction));
            }
            if !e.is_empty() {
                return Err(AppError::Validation(e));
            }
            let r = Recipient { name: f.name.trim().to_owned(), jurisdiction: j, is_product_provider: f.is_provider };
            (r, None, f.email.trim().to_owned(), vendor.map_or(72, |v| v.response_hours))
        }
        other => {
            return Err(AppError::Validation(vec![
                FieldError::new("recipient", "handoff-recipient").with("value", other),
            ]));
        }
    };

    // Art. 9(7): ask the gate, as for any other sharing.
    let facts = GateFacts {
        undisclosed: !disclosed(state, report).await?,
        recipient: Some(recipient.clone()),
        ..GateFacts::default()
    };
    let decision = gate::decide(GateAction::Share, &facts, now);
    if !decision.allowed() {
        let details = serde_json::json!({"recipient": recipient.name, "jurisdiction": recipient.jurisdiction,
            "kind": "handoff", "report": report.id.to_string(),
            "evidence": decision.outcomes.iter().map(|o| o.evidence.clone()).collect::<Vec<_>>()});
        state
            .store
            .record_audit(&ctx.audit(now).event(
                "share.denied_abroad",
                "report",
                &report.id.to_string(),
                Some(org.id.to_string()),
                details.to_string(),
            ))
            .await?;
        for id in state.store.cases_for_report(report.id).await? {
            if let Some(case) = state.store.case(id).await? {
                crate::publication::gate_share(state, ctx, &case, recipient.clone(), "handoff").await?;
            }
        }
        return Err(AppError::Conflict(
            "conflict-handoff-abroad",
            vec![("name", recipient.name.clone()), ("jurisdiction", recipient.jurisdiction.clone())],
        ));
    }

    let id = random_uuid().to_string();
    let mut h = Handoff {
        id: id.clone(),
        org: org.id,
        report: report.id,
        recipient_name: recipient.name.clone(),
        recipient_org: vendor_org,
        recipient_email: if vendor_org.is_some() { String::new() } else { email.clone() },
        jurisdiction: recipient.jurisdiction.clone(),
        is_provider: recipient.is_product_provider,
        vendor_report: None,
        due_at: now.plus(std::time::Duration::from_secs(u64::try_from(hours).unwrap_or(72) * 3600)),
        acknowledged_at: None,
        reminded_at: None,
        created_by: ctx.actor_name(),
        created_at: now,
    };
    let mut token_hash = None;
    if let Some(vendor) = vendor_org {
        let program = receiving_program(state, vendor).await?.ok_or_else(|| {
            AppError::Conflict("conflict-handoff-vendor-no-program", vec![("name", recipient.name.clone())])
        })?;
        let vendor_report = copy_report(state, org, report, &program).await?;
        let fields = serde_json::json!({"handoff": id, "from": org.name, "platform_report": report.id.to_string(),
            "title": vendor_report.report.title});
        let new_id = vendor_report.report.id;
        crate::intake::accept_report(state, ctx, &program, Channel::Handoff, vendor_report, fields).await?;
        h.vendor_report = Some(new_id);
    } else {
        let secret = random_secret();
        let link = format!("{}/h/{secret}", state.public_base(ctx));
        let tr = crate::i18n::Tr::new(report.language);
        let subject =
            tr.t_args("mail-handoff-subject", &[("platform", org.name.clone()), ("title", report.title.clone())]);
        let text = tr.t_args(
            "mail-handoff-body",
            &[("platform", org.name.clone()), ("url", link), ("hours", hours.to_string()), ("id", id.clone())],
        );
        let related = report.id.to_string();
        let delivery =
            NewDelivery::mail(random_uuid().to_string(), org.id, "handoff", &email, &subject, &text, &related);
        state.store.queue_delivery(&delivery, &ctx.audit(now)).await?;
        token_hash = Some(sha256_hex(&secret));
    }
    state.store.record_handoff(&h, token_hash.as_deref(), &ctx.audit(now)).await?;
    Ok(h)
}

/// The platform's report as a submission to the vendor's program: the same content and files,
/// the platform as the contact, the researcher's credit kept.
async fn copy_report(
    state: &AppState,
    platform: &Organisation,
    r: &Report,
    program: &Program,
) -> Result<crate::intake::ValidSubmission, AppError> {
    let now = state.clock.now();
    let mut copy = r.clone();
    copy.id = ReportId::from_uuid(random_uuid());
    copy.program = program.id;
    copy.org = program.org;
    copy.contact = format!("{} (hand-off)", platform.name);
    copy.status = ReportStatus::New;
    copy.status_reason = String::new();
    copy.received_at = now;
    copy.acknowledged_at = None;
    let mut attachments = Vec::new();
    for a in state.store.attachments_of(r.id).await? {
        if let Some((meta, content)) = state.store.attachment(r.id, a.id).await? {
            attachments.push(NewAttachment {
                id: vulndesk_core::AttachmentId::from_uuid(random_uuid()),
                tag: meta.tag,
                filename: meta.filename,
                content_type: meta.content_type,
                content,
            });
        }
    }
    Ok(crate::intake::ValidSubmission { report: copy, attachments })
}

/// A hand-off as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct HandoffView {
    pub(crate) id: String,
    pub(crate) report: String,
    pub(crate) recipient: String,
    pub(crate) jurisdiction: String,
    pub(crate) by_email: bool,
    pub(crate) vendor_report: Option<String>,
    pub(crate) vendor_report_status: Option<String>,
    pub(crate) vendor_cases: Vec<String>,
    pub(crate) due_at: String,
    pub(crate) acknowledged_at: Option<String>,
    pub(crate) overdue: bool,
    pub(crate) created_at: String,
}

/// The view of a hand-off, with the vendor side's progress when the vendor is in this deployment.
/// An in-deployment vendor acknowledges by acknowledging (or opening a case from) its report.
pub(crate) async fn view(state: &AppState, h: &Handoff) -> Result<HandoffView, AppError> {
    let now = state.clock.now();
    let mut status = None;
    let mut cases = Vec::new();
    let mut acknowledged_at = h.acknowledged_at;
    if let Some(vr) = h.vendor_report
        && let Some(r) = state.store.report(vr).await?
    {
        status = Some(r.status.as_str().to_owned());
        acknowledged_at = acknowledged_at.or(r.acknowledged_at);
        for c in state.store.cases_for_report(vr).await? {
            if let Some(c) = state.store.case(c).await? {
                cases.push(c.number);
            }
        }
    }
    Ok(HandoffView {
        id: h.id.clone(),
        report: h.report.to_string(),
        recipient: h.recipient_name.clone(),
        jurisdiction: h.jurisdiction.clone(),
        by_email: h.recipient_org.is_none(),
        vendor_report: h.vendor_report.map(|r| r.to_string()),
        vendor_report_status: status,
        vendor_cases: cases,
        due_at: h.due_at.to_rfc3339(),
        acknowledged_at: acknowledged_at.map(|t| t.to_rfc3339()),
        overdue: acknowledged_at.is_none() && now > h.due_at,
        created_at: h.created_at.to_rfc3339(),
    })
}

/// A collection platform's filing (备案) record.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct FilingDto {
    pub(crate) filing_number: String,
    /// `YYYY-MM-DD`.
    pub(crate) filed_on: String,
    pub(crate) platform_name: String,
    pub(crate) homepage_url: String,
    pub(crate) icp_number: String,
    pub(crate) sponsor: String,
    pub(crate) contact: String,
    pub(crate) rules: String,
}

/// What changed, so the platform knows to update its filing with the authority.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct FilingChange {
    pub(crate) changed: Vec<&'static str>,
    /// True when filed fields changed: the filing with the authority must be updated (R24).
    pub(crate) update_filing_with_authority: bool,
    /// The filing-update task opened for it, due by this time.
    pub(crate) update_due_at: Option<String>,
}

/// Days a platform has to update its filing after a filed field changed. The filing measures
/// set no verified deadline, so this is a setting (`filing_update_days`, default 30).
async fn filing_update_days(state: &AppState) -> Result<u64, AppError> {
    Ok(state.store.setting("filing_update_days").await?.and_then(|v| v.parse().ok()).filter(|d| *d > 0).unwrap_or(30))
}

/// Checks and stores the filing record (programs' managers). When a filed field of an existing
/// filing changes, a filing-update task is opened (R24).
pub(crate) async fn save_filing(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    f: &FilingDto,
) -> Result<FilingChange, AppError> {
    use vulndesk_core::intake::Filing;
    ctx.require(Action::ManagePrograms(org.id))?;
    let mut e = Vec::new();
    for (field, v) in [
        ("filing_number", &f.filing_number),
        ("platform_name", &f.platform_name),
        ("sponsor", &f.sponsor),
        ("contact", &f.contact),
    ] {
        if v.trim().is_empty() {
            e.push(FieldError::new(field, "field-required"));
        }
    }
    let date_ok = f.filed_on.len() == 10
        && vulndesk_core::Timestamp::parse_rfc3339(&format!("{}T00:00:00Z", f.filed_on)).is_some();
    if !date_ok {
        e.push(FieldError::new("filed_on", "date-invalid").with("value", &f.filed_on));
    }
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    let filing = Filing {
        filing_number: f.filing_number.trim().into(),
        filed_on: f.filed_on.clone(),
        platform_name: f.platform_name.trim().into(),
        homepage_url: f.homepage_url.trim().into(),
        icp_number: f.icp_number.trim().into(),
        sponsor: f.sponsor.trim().into(),
        contact: f.contact.trim().into(),
        rules: f.rules.trim().into(),
    };
    let now = state.clock.now();
    let changed = state.store.set_filing(org.id, &filing, &ctx.audit(now)).await?;
    let update = !changed.is_empty() && changed != ["filing"];
    let mut update_due_at = None;
    if update {
        let due = now.plus(std::time::Duration::from_secs(filing_update_days(state).await? * 86_400));
        state.store.open_filing_task(org.id, &random_uuid().to_string(), &changed, due, &ctx.audit(now)).await?;
        update_due_at = Some(due.to_rfc3339());
    }
    Ok(FilingChange { changed, update_filing_with_authority: update, update_due_at })
}
