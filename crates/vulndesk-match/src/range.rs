//! OSV affected ranges: events parsed once, sorted, and evaluated with the schema's algorithm.
//!
//! An OSV `affected[].ranges[]` entry of type `SEMVER` or `ECOSYSTEM` is a list of events
//! (`introduced`, `fixed`, `last_affected`, `limit`). The schema's evaluation algorithm
//! (<https://ossf.github.io/osv-schema/#evaluation>) sorts the events by version, walks them
//! switching "vulnerable" on at each `introduced` at or below the version and off at each
//! `fixed` at or below it and each `last_affected` below it, and only counts versions below
//! some `limit` when there are limits. `introduced: "0"` means "from the first version". An
//! `affected[].versions` list is the other way to say a version is affected; [`Range`] takes
//! either form. `GIT` ranges need commit graphs rather than version orders, so they are
//! refused with an error instead of being silently treated as matching nothing.

use std::cmp::Ordering;

use crate::Ecosystem;
use crate::version::{Version, VersionError, parse, sort_lenient};

/// The `type` of an OSV range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OsvRangeKind {
    /// `SEMVER`: versions are SemVer 2.0 versions (a leading `v` is tolerated).
    SemVer,
    /// `ECOSYSTEM`: versions follow the package ecosystem's own order.
    Ecosystem,
    /// `GIT`: events are commit hashes; not supported by this crate.
    Git,
}

impl OsvRangeKind {
    /// Maps the OSV `type` string; unknown strings give `None`.
    pub fn from_osv(kind: &str) -> Option<OsvRangeKind> {
        match kind {
            "SEMVER" => Some(OsvRangeKind::SemVer),
            "ECOSYSTEM" => Some(OsvRangeKind::Ecosystem),
            "GIT" => Some(OsvRangeKind::Git),
            _ => None,
        }
    }
}

/// One OSV range event, with its version text as it appears in the record.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    /// The first affected version; `"0"` means every version from the start.
    Introduced(String),
    /// The first version that is no longer affected.
    Fixed(String),
    /// The last affected version, included in the range.
    LastAffected(String),
    /// An upper bound on the versions the range can match, excluded from it.
    Limit(String),
}

/// Why a range could not be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    /// The range type is not one this crate can evaluate.
    #[error("OSV ranges of type {0} are not supported; only SEMVER and ECOSYSTEM are")]
    UnsupportedKind(&'static str),
    /// The events have no `introduced` event, which the OSV schema requires.
    #[error("an OSV range needs at least one introduced event")]
    MissingIntroduced,
    /// An event's version could not be parsed.
    #[error("cannot parse a range version: {0}")]
    Version(#[from] VersionError),
}

/// What an event does, once its version is parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Introduced,
    Fixed,
    LastAffected,
}

/// A parsed event; `at` is `None` only for `introduced: "0"`, which sorts before everything.
#[derive(Clone, Debug)]
struct Step {
    at: Option<Version>,
    action: Action,
}

/// A set of affected versions: OSV range events and explicitly listed versions.
#[derive(Clone, Debug)]
pub struct Range {
    ordering: Ecosystem,
    steps: Vec<Step>,
    limits: Vec<Version>,
    versions: Vec<Version>,
}

