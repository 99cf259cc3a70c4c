//! dpkg's version order for Debian and Ubuntu packages.
//!
//! A version is `[epoch:]upstream[-revision]` (deb-version(7)). The epoch is a number and
//! compares first; the revision is everything after the last hyphen and is absent when there
//! is no hyphen. Upstream and revision compare with the same procedure: alternately take the
//! longest run of non-digits and the longest run of digits from each side; non-digit runs
//! compare character by character where `~` sorts before everything (even the end of the
//! run), then the end of the run, then letters, then every other character; digit runs
//! compare numerically, a missing run counting as zero.
//!
//! This is written from the man page rather than taken from the `debversion` crate because
//! the key has to be built once and then compared without re-scanning strings, and because
//! equal versions (`1.0-0` and `1.0`, `1:2.0` and `01:2.0`) must become identical keys so
//! that hashing agrees with the order.

use std::cmp::Ordering;

use super::num::Num;

/// One non-digit run (as sort weights) followed by one digit run.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Segment {
    /// The weight of each character of the non-digit run; never zero.
    weights: Box<[i16]>,
    /// The digit run that follows, zero if there is none.
    number: Num,
}

/// The upstream version or the revision, as comparable segments.
///
/// Trailing segments with no characters and a zero number are dropped, since they compare
/// equal to nothing at all.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Part(Box<[Segment]>);

/// A Debian key: epoch, upstream version and revision.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct DebianVersion {
    epoch: Num,
    upstream: Part,
    revision: Part,
}

/// The weight dpkg gives a character of a non-digit run; zero is kept for "end of run".
fn weight(c: u8) -> i16 {
    match c {
        b'~' => -1,
        c if c.is_ascii_alphabetic() => i16::from(c),
        c => i16::from(c) + 256,
    }
}

impl Part {
    fn parse(text: &str) -> Part {
        let bytes = text.as_bytes();
        let mut segments = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            let start = i;
            while i < bytes.len() && !bytes[i].is_ascii_digit() {
                i += 1;
            }
            let weights = bytes[start..i].iter().map(|&c| weight(c)).collect();
            let digits_start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            segments.push(Segment { weights, number: Num::from_digits(&text[digits_start..i]) });
        }
        while segments.last().is_some_and(|s| s.weights.is_empty() && s.number.is_zero()) {
            segments.pop();
        }
        Part(segments.into())
    }

    fn compare(&self, other: &Part) -> Ordering {
        const EMPTY: &[i16] = &[];
        let len = self.0.len().max(other.0.len());
        for i in 0..len {
            let (a_weights, a_number) = self.0.get(i).map_or((EMPTY, &Num::ZERO), |s| (&*s.weights, &s.number));
            let (b_weights, b_number) = other.0.get(i).map_or((EMPTY, &Num::ZERO), |s| (&*s.weights, &s.number));
            let run_len = a_weights.len().max(b_weights.len());
            for j in 0..run_len {
                let a = a_weights.get(j).copied().unwrap_or(0);
                let b = b_weights.get(j).copied().unwrap_or(0);
                match a.cmp(&b) {
                    Ordering::Equal => {}
                    other => return other,
                }
            }
            match a_number.cmp(b_number) {
                Ordering::Equal => {}
                other => return other,
            }
        }
        Ordering::Equal
    }
}

impl DebianVersion {
    /// Parses a Debian version.
    pub(crate) fn parse(text: &str) -> Result<DebianVersion, &'static str> {
        if text.chars().any(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-' | '~' | ':'))) {
            return Err("a Debian version may only hold letters, digits and . + - ~ :");
        }
        let (epoch, rest) = match text.split_once(':') {
            Some((epoch, rest)) => (Num::parse(epoch).ok_or("the epoch before the colon must be a number")?, rest),
            None => (Num::ZERO, text),
        };
        let (upstream, revision) = match rest.rsplit_once('-') {
            Some((upstream, revision)) => (upstream, revision),
            None => (rest, ""),
        };
        if upstream.is_empty() {
            return Err("the upstream version is empty");
        }
        Ok(DebianVersion { epoch, upstream: Part::parse(upstream), revision: Part::parse(revision) })
    }
}

impl Ord for DebianVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| self.upstream.compare(&other.upstream))
            .then_with(|| self.revision.compare(&other.revision))
    }
}

impl PartialOrd for DebianVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> DebianVersion {
        DebianVersion::parse(text).expect("valid version")
    }

    #[test]
    fn tilde_sorts_before_everything() {
        assert!(key("1.0~rc1") < key("1.0"));
        assert!(key("1.2.3-1~deb7u1") < key("1.2.3-1"));
        assert!(key("1.0") < key("1.0a"));
        assert!(key("1.0a") < key("1.0+"));
    }

    #[test]
    fn equal_versions_are_identical_keys() {
        assert_eq!(key("0.0.0"), key("0:0.0.0-0"));
        assert_eq!(key("1:2.0"), key("01:2.0-00"));
        assert!(key("1:0.1") > key("9.9"));
    }

    #[test]
    fn rejects_bad_epochs_and_characters() {
        assert!(DebianVersion::parse("1.2.3-not-a-debian:version!@#$").is_err());
        assert!(DebianVersion::parse("a:1.0").is_err());
        assert!(DebianVersion::parse("1:").is_err());
    }
}
