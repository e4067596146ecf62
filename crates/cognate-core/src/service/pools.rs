//! User pools: create, describe, list, update, delete, and the schema with
//! its custom attributes.
//!
//! Update follows AWS: every setting that is not given goes back to its
//! default, except what can never change after creation (schema, username
//! and alias attributes, username case sensitivity) and the passthrough
//! members in [`KEPT_ON_UPDATE`].

use std::collections::BTreeMap;
use std::str::FromStr;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::UserPools;
use crate::model::{
    AttributeSchema, AttributeType, Passthrough, PasswordPolicy, PreTokenVersion, UserPool,
    PRE_TOKEN_GENERATION_VERSION,
};
use crate::rng::RngExt;
use crate::{CoreError, CoreResult};

/// Most custom attributes a pool may have.
pub const MAX_CUSTOM_ATTRIBUTES: usize = 50;
/// Largest MaxLength of a string attribute.
pub const MAX_STRING_LENGTH: u64 = 2048;
/// Passthrough members an update keeps when they are not given.
/// (EmailMfaConfiguration is set only by SetUserPoolMfaConfig.)
pub const KEPT_ON_UPDATE: &[&str] = &["UserPoolTier", "EmailMfaConfiguration"];
/// Trigger names accepted in the lambda configuration.
#[rustfmt::skip]
pub const TRIGGERS: &[&str] = &[
    "PreSignUp", "CustomMessage", "PostConfirmation", "PreAuthentication", "PostAuthentication",
    "DefineAuthChallenge", "CreateAuthChallenge", "VerifyAuthChallengeResponse",
    "PreTokenGeneration", "UserMigration", "KMSKeyID",
];

/// The password policy as requested. When a policy is given at all, missing
/// requirements are off; a pool created without one gets [`PasswordPolicy::default`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PasswordPolicySpec {
    pub minimum_length: Option<u32>,
    pub require_uppercase: Option<bool>,
    pub require_lowercase: Option<bool>,
    pub require_numbers: Option<bool>,
    pub require_symbols: Option<bool>,
    pub temporary_password_validity_days: Option<u32>,
    pub password_history_size: Option<u32>,
}

/// One schema entry as requested: a standard attribute to adjust, or a
/// custom one to add (`name` without the `custom:` prefix).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AttributeSpec {
    pub name: String,
    pub data_type: Option<AttributeType>,
    pub developer_only: Option<bool>,
    pub mutable: Option<bool>,
    pub required: Option<bool>,
    pub min_length: Option<String>,
    pub max_length: Option<String>,
    pub min_value: Option<String>,
    pub max_value: Option<String>,
}

/// The settings of a pool that CreateUserPool and UpdateUserPool both take.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PoolSettings {
    pub password_policy: Option<PasswordPolicySpec>,
    pub auto_verified_attributes: Vec<String>,
    pub allow_admin_create_user_only: bool,
    pub unused_account_validity_days: Option<u32>,
    /// `OFF` (default), `ON`, `OPTIONAL`.
    pub mfa_configuration: Option<String>,
    pub deletion_protection: bool,
    pub lambda_config: BTreeMap<String, String>,
    /// PreTokenGenerationConfig.LambdaVersion (its LambdaArn is the
    /// `PreTokenGeneration` member of `lambda_config`); `None`: V1_0.
    pub pre_token_generation_version: Option<PreTokenVersion>,
    pub passthrough: Passthrough,
}

/// Everything CreateUserPool takes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PoolSpec {
    pub name: String,
    pub schema: Vec<AttributeSpec>,
    pub username_attributes: Vec<String>,
    pub alias_attributes: Vec<String>,
    /// Default true, as the API documents (the console defaults to false).
    pub username_case_sensitive: Option<bool>,
    pub settings: PoolSettings,
}

