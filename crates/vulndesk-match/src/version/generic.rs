//! The generic fallback order, for `vers:generic/...` and ecosystems without their own rules.
//!
//! The `vers` specification leaves the generic scheme loosely defined, so this order is the
//! common core of the distribution orders: the version is split into runs of digits and runs
//! of letters (everything else only separates), runs compare one by one with numbers compared
//! numerically and beating letters, letters compared as text, and a version that ends sorts
//! before one that continues. `1.0` < `1.0a` < `1.0.1` < `1.1`.

use super::num::Num;

/// One run of a generic version; the variant order is the comparison order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Token {
    End,
    Letters(Box<str>),
    Digits(Num),
}

/// A generic key: the runs, ending with [`Token::End`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct GenericVersion(Box<[Token]>);

impl GenericVersion {
    /// Parses a version under the generic order; any text is accepted.
    pub(crate) fn parse(text: &str) -> GenericVersion {
        let mut tokens = Vec::new();
        let mut chars = text.char_indices().peekable();
        while let Some((start, c)) = chars.next() {
            let is_digit = c.is_ascii_digit();
            if !is_digit && !c.is_alphabetic() {
                continue;
            }
            let mut end = start + c.len_utf8();
            while let Some(&(i, next)) = chars.peek() {
                let same =
                    if is_digit { next.is_ascii_digit() } else { next.is_alphabetic() && !next.is_ascii_digit() };
                if !same {
                    break;
                }
                end = i + next.len_utf8();
                chars.next();
            }
            let run = &text[start..end];
            tokens.push(if is_digit { Token::Digits(Num::from_digits(run)) } else { Token::Letters(run.into()) });
        }
        tokens.push(Token::End);
        GenericVersion(tokens.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_then_letters() {
        let key = GenericVersion::parse;
        assert!(key("1.0") < key("1.0a"));
        assert!(key("1.0a") < key("1.0.1"));
        assert!(key("1.9") < key("1.10"));
        assert_eq!(key("1-0"), key("1.0"));
    }
}
