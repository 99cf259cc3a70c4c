//! The command line against a running server (`--server URL` with a token), as a build pipeline
//! uses it, between real processes: OSV data uploaded from the shared crates.io archive, an SBOM
//! scanned with the build failing at a severity, an SBOM imported for a product version, cases
//! and findings listed, the published CSAF advisories mirrored and their signatures checked,
//! and every failure ending in its documented exit code. Runs on the backend under test.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{Server, text, vulndesk};
use serde_json::Value;
use vulndesk_store::testing::TestDb;

/// `vulndesk --server URL --token-file TOKEN ARGS…` in English.
fn remote(server: &str, token: &Path, args: &[&str]) -> Output {
    Command::new(common::BIN)
        .args(["--server", server, "--token-file", token.to_str().expect("utf-8")])
        .args(args)
        .env_remove("VULNDESK_TOKEN")
        .env_remove("VULNDESK_SERVER")
        .env("LANG", "en_GB.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .output()
        .expect("run vulndesk")
}

/// A token for `user` (limited to `org` when given), written to a file in `dir`.
fn token_file(database: &str, dir: &Path, user: &str, org: Option<&str>) -> PathBuf {
    let mut args = vec!["--database", database, "admin", "token", "create", "--user", user];
    if let Some(org) = org {
        args.extend(["--org", org]);
    }
    let out = vulndesk(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let token = text(&out.stdout).split_whitespace().find(|w| w.starts_with("vd_")).expect("token").to_owned();
    let path = dir.join(format!("{user}.token"));
    std::fs::write(&path, format!("{token}\n")).expect("write token");
    path
}

fn shared(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(path)
}

const SBOM: &str = r#"{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[
 {"type":"library","bom-ref":"a","name":"openssl","version":"0.8.0","purl":"pkg:cargo/openssl@0.8.0"},
 {"type":"library","bom-ref":"b","name":"hyper","version":"0.9.0","purl":"pkg:cargo/hyper@0.9.0"},
 {"type":"library","bom-ref":"c","name":"serde","version":"1.0.0","purl":"pkg:cargo/serde@1.0.0"}]}"#;

