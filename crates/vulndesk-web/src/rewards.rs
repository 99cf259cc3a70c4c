//! Rewards (Art. 7 ¶3; R12), shared by the pages and the API: a program's reward table, a reward
//! decided on a valid report and split between the case's co-reporters, four-eyes approval above
//! the table's threshold, payment, the ledger (JSON, CSV) and what a reporter sees of it.
//!
//! Money only flows from the program's owner to the people who reported (Art. 4): a reward is
//! decided on a report of the paying organisation, and a share can only go to a report that is
//! part of the same case.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vulndesk_core::case::CaseState;
use vulndesk_core::intake::{Program, Report, ReportStatus};
use vulndesk_core::reward::{self, Amount, Bonus, RewardRefusal, RewardState, RewardTable, Tier};
use vulndesk_core::{Action, Organisation, ProgramId, ReportId, Timestamp};
use vulndesk_store::StoreError;
use vulndesk_store::rewards::{LedgerLine, NewReward, Reward, RewardStep};

use crate::auth::RequestCtx;
use crate::error::{AppError, FieldError};
use crate::state::AppState;

/// A reward table as forms and the API send it: amounts in major units (`8000`, `8000.00`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub(crate) struct TableForm {
    /// ISO 4217 currency, such as `CNY`.
    #[serde(default)]
    pub(crate) currency: String,
    /// Rewards above this amount need a second person's approval.
    #[serde(default)]
    pub(crate) four_eyes_above: String,
    /// `critical`, `high`, `medium`, `low` ranges; a grade left empty earns nothing.
    #[serde(default)]
    pub(crate) critical_min: String,
    #[serde(default)]
    pub(crate) critical_max: String,
    #[serde(default)]
    pub(crate) high_min: String,
    #[serde(default)]
    pub(crate) high_max: String,
    #[serde(default)]
    pub(crate) medium_min: String,
    #[serde(default)]
    pub(crate) medium_max: String,
    #[serde(default)]
    pub(crate) low_min: String,
    #[serde(default)]
    pub(crate) low_max: String,
    /// One bonus per line: `name = maximum`.
    #[serde(default)]
    pub(crate) bonuses: String,
}

impl TableForm {
    /// The form showing a stored table.
    pub(crate) fn from_table(t: &RewardTable) -> Self {
        let get = |g: &str, max: bool| {
            t.tier(g).map(|t| Amount(if max { t.max } else { t.min }).to_string()).unwrap_or_default()
        };
        Self {
            currency: t.currency.clone(),
            four_eyes_above: Amount(t.four_eyes_above).to_string(),
            critical_min: get("critical", false),
            critical_max: get("critical", true),
            high_min: get("high", false),
            high_max: get("high", true),
            medium_min: get("medium", false),
            medium_max: get("medium", true),
            low_min: get("low", false),
            low_max: get("low", true),
            bonuses: t.bonuses.iter().map(|b| format!("{} = {}", b.name, Amount(b.max))).collect::<Vec<_>>().join("\n"),
        }
    }

    fn to_table(&self) -> Result<RewardTable, AppError> {
        let mut e = Vec::new();
        let amount = |field: &str, v: &str, e: &mut Vec<FieldError>| match reward::parse_amount(v) {
            Some(a) => Some(a),
            None => {
                e.push(FieldError::new(field, "reward-amount-invalid").with("value", v));
                None
            }
        };
        let four_eyes_above = amount("four_eyes_above", &self.four_eyes_above, &mut e).unwrap_or(0);
        let mut tiers = Vec::new();
        for (grade, min, max) in [
            ("critical", &self.critical_min, &self.critical_max),
            ("high", &self.high_min, &self.high_max),
            ("medium", &self.medium_min, &self.medium_max),
            ("low", &self.low_min, &self.low_max),
        ] {
            if min.trim().is_empty() && max.trim().is_empty() {
                continue;
            }
            let lo = amount(&format!("{grade}_min"), min, &mut e);
            let hi = amount(&format!("{grade}_max"), max, &mut e);
            if let (Some(min), Some(max)) = (lo, hi) {
                tiers.push(Tier { grade: grade.into(), min, max });
            }
        }
        let mut bonuses = Vec::new();
        for (i, line) in self.bonuses.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            match line.rsplit_once('=') {
                Some((name, max)) => {
                    if let Some(max) = reward::parse_amount(max) {
                        bonuses.push(Bonus { name: name.trim().to_owned(), max });
                    } else {
                        e.push(FieldError::new("bonuses", "reward-bonus-line").with("line", i + 1));
                    }
                }
                None => e.push(FieldError::new("bonuses", "reward-bonus-line").with("line", i + 1)),
            }
        }
        if !e.is_empty() {
            return Err(AppError::Validation(e));
        }
        let t = RewardTable { currency: self.currency.trim().to_uppercase(), four_eyes_above, tiers, bonuses };
        t.check().map_err(refusal)?;
        Ok(t)
    }
}

