//! The sign-in triggers over the wire: PreAuthentication, PostAuthentication
//! and PreTokenGeneration (versions 1 and 2), with the events they receive
//! and what their answers do to the sign-in and to the tokens' claims.

mod common;

use cognate_core::clock::Clock;
use cognate_core::service::totp::{base32_decode, step_at, totp_code};
use cognate_core::service::{format_timestamp, ClientChallenge, HookError, SrpClient};
use common::{app, claims, App, CallResult, PASSWORD};
use serde_json::{json, Value};

const PRE_AUTH: &str = "hook://pre-authentication";
const POST_AUTH: &str = "hook://post-authentication";
const PRE_TOKEN: &str = "hook://pre-token-generation";

const FLOWS: [&str; 4] = [
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
];

struct Setup {
    app: App,
    pool: String,
    client: String,
}

/// A pool with `lambda` as its LambdaConfig, a client allowing password,
/// SRP and refresh flows (plus `client_extra`), and a confirmed user "alice".
async fn setup_with(lambda: Value, client_extra: Value) -> Setup {
    let app = app().await;
    let pool = app.pool_with(json!({ "LambdaConfig": lambda })).await;
    let mut settings = json!({ "ExplicitAuthFlows": FLOWS });
    settings
        .as_object_mut()
        .unwrap()
        .extend(client_extra.as_object().unwrap().clone());
    let client = app.client_with(&pool, settings).await;
    app.user(&pool, &client, "alice").await;
    Setup { app, pool, client }
}

async fn setup(lambda: Value) -> Setup {
    setup_with(lambda, json!({})).await
}

/// Makes `target` answer with `response` unchanged: the hook accepts.
fn accept(app: &App, target: &str) {
    app.hooks.script(target, |event| Ok(event.clone()));
}

fn fail(app: &App, target: &str, message: &'static str) {
    app.hooks
        .script(target, move |_| Err(HookError::Failed(message.into())));
}

/// USER_PASSWORD_AUTH with ClientMetadata.
async fn password_sign_in(
    s: &Setup,
    username: &str,
    password: &str,
    metadata: Value,
) -> CallResult {
    s.app
        .call(
            "InitiateAuth",
            json!({
                "ClientId": s.client,
                "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": username, "PASSWORD": password},
                "ClientMetadata": metadata,
            }),
        )
        .await
}

/// USER_SRP_AUTH, then PASSWORD_VERIFIER with `password` and ClientMetadata.
async fn srp_sign_in(s: &Setup, username: &str, password: &str, metadata: Value) -> CallResult {
    let srp = SrpClient::new(&[0x5a; 32]);
    let challenge = s
        .app
        .call(
            "InitiateAuth",
            json!({
                "ClientId": s.client,
                "AuthFlow": "USER_SRP_AUTH",
                "AuthParameters": {"USERNAME": username, "SRP_A": srp.a_hex()},
            }),
        )
        .await?;
    let p = &challenge["ChallengeParameters"];
    let user_id = p["USER_ID_FOR_SRP"].as_str().unwrap();
    let block = p["SECRET_BLOCK"].as_str().unwrap();
    let timestamp = format_timestamp(s.app.clock.now_ms());
    let signature = srp
        .claim(
            &s.pool,
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
    s.app
        .call(
            "RespondToAuthChallenge",
            json!({
                "ClientId": s.client,
                "ChallengeName": "PASSWORD_VERIFIER",
                "ChallengeResponses": {
                    "USERNAME": user_id,
                    "PASSWORD_CLAIM_SECRET_BLOCK": block,
                    "TIMESTAMP": timestamp,
                    "PASSWORD_CLAIM_SIGNATURE": signature,
                },
                "ClientMetadata": metadata,
            }),
        )
        .await
}

fn token_claims(out: &Value, token: &str) -> Value {
    claims(out["AuthenticationResult"][token].as_str().unwrap())
}

fn assert_lambda_error(result: CallResult, code: &str, message: &str) {
    let (c, m) = result.expect_err("the call fails");
    assert_eq!((c.as_str(), m.as_str()), (code, message));
}

// === PreAuthentication ===

#[tokio::test]
async fn pre_authentication_gets_the_users_attributes_and_client_metadata_as_validation_data() {
    let s = setup(json!({ "PreAuthentication": PRE_AUTH })).await;
    accept(&s.app, PRE_AUTH);
    password_sign_in(&s, "alice", PASSWORD, json!({"app": "web"}))
        .await
        .unwrap();
    let events = s.app.hooks.events(PRE_AUTH);
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e["triggerSource"], "PreAuthentication_Authentication");
    assert_eq!(e["version"], "1");
    assert_eq!(e["userName"], "alice");
    assert_eq!(e["userPoolId"], s.pool);
    assert_eq!(e["callerContext"]["clientId"], s.client);
    let r = &e["request"];
    assert_eq!(r["userAttributes"]["email"], "alice@example.com");
    assert_eq!(r["userAttributes"]["cognito:user_status"], "CONFIRMED");
    assert!(r["userAttributes"]["sub"].is_string());
    assert_eq!(r["validationData"], json!({"app": "web"}));
    assert_eq!(r["userNotFound"], false);
}

