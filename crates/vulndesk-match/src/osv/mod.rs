//! OSV advisories, normalised once at load into the form the matching index works from.
//!
//! An OSV record (<https://ossf.github.io/osv-schema/>) becomes an [`Advisory`]: its
//! ecosystem names mapped with [`Ecosystem::from_osv_name`], package names normalised the
//! way each ecosystem compares them ([`normalise_name`]), `SEMVER` and `ECOSYSTEM` ranges
//! and explicit `versions` lists parsed into [`Range`]s, and the `fixed` versions, aliases,
//! `modified` time, `withdrawn` flag and severity kept for reporting. `GIT` ranges, unknown
//! ecosystems and versions that cannot be parsed are counted in the [`LoadReport`] rather
//! than silently dropped.
//!
//! A [`Database`] holds advisories by id and applies OSV's incremental-import rule
//! ([`Database::upsert`]): a record replaces the stored one only when its `modified` time is
//! later. [`load_paths`] fills one from `all.zip` archives, directories of `*.json` files
//! and single records, and builds the [`crate::Index`] that queries run against.

mod load;
mod model;

use std::collections::HashMap;

use time::OffsetDateTime;

use crate::{Ecosystem, Event, OsvRangeKind, Range};

pub use load::{LoadError, LoadReport, Progress, SkipReason, Tally, load_paths, load_paths_into, visit_paths};
pub use model::parse_advisory;

/// One OSV record, normalised for matching.
#[derive(Clone, Debug)]
pub struct Advisory {
    /// The record's id, such as `PYSEC-2021-335` or `GO-2020-0001`.
    pub id: String,
    /// Other ids of the same vulnerability (CVE, GHSA, ...), as listed in the record.
    pub aliases: Vec<String>,
    /// The one-line summary, if the record has one.
    pub summary: Option<String>,
    /// The `modified` time as written in the record.
    pub modified: String,
    /// The `modified` time parsed as RFC 3339; `None` if it is missing or unparseable, which
    /// makes the record older than any record with a valid time.
    pub modified_at: Option<OffsetDateTime>,
    /// The `withdrawn` time as written, for withdrawn records; these never match.
    pub withdrawn: Option<String>,
    /// A severity label: the record's `database_specific.severity` when it has one, otherwise
    /// FIRST's rating (`CRITICAL`, `HIGH`, `MEDIUM`, `LOW`, `NONE`) of its best CVSS vector.
    pub severity: Option<String>,
    /// The `severity[]` entries with a CVSS vector, as (type, vector): `CVSS_V4` and the like.
    pub cvss: Vec<(String, String)>,
    /// The affected packages whose ecosystem is known.
    pub affected: Vec<Affected>,
}

/// One `affected[]` entry: a package and the versions of it that are affected.
#[derive(Clone, Debug)]
pub struct Affected {
    /// The ecosystem whose version order applies.
    pub ecosystem: Ecosystem,
    /// The ecosystem string from the record, such as `Debian:12`.
    pub ecosystem_name: String,
    /// The package name as written in the record.
    pub name: String,
    /// The name normalised for lookups (see [`normalise_name`]).
    pub key: String,
    /// The `SEMVER` and `ECOSYSTEM` ranges that could be parsed.
    pub ranges: Vec<RangeSpec>,
    /// The explicit `versions` list, parsed; `None` if the entry has none.
    pub versions: Option<Range>,
    /// The distinct `fixed` versions of the ranges, in version order, as written.
    pub fixed: Vec<String>,
    /// A severity label from the entry's `ecosystem_specific` or `database_specific`.
    pub severity: Option<String>,
}

/// One parsed OSV range, with its events kept as written for display.
#[derive(Clone, Debug)]
pub struct RangeSpec {
    /// `SEMVER` or `ECOSYSTEM`.
    pub kind: OsvRangeKind,
    /// The events in record order.
    pub events: Vec<Event>,
    /// The events parsed and sorted for evaluation.
    pub range: Range,
}

/// How an affected entry answers for one version.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Inside one of the entry's ranges.
    pub in_ranges: bool,
    /// Named in the entry's `versions` list.
    pub in_versions: bool,
}

