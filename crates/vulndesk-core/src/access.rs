//! The one decision "may this actor do this to this object", used by every page and API handler.
//!
//! The web crate builds an [`Actor`] for each request (from the session cookie or the API token),
//! names the [`Action`], and asks [`authorize`]. An API token scoped to one organisation and role is
//! turned into an actor holding only that membership, so scoping needs no special case here.

use crate::{OrgId, PersonRole, UserId};

/// A person's role in one organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    /// The organisation.
    pub org: OrgId,
    /// The role held there.
    pub role: PersonRole,
}

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// Nobody signed in: a reporter on a public page, a crawler, an attacker.
    Anonymous,
    /// A signed-in person, or a program holding one of their API tokens.
    Person {
        /// The account.
        user: UserId,
        /// Whether the account administers the deployment (and the credential is not narrowed).
        site_admin: bool,
        /// The roles the credential carries.
        memberships: Vec<Membership>,
    },
}

impl Actor {
    /// The account behind the actor, if any.
    pub fn user(&self) -> Option<UserId> {
        match self {
            Self::Anonymous => None,
            Self::Person { user, .. } => Some(*user),
        }
    }

    /// Whether the actor administers the deployment.
    pub fn is_site_admin(&self) -> bool {
        matches!(self, Self::Person { site_admin: true, .. })
    }

    /// Whether the actor holds `role` in `org`.
    pub fn has_role(&self, org: OrgId, role: PersonRole) -> bool {
        match self {
            Self::Anonymous => false,
            Self::Person { memberships, .. } => memberships.iter().any(|m| m.org == org && m.role == role),
        }
    }

    /// Whether the actor holds any role in `org`.
    pub fn is_member(&self, org: OrgId) -> bool {
        match self {
            Self::Anonymous => false,
            Self::Person { memberships, .. } => memberships.iter().any(|m| m.org == org),
        }
    }

    fn has_any(&self, org: OrgId, roles: &[PersonRole]) -> bool {
        roles.iter().any(|r| self.has_role(org, *r))
    }
}

/// What the actor wants to do, and to which object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Create a new organisation.
    CreateOrganisation,
    /// See an organisation's page and settings.
    ViewOrganisation(OrgId),
    /// Change an organisation's name or kinds.
    ManageOrganisation(OrgId),
    /// See who belongs to an organisation.
    ViewMembers(OrgId),
    /// Add or remove members and their roles.
    ManageMembers(OrgId),
    /// See the list of all accounts.
    ListUsers,
    /// Create, disable or reset accounts.
    ManageUsers,
    /// Read audit events: the whole deployment's (`None`) or one organisation's.
    ViewAuditLog(Option<OrgId>),
    /// Create, change or close the organisation's intake programs and its filing record.
    ManagePrograms(OrgId),
    /// Read the organisation's incoming reports (need-to-know: triage roles and auditors).
    ViewReports(OrgId),
    /// Acknowledge, question, reject or reply to incoming reports.
    TriageReports(OrgId),
    /// Read and export the receipt log (inspectors' view).
    ViewReceipts(OrgId),
    /// Read the organisation's cases (need-to-know: the PSIRT's roles and auditors).
    ViewCases(OrgId),
    /// Open, assess, verify and move cases.
    ManageCases(OrgId),
    /// Read the product catalogue: vendors, products, versions, components, suppliers, customers
    /// and deployments. Any member of the organisation (customer contacts included, since the
    /// catalogue is what they are notified about).
    ViewCatalogue(OrgId),
    /// Change the catalogue and import SBOMs: admins, coordinators and engineers.
    ManageCatalogue(OrgId),
    /// Import vulnerability data (OSV) shared by every organisation of the deployment.
    ImportAdvisories,
    /// Draft and review a case's advisory: the people who work cases, and publishers.
    EditAdvisories(OrgId),
    /// Publish an advisory through the publication gate: coordinators and publishers.
    PublishAdvisories(OrgId),
    /// Set blackout windows for every organisation (Art. 9(6)).
    ManageBlackouts,
    /// Accept the risk of a finding on an asset until a date: admins and coordinators.
    AcceptRisk(OrgId),
    /// Read the organisation's rewards and their ledger: admins, coordinators, triagers, auditors.
    ViewRewards(OrgId),
    /// Decide a reward for a report: the people who triage.
    DecideRewards(OrgId),
    /// Approve, pay or cancel rewards: admins and coordinators (four eyes above the table's threshold).
    ApproveRewards(OrgId),
    /// Issue an API token for `user`, scoped to `org` or (for `None`) carrying all their rights.
    CreateToken {
        /// The account the token acts for.
        user: UserId,
        /// The organisation it is limited to.
        org: Option<OrgId>,
    },
}

/// Why an action was refused. The web crate turns it into 401 or 403 and a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Denied {
    /// Only signed-in people may do this.
    #[error("sign in first")]
    NotSignedIn,
    /// Only the deployment's administrators may do this.
    #[error("only site administrators may do this")]
    SiteAdminOnly,
    /// The actor holds none of the roles that allow this in that organisation.
    #[error("needs one of these roles in the organisation: {}", roles_list(.0))]
    MissingRole(&'static [PersonRole]),
}

