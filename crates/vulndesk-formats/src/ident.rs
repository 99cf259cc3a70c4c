//! Vulnerability identifiers as validated types: CVE, GitHub advisories
//! (GHSA), OSV databases' ids, and the Chinese databases' ids (CNVD, CNNVD,
//! NVDB).
//!
//! [`VulnId::parse`] recognises the scheme from the prefix, checks every part
//! and keeps one canonical spelling, so two spellings of one id compare equal:
//! prefixes are upper case (`CVE-`, `CNVD-`, …; OSV prefixes as the OSV schema
//! spells them, for example `FreeBSD-`), and a GHSA id's groups are lower case
//! as GitHub writes them (`GHSA-vp9c-fpxx-744w`). Ids order by scheme, then
//! with their numbers compared as numbers (`CVE-2021-9999` < `CVE-2021-10000`).
//!
//! What each scheme accepts:
//!
//! | scheme | pattern | source |
//! |---|---|---|
//! | CVE | `CVE-YYYY-NNNN…`: year 1999 or later, 4–19 digits, a leading zero only in a 4-digit number | CVE JSON 5 schema `^CVE-[0-9]{4}-[0-9]{4,19}$`; MITRE's 2014 syntax change (no leading zeros beyond 4 digits) |
//! | GHSA | `GHSA-xxxx-xxxx-xxxx`, each `x` one of `23456789cfghjmpqrvwx` | GitHub's advisory database |
//! | PYSEC | `PYSEC-YYYY-N…`, no leading zero | PyPA advisory database |
//! | GO | `GO-YYYY-NNNN…`, like CVE | Go vulnerability database |
//! | RUSTSEC | `RUSTSEC-YYYY-NNNN`, exactly 4 digits | RustSec advisory database |
//! | other OSV | a prefix from the OSV schema's list, `-`, then letters, digits and `._:-` | OSV schema `$defs/prefix` |
//! | CNVD | `CNVD-YYYY-NNNN…` (4 or more digits), and provisional numbers `CNVD-C-YYYY-NNNN…` | ids seen in public advisories (for example CNVD-2020-10487, CNVD-C-2019-48814); no published grammar found |
//! | CNNVD | `CNNVD-YYYYMM-NNN…`: a year and month 01–12, then 3 or more digits, a leading zero only in a 3-digit number | ids seen in public advisories (CNNVD-201112-017, CNNVD-202303-1096); no published grammar found |
//! | NVDB | `NVDB-YYYY-NNNN…` (4 or more digits) | **unverified**: no NVDB id was found in public sources; this pattern is a placeholder |
//!
//! The CNVD, CNNVD and NVDB rules are inferred, not specified anywhere we
//! could read: widen them here if a real id is refused. Years other than
//! CVE's must be 1980 or later. Old `CAN-` candidate names are refused with a
//! hint, and unknown prefixes (for example Snyk's `SNYK-…`) are refused as an
//! unknown scheme, since the OSV schema does not list them.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// The longest id accepted, in bytes.
pub const MAX_LEN: usize = 128;

/// Where an id comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scheme {
    /// CVE.
    Cve,
    /// GitHub Security Advisories.
    Ghsa,
    /// An OSV home database; holds the prefix as the OSV schema spells it.
    Osv(&'static str),
    /// China National Vulnerability Database (CNVD, 国家信息安全漏洞共享平台).
    Cnvd,
    /// China National Vulnerability Database of Information Security (CNNVD, 国家信息安全漏洞库).
    Cnnvd,
    /// MIIT's National Vulnerability Database (NVDB, 工业和信息化部网络安全威胁和漏洞信息共享平台).
    Nvdb,
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Cve => "CVE",
            Self::Ghsa => "GHSA",
            Self::Osv(prefix) => prefix,
            Self::Cnvd => "CNVD",
            Self::Cnnvd => "CNNVD",
            Self::Nvdb => "NVDB",
        })
    }
}

/// The part of an id that is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// The scheme prefix.
    Prefix,
    /// The year.
    Year,
    /// The month (CNNVD).
    Month,
    /// The sequence number.
    Number,
    /// One of a GHSA id's three groups (1–3).
    Group(u8),
    /// The entry id after an OSV prefix.
    Entry,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Prefix => f.write_str("prefix"),
            Self::Year => f.write_str("year"),
            Self::Month => f.write_str("month"),
            Self::Number => f.write_str("sequence number"),
            Self::Group(n) => write!(f, "group {n}"),
            Self::Entry => f.write_str("entry id"),
        }
    }
}

