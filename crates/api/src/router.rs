//! The HTTP surface: GraphQL over HTTP at `/graphql` (POST, and GET for queries), GraphiQL for
//! browsers at GET `/graphql`, the health endpoints, Prometheus metrics (`/metrics`) and the
//! open-data exports (`/export/…`). What wraps every route is in [`crate::http`].

use async_graphql::ParseRequestError;
use async_graphql::http::GraphiQLSource;
use async_graphql_axum::rejection::GraphQLRejection;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Extension;
use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use panorama_domain::policy::Actor;
use panorama_domain::validation::SchemeList;
use panorama_persistence::Store;
use panorama_persistence::idempotency::Claim;

use crate::auth::oauth;
use crate::auth::session::{AuthState, Refusal, authenticate};

use crate::context::RequestContext;
use crate::network_cache::{NetworkCache, NetworkOptions, RequestNetwork};
use crate::rate_limit::{Bucket, RateLimitOptions, RateLimiter, RateSlot};
use crate::{PanoramaSchema, build_schema_with, loaders};

/// What every handler shares. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub schema: PanoramaSchema,
    pub store: Store,
    pub options: ApiOptions,
    pub auth: Arc<AuthState>,
    /// The app's Prometheus metrics (see [`crate::metrics`]).
    pub metrics: crate::metrics::Metrics,
    /// The callers' budgets (see [`crate::rate_limit`]); in this process unless
    /// [`AppState::with_rate_limiter`] shares them through Redis.
    pub rate_limiter: RateLimiter,
    /// The published organisation graph and its figures (see [`crate::network_cache`]).
    pub network: Arc<NetworkCache>,
}

/// How long the change feed keeps events unless configured otherwise: 90 days.
pub const DEFAULT_FEED_RETENTION: Duration = Duration::from_secs(90 * 24 * 3600);

/// Tunables of the API.
#[derive(Debug, Clone)]
pub struct ApiOptions {
    /// How long DataLoaders collect keys before they run a batch (see `loaders::for_request`).
    pub batch_window: Duration,
    /// How long the change feed keeps events (older ones are pruned).
    pub feed_retention: Duration,
    /// The licence and page size of the open-data exports.
    pub export: crate::export::ExportOptions,
    /// What one query may ask for (see [`crate::cost`]).
    pub limits: crate::QueryLimits,
    /// Whether webhook endpoints may be on private hosts (`localhost`, IP addresses): for an
    /// operator's own network and for tests; otherwise only public host names are accepted.
    pub webhook_private_hosts: bool,
    /// Timeouts, CORS, compression and access to the metrics.
    pub http: crate::http::HttpOptions,
    /// The callers' budgets in query-cost points.
    pub rate_limits: RateLimitOptions,
    /// Where the budgets are shared between replicas; none: each process counts its own.
    pub redis_url: Option<secrecy::SecretString>,
    /// Automatic persisted queries, and the allow-list of registered operations.
    pub persisted: crate::PersistedQueries,
    /// How the published network behind the insights is kept fresh.
    pub network: NetworkOptions,
}

impl Default for ApiOptions {
    fn default() -> Self {
        Self {
            batch_window: Duration::from_millis(5),
            feed_retention: DEFAULT_FEED_RETENTION,
            export: crate::export::ExportOptions::default(),
            limits: crate::QueryLimits::default(),
            webhook_private_hosts: false,
            http: crate::http::HttpOptions::default(),
            rate_limits: RateLimitOptions::default(),
            redis_url: None,
            persisted: crate::PersistedQueries::default(),
            network: NetworkOptions::default(),
        }
    }
}

impl AppState {
    /// Checks legal identifiers against [`SchemeList::fallback`].
    pub fn new(store: Store, options: ApiOptions, auth: Arc<AuthState>) -> Self {
        Self::with_schemes(store, options, auth, Arc::new(SchemeList::fallback()))
    }

    /// Checks legal identifiers against `schemes`, the operator's org-id list.
    pub fn with_schemes(
        store: Store,
        options: ApiOptions,
        auth: Arc<AuthState>,
        schemes: Arc<SchemeList>,
    ) -> Self {
        let metrics = crate::metrics::Metrics::new();
        Self {
            schema: build_schema_with(schemes, &options),
            rate_limiter: RateLimiter::local(options.rate_limits.clone()),
            network: NetworkCache::new(store.clone(), options.network, metrics.clone()),
            store,
            options,
            auth,
            metrics,
        }
    }

