//! Sign-up, confirmation, users, attributes and passwords through the wire.

mod common;

use common::{app, claims, PASSWORD};
use serde_json::json;

#[tokio::test]
async fn sign_up_confirm_with_mailed_code_then_sign_in_returns_tokens() {
    let app = app().await;
    let pool = app
        .pool_with(json!({"AutoVerifiedAttributes": ["email"]}))
        .await;
    let client = app.client(&pool).await;
    let out = app
        .ok(
            "SignUp",
            json!({"ClientId": client, "Username": "alice", "Password": PASSWORD,
                   "UserAttributes": [{"Name": "email", "Value": "alice@example.com"}]}),
        )
        .await;
    assert_eq!(out["UserConfirmed"], false);
    assert_eq!(out["CodeDeliveryDetails"]["DeliveryMedium"], "EMAIL");
    assert_eq!(out["CodeDeliveryDetails"]["Destination"], "a***@e***");
    let code = app.outbox.last_code("alice", "SignUp").unwrap();
    app.ok(
        "ConfirmSignUp",
        json!({"ClientId": client, "Username": "alice", "ConfirmationCode": code}),
    )
    .await;
    let tokens = app.sign_in(&client, "alice", PASSWORD).await;
    let id = claims(tokens["IdToken"].as_str().unwrap());
    assert_eq!(id["email_verified"], true);
    assert_eq!(id["sub"], out["UserSub"]);
}

#[tokio::test]
async fn sign_up_twice_is_username_exists() {
    let app = app().await;
    let pool = app.pool().await;
    let client = app.client(&pool).await;
    let input = json!({"ClientId": client, "Username": "bob", "Password": PASSWORD});
    app.ok("SignUp", input.clone()).await;
    app.err("SignUp", input, "UsernameExistsException").await;
}

#[tokio::test]
async fn case_insensitive_pool_finds_usernames_in_any_case() {
    let app = app().await;
    let pool = app
        .pool_with(json!({"UsernameConfiguration": {"CaseSensitive": false}}))
        .await;
    let client = app.client(&pool).await;
    app.user(&pool, &client, "Carol").await;
    app.sign_in(&client, "carol", PASSWORD).await;
}

#[tokio::test]
async fn usernames_are_case_sensitive_when_the_pool_does_not_say() {
    let app = app().await;
    let pool = app.pool().await;
    let client = app.client(&pool).await;
    app.user(&pool, &client, "Carol").await;
    app.err(
        "InitiateAuth",
        json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": "carol", "PASSWORD": PASSWORD}}),
        "UserNotFoundException",
    )
    .await;
}

#[tokio::test]
async fn weak_password_is_invalid_password() {
    let app = app().await;
    let pool = app.pool().await;
    let client = app.client(&pool).await;
    let msg = app
        .err(
            "SignUp",
            json!({"ClientId": client, "Username": "dave", "Password": "short"}),
            "InvalidPasswordException",
        )
        .await;
    assert!(
        msg.contains("Password did not conform with policy"),
        "{msg}"
    );
}

#[tokio::test]
async fn password_is_stored_as_argon2id_phc_string() {
    let app = app().await;
    let pool = app.pool().await;
    let client = app.client(&pool).await;
    app.user(&pool, &client, "erin").await;
    let user = app.store.get_user(&pool, "erin").await.unwrap().unwrap();
    let hash = user.password_hash.unwrap();
    assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
    assert!(!hash.contains(PASSWORD));
}

#[tokio::test]
async fn confirmation_code_is_stored_only_as_a_hash() {
    let app = app().await;
    let pool = app
        .pool_with(json!({"AutoVerifiedAttributes": ["email"]}))
        .await;
    let client = app.client(&pool).await;
    let out = app
        .ok(
            "SignUp",
            json!({"ClientId": client, "Username": "fay", "Password": PASSWORD,
                   "UserAttributes": [{"Name": "email", "Value": "fay@example.com"}]}),
        )
        .await;
    let code = app.outbox.last_code("fay", "SignUp").unwrap();
    let sub = out["UserSub"].as_str().unwrap();
    let rec = app
        .store
        .get_code(&pool, sub, "sign_up")
        .await
        .unwrap()
        .unwrap();
    assert!(!rec.code_hash.contains(&code));
    assert_eq!(rec.code_hash.len(), 64);
}