/// Why a text is not a vulnerability id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    /// The text is empty.
    #[error("a vulnerability id is empty")]
    Empty,
    /// The text is longer than [`MAX_LEN`] bytes.
    #[error("a vulnerability id is {len} bytes long; at most {MAX_LEN} are allowed")]
    TooLong {
        /// The length in bytes.
        len: usize,
    },
    /// The text holds white space.
    #[error("a vulnerability id may not contain white space")]
    Whitespace,
    /// The text holds a character outside ASCII (for example a full-width digit).
    #[error("a vulnerability id may hold only ASCII characters; found {found:?}")]
    NotAscii {
        /// The first such character.
        found: char,
    },
    /// The prefix is none of the known schemes.
    #[error("unknown vulnerability id scheme {prefix:?}; expected CVE-, GHSA-, CNVD-, CNNVD-, NVDB- or an OSV prefix")]
    UnknownScheme {
        /// The text up to the first `-`, clipped.
        prefix: String,
    },
    /// One part of an id of a known scheme is wrong.
    #[error("{scheme} id: the {part} {found:?} {problem}")]
    Invalid {
        /// The scheme the prefix named.
        scheme: Scheme,
        /// The part at fault.
        part: Part,
        /// That part as written, clipped.
        found: String,
        /// What the part must be.
        problem: &'static str,
    },
}

/// Defines an id type: a canonical string that only this module's parsers
/// build, with `Display`, `FromStr`, `as_str` and the numeric-aware order.
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $parse:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(Box<str>);

        impl $name {
            /// Parses an id of this scheme; see the [module](self) for the rules.
            ///
            /// # Errors
            ///
            /// An [`IdError`] naming the part at fault.
            pub fn parse(text: &str) -> Result<Self, IdError> {
                precheck(text)?;
                $parse(text)
            }

            /// The canonical text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::parse(text)
            }
        }

        impl Ord for $name {
            fn cmp(&self, other: &Self) -> Ordering {
                natural_cmp(&self.0, &other.0)
            }
        }

        impl PartialOrd for $name {
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                Some(self.cmp(other))
            }
        }
    };
}

id_type!(
    /// A CVE id, for example `CVE-2021-44228`.
    CveId,
    parse_cve
);
id_type!(
    /// A GitHub advisory id, for example `GHSA-jfh8-c2jp-5v3q`.
    GhsaId,
    parse_ghsa
);
id_type!(
    /// An id of an OSV home database other than CVE and GHSA, for example
    /// `PYSEC-2021-19`, `GO-2022-0969` or `RUSTSEC-2021-0078`.
    OsvId,
    parse_osv
);
id_type!(
    /// A CNVD id, for example `CNVD-2020-10487`, or a provisional
    /// `CNVD-C-2019-48814`.
    CnvdId,
    parse_cnvd
);
id_type!(
    /// A CNNVD id, for example `CNNVD-202112-799`.
    CnnvdId,
    parse_cnnvd
);
id_type!(
    /// An NVDB id in the unverified pattern `NVDB-YYYY-NNNN…`.
    NvdbId,
    parse_nvdb
);

impl CveId {
    /// The year part.
    pub fn year(&self) -> u16 {
        self.0[4..8].parse().unwrap_or(0)
    }
}

impl OsvId {
    /// The home database's prefix as the OSV schema spells it, for example
    /// `PYSEC`.
    pub fn prefix(&self) -> &'static str {
        OSV_PREFIXES
            .iter()
            .copied()
            .find(|prefix| {
                self.0.starts_with(prefix) && (*prefix == "x_" || self.0.as_bytes().get(prefix.len()) == Some(&b'-'))
            })
            .unwrap_or("")
    }
}

impl CnvdId {
    /// Whether this is a provisional number (`CNVD-C-…`), given on
    /// submission before review.
    pub fn is_provisional(&self) -> bool {
        self.0.starts_with("CNVD-C-")
    }
}

/// Any vulnerability id, of a scheme told by its prefix.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VulnId {
    /// A CVE id.
    Cve(CveId),
    /// A GitHub advisory id.
    Ghsa(GhsaId),
    /// Another OSV home database's id.
    Osv(OsvId),
    /// A CNVD id.
    Cnvd(CnvdId),
    /// A CNNVD id.
    Cnnvd(CnnvdId),
    /// An NVDB id.
    Nvdb(NvdbId),
}

