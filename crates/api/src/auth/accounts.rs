//! Managing partner accounts' API clients, for the command line and the admin mutations alike.

use std::collections::BTreeSet;

use panorama_domain::partner::ApiClient;
use panorama_domain::policy::Scope;
use panorama_persistence::{Store, StoreError};
use uuid::Uuid;

use super::secrets::{HashError, new_credentials};

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Hash(#[from] HashError),
}

/// A new API client and its secret, which is shown this once and never stored in clear.
pub struct IssuedClient {
    pub client: ApiClient,
    pub secret: String,
}

/// Gives a partner a new API client with `scopes`.
pub async fn add_client(
    store: &Store,
    partner_id: Uuid,
    scopes: &BTreeSet<Scope>,
) -> Result<IssuedClient, AccountError> {
    let credentials = new_credentials()?;
    let client = store
        .add_api_client(
            partner_id,
            credentials.client_id,
            credentials.secret_hash,
            scopes,
        )
        .await?;
    Ok(IssuedClient {
        client,
        secret: credentials.secret,
    })
}
