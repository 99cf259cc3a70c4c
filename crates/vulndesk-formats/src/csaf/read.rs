//! Reading a CSAF 2.0 document into an [`AdvisoryDoc`].
//!
//! The reader keeps what vulndesk models and drops the rest (involvements, hashes, relationships'
//! structure, …). Products are the leaves of the product tree plus `full_product_names` and the
//! products relationships define; a leaf's vendor, name and version come from the enclosing
//! `vendor`, `product_name` (or `product_family`) and `product_version` (or
//! `product_version_range`) branches. Product groups are expanded wherever they are referenced.
//! Notes [`super::write`] adds (the CVSS v4.0 vector and the Chinese grade) are read back.
//!
//! A document without a TLP label is read as AMBER, so that an unlabelled document is never
//! made public by importing it.

use std::collections::BTreeMap;

use serde_json::Value;

use super::model::{
    Branch, BranchCategory, CsafDocument, FullProductName, Note, NoteCategory, ProductTree, ReferenceCategory,
    RemediationCategory, TlpLabel, TrackingStatus,
};
use super::write::{CVSS_V4_NOTE_TITLE, GRADE_NOTE_TITLES};
use crate::advisory::{
    AdvisoryDoc, DocStatus, Product, ProductState, ProductStatus, Publisher, Reference, Remediation, RemediationKind,
    Revision, Score, Tlp, Vulnerability,
};

/// Why a CSAF document could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsafError {
    /// The input is not JSON.
    #[error("not JSON (line {line}, column {column}): {message}")]
    Syntax { line: usize, column: usize, message: String },
    /// The input is JSON but not a CSAF 2.0 document: `path` is the JSON pointer of the faulty
    /// member (empty for the root), `line` and `column` where the parser stopped.
    #[error("not a CSAF 2.0 document at `{path}` (line {line}, column {column}): {message}")]
    Invalid { path: String, line: usize, column: usize, message: String },
    /// `document.csaf_version` is not `2.0`.
    #[error("unsupported CSAF version {0:?}: vulndesk reads CSAF 2.0")]
    UnsupportedVersion(String),
}

/// Parses a CSAF 2.0 document (JSON bytes) into the typed model.
pub(super) fn parse(json: &[u8]) -> Result<CsafDocument, CsafError> {
    let mut de = serde_json::Deserializer::from_slice(json);
    let parsed: Result<CsafDocument, _> = serde_path_to_error::deserialize(&mut de);
    let doc = match parsed {
        Ok(doc) => doc,
        Err(err) => {
            let pointer = pointer(err.path());
            let inner = err.into_inner();
            return Err(match inner.classify() {
                serde_json::error::Category::Data => CsafError::Invalid {
                    path: pointer,
                    line: inner.line(),
                    column: inner.column(),
                    message: strip_position(&inner),
                },
                _ => CsafError::Syntax { line: inner.line(), column: inner.column(), message: strip_position(&inner) },
            });
        }
    };
    if let Err(err) = de.end() {
        return Err(CsafError::Syntax { line: err.line(), column: err.column(), message: strip_position(&err) });
    }
    if doc.document.csaf_version != "2.0" {
        return Err(CsafError::UnsupportedVersion(doc.document.csaf_version));
    }
    Ok(doc)
}