    /// Counts the budgets with `limiter` (shared through Redis, say).
    pub fn with_rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.rate_limiter = limiter;
        self
    }
}

pub fn router(state: AppState) -> Router {
    let max_body_bytes = state.options.limits.max_body_bytes;
    let routes = Router::new()
        .route("/graphql", get(graphql_get).post(graphql))
        .route("/oauth/token", post(oauth::token))
        .route("/.well-known/jwks.json", get(oauth::jwks))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(crate::metrics::scrape))
        .merge(crate::export::routes())
        .route("/export/360giving.json", get(crate::giving360::export))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            max_body_bytes,
        ));
    crate::http::wrap(routes, &state).with_state(state)
}

async fn graphql(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    request: Result<GraphQLRequest, GraphQLRejection>,
) -> Response {
    let request = match request {
        Ok(request) => request,
        Err(rejection) => return rejected(&rejection, state.options.limits.max_body_bytes),
    };
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().unwrap_or_default());
    let actor = match authenticate(&state.auth, &state.store, authorization).await {
        Ok(actor) => actor,
        Err(Refusal::Store(error)) => return store_failure(&error),
        Err(refusal) => return unauthenticated(&refusal),
    };
    let context = RequestContext { actor };
    let loaders = loaders::for_request(
        state.store.clone(),
        context.scope(),
        state.options.batch_window,
    );
    let request = request.into_inner();
    let idempotency = match idempotency_key(&headers) {
        Ok(key) => key.map(|key| (caller_of(&context.actor), key, request_hash(&request))),
        Err(message) => return graphql_error(StatusCode::BAD_REQUEST, "BAD_REQUEST", message),
    };
    if let Some((caller, key, hash)) = &idempotency {
        match state.store.claim_idempotent(caller, key, hash).await {
            Ok(Claim::Fresh) => {}
            Ok(Claim::Replay(body)) => return graphql_json(StatusCode::OK, body, true),
            Ok(Claim::Mismatch) => {
                let message = "this Idempotency-Key was used for another request";
                return graphql_error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "IDEMPOTENCY_KEY_REUSED",
                    message,
                );
            }
            Ok(Claim::InProgress) => {
                let message = "the first request with this Idempotency-Key is still running";
                return graphql_error(StatusCode::CONFLICT, "IDEMPOTENCY_KEY_IN_USE", message);
            }
            Err(error) => return store_failure(&error),
        }
    }
    let ip = client_ip(
        &headers,
        peer.map(|Extension(ConnectInfo(addr))| addr),
        &state.options.rate_limits,
    );
    let slot = Bucket::of(&context.actor, ip)
        .filter(|_| state.rate_limiter.enabled())
        .map(|bucket| Arc::new(RateSlot::new(state.rate_limiter.clone(), bucket)));
    let mut request = request
        .data(state.store.clone())
        .data(state.options.clone())
        .data(RequestNetwork::new(Arc::clone(&state.network)))
        .data(loaders)
        .data(context);
    if let Some(slot) = &slot {
        request = request.data(Arc::clone(slot));
    }
    let response = crate::observability::execute(&state, request).await;
    if let Some((caller, key, _)) = &idempotency {
        let body = serde_json::to_string(&response).unwrap_or_default();
        if let Err(error) = state.store.finish_idempotent(caller, key, &body).await {
            tracing::error!(%error, "keeping the answer of an idempotency key");
        }
    }
    let mut answer = GraphQLResponse::from(response).into_response();
    if let Some(slot) = &slot {
        budget_headers(&state, slot, &mut answer);
    }
    answer
}

/// Tells the caller its budget (`RateLimit-*`), and turns a refusal into 429 with
/// `Retry-After`.
fn budget_headers(state: &AppState, slot: &RateSlot, answer: &mut Response) {
    let Some(charge) = slot.charge() else {
        return;
    };
    let headers = answer.headers_mut();
    for (name, value) in [
        ("ratelimit-limit", charge.limit),
        ("ratelimit-remaining", charge.remaining),
        ("ratelimit-reset", charge.reset_secs),
    ] {
        headers.insert(name, value.into());
    }
    if !charge.allowed {
        headers.insert(header::RETRY_AFTER, charge.reset_secs.into());
        *answer.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        state.metrics.rate_limit_refused(slot.bucket.kind());
    }
}

