//! One advisory, independent of any wire format.
//!
//! vulndesk keeps one advisory record per case (with its revisions); the web
//! crate fills an [`AdvisoryDoc`] from the store and hands it to the
//! renderers: [`crate::csaf`] (CSAF 2.0, `csaf_security_advisory` and
//! `csaf_vex` profiles), [`crate::osv_out`] (OSV JSON) and [`crate::cve5`]
//! (a CVE JSON 5 record). The CSAF reader goes the other way, so an imported
//! CSAF document becomes the same shape.
//!
//! Every date is an RFC 3339 string in UTC (`2026-11-25T08:00:00Z`): the
//! caller formats, this crate does no clock reading.

/// The Traffic Light Protocol label of a document (CSAF 2.0 uses TLP 1.0's
/// `WHITE`; vulndesk speaks TLP 2.0's `CLEAR` and maps it on the way out).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tlp {
    Clear,
    Green,
    Amber,
    Red,
}

impl Tlp {
    pub const ALL: [Tlp; 4] = [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::Red];

    /// The TLP 2.0 name, as stored and shown: `CLEAR`, `GREEN`, `AMBER`, `RED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "CLEAR",
            Tlp::Green => "GREEN",
            Tlp::Amber => "AMBER",
            Tlp::Red => "RED",
        }
    }

    /// Reads a TLP 2.0 name, or CSAF 2.0's `WHITE` for CLEAR.
    pub fn parse(s: &str) -> Option<Tlp> {
        match s.trim().to_ascii_uppercase().as_str() {
            "CLEAR" | "WHITE" => Some(Tlp::Clear),
            "GREEN" => Some(Tlp::Green),
            "AMBER" => Some(Tlp::Amber),
            "RED" => Some(Tlp::Red),
            _ => None,
        }
    }

    /// Whether anyone may read a document with this label without signing in.
    pub fn is_public(self) -> bool {
        matches!(self, Tlp::Clear | Tlp::Green)
    }
}

/// `document.tracking.status` in CSAF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocStatus {
    Draft,
    Interim,
    Final,
}

/// One entry of the revision history. `number` is the document version at
/// that revision (`"1"`, `"2"`, …, integer versioning).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revision {
    pub number: String,
    pub date: String,
    pub summary: String,
}

/// Who publishes the advisory (`document.publisher` in CSAF).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Publisher {
    pub name: String,
    /// A URL naming the publisher, e.g. `https://psirt.example.com`.
    pub namespace: String,
    /// A contact line (e-mail or URL), optional.
    pub contact: Option<String>,
}

/// A product version the advisory speaks of (a leaf of the CSAF product tree).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Product {
    /// Unique within the document, e.g. `VDP-12` (becomes the CSAF `product_id`).
    pub id: String,
    pub vendor: String,
    pub name: String,
    pub version: String,
    /// A package URL, when the product is a package.
    pub purl: Option<String>,
}

/// The status of one product for one vulnerability (CSAF `product_status`,
/// VEX status).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProductStatus {
    KnownAffected,
    Fixed,
    /// With the VEX justification label (CSAF 2.0 flag labels:
    /// `component_not_present`, `vulnerable_code_not_present`,
    /// `vulnerable_code_cannot_be_controlled_by_adversary`,
    /// `vulnerable_code_not_in_execute_path`,
    /// `inline_mitigations_already_exist`) and an impact statement.
    KnownNotAffected {
        justification: String,
        statement: String,
    },
    UnderInvestigation,
}

/// One product's status under one vulnerability.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductState {
    pub product_id: String,
    pub status: ProductStatus,
}

/// CSAF remediation categories.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RemediationKind {
    VendorFix,
    Mitigation,
    Workaround,
    NoFixPlanned,
    NoneAvailable,
}

impl RemediationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RemediationKind::VendorFix => "vendor_fix",
            RemediationKind::Mitigation => "mitigation",
            RemediationKind::Workaround => "workaround",
            RemediationKind::NoFixPlanned => "no_fix_planned",
            RemediationKind::NoneAvailable => "none_available",
        }
    }

    pub fn parse(s: &str) -> Option<RemediationKind> {
        Some(match s {
            "vendor_fix" => RemediationKind::VendorFix,
            "mitigation" => RemediationKind::Mitigation,
            "workaround" => RemediationKind::Workaround,
            "no_fix_planned" => RemediationKind::NoFixPlanned,
            "none_available" => RemediationKind::NoneAvailable,
            _ => return None,
        })
    }
}

