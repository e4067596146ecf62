//! `[[pools.clients]]`: find each app client by name within its pool,
//! create it, or update the settings that differ (ListUserPoolClients,
//! CreateUserPoolClient, DescribeUserPoolClient, UpdateUserPoolClient).
//!
//! Like UpdateUserPool, UpdateUserPoolClient resets what it is not given,
//! so an update sends the client's current settings with the declared ones
//! laid over them.

use std::collections::BTreeSet;

use anyhow::bail;
use serde_json::{json, Map, Value};

use super::calls::{failed, text, Calls};
use super::spec::{ClientSpec, PoolSpec, Validity, ValidityUnit};
use super::{Outcome, PoolRef, Report};

/// The members of a DescribeUserPoolClient answer that
/// UpdateUserPoolClient takes back.
const UPDATABLE: &[&str] = &[
    "ClientName",
    "RefreshTokenValidity",
    "AccessTokenValidity",
    "IdTokenValidity",
    "TokenValidityUnits",
    "ReadAttributes",
    "WriteAttributes",
    "ExplicitAuthFlows",
    "SupportedIdentityProviders",
    "CallbackURLs",
    "LogoutURLs",
    "DefaultRedirectURI",
    "AllowedOAuthFlows",
    "AllowedOAuthScopes",
    "AllowedOAuthFlowsUserPoolClient",
    "AnalyticsConfiguration",
    "PreventUserExistenceErrors",
    "EnableTokenRevocation",
    "EnablePropagateAdditionalUserContextData",
    "AuthSessionValidity",
    "RefreshTokenRotation",
];

/// One token's validity settings: file key, value member, unit member and
/// the value Cognito uses when none is set.
struct TokenKind {
    key: &'static str,
    member: &'static str,
    unit: &'static str,
    default: Validity,
    pick: fn(&ClientSpec) -> Option<Validity>,
}

const TOKENS: [TokenKind; 3] = [
    TokenKind {
        key: "access_token_validity",
        member: "AccessTokenValidity",
        unit: "AccessToken",
        default: Validity {
            value: 1,
            unit: ValidityUnit::Hours,
        },
        pick: |c| c.access_token_validity,
    },
    TokenKind {
        key: "id_token_validity",
        member: "IdTokenValidity",
        unit: "IdToken",
        default: Validity {
            value: 1,
            unit: ValidityUnit::Hours,
        },
        pick: |c| c.id_token_validity,
    },
    TokenKind {
        key: "refresh_token_validity",
        member: "RefreshTokenValidity",
        unit: "RefreshToken",
        default: Validity {
            value: 30,
            unit: ValidityUnit::Days,
        },
        pick: |c| c.refresh_token_validity,
    },
];

/// Applies every client of the pool.
pub(super) async fn apply(
    calls: Calls<'_>,
    pool_at: &str,
    pool: &PoolSpec,
    pool_ref: &PoolRef,
    report: &mut Report,
) -> anyhow::Result<()> {
    if pool.clients.is_empty() {
        return Ok(());
    }
    let existing = list(calls, pool_at, &pool_ref.id).await?;
    for (j, spec) in pool.clients.iter().enumerate() {
        let at = format!("{pool_at}.clients[{j}]");
        let name = format!("{}/{}", pool.name, spec.name);
        let ids: Vec<&String> = existing
            .iter()
            .filter(|(n, _)| n == &spec.name)
            .map(|(_, id)| id)
            .collect();
        if ids.len() > 1 {
            bail!(
                "{at}: the pool has {} app clients named {:?}; clients are found by name, so rename or delete all but one",
                ids.len(),
                spec.name
            );
        }
        let Some(id) = ids.first() else {
            let out = calls
                .idp("CreateUserPoolClient", create_input(&pool_ref.id, spec))
                .await
                .map_err(failed(&at))?;
            let id =
                text(&out["UserPoolClient"], "ClientId", "the app client").map_err(failed(&at))?;
            report.record("client", name, Some(id), Outcome::Created, None);
            continue;
        };
        let out = calls
            .idp(
                "DescribeUserPoolClient",
                json!({"UserPoolId": pool_ref.id, "ClientId": id}),
            )
            .await
            .map_err(failed(&at))?;
        let current = &out["UserPoolClient"];
        if let Some(wanted) = spec.generate_secret {
            let has = current.get("ClientSecret").is_some_and(|s| !s.is_null());
            if wanted != has {
                bail!(
                    "{at}: generate_secret is {wanted} in the file but the existing client {id} {} a secret; it is fixed when a client is created (delete the client to re-create it)",
                    if has { "has" } else { "has no" }
                );
            }
        }
        let differing = differing_settings(spec, current);
        if differing.is_empty() {
            report.record("client", name, Some(id), Outcome::Unchanged, None);
        } else {
            calls
                .idp("UpdateUserPoolClient", update_input(spec, current))
                .await
                .map_err(failed(&at))?;
            let note = Some(differing.join(", "));
            report.record("client", name, Some(id), Outcome::Updated, note);
        }
    }
    Ok(())
}

