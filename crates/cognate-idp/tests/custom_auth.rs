//! CUSTOM_AUTH over the wire: DefineAuthChallenge, CreateAuthChallenge and
//! VerifyAuthChallengeResponse drive the sign-in, with and without an SRP
//! password step first.

mod common;
#[path = "custom_auth/sign_in.rs"]
mod sign_in;
#[path = "custom_auth/srp.rs"]
mod srp;
#[path = "custom_auth/users.rs"]
mod users;

use cognate_core::service::HookError;
use common::{app, claims, App, CallResult, PASSWORD};
use serde_json::{json, Value};

const DEFINE: &str = "hook://define";
const CREATE: &str = "hook://create";
const VERIFY: &str = "hook://verify";

/// The secret answer; `.` is not a base64url character, so it cannot show
/// up in a sealed session by chance.
const SECRET: &str = "seven.seven";

const FLOWS: [&str; 4] = [
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
];

fn triggers() -> Value {
    json!({
        "LambdaConfig": {
            "DefineAuthChallenge": DEFINE,
            "CreateAuthChallenge": CREATE,
            "VerifyAuthChallengeResponse": VERIFY,
        }
    })
}

/// The answer a hook gives: the event with `response` replaced.
fn answer(event: &Value, response: Value) -> Result<Value, HookError> {
    let mut out = event.clone();
    out["response"] = response;
    Ok(out)
}

/// A typical DefineAuthChallenge: SRP_A -> PASSWORD_VERIFIER -> one
/// CUSTOM_CHALLENGE; a right answer issues tokens, two wrong ones fail.
fn define(event: &Value) -> Result<Value, HookError> {
    let session = event["request"]["session"].as_array().unwrap().clone();
    let last = session.last();
    let wrong = session
        .iter()
        .filter(|c| c["challengeName"] == "CUSTOM_CHALLENGE" && c["challengeResult"] == false)
        .count();
    let response = match last {
        Some(c) if c["challengeName"] == "SRP_A" => json!({"challengeName": "PASSWORD_VERIFIER"}),
        Some(c) if c["challengeResult"] == false && c["challengeName"] != "CUSTOM_CHALLENGE" => {
            json!({"failAuthentication": true})
        }
        Some(c) if c["challengeName"] == "CUSTOM_CHALLENGE" && c["challengeResult"] == true => {
            json!({"issueTokens": true, "failAuthentication": false})
        }
        _ if wrong >= 2 => json!({"issueTokens": false, "failAuthentication": true}),
        _ => json!({
            "challengeName": "CUSTOM_CHALLENGE",
            "issueTokens": false,
            "failAuthentication": false,
        }),
    };
    answer(event, response)
}

/// A CreateAuthChallenge asking for the secret number; the metadata
/// counts the challenges.
fn create(event: &Value) -> Result<Value, HookError> {
    let round = event["request"]["session"].as_array().unwrap().len() + 1;
    answer(
        event,
        json!({
            "publicChallengeParameters": {"question": "the secret number?"},
            "privateChallengeParameters": {"answer": SECRET},
            "challengeMetadata": format!("NUMBER-{round}"),
        }),
    )
}

fn verify(event: &Value) -> Result<Value, HookError> {
    let request = &event["request"];
    let correct = request["challengeAnswer"] == request["privateChallengeParameters"]["answer"];
    answer(event, json!({"answerCorrect": correct}))
}

fn script_all(app: &App) {
    app.hooks.script(DEFINE, define);
    app.hooks.script(CREATE, create);
    app.hooks.script(VERIFY, verify);
}

/// A pool with the three triggers scripted, a client allowing CUSTOM_AUTH
/// (plus `extra`), and a confirmed user "alice".
async fn setup(extra: Value) -> (App, String, String) {
    setup_pool(triggers(), extra).await
}

