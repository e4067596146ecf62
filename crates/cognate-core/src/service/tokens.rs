//! Minting ID and access tokens, and checking access tokens presented to the
//! end-user operations (GetUser, UpdateUserAttributes, GlobalSignOut, ...).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cognate_tokens::{Jwks, KeySet};
use serde_json::{json, Map, Value};

use super::auth::Tokens;
use super::rotation::chain_origin;
use super::token_triggers::{TokenClaims, TokenRequest};
use super::UserPools;
use crate::model::{AppClient, RefreshSession, User, UserPool};
use crate::rng::RngExt;
use crate::{CoreError, CoreResult};

/// Attributes whose values are JSON booleans in the ID token.
const BOOLEAN_CLAIMS: [&str; 2] = ["email_verified", "phone_number_verified"];

/// How the tokens being minted relate to a sign-in.
pub(crate) enum Origin {
    /// A fresh sign-in: a new refresh session is created.
    SignIn,
    /// A refresh: the session's `origin_jti` and `auth_time` carry over.
    Refresh(RefreshSession),
    /// A refresh with rotation: `session` is the new refresh session (already
    /// stored) and `refresh_token` its token, returned with the new tokens.
    Rotation {
        session: RefreshSession,
        refresh_token: String,
    },
}

/// What an access token presented by an end user resolves to.
#[derive(Debug, Clone)]
pub struct AccessContext {
    pub pool: UserPool,
    pub user: User,
    pub client_id: String,
    pub origin_jti: String,
    pub claims: Claims,
}

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(cognate_tokens::sha256(token.as_bytes()))
}

impl UserPools {
    /// The pool's public keys, as `/.well-known/jwks.json` serves them.
    pub async fn jwks(&self, pool_id: &str) -> CoreResult<Jwks> {
        Ok(self.keys.get(pool_id).await?.verify.jwks())
    }

    /// The issuer (`iss`) of a pool's tokens and the keys that verify them,
    /// for verifiers that run outside the service (the gateway's Cognito
    /// authorizer). `None` when the pool does not exist.
    pub async fn pool_verifier(&self, pool_id: &str) -> CoreResult<Option<(String, KeySet)>> {
        if self.store.get_pool(pool_id).await?.is_none() {
            return Ok(None);
        }
        let keys = self.keys.get(pool_id).await?;
        Ok(Some((self.issuer(pool_id), keys.verify.clone())))
    }

