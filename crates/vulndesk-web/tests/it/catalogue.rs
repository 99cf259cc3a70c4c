//! The product catalogue over HTTP: products, versions, suppliers, customers and deployments
//! (CSV too), SBOM import per product version (every real SBOM of the shared data, and bad
//! files refused with their location and nothing stored), OSV import and findings, and a case's
//! impact: the product versions, customers and upstream supplier its components reach.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use vulndesk_core::PersonRole;

use crate::harness::{Browser, PASSWORD, Reply, TestApp};

const ORG: &str = "/api/v1/organisations/demo-networks";

struct Setup {
    app: TestApp,
    admin: String,
    triager: String,
    outsider: String,
}

async fn setup() -> Setup {
    let app = TestApp::new().await;
    let admin = app.user("chen.jing", false).await;
    let triager = app.user("li.wei", false).await;
    let outsider = app.user("zhao.lei", false).await;
    let org = app.org("demo-networks").await;
    let other = app.org("other-vendor").await;
    app.member(org, admin, PersonRole::Admin).await;
    app.member(org, admin, PersonRole::Coordinator).await;
    app.member(org, triager, PersonRole::Triager).await;
    app.member(other, outsider, PersonRole::Admin).await;
    let admin = app.token(admin, None, None).await;
    let triager = app.token(triager, None, None).await;
    let outsider = app.token(outsider, None, None).await;
    Setup { app, admin, triager, outsider }
}

async fn raw(app: &TestApp, method: Method, path: &str, token: &str, content_type: &str, body: Vec<u8>) -> Reply {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::ACCEPT_LANGUAGE, "en")
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .expect("request");
    app.send(req).await
}

fn cyclonedx(components: &[(&str, &str)]) -> Vec<u8> {
    let comps: Vec<Value> = components
        .iter()
        .map(|(name, purl)| json!({"type": "library", "bom-ref": purl, "name": name, "version": purl.rsplit('@').next(), "purl": purl}))
        .collect();
    let deps: Vec<Value> =
        vec![json!({"ref": "root", "dependsOn": components.iter().map(|c| c.1).collect::<Vec<_>>()})];
    json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
        "metadata": {"component": {"type": "firmware", "bom-ref": "root", "name": "AX3000"}},
        "components": comps, "dependencies": deps})
    .to_string()
    .into_bytes()
}

