//! Configuration in layers: built-in defaults, then a TOML file (`panorama.toml` in the working
//! folder, or the file `PANORAMA_CONFIG` names), then `PANORAMA_`-prefixed environment
//! variables, then `DATABASE_URL`. The result is passed explicitly; nothing reads it globally.

use std::net::SocketAddr;
use std::path::PathBuf;

use config::{Config, Environment, File};
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
            .add_source(file)
            .add_source(Environment::with_prefix("PANORAMA").try_parsing(true))
            .set_override_option("database_url", database_url)?
            .build()?;
        Ok(settings.try_deserialize()?)
    }

    pub fn database_url(&self) -> &str {
        self.database_url.expose_secret()
    }

    pub fn api_options(&self) -> panorama_api::ApiOptions {
        panorama_api::ApiOptions {
            batch_window: std::time::Duration::from_millis(self.batch_window_ms),
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

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("panorama-config-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
