//! vulndesk's exchange formats.
//!
//! Today this crate holds the CVSS part of vulndesk: parsing CVSS v3.0, v3.1
//! and v4.0 vector strings with precise errors, computing every score FIRST
//! defines for them, mapping a score to the grades of the Chinese
//! vulnerability databases, and the JSON line written by
//! `vulndesk cvss score`. See [`cvss`] for what comes from RustSec's `cvss`
//! crate and what is vulndesk's own.
//!
//! The crate does no IO: callers read and write.

pub mod advisory;
pub mod csaf;
pub mod csaf_provider;
pub mod cve5;
pub mod cvss;
pub mod cwe;
pub mod gbt30279;
pub mod ident;
pub mod openpgp;
pub mod osv_out;
pub mod pdf;
pub mod purl;
pub mod sbom;
pub mod securitytxt;
pub mod vex;

pub use cvss::{CnGrade, CvssError, CvssScores, CvssVector, CvssVersion, Severity, parse, score_line};