impl UserPools {
    pub async fn create_user_pool(&self, region: &str, spec: PoolSpec) -> CoreResult<UserPool> {
        check_pool_name(&spec.name)?;
        check_region(region)?;
        let username_attributes = checked_list(
            "UsernameAttributes",
            spec.username_attributes,
            &["email", "phone_number"],
        )?;
        let alias_attributes = checked_list(
            "AliasAttributes",
            spec.alias_attributes,
            &["email", "phone_number", "preferred_username"],
        )?;
        if !username_attributes.is_empty() && !alias_attributes.is_empty() {
            return Err(CoreError::invalid(
                "Only one of AliasAttributes or UsernameAttributes can be set in a user pool.",
            ));
        }
        let mut schema = standard_schema();
        for attr in &spec.schema {
            apply_schema_spec(&mut schema, attr)?;
        }
        let now = self.clock.now_ms();
        let mut pool = UserPool {
            id: format!("{region}_{}", self.rng.alnum(9)),
            name: spec.name,
            created_ms: now,
            modified_ms: now,
            password_policy: PasswordPolicy::default(),
            schema,
            username_attributes,
            alias_attributes,
            username_case_sensitive: spec.username_case_sensitive.unwrap_or(true),
            auto_verified_attributes: Vec::new(),
            allow_admin_create_user_only: false,
            unused_account_validity_days: 7,
            mfa_configuration: "OFF".into(),
            software_token_mfa_enabled: false,
            deletion_protection: false,
            lambda_config: BTreeMap::new(),
            passthrough: Passthrough::new(),
        };
        apply_settings(&mut pool, spec.settings)?;
        let id_kid = STANDARD.encode(self.rng.bytes::<32>());
        let access_kid = STANDARD.encode(self.rng.bytes::<32>());
        let keys = self
            .keys
            .generate(&pool.id, id_kid, access_kid, now)
            .await?;
        if let Err(e) = self.store.create_pool(&pool, &keys).await {
            self.keys.forget(&pool.id);
            return Err(e.into());
        }
        Ok(pool)
    }

    pub async fn describe_user_pool(&self, pool_id: &str) -> CoreResult<UserPool> {
        self.pool(pool_id).await
    }

    /// EstimatedNumberOfUsers of DescribeUserPool.
    pub async fn estimated_number_of_users(&self, pool_id: &str) -> CoreResult<u64> {
        Ok(self.store.count_users(pool_id).await?)
    }