impl VulnId {
    /// Parses an id of any known scheme, telling the scheme from the prefix
    /// (in any case).
    ///
    /// # Errors
    ///
    /// An [`IdError`]: the text as a whole is unusable, its prefix names no
    /// known scheme, or one part of it is wrong for its scheme.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        precheck(text)?;
        if has_prefix(text, "CVE-") {
            parse_cve(text).map(Self::Cve)
        } else if has_prefix(text, "GHSA-") {
            parse_ghsa(text).map(Self::Ghsa)
        } else if has_prefix(text, "CNVD-") {
            parse_cnvd(text).map(Self::Cnvd)
        } else if has_prefix(text, "CNNVD-") {
            parse_cnnvd(text).map(Self::Cnnvd)
        } else if has_prefix(text, "NVDB-") {
            parse_nvdb(text).map(Self::Nvdb)
        } else if has_prefix(text, "CAN-") {
            Err(invalid(Scheme::Cve, Part::Prefix, "CAN", "was retired in 2005; write CVE- instead"))
        } else {
            parse_osv(text).map(Self::Osv)
        }
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        match self {
            Self::Cve(_) => Scheme::Cve,
            Self::Ghsa(_) => Scheme::Ghsa,
            Self::Osv(id) => Scheme::Osv(id.prefix()),
            Self::Cnvd(_) => Scheme::Cnvd,
            Self::Cnnvd(_) => Scheme::Cnnvd,
            Self::Nvdb(_) => Scheme::Nvdb,
        }
    }

    /// The canonical text.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Cve(id) => id.as_str(),
            Self::Ghsa(id) => id.as_str(),
            Self::Osv(id) => id.as_str(),
            Self::Cnvd(id) => id.as_str(),
            Self::Cnnvd(id) => id.as_str(),
            Self::Nvdb(id) => id.as_str(),
        }
    }
}

impl fmt::Display for VulnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for VulnId {
    type Err = IdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

/// The OSV schema's home-database prefixes (`$defs/prefix` of
/// ossf/osv-schema, 2026-07-01), longest first where one extends another.
/// `x_` (private use) is followed directly by the entry id; every other
/// prefix by `-`.
pub const OSV_PREFIXES: &[&str] = &[
    "openSUSE-SU",
    "SUSE-SU",
    "SUSE-RU",
    "SUSE-FU",
    "SUSE-OU",
    "ASB-A",
    "PUB-A",
    "ALPINE",
    "ALSA",
    "ALBA",
    "ALEA",
    "AZL",
    "BELL",
    "BIT",
    "CGA",
    "CLEANSTART",
    "CLSA",
    "CURL",
    "CVE",
    "DEBIAN",
    "DHI",
    "DRUPAL",
    "DSA",
    "DLA",
    "ELA",
    "DTSA",
    "ECHO",
    "EEF",
    "FreeBSD",
    "GHSA",
    "GO",
    "GSD",
    "HSEC",
    "JLSEC",
    "KUBE",
    "LBSEC",
    "LSN",
    "MAL",
    "MINI",
    "MGASA",
    "OESA",
    "OSEC",
    "OSV",
    "PHSA",
    "PSF",
    "PYSEC",
    "RHBA",
    "RHEA",
    "RHSA",
    "RLSA",
    "RXSA",
    "RSEC",
    "ROOT",
    "RUSTSEC",
    "UBUNTU",
    "USN",
    "V8",
    "x_",
];

/// Checks what every scheme needs: not empty, not too long, no white space,
/// ASCII only (so that byte offsets below are character boundaries).
fn precheck(text: &str) -> Result<(), IdError> {
    if text.is_empty() {
        return Err(IdError::Empty);
    }
    if text.len() > MAX_LEN {
        return Err(IdError::TooLong { len: text.len() });
    }
    if text.chars().any(char::is_whitespace) {
        return Err(IdError::Whitespace);
    }
    if let Some(found) = text.chars().find(|ch| !ch.is_ascii()) {
        return Err(IdError::NotAscii { found });
    }
    Ok(())
}

/// Whether an ASCII text starts with `prefix`, ignoring case.
fn has_prefix(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len()).is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

fn invalid(scheme: Scheme, part: Part, found: &str, problem: &'static str) -> IdError {
    let found = if found.len() > 40 { format!("{}…", &found[..40]) } else { found.to_owned() };
    IdError::Invalid { scheme, part, found, problem }
}

/// Removes `prefix` (ignoring case) or says the prefix is wrong.
fn strip<'a>(scheme: Scheme, text: &'a str, prefix: &str) -> Result<&'a str, IdError> {
    if has_prefix(text, prefix) {
        Ok(&text[prefix.len()..])
    } else {
        let found = text.split('-').next().unwrap_or(text);
        Err(invalid(scheme, Part::Prefix, found, "is not this scheme's prefix"))
    }
}