async fn signed_up(app: &common::App, username: &str) -> (String, String) {
    let pool = app
        .pool_with(json!({"AutoVerifiedAttributes": ["email"]}))
        .await;
    let client = app.client(&pool).await;
    app.ok(
        "SignUp",
        json!({"ClientId": client, "Username": username, "Password": PASSWORD,
               "UserAttributes": [{"Name": "email", "Value": format!("{username}@example.com")}]}),
    )
    .await;
    (pool, client)
}

#[tokio::test]
async fn wrong_confirmation_code_is_code_mismatch() {
    let app = app().await;
    let (_, client) = signed_up(&app, "gus").await;
    app.err(
        "ConfirmSignUp",
        json!({"ClientId": client, "Username": "gus", "ConfirmationCode": "000000x"}),
        "CodeMismatchException",
    )
    .await;
}

#[tokio::test]
async fn sign_up_code_expires_after_24_hours() {
    let app = app().await;
    let (_, client) = signed_up(&app, "hal").await;
    let code = app.outbox.last_code("hal", "SignUp").unwrap();
    app.clock.advance_secs(24 * 3600 + 1);
    app.err(
        "ConfirmSignUp",
        json!({"ClientId": client, "Username": "hal", "ConfirmationCode": code}),
        "ExpiredCodeException",
    )
    .await;
}

#[tokio::test]
async fn code_is_void_after_five_wrong_tries() {
    let app = app().await;
    let (_, client) = signed_up(&app, "ivy").await;
    let code = app.outbox.last_code("ivy", "SignUp").unwrap();
    for _ in 0..5 {
        app.err(
            "ConfirmSignUp",
            json!({"ClientId": client, "Username": "ivy", "ConfirmationCode": "bad"}),
            "CodeMismatchException",
        )
        .await;
    }
    app.err(
        "ConfirmSignUp",
        json!({"ClientId": client, "Username": "ivy", "ConfirmationCode": code}),
        "TooManyFailedAttemptsException",
    )
    .await;
}

#[tokio::test]
async fn code_is_single_use() {
    let app = app().await;
    let (pool, client) = signed_up(&app, "jon").await;
    let code = app.outbox.last_code("jon", "SignUp").unwrap();
    let input = json!({"ClientId": client, "Username": "jon", "ConfirmationCode": code});
    app.ok("ConfirmSignUp", input.clone()).await;
    app.ok(
        "AdminGetUser",
        json!({"UserPoolId": pool, "Username": "jon"}),
    )
    .await;
    app.err("ConfirmSignUp", input, "NotAuthorizedException")
        .await;
}

#[tokio::test]
async fn unconfirmed_user_sign_in_is_user_not_confirmed() {
    let app = app().await;
    let (_, client) = signed_up(&app, "kim").await;
    app.err(
        "InitiateAuth",
        json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": "kim", "PASSWORD": PASSWORD}}),
        "UserNotConfirmedException",
    )
    .await;
}

#[tokio::test]
async fn forgot_password_code_sets_new_password() {
    let app = app().await;
    let (pool, client) = signed_up(&app, "lea").await;
    let code = app.outbox.last_code("lea", "SignUp").unwrap();
    app.ok(
        "ConfirmSignUp",
        json!({"ClientId": client, "Username": "lea", "ConfirmationCode": code}),
    )
    .await;
    let out = app
        .ok(
            "ForgotPassword",
            json!({"ClientId": client, "Username": "lea"}),
        )
        .await;
    assert_eq!(out["CodeDeliveryDetails"]["AttributeName"], "email");
    let code = app.outbox.last_code("lea", "ForgotPassword").unwrap();
    app.ok(
        "ConfirmForgotPassword",
        json!({"ClientId": client, "Username": "lea", "ConfirmationCode": code, "Password": "N3w-Passw0rd"}),
    )
    .await;
    app.sign_in(&client, "lea", "N3w-Passw0rd").await;
    let _ = pool;
}

