//! Teams inside an organisation: who belongs to each, and which cases each is assigned. Every
//! change is audited in the same transaction.

use sqlx::Row;
use vulndesk_core::{AuditContext, CaseId, OrgId, UserId};

use crate::{Result, Store, StoreError, event};

/// A team as stored, with its members' usernames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    /// Its id (a UUID).
    pub id: String,
    /// The organisation.
    pub org: OrgId,
    /// Its short name, unique in the organisation.
    pub slug: String,
    /// Its display name.
    pub name: String,
    /// Its members' usernames, sorted.
    pub members: Vec<String>,
}

impl Store {
    /// Creates a team; a short name already used in the organisation is a [`StoreError::Conflict`].
    pub async fn create_team(&self, org: OrgId, id: &str, slug: &str, name: &str, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO teams (id, org_id, slug, name, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(org.to_string())
            .bind(slug)
            .bind(name)
            .bind(ctx.at.as_micros())
            .execute(&mut *tx)
            .await?;
        let details = serde_json::json!({"team": slug, "name": name});
        self.audit_in(&mut tx, &event(ctx, "team.create", "team", id, Some(org.to_string()), details)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// An organisation's teams with their members, by short name.
    pub async fn teams_of(&self, org: OrgId) -> Result<Vec<Team>> {
        let rows = sqlx::query(
            "SELECT t.id, t.slug, t.name, u.username FROM teams t LEFT JOIN team_members m ON m.team_id = t.id \
             LEFT JOIN users u ON u.id = m.user_id WHERE t.org_id = $1 ORDER BY t.slug, u.username",
        )
        .bind(org.to_string())
        .fetch_all(self.read())
        .await?;
        let mut out: Vec<Team> = Vec::new();
        for r in &rows {
            let id: String = r.try_get("id")?;
            if out.last().is_none_or(|t| t.id != id) {
                out.push(Team { id, org, slug: r.try_get("slug")?, name: r.try_get("name")?, members: Vec::new() });
            }
            if let (Some(t), Some(u)) = (out.last_mut(), r.try_get::<Option<String>, _>("username")?) {
                t.members.push(u);
            }
        }
        Ok(out)
    }

    /// Adds (`add`) or removes a member of one of `org`'s teams. Answers whether anything changed.
    pub async fn set_team_member(
        &self,
        org: OrgId,
        team: &Team,
        user: UserId,
        add: bool,
        ctx: &AuditContext,
    ) -> Result<bool> {
        if team.org != org {
            return Err(StoreError::NotFound);
        }
        let mut tx = self.begin().await?;
        let done = if add {
            sqlx::query("INSERT INTO team_members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        } else {
            sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2")
        }
        .bind(&team.id)
        .bind(user.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        let details = serde_json::json!({"team": team.slug, "user": user.to_string(), "added": add});
        self.audit_in(&mut tx, &event(ctx, "team.member", "team", &team.id, Some(org.to_string()), details)).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Assigns (`add`) a case to a team of its organisation, or takes it away. Answers whether
    /// anything changed.
    pub async fn set_case_team(
        &self,
        case: &vulndesk_core::case::Case,
        team: &Team,
        add: bool,
        ctx: &AuditContext,
    ) -> Result<bool> {
        if team.org != case.org {
            return Err(StoreError::NotFound);
        }
        let mut tx = self.begin().await?;
        let done = if add {
            sqlx::query("INSERT INTO case_teams (case_id, team_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        } else {
            sqlx::query("DELETE FROM case_teams WHERE case_id = $1 AND team_id = $2")
        }
        .bind(case.id.to_string())
        .bind(&team.id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        let details = serde_json::json!({"team": team.slug, "added": add});
        self.audit_in(
            &mut tx,
            &event(ctx, "case.team", "case", &case.id.to_string(), Some(case.org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The short names of the teams a case is assigned to.
    pub async fn case_teams(&self, case: CaseId) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT t.slug FROM case_teams c JOIN teams t ON t.id = c.team_id WHERE c.case_id = $1 ORDER BY t.slug",
        )
        .bind(case.to_string())
        .fetch_all(self.read())
        .await?)
    }
}
