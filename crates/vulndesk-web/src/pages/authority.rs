//! A case's reports to the authority: the list with their state, the draft's form with what is
//! still missing, recording a submission, the printable Chinese report and its JSON document.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use vulndesk_core::authority::SubLibrary;
use vulndesk_core::case::Case;
use vulndesk_core::{Action, Locale, Organisation};
use vulndesk_store::authority::AuthorityReport;

use super::{Choice, Chrome, CsrfOnly, Done, Form, render, render_status, see_other};
use crate::auth::RequestCtx;
use crate::authority::{self, AuthorityForm, SubmissionForm};
use crate::error::AppError;
use crate::i18n::Tr;
use crate::state::AppState;
use crate::{cases, ops};

#[derive(Template)]
#[template(path = "authority.html")]
struct AuthorityPage {
    chrome: Chrome,
    org_slug: String,
    number: String,
    title: String,
    aware_at: String,
    due: String,
    reports: Vec<AuthorityReport>,
    draft: Option<AuthorityReport>,
    missing: Vec<String>,
    library_options: Vec<Choice>,
    product_type_options: Vec<Choice>,
    errors: Vec<String>,
    can_manage: bool,
    /// Sendings of the draft (or, once submitted, of the latest report), with their attempts.
    deliveries: Vec<vulndesk_store::sharing::Delivery>,
    endpoint_set: bool,
}

async fn the_case(
    state: &AppState,
    ctx: &RequestCtx,
    slug: &str,
    number: &str,
) -> Result<(Organisation, Case), AppError> {
    let org = ops::visible_org(state, ctx, slug).await?;
    let case = cases::readable_case(state, ctx, &org, number).await?;
    Ok((org, case))
}

async fn page(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    case: &Case,
    errors: Vec<String>,
) -> Result<AuthorityPage, AppError> {
    let reports = state.store.authority_reports_of(case.id).await?;
    let draft = reports.iter().find(|r| r.status == "draft").cloned();
    let current = draft.as_ref().map_or("", |d| d.sub_library.as_str()).to_owned();
    let current_type = draft.as_ref().map_or("", |d| d.product_type.as_str()).to_owned();
    Ok(AuthorityPage {
        product_type_options: vulndesk_core::authority::ProductType::ALL
            .iter()
            .map(|p| Choice {
                value: p.as_str().into(),
                label: ctx.tr.t(&format!("product-type-{}", p.as_str())),
                checked: current_type == p.as_str(),
            })
            .collect(),
        chrome: Chrome::new(ctx),
        org_slug: org.slug.to_string(),
        number: case.number.clone(),
        title: case.title.clone(),
        aware_at: case.aware_at.to_rfc3339(),
        due: case.aware_at.plus(vulndesk_core::deadline::AUTHORITY_REPORT_LIMIT).to_rfc3339(),
        missing: draft.as_ref().map(|d| authority::missing_labels(&ctx.tr, d)).unwrap_or_default(),
        library_options: SubLibrary::ALL
            .iter()
            .map(|l| Choice {
                value: l.as_str().into(),
                label: ctx.tr.t(&format!("sub-library-{}", l.as_str())),
                checked: l.as_str() == current,
            })
            .collect(),
        deliveries: match draft.as_ref().or(reports.last()) {
            Some(r) => state.store.deliveries_for(&r.id).await?,
            None => Vec::new(),
        },
        endpoint_set: state.store.authority_endpoint(org.id).await?.is_some(),
        reports,
        draft,
        errors,
        can_manage: ctx.require(Action::ManageCases(org.id)).is_ok(),
    })
}

pub(crate) async fn show(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number)): Path<(String, String)>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    let (org, case) = the_case(&state, &ctx, &slug, &number).await?;
    let mut p = page(&state, &ctx, &org, &case, Vec::new()).await?;
    p.chrome = p.chrome.with_notice(q.done.as_deref());
    render(&p)
}

/// Runs a change; a refusal or bad input shows the page again with the problems listed.
async fn act<F, Fut>(state: AppState, ctx: RequestCtx, slug: String, number: String, f: F) -> Result<Response, AppError>
where
    F: FnOnce(AppState, RequestCtx, Organisation, Case) -> Fut,
    Fut: std::future::Future<Output = Result<&'static str, AppError>>,
{
    let (org, case) = the_case(&state, &ctx, &slug, &number).await?;
    match f(state.clone(), ctx.clone(), org.clone(), case.clone()).await {
        Ok(notice) => Ok(see_other(&format!("/orgs/{slug}/cases/{number}/authority?done={notice}"))),
        Err(e) => {
            let (status, errors) = match e {
                AppError::Validation(fields) => {
                    (StatusCode::UNPROCESSABLE_ENTITY, fields.iter().map(|f| f.render(&ctx.tr)).collect())
                }
                AppError::Refused(m) => (StatusCode::CONFLICT, vec![m]),
                AppError::Conflict(key, args) => (StatusCode::CONFLICT, vec![ctx.tr.t_args(key, &args)]),
                other => return Err(other),
            };
            render_status(status, &page(&state, &ctx, &org, &case, errors).await?)
        }
    }
}

pub(crate) async fn start(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number)): Path<(String, String)>,
    Form(_): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    act(state, ctx, slug, number, |s, c, org, case| async move {
        authority::start(&s, &c, &org, &case).await.map(|_| "notice-authority-started")
    })
    .await
}

