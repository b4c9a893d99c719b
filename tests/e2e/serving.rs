//! How the server serves, as configured: CORS for browser frontends, compressed responses, and
//! a request timeout.

use std::io::Read;
use std::time::{Duration, Instant};

use axum::http::HeaderValue;
use panorama_api::http::Origins;
use panorama_tests::{Backend, TestApp, error_code, seed_ring};

const FRONTEND: &str = "https://map.example.org";

async fn preflight(app: &TestApp, origin: &str) -> reqwest::Response {
    app.client()
        .request(reqwest::Method::OPTIONS, app.url("/graphql"))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,authorization",
        )
        .send()
        .await
        .unwrap()
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response
        .headers()
        .get(name)
        .map(|value| value.to_str().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_answers_the_configured_origins_only() {
    let mut options = TestApp::default_options();
    options.http.cors.origins = Origins::List(vec![HeaderValue::from_static(FRONTEND)]);
    options.http.cors.max_age = Duration::from_secs(300);
    let app = TestApp::with_options(&Backend::Sqlite, options).await;

    let allowed = preflight(&app, FRONTEND).await;
    assert!(allowed.status().is_success(), "{}", allowed.status());
    assert_eq!(
        header(&allowed, "access-control-allow-origin"),
        Some(FRONTEND)
    );
    let methods = header(&allowed, "access-control-allow-methods").unwrap();
    assert!(methods.contains("POST"), "{methods}");
    let headers = header(&allowed, "access-control-allow-headers")
        .unwrap()
        .to_lowercase();
    assert!(
        headers.contains("authorization") && headers.contains("content-type"),
        "{headers}"
    );
    assert_eq!(header(&allowed, "access-control-max-age"), Some("300"));

    let other = preflight(&app, "https://elsewhere.example").await;
    assert_eq!(header(&other, "access-control-allow-origin"), None);

    // The actual request: the browser may read the body and the request id.
    let response = app
        .client()
        .post(app.url("/graphql"))
        .header("origin", FRONTEND)
        .json(&serde_json::json!({ "query": "{ taxonomy(vocabulary: FOCUS) { code } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "access-control-allow-origin"),
        Some(FRONTEND)
    );
    let exposed = header(&response, "access-control-expose-headers")
        .unwrap()
        .to_lowercase();
    assert!(exposed.contains("x-request-id"), "{exposed}");
    app.stop().await;

    // Any origin, when configured so.
    let mut options = TestApp::default_options();
    options.http.cors.origins = Origins::Any;
    let app = TestApp::with_options(&Backend::Sqlite, options).await;
    let any = preflight(&app, "https://anyone.example").await;
    assert_eq!(header(&any, "access-control-allow-origin"), Some("*"));
    app.stop().await;

    // By default, no CORS at all.
    let app = TestApp::empty(&Backend::Sqlite).await;
    let none = preflight(&app, FRONTEND).await;
    assert_eq!(header(&none, "access-control-allow-origin"), None);
    app.stop().await;
}

async fn taxonomy(app: &TestApp, accept_encoding: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client()
        .post(app.url("/graphql"))
        .json(&serde_json::json!({ "query": "{ taxonomy(vocabulary: TECHNOLOGY) { code label labelFr } }" }));
    if let Some(encoding) = accept_encoding {
        request = request.header("accept-encoding", encoding);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    response
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_are_compressed_when_accepted_unless_switched_off() {
    let app = TestApp::empty(&Backend::Sqlite).await;
    let plain = taxonomy(&app, None).await;
    assert_eq!(header(&plain, "content-encoding"), None);
    let plain = plain.bytes().await.unwrap();

    let gzipped = taxonomy(&app, Some("gzip")).await;
    assert_eq!(header(&gzipped, "content-encoding"), Some("gzip"));
    let compressed = gzipped.bytes().await.unwrap();
    assert!(
        compressed.len() < plain.len() / 2,
        "{} bytes",
        compressed.len()
    );
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&compressed[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, plain);

    let brotli = taxonomy(&app, Some("br")).await;
    assert_eq!(header(&brotli, "content-encoding"), Some("br"));
    app.stop().await;

    let mut options = TestApp::default_options();
    options.http.compression = false;
    let app = TestApp::with_options(&Backend::Sqlite, options).await;
    let response = taxonomy(&app, Some("gzip, br")).await;
    assert_eq!(header(&response, "content-encoding"), None);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_past_the_timeout_gets_503_and_the_server_goes_on() {
    // A DataLoader that waits two seconds for keys makes a request that cannot finish in time.
    let mut options = TestApp::default_options();
    options.batch_window = Duration::from_secs(2);
    options.http.request_timeout = Duration::from_millis(300);
    let app = TestApp::with_options(&Backend::Sqlite, options).await;
    seed_ring(app.store(), 3).await.unwrap();
    let slow = r#"{ organisations(first: 5) { edges { node { name projects { role } } } } }"#;
    let started = Instant::now();
    let (status, body) = app.graphql_as(None, slow, serde_json::json!({})).await;
    let elapsed = started.elapsed();
    assert_eq!(status, 503, "{body}");
    assert_eq!(error_code(&body), Some("TIMEOUT"), "{body}");
    assert!(elapsed < Duration::from_millis(1500), "{elapsed:?}");

    assert_eq!(app.get("/healthz").await.status(), 200);
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains(
            r#"panorama_http_requests_total{method="POST",route="/graphql",status="503"} 1"#
        ),
        "{metrics}"
    );
    // The request that was cut no longer counts as in flight (the scrape itself does).
    assert!(metrics.contains("panorama_http_requests_in_flight 1"));
    app.stop().await;
}
