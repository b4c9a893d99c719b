//! Who a request comes from: the bearer token, verified once per request and turned into an
//! [`Actor`] for the policy functions. A missing token is an anonymous caller, not an error;
//! any token that does not verify is refused whole, however it fails.

use std::collections::BTreeSet;
use std::sync::{Arc, RwLock};

use panorama_domain::partner::PartnerStatus;
use panorama_domain::policy::{Actor, Caller, PartnerRef, ReadScope, Role, Scope};
use panorama_persistence::{Store, StoreError};
use uuid::Uuid;

use super::keys::KeySet;
use super::tokens::{AuthError, Issuer, VerifiedToken, Verifier};

/// Keys, issuer and verifier of a running service.
pub struct AuthState {
    pub keys: Arc<KeySet>,
    pub issuer: Issuer,
    /// Swapped whole when a trusted issuer's keys are refreshed.
    verifier: RwLock<Arc<Verifier>>,
}

impl AuthState {
    pub fn new(keys: Arc<KeySet>, issuer: Issuer, verifier: Verifier) -> Self {
        Self {
            keys,
            issuer,
            verifier: RwLock::new(Arc::new(verifier)),
        }
    }

    pub fn verifier(&self) -> Arc<Verifier> {
        match self.verifier.read() {
            Ok(guard) => Arc::clone(&guard),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Replaces the verifier, e.g. with freshly fetched identity-provider keys.
    pub fn replace_verifier(&self, verifier: Verifier) {
        let fresh = Arc::new(verifier);
        match self.verifier.write() {
            Ok(mut guard) => *guard = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
    }
}

/// Why a request's credentials were refused. All of them are answered alike.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("the Authorization header is not `Bearer <token>`")]
    NotBearer,
    #[error(transparent)]
    Token(#[from] AuthError),
    #[error("the API client is unknown or revoked")]
    ClientRevoked,
    #[error("the partner is suspended")]
    PartnerSuspended,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The actor behind an `Authorization` header value, if any.
pub async fn authenticate(
    auth: &AuthState,
    store: &Store,
    header: Option<&str>,
) -> Result<Actor, Refusal> {
    let Some(header) = header else {
        return Ok(Actor::Anonymous);
    };
    let token = header
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(Refusal::NotBearer)?;
    match auth.verifier().verify(token)? {
        VerifiedToken::Partner {
            client_id,
            partner_id,
            scopes,
            ..
        } => partner_caller(store, client_id, partner_id, &scopes).await,
        VerifiedToken::User {
            subject,
            roles,
            organisations,
            scopes,
            ..
        } => user_caller(store, subject, &roles, &organisations, &scopes).await,
    }
}

/// A partner's token counts only while its client is not revoked and its partner is active;
/// its scopes are narrowed to what the client may still ask for.
async fn partner_caller(
    store: &Store,
    client_id: String,
    partner_id: Uuid,
    scopes: &[String],
) -> Result<Actor, Refusal> {
    let credentials = store
        .client_credentials(&client_id)
        .await?
        .ok_or(Refusal::ClientRevoked)?;
    if credentials.client.is_revoked() || credentials.partner.id != partner_id {
        return Err(Refusal::ClientRevoked);
    }
    if credentials.partner.status != PartnerStatus::Active {
        return Err(Refusal::PartnerSuspended);
    }
    let scopes = known_scopes(scopes)
        .intersection(&credentials.client.scopes)
        .copied()
        .collect();
    let partner = credentials.partner;
    Ok(Actor::Caller(Caller {
        role: Role::Partner,
        subject: client_id,
        partner: Some(PartnerRef {
            id: partner.id,
            kind: partner.kind,
            organisation: partner.organisation_id,
            trusted: partner.trusted,
        }),
        organisations: Vec::new(),
        scopes,
    }))
}

/// A person from the operator's identity provider: the highest role it names (a person with no
/// known role is a member), the scopes of that role narrowed by the token's own `scope` claim,
/// and the organisations it belongs to, named by id or slug.
async fn user_caller(
    store: &Store,
    subject: String,
    roles: &[String],
    organisations: &[String],
    scopes: &[String],
) -> Result<Actor, Refusal> {
    let role = user_role(roles);
    let granted = role_scopes(role);
    let scopes = if scopes.is_empty() {
        granted
    } else {
        known_scopes(scopes)
            .intersection(&granted)
            .copied()
            .collect()
    };
    Ok(Actor::Caller(Caller {
        role,
        subject,
        partner: None,
        organisations: organisation_ids(store, organisations).await?,
        scopes,
    }))
}

pub fn user_role(roles: &[String]) -> Role {
    roles
        .iter()
        .filter_map(|r| match r.to_ascii_lowercase().as_str() {
            "admin" | "panorama-admin" => Some(Role::Admin),
            "moderator" | "panorama-moderator" => Some(Role::Moderator),
            "member" | "panorama-member" => Some(Role::Member),
            _ => None,
        })
        .max()
        .unwrap_or(Role::Member)
}

/// The scopes a role's people get when their token does not narrow them.
pub fn role_scopes(role: Role) -> BTreeSet<Scope> {
    let mut scopes = BTreeSet::from([Scope::EcosystemRead, Scope::EcosystemWrite]);
    match role {
        Role::Moderator => {
            scopes.insert(Scope::Moderate);
        }
        Role::Admin => scopes.extend(Scope::ALL),
        _ => {}
    }
    scopes
}

/// Known scopes among `names`; unknown ones grant nothing.
fn known_scopes(names: &[String]) -> BTreeSet<Scope> {
    names.iter().filter_map(|n| Scope::from_code(n)).collect()
}

/// Organisation ids from a membership claim holding ids or slugs; unknown ones are dropped.
async fn organisation_ids(store: &Store, values: &[String]) -> Result<Vec<Uuid>, StoreError> {
    let mut ids: Vec<Uuid> = values.iter().filter_map(|v| v.parse().ok()).collect();
    let slugs: Vec<String> = values
        .iter()
        .filter(|v| v.parse::<Uuid>().is_err())
        .cloned()
        .collect();
    if !slugs.is_empty() {
        let found = store
            .organisations_by_slug(&ReadScope::Everything, &slugs)
            .await?;
        ids.extend(found.values().map(|o| o.meta.id));
    }
    // A person who belonged to an organisation since merged belongs to the survivor.
    let redirects = store.redirects(&ids).await?;
    for id in &mut ids {
        if let Some(survivor) = redirects.get(id) {
            *id = *survivor;
        }
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_highest_known_role_wins_and_scopes_follow_it() {
        let roles = |r: &[&str]| user_role(&r.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(roles(&[]), Role::Member);
        assert_eq!(roles(&["staff", "Moderator"]), Role::Moderator);
        assert_eq!(roles(&["member", "admin"]), Role::Admin);
        assert!(!role_scopes(Role::Member).contains(&Scope::Moderate));
        assert!(role_scopes(Role::Moderator).contains(&Scope::Moderate));
        assert!(role_scopes(Role::Admin).contains(&Scope::Admin));
    }
}