impl Range {
    /// Builds a range from the events of one OSV `ranges[]` entry.
    ///
    /// Event versions are parsed with the ecosystem's order for `ECOSYSTEM` ranges, and with
    /// SemVer precedence for `SEMVER` ranges (keeping the ecosystem's order when it is
    /// already SemVer, as for npm or Go). A `limit` of `"*"` means "no limit".
    pub fn from_events(ecosystem: Ecosystem, kind: OsvRangeKind, events: &[Event]) -> Result<Range, RangeError> {
        let ordering = match kind {
            OsvRangeKind::Git => return Err(RangeError::UnsupportedKind("GIT")),
            OsvRangeKind::SemVer if !ecosystem.is_semver_like() => Ecosystem::Npm,
            OsvRangeKind::SemVer | OsvRangeKind::Ecosystem => ecosystem,
        };
        let mut steps = Vec::with_capacity(events.len());
        let mut limits = Vec::new();
        for event in events {
            let (action, text) = match event {
                Event::Introduced(text) => (Action::Introduced, text),
                Event::Fixed(text) => (Action::Fixed, text),
                Event::LastAffected(text) => (Action::LastAffected, text),
                Event::Limit(text) => {
                    if text.trim() != "*" {
                        limits.push(parse(ordering, text)?);
                    }
                    continue;
                }
            };
            let at =
                if action == Action::Introduced && text.trim() == "0" { None } else { Some(parse(ordering, text)?) };
            steps.push(Step { at, action });
        }
        if !steps.iter().any(|s| s.action == Action::Introduced) {
            return Err(RangeError::MissingIntroduced);
        }
        // A stable sort keeps the record's order for events at the same version.
        sort_lenient(&mut steps, |a, b| match (&a.at, &b.at) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) => x.cmp(y),
        });
        Ok(Range { ordering, steps, limits, versions: Vec::new() })
    }

    /// Builds a range from an OSV `versions` list: exactly the listed versions are affected.
    pub fn from_versions<S: AsRef<str>>(ecosystem: Ecosystem, versions: &[S]) -> Result<Range, RangeError> {
        let mut parsed = versions.iter().map(|v| parse(ecosystem, v.as_ref())).collect::<Result<Vec<_>, _>>()?;
        sort_lenient(&mut parsed, Ord::cmp);
        parsed.dedup();
        Ok(Range { ordering: ecosystem, steps: Vec::new(), limits: Vec::new(), versions: parsed })
    }

    /// Builds a range from versions already parsed with `ecosystem`'s order, as
    /// [`Range::from_versions`] does from text; versions of another order never match.
    pub fn from_parsed_versions(ecosystem: Ecosystem, mut versions: Vec<Version>) -> Range {
        sort_lenient(&mut versions, Ord::cmp);
        versions.dedup();
        versions.shrink_to_fit();
        Range { ordering: ecosystem, steps: Vec::new(), limits: Vec::new(), versions }
    }

    /// The ecosystem whose order the range's versions were parsed with.
    pub fn ordering(&self) -> Ecosystem {
        self.ordering
    }

    /// Parses a version with the same order as the range, ready for [`Range::contains`].
    pub fn parse_version(&self, text: &str) -> Result<Version, VersionError> {
        parse(self.ordering, text)
    }

    /// Returns true if `version` is affected: listed, or inside the events' range.
    ///
    /// `version` must have been parsed with the range's order (see [`Range::parse_version`]);
    /// a version parsed under another order is never contained.
    pub fn contains(&self, version: &Version) -> bool {
        if let Some(sample) = self.sample()
            && !sample.same_scheme(version)
        {
            return false;
        }
        self.versions.binary_search(version).is_ok() || self.in_events(version)
    }

    /// Any version the range holds, used to check that queries use the same order.
    fn sample(&self) -> Option<&Version> {
        self.steps.iter().find_map(|s| s.at.as_ref()).or_else(|| self.limits.first()).or_else(|| self.versions.first())
    }

    fn in_events(&self, version: &Version) -> bool {
        if self.steps.is_empty() {
            return false;
        }
        if !self.limits.is_empty() && !self.limits.iter().any(|limit| version < limit) {
            return false;
        }
        let mut vulnerable = false;
        for step in &self.steps {
            match (step.action, &step.at) {
                (Action::Introduced, None) => vulnerable = true,
                (Action::Introduced, Some(at)) if version >= at => vulnerable = true,
                (Action::Fixed, Some(at)) if version >= at => vulnerable = false,
                (Action::LastAffected, Some(at)) if version > at => vulnerable = false,
                _ => {}
            }
        }
        vulnerable
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn introduced(v: &str) -> Event {
        Event::Introduced(v.to_owned())
    }
    fn fixed(v: &str) -> Event {
        Event::Fixed(v.to_owned())
    }
    fn last_affected(v: &str) -> Event {
        Event::LastAffected(v.to_owned())
    }
    fn limit(v: &str) -> Event {
        Event::Limit(v.to_owned())
    }

    /// Checks a table of (version, expected) against a range built from `events`.
    fn check(ecosystem: Ecosystem, kind: OsvRangeKind, events: &[Event], table: &[(&str, bool)]) {
        let range = Range::from_events(ecosystem, kind, events).expect("a valid range");
        for &(version, expected) in table {
            let parsed = range.parse_version(version).expect("a valid version");
            assert_eq!(range.contains(&parsed), expected, "{version} in {events:?} should be {expected}");
        }
    }

    #[test]
    fn introduced_zero_means_from_the_start() {
        check(
            Ecosystem::Npm,
            OsvRangeKind::SemVer,
            &[introduced("0")],
            &[("0.0.0-alpha", true), ("0.0.0", true), ("99.0.0", true)],
        );
        check(
            Ecosystem::Npm,
            OsvRangeKind::SemVer,
            &[introduced("0"), fixed("1.0.2")],
            &[("0.0.1", true), ("1.0.1", true), ("1.0.2-rc.1", true), ("1.0.2", false)],
        );
    }

    #[test]
    fn introduced_and_fixed_pairs() {
        let events = [introduced("1.0.0"), fixed("1.0.2"), introduced("3.0.0"), fixed("3.2.5")];
        check(
            Ecosystem::CratesIo,
            OsvRangeKind::SemVer,
            &events,
            &[
                ("0.9.9", false),
                ("1.0.0", true),
                ("1.0.1", true),
                ("1.0.2", false),
                ("2.5.0", false),
                ("3.0.0", true),
                ("3.2.4", true),
                ("3.2.5", false),
                ("4.0.0", false),
            ],
        );
    }

    #[test]
    fn events_are_sorted_before_evaluation() {
        // The same pairs as above, listed out of order.
        let events = [fixed("3.2.5"), introduced("3.0.0"), fixed("1.0.2"), introduced("1.0.0")];
        check(
            Ecosystem::Go,
            OsvRangeKind::SemVer,
            &events,
            &[("1.0.1", true), ("2.0.0", false), ("3.1.0", true), ("3.2.5", false)],
        );
    }

    #[test]
    fn last_affected_is_inclusive() {
        check(
            Ecosystem::Maven,
            OsvRangeKind::Ecosystem,
            &[introduced("0"), last_affected("2.1.214")],
            &[("1.0", true), ("2.1.214", true), ("2.1.214.0", true), ("2.1.215", false), ("3.0", false)],
        );
    }

    #[test]
    fn limit_bounds_the_range() {
        check(
            Ecosystem::PyPI,
            OsvRangeKind::Ecosystem,
            &[introduced("1.0"), limit("2.0")],
            &[("0.9", false), ("1.0", true), ("1.9.9", true), ("2.0", false), ("3.0", false)],
        );
        // Several limits: a version below any of them counts.
        check(
            Ecosystem::PyPI,
            OsvRangeKind::Ecosystem,
            &[introduced("1.0"), limit("1.5"), limit("2.0")],
            &[("1.7", true), ("2.0", false)],
        );
        // A "*" limit is no limit.
        check(Ecosystem::PyPI, OsvRangeKind::Ecosystem, &[introduced("1.0"), limit("*")], &[("9.0", true)]);
    }

    #[test]
    fn ecosystem_ranges_use_the_ecosystem_order() {
        check(
            Ecosystem::Debian,
            OsvRangeKind::Ecosystem,
            &[introduced("0"), fixed("1.2.3-1")],
            &[("1.2.3-1~deb7u1", true), ("1.2.3-1", false), ("1:0.1", false)],
        );
    }

    #[test]
    fn semver_ranges_in_other_ecosystems_use_semver() {
        let range =
            Range::from_events(Ecosystem::PyPI, OsvRangeKind::SemVer, &[introduced("1.0.0"), fixed("1.0.0-rc.1")])
                .expect("a valid range");
        assert_eq!(range.ordering(), Ecosystem::Npm);
    }

    #[test]
    fn git_ranges_are_refused() {
        let err = Range::from_events(Ecosystem::Go, OsvRangeKind::Git, &[introduced("abc")])
            .expect_err("GIT ranges are unsupported");
        assert_eq!(err, RangeError::UnsupportedKind("GIT"));
    }

    #[test]
    fn ranges_need_an_introduced_event() {
        let err = Range::from_events(Ecosystem::Npm, OsvRangeKind::SemVer, &[fixed("1.0.0")])
            .expect_err("no introduced event");
        assert_eq!(err, RangeError::MissingIntroduced);
    }

    #[test]
    fn bad_versions_are_reported() {
        let err = Range::from_events(Ecosystem::Debian, OsvRangeKind::Ecosystem, &[introduced("a:1")])
            .expect_err("bad epoch");
        assert!(matches!(err, RangeError::Version(_)), "{err}");
    }

    #[test]
    fn version_lists() {
        let range = Range::from_versions(Ecosystem::PyPI, &["1.0", "1.1", "2.0.0"]).expect("valid versions");
        for (version, expected) in [("1.0.0", true), ("1.1", true), ("1.2", false), ("2", true)] {
            let parsed = range.parse_version(version).expect("a valid version");
            assert_eq!(range.contains(&parsed), expected, "{version}");
        }
    }

    #[test]
    fn versions_of_another_order_are_not_contained() {
        let range =
            Range::from_events(Ecosystem::Npm, OsvRangeKind::SemVer, &[introduced("1.0.0")]).expect("a valid range");
        let other = parse(Ecosystem::Debian, "2.0.0").expect("valid");
        assert!(!range.contains(&other));
    }

    /// Found by `cargo fuzz run versions`: 21 Maven versions whose (deliberately Maven-exact,
    /// non-transitive) order made `slice::sort` panic while building a range.
    const NON_TRANSITIVE_MAVEN: [&str; 21] = [
        "1-rc", "1.0", "1-sp", "19", "1-sp", "1.az9", "2", "1.0", "1-sp", "1-0.rc", "1.az9", "1.0.a1", "1-0.rc", "19",
        "1-rc", "1-0.1", "1.0", "1.0.a9", "1-0.rc", "1-0.rc", "1-0.rc",
    ];

    #[test]
    fn a_non_transitive_maven_versions_list_does_not_panic() {
        let range = Range::from_versions(Ecosystem::Maven, &NON_TRANSITIVE_MAVEN).expect("Maven accepts any text");
        let parsed: Vec<Version> =
            NON_TRANSITIVE_MAVEN.iter().map(|v| range.parse_version(v).expect("Maven accepts any text")).collect();
        let range = Range::from_parsed_versions(Ecosystem::Maven, parsed);
        // The order is not transitive, so which versions a binary search finds is not pinned.
        let _ = range.contains(&range.parse_version("2").expect("valid"));
    }

    #[test]
    fn non_transitive_maven_events_do_not_panic() {
        let events: Vec<Event> = NON_TRANSITIVE_MAVEN
            .iter()
            .enumerate()
            .map(|(i, v)| if i % 2 == 0 { introduced(v) } else { fixed(v) })
            .collect();
        let range = Range::from_events(Ecosystem::Maven, OsvRangeKind::Ecosystem, &events).expect("a valid range");
        let _ = range.contains(&range.parse_version("1.0").expect("valid"));
    }
}
