//! Intake storage conformance, on SQLite and PostgreSQL: programs and filings, durable
//! submissions through the group-commit writer, the reporter's thread, triage, duplicate hints,
//! the receipt log's verification against every kind of tampering, and retention.

use vulndesk_core::chain::BreakReason;
use vulndesk_core::intake::{AttachmentTag, Channel, Filing, Program, ProgramScope, Report, ReportStatus};
use vulndesk_core::{
    AttachmentId, AuditContext, Locale, MessageId, OrgId, OrgKind, OutboxId, ProgramId, ReportId, Slug, Timestamp,
};
use vulndesk_store::intake::{
    Inbound, InboundKind, NewAttachment, NewMessage, NewOutbox, ReceiptCheck, ReportFilter, StaffAction,
};
use vulndesk_store::testing::TestDb;
use vulndesk_store::{NewOrganisation, Store, StoreError};

const T0: i64 = 1_795_000_000_000_000;

fn at(step: i64) -> Timestamp {
    Timestamp::from_micros(T0 + step * 1_000_000)
}

fn ctx(step: i64) -> AuditContext {
    AuditContext::system(at(step))
}

async fn org(s: &Store, slug: &str, kinds: &[OrgKind]) -> OrgId {
    let o = NewOrganisation {
        id: OrgId::mint(at(0), rand::random()),
        slug: Slug::parse(slug).expect("slug"),
        name: slug.into(),
        kinds: kinds.to_vec(),
    };
    s.create_org(&o, &ctx(0)).await.expect("org").id
}

fn program(org: OrgId, slug: &str) -> Program {
    Program {
        id: ProgramId::mint(at(0), rand::random()),
        org,
        slug: Slug::parse(slug).expect("slug"),
        name: "Demo PSIRT".into(),
        scope: ProgramScope::OwnProducts,
        scope_note: "AX3000, EdgeGate".into(),
        policy_zh: "政策".into(),
        policy_en: "Policy".into(),
        safe_harbour_zh: "安全港".into(),
        safe_harbour_en: "Safe harbour".into(),
        anonymous: true,
        ack_sla_hours: 72,
        languages: vec![Locale::ZhCn, Locale::En],
        filing_exempt: false,
        closed_reason: None,
        created_at: at(0),
    }
}

fn inbound(p: &Program, title: &str, step: i64, attachment: Option<&[u8]>) -> (Inbound, ReportId) {
    let id = ReportId::mint(at(step), rand::random());
    let attachments: Vec<NewAttachment> = attachment
        .map(|bytes| NewAttachment {
            id: AttachmentId::mint(at(step), rand::random()),
            tag: AttachmentTag::Exploit,
            filename: "poc.py".into(),
            content_type: "text/x-python".into(),
            content: bytes.to_vec(),
        })
        .into_iter()
        .collect();
    let payload = serde_json::json!({
        "title": title,
        "attachments": attachments.iter().map(|a| serde_json::json!({"id": a.id.to_string(),
            "sha256": hex::encode(vulndesk_core::chain::sha256(&a.content))})).collect::<Vec<_>>(),
    });
    let report = Report {
        id,
        program: p.id,
        org: p.org,
        title: title.into(),
        description: format!("{title}: details"),
        product: "AX3000".into(),
        version: "2.1.4".into(),
        cwe: Some("CWE-122".into()),
        reproduction: "send it".into(),
        impact: "code execution".into(),
        contact: String::new(),
        credit_name: String::new(),
        language: Locale::En,
        status: ReportStatus::New,
        status_reason: String::new(),
        received_at: at(step),
        acknowledged_at: None,
        receipt_seq: 0,
    };
    let item = Inbound {
        received_at: at(step),
        channel: Channel::Api,
        org: p.org,
        program: Some(p.id),
        source: "192.0.2.7".into(),
        user_agent: "test".into(),
        payload: payload.to_string().into_bytes(),
        kind: InboundKind::NewReport {
            report: Box::new(report),
            tracking_hash: hex::encode(rand::random::<[u8; 32]>()),
        },
        attachments,
        outbox: vec![NewOutbox {
            id: OutboxId::mint(at(step), rand::random()),
            org: Some(p.org),
            channel: "email",
            template: "report.received",
            recipient: "psirt@demo.example".into(),
            subject: format!("New report: {title}"),
            body: "A new report arrived.".into(),
            related: Some(id.to_string()),
        }],
    };
    (item, id)
}

