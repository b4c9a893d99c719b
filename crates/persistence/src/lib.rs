//! Panorama's storage: sea-orm entities and the repositories that map their rows to domain types.
//! One [`Store`] serves SQLite (the embedded default) and PostgreSQL (production) alike.

pub mod change;
pub mod classified;
pub mod cursor;
pub mod entities;
pub mod error;
pub mod export;
pub mod feed;
mod filter;
pub mod giving;
pub mod history;
pub mod idempotency;
pub mod listing;
pub mod loaders;
mod mapping;
pub mod merge;
pub mod moderation;
pub mod network;
pub mod partners;
pub mod proposal;
pub mod record;
pub mod statements;
pub mod store;
pub mod sync;
pub mod time;
pub mod webhook;
pub mod write;

pub use error::StoreError;
pub use store::{Backend, PoolStatus, Store, StoreOptions};
