//! What the benchmark binaries share: reading `--backends` and turning a run's verdict into the
//! exit code (0 when every target was met, 1 when one was missed or the run failed).

use std::process::ExitCode;

use anyhow::bail;
use vulndesk_store::Backend;

/// The backends named on the command line (`sqlite`, `postgres`), in the order given.
pub fn parse_backends(names: &[String]) -> anyhow::Result<Vec<Backend>> {
    let mut out = Vec::with_capacity(names.len());
    for b in names {
        out.push(match b.trim() {
            "sqlite" => Backend::Sqlite,
            "postgres" | "postgresql" | "pg" => Backend::Postgres,
            other => bail!("unknown backend {other:?}: use sqlite and/or postgres"),
        });
    }
    Ok(out)
}

/// The exit code of a run: success when it met its targets; the error printed otherwise.
pub fn exit_code(verdict: anyhow::Result<bool>) -> ExitCode {
    match verdict {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
