//! SPDX 2.2 and 2.3 JSON, and the model it shares with the tag-value reader.
//!
//! Only packages become components; files and snippets are known elements
//! (relationships may name them) but are not imported. The dependency graph
//! is built from `DEPENDS_ON`, `DEPENDENCY_OF` (reversed), the other
//! dependency and link kinds, and `CONTAINS` / `CONTAINED_BY`; the roots are
//! the packages the document `DESCRIBES` (or lists in `documentDescribes`).
//! A package's purl comes from an external reference of category
//! `PACKAGE-MANAGER` (or `PACKAGE_MANAGER`) and type `purl`, its CPE from
//! category `SECURITY` and type `cpe23Type` (or `cpe22Type`).

use std::collections::HashSet;

use serde::Deserialize;

use super::{
    Component, Diagnostic, Location, Sbom, SbomError, SbomFormat, check_hash, finish_graph, json_error, parse_purl,
    pointer,
};

/// The SPDX 2 versions this reader accepts.
pub const SUPPORTED_VERSIONS: &[&str] = &["SPDX-2.2", "SPDX-2.3"];

/// An SPDX 2 document, as far as vulndesk reads it.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Document {
    #[serde(rename = "SPDXID")]
    pub(crate) spdx_id: Option<String>,
    pub(crate) spdx_version: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) document_describes: Option<Vec<String>>,
    pub(crate) packages: Option<Vec<Package>>,
    pub(crate) files: Option<Vec<Element>>,
    pub(crate) snippets: Option<Vec<Element>>,
    pub(crate) relationships: Option<Vec<Relationship>>,
}

/// A file or snippet: only its id matters.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct Element {
    #[serde(rename = "SPDXID")]
    pub(crate) spdx_id: Option<String>,
}

/// A package.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Package {
    #[serde(rename = "SPDXID")]
    pub(crate) spdx_id: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) version_info: Option<String>,
    pub(crate) supplier: Option<String>,
    pub(crate) checksums: Option<Vec<Checksum>>,
    pub(crate) external_refs: Option<Vec<ExternalRef>>,
    pub(crate) license_concluded: Option<String>,
    pub(crate) license_declared: Option<String>,
}

/// A checksum.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Checksum {
    pub(crate) algorithm: Option<String>,
    pub(crate) checksum_value: Option<String>,
}

/// An external reference.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExternalRef {
    pub(crate) reference_category: Option<String>,
    pub(crate) reference_type: Option<String>,
    pub(crate) reference_locator: Option<String>,
}

/// A relationship.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Relationship {
    pub(crate) spdx_element_id: Option<String>,
    pub(crate) relationship_type: Option<String>,
    pub(crate) related_spdx_element: Option<String>,
}

/// Reads SPDX 2 JSON.
///
/// # Errors
///
/// Malformed JSON (with line and column) or an unsupported `spdxVersion`.
pub fn read_json(bytes: &[u8]) -> Result<(Sbom, Vec<Diagnostic>), SbomError> {
    let doc: Document = serde_json::from_slice(bytes).map_err(json_error)?;
    convert(doc, SbomFormat::SpdxJson, &|p| Location::Pointer(p.to_owned()))
}

/// How a relationship type orients a dependency edge.
enum Edge {
    /// `A TYPE B`: A depends on (or contains) B.
    Forward,
    /// `A TYPE B`: B depends on (or contains) A.
    Backward,
    /// Not a dependency.
    None,
}

fn edge_kind(relationship: &str) -> Edge {
    match relationship {
        "DEPENDS_ON" | "CONTAINS" | "DYNAMIC_LINK" | "STATIC_LINK" | "HAS_PREREQUISITE" => Edge::Forward,
        "DEPENDENCY_OF"
        | "CONTAINED_BY"
        | "BUILD_DEPENDENCY_OF"
        | "DEV_DEPENDENCY_OF"
        | "OPTIONAL_DEPENDENCY_OF"
        | "PROVIDED_DEPENDENCY_OF"
        | "RUNTIME_DEPENDENCY_OF"
        | "TEST_DEPENDENCY_OF"
        | "PREREQUISITE_FOR" => Edge::Backward,
        _ => Edge::None,
    }
}

