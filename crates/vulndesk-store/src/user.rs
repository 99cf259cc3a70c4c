//! Accounts.

use sqlx::Row;
use sqlx::any::AnyRow;
use vulndesk_core::{AuditContext, Locale, Timestamp, User, UserId, Username};

use crate::{Result, Store, StoreError, event};

/// An account to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Its id, minted by the caller.
    pub id: UserId,
    /// The login name.
    pub username: Username,
    /// The name shown to others.
    pub display_name: String,
    /// Mail address, may be empty.
    pub email: String,
    /// An argon2id PHC string; never the password.
    pub password_hash: String,
    /// Whether the account administers the deployment.
    pub site_admin: bool,
    /// The chosen language.
    pub locale: Option<Locale>,
}

/// An account with its password hash, for the login check.
#[derive(Debug, Clone)]
pub struct UserWithHash {
    /// The account.
    pub user: User,
    /// Its argon2id PHC string.
    pub password_hash: String,
}

macro_rules! columns {
    () => {
        "id, username, display_name, email, site_admin, locale, disabled, created_at"
    };
}

pub(crate) fn user_from_row(row: &AnyRow) -> Result<User> {
    let id: String = row.try_get("id")?;
    let username: String = row.try_get("username")?;
    let locale: Option<String> = row.try_get("locale")?;
    Ok(User {
        id: id.parse().map_err(|_| StoreError::corrupt(format!("user id {id:?}")))?,
        username: Username::parse(&username).map_err(|e| StoreError::corrupt(format!("username {username:?}: {e}")))?,
        display_name: row.try_get("display_name")?,
        email: row.try_get("email")?,
        site_admin: row.try_get::<i64, _>("site_admin")? != 0,
        locale: locale.as_deref().and_then(Locale::from_tag),
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        created_at: Timestamp::from_micros(row.try_get("created_at")?),
    })
}

impl Store {
    /// Creates an account. A taken username is [`StoreError::Conflict`].
    pub async fn create_user(&self, new: &NewUser, ctx: &AuditContext) -> Result<User> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO users (id, username, display_name, email, password_hash, site_admin, locale, disabled, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8)",
        )
        .bind(new.id.to_string())
        .bind(new.username.as_str())
        .bind(&new.display_name)
        .bind(&new.email)
        .bind(&new.password_hash)
        .bind(i64::from(new.site_admin))
        .bind(new.locale.map(Locale::tag))
        .bind(ctx.at.as_micros())
        .execute(&mut *tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!("username {} is taken", new.username)),
            other => other,
        })?;
        let details = serde_json::json!({"username": new.username.as_str(), "site_admin": new.site_admin});
        self.audit_in(&mut tx, &event(ctx, "user.create", "user", &new.id.to_string(), None, details)).await?;
        tx.commit().await?;
        Ok(User {
            id: new.id,
            username: new.username.clone(),
            display_name: new.display_name.clone(),
            email: new.email.clone(),
            site_admin: new.site_admin,
            locale: new.locale,
            disabled: false,
            created_at: ctx.at,
        })
    }

    /// The account with this login name, with its password hash.
    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserWithHash>> {
        let row = sqlx::query(concat!("SELECT ", columns!(), ", password_hash FROM users WHERE username = $1"))
            .bind(username)
            .fetch_optional(self.read())
            .await?;
        row.map(|r| Ok(UserWithHash { user: user_from_row(&r)?, password_hash: r.try_get("password_hash")? }))
            .transpose()
    }

    /// The account with this id.
    pub async fn user_by_id(&self, id: UserId) -> Result<Option<User>> {
        let row = sqlx::query(concat!("SELECT ", columns!(), " FROM users WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(self.read())
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Every account, by username.
    pub async fn list_users(&self) -> Result<Vec<User>> {
        let rows =
            sqlx::query(concat!("SELECT ", columns!(), " FROM users ORDER BY username")).fetch_all(self.read()).await?;
        rows.iter().map(user_from_row).collect()
    }

    /// How many accounts exist.
    pub async fn count_users(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(self.read()).await?)
    }

    /// Sets or clears a person's language.
    pub async fn set_user_locale(&self, id: UserId, locale: Option<Locale>, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE users SET locale = $1 WHERE id = $2")
            .bind(locale.map(Locale::tag))
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let details = serde_json::json!({"locale": locale.map(Locale::tag)});
        self.audit_in(&mut tx, &event(ctx, "user.set_locale", "user", &id.to_string(), None, details)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces a password hash and ends every session of the account.
    pub async fn set_password_hash(&self, id: UserId, hash: &str, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.to_string()).execute(&mut *tx).await?;
        self.audit_in(&mut tx, &event(ctx, "user.set_password", "user", &id.to_string(), None, serde_json::json!({})))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Disables or re-enables an account; disabling ends its sessions.
    pub async fn set_user_disabled(&self, id: UserId, disabled: bool, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
            .bind(i64::from(disabled))
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.to_string()).execute(&mut *tx).await?;
        }
        let action = if disabled { "user.disable" } else { "user.enable" };
        self.audit_in(&mut tx, &event(ctx, action, "user", &id.to_string(), None, serde_json::json!({}))).await?;
        tx.commit().await?;
        Ok(())
    }
}
