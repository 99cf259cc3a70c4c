//! The home page: what the signed-in person does here, organisation by organisation.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;

use super::{Chrome, Done, render, see_other};
use crate::auth::RequestCtx;
use crate::error::AppError;
use crate::state::AppState;

struct RoleLine {
    name: String,
    duty: String,
}

struct OrgCard {
    slug: String,
    name: String,
    kinds: Vec<String>,
    roles: Vec<RoleLine>,
    triage: bool,
    open_reports: usize,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    site_admin: bool,
    org_count: usize,
    user_count: i64,
    orgs: Vec<OrgCard>,
}

pub(crate) async fn show(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let Some(user) = &ctx.user else {
        return Ok(see_other("/login"));
    };
    let tr = ctx.tr;
    let mut orgs: Vec<OrgCard> = Vec::new();
    for (org, role) in state.store.memberships_of(user.id).await? {
        let line = RoleLine {
            name: tr.t(&format!("role-{}", role.as_str())),
            duty: tr.t(&format!("role-{}-duty", role.as_str())),
        };
        match orgs.last_mut() {
            Some(card) if card.slug == org.slug.as_str() => card.roles.push(line),
            _ => orgs.push(OrgCard {
                slug: org.slug.to_string(),
                name: org.name.clone(),
                kinds: org.kinds.iter().map(|k| tr.t(&format!("kind-{}", k.as_str()))).collect(),
                roles: vec![line],
                triage: false,
                open_reports: 0,
            }),
        }
    }
    for card in &mut orgs {
        if let Some(org) = state.store.org_by_slug(&card.slug).await?
            && ctx.require(vulndesk_core::Action::ViewReports(org.id)).is_ok()
        {
            card.triage = true;
            let open = vulndesk_store::intake::ReportFilter { open_only: true, ..Default::default() };
            card.open_reports = state.store.reports_of(org.id, &open).await?.len();
        }
    }
    let site_admin = ctx.actor.is_site_admin();
    let (org_count, user_count) =
        if site_admin { (state.store.list_orgs().await?.len(), state.store.count_users().await?) } else { (0, 0) };
    render(&HomePage {
        chrome: Chrome::new(&ctx).with_notice(q.done.as_deref()),
        site_admin,
        org_count,
        user_count,
        orgs,
    })
}
