//! SMS_MFA and EMAIL_OTP through the wire: the pool's SMS and e-mail MFA
//! configuration, users' preferences for several factors, the codes sent at
//! sign-in, SELECT_MFA_TYPE, and the legacy MFAOptions.

mod common;

use cognate_core::clock::Clock;
use cognate_core::service::totp::{base32_decode, step_at, totp_code};
use cognate_core::service::{Medium, Purpose};
use common::{app, App, PASSWORD};
use serde_json::{json, Value};

const PHONE: &str = "+15551234567";
const SNS_ROLE: &str = "arn:aws:iam::000000000000:role/cognito-sns";

/// A pool with SMS (its own template), e-mail and TOTP second factors and
/// MFA `mfa`; returns the pool and a client.
async fn otp_pool(app: &App, mfa: &str) -> (String, String) {
    let pool = app
        .pool_with(json!({"SmsConfiguration": {"SnsCallerArn": SNS_ROLE, "ExternalId": "x"}}))
        .await;
    app.ok(
        "SetUserPoolMfaConfig",
        json!({
            "UserPoolId": pool,
            "SmsMfaConfiguration": {"SmsAuthenticationMessage": "Your sign-in code: {####}"},
            "EmailMfaConfiguration": {"Message": "Code {####} for you", "Subject": "Sign-in code"},
            "SoftwareTokenMfaConfiguration": {"Enabled": true},
            "MfaConfiguration": mfa,
        }),
    )
    .await;
    let client = app.client(&pool).await;
    (pool, client)
}

/// "alice" with an e-mail address and a phone number.
async fn user_with_phone(app: &App, pool: &str, client: &str) {
    app.user(pool, client, "alice").await;
    app.ok(
        "AdminUpdateUserAttributes",
        json!({"UserPoolId": pool, "Username": "alice", "UserAttributes": [{"Name": "phone_number", "Value": PHONE}]}),
    )
    .await;
}

async fn prefer(app: &App, pool: &str, settings: Value) {
    let mut input = json!({"UserPoolId": pool, "Username": "alice"});
    input
        .as_object_mut()
        .unwrap()
        .extend(settings.as_object().unwrap().clone());
    app.ok("AdminSetUserMFAPreference", input).await;
}

async fn initiate(app: &App, client: &str) -> Value {
    app.ok(
        "InitiateAuth",
        json!({
            "ClientId": client,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD},
        }),
    )
    .await
}

fn answer(client: &str, challenge: &Value, key: &str, code: &str) -> Value {
    json!({
        "ClientId": client,
        "ChallengeName": challenge["ChallengeName"],
        "Session": challenge["Session"],
        "ChallengeResponses": {"USERNAME": "alice", key: code},
    })
}

/// The last authentication code sent to alice.
fn sent_code(app: &App) -> String {
    app.outbox
        .last_code("alice", Purpose::Authentication.as_str())
        .expect("an authentication code was sent")
}

