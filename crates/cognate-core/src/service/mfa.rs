//! Multi-factor authentication: the pool's MFA configuration, associating
//! and verifying a TOTP authenticator, the user's preferences, the choice of
//! a second factor at the end of a sign-in, and the SOFTWARE_TOKEN_MFA and
//! MFA_SETUP challenges. SMS_MFA, EMAIL_OTP and SELECT_MFA_TYPE live in
//! `otp_mfa`.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::auth::{AuthOutcome, Challenge, ChallengeResponse, INCORRECT};
use super::otp_mfa::{apply_otp_config, Factor, MfaPreferences, SmsMfaConfigUpdate};
use super::token_triggers::TokenRequest;
use super::tokens::Origin;
use super::totp::{base32_encode, step_at, totp_code, DIGITS};
use super::UserPools;
use crate::model::{AppClient, EmailMfaConfig, User, UserPool, UserStatus};
use crate::rng::RngExt;
use crate::{CoreError, CoreResult};

const SOFTWARE_TOKEN_MFA: &str = "SOFTWARE_TOKEN_MFA";
const MFA_SETUP: &str = "MFA_SETUP";
/// The session tag VerifySoftwareToken hands out during MFA_SETUP: only such
/// a session completes the challenge.
const MFA_SETUP_VERIFIED: &str = "MFA_SETUP_VERIFIED";

/// A SetUserPoolMfaConfig call; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default)]
pub struct MfaConfigUpdate {
    /// `OFF`, `ON` or `OPTIONAL`.
    pub mfa_configuration: Option<String>,
    /// SoftwareTokenMfaConfiguration.Enabled.
    pub software_token_enabled: Option<bool>,
    /// SmsMfaConfiguration: the SMS template and sending configuration.
    pub sms: Option<SmsMfaConfigUpdate>,
    /// EmailMfaConfiguration: makes EMAIL_OTP available.
    pub email: Option<EmailMfaConfig>,
}

