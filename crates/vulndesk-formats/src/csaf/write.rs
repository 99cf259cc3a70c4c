//! Writing an [`AdvisoryDoc`] as a CSAF 2.0 document.
//!
//! Most fields are copied. What is derived, and why:
//!
//! - TLP: CSAF 2.0 only knows TLP 1.0 labels, so TLP 2.0's CLEAR is written as `WHITE`; the
//!   TLP 2.0 label is stated in `distribution.text` and in a `general` document note.
//! - The product tree is built as vendor → product name → product version branches; a version
//!   that looks like a range is a `product_version_range` branch (mandatory test 6.1.31).
//! - Scores: the CVSS v3 base score and severity are recomputed from the vector by
//!   [`crate::cvss`] so that they always agree with it (6.1.9); CSAF 2.0 has no CVSS v4, so a
//!   v4 vector goes into a vulnerability note titled `CVSS v4.0`. A score applies to the
//!   vulnerability's affected products (or, when none is affected, to every product with a
//!   status other than not affected).
//! - A remediation without products applies to the vulnerability's affected products.
//! - VEX (`csaf_vex`): every affected product needs an action statement (6.1.27.10), so one
//!   without a remediation gets a `none_available` remediation; every not-affected product needs
//!   an impact statement (6.1.27.9): its justification becomes a flag when it is one of CSAF's
//!   five labels, and its statement a threat of category `impact`.
//! - An advisory without revisions gets one revision for its current version, so that the
//!   revision history, which CSAF requires, ends at the document version (6.1.16).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::model::{
    self, Acknowledgment, Branch, BranchCategory, CsafDocument, Distribution, DocumentMeta, Engine, Flag, FlagLabel,
    FullProductName, Generator, Note, NoteCategory, ProductIdentificationHelper, ProductStatus, ProductTree,
    PublisherCategory, Reference, ReferenceCategory, Remediation, RemediationCategory, RevisionEntry, Score, Threat,
    ThreatCategory, TlpLabel, TlpMarking, Tracking, TrackingStatus, VulnerabilityId,
};
use crate::advisory::{self, AdvisoryDoc, DocStatus, Product, ProductStatus as State, Profile, RemediationKind, Tlp};

/// Renders `doc` as a CSAF 2.0 document in `profile`, as JSON.
pub fn write(doc: &AdvisoryDoc, profile: Profile) -> Value {
    // Serialising plain structs with string keys cannot fail.
    serde_json::to_value(to_document(doc, profile)).unwrap_or(Value::Null)
}

/// Renders `doc` as a typed CSAF 2.0 document in `profile`.
pub fn to_document(doc: &AdvisoryDoc, profile: Profile) -> CsafDocument {
    let texts = Texts::for_lang(&doc.lang);
    CsafDocument {
        document: document_meta(doc, profile, &texts),
        product_tree: Some(product_tree(&doc.products)),
        vulnerabilities: Some(doc.vulnerabilities.iter().map(|v| vulnerability(v, profile, &texts)).collect()),
    }
}

/// The fixed texts vulndesk adds, in the document's language.
struct Texts {
    zh: bool,
    summary: &'static str,
    description: &'static str,
    tlp_title: &'static str,
    grade: &'static str,
    current_version: &'static str,
    no_remediation: &'static str,
    not_affected: &'static str,
}

impl Texts {
    fn for_lang(lang: &str) -> Texts {
        if lang.to_ascii_lowercase().starts_with("zh") {
            Texts {
                zh: true,
                summary: "摘要",
                description: "描述",
                tlp_title: "信息共享等级（TLP）",
                grade: "漏洞等级",
                current_version: "当前版本",
                no_remediation: "目前尚无修复或缓解措施。",
                not_affected: "该产品不受此漏洞影响。",
            }
        } else {
            Texts {
                zh: false,
                summary: "Summary",
                description: "Description",
                tlp_title: "Traffic Light Protocol",
                grade: "Severity grade",
                current_version: "Current version",
                no_remediation: "No remediation is available yet.",
                not_affected: "The product is not affected by this vulnerability.",
            }
        }
    }
}

