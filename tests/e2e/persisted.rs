//! Persisted queries (Apollo's protocol): a query sent once with its hash runs afterwards by
//! its hash alone; with an allow-list, only registered operations run.

use std::sync::Arc;

use panorama_api::{AllowList, PersistedQueries};
use panorama_tests::{TestApp, backends, error_code};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const QUERY: &str = "{ organisations(first: 2) { totalCount } }";

fn hash(query: &str) -> String {
    Sha256::digest(query.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

async fn post(app: &TestApp, body: Value) -> Value {
    let response = app
        .client()
        .post(app.url("/graphql"))
        .json(&body)
        .send()
        .await
        .unwrap();
    response.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_sent_once_with_its_hash_runs_by_hash_afterwards() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let by_hash = json!({ "extensions": persisted(&hash(QUERY)) });
        let unknown = post(&app, by_hash.clone()).await;
        assert_eq!(error_code(&unknown), Some("PERSISTED_QUERY_NOT_FOUND"));
        assert_eq!(unknown["errors"][0]["message"], "PersistedQueryNotFound");

        let first = post(
            &app,
            json!({ "query": QUERY, "extensions": persisted(&hash(QUERY)) }),
        )
        .await;
        assert_eq!(first["data"]["organisations"]["totalCount"], 0, "{first}");
        let again = post(&app, by_hash).await;
        assert_eq!(again["data"], first["data"]);
        assert!(again["extensions"]["cost"]["requested"].as_u64() > Some(0));

        let wrong = post(
            &app,
            json!({ "query": QUERY, "extensions": persisted(&hash("{ x }")) }),
        )
        .await;
        assert_eq!(error_code(&wrong), Some("PERSISTED_QUERY_HASH_MISMATCH"));
        let bad = post(
            &app,
            json!({ "query": QUERY, "extensions": { "persistedQuery": { "version": 2 } } }),
        )
        .await;
        assert_eq!(error_code(&bad), Some("PERSISTED_QUERY_INVALID"));
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_an_allow_list_only_registered_operations_run() {
    let manifest = json!({ hash(QUERY): QUERY }).to_string();
    let list = AllowList::from_json(&manifest).unwrap();
    assert!(AllowList::from_json(&json!({ hash("{ x }"): QUERY }).to_string()).is_err());
    for backend in backends() {
        let mut options = TestApp::default_options();
        options.persisted = PersistedQueries {
            allow_list: Some(Arc::new(AllowList::from_json(&manifest).unwrap())),
            allow_list_only: true,
            ..PersistedQueries::default()
        };
        let app = TestApp::with_options(&backend, options).await;
        // Registered: by hash (known from the list, never sent before) or by text.
        let by_hash = post(&app, json!({ "extensions": persisted(&hash(QUERY)) })).await;
        assert_eq!(
            by_hash["data"]["organisations"]["totalCount"], 0,
            "{by_hash}"
        );
        let by_text = post(&app, json!({ "query": QUERY })).await;
        assert_eq!(by_text["data"], by_hash["data"]);
        // Anything else is refused, also when sent with its hash to register it.
        let other = "{ organisations(first: 3) { totalCount } }";
        for body in [
            json!({ "query": other }),
            json!({ "query": other, "extensions": persisted(&hash(other)) }),
            json!({ "extensions": persisted(&hash(other)) }),
        ] {
            let refused = post(&app, body).await;
            assert_eq!(
                error_code(&refused),
                Some("PERSISTED_QUERY_NOT_ALLOWED"),
                "{refused}"
            );
            assert!(refused["data"].is_null());
        }
        app.stop().await;
    }
    assert_eq!(list.len(), 1);
}
