//! CreateUserPool, DescribeUserPool, ListUserPools, UpdateUserPool,
//! DeleteUserPool, AddCustomAttributes.
//!
//! Members the core does not act on are kept verbatim in the pool's
//! passthrough map and echoed by Describe. For the structures the core reads
//! only in part (`Policies`, `LambdaConfig`, `AdminCreateUserConfig`), the
//! other members are kept under the same name and merged back on output.

use cognate_core::model::{
    AttributeSchema, AttributeType, Passthrough, PreTokenVersion, UserPool,
    PRE_TOKEN_GENERATION_VERSION,
};
use cognate_core::service::{AttributeSpec, PasswordPolicySpec, PoolSettings, PoolSpec, UserPools};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::wire::{self, OpResult};
use crate::{ApiError, Ctx};

pub async fn dispatch(svc: &UserPools, ctx: &Ctx, op: &str, input: &Value) -> Option<OpResult> {
    Some(match op {
        "CreateUserPool" => create(svc, ctx, input).await,
        "DescribeUserPool" => describe(svc, input).await,
        "ListUserPools" => list(svc, input).await,
        "UpdateUserPool" => update(svc, input).await,
        "DeleteUserPool" => delete(svc, input).await,
        "AddCustomAttributes" => add_custom_attributes(svc, input).await,
        _ => return None,
    })
}

