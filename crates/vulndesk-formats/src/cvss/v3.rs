//! CVSS v3.0 and v3.1 vectors: validation and scores, written here.
//!
//! Metrics and values are those of Table 15 of the CVSS v3.1 specification
//! (the same as v3.0's): the eight base metrics are mandatory, temporal and
//! environmental metrics are optional and take `X` (Not Defined). v3.x
//! allows metrics in any order.
//!
//! The equations are section 7 of the v3.1 specification and section 8 of
//! the v3.0 one; the two differ only in the environmental Modified Impact
//! when the modified scope is changed.
//!
//! # Why not RustSec's `cvss` here
//!
//! Its v3 scores use binary floating point with a plain `ceil(x * 10) / 10`
//! for v3.0, so a product that is exactly on a tenth but computed a hair
//! above it is rounded up a whole tenth: `CVSS:3.0/…/RC:U` with base 5.0
//! gets temporal 4.7 instead of 5.0 × 0.92 = 4.6. Red Hat's referee found 11
//! such vectors in 5,000 random v3.0 ones. Its v3.1 rounding truncates where
//! Appendix A rounds. Both specifications define Round up on the exact
//! value ("the smallest number, specified to one decimal place, that is
//! equal to or higher than its input"); `round_up` does that, and the
//! equations are short, so vulndesk computes v3.x itself.

use std::fmt;

use super::{CvssError, CvssScores, CvssVersion, MetricSpec, Severity, base, optional};

/// Every CVSS v3.x metric in the specification's order (Table 15).
pub(crate) const METRICS: &[MetricSpec] = &[
    // Base
    base("AV", &["N", "A", "L", "P"]),
    base("AC", &["L", "H"]),
    base("PR", &["N", "L", "H"]),
    base("UI", &["N", "R"]),
    base("S", &["U", "C"]),
    base("C", &["H", "L", "N"]),
    base("I", &["H", "L", "N"]),
    base("A", &["H", "L", "N"]),
    // Temporal
    optional("E", &["X", "H", "F", "P", "U"]),
    optional("RL", &["X", "U", "W", "T", "O"]),
    optional("RC", &["X", "C", "R", "U"]),
    // Environmental
    optional("CR", &["X", "H", "M", "L"]),
    optional("IR", &["X", "H", "M", "L"]),
    optional("AR", &["X", "H", "M", "L"]),
    optional("MAV", &["X", "N", "A", "L", "P"]),
    optional("MAC", &["X", "L", "H"]),
    optional("MPR", &["X", "N", "L", "H"]),
    optional("MUI", &["X", "N", "R"]),
    optional("MS", &["X", "U", "C"]),
    optional("MC", &["X", "H", "L", "N"]),
    optional("MI", &["X", "H", "L", "N"]),
    optional("MA", &["X", "H", "L", "N"]),
];

const METRIC_COUNT: usize = 22;

/// A valid CVSS v3.0 or v3.1 vector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cvss3Vector {
    version: CvssVersion,
    /// For each metric of [`METRICS`], 0 when not given, else 1 + the index
    /// of its value in the metric's list (kept small: 22 bytes).
    values: [u8; METRIC_COUNT],
}

/// Validates and parses a v3.x vector; `body` is what follows the prefix.
pub(crate) fn parse(vector: &str, body: &str) -> Result<Cvss3Vector, CvssError> {
    let version = if vector.starts_with("CVSS:3.0") { CvssVersion::V3_0 } else { CvssVersion::V3_1 };
    let mut values = [0; METRIC_COUNT];
    for (index, value) in super::validate(body, METRICS, false)? {
        let position = METRICS[index].values.iter().position(|v| *v == value);
        values[index] = position.map_or(0, |p| p as u8 + 1);
    }
    Ok(Cvss3Vector { version, values })
}

impl Cvss3Vector {
    /// 3.0 or 3.1.
    pub fn version(&self) -> CvssVersion {
        self.version
    }

