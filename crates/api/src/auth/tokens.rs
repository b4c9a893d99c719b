//! Issuing Panorama's own access tokens (for partners' API clients) and verifying every bearer
//! token, Panorama's own or one from a trusted identity provider.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::keys::{KeySet, SigningKey, VerifyingKey};

/// Longest token accepted: real tokens are far shorter, and a cap keeps a hostile caller from
/// making the server decode megabytes of base64 before rejecting them.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// Longest attacker-supplied value (issuer, kid, alg) copied into an error, so logs stay readable.
const MAX_ECHO_LEN: usize = 64;

/// Claims a local token must carry: `nbf` too, because Panorama always writes it.
const LOCAL_REQUIRED_CLAIMS: [&str; 5] = ["exp", "nbf", "iss", "aud", "sub"];

/// Claims a token from an identity provider must carry.
const TRUSTED_REQUIRED_CLAIMS: [&str; 4] = ["exp", "iss", "aud", "sub"];

/// Algorithms any bearer token may use; everything else (`none`, HMAC, …) is refused up front.
const ALLOWED_ALGORITHMS: [Algorithm; 2] = [Algorithm::EdDSA, Algorithm::RS256];

/// What a partner's API client was granted, to be written into its access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerGrant {
    /// The API client's id; becomes the token's `sub`.
    pub client_id: String,
    /// The partner account the client belongs to.
    pub partner_id: Uuid,
    /// The scopes granted, each an RFC 6749 scope token.
    pub scopes: Vec<String>,
}

/// An access token as the token endpoint returns it.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// The signed JWT.
    pub access_token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
    /// The granted scopes, space-separated.
    pub scope: String,
}

impl fmt::Debug for IssuedToken {
    /// Hides the token itself: it is a bearer credential and must not reach logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("access_token", &"[redacted]")
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .finish()
    }
}

/// Why a token could not be issued.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The system clock reads before 1970.
    #[error("the system clock is set before 1970")]
    Clock,
    /// The operating system could not supply randomness for the `jti`.
    #[error("the operating system's random number generator failed: {0}")]
    Random(String),
    /// A scope contains characters RFC 6749 §3.3 does not allow (a space would split it in two).
    #[error("{0:?} is not a valid OAuth scope")]
    InvalidScope(String),
    /// `jsonwebtoken` could not sign (the header's algorithm does not fit the key, …).
    #[error("the token could not be signed: {0}")]
    Signing(#[from] jsonwebtoken::errors::Error),
}

/// The claims of a token Panorama issues.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct LocalClaims {
    iss: String,
    aud: String,
    sub: String,
    iat: u64,
    nbf: u64,
    exp: u64,
    jti: Uuid,
    #[serde(default)]
    scope: String,
    partner_id: Uuid,
}

/// Signs access tokens for partners' API clients with the current key of a [`KeySet`].
#[derive(Debug, Clone)]
pub struct Issuer {
    keys: Arc<KeySet>,
    issuer: String,
    audience: String,
    ttl: Duration,
}

impl Issuer {
    /// An issuer writing `iss` = `issuer` and `aud` = `audience`, tokens living `ttl`.
    pub fn new(
        keys: Arc<KeySet>,
        issuer: impl Into<String>,
        audience: impl Into<String>,
        ttl: Duration,
    ) -> Self {
        Self {
            keys,
            issuer: issuer.into(),
            audience: audience.into(),
            ttl,
        }
    }

    /// Signs a token for the grant: EdDSA, with the signing key's `kid`, valid from now for the ttl.
    pub fn issue(&self, grant: PartnerGrant) -> Result<IssuedToken, TokenError> {
        self.issue_at(grant, unix_now()?)
    }

    fn issue_at(&self, grant: PartnerGrant, now: u64) -> Result<IssuedToken, TokenError> {
        let scope = join_scopes(&grant.scopes)?;
        let expires_in = self.ttl.as_secs();
        let claims = LocalClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: grant.client_id,
            iat: now,
            nbf: now,
            exp: now.saturating_add(expires_in),
            jti: random_uuid()?,
            scope: scope.clone(),
            partner_id: grant.partner_id,
        };
        let signing = self.keys.signing_key();
        let access_token = sign(signing, &local_header(signing), &claims)?;
        Ok(IssuedToken {
            access_token,
            expires_in,
            scope,
        })
    }
}

/// The header of a local token: `alg: EdDSA`, `typ: JWT`, and the key's `kid`.
fn local_header(key: &SigningKey) -> Header {
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(key.kid().to_owned());
    header
}

/// Joins scopes with spaces after checking each is an RFC 6749 §3.3 scope token.
fn join_scopes(scopes: &[String]) -> Result<String, TokenError> {
    if let Some(bad) = scopes.iter().find(|s| !is_scope_token(s)) {
        return Err(TokenError::InvalidScope(bad.clone()));
    }
    Ok(scopes.join(" "))
}

fn is_scope_token(scope: &str) -> bool {
    !scope.is_empty()
        && scope
            .bytes()
            .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b))
}

/// Signs arbitrary claims under an arbitrary header with a real key, for test suites that need
/// malformed, expired or otherwise unusual tokens. The header is used as given (set its `kid`).
pub fn sign_raw(key: &SigningKey, header: &Header, claims: &Value) -> Result<String, TokenError> {
    sign(key, header, claims)
}

