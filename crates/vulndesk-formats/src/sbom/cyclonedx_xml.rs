//! CycloneDX XML (spec 1.0 to 1.7), read with quick-xml's pull parser.
//!
//! The reader recognises the document by its root element `bom` in the
//! namespace `http://cyclonedx.org/schema/bom/<version>` (default or
//! prefixed), takes the spec version from that namespace, and fills the
//! same serde model as the JSON reader ([`super::cyclonedx`]), so both
//! formats are converted by one piece of code. Elements in other namespaces
//! (extensions, signatures) are skipped. Diagnostics carry the line of the
//! component they are about. Nesting is checked while reading, so a
//! document nesting components deeper than the limit is refused without
//! building it; external entities are never fetched or expanded.

use std::collections::HashMap;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::cyclonedx::{self, Bom, CdxComponent, Dependency, Hash, License, LicenseChoice, Metadata};
use super::{Diagnostic, Location, ReadOptions, Sbom, SbomError, SbomFormat};

/// The namespace prefix of every CycloneDX BOM version.
const NAMESPACE: &str = "http://cyclonedx.org/schema/bom/";

/// XML versions accepted (1.0 and 1.1 predate JSON but read the same).
const XML_VERSIONS: &[&str] = &["1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7"];

/// A component being read, with where it started.
struct Frame {
    component: CdxComponent,
    /// The index in `path` of this component's element.
    depth: usize,
    /// Its JSON-pointer-like path, for diagnostics.
    pointer: String,
    /// Where it goes when it ends.
    parent: Parent,
}

/// Where a finished component is attached.
enum Parent {
    Metadata,
    Top,
    Component,
}

