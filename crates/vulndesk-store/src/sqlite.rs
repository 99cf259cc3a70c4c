//! Opening the embedded SQLite database: WAL mode, full fsync on commit, one writer connection and
//! a pool of readers.

use std::str::FromStr;

use sqlx::any::AnyConnectOptions;
use sqlx::{AnyPool, Executor};

use crate::OpenOptions;

/// Per-connection settings. `synchronous = FULL` makes every commit wait for the WAL's fsync, so a
/// committed transaction survives a crash or power loss; `busy_timeout` lets readers wait out a
/// checkpoint instead of failing.
const PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA cache_size = -65536;";

pub(crate) async fn open(url: &str, options: &OpenOptions) -> Result<(AnyPool, AnyPool), sqlx::Error> {
    // Create the file (and its folder) on first use.
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or(path);
    if !path.is_empty()
        && path != ":memory:"
        && let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(sqlx::Error::Io)?;
    }
    let url = if url.contains('?') { url.to_owned() } else { format!("{url}?mode=rwc") };
    let connect = AnyConnectOptions::from_str(&url)?;
    let with_pragmas = |max: u32| {
        // An embedded file does not go away between uses: no round trip to test a connection first.
        crate::pool_options(max).test_before_acquire(false).after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute(PRAGMAS).await?;
                Ok(())
            })
        })
    };
    let write = with_pragmas(1).connect_with(connect.clone()).await?;
    let read = with_pragmas(options.max_connections.max(1)).connect_with(connect).await?;
    Ok((write, read))
}
