//! The publication and sharing gate (Art. 9; design §5; R15–R22).
//!
//! Every publication, export, feed inclusion and sharing of undisclosed information is decided
//! here, by [`decide`], from facts the caller gathers ([`GateFacts`]). Every rule is evaluated
//! every time, so a refusal lists *all* the rules that block and, for each, what would unblock
//! it; the caller stores the whole [`GateDecision`] with its evidence and the person who asked.
//!
//! Rules 1 and 6 have a path through them that the regulation allows, and it passes only with
//! every record of that path present: the early-release path (joint assessment with the provider,
//! a report to MIIT and MPS, and their assessment outcome) and the blackout consent of MPS.
//! Rule 8 is the place for further rules: [`decide_with`] takes extra [`GateRule`]s.

use crate::Timestamp;

crate::named_enum!(
    /// What the gate is asked to allow.
    GateAction {
        /// Publish the advisory (HTML page, CSAF provider, OSV, CVE, feeds).
        Publish = "publish",
        /// Export the advisory as a file (CSAF, OSV, CVE JSON) for use elsewhere.
        Export = "export",
        /// Include the advisory in a feed (ROLIE, Atom).
        Feed = "feed",
        /// Send undisclosed information to someone (a supplier, a customer, a platform, a vendor).
        Share = "share",
    }
);

crate::named_enum!(
    /// The rules, in the order of Art. 9.
    Rule {
        /// 9(1): no publication before a fix or mitigation exists, except the early-release path.
        FixBeforePublication = "fix_before_publication",
        /// 9(2): no details of an operator's in-use systems (addresses, hostnames, customers).
        NoInUseSystemDetails = "no_in_use_system_details",
        /// 9(3): the published severity equals the assessed one, and a reviewer confirmed the wording.
        FactualSeverity = "factual_severity",
        /// 9(4): exploit attachments are never part of a public artefact.
        NoExploits = "no_exploits",
        /// 9(5): the fix or mitigation is published together with the advisory.
        FixPublishedTogether = "fix_published_together",
        /// 9(6): no publication in a blackout window without MPS consent.
        Blackout = "blackout",
        /// 9(7): undisclosed information goes abroad only to the product's own provider.
        NoUndisclosedAbroad = "no_undisclosed_abroad",
    }
);

/// The records of the early-release path (Art. 9(1) proviso): all three are needed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EarlyRelease {
    /// A joint assessment with the network product provider is recorded.
    pub joint_assessment: bool,
    /// A report to MIIT and MPS about the early release is recorded.
    pub reported_to_authorities: bool,
    /// The authorities' assessment outcome is recorded and allows the release.
    pub authority_outcome: bool,
}

impl EarlyRelease {
    /// Whether every record of the path is present.
    pub fn complete(&self) -> bool {
        self.joint_assessment && self.reported_to_authorities && self.authority_outcome
    }
}

/// Who undisclosed information would go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// Its name, for the evidence.
    pub name: String,
    /// ISO 3166-1 alpha-2 code of where it is (`CN` is China).
    pub jurisdiction: String,
    /// It is the provider of the product (or of the upstream component) concerned.
    pub is_product_provider: bool,
}

/// What the gate looks at, gathered by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GateFacts {
    /// The case's information is not public yet.
    pub undisclosed: bool,
    /// The artefact is public (TLP:CLEAR or GREEN, or a public page); sharing with one recipient is not.
    pub public: bool,
    /// A fix, mitigation or workaround is recorded for the case.
    pub fix_or_mitigation: bool,
    /// The early-release path's records.
    pub early_release: EarlyRelease,
    /// Details of in-use systems found in the public text (what, and where), if any.
    pub in_use_details: Vec<String>,
    /// The severity as assessed on the case (`CVSS:3.1/… 9.8 / 超危`).
    pub assessed_severity: String,
    /// The severity the artefact states.
    pub published_severity: String,
    /// A reviewer other than the author confirmed the wording is factual.
    pub wording_reviewed: bool,
    /// Exploit-tagged attachments the artefact would carry (file names).
    pub exploit_attachments: Vec<String>,
    /// Affected products the artefact names with no fix, mitigation or workaround beside them.
    pub products_without_remedy: Vec<String>,
    /// The blackout window in force now, if any (its description).
    pub blackout: Option<String>,
    /// MPS consent to publish during the blackout is recorded.
    pub blackout_consent: bool,
    /// For sharing: who it goes to.
    pub recipient: Option<Recipient>,
}

