//! CustomMessage: every code and invitation goes through the hook, whose
//! templates replace the default subject and body.

use super::*;

/// A CustomMessage hook that answers with templates naming the source.
fn custom_templates(a: &App) {
    a.hooks.script(CUSTOM_MESSAGE, |event| {
        let source = event["triggerSource"].as_str().unwrap().to_string();
        let mut answer = event.clone();
        answer["response"] = json!({
            "emailSubject": format!("Subject for {source}"),
            "emailMessage": format!("{source}: your code is {{####}} for {{username}}"),
            "smsMessage": format!("{source} sms {{####}}"),
        });
        Ok(answer)
    });
}

#[tokio::test]
async fn custom_message_sign_up_rewrites_subject_and_body() {
    let a = app().await;
    let (_, client) = pool_with_triggers(&a, json!({"CustomMessage": CUSTOM_MESSAGE})).await;
    custom_templates(&a);
    let mut input = sign_up_input(&client, "alice");
    input["ClientMetadata"] = json!({"lang": "fr"});
    a.ok("SignUp", input).await;
    let m = a.outbox.messages().pop().unwrap();
    let code = m.code.clone().unwrap();
    assert_eq!(m.subject, "Subject for CustomMessage_SignUp");
    assert_eq!(
        m.body,
        format!("CustomMessage_SignUp: your code is {code} for alice")
    );
    let e = &a.hooks.events(CUSTOM_MESSAGE)[0];
    assert_eq!(e["triggerSource"], "CustomMessage_SignUp");
    assert_eq!(e["userName"], "alice");
    assert_eq!(e["request"]["codeParameter"], "{####}");
    assert_eq!(e["request"]["usernameParameter"], Value::Null);
    assert_eq!(e["request"]["linkParameter"], Value::Null);
    assert_eq!(e["request"]["clientMetadata"], json!({"lang": "fr"}));
    assert_eq!(e["request"]["userAttributes"]["email"], "alice@example.com");
    assert_eq!(
        e["request"]["userAttributes"]["cognito:user_status"],
        "UNCONFIRMED"
    );
    assert_eq!(
        e["response"],
        json!({"smsMessage": null, "emailMessage": null, "emailSubject": null})
    );
}

#[tokio::test]
async fn custom_message_without_code_placeholder_is_not_used() {
    let a = app().await;
    let (_, client) = pool_with_triggers(&a, json!({"CustomMessage": CUSTOM_MESSAGE})).await;
    a.hooks.respond(
        CUSTOM_MESSAGE,
        json!({"emailSubject": "Hi", "emailMessage": "no code here"}),
    );
    a.ok("SignUp", sign_up_input(&client, "alice")).await;
    let m = a.outbox.messages().pop().unwrap();
    let code = m.code.clone().unwrap();
    assert_eq!(m.subject, "Your verification code");
    assert_eq!(m.body, format!("Your verification code is {code}. "));
}

#[tokio::test]
async fn custom_message_resend_code_source() {
    let a = app().await;
    let (_, client) = pool_with_triggers(&a, json!({"CustomMessage": CUSTOM_MESSAGE})).await;
    custom_templates(&a);
    a.ok("SignUp", sign_up_input(&client, "alice")).await;
    a.ok(
        "ResendConfirmationCode",
        json!({"ClientId": client, "Username": "alice", "ClientMetadata": {"n": "2"}}),
    )
    .await;
    let e = a.hooks.events(CUSTOM_MESSAGE).pop().unwrap();
    assert_eq!(e["triggerSource"], "CustomMessage_ResendCode");
    assert_eq!(e["request"]["clientMetadata"], json!({"n": "2"}));
    let m = a.outbox.messages().pop().unwrap();
    assert!(m
        .body
        .starts_with("CustomMessage_ResendCode: your code is "));
}

