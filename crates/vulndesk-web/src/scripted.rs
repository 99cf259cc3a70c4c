//! Rewards and hand-offs driven from a script (the demo data), through the same checks as the
//! pages and the API, acting as named people.

use vulndesk_core::ReportId;

use crate::error::AppError;
use crate::publication::acting_as;
use crate::state::AppState;

/// One step a script takes, as a named person of an organisation.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Step {
    /// Sets a program's reward table: currency, four-eyes threshold, `(grade, min, max)` in major
    /// units, and bonuses `name = max` one per line.
    RewardTable {
        /// The program's short name.
        program: String,
        /// ISO 4217.
        currency: String,
        /// Above this, two people approve.
        four_eyes_above: String,
        /// Ranges per grade.
        tiers: Vec<(String, String, String)>,
        /// Bonus lines.
        bonuses: String,
    },
    /// Sets the vendor behind a collection platform's program.
    Vendor {
        /// The program's short name.
        program: String,
        /// The vendor's organisation here, or empty.
        vendor_org: String,
        /// The vendor's name (empty: the organisation's).
        vendor_name: String,
        /// E-mail for a vendor outside the deployment.
        contact_email: String,
        /// ISO 3166-1 alpha-2.
        jurisdiction: String,
    },
    /// Acknowledges a report in triage.
    Acknowledge(ReportId),
    /// Opens a case from a report (platform triage confirmed it).
    Promote(ReportId),
    /// Hands a report to its program's vendor.
    HandOff(ReportId),
    /// Shares a report with another recipient (subject to Art. 9(7)).
    ShareWith {
        /// The report.
        report: ReportId,
        /// The recipient's name.
        name: String,
        /// Its e-mail address.
        email: String,
        /// ISO 3166-1 alpha-2.
        jurisdiction: String,
    },
    /// Decides a reward on a report: grade, amount, reason, and the split (`report = weight`
    /// lines, empty for the report alone). Answers the reward's id.
    Reward {
        /// The report.
        report: ReportId,
        /// `critical` … `low`.
        grade: String,
        /// In major units.
        amount: String,
        /// Why.
        reason: String,
        /// The split.
        shares: String,
    },
    /// A step on a reward: `approve`, `pay` (note: the reference), `fail`, `cancel`.
    RewardStep {
        /// The reward's id.
        reward: String,
        /// The step.
        action: String,
        /// Its note.
        note: String,
    },
}

/// Runs `step` as `username` in the organisation `org`; answers an id where the step makes one.
/// Errors say what refused.
pub async fn run(state: &AppState, username: &str, org: &str, step: &Step) -> Result<String, String> {
    let go = async {
        let ctx = acting_as(state, username).await?;
        let org = state.store.org_by_slug(org).await?.ok_or(AppError::NotFound)?;
        let report = |id: ReportId| async move {
            state.store.report(id).await?.filter(|r| r.org == org.id).ok_or(AppError::NotFound)
        };
        let program = |slug: String| async move {
            state.store.program_by_slug(&slug).await?.filter(|p| p.org == org.id).ok_or(AppError::NotFound)
        };
        match step {
            Step::RewardTable { program: p, currency, four_eyes_above, tiers, bonuses } => {
                let mut f = crate::rewards::TableForm {
                    currency: currency.clone(),
                    four_eyes_above: four_eyes_above.clone(),
                    bonuses: bonuses.clone(),
                    ..Default::default()
                };
                for (grade, min, max) in tiers {
                    let (lo, hi) = match grade.as_str() {
                        "critical" => (&mut f.critical_min, &mut f.critical_max),
                        "high" => (&mut f.high_min, &mut f.high_max),
                        "medium" => (&mut f.medium_min, &mut f.medium_max),
                        _ => (&mut f.low_min, &mut f.low_max),
                    };
                    *lo = min.clone();
                    *hi = max.clone();
                }
                let p = program(p.clone()).await?;
                crate::rewards::set_table(state, &ctx, &org, &p, &f).await?;
                Ok(String::new())
            }
            Step::Vendor { program: p, vendor_org, vendor_name, contact_email, jurisdiction } => {
                let p = program(p.clone()).await?;
                let f = crate::handoffs::VendorForm {
                    vendor_org: vendor_org.clone(),
                    vendor_name: vendor_name.clone(),
                    contact_email: contact_email.clone(),
                    jurisdiction: jurisdiction.clone(),
                    response_hours: String::new(),
                };
                crate::handoffs::set_vendor(state, &ctx, &org, &p, &f).await?;
                Ok(String::new())
            }
            Step::Acknowledge(id) => {
                let r = report(*id).await?;
                let f = crate::pages::inbox::TriageForm {
                    _csrf: serde::de::IgnoredAny,
                    action: "acknowledge".into(),
                    message: String::new(),
                };
                crate::pages::inbox::apply_triage(state, &ctx, &org, &r, &f).await?;
                Ok(String::new())
            }
            Step::Promote(id) => {
                let r = report(*id).await?;
                Ok(crate::cases::promote(state, &ctx, &org, &r).await?.number)
            }
            Step::ShareWith { report: id, name, email, jurisdiction } => {
                let r = report(*id).await?;
                let f = crate::handoffs::HandoffForm {
                    recipient: "other".into(),
                    name: name.clone(),
                    email: email.clone(),
                    jurisdiction: jurisdiction.clone(),
                    is_provider: false,
                };
                Ok(crate::handoffs::hand_off(state, &ctx, &org, &r, &f).await?.id)
            }
            Step::HandOff(id) => {
                let r = report(*id).await?;
                let h =
                    crate::handoffs::hand_off(state, &ctx, &org, &r, &crate::handoffs::HandoffForm::default()).await?;
                Ok(h.id)
            }
            Step::Reward { report: id, grade, amount, reason, shares } => {
                let r = report(*id).await?;
                let f = crate::rewards::DecideForm {
                    grade: grade.clone(),
                    amount: amount.clone(),
                    reason: reason.clone(),
                    shares: shares.clone(),
                    ..Default::default()
                };
                Ok(crate::rewards::decide(state, &ctx, &org, &r, &f).await?.id)
            }
            Step::RewardStep { reward, action, note } => {
                crate::rewards::step(state, &ctx, &org, reward, action, note).await?;
                Ok(String::new())
            }
        }
    };
    go.await.map_err(|e: AppError| format!("{step:?}: {}", describe(&e)))
}

fn describe(e: &AppError) -> String {
    let tr = crate::i18n::Tr::new(vulndesk_core::Locale::En);
    match e {
        AppError::Validation(fields) => fields.iter().map(|f| f.render(&tr)).collect::<Vec<_>>().join("; "),
        other => other.message(&tr),
    }
}
