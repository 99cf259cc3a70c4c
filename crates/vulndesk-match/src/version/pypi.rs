//! PyPI's version order: PEP 440, with the legacy order for strings PEP 440 cannot parse.
//!
//! A PEP 440 version is `[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`, with the spelling
//! variants that PEP 440's normalisation rules allow (`alpha`, `c`, `pre`, `-1` as a post
//! release, separators `.`, `-` and `_`, a leading `v`, any case). The comparison key is the
//! one the `packaging` library builds: epoch, release with trailing zeros dropped, pre-release
//! (a dev release with neither pre nor post release sorts before every pre-release), post
//! release, dev release, then the local label, whose numeric parts beat text parts.
//!
//! OSV's PyPI data still holds versions from before PEP 440 (`0.9-doduo`, `2004d`). Older
//! `packaging` releases ordered them as `LegacyVersion`, always below every PEP 440 version,
//! and osv-scalibr does the same; the legacy key here follows `packaging`'s
//! `_legacy_cmpkey`, including the text between matched pieces that its `re.split` keeps.
//! The `pep440_rs` crate rejects such strings, which is why this module does not use it.

use std::sync::LazyLock;

use regex::Regex;

use super::num::{Num, trim_trailing_zeros};

/// The pre-release part of the key; the variant order is `packaging`'s.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Pre {
    /// A dev release with no pre or post release, which sorts before every pre-release.
    DevOnly,
    /// A pre-release: 0 for alpha, 1 for beta, 2 for release candidate, then its number.
    Phase(u8, Num),
    /// No pre-release.
    None,
}

/// The dev-release part of the key: a dev release sorts before the same version without.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Dev {
    Dev(Num),
    None,
}

/// One part of a local label; text parts sort before numbers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum LocalPart {
    Text(Box<str>),
    Number(Num),
}

/// The comparison key of a PEP 440 version.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Pep440 {
    epoch: Num,
    release: Vec<Num>,
    pre: Pre,
    post: Option<Num>,
    dev: Dev,
    /// `None` (no local label) sorts before any label.
    local: Option<Vec<LocalPart>>,
}

/// A PyPI key; legacy versions sort before every PEP 440 version.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum PypiVersion {
    /// A legacy version, as the list of normalised parts `packaging` compared.
    Legacy(Box<[Box<str>]>),
    /// A PEP 440 version.
    Pep440(Box<Pep440Key>),
}

/// A boxed PEP 440 key, kept behind a pointer so that the enum stays small.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Pep440Key(Pep440);

static PEP440: LazyLock<Regex> = LazyLock::new(|| {
    // This is the pattern from PEP 440's appendix B, anchored, with the same group names.
    let pattern = r"(?ix)^
        v?
        (?:(?P<epoch>[0-9]+)!)?
        (?P<release>[0-9]+(?:\.[0-9]+)*)
        (?P<pre>[-_\.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_\.]?(?P<pre_n>[0-9]+)?)?
        (?P<post>(?:-(?P<post_n1>[0-9]+))|(?:[-_\.]?(?P<post_l>post|rev|r)[-_\.]?(?P<post_n2>[0-9]+)?))?
        (?P<dev>[-_\.]?(?P<dev_l>dev)[-_\.]?(?P<dev_n>[0-9]+)?)?
        (?:\+(?P<local>[a-z0-9]+(?:[-_\.][a-z0-9]+)*))?
        $";
    match Regex::new(pattern) {
        Ok(regex) => regex,
        // The pattern is a constant that the unit tests compile, so this cannot happen.
        Err(err) => unreachable!("the PEP 440 pattern is valid: {err}"),
    }
});

impl PypiVersion {
    /// Parses a PyPI version; strings that are not PEP 440 become legacy versions.
    pub(crate) fn parse(text: &str) -> Result<PypiVersion, &'static str> {
        Ok(match parse_pep440(text) {
            Some(key) => PypiVersion::Pep440(Box::new(Pep440Key(key))),
            None => PypiVersion::Legacy(legacy_key(text)),
        })
    }
}

