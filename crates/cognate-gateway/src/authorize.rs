//! The authorize phase: the Cognito user pool authorizer.
//!
//! The token is read from the authorizer's identity source header (raw or
//! after `Bearer `), its signature is checked with the key its `kid` names
//! among the keys of the pool whose issuer equals its `iss` (RS256 only),
//! and its expiry by the injected clock. A method without authorization
//! scopes then wants an ID token whose `aud` matches the authorizer's
//! validation expression (a regex matching the whole value); a method with
//! scopes wants an access token whose `scope` holds one of them.
//!
//! A verified token is remembered per authorizer for the authorizer's result
//! TTL and never past its `exp`, so a token costs one RSA verification per
//! TTL. The cache holds the tokens themselves: a hit is an exact match of
//! the whole token (no digest whose collisions could matter), found by a
//! randomly keyed hash. It is sharded: a hit takes one shard's read lock.

use std::hash::BuildHasher;
use std::sync::{Arc, RwLock};

use cognate_apigw::model::Authorizer;
use cognate_apigw::service::authorizers::identity_header;
use cognate_tokens::TokenError;
use hashbrown::HashTable;
use http::{HeaderMap, HeaderName};
use regex::Regex;
use serde_json::{Map, Value};

use crate::issuers::Issuer;
use crate::responses::{Reject, ResponseType};

/// A verified token's claims, shared with the later phases.
pub type Claims = Arc<Map<String, Value>>;

/// The message of a token that verifies but has expired.
pub const EXPIRED_MESSAGE: &str = "The incoming token has expired";

/// The header an authorizer reads when it names none.
const DEFAULT_IDENTITY_SOURCE: &str = "method.request.header.Authorization";
/// The result TTL when the authorizer names none, and the largest allowed.
const DEFAULT_TTL_SECS: i64 = 300;
const MAX_TTL_SECS: i64 = 3600;

const SHARDS: usize = 16;
/// Tokens remembered per authorizer, at most.
const CACHE_CAPACITY: usize = 32 * 1024;
/// The longest token the cache holds (Cognito's are 1–2 KiB).
const MAX_CACHED_TOKEN: usize = 16 * 1024;

/// How a method is authorized, decided when the deployment is installed.
#[derive(Debug)]
pub enum MethodAuth {
    /// `NONE`: every request passes.
    Open,
    /// `COGNITO_USER_POOLS`; with scopes, access tokens are wanted.
    Cognito {
        authorizer: Arc<CognitoAuthorizer>,
        scopes: Vec<String>,
    },
    /// An authorizer this server does not run (`AWS_IAM`, `CUSTOM`) or one
    /// that cannot be used: no request passes. The reason is logged at install.
    Refused(String),
}

impl MethodAuth {
    /// Authorizes a request: its claims when a Cognito authorizer ran.
    pub fn run(&self, headers: &HeaderMap, now: i64) -> Result<Option<Claims>, Reject> {
        match self {
            MethodAuth::Open => Ok(None),
            MethodAuth::Cognito { authorizer, scopes } => {
                authorizer.authorize(headers, scopes, now).map(Some)
            }
            MethodAuth::Refused(_) => Err(Reject::new(ResponseType::AuthorizerConfigurationError)),
        }
    }
}

/// One deployed `COGNITO_USER_POOLS` authorizer.
pub struct CognitoAuthorizer {
    header: HeaderName,
    issuers: Vec<Arc<Issuer>>,
    /// `^(?:identityValidationExpression)$`.
    audience: Option<Regex>,
    ttl_secs: i64,
    cache: TokenCache,
}

impl std::fmt::Debug for CognitoAuthorizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CognitoAuthorizer")
            .field("header", &self.header)
            .field("issuers", &self.issuers)
            .field("audience", &self.audience.as_ref().map(Regex::as_str))
            .field("ttl_secs", &self.ttl_secs)
            .finish()
    }
}

/// A token that verified, as remembered.
#[derive(Clone)]
struct Verified {
    claims: Claims,
    /// Its `token_use`, read once.
    token_use: TokenUse,
    /// Whether `aud` matches the validation expression (true without one).
    audience_ok: bool,
    /// Remembered until then (epoch seconds): the TTL, never past `exp`.
    until: i64,
}

