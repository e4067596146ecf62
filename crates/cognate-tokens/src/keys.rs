//! RSA signing keys, their public halves, JWKs and per-pool key sets.

use std::fmt;
use std::sync::Arc;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{
    KeyPair as _, ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256,
};
use serde::{Deserialize, Serialize};

use crate::{b64, TokenError};

/// Smallest accepted RSA modulus, in bits.
const MIN_RSA_BITS: usize = 2048;
/// Largest accepted RSA modulus, in bits.
const MAX_RSA_BITS: usize = 8192;

/// One RSA key pair (RSA-2048 when generated here) identified by a `kid`.
///
/// `Debug` prints only the `kid`.
#[derive(Clone)]
pub struct SigningKey {
    pair: KeyPair,
    public: VerifyingKey,
}

impl SigningKey {
    /// Generates a fresh RSA-2048 key pair.
    pub fn generate(kid: impl Into<String>) -> Result<Self, TokenError> {
        let kid = check_kid(kid.into())?;
        let pair = KeyPair::generate(KeySize::Rsa2048)
            .map_err(|_| TokenError::Crypto("RSA key generation failed".into()))?;
        Self::from_pair(kid, pair)
    }

    /// Loads a key pair from PKCS#8 DER (v1 or v2), as produced by [`to_pkcs8`](Self::to_pkcs8).
    pub fn from_pkcs8(kid: impl Into<String>, der: &[u8]) -> Result<Self, TokenError> {
        let kid = check_kid(kid.into())?;
        let pair = KeyPair::from_pkcs8(der)
            .map_err(|e| TokenError::InvalidKey(format!("RSA PKCS#8 rejected: {e}")))?;
        Self::from_pair(kid, pair)
    }

    fn from_pair(kid: String, pair: KeyPair) -> Result<Self, TokenError> {
        let public = pair.public_key();
        let public = VerifyingKey::from_components(
            kid,
            public.modulus().big_endian_without_leading_zero(),
            public.exponent().big_endian_without_leading_zero(),
        )?;
        Ok(Self { pair, public })
    }

    /// The private key as PKCS#8 v1 DER. Seal it with a
    /// [`MasterKey`](crate::MasterKey) before storing it.
    ///
    /// # Panics
    /// Only if aws-lc cannot serialize a key it already holds (allocation failure).
    pub fn to_pkcs8(&self) -> Vec<u8> {
        let der: Pkcs8V1Der<'static> = self.pair.as_der().expect("serialize RSA key as PKCS#8");
        der.as_ref().to_vec()
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        self.public.kid()
    }

    /// The public key as a JWK.
    pub fn jwk(&self) -> Jwk {
        self.public.jwk()
    }

    /// The public half, ready for verification.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.public.clone()
    }

    /// Signs `claims` (which must be a JSON object) as a compact RS256 JWS.
    ///
    /// The protected header is exactly `{"kid":"<kid>","alg":"RS256"}`, as
    /// Cognito emits it.
    pub fn sign(&self, claims: &serde_json::Value) -> Result<String, TokenError> {
        let claims = claims.as_object().ok_or(TokenError::Malformed)?;
        let kid_json =
            serde_json::to_string(self.kid()).map_err(|e| TokenError::Crypto(e.to_string()))?;
        let header = format!(r#"{{"kid":{kid_json},"alg":"RS256"}}"#);
        let payload = serde_json::to_vec(claims).map_err(|e| TokenError::Crypto(e.to_string()))?;

        let mut token = b64::url_encode(header.as_bytes());
        token.push('.');
        token.push_str(&b64::url_encode(&payload));

        let mut sig = vec![0u8; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                token.as_bytes(),
                &mut sig,
            )
            .map_err(|_| TokenError::Crypto("RSA signing failed".into()))?;
        token.push('.');
        token.push_str(&b64::url_encode(&sig));
        Ok(token)
    }
}

#[cfg(test)]
impl SigningKey {
    /// Signs arbitrary header/payload bytes (tests craft hostile tokens with it).
    pub(crate) fn sign_raw(&self, header: &[u8], payload: &[u8]) -> String {
        let mut token = b64::url_encode(header);
        token.push('.');
        token.push_str(&b64::url_encode(payload));
        let mut sig = vec![0u8; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                token.as_bytes(),
                &mut sig,
            )
            .expect("sign");
        token.push('.');
        token.push_str(&b64::url_encode(&sig));
        token
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid())
            .finish_non_exhaustive()
    }
}

fn check_kid(kid: String) -> Result<String, TokenError> {
    if kid.is_empty() {
        return Err(TokenError::InvalidKey("kid must not be empty".into()));
    }
    Ok(kid)
}

/// A JSON Web Key (RSA public key), field order as in Cognito's JWKS.
///
/// `n` and `e` are base64url without padding and without leading zero bytes.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Jwk {
    /// Always `"RS256"` for keys produced here (may be absent in foreign JWKS).
    #[serde(default)]
    pub alg: String,
    /// Public exponent.
    pub e: String,
    /// Key id.
    pub kid: String,
    /// Always `"RSA"`.
    pub kty: String,
    /// Modulus.
    pub n: String,
    /// Always `"sig"` for keys produced here (may be absent in foreign JWKS).
    #[serde(rename = "use", default)]
    pub use_: String,
}

/// A JWKS document (`{"keys":[...]}`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Jwks {
    /// The keys, in publication order.
    pub keys: Vec<Jwk>,
}

