//! Scanning an SBOM against the index, and the JSON and table renderings of the findings.
//!
//! Each component with a package URL is mapped to an OSV ecosystem and package name
//! ([`crate::purl_package`]) and its version queried; a component whose purl carries no
//! version falls back to the component's own `version`. One [`Finding`] is made per
//! component and advisory (several `affected[]` entries of one advisory that match the
//! same component, say for two Debian releases, are merged), and findings are sorted by
//! purl, then advisory id.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use vulndesk_formats::sbom::Sbom;

use crate::index::{Index, purl_package};

/// A vulnerable component: one package version and one advisory affecting it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Finding {
    /// The component's package URL, in canonical form.
    pub purl: String,
    /// The package name as the advisory writes it (Maven as `group:artifact`, Go as the
    /// module path).
    pub name: String,
    /// The version that was matched.
    pub version: String,
    /// The OSV ecosystem name, such as `PyPI`, `Go` or `crates.io`.
    pub ecosystem: String,
    /// The advisory id.
    pub advisory: String,
    /// The advisory's aliases (CVE, GHSA, ...).
    pub aliases: Vec<String>,
    /// The versions that fix it, as written in the advisory, in version order.
    pub fixed: Vec<String>,
    /// A severity label, if the advisory gives one or has a CVSS vector to rate.
    pub severity: Option<String>,
}

/// Why an SBOM component was not matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unscanned {
    /// The component has no package URL.
    NoPurl,
    /// The purl type has no OSV ecosystem vulndesk matches.
    UnsupportedType,
    /// Neither the purl nor the component has a version.
    NoVersion,
    /// The version cannot be parsed in the component's ecosystem.
    BadVersion,
}

/// The findings of a scan, with what could not be scanned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScanReport {
    /// The findings, sorted by purl, then advisory.
    pub findings: Vec<Finding>,
    /// Components in the SBOM.
    pub components: usize,
    /// Components that were queried.
    pub scanned: usize,
    /// Components left out, by reason, each with its `bom_ref`.
    pub unscanned: BTreeMap<Unscanned, Vec<String>>,
}

/// Scans every component of `sbom` and returns the findings, sorted by purl then advisory.
pub fn scan_sbom(sbom: &Sbom, index: &Index) -> Vec<Finding> {
    scan_sbom_report(sbom, index).findings
}

/// Scans every component of `sbom`, also reporting which components could not be scanned.
pub fn scan_sbom_report(sbom: &Sbom, index: &Index) -> ScanReport {
    let mut report = ScanReport { components: sbom.components.len(), ..ScanReport::default() };
    let mut findings: Vec<Finding> = Vec::new();
    for component in &sbom.components {
        let mut skip = |why: Unscanned| report.unscanned.entry(why).or_default().push(component.bom_ref.clone());
        let Some(purl) = &component.purl else {
            skip(Unscanned::NoPurl);
            continue;
        };
        let Some((ecosystem, name)) = purl_package(purl) else {
            skip(Unscanned::UnsupportedType);
            continue;
        };
        let version = purl.version().or(component.version.as_deref()).map(str::trim).filter(|v| !v.is_empty());
        let Some(version) = version else {
            skip(Unscanned::NoVersion);
            continue;
        };
        let Ok(hits) = index.query(ecosystem, &name, version) else {
            skip(Unscanned::BadVersion);
            continue;
        };
        report.scanned += 1;
        let purl_text = purl.to_string();
        let first = findings.len();
        for hit in hits {
            // Several entries of one advisory can match one component (say two Debian
            // releases); they become one finding with the fixed versions of both.
            let finding = match findings[first..].iter().position(|f| f.advisory == hit.advisory.id) {
                Some(at) => &mut findings[first + at],
                None => {
                    findings.push(Finding {
                        purl: purl_text.clone(),
                        name: hit.affected.name.clone(),
                        version: version.to_owned(),
                        ecosystem: hit.affected.ecosystem.osv_name().to_owned(),
                        advisory: hit.advisory.id.clone(),
                        aliases: hit.advisory.aliases.clone(),
                        fixed: Vec::with_capacity(hit.affected.fixed.len()),
                        severity: hit.affected.severity.clone().or_else(|| hit.advisory.severity.clone()),
                    });
                    let last = findings.len() - 1;
                    &mut findings[last]
                }
            };
            for fixed in &hit.affected.fixed {
                if !finding.fixed.contains(fixed) {
                    finding.fixed.push(fixed.clone());
                }
            }
        }
    }
    // A component listed twice gives the same findings twice; one copy is kept.
    findings.sort_unstable_by(|a, b| a.purl.cmp(&b.purl).then_with(|| a.advisory.cmp(&b.advisory)));
    findings.dedup_by(|a, b| a.purl == b.purl && a.advisory == b.advisory);
    report.findings = findings;
    report
}