#[tokio::test]
async fn custom_message_forgot_password_source_and_code_works() {
    let a = app().await;
    let (pool, client) = pool_with_triggers(&a, json!({"CustomMessage": CUSTOM_MESSAGE})).await;
    custom_templates(&a);
    a.user(&pool, &client, "alice").await;
    a.ok(
        "AdminUpdateUserAttributes",
        json!({"UserPoolId": pool, "Username": "alice",
               "UserAttributes": [{"Name": "email_verified", "Value": "true"}]}),
    )
    .await;
    a.ok(
        "ForgotPassword",
        json!({"ClientId": client, "Username": "alice"}),
    )
    .await;
    let e = a.hooks.events(CUSTOM_MESSAGE).pop().unwrap();
    assert_eq!(e["triggerSource"], "CustomMessage_ForgotPassword");
    let m = a.outbox.messages().pop().unwrap();
    assert_eq!(m.subject, "Subject for CustomMessage_ForgotPassword");
    let code = a.outbox.last_code("alice", "ForgotPassword").unwrap();
    assert!(m.body.contains(&code));
    a.ok(
        "ConfirmForgotPassword",
        json!({"ClientId": client, "Username": "alice", "ConfirmationCode": code,
               "Password": "N3w-Passw0rd!"}),
    )
    .await;
    a.sign_in(&client, "alice", "N3w-Passw0rd!").await;
}

#[tokio::test]
async fn custom_message_update_and_verify_user_attribute_sources() {
    let a = app().await;
    let (pool, client) = pool_with_triggers(&a, json!({"CustomMessage": CUSTOM_MESSAGE})).await;
    custom_templates(&a);
    a.user(&pool, &client, "alice").await;
    let access = a.sign_in(&client, "alice", PASSWORD).await["AccessToken"].clone();
    a.ok(
        "UpdateUserAttributes",
        json!({"AccessToken": access,
               "UserAttributes": [{"Name": "email", "Value": "new@example.com"}],
               "ClientMetadata": {"via": "profile"}}),
    )
    .await;
    let e = a.hooks.events(CUSTOM_MESSAGE).pop().unwrap();
    assert_eq!(e["triggerSource"], "CustomMessage_UpdateUserAttribute");
    assert_eq!(e["callerContext"]["clientId"], client);
    assert_eq!(e["request"]["clientMetadata"], json!({"via": "profile"}));
    assert_eq!(e["request"]["userAttributes"]["email"], "new@example.com");
    a.ok(
        "GetUserAttributeVerificationCode",
        json!({"AccessToken": access, "AttributeName": "email",
               "ClientMetadata": {"via": "verify"}}),
    )
    .await;
    let e = a.hooks.events(CUSTOM_MESSAGE).pop().unwrap();
    assert_eq!(e["triggerSource"], "CustomMessage_VerifyUserAttribute");
    assert_eq!(e["request"]["clientMetadata"], json!({"via": "verify"}));
    let m = a.outbox.messages().pop().unwrap();
    assert_eq!(m.subject, "Subject for CustomMessage_VerifyUserAttribute");
    let code = m.code.clone().unwrap();
    a.ok(
        "VerifyUserAttribute",
        json!({"AccessToken": access, "AttributeName": "email", "Code": code}),
    )
    .await;
}

#[tokio::test]
async fn custom_message_admin_update_user_attributes_source() {
    let a = app().await;
    let (pool, client) = pool_with_triggers(&a, json!({"CustomMessage": CUSTOM_MESSAGE})).await;
    custom_templates(&a);
    a.user(&pool, &client, "alice").await;
    a.ok(
        "AdminUpdateUserAttributes",
        json!({"UserPoolId": pool, "Username": "alice",
               "UserAttributes": [{"Name": "email", "Value": "other@example.com"}],
               "ClientMetadata": {"by": "admin"}}),
    )
    .await;
    let e = a.hooks.events(CUSTOM_MESSAGE).pop().unwrap();
    assert_eq!(e["triggerSource"], "CustomMessage_UpdateUserAttribute");
    assert_eq!(e["callerContext"]["clientId"], "CLIENT_ID_NOT_APPLICABLE");
    assert_eq!(e["request"]["clientMetadata"], json!({"by": "admin"}));
}

