//! The compliance dossier of a case (R27): each step Article 7 requires, with its time and actor,
//! gathered from the case, its verification records, its history and its audit events. Steps that
//! do not apply (no upstream cause, no user action needed) say so; steps not yet taken say so.

use serde::Serialize;
use vulndesk_core::case::Case;

use crate::error::AppError;
use crate::i18n::Tr;
use crate::state::AppState;

/// One step of the dossier.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct Step {
    /// `aware`, `verified`, `assessed`, `confirmed`, `upstream_notified`, `authority_reported`,
    /// `fixed`, `users_notified`, `disclosed`, `closed`.
    pub(crate) step: &'static str,
    /// `done`, `pending` or `not_applicable`.
    pub(crate) status: &'static str,
    /// When it was done.
    pub(crate) at: Option<String>,
    /// Who did it (username, or `system`).
    pub(crate) actor: Option<String>,
    /// The regulation's article.
    pub(crate) article: &'static str,
    /// What the record holds (in the request's language).
    pub(crate) detail: String,
}

/// The whole dossier.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct Dossier {
    pub(crate) case: String,
    pub(crate) title: String,
    pub(crate) organisation: String,
    pub(crate) generated_at: String,
    pub(crate) steps: Vec<Step>,
    /// Publication and sharing gate decisions (R15–R22), oldest first: when, what, the outcome, who asked.
    pub(crate) gate_decisions: Vec<String>,
}

/// The username behind a recorded actor id (the id itself when the account is gone).
pub(crate) async fn username(state: &AppState, actor: &str) -> String {
    match actor.parse() {
        Ok(id) => {
            state.store.user_by_id(id).await.ok().flatten().map_or_else(|| actor.to_owned(), |u| u.username.to_string())
        }
        Err(_) => actor.to_owned(),
    }
}

