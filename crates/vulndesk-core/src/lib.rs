//! vulndesk's domain: the nouns, the rules and the decisions, with no IO.
//!
//! Nothing here reads the clock, the network, the disk or the environment: time comes in as a
//! [`Timestamp`] argument, randomness as bytes chosen by the caller. Nothing here is `Serialize`:
//! the web crate and the store convert to and from their own wire and row shapes.

pub mod access;
pub mod audit;
pub mod case;
pub mod chain;
pub mod deadline;
pub mod id;
pub mod intake;
pub mod locale;
pub mod name;
pub mod org;
pub mod time;
pub mod user;

pub use access::{Action, Actor, Decision, Denied, Membership, authorize};
pub use audit::{AuditContext, AuditEvent, NewAuditEvent};
pub use id::{
    AttachmentId, CaseId, CommentId, MessageId, OrgId, OutboxId, ProgramId, ReportId, TokenId, UserId, VerificationId,
};
pub use locale::Locale;
pub use name::{NameError, Slug, Username};
pub use org::{OrgKind, Organisation, PersonRole};
pub use time::{Clock, Timestamp};
pub use user::User;
