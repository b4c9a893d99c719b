//! Configuration in layers: built-in defaults, then a TOML file (`panorama.toml` in the working
//! folder, or the file `PANORAMA_CONFIG` names), then `PANORAMA_`-prefixed environment
//! variables, then `DATABASE_URL`. The result is passed explicitly; nothing reads it globally.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use config::{Config, Environment, File};
use panorama_api::export::{ExportOptions, Licence, LicenceError};
use panorama_api::http::{CorsOptions, HttpOptions, InvalidOrigin, Origins};
use panorama_persistence::StoreOptions;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://panorama.db";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Deserialize)]
pub struct Settings {
    /// Where the API listens (`PANORAMA_LISTEN`).
    pub listen: SocketAddr,
    /// `sqlite://FILE` or `postgres://…`; may hold a password, so it never prints.
    pub database_url: SecretString,
    /// Load the built-in demo dataset into an empty database at start-up (`PANORAMA_LOAD_DEMO`).
    pub load_demo: bool,
    /// `text` or `json` (`PANORAMA_LOG_FORMAT`).
    pub log_format: LogFormat,
    /// How long DataLoaders collect keys before a batch, in milliseconds
    /// (`PANORAMA_BATCH_WINDOW_MS`).
    pub batch_window_ms: u64,
    /// How often the server looks for changes to published data and, if there were any, reads
    /// the organisation network behind the ecosystem insights again, in seconds
    /// (`PANORAMA_NETWORK_REFRESH_SECS`; 0: only when a request finds it out of date).
    pub network_refresh_secs: u64,
    /// How many days the change feed keeps its events (`PANORAMA_CHANGE_FEED_RETENTION_DAYS`);
    /// a reader must come back within that time to resume from its cursor.
    pub change_feed_retention_days: u64,
    /// The org-id.guide table of lists (CSV with `code` and `deprecated` columns) that the
    /// schemes of legal identifiers are checked against (`PANORAMA_ORG_ID_LISTS_FILE`). Without
    /// it, a built-in list of the most common codes is used.
    #[serde(default)]
    pub org_id_lists_file: Option<PathBuf>,
    /// The licence of the open-data exports, an SPDX identifier (`PANORAMA_EXPORT_LICENCE`).
    pub export_licence: String,
    /// Where the licence's text is (`PANORAMA_EXPORT_LICENCE_URL`); may be left out for the
    /// common open licences (Creative Commons, Open Data Commons).
    #[serde(default)]
    pub export_licence_url: Option<String>,
    /// The waits between webhook attempts (`PANORAMA_WEBHOOK_RETRY_SCHEDULE`), e.g.
    /// `"5s,5m,30m,2h,5h,10h,10h"` (the default, Standard Webhooks' schedule); a number alone
    /// is seconds. After the last, a delivery has failed.
    #[serde(deserialize_with = "retry_schedule")]
    pub webhook_retry_schedule: Vec<Duration>,
    /// How often the webhook worker looks for new events and due deliveries, in milliseconds
    /// (`PANORAMA_WEBHOOK_POLL_INTERVAL_MS`).
    pub webhook_poll_interval_ms: u64,
    /// How long one webhook attempt may take, in seconds (`PANORAMA_WEBHOOK_TIMEOUT_SECS`).
    pub webhook_timeout_secs: u64,
    /// Accept webhook endpoints on private hosts (`localhost`, IP addresses, private networks;
    /// `PANORAMA_WEBHOOK_PRIVATE_HOSTS`). Off by default, so that a partner cannot make the
    /// server call into its own network.
    pub webhook_private_hosts: bool,
    #[serde(default)]
    pub auth: AuthSettings,
    /// What one query may ask for (`PANORAMA_LIMITS__MAX_DEPTH`, `…__MAX_NODES`, …): see
    /// `panorama_api::cost`.
    #[serde(default)]
    pub limits: panorama_api::QueryLimits,
    /// Callers' budgets in cost points (`PANORAMA_RATE_LIMITS__PARTNER_POINTS`, …): see
    /// `panorama_api::rate_limit`.
    #[serde(default)]
    pub rate_limits: panorama_api::rate_limit::RateLimitOptions,
    /// A Redis server through which replicas share the rate limits (`PANORAMA_REDIS_URL`).
    #[serde(default)]
    pub redis_url: Option<SecretString>,
    /// Persisted queries (`PANORAMA_PERSISTED_QUERIES__…`).
    #[serde(default)]
    pub persisted_queries: PersistedQuerySettings,
    /// Timeouts, CORS, compression, metrics (`PANORAMA_HTTP__…`).
    #[serde(default)]
    pub http: HttpSettings,
    /// The connection pool and statement timeout (`PANORAMA_DATABASE__…`).
    #[serde(default)]
    pub database: DatabaseSettings,
}

