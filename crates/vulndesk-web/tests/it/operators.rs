//! Network operators (Art. 8): findings follow the inventory, the deployment's OSV data and
//! suppliers' VEX on their own; remediation is confirmed or reopened by the re-match; risk
//! acceptances end; the organisation's SLA matrix sets new deadlines; the board counts what is
//! open, overdue and how long remediation took.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use vulndesk_core::{Clock, PersonRole};

use crate::harness::{Browser, PASSWORD, Reply, TestApp};

const DAY: i64 = 86_400;

fn shared(path: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

async fn raw(app: &TestApp, path: &str, token: &str, content_type: &str, body: Vec<u8>) -> Reply {
    app.send(
        Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, content_type)
            .header(header::ACCEPT_LANGUAGE, "en")
            .body(Body::from(body))
            .expect("request"),
    )
    .await
}

fn finding<'a>(list: &'a Value, vulnerability: &str) -> &'a Value {
    list.as_array()
        .expect("findings")
        .iter()
        .find(|f| f["vulnerability"] == vulnerability)
        .unwrap_or_else(|| panic!("no finding for {vulnerability}: {list}"))
}

fn days_between(a: &Value, b: &Value) -> i64 {
    let t = |v: &Value| vulndesk_core::Timestamp::parse_rfc3339(v.as_str().expect("time")).expect("time").as_micros();
    (t(b) - t(a)) / (DAY * 1_000_000)
}

