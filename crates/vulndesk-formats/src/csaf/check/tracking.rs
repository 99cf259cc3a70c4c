//! Tests of `document.tracking`: 6.1.14 and 6.1.16 to 6.1.22, and 6.1.30.
//!
//! Versions are CSAF's integer versions (`"1"`) or semantic versions (`"1.0.0-rc.1+b5"`);
//! ordering uses semantic-version precedence, an integer `n` counting as `n.0.0`. Dates are
//! compared as instants, so `10:00:00+02:00` is before `09:00:00Z`.

use std::cmp::Ordering;

use serde_json::Value;

use super::{Failures, items, text};

/// A parsed semantic version (build metadata dropped, as precedence ignores it).
#[derive(Clone, Debug, PartialEq, Eq)]
struct SemVer {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<String>,
}

impl SemVer {
    /// Parses a semantic version as semver.org's grammar defines it.
    fn parse(text: &str) -> Option<SemVer> {
        let (rest, build) = match text.split_once('+') {
            Some((r, b)) => (r, Some(b)),
            None => (text, None),
        };
        if let Some(build) = build
            && build.split('.').any(|id| id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        {
            return None;
        }
        let (core, pre) = match rest.split_once('-') {
            Some((c, p)) => (c, Some(p)),
            None => (rest, None),
        };
        let numbers: Vec<u64> = core.split('.').map(numeric).collect::<Option<_>>()?;
        let [major, minor, patch] = numbers[..] else { return None };
        let pre = match pre {
            None => Vec::new(),
            Some(p) => {
                let ids: Vec<String> = p.split('.').map(str::to_owned).collect();
                let valid = ids.iter().all(|id| {
                    !id.is_empty()
                        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                        && (!id.bytes().all(|b| b.is_ascii_digit()) || numeric(id).is_some())
                });
                if !valid {
                    return None;
                }
                ids
            }
        };
        Some(SemVer { major, minor, patch, pre })
    }

    fn cmp_precedence(&self, other: &SemVer) -> Ordering {
        (self.major, self.minor, self.patch).cmp(&(other.major, other.minor, other.patch)).then_with(|| {
            match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    for (a, b) in self.pre.iter().zip(&other.pre) {
                        let ord = match (a.parse::<u64>(), b.parse::<u64>()) {
                            (Ok(x), Ok(y)) => x.cmp(&y),
                            (Ok(_), Err(_)) => Ordering::Less,
                            (Err(_), Ok(_)) => Ordering::Greater,
                            (Err(_), Err(_)) => a.cmp(b),
                        };
                        if ord != Ordering::Equal {
                            return ord;
                        }
                    }
                    self.pre.len().cmp(&other.pre.len())
                }
            }
        })
    }
}

/// A numeric identifier without leading zeros.
fn numeric(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) || (text.len() > 1 && text.starts_with('0')) {
        return None;
    }
    text.parse().ok()
}

/// A document version: integer versioning's `n` is `n.0.0`.
fn version(text: &str) -> Option<SemVer> {
    match numeric(text) {
        Some(n) => Some(SemVer { major: n, minor: 0, patch: 0, pre: Vec::new() }),
        None => SemVer::parse(text),
    }
}

fn is_integer(text: &str) -> bool {
    numeric(text).is_some()
}

/// An RFC 3339 date-time as (seconds since 1970 UTC, nanoseconds).
fn instant(text: &str) -> Option<(i64, u32)> {
    let b = text.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let s = text.get(from..from + len)?;
        s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok()).flatten()
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut i = 19;
    let mut nanos = 0u32;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let digits = text.get(start..i)?;
        if digits.is_empty() {
            return None;
        }
        let mut padded: String = digits.chars().take(9).collect();
        while padded.len() < 9 {
            padded.push('0');
        }
        nanos = padded.parse().ok()?;
    }
    let offset = match text.get(i..)? {
        "Z" | "z" => 0,
        zone if zone.len() == 6 && (zone.starts_with('+') || zone.starts_with('-')) && zone.as_bytes()[3] == b':' => {
            let minutes = num(i + 1, 2)? * 60 + num(i + 4, 2)?;
            if zone.starts_with('-') { -minutes } else { minutes }
        }
        _ => return None,
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some((days * 86_400 + hour * 3600 + minute * 60 + second - offset * 60, nanos))
}

/// A revision history item with a string number and a date.
struct Item<'a> {
    index: usize,
    number: &'a str,
    date: Option<(i64, u32)>,
}