/// Turns the model into the neutral one; `locate` maps a JSON pointer to
/// the location reported.
pub(crate) fn convert(
    doc: Document,
    format: SbomFormat,
    locate: &dyn Fn(&str) -> Location,
) -> Result<(Sbom, Vec<Diagnostic>), SbomError> {
    let version = doc.spdx_version.unwrap_or_default();
    if !SUPPORTED_VERSIONS.contains(&version.as_str()) {
        return Err(SbomError::UnsupportedVersion { format, version });
    }
    let mut diagnostics = Vec::new();
    let document_id = doc.spdx_id.unwrap_or_else(|| "SPDXRef-DOCUMENT".into());
    let mut components = Vec::new();
    let mut package_ids = HashSet::new();
    for (i, p) in doc.packages.unwrap_or_default().into_iter().enumerate() {
        let at = pointer("/packages", i);
        let c = package(p, i, &at, locate, &mut diagnostics);
        if !package_ids.insert(c.bom_ref.clone()) {
            diagnostics.push(Diagnostic {
                location: locate(&format!("{at}/SPDXID")),
                message: format!("the SPDXID `{}` is used by another package too", c.bom_ref),
            });
        }
        components.push(c);
    }
    let mut other_ids: HashSet<String> = doc
        .files
        .unwrap_or_default()
        .into_iter()
        .chain(doc.snippets.unwrap_or_default())
        .filter_map(|e| e.spdx_id)
        .collect();
    other_ids.insert(document_id.clone());

    let mut roots: Vec<String> = doc.document_describes.unwrap_or_default();
    let mut edges: Vec<(String, String)> = Vec::new();
    for (i, r) in doc.relationships.unwrap_or_default().into_iter().enumerate() {
        let at = pointer("/relationships", i);
        let (Some(a), Some(kind), Some(b)) = (r.spdx_element_id, r.relationship_type, r.related_spdx_element) else {
            diagnostics
                .push(Diagnostic { location: locate(&at), message: "an incomplete relationship is ignored".into() });
            continue;
        };
        // References into other documents, NONE and NOASSERTION are fine.
        for id in [&a, &b] {
            let external = id.starts_with("DocumentRef-") || id == "NONE" || id == "NOASSERTION";
            if !external && !package_ids.contains(id) && !other_ids.contains(id) {
                diagnostics.push(Diagnostic {
                    location: locate(&at),
                    message: format!("the relationship names `{id}`, which is no element of the document"),
                });
            }
        }
        match kind.as_str() {
            "DESCRIBES" if a == document_id => roots.push(b),
            "DESCRIBED_BY" if b == document_id => roots.push(a),
            _ => {
                let (from, to) = match edge_kind(&kind) {
                    Edge::Forward => (a, b),
                    Edge::Backward => (b, a),
                    Edge::None => continue,
                };
                if package_ids.contains(&from) && package_ids.contains(&to) {
                    edges.push((from, to));
                }
            }
        }
    }
    let mut seen = HashSet::new();
    roots.retain(|r| package_ids.contains(r) && seen.insert(r.clone()));

    let mut dependencies: Vec<(String, Vec<String>)> = Vec::new();
    for (from, to) in edges {
        match dependencies.iter_mut().find(|(f, _)| *f == from) {
            Some((_, tos)) => {
                if !tos.contains(&to) {
                    tos.push(to);
                }
            }
            None => dependencies.push((from, vec![to])),
        }
    }
    let mut sbom = Sbom {
        format,
        spec_version: version.trim_start_matches("SPDX-").to_owned(),
        name: doc.name,
        roots,
        components,
        dependencies,
    };
    finish_graph(&mut sbom, &mut diagnostics, "/relationships");
    Ok((sbom, diagnostics))
}

/// Converts one package.
fn package(
    p: Package,
    index: usize,
    at: &str,
    locate: &dyn Fn(&str) -> Location,
    diagnostics: &mut Vec<Diagnostic>,
) -> Component {
    let bom_ref = p.spdx_id.unwrap_or_else(|| {
        diagnostics.push(Diagnostic {
            location: locate(at),
            message: "a package without SPDXID gets a generated reference".into(),
        });
        super::generated_ref(index)
    });
    let name = p.name.unwrap_or_default();
    if name.is_empty() {
        diagnostics
            .push(Diagnostic { location: locate(&format!("{at}/name")), message: "the package has no name".into() });
    }
    let mut purl = None;
    let mut cpe = None;
    for (i, r) in p.external_refs.unwrap_or_default().into_iter().enumerate() {
        let category = r.reference_category.unwrap_or_default().replace('_', "-");
        let kind = r.reference_type.unwrap_or_default();
        let locator = r.reference_locator.unwrap_or_default();
        match (category.as_str(), kind.as_str()) {
            ("PACKAGE-MANAGER", "purl") if purl.is_none() => {
                purl = parse_purl(&locator, || locate(&format!("{at}/externalRefs/{i}/referenceLocator")), diagnostics);
            }
            ("SECURITY", "cpe23Type" | "cpe22Type") if cpe.is_none() => cpe = Some(locator),
            _ => {}
        }
    }
    let mut hashes = Vec::new();
    for (i, c) in p.checksums.unwrap_or_default().into_iter().enumerate() {
        let (alg, value) = (c.algorithm.unwrap_or_default(), c.checksum_value.unwrap_or_default());
        if let Some(problem) = check_hash(&alg, &value) {
            diagnostics.push(Diagnostic { location: locate(&format!("{at}/checksums/{i}")), message: problem });
        }
        hashes.push((alg, value));
    }
    let mut licenses = Vec::new();
    for l in [p.license_declared, p.license_concluded].into_iter().flatten() {
        let l = l.trim().to_owned();
        if !l.is_empty() && l != "NOASSERTION" && l != "NONE" && !licenses.contains(&l) {
            licenses.push(l);
        }
    }
    Component {
        bom_ref,
        name,
        group: None,
        version: p.version_info.filter(|v| !v.is_empty() && v != "NOASSERTION"),
        purl,
        cpe,
        supplier: p.supplier.as_deref().and_then(supplier_name),
        hashes,
        direct: None,
        licenses,
    }
}

/// The name in an SPDX supplier (`Organization: Acme (a@b)`), or `None` for
/// `NOASSERTION`.
fn supplier_name(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() || text == "NOASSERTION" {
        return None;
    }
    let name = text
        .strip_prefix("Organization:")
        .or_else(|| text.strip_prefix("Person:"))
        .or_else(|| text.strip_prefix("Tool:"))
        .unwrap_or(text)
        .trim();
    let name = match name.rfind('(') {
        Some(i) if name.ends_with(')') => name[..i].trim(),
        _ => name,
    };
    Some(name.to_owned())
}
