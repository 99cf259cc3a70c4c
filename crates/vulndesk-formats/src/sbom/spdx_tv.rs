//! SPDX 2.2 and 2.3 tag-value, read line by line into the model of the JSON
//! reader ([`super::spdx`]).
//!
//! `PackageName` opens a package and `FileName`, `SnippetSPDXID` and
//! `LicenseID` close it; an `SPDXID` belongs to the package or file open at
//! that point, or to the document before any. Values may span lines inside
//! `<text>…</text>`. Diagnostics carry line numbers; a line that is not a
//! `Tag: value` pair is reported and skipped.

use std::collections::HashMap;

use super::spdx::{self, Checksum, Document, Element, ExternalRef, Package, Relationship};
use super::{Diagnostic, Location, Sbom, SbomError, SbomFormat};

/// What the `SPDXID` tag currently belongs to.
enum Open {
    Document,
    Package,
    File,
    Other,
}

/// Reads SPDX tag-value.
///
/// # Errors
///
/// Input that is not UTF-8, or an unsupported `SPDXVersion`.
pub fn read(bytes: &[u8]) -> Result<(Sbom, Vec<Diagnostic>), SbomError> {
    let text = std::str::from_utf8(bytes).map_err(|e| SbomError::Invalid {
        location: Location::Line(super::line_of(bytes, e.valid_up_to())),
        message: "the tag-value document is not UTF-8".into(),
    })?;
    let mut doc = Document::default();
    let mut packages: Vec<Package> = Vec::new();
    let mut files: Vec<Element> = Vec::new();
    let mut relationships: Vec<Relationship> = Vec::new();
    let mut lines_of: HashMap<String, usize> = HashMap::new();
    let mut diagnostics = Vec::new();
    let mut open = Open::Document;

    let mut lines = text.lines().enumerate();
    while let Some((index, line)) = lines.next() {
        let number = index + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Some((tag, value)) = trimmed.split_once(':') else {
            diagnostics.push(Diagnostic {
                location: Location::Line(number),
                message: format!("`{}` is not a `Tag: value` line; skipped", clip(trimmed)),
            });
            continue;
        };
        let tag = tag.trim();
        let mut value = value.trim().to_owned();
        // A `<text>` value runs to the matching `</text>`, maybe lines later.
        if let Some(rest) = value.strip_prefix("<text>") {
            let mut collected = rest.to_owned();
            let mut closed = collected.contains("</text>");
            while !closed {
                match lines.next() {
                    Some((_, more)) => {
                        collected.push('\n');
                        collected.push_str(more);
                        closed = more.contains("</text>");
                    }
                    None => {
                        diagnostics.push(Diagnostic {
                            location: Location::Line(number),
                            message: format!("the `<text>` value of `{tag}` is never closed"),
                        });
                        break;
                    }
                }
            }
            value = match collected.find("</text>") {
                Some(i) => collected[..i].to_owned(),
                None => collected,
            };
        }
        let package_at = packages.len().saturating_sub(1);
        match tag {
            "SPDXVersion" => doc.spdx_version = Some(value),
            "DocumentName" => doc.name = Some(value),
            "SPDXID" => match open {
                Open::Document => doc.spdx_id = Some(value),
                Open::Package => {
                    if let Some(p) = packages.last_mut() {
                        p.spdx_id = Some(value);
                    }
                }
                Open::File => {
                    if let Some(f) = files.last_mut() {
                        f.spdx_id = Some(value);
                    }
                }
                Open::Other => {}
            },
            "PackageName" => {
                open = Open::Package;
                lines_of.insert(format!("/packages/{}", packages.len()), number);
                packages.push(Package { name: Some(value), ..Package::default() });
            }
            "FileName" => {
                open = Open::File;
                files.push(Element::default());
            }
            "SnippetSPDXID" => {
                open = Open::Other;
                files.push(Element { spdx_id: Some(value) });
            }
            "LicenseID" => open = Open::Other,
            "Relationship" => {
                lines_of.insert(format!("/relationships/{}", relationships.len()), number);
                let mut parts = value.split_whitespace();
                relationships.push(Relationship {
                    spdx_element_id: parts.next().map(str::to_owned),
                    relationship_type: parts.next().map(str::to_owned),
                    related_spdx_element: parts.next().map(str::to_owned),
                });
            }
            _ => {
                if let (Open::Package, Some(p)) = (&open, packages.last_mut()) {
                    let at = format!("/packages/{package_at}");
                    package_tag(p, tag, value, &at, number, &mut lines_of);
                }
            }
        }
    }
    doc.packages = Some(packages);
    doc.files = Some(files);
    doc.relationships = Some(relationships);
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
    let (sbom, mut more) = spdx::convert(doc, SbomFormat::SpdxTagValue, &locate)?;
    diagnostics.append(&mut more);
    Ok((sbom, diagnostics))
}

/// Stores a package-level tag.
fn package_tag(
    p: &mut Package,
    tag: &str,
    value: String,
    at: &str,
    line: usize,
    lines_of: &mut HashMap<String, usize>,
) {
    match tag {
        "PackageVersion" => p.version_info = Some(value),
        "PackageSupplier" => p.supplier = Some(value),
        "PackageLicenseConcluded" => p.license_concluded = Some(value),
        "PackageLicenseDeclared" => p.license_declared = Some(value),
        "PackageChecksum" => {
            let list = p.checksums.get_or_insert_with(Vec::new);
            lines_of.insert(format!("{at}/checksums/{}", list.len()), line);
            let (alg, sum) = value.split_once(':').unwrap_or(("", value.as_str()));
            list.push(Checksum { algorithm: Some(alg.trim().to_owned()), checksum_value: Some(sum.trim().to_owned()) });
        }
        "ExternalRef" => {
            let list = p.external_refs.get_or_insert_with(Vec::new);
            lines_of.insert(format!("{at}/externalRefs/{}", list.len()), line);
            let mut parts = value.split_whitespace();
            list.push(ExternalRef {
                reference_category: parts.next().map(str::to_owned),
                reference_type: parts.next().map(str::to_owned),
                reference_locator: parts.next().map(str::to_owned),
            });
        }
        _ => {}
    }
}

/// Shortens a line quoted in a diagnostic.
fn clip(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}
