//! Score and weakness tests: 6.1.7 (several scores of one version per product), 6.1.8 (invalid
//! CVSS), 6.1.9 (invalid CVSS computation), 6.1.10 (inconsistent CVSS) and 6.1.11 (CWE).
//!
//! 6.1.8 is checked by hand against what FIRST's `cvss-v2.0.json` and `cvss-v3.x.json` schemas
//! require: the required members, the version, the vector pattern (metrics in any order, as the
//! schemas' patterns allow), the enumerations and the score range. 6.1.9 recomputes v3.x scores
//! with [`crate::cvss`] and v2 scores with the v2.0 formulas below. 6.1.11 looks the id up in the
//! CWE catalogue compiled into this crate (CWE 4.14): an id added to CWE later fails there.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{Failures, items, text, vulnerabilities};

/// A CVSS metric: JSON property, vector abbreviation, (vector value, JSON value) pairs.
type Metric = (&'static str, &'static str, &'static [(&'static str, &'static str)]);

const NLH: &[(&str, &str)] = &[("N", "NONE"), ("L", "LOW"), ("H", "HIGH")];
const XNLH: &[(&str, &str)] = &[("X", "NOT_DEFINED"), ("N", "NONE"), ("L", "LOW"), ("H", "HIGH")];
const XLMH: &[(&str, &str)] = &[("X", "NOT_DEFINED"), ("L", "LOW"), ("M", "MEDIUM"), ("H", "HIGH")];

const V3: &[Metric] = &[
    ("attackVector", "AV", &[("N", "NETWORK"), ("A", "ADJACENT_NETWORK"), ("L", "LOCAL"), ("P", "PHYSICAL")]),
    ("attackComplexity", "AC", &[("L", "LOW"), ("H", "HIGH")]),
    ("privilegesRequired", "PR", NLH),
    ("userInteraction", "UI", &[("N", "NONE"), ("R", "REQUIRED")]),
    ("scope", "S", &[("U", "UNCHANGED"), ("C", "CHANGED")]),
    ("confidentialityImpact", "C", NLH),
    ("integrityImpact", "I", NLH),
    ("availabilityImpact", "A", NLH),
    (
        "exploitCodeMaturity",
        "E",
        &[("X", "NOT_DEFINED"), ("U", "UNPROVEN"), ("P", "PROOF_OF_CONCEPT"), ("F", "FUNCTIONAL"), ("H", "HIGH")],
    ),
    (
        "remediationLevel",
        "RL",
        &[
            ("X", "NOT_DEFINED"),
            ("O", "OFFICIAL_FIX"),
            ("T", "TEMPORARY_FIX"),
            ("W", "WORKAROUND"),
            ("U", "UNAVAILABLE"),
        ],
    ),
    ("reportConfidence", "RC", &[("X", "NOT_DEFINED"), ("U", "UNKNOWN"), ("R", "REASONABLE"), ("C", "CONFIRMED")]),
    ("confidentialityRequirement", "CR", XLMH),
    ("integrityRequirement", "IR", XLMH),
    ("availabilityRequirement", "AR", XLMH),
    (
        "modifiedAttackVector",
        "MAV",
        &[("X", "NOT_DEFINED"), ("N", "NETWORK"), ("A", "ADJACENT_NETWORK"), ("L", "LOCAL"), ("P", "PHYSICAL")],
    ),
    ("modifiedAttackComplexity", "MAC", &[("X", "NOT_DEFINED"), ("L", "LOW"), ("H", "HIGH")]),
    ("modifiedPrivilegesRequired", "MPR", XNLH),
    ("modifiedUserInteraction", "MUI", &[("X", "NOT_DEFINED"), ("N", "NONE"), ("R", "REQUIRED")]),
    ("modifiedScope", "MS", &[("X", "NOT_DEFINED"), ("U", "UNCHANGED"), ("C", "CHANGED")]),
    ("modifiedConfidentialityImpact", "MC", XNLH),
    ("modifiedIntegrityImpact", "MI", XNLH),
    ("modifiedAvailabilityImpact", "MA", XNLH),
];

const NPC: &[(&str, &str)] = &[("N", "NONE"), ("P", "PARTIAL"), ("C", "COMPLETE")];
const REQ2: &[(&str, &str)] = &[("L", "LOW"), ("M", "MEDIUM"), ("H", "HIGH"), ("ND", "NOT_DEFINED")];

const V2: &[Metric] = &[
    ("accessVector", "AV", &[("N", "NETWORK"), ("A", "ADJACENT_NETWORK"), ("L", "LOCAL")]),
    ("accessComplexity", "AC", &[("L", "LOW"), ("M", "MEDIUM"), ("H", "HIGH")]),
    ("authentication", "Au", &[("M", "MULTIPLE"), ("S", "SINGLE"), ("N", "NONE")]),
    ("confidentialityImpact", "C", NPC),
    ("integrityImpact", "I", NPC),
    ("availabilityImpact", "A", NPC),
    (
        "exploitability",
        "E",
        &[("U", "UNPROVEN"), ("POC", "PROOF_OF_CONCEPT"), ("F", "FUNCTIONAL"), ("H", "HIGH"), ("ND", "NOT_DEFINED")],
    ),
    (
        "remediationLevel",
        "RL",
        &[
            ("OF", "OFFICIAL_FIX"),
            ("TF", "TEMPORARY_FIX"),
            ("W", "WORKAROUND"),
            ("U", "UNAVAILABLE"),
            ("ND", "NOT_DEFINED"),
        ],
    ),
    (
        "reportConfidence",
        "RC",
        &[("UC", "UNCONFIRMED"), ("UR", "UNCORROBORATED"), ("C", "CONFIRMED"), ("ND", "NOT_DEFINED")],
    ),
    (
        "collateralDamagePotential",
        "CDP",
        &[
            ("N", "NONE"),
            ("L", "LOW"),
            ("LM", "LOW_MEDIUM"),
            ("MH", "MEDIUM_HIGH"),
            ("H", "HIGH"),
            ("ND", "NOT_DEFINED"),
        ],
    ),
    ("targetDistribution", "TD", &[("N", "NONE"), ("L", "LOW"), ("M", "MEDIUM"), ("H", "HIGH"), ("ND", "NOT_DEFINED")]),
    ("confidentialityRequirement", "CR", REQ2),
    ("integrityRequirement", "IR", REQ2),
    ("availabilityRequirement", "AR", REQ2),
];

const SEVERITIES: [&str; 5] = ["NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL"];

/// The vector's metrics as (abbreviation, value), or `None` when it does not match the schema's
/// pattern (every component a known metric with an allowed value, in any order).
fn components<'a>(vector: &'a str, metrics: &[Metric]) -> Option<Vec<(&'a str, &'a str)>> {
    let mut out = Vec::new();
    for part in vector.split('/') {
        let (key, value) = part.split_once(':')?;
        let (_, _, values) = metrics.iter().find(|(_, abbr, _)| *abbr == key)?;
        if !values.iter().any(|(v, _)| *v == value) {
            return None;
        }
        out.push((key, value));
    }
    Some(out)
}

