//! The case lifecycle (design §3): the states a vulnerability under management goes through, the
//! events that move it, and the guards the regulation puts on them. [`transition`] is the one place
//! that decides; it takes the time as an argument and says exactly what is missing when it refuses.
//!
//! ```text
//! received ─▶ triage ─▶ confirmed ─▶ remediation ─▶ fixed ─▶ disclosed ─▶ closed
//!                 │  (rejected / duplicate / not-applicable, each with a reason; reopen goes back to triage)
//! ```

use crate::Timestamp;

crate::named_enum!(
    /// Where a case stands.
    CaseState {
        /// Opened, not yet looked at.
        Received = "received",
        /// Being verified and assessed.
        Triage = "triage",
        /// Reproduced, with severity and scope of impact assessed (R5).
        Confirmed = "confirmed",
        /// A fix is being made.
        Remediation = "remediation",
        /// A fix or mitigation exists.
        Fixed = "fixed",
        /// The advisory is published (through the publication gate).
        Disclosed = "disclosed",
        /// Nothing more to do.
        Closed = "closed",
        /// Not a vulnerability.
        Rejected = "rejected",
        /// Another case covers it.
        Duplicate = "duplicate",
        /// Real, but not in anything this organisation makes or runs.
        NotApplicable = "not_applicable",
    }
);

crate::named_enum!(
    /// What someone does to a case.
    CaseEvent {
        /// Start verifying.
        StartTriage = "start_triage",
        /// Record that it is confirmed (needs verification, severity, scope).
        Confirm = "confirm",
        /// Start making a fix.
        StartRemediation = "start_remediation",
        /// A fix or mitigation is available.
        MarkFixed = "mark_fixed",
        /// Publish (needs the publication gate's approval).
        Disclose = "disclose",
        /// Finish (needs the upstream and customer notices where they are due).
        Close = "close",
        /// Not a vulnerability (needs a reason).
        Reject = "reject",
        /// Covered by another case (needs the other case).
        MarkDuplicate = "mark_duplicate",
        /// Not applicable to this organisation (needs a reason).
        MarkNotApplicable = "mark_not_applicable",
        /// Take a rejected, duplicate or not-applicable case back into triage (needs a reason).
        Reopen = "reopen",
    }
);

impl CaseState {
    /// Whether the case is finished (closed, or set aside with a reason).
    pub fn is_final(self) -> bool {
        matches!(self, Self::Closed | Self::Rejected | Self::Duplicate | Self::NotApplicable)
    }

    /// Whether the case's information is public: its advisory went out (disclosed), or it was
    /// closed after that. Until then Art. 9(7) holds for anything shared.
    pub fn is_disclosed(self) -> bool {
        matches!(self, Self::Disclosed | Self::Closed)
    }
}

/// The facts the guards look at, gathered by the caller from the case record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFacts {
    /// A verification record exists: who reproduced it, when, where, how, with what result (R5).
    pub verified: bool,
    /// Severity (危害程度) is assessed: a CVSS score or a GB/T 30279 grade (R5).
    pub severity_assessed: bool,
    /// Scope of impact (影响范围) is filled in (R5).
    pub scope_of_impact: bool,
    /// The root cause lies in an upstream supplier's product or component (R6).
    pub upstream: bool,
    /// The supplier notice has been delivered (R6).
    pub upstream_notice_delivered: bool,
    /// Users or downstream vendors must act (upgrade software or firmware) (R10).
    pub users_must_act: bool,
    /// Every affected customer's notice has been delivered (R10).
    pub customer_notices_delivered: bool,
    /// A fix or mitigation is recorded (R11).
    pub fix_or_mitigation: bool,
    /// The publication gate approved the advisory (R15–R22).
    pub publication_approved: bool,
    /// The event carries a reason (or, for duplicates, the other case).
    pub reason_given: bool,
}

