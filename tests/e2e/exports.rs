//! Open-data exports: `/export/…` streams every published organisation and project, once, as
//! JSON Lines and CSV, with its licence and generation time; `panorama export` writes the same
//! files.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use panorama_domain::*;
use panorama_persistence::write;
use panorama_tests::{
    Backend, TestApp, backends, global_id, organisation_record, project_record, seed_ring,
    shared_data,
};
use sea_orm::TransactionTrait;
use serde_json::{Value, json};

const FILES: [&str; 4] = [
    "organisations.jsonl",
    "organisations.csv",
    "projects.jsonl",
    "projects.csv",
];

/// A downloaded export file.
struct Download {
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Download {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .unwrap()
    }

    fn json_lines(&self) -> Vec<Value> {
        self.body
            .lines()
            .map(|line| serde_json::from_str(line).expect("each line is a JSON object"))
            .collect()
    }

    /// The header row and the rows, as maps from column to cell.
    fn csv(&self) -> (Vec<String>, Vec<HashMap<String, String>>) {
        let mut reader = csv::Reader::from_reader(self.body.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        let rows = reader
            .records()
            .map(|row| {
                let row = row.expect("a CSV row");
                header
                    .iter()
                    .cloned()
                    .zip(row.iter().map(str::to_owned))
                    .collect()
            })
            .collect();
        (header, rows)
    }
}

async fn download(app: &TestApp, file: &str) -> Download {
    let response = app.get(&format!("/export/{file}")).await;
    assert_eq!(response.status(), 200, "[{:?}] {file}", app.backend);
    let headers = response.headers().clone();
    Download {
        headers,
        body: response.text().await.unwrap(),
    }
}

/// Unpublished records beside the published ring: a pending and an archived organisation, a
/// pending and an archived project; the pending organisation takes part in `published_project`.
async fn seed_unpublished(app: &TestApp, published_project: uuid::Uuid) -> Vec<String> {
    let txn = app.store().connection().begin().await.unwrap();
    let pending = organisation_record("Pending Org", RecordStatus::Pending);
    let archived = organisation_record("Archived Org", RecordStatus::Archived);
    let pending_project = project_record("Pending Project", RecordStatus::Pending);
    let archived_project = project_record("Archived Project", RecordStatus::Archived);
    for o in [&pending, &archived] {
        write::insert_organisation(&txn, o).await.unwrap();
    }
    for p in [&pending_project, &archived_project] {
        write::insert_project(&txn, p).await.unwrap();
    }
    write::insert_participations(
        &txn,
        &[Participation {
            project_id: published_project,
            organisation_id: pending.meta.id,
            role: ParticipationRole::Funder,
        }],
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    vec![
        global_id("Organisation", pending.meta.id),
        global_id("Organisation", archived.meta.id),
        global_id("Project", pending_project.meta.id),
        global_id("Project", archived_project.meta.id),
    ]
}

/// The ids of published records, as the GraphQL API lists them.
async fn published_ids(app: &TestApp, listing: &str) -> BTreeSet<String> {
    let query = format!("{{ {listing}(first: 100) {{ edges {{ node {{ id }} }} }} }}");
    let data = app.data(&query, json!({})).await;
    data[listing]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The uuid behind a global id (`base64("Type:uuid")`).
fn uuid_of(global: &str) -> uuid::Uuid {
    use base64::Engine;
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(global)
        .unwrap();
    let text = String::from_utf8(text).unwrap();
    text.split_once(':').unwrap().1.parse().unwrap()
}

fn ids_of(lines: &[Value]) -> Vec<String> {
    lines
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_owned())
        .collect()
}

fn assert_once(ids: &[String], expected: &BTreeSet<String>, what: &str) {
    let unique: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), ids.len(), "{what}: a record appears twice");
    assert_eq!(&unique, expected, "{what}");
}