pub(super) fn check(json: &Value, out: &mut Failures) {
    for (v, vuln) in vulnerabilities(json) {
        // 6.1.7 Multiple Scores with same Version per Product.
        let mut versions: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (s, score) in items(vuln.get("scores")).iter().enumerate() {
            let score_versions: Vec<&str> =
                ["cvss_v2", "cvss_v3"].iter().filter_map(|k| score.get(*k).and_then(|c| text(c, "version"))).collect();
            for (p, product) in items(score.get("products")).iter().enumerate() {
                let Some(product) = product.as_str() else { continue };
                let seen = versions.entry(product).or_default();
                if score_versions.iter().any(|ver| seen.contains(ver)) {
                    out.push(
                        "6.1.7",
                        format!("/vulnerabilities/{v}/scores/{s}/products/{p}"),
                        format!("product {product:?} already has a score of this CVSS version"),
                    );
                }
                seen.extend(score_versions.iter().copied());
            }
            let base = format!("/vulnerabilities/{v}/scores/{s}");
            if let Some(cvss) = score.get("cvss_v3") {
                check_v3(cvss, &format!("{base}/cvss_v3"), out);
            }
            if let Some(cvss) = score.get("cvss_v2") {
                check_v2(cvss, &format!("{base}/cvss_v2"), out);
            }
        }
        // 6.1.11 CWE.
        if let Some(cwe) = vuln.get("cwe")
            && let (Some(id), Some(name)) = (text(cwe, "id"), text(cwe, "name"))
        {
            match crate::cwe::CweId::parse(id).ok().and_then(|id| id.entry()) {
                None => out.push("6.1.11", format!("/vulnerabilities/{v}/cwe/id"), format!("{id} is not a known CWE")),
                Some(entry) if entry.name != name => out.push(
                    "6.1.11",
                    format!("/vulnerabilities/{v}/cwe/name"),
                    format!("{id} is named {:?}, not {name:?}", entry.name),
                ),
                Some(_) => {}
            }
        }
    }
}

