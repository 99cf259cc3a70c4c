//! Cases storage conformance, on SQLite and PostgreSQL: numbering, promotion of reports, the
//! assessment (with `aware_at` changes audited), verification records, transitions with their
//! history and the stale-state check, comments and aliases.

use vulndesk_core::case::{CaseEvent, CaseFacts, CaseState, Verification, transition};
use vulndesk_core::{AuditContext, CaseId, CommentId, OrgId, OrgKind, Slug, Timestamp, VerificationId};
use vulndesk_store::cases::{Assessment, Comment, NewCase};
use vulndesk_store::testing::TestDb;
use vulndesk_store::{NewOrganisation, StoreError};

const T0: i64 = 1_795_000_000_000_000;

fn ctx(step: i64) -> AuditContext {
    AuditContext::system(Timestamp::from_micros(T0 + step * 1_000_000))
}

#[tokio::test]
async fn a_case_from_open_to_closed() {
    let db = TestDb::new().await;
    let s = &db.store;
    let org = NewOrganisation {
        id: OrgId::mint(Timestamp::from_micros(T0), rand::random()),
        slug: Slug::parse("demo-networks").expect("slug"),
        name: "Demo".into(),
        kinds: vec![OrgKind::Provider],
    };
    let org = s.create_org(&org, &ctx(0)).await.expect("org").id;
    let new = |title: &str| NewCase {
        id: CaseId::mint(Timestamp::from_micros(T0), rand::random()),
        org,
        title: title.into(),
        aware_at: Timestamp::from_micros(T0),
        reports: vec![],
    };
    let c = s.create_case(&new("DHCP overflow"), &ctx(1)).await.expect("case");
    let d = s.create_case(&new("Duplicate"), &ctx(2)).await.expect("case");
    assert_eq!((c.number.as_str(), d.number.as_str()), ("VD-2026-0001", "VD-2026-0002"));
    assert_eq!(c.state, CaseState::Received);
    assert_eq!(s.case_by_number(org, "VD-2026-0002").await.expect("read").map(|x| x.id), Some(d.id));

    let a = Assessment {
        aware_at: Some(Timestamp::from_micros(T0 - 3_600_000_000)),
        cvss_vector: "CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N".into(),
        cvss_score: "8.7".into(),
        grade: "high".into(),
        cwe: "CWE-122".into(),
        scope_of_impact: "AX3000, AX3000-Pro firmware 2.0.0–2.1.4".into(),
        upstream: true,
        upstream_supplier: "dnsmasq".into(),
        ..Assessment::default()
    };
    s.set_assessment(&c, &a, &ctx(3)).await.expect("assess");
    let c = s.case(c.id).await.expect("read").expect("exists");
    assert_eq!((c.cvss_score.as_str(), c.upstream, c.aware_at.as_micros()), ("8.7", true, T0 - 3_600_000_000));
    let audit = s.audit_list(Some(&org.to_string()), None, 3).await.expect("audit");
    assert_eq!(audit[0].event.action, "case.aware_at_changed");

    let v = Verification {
        id: VerificationId::mint(Timestamp::from_micros(T0), rand::random()),
        verified_by: "zhao.min".into(),
        verified_at: Timestamp::from_micros(T0 + 7_200_000_000),
        environment: "AX3000 firmware 2.1.4 and 2.1.3, lab LAN".into(),
        method: "dhcp_poc.py".into(),
        result: "reboot; PC control plausible".into(),
        reproduced: true,
    };
    s.add_verification(&c, &v, &ctx(4)).await.expect("verify");
    assert_eq!(s.verifications_of(c.id).await.expect("read"), [v]);

    let facts = CaseFacts { verified: true, severity_assessed: true, scope_of_impact: true, ..CaseFacts::default() };
    let t = transition(c.state, CaseEvent::Confirm, &facts, Timestamp::from_micros(T0 + 10)).expect("allowed");
    s.apply_transition(&c, &t, "", None, &ctx(5)).await.expect("apply");
    // The same decision made from the old state again is refused: someone already moved the case.
    let stale = s.apply_transition(&c, &t, "", None, &ctx(6)).await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    let c = s.case(c.id).await.expect("read").expect("exists");
    assert_eq!(c.state, CaseState::Confirmed);
    let history = s.transitions_of(c.id).await.expect("history");
    assert_eq!((history.len(), history[0].event.as_str(), history[0].to.as_str()), (1, "confirm", "confirmed"));

    let dup = transition(
        d.state,
        CaseEvent::MarkDuplicate,
        &CaseFacts { reason_given: true, ..CaseFacts::default() },
        Timestamp::from_micros(T0),
    )
    .expect("allowed");
    s.apply_transition(&d, &dup, "same flaw", Some(c.id), &ctx(7)).await.expect("apply");
    let d = s.case(d.id).await.expect("read").expect("exists");
    assert_eq!((d.state, d.duplicate_of, d.state_reason.as_str()), (CaseState::Duplicate, Some(c.id), "same flaw"));
    assert_eq!(s.cases_of(org, true).await.expect("open").len(), 1);
    assert_eq!(s.cases_of(org, false).await.expect("all").len(), 2);

    let comment = Comment {
        id: CommentId::mint(Timestamp::from_micros(T0), rand::random()),
        author: "system".into(),
        shared: true,
        body: "Fixed in 2.1.5".into(),
        created_at: Timestamp::from_micros(T0 + 20),
    };
    s.add_comment(&c, &comment, &ctx(8)).await.expect("comment");
    assert_eq!(s.comments_of(c.id).await.expect("read"), [comment]);
    s.set_aliases(&c, &["CVE-2026-12345".into(), "CNVD-2026-00042".into()], &ctx(9)).await.expect("aliases");
    assert_eq!(s.aliases_of(c.id).await.expect("read"), ["CNVD-2026-00042", "CVE-2026-12345"]);
    match s.audit_verify().await.expect("verify") {
        vulndesk_store::ChainReport::Ok { .. } => {}
        broken => panic!("{broken:?}"),
    }
}

