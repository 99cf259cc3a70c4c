//! The deadline sweep on SQLite and PostgreSQL: reminders at 50 %, 75 % and overdue, each queued
//! once even when several instances sweep at the same moment.

use vulndesk_core::audit::AuditContext;
use vulndesk_core::{CaseId, Locale, OrgId, OrgKind, PersonRole, Slug, Timestamp, UserId, Username};
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
    // A second coordinator who chose Chinese; a third who chose English.
    for (name, locale) in [("wang.fang", Locale::ZhCn), ("sam.lee", Locale::En)] {
        let u = s
            .create_user(
                &NewUser {
                    id: UserId::mint(at(0), rand::random()),
                    username: Username::parse(name).expect("name"),
                    display_name: name.into(),
                    email: format!("{name}@demo.example"),
                    password_hash: "x".into(),
                    site_admin: false,
                    locale: Some(locale),
                },
                &ctx,
            )
            .await
            .expect("user");
        s.add_membership(org.id, u.id, PersonRole::Coordinator, &ctx).await.expect("member");
    }
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
    assert_eq!((r.cases, r.notices, r.mails), (1, 1, 3), "the authority report is half-way, for three people");
    assert_eq!(sweep(26).await.expect("sweep").notices, 0, "not twice");
    // Two instances sweeping at the same moment: each reminder is recorded once.
    let (a, b) = tokio::join!(sweep(49), sweep(49));
    let (a, b) = (a.expect("sweep a"), b.expect("sweep b"));
    assert_eq!(a.notices + b.notices, 2, "75 % and overdue, once each: {a:?} {b:?}");
    let outbox = s.outbox_of(org.id, 50).await.expect("outbox");
    assert_eq!(outbox.len(), 9, "three reminders to three people");
    assert!(outbox.iter().all(|o| o.template == "case.deadline" && o.subject.contains("VD-2026-0001")));
    let overdue = |to: &str| {
        outbox
            .iter()
            .find(|o| o.recipient == to && (o.subject.contains("已超期") || o.subject.contains("is overdue")))
            .unwrap_or_else(|| panic!("an overdue reminder to {to}: {outbox:?}"))
    };
    // In the recipient's language, or in both for someone who has not chosen one.
    let both = overdue("chen.jing@demo.example");
    assert!(both.subject.contains("已超期") && both.subject.contains("is overdue"), "{both:?}");
    let zh = overdue("wang.fang@demo.example");
    assert!(zh.subject.contains("已超期") && !zh.subject.contains("overdue"), "{zh:?}");
    let en = overdue("sam.lee@demo.example");
    assert!(en.subject.contains("is overdue") && !en.subject.contains("超期"), "{en:?}");
}
