//! Web sessions, API tokens and failed-login counts. Session ids and tokens are stored only as
//! SHA-256 hashes: a copy of the database does not let anyone sign in.

use sqlx::Row;
use vulndesk_core::{AuditContext, OrgId, PersonRole, Timestamp, TokenId, UserId};

use crate::{Result, Store, StoreError, event};

/// A session to store.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// SHA-256 (hex) of the session id in the cookie.
    pub id_hash: String,
    /// The account signed in.
    pub user: UserId,
    /// The token every form of this session must carry.
    pub csrf_token: String,
    /// When it stops working.
    pub expires_at: Timestamp,
    /// Source address at sign-in.
    pub source: String,
    /// User agent at sign-in.
    pub user_agent: String,
}

/// A live session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The account signed in.
    pub user: UserId,
    /// The token every form of this session must carry.
    pub csrf_token: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it stops working.
    pub expires_at: Timestamp,
}

/// An API token to store.
#[derive(Debug, Clone)]
pub struct NewApiToken {
    /// Its id.
    pub id: TokenId,
    /// The account it acts for.
    pub user: UserId,
    /// The organisation it is limited to, if any.
    pub org: Option<OrgId>,
    /// The role it is limited to within that organisation, if any.
    pub role: Option<PersonRole>,
    /// A label for people.
    pub name: String,
    /// SHA-256 (hex) of the secret.
    pub token_hash: String,
    /// The first characters of the secret, shown in listings to tell tokens apart.
    pub prefix: String,
    /// When it stops working, if ever.
    pub expires_at: Option<Timestamp>,
}

/// A stored, usable API token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    /// Its id.
    pub id: TokenId,
    /// The account it acts for.
    pub user: UserId,
    /// The organisation it is limited to, if any.
    pub org: Option<OrgId>,
    /// The role it is limited to, if any.
    pub role: Option<PersonRole>,
    /// Its label.
    pub name: String,
    /// The first characters of the secret.
    pub prefix: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it was last used (to the minute).
    pub last_used_at: Option<Timestamp>,
}

fn parse<T: std::str::FromStr>(s: &str, what: &str) -> Result<T> {
    s.parse().map_err(|_| StoreError::corrupt(format!("{what} {s:?}")))
}

fn token_from_row(row: &sqlx::any::AnyRow) -> Result<StoredToken> {
    let org: Option<String> = row.try_get("org_id")?;
    let role: Option<String> = row.try_get("role")?;
    Ok(StoredToken {
        id: parse(&row.try_get::<String, _>("id")?, "token id")?,
        user: parse(&row.try_get::<String, _>("user_id")?, "user id")?,
        org: org.map(|o| parse(&o, "organisation id")).transpose()?,
        role: role
            .map(|r| PersonRole::parse(&r).ok_or_else(|| StoreError::corrupt(format!("role {r:?}"))))
            .transpose()?,
        name: row.try_get("name")?,
        prefix: row.try_get("prefix")?,
        created_at: Timestamp::from_micros(row.try_get("created_at")?),
        last_used_at: row.try_get::<Option<i64>, _>("last_used_at")?.map(Timestamp::from_micros),
    })
}

