#![allow(clippy::expect_used, clippy::unwrap_used)] // test helpers fail the test loudly
//! Helpers for the end-to-end tests: the real app on a random port over a fresh database per
//! test (a temporary SQLite file, or a new PostgreSQL database that is dropped afterwards).

pub mod proxy;

use std::path::{Path, PathBuf};
use std::time::Duration;

use panorama_api::auth::accounts::add_client;
use panorama_api::auth::keys::{KeySet, SigningKey, load_or_generate};
use panorama_api::auth::tokens::sign_raw;
use panorama_domain::policy::{PartnerKind, Scope};
use panorama_persistence::partners::NewPartner;
use panorama_persistence::{Store, StoreOptions};
use panorama_server::app::{self, RunningApp};
use panorama_server::config::{AuthSettings, TrustedIssuerSettings};
use panorama_server::webhooks::WebhookOptions;
pub use proxy::FaultProxy;
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

/// PostgreSQL, for the tests that only it can run (concurrency), or `None` with the reason
/// printed.
pub fn postgres_only() -> Option<Backend> {
    let found = backends()
        .into_iter()
        .find(|b| matches!(b, Backend::Postgres(_)));
    if found.is_none() {
        eprintln!("skipped: this concurrency test needs PostgreSQL (PANORAMA_TEST_DATABASE_URL)");
    }
    found
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

/// The two files of the DSI4EU export (organisations, projects), or `None` after printing
/// why the test skips.
pub fn dsi4eu_export() -> Option<(PathBuf, PathBuf)> {
    let Some(data) = shared_data() else {
        eprintln!("skipped: ../shared/data not found (set PANORAMA_SHARED_DATA)");
        return None;
    };
    let dir = data.join("dsi4eu");
    Some((dir.join("organisations2.json"), dir.join("projects2.json")))
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

/// The issuer of the test identity provider, whose tokens identify people.
pub const TEST_IDP: &str = "https://id.panorama.test";

/// Keys and settings of one test app: its own signing key file, and a test identity provider
/// whose public keys it trusts from a JWKS file.
pub struct TestAuth {
    pub settings: AuthSettings,
    pub idp_key: SigningKey,
    pub dir: tempfile::TempDir,
}

impl TestAuth {
    fn new() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let idp_key = SigningKey::generate()?;
        let jwks_file = dir.path().join("idp-jwks.json");
        std::fs::write(
            &jwks_file,
            KeySet::new(idp_key.clone(), vec![]).jwks().to_string(),
        )?;
        let settings = AuthSettings {
            signing_key_file: Some(dir.path().join("signing-key.pem")),
            trusted_issuers: vec![TrustedIssuerSettings {
                issuer: TEST_IDP.to_owned(),
                audience: "panorama-api".to_owned(),
                jwks_file: Some(jwks_file),
                jwks_url: None,
                roles_claim: "roles".to_owned(),
                organisations_claim: "organisations".to_owned(),
            }],
            ..AuthSettings::default()
        };
        Ok(Self {
            settings,
            idp_key,
            dir,
        })
    }
}

/// A partner account with one API client, made for a test.
#[derive(Debug, Clone)]
pub struct TestPartner {
    pub id: uuid::Uuid,
    pub client_id: String,
    pub secret: String,
}

/// The app, serving on 127.0.0.1 at a random port, over its own database.
pub struct TestApp {
    pub backend: Backend,
    pub database_url: String,
    pub auth: TestAuth,
    options: panorama_api::ApiOptions,
    /// How the app's connection pool behaves.
    store_options: StoreOptions,
    /// The org-id list file the app checks legal identifiers against; none: the fallback list.
    org_id_lists_file: Option<PathBuf>,
    webhooks: WebhookOptions,
    app: Option<RunningApp>,
    client: reqwest::Client,
    // Declared last: dropped after the app has stopped.
    _database: TestDatabase,
}

impl TestApp {
    /// An app over an empty, migrated database.
    pub async fn empty(backend: &Backend) -> Self {
        Self::spawn(backend, false, test_options(BATCH_WINDOW), None).await
    }

    /// An app over a database holding the built-in demo dataset.
    pub async fn with_demo(backend: &Backend) -> Self {
        Self::spawn(backend, true, test_options(BATCH_WINDOW), None).await
    }

    /// An empty app that checks legal identifiers against the org-id list `file`, as the
    /// setting `org_id_lists_file` makes it.
    pub async fn with_org_id_lists(backend: &Backend, file: &Path) -> Self {
        let options = test_options(BATCH_WINDOW);
        Self::spawn(backend, false, options, Some(file.to_owned())).await
    }

    /// An empty app whose DataLoaders wait `batch_window` for keys: long enough, on a busy
    /// test machine, that timing cannot decide how many statements a request takes.
    pub async fn counting_statements(backend: &Backend, batch_window: Duration) -> Self {
        Self::spawn(backend, false, test_options(batch_window), None).await
    }

    /// An empty app whose exports read `page_size` records at a time.
    pub async fn with_export_page_size(backend: &Backend, page_size: u32) -> Self {
        let mut options = test_options(BATCH_WINDOW);
        options.export.page_size = page_size;
        Self::spawn(backend, false, options, None).await
    }

    /// An empty app with these query limits, counting its SQL statements.
    pub async fn with_limits(backend: &Backend, limits: panorama_api::QueryLimits) -> Self {
        let mut options = test_options(BATCH_WINDOW);
        options.limits = limits;
        Self::spawn(backend, false, options, None).await
    }

    /// An empty app with these tunables (start from [`TestApp::default_options`]).
    pub async fn with_options(backend: &Backend, options: panorama_api::ApiOptions) -> Self {
        Self::spawn(backend, false, options, None).await
    }

    /// The tunables of most test apps.
    pub fn default_options() -> panorama_api::ApiOptions {
        test_options(BATCH_WINDOW)
    }

    /// An empty app that reaches its database through a [`FaultProxy`] the test can cut and
    /// restore, waiting at most `acquire_timeout` for a connection.
    pub async fn behind_proxy(backend: &Backend, acquire_timeout: Duration) -> (Self, FaultProxy) {
        let (direct_url, database) = create_database(backend).await.expect("test database");
        let (host_port, target) = database_addr(&direct_url);
        let proxy = FaultProxy::start(target).await.expect("proxy starts");
        let database_url = direct_url.replacen(&host_port, &proxy.addr().to_string(), 1);
        let mut app = Self::stopped(database_url, database, backend, test_options(BATCH_WINDOW));
        app.store_options = StoreOptions {
            acquire_timeout,
            ..StoreOptions::default()
        };
        app.app = Some(app.start(false).await);
        (app, proxy)
    }

    /// The app's tunables (its export options among them).
    pub fn options(&self) -> &panorama_api::ApiOptions {
        &self.options
    }

    /// An empty app whose webhook worker runs with `webhooks` (short retries, say), and that
    /// accepts endpoints on loopback addresses, where tests run their receivers.
    pub async fn with_webhooks(backend: &Backend, webhooks: WebhookOptions) -> Self {
        let webhooks = WebhookOptions {
            private_hosts: true,
            ..webhooks
        };
        let mut options = test_options(BATCH_WINDOW);
        options.webhook_private_hosts = true;
        Self::spawn_with(backend, false, options, None, webhooks).await
    }

    async fn spawn(
        backend: &Backend,
        demo: bool,
        options: panorama_api::ApiOptions,
        org_id_lists_file: Option<PathBuf>,
    ) -> Self {
        let webhooks = WebhookOptions::default();
        Self::spawn_with(backend, demo, options, org_id_lists_file, webhooks).await
    }

    async fn spawn_with(
        backend: &Backend,
        demo: bool,
        options: panorama_api::ApiOptions,
        org_id_lists_file: Option<PathBuf>,
        webhooks: WebhookOptions,
    ) -> Self {
        let (database_url, database) = create_database(backend).await.expect("test database");
        let mut app = Self::stopped(database_url, database, backend, options);
        app.org_id_lists_file = org_id_lists_file;
        app.webhooks = webhooks;
        app.app = Some(app.start(demo).await);
        app
    }

    /// The test app's parts, before it starts.
    fn stopped(
        database_url: String,
        database: TestDatabase,
        backend: &Backend,
        options: panorama_api::ApiOptions,
    ) -> Self {
        Self {
            backend: backend.clone(),
            database_url,
            auth: TestAuth::new().expect("test keys"),
            options,
            store_options: StoreOptions::default(),
            org_id_lists_file: None,
            webhooks: WebhookOptions::default(),
            app: None,
            client: reqwest::Client::new(),
            _database: database,
        }
    }

    /// Starts the app over its database, loading the demo data when `demo` is set.
    async fn start(&self, demo: bool) -> RunningApp {
        let schemes = app::org_id_schemes(self.org_id_lists_file.as_deref()).expect("org-id list");
        let store = app::open_store_with(&self.database_url, demo, &self.store_options)
            .await
            .expect("open store");
        let auth = panorama_server::auth::auth_state(&self.auth.settings, &self.database_url)
            .await
            .expect("auth state");
        app::start(
            store,
            "127.0.0.1:0".parse().expect("address"),
            self.options.clone(),
            auth,
            schemes,
            self.webhooks.clone(),
        )
        .await
        .expect("start app")
    }

    /// Stops the app and starts it again over the same database and key files.
    pub async fn restart(mut self) -> Self {
        if let Some(app) = self.app.take() {
            let store = app.store.clone();
            app.stop().await.expect("app stops");
            store.close().await.expect("store closes");
        }
        self.app = Some(self.start(false).await);
        self
    }

    fn running(&self) -> &RunningApp {
        self.app.as_ref().expect("app is running")
    }

    pub fn store(&self) -> &Store {
        &self.running().store
    }

    /// The app's metrics registry, as the rate limiter and the webhook worker report to it.
    pub fn metrics(&self) -> &panorama_api::Metrics {
        &self.running().metrics
    }

    /// A client for requests the helpers do not make.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
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
        self.graphql_as(None, query, variables).await.1
    }

    /// POSTs a GraphQL request with a bearer token; returns the status and the body.
    pub async fn graphql_as(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("POST /graphql");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }

    /// Like [`TestApp::graphql`], failing the test on any error; returns `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        self.data_as(None, query, variables).await
    }

    /// Like [`TestApp::graphql_as`], failing the test on any error; returns `data`.
    pub async fn data_as(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let (_, body) = self.graphql_as(token, query, variables).await;
        assert!(
            body.get("errors").is_none(),
            "[{:?}] unexpected errors: {body:#}",
            self.backend
        );
        body["data"].clone()
    }

    /// A partner with one API client holding `scopes`.
    pub async fn partner(
        &self,
        kind: PartnerKind,
        scopes: &str,
        organisation: Option<uuid::Uuid>,
        trusted: bool,
    ) -> TestPartner {
        let new = NewPartner {
            name: format!("Test {}", kind.code()),
            kind,
            trusted,
            organisation_id: organisation,
        };
        let partner = self.store().create_partner(new).await.expect("partner");
        let scopes = Scope::parse_list(scopes).expect("known scopes");
        let issued = add_client(self.store(), partner.id, &scopes)
            .await
            .expect("client");
        TestPartner {
            id: partner.id,
            client_id: issued.client.client_id,
            secret: issued.secret,
        }
    }

    /// POSTs a form to the token endpoint.
    pub async fn token_request(
        &self,
        form: &[(&str, &str)],
        basic: Option<(&str, &str)>,
    ) -> (u16, Value) {
        let mut request = self.client.post(self.url("/oauth/token")).form(form);
        if let Some((id, secret)) = basic {
            request = request.basic_auth(id, Some(secret));
        }
        let response = request.send().await.expect("POST /oauth/token");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }

    /// An access token for a partner's client, by the client-credentials grant.
    pub async fn partner_token(&self, partner: &TestPartner) -> String {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", &partner.client_id),
            ("client_secret", &partner.secret),
        ];
        let (status, body) = self.token_request(&form, None).await;
        assert_eq!(status, 200, "{body}");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// A person's token from the test identity provider, signed with its real key.
    pub fn user_token(&self, roles: &[&str], organisations: &[&str]) -> String {
        let now = chrono::Utc::now().timestamp();
        let claims = json!({
            "iss": TEST_IDP, "aud": "panorama-api", "sub": format!("user-{}-of-{}", roles.join("-"), organisations.join("-")),
            "iat": now, "nbf": now - 5, "exp": now + 600,
            "roles": roles, "organisations": organisations,
        });
        self.sign(&self.auth.idp_key, &claims)
    }

    /// Signs any claims with `key` (EdDSA, with its kid), for tokens a test builds by hand.
    pub fn sign(&self, key: &SigningKey, claims: &Value) -> String {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
        header.kid = Some(key.kid().to_owned());
        sign_raw(key, &header, claims).expect("signed token")
    }

    /// The app's own signing key, as read from its key file.
    pub fn signing_key(&self) -> SigningKey {
        let path = self
            .auth
            .settings
            .signing_key_file
            .clone()
            .expect("key file");
        load_or_generate(&path).expect("signing key")
    }

    pub async fn stop(mut self) {
        if let Some(app) = self.app.take() {
            let store = app.store.clone();
            app.stop().await.expect("app stops");
            store.close().await.expect("store closes");
        }
    }
}

