//! The rewards pages: the ledger (filters by program and period, totals by state, committed
//! amounts by month, CSV export, the approve / pay / fail / cancel steps), each program's reward
//! table, and the reward decision on a report's page.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use vulndesk_core::Action;
use vulndesk_core::reward::Amount;

use super::{Chart, Choice, Chrome, Form, render_status, see_other};
use crate::auth::RequestCtx;
use crate::error::AppError;
use crate::ops;
use crate::rewards::{self, DecideForm, LedgerQuery, TableForm};
use crate::state::AppState;

struct LedgerRow {
    id: String,
    decided_at: String,
    program: String,
    report: String,
    report_title: String,
    grade: String,
    amount: String,
    state: String,
    state_label: String,
    four_eyes: bool,
    shares: String,
    decided_by: String,
    approved_by: String,
    paid: String,
    note: String,
}

struct TotalRow {
    currency: String,
    state: String,
    count: i64,
    sum: String,
}

struct TableCard {
    slug: String,
    name: String,
    form: TableForm,
    has_table: bool,
}

#[derive(Template)]
#[template(path = "rewards.html")]
struct RewardsPage {
    chrome: Chrome,
    org_slug: String,
    programs: Vec<Choice>,
    from: String,
    to: String,
    query: String,
    rows: Vec<LedgerRow>,
    totals: Vec<TotalRow>,
    charts: Vec<Chart>,
    tables: Vec<TableCard>,
    can_approve: bool,
    can_manage: bool,
    can_see_reports: bool,
    errors: Vec<String>,
}

/// The query string for the CSV link (values are dates and a slug, already checked).
fn query_string(q: &LedgerQuery, p: &rewards::Period) -> String {
    let mut s = format!("from={}&to={}", p.from_day, p.to_day);
    if let Some(slug) = q.program.as_deref().filter(|s| !s.is_empty()) {
        s.push_str("&program=");
        s.push_str(&urlencoding::encode(slug));
    }
    s
}

