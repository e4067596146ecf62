//! Multi-factor authentication operations: the pool's MFA configuration,
//! associating and verifying a software token (TOTP), and users' MFA
//! preferences. Only software tokens exist as a second factor; SMS and
//! e-mail settings that would enable one are refused.

use cognate_core::model::{User, UserPool};
use cognate_core::service::{MfaCaller, MfaConfigUpdate, TotpPreference, UserPools};
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
        _ => return None,
    })
}

/// Adds the `UserMFASettingList` and `PreferredMfaSetting` members of
/// GetUser and AdminGetUser to `shape` (only when the user has a second
/// factor, as AWS omits them otherwise).
pub fn with_user_mfa(shape: &mut Value, user: &User) {
    let enabled = user.mfa.enabled_methods();
    if !enabled.is_empty() {
        shape["UserMFASettingList"] = json!(enabled);
    }
    if let Some(preferred) = user.mfa.preferred_method() {
        shape["PreferredMfaSetting"] = json!(preferred);
    }
}

fn mfa_config_shape(pool: &UserPool) -> Value {
    json!({
        "SoftwareTokenMfaConfiguration": { "Enabled": pool.software_token_mfa_enabled },
        "MfaConfiguration": pool.mfa_configuration,
    })
}

/// `{"Enabled": bool}` (SoftwareTokenMfaConfiguration).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EnabledFlag {
    #[serde(default)]
    enabled: bool,
}

/// SMSMfaSettings / EmailMfaSettings: only switching them off is meaningful.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct OtherFactorSettings {
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    preferred_mfa: bool,
}

fn refuse_other_factor(name: &str, settings: Option<&OtherFactorSettings>) -> Result<(), ApiError> {
    match settings {
        Some(s) if s.enabled || s.preferred_mfa => Err(ApiError::invalid(format!(
            "{name} MFA is not supported by this server; only software token MFA is."
        ))),
        _ => Ok(()),
    }
}

async fn set_user_pool_mfa_config(svc: &UserPools, input: Value) -> OpResult {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        user_pool_id: String,
        sms_mfa_configuration: Option<Value>,
        email_mfa_configuration: Option<Value>,
        software_token_mfa_configuration: Option<EnabledFlag>,
        mfa_configuration: Option<String>,
    }
    let i: In = parse(input)?;
    if i.sms_mfa_configuration.is_some() || i.email_mfa_configuration.is_some() {
        return Err(ApiError::invalid(
            "SMS and e-mail MFA are not supported by this server; only software token MFA is.",
        ));
    }
    let pool = svc
        .set_user_pool_mfa_config(
            &i.user_pool_id,
            MfaConfigUpdate {
                mfa_configuration: i.mfa_configuration,
                software_token_enabled: i.software_token_mfa_configuration.map(|c| c.enabled),
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
    sms_mfa_settings: Option<OtherFactorSettings>,
    email_mfa_settings: Option<OtherFactorSettings>,
    software_token_mfa_settings: Option<SoftwareTokenSettings>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SoftwareTokenSettings {
    enabled: Option<bool>,
    preferred_mfa: Option<bool>,
}

impl Preferences {
    /// The TOTP preference, after refusing any attempt to enable another factor.
    fn totp(&self) -> Result<Option<TotpPreference>, ApiError> {
        refuse_other_factor("SMS", self.sms_mfa_settings.as_ref())?;
        refuse_other_factor("E-mail", self.email_mfa_settings.as_ref())?;
        Ok(self
            .software_token_mfa_settings
            .as_ref()
            .map(|s| TotpPreference {
                enabled: s.enabled,
                preferred: s.preferred_mfa,
            }))
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
    let totp = i.preferences.totp()?;
    match totp {
        Some(pref) => svc.set_user_mfa_preference(&i.access_token, pref).await?,
        // Nothing to change, but the token must still be good.
        None => {
            svc.get_user(&i.access_token).await?;
        }
    }
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
    let totp = i.preferences.totp()?;
    match totp {
        Some(pref) => {
            svc.admin_set_user_mfa_preference(&i.user_pool_id, &i.username, pref)
                .await?
        }
        None => {
            svc.admin_get_user(&i.user_pool_id, &i.username).await?;
        }
    }
    Ok(json!({}))
}