/// Ten published organisations and projects, read three at a time (four pages), beside
/// unpublished ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_stream_every_published_record_once_and_nothing_else() {
    for backend in backends() {
        let app = TestApp::with_export_page_size(&backend, 3).await;
        seed_ring(app.store(), 10).await.unwrap();
        let organisations = published_ids(&app, "organisations").await;
        let projects = published_ids(&app, "projects").await;
        assert_eq!((organisations.len(), projects.len()), (10, 10));
        let first_project = app
            .data(r#"{ project(slug: "ring-project-000") { id } }"#, json!({}))
            .await["project"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let first_project_uuid = uuid_of(&first_project);
        let unpublished = seed_unpublished(&app, first_project_uuid).await;

        let org_lines = download(&app, "organisations.jsonl").await.json_lines();
        assert_once(&ids_of(&org_lines), &organisations, "organisations.jsonl");
        let ring = org_lines
            .iter()
            .find(|l| l["slug"] == "ring-organisation-004")
            .unwrap();
        assert_eq!(ring["name"], "Ring organisation 004");
        assert_eq!(ring["focus"], json!(["OPEN_DATA", "OPEN_KNOWLEDGE"]));
        assert_eq!(ring["place"]["country"], "FR");
        assert_eq!(ring["organisationType"], "GRASSROOTS");
        assert_eq!(ring["version"], 1);
        for private in ["ownerPartner", "createdBy", "source", "status"] {
            assert!(ring.get(private).is_none(), "{private} is exported: {ring}");
        }

        let statements = app.statements();
        let project_lines = download(&app, "projects.jsonl").await.json_lines();
        let spent = app.statements() - statements;
        // Four pages of three, each read in at most three statements (projects, their terms,
        // their participants), never one statement per record.
        assert!(spent <= 4 * 3, "[{backend:?}] {spent} statements");
        assert_once(&ids_of(&project_lines), &projects, "projects.jsonl");
        let first = project_lines
            .iter()
            .find(|l| l["id"] == first_project.as_str())
            .unwrap();
        let participants = first["participants"].as_array().unwrap();
        assert_eq!(
            participants.len(),
            2,
            "the pending funder is left out: {first}"
        );
        for participant in participants {
            let id = participant["organisationId"].as_str().unwrap();
            assert!(organisations.contains(id), "{participant}");
            assert!(["LEAD", "PARTNER"].contains(&participant["role"].as_str().unwrap()));
        }

        let (header, org_rows) = download(&app, "organisations.csv").await.csv();
        assert_eq!(header[..3], ["id", "slug", "name"]);
        let org_csv_ids: Vec<String> = org_rows.iter().map(|r| r["id"].clone()).collect();
        assert_once(&org_csv_ids, &organisations, "organisations.csv");
        let row = org_rows
            .iter()
            .find(|r| r["slug"] == "ring-organisation-004")
            .unwrap();
        assert_eq!(row["focus"], "OPEN_DATA;OPEN_KNOWLEDGE");
        assert_eq!(row["country"], "FR");
        assert_eq!(row["latitude"], "");

        let (header, project_rows) = download(&app, "projects.csv").await.csv();
        assert!(
            header.contains(&"leadOrganisations".to_owned()),
            "{header:?}"
        );
        let project_csv_ids: Vec<String> = project_rows.iter().map(|r| r["id"].clone()).collect();
        assert_once(&project_csv_ids, &projects, "projects.csv");
        let row = project_rows
            .iter()
            .find(|r| r["id"] == first_project)
            .unwrap();
        assert!(organisations.contains(&row["leadOrganisations"]), "{row:?}");
        assert!(
            organisations.contains(&row["partnerOrganisations"]),
            "{row:?}"
        );
        assert_eq!(
            row["funderOrganisations"], "",
            "the pending funder is left out"
        );

        for file in FILES {
            let body = download(&app, file).await.body;
            for id in &unpublished {
                assert!(!body.contains(id.as_str()), "[{backend:?}] {file} has {id}");
            }
            assert!(
                !body.contains("Pending") && !body.contains("Archived"),
                "{file}"
            );
        }
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_carry_their_licence_generation_time_and_type() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        seed_ring(app.store(), 2).await.unwrap();
        let before = Utc::now();
        for (file, content_type) in [
            ("organisations.jsonl", "application/x-ndjson"),
            ("organisations.csv", "text/csv"),
            ("projects.jsonl", "application/x-ndjson"),
            ("projects.csv", "text/csv"),
        ] {
            let download = download(&app, file).await;
            assert!(
                download.header("content-type").starts_with(content_type),
                "{file}: {}",
                download.header("content-type")
            );
            assert!(download.header("content-type").contains("charset=utf-8"));
            assert_eq!(
                download.header("link"),
                "<https://creativecommons.org/licenses/by/4.0/>; rel=\"license\", \
                 </export/datapackage.json>; rel=\"describedby\""
            );
            assert_eq!(download.header("panorama-licence"), "CC-BY-4.0");
            let generated = download.header("panorama-generated-at");
            let generated: DateTime<Utc> = DateTime::parse_from_rfc3339(generated)
                .expect("an RFC 3339 time")
                .into();
            assert!(generated >= before - chrono::Duration::seconds(1) && generated <= Utc::now());
            assert_eq!(
                download.header("content-disposition"),
                format!("attachment; filename=\"{file}\"")
            );
        }
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn datapackage_describes_the_four_files() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        seed_ring(app.store(), 2).await.unwrap();
        let package: Value = serde_json::from_str(&download(&app, "datapackage.json").await.body)
            .expect("datapackage.json is JSON");
        assert_eq!(
            package["licenses"],
            json!([{ "name": "CC-BY-4.0",
                     "title": "Creative Commons Attribution 4.0 International",
                     "path": "https://creativecommons.org/licenses/by/4.0/" }])
        );
        DateTime::parse_from_rfc3339(package["created"].as_str().unwrap()).expect("created");
        let resources = package["resources"].as_array().unwrap();
        let paths: Vec<&str> = resources
            .iter()
            .map(|r| r["path"].as_str().unwrap())
            .collect();
        assert_eq!(paths, FILES);
        for resource in resources {
            let path = resource["path"].as_str().unwrap();
            let download = download(&app, path).await;
            assert!(
                download
                    .header("content-type")
                    .starts_with(resource["mediatype"].as_str().unwrap()),
                "{resource}"
            );
            if path.ends_with(".csv") {
                assert_eq!(resource["format"], "csv");
                let fields: Vec<&str> = resource["schema"]["fields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f["name"].as_str().unwrap())
                    .collect();
                let (header, _) = download.csv();
                assert_eq!(header, fields, "{path}: the schema names the columns");
            } else {
                assert_eq!(resource["format"], "jsonl");
            }
        }
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_registry_exports_empty_files_with_their_header() {
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        assert_eq!(download(&app, "organisations.jsonl").await.body, "");
        let (header, rows) = download(&app, "projects.csv").await.csv();
        assert!(rows.is_empty());
        assert_eq!(header.first().map(String::as_str), Some("id"));
        app.stop().await;
    }
}

/// `panorama export --dir` writes the files the HTTP routes serve, byte for byte.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_command_writes_the_same_files() {
    for backend in backends() {
        let app = TestApp::with_export_page_size(&backend, 3).await;
        seed_ring(app.store(), 7).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("open-data");
        let report =
            panorama_server::export::write_open_data(app.store(), &target, &app.options().export)
                .await
                .unwrap();
        let counts: Vec<usize> = report.files.iter().map(|(_, n)| *n).collect();
        assert_eq!(counts, [7, 7, 7, 7]);
        for file in FILES {
            let written = std::fs::read_to_string(target.join(file)).unwrap();
            assert_eq!(
                written,
                download(&app, file).await.body,
                "[{backend:?}] {file}"
            );
        }
        let package: Value = serde_json::from_str(
            &std::fs::read_to_string(target.join("datapackage.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(package["licenses"][0]["name"], "CC-BY-4.0");
        assert_eq!(package["resources"].as_array().unwrap().len(), 4);
        let mut names: Vec<String> = std::fs::read_dir(&target)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "datapackage.json",
                "organisations.csv",
                "organisations.jsonl",
                "projects.csv",
                "projects.jsonl"
            ],
            "no partial file is left behind"
        );
        app.stop().await;
    }
}

/// The real DSI4EU data: the exports hold exactly the published records and participations
/// the import made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_of_the_dsi4eu_data_hold_every_imported_record() {
    let Some(data) = shared_data() else {
        eprintln!("skipped: ../shared/data not found (set PANORAMA_SHARED_DATA)");
        return;
    };
    let organisations = data.join("dsi4eu/organisations2.json");
    let projects = data.join("dsi4eu/projects2.json");
    for backend in backends() {
        let app = TestApp::empty(&backend).await;
        let report =
            panorama_server::import::dsi4eu::import(app.store(), &organisations, &projects)
                .await
                .unwrap();
        let org_lines = download(&app, "organisations.jsonl").await.json_lines();
        let project_lines = download(&app, "projects.jsonl").await.json_lines();
        assert_eq!(
            org_lines.len(),
            report.organisations_created,
            "[{backend:?}]"
        );
        assert_eq!(
            project_lines.len(),
            report.projects_created,
            "[{backend:?}]"
        );
        let participations: usize = project_lines
            .iter()
            .map(|p| p["participants"].as_array().unwrap().len())
            .sum();
        assert_eq!(participations, report.participations_created);
        let (_, org_rows) = download(&app, "organisations.csv").await.csv();
        let (_, project_rows) = download(&app, "projects.csv").await.csv();
        assert_eq!(org_rows.len(), report.organisations_created);
        assert_eq!(project_rows.len(), report.projects_created);
        let ids: BTreeSet<&str> = org_lines
            .iter()
            .map(|l| l["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids.len(), org_lines.len(), "each organisation once");
        if backend == Backend::Sqlite {
            eprintln!(
                "DSI4EU export: {} organisations, {} projects, {participations} participations",
                org_lines.len(),
                project_lines.len()
            );
        }
        app.stop().await;
    }
}