impl Verdict {
    /// True if either form says the version is affected, as OSV's matching rule has it.
    pub fn affected(self) -> bool {
        self.in_ranges || self.in_versions
    }
}

impl Advisory {
    /// True if the record is withdrawn and must not produce findings.
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn.is_some()
    }
}

impl Affected {
    /// Evaluates a version, given as a lookup that parses it under a range's order.
    ///
    /// `parsed` is called with [`Range::ordering`] and returns the version parsed under that
    /// order, or `None` if it cannot be parsed there (which then matches nothing).
    pub fn verdict<'v>(&self, mut parsed: impl FnMut(Ecosystem) -> Option<&'v crate::Version>) -> Verdict {
        let in_ranges =
            self.ranges.iter().any(|spec| parsed(spec.range.ordering()).is_some_and(|v| spec.range.contains(v)));
        let in_versions =
            self.versions.as_ref().is_some_and(|list| parsed(list.ordering()).is_some_and(|v| list.contains(v)));
        Verdict { in_ranges, in_versions }
    }

    /// Evaluates a version given as text, parsing it as needed.
    pub fn verdict_for_text(&self, version: &str) -> Verdict {
        let probe = Probe::new(self.ecosystem, version);
        self.verdict(|ordering| probe.get(ordering))
    }
}

/// A query version parsed under the ecosystem's order, and lazily under SemVer precedence
/// for `SEMVER` ranges of ecosystems whose own order is not SemVer.
pub(crate) struct Probe<'a> {
    ecosystem: Ecosystem,
    text: &'a str,
    native: Option<crate::Version>,
    semver: std::cell::OnceCell<Option<crate::Version>>,
}

impl<'a> Probe<'a> {
    pub(crate) fn new(ecosystem: Ecosystem, text: &'a str) -> Probe<'a> {
        let native = crate::parse(ecosystem, text).ok();
        Probe { ecosystem, text, native, semver: std::cell::OnceCell::new() }
    }

    /// True if the version parses under the ecosystem's own order.
    pub(crate) fn is_valid(&self) -> bool {
        self.native.is_some()
    }

    pub(crate) fn get(&self, ordering: Ecosystem) -> Option<&crate::Version> {
        if ordering == self.ecosystem {
            self.native.as_ref()
        } else {
            self.semver.get_or_init(|| crate::parse(ordering, self.text).ok()).as_ref()
        }
    }
}

/// Normalises a package name the way its ecosystem compares names.
///
/// PyPI follows PEP 503 (lower case, runs of `-`, `_` and `.` become one `-`); crates.io
/// treats `-` and `_` and letter case as the same, so both fold; NuGet, Packagist, Pub and
/// Hex names are case-insensitive and fold to lower case. Other ecosystems (Go module paths,
/// npm, Maven `group:artifact`, RubyGems, distribution packages) compare names exactly, so
/// only surrounding whitespace is removed.
pub fn normalise_name(ecosystem: Ecosystem, name: &str) -> String {
    let name = name.trim();
    match ecosystem {
        Ecosystem::PyPI => {
            let mut out = String::with_capacity(name.len());
            let mut in_separator = false;
            for c in name.chars() {
                if matches!(c, '-' | '_' | '.') {
                    if !in_separator {
                        out.push('-');
                    }
                    in_separator = true;
                } else {
                    out.push(c.to_ascii_lowercase());
                    in_separator = false;
                }
            }
            out
        }
        Ecosystem::CratesIo => name.to_ascii_lowercase().replace('_', "-"),
        Ecosystem::NuGet | Ecosystem::Packagist | Ecosystem::Pub | Ecosystem::Hex => name.to_lowercase(),
        _ => name.to_owned(),
    }
}

/// What [`Database::upsert`] did with a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Upsert {
    /// No record had the id; the record was added.
    Inserted,
    /// The stored record was older and was replaced.
    Replaced,
    /// The stored record was as new or newer and was kept; the given one was dropped.
    Kept,
}

/// Advisories by id, with OSV's incremental-import rule.
#[derive(Clone, Debug, Default)]
pub struct Database {
    advisories: Vec<Advisory>,
    by_id: HashMap<String, usize>,
}