#[tokio::test]
async fn findings_follow_the_inventory_osv_vex_and_the_sla_matrix() {
    let app = TestApp::new().await;
    let admin = app.user("wang.fang", false).await;
    let auditor = app.user("qian.hao", false).await;
    let org = app.org("metro-transit").await;
    app.member(org, admin, PersonRole::Admin).await;
    app.member(org, auditor, PersonRole::Auditor).await;
    let t = app.token(admin, None, None).await;
    let a = app.token(auditor, None, None).await;
    let root = app.user("root", true).await;
    let root = app.token(root, None, None).await;
    let org_api = "/api/v1/organisations/metro-transit";

    // The organisation's SLA matrix: a bad line is named and nothing changes; auditors cannot set it.
    let sla = app.api(Method::GET, &format!("{org_api}/sla-matrix"), Some(&a), None).await.json();
    assert_eq!(sla["default"], true);
    assert!(sla["matrix"].as_str().expect("text").starts_with("critical: 3 7 7 15"), "{sla}");
    let r = app
        .api(Method::PUT, &format!("{org_api}/sla-matrix"), Some(&t), Some(json!({"matrix": "high: 20 15 15 30"})))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a stricter column may not be longer: {}", r.body);
    assert!(r.json()["error"]["details"][0]["message"].as_str().unwrap_or("").contains("line 1"), "{}", r.body);
    let r = app
        .api(Method::PUT, &format!("{org_api}/sla-matrix"), Some(&a), Some(json!({"matrix": "high: 2 15 15 30"})))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .api(Method::PUT, &format!("{org_api}/sla-matrix"), Some(&t), Some(json!({"matrix": "high: 2 15 15 30"})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["default"], false);
    assert!(r.json()["matrix"].as_str().expect("text").contains("high: 2 15 15 30"));

    // OSV data first, graded HIGH by its database; then the assets: adding one re-matches at once.
    let osv = json!([
        {"id": "GHSA-2099-lodash", "modified": "2099-01-01T00:00:00Z", "aliases": ["CVE-2099-2000"],
         "database_specific": {"severity": "HIGH"},
         "affected": [{"package": {"ecosystem": "npm", "name": "lodash"},
            "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}]}]},
        {"id": "GHSA-2099-log4j", "modified": "2099-01-01T00:00:00Z", "aliases": ["CVE-2021-44228"],
         "database_specific": {"severity": "CRITICAL"},
         "affected": [{"package": {"ecosystem": "Maven", "name": "org.apache.logging.log4j:log4j-core"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "2.0"}, {"fixed": "2.15.0"}]}]}]}
    ]);
    assert!(app.api(Method::POST, "/api/v1/osv", Some(&root), Some(osv)).await.status.is_success());
    let add = |body: Value| {
        let app = &app;
        let t = t.clone();
        async move { app.api(Method::POST, "/api/v1/organisations/metro-transit/assets", Some(&t), Some(body)).await }
    };
    let r = add(json!({"name": "fare-portal", "exposure": "internet_facing", "protection_level": "3",
        "components": "pkg:npm/lodash@4.17.20"}))
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let found = app.api(Method::GET, &format!("{org_api}/findings"), Some(&a), None).await.json();
    let lodash = finding(&found, "CVE-2099-2000");
    assert_eq!((lodash["grade"].as_str(), lodash["state"].as_str()), (Some("high"), Some("verifying")));
    assert_eq!(days_between(&lodash["first_seen"], &lodash["due_at"]), 2, "the organisation's own matrix");
    let lodash_id = lodash["id"].as_str().expect("id").to_owned();

    // A CSAF VEX from Secvisogram says its product (≤ 1.14.0) is not affected by Log4Shell: the
    // asset running it has the log4j component, so the finding is closed with the statement.
    let r = add(json!({"name": "psirt-editor", "vendor": "Secvisogram", "product": "Secvisogram", "version": "1.12.0",
        "components": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"}))
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let found = app.api(Method::GET, &format!("{org_api}/findings"), Some(&t), None).await.json();
    let log4j = finding(&found, "CVE-2021-44228");
    assert_eq!((log4j["grade"].as_str(), log4j["state"].as_str()), (Some("critical"), Some("verifying")));
    let csaf_vex = shared("csaf/examples/csaf/csaf_vex/sec-vex-2022-0001.json");
    let r = raw(&app, &format!("{org_api}/vex"), &a, "application/json", csaf_vex.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "auditors change nothing");
    let r = raw(&app, &format!("{org_api}/vex?name=Secvisogram"), &t, "application/json", csaf_vex.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["document"]["format"], "csaf");
    assert_eq!(r.json()["rematch"]["not_affected"], 1, "{}", r.body);
    let vex_id = r.json()["document"]["id"].as_str().expect("id").to_owned();
    let r = raw(&app, &format!("{org_api}/vex"), &t, "application/json", csaf_vex).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "the same document twice");
    let found = app.api(Method::GET, &format!("{org_api}/findings"), Some(&t), None).await.json();
    let log4j = finding(&found, "CVE-2021-44228");
    assert_eq!(log4j["state"], "not_affected");
    let evidence = log4j["evidence"].as_str().expect("evidence");
    assert!(evidence.contains("VEX Secvisogram") && evidence.contains("component_not_present"), "{evidence}");
    // Removing the document reopens it: the match is still there.
    let r = app.api(Method::DELETE, &format!("{org_api}/vex/{vex_id}"), Some(&t), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let found = app.api(Method::GET, &format!("{org_api}/findings"), Some(&t), None).await.json();
    assert_eq!(finding(&found, "CVE-2021-44228")["state"], "verifying");
    // A document that is neither is refused with why, and nothing is stored.
    let r = raw(&app, &format!("{org_api}/vex"), &t, "application/json", b"{\"hello\": 1}".to_vec()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("neither a CSAF 2.0 document"), "{}", r.body);
    assert_eq!(app.api(Method::GET, &format!("{org_api}/vex"), Some(&a), None).await.json(), json!([]));

    // A CycloneDX VEX: the fare portal's lodash is not reachable.
    let cdx = json!({"bomFormat": "CycloneDX", "specVersion": "1.5", "vulnerabilities": [{"id": "CVE-2099-2000",
        "analysis": {"state": "not_affected", "justification": "code_not_reachable"},
        "affects": [{"ref": "pkg:npm/lodash@4.17.20"}]}]});
    let r = raw(&app, &format!("{org_api}/vex"), &t, "application/json", cdx.to_string().into_bytes()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let found = app.api(Method::GET, &format!("{org_api}/findings"), Some(&t), None).await.json();
    assert_eq!(finding(&found, "CVE-2099-2000")["state"], "not_affected");
    let cdx_id = r.json()["document"]["id"].as_str().expect("id").to_owned();
    assert_eq!(
        app.api(Method::DELETE, &format!("{org_api}/vex/{cdx_id}"), Some(&t), None).await.status,
        StatusCode::NO_CONTENT
    );

    // Remediation: marked remediated while the inventory still says 4.17.20, the re-match reopens
    // it; once the inventory says 4.17.21 it closes, confirmed.
    let step = |id: String, body: Value| {
        let app = &app;
        let t = t.clone();
        async move {
            app.api(
                Method::POST,
                &format!("/api/v1/organisations/metro-transit/findings/{id}/steps"),
                Some(&t),
                Some(body),
            )
            .await
        }
    };
    assert_eq!(step(lodash_id.clone(), json!({"action": "confirm"})).await.status, StatusCode::NO_CONTENT);
    app.clock.advance_secs(3 * DAY);
    let board = app.api(Method::GET, &format!("{org_api}/findings/board"), Some(&a), None).await.json();
    assert_eq!((board["open"].as_u64(), board["overdue"].as_u64()), (Some(2), Some(1)), "{board}");
    let high =
        board["by_grade"].as_array().expect("grades").iter().find(|g| g["grade"] == "high").expect("high").clone();
    assert_eq!((high["open"].as_u64(), high["overdue"].as_u64()), (Some(1), Some(1)));
    assert_eq!(board["weekly_open"].as_array().expect("weeks").len(), 12);
    assert_eq!(board["weekly_open"][11]["open"], 2);
    let r = step(lodash_id.clone(), json!({"action": "remediated", "evidence": "CHG-4411 upgraded lodash"})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = app.api(Method::POST, &format!("{org_api}/findings/sync"), Some(&t), None).await.json();
    assert_eq!(r["reopened"], 1, "{r}");
    let found = app.api(Method::GET, &format!("{org_api}/findings"), Some(&t), None).await.json();
    let lodash = finding(&found, "CVE-2099-2000");
    assert_eq!(lodash["state"], "remediating");
    assert!(lodash["evidence"].as_str().expect("evidence").contains("still affected"), "{lodash}");
    let r = add(json!({"name": "fare-portal", "exposure": "internet_facing", "protection_level": "3",
        "components": "pkg:npm/lodash@4.17.21"}))
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let found = app.api(Method::GET, &format!("{org_api}/findings"), Some(&t), None).await.json();
    let lodash = finding(&found, "CVE-2099-2000");
    assert_eq!(lodash["state"], "remediated");
    assert!(lodash["confirmed_at"].is_string(), "{lodash}");
    let board = app.api(Method::GET, &format!("{org_api}/findings/board"), Some(&t), None).await.json();
    let ttr = board["time_to_remediate"]
        .as_array()
        .expect("ttr")
        .iter()
        .find(|g| g["grade"] == "high")
        .expect("high")
        .clone();
    assert_eq!(
        (ttr["remediated"].as_u64(), ttr["median_days"].as_u64(), ttr["late"].as_u64()),
        (Some(1), Some(4), Some(1)),
        "{board}"
    );

    // A risk acceptance ends: the finding reopens at the first re-match after its last day.
    let log4j_id = finding(&found, "CVE-2021-44228")["id"].as_str().expect("id").to_owned();
    let tomorrow = vulndesk_core::Timestamp::from_micros(app.clock.now().as_micros() + DAY * 1_000_000).to_rfc3339();
    let r = step(
        log4j_id.clone(),
        json!({"action": "accept", "evidence": "isolated VLAN, no JNDI egress", "until": &tomorrow[..10]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let found = app.api(Method::GET, &format!("{org_api}/findings"), Some(&a), None).await.json();
    let log4j = finding(&found, "CVE-2021-44228");
    assert_eq!((log4j["state"].as_str(), log4j["accepted_by"].as_str()), (Some("accepted"), Some("wang.fang")));
    app.clock.advance_secs(2 * DAY);
    let r = app.api(Method::POST, &format!("{org_api}/findings/sync"), Some(&t), None).await.json();
    assert_eq!(r["reopened"], 1, "{r}");
    let found = app.api(Method::GET, &format!("{org_api}/findings"), Some(&t), None).await.json();
    let log4j = finding(&found, "CVE-2021-44228");
    assert_eq!(log4j["state"], "remediating");
    assert!(log4j["evidence"].as_str().expect("evidence").contains("risk acceptance ended"), "{log4j}");

    // An asset's components from its SBOM: the CycloneDX example's package URLs replace them.
    let assets = app.api(Method::GET, &format!("{org_api}/assets"), Some(&t), None).await.json();
    let editor = assets.as_array().expect("assets").iter().find(|x| x["name"] == "psirt-editor").expect("asset");
    let editor_id = editor["id"].as_str().expect("id");
    let sbom = shared("cyclonedx/SBOM/laravel-7.12.0/bom.1.3.json");
    let r = raw(&app, &format!("{org_api}/assets/{editor_id}/sbom"), &t, "application/json", sbom).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let stored = r.json()["components"].as_u64().expect("count");
    assert!(stored > 10, "{}", r.body);
    let assets = app.api(Method::GET, &format!("{org_api}/assets"), Some(&t), None).await.json();
    let editor = assets.as_array().expect("assets").iter().find(|x| x["name"] == "psirt-editor").expect("asset");
    assert_eq!(editor["components"].as_array().expect("components").len() as u64, stored);
    let found = app.api(Method::GET, &format!("{org_api}/findings"), Some(&t), None).await.json();
    assert_eq!(finding(&found, "CVE-2021-44228")["state"], "remediated", "log4j is gone from its inventory");
    let r = raw(&app, &format!("{org_api}/assets/{editor_id}/sbom"), &t, "application/json", b"{}".to_vec()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = raw(&app, &format!("{org_api}/assets/nope/sbom"), &t, "application/json", b"{}".to_vec()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Exports are de-identified unless a catalogue keeper asks, and that export is audited.
    let asset_csv = |token: String, q: &'static str| {
        let app = &app;
        async move {
            app.api(Method::GET, &format!("/api/v1/organisations/metro-transit/assets.csv{q}"), Some(&token), None)
                .await
        }
    };
    app.api(
        Method::POST,
        &format!("{org_api}/assets"),
        Some(&t),
        Some(json!({"name": "=cmd|' /C calc'!A0",
        "addresses": "10.9.8.7", "hostnames": "depot.metro.example"})),
    )
    .await;
    let plain = asset_csv(a.clone(), "").await;
    assert_eq!(plain.status, StatusCode::OK);
    assert!(plain.body.starts_with("name,hostnames,addresses,"), "{}", plain.body);
    assert!(!plain.body.contains("10.9.8.7") && !plain.body.contains("depot.metro"), "{}", plain.body);
    assert!(plain.body.contains("'=cmd"), "a formula is quoted: {}", plain.body);
    assert_eq!(asset_csv(a.clone(), "?restricted=true").await.status, StatusCode::FORBIDDEN);
    let full = asset_csv(t.clone(), "?restricted=true").await;
    assert!(full.body.contains("10.9.8.7") && full.body.contains("depot.metro.example"), "{}", full.body);
    let log = app.db.store.audit_of_object("organisation", &org.to_string()).await.expect("audit");
    assert!(log.iter().any(|e| e.event.action == "asset.restricted_export"));

    // Every change is audited.
    let log = app.db.store.audit_of_object("finding", &lodash_id).await.expect("audit");
    let actions: Vec<&str> = log.iter().map(|e| e.event.details.as_str()).collect();
    assert!(actions.iter().any(|d| d.contains("\"by\":\"re-match\"")), "{actions:?}");

    // The page: the board, the charts, the overdue list; the SLA form refuses a bad matrix.
    let mut b = Browser::new(&app);
    assert_eq!(b.login("wang.fang", PASSWORD).await, StatusCode::SEE_OTHER);
    let page = b.get("/orgs/metro-transit/findings").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("data-testid=\"findings-board\"") && page.body.contains("Open findings, week by week"),
        "{}",
        page.body
    );
    assert!(page.body.contains("CVE-2021-44228") && page.body.contains("data-testid=\"sla-form\""));
    let r = b.post("/orgs/metro-transit/sla", &[("matrix", "urgent: 1 1 1 1")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("unknown grade"), "{}", r.body);
    let mut b = Browser::new(&app);
    assert_eq!(b.login("qian.hao", PASSWORD).await, StatusCode::SEE_OTHER);
    let page = b.get("/orgs/metro-transit/findings").await;
    assert!(
        !page.body.contains("data-testid=\"vex-form\"") && !page.body.contains("data-testid=\"sla-form\""),
        "auditors read only"
    );
}
