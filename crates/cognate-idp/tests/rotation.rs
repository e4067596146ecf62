//! GetTokensFromRefreshToken and the app client's RefreshTokenRotation.

mod common;

use common::{app, claims, App, PASSWORD};
use serde_json::{json, Value};

/// A pool, a client with `extra` settings and a signed-in user "alice";
/// returns (pool, client, AuthenticationResult).
async fn signed_in_with(app: &App, extra: Value) -> (String, String, Value) {
    let pool = app.pool().await;
    let client = app.client_with(&pool, extra).await;
    app.user(&pool, &client, "alice").await;
    let tokens = app.sign_in(&client, "alice", PASSWORD).await;
    (pool, client, tokens)
}

fn rotation(grace: i64) -> Value {
    json!({"RefreshTokenRotation": {"Feature": "ENABLED", "RetryGracePeriodSeconds": grace}})
}

fn refresh_token(tokens: &Value) -> String {
    tokens["RefreshToken"].as_str().unwrap().to_string()
}

/// Calls GetTokensFromRefreshToken; returns AuthenticationResult.
async fn get_tokens(app: &App, client: &str, token: &str) -> Value {
    app.ok(
        "GetTokensFromRefreshToken",
        json!({"ClientId": client, "RefreshToken": token}),
    )
    .await["AuthenticationResult"]
        .clone()
}

/// Calls GetTokensFromRefreshToken expecting NotAuthorizedException; returns the message.
async fn refused(app: &App, client: &str, token: &str) -> String {
    app.err(
        "GetTokensFromRefreshToken",
        json!({"ClientId": client, "RefreshToken": token}),
        "NotAuthorizedException",
    )
    .await
}

#[tokio::test]
async fn disabled_rotation_returns_new_id_and_access_tokens_and_no_refresh_token() {
    let app = app().await;
    let (_, client, tokens) = signed_in_with(&app, json!({})).await;
    let out = get_tokens(&app, &client, &refresh_token(&tokens)).await;
    assert!(out.get("RefreshToken").is_none());
    assert_eq!(out["TokenType"], "Bearer");
    assert_eq!(claims(out["IdToken"].as_str().unwrap())["token_use"], "id");
    let user = app
        .ok("GetUser", json!({"AccessToken": out["AccessToken"]}))
        .await;
    assert_eq!(user["Username"], "alice");
    // The same refresh token keeps working.
    get_tokens(&app, &client, &refresh_token(&tokens)).await;
}

#[tokio::test]
async fn explicitly_disabled_rotation_returns_no_refresh_token() {
    let app = app().await;
    let (_, client, tokens) = signed_in_with(
        &app,
        json!({"RefreshTokenRotation": {"Feature": "DISABLED"}}),
    )
    .await;
    let out = get_tokens(&app, &client, &refresh_token(&tokens)).await;
    assert!(out.get("RefreshToken").is_none());
}

#[tokio::test]
async fn enabled_rotation_returns_a_new_refresh_token_that_works() {
    let app = app().await;
    let (_, client, tokens) = signed_in_with(&app, rotation(10)).await;
    let first = refresh_token(&tokens);
    let out = get_tokens(&app, &client, &first).await;
    let second = refresh_token(&out);
    assert_ne!(second, first);
    let again = get_tokens(&app, &client, &second).await;
    let third = refresh_token(&again);
    assert_ne!(third, second);
    let user = app
        .ok("GetUser", json!({"AccessToken": again["AccessToken"]}))
        .await;
    assert_eq!(user["Username"], "alice");
}

#[tokio::test]
async fn rotated_out_token_works_within_the_grace_period_and_is_refused_after() {
    let app = app().await;
    let (_, client, tokens) = signed_in_with(&app, rotation(30)).await;
    let first = refresh_token(&tokens);
    let out = get_tokens(&app, &client, &first).await;
    app.clock.advance_secs(29);
    let retry = get_tokens(&app, &client, &first).await;
    assert_ne!(refresh_token(&retry), refresh_token(&out));
    app.clock.advance_secs(1);
    assert_eq!(
        refused(&app, &client, &first).await,
        "Invalid Refresh Token"
    );
    // The tokens issued by the rotation stay valid.
    get_tokens(&app, &client, &refresh_token(&out)).await;
    get_tokens(&app, &client, &refresh_token(&retry)).await;
}

#[tokio::test]
async fn grace_period_zero_refuses_the_rotated_out_token_at_once() {
    let app = app().await;
    let (_, client, tokens) = signed_in_with(&app, rotation(0)).await;
    let first = refresh_token(&tokens);
    let out = get_tokens(&app, &client, &first).await;
    assert_eq!(
        refused(&app, &client, &first).await,
        "Invalid Refresh Token"
    );
    get_tokens(&app, &client, &refresh_token(&out)).await;
}

