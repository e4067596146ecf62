//! TOTP (software token) MFA through the wire: pool configuration,
//! associating and verifying an authenticator, preferences, and the
//! SOFTWARE_TOKEN_MFA and MFA_SETUP sign-in challenges.

mod common;

use cognate_core::clock::Clock;
use cognate_core::service::totp::{base32_decode, step_at, totp_code};
use common::{app, App, PASSWORD};
use serde_json::{json, Value};

/// The code of the step `offset` steps from the app's clock.
fn code(app: &App, secret: &[u8], offset: i64) -> String {
    totp_code(secret, step_at(app.clock.now_ms() / 1000) + offset)
}

async fn optional_pool(app: &App) -> String {
    let pool = app.pool().await;
    app.ok(
        "SetUserPoolMfaConfig",
        json!({
            "UserPoolId": pool,
            "SoftwareTokenMfaConfiguration": {"Enabled": true},
            "MfaConfiguration": "OPTIONAL",
        }),
    )
    .await;
    pool
}

/// A signed-in user's access token.
async fn access_token(app: &App, client: &str, username: &str) -> String {
    app.sign_in(client, username, PASSWORD).await["AccessToken"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Associates an authenticator with a signed-in user; returns the secret.
async fn associate(app: &App, access: &str) -> Vec<u8> {
    let out = app
        .ok("AssociateSoftwareToken", json!({"AccessToken": access}))
        .await;
    base32_decode(out["SecretCode"].as_str().unwrap()).unwrap()
}

struct MfaUser {
    pool: String,
    client: String,
    secret: Vec<u8>,
}

/// "alice" in an OPTIONAL pool with TOTP verified (at the current step),
/// enabled and preferred; the clock is then moved to the next step.
async fn mfa_user(app: &App) -> MfaUser {
    let pool = optional_pool(app).await;
    let client = app.client(&pool).await;
    app.user(&pool, &client, "alice").await;
    let access = access_token(app, &client, "alice").await;
    let secret = associate(app, &access).await;
    let out = app
        .ok(
            "VerifySoftwareToken",
            json!({"AccessToken": access, "UserCode": code(app, &secret, 0), "FriendlyDeviceName": "phone"}),
        )
        .await;
    assert_eq!(out["Status"], "SUCCESS");
    app.ok(
        "SetUserMFAPreference",
        json!({"AccessToken": access, "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
    )
    .await;
    app.clock.advance_secs(30);
    MfaUser {
        pool,
        client,
        secret,
    }
}

async fn initiate(app: &App, client: &str, username: &str) -> Value {
    app.ok(
        "InitiateAuth",
        json!({
            "ClientId": client,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": username, "PASSWORD": PASSWORD},
        }),
    )
    .await
}

fn mfa_answer(client: &str, session: &Value, code: &str) -> Value {
    json!({
        "ClientId": client,
        "ChallengeName": "SOFTWARE_TOKEN_MFA",
        "Session": session,
        "ChallengeResponses": {"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": code},
    })
}

#[tokio::test]
async fn pool_mfa_config_is_set_read_back_and_described() {
    let app = app().await;
    let pool = app.pool().await;
    let got = app
        .ok("GetUserPoolMfaConfig", json!({"UserPoolId": pool}))
        .await;
    assert_eq!(got["MfaConfiguration"], "OFF");
    assert_eq!(got["SoftwareTokenMfaConfiguration"]["Enabled"], false);
    let set = app
        .ok(
            "SetUserPoolMfaConfig",
            json!({"UserPoolId": pool, "SoftwareTokenMfaConfiguration": {"Enabled": true}, "MfaConfiguration": "ON"}),
        )
        .await;
    assert_eq!(set["MfaConfiguration"], "ON");
    assert_eq!(set["SoftwareTokenMfaConfiguration"]["Enabled"], true);
    let got = app
        .ok("GetUserPoolMfaConfig", json!({"UserPoolId": pool}))
        .await;
    assert_eq!(got, set);
    let described = app
        .ok("DescribeUserPool", json!({"UserPoolId": pool}))
        .await;
    assert_eq!(described["UserPool"]["MfaConfiguration"], "ON");
}

#[tokio::test]
async fn mfa_on_or_optional_without_software_tokens_is_invalid() {
    let app = app().await;
    let pool = app.pool().await;
    app.err(
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": pool, "MfaConfiguration": "OPTIONAL"}),
        "InvalidParameterException",
    )
    .await;
    app.err(
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": pool, "MfaConfiguration": "SOMETIMES", "SoftwareTokenMfaConfiguration": {"Enabled": true}}),
        "InvalidParameterException",
    )
    .await;
    app.err(
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": pool, "SmsMfaConfiguration": {"SmsAuthenticationMessage": "{####}"}}),
        "InvalidParameterException",
    )
    .await;
}

#[tokio::test]
async fn associate_returns_a_32_character_base32_secret_of_20_bytes() {
    let app = app().await;
    let pool = optional_pool(&app).await;
    let client = app.client(&pool).await;
    app.user(&pool, &client, "alice").await;
    let access = access_token(&app, &client, "alice").await;
    let out = app
        .ok("AssociateSoftwareToken", json!({"AccessToken": access}))
        .await;
    let text = out["SecretCode"].as_str().unwrap();
    assert_eq!(text.len(), 32);
    assert_eq!(base32_decode(text).unwrap().len(), 20);
    assert!(out.get("Session").is_none());
}

#[tokio::test]
async fn verified_and_preferred_totp_is_reported_by_get_user_and_admin_get_user() {
    let app = app().await;
    let u = mfa_user(&app).await;
    let user = app
        .ok(
            "AdminGetUser",
            json!({"UserPoolId": u.pool, "Username": "alice"}),
        )
        .await;
    assert_eq!(user["UserMFASettingList"], json!(["SOFTWARE_TOKEN_MFA"]));
    assert_eq!(user["PreferredMfaSetting"], "SOFTWARE_TOKEN_MFA");
    let stored = app.store.get_user(&u.pool, "alice").await.unwrap().unwrap();
    assert!(stored.mfa.totp_secret.is_some());
    assert!(stored.mfa.pending_totp_secret.is_none());
    assert_eq!(stored.mfa.totp_device_name.as_deref(), Some("phone"));
    let secret_text = cognate_core::service::totp::base32_encode(&u.secret);
    assert!(!stored.mfa.totp_secret.unwrap().contains(&secret_text));
}

#[tokio::test]
async fn verify_with_a_wrong_code_is_enable_software_token_mfa_exception() {
    let app = app().await;
    let pool = optional_pool(&app).await;
    let client = app.client(&pool).await;
    app.user(&pool, &client, "alice").await;
    let access = access_token(&app, &client, "alice").await;
    let secret = associate(&app, &access).await;
    let good = code(&app, &secret, 0);
    let wrong = format!(
        "{:06}",
        (good.parse::<u32>().unwrap() + 500_000) % 1_000_000
    );
    app.err(
        "VerifySoftwareToken",
        json!({"AccessToken": access, "UserCode": wrong}),
        "EnableSoftwareTokenMFAException",
    )
    .await;
    let user = app.store.get_user(&pool, "alice").await.unwrap().unwrap();
    assert!(user.mfa.totp_secret.is_none());
}

#[tokio::test]
async fn verify_before_associate_is_software_token_mfa_not_found() {
    let app = app().await;
    let pool = optional_pool(&app).await;
    let client = app.client(&pool).await;
    app.user(&pool, &client, "alice").await;
    let access = access_token(&app, &client, "alice").await;
    app.err(
        "VerifySoftwareToken",
        json!({"AccessToken": access, "UserCode": "123456"}),
        "SoftwareTokenMFANotFoundException",
    )
    .await;
}

#[tokio::test]
async fn enabling_totp_without_a_verified_token_is_invalid() {
    let app = app().await;
    let pool = optional_pool(&app).await;
    let client = app.client(&pool).await;
    app.user(&pool, &client, "alice").await;
    let access = access_token(&app, &client, "alice").await;
    associate(&app, &access).await;
    app.err(
        "SetUserMFAPreference",
        json!({"AccessToken": access, "SoftwareTokenMfaSettings": {"Enabled": true}}),
        "InvalidParameterException",
    )
    .await;
}

#[tokio::test]
async fn sign_in_with_totp_is_challenged_then_a_code_gives_tokens() {
    let app = app().await;
    let u = mfa_user(&app).await;
    let out = initiate(&app, &u.client, "alice").await;
    assert_eq!(out["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    assert!(out.get("AuthenticationResult").is_none());
    assert_eq!(out["ChallengeParameters"]["FRIENDLY_DEVICE_NAME"], "phone");
    let done = app
        .ok(
            "RespondToAuthChallenge",
            mfa_answer(&u.client, &out["Session"], &code(&app, &u.secret, 0)),
        )
        .await;
    let access = done["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap();
    let me = app.ok("GetUser", json!({"AccessToken": access})).await;
    assert_eq!(me["Username"], "alice");
    assert_eq!(me["PreferredMfaSetting"], "SOFTWARE_TOKEN_MFA");
}

#[tokio::test]
async fn a_wrong_challenge_code_is_code_mismatch() {
    let app = app().await;
    let u = mfa_user(&app).await;
    let out = initiate(&app, &u.client, "alice").await;
    let good = code(&app, &u.secret, 0);
    let wrong = format!("{:06}", (good.parse::<u32>().unwrap() + 1) % 1_000_000);
    app.err(
        "RespondToAuthChallenge",
        mfa_answer(&u.client, &out["Session"], &wrong),
        "CodeMismatchException",
    )
    .await;
}

#[tokio::test]
async fn a_code_is_accepted_only_once() {
    let app = app().await;
    let u = mfa_user(&app).await;
    let first = initiate(&app, &u.client, "alice").await;
    let c = code(&app, &u.secret, 0);
    app.ok(
        "RespondToAuthChallenge",
        mfa_answer(&u.client, &first["Session"], &c),
    )
    .await;
    let second = initiate(&app, &u.client, "alice").await;
    app.err(
        "RespondToAuthChallenge",
        mfa_answer(&u.client, &second["Session"], &c),
        "CodeMismatchException",
    )
    .await;
    // The code of the step verified at set-up (one step back) is spent too.
    let third = initiate(&app, &u.client, "alice").await;
    app.err(
        "RespondToAuthChallenge",
        mfa_answer(&u.client, &third["Session"], &code(&app, &u.secret, -1)),
        "CodeMismatchException",
    )
    .await;
}

#[tokio::test]
async fn codes_one_step_away_are_accepted_and_two_steps_away_refused() {
    let app = app().await;
    let u = mfa_user(&app).await;
    app.clock.advance_secs(300);
    for offset in [-2, 2] {
        let out = initiate(&app, &u.client, "alice").await;
        app.err(
            "RespondToAuthChallenge",
            mfa_answer(&u.client, &out["Session"], &code(&app, &u.secret, offset)),
            "CodeMismatchException",
        )
        .await;
    }
    let out = initiate(&app, &u.client, "alice").await;
    app.ok(
        "RespondToAuthChallenge",
        mfa_answer(&u.client, &out["Session"], &code(&app, &u.secret, -1)),
    )
    .await;
    let out = initiate(&app, &u.client, "alice").await;
    app.ok(
        "RespondToAuthChallenge",
        mfa_answer(&u.client, &out["Session"], &code(&app, &u.secret, 1)),
    )
    .await;
}

#[tokio::test]
async fn a_challenge_session_expires_after_the_auth_session_validity() {
    let app = app().await;
    let u = mfa_user(&app).await;
    let out = initiate(&app, &u.client, "alice").await;
    app.clock.advance_secs(181);
    let msg = app
        .err(
            "RespondToAuthChallenge",
            mfa_answer(&u.client, &out["Session"], &code(&app, &u.secret, 0)),
            "NotAuthorizedException",
        )
        .await;
    assert!(msg.contains("expired"), "{msg}");
}

#[tokio::test]
async fn a_challenge_session_is_single_use() {
    let app = app().await;
    let u = mfa_user(&app).await;
    let out = initiate(&app, &u.client, "alice").await;
    app.err(
        "RespondToAuthChallenge",
        mfa_answer(&u.client, &out["Session"], "000000"),
        "CodeMismatchException",
    )
    .await;
    let msg = app
        .err(
            "RespondToAuthChallenge",
            mfa_answer(&u.client, &out["Session"], &code(&app, &u.secret, 0)),
            "NotAuthorizedException",
        )
        .await;
    assert!(msg.contains("only be used once"), "{msg}");
}

#[tokio::test]
async fn mfa_on_forces_setup_through_session_then_gives_tokens() {
    let app = app().await;
    let pool = app.pool().await;
    app.ok(
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": pool, "SoftwareTokenMfaConfiguration": {"Enabled": true}, "MfaConfiguration": "ON"}),
    )
    .await;
    let client = app.client(&pool).await;
    app.user(&pool, &client, "alice").await;
    let out = initiate(&app, &client, "alice").await;
    assert_eq!(out["ChallengeName"], "MFA_SETUP");
    assert_eq!(
        out["ChallengeParameters"]["MFAS_CAN_SETUP"],
        "[\"SOFTWARE_TOKEN_MFA\"]"
    );
    // Answering before an authenticator is verified does not sign in.
    let early = initiate(&app, &client, "alice").await;
    app.err(
        "RespondToAuthChallenge",
        json!({"ClientId": client, "ChallengeName": "MFA_SETUP", "Session": early["Session"],
               "ChallengeResponses": {"USERNAME": "alice"}}),
        "NotAuthorizedException",
    )
    .await;
    let assoc = app
        .ok("AssociateSoftwareToken", json!({"Session": out["Session"]}))
        .await;
    let secret = base32_decode(assoc["SecretCode"].as_str().unwrap()).unwrap();
    assert_ne!(assoc["Session"], out["Session"]);
    let verified = app
        .ok(
            "VerifySoftwareToken",
            json!({"Session": assoc["Session"], "UserCode": code(&app, &secret, 0)}),
        )
        .await;
    assert_eq!(verified["Status"], "SUCCESS");
    let done = app
        .ok(
            "RespondToAuthChallenge",
            json!({"ClientId": client, "ChallengeName": "MFA_SETUP", "Session": verified["Session"],
                   "ChallengeResponses": {"USERNAME": "alice"}}),
        )
        .await;
    assert!(done["AuthenticationResult"]["IdToken"].is_string());
    // From now on the user is asked for a code.
    let next = initiate(&app, &client, "alice").await;
    assert_eq!(next["ChallengeName"], "SOFTWARE_TOKEN_MFA");
}

#[tokio::test]
async fn admin_preference_and_admin_challenge_response() {
    let app = app().await;
    let u = mfa_user(&app).await;
    app.ok(
        "AdminSetUserMFAPreference",
        json!({"UserPoolId": u.pool, "Username": "alice", "SoftwareTokenMfaSettings": {"Enabled": false}}),
    )
    .await;
    let user = app
        .ok(
            "AdminGetUser",
            json!({"UserPoolId": u.pool, "Username": "alice"}),
        )
        .await;
    assert!(user.get("UserMFASettingList").is_none());
    let admin_auth = json!({
        "UserPoolId": u.pool, "ClientId": u.client, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD},
    });
    let out = app.ok("AdminInitiateAuth", admin_auth.clone()).await;
    assert!(out["AuthenticationResult"]["IdToken"].is_string());
    app.ok(
        "AdminSetUserMFAPreference",
        json!({"UserPoolId": u.pool, "Username": "alice",
               "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
    )
    .await;
    let out = app.ok("AdminInitiateAuth", admin_auth).await;
    assert_eq!(out["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    let mut answer = mfa_answer(&u.client, &out["Session"], &code(&app, &u.secret, 0));
    answer["UserPoolId"] = json!(u.pool);
    let done = app.ok("AdminRespondToAuthChallenge", answer).await;
    assert!(done["AuthenticationResult"]["AccessToken"].is_string());
}

#[tokio::test]
async fn a_pool_with_mfa_off_never_challenges() {
    let app = app().await;
    let u = mfa_user(&app).await;
    app.ok(
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": u.pool, "MfaConfiguration": "OFF"}),
    )
    .await;
    let out = initiate(&app, &u.client, "alice").await;
    assert!(out.get("ChallengeName").is_none());
    assert!(out["AuthenticationResult"]["IdToken"].is_string());
}

#[tokio::test]
async fn srp_sign_in_is_challenged_for_totp_like_the_password_flow() {
    use cognate_core::service::{format_timestamp, ClientChallenge, SrpClient};
    let app = app().await;
    let u = mfa_user(&app).await;
    app.ok(
        "UpdateUserPoolClient",
        json!({"UserPoolId": u.pool, "ClientId": u.client,
               "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH"]}),
    )
    .await;
    let srp = SrpClient::new(&[0x5a; 32]);
    let challenge = app
        .ok(
            "InitiateAuth",
            json!({"ClientId": u.client, "AuthFlow": "USER_SRP_AUTH",
                   "AuthParameters": {"USERNAME": "alice", "SRP_A": srp.a_hex()}}),
        )
        .await;
    let p = &challenge["ChallengeParameters"];
    let timestamp = format_timestamp(app.clock.now_ms());
    let signature = srp
        .claim(
            &u.pool,
            "alice",
            PASSWORD,
            &ClientChallenge {
                salt_hex: p["SALT"].as_str().unwrap(),
                b_hex: p["SRP_B"].as_str().unwrap(),
                secret_block: p["SECRET_BLOCK"].as_str().unwrap(),
                timestamp: &timestamp,
            },
        )
        .unwrap();
    let out = app
        .ok(
            "RespondToAuthChallenge",
            json!({"ClientId": u.client, "ChallengeName": "PASSWORD_VERIFIER",
                   "ChallengeResponses": {"USERNAME": "alice", "TIMESTAMP": timestamp,
                       "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"],
                       "PASSWORD_CLAIM_SIGNATURE": signature}}),
        )
        .await;
    assert_eq!(out["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    assert!(out.get("AuthenticationResult").is_none());
    let done = app
        .ok(
            "RespondToAuthChallenge",
            mfa_answer(&u.client, &out["Session"], &code(&app, &u.secret, 0)),
        )
        .await;
    assert!(done["AuthenticationResult"]["IdToken"].is_string());
}
