//! Deliveries refuse non-public destinations unless the operator allows them (SSRF): a webhook
//! pointed at a loopback service fails at once, names the address, and is not retried.

use vulndesk_core::audit::AuditContext;
use vulndesk_core::{Clock, OrgId, OrgKind, Slug, Timestamp};
use vulndesk_jobs::deliver::{Destinations, deliver_due, deliver_due_to};
use vulndesk_store::NewOrganisation;
use vulndesk_store::sharing::NewDelivery;
use vulndesk_store::testing::TestDb;

const T0: i64 = 1_795_000_000_000_000;

struct Fixed(Timestamp);

impl Clock for Fixed {
    fn now(&self) -> Timestamp {
        self.0
    }
}

#[tokio::test]
async fn a_loopback_destination_is_refused_unless_allowed() {
    let db = TestDb::new().await;
    let s = &db.store;
    let now = Timestamp::from_micros(T0);
    let ctx = AuditContext::system(now);
    let org = s
        .create_org(
            &NewOrganisation {
                id: OrgId::mint(now, rand::random()),
                slug: Slug::parse("demo-networks").expect("slug"),
                name: "Demo".into(),
                kinds: vec![OrgKind::Provider],
            },
            &ctx,
        )
        .await
        .expect("org");
    // A receiver that would answer 200 if it were reached.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for mut conn in listener.incoming().flatten() {
            let mut buf = [0u8; 65536];
            let _ = conn.read(&mut buf);
            let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
        }
    });
    let queue = |id: &str, host: &str| NewDelivery {
        id: id.into(),
        org: org.id,
        kind: "customer_notice".into(),
        url: format!("http://{host}:{port}/hook"),
        bearer: String::new(),
        hmac_secret: "k".into(),
        idempotency_key: id.into(),
        body: "{}".into(),
        related: "r".into(),
    };
    s.queue_delivery(&queue("to-loopback", "127.0.0.1"), &ctx).await.expect("queue");
    let clock = Fixed(now);
    assert_eq!(deliver_due(s, &clock, None, 10).await.expect("deliver"), 1);
    let d = s.delivery("to-loopback").await.expect("read").expect("delivery");
    assert_ne!(d.status, "delivered");
    assert!(d.last_error.contains("127.0.0.1") && d.last_error.contains("non-public"), "{}", d.last_error);
    // Refused for good: nothing is due any more, even much later.
    let later = Fixed(Timestamp::from_micros(T0 + 86_400_000_000));
    assert_eq!(deliver_due(s, &later, None, 10).await.expect("deliver"), 0);

    // The operator allows private networks: the same kind of delivery goes through.
    s.queue_delivery(&queue("allowed", "127.0.0.1"), &ctx).await.expect("queue");
    let allow = Destinations { allow_private: true };
    assert_eq!(deliver_due_to(s, &later, None, allow, 10).await.expect("deliver"), 1);
    assert_eq!(s.delivery("allowed").await.expect("read").expect("delivery").status, "delivered");
}
