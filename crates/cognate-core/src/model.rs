//! The records the core keeps: pools, app clients, users, groups, codes and
//! refresh sessions. Storage serialises them; it does not interpret them.
//!
//! Records are stored as serialised documents, so a field added to a record
//! after release must carry `#[serde(default)]` (or come with a migration that
//! rewrites the stored documents): older rows must keep decoding.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Settings the core stores and echoes back but does not act on
/// (message templates, e-mail configuration, tags, OAuth settings, ...).
pub type Passthrough = serde_json::Map<String, serde_json::Value>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserPool {
    pub id: String,
    pub name: String,
    pub created_ms: i64,
    pub modified_ms: i64,
    pub password_policy: PasswordPolicy,
    /// Standard attributes first, then `custom:` ones, in the order they were defined.
    pub schema: Vec<AttributeSchema>,
    /// `email` and/or `phone_number`: users sign in with these instead of a username.
    pub username_attributes: Vec<String>,
    /// `email`, `phone_number`, `preferred_username`: alternative sign-in names.
    pub alias_attributes: Vec<String>,
    pub username_case_sensitive: bool,
    pub auto_verified_attributes: Vec<String>,
    pub allow_admin_create_user_only: bool,
    pub unused_account_validity_days: u32,
    /// `OFF`, `ON` (every user signs in with a second factor) or `OPTIONAL`.
    pub mfa_configuration: String,
    /// Whether TOTP (software token) MFA is available to the pool's users.
    #[serde(default)]
    pub software_token_mfa_enabled: bool,
    pub deletion_protection: bool,
    /// Trigger name (e.g. `PreSignUp`) -> target; also the event version
    /// PreTokenGeneration runs with, under [`PRE_TOKEN_GENERATION_VERSION`].
    pub lambda_config: BTreeMap<String, String>,
    pub passthrough: Passthrough,
}

/// The `lambda_config` key holding PreTokenGenerationConfig.LambdaVersion
/// (absent: `V1_0`).
pub const PRE_TOKEN_GENERATION_VERSION: &str = "PreTokenGenerationConfig.LambdaVersion";

/// PreTokenGenerationConfig.LambdaVersion: the shape of the event and of
/// the answer PreTokenGeneration works with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PreTokenVersion {
    /// Claims of the ID token only.
    #[default]
    V1,
    /// Claims and scopes of both tokens.
    V2,
    /// As V2, also for machine-to-machine (client credentials) tokens.
    V3,
}

impl PreTokenVersion {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "V1_0" => Some(Self::V1),
            "V2_0" => Some(Self::V2),
            "V3_0" => Some(Self::V3),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::V1 => "V1_0",
            Self::V2 => "V2_0",
            Self::V3 => "V3_0",
        }
    }

    /// The event's `version` member.
    pub fn event_version(self) -> &'static str {
        match self {
            Self::V1 => "1",
            Self::V2 => "2",
            Self::V3 => "3",
        }
    }
}

impl UserPool {
    /// The LambdaVersion PreTokenGeneration runs with.
    pub fn pre_token_generation_version(&self) -> PreTokenVersion {
        self.lambda_config
            .get(PRE_TOKEN_GENERATION_VERSION)
            .and_then(|v| PreTokenVersion::parse(v))
            .unwrap_or_default()
    }
}

impl UserPool {
    /// The part of the id after the region, used by SRP as the "pool name".
    pub fn short_id(&self) -> &str {
        self.id.split_once('_').map(|(_, s)| s).unwrap_or(&self.id)
    }

    pub fn region(&self) -> &str {
        self.id
            .split_once('_')
            .map(|(r, _)| r)
            .unwrap_or("us-east-1")
    }

    pub fn attribute(&self, name: &str) -> Option<&AttributeSchema> {
        self.schema.iter().find(|a| a.name == name)
    }