#[tokio::test]
async fn rotation_keeps_origin_jti_and_auth_time_of_the_sign_in() {
    let app = app().await;
    let (_, client, tokens) = signed_in_with(&app, rotation(0)).await;
    let signed_in = claims(tokens["IdToken"].as_str().unwrap());
    app.clock.advance_secs(600);
    let once = get_tokens(&app, &client, &refresh_token(&tokens)).await;
    app.clock.advance_secs(600);
    let twice = get_tokens(&app, &client, &refresh_token(&once)).await;
    for out in [&once, &twice] {
        for token in ["IdToken", "AccessToken"] {
            let c = claims(out[token].as_str().unwrap());
            assert_eq!(c["origin_jti"], signed_in["origin_jti"]);
            assert_eq!(c["auth_time"], signed_in["auth_time"]);
        }
    }
    let iat = claims(twice["IdToken"].as_str().unwrap())["iat"]
        .as_i64()
        .unwrap();
    assert_eq!(iat, signed_in["iat"].as_i64().unwrap() + 1200);
}

#[tokio::test]
async fn client_secret_is_required_and_checked() {
    let app = app().await;
    let pool = app.pool().await;
    let (client, secret) = app.client_with_secret(&pool, json!({})).await;
    app.ok(
        "AdminCreateUser",
        json!({"UserPoolId": pool, "Username": "alice", "MessageAction": "SUPPRESS"}),
    )
    .await;
    app.ok(
        "AdminSetUserPassword",
        json!({"UserPoolId": pool, "Username": "alice", "Password": PASSWORD, "Permanent": true}),
    )
    .await;
    let signed_in = app
        .ok(
            "InitiateAuth",
            json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
                   "AuthParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD,
                       "SECRET_HASH": cognate_tokens::secret_hash(&secret, "alice", &client)}}),
        )
        .await;
    let token = refresh_token(&signed_in["AuthenticationResult"]);
    let missing = refused(&app, &client, &token).await;
    assert_eq!(
        missing,
        format!("Unable to verify secret for client {client}")
    );
    app.err(
        "GetTokensFromRefreshToken",
        json!({"ClientId": client, "RefreshToken": token, "ClientSecret": "wrong"}),
        "NotAuthorizedException",
    )
    .await;
    let out = app
        .ok(
            "GetTokensFromRefreshToken",
            json!({"ClientId": client, "RefreshToken": token, "ClientSecret": secret}),
        )
        .await;
    assert!(out["AuthenticationResult"]["AccessToken"].is_string());
}

#[tokio::test]
async fn revoking_a_rotated_token_revokes_the_whole_chain() {
    let app = app().await;
    let (_, client, tokens) = signed_in_with(&app, rotation(60)).await;
    let first = refresh_token(&tokens);
    let out = get_tokens(&app, &client, &first).await;
    let second = refresh_token(&out);
    app.ok("RevokeToken", json!({"ClientId": client, "Token": second}))
        .await;
    assert_eq!(
        refused(&app, &client, &second).await,
        "Refresh Token has been revoked"
    );
    assert_eq!(
        refused(&app, &client, &first).await,
        "Refresh Token has been revoked"
    );
    let msg = app
        .err(
            "GetUser",
            json!({"AccessToken": out["AccessToken"]}),
            "NotAuthorizedException",
        )
        .await;
    assert_eq!(msg, "Access Token has been revoked");
}

#[tokio::test]
async fn revoking_the_original_token_refuses_its_rotated_successor() {
    let app = app().await;
    let (_, client, tokens) = signed_in_with(&app, rotation(60)).await;
    let first = refresh_token(&tokens);
    let out = get_tokens(&app, &client, &first).await;
    app.ok("RevokeToken", json!({"ClientId": client, "Token": first}))
        .await;
    assert_eq!(
        refused(&app, &client, &refresh_token(&out)).await,
        "Refresh Token has been revoked"
    );
}

#[tokio::test]
async fn global_sign_out_revokes_rotated_tokens() {
    let app = app().await;
    let (_, client, tokens) = signed_in_with(&app, rotation(0)).await;
    let out = get_tokens(&app, &client, &refresh_token(&tokens)).await;
    app.ok("GlobalSignOut", json!({"AccessToken": out["AccessToken"]}))
        .await;
    assert_eq!(
        refused(&app, &client, &refresh_token(&out)).await,
        "Refresh Token has been revoked"
    );
}

#[tokio::test]
async fn unknown_expired_and_other_client_tokens_are_invalid() {
    let app = app().await;
    let (pool, client, tokens) = signed_in_with(&app, json!({})).await;
    assert_eq!(
        refused(&app, &client, "not-a-refresh-token").await,
        "Invalid Refresh Token"
    );
    let other = app.client(&pool).await;
    assert_eq!(
        refused(&app, &other, &refresh_token(&tokens)).await,
        "Invalid Refresh Token"
    );
    app.clock.advance_secs(30 * 86_400);
    assert_eq!(
        refused(&app, &client, &refresh_token(&tokens)).await,
        "Refresh Token has expired"
    );
}

