//! CVSS vectors and scores: v3.0, v3.1 ([`v3`]) and v4.0 ([`v4`]).
//!
//! [`parse`] detects the version from the prefix (`CVSS:3.0/`, `CVSS:3.1/`,
//! `CVSS:4.0/`) and returns a [`CvssVector`]; [`CvssVector::scores`] computes
//! every score FIRST defines for that version:
//!
//! * 3.0 and 3.1: base, temporal and environmental scores. Temporal and
//!   environmental metrics a vector leaves out count as Not Defined (`X`), as
//!   the specification says, so those two scores are always present for 3.x.
//! * 4.0: the CVSS-B score (base metrics only) as `base_score`, and the score
//!   of the whole vector as `score`, labelled with FIRST's nomenclature
//!   (CVSS-B, CVSS-BT, CVSS-BE or CVSS-BTE) according to the threat and
//!   environmental metrics present. Supplemental metrics are validated and
//!   kept but, per the specification, never change a score.
//!
//! # What comes from RustSec's `cvss` crate, and what is ours
//!
//! RustSec's `cvss` crate (pinned to 3.0.0) computes the v4.0 scores: its v4
//! vector implements FIRST's MacroVector scoring for every metric group, and
//! agrees with Red Hat's Python `cvss` (the origin of FIRST's official v4
//! calculator) on every vector `tests/referee/cvss_referee.py` tries.
//!
//! The v3.x scores are computed in [`v3`]: the crate's v3 arithmetic rounds
//! binary floating-point results with a plain ceiling, so some v3.0 scores
//! that are exactly on a tenth come out a tenth too high (run against the
//! crate, the referee found 11 such vectors in 5,000 random v3.0 ones); see
//! [`v3`] for the details.
//!
//! The crate's parsers are not strict or precise enough for a PSIRT tool,
//! so every vector goes through this module's own validation pass
//! ([`parse`]) first:
//!
//! * they accept lower-case metrics and values (`cvss:4.0/av:n/...`), which
//!   FIRST's vector-string grammar does not; vulndesk is case-sensitive;
//! * for 4.0 they do not check that metrics come in the order the
//!   specification requires (section 7, "Vector String");
//! * for 3.x they do not require the mandatory base metrics at all
//!   (`CVSS:3.1/AV:N` parses, and scores as if the rest were zero);
//! * on a duplicate whose second value is bad they report the value, not the
//!   duplicate; a malformed component or a wrong prefix comes back with the
//!   raw text only, and a 3.x vector has no "missing metric" error.
//!
//! Our pass gives one [`CvssError`] naming the metric (and the value) at
//! fault, and only vectors it accepts reach the crate. vulndesk also adds
//! FIRST's severity names ("None" … "Critical"; the crate's are lower-case),
//! the CVSS-B score next to the whole-vector score for 4.0, the Chinese
//! grades ([`CnGrade`]) and [`score_line`].

use std::fmt;

pub mod v3;
pub mod v4;

pub use v3::Cvss3Vector;
pub use v4::Cvss4Vector;

/// Parses a CVSS v3.0, v3.1 or v4.0 vector string, choosing the version from
/// its prefix.
///
/// Parsing is strict and case-sensitive, as FIRST's vector-string grammar is:
/// no surrounding whitespace, no trailing `/`, every mandatory base metric
/// present exactly once, every value one the specification lists, and for
/// 4.0 the metrics in the specification's order (3.x allows any order).
///
/// # Errors
///
/// A [`CvssError`] naming the first problem found and, where there is one,
/// the metric at fault.
pub fn parse(vector: &str) -> Result<CvssVector, CvssError> {
    if vector.is_empty() {
        return Err(CvssError::Empty);
    }
    let (prefix, body) = vector.split_once('/').unwrap_or((vector, ""));
    match prefix {
        "CVSS:3.0" | "CVSS:3.1" => v3::parse(vector, body).map(CvssVector::V3),
        "CVSS:4.0" => v4::parse(vector, body).map(CvssVector::V4),
        _ => Err(match prefix.strip_prefix("CVSS:") {
            Some(version) => CvssError::UnsupportedVersion { version: clip(version) },
            None => CvssError::WrongPrefix { found: clip(prefix) },
        }),
    }
}

