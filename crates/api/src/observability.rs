//! Telling operators what each request did: a request id (taken from `x-request-id` or made
//! up, echoed in the response) in a span around the request, so that every log line of the
//! request carries it; an access log line; and the request's metrics (status, duration, SQL
//! statements, GraphQL operation name).

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute};
use axum::Router;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use panorama_persistence::statements;
use tower_http::LatencyUnit;
use tower_http::trace::{DefaultOnRequest, DefaultOnResponse, TraceLayer};
use tracing::{Instrument, Level, Span};

use crate::metrics::{Metrics, Operation};
use crate::router::AppState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest request id accepted from a caller.
const MAX_REQUEST_ID_LEN: usize = 128;

/// Adds, from the outside in, the request id and the request's span with its access log.
pub fn trace(routes: Router<AppState>) -> Router<AppState> {
    routes
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(DefaultOnRequest::new().level(Level::DEBUG))
                .on_response(
                    DefaultOnResponse::new()
                        .level(Level::INFO)
                        .latency_unit(LatencyUnit::Millis),
                ),
        )
        .layer(middleware::from_fn(request_id))
}

/// The span every log line of a request is in. It is at INFO level so that it is enabled
/// wherever the request's own INFO lines are.
fn request_span(request: &Request<Body>) -> Span {
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        request_id = id,
        method = %request.method(),
        path = request.uri().path(),
    )
}

/// Keeps the caller's `x-request-id` when it is a plausible id (so that a request can be
/// followed across services), else makes one; the response carries it back.
async fn request_id(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(REQUEST_ID)
        .filter(|value| acceptable_id(value))
        .cloned()
        .unwrap_or_else(new_request_id);
    request.headers_mut().insert(REQUEST_ID, id.clone());
    let mut response = next.run(request).await;
    response.headers_mut().insert(REQUEST_ID, id);
    response
}

/// Ids go into every log line: short, and of characters that need no escaping anywhere.
fn acceptable_id(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_REQUEST_ID_LEN
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=@".contains(b))
}

fn new_request_id() -> HeaderValue {
    let id = uuid::Uuid::now_v7().simple().to_string();
    HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("unknown"))
}

/// Counts the request in the metrics: route pattern, status, time to the response head, and
/// the SQL statements run meanwhile.
pub async fn record(
    State(metrics): State<Metrics>,
    route: Option<MatchedPath>,
    request: Request,
    next: Next,
) -> Response {
    let route = route
        .as_ref()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let method = request.method().clone();
    let _in_flight = metrics.in_flight();
    let started = Instant::now();
    let (response, statements) = statements::tally(next.run(request)).await;
    metrics.http_request(
        &route,
        &method,
        response.status(),
        started.elapsed(),
        statements,
    );
    response
}

/// Spawns work on behalf of the current request: its statements count for the request, and
/// its log lines are in the request's span. For the DataLoaders' batches.
pub fn spawn_for_request<F>(work: F) -> tokio::task::JoinHandle<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    tokio::spawn(statements::carry(work).instrument(Span::current()))
}

/// Executes a GraphQL request, counting it in the metrics by its operation name.
pub async fn execute(state: &AppState, request: async_graphql::Request) -> async_graphql::Response {
    let chosen = ChosenOperation::default();
    let started = Instant::now();
    let response = state.schema.execute(request.data(chosen.clone())).await;
    let chosen = chosen.get();
    let operation = match &chosen {
        None => Operation::NotExecuted,
        Some(None) => Operation::Anonymous,
        Some(Some(name)) => Operation::Named(name),
    };
    state
        .metrics
        .graphql_operation(operation, response.is_err(), started.elapsed());
    response
}

/// The operation a request ran, as execution chose it (the named one, or the only one of
/// the document): outer `None` while none was chosen.
#[derive(Clone, Default)]
struct ChosenOperation(Arc<Mutex<Option<Option<String>>>>);

impl ChosenOperation {
    fn set(&self, name: Option<&str>) {
        let mut slot = match self.0.lock() {
            Ok(slot) => slot,
            Err(poisoned) => poisoned.into_inner(),
        };
        *slot = Some(name.map(str::to_owned));
    }

    fn get(&self) -> Option<Option<String>> {
        match self.0.lock() {
            Ok(slot) => slot.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

/// A schema extension that notes the chosen operation's name in the request's
/// [`ChosenOperation`]: only execution knows it (a request may omit `operationName`, and a
/// persisted query has no document until it is looked up).
pub struct NoteOperationName;

impl ExtensionFactory for NoteOperationName {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(NoteOperationName)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for NoteOperationName {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> async_graphql::Response {
        if let Some(chosen) = ctx.data_opt::<ChosenOperation>() {
            chosen.set(operation_name);
        }
        next.run(ctx, operation_name).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_from_callers_are_short_and_plain() {
        for good in [
            "abc-123",
            "0190e0b7-7c8f-7f00-8000-000000000000",
            "trace:1/2",
        ] {
            assert!(acceptable_id(&HeaderValue::from_static(good)), "{good}");
        }
        let long = "a".repeat(MAX_REQUEST_ID_LEN + 1);
        for bad in ["", "has space", "quote\"d", long.as_str()] {
            let value = HeaderValue::from_str(bad).unwrap();
            assert!(!acceptable_id(&value), "{bad}");
        }
        assert!(acceptable_id(&new_request_id()));
    }
}