#[tokio::test]
async fn pre_authentication_failure_refuses_the_sign_in_with_its_message() {
    let s = setup(json!({ "PreAuthentication": PRE_AUTH })).await;
    fail(&s.app, PRE_AUTH, "not today");
    assert_lambda_error(
        password_sign_in(&s, "alice", PASSWORD, json!({})).await,
        "UserLambdaValidationException",
        "PreAuthentication failed with error not today.",
    );
}

#[tokio::test]
async fn pre_authentication_runs_before_the_password_is_checked_and_a_refusal_is_no_failed_password(
) {
    let s = setup(json!({ "PreAuthentication": PRE_AUTH })).await;
    fail(&s.app, PRE_AUTH, "blocked");
    for _ in 0..6 {
        assert_lambda_error(
            password_sign_in(&s, "alice", "Wrong-passw0rd", json!({})).await,
            "UserLambdaValidationException",
            "PreAuthentication failed with error blocked.",
        );
    }
    // Six refusals, none counted: the account is not locked.
    accept(&s.app, PRE_AUTH);
    password_sign_in(&s, "alice", PASSWORD, json!({}))
        .await
        .unwrap();
}

#[tokio::test]
async fn pre_authentication_for_an_unknown_user_runs_with_user_not_found_when_existence_errors_are_prevented(
) {
    let s = setup_with(
        json!({ "PreAuthentication": PRE_AUTH }),
        json!({ "PreventUserExistenceErrors": "ENABLED" }),
    )
    .await;
    accept(&s.app, PRE_AUTH);
    assert_lambda_error(
        password_sign_in(&s, "nobody", PASSWORD, json!({})).await,
        "NotAuthorizedException",
        "Incorrect username or password.",
    );
    let events = s.app.hooks.events(PRE_AUTH);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["userName"], "nobody");
    assert_eq!(events[0]["request"]["userNotFound"], true);
    assert_eq!(events[0]["request"]["userAttributes"], json!({}));
}

#[tokio::test]
async fn pre_authentication_is_not_run_for_an_unknown_user_when_existence_errors_are_not_prevented()
{
    let s = setup_with(
        json!({ "PreAuthentication": PRE_AUTH }),
        json!({ "PreventUserExistenceErrors": "LEGACY" }),
    )
    .await;
    accept(&s.app, PRE_AUTH);
    let (code, _) = password_sign_in(&s, "nobody", PASSWORD, json!({}))
        .await
        .unwrap_err();
    assert_eq!(code, "UserNotFoundException");
    assert!(s.app.hooks.events(PRE_AUTH).is_empty());
}

#[tokio::test]
async fn pre_authentication_runs_at_the_srp_password_verifier_before_the_proof_is_checked() {
    let s = setup(json!({ "PreAuthentication": PRE_AUTH })).await;
    fail(&s.app, PRE_AUTH, "blocked");
    // A wrong password: the hook's refusal comes first.
    assert_lambda_error(
        srp_sign_in(&s, "alice", "Wrong-passw0rd", json!({"k": "v"})).await,
        "UserLambdaValidationException",
        "PreAuthentication failed with error blocked.",
    );
    let events = s.app.hooks.events(PRE_AUTH);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["request"]["validationData"], json!({"k": "v"}));
}

