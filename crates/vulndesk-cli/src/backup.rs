//! `vulndesk backup` and `vulndesk restore`. A SQLite database is copied online (`VACUUM INTO`, one
//! snapshot while the server goes on); a PostgreSQL database with its own tools, `pg_dump` in the
//! custom format and `pg_restore`, run directly (never through a shell) with the password in the
//! environment, not on a command line other users can read. Every copy is checked before it is
//! called a backup, and every restore before it replaces anything: SQLite's integrity check, the
//! receipt chain (nothing received is missing or altered) and the audit chain.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};
use vulndesk_store::intake::ReceiptCheck;
use vulndesk_store::{Backend, ChainReport, OpenOptions, Store};

/// The first bytes of a SQLite database file.
const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";
/// The first bytes of a `pg_dump --format=custom` archive.
const PG_DUMP_MAGIC: &[u8] = b"PGDMP";

/// What a checked database holds.
struct Checked {
    receipts: u64,
    audit_events: u64,
    tables: usize,
    rows: i64,
}

impl std::fmt::Display for Checked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} tables, {} rows; receipt chain OK ({} receipts); audit chain OK ({} events)",
            self.tables, self.rows, self.receipts, self.audit_events
        )
    }
}

/// [`check`] with the attachment key, when configured (encrypted attachments are re-hashed
/// through it).
async fn check_with(key: Option<[u8; 32]>, store: &Store) -> anyhow::Result<Checked> {
    if let Some(k) = key {
        store.set_attachment_key(k)?;
    }
    check(store).await
}

/// Checks a store: SQLite's integrity, migrations this binary knows, both chains; counts rows.
async fn check(store: &Store) -> anyhow::Result<Checked> {
    let problems = store.integrity_problems().await?;
    if !problems.is_empty() {
        bail!("the SQLite integrity check failed: {}", problems.join("; "));
    }
    let unknown = store.unknown_migrations().await?;
    if !unknown.is_empty() {
        bail!("the database was migrated by a newer vulndesk (migrations {unknown:?}); use that version");
    }
    let receipts = match store.receipts_verify().await? {
        ReceiptCheck::Ok { count, .. } => count,
        ReceiptCheck::Broken(b) => bail!("the receipt chain is broken at sequence {}: {}", b.seq, b.reason),
    };
    let audit_events = match store.audit_verify().await? {
        ChainReport::Ok { count, .. } => count,
        ChainReport::Broken(b) => bail!("the audit chain is broken at sequence {}: {}", b.seq, b.reason),
    };
    let counts = store.table_counts().await?;
    Ok(Checked { receipts, audit_events, tables: counts.len(), rows: counts.iter().map(|(_, n)| n).sum() })
}

fn sqlite_path(url: &str) -> anyhow::Result<PathBuf> {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path == ":memory:" {
        bail!("the database {url:?} is not a file");
    }
    Ok(PathBuf::from(path))
}

/// `PATH.partial`, where a copy is made before it is checked and renamed.
fn partial(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".partial");
    PathBuf::from(p)
}

/// The `-wal` and `-shm` files SQLite keeps beside `path`.
fn sidecars(path: &Path) -> [PathBuf; 2] {
    ["-wal", "-shm"].map(|s| {
        let mut p = path.as_os_str().to_owned();
        p.push(s);
        PathBuf::from(p)
    })
}

