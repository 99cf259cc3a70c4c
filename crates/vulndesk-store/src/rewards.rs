//! Reward tables, rewards with their shares and history, the ledger and the hall of fame
//! (Art. 7 ¶3; R12). Every change is one transaction with its audit event; a state change is
//! made only from the state the caller saw, so two people acting at once cannot both succeed.

use sqlx::Row;
use sqlx::any::AnyRow;
use vulndesk_core::reward::{Bonus, RewardState, RewardTable, Tier};
use vulndesk_core::{AuditContext, OrgId, ProgramId, ReportId, Timestamp};

use crate::{Result, Store, StoreError, event};

fn parse<T: std::str::FromStr>(s: &str, what: &str) -> Result<T> {
    s.parse().map_err(|_| StoreError::corrupt(format!("{what} {s:?}")))
}

fn opt_ts(r: &AnyRow, column: &str) -> Result<Option<Timestamp>> {
    Ok(r.try_get::<Option<i64>, _>(column)?.map(Timestamp::from_micros))
}

/// One co-reporter's part of a reward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewardShare {
    /// The report whose reporter receives it.
    pub report: ReportId,
    /// Its weight in the split.
    pub weight: i64,
    /// Its amount in minor units.
    pub amount: i64,
    /// The report's credit name (empty for an anonymous reporter).
    pub credit_name: String,
}

/// A reward as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reward {
    /// Its id (a UUID).
    pub id: String,
    /// The organisation that pays it.
    pub org: OrgId,
    /// The program it is paid under.
    pub program: ProgramId,
    /// The report it rewards.
    pub report: ReportId,
    /// The grade it was priced at.
    pub grade: String,
    /// The amount from the grade's range.
    pub base_amount: i64,
    /// The bonus added.
    pub bonus_amount: i64,
    /// Which bonus, when there is one.
    pub bonus_reason: String,
    /// Base plus bonus.
    pub amount: i64,
    /// ISO 4217 currency.
    pub currency: String,
    /// Why this amount.
    pub reason: String,
    /// Where it stands.
    pub state: RewardState,
    /// The amount is above the table's threshold: the approver must not be the decider.
    pub needs_second_approver: bool,
    /// Who decided it (user id).
    pub decided_by: String,
    /// When.
    pub decided_at: Timestamp,
    /// Who approved it.
    pub approved_by: Option<String>,
    /// When.
    pub approved_at: Option<Timestamp>,
    /// When it was paid.
    pub paid_at: Option<Timestamp>,
    /// The payment's reference.
    pub payment_reference: String,
    /// Why the payment failed, or why the reward was cancelled.
    pub failure_reason: String,
    /// The split between co-reporters (one share when the report stands alone).
    pub shares: Vec<RewardShare>,
}

/// A new reward decision, checked by the caller against the program's table.
#[derive(Debug, Clone)]
pub struct NewReward {
    /// Its id (a UUID).
    pub id: String,
    /// The paying organisation.
    pub org: OrgId,
    /// The program.
    pub program: ProgramId,
    /// The report.
    pub report: ReportId,
    /// The grade priced.
    pub grade: String,
    /// From the grade's range.
    pub base_amount: i64,
    /// The bonus added.
    pub bonus_amount: i64,
    /// Which bonus.
    pub bonus_reason: String,
    /// The total.
    pub amount: i64,
    /// ISO 4217.
    pub currency: String,
    /// Why.
    pub reason: String,
    /// Whether a second person must approve it.
    pub needs_second_approver: bool,
    /// The shares: report, weight, amount.
    pub shares: Vec<(ReportId, i64, i64)>,
}

/// A state change asked for.
#[derive(Debug, Clone)]
pub struct RewardStep {
    /// The state the caller saw.
    pub from: RewardState,
    /// The state asked for.
    pub to: RewardState,
    /// The payment's reference (for `paid`), or why it failed (for `failed`), or a note.
    pub note: String,
}

/// One line of the ledger: a reward share with what it is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerLine {
    /// The reward.
    pub reward: Reward,
    /// The program's name.
    pub program_name: String,
    /// The report's title.
    pub report_title: String,
}

