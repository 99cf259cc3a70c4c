//! Organisations and memberships.

use sqlx::Row;
use sqlx::any::AnyRow;
use vulndesk_core::{
    AuditContext, Membership, OrgId, OrgKind, Organisation, PersonRole, Slug, Timestamp, User, UserId,
};

use crate::user::user_from_row;
use crate::{Result, Store, StoreError, event};

/// An organisation to create.
#[derive(Debug, Clone)]
pub struct NewOrganisation {
    /// Its id, minted by the caller.
    pub id: OrgId,
    /// Its URL name.
    pub slug: Slug,
    /// Its display name.
    pub name: String,
    /// The parts it plays; at least one.
    pub kinds: Vec<OrgKind>,
}

/// A member of an organisation with every role they hold there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The account.
    pub user: User,
    /// Roles held in the organisation, in display order.
    pub roles: Vec<PersonRole>,
}

fn kinds_to_text(kinds: &[OrgKind]) -> String {
    let mut k = kinds.to_vec();
    k.sort();
    k.dedup();
    k.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(",")
}

fn org_from_row(row: &AnyRow) -> Result<Organisation> {
    let id: String = row.try_get("id")?;
    let slug: String = row.try_get("slug")?;
    let kinds: String = row.try_get("kinds")?;
    Ok(Organisation {
        id: id.parse().map_err(|_| StoreError::corrupt(format!("organisation id {id:?}")))?,
        slug: Slug::parse(&slug).map_err(|e| StoreError::corrupt(format!("slug {slug:?}: {e}")))?,
        name: row.try_get("name")?,
        kinds: kinds
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| OrgKind::parse(s).ok_or_else(|| StoreError::corrupt(format!("organisation kind {s:?}"))))
            .collect::<Result<_>>()?,
        created_at: Timestamp::from_micros(row.try_get("created_at")?),
    })
}

fn role_from_text(s: &str) -> Result<PersonRole> {
    PersonRole::parse(s).ok_or_else(|| StoreError::corrupt(format!("role {s:?}")))
}

