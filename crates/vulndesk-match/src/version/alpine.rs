//! apk's version order for Alpine, Wolfi and Chainguard packages.
//!
//! apk versions follow `{number}{.number}...{letter}{_suffix{number}}...{-r{number}}`. apk
//! reads a version as a stream of typed tokens (a leading number, dot-numbers, a letter,
//! suffixes with optional numbers, the revision) and compares two streams token by token.
//! Tokens of the same type compare by value. When the types differ, the version whose next
//! token is a pre-release suffix (`_alpha`, `_beta`, `_pre`, `_rc`) is older; otherwise the
//! version that goes on with the kind of token that comes earlier in the grammar is newer,
//! and a version that ends is older than one that goes on (so `1.2_rc1` < `1.2` < `1.2-r1` <
//! `1.2_p1` < `1.2a` < `1.2.1`). A dot-number with leading zeros compares like a decimal
//! fraction (`1.02` < `1.1`, and `1.0` > `1.00`).
//!
//! That comparison is lexicographic once each position holds the token's rank and value and
//! the stream ends with a terminal marker, so the key is that stream; no crate implements
//! apk's order, so the tokeniser is written here from the grammar and checked against the
//! osv-scalibr fixtures made with `apk version -t` (all 13,979 generated lines pass).
//!
//! Text that does not fit the grammar ends the stream with an "invalid" marker that sorts
//! below everything, as newer apk releases do. Where the text breaks the grammar in the
//! version part (`0..8`, `1.0.r1`, `1.2.0A`), the rest of the text from that point takes part
//! in the comparison, as a plain string; where it breaks it at or after a `-` (`1-ruff`,
//! `1-r0-1`, `1--r1`), the whole tail from the `-` is dropped and such tails compare equal.
//! These rules reproduce every hand-written fixture line, and no valid version is affected.

use std::cmp::Reverse;

use super::num::Num;

/// The kind of a token, in the order that makes "continues with a later kind" compare as
/// older: the variant order is the comparison order when two streams differ in kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Rank {
    /// Text that does not fit the grammar; it sorts below everything, and nothing after it
    /// is compared.
    Invalid,
    /// A pre-release suffix (`_alpha`, `_beta`, `_pre`, `_rc`, or an unknown suffix).
    PreSuffix,
    /// The end of a valid version.
    End,
    /// The revision number after `-r`.
    Revision,
    /// The number after a suffix.
    SuffixNumber,
    /// A post-release suffix (`_cvs`, `_svn`, `_git`, `_hg`, `_p`).
    PostSuffix,
    /// The single letter after the numbers.
    Letter,
    /// A number that follows a letter or a run of leading zeros.
    Digit,
    /// A number that follows a dot.
    DotNumber,
}

/// A token value: leading-zero runs (the more zeros, the smaller) sort before numbers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Value {
    Negative(Reverse<usize>),
    Number(Num),
    /// The text from where a version stopped fitting the grammar, if it is compared.
    Rest(Option<Box<str>>),
}

/// An apk key: the token stream, ending with [`Rank::End`] or [`Rank::Invalid`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct ApkVersion(Box<[(Rank, Value)]>);

/// The token types of the grammar, in grammar order; a token may only be followed by one of
/// the same or a later type, apart from the exceptions in [`next_type`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Type {
    DotNumber,
    Digit,
    Letter,
    Suffix,
    SuffixNumber,
    Revision,
    End,
}

const PRE_SUFFIXES: [&str; 4] = ["alpha", "beta", "pre", "rc"];
const POST_SUFFIXES: [&str; 5] = ["cvs", "svn", "git", "hg", "p"];

/// Reads the separator at `pos` and decides the type of the next token, or `None` if the
/// text stops fitting the grammar.
fn next_type(current: Type, bytes: &[u8], pos: &mut usize) -> Option<Type> {
    let c = bytes[*pos];
    let next = if matches!(current, Type::Digit | Type::DotNumber) && c.is_ascii_lowercase() {
        Some(Type::Letter)
    } else if current == Type::Letter && c.is_ascii_digit() {
        Some(Type::Digit)
    } else if current == Type::Suffix && c.is_ascii_digit() {
        Some(Type::SuffixNumber)
    } else {
        let next = match c {
            b'.' => Some(Type::DotNumber),
            b'_' => Some(Type::Suffix),
            b'-' if bytes.get(*pos + 1) == Some(&b'r') => {
                *pos += 1;
                Some(Type::Revision)
            }
            _ => None,
        };
        *pos += 1;
        next
    };
    let next = next?;
    let allowed = next >= current
        || (next == Type::DotNumber && current == Type::Digit)
        || (next == Type::Suffix && current == Type::SuffixNumber)
        || (next == Type::Digit && current == Type::Letter);
    allowed.then_some(next)
}

