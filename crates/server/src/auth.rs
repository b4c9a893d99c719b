//! The service's keys, token issuer and verifier, built from the auth settings.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use panorama_api::auth::keys::{Jwks, KeySet, SigningKey, VerifyingKey, load_or_generate};
use panorama_api::auth::session::AuthState;
use panorama_api::auth::tokens::{Issuer, TrustedIssuer, Verifier};
use secrecy::ExposeSecret;

use crate::config::AuthSettings;

/// How often the keys of identity providers configured by URL are fetched again.
const JWKS_REFRESH: Duration = Duration::from_secs(600);

/// Keys, issuer and verifier; starts a task that refreshes identity providers' keys fetched
/// from a URL.
pub async fn auth_state(
    settings: &AuthSettings,
    database_url: &str,
) -> anyhow::Result<Arc<AuthState>> {
    let keys = Arc::new(key_set(settings, database_url)?);
    let issuer = Issuer::new(
        Arc::clone(&keys),
        settings.issuer.clone(),
        settings.audience.clone(),
        Duration::from_secs(settings.token_ttl_secs),
    );
    let verifier = verifier(settings, Arc::clone(&keys)).await?;
    let state = Arc::new(AuthState::new(Arc::clone(&keys), issuer, verifier));
    if settings
        .trusted_issuers
        .iter()
        .any(|t| t.jwks_url.is_some())
    {
        spawn_refresh(Arc::clone(&state), settings.clone(), keys);
    }
    Ok(state)
}

fn key_set(settings: &AuthSettings, database_url: &str) -> anyhow::Result<KeySet> {
    let signing = match (&settings.signing_key_pem, &settings.signing_key_file) {
        (Some(pem), _) => {
            SigningKey::from_pem(pem.expose_secret()).context("auth.signing_key_pem")?
        }
        (None, Some(path)) => {
            load_or_generate(path).with_context(|| format!("signing key {}", path.display()))?
        }
        (None, None) => {
            let path = default_key_file(database_url)?;
            load_or_generate(&path).with_context(|| format!("signing key {}", path.display()))?
        }
    };
    let mut previous = Vec::new();
    for path in &settings.verification_key_files {
        let pem = std::fs::read_to_string(path)
            .with_context(|| format!("verification key {}", path.display()))?;
        previous.push(
            VerifyingKey::from_public_pem(&pem)
                .with_context(|| format!("verification key {}", path.display()))?,
        );
    }
    Ok(KeySet::new(signing, previous))
}

/// Beside an SQLite database file. With PostgreSQL there is no such place that every replica
/// shares, so the key must be configured.
fn default_key_file(database_url: &str) -> anyhow::Result<PathBuf> {
    let Some(rest) = database_url.strip_prefix("sqlite:") else {
        bail!(
            "configure auth.signing_key_file or PANORAMA_AUTH__SIGNING_KEY_PEM: replicas over one database must share a signing key"
        );
    };
    let path = rest
        .trim_start_matches("//")
        .split('?')
        .next()
        .unwrap_or_default();
    let directory = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    Ok(directory.join("panorama-signing-key.pem"))
}

async fn verifier(settings: &AuthSettings, keys: Arc<KeySet>) -> anyhow::Result<Verifier> {
    let mut trusted = Vec::new();
    for provider in &settings.trusted_issuers {
        let document = match (&provider.jwks_file, &provider.jwks_url) {
            (Some(path), _) => std::fs::read_to_string(path)
                .with_context(|| format!("JWKS file {}", path.display()))?,
            (None, Some(url)) => fetch(url)
                .await
                .with_context(|| format!("JWKS of {}", provider.issuer))?,
            (None, None) => bail!(
                "trusted issuer {} needs jwks_file or jwks_url",
                provider.issuer
            ),
        };
        let jwks =
            Jwks::parse(&document).with_context(|| format!("JWKS of {}", provider.issuer))?;
        trusted.push(TrustedIssuer::new(
            provider.issuer.clone(),
            provider.audience.clone(),
            jwks.keys,
            provider.roles_claim.clone(),
            provider.organisations_claim.clone(),
        ));
    }
    Ok(Verifier::new(
        settings.issuer.clone(),
        settings.audience.clone(),
        keys,
        trusted,
        Duration::from_secs(settings.leeway_secs),
    ))
}

async fn fetch(url: &str) -> anyhow::Result<String> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    Ok(client
        .get(url)
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?)
}

/// Fetches URL-configured keys again now and then; a failed fetch keeps the keys in use.
fn spawn_refresh(state: Arc<AuthState>, settings: AuthSettings, keys: Arc<KeySet>) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(JWKS_REFRESH).await;
            match verifier(&settings, Arc::clone(&keys)).await {
                Ok(fresh) => state.replace_verifier(fresh),
                Err(error) => {
                    tracing::warn!(%error, "could not refresh identity providers' keys; keeping the current ones")
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_key_lives_beside_the_sqlite_file() {
        assert_eq!(
            default_key_file("sqlite://panorama.db").unwrap(),
            Path::new("./panorama-signing-key.pem")
        );
        assert_eq!(
            default_key_file("sqlite:///var/lib/p/panorama.db?mode=rwc").unwrap(),
            Path::new("/var/lib/p/panorama-signing-key.pem")
        );
        assert!(default_key_file("postgres://localhost/panorama").is_err());
    }
}
