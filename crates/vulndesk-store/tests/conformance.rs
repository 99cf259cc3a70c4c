//! The storage conformance suite: one story per area, run unchanged against SQLite and
//! PostgreSQL (the backend is chosen by `VULNDESK_TEST_DATABASE`; the test command runs both).

use vulndesk_core::chain::BreakReason;
use vulndesk_core::{AuditContext, Locale, OrgId, OrgKind, PersonRole, Slug, Timestamp, TokenId, UserId, Username};
use vulndesk_store::testing::TestDb;
use vulndesk_store::{ChainReport, NewApiToken, NewOrganisation, NewSession, NewUser, StoreError};

const T0: i64 = 1_795_000_000_000_000;

fn ctx(step: i64) -> AuditContext {
    AuditContext {
        at: Timestamp::from_micros(T0 + step * 1_000_000),
        actor: "system".into(),
        source: "127.0.0.1".into(),
    }
}

fn new_user(name: &str, n: u8) -> NewUser {
    NewUser {
        id: UserId::mint(Timestamp::from_micros(T0), [n; 10]),
        username: Username::parse(name).expect("username"),
        display_name: name.to_uppercase(),
        email: format!("{name}@example.test"),
        password_hash: "$argon2id$fake".into(),
        site_admin: false,
        locale: None,
    }
}

fn new_org(slug: &str, n: u8, kinds: &[OrgKind]) -> NewOrganisation {
    NewOrganisation {
        id: OrgId::mint(Timestamp::from_micros(T0), [n; 10]),
        slug: Slug::parse(slug).expect("slug"),
        name: format!("Org {slug}"),
        kinds: kinds.to_vec(),
    }
}

#[tokio::test]
async fn accounts_story() {
    let db = TestDb::new().await;
    let s = &db.store;
    let li = s.create_user(&new_user("li.wei", 1), &ctx(1)).await.expect("create");
    assert_eq!(s.count_users().await.ok(), Some(1));

    let dup = s
        .create_user(
            &NewUser { id: UserId::mint(Timestamp::from_micros(T0), [2; 10]), ..new_user("li.wei", 2) },
            &ctx(2),
        )
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(ref m)) if m.contains("li.wei")), "{dup:?}");

    let found = s.user_by_username("li.wei").await.expect("read").expect("exists");
    assert_eq!(found.user, li);
    assert_eq!(found.password_hash, "$argon2id$fake");
    assert!(s.user_by_username("nobody").await.expect("read").is_none());

    s.set_user_locale(li.id, Some(Locale::ZhCn), &ctx(3)).await.expect("locale");
    assert_eq!(s.user_by_id(li.id).await.expect("read").map(|u| u.locale), Some(Some(Locale::ZhCn)));

    s.set_password_hash(li.id, "$argon2id$new", &ctx(4)).await.expect("password");
    assert_eq!(
        s.user_by_username("li.wei").await.expect("read").map(|u| u.password_hash).as_deref(),
        Some("$argon2id$new")
    );

    let missing = UserId::mint(Timestamp::from_micros(T0), [99; 10]);
    assert!(matches!(s.set_user_disabled(missing, true, &ctx(5)).await, Err(StoreError::NotFound)));

    let actions: Vec<String> =
        s.audit_list(None, None, 10).await.expect("audit").into_iter().map(|e| e.event.action).collect();
    assert_eq!(actions, ["user.set_password", "user.set_locale", "user.create"]);
}

