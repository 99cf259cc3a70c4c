//! Version orders per ecosystem and OSV-style range evaluation for vulndesk's matching engine.
//!
//! Versions are parsed into comparable keys once, at import, with [`parse`]; queries never
//! re-parse. Each [`Version`] keeps the text it was parsed from (for display) next to a key
//! whose `Ord`, `Eq` and `Hash` follow the ordering rules of the version's ecosystem, so keys
//! can go straight into sorted indexes and hash maps.
//!
//! On top of the keys sit two range forms:
//!
//! - [`Range`], built from the events of an OSV `affected[].ranges[]` entry (and the explicit
//!   `versions` list), evaluated with the algorithm from the OSV schema.
//! - [`Vers`], a parsed `vers:<scheme>/<constraints>` string from the package-url `vers`
//!   specification, evaluated with the algorithm from that specification.
//!
//! On top of the ranges sits the matching engine:
//!
//! - [`osv`] loads OSV records (osv.dev's `all.zip`, directories, single files) into
//!   normalised [`osv::Advisory`] values with a [`LoadReport`], upserting by `modified`.
//! - [`Index`] maps `(ecosystem, normalised name)` to the advisories naming the package and
//!   answers forward queries (package version to advisories) and reverse ones (advisory to
//!   packages and ranges).
//! - [`scan_sbom`] matches an imported SBOM and [`findings_json`] and [`findings_table`]
//!   render the findings.

mod ecosystem;
mod index;
pub mod osv;
mod range;
mod scan;
mod vers;
pub mod version;

pub use ecosystem::Ecosystem;
pub use index::{Coverage, Hit, Index, QueryError, purl_package};
pub use osv::{LoadError, LoadReport, Progress, load_paths};
pub use range::{Event, OsvRangeKind, Range, RangeError};
pub use scan::{Finding, ScanReport, Unscanned, findings_json, findings_table, scan_sbom, scan_sbom_report};
pub use vers::{Comparator, Constraint, Vers, VersError};
pub use version::{Version, VersionError, parse};