/// A retry schedule as the settings write it: a list of waits, as text (`"5s,5m,2h"`) or as a
/// list of such texts or of seconds.
fn retry_schedule<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<Duration>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Wait {
        Seconds(u64),
        Text(String),
    }
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Schedule {
        One(Wait),
        List(Vec<Wait>),
    }
    let waits = match Schedule::deserialize(deserializer)? {
        Schedule::One(Wait::Text(text)) => text
            .split(',')
            .filter(|w| !w.trim().is_empty())
            .map(|w| Wait::Text(w.to_owned()))
            .collect(),
        Schedule::One(wait) => vec![wait],
        Schedule::List(waits) => waits,
    };
    waits
        .into_iter()
        .map(|wait| match wait {
            Wait::Seconds(seconds) => wait_of(&seconds.to_string()),
            Wait::Text(text) => wait_of(&text),
        })
        .collect::<Result<_, _>>()
        .map_err(serde::de::Error::custom)
}

/// One wait: a whole number of seconds, or of minutes, hours or days with `m`, `h` or `d`
/// (`s` for seconds may be written too); at least one second.
fn wait_of(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let scale = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => 0,
    };
    match number.parse::<u64>() {
        Ok(n) if n > 0 && scale > 0 => Ok(Duration::from_secs(n.saturating_mul(scale))),
        _ => Err(format!(
            "webhook_retry_schedule: `{text}` is not a wait such as 30s, 5m, 2h or 1d"
        )),
    }
}

/// Automatic persisted queries and the allow-list of registered operations.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct PersistedQuerySettings {
    /// How many queries registered by hash are remembered.
    pub cache_size: usize,
    /// A JSON manifest of registered operations: `{"<sha256>": "<query>"}` or a list of queries.
    pub allow_list_file: Option<PathBuf>,
    /// Run only the operations of the allow-list.
    pub allow_list_only: bool,
}

impl Default for PersistedQuerySettings {
    fn default() -> Self {
        Self {
            cache_size: 1000,
            allow_list_file: None,
            allow_list_only: false,
        }
    }
}

impl PersistedQuerySettings {
    /// The API's options, with the allow-list read and checked.
    pub fn options(&self) -> Result<panorama_api::PersistedQueries, OptionsError> {
        let allow_list = match &self.allow_list_file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| OptionsError::AllowList(format!("{}: {e}", path.display())))?;
                let list = panorama_api::AllowList::from_json(&text)
                    .map_err(|e| OptionsError::AllowList(format!("{}: {e}", path.display())))?;
                Some(std::sync::Arc::new(list))
            }
            None if self.allow_list_only => {
                return Err(OptionsError::AllowList(
                    "allow_list_only needs an allow_list_file".into(),
                ));
            }
            None => None,
        };
        Ok(panorama_api::PersistedQueries {
            cache_size: std::num::NonZeroUsize::new(self.cache_size)
                .unwrap_or(std::num::NonZeroUsize::MIN),
            allow_list,
            allow_list_only: self.allow_list_only,
        })
    }
}

