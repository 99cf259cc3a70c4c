//! Reports after they arrive: the triage queue, one report with its thread and attachments, the
//! triage actions (each a message, a status change, an outbox row and an audit event in one
//! transaction), duplicate hints, the outbox and intake failures.

use sqlx::Row;
use sqlx::any::AnyRow;
use vulndesk_core::intake::{AttachmentTag, Report, ReportStatus, similarity};
use vulndesk_core::{AttachmentId, AuditContext, Locale, MessageId, OrgId, ProgramId, ReportId, Timestamp, UserId};

use super::writer::{NewMessage, NewOutbox, insert_message, insert_outbox};
use crate::{Result, Store, StoreError, event};

fn parse<T: std::str::FromStr>(s: &str, what: &str) -> Result<T> {
    s.parse().map_err(|_| StoreError::corrupt(format!("{what} {s:?}")))
}

macro_rules! columns {
    () => {
        "id, program_id, org_id, title, description, product, version, cwe, reproduction, impact, contact, credit_name, \
         language, status, status_reason, received_at, acknowledged_at, receipt_seq"
    };
}

fn report_from_row(row: &AnyRow) -> Result<Report> {
    let status: String = row.try_get("status")?;
    let language: String = row.try_get("language")?;
    Ok(Report {
        id: parse(&row.try_get::<String, _>("id")?, "report id")?,
        program: parse(&row.try_get::<String, _>("program_id")?, "program id")?,
        org: parse(&row.try_get::<String, _>("org_id")?, "organisation id")?,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        product: row.try_get("product")?,
        version: row.try_get("version")?,
        cwe: row.try_get("cwe")?,
        reproduction: row.try_get("reproduction")?,
        impact: row.try_get("impact")?,
        contact: row.try_get("contact")?,
        credit_name: row.try_get("credit_name")?,
        language: Locale::from_tag(&language).unwrap_or(Locale::En),
        status: ReportStatus::parse(&status).ok_or_else(|| StoreError::corrupt(format!("report status {status:?}")))?,
        status_reason: row.try_get("status_reason")?,
        received_at: Timestamp::from_micros(row.try_get("received_at")?),
        acknowledged_at: row.try_get::<Option<i64>, _>("acknowledged_at")?.map(Timestamp::from_micros),
        receipt_seq: row.try_get("receipt_seq")?,
    })
}

/// Which reports to list.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    /// Only reports in this state.
    pub status: Option<ReportStatus>,
    /// Only reports still in triage (new, acknowledged, needs information).
    pub open_only: bool,
    /// Only this program's.
    pub program: Option<ProgramId>,
    /// At most this many (default 200).
    pub limit: Option<i64>,
}

/// A message on a report's thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Its id.
    pub id: MessageId,
    /// `reporter` or `staff`.
    pub author: String,
    /// The staff member, for staff messages.
    pub user: Option<UserId>,
    /// `message`, `acknowledge`, `request_info`, `rejection`.
    pub kind: String,
    /// The text.
    pub body: String,
    /// When it was written.
    pub created_at: Timestamp,
    /// Its receipt, for the reporter's messages.
    pub receipt_seq: Option<i64>,
}

/// An attachment without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentMeta {
    /// Its id.
    pub id: AttachmentId,
    /// The message it came with, if not the report itself.
    pub message: Option<MessageId>,
    /// What it is.
    pub tag: AttachmentTag,
    /// The name the sender gave it.
    pub filename: String,
    /// The detected content type.
    pub content_type: String,
    /// Its size in bytes.
    pub size: i64,
    /// SHA-256 of its bytes (hex).
    pub sha256: String,
    /// When it arrived.
    pub created_at: Timestamp,
}

fn attachment_from_row(row: &AnyRow) -> Result<AttachmentMeta> {
    let tag: String = row.try_get("tag")?;
    Ok(AttachmentMeta {
        id: parse(&row.try_get::<String, _>("id")?, "attachment id")?,
        message: row.try_get::<Option<String>, _>("message_id")?.map(|m| parse(&m, "message id")).transpose()?,
        tag: AttachmentTag::parse(&tag).ok_or_else(|| StoreError::corrupt(format!("attachment tag {tag:?}")))?,
        filename: row.try_get("filename")?,
        content_type: row.try_get("content_type")?,
        size: row.try_get("size")?,
        sha256: row.try_get("sha256")?,
        created_at: Timestamp::from_micros(row.try_get("created_at")?),
    })
}