/// Reads CycloneDX XML.
///
/// # Errors
///
/// Malformed XML (with its line), a root element that is not a CycloneDX
/// `bom`, an unknown version in the namespace, or components nested deeper
/// than the limit.
pub fn read(bytes: &[u8], options: ReadOptions) -> Result<(Sbom, Vec<Diagnostic>), SbomError> {
    let mut reader = Reader::from_reader(bytes);
    // Text is trimmed per field, not per event: an entity reference splits
    // the text into events, and the spaces around it belong to the value.
    reader.config_mut().trim_text(false);
    let mut lines = LineCounter::default();
    let xml_error = |e: quick_xml::Error, pos: u64, lines: &mut LineCounter| SbomError::Xml {
        line: lines.line_at(bytes, pos),
        message: e.to_string(),
    };

    let mut version: Option<String> = None;
    // The prefix bound to the CycloneDX namespace ("" for the default one).
    let mut prefix = String::new();
    // Local names of the open CycloneDX elements; `None` for foreign ones.
    let mut path: Vec<Option<String>> = Vec::new();
    let mut frames: Vec<Frame> = Vec::new();
    let mut bom = Bom { bom_format: Some("CycloneDX".into()), ..Bom::default() };
    let mut metadata_component = None;
    let mut top_components = Vec::new();
    let mut dependencies: Vec<Dependency> = Vec::new();
    let mut text = String::new();
    let mut hash_alg: Option<String> = None;
    let mut lines_of: HashMap<String, usize> = HashMap::new();

    loop {
        let pos = reader.buffer_position();
        let event = reader.read_event().map_err(|e| xml_error(e, reader.error_position(), &mut lines))?;
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            text.clear();
            if path.is_empty() && version.is_none() {
                let (v, p) = root_namespace(e)?;
                version = Some(v);
                prefix = p;
            }
            let local = own_name(e, &prefix);
            let names: Vec<&str> = path.iter().map(|n| n.as_deref().unwrap_or("#")).collect();
            if let Some(local) = local.as_deref() {
                // A new component?
                let parent = match (names.as_slice(), local) {
                    (["bom", "metadata"], "component") => Some(Parent::Metadata),
                    (["bom", "components"], "component") => Some(Parent::Top),
                    (p, "component")
                        if p.len() >= 2
                            && p[p.len() - 1] == "components"
                            && frames.last().is_some_and(|f| f.depth == p.len() - 2) =>
                    {
                        Some(Parent::Component)
                    }
                    _ => None,
                };
                if let Some(parent) = parent {
                    if frames.len() > options.max_nesting {
                        return Err(SbomError::TooDeep {
                            location: Location::Line(lines.line_at(bytes, pos)),
                            limit: options.max_nesting,
                        });
                    }
                    let pointer = match (&parent, frames.last()) {
                        (Parent::Metadata, _) => "/metadata/component".to_owned(),
                        (Parent::Top, _) => format!("/components/{}", top_components.len()),
                        (Parent::Component, Some(f)) => {
                            format!("{}/components/{}", f.pointer, f.component.components.as_ref().map_or(0, Vec::len))
                        }
                        (Parent::Component, None) => String::new(),
                    };
                    lines_of.insert(pointer.clone(), lines.line_at(bytes, pos));
                    frames.push(Frame {
                        component: CdxComponent { bom_ref: attr(e, "bom-ref"), ..CdxComponent::default() },
                        depth: path.len(),
                        pointer,
                        parent,
                    });
                }
                // A license entry starts with its element, so that one with
                // neither id nor name is still seen (and reported).
                if local == "license"
                    && let Some(f) = frames.last_mut()
                    && path.len() == f.depth + 2
                    && names.last() == Some(&"licenses")
                {
                    f.component.licenses.get_or_insert_with(Vec::new).push(LicenseChoice::default());
                }
                match (names.as_slice(), local) {
                    (["bom", "dependencies"], "dependency") => {
                        lines_of.insert(format!("/dependencies/{}", dependencies.len()), lines.line_at(bytes, pos));
                        dependencies.push(Dependency { reference: attr(e, "ref"), depends_on: Some(Vec::new()) });
                    }
                    (["bom", "dependencies", "dependency"], "dependency") => {
                        if let (Some(d), Some(r)) = (dependencies.last_mut(), attr(e, "ref")) {
                            d.depends_on.get_or_insert_with(Vec::new).push(r);
                        }
                    }
                    (_, "hash") => hash_alg = attr(e, "alg"),
                    _ => {}
                }
            }
            path.push(local);
            if !empty {
                continue;
            }
        }
        match event {
            Event::Text(t) => {
                let decoded = t
                    .decode()
                    .map_err(|e| SbomError::Xml { line: lines.line_at(bytes, pos), message: e.to_string() })?;
                text.push_str(&decoded);
            }
            Event::CData(t) => text.push_str(&String::from_utf8_lossy(&t)),
            Event::GeneralRef(r) => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    text.push(c);
                } else {
                    let name: &[u8] = &r;
                    match name {
                        b"amp" => text.push('&'),
                        b"lt" => text.push('<'),
                        b"gt" => text.push('>'),
                        b"quot" => text.push('"'),
                        b"apos" => text.push('\''),
                        _ => {}
                    }
                }
            }
            Event::End(_) | Event::Empty(_) => {
                let closing = path.len().saturating_sub(1);
                if let Some(frame) = frames.last_mut() {
                    if frame.depth == closing {
                        // The component itself ends.
                        if let Some(done) = frames.pop() {
                            attach(done, &mut frames, &mut metadata_component, &mut top_components);
                        }
                    } else if closing > frame.depth {
                        let rel: Vec<&str> =
                            path[frame.depth + 1..].iter().map(|n| n.as_deref().unwrap_or("#")).collect();
                        field(&mut frame.component, &rel, &text, &mut hash_alg);
                    }
                }
                path.pop();
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let Some(version) = version else {
        return Err(SbomError::UnknownFormat("XML without a root element".into()));
    };
    bom.spec_version = Some(version);
    bom.metadata = metadata_component.map(|c| Metadata { component: Some(c) });
    bom.components = Some(top_components);
    bom.dependencies = Some(dependencies);
    let locate = |p: &str| {
        let mut key = p;
        loop {
            if let Some(&line) = lines_of.get(key) {
                return Location::Line(line);
            }
            match key.rfind('/') {
                Some(i) => key = &key[..i],
                None => return Location::Line(1),
            }
        }
    };
    cyclonedx::convert(bom, SbomFormat::CycloneDxXml, XML_VERSIONS, options, &locate)
}

/// Attaches a finished component to its parent.
fn attach(done: Frame, frames: &mut [Frame], metadata: &mut Option<CdxComponent>, top: &mut Vec<CdxComponent>) {
    match done.parent {
        Parent::Metadata => *metadata = Some(done.component),
        Parent::Top => top.push(done.component),
        Parent::Component => {
            if let Some(parent) = frames.last_mut() {
                parent.component.components.get_or_insert_with(Vec::new).push(done.component);
            }
        }
    }
}