/// A reward refusal from the core, as a 422 naming the field, in the request's language.
pub(crate) fn refusal(r: RewardRefusal) -> AppError {
    let e = match &r {
        RewardRefusal::Currency(c) => FieldError::new("currency", "reward-currency").with("value", c),
        RewardRefusal::Grade(g) => FieldError::new("grade", "reward-grade").with("value", g),
        RewardRefusal::Range { grade, min, max } => {
            FieldError::new(&format!("{grade}_min"), "reward-range").with("min", Amount(*min)).with("max", Amount(*max))
        }
        RewardRefusal::BonusRule(b) => FieldError::new("bonuses", "reward-bonus-rule").with("value", b),
        RewardRefusal::Threshold => FieldError::new("four_eyes_above", "reward-threshold"),
        RewardRefusal::NoTier(g) => FieldError::new("grade", "reward-no-tier").with("grade", g),
        RewardRefusal::OutOfRange { grade, amount, min, max } => FieldError::new("amount", "reward-out-of-range")
            .with("amount", Amount(*amount))
            .with("grade", grade)
            .with("min", Amount(*min))
            .with("max", Amount(*max)),
        RewardRefusal::Bonus(why) => FieldError::new("bonus_amount", "reward-bonus").with("detail", why),
        RewardRefusal::NoReason => FieldError::new("reason", "reward-no-reason"),
        RewardRefusal::FourEyes(above) => {
            return AppError::Conflict("conflict-reward-four-eyes", vec![("amount", Amount(*above).to_string())]);
        }
        RewardRefusal::Step { from, to } => {
            return AppError::Conflict(
                "conflict-reward-step",
                vec![("from", from.as_str().to_owned()), ("to", to.as_str().to_owned())],
            );
        }
        RewardRefusal::NoReference => FieldError::new("note", "reward-no-reference"),
        RewardRefusal::Weights => FieldError::new("shares", "reward-weights"),
        _ => FieldError::new("reward", "reward-invalid").with("detail", r.to_string()),
    };
    AppError::Validation(vec![e])
}

/// The program's table, checked and stored (programs' managers only).
pub(crate) async fn set_table(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    program: &Program,
    f: &TableForm,
) -> Result<RewardTable, AppError> {
    ctx.require(Action::ManagePrograms(org.id))?;
    if program.org != org.id {
        return Err(AppError::NotFound);
    }
    let t = f.to_table()?;
    state.store.set_reward_table(org.id, program.id, &t, &ctx.audit(state.clock.now())).await?;
    Ok(t)
}

/// A reward decision as forms and the API send it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub(crate) struct DecideForm {
    /// The grade priced: `critical`, `high`, `medium` or `low` (default: the case's grade).
    #[serde(default)]
    pub(crate) grade: String,
    /// The amount from the grade's range, in major units.
    #[serde(default)]
    pub(crate) amount: String,
    /// One of the table's bonuses, or empty.
    #[serde(default)]
    pub(crate) bonus: String,
    /// The bonus's amount, in major units.
    #[serde(default)]
    pub(crate) bonus_amount: String,
    /// Why this reward.
    #[serde(default)]
    pub(crate) reason: String,
    /// The split: one `report-id = weight` per line, for the reports of the same case. Empty:
    /// the whole reward to this report's reporter.
    #[serde(default)]
    pub(crate) shares: String,
}