/// Scores one line of input for `vulndesk cvss score` and returns the JSON
/// object to write for it.
///
/// The line is trimmed of surrounding whitespace (so `\r\n` endings are
/// fine). The caller skips lines that are empty after trimming and writes
/// nothing for them; given one anyway, this returns an `error` object.
///
/// A valid vector gives `vector` (the trimmed input), `version` (`"3.0"`,
/// `"3.1"` or `"4.0"`), `base_score` and `base_severity`, plus
/// `temporal_score` and `environmental_score` for 3.x, or `score`,
/// `severity` (the score of the whole vector, CVSS-BTE with whatever threat
/// and environmental metrics it has) and `nomenclature` for 4.0. Scores are
/// numbers with one decimal; severities are FIRST's names ("None", "Low",
/// "Medium", "High", "Critical"). An invalid vector gives `vector` and
/// `error`, a message naming the bad metric.
pub fn score_line(line: &str) -> serde_json::Value {
    use serde_json::{Map, Value, json};

    let vector = line.trim();
    let mut out = Map::new();
    out.insert("vector".into(), Value::from(vector));
    match parse(vector) {
        Err(error) => {
            out.insert("error".into(), Value::from(error.to_string()));
        }
        Ok(parsed) => {
            let scores = parsed.scores();
            out.insert("version".into(), json!(scores.version.as_str()));
            out.insert("base_score".into(), json!(scores.base_score));
            out.insert("base_severity".into(), json!(scores.base_severity.name()));
            if let Some(temporal) = scores.temporal_score {
                out.insert("temporal_score".into(), json!(temporal));
            }
            if let Some(environmental) = scores.environmental_score {
                out.insert("environmental_score".into(), json!(environmental));
            }
            if let Some(score) = scores.score {
                out.insert("score".into(), json!(score));
            }
            if let Some(severity) = scores.severity {
                out.insert("severity".into(), json!(severity.name()));
            }
            if let Some(nomenclature) = scores.nomenclature {
                out.insert("nomenclature".into(), json!(nomenclature));
            }
        }
    }
    Value::Object(out)
}

/// A parsed, valid CVSS vector of any supported version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CvssVector {
    /// A CVSS v3.0 or v3.1 vector.
    V3(Cvss3Vector),
    /// A CVSS v4.0 vector.
    V4(Cvss4Vector),
}

impl CvssVector {
    /// The CVSS version of this vector.
    pub fn version(&self) -> CvssVersion {
        match self {
            Self::V3(v) => v.version(),
            Self::V4(_) => CvssVersion::V4_0,
        }
    }

    /// Every score FIRST defines for this vector's version.
    pub fn scores(&self) -> CvssScores {
        match self {
            Self::V3(v) => v.scores(),
            Self::V4(v) => v.scores(),
        }
    }
}

/// Writes the vector in FIRST's canonical metric order; parsing the result
/// gives back an equal vector.
impl fmt::Display for CvssVector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::V3(v) => v.fmt(f),
            Self::V4(v) => v.fmt(f),
        }
    }
}

impl std::str::FromStr for CvssVector {
    type Err = CvssError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

/// A supported CVSS version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CvssVersion {
    /// CVSS v3.0.
    V3_0,
    /// CVSS v3.1.
    V3_1,
    /// CVSS v4.0.
    V4_0,
}

impl CvssVersion {
    /// `"3.0"`, `"3.1"` or `"4.0"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V3_0 => "3.0",
            Self::V3_1 => "3.1",
            Self::V4_0 => "4.0",
        }
    }
}

impl fmt::Display for CvssVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The scores of one vector. Every score has one decimal, from 0.0 to 10.0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CvssScores {
    /// The vector's version.
    pub version: CvssVersion,
    /// The base score: for 4.0, the CVSS-B score of the base metrics alone.
    pub base_score: f64,
    /// The severity of `base_score`.
    pub base_severity: Severity,
    /// 3.x only: the temporal score (equal to the base score when no
    /// temporal metric is given).
    pub temporal_score: Option<f64>,
    /// 3.x only: the environmental score (absent environmental and temporal
    /// metrics count as Not Defined).
    pub environmental_score: Option<f64>,
    /// 4.0 only: the score of the whole vector, using whatever threat and
    /// environmental metrics it has (CVSS-B when it has none).
    pub score: Option<f64>,
    /// 4.0 only: the severity of `score`.
    pub severity: Option<Severity>,
    /// 4.0 only: FIRST's label for `score`: `"CVSS-B"`, `"CVSS-BT"`,
    /// `"CVSS-BE"` or `"CVSS-BTE"`.
    pub nomenclature: Option<&'static str>,
}

impl CvssScores {
    /// The score to show first: for 4.0 `score` (FIRST asks for the score
    /// with all the metrics given), for 3.x the base score.
    pub fn headline(&self) -> f64 {
        self.score.unwrap_or(self.base_score)
    }

    /// The Chinese grade of [`Self::headline`].
    pub fn cn_grade(&self) -> CnGrade {
        CnGrade::from_score(self.headline())
    }
}