fn ok_count(check: ReceiptCheck) -> u64 {
    match check {
        ReceiptCheck::Ok { count, .. } => count,
        broken => panic!("receipt log broken: {broken:?}"),
    }
}

#[tokio::test]
async fn programs_and_filings() {
    let db = TestDb::new().await;
    let s = &db.store;
    let o = org(s, "safeharbor", &[OrgKind::CollectionPlatform]).await;
    let p = program(o, "demo");
    s.create_program(&p, &ctx(1)).await.expect("program");
    assert_eq!(s.program_by_slug("demo").await.expect("read"), Some(p.clone()));
    let dup = s.create_program(&ProgramId::mint(at(0), [1; 10]).pipe(|id| Program { id, ..p.clone() }), &ctx(2)).await;
    assert!(matches!(dup, Err(StoreError::Conflict(ref m)) if m.contains("demo")), "{dup:?}");

    let mut closed = p.clone();
    closed.closed_reason = Some("moved to a new program".into());
    s.update_program(&closed, &ctx(3)).await.expect("update");
    assert_eq!(s.programs_of(o).await.expect("list")[0].closed_reason.as_deref(), Some("moved to a new program"));

    let filing = Filing {
        filing_number: "工信部备2026001".into(),
        filed_on: "2026-01-05".into(),
        platform_name: "安全港 SRC".into(),
        homepage_url: "https://src.safeharbor.example".into(),
        icp_number: "京ICP备00000001号".into(),
        sponsor: "SafeHarbor Ltd".into(),
        contact: "Zhou Jie".into(),
        rules: "…".into(),
    };
    assert_eq!(s.set_filing(o, &filing, &ctx(4)).await.expect("filing"), ["filing"]);
    let changed =
        s.set_filing(o, &Filing { contact: "Wu Lei".into(), ..filing.clone() }, &ctx(5)).await.expect("filing");
    assert_eq!(changed, ["contact"]);
    assert_eq!(s.filing_of(o).await.expect("read").map(|f| f.contact), Some("Wu Lei".into()));
}

trait Pipe: Sized {
    fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
        f(self)
    }
}
impl<T> Pipe for T {}

#[tokio::test]
async fn concurrent_submissions_are_all_committed_with_a_valid_chain() {
    let db = TestDb::new().await;
    let s = db.store.clone();
    let o = org(&s, "demo-networks", &[OrgKind::Provider]).await;
    let p = program(o, "demo");
    s.create_program(&p, &ctx(1)).await.expect("program");

    let mut tasks = Vec::new();
    for i in 0..100 {
        let s = s.clone();
        let (item, id) = inbound(&p, &format!("report {i}"), i, (i % 10 == 0).then_some(b"print('x')".as_slice()));
        tasks.push(tokio::spawn(async move { (s.submit(item).await.expect("accepted"), id) }));
    }
    let mut seqs = Vec::new();
    for t in tasks {
        let (accepted, id) = t.await.expect("task");
        let report = s.report(id).await.expect("read").expect("stored before the answer");
        assert_eq!(report.receipt_seq, accepted.seq);
        seqs.push(accepted.seq);
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=100).collect::<Vec<_>>(), "one receipt each, no gaps");
    assert_eq!(ok_count(s.receipts_verify().await.expect("verify")), 100);
    assert_eq!(s.reports_of(o, &ReportFilter::default()).await.expect("list").len(), 100);
    assert_eq!(s.outbox_of(o, 500).await.expect("outbox").len(), 100);
    let (receipt, payload) = s.receipt(1).await.expect("read").expect("exists");
    assert_eq!(receipt.channel, Channel::Api);
    assert!(String::from_utf8_lossy(&payload).contains("report"));
}

