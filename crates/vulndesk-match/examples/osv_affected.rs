//! Answers "is this version affected by this advisory?" for the differential referees.
//!
//! Usage: `osv_affected --osv PATH [--osv PATH ...] < queries.jsonl`. Each input line is a
//! JSON object `{"id": ..., "version": ...}`; each output line is
//! `{"id", "version", "affected", "in_ranges", "in_versions"}`, where `affected` is vulndesk's
//! answer (OSV's rule: inside a `SEMVER` or `ECOSYSTEM` range or named in the `versions`
//! list), and the other two say which form matched. An unknown id gives an `error` field
//! instead. The referee scripts in `tests/referee/` drive it.

use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::{Value, json};

fn main() -> ExitCode {
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--osv", Some(path)) => paths.push(PathBuf::from(path)),
            _ => {
                eprintln!("usage: osv_affected --osv PATH [--osv PATH ...] < queries.jsonl");
                return ExitCode::from(2);
            }
        }
    }
    let (index, _) = match vulndesk_match::load_paths(&paths, |_| {}) {
        Ok(loaded) => loaded,
        Err(err) => {
            eprintln!("osv_affected: {err}");
            return ExitCode::FAILURE;
        }
    };
    let stdin = std::io::stdin();
    let mut out = BufWriter::new(std::io::stdout().lock());
    for (number, line) in stdin.lock().lines().enumerate() {
        let line = match line {
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) => line,
            Err(err) => {
                eprintln!("osv_affected: cannot read standard input: {err}");
                return ExitCode::FAILURE;
            }
        };
        let query: Value = match serde_json::from_str(&line) {
            Ok(query) => query,
            Err(err) => {
                eprintln!("osv_affected: line {}: {err}", number + 1);
                return ExitCode::FAILURE;
            }
        };
        let id = query["id"].as_str().unwrap_or_default();
        let version = query["version"].as_str().unwrap_or_default();
        let answer = match index.evaluate(id, version) {
            Some(verdict) => json!({
                "id": id,
                "version": version,
                "affected": verdict.affected(),
                "in_ranges": verdict.in_ranges,
                "in_versions": verdict.in_versions,
            }),
            None => json!({"id": id, "version": version, "error": "unknown advisory id"}),
        };
        if writeln!(out, "{answer}").is_err() {
            return ExitCode::FAILURE;
        }
    }
    if out.flush().is_err() {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
