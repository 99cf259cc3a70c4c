//! Intake (Art. 5, 10): programs, reports, attachments and the receipt log's rules.

use std::collections::HashSet;
use std::time::Duration;

use crate::{OrgKind, Timestamp};

crate::named_enum!(
    /// What a program accepts reports about.
    ProgramScope {
        /// The organisation's own products (a provider's PSIRT).
        OwnProducts = "own_products",
        /// The organisation's own networks and systems (an operator).
        OwnSystems = "own_systems",
        /// Other vendors' products (a collection platform; needs a filing, R23).
        ThirdParty = "third_party",
    }
);

crate::named_enum!(
    /// The way a message came in.
    Channel {
        /// The public web form.
        Web = "web",
        /// The JSON or multipart API.
        Api = "api",
        /// A reply on the tracking page.
        Tracking = "tracking",
        /// An e-mail brought in as `.eml`.
        Email = "email",
        /// A hand-off from another organisation.
        Handoff = "handoff",
    }
);

crate::named_enum!(
    /// What an attachment is. Exploits are flagged everywhere and never published (Art. 9(4)).
    AttachmentTag {
        /// Screenshots, logs, traces.
        Evidence = "evidence",
        /// A proof of concept that shows the flaw.
        ProofOfConcept = "poc",
        /// A working exploit.
        Exploit = "exploit",
    }
);

crate::named_enum!(
    /// Where a report stands in triage.
    ReportStatus {
        /// Not yet looked at.
        New = "new",
        /// The reporter has been told it was received and is being looked at.
        Acknowledged = "acknowledged",
        /// The team asked the reporter for more information.
        NeedsInfo = "needs_info",
        /// Not a report: advertising, abuse, noise.
        Spam = "spam",
        /// Not a vulnerability, out of scope, or not reproducible.
        Invalid = "invalid",
        /// Turned into a case.
        Promoted = "promoted",
    }
);

impl ReportStatus {
    /// Whether triage is over for this report.
    pub fn is_closed(self) -> bool {
        matches!(self, Self::Spam | Self::Invalid | Self::Promoted)
    }
}

/// Why a program may not be opened as configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProgramRefusal {
    /// A collection platform must be filed before it collects third-party flaws (R23).
    #[error(
        "a collection platform needs its filing (备案) recorded before it takes reports on other vendors' products"
    )]
    FilingRequired,
    /// Only a collection platform may take reports on other vendors' products.
    #[error("only a collection platform may run a program for other vendors' products")]
    NotCollectionPlatform,
    /// The exemption covers only programs limited to the organisation's own products.
    #[error("the filing exemption applies only to programs for the organisation's own products")]
    ExemptionOutOfScope,
}

/// Decides whether an organisation of `kinds` may run a program of `scope` (R23): a program for
/// other vendors' products needs the collection-platform role and a filing record; the exemption
/// for own-products programs must be declared explicitly, and fits only that scope.
pub fn may_open_program(
    kinds: &[OrgKind],
    scope: ProgramScope,
    has_filing: bool,
    declares_exemption: bool,
) -> Result<(), ProgramRefusal> {
    if declares_exemption && scope != ProgramScope::OwnProducts {
        return Err(ProgramRefusal::ExemptionOutOfScope);
    }
    match scope {
        ProgramScope::ThirdParty if !kinds.contains(&OrgKind::CollectionPlatform) => {
            Err(ProgramRefusal::NotCollectionPlatform)
        }
        ProgramScope::ThirdParty if !has_filing => Err(ProgramRefusal::FilingRequired),
        _ => Ok(()),
    }
}

/// When the reporter must have been acknowledged.
pub fn acknowledgement_due(received_at: Timestamp, sla_hours: u32) -> Timestamp {
    received_at.plus(Duration::from_secs(u64::from(sla_hours) * 3600))
}

/// The shortest retention of the receipt log, in days (Art. 5: at least six months).
pub const MIN_RETENTION_DAYS: i64 = 183;

/// The fields hashed into the receipt chain, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptFields<'a> {
    /// When it arrived.
    pub received_at: Timestamp,
    /// How it arrived.
    pub channel: Channel,
    /// The receiving organisation's id.
    pub org: &'a str,
    /// The program's id, if any.
    pub program: &'a str,
    /// The report's id, if any.
    pub report: &'a str,
    /// The source address (or empty, by the organisation's privacy setting).
    pub source: &'a str,
    /// The user agent (or empty).
    pub user_agent: &'a str,
    /// SHA-256 of the stored payload, hex.
    pub payload_sha256: &'a str,
}

impl ReceiptFields<'_> {
    /// The byte strings the chain hashes for the receipt at `seq`.
    pub fn chain_fields(&self, seq: i64) -> [Vec<u8>; 9] {
        [
            seq.to_be_bytes().to_vec(),
            self.received_at.as_micros().to_be_bytes().to_vec(),
            self.channel.as_str().as_bytes().to_vec(),
            self.org.as_bytes().to_vec(),
            self.program.as_bytes().to_vec(),
            self.report.as_bytes().to_vec(),
            self.source.as_bytes().to_vec(),
            self.user_agent.as_bytes().to_vec(),
            self.payload_sha256.as_bytes().to_vec(),
        ]
    }
}

