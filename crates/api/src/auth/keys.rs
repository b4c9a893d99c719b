//! Signing and verification keys: Ed25519 key pairs that Panorama signs its own tokens with, public
//! keys (Ed25519 or RSA) that tokens are checked against, and the JWKS documents that publish them.
//!
//! Every key carries a `kid` so that a verifier picks exactly one key per token and several keys can
//! be trusted at once while keys rotate.

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::alphabet;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey};
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, Jwk, KeyAlgorithm, KeyOperations,
    PublicKeyUse, ThumbprintHash,
};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use serde_json::{Value, json};

/// RFC 8410 §7: the DER prefix of a PKCS#8 v1 `PrivateKeyInfo` holding an Ed25519 seed. Written
/// by hand so that [`SigningKey::to_pem`] cannot fail and produces the same bytes as OpenSSL.
const ED25519_PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// Smallest RSA modulus accepted: keys under 2048 bits are considered breakable (NIST SP 800-131A).
const MIN_RSA_BITS: usize = 2048;

/// Largest RSA modulus accepted: the `rsa` crate refuses bigger keys, so reject them when loading
/// instead of failing every verification later.
const MAX_RSA_BITS: usize = 8192;

/// JWK members that only a private or symmetric key has; a public key set must never contain them.
const SECRET_MEMBERS: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "k"];

/// Base64url that tolerates padding: some identity providers pad JWK members although RFC 7518
/// says not to.
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a key could not be made, read or written.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The operating system could not supply randomness.
    #[error("the operating system's random number generator failed: {0}")]
    Random(String),
    /// The text is not a PKCS#8 Ed25519 private key.
    #[error("not a PKCS#8 Ed25519 private key in PEM form: {0}")]
    InvalidPrivateKey(String),
    /// The text is neither an Ed25519 nor an RSA public key.
    #[error("not an Ed25519 or RSA public key in PEM form")]
    InvalidPublicKey,
    /// The JWK is well formed but of a kind this module does not verify with.
    #[error("unsupported JWK: {0}")]
    UnsupportedJwk(String),
    /// The JWK is malformed or unsafe to use.
    #[error("invalid JWK: {0}")]
    InvalidJwk(String),
    /// The JWKS document is not `{"keys": [...]}`.
    #[error("invalid JWKS document: {0}")]
    InvalidJwks(String),
    /// The key file could not be read or written.
    #[error("key file {path}: {source}")]
    Io {
        /// The key file.
        path: PathBuf,
        /// The underlying failure.
        #[source]
        source: io::Error,
    },
    /// The key file exists but does not hold a usable key; it is left as it is.
    #[error("key file {path} does not hold a valid Ed25519 key and was left untouched: {reason}")]
    Corrupt {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

/// Panorama's own Ed25519 private key, with the `kid` its tokens carry.
///
/// Ed25519 rather than RSA: small keys, fast signatures, no parameters to get wrong.
#[derive(Clone)]
pub struct SigningKey {
    secret: ed25519_dalek::SigningKey,
    encoding: EncodingKey,
    public: VerifyingKey,
}

impl SigningKey {
    /// Makes a new key from the operating system's CSPRNG.
    pub fn generate() -> Result<Self, KeyError> {
        let mut seed = [0u8; ed25519_dalek::SECRET_KEY_LENGTH];
        getrandom::fill(&mut seed).map_err(|e| KeyError::Random(e.to_string()))?;
        Self::from_seed(&seed)
    }

    /// Reads a PKCS#8 PEM private key (`-----BEGIN PRIVATE KEY-----`), as written by
    /// [`SigningKey::to_pem`] or `openssl genpkey -algorithm ed25519`.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let secret = ed25519_dalek::SigningKey::from_pkcs8_pem(pem.trim())
            .map_err(|e| KeyError::InvalidPrivateKey(e.to_string()))?;
        Self::from_dalek(secret)
    }

    /// Writes the key as PKCS#8 PEM so an operator can keep it in a file or a secret store.
    /// The output contains the private key: never log it.
    pub fn to_pem(&self) -> String {
        pem_encode("PRIVATE KEY", &self.pkcs8_der())
    }

    /// The key id: the RFC 7638 thumbprint of the public key, so it is stable and needs no registry.
    pub fn kid(&self) -> &str {
        self.public.kid()
    }

    /// The public half, as published in the JWKS.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.public
    }

    /// The key in the form `jsonwebtoken` signs with.
    pub(crate) fn encoding_key(&self) -> &EncodingKey {
        &self.encoding
    }

    /// Builds a key from a raw 32-byte seed (RFC 8032 private key).
    pub(crate) fn from_seed(
        seed: &[u8; ed25519_dalek::SECRET_KEY_LENGTH],
    ) -> Result<Self, KeyError> {
        Self::from_dalek(ed25519_dalek::SigningKey::from_bytes(seed))
    }

    fn from_dalek(secret: ed25519_dalek::SigningKey) -> Result<Self, KeyError> {
        let public = VerifyingKey::from_ed25519(secret.verifying_key(), None)?;
        let encoding = EncodingKey::from_ed_der(&pkcs8_der(&secret));
        Ok(Self {
            secret,
            encoding,
            public,
        })
    }

    fn pkcs8_der(&self) -> Vec<u8> {
        pkcs8_der(&self.secret)
    }
}

