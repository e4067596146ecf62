//! cognate-tokens: the cryptographic core of cognate.
//!
//! * **RSA key sets per pool** — [`SigningKey`] (one RSA-2048 key pair with a
//!   `kid`), [`VerifyingKey`] (its parsed public half) and [`KeySet`]
//!   (`kid` → verifying key, as published for one user pool).
//! * **JWT** — JWS compact serialization, RS256 only: [`SigningKey::sign`],
//!   strict [`verify`], [`decode_unverified`] (for routing by `iss`/`kid`) and
//!   [`check_expiry`].
//! * **JWKS documents** — [`Jwk`] / [`Jwks`], serialized exactly as Cognito's
//!   `/.well-known/jwks.json`.
//! * **Secrets at rest** — [`MasterKey`] seals data with AES-256-GCM and
//!   derives domain-separated HMAC keys for authenticating opaque server
//!   state; plus small primitives ([`random_bytes`], [`sha256`],
//!   [`hmac_sha256`], [`constant_time_eq`], [`secret_hash`]).
//!
//! The crate performs no I/O, knows nothing about storage or HTTP and never
//! reads the clock: callers pass `now` as epoch seconds. All cryptography is
//! done with `aws-lc-rs`.
#![forbid(unsafe_code)]

mod b64;
mod error;
mod jwt;
mod keys;
mod master_key;
mod secrets;

pub use error::TokenError;
pub use jwt::{check_expiry, decode_unverified, verify, Header, Verified, MAX_TOKEN_LEN};
pub use keys::{Jwk, Jwks, KeySet, SigningKey, VerifyingKey};
pub use master_key::MasterKey;
pub use secrets::{constant_time_eq, hmac_sha256, random_bytes, secret_hash, sha256};

#[cfg(test)]
mod tests;
