//! The deployment's master key: encryption of secrets at rest and
//! authentication of opaque server state.

use std::fmt;

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};

use crate::b64;
use crate::secrets::{hmac_sha256, random_bytes};
use crate::TokenError;

/// Format version byte prefixed to every sealed blob.
const SEAL_VERSION: u8 = 1;
/// AES-GCM tag length in bytes.
const TAG_LEN: usize = 16;

/// A 32-byte master key.
///
/// * [`seal`](Self::seal) / [`open`](Self::open): AES-256-GCM under the
///   master key itself, random 96-bit nonce; sealed format is
///   `0x01 || nonce(12) || ciphertext || tag(16)`.
/// * [`mac`](Self::mac): HMAC-SHA256 under a per-domain subkey
///   `HMAC-SHA256(master, "cognate:" + domain)`, so MACs from different
///   domains never collide.
///
/// `Debug` never prints the key.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl MasterKey {
    /// Generates a fresh random key from the system CSPRNG.
    pub fn generate() -> Result<Self, TokenError> {
        let mut key = [0u8; 32];
        SystemRandom::new()
            .fill(&mut key)
            .map_err(|_| TokenError::Crypto("system random generator failed".into()))?;
        Ok(Self(key))
    }

    /// Wraps exactly 32 raw bytes.
    pub fn from_bytes(b: &[u8]) -> Result<Self, TokenError> {
        let key: [u8; 32] = b.try_into().map_err(|_| {
            TokenError::InvalidKey(format!("master key must be 32 bytes, got {}", b.len()))
        })?;
        Ok(Self(key))
    }

    /// Parses 64 hex characters (either case) or standard / url-safe base64
    /// (padded or not) of 32 bytes. Surrounding whitespace is ignored.
    pub fn from_encoded(s: &str) -> Result<Self, TokenError> {
        let s = s.trim();
        let bytes = if s.len() == 64 {
            b64::hex_decode(s)
        } else {
            None
        }
        .or_else(|| b64::any_decode(s));
        match bytes {
            Some(b) if b.len() == 32 => Self::from_bytes(&b),
            _ => Err(TokenError::InvalidKey(
                "master key must be 64 hex characters or base64 of 32 bytes".into(),
            )),
        }
    }

    /// The key as 64 lowercase hex characters (accepted by [`from_encoded`](Self::from_encoded)).
    pub fn encoded(&self) -> String {
        b64::hex_encode(&self.0)
    }

    fn aead_key(&self) -> LessSafeKey {
        // A 32-byte key is always valid for AES-256-GCM.
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &self.0).expect("32-byte AES-256 key"))
    }

    /// Encrypts and authenticates `plaintext`, binding it to `aad` (which is
    /// not stored; the same `aad` must be passed to [`open`](Self::open)).
    ///
    /// # Panics
    /// Only if the system random generator or AES-GCM fails, which aws-lc-rs
    /// treats as unrecoverable.
    pub fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Vec<u8> {
        let nonce_bytes: [u8; NONCE_LEN] = random_bytes();
        let mut out = Vec::with_capacity(1 + NONCE_LEN + plaintext.len() + TAG_LEN);
        out.push(SEAL_VERSION);
        out.extend_from_slice(&nonce_bytes);
        let mut in_out = plaintext.to_vec();
        self.aead_key()
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce_bytes),
                Aad::from(aad),
                &mut in_out,
            )
            .expect("AES-256-GCM seal");
        out.extend_from_slice(&in_out);
        out
    }

    /// Decrypts a blob produced by [`seal`](Self::seal) with the same key and `aad`.
    pub fn open(&self, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, TokenError> {
        let (&version, rest) = sealed.split_first().ok_or(TokenError::Decrypt)?;
        if version != SEAL_VERSION || rest.len() < NONCE_LEN + TAG_LEN {
            return Err(TokenError::Decrypt);
        }
        let (nonce_bytes, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce =
            Nonce::try_assume_unique_for_key(nonce_bytes).map_err(|_| TokenError::Decrypt)?;
        let mut in_out = ciphertext.to_vec();
        let plain_len = self
            .aead_key()
            .open_in_place(nonce, Aad::from(aad), &mut in_out)
            .map_err(|_| TokenError::Decrypt)?
            .len();
        in_out.truncate(plain_len);
        Ok(in_out)
    }

    /// HMAC-SHA256 of `data` under a subkey derived from the master key and
    /// `domain` (`HMAC-SHA256(master, "cognate:" + domain)`).
    pub fn mac(&self, domain: &str, data: &[u8]) -> [u8; 32] {
        let subkey = hmac_sha256(&self.0, format!("cognate:{domain}").as_bytes());
        hmac_sha256(&subkey, data)
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}
