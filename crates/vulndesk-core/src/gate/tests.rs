//! The gate's rules, one test per rule: each blocks with its evidence, and the paths the law
//! allows pass only with every record present.

use super::*;

fn at() -> Timestamp {
    Timestamp::from_micros(1_764_000_000_000_000)
}

/// Facts under which publishing is allowed: every rule passes.
fn ready() -> GateFacts {
    GateFacts {
        undisclosed: true,
        public: true,
        fix_or_mitigation: true,
        assessed_severity: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H 9.8 超危".into(),
        published_severity: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H 9.8 超危".into(),
        wording_reviewed: true,
        ..GateFacts::default()
    }
}

fn verdict(d: &GateDecision, rule: Rule) -> Verdict {
    d.outcomes.iter().find(|o| o.rule == rule.as_str()).expect("every rule is evaluated").verdict.clone()
}

fn only_block(d: &GateDecision) -> Vec<String> {
    d.blocking().map(|o| o.rule.clone()).collect()
}

#[test]
fn every_rule_is_evaluated_every_time_and_ready_facts_pass() {
    let d = decide(GateAction::Publish, &ready(), at());
    assert_eq!(d.outcomes.len(), Rule::ALL.len());
    assert!(d.allowed(), "{:?}", d.outcomes);
    assert_eq!(verdict(&d, Rule::NoUndisclosedAbroad), Verdict::NotApplicable);
}

#[test]
fn rule_1_blocks_without_a_fix_and_the_early_release_path_needs_all_three_records() {
    let mut f = ready();
    f.fix_or_mitigation = false;
    f.products_without_remedy = vec!["Router X 1.0".into()];
    let d = decide(GateAction::Publish, &f, at());
    assert_eq!(only_block(&d), ["fix_before_publication", "fix_published_together"]);
    let o = d.blocking().next().expect("a rule blocks");
    assert_eq!(o.unblock, "record-fix-or-early-release");
    assert!(o.evidence.contains("joint assessment") && o.evidence.contains("their assessment outcome"));

    // Two of three records are not enough.
    f.early_release = EarlyRelease { joint_assessment: true, reported_to_authorities: true, authority_outcome: false };
    let d = decide(GateAction::Publish, &f, at());
    assert_eq!(verdict(&d, Rule::FixBeforePublication), Verdict::Block);
    assert!(d.blocking().next().expect("a rule blocks").evidence.ends_with("their assessment outcome"));

    f.early_release.authority_outcome = true;
    let d = decide(GateAction::Publish, &f, at());
    assert!(d.allowed(), "{:?}", d.outcomes);
    assert_eq!(verdict(&d, Rule::FixBeforePublication), Verdict::PassByRecord);
    assert_eq!(verdict(&d, Rule::FixPublishedTogether), Verdict::PassByRecord);
}

#[test]
fn rule_2_blocks_in_use_system_details_in_public_artefacts_only() {
    let mut f = ready();
    f.in_use_details = vec!["address 203.0.113.7 in the description".into()];
    let d = decide(GateAction::Publish, &f, at());
    assert_eq!(only_block(&d), ["no_in_use_system_details"]);
    assert!(d.outcomes[1].evidence.contains("203.0.113.7"));
    // An AMBER advisory given to named parties is not public: rule 2 does not apply.
    f.public = false;
    assert!(decide(GateAction::Publish, &f, at()).allowed());
}

#[test]
fn rule_3_needs_the_assessed_severity_and_a_reviewer() {
    let mut f = ready();
    f.published_severity = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N 6.5 中危".into();
    let d = decide(GateAction::Publish, &f, at());
    assert_eq!(only_block(&d), ["factual_severity"]);
    assert_eq!(d.blocking().next().expect("a rule blocks").unblock, "match-assessed-severity");
    let mut f = ready();
    f.wording_reviewed = false;
    let d = decide(GateAction::Export, &f, at());
    assert_eq!(d.blocking().next().expect("a rule blocks").unblock, "review-wording");
}

#[test]
fn rule_4_exploits_block_every_action_and_nothing_unblocks_but_removal() {
    for action in GateAction::ALL {
        let mut f = ready();
        f.exploit_attachments = vec!["poc.py".into()];
        f.early_release =
            EarlyRelease { joint_assessment: true, reported_to_authorities: true, authority_outcome: true };
        f.blackout_consent = true;
        let d = decide(*action, &f, at());
        assert_eq!(verdict(&d, Rule::NoExploits), Verdict::Block, "{action}");
        assert!(!d.allowed());
    }
}

