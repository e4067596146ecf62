//! GetTokensFromRefreshToken and refresh-token rotation.
//!
//! Without rotation the operation is REFRESH_TOKEN_AUTH under another name:
//! new ID and access tokens, no refresh token. With rotation enabled on the
//! app client it also issues a new refresh token, stored as a refresh session
//! of its own in the same chain: the tokens it mints carry the original
//! sign-in's `origin_jti` and `auth_time`.
//!
//! A chain is kept without a new store query. The sign-in's session is stored
//! under its `origin_jti`; a rotated session is stored under
//! `{origin_jti}~{hash of the token it replaced}` (a retry within the grace
//! period adds `~{random id}`), so [`chain_origin`] recovers the chain's
//! `origin_jti` from any session, and the session stored under
//! `{origin_jti}~{hash}` records when the token with that hash was rotated
//! out. A rotated-out token is refused once the client's
//! `RetryGracePeriodSeconds` have passed since then (at once for 0).
//! Revoking any token of a chain (RevokeToken) revokes the chain's first
//! session, which refuses every token of the chain and the access tokens
//! minted from it; GlobalSignOut revokes all of a user's sessions.
//!
//! With rotation enabled, InitiateAuth's REFRESH_TOKEN_AUTH is refused with
//! InvalidParameterException (as a flow the client does not allow is), saying
//! to use GetTokensFromRefreshToken: refreshing there would keep a token alive
//! that rotation is meant to replace.

use std::collections::BTreeMap;

use super::auth::Tokens;
use super::token_triggers::TokenRequest;
use super::tokens::{token_hash, Origin};
use super::UserPools;
use crate::model::{AppClient, RefreshSession, UserPool};
use crate::rng::RngExt;
use crate::store::StoreError;
use crate::{CoreError, CoreResult};

/// Separates a chain's `origin_jti` from the rest of a rotated session's key.
const CHAIN_SEPARATOR: char = '~';

/// The `origin_jti` of the sign-in that started the chain a refresh session
/// (by its store key) belongs to.
pub(crate) fn chain_origin(session_key: &str) -> &str {
    session_key
        .split(CHAIN_SEPARATOR)
        .next()
        .unwrap_or(session_key)
}

/// The store key of the first session that replaced `session`'s token.
fn successor_key(session: &RefreshSession) -> String {
    format!(
        "{}{CHAIN_SEPARATOR}{}",
        chain_origin(&session.origin_jti),
        session.token_hash
    )
}

/// The refusal for InitiateAuth's REFRESH_TOKEN_AUTH on a rotating client.
pub(super) fn rotation_requires_get_tokens() -> CoreError {
    CoreError::invalid(
        "Refresh token rotation is enabled for this client; use GetTokensFromRefreshToken to refresh tokens",
    )
}

impl UserPools {
    /// GetTokensFromRefreshToken: new ID and access tokens for the owner of
    /// `refresh_token`, and a new refresh token when the client rotates them.
    pub async fn get_tokens_from_refresh_token(
        &self,
        client_id: &str,
        refresh_token: &str,
        client_secret: Option<&str>,
        client_metadata: &BTreeMap<String, String>,
    ) -> CoreResult<Tokens> {
        let (pool, client) = self.client_by_id(client_id).await?;
        let legacy = client
            .explicit_auth_flows
            .iter()
            .any(|f| !f.starts_with("ALLOW_"));
        if !client.allows_flow("ALLOW_REFRESH_TOKEN_AUTH") && !legacy {
            return Err(CoreError::invalid(
                "REFRESH_TOKEN_AUTH flow not enabled for this client",
            ));
        }
        if let Some(secret) = self.client_secret(&client)? {
            let ok = client_secret.is_some_and(|given| {
                cognate_tokens::constant_time_eq(given.as_bytes(), secret.as_bytes())
            });
            if !ok {
                return Err(CoreError::not_authorized(format!(
                    "Unable to verify secret for client {}",
                    client.client_id
                )));
            }
        }
        let invalid = || CoreError::not_authorized("Invalid Refresh Token");
        if refresh_token.is_empty() {
            return Err(invalid());
        }
        let session = self
            .store
            .get_session_by_token_hash(&token_hash(refresh_token))
            .await?
            .filter(|s| s.pool_id == pool.id && s.client_id == client.client_id)
            .ok_or_else(invalid)?;
        let user = self
            .store
            .get_user_by_sub(&pool.id, &session.sub)
            .await?
            .ok_or_else(invalid)?;
        self.check_refresh_session(&client, &session).await?;
        if !user.enabled {
            return Err(CoreError::not_authorized("User is disabled."));
        }
        let origin = if client.rotates_refresh_tokens() {
            self.rotate(&pool, &client, &session).await?
        } else {
            Origin::Refresh(session)
        };
        let request = TokenRequest::refresh(client_metadata);
        self.mint_for(&pool, &client, &user, origin, request).await
    }

    /// Whether a refresh session found by its token may still be used: not
    /// revoked (nor its chain), not expired, and not rotated out longer ago
    /// than the client's grace period.
    pub(super) async fn check_refresh_session(
        &self,
        client: &AppClient,
        session: &RefreshSession,
    ) -> CoreResult<()> {
        let revoked = || CoreError::not_authorized("Refresh Token has been revoked");
        if session.revoked_ms.is_some() {
            return Err(revoked());
        }
        let origin = chain_origin(&session.origin_jti);
        if origin != session.origin_jti {
            let first = self.store.get_session(origin).await?;
            if first.is_none_or(|s| s.revoked_ms.is_some()) {
                return Err(revoked());
            }
        }
        let now = self.clock.now_ms();
        if now >= session.expires_ms {
            return Err(CoreError::not_authorized("Refresh Token has expired"));
        }
        if let Some(successor) = self.store.get_session(&successor_key(session)).await? {
            let grace_ms = client
                .refresh_token_rotation
                .map_or(0, |r| i64::from(r.retry_grace_period_seconds) * 1000);
            if now >= successor.created_ms + grace_ms {
                return Err(CoreError::not_authorized("Invalid Refresh Token"));
            }
        }
        Ok(())
    }

    /// Stores the session that replaces `session` and returns how to mint
    /// from it: same chain, same `auth_time`, a full refresh validity from now.
    async fn rotate(
        &self,
        pool: &UserPool,
        client: &AppClient,
        session: &RefreshSession,
    ) -> CoreResult<Origin> {
        let now = self.clock.now_ms();
        let first_key = successor_key(session);
        let refresh_token = self.new_refresh_token();
        let mut successor = RefreshSession {
            origin_jti: first_key.clone(),
            pool_id: pool.id.clone(),
            client_id: client.client_id.clone(),
            sub: session.sub.clone(),
            token_hash: token_hash(&refresh_token),
            auth_time: session.auth_time,
            created_ms: now,
            expires_ms: now + client.refresh_token_validity.seconds() * 1000,
            revoked_ms: None,
        };
        match self.store.create_session(&successor).await {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => {
                // Already rotated: a retry within the grace period gets
                // another successor; the first one keeps the rotation time.
                successor.origin_jti = format!("{first_key}{CHAIN_SEPARATOR}{}", self.rng.uuid());
                self.store.create_session(&successor).await?;
            }
            Err(e) => return Err(e.into()),
        }
        Ok(Origin::Rotation {
            session: successor,
            refresh_token,
        })
    }
}