#[tokio::test]
async fn reset_code_expires_after_one_hour() {
    let app = app().await;
    let pool = app.pool().await;
    let client = app.client(&pool).await;
    app.user(&pool, &client, "mia").await;
    app.ok(
        "AdminUpdateUserAttributes",
        json!({"UserPoolId": pool, "Username": "mia",
               "UserAttributes": [{"Name": "email_verified", "Value": "true"}]}),
    )
    .await;
    app.ok(
        "ForgotPassword",
        json!({"ClientId": client, "Username": "mia"}),
    )
    .await;
    let code = app.outbox.last_code("mia", "ForgotPassword").unwrap();
    app.clock.advance_secs(3601);
    app.err(
        "ConfirmForgotPassword",
        json!({"ClientId": client, "Username": "mia", "ConfirmationCode": code, "Password": "N3w-Passw0rd"}),
        "ExpiredCodeException",
    )
    .await;
}

#[tokio::test]
async fn list_users_filters_by_email_prefix_and_status() {
    let app = app().await;
    let pool = app.pool().await;
    let client = app.client(&pool).await;
    for name in ["ann", "andy", "bea"] {
        app.user(&pool, &client, name).await;
    }
    app.ok(
        "SignUp",
        json!({"ClientId": client, "Username": "unconf", "Password": PASSWORD}),
    )
    .await;
    let out = app
        .ok(
            "ListUsers",
            json!({"UserPoolId": pool, "Filter": "email ^= \"an\""}),
        )
        .await;
    let names: Vec<&str> = out["Users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["Username"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["andy", "ann"]);
    let out = app
        .ok(
            "ListUsers",
            json!({"UserPoolId": pool, "Filter": "cognito:user_status = \"UNCONFIRMED\""}),
        )
        .await;
    assert_eq!(out["Users"].as_array().unwrap().len(), 1);
    app.err(
        "ListUsers",
        json!({"UserPoolId": pool, "Filter": "email ~ x"}),
        "InvalidParameterException",
    )
    .await;
}

#[tokio::test]
async fn list_users_paginates() {
    let app = app().await;
    let pool = app.pool().await;
    let client = app.client(&pool).await;
    for name in ["u1", "u2", "u3"] {
        app.user(&pool, &client, name).await;
    }
    let first = app
        .ok("ListUsers", json!({"UserPoolId": pool, "Limit": 2}))
        .await;
    assert_eq!(first["Users"].as_array().unwrap().len(), 2);
    let token = first["PaginationToken"].as_str().unwrap();
    let second = app
        .ok(
            "ListUsers",
            json!({"UserPoolId": pool, "Limit": 2, "PaginationToken": token}),
        )
        .await;
    assert_eq!(second["Users"][0]["Username"], "u3");
    assert!(second.get("PaginationToken").is_none());
}

#[tokio::test]
async fn admin_created_user_must_set_new_password() {
    let app = app().await;
    let pool = app.pool().await;
    let client = app.client(&pool).await;
    let out = app
        .ok(
            "AdminCreateUser",
            json!({"UserPoolId": pool, "Username": "nia", "TemporaryPassword": "Temp-Passw0rd",
                   "UserAttributes": [{"Name": "email", "Value": "nia@example.com"}],
                   "DesiredDeliveryMediums": ["EMAIL"]}),
        )
        .await;
    assert_eq!(out["User"]["UserStatus"], "FORCE_CHANGE_PASSWORD");
    assert_eq!(
        app.outbox.last_code("nia", "Invitation").unwrap(),
        "Temp-Passw0rd"
    );
    let ch = app
        .ok(
            "InitiateAuth",
            json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
                   "AuthParameters": {"USERNAME": "nia", "PASSWORD": "Temp-Passw0rd"}}),
        )
        .await;
    assert_eq!(ch["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    assert_eq!(ch["ChallengeParameters"]["USER_ID_FOR_SRP"], "nia");
    let session = ch["Session"].as_str().unwrap();
    let respond = json!({"ClientId": client, "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": session,
                         "ChallengeResponses": {"USERNAME": "nia", "NEW_PASSWORD": "Final-Passw0rd"}});
    let done = app.ok("RespondToAuthChallenge", respond.clone()).await;
    assert!(done["AuthenticationResult"]["IdToken"].is_string());
    // The session string is single use.
    app.err("RespondToAuthChallenge", respond, "NotAuthorizedException")
        .await;
    app.sign_in(&client, "nia", "Final-Passw0rd").await;
}

#[tokio::test]
async fn auth_session_expires_after_three_minutes() {
    let app = app().await;
    let pool = app.pool().await;
    let client = app.client(&pool).await;
    app.ok(
        "AdminCreateUser",
        json!({"UserPoolId": pool, "Username": "oli", "TemporaryPassword": "Temp-Passw0rd", "MessageAction": "SUPPRESS"}),
    )
    .await;
    let ch = app
        .ok(
            "AdminInitiateAuth",
            json!({"UserPoolId": pool, "ClientId": client, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                   "AuthParameters": {"USERNAME": "oli", "PASSWORD": "Temp-Passw0rd"}}),
        )
        .await;
    app.clock.advance_secs(181);
    let msg = app
        .err(
            "AdminRespondToAuthChallenge",
            json!({"UserPoolId": pool, "ClientId": client, "ChallengeName": "NEW_PASSWORD_REQUIRED",
                   "Session": ch["Session"], "ChallengeResponses": {"USERNAME": "oli", "NEW_PASSWORD": "Final-Passw0rd"}}),
            "NotAuthorizedException",
        )
        .await;
    assert!(msg.contains("expired"), "{msg}");
}

#[tokio::test]
async fn update_email_marks_it_unverified_and_custom_attribute_is_a_string_claim() {
    let app = app().await;
    let pool = app
        .pool_with(
            json!({"Schema": [{"Name": "tenant", "AttributeDataType": "String", "Mutable": true}]}),
        )
        .await;
    let client = app.client(&pool).await;
    app.user(&pool, &client, "pat").await;
    app.ok(
        "AdminUpdateUserAttributes",
        json!({"UserPoolId": pool, "Username": "pat", "UserAttributes": [
            {"Name": "custom:tenant", "Value": "acme"}, {"Name": "email_verified", "Value": "true"}]}),
    )
    .await;
    let tokens = app.sign_in(&client, "pat", PASSWORD).await;
    let id = claims(tokens["IdToken"].as_str().unwrap());
    assert_eq!(id["custom:tenant"], "acme");
    assert_eq!(id["email_verified"], true);
    app.ok(
        "UpdateUserAttributes",
        json!({"AccessToken": tokens["AccessToken"], "UserAttributes": [{"Name": "email", "Value": "new@example.com"}]}),
    )
    .await;
    let user = app
        .ok(
            "AdminGetUser",
            json!({"UserPoolId": pool, "Username": "pat"}),
        )
        .await;
    let attrs = user["UserAttributes"].as_array().unwrap();
    let get = |n: &str| {
        attrs
            .iter()
            .find(|a| a["Name"] == n)
            .map(|a| a["Value"].clone())
    };
    assert_eq!(get("email").unwrap(), "new@example.com");
    assert_eq!(get("email_verified").unwrap(), "false");
}

#[tokio::test]
async fn unknown_attribute_is_invalid_parameter() {
    let app = app().await;
    let pool = app.pool().await;
    let client = app.client(&pool).await;
    app.err(
        "SignUp",
        json!({"ClientId": client, "Username": "quin", "Password": PASSWORD,
               "UserAttributes": [{"Name": "custom:nope", "Value": "x"}]}),
        "InvalidParameterException",
    )
    .await;
}

#[tokio::test]
async fn disabled_user_cannot_sign_in() {
    let app = app().await;
    let pool = app.pool().await;
    let client = app.client(&pool).await;
    app.user(&pool, &client, "rae").await;
    app.ok(
        "AdminDisableUser",
        json!({"UserPoolId": pool, "Username": "rae"}),
    )
    .await;
    let msg = app
        .err(
            "InitiateAuth",
            json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
                   "AuthParameters": {"USERNAME": "rae", "PASSWORD": PASSWORD}}),
            "NotAuthorizedException",
        )
        .await;
    assert_eq!(msg, "User is disabled.");
    app.ok(
        "AdminEnableUser",
        json!({"UserPoolId": pool, "Username": "rae"}),
    )
    .await;
    app.sign_in(&client, "rae", PASSWORD).await;
}

