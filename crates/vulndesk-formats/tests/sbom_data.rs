//! Imports every file under `shared/data/cyclonedx` and `shared/data/spdx`
//! (CycloneDX/bom-examples, the CycloneDX specification's schemas and test
//! files, spdx/spdx-examples and the SPDX 2.3 specification's examples, read
//! in place) with [`read_sbom`].
//!
//! Every file must either import, or fail with the error the table
//! [`EXPECTED_FAILURES`] gives for it. The specification's `valid-*` files
//! must import; its `invalid-*` files may be rejected (listed in the table)
//! or import with diagnostics ([`INVALID_WITH_DIAGNOSTICS`]) or, where the
//! fault is in a field vulndesk does not read, import cleanly. Counts by
//! format and version are printed (`cargo test -- --nocapture`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use vulndesk_formats::sbom::{Sbom, read_sbom};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

/// Files that must fail, by path under `shared/data` (or file-name suffix),
/// with a fragment of the expected error message.
const EXPECTED_FAILURES: &[(&str, &str)] = &[
    // Not SBOMs: licences, schemas, the XML catalogue.
    ("cyclonedx/LICENSE", "not a recognised SBOM: expected JSON, XML"),
    ("cyclonedx/spec/LICENSE", "not a recognised SBOM: expected JSON, XML"),
    ("spdx/LICENSE", "not a recognised SBOM: the input is empty"),
    (".xsd", "XML whose root element is `xs:schema`, not a CycloneDX `bom`"),
    (".proto", "not a recognised SBOM: expected JSON, XML"),
    (".schema.json", "JSON with neither `bomFormat`"),
    ("cyclonedx/spec/schema/cryptography-defs.json", "JSON with neither `bomFormat`"),
    ("cyclonedx/spec/schema/xmlcatalog.xml", "XML whose root element is `catalog`"),
    ("spdx/spec-2.3/spdx-schema.json", "JSON with neither `bomFormat`"),
    // The specification's invalid files that are rejected.
    ("invalid-bomformat-1.5.json", "`bomFormat` must be \"CycloneDX\", not Some(\"AnotherFormat\")"),
    ("invalid-bomformat-1.6.json", "`bomFormat` must be \"CycloneDX\", not Some(\"AnotherFormat\")"),
    ("invalid-namespace-1.5.xml", "unsupported CycloneDX XML version \"12\""),
    ("invalid-namespace-1.6.xml", "unsupported CycloneDX XML version \"12\""),
    // SPDX serialisations vulndesk does not read.
    ("spdx/spec-2.3/SPDXXMLExample-v2.3.spdx.xml", "unsupported SBOM: SPDX in XML or RDF"),
    ("spdx/spec-2.3/SPDXYAMLExample-2.3.spdx.yaml", "unsupported SBOM: SPDX in YAML"),
];

/// `invalid-*` test files of the CycloneDX specification that import, but
/// with at least one diagnostic containing the fragment, by file-name
/// prefix. Every other `invalid-*` file that imports must import without
/// diagnostics: its fault is in a field vulndesk does not read (a
/// timestamp, a serial number, a component type, license text, services).
const INVALID_WITH_DIAGNOSTICS: &[(&str, &str)] = &[
    ("invalid-component-ref-1.5.", "is used by another component too"),
    ("invalid-component-ref-1.6.json", "an empty bom-ref is replaced"),
    ("invalid-component-ref-1.6.xml", "is used by another component too"),
    ("invalid-dependency-", "a dependency without `ref` is ignored"),
    ("invalid-empty-component-", "the component has no name"),
    ("invalid-hash-alg-", "unknown hash algorithm `FOO`"),
    ("invalid-hash-md5-", "the MD5 hash `foo` is not 32 hexadecimal digits"),
    ("invalid-hash-sha1-", "the SHA-1 hash `foo` is not 40 hexadecimal digits"),
    ("invalid-hash-sha256-", "the SHA-256 hash `foo` is not 64 hexadecimal digits"),
    ("invalid-hash-sha512-", "the SHA-512 hash `foo` is not 128 hexadecimal digits"),
    ("invalid-license-missing-id-and-name-", "a license with neither id, name nor expression is ignored"),
];

