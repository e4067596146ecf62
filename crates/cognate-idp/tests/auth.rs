//! Sign-in, tokens, refresh, sign-out and revocation through the wire.

mod common;

use common::{app, claims, PASSWORD};
use serde_json::{json, Value};

async fn signed_in(app: &common::App) -> (String, String, Value) {
    let pool = app.pool().await;
    let client = app.client(&pool).await;
    app.user(&pool, &client, "alice").await;
    let tokens = app.sign_in(&client, "alice", PASSWORD).await;
    (pool, client, tokens)
}

#[tokio::test]
async fn sign_in_returns_bearer_tokens_expiring_in_an_hour() {
    let app = app().await;
    let (_, _, tokens) = signed_in(&app).await;
    assert_eq!(tokens["TokenType"], "Bearer");
    assert_eq!(tokens["ExpiresIn"], 3600);
    assert!(tokens["RefreshToken"].as_str().unwrap().len() >= 40);
}

#[tokio::test]
async fn id_and_access_tokens_carry_cognito_claims() {
    let app = app().await;
    let (pool, client, tokens) = signed_in(&app).await;
    let id = claims(tokens["IdToken"].as_str().unwrap());
    let access = claims(tokens["AccessToken"].as_str().unwrap());
    let iss = format!("http://cognate.test/{pool}");
    assert_eq!(id["iss"], iss.as_str());
    assert_eq!(id["aud"], client.as_str());
    assert_eq!(id["token_use"], "id");
    assert_eq!(id["cognito:username"], "alice");
    assert_eq!(id["email"], "alice@example.com");
    assert_eq!(id["email_verified"], false);
    assert_eq!(
        id["exp"].as_i64().unwrap() - id["iat"].as_i64().unwrap(),
        3600
    );
    assert!(id.get("cognito:groups").is_none());
    assert_eq!(access["token_use"], "access");
    assert_eq!(access["client_id"], client.as_str());
    assert_eq!(access["scope"], "aws.cognito.signin.user.admin");
    assert_eq!(access["username"], "alice");
    assert!(access.get("aud").is_none());
    assert_eq!(access["origin_jti"], id["origin_jti"]);
    assert_ne!(access["jti"], id["jti"]);
}

#[tokio::test]
async fn id_and_access_tokens_are_signed_by_different_keys_in_the_jwks() {
    let app = app().await;
    let (pool, _, tokens) = signed_in(&app).await;
    let (status, jwks) = app.get(&format!("/{pool}/.well-known/jwks.json")).await;
    assert_eq!(status, 200);
    let jwks: cognate_tokens::Jwks = serde_json::from_value(jwks).unwrap();
    assert_eq!(jwks.keys.len(), 2);
    let set = cognate_tokens::KeySet::from_jwks(&jwks).unwrap();
    let id = cognate_tokens::verify(tokens["IdToken"].as_str().unwrap(), &set).unwrap();
    let access = cognate_tokens::verify(tokens["AccessToken"].as_str().unwrap(), &set).unwrap();
    assert_ne!(id.header.kid, access.header.kid);
    assert_eq!(id.header.alg, "RS256");
}

#[tokio::test]
async fn openid_configuration_names_issuer_and_jwks_uri() {
    let app = app().await;
    let pool = app.pool().await;
    let (status, doc) = app
        .get(&format!("/{pool}/.well-known/openid-configuration"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(doc["issuer"], format!("http://cognate.test/{pool}"));
    assert_eq!(
        doc["jwks_uri"],
        format!("http://cognate.test/{pool}/.well-known/jwks.json")
    );
    let (status, _) = app.get("/us-east-1_nosuchpool/.well-known/jwks.json").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn wrong_password_is_incorrect_username_or_password() {
    let app = app().await;
    let (_, client, _) = signed_in(&app).await;
    let msg = app
        .err(
            "InitiateAuth",
            json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
                   "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Wrong-passw0rd"}}),
            "NotAuthorizedException",
        )
        .await;
    assert_eq!(msg, "Incorrect username or password.");
}

#[tokio::test]
async fn unknown_user_is_user_not_found_unless_existence_errors_are_prevented() {
    let app = app().await;
    let pool = app.pool().await;
    let legacy = app.client(&pool).await;
    let prevent = app
        .client_with(&pool, json!({"PreventUserExistenceErrors": "ENABLED"}))
        .await;
    let input = |c: &str| {
        json!({"ClientId": c, "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": "ghost", "PASSWORD": PASSWORD}})
    };
    app.err("InitiateAuth", input(&legacy), "UserNotFoundException")
        .await;
    let msg = app
        .err("InitiateAuth", input(&prevent), "NotAuthorizedException")
        .await;
    assert_eq!(msg, "Incorrect username or password.");
}

