//! UserMigration: sign-in and ForgotPassword of a user the pool does not
//! know ask the hook, which may bring the user in.

use super::*;

/// A migration hook that knows `legacy` with password `Legacy-Passw0rd!`.
fn legacy_directory(a: &App, status: &'static str) {
    a.hooks.script(MIGRATION, move |event| {
        let known = event["userName"] == "legacy";
        let password_ok = match event["triggerSource"].as_str().unwrap() {
            "UserMigration_Authentication" => event["request"]["password"] == "Legacy-Passw0rd!",
            _ => true,
        };
        if !known || !password_ok {
            return Err(HookError::Failed("Bad password".into()));
        }
        let mut answer = event.clone();
        answer["response"] = json!({
            "userAttributes": {
                "email": "legacy@example.com",
                "email_verified": "true",
                "name": "Legacy User",
            },
            "finalUserStatus": status,
            "messageAction": "SUPPRESS",
        });
        Ok(answer)
    });
}

#[tokio::test]
async fn user_migration_sign_in_creates_the_user_and_returns_tokens() {
    let a = app().await;
    let (pool, client) = pool_with_triggers(&a, json!({"UserMigration": MIGRATION})).await;
    legacy_directory(&a, "CONFIRMED");
    let out = a
        .ok(
            "InitiateAuth",
            json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
                   "AuthParameters": {"USERNAME": "legacy", "PASSWORD": "Legacy-Passw0rd!"},
                   "ClientMetadata": {"app": "v2"}}),
        )
        .await;
    let id = claims(out["AuthenticationResult"]["IdToken"].as_str().unwrap());
    assert_eq!(id["cognito:username"], "legacy");
    assert_eq!(id["email"], "legacy@example.com");
    assert_eq!(id["email_verified"], true);
    let e = &a.hooks.events(MIGRATION)[0];
    assert_eq!(e["triggerSource"], "UserMigration_Authentication");
    assert_eq!(e["userName"], "legacy");
    assert_eq!(e["callerContext"]["clientId"], client);
    assert_eq!(e["request"]["password"], "Legacy-Passw0rd!");
    let user = admin_get(&a, &pool, "legacy").await;
    assert_eq!(user["UserStatus"], "CONFIRMED");
    assert_eq!(attribute(&user, "name").as_deref(), Some("Legacy User"));
}

#[tokio::test]
async fn user_migration_then_sign_in_without_the_hook() {
    let a = app().await;
    let (_, client) = pool_with_triggers(&a, json!({"UserMigration": MIGRATION})).await;
    legacy_directory(&a, "CONFIRMED");
    a.sign_in(&client, "legacy", "Legacy-Passw0rd!").await;
    assert_eq!(a.hooks.events(MIGRATION).len(), 1);
    let tokens = a.sign_in(&client, "legacy", "Legacy-Passw0rd!").await;
    assert!(tokens["AccessToken"].is_string());
    assert_eq!(a.hooks.events(MIGRATION).len(), 1);
    a.err(
        "InitiateAuth",
        json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": "legacy", "PASSWORD": "Wrong-Passw0rd!"}}),
        "NotAuthorizedException",
    )
    .await;
}

#[tokio::test]
async fn user_migration_admin_password_auth_creates_the_user() {
    let a = app().await;
    let (pool, client) = pool_with_triggers(&a, json!({"UserMigration": MIGRATION})).await;
    legacy_directory(&a, "CONFIRMED");
    let out = a
        .ok(
            "AdminInitiateAuth",
            json!({"UserPoolId": pool, "ClientId": client,
                   "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                   "AuthParameters": {"USERNAME": "legacy", "PASSWORD": "Legacy-Passw0rd!"}}),
        )
        .await;
    assert!(out["AuthenticationResult"]["IdToken"].is_string());
}

#[tokio::test]
async fn user_migration_refused_is_user_not_found_naming_the_client() {
    let a = app().await;
    let (pool, client) = pool_with_triggers(&a, json!({"UserMigration": MIGRATION})).await;
    legacy_directory(&a, "CONFIRMED");
    let message = a
        .err(
            "InitiateAuth",
            json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
                   "AuthParameters": {"USERNAME": "legacy", "PASSWORD": "Wrong-Passw0rd!"}}),
            "UserNotFoundException",
        )
        .await;
    assert_eq!(
        message,
        format!("Exception migrating user in app client {client}")
    );
    a.err(
        "AdminGetUser",
        json!({"UserPoolId": pool, "Username": "legacy"}),
        "UserNotFoundException",
    )
    .await;
}