    /// A fresh opaque refresh token (48 random bytes, base64url).
    pub(crate) fn new_refresh_token(&self) -> String {
        let raw: [u8; 48] = self.rng.bytes();
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// Mints ID and access tokens (and, for a sign-in, a refresh token).
    /// PreTokenGeneration shapes their claims; a sign-in then runs
    /// PostAuthentication before its refresh session is stored.
    pub(crate) async fn mint_for(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        origin: Origin,
        request: TokenRequest<'_>,
    ) -> CoreResult<Tokens> {
        let keys = self.keys.get(&pool.id).await?;
        let now_ms = self.clock.now_ms();
        let now = now_ms.div_euclid(1000);
        let (origin_jti, auth_time, refresh_token, new_session) = match origin {
            Origin::SignIn => {
                let origin_jti = self.rng.uuid();
                let refresh = self.new_refresh_token();
                let session = RefreshSession {
                    origin_jti: origin_jti.clone(),
                    pool_id: pool.id.clone(),
                    client_id: client.client_id.clone(),
                    sub: user.sub.clone(),
                    token_hash: token_hash(&refresh),
                    auth_time: now,
                    created_ms: now_ms,
                    expires_ms: now_ms + client.refresh_token_validity.seconds() * 1000,
                    revoked_ms: None,
                };
                (origin_jti, now, Some(refresh), Some(session))
            }
            Origin::Refresh(s) => (
                chain_origin(&s.origin_jti).to_string(),
                s.auth_time,
                None,
                None,
            ),
            Origin::Rotation {
                session,
                refresh_token,
            } => (
                chain_origin(&session.origin_jti).to_string(),
                session.auth_time,
                Some(refresh_token),
                None,
            ),
        };
        let groups = self.group_claims(&pool.id, &user.sub).await?;
        let event_id = self.rng.uuid();
        let iss = self.issuer(&pool.id);

        let mut id = Map::new();
        id.insert("sub".into(), json!(user.sub));
        for (name, value) in self.readable_attributes(client, user) {
            if BOOLEAN_CLAIMS.contains(&name.as_str()) {
                id.insert(name, json!(value == "true"));
            } else {
                id.insert(name, json!(value));
            }
        }
        id.insert("iss".into(), json!(iss));
        id.insert("cognito:username".into(), json!(user.username));
        id.insert("origin_jti".into(), json!(origin_jti));
        id.insert("aud".into(), json!(client.client_id));
        id.insert("event_id".into(), json!(event_id));
        id.insert("token_use".into(), json!("id"));
        id.insert("auth_time".into(), json!(auth_time));
        id.insert(
            "exp".into(),
            json!(now + client.id_token_validity.seconds()),
        );
        id.insert("iat".into(), json!(now));
        id.insert("jti".into(), json!(self.rng.uuid()));

        let mut access = Map::new();
        access.insert("sub".into(), json!(user.sub));
        access.insert("iss".into(), json!(iss));
        access.insert("client_id".into(), json!(client.client_id));
        access.insert("origin_jti".into(), json!(origin_jti));
        access.insert("event_id".into(), json!(event_id));
        access.insert("token_use".into(), json!("access"));
        access.insert("scope".into(), json!("aws.cognito.signin.user.admin"));
        access.insert("auth_time".into(), json!(auth_time));
        access.insert(
            "exp".into(),
            json!(now + client.access_token_validity.seconds()),
        );
        access.insert("iat".into(), json!(now));
        access.insert("jti".into(), json!(self.rng.uuid()));
        access.insert("version".into(), json!(2));
        access.insert("username".into(), json!(user.username));

        let mut claims = TokenClaims { id, access };
        groups.write(&mut claims.id, &mut claims.access);
        self.pre_token_generation(pool, client, user, request, &groups, &mut claims)
            .await?;
        if let Some(session) = new_session {
            self.post_authentication(pool, client, user, request.client_metadata)
                .await?;
            self.store.create_session(&session).await?;
        }
        Ok(Tokens {
            id_token: keys.id.sign(&Value::Object(claims.id))?,
            access_token: keys.access.sign(&Value::Object(claims.access))?,
            refresh_token,
            expires_in: client.access_token_validity.seconds(),
        })
    }

    /// The user's attributes the client may read (all when the client lists none).
    pub(crate) fn readable_attributes(
        &self,
        client: &AppClient,
        user: &User,
    ) -> BTreeMap<String, String> {
        user.attributes
            .iter()
            .filter(|(k, _)| {
                client.read_attributes.is_empty() || client.read_attributes.iter().any(|r| r == *k)
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// The claims of a token whose signature verifies with its pool's keys
    /// and whose issuer is this server; `None` otherwise. A signature, once
    /// checked, stays valid, so verified tokens are remembered (by hash) until
    /// they expire.
    pub(crate) async fn verified_claims(&self, token: &str) -> Option<Claims> {
        let now = self.clock.now_secs();
        let digest = cognate_tokens::sha256(token.as_bytes());
        if let Some(claims) = self.verified.get(&digest, now) {
            return Some(claims);
        }
        let (_, unverified) = cognate_tokens::decode_unverified(token).ok()?;
        let iss = unverified.get("iss").and_then(Value::as_str)?;
        let pool_id = iss.rsplit('/').next()?;
        if iss != self.issuer(pool_id) {
            return None;
        }
        let keys = self.keys.get(pool_id).await.ok()?;
        let claims = Arc::new(cognate_tokens::verify(token, &keys.verify).ok()?.claims);
        let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
        self.verified.insert(digest, claims.clone(), exp, now);
        Some(claims)
    }

    /// Verifies an access token presented by an end user: signature by the
    /// pool's key, `token_use`, expiry by the injected clock, revocation of
    /// its sign-in, and that the user still exists and is enabled.
    pub async fn authorize_access_token(&self, token: &str) -> CoreResult<AccessContext> {
        let (pool_id, user, client_id, origin_jti, claims) = self.access_user(token).await?;
        let pool = self
            .pool(&pool_id)
            .await
            .map_err(|_| CoreError::not_authorized("Invalid Access Token"))?;
        Ok(AccessContext {
            pool,
            user,
            client_id,
            origin_jti,
            claims,
        })
    }

    /// The user an access token speaks for, with its pool id, client id,
    /// sign-in and claims — without loading the pool.
    pub(crate) async fn access_user(
        &self,
        token: &str,
    ) -> CoreResult<(String, User, String, String, Claims)> {
        let invalid = || CoreError::not_authorized("Invalid Access Token");
        let claims = self.verified_claims(token).await.ok_or_else(invalid)?;
        let pool_id = claims
            .get("iss")
            .and_then(Value::as_str)
            .and_then(|iss| iss.rsplit('/').next())
            .ok_or_else(invalid)?;
        if claims.get("token_use").and_then(Value::as_str) != Some("access") {
            return Err(invalid());
        }
        if cognate_tokens::check_expiry(&claims, self.clock.now_secs()).is_err() {
            return Err(CoreError::not_authorized("Access Token has expired"));
        }
        let origin_jti = claims
            .get("origin_jti")
            .and_then(Value::as_str)
            .ok_or_else(invalid)?
            .to_string();
        let revoked = || CoreError::not_authorized("Access Token has been revoked");
        match self.store.get_session(&origin_jti).await? {
            Some(s) if s.revoked_ms.is_none() => {}
            _ => return Err(revoked()),
        }
        let sub = claims
            .get("sub")
            .and_then(Value::as_str)
            .ok_or_else(invalid)?;
        let user = self
            .store
            .get_user_by_sub(pool_id, sub)
            .await?
            .ok_or_else(CoreError::user_not_found)?;
        if !user.enabled {
            return Err(CoreError::not_authorized("User is disabled."));
        }
        let client_id = claims
            .get("client_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        Ok((pool_id.to_string(), user, client_id, origin_jti, claims))
    }
}

/// A token's claims, shared.
pub type Claims = Arc<Map<String, Value>>;

/// Tokens whose signatures were verified, by SHA-256 of the token, with
/// their claims, kept until `exp`.
#[derive(Default)]
pub(crate) struct VerifiedTokens {
    entries: RwLock<HashMap<[u8; 32], (Claims, i64)>>,
}

const MAX_VERIFIED_TOKENS: usize = 100_000;

impl VerifiedTokens {
    fn get(&self, digest: &[u8; 32], now: i64) -> Option<Claims> {
        let entries = self.entries.read().expect("token cache lock");
        let (claims, exp) = entries.get(digest)?;
        (now < *exp).then(|| claims.clone())
    }

    fn insert(&self, digest: [u8; 32], claims: Claims, exp: i64, now: i64) {
        if exp <= now {
            return;
        }
        let mut entries = self.entries.write().expect("token cache lock");
        if entries.len() >= MAX_VERIFIED_TOKENS {
            entries.retain(|_, (_, e)| *e > now);
            if entries.len() >= MAX_VERIFIED_TOKENS {
                entries.clear();
            }
        }
        entries.insert(digest, (claims, exp));
    }
}
