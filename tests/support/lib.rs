#![allow(clippy::expect_used, clippy::unwrap_used)] // test helpers fail the test loudly
//! Helpers for the end-to-end tests: the real app on a random port over a fresh database per
//! test (a temporary SQLite file, or a new PostgreSQL database that is dropped afterwards).

use std::path::PathBuf;

use panorama_persistence::Store;
use panorama_server::app::{self, RunningApp};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

/// The databases the suite runs on: SQLite always, PostgreSQL when
/// `PANORAMA_TEST_DATABASE_URL` names a server (any database on it; tests create their own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

pub fn backends() -> Vec<Backend> {
    let mut backends = vec![Backend::Sqlite];
    match std::env::var("PANORAMA_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => backends.push(Backend::Postgres(url)),
        _ => eprintln!("PostgreSQL skipped: PANORAMA_TEST_DATABASE_URL is not set"),
    }
    backends
}

/// The shared data folder (`../shared/data` beside the repository), if present.
pub fn shared_data() -> Option<PathBuf> {
    let dir = std::env::var_os("PANORAMA_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data"))
        });
    dir.is_dir().then_some(dir)
}

/// A database that exists for one test.
enum TestDatabase {
    /// The folder is deleted when the value drops.
    Sqlite {
        _dir: tempfile::TempDir,
    },
    Postgres {
        admin_url: String,
        name: String,
    },
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { admin_url, name } = self {
            let (admin_url, database) = (admin_url.clone(), name.clone());
            // Drop runs outside async code: a small runtime of its own on another thread.
            let dropped = std::thread::spawn(move || {
                let name = database;
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                runtime.block_on(async {
                    let admin = Database::connect(&admin_url).await?;
                    admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await?;
                    admin.close().await?;
                    Ok::<_, anyhow::Error>(())
                })
            })
            .join();
            if !matches!(dropped, Ok(Ok(()))) {
                eprintln!("could not drop test database {name}");
            }
        }
    }
}

async fn create_database(backend: &Backend) -> anyhow::Result<(String, TestDatabase)> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir()?;
            let url = format!("sqlite://{}", dir.path().join("panorama.db").display());
            Ok((url, TestDatabase::Sqlite { _dir: dir }))
        }
        Backend::Postgres(admin_url) => {
            let name = format!("panorama_test_{}", uuid::Uuid::now_v7().simple());
            let admin = Database::connect(admin_url.as_str()).await?;
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await?;
            admin.close().await?;
            let base = admin_url
                .rsplit_once('/')
                .map_or(admin_url.as_str(), |(base, _)| base);
            Ok((
                format!("{base}/{name}"),
                TestDatabase::Postgres {
                    admin_url: admin_url.clone(),
                    name,
                },
            ))
        }
    }
}

/// The app, serving on 127.0.0.1 at a random port, over its own database.
pub struct TestApp {
    pub backend: Backend,
    pub database_url: String,
    app: Option<RunningApp>,
    client: reqwest::Client,
    // Declared last: dropped after the app has stopped.
    _database: TestDatabase,
}

impl TestApp {
    /// An app over an empty, migrated database.
    pub async fn empty(backend: &Backend) -> Self {
        Self::spawn(backend, false).await
    }

    /// An app over a database holding the built-in demo dataset.
    pub async fn with_demo(backend: &Backend) -> Self {
        Self::spawn(backend, true).await
    }

    async fn spawn(backend: &Backend, demo: bool) -> Self {
        let (database_url, database) = create_database(backend).await.expect("test database");
        let store = app::open_store(&database_url, demo)
            .await
            .expect("open store");
        // A wide batch window: on a busy test machine, timing must not decide how many
        // statements a request takes (the statement-count test compares them).
        let options = panorama_api::ApiOptions {
            batch_window: std::time::Duration::from_millis(50),
        };
        let app = app::start(store, "127.0.0.1:0".parse().expect("address"), options)
            .await
            .expect("start app");
        Self {
            backend: backend.clone(),
            database_url,
            app: Some(app),
            client: reqwest::Client::new(),
            _database: database,
        }
    }

    fn running(&self) -> &RunningApp {
        self.app.as_ref().expect("app is running")
    }

    pub fn store(&self) -> &Store {
        &self.running().store
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.running().addr)
    }

    /// How many SQL statements the app has run so far.
    pub fn statements(&self) -> u64 {
        self.store().statement_count()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// POSTs a GraphQL request and returns the whole response body (`data` and `errors`).
    pub async fn graphql(&self, query: &str, variables: Value) -> Value {
        let response = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("POST /graphql");
        response.json().await.expect("JSON body")
    }

    /// Like [`TestApp::graphql`], failing the test on any error; returns `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.graphql(query, variables).await;
        assert!(
            body.get("errors").is_none(),
            "[{:?}] unexpected errors: {body:#}",
            self.backend
        );
        body["data"].clone()
    }

    pub async fn stop(mut self) {
        if let Some(app) = self.app.take() {
            let store = app.store.clone();
            app.stop().await.expect("app stops");
            store.close().await.expect("store closes");
        }
    }
}

/// The `extensions.code` of the first error of a response.
pub fn error_code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

/// Writes a ring of `n` published organisations: organisation i leads project i and is a partner
/// in project i+1, so every project has two participants. Every record has focus areas.
pub async fn seed_ring(store: &Store, n: usize) -> anyhow::Result<()> {
    use panorama_domain::*;
    use panorama_persistence::write;
    use sea_orm::TransactionTrait;

    let txn = store.connection().begin().await?;
    let meta = || RecordMeta::new(RecordStatus::Published, Source::Demo);
    let classification = Classification {
        focus: vec!["OPEN_DATA".into(), "OPEN_KNOWLEDGE".into()],
        technologies: vec!["OPEN_SOURCE".into()],
        impact_areas: vec!["DIGITAL_DEMOCRACY".into()],
    };
    let mut organisations = Vec::new();
    let mut projects = Vec::new();
    for i in 0..n {
        let organisation = Organisation {
            meta: meta(),
            name: format!("Ring organisation {i:03}"),
            slug: format!("ring-organisation-{i:03}"),
            short_description: None,
            description: None,
            website: None,
            other_links: vec![],
            logo_url: None,
            organisation_type: Some("GRASSROOTS".into()),
            size: Some("SIZE_0_5".into()),
            founded_on: None,
            legal_identifiers: vec![],
            place: Place {
                country: Some("FR".into()),
                ..Place::default()
            },
            classification: classification.clone(),
            roles: vec!["INNOVATOR".into()],
            network_memberships: vec![],
            tags: vec![],
        };
        write::insert_organisation(&txn, &organisation).await?;
        let project = Project {
            meta: meta(),
            title: format!("Ring project {i:03}"),
            slug: format!("ring-project-{i:03}"),
            short_description: None,
            description: None,
            social_impact: None,
            website: None,
            project_status: Some(ProjectStatus::Live),
            start_date: None,
            end_date: None,
            place: Place::default(),
            classification: classification.clone(),
            who_it_helps: vec![],
        };
        write::insert_project(&txn, &project).await?;
        organisations.push(organisation.meta.id);
        projects.push(project.meta.id);
    }
    let mut participations = Vec::new();
    for i in 0..n {
        participations.push(Participation {
            project_id: projects[i],
            organisation_id: organisations[i],
            role: ParticipationRole::Lead,
        });
        participations.push(Participation {
            project_id: projects[(i + 1) % n],
            organisation_id: organisations[i],
            role: ParticipationRole::Partner,
        });
    }
    write::insert_participations(&txn, &participations).await?;
    txn.commit().await?;
    Ok(())
}
