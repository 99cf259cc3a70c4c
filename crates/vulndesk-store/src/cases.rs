//! Cases: opening one (from reports or directly, with its number), the assessment, verification
//! records, transitions with their history, comments and aliases. Every change is audited in the
//! same transaction; a change of `aware_at` records the old and new value.

use std::collections::HashMap;

use sqlx::Row;
use sqlx::any::AnyRow;
use vulndesk_core::case::{Case, CaseState, Transition, Verification};
use vulndesk_core::{AuditContext, CaseId, CommentId, OrgId, ReportId, Timestamp};

use crate::{Result, Store, StoreError, event};

fn parse<T: std::str::FromStr>(s: &str, what: &str) -> Result<T> {
    s.parse().map_err(|_| StoreError::corrupt(format!("{what} {s:?}")))
}

macro_rules! columns {
    () => {
        "id, org_id, number, title, state, aware_at, upstream, upstream_supplier, users_must_act, cvss_vector, \
         cvss_score, grade, cwe, characteristics, harm, scope_of_impact, state_reason, duplicate_of, created_by, created_at, updated_at, \
         characteristics_en, harm_en, scope_of_impact_en"
    };
}

fn case_from_row(r: &AnyRow) -> Result<Case> {
    let state: String = r.try_get("state")?;
    Ok(Case {
        id: parse(&r.try_get::<String, _>("id")?, "case id")?,
        org: parse(&r.try_get::<String, _>("org_id")?, "organisation id")?,
        number: r.try_get("number")?,
        title: r.try_get("title")?,
        state: CaseState::parse(&state).ok_or_else(|| StoreError::corrupt(format!("case state {state:?}")))?,
        aware_at: Timestamp::from_micros(r.try_get("aware_at")?),
        upstream: r.try_get::<i64, _>("upstream")? != 0,
        upstream_supplier: r.try_get("upstream_supplier")?,
        users_must_act: r.try_get::<i64, _>("users_must_act")? != 0,
        cvss_vector: r.try_get("cvss_vector")?,
        cvss_score: r.try_get("cvss_score")?,
        grade: r.try_get("grade")?,
        cwe: r.try_get("cwe")?,
        characteristics: r.try_get("characteristics")?,
        harm: r.try_get("harm")?,
        scope_of_impact: r.try_get("scope_of_impact")?,
        characteristics_en: r.try_get("characteristics_en")?,
        harm_en: r.try_get("harm_en")?,
        scope_of_impact_en: r.try_get("scope_of_impact_en")?,
        state_reason: r.try_get("state_reason")?,
        duplicate_of: r.try_get::<Option<String>, _>("duplicate_of")?.map(|d| parse(&d, "case id")).transpose()?,
        created_by: r.try_get("created_by")?,
        created_at: Timestamp::from_micros(r.try_get("created_at")?),
        updated_at: Timestamp::from_micros(r.try_get("updated_at")?),
    })
}

/// A case to open.
#[derive(Debug, Clone)]
pub struct NewCase {
    /// Its id.
    pub id: CaseId,
    /// The organisation.
    pub org: OrgId,
    /// A one-line summary.
    pub title: String,
    /// When the organisation became aware (defaults, at the caller, to the first report's receipt).
    pub aware_at: Timestamp,
    /// The reports it is opened from (they become `promoted`).
    pub reports: Vec<ReportId>,
}

/// The assessment fields, replaced together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assessment {
    /// When the organisation became aware.
    pub aware_at: Option<Timestamp>,
    /// The CVSS vector.
    pub cvss_vector: String,
    /// The computed score.
    pub cvss_score: String,
    /// The grade name.
    pub grade: String,
    /// The CWE id.
    pub cwe: String,
    /// Technical characteristics.
    pub characteristics: String,
    /// Harm.
    pub harm: String,
    /// Scope of impact.
    pub scope_of_impact: String,
    /// Technical characteristics, in English.
    pub characteristics_en: String,
    /// Harm, in English.
    pub harm_en: String,
    /// Scope of impact, in English.
    pub scope_of_impact_en: String,
    /// Upstream root cause.
    pub upstream: bool,
    /// The upstream supplier.
    pub upstream_supplier: String,
    /// Users must act.
    pub users_must_act: bool,
}

