//! Panorama's GraphQL API and HTTP surface: the schema (objects, inputs, loaders) and the axum
//! router that serves it with GraphiQL, health, readiness and the open-data exports.

pub mod auth;
pub mod context;
pub mod cost;
pub mod error;
pub mod export;
pub mod giving360;
mod guard;
pub mod http;
mod ids;
mod inputs;
mod limits;
mod loaders;
pub mod metrics;
mod mutation;
pub mod network_cache;
pub mod observability;
mod persisted;
mod query;
pub mod rate_limit;
pub mod router;
mod types;

use std::sync::Arc;

use async_graphql::{EmptySubscription, Schema, SchemaBuilder};
use panorama_domain::validation::SchemeList;

pub use context::RequestContext;
pub use cost::QueryLimits;
pub use http::HttpOptions;
pub use metrics::Metrics;
pub use persisted::{AllowList, PersistedQueries};
pub use query::webhooks::{describe_event, event_types};
pub use router::{ApiOptions, AppState, router};

pub type PanoramaSchema = Schema<query::Query, mutation::Mutation, EmptySubscription>;

/// Builds the schema. It holds no data and touches no database: the store, the caller's context
/// and the DataLoaders are added to each request, so the same builder serves the SDL check.
/// Legal identifiers are checked against [`SchemeList::fallback`].
pub fn build_schema() -> PanoramaSchema {
    builder(QueryLimits::default(), PersistedQueries::default()).finish()
}

/// The schema of [`build_schema`], checking the schemes of legal identifiers against `schemes`
/// (the operator's org-id list) instead of the fallback list, with the query limits and
/// persisted queries of `options`. The SDL is the same.
pub fn build_schema_with(schemes: Arc<SchemeList>, options: &ApiOptions) -> PanoramaSchema {
    builder(options.limits, options.persisted.clone())
        .data(schemes)
        .finish()
}

/// Persisted queries come first (they supply the query text), then the limits measure it.
fn builder(
    limits: QueryLimits,
    persisted: PersistedQueries,
) -> SchemaBuilder<query::Query, mutation::Mutation, EmptySubscription> {
    Schema::build(
        query::Query::default(),
        mutation::Mutation::default(),
        EmptySubscription,
    )
    .extension(persisted::Persisted::new(persisted))
    .extension(limits::Limits(limits))
    .extension(observability::NoteOperationName)
}