/// [`setup`] with the pool made from `pool_settings`.
async fn setup_pool(pool_settings: Value, extra: Value) -> (App, String, String) {
    let app = app().await;
    let pool = app.pool_with(pool_settings).await;
    let mut settings = json!({ "ExplicitAuthFlows": FLOWS });
    settings
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let client = app.client_with(&pool, settings).await;
    app.user(&pool, &client, "alice").await;
    script_all(&app);
    (app, pool, client)
}

async fn initiate(app: &App, client: &str, username: &str) -> CallResult {
    app.call(
        "InitiateAuth",
        json!({
            "ClientId": client,
            "AuthFlow": "CUSTOM_AUTH",
            "AuthParameters": {"USERNAME": username},
            "ClientMetadata": {"app": "test"},
        }),
    )
    .await
}

async fn respond(app: &App, client: &str, challenge: &Value, answer: &str) -> CallResult {
    app.call(
        "RespondToAuthChallenge",
        json!({
            "ClientId": client,
            "ChallengeName": "CUSTOM_CHALLENGE",
            "Session": challenge["Session"],
            "ChallengeResponses": {
                "USERNAME": challenge["ChallengeParameters"]["USERNAME"],
                "ANSWER": answer,
            },
            "ClientMetadata": {"step": "answer"},
        }),
    )
    .await
}

fn define_sessions(app: &App) -> Vec<Value> {
    app.hooks
        .events(DEFINE)
        .iter()
        .map(|e| e["request"]["session"].clone())
        .collect()
}

// === the custom challenge loop ===

#[tokio::test]
async fn custom_challenge_answered_right_returns_tokens() {
    let (app, _, client) = setup(json!({})).await;
    let challenge = initiate(&app, &client, "alice").await.unwrap();
    assert_eq!(challenge["ChallengeName"], "CUSTOM_CHALLENGE");
    assert_eq!(
        challenge["ChallengeParameters"],
        json!({"question": "the secret number?", "USERNAME": "alice"})
    );
    assert!(challenge["Session"].as_str().unwrap().len() >= 20);
    let out = respond(&app, &client, &challenge, SECRET).await.unwrap();
    let result = &out["AuthenticationResult"];
    assert!(result["RefreshToken"].as_str().is_some());
    let id = claims(result["IdToken"].as_str().unwrap());
    assert_eq!(id["cognito:username"], "alice");
    assert_eq!(id["email"], "alice@example.com");
}