/// `(name, id)` of every client of the pool.
async fn list(calls: Calls<'_>, at: &str, pool_id: &str) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut input = json!({"UserPoolId": pool_id, "MaxResults": 60});
        if let Some(t) = &token {
            input["NextToken"] = json!(t);
        }
        let page = calls
            .idp("ListUserPoolClients", input)
            .await
            .map_err(failed(at))?;
        for c in page["UserPoolClients"].as_array().into_iter().flatten() {
            if let (Some(name), Some(id)) = (c["ClientName"].as_str(), c["ClientId"].as_str()) {
                out.push((name.to_string(), id.to_string()));
            }
        }
        match page["NextToken"].as_str() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(out),
        }
    }
}

/// Lays the declared settings over `into` (an input being built).
fn declared_settings(spec: &ClientSpec, into: &mut Map<String, Value>) {
    if let Some(flows) = &spec.explicit_auth_flows {
        into.insert("ExplicitAuthFlows".into(), json!(flows));
    }
    for kind in &TOKENS {
        if let Some(v) = (kind.pick)(spec) {
            into.insert(kind.member.into(), json!(v.value));
            let units = into
                .entry("TokenValidityUnits")
                .or_insert_with(|| json!({}));
            units[kind.unit] = json!(v.unit.as_str());
        }
    }
    if let Some(list) = &spec.read_attributes {
        into.insert("ReadAttributes".into(), json!(list));
    }
    if let Some(list) = &spec.write_attributes {
        into.insert("WriteAttributes".into(), json!(list));
    }
    if let Some(p) = spec.prevent_user_existence_errors {
        into.insert(
            "PreventUserExistenceErrors".into(),
            json!(if p { "ENABLED" } else { "LEGACY" }),
        );
    }
    if let Some(r) = spec.enable_token_revocation {
        into.insert("EnableTokenRevocation".into(), json!(r));
    }
}

fn create_input(pool_id: &str, spec: &ClientSpec) -> Value {
    let mut input = Map::new();
    input.insert("UserPoolId".into(), json!(pool_id));
    input.insert("ClientName".into(), json!(spec.name));
    input.insert(
        "GenerateSecret".into(),
        json!(spec.generate_secret.unwrap_or(false)),
    );
    declared_settings(spec, &mut input);
    Value::Object(input)
}

/// The client's current settings with the declared ones laid over them.
fn update_input(spec: &ClientSpec, current: &Value) -> Value {
    let mut input = Map::new();
    input.insert("UserPoolId".into(), current["UserPoolId"].clone());
    input.insert("ClientId".into(), current["ClientId"].clone());
    for key in UPDATABLE {
        if let Some(v) = current.get(*key).filter(|v| !v.is_null()) {
            input.insert(key.to_string(), v.clone());
        }
    }
    declared_settings(spec, &mut input);
    Value::Object(input)
}

/// A token's validity on the client, in seconds (its default when unset).
fn current_seconds(kind: &TokenKind, current: &Value) -> i64 {
    let unit = current["TokenValidityUnits"][kind.unit]
        .as_str()
        .and_then(ValidityUnit::from_name);
    match (current[kind.member].as_i64(), unit) {
        (Some(value), Some(unit)) => Validity { value, unit }.seconds(),
        (Some(value), None) => Validity {
            value,
            unit: kind.default.unit,
        }
        .seconds(),
        (None, _) => kind.default.seconds(),
    }
}

fn string_set(v: &Value) -> BTreeSet<&str> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

