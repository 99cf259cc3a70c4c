//! vulndesk's implementation of CSAF 2.0 mandatory tests (section 6.1 of the specification).
//!
//! [`check`] takes any JSON value, valid CSAF or not: a test whose input has the wrong shape
//! skips that part (schema validation is a separate step), so the function never fails and never
//! panics. Each failure names its test (`6.1.1`, …, `6.1.27.11`) and the JSON pointer of the
//! offending member. [`IMPLEMENTED_TESTS`] lists the tests; tests/csaf_oasis_cases.rs runs them on
//! the OASIS validator test files.
//!
//! Approximations, each documented where it is implemented: 6.1.8 checks the FIRST CVSS schemas'
//! required members, enumerations, score ranges and vector patterns by hand; 6.1.11 uses the CWE
//! catalogue compiled into this crate (CWE 4.14); 6.1.12 checks BCP 47 syntax and the two-letter
//! language and region subtags against the IANA registry, not every longer subtag.

mod cvss;
mod lang;
mod products;
mod profiles;
mod tracking;

use serde_json::Value;

/// One failed mandatory test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckFailure {
    /// The test's number in the specification, e.g. `6.1.27.9`.
    pub test: &'static str,
    /// The JSON pointer of the member at fault (`""` for the whole document).
    pub path: String,
    /// What is wrong, in English.
    pub message: String,
}

impl std::fmt::Display for CheckFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at `{}`: {}", self.test, self.path, self.message)
    }
}

/// The mandatory tests [`check`] implements, in the specification's order.
pub const IMPLEMENTED_TESTS: &[&str] = &[
    "6.1.1",
    "6.1.2",
    "6.1.3",
    "6.1.4",
    "6.1.5",
    "6.1.6",
    "6.1.7",
    "6.1.8",
    "6.1.9",
    "6.1.10",
    "6.1.11",
    "6.1.12",
    "6.1.13",
    "6.1.14",
    "6.1.15",
    "6.1.16",
    "6.1.17",
    "6.1.18",
    "6.1.19",
    "6.1.20",
    "6.1.21",
    "6.1.22",
    "6.1.23",
    "6.1.24",
    "6.1.25",
    "6.1.26",
    "6.1.27.1",
    "6.1.27.2",
    "6.1.27.3",
    "6.1.27.4",
    "6.1.27.5",
    "6.1.27.6",
    "6.1.27.7",
    "6.1.27.8",
    "6.1.27.9",
    "6.1.27.10",
    "6.1.27.11",
    "6.1.28",
    "6.1.29",
    "6.1.30",
    "6.1.31",
    "6.1.32",
    "6.1.33",
];

/// Runs every implemented mandatory test on `json` and returns the failures, in test order.
pub fn check(json: &Value) -> Vec<CheckFailure> {
    let mut out = Failures::default();
    products::check(json, &mut out);
    cvss::check(json, &mut out);
    lang::check(json, &mut out);
    tracking::check(json, &mut out);
    profiles::check(json, &mut out);
    let mut failures = out.0;
    let rank = |test: &str| IMPLEMENTED_TESTS.iter().position(|t| *t == test).unwrap_or(usize::MAX);
    failures.sort_by_key(|f| rank(f.test));
    failures
}

/// The failures found so far.
#[derive(Default)]
struct Failures(Vec<CheckFailure>);

impl Failures {
    fn push(&mut self, test: &'static str, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(CheckFailure { test, path: path.into(), message: message.into() });
    }
}

/// The items of an array member, or none when it is missing or not an array.
fn items(value: Option<&Value>) -> &[Value] {
    value.and_then(Value::as_array).map(Vec::as_slice).unwrap_or(&[])
}

/// The string items of an array member, with their indexes.
fn strings(value: Option<&Value>) -> impl Iterator<Item = (usize, &str)> {
    items(value).iter().enumerate().filter_map(|(i, v)| v.as_str().map(|s| (i, s)))
}

/// A string member.
fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// The vulnerabilities, with their indexes.
fn vulnerabilities(json: &Value) -> impl Iterator<Item = (usize, &Value)> {
    items(json.get("vulnerabilities")).iter().enumerate()
}

/// The product ids of product group `group_id`.
fn group_members<'a>(json: &'a Value, group_id: &str) -> impl Iterator<Item = &'a str> {
    items(json.pointer("/product_tree/product_groups"))
        .iter()
        .filter(move |g| text(g, "group_id") == Some(group_id))
        .flat_map(|g| strings(g.get("product_ids")).map(|(_, id)| id))
}

/// Whether an item with `product_ids` and `group_ids` (a flag, threat or remediation) covers
/// `product_id`, directly or through a product group.
fn covers(json: &Value, item: &Value, product_id: &str) -> bool {
    strings(item.get("product_ids")).any(|(_, id)| id == product_id)
        || strings(item.get("group_ids")).any(|(_, g)| group_members(json, g).any(|id| id == product_id))
}