pub(super) fn check(json: &Value, out: &mut Failures) {
    let Some(tracking) = json.pointer("/document/tracking") else { return };
    let status = text(tracking, "status");
    let doc_version = text(tracking, "version");
    let history = items(tracking.get("revision_history"));
    let all_strings = history.iter().all(|r| text(r, "number").is_some() && text(r, "date").is_some());
    let revisions: Vec<Item<'_>> = history
        .iter()
        .enumerate()
        .filter_map(|(index, r)| {
            Some(Item { index, number: text(r, "number")?, date: text(r, "date").and_then(instant) })
        })
        .collect();
    let released = matches!(status, Some("final" | "interim"));

    // 6.1.17 Document Status Draft: a non-draft document cannot have version 0, 0.y.z or a
    // pre-release.
    if let (Some(status), Some(v)) = (status, doc_version)
        && status != "draft"
        && (v == "0" || SemVer::parse(v).is_some_and(|s| s.major == 0 || !s.pre.is_empty()))
    {
        out.push("6.1.17", "/document/tracking/status", format!("status {status} does not fit version {v}"));
    }
    // 6.1.18 Released Revision History: no 0 or 0.y.z revision in a final or interim document.
    if released && all_strings {
        for r in &revisions {
            if r.number == "0" || SemVer::parse(r.number).is_some_and(|s| s.major == 0) {
                out.push(
                    "6.1.18",
                    format!("/document/tracking/revision_history/{}/number", r.index),
                    format!("revision {} is not allowed in a released document", r.number),
                );
            }
        }
    }
    // 6.1.19 Revision History Entries for Pre-release Versions.
    for r in &revisions {
        if SemVer::parse(r.number).is_some_and(|s| !s.pre.is_empty()) {
            out.push(
                "6.1.19",
                format!("/document/tracking/revision_history/{}/number", r.index),
                format!("revision {} is a pre-release", r.number),
            );
        }
    }
    // 6.1.20 Non-draft Document Version.
    if let Some(v) = doc_version
        && released
        && SemVer::parse(v).is_some_and(|s| !s.pre.is_empty())
    {
        out.push("6.1.20", "/document/tracking/version", format!("version {v} is a pre-release"));
    }
    // 6.1.22 Multiple Definition in Revision History.
    for (i, r) in revisions.iter().enumerate() {
        if revisions[..i].iter().any(|earlier| earlier.number == r.number) {
            out.push(
                "6.1.22",
                format!("/document/tracking/revision_history/{}/number", r.index),
                format!("revision {} is listed more than once", r.number),
            );
        }
    }
    // 6.1.30 Mixed Integer and Semantic Versioning.
    let first_integer = revisions.first().map(|r| is_integer(r.number));
    if let Some(integer) = first_integer {
        for r in &revisions[1..] {
            if is_integer(r.number) != integer {
                out.push(
                    "6.1.30",
                    format!("/document/tracking/revision_history/{}/number", r.index),
                    "integer and semantic versioning are mixed",
                );
            }
        }
        if doc_version.is_some_and(|v| is_integer(v) != integer) {
            out.push("6.1.30", "/document/tracking/version", "integer and semantic versioning are mixed");
        }
    }

    // The tests below sort the history by date; they need every date.
    if !all_strings || revisions.iter().any(|r| r.date.is_none()) || revisions.is_empty() {
        return;
    }
    let by_date_then_number = |a: &&Item<'_>, b: &&Item<'_>| {
        a.date.cmp(&b.date).then_with(|| match (version(a.number), version(b.number)) {
            (Some(x), Some(y)) => x.cmp_precedence(&y),
            _ => Ordering::Equal,
        })
    };
    let mut sorted: Vec<&Item<'_>> = revisions.iter().collect();
    sorted.sort_by(by_date_then_number);

    // 6.1.14 Sorted Revision History: sorted by date, the numbers ascend.
    let versions: Vec<SemVer> = sorted.iter().filter_map(|r| version(r.number)).collect();
    if versions.windows(2).any(|w| w[0].cmp_precedence(&w[1]) == Ordering::Greater) {
        out.push("6.1.14", "/document/tracking/revision_history", "sorted by date, the version numbers do not ascend");
    }
    // 6.1.16 Latest Document Version: the latest revision's number is the document version,
    // ignoring build metadata (and, for drafts, a pre-release part).
    if let (Some(v), Some(status), Some(latest)) = (doc_version, status, sorted.last()) {
        let normalise = |v: &str| -> String {
            let v = v.split('+').next().unwrap_or_default();
            if status == "draft" { v.split('-').next().unwrap_or_default().to_owned() } else { v.to_owned() }
        };
        if normalise(latest.number) != normalise(v) {
            out.push(
                "6.1.16",
                "/document/tracking/version",
                format!("version {v} is not the latest revision's number {}", latest.number),
            );
        }
    }
    // 6.1.21 Missing Item in Revision History: sorted by date, the (major) versions start at 0 or
    // 1 and leave no number out.
    let mut majors: Vec<u64> = Vec::new();
    for r in &sorted {
        let major = match version(r.number) {
            Some(v) => v.major,
            None => match r.number.bytes().take_while(u8::is_ascii_digit).count() {
                0 => continue,
                n => r.number[..n].parse().unwrap_or(u64::MAX),
            },
        };
        if !majors.contains(&major) {
            majors.push(major);
        }
    }
    if let Some(&first) = majors.first() {
        if first > 1 {
            out.push(
                "6.1.21",
                "/document/tracking/revision_history",
                format!("the first version is {first}, not 0 or 1"),
            );
        }
        for (i, &major) in majors.iter().enumerate() {
            let expected = first.saturating_add(i as u64);
            if major > expected {
                out.push(
                    "6.1.21",
                    "/document/tracking/revision_history",
                    format!("version {expected} is missing from the revision history"),
                );
                break;
            }
        }
    }
}