/// Whether a report is valid for a reward: it became (or joined) a case that was not rejected,
/// marked a duplicate or not applicable. Answers the case's grade for the default.
async fn valid_case_grade(state: &AppState, r: &Report) -> Result<Option<(vulndesk_core::CaseId, String)>, AppError> {
    if r.status != ReportStatus::Promoted {
        return Ok(None);
    }
    for id in state.store.cases_for_report(r.id).await? {
        if let Some(c) = state.store.case(id).await?
            && !matches!(c.state, CaseState::Rejected | CaseState::Duplicate | CaseState::NotApplicable)
        {
            return Ok(Some((c.id, c.grade)));
        }
    }
    Ok(None)
}

/// Decides a reward for a valid report (triagers), checked against the program's table.
pub(crate) async fn decide(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    report: &Report,
    f: &DecideForm,
) -> Result<Reward, AppError> {
    ctx.require(Action::DecideRewards(org.id))?;
    if report.org != org.id {
        return Err(AppError::NotFound);
    }
    let table = state
        .store
        .reward_table(report.program)
        .await?
        .ok_or(AppError::Conflict("conflict-reward-no-table", Vec::new()))?;
    let Some((case, case_grade)) = valid_case_grade(state, report).await? else {
        return Err(AppError::Conflict("conflict-reward-not-valid", Vec::new()));
    };
    let grade = if f.grade.trim().is_empty() { case_grade } else { f.grade.trim().to_owned() };
    let mut e = Vec::new();
    let base = reward::parse_amount(&f.amount);
    if base.is_none() {
        e.push(FieldError::new("amount", "reward-amount-invalid").with("value", &f.amount));
    }
    let bonus_amount = if f.bonus_amount.trim().is_empty() { Some(0) } else { reward::parse_amount(&f.bonus_amount) };
    if bonus_amount.is_none() {
        e.push(FieldError::new("bonus_amount", "reward-amount-invalid").with("value", &f.bonus_amount));
    }
    // The split: reports of the same case only.
    let mut shares: Vec<(ReportId, u64)> = Vec::new();
    let co_reporters = state.store.case_reports(case).await?;
    for (i, line) in f.shares.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let parsed = line
            .split_once('=')
            .and_then(|(id, w)| Some((id.trim().parse::<ReportId>().ok()?, w.trim().parse::<u64>().ok()?)));
        match parsed {
            Some((id, w)) if co_reporters.contains(&id) && !shares.iter().any(|(s, _)| *s == id) => {
                shares.push((id, w))
            }
            _ => e.push(FieldError::new("shares", "reward-share-line").with("line", i + 1)),
        }
    }
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    if shares.is_empty() {
        shares.push((report.id, 1));
    }
    let weights: Vec<u64> = shares.iter().map(|(_, w)| *w).collect();
    reward::check_weights(&weights).map_err(refusal)?;
    let (base, bonus_amount) = (base.unwrap_or(0), bonus_amount.unwrap_or(0));
    let bonus = (!f.bonus.trim().is_empty()).then(|| (f.bonus.trim(), bonus_amount));
    if bonus.is_none() && bonus_amount != 0 {
        return Err(AppError::Validation(vec![FieldError::new("bonus", "reward-bonus-unnamed")]));
    }
    let amount = table.check_decision(&grade, base, bonus, &f.reason).map_err(refusal)?;
    let parts = reward::split(amount, &weights);
    let new = NewReward {
        id: crate::auth::random_uuid().to_string(),
        org: org.id,
        program: report.program,
        report: report.id,
        grade,
        base_amount: base,
        bonus_amount,
        bonus_reason: f.bonus.trim().to_owned(),
        amount,
        currency: table.currency.clone(),
        reason: f.reason.trim().to_owned(),
        needs_second_approver: table.needs_second_approver(amount),
        shares: shares
            .iter()
            .zip(parts)
            .map(|((id, w), part)| (*id, i64::try_from(*w).unwrap_or(i64::MAX), part))
            .collect(),
    };
    match state.store.decide_reward(&new, &ctx.audit(state.clock.now())).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => return Err(AppError::Conflict("conflict-reward-exists", Vec::new())),
        Err(StoreError::Invalid(_)) => {
            return Err(AppError::Validation(vec![FieldError::new("shares", "reward-share-line").with("line", 1)]));
        }
        Err(other) => return Err(other.into()),
    }
    state.store.reward(&new.id).await?.ok_or(AppError::NotFound)
}