/// Tokens: who signs them, how long they live, which keys and identity providers are trusted.
/// Environment variables reach these as `PANORAMA_AUTH__ISSUER` and so on.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct AuthSettings {
    /// `iss` of the tokens Panorama issues.
    pub issuer: String,
    /// `aud` of the tokens Panorama issues and accepts from itself.
    pub audience: String,
    pub token_ttl_secs: u64,
    /// Clock skew tolerated on `exp` and `nbf`.
    pub leeway_secs: u64,
    /// The signing key as PKCS#8 PEM text (e.g. from a secret store); wins over the file.
    pub signing_key_pem: Option<SecretString>,
    /// A PEM file with the signing key, created with a new key if it does not exist. Default:
    /// `panorama-signing-key.pem` beside an SQLite database; required with PostgreSQL (or the
    /// PEM), since replicas must share one key.
    pub signing_key_file: Option<PathBuf>,
    /// Public keys (PEM files) still accepted: the previous signing keys during a rotation.
    pub verification_key_files: Vec<PathBuf>,
    /// Identity providers whose tokens identify people.
    pub trusted_issuers: Vec<TrustedIssuerSettings>,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            issuer: "panorama".to_owned(),
            audience: "panorama-api".to_owned(),
            token_ttl_secs: 900,
            leeway_secs: 30,
            signing_key_pem: None,
            signing_key_file: None,
            verification_key_files: Vec::new(),
            trusted_issuers: Vec::new(),
        }
    }
}

/// An operator's identity provider, configured in the settings file.
#[derive(Debug, Clone, Deserialize)]
pub struct TrustedIssuerSettings {
    pub issuer: String,
    pub audience: String,
    /// Its keys, from a JWKS file…
    pub jwks_file: Option<PathBuf>,
    /// …or from its JWKS URL, fetched at start-up and every ten minutes.
    pub jwks_url: Option<String>,
    #[serde(default = "default_roles_claim")]
    pub roles_claim: String,
    #[serde(default = "default_organisations_claim")]
    pub organisations_claim: String,
}

fn default_roles_claim() -> String {
    "roles".to_owned()
}

fn default_organisations_claim() -> String {
    "organisations".to_owned()
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(#[from] config::ConfigError);

/// A setting that reads but does not make sense.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum OptionsError {
    #[error("settings export_licence / export_licence_url: {0}")]
    Licence(#[from] LicenceError),
    #[error("setting http.cors_allowed_origins (PANORAMA_HTTP__CORS_ALLOWED_ORIGINS): {0}")]
    Origin(#[from] InvalidOrigin),
    #[error("persisted_queries (PANORAMA_PERSISTED_QUERIES__…): {0}")]
    AllowList(String),
}

/// The HTTP server's settings; environment variables reach them as
/// `PANORAMA_HTTP__REQUEST_TIMEOUT_SECS` and so on.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct HttpSettings {
    /// A request not answered within this gets 503 `TIMEOUT`.
    pub request_timeout_secs: u64,
    /// On SIGTERM, how long requests in flight may take before the server stops anyway.
    pub shutdown_grace_secs: u64,
    /// Browser origins allowed to call the API (`https://map.example.org`), `*` for any; a
    /// list in the file, comma-separated in the environment. Empty: no CORS.
    #[serde(deserialize_with = "list_or_comma_separated")]
    pub cors_allowed_origins: Vec<String>,
    /// How long browsers may cache a preflight answer.
    pub cors_max_age_secs: u64,
    /// Compress responses with gzip or brotli when the client accepts it.
    pub compression: bool,
    /// When set (and not empty), `GET /metrics` requires it as a bearer token.
    pub metrics_token: Option<SecretString>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        let http = HttpOptions::default();
        Self {
            request_timeout_secs: http.request_timeout.as_secs(),
            shutdown_grace_secs: http.shutdown_grace.as_secs(),
            cors_allowed_origins: Vec::new(),
            cors_max_age_secs: 600,
            compression: http.compression,
            metrics_token: None,
        }
    }
}

impl HttpSettings {
    fn options(&self) -> Result<HttpOptions, InvalidOrigin> {
        Ok(HttpOptions {
            request_timeout: Duration::from_secs(self.request_timeout_secs),
            shutdown_grace: Duration::from_secs(self.shutdown_grace_secs),
            cors: CorsOptions {
                origins: Origins::parse(&self.cors_allowed_origins)?,
                max_age: Duration::from_secs(self.cors_max_age_secs),
            },
            compression: self.compression,
            // An empty variable (as compose passes an unset one) means no token.
            metrics_token: self
                .metrics_token
                .as_ref()
                .map(|token| token.expose_secret().trim().to_owned())
                .filter(|token| !token.is_empty()),
        })
    }
}

/// The connection pool; environment variables reach these as
/// `PANORAMA_DATABASE__STATEMENT_TIMEOUT_MS` and so on.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct DatabaseSettings {
    /// The most connections the pool opens; unset: 8 for SQLite, 16 for PostgreSQL.
    pub max_connections: Option<u32>,
    /// How long a request waits for a connection before it fails with `DATABASE_UNAVAILABLE`.
    pub acquire_timeout_ms: u64,
    /// PostgreSQL stops any statement running longer than this; 0: no limit.
    pub statement_timeout_ms: u64,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            max_connections: None,
            acquire_timeout_ms: 2_000,
            statement_timeout_ms: 10_000,
        }
    }
}

