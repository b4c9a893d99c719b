//! Relay pagination: forward and backward pages join up to the whole listing, in every order.

use panorama_tests::{TestApp, backends, error_code};
use serde_json::{Value, json};

const QUERY: &str = r#"query($first: Int, $after: String, $last: Int, $before: String, $order: OrderInput) {
    organisations(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { slug } }
    } }"#;

fn slugs(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["slug"].as_str().unwrap().to_owned())
        .collect()
}

async fn page(app: &TestApp, variables: Value) -> Value {
    app.data(QUERY, variables).await["organisations"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forward_and_backward_pages_cover_the_listing_in_every_order() {
    for backend in backends() {
        let app = TestApp::with_demo(&backend).await;
        let orders = [
            json!(null),
            json!({ "field": "NAME", "direction": "DESC" }),
            json!({ "field": "CREATED_AT" }),
            json!({ "field": "UPDATED_AT", "direction": "DESC" }),
            json!({ "field": "DISTANCE", "from": { "latitude": 48.85, "longitude": 2.35 } }),
        ];
        for order in orders {
            let everything = slugs(&page(&app, json!({ "first": 100, "order": order })).await);
            assert!(everything.len() >= 20, "{order}");

            let mut forward = Vec::new();
            let mut after: Option<String> = None;
            loop {
                let p = page(&app, json!({ "first": 5, "after": after, "order": order })).await;
                forward.extend(slugs(&p));
                assert_eq!(p["pageInfo"]["hasPreviousPage"], after.is_some());
                if p["pageInfo"]["hasNextPage"] == false {
                    break;
                }
                after = p["pageInfo"]["endCursor"].as_str().map(str::to_owned);
            }
            assert_eq!(forward, everything, "forward pages, order {order}");

            let mut backward = Vec::new();
            let mut before: Option<String> = None;
            loop {
                let p = page(&app, json!({ "last": 7, "before": before, "order": order })).await;
                let mut chunk = slugs(&p);
                chunk.extend(backward);
                backward = chunk;
                if p["pageInfo"]["hasPreviousPage"] == false {
                    break;
                }
                before = p["pageInfo"]["startCursor"].as_str().map(str::to_owned);
            }
            assert_eq!(backward, everything, "backward pages, order {order}");
        }
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_sizes_and_cursors_are_checked() {
    for backend in backends() {
        let app = TestApp::with_demo(&backend).await;
        let too_many = app.graphql(QUERY, json!({ "first": 101 })).await;
        assert_eq!(error_code(&too_many), Some("BAD_USER_INPUT"));
        assert!(
            too_many["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("at most 100")
        );
        assert!(too_many["data"].is_null() || too_many["data"]["organisations"].is_null());

        let both = app.graphql(QUERY, json!({ "first": 1, "last": 1 })).await;
        assert_eq!(error_code(&both), Some("BAD_USER_INPUT"));

        let forged = app
            .graphql(QUERY, json!({ "first": 5, "after": "bm90LWEtY3Vyc29y" }))
            .await;
        assert_eq!(error_code(&forged), Some("BAD_USER_INPUT"));

        // A cursor made for one ordering is refused by another.
        let by_name = page(&app, json!({ "first": 1 })).await;
        let cursor = by_name["pageInfo"]["endCursor"].as_str().unwrap();
        let mixed = app
            .graphql(
                QUERY,
                json!({ "first": 1, "after": cursor, "order": { "field": "CREATED_AT" } }),
            )
            .await;
        assert_eq!(error_code(&mixed), Some("BAD_USER_INPUT"));
        app.stop().await;
    }
}