/// The note title under which a CVSS v4.0 vector is written (and read back).
pub(crate) const CVSS_V4_NOTE_TITLE: &str = "CVSS v4.0";
/// The note titles under which the Chinese grade is written, per language.
pub(super) const GRADE_NOTE_TITLES: [&str; 2] = ["Severity grade", "漏洞等级"];

fn tlp_label(tlp: Tlp) -> TlpLabel {
    match tlp {
        Tlp::Clear => TlpLabel::White,
        Tlp::Green => TlpLabel::Green,
        Tlp::Amber => TlpLabel::Amber,
        Tlp::Red => TlpLabel::Red,
    }
}

fn tlp_text(tlp: Tlp, zh: bool) -> String {
    let label = tlp_label(tlp);
    let v1 = serde_json::to_value(label).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    if zh {
        format!("TLP:{}（TLP 2.0）。CSAF 2.0 使用 TLP 1.0 标签，故标记为 TLP:{v1}。", tlp.as_str())
    } else {
        format!("TLP:{} (TLP 2.0). CSAF 2.0 uses TLP 1.0 labels, so the label is TLP:{v1}.", tlp.as_str())
    }
}

fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn some_vec<T>(items: Vec<T>) -> Option<Vec<T>> {
    (!items.is_empty()).then_some(items)
}

fn document_meta(doc: &AdvisoryDoc, profile: Profile, texts: &Texts) -> DocumentMeta {
    let zh = texts.zh;
    let mut notes = Vec::new();
    if let Some(summary) = non_empty(&doc.summary) {
        notes.push(Note {
            audience: None,
            category: NoteCategory::Summary,
            text: summary,
            title: Some(texts.summary.to_owned()),
        });
    }
    notes.push(Note {
        audience: None,
        category: NoteCategory::General,
        text: tlp_text(doc.tlp, zh),
        title: Some(texts.tlp_title.to_owned()),
    });
    DocumentMeta {
        acknowledgments: some_vec(acknowledgments(&doc.acknowledgments)),
        aggregate_severity: None,
        category: match profile {
            Profile::SecurityAdvisory => "csaf_security_advisory",
            Profile::Vex => "csaf_vex",
        }
        .to_owned(),
        csaf_version: "2.0".to_owned(),
        distribution: Some(Distribution {
            text: Some(tlp_text(doc.tlp, zh)),
            tlp: Some(TlpMarking { label: tlp_label(doc.tlp), url: Some("https://www.first.org/tlp/".to_owned()) }),
        }),
        lang: non_empty(&doc.lang),
        notes: Some(notes),
        publisher: model::Publisher {
            category: PublisherCategory::Vendor,
            contact_details: doc.publisher.contact.as_deref().and_then(non_empty),
            issuing_authority: None,
            name: doc.publisher.name.clone(),
            namespace: doc.publisher.namespace.clone(),
        },
        references: some_vec(doc.references.iter().map(reference).collect()),
        source_lang: None,
        title: doc.title.clone(),
        tracking: tracking(doc, texts),
    }
}

fn tracking(doc: &AdvisoryDoc, texts: &Texts) -> Tracking {
    let mut revision_history: Vec<RevisionEntry> = doc
        .revisions
        .iter()
        .map(|r| RevisionEntry {
            date: r.date.clone(),
            legacy_version: None,
            number: r.number.clone(),
            summary: non_empty(&r.summary).unwrap_or_else(|| texts.current_version.to_owned()),
        })
        .collect();
    if revision_history.is_empty() {
        revision_history.push(RevisionEntry {
            date: doc.current_release_date.clone(),
            legacy_version: None,
            number: doc.version.clone(),
            summary: texts.current_version.to_owned(),
        });
    }
    Tracking {
        aliases: None,
        current_release_date: doc.current_release_date.clone(),
        generator: Some(Generator {
            date: None,
            engine: Engine { name: "vulndesk".to_owned(), version: Some(env!("CARGO_PKG_VERSION").to_owned()) },
        }),
        id: doc.id.clone(),
        initial_release_date: doc.initial_release_date.clone(),
        revision_history,
        status: match doc.status {
            DocStatus::Draft => TrackingStatus::Draft,
            DocStatus::Interim => TrackingStatus::Interim,
            DocStatus::Final => TrackingStatus::Final,
        },
        version: doc.version.clone(),
    }
}

