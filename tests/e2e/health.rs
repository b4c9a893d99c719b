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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_and_malformed_requests_get_clear_errors() {
    let app = TestApp::empty(&panorama_tests::Backend::Sqlite).await;
    let client = reqwest::Client::new();
    // A body over the limit is refused from its announced length, before it is read. A raw
    // socket sends only the headers, so the client cannot trip over the early answer.
    let mut socket = tokio::net::TcpStream::connect(app.url("").trim_start_matches("http://"))
        .await
        .unwrap();
    let head = "POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 2097152\r\n\r\n";
    tokio::io::AsyncWriteExt::write_all(&mut socket, head.as_bytes())
        .await
        .unwrap();
    let mut answer = vec![0u8; 64];
    let read = tokio::io::AsyncReadExt::read(&mut socket, &mut answer)
        .await
        .unwrap();
    let status_line = String::from_utf8_lossy(&answer[..read]).to_string();
    assert!(status_line.starts_with("HTTP/1.1 413"), "{status_line}");

    let response = client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);

    let body = app
        .graphql(
            "{ organisations(first: 1) { edges { node { nope } } } }",
            serde_json::json!({}),
        )
        .await;
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nope")
    );
    app.stop().await;
}
