//! JWS compact (RS256) decoding and strict verification.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{b64, KeySet, TokenError};

/// Longest token accepted by [`verify`] and [`decode_unverified`] (16 KiB).
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// The JOSE header fields cognate cares about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Signature algorithm; only `RS256` passes [`verify`].
    pub alg: String,
    /// Key id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    /// Media type (Cognito omits it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typ: Option<String>,
}

/// A token whose signature has been verified. Claims are *not* validated
/// (see [`check_expiry`]; `iss`, `aud`, `token_use` are the caller's job).
#[derive(Clone, Debug, PartialEq)]
pub struct Verified {
    /// The protected header.
    pub header: Header,
    /// The payload object.
    pub claims: Map<String, Value>,
}

/// The three segments of a compact JWS plus the signing input.
struct Parts<'a> {
    signing_input: &'a str,
    header: &'a str,
    payload: &'a str,
    signature: &'a str,
}

fn split(token: &str) -> Result<Parts<'_>, TokenError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::Malformed);
    }
    let (signing_input, signature) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
    let (header, payload) = signing_input.split_once('.').ok_or(TokenError::Malformed)?;
    if payload.contains('.') {
        return Err(TokenError::Malformed);
    }
    Ok(Parts {
        signing_input,
        header,
        payload,
        signature,
    })
}

/// Decodes one base64url segment holding a JSON object; rejects duplicate
/// top-level members.
fn decode_object(segment: &str) -> Result<Map<String, Value>, TokenError> {
    parse_object(&b64::url_decode(segment).ok_or(TokenError::Malformed)?)
}

/// Parses a JSON object; rejects duplicate top-level members.
fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, TokenError> {
    serde_json::from_slice::<StrictObject>(bytes)
        .map(|o| o.0)
        .map_err(|_| TokenError::Malformed)
}

fn optional_string(obj: &Map<String, Value>, name: &str) -> Result<Option<String>, TokenError> {
    match obj.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(TokenError::Malformed),
    }
}

fn parse_header(segment: &str) -> Result<(Header, Map<String, Value>), TokenError> {
    let obj = decode_object(segment)?;
    let alg = optional_string(&obj, "alg")?.ok_or(TokenError::Malformed)?;
    let header = Header {
        alg,
        kid: optional_string(&obj, "kid")?,
        typ: optional_string(&obj, "typ")?,
    };
    Ok((header, obj))
}

/// Decodes a token **without verifying it**, e.g. to pick the pool by `iss`
/// or the key by `kid`. Never trust the result for authorization.
///
/// Checks only structure: at most [`MAX_TOKEN_LEN`] bytes, three base64url
/// segments, header and payload JSON objects, header `alg` a string.
pub fn decode_unverified(token: &str) -> Result<(Header, Map<String, Value>), TokenError> {
    let parts = split(token)?;
    let (header, _) = parse_header(parts.header)?;
    let claims = decode_object(parts.payload)?;
    b64::url_decode(parts.signature).ok_or(TokenError::Malformed)?;
    Ok((header, claims))
}

/// Strictly verifies a compact RS256 JWS against `keys`.
///
/// * structure as in [`decode_unverified`] (unpadded base64url only) → else
///   [`TokenError::Malformed`]; a `crit` header is also `Malformed` (no
///   extensions are understood);
/// * `alg` exactly `RS256` → else [`TokenError::UnsupportedAlgorithm`];
/// * `kid` present and in `keys` → else [`TokenError::UnknownKey`];
/// * RSASSA-PKCS1-v1_5 SHA-256 over `<header>.<payload>` → else
///   [`TokenError::BadSignature`].
///
/// Does not check `exp`, `iss`, `aud` or any other claim.
pub fn verify(token: &str, keys: &KeySet) -> Result<Verified, TokenError> {
    let parts = split(token)?;
    let (header, raw_header) = parse_header(parts.header)?;
    if header.alg != "RS256" {
        return Err(TokenError::UnsupportedAlgorithm);
    }
    if raw_header.contains_key("crit") {
        return Err(TokenError::Malformed);
    }
    let key = header
        .kid
        .as_deref()
        .and_then(|kid| keys.get(kid))
        .ok_or(TokenError::UnknownKey)?;
    let payload = b64::url_decode(parts.payload).ok_or(TokenError::Malformed)?;
    let signature = b64::url_decode(parts.signature).ok_or(TokenError::Malformed)?;
    if !key.verify_rs256(parts.signing_input.as_bytes(), &signature) {
        return Err(TokenError::BadSignature);
    }
    let claims = parse_object(&payload)?;
    Ok(Verified { header, claims })
}

/// Checks `exp` against `now` (epoch seconds): the token is valid while
/// `now < exp`.
///
/// Missing or non-numeric `exp` → [`TokenError::Malformed`]; `now >= exp` →
/// [`TokenError::Expired`].
pub fn check_expiry(claims: &Map<String, Value>, now: i64) -> Result<(), TokenError> {
    let exp = match claims.get("exp") {
        Some(Value::Number(n)) => n,
        _ => return Err(TokenError::Malformed),
    };
    let alive = if let Some(exp) = exp.as_i64() {
        now < exp
    } else if exp.as_u64().is_some() {
        // Larger than i64::MAX: far future.
        true
    } else {
        let exp = exp.as_f64().ok_or(TokenError::Malformed)?;
        (now as f64) < exp
    };
    if alive {
        Ok(())
    } else {
        Err(TokenError::Expired)
    }
}

/// A JSON object whose top-level member names are unique.
struct StrictObject(Map<String, Value>);

impl<'de> Deserialize<'de> for StrictObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;

        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = Map<String, Value>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut map = Map::new();
                while let Some(key) = access.next_key::<String>()? {
                    if map.contains_key(&key) {
                        return Err(de::Error::custom("duplicate member"));
                    }
                    let value: Value = access.next_value()?;
                    map.insert(key, value);
                }
                Ok(map)
            }
        }

        d.deserialize_map(ObjectVisitor).map(StrictObject)
    }
}
