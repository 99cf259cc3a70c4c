//! Two-factor sign-in: each account's TOTP secret (RFC 6238), its single-use recovery codes
//! (stored as SHA-256 hashes), the replay guard (the last accepted time step), the sign-ins that
//! passed the password and wait for a code, and listing and ending an account's sessions.

use sqlx::Row;
use vulndesk_core::{AuditContext, Timestamp, UserId};

use crate::{Result, Store, event};

/// An account's TOTP set-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mfa {
    /// The shared secret, base32.
    pub secret: String,
    /// When it was turned on; `None` while set-up waits for the first code.
    pub enabled_at: Option<Timestamp>,
    /// The last time step a code was accepted for.
    pub last_step: i64,
    /// Recovery codes not used yet.
    pub recovery_left: i64,
}

/// A sign-in waiting for its second factor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaChallenge {
    /// The account.
    pub user: UserId,
    /// Where to go once signed in.
    pub next: String,
    /// Codes tried so far.
    pub attempts: i64,
}

/// One of an account's live sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// SHA-256 (hex) of its id: what ending it names.
    pub id_hash: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it stops working.
    pub expires_at: Timestamp,
    /// Source address at sign-in.
    pub source: String,
    /// User agent at sign-in.
    pub user_agent: String,
}

fn user_id(r: &sqlx::any::AnyRow, col: &str) -> Result<UserId> {
    let s: String = r.try_get(col)?;
    s.parse().map_err(|_| crate::StoreError::Invalid(format!("bad user id {s:?}")))
}

impl Store {
    /// The account's TOTP set-up, if it has one (pending or on).
    pub async fn mfa(&self, user: UserId) -> Result<Option<Mfa>> {
        let row = sqlx::query(
            "SELECT m.secret, m.enabled_at, m.last_step, \
             (SELECT COUNT(*) FROM mfa_recovery_codes c WHERE c.user_id = m.user_id AND c.used_at IS NULL) AS left_codes \
             FROM user_mfa m WHERE m.user_id = $1",
        )
        .bind(user.to_string())
        .fetch_optional(self.read())
        .await?;
        let aad = format!("mfa:{user}");
        row.map(|r| {
            Ok(Mfa {
                secret: crate::seal::open_text(self.attachment_key(), &aad, r.try_get("secret")?)?,
                enabled_at: r.try_get::<Option<i64>, _>("enabled_at")?.map(Timestamp::from_micros),
                last_step: r.try_get("last_step")?,
                recovery_left: r.try_get("left_codes")?,
            })
        })
        .transpose()
    }

