//! Panorama's domain: the records of the digital social innovation ecosystem as plain Rust types,
//! the taxonomies they are classified by, text helpers, read filters, and the access policy.
//!
//! This crate knows nothing of the database, of GraphQL or of HTTP: persistence maps its rows to
//! these types, and the API maps these types to GraphQL objects.

pub mod changes;
pub mod country;
pub mod currency;
pub mod duplicates;
pub mod error;
pub mod evaluation;
pub mod filter;
pub mod giving360;
pub mod lists;
pub mod model;
pub mod network;
pub mod page;
pub mod partner;
pub mod policy;
pub mod suggest;
pub mod taxonomy;
pub mod text;
pub mod validation;
pub mod webhook;

pub use error::DomainError;
pub use model::*;