fn sha256_file(path: &Path) -> anyhow::Result<String> {
    let mut f = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Flushes a file and its folder, so a rename that follows survives a power loss.
fn sync_file_and_dir(path: &Path) -> anyhow::Result<()> {
    std::fs::File::open(path)?.sync_all()?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// A PostgreSQL URL without its password, and the password (for `PGPASSWORD`).
fn pg_target(url: &str) -> anyhow::Result<(String, Option<String>)> {
    let mut u = url::Url::parse(url).context("the PostgreSQL URL")?;
    let password = u.password().map(|p| {
        url::form_urlencoded::parse(format!("p={p}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
    });
    let _ = u.set_password(None);
    Ok((u.to_string(), password))
}

fn pg_tool(tool: &str, url: &str) -> anyhow::Result<Command> {
    let (url, password) = pg_target(url)?;
    let mut cmd = Command::new(tool);
    cmd.arg(format!("--dbname={url}"));
    if let Some(p) = password {
        cmd.env("PGPASSWORD", p);
    }
    Ok(cmd)
}

fn run_tool(mut cmd: Command, what: &str) -> anyhow::Result<String> {
    let out = cmd.output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            anyhow::anyhow!("{what} is not installed: install PostgreSQL's client tools (Debian: postgresql-client)")
        } else {
            anyhow::anyhow!("cannot run {what}: {e}")
        }
    })?;
    if !out.status.success() {
        bail!("{what} failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `vulndesk backup OUT`.
pub(crate) async fn backup(url: &str, key: Option<[u8; 32]>, out: &Path) -> anyhow::Result<ExitCode> {
    if out.exists() {
        bail!("{} exists: a backup never overwrites a file", out.display());
    }
    let tmp = partial(out);
    let _ = std::fs::remove_file(&tmp);
    let store = Store::open(url, &OpenOptions { max_connections: 2 }).await?;
    let summary = match store.backend() {
        Backend::Sqlite => {
            eprintln!("copying {} (online, one snapshot)…", store.display_url());
            store.backup_sqlite(&tmp).await.context("VACUUM INTO")?;
            store.close().await;
            // The copy is opened and checked before it is called a backup.
            let copy_url = format!("sqlite://{}", tmp.display());
            let copy = Store::open(&copy_url, &OpenOptions { max_connections: 1 }).await?;
            let checked = check_with(key, &copy).await;
            copy.close().await;
            for s in sidecars(&tmp) {
                let _ = std::fs::remove_file(s);
            }
            match checked {
                Ok(c) => c,
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    return Err(e.context("the copy failed its check and was removed"));
                }
            }
        }
        Backend::Postgres => {
            // The live database's chains first: a dump of a broken chain is not a good backup.
            let checked = check_with(key, &store).await?;
            store.close().await;
            eprintln!("dumping with pg_dump (custom format)…");
            let mut dump = pg_tool("pg_dump", url)?;
            dump.args(["--format=custom", "--no-owner", "--no-privileges", "--file"]).arg(&tmp);
            if let Err(e) = run_tool(dump, "pg_dump") {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
            let mut list = Command::new("pg_restore");
            list.arg("--list").arg(&tmp);
            let listing = run_tool(list, "pg_restore --list").context("the dump cannot be read back")?;
            let tables = listing.lines().filter(|l| l.contains(" TABLE DATA ")).count();
            if tables < checked.tables {
                let _ = std::fs::remove_file(&tmp);
                bail!("the dump holds {tables} tables' data, the database {}", checked.tables);
            }
            checked
        }
    };
    sync_file_and_dir(&tmp)?;
    std::fs::rename(&tmp, out).with_context(|| format!("renaming the copy to {}", out.display()))?;
    sync_file_and_dir(out)?;
    let size = std::fs::metadata(out)?.len();
    println!("backup {} ({size} bytes, SHA-256 {})", out.display(), sha256_file(out)?);
    println!("checked: {summary}");
    Ok(ExitCode::SUCCESS)
}

/// What a database already holds: its tables and their rows.
async fn holds(store: &Store) -> (usize, i64) {
    match store.table_counts().await {
        Ok(c) => (c.len(), c.iter().map(|(_, n)| n).sum()),
        Err(_) => (0, 0),
    }
}

/// Whether a database already holds data, said as a refusal would say it.
async fn holds_data(store: &Store) -> anyhow::Result<Option<String>> {
    let (tables, rows) = holds(store).await;
    Ok((rows > 0).then(|| format!("{tables} tables, {rows} rows")))
}

/// `vulndesk restore FILE [--force]`.
pub(crate) async fn restore(
    url: &str,
    key: Option<[u8; 32]>,
    file: &Path,
    force: bool,
    now: vulndesk_core::Timestamp,
) -> anyhow::Result<ExitCode> {
    let mut head = [0u8; 16];
    let n = std::fs::File::open(file)
        .with_context(|| format!("reading {}", file.display()))?
        .read(&mut head)
        .with_context(|| format!("reading {}", file.display()))?;
    let head = &head[..n];
    let is_sqlite = head.starts_with(SQLITE_MAGIC);
    let is_pg = head.starts_with(PG_DUMP_MAGIC);
    if !is_sqlite && !is_pg {
        bail!("{} is neither a SQLite database nor a pg_dump custom-format archive", file.display());
    }
    let target_is_sqlite = url.starts_with("sqlite:");
    if is_sqlite && !target_is_sqlite {
        bail!(
            "{} is a SQLite backup and the configured database is PostgreSQL: restore it into SQLite (--database sqlite://PATH)",
            file.display()
        );
    }
    if is_pg && target_is_sqlite {
        bail!(
            "{} is a PostgreSQL dump and the configured database is SQLite: restore it into PostgreSQL (--database postgres://…)",
            file.display()
        );
    }
    if is_sqlite {
        restore_sqlite(url, key, file, force, now).await
    } else {
        restore_postgres(url, key, file, force).await
    }
}

async fn restore_sqlite(
    url: &str,
    key: Option<[u8; 32]>,
    file: &Path,
    force: bool,
    now: vulndesk_core::Timestamp,
) -> anyhow::Result<ExitCode> {
    let target = sqlite_path(url)?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    // The backup is copied next to the target and checked there; nothing is replaced before the
    // copy passed.
    let tmp = partial(&target);
    for p in std::iter::once(tmp.clone()).chain(sidecars(&tmp)) {
        let _ = std::fs::remove_file(p);
    }
    std::fs::copy(file, &tmp).with_context(|| format!("copying {} to {}", file.display(), tmp.display()))?;
    let copy = Store::open(&format!("sqlite://{}", tmp.display()), &OpenOptions { max_connections: 1 }).await;
    let checked = match copy {
        Ok(copy) => {
            let c = check_with(key, &copy).await;
            copy.close().await;
            c
        }
        Err(e) => Err(e.into()),
    };
    for s in sidecars(&tmp) {
        let _ = std::fs::remove_file(s);
    }
    let checked = match checked {
        Ok(c) => c,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e.context(format!("{} is not a sound vulndesk backup; nothing was changed", file.display())));
        }
    };
    if target.exists() {
        let existing = Store::open(url, &OpenOptions { max_connections: 1 }).await?;
        let data = holds_data(&existing).await?;
        existing.close().await;
        if let Some(what) = data
            && !force
        {
            let _ = std::fs::remove_file(&tmp);
            bail!(
                "the database {} holds data ({what}); stop every vulndesk process and add --force to replace it (it is kept aside, not deleted)",
                target.display()
            );
        }
        // Kept aside with its sidecars, never deleted.
        let stamp = now.as_secs();
        let mut aside = target.as_os_str().to_owned();
        aside.push(format!(".before-restore-{stamp}"));
        let aside = PathBuf::from(aside);
        std::fs::rename(&target, &aside).with_context(|| format!("moving {} aside", target.display()))?;
        for (from, to) in sidecars(&target).into_iter().zip(sidecars(&aside)) {
            if from.exists() {
                std::fs::rename(&from, &to)?;
            }
        }
        eprintln!("the previous database is kept as {}", aside.display());
    }
    sync_file_and_dir(&tmp)?;
    std::fs::rename(&tmp, &target).with_context(|| format!("moving the restored copy to {}", target.display()))?;
    sync_file_and_dir(&target)?;
    println!("restored {} into {}", file.display(), target.display());
    println!("checked: {checked}");
    Ok(ExitCode::SUCCESS)
}

async fn restore_postgres(url: &str, key: Option<[u8; 32]>, file: &Path, force: bool) -> anyhow::Result<ExitCode> {
    let mut list = Command::new("pg_restore");
    list.arg("--list").arg(file);
    run_tool(list, "pg_restore --list").with_context(|| format!("{} cannot be read", file.display()))?;
    let store = Store::open(url, &OpenOptions { max_connections: 2 }).await?;
    let (tables, rows) = holds(&store).await;
    store.close().await;
    if rows > 0 && !force {
        bail!(
            "the database {} holds data ({tables} tables, {rows} rows); stop every vulndesk process and add --force to replace it (take a backup of it first)",
            vulndesk_store::redact_url(url)
        );
    }
    let mut restore = pg_tool("pg_restore", url)?;
    // One transaction: a failure part-way leaves the database as it was.
    restore.args(["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]);
    if tables > 0 {
        // The dump's objects replace those of the same name (a migrated, empty schema included).
        restore.args(["--clean", "--if-exists"]);
    }
    restore.arg(file);
    run_tool(restore, "pg_restore")?;
    let store = Store::open(url, &OpenOptions { max_connections: 2 }).await?;
    let checked = check_with(key, &store).await;
    store.close().await;
    let checked = checked.context("the restored database failed its check")?;
    println!("restored {} into {}", file.display(), vulndesk_store::redact_url(url));
    println!("checked: {checked}");
    Ok(ExitCode::SUCCESS)
}