/// Something a guard needs that the case does not have yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Requirement {
    /// A verification record (R5).
    Verification,
    /// A severity assessment (R5).
    Severity,
    /// The scope of impact (R5).
    ScopeOfImpact,
    /// A delivered supplier notice (R6).
    UpstreamNotice,
    /// Delivered customer notices (R10).
    CustomerNotices,
    /// A recorded fix or mitigation (R11).
    FixOrMitigation,
    /// The publication gate's approval (R15–R22).
    PublicationGate,
    /// A reason (or the case it duplicates).
    Reason,
}

impl Requirement {
    /// The stable name, also the translation key's suffix (`requirement-{name}`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Verification => "verification",
            Self::Severity => "severity",
            Self::ScopeOfImpact => "scope_of_impact",
            Self::UpstreamNotice => "upstream_notice",
            Self::CustomerNotices => "customer_notices",
            Self::FixOrMitigation => "fix_or_mitigation",
            Self::PublicationGate => "publication_gate",
            Self::Reason => "reason",
        }
    }
}

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The event does not apply in this state at all.
    #[error("{event} is not possible from {from}")]
    NotFromHere {
        /// The current state.
        from: CaseState,
        /// The event asked for.
        event: CaseEvent,
    },
    /// The event applies, but these requirements are not met yet (all of them listed).
    #[error("{event} needs: {}", list(.missing))]
    Missing {
        /// The event asked for.
        event: CaseEvent,
        /// What is missing, in a stable order.
        missing: Vec<Requirement>,
    },
}

fn list(r: &[Requirement]) -> String {
    r.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
}

/// A transition that happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// The state before.
    pub from: CaseState,
    /// The state after.
    pub to: CaseState,
    /// The event.
    pub event: CaseEvent,
    /// When.
    pub at: Timestamp,
}

/// Where `event` leads from `from`, if it applies there at all.
pub fn target(from: CaseState, event: CaseEvent) -> Option<CaseState> {
    use CaseEvent as E;
    use CaseState as S;
    Some(match (from, event) {
        (S::Received, E::StartTriage) => S::Triage,
        (S::Received | S::Triage, E::Confirm) => S::Confirmed,
        (S::Confirmed, E::StartRemediation) => S::Remediation,
        (S::Confirmed | S::Remediation, E::MarkFixed) => S::Fixed,
        (S::Fixed, E::Disclose) => S::Disclosed,
        (S::Fixed | S::Disclosed, E::Close) => S::Closed,
        (S::Received | S::Triage, E::Reject) => S::Rejected,
        (S::Received | S::Triage | S::Confirmed, E::MarkDuplicate) => S::Duplicate,
        (S::Received | S::Triage | S::Confirmed | S::Remediation, E::MarkNotApplicable) => S::NotApplicable,
        (S::Rejected | S::Duplicate | S::NotApplicable, E::Reopen) => S::Triage,
        _ => return None,
    })
}

/// What `event` requires, given the facts of the case.
pub fn requirements(event: CaseEvent, facts: &CaseFacts) -> Vec<Requirement> {
    use Requirement as R;
    let mut missing = Vec::new();
    let mut need = |ok: bool, r: Requirement| {
        if !ok {
            missing.push(r);
        }
    };
    match event {
        CaseEvent::Confirm => {
            need(facts.verified, R::Verification);
            need(facts.severity_assessed, R::Severity);
            need(facts.scope_of_impact, R::ScopeOfImpact);
        }
        CaseEvent::MarkFixed => need(facts.fix_or_mitigation, R::FixOrMitigation),
        CaseEvent::Disclose => {
            need(facts.fix_or_mitigation, R::FixOrMitigation);
            need(facts.publication_approved, R::PublicationGate);
        }
        CaseEvent::Close => {
            need(!facts.upstream || facts.upstream_notice_delivered, R::UpstreamNotice);
            need(!facts.users_must_act || facts.customer_notices_delivered, R::CustomerNotices);
        }
        CaseEvent::Reject | CaseEvent::MarkDuplicate | CaseEvent::MarkNotApplicable | CaseEvent::Reopen => {
            need(facts.reason_given, R::Reason);
        }
        CaseEvent::StartTriage | CaseEvent::StartRemediation => {}
    }
    missing
}