/// The DataLoader batch window of most test apps: wider than production's, since test
/// machines are busy.
const BATCH_WINDOW: Duration = Duration::from_millis(20);

fn test_options(batch_window: Duration) -> panorama_api::ApiOptions {
    panorama_api::ApiOptions {
        batch_window,
        ..panorama_api::ApiOptions::default()
    }
}

/// The `host:port` of a `postgres://user@host:port/name` URL as written, and the address the
/// proxy dials for it.
fn database_addr(url: &str) -> (String, std::net::SocketAddr) {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = after_scheme.split('/').next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let (host, port) = host_port.rsplit_once(':').unwrap_or((host_port, "5432"));
    let host = if host == "localhost" {
        "127.0.0.1"
    } else {
        host
    };
    let addr = format!("{host}:{port}")
        .parse()
        .unwrap_or_else(|_| panic!("the proxy needs a numeric address, not {host_port}"));
    (host_port.to_owned(), addr)
}

/// The global (Relay) id the API gives a record of `kind`.
pub fn global_id(kind: &str, id: uuid::Uuid) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

/// The letter a fixture named the organisation of `global` (an API id) by.
pub fn letter_of(ids: &std::collections::HashMap<char, uuid::Uuid>, global: &Value) -> char {
    let uuid = uuid_of(global.as_str().expect("an id"));
    *ids.iter()
        .find(|(_, id)| **id == uuid)
        .expect("a fixture organisation")
        .0
}