/// A step on a reward: `approve`, `pay` (with the payment reference), `fail` (with why) or
/// `cancel` (with why). Admins and coordinators; the decider cannot approve their own reward
/// when its amount needs four eyes.
pub(crate) async fn step(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    id: &str,
    action: &str,
    note: &str,
) -> Result<Reward, AppError> {
    ctx.require(Action::ApproveRewards(org.id))?;
    let user = ctx.user()?;
    let r = state.store.reward(id).await?.filter(|r| r.org == org.id).ok_or(AppError::NotFound)?;
    let to = match action {
        "approve" => RewardState::Approved,
        "pay" => RewardState::Paid,
        "fail" => RewardState::Failed,
        "cancel" => RewardState::Cancelled,
        _ => return Err(AppError::Validation(vec![FieldError::new("action", "reward-action").with("value", action)])),
    };
    if !r.state.may_become(to) {
        return Err(refusal(RewardRefusal::Step { from: r.state, to }));
    }
    if to == RewardState::Approved {
        let threshold = state.store.reward_table(r.program).await?.map_or(0, |t| t.four_eyes_above);
        reward::check_approval(r.state, r.needs_second_approver, threshold, &r.decided_by, &user.id.to_string())
            .map_err(refusal)?;
    }
    let note = note.trim();
    if to == RewardState::Paid && note.is_empty() {
        return Err(refusal(RewardRefusal::NoReference));
    }
    if matches!(to, RewardState::Failed | RewardState::Cancelled) && note.is_empty() {
        return Err(AppError::Validation(vec![FieldError::new("note", "reward-no-note")]));
    }
    let step = RewardStep { from: r.state, to, note: note.to_owned() };
    match state.store.move_reward(org.id, &r.id, &step, &ctx.audit(state.clock.now())).await {
        Ok(()) => {}
        Err(StoreError::Conflict(_)) => return Err(refusal(RewardRefusal::Step { from: r.state, to })),
        Err(other) => return Err(other.into()),
    }
    state.store.reward(&r.id).await?.ok_or(AppError::NotFound)
}

/// A reward as the API shows it. Amounts in minor units (fen, cents) and as text.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct RewardView {
    pub(crate) id: String,
    pub(crate) report: String,
    pub(crate) program: String,
    pub(crate) grade: String,
    pub(crate) state: String,
    pub(crate) currency: String,
    pub(crate) amount_minor: i64,
    pub(crate) amount: String,
    pub(crate) base_minor: i64,
    pub(crate) bonus_minor: i64,
    pub(crate) bonus: String,
    pub(crate) reason: String,
    pub(crate) needs_second_approver: bool,
    pub(crate) decided_by: String,
    pub(crate) decided_at: String,
    pub(crate) approved_by: Option<String>,
    pub(crate) approved_at: Option<String>,
    pub(crate) paid_at: Option<String>,
    pub(crate) payment_reference: String,
    pub(crate) failure_reason: String,
    pub(crate) shares: Vec<ShareView>,
}

/// One co-reporter's share.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct ShareView {
    pub(crate) report: String,
    pub(crate) credit_name: String,
    pub(crate) weight: i64,
    pub(crate) amount_minor: i64,
    pub(crate) amount: String,
}

