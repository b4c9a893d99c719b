//! End-to-end tests: the real app, over HTTP, on SQLite and (when configured) PostgreSQL.
//! One test binary, one fresh database per test.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod access;
mod auth;
mod dsi4eu;
mod duplicates;
mod example_client;
mod exports;
mod faults;
mod feed;
mod giving360;
mod health;
mod idempotency;
mod insights;
mod limits;
mod moderation;
mod mutations;
mod observability;
mod pagination;
mod persisted;
mod rate_limits;
mod read_api;
mod records;
mod serving;
mod statements;
mod suggestions;
mod sync;
mod visibility;
mod webhooks;
mod writes;
