//! Faults of the database (PostgreSQL only): when it goes away, readiness turns 503 and
//! requests fail fast with `DATABASE_UNAVAILABLE`; when it returns, service resumes without a
//! restart. A statement that runs past the statement timeout is stopped.

use std::time::{Duration, Instant};

use panorama_domain::policy::PartnerKind;
use panorama_persistence::{Store, StoreError, StoreOptions};
use panorama_tests::{Backend, TestApp, error_code, postgres_only, seed_ring};
use sea_orm::ConnectionTrait;
use serde_json::json;

const COUNT: &str = "{ organisations(first: 1) { totalCount } }";

/// How long a request may take while the database is gone: the pool's wait, and some slack
/// for a busy machine.
const ACQUIRE_TIMEOUT: Duration = Duration::from_millis(800);
const FAIL_FAST: Duration = Duration::from_secs(3);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn losing_the_database_fails_fast_and_service_resumes_when_it_returns() {
    let Some(backend) = postgres_only() else {
        return;
    };
    let (app, proxy) = TestApp::behind_proxy(&backend, ACQUIRE_TIMEOUT).await;
    seed_ring(app.store(), 4).await.unwrap();
    let partner = app
        .partner(PartnerKind::Funder, "ecosystem:read", None, true)
        .await;
    let token = app.partner_token(&partner).await;
    assert_eq!(app.get("/readyz").await.status(), 200);
    let data = app.data(COUNT, json!({})).await;
    assert_eq!(data["organisations"]["totalCount"], 4);

    proxy.cut().await;

    let started = Instant::now();
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 503);
    assert!(started.elapsed() < FAIL_FAST, "{:?}", started.elapsed());

    let started = Instant::now();
    let (status, body) = app.graphql_as(None, COUNT, json!({})).await;
    eprintln!(
        "a query failed after {:?} without the database",
        started.elapsed()
    );
    assert!(started.elapsed() < FAIL_FAST, "{:?}", started.elapsed());
    assert_eq!(status, 200, "{body}");
    assert_eq!(error_code(&body), Some("DATABASE_UNAVAILABLE"), "{body}");
    assert!(body["data"].is_null(), "{body}");

    // A partner's token is checked against the database too: 503, not "invalid token".
    let started = Instant::now();
    let (status, body) = app.graphql_as(Some(&token), COUNT, json!({})).await;
    assert!(started.elapsed() < FAIL_FAST, "{:?}", started.elapsed());
    assert_eq!(status, 503, "{body}");
    assert_eq!(error_code(&body), Some("DATABASE_UNAVAILABLE"), "{body}");

    // So does the token endpoint, in OAuth's words.
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", partner.client_id.as_str()),
        ("client_secret", partner.secret.as_str()),
    ];
    let (status, body) = app.token_request(&form, None).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"], "temporarily_unavailable", "{body}");

    // The process itself stays up and says what is happening.
    assert_eq!(app.get("/healthz").await.status(), 200);
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains(r#"route="/readyz",status="503"} 1"#),
        "{metrics}"
    );

    proxy.restore().await.unwrap();

    // The same app, not restarted: the pool opens fresh connections.
    assert_eq!(app.get("/readyz").await.status(), 200);
    let data = app.data(COUNT, json!({})).await;
    assert_eq!(data["organisations"]["totalCount"], 4);
    let data = app.data_as(Some(&token), COUNT, json!({})).await;
    assert_eq!(data["organisations"]["totalCount"], 4);

    // And again: a second outage is seen and survived the same way.
    proxy.cut().await;
    let body = app.graphql(COUNT, json!({})).await;
    assert_eq!(error_code(&body), Some("DATABASE_UNAVAILABLE"), "{body}");
    proxy.restore().await.unwrap();
    let data = app.data(COUNT, json!({})).await;
    assert_eq!(data["organisations"]["totalCount"], 4);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_past_the_statement_timeout_is_stopped() {
    let Some(Backend::Postgres(url)) = postgres_only() else {
        return;
    };
    let options = StoreOptions {
        statement_timeout: Some(Duration::from_millis(200)),
        ..StoreOptions::default()
    };
    let store = Store::connect_with(&url, &options).await.unwrap();
    let started = Instant::now();
    let error: StoreError = store
        .connection()
        .execute_unprepared("SELECT pg_sleep(5)")
        .await
        .unwrap_err()
        .into();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(error.is_timeout(), "{error}");
    assert!(!error.is_unavailable(), "{error}");
    // The connection is fine afterwards, and quick statements run as usual.
    store
        .connection()
        .execute_unprepared("SELECT pg_sleep(0.01)")
        .await
        .unwrap();
    store.close().await.unwrap();
}