#[tokio::test]
async fn pre_authentication_runs_for_admin_user_password_auth() {
    let s = setup(json!({ "PreAuthentication": PRE_AUTH })).await;
    fail(&s.app, PRE_AUTH, "admins too");
    let out = s
        .app
        .call(
            "AdminInitiateAuth",
            json!({
                "UserPoolId": s.pool,
                "ClientId": s.client,
                "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD},
            }),
        )
        .await;
    assert_lambda_error(
        out,
        "UserLambdaValidationException",
        "PreAuthentication failed with error admins too.",
    );
}

// === PostAuthentication ===

#[tokio::test]
async fn post_authentication_after_srp_sign_in_gets_attributes_and_client_metadata() {
    let s = setup(json!({ "PostAuthentication": POST_AUTH })).await;
    accept(&s.app, POST_AUTH);
    let out = srp_sign_in(&s, "alice", PASSWORD, json!({"device": "tv"}))
        .await
        .unwrap();
    assert!(out["AuthenticationResult"]["IdToken"].is_string());
    let events = s.app.hooks.events(POST_AUTH);
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e["triggerSource"], "PostAuthentication_Authentication");
    assert_eq!(e["userName"], "alice");
    assert_eq!(e["request"]["userAttributes"]["email"], "alice@example.com");
    assert_eq!(e["request"]["newDeviceUsed"], false);
    assert_eq!(e["request"]["clientMetadata"], json!({"device": "tv"}));
}

#[tokio::test]
async fn post_authentication_failure_means_no_tokens() {
    let s = setup(json!({ "PostAuthentication": POST_AUTH })).await;
    fail(&s.app, POST_AUTH, "audit down");
    assert_lambda_error(
        password_sign_in(&s, "alice", PASSWORD, json!({})).await,
        "UserLambdaValidationException",
        "PostAuthentication failed with error audit down.",
    );
}

#[tokio::test]
async fn post_authentication_is_not_run_for_a_wrong_password_nor_on_refresh() {
    let s = setup(json!({ "PostAuthentication": POST_AUTH })).await;
    accept(&s.app, POST_AUTH);
    password_sign_in(&s, "alice", "Wrong-passw0rd", json!({}))
        .await
        .unwrap_err();
    let out = password_sign_in(&s, "alice", PASSWORD, json!({}))
        .await
        .unwrap();
    s.app
        .ok(
            "InitiateAuth",
            json!({
                "ClientId": s.client,
                "AuthFlow": "REFRESH_TOKEN_AUTH",
                "AuthParameters": {"REFRESH_TOKEN": out["AuthenticationResult"]["RefreshToken"]},
            }),
        )
        .await;
    assert_eq!(s.app.hooks.events(POST_AUTH).len(), 1);
}

