//! Parsing version strings into keys that order the way each ecosystem orders them.
//!
//! [`parse`] is the one entry point: it picks the ecosystem's parser, which turns the text into
//! a key once. The key is what [`Version`]'s `Ord`, `Eq` and `Hash` look at, so two versions
//! that an ecosystem considers equal (`1.0` and `1.0.0` in Maven, `1.0.0-BETA` and
//! `1.0.0-beta` in NuGet) are equal keys that hash alike. Each ecosystem lives in its own
//! module, with notes on where its rules come from and why it is written here rather than
//! taken from an existing crate.

mod alpine;
mod debian;
mod generic;
mod maven;
mod nuget;
mod num;
mod numeric_list;
mod packagist;
mod pypi;
mod rpm;
mod rubygems;
mod semver;

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use crate::Ecosystem;

/// The reason a string could not be parsed as a version of an ecosystem.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid {ecosystem} version {input:?}: {reason}")]
pub struct VersionError {
    /// The ecosystem whose rules were applied.
    pub ecosystem: Ecosystem,
    /// The text that was given.
    pub input: String,
    /// What is wrong with it, as a short sentence fragment.
    pub reason: &'static str,
}

/// A parsed version: the original text and a key that orders by its ecosystem's rules.
///
/// Comparing versions parsed under different orderings (say a Debian version with a PyPI
/// one) gives a consistent but meaningless answer; callers compare versions of one package.
#[derive(Clone)]
pub struct Version {
    key: Key,
    text: Box<str>,
}

/// The comparable part of a version, one variant per ordering scheme.
///
/// Variants are compared by their position first, which only matters for mixed-scheme
/// comparisons; within one variant each key type defines the ecosystem's order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Key {
    SemVer(semver::SemVer),
    Pub(semver::PubVersion),
    PyPI(pypi::PypiVersion),
    Maven(maven::MavenVersion),
    NuGet(nuget::NuGetVersion),
    RubyGems(rubygems::GemVersion),
    Packagist(packagist::PhpVersion),
    Debian(debian::DebianVersion),
    Rpm(rpm::RpmVersion),
    Alpine(alpine::ApkVersion),
    Hackage(numeric_list::NumericList),
    Cran(numeric_list::NumericList),
    Generic(generic::GenericVersion),
}

/// Parses `s` as a version of `ecosystem`.
///
/// Leading and trailing whitespace is ignored. Each ecosystem accepts what its own tools
/// accept, and is lenient where OSV data needs it (a leading `v` on SemVer versions, legacy
/// PyPI versions, Maven's anything-goes qualifiers); the error names the ecosystem and the
/// problem when a string cannot be given a meaningful place in the order.
pub fn parse(ecosystem: Ecosystem, s: &str) -> Result<Version, VersionError> {
    let text = s.trim();
    let fail = |reason: &'static str| VersionError { ecosystem, input: s.to_owned(), reason };
    if text.is_empty() {
        return Err(fail("the version is empty"));
    }
    let key = match ecosystem {
        Ecosystem::Npm | Ecosystem::CratesIo | Ecosystem::Go | Ecosystem::Hex => {
            Key::SemVer(semver::SemVer::parse(text, false).map_err(fail)?)
        }
        Ecosystem::Pub => Key::Pub(semver::PubVersion::parse(text).map_err(fail)?),
        Ecosystem::PyPI => Key::PyPI(pypi::PypiVersion::parse(text).map_err(fail)?),
        Ecosystem::Maven => Key::Maven(maven::MavenVersion::parse(text)),
        Ecosystem::NuGet => Key::NuGet(nuget::NuGetVersion::parse(text).map_err(fail)?),
        Ecosystem::RubyGems => Key::RubyGems(rubygems::GemVersion::parse(text).map_err(fail)?),
        Ecosystem::Packagist => Key::Packagist(packagist::PhpVersion::parse(text)),
        Ecosystem::Debian | Ecosystem::Ubuntu => Key::Debian(debian::DebianVersion::parse(text).map_err(fail)?),
        Ecosystem::Rpm => Key::Rpm(rpm::RpmVersion::parse(text)),
        Ecosystem::Alpine | Ecosystem::Wolfi => Key::Alpine(alpine::ApkVersion::parse(text)),
        Ecosystem::Hackage => Key::Hackage(numeric_list::NumericList::parse_hackage(text).map_err(fail)?),
        Ecosystem::Cran => Key::Cran(numeric_list::NumericList::parse_cran(text).map_err(fail)?),
        Ecosystem::Generic => Key::Generic(generic::GenericVersion::parse(text)),
    };
    Ok(Version { key, text: text.into() })
}

