//! `vulndesk backup` and `vulndesk restore` round trip on the backend under test, between real
//! processes: an online backup while the demo server runs, a restore into an empty database after
//! which `receipts verify` and `audit verify` pass and every table's row count matches, a refusal
//! to replace a database that holds data without --force, and refusals of a tampered database and
//! of a damaged backup file that leave everything as it was.

mod common;

use common::{Server, text, vulndesk};
use vulndesk_store::Backend;
use vulndesk_store::testing::{TestDb, backend_under_test, raw_at};

/// `OK <n>` from a verify command.
fn verified(database: &str, what: &str) -> u64 {
    let out = vulndesk(&["--database", database, what, "verify"]);
    let said = text(&out.stdout);
    assert!(out.status.success(), "{what} verify: {said} {}", text(&out.stderr));
    said.trim().strip_prefix("OK ").and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{what} verify said {said}"))
}

#[tokio::test]
async fn backup_and_restore_round_trip() {
    let backend = backend_under_test();
    let db = TestDb::new().await;
    let files = tempfile::tempdir().expect("temp dir");
    let online = files.path().join("online.backup");
    let offline = files.path().join("offline.backup");

    // Online: the demo server is running (and its job runner writing) while the copy is made.
    let mut server = Server::start_demo(&db.url);
    let out = vulndesk(&["--database", &db.url, "backup", online.to_str().expect("utf-8")]);
    let said = text(&out.stdout);
    assert!(out.status.success(), "online backup: {said} {}", text(&out.stderr));
    assert!(said.contains("receipt chain OK") && said.contains("audit chain OK"), "{said}");
    assert!(said.contains("SHA-256 "), "{said}");
    // A backup never overwrites a file.
    let again = vulndesk(&["--database", &db.url, "backup", online.to_str().expect("utf-8")]);
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stderr).contains("exists: a backup never overwrites a file"), "{}", text(&again.stderr));
    server.kill();

    // The reference: what the stopped database holds.
    let counts = db.store.table_counts().await.expect("counts");
    let receipts = verified(&db.url, "receipts");
    let events = verified(&db.url, "audit");
    assert!(receipts >= 1 && events >= 10, "the demo received reports and audited work: {receipts} {events}");
    assert!(counts.len() >= 50, "{counts:?}");
    let out = vulndesk(&["--database", &db.url, "backup", offline.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{} {}", text(&out.stdout), text(&out.stderr));

    // Restore into an empty database: the chains verify and every table has the same rows.
    let target = TestDb::empty_on(backend).await;
    let out = vulndesk(&["--database", &target.url, "restore", offline.to_str().expect("utf-8")]);
    let said = text(&out.stdout);
    assert!(out.status.success(), "restore: {said} {}", text(&out.stderr));
    assert!(said.contains(&format!("receipt chain OK ({receipts} receipts)")), "{said}");
    assert!(said.contains(&format!("audit chain OK ({events} events)")), "{said}");
    assert_eq!(verified(&target.url, "receipts"), receipts);
    assert_eq!(verified(&target.url, "audit"), events);
    let restored = counts_at(&target.url).await;
    assert_eq!(restored, counts, "every table's row count matches");

    // The online copy restores too (it may hold less than the later reference, never a broken chain).
    let target2 = TestDb::empty_on(backend).await;
    let out = vulndesk(&["--database", &target2.url, "restore", online.to_str().expect("utf-8")]);
    assert!(out.status.success(), "restore of the online copy: {} {}", text(&out.stdout), text(&out.stderr));
    assert!(verified(&target2.url, "receipts") <= receipts);

    // A database that holds data is replaced only with --force.
    let out = vulndesk(&["--database", &target.url, "restore", online.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("holds data"), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("--force"), "{}", text(&out.stderr));
    assert_eq!(counts_at(&target.url).await, counts, "the refused restore changed nothing");
    let out = vulndesk(&["--database", &target.url, "restore", "--force", offline.to_str().expect("utf-8")]);
    assert!(out.status.success(), "forced restore: {} {}", text(&out.stdout), text(&out.stderr));
    assert_eq!(counts_at(&target.url).await, counts);

    // A database whose audit chain was edited is not backed up: the copy would carry the damage.
    let disable = match backend {
        Backend::Sqlite => "DROP TRIGGER audit_events_no_update",
        Backend::Postgres => "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update",
    };
    // (A store of its own: on SQLite the restore replaced the file `target` had open.)
    raw_at(&target.url, disable).await.expect("disable the guard");
    raw_at(&target.url, "UPDATE audit_events SET details = '{}' WHERE seq = 3").await.expect("tamper");
    let tampered = files.path().join("tampered.backup");
    let out = vulndesk(&["--database", &target.url, "backup", tampered.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("audit chain is broken at sequence 3"), "{}", text(&out.stderr));
    assert!(!tampered.exists(), "no backup file is left behind");

    // A damaged file is refused before anything is touched.
    let mut bytes = std::fs::read(&offline).expect("read");
    bytes.truncate(bytes.len() / 2);
    let damaged = files.path().join("damaged.backup");
    std::fs::write(&damaged, &bytes).expect("write");
    let out = vulndesk(&["--database", &target2.url, "restore", "--force", damaged.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(verified(&target2.url, "audit") >= 1, "the target still verifies");
    let out = vulndesk(&["--database", &target2.url, "restore", "--force", files.path().to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));

    // A backup of one kind is not restored into the other database.
    let other = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => Some(format!("sqlite://{}", files.path().join("x/vulndesk.db").display())),
    };
    if let Some(other) = other {
        let out = vulndesk(&["--database", &other, "restore", offline.to_str().expect("utf-8")]);
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out.stderr).contains("is a PostgreSQL dump"), "{}", text(&out.stderr));
    } else {
        let garbage = files.path().join("garbage.backup");
        std::fs::write(&garbage, b"not a backup at all").expect("write");
        let out = vulndesk(&["--database", &target2.url, "restore", garbage.to_str().expect("utf-8")]);
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out.stderr).contains("is neither a SQLite database nor a pg_dump"), "{}", text(&out.stderr));
    }
}