impl Store {
    /// Creates an organisation. A taken slug is [`StoreError::Conflict`].
    pub async fn create_org(&self, new: &NewOrganisation, ctx: &AuditContext) -> Result<Organisation> {
        if new.kinds.is_empty() {
            return Err(StoreError::Invalid("an organisation needs at least one kind".into()));
        }
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO organisations (id, slug, name, kinds, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(new.id.to_string())
            .bind(new.slug.as_str())
            .bind(&new.name)
            .bind(kinds_to_text(&new.kinds))
            .bind(ctx.at.as_micros())
            .execute(&mut *tx)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => StoreError::Conflict(format!("organisation slug {} is taken", new.slug)),
                other => other,
            })?;
        let details =
            serde_json::json!({"slug": new.slug.as_str(), "name": new.name, "kinds": kinds_to_text(&new.kinds)});
        let id = new.id.to_string();
        self.audit_in(&mut tx, &event(ctx, "org.create", "organisation", &id, Some(id.clone()), details)).await?;
        tx.commit().await?;
        let mut kinds = new.kinds.clone();
        kinds.sort();
        kinds.dedup();
        Ok(Organisation { id: new.id, slug: new.slug.clone(), name: new.name.clone(), kinds, created_at: ctx.at })
    }

    /// Changes an organisation's display name and kinds.
    pub async fn update_org(&self, id: OrgId, name: &str, kinds: &[OrgKind], ctx: &AuditContext) -> Result<()> {
        if kinds.is_empty() {
            return Err(StoreError::Invalid("an organisation needs at least one kind".into()));
        }
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE organisations SET name = $1, kinds = $2 WHERE id = $3")
            .bind(name)
            .bind(kinds_to_text(kinds))
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let details = serde_json::json!({"name": name, "kinds": kinds_to_text(kinds)});
        let id = id.to_string();
        self.audit_in(&mut tx, &event(ctx, "org.update", "organisation", &id, Some(id.clone()), details)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The organisation with this slug.
    pub async fn org_by_slug(&self, slug: &str) -> Result<Option<Organisation>> {
        let row = sqlx::query("SELECT id, slug, name, kinds, created_at FROM organisations WHERE slug = $1")
            .bind(slug)
            .fetch_optional(self.read())
            .await?;
        row.as_ref().map(org_from_row).transpose()
    }

    /// The organisation with this id.
    pub async fn org_by_id(&self, id: OrgId) -> Result<Option<Organisation>> {
        let row = sqlx::query("SELECT id, slug, name, kinds, created_at FROM organisations WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(self.read())
            .await?;
        row.as_ref().map(org_from_row).transpose()
    }

    /// Every organisation, by slug.
    pub async fn list_orgs(&self) -> Result<Vec<Organisation>> {
        let rows = sqlx::query("SELECT id, slug, name, kinds, created_at FROM organisations ORDER BY slug")
            .fetch_all(self.read())
            .await?;
        rows.iter().map(org_from_row).collect()
    }

    /// Gives `user` the `role` in `org`. Returns `false` when they already held it (nothing changes
    /// and nothing is audited).
    pub async fn add_membership(&self, org: OrgId, user: UserId, role: PersonRole, ctx: &AuditContext) -> Result<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(org.to_string())
        .bind(user.to_string())
        .bind(role.as_str())
        .bind(ctx.at.as_micros())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        let details = serde_json::json!({"user": user.to_string(), "role": role.as_str()});
        self.audit_in(
            &mut tx,
            &event(ctx, "member.add", "organisation", &org.to_string(), Some(org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Takes `role` in `org` away from `user`. Returns `false` when they did not hold it.
    pub async fn remove_membership(
        &self,
        org: OrgId,
        user: UserId,
        role: PersonRole,
        ctx: &AuditContext,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("DELETE FROM memberships WHERE org_id = $1 AND user_id = $2 AND role = $3")
            .bind(org.to_string())
            .bind(user.to_string())
            .bind(role.as_str())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        let details = serde_json::json!({"user": user.to_string(), "role": role.as_str()});
        self.audit_in(
            &mut tx,
            &event(ctx, "member.remove", "organisation", &org.to_string(), Some(org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The members of `org`, by username, each with their roles there.
    pub async fn members_of(&self, org: OrgId) -> Result<Vec<Member>> {
        let rows = sqlx::query(
            "SELECT u.id, u.username, u.display_name, u.email, u.site_admin, u.locale, u.disabled, u.created_at, m.role \
             FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 ORDER BY u.username, m.role",
        )
        .bind(org.to_string())
        .fetch_all(self.read())
        .await?;
        let mut out: Vec<Member> = Vec::new();
        for row in &rows {
            let user = user_from_row(row)?;
            let role = role_from_text(&row.try_get::<String, _>("role")?)?;
            match out.last_mut() {
                Some(m) if m.user.id == user.id => m.roles.push(role),
                _ => out.push(Member { user, roles: vec![role] }),
            }
        }
        for m in &mut out {
            m.roles.sort();
        }
        Ok(out)
    }

    /// Every role `user` holds, with its organisation, by organisation slug.
    pub async fn memberships_of(&self, user: UserId) -> Result<Vec<(Organisation, PersonRole)>> {
        let rows = sqlx::query(
            "SELECT o.id, o.slug, o.name, o.kinds, o.created_at, m.role \
             FROM memberships m JOIN organisations o ON o.id = m.org_id WHERE m.user_id = $1 ORDER BY o.slug, m.role",
        )
        .bind(user.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(|row| Ok((org_from_row(row)?, role_from_text(&row.try_get::<String, _>("role")?)?))).collect()
    }

    /// The bare memberships of `user`, as the access decision needs them.
    pub async fn membership_list(&self, user: UserId) -> Result<Vec<Membership>> {
        Ok(self.memberships_of(user).await?.into_iter().map(|(o, role)| Membership { org: o.id, role }).collect())
    }
}
