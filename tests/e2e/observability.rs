//! What operators see: Prometheus metrics at `/metrics` (requests by status, GraphQL operations
//! by name, SQL statements per request, the pool, rate-limit refusals, webhook backlog) and a
//! request id on every response.

use std::collections::HashMap;

use panorama_server::webhooks::WebhookOptions;
use panorama_tests::{Backend, TestApp, backends, seed_ring};
use serde_json::json;

const DIRECTORY: &str = r#"query Directory($first: Int!) {
    organisations(first: $first) { edges { node { name projects { project { title } } } } } }"#;

/// The samples of a scrape, by their name and labels as written (`name{a="b"}`).
async fn scrape(app: &TestApp) -> HashMap<String, f64> {
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = response.text().await.unwrap();
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (sample, value) = line.rsplit_once(' ').unwrap();
            (sample.to_owned(), value.parse().unwrap())
        })
        .collect()
}

fn sample(samples: &HashMap<String, f64>, key: &str) -> f64 {
    *samples
        .get(key)
        .unwrap_or_else(|| panic!("no sample {key} in {samples:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_operations_and_statements() {
    for backend in backends() {
        // The webhook worker sets its backlog gauge after each round: an hour between rounds
        // keeps it from overwriting the figure this test sets below (it did under load).
        let quiet = WebhookOptions {
            poll_interval: std::time::Duration::from_secs(3600),
            ..WebhookOptions::default()
        };
        let app = TestApp::with_webhooks(&backend, quiet).await;
        seed_ring(app.store(), 6).await.unwrap();
        let statements_before = app.statements();

        for first in [2, 3] {
            app.data(DIRECTORY, json!({ "first": first })).await;
        }
        app.data("{ taxonomy(vocabulary: FOCUS) { code } }", json!({}))
            .await;
        let refused = app.graphql("{ organisations(", json!({})).await;
        assert!(refused["errors"].is_array());
        assert_eq!(app.get("/nowhere").await.status(), 404);
        assert_eq!(app.get("/healthz").await.status(), 200);
        let graphql_statements = app.statements() - statements_before;

        let samples = scrape(&app).await;
        let post_200 =
            r#"panorama_http_requests_total{method="POST",route="/graphql",status="200"}"#;
        assert_eq!(sample(&samples, post_200), 4.0, "[{backend:?}]");
        assert_eq!(
            sample(
                &samples,
                r#"panorama_http_requests_total{method="GET",route="unmatched",status="404"}"#
            ),
            1.0
        );
        assert_eq!(
            sample(
                &samples,
                r#"panorama_http_requests_total{method="GET",route="/healthz",status="200"}"#
            ),
            1.0
        );
        for (operation, outcome, count) in [
            ("Directory", "ok", 2.0),
            ("anonymous", "ok", 1.0),
            ("unknown", "error", 1.0),
        ] {
            let key = format!(
                r#"panorama_graphql_operations_total{{operation="{operation}",outcome="{outcome}"}}"#
            );
            assert_eq!(sample(&samples, &key), count, "[{backend:?}] {key}");
        }
        assert_eq!(
            sample(
                &samples,
                r#"panorama_graphql_operation_duration_seconds_count{operation="Directory"}"#
            ),
            2.0
        );
        // Every statement of the GraphQL requests, those of the DataLoaders' batches included,
        // is counted for the request that caused it.
        assert!(graphql_statements > 0);
        assert_eq!(
            sample(
                &samples,
                r#"panorama_sql_statements_per_request_sum{route="/graphql"}"#
            ),
            graphql_statements as f64,
            "[{backend:?}]"
        );
        assert_eq!(
            sample(
                &samples,
                r#"panorama_sql_statements_per_request_count{route="/graphql"}"#
            ),
            4.0
        );
        let max = if backend == Backend::Sqlite {
            8.0
        } else {
            16.0
        };
        assert_eq!(sample(&samples, "panorama_db_pool_max_connections"), max);
        let open = sample(&samples, r#"panorama_db_pool_connections{state="idle"}"#)
            + sample(&samples, r#"panorama_db_pool_connections{state="in_use"}"#);
        assert!((1.0..=max).contains(&open), "{open}");
        assert_eq!(sample(&samples, "panorama_webhook_backlog"), 0.0);
        assert_eq!(sample(&samples, "panorama_http_requests_in_flight"), 1.0);

        // What the rate limiter and the webhook worker report shows in the next scrape, and
        // the counters only grow.
        app.metrics().rate_limit_refused("ip");
        app.metrics().set_webhook_backlog(12);
        app.data(DIRECTORY, json!({ "first": 1 })).await;
        let later = scrape(&app).await;
        assert_eq!(sample(&later, post_200), 5.0);
        assert_eq!(
            sample(
                &later,
                r#"panorama_graphql_operations_total{operation="Directory",outcome="ok"}"#
            ),
            3.0
        );
        assert_eq!(
            sample(
                &later,
                r#"panorama_http_requests_total{method="GET",route="/metrics",status="200"}"#
            ),
            1.0
        );
        assert_eq!(
            sample(&later, r#"panorama_rate_limit_refusals_total{kind="ip"}"#),
            1.0
        );
        assert_eq!(sample(&later, "panorama_webhook_backlog"), 12.0);
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_ids_are_echoed_or_made_up() {
    let app = TestApp::empty(&Backend::Sqlite).await;
    let sent = app
        .client()
        .get(app.url("/healthz"))
        .header("x-request-id", "checkout-7f3a.2")
        .send()
        .await
        .unwrap();
    assert_eq!(sent.headers()["x-request-id"], "checkout-7f3a.2");

    let mut made = Vec::new();
    for _ in 0..2 {
        let response = app.get("/healthz").await;
        made.push(
            response.headers()["x-request-id"]
                .to_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_ne!(made[0], made[1]);
    for id in &made {
        assert_eq!(id.len(), 32, "{id}");
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
    }

    // An id that is too long or holds odd characters is replaced, not echoed into the logs.
    for odd in ["has spaces in it", &"x".repeat(200)] {
        let response = app
            .client()
            .get(app.url("/healthz"))
            .header("x-request-id", odd)
            .send()
            .await
            .unwrap();
        let id = response.headers()["x-request-id"].to_str().unwrap();
        assert_ne!(id, odd);
        assert_eq!(id.len(), 32);
    }

    // Errors carry it too.
    let response = app
        .client()
        .post(app.url("/graphql"))
        .header("x-request-id", "bad-body-1")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(response.headers()["x-request-id"], "bad-body-1");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_metrics_token_keeps_the_metrics_private() {
    let mut options = TestApp::default_options();
    options.http.metrics_token = Some("scrape-me".to_owned());
    let app = TestApp::with_options(&Backend::Sqlite, options).await;
    assert_eq!(app.get("/metrics").await.status(), 401);
    let wrong = app
        .client()
        .get(app.url("/metrics"))
        .bearer_auth("scrape-you")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let right = app
        .client()
        .get(app.url("/metrics"))
        .bearer_auth("scrape-me")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
    assert!(
        right
            .text()
            .await
            .unwrap()
            .contains("panorama_http_requests_total")
    );
    app.stop().await;
}
