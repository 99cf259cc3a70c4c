//! The serde model of a CSAF 2.0 document, field for field after the OASIS JSON schema
//! (`csaf_json_schema.json`).
//!
//! Optional members are `Option`s, including optional arrays, so that an empty array in the input
//! survives a round trip: every OASIS example deserialises and serialises back to an equal
//! `serde_json::Value` (tests/csaf_roundtrip.rs). Closed vocabularies are enums; CVSS scores are
//! kept as JSON values because FIRST's schemas, not CSAF, define them. Names follow the schema, so
//! the field docs are short; the schema's own descriptions are authoritative.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A whole CSAF 2.0 document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CsafDocument {
    pub document: DocumentMeta,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_tree: Option<ProductTree>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vulnerabilities: Option<Vec<Vulnerability>>,
}

/// `document`: the metadata.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DocumentMeta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledgments: Option<Vec<Acknowledgment>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregate_severity: Option<AggregateSeverity>,
    /// `csaf_base`, `csaf_security_advisory`, `csaf_vex`, … (open for other profiles).
    pub category: String,
    /// Always `2.0` for this model.
    pub csaf_version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution: Option<Distribution>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<Vec<Note>>,
    pub publisher: Publisher,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub references: Option<Vec<Reference>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_lang: Option<String>,
    pub title: String,
    pub tracking: Tracking,
}

/// `document.aggregate_severity`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AggregateSeverity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub text: String,
}

/// `document.distribution`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tlp: Option<TlpMarking>,
}

/// `document.distribution.tlp`: a TLP 1.0 label.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TlpMarking {
    pub label: TlpLabel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// The TLP 1.0 labels CSAF 2.0 allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TlpLabel {
    Amber,
    Green,
    Red,
    White,
}

/// `document.publisher`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Publisher {
    pub category: PublisherCategory,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_details: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuing_authority: Option<String>,
    pub name: String,
    pub namespace: String,
}

/// `document.publisher.category`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PublisherCategory {
    Coordinator,
    Discoverer,
    Other,
    Translator,
    User,
    Vendor,
}

/// `document.tracking`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tracking {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aliases: Option<Vec<String>>,
    pub current_release_date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<Generator>,
    pub id: String,
    pub initial_release_date: String,
    pub revision_history: Vec<RevisionEntry>,
    pub status: TrackingStatus,
    pub version: String,
}

/// `document.tracking.generator`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Generator {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    pub engine: Engine,
}

/// `document.tracking.generator.engine`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Engine {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// One item of `document.tracking.revision_history`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RevisionEntry {
    pub date: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_version: Option<String>,
    pub number: String,
    pub summary: String,
}

/// `document.tracking.status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackingStatus {
    Draft,
    Final,
    Interim,
}

/// One item of `acknowledgments_t`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Acknowledgment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub names: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urls: Option<Vec<String>>,
}

/// One item of `notes_t`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Note {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    pub category: NoteCategory,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// `notes_t[].category`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteCategory {
    Description,
    Details,
    Faq,
    General,
    LegalDisclaimer,
    Other,
    Summary,
}

/// One item of `references_t`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<ReferenceCategory>,
    pub summary: String,
    pub url: String,
}

/// `references_t[].category` (absent means `external`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferenceCategory {
    External,
    #[serde(rename = "self")]
    SelfRef,
}

/// `product_tree`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductTree {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branches: Option<Vec<Branch>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_product_names: Option<Vec<FullProductName>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_groups: Option<Vec<ProductGroup>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationships: Option<Vec<Relationship>>,
}

/// One item of `branches_t`: either more branches or a product.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Branch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branches: Option<Vec<Branch>>,
    pub category: BranchCategory,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<FullProductName>,
}

/// `branches_t[].category`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BranchCategory {
    Architecture,
    HostName,
    Language,
    Legacy,
    PatchLevel,
    ProductFamily,
    ProductName,
    ProductVersion,
    ProductVersionRange,
    ServicePack,
    Specification,
    Vendor,
}

/// `full_product_name_t`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FullProductName {
    pub name: String,
    pub product_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_identification_helper: Option<ProductIdentificationHelper>,
}

/// `full_product_name_t.product_identification_helper`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductIdentificationHelper {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpe: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hashes: Option<Vec<FileHashes>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_numbers: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sbom_urls: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_numbers: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skus: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x_generic_uris: Option<Vec<GenericUri>>,
}

/// One item of `product_identification_helper.hashes`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileHashes {
    pub file_hashes: Vec<FileHash>,
    pub filename: String,
}

/// One item of `hashes[].file_hashes`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FileHash {
    pub algorithm: String,
    pub value: String,
}

/// One item of `product_identification_helper.x_generic_uris`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GenericUri {
    pub namespace: String,
    pub uri: String,
}