fn roles_list(roles: &[PersonRole]) -> String {
    roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
}

/// The outcome of [`authorize`].
pub type Decision = Result<(), Denied>;

const ANY_ROLE: &[PersonRole] = &PersonRole::ALL;
const ADMIN: &[PersonRole] = &[PersonRole::Admin];
const ADMIN_OR_AUDITOR: &[PersonRole] = &[PersonRole::Admin, PersonRole::Auditor];
const ADMIN_OR_COORDINATOR: &[PersonRole] = &[PersonRole::Admin, PersonRole::Coordinator];
/// Need-to-know on report contents: the people who triage, and auditors (read only). An
/// organisation's admin manages people and settings, not reports, unless also given a triage role.
const REPORT_READERS: &[PersonRole] = &[PersonRole::Coordinator, PersonRole::Triager, PersonRole::Auditor];
const TRIAGERS: &[PersonRole] = &[PersonRole::Coordinator, PersonRole::Triager];
const RECEIPT_READERS: &[PersonRole] = &[PersonRole::Admin, PersonRole::Coordinator, PersonRole::Auditor];
const CASE_READERS: &[PersonRole] =
    &[PersonRole::Coordinator, PersonRole::Triager, PersonRole::Engineer, PersonRole::Publisher, PersonRole::Auditor];
const CATALOGUE_KEEPERS: &[PersonRole] = &[PersonRole::Admin, PersonRole::Coordinator, PersonRole::Engineer];
const CASE_WORKERS: &[PersonRole] = &[PersonRole::Coordinator, PersonRole::Triager, PersonRole::Engineer];
const ADVISORY_EDITORS: &[PersonRole] =
    &[PersonRole::Coordinator, PersonRole::Triager, PersonRole::Engineer, PersonRole::Publisher];
const PUBLISHERS: &[PersonRole] = &[PersonRole::Coordinator, PersonRole::Publisher];
const REWARD_READERS: &[PersonRole] =
    &[PersonRole::Admin, PersonRole::Coordinator, PersonRole::Triager, PersonRole::Auditor];

/// Decides whether `actor` may perform `action`. Pure: the same inputs always give the same answer.
pub fn authorize(actor: &Actor, action: Action) -> Decision {
    if matches!(actor, Actor::Anonymous) {
        return Err(Denied::NotSignedIn);
    }
    let site_admin = actor.is_site_admin();
    let in_org = |org: OrgId, roles: &'static [PersonRole]| {
        if site_admin || actor.has_any(org, roles) { Ok(()) } else { Err(Denied::MissingRole(roles)) }
    };
    let members_only = |org: OrgId, roles: &'static [PersonRole]| {
        if actor.has_any(org, roles) { Ok(()) } else { Err(Denied::MissingRole(roles)) }
    };
    match action {
        Action::CreateOrganisation
        | Action::ListUsers
        | Action::ManageUsers
        | Action::ImportAdvisories
        | Action::ManageBlackouts => {
            if site_admin {
                Ok(())
            } else {
                Err(Denied::SiteAdminOnly)
            }
        }
        Action::ViewAuditLog(None) => {
            if site_admin {
                Ok(())
            } else {
                Err(Denied::SiteAdminOnly)
            }
        }
        Action::ViewOrganisation(org) | Action::ViewMembers(org) => in_org(org, ANY_ROLE),
        Action::ManageOrganisation(org) | Action::ManageMembers(org) => in_org(org, ADMIN),
        Action::ViewAuditLog(Some(org)) => in_org(org, ADMIN_OR_AUDITOR),
        Action::ManagePrograms(org) => in_org(org, ADMIN_OR_COORDINATOR),
        // Report contents are need-to-know: no site-administrator bypass.
        Action::ViewReports(org) => members_only(org, REPORT_READERS),
        Action::TriageReports(org) => members_only(org, TRIAGERS),
        Action::ViewReceipts(org) => in_org(org, RECEIPT_READERS),
        Action::ViewCases(org) => members_only(org, CASE_READERS),
        Action::ManageCases(org) => members_only(org, CASE_WORKERS),
        Action::ViewCatalogue(org) => in_org(org, ANY_ROLE),
        Action::ManageCatalogue(org) => in_org(org, CATALOGUE_KEEPERS),
        Action::EditAdvisories(org) => members_only(org, ADVISORY_EDITORS),
        Action::PublishAdvisories(org) => members_only(org, PUBLISHERS),
        // Rewards name reporters and amounts: members only, no site-administrator bypass.
        Action::ViewRewards(org) => members_only(org, REWARD_READERS),
        Action::DecideRewards(org) => members_only(org, TRIAGERS),
        Action::ApproveRewards(org) => members_only(org, ADMIN_OR_COORDINATOR),
        Action::AcceptRisk(org) => members_only(org, ADMIN_OR_COORDINATOR),
        Action::CreateToken { user, org } => {
            if site_admin {
                return Ok(());
            }
            if actor.user() != Some(user) {
                return Err(Denied::SiteAdminOnly);
            }
            match org {
                // A token carrying all of a person's rights is theirs to make.
                None => Ok(()),
                Some(org) => in_org(org, ANY_ROLE),
            }
        }
    }
}

#[cfg(test)]
mod tests;