fn sign<T: Serialize>(key: &SigningKey, header: &Header, claims: &T) -> Result<String, TokenError> {
    Ok(jsonwebtoken::encode(header, claims, key.encoding_key())?)
}

fn unix_now() -> Result<u64, TokenError> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| TokenError::Clock)
}

/// A version 4 UUID from the operating system's CSPRNG, so a `jti` cannot be guessed.
fn random_uuid() -> Result<Uuid, TokenError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| TokenError::Random(e.to_string()))?;
    Ok(uuid::Builder::from_random_bytes(bytes).into_uuid())
}

/// An operator's identity provider whose tokens identify human users.
#[derive(Debug, Clone)]
pub struct TrustedIssuer {
    issuer: String,
    audience: String,
    keys: Vec<VerifyingKey>,
    roles_claim: String,
    organisations_claim: String,
}

impl TrustedIssuer {
    /// An identity provider with its `iss`, the `aud` its tokens must name for Panorama, its public
    /// keys, and the claims holding roles and organisation memberships. A claim name may be a
    /// dotted path into nested objects, such as Keycloak's `realm_access.roles`.
    pub fn new(
        issuer: impl Into<String>,
        audience: impl Into<String>,
        keys: Vec<VerifyingKey>,
        roles_claim: impl Into<String>,
        organisations_claim: impl Into<String>,
    ) -> Self {
        Self {
            issuer: issuer.into(),
            audience: audience.into(),
            keys,
            roles_claim: roles_claim.into(),
            organisations_claim: organisations_claim.into(),
        }
    }

    /// The `iss` this provider writes.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The provider's keys.
    pub fn keys(&self) -> &[VerifyingKey] {
        &self.keys
    }

    /// Chooses the key by `kid`; without a kid, only a provider with a single key is unambiguous.
    fn key_for(&self, kid: Option<&str>) -> Result<&VerifyingKey, AuthError> {
        match (kid, self.keys.as_slice()) {
            (Some(kid), keys) => keys
                .iter()
                .find(|key| key.kid() == kid)
                .ok_or_else(|| AuthError::UnknownKid(echo(kid))),
            (None, [only]) => Ok(only),
            (None, _) => Err(AuthError::MissingKid),
        }
    }

    fn verify(
        &self,
        token: &str,
        unverified: &Unverified,
        leeway: u64,
    ) -> Result<VerifiedToken, AuthError> {
        require_allowed_algorithm(&unverified.alg)?;
        let key = self.key_for(unverified.kid.as_deref())?;
        require_algorithm(&unverified.alg, key.algorithm())?;
        let validation = validation(
            key.algorithm(),
            &self.issuer,
            &self.audience,
            leeway,
            &TRUSTED_REQUIRED_CLAIMS,
        );
        let data =
            jsonwebtoken::decode::<Map<String, Value>>(token, key.decoding_key(), &validation)
                .map_err(AuthError::from_jwt)?;
        self.user_from(&Value::Object(data.claims))
    }

    fn user_from(&self, claims: &Value) -> Result<VerifiedToken, AuthError> {
        let subject = claims
            .get("sub")
            .and_then(Value::as_str)
            .ok_or_else(|| AuthError::InvalidClaim("sub".into()))?;
        Ok(VerifiedToken::User {
            issuer: self.issuer.clone(),
            subject: subject.to_owned(),
            roles: claim_strings(claims, &self.roles_claim)?,
            organisations: claim_strings(claims, &self.organisations_claim)?,
            scopes: claim_strings(claims, "scope")?,
        })
    }
}

/// The list of strings at a claim: absent is empty; a string is split on spaces and commas; an
/// array must hold only strings; an object gives its keys (Keycloak's `organization` claim).
fn claim_strings(claims: &Value, path: &str) -> Result<Vec<String>, AuthError> {
    let invalid = || AuthError::InvalidClaim(path.to_owned());
    match claim_at(claims, path) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(list)) => Ok(list
            .split([' ', ','])
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().map(str::to_owned).ok_or_else(invalid))
            .collect(),
        Some(Value::Object(map)) => Ok(map.keys().cloned().collect()),
        Some(_) => Err(invalid()),
    }
}

/// The value at a claim name, or else at a dotted path. The whole name is tried first because
/// namespaced claims such as `https://example.org/roles` contain dots themselves.
fn claim_at<'a>(claims: &'a Value, path: &str) -> Option<&'a Value> {
    claims.get(path).or_else(|| {
        path.split('.')
            .try_fold(claims, |value, step| value.get(step))
    })
}

/// Who a verified token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifiedToken {
    /// A partner's API client, from a token Panorama issued.
    Partner {
        /// The client's id (`sub`).
        client_id: String,
        /// The partner account.
        partner_id: Uuid,
        /// The scopes the token carries.
        scopes: Vec<String>,
        /// The token's id, for revocation and audit.
        jti: Uuid,
        /// When the token expires.
        expires_at: DateTime<Utc>,
    },
    /// A human user, from a trusted identity provider's token.
    User {
        /// The provider's `iss`.
        issuer: String,
        /// The user's id at the provider (`sub`).
        subject: String,
        /// Roles from the provider's roles claim.
        roles: Vec<String>,
        /// Organisations from the provider's organisations claim.
        organisations: Vec<String>,
        /// Scopes from a `scope` claim, if any.
        scopes: Vec<String>,
    },
}

