//! Rewards for reporters (Art. 7 ¶3; R12): a program's reward table, the rules a reward decision
//! must follow, four-eyes approval, the payment states and the split between co-reporters.
//!
//! Money only flows from a program's owner to the people who reported to it (Art. 4): a reward
//! belongs to a report, its shares go to reports of the same case, and nothing here prices, lists
//! or sells vulnerability information. Amounts are whole minor units (fen, cents) in `i64`.

use std::fmt;

crate::named_enum!(
    /// Where a reward stands. `pending → approved → paid`, or `approved → failed → approved`
    /// (a payment retried); `pending` or `approved` may be cancelled.
    RewardState {
        /// Decided, waiting for approval.
        Pending = "pending",
        /// Approved (by a second person where the amount needs it), waiting for payment.
        Approved = "approved",
        /// Paid, with the payment's reference.
        Paid = "paid",
        /// The payment failed; it can be approved for payment again.
        Failed = "failed",
        /// Withdrawn before payment.
        Cancelled = "cancelled",
    }
);

impl RewardState {
    /// Whether a reward may move from `self` to `to`.
    pub fn may_become(self, to: Self) -> bool {
        use RewardState::*;
        matches!(
            (self, to),
            (Pending, Approved)
                | (Pending, Cancelled)
                | (Approved, Paid)
                | (Approved, Failed)
                | (Approved, Cancelled)
                | (Failed, Approved)
                | (Failed, Cancelled)
        )
    }

    /// Whether the money is committed (approved or paid) for ledger totals.
    pub fn is_committed(self) -> bool {
        matches!(self, Self::Approved | Self::Paid)
    }
}

/// The grades a reward table prices, from the case assessment's grade names.
pub const GRADES: [&str; 4] = ["critical", "high", "medium", "low"];

/// The amount range for one grade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tier {
    /// `critical`, `high`, `medium` or `low`.
    pub grade: String,
    /// The least a valid report of this grade earns.
    pub min: i64,
    /// The most it earns before bonuses.
    pub max: i64,
}

/// A named bonus a decider may add, up to `max`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bonus {
    /// What it rewards (an exceptional report, a working patch suggestion…).
    pub name: String,
    /// The most it adds.
    pub max: i64,
}

/// A program's reward table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewardTable {
    /// ISO 4217 code, such as `CNY`.
    pub currency: String,
    /// Rewards above this amount need a second person's approval.
    pub four_eyes_above: i64,
    /// One range per grade that earns a reward.
    pub tiers: Vec<Tier>,
    /// Bonuses that may be added.
    pub bonuses: Vec<Bonus>,
}

/// Why a reward table, decision or step is refused. Each names the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RewardRefusal {
    /// The currency is not three capital letters.
    #[error("currency: {0:?} is not an ISO 4217 code such as CNY")]
    Currency(String),
    /// A tier names an unknown grade or repeats one.
    #[error("tiers: grade {0:?} is unknown or listed twice (use critical, high, medium, low)")]
    Grade(String),
    /// A range is negative or upside down.
    #[error("tiers: {grade}: the range {min}–{max} must satisfy 0 ≤ min ≤ max")]
    Range {
        /// The grade.
        grade: String,
        /// The minimum given.
        min: i64,
        /// The maximum given.
        max: i64,
    },
    /// A bonus has no name, a negative maximum, or a repeated name.
    #[error("bonuses: {0:?} needs a unique name and a maximum ≥ 0")]
    BonusRule(String),
    /// The four-eyes threshold is negative.
    #[error("four_eyes_above: must be 0 or more")]
    Threshold,
    /// The grade earns no reward in this program.
    #[error("grade: this program's reward table has no range for {0:?}")]
    NoTier(String),
    /// The base amount is outside the grade's range.
    #[error("amount: {amount} is outside the {grade} range {min}–{max}")]
    OutOfRange {
        /// The grade.
        grade: String,
        /// The amount asked for.
        amount: i64,
        /// The range's minimum.
        min: i64,
        /// The range's maximum.
        max: i64,
    },
    /// The bonus is not in the table, or is above its maximum.
    #[error("bonus: {0}")]
    Bonus(String),
    /// No reason was given.
    #[error("reason: say why this reward (what made the report valuable)")]
    NoReason,
    /// The same person decided and would approve an amount that needs two people.
    #[error("approval: rewards above {0} need a second person; the decider cannot approve their own")]
    FourEyes(i64),
    /// The state does not allow this step.
    #[error("state: a {from} reward cannot become {to}")]
    Step {
        /// The current state.
        from: RewardState,
        /// The state asked for.
        to: RewardState,
    },
    /// A payment needs its reference (bank or payment-system transaction id).
    #[error("payment_reference: a paid reward needs the payment's reference")]
    NoReference,
    /// A split needs at least one share, and every weight above zero.
    #[error("shares: every share needs a weight of 1 or more")]
    Weights,
}

