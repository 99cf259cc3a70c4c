//! vulndesk's domain: the nouns, the rules and the decisions, with no IO.
//!
//! Nothing here reads the clock, the network, the disk or the environment: time comes in as a
//! [`Timestamp`] argument, randomness as bytes chosen by the caller. Nothing here is `Serialize`:
//! the web crate and the store convert to and from their own wire and row shapes.

/// Declares an enum of named values: `ALL` in order, `as_str`, `parse` and `Display` on the
/// stable names used in storage, the API and forms.
#[macro_export]
#[doc(hidden)]
macro_rules! named_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stable name used in storage, the API and forms.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }

            /// The value named `s`, if any.
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod access;
pub mod audit;
pub mod authority;
pub mod case;
pub mod chain;
pub mod deadline;
pub mod gate;
pub mod id;
pub mod intake;
pub mod locale;
pub mod name;
pub mod org;
pub mod reward;
pub mod sla;
pub mod time;
pub mod user;

pub use access::{Action, Actor, Decision, Denied, Membership, authorize};
pub use audit::{AuditContext, AuditEvent, NewAuditEvent};
pub use id::{
    AttachmentId, CaseComponentId, CaseId, CommentId, CustomerId, DeploymentId, MessageId, OrgId, OutboxId, ProductId,
    ProductVersionId, ProgramId, ReportId, SupplierId, TokenId, UserId, VendorId, VerificationId,
};
pub use locale::Locale;
pub use name::{NameError, Slug, Username};
pub use org::{OrgKind, Organisation, PersonRole};
pub use time::{Clock, Timestamp};
pub use user::User;