/// Which check a token failed. Meant for logs: callers answer every failure alike
/// (UNAUTHENTICATED), so an attacker learns nothing from the difference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// Longer than [`MAX_TOKEN_LEN`].
    #[error("the token is longer than {MAX_TOKEN_LEN} bytes")]
    TooLong,
    /// Not three base64url parts with a JSON header and payload.
    #[error("the token is malformed: {0}")]
    Malformed(String),
    /// The header names an algorithm not pinned for this issuer and key.
    #[error("algorithm {0:?} is not allowed")]
    AlgorithmNotAllowed(String),
    /// The `iss` is neither Panorama nor a trusted identity provider.
    #[error("issuer {0:?} is not trusted")]
    UnknownIssuer(String),
    /// The `kid` names no key of the issuer.
    #[error("no key with kid {0:?}")]
    UnknownKid(String),
    /// The token names no `kid` and the key cannot be inferred.
    #[error("the token names no kid and its issuer has not exactly one key")]
    MissingKid,
    /// The signature does not match the header and payload.
    #[error("the signature does not verify")]
    BadSignature,
    /// `exp` is past, beyond the leeway.
    #[error("the token has expired")]
    Expired,
    /// `nbf` is ahead, beyond the leeway.
    #[error("the token is not valid yet")]
    NotYetValid,
    /// `iss` does not match the issuer whose key verified it.
    #[error("the token's issuer does not match")]
    WrongIssuer,
    /// `aud` does not name this service.
    #[error("the token is meant for another audience")]
    WrongAudience,
    /// A required claim is absent.
    #[error("required claim {0:?} is missing")]
    MissingClaim(String),
    /// A claim has the wrong type or value.
    #[error("claim {0:?} is malformed")]
    InvalidClaim(String),
    /// Any other refusal by `jsonwebtoken`.
    #[error("the token was rejected: {0}")]
    Rejected(String),
}

impl AuthError {
    fn from_jwt(error: jsonwebtoken::errors::Error) -> Self {
        match error.into_kind() {
            ErrorKind::InvalidSignature => Self::BadSignature,
            ErrorKind::ExpiredSignature => Self::Expired,
            ErrorKind::ImmatureSignature => Self::NotYetValid,
            ErrorKind::InvalidIssuer => Self::WrongIssuer,
            ErrorKind::InvalidAudience => Self::WrongAudience,
            ErrorKind::MissingRequiredClaim(claim) => Self::MissingClaim(claim),
            ErrorKind::InvalidClaimFormat(claim) => Self::InvalidClaim(claim),
            ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
                Self::AlgorithmNotAllowed("(header)".into())
            }
            ErrorKind::Json(e) => Self::Malformed(format!("claims: {e}")),
            ErrorKind::InvalidToken | ErrorKind::Base64(_) | ErrorKind::Utf8(_) => {
                Self::Malformed("not a compact JWS".into())
            }
            other => Self::Rejected(format!("{other:?}")),
        }
    }
}

/// Copies an attacker-supplied value into an error, cut short; `{:?}` in the messages escapes it.
fn echo(value: &str) -> String {
    value.chars().take(MAX_ECHO_LEN).collect()
}

/// The header's `alg` and `kid` and the payload's `iss`, read WITHOUT any check. They only choose
/// which key set and key to try; the full verification that follows decides.
struct Unverified {
    alg: String,
    kid: Option<String>,
    iss: String,
}

impl Unverified {
    fn read(token: &str) -> Result<Self, AuthError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(AuthError::TooLong);
        }
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(_), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(AuthError::Malformed("not three dot-separated parts".into()));
        };
        let header = decode_part(header, "header")?;
        let payload = decode_part(payload, "payload")?;
        Ok(Self {
            alg: string_member(&header, "alg")?
                .ok_or_else(|| AuthError::Malformed("the header has no alg".into()))?,
            kid: string_member(&header, "kid")?,
            iss: string_member(&payload, "iss")?
                .ok_or_else(|| AuthError::MissingClaim("iss".into()))?,
        })
    }
}

fn decode_part(part: &str, name: &str) -> Result<Map<String, Value>, AuthError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| AuthError::Malformed(format!("the {name} is not base64url")))?;
    serde_json::from_slice(&bytes)
        .map_err(|_| AuthError::Malformed(format!("the {name} is not a JSON object")))
}

fn string_member(object: &Map<String, Value>, name: &str) -> Result<Option<String>, AuthError> {
    match object.get(name) {
        None => Ok(None),
        Some(Value::String(value)) => Ok(Some(value.clone())),
        Some(_) => Err(AuthError::InvalidClaim(name.to_owned())),
    }
}

/// Refuses any algorithm but EdDSA and RS256 before a key is even looked up.
fn require_allowed_algorithm(alg: &str) -> Result<(), AuthError> {
    match alg.parse::<Algorithm>() {
        Ok(parsed) if ALLOWED_ALGORITHMS.contains(&parsed) => Ok(()),
        _ => Err(AuthError::AlgorithmNotAllowed(echo(alg))),
    }
}

/// Refuses a token whose `alg` is not exactly the one pinned for the key (or issuer).
fn require_algorithm(alg: &str, expected: Algorithm) -> Result<(), AuthError> {
    match alg.parse::<Algorithm>() {
        Ok(parsed) if parsed == expected => Ok(()),
        _ => Err(AuthError::AlgorithmNotAllowed(echo(alg))),
    }
}

