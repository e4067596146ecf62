//! Multi-factor authentication operations: the pool's MFA configuration
//! (SMS, e-mail and software token), associating and verifying a software
//! token (TOTP), and users' MFA preferences and legacy MFA options.

use cognate_core::model::{EmailMfaConfig, User, UserPool};
use cognate_core::service::{
    FactorPreference, MfaCaller, MfaConfigUpdate, MfaPreferences, SmsMfaConfigUpdate, UserPools,
};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::wire::{parse, OpResult};
use crate::{ApiError, Ctx};

pub async fn dispatch(svc: &UserPools, _ctx: &Ctx, op: &str, input: &Value) -> Option<OpResult> {
    let input = input.clone();
    Some(match op {
        "SetUserPoolMfaConfig" => set_user_pool_mfa_config(svc, input).await,
        "GetUserPoolMfaConfig" => get_user_pool_mfa_config(svc, input).await,
        "AssociateSoftwareToken" => associate_software_token(svc, input).await,
        "VerifySoftwareToken" => verify_software_token(svc, input).await,
        "SetUserMFAPreference" => set_user_mfa_preference(svc, input).await,
        "AdminSetUserMFAPreference" => admin_set_user_mfa_preference(svc, input).await,
        "SetUserSettings" => set_user_settings(svc, input).await,
        "AdminSetUserSettings" => admin_set_user_settings(svc, input).await,
        _ => return None,
    })
}

/// Adds the `UserMFASettingList`, `PreferredMfaSetting` and (for SMS) the
/// legacy `MFAOptions` members of GetUser and AdminGetUser to `shape` (only
/// when the user has a second factor, as AWS omits them otherwise).
pub fn with_user_mfa(shape: &mut Value, user: &User) {
    if user.mfa.sms_enabled {
        shape["MFAOptions"] = json!([{ "DeliveryMedium": "SMS", "AttributeName": "phone_number" }]);
    }
    let enabled = user.mfa.enabled_methods();
    if !enabled.is_empty() {
        shape["UserMFASettingList"] = json!(enabled);
    }
    if let Some(preferred) = user.mfa.preferred_method() {
        shape["PreferredMfaSetting"] = json!(preferred);
    }
}

fn mfa_config_shape(pool: &UserPool) -> Value {
    let mut out = json!({
        "SoftwareTokenMfaConfiguration": { "Enabled": pool.software_token_mfa_enabled },
        "MfaConfiguration": pool.mfa_configuration,
    });
    let mut sms = serde_json::Map::new();
    if let Some(m) = pool.sms_authentication_message() {
        sms.insert("SmsAuthenticationMessage".into(), json!(m));
    }
    if let Some(c) = pool.passthrough.get("SmsConfiguration") {
        sms.insert("SmsConfiguration".into(), c.clone());
    }
    if !sms.is_empty() {
        out["SmsMfaConfiguration"] = Value::Object(sms);
    }
    if let Some(c) = pool.email_mfa_config() {
        let mut email = json!({});
        if let Some(m) = c.message {
            email["Message"] = json!(m);
        }
        if let Some(s) = c.subject {
            email["Subject"] = json!(s);
        }
        out["EmailMfaConfiguration"] = email;
    }
    out
}

/// `{"Enabled": bool}` (SoftwareTokenMfaConfiguration).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EnabledFlag {
    #[serde(default)]
    enabled: bool,
}

/// SmsMfaConfigType.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SmsMfaConfigIn {
    sms_authentication_message: Option<String>,
    sms_configuration: Option<serde_json::Map<String, Value>>,
}

/// EmailMfaConfigType.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EmailMfaConfigIn {
    message: Option<String>,
    subject: Option<String>,
}

async fn set_user_pool_mfa_config(svc: &UserPools, input: Value) -> OpResult {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        user_pool_id: String,
        sms_mfa_configuration: Option<SmsMfaConfigIn>,
        email_mfa_configuration: Option<EmailMfaConfigIn>,
        software_token_mfa_configuration: Option<EnabledFlag>,
        mfa_configuration: Option<String>,
    }
    let i: In = parse(input)?;
    let pool = svc
        .set_user_pool_mfa_config(
            &i.user_pool_id,
            MfaConfigUpdate {
                mfa_configuration: i.mfa_configuration,
                software_token_enabled: i.software_token_mfa_configuration.map(|c| c.enabled),
                sms: i.sms_mfa_configuration.map(|c| SmsMfaConfigUpdate {
                    authentication_message: c.sms_authentication_message,
                    sms_configuration: c.sms_configuration,
                }),
                email: i.email_mfa_configuration.map(|c| EmailMfaConfig {
                    message: c.message,
                    subject: c.subject,
                }),
            },
        )
        .await?;
    Ok(mfa_config_shape(&pool))
}

async fn get_user_pool_mfa_config(svc: &UserPools, input: Value) -> OpResult {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        user_pool_id: String,
    }
    let i: In = parse(input)?;
    let pool = svc.get_user_pool_mfa_config(&i.user_pool_id).await?;
    Ok(mfa_config_shape(&pool))
}

