//! Who may run a custom flow: unknown, disabled and unconfirmed users,
//! clients without the flow or with a secret, pools without the triggers.

use super::*;

#[tokio::test]
async fn an_unknown_user_runs_the_hooks_with_user_not_found_and_fails_at_the_end() {
    let (app, _, client) = setup(json!({"PreventUserExistenceErrors": "ENABLED"})).await;
    let challenge = initiate(&app, &client, "nobody").await.unwrap();
    assert_eq!(challenge["ChallengeName"], "CUSTOM_CHALLENGE");
    assert_eq!(challenge["ChallengeParameters"]["USERNAME"], "nobody");
    let (code, message) = respond(&app, &client, &challenge, SECRET)
        .await
        .unwrap_err();
    assert_eq!(code, "NotAuthorizedException");
    assert_eq!(message, "Incorrect username or password.");
    for target in [DEFINE, CREATE, VERIFY] {
        for event in app.hooks.events(target) {
            assert_eq!(event["userName"], "nobody");
            assert_eq!(event["request"]["userNotFound"], true, "{target}");
            assert_eq!(event["request"]["userAttributes"], json!({}), "{target}");
        }
    }
    assert_eq!(app.hooks.events(DEFINE).len(), 2);
}

#[tokio::test]
async fn an_unknown_user_is_user_not_found_when_existence_errors_are_not_prevented() {
    let (app, _, client) = setup(json!({"PreventUserExistenceErrors": "LEGACY"})).await;
    let (code, message) = initiate(&app, &client, "nobody").await.unwrap_err();
    assert_eq!(code, "UserNotFoundException");
    assert_eq!(message, "User does not exist.");
    assert!(app.hooks.sources().is_empty());
}

#[tokio::test]
async fn a_disabled_user_is_refused_before_any_challenge() {
    let (app, pool, client) = setup(json!({})).await;
    app.ok(
        "AdminDisableUser",
        json!({"UserPoolId": pool, "Username": "alice"}),
    )
    .await;
    let (code, message) = initiate(&app, &client, "alice").await.unwrap_err();
    assert_eq!(code, "NotAuthorizedException");
    assert_eq!(message, "User is disabled.");
    assert!(app.hooks.sources().is_empty());
}

#[tokio::test]
async fn an_unconfirmed_user_is_user_not_confirmed() {
    let (app, _, client) = setup(json!({})).await;
    app.ok(
        "SignUp",
        json!({"ClientId": client, "Username": "dave", "Password": PASSWORD}),
    )
    .await;
    let (code, message) = initiate(&app, &client, "dave").await.unwrap_err();
    assert_eq!(code, "UserNotConfirmedException");
    assert_eq!(message, "User is not confirmed.");
}