/// How one rule came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The rule has nothing to say about this action.
    NotApplicable,
    /// The rule is met.
    Pass,
    /// The rule would block, and the path the regulation allows is fully recorded.
    PassByRecord,
    /// The rule blocks.
    Block,
}

/// One rule's outcome: the verdict, what it was based on, and what would unblock it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleOutcome {
    /// The rule, or a further rule's name.
    pub rule: String,
    /// How it came out.
    pub verdict: Verdict,
    /// The facts it looked at, in a sentence for the record (English).
    pub evidence: String,
    /// The same sentence as a message for the pages: the web crate translates
    /// `gate-evidence-{key}` with these arguments (an argument named `missing` is a
    /// comma-separated list of `gate-missing-{item}` keys). Empty for further rules, whose
    /// evidence is shown as written.
    pub evidence_key: &'static str,
    /// The message's arguments.
    pub evidence_args: Vec<(&'static str, String)>,
    /// What would unblock it (a stable key; the web crate translates `gate-unblock-{key}`); empty
    /// when it passes or nothing can.
    pub unblock: &'static str,
}

/// The gate's whole answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateDecision {
    /// What was asked.
    pub action: GateAction,
    /// When it was decided.
    pub at: Timestamp,
    /// Every rule's outcome, in order.
    pub outcomes: Vec<RuleOutcome>,
}

impl GateDecision {
    /// Whether no rule blocks.
    pub fn allowed(&self) -> bool {
        self.outcomes.iter().all(|o| o.verdict != Verdict::Block)
    }

    /// The rules that block.
    pub fn blocking(&self) -> impl Iterator<Item = &RuleOutcome> {
        self.outcomes.iter().filter(|o| o.verdict == Verdict::Block)
    }
}

/// A further rule (Art. 9(8) of the gate: a place for rules the organisation or a later
/// regulation adds).
pub trait GateRule {
    /// Its stable name.
    fn name(&self) -> &str;
    /// Its outcome for these facts.
    fn check(&self, action: GateAction, facts: &GateFacts) -> RuleOutcome;
}

/// A rule's evidence: the message key and its arguments, and the English sentence for the record.
struct Said(&'static str, Vec<(&'static str, String)>, String);

fn said(key: &'static str, english: impl Into<String>) -> Said {
    Said(key, Vec::new(), english.into())
}

fn said_with(key: &'static str, args: Vec<(&'static str, String)>, english: impl Into<String>) -> Said {
    Said(key, args, english.into())
}

fn outcome(rule: Rule, verdict: Verdict, evidence: Said, unblock: &'static str) -> RuleOutcome {
    let Said(evidence_key, evidence_args, evidence) = evidence;
    RuleOutcome { rule: rule.as_str().to_string(), verdict, evidence, evidence_key, evidence_args, unblock }
}

/// Runs every rule of Art. 9 on the facts.
pub fn decide(action: GateAction, facts: &GateFacts, at: Timestamp) -> GateDecision {
    decide_with(action, facts, at, &[])
}

