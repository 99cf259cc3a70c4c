//! The `vulndesk` binary as operators use it: exit codes and messages for bad input, migrations,
//! tokens, `audit verify` (and its verdict on a tampered chain), and two server processes sharing
//! one database. Runs on the backend under test (`VULNDESK_TEST_DATABASE`).

mod common;

use common::{ADMIN_PASSWORD, Server, text, vulndesk};
use vulndesk_store::testing::TestDb;

#[test]
fn unknown_flag_prints_usage() {
    let out = vulndesk(&["serve", "--bogus"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("Usage:"), "{}", text(&out.stderr));
}

#[test]
fn malformed_config_names_the_key_and_the_file() {
    let dir = std::env::temp_dir().join(format!("vulndesk-cli-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("vulndesk.toml");
    std::fs::write(&file, "session_hours = \"forever\"\n").expect("write");
    let out = vulndesk(&["--config", file.to_str().expect("utf-8"), "migrate"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("session_hours") && err.contains(file.to_str().expect("utf-8")), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unreachable_database_is_named_with_its_password_hidden() {
    let out = vulndesk(&["--database", "postgres://psirt:s3cret-pw@127.0.0.1:1/vulndesk", "migrate"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("postgres://psirt:***@127.0.0.1:1/vulndesk"), "{err}");
    assert!(!err.contains("s3cret-pw"), "{err}");
    let out = vulndesk(&["--database", "mysql://x@localhost/db", "migrate"]);
    assert!(text(&out.stderr).contains("must start with sqlite:// or postgres://"), "{}", text(&out.stderr));
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().into()
}

fn form_token(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("csrf field") + marker.len();
    html[start..].split('"').next().expect("token").to_owned()
}

fn cookie_value(resp: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.split(';').next().and_then(|p| p.strip_prefix(&format!("{name}="))).map(str::to_owned))
}

#[tokio::test(flavor = "multi_thread")]
async fn two_instances_share_one_database_and_the_audit_chain_verifies() {
    let db = TestDb::empty_on(vulndesk_store::testing::backend_under_test()).await;
    let url = db.url.clone();

    let out = vulndesk(&["--database", &url, "migrate"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("up to date"));

    let a = Server::start(&url);
    assert!(a.stdout.contains("log in as admin with the password from VULNDESK_ADMIN_PASSWORD"), "{}", a.stdout);
    let b = Server::start(&url);
    assert!(!b.stdout.contains("log in as admin"), "the second instance does not bootstrap again: {}", b.stdout);

    let (a_url, b_url) = (a.url.clone(), b.url.clone());
    let session = tokio::task::spawn_blocking(move || {
        let http = agent();
        // Sign in on instance A.
        let mut login = http.get(format!("{a_url}/login")).call().expect("login page");
        let pre = cookie_value(&login, "vd_csrf").expect("csrf cookie");
        let token = form_token(&login.body_mut().read_to_string().expect("body"));
        let resp = http
            .post(format!("{a_url}/login"))
            .header("Cookie", format!("vd_csrf={pre}"))
            .header("Origin", a_url.as_str())
            .content_type("application/x-www-form-urlencoded")
            .send(format!("csrf={token}&username=admin&password={ADMIN_PASSWORD}&next=%2F"))
            .expect("login");
        assert_eq!(resp.status().as_u16(), 303);
        let session = cookie_value(&resp, "vd_session").expect("session cookie");
        // The session works on instance B: nothing lives only in one process. So does the rule
        // that an administrator sets up two-factor sign-in before anything else opens.
        let mut home =
            http.get(format!("{b_url}/")).header("Cookie", format!("vd_session={session}")).call().expect("home on B");
        assert_eq!(home.status().as_u16(), 303);
        assert_eq!(
            home.headers().get("location").and_then(|v| v.to_str().ok()),
            Some("/account?done=notice-mfa-required#mfa")
        );
        let _ = home.body_mut().read_to_string();
        let mut account = http
            .get(format!("{b_url}/account"))
            .header("Cookie", format!("vd_session={session}"))
            .call()
            .expect("account on B");
        assert_eq!(account.status().as_u16(), 200);
        let body = account.body_mut().read_to_string().expect("body");
        assert!(body.contains("(admin)") && body.contains("mfa/setup"), "{body}");
        let health: String =
            http.get(format!("{b_url}/healthz")).call().expect("health").body_mut().read_to_string().expect("body");
        assert!(health.contains("\"status\":\"ok\""), "{health}");
        session
    })
    .await
    .expect("http");
    assert_eq!(session.len(), 64);

    let out = vulndesk(&["--database", &url, "admin", "token", "create", "--user", "admin", "--name", "ci"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let secret = text(&out.stdout).trim().to_owned();
    assert!(secret.starts_with("vd_") && secret.len() == 67, "{secret}");
    let out = vulndesk(&["--database", &url, "admin", "token", "create", "--user", "nobody"]);
    assert!(!out.status.success() && text(&out.stderr).contains("nobody"));

    let b_url = b.url.clone();
    tokio::task::spawn_blocking(move || {
        let http = agent();
        let mut r = http
            .get(format!("{b_url}/api/v1/me"))
            .header("Authorization", format!("Bearer {secret}"))
            .call()
            .expect("me");
        assert_eq!(r.status().as_u16(), 200);
        assert!(r.body_mut().read_to_string().expect("body").contains("\"site_admin\":true"));
        let r = http
            .post(format!("{b_url}/api/v1/organisations"))
            .header("Authorization", format!("Bearer {secret}"))
            .content_type("application/json")
            .send(r#"{"slug":"demo-networks","name":"Demo Networks","kinds":["provider"]}"#)
            .expect("create org");
        assert_eq!(r.status().as_u16(), 201);
    })
    .await
    .expect("http");
    drop(a);
    drop(b);

    let out = vulndesk(&["--database", &url, "audit", "verify"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout} {}", text(&out.stderr));
    let count: u64 = stdout.trim().strip_prefix("OK ").and_then(|n| n.parse().ok()).expect("OK <count>");
    assert!(count >= 4, "{stdout}");

    // Someone with database access edits an event: verify names the sequence and fails.
    let disable = match db.store.backend() {
        vulndesk_store::Backend::Sqlite => "DROP TRIGGER audit_events_no_update",
        vulndesk_store::Backend::Postgres => "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update",
    };
    db.raw(disable).await.expect("disable guard");
    db.raw("UPDATE audit_events SET details = '{}' WHERE seq = 2").await.expect("tamper");
    let out = vulndesk(&["--database", &url, "audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout).trim(), "BROKEN at sequence 2: stored hash does not match the link's contents");
}

#[test]
fn scan_finds_known_vulnerable_packages_offline_with_documented_exit_codes() {
    let pypi = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/osv/PyPI/all.zip");
    assert!(std::path::Path::new(pypi).exists(), "the shared OSV data is missing at {pypi}");
    let dir = std::env::temp_dir().join(format!("vulndesk-scan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let sbom = dir.join("bom.json");
    std::fs::write(
        &sbom,
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[
            {"type":"library","bom-ref":"a","name":"jinja2","version":"2.10","purl":"pkg:pypi/jinja2@2.10"},
            {"type":"library","bom-ref":"b","name":"left-pad","version":"1.3.0","purl":"pkg:npm/left-pad@1.3.0"}]}"#,
    )
    .expect("write sbom");
    let out = vulndesk(&["scan", sbom.to_str().expect("utf-8"), "--osv", pypi, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "findings give exit code 1: {}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let findings = doc["findings"].as_array().expect("findings");
    assert!(!findings.is_empty());
    assert!(findings.iter().all(|f| f["purl"] == "pkg:pypi/jinja2@2.10" && f["ecosystem"] == "PyPI"), "{doc}");
    assert!(findings.iter().any(|f| {
        f["aliases"].as_array().is_some_and(|a| a.iter().any(|x| x.as_str().is_some_and(|s| s.starts_with("CVE-"))))
    }));
    let out = vulndesk(&["scan", sbom.to_str().expect("utf-8"), "--osv", pypi, "--no-fail"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("jinja2"));
    std::fs::write(&sbom, "{\"bomFormat\": \"CycloneDX\", ").expect("write");
    let out = vulndesk(&["scan", sbom.to_str().expect("utf-8"), "--osv", pypi]);
    assert_eq!(out.status.code(), Some(2), "bad input gives exit code 2");
    assert!(text(&out.stderr).contains("line"), "{}", text(&out.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `osv import` stores the shared crates.io records (again: all kept), `sbom import` adds the
/// product version and its components, and `scan` without `--osv` matches against the database.
#[tokio::test(flavor = "multi_thread")]
async fn osv_and_sbom_imports_feed_the_database_and_scan_uses_it() {
    let db = TestDb::empty_on(vulndesk_store::testing::backend_under_test()).await;
    let url = db.url.clone();
    let server = Server::start_demo(&url);
    drop(server);
    let crates = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/osv/crates.io/all.zip");
    let out = vulndesk(&["--database", &url, "osv", "import", crates]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let first = text(&out.stdout);
    assert!(first.starts_with("1206 inserted, 0 replaced, 0 kept"), "{first}");
    let out = vulndesk(&["--database", &url, "osv", "import", crates]);
    assert!(
        text(&out.stdout).starts_with("0 inserted, 0 replaced, 1206 kept"),
        "incremental by modified: {}",
        text(&out.stdout)
    );

    let dir = std::env::temp_dir().join(format!("vulndesk-sbom-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let sbom = dir.join("bom.json");
    std::fs::write(
        &sbom,
        r#"{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[
            {"type":"library","bom-ref":"a","name":"smallvec","version":"1.6.0","purl":"pkg:cargo/smallvec@1.6.0"},
            {"type":"library","bom-ref":"b","name":"serde","version":"1.0.200","purl":"pkg:cargo/serde@1.0.200"}]}"#,
    )
    .expect("write");
    let path = sbom.to_str().expect("utf-8");
    let args = [
        "--database",
        &url,
        "sbom",
        "import",
        "--org",
        "demo-networks",
        "--product",
        "Console",
        "--product-version",
        "3.0",
        path,
    ];
    let out = vulndesk(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("2 components (cyclonedx-json 1.5) Console 3.0"), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("added product \"Console\""), "{}", text(&out.stderr));
    let out = vulndesk(&args);
    assert!(!text(&out.stderr).contains("added"), "the second import finds the version: {}", text(&out.stderr));

    let out = vulndesk(&["--database", &url, "scan", path, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let advisories: Vec<&str> =
        doc["findings"].as_array().expect("findings").iter().map(|f| f["advisory"].as_str().expect("id")).collect();
    assert!(advisories.contains(&"RUSTSEC-2021-0003"), "smallvec 1.6.0 is RUSTSEC-2021-0003: {advisories:?}");

    std::fs::write(&sbom, "{\"bomFormat\":").expect("write");
    let out = vulndesk(&args);
    assert_eq!(out.status.code(), Some(2), "a file that is not an SBOM: {}", text(&out.stderr));
    assert!(text(&out.stderr).contains("line 1"), "{}", text(&out.stderr));
    let out = vulndesk(&["--database", &url, "audit", "verify"]);
    assert!(out.status.success() && text(&out.stdout).starts_with("OK"), "{}", text(&out.stdout));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The demo publishes its advisories through the gate: the provider tree lists them (and the
/// VEX document), every document's signature verifies with the published key, and the
/// reporters of the published cases were told on their tracking pages.
#[tokio::test(flavor = "multi_thread")]
async fn the_demo_publishes_signed_advisories_and_tells_the_reporters() {
    let db = TestDb::empty_on(vulndesk_store::testing::backend_under_test()).await;
    let server = Server::start_demo(&db.url);
    let base = server.url.trim_end_matches('/').to_owned();
    let get = |path: &str| {
        let mut resp = agent().get(&format!("{base}{path}")).call().expect("request");
        assert_eq!(resp.status(), 200, "{path}");
        resp.body_mut().read_to_string().expect("body")
    };
    let meta: serde_json::Value = serde_json::from_str(&get("/.well-known/csaf/provider-metadata.json")).expect("json");
    let key_url = meta["public_openpgp_keys"][0]["url"].as_str().expect("key url").to_owned();
    let key = get(key_url.strip_prefix(&base).expect("the key is on this server"));
    let feed: serde_json::Value =
        serde_json::from_str(&get("/.well-known/csaf/white/csaf-feed-tlp-white.json")).expect("json");
    let entries = feed["feed"]["entry"].as_array().expect("entries");
    let ids: Vec<&str> = entries.iter().map(|e| e["id"].as_str().expect("id")).collect();
    assert_eq!(entries.len(), 3, "two advisories and one VEX document: {ids:?}");
    for e in entries {
        let url = e["content"]["src"].as_str().expect("src");
        let path = url.strip_prefix(&base).expect("on this server");
        let body = get(path);
        let signature = get(&format!("{path}.asc"));
        vulndesk_formats::openpgp::verify_detached(&key, body.as_bytes(), &signature).expect("the signature verifies");
        let doc: serde_json::Value = serde_json::from_str(&body).expect("json");
        assert!(vulndesk_formats::csaf::check(&doc).is_empty(), "{path}: {:?}", vulndesk_formats::csaf::check(&doc));
    }
    drop(server);
    let out = vulndesk(&["--database", &db.url, "admin", "token", "create", "--user", "admin", "--name", "t"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let token = text(&out.stdout).trim().to_owned();
    let server = Server::start(&db.url);
    let base = server.url.trim_end_matches('/').to_owned();
    let mut resp = agent()
        .get(&format!("{base}/api/v1/audit?organisation=demo-networks&limit=1000"))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .expect("request");
    assert_eq!(resp.status(), 200);
    let audit = resp.body_mut().read_to_string().expect("body");
    let told = audit.matches("\"report.reply\"").count();
    assert!(told >= 2, "each published case's reporter was told on the tracking page: {told}");

    // The tree exported for a static server checks out offline: every document, hash and signature.
    let dir = std::env::temp_dir().join(format!("vulndesk-csaf-export-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = vulndesk(&[
        "--database",
        &db.url,
        "csaf",
        "export",
        "--base-url",
        "https://psirt.demo-networks.example",
        "--out",
        dir.to_str().expect("path"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let root = dir.join(".well-known/csaf");
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("provider-metadata.json")).expect("metadata"))
            .expect("json");
    assert_eq!(meta["canonical_url"], "https://psirt.demo-networks.example/.well-known/csaf/provider-metadata.json");
    let fingerprint = meta["public_openpgp_keys"][0]["fingerprint"].as_str().expect("fingerprint");
    let key = root.join(format!("openpgp/{fingerprint}.asc"));
    let index = std::fs::read_to_string(root.join("white/index.txt")).expect("index.txt");
    let docs: Vec<String> = index.lines().map(|l| root.join("white").join(l).display().to_string()).collect();
    assert_eq!(docs.len(), 3, "{index}");
    let mut args = vec!["csaf", "check", "--key", key.to_str().expect("key")];
    args.extend(docs.iter().map(String::as_str));
    let out = vulndesk(&args);
    assert!(out.status.success(), "{}", text(&out.stdout));
    let _ = std::fs::remove_dir_all(&dir);

    // The demo's rewards: Demo Networks' ledger from the command line, totals and CSV; a bad
    // date is named, with exit code 2.
    let out = vulndesk(&["--database", &db.url, "rewards", "ledger", "--org", "demo-networks"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(table.contains("approved") && table.contains("8,000.00"), "{table}");
    assert!(table.contains("paid") && table.contains("3,000.00"), "{table}");
    let out = vulndesk(&["--database", &db.url, "rewards", "ledger", "--org", "safeharbor", "--format", "csv"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = text(&out.stdout);
    assert_eq!(csv.lines().count(), 3, "a header and SafeHarbor's two rewards: {csv}");
    assert!(csv.contains("SH-PAY-2026-0107") && csv.contains("Alex Müller"), "{csv}");
    let out = vulndesk(&["--database", &db.url, "rewards", "ledger", "--org", "demo-networks", "--from", "2026-02-30"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("2026-02-30"), "{}", text(&out.stderr));

    // Metro Transit's findings from Demo Networks' feed, in every state the demo leaves them.
    let out = vulndesk(&["--database", &db.url, "findings", "list", "--org", "metro-transit", "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let states: Vec<&str> = found.as_array().expect("list").iter().filter_map(|f| f["state"].as_str()).collect();
    for state in ["verifying", "remediating", "remediated", "accepted", "not_affected"] {
        assert!(states.contains(&state), "{state} in {states:?}");
    }
    assert!(
        found
            .as_array()
            .expect("list")
            .iter()
            .all(|f| f["source"].as_str().is_some_and(|s| s.starts_with("CSAF VD-2026-")))
    );
    let out =
        vulndesk(&["--database", &db.url, "findings", "list", "--org", "metro-transit", "--open", "--fail-on-overdue"]);
    assert_eq!(out.status.code(), Some(0), "nothing is overdue yet: {}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("st-02-ar") && !text(&out.stdout).contains("sig-eg-02"),
        "{}",
        text(&out.stdout)
    );
    let out = vulndesk(&["--database", &db.url, "findings", "rematch", "--org", "metro-transit"]);
    assert_eq!(
        text(&out.stdout).trim(),
        "metro-transit: 0 new, 0 closed, 0 confirmed, 0 reopened, 0 not affected (VEX)"
    );
    for (args, says) in [
        (vec!["findings", "list", "--org", "nobody"], "no organisation"),
        (vec!["findings", "list", "--org", "metro-transit", "--format", "xml"], "--format"),
    ] {
        let mut all = vec!["--database", db.url.as_str()];
        all.extend(args);
        let out = vulndesk(&all);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains(says), "{}", text(&out.stderr));
    }
}
