//! vulndesk's background work, safe with any number of instances on one database:
//! - deliveries (`deliver`): each claimed with a lease by a conditional `UPDATE`, so one instance
//!   sends it at a time, and a dead instance's claim lapses; sent with an idempotency key;
//! - the deadline sweep, which finds every reminder due on every open case (50 % and 75 % of each
//!   window, and overdue) and queues it once in the outbox for the people on the case and the
//!   organisation's coordinators; several instances may sweep at once: each reminder is recorded
//!   under a unique key in the same transaction as its mail, so whichever instance records it
//!   first sends it and the others skip (the same for filing and hand-off reminders);
//! - periodic jobs (feed pulls, the re-match, OSV imports): every instance asks every few minutes,
//!   and one runs each per period ([`claim_periodic`]).

pub mod deliver;
pub mod feeds;
pub mod findings;

use std::sync::Arc;
use std::time::Duration;

use vulndesk_core::audit::AuditContext;
use vulndesk_core::case::Case;
use vulndesk_core::deadline::{Deadline, DeadlineKind, DeadlinePolicy, NoticeLevel, deadlines};
use vulndesk_core::{Clock, Locale, OutboxId, PersonRole, Timestamp};
use vulndesk_store::intake::NewOutbox;
use vulndesk_store::sharing::NewDelivery;
use vulndesk_store::{Store, StoreError};

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Open cases looked at.
    pub cases: usize,
    /// Reminders recorded by this sweep (others were already recorded).
    pub notices: usize,
    /// Mails queued.
    pub mails: usize,
}

fn kind_words(kind: DeadlineKind) -> (&'static str, &'static str) {
    match kind {
        DeadlineKind::AuthorityReport => ("向主管部门报送", "the report to the authority"),
        DeadlineKind::UpstreamNotice => ("通知上游供应商", "the notice to the upstream supplier"),
        DeadlineKind::ReporterAcknowledgement => ("确认接收报告", "the acknowledgement to the reporter"),
        DeadlineKind::Remediation => ("修复", "the fix"),
    }
}

fn level_words(level: NoticeLevel) -> (&'static str, &'static str) {
    match level {
        NoticeLevel::Half => ("时限已过半", "half of the time is gone"),
        NoticeLevel::ThreeQuarters => ("时限已过四分之三", "three quarters of the time are gone"),
        NoticeLevel::Overdue => ("已超期", "is overdue"),
    }
}

