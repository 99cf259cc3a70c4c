//! Encrypting what was stored in clear before `attachment_key` was set: attachments and two-factor
//! secrets. Done in batches of 100 rows, each batch one transaction with its audit event, so the
//! work can be stopped and run again at any point (a row is sealed once: the update only takes a
//! row still in clear). The receipts are not touched: they hash the plaintext, which stays the same.

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
    /// key, calling `progress` with the running totals after each batch. Refused without a key,
    /// and refused when rows are already encrypted under another key (the result would be rows
    /// under two keys, some of which the servers cannot open).
    pub async fn seal_stored(&self, ctx: &AuditContext, mut progress: impl FnMut(&Resealed)) -> Result<Resealed> {
        if self.attachment_key().get().is_none() {
            return Err(StoreError::Invalid(
                "no attachment_key is configured (set VULNDESK_ATTACHMENT_KEY_FILE): nothing to encrypt with".into(),
            ));
        }
        self.check_key_matches_sealed_rows().await?;
        let mut done = Resealed::default();
        loop {
            let mut tx = self.begin().await?;
            let rows: Vec<(String, Vec<u8>)> =
                sqlx::query_as("SELECT id, content FROM attachments WHERE sealed = 0 ORDER BY id LIMIT $1")
                    .bind(BATCH)
                    .fetch_all(&mut *tx)
                    .await?;
            if rows.is_empty() {
                break;
            }
            let mut ids = Vec::with_capacity(rows.len());
            for (id, plain) in rows {
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
            progress(&done);
        }
        loop {
            let mut tx = self.begin().await?;
            let rows: Vec<(String, String)> = sqlx::query_as(
                "SELECT user_id, secret FROM user_mfa WHERE secret NOT LIKE $1 ORDER BY user_id LIMIT $2",
            )
            .bind(crate::seal::sealed_text_like())
            .bind(BATCH)
            .fetch_all(&mut *tx)
            .await?;
            if rows.is_empty() {
                break;
            }
            let mut users = Vec::with_capacity(rows.len());
            for (user, secret) in rows {
                let sealed = crate::seal::seal_text(self.attachment_key(), &format!("mfa:{user}"), &secret)?;
                sqlx::query("UPDATE user_mfa SET secret = $1 WHERE user_id = $2 AND secret = $3")
                    .bind(sealed)
                    .bind(&user)
                    .bind(&secret)
                    .execute(&mut *tx)
                    .await?;
                users.push(user);
            }
            done.mfa_secrets += users.len() as u64;
            let details = serde_json::json!({"mfa_secrets_of": users});
            self.audit_in(&mut tx, &event(ctx, "store.seal", "mfa", "batch", None, details)).await?;
            tx.commit().await?;
            progress(&done);
        }
        Ok(done)
    }

    /// Opens one already encrypted attachment and one encrypted secret, if there are any, with the
    /// configured key.
    async fn check_key_matches_sealed_rows(&self) -> Result<()> {
        let wrong = |what: &str, e: StoreError| {
            StoreError::Invalid(format!(
                "attachment_key does not open the {what} already encrypted ({e}): give `vulndesk admin seal` the key \
                 the servers use"
            ))
        };
        let attachment: Option<(String, Vec<u8>)> =
            sqlx::query_as("SELECT id, content FROM attachments WHERE sealed = 1 LIMIT 1")
                .fetch_optional(self.read())
                .await?;
        if let Some((id, stored)) = attachment {
            crate::seal::open(self.attachment_key(), &id, stored, true).map_err(|e| wrong("attachments", e))?;
        }
        let secret: Option<(String, String)> =
            sqlx::query_as("SELECT user_id, secret FROM user_mfa WHERE secret LIKE $1 LIMIT 1")
                .bind(crate::seal::sealed_text_like())
                .fetch_optional(self.read())
                .await?;
        if let Some((user, stored)) = secret {
            crate::seal::open_text(self.attachment_key(), &format!("mfa:{user}"), stored)
                .map_err(|e| wrong("two-factor secrets", e))?;
        }
        Ok(())
    }
}