/// Builds the dossier of `case`.
pub(crate) async fn build(state: &AppState, tr: &Tr, case: &Case) -> Result<Dossier, AppError> {
    let verifications = state.store.verifications_of(case.id).await?;
    let transitions = state.store.transitions_of(case.id).await?;
    let events = state.store.audit_of_object("case", &case.id.to_string()).await?;
    let done = |step, article, at: vulndesk_core::Timestamp, actor: String, detail: String| Step {
        step,
        status: "done",
        at: Some(at.to_rfc3339()),
        actor: Some(actor),
        article,
        detail,
    };
    let pending =
        |step, article, detail: String| Step { step, status: "pending", at: None, actor: None, article, detail };
    let not_applicable = |step, article| Step {
        step,
        status: "not_applicable",
        at: None,
        actor: None,
        article,
        detail: tr.t("dossier-not-applicable"),
    };
    let mut steps = Vec::new();
    steps.push(done("aware", "7(1)", case.aware_at, username(state, &case.created_by).await, tr.t("dossier-aware")));
    match verifications.iter().find(|v| v.reproduced) {
        Some(v) => steps.push(done(
            "verified",
            "7(1)",
            v.verified_at,
            v.verified_by.clone(),
            format!("{} — {}", v.environment, v.result),
        )),
        None => steps.push(pending("verified", "7(1)", tr.t("dossier-pending"))),
    }
    let assessed = events.iter().rev().find(|e| e.event.action == "case.assess");
    let scope = match tr.locale {
        vulndesk_core::Locale::En if !case.scope_of_impact_en.is_empty() => case.scope_of_impact_en.clone(),
        _ if !case.scope_of_impact.is_empty() => case.scope_of_impact.clone(),
        _ => case.scope_of_impact_en.clone(),
    };
    let grade = if case.grade.is_empty() { String::new() } else { tr.t(&format!("grade-{}", case.grade)) };
    match (assessed, !scope.is_empty() && (!case.cvss_score.is_empty() || !case.grade.is_empty())) {
        (Some(e), true) => steps.push(done(
            "assessed",
            "7(1)",
            e.event.at,
            username(state, &e.event.actor).await,
            format!("CVSS {} · {grade} · {scope}", case.cvss_score),
        )),
        _ => steps.push(pending("assessed", "7(1)", tr.t("dossier-pending"))),
    }
    let transition_step = |to: &str| transitions.iter().find(|t| t.to == to);
    for (step, state_name, article) in [("confirmed", "confirmed", "7(1)")] {
        match transition_step(state_name) {
            Some(t) => steps.push(done(step, article, t.at, username(state, &t.actor).await, t.reason.clone())),
            None => steps.push(pending(step, article, tr.t("dossier-pending"))),
        }
    }
    let deliveries = state.store.deliveries_for(&case.id.to_string()).await?;
    let upstream_delivered = deliveries
        .iter()
        .filter(|d| d.new.kind == "upstream_notice" && d.status == "delivered")
        .filter_map(|d| d.delivered_at.map(|at| (at, d)))
        .min_by_key(|(at, _)| *at);
    match upstream_delivered {
        // A notice delivered counts even when the case was later found not to be upstream.
        Some((at, d)) => steps.push(done(
            "upstream_notified",
            "7(1)",
            at,
            "system".into(),
            tr.t_args("dossier-delivered-to", &[("to", d.new.url.trim_start_matches("mailto:").to_owned())]),
        )),
        None if case.upstream => steps.push(pending(
            "upstream_notified",
            "7(1)",
            tr.t_args("dossier-upstream-pending", &[("supplier", case.upstream_supplier.clone())]),
        )),
        None => steps.push(not_applicable("upstream_notified", "7(1)")),
    }
    // The first initial report submitted is what meets the 48-hour deadline; updates are counted.
    let reports = state.store.authority_reports_of(case.id).await?;
    let submitted: Vec<_> = reports.iter().filter(|r| r.status == "submitted").collect();
    match submitted
        .iter()
        .filter(|r| r.kind == "initial")
        .filter_map(|r| r.submitted_at.map(|at| (at, r)))
        .min_by_key(|(at, _)| *at)
    {
        Some((at, r)) => steps.push(done(
            "authority_reported",
            "7(2)",
            at,
            username(state, &r.submitted_by).await,
            tr.t_args(
                "dossier-authority-done",
                &[
                    ("channel", r.channel.clone()),
                    ("receipt", r.receipt_number.clone()),
                    ("updates", submitted.iter().filter(|r| r.kind != "initial").count().to_string()),
                ],
            ),
        )),
        None => steps.push(pending("authority_reported", "7(2)", tr.t("dossier-pending"))),
    }
    match transition_step("fixed") {
        Some(t) => steps.push(done("fixed", "7(3)", t.at, username(state, &t.actor).await, t.reason.clone())),
        None => steps.push(pending("fixed", "7(3)", tr.t("dossier-pending"))),
    }
    let notices: Vec<_> = deliveries.iter().filter(|d| d.new.kind == "customer_notice").collect();
    let delivered: Vec<_> = notices.iter().filter_map(|d| d.delivered_at.filter(|_| d.status == "delivered")).collect();
    let counts = [("delivered", delivered.len().to_string()), ("total", notices.len().to_string())];
    match delivered.iter().max() {
        // Every notice delivered: done when the last one arrived.
        Some(last) if delivered.len() == notices.len() => steps.push(done(
            "users_notified",
            "7(3)",
            *last,
            "system".into(),
            tr.t_args("dossier-users-notified", &counts),
        )),
        _ if !notices.is_empty() => {
            steps.push(pending("users_notified", "7(3)", tr.t_args("dossier-users-notified", &counts)))
        }
        _ if case.users_must_act => steps.push(pending("users_notified", "7(3)", tr.t("dossier-pending"))),
        _ => steps.push(not_applicable("users_notified", "7(3)")),
    }
    for (step, article) in [("disclosed", "9"), ("closed", "7")] {
        match transition_step(step) {
            Some(t) => steps.push(done(step, article, t.at, username(state, &t.actor).await, t.reason.clone())),
            None => steps.push(pending(step, article, tr.t("dossier-pending"))),
        }
    }
    let org = state.store.org_by_id(case.org).await?.map(|o| o.slug.to_string()).unwrap_or_default();
    let mut gate_decisions = Vec::new();
    // Oldest first, as a record reads.
    for g in state.store.gate_decisions_of(case.id).await?.into_iter().rev() {
        let outcome = tr.t(if g.allowed { "dossier-gate-allowed" } else { "dossier-gate-refused" });
        let target = if g.target.is_empty() { String::new() } else { format!(" ({})", g.target) };
        gate_decisions.push(format!(
            "{} · {}{target} · {outcome} · {}",
            g.decided_at.to_rfc3339(),
            g.action,
            username(state, &g.requested_by).await
        ));
    }
    Ok(Dossier {
        case: case.number.clone(),
        title: case.title.clone(),
        organisation: org,
        generated_at: state.clock.now().to_rfc3339(),
        steps,
        gate_decisions,
    })
}