fn acknowledgments(names: &[String]) -> Vec<Acknowledgment> {
    names
        .iter()
        .filter_map(|n| non_empty(n))
        .map(|name| Acknowledgment { names: Some(vec![name]), ..Acknowledgment::default() })
        .collect()
}

fn reference(r: &advisory::Reference) -> Reference {
    Reference {
        category: Some(if r.is_self { ReferenceCategory::SelfRef } else { ReferenceCategory::External }),
        summary: non_empty(&r.summary).unwrap_or_else(|| r.url.clone()),
        url: r.url.clone(),
    }
}

/// Whether a product version names a range rather than one version (the words and operators
/// mandatory test 6.1.31 looks for).
fn looks_like_range(version: &str) -> bool {
    const WORDS: [&str; 7] = ["after", "all", "before", "earlier", "later", "prior", "versions"];
    let lower = version.to_lowercase();
    lower.contains('<')
        || lower.contains('>')
        || lower.starts_with("vers:")
        || lower.split_whitespace().any(|w| WORDS.contains(&w))
}

fn full_product_name(p: &Product) -> FullProductName {
    let name = [p.vendor.trim(), p.name.trim(), p.version.trim()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    FullProductName {
        name: if name.is_empty() { p.id.clone() } else { name },
        product_id: p.id.clone(),
        product_identification_helper: p
            .purl
            .as_deref()
            .and_then(non_empty)
            .map(|purl| ProductIdentificationHelper { purl: Some(purl), ..ProductIdentificationHelper::default() }),
    }
}

/// Products grouped by vendor, then by product name, in the order they first appear.
type ByVendor<'a> = Vec<(String, Vec<(String, Vec<&'a Product>)>)>;

/// Vendor → product name → product version branches, in the order products first appear.
/// Empty names skip their level; a product without a version hangs from its name branch.
fn product_tree(products: &[Product]) -> ProductTree {
    let mut vendors: ByVendor<'_> = Vec::new();
    for p in products {
        let vendor = p.vendor.trim().to_owned();
        let vi = match vendors.iter().position(|(v, _)| *v == vendor) {
            Some(i) => i,
            None => {
                vendors.push((vendor, Vec::new()));
                vendors.len() - 1
            }
        };
        let names = &mut vendors[vi].1;
        let name = p.name.trim().to_owned();
        match names.iter_mut().find(|(n, _)| *n == name) {
            Some((_, ps)) => ps.push(p),
            None => names.push((name, vec![p])),
        }
    }
    let mut top = Vec::new();
    let mut loose = Vec::new();
    for (vendor, names) in vendors {
        let mut name_branches = Vec::new();
        for (name, ps) in names {
            let mut leaves = Vec::new();
            for p in ps {
                let version = p.version.trim();
                if version.is_empty() {
                    if name.is_empty() {
                        loose.push(full_product_name(p));
                    } else {
                        // A branch holds either branches or a product, so an unversioned product
                        // gets a name branch of its own.
                        name_branches.push(Branch {
                            branches: None,
                            category: BranchCategory::ProductName,
                            name: name.clone(),
                            product: Some(full_product_name(p)),
                        });
                    }
                    continue;
                }
                let category = if looks_like_range(version) {
                    BranchCategory::ProductVersionRange
                } else {
                    BranchCategory::ProductVersion
                };
                leaves.push(Branch {
                    branches: None,
                    category,
                    name: version.to_owned(),
                    product: Some(full_product_name(p)),
                });
            }
            if leaves.is_empty() {
                continue;
            }
            if name.is_empty() {
                name_branches.extend(leaves);
            } else {
                name_branches.push(Branch {
                    branches: Some(leaves),
                    category: BranchCategory::ProductName,
                    name,
                    product: None,
                });
            }
        }
        if name_branches.is_empty() {
            continue;
        }
        if vendor.is_empty() {
            top.extend(name_branches);
        } else {
            top.push(Branch {
                branches: Some(name_branches),
                category: BranchCategory::Vendor,
                name: vendor,
                product: None,
            });
        }
    }
    ProductTree {
        branches: some_vec(top),
        full_product_names: some_vec(loose),
        product_groups: None,
        relationships: None,
    }
}