/// The PKCS#8 v1 DER form of an Ed25519 key (RFC 8410 §7), the form OpenSSL writes.
fn pkcs8_der(secret: &ed25519_dalek::SigningKey) -> Vec<u8> {
    let mut der = ED25519_PKCS8_PREFIX.to_vec();
    der.extend_from_slice(secret.as_bytes());
    der
}

impl fmt::Debug for SigningKey {
    /// Shows only the kid: the private key must not end up in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid())
            .finish_non_exhaustive()
    }
}

/// The public material of a [`VerifyingKey`], kept to publish it as a JWK.
#[derive(Clone, PartialEq, Eq)]
enum PublicMaterial {
    Ed25519([u8; ed25519_dalek::PUBLIC_KEY_LENGTH]),
    Rsa { n: Vec<u8>, e: Vec<u8> },
}

/// A public key that tokens may be verified with, its `kid`, and the one algorithm it is used with
/// (`EdDSA` for Ed25519, `RS256` for RSA): the key decides the algorithm, never the token.
#[derive(Clone)]
pub struct VerifyingKey {
    kid: String,
    material: PublicMaterial,
    decoding: DecodingKey,
}

impl VerifyingKey {
    /// The key id tokens name this key by.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The only algorithm tokens checked with this key may use.
    pub fn algorithm(&self) -> Algorithm {
        match self.material {
            PublicMaterial::Ed25519(_) => Algorithm::EdDSA,
            PublicMaterial::Rsa { .. } => Algorithm::RS256,
        }
    }

    /// The key in the form `jsonwebtoken` verifies with.
    pub(crate) fn decoding_key(&self) -> &DecodingKey {
        &self.decoding
    }

    /// Reads an SPKI PEM public key (`-----BEGIN PUBLIC KEY-----`, Ed25519 or RSA) or a PKCS#1
    /// RSA public key. The kid is the key's RFC 7638 thumbprint.
    pub fn from_public_pem(pem: &str) -> Result<Self, KeyError> {
        if let Ok(key) = ed25519_dalek::VerifyingKey::from_public_key_pem(pem.trim()) {
            return Self::from_ed25519(key, None);
        }
        let decoding =
            DecodingKey::from_rsa_pem(pem.as_bytes()).map_err(|_| KeyError::InvalidPublicKey)?;
        let jwk = Jwk::from_decoding_key(&decoding, Some(Algorithm::RS256))
            .map_err(|_| KeyError::InvalidPublicKey)?;
        Self::from_jwk(&jwk)
    }

    /// Reads a JWK given as JSON, refusing any that carries private or symmetric key material.
    pub fn from_jwk_value(value: &Value) -> Result<Self, KeyError> {
        let object = value
            .as_object()
            .ok_or_else(|| KeyError::InvalidJwk("not a JSON object".into()))?;
        if let Some(member) = SECRET_MEMBERS.iter().find(|m| object.contains_key(**m)) {
            return Err(KeyError::InvalidJwk(format!(
                "contains the private or secret member {member:?}"
            )));
        }
        let jwk: Jwk = serde_json::from_value(value.clone())
            .map_err(|e| KeyError::InvalidJwk(e.to_string()))?;
        Self::from_jwk(&jwk)
    }

    /// Reads a public JWK: Ed25519 (`kty: OKP`, `crv: Ed25519`) or RSA of 2048 to 8192 bits.
    /// A JWK meant for encryption, or for another algorithm than `EdDSA`/`RS256`, is refused so a
    /// key can never be used in a way its owner did not intend.
    pub fn from_jwk(jwk: &Jwk) -> Result<Self, KeyError> {
        check_signature_use(&jwk.common)?;
        let kid = jwk.common.key_id.clone();
        match &jwk.algorithm {
            AlgorithmParameters::OctetKeyPair(params) if params.curve == EllipticCurve::Ed25519 => {
                check_declared_algorithm(&jwk.common, KeyAlgorithm::EdDSA)?;
                Self::from_ed25519(ed25519_from_x(&params.x)?, kid)
            }
            AlgorithmParameters::RSA(params) => {
                check_declared_algorithm(&jwk.common, KeyAlgorithm::RS256)?;
                let n = strip_leading_zeros(decode_member("n", &params.n)?);
                let e = strip_leading_zeros(decode_member("e", &params.e)?);
                Self::from_rsa(n, e, kid)
            }
            AlgorithmParameters::OctetKeyPair(params) => Err(KeyError::UnsupportedJwk(format!(
                "OKP curve {:?}",
                params.curve
            ))),
            AlgorithmParameters::EllipticCurve(_) => Err(KeyError::UnsupportedJwk("kty EC".into())),
            AlgorithmParameters::OctetKey(_) => {
                Err(KeyError::UnsupportedJwk("kty oct (symmetric)".into()))
            }
            _ => Err(KeyError::UnsupportedJwk("unknown kty".into())),
        }
    }