impl RewardTable {
    /// Checks the table as a whole; the first fault found is returned.
    pub fn check(&self) -> Result<(), RewardRefusal> {
        if self.currency.len() != 3 || !self.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(RewardRefusal::Currency(self.currency.clone()));
        }
        if self.four_eyes_above < 0 {
            return Err(RewardRefusal::Threshold);
        }
        let mut seen = Vec::new();
        for t in &self.tiers {
            if !GRADES.contains(&t.grade.as_str()) || seen.contains(&t.grade.as_str()) {
                return Err(RewardRefusal::Grade(t.grade.clone()));
            }
            seen.push(t.grade.as_str());
            if t.min < 0 || t.min > t.max {
                return Err(RewardRefusal::Range { grade: t.grade.clone(), min: t.min, max: t.max });
            }
        }
        let mut names = Vec::new();
        for b in &self.bonuses {
            let name = b.name.trim();
            if name.is_empty() || b.max < 0 || names.contains(&name) {
                return Err(RewardRefusal::BonusRule(b.name.clone()));
            }
            names.push(name);
        }
        Ok(())
    }

    /// The range for `grade`, if the table prices it.
    pub fn tier(&self, grade: &str) -> Option<&Tier> {
        self.tiers.iter().find(|t| t.grade == grade)
    }

    /// Whether a reward of `amount` needs a second person to approve it.
    pub fn needs_second_approver(&self, amount: i64) -> bool {
        amount > self.four_eyes_above
    }

    /// Checks a decision against the table and answers the total (base plus bonus).
    pub fn check_decision(
        &self,
        grade: &str,
        base: i64,
        bonus: Option<(&str, i64)>,
        reason: &str,
    ) -> Result<i64, RewardRefusal> {
        let tier = self.tier(grade).ok_or_else(|| RewardRefusal::NoTier(grade.to_owned()))?;
        if base < tier.min || base > tier.max {
            return Err(RewardRefusal::OutOfRange {
                grade: grade.to_owned(),
                amount: base,
                min: tier.min,
                max: tier.max,
            });
        }
        let mut total = base;
        if let Some((name, amount)) = bonus.filter(|(_, a)| *a != 0) {
            let rule = self
                .bonuses
                .iter()
                .find(|b| b.name == name)
                .ok_or_else(|| RewardRefusal::Bonus(format!("{name:?} is not one of this program's bonuses")))?;
            if amount < 0 || amount > rule.max {
                return Err(RewardRefusal::Bonus(format!("{name:?} is at most {}", rule.max)));
            }
            total = total.saturating_add(amount);
        }
        if reason.trim().is_empty() {
            return Err(RewardRefusal::NoReason);
        }
        Ok(total)
    }
}

/// Checks that `approver` may approve a pending reward decided by `decider`.
pub fn check_approval(
    state: RewardState,
    needs_second_approver: bool,
    four_eyes_above: i64,
    decider: &str,
    approver: &str,
) -> Result<(), RewardRefusal> {
    if !state.may_become(RewardState::Approved) {
        return Err(RewardRefusal::Step { from: state, to: RewardState::Approved });
    }
    if state == RewardState::Pending && needs_second_approver && decider == approver {
        return Err(RewardRefusal::FourEyes(four_eyes_above));
    }
    Ok(())
}

/// Splits `amount` between shares by weight, so that the parts add up to `amount` exactly:
/// each gets the floor of its exact part, and the units left over go to the largest
/// remainders (ties to the earlier share). The caller checks the weights with [`check_weights`].
pub fn split(amount: i64, weights: &[u64]) -> Vec<i64> {
    let total: u128 = weights.iter().map(|w| u128::from(*w)).sum();
    if total == 0 || amount <= 0 {
        return weights.iter().map(|_| 0).collect();
    }
    let amount_u = u128::try_from(amount).unwrap_or(0);
    let mut parts: Vec<(usize, u128, u128)> = weights
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let exact = amount_u * u128::from(*w);
            (i, exact / total, exact % total)
        })
        .collect();
    let given: u128 = parts.iter().map(|p| p.1).sum();
    let mut left = amount_u - given;
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|a, b| parts[*b].2.cmp(&parts[*a].2).then(a.cmp(b)));
    for i in order {
        if left == 0 {
            break;
        }
        parts[i].1 += 1;
        left -= 1;
    }
    parts.into_iter().map(|p| i64::try_from(p.1).unwrap_or(i64::MAX)).collect()
}

