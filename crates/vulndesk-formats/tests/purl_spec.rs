//! Runs every test of the package-URL specification's test suite
//! (package-url/purl-spec `tests/spec` and `tests/types`, read in place from
//! `shared/data/purl/tests`) against [`Purl`].
//!
//! Each file's passed/total count is printed (`cargo test -- --nocapture`
//! shows it). The few tests that the suite itself contradicts are listed in
//! [`KNOWN_DEVIATIONS`] with the reason; the test fails if any other test
//! fails, or if a listed one starts to pass.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use vulndesk_formats::purl::{Purl, PurlParts};

/// Where the purl-spec tests are, relative to this crate.
const TESTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/purl/tests");

/// Tests we knowingly fail: (file, test type, input, reason).
///
/// purl-spec's `gem` and `rpm` files each hold a `required` parse test that
/// expects an upper-case qualifier key to be rejected, and a `recommended`
/// validate test that expects the very same input to be accepted and the key
/// lowercased. The specification's text says qualifier keys are
/// case-insensitive and lowercased in the canonical form, so vulndesk
/// accepts them (SBOM tools in the wild do write `Arch=`); the two failing
/// parse tests are the price.
const KNOWN_DEVIATIONS: &[(&str, &str, &str, &str)] = &[
    (
        "gem-test.json",
        "parse",
        "pkg:gem/jruby-launcher@1.1.2?Platform=java",
        "contradicts the validate test of the same input; qualifier keys are case-insensitive",
    ),
    (
        "rpm-test.json",
        "parse",
        "pkg:Rpm/fedora/curl@7.50.3-1.fc25?Arch=i386&Distro=fedora-25",
        "contradicts the validate test of the same input; qualifier keys are case-insensitive",
    ),
];

fn data_dir() -> PathBuf {
    let dir = PathBuf::from(TESTS);
    assert!(
        dir.is_dir(),
        "the purl-spec test data is missing: expected the folder {} (shared/data/purl/tests beside the project)",
        dir.display()
    );
    dir
}

fn test_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for sub in ["spec", "types"] {
        let dir = data_dir().join(sub);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(!files.is_empty(), "no purl-spec test files under {TESTS}");
    files
}

fn opt_str(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// The components of a purl as the test files write them.
fn components(p: &Purl) -> Value {
    let qualifiers: BTreeMap<&str, &str> = p.qualifiers().iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    serde_json::json!({
        "type": p.purl_type(),
        "namespace": p.namespace(),
        "name": p.name(),
        "version": p.version(),
        "qualifiers": if qualifiers.is_empty() { Value::Null } else { serde_json::json!(qualifiers) },
        "subpath": p.subpath(),
    })
}

/// Runs one test; `Err` says why it failed.
fn run(test: &Value) -> Result<(), String> {
    let kind = test["test_type"].as_str().unwrap_or_default();
    let expect_failure = test["expected_failure"].as_bool().unwrap_or(false);
    let expected = test.get("expected_output").unwrap_or(&Value::Null);
    let result = match kind {
        "parse" | "validate" | "roundtrip" => {
            let input = test["input"].as_str().ok_or("the input is not a string")?;
            Purl::parse(input)
        }
        "build" => {
            let input = &test["input"];
            let qualifiers = input
                .get("qualifiers")
                .and_then(Value::as_object)
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned())).collect())
                .unwrap_or_default();
            Purl::build(PurlParts {
                ty: opt_str(input, "type"),
                namespace: opt_str(input, "namespace"),
                name: opt_str(input, "name"),
                version: opt_str(input, "version"),
                qualifiers,
                subpath: opt_str(input, "subpath"),
            })
        }
        other => return Err(format!("unknown test type `{other}`")),
    };
    match (result, expect_failure) {
        (Err(_), true) => Ok(()),
        (Ok(p), true) => Err(format!("accepted, as `{p}`, but should fail")),
        (Err(e), false) => Err(format!("rejected: {e}")),
        (Ok(p), false) => {
            let got = if kind == "parse" { components(&p) } else { Value::String(p.to_string()) };
            // A parse test's expected components may leave out empty
            // qualifiers as `{}` rather than null; treat both alike.
            let mut want = expected.clone();
            if want.get("qualifiers").is_some_and(|q| q.as_object().is_some_and(|m| m.is_empty())) {
                want["qualifiers"] = Value::Null;
            }
            if got == want { Ok(()) } else { Err(format!("got {got}, expected {want}")) }
        }
    }
}

#[test]
fn every_purl_spec_test() {
    let mut failures = Vec::new();
    let mut deviations_seen = Vec::new();
    let (mut passed_all, mut total_all) = (0, 0);
    for path in test_files() {
        let file = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
        let tests = doc["tests"].as_array().cloned().unwrap_or_default();
        let mut passed = 0;
        for test in &tests {
            let kind = test["test_type"].as_str().unwrap_or_default();
            let input = match &test["input"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let deviation = KNOWN_DEVIATIONS.iter().find(|(f, k, i, _)| *f == file && *k == kind && *i == input);
            match (run(test), deviation) {
                (Ok(()), None) => passed += 1,
                (Ok(()), Some(_)) => {
                    failures.push(format!("{file}: {kind} {input}: listed as a known deviation but passes now"))
                }
                (Err(why), Some((_, _, _, reason))) => {
                    deviations_seen.push(format!("{file}: {kind} {input}: {why} ({reason})"));
                }
                (Err(why), None) => failures.push(format!("{file}: {kind} {input}: {why}")),
            }
        }
        println!("{file}: {passed}/{} passed", tests.len());
        passed_all += passed;
        total_all += tests.len();
    }
    println!("all files: {passed_all}/{total_all} passed");
    for d in &deviations_seen {
        println!("known deviation: {d}");
    }
    assert!(failures.is_empty(), "purl-spec failures:\n{}", failures.join("\n"));
    assert_eq!(deviations_seen.len(), KNOWN_DEVIATIONS.len(), "a known deviation was not found in the test files");
}

#[test]
fn test_folder_is_the_one_documented() {
    // The README of shared/data names this folder; keep the path honest.
    assert!(Path::new(TESTS).ends_with("purl/tests"));
}