/// The kinds of token a user pool issues (`token_use`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum TokenUse {
    Id,
    Access,
    Other,
}

impl TokenUse {
    fn of(claims: &Map<String, Value>) -> TokenUse {
        match claims.get("token_use").and_then(Value::as_str) {
            Some("id") => TokenUse::Id,
            Some("access") => TokenUse::Access,
            _ => TokenUse::Other,
        }
    }
}

fn unauthorized() -> Reject {
    Reject::new(ResponseType::Unauthorized)
}

impl CognitoAuthorizer {
    /// Prepares an authorizer whose pools resolved to `issuers`.
    pub fn compile(authorizer: &Authorizer, issuers: Vec<Arc<Issuer>>) -> Result<Self, String> {
        let source = authorizer
            .identity_source
            .as_deref()
            .unwrap_or(DEFAULT_IDENTITY_SOURCE)
            .trim();
        let header = identity_header(source)
            .and_then(|name| HeaderName::from_bytes(name.as_bytes()).ok())
            .ok_or_else(|| format!("identity source {source} is not a request header"))?;
        let audience = match authorizer.identity_validation_expression.as_deref() {
            None | Some("") => None,
            Some(expr) => Some(
                Regex::new(&format!("^(?:{expr})$"))
                    .map_err(|e| format!("identity validation expression {expr}: {e}"))?,
            ),
        };
        if issuers.is_empty() {
            return Err("no provider ARNs".into());
        }
        Ok(CognitoAuthorizer {
            header,
            issuers,
            audience,
            ttl_secs: authorizer
                .authorizer_result_ttl_in_seconds
                .unwrap_or(DEFAULT_TTL_SECS)
                .clamp(0, MAX_TTL_SECS),
            cache: TokenCache::new(),
        })
    }

    /// The issuers whose tokens this authorizer accepts.
    pub fn issuers(&self) -> &[Arc<Issuer>] {
        &self.issuers
    }

    /// Authorizes a request for a method with these `scopes` at `now`
    /// (epoch seconds): the token's claims, or why not.
    pub fn authorize(
        &self,
        headers: &HeaderMap,
        scopes: &[String],
        now: i64,
    ) -> Result<Claims, Reject> {
        let token = self.token(headers)?;
        let verified = if self.ttl_secs == 0 {
            self.verify(as_text(token)?, now)?
        } else {
            match self.cache.get(token, now) {
                Some(hit) => hit,
                None => {
                    let verified = self.verify(as_text(token)?, now)?;
                    self.cache.insert(token, verified.clone(), now);
                    verified
                }
            }
        };
        if permits(&verified, scopes) {
            Ok(verified.claims)
        } else {
            Err(unauthorized())
        }
    }

    /// Verifies the token in `headers` without a method in view and without
    /// the cache: an ID token whose `aud` matches, or any access token (as
    /// `TestInvokeAuthorizer` does).
    pub fn inspect(&self, headers: &HeaderMap, now: i64) -> Result<Claims, Reject> {
        let token = self.token(headers)?;
        let verified = self.verify(as_text(token)?, now)?;
        match verified.token_use {
            TokenUse::Id if verified.audience_ok => Ok(verified.claims),
            TokenUse::Access => Ok(verified.claims),
            _ => Err(unauthorized()),
        }
    }

