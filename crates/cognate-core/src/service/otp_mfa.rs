//! The second factors besides TOTP, and choosing between factors: the
//! pool's SMS and e-mail MFA configuration, users' preferences for every
//! factor, the SMS_MFA and EMAIL_OTP challenges (a six-digit code sent for
//! one sign-in) and SELECT_MFA_TYPE.
//!
//! A sign-in code is stored as a keyed hash in a code record of the user,
//! one per factor, replaced by the next sign-in's code: a code is good only
//! with the session issued with it (the newest), only once, and only until
//! that session expires. A wrong code ends the sign-in (the session is
//! single use); wrong codes in a row lock sign-in as wrong passwords do.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::auth::{AuthOutcome, Challenge, ChallengeResponse};
use super::codes::mask;
use super::custom_message::{MessageTrigger, CODE_PARAMETER};
use super::lockout::{lock_ms, ATTEMPTS_EXCEEDED};
use super::{Medium, Message, Purpose, UserPools};
use crate::model::{AppClient, CodeRecord, EmailMfaConfig, User, UserPool};
use crate::rng::RngExt;
use crate::{CoreError, CoreResult};

pub(super) const SELECT_MFA_TYPE: &str = "SELECT_MFA_TYPE";
const DEFAULT_MESSAGE: &str = "Your authentication code is {####}. ";
const DEFAULT_SUBJECT: &str = "Your authentication code";
const OTP_MISMATCH: &str = "Invalid code or auth state for the user.";

/// A second factor, in the order AWS lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Factor {
    Sms,
    Totp,
    Email,
}

impl Factor {
    pub(super) const ALL: [Factor; 3] = [Factor::Sms, Factor::Totp, Factor::Email];

    /// The challenge name, which is also the factor's name in lists.
    pub(super) fn name(self) -> &'static str {
        match self {
            Factor::Sms => "SMS_MFA",
            Factor::Totp => "SOFTWARE_TOKEN_MFA",
            Factor::Email => "EMAIL_OTP",
        }
    }

    fn parse(name: &str) -> Option<Factor> {
        Factor::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Whether the pool offers the factor.
    pub(super) fn offered_by(self, pool: &UserPool) -> bool {
        match self {
            Factor::Sms => pool.sms_mfa_available(),
            Factor::Totp => pool.software_token_mfa_enabled,
            Factor::Email => pool.email_mfa_config().is_some(),
        }
    }

    /// `(enabled, preferred)` for the user.
    fn state(self, user: &User) -> (bool, bool) {
        let m = &user.mfa;
        match self {
            Factor::Sms => (m.sms_enabled, m.sms_preferred),
            Factor::Totp => (m.totp_enabled, m.totp_preferred),
            Factor::Email => (m.email_enabled, m.email_preferred),
        }
    }

    fn set_state(self, user: &mut User, enabled: bool, preferred: bool) {
        let m = &mut user.mfa;
        let (e, p) = match self {
            Factor::Sms => (&mut m.sms_enabled, &mut m.sms_preferred),
            Factor::Totp => (&mut m.totp_enabled, &mut m.totp_preferred),
            Factor::Email => (&mut m.email_enabled, &mut m.email_preferred),
        };
        *e = enabled;
        *p = enabled && preferred;
    }

    /// Whether the user has what the factor needs: a verified
    /// authenticator, a phone number, an e-mail address.
    fn possible_for(self, user: &User) -> bool {
        match self {
            Factor::Sms => user.attr("phone_number").is_some(),
            Factor::Totp => user.mfa.totp_secret.is_some(),
            Factor::Email => user.attr("email").is_some(),
        }
    }

    /// Whether sign-in may challenge the user with this factor.
    pub(super) fn usable(self, pool: &UserPool, user: &User) -> bool {
        self.offered_by(pool) && self.state(user).0 && self.possible_for(user)
    }

    fn is_preferred(self, user: &User) -> bool {
        self.state(user) == (true, true)
    }

    /// Where a sent code goes, for SMS_MFA and EMAIL_OTP.
    fn medium(self) -> Option<Medium> {
        match self {
            Factor::Sms => Some(Medium::Sms),
            Factor::Email => Some(Medium::Email),
            Factor::Totp => None,
        }
    }

    fn code_key(self) -> &'static str {
        match self {
            Factor::Sms => "SMS_MFA_CODE",
            Factor::Email => "EMAIL_OTP_CODE",
            Factor::Totp => "SOFTWARE_TOKEN_MFA_CODE",
        }
    }
}