fn data_dir(sub: &str) -> PathBuf {
    let dir = Path::new(DATA).join(sub);
    assert!(
        dir.is_dir(),
        "the SBOM test data is missing: expected the folder {} (shared/data/{sub} beside the project)",
        dir.display()
    );
    dir
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn relative(path: &Path) -> String {
    path.strip_prefix(DATA).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

fn expectation<'a>(table: &'a [(&'a str, &'a str)], rel: &str) -> Option<&'a str> {
    table.iter().find(|(pattern, _)| rel == *pattern || rel.ends_with(pattern)).map(|(_, fragment)| *fragment)
}

fn check_folder(sub: &str) {
    let mut files = Vec::new();
    walk(&data_dir(sub), &mut files);
    files.sort();
    let mut problems = Vec::new();
    let mut imported: BTreeMap<String, usize> = BTreeMap::new();
    let mut failed = 0;
    let mut with_diagnostics = 0;
    let dump = std::env::var_os("SBOM_DUMP").is_some();
    let mut invalid_with_diagnostics = Vec::new();
    let mut invalid_clean = Vec::new();
    for path in &files {
        let rel = relative(path);
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"));
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let result = read_sbom(&bytes);
        if dump {
            match &result {
                Ok((sbom, diags)) => println!(
                    "DUMP OK {rel} {} {} comps={} deps={} diags={} {}",
                    sbom.format,
                    sbom.spec_version,
                    sbom.components.len(),
                    sbom.dependencies.len(),
                    diags.len(),
                    diags.first().map(ToString::to_string).unwrap_or_default()
                ),
                Err(e) => println!("DUMP ERR {rel} {e}"),
            }
        }
        match (result, expectation(EXPECTED_FAILURES, &rel)) {
            (Err(e), Some(fragment)) => {
                failed += 1;
                if !e.to_string().contains(fragment) {
                    problems.push(format!("{rel}: failed with `{e}`, expected `{fragment}`"));
                }
            }
            (Err(e), None) => problems.push(format!("{rel}: unexpected error `{e}`")),
            (Ok(_), Some(fragment)) => {
                problems.push(format!("{rel}: imported, but should fail with `{fragment}`"));
            }
            (Ok((sbom, diagnostics)), None) => {
                check_sbom(&rel, &sbom, &mut problems);
                *imported.entry(format!("{} {}", sbom.format, sbom.spec_version)).or_default() += 1;
                if !diagnostics.is_empty() {
                    with_diagnostics += 1;
                }
                let listed = INVALID_WITH_DIAGNOSTICS
                    .iter()
                    .find(|(prefix, _)| name.starts_with(prefix))
                    .map(|(_, fragment)| *fragment);
                match listed {
                    Some(fragment) => {
                        if !diagnostics.iter().any(|d| d.to_string().contains(fragment)) {
                            problems
                                .push(format!("{rel}: expected a diagnostic with `{fragment}`, got {diagnostics:?}"));
                        }
                        invalid_with_diagnostics.push(name.to_owned());
                    }
                    None if name.starts_with("invalid-") => {
                        if !diagnostics.is_empty() {
                            problems.push(format!("{rel}: has diagnostics but is not listed: {diagnostics:?}"));
                        }
                        invalid_clean.push(name.to_owned());
                    }
                    None => {}
                }
            }
        }
    }
    println!("{sub}: {} files", files.len());
    for (kind, n) in &imported {
        println!("  imported {kind}: {n}");
    }
    println!("  imported with diagnostics: {with_diagnostics}");
    println!("  failed as expected: {failed}");
    println!(
        "  spec invalid-* files imported with the expected diagnostics ({}): {}",
        invalid_with_diagnostics.len(),
        invalid_with_diagnostics.join(" ")
    );
    println!(
        "  spec invalid-* files imported cleanly, fault in unread fields ({}): {}",
        invalid_clean.len(),
        invalid_clean.join(" ")
    );
    assert!(problems.is_empty(), "{sub}:\n{}", problems.join("\n"));
}

/// Sanity checks on an imported SBOM.
fn check_sbom(rel: &str, sbom: &Sbom, problems: &mut Vec<String>) {
    for root in &sbom.roots {
        if !sbom.components.iter().any(|c| &c.bom_ref == root) {
            problems.push(format!("{rel}: root `{root}` is no component"));
        }
    }
}

#[test]
fn every_cyclonedx_file() {
    check_folder("cyclonedx");
}

#[test]
fn every_spdx_file() {
    check_folder("spdx");
}