    /// The public JWK as published in the JWKS: `kty`, the key members, `kid`, `alg`, `use: sig`.
    pub fn to_jwk(&self) -> Value {
        let mut jwk = self.material.members();
        if let Some(object) = jwk.as_object_mut() {
            object.insert("kid".into(), Value::String(self.kid.clone()));
            object.insert(
                "alg".into(),
                Value::String(self.material.algorithm_name().into()),
            );
            object.insert("use".into(), Value::String("sig".into()));
        }
        jwk
    }

    fn from_ed25519(
        key: ed25519_dalek::VerifyingKey,
        kid: Option<String>,
    ) -> Result<Self, KeyError> {
        let x = key.to_bytes();
        let decoding = DecodingKey::from_ed_der(&x);
        Self::with_kid(PublicMaterial::Ed25519(x), decoding, kid)
    }

    fn from_rsa(n: Vec<u8>, e: Vec<u8>, kid: Option<String>) -> Result<Self, KeyError> {
        check_rsa_size(&n, &e)?;
        let decoding = DecodingKey::from_rsa_raw_components(&n, &e);
        Self::with_kid(PublicMaterial::Rsa { n, e }, decoding, kid)
    }

    /// Keeps the kid the key was published with, or derives one from the key itself.
    fn with_kid(
        material: PublicMaterial,
        decoding: DecodingKey,
        kid: Option<String>,
    ) -> Result<Self, KeyError> {
        let kid = match kid {
            Some(kid) if !kid.is_empty() => kid,
            _ => material.thumbprint()?,
        };
        Ok(Self {
            kid,
            material,
            decoding,
        })
    }
}

impl PublicMaterial {
    /// The JOSE name of the one algorithm this key is used with.
    fn algorithm_name(&self) -> &'static str {
        match self {
            Self::Ed25519(_) => "EdDSA",
            Self::Rsa { .. } => "RS256",
        }
    }

    /// The JWK members that define the key (`kty` and the key itself), as RFC 7638 hashes them.
    fn members(&self) -> Value {
        match self {
            Self::Ed25519(x) => {
                json!({"kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode(x)})
            }
            Self::Rsa { n, e } => {
                json!({"kty": "RSA", "n": URL_SAFE_NO_PAD.encode(n), "e": URL_SAFE_NO_PAD.encode(e)})
            }
        }
    }

    /// RFC 7638 thumbprint (SHA-256, base64url) of the public key.
    fn thumbprint(&self) -> Result<String, KeyError> {
        let jwk: Jwk = serde_json::from_value(self.members())
            .map_err(|e| KeyError::InvalidJwk(e.to_string()))?;
        jwk.thumbprint(ThumbprintHash::SHA256)
            .map_err(|e| KeyError::InvalidJwk(e.to_string()))
    }
}

impl From<&SigningKey> for VerifyingKey {
    fn from(key: &SigningKey) -> Self {
        key.public.clone()
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm())
            .finish_non_exhaustive()
    }
}

/// Refuses JWKs declared for encryption (`use: enc`, or `key_ops` without `verify`).
fn check_signature_use(common: &CommonParameters) -> Result<(), KeyError> {
    if matches!(&common.public_key_use, Some(u) if *u != PublicKeyUse::Signature) {
        return Err(KeyError::UnsupportedJwk("not a signature key (use)".into()));
    }
    if matches!(&common.key_operations, Some(ops) if !ops.contains(&KeyOperations::Verify)) {
        return Err(KeyError::UnsupportedJwk(
            "not a verification key (key_ops)".into(),
        ));
    }
    Ok(())
}

/// Refuses a JWK whose `alg` is not the one algorithm supported for its key type.
fn check_declared_algorithm(
    common: &CommonParameters,
    expected: KeyAlgorithm,
) -> Result<(), KeyError> {
    match common.key_algorithm {
        Some(alg) if alg != expected => Err(KeyError::UnsupportedJwk(format!("alg {alg}"))),
        _ => Ok(()),
    }
}

/// Decodes and checks an Ed25519 `x`: exactly 32 bytes, a valid point, not of small order (a weak
/// key would let forged signatures verify).
fn ed25519_from_x(x: &str) -> Result<ed25519_dalek::VerifyingKey, KeyError> {
    let bytes: [u8; ed25519_dalek::PUBLIC_KEY_LENGTH] = decode_member("x", x)?
        .try_into()
        .map_err(|_| KeyError::InvalidJwk("x is not 32 bytes".into()))?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes)
        .map_err(|_| KeyError::InvalidJwk("x is not an Ed25519 point".into()))?;
    if key.is_weak() {
        return Err(KeyError::InvalidJwk("x is a weak Ed25519 key".into()));
    }
    Ok(key)
}