/// One item of `product_tree.product_groups`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProductGroup {
    pub group_id: String,
    pub product_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// One item of `product_tree.relationships`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Relationship {
    pub category: RelationshipCategory,
    pub full_product_name: FullProductName,
    pub product_reference: String,
    pub relates_to_product_reference: String,
}

/// `relationships[].category`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationshipCategory {
    DefaultComponentOf,
    ExternalComponentOf,
    InstalledOn,
    InstalledWith,
    OptionalComponentOf,
}

/// One item of `vulnerabilities`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Vulnerability {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledgments: Option<Vec<Acknowledgment>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cve: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwe: Option<Cwe>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<Vec<Flag>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<VulnerabilityId>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub involvements: Option<Vec<Involvement>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<Vec<Note>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_status: Option<ProductStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub references: Option<Vec<Reference>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediations: Option<Vec<Remediation>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scores: Option<Vec<Score>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threats: Option<Vec<Threat>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// `vulnerabilities[].cwe`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cwe {
    pub id: String,
    pub name: String,
}

/// One item of `vulnerabilities[].flags`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_ids: Option<Vec<String>>,
    pub label: FlagLabel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_ids: Option<Vec<String>>,
}

/// `flags[].label`: the VEX justifications.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagLabel {
    ComponentNotPresent,
    InlineMitigationsAlreadyExist,
    VulnerableCodeCannotBeControlledByAdversary,
    VulnerableCodeNotInExecutePath,
    VulnerableCodeNotPresent,
}

impl FlagLabel {
    /// Every label, in the schema's order.
    pub const ALL: [FlagLabel; 5] = [
        FlagLabel::ComponentNotPresent,
        FlagLabel::InlineMitigationsAlreadyExist,
        FlagLabel::VulnerableCodeCannotBeControlledByAdversary,
        FlagLabel::VulnerableCodeNotInExecutePath,
        FlagLabel::VulnerableCodeNotPresent,
    ];

    /// The label as written in CSAF, e.g. `component_not_present`.
    pub fn as_str(self) -> &'static str {
        match self {
            FlagLabel::ComponentNotPresent => "component_not_present",
            FlagLabel::InlineMitigationsAlreadyExist => "inline_mitigations_already_exist",
            FlagLabel::VulnerableCodeCannotBeControlledByAdversary => {
                "vulnerable_code_cannot_be_controlled_by_adversary"
            }
            FlagLabel::VulnerableCodeNotInExecutePath => "vulnerable_code_not_in_execute_path",
            FlagLabel::VulnerableCodeNotPresent => "vulnerable_code_not_present",
        }
    }

    /// Reads a label written as CSAF writes it.
    pub fn parse(label: &str) -> Option<FlagLabel> {
        FlagLabel::ALL.into_iter().find(|l| l.as_str() == label)
    }
}

/// One item of `vulnerabilities[].ids`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VulnerabilityId {
    pub system_name: String,
    pub text: String,
}

/// One item of `vulnerabilities[].involvements`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Involvement {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    pub party: InvolvementParty,
    pub status: InvolvementStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// `involvements[].party`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvolvementParty {
    Coordinator,
    Discoverer,
    Other,
    User,
    Vendor,
}

/// `involvements[].status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvolvementStatus {
    Completed,
    ContactAttempted,
    Disputed,
    InProgress,
    NotContacted,
    Open,
}

/// `vulnerabilities[].product_status`: product ids by status.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_affected: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_fixed: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_affected: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_not_affected: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_affected: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommended: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub under_investigation: Option<Vec<String>>,
}

/// One item of `vulnerabilities[].remediations`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Remediation {
    pub category: RemediationCategory,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    pub details: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entitlements: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_ids: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_ids: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_required: Option<RestartRequired>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// `remediations[].category`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemediationCategory {
    Mitigation,
    NoFixPlanned,
    NoneAvailable,
    VendorFix,
    Workaround,
}

/// `remediations[].restart_required`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RestartRequired {
    pub category: RestartCategory,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

/// `restart_required.category`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RestartCategory {
    Connected,
    Dependencies,
    Machine,
    None,
    Parent,
    Service,
    System,
    VulnerableComponent,
    Zone,
}

/// One item of `vulnerabilities[].scores`. The CVSS objects follow FIRST's
/// `cvss-v2.0.json` and `cvss-v3.x.json` schemas and are kept as JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Score {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss_v2: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss_v3: Option<Value>,
    pub products: Vec<String>,
}

/// One item of `vulnerabilities[].threats`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Threat {
    pub category: ThreatCategory,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    pub details: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_ids: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_ids: Option<Vec<String>>,
}

/// `threats[].category`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreatCategory {
    ExploitStatus,
    Impact,
    TargetSet,
}