    /// Pools ordered by id, after the id `after`, at most `limit`.
    pub async fn list_user_pools(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> CoreResult<Vec<UserPool>> {
        Ok(self.store.list_pools(after, limit).await?)
    }

    /// Replaces the pool's settings (omitted ones return to their defaults).
    /// `name` None keeps the current name.
    pub async fn update_user_pool(
        &self,
        pool_id: &str,
        name: Option<String>,
        settings: PoolSettings,
    ) -> CoreResult<UserPool> {
        let mut pool = self.pool(pool_id).await?;
        if let Some(name) = name {
            check_pool_name(&name)?;
            pool.name = name;
        }
        let mut settings = settings;
        for key in KEPT_ON_UPDATE {
            if !settings.passthrough.contains_key(*key) {
                if let Some(v) = pool.passthrough.get(*key) {
                    settings.passthrough.insert(key.to_string(), v.clone());
                }
            }
        }
        apply_settings(&mut pool, settings)?;
        pool.modified_ms = self.clock.now_ms();
        self.store.update_pool(&pool).await?;
        Ok(pool)
    }

    /// Deletes the pool and everything in it, unless deletion protection is on.
    pub async fn delete_user_pool(&self, pool_id: &str) -> CoreResult<()> {
        let pool = self.pool(pool_id).await?;
        if pool.deletion_protection {
            return Err(CoreError::invalid(
                "The user pool cannot be deleted because deletion protection is activated. \
                 Deletion protection must be inactivated first.",
            ));
        }
        self.store.delete_pool(&pool.id).await?;
        self.keys.forget(&pool.id);
        Ok(())
    }

    /// Adds custom attributes (names get the `custom:` prefix).
    pub async fn add_custom_attributes(
        &self,
        pool_id: &str,
        attributes: Vec<AttributeSpec>,
    ) -> CoreResult<UserPool> {
        let mut pool = self.pool(pool_id).await?;
        if attributes.is_empty() || attributes.len() > 25 {
            return Err(CoreError::invalid(
                "1 validation error detected: Value at 'customAttributes' failed to satisfy constraint: Member must have length between 1 and 25",
            ));
        }
        for attr in &attributes {
            add_custom(&mut pool.schema, attr)?;
        }
        pool.modified_ms = self.clock.now_ms();
        self.store.update_pool(&pool).await?;
        Ok(pool)
    }
}

// === settings ===

fn apply_settings(pool: &mut UserPool, s: PoolSettings) -> CoreResult<()> {
    pool.password_policy = match s.password_policy {
        None => PasswordPolicy::default(),
        Some(p) => password_policy(p)?,
    };
    pool.auto_verified_attributes = checked_list(
        "AutoVerifiedAttributes",
        s.auto_verified_attributes,
        &["email", "phone_number"],
    )?;
    pool.allow_admin_create_user_only = s.allow_admin_create_user_only;
    let days = s.unused_account_validity_days.unwrap_or(7);
    if days > 365 {
        return Err(range_error("UnusedAccountValidityDays", 0, 365));
    }
    pool.unused_account_validity_days = days;
    let mfa = s.mfa_configuration.unwrap_or_else(|| "OFF".into());
    if !matches!(mfa.as_str(), "OFF" | "ON" | "OPTIONAL") {
        return Err(CoreError::invalid(format!(
            "1 validation error detected: Value '{mfa}' at 'mfaConfiguration' failed to satisfy constraint: Member must satisfy enum value set: [OFF, ON, OPTIONAL]"
        )));
    }
    pool.mfa_configuration = mfa;
    pool.deletion_protection = s.deletion_protection;
    for (trigger, target) in &s.lambda_config {
        if !TRIGGERS.contains(&trigger.as_str()) {
            return Err(CoreError::invalid(format!(
                "Unknown Lambda trigger {trigger}."
            )));
        }
        if target.is_empty() || target.chars().count() > 2048 {
            return Err(CoreError::invalid(format!(
                "The target of Lambda trigger {trigger} must have length between 1 and 2048."
            )));
        }
    }
    pool.lambda_config = s.lambda_config;
    if let Some(version) = s.pre_token_generation_version {
        if !pool.lambda_config.contains_key("PreTokenGeneration") {
            return Err(CoreError::invalid(
                "PreTokenGenerationConfig needs a LambdaArn.",
            ));
        }
        pool.lambda_config.insert(
            PRE_TOKEN_GENERATION_VERSION.to_string(),
            version.as_str().to_string(),
        );
    }
    pool.passthrough = s.passthrough;
    Ok(())
}

fn password_policy(p: PasswordPolicySpec) -> CoreResult<PasswordPolicy> {
    let minimum_length = p.minimum_length.unwrap_or(8);
    if !(6..=99).contains(&minimum_length) {
        return Err(range_error("policies.passwordPolicy.minimumLength", 6, 99));
    }
    let temporary_password_validity_days = p.temporary_password_validity_days.unwrap_or(7);
    if temporary_password_validity_days > 365 {
        return Err(range_error(
            "policies.passwordPolicy.temporaryPasswordValidityDays",
            0,
            365,
        ));
    }
    if p.password_history_size.is_some_and(|n| n > 24) {
        return Err(range_error(
            "policies.passwordPolicy.passwordHistorySize",
            0,
            24,
        ));
    }
    Ok(PasswordPolicy {
        minimum_length,
        require_uppercase: p.require_uppercase.unwrap_or(false),
        require_lowercase: p.require_lowercase.unwrap_or(false),
        require_numbers: p.require_numbers.unwrap_or(false),
        require_symbols: p.require_symbols.unwrap_or(false),
        temporary_password_validity_days,
        password_history_size: p.password_history_size,
    })
}

fn range_error(member: &str, min: u32, max: u32) -> CoreError {
    CoreError::invalid(format!(
        "1 validation error detected: Value at '{member}' failed to satisfy constraint: Member must have value between {min} and {max}"
    ))
}

/// De-duplicates `values`, refusing any not in `allowed`.
fn checked_list(member: &str, values: Vec<String>, allowed: &[&str]) -> CoreResult<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for v in values {
        if !allowed.contains(&v.as_str()) {
            return Err(CoreError::invalid(format!(
                "{member} may only contain {}; got {v}.",
                allowed.join(", ")
            )));
        }
        if !out.contains(&v) {
            out.push(v);
        }
    }
    Ok(out)
}

