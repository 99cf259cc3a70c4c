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
}