#[tokio::test]
async fn post_authentication_runs_after_the_mfa_challenge_not_before() {
    let s = setup(json!({})).await;
    let app = &s.app;
    app.ok(
        "SetUserPoolMfaConfig",
        json!({
            "UserPoolId": s.pool,
            "SoftwareTokenMfaConfiguration": {"Enabled": true},
            "MfaConfiguration": "OPTIONAL",
        }),
    )
    .await;
    let access = app.sign_in(&s.client, "alice", PASSWORD).await["AccessToken"].clone();
    let secret = app
        .ok("AssociateSoftwareToken", json!({"AccessToken": access}))
        .await["SecretCode"]
        .as_str()
        .map(|c| base32_decode(c).unwrap())
        .unwrap();
    let code = |offset: i64| totp_code(&secret, step_at(app.clock.now_ms() / 1000) + offset);
    app.ok(
        "VerifySoftwareToken",
        json!({"AccessToken": access, "UserCode": code(0)}),
    )
    .await;
    app.ok(
        "SetUserMFAPreference",
        json!({"AccessToken": access, "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
    )
    .await;
    app.ok(
        "UpdateUserPool",
        json!({
            "UserPoolId": s.pool,
            "MfaConfiguration": "OPTIONAL",
            "LambdaConfig": {"PostAuthentication": POST_AUTH},
        }),
    )
    .await;
    accept(app, POST_AUTH);
    app.clock.advance_secs(30);

    let challenge = password_sign_in(&s, "alice", PASSWORD, json!({}))
        .await
        .unwrap();
    assert_eq!(challenge["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    assert!(app.hooks.events(POST_AUTH).is_empty());
    app.ok(
        "RespondToAuthChallenge",
        json!({
            "ClientId": s.client,
            "ChallengeName": "SOFTWARE_TOKEN_MFA",
            "Session": challenge["Session"],
            "ChallengeResponses": {"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": code(0)},
            "ClientMetadata": {"step": "mfa"},
        }),
    )
    .await;
    let events = app.hooks.events(POST_AUTH);
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0]["request"]["clientMetadata"],
        json!({"step": "mfa"})
    );
}

// === PreTokenGeneration, version 1 ===

/// Makes PreTokenGeneration answer with `details` as the response member
/// its version reads.
fn token_answer(app: &App, member: &'static str, details: Value) {
    app.hooks.respond(PRE_TOKEN, json!({ member: details }));
}

#[tokio::test]
async fn pre_token_generation_v1_adds_overrides_and_suppresses_id_token_claims_only() {
    let s = setup(json!({ "PreTokenGeneration": PRE_TOKEN })).await;
    token_answer(
        &s.app,
        "claimsOverrideDetails",
        json!({
            "claimsToAddOrOverride": {"tenant": "acme", "email": "other@example.com"},
            "claimsToSuppress": ["email_verified"],
        }),
    );
    let out = password_sign_in(&s, "alice", PASSWORD, json!({}))
        .await
        .unwrap();
    let id = token_claims(&out, "IdToken");
    assert_eq!(id["tenant"], "acme");
    assert_eq!(id["email"], "other@example.com");
    assert!(id.get("email_verified").is_none());
    let access = token_claims(&out, "AccessToken");
    assert!(access.get("tenant").is_none());
}

#[tokio::test]
async fn pre_token_generation_v1_event_has_attributes_groups_roles_and_client_metadata() {
    let s = setup(json!({ "PreTokenGeneration": PRE_TOKEN })).await;
    for (name, precedence, role) in [
        ("admins", 1, "arn:aws:iam::123456789012:role/admin"),
        ("staff", 5, "arn:aws:iam::123456789012:role/staff"),
    ] {
        s.app
            .ok(
                "CreateGroup",
                json!({"UserPoolId": s.pool, "GroupName": name, "Precedence": precedence, "RoleArn": role}),
            )
            .await;
        s.app
            .ok(
                "AdminAddUserToGroup",
                json!({"UserPoolId": s.pool, "Username": "alice", "GroupName": name}),
            )
            .await;
    }
    accept(&s.app, PRE_TOKEN);
    let out = password_sign_in(&s, "alice", PASSWORD, json!({"plan": "gold"}))
        .await
        .unwrap();
    let e = &s.app.hooks.events(PRE_TOKEN)[0];
    assert_eq!(e["version"], "1");
    assert_eq!(e["triggerSource"], "TokenGeneration_Authentication");
    assert_eq!(e["request"]["userAttributes"]["email"], "alice@example.com");
    assert_eq!(
        e["request"]["groupConfiguration"],
        json!({
            "groupsToOverride": ["admins", "staff"],
            "iamRolesToOverride": [
                "arn:aws:iam::123456789012:role/admin",
                "arn:aws:iam::123456789012:role/staff"
            ],
            "preferredRole": "arn:aws:iam::123456789012:role/admin",
        })
    );
    assert_eq!(e["request"]["clientMetadata"], json!({"plan": "gold"}));
    assert!(e["request"].get("scopes").is_none());
    assert_eq!(e["response"], json!({"claimsOverrideDetails": null}));
    // Unchanged, the ID token carries the groups' roles.
    let id = token_claims(&out, "IdToken");
    assert_eq!(id["cognito:groups"], json!(["admins", "staff"]));
    assert_eq!(
        id["cognito:preferred_role"],
        "arn:aws:iam::123456789012:role/admin"
    );
    assert_eq!(id["cognito:roles"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn pre_token_generation_v1_group_override_changes_groups_in_both_tokens_and_roles_in_the_id_token(
) {
    let s = setup(json!({ "PreTokenGeneration": PRE_TOKEN })).await;
    token_answer(
        &s.app,
        "claimsOverrideDetails",
        json!({
            "groupOverrideDetails": {
                "groupsToOverride": ["readers", "writers"],
                "iamRolesToOverride": ["arn:aws:iam::123456789012:role/reader"],
                "preferredRole": "arn:aws:iam::123456789012:role/reader",
            },
        }),
    );
    let out = password_sign_in(&s, "alice", PASSWORD, json!({}))
        .await
        .unwrap();
    let id = token_claims(&out, "IdToken");
    let access = token_claims(&out, "AccessToken");
    assert_eq!(id["cognito:groups"], json!(["readers", "writers"]));
    assert_eq!(access["cognito:groups"], json!(["readers", "writers"]));
    assert_eq!(
        id["cognito:roles"],
        json!(["arn:aws:iam::123456789012:role/reader"])
    );
    assert_eq!(
        id["cognito:preferred_role"],
        "arn:aws:iam::123456789012:role/reader"
    );
    assert!(access.get("cognito:roles").is_none());
}

#[tokio::test]
async fn pre_token_generation_keeps_the_claims_cognito_does_not_let_change() {
    let s = setup(json!({ "PreTokenGeneration": PRE_TOKEN })).await;
    token_answer(
        &s.app,
        "claimsOverrideDetails",
        json!({
            "claimsToAddOrOverride": {
                "sub": "forged", "iss": "https://evil", "aud": "other", "token_use": "access",
                "cognito:username": "mallory", "exp": "9999999999", "auth_time": "1",
            },
            "claimsToSuppress": ["iat", "jti", "origin_jti", "event_id", "cognito:username"],
        }),
    );
    let out = password_sign_in(&s, "alice", PASSWORD, json!({}))
        .await
        .unwrap();
    let id = token_claims(&out, "IdToken");
    assert_ne!(id["sub"], "forged");
    assert_eq!(id["aud"], s.client);
    assert_eq!(id["token_use"], "id");
    assert_eq!(id["cognito:username"], "alice");
    assert!(id["iss"].as_str().unwrap().ends_with(&s.pool));
    assert!(id["exp"].is_i64() && id["auth_time"].is_i64());
    for kept in ["iat", "jti", "origin_jti", "event_id"] {
        assert!(id.get(kept).is_some(), "{kept} was suppressed");
    }
    // The token still works.
    let access = out["AuthenticationResult"]["AccessToken"].as_str().unwrap();
    s.app.ok("GetUser", json!({"AccessToken": access})).await;
}

#[tokio::test]
async fn pre_token_generation_v1_sets_claim_values_that_are_not_strings_as_text() {
    let s = setup(json!({ "PreTokenGeneration": PRE_TOKEN })).await;
    token_answer(
        &s.app,
        "claimsOverrideDetails",
        json!({"claimsToAddOrOverride": {"level": 3, "beta": true}}),
    );
    let out = password_sign_in(&s, "alice", PASSWORD, json!({}))
        .await
        .unwrap();
    let id = token_claims(&out, "IdToken");
    assert_eq!(id["level"], "3");
    assert_eq!(id["beta"], "true");
}

#[tokio::test]
async fn pre_token_generation_failure_means_no_tokens() {
    let s = setup(json!({ "PreTokenGeneration": PRE_TOKEN })).await;
    fail(&s.app, PRE_TOKEN, "no claims for you");
    assert_lambda_error(
        password_sign_in(&s, "alice", PASSWORD, json!({})).await,
        "UserLambdaValidationException",
        "PreTokenGeneration failed with error no claims for you.",
    );
}

#[tokio::test]
async fn pre_token_generation_answer_of_the_wrong_shape_is_an_invalid_lambda_response() {
    let s = setup(json!({ "PreTokenGeneration": PRE_TOKEN })).await;
    token_answer(
        &s.app,
        "claimsOverrideDetails",
        json!({"claimsToSuppress": "email"}),
    );
    assert_lambda_error(
        password_sign_in(&s, "alice", PASSWORD, json!({})).await,
        "InvalidLambdaResponseException",
        "Unrecognizable lambda output",
    );
}

#[tokio::test]
async fn pre_token_generation_runs_on_refresh_with_the_refresh_source() {
    let s = setup(json!({ "PreTokenGeneration": PRE_TOKEN })).await;
    token_answer(
        &s.app,
        "claimsOverrideDetails",
        json!({"claimsToAddOrOverride": {"tenant": "acme"}}),
    );
    let out = password_sign_in(&s, "alice", PASSWORD, json!({}))
        .await
        .unwrap();
    let refresh_token = out["AuthenticationResult"]["RefreshToken"].clone();
    let refreshed = s
        .app
        .ok(
            "InitiateAuth",
            json!({
                "ClientId": s.client,
                "AuthFlow": "REFRESH_TOKEN_AUTH",
                "AuthParameters": {"REFRESH_TOKEN": refresh_token},
                "ClientMetadata": {"why": "refresh"},
            }),
        )
        .await;
    assert_eq!(token_claims(&refreshed, "IdToken")["tenant"], "acme");
    let rotated = s
        .app
        .ok(
            "GetTokensFromRefreshToken",
            json!({"ClientId": s.client, "RefreshToken": refresh_token}),
        )
        .await;
    assert_eq!(token_claims(&rotated, "IdToken")["tenant"], "acme");
    let events = s.app.hooks.events(PRE_TOKEN);
    let sources: Vec<&str> = events
        .iter()
        .map(|e| e["triggerSource"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources,
        [
            "TokenGeneration_Authentication",
            "TokenGeneration_RefreshTokens",
            "TokenGeneration_RefreshTokens"
        ]
    );
    assert_eq!(
        events[1]["request"]["clientMetadata"],
        json!({"why": "refresh"})
    );
}

#[tokio::test]
async fn pre_token_generation_after_new_password_required_has_the_new_password_source() {
    let s = setup(json!({ "PreTokenGeneration": PRE_TOKEN })).await;
    accept(&s.app, PRE_TOKEN);
    s.app
        .ok(
            "AdminCreateUser",
            json!({
                "UserPoolId": s.pool,
                "Username": "bob",
                "TemporaryPassword": "Temp-passw0rd",
                "MessageAction": "SUPPRESS",
            }),
        )
        .await;
    let challenge = password_sign_in(&s, "bob", "Temp-passw0rd", json!({}))
        .await
        .unwrap();
    assert_eq!(challenge["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    s.app
        .ok(
            "RespondToAuthChallenge",
            json!({
                "ClientId": s.client,
                "ChallengeName": "NEW_PASSWORD_REQUIRED",
                "Session": challenge["Session"],
                "ChallengeResponses": {"USERNAME": "bob", "NEW_PASSWORD": "New-passw0rd"},
                "ClientMetadata": {"first": "yes"},
            }),
        )
        .await;
    let events = s.app.hooks.events(PRE_TOKEN);
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0]["triggerSource"],
        "TokenGeneration_NewPasswordChallenge"
    );
    assert_eq!(
        events[0]["request"]["clientMetadata"],
        json!({"first": "yes"})
    );
}

// === PreTokenGeneration, version 2 ===

fn v2(version: &str) -> Value {
    json!({ "PreTokenGenerationConfig": {"LambdaVersion": version, "LambdaArn": PRE_TOKEN} })
}

#[tokio::test]
async fn pre_token_generation_v2_event_has_version_2_and_the_scopes() {
    let s = setup(v2("V2_0")).await;
    accept(&s.app, PRE_TOKEN);
    password_sign_in(&s, "alice", PASSWORD, json!({}))
        .await
        .unwrap();
    let e = &s.app.hooks.events(PRE_TOKEN)[0];
    assert_eq!(e["version"], "2");
    assert_eq!(
        e["request"]["scopes"],
        json!(["aws.cognito.signin.user.admin"])
    );
    assert_eq!(
        e["response"],
        json!({"claimsAndScopeOverrideDetails": null})
    );
}

#[tokio::test]
async fn pre_token_generation_v2_changes_claims_of_each_token_and_the_access_tokens_scopes() {
    let s = setup(v2("V2_0")).await;
    token_answer(
        &s.app,
        "claimsAndScopeOverrideDetails",
        json!({
            "idTokenGeneration": {
                "claimsToAddOrOverride": {"tier": "gold"},
                "claimsToSuppress": ["email"],
            },
            "accessTokenGeneration": {
                "claimsToAddOrOverride": {
                    "tenant": {"id": 7, "name": "acme"},
                    "features": ["a", "b"],
                    "quota": 10,
                    "beta": true,
                },
                "claimsToSuppress": ["auth_time"],
                "scopesToAdd": ["orders/read", "orders/write"],
                "scopesToSuppress": ["aws.cognito.signin.user.admin", "orders/write"],
            },
            "groupOverrideDetails": {"groupsToOverride": ["vip"]},
        }),
    );
    let out = password_sign_in(&s, "alice", PASSWORD, json!({}))
        .await
        .unwrap();
    let id = token_claims(&out, "IdToken");
    let access = token_claims(&out, "AccessToken");
    assert_eq!(id["tier"], "gold");
    assert!(id.get("email").is_none());
    assert!(id.get("tenant").is_none());
    assert_eq!(access["tenant"], json!({"id": 7, "name": "acme"}));
    assert_eq!(access["features"], json!(["a", "b"]));
    assert_eq!(access["quota"], 10);
    assert_eq!(access["beta"], true);
    assert!(access.get("tier").is_none());
    assert!(access["auth_time"].is_i64(), "auth_time is kept");
    assert_eq!(access["scope"], "orders/read");
    assert_eq!(access["cognito:groups"], json!(["vip"]));
    assert_eq!(id["cognito:groups"], json!(["vip"]));
}

#[tokio::test]
async fn pre_token_generation_v3_event_has_version_3() {
    let s = setup(v2("V3_0")).await;
    accept(&s.app, PRE_TOKEN);
    password_sign_in(&s, "alice", PASSWORD, json!({}))
        .await
        .unwrap();
    assert_eq!(s.app.hooks.events(PRE_TOKEN)[0]["version"], "3");
}

#[tokio::test]
async fn pre_token_generation_config_v1_runs_the_version_1_event() {
    let s = setup(v2("V1_0")).await;
    token_answer(
        &s.app,
        "claimsOverrideDetails",
        json!({"claimsToAddOrOverride": {"tenant": "acme"}}),
    );
    let out = password_sign_in(&s, "alice", PASSWORD, json!({}))
        .await
        .unwrap();
    assert_eq!(s.app.hooks.events(PRE_TOKEN)[0]["version"], "1");
    assert_eq!(token_claims(&out, "IdToken")["tenant"], "acme");
}

// === LambdaConfig ===

async fn described_lambda_config(app: &App, pool: &str) -> Value {
    app.ok("DescribeUserPool", json!({"UserPoolId": pool}))
        .await["UserPool"]["LambdaConfig"]
        .clone()
}

#[tokio::test]
async fn describe_user_pool_shows_pre_token_generation_config_given_either_member() {
    let app = app().await;
    let from_config = app.pool_with(json!({"LambdaConfig": v2("V2_0")})).await;
    assert_eq!(
        described_lambda_config(&app, &from_config).await,
        json!({
            "PreTokenGeneration": PRE_TOKEN,
            "PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": PRE_TOKEN},
        })
    );
    let from_arn = app
        .pool_with(json!({"LambdaConfig": {"PreTokenGeneration": PRE_TOKEN}}))
        .await;
    assert_eq!(
        described_lambda_config(&app, &from_arn).await,
        json!({
            "PreTokenGeneration": PRE_TOKEN,
            "PreTokenGenerationConfig": {"LambdaVersion": "V1_0", "LambdaArn": PRE_TOKEN},
        })
    );
}

#[tokio::test]
async fn update_user_pool_without_pre_token_generation_removes_it() {
    let app = app().await;
    let pool = app.pool_with(json!({"LambdaConfig": v2("V2_0")})).await;
    app.ok(
        "UpdateUserPool",
        json!({"UserPoolId": pool, "LambdaConfig": {"PostAuthentication": POST_AUTH}}),
    )
    .await;
    assert_eq!(
        described_lambda_config(&app, &pool).await,
        json!({"PostAuthentication": POST_AUTH})
    );
}

#[tokio::test]
async fn pre_token_generation_config_with_another_arn_or_an_unknown_version_is_invalid() {
    let app = app().await;
    let message = app
        .err(
            "CreateUserPool",
            json!({
                "PoolName": "p",
                "LambdaConfig": {
                    "PreTokenGeneration": "hook://a",
                    "PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": "hook://b"},
                },
            }),
            "InvalidParameterException",
        )
        .await;
    assert!(message.contains("PreTokenGeneration"), "{message}");
    let message = app
        .err(
            "CreateUserPool",
            json!({
                "PoolName": "p",
                "LambdaConfig": {
                    "PreTokenGenerationConfig": {"LambdaVersion": "V9_0", "LambdaArn": "hook://b"},
                },
            }),
            "InvalidParameterException",
        )
        .await;
    assert!(message.contains("[V1_0, V2_0, V3_0]"), "{message}");
}