/// Renders findings as `{"findings":[{"purl",...,"severity"}]}`, one compact JSON document.
pub fn findings_json(findings: &[Finding]) -> String {
    #[derive(Serialize)]
    struct Document<'a> {
        findings: &'a [Finding],
    }
    match serde_json::to_string(&Document { findings }) {
        Ok(json) => json,
        // Findings hold only strings and lists of strings, which always serialise.
        Err(err) => unreachable!("findings serialise: {err}"),
    }
}

/// Renders findings as a plain text table with a header and a closing count.
///
/// Columns are the purl, the advisory, its severity (`-` when unknown), the fixed versions
/// (`-` when none) and the aliases, padded to line up.
pub fn findings_table(findings: &[Finding]) -> String {
    let header = ["PURL", "ADVISORY", "SEVERITY", "FIXED", "ALIASES"].map(str::to_owned);
    let dash = |text: String| if text.is_empty() { "-".to_owned() } else { text };
    let rows: Vec<[String; 5]> = findings
        .iter()
        .map(|f| {
            [
                f.purl.clone(),
                f.advisory.clone(),
                dash(f.severity.clone().unwrap_or_default()),
                dash(f.fixed.join(", ")),
                dash(f.aliases.join(", ")),
            ]
        })
        .collect();
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<width$}  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    let _ = writeln!(out, "{} finding{}", findings.len(), if findings.len() == 1 { "" } else { "s" });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(purl: &str, advisory: &str, severity: Option<&str>, fixed: &[&str]) -> Finding {
        Finding {
            purl: purl.to_owned(),
            name: "n".to_owned(),
            version: "1".to_owned(),
            ecosystem: "PyPI".to_owned(),
            advisory: advisory.to_owned(),
            aliases: vec!["CVE-1".to_owned()],
            fixed: fixed.iter().map(|s| (*s).to_owned()).collect(),
            severity: severity.map(str::to_owned),
        }
    }

    #[test]
    fn json_has_the_agreed_shape() {
        let json = findings_json(&[finding("pkg:pypi/n@1", "A-1", None, &["2"])]);
        assert_eq!(
            json,
            r#"{"findings":[{"purl":"pkg:pypi/n@1","name":"n","version":"1","ecosystem":"PyPI","advisory":"A-1","aliases":["CVE-1"],"fixed":["2"],"severity":null}]}"#
        );
        assert_eq!(findings_json(&[]), r#"{"findings":[]}"#);
    }

    #[test]
    fn table_lines_up() {
        let table = findings_table(&[
            finding("pkg:pypi/n@1", "A-1", Some("HIGH"), &["2", "3"]),
            finding("pkg:pypi/longer-name@1", "A-22", None, &[]),
        ]);
        let expected = "\
PURL                    ADVISORY  SEVERITY  FIXED  ALIASES
pkg:pypi/n@1            A-1       HIGH      2, 3   CVE-1
pkg:pypi/longer-name@1  A-22      -         -      CVE-1
2 findings
";
        assert_eq!(table, expected);
        assert_eq!(findings_table(&[]), "PURL  ADVISORY  SEVERITY  FIXED  ALIASES\n0 findings\n");
    }
}