/// Splits `YEAR-NUMBER` at the first `-`.
fn year_and_number(scheme: Scheme, body: &str) -> Result<(&str, &str), IdError> {
    body.split_once('-').ok_or_else(|| invalid(scheme, Part::Number, "", "is missing: expected YEAR-NUMBER"))
}

/// Checks a year: four digits, `min` or later.
fn check_year(scheme: Scheme, year: &str, min: u16, problem: &'static str) -> Result<(), IdError> {
    let ok = year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()) && year.parse::<u16>().is_ok_and(|y| y >= min);
    if ok { Ok(()) } else { Err(invalid(scheme, Part::Year, year, problem)) }
}

/// How leading zeros are treated in a sequence number.
#[derive(Clone, Copy)]
enum Zeros {
    /// Never (PYSEC).
    Never,
    /// Only when the number has exactly the minimum number of digits (CVE, GO, CNNVD).
    OnlyAtMinimum,
    /// Always allowed (CNVD and NVDB, whose padding is not known).
    Allowed,
}

/// Checks a sequence number: `min..=max` ASCII digits, with leading zeros as `zeros` says.
fn check_number(
    scheme: Scheme,
    number: &str,
    digits: (usize, usize),
    zeros: Zeros,
    problem: &'static str,
) -> Result<(), IdError> {
    let (min, max) = digits;
    if number.len() < min || number.len() > max || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(scheme, Part::Number, number, problem));
    }
    let zero_ok = match zeros {
        Zeros::Never => false,
        Zeros::OnlyAtMinimum => number.len() == min,
        Zeros::Allowed => true,
    };
    if number.starts_with('0') && !zero_ok {
        return Err(invalid(scheme, Part::Number, number, "must not start with 0 at this length"));
    }
    Ok(())
}

/// Parses `PREFIX-YEAR-NUMBER` with the given rules and returns the canonical text.
fn year_number_id(
    scheme: Scheme,
    text: &str,
    prefix: &str,
    min_year: u16,
    digits: (usize, usize),
    zeros: Zeros,
    problem: &'static str,
) -> Result<Box<str>, IdError> {
    let (year, number) = year_and_number(scheme, strip(scheme, text, prefix)?)?;
    let year_problem =
        if min_year == 1999 { "must be four digits, 1999 or later" } else { "must be four digits, 1980 or later" };
    check_year(scheme, year, min_year, year_problem)?;
    check_number(scheme, number, digits, zeros, problem)?;
    Ok(format!("{prefix}{year}-{number}").into_boxed_str())
}

fn parse_cve(text: &str) -> Result<CveId, IdError> {
    let problem = "must be 4 to 19 digits";
    year_number_id(Scheme::Cve, text, "CVE-", 1999, (4, 19), Zeros::OnlyAtMinimum, problem).map(CveId)
}

/// GitHub's alphabet for GHSA ids: digits and lower-case letters without
/// look-alikes.
const GHSA_ALPHABET: &str = "23456789cfghjmpqrvwx";

fn parse_ghsa(text: &str) -> Result<GhsaId, IdError> {
    let body = strip(Scheme::Ghsa, text, "GHSA-")?;
    let lower = body.to_ascii_lowercase();
    let groups: Vec<&str> = lower.splitn(4, '-').collect();
    for n in 0..3 {
        let problem = "must be 4 characters from 23456789cfghjmpqrvwx";
        let group = groups.get(n).copied().unwrap_or("");
        if group.len() != 4 || !group.chars().all(|ch| GHSA_ALPHABET.contains(ch)) {
            return Err(invalid(Scheme::Ghsa, Part::Group(n as u8 + 1), group, problem));
        }
    }
    if let Some(rest) = groups.get(3) {
        return Err(invalid(
            Scheme::Ghsa,
            Part::Group(3),
            &format!("{}-{rest}", groups[2]),
            "is followed by more text",
        ));
    }
    Ok(GhsaId(format!("GHSA-{lower}").into_boxed_str()))
}

