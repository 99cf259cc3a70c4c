//! The operations behind both the pages and the API: each validates its input, asks the access
//! decision, calls the store, and turns store conflicts into messages. Handlers only translate
//! between HTTP and these.

use vulndesk_core::{Action, OrgId, Organisation, User, UserId};
use vulndesk_store::{NewOrganisation, NewUser, StoreError};

use crate::auth::{RequestCtx, hash_password};
use crate::error::{AppError, FieldError};
use crate::state::AppState;
use crate::validate;

fn random10() -> [u8; 10] {
    rand::random()
}

/// The organisation with `slug`, if the actor may see it; 404 when there is none.
pub(crate) async fn visible_org(state: &AppState, ctx: &RequestCtx, slug: &str) -> Result<Organisation, AppError> {
    let org = state.store.org_by_slug(slug).await?.ok_or(AppError::NotFound)?;
    ctx.require(Action::ViewOrganisation(org.id))?;
    Ok(org)
}

/// The organisations the actor may see: every one for site administrators, else their own.
pub(crate) async fn visible_orgs(state: &AppState, ctx: &RequestCtx) -> Result<Vec<Organisation>, AppError> {
    ctx.user()?;
    let all = state.store.list_orgs().await?;
    Ok(all.into_iter().filter(|o| ctx.require(Action::ViewOrganisation(o.id)).is_ok()).collect())
}

pub(crate) async fn create_org(
    state: &AppState,
    ctx: &RequestCtx,
    slug: &str,
    name: &str,
    kinds: &[String],
) -> Result<Organisation, AppError> {
    ctx.require(Action::CreateOrganisation)?;
    let (s, n, k) = (validate::slug("slug", slug), validate::text("name", name, 200), validate::kinds("kinds", kinds));
    validate::all(vec![s.as_ref().err().cloned(), n.as_ref().err().cloned(), k.as_ref().err().cloned()])?;
    let (Ok(slug), Ok(name), Ok(kinds)) = (s, n, k) else {
        return Err(AppError::Internal("validation".into()));
    };
    let now = state.clock.now();
    let new = NewOrganisation { id: OrgId::mint(now, random10()), slug: slug.clone(), name, kinds };
    state.store.create_org(&new, &ctx.audit(now)).await.map_err(|e| match e {
        StoreError::Conflict(_) => {
            AppError::Validation(vec![FieldError::new("slug", "conflict-slug").with("slug", &slug)])
        }
        other => other.into(),
    })
}

pub(crate) async fn update_org(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    name: &str,
    kinds: &[String],
) -> Result<(), AppError> {
    ctx.require(Action::ManageOrganisation(org.id))?;
    let (n, k) = (validate::text("name", name, 200), validate::kinds("kinds", kinds));
    validate::all(vec![n.as_ref().err().cloned(), k.as_ref().err().cloned()])?;
    let (Ok(name), Ok(kinds)) = (n, k) else {
        return Err(AppError::Internal("validation".into()));
    };
    let now = state.clock.now();
    Ok(state.store.update_org(org.id, &name, &kinds, &ctx.audit(now)).await?)
}

async fn user_named(state: &AppState, username: &str) -> Result<User, AppError> {
    let name = validate::username("username", username).map_err(|e| AppError::Validation(vec![e]))?;
    state
        .store
        .user_by_username(name.as_str())
        .await?
        .map(|u| u.user)
        .ok_or_else(|| AppError::Validation(vec![FieldError::new("username", "unknown-user").with("username", name)]))
}

/// Gives a role; `Ok(false)` when the person already held it.
pub(crate) async fn add_member(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    username: &str,
    role: &str,
) -> Result<bool, AppError> {
    ctx.require(Action::ManageMembers(org.id))?;
    let role = validate::role("role", role).map_err(|e| AppError::Validation(vec![e]))?;
    let user = user_named(state, username).await?;
    let now = state.clock.now();
    Ok(state.store.add_membership(org.id, user.id, role, &ctx.audit(now)).await?)
}

/// Takes a role away; 404 when the person did not hold it.
pub(crate) async fn remove_member(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    username: &str,
    role: &str,
) -> Result<(), AppError> {
    ctx.require(Action::ManageMembers(org.id))?;
    let role = validate::role("role", role).map_err(|e| AppError::Validation(vec![e]))?;
    let user = user_named(state, username).await?;
    let now = state.clock.now();
    if state.store.remove_membership(org.id, user.id, role, &ctx.audit(now)).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// What a new account is made of, as typed.
pub(crate) struct UserInput<'a> {
    pub(crate) username: &'a str,
    pub(crate) display_name: &'a str,
    pub(crate) email: &'a str,
    pub(crate) password: &'a str,
    pub(crate) site_admin: bool,
}

pub(crate) async fn create_user(state: &AppState, ctx: &RequestCtx, input: UserInput<'_>) -> Result<User, AppError> {
    ctx.require(Action::ManageUsers)?;
    let u = validate::username("username", input.username);
    let d = validate::text("display_name", input.display_name, 200);
    let e = validate::email("email", input.email);
    let p = validate::password("password", input.password);
    validate::all(vec![
        u.as_ref().err().cloned(),
        d.as_ref().err().cloned(),
        e.as_ref().err().cloned(),
        p.as_ref().err().cloned(),
    ])?;
    let (Ok(username), Ok(display_name), Ok(email), Ok(password)) = (u, d, e, p) else {
        return Err(AppError::Internal("validation".into()));
    };
    let password_hash = hash_blocking(password).await?;
    let now = state.clock.now();
    let new = NewUser {
        id: UserId::mint(now, random10()),
        username: username.clone(),
        display_name,
        email,
        password_hash,
        site_admin: input.site_admin,
        locale: None,
    };
    state.store.create_user(&new, &ctx.audit(now)).await.map_err(|e| match e {
        StoreError::Conflict(_) => {
            AppError::Validation(vec![FieldError::new("username", "conflict-username").with("username", &username)])
        }
        other => other.into(),
    })
}

pub(crate) async fn set_user_disabled(
    state: &AppState,
    ctx: &RequestCtx,
    username: &str,
    disabled: bool,
) -> Result<(), AppError> {
    ctx.require(Action::ManageUsers)?;
    let user = user_named(state, username).await?;
    if disabled && Some(user.id) == ctx.actor.user() {
        return Err(AppError::Conflict("conflict-self-disable", Vec::new()));
    }
    let now = state.clock.now();
    Ok(state.store.set_user_disabled(user.id, disabled, &ctx.audit(now)).await?)
}

/// Hashes a password off the async threads (argon2id is deliberately slow).
pub(crate) async fn hash_blocking(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(AppError::Internal)
}

/// Checks a password off the async threads.
pub(crate) async fn verify_blocking(password: String, hash: Option<String>) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || match hash {
        Some(h) => crate::auth::verify_password(&password, &h),
        None => {
            crate::auth::burn_password_check(&password);
            false
        }
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))
}
