//! What a custom flow shares with the password flows: PreAuthentication,
//! PostAuthentication and the MFA challenge.

use cognate_core::clock::Clock;
use cognate_core::service::totp::{base32_decode, step_at, totp_code};

use super::srp::{initiate_srp, password_verifier};
use super::*;

const PRE: &str = "hook://pre-authentication";
const POST: &str = "hook://post-authentication";

/// A pool with the custom auth triggers plus PreAuthentication and PostAuthentication.
async fn setup_with_auth_triggers() -> (App, String, String) {
    let mut settings = triggers();
    settings["LambdaConfig"]["PreAuthentication"] = json!(PRE);
    settings["LambdaConfig"]["PostAuthentication"] = json!(POST);
    let (app, pool, client) = setup_pool(settings, json!({})).await;
    app.hooks.respond(PRE, json!({}));
    app.hooks.respond(POST, json!({}));
    (app, pool, client)
}

#[tokio::test]
async fn pre_authentication_runs_once_before_define_and_post_authentication_after_the_last_answer()
{
    let (app, pool, client) = setup_with_auth_triggers().await;
    let verifier = initiate_srp(&app, &client, "alice").await.unwrap();
    let challenge = app
        .ok(
            "RespondToAuthChallenge",
            password_verifier(&app, &pool, &client, &verifier, PASSWORD),
        )
        .await;
    respond(&app, &client, &challenge, SECRET).await.unwrap();
    assert_eq!(
        app.hooks.sources(),
        [
            "PreAuthentication_Authentication",
            "DefineAuthChallenge_Authentication",
            "DefineAuthChallenge_Authentication",
            "CreateAuthChallenge_Authentication",
            "VerifyAuthChallengeResponse_Authentication",
            "DefineAuthChallenge_Authentication",
            "PostAuthentication_Authentication",
        ]
    );
    let post = &app.hooks.events(POST)[0];
    assert_eq!(post["request"]["clientMetadata"], json!({"step": "answer"}));
}

#[tokio::test]
async fn pre_authentication_gets_the_initiate_metadata_as_validation_data() {
    let (app, _, client) = setup_with_auth_triggers().await;
    initiate(&app, &client, "alice").await.unwrap();
    let pre = &app.hooks.events(PRE)[0];
    assert_eq!(pre["userName"], "alice");
    assert_eq!(pre["request"]["validationData"], json!({"app": "test"}));
}

#[tokio::test]
async fn a_failing_pre_authentication_stops_the_flow_before_define() {
    let (app, _, client) = setup_with_auth_triggers().await;
    app.hooks.script(PRE, |_| {
        Err(HookError::Failed("outside office hours".into()))
    });
    let (code, message) = initiate(&app, &client, "alice").await.unwrap_err();
    assert_eq!(code, "UserLambdaValidationException");
    assert_eq!(
        message,
        "PreAuthentication failed with error outside office hours."
    );
    assert!(app.hooks.events(DEFINE).is_empty());
}

#[tokio::test]
async fn a_user_with_totp_gets_the_mfa_challenge_after_the_custom_challenge() {
    let (app, pool, client) = setup(json!({})).await;
    app.ok(
        "SetUserPoolMfaConfig",
        json!({
            "UserPoolId": pool,
            "SoftwareTokenMfaConfiguration": {"Enabled": true},
            "MfaConfiguration": "OPTIONAL",
        }),
    )
    .await;
    let access = app.sign_in(&client, "alice", PASSWORD).await["AccessToken"].clone();
    let associated = app
        .ok("AssociateSoftwareToken", json!({"AccessToken": access}))
        .await;
    let secret = base32_decode(associated["SecretCode"].as_str().unwrap()).unwrap();
    let code = |app: &App| totp_code(&secret, step_at(app.clock.now_ms() / 1000));
    app.ok(
        "VerifySoftwareToken",
        json!({"AccessToken": access, "UserCode": code(&app)}),
    )
    .await;
    app.ok(
        "SetUserMFAPreference",
        json!({"AccessToken": access, "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
    )
    .await;
    app.clock.advance_secs(30);
    let challenge = initiate(&app, &client, "alice").await.unwrap();
    let mfa = respond(&app, &client, &challenge, SECRET).await.unwrap();
    assert_eq!(mfa["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    let out = app
        .ok(
            "RespondToAuthChallenge",
            json!({
                "ClientId": client,
                "ChallengeName": "SOFTWARE_TOKEN_MFA",
                "Session": mfa["Session"],
                "ChallengeResponses": {"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": code(&app)},
            }),
        )
        .await;
    assert!(out["AuthenticationResult"]["IdToken"].is_string());
}