#[tokio::test]
async fn user_migration_refused_is_not_authorized_when_client_hides_users() {
    let a = app().await;
    let pool = a
        .pool_with(json!({"LambdaConfig": {"UserMigration": MIGRATION}}))
        .await;
    let client = a
        .client_with(&pool, json!({"PreventUserExistenceErrors": "ENABLED"}))
        .await;
    legacy_directory(&a, "CONFIRMED");
    let message = a
        .err(
            "InitiateAuth",
            json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
                   "AuthParameters": {"USERNAME": "nobody", "PASSWORD": "Legacy-Passw0rd!"}}),
            "NotAuthorizedException",
        )
        .await;
    assert_eq!(message, "Incorrect username or password.");
}

#[tokio::test]
async fn user_migration_not_run_for_existing_users() {
    let a = app().await;
    let (pool, client) = pool_with_triggers(&a, json!({"UserMigration": MIGRATION})).await;
    legacy_directory(&a, "CONFIRMED");
    a.user(&pool, &client, "alice").await;
    a.sign_in(&client, "alice", PASSWORD).await;
    a.err(
        "InitiateAuth",
        json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": "alice", "PASSWORD": "Wrong-Passw0rd!"}}),
        "NotAuthorizedException",
    )
    .await;
    assert!(a.hooks.events(MIGRATION).is_empty());
}

#[tokio::test]
async fn user_migration_reset_required_status_asks_for_a_reset() {
    let a = app().await;
    let (pool, client) = pool_with_triggers(&a, json!({"UserMigration": MIGRATION})).await;
    legacy_directory(&a, "RESET_REQUIRED");
    a.err(
        "InitiateAuth",
        json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": "legacy", "PASSWORD": "Legacy-Passw0rd!"}}),
        "PasswordResetRequiredException",
    )
    .await;
    assert_eq!(
        admin_get(&a, &pool, "legacy").await["UserStatus"],
        "RESET_REQUIRED"
    );
}

#[tokio::test]
async fn user_migration_forgot_password_creates_user_and_sends_reset_code() {
    let a = app().await;
    let (pool, client) = pool_with_triggers(&a, json!({"UserMigration": MIGRATION})).await;
    legacy_directory(&a, "RESET_REQUIRED");
    let out = a
        .ok(
            "ForgotPassword",
            json!({"ClientId": client, "Username": "legacy", "ClientMetadata": {"k": "v"}}),
        )
        .await;
    assert_eq!(out["CodeDeliveryDetails"]["DeliveryMedium"], "EMAIL");
    let e = &a.hooks.events(MIGRATION)[0];
    assert_eq!(e["triggerSource"], "UserMigration_ForgotPassword");
    assert!(e["request"].get("password").is_none());
    assert_eq!(e["request"]["clientMetadata"], json!({"k": "v"}));
    assert_eq!(
        admin_get(&a, &pool, "legacy").await["UserStatus"],
        "RESET_REQUIRED"
    );
    let code = a.outbox.last_code("legacy", "ForgotPassword").unwrap();
    a.ok(
        "ConfirmForgotPassword",
        json!({"ClientId": client, "Username": "legacy", "ConfirmationCode": code,
               "Password": "N3w-Passw0rd!"}),
    )
    .await;
    a.sign_in(&client, "legacy", "N3w-Passw0rd!").await;
    assert_eq!(a.hooks.events(MIGRATION).len(), 1);
}

#[tokio::test]
async fn user_migration_forgot_password_refused_is_user_not_found() {
    let a = app().await;
    let (_, client) = pool_with_triggers(&a, json!({"UserMigration": MIGRATION})).await;
    legacy_directory(&a, "RESET_REQUIRED");
    let message = a
        .err(
            "ForgotPassword",
            json!({"ClientId": client, "Username": "stranger"}),
            "UserNotFoundException",
        )
        .await;
    assert_eq!(
        message,
        format!("Exception migrating user in app client {client}")
    );
}

