//! A table of (actor, action, expected decision) rows covering every action.

use super::*;
use crate::Timestamp;

fn org(n: u8) -> OrgId {
    OrgId::mint(Timestamp::from_micros(i64::from(n)), [n; 10])
}

fn user(n: u8) -> UserId {
    UserId::mint(Timestamp::from_micros(i64::from(n)), [n; 10])
}

fn person(n: u8, roles: &[(OrgId, PersonRole)]) -> Actor {
    Actor::Person {
        user: user(n),
        site_admin: false,
        memberships: roles.iter().map(|&(org, role)| Membership { org, role }).collect(),
    }
}

#[test]
fn decision_table() {
    let a = org(1);
    let b = org(2);
    let site_admin = Actor::Person { user: user(1), site_admin: true, memberships: vec![] };
    let a_admin = person(2, &[(a, PersonRole::Admin)]);
    let a_triager = person(3, &[(a, PersonRole::Triager)]);
    let a_auditor = person(4, &[(a, PersonRole::Auditor)]);
    let b_admin = person(5, &[(b, PersonRole::Admin)]);
    let nobody = person(6, &[]);
    let anon = Actor::Anonymous;

    use Action::*;
    let ok = Ok(());
    let cases: Vec<(&Actor, Action, Decision)> = vec![
        (&anon, ViewOrganisation(a), Err(Denied::NotSignedIn)),
        (&anon, CreateOrganisation, Err(Denied::NotSignedIn)),
        (&site_admin, CreateOrganisation, ok),
        (&a_admin, CreateOrganisation, Err(Denied::SiteAdminOnly)),
        (&site_admin, ManageUsers, ok),
        (&a_admin, ManageUsers, Err(Denied::SiteAdminOnly)),
        (&a_admin, ListUsers, Err(Denied::SiteAdminOnly)),
        (&site_admin, ViewOrganisation(b), ok),
        (&a_triager, ViewOrganisation(a), ok),
        (&a_triager, ViewOrganisation(b), Err(Denied::MissingRole(ANY_ROLE))),
        (&nobody, ViewOrganisation(a), Err(Denied::MissingRole(ANY_ROLE))),
        (&a_triager, ViewMembers(a), ok),
        (&a_admin, ManageMembers(a), ok),
        (&a_admin, ManageOrganisation(a), ok),
        (&a_triager, ManageMembers(a), Err(Denied::MissingRole(ADMIN))),
        (&a_auditor, ManageMembers(a), Err(Denied::MissingRole(ADMIN))),
        (&b_admin, ManageMembers(a), Err(Denied::MissingRole(ADMIN))),
        (&site_admin, ManageMembers(a), ok),
        (&site_admin, ViewAuditLog(None), ok),
        (&a_admin, ViewAuditLog(None), Err(Denied::SiteAdminOnly)),
        (&a_auditor, ViewAuditLog(Some(a)), ok),
        (&a_admin, ViewAuditLog(Some(a)), ok),
        (&a_triager, ViewAuditLog(Some(a)), Err(Denied::MissingRole(ADMIN_OR_AUDITOR))),
        (&a_auditor, ViewAuditLog(Some(b)), Err(Denied::MissingRole(ADMIN_OR_AUDITOR))),
        (&a_triager, CreateToken { user: user(3), org: Some(a) }, ok),
        (&a_triager, CreateToken { user: user(3), org: None }, ok),
        (&a_triager, CreateToken { user: user(3), org: Some(b) }, Err(Denied::MissingRole(ANY_ROLE))),
        (&a_triager, CreateToken { user: user(2), org: Some(a) }, Err(Denied::SiteAdminOnly)),
        (&a_admin, CreateToken { user: user(3), org: Some(a) }, Err(Denied::SiteAdminOnly)),
        (&site_admin, CreateToken { user: user(3), org: Some(b) }, ok),
        (&a_admin, ManagePrograms(a), ok),
        (&a_triager, ManagePrograms(a), Err(Denied::MissingRole(ADMIN_OR_COORDINATOR))),
        (&a_triager, ViewReports(a), ok),
        (&a_triager, TriageReports(a), ok),
        (&a_auditor, ViewReports(a), ok),
        (&a_auditor, TriageReports(a), Err(Denied::MissingRole(TRIAGERS))),
        (&a_admin, ViewReports(a), Err(Denied::MissingRole(REPORT_READERS))),
        (&b_admin, ViewReports(a), Err(Denied::MissingRole(REPORT_READERS))),
        (&site_admin, ViewReports(a), Err(Denied::MissingRole(REPORT_READERS))),
        (&a_auditor, ViewReceipts(a), ok),
        (&a_triager, ViewReceipts(a), Err(Denied::MissingRole(RECEIPT_READERS))),
        (&a_triager, ManageCases(a), ok),
        (&a_auditor, ViewCases(a), ok),
        (&a_auditor, ManageCases(a), Err(Denied::MissingRole(CASE_WORKERS))),
        (&a_auditor, ViewCatalogue(a), ok),
        (&b_admin, ViewCatalogue(a), Err(Denied::MissingRole(ANY_ROLE))),
        (&site_admin, ViewCatalogue(a), ok),
        (&a_admin, ManageCatalogue(a), ok),
        (&a_triager, ManageCatalogue(a), Err(Denied::MissingRole(CATALOGUE_KEEPERS))),
        (&a_auditor, ManageCatalogue(a), Err(Denied::MissingRole(CATALOGUE_KEEPERS))),
        (&site_admin, ImportAdvisories, ok),
        (&a_admin, ImportAdvisories, Err(Denied::SiteAdminOnly)),
        (&a_admin, ViewCases(a), Err(Denied::MissingRole(CASE_READERS))),
        (&site_admin, ViewCases(a), Err(Denied::MissingRole(CASE_READERS))),
        (&a_admin, ViewRewards(a), ok),
        (&a_auditor, ViewRewards(a), ok),
        (&b_admin, ViewRewards(a), Err(Denied::MissingRole(REWARD_READERS))),
        (&site_admin, ViewRewards(a), Err(Denied::MissingRole(REWARD_READERS))),
        (&a_triager, DecideRewards(a), ok),
        (&a_admin, DecideRewards(a), Err(Denied::MissingRole(TRIAGERS))),
        (&a_auditor, DecideRewards(a), Err(Denied::MissingRole(TRIAGERS))),
        (&a_admin, ApproveRewards(a), ok),
        (&a_triager, ApproveRewards(a), Err(Denied::MissingRole(ADMIN_OR_COORDINATOR))),
        (&site_admin, ApproveRewards(a), Err(Denied::MissingRole(ADMIN_OR_COORDINATOR))),
        (&a_admin, AcceptRisk(a), ok),
        (&a_triager, AcceptRisk(a), Err(Denied::MissingRole(ADMIN_OR_COORDINATOR))),
        (&b_admin, AcceptRisk(a), Err(Denied::MissingRole(ADMIN_OR_COORDINATOR))),
    ];
    for (actor, action, want) in cases {
        assert_eq!(authorize(actor, action), want, "{actor:?} {action:?}");
    }
}

#[test]
fn denial_messages_name_the_roles() {
    assert_eq!(
        Denied::MissingRole(ADMIN_OR_AUDITOR).to_string(),
        "needs one of these roles in the organisation: admin, auditor"
    );
}