fn parse_pep440(text: &str) -> Option<Pep440> {
    let caps = PEP440.captures(text)?;
    let number = |name: &str| caps.name(name).map(|m| Num::from_digits(m.as_str()));
    let epoch = number("epoch").unwrap_or(Num::ZERO);
    let mut release: Vec<Num> = caps.name("release")?.as_str().split('.').map(Num::from_digits).collect();
    trim_trailing_zeros(&mut release);
    let pre = caps.name("pre_l").map(|letter| {
        let rank = match letter.as_str().to_ascii_lowercase().as_str() {
            "a" | "alpha" => 0,
            "b" | "beta" => 1,
            _ => 2,
        };
        (rank, number("pre_n").unwrap_or(Num::ZERO))
    });
    let post = if caps.name("post").is_some() {
        Some(number("post_n1").or_else(|| number("post_n2")).unwrap_or(Num::ZERO))
    } else {
        None
    };
    let dev = caps.name("dev").map(|_| number("dev_n").unwrap_or(Num::ZERO));
    let local = caps.name("local").map(|local| {
        local
            .as_str()
            .split(['-', '_', '.'])
            .map(|part| match Num::parse(part) {
                Some(n) => LocalPart::Number(n),
                None => LocalPart::Text(part.to_ascii_lowercase().into()),
            })
            .collect()
    });
    let pre = match (pre, &post, &dev) {
        (None, None, Some(_)) => Pre::DevOnly,
        (None, _, _) => Pre::None,
        (Some((rank, n)), _, _) => Pre::Phase(rank, n),
    };
    Some(Pep440 { epoch, release, pre, post, dev: dev.map_or(Dev::None, Dev::Dev), local })
}

/// Splits text the way `re.split(r"(\d+|[a-z]+|\.|-)", s)` does, keeping the unmatched text.
fn legacy_pieces(text: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut other = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let class = |c: char| {
            if c.is_ascii_digit() {
                1
            } else if c.is_ascii_lowercase() {
                2
            } else {
                0
            }
        };
        match c {
            '.' | '-' => {
                pieces.push(std::mem::take(&mut other));
                pieces.push(c.to_string());
            }
            c if class(c) != 0 => {
                pieces.push(std::mem::take(&mut other));
                let mut run = c.to_string();
                while let Some(&next) = chars.peek() {
                    if class(next) != class(c) {
                        break;
                    }
                    run.push(next);
                    chars.next();
                }
                pieces.push(run);
            }
            c => other.push(c),
        }
    }
    pieces.push(other);
    pieces
}

/// Builds `packaging`'s `_legacy_cmpkey` parts for a legacy version.
fn legacy_key(text: &str) -> Box<[Box<str>]> {
    let lowered = text.to_lowercase();
    let mut normalised: Vec<String> = Vec::new();
    for piece in legacy_pieces(&lowered) {
        let piece = match piece.as_str() {
            "pre" | "preview" | "rc" => "c".to_owned(),
            "-" => "final-".to_owned(),
            "dev" => "@".to_owned(),
            _ => piece,
        };
        if piece.is_empty() || piece == "." {
            continue;
        }
        if piece.starts_with(|c: char| c.is_ascii_digit()) {
            normalised.push(format!("{piece:0>8}"));
        } else {
            normalised.push(format!("*{piece}"));
        }
    }
    normalised.push("*final".to_owned());

    let mut parts: Vec<Box<str>> = Vec::new();
    for piece in normalised {
        if piece.starts_with('*') {
            if piece.as_str() < "*final" {
                while parts.last().is_some_and(|p| &**p == "*final-") {
                    parts.pop();
                }
            }
            while parts.last().is_some_and(|p| &**p == "00000000") {
                parts.pop();
            }
        }
        parts.push(piece.into());
    }
    parts.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> PypiVersion {
        PypiVersion::parse(text).expect("valid version")
    }

    #[test]
    fn pep440_order() {
        let chain = [
            "1.0.dev0",
            "1.0a0",
            "1.0a1.dev1",
            "1.0a1",
            "1.0b1",
            "1.0rc1",
            "1.0",
            "1.0+local",
            "1.0.post1.dev1",
            "1.0.post1",
            "1.1",
            "1!0.1",
        ];
        for pair in chain.windows(2) {
            assert!(key(pair[0]) < key(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(key("1.0"), key("1.0.0"));
        assert_eq!(key("1.0-1"), key("1.0.post1"));
        assert_eq!(key("v1.0RC1"), key("1.0c1"));
    }

    #[test]
    fn legacy_versions_sort_first() {
        assert!(matches!(key("0.9-doduo"), PypiVersion::Legacy(_)));
        assert!(key("0.9-doduo") < key("0.0.1"));
        assert!(key("0.1-bulbasaur") < key("0.1-charmander"));
        assert_eq!(legacy_pieces("1_2.a"), ["", "1", "_", "2", "", ".", "", "a", ""]);
    }
}