fn check_pool_name(name: &str) -> CoreResult<()> {
    let n = name.chars().count();
    let ok_chars = name
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c.is_whitespace() || "+=,.@-".contains(c));
    if !(1..=128).contains(&n) || !ok_chars {
        return Err(CoreError::invalid(format!(
            "1 validation error detected: Value '{name}' at 'poolName' failed to satisfy constraint: Member must have length between 1 and 128 and match [\\w\\s+=,.@-]+"
        )));
    }
    Ok(())
}

fn check_region(region: &str) -> CoreResult<()> {
    let ok = !region.is_empty()
        && region.len() <= 32
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(CoreError::invalid(format!("Invalid region {region}.")))
    }
}

// === schema ===

/// The standard attributes, in the order DescribeUserPool lists them.
#[rustfmt::skip]
pub const STANDARD_ATTRIBUTES: &[&str] = &[
    "sub", "name", "given_name", "family_name", "middle_name", "nickname",
    "preferred_username", "profile", "picture", "website", "email", "email_verified",
    "gender", "birthdate", "zoneinfo", "locale", "phone_number", "phone_number_verified",
    "address", "updated_at", "identities",
];

/// The standard attributes every pool has, with Cognito's types and constraints.
pub fn standard_schema() -> Vec<AttributeSchema> {
    STANDARD_ATTRIBUTES
        .iter()
        .map(|&name| {
            let (data_type, len) = match name {
                "email_verified" | "phone_number_verified" => (AttributeType::Boolean, None),
                "updated_at" => (AttributeType::Number, None),
                "identities" => (AttributeType::String, None),
                "sub" => (AttributeType::String, Some("1")),
                "birthdate" => (AttributeType::String, Some("10")),
                _ => (AttributeType::String, Some("0")),
            };
            AttributeSchema {
                name: name.to_string(),
                data_type,
                developer_only: false,
                mutable: name != "sub",
                required: name == "sub",
                min_length: len.map(str::to_string),
                max_length: len
                    .map(|_| if name == "birthdate" { "10" } else { "2048" }.to_string()),
                min_value: (name == "updated_at").then(|| "0".to_string()),
                max_value: None,
            }
        })
        .collect()
}

fn is_standard(name: &str) -> bool {
    STANDARD_ATTRIBUTES.contains(&name)
}

/// A Schema entry of CreateUserPool: adjusts a standard attribute or adds a custom one.
fn apply_schema_spec(schema: &mut Vec<AttributeSchema>, spec: &AttributeSpec) -> CoreResult<()> {
    if spec.developer_only.unwrap_or(false) || !is_standard(&spec.name) {
        return add_custom(schema, spec);
    }
    let attr = schema
        .iter_mut()
        .find(|a| a.name == spec.name)
        .ok_or_else(|| CoreError::invalid(format!("Unknown attribute {}.", spec.name)))?;
    if spec.data_type.is_some_and(|t| t != attr.data_type) {
        return Err(CoreError::invalid(format!(
            "You can not change AttributeDataType of a standard attribute ({}).",
            spec.name
        )));
    }
    let has_constraints = spec.min_length.is_some()
        || spec.max_length.is_some()
        || spec.min_value.is_some()
        || spec.max_value.is_some();
    if attr.name == "sub"
        && (spec.required == Some(false) || spec.mutable == Some(true) || has_constraints)
    {
        return Err(CoreError::invalid("You can not modify the sub attribute."));
    }
    if let Some(r) = spec.required {
        attr.required = r;
    }
    if let Some(m) = spec.mutable {
        attr.mutable = m;
    }
    set_constraints(attr, spec)
}