/// One line of a case's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionRecord {
    /// When.
    pub at: Timestamp,
    /// From which state.
    pub from: String,
    /// To which state.
    pub to: String,
    /// The event.
    pub event: String,
    /// Who (account id or `system`).
    pub actor: String,
    /// Why, if a reason was given.
    pub reason: String,
}

/// A comment on a case: internal, or shared with the reporter (shown on the tracking page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Its id.
    pub id: CommentId,
    /// The account id of its author.
    pub author: String,
    /// Whether the reporter sees it.
    pub shared: bool,
    /// The text.
    pub body: String,
    /// When.
    pub created_at: Timestamp,
}

fn year_of(t: Timestamp) -> i32 {
    t.to_datetime().map_or(1970, |d| d.year())
}

impl Store {
    /// Opens a case: gives it the next number of its organisation and year, links the reports (which
    /// become `promoted`), and records the opening.
    pub async fn create_case(&self, new: &NewCase, ctx: &AuditContext) -> Result<Case> {
        let year = i64::from(year_of(ctx.at));
        let mut tx = self.begin().await?;
        if self.backend() == crate::Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(crate::postgres::CASE_NUMBER_LOCK)
                .execute(&mut *tx)
                .await?;
        }
        let org = new.org.to_string();
        sqlx::query("INSERT INTO case_counters (org_id, year, last) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING")
            .bind(&org)
            .bind(year)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE case_counters SET last = last + 1 WHERE org_id = $1 AND year = $2")
            .bind(&org)
            .bind(year)
            .execute(&mut *tx)
            .await?;
        let n: i64 = sqlx::query_scalar("SELECT last FROM case_counters WHERE org_id = $1 AND year = $2")
            .bind(&org)
            .bind(year)
            .fetch_one(&mut *tx)
            .await?;
        let number = Case::number_for(year_of(ctx.at), n);
        sqlx::query(concat!(
            "INSERT INTO cases (",
            columns!(),
            ") VALUES ($1, $2, $3, $4, 'received', $5, 0, '', 0, '', '', '', '', '', '', '', '', NULL, $6, $7, $7, '', '', '')"
        ))
        .bind(new.id.to_string())
        .bind(&org)
        .bind(&number)
        .bind(&new.title)
        .bind(new.aware_at.as_micros())
        .bind(&ctx.actor)
        .bind(ctx.at.as_micros())
        .execute(&mut *tx)
        .await?;
        for r in &new.reports {
            sqlx::query("INSERT INTO case_reports (case_id, report_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(new.id.to_string())
                .bind(r.to_string())
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE reports SET status = 'promoted' WHERE id = $1 AND org_id = $2")
                .bind(r.to_string())
                .bind(&org)
                .execute(&mut *tx)
                .await?;
        }
        let details = serde_json::json!({"number": number, "aware_at": new.aware_at.to_rfc3339(),
            "reports": new.reports.iter().map(ToString::to_string).collect::<Vec<_>>()});
        self.audit_in(&mut tx, &event(ctx, "case.create", "case", &new.id.to_string(), Some(org), details)).await?;
        tx.commit().await?;
        self.case(new.id).await?.ok_or(StoreError::NotFound)
    }

