//! Organisations, the parts they play under the regulation, and the roles people hold in them.

use std::fmt;

use crate::{OrgId, Slug, Timestamp};

/// A part an organisation plays (design.md §1). An organisation may play several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OrgKind {
    /// Makes network products and runs a PSIRT (Art. 7).
    Provider,
    /// Runs networks and systems and tracks flaws in what it runs (Art. 8).
    Operator,
    /// Hosts intake programs for many vendors' products (Art. 10, 11).
    CollectionPlatform,
    /// The authority side: receives providers' reports and relays them to agencies (Art. 3, 7(2)).
    SharingPlatform,
}

impl OrgKind {
    /// Every kind, in display order.
    pub const ALL: [Self; 4] = [Self::Provider, Self::Operator, Self::CollectionPlatform, Self::SharingPlatform];

    /// The stable name used in storage, the API and forms.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Provider => "provider",
            Self::Operator => "operator",
            Self::CollectionPlatform => "collection_platform",
            Self::SharingPlatform => "sharing_platform",
        }
    }

    /// The kind named `s`, if any.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for OrgKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a person does within one organisation. A person may hold several roles in one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PersonRole {
    /// Manages the organisation: members, settings, tokens.
    Admin,
    /// Leads the PSIRT: owns cases end to end, decides, reports to the authority.
    Coordinator,
    /// Reads incoming reports, acknowledges, promotes them to cases, scores them.
    Triager,
    /// Owns a product; reproduces and fixes.
    Engineer,
    /// Drafts and publishes advisories through the publication gate.
    Publisher,
    /// Reads everything in the organisation, changes nothing.
    Auditor,
}

impl PersonRole {
    /// Every role, in display order.
    pub const ALL: [Self; 6] =
        [Self::Admin, Self::Coordinator, Self::Triager, Self::Engineer, Self::Publisher, Self::Auditor];

    /// The stable name used in storage, the API and forms.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Coordinator => "coordinator",
            Self::Triager => "triager",
            Self::Engineer => "engineer",
            Self::Publisher => "publisher",
            Self::Auditor => "auditor",
        }
    }

    /// The role named `s`, if any.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for PersonRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An organisation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    /// Its id.
    pub id: OrgId,
    /// Its URL name.
    pub slug: Slug,
    /// Its display name.
    pub name: String,
    /// The parts it plays; never empty.
    pub kinds: Vec<OrgKind>,
    /// When it was created.
    pub created_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in OrgKind::ALL {
            assert_eq!(OrgKind::parse(k.as_str()), Some(k));
        }
        for r in PersonRole::ALL {
            assert_eq!(PersonRole::parse(r.as_str()), Some(r));
        }
        assert_eq!(OrgKind::parse("vendor"), None);
        assert_eq!(PersonRole::parse("root"), None);
    }
}