#[tokio::test]
async fn custom_message_admin_create_user_invitation_fills_password_and_username() {
    let a = app().await;
    let (pool, _) = pool_with_triggers(&a, json!({"CustomMessage": CUSTOM_MESSAGE})).await;
    custom_templates(&a);
    a.ok(
        "AdminCreateUser",
        json!({
            "UserPoolId": pool,
            "Username": "bob",
            "TemporaryPassword": "Temp-Passw0rd!",
            "UserAttributes": [{"Name": "email", "Value": "bob@example.com"}],
            "DesiredDeliveryMediums": ["EMAIL"],
            "ClientMetadata": {"team": "ops"},
        }),
    )
    .await;
    let e = &a.hooks.events(CUSTOM_MESSAGE)[0];
    assert_eq!(e["triggerSource"], "CustomMessage_AdminCreateUser");
    assert_eq!(e["request"]["usernameParameter"], "{username}");
    assert_eq!(e["request"]["codeParameter"], "{####}");
    assert_eq!(e["request"]["clientMetadata"], json!({"team": "ops"}));
    let m = a.outbox.messages().pop().unwrap();
    assert_eq!(m.subject, "Subject for CustomMessage_AdminCreateUser");
    assert_eq!(
        m.body,
        "CustomMessage_AdminCreateUser: your code is Temp-Passw0rd! for bob"
    );
}

#[tokio::test]
async fn custom_message_sms_uses_sms_message() {
    let a = app().await;
    let pool = a
        .pool_with(json!({"AutoVerifiedAttributes": ["phone_number"],
                          "LambdaConfig": {"CustomMessage": CUSTOM_MESSAGE}}))
        .await;
    let client = a.client(&pool).await;
    custom_templates(&a);
    a.ok(
        "SignUp",
        json!({"ClientId": client, "Username": "carol", "Password": PASSWORD,
               "UserAttributes": [{"Name": "phone_number", "Value": "+15551234567"}]}),
    )
    .await;
    let m = a.outbox.messages().pop().unwrap();
    let code = m.code.clone().unwrap();
    assert_eq!(m.body, format!("CustomMessage_SignUp sms {code}"));
}

#[tokio::test]
async fn custom_message_failure_is_user_lambda_validation() {
    let a = app().await;
    let (_, client) = pool_with_triggers(&a, json!({"CustomMessage": CUSTOM_MESSAGE})).await;
    a.hooks.script(CUSTOM_MESSAGE, failing("template error"));
    let message = a
        .err(
            "SignUp",
            sign_up_input(&client, "alice"),
            "UserLambdaValidationException",
        )
        .await;
    assert_eq!(message, "CustomMessage failed with error template error.");
    assert!(a.outbox.messages().is_empty());
}

#[tokio::test]
async fn custom_message_admin_reset_user_password_is_forgot_password_source() {
    let a = app().await;
    let (pool, client) = pool_with_triggers(&a, json!({"CustomMessage": CUSTOM_MESSAGE})).await;
    custom_templates(&a);
    a.user(&pool, &client, "alice").await;
    a.ok(
        "AdminUpdateUserAttributes",
        json!({"UserPoolId": pool, "Username": "alice",
               "UserAttributes": [{"Name": "email_verified", "Value": "true"}]}),
    )
    .await;
    a.ok(
        "AdminResetUserPassword",
        json!({"UserPoolId": pool, "Username": "alice"}),
    )
    .await;
    let e = a.hooks.events(CUSTOM_MESSAGE).pop().unwrap();
    assert_eq!(e["triggerSource"], "CustomMessage_ForgotPassword");
    assert_eq!(e["callerContext"]["clientId"], "CLIENT_ID_NOT_APPLICABLE");
    let m = a.outbox.messages().pop().unwrap();
    assert_eq!(m.subject, "Subject for CustomMessage_ForgotPassword");
}
