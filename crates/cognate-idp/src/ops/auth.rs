//! Sign-in operations: InitiateAuth, AdminInitiateAuth, the challenge
//! responses, GetTokensFromRefreshToken, and sign-out / revocation.

use std::collections::BTreeMap;

use cognate_core::service::{AuthOutcome, AuthRequest, ChallengeResponse, Tokens, UserPools};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::wire::{parse, OpResult};
use crate::{ApiError, Ctx};

pub async fn dispatch(svc: &UserPools, _ctx: &Ctx, op: &str, input: &Value) -> Option<OpResult> {
    let input = input.clone();
    Some(match op {
        "InitiateAuth" => initiate_auth(svc, input, false).await,
        "AdminInitiateAuth" => initiate_auth(svc, input, true).await,
        "RespondToAuthChallenge" => respond(svc, input, false).await,
        "AdminRespondToAuthChallenge" => respond(svc, input, true).await,
        "GlobalSignOut" => global_sign_out(svc, input).await,
        "AdminUserGlobalSignOut" => admin_user_global_sign_out(svc, input).await,
        "RevokeToken" => revoke_token(svc, input).await,
        "GetTokensFromRefreshToken" => get_tokens_from_refresh_token(svc, input).await,
        _ => return None,
    })
}

/// Renders an outcome as AWS does: AuthenticationResult, or ChallengeName +
/// ChallengeParameters (+ Session).
fn outcome(o: AuthOutcome) -> Value {
    match o {
        AuthOutcome::Tokens(t) => {
            json!({ "ChallengeParameters": {}, "AuthenticationResult": authentication_result(t) })
        }
        AuthOutcome::Challenge(c) => {
            let mut v = json!({ "ChallengeName": c.name, "ChallengeParameters": c.parameters });
            if let Some(s) = c.session {
                v["Session"] = json!(s);
            }
            v
        }
    }
}

/// The AuthenticationResultType shape.
fn authentication_result(t: Tokens) -> Value {
    let mut r = json!({
        "AccessToken": t.access_token,
        "ExpiresIn": t.expires_in,
        "TokenType": "Bearer",
        "IdToken": t.id_token,
    });
    if let Some(rt) = t.refresh_token {
        r["RefreshToken"] = json!(rt);
    }
    r
}

/// The admin variants name the pool; the public ones find it from the client.
fn admin_pool(admin: bool, user_pool_id: Option<String>) -> Result<Option<String>, ApiError> {
    if !admin {
        return Ok(None);
    }
    user_pool_id.map(Some).ok_or_else(|| {
        ApiError::invalid(
            "1 validation error detected: Value null at 'userPoolId' failed to satisfy constraint: Member must not be null",
        )
    })
}

async fn initiate_auth(svc: &UserPools, input: Value, admin: bool) -> OpResult {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        user_pool_id: Option<String>,
        client_id: String,
        auth_flow: String,
        #[serde(default)]
        auth_parameters: BTreeMap<String, String>,
        #[serde(default)]
        client_metadata: BTreeMap<String, String>,
    }
    let i: In = parse(input)?;
    let pool_id = admin_pool(admin, i.user_pool_id)?;
    let o = svc
        .initiate_auth(AuthRequest {
            pool_id,
            client_id: i.client_id,
            flow: i.auth_flow,
            parameters: i.auth_parameters,
            client_metadata: i.client_metadata,
        })
        .await?;
    Ok(outcome(o))
}

async fn respond(svc: &UserPools, input: Value, admin: bool) -> OpResult {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        user_pool_id: Option<String>,
        client_id: String,
        challenge_name: String,
        session: Option<String>,
        #[serde(default)]
        challenge_responses: BTreeMap<String, String>,
        #[serde(default)]
        client_metadata: BTreeMap<String, String>,
    }
    let i: In = parse(input)?;
    let pool_id = admin_pool(admin, i.user_pool_id)?;
    let o = svc
        .respond_to_auth_challenge(ChallengeResponse {
            pool_id,
            client_id: i.client_id,
            challenge_name: i.challenge_name,
            session: i.session,
            responses: i.challenge_responses,
            client_metadata: i.client_metadata,
        })
        .await?;
    Ok(outcome(o))
}

async fn global_sign_out(svc: &UserPools, input: Value) -> OpResult {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        access_token: String,
    }
    let i: In = parse(input)?;
    svc.global_sign_out(&i.access_token).await?;
    Ok(json!({}))
}

async fn admin_user_global_sign_out(svc: &UserPools, input: Value) -> OpResult {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        user_pool_id: String,
        username: String,
    }
    let i: In = parse(input)?;
    svc.admin_user_global_sign_out(&i.user_pool_id, &i.username)
        .await?;
    Ok(json!({}))
}

async fn revoke_token(svc: &UserPools, input: Value) -> OpResult {
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        token: String,
        client_id: String,
        client_secret: Option<String>,
    }
    let i: In = parse(input)?;
    svc.revoke_token(&i.token, &i.client_id, i.client_secret.as_deref())
        .await?;
    Ok(json!({}))
}

async fn get_tokens_from_refresh_token(svc: &UserPools, input: Value) -> OpResult {
    /// DeviceKey is accepted and has no effect: this server does not
    /// remember devices. ClientMetadata reaches PreTokenGeneration.
    #[derive(Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct In {
        refresh_token: String,
        client_id: String,
        client_secret: Option<String>,
        #[serde(rename = "DeviceKey")]
        _device_key: Option<String>,
        #[serde(default)]
        client_metadata: BTreeMap<String, String>,
    }
    let i: In = parse(input)?;
    let tokens = svc
        .get_tokens_from_refresh_token(
            &i.client_id,
            &i.refresh_token,
            i.client_secret.as_deref(),
            &i.client_metadata,
        )
        .await?;
    Ok(json!({ "AuthenticationResult": authentication_result(tokens) }))
}
