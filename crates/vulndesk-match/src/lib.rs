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

mod ecosystem;
mod range;
mod vers;
pub mod version;

pub use ecosystem::Ecosystem;
pub use range::{Event, OsvRangeKind, Range, RangeError};
pub use vers::{Comparator, Constraint, Vers, VersError};
pub use version::{Version, VersionError, parse};