/// Decides a transition: where `event` leads from `from` at `now`, or why it may not happen.
pub fn transition(from: CaseState, event: CaseEvent, facts: &CaseFacts, now: Timestamp) -> Result<Transition, Refusal> {
    let to = target(from, event).ok_or(Refusal::NotFromHere { from, event })?;
    let missing = requirements(event, facts);
    if !missing.is_empty() {
        return Err(Refusal::Missing { event, missing });
    }
    Ok(Transition { from, to, event, at: now })
}

/// The whole transition table as text, one line per (state, event) pair: the snapshot that makes
/// every change to the lifecycle visible in review.
pub fn table() -> String {
    let mut out = String::new();
    for s in CaseState::ALL {
        for e in CaseEvent::ALL {
            let cell = match target(*s, *e) {
                None => "-".to_owned(),
                Some(to) => {
                    let needs = list(&requirements(
                        *e,
                        &CaseFacts { upstream: true, users_must_act: true, ..CaseFacts::default() },
                    ));
                    if needs.is_empty() { to.to_string() } else { format!("{to} (needs {needs})") }
                }
            };
            out.push_str(&format!("{:<15} {:<20} {cell}\n", s.as_str(), e.as_str()));
        }
    }
    out
}

/// A case as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// Its id.
    pub id: crate::CaseId,
    /// The organisation that manages it.
    pub org: crate::OrgId,
    /// Its number for people: `VD-2026-0042`.
    pub number: String,
    /// A one-line summary.
    pub title: String,
    /// Where it stands.
    pub state: CaseState,
    /// When the organisation discovered or learned of the flaw (R5; starts the 48 h clock).
    pub aware_at: Timestamp,
    /// Whether the root cause lies in an upstream supplier's product or component (R6).
    pub upstream: bool,
    /// The upstream supplier, when `upstream`.
    pub upstream_supplier: String,
    /// Whether users or downstream vendors must act to be safe (R10).
    pub users_must_act: bool,
    /// The CVSS vector, if scored.
    pub cvss_vector: String,
    /// The CVSS score computed from the vector (one decimal), if scored.
    pub cvss_score: String,
    /// The grade: `critical`, `high`, `medium`, `low`, or empty.
    pub grade: String,
    /// The CWE id, if assessed.
    pub cwe: String,
    /// Technical characteristics (漏洞技术特点), in Chinese.
    pub characteristics: String,
    /// Harm (危害), in Chinese.
    pub harm: String,
    /// Scope of impact (影响范围): products, models, versions affected.
    pub scope_of_impact: String,
    /// Technical characteristics, in English.
    pub characteristics_en: String,
    /// Harm, in English.
    pub harm_en: String,
    /// Scope of impact, in English.
    pub scope_of_impact_en: String,
    /// Why it was rejected, set aside or reopened.
    pub state_reason: String,
    /// The case this one duplicates.
    pub duplicate_of: Option<crate::CaseId>,
    /// Who opened it (account id or `system`).
    pub created_by: String,
    /// When it was opened.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

impl Case {
    /// The number a new case gets: `VD-{year}-{n:04}`.
    pub fn number_for(year: i32, n: i64) -> String {
        format!("VD-{year}-{n:04}")
    }
}

/// A verification record (R5): who reproduced it, when, where, how, with what result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// Its id.
    pub id: crate::VerificationId,
    /// Who reproduced (or failed to reproduce) it.
    pub verified_by: String,
    /// When.
    pub verified_at: Timestamp,
    /// Where: product, model, firmware, lab set-up.
    pub environment: String,
    /// How: the steps taken.
    pub method: String,
    /// What happened.
    pub result: String,
    /// Whether the flaw was reproduced.
    pub reproduced: bool,
}

#[cfg(test)]
mod tests;