fn remediation_category(kind: RemediationKind) -> RemediationCategory {
    match kind {
        RemediationKind::VendorFix => RemediationCategory::VendorFix,
        RemediationKind::Mitigation => RemediationCategory::Mitigation,
        RemediationKind::Workaround => RemediationCategory::Workaround,
        RemediationKind::NoFixPlanned => RemediationCategory::NoFixPlanned,
        RemediationKind::NoneAvailable => RemediationCategory::NoneAvailable,
    }
}

/// The CSAF `cvss_v3` object for a stored v3 score, with the score recomputed from the vector.
fn cvss_v3(score: &advisory::Score) -> Option<Value> {
    let vector = score.vector.trim();
    let (version, base, severity) = match crate::cvss::parse(vector) {
        Ok(parsed @ crate::cvss::CvssVector::V3(_)) => {
            let scores = parsed.scores();
            (scores.version.as_str().to_owned(), scores.base_score, scores.base_severity.name().to_uppercase())
        }
        Ok(crate::cvss::CvssVector::V4(_)) => return None,
        Err(_) => {
            let version = vector.strip_prefix("CVSS:")?.split('/').next()?.to_owned();
            if version != "3.0" && version != "3.1" {
                return None;
            }
            (version, score.base_score, score.severity.trim().to_uppercase())
        }
    };
    Some(json!({
        "version": version,
        "vectorString": vector,
        "baseScore": base,
        "baseSeverity": severity,
    }))
}