/// Every table's rows in the database at `url`, read by a store of its own.
async fn counts_at(url: &str) -> Vec<(String, i64)> {
    let store =
        vulndesk_store::Store::open(url, &vulndesk_store::OpenOptions { max_connections: 1 }).await.expect("open");
    let counts = store.table_counts().await.expect("counts");
    store.close().await;
    counts
}

/// `vulndesk admin seal`: refused without a key; with one, it encrypts the demo's attachments that
/// were stored in clear, a second run finds nothing, and the receipts then verify with the key
/// and need it.
#[tokio::test]
async fn admin_seal_encrypts_what_was_stored_before_the_key() {
    let db = TestDb::new().await;
    let mut server = Server::start_demo(&db.url);
    server.kill();
    let receipts = verified(&db.url, "receipts");

    let out = vulndesk(&["--database", &db.url, "admin", "seal"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no attachment_key is configured"), "{}", text(&out.stderr));

    let files = tempfile::tempdir().expect("temp dir");
    let key = files.path().join("attachment.key");
    std::fs::write(&key, format!("{}\n", "5e".repeat(32))).expect("key file");
    let with_key_file = |file: &std::path::Path, args: &[&str]| {
        std::process::Command::new(common::BIN)
            .args(args)
            .env_remove("VULNDESK_DATABASE_URL")
            .env("VULNDESK_ATTACHMENT_KEY_FILE", file)
            .output()
            .expect("run vulndesk")
    };
    let with_key = |args: &[&str]| with_key_file(&key, args);
    let out = with_key(&["--database", &db.url, "admin", "seal"]);
    let said = text(&out.stdout);
    assert!(out.status.success(), "{said} {}", text(&out.stderr));
    assert!(text(&out.stderr).contains("encrypted so far"), "progress on stderr: {}", text(&out.stderr));
    let sealed: u64 = said
        .strip_prefix("encrypted ")
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{said}"));
    assert!(sealed > 0, "the demo's attachments: {said}");
    let out = with_key(&["--database", &db.url, "admin", "seal"]);
    assert_eq!(text(&out.stdout).trim(), "encrypted 0 attachments and 0 two-factor secrets that were stored in clear");

    // Another key would leave rows under two keys: refused before anything is written.
    let other = files.path().join("other.key");
    std::fs::write(&other, "a7".repeat(32)).expect("key file");
    let out = with_key_file(&other, &["--database", &db.url, "admin", "seal"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("does not open the attachments already encrypted"), "{}", text(&out.stderr));

    let out = with_key(&["--database", &db.url, "receipts", "verify"]);
    assert_eq!(text(&out.stdout).trim(), format!("OK {receipts}"), "{}", text(&out.stderr));
    let out = vulndesk(&["--database", &db.url, "receipts", "verify"]);
    assert!(!out.status.success(), "the sealed attachments need the key");
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(said.contains("attachment_key"), "{said}");
}