/// serde_json's message without its trailing " at line L column C".
fn strip_position(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

fn pointer(path: &serde_path_to_error::Path) -> String {
    let mut out = String::new();
    for segment in path.iter() {
        out.push('/');
        match segment {
            serde_path_to_error::Segment::Seq { index } => out.push_str(&index.to_string()),
            serde_path_to_error::Segment::Map { key } => out.push_str(&key.replace('~', "~0").replace('/', "~1")),
            serde_path_to_error::Segment::Enum { variant } => out.push_str(variant),
            serde_path_to_error::Segment::Unknown => out.push('?'),
        }
    }
    out
}

/// Reads a CSAF 2.0 document into an [`AdvisoryDoc`], keeping the fields vulndesk models.
pub fn read(json: &[u8]) -> Result<AdvisoryDoc, CsafError> {
    Ok(to_advisory(&parse(json)?))
}

fn first_note(notes: Option<&Vec<Note>>, category: NoteCategory) -> Option<&Note> {
    notes?.iter().find(|n| n.category == category)
}

fn to_advisory(csaf: &CsafDocument) -> AdvisoryDoc {
    let meta = &csaf.document;
    let tracking = &meta.tracking;
    let groups: BTreeMap<&str, &[String]> = csaf
        .product_tree
        .as_ref()
        .and_then(|t| t.product_groups.as_ref())
        .map(|gs| gs.iter().map(|g| (g.group_id.as_str(), g.product_ids.as_slice())).collect())
        .unwrap_or_default();
    let expand = |ids: Option<&Vec<String>>, group_ids: Option<&Vec<String>>| -> Vec<String> {
        let mut out: Vec<String> = ids.cloned().unwrap_or_default();
        for g in group_ids.into_iter().flatten() {
            for id in groups.get(g.as_str()).copied().unwrap_or_default() {
                if !out.contains(id) {
                    out.push(id.clone());
                }
            }
        }
        out
    };

    let vulnerabilities = csaf
        .vulnerabilities
        .iter()
        .flatten()
        .map(|v| {
            let notes = v.notes.as_ref();
            let description = first_note(notes, NoteCategory::Description)
                .or_else(|| first_note(notes, NoteCategory::Details))
                .or_else(|| first_note(notes, NoteCategory::Summary))
                .map(|n| n.text.clone())
                .unwrap_or_default();
            let titled = |titles: &[&str]| {
                notes?
                    .iter()
                    .find(|n| n.title.as_deref().is_some_and(|t| titles.contains(&t)))
                    .map(|n| n.text.trim().to_owned())
            };
            let cvss_v4 = titled(&[CVSS_V4_NOTE_TITLE]).and_then(|text| v4_from_note(&text));
            let grade = titled(&GRADE_NOTE_TITLES);
            let cvss_v3 = v.scores.iter().flatten().filter_map(|s| s.cvss_v3.as_ref()).find_map(|c| {
                Some(Score {
                    vector: c.get("vectorString")?.as_str()?.to_owned(),
                    base_score: c.get("baseScore").and_then(Value::as_f64).unwrap_or_default(),
                    severity: c.get("baseSeverity").and_then(Value::as_str).unwrap_or_default().to_owned(),
                })
            });

            let mut product_states = Vec::new();
            if let Some(status) = &v.product_status {
                let mut push = |list: &Option<Vec<String>>, make: &dyn Fn(&str) -> ProductStatus| {
                    for id in list.iter().flatten() {
                        product_states.push(ProductState { product_id: id.clone(), status: make(id) });
                    }
                };
                push(&status.first_affected, &|_| ProductStatus::KnownAffected);
                push(&status.known_affected, &|_| ProductStatus::KnownAffected);
                push(&status.last_affected, &|_| ProductStatus::KnownAffected);
                push(&status.first_fixed, &|_| ProductStatus::Fixed);
                push(&status.fixed, &|_| ProductStatus::Fixed);
                push(&status.under_investigation, &|_| ProductStatus::UnderInvestigation);
                push(&status.known_not_affected, &|id| {
                    let justification = v
                        .flags
                        .iter()
                        .flatten()
                        .find(|f| expand(f.product_ids.as_ref(), f.group_ids.as_ref()).iter().any(|p| p == id))
                        .map(|f| f.label.as_str().to_owned())
                        .unwrap_or_default();
                    let statement = v
                        .threats
                        .iter()
                        .flatten()
                        .filter(|t| t.category == super::model::ThreatCategory::Impact)
                        .find(|t| expand(t.product_ids.as_ref(), t.group_ids.as_ref()).iter().any(|p| p == id))
                        .map(|t| t.details.clone())
                        .unwrap_or_default();
                    ProductStatus::KnownNotAffected { justification, statement }
                });
            }

            Vulnerability {
                cve: v.cve.clone(),
                ids: v.ids.iter().flatten().map(|i| (i.system_name.clone(), i.text.clone())).collect(),
                title: v.title.clone().unwrap_or_default(),
                description,
                cwe: v.cwe.as_ref().map(|c| (c.id.clone(), c.name.clone())),
                cvss_v3,
                cvss_v4,
                grade,
                discovery_date: v.discovery_date.clone(),
                release_date: v.release_date.clone(),
                acknowledgments: acknowledgment_names(v.acknowledgments.as_ref()),
                product_states,
                remediations: v
                    .remediations
                    .iter()
                    .flatten()
                    .map(|r| Remediation {
                        kind: remediation_kind(r.category),
                        details: r.details.clone(),
                        url: r.url.clone(),
                        product_ids: expand(r.product_ids.as_ref(), r.group_ids.as_ref()),
                        date: r.date.clone(),
                    })
                    .collect(),
                references: references(v.references.as_ref()),
            }
        })
        .collect();

    AdvisoryDoc {
        id: tracking.id.clone(),
        title: meta.title.clone(),
        summary: first_note(meta.notes.as_ref(), NoteCategory::Summary).map(|n| n.text.clone()).unwrap_or_default(),
        lang: meta.lang.clone().unwrap_or_else(|| "en".to_owned()),
        publisher: Publisher {
            name: meta.publisher.name.clone(),
            namespace: meta.publisher.namespace.clone(),
            contact: meta.publisher.contact_details.clone(),
        },
        tlp: match meta.distribution.as_ref().and_then(|d| d.tlp.as_ref()).map(|t| t.label) {
            Some(TlpLabel::White) => Tlp::Clear,
            Some(TlpLabel::Green) => Tlp::Green,
            Some(TlpLabel::Amber) | None => Tlp::Amber,
            Some(TlpLabel::Red) => Tlp::Red,
        },
        status: match tracking.status {
            TrackingStatus::Draft => DocStatus::Draft,
            TrackingStatus::Interim => DocStatus::Interim,
            TrackingStatus::Final => DocStatus::Final,
        },
        version: tracking.version.clone(),
        initial_release_date: tracking.initial_release_date.clone(),
        current_release_date: tracking.current_release_date.clone(),
        revisions: tracking
            .revision_history
            .iter()
            .map(|r| Revision { number: r.number.clone(), date: r.date.clone(), summary: r.summary.clone() })
            .collect(),
        products: csaf.product_tree.as_ref().map(products).unwrap_or_default(),
        vulnerabilities,
        references: references(meta.references.as_ref()),
        packages: Vec::new(),
        acknowledgments: acknowledgment_names(meta.acknowledgments.as_ref()),
    }
}

/// Reads the note [`super::write`] writes for a v4 vector: `CVSS:4.0/… (base score 9.3, CRITICAL)`.
/// The score and severity are recomputed when the note does not carry them.
fn v4_from_note(text: &str) -> Option<Score> {
    let vector = text.split_whitespace().next()?.to_owned();
    if !vector.starts_with("CVSS:4.0/") {
        return None;
    }
    let inner = text.split_once("(base score ").and_then(|(_, rest)| rest.strip_suffix(')'));
    if let Some((score, severity)) = inner.and_then(|i| i.split_once(", "))
        && let Ok(base_score) = score.trim().parse::<f64>()
    {
        return Some(Score { vector, base_score, severity: severity.trim().to_owned() });
    }
    let scores = crate::cvss::parse(&vector).ok()?.scores();
    Some(Score { vector, base_score: scores.base_score, severity: scores.base_severity.name().to_uppercase() })
}

fn remediation_kind(category: RemediationCategory) -> RemediationKind {
    match category {
        RemediationCategory::Mitigation => RemediationKind::Mitigation,
        RemediationCategory::NoFixPlanned => RemediationKind::NoFixPlanned,
        RemediationCategory::NoneAvailable => RemediationKind::NoneAvailable,
        RemediationCategory::VendorFix => RemediationKind::VendorFix,
        RemediationCategory::Workaround => RemediationKind::Workaround,
    }
}

fn acknowledgment_names(acks: Option<&Vec<super::model::Acknowledgment>>) -> Vec<String> {
    let mut out = Vec::new();
    for ack in acks.into_iter().flatten() {
        match &ack.names {
            Some(names) if !names.is_empty() => out.extend(names.iter().cloned()),
            _ => out.extend(ack.organization.iter().cloned()),
        }
    }
    out
}

fn references(refs: Option<&Vec<super::model::Reference>>) -> Vec<Reference> {
    refs.into_iter()
        .flatten()
        .map(|r| Reference {
            url: r.url.clone(),
            summary: r.summary.clone(),
            is_self: r.category == Some(ReferenceCategory::SelfRef),
        })
        .collect()
}

/// The vendor, product name and version a branch path has given so far.
#[derive(Clone, Default)]
struct Context {
    vendor: String,
    name: String,
    version: String,
}

fn products(tree: &ProductTree) -> Vec<Product> {
    let mut out = Vec::new();
    fn walk(branches: &[Branch], ctx: &Context, out: &mut Vec<Product>) {
        for b in branches {
            let mut ctx = ctx.clone();
            match b.category {
                BranchCategory::Vendor => ctx.vendor = b.name.clone(),
                BranchCategory::ProductName => ctx.name = b.name.clone(),
                BranchCategory::ProductFamily if ctx.name.is_empty() => ctx.name = b.name.clone(),
                BranchCategory::ProductVersion | BranchCategory::ProductVersionRange => ctx.version = b.name.clone(),
                _ => {}
            }
            if let Some(p) = &b.product {
                out.push(product(p, &ctx));
            }
            walk(b.branches.as_deref().unwrap_or_default(), &ctx, out);
        }
    }
    walk(tree.branches.as_deref().unwrap_or_default(), &Context::default(), &mut out);
    for p in tree.full_product_names.iter().flatten() {
        out.push(product(p, &Context::default()));
    }
    for r in tree.relationships.iter().flatten() {
        out.push(product(&r.full_product_name, &Context::default()));
    }
    out
}

fn product(p: &FullProductName, ctx: &Context) -> Product {
    Product {
        id: p.product_id.clone(),
        vendor: ctx.vendor.clone(),
        name: if ctx.name.is_empty() { p.name.clone() } else { ctx.name.clone() },
        version: ctx.version.clone(),
        purl: p.product_identification_helper.as_ref().and_then(|h| h.purl.clone()),
    }
}