#[tokio::test]
async fn user_migration_unreachable_hook_is_unexpected_lambda() {
    let a = app().await;
    let (_, client) =
        pool_with_triggers(&a, json!({"UserMigration": "hook://nobody-listens"})).await;
    a.err(
        "InitiateAuth",
        json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": "legacy", "PASSWORD": "Legacy-Passw0rd!"}}),
        "UnexpectedLambdaException",
    )
    .await;
}

#[tokio::test]
async fn user_migration_in_email_username_pool_signs_in_by_email() {
    let a = app().await;
    let pool = a
        .pool_with(json!({"UsernameAttributes": ["email"],
                          "LambdaConfig": {"UserMigration": MIGRATION}}))
        .await;
    let client = a.client(&pool).await;
    a.hooks.respond(
        MIGRATION,
        json!({"userAttributes": {"email_verified": "true"}, "finalUserStatus": "CONFIRMED"}),
    );
    let tokens = a
        .sign_in(&client, "old@example.com", "Legacy-Passw0rd!")
        .await;
    let id = claims(tokens["IdToken"].as_str().unwrap());
    assert_eq!(id["email"], "old@example.com");
    assert_eq!(id["cognito:username"], id["sub"]);
    assert_eq!(a.hooks.events(MIGRATION)[0]["userName"], "old@example.com");
    a.sign_in(&client, "old@example.com", "Legacy-Passw0rd!")
        .await;
    assert_eq!(a.hooks.events(MIGRATION).len(), 1);
}

#[tokio::test]
async fn user_migration_unknown_final_status_is_invalid_lambda_response() {
    let a = app().await;
    let (pool, client) = pool_with_triggers(&a, json!({"UserMigration": MIGRATION})).await;
    a.hooks.respond(
        MIGRATION,
        json!({"userAttributes": {"name": "X"}, "finalUserStatus": "FORCE_CHANGE_PASSWORD"}),
    );
    a.err(
        "InitiateAuth",
        json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": "legacy", "PASSWORD": "Legacy-Passw0rd!"}}),
        "InvalidLambdaResponseException",
    )
    .await;
    a.err(
        "AdminGetUser",
        json!({"UserPoolId": pool, "Username": "legacy"}),
        "UserNotFoundException",
    )
    .await;
}

/// An alias pool where `alice` holds the verified e-mail the migrated user claims.
async fn alias_taken(a: &App, force: bool) -> (String, String) {
    let pool = a
        .pool_with(json!({"AliasAttributes": ["email"],
                          "LambdaConfig": {"UserMigration": MIGRATION}}))
        .await;
    let client = a.client(&pool).await;
    a.ok(
        "AdminCreateUser",
        json!({"UserPoolId": pool, "Username": "alice", "MessageAction": "SUPPRESS",
               "UserAttributes": [{"Name": "email", "Value": "shared@example.com"},
                                  {"Name": "email_verified", "Value": "true"}]}),
    )
    .await;
    a.hooks.respond(
        MIGRATION,
        json!({"userAttributes": {"email": "shared@example.com", "email_verified": "true"},
               "finalUserStatus": "CONFIRMED", "forceAliasCreation": force}),
    );
    (pool, client)
}

#[tokio::test]
async fn user_migration_taken_alias_is_alias_exists_without_force() {
    let a = app().await;
    let (pool, client) = alias_taken(&a, false).await;
    a.err(
        "InitiateAuth",
        json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": "legacy", "PASSWORD": "Legacy-Passw0rd!"}}),
        "AliasExistsException",
    )
    .await;
    let alice = admin_get(&a, &pool, "alice").await;
    assert_eq!(attribute(&alice, "email_verified").as_deref(), Some("true"));
}

#[tokio::test]
async fn user_migration_force_alias_creation_moves_the_alias() {
    let a = app().await;
    let (pool, client) = alias_taken(&a, true).await;
    a.sign_in(&client, "legacy", "Legacy-Passw0rd!").await;
    let alice = admin_get(&a, &pool, "alice").await;
    assert_eq!(
        attribute(&alice, "email_verified").as_deref(),
        Some("false")
    );
    // The e-mail address now signs in as the migrated user.
    let id = claims(
        a.sign_in(&client, "shared@example.com", "Legacy-Passw0rd!")
            .await["IdToken"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(id["cognito:username"], "legacy");
}