/// Case numbers are per organisation. A database made before that (0003–0009 made the number
/// unique across the deployment) keeps every case, its reports and its history when migrated,
/// and a second organisation then opens its own VD-…-0001.
#[tokio::test]
async fn case_numbers_are_per_organisation_and_the_upgrade_keeps_every_case() {
    let db = TestDb::empty_on(vulndesk_store::testing::backend_under_test()).await;
    let s = &db.store;
    s.migrate_until(9).await.expect("the older schema");
    let org = |slug: &str| NewOrganisation {
        id: OrgId::mint(Timestamp::from_micros(T0), rand::random()),
        slug: Slug::parse(slug).expect("slug"),
        name: slug.into(),
        kinds: vec![OrgKind::Provider],
    };
    let a = s.create_org(&org("demo-networks"), &ctx(0)).await.expect("org").id;
    let b = s.create_org(&org("safeharbor"), &ctx(0)).await.expect("org").id;
    let new = |org: OrgId| NewCase {
        id: CaseId::mint(Timestamp::from_micros(T0), rand::random()),
        org,
        title: "DHCP overflow".into(),
        aware_at: Timestamp::from_micros(T0),
        reports: vec![],
    };
    let first = s.create_case(&new(a), &ctx(1)).await.expect("case");
    let c = s.case(first.id).await.expect("read").expect("case");
    let t = transition(c.state, CaseEvent::StartTriage, &CaseFacts::default(), Timestamp::from_micros(T0 + 10))
        .expect("allowed");
    s.apply_transition(&c, &t, "", None, &ctx(2)).await.expect("transition");
    // The old schema refuses the second organisation's first case: the defect being fixed.
    assert!(s.create_case(&new(b), &ctx(3)).await.is_err());

    s.migrate().await.expect("the upgrade");
    let kept = s.case_by_number(a, "VD-2026-0001").await.expect("read").expect("kept");
    assert_eq!((kept.id, kept.state), (first.id, CaseState::Triage));
    assert_eq!(s.transitions_of(first.id).await.expect("history").len(), 1);
    let other = s.create_case(&new(b), &ctx(4)).await.expect("the second organisation's first case");
    assert_eq!(other.number, "VD-2026-0001");
    // Within one organisation the number stays unique.
    let again = s.create_case(&new(a), &ctx(5)).await.expect("case");
    assert_eq!(again.number, "VD-2026-0002");
}
