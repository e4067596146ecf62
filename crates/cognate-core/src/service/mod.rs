//! The user pool service: one method per operation, grouped by the object
//! they act on. Methods take domain inputs, consult the store, decide, and
//! return domain results; the protocol crate does the translating.

mod attributes;
mod auth;
mod auth_triggers;
mod clients;
mod codes;
mod custom_auth;
mod custom_message;
mod groups;
mod keys;
mod lockout;
mod mfa;
mod migration;
mod otp_mfa;
mod passwords;
mod pools;
mod recovery;
mod rotation;
mod signup_triggers;
mod srp;
mod srp_timestamp;
mod token_triggers;
mod tokens;
pub mod totp;
mod triggers;
mod users;

use std::sync::Arc;

use async_trait::async_trait;
use cognate_tokens::MasterKey;

use crate::clock::Clock;
use crate::model::{AppClient, User, UserPool};
use crate::rng::Rng;
use crate::store::Store;
use crate::{CoreError, CoreResult};

pub use auth::{AuthOutcome, AuthRequest, Challenge, ChallengeResponse, Tokens};
pub use clients::{ClientSettings, ClientSpec, ClientUpdate};
pub use codes::mask;
pub use groups::GroupSpec;
pub use keys::KeyRing;
pub use mfa::{MfaCaller, MfaConfigUpdate};
pub use otp_mfa::{FactorPreference, MfaPreferences, SmsMfaConfigUpdate};
pub use passwords::{Argon2Params, PasswordHasher};
pub use pools::{standard_schema, AttributeSpec, PasswordPolicySpec, PoolSettings, PoolSpec};
pub use srp::{format_timestamp, parse_timestamp, ClientChallenge, SrpClient};
pub use tokens::AccessContext;
pub use triggers::{
    client_metadata, user_attributes, HookError, Hooks, NoHooks, Trigger, HOOK_TIMEOUT_MS,
};
pub use users::{AdminCreateUser, CodeDelivery, MessageAction, SignUp, SignUpResult};

/// Settings of the service that do not belong to any one pool.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// Public base URL of this server; a pool's issuer is `issuer_base/pool_id`.
    pub issuer_base: String,
    /// Region used for new pools when the request names none.
    pub default_region: String,
    /// The 12-digit account id in ARNs.
    pub account_id: String,
    pub argon2: Argon2Params,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            issuer_base: "http://127.0.0.1:4566".into(),
            default_region: "us-east-1".into(),
            account_id: "000000000000".into(),
            argon2: Argon2Params::default(),
        }
    }
}

/// Where a code or an invitation goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Medium {
    Email,
    Sms,
}

impl Medium {
    pub fn as_str(self) -> &'static str {
        match self {
            Medium::Email => "EMAIL",
            Medium::Sms => "SMS",
        }
    }
    pub fn attribute(self) -> &'static str {
        match self {
            Medium::Email => "email",
            Medium::Sms => "phone_number",
        }
    }
}

/// Why a message is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    SignUp,
    ForgotPassword,
    VerifyAttribute,
    Invitation,
    /// A one-time code that is a sign-in's second factor (EMAIL_OTP, SMS_MFA).
    Authentication,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::SignUp => "SignUp",
            Purpose::ForgotPassword => "ForgotPassword",
            Purpose::VerifyAttribute => "VerifyAttribute",
            Purpose::Invitation => "Invitation",
            Purpose::Authentication => "Authentication",
        }
    }
}

/// One message to a user. `code` is set for codes, `temporary_password` for invitations.
#[derive(Debug, Clone)]
pub struct Message {
    pub pool_id: String,
    pub username: String,
    pub purpose: Purpose,
    pub medium: Medium,
    pub destination: String,
    pub subject: String,
    pub body: String,
    pub code: Option<String>,
    pub temporary_password: Option<String>,
}

/// The delivery port: the log in development, SMTP, an SMS webhook.
#[async_trait]
pub trait Deliver: Send + Sync + 'static {
    async fn deliver(&self, message: &Message) -> Result<(), String>;
}