/// Top-level members stored verbatim: (name, is a string).
const PASSTHROUGH: &[(&str, bool)] = &[
    ("EmailConfiguration", false),
    ("SmsConfiguration", false),
    ("VerificationMessageTemplate", false),
    ("EmailVerificationMessage", true),
    ("EmailVerificationSubject", true),
    ("SmsVerificationMessage", true),
    ("SmsAuthenticationMessage", true),
    ("UserPoolTags", false),
    ("UserPoolAddOns", false),
    ("DeviceConfiguration", false),
    ("AccountRecoverySetting", false),
    ("UserAttributeUpdateSettings", false),
    ("UserPoolTier", true),
];

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SettingsIn {
    policies: Option<PoliciesIn>,
    auto_verified_attributes: Option<Vec<String>>,
    admin_create_user_config: Option<AdminCreateUserConfigIn>,
    mfa_configuration: Option<String>,
    deletion_protection: Option<String>,
    lambda_config: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PoliciesIn {
    password_policy: Option<PasswordPolicyIn>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PasswordPolicyIn {
    minimum_length: Option<i64>,
    require_uppercase: Option<bool>,
    require_lowercase: Option<bool>,
    require_numbers: Option<bool>,
    require_symbols: Option<bool>,
    password_history_size: Option<i64>,
    temporary_password_validity_days: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AdminCreateUserConfigIn {
    allow_admin_create_user_only: Option<bool>,
    unused_account_validity_days: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SchemaIn {
    name: String,
    attribute_data_type: Option<String>,
    developer_only_attribute: Option<bool>,
    mutable: Option<bool>,
    required: Option<bool>,
    number_attribute_constraints: Option<NumberConstraintsIn>,
    string_attribute_constraints: Option<StringConstraintsIn>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NumberConstraintsIn {
    min_value: Option<String>,
    max_value: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StringConstraintsIn {
    min_length: Option<String>,
    max_length: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UsernameConfigurationIn {
    case_sensitive: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateIn {
    pool_name: String,
    schema: Option<Vec<SchemaIn>>,
    username_attributes: Option<Vec<String>>,
    alias_attributes: Option<Vec<String>>,
    username_configuration: Option<UsernameConfigurationIn>,
    #[serde(flatten)]
    settings: SettingsIn,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PoolIdIn {
    user_pool_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateIn {
    user_pool_id: String,
    pool_name: Option<String>,
    #[serde(flatten)]
    settings: SettingsIn,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListIn {
    max_results: i64,
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AddCustomIn {
    user_pool_id: String,
    custom_attributes: Vec<SchemaIn>,
}

async fn create(svc: &UserPools, ctx: &Ctx, input: &Value) -> OpResult {
    let req: CreateIn = wire::parse(input.clone())?;
    let schema = req
        .schema
        .unwrap_or_default()
        .into_iter()
        .map(schema_spec)
        .collect::<Result<Vec<_>, _>>()?;
    let spec = PoolSpec {
        name: req.pool_name,
        schema,
        username_attributes: req.username_attributes.unwrap_or_default(),
        alias_attributes: req.alias_attributes.unwrap_or_default(),
        username_case_sensitive: req.username_configuration.map(|c| c.case_sensitive),
        settings: settings(req.settings, input)?,
    };
    let pool = svc.create_user_pool(&ctx.region, spec).await?;
    Ok(json!({ "UserPool": pool_type(svc, &pool, 0) }))
}

async fn describe(svc: &UserPools, input: &Value) -> OpResult {
    let req: PoolIdIn = wire::parse(input.clone())?;
    let pool = svc.describe_user_pool(&req.user_pool_id).await?;
    let users = svc.estimated_number_of_users(&pool.id).await?;
    Ok(json!({ "UserPool": pool_type(svc, &pool, users) }))
}

async fn list(svc: &UserPools, input: &Value) -> OpResult {
    let req: ListIn = wire::parse(input.clone())?;
    let limit = wire::page_limit(Some(req.max_results), "maxResults", 60, 60)?;
    let after = req
        .next_token
        .as_deref()
        .map(wire::decode_token)
        .transpose()?;
    let pools = svc.list_user_pools(after.as_deref(), limit + 1).await?;
    let (pools, next) = wire::page(pools, limit, |p| p.id.clone());
    let items: Vec<Value> = pools
        .iter()
        .map(|p| {
            json!({
                "Id": p.id,
                "Name": p.name,
                "LambdaConfig": lambda_config(p),
                "Status": "Enabled",
                "CreationDate": wire::epoch(p.created_ms),
                "LastModifiedDate": wire::epoch(p.modified_ms),
            })
        })
        .collect();
    let mut out = json!({ "UserPools": items });
    if let Some(next) = next {
        out["NextToken"] = json!(next);
    }
    Ok(out)
}

async fn update(svc: &UserPools, input: &Value) -> OpResult {
    let req: UpdateIn = wire::parse(input.clone())?;
    let settings = settings(req.settings, input)?;
    svc.update_user_pool(&req.user_pool_id, req.pool_name, settings)
        .await?;
    Ok(json!({}))
}

async fn delete(svc: &UserPools, input: &Value) -> OpResult {
    let req: PoolIdIn = wire::parse(input.clone())?;
    svc.delete_user_pool(&req.user_pool_id).await?;
    Ok(json!({}))
}

async fn add_custom_attributes(svc: &UserPools, input: &Value) -> OpResult {
    let req: AddCustomIn = wire::parse(input.clone())?;
    let attrs = req
        .custom_attributes
        .into_iter()
        .map(schema_spec)
        .collect::<Result<Vec<_>, _>>()?;
    svc.add_custom_attributes(&req.user_pool_id, attrs).await?;
    Ok(json!({}))
}

// === input ===

fn settings(s: SettingsIn, raw: &Value) -> Result<PoolSettings, ApiError> {
    let password_policy = s
        .policies
        .and_then(|p| p.password_policy)
        .map(|p| PasswordPolicySpec {
            minimum_length: p.minimum_length.map(clamp_u32),
            require_uppercase: p.require_uppercase,
            require_lowercase: p.require_lowercase,
            require_numbers: p.require_numbers,
            require_symbols: p.require_symbols,
            temporary_password_validity_days: p.temporary_password_validity_days.map(clamp_u32),
            password_history_size: p.password_history_size.map(clamp_u32),
        });
    let deletion_protection = match s.deletion_protection.as_deref() {
        None | Some("INACTIVE") => false,
        Some("ACTIVE") => true,
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "1 validation error detected: Value '{other}' at 'deletionProtection' failed to satisfy constraint: Member must satisfy enum value set: [ACTIVE, INACTIVE]"
            )))
        }
    };
    let admin = s.admin_create_user_config;
    let mut passthrough = passthrough(raw)?;
    let mut lambda = std::collections::BTreeMap::new();
    let mut lambda_rest = Map::new();
    let mut lambda_in = s.lambda_config.unwrap_or_default();
    let pre_token_generation_version = match lambda_in.remove("PreTokenGenerationConfig") {
        None | Some(Value::Null) => None,
        Some(config) => {
            let (version, arn) = pre_token_generation_config(config)?;
            match lambda_in.get("PreTokenGeneration") {
                Some(Value::String(given)) if *given != arn => return Err(ApiError::invalid(
                    "PreTokenGeneration and PreTokenGenerationConfig.LambdaArn must be the same.",
                )),
                _ => lambda_in.insert("PreTokenGeneration".into(), Value::String(arn)),
            };
            Some(version)
        }
    };
    for (k, v) in lambda_in {
        match v {
            Value::String(target) => {
                lambda.insert(k, target);
            }
            Value::Object(_) => {
                lambda_rest.insert(k, v);
            }
            Value::Null => {}
            _ => {
                return Err(ApiError::serialization(format!(
                    "LambdaConfig.{k} has the wrong type"
                )))
            }
        }
    }
    if !lambda_rest.is_empty() {
        passthrough.insert("LambdaConfig".into(), Value::Object(lambda_rest));
    }
    Ok(PoolSettings {
        password_policy,
        auto_verified_attributes: s.auto_verified_attributes.unwrap_or_default(),
        allow_admin_create_user_only: admin
            .as_ref()
            .and_then(|a| a.allow_admin_create_user_only)
            .unwrap_or(false),
        unused_account_validity_days: admin
            .and_then(|a| a.unused_account_validity_days)
            .map(clamp_u32),
        mfa_configuration: s.mfa_configuration,
        deletion_protection,
        lambda_config: lambda,
        pre_token_generation_version,
        passthrough,
    })
}

/// LambdaConfig.PreTokenGenerationConfig: its LambdaVersion and LambdaArn,
/// both required.
fn pre_token_generation_config(config: Value) -> Result<(PreTokenVersion, String), ApiError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct ConfigIn {
        lambda_version: Option<String>,
        lambda_arn: Option<String>,
    }
    let c: ConfigIn = serde_json::from_value(config).map_err(|_| {
        ApiError::serialization("LambdaConfig.PreTokenGenerationConfig has the wrong type")
    })?;
    let missing = |member: &str| {
        ApiError::invalid(format!(
            "1 validation error detected: Value null at 'lambdaConfig.preTokenGenerationConfig.{member}' failed to satisfy constraint: Member must not be null"
        ))
    };
    let version = c.lambda_version.ok_or_else(|| missing("lambdaVersion"))?;
    let arn = c.lambda_arn.ok_or_else(|| missing("lambdaArn"))?;
    let version = PreTokenVersion::parse(&version).ok_or_else(|| {
        ApiError::invalid(format!(
            "1 validation error detected: Value '{version}' at 'lambdaConfig.preTokenGenerationConfig.lambdaVersion' failed to satisfy constraint: Member must satisfy enum value set: [V1_0, V2_0, V3_0]"
        ))
    })?;
    Ok((version, arn))
}

/// Out-of-range numbers become values the core refuses with its own message.
fn clamp_u32(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The members of the request the core keeps verbatim.
fn passthrough(raw: &Value) -> Result<Passthrough, ApiError> {
    let mut out = Passthrough::new();
    for (name, is_string) in PASSTHROUGH {
        match raw.get(*name) {
            None | Some(Value::Null) => {}
            Some(v) if v.is_string() == *is_string && (*is_string || v.is_object()) => {
                out.insert(name.to_string(), v.clone());
            }
            Some(_) => {
                return Err(ApiError::serialization(format!(
                    "{name} has the wrong type"
                )))
            }
        }
    }
    for (name, read) in [
        ("Policies", &["PasswordPolicy"][..]),
        (
            "AdminCreateUserConfig",
            &["AllowAdminCreateUserOnly", "UnusedAccountValidityDays"][..],
        ),
    ] {
        if let Some(Value::Object(m)) = raw.get(name) {
            let rest: Map<String, Value> = m
                .iter()
                .filter(|(k, v)| !read.contains(&k.as_str()) && !v.is_null())
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if !rest.is_empty() {
                out.insert(name.to_string(), Value::Object(rest));
            }
        }
    }
    Ok(out)
}

fn schema_spec(s: SchemaIn) -> Result<AttributeSpec, ApiError> {
    let data_type = match s.attribute_data_type.as_deref() {
        None => None,
        Some("String") => Some(AttributeType::String),
        Some("Number") => Some(AttributeType::Number),
        Some("DateTime") => Some(AttributeType::DateTime),
        Some("Boolean") => Some(AttributeType::Boolean),
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "1 validation error detected: Value '{other}' at 'attributeDataType' failed to satisfy constraint: Member must satisfy enum value set: [String, Number, DateTime, Boolean]"
            )))
        }
    };
    let (min_length, max_length) = s
        .string_attribute_constraints
        .map(|c| (c.min_length, c.max_length))
        .unwrap_or_default();
    let (min_value, max_value) = s
        .number_attribute_constraints
        .map(|c| (c.min_value, c.max_value))
        .unwrap_or_default();
    Ok(AttributeSpec {
        name: s.name,
        data_type,
        developer_only: s.developer_only_attribute,
        mutable: s.mutable,
        required: s.required,
        min_length,
        max_length,
        min_value,
        max_value,
    })
}

// === output ===

/// Adds `value` under `key`, merging into an object already there (passthrough).
fn merge(out: &mut Map<String, Value>, key: &str, value: Value) {
    match (out.get_mut(key), value) {
        (Some(Value::Object(existing)), Value::Object(add)) => existing.extend(add),
        (_, value) => {
            out.insert(key.to_string(), value);
        }
    }
}

fn lambda_config(pool: &UserPool) -> Value {
    let mut m: Map<String, Value> = match pool.passthrough.get("LambdaConfig") {
        Some(Value::Object(rest)) => rest.clone(),
        _ => Map::new(),
    };
    for (k, v) in &pool.lambda_config {
        if k != PRE_TOKEN_GENERATION_VERSION {
            m.insert(k.clone(), json!(v));
        }
    }
    // Either member given sets both, as Cognito shows them.
    if let Some(arn) = pool.lambda_config.get("PreTokenGeneration") {
        m.insert(
            "PreTokenGenerationConfig".into(),
            json!({
                "LambdaVersion": pool.pre_token_generation_version().as_str(),
                "LambdaArn": arn,
            }),
        );
    }
    Value::Object(m)
}

fn attribute_type(a: &AttributeSchema) -> Value {
    let data_type = match a.data_type {
        AttributeType::String => "String",
        AttributeType::Number => "Number",
        AttributeType::DateTime => "DateTime",
        AttributeType::Boolean => "Boolean",
    };
    let mut v = json!({
        "Name": a.name,
        "AttributeDataType": data_type,
        "DeveloperOnlyAttribute": a.developer_only,
        "Mutable": a.mutable,
        "Required": a.required,
    });
    let opt = |m: &mut Map<String, Value>, k: &str, x: &Option<String>| {
        if let Some(x) = x {
            m.insert(k.to_string(), json!(x));
        }
    };
    match a.data_type {
        AttributeType::String => {
            let mut c = Map::new();
            opt(&mut c, "MinLength", &a.min_length);
            opt(&mut c, "MaxLength", &a.max_length);
            v["StringAttributeConstraints"] = Value::Object(c);
        }
        AttributeType::Number => {
            let mut c = Map::new();
            opt(&mut c, "MinValue", &a.min_value);
            opt(&mut c, "MaxValue", &a.max_value);
            v["NumberAttributeConstraints"] = Value::Object(c);
        }
        _ => {}
    }
    v
}

/// The UserPoolType shape.
fn pool_type(svc: &UserPools, pool: &UserPool, estimated_users: u64) -> Value {
    let mut out = pool.passthrough.clone();
    // Kept with the pool but not a member of UserPoolType: GetUserPoolMfaConfig shows it.
    out.remove("EmailMfaConfiguration");
    let p = &pool.password_policy;
    let mut password_policy = json!({
        "MinimumLength": p.minimum_length,
        "RequireUppercase": p.require_uppercase,
        "RequireLowercase": p.require_lowercase,
        "RequireNumbers": p.require_numbers,
        "RequireSymbols": p.require_symbols,
        "TemporaryPasswordValidityDays": p.temporary_password_validity_days,
    });
    if let Some(n) = p.password_history_size {
        password_policy["PasswordHistorySize"] = json!(n);
    }
    let mut policies = json!({
        "PasswordPolicy": password_policy,
        "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]},
    });
    if let (Some(m), Some(Value::Object(rest))) =
        (policies.as_object_mut(), pool.passthrough.get("Policies"))
    {
        m.extend(rest.clone());
    }
    out.insert("Policies".into(), policies);
    merge(
        &mut out,
        "AdminCreateUserConfig",
        json!({
            "AllowAdminCreateUserOnly": pool.allow_admin_create_user_only,
            "UnusedAccountValidityDays": pool.unused_account_validity_days,
        }),
    );
    out.entry("VerificationMessageTemplate")
        .or_insert_with(|| json!({"DefaultEmailOption": "CONFIRM_WITH_CODE"}));
    let fixed = json!({
        "Id": pool.id,
        "Name": pool.name,
        "Arn": svc.pool_arn(pool),
        "SchemaAttributes": pool.schema.iter().map(attribute_type).collect::<Vec<_>>(),
        "UsernameConfiguration": {"CaseSensitive": pool.username_case_sensitive},
        "MfaConfiguration": pool.mfa_configuration,
        "DeletionProtection": if pool.deletion_protection { "ACTIVE" } else { "INACTIVE" },
        "LambdaConfig": lambda_config(pool),
        "EstimatedNumberOfUsers": estimated_users,
        "CreationDate": wire::epoch(pool.created_ms),
        "LastModifiedDate": wire::epoch(pool.modified_ms),
        "Status": "Enabled",
    });
    if let Value::Object(fixed) = fixed {
        out.extend(fixed);
    }
    for (key, list) in [
        ("UsernameAttributes", &pool.username_attributes),
        ("AliasAttributes", &pool.alias_attributes),
        ("AutoVerifiedAttributes", &pool.auto_verified_attributes),
    ] {
        if !list.is_empty() {
            out.insert(key.into(), json!(list));
        }
    }
    Value::Object(out)
}
