//! SPDX 3.0 JSON-LD, in the serialisation the SPDX 3 examples use: one
//! object with `@context` and an `@graph` array of elements.
//!
//! Packages are the elements of type `software_Package`, `ai_AIPackage` and
//! `dataset_DatasetPackage`. A package's purl is `software_packageUrl` or an
//! `externalIdentifier` of type `packageUrl`; its CPE an identifier of type
//! `cpe23` or `cpe22`; its hashes come from `verifiedUsing`, its supplier
//! from the `suppliedBy` agent's name, its licenses from
//! `hasDeclaredLicense` / `hasConcludedLicense` relationships. The graph is
//! built from `dependsOn`, `contains`, `hasDynamicLink`, `hasStaticLink`
//! and the other dependency-like relationship types; the roots are the
//! `rootElement`s of the `software_Sbom` (or of the `SpdxDocument`) that are
//! packages, plus the targets of `describes`.
//!
//! Only the compacted JSON-LD form with the SPDX 3 context is read: a full
//! JSON-LD processor (expanding other contexts) is beyond this reader.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::{
    Component, Diagnostic, Location, Sbom, SbomError, SbomFormat, check_hash, finish_graph, json_error, parse_purl,
    pointer,
};

/// Element types read as packages.
const PACKAGE_TYPES: &[&str] = &["software_Package", "ai_AIPackage", "dataset_DatasetPackage"];

/// Relationship types read as "from depends on (or contains) to".
const EDGE_TYPES: &[&str] =
    &["dependsOn", "contains", "hasDynamicLink", "hasStaticLink", "hasProvidedDependency", "hasOptionalDependency"];

/// Reads SPDX 3 JSON-LD.
///
/// # Errors
///
/// Malformed JSON (with line and column), a document without `@graph`, or
/// an SPDX version other than 3.0.x.
pub fn read_json(bytes: &[u8]) -> Result<(Sbom, Vec<Diagnostic>), SbomError> {
    let value: Value = serde_json::from_slice(bytes).map_err(json_error)?;
    let Some(graph) = value.get("@graph").and_then(Value::as_array) else {
        return Err(SbomError::Unsupported(
            "SPDX 3 JSON-LD without an `@graph` array (only the compacted form with the SPDX 3 context is read)".into(),
        ));
    };
    let str_of = |e: &Value, key: &str| e.get(key).and_then(Value::as_str).map(str::to_owned);
    let version = graph
        .iter()
        .find(|e| e.get("type").and_then(Value::as_str) == Some("CreationInfo"))
        .and_then(|e| str_of(e, "specVersion"))
        .unwrap_or_default();
    if !version.starts_with("3.0") {
        return Err(SbomError::UnsupportedVersion { format: SbomFormat::Spdx3JsonLd, version });
    }
    let id_of = |e: &Value| str_of(e, "spdxId").or_else(|| str_of(e, "@id"));
    let by_id: HashMap<String, &Value> = graph.iter().filter_map(|e| id_of(e).map(|id| (id, e))).collect();

    let mut diagnostics = Vec::new();
    let mut components = Vec::new();
    let mut index_of: HashMap<String, usize> = HashMap::new();
    let mut name = None;
    let mut roots = Vec::new();
    for (i, e) in graph.iter().enumerate() {
        let at = pointer("/@graph", i);
        let ty = e.get("type").and_then(Value::as_str).unwrap_or_default();
        let root_elements = || {
            e.get("rootElement")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
        };
        match ty {
            "SpdxDocument" => {
                name = name.or_else(|| str_of(e, "name"));
                roots.extend(root_elements());
            }
            "software_Sbom" => roots.extend(root_elements()),
            t if PACKAGE_TYPES.contains(&t) => {
                let c = package(e, i, &at, &by_id, &mut diagnostics);
                index_of.insert(c.bom_ref.clone(), components.len());
                components.push(c);
            }
            _ => {}
        }
    }

    let mut dependencies: Vec<(String, Vec<String>)> = Vec::new();
    for (i, e) in graph.iter().enumerate() {
        let ty = e.get("type").and_then(Value::as_str).unwrap_or_default();
        if ty != "Relationship" && ty != "LifecycleScopedRelationship" {
            continue;
        }
        let kind = str_of(e, "relationshipType").unwrap_or_default();
        let from = str_of(e, "from").unwrap_or_default();
        let tos: Vec<String> = e
            .get("to")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        for to in &tos {
            if !by_id.contains_key(to) && !to.contains("spdx.org/") {
                diagnostics.push(Diagnostic {
                    location: Location::Pointer(pointer("/@graph", i)),
                    message: format!("the relationship names `{to}`, which is no element of the document"),
                });
            }
        }
        match kind.as_str() {
            "describes" => roots.extend(tos),
            "hasDeclaredLicense" | "hasConcludedLicense" => {
                if let Some(&ci) = index_of.get(&from) {
                    for to in &tos {
                        let text = by_id
                            .get(to)
                            .and_then(|l| str_of(l, "simplelicensing_licenseExpression").or_else(|| str_of(l, "name")))
                            .unwrap_or_else(|| to.rsplit('/').next().unwrap_or(to).to_owned());
                        if let Some(c) = components.get_mut(ci)
                            && text != "NOASSERTION"
                            && text != "NONE"
                            && !c.licenses.contains(&text)
                        {
                            c.licenses.push(text);
                        }
                    }
                }
            }
            k if EDGE_TYPES.contains(&k) && index_of.contains_key(&from) => {
                let tos: Vec<String> = tos.into_iter().filter(|t| index_of.contains_key(t)).collect();
                if !tos.is_empty() {
                    match dependencies.iter_mut().find(|(f, _)| *f == from) {
                        Some((_, list)) => list.extend(tos),
                        None => dependencies.push((from, tos)),
                    }
                }
            }
            _ => {}
        }
    }
    let mut seen = HashSet::new();
    roots.retain(|r| index_of.contains_key(r) && seen.insert(r.clone()));
    let mut sbom =
        Sbom { format: SbomFormat::Spdx3JsonLd, spec_version: version, name, roots, components, dependencies };
    finish_graph(&mut sbom, &mut diagnostics, "/@graph");
    Ok((sbom, diagnostics))
}

