use panorama_domain::DomainError;
use sea_orm::{DbErr, RuntimeErr, sqlx};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    /// A row that does not map to a domain value: a bug or a hand edit, never user input.
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The record changed since the version the writer based its change on.
    #[error("the record is at version {current}, not the version this change was based on")]
    StaleVersion { current: i32 },
    /// A change-feed cursor from before the oldest event kept: events after it were pruned.
    #[error("the feed no longer holds the events after this cursor")]
    CursorExpired,
    /// A record that a command names does not exist.
    #[error("no {0} with that id")]
    NotFound(&'static str),
}

impl StoreError {
    pub(crate) fn corrupt(what: impl std::fmt::Display) -> Self {
        Self::Corrupt(what.to_string())
    }
}

impl StoreError {
    /// The database cannot be reached: no connection could be had in time, or the one in use
    /// broke. Nothing is wrong with the request; the same one may succeed later.
    pub fn is_unavailable(&self) -> bool {
        let Self::Database(error) = self else {
            return false;
        };
        match error {
            DbErr::ConnectionAcquire(_) => true,
            DbErr::Conn(runtime) | DbErr::Exec(runtime) | DbErr::Query(runtime) => {
                sqlx_error(runtime).is_some_and(connection_lost)
            }
            _ => false,
        }
    }

    /// PostgreSQL cancelled the statement for running longer than `statement_timeout`.
    pub fn is_timeout(&self) -> bool {
        let Self::Database(DbErr::Exec(runtime) | DbErr::Query(runtime)) = self else {
            return false;
        };
        sqlx_error(runtime).is_some_and(|error| sqlstate(error).as_deref() == Some(QUERY_CANCELED))
    }
}

/// SQLSTATE `query_canceled`, which a statement timeout raises.
const QUERY_CANCELED: &str = "57014";

fn sqlx_error(runtime: &RuntimeErr) -> Option<&sqlx::Error> {
    match runtime {
        RuntimeErr::SqlxError(error) => Some(error),
        RuntimeErr::Internal(_) => None,
    }
}

fn sqlstate(error: &sqlx::Error) -> Option<String> {
    match error {
        sqlx::Error::Database(database) => database.code().map(|code| code.into_owned()),
        _ => None,
    }
}

/// Whether an error means the connection to the database is gone (or could not be made), as
/// opposed to a statement that failed on a working connection.
fn connection_lost(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // Class 08 is "connection exception"; 57P01 to 57P03 are the server shutting down or
        // not accepting connections yet.
        sqlx::Error::Database(_) => {
            sqlstate(error).is_some_and(|code| code.starts_with("08") || code.starts_with("57P0"))
        }
        _ => false,
    }
}
