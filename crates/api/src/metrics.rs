//! Prometheus metrics, served at `GET /metrics` in the text exposition format.
//!
//! Each app has its own registry (no global state: tests run many apps in one process). Code
//! outside this module reports through a few methods of [`Metrics`], which it reaches as
//! `AppState::metrics`:
//!
//! - [`Metrics::rate_limit_refused`] when a rate limiter refuses a request;
//! - [`Metrics::set_webhook_backlog`] with the number of webhook deliveries waiting.
//!
//! Everything else (requests, GraphQL operations, SQL statements, the connection pool) is
//! recorded by the router's middleware and the scrape itself.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use panorama_persistence::PoolStatus;
use prometheus::{
    Gauge, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

use crate::router::AppState;

/// The operation label of a GraphQL operation that has no name.
pub const ANONYMOUS_OPERATION: &str = "anonymous";
/// The operation label of a request refused before an operation was chosen (a document that
/// does not parse or validate, or a refused query).
pub const UNKNOWN_OPERATION: &str = "unknown";
/// The operation label of any name past [`MAX_OPERATION_NAMES`].
pub const OTHER_OPERATION: &str = "other";
/// Operation names come from callers: past this many distinct names, further ones are counted
/// together as [`OTHER_OPERATION`], so that a caller cannot grow the registry without bound.
pub const MAX_OPERATION_NAMES: usize = 200;

/// Which GraphQL operation a request ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation<'a> {
    /// None: the request was refused before execution (it did not parse or validate).
    NotExecuted,
    /// An operation without a name.
    Anonymous,
    Named(&'a str),
}

/// The app's metrics. Cheap to clone: clones share one registry.
#[derive(Clone)]
pub struct Metrics(Arc<Collectors>);

struct Collectors {
    registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    http_in_flight: IntGauge,
    statements: HistogramVec,
    operations: IntCounterVec,
    operation_duration: HistogramVec,
    pool_connections: IntGaugeVec,
    pool_max: IntGauge,
    rate_limit_refusals: IntCounterVec,
    webhook_backlog: IntGauge,
    network_builds: HistogramVec,
    network_as_of: Gauge,
    operation_names: Mutex<HashSet<String>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

const SECONDS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];
const STATEMENTS: &[f64] = &[0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

impl Metrics {
    /// A registry holding every metric of the app, at zero.
    pub fn new() -> Self {
        Self(Arc::new(Collectors::new()))
    }

    /// A request answered: its route (the matched path pattern, never the raw path), method,
    /// status, how long it took, and how many SQL statements it ran.
    pub fn http_request(
        &self,
        route: &str,
        method: &Method,
        status: StatusCode,
        elapsed: Duration,
        statements: u64,
    ) {
        let m = &self.0;
        m.http_requests
            .with_label_values(&[route, method_label(method), status.as_str()])
            .inc();
        m.http_duration
            .with_label_values(&[route])
            .observe(elapsed.as_secs_f64());
        m.statements
            .with_label_values(&[route])
            .observe(statements as f64);
    }

    /// Counts a request in flight until the guard drops (also when the request is cancelled).
    pub fn in_flight(&self) -> InFlight {
        self.0.http_in_flight.inc();
        InFlight(self.0.http_in_flight.clone())
    }

    /// A GraphQL request answered: which operation ran, whether its response had errors,
    /// and how long it took.
    pub fn graphql_operation(&self, operation: Operation<'_>, errors: bool, elapsed: Duration) {
        let name = self.operation_label(operation);
        let outcome = if errors { "error" } else { "ok" };
        let m = &self.0;
        m.operations.with_label_values(&[&name, outcome]).inc();
        m.operation_duration
            .with_label_values(&[&name])
            .observe(elapsed.as_secs_f64());
    }

    /// A rate limiter refused a request. `kind` says which budget ran out: `partner`, `user`
    /// or `ip` (keep it to a few fixed values: it is a label).
    pub fn rate_limit_refused(&self, kind: &str) {
        self.0.rate_limit_refusals.with_label_values(&[kind]).inc();
    }

    /// How many webhook deliveries are waiting (due or retrying); the delivery worker sets it
    /// after each round.
    pub fn set_webhook_backlog(&self, pending: u64) {
        self.0
            .webhook_backlog
            .set(i64::try_from(pending).unwrap_or(i64::MAX));
    }

    /// The published organisation graph was read again (at `as_of`) and its figures
    /// computed, in `elapsed` (see [`crate::network_cache`]).
    pub fn network_snapshot_built(&self, elapsed: Duration, as_of: chrono::DateTime<chrono::Utc>) {
        self.0
            .network_builds
            .with_label_values::<&str>(&[])
            .observe(elapsed.as_secs_f64());
        let as_of = as_of.timestamp_millis() as f64 / 1000.0;
        self.0.network_as_of.set(as_of);
    }

    /// The metrics in the text exposition format, with the pool's current state.
    pub fn render(&self, pool: PoolStatus) -> Result<String, prometheus::Error> {
        let m = &self.0;
        let idle = i64::from(pool.idle);
        m.pool_connections.with_label_values(&["idle"]).set(idle);
        m.pool_connections
            .with_label_values(&["in_use"])
            .set(i64::from(pool.open) - idle);
        m.pool_max.set(i64::from(pool.max));
        TextEncoder::new().encode_to_string(&m.registry.gather())
    }

    fn operation_label(&self, operation: Operation<'_>) -> String {
        let name = match operation {
            Operation::NotExecuted => return UNKNOWN_OPERATION.to_owned(),
            Operation::Anonymous => return ANONYMOUS_OPERATION.to_owned(),
            Operation::Named(name) => name,
        };
        let mut seen = match self.0.operation_names.lock() {
            Ok(seen) => seen,
            Err(poisoned) => poisoned.into_inner(),
        };
        if seen.contains(name) {
            return name.to_owned();
        }
        if seen.len() < MAX_OPERATION_NAMES {
            seen.insert(name.to_owned());
            return name.to_owned();
        }
        OTHER_OPERATION.to_owned()
    }
}

/// Keeps a request counted as in flight while it lives.
pub struct InFlight(IntGauge);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// Methods outside the standard ones share one label value, so that they cannot grow the
/// registry.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::OPTIONS => "OPTIONS",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        _ => "OTHER",
    }
}