/// SmsMfaConfiguration of SetUserPoolMfaConfig.
#[derive(Debug, Clone, Default)]
pub struct SmsMfaConfigUpdate {
    /// SmsAuthenticationMessage: must contain `{####}`.
    pub authentication_message: Option<String>,
    /// SmsConfiguration {SnsCallerArn, ExternalId, SnsRegion}, kept as given.
    pub sms_configuration: Option<Map<String, Value>>,
}

/// EnabledFlag / PreferredMfa of one factor in (Admin)SetUserMFAPreference.
#[derive(Debug, Clone, Copy, Default)]
pub struct FactorPreference {
    pub enabled: Option<bool>,
    pub preferred: Option<bool>,
}

/// The settings of (Admin)SetUserMFAPreference; `None` leaves a factor as it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct MfaPreferences {
    pub sms: Option<FactorPreference>,
    pub totp: Option<FactorPreference>,
    pub email: Option<FactorPreference>,
}

impl MfaPreferences {
    fn by_factor(&self) -> [(Factor, Option<FactorPreference>); 3] {
        [
            (Factor::Sms, self.sms),
            (Factor::Totp, self.totp),
            (Factor::Email, self.email),
        ]
    }

    pub fn is_empty(&self) -> bool {
        self.by_factor().iter().all(|(_, p)| p.is_none())
    }
}

fn invalid_template(member: &str, value: &str, max: usize) -> CoreError {
    CoreError::invalid(format!(
        "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: .*\\{{####\\}}.* and length between 6 and {max}"
    ))
}

fn check_template(member: &str, value: &str, max: usize) -> CoreResult<()> {
    let n = value.chars().count();
    if value.contains(CODE_PARAMETER) && (6..=max).contains(&n) {
        Ok(())
    } else {
        Err(invalid_template(member, value, max))
    }
}

/// Applies the SMS and e-mail parts of SetUserPoolMfaConfig to `pool`,
/// after checking them. SMS MFA needs an SmsConfiguration, given here or
/// earlier (CreateUserPool, UpdateUserPool).
pub(super) fn apply_otp_config(
    pool: &mut UserPool,
    sms: Option<SmsMfaConfigUpdate>,
    email: Option<EmailMfaConfig>,
) -> CoreResult<()> {
    if let Some(sms) = sms {
        if let Some(message) = sms.authentication_message {
            check_template(
                "smsMfaConfiguration.smsAuthenticationMessage",
                &message,
                140,
            )?;
            pool.passthrough
                .insert("SmsAuthenticationMessage".into(), Value::String(message));
        }
        if let Some(config) = sms.sms_configuration {
            let arn = config.get("SnsCallerArn").and_then(Value::as_str);
            if arn.is_none_or(str::is_empty) {
                return Err(CoreError::invalid(
                    "1 validation error detected: Value null at 'smsMfaConfiguration.smsConfiguration.snsCallerArn' failed to satisfy constraint: Member must not be null",
                ));
            }
            pool.passthrough
                .insert("SmsConfiguration".into(), Value::Object(config));
        }
        if !pool.sms_mfa_available() {
            return Err(CoreError::invalid(
                "SMS MFA needs an SmsConfiguration with an SnsCallerArn; the user pool has none.",
            ));
        }
    }
    if let Some(email) = email {
        let mut out = Map::new();
        if let Some(message) = email.message {
            check_template("emailMfaConfiguration.message", &message, 20_000)?;
            out.insert("Message".into(), Value::String(message));
        }
        if let Some(subject) = email.subject {
            if subject.trim().is_empty() || subject.chars().count() > 140 {
                return Err(CoreError::invalid(
                    "1 validation error detected: Value at 'emailMfaConfiguration.subject' failed to satisfy constraint: Member must have length between 1 and 140",
                ));
            }
            out.insert("Subject".into(), Value::String(subject));
        }
        pool.passthrough
            .insert("EmailMfaConfiguration".into(), Value::Object(out));
    }
    Ok(())
}

