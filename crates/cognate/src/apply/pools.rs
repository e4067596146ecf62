//! `[[pools]]`: find the pool by name, create it, or bring its settings and
//! custom attributes in line (CreateUserPool, DescribeUserPool,
//! UpdateUserPool, AddCustomAttributes).
//!
//! UpdateUserPool replaces every setting it is given and resets the others,
//! so an update sends the pool's current settings with the declared ones
//! laid over them: settings the file does not mention keep their values.

use std::collections::BTreeSet;

use anyhow::{anyhow, bail};
use serde_json::{json, Map, Value};

use super::calls::{failed, text, CallError, Calls};
use super::spec::{AttributeSpec, Mfa, PasswordPolicySpec, PoolSpec};
use super::{Outcome, PoolRef, Report};

/// The members of a DescribeUserPool answer that UpdateUserPool takes back.
const UPDATABLE: &[&str] = &[
    "Policies",
    "DeletionProtection",
    "LambdaConfig",
    "AutoVerifiedAttributes",
    "SmsVerificationMessage",
    "EmailVerificationMessage",
    "EmailVerificationSubject",
    "VerificationMessageTemplate",
    "SmsAuthenticationMessage",
    "UserAttributeUpdateSettings",
    "MfaConfiguration",
    "DeviceConfiguration",
    "EmailConfiguration",
    "SmsConfiguration",
    "UserPoolTags",
    "AdminCreateUserConfig",
    "UserPoolAddOns",
    "AccountRecoverySetting",
    "UserPoolTier",
];

/// `(file key, PasswordPolicy member)` of the password policy's settings.
const POLICY_KEYS: &[(&str, &str)] = &[
    ("min_length", "MinimumLength"),
    ("require_uppercase", "RequireUppercase"),
    ("require_lowercase", "RequireLowercase"),
    ("require_numbers", "RequireNumbers"),
    ("require_symbols", "RequireSymbols"),
    (
        "temporary_password_validity_days",
        "TemporaryPasswordValidityDays",
    ),
];

/// Creates or updates the pool and returns where it is.
pub(super) async fn apply(
    calls: Calls<'_>,
    at: &str,
    spec: &PoolSpec,
    report: &mut Report,
) -> anyhow::Result<PoolRef> {
    let Some(id) = find(calls, at, &spec.name).await? else {
        let out = calls
            .idp("CreateUserPool", create_input(spec))
            .await
            .map_err(failed(at))?;
        let pool = pool_ref(&out["UserPool"]).map_err(failed(at))?;
        report.record("pool", &spec.name, Some(&pool.id), Outcome::Created, None);
        return Ok(pool);
    };
    let current = describe(calls, at, &id).await?;
    check_fixed(at, spec, &current)?;
    let mut changed = Vec::new();
    let missing = missing_attributes(at, spec, &current)?;
    if !missing.is_empty() {
        let attrs: Vec<Value> = missing.iter().map(|a| schema_entry(a)).collect();
        calls
            .idp(
                "AddCustomAttributes",
                json!({"UserPoolId": id, "CustomAttributes": attrs}),
            )
            .await
            .map_err(failed(at))?;
        changed.push("schema".to_string());
    }
    let differing = differing_settings(spec, &current);
    if !differing.is_empty() {
        calls
            .idp("UpdateUserPool", update_input(spec, &current))
            .await
            .map_err(failed(at))?;
        changed.extend(differing);
    }
    let pool = pool_ref(&current).map_err(failed(at))?;
    let (outcome, note) = if changed.is_empty() {
        (Outcome::Unchanged, None)
    } else {
        (Outcome::Updated, Some(changed.join(", ")))
    };
    report.record("pool", &spec.name, Some(&pool.id), outcome, note);
    Ok(pool)
}

