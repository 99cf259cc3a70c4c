//! Organisation pages: the list, creation, one organisation with its members, and editing.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use vulndesk_core::{Action, OrgKind, Organisation, PersonRole};

use super::{Choice, Chrome, Done, Form, render, render_status, see_other};
use crate::auth::RequestCtx;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::ops;
use crate::state::AppState;

struct OrgRow {
    slug: String,
    name: String,
    kinds: Vec<String>,
}

#[derive(Template)]
#[template(path = "orgs.html")]
struct OrgsPage {
    chrome: Chrome,
    orgs: Vec<OrgRow>,
    can_create: bool,
    errors: Vec<String>,
    form_slug: String,
    form_name: String,
    kind_options: Vec<Choice>,
}

fn kind_label(tr: &Tr, k: OrgKind) -> String {
    tr.t(&format!("kind-{}", k.as_str()))
}

fn kind_choices(tr: &Tr, checked: &[String]) -> Vec<Choice> {
    OrgKind::ALL
        .iter()
        .map(|k| Choice {
            value: k.as_str().into(),
            label: kind_label(tr, *k),
            checked: checked.iter().any(|c| c == k.as_str()),
        })
        .collect()
}

fn role_choices(tr: &Tr) -> Vec<Choice> {
    PersonRole::ALL
        .iter()
        .map(|r| Choice { value: r.as_str().into(), label: tr.t(&format!("role-{}", r.as_str())), checked: false })
        .collect()
}

fn rows(tr: &Tr, orgs: &[Organisation]) -> Vec<OrgRow> {
    orgs.iter()
        .map(|o| OrgRow {
            slug: o.slug.to_string(),
            name: o.name.clone(),
            kinds: o.kinds.iter().map(|k| kind_label(tr, *k)).collect(),
        })
        .collect()
}

async fn list_page(
    state: &AppState,
    ctx: &RequestCtx,
    chrome: Chrome,
    form: Option<(&OrgForm, Vec<String>)>,
) -> Result<OrgsPage, AppError> {
    let orgs = ops::visible_orgs(state, ctx).await?;
    let (form_slug, form_name, kinds, errors) = match form {
        Some((f, errors)) => (f.slug.clone(), f.name.clone(), f.kinds.clone(), errors),
        None => Default::default(),
    };
    Ok(OrgsPage {
        orgs: rows(&ctx.tr, &orgs),
        can_create: ctx.require(Action::CreateOrganisation).is_ok(),
        errors,
        form_slug,
        form_name,
        kind_options: kind_choices(&ctx.tr, &kinds),
        chrome,
    })
}

pub(crate) async fn list(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    ctx.user()?;
    let chrome = Chrome::new(&ctx).with_notice(q.done.as_deref());
    render(&list_page(&state, &ctx, chrome, None).await?)
}

#[derive(Deserialize)]
pub(crate) struct OrgForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kinds: Vec<String>,
}

/// Shows the problems of a form on the page it came from (422), or passes other errors on.
fn field_messages(tr: &Tr, e: AppError) -> Result<Vec<String>, AppError> {
    match e {
        AppError::Validation(fields) => Ok(fields.iter().map(|f| f.render(tr)).collect()),
        AppError::Conflict(key, args) => Ok(vec![tr.t_args(key, &args)]),
        other => Err(other),
    }
}

