//! rpm's version order (rpmvercmp) for Red Hat, AlmaLinux, Rocky Linux, SUSE and others.
//!
//! A version is `[epoch:]version[-release]`. The epoch is a number (a prefix before the first
//! colon that is not all digits is part of the version instead); the release is everything
//! after the first hyphen. Each part compares with rpmvercmp, as described in rpm's
//! documentation and in rpmvercmp(8): characters other than ASCII letters, digits, `~` and
//! `^` only separate segments; `~` sorts before anything, even the end of the string; `^`
//! sorts after the end of the string but before anything else; digit runs compare
//! numerically and beat letter runs; letter runs compare as bytes.
//!
//! Those rules make rpmvercmp a lexicographic comparison of token lists that end in an
//! explicit end token, with tokens ranked `~` < end < `^` < letters < digits; the key here is
//! that token list, so comparing two keys never re-scans text. The `rpm-version` crate was
//! not used because it gets `1 < 1-` wrong: a version without a release sorts before the same
//! version with any release, even an empty one, which is what the key's `Option` encodes.

use super::num::Num;

/// One rpmvercmp token; the variant order is the rank described in the module docs.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Token {
    Tilde,
    End,
    Caret,
    Letters(Box<str>),
    Digits(Num),
}

/// A tokenised part; `None` for a part that is absent or empty, which sorts first.
type Part = Option<Box<[Token]>>;

/// An RPM key: epoch, version and release.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct RpmVersion {
    epoch: Num,
    version: Part,
    release: Part,
}

fn tokens(text: &str) -> Part {
    if text.is_empty() {
        return None;
    }
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'~' {
            out.push(Token::Tilde);
            i += 1;
        } else if c == b'^' {
            out.push(Token::Caret);
            i += 1;
        } else if c.is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            out.push(Token::Digits(Num::from_digits(&text[start..i])));
        } else if c.is_ascii_alphabetic() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                i += 1;
            }
            out.push(Token::Letters(text[start..i].into()));
        } else {
            // Every other character, including each byte of a multi-byte one, separates.
            i += 1;
        }
    }
    out.push(Token::End);
    Some(out.into())
}

impl RpmVersion {
    /// Parses an RPM version; rpm accepts any text, so this cannot fail.
    pub(crate) fn parse(text: &str) -> RpmVersion {
        let (epoch, rest) = match text.split_once(':') {
            Some((epoch, rest)) if epoch.bytes().all(|b| b.is_ascii_digit()) => (Num::from_digits(epoch), rest),
            _ => (Num::ZERO, text),
        };
        let (version, release) = match rest.split_once('-') {
            // The hyphen itself marks the release as present, even when nothing follows.
            Some((version, release)) => {
                (tokens(version), Some(tokens(release).unwrap_or_else(|| Box::new([Token::End]))))
            }
            None => (tokens(rest), None),
        };
        RpmVersion { epoch, version, release }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> RpmVersion {
        RpmVersion::parse(text)
    }

    #[test]
    fn tilde_and_caret() {
        assert!(key("1.0~rc1") < key("1.0"));
        assert!(key("1.0") < key("1.0^git1"));
        assert!(key("1.0^git1") < key("1.01"));
        assert!(key("1.0^git1~pre") < key("1.0^git1"));
    }

    #[test]
    fn releases_and_epochs() {
        assert!(key("1") < key("1-"));
        assert!(key("1") < key("1-0"));
        assert_eq!(key("1-1."), key("1-1"));
        assert!(key("3") < key("1:2"));
        assert_eq!(key("01:2"), key("1:2"));
        assert_eq!(key("10.0001"), key("10.1"));
    }
}
