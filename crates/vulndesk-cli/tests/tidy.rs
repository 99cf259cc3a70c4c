//! Architecture invariants, checked on every test run (ARCHITECTURE.md states them):
//! the core does no IO and knows no serde; only the web crate knows HTTP; only the store knows SQL;
//! only the binary reads the clock and the environment; every Rust file starts with a `//!` header;
//! no test is skipped or expected to panic.

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root")
}

fn direct_dependencies() -> Vec<(String, Vec<String>)> {
    let out = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(workspace())
        .output()
        .expect("cargo metadata");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");
    meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            let name = p["name"].as_str().unwrap_or("").to_owned();
            let deps = p["dependencies"]
                .as_array()
                .map(|d| {
                    d.iter()
                        .filter(|d| d["kind"].is_null())
                        .filter_map(|d| d["name"].as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            (name, deps)
        })
        .collect()
}

#[test]
fn crate_boundaries_hold() {
    let packages = direct_dependencies();
    assert!(packages.len() >= 4, "{packages:?}");
    for (name, deps) in &packages {
        let has = |d: &str| deps.iter().any(|x| x == d);
        if name == "vulndesk-core" {
            for banned in ["tokio", "sqlx", "axum", "serde", "serde_json", "reqwest", "hyper"] {
                assert!(!has(banned), "vulndesk-core must not depend on {banned}");
            }
        }
        if has("axum") || has("askama") || has("tower-http") {
            assert_eq!(name, "vulndesk-web", "{name} knows HTTP; only vulndesk-web may");
        }
        if has("sqlx") {
            assert_eq!(name, "vulndesk-store", "{name} knows SQL; only vulndesk-store may");
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() && name != "target" && name != "node_modules" && !name.to_string_lossy().starts_with('.') {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_rust_file_has_a_header_and_no_test_is_skipped() {
    let mut files = Vec::new();
    rust_files(&workspace().join("crates"), &mut files);
    assert!(files.len() > 20, "{} files", files.len());
    let ignore = ["#[", "ignore]"].concat();
    let should_panic = ["#[", "should_panic"].concat();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read");
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        let is_main_fn = text.trim_start().starts_with("fn main");
        assert!(first.starts_with("//!") || is_main_fn, "{} lacks a //! header", f.display());
        assert!(!text.contains(&ignore), "{} skips a test", f.display());
        assert!(!text.contains(&should_panic), "{} expects a panic", f.display());
    }
}

#[test]
fn the_core_does_no_io_and_reads_no_clock() {
    let mut files = Vec::new();
    rust_files(&workspace().join("crates/vulndesk-core/src"), &mut files);
    let banned = [
        "std::fs",
        "std::net",
        "std::env",
        "std::process",
        "SystemTime::now",
        "Instant::now",
        "Utc::now",
        "OffsetDateTime::now",
    ];
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read");
        for b in banned {
            assert!(!text.contains(b), "{} uses {b}: the core takes time and data as arguments", f.display());
        }
    }
    // Outside the binary, nothing reads the system clock.
    let mut all = Vec::new();
    rust_files(&workspace().join("crates"), &mut all);
    for f in all.iter().filter(|f| !f.starts_with(workspace().join("crates/vulndesk-cli"))) {
        let text = std::fs::read_to_string(f).expect("read");
        assert!(!text.contains("SystemTime::now()"), "{} reads the clock", f.display());
    }
    // Inside the binary, only its `SystemClock` (in main.rs) does; the rest is handed the time.
    let mut cli = Vec::new();
    rust_files(&workspace().join("crates/vulndesk-cli/src"), &mut cli);
    for f in cli.iter().filter(|f| !f.ends_with("main.rs")) {
        let text = std::fs::read_to_string(f).expect("read");
        assert!(!text.contains("SystemTime::now()"), "{} reads the clock: take it from SystemClock", f.display());
    }
    let main = std::fs::read_to_string(workspace().join("crates/vulndesk-cli/src/main.rs")).expect("read");
    assert_eq!(main.matches("SystemTime::now()").count(), 1, "main.rs reads the clock only in SystemClock");
}