impl UserPools {
    // === preferences ===

    /// Enables, disables and prefers factors. A preferred factor must be
    /// enabled, and preferring one un-prefers the others. Enabling TOTP
    /// needs a verified authenticator, SMS a phone number, e-mail an address.
    pub(super) async fn apply_mfa_preferences(
        &self,
        mut user: User,
        prefs: MfaPreferences,
    ) -> CoreResult<()> {
        for (factor, pref) in prefs.by_factor() {
            let Some(pref) = pref else { continue };
            let enabled = pref.enabled.unwrap_or(factor.state(&user).0);
            let preferred = pref.preferred.unwrap_or(false);
            if preferred && !enabled {
                return Err(CoreError::invalid(
                    "A disabled MFA type cannot be the preferred MFA.",
                ));
            }
            if enabled && !factor.possible_for(&user) {
                return Err(CoreError::invalid(match factor {
                    Factor::Totp => "User has not verified software token mfa",
                    Factor::Sms => "User does not have a phone number: SMS MFA cannot be enabled.",
                    Factor::Email => {
                        "User does not have an email address: email MFA cannot be enabled."
                    }
                }));
            }
            if preferred {
                for other in Factor::ALL {
                    let (e, _) = other.state(&user);
                    other.set_state(&mut user, e, false);
                }
            }
            factor.set_state(&mut user, enabled, preferred);
        }
        user.modified_ms = self.clock.now_ms();
        self.store.update_user(&user).await?;
        Ok(())
    }

    /// AdminSetUserSettings / SetUserSettings: the legacy MFAOptions, where
    /// an SMS entry enables SMS MFA and an empty list disables it.
    pub(super) async fn apply_sms_mfa_option(&self, user: User, sms: bool) -> CoreResult<()> {
        let pref = FactorPreference {
            enabled: Some(sms),
            preferred: Some(sms && user.mfa.sms_preferred),
        };
        self.apply_mfa_preferences(
            user,
            MfaPreferences {
                sms: Some(pref),
                ..MfaPreferences::default()
            },
        )
        .await
    }

    // === sign-in ===

    /// The factor sign-in asks for when the pool uses MFA: the preferred
    /// usable one, else the only usable one; when the pool requires MFA and
    /// the user has none, a code to their phone (or e-mail) if the pool
    /// sends them. `Err(list)`: several usable and none preferred.
    pub(super) fn pick_factor(pool: &UserPool, user: &User) -> Result<Option<Factor>, Vec<Factor>> {
        let usable: Vec<Factor> = Factor::ALL
            .into_iter()
            .filter(|f| f.usable(pool, user))
            .collect();
        if let Some(f) = usable.iter().find(|f| f.is_preferred(user)) {
            return Ok(Some(*f));
        }
        match usable.as_slice() {
            [only] => Ok(Some(*only)),
            [] if pool.mfa_configuration == "ON" => Ok([Factor::Sms, Factor::Email]
                .into_iter()
                .find(|f| f.offered_by(pool) && f.possible_for(user))),
            [] => Ok(None),
            _ => Err(usable),
        }
    }

