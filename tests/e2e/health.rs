use panorama_tests::{TestApp, backends};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_and_graphiql() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let health = app.get("/healthz").await;
        assert_eq!(health.status(), 200);
        let ready = app.get("/readyz").await;
        assert_eq!(ready.status(), 200, "{backend:?}");

        let page = reqwest::Client::new()
            .get(app.url("/graphql"))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(
            html.to_lowercase().contains("graphiql"),
            "GraphiQL page expected"
        );

        // A GraphQL GET, answered with the GraphQL-over-HTTP media type.
        let get = app
            .get("/graphql?query=%7Btaxonomy(vocabulary%3AFOCUS)%7Bcode%7D%7D")
            .await;
        assert_eq!(get.status(), 200);
        let content_type = get.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(
            content_type.starts_with("application/graphql-response+json"),
            "{content_type}"
        );
        let body: serde_json::Value = get.json().await.unwrap();
        assert_eq!(body["data"]["taxonomy"].as_array().unwrap().len(), 4);
        app.stop().await;
    }
}