/// What to do about a vulnerability for some products.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Remediation {
    pub kind: RemediationKind,
    pub details: String,
    pub url: Option<String>,
    /// The products it applies to (ids from [`AdvisoryDoc::products`]).
    pub product_ids: Vec<String>,
    /// When the fix was released (RFC 3339), if known.
    pub date: Option<String>,
}

/// A CVSS score as stored on the case.
#[derive(Clone, Debug, PartialEq)]
pub struct Score {
    /// The full vector, `CVSS:3.1/…` or `CVSS:4.0/…`.
    pub vector: String,
    pub base_score: f64,
    /// `NONE`, `LOW`, `MEDIUM`, `HIGH` or `CRITICAL`.
    pub severity: String,
}

/// A reference link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    pub url: String,
    pub summary: String,
    /// `true` for the document's own canonical URL (CSAF category `self`).
    pub is_self: bool,
}

/// An affected package with version ranges, for OSV and CVE output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AffectedPackage {
    /// OSV ecosystem name (`PyPI`, `npm`, `Maven`, …), or empty when the
    /// package has no OSV ecosystem (then OSV output uses the purl only).
    pub ecosystem: String,
    pub name: String,
    pub purl: Option<String>,
    /// Ranges as OSV events, in order: (`introduced` | `fixed` |
    /// `last_affected` | `limit`, version).
    pub events: Vec<(String, String)>,
    /// `ECOSYSTEM`, `SEMVER` or `GIT` (OSV range type).
    pub range_type: String,
    /// Explicitly listed affected versions.
    pub versions: Vec<String>,
}

/// One vulnerability in the advisory.
#[derive(Clone, Debug, PartialEq)]
pub struct Vulnerability {
    /// `CVE-YYYY-NNNN`, when one is assigned.
    pub cve: Option<String>,
    /// Other ids (the case's own key, CNVD, CNNVD, …) as (system name, id).
    pub ids: Vec<(String, String)>,
    pub title: String,
    /// Full description of the flaw.
    pub description: String,
    /// CWE id (`CWE-79`) and name.
    pub cwe: Option<(String, String)>,
    pub cvss_v3: Option<Score>,
    pub cvss_v4: Option<Score>,
    /// The Chinese grade (`超危`/`高危`/`中危`/`低危`) as assessed, if any.
    pub grade: Option<String>,
    pub discovery_date: Option<String>,
    pub release_date: Option<String>,
    /// Credit names of reporters who consented to be named.
    pub acknowledgments: Vec<String>,
    pub product_states: Vec<ProductState>,
    pub remediations: Vec<Remediation>,
    pub references: Vec<Reference>,
}

/// Which CSAF profile a document is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    SecurityAdvisory,
    Vex,
}

/// One advisory in one language, ready to render.
#[derive(Clone, Debug, PartialEq)]
pub struct AdvisoryDoc {
    /// The tracking id, e.g. `VD-2026-0007`. Unique per publisher; also the
    /// file name stem (lower-cased) in the CSAF provider tree.
    pub id: String,
    pub title: String,
    /// One paragraph.
    pub summary: String,
    /// `en` or `zh-CN`.
    pub lang: String,
    pub publisher: Publisher,
    pub tlp: Tlp,
    pub status: DocStatus,
    /// The current version (`"1"`, `"2"`, …); equals the last revision's number.
    pub version: String,
    pub initial_release_date: String,
    pub current_release_date: String,
    pub revisions: Vec<Revision>,
    pub products: Vec<Product>,
    pub vulnerabilities: Vec<Vulnerability>,
    /// Document-level references (the HTML page, the vendor's notice, …).
    pub references: Vec<Reference>,
    /// Affected packages with ranges, for OSV and CVE output.
    pub packages: Vec<AffectedPackage>,
    /// Document-level acknowledgments (credit names).
    pub acknowledgments: Vec<String>,
}
