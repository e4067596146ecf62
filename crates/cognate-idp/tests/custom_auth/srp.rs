//! CUSTOM_AUTH with an SRP password step first: SRP_A, then
//! PASSWORD_VERIFIER as USER_SRP_AUTH gives it, then DefineAuthChallenge again.

use cognate_core::clock::Clock;
use cognate_core::service::{format_timestamp, ClientChallenge, SrpClient};

use super::*;

fn srp_client() -> SrpClient {
    SrpClient::new(&[0x5a; 32])
}

/// The PASSWORD_VERIFIER response a client computes, with the challenge's Session.
pub(super) fn password_verifier(
    app: &App,
    pool: &str,
    client: &str,
    challenge: &Value,
    password: &str,
) -> Value {
    let p = &challenge["ChallengeParameters"];
    let user_id = p["USER_ID_FOR_SRP"].as_str().unwrap();
    let block = p["SECRET_BLOCK"].as_str().unwrap();
    let timestamp = format_timestamp(app.clock.now_ms());
    let signature = srp_client()
        .claim(
            pool,
            user_id,
            password,
            &ClientChallenge {
                salt_hex: p["SALT"].as_str().unwrap(),
                b_hex: p["SRP_B"].as_str().unwrap(),
                secret_block: block,
                timestamp: &timestamp,
            },
        )
        .unwrap();
    json!({
        "ClientId": client,
        "ChallengeName": "PASSWORD_VERIFIER",
        "Session": challenge["Session"],
        "ChallengeResponses": {
            "USERNAME": user_id,
            "PASSWORD_CLAIM_SECRET_BLOCK": block,
            "TIMESTAMP": timestamp,
            "PASSWORD_CLAIM_SIGNATURE": signature,
        },
        "ClientMetadata": {"step": "password"},
    })
}

pub(super) async fn initiate_srp(app: &App, client: &str, username: &str) -> CallResult {
    app.call(
        "InitiateAuth",
        json!({
            "ClientId": client,
            "AuthFlow": "CUSTOM_AUTH",
            "AuthParameters": {
                "USERNAME": username,
                "SRP_A": srp_client().a_hex(),
                "CHALLENGE_NAME": "SRP_A",
            },
        }),
    )
    .await
}

/// The `session` lists DefineAuthChallenge received, oldest call first.
// === SRP_A, PASSWORD_VERIFIER, then CUSTOM_CHALLENGE ===

#[tokio::test]
async fn srp_password_then_custom_challenge_returns_tokens() {
    let (app, pool, client) = setup(json!({})).await;
    let verifier = initiate_srp(&app, &client, "alice").await.unwrap();
    assert_eq!(verifier["ChallengeName"], "PASSWORD_VERIFIER");
    assert_eq!(verifier["ChallengeParameters"]["USER_ID_FOR_SRP"], "alice");
    assert!(verifier["Session"].is_string());
    let challenge = app
        .ok(
            "RespondToAuthChallenge",
            password_verifier(&app, &pool, &client, &verifier, PASSWORD),
        )
        .await;
    assert_eq!(challenge["ChallengeName"], "CUSTOM_CHALLENGE");
    let out = respond(&app, &client, &challenge, SECRET).await.unwrap();
    assert!(out["AuthenticationResult"]["IdToken"].is_string());
    let srp_a =
        json!({"challengeName": "SRP_A", "challengeResult": true, "challengeMetadata": null});
    let verified = json!({"challengeName": "PASSWORD_VERIFIER", "challengeResult": true, "challengeMetadata": null});
    let answered = json!({"challengeName": "CUSTOM_CHALLENGE", "challengeResult": true, "challengeMetadata": "NUMBER-3"});
    assert_eq!(
        define_sessions(&app),
        vec![
            json!([srp_a]),
            json!([srp_a, verified]),
            json!([srp_a, verified, answered]),
        ]
    );
    let after_password = &app.hooks.events(DEFINE)[1];
    assert_eq!(
        after_password["request"]["clientMetadata"],
        json!({"step": "password"})
    );
}

#[tokio::test]
async fn srp_with_a_wrong_password_fails_without_asking_define_again() {
    let (app, pool, client) = setup(json!({})).await;
    let verifier = initiate_srp(&app, &client, "alice").await.unwrap();
    let message = app
        .err(
            "RespondToAuthChallenge",
            password_verifier(&app, &pool, &client, &verifier, "Wr0ng-password!"),
            "NotAuthorizedException",
        )
        .await;
    assert_eq!(message, "Incorrect username or password.");
    assert_eq!(app.hooks.events(DEFINE).len(), 1);
}

#[tokio::test]
async fn a_custom_password_verifier_needs_its_session() {
    let (app, pool, client) = setup(json!({})).await;
    let verifier = initiate_srp(&app, &client, "alice").await.unwrap();
    let mut input = password_verifier(&app, &pool, &client, &verifier, PASSWORD);
    input.as_object_mut().unwrap().remove("Session");
    let message = app
        .err("RespondToAuthChallenge", input, "NotAuthorizedException")
        .await;
    assert_eq!(message, "Invalid session for the user.");
}

#[tokio::test]
async fn password_verifier_without_an_srp_a_step_is_invalid_parameter() {
    let (app, _, client) = setup(json!({})).await;
    app.hooks
        .respond(DEFINE, json!({"challengeName": "PASSWORD_VERIFIER"}));
    let (code, message) = initiate(&app, &client, "alice").await.unwrap_err();
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(message, "Missing required parameter SRP_A");
}

#[tokio::test]
async fn an_invalid_srp_a_is_refused_before_any_hook() {
    let (app, _, client) = setup(json!({})).await;
    let message = app
        .err(
            "InitiateAuth",
            json!({
                "ClientId": client,
                "AuthFlow": "CUSTOM_AUTH",
                "AuthParameters": {"USERNAME": "alice", "SRP_A": "0", "CHALLENGE_NAME": "SRP_A"},
            }),
            "InvalidParameterException",
        )
        .await;
    assert_eq!(message, "Invalid SRP_A");
    assert!(app.hooks.sources().is_empty());
}
