//! Identifiers of stored objects. Each is a UUID (version 7 when minted by vulndesk, so they sort
//! by creation time) wrapped in its own type, so an organisation's id can never be passed where a
//! user's is expected.

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps an existing UUID.
            pub const fn from_uuid(u: Uuid) -> Self {
                Self(u)
            }

            /// Builds a version 7 id from a timestamp and caller-supplied random bytes.
            pub fn mint(now: crate::Timestamp, random: [u8; 10]) -> Self {
                let millis = u64::try_from(now.as_micros().div_euclid(1000)).unwrap_or(0);
                Self(uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid())
            }

            /// The UUID inside.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// A person's account.
    UserId
);
id_type!(
    /// An organisation.
    OrgId
);
id_type!(
    /// An API token.
    TokenId
);
id_type!(
    /// An intake program.
    ProgramId
);
id_type!(
    /// A report as submitted.
    ReportId
);
id_type!(
    /// A message on a report's thread.
    MessageId
);
id_type!(
    /// A file attached to a report or message.
    AttachmentId
);
id_type!(
    /// A message waiting in (or sent from) the outbox.
    OutboxId
);
id_type!(
    /// A case: a vulnerability under management.
    CaseId
);
id_type!(
    /// A verification record.
    VerificationId
);
id_type!(
    /// A comment on a case.
    CommentId
);
id_type!(
    /// A vendor in the product catalogue.
    VendorId
);
id_type!(
    /// A product in the catalogue.
    ProductId
);
id_type!(
    /// One version (of one model) of a product.
    ProductVersionId
);
id_type!(
    /// An upstream supplier of components or products.
    SupplierId
);
id_type!(
    /// A customer who runs the organisation's products.
    CustomerId
);
id_type!(
    /// A customer running a product version.
    DeploymentId
);
id_type!(
    /// A component a case names as affected (package URL and version range).
    CaseComponentId
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Timestamp;

    #[test]
    fn minted_ids_sort_by_time_and_round_trip_as_text() {
        let a = UserId::mint(Timestamp::from_micros(1_000_000), [9; 10]);
        let b = UserId::mint(Timestamp::from_micros(2_000_000), [0; 10]);
        assert!(a < b);
        assert_eq!(a.to_string().parse::<UserId>().ok(), Some(a));
        assert_eq!(a.as_uuid().get_version_num(), 7);
        assert!("not-a-uuid".parse::<OrgId>().is_err());
    }
}