/// FIRST's qualitative severity rating scale (the same for v3.x and v4.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// 0.0
    None,
    /// 0.1 – 3.9
    Low,
    /// 4.0 – 6.9
    Medium,
    /// 7.0 – 8.9
    High,
    /// 9.0 – 10.0
    Critical,
}

impl Severity {
    /// The rating of a score. The score is first rounded to one decimal
    /// (half up); NaN rates as `None`.
    pub fn from_score(score: f64) -> Self {
        let score = one_decimal(score);
        if score >= 9.0 {
            Self::Critical
        } else if score >= 7.0 {
            Self::High
        } else if score >= 4.0 {
            Self::Medium
        } else if score >= 0.1 {
            Self::Low
        } else {
            Self::None
        }
    }

    /// FIRST's name: `"None"`, `"Low"`, `"Medium"`, `"High"` or
    /// `"Critical"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "None",
            Self::Low => "Low",
            Self::Medium => "Medium",
            Self::High => "High",
            Self::Critical => "Critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The grades used by the Chinese vulnerability databases (CNNVD, CNVD and
/// the reports made under the 2021 vulnerability-management regulation):
/// 超危 critical (9.0–10.0), 高危 high (7.0–8.9), 中危 medium (4.0–6.9),
/// 低危 low (0.1–3.9). A score of 0.0 has no grade there; vulndesk calls it
/// `None` (无).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CnGrade {
    /// 0.0: no grade (无).
    None,
    /// 低危, 0.1 – 3.9.
    Low,
    /// 中危, 4.0 – 6.9.
    Medium,
    /// 高危, 7.0 – 8.9.
    High,
    /// 超危, 9.0 – 10.0.
    Critical,
}

impl CnGrade {
    /// The grade of a CVSS score (rounded to one decimal first, half up).
    pub fn from_score(score: f64) -> Self {
        Self::from(Severity::from_score(score))
    }

    /// The Chinese name: 超危, 高危, 中危, 低危, or 无 for `None`.
    pub fn zh(self) -> &'static str {
        match self {
            Self::None => "无",
            Self::Low => "低危",
            Self::Medium => "中危",
            Self::High => "高危",
            Self::Critical => "超危",
        }
    }

    /// The English name: `"none"`, `"low"`, `"medium"`, `"high"` or
    /// `"critical"`.
    pub fn en(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }
}

impl From<Severity> for CnGrade {
    fn from(severity: Severity) -> Self {
        match severity {
            Severity::None => Self::None,
            Severity::Low => Self::Low,
            Severity::Medium => Self::Medium,
            Severity::High => Self::High,
            Severity::Critical => Self::Critical,
        }
    }
}

/// Why a vector string was refused. Every case about a metric names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CvssError {
    /// The input is empty.
    Empty,
    /// The input does not start with `CVSS:<version>/` (CVSS v2 vectors,
    /// which have no prefix, land here too).
    WrongPrefix {
        /// What stood before the first `/` (at most 64 characters).
        found: String,
    },
    /// The prefix is `CVSS:` with a version vulndesk does not score.
    UnsupportedVersion {
        /// The version after `CVSS:`.
        version: String,
    },
    /// A `/`-separated component is not `METRIC:VALUE` (empty, no colon,
    /// two colons, or an empty metric name).
    MalformedComponent {
        /// The component as given (at most 64 characters).
        component: String,
    },
    /// A metric this CVSS version does not define.
    UnknownMetric {
        /// The metric as given.
        metric: String,
    },
    /// A value the metric does not take in this CVSS version.
    InvalidValue {
        /// The metric.
        metric: String,
        /// The value as given.
        value: String,
    },
    /// A metric given twice.
    DuplicateMetric {
        /// The metric.
        metric: String,
    },
    /// A mandatory (base) metric is missing.
    MissingMetric {
        /// The first missing metric, in the specification's order.
        metric: String,
    },
    /// CVSS 4.0 only: a metric placed after one the specification puts
    /// after it.
    OutOfOrder {
        /// The misplaced metric.
        metric: String,
        /// The metric it follows but must precede.
        after: String,
    },
    /// The scoring library refused a vector this module accepted. Not
    /// expected to happen; kept so that such a vector is an error and not a
    /// panic.
    Rejected {
        /// The library's message.
        message: String,
    },
}

impl CvssError {
    /// The metric at fault, when the error is about one.
    pub fn metric(&self) -> Option<&str> {
        match self {
            Self::UnknownMetric { metric }
            | Self::InvalidValue { metric, .. }
            | Self::DuplicateMetric { metric }
            | Self::MissingMetric { metric }
            | Self::OutOfOrder { metric, .. } => Some(metric),
            Self::Empty
            | Self::WrongPrefix { .. }
            | Self::UnsupportedVersion { .. }
            | Self::MalformedComponent { .. }
            | Self::Rejected { .. } => None,
        }
    }
}

