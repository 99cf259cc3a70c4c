//! A lenient serde model of the OSV fields vulndesk matches on, and its normalisation.
//!
//! Only `id` is required: every other field may be missing or `null`, and fields vulndesk
//! does not use (`details`, `references`, `credits`, ...) are skipped without being stored.
//! That keeps one odd record from stopping the import of a large archive, while everything
//! that had to be dropped on the way (an unknown ecosystem, a `GIT` range, a version that
//! its ecosystem cannot parse) is counted in the [`LoadReport`].

use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::load::{LoadReport, SkipReason};
use super::{Advisory, Affected, RangeSpec, normalise_name};
use crate::{Ecosystem, Event, OsvRangeKind, Range, RangeError};

#[derive(Deserialize)]
struct RawRecord {
    id: String,
    #[serde(default)]
    modified: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
    #[serde(default)]
    aliases: Option<Vec<String>>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    severity: Option<Vec<RawSeverity>>,
    #[serde(default)]
    affected: Option<Vec<RawAffected>>,
    #[serde(default)]
    database_specific: Option<RawSpecific>,
}

#[derive(Deserialize)]
struct RawSeverity {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    score: Option<String>,
}

/// The part of `database_specific` or `ecosystem_specific` that vulndesk reads.
///
/// `severity` is a label such as GHSA's `HIGH` or Debian's `unimportant` when it is a
/// string; any other shape is ignored.
#[derive(Deserialize)]
struct RawSpecific {
    #[serde(default)]
    severity: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawAffected {
    #[serde(default)]
    package: Option<RawPackage>,
    #[serde(default)]
    ranges: Option<Vec<RawRange>>,
    #[serde(default)]
    versions: Option<Vec<String>>,
    #[serde(default)]
    ecosystem_specific: Option<RawSpecific>,
    #[serde(default)]
    database_specific: Option<RawSpecific>,
}

#[derive(Deserialize)]
struct RawPackage {
    #[serde(default)]
    ecosystem: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct RawRange {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    events: Option<Vec<RawEvent>>,
}

#[derive(Deserialize)]
struct RawEvent {
    #[serde(default)]
    introduced: Option<String>,
    #[serde(default)]
    fixed: Option<String>,
    #[serde(default)]
    last_affected: Option<String>,
    #[serde(default)]
    limit: Option<String>,
}

/// Parses an RFC 3339 time such as OSV's `modified`; `None` if it is not one.
pub(crate) fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text.trim(), &Rfc3339).ok()
}

/// Parses one OSV record and normalises it, counting what was dropped in `report`.
///
/// Only malformed JSON or a record without a string `id` is an error; see the module
/// documentation for what is tolerated.
pub fn parse_advisory(bytes: &[u8], report: &mut LoadReport) -> Result<Advisory, serde_json::Error> {
    let raw: RawRecord = serde_json::from_slice(bytes)?;
    Ok(normalise(raw, report))
}

fn specific_severity(specific: Option<&RawSpecific>) -> Option<String> {
    match specific?.severity.as_ref()? {
        serde_json::Value::String(label) if !label.trim().is_empty() => Some(label.trim().to_owned()),
        _ => None,
    }
}

/// FIRST's rating of the best CVSS vector, preferring version 4.0 over 3.x.
fn cvss_rating(cvss: &[(String, String)]) -> Option<String> {
    let mut best: Option<(vulndesk_formats::CvssVersion, vulndesk_formats::Severity)> = None;
    for (_, vector) in cvss {
        let Ok(parsed) = vulndesk_formats::parse(vector) else { continue };
        let scores = parsed.scores();
        let rating = vulndesk_formats::Severity::from_score(scores.headline());
        let is_v4 = scores.version == vulndesk_formats::CvssVersion::V4_0;
        let best_is_v4 = best.is_some_and(|(version, _)| version == vulndesk_formats::CvssVersion::V4_0);
        if best.is_none() || (is_v4 && !best_is_v4) {
            best = Some((scores.version, rating));
        }
    }
    best.map(|(_, rating)| rating.name().to_ascii_uppercase())
}

