//! The lifecycle, pair by pair, and the snapshot of the whole table.

use super::*;

fn all_facts() -> CaseFacts {
    CaseFacts {
        verified: true,
        severity_assessed: true,
        scope_of_impact: true,
        upstream: true,
        upstream_notice_delivered: true,
        users_must_act: true,
        customer_notices_delivered: true,
        fix_or_mitigation: true,
        publication_approved: true,
        reason_given: true,
    }
}

const NOW: Timestamp = Timestamp::from_micros(1_795_000_000_000_000);

#[test]
fn every_state_and_event_pair_is_decided() {
    use CaseEvent as E;
    use CaseState as S;
    // Every pair with everything in place: where it leads, or that it is not possible.
    let allowed: &[(S, E, S)] = &[
        (S::Received, E::StartTriage, S::Triage),
        (S::Received, E::Confirm, S::Confirmed),
        (S::Received, E::Reject, S::Rejected),
        (S::Received, E::MarkDuplicate, S::Duplicate),
        (S::Received, E::MarkNotApplicable, S::NotApplicable),
        (S::Triage, E::Confirm, S::Confirmed),
        (S::Triage, E::Reject, S::Rejected),
        (S::Triage, E::MarkDuplicate, S::Duplicate),
        (S::Triage, E::MarkNotApplicable, S::NotApplicable),
        (S::Confirmed, E::StartRemediation, S::Remediation),
        (S::Confirmed, E::MarkFixed, S::Fixed),
        (S::Confirmed, E::MarkDuplicate, S::Duplicate),
        (S::Confirmed, E::MarkNotApplicable, S::NotApplicable),
        (S::Remediation, E::MarkFixed, S::Fixed),
        (S::Remediation, E::MarkNotApplicable, S::NotApplicable),
        (S::Fixed, E::Disclose, S::Disclosed),
        (S::Fixed, E::Close, S::Closed),
        (S::Disclosed, E::Close, S::Closed),
        (S::Rejected, E::Reopen, S::Triage),
        (S::Duplicate, E::Reopen, S::Triage),
        (S::NotApplicable, E::Reopen, S::Triage),
    ];
    let mut checked = 0;
    for s in S::ALL {
        for e in E::ALL {
            let want = allowed.iter().find(|(a, b, _)| a == s && b == e).map(|(_, _, to)| *to);
            let got = transition(*s, *e, &all_facts(), NOW);
            match want {
                Some(to) => assert_eq!(got, Ok(Transition { from: *s, to, event: *e, at: NOW }), "{s} {e}"),
                None => assert_eq!(got, Err(Refusal::NotFromHere { from: *s, event: *e }), "{s} {e}"),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, S::ALL.len() * E::ALL.len());
    // Nothing leaves closed.
    assert!(E::ALL.iter().all(|e| target(S::Closed, *e).is_none()));
}

#[test]
fn confirmation_needs_verification_severity_and_scope_and_says_which_is_missing() {
    let facts = CaseFacts { verified: true, severity_assessed: true, ..CaseFacts::default() };
    assert_eq!(
        transition(CaseState::Triage, CaseEvent::Confirm, &facts, NOW),
        Err(Refusal::Missing { event: CaseEvent::Confirm, missing: vec![Requirement::ScopeOfImpact] })
    );
    let none = transition(CaseState::Triage, CaseEvent::Confirm, &CaseFacts::default(), NOW);
    assert_eq!(
        none,
        Err(Refusal::Missing {
            event: CaseEvent::Confirm,
            missing: vec![Requirement::Verification, Requirement::Severity, Requirement::ScopeOfImpact]
        })
    );
    assert_eq!(
        none.map(|_| ()).expect_err("refused").to_string(),
        "confirm needs: verification, severity, scope_of_impact"
    );
}

#[test]
fn closing_needs_the_notices_that_are_due() {
    let base = CaseFacts { fix_or_mitigation: true, ..CaseFacts::default() };
    assert!(transition(CaseState::Fixed, CaseEvent::Close, &base, NOW).is_ok(), "nothing due, nothing needed");
    let upstream = CaseFacts { upstream: true, ..base.clone() };
    assert_eq!(
        transition(CaseState::Fixed, CaseEvent::Close, &upstream, NOW),
        Err(Refusal::Missing { event: CaseEvent::Close, missing: vec![Requirement::UpstreamNotice] })
    );
    let users = CaseFacts { users_must_act: true, upstream: true, upstream_notice_delivered: true, ..base.clone() };
    assert_eq!(
        transition(CaseState::Disclosed, CaseEvent::Close, &users, NOW),
        Err(Refusal::Missing { event: CaseEvent::Close, missing: vec![Requirement::CustomerNotices] })
    );
    let done = CaseFacts { customer_notices_delivered: true, ..users };
    assert!(transition(CaseState::Disclosed, CaseEvent::Close, &done, NOW).is_ok());
}

#[test]
fn disclosure_needs_a_fix_and_the_gate_and_setting_aside_needs_a_reason() {
    let r = transition(CaseState::Fixed, CaseEvent::Disclose, &CaseFacts::default(), NOW);
    assert_eq!(
        r,
        Err(Refusal::Missing {
            event: CaseEvent::Disclose,
            missing: vec![Requirement::FixOrMitigation, Requirement::PublicationGate]
        })
    );
    for e in [CaseEvent::Reject, CaseEvent::MarkDuplicate, CaseEvent::MarkNotApplicable] {
        assert_eq!(
            transition(CaseState::Triage, e, &CaseFacts::default(), NOW),
            Err(Refusal::Missing { event: e, missing: vec![Requirement::Reason] })
        );
    }
}

#[test]
fn names_round_trip() {
    for s in CaseState::ALL {
        assert_eq!(CaseState::parse(s.as_str()), Some(*s));
    }
    for e in CaseEvent::ALL {
        assert_eq!(CaseEvent::parse(e.as_str()), Some(*e));
    }
    assert!(CaseState::Rejected.is_final() && !CaseState::Fixed.is_final());
}