impl RewardView {
    /// The view of a stored reward; `who` turns user ids into usernames.
    pub(crate) fn new(r: &Reward, who: &std::collections::HashMap<String, String>) -> Self {
        let name = |id: &str| who.get(id).cloned().unwrap_or_else(|| id.to_owned());
        Self {
            id: r.id.clone(),
            report: r.report.to_string(),
            program: r.program.to_string(),
            grade: r.grade.clone(),
            state: r.state.as_str().to_owned(),
            currency: r.currency.clone(),
            amount_minor: r.amount,
            amount: Amount(r.amount).to_string(),
            base_minor: r.base_amount,
            bonus_minor: r.bonus_amount,
            bonus: r.bonus_reason.clone(),
            reason: r.reason.clone(),
            needs_second_approver: r.needs_second_approver,
            decided_by: name(&r.decided_by),
            decided_at: r.decided_at.to_rfc3339(),
            approved_by: r.approved_by.as_deref().map(name),
            approved_at: r.approved_at.map(|t| t.to_rfc3339()),
            paid_at: r.paid_at.map(|t| t.to_rfc3339()),
            payment_reference: r.payment_reference.clone(),
            failure_reason: r.failure_reason.clone(),
            shares: r
                .shares
                .iter()
                .map(|s| ShareView {
                    report: s.report.to_string(),
                    credit_name: s.credit_name.clone(),
                    weight: s.weight,
                    amount_minor: s.amount,
                    amount: Amount(s.amount).to_string(),
                })
                .collect(),
        }
    }
}

/// Usernames for the user ids that decided and approved these rewards.
pub(crate) async fn usernames(
    state: &AppState,
    rewards: &[&Reward],
) -> Result<std::collections::HashMap<String, String>, AppError> {
    let mut out = std::collections::HashMap::new();
    for r in rewards {
        for id in std::iter::once(&r.decided_by).chain(r.approved_by.as_ref()) {
            if out.contains_key(id) {
                continue;
            }
            if let Ok(uid) = id.parse()
                && let Some(u) = state.store.user_by_id(uid).await?
            {
                out.insert(id.clone(), u.username.to_string());
            }
        }
    }
    Ok(out)
}

/// The ledger's period and program, as a query string gives them.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, utoipa::IntoParams)]
pub(crate) struct LedgerQuery {
    /// Only this program (its short name).
    #[serde(default)]
    pub(crate) program: Option<String>,
    /// First day, `YYYY-MM-DD` (default: 1 January of this year).
    #[serde(default)]
    pub(crate) from: Option<String>,
    /// Last day included, `YYYY-MM-DD` (default: today).
    #[serde(default)]
    pub(crate) to: Option<String>,
}

/// The ledger's resolved period: `[from, to)` and the program, if one was asked for.
pub(crate) struct Period {
    pub(crate) from: Timestamp,
    pub(crate) to: Timestamp,
    pub(crate) from_day: String,
    pub(crate) to_day: String,
    pub(crate) program: Option<Program>,
}

/// Reads the ledger query; bad dates are a 422 naming the field.
pub(crate) async fn period(state: &AppState, org: &Organisation, q: &LedgerQuery) -> Result<Period, AppError> {
    let now = state.clock.now();
    let today = now.to_rfc3339()[..10].to_owned();
    let from_day = q.from.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| format!("{}-01-01", &today[..4]));
    let to_day = q.to.clone().filter(|s| !s.is_empty()).unwrap_or(today);
    let mut e = Vec::new();
    let day = |field: &str, s: &str, e: &mut Vec<FieldError>| match Timestamp::parse_rfc3339(&format!("{s}T00:00:00Z"))
        .filter(|_| s.len() == 10)
    {
        Some(t) => Some(t),
        None => {
            e.push(FieldError::new(field, "date-invalid").with("value", s));
            None
        }
    };
    let from = day("from", &from_day, &mut e);
    let to = day("to", &to_day, &mut e);
    let program = match q.program.as_deref().filter(|s| !s.is_empty()) {
        Some(slug) => match state.store.program_by_slug(slug).await?.filter(|p| p.org == org.id) {
            Some(p) => Some(p),
            None => {
                e.push(FieldError::new("program", "reward-program-unknown").with("value", slug));
                None
            }
        },
        None => None,
    };
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    let (from, to) = (from.unwrap_or(now), to.unwrap_or(now).plus(std::time::Duration::from_secs(86_400)));
    Ok(Period { from, to, from_day, to_day, program })
}

