//! Safe retries: a mutation sent again with the same `Idempotency-Key` gets the first answer
//! and writes nothing; the same key with another request is refused.

use panorama_tests::{TestApp, backends, error_code};
use serde_json::{Value, json};

const CREATE: &str = r#"mutation($name: String) { createOrganisation(input: { name: $name }) { record { id name } } }"#;

async fn send(
    app: &TestApp,
    token: &str,
    key: Option<&str>,
    name: &str,
) -> (u16, Option<String>, Value) {
    let mut request = reqwest::Client::new()
        .post(app.url("/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": CREATE, "variables": { "name": name } }));
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let replayed = response
        .headers()
        .get("idempotent-replayed")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, replayed, response.json().await.unwrap())
}

async fn count(app: &TestApp, token: &str) -> i64 {
    app.data_as(
        Some(token),
        "{ organisations(first: 1) { totalCount } }",
        json!({}),
    )
    .await["organisations"]["totalCount"]
        .as_i64()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_with_the_same_key_writes_once() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let moderator = &app.user_token(&["moderator"], &[]);
        let (status, replayed, first) = send(&app, moderator, Some("retry-1"), "Once Only").await;
        assert_eq!((status, replayed), (200, None));
        let (status, replayed, again) = send(&app, moderator, Some("retry-1"), "Once Only").await;
        assert_eq!((status, replayed.as_deref()), (200, Some("true")));
        assert_eq!(again, first, "the first answer, word for word");
        assert_eq!(count(&app, moderator).await, 1);

        // The same key for another request is refused; another caller's keys are its own.
        let (status, _, body) = send(&app, moderator, Some("retry-1"), "Something Else").await;
        assert_eq!(
            (status, error_code(&body)),
            (422, Some("IDEMPOTENCY_KEY_REUSED"))
        );
        let admin = &app.user_token(&["admin"], &[]);
        let (status, replayed, _) = send(&app, admin, Some("retry-1"), "Once Only").await;
        assert_eq!((status, replayed), (200, None));
        // Without a key, every request runs.
        send(&app, moderator, None, "Keyless").await;
        send(&app, moderator, None, "Keyless").await;
        assert_eq!(count(&app, moderator).await, 4);
        let (status, _, body) = send(&app, moderator, Some(" "), "Blank Key").await;
        assert_eq!((status, error_code(&body)), (400, Some("BAD_REQUEST")));
        app.stop().await;
    }
}