/// Everything the service needs from the outside world.
pub struct Deps {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub rng: Arc<dyn Rng>,
    pub deliver: Arc<dyn Deliver>,
    /// Runs the pools' triggers.
    pub hooks: Arc<dyn Hooks>,
    pub master_key: Arc<MasterKey>,
}

pub struct UserPools {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn Rng>,
    deliver: Arc<dyn Deliver>,
    hooks: Arc<dyn Hooks>,
    master_key: Arc<MasterKey>,
    config: ServiceConfig,
    keys: KeyRing,
    hasher: PasswordHasher,
    /// A hash of nothing, verified against when a user does not exist.
    dummy: std::sync::OnceLock<String>,
    verified: tokens::VerifiedTokens,
}

impl UserPools {
    pub fn new(deps: Deps, config: ServiceConfig) -> Self {
        let hasher = PasswordHasher::new(config.argon2);
        UserPools {
            keys: KeyRing::new(deps.store.clone(), deps.master_key.clone()),
            store: deps.store,
            clock: deps.clock,
            rng: deps.rng,
            deliver: deps.deliver,
            hooks: deps.hooks,
            master_key: deps.master_key,
            config,
            hasher,
            dummy: std::sync::OnceLock::new(),
            verified: tokens::VerifiedTokens::default(),
        }
    }

    pub fn config(&self) -> &ServiceConfig {
        &self.config
    }

    pub fn clock(&self) -> &dyn Clock {
        &*self.clock
    }

    pub fn key_ring(&self) -> &KeyRing {
        &self.keys
    }

    /// `issuer_base/pool_id`: the `iss` of every token of the pool.
    pub fn issuer(&self, pool_id: &str) -> String {
        format!(
            "{}/{}",
            self.config.issuer_base.trim_end_matches('/'),
            pool_id
        )
    }

    pub fn pool_arn(&self, pool: &UserPool) -> String {
        format!(
            "arn:aws:cognito-idp:{}:{}:userpool/{}",
            pool.region(),
            self.config.account_id,
            pool.id
        )
    }

    /// Housekeeping the binary runs periodically: forgets single-use markers
    /// (consumed auth sessions) whose validity has passed.
    pub async fn purge_expired(&self) -> CoreResult<u64> {
        Ok(self
            .store
            .purge_expired_markers(self.clock.now_ms())
            .await?)
    }

    // === shared look-ups ===

    pub(crate) async fn pool(&self, pool_id: &str) -> CoreResult<UserPool> {
        self.store
            .get_pool(pool_id)
            .await?
            .ok_or_else(|| CoreError::pool_not_found(pool_id))
    }

    pub(crate) async fn client(&self, pool_id: &str, client_id: &str) -> CoreResult<AppClient> {
        self.store
            .get_client(pool_id, client_id)
            .await?
            .ok_or_else(|| {
                CoreError::ResourceNotFound(format!("Client {client_id} does not exist."))
            })
    }

    /// Finds the pool of a client id (end-user calls name only the client).
    pub(crate) async fn client_by_id(&self, client_id: &str) -> CoreResult<(UserPool, AppClient)> {
        let pool_id = self.store.pool_of_client(client_id).await?.ok_or_else(|| {
            CoreError::ResourceNotFound(format!("User pool client {client_id} does not exist."))
        })?;
        let pool = self.pool(&pool_id).await?;
        let client = self.client(&pool_id, client_id).await?;
        Ok((pool, client))
    }

    /// The username lookup key: case folded unless the pool is case sensitive.
    pub(crate) fn username_key(pool: &UserPool, username: &str) -> String {
        if pool.username_case_sensitive {
            username.to_string()
        } else {
            username.to_lowercase()
        }
    }

