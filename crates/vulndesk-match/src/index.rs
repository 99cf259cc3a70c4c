//! The in-memory matching index: `(ecosystem, normalised name)` to the advisories naming it.
//!
//! [`Index::new`] is built once from a [`Database`]; every version in it was parsed into a
//! comparable key when the records were loaded, so a query parses only the version it asks
//! about (once under the ecosystem's order, and once more under SemVer precedence only when
//! a `SEMVER` range of a non-SemVer ecosystem needs it) and walks the postings of one
//! package. Withdrawn advisories stay in the database, for lookups by id, but get no
//! postings. [`Index::coverage`] answers the reverse question: which packages and ranges an
//! advisory covers.

use std::collections::HashMap;

use vulndesk_formats::purl::Purl;

use crate::osv::{Advisory, Affected, Database, Probe, RangeSpec, Verdict, normalise_name};
use crate::{Ecosystem, Range, VersionError};

/// Where one affected entry lives: the advisory's position and the entry's position in it.
#[derive(Clone, Copy, Debug)]
struct Posting {
    advisory: u32,
    affected: u32,
}

/// The advisories of a database, indexed by package.
#[derive(Clone, Debug, Default)]
pub struct Index {
    db: Database,
    packages: HashMap<(Ecosystem, Box<str>), Vec<Posting>>,
}

/// An advisory entry that affects a queried package version.
#[derive(Clone, Copy, Debug)]
pub struct Hit<'a> {
    /// The advisory.
    pub advisory: &'a Advisory,
    /// The affected entry that matched.
    pub affected: &'a Affected,
    /// How it matched: by range, by listed version, or both.
    pub verdict: Verdict,
}

/// One package an advisory covers, for the reverse query.
#[derive(Clone, Copy, Debug)]
pub struct Coverage<'a> {
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// The package name as written in the record.
    pub name: &'a str,
    /// The normalised name the index uses.
    pub key: &'a str,
    /// The parsed `SEMVER` and `ECOSYSTEM` ranges, with their events as written.
    pub ranges: &'a [RangeSpec],
    /// The explicit version list, if the entry has one.
    pub versions: Option<&'a Range>,
}

/// Why a package URL could not be queried.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// The purl type has no OSV ecosystem vulndesk can match.
    #[error("purl type {0:?} has no OSV ecosystem vulndesk can match")]
    UnsupportedType(String),
    /// The purl has no version, so there is nothing to compare.
    #[error("the package URL has no version")]
    MissingVersion,
    /// The version cannot be parsed in the package's ecosystem.
    #[error(transparent)]
    Version(#[from] VersionError),
}

/// Maps a package URL to the OSV ecosystem and package name it denotes.
///
/// `pypi`, `cargo`, `gem`, `nuget`, `pub`, `hex`, `cran`, `hackage` and `rpm` use the name;
/// `golang` and `composer` join namespace and name with `/`, `npm` does too (so a scope
/// stays `@scope/name`), `maven` joins group and artifact with `:`. A `deb` purl whose
/// namespace is `ubuntu` is Ubuntu, other `deb` purls Debian; an `apk` purl whose namespace
/// is `wolfi` or `chainguard` is Wolfi, other `apk` purls Alpine. Other types give `None`.
pub fn purl_package(purl: &Purl) -> Option<(Ecosystem, String)> {
    let namespace = purl.namespace().filter(|ns| !ns.is_empty());
    let name = purl.name();
    let joined = |separator: char| match namespace {
        Some(ns) => format!("{ns}{separator}{name}"),
        None => name.to_owned(),
    };
    let ecosystem = match purl.purl_type() {
        "golang" | "composer" | "npm" => return Some((Ecosystem::from_purl_type(purl.purl_type())?, joined('/'))),
        "maven" => return Some((Ecosystem::Maven, joined(':'))),
        "deb" if namespace.is_some_and(|ns| ns.eq_ignore_ascii_case("ubuntu")) => Ecosystem::Ubuntu,
        "apk" if namespace.is_some_and(|ns| ["wolfi", "chainguard"].contains(&ns.to_ascii_lowercase().as_str())) => {
            Ecosystem::Wolfi
        }
        "generic" => return None,
        other => Ecosystem::from_purl_type(other)?,
    };
    Some((ecosystem, name.to_owned()))
}

impl Index {
    /// Builds the index over every advisory of `db` that is not withdrawn.
    pub fn new(db: Database) -> Index {
        let mut packages: HashMap<(Ecosystem, Box<str>), Vec<Posting>> = HashMap::new();
        for (a, advisory) in db.advisories().iter().enumerate() {
            if advisory.is_withdrawn() {
                continue;
            }
            for (e, affected) in advisory.affected.iter().enumerate() {
                if affected.ranges.is_empty() && affected.versions.is_none() {
                    continue;
                }
                let posting = Posting { advisory: to_u32(a), affected: to_u32(e) };
                packages.entry((affected.ecosystem, affected.key.as_str().into())).or_default().push(posting);
            }
        }
        Index { db, packages }
    }

