//! The deadline sweep on SQLite and PostgreSQL: reminders at 50 %, 75 % and overdue, each queued
//! once even when several instances sweep at the same moment.

use vulndesk_core::audit::AuditContext;
use vulndesk_core::{CaseId, OrgId, OrgKind, PersonRole, Slug, Timestamp, UserId, Username};
use vulndesk_store::cases::NewCase;
use vulndesk_store::testing::TestDb;
use vulndesk_store::{NewOrganisation, NewUser};

const H: i64 = 3_600_000_000;
const T0: i64 = 1_795_000_000_000_000;

fn at(hours: i64) -> Timestamp {
    Timestamp::from_micros(T0 + hours * H)
}

#[tokio::test]
async fn reminders_are_queued_once_at_each_threshold() {
    let db = TestDb::new().await;
    let s = &db.store;
    let ctx = AuditContext::system(at(0));
    let org = s
        .create_org(
            &NewOrganisation {
                id: OrgId::mint(at(0), rand::random()),
                slug: Slug::parse("demo-networks").expect("slug"),
                name: "Demo".into(),
                kinds: vec![OrgKind::Provider],
            },
            &ctx,
        )
        .await
        .expect("org");
    let lead = s
        .create_user(
            &NewUser {
                id: UserId::mint(at(0), rand::random()),
                username: Username::parse("chen.jing").expect("name"),
                display_name: "Chen Jing".into(),
                email: "chen.jing@demo.example".into(),
                password_hash: "x".into(),
                site_admin: false,
                locale: None,
            },
            &ctx,
        )
        .await
        .expect("user");
    s.add_membership(org.id, lead.id, PersonRole::Coordinator, &ctx).await.expect("member");
    let case = NewCase {
        id: CaseId::mint(at(0), rand::random()),
        org: org.id,
        title: "DHCP".into(),
        aware_at: at(0),
        reports: vec![],
    };
    s.create_case(&case, &ctx).await.expect("case");

    let sweep = |h| vulndesk_jobs::deadline_sweep(s, at(h));
    assert_eq!(sweep(1).await.expect("sweep").notices, 0, "nothing due yet");
    let r = sweep(25).await.expect("sweep");
    assert_eq!((r.cases, r.notices, r.mails), (1, 1, 1), "the authority report is half-way");
    assert_eq!(sweep(26).await.expect("sweep").notices, 0, "not twice");
    // Two instances sweeping at the same moment: each reminder is recorded once.
    let (a, b) = tokio::join!(sweep(49), sweep(49));
    let (a, b) = (a.expect("sweep a"), b.expect("sweep b"));
    assert_eq!(a.notices + b.notices, 2, "75 % and overdue, once each: {a:?} {b:?}");
    let outbox = s.outbox_of(org.id, 50).await.expect("outbox");
    assert_eq!(outbox.len(), 3);
    assert!(outbox.iter().all(|o| o.recipient == "chen.jing@demo.example" && o.template == "case.deadline"));
    assert!(
        outbox.iter().any(|o| o.subject.contains("VD-2026-0001") && o.subject.contains("is overdue")),
        "{outbox:?}"
    );
}
