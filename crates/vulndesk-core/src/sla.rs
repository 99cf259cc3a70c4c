//! Remediation deadlines for an operator's findings (Art. 8: flaws in its own networks are to be
//! fixed "in time"; the regulation sets no number, so these are vulndesk's defaults and every
//! organisation may replace them).
//!
//! The deadline depends on three things: the finding's grade, the asset's protection level
//! under the Multi-Level Protection Scheme (等级保护, 1–4; level 3 and above are systems whose
//! damage would harm public interest or national security) and whether the asset is reachable
//! from the internet. The matrix below is the default, in days:
//!
//! | grade    | internet-facing, level 3–4 | internet-facing, level 1–2 | internal, level 3–4 | internal, level 1–2 |
//! |----------|---:|---:|---:|---:|
//! | critical | 3  | 7  | 7  | 15 |
//! | high     | 7  | 15 | 15 | 30 |
//! | medium   | 30 | 45 | 45 | 90 |
//! | low      | 90 | 90 | 180 | 180 |
//!
//! A critical-information-infrastructure asset (关键信息基础设施) takes the internet-facing,
//! level 3–4 column whatever its level and exposure.

use std::fmt;

/// Where an asset can be reached from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exposure {
    /// Reachable from the internet.
    InternetFacing,
    /// Only from inside the operator's networks.
    Internal,
}

/// The facts about an asset that set its deadlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssetClass {
    /// Protection level, 1–4 (values outside are clamped).
    pub protection_level: u8,
    /// Reachability.
    pub exposure: Exposure,
    /// Part of critical information infrastructure.
    pub critical_infrastructure: bool,
}

/// The four columns of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// Internet-facing, level 3–4 (and critical information infrastructure).
    ExposedHigh,
    /// Internet-facing, level 1–2.
    ExposedLow,
    /// Internal, level 3–4.
    InternalHigh,
    /// Internal, level 1–2.
    InternalLow,
}

impl AssetClass {
    /// The matrix column this asset falls in.
    pub fn column(&self) -> Column {
        if self.critical_infrastructure {
            return Column::ExposedHigh;
        }
        let high = self.protection_level.clamp(1, 4) >= 3;
        match (self.exposure, high) {
            (Exposure::InternetFacing, true) => Column::ExposedHigh,
            (Exposure::InternetFacing, false) => Column::ExposedLow,
            (Exposure::Internal, true) => Column::InternalHigh,
            (Exposure::Internal, false) => Column::InternalLow,
        }
    }
}

/// Days to remediate, per grade (`critical`, `high`, `medium`, `low`) and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaMatrix {
    rows: [(&'static str, [u32; 4]); 4],
}

impl Default for SlaMatrix {
    fn default() -> Self {
        Self {
            rows: [
                ("critical", [3, 7, 7, 15]),
                ("high", [7, 15, 15, 30]),
                ("medium", [30, 45, 45, 90]),
                ("low", [90, 90, 180, 180]),
            ],
        }
    }
}

/// Why a matrix was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SlaError {
    /// A line is not `grade: d d d d`.
    #[error("line {0}: write `grade: days days days days` (internet-facing 3–4, 1–2, internal 3–4, 1–2)")]
    Line(usize),
    /// An unknown grade.
    #[error("line {0}: unknown grade {1:?} (critical, high, medium, low)")]
    Grade(usize, String),
    /// A day count out of range, or a stricter column with a longer deadline.
    #[error("line {0}: days must be 1–3650, and never longer for more exposed or more protected systems")]
    Days(usize),
}

fn column_index(c: Column) -> usize {
    match c {
        Column::ExposedHigh => 0,
        Column::ExposedLow => 1,
        Column::InternalHigh => 2,
        Column::InternalLow => 3,
    }
}

impl SlaMatrix {
    /// Days to remediate a finding of `grade` on an asset of `class`; an unknown grade (not yet
    /// graded) takes the `high` row, to err on the side of speed.
    pub fn days(&self, grade: &str, class: &AssetClass) -> u32 {
        let row = self.rows.iter().find(|(g, _)| *g == grade).or_else(|| self.rows.iter().find(|(g, _)| *g == "high"));
        row.map_or(15, |(_, days)| days[column_index(class.column())])
    }