    /// The case with this id.
    pub async fn case(&self, id: CaseId) -> Result<Option<Case>> {
        let row = sqlx::query(concat!("SELECT ", columns!(), " FROM cases WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(self.read())
            .await?;
        row.as_ref().map(case_from_row).transpose()
    }

    /// The organisation's case with this number.
    pub async fn case_by_number(&self, org: OrgId, number: &str) -> Result<Option<Case>> {
        let row = sqlx::query(concat!("SELECT ", columns!(), " FROM cases WHERE org_id = $1 AND number = $2"))
            .bind(org.to_string())
            .bind(number)
            .fetch_optional(self.read())
            .await?;
        row.as_ref().map(case_from_row).transpose()
    }

    /// The organisation's cases, newest first; only those still open when `open_only`.
    pub async fn cases_of(&self, org: OrgId, open_only: bool) -> Result<Vec<Case>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM cases WHERE org_id = $1 AND ($2 = 0 OR state NOT IN ('closed', 'rejected', 'duplicate', 'not_applicable')) \
             ORDER BY created_at DESC"
        ))
        .bind(org.to_string())
        .bind(i64::from(open_only))
        .fetch_all(self.read())
        .await?;
        rows.iter().map(case_from_row).collect()
    }

    /// The reports a case was opened from.
    pub async fn case_reports(&self, case: CaseId) -> Result<Vec<ReportId>> {
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT report_id FROM case_reports WHERE case_id = $1 ORDER BY report_id")
                .bind(case.to_string())
                .fetch_all(self.read())
                .await?;
        ids.iter().map(|i| parse(i, "report id")).collect()
    }

    /// The cases a report belongs to.
    pub async fn cases_for_report(&self, report: ReportId) -> Result<Vec<CaseId>> {
        let ids: Vec<String> = sqlx::query_scalar("SELECT case_id FROM case_reports WHERE report_id = $1")
            .bind(report.to_string())
            .fetch_all(self.read())
            .await?;
        ids.iter().map(|i| parse(i, "case id")).collect()
    }

    /// Replaces the assessment. A changed `aware_at` is audited with both values.
    pub async fn set_assessment(&self, case: &Case, a: &Assessment, ctx: &AuditContext) -> Result<()> {
        let aware_at = a.aware_at.unwrap_or(case.aware_at);
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE cases SET aware_at = $1, cvss_vector = $2, cvss_score = $3, grade = $4, cwe = $5, characteristics = $6, \
             harm = $7, scope_of_impact = $8, upstream = $9, upstream_supplier = $10, users_must_act = $11, updated_at = $12, \
             characteristics_en = $14, harm_en = $15, scope_of_impact_en = $16 WHERE id = $13",
        )
        .bind(aware_at.as_micros())
        .bind(&a.cvss_vector)
        .bind(&a.cvss_score)
        .bind(&a.grade)
        .bind(&a.cwe)
        .bind(&a.characteristics)
        .bind(&a.harm)
        .bind(&a.scope_of_impact)
        .bind(i64::from(a.upstream))
        .bind(&a.upstream_supplier)
        .bind(i64::from(a.users_must_act))
        .bind(ctx.at.as_micros())
        .bind(case.id.to_string())
        .bind(&a.characteristics_en)
        .bind(&a.harm_en)
        .bind(&a.scope_of_impact_en)
        .execute(&mut *tx)
        .await?;
        let org = case.org.to_string();
        let id = case.id.to_string();
        let details = serde_json::json!({"cvss_vector": a.cvss_vector, "cvss_score": a.cvss_score, "grade": a.grade, "cwe": a.cwe,
            "upstream": a.upstream, "users_must_act": a.users_must_act});
        self.audit_in(&mut tx, &event(ctx, "case.assess", "case", &id, Some(org.clone()), details)).await?;
        if aware_at != case.aware_at {
            let details = serde_json::json!({"from": case.aware_at.to_rfc3339(), "to": aware_at.to_rfc3339()});
            self.audit_in(&mut tx, &event(ctx, "case.aware_at_changed", "case", &id, Some(org), details)).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Adds a verification record.
    pub async fn add_verification(&self, case: &Case, v: &Verification, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO verifications (id, case_id, verified_by, verified_at, environment, method, result, reproduced, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(v.id.to_string())
        .bind(case.id.to_string())
        .bind(&v.verified_by)
        .bind(v.verified_at.as_micros())
        .bind(&v.environment)
        .bind(&v.method)
        .bind(&v.result)
        .bind(i64::from(v.reproduced))
        .bind(&ctx.actor)
        .bind(ctx.at.as_micros())
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({"verified_by": v.verified_by, "reproduced": v.reproduced});
        self.audit_in(
            &mut tx,
            &event(ctx, "case.verify", "case", &case.id.to_string(), Some(case.org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A case's verification records, oldest first.
    pub async fn verifications_of(&self, case: CaseId) -> Result<Vec<Verification>> {
        let rows = sqlx::query(
            "SELECT id, verified_by, verified_at, environment, method, result, reproduced FROM verifications WHERE case_id = $1 ORDER BY recorded_at, id",
        )
        .bind(case.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Verification {
                    id: parse(&r.try_get::<String, _>("id")?, "verification id")?,
                    verified_by: r.try_get("verified_by")?,
                    verified_at: Timestamp::from_micros(r.try_get("verified_at")?),
                    environment: r.try_get("environment")?,
                    method: r.try_get("method")?,
                    result: r.try_get("result")?,
                    reproduced: r.try_get::<i64, _>("reproduced")? != 0,
                })
            })
            .collect()
    }

    /// Records a transition the core allowed. Refused with [`StoreError::Conflict`] when the case
    /// is no longer in the state the decision was made from (someone else moved it first).
    pub async fn apply_transition(
        &self,
        case: &Case,
        t: &Transition,
        reason: &str,
        duplicate_of: Option<CaseId>,
        ctx: &AuditContext,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE cases SET state = $1, state_reason = $2, duplicate_of = $3, updated_at = $4 WHERE id = $5 AND state = $6",
        )
        .bind(t.to.as_str())
        .bind(reason)
        .bind(duplicate_of.map(|d| d.to_string()))
        .bind(t.at.as_micros())
        .bind(case.id.to_string())
        .bind(t.from.as_str())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!("case {} is no longer {}", case.number, t.from)));
        }
        sqlx::query(
            "INSERT INTO case_transitions (case_id, at, from_state, to_state, event, actor, reason) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(case.id.to_string())
        .bind(t.at.as_micros())
        .bind(t.from.as_str())
        .bind(t.to.as_str())
        .bind(t.event.as_str())
        .bind(&ctx.actor)
        .bind(reason)
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({"from": t.from.as_str(), "to": t.to.as_str(), "event": t.event.as_str(), "reason": reason});
        self.audit_in(
            &mut tx,
            &event(ctx, "case.transition", "case", &case.id.to_string(), Some(case.org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A case's history, oldest first.
    pub async fn transitions_of(&self, case: CaseId) -> Result<Vec<TransitionRecord>> {
        let rows = sqlx::query(
            "SELECT at, from_state, to_state, event, actor, reason FROM case_transitions WHERE case_id = $1 ORDER BY at",
        )
        .bind(case.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TransitionRecord {
                    at: Timestamp::from_micros(r.try_get("at")?),
                    from: r.try_get("from_state")?,
                    to: r.try_get("to_state")?,
                    event: r.try_get("event")?,
                    actor: r.try_get("actor")?,
                    reason: r.try_get("reason")?,
                })
            })
            .collect()
    }

    /// Adds a comment, internal or shared with the reporter.
    pub async fn add_comment(&self, case: &Case, c: &Comment, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO case_comments (id, case_id, author, shared, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(c.id.to_string())
        .bind(case.id.to_string())
        .bind(&c.author)
        .bind(i64::from(c.shared))
        .bind(&c.body)
        .bind(c.created_at.as_micros())
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({"shared": c.shared});
        self.audit_in(
            &mut tx,
            &event(ctx, "case.comment", "case", &case.id.to_string(), Some(case.org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A case's comments, oldest first.
    pub async fn comments_of(&self, case: CaseId) -> Result<Vec<Comment>> {
        let rows = sqlx::query(
            "SELECT id, author, shared, body, created_at FROM case_comments WHERE case_id = $1 ORDER BY created_at, id",
        )
        .bind(case.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Comment {
                    id: parse(&r.try_get::<String, _>("id")?, "comment id")?,
                    author: r.try_get("author")?,
                    shared: r.try_get::<i64, _>("shared")? != 0,
                    body: r.try_get("body")?,
                    created_at: Timestamp::from_micros(r.try_get("created_at")?),
                })
            })
            .collect()
    }

    /// Replaces a case's aliases (CVE, GHSA, CNVD, … ids, already validated by the caller).
    pub async fn set_aliases(&self, case: &Case, aliases: &[String], ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM case_aliases WHERE case_id = $1").bind(case.id.to_string()).execute(&mut *tx).await?;
        for a in aliases {
            sqlx::query("INSERT INTO case_aliases (case_id, alias) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(case.id.to_string())
                .bind(a)
                .execute(&mut *tx)
                .await?;
        }
        let details = serde_json::json!({"aliases": aliases});
        self.audit_in(
            &mut tx,
            &event(ctx, "case.aliases", "case", &case.id.to_string(), Some(case.org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A case's aliases, sorted.
    pub async fn aliases_of(&self, case: CaseId) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar("SELECT alias FROM case_aliases WHERE case_id = $1 ORDER BY alias")
            .bind(case.to_string())
            .fetch_all(self.read())
            .await?)
    }
}

/// A GB/T 30279-2020 grading of a case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GbtGrading {
    /// The indicator values, `name=value` pairs joined by `;`, as the grading form sent them.
    pub indicators: String,
    /// The technical grade (`critical`, `high`, `medium`, `low`, `none`).
    pub technical: String,
    /// The comprehensive grade.
    pub comprehensive: String,
    /// The version of the grading tables used.
    pub tables: String,
}

impl Store {
    /// Stores a case's GB/T 30279 grading.
    pub async fn set_gbt_grading(&self, case: &Case, g: &GbtGrading, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE cases SET gbt_indicators = $1, gbt_technical = $2, gbt_comprehensive = $3, gbt_tables = $4, updated_at = $5 WHERE id = $6",
        )
        .bind(&g.indicators)
        .bind(&g.technical)
        .bind(&g.comprehensive)
        .bind(&g.tables)
        .bind(ctx.at.as_micros())
        .bind(case.id.to_string())
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({"indicators": g.indicators, "technical": g.technical, "comprehensive": g.comprehensive, "tables": g.tables});
        self.audit_in(
            &mut tx,
            &event(ctx, "case.gbt_grade", "case", &case.id.to_string(), Some(case.org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A case's GB/T 30279 grading, if it has one.
    pub async fn gbt_grading(&self, case: CaseId) -> Result<Option<GbtGrading>> {
        let row =
            sqlx::query("SELECT gbt_indicators, gbt_technical, gbt_comprehensive, gbt_tables FROM cases WHERE id = $1")
                .bind(case.to_string())
                .fetch_optional(self.read())
                .await?;
        let Some(r) = row else { return Ok(None) };
        let g = GbtGrading {
            indicators: r.try_get("gbt_indicators")?,
            technical: r.try_get("gbt_technical")?,
            comprehensive: r.try_get("gbt_comprehensive")?,
            tables: r.try_get("gbt_tables")?,
        };
        Ok((!g.indicators.is_empty()).then_some(g))
    }
}

impl Store {
    /// Adds a report to an existing case (merging a duplicate report into it); the report becomes
    /// `promoted`. Returns `false` when it was already part of the case.
    pub async fn add_report_to_case(&self, case: &Case, report: ReportId, ctx: &AuditContext) -> Result<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("INSERT INTO case_reports (case_id, report_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(case.id.to_string())
            .bind(report.to_string())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("UPDATE reports SET status = 'promoted' WHERE id = $1 AND org_id = $2")
            .bind(report.to_string())
            .bind(case.org.to_string())
            .execute(&mut *tx)
            .await?;
        let details = serde_json::json!({"report": report.to_string()});
        self.audit_in(
            &mut tx,
            &event(ctx, "case.add_report", "case", &case.id.to_string(), Some(case.org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

impl Store {
    /// Adds (`add`) or removes a person on a case as `kind` (`assignee` or `watcher`). Returns
    /// whether anything changed.
    pub async fn set_case_person(
        &self,
        case: &Case,
        user: vulndesk_core::UserId,
        kind: &str,
        add: bool,
        ctx: &AuditContext,
    ) -> Result<bool> {
        if !matches!(kind, "assignee" | "watcher") {
            return Err(StoreError::Invalid(format!("unknown kind {kind:?}")));
        }
        let mut tx = self.begin().await?;
        let done = if add {
            sqlx::query("INSERT INTO case_people (case_id, user_id, kind) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .bind(case.id.to_string())
                .bind(user.to_string())
                .bind(kind)
                .execute(&mut *tx)
                .await?
        } else {
            sqlx::query("DELETE FROM case_people WHERE case_id = $1 AND user_id = $2 AND kind = $3")
                .bind(case.id.to_string())
                .bind(user.to_string())
                .bind(kind)
                .execute(&mut *tx)
                .await?
        };
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        let details = serde_json::json!({"user": user.to_string(), "kind": kind, "added": add});
        self.audit_in(
            &mut tx,
            &event(ctx, "case.people", "case", &case.id.to_string(), Some(case.org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The people on a case with their kind, by username.
    pub async fn case_people(&self, case: CaseId) -> Result<Vec<(vulndesk_core::User, String)>> {
        let rows = sqlx::query(
            "SELECT u.id, u.username, u.display_name, u.email, u.site_admin, u.locale, u.disabled, u.created_at, p.kind \
             FROM case_people p JOIN users u ON u.id = p.user_id WHERE p.case_id = $1 ORDER BY p.kind, u.username",
        )
        .bind(case.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(|r| Ok((crate::user::user_from_row(r)?, r.try_get("kind")?))).collect()
    }
}

impl Store {
    /// Records a deadline reminder and queues its mail, once: returns `false` (and queues nothing)
    /// when this reminder was already recorded, by this instance or another.
    pub async fn record_deadline_notice(
        &self,
        case: &Case,
        kind: &str,
        level: &str,
        outbox: &[crate::intake::NewOutbox],
        ctx: &AuditContext,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "INSERT INTO deadline_notices (case_id, kind, level, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(case.id.to_string())
        .bind(kind)
        .bind(level)
        .bind(ctx.at.as_micros())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        for o in outbox {
            crate::intake::writer::insert_outbox(&mut tx, o, ctx.at).await?;
        }
        let details = serde_json::json!({"kind": kind, "level": level, "recipients": outbox.len()});
        self.audit_in(
            &mut tx,
            &event(ctx, "case.deadline_notice", "case", &case.id.to_string(), Some(case.org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The facts a case's deadlines depend on, from the case and its first report.
    pub async fn deadline_facts(&self, case: &Case) -> Result<vulndesk_core::deadline::DeadlineFacts> {
        let mut reporter = None;
        let mut acknowledged = None;
        if let Some(first) = self.case_reports(case.id).await?.first()
            && let Some(report) = self.report(*first).await?
        {
            let sla = self.program_by_id(report.program).await?.map_or(72, |p| p.ack_sla_hours);
            reporter = Some((report.received_at, sla));
            acknowledged = report.acknowledged_at;
        }
        Ok(facts_of(
            case,
            reporter,
            acknowledged,
            self.authority_reported_at(case.id).await?,
            self.first_delivered("upstream_notice", &case.id.to_string()).await?,
        ))
    }

    /// The deadline facts of every case of an organisation, in four queries whatever the number
    /// of cases (the case list and the deadlines board would otherwise ask five per case). Gives
    /// the same facts as [`Store::deadline_facts`] for each of `cases` (which must belong to `org`).
    pub async fn deadline_facts_of_org(
        &self,
        org: OrgId,
        cases: &[Case],
    ) -> Result<HashMap<CaseId, vulndesk_core::deadline::DeadlineFacts>> {
        let org = org.to_string();
        // The first report of each case is the one with the smallest id, as `case_reports` orders.
        let first = sqlx::query(
            "SELECT c.id AS case_id, r.received_at, r.acknowledged_at, p.ack_sla_hours \
             FROM cases c JOIN case_reports cr ON cr.case_id = c.id JOIN reports r ON r.id = cr.report_id \
             LEFT JOIN programs p ON p.id = r.program_id \
             WHERE c.org_id = $1 AND cr.report_id = (SELECT MIN(x.report_id) FROM case_reports x WHERE x.case_id = c.id)",
        )
        .bind(&org)
        .fetch_all(self.read())
        .await?;
        let mut reporters = HashMap::new();
        for row in &first {
            let case: String = row.try_get("case_id")?;
            let sla = row.try_get::<Option<i64>, _>("ack_sla_hours")?.map_or(72, |h| u32::try_from(h).unwrap_or(72));
            let received = Timestamp::from_micros(row.try_get("received_at")?);
            let acknowledged = row.try_get::<Option<i64>, _>("acknowledged_at")?.map(Timestamp::from_micros);
            reporters.insert(case, ((received, sla), acknowledged));
        }
        // (case id, earliest time) of the organisation's cases, from a grouped query on `$1`.
        let org_id = org.as_str();
        let earliest = |sql: &'static str| async move {
            let rows: Vec<(String, i64)> = sqlx::query_as(sql).bind(org_id).fetch_all(self.read()).await?;
            Ok::<HashMap<String, i64>, StoreError>(rows.into_iter().collect())
        };
        let authority = earliest(
            "SELECT a.case_id, MIN(a.submitted_at) FROM authority_reports a JOIN cases c ON c.id = a.case_id \
             WHERE c.org_id = $1 AND a.kind = 'initial' AND a.status = 'submitted' AND a.submitted_at IS NOT NULL \
             GROUP BY a.case_id",
        )
        .await?;
        let upstream = earliest(
            "SELECT d.related, MIN(d.delivered_at) FROM deliveries d JOIN cases c ON c.id = d.related \
             WHERE c.org_id = $1 AND d.kind = 'upstream_notice' AND d.status = 'delivered' AND d.delivered_at IS NOT NULL \
             GROUP BY d.related",
        )
        .await?;
        Ok(cases
            .iter()
            .map(|c| {
                let id = c.id.to_string();
                let (reporter, acknowledged) = reporters.get(&id).map_or((None, None), |(r, a)| (Some(*r), *a));
                let facts = facts_of(
                    c,
                    reporter,
                    acknowledged,
                    authority.get(&id).copied().map(Timestamp::from_micros),
                    upstream.get(&id).copied().map(Timestamp::from_micros),
                );
                (c.id, facts)
            })
            .collect())
    }

    /// The aliases of every case of an organisation, each list sorted, in one query.
    pub async fn aliases_of_org(&self, org: OrgId) -> Result<HashMap<CaseId, Vec<String>>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT a.case_id, a.alias FROM case_aliases a JOIN cases c ON c.id = a.case_id \
             WHERE c.org_id = $1 ORDER BY a.case_id, a.alias",
        )
        .bind(org.to_string())
        .fetch_all(self.read())
        .await?;
        let mut out: HashMap<CaseId, Vec<String>> = HashMap::new();
        for (case, alias) in rows {
            out.entry(parse(&case, "case id")?).or_default().push(alias);
        }
        Ok(out)
    }
}

/// A case's deadline facts from what the store read about it.
fn facts_of(
    case: &Case,
    reporter: Option<(Timestamp, u32)>,
    acknowledged: Option<Timestamp>,
    authority_reported_at: Option<Timestamp>,
    upstream_notified_at: Option<Timestamp>,
) -> vulndesk_core::deadline::DeadlineFacts {
    use vulndesk_core::deadline::{DeadlineFacts, Grade};
    let grade = match case.grade.as_str() {
        "critical" => Some(Grade::Critical),
        "high" => Some(Grade::High),
        "medium" => Some(Grade::Medium),
        "low" => Some(Grade::Low),
        _ => None,
    };
    DeadlineFacts {
        aware_at: case.aware_at,
        reporter,
        upstream: case.upstream,
        grade,
        authority_reported_at,
        upstream_notified_at,
        reporter_acknowledged_at: acknowledged,
        fixed_at: None,
    }
}