/// Who an AssociateSoftwareToken or VerifySoftwareToken call speaks for: a
/// signed-in user, or a user in the middle of the MFA_SETUP challenge.
#[derive(Debug, Clone, Copy)]
pub enum MfaCaller<'a> {
    AccessToken(&'a str),
    Session(&'a str),
}

/// A user resolved from an [`MfaCaller`], with the client to seal the next
/// session for when the caller came with a session.
struct Resolved {
    pool: UserPool,
    user: User,
    setup_client: Option<AppClient>,
}

fn totp_aad(user: &User) -> String {
    format!("totp-secret:{}:{}", user.pool_id, user.sub)
}

impl UserPools {
    // === pool configuration ===

    pub async fn get_user_pool_mfa_config(&self, pool_id: &str) -> CoreResult<UserPool> {
        self.pool(pool_id).await
    }

    /// Changes the pool's MFA settings. MFA `ON` or `OPTIONAL` needs a
    /// second factor the pool offers: TOTP, SMS (an SmsConfiguration) or
    /// e-mail (an EmailMfaConfiguration).
    pub async fn set_user_pool_mfa_config(
        &self,
        pool_id: &str,
        update: MfaConfigUpdate,
    ) -> CoreResult<UserPool> {
        let mut pool = self.pool(pool_id).await?;
        if let Some(mfa) = update.mfa_configuration {
            if !matches!(mfa.as_str(), "OFF" | "ON" | "OPTIONAL") {
                return Err(CoreError::invalid(format!(
                    "1 validation error detected: Value '{mfa}' at 'mfaConfiguration' failed to satisfy constraint: Member must satisfy enum value set: [OFF, ON, OPTIONAL]"
                )));
            }
            pool.mfa_configuration = mfa;
        }
        if let Some(enabled) = update.software_token_enabled {
            pool.software_token_mfa_enabled = enabled;
        }
        apply_otp_config(&mut pool, update.sms, update.email)?;
        let offers_any = Factor::ALL.into_iter().any(|f| f.offered_by(&pool));
        if pool.mfa_configuration != "OFF" && !offers_any {
            return Err(CoreError::invalid(
                "Invalid MFA configuration given, can't turn off all MFAs with MFA configuration ON or OPTIONAL.",
            ));
        }
        pool.modified_ms = self.clock.now_ms();
        self.store.update_pool(&pool).await?;
        Ok(pool)
    }

    // === associating and verifying an authenticator ===

    /// Generates a new TOTP secret (20 random bytes, returned in base32) and
    /// keeps it pending until VerifySoftwareToken. A session caller gets a
    /// new session to continue MFA_SETUP with.
    pub async fn associate_software_token(
        &self,
        caller: MfaCaller<'_>,
    ) -> CoreResult<(String, Option<String>)> {
        let Resolved {
            pool,
            mut user,
            setup_client,
        } = self.resolve_mfa_caller(caller).await?;
        let secret: [u8; 20] = self.rng.bytes();
        let sealed = self.master_key.seal(&secret, totp_aad(&user).as_bytes());
        user.mfa.pending_totp_secret = Some(STANDARD.encode(sealed));
        user.modified_ms = self.clock.now_ms();
        self.store.update_user(&user).await?;
        let session = match setup_client {
            Some(client) => Some(self.seal_session(&pool, &client, &user, MFA_SETUP)?),
            None => None,
        };
        Ok((base32_encode(&secret), session))
    }

    /// Checks a code from the pending secret and makes it the user's
    /// verified authenticator. During MFA_SETUP TOTP is also enabled and
    /// preferred (the user has just set up their only second factor), and a
    /// new session is returned for RespondToAuthChallenge.
    pub async fn verify_software_token(
        &self,
        caller: MfaCaller<'_>,
        code: &str,
        device_name: Option<&str>,
    ) -> CoreResult<Option<String>> {
        check_code_format(code, "userCode")?;
        let Resolved {
            pool,
            mut user,
            setup_client,
        } = self.resolve_mfa_caller(caller).await?;
        let sealed = user.mfa.pending_totp_secret.clone().ok_or_else(|| {
            CoreError::SoftwareTokenMfaNotFound(
                "Software Token MFA has not been associated.".into(),
            )
        })?;
        if !self.accept_totp(&mut user, &sealed, code)? {
            return Err(CoreError::EnableSoftwareTokenMfa(
                "Code mismatch and fail enable Software Token MFA".into(),
            ));
        }
        user.mfa.totp_secret = user.mfa.pending_totp_secret.take();
        user.mfa.totp_device_name = device_name.map(str::to_string);
        if setup_client.is_some() {
            user.mfa.totp_enabled = true;
            user.mfa.totp_preferred = true;
        }
        user.modified_ms = self.clock.now_ms();
        self.store.update_user(&user).await?;
        match setup_client {
            Some(client) => Ok(Some(self.seal_session(
                &pool,
                &client,
                &user,
                MFA_SETUP_VERIFIED,
            )?)),
            None => Ok(None),
        }
    }

    async fn resolve_mfa_caller(&self, caller: MfaCaller<'_>) -> CoreResult<Resolved> {
        match caller {
            MfaCaller::AccessToken(token) => {
                let ctx = self.authorize_access_token(token).await?;
                Ok(Resolved {
                    pool: ctx.pool,
                    user: ctx.user,
                    setup_client: None,
                })
            }
            MfaCaller::Session(session) => {
                let state = self.open_session(Some(session), None, MFA_SETUP).await?;
                let invalid = || CoreError::not_authorized("Invalid session for the user.");
                let pool = self.pool(&state.pool_id).await.map_err(|_| invalid())?;
                let client = self
                    .client(&state.pool_id, &state.client_id)
                    .await
                    .map_err(|_| invalid())?;
                let user = self
                    .store
                    .get_user_by_sub(&state.pool_id, &state.sub)
                    .await?
                    .ok_or_else(invalid)?;
                Ok(Resolved {
                    pool,
                    user,
                    setup_client: Some(client),
                })
            }
        }
    }

    // === preferences ===

    pub async fn set_user_mfa_preference(
        &self,
        access_token: &str,
        preferences: MfaPreferences,
    ) -> CoreResult<()> {
        let ctx = self.authorize_access_token(access_token).await?;
        if preferences.is_empty() {
            return Ok(());
        }
        self.apply_mfa_preferences(ctx.user, preferences).await
    }

    pub async fn admin_set_user_mfa_preference(
        &self,
        pool_id: &str,
        username: &str,
        preferences: MfaPreferences,
    ) -> CoreResult<()> {
        let pool = self.pool(pool_id).await?;
        let user = self.user(&pool, username).await?;
        if preferences.is_empty() {
            return Ok(());
        }
        self.apply_mfa_preferences(user, preferences).await
    }

    /// SetUserSettings: `sms` is whether MFAOptions names SMS.
    pub async fn set_user_settings(&self, access_token: &str, sms: bool) -> CoreResult<()> {
        let ctx = self.authorize_access_token(access_token).await?;
        self.apply_sms_mfa_option(ctx.user, sms).await
    }

    /// AdminSetUserSettings: `sms` is whether MFAOptions names SMS.
    pub async fn admin_set_user_settings(
        &self,
        pool_id: &str,
        username: &str,
        sms: bool,
    ) -> CoreResult<()> {
        let pool = self.pool(pool_id).await?;
        let user = self.user(&pool, username).await?;
        self.apply_sms_mfa_option(user, sms).await
    }

    // === sign-in ===

    /// The end of a successful first factor. When the pool uses MFA: the
    /// challenge of the factor [`UserPools::pick_factor`] picks,
    /// SELECT_MFA_TYPE when the user has several and prefers none, and
    /// MFA_SETUP when the pool requires MFA and the user has no factor it
    /// can use. Tokens otherwise.
    pub(super) async fn mfa_or_tokens(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        request: TokenRequest<'_>,
    ) -> CoreResult<AuthOutcome> {
        if pool.mfa_configuration != "OFF" {
            self.refuse_if_codes_locked(user)?;
            match Self::pick_factor(pool, user) {
                Ok(Some(factor)) => {
                    return self
                        .factor_challenge(pool, client, user, factor, request.client_metadata)
                        .await;
                }
                Err(choices) => {
                    return self.select_mfa_type_challenge(pool, client, user, &choices);
                }
                Ok(None) if pool.mfa_configuration == "ON" => {
                    let can_setup: Vec<&str> = Factor::ALL
                        .into_iter()
                        .filter(|f| f.offered_by(pool))
                        .map(Factor::name)
                        .collect();
                    let mut parameters = BTreeMap::new();
                    parameters.insert("USER_ID_FOR_SRP".to_string(), user.username.clone());
                    parameters.insert(
                        "MFAS_CAN_SETUP".to_string(),
                        serde_json::to_string(&can_setup)
                            .map_err(|e| CoreError::Internal(e.to_string()))?,
                    );
                    return Ok(AuthOutcome::Challenge(Challenge {
                        name: MFA_SETUP.into(),
                        session: Some(self.seal_session(pool, client, user, MFA_SETUP)?),
                        parameters,
                    }));
                }
                Ok(None) => {}
            }
        }
        Ok(AuthOutcome::Tokens(
            self.mint_for(pool, client, user, Origin::SignIn, request)
                .await?,
        ))
    }

    /// The end of a sign-in whose second factor has been proven: tokens.
    pub(super) async fn second_factor_tokens(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        req: &ChallengeResponse,
    ) -> CoreResult<AuthOutcome> {
        let request = TokenRequest::sign_in(&req.client_metadata);
        Ok(AuthOutcome::Tokens(
            self.mint_for(pool, client, user, Origin::SignIn, request)
                .await?,
        ))
    }

    /// The SOFTWARE_TOKEN_MFA challenge.
    pub(super) fn totp_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
    ) -> CoreResult<AuthOutcome> {
        let mut parameters = BTreeMap::new();
        parameters.insert("USER_ID_FOR_SRP".to_string(), user.username.clone());
        if let Some(name) = &user.mfa.totp_device_name {
            parameters.insert("FRIENDLY_DEVICE_NAME".to_string(), name.clone());
        }
        Ok(AuthOutcome::Challenge(Challenge {
            name: SOFTWARE_TOKEN_MFA.into(),
            session: Some(self.seal_session(pool, client, user, SOFTWARE_TOKEN_MFA)?),
            parameters,
        }))
    }

    /// RespondToAuthChallenge SOFTWARE_TOKEN_MFA: a current code from the
    /// user's authenticator, not used before, gives tokens.
    pub(super) async fn respond_software_token_mfa(
        &self,
        pool: &UserPool,
        client: &AppClient,
        req: &ChallengeResponse,
    ) -> CoreResult<AuthOutcome> {
        let r = &req.responses;
        let username = Self::required(r, "USERNAME")?;
        let code = Self::required(r, "SOFTWARE_TOKEN_MFA_CODE")?;
        let state = self
            .open_session(req.session.as_deref(), Some(client), SOFTWARE_TOKEN_MFA)
            .await?;
        let mut user = self
            .challenged_user(pool, client, &state.sub, username, r)
            .await?;
        let sealed = match (&user.mfa.totp_secret, user.mfa.totp_enabled) {
            (Some(s), true) => s.clone(),
            _ => return Err(CoreError::not_authorized("Invalid session for the user.")),
        };
        if check_code_format(code, "softwareTokenMfaCode").is_err()
            || !self.accept_totp(&mut user, &sealed, code)?
        {
            return Err(self
                .second_factor_failed(&user, "Invalid code received for user")
                .await?);
        }
        user.mfa.failed_codes = 0;
        user.mfa.last_failed_code_ms = 0;
        self.store.update_user(&user).await?;
        self.second_factor_tokens(pool, client, &user, req).await
    }

    /// RespondToAuthChallenge MFA_SETUP, with the session VerifySoftwareToken
    /// returned: the user now has TOTP, so the sign-in completes.
    pub(super) async fn respond_mfa_setup(
        &self,
        pool: &UserPool,
        client: &AppClient,
        req: &ChallengeResponse,
    ) -> CoreResult<AuthOutcome> {
        let r = &req.responses;
        let username = Self::required(r, "USERNAME")?;
        let state = self
            .open_session(req.session.as_deref(), Some(client), MFA_SETUP_VERIFIED)
            .await?;
        let user = self
            .challenged_user(pool, client, &state.sub, username, r)
            .await?;
        if !user.mfa.totp_enabled {
            return Err(CoreError::not_authorized(
                "Invalid session for the user: software token MFA has not been verified.",
            ));
        }
        self.second_factor_tokens(pool, client, &user, req).await
    }

    /// The user a challenge session was issued for, checked against the
    /// USERNAME and SECRET_HASH of the response and still able to sign in.
    pub(super) async fn challenged_user(
        &self,
        pool: &UserPool,
        client: &AppClient,
        sub: &str,
        username: &str,
        r: &BTreeMap<String, String>,
    ) -> CoreResult<User> {
        let user = self
            .store
            .get_user_by_sub(&pool.id, sub)
            .await?
            .ok_or_else(|| CoreError::not_authorized(INCORRECT))?;
        let named = self.find_user(pool, username).await?;
        if named.map(|u| u.sub).as_deref() != Some(user.sub.as_str()) {
            return Err(CoreError::not_authorized("Invalid session for the user."));
        }
        self.check_secret_hash_for(
            client,
            username,
            Some(&user),
            r.get("SECRET_HASH").map(String::as_str),
        )?;
        if !user.enabled {
            return Err(CoreError::not_authorized("User is disabled."));
        }
        if user.status != UserStatus::Confirmed {
            return Err(CoreError::not_authorized("Invalid session for the user."));
        }
        Ok(user)
    }

    /// Checks `code` against the sealed secret for the current step and one
    /// step either side, comparing in constant time. A step at or before the
    /// last accepted one is refused, so a code works once. On success the
    /// step is recorded in `user` (the caller stores it).
    fn accept_totp(&self, user: &mut User, sealed: &str, code: &str) -> CoreResult<bool> {
        let raw = STANDARD
            .decode(sealed)
            .map_err(|e| CoreError::Internal(e.to_string()))?;
        let secret = self.master_key.open(&raw, totp_aad(user).as_bytes())?;
        let now = step_at(self.clock.now_ms().div_euclid(1000));
        let mut matched = None;
        for step in now - 1..=now + 1 {
            let expected = totp_code(&secret, step);
            if cognate_tokens::constant_time_eq(expected.as_bytes(), code.as_bytes()) {
                matched = Some(step);
            }
        }
        match matched {
            Some(step) if step > user.mfa.last_totp_step => {
                user.mfa.last_totp_step = step;
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

/// A code is exactly six ASCII digits.
fn check_code_format(code: &str, member: &str) -> CoreResult<()> {
    if code.len() == DIGITS && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(CoreError::invalid(format!(
            "1 validation error detected: Value at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]+ and length 6"
        )))
    }
}