/// A ledger as read: its period, its lines, and the usernames of the people in it.
pub(crate) struct Ledger {
    pub(crate) period: Period,
    pub(crate) lines: Vec<LedgerLine>,
    /// User id → username, for deciders and approvers.
    pub(crate) who: std::collections::HashMap<String, String>,
}

/// The ledger for the period a query asks for (reward readers only); the read is audited.
pub(crate) async fn ledger(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    q: &LedgerQuery,
) -> Result<Ledger, AppError> {
    ctx.require(Action::ViewRewards(org.id))?;
    let p = period(state, org, q).await?;
    let program: Option<ProgramId> = p.program.as_ref().map(|p| p.id);
    let lines = state.store.reward_ledger(org.id, program, p.from, p.to).await?;
    let details = serde_json::json!({"from": p.from_day, "to": p.to_day, "rows": lines.len()});
    state
        .store
        .record_audit(&ctx.audit(state.clock.now()).event(
            "reward.ledger_view",
            "organisation",
            &org.id.to_string(),
            Some(org.id.to_string()),
            details.to_string(),
        ))
        .await?;
    let refs: Vec<_> = lines.iter().map(|l| &l.reward).collect();
    let who = usernames(state, &refs).await?;
    Ok(Ledger { period: p, lines, who })
}

/// Totals per currency and state: (currency, state, count, sum in minor units), sorted.
pub(crate) fn totals(lines: &[LedgerLine]) -> Vec<(String, RewardState, i64, i64)> {
    let mut out: Vec<(String, RewardState, i64, i64)> = Vec::new();
    for l in lines {
        let r = &l.reward;
        match out.iter_mut().find(|t| t.0 == r.currency && t.1 == r.state) {
            Some(t) => {
                t.2 += 1;
                t.3 += r.amount;
            }
            None => out.push((r.currency.clone(), r.state, 1, r.amount)),
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    out
}

/// Committed (approved or paid) amounts per month `YYYY-MM` for one currency, in order.
pub(crate) fn monthly(lines: &[LedgerLine], currency: &str) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = Vec::new();
    for l in lines.iter().filter(|l| l.reward.currency == currency && l.reward.state.is_committed()) {
        let month = l.reward.decided_at.to_rfc3339()[..7].to_owned();
        match out.iter_mut().find(|m| m.0 == month) {
            Some(m) => m.1 += l.reward.amount,
            None => out.push((month, l.reward.amount)),
        }
    }
    out.sort();
    out
}

/// One CSV cell: quoted when needed, and with a leading apostrophe when a spreadsheet would read
/// it as a formula.
pub(crate) fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_owned() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

/// The ledger as CSV: one row per share, so a payment run can pay each reporter. Cells that a
/// spreadsheet would read as a formula are quoted with a leading apostrophe.
pub(crate) fn ledger_csv(lines: &[LedgerLine], who: &std::collections::HashMap<String, String>) -> String {
    let cell = csv_cell;
    let name = |id: &str| who.get(id).cloned().unwrap_or_else(|| id.to_owned());
    let mut out = String::from(
        "reward_id,decided_at,program,report,report_title,grade,state,currency,reward_amount,share_report,credit_name,\
         weight,share_amount,decided_by,approved_by,paid_at,payment_reference\r\n",
    );
    for l in lines {
        let r = &l.reward;
        for s in &r.shares {
            let row = [
                r.id.clone(),
                r.decided_at.to_rfc3339(),
                l.program_name.clone(),
                r.report.to_string(),
                l.report_title.clone(),
                r.grade.clone(),
                r.state.as_str().to_owned(),
                r.currency.clone(),
                Amount(r.amount).to_string().replace(',', ""),
                s.report.to_string(),
                s.credit_name.clone(),
                s.weight.to_string(),
                Amount(s.amount).to_string().replace(',', ""),
                name(&r.decided_by),
                r.approved_by.as_deref().map(name).unwrap_or_default(),
                r.paid_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
                r.payment_reference.clone(),
            ];
            out.push_str(&row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(","));
            out.push_str("\r\n");
        }
    }
    out
}

/// What a reporter sees of the rewards for one of their reports: their own share only.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct ReporterReward {
    pub(crate) state: String,
    pub(crate) currency: String,
    pub(crate) amount: String,
    pub(crate) paid_at: Option<String>,
}