#[tokio::test]
async fn reporter_thread_and_triage() {
    let db = TestDb::new().await;
    let s = &db.store;
    let o = org(s, "demo-networks", &[OrgKind::Provider]).await;
    let p = program(o, "demo");
    s.create_program(&p, &ctx(1)).await.expect("program");
    let (item, id) = inbound(&p, "DHCP crash", 2, Some(b"exploit bytes"));
    let tracking = match &item.kind {
        InboundKind::NewReport { tracking_hash, .. } => tracking_hash.clone(),
        InboundKind::ReporterMessage { .. } | InboundKind::SharedReport { .. } => unreachable!("a new report"),
    };
    s.submit(item).await.expect("accepted");
    let report = s.report_by_tracking(&tracking).await.expect("read").expect("found by tracking token");
    assert_eq!(report.id, id);
    let files = s.attachments_of(id).await.expect("attachments");
    assert_eq!((files.len(), files[0].tag), (1, AttachmentTag::Exploit));
    let (_, bytes) = s.attachment(id, files[0].id).await.expect("read").expect("exists");
    assert_eq!(bytes, b"exploit bytes");

    let staff = |kind: &'static str, body: &str| NewMessage {
        id: MessageId::mint(at(3), rand::random()),
        author: "staff",
        user: None,
        kind,
        body: body.into(),
    };
    s.triage_report(&report, &StaffAction::RequestInfo(staff("request_info", "Which firmware?")), None, &ctx(3))
        .await
        .expect("ask");
    let report = s.report(id).await.expect("read").expect("exists");
    assert_eq!((report.status, report.acknowledged_at), (ReportStatus::NeedsInfo, Some(at(3))));

    // The reporter answers on the tracking page: a receipt of its own, and the report is back in the queue.
    let reply = Inbound {
        received_at: at(4),
        channel: Channel::Tracking,
        org: o,
        program: Some(p.id),
        source: String::new(),
        user_agent: String::new(),
        payload: b"{\"message\":\"2.1.4\"}".to_vec(),
        kind: InboundKind::ReporterMessage {
            report: id,
            message: NewMessage {
                id: MessageId::mint(at(4), rand::random()),
                author: "reporter",
                user: None,
                kind: "message",
                body: "2.1.4".into(),
            },
        },
        attachments: vec![],
        outbox: vec![],
    };
    let accepted = s.submit(reply).await.expect("reply");
    assert_eq!(accepted.seq, 2);
    let thread = s.messages_of(id).await.expect("thread");
    assert_eq!(thread.iter().map(|m| m.author.as_str()).collect::<Vec<_>>(), ["staff", "reporter"]);
    assert_eq!(thread[1].receipt_seq, Some(2));
    let report = s.report(id).await.expect("read").expect("exists");
    assert_eq!(report.status, ReportStatus::Acknowledged);

    s.triage_report(&report, &StaffAction::MarkSpam("advertising".into()), None, &ctx(5)).await.expect("spam");
    let report = s.report(id).await.expect("read").expect("exists");
    let again =
        s.triage_report(&report, &StaffAction::Acknowledge(staff("acknowledge", "thanks")), None, &ctx(6)).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "closed reports stay closed: {again:?}");
    assert_eq!(ok_count(s.receipts_verify().await.expect("verify")), 2);
}

#[tokio::test]
async fn duplicates_are_hinted() {
    let db = TestDb::new().await;
    let s = &db.store;
    let o = org(s, "demo-networks", &[OrgKind::Provider]).await;
    let p = program(o, "demo");
    s.create_program(&p, &ctx(1)).await.expect("program");
    let (a, _) = inbound(&p, "Crafted DHCP request crashes the AX3000", 1, None);
    let (b, _) = inbound(&p, "XSS in the EdgeGate login page", 2, None);
    let (c, c_id) = inbound(&p, "crafted DHCP request crashes AX3000 router", 3, None);
    for item in [a, b, c] {
        s.submit(item).await.expect("accepted");
    }
    let report = s.report(c_id).await.expect("read").expect("exists");
    let dups = s.possible_duplicates(&report).await.expect("dups");
    assert_eq!(dups.len(), 1);
    assert_eq!(dups[0].0.title, "Crafted DHCP request crashes the AX3000");
}

async fn disable_guards(db: &TestDb) {
    let statements: &[&str] = match db.store.backend() {
        vulndesk_store::Backend::Sqlite => {
            &["DROP TRIGGER receipts_no_update", "DROP TRIGGER receipt_payloads_no_update"]
        }
        vulndesk_store::Backend::Postgres => {
            &["ALTER TABLE receipts DISABLE TRIGGER USER", "ALTER TABLE receipt_payloads DISABLE TRIGGER USER"]
        }
    };
    for sql in statements {
        db.raw(sql).await.expect("attacker disables the guard");
    }
}

async fn three_reports(db: &TestDb) -> ReportId {
    let s = &db.store;
    let o = org(s, "demo-networks", &[OrgKind::Provider]).await;
    let p = program(o, "demo");
    s.create_program(&p, &ctx(1)).await.expect("program");
    let mut second = None;
    for i in 1..=3 {
        let (item, id) = inbound(&p, &format!("report {i}"), i, Some(format!("file {i}").as_bytes()));
        s.submit(item).await.expect("accepted");
        if i == 2 {
            second = Some(id);
        }
    }
    second.expect("second report")
}

