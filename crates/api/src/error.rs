//! Errors as GraphQL errors with a machine-readable `extensions.code`.

use std::sync::Arc;

use async_graphql::{Error, ErrorExtensions};
use panorama_domain::DomainError;
use panorama_persistence::StoreError;

pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
pub const INTERNAL: &str = "INTERNAL_SERVER_ERROR";
pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
pub const FORBIDDEN: &str = "FORBIDDEN";
pub const NOT_FOUND: &str = "NOT_FOUND";
/// The database cannot be reached; the same request may succeed shortly.
pub const DATABASE_UNAVAILABLE: &str = "DATABASE_UNAVAILABLE";
/// The request, or one of its statements, ran out of time.
pub const TIMEOUT: &str = "TIMEOUT";

fn coded(message: &str, code: &'static str) -> Error {
    Error::new(message).extend_with(|_, e| e.set("code", code))
}

/// A request refused before it runs (by a limit, a budget, the persisted-query rules): its
/// `code`, and the figures that explain it, in `extensions`.
pub fn refused_request(
    message: impl Into<String>,
    code: &str,
    figures: &[(&str, u64)],
) -> async_graphql::ServerError {
    let mut error = async_graphql::ServerError::new(message, None);
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", code);
    for (name, value) in figures {
        extensions.set(*name, *value);
    }
    error.extensions = Some(extensions);
    error
}

/// The caller must sign in for this.
pub fn unauthenticated() -> Error {
    coded("sign in to do this", UNAUTHENTICATED)
}

/// The caller is signed in but may not do this.
pub fn forbidden() -> Error {
    coded("you may not do this", FORBIDDEN)
}

/// What the request names does not exist (or the caller may not see it).
pub fn not_found(message: impl Into<String>) -> Error {
    coded(&message.into(), NOT_FOUND)
}

pub fn user_error(message: impl Into<String>) -> Error {
    coded(&message.into(), BAD_USER_INPUT)
}

/// Turns a storage error into a GraphQL error: input problems are shown, database failures are
/// logged and reported without their details.
pub fn store_error(error: &StoreError) -> Error {
    match error {
        StoreError::Domain(e) => user_error(e.to_string()),
        other => {
            let (code, message) = failure(other);
            coded(message, code)
        }
    }
}

/// The code and message of a storage failure that is not the caller's doing, logged: an
/// unreachable database and a statement timeout are told apart from a fault of ours, so that
/// callers know to retry.
pub fn failure(error: &StoreError) -> (&'static str, &'static str) {
    if error.is_unavailable() {
        tracing::warn!(%error, "database unavailable");
        let message = "the database is unavailable; try again shortly";
        (DATABASE_UNAVAILABLE, message)
    } else if error.is_timeout() {
        tracing::warn!(%error, "statement timeout");
        (TIMEOUT, "the query took too long and was stopped")
    } else {
        tracing::error!(%error, "storage failure");
        (INTERNAL, "internal error")
    }
}

pub trait OrGqlError<T> {
    fn gql(self) -> Result<T, Error>;
}

impl<T> OrGqlError<T> for Result<T, StoreError> {
    fn gql(self) -> Result<T, Error> {
        self.map_err(|e| store_error(&e))
    }
}

impl<T> OrGqlError<T> for Result<T, Arc<StoreError>> {
    fn gql(self) -> Result<T, Error> {
        self.map_err(|e| store_error(&e))
    }
}

impl<T> OrGqlError<T> for Result<T, DomainError> {
    fn gql(self) -> Result<T, Error> {
        self.map_err(|e| user_error(e.to_string()))
    }
}