    /// Finds a user by what they typed: username, `sub`, or (where the pool
    /// allows it) a verified alias / username attribute.
    pub(crate) async fn find_user(&self, pool: &UserPool, name: &str) -> CoreResult<Option<User>> {
        if let Some(u) = self
            .store
            .get_user(&pool.id, &Self::username_key(pool, name))
            .await?
        {
            return Ok(Some(u));
        }
        for attr in ["email", "phone_number", "preferred_username"] {
            // An e-mail address or phone number that fails the attribute's
            // format cannot be stored, so it is not looked for.
            let impossible = match attr {
                "email" => !attributes::looks_like_email(name),
                "phone_number" => !attributes::looks_like_phone(name),
                _ => false,
            };
            if impossible || !pool.signs_in_with(attr) {
                continue;
            }
            let value = if attr == "email" && !pool.username_case_sensitive {
                name.to_lowercase()
            } else {
                name.to_string()
            };
            let found = self
                .store
                .find_users_by_attribute(&pool.id, attr, &value)
                .await?;
            let via_username_attr = pool.username_attributes.iter().any(|a| a == attr);
            if let Some(u) = found
                .into_iter()
                .find(|u| via_username_attr || attr == "preferred_username" || u.is_verified(attr))
            {
                return Ok(Some(u));
            }
        }
        // Every `sub` is a UUID; other names are not looked up by sub.
        if uuid::Uuid::try_parse(name).is_ok() {
            if let Some(u) = self.store.get_user_by_sub(&pool.id, name).await? {
                return Ok(Some(u));
            }
        }
        Ok(None)
    }

    /// The pool and user an unauthenticated end-user call names through its
    /// client, after checking the client's secret hash. An unknown user is
    /// `UserNotFoundException` unless the client prevents user-existence
    /// errors: then it is `None`, and the caller answers as it would for a
    /// user it cannot help (a simulated delivery, a code mismatch).
    pub(crate) async fn end_user(
        &self,
        client_id: &str,
        username: &str,
        secret_hash: Option<&str>,
    ) -> CoreResult<Option<(UserPool, User)>> {
        let (pool, client) = self.client_by_id(client_id).await?;
        self.check_secret_hash(&client, username, secret_hash)?;
        match self.find_user(&pool, username).await? {
            Some(user) => Ok(Some((pool, user))),
            None if client.prevent_user_existence_errors => Ok(None),
            None => Err(CoreError::user_not_found()),
        }
    }

    pub(crate) async fn user(&self, pool: &UserPool, name: &str) -> CoreResult<User> {
        self.find_user(pool, name)
            .await?
            .ok_or_else(CoreError::user_not_found)
    }

    /// The client secret in clear, for SECRET_HASH checks and Describe.
    pub fn client_secret(&self, client: &AppClient) -> CoreResult<Option<String>> {
        match &client.sealed_secret {
            None => Ok(None),
            Some(sealed) => {
                let clear = self
                    .master_key
                    .open(sealed, client_secret_aad(client).as_bytes())?;
                Ok(Some(
                    String::from_utf8(clear).map_err(|e| CoreError::Internal(e.to_string()))?,
                ))
            }
        }
    }

    /// Checks SECRET_HASH when the client has a secret.
    pub(crate) fn check_secret_hash(
        &self,
        client: &AppClient,
        username: &str,
        secret_hash: Option<&str>,
    ) -> CoreResult<()> {
        let Some(secret) = self.client_secret(client)? else {
            return Ok(());
        };
        let fail = || {
            CoreError::not_authorized(format!(
                "Unable to verify secret hash for client {}",
                client.client_id
            ))
        };
        let given = secret_hash.ok_or_else(|| {
            CoreError::not_authorized(format!(
                "Client {} is configured with secret but SECRET_HASH was not received",
                client.client_id
            ))
        })?;
        let expected = cognate_tokens::secret_hash(&secret, username, &client.client_id);
        if cognate_tokens::constant_time_eq(expected.as_bytes(), given.as_bytes()) {
            Ok(())
        } else {
            Err(fail())
        }
    }
}

pub(crate) fn client_secret_aad(client: &AppClient) -> String {
    format!("client-secret:{}:{}", client.pool_id, client.client_id)
}