/// Appends a custom attribute: `custom:name`, or `dev:custom:name` when
/// developer-only. Custom attributes cannot be required.
fn add_custom(schema: &mut Vec<AttributeSchema>, spec: &AttributeSpec) -> CoreResult<()> {
    let without_dev = spec.name.strip_prefix("dev:").unwrap_or(&spec.name);
    let bare = without_dev.strip_prefix("custom:").unwrap_or(without_dev);
    let n = bare.chars().count();
    if !(1..=20).contains(&n) || bare.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(CoreError::invalid(format!(
            "1 validation error detected: Value '{}' at 'name' failed to satisfy constraint: Member must have length between 1 and 20 and contain no whitespace",
            spec.name
        )));
    }
    let developer_only = spec.developer_only.unwrap_or(false);
    let name = if developer_only {
        format!("dev:custom:{bare}")
    } else {
        format!("custom:{bare}")
    };
    if schema
        .iter()
        .any(|a| a.name.trim_start_matches("dev:") == format!("custom:{bare}"))
    {
        return Err(CoreError::invalid(format!(
            "Existing attribute already has name {name}."
        )));
    }
    if spec.required == Some(true) {
        return Err(CoreError::invalid(
            "Required custom attributes are not supported currently.",
        ));
    }
    let customs = schema.iter().filter(|a| !is_standard(&a.name)).count();
    if customs >= MAX_CUSTOM_ATTRIBUTES {
        return Err(CoreError::LimitExceeded(format!(
            "A user pool can have at most {MAX_CUSTOM_ATTRIBUTES} custom attributes."
        )));
    }
    let mut attr = AttributeSchema {
        name,
        data_type: spec.data_type.unwrap_or(AttributeType::String),
        developer_only,
        mutable: spec.mutable.unwrap_or(true),
        required: false,
        min_length: None,
        max_length: None,
        min_value: None,
        max_value: None,
    };
    set_constraints(&mut attr, spec)?;
    schema.push(attr);
    Ok(())
}

/// String constraints for String attributes, number constraints for Number
/// ones; both must parse, and the minimum must not exceed the maximum.
fn set_constraints(attr: &mut AttributeSchema, spec: &AttributeSpec) -> CoreResult<()> {
    let fail =
        |what: &str| CoreError::invalid(format!("Invalid {what} for attribute {}.", attr.name));
    if (spec.min_length.is_some() || spec.max_length.is_some())
        && attr.data_type != AttributeType::String
    {
        return Err(fail(
            "StringAttributeConstraints (only String attributes have them)",
        ));
    }
    if (spec.min_value.is_some() || spec.max_value.is_some())
        && attr.data_type != AttributeType::Number
    {
        return Err(fail(
            "NumberAttributeConstraints (only Number attributes have them)",
        ));
    }
    let (min_length, max_length) = bounds::<u64>(
        spec.min_length.as_ref().or(attr.min_length.as_ref()),
        spec.max_length.as_ref().or(attr.max_length.as_ref()),
    )
    .ok_or_else(|| fail("StringAttributeConstraints"))?;
    if max_length
        .as_ref()
        .and_then(|m| m.parse::<u64>().ok())
        .is_some_and(|m| m > MAX_STRING_LENGTH)
    {
        return Err(fail("MaxLength (at most 2048)"));
    }
    let (min_value, max_value) = bounds::<i64>(
        spec.min_value.as_ref().or(attr.min_value.as_ref()),
        spec.max_value.as_ref().or(attr.max_value.as_ref()),
    )
    .ok_or_else(|| fail("NumberAttributeConstraints"))?;
    attr.min_length = min_length;
    attr.max_length = max_length;
    attr.min_value = min_value;
    attr.max_value = max_value;
    Ok(())
}

/// Parses a (min, max) pair; None when either does not parse or min > max.
fn bounds<T: FromStr + PartialOrd + ToString>(
    min: Option<&String>,
    max: Option<&String>,
) -> Option<(Option<String>, Option<String>)> {
    let parse = |v: Option<&String>| match v {
        None => Some(None),
        Some(s) => s.trim().parse::<T>().ok().map(Some),
    };
    let (min, max) = (parse(min)?, parse(max)?);
    if let (Some(a), Some(b)) = (&min, &max) {
        if a > b {
            return None;
        }
    }
    Some((min.map(|n| n.to_string()), max.map(|n| n.to_string())))
}
