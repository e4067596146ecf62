//! Sign-in: InitiateAuth / AdminInitiateAuth flows, challenges and their
//! responses, refresh, and sign-out. Each flow is one function that reads top
//! to bottom: find the client, check the flow is allowed, check the secret
//! hash, find the user, check the password, then mint or challenge.

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::custom_auth::CustomState;
use super::passwords::check_policy;
use super::rotation::{chain_origin, rotation_requires_get_tokens};
use super::token_triggers::{TokenRequest, TokenSource};
use super::tokens::{token_hash, Origin};
use super::UserPools;
use crate::model::{AppClient, User, UserPool, UserStatus};
use crate::rng::RngExt;
use crate::{CoreError, CoreResult};

/// An AuthenticationResult.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub id_token: String,
    pub access_token: String,
    /// Only on sign-in, not on refresh.
    pub refresh_token: Option<String>,
    pub expires_in: i64,
}

#[derive(Debug, Clone)]
pub struct Challenge {
    pub name: String,
    pub session: Option<String>,
    pub parameters: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub enum AuthOutcome {
    Tokens(Tokens),
    Challenge(Challenge),
}

/// An InitiateAuth or AdminInitiateAuth call. `pool_id` is set for the admin
/// variant, which names the pool; the public one finds it from the client.
#[derive(Debug, Clone)]
pub struct AuthRequest {
    pub pool_id: Option<String>,
    pub client_id: String,
    pub flow: String,
    pub parameters: BTreeMap<String, String>,
    /// ClientMetadata, passed to the triggers the flow runs.
    pub client_metadata: BTreeMap<String, String>,
}

/// A RespondToAuthChallenge or AdminRespondToAuthChallenge call.
#[derive(Debug, Clone)]
pub struct ChallengeResponse {
    pub pool_id: Option<String>,
    pub client_id: String,
    pub challenge_name: String,
    pub session: Option<String>,
    pub responses: BTreeMap<String, String>,
    /// ClientMetadata, passed to the triggers the response runs.
    pub client_metadata: BTreeMap<String, String>,
}

/// The state an auth `Session` string carries, sealed with the master key.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct SessionState {
    pub(super) pool_id: String,
    pub(super) client_id: String,
    pub(super) sub: String,
    pub(super) challenge: String,
    pub(super) expires_ms: i64,
    nonce: String,
    /// The state of a CUSTOM_AUTH flow, for its challenges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) custom: Option<CustomState>,
}

pub(super) const INCORRECT: &str = "Incorrect username or password.";
const SESSION_AAD: &[u8] = b"auth-session";

fn flow_not_enabled(flow: &str) -> CoreError {
    CoreError::invalid(format!("{flow} flow not enabled for this client"))
}

impl UserPools {
    pub async fn initiate_auth(&self, req: AuthRequest) -> CoreResult<AuthOutcome> {
        let (pool, client) = self
            .auth_client(req.pool_id.as_deref(), &req.client_id)
            .await?;
        let admin = req.pool_id.is_some();
        let p = &req.parameters;
        match (req.flow.as_str(), admin) {
            ("USER_PASSWORD_AUTH", false) => {
                if !client.allows_flow("ALLOW_USER_PASSWORD_AUTH") && !client.allows_flow("USER_PASSWORD_AUTH") {
                    return Err(flow_not_enabled("USER_PASSWORD_AUTH"));
                }
                self.password_sign_in(&pool, &client, p, &req.client_metadata)
                    .await
            }
            ("ADMIN_USER_PASSWORD_AUTH" | "ADMIN_NO_SRP_AUTH", true) => {
                if !client.allows_flow("ALLOW_ADMIN_USER_PASSWORD_AUTH") && !client.allows_flow("ADMIN_NO_SRP_AUTH") {
                    return Err(flow_not_enabled(&req.flow));
                }
                self.password_sign_in(&pool, &client, p, &req.client_metadata)
                    .await
            }
            ("REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN", _) => {
                let legacy = client.explicit_auth_flows.iter().any(|f| !f.starts_with("ALLOW_"));
                if !client.allows_flow("ALLOW_REFRESH_TOKEN_AUTH") && !legacy {
                    return Err(flow_not_enabled("REFRESH_TOKEN_AUTH"));
                }
                if client.rotates_refresh_tokens() {
                    return Err(rotation_requires_get_tokens());
                }
                self.refresh(&pool, &client, p, &req.client_metadata)
                    .await
            }
            ("USER_SRP_AUTH", _) if !client.allows_flow("ALLOW_USER_SRP_AUTH") => {
                Err(flow_not_enabled("USER_SRP_AUTH"))
            }
            ("CUSTOM_AUTH", _) if !client.allows_flow("ALLOW_CUSTOM_AUTH") => {
                Err(flow_not_enabled("CUSTOM_AUTH"))
            }
            ("USER_SRP_AUTH", _) => self.srp_challenge(&pool, &client, p).await,
            ("CUSTOM_AUTH", _) => self.custom_auth(&pool, &client, &req).await,
            ("USER_AUTH", _) => Err(CoreError::invalid(format!(
                "The {} flow is not supported by this server yet",
                req.flow
            ))),
            (flow, _) => Err(CoreError::invalid(format!(
                "1 validation error detected: Value '{flow}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set"
            ))),
        }
    }

