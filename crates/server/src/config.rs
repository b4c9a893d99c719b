//! Configuration in layers: built-in defaults, then a TOML file (`panorama.toml` in the working
//! folder, or the file `PANORAMA_CONFIG` names), then `PANORAMA_`-prefixed environment
//! variables, then `DATABASE_URL`. The result is passed explicitly; nothing reads it globally.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use config::{Config, Environment, File};
use panorama_api::export::{ExportOptions, Licence, LicenceError};
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

    /// The API's tunables; fails if the export licence is not usable.
    pub fn api_options(&self) -> Result<panorama_api::ApiOptions, LicenceError> {
        Ok(panorama_api::ApiOptions {
            batch_window: std::time::Duration::from_millis(self.batch_window_ms),
            feed_retention: std::time::Duration::from_secs(
                self.change_feed_retention_days.saturating_mul(24 * 3600),
            ),
            export: self.export_options()?,
            limits: self.limits,
            webhook_private_hosts: self.webhook_private_hosts,
        })
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
            LicenceError::UnknownWithoutUrl("LicenseRef-Ours".into())
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
