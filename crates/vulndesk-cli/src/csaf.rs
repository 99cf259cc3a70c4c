//! `vulndesk csaf export` writes the provider tree for static hosting; `vulndesk csaf check` reads
//! CSAF 2.0 documents, runs vulndesk's mandatory tests on each, and,
//! for documents fetched from a provider, checks the `.sha256`/`.sha512` files and, given the
//! provider's public key, the `.asc` signature beside each. Offline, no database.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sha2::Digest;
use vulndesk_formats::{csaf, openpgp};

/// What one file came to: the problems found (empty when it passed).
fn check_one(path: &Path, key: Option<&str>) -> Vec<String> {
    let mut problems = Vec::new();
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return vec![format!("cannot read: {e}")],
    };
    if let Err(e) = csaf::read(&bytes) {
        problems.push(format!("not a CSAF 2.0 document vulndesk reads: {e}"));
        return problems;
    }
    let json: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => return vec![format!("not JSON: {e}")],
    };
    for f in csaf::check(&json) {
        problems.push(format!("{} at {}: {}", f.test, if f.path.is_empty() { "/" } else { &f.path }, f.message));
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    for (ext, hex) in
        [("sha256", hex::encode(sha2::Sha256::digest(&bytes))), ("sha512", hex::encode(sha2::Sha512::digest(&bytes)))]
    {
        let side = sidecar(path, ext);
        if let Ok(text) = std::fs::read_to_string(&side) {
            let stated = text.split_whitespace().next().unwrap_or_default().to_ascii_lowercase();
            let named = text.split_whitespace().nth(1).unwrap_or(name).trim_start_matches('*');
            if stated != hex || named != name {
                problems.push(format!("{} does not match the document", side.display()));
            }
        }
    }
    if let Some(key) = key {
        let side = sidecar(path, "asc");
        match std::fs::read_to_string(&side) {
            Ok(sig) => {
                if let Err(e) = openpgp::verify_detached(key, &bytes, &sig) {
                    problems.push(format!("signature {}: {e}", side.display()));
                }
            }
            Err(_) => problems.push(format!("no signature {} beside it", side.display())),
        }
    }
    problems
}

fn sidecar(path: &Path, ext: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(format!(".{ext}"));
    PathBuf::from(s)
}

/// Checks every file; exit 0 when all pass, 1 when any has a problem, 2 when the key is unreadable.
pub(crate) fn check(files: &[PathBuf], key: Option<&Path>) -> ExitCode {
    let key = match key.map(std::fs::read_to_string).transpose() {
        Ok(k) => k,
        Err(e) => {
            eprintln!("cannot read the public key: {e}");
            return ExitCode::from(2);
        }
    };
    let mut failed = 0;
    for f in files {
        let problems = check_one(f, key.as_deref());
        if problems.is_empty() {
            println!("ok    {}", f.display());
        } else {
            failed += 1;
            println!("FAIL  {}", f.display());
            for p in problems {
                println!("      {p}");
            }
        }
    }
    println!("{} of {} documents passed", files.len() - failed, files.len());
    if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) }
}

/// Writes the provider tree under `out/.well-known/csaf/`.
pub(crate) async fn export(
    store: &vulndesk_store::Store,
    base_url: &str,
    out: &Path,
    tlps: &[String],
    org: Option<&str>,
    now: vulndesk_core::Timestamp,
) -> anyhow::Result<ExitCode> {
    use anyhow::Context;
    let mut include = Vec::new();
    for t in tlps {
        let tlp = vulndesk_formats::advisory::Tlp::parse(t)
            .with_context(|| format!("--tlp {t:?}: use CLEAR, GREEN, AMBER or RED"))?;
        include.push(tlp);
    }
    if !base_url.starts_with("https://") && !base_url.starts_with("http://") {
        anyhow::bail!("--base-url {base_url:?} must be an http(s) URL");
    }
    let files = vulndesk_web::export_tree(store, base_url, org, &include, now).await.map_err(anyhow::Error::msg)?;
    let root = out.join(".well-known").join("csaf");
    for (path, bytes) in &files {
        let target = root.join(path);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::write(&target, bytes).with_context(|| format!("cannot write {}", target.display()))?;
    }
    println!("{} files written under {}", files.len(), root.display());
    Ok(ExitCode::SUCCESS)
}
