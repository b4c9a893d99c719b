//! Records that are not published are as absent as records that do not exist.

use panorama_tests::{TestApp, backends};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_record_is_absent_everywhere() {
    for backend in backends() {
        let app = TestApp::with_demo(&backend).await;
        // The demo dataset holds one pending submission, "Spomin VR" (Ljubljana, Slovenia).
        let slug = app
            .data(r#"{ organisation(slug: "spomin-vr") { name } }"#, json!({}))
            .await;
        assert!(slug["organisation"].is_null());

        let listed = app
            .data(
                r#"{ organisations(first: 100, filter: { text: "spomin" }) { totalCount edges { node { name } } }
                     slovenia: organisations(first: 100, filter: { countries: ["SI"] }) { totalCount facets { countries { value } } }
                     all: organisations(first: 1) { facets { countries { value count } } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(listed["organisations"]["totalCount"], 0);
        assert_eq!(listed["organisations"]["edges"], json!([]));
        assert_eq!(listed["slovenia"]["totalCount"], 0);
        assert_eq!(listed["slovenia"]["facets"]["countries"], json!([]));
        let countries = listed["all"]["facets"]["countries"].as_array().unwrap();
        assert!(countries.iter().all(|c| c["value"] != "SI"));

        // Its global id resolves to nothing, like an id that never existed.
        let hidden = app.store().connection();
        let id: uuid::Uuid = {
            use panorama_persistence::entities::organisation;
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            organisation::Entity::find()
                .filter(organisation::Column::Slug.eq("spomin-vr"))
                .one(hidden)
                .await
                .unwrap()
                .expect("the pending record is stored")
                .id
        };
        let global = panorama_tests::global_id("Organisation", id);
        let node = app
            .data(
                "query($id: ID!) { node(id: $id) { id } nodes(ids: [$id]) { id } }",
                json!({ "id": global }),
            )
            .await;
        assert!(node["node"].is_null());
        assert_eq!(node["nodes"], json!([null]));
        app.stop().await;
    }
}