fn same_set(declared: &[String], current: &Value) -> bool {
    declared.iter().map(String::as_str).collect::<BTreeSet<_>>() == string_set(current)
}

/// The declared settings that differ from the client's, by file key.
fn differing_settings(spec: &ClientSpec, current: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(flows) = &spec.explicit_auth_flows {
        if !same_set(flows, &current["ExplicitAuthFlows"]) {
            out.push("explicit_auth_flows".to_string());
        }
    }
    for kind in &TOKENS {
        if let Some(v) = (kind.pick)(spec) {
            if v.seconds() != current_seconds(kind, current) {
                out.push(kind.key.to_string());
            }
        }
    }
    for (key, member, declared) in [
        ("read_attributes", "ReadAttributes", &spec.read_attributes),
        (
            "write_attributes",
            "WriteAttributes",
            &spec.write_attributes,
        ),
    ] {
        if let Some(list) = declared {
            if !same_set(list, &current[member]) {
                out.push(key.to_string());
            }
        }
    }
    if let Some(p) = spec.prevent_user_existence_errors {
        let has = current["PreventUserExistenceErrors"].as_str() == Some("ENABLED");
        if p != has {
            out.push("prevent_user_existence_errors".to_string());
        }
    }
    if let Some(r) = spec.enable_token_revocation {
        if current["EnableTokenRevocation"].as_bool() != Some(r) {
            out.push("enable_token_revocation".to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(toml_text: &str) -> ClientSpec {
        toml::from_str(toml_text).unwrap()
    }

    fn described() -> Value {
        json!({
            "UserPoolId": "us-east-1_abc", "ClientId": "c1", "ClientName": "web",
            "RefreshTokenValidity": 30,
            "TokenValidityUnits": {"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"},
            "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            "PreventUserExistenceErrors": "ENABLED", "EnableTokenRevocation": true,
            "CallbackURLs": ["https://app.example/cb"], "CreationDate": 1.0
        })
    }

    #[test]
    fn create_input_writes_validities_with_their_units() {
        let s = spec(
            r#"
            name = "web"
            explicit_auth_flows = ["ALLOW_USER_PASSWORD_AUTH"]
            access_token_validity = "30m"
            refresh_token_validity = "7d"
            prevent_user_existence_errors = false
        "#,
        );
        assert_eq!(
            create_input("p", &s),
            json!({
                "UserPoolId": "p", "ClientName": "web", "GenerateSecret": false,
                "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"],
                "AccessTokenValidity": 30, "RefreshTokenValidity": 7,
                "TokenValidityUnits": {"AccessToken": "minutes", "RefreshToken": "days"},
                "PreventUserExistenceErrors": "LEGACY"
            })
        );
    }

    #[test]
    fn equal_durations_in_other_units_and_reordered_lists_are_unchanged() {
        let s = spec(
            r#"
            name = "web"
            explicit_auth_flows = ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"]
            access_token_validity = "60m"
            id_token_validity = "3600s"
            refresh_token_validity = "30d"
            prevent_user_existence_errors = true
            enable_token_revocation = true
        "#,
        );
        assert!(differing_settings(&s, &described()).is_empty());
    }

    #[test]
    fn differing_settings_are_named_by_file_key() {
        let s = spec(
            r#"
            name = "web"
            explicit_auth_flows = ["ALLOW_USER_PASSWORD_AUTH"]
            access_token_validity = "2h"
            read_attributes = ["email"]
        "#,
        );
        assert_eq!(
            differing_settings(&s, &described()),
            [
                "explicit_auth_flows",
                "access_token_validity",
                "read_attributes"
            ]
        );
    }

    #[test]
    fn updates_keep_undeclared_settings() {
        let s = spec("name = \"web\"\naccess_token_validity = \"2h\"");
        let input = update_input(&s, &described());
        assert_eq!(input["ClientId"], "c1");
        assert_eq!(input["CallbackURLs"], json!(["https://app.example/cb"]));
        assert_eq!(input["AccessTokenValidity"], 2);
        assert_eq!(input["TokenValidityUnits"]["AccessToken"], "hours");
        assert_eq!(input["TokenValidityUnits"]["RefreshToken"], "days");
        assert!(input.get("CreationDate").is_none());
    }
}