impl Version {
    /// The text the version was parsed from, without surrounding whitespace.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Returns true if both versions were parsed under the same ordering scheme, so that
    /// comparing them is meaningful.
    pub fn same_scheme(&self, other: &Version) -> bool {
        std::mem::discriminant(&self.key) == std::mem::discriminant(&other.key)
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for Version {}

impl Hash for Version {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.key.hash(state);
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Version({:?})", self.text)
    }
}

/// Sorts `items` stably by `cmp`, which need not be a total order.
///
/// Maven's order is deliberately not transitive on arbitrary text (it follows Maven's own
/// `ComparableVersion`; see the Maven module), and PHP's `#` rule is not either, so a list of
/// versions from an OSV record or a `vers` string can defeat the standard library's sorts,
/// which panic ("user-provided comparison function does not correctly implement a total
/// order") when they notice. This merge sort never panics: on a total order it gives the
/// same result as `sort_by`, on any other some permutation of the items.
pub(crate) fn sort_lenient<T>(items: &mut Vec<T>, mut cmp: impl FnMut(&T, &T) -> Ordering) {
    fn merge_sort<T>(mut items: Vec<T>, cmp: &mut impl FnMut(&T, &T) -> Ordering) -> Vec<T> {
        if items.len() <= 16 {
            // Insertion sort: only swaps neighbours, whatever `cmp` answers.
            for i in 1..items.len() {
                let mut j = i;
                while j > 0 && cmp(&items[j], &items[j - 1]) == Ordering::Less {
                    items.swap(j, j - 1);
                    j -= 1;
                }
            }
            return items;
        }
        let right = items.split_off(items.len() / 2);
        let left = merge_sort(items, cmp);
        let right = merge_sort(right, cmp);
        let mut out = Vec::with_capacity(left.len() + right.len());
        let mut left = left.into_iter().peekable();
        let mut right = right.into_iter().peekable();
        while let (Some(l), Some(r)) = (left.peek(), right.peek()) {
            // Take from the right only when strictly less, which keeps the sort stable.
            let next = if cmp(r, l) == Ordering::Less { right.next() } else { left.next() };
            out.extend(next);
        }
        out.extend(left);
        out.extend(right);
        out
    }
    let taken = std::mem::take(items);
    *items = merge_sort(taken, &mut cmp);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_empty_input_naming_the_ecosystem() {
        let err = parse(Ecosystem::Debian, "  ").expect_err("an empty version is an error");
        assert_eq!(err.ecosystem, Ecosystem::Debian);
        assert!(err.to_string().contains("Debian"), "{err}");
    }

    #[test]
    fn equal_keys_are_equal_versions() {
        let a = parse(Ecosystem::Maven, "1.0").expect("valid");
        let b = parse(Ecosystem::Maven, "1.0.0").expect("valid");
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "1.0");
        assert!(a.same_scheme(&b));
    }

    /// Found by `cargo fuzz run versions`: 21 Maven versions whose (deliberately Maven-exact,
    /// non-transitive) order made `slice::sort` panic in `Range::from_versions`.
    const NON_TRANSITIVE_MAVEN: [&str; 21] = [
        "1-rc", "1.0", "1-sp", "19", "1-sp", "1.az9", "2", "1.0", "1-sp", "1-0.rc", "1.az9", "1.0.a1", "1-0.rc", "19",
        "1-rc", "1-0.1", "1.0", "1.0.a9", "1-0.rc", "1-0.rc", "1-0.rc",
    ];

    #[test]
    fn lenient_sort_matches_sort_on_a_total_order() {
        let mut rng = 0x2545_f491_u64;
        for len in 0..80 {
            let mut items: Vec<(u8, usize)> = (0..len)
                .map(|i| {
                    rng ^= rng << 13;
                    rng ^= rng >> 7;
                    rng ^= rng << 17;
                    ((rng % 7) as u8, i)
                })
                .collect();
            let mut expected = items.clone();
            expected.sort_by_key(|&(k, _)| k);
            sort_lenient(&mut items, |a, b| a.0.cmp(&b.0));
            assert_eq!(items, expected, "length {len}");
        }
    }

    #[test]
    fn lenient_sort_survives_the_non_transitive_maven_order() {
        let mut versions: Vec<Version> =
            NON_TRANSITIVE_MAVEN.iter().map(|v| parse(Ecosystem::Maven, v).expect("Maven accepts any text")).collect();
        sort_lenient(&mut versions, Ord::cmp);
        assert_eq!(versions.len(), NON_TRANSITIVE_MAVEN.len());
    }
}