#[tokio::test]
async fn organisations_and_memberships_story() {
    let db = TestDb::new().await;
    let s = &db.store;
    let admin = s.create_user(&new_user("admin", 1), &ctx(1)).await.expect("user");
    let zhang = s.create_user(&new_user("zhang", 2), &ctx(1)).await.expect("user");
    let org = s
        .create_org(&new_org("demo-networks", 1, &[OrgKind::Provider, OrgKind::Provider]), &ctx(2))
        .await
        .expect("org");
    assert_eq!(org.kinds, [OrgKind::Provider]);
    let conflict = s.create_org(&new_org("demo-networks", 2, &[OrgKind::Operator]), &ctx(3)).await;
    assert!(matches!(conflict, Err(StoreError::Conflict(ref m)) if m.contains("demo-networks")));
    assert!(matches!(s.create_org(&new_org("empty", 3, &[]), &ctx(3)).await, Err(StoreError::Invalid(_))));

    assert!(s.add_membership(org.id, zhang.id, PersonRole::Triager, &ctx(4)).await.expect("add"));
    assert!(s.add_membership(org.id, zhang.id, PersonRole::Engineer, &ctx(4)).await.expect("add"));
    assert!(!s.add_membership(org.id, zhang.id, PersonRole::Triager, &ctx(5)).await.expect("again"));
    assert!(s.add_membership(org.id, admin.id, PersonRole::Admin, &ctx(5)).await.expect("add"));

    let members = s.members_of(org.id).await.expect("members");
    let summary: Vec<(String, Vec<PersonRole>)> =
        members.iter().map(|m| (m.user.username.to_string(), m.roles.clone())).collect();
    assert_eq!(
        summary,
        [("admin".into(), vec![PersonRole::Admin]), ("zhang".into(), vec![PersonRole::Triager, PersonRole::Engineer])]
    );

    assert!(s.remove_membership(org.id, zhang.id, PersonRole::Engineer, &ctx(6)).await.expect("remove"));
    assert!(!s.remove_membership(org.id, zhang.id, PersonRole::Engineer, &ctx(6)).await.expect("remove again"));
    let mine = s.memberships_of(zhang.id).await.expect("memberships");
    assert_eq!(mine.len(), 1);
    assert_eq!((mine[0].0.slug.as_str(), mine[0].1), ("demo-networks", PersonRole::Triager));

    s.update_org(org.id, "Demo Networks 演示网络", &[OrgKind::Provider, OrgKind::Operator], &ctx(7))
        .await
        .expect("update");
    let again = s.org_by_slug("demo-networks").await.expect("read").expect("exists");
    assert_eq!(again.name, "Demo Networks 演示网络");
    assert_eq!(again.kinds, [OrgKind::Provider, OrgKind::Operator]);
    assert_eq!(s.list_orgs().await.expect("list").len(), 1);

    // Per-organisation audit view holds exactly the organisation's events.
    let org_events: Vec<String> = s
        .audit_list(Some(&org.id.to_string()), None, 50)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.event.action)
        .collect();
    assert_eq!(org_events, ["org.update", "member.remove", "member.add", "member.add", "member.add", "org.create"]);
}

#[tokio::test]
async fn sessions_tokens_and_throttling_story() {
    let db = TestDb::new().await;
    let s = &db.store;
    let u = s.create_user(&new_user("wang", 1), &ctx(1)).await.expect("user");
    let org = s.create_org(&new_org("metro-transit", 1, &[OrgKind::Operator]), &ctx(1)).await.expect("org");

    let session = NewSession {
        id_hash: "a".repeat(64),
        user: u.id,
        csrf_token: "csrf".into(),
        expires_at: Timestamp::from_micros(T0 + 3_600_000_000),
        source: "127.0.0.1".into(),
        user_agent: "test".into(),
    };
    s.create_session(&session, &ctx(2)).await.expect("session");
    let live = s.session(&session.id_hash, Timestamp::from_micros(T0 + 60_000_000)).await.expect("read");
    assert_eq!(live.map(|x| (x.user, x.csrf_token)), Some((u.id, "csrf".to_string())));
    assert!(
        s.session(&session.id_hash, Timestamp::from_micros(T0 + 3_600_000_001)).await.expect("read").is_none(),
        "expired"
    );
    assert!(s.session(&"b".repeat(64), Timestamp::from_micros(T0)).await.expect("read").is_none());

    // Disabling the account ends its sessions.
    s.set_user_disabled(u.id, true, &ctx(3)).await.expect("disable");
    assert!(s.session(&session.id_hash, Timestamp::from_micros(T0 + 60_000_000)).await.expect("read").is_none());
    s.set_user_disabled(u.id, false, &ctx(4)).await.expect("enable");

    let token = NewApiToken {
        id: TokenId::mint(Timestamp::from_micros(T0), [1; 10]),
        user: u.id,
        org: Some(org.id),
        role: Some(PersonRole::Engineer),
        name: "ci".into(),
        token_hash: "c".repeat(64),
        prefix: "vd_abcd".into(),
        expires_at: None,
    };
    s.create_token(&token, &ctx(5)).await.expect("token");
    let now = Timestamp::from_micros(T0 + 10_000_000);
    let got = s.token_by_hash(&token.token_hash, now).await.expect("read").expect("usable");
    assert_eq!((got.org, got.role, got.name.as_str()), (Some(org.id), Some(PersonRole::Engineer), "ci"));
    assert_eq!(s.tokens_of(u.id).await.expect("list")[0].last_used_at, Some(now));
    s.revoke_token(token.id, u.id, &ctx(6)).await.expect("revoke");
    assert!(s.token_by_hash(&token.token_hash, now).await.expect("read").is_none());
    assert!(matches!(s.revoke_token(token.id, u.id, &ctx(7)).await, Err(StoreError::NotFound)));

    for i in 0..3 {
        s.record_login_failure(&["user:wang", "ip:10.0.0.1"], "wang", &ctx(10 + i)).await.expect("failure");
    }
    assert_eq!(s.login_failures_since("user:wang", Timestamp::from_micros(T0)).await.ok(), Some(3));
    assert_eq!(s.login_failures_since("ip:10.0.0.1", Timestamp::from_micros(T0 + 11_000_000)).await.ok(), Some(1));
    s.clear_login_failures("user:wang", Timestamp::from_micros(T0)).await.expect("clear");
    assert_eq!(s.login_failures_since("user:wang", Timestamp::from_micros(T0)).await.ok(), Some(0));
    assert_eq!(s.login_failures_since("ip:10.0.0.1", Timestamp::from_micros(T0)).await.ok(), Some(3));
}

