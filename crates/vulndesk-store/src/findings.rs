//! Findings on an operator's assets (Art. 8): kept in step with the matches, moved through
//! remediation, each change audited.
//!
//! A re-match (`sync_findings`) is given every current match and decides, per (asset,
//! vulnerability):
//! - a new match is a finding (`verifying`, due as given), or straight `not_affected` when a
//!   supplier's VEX says so;
//! - an open finding no longer matched is closed as `remediated`, confirmed by the re-match;
//! - a finding someone marked `remediated` is confirmed when no longer matched, and reopened
//!   (`remediating`) when it still is, since then the inventory says it is not fixed;
//! - an open finding a VEX statement covers is closed as `not_affected` with the statement as its
//!   evidence, and reopened if the statement is withdrawn while the match remains;
//! - an accepted risk whose acceptance expired is reopened (`remediating`).

use sqlx::Row;
use vulndesk_core::{AuditContext, OrgId, Timestamp};

use crate::{Result, Store, StoreError, event};

/// A finding as stored, with its asset's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Its id.
    pub id: String,
    /// The asset.
    pub asset: String,
    /// The asset's name.
    pub asset_name: String,
    /// The vulnerability (a CVE when known, otherwise the advisory's id).
    pub vulnerability: String,
    /// The affected component or product.
    pub purl: String,
    /// `verifying`, `remediating`, `remediated`, `accepted` or `not_affected`.
    pub state: String,
    /// `critical`, `high`, `medium`, `low`, or empty when the data gives none.
    pub grade: String,
    /// Where the match came from: `osv`, or `csaf:` and the document's id.
    pub source: String,
    /// When it was first matched.
    pub first_seen: Timestamp,
    /// When it must be remediated by.
    pub due_at: Timestamp,
    /// What shows it is remediated, or why the risk is accepted, or the VEX statement.
    pub evidence: String,
    /// Until when the risk is accepted.
    pub accepted_until: Option<Timestamp>,
    /// Who accepted it.
    pub accepted_by: String,
    /// When it was closed (remediated, accepted, not affected).
    pub closed_at: Option<Timestamp>,
    /// When a re-match confirmed the remediation.
    pub confirmed_at: Option<Timestamp>,
}

impl Finding {
    /// Still to be dealt with.
    pub fn is_open(&self) -> bool {
        matches!(self.state.as_str(), "verifying" | "remediating")
    }
}

/// A current match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// The id to give it if it is new.
    pub id: String,
    /// The asset's id.
    pub asset: String,
    /// The vulnerability.
    pub vulnerability: String,
    /// The affected component or product.
    pub purl: String,
    /// Its deadline, if it is new.
    pub due: Timestamp,
    /// Its grade, or empty.
    pub grade: String,
    /// Where it came from.
    pub source: String,
    /// A supplier's statement that the asset is not affected, as evidence.
    pub not_affected: Option<String>,
}

/// What a re-match changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// New findings.
    pub new: usize,
    /// Open findings closed because they no longer match.
    pub closed: usize,
    /// Remediations a re-match confirmed.
    pub confirmed: usize,
    /// Findings reopened: still matched after a claimed remediation, a withdrawn VEX statement
    /// or an expired risk acceptance.
    pub reopened: usize,
    /// Findings closed by a VEX statement.
    pub not_affected: usize,
}

macro_rules! finding_columns {
    () => {
        "f.id, f.asset_id, a.name AS asset_name, f.vulnerability, f.purl, f.state, f.grade, f.source, f.first_seen, \
         f.due_at, f.evidence, f.accepted_until, f.accepted_by, f.closed_at, f.confirmed_at"
    };
}

