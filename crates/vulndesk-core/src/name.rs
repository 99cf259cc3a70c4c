//! Validated names: organisation and program slugs, and usernames. They appear in URLs, so they are
//! limited to lower-case ASCII letters, digits and inner hyphens (slugs) or dots and underscores as
//! well (usernames).

use std::fmt;

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// The name is shorter than `min` or longer than `max` characters.
    #[error("must be between {min} and {max} characters long")]
    Length {
        /// Fewest characters allowed.
        min: usize,
        /// Most characters allowed.
        max: usize,
    },
    /// The character at `position` (counting from 0) is not allowed.
    #[error("character {ch:?} at position {position} is not allowed")]
    Character {
        /// The offending character.
        ch: char,
        /// Its index among the characters.
        position: usize,
    },
    /// The name starts or ends with a separator.
    #[error("must start and end with a letter or digit")]
    Edge,
}

fn check(s: &str, min: usize, max: usize, extra: &[char]) -> Result<(), NameError> {
    let len = s.chars().count();
    if len < min || len > max {
        return Err(NameError::Length { min, max });
    }
    for (position, ch) in s.chars().enumerate() {
        let ok = ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-' || extra.contains(&ch);
        if !ok {
            return Err(NameError::Character { ch, position });
        }
    }
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if !alnum(s.chars().next()) || !alnum(s.chars().last()) {
        return Err(NameError::Edge);
    }
    Ok(())
}

/// A URL-safe identifier for an organisation or a program: `demo-networks`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slug(String);

impl Slug {
    /// Checks `s`: 2 to 63 characters of `a-z`, `0-9` and inner `-`.
    pub fn parse(s: &str) -> Result<Self, NameError> {
        check(s, 2, 63, &[])?;
        Ok(Self(s.to_owned()))
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A login name: `admin`, `li.wei`, `psirt_bot`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Username(String);

impl Username {
    /// Checks `s`: 2 to 64 characters of `a-z`, `0-9`, `-`, `.` and `_`, starting and ending with a
    /// letter or digit.
    pub fn parse(s: &str) -> Result<Self, NameError> {
        check(s, 2, 64, &['.', '_'])?;
        Ok(Self(s.to_owned()))
    }

    /// The username as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        let cases: &[(&str, Result<(), NameError>)] = &[
            ("demo", Ok(())),
            ("demo-networks", Ok(())),
            ("a1", Ok(())),
            ("a", Err(NameError::Length { min: 2, max: 63 })),
            ("-demo", Err(NameError::Edge)),
            ("demo-", Err(NameError::Edge)),
            ("Demo", Err(NameError::Character { ch: 'D', position: 0 })),
            ("de mo", Err(NameError::Character { ch: ' ', position: 2 })),
            ("演示", Err(NameError::Character { ch: '演', position: 0 })),
            ("de.mo", Err(NameError::Character { ch: '.', position: 2 })),
        ];
        for (input, want) in cases {
            assert_eq!(Slug::parse(input).map(|_| ()), *want, "slug {input:?}");
        }
        assert!(Slug::parse(&"a".repeat(64)).is_err());
    }

    #[test]
    fn usernames() {
        assert!(Username::parse("li.wei").is_ok());
        assert!(Username::parse("psirt_bot").is_ok());
        assert_eq!(Username::parse("li.").map(|_| ()), Err(NameError::Edge));
        assert_eq!(Username::parse("li/wei").map(|_| ()), Err(NameError::Character { ch: '/', position: 2 }));
    }
}