    // The second factors besides TOTP are configured through members kept in
    // `passthrough`: `SmsConfiguration` and `SmsAuthenticationMessage` (as
    // CreateUserPool and SetUserPoolMfaConfig give them) make SMS_MFA
    // available, `EmailMfaConfiguration` makes EMAIL_OTP available.

    /// Whether SMS_MFA is available: the pool has an `SmsConfiguration`.
    pub fn sms_mfa_available(&self) -> bool {
        self.passthrough
            .get("SmsConfiguration")
            .is_some_and(|v| v.is_object())
    }

    /// The pool's `SmsAuthenticationMessage` template, if set.
    pub fn sms_authentication_message(&self) -> Option<&str> {
        self.passthrough
            .get("SmsAuthenticationMessage")
            .and_then(|v| v.as_str())
    }

    /// The pool's EmailMfaConfiguration; EMAIL_OTP is available when set.
    pub fn email_mfa_config(&self) -> Option<EmailMfaConfig> {
        let c = self.passthrough.get("EmailMfaConfiguration")?.as_object()?;
        let text = |k: &str| c.get(k).and_then(|v| v.as_str()).map(str::to_string);
        Some(EmailMfaConfig {
            message: text("Message"),
            subject: text("Subject"),
        })
    }

    pub fn signs_in_with(&self, attr: &str) -> bool {
        self.username_attributes.iter().any(|a| a == attr)
            || self.alias_attributes.iter().any(|a| a == attr)
    }
}

/// A pool's EmailMfaConfiguration: the EMAIL_OTP message template (with
/// `{####}` for the code) and subject; `None` uses the default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmailMfaConfig {
    pub message: Option<String>,
    pub subject: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    pub minimum_length: u32,
    pub require_uppercase: bool,
    pub require_lowercase: bool,
    pub require_numbers: bool,
    pub require_symbols: bool,
    pub temporary_password_validity_days: u32,
    pub password_history_size: Option<u32>,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            minimum_length: 8,
            require_uppercase: true,
            require_lowercase: true,
            require_numbers: true,
            require_symbols: true,
            temporary_password_validity_days: 7,
            password_history_size: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AttributeType {
    String,
    Number,
    DateTime,
    Boolean,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeSchema {
    /// Full name: `email`, or `custom:tenant` for custom attributes.
    pub name: String,
    pub data_type: AttributeType,
    pub developer_only: bool,
    pub mutable: bool,
    pub required: bool,
    pub min_length: Option<String>,
    pub max_length: Option<String>,
    pub min_value: Option<String>,
    pub max_value: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyUse {
    IdToken,
    AccessToken,
}

/// One signing key of a pool, its private half sealed with the master key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolKey {
    pub pool_id: String,
    pub kid: String,
    pub key_use: KeyUse,
    pub sealed_pkcs8: Vec<u8>,
    pub created_ms: i64,
}

/// Token validity, kept in the unit it was given in so it can be echoed back.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Validity {
    pub value: i64,
    pub unit: TimeUnit,
}