fn finding_from_row(r: &sqlx::any::AnyRow) -> Result<Finding> {
    let ts = |k: &str| -> Result<Option<Timestamp>> { Ok(r.try_get::<Option<i64>, _>(k)?.map(Timestamp::from_micros)) };
    Ok(Finding {
        id: r.try_get("id")?,
        asset: r.try_get("asset_id")?,
        asset_name: r.try_get("asset_name")?,
        vulnerability: r.try_get("vulnerability")?,
        purl: r.try_get("purl")?,
        state: r.try_get("state")?,
        grade: r.try_get("grade")?,
        source: r.try_get("source")?,
        first_seen: Timestamp::from_micros(r.try_get("first_seen")?),
        due_at: Timestamp::from_micros(r.try_get("due_at")?),
        evidence: r.try_get("evidence")?,
        accepted_until: ts("accepted_until")?,
        accepted_by: r.try_get("accepted_by")?,
        closed_at: ts("closed_at")?,
        confirmed_at: ts("confirmed_at")?,
    })
}

/// One state change a re-match makes.
struct Change<'a> {
    id: &'a str,
    from: &'a str,
    to: &'a str,
    evidence: String,
    closed: bool,
}

impl Store {
    /// Brings the organisation's findings in step with the current matches (see the module).
    pub async fn sync_findings(&self, org: OrgId, matches: &[Match], ctx: &AuditContext) -> Result<SyncReport> {
        let mut tx = self.begin().await?;
        let rows = sqlx::query(concat!(
            "SELECT ",
            finding_columns!(),
            " FROM findings f JOIN assets a ON a.id = f.asset_id WHERE f.org_id = $1"
        ))
        .bind(org.to_string())
        .fetch_all(&mut *tx)
        .await?;
        let known = rows.iter().map(finding_from_row).collect::<Result<Vec<_>>>()?;
        let mut report = SyncReport::default();
        let mut seen = std::collections::HashSet::new();
        for m in matches {
            if known.iter().any(|k| k.asset == m.asset && k.vulnerability == m.vulnerability)
                || !seen.insert((m.asset.as_str(), m.vulnerability.as_str()))
            {
                continue;
            }
            let (state, evidence, closed) = match &m.not_affected {
                Some(why) => ("not_affected", why.as_str(), Some(ctx.at.as_micros())),
                None => ("verifying", "", None),
            };
            sqlx::query(
                "INSERT INTO findings (id, org_id, asset_id, vulnerability, purl, state, first_seen, due_at, evidence, \
                 accepted_until, accepted_by, updated_at, grade, source, closed_at, confirmed_at) \
                 SELECT $1, $2, a.id, $4, $5, $8, $6, $7, $9, NULL, '', $6, $10, $11, $12, NULL FROM assets a \
                 WHERE a.id = $3 AND a.org_id = $2",
            )
            .bind(&m.id)
            .bind(org.to_string())
            .bind(&m.asset)
            .bind(&m.vulnerability)
            .bind(&m.purl)
            .bind(ctx.at.as_micros())
            .bind(m.due.as_micros())
            .bind(state)
            .bind(evidence)
            .bind(&m.grade)
            .bind(&m.source)
            .bind(closed)
            .execute(&mut *tx)
            .await?;
            if m.not_affected.is_some() {
                report.not_affected += 1;
            } else {
                report.new += 1;
            }
        }
        let at = ctx.at.to_rfc3339();
        let mut changes = Vec::new();
        for k in &known {
            let current = matches.iter().find(|m| m.asset == k.asset && m.vulnerability == k.vulnerability);
            let change = |to, evidence: String, closed| Change { id: &k.id, from: &k.state, to, evidence, closed };
            match (k.state.as_str(), current) {
                ("verifying" | "remediating", None) => {
                    changes.push(change(
                        "remediated",
                        format!("re-match at {at}: the asset's inventory is no longer affected"),
                        true,
                    ));
                    report.closed += 1;
                }
                ("verifying" | "remediating", Some(Match { not_affected: Some(why), .. })) => {
                    changes.push(change("not_affected", why.clone(), true));
                    report.not_affected += 1;
                }
                ("remediated", Some(Match { not_affected: None, .. })) => {
                    changes.push(change(
                        "remediating",
                        format!("re-match at {at}: still affected by the inventory ({}); was: {}", k.purl, k.evidence),
                        false,
                    ));
                    report.reopened += 1;
                }
                ("remediated", None) if k.confirmed_at.is_none() => {
                    sqlx::query("UPDATE findings SET confirmed_at = $2 WHERE id = $1 AND state = 'remediated'")
                        .bind(&k.id)
                        .bind(ctx.at.as_micros())
                        .execute(&mut *tx)
                        .await?;
                    report.confirmed += 1;
                }
                ("not_affected", Some(Match { not_affected: None, .. })) => {
                    changes.push(change(
                        "verifying",
                        format!("re-match at {at}: no VEX statement covers it any more"),
                        false,
                    ));
                    report.reopened += 1;
                }
                ("accepted", _) if k.accepted_until.is_some_and(|u| u <= ctx.at) => {
                    changes.push(change("remediating", format!("the risk acceptance ended ({})", k.evidence), false));
                    report.reopened += 1;
                }
                _ => {}
            }
        }
        for c in &changes {
            sqlx::query(
                "UPDATE findings SET state = $2, evidence = $3, closed_at = $4, confirmed_at = $5, accepted_until = NULL, \
                 updated_at = $6 WHERE id = $1 AND state = $7",
            )
            .bind(c.id)
            .bind(c.to)
            .bind(&c.evidence)
            .bind(c.closed.then(|| ctx.at.as_micros()))
            .bind((c.closed && c.to == "remediated").then(|| ctx.at.as_micros()))
            .bind(ctx.at.as_micros())
            .bind(c.from)
            .execute(&mut *tx)
            .await?;
            let details = serde_json::json!({"from": c.from, "to": c.to, "evidence": c.evidence, "by": "re-match"});
            self.audit_in(&mut tx, &event(ctx, "finding.step", "finding", c.id, Some(org.to_string()), details))
                .await?;
        }
        let details = serde_json::json!({"new": report.new, "closed": report.closed, "confirmed": report.confirmed,
            "reopened": report.reopened, "not_affected": report.not_affected});
        self.audit_in(
            &mut tx,
            &event(ctx, "finding.sync", "organisation", &org.to_string(), Some(org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }

    /// The organisation's findings, soonest due first.
    pub async fn findings_of(&self, org: OrgId) -> Result<Vec<Finding>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            finding_columns!(),
            " FROM findings f JOIN assets a ON a.id = f.asset_id WHERE f.org_id = $1 ORDER BY f.due_at, a.name, f.vulnerability"
        ))
        .bind(org.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(finding_from_row).collect()
    }

    /// Moves a finding from the state the caller saw (checked by the caller), with its evidence
    /// and, for a risk acceptance, its expiry. [`StoreError::Conflict`] when it moved meanwhile.
    pub async fn move_finding(
        &self,
        org: OrgId,
        id: &str,
        (from, to): (&str, &str),
        evidence: &str,
        accepted_until: Option<Timestamp>,
        ctx: &AuditContext,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let closed = matches!(to, "remediated" | "accepted" | "not_affected").then(|| ctx.at.as_micros());
        let done = sqlx::query(
            "UPDATE findings SET state = $1, evidence = $2, accepted_until = $3, accepted_by = $4, updated_at = $5, \
             closed_at = $9, confirmed_at = NULL WHERE id = $6 AND org_id = $7 AND state = $8",
        )
        .bind(to)
        .bind(evidence)
        .bind(accepted_until.map(Timestamp::as_micros))
        .bind(if to == "accepted" { ctx.actor.as_str() } else { "" })
        .bind(ctx.at.as_micros())
        .bind(id)
        .bind(org.to_string())
        .bind(from)
        .bind(closed)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(format!("finding {id} is no longer {from}")));
        }
        let details = serde_json::json!({"from": from, "to": to, "evidence": evidence,
            "accepted_until": accepted_until.map(|t| t.to_rfc3339())});
        self.audit_in(&mut tx, &event(ctx, "finding.step", "finding", id, Some(org.to_string()), details)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Organisations with at least one asset: those a re-match concerns.
    pub async fn orgs_with_assets(&self) -> Result<Vec<OrgId>> {
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT org_id FROM assets ORDER BY org_id").fetch_all(self.read()).await?;
        ids.iter().map(|i| i.parse().map_err(|_| StoreError::corrupt("asset organisation"))).collect()
    }

    /// A supplier's VEX document an organisation uploaded.
    pub async fn add_vex_document(&self, org: OrgId, doc: &VexDocument, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO vex_documents (id, org_id, name, format, sha256, document, uploaded_at, uploaded_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&doc.id)
        .bind(org.to_string())
        .bind(&doc.name)
        .bind(&doc.format)
        .bind(&doc.sha256)
        .bind(&doc.document)
        .bind(ctx.at.as_micros())
        .bind(ctx.actor.as_str())
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({"name": doc.name, "format": doc.format, "sha256": doc.sha256});
        self.audit_in(&mut tx, &event(ctx, "vex.add", "vex", &doc.id, Some(org.to_string()), details)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes an uploaded VEX document; [`StoreError::NotFound`] when there is none.
    pub async fn remove_vex_document(&self, org: OrgId, id: &str, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("DELETE FROM vex_documents WHERE id = $1 AND org_id = $2")
            .bind(id)
            .bind(org.to_string())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound);
        }
        self.audit_in(&mut tx, &event(ctx, "vex.remove", "vex", id, Some(org.to_string()), serde_json::json!({})))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An organisation's uploaded VEX documents, newest first.
    pub async fn vex_documents(&self, org: OrgId) -> Result<Vec<VexDocument>> {
        let rows = sqlx::query(
            "SELECT id, name, format, sha256, document, uploaded_at, uploaded_by FROM vex_documents WHERE org_id = $1 \
             ORDER BY uploaded_at DESC, id",
        )
        .bind(org.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(VexDocument {
                    id: r.try_get("id")?,
                    name: r.try_get("name")?,
                    format: r.try_get("format")?,
                    sha256: r.try_get("sha256")?,
                    document: r.try_get("document")?,
                    uploaded_at: Timestamp::from_micros(r.try_get("uploaded_at")?),
                    uploaded_by: r.try_get("uploaded_by")?,
                })
            })
            .collect()
    }

    /// An organisation's own SLA matrix (its text), if it set one.
    pub async fn sla_matrix(&self, org: OrgId) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT matrix FROM sla_matrices WHERE org_id = $1")
            .bind(org.to_string())
            .fetch_optional(self.read())
            .await?)
    }

    /// Sets (or, with empty text, removes) an organisation's SLA matrix. The caller checks it.
    pub async fn set_sla_matrix(&self, org: OrgId, text: &str, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM sla_matrices WHERE org_id = $1").bind(org.to_string()).execute(&mut *tx).await?;
        if !text.trim().is_empty() {
            sqlx::query("INSERT INTO sla_matrices (org_id, matrix, updated_at, updated_by) VALUES ($1, $2, $3, $4)")
                .bind(org.to_string())
                .bind(text)
                .bind(ctx.at.as_micros())
                .bind(ctx.actor.as_str())
                .execute(&mut *tx)
                .await?;
        }
        let details = serde_json::json!({"matrix": text});
        self.audit_in(
            &mut tx,
            &event(ctx, "sla.set", "organisation", &org.to_string(), Some(org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A VEX document as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VexDocument {
    /// Its id.
    pub id: String,
    /// A name for people.
    pub name: String,
    /// `csaf` or `cyclonedx`.
    pub format: String,
    /// The SHA-256 of its bytes.
    pub sha256: String,
    /// The document.
    pub document: String,
    /// When it was uploaded.
    pub uploaded_at: Timestamp,
    /// Who uploaded it.
    pub uploaded_by: String,
}
