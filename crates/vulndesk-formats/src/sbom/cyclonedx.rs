//! CycloneDX JSON (spec 1.2 to 1.7), and the serde model it shares with the
//! textproto reader.
//!
//! The model holds only what vulndesk imports, every field optional, and
//! unknown fields are ignored, so documents that a strict schema check would
//! refuse for an unrelated field (a bad timestamp, an unknown component
//! type) still import. Problems in the fields we do read become
//! diagnostics with a JSON pointer.

use std::collections::HashSet;

use serde::Deserialize;

use super::{
    Component, Diagnostic, Location, ReadOptions, Sbom, SbomError, SbomFormat, check_hash, finish_graph, generated_ref,
    json_error, parse_purl, pointer,
};

/// The CycloneDX versions this reader accepts.
pub const SUPPORTED_VERSIONS: &[&str] = &["1.2", "1.3", "1.4", "1.5", "1.6", "1.7"];

/// A CycloneDX BOM, as far as vulndesk reads it.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Bom {
    pub(crate) bom_format: Option<String>,
    pub(crate) spec_version: Option<String>,
    pub(crate) metadata: Option<Metadata>,
    pub(crate) components: Option<Vec<CdxComponent>>,
    pub(crate) dependencies: Option<Vec<Dependency>>,
}

/// `metadata`: only the main component.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct Metadata {
    pub(crate) component: Option<CdxComponent>,
}

/// A component.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct CdxComponent {
    #[serde(rename = "bom-ref")]
    pub(crate) bom_ref: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) group: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) purl: Option<String>,
    pub(crate) cpe: Option<String>,
    pub(crate) supplier: Option<Organization>,
    pub(crate) publisher: Option<String>,
    pub(crate) hashes: Option<Vec<Hash>>,
    pub(crate) licenses: Option<Vec<LicenseChoice>>,
    pub(crate) components: Option<Vec<CdxComponent>>,
}

/// An organisational entity (only its name).
#[derive(Debug, Deserialize, Default)]
pub(crate) struct Organization {
    pub(crate) name: Option<String>,
}

/// A hash.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct Hash {
    pub(crate) alg: Option<String>,
    pub(crate) content: Option<String>,
}

/// One entry of `licenses`: a license or an SPDX expression.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct LicenseChoice {
    pub(crate) license: Option<License>,
    pub(crate) expression: Option<String>,
}

/// A license by SPDX id or by name.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct License {
    pub(crate) id: Option<String>,
    pub(crate) name: Option<String>,
}

/// A dependency-graph node.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Dependency {
    #[serde(rename = "ref")]
    pub(crate) reference: Option<String>,
    pub(crate) depends_on: Option<Vec<String>>,
}

/// Reads CycloneDX JSON.
///
/// # Errors
///
/// Malformed JSON (with line and column), a `bomFormat` other than
/// `CycloneDX`, an unsupported `specVersion`, or components nested deeper
/// than the limit.
pub fn read_json(bytes: &[u8], options: ReadOptions) -> Result<(Sbom, Vec<Diagnostic>), SbomError> {
    let bom: Bom = serde_json::from_slice(bytes).map_err(json_error)?;
    match bom.bom_format.as_deref() {
        Some("CycloneDX") => {}
        other => {
            return Err(SbomError::Invalid {
                location: Location::Pointer("/bomFormat".into()),
                message: format!("`bomFormat` must be \"CycloneDX\", not {other:?}"),
            });
        }
    }
    convert(bom, SbomFormat::CycloneDxJson, SUPPORTED_VERSIONS, options, &|p| Location::Pointer(p.to_owned()))
}

