//! `vulndesk csaf check` on real documents: the OASIS example advisories pass; a document that
//! breaks a mandatory test, a hash file that does not match and a signature made over other
//! bytes each fail with the reason.

mod common;

use std::path::PathBuf;

use common::{text, vulndesk};
use sha2::Digest;

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/csaf/examples/csaf");

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vulndesk-csaf-check-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[test]
fn the_oasis_examples_pass() {
    let files: Vec<String> = std::fs::read_dir(EXAMPLES)
        .expect("shared/data/csaf/examples/csaf")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| p.display().to_string())
        .collect();
    assert!(files.len() >= 5, "{files:?}");
    let mut args = vec!["csaf", "check"];
    args.extend(files.iter().map(String::as_str));
    let out = vulndesk(&args);
    assert!(out.status.success(), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains(&format!("{n} of {n} documents passed", n = files.len())));
}

#[test]
fn broken_documents_bad_hashes_and_bad_signatures_fail_with_the_reason() {
    let dir = scratch("broken");
    let source = std::fs::read_to_string(format!("{EXAMPLES}/bsi-2022-0001.json")).expect("example");
    let mut doc: serde_json::Value = serde_json::from_str(&source).expect("json");
    // 6.1.14: the revision history's numbers out of order once a revision is added before the first.
    doc["document"]["tracking"]["version"] = serde_json::json!("9");
    let broken = dir.join("broken.json");
    std::fs::write(&broken, serde_json::to_string_pretty(&doc).expect("json")).expect("write");
    let out = vulndesk(&["csaf", "check", broken.to_str().expect("path")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("6.1."), "names the mandatory test: {}", text(&out.stdout));

    // A good document whose hash file and signature were made for other bytes.
    let good = dir.join("good.json");
    std::fs::write(&good, &source).expect("write");
    std::fs::write(
        dir.join("good.json.sha256"),
        format!("{}  good.json\n", hex::encode(sha2::Sha256::digest(b"other"))),
    )
    .expect("sha");
    let key = vulndesk_formats::openpgp::SigningKey::generate("test <t@example.com>").expect("key");
    std::fs::write(dir.join("good.json.asc"), key.sign_detached(b"other bytes").expect("sign")).expect("asc");
    std::fs::write(dir.join("key.asc"), key.public_armored()).expect("key");
    let out =
        vulndesk(&["csaf", "check", "--key", dir.join("key.asc").to_str().expect("p"), good.to_str().expect("p")]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("good.json.sha256 does not match"), "{stdout}");
    assert!(stdout.contains("signature"), "{stdout}");

    // Correct hash and signature: it passes.
    std::fs::write(
        dir.join("good.json.sha256"),
        format!("{}  good.json\n", hex::encode(sha2::Sha256::digest(source.as_bytes()))),
    )
    .expect("sha");
    std::fs::write(dir.join("good.json.asc"), key.sign_detached(source.as_bytes()).expect("sign")).expect("asc");
    let out =
        vulndesk(&["csaf", "check", "--key", dir.join("key.asc").to_str().expect("p"), good.to_str().expect("p")]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    let _ = std::fs::remove_dir_all(&dir);
}