async fn page(
    state: &AppState,
    ctx: &RequestCtx,
    slug: &str,
    q: &LedgerQuery,
    notice: Option<&str>,
    errors: Vec<String>,
) -> Result<RewardsPage, AppError> {
    let org = ops::visible_org(state, ctx, slug).await?;
    let tr = ctx.tr;
    let rewards::Ledger { period: p, lines, who } = rewards::ledger(state, ctx, &org, q).await?;
    let name = |id: &str| who.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let rows = lines
        .iter()
        .map(|l| {
            let r = &l.reward;
            LedgerRow {
                id: r.id.clone(),
                decided_at: r.decided_at.to_rfc3339()[..10].to_owned(),
                program: l.program_name.clone(),
                report: r.report.to_string(),
                report_title: l.report_title.clone(),
                // The grade as the reader's language names it (the ledger CSV keeps the key).
                grade: if r.grade.is_empty() { String::new() } else { tr.t(&format!("grade-{}", r.grade)) },
                amount: format!("{} {}", Amount(r.amount), r.currency),
                state: r.state.as_str().to_owned(),
                state_label: tr.t(&format!("reward-state-{}", r.state.as_str())),
                four_eyes: r.needs_second_approver,
                shares: r
                    .shares
                    .iter()
                    .map(|s| {
                        let who =
                            if s.credit_name.is_empty() { tr.t("report-anonymous") } else { s.credit_name.clone() };
                        format!("{who}: {}", Amount(s.amount))
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
                decided_by: name(&r.decided_by),
                approved_by: r.approved_by.as_deref().map(name).unwrap_or_default(),
                paid: r.paid_at.map(|t| t.to_rfc3339()[..10].to_owned()).unwrap_or_default(),
                note: if r.payment_reference.is_empty() {
                    r.failure_reason.clone()
                } else {
                    r.payment_reference.clone()
                },
            }
        })
        .collect();
    let totals = rewards::totals(&lines)
        .into_iter()
        .map(|(currency, st, count, sum)| TotalRow {
            state: tr.t(&format!("reward-state-{}", st.as_str())),
            count,
            sum: Amount(sum).to_string(),
            currency,
        })
        .collect();
    let mut currencies: Vec<&str> = lines.iter().map(|l| l.reward.currency.as_str()).collect();
    currencies.sort_unstable();
    currencies.dedup();
    let charts = currencies
        .into_iter()
        .map(|c| {
            let title = tr.t_args("rewards-chart-monthly", &[("currency", c.to_owned())]);
            Chart::new(title, rewards::monthly(&lines, c).into_iter().map(|(m, v)| (m, v, Amount(v).to_string())))
        })
        .filter(|c| !c.bars.is_empty())
        .collect();
    let mut tables = Vec::new();
    let can_manage = ctx.require(Action::ManagePrograms(org.id)).is_ok();
    let programs = state.store.programs_of(org.id).await?;
    for prog in &programs {
        let table = state.store.reward_table(prog.id).await?;
        if table.is_none() && !can_manage {
            continue;
        }
        tables.push(TableCard {
            slug: prog.slug.to_string(),
            name: prog.name.clone(),
            has_table: table.is_some(),
            form: table
                .as_ref()
                .map(TableForm::from_table)
                .unwrap_or_else(|| TableForm { currency: "CNY".into(), ..TableForm::default() }),
        });
    }
    let selected = p.program.as_ref().map(|p| p.slug.to_string());
    Ok(RewardsPage {
        chrome: Chrome::new(ctx).with_notice(notice),
        org_slug: org.slug.to_string(),
        programs: programs
            .iter()
            .map(|p| Choice {
                value: p.slug.to_string(),
                label: p.name.clone(),
                checked: selected.as_deref() == Some(p.slug.as_str()),
            })
            .collect(),
        query: query_string(q, &p),
        from: p.from_day,
        to: p.to_day,
        rows,
        totals,
        charts,
        tables,
        can_approve: ctx.require(Action::ApproveRewards(org.id)).is_ok(),
        can_manage,
        can_see_reports: ctx.require(Action::ViewReports(org.id)).is_ok(),
        errors,
    })
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct LedgerPageQuery {
    #[serde(flatten)]
    q: LedgerQuery,
    done: Option<String>,
}

pub(crate) async fn show(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Query(q): Query<LedgerPageQuery>,
) -> Result<Response, AppError> {
    match page(&state, &ctx, &slug, &q.q, q.done.as_deref(), Vec::new()).await {
        Ok(p) => render_status(StatusCode::OK, &p),
        Err(e) => failed(&state, &ctx, &slug, e).await,
    }
}

pub(crate) async fn csv(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Query(q): Query<LedgerQuery>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    let l = rewards::ledger(&state, &ctx, &org, &q).await?;
    let body = rewards::ledger_csv(&l.lines, &l.who);
    let name = format!("attachment; filename=\"rewards-{}-{}-{}.csv\"", org.slug, l.period.from_day, l.period.to_day);
    let mut resp = (StatusCode::OK, body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&name) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

/// Answers a failed form with the ledger page and the errors, or passes other errors on.
async fn failed(state: &AppState, ctx: &RequestCtx, slug: &str, e: AppError) -> Result<Response, AppError> {
    let (status, errors) = super::refused(ctx, e)?;
    render_status(status, &page(state, ctx, slug, &LedgerQuery::default(), None, errors).await?)
}

pub(crate) async fn set_table(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, program)): Path<(String, String)>,
    Form(f): Form<TableForm>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    let p = state.store.program_by_slug(&program).await?.filter(|p| p.org == org.id).ok_or(AppError::NotFound)?;
    match rewards::set_table(&state, &ctx, &org, &p, &f).await {
        Ok(_) => Ok(see_other(&format!("/orgs/{slug}/rewards?done=notice-reward-table-saved"))),
        Err(e) => failed(&state, &ctx, &slug, e).await,
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct StepForm {
    action: String,
    #[serde(default)]
    note: String,
}

pub(crate) async fn step(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, id)): Path<(String, String)>,
    Form(f): Form<StepForm>,
) -> Result<Response, AppError> {
    let org = ops::visible_org(&state, &ctx, &slug).await?;
    match rewards::step(&state, &ctx, &org, &id, &f.action, &f.note).await {
        Ok(_) => Ok(see_other(&format!("/orgs/{slug}/rewards?done=notice-reward-saved"))),
        Err(e) => failed(&state, &ctx, &slug, e).await,
    }
}

/// The decision form on a report's page.
pub(crate) async fn decide(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, id)): Path<(String, String)>,
    Form(f): Form<DecideForm>,
) -> Result<Response, AppError> {
    let (org, report) = super::inbox::readable_report(&state, &ctx, &slug, &id, "reward").await?;
    match rewards::decide(&state, &ctx, &org, &report, &f).await {
        Ok(_) => Ok(see_other(&format!("/orgs/{slug}/reports/{id}?done=notice-reward-saved"))),
        Err(e) => {
            let refusal = super::refused(&ctx, e)?;
            super::inbox::show_with(&state, &ctx, &slug, &id, None, refusal, Some(&f)).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_link_keeps_the_period_and_program() {
        let p = rewards::Period {
            from: vulndesk_core::Timestamp::from_micros(0),
            to: vulndesk_core::Timestamp::from_micros(0),
            from_day: "2026-01-01".into(),
            to_day: "2026-12-31".into(),
            program: None,
        };
        let q = LedgerQuery { program: Some("safe harbour&x".into()), ..LedgerQuery::default() };
        assert_eq!(query_string(&q, &p), "from=2026-01-01&to=2026-12-31&program=safe%20harbour%26x");
    }
}
