//! Runs vulndesk's CSAF mandatory tests ([`csaf::check`]) on the OASIS validator test files in
//! `shared/data/csaf/test/validator/data/mandatory`, as `testcases.json` lists them: for each
//! test vulndesk implements, every file listed as failing must fail that test and every file
//! listed as valid must not fail it. Prints "N of M OASIS mandatory cases for the K tests vulndesk
//! implements" (`cargo test -- --nocapture`).

use std::path::PathBuf;

use serde_json::Value;
use vulndesk_formats::csaf;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/csaf/test/validator/data");

/// Cases where the OASIS data disagrees with vulndesk on purpose: (test id, file name, reason).
/// Empty: vulndesk agrees with every case of the tests it implements.
const KNOWN_DISAGREEMENTS: &[(&str, &str, &str)] = &[];

fn load(path: &PathBuf) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn oasis_mandatory_cases_agree() {
    let index = load(&PathBuf::from(DATA).join("testcases.json"));
    let tests = index["tests"].as_array().expect("testcases.json has a tests array");
    let mut total = 0;
    let mut passed = 0;
    let mut implemented = 0;
    let mut wrong = Vec::new();
    for test in tests {
        let id = test["id"].as_str().expect("test id");
        if test["group"] != "mandatory" || !csaf::IMPLEMENTED_TESTS.contains(&id) {
            continue;
        }
        implemented += 1;
        for (key, should_fail) in [("failures", true), ("valid", false)] {
            for case in test[key].as_array().map(Vec::as_slice).unwrap_or_default() {
                let name = case["name"].as_str().expect("case name");
                let failures = csaf::check(&load(&PathBuf::from(DATA).join(name)));
                let fails = failures.iter().any(|f| f.test == id);
                total += 1;
                if fails == should_fail {
                    passed += 1;
                } else if !KNOWN_DISAGREEMENTS.iter().any(|(t, file, _)| *t == id && name.ends_with(file)) {
                    let detail: Vec<String> = failures.iter().map(ToString::to_string).collect();
                    wrong.push(format!(
                        "{id} {name}: expected {}, got {detail:?}",
                        if should_fail { "a failure" } else { "no failure" }
                    ));
                }
            }
        }
    }
    println!("{passed} of {total} OASIS mandatory cases for the {implemented} tests vulndesk implements");
    assert_eq!(implemented, csaf::IMPLEMENTED_TESTS.len(), "every implemented test has OASIS cases");
    assert!(wrong.is_empty(), "{} cases disagree:\n{}", wrong.len(), wrong.join("\n"));
}

/// A valid file for one test must not fail any other test vulndesk implements either, except
/// where the OASIS file is valid only for the test it was written for.
#[test]
fn oasis_valid_cases_pass_every_test() {
    let index = load(&PathBuf::from(DATA).join("testcases.json"));
    let mut wrong = Vec::new();
    for test in index["tests"].as_array().expect("tests array") {
        if test["group"] != "mandatory" {
            continue;
        }
        for case in test["valid"].as_array().map(Vec::as_slice).unwrap_or_default() {
            let name = case["name"].as_str().expect("case name");
            let failures = csaf::check(&load(&PathBuf::from(DATA).join(name)));
            if !failures.is_empty() {
                wrong.push(format!("{name}: {:?}", failures.iter().map(ToString::to_string).collect::<Vec<_>>()));
            }
        }
    }
    assert!(wrong.is_empty(), "{} valid files fail some test:\n{}", wrong.len(), wrong.join("\n"));
}
