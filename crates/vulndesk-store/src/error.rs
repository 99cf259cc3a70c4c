//! The store's error type.

/// What went wrong in a store call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The object asked for does not exist.
    #[error("not found")]
    NotFound,
    /// The change collides with an existing object (a unique name already taken).
    #[error("already exists: {0}")]
    Conflict(String),
    /// The store refused the change by rule (for example the audit chain is append-only).
    #[error("refused: {0}")]
    Refused(String),
    /// The input cannot be stored as given.
    #[error("{0}")]
    Invalid(String),
    /// The database could not be reached.
    #[error("cannot open database {url}")]
    Unavailable {
        /// The URL, password hidden.
        url: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// Migrations failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// A stored value is not what the code expects (a damaged or foreign database).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// Any other database error.
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl StoreError {
    pub(crate) fn unavailable(url: &str, source: sqlx::Error) -> Self {
        Self::Unavailable { url: url.to_owned(), source }
    }

    pub(crate) fn corrupt(what: impl std::fmt::Display) -> Self {
        Self::Corrupt(what.to_string())
    }
}

/// Whether a database error is one of the refusals our own triggers raise.
fn is_guard_refusal(message: &str) -> bool {
    [
        "append-only",
        "younger than the retention period",
        "go only with their receipt",
        "retention period can only be raised",
        "cannot be deleted",
    ]
    .iter()
    .any(|m| message.contains(m))
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::Database(d) if d.is_unique_violation() => Self::Conflict(d.message().to_owned()),
            sqlx::Error::Database(d) if is_guard_refusal(d.message()) => Self::Refused(d.message().to_owned()),
            _ => Self::Database(e),
        }
    }
}