    /// The token in the identity source header, after `Bearer ` if present.
    /// As bytes: a cached token is found without reading it as text first.
    fn token<'h>(&self, headers: &'h HeaderMap) -> Result<&'h [u8], Reject> {
        headers
            .get(&self.header)
            .map(|v| strip_bearer(v.as_bytes()))
            .filter(|t| !t.is_empty())
            .ok_or_else(unauthorized)
    }

    /// Checks signature, issuer and expiry.
    fn verify(&self, token: &str, now: i64) -> Result<Verified, Reject> {
        let (_, unverified) =
            cognate_tokens::decode_unverified(token).map_err(|_| unauthorized())?;
        let iss = unverified
            .get("iss")
            .and_then(Value::as_str)
            .ok_or_else(unauthorized)?;
        let issuer = self
            .issuers
            .iter()
            .find(|i| i.iss() == iss)
            .ok_or_else(unauthorized)?;
        let claims = match cognate_tokens::verify(token, &issuer.keys()) {
            Ok(v) => v.claims,
            Err(TokenError::UnknownKey) => {
                issuer.key_missing();
                return Err(unauthorized());
            }
            Err(_) => return Err(unauthorized()),
        };
        if claims.get("iss").and_then(Value::as_str) != Some(issuer.iss()) {
            return Err(unauthorized());
        }
        match cognate_tokens::check_expiry(&claims, now) {
            Ok(()) => {}
            Err(TokenError::Expired) => {
                return Err(Reject::with_message(
                    ResponseType::Unauthorized,
                    EXPIRED_MESSAGE,
                ))
            }
            Err(_) => return Err(unauthorized()),
        }
        let exp = claims
            .get("exp")
            .and_then(|e| e.as_i64().or_else(|| e.as_f64().map(|f| f as i64)))
            .unwrap_or(i64::MAX);
        let audience_ok = match &self.audience {
            None => true,
            Some(re) => match claims.get("aud") {
                Some(Value::String(aud)) => re.is_match(aud),
                Some(Value::Array(auds)) => auds
                    .iter()
                    .any(|a| a.as_str().is_some_and(|a| re.is_match(a))),
                _ => false,
            },
        };
        Ok(Verified {
            token_use: TokenUse::of(&claims),
            claims: Arc::new(claims),
            audience_ok,
            until: exp.min(now.saturating_add(self.ttl_secs)),
        })
    }
}

/// The token in a header value: after `Bearer ` when present.
fn strip_bearer(value: &[u8]) -> &[u8] {
    let value = value.trim_ascii();
    match value.iter().position(|b| *b == b' ') {
        Some(i) if value[..i].eq_ignore_ascii_case(b"bearer") => value[i + 1..].trim_ascii(),
        _ => value,
    }
}

/// A token as text, for verification; one that is not UTF-8 is no JWT.
fn as_text(token: &[u8]) -> Result<&str, Reject> {
    std::str::from_utf8(token).map_err(|_| unauthorized())
}

/// Whether a verified token suits a method with these scopes.
fn permits(verified: &Verified, scopes: &[String]) -> bool {
    if scopes.is_empty() {
        return verified.token_use == TokenUse::Id && verified.audience_ok;
    }
    verified.token_use == TokenUse::Access
        && verified
            .claims
            .get("scope")
            .and_then(Value::as_str)
            .is_some_and(|granted| {
                granted
                    .split_whitespace()
                    .any(|g| scopes.iter().any(|s| s == g))
            })
}

/// Verified tokens, in shards. An entry matches only its whole token. It
/// is found by a hash (foldhash, under a per-process random seed) of the
/// token's last [`HASHED_TAIL`] bytes (part of its signature): only tokens
/// whose signature verified are ever held, so no one can choose tokens that
/// crowd one bucket, and a lookup does not hash the whole token.
struct TokenCache {
    shards: Vec<RwLock<HashTable<Entry>>>,
    hasher: foldhash::fast::RandomState,
}

struct Entry {
    token: Box<[u8]>,
    hash: u64,
    verified: Verified,
}

/// How much of a token's end is hashed.
const HASHED_TAIL: usize = 32;

impl TokenCache {
    fn new() -> Self {
        TokenCache {
            shards: (0..SHARDS).map(|_| RwLock::new(HashTable::new())).collect(),
            hasher: foldhash::fast::RandomState::default(),
        }
    }

    fn hash(&self, bytes: &[u8]) -> u64 {
        let tail = &bytes[bytes.len().saturating_sub(HASHED_TAIL)..];
        self.hasher.hash_one((bytes.len(), tail))
    }

    /// The shard of a token with `hash`.
    fn shard(&self, hash: u64) -> &RwLock<HashTable<Entry>> {
        // Bits that the table uses neither for its buckets nor its tags.
        &self.shards[(hash >> 32) as usize % SHARDS]
    }

