//! User operations: sign-up and confirmation, administrator-created users,
//! look-ups, listing, attributes, passwords, enabling and disabling.

use std::collections::BTreeMap;

use cognate_core::model::{FilterField, UserFilter};
use cognate_core::service::{AdminCreateUser, Medium, MessageAction, SignUp, UserPools};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::wire::{
    attributes_from_wire, attributes_to_wire, code_delivery, decode_token, epoch, page, page_limit,
    parse, user_type, AttributeType, OpResult,
};
use crate::{ApiError, Ctx};

pub async fn dispatch(svc: &UserPools, _ctx: &Ctx, op: &str, input: &Value) -> Option<OpResult> {
    let input = input.clone();
    Some(match op {
        "SignUp" => sign_up(svc, input).await,
        "ConfirmSignUp" => confirm_sign_up(svc, input).await,
        "ResendConfirmationCode" => resend_confirmation_code(svc, input).await,
        "AdminConfirmSignUp" => admin_confirm_sign_up(svc, input).await,
        "AdminCreateUser" => admin_create_user(svc, input).await,
        "AdminGetUser" => admin_get_user(svc, input).await,
        "GetUser" => get_user(svc, input).await,
        "ListUsers" => list_users(svc, input).await,
        "AdminDeleteUser" => admin_delete_user(svc, input).await,
        "DeleteUser" => delete_user(svc, input).await,
        "AdminUpdateUserAttributes" => admin_update_user_attributes(svc, input).await,
        "UpdateUserAttributes" => update_user_attributes(svc, input).await,
        "AdminDeleteUserAttributes" => admin_delete_user_attributes(svc, input).await,
        "DeleteUserAttributes" => delete_user_attributes(svc, input).await,
        "GetUserAttributeVerificationCode" => {
            get_user_attribute_verification_code(svc, input).await
        }
        "VerifyUserAttribute" => verify_user_attribute(svc, input).await,
        "AdminDisableUser" => admin_set_enabled(svc, input, false).await,
        "AdminEnableUser" => admin_set_enabled(svc, input, true).await,
        "AdminSetUserPassword" => admin_set_user_password(svc, input).await,
        "AdminResetUserPassword" => admin_reset_user_password(svc, input).await,
        "ChangePassword" => change_password(svc, input).await,
        "ForgotPassword" => forgot_password(svc, input).await,
        "ConfirmForgotPassword" => confirm_forgot_password(svc, input).await,
        _ => return None,
    })
}

/// The members most user operations name.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PoolUser {
    user_pool_id: String,
    username: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TokenOnly {
    access_token: String,
}

fn empty() -> OpResult {
    Ok(json!({}))
}

/// ClientMetadata, passed to the triggers an operation runs.
type Metadata = BTreeMap<String, String>;

async fn sign_up(svc: &UserPools, input: Value) -> OpResult {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        client_id: String,
        username: String,
        password: String,
        secret_hash: Option<String>,
        #[serde(default)]
        user_attributes: Vec<AttributeType>,
        #[serde(default)]
        validation_data: Vec<AttributeType>,
        #[serde(default)]
        client_metadata: Metadata,
    }
    let i: In = parse(input)?;
    let out = svc
        .sign_up(SignUp {
            client_id: i.client_id,
            username: i.username,
            password: i.password,
            attributes: attributes_from_wire(i.user_attributes),
            secret_hash: i.secret_hash,
            validation_data: attributes_from_wire(i.validation_data),
            client_metadata: i.client_metadata,
        })
        .await?;
    let mut v = json!({ "UserConfirmed": out.confirmed, "UserSub": out.user_sub });
    if let Some(d) = &out.delivery {
        v["CodeDeliveryDetails"] = code_delivery(d);
    }
    Ok(v)
}

async fn confirm_sign_up(svc: &UserPools, input: Value) -> OpResult {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        client_id: String,
        username: String,
        confirmation_code: String,
        secret_hash: Option<String>,
        #[serde(default)]
        client_metadata: Metadata,
    }
    let i: In = parse(input)?;
    svc.confirm_sign_up(
        &i.client_id,
        &i.username,
        &i.confirmation_code,
        i.secret_hash.as_deref(),
        &i.client_metadata,
    )
    .await?;
    empty()
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ClientUser {
    client_id: String,
    username: String,
    secret_hash: Option<String>,
    #[serde(default)]
    client_metadata: Metadata,
}

async fn resend_confirmation_code(svc: &UserPools, input: Value) -> OpResult {
    let i: ClientUser = parse(input)?;
    let d = svc
        .resend_confirmation_code(
            &i.client_id,
            &i.username,
            i.secret_hash.as_deref(),
            &i.client_metadata,
        )
        .await?;
    Ok(json!({ "CodeDeliveryDetails": code_delivery(&d) }))
}

async fn admin_confirm_sign_up(svc: &UserPools, input: Value) -> OpResult {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        user_pool_id: String,
        username: String,
        #[serde(default)]
        client_metadata: Metadata,
    }
    let i: In = parse(input)?;
    svc.admin_confirm_sign_up(&i.user_pool_id, &i.username, &i.client_metadata)
        .await?;
    empty()
}

