//! The real 2017 digitalsocial.eu export, imported on each database and read back through the API.

use panorama_tests::{TestApp, backends, shared_data};
use serde_json::{Value, json};

fn count(file: &std::path::Path) -> (usize, usize) {
    let records: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let links = records
        .iter()
        .map(|r| {
            r.get("linked_project_ids")
                .and_then(Value::as_array)
                .map_or(0, Vec::len)
        })
        .sum();
    (records.len(), links)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_loads_the_export_once_and_the_api_serves_it() {
    let Some(data) = shared_data() else {
        eprintln!("skipped: ../shared/data not found (set PANORAMA_SHARED_DATA)");
        return;
    };
    let organisations = data.join("dsi4eu/organisations2.json");
    let projects = data.join("dsi4eu/projects2.json");
    let (organisation_count, link_count) = count(&organisations);
    let (project_count, _) = count(&projects);
    assert_eq!(
        (organisation_count, project_count, link_count),
        (1228, 829, 946)
    );

    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let first = panorama_server::import::dsi4eu::import(app.store(), &organisations, &projects)
            .await
            .unwrap();
        eprintln!("[{backend:?}] first import:\n{first}");
        let refused_organisations = first.skipped_of("organisation");
        let refused_projects = first.skipped_of("project");
        assert_eq!(
            first.organisations_created,
            organisation_count - refused_organisations
        );
        assert_eq!(first.projects_created, project_count - refused_projects);
        assert_eq!(
            first.participations_created + first.links_refused(),
            link_count
        );

        let second =
            panorama_server::import::dsi4eu::import(app.store(), &organisations, &projects)
                .await
                .unwrap();
        assert_eq!(
            (
                second.organisations_created,
                second.projects_created,
                second.participations_created
            ),
            (0, 0, 0)
        );

        let data = app
            .data(
                r#"{ organisations(first: 1) { totalCount facets { countries { value label count } organisationTypes { value count } } }
                     projects(first: 1) { totalCount }
                     fablabs: organisations(first: 5, filter: { text: "fab lab" }) { totalCount } }"#,
                json!({}),
            )
            .await;
        assert_eq!(
            data["organisations"]["totalCount"],
            organisation_count - refused_organisations
        );
        assert_eq!(
            data["projects"]["totalCount"],
            project_count - refused_projects
        );
        let countries = data["organisations"]["facets"]["countries"]
            .as_array()
            .unwrap();
        assert_eq!(
            countries[0],
            json!({ "value": "GB", "label": "United Kingdom", "count": 309 })
        );
        assert!(data["fablabs"]["totalCount"].as_u64().unwrap() > 0);
        app.stop().await;
    }
}