/// Turns the serde model into the neutral one. `locate` maps a JSON pointer
/// to the location reported (the textproto reader has no pointers of its
/// own, and maps them to the pointer too).
pub(crate) fn convert(
    bom: Bom,
    format: SbomFormat,
    versions: &[&str],
    options: ReadOptions,
    locate: &dyn Fn(&str) -> Location,
) -> Result<(Sbom, Vec<Diagnostic>), SbomError> {
    let spec_version = bom.spec_version.unwrap_or_default();
    if !versions.contains(&spec_version.as_str()) {
        return Err(SbomError::UnsupportedVersion { format, version: spec_version });
    }
    let mut diagnostics = Vec::new();
    let mut flat =
        Flattener { components: Vec::new(), diagnostics: &mut diagnostics, options, locate, refs: HashSet::new() };
    let mut roots = Vec::new();
    let mut name = None;
    if let Some(main) = bom.metadata.and_then(|m| m.component) {
        name = main.name.clone();
        let first = flat.components.len();
        flat.add(main, "/metadata/component", 0)?;
        if let Some(c) = flat.components.get(first) {
            roots.push(c.bom_ref.clone());
        }
    }
    for (i, c) in bom.components.unwrap_or_default().into_iter().enumerate() {
        flat.add(c, &pointer("/components", i), 0)?;
    }
    let components = flat.components;
    let mut dependencies = Vec::new();
    for (i, d) in bom.dependencies.unwrap_or_default().into_iter().enumerate() {
        match d.reference {
            Some(r) => dependencies.push((r, d.depends_on.unwrap_or_default())),
            None => diagnostics.push(Diagnostic {
                location: locate(&pointer("/dependencies", i)),
                message: "a dependency without `ref` is ignored".into(),
            }),
        }
    }
    let mut sbom = Sbom { format, spec_version, name, roots, components, dependencies };
    finish_graph(&mut sbom, &mut diagnostics, "/dependencies");
    Ok((sbom, diagnostics))
}

/// Flattens nested components, checking each as it goes.
struct Flattener<'a> {
    components: Vec<Component>,
    diagnostics: &'a mut Vec<Diagnostic>,
    options: ReadOptions,
    locate: &'a dyn Fn(&str) -> Location,
    refs: HashSet<String>,
}

impl Flattener<'_> {
    fn add(&mut self, c: CdxComponent, at: &str, depth: usize) -> Result<(), SbomError> {
        if depth > self.options.max_nesting {
            return Err(SbomError::TooDeep { location: (self.locate)(at), limit: self.options.max_nesting });
        }
        let locate = self.locate;
        let diag = |diagnostics: &mut Vec<Diagnostic>, field: &str, message: String| {
            diagnostics.push(Diagnostic { location: locate(&format!("{at}/{field}")), message });
        };
        let index = self.components.len();
        if c.bom_ref.as_deref() == Some("") {
            diag(self.diagnostics, "bom-ref", "an empty bom-ref is replaced by a generated one".into());
        }
        let bom_ref = match c.bom_ref.filter(|r| !r.is_empty()) {
            Some(r) => {
                if !self.refs.insert(r.clone()) {
                    diag(self.diagnostics, "bom-ref", format!("the bom-ref `{r}` is used by another component too"));
                }
                r
            }
            None => generated_ref(index),
        };
        let name = c.name.unwrap_or_default();
        if name.is_empty() {
            diag(self.diagnostics, "name", "the component has no name".into());
        }
        let purl = c.purl.as_deref().and_then(|p| parse_purl(p, || locate(&format!("{at}/purl")), self.diagnostics));
        let mut hashes = Vec::new();
        for (i, h) in c.hashes.unwrap_or_default().into_iter().enumerate() {
            let (alg, value) = (h.alg.unwrap_or_default(), h.content.unwrap_or_default());
            if let Some(problem) = check_hash(&alg, &value) {
                self.diagnostics.push(Diagnostic { location: locate(&format!("{at}/hashes/{i}")), message: problem });
            }
            hashes.push((alg, value));
        }
        let mut licenses = Vec::new();
        for (i, l) in c.licenses.unwrap_or_default().into_iter().enumerate() {
            let text = l.expression.or_else(|| l.license.and_then(|l| l.id.or(l.name)));
            match text {
                Some(t) => licenses.push(t),
                None => self.diagnostics.push(Diagnostic {
                    location: locate(&format!("{at}/licenses/{i}")),
                    message: "a license with neither id, name nor expression is ignored".into(),
                }),
            }
        }
        self.components.push(Component {
            bom_ref,
            name,
            group: c.group.filter(|g| !g.is_empty()),
            version: c.version.filter(|v| !v.is_empty()),
            purl,
            cpe: c.cpe.filter(|v| !v.is_empty()),
            supplier: c.supplier.and_then(|s| s.name).or(c.publisher),
            hashes,
            direct: None,
            licenses,
        });
        for (i, child) in c.components.unwrap_or_default().into_iter().enumerate() {
            self.add(child, &format!("{at}/components/{i}"), depth + 1)?;
        }
        Ok(())
    }
}