async fn admin_create_user(svc: &UserPools, input: Value) -> OpResult {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        user_pool_id: String,
        username: String,
        #[serde(default)]
        user_attributes: Vec<AttributeType>,
        temporary_password: Option<String>,
        message_action: Option<String>,
        #[serde(default)]
        desired_delivery_mediums: Vec<String>,
        #[serde(default)]
        validation_data: Vec<AttributeType>,
        #[serde(default)]
        client_metadata: Metadata,
    }
    let i: In = parse(input)?;
    let message_action = match i.message_action.as_deref() {
        None => None,
        Some("RESEND") => Some(MessageAction::Resend),
        Some("SUPPRESS") => Some(MessageAction::Suppress),
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "1 validation error detected: Value '{other}' at 'messageAction' failed to satisfy constraint: Member must satisfy enum value set: [RESEND, SUPPRESS]"
            )))
        }
    };
    let mediums = i
        .desired_delivery_mediums
        .iter()
        .map(|m| match m.as_str() {
            "EMAIL" => Ok(Medium::Email),
            "SMS" => Ok(Medium::Sms),
            other => Err(ApiError::invalid(format!(
                "1 validation error detected: Value '[{other}]' at 'desiredDeliveryMediums' failed to satisfy constraint: Member must satisfy enum value set: [SMS, EMAIL]"
            ))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let user = svc
        .admin_create_user(AdminCreateUser {
            pool_id: i.user_pool_id,
            username: i.username,
            attributes: attributes_from_wire(i.user_attributes),
            temporary_password: i.temporary_password,
            message_action,
            mediums,
            validation_data: attributes_from_wire(i.validation_data),
            client_metadata: i.client_metadata,
        })
        .await?;
    Ok(json!({ "User": user_type(&user, None) }))
}

fn get_user_shape(user: &cognate_core::model::User) -> Value {
    let mut out = json!({
        "Username": user.username,
        "UserAttributes": attributes_to_wire(user, None),
        "UserCreateDate": epoch(user.created_ms),
        "UserLastModifiedDate": epoch(user.modified_ms),
        "Enabled": user.enabled,
        "UserStatus": user.status.as_str(),
    });
    super::mfa::with_user_mfa(&mut out, user);
    out
}

async fn admin_get_user(svc: &UserPools, input: Value) -> OpResult {
    let i: PoolUser = parse(input)?;
    let user = svc.admin_get_user(&i.user_pool_id, &i.username).await?;
    Ok(get_user_shape(&user))
}

async fn get_user(svc: &UserPools, input: Value) -> OpResult {
    let i: TokenOnly = parse(input)?;
    let user = svc.get_user(&i.access_token).await?;
    let mut out = json!({
        "Username": user.username,
        "UserAttributes": attributes_to_wire(&user, None),
    });
    super::mfa::with_user_mfa(&mut out, &user);
    Ok(out)
}

/// `email = "a@b.c"`, `family_name ^= "Sm"`, `cognito:user_status = "CONFIRMED"`.
pub fn parse_filter(s: &str) -> Result<Option<UserFilter>, ApiError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let bad = || ApiError::invalid(format!("Error while parsing filter: {s}"));
    let (name, prefix, rest) = if let Some((n, r)) = s.split_once("^=") {
        (n, true, r)
    } else if let Some((n, r)) = s.split_once('=') {
        (n, false, r)
    } else {
        return Err(bad());
    };
    let name = name.trim();
    let rest = rest.trim();
    let value = rest
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .or_else(|| rest.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')))
        .ok_or_else(bad)?;
    let field = match name {
        "username" => FilterField::Username,
        "sub" => FilterField::Sub,
        "cognito:user_status" => FilterField::Status,
        "status" => FilterField::Enabled,
        "email" | "phone_number" | "name" | "given_name" | "family_name" | "preferred_username" => {
            FilterField::Attribute(name.to_string())
        }
        _ => {
            return Err(ApiError::invalid(format!(
                "Invalid search attribute: {name}"
            )))
        }
    };
    Ok(Some(UserFilter {
        field,
        prefix,
        value: value.to_string(),
    }))
}

async fn list_users(svc: &UserPools, input: Value) -> OpResult {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        user_pool_id: String,
        attributes_to_get: Option<Vec<String>>,
        limit: Option<i64>,
        pagination_token: Option<String>,
        filter: Option<String>,
    }
    let i: In = parse(input)?;
    let limit = page_limit(i.limit, "limit", 60, 60)?;
    let filter = parse_filter(i.filter.as_deref().unwrap_or(""))?;
    let after = i
        .pagination_token
        .as_deref()
        .map(decode_token)
        .transpose()?;
    let users = svc
        .list_users(&i.user_pool_id, filter.as_ref(), after.as_deref(), limit)
        .await?;
    let (users, next) = page(users, limit, |u| u.username_key.clone());
    let only = i.attributes_to_get.as_deref();
    let mut v = json!({ "Users": users.iter().map(|u| user_type(u, only)).collect::<Vec<_>>() });
    if let Some(n) = next {
        v["PaginationToken"] = json!(n);
    }
    Ok(v)
}

async fn admin_delete_user(svc: &UserPools, input: Value) -> OpResult {
    let i: PoolUser = parse(input)?;
    svc.admin_delete_user(&i.user_pool_id, &i.username).await?;
    empty()
}

async fn delete_user(svc: &UserPools, input: Value) -> OpResult {
    let i: TokenOnly = parse(input)?;
    svc.delete_user(&i.access_token).await?;
    empty()
}

async fn admin_update_user_attributes(svc: &UserPools, input: Value) -> OpResult {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        user_pool_id: String,
        username: String,
        user_attributes: Vec<AttributeType>,
        #[serde(default)]
        client_metadata: Metadata,
    }
    let i: In = parse(input)?;
    svc.admin_update_user_attributes(
        &i.user_pool_id,
        &i.username,
        attributes_from_wire(i.user_attributes),
        &i.client_metadata,
    )
    .await?;
    empty()
}