/// The caller's address: the connection's peer, or with `trust_forwarded_for` (behind a
/// reverse proxy) the first address of `X-Forwarded-For`.
fn client_ip(
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    options: &RateLimitOptions,
) -> Option<std::net::IpAddr> {
    let forwarded = options
        .trust_forwarded_for
        .then(|| headers.get("x-forwarded-for")?.to_str().ok())
        .flatten()
        .and_then(|list| list.split(',').next()?.trim().parse().ok());
    forwarded.or(peer.map(|addr| addr.ip()))
}

/// The longest `Idempotency-Key` accepted.
const MAX_IDEMPOTENCY_KEY_CHARS: usize = 200;

/// The request's `Idempotency-Key`, if it has one; a malformed one is refused with why.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, &'static str> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    match value.to_str().map(str::trim) {
        Ok(key) if !key.is_empty() && key.chars().count() <= MAX_IDEMPOTENCY_KEY_CHARS => {
            Ok(Some(key.to_owned()))
        }
        _ => Err("Idempotency-Key must be 1 to 200 visible ASCII characters"),
    }
}

/// Whose key space a request's idempotency key is in.
fn caller_of(actor: &Actor) -> String {
    match actor {
        Actor::Caller(caller) => format!("subject:{}", caller.subject),
        Actor::System => "system".to_owned(),
        Actor::Anonymous => "anonymous".to_owned(),
    }
}

/// What makes two requests the same: their query, operation name and variables.
fn request_hash(request: &async_graphql::Request) -> String {
    use sha2::{Digest, Sha256};
    let variables = serde_json::to_string(&request.variables).unwrap_or_default();
    let mut hasher = Sha256::new();
    // A persisted query has its hash in the extensions, and no text.
    let extensions = serde_json::to_string(&request.extensions).unwrap_or_default();
    for part in [
        request.query.as_str(),
        request.operation_name.as_deref().unwrap_or(""),
        variables.as_str(),
        extensions.as_str(),
    ] {
        hasher.update(part.len().to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A GraphQL response body as the spec's media type; `replayed` marks a stored answer.
fn graphql_json(status: StatusCode, body: String, replayed: bool) -> Response {
    let content_type = HeaderValue::from_static("application/graphql-response+json");
    let mut response = (status, [(header::CONTENT_TYPE, content_type)], body).into_response();
    if replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

/// A request that the database failed before its execution: 503 when the database is
/// unavailable or too slow (retry later), else 500.
fn store_failure(error: &panorama_persistence::StoreError) -> Response {
    let (code, message) = crate::error::failure(error);
    let status = match code {
        crate::error::DATABASE_UNAVAILABLE | crate::error::TIMEOUT => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    graphql_error(status, code, message)
}

fn graphql_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({
        "errors": [{ "message": message, "extensions": { "code": code } }]
    });
    graphql_json(status, body.to_string(), false)
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
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
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
    graphql(state, peer, headers, request).await
}

/// A request that is not a GraphQL request at all (malformed JSON, invalid UTF-8, JSON nested
/// deeper than serde_json's limit of 128, a bad query string) gets a GraphQL error body saying
/// what is wrong, with 400, as the GraphQL-over-HTTP spec has it. The extractor's own answer is
/// untyped plain text in Rust debug notation (`InvalidRequest(Error("…", line: 1, …))`).
/// A body sent without a length that runs over the limit is only found out while it is
/// read, and reaches us as an I/O error carrying the limit layer's message: it gets the 413 that
/// a body announcing its length gets from the layer itself, instead of a 400.
fn rejected(rejection: &GraphQLRejection, max_body_bytes: usize) -> Response {
    let too_large = match &rejection.0 {
        ParseRequestError::PayloadTooLarge => true,
        ParseRequestError::Io(error) => error.to_string().contains("length limit exceeded"),
        _ => false,
    };
    let (status, code, message) = if too_large {
        let message = format!("the request body is larger than {max_body_bytes} bytes");
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
