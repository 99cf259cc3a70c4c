//! Pulling a vendor's CSAF provider between real processes: an operator's feed pulls the demo
//! provider's signed documents (all kept, then unchanged on the next pull) and its asset running
//! an affected product gets a finding at once; the demo operator's seeded copy of the same feed is
//! what a pull fetches; a copy of the tree
//! served elsewhere with one document altered (hash mismatch) and one altered with its hashes
//! recomputed (the signature no longer verifies) keeps only the untouched one and logs why for
//! the others; without the private-network opt-in a loopback provider is not reached at all.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;

use common::{Server, text, vulndesk};
use sha2::Digest;
use vulndesk_store::testing::TestDb;

fn rehash(doc: &std::path::Path) {
    let bytes = std::fs::read(doc).expect("read");
    let name = doc.file_name().expect("name").to_string_lossy().into_owned();
    let line256 = format!("{}  {name}\n", hex::encode(sha2::Sha256::digest(&bytes)));
    let line512 = format!("{}  {name}\n", hex::encode(sha2::Sha512::digest(&bytes)));
    std::fs::write(format!("{}.sha256", doc.display()), line256).expect("write");
    std::fs::write(format!("{}.sha512", doc.display()), line512).expect("write");
}

#[tokio::test]
async fn a_feed_keeps_only_documents_whose_hashes_signature_and_csaf_check_out() {
    let db = TestDb::empty_on(vulndesk_store::testing::backend_under_test()).await;
    let server = Server::start_demo(&db.url);
    let base = server.url.trim_end_matches('/').to_owned();
    let metadata = format!("{base}/.well-known/csaf/provider-metadata.json");
    // City Water, an operator with one AX3000-Pro on the affected firmware.
    let at = vulndesk_core::Timestamp::from_micros(1_790_000_000_000_000);
    let water = db
        .store
        .create_org(
            &vulndesk_store::NewOrganisation {
                id: vulndesk_core::OrgId::mint(at, rand::random()),
                slug: vulndesk_core::Slug::parse("city-water").expect("slug"),
                name: "City Water".into(),
                kinds: vec![vulndesk_core::OrgKind::Operator],
            },
            &vulndesk_core::AuditContext::system(at),
        )
        .await
        .expect("org");
    let router = vulndesk_store::assets::Asset {
        id: "00000000-0000-4000-a000-00000000c1a7".into(),
        org: water.id,
        name: "pump-station-ar".into(),
        hostnames: String::new(),
        addresses: String::new(),
        owner: String::new(),
        location: String::new(),
        exposure: "internal".into(),
        protection_level: 3,
        critical_infrastructure: true,
        vendor: "Demo Networks".into(),
        product: "AX3000".into(),
        model: "AX3000-Pro".into(),
        version: "2.1.4".into(),
        components: String::new(),
        created_at: at,
    };
    db.store.put_assets(water.id, &[router], &vulndesk_core::AuditContext::system(at)).await.expect("asset");
    let out = vulndesk(&[
        "--database",
        &db.url,
        "feed",
        "add",
        "--org",
        "city-water",
        "--name",
        "Demo Networks",
        "--url",
        &metadata,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Bad input is named, with exit code 2: a second follow of the same provider, a URL that is
    // not http(s), an organisation that does not exist.
    let add = |org: &str, url: &str| {
        vulndesk(&["--database", &db.url, "feed", "add", "--org", org, "--name", "Again", "--url", url])
    };
    for (out, says) in [
        (add("city-water", &metadata), "already follows"),
        (add("metro-transit", &metadata), "already follows"),
        (add("metro-transit", "ftp://x/y.json"), "http(s)"),
        (add("nobody", &metadata), "no organisation"),
    ] {
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains(says), "{}", text(&out.stderr));
    }

    // Without the opt-in, a provider on loopback is not reached (the same rule as deliveries).
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_vulndesk"))
        .args(["--database", &db.url, "feed", "pull", "--org", "city-water"])
        .env_remove("VULNDESK_DATABASE_URL")
        .env("VULNDESK_DELIVERY_ALLOW_PRIVATE_NETWORKS", "false")
        .output()
        .expect("run");
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stdout));
    assert!(text(&refused.stdout).contains("non-public"), "{}", text(&refused.stdout));

    let out = vulndesk(&["--database", &db.url, "feed", "pull", "--org", "city-water"]);
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    assert!(text(&out.stdout).contains("Demo Networks: 3 accepted, 0 unchanged, 0 rejected"), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("findings: 1 new"), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("[1/1] pulling Demo Networks"), "progress on stderr: {}", text(&out.stderr));
    let found = db.store.findings_of(water.id).await.expect("findings");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].asset_name.as_str(), found[0].vulnerability.as_str()), ("pump-station-ar", "VD-2026-0001"));
    assert_eq!(found[0].source, "CSAF VD-2026-0001 (Demo Networks)");
    // Critical infrastructure takes the strictest column; the advisory gives no grade (a high's).
    assert_eq!(found[0].due_at.as_micros() - found[0].first_seen.as_micros(), 7 * 86_400 * 1_000_000);
    let out = vulndesk(&["--database", &db.url, "feed", "pull", "--org", "city-water"]);
    assert!(text(&out.stdout).contains("Demo Networks: 0 accepted, 3 unchanged, 0 rejected"), "{}", text(&out.stdout));
    // The demo operator's copy was seeded with the same bytes a pull fetches.
    let out = vulndesk(&["--database", &db.url, "feed", "pull", "--org", "metro-transit"]);
    assert!(text(&out.stdout).contains("Demo Networks: 0 accepted, 3 unchanged, 0 rejected"), "{}", text(&out.stdout));

    // The same through the API: the feed with its documents, a pull now, a bad URL named.
    let out = vulndesk(&["--database", &db.url, "admin", "token", "create", "--user", "admin", "--name", "t"]);
    let token = text(&out.stdout).trim().to_owned();
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let feeds_url = format!("{base}/api/v1/organisations/city-water/feeds");
    let auth = format!("Bearer {token}");
    let mut r = agent.get(&feeds_url).header("Authorization", &auth).call().expect("list");
    let listed: serde_json::Value = serde_json::from_str(&r.body_mut().read_to_string().expect("body")).expect("json");
    assert_eq!(listed[0]["documents"].as_array().expect("documents").len(), 3, "{listed}");
    assert_eq!(listed[0]["last_status"], "ok");
    let id = listed[0]["id"].as_str().expect("id").to_owned();
    let mut r =
        agent.post(&format!("{feeds_url}/{id}/pull")).header("Authorization", &auth).send_empty().expect("pull");
    assert_eq!(r.status(), 200);
    let pulled: serde_json::Value = serde_json::from_str(&r.body_mut().read_to_string().expect("body")).expect("json");
    assert_eq!(pulled["unchanged"], 3, "{pulled}");
    let r = agent
        .post(&feeds_url)
        .header("Authorization", &auth)
        .header("Content-Type", "application/json")
        .send(r#"{"name": "x", "url": "ftp://example.com/x"}"#)
        .expect("add");
    assert_eq!(r.status(), 422);
    drop(server);

    // The same tree served elsewhere, with two documents tampered with.
    let dir = std::env::temp_dir().join(format!("vulndesk-feed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // Bound first, so the exported tree can name its address.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let mirror = format!("http://127.0.0.1:{port}");
    let out = vulndesk(&[
        "--database",
        &db.url,
        "csaf",
        "export",
        "--base-url",
        &mirror,
        "--out",
        dir.to_str().expect("path"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let white = dir.join(".well-known/csaf/white");
    let index = std::fs::read_to_string(white.join("index.txt")).expect("index");
    let docs: Vec<PathBuf> = index.lines().map(|l| white.join(l)).collect();
    assert_eq!(docs.len(), 3);
    let mut altered = std::fs::read(&docs[0]).expect("read");
    altered.extend_from_slice(b" ");
    std::fs::write(&docs[0], &altered).expect("write");
    let text1 = std::fs::read_to_string(&docs[1]).expect("read").replacen("\"title\":", "\"title\" :", 1);
    std::fs::write(&docs[1], text1).expect("write");
    rehash(&docs[1]);
    let served = serve_on(dir.clone(), listener);
    assert_eq!(served, mirror);
    let out = vulndesk(&[
        "--database",
        &db.url,
        "feed",
        "add",
        "--org",
        "city-water",
        "--name",
        "Mirror",
        "--url",
        &format!("{mirror}/.well-known/csaf/provider-metadata.json"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = vulndesk(&["--database", &db.url, "feed", "pull", "--org", "city-water"]);
    let report = text(&out.stdout);
    assert!(report.contains("Mirror: 1 accepted, 0 unchanged, 2 rejected"), "{report}");
    assert!(report.contains("SHA-256 mismatch"), "{report}");
    assert!(report.contains("signature does not verify"), "{report}");
    // The same tree read through its directory distribution alone (`index.txt`, no ROLIE).
    let meta_path = dir.join(".well-known/csaf/provider-metadata.json");
    let mut meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&meta_path).expect("metadata")).expect("json");
    meta["distributions"] = serde_json::json!([{"directory_url": format!("{mirror}/.well-known/csaf/white")}]);
    std::fs::write(&meta_path, meta.to_string()).expect("write");
    let out = vulndesk(&[
        "--database",
        &db.url,
        "feed",
        "add",
        "--org",
        "metro-transit",
        "--name",
        "Mirror directory",
        "--url",
        &format!("{mirror}/.well-known/csaf/provider-metadata.json"),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = vulndesk(&["--database", &db.url, "feed", "pull", "--org", "metro-transit"]);
    let report = text(&out.stdout);
    assert!(report.contains("Mirror directory: 1 accepted, 0 unchanged, 2 rejected"), "{report}");
    let out = vulndesk(&["--database", &db.url, "feed", "pull", "--org", "metro-transit"]);
    let report = text(&out.stdout);
    assert!(report.contains("Mirror directory: 0 accepted, 1 unchanged, 2 rejected"), "by hash: {report}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Serves the files under `root` over HTTP (GET only) on `listener`; answers the base URL.
fn serve_on(root: PathBuf, listener: TcpListener) -> String {
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/").trim_start_matches('/').to_owned();
            let mut out = stream;
            match std::fs::read(root.join(&path)) {
                Ok(body) => {
                    let _ =
                        write!(out, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                    let _ = out.write_all(&body);
                }
                Err(_) => {
                    let _ = out.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                }
            }
        }
    });
    base
}