impl fmt::Display for CvssError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("empty CVSS vector"),
            Self::WrongPrefix { found } => {
                write!(f, "wrong prefix `{found}`: a CVSS vector starts with CVSS:3.0/, CVSS:3.1/ or CVSS:4.0/")
            }
            Self::UnsupportedVersion { version } => {
                write!(f, "unsupported CVSS version `{version}`: vulndesk scores CVSS 3.0, 3.1 and 4.0")
            }
            Self::MalformedComponent { component } => {
                write!(f, "malformed component `{component}`: expected METRIC:VALUE between slashes")
            }
            Self::UnknownMetric { metric } => write!(f, "unknown metric `{metric}`"),
            Self::InvalidValue { metric, value } => {
                write!(f, "invalid value `{value}` for metric {metric}")
            }
            Self::DuplicateMetric { metric } => write!(f, "metric {metric} is given twice"),
            Self::MissingMetric { metric } => write!(f, "mandatory metric {metric} is missing"),
            Self::OutOfOrder { metric, after } => {
                write!(f, "metric {metric} is out of order: CVSS 4.0 puts it before {after}")
            }
            Self::Rejected { message } => write!(f, "vector rejected: {message}"),
        }
    }
}

impl std::error::Error for CvssError {}

/// One metric of a CVSS version: its abbreviation, the values it takes, and
/// whether a vector must give it.
#[derive(Debug)]
pub(crate) struct MetricSpec {
    pub(crate) name: &'static str,
    pub(crate) values: &'static [&'static str],
    pub(crate) mandatory: bool,
}

/// A base metric: mandatory, no `X`.
pub(crate) const fn base(name: &'static str, values: &'static [&'static str]) -> MetricSpec {
    MetricSpec { name, values, mandatory: true }
}

/// An optional metric (its values include `X`, Not Defined).
pub(crate) const fn optional(name: &'static str, values: &'static [&'static str]) -> MetricSpec {
    MetricSpec { name, values, mandatory: false }
}

/// Checks the part of a vector after its prefix against a version's metric
/// table and returns, in input order, each component as (index in `specs`,
/// the table's spelling of the value). With `ordered`, metrics must follow
/// the table's order.
pub(crate) fn validate(
    body: &str,
    specs: &'static [MetricSpec],
    ordered: bool,
) -> Result<Vec<(usize, &'static str)>, CvssError> {
    let mut seen = vec![false; specs.len()];
    let mut components = Vec::with_capacity(specs.len());
    let mut last: Option<usize> = None;
    if !body.is_empty() {
        for component in body.split('/') {
            let malformed = || CvssError::MalformedComponent { component: clip(component) };
            let (metric, value) = component.split_once(':').ok_or_else(malformed)?;
            if metric.is_empty() || value.contains(':') {
                return Err(malformed());
            }
            let Some(index) = specs.iter().position(|spec| spec.name == metric) else {
                return Err(CvssError::UnknownMetric { metric: clip(metric) });
            };
            let spec = &specs[index];
            if seen[index] {
                return Err(CvssError::DuplicateMetric { metric: spec.name.to_owned() });
            }
            let Some(value) = spec.values.iter().find(|allowed| **allowed == value) else {
                return Err(CvssError::InvalidValue { metric: spec.name.to_owned(), value: clip(value) });
            };
            if let Some(previous) = last.filter(|&previous| ordered && previous > index) {
                return Err(CvssError::OutOfOrder {
                    metric: spec.name.to_owned(),
                    after: specs[previous].name.to_owned(),
                });
            }
            seen[index] = true;
            last = Some(last.map_or(index, |previous| previous.max(index)));
            components.push((index, *value));
        }
    }
    if let Some(missing) = specs.iter().zip(&seen).find(|(spec, seen)| spec.mandatory && !**seen) {
        return Err(CvssError::MissingMetric { metric: missing.0.name.to_owned() });
    }
    Ok(components)
}

/// Turns an error of the `cvss` crate into ours (see [`CvssError::Rejected`]).
pub(crate) fn rejected(error: rustsec_cvss::Error) -> CvssError {
    CvssError::Rejected { message: error.to_string() }
}

/// Rounds to one decimal, half away from zero. The `cvss` crate already
/// rounds; this removes any binary noise so that JSON shows e.g. `7.3`.
pub(crate) fn one_decimal(score: f64) -> f64 {
    (score * 10.0).round() / 10.0
}

/// Bounds user text quoted in an error to 64 characters.
fn clip(text: &str) -> String {
    match text.char_indices().nth(64) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}
