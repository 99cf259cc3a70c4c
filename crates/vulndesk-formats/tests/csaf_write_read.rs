//! The CSAF reader: what `write` produces reads back and writes again unchanged; every OASIS
//! example reads; malformed input is an error with its place, and arbitrary bytes never panic.

mod csaf_support;

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use vulndesk_formats::advisory::{ProductStatus, Profile, Tlp};
use vulndesk_formats::csaf::{self, CsafError};

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/csaf/examples/csaf");

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            out.extend(json_files(&path));
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    out.sort();
    out
}

#[test]
fn write_read_write_is_stable() {
    for (name, doc, profile) in csaf_support::sample_docs() {
        let first = csaf::write(&doc, profile);
        let bytes = serde_json::to_vec(&first).expect("serialisable");
        let read = csaf::read(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(read.id, doc.id, "{name}");
        assert_eq!(read.tlp, doc.tlp, "{name}");
        assert_eq!(read.products.len(), doc.products.len(), "{name}");
        let second = csaf::write(&read, profile);
        assert_eq!(second, first, "{name}: write → read → write changed the document");
    }
}

#[test]
fn read_keeps_what_vulndesk_models() {
    let samples = csaf_support::sample_docs();
    let (_, doc, profile) = samples.iter().find(|(n, _, _)| *n == "vex-all-states-amber").expect("sample");
    let read = csaf::read(&serde_json::to_vec(&csaf::write(doc, *profile)).expect("json")).expect("reads");
    assert_eq!(read.title, doc.title);
    assert_eq!(read.summary, doc.summary);
    assert_eq!(read.revisions, doc.revisions);
    assert_eq!(read.references, doc.references);
    let mut products = read.products.clone();
    let mut expected = doc.products.clone();
    products.sort_by(|a, b| a.id.cmp(&b.id));
    expected.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(products, expected);
    let v = &read.vulnerabilities[0];
    assert_eq!(v.cve.as_deref(), Some("CVE-2026-10002"));
    assert_eq!(v.cwe, doc.vulnerabilities[0].cwe);
    assert_eq!(v.cvss_v3.as_ref().map(|s| s.base_score), Some(4.2));
    let not_affected = v.product_states.iter().find(|s| s.product_id == "VDP-3").expect("VDP-3");
    assert_eq!(
        not_affected.status,
        ProductStatus::KnownNotAffected {
            justification: "vulnerable_code_not_present".to_owned(),
            statement: "Example Agent does not include the request parser.".to_owned(),
        }
    );
    // The writer's none_available action statement for VDP-1 reads back as a remediation.
    assert!(v.remediations.iter().any(|r| r.product_ids == ["VDP-1"]));
}

#[test]
fn every_oasis_example_reads() {
    for path in json_files(Path::new(EXAMPLES)) {
        let bytes = std::fs::read(&path).expect("readable");
        let doc = csaf::read(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!doc.id.is_empty(), "{}", path.display());
    }
}

#[test]
fn white_reads_as_clear_and_unlabelled_as_amber() {
    let samples = csaf_support::sample_docs();
    let (_, doc, profile) = &samples[0];
    let mut json = csaf::write(doc, *profile);
    assert_eq!(json["document"]["distribution"]["tlp"]["label"], "WHITE");
    assert_eq!(csaf::read(&serde_json::to_vec(&json).expect("json")).expect("reads").tlp, Tlp::Clear);
    json["document"].as_object_mut().expect("object").remove("distribution");
    assert_eq!(csaf::read(&serde_json::to_vec(&json).expect("json")).expect("reads").tlp, Tlp::Amber);
}

#[test]
fn errors_name_their_place() {
    match csaf::read(b"{\n  \"document\": {\n    \"title\": ,\n") {
        Err(CsafError::Syntax { line: 3, .. }) => {}
        other => panic!("expected a syntax error on line 3, got {other:?}"),
    }
    let samples = csaf_support::sample_docs();
    let mut json = csaf::write(&samples[0].1, Profile::SecurityAdvisory);
    json["document"]["tracking"]["revision_history"][1]["number"] = serde_json::json!(2);
    let text = serde_json::to_string_pretty(&json).expect("json");
    match csaf::read(text.as_bytes()) {
        Err(CsafError::Invalid { path, line, .. }) => {
            assert_eq!(path, "/document/tracking/revision_history/1/number");
            assert!(line > 1, "line {line}");
        }
        other => panic!("expected an invalid-member error, got {other:?}"),
    }
    json["document"]["tracking"]["revision_history"][1]["number"] = serde_json::json!("2");
    json["document"]["csaf_version"] = serde_json::json!("2.1");
    assert_eq!(
        csaf::read(&serde_json::to_vec(&json).expect("json")),
        Err(CsafError::UnsupportedVersion("2.1".to_owned()))
    );
    assert!(matches!(csaf::read(b"{} trailing"), Err(CsafError::Syntax { .. } | CsafError::Invalid { .. })));
}

fn example_bytes() -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> =
        json_files(Path::new(EXAMPLES)).iter().take(4).map(|p| std::fs::read(p).expect("readable")).collect();
    for (_, doc, profile) in csaf_support::sample_docs() {
        out.push(serde_json::to_vec(&csaf::write(&doc, profile)).expect("json"));
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Mutated documents (bytes overwritten, cut, or spliced) never panic the reader or the
    /// checks: they read or fail with an error.
    #[test]
    fn mutated_bytes_never_panic(
        which in 0usize..9,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let samples = example_bytes();
        let mut bytes = samples[which % samples.len()].clone();
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        let _ = csaf::read(&bytes);
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) {
            let _ = csaf::check(&value);
        }
    }

    /// Arbitrary bytes never panic the reader.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = csaf::read(&bytes);
    }
}