/// A reward's history line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewardEvent {
    /// When.
    pub at: Timestamp,
    /// From.
    pub from_state: String,
    /// To.
    pub to_state: String,
    /// Who (user id).
    pub actor: String,
    /// The note given.
    pub note: String,
}

macro_rules! reward_columns {
    () => {
        "r.id, r.org_id, r.program_id, r.report_id, r.grade, r.base_amount, r.bonus_amount, r.bonus_reason, r.amount, \
         r.currency, r.reason, r.state, r.needs_second_approver, r.decided_by, r.decided_at, r.approved_by, \
         r.approved_at, r.paid_at, r.payment_reference, r.failure_reason"
    };
}

fn reward_from_row(r: &AnyRow) -> Result<Reward> {
    let state: String = r.try_get("state")?;
    Ok(Reward {
        id: r.try_get("id")?,
        org: parse(&r.try_get::<String, _>("org_id")?, "organisation id")?,
        program: parse(&r.try_get::<String, _>("program_id")?, "program id")?,
        report: parse(&r.try_get::<String, _>("report_id")?, "report id")?,
        grade: r.try_get("grade")?,
        base_amount: r.try_get("base_amount")?,
        bonus_amount: r.try_get("bonus_amount")?,
        bonus_reason: r.try_get("bonus_reason")?,
        amount: r.try_get("amount")?,
        currency: r.try_get("currency")?,
        reason: r.try_get("reason")?,
        state: RewardState::parse(&state).ok_or_else(|| StoreError::corrupt(format!("reward state {state:?}")))?,
        needs_second_approver: r.try_get::<i64, _>("needs_second_approver")? != 0,
        decided_by: r.try_get("decided_by")?,
        decided_at: Timestamp::from_micros(r.try_get("decided_at")?),
        approved_by: r.try_get("approved_by")?,
        approved_at: opt_ts(r, "approved_at")?,
        paid_at: opt_ts(r, "paid_at")?,
        payment_reference: r.try_get("payment_reference")?,
        failure_reason: r.try_get("failure_reason")?,
        shares: Vec::new(),
    })
}

/// Reads a stored JSON list of `{name-key: text, numeric keys…}` objects.
fn json_list(text: &str, what: &str, key: &str, numbers: &[&str]) -> Result<Vec<(String, Vec<i64>)>> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| StoreError::corrupt(format!("{what}: {e}")))?;
    let items = v.as_array().ok_or_else(|| StoreError::corrupt(format!("{what}: not a list")))?;
    items
        .iter()
        .map(|item| {
            let name = item[key].as_str().ok_or_else(|| StoreError::corrupt(format!("{what}: no {key}")))?;
            let nums = numbers
                .iter()
                .map(|n| item[*n].as_i64().ok_or_else(|| StoreError::corrupt(format!("{what}: no {n}"))))
                .collect::<Result<Vec<_>>>()?;
            Ok((name.to_owned(), nums))
        })
        .collect()
}

impl Store {
    /// A program's reward table, if it has one.
    pub async fn reward_table(&self, program: ProgramId) -> Result<Option<RewardTable>> {
        let row =
            sqlx::query("SELECT currency, four_eyes_above, tiers, bonuses FROM reward_tables WHERE program_id = $1")
                .bind(program.to_string())
                .fetch_optional(self.read())
                .await?;
        let Some(row) = row else { return Ok(None) };
        let tiers = json_list(&row.try_get::<String, _>("tiers")?, "reward tiers", "grade", &["min", "max"])?;
        let bonuses = json_list(&row.try_get::<String, _>("bonuses")?, "reward bonuses", "name", &["max"])?;
        Ok(Some(RewardTable {
            currency: row.try_get("currency")?,
            four_eyes_above: row.try_get("four_eyes_above")?,
            tiers: tiers.into_iter().map(|(grade, n)| Tier { grade, min: n[0], max: n[1] }).collect(),
            bonuses: bonuses.into_iter().map(|(name, n)| Bonus { name, max: n[0] }).collect(),
        }))
    }

