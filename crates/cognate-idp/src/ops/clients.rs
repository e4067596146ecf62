//! CreateUserPoolClient, DescribeUserPoolClient, ListUserPoolClients,
//! UpdateUserPoolClient, DeleteUserPoolClient.
//!
//! OAuth and analytics settings are kept verbatim in the client's passthrough
//! map and echoed by Describe.

use cognate_core::model::{AppClient, Passthrough, RefreshTokenRotation, TimeUnit};
use cognate_core::service::{ClientSettings, ClientSpec, ClientUpdate, UserPools};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::wire::{self, OpResult};
use crate::{ApiError, Ctx};

pub async fn dispatch(svc: &UserPools, _ctx: &Ctx, op: &str, input: &Value) -> Option<OpResult> {
    Some(match op {
        "CreateUserPoolClient" => create(svc, input).await,
        "DescribeUserPoolClient" => describe(svc, input).await,
        "ListUserPoolClients" => list(svc, input).await,
        "UpdateUserPoolClient" => update(svc, input).await,
        "DeleteUserPoolClient" => delete(svc, input).await,
        _ => return None,
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Str,
    List,
    Bool,
    Obj,
}

/// Members stored verbatim, with their JSON kind.
const PASSTHROUGH: &[(&str, Kind)] = &[
    ("CallbackURLs", Kind::List),
    ("LogoutURLs", Kind::List),
    ("DefaultRedirectURI", Kind::Str),
    ("AllowedOAuthFlows", Kind::List),
    ("AllowedOAuthScopes", Kind::List),
    ("AllowedOAuthFlowsUserPoolClient", Kind::Bool),
    ("SupportedIdentityProviders", Kind::List),
    ("AnalyticsConfiguration", Kind::Obj),
    ("EnablePropagateAdditionalUserContextData", Kind::Bool),
];

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SettingsIn {
    refresh_token_validity: Option<i64>,
    access_token_validity: Option<i64>,
    id_token_validity: Option<i64>,
    token_validity_units: Option<UnitsIn>,
    read_attributes: Option<Vec<String>>,
    write_attributes: Option<Vec<String>>,
    explicit_auth_flows: Option<Vec<String>>,
    prevent_user_existence_errors: Option<String>,
    enable_token_revocation: Option<bool>,
    auth_session_validity: Option<i64>,
    refresh_token_rotation: Option<RotationIn>,
}

/// The RefreshTokenRotationType shape.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RotationIn {
    feature: Option<String>,
    retry_grace_period_seconds: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UnitsIn {
    access_token: Option<String>,
    id_token: Option<String>,
    refresh_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateIn {
    user_pool_id: String,
    client_name: String,
    generate_secret: Option<bool>,
    client_secret: Option<String>,
    #[serde(flatten)]
    settings: SettingsIn,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateIn {
    user_pool_id: String,
    client_id: String,
    client_name: Option<String>,
    #[serde(flatten)]
    settings: SettingsIn,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ClientIdIn {
    user_pool_id: String,
    client_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListIn {
    user_pool_id: String,
    max_results: Option<i64>,
    next_token: Option<String>,
}

async fn create(svc: &UserPools, input: &Value) -> OpResult {
    let req: CreateIn = wire::parse(input.clone())?;
    let spec = ClientSpec {
        name: req.client_name,
        generate_secret: req.generate_secret.unwrap_or(false),
        client_secret: req.client_secret,
        settings: settings(req.settings, input)?,
    };
    let client = svc.create_user_pool_client(&req.user_pool_id, spec).await?;
    Ok(json!({ "UserPoolClient": client_type(svc, &client)? }))
}

async fn describe(svc: &UserPools, input: &Value) -> OpResult {
    let req: ClientIdIn = wire::parse(input.clone())?;
    let client = svc
        .describe_user_pool_client(&req.user_pool_id, &req.client_id)
        .await?;
    Ok(json!({ "UserPoolClient": client_type(svc, &client)? }))
}

async fn list(svc: &UserPools, input: &Value) -> OpResult {
    let req: ListIn = wire::parse(input.clone())?;
    let limit = wire::page_limit(req.max_results, "maxResults", 60, 60)?;
    let after = req
        .next_token
        .as_deref()
        .map(wire::decode_token)
        .transpose()?;
    let clients = svc
        .list_user_pool_clients(&req.user_pool_id, after.as_deref(), limit + 1)
        .await?;
    let (clients, next) = wire::page(clients, limit, |c| c.client_id.clone());
    let items: Vec<Value> = clients
        .iter()
        .map(|c| {
            json!({
                "ClientId": c.client_id,
                "UserPoolId": c.pool_id,
                "ClientName": c.name,
            })
        })
        .collect();
    let mut out = json!({ "UserPoolClients": items });
    if let Some(next) = next {
        out["NextToken"] = json!(next);
    }
    Ok(out)
}

async fn update(svc: &UserPools, input: &Value) -> OpResult {
    let req: UpdateIn = wire::parse(input.clone())?;
    let update = ClientUpdate {
        name: req.client_name,
        settings: settings(req.settings, input)?,
    };
    let client = svc
        .update_user_pool_client(&req.user_pool_id, &req.client_id, update)
        .await?;
    Ok(json!({ "UserPoolClient": client_type(svc, &client)? }))
}

async fn delete(svc: &UserPools, input: &Value) -> OpResult {
    let req: ClientIdIn = wire::parse(input.clone())?;
    svc.delete_user_pool_client(&req.user_pool_id, &req.client_id)
        .await?;
    Ok(json!({}))
}

// === input ===

fn settings(s: SettingsIn, raw: &Value) -> Result<ClientSettings, ApiError> {
    let units = s.token_validity_units;
    let unit = |pick: fn(&UnitsIn) -> &Option<String>,
                member: &str|
     -> Result<Option<TimeUnit>, ApiError> {
        match units.as_ref().and_then(|u| pick(u).as_deref()) {
            None => Ok(None),
            Some("seconds") => Ok(Some(TimeUnit::Seconds)),
            Some("minutes") => Ok(Some(TimeUnit::Minutes)),
            Some("hours") => Ok(Some(TimeUnit::Hours)),
            Some("days") => Ok(Some(TimeUnit::Days)),
            Some(other) => Err(ApiError::invalid(format!(
                "1 validation error detected: Value '{other}' at 'tokenValidityUnits.{member}' failed to satisfy constraint: Member must satisfy enum value set: [seconds, minutes, hours, days]"
            ))),
        }
    };
    let prevent_user_existence_errors = match s.prevent_user_existence_errors.as_deref() {
        None => None,
        Some("ENABLED") => Some(true),
        Some("LEGACY") => Some(false),
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "1 validation error detected: Value '{other}' at 'preventUserExistenceErrors' failed to satisfy constraint: Member must satisfy enum value set: [LEGACY, ENABLED]"
            )))
        }
    };
    Ok(ClientSettings {
        explicit_auth_flows: s.explicit_auth_flows,
        access_token_validity: s.access_token_validity,
        id_token_validity: s.id_token_validity,
        refresh_token_validity: s.refresh_token_validity,
        access_token_unit: unit(|u| &u.access_token, "accessToken")?,
        id_token_unit: unit(|u| &u.id_token, "idToken")?,
        refresh_token_unit: unit(|u| &u.refresh_token, "refreshToken")?,
        auth_session_validity_minutes: s.auth_session_validity,
        read_attributes: s.read_attributes.unwrap_or_default(),
        write_attributes: s.write_attributes.unwrap_or_default(),
        prevent_user_existence_errors,
        enable_token_revocation: s.enable_token_revocation,
        refresh_token_rotation: s.refresh_token_rotation.map(rotation).transpose()?,
        passthrough: passthrough(raw)?,
    })
}

/// Checks RefreshTokenRotation's members; the grace period's upper bound is
/// the service's to check.
fn rotation(r: RotationIn) -> Result<RefreshTokenRotation, ApiError> {
    let enabled = match r.feature.as_deref() {
        Some("ENABLED") => true,
        Some("DISABLED") => false,
        None => {
            return Err(ApiError::invalid(
                "1 validation error detected: Value null at 'refreshTokenRotation.feature' failed to satisfy constraint: Member must not be null",
            ))
        }
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "1 validation error detected: Value '{other}' at 'refreshTokenRotation.feature' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED]"
            )))
        }
    };
    let grace = r.retry_grace_period_seconds.unwrap_or(0);
    let grace = u32::try_from(grace.min(i64::from(u32::MAX))).map_err(|_| {
        ApiError::invalid(format!(
            "1 validation error detected: Value '{grace}' at 'refreshTokenRotation.retryGracePeriodSeconds' failed to satisfy constraint: Member must have value greater than or equal to 0"
        ))
    })?;
    Ok(RefreshTokenRotation {
        enabled,
        retry_grace_period_seconds: grace,
    })
}

