//! What wraps every route: request ids, the request span and access log, CORS, metrics,
//! compression and the request timeout. [`HttpOptions`] holds their settings.

use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::observability;
use crate::router::AppState;

/// How long a request may take unless configured otherwise.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a stopping server waits for requests in flight unless configured otherwise.
pub const DEFAULT_SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// The HTTP server's settings.
#[derive(Clone)]
pub struct HttpOptions {
    /// A request whose response is not ready within this gets 503 `TIMEOUT` (a streamed
    /// export is timed to its first byte, not to its end).
    pub request_timeout: Duration,
    /// On SIGTERM, how long requests in flight may still take before the server stops anyway.
    pub shutdown_grace: Duration,
    /// Which browser origins may call the API; none by default.
    pub cors: CorsOptions,
    /// Compress responses (gzip or brotli, as the client accepts).
    pub compression: bool,
    /// When set, `GET /metrics` requires this as a bearer token.
    pub metrics_token: Option<String>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            shutdown_grace: DEFAULT_SHUTDOWN_GRACE,
            cors: CorsOptions::default(),
            compression: true,
            metrics_token: None,
        }
    }
}

impl std::fmt::Debug for HttpOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpOptions")
            .field("request_timeout", &self.request_timeout)
            .field("shutdown_grace", &self.shutdown_grace)
            .field("cors", &self.cors)
            .field("compression", &self.compression)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

/// Cross-origin access for browser frontends.
#[derive(Debug, Clone, Default)]
pub struct CorsOptions {
    pub origins: Origins,
    /// How long a browser may cache a preflight answer.
    pub max_age: Duration,
}

/// The origins allowed to call the API from a browser.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Origins {
    /// No CORS headers: browsers call only from the API's own origin.
    #[default]
    None,
    /// Any origin (`*`): fine for a public read API, since credentials are bearer tokens that
    /// a page must hold itself, never cookies.
    Any,
    List(Vec<HeaderValue>),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "CORS origin {0:?} is not an origin: write it as scheme://host[:port], e.g. https://map.example.org, or * for any"
)]
pub struct InvalidOrigin(pub String);

impl Origins {
    /// Reads the configured list: empty for none, `*` for any, else origins such as
    /// `https://map.example.org`.
    pub fn parse(origins: &[String]) -> Result<Self, InvalidOrigin> {
        if origins.is_empty() {
            return Ok(Self::None);
        }
        if origins.iter().any(|origin| origin.trim() == "*") {
            return Ok(Self::Any);
        }
        origins
            .iter()
            .map(|origin| parse_origin(origin.trim()))
            .collect::<Result<_, _>>()
            .map(Self::List)
    }
}

/// An origin is a scheme, a host and maybe a port: no path, not even `/`, which browsers
/// never send and so would never match.
fn parse_origin(origin: &str) -> Result<HeaderValue, InvalidOrigin> {
    let invalid = || InvalidOrigin(origin.to_owned());
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or_else(invalid)?;
    if rest.is_empty() || rest.contains(['/', '?', '#', ' ']) {
        return Err(invalid());
    }
    HeaderValue::from_str(origin).map_err(|_| invalid())
}

/// The headers a browser may send and read across origins.
const ALLOWED_HEADERS: [HeaderName; 4] = [
    header::AUTHORIZATION,
    header::CONTENT_TYPE,
    HeaderName::from_static("idempotency-key"),
    observability::REQUEST_ID,
];
const EXPOSED_HEADERS: [HeaderName; 5] = [
    observability::REQUEST_ID,
    header::RETRY_AFTER,
    HeaderName::from_static("ratelimit-limit"),
    HeaderName::from_static("ratelimit-remaining"),
    HeaderName::from_static("ratelimit-reset"),
];

fn cors_layer(cors: &CorsOptions) -> Option<CorsLayer> {
    let origins = match &cors.origins {
        Origins::None => return None,
        Origins::Any => AllowOrigin::any(),
        Origins::List(list) => AllowOrigin::list(list.iter().cloned()),
    };
    Some(
        CorsLayer::new()
            .allow_origin(origins)
            .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
            .allow_headers(ALLOWED_HEADERS)
            .expose_headers(EXPOSED_HEADERS)
            .max_age(cors.max_age),
    )
}

/// Wraps every route of `routes` (add routes before this). From the outside in: request id,
/// span and access log, CORS, metrics, compression, timeout.
pub fn wrap(routes: Router<AppState>, state: &AppState) -> Router<AppState> {
    let http = &state.options.http;
    let routes = routes
        .layer(middleware::from_fn_with_state(
            http.request_timeout,
            time_limit,
        ))
        .layer(
            // Only the encodings built in (gzip, brotli), and none when switched off.
            CompressionLayer::new()
                .gzip(http.compression)
                .br(http.compression),
        )
        .layer(middleware::from_fn_with_state(
            state.metrics.clone(),
            observability::record,
        ));
    let routes = match cors_layer(&http.cors) {
        Some(cors) => routes.layer(cors),
        None => routes,
    };
    observability::trace(routes)
}

/// Answers 503 `TIMEOUT` when the response is not ready in time; dropping the handler
/// cancels its database work (PostgreSQL's statement timeout stops what was already sent).
async fn time_limit(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(limit_ms = limit.as_millis(), "request timed out");
            let message = format!("the request took longer than {} ms", limit.as_millis());
            let body = serde_json::json!({
                "errors": [{ "message": message, "extensions": { "code": crate::error::TIMEOUT } }]
            });
            let content_type = HeaderValue::from_static("application/graphql-response+json");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, content_type)],
                body.to_string(),
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(origins: &[&str]) -> Result<Origins, InvalidOrigin> {
        Origins::parse(&origins.iter().map(|o| (*o).to_owned()).collect::<Vec<_>>())
    }

    #[test]
    fn origins_are_none_any_or_a_checked_list() {
        assert_eq!(parse(&[]), Ok(Origins::None));
        assert_eq!(parse(&["https://a.example", "*"]), Ok(Origins::Any));
        assert_eq!(
            parse(&["https://map.example.org", " http://localhost:5173 "]),
            Ok(Origins::List(vec![
                HeaderValue::from_static("https://map.example.org"),
                HeaderValue::from_static("http://localhost:5173"),
            ]))
        );
        for bad in [
            "map.example.org",
            "https://map.example.org/",
            "https://",
            "ftp://x",
        ] {
            assert_eq!(parse(&[bad]), Err(InvalidOrigin(bad.to_owned())), "{bad}");
        }
    }
}