impl Store {
    /// Stores a new session (a sign-in).
    pub async fn create_session(&self, s: &NewSession, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at, source, user_agent) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&s.id_hash)
        .bind(s.user.to_string())
        .bind(&s.csrf_token)
        .bind(ctx.at.as_micros())
        .bind(s.expires_at.as_micros())
        .bind(&s.source)
        .bind(&s.user_agent)
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({"user_agent": s.user_agent});
        self.audit_in(&mut tx, &event(ctx, "session.login", "user", &s.user.to_string(), None, details)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The live session with this id hash, if it exists and has not expired at `now`.
    pub async fn session(&self, id_hash: &str, now: Timestamp) -> Result<Option<Session>> {
        let row = sqlx::query(
            "SELECT s.user_id, s.csrf_token, s.created_at, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND u.disabled = 0",
        )
        .bind(id_hash)
        .bind(now.as_micros())
        .fetch_optional(self.read())
        .await?;
        row.map(|r| {
            Ok(Session {
                user: parse(&r.try_get::<String, _>("user_id")?, "user id")?,
                csrf_token: r.try_get("csrf_token")?,
                created_at: Timestamp::from_micros(r.try_get("created_at")?),
                expires_at: Timestamp::from_micros(r.try_get("expires_at")?),
            })
        })
        .transpose()
    }

    /// Ends a session (sign-out). Ending one that does not exist is not an error.
    pub async fn delete_session(&self, id_hash: &str, user: UserId, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(id_hash).execute(&mut *tx).await?;
        if done.rows_affected() > 0 {
            self.audit_in(
                &mut tx,
                &event(ctx, "session.logout", "user", &user.to_string(), None, serde_json::json!({})),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Removes sessions that expired before `now`; returns how many.
    pub async fn prune_sessions(&self, now: Timestamp) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now.as_micros())
            .execute(self.write())
            .await?;
        Ok(done.rows_affected())
    }

    /// Stores a new API token.
    pub async fn create_token(&self, t: &NewApiToken, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, org_id, role, name, token_hash, prefix, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(t.id.to_string())
        .bind(t.user.to_string())
        .bind(t.org.map(|o| o.to_string()))
        .bind(t.role.map(PersonRole::as_str))
        .bind(&t.name)
        .bind(&t.token_hash)
        .bind(&t.prefix)
        .bind(ctx.at.as_micros())
        .bind(t.expires_at.map(Timestamp::as_micros))
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({
            "user": t.user.to_string(), "role": t.role.map(PersonRole::as_str), "name": t.name, "prefix": t.prefix,
        });
        let org = t.org.map(|o| o.to_string());
        self.audit_in(&mut tx, &event(ctx, "token.create", "token", &t.id.to_string(), org, details)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The usable token with this secret hash at `now` (not revoked, not expired, its account not
    /// disabled). Records the use, at most once a minute per token.
    pub async fn token_by_hash(&self, token_hash: &str, now: Timestamp) -> Result<Option<StoredToken>> {
        let row = sqlx::query(
            "SELECT t.id, t.user_id, t.org_id, t.role, t.name, t.prefix, t.created_at, t.last_used_at \
             FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2) \
             AND u.disabled = 0",
        )
        .bind(token_hash)
        .bind(now.as_micros())
        .fetch_optional(self.read())
        .await?;
        let Some(token) = row.as_ref().map(token_from_row).transpose()? else {
            return Ok(None);
        };
        let stale = token.last_used_at.is_none_or(|t| now.as_micros() - t.as_micros() > 60_000_000);
        if stale {
            let mut tx = self.begin().await?;
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now.as_micros())
                .bind(token.id.to_string())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(Some(token))
    }

    /// The tokens of `user` that are not revoked, newest first.
    pub async fn tokens_of(&self, user: UserId) -> Result<Vec<StoredToken>> {
        let rows = sqlx::query(
            "SELECT id, user_id, org_id, role, name, prefix, created_at, last_used_at \
             FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC",
        )
        .bind(user.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(token_from_row).collect()
    }

    /// Revokes a token of `user`.
    pub async fn revoke_token(&self, id: TokenId, user: UserId, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        let done =
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
                .bind(ctx.at.as_micros())
                .bind(id.to_string())
                .bind(user.to_string())
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        self.audit_in(&mut tx, &event(ctx, "token.revoke", "token", &id.to_string(), None, serde_json::json!({})))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a failed sign-in under each of `keys` (the username, the source address) and
    /// appends the audit event.
    pub async fn record_login_failure(&self, keys: &[&str], username: &str, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        for key in keys {
            sqlx::query("INSERT INTO login_failures (key, at) VALUES ($1, $2)")
                .bind(*key)
                .bind(ctx.at.as_micros())
                .execute(&mut *tx)
                .await?;
        }
        let details = serde_json::json!({"username": username});
        self.audit_in(&mut tx, &event(ctx, "session.login_failed", "user", username, None, details)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many failed sign-ins were recorded under `key` since `since`.
    pub async fn login_failures_since(&self, key: &str, since: Timestamp) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE key = $1 AND at > $2")
            .bind(key)
            .bind(since.as_micros())
            .fetch_one(self.read())
            .await?)
    }

    /// Forgets the failures under `key` (after a successful sign-in) and any older than `before`.
    pub async fn clear_login_failures(&self, key: &str, before: Timestamp) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM login_failures WHERE key = $1 OR at < $2")
            .bind(key)
            .bind(before.as_micros())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
