//! API client credentials: a public client id and a secret that is shown once and stored only
//! as a slow, salted argon2 hash.

use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A newly made client id and secret. The secret exists in clear only here.
pub struct NewCredentials {
    pub client_id: String,
    pub secret: String,
    pub secret_hash: String,
}

fn random_token(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buffer);
    URL_SAFE_NO_PAD.encode(buffer)
}

/// A webhook signing secret: `whsec_` and 32 random bytes in base64. Unlike a client secret it
/// is kept in clear, since every delivery is signed with it.
pub fn new_webhook_secret() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    panorama_domain::webhook::secret_from_bytes(&bytes)
}

#[derive(Debug, thiserror::Error)]
#[error("could not hash the secret: {0}")]
pub struct HashError(String);

/// A client id (`pc_` and 16 random bytes) and a secret of 32 random bytes, with its hash.
pub fn new_credentials() -> Result<NewCredentials, HashError> {
    let secret = random_token(32);
    let secret_hash = hash_secret(&secret)?;
    Ok(NewCredentials {
        client_id: format!("pc_{}", random_token(16)),
        secret,
        secret_hash,
    })
}

pub fn hash_secret(secret: &str) -> Result<String, HashError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Whether `secret` matches the stored hash (constant-time inside argon2).
pub fn verify_secret(secret: &str, secret_hash: &str) -> bool {
    PasswordHash::new(secret_hash).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(secret.as_bytes(), &hash)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_verify_against_their_hash_only() {
        let made = new_credentials().unwrap();
        assert!(made.client_id.starts_with("pc_"));
        assert!(made.secret.len() >= 43);
        assert!(made.secret_hash.starts_with("$argon2id$"));
        assert!(!made.secret_hash.contains(&made.secret));
        assert!(verify_secret(&made.secret, &made.secret_hash));
        assert!(!verify_secret("wrong", &made.secret_hash));
        assert!(!verify_secret(&made.secret, "not a hash"));
    }
}