    fn get(&self, token: impl AsRef<[u8]>, now: i64) -> Option<Verified> {
        let token = token.as_ref();
        let hash = self.hash(token);
        let shard = self.shard(hash).read().unwrap_or_else(|p| p.into_inner());
        shard
            .find(hash, |e| *e.token == *token)
            .map(|e| &e.verified)
            .filter(|v| now < v.until)
            .cloned()
    }

    fn insert(&self, token: impl AsRef<[u8]>, verified: Verified, now: i64) {
        let token = token.as_ref();
        // Larger tokens are verified each time rather than held.
        if verified.until <= now || token.len() > MAX_CACHED_TOKEN {
            return;
        }
        let hash = self.hash(token);
        let mut shard = self.shard(hash).write().unwrap_or_else(|p| p.into_inner());
        let capacity = CACHE_CAPACITY / SHARDS;
        if shard.len() >= capacity {
            shard.retain(|e| now < e.verified.until);
        }
        if shard.len() >= capacity {
            // Still full of live tokens: drop an arbitrary eighth.
            let mut dropped = 0;
            shard.retain(|_| {
                dropped += 1;
                dropped > capacity / 8 + 1
            });
        }
        let entry = Entry {
            token: token.into(),
            hash,
            verified,
        };
        match shard.entry(hash, |e| *e.token == *token, |e| e.hash) {
            hashbrown::hash_table::Entry::Occupied(mut held) => *held.get_mut() = entry,
            hashbrown::hash_table::Entry::Vacant(free) => {
                free.insert(entry);
            }
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.read().unwrap_or_else(|p| p.into_inner()).len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verified(until: i64) -> Verified {
        Verified {
            token_use: TokenUse::Id,
            claims: Arc::new(Map::new()),
            audience_ok: true,
            until,
        }
    }

    #[test]
    fn bearer_prefix_is_optional_and_case_insensitive() {
        assert_eq!(strip_bearer(b"abc.def.ghi"), b"abc.def.ghi");
        assert_eq!(strip_bearer(b"Bearer abc.def.ghi"), b"abc.def.ghi");
        assert_eq!(strip_bearer(b"bearer  abc "), b"abc");
    }

    #[test]
    fn cache_forgets_entries_at_their_deadline() {
        let cache = TokenCache::new();
        cache.insert("a.b.c", verified(100), 50);
        assert!(cache.get("a.b.c", 99).is_some());
        assert!(cache.get("a.b.c", 100).is_none());
        cache.insert("a.b.d", verified(50), 50);
        assert!(
            cache.get("a.b.d", 10).is_none(),
            "dead entries are not stored"
        );
    }

    #[test]
    fn cache_hits_only_the_exact_token() {
        let cache = TokenCache::new();
        cache.insert("head.payload.sig", verified(100), 0);
        for other in [
            "head.payload.si",
            "head.payload.sig ",
            "head.Payload.sig",
            "x",
        ] {
            assert!(cache.get(other, 1).is_none(), "{other}");
        }
        assert!(cache.get("head.payload.sig", 1).is_some());
    }

    #[test]
    fn cache_tells_apart_tokens_that_end_alike() {
        let cache = TokenCache::new();
        let tail = "s".repeat(HASHED_TAIL);
        let (one, two) = (format!("a.b.{tail}"), format!("c.d.{tail}"));
        cache.insert(&one, verified(100), 0);
        assert!(cache.get(&two, 1).is_none(), "same tail, other token");
        cache.insert(&two, verified(200), 0);
        assert_eq!(cache.get(&one, 1).map(|v| v.until), Some(100));
        assert_eq!(cache.get(&two, 1).map(|v| v.until), Some(200));
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn cache_does_not_hold_oversized_tokens() {
        let cache = TokenCache::new();
        let huge = "a".repeat(MAX_CACHED_TOKEN + 1);
        cache.insert(&huge, verified(100), 0);
        assert!(cache.get(&huge, 1).is_none());
    }

    #[test]
    fn cache_stays_bounded_when_full_of_live_entries() {
        let cache = TokenCache::new();
        for i in 0..(CACHE_CAPACITY * 2) {
            cache.insert(format!("token.{i}"), verified(1_000), 0);
        }
        assert!(cache.len() <= CACHE_CAPACITY);
    }
}