    /// Builds the index from OSV records as stored (JSON text, one per record), as the server
    /// keeps them. Returns it with the number of records that could not be read (none, unless
    /// the stored text was damaged: every record was read once when it was imported).
    pub fn from_records<T: AsRef<[u8]>>(records: impl IntoIterator<Item = T>) -> (Index, usize) {
        let mut db = Database::new();
        let mut report = crate::LoadReport::default();
        let mut unreadable = 0;
        for record in records {
            match crate::osv::parse_advisory(record.as_ref(), &mut report) {
                Ok(advisory) => {
                    db.upsert(advisory);
                }
                Err(_) => unreadable += 1,
            }
        }
        (Index::new(db), unreadable)
    }

    /// The database the index was built from.
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Gives the database back, for example to upsert newer records and index again.
    pub fn into_database(self) -> Database {
        self.db
    }

    /// The advisory with this id, withdrawn or not.
    pub fn advisory(&self, id: &str) -> Option<&Advisory> {
        self.db.get(id)
    }

    /// How many distinct packages have at least one advisory.
    pub fn package_count(&self) -> usize {
        self.packages.len()
    }

    /// Every advisory entry affecting `version` of the package `name` in `ecosystem`.
    ///
    /// The name is normalised first, so `Django` finds `django`. Entries come in the order
    /// the advisories were loaded. A version the ecosystem cannot parse is an error.
    pub fn query(&self, ecosystem: Ecosystem, name: &str, version: &str) -> Result<Vec<Hit<'_>>, VersionError> {
        let key = normalise_name(ecosystem, name);
        let Some(postings) = self.packages.get(&(ecosystem, key.into_boxed_str())) else {
            // Unknown packages still get their version checked, so that errors do not depend
            // on what the database happens to hold.
            crate::parse(ecosystem, version)?;
            return Ok(Vec::new());
        };
        let probe = Probe::new(ecosystem, version);
        if !probe.is_valid() {
            crate::parse(ecosystem, version)?;
        }
        let mut hits = Vec::new();
        for posting in postings {
            let advisory = &self.db.advisories()[posting.advisory as usize];
            let affected = &advisory.affected[posting.affected as usize];
            let verdict = affected.verdict(|ordering| probe.get(ordering));
            if verdict.affected() {
                hits.push(Hit { advisory, affected, verdict });
            }
        }
        Ok(hits)
    }

    /// Every advisory entry affecting the package and version a purl names.
    pub fn query_purl(&self, purl: &Purl) -> Result<Vec<Hit<'_>>, QueryError> {
        let (ecosystem, name) =
            purl_package(purl).ok_or_else(|| QueryError::UnsupportedType(purl.purl_type().to_owned()))?;
        let version = purl.version().filter(|v| !v.is_empty()).ok_or(QueryError::MissingVersion)?;
        Ok(self.query(ecosystem, &name, version)?)
    }

    /// How an advisory answers for a version of any package it names: in one of its
    /// ranges, in one of its version lists, or neither. `None` if the id is unknown.
    ///
    /// This evaluates withdrawn advisories too; it is the per-record check the referee
    /// scripts compare against, not a matching query.
    pub fn evaluate(&self, id: &str, version: &str) -> Option<Verdict> {
        let advisory = self.db.get(id)?;
        let mut verdict = Verdict::default();
        for affected in &advisory.affected {
            let one = affected.verdict_for_text(version);
            verdict.in_ranges |= one.in_ranges;
            verdict.in_versions |= one.in_versions;
        }
        Some(verdict)
    }

    /// The packages an advisory covers, with their ranges: the reverse query. `None` if
    /// the id is unknown. Withdrawn advisories still answer, since the caller may want to
    /// show what they used to cover; check [`Advisory::is_withdrawn`].
    pub fn coverage(&self, id: &str) -> Option<Vec<Coverage<'_>>> {
        let advisory = self.db.advisories().get(self.db.position(id)?)?;
        Some(
            advisory
                .affected
                .iter()
                .map(|a| Coverage {
                    ecosystem: a.ecosystem,
                    name: &a.name,
                    key: &a.key,
                    ranges: &a.ranges,
                    versions: a.versions.as_ref(),
                })
                .collect(),
        )
    }
}