fn parse_osv(text: &str) -> Result<OsvId, IdError> {
    let Some(prefix) = OSV_PREFIXES.iter().copied().find(|prefix| {
        let with_dash = if *prefix == "x_" { 0 } else { 1 };
        has_prefix(text, prefix) && (with_dash == 0 || text.as_bytes().get(prefix.len()) == Some(&b'-'))
    }) else {
        let head = text.split('-').next().unwrap_or(text);
        let head = if head.len() > 40 { &head[..40] } else { head };
        return Err(IdError::UnknownScheme { prefix: head.to_owned() });
    };
    let scheme = Scheme::Osv(prefix);
    match prefix {
        "CVE" => parse_cve(text).map(|id| OsvId(id.0)),
        "GHSA" => parse_ghsa(text).map(|id| OsvId(id.0)),
        "PYSEC" => {
            year_number_id(scheme, text, "PYSEC-", 1980, (1, 19), Zeros::Never, "must be 1 to 19 digits").map(OsvId)
        }
        "GO" => year_number_id(scheme, text, "GO-", 1980, (4, 19), Zeros::OnlyAtMinimum, "must be 4 to 19 digits")
            .map(OsvId),
        "RUSTSEC" => year_number_id(scheme, text, "RUSTSEC-", 1980, (4, 4), Zeros::Allowed, "must be exactly 4 digits")
            .map(OsvId),
        _ => {
            let entry = &text[prefix.len() + usize::from(prefix != "x_")..];
            let allowed = |ch: char| ch.is_ascii_alphanumeric() || matches!(ch, '.' | '_' | ':' | '-');
            if entry.is_empty()
                || !entry.starts_with(|ch: char| ch.is_ascii_alphanumeric())
                || !entry.chars().all(allowed)
            {
                let problem = "must start with a letter or digit and hold only letters, digits and . _ : -";
                return Err(invalid(scheme, Part::Entry, entry, problem));
            }
            let separator = if prefix == "x_" { "" } else { "-" };
            Ok(OsvId(format!("{prefix}{separator}{entry}").into_boxed_str()))
        }
    }
}

fn parse_cnvd(text: &str) -> Result<CnvdId, IdError> {
    let problem = "must be 4 to 9 digits";
    let prefix = if has_prefix(text, "CNVD-C-") { "CNVD-C-" } else { "CNVD-" };
    year_number_id(Scheme::Cnvd, text, prefix, 1980, (4, 9), Zeros::Allowed, problem).map(CnvdId)
}

fn parse_cnnvd(text: &str) -> Result<CnnvdId, IdError> {
    let scheme = Scheme::Cnnvd;
    let (date, number) = year_and_number(scheme, strip(scheme, text, "CNNVD-")?)?;
    if date.len() != 6 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(scheme, Part::Year, date, "must be six digits, the year and month (YYYYMM)"));
    }
    check_year(scheme, &date[..4], 1980, "must be four digits, 1980 or later")?;
    if !matches!(date[4..].parse::<u8>(), Ok(1..=12)) {
        return Err(invalid(scheme, Part::Month, &date[4..], "must be 01 to 12"));
    }
    check_number(scheme, number, (3, 9), Zeros::OnlyAtMinimum, "must be 3 to 9 digits")?;
    Ok(CnnvdId(format!("CNNVD-{date}-{number}").into_boxed_str()))
}

fn parse_nvdb(text: &str) -> Result<NvdbId, IdError> {
    let problem = "must be 4 to 9 digits";
    year_number_id(Scheme::Nvdb, text, "NVDB-", 1980, (4, 9), Zeros::Allowed, problem).map(NvdbId)
}

/// Compares two ASCII texts with runs of digits compared as numbers, then,
/// if they still tie (`0001` against `1`), as plain text, so that the order
/// agrees with equality.
fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    while let (Some(&p), Some(&q)) = (x.first(), y.first()) {
        let order = if p.is_ascii_digit() && q.is_ascii_digit() {
            let run_x = x.iter().take_while(|b| b.is_ascii_digit()).count();
            let run_y = y.iter().take_while(|b| b.is_ascii_digit()).count();
            let (digits_x, digits_y) = (trim_zeros(&x[..run_x]), trim_zeros(&y[..run_y]));
            let order = digits_x.len().cmp(&digits_y.len()).then_with(|| digits_x.cmp(digits_y));
            (x, y) = (&x[run_x..], &y[run_y..]);
            order
        } else {
            (x, y) = (&x[1..], &y[1..]);
            p.cmp(&q)
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    x.len().cmp(&y.len()).then_with(|| a.cmp(b))
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let zeros = digits.iter().take_while(|&&b| b == b'0').count();
    &digits[zeros..]
}
