//! An organisation's intake programs: list, create and edit (including closing one with a
//! reason). Opening a program for other vendors' products needs the collection-platform role and a
//! filing record (R23); the rule lives in the core.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use vulndesk_core::intake::{Program, ProgramScope, may_open_program};
use vulndesk_core::{Action, Locale, Organisation, ProgramId};

use super::{Choice, Chrome, Done, Form, render, render_status, see_other};
use crate::auth::RequestCtx;
use crate::error::{AppError, FieldError};
use crate::ops;
use crate::state::AppState;
use crate::validate;

struct Row {
    slug: String,
    name: String,
    scope: String,
    status: String,
}

/// The program form's fields, as typed (also the API's body).
#[derive(Debug, Clone, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProgramForm {
    /// Sent by the page form; the form extractor checks it, the API ignores it.
    #[serde(default, rename = "csrf")]
    #[schema(ignore)]
    pub(crate) _csrf: serde::de::IgnoredAny,
    /// 2–63 characters of `a-z`, `0-9` and inner `-`; the public page is `/p/{slug}`.
    #[serde(default)]
    pub(crate) slug: String,
    #[serde(default)]
    pub(crate) name: String,
    /// `own_products`, `own_systems` or `third_party`.
    #[serde(default)]
    pub(crate) scope: String,
    #[serde(default)]
    pub(crate) scope_note: String,
    #[serde(default)]
    pub(crate) policy_zh: String,
    #[serde(default)]
    pub(crate) policy_en: String,
    #[serde(default)]
    pub(crate) safe_harbour_zh: String,
    #[serde(default)]
    pub(crate) safe_harbour_en: String,
    /// Hours to acknowledge a report (default 72).
    #[serde(default)]
    pub(crate) ack_sla_hours: String,
    /// Forms send `on`; the API sends `true`.
    #[serde(default, deserialize_with = "flag")]
    pub(crate) anonymous: bool,
    /// Declares the own-products filing exemption (R23).
    #[serde(default, deserialize_with = "flag")]
    pub(crate) filing_exempt: bool,
    /// Non-empty closes the program with this reason.
    #[serde(default)]
    pub(crate) closed_reason: String,
}

pub(crate) fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        B(bool),
        S(String),
    }
    Ok(match Flag::deserialize(d)? {
        Flag::B(b) => b,
        Flag::S(s) => matches!(s.as_str(), "on" | "true" | "1" | "yes"),
    })
}

impl ProgramForm {
    pub(crate) fn from_program(p: &Program) -> Self {
        Self {
            _csrf: serde::de::IgnoredAny,
            slug: p.slug.to_string(),
            name: p.name.clone(),
            scope: p.scope.as_str().into(),
            scope_note: p.scope_note.clone(),
            policy_zh: p.policy_zh.clone(),
            policy_en: p.policy_en.clone(),
            safe_harbour_zh: p.safe_harbour_zh.clone(),
            safe_harbour_en: p.safe_harbour_en.clone(),
            ack_sla_hours: p.ack_sla_hours.to_string(),
            anonymous: p.anonymous,
            filing_exempt: p.filing_exempt,
            closed_reason: p.closed_reason.clone().unwrap_or_default(),
        }
    }
}

