//! Teams, shared by the pages and the API: organisation admins make teams and choose their
//! members; the people who work cases assign cases to teams.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vulndesk_core::case::Case;
use vulndesk_core::{Action, Organisation};
use vulndesk_store::StoreError;
use vulndesk_store::teams::Team;

use crate::auth::RequestCtx;
use crate::error::{AppError, FieldError};
use crate::state::AppState;

/// A team as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct TeamView {
    pub(crate) slug: String,
    pub(crate) name: String,
    pub(crate) members: Vec<String>,
}

impl From<Team> for TeamView {
    fn from(t: Team) -> Self {
        Self { slug: t.slug, name: t.name, members: t.members }
    }
}

/// A new team.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub(crate) struct NewTeam {
    /// Its short name (`router-team`).
    #[serde(default)]
    pub(crate) slug: String,
    /// Its display name.
    #[serde(default)]
    pub(crate) name: String,
}

/// The team `slug` of `org`.
pub(crate) async fn team(state: &AppState, org: &Organisation, slug: &str) -> Result<Team, AppError> {
    state
        .store
        .teams_of(org.id)
        .await?
        .into_iter()
        .find(|t| t.slug == slug.trim())
        .ok_or_else(|| AppError::Validation(vec![FieldError::new("team", "team-unknown").with("value", slug.trim())]))
}

/// Makes a team (organisation admins).
pub(crate) async fn create(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    f: &NewTeam,
) -> Result<Team, AppError> {
    ctx.require(Action::ManageMembers(org.id))?;
    let mut e = Vec::new();
    let slug = crate::validate::slug("slug", &f.slug).map_err(|x| e.push(x)).ok();
    let name = crate::validate::text("name", &f.name, 200).map_err(|x| e.push(x)).ok();
    let (Some(slug), Some(name)) = (slug, name) else { return Err(AppError::Validation(e)) };
    let id = crate::auth::random_uuid().to_string();
    match state.store.create_team(org.id, &id, slug.as_str(), &name, &ctx.audit(state.clock.now())).await {
        Ok(()) => team(state, org, slug.as_str()).await,
        Err(StoreError::Conflict(_)) => Err(AppError::Conflict("conflict-team-slug", vec![("slug", slug.to_string())])),
        Err(other) => Err(other.into()),
    }
}

/// Adds or removes a member of the organisation to or from a team (organisation admins).
pub(crate) async fn set_member(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    team_slug: &str,
    username: &str,
    add: bool,
) -> Result<Team, AppError> {
    ctx.require(Action::ManageMembers(org.id))?;
    let t = team(state, org, team_slug).await?;
    let member = state
        .store
        .members_of(org.id)
        .await?
        .into_iter()
        .find(|m| m.user.username.as_str() == username.trim())
        .ok_or_else(|| {
            AppError::Validation(vec![FieldError::new("username", "case-not-member").with("username", username.trim())])
        })?;
    state.store.set_team_member(org.id, &t, member.user.id, add, &ctx.audit(state.clock.now())).await?;
    team(state, org, team_slug).await
}

/// Assigns a case to a team or takes it away (the people who work cases).
pub(crate) async fn set_case_team(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    case: &Case,
    team_slug: &str,
    add: bool,
) -> Result<(), AppError> {
    ctx.require(Action::ManageCases(case.org))?;
    let t = team(state, org, team_slug).await?;
    state.store.set_case_team(case, &t, add, &ctx.audit(state.clock.now())).await?;
    Ok(())
}
