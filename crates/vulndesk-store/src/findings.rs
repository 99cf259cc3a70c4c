//! Findings on an operator's assets (Art. 8): kept in step with the matches, moved through
//! remediation, each change audited. A finding no longer matched by a re-match is closed as
//! remediated with that as its evidence.

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
    /// The vulnerability (advisory id).
    pub vulnerability: String,
    /// The affected component.
    pub purl: String,
    /// `verifying`, `remediating`, `remediated` or `accepted`.
    pub state: String,
    /// When it was first matched.
    pub first_seen: Timestamp,
    /// When it must be remediated by.
    pub due_at: Timestamp,
    /// What shows it is remediated, or why the risk is accepted.
    pub evidence: String,
    /// Until when the risk is accepted.
    pub accepted_until: Option<Timestamp>,
    /// Who accepted it.
    pub accepted_by: String,
}

/// A current match: (the id to give it if it is new, asset id, vulnerability, component,
/// deadline if new).
pub type Match = (String, String, String, String, Timestamp);

impl Store {
    /// Brings the organisation's findings in step with the current matches: new matches become
    /// findings (`verifying`, due as given); open findings no longer matched are closed as
    /// `remediated` with the re-match as evidence. Answers (new, closed).
    pub async fn sync_findings(&self, org: OrgId, matches: &[Match], ctx: &AuditContext) -> Result<(usize, usize)> {
        let mut tx = self.begin().await?;
        let rows = sqlx::query("SELECT id, asset_id, vulnerability, state FROM findings WHERE org_id = $1")
            .bind(org.to_string())
            .fetch_all(&mut *tx)
            .await?;
        let mut known = Vec::new();
        for r in &rows {
            known.push((
                r.try_get::<String, _>("id")?,
                r.try_get::<String, _>("asset_id")?,
                r.try_get::<String, _>("vulnerability")?,
                r.try_get::<String, _>("state")?,
            ));
        }
        let mut new = 0;
        for (id, asset, vuln, purl, due) in matches {
            if known.iter().any(|k| &k.1 == asset && &k.2 == vuln) {
                continue;
            }
            sqlx::query(
                "INSERT INTO findings (id, org_id, asset_id, vulnerability, purl, state, first_seen, due_at, evidence, \
                 accepted_until, accepted_by, updated_at) \
                 SELECT $1, $2, a.id, $4, $5, 'verifying', $6, $7, '', NULL, '', $6 FROM assets a WHERE a.id = $3 AND a.org_id = $2",
            )
            .bind(id)
            .bind(org.to_string())
            .bind(asset)
            .bind(vuln)
            .bind(purl)
            .bind(ctx.at.as_micros())
            .bind(due.as_micros())
            .execute(&mut *tx)
            .await?;
            new += 1;
        }
        let mut closed = 0;
        for (id, asset, vuln, state) in &known {
            let open = matches!(state.as_str(), "verifying" | "remediating");
            if open && !matches.iter().any(|m| &m.1 == asset && &m.2 == vuln) {
                sqlx::query(
                    "UPDATE findings SET state = 'remediated', evidence = $2, updated_at = $3 WHERE id = $1 AND state = $4",
                )
                .bind(id)
                .bind(format!("re-match at {}: the asset's components are no longer affected", ctx.at.to_rfc3339()))
                .bind(ctx.at.as_micros())
                .bind(state)
                .execute(&mut *tx)
                .await?;
                closed += 1;
            }
        }
        let details = serde_json::json!({"new": new, "closed": closed});
        self.audit_in(
            &mut tx,
            &event(ctx, "finding.sync", "organisation", &org.to_string(), Some(org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok((new, closed))
    }

    /// The organisation's findings, soonest due first.
    pub async fn findings_of(&self, org: OrgId) -> Result<Vec<Finding>> {
        let rows = sqlx::query(
            "SELECT f.id, f.asset_id, a.name AS asset_name, f.vulnerability, f.purl, f.state, f.first_seen, f.due_at, f.evidence, \
             f.accepted_until, f.accepted_by FROM findings f JOIN assets a ON a.id = f.asset_id WHERE f.org_id = $1 \
             ORDER BY f.due_at, a.name, f.vulnerability",
        )
        .bind(org.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Finding {
                    id: r.try_get("id")?,
                    asset: r.try_get("asset_id")?,
                    asset_name: r.try_get("asset_name")?,
                    vulnerability: r.try_get("vulnerability")?,
                    purl: r.try_get("purl")?,
                    state: r.try_get("state")?,
                    first_seen: Timestamp::from_micros(r.try_get("first_seen")?),
                    due_at: Timestamp::from_micros(r.try_get("due_at")?),
                    evidence: r.try_get("evidence")?,
                    accepted_until: r.try_get::<Option<i64>, _>("accepted_until")?.map(Timestamp::from_micros),
                    accepted_by: r.try_get("accepted_by")?,
                })
            })
            .collect()
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
        let done = sqlx::query(
            "UPDATE findings SET state = $1, evidence = $2, accepted_until = $3, accepted_by = $4, updated_at = $5 \
             WHERE id = $6 AND org_id = $7 AND state = $8",
        )
        .bind(to)
        .bind(evidence)
        .bind(accepted_until.map(Timestamp::as_micros))
        .bind(if to == "accepted" { ctx.actor.as_str() } else { "" })
        .bind(ctx.at.as_micros())
        .bind(id)
        .bind(org.to_string())
        .bind(from)
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
}
