//! What backups need from the store: an online copy of a SQLite database, SQLite's own integrity
//! check, and the row count of every table, which a restore is compared against. PostgreSQL is
//! backed up with its own tools (`pg_dump`, `pg_restore`), which the command line runs.

use std::path::Path;

use sqlx::Row;

use crate::{Backend, Result, Store, StoreError};

impl Store {
    /// Writes a consistent copy of the SQLite database to `path` while the database stays in use:
    /// `VACUUM INTO` reads one snapshot (writers go on; the copy holds every transaction committed
    /// before it began and none after) and writes a compacted file. `path` must not exist.
    pub async fn backup_sqlite(&self, path: &Path) -> Result<()> {
        if self.backend() != Backend::Sqlite {
            return Err(StoreError::Invalid("an online copy is for SQLite; PostgreSQL is copied with pg_dump".into()));
        }
        let target = path
            .to_str()
            .ok_or_else(|| StoreError::Invalid(format!("{} is not a UTF-8 path", path.display())))?
            .to_owned();
        // The file name is a bound value, never spliced into the statement.
        sqlx::query("VACUUM INTO $1").bind(target).execute(self.read()).await?;
        Ok(())
    }

    /// SQLite's `PRAGMA integrity_check`: empty when the file is sound, else what is wrong.
    /// PostgreSQL has no such check here: empty.
    pub async fn integrity_problems(&self) -> Result<Vec<String>> {
        if self.backend() != Backend::Sqlite {
            return Ok(Vec::new());
        }
        let lines: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(self.read()).await?;
        Ok(lines.into_iter().filter(|l| l != "ok").collect())
    }

    /// Every table of vulndesk's schema with its number of rows, by name.
    pub async fn table_counts(&self) -> Result<Vec<(String, i64)>> {
        let names: Vec<String> = match self.backend() {
            Backend::Sqlite => {
                sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
                     AND name NOT LIKE '\\_sqlx%' ESCAPE '\\' ORDER BY name",
                )
                .fetch_all(self.read())
                .await?
            }
            Backend::Postgres => sqlx::query_scalar(
                "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = current_schema() \
                     AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_sqlx%' ESCAPE '\\' ORDER BY table_name",
            )
            .fetch_all(self.read())
            .await?,
        };
        let mut counts = Vec::with_capacity(names.len());
        for name in names {
            // A table name cannot be a bound value. These come from the database's own catalogue,
            // and only plain identifiers pass.
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
                return Err(StoreError::Invalid(format!("unexpected table name {name:?} in the schema")));
            }
            let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) AS n FROM {name}")))
                .fetch_one(self.read())
                .await?;
            counts.push((name, row.try_get::<i64, _>("n")?));
        }
        Ok(counts)
    }
}