/// A parsed RSA public key with its `kid`, ready for RS256 verification.
///
/// Cheap to clone (shared internally); `Send + Sync`.
#[derive(Clone)]
pub struct VerifyingKey(Arc<VerifyingInner>);

struct VerifyingInner {
    kid: String,
    n: Vec<u8>,
    e: Vec<u8>,
    parsed: ParsedPublicKey,
}

impl VerifyingKey {
    /// Parses an RSA JWK. `kty` must be `RSA`; `alg`, when present, must be
    /// `RS256`; `use`, when present, must be `sig`; the modulus must be
    /// 2048–8192 bits.
    pub fn from_jwk(j: &Jwk) -> Result<Self, TokenError> {
        if j.kty != "RSA" {
            return Err(TokenError::UnsupportedAlgorithm);
        }
        if !(j.alg.is_empty() || j.alg == "RS256") {
            return Err(TokenError::UnsupportedAlgorithm);
        }
        if !(j.use_.is_empty() || j.use_ == "sig") {
            return Err(TokenError::InvalidKey(format!(
                "JWK use must be \"sig\", got {:?}",
                j.use_
            )));
        }
        let kid = check_kid(j.kid.clone())?;
        let decode = |s: &str, what: &str| {
            b64::url_decode(s)
                .or_else(|| b64::any_decode(s))
                .ok_or_else(|| TokenError::InvalidKey(format!("JWK {what} is not base64url")))
        };
        let n = decode(&j.n, "n")?;
        let e = decode(&j.e, "e")?;
        Self::from_components(kid, &n, &e)
    }

    fn from_components(kid: String, n: &[u8], e: &[u8]) -> Result<Self, TokenError> {
        let n = strip_leading_zeros(n);
        let e = strip_leading_zeros(e);
        let bits = n
            .first()
            .map_or(0, |b| n.len() * 8 - b.leading_zeros() as usize);
        if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
            return Err(TokenError::InvalidKey(format!(
                "RSA modulus must be {MIN_RSA_BITS}-{MAX_RSA_BITS} bits, got {bits}"
            )));
        }
        if e.is_empty() || e.len() > 8 {
            return Err(TokenError::InvalidKey("RSA exponent out of range".into()));
        }
        let parsed = PublicKeyComponents { n, e }
            .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
            .map_err(|err| TokenError::InvalidKey(format!("RSA public key rejected: {err}")))?;
        Ok(Self(Arc::new(VerifyingInner {
            kid,
            n: n.to_vec(),
            e: e.to_vec(),
            parsed,
        })))
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.0.kid
    }

    /// The key as a JWK (`alg` RS256, `kty` RSA, `use` sig).
    pub fn jwk(&self) -> Jwk {
        Jwk {
            alg: "RS256".into(),
            e: b64::url_encode(&self.0.e),
            kid: self.0.kid.clone(),
            kty: "RSA".into(),
            n: b64::url_encode(&self.0.n),
            use_: "sig".into(),
        }
    }

    /// Verifies an RSASSA-PKCS1-v1_5 SHA-256 signature over `message`.
    pub(crate) fn verify_rs256(&self, message: &[u8], signature: &[u8]) -> bool {
        self.0.parsed.verify_sig(message, signature).is_ok()
    }
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("kid", &self.kid())
            .field("bits", &(self.0.n.len() * 8))
            .finish()
    }
}

impl PartialEq for VerifyingKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.kid == other.0.kid && self.0.n == other.0.n && self.0.e == other.0.e
    }
}

impl Eq for VerifyingKey {}

fn strip_leading_zeros(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[start..]
}

/// The verifying keys of one user pool, by `kid`, in publication order.
#[derive(Clone, Debug, Default)]
pub struct KeySet {
    keys: Vec<VerifyingKey>,
}

impl KeySet {
    /// Builds a set; a later key replaces an earlier one with the same `kid`.
    pub fn new(keys: impl IntoIterator<Item = VerifyingKey>) -> Self {
        let mut set = Self::default();
        for k in keys {
            set.insert(k);
        }
        set
    }

    /// Parses every key of a JWKS document (fails on the first invalid key).
    pub fn from_jwks(jwks: &Jwks) -> Result<Self, TokenError> {
        let keys = jwks
            .keys
            .iter()
            .map(VerifyingKey::from_jwk)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::new(keys))
    }

    /// The key with this `kid`.
    pub fn get(&self, kid: &str) -> Option<&VerifyingKey> {
        self.keys.iter().find(|k| k.kid() == kid)
    }

    /// Adds a key, replacing (in place) any key with the same `kid`.
    pub fn insert(&mut self, k: VerifyingKey) {
        match self.keys.iter_mut().find(|old| old.kid() == k.kid()) {
            Some(old) => *old = k,
            None => self.keys.push(k),
        }
    }

    /// Removes and returns the key with this `kid`.
    pub fn remove(&mut self, kid: &str) -> Option<VerifyingKey> {
        let idx = self.keys.iter().position(|k| k.kid() == kid)?;
        Some(self.keys.remove(idx))
    }

    /// The JWKS document for this set.
    pub fn jwks(&self) -> Jwks {
        Jwks {
            keys: self.keys.iter().map(VerifyingKey::jwk).collect(),
        }
    }

    /// Iterates over the keys in publication order.
    pub fn iter(&self) -> impl Iterator<Item = &VerifyingKey> {
        self.keys.iter()
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set has no keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}