fn decode_member(name: &str, value: &str) -> Result<Vec<u8>, KeyError> {
    URL_SAFE_LENIENT
        .decode(value)
        .map_err(|_| KeyError::InvalidJwk(format!("{name} is not base64url")))
}

fn strip_leading_zeros(mut bytes: Vec<u8>) -> Vec<u8> {
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    bytes.drain(..zeros);
    bytes
}

/// Refuses RSA keys that are too small to be safe or too large for the `rsa` crate, and exponents
/// it would refuse at verification time.
fn check_rsa_size(n: &[u8], e: &[u8]) -> Result<(), KeyError> {
    let bits = n.first().map_or(0, |top| {
        (n.len() - 1) * 8 + (8 - top.leading_zeros() as usize)
    });
    if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
        return Err(KeyError::UnsupportedJwk(format!(
            "RSA modulus of {bits} bits (need {MIN_RSA_BITS} to {MAX_RSA_BITS})"
        )));
    }
    let exponent_ok = !e.is_empty() && e.len() <= 4 && e.last().is_some_and(|b| b & 1 == 1);
    if !exponent_ok || e == [1] {
        return Err(KeyError::InvalidJwk("unusable RSA exponent".into()));
    }
    Ok(())
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    let mut rest = body.as_str();
    while !rest.is_empty() {
        let (line, tail) = rest.split_at(rest.len().min(64));
        pem.push_str(line);
        pem.push('\n');
        rest = tail;
    }
    pem + "-----END " + label + "-----\n"
}

/// The keys Panorama's own tokens are signed and verified with: the current signing key, plus
/// older public keys still accepted while a rotation is under way.
#[derive(Debug, Clone)]
pub struct KeySet {
    signing: SigningKey,
    /// The signing key's public half first, then the extra keys; kids are unique.
    verifying: Vec<VerifyingKey>,
}

impl KeySet {
    /// Builds a key set. An extra key whose kid is already present is dropped (with a warning)
    /// so that a kid always names one key.
    pub fn new(signing: SigningKey, extra_verifying: Vec<VerifyingKey>) -> Self {
        let mut verifying = vec![signing.verifying_key().clone()];
        for key in extra_verifying {
            if verifying.iter().any(|known| known.kid == key.kid) {
                if !verifying.iter().any(|known| known.material == key.material) {
                    tracing::warn!(kid = %key.kid, "two verification keys share a kid; keeping the first");
                }
                continue;
            }
            verifying.push(key);
        }
        Self { signing, verifying }
    }

    /// The key new tokens are signed with.
    pub fn signing_key(&self) -> &SigningKey {
        &self.signing
    }

    /// Every key tokens are accepted from, the signing key's first.
    pub fn verifying_keys(&self) -> &[VerifyingKey] {
        &self.verifying
    }

    /// The key a token's `kid` names, if it is in the set.
    pub fn find(&self, kid: &str) -> Option<&VerifyingKey> {
        self.verifying.iter().find(|key| key.kid == kid)
    }

    /// The JWKS document served at `/.well-known/jwks.json`: every public key, no private material.
    pub fn jwks(&self) -> Value {
        let keys: Vec<Value> = self.verifying.iter().map(VerifyingKey::to_jwk).collect();
        json!({ "keys": keys })
    }
}

/// A key from a JWKS document that could not be used, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedKey {
    /// The key's `kid`, if it had one.
    pub kid: Option<String>,
    /// Why it was skipped.
    pub reason: String,
}

/// The usable keys of a JWKS document (`{"keys": [...]}`) from an identity provider.
///
/// Keys of other types (EC, symmetric, encryption keys, …) are skipped rather than failing the
/// whole document, because providers often publish keys this verifier does not need; each skip is
/// logged and listed in `skipped`.
#[derive(Debug, Clone)]
pub struct Jwks {
    /// The keys tokens may be verified with.
    pub keys: Vec<VerifyingKey>,
    /// The keys that were left out.
    pub skipped: Vec<SkippedKey>,
}

impl Jwks {
    /// Parses a JWKS document given as text.
    pub fn parse(document: &str) -> Result<Self, KeyError> {
        let value: Value =
            serde_json::from_str(document).map_err(|e| KeyError::InvalidJwks(e.to_string()))?;
        Self::from_value(&value)
    }

    /// Parses a JWKS document given as JSON.
    pub fn from_value(document: &Value) -> Result<Self, KeyError> {
        let entries = document
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| KeyError::InvalidJwks("no \"keys\" array".into()))?;
        let mut jwks = Self {
            keys: Vec::new(),
            skipped: Vec::new(),
        };
        for entry in entries {
            jwks.add(entry);
        }
        Ok(jwks)
    }

    fn add(&mut self, entry: &Value) {
        let kid = entry.get("kid").and_then(Value::as_str).map(str::to_owned);
        let reason = match VerifyingKey::from_jwk_value(entry) {
            Ok(key) if self.keys.iter().any(|known| known.kid == key.kid) => {
                "duplicate kid".to_owned()
            }
            Ok(key) => return self.keys.push(key),
            Err(error) => error.to_string(),
        };
        tracing::warn!(kid = ?kid, %reason, "skipping a key of the JWKS");
        self.skipped.push(SkippedKey { kid, reason });
    }
}