fn passthrough(raw: &Value) -> Result<Passthrough, ApiError> {
    let mut out = Passthrough::new();
    for (name, kind) in PASSTHROUGH {
        let v = match raw.get(*name) {
            None | Some(Value::Null) => continue,
            Some(v) => v,
        };
        let ok = match kind {
            Kind::Str => v.is_string(),
            Kind::List => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
            Kind::Bool => v.is_boolean(),
            Kind::Obj => v.is_object(),
        };
        if !ok {
            return Err(ApiError::serialization(format!(
                "{name} has the wrong type"
            )));
        }
        out.insert(name.to_string(), v.clone());
    }
    Ok(out)
}

// === output ===

fn unit_name(u: TimeUnit) -> &'static str {
    match u {
        TimeUnit::Seconds => "seconds",
        TimeUnit::Minutes => "minutes",
        TimeUnit::Hours => "hours",
        TimeUnit::Days => "days",
    }
}

/// The UserPoolClientType shape.
fn client_type(svc: &UserPools, c: &AppClient) -> OpResult {
    let mut out = json!({
        "UserPoolId": c.pool_id,
        "ClientName": c.name,
        "ClientId": c.client_id,
        "CreationDate": wire::epoch(c.created_ms),
        "LastModifiedDate": wire::epoch(c.modified_ms),
        "RefreshTokenValidity": c.refresh_token_validity.value,
        "TokenValidityUnits": {
            "AccessToken": unit_name(c.access_token_validity.unit),
            "IdToken": unit_name(c.id_token_validity.unit),
            "RefreshToken": unit_name(c.refresh_token_validity.unit),
        },
        "ExplicitAuthFlows": c.explicit_auth_flows,
        "PreventUserExistenceErrors": if c.prevent_user_existence_errors { "ENABLED" } else { "LEGACY" },
        "EnableTokenRevocation": c.enable_token_revocation,
        "EnablePropagateAdditionalUserContextData": false,
        "AllowedOAuthFlowsUserPoolClient": false,
        "AuthSessionValidity": c.auth_session_validity_minutes,
    });
    let m = out.as_object_mut().expect("an object");
    if let Some(secret) = svc.client_secret(c)? {
        m.insert("ClientSecret".into(), json!(secret));
    }
    if c.validity_explicit {
        m.insert(
            "AccessTokenValidity".into(),
            json!(c.access_token_validity.value),
        );
        m.insert("IdTokenValidity".into(), json!(c.id_token_validity.value));
    }
    if !c.read_attributes.is_empty() {
        m.insert("ReadAttributes".into(), json!(c.read_attributes));
    }
    if !c.write_attributes.is_empty() {
        m.insert("WriteAttributes".into(), json!(c.write_attributes));
    }
    m.extend(c.passthrough.clone());
    if let Some(r) = c.refresh_token_rotation {
        m.insert(
            "RefreshTokenRotation".into(),
            json!({
                "Feature": if r.enabled { "ENABLED" } else { "DISABLED" },
                "RetryGracePeriodSeconds": r.retry_grace_period_seconds,
            }),
        );
    }
    Ok(out)
}
