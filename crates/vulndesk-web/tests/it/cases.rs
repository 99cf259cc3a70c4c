//! Cases over HTTP: a report promoted to a case, the guards of the lifecycle refusing with what is
//! missing (in the caller's language), CVSS scored by vulndesk, the 48-hour authority deadline,
//! need-to-know, and `aware_at` changes audited.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;
use vulndesk_core::PersonRole;

use crate::harness::{Browser, PASSWORD, TestApp};

async fn setup() -> (TestApp, String, String, String) {
    let app = TestApp::new().await;
    let admin = app.user("chen.jing", false).await;
    let triager = app.user("li.wei", false).await;
    let auditor = app.user("qian.hao", false).await;
    let org = app.org("demo-networks").await;
    app.member(org, admin, PersonRole::Admin).await;
    app.member(org, triager, PersonRole::Triager).await;
    app.member(org, auditor, PersonRole::Auditor).await;
    let admin_t = app.token(admin, None, None).await;
    let triager_t = app.token(triager, None, None).await;
    let auditor_t = app.token(auditor, None, None).await;
    let r = app
        .api(
            Method::POST,
            "/api/v1/organisations/demo-networks/programs",
            Some(&admin_t),
            Some(json!({"slug": "demo", "name": "Demo", "scope": "own_products", "anonymous": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = app
        .api(
            Method::POST,
            "/api/v1/programs/demo/reports",
            None,
            Some(json!({"title": "DHCP crash", "description": "d", "product": "AX3000", "accept_policy": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    (app, admin_t, triager_t, auditor_t)
}

#[tokio::test]
async fn a_report_becomes_a_case_that_is_confirmed_only_with_verification_severity_and_scope() {
    let (app, admin_t, t, auditor_t) = setup().await;
    let reports = app.api(Method::GET, "/api/v1/organisations/demo-networks/reports", Some(&t), None).await.json();
    let report_id = reports[0]["id"].as_str().expect("id").to_owned();
    let received_at = reports[0]["received_at"].as_str().expect("time").to_owned();

    let r = app
        .api(Method::POST, "/api/v1/organisations/demo-networks/cases", Some(&t), Some(json!({"reports": [report_id]})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let case = r.json();
    assert_eq!(case["number"], "VD-2026-0001");
    assert_eq!(case["state"], "received");
    assert_eq!(case["aware_at"], received_at.as_str(), "aware_at defaults to the first receipt");
    let authority = case["deadlines"]
        .as_array()
        .expect("deadlines")
        .iter()
        .find(|d| d["kind"] == "authority_report")
        .cloned()
        .expect("due");
    let aware = vulndesk_core::Timestamp::parse_rfc3339(&received_at).expect("time");
    assert_eq!(authority["due"], aware.plus(std::time::Duration::from_secs(48 * 3600)).to_rfc3339());
    let report = app
        .api(Method::GET, &format!("/api/v1/organisations/demo-networks/reports/{report_id}"), Some(&t), None)
        .await
        .json();
    assert_eq!(report["status"], "promoted");

    let base = "/api/v1/organisations/demo-networks/cases/VD-2026-0001";
    // Confirming too early names everything missing, in the caller's language.
    let req = Request::builder()
        .method(Method::POST)
        .uri(format!("{base}/transitions"))
        .header(header::AUTHORIZATION, format!("Bearer {t}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT_LANGUAGE, "zh-CN")
        .body(Body::from(json!({"event": "confirm"}).to_string()))
        .expect("request");
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let m = r.json()["error"]["message"].as_str().unwrap_or("").to_owned();
    assert!(m.contains("验证记录") && m.contains("危害程度") && m.contains("影响范围"), "{m}");

    // A bad vector names the metric; a good one is scored by vulndesk.
    let r = app
        .api(Method::PUT, &format!("{base}/assessment"), Some(&t), Some(json!({"cvss_vector": "CVSS:3.1/AV:Q/AC:L"})))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["details"][0]["field"], "cvss_vector");
    assert!(r.json()["error"]["details"][0]["message"].as_str().unwrap_or("").contains("AV"), "{}", r.body);
    let vector = "CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
    let r = app
        .api(
            Method::PUT,
            &format!("{base}/assessment"),
            Some(&t),
            Some(json!({"cvss_vector": vector, "cwe": "cwe-122"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.json()["cvss_score"].clone(), r.json()["grade"].clone(), r.json()["cwe"].clone()),
        (json!("8.7"), json!("high"), json!("CWE-122"))
    );

    let r = app.api(Method::POST, &format!("{base}/transitions"), Some(&t), Some(json!({"event": "confirm"}))).await;
    let m = r.json()["error"]["message"].as_str().unwrap_or("").to_owned();
    assert!(m.contains("verification record") && m.contains("scope of impact") && !m.contains("severity"), "{m}");

    let r = app
        .api(
            Method::POST,
            &format!("{base}/verifications"),
            Some(&t),
            Some(json!({"environment": "AX3000 fw 2.1.4", "method": "dhcp_poc.py", "result": "reboot", "reproduced": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app
        .api(
            Method::PUT,
            &format!("{base}/assessment"),
            Some(&t),
            Some(json!({"cvss_vector": vector, "scope_of_impact_en": "AX3000, AX3000-Pro firmware 2.0.0–2.1.4"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app.api(Method::POST, &format!("{base}/transitions"), Some(&t), Some(json!({"event": "confirm"}))).await;
    assert_eq!((r.status, r.json()["state"].clone()), (StatusCode::OK, json!("confirmed")), "{}", r.body);

    // The dossier lists every Article 7 step; those the case went through carry time and actor.
    let d = app.api(Method::GET, &format!("{base}/dossier"), Some(&t), None).await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.body);
    let steps = d.json()["steps"].as_array().cloned().expect("steps");
    let status = |name: &str| {
        steps.iter().find(|s| s["step"] == name).map(|s| (s["status"].clone(), s["actor"].clone())).expect(name)
    };
    for done in ["aware", "verified", "assessed", "confirmed"] {
        let (st, actor) = status(done);
        assert_eq!(st, "done", "{done}: {steps:?}");
        assert!(actor.is_string(), "{done} has an actor");
    }
    assert_eq!(status("confirmed").1, "li.wei");
    assert_eq!(status("upstream_notified").0, "not_applicable");
    assert_eq!(status("authority_reported").0, "pending");
    assert_eq!(steps.len(), 10);
    // The same dossier as a PDF to file, read back by poppler.
    let mut b = Browser::new(&app);
    assert_eq!(b.login("li.wei", PASSWORD).await, StatusCode::SEE_OTHER);
    let pdf = b.get("/orgs/demo-networks/cases/VD-2026-0001/dossier.pdf").await;
    assert_eq!(pdf.status, StatusCode::OK);
    let text = pdf.pdf_text();
    assert!(text.contains("VD-2026-0001") && text.contains("li.wei") && text.contains("Art. 7"), "{text}");

    // Fixes are recorded with the remediation work: until then, marking fixed names what is missing.
    let r = app.api(Method::POST, &format!("{base}/transitions"), Some(&t), Some(json!({"event": "mark_fixed"}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("fix or mitigation"));
    // Events that do not apply say so.
    let r = app.api(Method::POST, &format!("{base}/transitions"), Some(&t), Some(json!({"event": "reopen"}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // The board shows the authority deadline.
    let board = app
        .api(Method::GET, "/api/v1/organisations/demo-networks/deadlines?kind=authority_report", Some(&t), None)
        .await;
    assert_eq!(board.status, StatusCode::OK);
    assert_eq!(board.json()[0]["case"], "VD-2026-0001");
    assert!(board.json()[0]["remaining_seconds"].as_i64().is_some_and(|s| s > 47 * 3600 && s <= 48 * 3600));
    // By product: the report named AX3000; any case and spacing finds it, another product does not.
    let by = |p: &'static str| {
        let app = &app;
        let t = &t;
        async move {
            let r = app
                .api(Method::GET, &format!("/api/v1/organisations/demo-networks/deadlines?product={p}"), Some(t), None)
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            r.json()
                .as_array()
                .expect("list")
                .iter()
                .map(|d| d["case"].as_str().unwrap_or("").to_owned())
                .collect::<std::collections::BTreeSet<_>>()
        }
    };
    assert_eq!(by("ax3000").await.into_iter().collect::<Vec<_>>(), ["VD-2026-0001"]);
    assert_eq!(by("%20AX30%20").await.into_iter().collect::<Vec<_>>(), ["VD-2026-0001"]);
    assert!(by("EX9000").await.is_empty());

    // Need-to-know: the auditor reads but cannot move; the organisation's admin reads nothing.
    assert_eq!(app.api(Method::GET, base, Some(&auditor_t), None).await.status, StatusCode::OK);
    let r = app
        .api(
            Method::POST,
            &format!("{base}/transitions"),
            Some(&auditor_t),
            Some(json!({"event": "start_remediation"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(app.api(Method::GET, base, Some(&admin_t), None).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn setting_aside_needs_a_reason_and_aware_at_changes_are_audited() {
    let (app, _, t, _) = setup().await;
    let r = app
        .api(
            Method::POST,
            "/api/v1/organisations/demo-networks/cases",
            Some(&t),
            Some(json!({"title": "Found in audit", "aware_at": "2026-11-17T08:00:00Z"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let base = "/api/v1/organisations/demo-networks/cases/VD-2026-0001";
    let r = app.api(Method::POST, &format!("{base}/transitions"), Some(&t), Some(json!({"event": "reject"}))).await;
    assert!(r.status == StatusCode::CONFLICT && r.body.contains("a reason"), "{}", r.body);
    let r = app
        .api(
            Method::POST,
            &format!("{base}/transitions"),
            Some(&t),
            Some(json!({"event": "reject", "reason": "works as designed"})),
        )
        .await;
    assert_eq!(r.json()["state"], "rejected");
    let r = app
        .api(
            Method::POST,
            &format!("{base}/transitions"),
            Some(&t),
            Some(json!({"event": "reopen", "reason": "new evidence"})),
        )
        .await;
    assert_eq!(r.json()["state"], "triage");

    let r = app
        .api(Method::PUT, &format!("{base}/assessment"), Some(&t), Some(json!({"aware_at": "2026-11-16T08:00"})))
        .await;
    assert_eq!(r.json()["aware_at"], "2026-11-16T08:00:00.000000Z");
    let events = app.db.store.audit_list(None, None, 5).await.expect("audit");
    let change = events.iter().find(|e| e.event.action == "case.aware_at_changed").expect("audited");
    assert!(
        change.event.details.contains("2026-11-17T08:00:00") && change.event.details.contains("2026-11-16T08:00:00")
    );
    let r = app.api(Method::PUT, &format!("{base}/assessment"), Some(&t), Some(json!({"aware_at": "last week"}))).await;
    assert_eq!(r.json()["error"]["details"][0]["field"], "aware_at");
}

#[tokio::test]
async fn the_case_page_refuses_confirmation_naming_the_scope_of_impact() {
    let (app, _, _, _) = setup().await;
    let mut b = Browser::new(&app);
    b.login("li.wei", PASSWORD).await;
    let inbox = b.get("/orgs/demo-networks/inbox").await;
    let start = inbox.body.find("/orgs/demo-networks/reports/").expect("report link");
    let link: String = inbox.body[start..].chars().take_while(|c| *c != '"').collect();
    b.get(&link).await;
    let r = b.post(&format!("{link}/promote"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let case = r.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).expect("to the case").to_owned();
    b.get(&case).await;
    b.post(
        &format!("{case}/verification"),
        &[("environment", "lab"), ("method", "poc"), ("result", "crash"), ("reproduced", "on")],
    )
    .await;
    b.get(&case).await;
    b.post(&format!("{case}/assessment"), &[("cvss_vector", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")]).await;
    let page = b.get(&case).await;
    assert!(page.body.contains("9.8") && page.body.contains("Critical"), "scored by vulndesk");
    let r = b.post(&format!("{case}/transition"), &[("event", "confirm")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("the scope of impact") && r.body.contains("data-testid=\"case-errors\""), "{}", r.body);
}

#[tokio::test]
async fn shared_comments_reach_the_reporter_and_internal_ones_do_not() {
    let (app, _, t, _) = setup().await;
    let token = {
        let r = app
            .api(
                Method::POST,
                "/api/v1/programs/demo/reports",
                None,
                Some(json!({"title": "t", "description": "d", "product": "p", "accept_policy": true})),
            )
            .await;
        r.json()["tracking_token"].as_str().expect("token").to_owned()
    };
    let reports = app.api(Method::GET, "/api/v1/organisations/demo-networks/reports", Some(&t), None).await.json();
    let id = reports.as_array().expect("list").iter().find(|r| r["title"] == "t").expect("report")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let case = app
        .api(Method::POST, "/api/v1/organisations/demo-networks/cases", Some(&t), Some(json!({"reports": [id]})))
        .await
        .json();
    let number = case["number"].as_str().expect("number").to_owned();
    let mut b = Browser::new(&app);
    b.login("li.wei", PASSWORD).await;
    let page = format!("/orgs/demo-networks/cases/{number}");
    b.get(&page).await;
    b.post(&format!("{page}/comments"), &[("body", "Internal: the fix lands in 2.1.5")]).await;
    b.get(&page).await;
    let r = b
        .post(&format!("{page}/comments"), &[("body", "We have reproduced it; a fix is planned."), ("shared", "on")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let view = app.api(Method::GET, &format!("/api/v1/tracking/{token}"), None, None).await.json();
    let bodies: Vec<String> = view["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| m["body"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(bodies, ["We have reproduced it; a fix is planned."]);
    let page = b.get(&format!("/t/{token}")).await;
    assert!(page.body.contains("a fix is planned") && !page.body.contains("2.1.5"));
}

#[tokio::test]
async fn aliases_and_cwe_are_checked_against_the_standards() {
    let (app, _, t, _) = setup().await;
    let r =
        app.api(Method::POST, "/api/v1/organisations/demo-networks/cases", Some(&t), Some(json!({"title": "t"}))).await;
    let base = format!("/api/v1/organisations/demo-networks/cases/{}", r.json()["number"].as_str().expect("number"));
    let r = app
        .api(
            Method::PUT,
            &format!("{base}/assessment"),
            Some(&t),
            Some(json!({"cwe": "cwe-787", "aliases": "cve-2026-12345, CNVD-2026-01234"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["cwe"], "CWE-787");
    assert_eq!(r.json()["aliases"], json!(["CNVD-2026-01234", "CVE-2026-12345"]));
    let r = app.api(Method::PUT, &format!("{base}/assessment"), Some(&t), Some(json!({"cwe": "CWE-99999"}))).await;
    assert!(
        r.status == StatusCode::UNPROCESSABLE_ENTITY && r.body.contains("not in the CWE 4.14 catalogue"),
        "{}",
        r.body
    );
    let r = app.api(Method::PUT, &format!("{base}/assessment"), Some(&t), Some(json!({"aliases": "CVE-99-1"}))).await;
    assert_eq!(r.json()["error"]["details"][0]["field"], "aliases");
    let found = app.api(Method::GET, "/api/v1/cwe?q=out-of-bounds%20write", None, None).await.json();
    assert_eq!(found[0]["id"], "CWE-787");
}

#[tokio::test]
async fn gbt_30279_grades_come_from_the_tables_in_force_which_a_site_admin_may_replace() {
    let (app, _, t, _) = setup().await;
    let r =
        app.api(Method::POST, "/api/v1/organisations/demo-networks/cases", Some(&t), Some(json!({"title": "t"}))).await;
    let base = format!("/api/v1/organisations/demo-networks/cases/{}", r.json()["number"].as_str().expect("number"));
    let worst = json!({"access_path": "network", "trigger": "low", "privileges": "none", "interaction": "none",
        "confidentiality": "severe", "integrity": "severe", "availability": "severe", "cost": "low", "fix_difficulty": "high", "reach": "high"});
    let r = app.api(Method::PUT, &format!("{base}/gbt30279"), Some(&t), Some(worst.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.json()["technical"].clone(), r.json()["comprehensive"].clone()),
        (json!("critical"), json!("critical"))
    );
    assert!(r.json()["tables"].as_str().unwrap_or("").contains("not the standard"), "the default table is marked");
    let mut least = worst.clone();
    for (k, v) in [
        ("access_path", "物理"),
        ("trigger", "高"),
        ("privileges", "高"),
        ("interaction", "需要"),
        ("confidentiality", "无"),
        ("integrity", "无"),
        ("availability", "一般"),
        ("cost", "高"),
        ("fix_difficulty", "低"),
        ("reach", "无"),
    ] {
        least[k] = json!(v);
    }
    let r = app.api(Method::PUT, &format!("{base}/gbt30279"), Some(&t), Some(least)).await;
    assert_eq!(r.status, StatusCode::OK, "Chinese value names are accepted: {}", r.body);
    assert_eq!(r.json()["technical"], "low");
    let mut bad = worst.clone();
    bad["reach"] = json!("galactic");
    let r = app.api(Method::PUT, &format!("{base}/gbt30279"), Some(&t), Some(bad)).await;
    assert_eq!(r.json()["error"]["details"][0]["field"], "reach");

    // Only a site administrator replaces the tables, and a broken file is refused with its problems.
    let current = app.api(Method::GET, "/api/v1/gbt30279/tables", Some(&t), None).await;
    assert!(current.body.contains("official"), "{}", &current.body[..200.min(current.body.len())]);
    let put = |token: String, body: String| {
        Request::builder()
            .method(Method::PUT)
            .uri("/api/v1/gbt30279/tables")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/toml")
            .body(Body::from(body))
            .expect("request")
    };
    assert_eq!(app.send(put(t.clone(), current.body.clone())).await.status, StatusCode::FORBIDDEN);
    let admin = app.user("admin", true).await;
    let at = app.token(admin, None, None).await;
    let cut = current.body.lines().take(current.body.lines().count() / 2).collect::<Vec<_>>().join("\n");
    let r = app.send(put(at.clone(), cut)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a truncated table misses cells");
    assert_eq!(r.json()["error"]["details"][0]["field"], "tables");
    assert_eq!(app.send(put(at, current.body)).await.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn duplicates_merge_into_a_case_a_report_can_split_and_attachments_follow() {
    let (app, _, t, _) = setup().await;
    let r = app
        .api(
            Method::POST,
            "/api/v1/programs/demo/reports",
            None,
            Some(
                json!({"title": "Same DHCP crash again", "description": "d", "product": "AX3000", "accept_policy": true,
                "attachments": [{"tag": "exploit", "filename": "x.py", "content_base64": "cHJpbnQoMSk="}]}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let reports = app.api(Method::GET, "/api/v1/organisations/demo-networks/reports", Some(&t), None).await.json();
    let id_of = |title: &str| {
        reports.as_array().expect("list").iter().find(|r| r["title"] == title).expect("report")["id"]
            .as_str()
            .expect("id")
            .to_owned()
    };
    let (first, second) = (id_of("DHCP crash"), id_of("Same DHCP crash again"));
    let case = app
        .api(
            Method::POST,
            "/api/v1/organisations/demo-networks/cases",
            Some(&t),
            Some(json!({"reports": [first.clone()]})),
        )
        .await
        .json();
    let number = case["number"].as_str().expect("number").to_owned();

    let mut b = Browser::new(&app);
    b.login("li.wei", PASSWORD).await;
    b.get(&format!("/orgs/demo-networks/reports/{second}")).await;
    let r = b.post(&format!("/orgs/demo-networks/reports/{second}/merge"), &[("case", &number)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = b.get(&format!("/orgs/demo-networks/cases/{number}")).await;
    assert!(
        page.body.contains("Same DHCP crash again") && page.body.contains("x.py") && page.body.contains("tag danger"),
        "merged, exploit flagged"
    );
    assert_eq!(
        app.db
            .store
            .case_reports(case["id"].as_str().expect("id").parse().expect("uuid"))
            .await
            .expect("reports")
            .len(),
        2
    );

    // The first report also holds a second flaw: it opens another case (a split).
    b.get(&format!("/orgs/demo-networks/reports/{first}")).await;
    let r = b.post(&format!("/orgs/demo-networks/reports/{first}/promote"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).is_some_and(|l| l.ends_with("VD-2026-0002")));
    b.get(&format!("/orgs/demo-networks/reports/{first}")).await;
    let r = b.post(&format!("/orgs/demo-networks/reports/{first}/merge"), &[("case", "VD-2099-0001")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Two reports in one case, one report in two: the list reads the same first report as each case.
    app.assert_case_list_matches_each("/api/v1/organisations/demo-networks", &t).await;
}

#[tokio::test]
async fn assignees_and_watchers_and_the_board_filtered_by_assignee() {
    let (app, _, t, _) = setup().await;
    for title in ["first", "second"] {
        let r = app
            .api(Method::POST, "/api/v1/organisations/demo-networks/cases", Some(&t), Some(json!({"title": title})))
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    let people = "/api/v1/organisations/demo-networks/cases/VD-2026-0002/people";
    let r = app.api(Method::POST, people, Some(&t), Some(json!({"username": "li.wei", "kind": "assignee"}))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = app.api(Method::POST, people, Some(&t), Some(json!({"username": "qian.hao", "kind": "watcher"}))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app.api(Method::POST, people, Some(&t), Some(json!({"username": "outsider", "kind": "assignee"}))).await;
    assert_eq!(r.json()["error"]["details"][0]["field"], "username");
    let mine = app
        .api(Method::GET, "/api/v1/organisations/demo-networks/deadlines?assignee=li.wei", Some(&t), None)
        .await
        .json();
    let cases: std::collections::BTreeSet<String> =
        mine.as_array().expect("list").iter().map(|d| d["case"].as_str().unwrap_or("").to_owned()).collect();
    assert_eq!(cases.into_iter().collect::<Vec<_>>(), ["VD-2026-0002"]);
    let r = app
        .api(Method::POST, people, Some(&t), Some(json!({"username": "li.wei", "kind": "assignee", "add": false})))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let mine = app
        .api(Method::GET, "/api/v1/organisations/demo-networks/deadlines?assignee=li.wei", Some(&t), None)
        .await
        .json();
    assert_eq!(mine.as_array().map(Vec::len), Some(0));
}

/// Teams: an admin makes one and chooses its members; a case is on the team's board when it is
/// assigned to the team or to one of its members; an unknown team is named.
#[tokio::test]
async fn the_deadlines_board_filters_by_team() {
    let (app, admin_t, t, _) = setup().await;
    let reports = app.api(Method::GET, "/api/v1/organisations/demo-networks/reports", Some(&t), None).await.json();
    let report_id = reports[0]["id"].as_str().expect("id").to_owned();
    let r = app
        .api(Method::POST, "/api/v1/organisations/demo-networks/cases", Some(&t), Some(json!({"reports": [report_id]})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let teams = "/api/v1/organisations/demo-networks/teams";
    // Only organisation admins make teams.
    let r = app.api(Method::POST, teams, Some(&t), Some(json!({"slug": "router-team", "name": "Router team"}))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r =
        app.api(Method::POST, teams, Some(&admin_t), Some(json!({"slug": "router-team", "name": "Router team"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app.api(Method::POST, teams, Some(&admin_t), Some(json!({"slug": "router-team", "name": "Again"}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    app.api(Method::POST, teams, Some(&admin_t), Some(json!({"slug": "gateway-team", "name": "Gateway team"}))).await;
    let r = app.api(Method::PUT, &format!("{teams}/router-team/members/li.wei"), Some(&admin_t), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["members"], json!(["li.wei"]));
    let r = app.api(Method::PUT, &format!("{teams}/router-team/members/outsider"), Some(&admin_t), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    let board = |team: &str| {
        let url = format!("/api/v1/organisations/demo-networks/deadlines?kind=authority_report&team={team}");
        let app = &app;
        let t = t.clone();
        async move { app.api(Method::GET, &url, Some(&t), None).await }
    };
    assert_eq!(board("router-team").await.json().as_array().expect("rows").len(), 0, "nothing assigned yet");
    // Assigned to a member of the team: on the team's board, not on the other team's.
    let people = "/api/v1/organisations/demo-networks/cases/VD-2026-0001/people";
    app.api(Method::POST, people, Some(&t), Some(json!({"username": "li.wei", "kind": "assignee"}))).await;
    assert_eq!(board("router-team").await.json().as_array().expect("rows").len(), 1);
    assert_eq!(board("gateway-team").await.json().as_array().expect("rows").len(), 0);
    // Assigned to the team itself.
    let r = app
        .api(
            Method::POST,
            "/api/v1/organisations/demo-networks/cases/VD-2026-0001/teams",
            Some(&t),
            Some(json!({"team": "gateway-team"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(board("gateway-team").await.json().as_array().expect("rows").len(), 1);
    let r = board("no-such-team").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["details"][0]["field"], "team");
    // The board page offers the filter; the case page shows the team.
    let mut b = Browser::new(&app);
    assert_eq!(b.login("li.wei", PASSWORD).await, StatusCode::SEE_OTHER);
    let page = b.get("/orgs/demo-networks/deadlines?team=gateway-team").await;
    assert!(page.body.contains("data-testid=\"board-team\"") && page.body.contains("VD-2026-0001"), "{}", page.body);
    let page = b.get("/orgs/demo-networks/cases/VD-2026-0001").await;
    assert!(page.body.contains("data-testid=\"case-teams\"") && page.body.contains("Gateway team"), "{}", page.body);
}

/// Need-to-know: a case restricted to its people (and its teams) is not there for the other case
/// readers of the organisation, nor are its reports; auditors read everything; only someone on
/// the case restricts it; each change is audited.
#[tokio::test]
async fn a_restricted_case_is_read_only_by_its_people_its_teams_and_auditors() {
    let (app, admin_t, t, auditor_t) = setup().await;
    let org = app.db.store.org_by_slug("demo-networks").await.expect("org").expect("org").id;
    let engineer = app.user("zhao.min", false).await;
    app.member(org, engineer, PersonRole::Engineer).await;
    let engineer_t = app.token(engineer, None, None).await;
    let other = app.user("sun.li", false).await;
    app.member(org, other, PersonRole::Triager).await;
    let other_t = app.token(other, None, None).await;

    let reports = app.api(Method::GET, "/api/v1/organisations/demo-networks/reports", Some(&t), None).await.json();
    let report_id = reports[0]["id"].as_str().expect("id").to_owned();
    let r = app
        .api(Method::POST, "/api/v1/organisations/demo-networks/cases", Some(&t), Some(json!({"reports": [report_id]})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let case = "/api/v1/organisations/demo-networks/cases/VD-2026-0001";
    let restriction = format!("{case}/restriction");
    let report = format!("/api/v1/organisations/demo-networks/reports/{report_id}");

    // Only someone on the case restricts it.
    let r = app.api(Method::PUT, &restriction, Some(&t), Some(json!({"restricted": true}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("add yourself first"), "{}", r.body);
    app.api(Method::POST, &format!("{case}/people"), Some(&t), Some(json!({"username": "li.wei", "kind": "assignee"})))
        .await;
    let r = app.api(Method::PUT, &restriction, Some(&t), Some(json!({"restricted": true}))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = app.api(Method::PUT, &restriction, Some(&t), Some(json!({"restricted": "yes"}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Another triager of the organisation: no case, no report, not in the lists, no board row.
    assert_eq!(app.api(Method::GET, case, Some(&other_t), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.api(Method::GET, &format!("{case}/dossier"), Some(&other_t), None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.api(Method::GET, &report, Some(&other_t), None).await.status, StatusCode::NOT_FOUND);
    let list = app.api(Method::GET, "/api/v1/organisations/demo-networks/cases", Some(&other_t), None).await.json();
    assert_eq!(list.as_array().map(Vec::len), Some(0), "{list}");
    let list = app.api(Method::GET, "/api/v1/organisations/demo-networks/reports", Some(&other_t), None).await.json();
    assert!(!list.to_string().contains(&report_id), "{list}");
    let board =
        app.api(Method::GET, "/api/v1/organisations/demo-networks/deadlines", Some(&other_t), None).await.json();
    assert_eq!(board.as_array().map(Vec::len), Some(0), "{board}");
    let r =
        app.api(Method::POST, &format!("{case}/transitions"), Some(&other_t), Some(json!({"event": "triage"}))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "no changes either");
    // The pages say the same.
    let mut b = Browser::new(&app);
    assert_eq!(b.login("sun.li", PASSWORD).await, StatusCode::SEE_OTHER);
    assert_eq!(b.get("/orgs/demo-networks/cases/VD-2026-0001").await.status, StatusCode::NOT_FOUND);
    assert!(!b.get("/orgs/demo-networks/cases").await.body.contains("VD-2026-0001"));
    assert!(!b.get("/orgs/demo-networks/inbox").await.body.contains(&report_id));
    assert_eq!(b.get(&format!("/orgs/demo-networks/reports/{report_id}")).await.status, StatusCode::NOT_FOUND);

    // The person on it, the auditor, and a member of a team on the case read it.
    assert_eq!(app.api(Method::GET, case, Some(&t), None).await.status, StatusCode::OK);
    assert_eq!(app.api(Method::GET, case, Some(&auditor_t), None).await.status, StatusCode::OK);
    assert_eq!(app.api(Method::GET, &report, Some(&auditor_t), None).await.status, StatusCode::OK);
    assert_eq!(app.api(Method::GET, case, Some(&engineer_t), None).await.status, StatusCode::NOT_FOUND);
    let teams = "/api/v1/organisations/demo-networks/teams";
    app.api(Method::POST, teams, Some(&admin_t), Some(json!({"slug": "router-team", "name": "Router team"}))).await;
    app.api(Method::PUT, &format!("{teams}/router-team/members/zhao.min"), Some(&admin_t), None).await;
    let r = app.api(Method::POST, &format!("{case}/teams"), Some(&t), Some(json!({"team": "router-team"}))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(app.api(Method::GET, case, Some(&engineer_t), None).await.status, StatusCode::OK);
    let page = {
        let mut e = Browser::new(&app);
        assert_eq!(e.login("li.wei", PASSWORD).await, StatusCode::SEE_OTHER);
        e.get("/orgs/demo-networks/cases/VD-2026-0001").await.body.clone()
    };
    assert!(page.contains("data-testid=\"case-restriction\"") && page.contains("Restricted:"), "{page}");

    // Lifted from the page: everyone with case rights reads it again. Both changes are audited.
    let mut e = Browser::new(&app);
    e.login("li.wei", PASSWORD).await;
    e.get("/orgs/demo-networks/cases/VD-2026-0001").await;
    let r = e.post("/orgs/demo-networks/cases/VD-2026-0001/restriction", &[("restricted", "off")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.api(Method::GET, case, Some(&other_t), None).await.status, StatusCode::OK);
    let events = app.api(Method::GET, "/api/v1/audit?organisation=demo-networks", Some(&auditor_t), None).await.body;
    assert_eq!(events.matches("case.restriction").count(), 2, "{events}");
}