#[tokio::test]
async fn a_user_with_a_temporary_password_must_set_one_after_the_challenges() {
    let (app, pool, client) = setup(json!({})).await;
    app.ok(
        "AdminCreateUser",
        json!({"UserPoolId": pool, "Username": "carol", "TemporaryPassword": PASSWORD, "MessageAction": "SUPPRESS"}),
    )
    .await;
    let challenge = initiate(&app, &client, "carol").await.unwrap();
    let out = respond(&app, &client, &challenge, SECRET).await.unwrap();
    assert_eq!(out["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    assert!(out["Session"].is_string());
}

#[tokio::test]
async fn a_client_without_allow_custom_auth_is_refused() {
    let (app, pool, _) = setup(json!({})).await;
    let plain = app.client(&pool).await;
    let (code, message) = initiate(&app, &plain, "alice").await.unwrap_err();
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(message, "CUSTOM_AUTH flow not enabled for this client");
}

#[tokio::test]
async fn a_pool_without_define_auth_challenge_is_invalid_parameter() {
    let app = app().await;
    let pool = app.pool().await;
    let client = app
        .client_with(&pool, json!({"ExplicitAuthFlows": FLOWS}))
        .await;
    app.user(&pool, &client, "alice").await;
    let (code, message) = initiate(&app, &client, "alice").await.unwrap_err();
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(
        message,
        "Custom auth lambda trigger is not configured for the user pool."
    );
}

#[tokio::test]
async fn a_pool_without_create_auth_challenge_is_invalid_parameter_when_a_challenge_is_needed() {
    let app = app().await;
    let pool = app
        .pool_with(json!({"LambdaConfig": {"DefineAuthChallenge": DEFINE}}))
        .await;
    let client = app
        .client_with(&pool, json!({"ExplicitAuthFlows": FLOWS}))
        .await;
    app.user(&pool, &client, "alice").await;
    script_all(&app);
    let (code, message) = initiate(&app, &client, "alice").await.unwrap_err();
    assert_eq!(code, "InvalidParameterException");
    assert_eq!(
        message,
        "Custom auth lambda trigger is not configured for the user pool."
    );
}

#[tokio::test]
async fn a_client_with_a_secret_needs_the_secret_hash_on_every_call() {
    let app = app().await;
    let pool = app.pool_with(triggers()).await;
    let (client, secret) = app
        .client_with_secret(&pool, json!({"ExplicitAuthFlows": FLOWS}))
        .await;
    let plain = app.client(&pool).await;
    app.user(&pool, &plain, "alice").await;
    script_all(&app);
    let (code, message) = initiate(&app, &client, "alice").await.unwrap_err();
    assert_eq!(code, "NotAuthorizedException");
    assert!(
        message.contains("SECRET_HASH was not received"),
        "{message}"
    );
    let hash = cognate_tokens::secret_hash(&secret, "alice", &client);
    let challenge = app
        .ok(
            "InitiateAuth",
            json!({
                "ClientId": client,
                "AuthFlow": "CUSTOM_AUTH",
                "AuthParameters": {"USERNAME": "alice", "SECRET_HASH": hash},
            }),
        )
        .await;
    let answer = |session: &Value, hash: &str| {
        json!({
            "ClientId": client,
            "ChallengeName": "CUSTOM_CHALLENGE",
            "Session": session,
            "ChallengeResponses": {"USERNAME": "alice", "ANSWER": SECRET, "SECRET_HASH": hash},
        })
    };
    let message = app
        .err(
            "RespondToAuthChallenge",
            answer(&challenge["Session"], "bad"),
            "NotAuthorizedException",
        )
        .await;
    assert_eq!(
        message,
        format!("Unable to verify secret hash for client {client}")
    );
    let challenge = app
        .ok(
            "InitiateAuth",
            json!({
                "ClientId": client,
                "AuthFlow": "CUSTOM_AUTH",
                "AuthParameters": {"USERNAME": "alice", "SECRET_HASH": hash},
            }),
        )
        .await;
    let out = app
        .ok(
            "RespondToAuthChallenge",
            answer(&challenge["Session"], &hash),
        )
        .await;
    assert!(out["AuthenticationResult"]["IdToken"].is_string());
}

#[tokio::test]
async fn admin_initiate_and_respond_run_the_same_flow() {
    let (app, pool, client) = setup(json!({})).await;
    let challenge = app
        .ok(
            "AdminInitiateAuth",
            json!({
                "UserPoolId": pool,
                "ClientId": client,
                "AuthFlow": "CUSTOM_AUTH",
                "AuthParameters": {"USERNAME": "alice"},
            }),
        )
        .await;
    assert_eq!(challenge["ChallengeName"], "CUSTOM_CHALLENGE");
    let out = app
        .ok(
            "AdminRespondToAuthChallenge",
            json!({
                "UserPoolId": pool,
                "ClientId": client,
                "ChallengeName": "CUSTOM_CHALLENGE",
                "Session": challenge["Session"],
                "ChallengeResponses": {"USERNAME": "alice", "ANSWER": SECRET},
            }),
        )
        .await;
    assert!(out["AuthenticationResult"]["AccessToken"].is_string());
    assert_eq!(
        app.hooks.events(VERIFY)[0]["callerContext"]["clientId"],
        client
    );
}
