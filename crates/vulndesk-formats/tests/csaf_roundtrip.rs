//! Every CSAF document under `shared/data/csaf/examples/csaf` (including `csaf_vex`)
//! deserialises into [`csaf::model::CsafDocument`] and serialises back to an equal JSON value,
//! so the model covers every member the OASIS examples use.

use std::path::{Path, PathBuf};

use serde_json::Value;
use vulndesk_formats::csaf::model::CsafDocument;

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/csaf/examples/csaf");

/// The JSON files under `dir`, recursively, sorted.
pub(crate) fn json_files(dir: &Path) -> Vec<PathBuf> {
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
fn oasis_examples_round_trip() {
    let files = json_files(Path::new(EXAMPLES));
    assert!(files.len() >= 19, "expected the 19 OASIS examples, found {}", files.len());
    for path in &files {
        let bytes = std::fs::read(path).expect("readable example");
        let input: Value = serde_json::from_slice(&bytes).expect("example is JSON");
        let doc: CsafDocument = serde_json::from_value(input.clone())
            .unwrap_or_else(|e| panic!("{} does not deserialise: {e}", path.display()));
        let output = serde_json::to_value(&doc).expect("serialisable");
        assert_eq!(output, input, "{} changes in a round trip", path.display());
    }
}