/// How alike two texts are, from 0 (nothing shared) to 1 (same), by the Jaccard index of their
/// character bigrams after folding case and dropping punctuation. Bigrams work for Chinese, which
/// has no spaces between words, as well as for English.
pub fn similarity(a: &str, b: &str) -> f64 {
    fn grams(s: &str) -> HashSet<(char, char)> {
        let chars: Vec<char> = s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
        chars.windows(2).map(|w| (w[0], w[1])).collect()
    }
    let (ga, gb) = (grams(a), grams(b));
    if ga.is_empty() || gb.is_empty() {
        return 0.0;
    }
    let shared = ga.intersection(&gb).count() as f64;
    shared / ga.union(&gb).count() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filing_rule() {
        use OrgKind::*;
        use ProgramScope::*;
        assert_eq!(may_open_program(&[Provider], OwnProducts, false, false), Ok(()));
        assert_eq!(may_open_program(&[Operator], OwnSystems, false, false), Ok(()));
        assert_eq!(may_open_program(&[Provider], ThirdParty, true, false), Err(ProgramRefusal::NotCollectionPlatform));
        assert_eq!(
            may_open_program(&[CollectionPlatform], ThirdParty, false, false),
            Err(ProgramRefusal::FilingRequired)
        );
        assert_eq!(may_open_program(&[CollectionPlatform], ThirdParty, true, false), Ok(()));
        assert_eq!(may_open_program(&[CollectionPlatform], OwnProducts, false, true), Ok(()));
        assert_eq!(
            may_open_program(&[CollectionPlatform], ThirdParty, true, true),
            Err(ProgramRefusal::ExemptionOutOfScope)
        );
    }

    #[test]
    fn similarity_finds_near_duplicates_in_both_languages() {
        let a = "Crafted DHCP request from the LAN crashes the AX3000";
        assert!((similarity(a, a) - 1.0).abs() < 1e-9);
        assert!(similarity(a, "crafted DHCP request crashes AX3000 router") > 0.5);
        assert!(similarity(a, "XSS in the EdgeGate login page") < 0.2);
        assert!(similarity("AX3000 路由器 DHCP 请求导致崩溃", "AX3000 DHCP 请求导致设备崩溃") > 0.5);
        assert_eq!(similarity("", a), 0.0);
    }

    #[test]
    fn names_round_trip_and_deadline() {
        for t in AttachmentTag::ALL {
            assert_eq!(AttachmentTag::parse(t.as_str()), Some(*t));
        }
        assert_eq!(ReportStatus::parse("needs_info"), Some(ReportStatus::NeedsInfo));
        assert!(ReportStatus::Spam.is_closed() && !ReportStatus::NeedsInfo.is_closed());
        let t = Timestamp::from_micros(0);
        assert_eq!(acknowledgement_due(t, 72).as_secs(), 72 * 3600);
    }
}

/// An intake program as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// Its id.
    pub id: crate::ProgramId,
    /// The organisation that runs it.
    pub org: crate::OrgId,
    /// Its public name in URLs: `/p/{slug}`.
    pub slug: crate::Slug,
    /// Its display name.
    pub name: String,
    /// What it accepts reports about.
    pub scope: ProgramScope,
    /// The products, systems or vendors it covers, in words.
    pub scope_note: String,
    /// The disclosure policy, Chinese.
    pub policy_zh: String,
    /// The disclosure policy, English.
    pub policy_en: String,
    /// The safe-harbour statement, Chinese.
    pub safe_harbour_zh: String,
    /// The safe-harbour statement, English.
    pub safe_harbour_en: String,
    /// Whether reports without an account or contact are accepted.
    pub anonymous: bool,
    /// Hours within which the reporter must be acknowledged.
    pub ack_sla_hours: u32,
    /// Languages reports may be written in.
    pub languages: Vec<crate::Locale>,
    /// Whether the organisation declared the own-products filing exemption for it (R23).
    pub filing_exempt: bool,
    /// Why it is closed; `None` while it is open.
    pub closed_reason: Option<String>,
    /// When it was created.
    pub created_at: Timestamp,
}

/// A collection platform's filing (备案) record (R23, R24).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filing {
    /// The filing number the authority issued.
    pub filing_number: String,
    /// The filing date, `YYYY-MM-DD`.
    pub filed_on: String,
    /// The platform's name as filed.
    pub platform_name: String,
    /// The platform's home page.
    pub homepage_url: String,
    /// The ICP filing number.
    pub icp_number: String,
    /// The sponsoring organisation.
    pub sponsor: String,
    /// The person in charge and contact details.
    pub contact: String,
    /// Collection scope, verification, notification and publication rules, as filed.
    pub rules: String,
}

/// A report as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Its id.
    pub id: crate::ReportId,
    /// The program it came through.
    pub program: crate::ProgramId,
    /// The receiving organisation.
    pub org: crate::OrgId,
    /// A one-line summary.
    pub title: String,
    /// What the reporter found (Markdown).
    pub description: String,
    /// The affected product as the reporter names it.
    pub product: String,
    /// The affected version as the reporter names it.
    pub version: String,
    /// A CWE id such as `CWE-122`, if given.
    pub cwe: Option<String>,
    /// How to reproduce it.
    pub reproduction: String,
    /// What an attacker gains.
    pub impact: String,
    /// How to reach the reporter; empty for anonymous reports.
    pub contact: String,
    /// The name to credit, if they want credit.
    pub credit_name: String,
    /// The language the reporter used.
    pub language: crate::Locale,
    /// Where triage stands.
    pub status: ReportStatus,
    /// Why (for spam, invalid, needs-info).
    pub status_reason: String,
    /// When it was received.
    pub received_at: Timestamp,
    /// When the reporter was first acknowledged.
    pub acknowledged_at: Option<Timestamp>,
    /// Its receipt's sequence number.
    pub receipt_seq: i64,
}