/// Adds a product and versions; returns the versions' ids in order.
async fn product_with_versions(s: &Setup, name: &str, versions: &[&str]) -> Vec<String> {
    let r = s.app.api(Method::POST, &format!("{ORG}/products"), Some(&s.admin), Some(json!({"name": name}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let product = r.json();
    assert_eq!(product["vendor"], "Org demo-networks", "the vendor defaults to the organisation");
    let id = product["id"].as_str().expect("id").to_owned();
    let mut ids = Vec::new();
    for v in versions {
        let r = s
            .app
            .api(
                Method::POST,
                &format!("{ORG}/products/{id}/versions"),
                Some(&s.admin),
                Some(json!({"model": name, "version": v, "release_date": "2026-03-01"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        ids.push(r.json()["id"].as_str().expect("id").to_owned());
    }
    ids
}

#[tokio::test]
async fn a_case_component_reaches_the_product_versions_customers_and_upstream_supplier() {
    let s = setup().await;
    let v = product_with_versions(&s, "AX3000", &["2.1.3", "2.1.4", "2.1.5"]).await;
    for (id, dnsmasq) in v.iter().zip(["2.89", "2.89", "2.90"]) {
        let bom = cyclonedx(&[
            ("dnsmasq", &format!("pkg:generic/dnsmasq@{dnsmasq}")),
            ("openssl", "pkg:generic/openssl@3.0.8"),
        ]);
        let r = raw(
            &s.app,
            Method::POST,
            &format!("/api/v1/product-versions/{id}/sbom"),
            &s.admin,
            "application/json",
            bom,
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let summary = r.json();
        assert_eq!(summary["components"], 3, "the firmware itself and its two components");
        assert_eq!(summary["format"], "cyclonedx-json");
        assert_eq!(summary["dependencies"], 2);
    }
    let comps =
        s.app.api(Method::GET, &format!("/api/v1/product-versions/{}/components", v[2]), Some(&s.triager), None).await;
    assert_eq!(comps.status, StatusCode::OK);
    let comps = comps.json();
    let dnsmasq = comps.as_array().expect("list").iter().find(|c| c["name"] == "dnsmasq").expect("dnsmasq").clone();
    assert_eq!(dnsmasq["purl"], "pkg:generic/dnsmasq@2.90");
    assert_eq!(dnsmasq["ecosystem"], "Generic");
    assert_eq!(dnsmasq["direct"], true, "listed under the root: a direct dependency");

    let r = s
        .app
        .api(
            Method::POST,
            &format!("{ORG}/suppliers"),
            Some(&s.admin),
            Some(json!({"name": "dnsmasq project", "contact_email": "security@dnsmasq.example", "jurisdiction": "gb"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let supplier = r.json();
    assert_eq!(supplier["jurisdiction"], "GB", "country codes are upper-cased");

    let customers = "name,contact_name,contact_email,jurisdiction,locale\n\
        Shenzhen ISP,Wang,noc@isp.example,CN,zh-CN\n\
        Lion Distribution,Tan,ops@lion.example,SG,en\n\
        Hangzhou Hotels,Xu,it@hotels.example,CN,zh-CN\n";
    let r = raw(&s.app, Method::POST, &format!("{ORG}/customers/import"), &s.admin, "text/csv", customers.into()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json(), json!({"created": 3, "updated": 0}));
    let deployments = "customer,product,model,version,note\n\
        Shenzhen ISP,AX3000,AX3000,2.1.4,1200 units\n\
        Lion Distribution,AX3000,AX3000,2.1.3,\n\
        Hangzhou Hotels,AX3000,AX3000,2.1.5,\n";
    let r =
        raw(&s.app, Method::POST, &format!("{ORG}/deployments/import"), &s.admin, "text/csv", deployments.into()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["created"], 3);

    let r = s
        .app
        .api(Method::POST, &format!("{ORG}/cases"), Some(&s.triager), Some(json!({"title": "DHCP overflow"})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["upstream"], false);
    let case = format!("{ORG}/cases/VD-2026-0001");
    let r = s
        .app
        .api(
            Method::POST,
            &format!("{case}/components"),
            Some(&s.triager),
            Some(json!({"purl": "pkg:generic/dnsmasq", "vers": "<2.90", "supplier": supplier["id"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let impact = s.app.api(Method::GET, &format!("{case}/impact"), Some(&s.triager), None).await;
    assert_eq!(impact.status, StatusCode::OK, "{}", impact.body);
    let impact = impact.json();
    assert_eq!(impact["components"][0]["vers"], "vers:generic/<2.90");
    assert_eq!(impact["product_versions"], json!(["AX3000 AX3000 2.1.3", "AX3000 AX3000 2.1.4"]));
    assert_eq!(impact["components"][0]["unaffected"], 1, "2.1.5 holds the fixed dnsmasq");
    let customers: Vec<&str> =
        impact["customers"].as_array().expect("customers").iter().map(|c| c["name"].as_str().expect("name")).collect();
    assert_eq!(customers, ["Lion Distribution", "Shenzhen ISP"], "the hotel chain runs the fixed version");
    assert_eq!(impact["customers"][0]["locale"], "en");
    let draft = &impact["upstream"][0];
    assert_eq!(draft["to"], "security@dnsmasq.example");
    assert!(draft["subject"].as_str().expect("subject").contains("VD-2026-0001"), "{draft}");
    assert!(draft["body"].as_str().expect("body").contains("pkg:generic/dnsmasq vers:generic/<2.90"), "{draft}");
    let c = s.app.api(Method::GET, &case, Some(&s.triager), None).await.json();
    assert_eq!(c["upstream"], true, "a supplier's component marks the case upstream");
    assert_eq!(c["upstream_supplier"], "dnsmasq project");
    assert!(
        c["deadlines"].as_array().expect("deadlines").iter().any(|d| d["kind"] == "upstream_notice"),
        "and the 24-hour upstream notice deadline starts"
    );

    // Removing the component leaves no impact; a wrong id is a 404.
    let id = impact["components"][0]["id"].as_str().expect("id");
    let r = s.app.api(Method::DELETE, &format!("{case}/components/{id}"), Some(&s.triager), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = s.app.api(Method::DELETE, &format!("{case}/components/{id}"), Some(&s.triager), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let impact = s.app.api(Method::GET, &format!("{case}/impact"), Some(&s.triager), None).await.json();
    assert_eq!(impact["product_versions"], json!([]));
}

#[tokio::test]
async fn a_bad_sbom_is_refused_with_its_location_and_the_stored_one_stays() {
    let s = setup().await;
    let v = product_with_versions(&s, "EdgeGate", &["1.0"]).await;
    let path = format!("/api/v1/product-versions/{}/sbom", v[0]);
    let good = cyclonedx(&[("busybox", "pkg:generic/busybox@1.36.1")]);
    let r = raw(&s.app, Method::POST, &path, &s.admin, "application/json", good.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED);

    let truncated = good[..good.len() / 2].to_vec();
    let r = raw(&s.app, Method::POST, &path, &s.admin, "application/json", truncated).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let message = r.json()["error"]["details"][0]["message"].as_str().expect("message").to_owned();
    assert!(message.contains("line 1, column"), "{message}");

    let wrong_version = String::from_utf8(good.clone()).expect("utf-8").replace("\"1.6\"", "\"0.9\"");
    let r = raw(&s.app, Method::POST, &path, &s.admin, "application/json", wrong_version.into()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("unsupported CycloneDX"), "{}", r.body);

    let nested = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let r = raw(&s.app, Method::POST, &path, &s.admin, "application/json", nested.into()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);

    let comps =
        s.app.api(Method::GET, &format!("/api/v1/product-versions/{}/components", v[0]), Some(&s.admin), None).await;
    let purls: Vec<String> =
        comps.json().as_array().expect("list").iter().map(|c| c["purl"].as_str().expect("purl").to_owned()).collect();
    assert_eq!(purls, ["", "pkg:generic/busybox@1.36.1"], "a refused file never replaces the stored one");

    // A component with an invalid purl is kept without it, and the warning says where.
    let bad_purl = String::from_utf8(good)
        .expect("utf-8")
        .replace("\"purl\":\"pkg:generic/busybox@1.36.1\"", "\"purl\":\"pkg:/nothing\"");
    let r = raw(&s.app, Method::POST, &path, &s.admin, "application/json", bad_purl.into()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let summary = r.json();
    assert_eq!(summary["matchable"], 0);
    assert!(summary["warnings"][0].as_str().expect("warning").contains("/components/0/purl"), "{summary}");
}

#[tokio::test]
async fn a_csv_with_bad_rows_names_each_line_and_stores_nothing() {
    let s = setup().await;
    let csv = "name,contact_name,contact_email,jurisdiction,locale\n\
        Good Customer,A,a@good.example,CN,zh-CN\n\
        ,B,b@x.example,CN,en\n\
        Bad Mail,C,not-an-address,CHN,fr\n";
    let r = raw(&s.app, Method::POST, &format!("{ORG}/customers/import"), &s.admin, "text/csv", csv.into()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let fields: Vec<String> = r.json()["error"]["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| d["field"].as_str().expect("field").to_owned())
        .collect();
    assert_eq!(fields, ["3:name", "4:contact_email", "4:jurisdiction", "4:locale"]);
    assert!(r.body.contains("line 4, Country"), "{}", r.body);
    let list = s.app.api(Method::GET, &format!("{ORG}/customers"), Some(&s.admin), None).await.json();
    assert_eq!(list, json!([]), "nothing of a refused file is stored");

    let r = raw(
        &s.app,
        Method::POST,
        &format!("{ORG}/customers/import"),
        &s.admin,
        "text/csv",
        "name,shoe_size\nX,42\n".into(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("shoe_size"), "{}", r.body);
    let r = raw(
        &s.app,
        Method::POST,
        &format!("{ORG}/deployments/import"),
        &s.admin,
        "text/csv",
        "customer,product,model,version\nNobody,X,,1\n".into(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("no customer “Nobody”") && r.body.contains("no product version “X 1”"), "{}", r.body);
}

#[tokio::test]
async fn the_catalogue_is_need_to_know_and_changed_only_by_its_keepers() {
    let s = setup().await;
    let v = product_with_versions(&s, "AX3000", &["2.1.4"]).await;
    let r = s.app.api(Method::POST, &format!("{ORG}/products"), Some(&s.triager), Some(json!({"name": "X"}))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = s.app.api(Method::GET, &format!("{ORG}/products"), Some(&s.triager), None).await;
    assert_eq!(r.status, StatusCode::OK, "every member reads the catalogue");
    for path in [format!("/api/v1/product-versions/{}", v[0]), format!("/api/v1/product-versions/{}/components", v[0])]
    {
        let r = s.app.api(Method::GET, &path, Some(&s.outsider), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: another organisation's catalogue is invisible");
    }
    let r = raw(
        &s.app,
        Method::POST,
        &format!("/api/v1/product-versions/{}/sbom", v[0]),
        &s.outsider,
        "application/json",
        cyclonedx(&[]),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = s.app.api(Method::GET, &format!("{ORG}/customers"), Some(&s.outsider), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = s
        .app
        .api(
            Method::POST,
            &format!("{ORG}/deployments"),
            Some(&s.admin),
            Some(json!({"customer": "not-an-id", "product_version": v[0]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn imported_osv_records_give_findings_on_a_product_version_and_update_by_modified() {
    let s = setup().await;
    let site_admin = s.app.user("root", true).await;
    let root = s.app.token(site_admin, None, None).await;
    let record = |modified: &str, fixed: &str| {
        json!({"id": "PYSEC-2099-1", "modified": modified, "aliases": ["CVE-2099-0001"], "summary": "SQL injection",
            "affected": [{"package": {"ecosystem": "PyPI", "name": "Django"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "4.0"}, {"fixed": fixed}]}]}]})
    };
    let r = s.app.api(Method::POST, "/api/v1/osv", Some(&s.admin), Some(record("2099-01-01T00:00:00Z", "4.2.1"))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "OSV data is the deployment's: site administrators import it");
    let body = serde_json::to_vec(&record("2099-01-01T00:00:00Z", "4.2.1")).expect("json");
    let r = raw(&s.app, Method::POST, "/api/v1/osv", &root, "application/json", body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json(), json!({"inserted": 1, "replaced": 0, "kept": 0}));

    let v = product_with_versions(&s, "Console", &["1.0"]).await;
    let bom = cyclonedx(&[("django", "pkg:pypi/django@4.2.0"), ("requests", "pkg:pypi/requests@2.31.0")]);
    let r = raw(
        &s.app,
        Method::POST,
        &format!("/api/v1/product-versions/{}/sbom", v[0]),
        &s.admin,
        "application/json",
        bom,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let findings =
        s.app.api(Method::GET, &format!("/api/v1/product-versions/{}/findings", v[0]), Some(&s.triager), None).await;
    assert_eq!(findings.status, StatusCode::OK, "{}", findings.body);
    let findings = findings.json();
    assert_eq!(findings.as_array().expect("list").len(), 1, "{findings}");
    assert_eq!(findings[0]["advisory"], "PYSEC-2099-1");
    assert_eq!(findings[0]["fixed"], json!(["4.2.1"]));

    // The reverse query, by the advisory's alias: the product version and nothing else.
    let r = s.app.api(Method::GET, &format!("{ORG}/advisories/cve-2099-0001/impact"), Some(&s.triager), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let impact = r.json();
    assert_eq!(impact["advisory"], "PYSEC-2099-1");
    assert_eq!(impact["product_versions"], json!(["Console Console 1.0"]));
    assert_eq!(impact["packages"][0]["affected"][0]["component_version"], "4.2.0");
    let r = s.app.api(Method::GET, &format!("{ORG}/advisories/CVE-1999-0000/impact"), Some(&s.triager), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = s.app.api(Method::GET, &format!("{ORG}/advisories/PYSEC-2099-1/impact"), Some(&s.outsider), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let mut b = Browser::new(&s.app);
    b.login("li.wei", PASSWORD).await;
    let page = b.get("/orgs/demo-networks/catalogue?advisory=CVE-2099-0001").await;
    assert!(page.body.contains("Console Console 1.0") && page.body.contains("SQL injection"), "{}", page.body);

    // An older copy is kept out; a newer one that moves the fix below 4.2.0 clears the finding.
    let older = serde_json::to_vec(&record("2098-01-01T00:00:00Z", "4.0.1")).expect("json");
    let r = raw(&s.app, Method::POST, "/api/v1/osv", &root, "application/json", older).await;
    assert_eq!(r.json(), json!({"inserted": 0, "replaced": 0, "kept": 1}));
    let newer = serde_json::to_vec(&json!([record("2099-06-01T00:00:00Z", "4.1")])).expect("json");
    let r = raw(&s.app, Method::POST, "/api/v1/osv", &root, "application/json", newer).await;
    assert_eq!(r.json(), json!({"inserted": 0, "replaced": 1, "kept": 0}));
    let findings =
        s.app.api(Method::GET, &format!("/api/v1/product-versions/{}/findings", v[0]), Some(&s.triager), None).await;
    assert_eq!(findings.json(), json!([]));
    let impact = s.app.api(Method::GET, &format!("{ORG}/advisories/PYSEC-2099-1/impact"), Some(&s.triager), None).await;
    assert_eq!(impact.json()["product_versions"], json!([]), "the newer record's range no longer reaches 4.2.0");

    let r = raw(&s.app, Method::POST, "/api/v1/osv", &root, "application/json", b"{\"id\": 5}".to_vec()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
}

#[tokio::test]
async fn every_real_sbom_of_the_shared_data_imports_into_a_product_version() {
    let s = setup().await;
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    let mut files = Vec::new();
    for dir in ["cyclonedx/SBOM", "spdx/software"] {
        collect(&data.join(dir), &mut files);
    }
    files.sort();
    assert!(files.len() >= 20, "the shared SBOMs are where the README says: {}", files.len());
    let v = product_with_versions(&s, "Everything", &["1"]).await;
    let path = format!("/api/v1/product-versions/{}/sbom", v[0]);
    let mut imported = 0;
    for file in &files {
        let bytes = std::fs::read(file).expect("read");
        let expected = vulndesk_formats::sbom::read_sbom(&bytes);
        let r = raw(&s.app, Method::POST, &path, &s.admin, "application/octet-stream", bytes).await;
        match expected {
            Ok((sbom, _)) => {
                assert_eq!(r.status, StatusCode::CREATED, "{}: {}", file.display(), r.body);
                assert_eq!(r.json()["components"], sbom.components.len(), "{}", file.display());
                imported += 1;
            }
            Err(e) => {
                assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", file.display());
                assert!(r.body.contains(&e.to_string().replace('"', "\\\"")), "{}: {}", file.display(), r.body);
            }
        }
    }
    assert!(imported >= 20, "{imported} of {} imported", files.len());
}

fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("shared data") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "json" || e == "xml" || e == "spdx") {
            out.push(path);
        }
    }
}

#[tokio::test]
async fn the_pages_add_to_the_catalogue_and_show_a_case_s_impact() {
    let s = setup().await;
    let v = product_with_versions(&s, "AX3000", &["2.1.4"]).await;
    let bom = cyclonedx(&[("dnsmasq", "pkg:generic/dnsmasq@2.89")]);
    raw(&s.app, Method::POST, &format!("/api/v1/product-versions/{}/sbom", v[0]), &s.admin, "application/json", bom)
        .await;
    let mut b = Browser::new(&s.app);
    b.accept_language = "zh-CN";
    assert_eq!(b.login("chen.jing", PASSWORD).await, StatusCode::SEE_OTHER);
    b.get("/orgs/demo-networks/catalogue").await;
    let r = b
        .post("/orgs/demo-networks/catalogue/suppliers", &[("name", "dnsmasq project"), ("jurisdiction", "GBR")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("不是两位国家或地区代码"), "{}", r.body);
    let r =
        b.post("/orgs/demo-networks/catalogue/suppliers", &[("name", "dnsmasq project"), ("jurisdiction", "GB")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    b.get("/orgs/demo-networks/catalogue").await;
    let r = b
        .post(
            "/orgs/demo-networks/catalogue/customers.csv",
            &[("csv", "name,jurisdiction,locale\nShenzhen ISP,CN,zh-CN\n")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = b.get("/orgs/demo-networks/catalogue").await;
    assert!(page.body.contains("Shenzhen ISP") && page.body.contains("dnsmasq project"));
    let page = b.get(&format!("/orgs/demo-networks/versions/{}", v[0])).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("pkg:generic/dnsmasq@2.89") && page.body.contains("cyclonedx-json"), "{}", page.body);

    let r = s
        .app
        .api(Method::POST, &format!("{ORG}/cases"), Some(&s.triager), Some(json!({"title": "DHCP overflow"})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    b.get("/orgs/demo-networks/cases/VD-2026-0001").await;
    let r = b
        .post(
            "/orgs/demo-networks/cases/VD-2026-0001/components",
            &[("purl", "pkg:generic/dnsmasq"), ("vers", ">=2.80|<2.90")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = b.get("/orgs/demo-networks/cases/VD-2026-0001").await;
    assert!(page.body.contains("AX3000 AX3000 2.1.4"), "{}", page.body);
    assert!(page.body.contains("vers:generic/&#62;=2.80|&#60;2.90"), "{}", page.body);
    let r = b.post("/orgs/demo-networks/cases/VD-2026-0001/components", &[("purl", "nonsense"), ("vers", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("受影响版本（vers 范围）"), "{}", r.body);
}

#[tokio::test]
async fn the_osv_page_is_for_site_administrators() {
    let s = setup().await;
    s.app.user("root", true).await;
    let mut b = Browser::new(&s.app);
    b.login("chen.jing", PASSWORD).await;
    assert_eq!(b.get("/osv").await.status, StatusCode::FORBIDDEN);
    let mut b = Browser::new(&s.app);
    b.login("root", PASSWORD).await;
    let page = b.get("/osv").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("data-testid=\"osv-records\">0<"), "{}", page.body);
}

/// Vendor feeds: added by catalogue keepers (a bad URL named, the same URL twice refused), listed
/// with their state on the page and in the API; a provider that cannot be reached is a 409 that
/// says why, recorded as the feed's last error.
#[tokio::test]
async fn vendor_feeds_are_added_listed_and_an_unreachable_provider_is_named() {
    let app = TestApp::new().await;
    let admin = app.user("wang.fang", false).await;
    let auditor = app.user("qian.hao", false).await;
    let org = app.org("metro-transit").await;
    app.member(org, admin, PersonRole::Admin).await;
    app.member(org, auditor, PersonRole::Auditor).await;
    let t = app.token(admin, None, None).await;
    let a = app.token(auditor, None, None).await;
    let feeds = "/api/v1/organisations/metro-transit/feeds";
    let r = app
        .api(Method::POST, feeds, Some(&t), Some(json!({"name": "Demo Networks", "url": "file:///etc/passwd"})))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["details"][0]["field"], "url");
    // A provider on loopback: refused by the destination policy, which the test app keeps.
    let url = "http://127.0.0.1:9/.well-known/csaf/provider-metadata.json";
    let r = app.api(Method::POST, feeds, Some(&a), Some(json!({"name": "Demo Networks", "url": url}))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "auditors read the catalogue, they do not change it");
    let r = app.api(Method::POST, feeds, Some(&t), Some(json!({"name": "Demo Networks", "url": url}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["last_status"], "never");
    let id = r.json()["id"].as_str().expect("id").to_owned();
    let r = app.api(Method::POST, feeds, Some(&t), Some(json!({"name": "Again", "url": url}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = app.api(Method::POST, &format!("{feeds}/{id}/pull"), Some(&t), None).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.json()["error"]["message"].as_str().expect("message").contains("non-public"), "{}", r.body);
    let listed = app.api(Method::GET, feeds, Some(&a), None).await.json();
    assert_eq!(listed[0]["last_status"], "failed");
    assert!(listed[0]["last_error"].as_str().expect("error").contains("127.0.0.1"), "{listed}");
    let mut b = Browser::new(&app);
    assert_eq!(b.login("wang.fang", PASSWORD).await, StatusCode::SEE_OTHER);
    let page = b.get("/orgs/metro-transit/feeds").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Demo Networks") && page.body.contains("data-testid=\"feed-pull\""), "{}", page.body);
}

/// Assets: a CSV import is all or nothing with every bad row named; the remediation deadlines
/// follow the SLA matrix; host names and addresses are shown only to catalogue keepers, and that
/// read is audited (Art. 9(2)).
#[tokio::test]
async fn assets_import_their_deadlines_and_restricted_addresses() {
    let app = TestApp::new().await;
    let admin = app.user("wang.fang", false).await;
    let auditor = app.user("qian.hao", false).await;
    let org = app.org("metro-transit").await;
    app.member(org, admin, PersonRole::Admin).await;
    app.member(org, auditor, PersonRole::Auditor).await;
    let t = app.token(admin, None, None).await;
    let a = app.token(auditor, None, None).await;
    let import = |body: &str| {
        Request::builder()
            .method(Method::POST)
            .uri("/api/v1/organisations/metro-transit/assets/import")
            .header(header::AUTHORIZATION, format!("Bearer {t}"))
            .header(header::CONTENT_TYPE, "text/csv")
            .body(Body::from(body.to_owned()))
            .expect("request")
    };
    let head = "name,hostnames,addresses,owner,location,exposure,protection_level,critical_infrastructure,vendor,product,model,version,components";
    let bad = format!(
        "{head}\nst-01,,10.0.0.300,NOC,Station 1,internal,7,,Demo Networks,AX3000,AX3000,2.1.4,pkg:generic/dnsmasq@2.89\n\
         st-02,,,NOC,Station 2,outside,2,,Demo Networks,AX3000,AX3000,2.1.4,not-a-purl\n"
    );
    let r = app.send(import(&bad)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let fields: Vec<String> = r.json()["error"]["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| d["field"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(fields, ["2:protection_level", "2:addresses", "3:exposure", "3:components"], "{}", r.body);
    assert_eq!(
        app.api(Method::GET, "/api/v1/organisations/metro-transit/assets", Some(&t), None).await.json(),
        json!([])
    );
    let good = format!(
        "{head}\nst-01-gw,gw1.metro.example,203.0.113.7,NOC,Station 1,internet_facing,3,false,Demo Networks,AX3000,AX3000,2.1.4,pkg:generic/dnsmasq@2.89;pkg:pypi/django@4.1\n\
         st-02-gw,,10.2.0.1,NOC,Station 2,internal,2,,Demo Networks,AX3000,AX3000,2.1.4,\n"
    );
    let r = app.send(import(&good)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["stored"], 2);
    // Importing again updates the assets in place: same ids, so what refers to them survives.
    let ids = |v: Vec<vulndesk_store::assets::Asset>| v.into_iter().map(|a| a.id).collect::<Vec<_>>();
    let before = ids(app.db.store.assets_of(org).await.expect("assets"));
    let r = app.send(import(&good)).await;
    assert_eq!(r.json()["stored"], 2);
    assert_eq!(ids(app.db.store.assets_of(org).await.expect("assets")), before);
    let listed = app.api(Method::GET, "/api/v1/organisations/metro-transit/assets", Some(&t), None).await.json();
    assert_eq!(listed[0]["name"], "st-01-gw");
    assert_eq!(listed[0]["addresses"], json!(["203.0.113.7"]));
    assert_eq!(listed[0]["remediation_days"], json!([3, 7, 30, 90]), "internet-facing, level 3");
    assert_eq!(listed[1]["remediation_days"], json!([15, 30, 90, 180]), "internal, level 2");
    assert_eq!(listed[0]["findings"], json!([]), "no OSV data yet");
    // With the deployment's OSV data, the gateway's Django 4.1 is a finding.
    let root = app.user("root", true).await;
    let root = app.token(root, None, None).await;
    let osv = json!({"id": "PYSEC-2099-7", "modified": "2099-01-01T00:00:00Z", "aliases": ["CVE-2099-1000"],
        "affected": [{"package": {"ecosystem": "PyPI", "name": "Django"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "4.0"}, {"fixed": "4.2.1"}]}]}]});
    let r = app.api(Method::POST, "/api/v1/osv", Some(&root), Some(osv)).await;
    assert!(r.status.is_success(), "{}", r.body);
    let listed = app.api(Method::GET, "/api/v1/organisations/metro-transit/assets", Some(&t), None).await.json();
    assert_eq!(listed[0]["findings"][0]["advisory"], "PYSEC-2099-7", "{listed}");
    assert_eq!(listed[0]["findings"][0]["fixed"], json!(["4.2.1"]));
    assert_eq!(listed[0]["findings"].as_array().expect("findings").len(), 1);
    assert_eq!(listed[1]["findings"], json!([]), "no components, no findings");

    // Findings: the OSV import re-matched at once, one per (asset, vulnerability), under its CVE,
    // due by the SLA matrix (no grade in the data counts as high: 7 days on an internet-facing
    // level-3 asset). A re-match now changes nothing.
    let base = "/api/v1/organisations/metro-transit/findings";
    assert_eq!(app.api(Method::POST, &format!("{base}/sync"), Some(&a), None).await.status, StatusCode::FORBIDDEN);
    let nothing = json!({"new": 0, "closed": 0, "confirmed": 0, "reopened": 0, "not_affected": 0});
    let r = app.api(Method::POST, &format!("{base}/sync"), Some(&t), None).await;
    assert_eq!(r.json(), nothing, "{}", r.body);
    let found = app.api(Method::GET, base, Some(&a), None).await.json();
    assert_eq!(found.as_array().expect("findings").len(), 1, "{found}");
    assert_eq!(found[0]["vulnerability"], "CVE-2099-1000");
    assert_eq!(found[0]["source"], "OSV PYSEC-2099-7");
    assert_eq!(found[0]["grade"], "");
    assert_eq!(found[0]["state"], "verifying");
    assert_eq!(found[0]["asset"], "st-01-gw");
    let due = vulndesk_core::Timestamp::parse_rfc3339(found[0]["due_at"].as_str().expect("due")).expect("time");
    let first = vulndesk_core::Timestamp::parse_rfc3339(found[0]["first_seen"].as_str().expect("seen")).expect("time");
    assert_eq!(due.as_micros() - first.as_micros(), 7 * 86_400 * 1_000_000);
    let id = found[0]["id"].as_str().expect("id").to_owned();
    let step = |body: Value| {
        let url = format!("{base}/{id}/steps");
        let app = &app;
        let t = t.clone();
        async move { app.api(Method::POST, &url, Some(&t), Some(body)).await }
    };
    assert_eq!(step(json!({"action": "remediated"})).await.status, StatusCode::UNPROCESSABLE_ENTITY, "evidence needed");
    assert_eq!(step(json!({"action": "confirm"})).await.status, StatusCode::NO_CONTENT);
    assert_eq!(step(json!({"action": "confirm"})).await.status, StatusCode::CONFLICT, "already remediating");
    let r = step(json!({"action": "accept", "evidence": "compensating ACL", "until": "2020-01-01"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["details"][0]["field"], "until");
    // The gateway is upgraded: re-importing it re-matches and closes the finding, with evidence,
    // the remediation confirmed by the re-match.
    let upgraded = good.replace("pkg:pypi/django@4.1", "pkg:pypi/django@4.2.1");
    assert_eq!(app.send(import(&upgraded)).await.status, StatusCode::OK);
    assert_eq!(app.api(Method::POST, &format!("{base}/sync"), Some(&t), None).await.json(), nothing);
    let found = app.api(Method::GET, base, Some(&t), None).await.json();
    assert_eq!(found[0]["state"], "remediated");
    assert!(found[0]["confirmed_at"].is_string() && found[0]["closed_at"].is_string(), "{found}");
    assert!(found[0]["evidence"].as_str().expect("evidence").contains("re-match"), "{found}");
    let seen = app.api(Method::GET, "/api/v1/organisations/metro-transit/assets", Some(&a), None).await.json();
    assert!(
        seen[0]["addresses"].is_null() && seen[0]["hostnames"].is_null(),
        "auditors do not see restricted fields: {seen}"
    );
    let log = app.db.store.audit_of_object("organisation", &org.to_string()).await.expect("audit");
    assert!(log.iter().any(|e| e.event.action == "asset.restricted_view"));
    assert!(log.iter().all(|e| !e.event.details.contains("203.0.113.7")), "addresses never go into the audit log");
    let mut b = Browser::new(&app);
    assert_eq!(b.login("qian.hao", PASSWORD).await, StatusCode::SEE_OTHER);
    let page = b.get("/orgs/metro-transit/assets").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("st-01-gw") && !page.body.contains("203.0.113.7"), "{}", page.body);
    assert!(!page.body.contains("data-testid=\"asset-form\""), "auditors change nothing");
}
