//! Packagist's version order: PHP's `version_compare`, with Composer's leading `v` removed.
//!
//! `version_compare` canonicalises both strings (`-`, `_` and `+` become `.`, and a `.` is put
//! between a digit and a non-digit wherever they meet), splits them on dots and compares the
//! parts in turn. Numbers compare numerically. Words are ranked by prefix, case-sensitively:
//! `dev` < `alpha`/`a` < `beta`/`b` < `RC`/`rc` < `#` < `pl`/`p`, any other word ranking below
//! `dev`, and a number ranks with `#`, between `rc` and `p`. When one side runs out, the other
//! is greater if its next part is a number and otherwise is compared as if the shorter side
//! continued with `#`.
//!
//! That last rule means "the end" behaves like a part ranked just below every number, so the
//! key is the part list followed by an explicit end part, compared lexicographically. The one
//! thing this cannot express is `#` itself, which `version_compare` treats as equal to every
//! number: that relation is not transitive (`1.2.3.#` would equal both `1.2.3.1` and
//! `1.2.3.2`), so no total order can follow it. Here a `#` part is skipped instead, which
//! keeps every other `#` rule (`1.2.3.#.beta` < `1.2.3` < `1.2.3.#.p3`) but makes `1.2.3.#`
//! equal to `1.2.3` rather than to `1.2.3.1`.

use super::num::Num;

/// One part of a canonicalised version; the variant order is `version_compare`'s ranking.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Part {
    /// A word `version_compare` does not know, which ranks lowest.
    Other,
    Dev,
    Alpha,
    Beta,
    Rc,
    /// The end of the version, which ranks like `#` against words and below all numbers.
    End,
    Number(Num),
    Patch,
}

/// A Packagist key: the ranked parts, always ending with [`Part::End`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct PhpVersion(Box<[Part]>);

fn rank_word(word: &str) -> Option<Part> {
    // The order of these checks matters: "RC" is checked before the lower-case words, and
    // "p" last, exactly as version_compare's table is searched.
    const WORDS: [(&str, Option<Part>); 7] = [
        ("RC", Some(Part::Rc)),
        ("dev", Some(Part::Dev)),
        ("a", Some(Part::Alpha)),
        ("b", Some(Part::Beta)),
        ("rc", Some(Part::Rc)),
        ("#", None),
        ("p", Some(Part::Patch)),
    ];
    for (prefix, part) in WORDS {
        if word.starts_with(prefix) {
            return part;
        }
    }
    Some(Part::Other)
}

/// Puts a dot between every digit and non-digit (other than a dot) that meet.
fn canonicalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 4);
    let mut previous: Option<char> = None;
    for c in text.chars() {
        let c = if matches!(c, '-' | '_' | '+') { '.' } else { c };
        if let Some(p) = previous {
            let p_digit = p.is_ascii_digit();
            let c_digit = c.is_ascii_digit();
            if p != '.' && c != '.' && p_digit != c_digit {
                out.push('.');
            }
        }
        out.push(c);
        previous = Some(c);
    }
    out
}

impl PhpVersion {
    /// Parses a Packagist version; `version_compare` accepts any text, so this cannot fail.
    pub(crate) fn parse(text: &str) -> PhpVersion {
        let text = text.strip_prefix(['v', 'V']).unwrap_or(text);
        let canonical = canonicalise(text);
        let mut parts: Vec<Part> = canonical
            .split('.')
            .filter(|piece| !piece.is_empty())
            .filter_map(|piece| match Num::parse(piece) {
                Some(number) => Some(Part::Number(number)),
                None => rank_word(piece),
            })
            .collect();
        parts.push(Part::End);
        PhpVersion(parts.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> PhpVersion {
        PhpVersion::parse(text)
    }

    #[test]
    fn php_version_compare_order() {
        let chain = ["1.0-dev", "1.0a1", "1.0b1", "1.0RC1", "1.0", "1.0.0", "1.0pl1"];
        for pair in chain.windows(2) {
            assert!(key(pair[0]) < key(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(key("1.0rc1"), key("1.0RC1"));
        assert_eq!(key("v1.0.0"), key("V1.0.0"));
        assert_eq!(key("1.25.0beta2.1"), key("1.25.0-b2.1"));
    }

    #[test]
    fn hash_parts_are_skipped() {
        assert_eq!(key("1.2.3.#"), key("1.2.3"));
        assert!(key("1.2.3.#.beta") < key("1.2.3"));
        assert!(key("1.2.3.#.p3") > key("1.2.3"));
    }
}
