//! Writes the sample advisories of the CSAF tests (tests/csaf_support) as CSAF 2.0 files into the
//! directory given as the only argument, one `<name>.json` per document, for the independent
//! referee in tests/referee/csaf (the BSI csaf-validator-lib).

#[path = "../tests/csaf_support/mod.rs"]
mod csaf_support;

use std::path::PathBuf;
use std::process::ExitCode;

use vulndesk_formats::csaf;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: csaf_write <output directory>");
        return ExitCode::from(2);
    };
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("{}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    for (name, doc, profile) in csaf_support::sample_docs() {
        let path = dir.join(format!("{name}.json"));
        let text = match serde_json::to_string_pretty(&csaf::write(&doc, profile)) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("{name}: {e}");
                return ExitCode::FAILURE;
            }
        };
        if let Err(e) = std::fs::write(&path, text + "\n") {
            eprintln!("{}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
