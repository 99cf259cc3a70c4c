//! A collection platform's vendors and hand-offs (Art. 9(7), 10, 11): the vendor behind each
//! program, each report handed to a vendor (inside this deployment, as a report in the vendor's
//! organisation; outside it, as an e-mail with a secret link), acknowledgements, reminders, and
//! the filing-update tasks a change of filed fields creates (R24).

use sqlx::Row;
use sqlx::any::AnyRow;
use vulndesk_core::{AuditContext, OrgId, ProgramId, ReportId, Timestamp};

use crate::{Result, Store, StoreError, event};

fn parse<T: std::str::FromStr>(s: &str, what: &str) -> Result<T> {
    s.parse().map_err(|_| StoreError::corrupt(format!("{what} {s:?}")))
}

fn opt_ts(r: &AnyRow, column: &str) -> Result<Option<Timestamp>> {
    Ok(r.try_get::<Option<i64>, _>(column)?.map(Timestamp::from_micros))
}

/// The vendor whose products a platform's program covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramVendor {
    /// The program.
    pub program: ProgramId,
    /// The vendor's organisation, when it is in this deployment.
    pub vendor_org: Option<OrgId>,
    /// The vendor's name.
    pub vendor_name: String,
    /// Where e-mailed hand-offs go (for a vendor outside the deployment).
    pub contact_email: String,
    /// ISO 3166-1 alpha-2 code of where the vendor is.
    pub jurisdiction: String,
    /// Hours the vendor has to acknowledge a hand-off before reminders.
    pub response_hours: i64,
}

/// A hand-off as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handoff {
    /// Its id (a UUID).
    pub id: String,
    /// The platform organisation.
    pub org: OrgId,
    /// The platform's report.
    pub report: ReportId,
    /// Who it went to.
    pub recipient_name: String,
    /// The recipient's organisation, inside this deployment.
    pub recipient_org: Option<OrgId>,
    /// The recipient's address, outside it.
    pub recipient_email: String,
    /// Where the recipient is.
    pub jurisdiction: String,
    /// The recipient is the product's own provider.
    pub is_provider: bool,
    /// The report created in the vendor's organisation.
    pub vendor_report: Option<ReportId>,
    /// When the vendor must have acknowledged it.
    pub due_at: Timestamp,
    /// When the vendor acknowledged it.
    pub acknowledged_at: Option<Timestamp>,
    /// When the last reminder went.
    pub reminded_at: Option<Timestamp>,
    /// Who handed it off (user id).
    pub created_by: String,
    /// When.
    pub created_at: Timestamp,
}

impl Handoff {
    /// Whether the vendor is late to acknowledge it at `now`.
    pub fn overdue(&self, now: Timestamp) -> bool {
        self.acknowledged_at.is_none() && now > self.due_at
    }
}

/// A filing-update task (R24).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilingTask {
    /// Its id.
    pub id: String,
    /// The filed fields that changed.
    pub changed: Vec<String>,
    /// When the filing should be updated by.
    pub due_at: Timestamp,
    /// When the task was made.
    pub created_at: Timestamp,
    /// When it was marked done.
    pub done_at: Option<Timestamp>,
    /// Who marked it done.
    pub done_by: Option<String>,
}

macro_rules! handoff_columns {
    () => {
        "id, org_id, report_id, recipient_name, recipient_org_id, recipient_email, jurisdiction, is_provider, \
         vendor_report_id, due_at, acknowledged_at, reminded_at, created_by, created_at"
    };
}

fn handoff_from_row(r: &AnyRow) -> Result<Handoff> {
    Ok(Handoff {
        id: r.try_get("id")?,
        org: parse(&r.try_get::<String, _>("org_id")?, "organisation id")?,
        report: parse(&r.try_get::<String, _>("report_id")?, "report id")?,
        recipient_name: r.try_get("recipient_name")?,
        recipient_org: r
            .try_get::<Option<String>, _>("recipient_org_id")?
            .map(|o| parse(&o, "organisation id"))
            .transpose()?,
        recipient_email: r.try_get("recipient_email")?,
        jurisdiction: r.try_get("jurisdiction")?,
        is_provider: r.try_get::<i64, _>("is_provider")? != 0,
        vendor_report: r
            .try_get::<Option<String>, _>("vendor_report_id")?
            .map(|o| parse(&o, "report id"))
            .transpose()?,
        due_at: Timestamp::from_micros(r.try_get("due_at")?),
        acknowledged_at: opt_ts(r, "acknowledged_at")?,
        reminded_at: opt_ts(r, "reminded_at")?,
        created_by: r.try_get("created_by")?,
        created_at: Timestamp::from_micros(r.try_get("created_at")?),
    })
}