impl DatabaseSettings {
    fn options(&self) -> StoreOptions {
        StoreOptions {
            max_connections: self.max_connections,
            acquire_timeout: Duration::from_millis(self.acquire_timeout_ms),
            statement_timeout: (self.statement_timeout_ms > 0)
                .then(|| Duration::from_millis(self.statement_timeout_ms)),
        }
    }
}

/// A list from the settings file, or one string of comma-separated items from the
/// environment.
fn list_or_comma_separated<'de, D>(deserializer: D) -> Result<Vec<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum ListOrString {
        List(Vec<String>),
        String(String),
    }
    Ok(match ListOrString::deserialize(deserializer)? {
        ListOrString::List(items) => items,
        ListOrString::String(text) => text
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

impl Settings {
    /// Reads the layers from the process environment.
    pub fn load() -> Result<Self, ConfigError> {
        let file = std::env::var_os("PANORAMA_CONFIG").map(PathBuf::from);
        Self::from_sources(file, std::env::var("DATABASE_URL").ok())
    }

    fn from_sources(
        file: Option<PathBuf>,
        database_url: Option<String>,
    ) -> Result<Self, ConfigError> {
        let file = match file {
            Some(path) => File::from(path).required(true),
            None => File::with_name("panorama").required(false),
        };
        let settings = Config::builder()
            .set_default("listen", "127.0.0.1:8080")?
            .set_default("database_url", DEFAULT_DATABASE_URL)?
            .set_default("load_demo", true)?
            .set_default("log_format", "text")?
            .set_default("batch_window_ms", 5)?
            .set_default("change_feed_retention_days", 90)?
            .set_default("network_refresh_secs", 10)?
            .set_default("export_licence", "CC-BY-4.0")?
            .set_default("webhook_retry_schedule", "5s,5m,30m,2h,5h,10h,10h")?
            .set_default("webhook_poll_interval_ms", 1000)?
            .set_default("webhook_timeout_secs", 10)?
            .set_default("webhook_private_hosts", false)?
            .add_source(file)
            .add_source(
                Environment::with_prefix("PANORAMA")
                    .prefix_separator("_")
                    .separator("__")
                    .try_parsing(true),
            )
            .set_override_option("database_url", database_url)?
            .build()?;
        Ok(settings.try_deserialize()?)
    }

    pub fn database_url(&self) -> &str {
        self.database_url.expose_secret()
    }

    /// The API's tunables; fails if the export licence or a CORS origin is not usable.
    pub fn api_options(&self) -> Result<panorama_api::ApiOptions, OptionsError> {
        Ok(panorama_api::ApiOptions {
            batch_window: Duration::from_millis(self.batch_window_ms),
            feed_retention: Duration::from_secs(
                self.change_feed_retention_days.saturating_mul(24 * 3600),
            ),
            export: self.export_options()?,
            limits: self.limits,
            rate_limits: self.rate_limits.clone(),
            redis_url: self.redis_url.clone(),
            persisted: self.persisted_queries.options()?,
            webhook_private_hosts: self.webhook_private_hosts,
            http: self.http.options()?,
            network: panorama_api::network_cache::NetworkOptions {
                refresh_every: (self.network_refresh_secs > 0)
                    .then(|| Duration::from_secs(self.network_refresh_secs)),
                ..Default::default()
            },
        })
    }

    /// How the server's connection pool behaves.
    pub fn store_options(&self) -> StoreOptions {
        self.database.options()
    }

    /// How exports are made: the configured licence, checked, and the default page size.
    pub fn export_options(&self) -> Result<ExportOptions, LicenceError> {
        let licence = Licence::resolve(&self.export_licence, self.export_licence_url.as_deref())?;
        Ok(ExportOptions {
            licence: std::sync::Arc::new(licence),
            ..ExportOptions::default()
        })
    }

    pub fn webhook_options(&self) -> crate::webhooks::WebhookOptions {
        crate::webhooks::WebhookOptions {
            poll_interval: Duration::from_millis(self.webhook_poll_interval_ms.max(10)),
            retry_schedule: self.webhook_retry_schedule.clone(),
            attempt_timeout: Duration::from_secs(self.webhook_timeout_secs.max(1)),
            private_hosts: self.webhook_private_hosts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_overrides_the_file_and_never_prints() {
        let dir = tempfile_dir();
        let path = dir.join("panorama.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9999\"\ndatabase_url = \"sqlite://file.db\"\n",
        )
        .unwrap();
        let settings = Settings::from_sources(Some(path.clone()), None).unwrap();
        assert_eq!(settings.listen.port(), 9999);
        assert_eq!(settings.database_url(), "sqlite://file.db");
        let settings =
            Settings::from_sources(Some(path), Some("postgres://u:secret@h/db".into())).unwrap();
        assert_eq!(settings.database_url(), "postgres://u:secret@h/db");
        assert!(!format!("{settings:?}").contains("secret@"));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn org_id_lists_file_is_optional() {
        let dir = tempfile_dir();
        let path = dir.join("panorama.toml");
        std::fs::write(&path, "").unwrap();
        let settings = Settings::from_sources(Some(path.clone()), None).unwrap();
        assert_eq!(settings.org_id_lists_file, None);
        std::fs::write(&path, "org_id_lists_file = \"data/org-id-lists.csv\"\n").unwrap();
        let settings = Settings::from_sources(Some(path), None).unwrap();
        assert_eq!(
            settings.org_id_lists_file,
            Some(PathBuf::from("data/org-id-lists.csv"))
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_export_licence_defaults_to_cc_by_and_is_checked() {
        let dir = tempfile_dir();
        let path = dir.join("panorama.toml");
        std::fs::write(&path, "").unwrap();
        let settings = Settings::from_sources(Some(path.clone()), None).unwrap();
        let licence = settings.export_options().unwrap().licence;
        assert_eq!(licence.name, "CC-BY-4.0");
        assert_eq!(licence.url, "https://creativecommons.org/licenses/by/4.0/");

        std::fs::write(&path, "export_licence = \"CC-BY-NC-SA-4.0\"\n").unwrap();
        let settings = Settings::from_sources(Some(path.clone()), None).unwrap();
        let licence = settings.export_options().unwrap().licence;
        assert_eq!(
            licence.url,
            "https://creativecommons.org/licenses/by-nc-sa/4.0/"
        );

        std::fs::write(&path, "export_licence = \"LicenseRef-Ours\"\n").unwrap();
        let settings = Settings::from_sources(Some(path), None).unwrap();
        assert_eq!(
            settings.api_options().unwrap_err(),
            OptionsError::Licence(LicenceError::UnknownWithoutUrl("LicenseRef-Ours".into()))
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn serving_settings_have_defaults_and_read_from_the_file() {
        let dir = tempfile_dir();
        let path = dir.join("panorama.toml");
        std::fs::write(&path, "").unwrap();
        let settings = Settings::from_sources(Some(path.clone()), None).unwrap();
        let http = settings.api_options().unwrap().http;
        assert_eq!(http.request_timeout, Duration::from_secs(30));
        assert_eq!(http.cors.origins, Origins::None);
        assert!(http.compression);
        assert!(http.metrics_token.is_none());
        let store = settings.store_options();
        assert_eq!(store.acquire_timeout, Duration::from_secs(2));
        assert_eq!(store.statement_timeout, Some(Duration::from_secs(10)));

        std::fs::write(
            &path,
            r#"
[http]
request_timeout_secs = 5
shutdown_grace_secs = 7
cors_allowed_origins = ["https://map.example.org", "http://localhost:5173"]
compression = false
metrics_token = "scrape-secret"

[database]
max_connections = 32
acquire_timeout_ms = 500
statement_timeout_ms = 0
"#,
        )
        .unwrap();
        let settings = Settings::from_sources(Some(path.clone()), None).unwrap();
        assert!(!format!("{settings:?}").contains("scrape-secret"));
        let http = settings.api_options().unwrap().http;
        assert!(!format!("{http:?}").contains("scrape-secret"));
        assert_eq!(http.request_timeout, Duration::from_secs(5));
        assert_eq!(http.shutdown_grace, Duration::from_secs(7));
        assert!(matches!(&http.cors.origins, Origins::List(list) if list.len() == 2));
        assert!(!http.compression);
        assert_eq!(http.metrics_token.as_deref(), Some("scrape-secret"));
        let store = settings.store_options();
        assert_eq!(
            store,
            StoreOptions {
                max_connections: Some(32),
                acquire_timeout: Duration::from_millis(500),
                statement_timeout: None,
            }
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn cors_origins_may_be_one_comma_separated_string_and_are_checked() {
        let dir = tempfile_dir();
        let path = dir.join("panorama.toml");
        // The form environment variables take.
        std::fs::write(
            &path,
            "[http]\ncors_allowed_origins = \"https://a.example, https://b.example\"\n",
        )
        .unwrap();
        let settings = Settings::from_sources(Some(path.clone()), None).unwrap();
        assert_eq!(
            settings.http.cors_allowed_origins,
            ["https://a.example", "https://b.example"]
        );
        std::fs::write(&path, "[http]\ncors_allowed_origins = \"*\"\n").unwrap();
        let settings = Settings::from_sources(Some(path.clone()), None).unwrap();
        assert_eq!(
            settings.api_options().unwrap().http.cors.origins,
            Origins::Any
        );

        std::fs::write(&path, "[http]\ncors_allowed_origins = \"a.example\"\n").unwrap();
        let settings = Settings::from_sources(Some(path), None).unwrap();
        assert_eq!(
            settings.api_options().unwrap_err(),
            OptionsError::Origin(InvalidOrigin("a.example".into()))
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_retry_schedule_defaults_to_standard_webhooks_and_reads_text_or_lists() {
        let dir = tempfile_dir();
        let path = dir.join("panorama.toml");
        std::fs::write(&path, "").unwrap();
        let settings = Settings::from_sources(Some(path.clone()), None).unwrap();
        assert_eq!(
            settings.webhook_retry_schedule,
            panorama_domain::webhook::DEFAULT_RETRY_SCHEDULE
        );
        let options = settings.webhook_options();
        assert_eq!(options.attempt_timeout, Duration::from_secs(10));
        assert!(!options.private_hosts);
        for (text, seconds) in [
            (
                "webhook_retry_schedule = \"1s, 2m,1h,1d\"",
                vec![1, 120, 3600, 86_400],
            ),
            (
                "webhook_retry_schedule = [1, \"3\", \"2m\"]",
                vec![1, 3, 120],
            ),
            ("webhook_retry_schedule = 7", vec![7]),
            ("webhook_retry_schedule = \"\"", vec![]),
        ] {
            std::fs::write(&path, text).unwrap();
            let settings = Settings::from_sources(Some(path.clone()), None).unwrap();
            let expected: Vec<Duration> = seconds.into_iter().map(Duration::from_secs).collect();
            assert_eq!(settings.webhook_retry_schedule, expected, "{text}");
        }
        for text in ["\"0s\"", "\"5x\"", "\"-1\"", "\"m\""] {
            std::fs::write(&path, format!("webhook_retry_schedule = {text}")).unwrap();
            let error = Settings::from_sources(Some(path.clone()), None).unwrap_err();
            assert!(
                error.to_string().contains("webhook_retry_schedule"),
                "{error}"
            );
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("panorama-config-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