fn normalise(raw: RawRecord, report: &mut LoadReport) -> Advisory {
    report.records_read += 1;
    let id = raw.id;
    let modified = raw.modified.unwrap_or_default();
    let modified_at = parse_time(&modified);
    if modified_at.is_none() {
        report.skip(SkipReason::InvalidModified, || format!("{id}: {modified:?}"));
    }
    if raw.withdrawn.is_some() {
        report.withdrawn += 1;
    }
    let cvss: Vec<(String, String)> = raw
        .severity
        .unwrap_or_default()
        .into_iter()
        .filter_map(|s| Some((s.kind.unwrap_or_default(), s.score?)))
        .filter(|(kind, vector)| kind.starts_with("CVSS") && !vector.is_empty())
        .collect();
    let severity = specific_severity(raw.database_specific.as_ref()).or_else(|| cvss_rating(&cvss));

    let mut ecosystems: Vec<String> = Vec::new();
    let mut affected = Vec::new();
    for entry in raw.affected.unwrap_or_default() {
        report.affected_entries += 1;
        let Some(package) = entry.package else {
            report.skip(SkipReason::MissingPackage, || id.clone());
            continue;
        };
        let (Some(ecosystem_name), Some(name)) = (package.ecosystem, package.name) else {
            report.skip(SkipReason::MissingPackage, || id.clone());
            continue;
        };
        let base = ecosystem_name.split_once(':').map_or(ecosystem_name.as_str(), |(base, _)| base).to_owned();
        if !ecosystems.contains(&base) {
            ecosystems.push(base);
        }
        let Some(ecosystem) = Ecosystem::from_osv_name(&ecosystem_name) else {
            report.skip(SkipReason::UnknownEcosystem, || format!("{id}: {ecosystem_name:?}"));
            continue;
        };
        let severity = specific_severity(entry.ecosystem_specific.as_ref())
            .or_else(|| specific_severity(entry.database_specific.as_ref()));
        let ranges = normalise_ranges(&id, ecosystem, entry.ranges.unwrap_or_default(), report);
        let versions = entry.versions.map(|listed| normalise_versions(&id, ecosystem, &listed, report));
        let fixed = fixed_versions(&ranges);
        affected.push(Affected {
            ecosystem,
            ecosystem_name,
            key: normalise_name(ecosystem, &name),
            name,
            ranges,
            versions,
            fixed,
            severity,
        });
    }
    for ecosystem in ecosystems {
        *report.records_by_ecosystem.entry(ecosystem).or_default() += 1;
    }
    if affected.iter().all(|a| a.ranges.is_empty() && a.versions.is_none()) {
        report.skip(SkipReason::NothingToMatch, || id.clone());
    }
    Advisory {
        id,
        aliases: raw.aliases.unwrap_or_default(),
        summary: raw.summary,
        modified,
        modified_at,
        withdrawn: raw.withdrawn,
        severity,
        cvss,
        affected,
    }
}

fn normalise_ranges(id: &str, ecosystem: Ecosystem, raw: Vec<RawRange>, report: &mut LoadReport) -> Vec<RangeSpec> {
    let mut ranges = Vec::with_capacity(raw.len());
    for range in raw {
        let kind_text = range.kind.unwrap_or_default();
        let kind = match OsvRangeKind::from_osv(&kind_text) {
            Some(OsvRangeKind::Git) => {
                report.git_ranges_ignored += 1;
                continue;
            }
            Some(kind) => kind,
            None => {
                report.skip(SkipReason::UnknownRangeType, || format!("{id}: {kind_text:?}"));
                continue;
            }
        };
        let mut events = Vec::new();
        for event in range.events.unwrap_or_default() {
            let event = match event {
                RawEvent { introduced: Some(v), .. } => Event::Introduced(v),
                RawEvent { fixed: Some(v), .. } => Event::Fixed(v),
                RawEvent { last_affected: Some(v), .. } => Event::LastAffected(v),
                RawEvent { limit: Some(v), .. } => Event::Limit(v),
                _ => {
                    report.skip(SkipReason::EmptyEvent, || id.to_owned());
                    continue;
                }
            };
            events.push(event);
        }
        match Range::from_events(ecosystem, kind, &events) {
            Ok(parsed) => {
                report.ranges += 1;
                ranges.push(RangeSpec { kind, events, range: parsed });
            }
            Err(RangeError::Version(err)) => {
                report.unparseable_versions.add(|| format!("{id}: {err}"));
                report.skip(SkipReason::RangeWithUnparseableVersion, || format!("{id}: {err}"));
            }
            Err(err) => report.skip(SkipReason::InvalidRange, || format!("{id}: {err}")),
        }
    }
    ranges
}

fn normalise_versions(id: &str, ecosystem: Ecosystem, listed: &[String], report: &mut LoadReport) -> Range {
    let mut parsed = Vec::with_capacity(listed.len());
    for version in listed {
        match crate::parse(ecosystem, version) {
            Ok(version) => parsed.push(version),
            Err(err) => report.unparseable_versions.add(|| format!("{id}: {err}")),
        }
    }
    report.listed_versions += parsed.len();
    Range::from_parsed_versions(ecosystem, parsed)
}