/// The schema checks shared by both versions: required members, score ranges, enumerations.
fn schema_common(cvss: &Value, path: &str, required: &[&str], metrics: &[Metric], out: &mut Failures) -> bool {
    let Some(object) = cvss.as_object() else {
        out.push("6.1.8", path, "is not an object");
        return false;
    };
    let mut valid = true;
    for key in required {
        if !object.contains_key(*key) {
            out.push("6.1.8", path, format!("misses the required member {key}"));
            valid = false;
        }
    }
    for key in ["baseScore", "temporalScore", "environmentalScore"] {
        if let Some(score) = object.get(key)
            && !score.as_f64().is_some_and(|s| (0.0..=10.0).contains(&s))
        {
            out.push("6.1.8", format!("{path}/{key}"), "is not a number from 0 to 10");
            valid = false;
        }
    }
    for key in ["baseSeverity", "temporalSeverity", "environmentalSeverity"] {
        if let Some(severity) = object.get(key)
            && metrics.len() == V3.len()
            && !severity.as_str().is_some_and(|s| SEVERITIES.contains(&s))
        {
            out.push("6.1.8", format!("{path}/{key}"), "is not a CVSS severity");
            valid = false;
        }
    }
    for (property, _, values) in metrics {
        if let Some(value) = object.get(*property)
            && !value.as_str().is_some_and(|s| values.iter().any(|(_, name)| *name == s))
        {
            out.push("6.1.8", format!("{path}/{property}"), "is not an allowed value");
            valid = false;
        }
    }
    valid
}

/// 6.1.10: a metric property that disagrees with the vector.
fn consistency(cvss: &Value, parts: &[(&str, &str)], metrics: &[Metric], path: &str, out: &mut Failures) {
    for (abbr, value) in parts {
        let Some((property, _, values)) = metrics.iter().find(|(_, a, _)| a == abbr) else { continue };
        let Some(expected) = values.iter().find(|(v, _)| v == value).map(|(_, name)| *name) else { continue };
        if let Some(actual) = text(cvss, property)
            && actual != expected
        {
            out.push(
                "6.1.10",
                format!("{path}/{property}"),
                format!("is {actual} but the vector says {abbr}:{value} ({expected})"),
            );
        }
    }
}

/// 6.1.9: a stated score or severity that differs from the computed one.
fn computed(cvss: &Value, key: &str, expected: f64, path: &str, out: &mut Failures) {
    if let Some(actual) = cvss.get(key).and_then(Value::as_f64)
        && (actual - expected).abs() > 1e-6
    {
        out.push("6.1.9", format!("{path}/{key}"), format!("is {actual} but the vector computes to {expected:.1}"));
    }
}

fn severity_of(score: f64) -> &'static str {
    match score {
        s if s <= 0.0 => "NONE",
        s if s < 4.0 => "LOW",
        s if s < 7.0 => "MEDIUM",
        s if s < 9.0 => "HIGH",
        _ => "CRITICAL",
    }
}

fn check_v3(cvss: &Value, path: &str, out: &mut Failures) {
    let schema_ok = schema_common(cvss, path, &["version", "vectorString", "baseScore", "baseSeverity"], V3, out);
    let version = text(cvss, "version");
    if cvss.get("version").is_some() && !matches!(version, Some("3.0" | "3.1")) {
        out.push("6.1.8", format!("{path}/version"), "is neither 3.0 nor 3.1");
    }
    let Some(vector) = text(cvss, "vectorString") else {
        if cvss.get("vectorString").is_some() {
            out.push("6.1.8", format!("{path}/vectorString"), "is not a string");
        }
        return;
    };
    let parts = vector
        .strip_prefix("CVSS:")
        .and_then(|rest| rest.split_once('/'))
        .filter(|(ver, _)| Some(*ver) == version)
        .and_then(|(_, metrics)| components(metrics, V3));
    let Some(parts) = parts else {
        out.push(
            "6.1.8",
            format!("{path}/vectorString"),
            format!("{vector:?} is not a CVSS v{} vector", version.unwrap_or("3")),
        );
        return;
    };
    consistency(cvss, &parts, V3, path, out);
    if !schema_ok {
        return;
    }
    let Ok(crate::cvss::CvssVector::V3(parsed)) = crate::cvss::parse(vector) else { return };
    let scores = parsed.scores();
    computed(cvss, "baseScore", scores.base_score, path, out);
    if let Some(temporal) = scores.temporal_score {
        computed(cvss, "temporalScore", temporal, path, out);
        severity(cvss, "temporalSeverity", temporal, path, out);
    }
    if let Some(environmental) = scores.environmental_score {
        computed(cvss, "environmentalScore", environmental, path, out);
        severity(cvss, "environmentalSeverity", environmental, path, out);
    }
    severity(cvss, "baseSeverity", scores.base_score, path, out);
}