impl Collectors {
    /// The names, labels and buckets are constants, so registering them cannot fail at run
    /// time: a mistake in them fails the unit test below, and any test that starts an app.
    #[allow(clippy::expect_used)]
    fn new() -> Self {
        let registry = Registry::new_custom(Some("panorama".to_owned()), None)
            .expect("a valid metrics prefix");
        let register = |collector: Box<dyn prometheus::core::Collector>| {
            registry.register(collector).expect("metric registers once");
        };
        let counter = |name: &str, help: &str, labels: &[&str]| {
            let vec = IntCounterVec::new(Opts::new(name, help), labels).expect("valid counter");
            register(Box::new(vec.clone()));
            vec
        };
        let histogram = |name: &str, help: &str, labels: &[&str], buckets: &[f64]| {
            let opts = HistogramOpts::new(name, help).buckets(buckets.to_vec());
            let vec = HistogramVec::new(opts, labels).expect("valid histogram");
            register(Box::new(vec.clone()));
            vec
        };
        let gauge = |name: &str, help: &str| {
            let gauge = IntGauge::new(name, help).expect("valid gauge");
            register(Box::new(gauge.clone()));
            gauge
        };
        let pool_connections = IntGaugeVec::new(
            Opts::new(
                "db_pool_connections",
                "Database connections open in the pool, by state (idle, in_use)",
            ),
            &["state"],
        )
        .expect("valid gauge");
        register(Box::new(pool_connections.clone()));
        Self {
            http_requests: counter(
                "http_requests_total",
                "HTTP requests answered, by route pattern, method and status",
                &["route", "method", "status"],
            ),
            http_duration: histogram(
                "http_request_duration_seconds",
                "Time to answer an HTTP request (to its response head), by route pattern",
                &["route"],
                SECONDS,
            ),
            http_in_flight: gauge(
                "http_requests_in_flight",
                "HTTP requests being answered now",
            ),
            statements: histogram(
                "sql_statements_per_request",
                "SQL statements run to answer one HTTP request, by route pattern",
                &["route"],
                STATEMENTS,
            ),
            operations: counter(
                "graphql_operations_total",
                "GraphQL operations executed, by operation name and outcome (ok, error)",
                &["operation", "outcome"],
            ),
            operation_duration: histogram(
                "graphql_operation_duration_seconds",
                "Time to execute a GraphQL operation, by operation name",
                &["operation"],
                SECONDS,
            ),
            pool_connections,
            pool_max: gauge(
                "db_pool_max_connections",
                "The most connections the database pool opens",
            ),
            rate_limit_refusals: counter(
                "rate_limit_refusals_total",
                "Requests refused by a rate limit, by the budget that ran out",
                &["kind"],
            ),
            webhook_backlog: gauge(
                "webhook_backlog",
                "Webhook deliveries waiting to be made or retried",
            ),
            network_builds: histogram(
                "network_snapshot_build_seconds",
                "Time to read the published organisation graph and compute its figures, one \
                 observation a build",
                &[],
                SECONDS,
            ),
            network_as_of: {
                let gauge = Gauge::new(
                    "network_snapshot_as_of_seconds",
                    "When the published organisation graph the insights answer from was read \
                     (Unix time): how far behind the figures may be",
                )
                .expect("valid gauge");
                register(Box::new(gauge.clone()));
                gauge
            },
            operation_names: Mutex::new(HashSet::new()),
            registry,
        }
    }
}