#[tokio::test]
async fn flow_not_enabled_for_client_is_invalid_parameter() {
    let app = app().await;
    let pool = app.pool().await;
    let client = app
        .client_with(
            &pool,
            json!({"ExplicitAuthFlows": ["ALLOW_REFRESH_TOKEN_AUTH"]}),
        )
        .await;
    let msg = app
        .err(
            "InitiateAuth",
            json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
                   "AuthParameters": {"USERNAME": "x", "PASSWORD": PASSWORD}}),
            "InvalidParameterException",
        )
        .await;
    assert_eq!(msg, "USER_PASSWORD_AUTH flow not enabled for this client");
}

#[tokio::test]
async fn expired_access_token_is_refused_by_get_user() {
    let app = app().await;
    let (_, _, tokens) = signed_in(&app).await;
    let input = json!({"AccessToken": tokens["AccessToken"]});
    app.ok("GetUser", input.clone()).await;
    app.clock.advance_secs(3600);
    let msg = app.err("GetUser", input, "NotAuthorizedException").await;
    assert_eq!(msg, "Access Token has expired");
}

#[tokio::test]
async fn id_token_is_not_an_access_token() {
    let app = app().await;
    let (_, _, tokens) = signed_in(&app).await;
    let msg = app
        .err(
            "GetUser",
            json!({"AccessToken": tokens["IdToken"]}),
            "NotAuthorizedException",
        )
        .await;
    assert_eq!(msg, "Invalid Access Token");
    app.err(
        "GetUser",
        json!({"AccessToken": "garbage"}),
        "NotAuthorizedException",
    )
    .await;
}