impl Database {
    /// An empty database.
    pub fn new() -> Database {
        Database::default()
    }

    /// Adds a record, or replaces the stored record with the same id when the new record's
    /// `modified` time is strictly later. A record without a valid time never replaces one.
    pub fn upsert(&mut self, advisory: Advisory) -> Upsert {
        match self.by_id.get(&advisory.id) {
            None => {
                self.by_id.insert(advisory.id.clone(), self.advisories.len());
                self.advisories.push(advisory);
                Upsert::Inserted
            }
            Some(&slot) => {
                let newer = match (advisory.modified_at, self.advisories[slot].modified_at) {
                    (Some(new), Some(old)) => new > old,
                    (Some(_), None) => true,
                    (None, _) => false,
                };
                if newer {
                    self.advisories[slot] = advisory;
                    Upsert::Replaced
                } else {
                    Upsert::Kept
                }
            }
        }
    }

    /// The advisory with this id, if any.
    pub fn get(&self, id: &str) -> Option<&Advisory> {
        self.by_id.get(id).map(|&slot| &self.advisories[slot])
    }

    /// The number of advisories, withdrawn ones included.
    pub fn len(&self) -> usize {
        self.advisories.len()
    }

    /// True if the database holds no advisory.
    pub fn is_empty(&self) -> bool {
        self.advisories.is_empty()
    }

    /// Every advisory, in insertion order.
    pub fn advisories(&self) -> &[Advisory] {
        &self.advisories
    }

    /// The position of an advisory in [`Database::advisories`].
    pub(crate) fn position(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_normalise_per_ecosystem() {
        let cases = [
            (Ecosystem::PyPI, "Django_REST.framework", "django-rest-framework"),
            (Ecosystem::PyPI, "zope..interface", "zope-interface"),
            (Ecosystem::CratesIo, "Tokio_Util", "tokio-util"),
            (Ecosystem::Go, "github.com/BurntSushi/toml", "github.com/BurntSushi/toml"),
            (Ecosystem::Maven, "org.apache.logging.log4j:log4j-core", "org.apache.logging.log4j:log4j-core"),
            (Ecosystem::NuGet, "Newtonsoft.Json", "newtonsoft.json"),
            (Ecosystem::Npm, " @babel/core ", "@babel/core"),
        ];
        for (ecosystem, name, expected) in cases {
            assert_eq!(normalise_name(ecosystem, name), expected, "{ecosystem} {name}");
        }
    }

    fn advisory(id: &str, modified: &str) -> Advisory {
        Advisory {
            id: id.to_owned(),
            aliases: Vec::new(),
            summary: Some(modified.to_owned()),
            modified: modified.to_owned(),
            modified_at: model::parse_time(modified),
            withdrawn: None,
            severity: None,
            cvss: Vec::new(),
            affected: Vec::new(),
        }
    }

    #[test]
    fn upsert_keeps_the_latest_modified() {
        let mut db = Database::new();
        assert_eq!(db.upsert(advisory("A", "2024-01-01T00:00:00Z")), Upsert::Inserted);
        assert_eq!(db.upsert(advisory("A", "2023-12-31T23:59:59.999Z")), Upsert::Kept);
        assert_eq!(db.upsert(advisory("A", "2024-01-01T00:00:00.000Z")), Upsert::Kept, "an equal time");
        // A later instant written with an offset and more fraction digits still wins.
        assert_eq!(db.upsert(advisory("A", "2024-01-01T01:00:00.5+01:00")), Upsert::Replaced);
        assert_eq!(db.get("A").and_then(|a| a.summary.as_deref()), Some("2024-01-01T01:00:00.5+01:00"));
        assert_eq!(db.upsert(advisory("A", "not a time")), Upsert::Kept);
        assert_eq!(db.upsert(advisory("B", "garbage")), Upsert::Inserted);
        assert_eq!(db.upsert(advisory("B", "2000-01-01T00:00:00Z")), Upsert::Replaced);
        assert_eq!(db.len(), 2);
    }
}