#[tokio::test]
async fn audit_chain_verifies_and_resists_tampering() {
    let db = TestDb::new().await;
    let s = &db.store;
    for i in 0..5u8 {
        s.create_user(&new_user(&format!("user{i}"), i), &ctx(i64::from(i))).await.expect("user");
    }
    let report = s.audit_verify().await.expect("verify");
    let ChainReport::Ok { count, .. } = report else { panic!("intact chain reported broken: {report:?}") };
    assert_eq!(count, 5);

    // The database refuses edits and deletions of audit events outright.
    let edit = db.raw("UPDATE audit_events SET actor = 'mallory' WHERE seq = 3").await;
    assert!(edit.is_err(), "update must be refused");
    assert!(db.raw("DELETE FROM audit_events WHERE seq = 3").await.is_err(), "delete must be refused");

    // Someone with enough access to switch the guard off is still caught by the chain.
    let disable = match db.store.backend() {
        vulndesk_store::Backend::Sqlite => "DROP TRIGGER audit_events_no_update",
        vulndesk_store::Backend::Postgres => "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update",
    };
    db.raw(disable).await.expect("attacker disables the guard");
    db.raw("UPDATE audit_events SET actor = 'mallory' WHERE seq = 3").await.expect("tamper");
    assert_eq!(
        s.audit_verify().await.expect("verify"),
        ChainReport::Broken(vulndesk_core::chain::ChainBreak { seq: 3, reason: BreakReason::HashMismatch })
    );
}

#[tokio::test]
async fn settings_are_set_once() {
    let db = TestDb::new().await;
    let s = &db.store;
    assert_eq!(s.setting("demo").await.expect("read"), None);
    assert!(s.set_setting_once("demo", "loaded").await.expect("set"));
    assert!(!s.set_setting_once("demo", "again").await.expect("set"));
    assert_eq!(s.setting("demo").await.expect("read").as_deref(), Some("loaded"));
}

#[tokio::test]
async fn migrations_are_idempotent_and_reported() {
    let db = TestDb::new().await;
    assert_eq!(db.store.pending_migrations().await.ok(), Some(0));
    db.store.migrate().await.expect("second run is a no-op");
    db.store.ping().await.expect("ping");
}