/// The id of the one pool named `name`, if there is one.
async fn find(calls: Calls<'_>, at: &str, name: &str) -> anyhow::Result<Option<String>> {
    let mut found = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut input = json!({"MaxResults": 60});
        if let Some(t) = &token {
            input["NextToken"] = json!(t);
        }
        let page = calls
            .idp("ListUserPools", input)
            .await
            .map_err(failed(at))?;
        for p in page["UserPools"].as_array().into_iter().flatten() {
            if p["Name"].as_str() == Some(name) {
                found.extend(p["Id"].as_str().map(str::to_string));
            }
        }
        match page["NextToken"].as_str() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    if found.len() > 1 {
        bail!(
            "{at}: {} user pools are named {name:?} ({}); pools are found by name, so rename or delete all but one",
            found.len(),
            found.join(", ")
        );
    }
    Ok(found.pop())
}

async fn describe(calls: Calls<'_>, at: &str, id: &str) -> anyhow::Result<Value> {
    let out = calls
        .idp("DescribeUserPool", json!({"UserPoolId": id}))
        .await
        .map_err(failed(at))?;
    Ok(out["UserPool"].clone())
}

fn pool_ref(pool: &Value) -> Result<PoolRef, CallError> {
    Ok(PoolRef {
        id: text(pool, "Id", "the user pool")?.to_string(),
        arn: text(pool, "Arn", "the user pool")?.to_string(),
    })
}

// === inputs ===

fn schema_entry(a: &AttributeSpec) -> Value {
    json!({
        "Name": a.short_name(),
        "AttributeDataType": a.kind.as_str(),
        "Mutable": a.mutable,
    })
}

fn policy_input(p: &PasswordPolicySpec, mut into: Map<String, Value>) -> Value {
    let values = [
        p.min_length.map(|n| json!(n)),
        p.require_uppercase.map(|b| json!(b)),
        p.require_lowercase.map(|b| json!(b)),
        p.require_numbers.map(|b| json!(b)),
        p.require_symbols.map(|b| json!(b)),
        p.temporary_password_validity_days.map(|n| json!(n)),
    ];
    for ((_, member), value) in POLICY_KEYS.iter().zip(values) {
        if let Some(v) = value {
            into.insert(member.to_string(), v);
        }
    }
    Value::Object(into)
}

fn create_input(spec: &PoolSpec) -> Value {
    let mut input = json!({"PoolName": spec.name});
    if !spec.username_attributes.is_empty() {
        input["UsernameAttributes"] = json!(spec.username_attributes);
    }
    if !spec.alias_attributes.is_empty() {
        input["AliasAttributes"] = json!(spec.alias_attributes);
    }
    if let Some(list) = &spec.auto_verified_attributes {
        input["AutoVerifiedAttributes"] = json!(list);
    }
    if let Some(cs) = spec.case_sensitive {
        input["UsernameConfiguration"] = json!({"CaseSensitive": cs});
    }
    if let Some(Mfa::Off) = spec.mfa {
        input["MfaConfiguration"] = json!("OFF");
    }
    if let Some(p) = &spec.password_policy {
        input["Policies"] = json!({"PasswordPolicy": policy_input(p, Map::new())});
    }
    if !spec.schema.is_empty() {
        input["Schema"] = Value::Array(spec.schema.iter().map(schema_entry).collect());
    }
    input
}

/// The pool's current settings with the declared ones laid over them.
fn update_input(spec: &PoolSpec, current: &Value) -> Value {
    let mut input = Map::new();
    input.insert("UserPoolId".into(), current["Id"].clone());
    for key in UPDATABLE {
        if let Some(v) = current.get(*key).filter(|v| !v.is_null()) {
            input.insert(key.to_string(), v.clone());
        }
    }
    if let Some(list) = &spec.auto_verified_attributes {
        input.insert("AutoVerifiedAttributes".into(), json!(list));
    }
    if let Some(Mfa::Off) = spec.mfa {
        input.insert("MfaConfiguration".into(), json!("OFF"));
    }
    if let Some(p) = &spec.password_policy {
        let mut policies = current["Policies"].as_object().cloned().unwrap_or_default();
        let policy = policies
            .get("PasswordPolicy")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        policies.insert("PasswordPolicy".into(), policy_input(p, policy));
        input.insert("Policies".into(), Value::Object(policies));
    }
    Value::Object(input)
}

// === comparing ===