/// AccessToken or Session, exactly one.
fn caller<'a>(
    access_token: Option<&'a str>,
    session: Option<&'a str>,
) -> Result<MfaCaller<'a>, ApiError> {
    match (access_token, session) {
        (Some(t), None) => Ok(MfaCaller::AccessToken(t)),
        (None, Some(s)) => Ok(MfaCaller::Session(s)),
        _ => Err(ApiError::invalid(
            "Exactly one of AccessToken or Session must be given.",
        )),
    }
}

async fn associate_software_token(svc: &UserPools, input: Value) -> OpResult {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        access_token: Option<String>,
        session: Option<String>,
    }
    let i: In = parse(input)?;
    let who = caller(i.access_token.as_deref(), i.session.as_deref())?;
    let (secret, session) = svc.associate_software_token(who).await?;
    let mut out = json!({ "SecretCode": secret });
    if let Some(s) = session {
        out["Session"] = json!(s);
    }
    Ok(out)
}

async fn verify_software_token(svc: &UserPools, input: Value) -> OpResult {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        access_token: Option<String>,
        session: Option<String>,
        user_code: String,
        friendly_device_name: Option<String>,
    }
    let i: In = parse(input)?;
    let who = caller(i.access_token.as_deref(), i.session.as_deref())?;
    let session = svc
        .verify_software_token(who, &i.user_code, i.friendly_device_name.as_deref())
        .await?;
    let mut out = json!({ "Status": "SUCCESS" });
    if let Some(s) = session {
        out["Session"] = json!(s);
    }
    Ok(out)
}

/// The settings members shared by SetUserMFAPreference and its admin variant.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Preferences {
    #[serde(rename = "SMSMfaSettings")]
    sms_mfa_settings: Option<FactorSettings>,
    email_mfa_settings: Option<FactorSettings>,
    software_token_mfa_settings: Option<FactorSettings>,
}

/// SMSMfaSettingsType, EmailMfaSettingsType, SoftwareTokenMfaSettingsType.
#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "PascalCase")]
struct FactorSettings {
    enabled: Option<bool>,
    preferred_mfa: Option<bool>,
}

impl From<FactorSettings> for FactorPreference {
    fn from(s: FactorSettings) -> Self {
        FactorPreference {
            enabled: s.enabled,
            preferred: s.preferred_mfa,
        }
    }
}

impl Preferences {
    fn core(&self) -> MfaPreferences {
        MfaPreferences {
            sms: self.sms_mfa_settings.map(Into::into),
            totp: self.software_token_mfa_settings.map(Into::into),
            email: self.email_mfa_settings.map(Into::into),
        }
    }
}

async fn set_user_mfa_preference(svc: &UserPools, input: Value) -> OpResult {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        access_token: String,
        #[serde(flatten)]
        preferences: Preferences,
    }
    let i: In = parse(input)?;
    svc.set_user_mfa_preference(&i.access_token, i.preferences.core())
        .await?;
    Ok(json!({}))
}

async fn admin_set_user_mfa_preference(svc: &UserPools, input: Value) -> OpResult {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        user_pool_id: String,
        username: String,
        #[serde(flatten)]
        preferences: Preferences,
    }
    let i: In = parse(input)?;
    svc.admin_set_user_mfa_preference(&i.user_pool_id, &i.username, i.preferences.core())
        .await?;
    Ok(json!({}))
}

/// MFAOptionType.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct MfaOption {
    delivery_medium: Option<String>,
    attribute_name: Option<String>,
}

/// Whether legacy MFAOptions turn SMS MFA on: only SMS to `phone_number`
/// is a valid option, and an empty list turns it off.
fn sms_option(options: &[MfaOption]) -> Result<bool, ApiError> {
    for o in options {
        let medium = o.delivery_medium.as_deref();
        let attribute = o.attribute_name.as_deref();
        if medium != Some("SMS") || attribute.is_some_and(|a| a != "phone_number") {
            return Err(ApiError::invalid(
                "Only SMS delivery to phone_number is supported in MFAOptions.",
            ));
        }
    }
    Ok(!options.is_empty())
}

async fn set_user_settings(svc: &UserPools, input: Value) -> OpResult {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        access_token: String,
        #[serde(rename = "MFAOptions")]
        mfa_options: Vec<MfaOption>,
    }
    let i: In = parse(input)?;
    svc.set_user_settings(&i.access_token, sms_option(&i.mfa_options)?)
        .await?;
    Ok(json!({}))
}

async fn admin_set_user_settings(svc: &UserPools, input: Value) -> OpResult {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        user_pool_id: String,
        username: String,
        #[serde(rename = "MFAOptions")]
        mfa_options: Vec<MfaOption>,
    }
    let i: In = parse(input)?;
    let sms = sms_option(&i.mfa_options)?;
    svc.admin_set_user_settings(&i.user_pool_id, &i.username, sms)
        .await?;
    Ok(json!({}))
}