    /// Sets a program's reward table (checked by the caller), audited with the whole table.
    pub async fn set_reward_table(
        &self,
        org: OrgId,
        program: ProgramId,
        t: &RewardTable,
        ctx: &AuditContext,
    ) -> Result<()> {
        let tiers: Vec<serde_json::Value> =
            t.tiers.iter().map(|t| serde_json::json!({"grade": t.grade, "min": t.min, "max": t.max})).collect();
        let bonuses: Vec<serde_json::Value> =
            t.bonuses.iter().map(|b| serde_json::json!({"name": b.name, "max": b.max})).collect();
        let (tiers, bonuses) = (serde_json::Value::from(tiers), serde_json::Value::from(bonuses));
        let mut tx = self.begin().await?;
        let owned: Option<String> = sqlx::query_scalar("SELECT id FROM programs WHERE id = $1 AND org_id = $2")
            .bind(program.to_string())
            .bind(org.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if owned.is_none() {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM reward_tables WHERE program_id = $1")
            .bind(program.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO reward_tables (program_id, org_id, currency, four_eyes_above, tiers, bonuses, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(program.to_string())
        .bind(org.to_string())
        .bind(&t.currency)
        .bind(t.four_eyes_above)
        .bind(tiers.to_string())
        .bind(bonuses.to_string())
        .bind(&ctx.actor)
        .bind(ctx.at.as_micros())
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({"currency": t.currency, "four_eyes_above": t.four_eyes_above,
            "tiers": tiers, "bonuses": bonuses});
        self.audit_in(
            &mut tx,
            &event(ctx, "reward_table.set", "program", &program.to_string(), Some(org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a reward decision (state `pending`) with its shares. Every share's report must
    /// belong to the paying organisation; a report with a live reward cannot get a second one
    /// ([`StoreError::Conflict`]).
    pub async fn decide_reward(&self, n: &NewReward, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        for (report, _, _) in &n.shares {
            let ok: Option<String> = sqlx::query_scalar("SELECT id FROM reports WHERE id = $1 AND org_id = $2")
                .bind(report.to_string())
                .bind(n.org.to_string())
                .fetch_optional(&mut *tx)
                .await?;
            if ok.is_none() {
                return Err(StoreError::Invalid(format!("shares: report {report} is not this organisation's")));
            }
        }
        sqlx::query(
            "INSERT INTO rewards (id, org_id, program_id, report_id, grade, base_amount, bonus_amount, bonus_reason, amount, \
             currency, reason, state, needs_second_approver, decided_by, decided_at, approved_by, approved_at, paid_at, \
             payment_reference, failure_reason, updated_at) \
             SELECT $1, p.org_id, p.id, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', $11, $12, $13, NULL, NULL, NULL, '', '', $13 \
             FROM programs p WHERE p.id = $2 AND p.org_id = $14",
        )
        .bind(&n.id)
        .bind(n.program.to_string())
        .bind(n.report.to_string())
        .bind(&n.grade)
        .bind(n.base_amount)
        .bind(n.bonus_amount)
        .bind(&n.bonus_reason)
        .bind(n.amount)
        .bind(&n.currency)
        .bind(&n.reason)
        .bind(i64::from(n.needs_second_approver))
        .bind(&ctx.actor)
        .bind(ctx.at.as_micros())
        .bind(n.org.to_string())
        .execute(&mut *tx)
        .await
        .and_then(|done| if done.rows_affected() == 1 { Ok(()) } else { Err(sqlx::Error::RowNotFound) })?;
        for (report, weight, amount) in &n.shares {
            sqlx::query("INSERT INTO reward_shares (reward_id, report_id, weight, amount) VALUES ($1, $2, $3, $4)")
                .bind(&n.id)
                .bind(report.to_string())
                .bind(*weight)
                .bind(*amount)
                .execute(&mut *tx)
                .await?;
        }
        insert_event(&mut tx, &n.id, ctx, "", RewardState::Pending, &n.reason).await?;
        let details = serde_json::json!({"report": n.report.to_string(), "grade": n.grade, "amount": n.amount,
            "currency": n.currency, "bonus": n.bonus_amount, "shares": n.shares.len(),
            "needs_second_approver": n.needs_second_approver});
        self.audit_in(&mut tx, &event(ctx, "reward.decide", "reward", &n.id, Some(n.org.to_string()), details)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moves a reward from the state the caller saw to the next one (the caller has checked the
    /// rules). `paid` records the note as the payment reference, `failed` as the failure reason,
    /// `approved` records the approver. [`StoreError::Conflict`] when the state changed meanwhile.
    pub async fn move_reward(&self, org: OrgId, id: &str, step: &RewardStep, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        let at = ctx.at.as_micros();
        let q = match step.to {
            RewardState::Approved => sqlx::query(
                "UPDATE rewards SET state = $1, approved_by = $4, approved_at = $5, failure_reason = '', updated_at = $5 \
                 WHERE id = $2 AND state = $3 AND org_id = $6",
            ),
            RewardState::Paid => sqlx::query(
                "UPDATE rewards SET state = $1, paid_at = $5, payment_reference = $4, updated_at = $5 \
                 WHERE id = $2 AND state = $3 AND org_id = $6",
            ),
            RewardState::Failed => sqlx::query(
                "UPDATE rewards SET state = $1, failure_reason = $4, updated_at = $5 WHERE id = $2 AND state = $3 AND org_id = $6",
            ),
            // Nothing moves back to pending; a cancellation keeps its reason where a failure's goes.
            RewardState::Pending | RewardState::Cancelled => sqlx::query(
                "UPDATE rewards SET state = $1, failure_reason = $4, updated_at = $5 WHERE id = $2 AND state = $3 AND org_id = $6",
            ),
        };
        let value = if step.to == RewardState::Approved { ctx.actor.clone() } else { step.note.clone() };
        let done = q
            .bind(step.to.as_str())
            .bind(id)
            .bind(step.from.as_str())
            .bind(value)
            .bind(at)
            .bind(org.to_string())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!("reward {id} is no longer {}", step.from)));
        }
        insert_event(&mut tx, id, ctx, step.from.as_str(), step.to, &step.note).await?;
        let details = serde_json::json!({"from": step.from.as_str(), "to": step.to.as_str(), "note": step.note});
        self.audit_in(
            &mut tx,
            &event(ctx, &format!("reward.{}", step.to), "reward", id, Some(org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The reward with this id, with its shares.
    pub async fn reward(&self, id: &str) -> Result<Option<Reward>> {
        let row = sqlx::query(concat!("SELECT ", reward_columns!(), " FROM rewards r WHERE r.id = $1"))
            .bind(id)
            .fetch_optional(self.read())
            .await?;
        let Some(row) = row else { return Ok(None) };
        let mut r = reward_from_row(&row)?;
        r.shares = self.reward_shares(&r.id).await?;
        Ok(Some(r))
    }

    async fn reward_shares(&self, id: &str) -> Result<Vec<RewardShare>> {
        let rows = sqlx::query(
            "SELECT s.report_id, s.weight, s.amount, p.credit_name FROM reward_shares s JOIN reports p ON p.id = s.report_id \
             WHERE s.reward_id = $1 ORDER BY s.weight DESC, s.report_id",
        )
        .bind(id)
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RewardShare {
                    report: parse(&r.try_get::<String, _>("report_id")?, "report id")?,
                    weight: r.try_get("weight")?,
                    amount: r.try_get("amount")?,
                    credit_name: r.try_get("credit_name")?,
                })
            })
            .collect()
    }

    /// The rewards that pay the reporter of `report`: the one decided on it, and any in which
    /// it holds a share (a co-reporter's), newest first, cancelled ones included.
    pub async fn rewards_for_report(&self, report: ReportId) -> Result<Vec<Reward>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            reward_columns!(),
            " FROM rewards r WHERE r.report_id = $1 \
             OR r.id IN (SELECT reward_id FROM reward_shares WHERE report_id = $1) ORDER BY r.decided_at DESC"
        ))
        .bind(report.to_string())
        .fetch_all(self.read())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut r = reward_from_row(row)?;
            r.shares = self.reward_shares(&r.id).await?;
            out.push(r);
        }
        Ok(out)
    }

    /// A reward's history, oldest first.
    pub async fn reward_events(&self, id: &str) -> Result<Vec<RewardEvent>> {
        let rows = sqlx::query(
            "SELECT at, from_state, to_state, actor, note FROM reward_events WHERE reward_id = $1 ORDER BY at",
        )
        .bind(id)
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RewardEvent {
                    at: Timestamp::from_micros(r.try_get("at")?),
                    from_state: r.try_get("from_state")?,
                    to_state: r.try_get("to_state")?,
                    actor: r.try_get("actor")?,
                    note: r.try_get("note")?,
                })
            })
            .collect()
    }

    /// The ledger: an organisation's rewards decided in `[from, to)`, optionally for one program,
    /// oldest first, with their shares.
    pub async fn reward_ledger(
        &self,
        org: OrgId,
        program: Option<ProgramId>,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<LedgerLine>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            reward_columns!(),
            ", p.name AS program_name, rep.title AS report_title FROM rewards r \
             JOIN programs p ON p.id = r.program_id JOIN reports rep ON rep.id = r.report_id \
             WHERE r.org_id = $1 AND ($2 = '' OR r.program_id = $2) AND r.decided_at >= $3 AND r.decided_at < $4 \
             ORDER BY r.decided_at, r.id"
        ))
        .bind(org.to_string())
        .bind(program.map(|p| p.to_string()).unwrap_or_default())
        .bind(from.as_micros())
        .bind(to.as_micros())
        .fetch_all(self.read())
        .await?;
        // Every share of the period in one query (a ledger is never cut short), grouped by reward.
        let share_rows = sqlx::query(
            "SELECT s.reward_id, s.report_id, s.weight, s.amount, p.credit_name FROM reward_shares s \
             JOIN rewards r ON r.id = s.reward_id JOIN reports p ON p.id = s.report_id \
             WHERE r.org_id = $1 AND ($2 = '' OR r.program_id = $2) AND r.decided_at >= $3 AND r.decided_at < $4 \
             ORDER BY s.reward_id, s.weight DESC, s.report_id",
        )
        .bind(org.to_string())
        .bind(program.map(|p| p.to_string()).unwrap_or_default())
        .bind(from.as_micros())
        .bind(to.as_micros())
        .fetch_all(self.read())
        .await?;
        let mut shares: std::collections::HashMap<String, Vec<RewardShare>> = std::collections::HashMap::new();
        for r in &share_rows {
            shares.entry(r.try_get("reward_id")?).or_default().push(RewardShare {
                report: parse(&r.try_get::<String, _>("report_id")?, "report id")?,
                weight: r.try_get("weight")?,
                amount: r.try_get("amount")?,
                credit_name: r.try_get("credit_name")?,
            });
        }
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut reward = reward_from_row(row)?;
            reward.shares = shares.remove(&reward.id).unwrap_or_default();
            out.push(LedgerLine {
                reward,
                program_name: row.try_get("program_name")?,
                report_title: row.try_get("report_title")?,
            });
        }
        Ok(out)
    }

    /// A program's hall of fame: the credit names of reporters who agreed to be listed, with how
    /// many of their reports became cases, most first. Reports that were not valid are left out.
    pub async fn hall_of_fame(&self, program: ProgramId) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT credit_name, COUNT(*) AS n FROM reports WHERE program_id = $1 AND hall_of_fame = 1 \
             AND status = 'promoted' AND credit_name <> '' \
             AND NOT EXISTS (SELECT 1 FROM case_reports cr JOIN cases c ON c.id = cr.case_id WHERE cr.report_id = reports.id \
                 AND c.state IN ('rejected', 'duplicate', 'not_applicable')) \
             GROUP BY credit_name ORDER BY n DESC, credit_name LIMIT 500",
        )
        .bind(program.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(|r| Ok((r.try_get("credit_name")?, r.try_get("n")?))).collect()
    }
}

async fn insert_event(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    id: &str,
    ctx: &AuditContext,
    from: &str,
    to: RewardState,
    note: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO reward_events (reward_id, at, from_state, to_state, actor, note) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(ctx.at.as_micros())
    .bind(from)
    .bind(to.as_str())
    .bind(&ctx.actor)
    .bind(note)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
