//! The CWE catalogue (Common Weakness Enumeration), shipped as data.
//!
//! The catalogue is CWE 4.14 (2024-02-29): every weakness, category and view,
//! with its name, abstraction, status, parents in the Research Concepts view
//! (CWE-1000) and categories in the Software Development view (CWE-699). It is
//! compiled in from `data/cwe-4.14.tsv`, which `tests/referee/gen_cwe_data.py`
//! generated once from MITRE's XML as shipped in the PyPI package
//! `cwe2==3.0.0`; the file's header names the source and carries MITRE's
//! copyright designation and licence (the CWE Terms of Use), as they require.
//!
//! [`get`] looks an entry up by number, [`search`] finds entries by id or by
//! words of their name, and [`CweId`] parses the ways people write an id.

use std::fmt;
use std::sync::LazyLock;

mod id;
mod search;

pub use id::{CweId, CweIdError};
pub use search::search;

/// The CWE version of the catalogue.
pub const VERSION: &str = "4.14";

/// The catalogue's release date.
pub const RELEASE_DATE: &str = "2024-02-29";

/// The catalogue file, compiled in.
const DATA: &str = include_str!("../../data/cwe-4.14.tsv");

/// What kind of entry a CWE id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CweKind {
    /// A weakness: the kind of id that belongs on a vulnerability.
    Weakness,
    /// A category: a grouping of weaknesses (older data often uses these, for
    /// example CWE-264).
    Category,
    /// A view: a perspective on the catalogue (CWE-1000, CWE-699, …).
    View,
}

impl CweKind {
    /// The name used in the data file: `"weakness"`, `"category"` or `"view"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Weakness => "weakness",
            Self::Category => "category",
            Self::View => "view",
        }
    }
}

/// How abstract a weakness is, from the most abstract (Pillar) to the most
/// specific (Variant); a Compound combines several weaknesses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Abstraction {
    /// The most abstract weaknesses, the roots of the Research Concepts view.
    Pillar,
    /// A weakness described independently of language or technology.
    Class,
    /// A weakness specific enough to point at detection and prevention.
    Base,
    /// A weakness tied to a language or technology.
    Variant,
    /// A chain or composite of weaknesses.
    Compound,
}

impl Abstraction {
    /// MITRE's name: `"Pillar"`, `"Class"`, `"Base"`, `"Variant"` or
    /// `"Compound"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Pillar => "Pillar",
            Self::Class => "Class",
            Self::Base => "Base",
            Self::Variant => "Variant",
            Self::Compound => "Compound",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "Pillar" => Self::Pillar,
            "Class" => Self::Class,
            "Base" => Self::Base,
            "Variant" => Self::Variant,
            "Compound" => Self::Compound,
            _ => return None,
        })
    }
}

/// The maturity of an entry's description; Deprecated and Obsolete entries
/// should not be assigned to new vulnerabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Complete and reviewed.
    Stable,
    /// Complete enough to use (views only).
    Usable,
    /// Most fields filled in, still under review.
    Draft,
    /// Important fields still missing.
    Incomplete,
    /// Kept for history; a newer entry replaces it.
    Obsolete,
    /// Withdrawn (a duplicate or a mistake); its name starts "DEPRECATED:".
    Deprecated,
}

impl Status {
    /// MITRE's name, for example `"Stable"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Stable => "Stable",
            Self::Usable => "Usable",
            Self::Draft => "Draft",
            Self::Incomplete => "Incomplete",
            Self::Obsolete => "Obsolete",
            Self::Deprecated => "Deprecated",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "Stable" => Self::Stable,
            "Usable" => Self::Usable,
            "Draft" => Self::Draft,
            "Incomplete" => Self::Incomplete,
            "Obsolete" => Self::Obsolete,
            "Deprecated" => Self::Deprecated,
            _ => return None,
        })
    }
}

