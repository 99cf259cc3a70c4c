//! CVSS v4.0 vectors: validation and scores.
//!
//! Metrics and values are those of the CVSS v4.0 specification, section 7
//! ("Vector String"): the eleven base metrics are mandatory; threat (`E`),
//! environmental and supplemental metrics are optional and take `X` (Not
//! Defined). Unlike v3.x, metrics must appear in the specification's order,
//! which is the order of the table in this module.
//!
//! After the validation pass of [`super::parse`] has accepted a vector, RustSec's `cvss` crate
//! computes FIRST's MacroVector score twice: once for the whole vector
//! (the CVSS-B/BT/BE/BTE score) and once for its base metrics alone (the
//! CVSS-B score reported as `base_score`).

use std::fmt;
use std::str::FromStr;

use rustsec_cvss::v4::Nomenclature;

use super::{CvssError, CvssScores, CvssVersion, MetricSpec, Severity, base, one_decimal, optional};

/// How many of [`METRICS`] are base metrics (they come first).
const BASE_METRICS: usize = 11;

/// Every CVSS v4.0 metric, in the order the specification requires.
pub(crate) const METRICS: &[MetricSpec] = &[
    // Base: exploitability, then vulnerable-system and subsequent-system impact
    base("AV", &["N", "A", "L", "P"]),
    base("AC", &["L", "H"]),
    base("AT", &["N", "P"]),
    base("PR", &["N", "L", "H"]),
    base("UI", &["N", "P", "A"]),
    base("VC", &["H", "L", "N"]),
    base("VI", &["H", "L", "N"]),
    base("VA", &["H", "L", "N"]),
    base("SC", &["H", "L", "N"]),
    base("SI", &["H", "L", "N"]),
    base("SA", &["H", "L", "N"]),
    // Threat
    optional("E", &["X", "A", "P", "U"]),
    // Environmental: security requirements, then modified base metrics
    optional("CR", &["X", "H", "M", "L"]),
    optional("IR", &["X", "H", "M", "L"]),
    optional("AR", &["X", "H", "M", "L"]),
    optional("MAV", &["X", "N", "A", "L", "P"]),
    optional("MAC", &["X", "L", "H"]),
    optional("MAT", &["X", "N", "P"]),
    optional("MPR", &["X", "N", "L", "H"]),
    optional("MUI", &["X", "N", "P", "A"]),
    optional("MVC", &["X", "H", "L", "N"]),
    optional("MVI", &["X", "H", "L", "N"]),
    optional("MVA", &["X", "H", "L", "N"]),
    optional("MSC", &["X", "H", "L", "N"]),
    optional("MSI", &["X", "S", "H", "L", "N"]),
    optional("MSA", &["X", "S", "H", "L", "N"]),
    // Supplemental
    optional("S", &["X", "N", "P"]),
    optional("AU", &["X", "N", "Y"]),
    optional("R", &["X", "A", "U", "I"]),
    optional("V", &["X", "D", "C"]),
    optional("RE", &["X", "L", "M", "H"]),
    optional("U", &["X", "Clear", "Green", "Amber", "Red"]),
];

/// A valid CVSS v4.0 vector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cvss4Vector {
    /// The whole vector.
    full: rustsec_cvss::v4::Vector,
    /// The same vector with its base metrics only, for the CVSS-B score.
    base: rustsec_cvss::v4::Vector,
}

/// Validates and parses a v4.0 vector; `body` is what follows the prefix.
pub(crate) fn parse(vector: &str, body: &str) -> Result<Cvss4Vector, CvssError> {
    let components = super::validate(body, METRICS, true)?;
    let mut base_only = String::from("CVSS:4.0");
    for (index, value) in components.iter().filter(|(index, _)| *index < BASE_METRICS) {
        base_only.push('/');
        base_only.push_str(METRICS[*index].name);
        base_only.push(':');
        base_only.push_str(value);
    }
    let full = rustsec_cvss::v4::Vector::from_str(vector).map_err(super::rejected)?;
    let base = rustsec_cvss::v4::Vector::from_str(&base_only).map_err(super::rejected)?;
    Ok(Cvss4Vector { full, base })
}

impl Cvss4Vector {
    /// The CVSS-B score: base metrics only (0.0–10.0, one decimal).
    pub fn base_score(&self) -> f64 {
        one_decimal(self.base.score().value())
    }

    /// The score of the whole vector, with whatever threat and
    /// environmental metrics it gives (one decimal).
    pub fn score(&self) -> f64 {
        one_decimal(self.full.score().value())
    }

    /// FIRST's label for [`Self::score`]: `"CVSS-B"`, `"CVSS-BT"`,
    /// `"CVSS-BE"` or `"CVSS-BTE"`. A metric given as `X` counts as given,
    /// as in the `cvss` crate and Red Hat's library.
    pub fn nomenclature(&self) -> &'static str {
        match self.full.nomenclature() {
            Nomenclature::CvssB => "CVSS-B",
            Nomenclature::CvssBT => "CVSS-BT",
            Nomenclature::CvssBE => "CVSS-BE",
            Nomenclature::CvssBTE => "CVSS-BTE",
        }
    }

    /// All scores; `temporal_score` and `environmental_score` are 3.x only
    /// and stay `None`.
    pub fn scores(&self) -> CvssScores {
        let base_score = self.base_score();
        let score = self.score();
        CvssScores {
            version: CvssVersion::V4_0,
            base_score,
            base_severity: Severity::from_score(base_score),
            temporal_score: None,
            environmental_score: None,
            score: Some(score),
            severity: Some(Severity::from_score(score)),
            nomenclature: Some(self.nomenclature()),
        }
    }
}

/// The vector with its metrics in the specification's order.
impl fmt::Display for Cvss4Vector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.full.fmt(f)
    }
}