/// The mail for one reminder in the recipient's language, or in both (Chinese first) for someone
/// who has not chosen one.
fn mail(case: &Case, d: &Deadline, level: NoticeLevel, locale: Option<Locale>) -> (String, String) {
    let (kz, ke) = kind_words(d.kind);
    let (lz, le) = level_words(level);
    let number = &case.number;
    let due = d.due.to_rfc3339();
    let zh = format!("{kz}：{lz}，截止时间 {due}。");
    let en = format!("{}: {le}; due {due}.", capitalise(ke));
    match locale {
        Some(Locale::ZhCn) => (format!("[vulndesk] {number}：{kz}{lz}"), format!("{number} {}\n\n{zh}\n", case.title)),
        Some(Locale::En) => (format!("[vulndesk] {number}: {ke}: {le}"), format!("{number} {}\n\n{en}\n", case.title)),
        None => {
            (format!("[vulndesk] {number}: {kz} {lz} / {ke}: {le}"), format!("{number} {}\n\n{zh}\n{en}\n", case.title))
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

/// Finds every reminder due at `now` and records each one once, with its mails.
pub async fn deadline_sweep(store: &Store, now: Timestamp) -> Result<SweepReport, StoreError> {
    let policy = DeadlinePolicy::default();
    let ctx = AuditContext::system(now);
    let mut report = SweepReport::default();
    for org in store.list_orgs().await? {
        let coordinators: Vec<_> = store
            .members_of(org.id)
            .await?
            .into_iter()
            .filter(|m| m.roles.contains(&PersonRole::Coordinator))
            .map(|m| m.user)
            .collect();
        for case in store.cases_of(org.id, true).await? {
            report.cases += 1;
            let facts = store.deadline_facts(&case).await?;
            for d in deadlines(&facts, &policy) {
                for level in d.notices_due(now) {
                    let mut recipients: Vec<(String, Option<Locale>)> = store
                        .case_people(case.id)
                        .await?
                        .into_iter()
                        .map(|(u, _)| (u.email, u.locale))
                        .chain(coordinators.iter().map(|u| (u.email.clone(), u.locale)))
                        .filter(|(e, _)| !e.is_empty())
                        .collect();
                    recipients.sort_by(|a, b| a.0.cmp(&b.0));
                    recipients.dedup_by(|a, b| a.0 == b.0);
                    let outbox: Vec<NewOutbox> = recipients
                        .into_iter()
                        .map(|(to, locale)| {
                            let (subject, body) = mail(&case, &d, level, locale);
                            NewOutbox {
                                id: OutboxId::mint(now, rand::random()),
                                org: Some(org.id),
                                channel: "email",
                                template: "case.deadline",
                                recipient: to,
                                subject,
                                body,
                                related: Some(case.id.to_string()),
                            }
                        })
                        .collect();
                    if store.record_deadline_notice(&case, d.kind.as_str(), level.as_str(), &outbox, &ctx).await? {
                        report.notices += 1;
                        report.mails += outbox.len();
                    }
                }
            }
        }
    }
    Ok(report)
}

/// How often a vendor that has not acknowledged a hand-off is reminded.
pub const HANDOFF_REMINDER_EVERY: Duration = Duration::from_secs(24 * 3600);

/// Reminds vendors past their response deadline on a hand-off (once a day until they
/// acknowledge), by mail through the delivery queue: an e-mailed vendor at its address, a vendor
/// organisation of this deployment at its coordinators' and triagers' addresses. A vendor
/// organisation that acknowledged its copy of the report has acknowledged the hand-off: that is
/// recorded instead. Answers how many reminders were queued.
pub async fn handoff_sweep(store: &Store, now: Timestamp) -> Result<usize, StoreError> {
    let mut queued = 0;
    for h in store.handoffs_to_remind(now, HANDOFF_REMINDER_EVERY).await? {
        let mut recipients = Vec::new();
        if let Some(org) = h.recipient_org {
            if let Some(vr) = h.vendor_report
                && let Some(at) = store.report(vr).await?.and_then(|r| r.acknowledged_at)
            {
                store.acknowledge_handoff(&h, &AuditContext::system(at)).await?;
                continue;
            }
            for m in store.members_of(org).await? {
                let triages = m.roles.iter().any(|r| matches!(r, PersonRole::Coordinator | PersonRole::Triager));
                if triages && !m.user.email.is_empty() && !m.user.disabled {
                    recipients.push(m.user.email);
                }
            }
        } else if !h.recipient_email.is_empty() {
            recipients.push(h.recipient_email.clone());
        }
        // One sweep wins the reminder; the others see it marked and move on.
        if recipients.is_empty() || !store.mark_handoff_reminded(&h, now).await? {
            continue;
        }
        let platform = store.org_by_id(h.org).await?.map(|o| o.name).unwrap_or_default();
        let title = store.report(h.report).await?.map(|r| r.title).unwrap_or_default();
        let subject = format!("[{platform}] 请确认收到漏洞报告 / Please acknowledge a vulnerability report: {title}");
        let text = format!(
            "{platform} 于 {} 向贵方转交了漏洞报告“{title}”（编号 {}），响应期限 {} 已过。请通过转交邮件中的链接或贵方的 vulndesk 收件箱确认收到。\n\n\
             {platform} handed you the vulnerability report \"{title}\" (reference {}) on {}; the response deadline {} has passed. \
             Please acknowledge it through the link in the hand-off mail or in your vulndesk inbox.\n",
            h.created_at.to_rfc3339(),
            h.id,
            h.due_at.to_rfc3339(),
            h.id,
            h.created_at.to_rfc3339(),
            h.due_at.to_rfc3339(),
        );
        for to in recipients {
            let id = OutboxId::mint(now, rand::random()).to_string();
            let d = NewDelivery::mail(id, h.org, "handoff_reminder", &to, &subject, &text, &h.report.to_string());
            store.queue_delivery(&d, &AuditContext::system(now)).await?;
            queued += 1;
        }
    }
    Ok(queued)
}

/// How often a platform's admins are reminded of a filing that is late to be updated.
pub const FILING_REMINDER_EVERY: Duration = Duration::from_secs(7 * 24 * 3600);

/// Reminds a collection platform's admins, once a week, of a filing-update task past its due
/// date (R24): a filed field changed and the filing with the authority is not yet updated.
/// Answers how many mails were queued.
pub async fn filing_sweep(store: &Store, now: Timestamp) -> Result<usize, StoreError> {
    let mut queued = 0;
    for (org, task, seen) in store.filing_tasks_to_remind(now, FILING_REMINDER_EVERY).await? {
        let admins: Vec<String> = store
            .members_of(org)
            .await?
            .into_iter()
            .filter(|m| m.roles.contains(&PersonRole::Admin) && !m.user.email.is_empty() && !m.user.disabled)
            .map(|m| m.user.email)
            .collect();
        if admins.is_empty() || !store.mark_filing_task_reminded(&task.id, seen, now).await? {
            continue;
        }
        let name = store.org_by_id(org).await?.map(|o| o.name).unwrap_or_default();
        let changed = task.changed.join(", ");
        let subject = format!("[vulndesk] {name}: 请更新备案 / Please update the filing");
        let text = format!(
            "备案事项已变更（{changed}），应在 {} 前向主管部门更新备案，现已逾期。更新后请在平台页面标记完成。\n\n\
             Filed fields changed ({changed}); the filing with the authority was due to be updated by {} and is late. \
             Mark it done on the platform page once updated.\n",
            task.due_at.to_rfc3339(),
            task.due_at.to_rfc3339(),
        );
        for to in admins {
            let id = OutboxId::mint(now, rand::random()).to_string();
            let d = NewDelivery::mail(id, org, "filing_reminder", &to, &subject, &text, &task.id);
            store.queue_delivery(&d, &AuditContext::system(now)).await?;
            queued += 1;
        }
    }
    Ok(queued)
}

/// How often every vendor feed is pulled (the first pull one period after start).
pub const FEED_PULL_EVERY: Duration = Duration::from_secs(3600);

/// How often every organisation's findings are re-matched as a safety net (inventory, feed and
/// OSV changes re-match at once), which also ends expired risk acceptances.
pub const REMATCH_EVERY: Duration = Duration::from_secs(3600);

/// How often queued deliveries are looked for.
pub const DELIVERY_TICK: Duration = Duration::from_millis(500);

/// How often an instance asks whether a periodic job (feed pulls, the re-match) is due. The job
/// itself runs once per its period across all instances ([`Store::claim_job_run`]); asking often
/// lets another instance take over within minutes when the one that ran it is gone.
pub const PERIODIC_TICK: Duration = Duration::from_secs(300);

/// How long a claimed periodic run may take before another instance may start it again.
pub const PERIODIC_LEASE: Duration = Duration::from_secs(1800);

/// An id for this process's claims on periodic jobs.
pub fn instance_id() -> String {
    format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple())
}

/// Whether this instance (`holder`) is to run `job` now: see [`Store::claim_job_run`]. A store
/// failure is logged and counts as "not now".
pub async fn claim_periodic(store: &Store, holder: &str, job: &str, now: Timestamp, every: Duration) -> bool {
    match store.claim_job_run(job, holder, now, PERIODIC_LEASE, every).await {
        Ok(claimed) => claimed,
        Err(e) => {
            tracing::warn!(job, error = %e, "claiming a periodic job failed; asking again at the next tick");
            false
        }
    }
}

/// Ends this instance's run of `job`.
pub async fn finish_periodic(store: &Store, holder: &str, job: &str, now: Timestamp) {
    if let Err(e) = store.finish_job_run(job, holder, now).await {
        tracing::warn!(job, error = %e, "releasing a periodic job failed; its lease runs out by itself");
    }
}

/// Sweeps every `every`, and sends due deliveries every [`DELIVERY_TICK`], until `shutdown`
/// resolves. A failed sweep is logged and retried at the
/// next tick; nothing is lost, since a sweep only reads what is due and records what it sent.
pub async fn run(
    store: Store,
    clock: Arc<dyn Clock>,
    every: Duration,
    mailer: Option<deliver::Mailer>,
    destinations: deliver::Destinations,
    osv: Arc<findings::OsvCache>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut send = tokio::time::interval(DELIVERY_TICK);
    send.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Feed pulls and the re-match run once per period across every instance on the database
    // (the claim decides which instance), so restarts and several instances do not hit vendors
    // more often; not in the first minutes after a start. A feed just added is pulled with "pull now".
    let holder = instance_id();
    let mut pull = tokio::time::interval_at(tokio::time::Instant::now() + PERIODIC_TICK, PERIODIC_TICK);
    pull.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut rematch = tokio::time::interval_at(tokio::time::Instant::now() + PERIODIC_TICK, PERIODIC_TICK);
    rematch.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            _ = send.tick() => {
                if let Err(e) = deliver::deliver_due_to(&store, clock.as_ref(), mailer.as_ref(), destinations, 100).await {
                    tracing::warn!(error = %e, "sending deliveries failed; retrying at the next tick");
                }
            }
            _ = pull.tick() => {
                if !claim_periodic(&store, &holder, "feed_pulls", clock.now(), FEED_PULL_EVERY).await {
                    continue;
                }
                match store.feeds(None).await {
                    Ok(list) => {
                        for f in list {
                            match feeds::pull(&store, clock.as_ref(), &f, destinations).await {
                                Ok(r) => {
                                    tracing::info!(feed = %f.name, accepted = r.accepted, unchanged = r.unchanged,
                                        rejected = r.rejected.len(), "feed pulled");
                                    if r.accepted > 0
                                        && let Err(e) = findings::rematch(&store, &osv, f.org, &AuditContext::system(clock.now())).await
                                    {
                                        tracing::warn!(feed = %f.name, error = %e, "re-matching after a feed pull failed; retrying at the next re-match");
                                    }
                                }
                                Err(e) => tracing::warn!(feed = %f.name, error = %e, "feed pull failed; retrying at the next pull"),
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "listing feeds failed; retrying at the next pull"),
                }
                finish_periodic(&store, &holder, "feed_pulls", clock.now()).await;
            }
            _ = rematch.tick() => {
                if !claim_periodic(&store, &holder, "rematch", clock.now(), REMATCH_EVERY).await {
                    continue;
                }
                match findings::rematch_all(&store, &osv, &AuditContext::system(clock.now())).await {
                    Ok(n) => tracing::info!(organisations = n, "findings re-matched"),
                    Err(e) => tracing::warn!(error = %e, "re-matching findings failed; retrying at the next re-match"),
                }
                finish_periodic(&store, &holder, "rematch", clock.now()).await;
            }
            _ = tick.tick() => {
                match deadline_sweep(&store, clock.now()).await {
                    Ok(r) if r.notices > 0 => tracing::info!(notices = r.notices, mails = r.mails, "deadline reminders queued"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "deadline sweep failed; retrying at the next tick"),
                }
                match filing_sweep(&store, clock.now()).await {
                    Ok(n) if n > 0 => tracing::info!(reminders = n, "filing reminders queued"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "filing sweep failed; retrying at the next tick"),
                }
                match handoff_sweep(&store, clock.now()).await {
                    Ok(n) if n > 0 => tracing::info!(reminders = n, "hand-off reminders queued"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "hand-off sweep failed; retrying at the next tick"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vulndesk_core::{CaseId, OrgId};

    #[test]
    fn reminder_bodies_follow_the_recipients_language() {
        let t = Timestamp::from_micros(1_795_000_000_000_000);
        let case = Case {
            id: CaseId::mint(t, [1; 10]),
            org: OrgId::mint(t, [2; 10]),
            number: "VD-2026-0007".into(),
            title: "DHCP overflow".into(),
            state: vulndesk_core::case::CaseState::Received,
            aware_at: t,
            upstream: false,
            upstream_supplier: String::new(),
            users_must_act: false,
            cvss_vector: String::new(),
            cvss_score: String::new(),
            grade: String::new(),
            cwe: String::new(),
            characteristics: String::new(),
            harm: String::new(),
            scope_of_impact: String::new(),
            characteristics_en: String::new(),
            harm_en: String::new(),
            scope_of_impact_en: String::new(),
            state_reason: String::new(),
            duplicate_of: None,
            created_by: "system".into(),
            created_at: t,
            updated_at: t,
        };
        let facts = vulndesk_core::deadline::DeadlineFacts {
            aware_at: t,
            reporter: None,
            upstream: false,
            grade: None,
            authority_reported_at: None,
            upstream_notified_at: None,
            reporter_acknowledged_at: None,
            fixed_at: None,
        };
        let d = deadlines(&facts, &DeadlinePolicy::default())
            .into_iter()
            .find(|d| d.kind == DeadlineKind::AuthorityReport)
            .expect("the authority deadline");
        let (s, b) = mail(&case, &d, NoticeLevel::Overdue, Some(Locale::ZhCn));
        assert!(s.contains("VD-2026-0007") && s.contains("向主管部门报送已超期"), "{s}");
        assert!(b.contains("DHCP overflow") && b.contains("截止时间") && !b.contains("due"), "{b}");
        let (s, b) = mail(&case, &d, NoticeLevel::Half, Some(Locale::En));
        assert!(s.contains("the report to the authority: half of the time is gone") && !s.contains("时限"), "{s}");
        assert!(
            b.contains("The report to the authority: half of the time is gone; due ") && !b.contains("截止"),
            "{b}"
        );
        let (s, b) = mail(&case, &d, NoticeLevel::ThreeQuarters, None);
        assert!(s.contains("时限已过四分之三") && s.contains("three quarters of the time are gone"), "{s}");
        assert!(b.contains("截止时间") && b.contains("; due "), "{b}");
    }
}
