//! PreSignUp, PostConfirmation, CustomMessage and UserMigration through the
//! wire, with scripted hooks: the events they receive and what their
//! answers change.

mod common;
#[path = "triggers_signup/custom_message.rs"]
mod custom_message;
#[path = "triggers_signup/migration.rs"]
mod migration;

use cognate_core::service::HookError;
use common::{app, claims, App, PASSWORD};
use serde_json::{json, Value};

const PRE_SIGN_UP: &str = "hook://pre-sign-up";
const POST_CONFIRMATION: &str = "hook://post-confirmation";
const CUSTOM_MESSAGE: &str = "hook://custom-message";
const MIGRATION: &str = "hook://user-migration";

/// A pool with the given triggers and auto-verified e-mail, and a client.
async fn pool_with_triggers(a: &App, triggers: Value) -> (String, String) {
    let pool = a
        .pool_with(json!({"AutoVerifiedAttributes": ["email"], "LambdaConfig": triggers}))
        .await;
    let client = a.client(&pool).await;
    (pool, client)
}

fn sign_up_input(client: &str, username: &str) -> Value {
    json!({
        "ClientId": client,
        "Username": username,
        "Password": PASSWORD,
        "UserAttributes": [
            {"Name": "email", "Value": format!("{username}@example.com")},
            {"Name": "name", "Value": "Alice"},
        ],
    })
}

async fn admin_get(a: &App, pool: &str, username: &str) -> Value {
    a.ok(
        "AdminGetUser",
        json!({"UserPoolId": pool, "Username": username}),
    )
    .await
}