impl Validity {
    pub fn seconds(&self) -> i64 {
        self.value * self.unit.seconds()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimeUnit {
    Seconds,
    Minutes,
    Hours,
    Days,
}

impl TimeUnit {
    pub fn seconds(self) -> i64 {
        match self {
            TimeUnit::Seconds => 1,
            TimeUnit::Minutes => 60,
            TimeUnit::Hours => 3600,
            TimeUnit::Days => 86400,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppClient {
    pub pool_id: String,
    pub client_id: String,
    pub name: String,
    /// The client secret, sealed with the master key (it must be shown again by Describe).
    pub sealed_secret: Option<Vec<u8>>,
    pub created_ms: i64,
    pub modified_ms: i64,
    pub explicit_auth_flows: Vec<String>,
    pub access_token_validity: Validity,
    pub id_token_validity: Validity,
    pub refresh_token_validity: Validity,
    /// Whether validities were given explicitly (Describe echoes only what was set).
    pub validity_explicit: bool,
    pub auth_session_validity_minutes: u32,
    pub read_attributes: Vec<String>,
    pub write_attributes: Vec<String>,
    pub prevent_user_existence_errors: bool,
    pub enable_token_revocation: bool,
    pub passthrough: Passthrough,
    /// Refresh-token rotation; `None` when never configured (rotation off).
    #[serde(default)]
    pub refresh_token_rotation: Option<RefreshTokenRotation>,
}

/// An app client's refresh-token rotation: when enabled,
/// GetTokensFromRefreshToken issues a new refresh token each time and the
/// submitted one stays usable for `retry_grace_period_seconds` (0..=60).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshTokenRotation {
    pub enabled: bool,
    pub retry_grace_period_seconds: u32,
}

impl AppClient {
    pub fn allows_flow(&self, flow: &str) -> bool {
        self.explicit_auth_flows.iter().any(|f| f == flow)
    }

    /// Whether refreshing issues a new refresh token (rotation enabled).
    pub fn rotates_refresh_tokens(&self) -> bool {
        self.refresh_token_rotation.is_some_and(|r| r.enabled)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserStatus {
    Unconfirmed,
    Confirmed,
    ForceChangePassword,
    ResetRequired,
    ExternalProvider,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Unconfirmed => "UNCONFIRMED",
            UserStatus::Confirmed => "CONFIRMED",
            UserStatus::ForceChangePassword => "FORCE_CHANGE_PASSWORD",
            UserStatus::ResetRequired => "RESET_REQUIRED",
            UserStatus::ExternalProvider => "EXTERNAL_PROVIDER",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "UNCONFIRMED" => UserStatus::Unconfirmed,
            "CONFIRMED" => UserStatus::Confirmed,
            "FORCE_CHANGE_PASSWORD" => UserStatus::ForceChangePassword,
            "RESET_REQUIRED" => UserStatus::ResetRequired,
            "EXTERNAL_PROVIDER" => UserStatus::ExternalProvider,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub pool_id: String,
    pub sub: String,
    /// The username as the user gave it (or the generated one when the pool signs in by e-mail).
    pub username: String,
    /// The lookup key: `username` folded to lower case unless the pool is case sensitive.
    pub username_key: String,
    pub status: UserStatus,
    pub enabled: bool,
    /// argon2id PHC string. None for users that never had a password.
    pub password_hash: Option<String>,
    /// The SRP salt and verifier (`g^x mod N`) for USER_SRP_AUTH, sealed with
    /// the master key (base64). None until a password is set or used.
    #[serde(default)]
    pub srp_verifier: Option<String>,
    /// When the current (temporary) password was set; temporary passwords expire.
    pub password_set_ms: i64,
    /// User attributes except `sub`, which is a column of its own.
    pub attributes: BTreeMap<String, String>,
    pub created_ms: i64,
    pub modified_ms: i64,
    /// Consecutive failed sign-ins and when the last one happened (lockout).
    pub failed_sign_ins: u32,
    pub last_failed_sign_in_ms: i64,
    /// The user's second factors.
    #[serde(default)]
    pub mfa: UserMfa,
    pub passthrough: Passthrough,
}

/// A user's second factors: TOTP (software token) state and which of
/// SMS_MFA, EMAIL_OTP and SOFTWARE_TOKEN_MFA are enabled and preferred.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserMfa {
    /// The verified TOTP secret, sealed with the master key (base64).
    pub totp_secret: Option<String>,
    /// A secret from AssociateSoftwareToken that VerifySoftwareToken has not
    /// confirmed yet, sealed like `totp_secret`.
    pub pending_totp_secret: Option<String>,
    /// The name the user gave the authenticator when verifying it.
    pub totp_device_name: Option<String>,
    /// Whether sign-in asks for a TOTP code (SetUserMFAPreference).
    pub totp_enabled: bool,
    /// Whether TOTP is the user's preferred second factor.
    pub totp_preferred: bool,
    /// The last 30-second step whose code was accepted: a code is good once.
    pub last_totp_step: i64,
    /// Whether sign-in may send a code by SMS (SMS_MFA).
    #[serde(default)]
    pub sms_enabled: bool,
    #[serde(default)]
    pub sms_preferred: bool,
    /// Whether sign-in may send a code by e-mail (EMAIL_OTP).
    #[serde(default)]
    pub email_enabled: bool,
    #[serde(default)]
    pub email_preferred: bool,
    /// Consecutive wrong second-factor codes and when the last one was
    /// given: they lock the user's sign-ins as wrong passwords do.
    #[serde(default)]
    pub failed_codes: u32,
    #[serde(default)]
    pub last_failed_code_ms: i64,
}

impl UserMfa {
    /// `(wire name, enabled, preferred)` of each second factor.
    fn factors(&self) -> [(&'static str, bool, bool); 3] {
        [
            ("SMS_MFA", self.sms_enabled, self.sms_preferred),
            ("SOFTWARE_TOKEN_MFA", self.totp_enabled, self.totp_preferred),
            ("EMAIL_OTP", self.email_enabled, self.email_preferred),
        ]
    }

    /// The wire names of the enabled second factors (UserMFASettingList).
    pub fn enabled_methods(&self) -> Vec<&'static str> {
        self.factors()
            .into_iter()
            .filter(|(_, enabled, _)| *enabled)
            .map(|(name, _, _)| name)
            .collect()
    }

    /// The preferred second factor (PreferredMfaSetting), if any.
    pub fn preferred_method(&self) -> Option<&'static str> {
        self.factors()
            .into_iter()
            .find(|(_, enabled, preferred)| *enabled && *preferred)
            .map(|(name, _, _)| name)
    }
}

impl User {
    pub fn attr(&self, name: &str) -> Option<&str> {
        if name == "sub" {
            return Some(&self.sub);
        }
        self.attributes.get(name).map(String::as_str)
    }

    pub fn is_verified(&self, attr: &str) -> bool {
        self.attr(&format!("{attr}_verified")) == Some("true")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Group {
    pub pool_id: String,
    pub name: String,
    pub description: Option<String>,
    pub role_arn: Option<String>,
    pub precedence: Option<i64>,
    pub created_ms: i64,
    pub modified_ms: i64,
}

/// What a one-time code is for. `purpose_key` is the storage key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodePurpose {
    SignUp,
    ForgotPassword,
    VerifyAttribute(String),
}

impl CodePurpose {
    pub fn key(&self) -> String {
        match self {
            CodePurpose::SignUp => "sign_up".into(),
            CodePurpose::ForgotPassword => "forgot_password".into(),
            CodePurpose::VerifyAttribute(a) => format!("verify:{a}"),
        }
    }
}

/// A one-time code, stored only as a keyed hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeRecord {
    pub pool_id: String,
    pub sub: String,
    pub purpose: String,
    pub code_hash: String,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub failed_attempts: u32,
}

/// One sign-in: the refresh token (stored as a hash) and every token minted from
/// it share `origin_jti`; revoking the session revokes them all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefreshSession {
    pub origin_jti: String,
    pub pool_id: String,
    pub client_id: String,
    pub sub: String,
    pub token_hash: String,
    pub auth_time: i64,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub revoked_ms: Option<i64>,
}

/// The ListUsers filter: `name = "value"` or `name ^= "value"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFilter {
    pub field: FilterField,
    pub prefix: bool,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterField {
    Username,
    Sub,
    /// `cognito:user_status`: UNCONFIRMED, CONFIRMED, ...
    Status,
    /// `status`: Enabled / Disabled.
    Enabled,
    /// A user attribute such as `email` or `given_name`.
    Attribute(String),
}