pub(crate) async fn save(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number, seq)): Path<(String, String, String)>,
    Form(f): Form<AuthorityForm>,
) -> Result<Response, AppError> {
    act(state, ctx, slug, number, |s, c, _, case| async move {
        let r = authority::report(&s, &case, &seq).await?;
        authority::save(&s, &c, &r, &f).await.map(|()| "notice-case-saved")
    })
    .await
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number, seq)): Path<(String, String, String)>,
    Form(f): Form<SubmissionForm>,
) -> Result<Response, AppError> {
    act(state, ctx, slug, number, |s, c, _, case| async move {
        let r = authority::report(&s, &case, &seq).await?;
        authority::submit_manual(&s, &c, &r, &f).await.map(|()| "notice-authority-submitted")
    })
    .await
}

pub(crate) async fn send(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number, seq)): Path<(String, String, String)>,
    Form(_): Form<CsrfOnly>,
) -> Result<Response, AppError> {
    act(state, ctx, slug, number, |s, c, org, case| async move {
        let r = authority::report(&s, &case, &seq).await?;
        crate::sharing::send(&s, &c, &org, &case, &r).await.map(|()| "notice-authority-queued")
    })
    .await
}

#[derive(Template)]
#[template(path = "authority_print.html")]
struct PrintPage {
    tr: Tr,
    number: String,
    r: AuthorityReport,
    library: String,
    kind: String,
    grade: String,
    gbt: String,
    aware_at: String,
    submitted_at: String,
    components: Vec<String>,
}

/// The report as filed, in Chinese whatever the reader's language, for printing (or saving as
/// PDF from the browser's print dialogue).
pub(crate) async fn print(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number, seq)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let (_, case) = the_case(&state, &ctx, &slug, &number).await?;
    let r = authority::report(&state, &case, &seq).await?;
    let tr = Tr::new(Locale::ZhCn);
    render(&PrintPage {
        tr,
        number: case.number.clone(),
        library: tr.t(&format!("sub-library-{}", r.sub_library)),
        grade: if r.grade.is_empty() { String::new() } else { tr.t(&format!("grade-{}", r.grade)) },
        gbt: if r.gbt_grade.is_empty() { String::new() } else { tr.t(&format!("grade-{}", r.gbt_grade)) },
        kind: tr.t(&format!("authority-kind-{}", r.kind)),
        aware_at: r.aware_at.to_rfc3339(),
        submitted_at: r.submitted_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        components: r.components.lines().map(str::to_owned).collect(),
        r,
    })
}

/// The report as a PDF (Chinese, the fields of the printout), for the authority's channels that
/// take a document rather than the API. Each one made is audited.
pub(crate) async fn pdf(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number, seq)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    use vulndesk_formats::pdf::{Block, Document};
    let (org, case) = the_case(&state, &ctx, &slug, &number).await?;
    let r = authority::report(&state, &case, &seq).await?;
    let tr = Tr::new(Locale::ZhCn);
    let t = |k: &str| tr.t(k);
    let mut kind = t(&format!("authority-kind-{}", r.kind));
    if let Some(u) = r.updates {
        kind.push_str(&format!("（{} {u}）", t("authority-updates")));
    }
    let grade = if r.grade.is_empty() { String::new() } else { t(&format!("grade-{}", r.grade)) };
    let grade = if r.gbt_grade.is_empty() {
        grade
    } else {
        format!("{grade}（GB/T 30279：{}）", t(&format!("grade-{}", r.gbt_grade)))
    };
    let mut fields = vec![
        (t("authority-sub-library"), t(&format!("sub-library-{}", r.sub_library))),
        (
            t("field-product-type"),
            if r.product_type.is_empty() { String::new() } else { t(&format!("product-type-{}", r.product_type)) },
        ),
        (t("authority-kind"), kind),
        (t("authority-provider"), r.provider_name.clone()),
        (t("authority-field-provider_contact"), r.provider_contact.clone()),
        (t("authority-case"), case.number.clone()),
        (t("case-aware-at"), r.aware_at.to_rfc3339()),
        (t("authority-field-product_name"), r.product_name.clone()),
        (t("authority-field-model"), r.model.clone()),
        (t("authority-field-versions"), r.versions.clone()),
        (t("authority-field-characteristics"), r.characteristics.clone()),
        (t("authority-field-harm"), r.harm.clone()),
        (t("authority-field-scope_of_impact"), r.scope_of_impact.clone()),
        ("CVSS".to_owned(), format!("{} {}", r.cvss_score, r.cvss_vector)),
        (t("case-grade"), grade),
        (t("authority-identifiers"), r.identifiers.clone()),
        (t("authority-fix-status"), r.fix_status.clone()),
        (t("authority-components"), r.components.clone()),
    ];
    if let Some(at) = r.submitted_at {
        fields.push((
            t("authority-submitted-at"),
            format!("{} · {} {}", at.to_rfc3339(), t("authority-receipt"), r.receipt_number),
        ));
    }
    let title = t("authority-print-title");
    let mut doc = Document::new(format!("{title} · {}", case.number), "zh-CN")
        .author(org.name.clone())
        .footer(format!("{} · {}", org.name, case.number));
    doc.push(Block::Title(title));
    doc.push(Block::Fields(fields));
    let bytes = doc.render();
    let details = serde_json::json!({"format": "pdf", "report": seq});
    state
        .store
        .record_audit(&ctx.audit(state.clock.now()).event(
            "authority.export",
            "case",
            &case.id.to_string(),
            Some(org.id.to_string()),
            details.to_string(),
        ))
        .await?;
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/pdf"));
    h.insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// The report's JSON document (`docs/authority-report.schema.json`).
pub(crate) async fn json(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, number, seq)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let (org, case) = the_case(&state, &ctx, &slug, &number).await?;
    let r = authority::report(&state, &case, &seq).await?;
    Ok(Json(authority::document(&org, &case, &r)).into_response())
}
