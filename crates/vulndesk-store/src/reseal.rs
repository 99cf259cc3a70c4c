//! Encrypting what was stored in clear before `attachment_key` was set: attachments and two-factor
//! secrets. Done in batches of 100 rows, each batch one transaction with its audit event, so the
//! work can be stopped and run again at any point (a row is sealed once: the update only takes a
//! row still in clear). The receipts are not touched: they hash the plaintext, which stays the same.

use sqlx::Row;
use vulndesk_core::AuditContext;

use crate::{Result, Store, StoreError, event};

/// Rows per transaction.
const BATCH: i64 = 100;

/// What [`Store::seal_stored`] encrypted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resealed {
    /// Attachments encrypted.
    pub attachments: u64,
    /// Two-factor secrets encrypted.
    pub mfa_secrets: u64,
}

impl Store {
    /// Encrypts every attachment and two-factor secret still stored in clear with the configured
    /// key. Refused without a key.
    pub async fn seal_stored(&self, ctx: &AuditContext) -> Result<Resealed> {
        if self.attachment_key().get().is_none() {
            return Err(StoreError::Invalid(
                "no attachment_key is configured (set VULNDESK_ATTACHMENT_KEY_FILE): nothing to encrypt with".into(),
            ));
        }
        let mut done = Resealed::default();
        loop {
            let mut tx = self.begin().await?;
            let rows = sqlx::query("SELECT id, content FROM attachments WHERE sealed = 0 ORDER BY id LIMIT $1")
                .bind(BATCH)
                .fetch_all(&mut *tx)
                .await?;
            if rows.is_empty() {
                break;
            }
            let mut ids = Vec::with_capacity(rows.len());
            for r in &rows {
                let id: String = r.try_get("id")?;
                let plain: Vec<u8> = r.try_get("content")?;
                let (sealed, _) = crate::seal::seal(self.attachment_key(), &id, &plain)?;
                sqlx::query("UPDATE attachments SET content = $1, sealed = 1 WHERE id = $2 AND sealed = 0")
                    .bind(sealed)
                    .bind(&id)
                    .execute(&mut *tx)
                    .await?;
                ids.push(id);
            }
            done.attachments += ids.len() as u64;
            let details = serde_json::json!({"attachments": ids});
            self.audit_in(&mut tx, &event(ctx, "store.seal", "attachments", "batch", None, details)).await?;
            tx.commit().await?;
        }
        loop {
            let mut tx = self.begin().await?;
            let rows: Vec<(String, String)> = sqlx::query_as(
                "SELECT user_id, secret FROM user_mfa WHERE secret NOT LIKE 'sealed:%' ORDER BY user_id LIMIT $1",
            )
            .bind(BATCH)
            .fetch_all(&mut *tx)
            .await?;
            if rows.is_empty() {
                break;
            }
            let mut users = Vec::with_capacity(rows.len());
            for (user, secret) in &rows {
                debug_assert!(!crate::seal::is_sealed_text(secret));
                let sealed = crate::seal::seal_text(self.attachment_key(), &format!("mfa:{user}"), secret)?;
                sqlx::query("UPDATE user_mfa SET secret = $1 WHERE user_id = $2 AND secret = $3")
                    .bind(sealed)
                    .bind(user)
                    .bind(secret)
                    .execute(&mut *tx)
                    .await?;
                users.push(user.clone());
            }
            done.mfa_secrets += users.len() as u64;
            let details = serde_json::json!({"mfa_secrets_of": users});
            self.audit_in(&mut tx, &event(ctx, "store.seal", "mfa", "batch", None, details)).await?;
            tx.commit().await?;
        }
        Ok(done)
    }
}