/// Checks a split's weights: at least one, all at least 1.
pub fn check_weights(weights: &[u64]) -> Result<(), RewardRefusal> {
    if weights.is_empty() || weights.contains(&0) {
        return Err(RewardRefusal::Weights);
    }
    Ok(())
}

/// An amount in minor units, shown with two decimals (`8000.00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amount(pub i64);

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let v = self.0.unsigned_abs();
        let whole = (v / 100).to_string();
        let mut grouped = String::new();
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        write!(f, "{sign}{grouped}.{:02}", v % 100)
    }
}

/// Reads an amount written in major units (`8000`, `8,000.50`, `0.5`) as minor units.
/// Refuses negatives, more than two decimals and anything above 10^13 major units.
pub fn parse_amount(s: &str) -> Option<i64> {
    let s: String = s.trim().chars().filter(|c| *c != ',' && *c != '_').collect();
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s.as_str(), ""),
    };
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 2 {
        return None;
    }
    if whole.len() > 13 {
        return None;
    }
    let w: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let f: i64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<i64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    w.checked_mul(100)?.checked_add(f)
}

/// A reporter's record across their reports (their reputation): how many were valid (became or
/// joined a case that was not rejected), duplicates, and invalid (spam, invalid, or a rejected case).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reputation {
    /// Reports that became, or added to, a real case.
    pub valid: u32,
    /// Reports of something already known.
    pub duplicate: u32,
    /// Reports that were not vulnerabilities.
    pub invalid: u32,
    /// Reports still in triage.
    pub open: u32,
}

impl Reputation {
    /// The share of decided reports that were valid, in whole percent (`None` before any decision).
    pub fn valid_percent(&self) -> Option<u32> {
        let decided = self.valid + self.duplicate + self.invalid;
        (decided > 0).then(|| (self.valid * 100 + decided / 2) / decided)
    }