#[tokio::test]
async fn define_sees_the_session_list_with_results_and_metadata() {
    let (app, _, client) = setup(json!({})).await;
    let first = initiate(&app, &client, "alice").await.unwrap();
    let second = respond(&app, &client, &first, "six").await.unwrap();
    respond(&app, &client, &second, SECRET).await.unwrap();
    assert_eq!(
        define_sessions(&app),
        vec![
            json!([]),
            json!([{"challengeName": "CUSTOM_CHALLENGE", "challengeResult": false, "challengeMetadata": "NUMBER-1"}]),
            json!([
                {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": false, "challengeMetadata": "NUMBER-1"},
                {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": true, "challengeMetadata": "NUMBER-2"},
            ]),
        ]
    );
}

#[tokio::test]
async fn trigger_events_carry_sources_attributes_metadata_and_user_found() {
    let (app, pool, client) = setup(json!({})).await;
    let challenge = initiate(&app, &client, "alice").await.unwrap();
    respond(&app, &client, &challenge, SECRET).await.unwrap();
    assert_eq!(
        app.hooks.sources(),
        [
            "DefineAuthChallenge_Authentication",
            "CreateAuthChallenge_Authentication",
            "VerifyAuthChallengeResponse_Authentication",
            "DefineAuthChallenge_Authentication",
        ]
    );
    let define = &app.hooks.events(DEFINE)[0];
    assert_eq!(define["userPoolId"], pool);
    assert_eq!(define["userName"], "alice");
    assert_eq!(define["callerContext"]["clientId"], client);
    assert_eq!(define["request"]["userNotFound"], false);
    assert_eq!(define["request"]["clientMetadata"], json!({"app": "test"}));
    assert_eq!(
        define["request"]["userAttributes"]["email"],
        "alice@example.com"
    );
    assert!(define["request"]["userAttributes"]["sub"].is_string());
    assert_eq!(
        define["request"]["userAttributes"]["cognito:user_status"],
        "CONFIRMED"
    );
    let create = &app.hooks.events(CREATE)[0];
    assert_eq!(create["request"]["challengeName"], "CUSTOM_CHALLENGE");
    assert_eq!(create["request"]["session"], json!([]));
    assert_eq!(create["request"]["userNotFound"], false);
    let verify = &app.hooks.events(VERIFY)[0];
    assert_eq!(
        verify["request"]["privateChallengeParameters"],
        json!({"answer": SECRET})
    );
    assert_eq!(verify["request"]["challengeAnswer"], SECRET);
    assert_eq!(
        verify["request"]["clientMetadata"],
        json!({"step": "answer"})
    );
    assert_eq!(verify["response"], json!({"answerCorrect": null}));
}

#[tokio::test]
async fn a_wrong_answer_gets_a_new_challenge_and_two_fail_the_sign_in() {
    let (app, _, client) = setup(json!({})).await;
    let first = initiate(&app, &client, "alice").await.unwrap();
    let second = respond(&app, &client, &first, "six").await.unwrap();
    assert_eq!(second["ChallengeName"], "CUSTOM_CHALLENGE");
    assert_ne!(second["Session"], first["Session"]);
    let (code, message) = respond(&app, &client, &second, "eight").await.unwrap_err();
    assert_eq!(code, "NotAuthorizedException");
    assert_eq!(message, "Incorrect username or password.");
}

#[tokio::test]
async fn private_challenge_parameters_never_reach_the_client() {
    let (app, _, client) = setup(json!({})).await;
    let challenge = initiate(&app, &client, "alice").await.unwrap();
    assert!(!challenge.to_string().contains(SECRET), "{challenge}");
    let again = respond(&app, &client, &challenge, "six").await.unwrap();
    assert!(!again.to_string().contains(SECRET), "{again}");
}

#[tokio::test]
async fn define_issuing_tokens_at_once_signs_in_without_a_challenge() {
    let (app, _, client) = setup(json!({})).await;
    app.hooks.respond(
        DEFINE,
        json!({"issueTokens": true, "failAuthentication": false}),
    );
    let out = initiate(&app, &client, "alice").await.unwrap();
    assert!(out["AuthenticationResult"]["AccessToken"].is_string());
    assert!(app.hooks.events(CREATE).is_empty());
}

#[tokio::test]
async fn fail_authentication_wins_over_issue_tokens() {
    let (app, _, client) = setup(json!({})).await;
    app.hooks.respond(
        DEFINE,
        json!({"issueTokens": true, "failAuthentication": true}),
    );
    let (code, message) = initiate(&app, &client, "alice").await.unwrap_err();
    assert_eq!(code, "NotAuthorizedException");
    assert_eq!(message, "Incorrect username or password.");
}

#[tokio::test]
async fn define_without_a_known_challenge_is_invalid_lambda_response() {
    let (app, _, client) = setup(json!({})).await;
    app.hooks
        .respond(DEFINE, json!({"challengeName": "SMOKE_SIGNALS"}));
    let (code, _) = initiate(&app, &client, "alice").await.unwrap_err();
    assert_eq!(code, "InvalidLambdaResponseException");
    app.hooks.respond(DEFINE, json!({}));
    let (code, _) = initiate(&app, &client, "alice").await.unwrap_err();
    assert_eq!(code, "InvalidLambdaResponseException");
}

#[tokio::test]
async fn a_failing_create_hook_is_user_lambda_validation() {
    let (app, _, client) = setup(json!({})).await;
    app.hooks.script(CREATE, |_| {
        Err(HookError::Failed("no phone on file".into()))
    });
    let (code, message) = initiate(&app, &client, "alice").await.unwrap_err();
    assert_eq!(code, "UserLambdaValidationException");
    assert_eq!(
        message,
        "CreateAuthChallenge failed with error no phone on file."
    );
}

#[tokio::test]
async fn the_loop_stops_after_thirty_challenges() {
    let (app, _, client) = setup(json!({})).await;
    app.hooks
        .respond(DEFINE, json!({"challengeName": "CUSTOM_CHALLENGE"}));
    let mut challenge = initiate(&app, &client, "alice").await.unwrap();
    for _ in 1..30 {
        challenge = respond(&app, &client, &challenge, "wrong").await.unwrap();
        assert_eq!(challenge["ChallengeName"], "CUSTOM_CHALLENGE");
    }
    let (code, message) = respond(&app, &client, &challenge, "wrong")
        .await
        .unwrap_err();
    assert_eq!(code, "NotAuthorizedException");
    assert_eq!(message, "Incorrect username or password.");
    let last = define_sessions(&app).pop().unwrap();
    assert_eq!(last.as_array().unwrap().len(), 30);
}

// === sessions ===

#[tokio::test]
async fn a_challenge_session_is_single_use() {
    let (app, _, client) = setup(json!({})).await;
    let challenge = initiate(&app, &client, "alice").await.unwrap();
    respond(&app, &client, &challenge, "six").await.unwrap();
    let (code, message) = respond(&app, &client, &challenge, SECRET)
        .await
        .unwrap_err();
    assert_eq!(code, "NotAuthorizedException");
    assert_eq!(
        message,
        "Invalid session for the user, session can only be used once."
    );
}

#[tokio::test]
async fn a_challenge_session_expires_after_the_auth_session_validity() {
    let (app, _, client) = setup(json!({"AuthSessionValidity": 5})).await;
    let challenge = initiate(&app, &client, "alice").await.unwrap();
    app.clock.advance_secs(5 * 60);
    let (code, message) = respond(&app, &client, &challenge, SECRET)
        .await
        .unwrap_err();
    assert_eq!(code, "NotAuthorizedException");
    assert_eq!(message, "Invalid session for the user, session is expired.");
    assert!(app.hooks.events(VERIFY).is_empty());
}

#[tokio::test]
async fn a_session_answered_for_another_user_is_refused() {
    let (app, pool, client) = setup(json!({})).await;
    app.user(&pool, &client, "bob").await;
    let challenge = initiate(&app, &client, "alice").await.unwrap();
    let mut forged = challenge.clone();
    forged["ChallengeParameters"]["USERNAME"] = json!("bob");
    let (code, message) = respond(&app, &client, &forged, SECRET).await.unwrap_err();
    assert_eq!(code, "NotAuthorizedException");
    assert_eq!(message, "Invalid session for the user.");
}

#[tokio::test]
async fn a_password_challenge_session_does_not_answer_a_custom_challenge() {
    let (app, pool, client) = setup(json!({})).await;
    app.ok(
        "AdminCreateUser",
        json!({"UserPoolId": pool, "Username": "carol", "TemporaryPassword": PASSWORD, "MessageAction": "SUPPRESS"}),
    )
    .await;
    let out = app
        .ok(
            "InitiateAuth",
            json!({
                "ClientId": client,
                "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": "carol", "PASSWORD": PASSWORD},
            }),
        )
        .await;
    assert_eq!(out["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    let mut forged = out.clone();
    forged["ChallengeParameters"]["USERNAME"] = json!("carol");
    let (code, message) = respond(&app, &client, &forged, SECRET).await.unwrap_err();
    assert_eq!(code, "NotAuthorizedException");
    assert_eq!(message, "Invalid session for the user.");
}
