//! `POST /oauth/token`: the OAuth 2.0 client-credentials grant (RFC 6749 §4.4), and the public
//! keys at `GET /.well-known/jwks.json`.
//!
//! Errors follow RFC 6749 §5.2: `invalid_request` and `unsupported_grant_type` and
//! `invalid_scope` are 400; `invalid_client` is 401 with a `WWW-Authenticate` challenge.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use panorama_domain::partner::PartnerStatus;
use panorama_domain::policy::Scope;
use serde_json::json;

use super::secrets::verify_secret;
use super::tokens::PartnerGrant;
use crate::router::AppState;

/// An argon2 hash of a random secret nobody knows: an unknown client id costs a hash check too,
/// so the answer's timing does not tell which client ids exist.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        super::secrets::new_credentials()
            .map(|c| c.secret_hash)
            .unwrap_or_default()
    })
}

/// An error response of RFC 6749 §5.2.
struct OAuthError {
    status: StatusCode,
    code: &'static str,
    description: &'static str,
}

impl OAuthError {
    fn new(status: StatusCode, code: &'static str, description: &'static str) -> Self {
        Self {
            status,
            code,
            description,
        }
    }

    fn invalid_request(description: &'static str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    fn invalid_client() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        )
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = Json(json!({ "error": self.code, "error_description": self.description }));
        let mut response = (self.status, no_store(), body).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"panorama\""),
            );
        }
        response
    }
}

/// Token responses must not be cached (RFC 6749 §5.1).
fn no_store() -> [(header::HeaderName, HeaderValue); 2] {
    [
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (header::PRAGMA, HeaderValue::from_static("no-cache")),
    ]
}

pub async fn token(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match grant(&state, &headers, &body).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn grant(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<Response, OAuthError> {
    let form = Form::parse(headers, body)?;
    match form.single("grant_type")? {
        None => return Err(OAuthError::invalid_request("grant_type is required")),
        Some("client_credentials") => {}
        Some(_) => {
            return Err(OAuthError::new(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "only client_credentials is supported",
            ));
        }
    }
    let (client_id, secret) = client_authentication(headers, &form)?;
    let credentials = state
        .store
        .client_credentials(&client_id)
        .await
        .map_err(|error| {
            tracing::error!(%error, "token endpoint could not read client");
            // RFC 6749's code for a server that is down for a while, with the matching status.
            if error.is_unavailable() {
                OAuthError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    "the database is unavailable; try again shortly",
                )
            } else {
                OAuthError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "try again later",
                )
            }
        })?;
    let hash = credentials
        .as_ref()
        .map_or(decoy_hash(), |c| c.secret_hash.as_str())
        .to_owned();
    // argon2 is slow on purpose: keep it off the async workers.
    let matches = tokio::task::spawn_blocking(move || verify_secret(&secret, &hash))
        .await
        .unwrap_or(false);
    let credentials = match credentials {
        Some(c)
            if matches && !c.client.is_revoked() && c.partner.status == PartnerStatus::Active =>
        {
            c
        }
        _ => return Err(OAuthError::invalid_client()),
    };
    let scopes = requested_scopes(form.single("scope")?, &credentials.client.scopes)?;
    let grant = PartnerGrant {
        client_id: credentials.client.client_id.clone(),
        partner_id: credentials.partner.id,
        scopes: scopes.iter().map(|s| s.code().to_owned()).collect(),
    };
    let issued = state.auth.issuer.issue(grant).map_err(|error| {
        tracing::error!(%error, "could not sign a token");
        OAuthError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "try again later",
        )
    })?;
    if let Err(error) = state
        .store
        .touch_api_client(&credentials.client.client_id)
        .await
    {
        tracing::warn!(%error, "could not record the client's last use");
    }
    let body = json!({
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "scope": Scope::join(&scopes),
    });
    Ok((StatusCode::OK, no_store(), Json(body)).into_response())
}

/// The requested scopes, which must all be the client's; none requested means all of them.
fn requested_scopes(
    requested: Option<&str>,
    allowed: &BTreeSet<Scope>,
) -> Result<BTreeSet<Scope>, OAuthError> {
    let invalid = || {
        OAuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "a requested scope is unknown or not granted to this client",
        )
    };
    match requested {
        None => Ok(allowed.clone()),
        Some(list) => {
            let scopes = Scope::parse_list(list).ok_or_else(invalid)?;
            if scopes.is_empty() || !scopes.is_subset(allowed) {
                return Err(invalid());
            }
            Ok(scopes)
        }
    }
}

/// Client id and secret, from HTTP Basic (RFC 6749 §2.3.1, form-encoded then base64) or from
/// the form body, but not both.
fn client_authentication(headers: &HeaderMap, form: &Form) -> Result<(String, String), OAuthError> {
    let in_form = (form.single("client_id")?, form.single("client_secret")?);
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "));
    match (basic, in_form) {
        (Some(_), (Some(_), _) | (_, Some(_))) => Err(OAuthError::invalid_request(
            "authenticate the client one way only",
        )),
        (Some(encoded), _) => {
            let decoded = STANDARD
                .decode(encoded.trim())
                .map_err(|_| OAuthError::invalid_client())?;
            let text = String::from_utf8(decoded).map_err(|_| OAuthError::invalid_client())?;
            let (id, secret) = text
                .split_once(':')
                .ok_or_else(OAuthError::invalid_client)?;
            Ok((url_decode(id)?, url_decode(secret)?))
        }
        (None, (Some(id), Some(secret))) => Ok((id.to_owned(), secret.to_owned())),
        (None, _) => Err(OAuthError::invalid_client()),
    }
}

fn url_decode(text: &str) -> Result<String, OAuthError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&format!("v={text}"))
        .map_err(|_| OAuthError::invalid_client())?;
    pairs
        .into_iter()
        .next()
        .map(|(_, v)| v)
        .ok_or_else(OAuthError::invalid_client)
}

/// An `application/x-www-form-urlencoded` body.
struct Form(Vec<(String, String)>);

impl Form {
    fn parse(headers: &HeaderMap, body: &[u8]) -> Result<Self, OAuthError> {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !content_type.starts_with("application/x-www-form-urlencoded") {
            return Err(OAuthError::invalid_request(
                "the body must be application/x-www-form-urlencoded",
            ));
        }
        serde_urlencoded::from_bytes(body)
            .map(Form)
            .map_err(|_| OAuthError::invalid_request("the body is not a valid form"))
    }

    /// A parameter's value; a parameter sent twice is an error (RFC 6749 §3.2).
    fn single(&self, name: &str) -> Result<Option<&str>, OAuthError> {
        let mut values = self
            .0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str());
        let first = values.next();
        if values.next().is_some() {
            return Err(OAuthError::invalid_request(
                "a parameter was sent more than once",
            ));
        }
        Ok(first.filter(|v| !v.is_empty()))
    }
}

/// The public keys that verify Panorama's tokens: the current signing key and any previous
/// ones still accepted during a rotation.
pub async fn jwks(State(state): State<AppState>) -> Response {
    let mut response = Json(state.auth.keys.jwks()).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}