/// The checks `jsonwebtoken` applies: one algorithm, issuer, audience, `exp` and `nbf` with leeway,
/// and the claims that must be present.
fn validation(
    algorithm: Algorithm,
    issuer: &str,
    audience: &str,
    leeway: u64,
    required: &[&str],
) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.leeway = leeway;
    validation.validate_exp = true;
    validation.validate_nbf = true;
    validation.validate_aud = true;
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(required);
    validation
}

/// Checks bearer tokens: Panorama's own (EdDSA, keys of the local [`KeySet`]) and those of the
/// trusted identity providers (each with its own keys and pinned algorithms).
#[derive(Debug, Clone)]
pub struct Verifier {
    local_issuer: String,
    local_audience: String,
    local_keys: Arc<KeySet>,
    trusted: Vec<TrustedIssuer>,
    leeway: Duration,
}

impl Verifier {
    /// A verifier for Panorama's own tokens (`local_issuer`, `local_audience`, `local_keys`) and the
    /// trusted providers' tokens, tolerating `leeway` of clock skew on `exp` and `nbf`.
    pub fn new(
        local_issuer: impl Into<String>,
        local_audience: impl Into<String>,
        local_keys: Arc<KeySet>,
        trusted: Vec<TrustedIssuer>,
        leeway: Duration,
    ) -> Self {
        Self {
            local_issuer: local_issuer.into(),
            local_audience: local_audience.into(),
            local_keys,
            trusted,
            leeway,
        }
    }

    /// Verifies a bearer token fully and says whom it speaks for.
    ///
    /// The unverified `iss` only chooses the issuer's keys and pinned algorithms; the signature is
    /// then checked with one of those keys and `iss` is checked again as a signed claim, so a
    /// forged `iss` can do no more than pick keys that will not verify the forgery.
    pub fn verify(&self, token: &str) -> Result<VerifiedToken, AuthError> {
        let unverified = Unverified::read(token)?;
        if unverified.iss == self.local_issuer {
            return self.verify_local(token, &unverified);
        }
        let trusted = self
            .trusted
            .iter()
            .find(|trusted| trusted.issuer == unverified.iss)
            .ok_or_else(|| AuthError::UnknownIssuer(echo(&unverified.iss)))?;
        trusted.verify(token, &unverified, self.leeway.as_secs())
    }

    fn verify_local(
        &self,
        token: &str,
        unverified: &Unverified,
    ) -> Result<VerifiedToken, AuthError> {
        require_algorithm(&unverified.alg, Algorithm::EdDSA)?;
        let kid = unverified.kid.as_deref().ok_or(AuthError::MissingKid)?;
        let key = self
            .local_keys
            .find(kid)
            .ok_or_else(|| AuthError::UnknownKid(echo(kid)))?;
        require_algorithm(&unverified.alg, key.algorithm())?;
        let validation = validation(
            Algorithm::EdDSA,
            &self.local_issuer,
            &self.local_audience,
            self.leeway.as_secs(),
            &LOCAL_REQUIRED_CLAIMS,
        );
        // Decoded as a map first so that a missing claim reports the check, not the shape.
        let data =
            jsonwebtoken::decode::<Map<String, Value>>(token, key.decoding_key(), &validation)
                .map_err(AuthError::from_jwt)?;
        let claims = serde_json::from_value(Value::Object(data.claims))
            .map_err(|e| AuthError::Malformed(format!("claims: {e}")))?;
        partner_from(claims)
    }
}