fn string_set(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

fn set_of(list: &[String]) -> BTreeSet<String> {
    list.iter().cloned().collect()
}

/// Settings that only CreateUserPool sets.
fn check_fixed(at: &str, spec: &PoolSpec, current: &Value) -> anyhow::Result<()> {
    let fixed = |key: &str, wanted: String, has: String| {
        anyhow!(
            "{at}: {key} is {wanted} in the file but {has} on the existing pool {}; it is fixed when a pool is created (delete the pool to re-create it)",
            current["Id"].as_str().unwrap_or_default()
        )
    };
    for (key, member, declared) in [
        (
            "username_attributes",
            "UsernameAttributes",
            &spec.username_attributes,
        ),
        (
            "alias_attributes",
            "AliasAttributes",
            &spec.alias_attributes,
        ),
    ] {
        let has = string_set(&current[member]);
        if set_of(declared) != has {
            return Err(fixed(
                key,
                format!("{declared:?}"),
                format!("{:?}", has.iter().collect::<Vec<_>>()),
            ));
        }
    }
    if let Some(cs) = spec.case_sensitive {
        let has = current["UsernameConfiguration"]["CaseSensitive"].as_bool();
        if has.is_some_and(|h| h != cs) {
            return Err(fixed("case_sensitive", cs.to_string(), (!cs).to_string()));
        }
    }
    Ok(())
}

/// Declared custom attributes the pool lacks. One it has with another type
/// or mutability is an error: custom attributes cannot change.
fn missing_attributes<'s>(
    at: &str,
    spec: &'s PoolSpec,
    current: &Value,
) -> anyhow::Result<Vec<&'s AttributeSpec>> {
    let mut missing = Vec::new();
    for (j, a) in spec.schema.iter().enumerate() {
        let name = a.full_name();
        let existing = current["SchemaAttributes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["Name"].as_str() == Some(&name));
        let Some(existing) = existing else {
            missing.push(a);
            continue;
        };
        let kind = existing["AttributeDataType"].as_str().unwrap_or_default();
        let mutable = existing["Mutable"].as_bool().unwrap_or(true);
        if kind != a.kind.as_str() || mutable != a.mutable {
            bail!(
                "{at}.schema[{j}]: {name} exists as a{} {kind} attribute; custom attributes cannot change once added",
                if mutable { " mutable" } else { "n immutable" }
            );
        }
    }
    Ok(missing)
}