    /// Counts one report, by its triage status and the state of its case (if any).
    pub fn count(&mut self, status: crate::intake::ReportStatus, case_state: Option<crate::case::CaseState>) {
        use crate::case::CaseState;
        use crate::intake::ReportStatus;
        match (status, case_state) {
            (ReportStatus::Spam | ReportStatus::Invalid, _) => self.invalid += 1,
            (_, Some(CaseState::Duplicate)) => self.duplicate += 1,
            (_, Some(CaseState::Rejected | CaseState::NotApplicable)) => self.invalid += 1,
            (ReportStatus::Promoted, _) => self.valid += 1,
            _ => self.open += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn table() -> RewardTable {
        RewardTable {
            currency: "CNY".into(),
            four_eyes_above: 500_000,
            tiers: vec![
                Tier { grade: "critical".into(), min: 1_000_000, max: 3_000_000 },
                Tier { grade: "high".into(), min: 400_000, max: 1_000_000 },
            ],
            bonuses: vec![Bonus { name: "patch".into(), max: 100_000 }],
        }
    }

    #[test]
    fn a_table_names_what_is_wrong() {
        assert_eq!(table().check(), Ok(()));
        let mut t = table();
        t.currency = "yuan".into();
        assert_eq!(t.check(), Err(RewardRefusal::Currency("yuan".into())));
        let mut t = table();
        t.tiers[1].grade = "critical".into();
        assert_eq!(t.check(), Err(RewardRefusal::Grade("critical".into())));
        let mut t = table();
        t.tiers[0].min = 5_000_000;
        assert!(matches!(t.check(), Err(RewardRefusal::Range { .. })));
        let mut t = table();
        t.bonuses.push(Bonus { name: "patch".into(), max: 1 });
        assert_eq!(t.check(), Err(RewardRefusal::BonusRule("patch".into())));
        let mut t = table();
        t.four_eyes_above = -1;
        assert_eq!(t.check(), Err(RewardRefusal::Threshold));
    }

    #[test]
    fn decisions_stay_inside_the_table() {
        let t = table();
        assert_eq!(t.check_decision("high", 800_000, None, "clear PoC"), Ok(800_000));
        assert_eq!(t.check_decision("high", 800_000, Some(("patch", 50_000)), "PoC and patch"), Ok(850_000));
        assert!(matches!(t.check_decision("high", 1_500_000, None, "x"), Err(RewardRefusal::OutOfRange { .. })));
        assert_eq!(t.check_decision("low", 100, None, "x"), Err(RewardRefusal::NoTier("low".into())));
        assert!(matches!(
            t.check_decision("high", 800_000, Some(("patch", 200_000)), "x"),
            Err(RewardRefusal::Bonus(_))
        ));
        assert!(matches!(t.check_decision("high", 800_000, Some(("speed", 1)), "x"), Err(RewardRefusal::Bonus(_))));
        assert_eq!(t.check_decision("high", 800_000, None, "  "), Err(RewardRefusal::NoReason));
    }

    #[test]
    fn four_eyes_above_the_threshold_only() {
        let t = table();
        assert!(t.needs_second_approver(800_000));
        assert!(!t.needs_second_approver(500_000));
        assert_eq!(
            check_approval(RewardState::Pending, true, 500_000, "li", "li"),
            Err(RewardRefusal::FourEyes(500_000))
        );
        assert_eq!(check_approval(RewardState::Pending, true, 500_000, "li", "wang"), Ok(()));
        assert_eq!(check_approval(RewardState::Pending, false, 500_000, "li", "li"), Ok(()));
        // A failed payment is approved again by anyone allowed: the amount was already approved.
        assert_eq!(check_approval(RewardState::Failed, true, 500_000, "li", "li"), Ok(()));
        assert!(matches!(
            check_approval(RewardState::Paid, false, 0, "li", "wang"),
            Err(RewardRefusal::Step { from: RewardState::Paid, to: RewardState::Approved })
        ));
    }

    #[test]
    fn states_move_only_forward() {
        use RewardState::*;
        assert!(Pending.may_become(Approved));
        assert!(Approved.may_become(Paid));
        assert!(!Pending.may_become(Paid), "nothing is paid unapproved");
        assert!(!Paid.may_become(Cancelled), "a payment is never undone here");
        assert!(!Cancelled.may_become(Approved));
        assert!(Failed.may_become(Approved));
    }

    #[test]
    fn splits_add_up_and_follow_weights() {
        assert_eq!(split(800_000, &[1]), vec![800_000]);
        assert_eq!(split(800_000, &[3, 1]), vec![600_000, 200_000]);
        assert_eq!(split(100, &[1, 1, 1]), vec![34, 33, 33]);
        assert_eq!(split(0, &[1, 2]), vec![0, 0]);
        assert_eq!(check_weights(&[]), Err(RewardRefusal::Weights));
        assert_eq!(check_weights(&[2, 0]), Err(RewardRefusal::Weights));
    }

    #[test]
    fn amounts_read_and_print() {
        assert_eq!(parse_amount("8000"), Some(800_000));
        assert_eq!(parse_amount("8,000.5"), Some(800_050));
        assert_eq!(parse_amount(".05"), Some(5));
        assert_eq!(parse_amount("-1"), None);
        assert_eq!(parse_amount("1.234"), None);
        assert_eq!(parse_amount(""), None);
        assert_eq!(parse_amount("1e5"), None);
        assert_eq!(Amount(800_000).to_string(), "8,000.00");
        assert_eq!(Amount(5).to_string(), "0.05");
        assert_eq!(Amount(123_456_789).to_string(), "1,234,567.89");
    }

    #[test]
    fn reputation_counts_each_outcome() {
        use crate::case::CaseState;
        use crate::intake::ReportStatus;
        let mut r = Reputation::default();
        r.count(ReportStatus::Promoted, Some(CaseState::Fixed));
        r.count(ReportStatus::Promoted, Some(CaseState::Duplicate));
        r.count(ReportStatus::Invalid, None);
        r.count(ReportStatus::Promoted, Some(CaseState::Rejected));
        r.count(ReportStatus::New, None);
        assert_eq!(r, Reputation { valid: 1, duplicate: 1, invalid: 2, open: 1 });
        assert_eq!(r.valid_percent(), Some(25));
        assert_eq!(Reputation::default().valid_percent(), None);
    }

    proptest! {
        #[test]
        fn every_split_adds_up_exactly(amount in 0i64..10_000_000_000, weights in proptest::collection::vec(1u64..1000, 1..8)) {
            let parts = split(amount, &weights);
            prop_assert_eq!(parts.iter().sum::<i64>(), amount);
            prop_assert!(parts.iter().all(|p| *p >= 0));
            // No share is off its exact part by a whole unit or more.
            let total: u64 = weights.iter().sum();
            for (p, w) in parts.iter().zip(&weights) {
                let exact = amount as f64 * *w as f64 / total as f64;
                prop_assert!((*p as f64 - exact).abs() < 1.0 + 1e-6);
            }
        }

        #[test]
        fn amounts_round_trip(v in 0i64..100_000_000_000) {
            let shown = Amount(v).to_string();
            prop_assert_eq!(parse_amount(&shown), Some(v));
        }

        #[test]
        fn amount_parsing_never_panics(s in "\\PC{0,24}") {
            let _ = parse_amount(&s);
        }
    }
}