/// Runs every rule of Art. 9, then the further rules.
pub fn decide_with(action: GateAction, facts: &GateFacts, at: Timestamp, extra: &[&dyn GateRule]) -> GateDecision {
    let publishing = action != GateAction::Share;
    let public = publishing && facts.public;
    let mut outcomes = Vec::with_capacity(Rule::ALL.len() + extra.len());

    // 1. A fix or mitigation first, or the whole early-release path.
    outcomes.push(if !publishing {
        outcome(
            Rule::FixBeforePublication,
            Verdict::NotApplicable,
            said("not-publishing", "sharing, not publishing"),
            "",
        )
    } else if facts.fix_or_mitigation {
        outcome(Rule::FixBeforePublication, Verdict::Pass, said("fix-recorded", "a fix or mitigation is recorded"), "")
    } else if facts.early_release.complete() {
        outcome(
            Rule::FixBeforePublication,
            Verdict::PassByRecord,
            said(
                "early-release-recorded",
                "no fix yet; early release: joint assessment, report to MIIT and MPS, and their outcome are recorded",
            ),
            "",
        )
    } else {
        let er = &facts.early_release;
        let missing: Vec<(&str, &str)> = [
            (!er.joint_assessment).then_some(("joint-assessment", "joint assessment")),
            (!er.reported_to_authorities).then_some(("reported-to-authorities", "report to MIIT and MPS")),
            (!er.authority_outcome).then_some(("authority-outcome", "their assessment outcome")),
        ]
        .into_iter()
        .flatten()
        .collect();
        let keys = missing.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(",");
        let english = missing.iter().map(|(_, e)| *e).collect::<Vec<_>>().join(", ");
        outcome(
            Rule::FixBeforePublication,
            Verdict::Block,
            said_with(
                "early-release-lacks",
                vec![("missing", keys)],
                format!("no fix or mitigation is recorded; early release lacks: {english}"),
            ),
            "record-fix-or-early-release",
        )
    });

    // 2. Nothing about in-use systems in anything that leaves the organisation publicly.
    outcomes.push(if !public {
        outcome(Rule::NoInUseSystemDetails, Verdict::NotApplicable, said("not-public", "not a public artefact"), "")
    } else if facts.in_use_details.is_empty() {
        outcome(
            Rule::NoInUseSystemDetails,
            Verdict::Pass,
            said("no-in-use-details", "no addresses, hostnames or customer details found"),
            "",
        )
    } else {
        outcome(
            Rule::NoInUseSystemDetails,
            Verdict::Block,
            said_with(
                "in-use-details",
                vec![("found", facts.in_use_details.join("; "))],
                format!("found: {}", facts.in_use_details.join("; ")),
            ),
            "remove-in-use-details",
        )
    });

    // 3. The severity as assessed, and the wording confirmed by a reviewer.
    outcomes.push(if !publishing {
        outcome(Rule::FactualSeverity, Verdict::NotApplicable, said("not-publishing", "sharing, not publishing"), "")
    } else if facts.published_severity != facts.assessed_severity {
        outcome(
            Rule::FactualSeverity,
            Verdict::Block,
            said_with(
                "severity-differs",
                vec![("stated", facts.published_severity.clone()), ("assessed", facts.assessed_severity.clone())],
                format!("states {:?}, assessed {:?}", facts.published_severity, facts.assessed_severity),
            ),
            "match-assessed-severity",
        )
    } else if !facts.wording_reviewed {
        outcome(
            Rule::FactualSeverity,
            Verdict::Block,
            said("wording-not-reviewed", "no reviewer other than the author has confirmed the wording"),
            "review-wording",
        )
    } else {
        outcome(
            Rule::FactualSeverity,
            Verdict::Pass,
            said_with(
                "severity-as-assessed",
                vec![("assessed", facts.assessed_severity.clone())],
                format!("severity {:?} as assessed; wording reviewed", facts.assessed_severity),
            ),
            "",
        )
    });

    // 4. Exploits never go out, whatever else is recorded.
    outcomes.push(if facts.exploit_attachments.is_empty() {
        outcome(
            Rule::NoExploits,
            Verdict::Pass,
            said("no-exploits", "no exploit-tagged attachment in the artefact"),
            "",
        )
    } else {
        outcome(
            Rule::NoExploits,
            Verdict::Block,
            said_with(
                "exploits",
                vec![("files", facts.exploit_attachments.join(", "))],
                format!("exploit attachments: {}", facts.exploit_attachments.join(", ")),
            ),
            "remove-exploits",
        )
    });

    // 5. The fix travels with the advisory.
    outcomes.push(if !publishing {
        outcome(
            Rule::FixPublishedTogether,
            Verdict::NotApplicable,
            said("not-publishing", "sharing, not publishing"),
            "",
        )
    } else if facts.products_without_remedy.is_empty() {
        outcome(
            Rule::FixPublishedTogether,
            Verdict::Pass,
            said("remediation-complete", "every affected product has its remediation"),
            "",
        )
    } else if !facts.fix_or_mitigation && facts.early_release.complete() {
        outcome(
            Rule::FixPublishedTogether,
            Verdict::PassByRecord,
            said("early-release-no-fix", "early release without a fix: the advisory says none is available"),
            "",
        )
    } else {
        outcome(
            Rule::FixPublishedTogether,
            Verdict::Block,
            said_with(
                "no-remediation",
                vec![("products", facts.products_without_remedy.join(", "))],
                format!("no remediation for: {}", facts.products_without_remedy.join(", ")),
            ),
            "add-remediation",
        )
    });

    // 6. Blackout windows.
    outcomes.push(match (&facts.blackout, publishing) {
        (_, false) => {
            outcome(Rule::Blackout, Verdict::NotApplicable, said("not-publishing", "sharing, not publishing"), "")
        }
        (None, true) => outcome(Rule::Blackout, Verdict::Pass, said("no-blackout", "no blackout window in force"), ""),
        (Some(w), true) if facts.blackout_consent => outcome(
            Rule::Blackout,
            Verdict::PassByRecord,
            said_with("blackout-consented", vec![("window", w.clone())], format!("blackout {w}; MPS consent recorded")),
            "",
        ),
        (Some(w), true) => outcome(
            Rule::Blackout,
            Verdict::Block,
            said_with("blackout", vec![("window", w.clone())], format!("blackout window in force: {w}")),
            "record-mps-consent",
        ),
    });

    // 7. Undisclosed information abroad only to the product's own provider.
    outcomes.push(match (&facts.recipient, facts.undisclosed) {
        (None, _) => {
            outcome(Rule::NoUndisclosedAbroad, Verdict::NotApplicable, said("no-recipient", "no single recipient"), "")
        }
        (Some(r), false) => outcome(
            Rule::NoUndisclosedAbroad,
            Verdict::Pass,
            said_with(
                "recipient-public",
                vec![("name", r.name.clone()), ("jurisdiction", r.jurisdiction.clone())],
                format!("{} ({}): the information is already public", r.name, r.jurisdiction),
            ),
            "",
        ),
        (Some(r), true) if r.jurisdiction.eq_ignore_ascii_case("CN") => outcome(
            Rule::NoUndisclosedAbroad,
            Verdict::Pass,
            said_with("recipient-in-cn", vec![("name", r.name.clone())], format!("{} is in CN", r.name)),
            "",
        ),
        (Some(r), true) if r.is_product_provider => outcome(
            Rule::NoUndisclosedAbroad,
            Verdict::Pass,
            said_with(
                "recipient-provider",
                vec![("name", r.name.clone()), ("jurisdiction", r.jurisdiction.clone())],
                format!("{} ({}) is the product's own provider", r.name, r.jurisdiction),
            ),
            "",
        ),
        (Some(r), true) => outcome(
            Rule::NoUndisclosedAbroad,
            Verdict::Block,
            said_with(
                "recipient-abroad",
                vec![("name", r.name.clone()), ("jurisdiction", r.jurisdiction.clone())],
                format!(
                    "{} is in {} and is not the product's provider; the case is undisclosed",
                    r.name, r.jurisdiction
                ),
            ),
            "wait-for-disclosure",
        ),
    });

    for rule in extra {
        outcomes.push(rule.check(action, facts));
    }
    GateDecision { action, at, outcomes }
}