    /// The matrix as text [`SlaMatrix::parse`] reads back: one `grade: d d d d` line per grade.
    pub fn to_text(&self) -> String {
        self.rows
            .iter()
            .map(|(g, d)| format!("{g}: {} {} {} {}", d[0], d[1], d[2], d[3]))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Replaces rows from text, one per line: `high: 7 15 15 30`. Rows not given keep their
    /// defaults. A deadline may not be longer in a stricter column (internet-facing before
    /// internal, level 3–4 before 1–2).
    pub fn parse(text: &str) -> Result<Self, SlaError> {
        let mut m = Self::default();
        for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let n = i + 1;
            let (grade, days) = line.split_once(':').ok_or(SlaError::Line(n))?;
            let grade = grade.trim();
            let days: Vec<u32> =
                days.split_whitespace().map(str::parse).collect::<Result<_, _>>().map_err(|_| SlaError::Line(n))?;
            let days: [u32; 4] = days.try_into().map_err(|_| SlaError::Line(n))?;
            if days.iter().any(|d| !(1..=3650).contains(d))
                || days[0] > days[1]
                || days[0] > days[2]
                || days[1] > days[3]
                || days[2] > days[3]
            {
                return Err(SlaError::Days(n));
            }
            let row =
                m.rows.iter_mut().find(|(g, _)| *g == grade).ok_or_else(|| SlaError::Grade(n, grade.to_owned()))?;
            row.1 = days;
        }
        Ok(m)
    }
}

impl fmt::Display for SlaMatrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (grade, d) in &self.rows {
            writeln!(f, "{grade}: {} {} {} {}", d[0], d[1], d[2], d[3])?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(level: u8, exposure: Exposure, cii: bool) -> AssetClass {
        AssetClass { protection_level: level, exposure, critical_infrastructure: cii }
    }

    /// The whole default matrix, as a table: (grade, level, exposure, CII, days).
    #[test]
    fn the_default_matrix() {
        use Exposure::*;
        let m = SlaMatrix::default();
        let table = [
            ("critical", 3, InternetFacing, false, 3),
            ("critical", 4, InternetFacing, false, 3),
            ("critical", 2, InternetFacing, false, 7),
            ("critical", 3, Internal, false, 7),
            ("critical", 1, Internal, false, 15),
            ("critical", 1, Internal, true, 3),
            ("high", 3, InternetFacing, false, 7),
            ("high", 2, InternetFacing, false, 15),
            ("high", 3, Internal, false, 15),
            ("high", 2, Internal, false, 30),
            ("high", 1, Internal, true, 7),
            ("medium", 4, InternetFacing, false, 30),
            ("medium", 1, InternetFacing, false, 45),
            ("medium", 3, Internal, false, 45),
            ("medium", 2, Internal, false, 90),
            ("low", 3, InternetFacing, false, 90),
            ("low", 1, InternetFacing, false, 90),
            ("low", 4, Internal, false, 180),
            ("low", 1, Internal, false, 180),
            // Not graded yet: treated as high. Levels outside 1–4 are clamped.
            ("", 3, InternetFacing, false, 7),
            ("high", 9, Internal, false, 15),
            ("high", 0, Internal, false, 30),
        ];
        for (grade, level, exposure, cii, want) in table {
            assert_eq!(
                m.days(grade, &class(level, exposure, cii)),
                want,
                "{grade} level {level} {exposure:?} cii {cii}"
            );
        }
    }

    #[test]
    fn organisations_replace_rows_and_bad_lines_are_named() {
        let m = SlaMatrix::parse("critical: 1 2 2 5\n\nlow: 60 90 120 180").expect("parses");
        assert_eq!(m.days("critical", &class(3, Exposure::InternetFacing, false)), 1);
        assert_eq!(m.days("high", &class(3, Exposure::InternetFacing, false)), 7, "rows not given keep their default");
        assert_eq!(SlaMatrix::parse(&m.to_string()), Ok(m));
        assert_eq!(SlaMatrix::parse("high 7 15 15 30"), Err(SlaError::Line(1)));
        assert_eq!(SlaMatrix::parse("high: 7 15 15"), Err(SlaError::Line(1)));
        assert_eq!(SlaMatrix::parse("urgent: 1 1 1 1"), Err(SlaError::Grade(1, "urgent".into())));
        assert_eq!(SlaMatrix::parse("high: 0 15 15 30"), Err(SlaError::Days(1)));
        assert_eq!(
            SlaMatrix::parse("\nhigh: 30 15 15 30"),
            Err(SlaError::Days(2)),
            "the exposed column is the strictest"
        );
    }

    #[test]
    fn the_text_form_reads_back() {
        let m = SlaMatrix::parse("critical: 1 2 2 5\nlow: 60 90 120 365").expect("test value");
        assert_eq!(SlaMatrix::parse(&m.to_text()).expect("test value"), m);
        assert!(m.to_text().starts_with("critical: 1 2 2 5\nhigh: 7 15 15 30"));
    }
}
