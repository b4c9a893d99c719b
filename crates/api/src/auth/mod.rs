//! Authentication: credentials, keys, tokens.
//!
//! Tokens are JWTs signed with asymmetric keys (Ed25519 for Panorama's own, Ed25519 or RSA for an
//! identity provider's), so the public keys can be published as a JWKS and no verifier holds a
//! secret that could mint tokens. Every key has a `kid`, and a token names the one key that checks
//! it. To rotate, a [`keys::KeySet`] signs with its current key and still accepts the previous
//! public keys listed beside it, so tokens issued before the rotation stay valid until they expire.
//! Algorithms are pinned per issuer and key (EdDSA for local tokens; the matched key's EdDSA or
//! RS256 for a provider's): `none`, HMAC and anything else are refused, which closes the
//! algorithm-confusion attack of an HS256 token "signed" with a public key. The unverified `iss`
//! only chooses whose keys to try; the signature is then checked with one of them and `iss` again
//! as a signed claim, so forging it gains nothing.

pub mod accounts;
pub mod keys;
pub mod oauth;
pub mod secrets;
pub mod session;
pub mod tokens;
