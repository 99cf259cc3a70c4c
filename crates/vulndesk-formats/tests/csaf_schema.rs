//! Every document `csaf::write` produces for the sample advisories validates against the OASIS
//! CSAF 2.0 JSON schema (with FIRST's CVSS schemas registered from local copies: no network) and
//! passes every mandatory test `csaf::check` implements. Also runs `check` on the OASIS example
//! advisories.

mod csaf_support;

use std::path::{Path, PathBuf};

use jsonschema::{Resource, Validator};
use serde_json::Value;
use vulndesk_formats::csaf;

const CSAF: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/csaf");

fn load(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn validator() -> Validator {
    let schema = load(&Path::new(CSAF).join("json_schema/csaf_json_schema.json"));
    let mut options = jsonschema::options().should_validate_formats(true);
    // The CSAF schema references FIRST's schemas by these URLs.
    for (url, file) in [
        ("https://www.first.org/cvss/cvss-v2.0.json", "cvss-v2.0.json"),
        ("https://www.first.org/cvss/cvss-v3.0.json", "cvss-v3.0.json"),
        ("https://www.first.org/cvss/cvss-v3.1.json", "cvss-v3.1.json"),
    ] {
        let contents = load(&Path::new(CSAF).join("referenced_schema/first").join(file));
        let resource = Resource::from_contents(contents).unwrap_or_else(|e| panic!("{file}: {e}"));
        options = options.with_resource(url, resource);
    }
    options.build(&schema).expect("the CSAF schema compiles")
}

#[test]
fn written_documents_are_schema_valid_and_pass_the_checks() {
    let validator = validator();
    let samples = csaf_support::sample_docs();
    assert!(samples.len() >= 5);
    for (name, doc, profile) in samples {
        let json = csaf::write(&doc, profile);
        let errors: Vec<String> =
            validator.iter_errors(&json).map(|e| format!("{} at {}", e, e.instance_path)).collect();
        assert!(errors.is_empty(), "{name} is not schema-valid:\n{}", errors.join("\n"));
        let failures: Vec<String> = csaf::check(&json).iter().map(ToString::to_string).collect();
        assert!(failures.is_empty(), "{name} fails mandatory tests:\n{}", failures.join("\n"));
    }
}

#[test]
fn the_schema_rejects_what_it_should() {
    // A guard against a validator that accepts everything (e.g. unresolved references).
    let validator = validator();
    let samples = csaf_support::sample_docs();
    let mut json = csaf::write(&samples[0].1, samples[0].2);
    json["vulnerabilities"][0]["scores"][0]["cvss_v3"]["baseSeverity"] = Value::from("SEVERE");
    assert!(!validator.is_valid(&json), "an invalid CVSS severity must fail the FIRST schema");
    let mut json = csaf::write(&samples[0].1, samples[0].2);
    json["document"]["distribution"]["tlp"]["label"] = Value::from("CLEAR");
    assert!(!validator.is_valid(&json), "CSAF 2.0 has no TLP:CLEAR");
}

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

/// `check` on the OASIS example advisories (the 19 files of `examples/csaf`, `csaf_vex`
/// included). All are schema-valid and, as of this writing, all pass every mandatory test vulndesk
/// implements, so no (file name, test id) exception is listed. A future example that fails
/// belongs here with its reason.
const EXAMPLE_FAILURES: &[(&str, &str)] = &[];

#[test]
fn oasis_examples_pass_the_checks() {
    let validator = validator();
    let mut unexpected = Vec::new();
    for path in json_files(&Path::new(CSAF).join("examples/csaf")) {
        let json = load(&path);
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        assert!(validator.is_valid(&json), "{name} is not schema-valid");
        for failure in csaf::check(&json) {
            if !EXAMPLE_FAILURES.iter().any(|(file, test)| *file == name && *test == failure.test) {
                unexpected.push(format!("{name}: {failure}"));
            }
        }
    }
    assert!(unexpected.is_empty(), "unexpected failures:\n{}", unexpected.join("\n"));
}
