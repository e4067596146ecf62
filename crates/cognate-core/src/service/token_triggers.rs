//! PreTokenGeneration: the event sent before tokens are signed, and the
//! changes its answer makes to their claims.
//!
//! Version 1 (LambdaVersion `V1_0`) answers `claimsOverrideDetails`: claims
//! to add, override or suppress in the ID token, and `groupOverrideDetails`,
//! which replaces `cognito:groups` in both tokens and `cognito:roles` and
//! `cognito:preferred_role` in the ID token. Its claim values are strings;
//! other values are turned into their text. Versions 2 and 3 answer
//! `claimsAndScopeOverrideDetails`, which changes the claims of each token
//! (any JSON value) and the access token's scopes.
//!
//! The claims that make a token what it is ([`PROTECTED_CLAIMS`] and every
//! `cognito:` claim but through `groupOverrideDetails`) are kept as they are,
//! whatever the answer says.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::triggers::{client_metadata, stored_user_attributes, Invocation, Trigger};
use super::UserPools;
use crate::model::{AppClient, PreTokenVersion, User, UserPool};
use crate::{CoreError, CoreResult};

/// Claims no PreTokenGeneration answer adds, overrides or suppresses.
#[rustfmt::skip]
const PROTECTED_CLAIMS: &[&str] = &[
    "acr", "amr", "at_hash", "aud", "auth_time", "azp", "c_hash", "client_id", "event_id",
    "exp", "iat", "identities", "iss", "jti", "nbf", "nonce", "origin_jti", "scope", "sub",
    "token_use", "username", "version",
];

/// Why tokens are being minted: the event's `triggerSource`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenSource {
    /// A sign-in.
    Authentication,
    /// A sign-in completed by answering NEW_PASSWORD_REQUIRED.
    NewPasswordChallenge,
    /// REFRESH_TOKEN_AUTH or GetTokensFromRefreshToken.
    RefreshTokens,
}

impl TokenSource {
    fn trigger_source(self) -> &'static str {
        match self {
            TokenSource::Authentication => "TokenGeneration_Authentication",
            TokenSource::NewPasswordChallenge => "TokenGeneration_NewPasswordChallenge",
            TokenSource::RefreshTokens => "TokenGeneration_RefreshTokens",
        }
    }
}

/// What the call that mints tokens tells the triggers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TokenRequest<'a> {
    pub(crate) source: TokenSource,
    /// The call's ClientMetadata.
    pub(crate) client_metadata: &'a BTreeMap<String, String>,
}

impl<'a> TokenRequest<'a> {
    pub(crate) fn sign_in(client_metadata: &'a BTreeMap<String, String>) -> Self {
        Self {
            source: TokenSource::Authentication,
            client_metadata,
        }
    }

    pub(crate) fn refresh(client_metadata: &'a BTreeMap<String, String>) -> Self {
        Self {
            source: TokenSource::RefreshTokens,
            client_metadata,
        }
    }
}

/// The group claims of a user's tokens: group names by precedence, their
/// IAM roles, and the role of the group that takes precedence.
#[derive(Debug, Clone, Default)]
pub(crate) struct GroupClaims {
    pub(crate) groups: Vec<String>,
    pub(crate) roles: Vec<String>,
    pub(crate) preferred_role: Option<String>,
}

impl GroupClaims {
    /// Sets (or, when empty, removes) the group claims of the tokens.
    pub(crate) fn write(&self, id: &mut Map<String, Value>, access: &mut Map<String, Value>) {
        set_or_remove(id, "cognito:groups", &self.groups);
        set_or_remove(access, "cognito:groups", &self.groups);
        set_or_remove(id, "cognito:roles", &self.roles);
        match &self.preferred_role {
            Some(role) => id.insert("cognito:preferred_role".into(), json!(role)),
            None => id.remove("cognito:preferred_role"),
        };
    }
}

fn set_or_remove(claims: &mut Map<String, Value>, name: &str, values: &[String]) {
    if values.is_empty() {
        claims.remove(name);
    } else {
        claims.insert(name.into(), json!(values));
    }
}

/// The claims of the tokens being minted.
pub(crate) struct TokenClaims {
    pub(crate) id: Map<String, Value>,
    pub(crate) access: Map<String, Value>,
}