/// The distinct `fixed` versions of the ranges, in version order.
fn fixed_versions(ranges: &[RangeSpec]) -> Vec<String> {
    let mut fixed: Vec<(Option<crate::Version>, &str)> = Vec::new();
    for spec in ranges {
        for event in &spec.events {
            if let Event::Fixed(text) = event {
                let parsed = spec.range.parse_version(text).ok();
                if !fixed.iter().any(|(p, t)| *t == text || (p.is_some() && *p == parsed)) {
                    fixed.push((parsed, text));
                }
            }
        }
    }
    crate::version::sort_lenient(&mut fixed, |a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
    fixed.into_iter().map(|(_, text)| text.to_owned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_a_record() {
        let record = br#"{
            "id": "TEST-1", "modified": "2024-05-01T10:00:00Z", "aliases": ["CVE-2024-0001"],
            "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
            "affected": [
                {"package": {"ecosystem": "PyPI", "name": "Foo_Bar"},
                 "ranges": [
                    {"type": "GIT", "repo": "x", "events": [{"introduced": "0"}, {"fixed": "abc"}]},
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"},
                                                     {"introduced": "1.0"}, {"fixed": "1.5"}]}],
                 "versions": ["1.0", "1.1", ""]},
                {"package": {"ecosystem": "Nonsense", "name": "x"}},
                {"package": {"ecosystem": "Go", "name": "example.com/m"},
                 "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "not a version"}]}]}
            ]}"#;
        let mut report = LoadReport::default();
        let advisory = parse_advisory(record, &mut report).expect("a valid record");
        assert_eq!(advisory.severity.as_deref(), Some("CRITICAL"));
        assert_eq!(advisory.affected.len(), 2);
        let pypi = &advisory.affected[0];
        assert_eq!(pypi.key, "foo-bar");
        assert_eq!(pypi.fixed, ["1.5", "2.0"]);
        assert_eq!(pypi.ranges.len(), 1);
        assert!(pypi.verdict_for_text("1.1").affected());
        assert!(advisory.affected[1].ranges.is_empty());
        assert_eq!(report.git_ranges_ignored, 1);
        assert_eq!(report.unparseable_versions.count, 2, "{report}");
        assert_eq!(report.records_by_ecosystem.get("Nonsense"), Some(&1));
        assert_eq!(report.skipped.get(&SkipReason::UnknownEcosystem).map(|t| t.count), Some(1));
    }

    #[test]
    fn only_an_id_is_required() {
        let mut report = LoadReport::default();
        let advisory = parse_advisory(br#"{"id": "X", "affected": null, "aliases": null}"#, &mut report)
            .expect("a minimal record");
        assert!(advisory.affected.is_empty() && advisory.modified_at.is_none());
        assert!(parse_advisory(br#"{"affected": []}"#, &mut report).is_err());
    }

    /// Found by `cargo fuzz run versions`: a Maven record whose `versions` list (and
    /// `fixed` events) hold versions Maven's non-transitive order cannot sort made the
    /// importer panic in `slice::sort`.
    #[test]
    fn a_maven_record_with_a_non_transitive_versions_list_reads() {
        let versions = [
            "1-rc", "1.0", "1-sp", "19", "1-sp", "1.az9", "2", "1.0", "1-sp", "1-0.rc", "1.az9", "1.0.a1", "1-0.rc",
            "19", "1-rc", "1-0.1", "1.0", "1.0.a9", "1-0.rc", "1-0.rc", "1-0.rc",
        ];
        let events: Vec<serde_json::Value> = versions
            .iter()
            .flat_map(|v| [serde_json::json!({"introduced": v}), serde_json::json!({"fixed": format!("{v}-x")})])
            .collect();
        let record = serde_json::json!({
            "id": "FUZZ-MAVEN-1", "modified": "2024-01-01T00:00:00Z",
            "affected": [{"package": {"ecosystem": "Maven", "name": "org.example:lib"},
                          "ranges": [{"type": "ECOSYSTEM", "events": events}],
                          "versions": versions}]
        });
        let mut report = LoadReport::default();
        let advisory = parse_advisory(record.to_string().as_bytes(), &mut report).expect("a valid record");
        assert_eq!(advisory.affected.len(), 1);
        assert!(advisory.affected[0].versions.is_some());
        let fixed = &advisory.affected[0].fixed;
        assert!(!fixed.is_empty() && fixed.len() <= 10, "the distinct fixed versions: {fixed:?}");
    }
}