/// The declared settings that differ from the pool's, by file key.
fn differing_settings(spec: &PoolSpec, current: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(list) = &spec.auto_verified_attributes {
        if set_of(list) != string_set(&current["AutoVerifiedAttributes"]) {
            out.push("auto_verified_attributes".to_string());
        }
    }
    if spec.mfa == Some(Mfa::Off) && current["MfaConfiguration"].as_str() != Some("OFF") {
        out.push("mfa".to_string());
    }
    if let Some(p) = &spec.password_policy {
        let wanted = policy_input(p, Map::new());
        let has = &current["Policies"]["PasswordPolicy"];
        for (key, member) in POLICY_KEYS {
            if let Some(v) = wanted.get(*member) {
                if has.get(*member) != Some(v) {
                    out.push(format!("password_policy.{key}"));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(toml_text: &str) -> PoolSpec {
        toml::from_str(toml_text).unwrap()
    }

    fn described() -> Value {
        json!({
            "Id": "us-east-1_abc", "Arn": "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc",
            "Name": "P", "UsernameAttributes": ["email"], "AutoVerifiedAttributes": ["email"],
            "UsernameConfiguration": {"CaseSensitive": false}, "MfaConfiguration": "OFF",
            "Policies": {"PasswordPolicy": {"MinimumLength": 8, "RequireUppercase": true,
                "RequireLowercase": true, "RequireNumbers": true, "RequireSymbols": true,
                "TemporaryPasswordValidityDays": 7}, "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD"]}},
            "SchemaAttributes": [{"Name": "custom:role", "AttributeDataType": "String", "Mutable": true}],
            "EmailConfiguration": {"EmailSendingAccount": "COGNITO_DEFAULT"},
            "EstimatedNumberOfUsers": 3, "CreationDate": 1.0
        })
    }

    #[test]
    fn create_input_sends_only_what_is_declared() {
        let s = spec(
            r#"
            name = "P"
            username_attributes = ["email"]
            case_sensitive = false
            [password_policy]
            min_length = 10
            [[schema]]
            name = "custom:role"
        "#,
        );
        assert_eq!(
            create_input(&s),
            json!({
                "PoolName": "P", "UsernameAttributes": ["email"],
                "UsernameConfiguration": {"CaseSensitive": false},
                "Policies": {"PasswordPolicy": {"MinimumLength": 10}},
                "Schema": [{"Name": "role", "AttributeDataType": "String", "Mutable": true}]
            })
        );
    }

    #[test]
    fn a_pool_matching_the_declaration_has_nothing_to_update() {
        let s = spec(
            r#"
            name = "P"
            username_attributes = ["email"]
            auto_verified_attributes = ["email"]
            mfa = "OFF"
            [password_policy]
            min_length = 8
            require_symbols = true
            [[schema]]
            name = "role"
        "#,
        );
        let current = described();
        check_fixed("pools[0]", &s, &current).unwrap();
        assert!(missing_attributes("pools[0]", &s, &current)
            .unwrap()
            .is_empty());
        assert!(differing_settings(&s, &current).is_empty());
    }

    #[test]
    fn differing_settings_are_named_by_file_key() {
        let s = spec(
            r#"
            name = "P"
            username_attributes = ["email"]
            auto_verified_attributes = []
            [password_policy]
            min_length = 12
            require_symbols = false
        "#,
        );
        assert_eq!(
            differing_settings(&s, &described()),
            [
                "auto_verified_attributes",
                "password_policy.min_length",
                "password_policy.require_symbols"
            ]
        );
    }

    #[test]
    fn updates_keep_undeclared_settings_and_lay_declared_ones_over_them() {
        let s = spec(
            r#"
            name = "P"
            username_attributes = ["email"]
            [password_policy]
            min_length = 12
        "#,
        );
        let input = update_input(&s, &described());
        assert_eq!(input["UserPoolId"], "us-east-1_abc");
        assert_eq!(input["Policies"]["PasswordPolicy"]["MinimumLength"], 12);
        assert_eq!(input["Policies"]["PasswordPolicy"]["RequireSymbols"], true);
        assert_eq!(
            input["Policies"]["SignInPolicy"]["AllowedFirstAuthFactors"][0],
            "PASSWORD"
        );
        assert_eq!(
            input["EmailConfiguration"]["EmailSendingAccount"],
            "COGNITO_DEFAULT"
        );
        assert_eq!(input["AutoVerifiedAttributes"], json!(["email"]));
        assert!(input.get("EstimatedNumberOfUsers").is_none());
        assert!(input.get("SchemaAttributes").is_none());
    }

    #[test]
    fn settings_fixed_at_creation_cannot_change() {
        let s = spec("name = \"P\"\nusername_attributes = []");
        let err = check_fixed("pools[1]", &s, &described())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("pools[1]: username_attributes is [] in the file but [\"email\"]"),
            "{err}"
        );
        let s = spec("name = \"P\"\nusername_attributes = [\"email\"]\ncase_sensitive = true");
        let err = check_fixed("pools[0]", &s, &described())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("case_sensitive is true in the file but false"),
            "{err}"
        );
    }

    #[test]
    fn new_custom_attributes_are_added_and_changed_ones_refused() {
        let s = spec(
            r#"
            name = "P"
            [[schema]]
            name = "role"
            [[schema]]
            name = "level"
            type = "Number"
        "#,
        );
        let missing = missing_attributes("pools[0]", &s, &described()).unwrap();
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].full_name(), "custom:level");
        let s = spec("name = \"P\"\n[[schema]]\nname = \"role\"\nmutable = false");
        let err = missing_attributes("pools[0]", &s, &described())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("pools[0].schema[0]: custom:role exists as a mutable String attribute"),
            "{err}"
        );
    }
}
