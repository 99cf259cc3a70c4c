//! Need-to-know inside an organisation: restricting a case to the people assigned to it (on the
//! case, or in one of its teams). The store answers which cases and reports a person may not
//! read; the web layer decides who else may (auditors read everything).

use sqlx::Row;
use vulndesk_core::case::Case;
use vulndesk_core::{AuditContext, CaseId, OrgId, ReportId, UserId};

use crate::{Result, Store, StoreError, event};

/// The restricted cases of `org` that `user` is neither on nor in a team of (every restricted
/// case for no user), in SQL shared by the case and report queries.
macro_rules! hidden_cases_sql {
    () => {
        "SELECT c.id FROM cases c WHERE c.org_id = $1 AND c.restricted = 1 \
         AND NOT EXISTS (SELECT 1 FROM case_people p WHERE p.case_id = c.id AND p.user_id = $2) \
         AND NOT EXISTS (SELECT 1 FROM case_teams ct JOIN team_members tm ON tm.team_id = ct.team_id \
                         WHERE ct.case_id = c.id AND tm.user_id = $2)"
    };
}

/// The id in column `col` of `row`.
fn id_in<T: std::str::FromStr>(row: &sqlx::any::AnyRow, col: &str) -> Result<T> {
    let id: String = row.try_get(col)?;
    id.parse().map_err(|_| StoreError::Invalid(format!("bad id {id:?} in {col}")))
}

impl Store {
    /// Restricts a case to its people and teams, or lifts the restriction; audited.
    pub async fn set_case_restricted(&self, case: &Case, restricted: bool, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE cases SET restricted = $2 WHERE id = $1")
            .bind(case.id.to_string())
            .bind(i64::from(restricted))
            .execute(&mut *tx)
            .await?;
        let details = serde_json::json!({"number": case.number, "restricted": restricted});
        self.audit_in(
            &mut tx,
            &event(ctx, "case.restriction", "case", &case.id.to_string(), Some(case.org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether the case is restricted to its people.
    pub async fn case_is_restricted(&self, case: CaseId) -> Result<bool> {
        let r: Option<i64> = sqlx::query_scalar("SELECT restricted FROM cases WHERE id = $1")
            .bind(case.to_string())
            .fetch_optional(self.read())
            .await?;
        Ok(r.unwrap_or(0) != 0)
    }

    /// The restricted cases of `org` that `user` may not read.
    pub async fn hidden_cases(&self, org: OrgId, user: Option<UserId>) -> Result<Vec<CaseId>> {
        let rows = sqlx::query(hidden_cases_sql!())
            .bind(org.to_string())
            .bind(user.map(|u| u.to_string()).unwrap_or_default())
            .fetch_all(self.read())
            .await?;
        rows.iter().map(|r| id_in(r, "id")).collect()
    }

    /// The reports of `org` in a restricted case that `user` may not read.
    pub async fn hidden_reports(&self, org: OrgId, user: Option<UserId>) -> Result<Vec<ReportId>> {
        let rows = sqlx::query(concat!(
            "SELECT DISTINCT cr.report_id FROM case_reports cr WHERE cr.case_id IN (",
            hidden_cases_sql!(),
            ")"
        ))
        .bind(org.to_string())
        .bind(user.map(|u| u.to_string()).unwrap_or_default())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(|r| id_in(r, "report_id")).collect()
    }
}