#[tokio::test]
async fn tampered_receipt_row_is_found_at_its_sequence() {
    let db = TestDb::new().await;
    three_reports(&db).await;
    assert!(db.raw("UPDATE receipts SET channel = 'web' WHERE seq = 2").await.is_err(), "guarded");
    disable_guards(&db).await;
    db.raw("UPDATE receipts SET channel = 'web' WHERE seq = 2").await.expect("tamper");
    assert_eq!(
        db.store.receipts_verify().await.expect("verify"),
        ReceiptCheck::Broken(vulndesk_core::chain::ChainBreak { seq: 2, reason: BreakReason::HashMismatch })
    );
}

#[tokio::test]
async fn tampered_payload_or_attachment_is_found_at_its_sequence() {
    let db = TestDb::new().await;
    three_reports(&db).await;
    disable_guards(&db).await;
    let rewrite = match db.store.backend() {
        vulndesk_store::Backend::Sqlite => "UPDATE receipt_payloads SET payload = CAST('{}' AS BLOB) WHERE seq = 3",
        vulndesk_store::Backend::Postgres => "UPDATE receipt_payloads SET payload = '\\x7b7d'::bytea WHERE seq = 3",
    };
    db.raw(rewrite).await.expect("tamper payload");
    assert_eq!(
        db.store.receipts_verify().await.expect("verify"),
        ReceiptCheck::Broken(vulndesk_core::chain::ChainBreak { seq: 3, reason: BreakReason::PayloadMismatch })
    );
}

#[tokio::test]
async fn tampered_attachment_is_found_at_its_receipt() {
    let db = TestDb::new().await;
    let second = three_reports(&db).await;
    let rewrite = match db.store.backend() {
        vulndesk_store::Backend::Sqlite => {
            format!("UPDATE attachments SET content = CAST('forged' AS BLOB) WHERE report_id = '{second}'")
        }
        vulndesk_store::Backend::Postgres => {
            format!("UPDATE attachments SET content = '\\x666f72676564'::bytea WHERE report_id = '{second}'")
        }
    };
    db.raw(&rewrite).await.expect("tamper attachment");
    assert_eq!(
        db.store.receipts_verify().await.expect("verify"),
        ReceiptCheck::Broken(vulndesk_core::chain::ChainBreak { seq: 2, reason: BreakReason::PayloadMismatch })
    );
}

#[tokio::test]
async fn young_receipts_cannot_be_deleted_and_retention_only_goes_up() {
    let db = TestDb::new().await;
    three_reports(&db).await;
    let s = &db.store;
    assert_eq!(s.retention_days().await.expect("read"), 183);

    let refused = s.purge_receipts_through(2, &ctx(10)).await;
    assert!(matches!(refused, Err(StoreError::Refused(ref m)) if m.contains("retention")), "{refused:?}");
    assert!(db.raw("DELETE FROM receipts WHERE seq = 1").await.is_err(), "the database itself refuses");
    assert!(db.raw("DELETE FROM receipt_payloads WHERE seq = 1").await.is_err(), "payloads go only with their receipt");
    assert_eq!(ok_count(s.receipts_verify().await.expect("verify")), 3);
    let audit = s.audit_list(None, None, 5).await.expect("audit");
    assert_eq!(audit[0].event.action, "receipts.purge_refused");

    assert!(matches!(s.set_retention_days(100, &ctx(11)).await, Err(StoreError::Refused(_))));
    assert!(matches!(s.set_retention_days(182, &ctx(11)).await, Err(StoreError::Refused(_))));
    s.set_retention_days(365, &ctx(12)).await.expect("raise");
    assert!(matches!(s.set_retention_days(200, &ctx(13)).await, Err(StoreError::Refused(_))));
    assert_eq!(s.retention_days().await.expect("read"), 365);
    assert!(db.raw("UPDATE intake_settings SET value = 1 WHERE key = 'retention_days'").await.is_err());
    let actions: Vec<String> =
        s.audit_list(None, None, 3).await.expect("audit").into_iter().map(|e| e.event.action).collect();
    assert_eq!(actions, ["receipts.retention_refused", "receipts.retention_set", "receipts.retention_refused"]);
}