/// One entry of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Cwe {
    /// The number (79 for CWE-79).
    pub id: u32,
    /// Weakness, category or view.
    pub kind: CweKind,
    /// MITRE's name, for example "Out-of-bounds Write".
    pub name: &'static str,
    /// The abstraction of a weakness; `None` for categories and views.
    pub abstraction: Option<Abstraction>,
    /// The status of the entry.
    pub status: Status,
    /// A weakness's parents (`ChildOf`) in the Research Concepts view, the
    /// primary parent first.
    pub parents: Box<[u32]>,
    /// The Software Development view's categories listing a weakness.
    pub categories: Box<[u32]>,
}

impl Cwe {
    /// The id in its usual form, for example `CWE-79`.
    pub fn cwe_id(&self) -> CweId {
        CweId(self.id)
    }

    /// Whether the entry is Deprecated or Obsolete, so should not be assigned.
    pub fn is_retired(&self) -> bool {
        matches!(self.status, Status::Deprecated | Status::Obsolete)
    }

    /// The entry's page on MITRE's site (weaknesses, categories and views
    /// share one address scheme).
    pub fn url(&self) -> String {
        format!("https://cwe.mitre.org/data/definitions/{}.html", self.id)
    }
}

impl fmt::Display for Cwe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CWE-{}: {}", self.id, self.name)
    }
}

/// The loaded catalogue: the entries sorted by id, and their names in lower
/// case for searching.
struct Catalogue {
    entries: Vec<Cwe>,
    lower_names: Vec<String>,
}

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| {
    // The file is compiled in and checked by tests/cwe_catalogue.rs, so a
    // failure here is a build defect, not an input error.
    let entries = parse_catalogue(DATA).expect("data/cwe-4.14.tsv is well-formed (tests/cwe_catalogue.rs checks it)");
    let lower_names = entries.iter().map(|cwe| cwe.name.to_lowercase()).collect();
    Catalogue { entries, lower_names }
});

/// Every entry, sorted by id.
pub fn all() -> &'static [Cwe] {
    &CATALOGUE.entries
}

/// The entry with this number, if the catalogue has one.
pub fn get(id: u32) -> Option<&'static Cwe> {
    let entries = &CATALOGUE.entries;
    entries.binary_search_by_key(&id, |cwe| cwe.id).ok().map(|index| &entries[index])
}

/// The entries and their lower-case names, for the search.
fn entries_with_lower_names() -> impl Iterator<Item = (&'static Cwe, &'static str)> {
    CATALOGUE.entries.iter().zip(CATALOGUE.lower_names.iter().map(String::as_str))
}

/// Parses the catalogue file: comment lines start with `#`; every other line
/// holds the seven tab-separated columns the file's header describes.
fn parse_catalogue(data: &'static str) -> Result<Vec<Cwe>, String> {
    let mut entries = Vec::new();
    for (index, line) in data.lines().enumerate() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let at = |what: &str| format!("line {}: {what}", index + 1);
        let columns: Vec<&'static str> = line.split('\t').collect();
        let [id, kind, abstraction, status, parents, categories, name] = columns[..] else {
            return Err(at("expected 7 tab-separated columns"));
        };
        let id = id.parse::<u32>().map_err(|_| at("the id is not a number"))?;
        let kind = match kind {
            "weakness" => CweKind::Weakness,
            "category" => CweKind::Category,
            "view" => CweKind::View,
            _ => return Err(at("unknown kind")),
        };
        let abstraction = match abstraction {
            "-" => None,
            other => Some(Abstraction::from_name(other).ok_or_else(|| at("unknown abstraction"))?),
        };
        let status = Status::from_name(status).ok_or_else(|| at("unknown status"))?;
        let parents = id_list(parents).ok_or_else(|| at("a parent id is not a number"))?;
        let categories = id_list(categories).ok_or_else(|| at("a category id is not a number"))?;
        if id == 0 {
            return Err(at("id 0 is not a CWE id"));
        }
        if entries.last().is_some_and(|last: &Cwe| last.id >= id) {
            return Err(at("ids are not in increasing order"));
        }
        entries.push(Cwe { id, kind, name, abstraction, status, parents, categories });
    }
    Ok(entries)
}

/// Parses a comma-separated list of ids, or `-` for none.
fn id_list(text: &str) -> Option<Box<[u32]>> {
    if text == "-" {
        return Some(Box::new([]));
    }
    text.split(',').map(|id| id.parse::<u32>().ok()).collect()
}