/// Stores the text of a component's child element, `rel` being its path
/// below the component element.
fn field(c: &mut CdxComponent, rel: &[&str], text: &str, hash_alg: &mut Option<String>) {
    let text = text.trim();
    let set = |slot: &mut Option<String>| *slot = Some(text.to_owned());
    match rel {
        ["name"] => set(&mut c.name),
        ["group"] => set(&mut c.group),
        ["version"] => set(&mut c.version),
        ["purl"] => set(&mut c.purl),
        ["cpe"] => set(&mut c.cpe),
        ["publisher"] => set(&mut c.publisher),
        ["supplier", "name"] => {
            c.supplier.get_or_insert_with(Default::default).name = Some(text.to_owned());
        }
        ["hashes", "hash"] => {
            c.hashes.get_or_insert_with(Vec::new).push(Hash { alg: hash_alg.take(), content: Some(text.to_owned()) })
        }
        ["licenses", "license", "id" | "name"] => {
            let list = c.licenses.get_or_insert_with(Vec::new);
            if list.is_empty() {
                list.push(LicenseChoice::default());
            }
            if let Some(last) = list.last_mut() {
                let license = last.license.get_or_insert_with(License::default);
                if rel[2] == "id" {
                    license.id = Some(text.to_owned());
                } else {
                    license.name = Some(text.to_owned());
                }
            }
        }
        ["licenses", "expression"] => c
            .licenses
            .get_or_insert_with(Vec::new)
            .push(LicenseChoice { license: None, expression: Some(text.to_owned()) }),
        _ => {}
    }
}

/// The spec version and namespace prefix of the root element, which must be
/// a CycloneDX `bom`.
fn root_namespace(e: &BytesStart<'_>) -> Result<(String, String), SbomError> {
    let qname = String::from_utf8_lossy(e.name().as_ref()).into_owned();
    let (prefix, local) = match qname.split_once(':') {
        Some((p, l)) => (p.to_owned(), l.to_owned()),
        None => (String::new(), qname.clone()),
    };
    if matches!(local.as_str(), "Document" | "SpdxDocument" | "RDF") {
        return Err(SbomError::Unsupported(format!(
            "SPDX in XML or RDF (root element `{qname}`); export the SPDX document as JSON or tag-value"
        )));
    }
    if local != "bom" {
        return Err(SbomError::UnknownFormat(format!("XML whose root element is `{qname}`, not a CycloneDX `bom`")));
    }
    let xmlns = if prefix.is_empty() { "xmlns".to_owned() } else { format!("xmlns:{prefix}") };
    let Some(ns) = attr(e, &xmlns) else {
        return Err(SbomError::UnknownFormat("a `bom` element without the CycloneDX namespace".into()));
    };
    match ns.strip_prefix(NAMESPACE) {
        Some(v) => Ok((v.to_owned(), prefix)),
        None => Err(SbomError::UnknownFormat(format!("a `bom` element in the namespace `{ns}`, not CycloneDX's"))),
    }
}

/// The local name of an element in the CycloneDX namespace, `None` for an
/// element of another namespace.
fn own_name(e: &BytesStart<'_>, prefix: &str) -> Option<String> {
    let qname = String::from_utf8_lossy(e.name().as_ref()).into_owned();
    match qname.split_once(':') {
        Some((p, l)) if p == prefix => Some(l.to_owned()),
        Some(_) => None,
        None if prefix.is_empty() => Some(qname),
        None => None,
    }
}

/// An attribute's unescaped value.
fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.as_ref() == name.as_bytes())
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

/// Counts lines incrementally, as positions only grow.
#[derive(Default)]
struct LineCounter {
    pos: usize,
    line: usize,
}

impl LineCounter {
    fn line_at(&mut self, bytes: &[u8], pos: u64) -> usize {
        let pos = usize::try_from(pos).unwrap_or(usize::MAX).min(bytes.len());
        if pos < self.pos {
            return super::line_of(bytes, pos);
        }
        self.line += bytes[self.pos..pos].iter().filter(|&&b| b == b'\n').count();
        self.pos = pos;
        self.line + 1
    }
}