pub(crate) async fn create(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Form(form): Form<OrgForm>,
) -> Result<Response, AppError> {
    match ops::create_org(&state, &ctx, &form.slug, &form.name, &form.kinds).await {
        Ok(org) => Ok(see_other(&format!("/orgs/{}?done=notice-org-created", org.slug))),
        Err(e) => {
            let errors = field_messages(&ctx.tr, e)?;
            let page = list_page(&state, &ctx, Chrome::new(&ctx), Some((&form, errors))).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

struct RoleTag {
    value: String,
    label: String,
}

struct MemberRow {
    username: String,
    display_name: String,
    roles: Vec<RoleTag>,
}

#[derive(Template)]
#[template(path = "org.html")]
struct OrgPage {
    chrome: Chrome,
    org_slug: String,
    org_name: String,
    kinds: Vec<String>,
    members: Vec<MemberRow>,
    teams: Vec<crate::teams::TeamView>,
    can_manage: bool,
    can_audit: bool,
    can_triage: bool,
    can_cases: bool,
    can_programs: bool,
    can_receipts: bool,
    can_rewards: bool,
    is_collection: bool,
    errors: Vec<String>,
    role_options: Vec<Choice>,
    kind_options: Vec<Choice>,
    /// The reporting endpoint's URL, when one is set (admins only).
    endpoint_url: Option<String>,
    is_platform: bool,
}

async fn org_page(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    chrome: Chrome,
    errors: Vec<String>,
) -> Result<OrgPage, AppError> {
    let tr = &ctx.tr;
    let members = state
        .store
        .members_of(org.id)
        .await?
        .into_iter()
        .map(|m| MemberRow {
            username: m.user.username.to_string(),
            display_name: m.user.display_name,
            roles: m
                .roles
                .iter()
                .map(|r| RoleTag { value: r.as_str().into(), label: tr.t(&format!("role-{}", r.as_str())) })
                .collect(),
        })
        .collect();
    let kinds: Vec<String> = org.kinds.iter().map(|k| k.as_str().to_owned()).collect();
    Ok(OrgPage {
        org_slug: org.slug.to_string(),
        org_name: org.name.clone(),
        kinds: org.kinds.iter().map(|k| kind_label(tr, *k)).collect(),
        members,
        teams: state.store.teams_of(org.id).await?.into_iter().map(Into::into).collect(),
        can_manage: ctx.require(Action::ManageMembers(org.id)).is_ok(),
        can_audit: ctx.require(Action::ViewAuditLog(Some(org.id))).is_ok(),
        can_triage: ctx.require(Action::ViewReports(org.id)).is_ok(),
        can_cases: ctx.require(Action::ViewCases(org.id)).is_ok(),
        can_programs: ctx.require(Action::ManagePrograms(org.id)).is_ok(),
        can_receipts: ctx.require(Action::ViewReceipts(org.id)).is_ok(),
        can_rewards: ctx.require(Action::ViewRewards(org.id)).is_ok(),
        is_collection: org.kinds.contains(&OrgKind::CollectionPlatform),
        errors,
        role_options: role_choices(tr),
        kind_options: kind_choices(tr, &kinds),
        endpoint_url: if ctx.require(Action::ManageOrganisation(org.id)).is_ok() {
            state.store.authority_endpoint(org.id).await?.map(|e| e.url)
        } else {
            None
        },
        is_platform: org.kinds.contains(&OrgKind::SharingPlatform)
            && ctx.require(Action::ViewAuditLog(Some(org.id))).is_ok(),
        chrome,
    })
}

pub(crate) async fn set_endpoint(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Form(f): Form<crate::sharing::EndpointForm>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    match crate::sharing::set_endpoint(&state, &ctx, &org, &f).await {
        Ok(()) => Ok(see_other(&format!("/orgs/{slug}?done=notice-endpoint-saved"))),
        Err(AppError::Validation(fields)) => {
            let errors = fields.iter().map(|f| f.render(&ctx.tr)).collect();
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &org_page(&state, &ctx, &org, Chrome::new(&ctx), errors).await?,
            )
        }
        Err(other) => Err(other),
    }
}

pub(crate) async fn show(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    let chrome = Chrome::new(&ctx).with_notice(q.done.as_deref());
    render(&org_page(&state, &ctx, &org, chrome, Vec::new()).await?)
}

async fn reshow(state: &AppState, ctx: &RequestCtx, org: &Organisation, e: AppError) -> Result<Response, AppError> {
    let errors = field_messages(&ctx.tr, e)?;
    let page = org_page(state, ctx, org, Chrome::new(ctx), errors).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

pub(crate) async fn update(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Form(form): Form<OrgForm>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    match ops::update_org(&state, &ctx, &org, &form.name, &form.kinds).await {
        Ok(()) => Ok(see_other(&format!("/orgs/{slug}?done=notice-org-updated"))),
        Err(e) => reshow(&state, &ctx, &org, e).await,
    }
}

#[derive(Deserialize)]
pub(crate) struct MemberForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    role: String,
}

pub(crate) async fn add_member(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Form(form): Form<MemberForm>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    match ops::add_member(&state, &ctx, &org, &form.username, &form.role).await {
        Ok(_) => Ok(see_other(&format!("/orgs/{slug}?done=notice-member-added"))),
        Err(e) => reshow(&state, &ctx, &org, e).await,
    }
}

pub(crate) async fn remove_member(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Form(form): Form<MemberForm>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    match ops::remove_member(&state, &ctx, &org, &form.username, &form.role).await {
        Ok(()) => Ok(see_other(&format!("/orgs/{slug}?done=notice-member-removed"))),
        Err(e) => reshow(&state, &ctx, &org, e).await,
    }
}

#[derive(serde::Deserialize)]
pub(crate) struct TeamForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: String,
}

pub(crate) async fn create_team(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Form(form): Form<TeamForm>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    let new = crate::teams::NewTeam { slug: form.slug, name: form.name };
    match crate::teams::create(&state, &ctx, &org, &new).await {
        Ok(_) => Ok(see_other(&format!("/orgs/{slug}?done=notice-team-saved"))),
        Err(e) => reshow(&state, &ctx, &org, e).await,
    }
}

#[derive(serde::Deserialize)]
pub(crate) struct TeamMemberForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    op: String,
}

pub(crate) async fn team_member(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, team)): Path<(String, String)>,
    Form(form): Form<TeamMemberForm>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    match crate::teams::set_member(&state, &ctx, &org, &team, &form.username, form.op != "remove").await {
        Ok(_) => Ok(see_other(&format!("/orgs/{slug}?done=notice-team-saved"))),
        Err(e) => reshow(&state, &ctx, &org, e).await,
    }
}