/// Checks the form and the filing rule; builds the program (`existing` keeps id, slug and time).
pub(crate) async fn build_program(
    state: &AppState,
    org: &Organisation,
    f: &ProgramForm,
    existing: Option<&Program>,
) -> Result<Program, AppError> {
    let mut e: Vec<FieldError> = Vec::new();
    let slug = match existing {
        Some(p) => Some(p.slug.clone()),
        None => validate::slug("slug", &f.slug).map_err(|x| e.push(x)).ok(),
    };
    let name = validate::text("name", &f.name, 200).map_err(|x| e.push(x)).ok();
    let scope = ProgramScope::parse(f.scope.trim());
    if scope.is_none() {
        e.push(FieldError::new("scope", "unknown-scope").with("value", f.scope.trim()));
    }
    let sla = if f.ack_sla_hours.trim().is_empty() { Ok(72) } else { f.ack_sla_hours.trim().parse::<u32>() };
    let sla = match sla {
        Ok(h) if (1..=720).contains(&h) => h,
        _ => {
            e.push(FieldError::new("ack_sla_hours", "sla-range"));
            72
        }
    };
    for (field, v, max) in [
        ("scope_note", &f.scope_note, 500),
        ("policy_zh", &f.policy_zh, 50_000),
        ("policy_en", &f.policy_en, 50_000),
        ("safe_harbour_zh", &f.safe_harbour_zh, 20_000),
        ("safe_harbour_en", &f.safe_harbour_en, 20_000),
        ("closed_reason", &f.closed_reason, 500),
    ] {
        if v.chars().count() > max {
            e.push(FieldError::new(field, "text-too-long").with("max", max));
        }
    }
    if let Some(scope) = scope {
        let has_filing = state.store.filing_of(org.id).await?.is_some();
        if let Err(refusal) = may_open_program(&org.kinds, scope, has_filing, f.filing_exempt) {
            let key = match refusal {
                vulndesk_core::intake::ProgramRefusal::FilingRequired => "program-filing-required",
                vulndesk_core::intake::ProgramRefusal::NotCollectionPlatform => "program-not-platform",
                _ => "program-exemption-scope",
            };
            e.push(FieldError::new("scope", key));
        }
    }
    let (Some(slug), Some(name), Some(scope), true) = (slug, name, scope, e.is_empty()) else {
        return Err(AppError::Validation(e));
    };
    let now = state.clock.now();
    let closed = f.closed_reason.trim();
    Ok(Program {
        id: existing.map_or_else(|| ProgramId::mint(now, rand::random()), |p| p.id),
        org: org.id,
        slug,
        name,
        scope,
        scope_note: f.scope_note.trim().to_owned(),
        policy_zh: f.policy_zh.trim().to_owned(),
        policy_en: f.policy_en.trim().to_owned(),
        safe_harbour_zh: f.safe_harbour_zh.trim().to_owned(),
        safe_harbour_en: f.safe_harbour_en.trim().to_owned(),
        anonymous: f.anonymous,
        ack_sla_hours: sla,
        languages: existing.map_or_else(|| Locale::ALL.to_vec(), |p| p.languages.clone()),
        filing_exempt: f.filing_exempt,
        closed_reason: (!closed.is_empty()).then(|| closed.to_owned()),
        created_at: existing.map_or(now, |p| p.created_at),
    })
}

/// Creates a program after the checks; a taken slug is a 422 on `slug`.
pub(crate) async fn create(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    f: &ProgramForm,
) -> Result<Program, AppError> {
    ctx.require(Action::ManagePrograms(org.id))?;
    let p = build_program(state, org, f, None).await?;
    state.store.create_program(&p, &ctx.audit(state.clock.now())).await.map_err(|e| match e {
        vulndesk_store::StoreError::Conflict(_) => {
            AppError::Validation(vec![FieldError::new("slug", "conflict-program-slug").with("slug", &p.slug)])
        }
        other => other.into(),
    })?;
    Ok(p)
}

#[derive(Template)]
#[template(path = "programs.html")]
struct ProgramsPage {
    chrome: Chrome,
    org_name: String,
    org_slug: String,
    programs: Vec<Row>,
    errors: Vec<String>,
    editing: bool,
    form_action: String,
    f: ProgramForm,
    scope_options: Vec<Choice>,
    record_source: bool,
}