#[tokio::test]
async fn a_pipeline_drives_a_remote_server() {
    let db = TestDb::new().await;
    let server = Server::start_demo(&db.url);
    let s = server.url.as_str();
    let dir = tempfile::tempdir().expect("dir");
    let admin = token_file(&db.url, dir.path(), "admin", None);
    let triager = token_file(&db.url, dir.path(), "li.wei", Some("demo-networks"));
    let operator = token_file(&db.url, dir.path(), "liu.yang", Some("metro-transit"));
    let sbom = dir.path().join("bom.json");
    std::fs::write(&sbom, SBOM).expect("write sbom");
    let sbom = sbom.to_str().expect("utf-8");

    // OSV data from the shared crates.io archive, uploaded as it is.
    let out = remote(s, &admin, &["osv", "import", shared("osv/crates.io/all.zip").to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("OSV records: 1206 new"), "{}", text(&out.stdout));

    // The scan: openssl 0.8.0 has a HIGH (RUSTSEC-2016-0001), hyper 0.9.0 a CRITICAL
    // (RUSTSEC-2021-0079); serde 1.0.0 nothing.
    let out = remote(s, &admin, &["scan", sbom, "--format", "json", "--no-fail"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["components"], 3);
    assert_eq!(json["osv_records"], 1206);
    let ids: Vec<&str> =
        json["findings"].as_array().expect("findings").iter().filter_map(|f| f["advisory"].as_str()).collect();
    assert!(ids.contains(&"RUSTSEC-2016-0001") && ids.contains(&"RUSTSEC-2021-0079"), "{ids:?}");
    assert!(!json.to_string().contains("pkg:cargo/serde"), "serde 1.0.0 has no finding");
    let out = remote(s, &admin, &["scan", sbom, "--fail-on", "critical"]);
    assert_eq!(out.status.code(), Some(1), "a CRITICAL fails --fail-on critical: {}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("PURL"), "a table: {}", text(&out.stdout));
    assert!(text(&out.stderr).contains("failed: findings at or above --fail-on critical"), "{}", text(&out.stderr));
    let out = remote(s, &admin, &["scan", sbom, "--fail-on", "none"]);
    assert_eq!(out.status.code(), Some(0));
    // An SBOM without those components passes a threshold.
    let clean = dir.path().join("clean.json");
    std::fs::write(&clean, SBOM.replace("0.8.0", "0.10.70").replace("0.9.0", "0.14.12")).expect("write");
    let out = remote(s, &admin, &["scan", clean.to_str().expect("utf-8"), "--fail-on", "high"]);
    assert_eq!(out.status.code(), Some(0), "{} {}", text(&out.stdout), text(&out.stderr));

    // The SBOM becomes a product version's components (product and version added the first time).
    let import =
        ["sbom", "import", "--org", "demo-networks", "--product", "CI Gateway", "--product-version", "1.0.0", sbom];
    let out = remote(s, &admin, &import);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("added product \"CI Gateway\""), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("3 components (3 matchable)"), "{}", text(&out.stdout));
    let out = remote(s, &admin, &import);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("added"), "the second import finds both: {}", text(&out.stderr));

    // Cases and findings, for the people allowed to see them.
    let out = remote(s, &triager, &["cases", "list", "--org", "demo-networks"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("VD-2026-0001"), "{}", text(&out.stdout));
    let out =
        remote(s, &triager, &["cases", "list", "--org", "demo-networks", "--state", "disclosed", "--format", "json"]);
    let cases: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(cases.as_array().is_some_and(|c| !c.is_empty() && c.iter().all(|c| c["state"] == "disclosed")), "{cases}");
    let out = remote(s, &admin, &["cases", "list", "--org", "demo-networks"]);
    assert_eq!(out.status.code(), Some(4), "an administrator without a case role is refused");
    assert!(text(&out.stderr).contains("HTTP 403"), "{}", text(&out.stderr));
    let out = remote(s, &operator, &["findings", "list", "--org", "metro-transit", "--open", "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let findings: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(findings.as_array().is_some_and(|f| f.iter().any(|f| f["asset"] == "st-02-ar")), "{findings}");

    // The published advisories, mirrored; their signatures check out against the mirrored key.
    let mirror = dir.path().join("mirror");
    let out = remote(s, &admin, &["csaf", "mirror", "--out", mirror.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("mirrored 3 CSAF documents"), "{}", text(&out.stdout));
    let tree = mirror.join(".well-known/csaf");
    let key = std::fs::read_dir(tree.join("openpgp")).expect("keys").flatten().next().expect("a key").path();
    let docs: Vec<String> = std::fs::read_to_string(tree.join("white/index.txt"))
        .expect("index")
        .lines()
        .map(|l| tree.join("white").join(l).to_string_lossy().into_owned())
        .collect();
    let mut check = vec!["csaf", "check", "--key", key.to_str().expect("utf-8")];
    check.extend(docs.iter().map(String::as_str));
    let out = vulndesk(&check);
    assert!(out.status.success(), "{} {}", text(&out.stdout), text(&out.stderr));

    // Failures end in their documented codes.
    let bad = dir.path().join("bad.token");
    std::fs::write(&bad, "vd_not_a_real_token\n").expect("write");
    assert_eq!(remote(s, &bad, &["scan", sbom]).status.code(), Some(4), "a refused token");
    let out = remote(s, &admin, &["scan", dir.path().join("missing.json").to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2), "a file that cannot be read");
    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, "{}").expect("write");
    let out = remote(s, &admin, &["scan", empty.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2), "an SBOM the server refuses");
    assert!(text(&out.stderr).contains("HTTP 422"), "{}", text(&out.stderr));
    let out = remote(
        s,
        &admin,
        &["sbom", "import", "--org", "no-such-org", "--product", "P", "--product-version", "1", sbom],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr");
    let out = remote(&format!("http://{closed}"), &admin, &["scan", sbom]);
    assert_eq!(out.status.code(), Some(3), "an unreachable server: {}", text(&out.stderr));
    let out = remote(s, &admin, &["migrate"]);
    assert_eq!(out.status.code(), Some(2), "a command that runs where the database is");
    let out = Command::new(common::BIN)
        .args(["--server", s, "scan", sbom])
        .env_remove("VULNDESK_TOKEN")
        .env_remove("VULNDESK_TOKEN_FILE")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("needs an API token"), "{}", text(&out.stderr));
}