#[tokio::test]
async fn refresh_returns_new_tokens_keeping_auth_time_and_origin_jti() {
    let app = app().await;
    let (_, client, tokens) = signed_in(&app).await;
    app.clock.advance_secs(600);
    let out = app
        .ok(
            "InitiateAuth",
            json!({"ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH",
                   "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]}}),
        )
        .await;
    let fresh = &out["AuthenticationResult"];
    assert!(fresh.get("RefreshToken").is_none());
    let before = claims(tokens["IdToken"].as_str().unwrap());
    let after = claims(fresh["IdToken"].as_str().unwrap());
    assert_eq!(after["auth_time"], before["auth_time"]);
    assert_eq!(after["origin_jti"], before["origin_jti"]);
    assert_eq!(
        after["iat"].as_i64().unwrap(),
        before["iat"].as_i64().unwrap() + 600
    );
}

#[tokio::test]
async fn global_sign_out_revokes_access_and_refresh_tokens() {
    let app = app().await;
    let (_, client, tokens) = signed_in(&app).await;
    app.ok(
        "GlobalSignOut",
        json!({"AccessToken": tokens["AccessToken"]}),
    )
    .await;
    let msg = app
        .err(
            "GetUser",
            json!({"AccessToken": tokens["AccessToken"]}),
            "NotAuthorizedException",
        )
        .await;
    assert_eq!(msg, "Access Token has been revoked");
    let msg = app
        .err(
            "InitiateAuth",
            json!({"ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH",
                   "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]}}),
            "NotAuthorizedException",
        )
        .await;
    assert_eq!(msg, "Refresh Token has been revoked");
    // A new sign-in works and is not affected.
    let again = app.sign_in(&client, "alice", PASSWORD).await;
    app.ok("GetUser", json!({"AccessToken": again["AccessToken"]}))
        .await;
}

#[tokio::test]
async fn admin_user_global_sign_out_revokes_tokens() {
    let app = app().await;
    let (pool, _, tokens) = signed_in(&app).await;
    app.ok(
        "AdminUserGlobalSignOut",
        json!({"UserPoolId": pool, "Username": "alice"}),
    )
    .await;
    app.err(
        "GetUser",
        json!({"AccessToken": tokens["AccessToken"]}),
        "NotAuthorizedException",
    )
    .await;
}

#[tokio::test]
async fn revoke_token_revokes_refresh_and_its_access_tokens() {
    let app = app().await;
    let (_, client, tokens) = signed_in(&app).await;
    app.ok(
        "RevokeToken",
        json!({"Token": tokens["RefreshToken"], "ClientId": client}),
    )
    .await;
    app.err(
        "GetUser",
        json!({"AccessToken": tokens["AccessToken"]}),
        "NotAuthorizedException",
    )
    .await;
    app.err(
        "InitiateAuth",
        json!({"ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH",
               "AuthParameters": {"REFRESH_TOKEN": tokens["RefreshToken"]}}),
        "NotAuthorizedException",
    )
    .await;
}

#[tokio::test]
async fn client_with_secret_requires_a_valid_secret_hash() {
    let app = app().await;
    let pool = app.pool().await;
    let (client, secret) = app.client_with_secret(&pool, json!({})).await;
    let hash = cognate_tokens::secret_hash(&secret, "uma", &client);
    let sign_up = |h: Option<&str>| {
        let mut v = json!({"ClientId": client, "Username": "uma", "Password": PASSWORD});
        if let Some(h) = h {
            v["SecretHash"] = json!(h);
        }
        v
    };
    app.err("SignUp", sign_up(None), "NotAuthorizedException")
        .await;
    let msg = app
        .err(
            "SignUp",
            sign_up(Some("bm90IGl0")),
            "NotAuthorizedException",
        )
        .await;
    assert_eq!(
        msg,
        format!("Unable to verify secret hash for client {client}")
    );
    app.ok("SignUp", sign_up(Some(&hash))).await;
    app.ok(
        "AdminConfirmSignUp",
        json!({"UserPoolId": pool, "Username": "uma"}),
    )
    .await;
    let out = app
        .ok(
            "InitiateAuth",
            json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
                   "AuthParameters": {"USERNAME": "uma", "PASSWORD": PASSWORD, "SECRET_HASH": hash}}),
        )
        .await;
    assert!(out["AuthenticationResult"]["AccessToken"].is_string());
}

#[tokio::test]
async fn groups_appear_in_tokens_ordered_by_precedence() {
    let app = app().await;
    let pool = app.pool().await;
    let client = app.client(&pool).await;
    app.user(&pool, &client, "vic").await;
    for (g, p) in [("readers", 10), ("admins", 1)] {
        app.ok(
            "CreateGroup",
            json!({"UserPoolId": pool, "GroupName": g, "Precedence": p}),
        )
        .await;
        app.ok(
            "AdminAddUserToGroup",
            json!({"UserPoolId": pool, "Username": "vic", "GroupName": g}),
        )
        .await;
    }
    let tokens = app.sign_in(&client, "vic", PASSWORD).await;
    assert_eq!(
        claims(tokens["IdToken"].as_str().unwrap())["cognito:groups"],
        json!(["admins", "readers"])
    );
    assert_eq!(
        claims(tokens["AccessToken"].as_str().unwrap())["cognito:groups"],
        json!(["admins", "readers"])
    );
}

#[tokio::test]
async fn change_password_checks_the_previous_one() {
    let app = app().await;
    let (_, client, tokens) = signed_in(&app).await;
    app.err(
        "ChangePassword",
        json!({"AccessToken": tokens["AccessToken"], "PreviousPassword": "nope", "ProposedPassword": "An0ther-pass"}),
        "NotAuthorizedException",
    )
    .await;
    app.ok(
        "ChangePassword",
        json!({"AccessToken": tokens["AccessToken"], "PreviousPassword": PASSWORD, "ProposedPassword": "An0ther-pass"}),
    )
    .await;
    app.sign_in(&client, "alice", "An0ther-pass").await;
}

#[tokio::test]
async fn deleted_user_tokens_are_refused() {
    let app = app().await;
    let (_, _, tokens) = signed_in(&app).await;
    app.ok("DeleteUser", json!({"AccessToken": tokens["AccessToken"]}))
        .await;
    app.err(
        "GetUser",
        json!({"AccessToken": tokens["AccessToken"]}),
        "NotAuthorizedException",
    )
    .await;
}

#[tokio::test]
async fn revoking_an_access_token_is_unsupported_token_type() {
    let app = app().await;
    let (_, client, tokens) = signed_in(&app).await;
    app.err(
        "RevokeToken",
        json!({"Token": tokens["AccessToken"], "ClientId": client}),
        "UnsupportedTokenTypeException",
    )
    .await;
    app.ok("GetUser", json!({"AccessToken": tokens["AccessToken"]}))
        .await;
}

#[tokio::test]
async fn access_token_has_version_2() {
    let app = app().await;
    let (_, _, tokens) = signed_in(&app).await;
    assert_eq!(
        claims(tokens["AccessToken"].as_str().unwrap())["version"],
        2
    );
}

#[tokio::test]
async fn tampered_access_token_is_refused_even_after_the_original_was_accepted() {
    let app = app().await;
    let (_, _, tokens) = signed_in(&app).await;
    let token = tokens["AccessToken"].as_str().unwrap();
    app.ok("GetUser", json!({"AccessToken": token})).await;
    let mut parts: Vec<String> = token.split('.').map(String::from).collect();
    let mut payload = claims(token);
    payload["username"] = json!("mallory");
    use base64::Engine;
    parts[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload.to_string());
    let msg = app
        .err(
            "GetUser",
            json!({"AccessToken": parts.join(".")}),
            "NotAuthorizedException",
        )
        .await;
    assert_eq!(msg, "Invalid Access Token");
}