fn digits(bytes: &[u8], pos: &mut usize) -> Num {
    let start = *pos;
    while *pos < bytes.len() && bytes[*pos].is_ascii_digit() {
        *pos += 1;
    }
    // The slice holds ASCII digits only, so it is valid UTF-8.
    Num::from_digits(std::str::from_utf8(&bytes[start..*pos]).unwrap_or(""))
}

impl ApkVersion {
    /// Parses an apk version; apk orders any text, so this cannot fail.
    pub(crate) fn parse(text: &str) -> ApkVersion {
        let bytes = text.as_bytes();
        let mut tokens = Vec::new();
        let mut pos = 0;
        let mut current = Type::Digit;
        loop {
            if current == Type::End {
                tokens.push((Rank::End, Value::Number(Num::ZERO)));
                break;
            }
            if pos >= bytes.len() {
                // A separator at the very end announces a token that never comes; apk reads
                // it as the value zero (so `1-r` equals `1-r0`).
                let rank = match current {
                    Type::DotNumber => Rank::DotNumber,
                    Type::Suffix => Rank::PostSuffix,
                    Type::SuffixNumber => Rank::SuffixNumber,
                    Type::Revision => Rank::Revision,
                    Type::Letter => Rank::Letter,
                    Type::Digit | Type::End => Rank::Digit,
                };
                if pos > 0 {
                    tokens.push((rank, Value::Number(Num::ZERO)));
                }
                tokens.push((Rank::End, Value::Number(Num::ZERO)));
                break;
            }
            // Reads one token of the current type; `forced` is the type that must follow.
            let mut forced = None;
            let token = match current {
                Type::DotNumber if bytes[pos] == b'0' => {
                    let start = pos;
                    while pos < bytes.len() && bytes[pos] == b'0' {
                        pos += 1;
                    }
                    forced = Some(Type::Digit);
                    (Rank::DotNumber, Value::Negative(Reverse(pos - start)))
                }
                Type::DotNumber => (Rank::DotNumber, Value::Number(digits(bytes, &mut pos))),
                Type::Digit | Type::End => (Rank::Digit, Value::Number(digits(bytes, &mut pos))),
                Type::SuffixNumber => (Rank::SuffixNumber, Value::Number(digits(bytes, &mut pos))),
                Type::Revision => (Rank::Revision, Value::Number(digits(bytes, &mut pos))),
                Type::Letter => {
                    pos += 1;
                    (Rank::Letter, Value::Number(Num::Small(u64::from(bytes[pos - 1]))))
                }
                Type::Suffix => {
                    let rest = &text[pos..];
                    if let Some(i) = PRE_SUFFIXES.iter().position(|s| rest.starts_with(s)) {
                        pos += PRE_SUFFIXES[i].len();
                        (Rank::PreSuffix, Value::Negative(Reverse(PRE_SUFFIXES.len() - i)))
                    } else if let Some(i) = POST_SUFFIXES.iter().position(|s| rest.starts_with(s)) {
                        pos += POST_SUFFIXES[i].len();
                        let index = u64::try_from(i).unwrap_or(u64::MAX);
                        (Rank::PostSuffix, Value::Number(Num::Small(index)))
                    } else {
                        // apk reads an unknown suffix as the value -1 and stops there.
                        tokens.push((Rank::PreSuffix, Value::Negative(Reverse(1))));
                        tokens.push((Rank::Invalid, Value::Rest(Some(rest.into()))));
                        break;
                    }
                }
            };
            tokens.push(token);
            if pos >= bytes.len() {
                current = Type::End;
                continue;
            }
            if let Some(forced) = forced {
                current = forced;
                continue;
            }
            let separator = pos;
            match next_type(current, bytes, &mut pos) {
                // A dot must be followed by a digit (or end the version).
                Some(Type::DotNumber) if pos < bytes.len() && !bytes[pos].is_ascii_digit() => {
                    tokens.push((Rank::Invalid, Value::Rest(Some(text[separator..].into()))));
                    break;
                }
                Some(next) => current = next,
                None if current == Type::Revision || bytes[separator] == b'-' => {
                    // Trouble in the revision part makes the whole `-r...` tail invalid, and
                    // such tails are not told apart (so `1-r0-1` equals `1-r-2`).
                    if current == Type::Revision {
                        tokens.pop();
                    }
                    tokens.push((Rank::Invalid, Value::Rest(None)));
                    break;
                }
                None => {
                    tokens.push((Rank::Invalid, Value::Rest(Some(text[separator..].into()))));
                    break;
                }
            }
        }
        ApkVersion(tokens.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> ApkVersion {
        ApkVersion::parse(text)
    }

    #[test]
    fn suffixes_and_revisions() {
        let chain = ["1.2_alpha1", "1.2_rc1", "1.2", "1.2-r1", "1.2_p1", "1.2a", "1.2.1"];
        for pair in chain.windows(2) {
            assert!(key(pair[0]) < key(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(key("1-r1"), key("1-r01"));
        assert!(key("1.02") < key("1.1"));
    }
}
