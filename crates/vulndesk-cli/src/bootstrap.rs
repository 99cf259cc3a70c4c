//! First start and demo data: the initial administrator, and the demo data set of
//! `demo/demo.toml` loaded into an empty database.

use anyhow::Context;
use serde::Deserialize;
use vulndesk_core::audit::AuditContext;
use vulndesk_core::{OrgId, OrgKind, PersonRole, Slug, Timestamp, UserId, Username};
use vulndesk_store::{NewOrganisation, NewUser, Store, StoreError};

const ADMIN: &str = "admin";

/// A random password of 20 letters and digits (about 119 bits).
fn random_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    (0..20).map(|_| ALPHABET[usize::from(rand::random::<u8>()) % ALPHABET.len()] as char).collect()
}

/// Creates the `admin` account when the database has no accounts yet. Returns what to tell the
/// person starting the server, once.
pub(crate) async fn ensure_admin(
    store: &Store,
    ctx: &AuditContext,
    configured: Option<&str>,
) -> anyhow::Result<Option<String>> {
    if store.count_users().await? > 0 {
        return Ok(None);
    }
    let (password, from_config) = match configured {
        Some(p) if p.chars().count() >= 12 => (p.to_owned(), true),
        Some(_) => anyhow::bail!("admin_password (VULNDESK_ADMIN_PASSWORD) must be at least 12 characters long"),
        None => (random_password(), false),
    };
    let new = NewUser {
        id: UserId::mint(ctx.at, rand::random()),
        username: Username::parse(ADMIN).context("admin username")?,
        display_name: "Administrator".into(),
        email: String::new(),
        password_hash: vulndesk_web::hash_password(&password).map_err(anyhow::Error::msg)?,
        site_admin: true,
        locale: None,
    };
    match store.create_user(&new, ctx).await {
        Ok(_) => {}
        // Another instance created it first.
        Err(StoreError::Conflict(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    Ok(Some(if from_config {
        "first start: log in as admin with the password from VULNDESK_ADMIN_PASSWORD".to_owned()
    } else {
        format!(
            "first start: log in as admin with the one-time password {password}\n(it is shown only now; change it under My account, or reset it with `vulndesk admin reset-password --user admin`)"
        )
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoSet {
    organisations: Vec<DemoOrg>,
    users: Vec<DemoUser>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoOrg {
    slug: String,
    name: String,
    kinds: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoUser {
    username: String,
    display_name: String,
    email: String,
    roles: Vec<(String, String)>,
}

const DEMO: &str = include_str!("../../../demo/demo.toml");
const DEMO_MARK: &str = "demo_loaded";

/// Loads the demo data set once, into a database that has no organisations yet. Returns what to
/// tell the person starting the server.
pub(crate) async fn load_demo(
    store: &Store,
    ctx: &AuditContext,
    configured: Option<&str>,
) -> anyhow::Result<Option<String>> {
    if store.setting(DEMO_MARK).await?.is_some() {
        return Ok(Some("demo data was loaded earlier".into()));
    }
    if !store.list_orgs().await?.is_empty() {
        return Ok(Some("--demo ignored: the database already has organisations".into()));
    }
    if !store.set_setting_once(DEMO_MARK, &ctx.at.to_rfc3339()).await? {
        return Ok(None);
    }
    let set: DemoSet = toml::from_str(DEMO).context("demo/demo.toml")?;
    let password = configured.map_or_else(random_password, str::to_owned);
    let hash = vulndesk_web::hash_password(&password).map_err(anyhow::Error::msg)?;
    let mut orgs = Vec::new();
    for o in &set.organisations {
        let kinds = o
            .kinds
            .iter()
            .map(|k| OrgKind::parse(k).with_context(|| format!("demo organisation {}: kind {k:?}", o.slug)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let new = NewOrganisation {
            id: OrgId::mint(ctx.at, rand::random()),
            slug: Slug::parse(&o.slug).with_context(|| format!("demo slug {}", o.slug))?,
            name: o.name.clone(),
            kinds,
        };
        orgs.push(store.create_org(&new, ctx).await?);
    }
    let mut names = Vec::new();
    for u in &set.users {
        let user = store
            .create_user(
                &NewUser {
                    id: UserId::mint(ctx.at, rand::random()),
                    username: Username::parse(&u.username).with_context(|| format!("demo user {}", u.username))?,
                    display_name: u.display_name.clone(),
                    email: u.email.clone(),
                    password_hash: hash.clone(),
                    site_admin: false,
                    locale: None,
                },
                ctx,
            )
            .await?;
        for (slug, role) in &u.roles {
            let org = orgs
                .iter()
                .find(|o| o.slug.as_str() == slug)
                .with_context(|| format!("demo user {}: organisation {slug}", u.username))?;
            let role = PersonRole::parse(role).with_context(|| format!("demo user {}: role {role}", u.username))?;
            store.add_membership(org.id, user.id, role, ctx).await?;
        }
        names.push(u.username.clone());
    }
    Ok(Some(format!(
        "demo data loaded: {} organisations; demo accounts {} log in with the password {}",
        orgs.len(),
        names.join(", "),
        if configured.is_some() { "from VULNDESK_DEMO_PASSWORD".to_owned() } else { password }
    )))
}

/// Sets a new password for `username` and prints it (or takes it from `VULNDESK_NEW_PASSWORD`).
pub(crate) async fn reset_password(store: &Store, now: Timestamp, username: &str) -> anyhow::Result<()> {
    let user = store
        .user_by_username(username)
        .await?
        .with_context(|| format!("there is no account named {username:?}"))?
        .user;
    let given = std::env::var("VULNDESK_NEW_PASSWORD").ok();
    let password = match &given {
        Some(p) if p.chars().count() >= 12 => p.clone(),
        Some(_) => anyhow::bail!("VULNDESK_NEW_PASSWORD must be at least 12 characters long"),
        None => random_password(),
    };
    let hash = vulndesk_web::hash_password(&password).map_err(anyhow::Error::msg)?;
    store.set_password_hash(user.id, &hash, &AuditContext::system(now)).await?;
    if given.is_some() {
        println!("password of {username} set from VULNDESK_NEW_PASSWORD; its sessions have ended");
    } else {
        println!("new password of {username}: {password}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_file_parses() {
        let set: super::DemoSet = toml::from_str(super::DEMO).expect("demo/demo.toml parses");
        assert_eq!(set.organisations.len(), 4);
        let roles: std::collections::BTreeSet<&str> =
            set.users.iter().flat_map(|u| u.roles.iter().map(|(_, r)| r.as_str())).collect();
        assert_eq!(roles.len(), 6, "every role appears in the demo: {roles:?}");
    }
}