/// `GET /metrics`. When a metrics token is configured, the scraper must send it as a bearer
/// token; others get 401 and nothing else.
pub async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.options.http.metrics_token
        && !bearer_matches(&headers, token)
    {
        let challenge = [(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))];
        return (
            StatusCode::UNAUTHORIZED,
            challenge,
            "metrics token required",
        )
            .into_response();
    }
    match state.metrics.render(state.store.pool_status()) {
        Ok(text) => {
            let content_type = HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8");
            ([(header::CONTENT_TYPE, content_type)], text).into_response()
        }
        Err(error) => {
            tracing::error!(%error, "rendering the metrics");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Compares digests, so that the time taken says nothing about how much of the token matched.
fn bearer_matches(headers: &HeaderMap, token: &str) -> bool {
    use sha2::{Digest, Sha256};
    let sent = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    Sha256::digest(sent.trim()) == Sha256::digest(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(metrics: &Metrics) -> String {
        let pool = PoolStatus {
            open: 3,
            idle: 1,
            max: 16,
        };
        metrics.render(pool).unwrap()
    }

    #[test]
    fn every_metric_registers_and_renders() {
        let metrics = Metrics::new();
        metrics.http_request(
            "/graphql",
            &Method::POST,
            StatusCode::OK,
            Duration::from_millis(3),
            4,
        );
        metrics.graphql_operation(
            Operation::Named("Directory"),
            false,
            Duration::from_millis(2),
        );
        metrics.rate_limit_refused("ip");
        metrics.set_webhook_backlog(7);
        let text = render(&metrics);
        for line in [
            r#"panorama_http_requests_total{method="POST",route="/graphql",status="200"} 1"#,
            r#"panorama_graphql_operations_total{operation="Directory",outcome="ok"} 1"#,
            r#"panorama_sql_statements_per_request_sum{route="/graphql"} 4"#,
            r#"panorama_db_pool_connections{state="in_use"} 2"#,
            r#"panorama_db_pool_connections{state="idle"} 1"#,
            "panorama_db_pool_max_connections 16",
            r#"panorama_rate_limit_refusals_total{kind="ip"} 1"#,
            "panorama_webhook_backlog 7",
            "panorama_http_requests_in_flight 0",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
    }

    #[test]
    fn operation_names_past_the_cap_are_counted_together() {
        let metrics = Metrics::new();
        for i in 0..MAX_OPERATION_NAMES + 5 {
            metrics.graphql_operation(Operation::Named(&format!("Op{i}")), false, Duration::ZERO);
        }
        metrics.graphql_operation(Operation::Named("Op0"), true, Duration::ZERO);
        metrics.graphql_operation(Operation::Anonymous, false, Duration::ZERO);
        metrics.graphql_operation(Operation::NotExecuted, true, Duration::ZERO);
        let text = render(&metrics);
        assert!(
            text.contains(r#"operation="other",outcome="ok"} 5"#),
            "{text}"
        );
        assert!(text.contains(r#"operation="Op0",outcome="error"} 1"#));
        assert!(text.contains(r#"operation="anonymous",outcome="ok"} 1"#));
        assert!(text.contains(r#"operation="unknown",outcome="error"} 1"#));
    }

    #[test]
    fn in_flight_requests_are_counted_until_they_end() {
        let metrics = Metrics::new();
        let first = metrics.in_flight();
        let second = metrics.in_flight();
        assert!(render(&metrics).contains("panorama_http_requests_in_flight 2"));
        drop((first, second));
        assert!(render(&metrics).contains("panorama_http_requests_in_flight 0"));
    }
}