fn vulnerability(v: &advisory::Vulnerability, profile: Profile, texts: &Texts) -> model::Vulnerability {
    let mut status = ProductStatus::default();
    let mut affected = Vec::new();
    let mut not_affected = Vec::new();
    let mut others = Vec::new();
    let mut flags: BTreeMap<&'static str, (FlagLabel, Vec<String>)> = BTreeMap::new();
    let mut threats: Vec<(String, Vec<String>)> = Vec::new();
    for state in &v.product_states {
        let id = state.product_id.clone();
        let list = match &state.status {
            State::KnownAffected => {
                affected.push(id.clone());
                &mut status.known_affected
            }
            State::Fixed => {
                others.push(id.clone());
                &mut status.fixed
            }
            State::UnderInvestigation => {
                others.push(id.clone());
                &mut status.under_investigation
            }
            State::KnownNotAffected { justification, statement } => {
                not_affected.push(id.clone());
                let label = FlagLabel::parse(justification.trim());
                if let Some(label) = label {
                    flags.entry(label.as_str()).or_insert_with(|| (label, Vec::new())).1.push(id.clone());
                }
                let statement = match non_empty(statement) {
                    Some(s) => Some(s),
                    // VEX needs an impact statement; a flag is one.
                    None if label.is_none() && profile == Profile::Vex => Some(texts.not_affected.to_owned()),
                    None => None,
                };
                if let Some(statement) = statement {
                    match threats.iter_mut().find(|(s, _)| *s == statement) {
                        Some((_, ids)) => ids.push(id.clone()),
                        None => threats.push((statement, vec![id.clone()])),
                    }
                }
                &mut status.known_not_affected
            }
        };
        list.get_or_insert_with(Vec::new).push(id);
    }

    let mut remediations: Vec<Remediation> = v
        .remediations
        .iter()
        .map(|r| {
            let ids = if r.product_ids.is_empty() { affected.clone() } else { r.product_ids.clone() };
            Remediation {
                category: remediation_category(r.kind),
                date: r.date.as_deref().and_then(non_empty),
                details: non_empty(&r.details).unwrap_or_else(|| r.kind.as_str().replace('_', " ")),
                entitlements: None,
                group_ids: None,
                product_ids: some_vec(ids),
                restart_required: None,
                url: r.url.as_deref().and_then(non_empty),
            }
        })
        .collect();
    if profile == Profile::Vex {
        let uncovered: Vec<String> = affected
            .iter()
            .filter(|id| !remediations.iter().any(|r| r.product_ids.as_ref().is_some_and(|ids| ids.contains(id))))
            .cloned()
            .collect();
        if !uncovered.is_empty() {
            remediations.push(Remediation {
                category: RemediationCategory::NoneAvailable,
                date: None,
                details: texts.no_remediation.to_owned(),
                entitlements: None,
                group_ids: None,
                product_ids: Some(uncovered),
                restart_required: None,
                url: None,
            });
        }
    }

    let scored = if affected.is_empty() { others } else { affected };
    let scores = match (v.cvss_v3.as_ref().and_then(cvss_v3), scored.is_empty()) {
        (Some(cvss), false) => Some(vec![Score { cvss_v2: None, cvss_v3: Some(cvss), products: scored }]),
        _ => None,
    };

    let mut notes = Vec::new();
    let description = non_empty(&v.description).or_else(|| non_empty(&v.title)).unwrap_or_else(|| {
        v.cve.clone().unwrap_or_else(|| v.ids.first().map(|(_, id)| id.clone()).unwrap_or_default())
    });
    if !description.is_empty() {
        notes.push(Note {
            audience: None,
            category: NoteCategory::Description,
            text: description,
            title: Some(texts.description.to_owned()),
        });
    }
    if let Some(v4) = &v.cvss_v4 {
        notes.push(Note {
            audience: None,
            category: NoteCategory::Other,
            text: format!("{} (base score {:.1}, {})", v4.vector.trim(), v4.base_score, v4.severity.trim()),
            title: Some(CVSS_V4_NOTE_TITLE.to_owned()),
        });
    }
    if let Some(grade) = v.grade.as_deref().and_then(non_empty) {
        notes.push(Note {
            audience: None,
            category: NoteCategory::Other,
            text: grade,
            title: Some(texts.grade.to_owned()),
        });
    }

    model::Vulnerability {
        acknowledgments: some_vec(acknowledgments(&v.acknowledgments)),
        cve: v.cve.as_deref().and_then(non_empty),
        cwe: v.cwe.as_ref().map(|(id, name)| model::Cwe { id: id.clone(), name: name.clone() }),
        discovery_date: v.discovery_date.as_deref().and_then(non_empty),
        flags: some_vec(
            flags
                .into_values()
                .map(|(label, ids)| Flag { date: None, group_ids: None, label, product_ids: Some(ids) })
                .collect(),
        ),
        ids: some_vec(
            v.ids
                .iter()
                .map(|(system, id)| VulnerabilityId { system_name: system.clone(), text: id.clone() })
                .collect(),
        ),
        involvements: None,
        notes: some_vec(notes),
        product_status: (status != ProductStatus::default()).then_some(status),
        references: some_vec(v.references.iter().map(reference).collect()),
        release_date: v.release_date.as_deref().and_then(non_empty),
        remediations: some_vec(remediations),
        scores,
        threats: some_vec(
            threats
                .into_iter()
                .map(|(details, ids)| Threat {
                    category: ThreatCategory::Impact,
                    date: None,
                    details,
                    group_ids: None,
                    product_ids: Some(ids),
                })
                .collect(),
        ),
        title: non_empty(&v.title),
    }
}