/// Loads the signing key from a PEM file, or, if there is none yet, generates one and writes it
/// there (mode 0600, parent folders created) so that tokens survive a restart.
///
/// A file that exists but cannot be read as a key is an error: replacing it would silently
/// invalidate every token and lose a key an operator may have put there on purpose.
pub fn load_or_generate(path: &Path) -> Result<SigningKey, KeyError> {
    match fs::read_to_string(path) {
        Ok(pem) => read_key_file(path, &pem),
        Err(source) if source.kind() == io::ErrorKind::NotFound => generate_key_file(path),
        Err(source) if source.kind() == io::ErrorKind::InvalidData => Err(KeyError::Corrupt {
            path: path.to_owned(),
            reason: "not UTF-8 text".into(),
        }),
        Err(source) => Err(io_error(path, source)),
    }
}

fn read_key_file(path: &Path, pem: &str) -> Result<SigningKey, KeyError> {
    warn_if_exposed(path);
    SigningKey::from_pem(pem).map_err(|e| KeyError::Corrupt {
        path: path.to_owned(),
        reason: e.to_string(),
    })
}

fn generate_key_file(path: &Path) -> Result<SigningKey, KeyError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|e| io_error(parent, e))?;
    }
    let key = SigningKey::generate()?;
    match create_private_file(path) {
        Ok(file) => write_key_file(path, file, &key).map(|()| key),
        // Another process created it between our read and our create: use its key.
        Err(source) if source.kind() == io::ErrorKind::AlreadyExists => {
            let pem = fs::read_to_string(path).map_err(|e| io_error(path, e))?;
            read_key_file(path, &pem)
        }
        Err(source) => Err(io_error(path, source)),
    }
}

/// Writes the key; on failure removes the half-written file (it is ours, just created) so that the
/// next start does not mistake it for a corrupt operator key.
fn write_key_file(path: &Path, mut file: fs::File, key: &SigningKey) -> Result<(), KeyError> {
    let written = file
        .write_all(key.to_pem().as_bytes())
        .and_then(|()| file.sync_all());
    if let Err(source) = written {
        drop(file);
        let _ = fs::remove_file(path);
        return Err(io_error(path, source));
    }
    tracing::info!(path = %path.display(), kid = %key.kid(), "generated a new token signing key");
    Ok(())
}