fn severity(cvss: &Value, key: &str, score: f64, path: &str, out: &mut Failures) {
    if let Some(actual) = text(cvss, key) {
        let expected = severity_of(score);
        if actual != expected {
            out.push("6.1.9", format!("{path}/{key}"), format!("is {actual} but the score {score:.1} is {expected}"));
        }
    }
}

fn check_v2(cvss: &Value, path: &str, out: &mut Failures) {
    let schema_ok = schema_common(cvss, path, &["version", "vectorString", "baseScore"], V2, out);
    if cvss.get("version").is_some() && text(cvss, "version") != Some("2.0") {
        out.push("6.1.8", format!("{path}/version"), "is not 2.0");
    }
    let Some(vector) = text(cvss, "vectorString") else {
        if cvss.get("vectorString").is_some() {
            out.push("6.1.8", format!("{path}/vectorString"), "is not a string");
        }
        return;
    };
    let Some(parts) = components(vector, V2) else {
        out.push("6.1.8", format!("{path}/vectorString"), format!("{vector:?} is not a CVSS v2 vector"));
        return;
    };
    consistency(cvss, &parts, V2, path, out);
    if !schema_ok {
        return;
    }
    if let Some(scores) = v2_scores(&parts) {
        computed(cvss, "baseScore", scores.0, path, out);
        computed(cvss, "temporalScore", scores.1, path, out);
        computed(cvss, "environmentalScore", scores.2, path, out);
    }
}

/// CVSS v2.0 base, temporal and environmental scores (FIRST's v2 guide, section 3.2), or `None`
/// when a base metric is missing or repeated.
fn v2_scores(parts: &[(&str, &str)]) -> Option<(f64, f64, f64)> {
    let mut metrics: BTreeMap<&str, &str> = BTreeMap::new();
    for (k, v) in parts {
        if metrics.insert(k, v).is_some() {
            return None;
        }
    }
    let get = |k: &str, default: &'static str| metrics.get(k).copied().unwrap_or(default);
    let round = |x: f64| (x * 10.0).round() / 10.0;
    let av = match *metrics.get("AV")? {
        "L" => 0.395,
        "A" => 0.646,
        _ => 1.0,
    };
    let ac = match *metrics.get("AC")? {
        "H" => 0.35,
        "M" => 0.61,
        _ => 0.71,
    };
    let au = match *metrics.get("Au")? {
        "M" => 0.45,
        "S" => 0.56,
        _ => 0.704,
    };
    let cia = |k: &str| -> Option<f64> {
        Some(match *metrics.get(k)? {
            "N" => 0.0,
            "P" => 0.275,
            _ => 0.660,
        })
    };
    let (c, i, a) = (cia("C")?, cia("I")?, cia("A")?);
    let base_for = |impact: f64| {
        let f = if impact == 0.0 { 0.0 } else { 1.176 };
        round(((0.6 * impact) + (0.4 * 20.0 * av * ac * au) - 1.5) * f)
    };
    let impact = 10.41 * (1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a));
    let base = base_for(impact);
    let e = match get("E", "ND") {
        "U" => 0.85,
        "POC" => 0.9,
        "F" => 0.95,
        _ => 1.0,
    };
    let rl = match get("RL", "ND") {
        "OF" => 0.87,
        "TF" => 0.90,
        "W" => 0.95,
        _ => 1.0,
    };
    let rc = match get("RC", "ND") {
        "UC" => 0.90,
        "UR" => 0.95,
        _ => 1.0,
    };
    let temporal = round(base * e * rl * rc);
    let req = |k: &str| match get(k, "ND") {
        "L" => 0.5,
        "H" => 1.51,
        _ => 1.0,
    };
    let adjusted_impact =
        (10.41 * (1.0 - (1.0 - c * req("CR")) * (1.0 - i * req("IR")) * (1.0 - a * req("AR")))).min(10.0);
    let adjusted_temporal = round(base_for(adjusted_impact) * e * rl * rc);
    let cdp = match get("CDP", "ND") {
        "L" => 0.1,
        "LM" => 0.3,
        "MH" => 0.4,
        "H" => 0.5,
        _ => 0.0,
    };
    let td = match get("TD", "ND") {
        "N" => 0.0,
        "L" => 0.25,
        "M" => 0.75,
        _ => 1.0,
    };
    let environmental = round((adjusted_temporal + (10.0 - adjusted_temporal) * cdp) * td);
    Some((base, temporal, environmental))
}
