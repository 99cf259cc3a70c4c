//! SemVer 2.0 precedence for npm, crates.io, Go, Hex and (with build ordering) Pub.
//!
//! The order is the one in section 11 of <https://semver.org/spec/v2.0.0.html>: release
//! numbers numerically, a pre-release before its release, pre-release identifiers compared
//! one by one (numbers numerically, other identifiers in ASCII order, numbers first) and a
//! longer identifier list after a shorter one it extends. Build metadata does not take part,
//! except for Pub, whose `pub_semver` package sorts a version with build metadata after the
//! same version without it and compares build identifiers like pre-release ones.
//!
//! OSV data holds versions that strict parsers refuse: a leading `v` (all of Go), fewer or
//! more than three release numbers, pre-releases glued on without a hyphen. The `semver`
//! crate rejects all of these, so the parser here is written from the precedence rules and
//! accepts them: missing release numbers count as zero, extra release numbers take part in
//! the comparison, and anything after the numbers that is not build metadata is the
//! pre-release. Go pseudo-versions (`v0.0.0-20191109021931-daa7c04131f5`) are ordinary
//! pre-releases under these rules, which is how Go itself orders them, and Go's
//! `+incompatible` is build metadata.

use super::num::{Num, trim_trailing_zeros};

/// One dot-separated pre-release or build identifier.
///
/// The variant order puts numeric identifiers first, as SemVer requires.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Ident {
    /// An identifier made of ASCII digits only, compared numerically.
    Numeric(Num),
    /// Any other identifier, compared byte by byte.
    Text(Box<str>),
}

/// The pre-release part of a version; the variant order puts pre-releases first.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Pre {
    /// A pre-release with its identifiers.
    Identifiers(Vec<Ident>),
    /// No pre-release: the release itself.
    Release,
}

/// A SemVer key: the release numbers (trailing zeros dropped) and the pre-release.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct SemVer {
    release: Vec<Num>,
    pre: Pre,
}

/// The pieces of a SemVer-like string before they become a key.
pub(crate) struct Pieces<'a> {
    /// The release numbers in order.
    pub(crate) release: Vec<Num>,
    /// The pre-release text, without its leading hyphen; empty if there is none.
    pub(crate) pre: &'a str,
    /// The build metadata, without its leading `+`; `None` if there is none.
    pub(crate) build: Option<&'a str>,
}

/// Splits a SemVer-like string into release numbers, pre-release and build metadata.
pub(crate) fn split(text: &str) -> Result<Pieces<'_>, &'static str> {
    let body = text.strip_prefix(['v', 'V']).or_else(|| text.strip_prefix('=')).unwrap_or(text);
    if !body.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("a SemVer version must start with a number");
    }
    let numbers_end = body.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(body.len());
    let release = body[..numbers_end].split('.').filter(|part| !part.is_empty()).map(Num::from_digits).collect();
    let rest = &body[numbers_end..];
    let (pre, build) = match rest.split_once('+') {
        Some((pre, build)) => (pre, Some(build)),
        None => (rest, None),
    };
    let pre = pre.strip_prefix('-').unwrap_or(pre);
    Ok(Pieces { release, pre, build })
}

/// Splits dot-separated identifiers, optionally lower-casing the text ones.
pub(crate) fn identifiers(text: &str, lowercase: bool) -> Vec<Ident> {
    text.split('.')
        .map(|part| match Num::parse(part) {
            Some(number) => Ident::Numeric(number),
            None if lowercase => Ident::Text(part.to_ascii_lowercase().into()),
            None => Ident::Text(part.into()),
        })
        .collect()
}

impl SemVer {
    /// Parses a SemVer-like version; `lowercase` folds the case of pre-release identifiers.
    pub(crate) fn parse(text: &str, lowercase: bool) -> Result<SemVer, &'static str> {
        let pieces = split(text)?;
        Ok(SemVer::from_pieces(pieces.release, pieces.pre, lowercase))
    }

    /// Builds the key from release numbers and pre-release text.
    pub(crate) fn from_pieces(mut release: Vec<Num>, pre: &str, lowercase: bool) -> SemVer {
        trim_trailing_zeros(&mut release);
        let pre = if pre.is_empty() { Pre::Release } else { Pre::Identifiers(identifiers(pre, lowercase)) };
        SemVer { release, pre }
    }
}

/// Build metadata as Pub orders it: none first, then identifier lists.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Build {
    None,
    Some(Vec<Ident>),
}

/// A Pub key: SemVer precedence, then build metadata.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct PubVersion {
    base: SemVer,
    build: Build,
}

impl PubVersion {
    /// Parses a Pub version.
    pub(crate) fn parse(text: &str) -> Result<PubVersion, &'static str> {
        let pieces = split(text)?;
        let build = match pieces.build {
            None | Some("") => Build::None,
            Some(build) => Build::Some(identifiers(build, false)),
        };
        Ok(PubVersion { base: SemVer::from_pieces(pieces.release, pieces.pre, false), build })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> SemVer {
        SemVer::parse(text, false).expect("valid version")
    }

    #[test]
    fn follows_the_semver_spec_example_chain() {
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "2.0.0",
        ];
        for pair in chain.windows(2) {
            assert!(key(pair[0]) < key(pair[1]), "{} < {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn go_pseudo_versions_are_pre_releases() {
        assert!(key("v0.0.0-20191109021931-daa7c04131f5") < key("v0.0.0"));
        assert!(key("v1.2.4-0.20191109021931-daa7c04131f5") > key("v1.2.3"));
        assert!(key("v1.2.4-0.20191109021931-daa7c04131f5") < key("v1.2.4"));
        assert_eq!(key("v2.0.0+incompatible"), key("2.0.0"));
    }

    #[test]
    fn rejects_text_without_a_number() {
        assert!(SemVer::parse("latest", false).is_err());
    }
}