#[tokio::test]
async fn admin_reset_password_requires_reset_at_sign_in() {
    let app = app().await;
    let pool = app.pool().await;
    let client = app.client(&pool).await;
    app.user(&pool, &client, "sam").await;
    app.ok(
        "AdminResetUserPassword",
        json!({"UserPoolId": pool, "Username": "sam"}),
    )
    .await;
    app.err(
        "InitiateAuth",
        json!({"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": "sam", "PASSWORD": PASSWORD}}),
        "PasswordResetRequiredException",
    )
    .await;
}

#[tokio::test]
async fn email_username_pool_signs_in_by_email_with_uuid_username() {
    let app = app().await;
    let pool = app
        .pool_with(json!({"UsernameAttributes": ["email"], "UsernameConfiguration": {"CaseSensitive": false}}))
        .await;
    let client = app.client(&pool).await;
    let out = app
        .ok(
            "SignUp",
            json!({"ClientId": client, "Username": "Tia@Example.com", "Password": PASSWORD}),
        )
        .await;
    app.ok(
        "AdminConfirmSignUp",
        json!({"UserPoolId": pool, "Username": "tia@example.com"}),
    )
    .await;
    let tokens = app.sign_in(&client, "tia@example.com", PASSWORD).await;
    let id = claims(tokens["IdToken"].as_str().unwrap());
    assert_eq!(id["cognito:username"], out["UserSub"]);
    assert_eq!(id["email"], "tia@example.com");
    app.err(
        "SignUp",
        json!({"ClientId": client, "Username": "tia@example.com", "Password": PASSWORD}),
        "UsernameExistsException",
    )
    .await;
}

