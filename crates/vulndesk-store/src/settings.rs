//! Deployment-wide settings as key-value pairs (for example whether the demo data was loaded).

use crate::{Result, Store};

impl Store {
    /// The value stored under `key`.
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(self.read())
            .await?)
    }

    /// Stores `value` under `key` unless a value is already there; returns whether it stored it.
    pub async fn set_setting_once(&self, key: &str, value: &str) -> Result<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    /// Stores `value` under `key`, replacing what was there, with an audit event.
    pub async fn set_setting(
        &self,
        key: &str,
        value: &str,
        org: Option<String>,
        ctx: &vulndesk_core::AuditContext,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM settings WHERE key = $1").bind(key).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2)")
            .bind(key)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        let details = serde_json::json!({"value": value});
        self.audit_in(&mut tx, &crate::event(ctx, "setting.set", "setting", key, org, details)).await?;
        tx.commit().await?;
        Ok(())
    }
}