/// alice in an OPTIONAL pool with SMS MFA enabled and preferred.
async fn sms_user(app: &App) -> (String, String) {
    let (pool, client) = otp_pool(app, "OPTIONAL").await;
    user_with_phone(app, &pool, &client).await;
    prefer(
        app,
        &pool,
        json!({"SMSMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
    )
    .await;
    (pool, client)
}

#[tokio::test]
async fn sms_and_email_mfa_configuration_is_set_and_read_back() {
    let app = app().await;
    let (pool, _) = otp_pool(&app, "OPTIONAL").await;
    let got = app
        .ok("GetUserPoolMfaConfig", json!({"UserPoolId": pool}))
        .await;
    assert_eq!(
        got["SmsMfaConfiguration"],
        json!({
            "SmsAuthenticationMessage": "Your sign-in code: {####}",
            "SmsConfiguration": {"SnsCallerArn": SNS_ROLE, "ExternalId": "x"},
        })
    );
    assert_eq!(
        got["EmailMfaConfiguration"],
        json!({"Message": "Code {####} for you", "Subject": "Sign-in code"})
    );
    assert_eq!(got["MfaConfiguration"], "OPTIONAL");
    let described = app
        .ok("DescribeUserPool", json!({"UserPoolId": pool}))
        .await;
    assert_eq!(
        described["UserPool"]["SmsAuthenticationMessage"],
        "Your sign-in code: {####}"
    );
}

#[tokio::test]
async fn templates_without_the_code_placeholder_are_invalid() {
    let app = app().await;
    let (pool, _) = otp_pool(&app, "OPTIONAL").await;
    let msg = app
        .err(
            "SetUserPoolMfaConfig",
            json!({"UserPoolId": pool, "SmsMfaConfiguration": {"SmsAuthenticationMessage": "no code here"}}),
            "InvalidParameterException",
        )
        .await;
    assert!(msg.contains("smsAuthenticationMessage"), "{msg}");
    let msg = app
        .err(
            "SetUserPoolMfaConfig",
            json!({"UserPoolId": pool, "EmailMfaConfiguration": {"Message": "no code here"}}),
            "InvalidParameterException",
        )
        .await;
    assert!(msg.contains("emailMfaConfiguration.message"), "{msg}");
}

#[tokio::test]
async fn sms_mfa_without_an_sms_configuration_is_invalid() {
    let app = app().await;
    let pool = app.pool().await;
    app.err(
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": pool, "SmsMfaConfiguration": {"SmsAuthenticationMessage": "Code {####}"}, "MfaConfiguration": "ON"}),
        "InvalidParameterException",
    )
    .await;
    let out = app
        .ok(
            "SetUserPoolMfaConfig",
            json!({"UserPoolId": pool, "SmsMfaConfiguration": {"SmsConfiguration": {"SnsCallerArn": SNS_ROLE}}, "MfaConfiguration": "ON"}),
        )
        .await;
    assert_eq!(out["MfaConfiguration"], "ON");
    assert_eq!(
        out["SmsMfaConfiguration"]["SmsConfiguration"]["SnsCallerArn"],
        SNS_ROLE
    );
}

#[tokio::test]
async fn enabling_sms_without_a_phone_number_or_email_without_an_address_is_invalid() {
    let app = app().await;
    let (pool, client) = otp_pool(&app, "OPTIONAL").await;
    app.user(&pool, &client, "alice").await;
    app.err(
        "AdminSetUserMFAPreference",
        json!({"UserPoolId": pool, "Username": "alice", "SMSMfaSettings": {"Enabled": true}}),
        "InvalidParameterException",
    )
    .await;
    app.ok(
        "AdminDeleteUserAttributes",
        json!({"UserPoolId": pool, "Username": "alice", "UserAttributeNames": ["email"]}),
    )
    .await;
    app.err(
        "AdminSetUserMFAPreference",
        json!({"UserPoolId": pool, "Username": "alice", "EmailMfaSettings": {"Enabled": true}}),
        "InvalidParameterException",
    )
    .await;
}

#[tokio::test]
async fn preferring_one_factor_unprefers_the_others_in_get_user() {
    let app = app().await;
    let (pool, client) = otp_pool(&app, "OPTIONAL").await;
    user_with_phone(&app, &pool, &client).await;
    prefer(
        &app,
        &pool,
        json!({"SMSMfaSettings": {"Enabled": true, "PreferredMfa": true}, "EmailMfaSettings": {"Enabled": true}}),
    )
    .await;
    let got = app
        .ok(
            "AdminGetUser",
            json!({"UserPoolId": pool, "Username": "alice"}),
        )
        .await;
    assert_eq!(got["UserMFASettingList"], json!(["SMS_MFA", "EMAIL_OTP"]));
    assert_eq!(got["PreferredMfaSetting"], "SMS_MFA");
    assert_eq!(
        got["MFAOptions"],
        json!([{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}])
    );
    prefer(
        &app,
        &pool,
        json!({"EmailMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
    )
    .await;
    let got = app
        .ok(
            "AdminGetUser",
            json!({"UserPoolId": pool, "Username": "alice"}),
        )
        .await;
    assert_eq!(got["UserMFASettingList"], json!(["SMS_MFA", "EMAIL_OTP"]));
    assert_eq!(got["PreferredMfaSetting"], "EMAIL_OTP");
}

#[tokio::test]
async fn sms_sign_in_sends_the_pool_template_by_sms_and_the_code_gives_tokens() {
    let app = app().await;
    let (pool, client) = sms_user(&app).await;
    let challenge = initiate(&app, &client).await;
    assert_eq!(challenge["ChallengeName"], "SMS_MFA");
    assert_eq!(
        challenge["ChallengeParameters"],
        json!({"CODE_DELIVERY_DELIVERY_MEDIUM": "SMS", "CODE_DELIVERY_DESTINATION": "+*******4567"})
    );
    let sent = app.outbox.messages().pop().unwrap();
    assert_eq!(sent.medium, Medium::Sms);
    assert_eq!(sent.purpose, Purpose::Authentication);
    assert_eq!(sent.destination, PHONE);
    assert_eq!(sent.pool_id, pool);
    let code = sent_code(&app);
    assert_eq!(sent.body, format!("Your sign-in code: {code}"));
    let out = app
        .ok(
            "RespondToAuthChallenge",
            answer(&client, &challenge, "SMS_MFA_CODE", &code),
        )
        .await;
    assert!(out["AuthenticationResult"]["AccessToken"].is_string());
}

#[tokio::test]
async fn email_otp_sign_in_sends_the_pool_template_by_email() {
    let app = app().await;
    let (_, client) = {
        let (pool, client) = otp_pool(&app, "OPTIONAL").await;
        app.user(&pool, &client, "alice").await;
        prefer(&app, &pool, json!({"EmailMfaSettings": {"Enabled": true}})).await;
        (pool, client)
    };
    let challenge = initiate(&app, &client).await;
    assert_eq!(challenge["ChallengeName"], "EMAIL_OTP");
    assert_eq!(
        challenge["ChallengeParameters"],
        json!({"CODE_DELIVERY_DELIVERY_MEDIUM": "EMAIL", "CODE_DELIVERY_DESTINATION": "a***@e***"})
    );
    let sent = app.outbox.messages().pop().unwrap();
    assert_eq!(sent.medium, Medium::Email);
    assert_eq!(sent.destination, "alice@example.com");
    assert_eq!(sent.subject, "Sign-in code");
    let code = sent_code(&app);
    assert_eq!(sent.body, format!("Code {code} for you"));
    let out = app
        .ok(
            "RespondToAuthChallenge",
            answer(&client, &challenge, "EMAIL_OTP_CODE", &code),
        )
        .await;
    assert!(out["AuthenticationResult"]["IdToken"].is_string());
}

#[tokio::test]
async fn the_default_sms_message_is_used_without_a_template() {
    let app = app().await;
    let pool = app
        .pool_with(json!({"SmsConfiguration": {"SnsCallerArn": SNS_ROLE}}))
        .await;
    app.ok(
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": pool, "MfaConfiguration": "ON", "SmsMfaConfiguration": {}}),
    )
    .await;
    let client = app.client(&pool).await;
    user_with_phone(&app, &pool, &client).await;
    let challenge = initiate(&app, &client).await;
    assert_eq!(challenge["ChallengeName"], "SMS_MFA");
    let code = sent_code(&app);
    let sent = app.outbox.messages().pop().unwrap();
    assert_eq!(sent.body, format!("Your authentication code is {code}. "));
}

#[tokio::test]
async fn a_wrong_code_is_code_mismatch_and_ends_the_sign_in() {
    let app = app().await;
    let (_, client) = sms_user(&app).await;
    let challenge = initiate(&app, &client).await;
    let code = sent_code(&app);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let msg = app
        .err(
            "RespondToAuthChallenge",
            answer(&client, &challenge, "SMS_MFA_CODE", wrong),
            "CodeMismatchException",
        )
        .await;
    assert_eq!(msg, "Invalid code or auth state for the user.");
    let msg = app
        .err(
            "RespondToAuthChallenge",
            answer(&client, &challenge, "SMS_MFA_CODE", &code),
            "NotAuthorizedException",
        )
        .await;
    assert!(msg.contains("only be used once"), "{msg}");
}

#[tokio::test]
async fn wrong_codes_count_toward_lockout() {
    let app = app().await;
    let (_, client) = sms_user(&app).await;
    for _ in 0..5 {
        let challenge = initiate(&app, &client).await;
        let code = sent_code(&app);
        let wrong = if code == "000000" { "111111" } else { "000000" };
        app.err(
            "RespondToAuthChallenge",
            answer(&client, &challenge, "SMS_MFA_CODE", wrong),
            "CodeMismatchException",
        )
        .await;
    }
    let msg = app
        .err(
            "InitiateAuth",
            json!({
                "ClientId": client,
                "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD},
            }),
            "NotAuthorizedException",
        )
        .await;
    assert_eq!(msg, "Password attempts exceeded");
}

#[tokio::test]
async fn a_code_expires_with_its_session() {
    let app = app().await;
    let (_, client) = sms_user(&app).await;
    let challenge = initiate(&app, &client).await;
    let code = sent_code(&app);
    app.clock.advance_secs(181);
    let msg = app
        .err(
            "RespondToAuthChallenge",
            answer(&client, &challenge, "SMS_MFA_CODE", &code),
            "NotAuthorizedException",
        )
        .await;
    assert!(msg.contains("expired"), "{msg}");
}

#[tokio::test]
async fn a_code_is_bound_to_the_sign_in_it_was_sent_for() {
    let app = app().await;
    let (_, client) = sms_user(&app).await;
    let _first = initiate(&app, &client).await;
    let first_code = sent_code(&app);
    let second = initiate(&app, &client).await;
    let second_code = sent_code(&app);
    if first_code != second_code {
        app.err(
            "RespondToAuthChallenge",
            answer(&client, &second, "SMS_MFA_CODE", &first_code),
            "CodeMismatchException",
        )
        .await;
    }
    // Neither is usable once the sign-in it belonged to has failed.
    let third = initiate(&app, &client).await;
    let third_code = sent_code(&app);
    let out = app
        .ok(
            "RespondToAuthChallenge",
            answer(&client, &third, "SMS_MFA_CODE", &third_code),
        )
        .await;
    assert!(out["AuthenticationResult"].is_object());
}

#[tokio::test]
async fn several_factors_without_a_preference_ask_to_select_one() {
    let app = app().await;
    let (pool, client) = otp_pool(&app, "OPTIONAL").await;
    user_with_phone(&app, &pool, &client).await;
    prefer(
        &app,
        &pool,
        json!({"SMSMfaSettings": {"Enabled": true}, "EmailMfaSettings": {"Enabled": true}}),
    )
    .await;
    let select = initiate(&app, &client).await;
    assert_eq!(select["ChallengeName"], "SELECT_MFA_TYPE");
    let choices: Vec<String> = serde_json::from_str(
        select["ChallengeParameters"]["MFAS_CAN_CHOOSE"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(choices, ["SMS_MFA", "EMAIL_OTP"]);
    let challenge = app
        .ok(
            "RespondToAuthChallenge",
            answer(&client, &select, "ANSWER", "EMAIL_OTP"),
        )
        .await;
    assert_eq!(challenge["ChallengeName"], "EMAIL_OTP");
    assert_eq!(app.outbox.messages().pop().unwrap().medium, Medium::Email);
    let out = app
        .ok(
            "RespondToAuthChallenge",
            answer(&client, &challenge, "EMAIL_OTP_CODE", &sent_code(&app)),
        )
        .await;
    assert!(out["AuthenticationResult"]["AccessToken"].is_string());
}

#[tokio::test]
async fn selecting_software_token_gives_the_totp_challenge() {
    let app = app().await;
    let (pool, client) = otp_pool(&app, "OPTIONAL").await;
    user_with_phone(&app, &pool, &client).await;
    let access = app.sign_in(&client, "alice", PASSWORD).await["AccessToken"].clone();
    let out = app
        .ok("AssociateSoftwareToken", json!({"AccessToken": access}))
        .await;
    let secret = base32_decode(out["SecretCode"].as_str().unwrap()).unwrap();
    let totp = |app: &App| totp_code(&secret, step_at(app.clock.now_ms() / 1000));
    app.ok(
        "VerifySoftwareToken",
        json!({"AccessToken": access, "UserCode": totp(&app)}),
    )
    .await;
    app.clock.advance_secs(30);
    app.ok(
        "SetUserMFAPreference",
        json!({"AccessToken": access, "SoftwareTokenMfaSettings": {"Enabled": true}, "SMSMfaSettings": {"Enabled": true}}),
    )
    .await;
    let select = initiate(&app, &client).await;
    assert_eq!(
        select["ChallengeParameters"]["MFAS_CAN_CHOOSE"],
        r#"["SMS_MFA","SOFTWARE_TOKEN_MFA"]"#
    );
    let challenge = app
        .ok(
            "RespondToAuthChallenge",
            answer(&client, &select, "ANSWER", "SOFTWARE_TOKEN_MFA"),
        )
        .await;
    assert_eq!(challenge["ChallengeName"], "SOFTWARE_TOKEN_MFA");
    let out = app
        .ok(
            "RespondToAuthChallenge",
            answer(&client, &challenge, "SOFTWARE_TOKEN_MFA_CODE", &totp(&app)),
        )
        .await;
    assert!(out["AuthenticationResult"]["AccessToken"].is_string());
}

#[tokio::test]
async fn selecting_a_factor_the_user_cannot_use_is_invalid() {
    let app = app().await;
    let (pool, client) = otp_pool(&app, "OPTIONAL").await;
    user_with_phone(&app, &pool, &client).await;
    prefer(
        &app,
        &pool,
        json!({"SMSMfaSettings": {"Enabled": true}, "EmailMfaSettings": {"Enabled": true}}),
    )
    .await;
    let select = initiate(&app, &client).await;
    app.err(
        "RespondToAuthChallenge",
        answer(&client, &select, "ANSWER", "SOFTWARE_TOKEN_MFA"),
        "InvalidParameterException",
    )
    .await;
}

#[tokio::test]
async fn the_preferred_factor_is_challenged_without_selection() {
    let app = app().await;
    let (pool, client) = otp_pool(&app, "OPTIONAL").await;
    user_with_phone(&app, &pool, &client).await;
    prefer(
        &app,
        &pool,
        json!({"SMSMfaSettings": {"Enabled": true}, "EmailMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
    )
    .await;
    assert_eq!(initiate(&app, &client).await["ChallengeName"], "EMAIL_OTP");
}

#[tokio::test]
async fn mfa_on_sends_an_sms_code_to_a_user_with_a_phone_and_no_factor() {
    let app = app().await;
    let (_, client) = {
        let (pool, client) = otp_pool(&app, "ON").await;
        user_with_phone(&app, &pool, &client).await;
        (pool, client)
    };
    let challenge = initiate(&app, &client).await;
    assert_eq!(challenge["ChallengeName"], "SMS_MFA");
    let out = app
        .ok(
            "RespondToAuthChallenge",
            answer(&client, &challenge, "SMS_MFA_CODE", &sent_code(&app)),
        )
        .await;
    assert!(out["AuthenticationResult"].is_object());
}

#[tokio::test]
async fn mfa_on_without_a_usable_factor_lists_what_can_be_set_up() {
    let app = app().await;
    let pool = app
        .pool_with(json!({"SmsConfiguration": {"SnsCallerArn": SNS_ROLE}}))
        .await;
    app.ok(
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": pool, "MfaConfiguration": "ON", "SmsMfaConfiguration": {}, "SoftwareTokenMfaConfiguration": {"Enabled": true}}),
    )
    .await;
    let client = app.client(&pool).await;
    app.user(&pool, &client, "alice").await;
    let challenge = initiate(&app, &client).await;
    assert_eq!(challenge["ChallengeName"], "MFA_SETUP");
    assert_eq!(
        challenge["ChallengeParameters"]["MFAS_CAN_SETUP"],
        r#"["SMS_MFA","SOFTWARE_TOKEN_MFA"]"#
    );
}

#[tokio::test]
async fn mfa_off_never_sends_a_code() {
    let app = app().await;
    let (pool, client) = sms_user(&app).await;
    app.ok(
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": pool, "MfaConfiguration": "OFF"}),
    )
    .await;
    let out = initiate(&app, &client).await;
    assert!(out["AuthenticationResult"].is_object());
    assert!(app
        .outbox
        .last_code("alice", Purpose::Authentication.as_str())
        .is_none());
}

#[tokio::test]
async fn legacy_mfa_options_enable_and_disable_sms_mfa() {
    let app = app().await;
    let (pool, client) = otp_pool(&app, "OPTIONAL").await;
    user_with_phone(&app, &pool, &client).await;
    app.ok(
        "AdminSetUserSettings",
        json!({"UserPoolId": pool, "Username": "alice", "MFAOptions": [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]}),
    )
    .await;
    let got = app
        .ok(
            "AdminGetUser",
            json!({"UserPoolId": pool, "Username": "alice"}),
        )
        .await;
    assert_eq!(got["UserMFASettingList"], json!(["SMS_MFA"]));
    assert_eq!(initiate(&app, &client).await["ChallengeName"], "SMS_MFA");
    app.err(
        "AdminSetUserSettings",
        json!({"UserPoolId": pool, "Username": "alice", "MFAOptions": [{"DeliveryMedium": "EMAIL", "AttributeName": "email"}]}),
        "InvalidParameterException",
    )
    .await;
    app.ok(
        "AdminSetUserSettings",
        json!({"UserPoolId": pool, "Username": "alice", "MFAOptions": []}),
    )
    .await;
    let got = app
        .ok(
            "AdminGetUser",
            json!({"UserPoolId": pool, "Username": "alice"}),
        )
        .await;
    assert!(got.get("UserMFASettingList").is_none(), "{got}");
    assert!(got.get("MFAOptions").is_none(), "{got}");
}

#[tokio::test]
async fn admin_sign_in_answers_sms_mfa_through_the_admin_response() {
    let app = app().await;
    let (pool, client) = sms_user(&app).await;
    let challenge = app
        .ok(
            "AdminInitiateAuth",
            json!({
                "UserPoolId": pool,
                "ClientId": client,
                "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD},
            }),
        )
        .await;
    assert_eq!(challenge["ChallengeName"], "SMS_MFA");
    let mut input = answer(&client, &challenge, "SMS_MFA_CODE", &sent_code(&app));
    input["UserPoolId"] = json!(pool);
    let out = app.ok("AdminRespondToAuthChallenge", input).await;
    assert!(out["AuthenticationResult"]["RefreshToken"].is_string());
}

#[tokio::test]
async fn the_custom_message_trigger_writes_the_sms_code_message() {
    let app = app().await;
    let (pool, client) = sms_user(&app).await;
    app.ok(
        "UpdateUserPool",
        json!({
            "UserPoolId": pool,
            "SmsConfiguration": {"SnsCallerArn": SNS_ROLE},
            "MfaConfiguration": "OPTIONAL",
            "LambdaConfig": {"CustomMessage": "hook://custom-message"},
        }),
    )
    .await;
    app.hooks.respond(
        "hook://custom-message",
        json!({"smsMessage": "Hook says {####}", "emailMessage": null, "emailSubject": null}),
    );
    let challenge = app
        .ok(
            "InitiateAuth",
            json!({
                "ClientId": client,
                "AuthFlow": "USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": "alice", "PASSWORD": PASSWORD},
                "ClientMetadata": {"app": "web"},
            }),
        )
        .await;
    assert_eq!(challenge["ChallengeName"], "SMS_MFA");
    let event = app.hooks.events("hook://custom-message").pop().unwrap();
    assert_eq!(event["triggerSource"], "CustomMessage_Authentication");
    assert_eq!(event["request"]["clientMetadata"], json!({"app": "web"}));
    let code = sent_code(&app);
    assert_eq!(
        app.outbox.messages().pop().unwrap().body,
        format!("Hook says {code}")
    );
}

#[tokio::test]
async fn email_mfa_configuration_survives_update_user_pool_and_is_not_a_pool_member() {
    let app = app().await;
    let (pool, _) = otp_pool(&app, "OPTIONAL").await;
    app.ok(
        "UpdateUserPool",
        json!({"UserPoolId": pool, "SmsConfiguration": {"SnsCallerArn": SNS_ROLE}, "MfaConfiguration": "OPTIONAL"}),
    )
    .await;
    let got = app
        .ok("GetUserPoolMfaConfig", json!({"UserPoolId": pool}))
        .await;
    assert_eq!(
        got["EmailMfaConfiguration"],
        json!({"Message": "Code {####} for you", "Subject": "Sign-in code"})
    );
    let described = app
        .ok("DescribeUserPool", json!({"UserPoolId": pool}))
        .await;
    assert!(described["UserPool"].get("EmailMfaConfiguration").is_none());
}