/// The uuid behind a global id.
pub fn uuid_of(id: &str) -> uuid::Uuid {
    use base64::Engine;
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(id)
        .expect("a global id is base64");
    let text = String::from_utf8(text).expect("a global id is text");
    let (_, uuid) = text.split_once(':').expect("a global id is kind:uuid");
    uuid.parse().expect("a global id ends in a uuid")
}

/// The `extensions.code` of the first error of a response.
pub fn error_code(body: &Value) -> Option<&str> {
    body["errors"][0]["extensions"]["code"].as_str()
}

/// A published-or-not organisation with a name and nothing else, its slug made from the name.
pub fn organisation_record(
    name: &str,
    status: panorama_domain::RecordStatus,
) -> panorama_domain::Organisation {
    use panorama_domain::*;
    Organisation {
        meta: RecordMeta::new(status, Source::Demo),
        name: name.to_owned(),
        slug: name.to_lowercase().replace(' ', "-"),
        short_description: None,
        description: None,
        website: None,
        other_links: vec![],
        logo_url: None,
        organisation_type: None,
        size: None,
        founded_on: None,
        legal_identifiers: vec![],
        place: Place::default(),
        classification: Classification::default(),
        roles: vec![],
        network_memberships: vec![],
        tags: vec![],
    }
}

/// A project with a title and nothing else, its slug made from the title.
pub fn project_record(
    title: &str,
    status: panorama_domain::RecordStatus,
) -> panorama_domain::Project {
    use panorama_domain::*;
    Project {
        meta: RecordMeta::new(status, Source::Demo),
        title: title.to_owned(),
        slug: title.to_lowercase().replace(' ', "-"),
        short_description: None,
        description: None,
        social_impact: None,
        website: None,
        project_status: None,
        start_date: None,
        end_date: None,
        place: Place::default(),
        classification: Classification::default(),
        who_it_helps: vec![],
    }
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

/// A payload's `userErrors` as (dotted field path, code) pairs.
pub fn user_errors(payload: &Value) -> Vec<(String, String)> {
    payload["userErrors"]
        .as_array()
        .unwrap_or_else(|| panic!("no userErrors in {payload}"))
        .iter()
        .map(|e| {
            let field: Vec<&str> = e["field"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            (
                field.join("."),
                e["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}
