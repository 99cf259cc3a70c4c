//! CSAF 2.0: writing an [`crate::advisory::AdvisoryDoc`] in the `csaf_security_advisory` and `csaf_vex` profiles, reading CSAF back, and vulndesk's own mandatory checks.
//!
//! - [`model`] is a serde model of the whole CSAF 2.0 schema; every OASIS example survives a
//!   round trip through it unchanged.
//! - [`write`] renders an advisory in one of the two profiles (see there for what is derived
//!   rather than copied: TLP labels, remediations and impact statements VEX requires).
//! - [`read`] turns a CSAF document back into an [`AdvisoryDoc`](crate::advisory::AdvisoryDoc),
//!   keeping what vulndesk models; malformed input is a [`CsafError`] with its place.
//! - [`check`] runs vulndesk's implementation of the CSAF 2.0 mandatory tests (section 6.1) on
//!   any JSON value, valid or not, and lists the failures.
//!
//! Schema validation is not done here: tests validate the written documents against the OASIS
//! schema, and tests/referee/csaf runs the BSI `csaf-validator-lib` on them.

mod check;
pub mod model;
mod read;
mod write;
pub(crate) use write::CVSS_V4_NOTE_TITLE;

pub use check::{CheckFailure, IMPLEMENTED_TESTS, check};
pub use read::{CsafError, read};
pub use write::{to_document, write};