    /// The SELECT_MFA_TYPE challenge, MFAS_CAN_CHOOSE listing `choices`.
    pub(super) fn select_mfa_type_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        choices: &[Factor],
    ) -> CoreResult<AuthOutcome> {
        let names: Vec<&str> = choices.iter().map(|f| f.name()).collect();
        let mut parameters = BTreeMap::new();
        parameters.insert("USER_ID_FOR_SRP".to_string(), user.username.clone());
        parameters.insert(
            "MFAS_CAN_CHOOSE".to_string(),
            serde_json::to_string(&names).map_err(|e| CoreError::Internal(e.to_string()))?,
        );
        Ok(AuthOutcome::Challenge(Challenge {
            name: SELECT_MFA_TYPE.into(),
            session: Some(self.seal_session(pool, client, user, SELECT_MFA_TYPE)?),
            parameters,
        }))
    }

    /// The challenge of `factor`: SOFTWARE_TOKEN_MFA, or a code sent for
    /// SMS_MFA / EMAIL_OTP (through the CustomMessage trigger, source
    /// `CustomMessage_Authentication`, with the call's `metadata`).
    pub(super) async fn factor_challenge(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        factor: Factor,
        metadata: &BTreeMap<String, String>,
    ) -> CoreResult<AuthOutcome> {
        let Some(medium) = factor.medium() else {
            return self.totp_challenge(pool, client, user);
        };
        let destination = user
            .attr(medium.attribute())
            .ok_or_else(|| CoreError::invalid("The user has nowhere to send the code to."))?
            .to_string();
        let code = self.rng.digits(6);
        let now = self.clock.now_ms();
        let purpose = otp_purpose(factor);
        self.store
            .put_code(&CodeRecord {
                pool_id: pool.id.clone(),
                sub: user.sub.clone(),
                code_hash: self.otp_hash(user, &purpose, &code),
                purpose,
                created_ms: now,
                expires_ms: now + i64::from(client.auth_session_validity_minutes) * 60_000,
                failed_attempts: 0,
            })
            .await?;
        let session = self.seal_session(pool, client, user, factor.name())?;
        let (template, subject) = match medium {
            Medium::Sms => (
                pool.sms_authentication_message().map(str::to_string),
                DEFAULT_SUBJECT.to_string(),
            ),
            Medium::Email => {
                let c = pool.email_mfa_config().unwrap_or_default();
                (c.message, c.subject.unwrap_or(DEFAULT_SUBJECT.into()))
            }
        };
        let template = template.unwrap_or(DEFAULT_MESSAGE.into());
        let mut message = Message {
            pool_id: pool.id.clone(),
            username: user.username.clone(),
            purpose: Purpose::Authentication,
            medium,
            destination: destination.clone(),
            subject,
            body: template.replace(CODE_PARAMETER, &code),
            code: Some(code),
            temporary_password: None,
        };
        let trigger = MessageTrigger::new("Authentication", Some(&client.client_id), metadata);
        self.apply_custom_message(pool, user, &trigger, &mut message)
            .await?;
        self.send(message).await?;
        let mut parameters = BTreeMap::new();
        parameters.insert(
            "CODE_DELIVERY_DELIVERY_MEDIUM".to_string(),
            medium.as_str().to_string(),
        );
        parameters.insert(
            "CODE_DELIVERY_DESTINATION".to_string(),
            mask(medium, &destination),
        );
        Ok(AuthOutcome::Challenge(Challenge {
            name: factor.name().into(),
            session: Some(session),
            parameters,
        }))
    }

    /// RespondToAuthChallenge SELECT_MFA_TYPE: ANSWER names one of the
    /// factors the user could choose, whose challenge follows.
    pub(super) async fn respond_select_mfa_type(
        &self,
        pool: &UserPool,
        client: &AppClient,
        req: &ChallengeResponse,
    ) -> CoreResult<AuthOutcome> {
        let r = &req.responses;
        let username = Self::required(r, "USERNAME")?;
        let answer = Self::required(r, "ANSWER")?;
        let state = self
            .open_session(req.session.as_deref(), Some(client), SELECT_MFA_TYPE)
            .await?;
        let user = self
            .challenged_user(pool, client, &state.sub, username, r)
            .await?;
        match Factor::parse(answer) {
            Some(f) if f.usable(pool, &user) => {
                self.factor_challenge(pool, client, &user, f, &req.client_metadata)
                    .await
            }
            _ => Err(CoreError::invalid(format!(
                "Invalid ANSWER {answer}: the user cannot choose this MFA type."
            ))),
        }
    }

    /// RespondToAuthChallenge SMS_MFA / EMAIL_OTP: the code sent with this
    /// session gives tokens; any other ends the sign-in.
    pub(super) async fn respond_otp_mfa(
        &self,
        pool: &UserPool,
        client: &AppClient,
        req: &ChallengeResponse,
    ) -> CoreResult<AuthOutcome> {
        let factor = Factor::parse(&req.challenge_name)
            .filter(|f| f.medium().is_some())
            .ok_or_else(|| CoreError::invalid("Not a one-time code challenge."))?;
        let r = &req.responses;
        let username = Self::required(r, "USERNAME")?;
        let code = Self::required(r, factor.code_key())?;
        let state = self
            .open_session(req.session.as_deref(), Some(client), factor.name())
            .await?;
        let mut user = self
            .challenged_user(pool, client, &state.sub, username, r)
            .await?;
        let purpose = otp_purpose(factor);
        let record = self.store.get_code(&pool.id, &user.sub, &purpose).await?;
        self.store
            .delete_code(&pool.id, &user.sub, &purpose)
            .await?;
        let given = self.otp_hash(&user, &purpose, code.trim());
        let good = record.is_some_and(|rec| {
            self.clock.now_ms() < rec.expires_ms
                && cognate_tokens::constant_time_eq(given.as_bytes(), rec.code_hash.as_bytes())
        });
        if !good {
            return Err(self.second_factor_failed(&user, OTP_MISMATCH).await?);
        }
        self.second_factor_passed(&mut user).await?;
        self.second_factor_tokens(pool, client, &user, req).await
    }

    /// Counts a wrong second-factor code toward the user's lockout and
    /// returns the CodeMismatchException the attempt answers with.
    pub(super) async fn second_factor_failed(
        &self,
        user: &User,
        message: &str,
    ) -> CoreResult<CoreError> {
        let now = self.clock.now_ms();
        if let Some(mut fresh) = self.store.get_user_by_sub(&user.pool_id, &user.sub).await? {
            fresh.mfa.failed_codes = live_code_failures(&fresh, now).saturating_add(1);
            fresh.mfa.last_failed_code_ms = now;
            self.store.update_user(&fresh).await?;
        }
        Ok(CoreError::CodeMismatch(message.into()))
    }

    /// Clears the wrong-code counter after a second factor was proven (in
    /// the store and in `user`).
    pub(super) async fn second_factor_passed(&self, user: &mut User) -> CoreResult<()> {
        if user.mfa.failed_codes != 0 {
            user.mfa.failed_codes = 0;
            user.mfa.last_failed_code_ms = 0;
            self.store.update_user(user).await?;
        }
        Ok(())
    }

    /// Refuses to challenge a user whose wrong codes lock them: from the
    /// fifth in a row, for 1 s doubling up to 15 minutes, as for passwords.
    pub(super) fn refuse_if_codes_locked(&self, user: &User) -> CoreResult<()> {
        let now = self.clock.now_ms();
        let lock = lock_ms(live_code_failures(user, now));
        if lock > 0 && now < user.mfa.last_failed_code_ms.saturating_add(lock) {
            Err(CoreError::not_authorized(ATTEMPTS_EXCEEDED))
        } else {
            Ok(())
        }
    }

    fn otp_hash(&self, user: &User, purpose: &str, code: &str) -> String {
        let data = format!("{}\n{}\n{purpose}\n{code}", user.pool_id, user.sub);
        hex::encode(self.master_key.mac("mfa-code", data.as_bytes()))
    }
}

/// The wrong codes that still count: none once the last is 15 minutes old.
fn live_code_failures(user: &User, now_ms: i64) -> u32 {
    if now_ms.saturating_sub(user.mfa.last_failed_code_ms) >= 15 * 60_000 {
        0
    } else {
        user.mfa.failed_codes
    }
}

/// The code record's purpose for a factor's sign-in code.
fn otp_purpose(factor: Factor) -> String {
    format!("mfa:{}", factor.name())
}
