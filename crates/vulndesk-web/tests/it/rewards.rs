//! Rewards and hand-offs end to end through the API and pages: a reward table, a reward on a
//! valid report split between co-reporters, four-eyes approval above the threshold, payment and
//! the ledger's totals and CSV; what the reporter sees; a collection platform handing a report to
//! a vendor organisation (receipt on the vendor side, both reports linked, the vendor's
//! acknowledgement), to a vendor outside the deployment by e-mail link, and an overseas hand-off
//! refused and audited (Art. 9(7)); the filing-update task (R24) and the platform's statistics.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use vulndesk_core::{Clock, OrgKind, PersonRole};

use crate::harness::{Browser, PASSWORD, TestApp};

struct Setup {
    app: TestApp,
    /// chen.jing: admin and coordinator of demo-networks.
    chen: String,
    /// li.wei: triager.
    li: String,
    /// wang.fang: coordinator.
    wang: String,
    reports: Vec<(String, String)>,
}

const BASE: &str = "/api/v1/organisations/demo-networks";

/// demo-networks with a program, two reports of one flaw (co-reporters Alice and Bob) made one case
/// graded high, and a third report left in triage. Answers the reports' (id, tracking token).
async fn setup() -> Setup {
    let app = TestApp::new().await;
    let chen = app.user("chen.jing", false).await;
    let li = app.user("li.wei", false).await;
    let wang = app.user("wang.fang", false).await;
    let org = app.org("demo-networks").await;
    app.member(org, chen, PersonRole::Admin).await;
    app.member(org, chen, PersonRole::Coordinator).await;
    app.member(org, li, PersonRole::Triager).await;
    app.member(org, wang, PersonRole::Coordinator).await;
    let chen = app.token(chen, None, None).await;
    let li = app.token(li, None, None).await;
    let wang = app.token(wang, None, None).await;
    let r = app
        .api(
            Method::POST,
            &format!("{BASE}/programs"),
            Some(&chen),
            Some(json!({"slug": "demo", "name": "Demo", "scope": "own_products", "anonymous": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mut reports = Vec::new();
    for (title, credit) in [("DHCP overflow", "Alice"), ("DHCP heap overflow", "Bob"), ("Login page typo", "Carol")] {
        let r = app
            .api(
                Method::POST,
                "/api/v1/programs/demo/reports",
                None,
                Some(json!({"title": title, "description": "d", "product": "AX3000", "accept_policy": true,
                    "credit_name": credit})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let tracking = r.json()["tracking_token"].as_str().expect("token").to_owned();
        reports.push((String::new(), tracking));
    }
    let listed = app.api(Method::GET, &format!("{BASE}/reports"), Some(&li), None).await.json();
    for (i, title) in ["DHCP overflow", "DHCP heap overflow", "Login page typo"].iter().enumerate() {
        let found = listed.as_array().expect("reports").iter().find(|r| r["title"] == *title).expect("listed");
        reports[i].0 = found["id"].as_str().expect("id").to_owned();
    }
    let r = app
        .api(Method::POST, &format!("{BASE}/cases"), Some(&li), Some(json!({"reports": [reports[0].0, reports[1].0]})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app
        .api(
            Method::PUT,
            &format!("{BASE}/cases/VD-2026-0001/assessment"),
            Some(&li),
            Some(json!({"cvss_vector": "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "characteristics": "c", "harm": "h"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    Setup { app, chen, li, wang, reports }
}

fn table() -> Value {
    json!({"currency": "CNY", "four_eyes_above": "5000", "critical_min": "10000", "critical_max": "30000",
        "high_min": "4000", "high_max": "10000", "bonuses": "patch = 1000"})
}

#[tokio::test]
async fn a_reward_is_split_approved_by_a_second_person_paid_and_in_the_ledger() {
    let Setup { app, chen, li, wang, reports } = setup().await;
    let (r1, r2, r3) = (&reports[0].0, &reports[1].0, &reports[2].0);

    // No table yet: refused with what to do.
    let decide = |amount: &str| {
        json!({"grade": "high", "amount": amount, "bonus": "patch", "bonus_amount": "500",
        "reason": "clear PoC", "shares": format!("{r1} = 3\n{r2} = 1")})
    };
    let r = app.api(Method::POST, &format!("{BASE}/reports/{r1}/rewards"), Some(&li), Some(decide("8000"))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.json()["error"]["message"].as_str().expect("message").contains("reward table"), "{}", r.body);

    // A table that contradicts itself names the field; nothing is stored.
    let mut bad = table();
    bad["high_min"] = json!("20000");
    let r = app.api(Method::PUT, &format!("{BASE}/programs/demo/reward-table"), Some(&chen), Some(bad)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["details"][0]["field"], "high_min");
    let r = app.api(Method::GET, &format!("{BASE}/programs/demo/reward-table"), Some(&chen), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Triagers decide rewards but do not set tables.
    let r = app.api(Method::PUT, &format!("{BASE}/programs/demo/reward-table"), Some(&li), Some(table())).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app.api(Method::PUT, &format!("{BASE}/programs/demo/reward-table"), Some(&chen), Some(table())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["high_max"], "10,000.00");

    // The report still in triage is not valid; an amount outside the grade's range is refused.
    let r = app.api(Method::POST, &format!("{BASE}/reports/{r3}/rewards"), Some(&li), Some(decide("8000"))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = app.api(Method::POST, &format!("{BASE}/reports/{r1}/rewards"), Some(&li), Some(decide("12000"))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["details"][0]["field"], "amount");
    // A share for a report of another case is refused (money goes only to this case's reporters).
    let mut other = decide("8000");
    other["shares"] = json!(format!("{r1} = 1\n{r3} = 1"));
    let r = app.api(Method::POST, &format!("{BASE}/reports/{r1}/rewards"), Some(&li), Some(other)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["details"][0]["field"], "shares");

    // Chen (a coordinator) decides 8,000 + 500 bonus, split 3:1 between Alice and Bob.
    let r = app.api(Method::POST, &format!("{BASE}/reports/{r1}/rewards"), Some(&chen), Some(decide("8000"))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let w = r.json();
    let id = w["id"].as_str().expect("id").to_owned();
    assert_eq!(w["state"], "pending");
    assert_eq!(w["amount_minor"], 850_000);
    assert_eq!(w["needs_second_approver"], true);
    let shares: Vec<(String, i64)> = w["shares"]
        .as_array()
        .expect("shares")
        .iter()
        .map(|s| (s["credit_name"].as_str().expect("name").to_owned(), s["amount_minor"].as_i64().expect("amount")))
        .collect();
    assert_eq!(shares, vec![("Alice".to_owned(), 637_500), ("Bob".to_owned(), 212_500)]);
    // One live reward per report.
    let r = app.api(Method::POST, &format!("{BASE}/reports/{r1}/rewards"), Some(&li), Some(decide("8000"))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);

    let step = |action: &str, note: &str| json!({"action": action, "note": note});
    let url = format!("{BASE}/rewards/{id}/steps");
    // An unknown step is named.
    let r = app.api(Method::POST, &url, Some(&wang), Some(step("refund", ""))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["details"][0]["field"], "action");
    // Nothing is paid unapproved; triagers cannot approve; the decider cannot approve their own.
    let r = app.api(Method::POST, &url, Some(&wang), Some(step("pay", "TX-1"))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = app.api(Method::POST, &url, Some(&li), Some(step("approve", ""))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app.api(Method::POST, &url, Some(&chen), Some(step("approve", ""))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.json()["error"]["message"].as_str().expect("message").contains("second person"), "{}", r.body);
    let r = app.api(Method::POST, &url, Some(&wang), Some(step("approve", ""))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["approved_by"], "wang.fang");
    assert_eq!(r.json()["decided_by"], "chen.jing");

    // The reporter's tracking page shows their own share, approved.
    let mut alice = Browser::new(&app);
    let page = alice.get(&format!("/t/{}", reports[0].1)).await.body.clone();
    assert!(page.contains("6,375.00 CNY") && page.contains("approved"), "{page}");
    assert!(!page.contains("2,125.00"), "a reporter sees only their own share");
    let mut bob = Browser::new(&app);
    let page = bob.get(&format!("/t/{}", reports[1].1)).await.body.clone();
    assert!(page.contains("2,125.00 CNY") && !page.contains("6,375.00"), "{page}");

    // Paying needs the payment's reference.
    let r = app.api(Method::POST, &url, Some(&wang), Some(step("pay", " "))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = app.api(Method::POST, &url, Some(&chen), Some(step("pay", "ICBC-2026-1125-0042"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["state"], "paid");
    let r = app.api(Method::POST, &url, Some(&chen), Some(step("cancel", "changed our mind"))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "a payment is never undone");
    let page = alice.get(&format!("/t/{}", reports[0].1)).await.body.clone();
    assert!(page.contains("paid"), "{page}");

    // A reward at or below the threshold is approved by the person who decided it.
    let mut small = decide("4000");
    small["bonus_amount"] = json!("");
    small["bonus"] = json!("");
    small["shares"] = json!("");
    app.api(Method::POST, &format!("{BASE}/cases"), Some(&li), Some(json!({"reports": [r3]}))).await;
    let r = app.api(Method::POST, &format!("{BASE}/reports/{r3}/rewards"), Some(&chen), Some(small)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["needs_second_approver"], false);
    let small_id = r.json()["id"].as_str().expect("id").to_owned();
    let r = app
        .api(Method::POST, &format!("{BASE}/rewards/{small_id}/steps"), Some(&chen), Some(step("approve", "")))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .api(
            Method::POST,
            &format!("{BASE}/rewards/{small_id}/steps"),
            Some(&chen),
            Some(step("fail", "account closed")),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["failure_reason"], "account closed");

    // The ledger: totals by state, and the CSV has one row per share.
    let year = &app.clock.now().to_rfc3339()[..4];
    let ledger = app.api(Method::GET, &format!("{BASE}/rewards?from={year}-01-01"), Some(&chen), None).await.json();
    let totals: Vec<(String, i64, i64)> = ledger["totals"]
        .as_array()
        .expect("totals")
        .iter()
        .map(|t| {
            (
                t["state"].as_str().expect("state").to_owned(),
                t["count"].as_i64().expect("n"),
                t["sum_minor"].as_i64().expect("sum"),
            )
        })
        .collect();
    assert_eq!(totals, vec![("paid".to_owned(), 1, 850_000), ("failed".to_owned(), 1, 400_000)]);
    let r = app.api(Method::GET, &format!("{BASE}/rewards.csv?program=demo"), Some(&chen), None).await;
    assert_eq!(r.status, StatusCode::OK);
    let rows: Vec<&str> = r.body.lines().collect();
    assert_eq!(rows.len(), 4, "a header and one row per share: {}", r.body);
    assert!(
        rows.iter().any(|l| l.contains("Alice") && l.contains("6375.00") && l.contains("ICBC-2026-1125-0042")),
        "{}",
        r.body
    );
    assert!(rows.iter().any(|l| l.contains("Bob") && l.contains("2125.00")), "{}", r.body);
    let r = app.api(Method::GET, &format!("{BASE}/rewards?from=2026-13-01"), Some(&chen), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["details"][0]["field"], "from");

    // Every step is in the audit log with who made it.
    let log = app.db.store.audit_of_object("reward", &id).await.expect("audit");
    let actions: Vec<&str> = log.iter().map(|e| e.event.action.as_str()).collect();
    assert_eq!(actions, ["reward.decide", "reward.approved", "reward.paid"]);
    // The ledger page draws the month's bar and offers the CSV.
    let mut b = Browser::new(&app);
    assert_eq!(b.login("chen.jing", PASSWORD).await, StatusCode::SEE_OTHER);
    let page = b.get("/orgs/demo-networks/rewards").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("<svg") && page.body.contains("8,500.00"), "{}", page.body);
}

#[tokio::test]
async fn a_reporter_opts_into_the_hall_of_fame_and_gets_a_letter_for_a_valid_report_only() {
    let Setup { app, reports, .. } = setup().await;
    let mut alice = Browser::new(&app);
    let tracking = format!("/t/{}", reports[0].1);
    let page = alice.get(&tracking).await.body.clone();
    assert!(page.contains("letter.pdf"), "a valid report offers the letter");
    let r = alice.get(&format!("{tracking}/letter.pdf")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "application/pdf");
    // Both languages, the reporter's credit, the report and its case, read back by poppler.
    let text = r.pdf_text();
    for want in ["致谢函", "Letter of acknowledgement", "Alice", "DHCP overflow", "VD-2026-0001", "Org demo-networks"]
    {
        assert!(text.contains(want), "{want:?} missing from the letter: {text}");
    }
    // The report still in triage has no letter.
    let r = alice.get(&format!("/t/{}/letter.pdf", reports[2].1)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let r = alice.get("/p/demo/hall-of-fame").await;
    assert!(!r.body.contains("Alice"), "nobody is listed without consent");
    alice.get(&tracking).await;
    let r = alice.post(&format!("{tracking}/hall-of-fame"), &[("listed", "true")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = alice.get("/p/demo/hall-of-fame").await;
    assert!(r.body.contains("Alice") && !r.body.contains("Bob"), "{}", r.body);
}

/// SafeHarbor, a filed collection platform, with a program for demo-networks (a vendor in this
/// deployment) and one for a vendor abroad reached by e-mail.
async fn platform(app: &TestApp) -> (String, String) {
    let zhao = app.user("zhao.lei", false).await;
    let platform = app.org_of_kinds("safeharbor", &[OrgKind::CollectionPlatform]).await;
    app.member(platform, zhao, PersonRole::Admin).await;
    app.member(platform, zhao, PersonRole::Coordinator).await;
    let t = app.token(zhao, None, None).await;
    let filing = json!({"filing_number": "京公网安备-SRC-0001", "filed_on": "2026-01-15", "platform_name": "安全港",
        "homepage_url": "https://src.example", "icp_number": "京ICP备00000001号", "sponsor": "SafeHarbor Ltd",
        "contact": "Zhao Lei", "rules": "r"});
    let r = app.api(Method::PUT, "/api/v1/organisations/safeharbor/filing", Some(&t), Some(filing)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for (slug, name) in [("sh-demo", "Demo Networks"), ("sh-other", "Other Corp")] {
        let r = app
            .api(
                Method::POST,
                "/api/v1/organisations/safeharbor/programs",
                Some(&t),
                Some(json!({"slug": slug, "name": name, "scope": "third_party", "anonymous": true})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let r = app
        .api(
            Method::PUT,
            "/api/v1/organisations/safeharbor/programs/sh-demo/vendor",
            Some(&t),
            Some(json!({"vendor_org": "demo-networks", "jurisdiction": "CN", "response_hours": "48"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = app
        .api(
            Method::PUT,
            "/api/v1/organisations/safeharbor/programs/sh-other/vendor",
            Some(&t),
            Some(json!({"vendor_name": "Other Corp", "contact_email": "psirt@other.example", "jurisdiction": "US"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let mut ids = Vec::new();
    for slug in ["sh-demo", "sh-other"] {
        let r = app
            .api(
                Method::POST,
                &format!("/api/v1/programs/{slug}/reports"),
                None,
                Some(json!({"title": format!("Flaw for {slug}"), "description": "steps", "product": "Router",
                    "accept_policy": true, "credit_name": "Eve"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let listed = app.api(Method::GET, "/api/v1/organisations/safeharbor/reports", Some(&t), None).await.json();
    for slug in ["sh-demo", "sh-other"] {
        let title = format!("Flaw for {slug}");
        ids.push(
            listed.as_array().expect("list").iter().find(|r| r["title"] == title.as_str()).expect("r")["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    (t, format!("{}\n{}", ids[0], ids[1]))
}

#[tokio::test]
async fn a_platform_hands_off_to_vendors_and_refuses_undisclosed_details_abroad() {
    let Setup { app, li, .. } = setup().await;
    let (t, ids) = platform(&app).await;
    let (to_demo, to_other) = ids.split_once('\n').expect("two");
    let pbase = "/api/v1/organisations/safeharbor";

    // Platform triage first.
    let r = app.api(Method::POST, &format!("{pbase}/reports/{to_demo}/handoffs"), Some(&t), Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    for id in [to_demo, to_other] {
        let r = app
            .api(
                Method::POST,
                &format!("{pbase}/reports/{id}/triage"),
                Some(&t),
                Some(json!({"action": "acknowledge"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }

    // The platform opens its own case: numbers are per organisation, so it is VD-2026-0001 too.
    let r = app.api(Method::POST, &format!("{pbase}/cases"), Some(&t), Some(json!({"reports": [to_demo]}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["number"], "VD-2026-0001");

    // Advisory tracking ids are unique across the deployment: Demo Networks saved VD-2026-0001's
    // advisory first, so the platform's advisory for its own VD-2026-0001 is prefixed.
    let r = app
        .api(
            Method::PUT,
            &format!("{BASE}/cases/VD-2026-0001/advisory"),
            Some(&li),
            Some(json!({"tlp": "CLEAR", "title": "DHCP 溢出", "title_en": "DHCP overflow", "summary": "s", "summary_en": "s",
                "description": "d", "description_en": "d"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["tracking_id"], "VD-2026-0001");
    let r = app.api(Method::GET, &format!("{pbase}/cases/VD-2026-0001/advisory"), Some(&t), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["tracking_id"], "SAFEHARBOR-VD-2026-0001");

    // An overseas CERT is not the product's provider: refused, audited, nothing sent.
    let cert = json!({"recipient": "other", "name": "Some CERT", "email": "cert@abroad.example", "jurisdiction": "US"});
    let r = app.api(Method::POST, &format!("{pbase}/reports/{to_demo}/handoffs"), Some(&t), Some(cert)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.json()["error"]["message"].as_str().expect("m").contains("9(7)"), "{}", r.body);
    let audit = app.db.store.audit_of_object("report", to_demo).await.expect("audit");
    assert!(audit.iter().any(|e| e.event.action == "share.denied_abroad" && e.event.details.contains("Some CERT")));
    let r = app.api(Method::GET, &format!("{pbase}/reports/{to_demo}/handoffs"), Some(&t), None).await;
    assert_eq!(r.json().as_array().expect("list").len(), 0);

    // To the vendor in this deployment: a report with its own receipt in demo-networks' inbox.
    let r = app
        .api(
            Method::POST,
            &format!("{pbase}/reports/{to_demo}/handoffs"),
            Some(&t),
            Some(json!({"recipient": "vendor"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let h = r.json();
    assert_eq!(h["recipient"], "Org demo-networks");
    assert!(h["acknowledged_at"].is_null());
    let vendor_report = h["vendor_report"].as_str().expect("vendor report").to_owned();
    let r = app.api(Method::GET, &format!("{BASE}/reports/{vendor_report}"), Some(&li), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["title"], "Flaw for sh-demo");
    assert_eq!(r.json()["credit_name"], "Eve");
    let vendor_org = app.db.store.org_by_slug("demo-networks").await.expect("org").expect("org");
    let vr = app.db.store.report(vendor_report.parse().expect("id")).await.expect("r").expect("r");
    assert_eq!(vr.org, vendor_org.id);
    let (receipt, _) = app.db.store.receipt(vr.receipt_seq).await.expect("receipt").expect("receipt");
    assert_eq!(receipt.channel, vulndesk_core::intake::Channel::Handoff);
    // The vendor acknowledges in its own inbox; the platform sees it.
    let r = app
        .api(
            Method::POST,
            &format!("{BASE}/reports/{vendor_report}/triage"),
            Some(&li),
            Some(json!({"action": "acknowledge"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app.api(Method::GET, &format!("{pbase}/reports/{to_demo}/handoffs"), Some(&t), None).await;
    assert!(r.json()[0]["acknowledged_at"].is_string(), "{}", r.body);
    // The vendor's report page says where it came from.
    let mut b = Browser::new(&app);
    assert_eq!(b.login("li.wei", PASSWORD).await, StatusCode::SEE_OTHER);
    let page = b.get(&format!("/orgs/demo-networks/reports/{vendor_report}")).await;
    assert!(page.body.contains("Handed off by Org safeharbor"), "{}", page.body);

    // To the vendor abroad: allowed (it is the product's provider), by e-mail with a secret link.
    let r = app.api(Method::POST, &format!("{pbase}/reports/{to_other}/handoffs"), Some(&t), Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["by_email"], true);
    let mail = app.db.store.deliveries_for(to_other).await.expect("deliveries");
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].new.kind, "handoff");
    assert_eq!(mail[0].new.url, "mailto:psirt@other.example");
    let body: Value = serde_json::from_str(&mail[0].new.body).expect("json");
    let text = body["text"].as_str().expect("text");
    let link = text.split_whitespace().find(|w| w.contains("/h/")).expect("link");
    let path = &link[link.find("/h/").expect("path")..];
    // Past the 72-hour response time, the vendor is reminded once a day until it acknowledges;
    // the vendor organisation that acknowledged in its inbox is not.
    assert_eq!(vulndesk_jobs::handoff_sweep(&app.db.store, app.clock.now()).await.expect("sweep"), 0);
    app.clock.advance_secs(73 * 3600);
    assert_eq!(vulndesk_jobs::handoff_sweep(&app.db.store, app.clock.now()).await.expect("sweep"), 1);
    assert_eq!(vulndesk_jobs::handoff_sweep(&app.db.store, app.clock.now()).await.expect("sweep"), 0, "once a day");
    let mails = app.db.store.deliveries_for(to_other).await.expect("deliveries");
    let reminder = mails.iter().find(|d| d.new.kind == "handoff_reminder").expect("reminder");
    assert_eq!(reminder.new.url, "mailto:psirt@other.example");
    let r = app.api(Method::GET, &format!("{pbase}/reports/{to_other}/handoffs"), Some(&t), None).await;
    assert_eq!(r.json()[0]["overdue"], true);
    let mut vendor = Browser::new(&app);
    let page = vendor.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Flaw for sh-other"));
    assert_eq!(vendor.get("/h/0000").await.status, StatusCode::NOT_FOUND);
    vendor.get(path).await;
    let r = vendor.post(path, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = app.api(Method::GET, &format!("{pbase}/reports/{to_other}/handoffs"), Some(&t), None).await;
    assert!(r.json()[0]["acknowledged_at"].is_string(), "{}", r.body);
    let audit = app.db.store.audit_of_object("report", to_other).await.expect("audit");
    assert!(audit.iter().any(|e| e.event.action == "report.handoff_view"), "every opening of the link is audited");

    // Statistics for the filing authority count both reports, both handed off.
    let platform = app.db.store.org_by_slug("safeharbor").await.expect("org").expect("org");
    let now = app.clock.now();
    let stats = app
        .db
        .store
        .platform_statistics(
            platform.id,
            now.minus(std::time::Duration::from_secs(7 * 86_400)),
            now.plus(std::time::Duration::from_secs(86_400)),
        )
        .await
        .expect("stats");
    let received: i64 = stats.iter().map(|s| s.received).sum();
    let handed: i64 = stats.iter().map(|s| s.handed_off).sum();
    assert_eq!((received, handed), (2, 2), "{stats:?}");
    assert!(stats.iter().any(|s| s.vendor == "Other Corp"));
}

#[tokio::test]
async fn changing_a_filed_field_opens_a_task_to_update_the_filing() {
    let app = TestApp::new().await;
    app.org("demo-networks").await;
    let (t, _) = platform(&app).await;
    let filing = |sponsor: &str| {
        json!({"filing_number": "京公网安备-SRC-0001", "filed_on": "2026-01-15", "platform_name": "安全港",
            "homepage_url": "https://src.example", "icp_number": "京ICP备00000001号", "sponsor": sponsor,
            "contact": "Zhao Lei", "rules": "r"})
    };
    let r =
        app.api(Method::PUT, "/api/v1/organisations/safeharbor/filing", Some(&t), Some(filing("SafeHarbor Ltd"))).await;
    assert_eq!(r.json()["update_filing_with_authority"], false, "nothing changed");
    let r = app
        .api(Method::PUT, "/api/v1/organisations/safeharbor/filing", Some(&t), Some(filing("SafeHarbor Group")))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["update_filing_with_authority"], true);
    assert!(r.json()["update_due_at"].is_string());
    let platform = app.db.store.org_by_slug("safeharbor").await.expect("org").expect("org");
    let tasks = app.db.store.filing_tasks(platform.id).await.expect("tasks");
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].changed, ["sponsor"]);
    // Past its due date the platform's admins are reminded by mail, once a week until it is done.
    assert_eq!(vulndesk_jobs::filing_sweep(&app.db.store, app.clock.now()).await.expect("sweep"), 0, "not due yet");
    app.clock.advance_secs(31 * 86_400);
    assert_eq!(
        vulndesk_jobs::filing_sweep(&app.db.store, app.clock.now()).await.expect("sweep"),
        0,
        "no admin address"
    );
    let ctx = vulndesk_core::AuditContext::system(app.clock.now());
    let admin = app
        .db
        .store
        .create_user(
            &vulndesk_store::NewUser {
                id: vulndesk_core::UserId::mint(app.clock.now(), rand::random()),
                username: vulndesk_core::Username::parse("sun.wei").expect("name"),
                display_name: "Sun Wei".into(),
                email: "sun.wei@src.example".into(),
                password_hash: "x".into(),
                site_admin: false,
                locale: None,
            },
            &ctx,
        )
        .await
        .expect("user");
    app.member(platform.id, admin.id, PersonRole::Admin).await;
    assert_eq!(vulndesk_jobs::filing_sweep(&app.db.store, app.clock.now()).await.expect("sweep"), 1);
    assert_eq!(vulndesk_jobs::filing_sweep(&app.db.store, app.clock.now()).await.expect("sweep"), 0, "once a week");
    let mail = app.db.store.deliveries_for(&tasks[0].id).await.expect("deliveries");
    assert_eq!(mail[0].new.url, "mailto:sun.wei@src.example");
    assert!(mail[0].new.body.contains("sponsor"), "{}", mail[0].new.body);
    let mut b = Browser::new(&app);
    assert_eq!(b.login("zhao.lei", PASSWORD).await, StatusCode::SEE_OTHER);
    let page = b.get("/orgs/safeharbor/platform").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("data-testid=\"filing-task\"") && page.body.contains("sponsor"), "{}", page.body);
    let r = b.post(&format!("/orgs/safeharbor/filing/tasks/{}", tasks[0].id), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(app.db.store.filing_tasks(platform.id).await.expect("tasks")[0].done_at.is_some());
}

/// A researcher with an account reports while signed in: the report is theirs, their page lists
/// it with its case state and reward, the reputation counts it, and only they get its letter.
#[tokio::test]
async fn a_registered_reporter_sees_their_reports_reputation_and_letter() {
    use axum::body::Body;
    use axum::http::{Request, header};
    let Setup { app, chen, li, .. } = setup().await;
    app.user("ada.researcher", false).await;
    let mut ada = Browser::new(&app);
    assert_eq!(ada.login("ada.researcher", PASSWORD).await, StatusCode::SEE_OTHER);
    ada.get("/p/demo").await;
    let csrf = ada.csrf();
    let boundary = "adaBoundary";
    let field =
        |n: &str, v: &str| format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{n}\"\r\n\r\n{v}\r\n");
    let body = [
        field("csrf", &csrf),
        field("title", "Admin page reachable from the guest network"),
        field("description", "d"),
        field("product", "AX3000"),
        field("credit_name", "Ada R."),
        field("accept_policy", "on"),
        format!("--{boundary}--\r\n"),
    ]
    .concat();
    let cookie = ["vd_session", "vd_csrf"]
        .iter()
        .filter_map(|n| ada.cookie(n).map(|v| format!("{n}={v}")))
        .collect::<Vec<_>>()
        .join("; ");
    let req = Request::builder()
        .method(Method::POST)
        .uri("/p/demo")
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .header(header::COOKIE, cookie)
        .header("sec-fetch-site", "same-origin")
        .body(Body::from(body))
        .expect("request");
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let page = ada.get("/account/reports").await;
    assert!(page.body.contains("Admin page reachable from the guest network"), "{}", page.body);
    assert!(page.body.contains("data-testid=\"valid-share\">—<"), "nothing decided yet: {}", page.body);
    let listed = app.api(Method::GET, &format!("{BASE}/reports"), Some(&li), None).await.json();
    let id = listed
        .as_array()
        .expect("reports")
        .iter()
        .find(|r| r["title"] == "Admin page reachable from the guest network")
        .expect("listed")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let r = app.api(Method::POST, &format!("{BASE}/cases"), Some(&li), Some(json!({"reports": [id]}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    app.api(Method::PUT, &format!("{BASE}/programs/demo/reward-table"), Some(&chen), Some(table())).await;
    let r = app
        .api(
            Method::POST,
            &format!("{BASE}/reports/{id}/rewards"),
            Some(&li),
            Some(json!({"grade": "high", "amount": "4000", "reason": "clear"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let page = ada.get("/account/reports").await;
    assert!(page.body.contains("data-testid=\"valid-share\">100 %<"), "{}", page.body);
    assert!(page.body.contains("4,000.00 CNY") && page.body.contains("pending approval"), "{}", page.body);
    let letter = ada.get(&format!("/account/reports/{id}/letter.pdf")).await;
    assert_eq!(letter.status, StatusCode::OK);
    assert!(letter.pdf_text().contains("Ada R."));
    // Someone else's report, or someone else asking, is not found.
    app.user("mallory", false).await;
    let mut mallory = Browser::new(&app);
    assert_eq!(mallory.login("mallory", PASSWORD).await, StatusCode::SEE_OTHER);
    assert_eq!(mallory.get(&format!("/account/reports/{id}/letter.pdf")).await.status, StatusCode::NOT_FOUND);
    assert!(!mallory.get("/account/reports").await.body.contains("guest network"));
}
