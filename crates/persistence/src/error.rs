use panorama_domain::DomainError;
use sea_orm::DbErr;
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