#[test]
fn rule_5_needs_a_remediation_for_every_affected_product() {
    let mut f = ready();
    f.products_without_remedy = vec!["Switch S 2.1".into(), "Switch S 2.2".into()];
    let d = decide(GateAction::Feed, &f, at());
    assert_eq!(only_block(&d), ["fix_published_together"]);
    assert!(d.blocking().next().expect("a rule blocks").evidence.contains("Switch S 2.1, Switch S 2.2"));
}

#[test]
fn rule_6_blackout_blocks_unless_mps_consent_is_recorded() {
    let mut f = ready();
    f.blackout = Some("2026-12-01 – 2026-12-05: national event".into());
    let d = decide(GateAction::Publish, &f, at());
    assert_eq!(only_block(&d), ["blackout"]);
    assert_eq!(d.blocking().next().expect("a rule blocks").unblock, "record-mps-consent");
    f.blackout_consent = true;
    let d = decide(GateAction::Publish, &f, at());
    assert!(d.allowed());
    assert_eq!(verdict(&d, Rule::Blackout), Verdict::PassByRecord);
    // Sharing with one recipient is not publishing.
    f.blackout_consent = false;
    f.recipient = Some(Recipient { name: "A".into(), jurisdiction: "CN".into(), is_product_provider: false });
    assert_eq!(verdict(&decide(GateAction::Share, &f, at()), Rule::Blackout), Verdict::NotApplicable);
}

#[test]
fn rule_7_undisclosed_information_goes_abroad_only_to_the_products_provider() {
    let share = |jurisdiction: &str, provider: bool, undisclosed: bool| {
        let f = GateFacts {
            undisclosed,
            recipient: Some(Recipient {
                name: "Recipient".into(),
                jurisdiction: jurisdiction.into(),
                is_product_provider: provider,
            }),
            ..GateFacts::default()
        };
        decide(GateAction::Share, &f, at())
    };
    let d = share("DE", false, true);
    assert_eq!(only_block(&d), ["no_undisclosed_abroad"]);
    assert_eq!(d.blocking().next().expect("a rule blocks").unblock, "wait-for-disclosure");
    assert!(share("DE", true, true).allowed(), "the product's own provider abroad");
    assert!(share("cn", false, true).allowed(), "a recipient in China");
    assert!(share("US", false, false).allowed(), "after disclosure");
    // Sharing does not need a fix, a review or a remedy: those rules are for publication.
    let d = share("CN", false, true);
    for rule in [Rule::FixBeforePublication, Rule::FactualSeverity, Rule::FixPublishedTogether, Rule::Blackout] {
        assert_eq!(verdict(&d, rule), Verdict::NotApplicable);
    }
}

#[test]
fn rule_8_further_rules_are_evaluated_with_the_rest() {
    struct NoFridays;
    impl GateRule for NoFridays {
        fn name(&self) -> &str {
            "no_fridays"
        }
        fn check(&self, _: GateAction, _: &GateFacts) -> RuleOutcome {
            RuleOutcome {
                rule: self.name().into(),
                verdict: Verdict::Block,
                evidence: "it is Friday".into(),
                evidence_key: "",
                evidence_args: Vec::new(),
                unblock: "wait",
            }
        }
    }
    let d = decide_with(GateAction::Publish, &ready(), at(), &[&NoFridays]);
    assert_eq!(d.outcomes.len(), Rule::ALL.len() + 1);
    assert_eq!(only_block(&d), ["no_fridays"]);
}

#[test]
fn names_round_trip() {
    for r in Rule::ALL {
        assert_eq!(Rule::parse(r.as_str()), Some(*r));
    }
    for a in GateAction::ALL {
        assert_eq!(GateAction::parse(a.as_str()), Some(*a));
    }
}

#[test]
fn in_use_details_finds_addresses_and_known_names_but_not_versions() {
    let text = "Attackers reached 198.51.100.23 at ACME Power Grid; fixed in 2.1.0.12 and v1.2.3.4; see RFC 1918.";
    let found = in_use_details("description", text, &["acme power grid", "ab"], &["2.1.0.12"]);
    assert_eq!(found, ["\"acme power grid\" in description", "address 198.51.100.23 in description"]);
    assert!(in_use_details("title", "Buffer overflow in 10.0.0 firmware (256.1.1.1, 1.2.3.4.5)", &[], &[]).is_empty());
    assert_eq!(in_use_details("summary", "host 10.0.0.1.", &[], &[]), ["address 10.0.0.1 in summary"]);
}
