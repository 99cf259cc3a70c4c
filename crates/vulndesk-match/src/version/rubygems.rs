//! RubyGems' version order, as `Gem::Version#<=>` defines it.
//!
//! Gem::Version replaces each `-` with `.pre.`, splits the text into runs of digits and runs
//! of letters (everything else only separates), and canonicalises the list: trailing zeros
//! are dropped from the leading numeric segments and from the rest that starts at the first
//! letter segment. Two canonical lists compare element by element with missing elements
//! counting as zero; a letter segment sorts before any number (so `1.0.a` is a pre-release of
//! `1.0`), letter segments compare as bytes and numbers numerically.
//!
//! Because a missing element counts as zero rather than as "nothing", a list that is a prefix
//! of another is not always smaller (`1.a` sorts before `1`), so the order is written out
//! here; canonicalisation makes equal versions identical keys, so the derived hash agrees.

use std::cmp::Ordering;

use super::num::Num;

/// One Gem::Version segment; letters sort before numbers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Segment {
    Letters(Box<str>),
    Number(Num),
}

/// A RubyGems key: the canonical segments.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct GemVersion(Box<[Segment]>);

fn drop_trailing_zeros(segments: &mut Vec<Segment>) {
    while matches!(segments.last(), Some(Segment::Number(n)) if n.is_zero()) {
        segments.pop();
    }
}

impl GemVersion {
    /// Parses a RubyGems version.
    pub(crate) fn parse(text: &str) -> Result<GemVersion, &'static str> {
        if !text.starts_with(|c: char| c.is_ascii_digit()) {
            return Err("a RubyGems version must start with a number");
        }
        let text = text.replace('-', ".pre.");
        let bytes = text.as_bytes();
        let mut numbers = Vec::new();
        let mut rest = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            let start = i;
            let segment = if bytes[i].is_ascii_digit() {
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                Segment::Number(Num::from_digits(&text[start..i]))
            } else if bytes[i].is_ascii_alphabetic() {
                while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                    i += 1;
                }
                Segment::Letters(text[start..i].into())
            } else {
                i += 1;
                continue;
            };
            if rest.is_empty() && matches!(segment, Segment::Number(_)) {
                numbers.push(segment);
            } else {
                rest.push(segment);
            }
        }
        drop_trailing_zeros(&mut numbers);
        drop_trailing_zeros(&mut rest);
        numbers.extend(rest);
        Ok(GemVersion(numbers.into()))
    }
}

impl Ord for GemVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let zero = Segment::Number(Num::ZERO);
        let len = self.0.len().max(other.0.len());
        for i in 0..len {
            let a = self.0.get(i).unwrap_or(&zero);
            let b = other.0.get(i).unwrap_or(&zero);
            match a.cmp(b) {
                Ordering::Equal => {}
                other => return other,
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for GemVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> GemVersion {
        GemVersion::parse(text).expect("valid version")
    }

    #[test]
    fn pre_releases_and_zeros() {
        assert!(key("1.0.a") < key("1.0"));
        assert!(key("1.0.b1") < key("1.0"));
        assert!(key("1.0.a.2") > key("0.9"));
        assert_eq!(key("1.0.a2"), key("1.0.a.2"));
        assert_eq!(key("1.0.0"), key("1"));
        assert!(key("3.2") < key("3.10"));
        assert!(key("1.0-1") < key("1.0"));
    }
}