fn partner_from(claims: LocalClaims) -> Result<VerifiedToken, AuthError> {
    let expires_at = i64::try_from(claims.exp)
        .ok()
        .and_then(|exp| DateTime::from_timestamp(exp, 0))
        .ok_or_else(|| AuthError::InvalidClaim("exp".into()))?;
    Ok(VerifiedToken::Partner {
        client_id: claims.sub,
        partner_id: claims.partner_id,
        scopes: claims.scope.split_whitespace().map(str::to_owned).collect(),
        jti: claims.jti,
        expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::keys::Jwks;
    use crate::auth::keys::tests::{TEST_RSA_PRIVATE_PEM, TEST_RSA_PUBLIC_PEM};
    use jsonwebtoken::EncodingKey;
    use jsonwebtoken::jwk::Jwk;
    use serde_json::json;

    const LOCAL_ISS: &str = "https://panorama.test";
    const LOCAL_AUD: &str = "panorama-api";
    const IDP_ISS: &str = "https://idp.test/realms/panorama";
    const IDP_AUD: &str = "panorama";
    const RSA_KID: &str = "idp-rsa-1";
    const LEEWAY: u64 = 30;

    struct Local {
        key: SigningKey,
        keys: Arc<KeySet>,
        issuer: Issuer,
        verifier: Verifier,
    }

    fn local() -> Local {
        let key = SigningKey::generate().unwrap();
        local_with(KeySet::new(key.clone(), Vec::new()), Vec::new())
    }

    fn local_with(set: KeySet, trusted: Vec<TrustedIssuer>) -> Local {
        let keys = Arc::new(set);
        Local {
            key: keys.signing_key().clone(),
            issuer: Issuer::new(keys.clone(), LOCAL_ISS, LOCAL_AUD, Duration::from_secs(600)),
            verifier: Verifier::new(
                LOCAL_ISS,
                LOCAL_AUD,
                keys.clone(),
                trusted,
                Duration::from_secs(LEEWAY),
            ),
            keys,
        }
    }

    fn grant() -> PartnerGrant {
        PartnerGrant {
            client_id: "client-1".into(),
            partner_id: Uuid::from_u128(0x1234),
            scopes: vec!["ecosystem:read".into(), "grants:write".into()],
        }
    }

    fn now() -> i64 {
        i64::try_from(unix_now().unwrap()).unwrap()
    }

    /// Claims of a local token valid from `nbf` to `exp` (offsets from now, in seconds).
    fn local_claims(nbf: i64, exp: i64) -> Value {
        let now = now();
        json!({
            "iss": LOCAL_ISS, "aud": LOCAL_AUD, "sub": "client-1",
            "iat": now + nbf, "nbf": now + nbf, "exp": now + exp,
            "jti": Uuid::from_u128(7), "scope": "ecosystem:read", "partner_id": Uuid::from_u128(0x1234),
        })
    }

    fn header(alg: Algorithm, kid: Option<&str>) -> Header {
        let mut header = Header::new(alg);
        header.kid = kid.map(str::to_owned);
        header
    }

    fn signed(key: &SigningKey, claims: &Value) -> String {
        sign_raw(key, &header(Algorithm::EdDSA, Some(key.kid())), claims).unwrap()
    }

    fn b64(value: &Value) -> String {
        URL_SAFE_NO_PAD.encode(value.to_string())
    }

    /// A compact token from a hand-made header, payload and signature.
    fn hand_built(header: &Value, payload: &Value, signature: &str) -> String {
        format!("{}.{}.{}", b64(header), b64(payload), signature)
    }

    fn hs256(secret: &[u8], kid: &str, claims: &Value) -> String {
        let key = EncodingKey::from_secret(secret).unwrap();
        jsonwebtoken::encode(&header(Algorithm::HS256, Some(kid)), claims, &key).unwrap()
    }

    #[test]
    fn round_trip() {
        let local = local();
        let issued = local.issuer.issue(grant()).unwrap();
        assert_eq!(issued.expires_in, 600);
        assert_eq!(issued.scope, "ecosystem:read grants:write");

        let header = jsonwebtoken::decode_header(&issued.access_token).unwrap();
        assert_eq!(header.alg, Algorithm::EdDSA);
        assert_eq!(header.typ.as_deref(), Some("JWT"));
        assert_eq!(header.kid.as_deref(), Some(local.key.kid()));

        let verified = local.verifier.verify(&issued.access_token).unwrap();
        let VerifiedToken::Partner {
            client_id,
            partner_id,
            scopes,
            expires_at,
            ..
        } = verified
        else {
            panic!("not a partner token: {verified:?}");
        };
        assert_eq!(client_id, "client-1");
        assert_eq!(partner_id, Uuid::from_u128(0x1234));
        assert_eq!(scopes, vec!["ecosystem:read", "grants:write"]);
        assert!((expires_at.timestamp() - now() - 600).abs() <= 2);
    }

    #[test]
    fn issued_claims_are_complete_and_jti_is_unique() {
        let local = local();
        let claims = |token: &str| -> Value {
            let payload = token.split('.').nth(1).unwrap();
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
        };
        let a = claims(&local.issuer.issue(grant()).unwrap().access_token);
        let b = claims(&local.issuer.issue(grant()).unwrap().access_token);
        for member in [
            "iss",
            "aud",
            "sub",
            "iat",
            "nbf",
            "exp",
            "jti",
            "scope",
            "partner_id",
        ] {
            assert!(a.get(member).is_some(), "missing {member}");
        }
        assert_eq!(a["iss"], LOCAL_ISS);
        assert_eq!(a["aud"], LOCAL_AUD);
        assert_eq!(a["sub"], "client-1");
        assert_ne!(a["jti"], b["jti"]);
        let jti: Uuid = serde_json::from_value(a["jti"].clone()).unwrap();
        assert_eq!(jti.get_version_num(), 4);
    }

    #[test]
    fn issue_refuses_a_scope_that_would_split() {
        let local = local();
        let mut bad = grant();
        bad.scopes = vec!["ecosystem:read admin".into()];
        assert!(matches!(
            local.issuer.issue(bad),
            Err(TokenError::InvalidScope(_))
        ));
    }

    #[test]
    fn issued_token_debug_hides_the_token() {
        let issued = local().issuer.issue(grant()).unwrap();
        assert!(!format!("{issued:?}").contains(&issued.access_token));
    }

    #[test]
    fn rejects_alg_none() {
        let local = local();
        let valid = local.issuer.issue(grant()).unwrap().access_token;
        let signature = valid.rsplit('.').next().unwrap();
        for alg in ["none", "None", "NONE", "nOnE"] {
            let head = json!({"alg": alg, "typ": "JWT", "kid": local.key.kid()});
            for sig in ["", signature] {
                let token = hand_built(&head, &local_claims(0, 600), sig);
                assert_eq!(
                    local.verifier.verify(&token),
                    Err(AuthError::AlgorithmNotAllowed(alg.into()))
                );
            }
        }
    }

    #[test]
    fn rejects_hs256_signed_with_the_public_key() {
        let local = local();
        let jwk = local.key.verifying_key().to_jwk();
        let x = jwk["x"].as_str().unwrap();
        let raw = URL_SAFE_NO_PAD.decode(x).unwrap();
        let spki = ed25519_dalek::pkcs8::EncodePublicKey::to_public_key_pem(
            &ed25519_dalek::VerifyingKey::from_bytes(&raw.clone().try_into().unwrap()).unwrap(),
            ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF,
        )
        .unwrap();
        for secret in [
            raw.as_slice(),
            x.as_bytes(),
            spki.as_bytes(),
            jwk.to_string().as_bytes(),
        ] {
            let token = hs256(secret, local.key.kid(), &local_claims(0, 600));
            assert_eq!(
                local.verifier.verify(&token),
                Err(AuthError::AlgorithmNotAllowed("HS256".into()))
            );
        }
    }

    #[test]
    fn rejects_expired() {
        let local = local();
        let token = signed(&local.key, &local_claims(-720, -(LEEWAY as i64) - 60));
        assert_eq!(local.verifier.verify(&token), Err(AuthError::Expired));
    }

    #[test]
    fn rejects_not_yet_valid() {
        let local = local();
        let token = signed(&local.key, &local_claims(LEEWAY as i64 + 60, 720));
        assert_eq!(local.verifier.verify(&token), Err(AuthError::NotYetValid));
    }

    #[test]
    fn accepts_within_leeway() {
        let local = local();
        let slack = LEEWAY as i64 - 10;
        let just_expired = signed(&local.key, &local_claims(-600, -slack));
        let almost_valid = signed(&local.key, &local_claims(slack, 600));
        assert!(local.verifier.verify(&just_expired).is_ok());
        assert!(local.verifier.verify(&almost_valid).is_ok());
    }

    #[test]
    fn rejects_a_local_token_without_nbf() {
        let local = local();
        let mut claims = local_claims(0, 600);
        claims.as_object_mut().unwrap().remove("nbf");
        let token = signed(&local.key, &claims);
        assert_eq!(
            local.verifier.verify(&token),
            Err(AuthError::MissingClaim("nbf".into()))
        );
    }

    #[test]
    fn rejects_wrong_issuer() {
        let local = local();
        let mut claims = local_claims(0, 600);
        claims["iss"] = json!("https://evil.test");
        let token = signed(&local.key, &claims);
        assert_eq!(
            local.verifier.verify(&token),
            Err(AuthError::UnknownIssuer("https://evil.test".into()))
        );
        claims["iss"] = json!(["https://evil.test", LOCAL_ISS]);
        let token = signed(&local.key, &claims);
        assert_eq!(
            local.verifier.verify(&token),
            Err(AuthError::InvalidClaim("iss".into()))
        );
    }

    #[test]
    fn rejects_a_local_key_claiming_a_trusted_issuer() {
        let key = SigningKey::generate().unwrap();
        let local = local_with(
            KeySet::new(key, Vec::new()),
            vec![rsa_issuer("roles", "orgs")],
        );
        let mut claims = idp_claims();
        claims["iss"] = json!(IDP_ISS);
        let token = signed(&local.key, &claims);
        assert_eq!(
            local.verifier.verify(&token),
            Err(AuthError::UnknownKid(local.key.kid().into()))
        );
    }

    #[test]
    fn rejects_wrong_audience() {
        let local = local();
        let mut claims = local_claims(0, 600);
        claims["aud"] = json!("someone-else");
        assert_eq!(
            local.verifier.verify(&signed(&local.key, &claims)),
            Err(AuthError::WrongAudience)
        );
        claims.as_object_mut().unwrap().remove("aud");
        assert_eq!(
            local.verifier.verify(&signed(&local.key, &claims)),
            Err(AuthError::MissingClaim("aud".into()))
        );
    }

    #[test]
    fn rejects_unknown_or_missing_kid() {
        let local = local();
        let claims = local_claims(0, 600);
        let unknown =
            sign_raw(&local.key, &header(Algorithm::EdDSA, Some("nope")), &claims).unwrap();
        assert_eq!(
            local.verifier.verify(&unknown),
            Err(AuthError::UnknownKid("nope".into()))
        );
        let missing = sign_raw(&local.key, &header(Algorithm::EdDSA, None), &claims).unwrap();
        assert_eq!(local.verifier.verify(&missing), Err(AuthError::MissingKid));
    }

    #[test]
    fn rejects_tampered_payload() {
        let local = local();
        let token = local.issuer.issue(grant()).unwrap().access_token;
        let parts: Vec<&str> = token.split('.').collect();
        let mut claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        claims["scope"] = json!("admin");
        let forged = format!("{}.{}.{}", parts[0], b64(&claims), parts[2]);
        assert_eq!(local.verifier.verify(&forged), Err(AuthError::BadSignature));
    }

    #[test]
    fn rejects_garbage() {
        let local = local();
        let long = "a".repeat(MAX_TOKEN_LEN + 1);
        let garbage = [
            "",
            "garbage",
            "a.b.c",
            "...",
            "a.b.c.d",
            "eyJhbGciOiJFZERTQSJ9",
            "e30.e30.",
            "!!!.???.***",
            "bnVsbA.bnVsbA.",
            long.as_str(),
        ];
        for token in garbage {
            assert!(local.verifier.verify(token).is_err(), "accepted {token:?}");
        }
        assert_eq!(local.verifier.verify(&long), Err(AuthError::TooLong));
    }

    #[test]
    fn rejects_another_key_using_a_known_kid() {
        let local = local();
        let intruder = SigningKey::generate().unwrap();
        let token = sign_raw(
            &intruder,
            &header(Algorithm::EdDSA, Some(local.key.kid())),
            &local_claims(0, 600),
        )
        .unwrap();
        assert_eq!(local.verifier.verify(&token), Err(AuthError::BadSignature));
    }

    #[test]
    fn key_rotation_keeps_previous_tokens_valid_while_listed() {
        let old = local();
        let old_token = old.issuer.issue(grant()).unwrap().access_token;

        let new_key = SigningKey::generate().unwrap();
        let rotating = local_with(
            KeySet::new(new_key.clone(), vec![old.key.verifying_key().clone()]),
            Vec::new(),
        );
        assert!(rotating.verifier.verify(&old_token).is_ok());
        let new_token = rotating.issuer.issue(grant()).unwrap().access_token;
        let new_kid = jsonwebtoken::decode_header(&new_token).unwrap().kid;
        assert_eq!(new_kid.as_deref(), Some(new_key.kid()));
        assert!(rotating.verifier.verify(&new_token).is_ok());
        assert_eq!(rotating.keys.jwks()["keys"].as_array().unwrap().len(), 2);

        let rotated = local_with(KeySet::new(new_key, Vec::new()), Vec::new());
        assert_eq!(
            rotated.verifier.verify(&old_token),
            Err(AuthError::UnknownKid(old.key.kid().into()))
        );
        assert!(rotated.verifier.verify(&new_token).is_ok());
    }

    // --- trusted identity providers -------------------------------------------------------

    /// The identity provider's JWKS, built from the test RSA key as a provider would publish it.
    fn rsa_jwks() -> Vec<VerifyingKey> {
        let encoding = EncodingKey::from_rsa_pem(TEST_RSA_PRIVATE_PEM.as_bytes()).unwrap();
        let mut jwk =
            serde_json::to_value(Jwk::from_encoding_key(&encoding, Algorithm::RS256).unwrap())
                .unwrap();
        jwk["kid"] = json!(RSA_KID);
        jwk["use"] = json!("sig");
        let jwks = Jwks::from_value(&json!({"keys": [jwk, {"kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]})).unwrap();
        assert_eq!(jwks.skipped.len(), 1);
        jwks.keys
    }

    fn rsa_issuer(roles: &str, organisations: &str) -> TrustedIssuer {
        TrustedIssuer::new(IDP_ISS, IDP_AUD, rsa_jwks(), roles, organisations)
    }

    fn idp_claims() -> Value {
        let now = now();
        json!({"iss": IDP_ISS, "aud": ["account", IDP_AUD], "sub": "user-42", "iat": now, "exp": now + 300})
    }

    fn rs256(kid: Option<&str>, claims: &Value) -> String {
        let key = EncodingKey::from_rsa_pem(TEST_RSA_PRIVATE_PEM.as_bytes()).unwrap();
        jsonwebtoken::encode(&header(Algorithm::RS256, kid), claims, &key).unwrap()
    }

    fn verifier_for(trusted: TrustedIssuer) -> Verifier {
        let keys = Arc::new(KeySet::new(SigningKey::generate().unwrap(), Vec::new()));
        Verifier::new(
            LOCAL_ISS,
            LOCAL_AUD,
            keys,
            vec![trusted],
            Duration::from_secs(LEEWAY),
        )
    }

    fn user(verified: Result<VerifiedToken, AuthError>) -> (Vec<String>, Vec<String>, Vec<String>) {
        match verified {
            Ok(VerifiedToken::User {
                issuer,
                subject,
                roles,
                organisations,
                scopes,
            }) => {
                assert_eq!(issuer, IDP_ISS);
                assert_eq!(subject, "user-42");
                (roles, organisations, scopes)
            }
            other => panic!("not a user: {other:?}"),
        }
    }

    #[test]
    fn trusted_rs256_issuer_maps_array_claims() {
        let verifier = verifier_for(rsa_issuer("roles", "organisations"));
        let mut claims = idp_claims();
        claims["roles"] = json!(["MODERATOR", "ADMIN"]);
        claims["organisations"] = json!(["org-a", "org-b"]);
        claims["scope"] = json!("openid ecosystem:read");
        let (roles, organisations, scopes) = user(verifier.verify(&rs256(Some(RSA_KID), &claims)));
        assert_eq!(roles, vec!["MODERATOR", "ADMIN"]);
        assert_eq!(organisations, vec!["org-a", "org-b"]);
        assert_eq!(scopes, vec!["openid", "ecosystem:read"]);
    }

    #[test]
    fn trusted_issuer_maps_string_claims() {
        let verifier = verifier_for(rsa_issuer("roles", "orgs"));
        let mut claims = idp_claims();
        claims["roles"] = json!("MEMBER ADMIN");
        claims["orgs"] = json!("org-a, org-b,org-c");
        let (roles, organisations, scopes) = user(verifier.verify(&rs256(Some(RSA_KID), &claims)));
        assert_eq!(roles, vec!["MEMBER", "ADMIN"]);
        assert_eq!(organisations, vec!["org-a", "org-b", "org-c"]);
        assert!(scopes.is_empty());
    }

    #[test]
    fn trusted_issuer_maps_dotted_and_namespaced_claims() {
        let verifier = verifier_for(rsa_issuer(
            "realm_access.roles",
            "https://panorama.test/orgs",
        ));
        let mut claims = idp_claims();
        claims["realm_access"] = json!({"roles": ["MEMBER", "offline_access"]});
        claims["https://panorama.test/orgs"] = json!(["org-a"]);
        let (roles, organisations, _) = user(verifier.verify(&rs256(Some(RSA_KID), &claims)));
        assert_eq!(roles, vec!["MEMBER", "offline_access"]);
        assert_eq!(organisations, vec!["org-a"]);

        let verifier = verifier_for(rsa_issuer("realm_access.roles", "organization"));
        let mut claims = idp_claims();
        claims["organization"] = json!({"acme": {"id": "1"}});
        let (roles, organisations, _) = user(verifier.verify(&rs256(Some(RSA_KID), &claims)));
        assert!(roles.is_empty());
        assert_eq!(organisations, vec!["acme"]);
    }

    #[test]
    fn trusted_issuer_refuses_malformed_role_claims() {
        let verifier = verifier_for(rsa_issuer("roles", "orgs"));
        let mut claims = idp_claims();
        claims["roles"] = json!(["ADMIN", 7]);
        assert_eq!(
            verifier.verify(&rs256(Some(RSA_KID), &claims)),
            Err(AuthError::InvalidClaim("roles".into()))
        );
        claims["roles"] = json!(true);
        assert_eq!(
            verifier.verify(&rs256(Some(RSA_KID), &claims)),
            Err(AuthError::InvalidClaim("roles".into()))
        );
    }

    #[test]
    fn trusted_issuer_with_one_key_accepts_a_token_without_kid() {
        let verifier = verifier_for(rsa_issuer("roles", "orgs"));
        assert!(verifier.verify(&rs256(None, &idp_claims())).is_ok());
        assert_eq!(
            verifier.verify(&rs256(Some("other"), &idp_claims())),
            Err(AuthError::UnknownKid("other".into()))
        );
    }

    #[test]
    fn trusted_issuer_with_several_keys_needs_a_kid() {
        let mut keys = rsa_jwks();
        keys.push(SigningKey::generate().unwrap().verifying_key().clone());
        let verifier = verifier_for(TrustedIssuer::new(IDP_ISS, IDP_AUD, keys, "roles", "orgs"));
        assert_eq!(
            verifier.verify(&rs256(None, &idp_claims())),
            Err(AuthError::MissingKid)
        );
        assert!(
            verifier
                .verify(&rs256(Some(RSA_KID), &idp_claims()))
                .is_ok()
        );
    }

    #[test]
    fn trusted_issuer_checks_audience_time_and_algorithm() {
        let verifier = verifier_for(rsa_issuer("roles", "orgs"));
        let mut claims = idp_claims();
        claims["aud"] = json!("account");
        assert_eq!(
            verifier.verify(&rs256(Some(RSA_KID), &claims)),
            Err(AuthError::WrongAudience)
        );
        let mut claims = idp_claims();
        claims["exp"] = json!(now() - 600);
        assert_eq!(
            verifier.verify(&rs256(Some(RSA_KID), &claims)),
            Err(AuthError::Expired)
        );
        let mut claims = idp_claims();
        claims["nbf"] = json!(now() + 600);
        assert_eq!(
            verifier.verify(&rs256(Some(RSA_KID), &claims)),
            Err(AuthError::NotYetValid)
        );
        let intruder = SigningKey::generate().unwrap();
        let token = sign_raw(
            &intruder,
            &header(Algorithm::EdDSA, Some(RSA_KID)),
            &idp_claims(),
        )
        .unwrap();
        assert_eq!(
            verifier.verify(&token),
            Err(AuthError::AlgorithmNotAllowed("EdDSA".into()))
        );
    }

    #[test]
    fn trusted_issuer_refuses_hs256_signed_with_its_public_key() {
        let verifier = verifier_for(rsa_issuer("roles", "orgs"));
        let token = hs256(TEST_RSA_PUBLIC_PEM.as_bytes(), RSA_KID, &idp_claims());
        assert_eq!(
            verifier.verify(&token),
            Err(AuthError::AlgorithmNotAllowed("HS256".into()))
        );
        let head = json!({"alg": "none", "kid": RSA_KID});
        let token = hand_built(&head, &idp_claims(), "");
        assert_eq!(
            verifier.verify(&token),
            Err(AuthError::AlgorithmNotAllowed("none".into()))
        );
    }

    #[test]
    fn local_issuer_refuses_rs256_even_from_a_trusted_key() {
        let local = local_with(
            KeySet::new(SigningKey::generate().unwrap(), Vec::new()),
            vec![rsa_issuer("roles", "orgs")],
        );
        let token = rs256(Some(RSA_KID), &local_claims(0, 600));
        assert_eq!(
            local.verifier.verify(&token),
            Err(AuthError::AlgorithmNotAllowed("RS256".into()))
        );
    }

    #[test]
    fn trusted_eddsa_issuer() {
        let idp_key = SigningKey::generate().unwrap();
        let trusted = TrustedIssuer::new(
            IDP_ISS,
            IDP_AUD,
            vec![idp_key.verifying_key().clone()],
            "roles",
            "orgs",
        );
        let verifier = verifier_for(trusted);
        let mut claims = idp_claims();
        claims["roles"] = json!(["ADMIN"]);
        let (roles, _, _) = user(verifier.verify(&signed(&idp_key, &claims)));
        assert_eq!(roles, vec!["ADMIN"]);
        let token = rs256(Some(idp_key.kid()), &idp_claims());
        assert_eq!(
            verifier.verify(&token),
            Err(AuthError::AlgorithmNotAllowed("RS256".into()))
        );
    }
}