    async fn auth_client(
        &self,
        pool_id: Option<&str>,
        client_id: &str,
    ) -> CoreResult<(UserPool, AppClient)> {
        match pool_id {
            Some(pool_id) => {
                let pool = self.pool(pool_id).await?;
                let client = self.client(pool_id, client_id).await?;
                Ok((pool, client))
            }
            None => self.client_by_id(client_id).await,
        }
    }

    pub(super) fn required<'a>(p: &'a BTreeMap<String, String>, name: &str) -> CoreResult<&'a str> {
        p.get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| CoreError::invalid(format!("Missing required parameter {name}")))
    }

    /// Checks the secret hash against what the client sent or, failing that,
    /// the internal username (SDKs differ in which they use).
    pub(super) fn check_secret_hash_for(
        &self,
        client: &AppClient,
        given_name: &str,
        user: Option<&User>,
        hash: Option<&str>,
    ) -> CoreResult<()> {
        match self.check_secret_hash(client, given_name, hash) {
            Err(e) => match user {
                Some(u) if u.username != given_name => self
                    .check_secret_hash(client, &u.username, hash)
                    .map_err(|_| e),
                _ => Err(e),
            },
            ok => ok,
        }
    }

    async fn password_sign_in(
        &self,
        pool: &UserPool,
        client: &AppClient,
        p: &BTreeMap<String, String>,
        metadata: &BTreeMap<String, String>,
    ) -> CoreResult<AuthOutcome> {
        let username = Self::required(p, "USERNAME")?;
        let password = Self::required(p, "PASSWORD")?;
        let user = self.find_user(pool, username).await?;
        self.check_secret_hash_for(
            client,
            username,
            user.as_ref(),
            p.get("SECRET_HASH").map(String::as_str),
        )?;
        self.pre_authentication(pool, client, username, user.as_ref(), metadata)
            .await?;
        let Some(mut user) = user else {
            if let Some(outcome) = self
                .migrated_sign_in(pool, client, username, password, metadata)
                .await?
            {
                return Ok(outcome);
            }
            // Spend the time a real check would (the hash, and the failed
            // attempt a known user's lockout counter records), so the
            // answer's timing says nothing about which usernames exist.
            let _ = self
                .hasher
                .verify(password, &self.dummy_hash().await?)
                .await;
            self.decoy_write().await?;
            return Err(if client.prevent_user_existence_errors {
                CoreError::not_authorized(INCORRECT)
            } else {
                CoreError::user_not_found()
            });
        };
        self.refuse_if_locked(&user)?;
        let ok = match &user.password_hash {
            Some(h) => self.hasher.verify(password, h).await?,
            None => false,
        };
        if !ok {
            return Err(self.failed_sign_in(&user).await?);
        }
        self.passed_sign_in(&mut user).await?;
        if user.srp_verifier.is_none() {
            // Users created before SRP verifiers were kept gain one on their
            // first password sign-in.
            self.set_srp_verifier(&mut user, password);
            self.store.update_user(&user).await?;
        }
        self.after_password_with_metadata(pool, client, user, metadata)
            .await
    }

    /// What follows a proven password (argon2 or SRP): the account checks,
    /// then tokens or the NEW_PASSWORD_REQUIRED challenge. `metadata` is the
    /// call's ClientMetadata, for the triggers.
    pub(super) async fn after_password_with_metadata(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: User,
        metadata: &BTreeMap<String, String>,
    ) -> CoreResult<AuthOutcome> {
        if !user.enabled {
            return Err(CoreError::not_authorized("User is disabled."));
        }
        match user.status {
            UserStatus::Confirmed => {
                self.mfa_or_tokens(pool, client, &user, TokenRequest::sign_in(metadata))
                    .await
            }
            UserStatus::Unconfirmed => {
                Err(CoreError::UserNotConfirmed("User is not confirmed.".into()))
            }
            UserStatus::ResetRequired => Err(CoreError::PasswordResetRequired(
                "Password reset required for the user".into(),
            )),
            UserStatus::ForceChangePassword => {
                let validity_ms =
                    i64::from(pool.password_policy.temporary_password_validity_days) * 86_400_000;
                if self.clock.now_ms() > user.password_set_ms + validity_ms {
                    return Err(CoreError::not_authorized(
                        "Temporary password has expired and must be reset by an administrator.",
                    ));
                }
                self.new_password_challenge(pool, client, &user)
            }
            UserStatus::ExternalProvider => Err(CoreError::not_authorized(INCORRECT)),
        }
    }

    /// A hash with the configured cost, for timing equalisation.
    async fn dummy_hash(&self) -> CoreResult<String> {
        if let Some(h) = self.dummy.get() {
            return Ok(h.clone());
        }
        let h = self.hasher.hash(&*self.rng, "not a password").await?;
        Ok(self.dummy.get_or_init(|| h).clone())
    }

    fn new_password_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
    ) -> CoreResult<AuthOutcome> {
        let visible: BTreeMap<&String, &String> = user
            .attributes
            .iter()
            .filter(|(k, _)| !k.ends_with("_verified"))
            .collect();
        let required: Vec<String> = pool
            .schema
            .iter()
            .filter(|a| a.required && a.name != "sub" && !user.attributes.contains_key(&a.name))
            .map(|a| format!("userAttributes.{}", a.name))
            .collect();
        let mut parameters = BTreeMap::new();
        parameters.insert("USER_ID_FOR_SRP".into(), user.username.clone());
        parameters.insert(
            "userAttributes".into(),
            serde_json::to_string(&visible).map_err(|e| CoreError::Internal(e.to_string()))?,
        );
        parameters.insert(
            "requiredAttributes".into(),
            serde_json::to_string(&required).map_err(|e| CoreError::Internal(e.to_string()))?,
        );
        Ok(AuthOutcome::Challenge(Challenge {
            name: "NEW_PASSWORD_REQUIRED".into(),
            session: Some(self.seal_session(pool, client, user, "NEW_PASSWORD_REQUIRED")?),
            parameters,
        }))
    }

    pub(super) fn seal_session(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        challenge: &str,
    ) -> CoreResult<String> {
        self.seal_session_state(pool, client, &user.sub, challenge, None)
    }

    /// Seals a session for the user `sub` (empty for a name no user has)
    /// and, in a CUSTOM_AUTH flow, the flow's state.
    pub(super) fn seal_session_state(
        &self,
        pool: &UserPool,
        client: &AppClient,
        sub: &str,
        challenge: &str,
        custom: Option<CustomState>,
    ) -> CoreResult<String> {
        let state = SessionState {
            pool_id: pool.id.clone(),
            client_id: client.client_id.clone(),
            sub: sub.to_string(),
            challenge: challenge.to_string(),
            expires_ms: self.clock.now_ms()
                + i64::from(client.auth_session_validity_minutes) * 60_000,
            nonce: self.rng.alnum(16),
            custom,
        };
        let json = serde_json::to_vec(&state).map_err(|e| CoreError::Internal(e.to_string()))?;
        Ok(URL_SAFE_NO_PAD.encode(self.master_key.seal(&json, SESSION_AAD)))
    }

    /// Opens a session string, checks it belongs to this client (when the
    /// call names one) and challenge, has not expired and was not used
    /// before, and consumes it.
    pub(super) async fn open_session(
        &self,
        session: Option<&str>,
        client: Option<&AppClient>,
        challenge: &str,
    ) -> CoreResult<SessionState> {
        let invalid = || CoreError::not_authorized("Invalid session for the user.");
        let raw = session.ok_or_else(invalid)?;
        if raw.len() > 2048 {
            return Err(invalid());
        }
        let sealed = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid())?;
        let json = self
            .master_key
            .open(&sealed, SESSION_AAD)
            .map_err(|_| invalid())?;
        let state: SessionState = serde_json::from_slice(&json).map_err(|_| invalid())?;
        let other_client =
            client.is_some_and(|c| state.client_id != c.client_id || state.pool_id != c.pool_id);
        if other_client || state.challenge != challenge {
            return Err(invalid());
        }
        if self.clock.now_ms() >= state.expires_ms {
            return Err(CoreError::not_authorized(
                "Invalid session for the user, session is expired.",
            ));
        }
        if !self
            .store
            .consume_once(&format!("session:{}", state.nonce), state.expires_ms)
            .await?
        {
            return Err(CoreError::not_authorized(
                "Invalid session for the user, session can only be used once.",
            ));
        }
        Ok(state)
    }

    pub async fn respond_to_auth_challenge(
        &self,
        req: ChallengeResponse,
    ) -> CoreResult<AuthOutcome> {
        let (pool, client) = self
            .auth_client(req.pool_id.as_deref(), &req.client_id)
            .await?;
        let r = &req.responses;
        match req.challenge_name.as_str() {
            "NEW_PASSWORD_REQUIRED" => {
                let username = Self::required(r, "USERNAME")?;
                let new_password = Self::required(r, "NEW_PASSWORD")?;
                let state = self
                    .open_session(
                        req.session.as_deref(),
                        Some(&client),
                        "NEW_PASSWORD_REQUIRED",
                    )
                    .await?;
                let mut user = self
                    .store
                    .get_user_by_sub(&pool.id, &state.sub)
                    .await?
                    .ok_or_else(|| CoreError::not_authorized(INCORRECT))?;
                let named = self.find_user(&pool, username).await?;
                if named.map(|u| u.sub).as_deref() != Some(user.sub.as_str()) {
                    return Err(CoreError::not_authorized("Invalid session for the user."));
                }
                self.check_secret_hash_for(
                    &client,
                    username,
                    Some(&user),
                    r.get("SECRET_HASH").map(String::as_str),
                )?;
                if user.status != UserStatus::ForceChangePassword {
                    return Err(CoreError::not_authorized("Invalid session for the user."));
                }
                check_policy(&pool.password_policy, new_password)?;
                let attrs: BTreeMap<String, String> = r
                    .iter()
                    .filter_map(|(k, v)| {
                        k.strip_prefix("userAttributes.")
                            .map(|n| (n.to_string(), v.clone()))
                    })
                    .collect();
                Self::check_attributes(
                    &pool,
                    &attrs,
                    super::attributes::Writer::Client(&client.write_attributes),
                    Some(&user),
                )?;
                for (k, v) in attrs {
                    user.attributes
                        .insert(k.clone(), Self::normalize(&pool, &k, &v));
                }
                Self::check_required(&pool, &user.attributes)?;
                user.password_hash = Some(self.hasher.hash(&*self.rng, new_password).await?);
                self.set_srp_verifier(&mut user, new_password);
                user.status = UserStatus::Confirmed;
                user.password_set_ms = self.clock.now_ms();
                user.modified_ms = user.password_set_ms;
                self.store.update_user(&user).await?;
                let request = TokenRequest {
                    source: TokenSource::NewPasswordChallenge,
                    client_metadata: &req.client_metadata,
                };
                self.mfa_or_tokens(&pool, &client, &user, request).await
            }
            "PASSWORD_VERIFIER" => self.srp_verify(&pool, &client, &req).await,
            "SOFTWARE_TOKEN_MFA" => self.respond_software_token_mfa(&pool, &client, &req).await,
            "MFA_SETUP" => self.respond_mfa_setup(&pool, &client, &req).await,
            "SMS_MFA" | "EMAIL_OTP" => self.respond_otp_mfa(&pool, &client, &req).await,
            "SELECT_MFA_TYPE" => self.respond_select_mfa_type(&pool, &client, &req).await,
            "CUSTOM_CHALLENGE" => self.respond_custom_challenge(&pool, &client, &req).await,
            other => Err(CoreError::invalid(format!(
                "The challenge {other} is not supported by this server yet"
            ))),
        }
    }

    async fn refresh(
        &self,
        pool: &UserPool,
        client: &AppClient,
        p: &BTreeMap<String, String>,
        metadata: &BTreeMap<String, String>,
    ) -> CoreResult<AuthOutcome> {
        let token = Self::required(p, "REFRESH_TOKEN")?;
        let invalid = || CoreError::not_authorized("Invalid Refresh Token");
        let session = self
            .store
            .get_session_by_token_hash(&token_hash(token))
            .await?
            .filter(|s| s.pool_id == pool.id && s.client_id == client.client_id)
            .ok_or_else(invalid)?;
        let user = self
            .store
            .get_user_by_sub(&pool.id, &session.sub)
            .await?
            .ok_or_else(invalid)?;
        if client.sealed_secret.is_some() {
            let given = p
                .get("USERNAME")
                .map(String::as_str)
                .unwrap_or(&user.username);
            let hash = p.get("SECRET_HASH").map(String::as_str);
            self.check_secret_hash_for(client, given, Some(&user), hash)
                .or_else(|e| {
                    self.check_secret_hash(client, &user.sub, hash)
                        .map_err(|_| e)
                })?;
        }
        self.check_refresh_session(client, &session).await?;
        if !user.enabled {
            return Err(CoreError::not_authorized("User is disabled."));
        }
        Ok(AuthOutcome::Tokens(
            self.mint_for(
                pool,
                client,
                &user,
                Origin::Refresh(session),
                TokenRequest::refresh(metadata),
            )
            .await?,
        ))
    }

    pub async fn global_sign_out(&self, access_token: &str) -> CoreResult<()> {
        let ctx = self.authorize_access_token(access_token).await?;
        self.store
            .revoke_user_sessions(&ctx.pool.id, &ctx.user.sub, self.clock.now_ms())
            .await?;
        Ok(())
    }

    pub async fn admin_user_global_sign_out(
        &self,
        pool_id: &str,
        username: &str,
    ) -> CoreResult<()> {
        let pool = self.pool(pool_id).await?;
        let user = self.user(&pool, username).await?;
        self.store
            .revoke_user_sessions(&pool.id, &user.sub, self.clock.now_ms())
            .await?;
        Ok(())
    }

    /// Revokes a refresh token and every token minted from it.
    pub async fn revoke_token(
        &self,
        token: &str,
        client_id: &str,
        client_secret: Option<&str>,
    ) -> CoreResult<()> {
        let (_, client) = self.client_by_id(client_id).await?;
        if let Some(secret) = self.client_secret(&client)? {
            let ok = client_secret
                .is_some_and(|s| cognate_tokens::constant_time_eq(s.as_bytes(), secret.as_bytes()));
            if !ok {
                return Err(CoreError::Unauthorized("Invalid client secret".into()));
            }
        }
        if cognate_tokens::decode_unverified(token).is_ok() {
            return Err(CoreError::UnsupportedTokenType(
                "Only refresh tokens can be revoked".into(),
            ));
        }
        if !client.enable_token_revocation {
            return Err(CoreError::UnsupportedOperation(
                "Token revocation is not enabled for this client".into(),
            ));
        }
        let Some(session) = self
            .store
            .get_session_by_token_hash(&token_hash(token))
            .await?
        else {
            // Unknown or already-deleted tokens revoke nothing, as in Cognito.
            return Ok(());
        };
        if session.client_id != client.client_id {
            return Err(CoreError::Unauthorized(
                "The token was not issued to this client".into(),
            ));
        }
        // Revoking the chain's first session revokes every token rotated
        // from it and the access tokens they minted.
        let now = self.clock.now_ms();
        self.store
            .revoke_session(chain_origin(&session.origin_jti), now)
            .await?;
        if chain_origin(&session.origin_jti) != session.origin_jti {
            self.store.revoke_session(&session.origin_jti, now).await?;
        }
        Ok(())
    }
}
