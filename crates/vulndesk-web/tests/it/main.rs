//! The web crate's integration tests: the real router, in-process, on a fresh database of the
//! backend under test (`VULNDESK_TEST_DATABASE`), with a fixed clock. One binary, one module per
//! area.

mod access_matrix;
mod api;
mod authority;
mod cases;
mod catalogue;
mod harness;
mod intake;
mod mail;
mod metrics;
mod mfa;
mod operators;
mod pages;
mod publication;
mod rewards;
mod sharing;