#[tokio::test]
async fn disabled_user_is_refused() {
    let app = app().await;
    let (pool, client, tokens) = signed_in_with(&app, rotation(0)).await;
    app.ok(
        "AdminDisableUser",
        json!({"UserPoolId": pool, "Username": "alice"}),
    )
    .await;
    assert_eq!(
        refused(&app, &client, &refresh_token(&tokens)).await,
        "User is disabled."
    );
}

#[tokio::test]
async fn client_without_refresh_flow_is_invalid_parameter() {
    let app = app().await;
    let pool = app.pool().await;
    let client = app
        .client_with(
            &pool,
            json!({"ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"]}),
        )
        .await;
    app.user(&pool, &client, "alice").await;
    let tokens = app.sign_in(&client, "alice", PASSWORD).await;
    app.err(
        "GetTokensFromRefreshToken",
        json!({"ClientId": client, "RefreshToken": refresh_token(&tokens)}),
        "InvalidParameterException",
    )
    .await;
}

#[tokio::test]
async fn refresh_token_auth_is_invalid_parameter_when_rotation_is_enabled() {
    let app = app().await;
    let (_, client, tokens) = signed_in_with(&app, rotation(0)).await;
    let msg = app
        .err(
            "InitiateAuth",
            json!({"ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH",
                   "AuthParameters": {"REFRESH_TOKEN": refresh_token(&tokens)}}),
            "InvalidParameterException",
        )
        .await;
    assert!(msg.contains("GetTokensFromRefreshToken"), "{msg}");
}

#[tokio::test]
async fn refresh_token_auth_refuses_a_token_rotated_out_before_rotation_was_disabled() {
    let app = app().await;
    let (pool, client, tokens) = signed_in_with(&app, rotation(0)).await;
    let first = refresh_token(&tokens);
    let out = get_tokens(&app, &client, &first).await;
    app.ok(
        "UpdateUserPoolClient",
        json!({"UserPoolId": pool, "ClientId": client,
               "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]}),
    )
    .await;
    let auth = |token: &str| {
        json!({"ClientId": client, "AuthFlow": "REFRESH_TOKEN_AUTH",
               "AuthParameters": {"REFRESH_TOKEN": token}})
    };
    app.err("InitiateAuth", auth(&first), "NotAuthorizedException")
        .await;
    let refreshed = app.ok("InitiateAuth", auth(&refresh_token(&out))).await;
    let c = claims(
        refreshed["AuthenticationResult"]["IdToken"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(
        c["origin_jti"],
        claims(tokens["IdToken"].as_str().unwrap())["origin_jti"]
    );
}

#[tokio::test]
async fn describe_echoes_rotation_and_update_replaces_it() {
    let app = app().await;
    let pool = app.pool().await;
    let client = app.client_with(&pool, rotation(15)).await;
    let describe = || {
        app.ok(
            "DescribeUserPoolClient",
            json!({"UserPoolId": pool, "ClientId": client}),
        )
    };
    let described = describe().await;
    assert_eq!(
        described["UserPoolClient"]["RefreshTokenRotation"],
        json!({"Feature": "ENABLED", "RetryGracePeriodSeconds": 15})
    );
    app.ok(
        "UpdateUserPoolClient",
        json!({"UserPoolId": pool, "ClientId": client,
               "RefreshTokenRotation": {"Feature": "DISABLED"}}),
    )
    .await;
    let described = describe().await;
    assert_eq!(
        described["UserPoolClient"]["RefreshTokenRotation"],
        json!({"Feature": "DISABLED", "RetryGracePeriodSeconds": 0})
    );
    app.ok(
        "UpdateUserPoolClient",
        json!({"UserPoolId": pool, "ClientId": client}),
    )
    .await;
    let described = describe().await;
    assert!(described["UserPoolClient"]
        .get("RefreshTokenRotation")
        .is_none());
}

#[tokio::test]
async fn grace_period_outside_0_to_60_and_unknown_feature_are_invalid_parameter() {
    let app = app().await;
    let pool = app.pool().await;
    let create = |rotation: Value| json!({"UserPoolId": pool, "ClientName": "app", "RefreshTokenRotation": rotation});
    for bad in [
        json!({"Feature": "ENABLED", "RetryGracePeriodSeconds": 61}),
        json!({"Feature": "ENABLED", "RetryGracePeriodSeconds": -1}),
        json!({"Feature": "SOMETIMES"}),
        json!({"RetryGracePeriodSeconds": 5}),
    ] {
        app.err(
            "CreateUserPoolClient",
            create(bad),
            "InvalidParameterException",
        )
        .await;
    }
    let msg = app
        .err(
            "CreateUserPoolClient",
            create(json!({"Feature": "ENABLED", "RetryGracePeriodSeconds": 61})),
            "InvalidParameterException",
        )
        .await;
    assert!(msg.contains("retryGracePeriodSeconds"), "{msg}");
    app.ok(
        "CreateUserPoolClient",
        create(json!({"Feature": "ENABLED", "RetryGracePeriodSeconds": 60})),
    )
    .await;
}