/// What a triager does to a report.
#[derive(Debug, Clone)]
pub enum StaffAction {
    /// Tell the reporter the report was received and is being looked at.
    Acknowledge(NewMessage),
    /// Ask the reporter for more information.
    RequestInfo(NewMessage),
    /// Write to the reporter without changing the state.
    Reply(NewMessage),
    /// Not a report at all.
    MarkSpam(String),
    /// Out of scope, not a vulnerability, or not reproducible; the reason is shared with the reporter.
    MarkInvalid(NewMessage),
}

/// A row of the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    /// Which message.
    pub template: String,
    /// Where it goes.
    pub recipient: String,
    /// Its subject.
    pub subject: String,
    /// `pending`, `sent` or `failed`.
    pub status: String,
    /// When it was queued.
    pub created_at: Timestamp,
}

impl Store {
    /// An organisation's reports, newest first.
    pub async fn reports_of(&self, org: OrgId, f: &ReportFilter) -> Result<Vec<Report>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM reports WHERE org_id = $1 AND ($2 = '' OR status = $2) AND ($3 = 0 OR status IN ('new', 'acknowledged', 'needs_info')) \
             AND ($4 = '' OR program_id = $4) ORDER BY received_at DESC LIMIT $5"
        ))
        .bind(org.to_string())
        .bind(f.status.map_or("", ReportStatus::as_str))
        .bind(i64::from(f.open_only))
        .bind(f.program.map(|p| p.to_string()).unwrap_or_default())
        .bind(f.limit.unwrap_or(200))
        .fetch_all(self.read())
        .await?;
        rows.iter().map(report_from_row).collect()
    }

    /// The report with this id.
    pub async fn report(&self, id: ReportId) -> Result<Option<Report>> {
        let row = sqlx::query(concat!("SELECT ", columns!(), " FROM reports WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(self.read())
            .await?;
        row.as_ref().map(report_from_row).transpose()
    }

    /// The reports a registered reporter sent, newest first (at most 1,000).
    pub async fn reports_of_reporter(&self, user: UserId) -> Result<Vec<Report>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM reports WHERE reporter_user_id = $1 ORDER BY received_at DESC LIMIT 1000"
        ))
        .bind(user.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(report_from_row).collect()
    }

    /// Links a report to the signed-in account that sent it (only once: an owner is never replaced).
    pub async fn set_report_reporter(&self, report: ReportId, user: UserId) -> Result<()> {
        sqlx::query("UPDATE reports SET reporter_user_id = $1 WHERE id = $2 AND reporter_user_id IS NULL")
            .bind(user.to_string())
            .bind(report.to_string())
            .execute(&self.inner.write)
            .await?;
        Ok(())
    }

    /// The account that sent a report, if it was sent signed in.
    pub async fn report_reporter(&self, report: ReportId) -> Result<Option<UserId>> {
        let id: Option<Option<String>> = sqlx::query_scalar("SELECT reporter_user_id FROM reports WHERE id = $1")
            .bind(report.to_string())
            .fetch_optional(self.read())
            .await?;
        id.flatten().map(|i| parse(&i, "user id")).transpose()
    }

    /// Whether the reporter agreed to appear in the program's hall of fame.
    pub async fn hall_of_fame_consent(&self, report: ReportId) -> Result<bool> {
        let v: Option<i64> = sqlx::query_scalar("SELECT hall_of_fame FROM reports WHERE id = $1")
            .bind(report.to_string())
            .fetch_optional(self.read())
            .await?;
        Ok(v.unwrap_or(0) != 0)
    }

    /// Records the reporter's choice about the hall of fame (audited: it is their consent).
    pub async fn set_hall_of_fame(&self, report: &Report, listed: bool, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE reports SET hall_of_fame = $1 WHERE id = $2")
            .bind(i64::from(listed))
            .bind(report.id.to_string())
            .execute(&mut *tx)
            .await?;
        let details = serde_json::json!({"listed": listed});
        self.audit_in(
            &mut tx,
            &event(ctx, "report.hall_of_fame", "report", &report.id.to_string(), Some(report.org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The report whose tracking token hashes to `tracking_hash`.
    pub async fn report_by_tracking(&self, tracking_hash: &str) -> Result<Option<Report>> {
        let row = sqlx::query(concat!("SELECT ", columns!(), " FROM reports WHERE tracking_hash = $1"))
            .bind(tracking_hash)
            .fetch_optional(self.read())
            .await?;
        row.as_ref().map(report_from_row).transpose()
    }

    /// A report's thread, oldest first.
    pub async fn messages_of(&self, report: ReportId) -> Result<Vec<Message>> {
        let rows = sqlx::query(
            "SELECT id, author, user_id, kind, body, created_at, receipt_seq FROM report_messages WHERE report_id = $1 ORDER BY created_at, id",
        )
        .bind(report.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Message {
                    id: parse(&r.try_get::<String, _>("id")?, "message id")?,
                    author: r.try_get("author")?,
                    user: r.try_get::<Option<String>, _>("user_id")?.map(|u| parse(&u, "user id")).transpose()?,
                    kind: r.try_get("kind")?,
                    body: r.try_get("body")?,
                    created_at: Timestamp::from_micros(r.try_get("created_at")?),
                    receipt_seq: r.try_get("receipt_seq")?,
                })
            })
            .collect()
    }

    /// A report's attachments (without their bytes), oldest first.
    pub async fn attachments_of(&self, report: ReportId) -> Result<Vec<AttachmentMeta>> {
        let rows = sqlx::query(
            "SELECT id, message_id, tag, filename, content_type, size, sha256, created_at FROM attachments WHERE report_id = $1 ORDER BY created_at, id",
        )
        .bind(report.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(attachment_from_row).collect()
    }

    /// An attachment's bytes as stored, and whether they are encrypted: for the tests that check
    /// what someone with the database file would read.
    #[doc(hidden)]
    pub async fn attachment_stored(&self, id: AttachmentId) -> Result<Option<(Vec<u8>, bool)>> {
        let row = sqlx::query("SELECT content, sealed FROM attachments WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(self.read())
            .await?;
        row.map(|r| Ok((r.try_get("content")?, r.try_get::<i64, _>("sealed")? != 0))).transpose()
    }

    /// One attachment of a report, with its bytes.
    pub async fn attachment(&self, report: ReportId, id: AttachmentId) -> Result<Option<(AttachmentMeta, Vec<u8>)>> {
        let row = sqlx::query(
            "SELECT id, message_id, tag, filename, content_type, size, sha256, created_at, content, sealed FROM attachments WHERE id = $1 AND report_id = $2",
        )
        .bind(id.to_string())
        .bind(report.to_string())
        .fetch_optional(self.read())
        .await?;
        row.map(|r| {
            let stored: Vec<u8> = r.try_get("content")?;
            let sealed = r.try_get::<i64, _>("sealed")? != 0;
            Ok((attachment_from_row(&r)?, crate::seal::open(self.attachment_key(), &id.to_string(), stored, sealed)?))
        })
        .transpose()
    }

    /// Applies a triager's action: the message to the reporter, the new state, the reporter's
    /// notification in the outbox, and the audit event, in one transaction.
    pub async fn triage_report(
        &self,
        report: &Report,
        action: &StaffAction,
        notify: Option<&NewOutbox>,
        ctx: &AuditContext,
    ) -> Result<()> {
        let (status, reason, message, name) = match action {
            StaffAction::Acknowledge(m) => {
                (Some(ReportStatus::Acknowledged), String::new(), Some(m), "report.acknowledge")
            }
            StaffAction::RequestInfo(m) => {
                (Some(ReportStatus::NeedsInfo), m.body.clone(), Some(m), "report.request_info")
            }
            StaffAction::Reply(m) => (None, String::new(), Some(m), "report.reply"),
            StaffAction::MarkSpam(why) => (Some(ReportStatus::Spam), why.clone(), None, "report.mark_spam"),
            StaffAction::MarkInvalid(m) => {
                (Some(ReportStatus::Invalid), m.body.clone(), Some(m), "report.mark_invalid")
            }
        };
        if report.status.is_closed() && status.is_some() {
            return Err(StoreError::Conflict(format!("report is already {}", report.status)));
        }
        let mut tx = self.begin().await?;
        if let Some(m) = message {
            insert_message(&mut tx, report.id, m, ctx.at, None).await?;
        }
        if let Some(s) = status {
            sqlx::query(
                "UPDATE reports SET status = $1, status_reason = $2, \
                 acknowledged_at = CASE WHEN acknowledged_at IS NULL AND $3 = 1 THEN $4 ELSE acknowledged_at END WHERE id = $5",
            )
            .bind(s.as_str())
            .bind(&reason)
            .bind(i64::from(message.is_some()))
            .bind(ctx.at.as_micros())
            .bind(report.id.to_string())
            .execute(&mut *tx)
            .await?;
        }
        if let Some(o) = notify {
            insert_outbox(&mut tx, o, ctx.at).await?;
        }
        let details =
            serde_json::json!({"status": status.map(ReportStatus::as_str), "reason_length": reason.chars().count()});
        let org = report.org.to_string();
        self.audit_in(&mut tx, &event(ctx, name, "report", &report.id.to_string(), Some(org), details)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records that someone read a report or one of its attachments (need-to-know is audited).
    pub async fn record_report_view(&self, report: &Report, what: &str, ctx: &AuditContext) -> Result<()> {
        let details = serde_json::json!({"what": what});
        self.record_audit(&event(
            ctx,
            "report.view",
            "report",
            &report.id.to_string(),
            Some(report.org.to_string()),
            details,
        ))
        .await?;
        Ok(())
    }

    /// Earlier reports to the same organisation that look like `report`: the same reporter
    /// contact, or a title or description at least half alike. Best first, at most five.
    pub async fn possible_duplicates(&self, report: &Report) -> Result<Vec<(Report, f64)>> {
        let recent = self.reports_of(report.org, &ReportFilter { limit: Some(500), ..ReportFilter::default() }).await?;
        let mut out: Vec<(Report, f64)> = recent
            .into_iter()
            .filter(|r| r.id != report.id && r.status != ReportStatus::Spam)
            .filter_map(|r| {
                let same_reporter = !report.contact.is_empty() && r.contact.eq_ignore_ascii_case(&report.contact);
                let score =
                    similarity(&r.title, &report.title).max(similarity(&r.description, &report.description) * 0.9);
                let score = if same_reporter { score.max(0.5) + 0.25 } else { score };
                (score >= 0.5).then_some((r, score.min(1.0)))
            })
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1));
        out.truncate(5);
        Ok(out)
    }

    /// The organisation's outbox, newest first.
    pub async fn outbox_of(&self, org: OrgId, limit: i64) -> Result<Vec<OutboxRow>> {
        let rows = sqlx::query(
            "SELECT template, recipient, subject, status, created_at FROM outbox WHERE org_id = $1 ORDER BY created_at DESC, id LIMIT $2",
        )
        .bind(org.to_string())
        .bind(limit)
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OutboxRow {
                    template: r.try_get("template")?,
                    recipient: r.try_get("recipient")?,
                    subject: r.try_get("subject")?,
                    status: r.try_get("status")?,
                    created_at: Timestamp::from_micros(r.try_get("created_at")?),
                })
            })
            .collect()
    }

    /// Notes a submission that could not be accepted for a reason on our side.
    pub async fn record_intake_failure(&self, at: Timestamp, channel: &str, program: &str, reason: &str) -> Result<()> {
        sqlx::query("INSERT INTO intake_failures (at, channel, program, reason) VALUES ($1, $2, $3, $4)")
            .bind(at.as_micros())
            .bind(channel)
            .bind(program)
            .bind(reason)
            .execute(self.write())
            .await?;
        Ok(())
    }

    /// Recent intake failures, newest first: `(at, channel, program, reason)`.
    pub async fn recent_intake_failures(&self, limit: i64) -> Result<Vec<(Timestamp, String, String, String)>> {
        let rows = sqlx::query("SELECT at, channel, program, reason FROM intake_failures ORDER BY at DESC LIMIT $1")
            .bind(limit)
            .fetch_all(self.read())
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    Timestamp::from_micros(r.try_get("at")?),
                    r.try_get("channel")?,
                    r.try_get("program")?,
                    r.try_get("reason")?,
                ))
            })
            .collect()
    }
}