    /// Starts (or restarts) set-up with a new secret; a set-up already on is not touched.
    /// Returns false when two-factor sign-in is already on.
    pub async fn begin_mfa(&self, user: UserId, secret: &str, ctx: &AuditContext) -> Result<bool> {
        let mut tx = self.begin().await?;
        let on: Option<Option<i64>> = sqlx::query_scalar("SELECT enabled_at FROM user_mfa WHERE user_id = $1")
            .bind(user.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if matches!(on, Some(Some(_))) {
            return Ok(false);
        }
        sqlx::query("DELETE FROM user_mfa WHERE user_id = $1").bind(user.to_string()).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO user_mfa (user_id, secret, enabled_at, last_step, created_at) VALUES ($1, $2, NULL, 0, $3)",
        )
        .bind(user.to_string())
        .bind(crate::seal::seal_text(self.attachment_key(), &format!("mfa:{user}"), secret)?)
        .bind(ctx.at.as_micros())
        .execute(&mut *tx)
        .await?;
        self.audit_in(
            &mut tx,
            &event(ctx, "mfa.setup_started", "user", &user.to_string(), None, serde_json::json!({})),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Records that a code for `step` was accepted, if no code for it or a later step was: the
    /// guard against a code being used twice. True when this caller's code counts.
    pub async fn accept_mfa_step(&self, user: UserId, step: i64) -> Result<bool> {
        let done = sqlx::query("UPDATE user_mfa SET last_step = $2 WHERE user_id = $1 AND last_step < $2")
            .bind(user.to_string())
            .bind(step)
            .execute(self.write())
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Turns two-factor sign-in on (after a first good code) with these recovery code hashes.
    pub async fn enable_mfa(&self, user: UserId, recovery_hashes: &[String], ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE user_mfa SET enabled_at = $2 WHERE user_id = $1 AND enabled_at IS NULL")
            .bind(user.to_string())
            .bind(ctx.at.as_micros())
            .execute(&mut *tx)
            .await?;
        replace_codes(&mut tx, user, recovery_hashes).await?;
        self.audit_in(&mut tx, &event(ctx, "mfa.enabled", "user", &user.to_string(), None, serde_json::json!({})))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces the account's recovery codes.
    pub async fn replace_recovery_codes(&self, user: UserId, hashes: &[String], ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        replace_codes(&mut tx, user, hashes).await?;
        self.audit_in(
            &mut tx,
            &event(ctx, "mfa.recovery_codes", "user", &user.to_string(), None, serde_json::json!({})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Uses a recovery code (by its hash) once. True when it was unused.
    pub async fn use_recovery_code(&self, user: UserId, hash: &str, ctx: &AuditContext) -> Result<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE mfa_recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
        )
        .bind(user.to_string())
        .bind(hash)
        .bind(ctx.at.as_micros())
        .execute(&mut *tx)
        .await?;
        let used = done.rows_affected() == 1;
        if used {
            self.audit_in(
                &mut tx,
                &event(ctx, "mfa.recovery_code_used", "user", &user.to_string(), None, serde_json::json!({})),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(used)
    }

    /// Turns two-factor sign-in off and forgets the secret and codes.
    pub async fn disable_mfa(&self, user: UserId, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM mfa_recovery_codes WHERE user_id = $1")
            .bind(user.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM user_mfa WHERE user_id = $1").bind(user.to_string()).execute(&mut *tx).await?;
        self.audit_in(&mut tx, &event(ctx, "mfa.disabled", "user", &user.to_string(), None, serde_json::json!({})))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores a sign-in that passed the password and waits for a code.
    pub async fn create_mfa_challenge(
        &self,
        id_hash: &str,
        user: UserId,
        next: &str,
        expires_at: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO mfa_challenges (id_hash, user_id, next_path, expires_at, attempts) VALUES ($1, $2, $3, $4, 0)",
        )
        .bind(id_hash)
        .bind(user.to_string())
        .bind(next)
        .bind(expires_at.as_micros())
        .execute(self.write())
        .await?;
        Ok(())
    }

    /// The live challenge with this id hash, counting this look as an attempt.
    pub async fn take_mfa_attempt(&self, id_hash: &str, now: Timestamp) -> Result<Option<MfaChallenge>> {
        sqlx::query("UPDATE mfa_challenges SET attempts = attempts + 1 WHERE id_hash = $1 AND expires_at > $2")
            .bind(id_hash)
            .bind(now.as_micros())
            .execute(self.write())
            .await?;
        self.mfa_challenge(id_hash, now).await
    }

    /// The live challenge with this id hash.
    pub async fn mfa_challenge(&self, id_hash: &str, now: Timestamp) -> Result<Option<MfaChallenge>> {
        let row = sqlx::query(
            "SELECT user_id, next_path, attempts FROM mfa_challenges WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(id_hash)
        .bind(now.as_micros())
        .fetch_optional(self.write())
        .await?;
        row.map(|r| {
            Ok(MfaChallenge {
                user: user_id(&r, "user_id")?,
                next: r.try_get("next_path")?,
                attempts: r.try_get("attempts")?,
            })
        })
        .transpose()
    }

    /// Ends a challenge (signed in, or given up), and any that expired.
    pub async fn end_mfa_challenge(&self, id_hash: &str, now: Timestamp) -> Result<()> {
        sqlx::query("DELETE FROM mfa_challenges WHERE id_hash = $1 OR expires_at <= $2")
            .bind(id_hash)
            .bind(now.as_micros())
            .execute(self.write())
            .await?;
        Ok(())
    }

    /// The account's live sessions, newest first.
    pub async fn sessions_of(&self, user: UserId, now: Timestamp) -> Result<Vec<SessionInfo>> {
        let rows = sqlx::query(
            "SELECT id_hash, created_at, expires_at, source, user_agent FROM sessions \
             WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at DESC, id_hash",
        )
        .bind(user.to_string())
        .bind(now.as_micros())
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SessionInfo {
                    id_hash: r.try_get("id_hash")?,
                    created_at: Timestamp::from_micros(r.try_get("created_at")?),
                    expires_at: Timestamp::from_micros(r.try_get("expires_at")?),
                    source: r.try_get("source")?,
                    user_agent: r.try_get("user_agent")?,
                })
            })
            .collect()
    }

    /// Ends the account's sessions: the one named, or (with `keep`) every one but `keep`.
    /// Only the account's own sessions are touched. Returns how many ended.
    pub async fn end_sessions(
        &self,
        user: UserId,
        only: Option<&str>,
        keep: Option<&str>,
        ctx: &AuditContext,
    ) -> Result<u64> {
        let mut tx = self.begin().await?;
        let done = match only {
            Some(hash) => {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash = $2")
                    .bind(user.to_string())
                    .bind(hash)
                    .execute(&mut *tx)
                    .await?
            }
            None => {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
                    .bind(user.to_string())
                    .bind(keep.unwrap_or_default())
                    .execute(&mut *tx)
                    .await?
            }
        };
        let ended = done.rows_affected();
        if ended > 0 {
            let details = serde_json::json!({"ended": ended});
            self.audit_in(&mut tx, &event(ctx, "session.revoke", "user", &user.to_string(), None, details)).await?;
        }
        tx.commit().await?;
        Ok(ended)
    }
}

async fn replace_codes(tx: &mut sqlx::Transaction<'static, sqlx::Any>, user: UserId, hashes: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM mfa_recovery_codes WHERE user_id = $1").bind(user.to_string()).execute(&mut **tx).await?;
    for h in hashes {
        sqlx::query("INSERT INTO mfa_recovery_codes (user_id, code_hash, used_at) VALUES ($1, $2, NULL)")
            .bind(user.to_string())
            .bind(h)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