#[tokio::test]
async fn verified_email_alias_belongs_to_one_user() {
    let app = app().await;
    let pool = app.pool_with(json!({"AliasAttributes": ["email"]})).await;
    let create = |name: &str| {
        json!({"UserPoolId": pool, "Username": name, "MessageAction": "SUPPRESS",
               "UserAttributes": [{"Name": "email", "Value": "same@example.com"},
                                  {"Name": "email_verified", "Value": "true"}]})
    };
    app.ok("AdminCreateUser", create("first")).await;
    app.err("AdminCreateUser", create("second"), "AliasExistsException")
        .await;
}

#[tokio::test]
async fn hidden_unknown_user_with_a_weak_new_password_is_invalid_password_as_a_known_one() {
    let app = app().await;
    let pool = app.pool().await;
    let client = app
        .client_with(&pool, json!({"PreventUserExistenceErrors": "ENABLED"}))
        .await;
    app.user(&pool, &client, "alice").await;
    for name in ["alice", "ghost"] {
        app.err(
            "ConfirmForgotPassword",
            json!({"ClientId": client, "Username": name, "ConfirmationCode": "123456", "Password": "weak"}),
            "InvalidPasswordException",
        )
        .await;
    }
}

#[tokio::test]
async fn hidden_unknown_user_gets_a_simulated_delivery_and_code_mismatch() {
    let app = app().await;
    let pool = app.pool().await;
    let client = app
        .client_with(&pool, json!({"PreventUserExistenceErrors": "ENABLED"}))
        .await;
    let out = app
        .ok(
            "ForgotPassword",
            json!({"ClientId": client, "Username": "ghost"}),
        )
        .await;
    assert_eq!(out["CodeDeliveryDetails"]["DeliveryMedium"], "EMAIL");
    let again = app
        .ok(
            "ForgotPassword",
            json!({"ClientId": client, "Username": "ghost"}),
        )
        .await;
    assert_eq!(out, again);
    app.ok(
        "ResendConfirmationCode",
        json!({"ClientId": client, "Username": "ghost"}),
    )
    .await;
    app.err(
        "ConfirmForgotPassword",
        json!({"ClientId": client, "Username": "ghost", "ConfirmationCode": "123456", "Password": PASSWORD}),
        "CodeMismatchException",
    )
    .await;
    let legacy = app.client(&pool).await;
    app.err(
        "ForgotPassword",
        json!({"ClientId": legacy, "Username": "ghost"}),
        "UserNotFoundException",
    )
    .await;
}