/// Positions are stored as `u32` to keep postings small; four billion advisories is far
/// beyond any OSV export.
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osv::{LoadReport, parse_advisory};

    fn index(records: &[&str]) -> Index {
        let mut db = Database::new();
        let mut report = LoadReport::default();
        for record in records {
            db.upsert(parse_advisory(record.as_bytes(), &mut report).expect("a valid record"));
        }
        Index::new(db)
    }

    #[test]
    fn purls_map_to_osv_packages() {
        let cases = [
            ("pkg:pypi/Django_Rest@1.0", Ecosystem::PyPI, "django-rest"),
            ("pkg:golang/github.com/gin-gonic/gin@v1.5.0", Ecosystem::Go, "github.com/gin-gonic/gin"),
            ("pkg:cargo/tokio@1.0.0", Ecosystem::CratesIo, "tokio"),
            ("pkg:npm/%40babel/core@7.0.0", Ecosystem::Npm, "@babel/core"),
            (
                "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
                Ecosystem::Maven,
                "org.apache.logging.log4j:log4j-core",
            ),
            ("pkg:composer/laravel/framework@8.0.0", Ecosystem::Packagist, "laravel/framework"),
            ("pkg:deb/ubuntu/openssl@1.1", Ecosystem::Ubuntu, "openssl"),
            ("pkg:deb/debian/openssl@1.1", Ecosystem::Debian, "openssl"),
            ("pkg:apk/wolfi/curl@8.0", Ecosystem::Wolfi, "curl"),
            ("pkg:gem/rails@7.0.0", Ecosystem::RubyGems, "rails"),
        ];
        for (text, ecosystem, name) in cases {
            let purl = Purl::parse(text).expect("a valid purl");
            assert_eq!(purl_package(&purl), Some((ecosystem, name.to_owned())), "{text}");
        }
        let swift = Purl::parse("pkg:swift/github.com/apple/swift-nio@2.0.0").expect("a valid purl");
        assert_eq!(purl_package(&swift), None);
    }

    #[test]
    fn withdrawn_records_are_not_indexed() {
        let index = index(&[
            r#"{"id": "W-1", "withdrawn": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "npm", "name": "x"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]}"#,
        ]);
        assert!(index.query(Ecosystem::Npm, "x", "1.0.0").expect("valid").is_empty());
        assert!(index.advisory("W-1").is_some_and(Advisory::is_withdrawn));
        assert_eq!(index.evaluate("W-1", "1.0.0").map(Verdict::affected), Some(true));
    }

    #[test]
    fn semver_ranges_of_pypi_packages_use_semver_precedence() {
        let index = index(&[r#"{"id": "S-1", "affected": [{"package": {"ecosystem": "PyPI", "name": "p"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "1.2.0"}]}]}]}"#]);
        let hits = index.query(Ecosystem::PyPI, "P", "1.2.0-rc.1").expect("valid");
        assert_eq!(hits.len(), 1, "1.2.0-rc.1 is a pre-release of 1.2.0 under SemVer");
        assert!(index.query(Ecosystem::PyPI, "p", "1.2.0").expect("valid").is_empty());
    }

    #[test]
    fn coverage_lists_packages_and_ranges() {
        let index = index(&[r#"{"id": "C-1", "affected": [
                {"package": {"ecosystem": "Go", "name": "example.com/a"},
                 "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.2.0"}]}]},
                {"package": {"ecosystem": "crates.io", "name": "b_c"}, "versions": ["0.1.0"]}]}"#]);
        let coverage = index.coverage("C-1").expect("known id");
        assert_eq!(coverage.len(), 2);
        assert_eq!(
            (coverage[0].ecosystem, coverage[0].name, coverage[0].ranges.len()),
            (Ecosystem::Go, "example.com/a", 1)
        );
        assert_eq!((coverage[1].key, coverage[1].versions.is_some()), ("b-c", true));
        assert!(index.coverage("nope").is_none());
    }

    #[test]
    fn stored_records_build_the_index_and_damaged_ones_are_counted() {
        let good = br#"{"id":"PYSEC-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"Django"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"4.2"}]}]}]}"#;
        let (index, unreadable) = Index::from_records([&good[..], b"{not json", b"{\"id\": 5}"]);
        assert_eq!(unreadable, 2);
        assert_eq!(index.database().len(), 1);
        assert_eq!(index.query(Ecosystem::PyPI, "django", "4.1").expect("query").len(), 1);
    }

    #[test]
    fn bad_query_versions_are_errors() {
        let index = index(&[]);
        assert!(index.query(Ecosystem::Go, "x", "latest").is_err());
        let purl = Purl::parse("pkg:cargo/serde").expect("a valid purl");
        assert_eq!(index.query_purl(&purl).expect_err("no version"), QueryError::MissingVersion);
    }
}
