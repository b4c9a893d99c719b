//! Panorama's GraphQL API and HTTP surface: the schema (objects, inputs, loaders) and the axum
//! router that serves it with GraphiQL, health and readiness.

pub mod auth;
pub mod context;
pub mod error;
mod guard;
mod ids;
mod inputs;
mod loaders;
mod mutation;
mod query;
pub mod router;
mod types;

use async_graphql::{EmptySubscription, Schema};

pub use context::RequestContext;
pub use router::{ApiOptions, AppState, router};

pub type PanoramaSchema = Schema<query::Query, mutation::Mutation, EmptySubscription>;

/// Builds the schema. It holds no data and touches no database: the store, the caller's context
/// and the DataLoaders are added to each request, so the same builder serves the SDL check.
pub fn build_schema() -> PanoramaSchema {
    Schema::build(
        query::Query::default(),
        mutation::Mutation::default(),
        EmptySubscription,
    )
    .limit_depth(16)
    .finish()
}