/// Creates the file only if it does not exist, readable by its owner only.
fn create_private_file(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Warns when a private key file is readable by other users.
fn warn_if_exposed(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = fs::metadata(path)
            && meta.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(path = %path.display(), "the token signing key file is readable by other users; chmod 600 it");
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

fn io_error(path: &Path, source: io::Error) -> KeyError {
    KeyError::Io {
        path: path.to_owned(),
        source,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A 2048-bit RSA key made with `openssl genrsa -traditional 2048`, for tests only: it stands
    /// for an external identity provider's key. Never use it for anything else.
    pub(crate) const TEST_RSA_PRIVATE_PEM: &str = "-----BEGIN RSA PRIVATE KEY-----\n\
    MIIEpQIBAAKCAQEAtlfG3b+j8tYZqNb2dpu9673Exg+GytgpoaKKlSXr5ge74SVi\n\
    N5NzwJFJgXbPPUk25huAELuWpbnW1dQMDC+QKVWtox3RZxaeQUZ6InKAHHqP9uaw\n\
    xn/aaKyiGHtXpgvYKmTMdUsu4Y6Xb6mAcfTamV3z7UvkBJnOMRWCaFo1tS80NsA9\n\
    56kBHvuwuSSSSEJtGKoKoXi6mi9D8fueKKsvYSrR3D8Kw49uKTmfKNvIHJnWf9tL\n\
    gOvr0esECRudFPQUcP1XL+7ElCE7SMVauedZANVgWEnprDzpDZIlv/xr/SH528eL\n\
    I4NvyaDd5djZpzvCfSjbwVLO1RNFDQa+kNCBQQIDAQABAoIBAC8ojXStSyQTTkiV\n\
    6+EqD1joV/tXaaeNd1rn1EqVp6hy6JrmlbvE5WNwz99tUFTL2ihyBVGOinwrD452\n\
    zHTcWj7uez1cCVvNhDlillTRYyO6aQBUknSL/Xsj5rpJMBZwKsRwFFbjjmjkfXLy\n\
    Fhei2WRf4aXGAl9UPfkA1JzTc997OUpqQHNdDq79/88tPY3wszkLC1IzkEX/Q0DP\n\
    shpD7S4H8ifjmNwrUQSpaaHmXCfKOxjCM8tzXIpNALkfwxoW+Y8kRONFwFQ4Pehw\n\
    vLPecfootOQJv7DfxPMJPvjEWLhWCmTvyzyuX94Xmn3JXtTimGrAb6Y0x43sRRZW\n\
    PTZD5o8CgYEA6GxYOe7tYR9lwTbtotZ1PvD3fTOXdqNHJ8P6Ake7RX9LfJ2IvQGU\n\
    GasbE3FRM6quk1exg5msYnChsh9QsmJACOXmcbywAypom+/BDzCiw4KnxWReDNqK\n\
    Nh+paCGL2BiCHB71Ebli0Oeap1jJhIksCbBgW507WgGLkcdw7Rsg2vMCgYEAyNbt\n\
    N4yJmdH6MmZ195M8ueQHZkTptXXSi7gnKHEWGqccDfcxPIkXTorI6TQ+vGB7xrHx\n\
    LdIZxR7G0t/LUjiS3hojmwieWGHhnKgROq3LQDNlobVBB2ElXHx+Gdlx7+6kT4tT\n\
    FF8KJUarC8OQSycWQ8dix1hd19m/doP/DWvaF/sCgYEAvYERUnMf8y+BbM9XZIzN\n\
    XftlHx1AosewTZj5sIBCDgEjUEC1671svp0HX4vmNGU3IAXBQ9a5ei3xeOUVi8yV\n\
    /2tLwHKjZIFgd7w9QiBapWRTXJtgH8TUKhsYqkGn3xLkiv8mvEPWcRRVwZqf/ENH\n\
    t8KqXihN6y4VWVAvH/QdjscCgYEAwZ3Rmpe1n8C5/xSf7UjYZizapVESLYmkrGWf\n\
    +nDq6k7n0N7ZbI6NFX7eKVPglyI8sVSiOZYumcYNzwVIsb8wd0WjxbYNUQ8rvSaZ\n\
    VYRuSTpDZB2kz0RsDDlIKAtkt/XMGZMrSJxG36C9DN4/oPPRlw4EwEEEVy7oUYz2\n\
    uS2cVzkCgYEAzJcXmhQNP5ebFxuPNBNghcHOIV8vTs2QFSbsf0YM7+5VuNcry1PS\n\
    HdSUt/yY2CSnWufj6900IgikiexG+o+HDDVwzqJEX4SW/hXfh+BDaVWrHHkAh1JL\n\
    IkWYbFVaQkdrIL1rrNVojkk1yqFKQzC5DEKwFSR5PIVEb+xVTHef/Y4=\n\
    -----END RSA PRIVATE KEY-----\n";

    /// The public half of [`TEST_RSA_PRIVATE_PEM`] (`openssl rsa -pubout`).
    pub(crate) const TEST_RSA_PUBLIC_PEM: &str = "-----BEGIN PUBLIC KEY-----\n\
    MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtlfG3b+j8tYZqNb2dpu9\n\
    673Exg+GytgpoaKKlSXr5ge74SViN5NzwJFJgXbPPUk25huAELuWpbnW1dQMDC+Q\n\
    KVWtox3RZxaeQUZ6InKAHHqP9uawxn/aaKyiGHtXpgvYKmTMdUsu4Y6Xb6mAcfTa\n\
    mV3z7UvkBJnOMRWCaFo1tS80NsA956kBHvuwuSSSSEJtGKoKoXi6mi9D8fueKKsv\n\
    YSrR3D8Kw49uKTmfKNvIHJnWf9tLgOvr0esECRudFPQUcP1XL+7ElCE7SMVauedZ\n\
    ANVgWEnprDzpDZIlv/xr/SH528eLI4NvyaDd5djZpzvCfSjbwVLO1RNFDQa+kNCB\n\
    QQIDAQAB\n\
    -----END PUBLIC KEY-----\n";

    /// Made with `openssl genpkey -algorithm ed25519`; test-only key.
    const OPENSSL_ED25519_PEM: &str = "-----BEGIN PRIVATE KEY-----\n\
        MC4CAQAwBQYDK2VwBCIEIN07UE7y5LOv1PCtH2Rx+1sSPE5MLklUTXqZ8GOZz49T\n\
        -----END PRIVATE KEY-----\n";

    /// RFC 7638 §3.1 example key and its thumbprint.
    const RFC7638_N: &str = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
    const RFC7638_THUMBPRINT: &str = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

    /// A scratch folder removed when dropped.
    struct ScratchDir(PathBuf);

    impl ScratchDir {
        fn new() -> Self {
            let mut name = [0u8; 8];
            getrandom::fill(&mut name).unwrap();
            let dir = std::env::temp_dir()
                .join(format!("panorama-keys-{}", URL_SAFE_NO_PAD.encode(name)));
            fs::create_dir_all(&dir).unwrap();
            Self(dir)
        }
    }

    impl Drop for ScratchDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn pem_round_trip_keeps_the_key() {
        let key = SigningKey::generate().unwrap();
        let pem = key.to_pem();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        let again = SigningKey::from_pem(&pem).unwrap();
        assert_eq!(again.kid(), key.kid());
        assert_eq!(again.to_pem(), pem);
    }

    #[test]
    fn pem_is_byte_compatible_with_openssl() {
        let key = SigningKey::from_pem(OPENSSL_ED25519_PEM).unwrap();
        assert_eq!(key.to_pem(), OPENSSL_ED25519_PEM);
        assert!(EncodingKey::from_ed_pem(key.to_pem().as_bytes()).is_ok());
    }

    #[test]
    fn generated_keys_differ() {
        let a = SigningKey::generate().unwrap();
        let b = SigningKey::generate().unwrap();
        assert_ne!(a.kid(), b.kid());
    }

    #[test]
    fn from_pem_rejects_garbage_and_public_keys() {
        assert!(SigningKey::from_pem("").is_err());
        assert!(
            SigningKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
                .is_err()
        );
        let key = SigningKey::generate().unwrap();
        let public = ed25519_dalek::pkcs8::EncodePublicKey::to_public_key_pem(
            &key.secret.verifying_key(),
            ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF,
        )
        .unwrap();
        assert!(SigningKey::from_pem(&public).is_err());
    }

    #[test]
    fn debug_does_not_show_the_private_key() {
        let key = SigningKey::generate().unwrap();
        let debug = format!("{key:?}");
        let seed_b64 = STANDARD.encode(key.secret.as_bytes());
        assert!(debug.contains(key.kid()));
        assert!(!debug.contains(&seed_b64));
    }

    #[test]
    fn kid_is_the_rfc8037_thumbprint() {
        // RFC 8037 appendix A.1 (key) and A.3 (thumbprint).
        let seed: [u8; 32] = URL_SAFE_NO_PAD
            .decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
            .unwrap()
            .try_into()
            .unwrap();
        let key = SigningKey::from_seed(&seed).unwrap();
        assert_eq!(key.kid(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
        assert_eq!(
            key.verifying_key().to_jwk()["x"],
            "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
        );
    }

    #[test]
    fn rsa_kid_without_kid_member_is_the_rfc7638_thumbprint() {
        let key = VerifyingKey::from_jwk_value(&json!({"kty": "RSA", "n": RFC7638_N, "e": "AQAB"}))
            .unwrap();
        assert_eq!(key.kid(), RFC7638_THUMBPRINT);
        assert_eq!(key.algorithm(), Algorithm::RS256);
    }

    #[test]
    fn jwk_kid_is_kept_when_given() {
        let jwk = json!({"kty": "RSA", "n": RFC7638_N, "e": "AQAB", "alg": "RS256", "kid": "2011-04-29", "use": "sig"});
        let key = VerifyingKey::from_jwk_value(&jwk).unwrap();
        assert_eq!(key.kid(), "2011-04-29");
        assert_eq!(key.to_jwk(), jwk);
    }

    #[test]
    fn ed25519_jwk_round_trips() {
        let key = SigningKey::generate().unwrap();
        let jwk = key.verifying_key().to_jwk();
        let back = VerifyingKey::from_jwk_value(&jwk).unwrap();
        assert_eq!(back.kid(), key.kid());
        assert_eq!(back.algorithm(), Algorithm::EdDSA);
        assert_eq!(back.to_jwk(), jwk);
    }

    #[test]
    fn unsafe_or_unsupported_jwks_are_refused() {
        let ed = SigningKey::generate().unwrap().verifying_key().to_jwk();
        let x = ed["x"].as_str().unwrap().to_owned();
        let short_n = URL_SAFE_NO_PAD.encode([0xc5u8; 128]);
        let cases = [
            json!({"kty": "oct", "k": "c2VjcmV0"}),
            json!({"kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}),
            json!({"kty": "OKP", "crv": "Ed25519", "x": x, "d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}),
            json!({"kty": "OKP", "crv": "Ed25519", "x": x, "alg": "RS256"}),
            json!({"kty": "OKP", "crv": "Ed25519", "x": x, "use": "enc"}),
            json!({"kty": "OKP", "crv": "Ed25519", "x": x, "key_ops": ["encrypt"]}),
            json!({"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}),
            json!({"kty": "OKP", "crv": "Ed25519", "x": URL_SAFE_NO_PAD.encode([0u8; 32])}),
            json!({"kty": "OKP", "crv": "Ed448", "x": x}),
            json!({"kty": "RSA", "n": RFC7638_N, "e": "AQAB", "alg": "RS512"}),
            json!({"kty": "RSA", "n": RFC7638_N, "e": "AQAB", "alg": "HS256"}),
            json!({"kty": "RSA", "n": short_n, "e": "AQAB"}),
            json!({"kty": "RSA", "n": RFC7638_N, "e": "AQ"}),
            json!({"kty": "RSA", "n": "***", "e": "AQAB"}),
            json!("not an object"),
        ];
        for case in cases {
            assert!(
                VerifyingKey::from_jwk_value(&case).is_err(),
                "accepted {case}"
            );
        }
    }

    #[test]
    fn public_pem_ed25519_and_rsa() {
        let key = SigningKey::generate().unwrap();
        let pem = ed25519_dalek::pkcs8::EncodePublicKey::to_public_key_pem(
            &key.secret.verifying_key(),
            ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF,
        )
        .unwrap();
        let public = VerifyingKey::from_public_pem(&pem).unwrap();
        assert_eq!(public.kid(), key.kid());
        assert_eq!(public.algorithm(), Algorithm::EdDSA);
        assert!(VerifyingKey::from_public_pem(&key.to_pem()).is_err());
        assert!(VerifyingKey::from_public_pem("garbage").is_err());
        assert!(VerifyingKey::from_public_pem(TEST_RSA_PRIVATE_PEM).is_err());

        let rsa = VerifyingKey::from_public_pem(TEST_RSA_PUBLIC_PEM).unwrap();
        assert_eq!(rsa.algorithm(), Algorithm::RS256);
        let mut jwk = rsa.to_jwk();
        jwk.as_object_mut().unwrap().remove("kid");
        assert_eq!(VerifyingKey::from_jwk_value(&jwk).unwrap().kid(), rsa.kid());
    }

    #[test]
    fn key_set_publishes_every_public_key_and_no_private_material() {
        let current = SigningKey::generate().unwrap();
        let previous = SigningKey::generate().unwrap();
        let set = KeySet::new(
            current.clone(),
            vec![
                previous.verifying_key().clone(),
                current.verifying_key().clone(),
            ],
        );
        assert_eq!(set.verifying_keys().len(), 2);
        let jwks = set.jwks();
        let keys = jwks["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0]["kid"], current.kid());
        assert_eq!(keys[1]["kid"], previous.kid());
        for key in keys {
            assert_eq!(key["kty"], "OKP");
            assert_eq!(key["crv"], "Ed25519");
            assert_eq!(key["alg"], "EdDSA");
            assert_eq!(key["use"], "sig");
            for member in SECRET_MEMBERS {
                assert!(key.get(member).is_none());
            }
        }
        let text = jwks.to_string();
        for secret in [&current, &previous] {
            assert!(!text.contains(&URL_SAFE_NO_PAD.encode(secret.secret.as_bytes())));
        }
        assert!(set.find(previous.kid()).is_some());
        assert!(set.find("nope").is_none());
    }

    #[test]
    fn jwks_document_skips_unsupported_keys() {
        let ed = SigningKey::generate().unwrap().verifying_key().to_jwk();
        let document = json!({"keys": [
            {"kty": "RSA", "n": RFC7638_N, "e": "AQAB", "alg": "RS256", "kid": "rsa-1"},
            {"kty": "EC", "crv": "P-256", "kid": "ec-1", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
            {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac-1"},
            {"kty": "RSA", "n": RFC7638_N, "e": "AQAB", "alg": "RSA-OAEP", "use": "enc", "kid": "enc-1"},
            ed,
            ed,
        ]});
        let jwks = Jwks::parse(&document.to_string()).unwrap();
        let kids: Vec<_> = jwks.keys.iter().map(VerifyingKey::kid).collect();
        assert_eq!(kids, vec!["rsa-1", ed["kid"].as_str().unwrap()]);
        let skipped: Vec<_> = jwks.skipped.iter().map(|s| s.kid.clone()).collect();
        assert_eq!(
            skipped,
            vec![
                Some("ec-1".to_owned()),
                Some("hmac-1".to_owned()),
                Some("enc-1".to_owned()),
                ed["kid"].as_str().map(str::to_owned),
            ]
        );
        assert!(Jwks::parse("{}").is_err());
        assert!(Jwks::parse("not json").is_err());
    }

    #[test]
    fn load_or_generate_writes_once_and_reads_the_same_key() {
        let dir = ScratchDir::new();
        let path = dir.0.join("nested/keys/signing.pem");
        let first = load_or_generate(&path).unwrap();
        let written = fs::read_to_string(&path).unwrap();
        let second = load_or_generate(&path).unwrap();
        assert_eq!(first.kid(), second.kid());
        assert_eq!(fs::read_to_string(&path).unwrap(), written);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn load_or_generate_refuses_a_corrupt_file_and_leaves_it() {
        let dir = ScratchDir::new();
        let path = dir.0.join("signing.pem");
        fs::write(&path, "not a key").unwrap();
        let error = load_or_generate(&path).unwrap_err();
        assert!(matches!(error, KeyError::Corrupt { .. }), "{error}");
        assert_eq!(fs::read_to_string(&path).unwrap(), "not a key");
        fs::write(&path, [0xffu8, 0xfe, 0x00]).unwrap();
        assert!(matches!(
            load_or_generate(&path),
            Err(KeyError::Corrupt { .. })
        ));
    }

    #[test]
    fn load_or_generate_reads_an_operator_key() {
        let dir = ScratchDir::new();
        let path = dir.0.join("operator.pem");
        fs::write(&path, OPENSSL_ED25519_PEM).unwrap();
        let key = load_or_generate(&path).unwrap();
        assert_eq!(key.to_pem(), OPENSSL_ED25519_PEM);
    }
}
