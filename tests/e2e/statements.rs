//! Every relation goes through a DataLoader: the SQL statements of a request depend on the
//! shape of the query, not on how many rows it returns.

use panorama_tests::{TestApp, backends, seed_ring};
use serde_json::json;

const QUERY: &str = r#"query($first: Int!) {
    organisations(first: $first) { edges { node {
      name
      projects { role project {
        title
        participants { role organisation { name focus { code label } } }
      } }
    } } } }"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_organisations_cost_as_many_statements_as_five() {
    for backend in backends() {
        let app =
            TestApp::counting_statements(&backend, std::time::Duration::from_millis(250)).await;
        seed_ring(app.store(), 60).await.unwrap();
        let mut counts = Vec::new();
        for first in [5, 50] {
            let before = app.statements();
            let data = app.data(QUERY, json!({ "first": first })).await;
            counts.push(app.statements() - before);
            let edges = data["organisations"]["edges"].as_array().unwrap();
            assert_eq!(edges.len(), first);
            // Each organisation leads one project and partners in another, of two participants each.
            for edge in edges {
                let projects = edge["node"]["projects"].as_array().unwrap();
                assert_eq!(projects.len(), 2);
                for p in projects {
                    let participants = p["project"]["participants"].as_array().unwrap();
                    assert_eq!(participants.len(), 2);
                    assert_eq!(
                        participants[0]["organisation"]["focus"]
                            .as_array()
                            .unwrap()
                            .len(),
                        2
                    );
                }
            }
        }
        eprintln!("[{backend:?}] statements for 5 and 50 organisations: {counts:?}");
        assert_eq!(
            counts[0], counts[1],
            "[{backend:?}] statement counts differ: {counts:?}"
        );
        assert!(counts[0] <= 12, "[{backend:?}] {counts:?}");
        app.stop().await;
    }
}