    /// The value given for the metric at `index` of [`METRICS`].
    fn value_at(&self, index: usize) -> Option<&'static str> {
        let position = usize::from(self.values[index]).checked_sub(1)?;
        METRICS[index].values.get(position).copied()
    }

    /// The value of a metric (`"X"` for an optional metric not given).
    fn get(&self, metric: &str) -> &'static str {
        METRICS.iter().position(|spec| spec.name == metric).and_then(|index| self.value_at(index)).unwrap_or("X")
    }

    /// A modified base metric's value, or the base metric's when it is `X`.
    fn modified(&self, metric: &str) -> &'static str {
        match self.get(&format!("M{metric}")) {
            "X" => self.get(metric),
            value => value,
        }
    }

    /// The base score (0.0–10.0, one decimal).
    pub fn base_score(&self) -> f64 {
        let changed = self.get("S") == "C";
        let iss = 1.0 - (1.0 - cia(self.get("C"))) * (1.0 - cia(self.get("I"))) * (1.0 - cia(self.get("A")));
        let impact = if changed { 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powi(15) } else { 6.42 * iss };
        let exploitability =
            8.22 * av(self.get("AV")) * ac(self.get("AC")) * pr(self.get("PR"), changed) * ui(self.get("UI"));
        combine(impact, exploitability, changed)
    }

    /// The temporal score; equal to the base score when every temporal
    /// metric is Not Defined.
    pub fn temporal_score(&self) -> f64 {
        round_up(self.base_score() * self.temporal_factor())
    }

    /// The environmental score, Not Defined modified metrics taking the base
    /// metric's value and Not Defined requirements counting as 1.
    pub fn environmental_score(&self) -> f64 {
        let changed = self.modified("S") == "C";
        let miss = (1.0
            - (1.0 - requirement(self.get("CR")) * cia(self.modified("C")))
                * (1.0 - requirement(self.get("IR")) * cia(self.modified("I")))
                * (1.0 - requirement(self.get("AR")) * cia(self.modified("A"))))
        .min(0.915);
        let impact = match (changed, self.version) {
            (false, _) => 6.42 * miss,
            (true, CvssVersion::V3_0) => 7.52 * (miss - 0.029) - 3.25 * (miss - 0.02).powi(15),
            (true, _) => 7.52 * (miss - 0.029) - 3.25 * (miss * 0.9731 - 0.02).powi(13),
        };
        let exploitability = 8.22
            * av(self.modified("AV"))
            * ac(self.modified("AC"))
            * pr(self.modified("PR"), changed)
            * ui(self.modified("UI"));
        round_up(combine(impact, exploitability, changed) * self.temporal_factor())
    }

    /// E × RL × RC.
    fn temporal_factor(&self) -> f64 {
        let e = match self.get("E") {
            "F" => 0.97,
            "P" => 0.94,
            "U" => 0.91,
            _ => 1.0, // X, H
        };
        let rl = match self.get("RL") {
            "O" => 0.95,
            "T" => 0.96,
            "W" => 0.97,
            _ => 1.0, // X, U
        };
        let rc = match self.get("RC") {
            "U" => 0.92,
            "R" => 0.96,
            _ => 1.0, // X, C
        };
        e * rl * rc
    }

    /// All scores; `score`, `severity` and `nomenclature` are 4.0 only and
    /// stay `None`.
    pub fn scores(&self) -> CvssScores {
        let base_score = self.base_score();
        CvssScores {
            version: self.version,
            base_score,
            base_severity: Severity::from_score(base_score),
            temporal_score: Some(self.temporal_score()),
            environmental_score: Some(self.environmental_score()),
            score: None,
            severity: None,
            nomenclature: None,
        }
    }
}

/// The vector with the metrics it gives, in the specification's order.
impl fmt::Display for Cvss3Vector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CVSS:{}", self.version)?;
        for (index, spec) in METRICS.iter().enumerate() {
            if let Some(value) = self.value_at(index) {
                write!(f, "/{}:{value}", spec.name)?;
            }
        }
        Ok(())
    }
}

/// Roundup(Min(impact + exploitability, 10)) for an unchanged scope, with
/// the 1.08 factor for a changed one; 0 when the impact is not positive.
fn combine(impact: f64, exploitability: f64, changed: bool) -> f64 {
    if impact <= 0.0 {
        0.0
    } else if changed {
        round_up((1.08 * (impact + exploitability)).min(10.0))
    } else {
        round_up((impact + exploitability).min(10.0))
    }
}

/// Round up as both specifications define it: the smallest number with one
/// decimal that is equal to or higher than the exact value.
///
/// The exact value of every v3.x product (weights of at most two decimals,
/// and the scores they multiply) has at most 12 decimals, while `f64`
/// carries it with an error below 1e-14; rounding to the nearest 1e-12
/// first recovers the exact value, so e.g. 5.0 × 0.92, computed as
/// 4.6000000000000005, rounds up to 4.6 and not 4.7. (The changed-scope
/// power terms have more decimals; for them this is off only if the exact
/// value lies within 5e-13 above a tenth.) This also agrees with v3.1's
/// Appendix A except for exact values less than 5e-6 above a tenth, which
/// Appendix A rounds down, contrary to the definition.
fn round_up(value: f64) -> f64 {
    const PER_TENTH: i64 = 100_000_000_000; // units of 1e-12 in 0.1
    let units = (value * 1e12).round() as i64;
    let tenths = units.div_euclid(PER_TENTH) + i64::from(units.rem_euclid(PER_TENTH) != 0);
    tenths as f64 / 10.0
}

/// Attack Vector weight.
fn av(value: &str) -> f64 {
    match value {
        "N" => 0.85,
        "A" => 0.62,
        "L" => 0.55,
        _ => 0.2, // P
    }
}

/// Attack Complexity weight.
fn ac(value: &str) -> f64 {
    match value {
        "L" => 0.77,
        _ => 0.44, // H
    }
}

/// Privileges Required weight, which depends on the (modified) scope.
fn pr(value: &str, scope_changed: bool) -> f64 {
    match (value, scope_changed) {
        ("N", _) => 0.85,
        ("L", false) => 0.62,
        ("L", true) => 0.68,
        (_, false) => 0.27, // H
        (_, true) => 0.5,
    }
}

/// User Interaction weight.
fn ui(value: &str) -> f64 {
    match value {
        "N" => 0.85,
        _ => 0.62, // R
    }
}

/// Confidentiality, Integrity or Availability impact weight.
fn cia(value: &str) -> f64 {
    match value {
        "H" => 0.56,
        "L" => 0.22,
        _ => 0.0, // N
    }
}

/// Security requirement weight (CR, IR, AR).
fn requirement(value: &str) -> f64 {
    match value {
        "H" => 1.5,
        "L" => 0.5,
        _ => 1.0, // M, X
    }
}

#[cfg(test)]
mod tests {
    use super::round_up;

    #[test]
    fn round_up_follows_the_definition() {
        assert_eq!(round_up(4.0), 4.0);
        assert_eq!(round_up(4.02), 4.1);
        assert_eq!(round_up(5.0 * 0.92), 4.6); // 4.6000000000000005 in f64
        assert_eq!(round_up(4.000_001), 4.1);
        assert_eq!(round_up(0.0), 0.0);
        assert_eq!(round_up(10.0), 10.0);
    }
}