/// Looks for details of in-use systems in public text (rule 2): IPv4 addresses, and any of the
/// `known` names (customers, deployments, asset hostnames and addresses) the organisation keeps.
/// `versions` are the product version strings the advisory names, which may look like addresses
/// (`2.1.0.12`) and are not flagged. Each finding says what was found and in which `field`.
pub fn in_use_details(field: &str, text: &str, known: &[&str], versions: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    let lower = text.to_lowercase();
    for name in known {
        let name = name.trim();
        if name.chars().count() >= 3 && lower.contains(&name.to_lowercase()) {
            found.push(format!("{name:?} in {field}"));
        }
    }
    for candidate in ipv4_literals(text) {
        if !versions.iter().any(|v| v.contains(candidate)) {
            found.push(format!("address {candidate} in {field}"));
        }
    }
    found
}

/// The dotted-quad IPv4 literals in `text` that stand alone (not part of a longer dotted string
/// and not preceded by a letter, as in `v1.2.3.4`).
fn ipv4_literals(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts =
            bytes[i].is_ascii_digit() && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'.'));
        if !starts {
            i += 1;
            continue;
        }
        let mut end = i;
        while end < bytes.len() && (bytes[end].is_ascii_digit() || bytes[end] == b'.') {
            end += 1;
        }
        let token = text[i..end].trim_end_matches('.');
        let parts: Vec<&str> = token.split('.').collect();
        let followed_by_word = end < bytes.len() && bytes[end].is_ascii_alphabetic();
        if parts.len() == 4
            && !followed_by_word
            && parts.iter().all(|p| !p.is_empty() && p.len() <= 3 && p.parse::<u16>().is_ok_and(|n| n <= 255))
        {
            out.push(token);
        }
        i = end.max(i + 1);
    }
    out
}

#[cfg(test)]
mod tests;