async fn page(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    chrome: Chrome,
    f: ProgramForm,
    editing: bool,
    errors: Vec<String>,
) -> Result<ProgramsPage, AppError> {
    let tr = ctx.tr;
    let programs = state
        .store
        .programs_of(org.id)
        .await?
        .into_iter()
        .map(|p| Row {
            slug: p.slug.to_string(),
            name: p.name,
            scope: tr.t(&format!("scope-{}", p.scope.as_str())),
            status: match p.closed_reason {
                Some(_) => tr.t("program-closed"),
                None => tr.t("program-open"),
            },
        })
        .collect();
    let scope_options = ProgramScope::ALL
        .iter()
        .map(|s| Choice {
            value: s.as_str().into(),
            label: tr.t(&format!("scope-{}", s.as_str())),
            checked: f.scope == s.as_str(),
        })
        .collect();
    let record_source = state.store.setting(&crate::intake::privacy_key(org.id)).await?.is_none_or(|v| v != "no");
    Ok(ProgramsPage {
        record_source,
        chrome,
        org_name: org.name.clone(),
        org_slug: org.slug.to_string(),
        programs,
        errors,
        form_action: if editing {
            format!("/orgs/{}/programs/{}", org.slug, f.slug)
        } else {
            format!("/orgs/{}/programs", org.slug)
        },
        editing,
        f,
        scope_options,
    })
}

fn new_form() -> ProgramForm {
    ProgramForm { scope: "own_products".into(), ack_sla_hours: "72".into(), anonymous: true, ..ProgramForm::default() }
}

pub(crate) async fn list(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    ctx.require(Action::ManagePrograms(org.id))?;
    let chrome = Chrome::new(&ctx).with_notice(q.done.as_deref());
    render(&page(&state, &ctx, &org, chrome, new_form(), false, Vec::new()).await?)
}

fn messages(ctx: &RequestCtx, e: AppError) -> Result<Vec<String>, AppError> {
    match e {
        AppError::Validation(fields) => Ok(fields.iter().map(|f| f.render(&ctx.tr)).collect()),
        other => Err(other),
    }
}

pub(crate) async fn create_page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Form(f): Form<ProgramForm>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    match create(&state, &ctx, &org, &f).await {
        Ok(_) => Ok(see_other(&format!("/orgs/{slug}/programs?done=notice-program-saved"))),
        Err(e) => {
            let errors = messages(&ctx, e)?;
            let p = page(&state, &ctx, &org, Chrome::new(&ctx), f, false, errors).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &p)
        }
    }
}

async fn org_program(
    state: &AppState,
    ctx: &RequestCtx,
    slug: &str,
    pslug: &str,
) -> Result<(Organisation, Program), AppError> {
    let org = ops::visible_org(state, ctx, slug).await?;
    ctx.require(Action::ManagePrograms(org.id))?;
    let p = state.store.program_by_slug(pslug).await?.filter(|p| p.org == org.id).ok_or(AppError::NotFound)?;
    Ok((org, p))
}

pub(crate) async fn edit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, pslug)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (org, p) = org_program(&state, &ctx, &slug, &pslug).await?;
    render(&page(&state, &ctx, &org, Chrome::new(&ctx), ProgramForm::from_program(&p), true, Vec::new()).await?)
}

pub(crate) async fn update(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, pslug)): Path<(String, String)>,
    Form(f): Form<ProgramForm>,
) -> Result<Response, AppError> {
    let (org, p) = org_program(&state, &ctx, &slug, &pslug).await?;
    match build_program(&state, &org, &f, Some(&p)).await {
        Ok(updated) => {
            state.store.update_program(&updated, &ctx.audit(state.clock.now())).await?;
            Ok(see_other(&format!("/orgs/{slug}/programs?done=notice-program-saved")))
        }
        Err(e) => {
            let errors = messages(&ctx, e)?;
            let f = ProgramForm { slug: p.slug.to_string(), ..f };
            let page = page(&state, &ctx, &org, Chrome::new(&ctx), f, true, errors).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct PrivacyForm {
    #[serde(default)]
    record_source: Option<String>,
}

/// Whether receipts record reporters' network address and user agent (the organisation's privacy
/// setting; recorded by default, since the receipt log is evidence).
pub(crate) async fn set_privacy(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Form(f): Form<PrivacyForm>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    ctx.require(Action::ManagePrograms(org.id))?;
    let value = if f.record_source.is_some() { "yes" } else { "no" };
    state
        .store
        .set_setting(
            &crate::intake::privacy_key(org.id),
            value,
            Some(org.id.to_string()),
            &ctx.audit(state.clock.now()),
        )
        .await?;
    Ok(see_other(&format!("/orgs/{slug}/programs?done=notice-program-saved")))
}