async fn update_user_attributes(svc: &UserPools, input: Value) -> OpResult {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        access_token: String,
        user_attributes: Vec<AttributeType>,
        #[serde(default)]
        client_metadata: Metadata,
    }
    let i: In = parse(input)?;
    let sent = svc
        .update_user_attributes(
            &i.access_token,
            attributes_from_wire(i.user_attributes),
            &i.client_metadata,
        )
        .await?;
    Ok(json!({ "CodeDeliveryDetailsList": sent.iter().map(code_delivery).collect::<Vec<_>>() }))
}

async fn admin_delete_user_attributes(svc: &UserPools, input: Value) -> OpResult {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        user_pool_id: String,
        username: String,
        user_attribute_names: Vec<String>,
    }
    let i: In = parse(input)?;
    svc.admin_delete_user_attributes(&i.user_pool_id, &i.username, &i.user_attribute_names)
        .await?;
    empty()
}

async fn delete_user_attributes(svc: &UserPools, input: Value) -> OpResult {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        access_token: String,
        user_attribute_names: Vec<String>,
    }
    let i: In = parse(input)?;
    svc.delete_user_attributes(&i.access_token, &i.user_attribute_names)
        .await?;
    empty()
}

async fn get_user_attribute_verification_code(svc: &UserPools, input: Value) -> OpResult {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        access_token: String,
        attribute_name: String,
        #[serde(default)]
        client_metadata: Metadata,
    }
    let i: In = parse(input)?;
    let d = svc
        .get_user_attribute_verification_code(
            &i.access_token,
            &i.attribute_name,
            &i.client_metadata,
        )
        .await?;
    Ok(json!({ "CodeDeliveryDetails": code_delivery(&d) }))
}

async fn verify_user_attribute(svc: &UserPools, input: Value) -> OpResult {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        access_token: String,
        attribute_name: String,
        code: String,
    }
    let i: In = parse(input)?;
    svc.verify_user_attribute(&i.access_token, &i.attribute_name, &i.code)
        .await?;
    empty()
}

async fn admin_set_enabled(svc: &UserPools, input: Value, enabled: bool) -> OpResult {
    let i: PoolUser = parse(input)?;
    svc.admin_set_user_enabled(&i.user_pool_id, &i.username, enabled)
        .await?;
    empty()
}

async fn admin_set_user_password(svc: &UserPools, input: Value) -> OpResult {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        user_pool_id: String,
        username: String,
        password: String,
        #[serde(default)]
        permanent: bool,
    }
    let i: In = parse(input)?;
    svc.admin_set_user_password(&i.user_pool_id, &i.username, &i.password, i.permanent)
        .await?;
    empty()
}

async fn admin_reset_user_password(svc: &UserPools, input: Value) -> OpResult {
    let i: PoolUser = parse(input)?;
    svc.admin_reset_user_password(&i.user_pool_id, &i.username)
        .await?;
    empty()
}

async fn change_password(svc: &UserPools, input: Value) -> OpResult {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        access_token: String,
        previous_password: Option<String>,
        proposed_password: String,
    }
    let i: In = parse(input)?;
    svc.change_password(
        &i.access_token,
        i.previous_password.as_deref().unwrap_or_default(),
        &i.proposed_password,
    )
    .await?;
    empty()
}

async fn forgot_password(svc: &UserPools, input: Value) -> OpResult {
    let i: ClientUser = parse(input)?;
    let d = svc
        .forgot_password(
            &i.client_id,
            &i.username,
            i.secret_hash.as_deref(),
            &i.client_metadata,
        )
        .await?;
    Ok(json!({ "CodeDeliveryDetails": code_delivery(&d) }))
}

async fn confirm_forgot_password(svc: &UserPools, input: Value) -> OpResult {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        client_id: String,
        username: String,
        confirmation_code: String,
        password: String,
        secret_hash: Option<String>,
        #[serde(default)]
        client_metadata: Metadata,
    }
    let i: In = parse(input)?;
    svc.confirm_forgot_password(
        &i.client_id,
        &i.username,
        &i.confirmation_code,
        &i.password,
        i.secret_hash.as_deref(),
        &i.client_metadata,
    )
    .await?;
    empty()
}