impl Store {
    /// The vendor behind a program, if one is set.
    pub async fn program_vendor(&self, program: ProgramId) -> Result<Option<ProgramVendor>> {
        let row = sqlx::query(
            "SELECT vendor_org_id, vendor_name, contact_email, jurisdiction, response_hours FROM program_vendors WHERE program_id = $1",
        )
        .bind(program.to_string())
        .fetch_optional(self.read())
        .await?;
        row.map(|r| {
            Ok(ProgramVendor {
                program,
                vendor_org: r
                    .try_get::<Option<String>, _>("vendor_org_id")?
                    .map(|o| parse(&o, "organisation id"))
                    .transpose()?,
                vendor_name: r.try_get("vendor_name")?,
                contact_email: r.try_get("contact_email")?,
                jurisdiction: r.try_get("jurisdiction")?,
                response_hours: r.try_get("response_hours")?,
            })
        })
        .transpose()
    }

    /// Sets the vendor behind one of `org`'s programs (checked by the caller), audited.
    pub async fn set_program_vendor(&self, org: OrgId, v: &ProgramVendor, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        let owned: Option<String> = sqlx::query_scalar("SELECT id FROM programs WHERE id = $1 AND org_id = $2")
            .bind(v.program.to_string())
            .bind(org.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if owned.is_none() {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM program_vendors WHERE program_id = $1")
            .bind(v.program.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO program_vendors (program_id, vendor_org_id, vendor_name, contact_email, jurisdiction, response_hours, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(v.program.to_string())
        .bind(v.vendor_org.map(|o| o.to_string()))
        .bind(&v.vendor_name)
        .bind(&v.contact_email)
        .bind(&v.jurisdiction)
        .bind(v.response_hours)
        .bind(ctx.at.as_micros())
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({"vendor": v.vendor_name, "vendor_org": v.vendor_org.map(|o| o.to_string()),
            "contact_email": v.contact_email, "jurisdiction": v.jurisdiction, "response_hours": v.response_hours});
        self.audit_in(
            &mut tx,
            &event(ctx, "program.vendor", "program", &v.program.to_string(), Some(org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a hand-off (after the vendor-side report, if any, was received), audited.
    /// `token_hash` is the SHA-256 of an e-mailed link's secret.
    pub async fn record_handoff(&self, h: &Handoff, token_hash: Option<&str>, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO handoffs (id, org_id, report_id, recipient_name, recipient_org_id, recipient_email, jurisdiction, \
             is_provider, token_hash, vendor_report_id, due_at, acknowledged_at, reminded_at, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, NULL, $12, $13)",
        )
        .bind(&h.id)
        .bind(h.org.to_string())
        .bind(h.report.to_string())
        .bind(&h.recipient_name)
        .bind(h.recipient_org.map(|o| o.to_string()))
        .bind(&h.recipient_email)
        .bind(&h.jurisdiction)
        .bind(i64::from(h.is_provider))
        .bind(token_hash)
        .bind(h.vendor_report.map(|r| r.to_string()))
        .bind(h.due_at.as_micros())
        .bind(&ctx.actor)
        .bind(ctx.at.as_micros())
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({"report": h.report.to_string(), "recipient": h.recipient_name,
            "recipient_org": h.recipient_org.map(|o| o.to_string()), "email": h.recipient_email,
            "jurisdiction": h.jurisdiction, "vendor_report": h.vendor_report.map(|r| r.to_string())});
        self.audit_in(
            &mut tx,
            &event(ctx, "report.handoff", "report", &h.report.to_string(), Some(h.org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The hand-offs of a platform's report, oldest first.
    pub async fn handoffs_of_report(&self, report: ReportId) -> Result<Vec<Handoff>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            handoff_columns!(),
            " FROM handoffs WHERE report_id = $1 ORDER BY created_at"
        ))
        .bind(report.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(handoff_from_row).collect()
    }

    /// The hand-off that created a vendor-side report, if it came that way.
    pub async fn handoff_into(&self, vendor_report: ReportId) -> Result<Option<Handoff>> {
        let row = sqlx::query(concat!("SELECT ", handoff_columns!(), " FROM handoffs WHERE vendor_report_id = $1"))
            .bind(vendor_report.to_string())
            .fetch_optional(self.read())
            .await?;
        row.as_ref().map(handoff_from_row).transpose()
    }

    /// The e-mailed hand-off whose link secret hashes to `token_hash`.
    pub async fn handoff_by_token(&self, token_hash: &str) -> Result<Option<Handoff>> {
        let row = sqlx::query(concat!("SELECT ", handoff_columns!(), " FROM handoffs WHERE token_hash = $1"))
            .bind(token_hash)
            .fetch_optional(self.read())
            .await?;
        row.as_ref().map(handoff_from_row).transpose()
    }

    /// A platform's hand-offs, newest first (at most 1,000).
    pub async fn handoffs_of_org(&self, org: OrgId) -> Result<Vec<Handoff>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            handoff_columns!(),
            " FROM handoffs WHERE org_id = $1 ORDER BY created_at DESC LIMIT 1000"
        ))
        .bind(org.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(handoff_from_row).collect()
    }

    /// Records the vendor's acknowledgement (the first one counts), audited.
    /// Answers whether this call recorded it.
    pub async fn acknowledge_handoff(&self, h: &Handoff, ctx: &AuditContext) -> Result<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE handoffs SET acknowledged_at = $1 WHERE id = $2 AND acknowledged_at IS NULL")
            .bind(ctx.at.as_micros())
            .bind(&h.id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 1 {
            let details = serde_json::json!({"handoff": h.id, "recipient": h.recipient_name});
            self.audit_in(
                &mut tx,
                &event(
                    ctx,
                    "report.handoff_acknowledged",
                    "report",
                    &h.report.to_string(),
                    Some(h.org.to_string()),
                    details,
                ),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Hand-offs past due and not acknowledged, whose last reminder (if any) is older than
    /// `every`: the reminder sweep's work.
    pub async fn handoffs_to_remind(&self, now: Timestamp, every: std::time::Duration) -> Result<Vec<Handoff>> {
        let since = now.as_micros() - i64::try_from(every.as_micros()).unwrap_or(i64::MAX);
        let rows = sqlx::query(concat!(
            "SELECT ",
            handoff_columns!(),
            " FROM handoffs WHERE acknowledged_at IS NULL AND due_at < $1 AND (reminded_at IS NULL OR reminded_at < $2) \
             ORDER BY due_at LIMIT 500"
        ))
        .bind(now.as_micros())
        .bind(since)
        .fetch_all(self.read())
        .await?;
        rows.iter().map(handoff_from_row).collect()
    }

    /// Marks a reminder sent, only if nobody else did since `seen` (so one sweep wins).
    pub async fn mark_handoff_reminded(&self, h: &Handoff, at: Timestamp) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE handoffs SET reminded_at = $1 WHERE id = $2 AND acknowledged_at IS NULL \
             AND ((reminded_at IS NULL AND $3 = 0) OR reminded_at = $3)",
        )
        .bind(at.as_micros())
        .bind(&h.id)
        .bind(h.reminded_at.map_or(0, Timestamp::as_micros))
        .execute(&self.inner.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Opens a filing-update task for the filed fields that changed (R24), audited.
    pub async fn open_filing_task(
        &self,
        org: OrgId,
        id: &str,
        changed: &[&str],
        due_at: Timestamp,
        ctx: &AuditContext,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO filing_tasks (id, org_id, changed, due_at, created_at, done_at, done_by) VALUES ($1, $2, $3, $4, $5, NULL, NULL)",
        )
        .bind(id)
        .bind(org.to_string())
        .bind(changed.join(","))
        .bind(due_at.as_micros())
        .bind(ctx.at.as_micros())
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({"changed": changed, "due_at": due_at.to_rfc3339()});
        self.audit_in(
            &mut tx,
            &event(ctx, "filing.task_open", "organisation", &org.to_string(), Some(org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Marks a filing-update task done (the filing was updated with the authority), audited.
    pub async fn close_filing_task(&self, org: OrgId, id: &str, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE filing_tasks SET done_at = $1, done_by = $2 WHERE id = $3 AND org_id = $4 AND done_at IS NULL",
        )
        .bind(ctx.at.as_micros())
        .bind(&ctx.actor)
        .bind(id)
        .bind(org.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound);
        }
        let details = serde_json::json!({"task": id});
        self.audit_in(
            &mut tx,
            &event(ctx, "filing.task_done", "organisation", &org.to_string(), Some(org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Open filing-update tasks past due whose last reminder (if any) is older than `every`, with
    /// their organisation: the reminder sweep's work.
    pub async fn filing_tasks_to_remind(
        &self,
        now: Timestamp,
        every: std::time::Duration,
    ) -> Result<Vec<(OrgId, FilingTask, Option<Timestamp>)>> {
        let since = now.as_micros() - i64::try_from(every.as_micros()).unwrap_or(i64::MAX);
        let rows = sqlx::query(
            "SELECT org_id, id, changed, due_at, created_at, done_at, done_by, reminded_at FROM filing_tasks \
             WHERE done_at IS NULL AND due_at < $1 AND (reminded_at IS NULL OR reminded_at < $2) ORDER BY due_at LIMIT 500",
        )
        .bind(now.as_micros())
        .bind(since)
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    parse(&r.try_get::<String, _>("org_id")?, "organisation id")?,
                    FilingTask {
                        id: r.try_get("id")?,
                        changed: r
                            .try_get::<String, _>("changed")?
                            .split(',')
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned)
                            .collect(),
                        due_at: Timestamp::from_micros(r.try_get("due_at")?),
                        created_at: Timestamp::from_micros(r.try_get("created_at")?),
                        done_at: None,
                        done_by: None,
                    },
                    opt_ts(r, "reminded_at")?,
                ))
            })
            .collect()
    }

    /// Marks a filing task reminded, only if nobody else did since `seen` (so one sweep wins).
    pub async fn mark_filing_task_reminded(&self, id: &str, seen: Option<Timestamp>, at: Timestamp) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE filing_tasks SET reminded_at = $1 WHERE id = $2 AND done_at IS NULL \
             AND ((reminded_at IS NULL AND $3 = 0) OR reminded_at = $3)",
        )
        .bind(at.as_micros())
        .bind(id)
        .bind(seen.map_or(0, Timestamp::as_micros))
        .execute(&self.inner.write)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// An organisation's filing-update tasks, newest first.
    pub async fn filing_tasks(&self, org: OrgId) -> Result<Vec<FilingTask>> {
        let rows = sqlx::query(
            "SELECT id, changed, due_at, created_at, done_at, done_by FROM filing_tasks WHERE org_id = $1 ORDER BY created_at DESC LIMIT 200",
        )
        .bind(org.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FilingTask {
                    id: r.try_get("id")?,
                    changed: r
                        .try_get::<String, _>("changed")?
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect(),
                    due_at: Timestamp::from_micros(r.try_get("due_at")?),
                    created_at: Timestamp::from_micros(r.try_get("created_at")?),
                    done_at: opt_ts(r, "done_at")?,
                    done_by: r.try_get("done_by")?,
                })
            })
            .collect()
    }

    /// A platform's numbers for its filing authority (R24): per vendor (the program's vendor, or
    /// the program's name when none is set) and case grade, reports received, handed off, fixed
    /// and published. Grades come from the platform's own cases; `""` when not yet graded.
    pub async fn platform_statistics(&self, org: OrgId, from: Timestamp, to: Timestamp) -> Result<Vec<PlatformStat>> {
        let rows = sqlx::query(
            "SELECT COALESCE(v.vendor_name, p.name) AS vendor, COALESCE(MAX(c.grade), '') AS grade, r.id AS report, \
             MAX(CASE WHEN h.id IS NULL THEN 0 ELSE 1 END) AS handed, \
             MAX(CASE WHEN c.state IN ('fixed', 'disclosed', 'closed') THEN 1 ELSE 0 END) AS fixed, \
             MAX(CASE WHEN EXISTS (SELECT 1 FROM advisories a WHERE a.case_id = c.id AND a.initial_release_at IS NOT NULL) \
                 THEN 1 ELSE 0 END) AS published \
             FROM reports r JOIN programs p ON p.id = r.program_id \
             LEFT JOIN program_vendors v ON v.program_id = p.id \
             LEFT JOIN handoffs h ON h.report_id = r.id \
             LEFT JOIN case_reports cr ON cr.report_id = r.id OR cr.report_id = h.vendor_report_id \
             LEFT JOIN cases c ON c.id = cr.case_id \
             WHERE r.org_id = $1 AND r.received_at >= $2 AND r.received_at < $3 \
             GROUP BY COALESCE(v.vendor_name, p.name), r.id",
        )
        .bind(org.to_string())
        .bind(from.as_micros())
        .bind(to.as_micros())
        .fetch_all(self.read())
        .await?;
        let mut out: Vec<PlatformStat> = Vec::new();
        for r in &rows {
            let vendor: String = r.try_get("vendor")?;
            let grade: String = r.try_get("grade")?;
            let i = match out.iter().position(|s| s.vendor == vendor && s.grade == grade) {
                Some(i) => i,
                None => {
                    out.push(PlatformStat { vendor, grade, ..PlatformStat::default() });
                    out.len() - 1
                }
            };
            let s = &mut out[i];
            s.received += 1;
            s.handed_off += r.try_get::<i64, _>("handed")?;
            s.fixed += r.try_get::<i64, _>("fixed")?;
            s.published += r.try_get::<i64, _>("published")?;
        }
        out.sort_by(|a, b| a.vendor.cmp(&b.vendor).then(grade_rank(&a.grade).cmp(&grade_rank(&b.grade))));
        Ok(out)
    }
}

fn grade_rank(g: &str) -> usize {
    vulndesk_core::reward::GRADES.iter().position(|x| *x == g).unwrap_or(usize::MAX)
}

/// One row of a platform's statistics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlatformStat {
    /// The vendor.
    pub vendor: String,
    /// The grade (`critical` … `low`, or empty).
    pub grade: String,
    /// Reports received.
    pub received: i64,
    /// Of those, handed off to the vendor.
    pub handed_off: i64,
    /// Of those, fixed.
    pub fixed: i64,
    /// Of those, published.
    pub published: i64,
}