/// Converts one package element.
fn package(
    e: &Value,
    index: usize,
    at: &str,
    by_id: &HashMap<String, &Value>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Component {
    let str_of = |key: &str| e.get(key).and_then(Value::as_str).map(str::to_owned);
    let bom_ref = str_of("spdxId").or_else(|| str_of("@id")).unwrap_or_else(|| super::generated_ref(index));
    let mut purl = str_of("software_packageUrl")
        .and_then(|p| parse_purl(&p, || Location::Pointer(format!("{at}/software_packageUrl")), diagnostics));
    let mut cpe = None;
    let identifiers = e.get("externalIdentifier").and_then(Value::as_array);
    for (i, x) in identifiers.into_iter().flatten().enumerate() {
        let kind = x.get("externalIdentifierType").and_then(Value::as_str);
        let id = x.get("identifier").and_then(Value::as_str).unwrap_or_default();
        match kind {
            Some("packageUrl") if purl.is_none() => {
                purl = parse_purl(
                    id,
                    || Location::Pointer(format!("{at}/externalIdentifier/{i}/identifier")),
                    diagnostics,
                );
            }
            Some("cpe23" | "cpe22") if cpe.is_none() => cpe = Some(id.to_owned()),
            _ => {}
        }
    }
    let mut hashes = Vec::new();
    let verified = e.get("verifiedUsing").and_then(Value::as_array);
    for (i, h) in verified.into_iter().flatten().enumerate() {
        let alg = h.get("algorithm").and_then(Value::as_str).unwrap_or_default();
        let value = h.get("hashValue").and_then(Value::as_str).unwrap_or_default();
        if let Some(problem) = check_hash(alg, value) {
            diagnostics
                .push(Diagnostic { location: Location::Pointer(format!("{at}/verifiedUsing/{i}")), message: problem });
        }
        hashes.push((alg.to_owned(), value.to_owned()));
    }
    let supplier = str_of("suppliedBy").map(|id| {
        by_id.get(&id).and_then(|agent| agent.get("name").and_then(Value::as_str)).map_or(id.clone(), str::to_owned)
    });
    Component {
        bom_ref,
        name: str_of("name").unwrap_or_default(),
        group: None,
        version: str_of("software_packageVersion"),
        purl,
        cpe,
        supplier,
        hashes,
        direct: None,
        licenses: Vec::new(),
    }
}