fn attribute(user: &Value, name: &str) -> Option<String> {
    user["UserAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["Name"] == name)
        .map(|a| a["Value"].as_str().unwrap().to_string())
}

fn failing(message: &'static str) -> impl Fn(&Value) -> Result<Value, HookError> {
    move |_| Err(HookError::Failed(message.into()))
}

// === PreSignUp ===

#[tokio::test]
async fn pre_sign_up_event_has_attributes_validation_data_and_client_metadata() {
    let a = app().await;
    let (pool, client) = pool_with_triggers(&a, json!({"PreSignUp": PRE_SIGN_UP})).await;
    a.hooks.respond(PRE_SIGN_UP, json!({}));
    let mut input = sign_up_input(&client, "alice");
    input["ValidationData"] = json!([{"Name": "invite", "Value": "XYZ"}]);
    input["ClientMetadata"] = json!({"source": "web"});
    a.ok("SignUp", input).await;
    let events = a.hooks.events(PRE_SIGN_UP);
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e["triggerSource"], "PreSignUp_SignUp");
    assert_eq!(e["userName"], "alice");
    assert_eq!(e["userPoolId"], pool);
    assert_eq!(e["callerContext"]["clientId"], client);
    assert_eq!(
        e["request"]["userAttributes"],
        json!({"email": "alice@example.com", "name": "Alice"})
    );
    assert_eq!(e["request"]["validationData"], json!({"invite": "XYZ"}));
    assert_eq!(e["request"]["clientMetadata"], json!({"source": "web"}));
    assert_eq!(
        e["response"],
        json!({"autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false})
    );
}

#[tokio::test]
async fn pre_sign_up_without_validation_data_sends_null() {
    let a = app().await;
    let (_, client) = pool_with_triggers(&a, json!({"PreSignUp": PRE_SIGN_UP})).await;
    a.hooks.respond(PRE_SIGN_UP, json!({}));
    a.ok("SignUp", sign_up_input(&client, "alice")).await;
    let e = &a.hooks.events(PRE_SIGN_UP)[0];
    assert_eq!(e["request"]["validationData"], Value::Null);
    assert_eq!(e["request"]["clientMetadata"], json!({}));
}

#[tokio::test]
async fn pre_sign_up_auto_confirm_confirms_without_sending_a_code() {
    let a = app().await;
    let (pool, client) = pool_with_triggers(&a, json!({"PreSignUp": PRE_SIGN_UP})).await;
    a.hooks
        .respond(PRE_SIGN_UP, json!({"autoConfirmUser": true}));
    let out = a.ok("SignUp", sign_up_input(&client, "alice")).await;
    assert_eq!(out["UserConfirmed"], true);
    assert!(out.get("CodeDeliveryDetails").is_none());
    assert!(a.outbox.messages().is_empty());
    let user = admin_get(&a, &pool, "alice").await;
    assert_eq!(user["UserStatus"], "CONFIRMED");
    assert_eq!(attribute(&user, "email_verified").as_deref(), Some("false"));
    let tokens = a.sign_in(&client, "alice", PASSWORD).await;
    assert!(tokens["AccessToken"].is_string());
}

#[tokio::test]
async fn pre_sign_up_auto_verify_email_marks_email_verified() {
    let a = app().await;
    let (pool, client) = pool_with_triggers(&a, json!({"PreSignUp": PRE_SIGN_UP})).await;
    a.hooks.respond(
        PRE_SIGN_UP,
        json!({"autoConfirmUser": true, "autoVerifyEmail": true, "autoVerifyPhone": true}),
    );
    a.ok("SignUp", sign_up_input(&client, "alice")).await;
    let user = admin_get(&a, &pool, "alice").await;
    assert_eq!(attribute(&user, "email_verified").as_deref(), Some("true"));
    // No phone number: autoVerifyPhone has nothing to verify.
    assert_eq!(attribute(&user, "phone_number_verified"), None);
    let id = claims(
        a.sign_in(&client, "alice", PASSWORD).await["IdToken"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(id["email_verified"], true);
}

#[tokio::test]
async fn pre_sign_up_without_auto_confirm_sends_the_confirmation_code() {
    let a = app().await;
    let (pool, client) = pool_with_triggers(&a, json!({"PreSignUp": PRE_SIGN_UP})).await;
    a.hooks
        .respond(PRE_SIGN_UP, json!({"autoConfirmUser": false}));
    let out = a.ok("SignUp", sign_up_input(&client, "alice")).await;
    assert_eq!(out["UserConfirmed"], false);
    assert_eq!(out["CodeDeliveryDetails"]["DeliveryMedium"], "EMAIL");
    assert!(a.outbox.last_code("alice", "SignUp").is_some());
    assert_eq!(
        admin_get(&a, &pool, "alice").await["UserStatus"],
        "UNCONFIRMED"
    );
}

#[tokio::test]
async fn pre_sign_up_failure_is_user_lambda_validation_and_creates_no_user() {
    let a = app().await;
    let (pool, client) = pool_with_triggers(&a, json!({"PreSignUp": PRE_SIGN_UP})).await;
    a.hooks.script(PRE_SIGN_UP, failing("domain not allowed"));
    let message = a
        .err(
            "SignUp",
            sign_up_input(&client, "alice"),
            "UserLambdaValidationException",
        )
        .await;
    assert_eq!(message, "PreSignUp failed with error domain not allowed.");
    a.err(
        "AdminGetUser",
        json!({"UserPoolId": pool, "Username": "alice"}),
        "UserNotFoundException",
    )
    .await;
    assert!(a.outbox.messages().is_empty());
}

#[tokio::test]
async fn pre_sign_up_runs_after_input_validation() {
    let a = app().await;
    let (_, client) = pool_with_triggers(&a, json!({"PreSignUp": PRE_SIGN_UP})).await;
    a.hooks.respond(PRE_SIGN_UP, json!({}));
    let mut input = sign_up_input(&client, "alice");
    input["Password"] = json!("short");
    a.err("SignUp", input, "InvalidPasswordException").await;
    assert!(a.hooks.events(PRE_SIGN_UP).is_empty());
}

#[tokio::test]
async fn pre_sign_up_unreachable_hook_is_unexpected_lambda() {
    let a = app().await;
    let (_, client) = pool_with_triggers(&a, json!({"PreSignUp": "hook://nobody-listens"})).await;
    a.err(
        "SignUp",
        sign_up_input(&client, "alice"),
        "UnexpectedLambdaException",
    )
    .await;
}

#[tokio::test]
async fn pre_sign_up_admin_create_user_source_and_auto_verify() {
    let a = app().await;
    let (pool, _) = pool_with_triggers(&a, json!({"PreSignUp": PRE_SIGN_UP})).await;
    a.hooks.respond(
        PRE_SIGN_UP,
        json!({"autoConfirmUser": true, "autoVerifyEmail": true}),
    );
    a.ok(
        "AdminCreateUser",
        json!({
            "UserPoolId": pool,
            "Username": "bob",
            "UserAttributes": [{"Name": "email", "Value": "bob@example.com"}],
            "ValidationData": [{"Name": "ticket", "Value": "42"}],
            "ClientMetadata": {"by": "admin"},
            "MessageAction": "SUPPRESS",
        }),
    )
    .await;
    let e = &a.hooks.events(PRE_SIGN_UP)[0];
    assert_eq!(e["triggerSource"], "PreSignUp_AdminCreateUser");
    assert_eq!(e["userName"], "bob");
    assert_eq!(e["callerContext"]["clientId"], "CLIENT_ID_NOT_APPLICABLE");
    assert_eq!(e["request"]["validationData"], json!({"ticket": "42"}));
    assert_eq!(e["request"]["clientMetadata"], json!({"by": "admin"}));
    let user = admin_get(&a, &pool, "bob").await;
    // An invited user changes the temporary password whatever the hook says.
    assert_eq!(user["UserStatus"], "FORCE_CHANGE_PASSWORD");
    assert_eq!(attribute(&user, "email_verified").as_deref(), Some("true"));
}

#[tokio::test]
async fn pre_sign_up_failure_on_admin_create_user_creates_no_user() {
    let a = app().await;
    let (pool, _) = pool_with_triggers(&a, json!({"PreSignUp": PRE_SIGN_UP})).await;
    a.hooks.script(PRE_SIGN_UP, failing("no"));
    let message = a
        .err(
            "AdminCreateUser",
            json!({"UserPoolId": pool, "Username": "bob"}),
            "UserLambdaValidationException",
        )
        .await;
    assert_eq!(message, "PreSignUp failed with error no.");
    a.err(
        "AdminGetUser",
        json!({"UserPoolId": pool, "Username": "bob"}),
        "UserNotFoundException",
    )
    .await;
}

// === PostConfirmation ===

#[tokio::test]
async fn post_confirmation_after_confirm_sign_up_has_confirmed_attributes() {
    let a = app().await;
    let (_, client) = pool_with_triggers(&a, json!({"PostConfirmation": POST_CONFIRMATION})).await;
    a.hooks.respond(POST_CONFIRMATION, json!({}));
    let sub = a.ok("SignUp", sign_up_input(&client, "alice")).await["UserSub"].clone();
    assert!(a.hooks.events(POST_CONFIRMATION).is_empty());
    let code = a.outbox.last_code("alice", "SignUp").unwrap();
    a.ok(
        "ConfirmSignUp",
        json!({"ClientId": client, "Username": "alice", "ConfirmationCode": code,
               "ClientMetadata": {"step": "confirm"}}),
    )
    .await;
    let events = a.hooks.events(POST_CONFIRMATION);
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e["triggerSource"], "PostConfirmation_ConfirmSignUp");
    assert_eq!(e["userName"], "alice");
    assert_eq!(e["callerContext"]["clientId"], client);
    let attrs = &e["request"]["userAttributes"];
    assert_eq!(attrs["sub"], sub);
    assert_eq!(attrs["cognito:user_status"], "CONFIRMED");
    assert_eq!(attrs["email"], "alice@example.com");
    assert_eq!(attrs["email_verified"], "true");
    assert_eq!(e["request"]["clientMetadata"], json!({"step": "confirm"}));
}

#[tokio::test]
async fn post_confirmation_runs_for_admin_confirm_sign_up() {
    let a = app().await;
    let (pool, client) =
        pool_with_triggers(&a, json!({"PostConfirmation": POST_CONFIRMATION})).await;
    a.hooks.respond(POST_CONFIRMATION, json!({}));
    a.ok("SignUp", sign_up_input(&client, "alice")).await;
    a.ok(
        "AdminConfirmSignUp",
        json!({"UserPoolId": pool, "Username": "alice", "ClientMetadata": {"k": "v"}}),
    )
    .await;
    let e = &a.hooks.events(POST_CONFIRMATION)[0];
    assert_eq!(e["triggerSource"], "PostConfirmation_ConfirmSignUp");
    assert_eq!(e["callerContext"]["clientId"], "CLIENT_ID_NOT_APPLICABLE");
    assert_eq!(e["request"]["clientMetadata"], json!({"k": "v"}));
}

#[tokio::test]
async fn post_confirmation_failure_is_returned_and_user_stays_confirmed() {
    let a = app().await;
    let (pool, client) =
        pool_with_triggers(&a, json!({"PostConfirmation": POST_CONFIRMATION})).await;
    a.hooks.script(POST_CONFIRMATION, failing("crm down"));
    a.ok("SignUp", sign_up_input(&client, "alice")).await;
    let code = a.outbox.last_code("alice", "SignUp").unwrap();
    let message = a
        .err(
            "ConfirmSignUp",
            json!({"ClientId": client, "Username": "alice", "ConfirmationCode": code}),
            "UserLambdaValidationException",
        )
        .await;
    assert_eq!(message, "PostConfirmation failed with error crm down.");
    assert_eq!(
        admin_get(&a, &pool, "alice").await["UserStatus"],
        "CONFIRMED"
    );
}

#[tokio::test]
async fn post_confirmation_not_run_when_pre_sign_up_auto_confirms() {
    let a = app().await;
    let (_, client) = pool_with_triggers(
        &a,
        json!({"PreSignUp": PRE_SIGN_UP, "PostConfirmation": POST_CONFIRMATION}),
    )
    .await;
    a.hooks
        .respond(PRE_SIGN_UP, json!({"autoConfirmUser": true}));
    a.hooks.respond(POST_CONFIRMATION, json!({}));
    a.ok("SignUp", sign_up_input(&client, "alice")).await;
    assert_eq!(a.hooks.sources(), vec!["PreSignUp_SignUp"]);
}

#[tokio::test]
async fn post_confirmation_after_confirm_forgot_password() {
    let a = app().await;
    let (pool, client) =
        pool_with_triggers(&a, json!({"PostConfirmation": POST_CONFIRMATION})).await;
    a.hooks.respond(POST_CONFIRMATION, json!({}));
    a.user(&pool, &client, "alice").await;
    a.ok(
        "AdminUpdateUserAttributes",
        json!({"UserPoolId": pool, "Username": "alice",
               "UserAttributes": [{"Name": "email_verified", "Value": "true"}]}),
    )
    .await;
    let before = a.hooks.events(POST_CONFIRMATION).len();
    a.ok(
        "ForgotPassword",
        json!({"ClientId": client, "Username": "alice"}),
    )
    .await;
    let code = a.outbox.last_code("alice", "ForgotPassword").unwrap();
    a.ok(
        "ConfirmForgotPassword",
        json!({"ClientId": client, "Username": "alice", "ConfirmationCode": code,
               "Password": "N3w-Passw0rd!", "ClientMetadata": {"why": "forgot"}}),
    )
    .await;
    let events = a.hooks.events(POST_CONFIRMATION);
    assert_eq!(events.len(), before + 1);
    let e = events.last().unwrap();
    assert_eq!(e["triggerSource"], "PostConfirmation_ConfirmForgotPassword");
    assert_eq!(
        e["request"]["userAttributes"]["cognito:user_status"],
        "CONFIRMED"
    );
    assert_eq!(e["request"]["clientMetadata"], json!({"why": "forgot"}));
}
