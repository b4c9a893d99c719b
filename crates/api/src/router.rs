//! The HTTP surface: GraphQL over HTTP at `/graphql` (POST, and GET for queries), GraphiQL for
//! browsers at GET `/graphql`, and the health endpoints.

use async_graphql::ParseRequestError;
use async_graphql::http::GraphiQLSource;
use async_graphql_axum::rejection::GraphQLRejection;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use panorama_domain::validation::SchemeList;
use panorama_persistence::Store;

use crate::auth::oauth;
use crate::auth::session::{AuthState, Refusal, authenticate};

use crate::context::RequestContext;
use crate::{PanoramaSchema, build_schema, build_schema_with, loaders};

/// What every handler shares. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub schema: PanoramaSchema,
    pub store: Store,
    pub options: ApiOptions,
    pub auth: Arc<AuthState>,
}

/// How long the change feed keeps events unless configured otherwise: 90 days.
pub const DEFAULT_FEED_RETENTION: Duration = Duration::from_secs(90 * 24 * 3600);

/// Tunables of the API.
#[derive(Debug, Clone, Copy)]
pub struct ApiOptions {
    /// How long DataLoaders collect keys before they run a batch (see `loaders::for_request`).
    pub batch_window: Duration,
    /// How long the change feed keeps events (older ones are pruned).
    pub feed_retention: Duration,
}

impl Default for ApiOptions {
    fn default() -> Self {
        Self {
            batch_window: Duration::from_millis(5),
            feed_retention: DEFAULT_FEED_RETENTION,
        }
    }
}

impl AppState {
    /// Checks legal identifiers against [`SchemeList::fallback`].
    pub fn new(store: Store, options: ApiOptions, auth: Arc<AuthState>) -> Self {
        Self {
            schema: build_schema(),
            store,
            options,
            auth,
        }
    }

    /// Checks legal identifiers against `schemes`, the operator's org-id list.
    pub fn with_schemes(
        store: Store,
        options: ApiOptions,
        auth: Arc<AuthState>,
        schemes: Arc<SchemeList>,
    ) -> Self {
        Self {
            schema: build_schema_with(schemes),
            store,
            options,
            auth,
        }
    }
}

/// The largest request body accepted; a GraphQL document and its variables fit easily.
const MAX_BODY_BYTES: usize = 1024 * 1024;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql))
        .route("/oauth/token", post(oauth::token))
        .route("/.well-known/jwks.json", get(oauth::jwks))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            MAX_BODY_BYTES,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

async fn graphql(
    State(state): State<AppState>,
    headers: HeaderMap,
    request: Result<GraphQLRequest, GraphQLRejection>,
) -> Response {
    let request = match request {
        Ok(request) => request,
        Err(rejection) => return rejected(&rejection),
    };
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or_default());
    let actor = match authenticate(&state.auth, &state.store, authorization).await {
        Ok(actor) => actor,
        Err(refusal) => return unauthenticated(&refusal),
    };
    let context = RequestContext { actor };
    let loaders = loaders::for_request(
        state.store.clone(),
        context.scope(),
        state.options.batch_window,
    );
    let request = request
        .into_inner()
        .data(state.store.clone())
        .data(state.options)
        .data(loaders)
        .data(context);
    GraphQLResponse::from(state.schema.execute(request).await).into_response()
}

/// A token that does not verify gets no data at all, and the same answer whatever failed; the
/// reason goes to the log only.
fn unauthenticated(refusal: &Refusal) -> Response {
    tracing::info!(reason = %refusal, "refused a bearer token");
    let body = serde_json::json!({
        "errors": [{ "message": "invalid or expired token", "extensions": { "code": "UNAUTHENTICATED" } }]
    });
    let headers = [
        (
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        ),
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/graphql-response+json"),
        ),
    ];
    (StatusCode::UNAUTHORIZED, headers, body.to_string()).into_response()
}

/// A browser (asking for HTML, with no query) gets GraphiQL; anything else is a GraphQL GET.
async fn graphql_get(
    state: State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    request: Result<GraphQLRequest, async_graphql_axum::rejection::GraphQLRejection>,
) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html && uri.query().is_none_or(|q| !q.contains("query=")) {
        return Html(
            GraphiQLSource::build()
                .endpoint("/graphql")
                .title("Panorama GraphiQL")
                .finish(),
        )
        .into_response();
    }
    graphql(state, headers, request).await
}

/// A request that is not a GraphQL request at all (malformed JSON, invalid UTF-8, JSON nested
/// deeper than serde_json's limit of 128, a bad query string) gets a GraphQL error body saying
/// what is wrong, with 400, as the GraphQL-over-HTTP spec has it. The extractor's own answer is
/// untyped plain text in Rust debug notation (`InvalidRequest(Error("…", line: 1, …))`).
/// A body sent without a length that runs over [`MAX_BODY_BYTES`] is only found out while it is
/// read, and reaches us as an I/O error carrying the limit layer's message: it gets the 413 that
/// a body announcing its length gets from the layer itself, instead of a 400.
fn rejected(rejection: &GraphQLRejection) -> Response {
    let too_large = match &rejection.0 {
        ParseRequestError::PayloadTooLarge => true,
        ParseRequestError::Io(error) => error.to_string().contains("length limit exceeded"),
        _ => false,
    };
    let (status, code, message) = if too_large {
        let message = format!("the request body is larger than {MAX_BODY_BYTES} bytes");
        (StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", message)
    } else {
        (
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            rejection.0.to_string(),
        )
    };
    let body = serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": code } }]
    });
    let content_type = HeaderValue::from_static("application/graphql-response+json");
    let headers = [(header::CONTENT_TYPE, content_type)];
    (status, headers, body.to_string()).into_response()
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// The database answers; load balancers send traffic only while this is 200.
async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => "ready".into_response(),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}