impl UserPools {
    /// The group claims of a user's tokens. The preferred role is the role
    /// of the group with the lowest precedence among those with a role; none
    /// when two such groups share it.
    pub(crate) async fn group_claims(&self, pool_id: &str, sub: &str) -> CoreResult<GroupClaims> {
        let groups = self.token_groups(pool_id, sub).await?;
        if groups.is_empty() {
            return Ok(GroupClaims::default());
        }
        let records = self.store.groups_for_user(pool_id, sub).await?;
        let with_role: Vec<_> = groups
            .iter()
            .filter_map(|name| records.iter().find(|g| &g.name == name))
            .filter_map(|g| Some((g.precedence.unwrap_or(i64::MAX), g.role_arn.clone()?)))
            .collect();
        let preferred_role = match with_role.as_slice() {
            [(p, role), rest @ ..] if rest.first().is_none_or(|(q, _)| q != p) => {
                Some(role.clone())
            }
            _ => None,
        };
        let mut roles: Vec<String> = Vec::new();
        for (_, role) in with_role {
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
        Ok(GroupClaims {
            groups,
            roles,
            preferred_role,
        })
    }

    /// Runs PreTokenGeneration, when the pool has it, and applies its answer
    /// to `claims`.
    pub(crate) async fn pre_token_generation(
        &self,
        pool: &UserPool,
        client: &AppClient,
        user: &User,
        request: TokenRequest<'_>,
        groups: &GroupClaims,
        claims: &mut TokenClaims,
    ) -> CoreResult<()> {
        if Trigger::PreTokenGeneration.target(pool).is_none() {
            return Ok(());
        }
        let version = pool.pre_token_generation_version();
        let mut event_request = json!({
            "userAttributes": stored_user_attributes(user),
            "groupConfiguration": {
                "groupsToOverride": groups.groups,
                "iamRolesToOverride": groups.roles,
                "preferredRole": groups.preferred_role,
            },
            "clientMetadata": client_metadata(request.client_metadata),
        });
        let details = match version {
            PreTokenVersion::V1 => "claimsOverrideDetails",
            PreTokenVersion::V2 | PreTokenVersion::V3 => {
                event_request["scopes"] = json!(scopes(&claims.access));
                "claimsAndScopeOverrideDetails"
            }
        };
        let Some(response) = self
            .run_trigger(
                pool,
                Invocation {
                    trigger: Trigger::PreTokenGeneration,
                    source: request.source.trigger_source(),
                    user_name: &user.username,
                    client_id: Some(&client.client_id),
                    request: event_request,
                    response: json!({ details: null }),
                },
            )
            .await?
        else {
            return Ok(());
        };
        let details = match response.get(details) {
            None | Some(Value::Null) => return Ok(()),
            Some(Value::Object(d)) => d,
            Some(_) => return Err(unrecognizable()),
        };
        match version {
            PreTokenVersion::V1 => {
                override_claims(&mut claims.id, details, true)?;
            }
            PreTokenVersion::V2 | PreTokenVersion::V3 => {
                if let Some(id) = member_object(details, "idTokenGeneration")? {
                    override_claims(&mut claims.id, id, false)?;
                }
                if let Some(access) = member_object(details, "accessTokenGeneration")? {
                    override_claims(&mut claims.access, access, false)?;
                    override_scopes(&mut claims.access, access)?;
                }
            }
        }
        if let Some(g) = member_object(details, "groupOverrideDetails")? {
            override_groups(groups, g)?.write(&mut claims.id, &mut claims.access);
        }
        Ok(())
    }
}

fn unrecognizable() -> CoreError {
    CoreError::InvalidLambdaResponse("Unrecognizable lambda output".into())
}

fn member_object<'a>(
    details: &'a Map<String, Value>,
    name: &str,
) -> CoreResult<Option<&'a Map<String, Value>>> {
    match details.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(unrecognizable()),
    }
}

/// An optional list of strings in a hook's answer.
fn member_strings(details: &Map<String, Value>, name: &str) -> CoreResult<Option<Vec<String>>> {
    match details.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(unrecognizable))
            .collect::<CoreResult<Vec<_>>>()
            .map(Some),
        Some(_) => Err(unrecognizable()),
    }
}

fn changeable(claim: &str) -> bool {
    !PROTECTED_CLAIMS.contains(&claim) && !claim.starts_with("cognito:")
}

/// Applies `claimsToAddOrOverride`, then `claimsToSuppress`. With
/// `as_text`, values that are not strings are set as their text.
fn override_claims(
    claims: &mut Map<String, Value>,
    details: &Map<String, Value>,
    as_text: bool,
) -> CoreResult<()> {
    if let Some(add) = member_object(details, "claimsToAddOrOverride")? {
        for (name, value) in add {
            let value = match value {
                Value::Null => continue,
                Value::String(_) => value.clone(),
                other if as_text => Value::String(other.to_string()),
                other => other.clone(),
            };
            if changeable(name) {
                claims.insert(name.clone(), value);
            }
        }
    }
    for name in member_strings(details, "claimsToSuppress")?.unwrap_or_default() {
        if changeable(&name) {
            claims.remove(&name);
        }
    }
    Ok(())
}

/// The access token's scopes.
fn scopes(access: &Map<String, Value>) -> Vec<String> {
    access
        .get("scope")
        .and_then(Value::as_str)
        .map(|s| s.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

/// Applies `scopesToAdd`, then `scopesToSuppress`, to the `scope` claim.
fn override_scopes(
    access: &mut Map<String, Value>,
    details: &Map<String, Value>,
) -> CoreResult<()> {
    let mut current = scopes(access);
    for scope in member_strings(details, "scopesToAdd")?.unwrap_or_default() {
        if !scope.is_empty() && !current.contains(&scope) {
            current.push(scope);
        }
    }
    let suppress = member_strings(details, "scopesToSuppress")?.unwrap_or_default();
    current.retain(|s| !suppress.contains(s));
    if current.is_empty() {
        access.remove("scope");
    } else {
        access.insert("scope".into(), json!(current.join(" ")));
    }
    Ok(())
}

/// The group claims after `groupOverrideDetails`: each member given
/// replaces its claim.
fn override_groups(groups: &GroupClaims, details: &Map<String, Value>) -> CoreResult<GroupClaims> {
    let mut out = groups.clone();
    if let Some(g) = member_strings(details, "groupsToOverride")? {
        out.groups = g;
    }
    if let Some(r) = member_strings(details, "iamRolesToOverride")? {
        out.roles = r;
    }
    match details.get("preferredRole") {
        None => {}
        Some(Value::Null) => out.preferred_role = None,
        Some(Value::String(r)) => out.preferred_role = Some(r.clone()),
        Some(_) => return Err(unrecognizable()),
    }
    Ok(out)
}
