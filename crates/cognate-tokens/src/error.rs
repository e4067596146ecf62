//! The crate's single error type.

/// Everything that can go wrong while handling keys, tokens and secrets.
///
/// Messages never contain key material or token contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The token (or other encoded input) is not structurally valid: wrong
    /// number of segments, bad base64url, non-object JSON, duplicate JSON
    /// members, too long, or a required claim is missing / of the wrong type.
    #[error("malformed token")]
    Malformed,
    /// The JWS `alg` is anything other than `RS256` (including `none`), or a
    /// JWK declares an algorithm / key type this crate does not support.
    #[error("unsupported token algorithm (only RS256 is accepted)")]
    UnsupportedAlgorithm,
    /// The token has no `kid`, or its `kid` is not in the key set.
    #[error("token signed with an unknown key")]
    UnknownKey,
    /// The RSA signature does not verify.
    #[error("token signature is invalid")]
    BadSignature,
    /// `exp` is at or before the current time.
    #[error("token has expired")]
    Expired,
    /// Key material could not be parsed or is unacceptable (wrong length,
    /// wrong encoding, RSA modulus too small, ...).
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// Sealed data failed authentication: wrong master key, wrong associated
    /// data, unknown format version, or corrupted bytes.
    #[error("sealed data could not be decrypted (wrong key, wrong context or corrupted)")]
    Decrypt,
    /// An unexpected failure inside the cryptographic library.
    #[error("cryptographic operation failed: {0}")]
    Crypto(String),
}