#[tokio::test]
async fn the_shared_flood_count_holds_a_limit_across_callers_over_a_sliding_minute() {
    let db = TestDb::new().await;
    let s = &db.store;
    // A minute boundary after T0, and a time `secs` after it.
    let m0 = (T0 / 60_000_000 + 1) * 60_000_000;
    let at = move |secs: f64| Timestamp::from_micros(m0 + (secs * 1_000_000.0) as i64);
    // Three a minute: three pass, the fourth is refused until the next minute, and refusals do not
    // use up the allowance (the fifth is refused with the same wait, not a longer one).
    for i in 0..3 {
        assert_eq!(s.take_rate("k", 3, at(f64::from(i))).await.expect("take"), None, "hit {i}");
    }
    assert_eq!(s.take_rate("k", 3, at(10.0)).await.expect("take"), Some(50));
    assert_eq!(s.take_rate("k", 3, at(10.0)).await.expect("take"), Some(50));
    // Another key has its own count.
    assert_eq!(s.take_rate("other", 3, at(10.0)).await.expect("take"), None);
    // 15 s into the next minute the previous minute still weighs 3 × 45/60 = 2.25, and 2.25 + 1
    // is over the limit: the wait is until its weight falls to 2, 20 s in.
    assert_eq!(s.take_rate("k", 3, at(75.0)).await.expect("take"), Some(5));
    assert_eq!(s.take_rate("k", 3, at(80.0)).await.expect("take"), None, "3 × 40/60 + 1 = 3, exactly the limit");
    // The next needs 3 × (60 − t)/60 + 2 ≤ 3: 40 s in.
    assert_eq!(s.take_rate("k", 3, at(80.0)).await.expect("take"), Some(20));
    assert_eq!(s.take_rate("k", 3, at(99.0)).await.expect("take"), Some(1));
    assert_eq!(s.take_rate("k", 3, at(100.0)).await.expect("take"), None);
    // Two minutes on, the old windows are gone and the full allowance is back.
    for i in 0..3 {
        assert_eq!(s.take_rate("k", 3, at(240.0 + f64::from(i))).await.expect("take"), None, "hit {i}");
    }
    let rows = s.table_counts().await.expect("counts").into_iter().find(|(t, _)| t == "rate_windows");
    assert_eq!(rows, Some(("rate_windows".to_owned(), 1)), "only k's window of this minute remains");
    // Callers racing for the last places of a fresh key: exactly the limit passes.
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let s = s.clone();
        let when = at(300.0);
        tasks.push(tokio::spawn(async move { s.take_rate("race", 7, when).await.expect("take") }));
    }
    let mut passed = 0;
    for t in tasks {
        if t.await.expect("join").is_none() {
            passed += 1;
        }
    }
    assert_eq!(passed, 7);
}

#[tokio::test]
async fn periodic_jobs_run_in_one_instance_once_per_period() {
    let db = TestDb::new().await;
    let s = &db.store;
    let at = |secs: i64| Timestamp::from_micros(T0 + secs * 1_000_000);
    let lease = std::time::Duration::from_secs(600);
    let hour = std::time::Duration::from_secs(3600);
    // The first instance to ask runs it; the second does not, while the first holds it.
    assert!(s.claim_job_run("feed_pulls", "a", at(0), lease, hour).await.expect("claim"));
    assert!(!s.claim_job_run("feed_pulls", "b", at(1), lease, hour).await.expect("claim"));
    // Another job is independent.
    assert!(s.claim_job_run("rematch", "b", at(1), lease, hour).await.expect("claim"));
    // Finished, it does not run again within the period, in either instance.
    s.finish_job_run("feed_pulls", "a", at(30)).await.expect("finish");
    assert!(!s.claim_job_run("feed_pulls", "b", at(60), lease, hour).await.expect("claim"));
    assert!(!s.claim_job_run("feed_pulls", "a", at(3599), lease, hour).await.expect("claim"));
    // A period later, one of them runs it.
    assert!(s.claim_job_run("feed_pulls", "b", at(3600), lease, hour).await.expect("claim"));
    assert!(!s.claim_job_run("feed_pulls", "a", at(3600), lease, hour).await.expect("claim"));
    // A holder that dies without finishing holds a job up to its lease, not longer.
    let minute = std::time::Duration::from_secs(60);
    assert!(s.claim_job_run("osv_pulls", "a", at(0), lease, minute).await.expect("claim"));
    assert!(!s.claim_job_run("osv_pulls", "b", at(61), lease, minute).await.expect("claim"));
    assert!(!s.claim_job_run("osv_pulls", "b", at(600), lease, minute).await.expect("claim"));
    assert!(s.claim_job_run("osv_pulls", "b", at(601), lease, minute).await.expect("claim"));
    // A late finish by the instance that lost the lease does not release the new holder's.
    s.finish_job_run("osv_pulls", "a", at(602)).await.expect("finish");
    assert!(!s.claim_job_run("osv_pulls", "a", at(700), lease, minute).await.expect("claim"));
}