/// The reporter's view of the rewards on `report` (cancelled ones left out).
pub(crate) async fn for_reporter(state: &AppState, report: ReportId) -> Result<Vec<ReporterReward>, AppError> {
    Ok(state
        .store
        .rewards_for_report(report)
        .await?
        .into_iter()
        .filter(|r| r.state != RewardState::Cancelled)
        .filter_map(|r| {
            let share = r.shares.iter().find(|s| s.report == report)?;
            Some(ReporterReward {
                state: r.state.as_str().to_owned(),
                currency: r.currency.clone(),
                amount: Amount(share.amount).to_string(),
                paid_at: r.paid_at.map(|t| t.to_rfc3339()[..10].to_owned()),
            })
        })
        .collect())
}

/// Whether the report earns an acknowledgement letter: it is valid (see [`valid_case_grade`]).
pub(crate) async fn is_valid_report(state: &AppState, r: &Report) -> Result<bool, AppError> {
    Ok(valid_case_grade(state, r).await?.is_some())
}

/// A ledger asked for from the command line.
#[derive(Debug, Clone)]
pub struct LedgerRequest {
    /// The organisation's short name.
    pub org: String,
    /// Only this program.
    pub program: Option<String>,
    /// First day, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Last day included, `YYYY-MM-DD`.
    pub to: Option<String>,
}

/// The ledger for the command line (an operator with the database's keys): the CSV of the pages,
/// or a table of totals. The read is audited as the system's. Errors name the bad argument.
pub async fn ledger_for_cli(
    store: &vulndesk_store::Store,
    clock: std::sync::Arc<dyn vulndesk_core::Clock>,
    q: &LedgerRequest,
    csv: bool,
) -> Result<String, String> {
    let now = clock.now();
    let state = AppState::new(store.clone(), clock, crate::WebConfig::default());
    let tr = crate::i18n::Tr::new(vulndesk_core::Locale::En);
    let explain = |e: AppError| match e {
        AppError::Validation(fields) => fields.iter().map(|f| f.render(&tr)).collect::<Vec<_>>().join("; "),
        other => other.message(&tr),
    };
    let org =
        store.org_by_slug(&q.org).await.map_err(|e| e.to_string())?.ok_or(format!("no organisation {:?}", q.org))?;
    let lq = LedgerQuery { program: q.program.clone(), from: q.from.clone(), to: q.to.clone() };
    let p = period(&state, &org, &lq).await.map_err(explain)?;
    let lines =
        store.reward_ledger(org.id, p.program.as_ref().map(|p| p.id), p.from, p.to).await.map_err(|e| e.to_string())?;
    let details = serde_json::json!({"from": p.from_day, "to": p.to_day, "rows": lines.len(), "via": "cli"});
    store
        .record_audit(&vulndesk_core::AuditContext::system(now).event(
            "reward.ledger_view",
            "organisation",
            &org.id.to_string(),
            Some(org.id.to_string()),
            details.to_string(),
        ))
        .await
        .map_err(|e| e.to_string())?;
    let refs: Vec<_> = lines.iter().map(|l| &l.reward).collect();
    let who = usernames(&state, &refs).await.map_err(explain)?;
    if csv {
        return Ok(ledger_csv(&lines, &who));
    }
    let mut out = format!("{} rewards {} to {}\n", org.slug, p.from_day, p.to_day);
    out.push_str(&format!("{:<8} {:<10} {:>6} {:>16}\n", "currency", "state", "count", "sum"));
    for (currency, st, count, sum) in totals(&lines) {
        out.push_str(&format!("{currency:<8} {:<10} {count:>6} {:>16}\n", st.as_str(), Amount(sum).to_string()));
    }
    Ok(out)
}
