//! Sign-in lockout: five wrong passwords in a row lock the user for 1 s,
//! each further failure doubles the lock up to 15 minutes, a proven password
//! or 15 quiet minutes clear the counter. All timing runs on the manual clock.

mod common;

use cognate_core::clock::Clock;
use cognate_core::model::User;
use cognate_core::service::{format_timestamp, ClientChallenge, SrpClient};
use common::{app, App, CallResult, PASSWORD};
use serde_json::{json, Value};

const WRONG: &str = "Wr0ngPassword!";
const INCORRECT: &str = "Incorrect username or password.";
const EXCEEDED: &str = "Password attempts exceeded";

/// A pool, a client allowing password, admin and SRP flows (plus `extra`
/// settings) and a confirmed user "alice".
async fn setup(extra: Value) -> (App, String, String) {
    let app = app().await;
    let pool = app.pool().await;
    let mut settings = json!({ "ExplicitAuthFlows": [
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_ADMIN_USER_PASSWORD_AUTH",
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    ]});
    settings
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let client = app.client_with(&pool, settings).await;
    app.user(&pool, &client, "alice").await;
    (app, pool, client)
}

/// InitiateAuth USER_PASSWORD_AUTH.
async fn sign_in(app: &App, client: &str, username: &str, password: &str) -> CallResult {
    app.call(
        "InitiateAuth",
        json!({
            "ClientId": client,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": username, "PASSWORD": password},
        }),
    )
    .await
}

/// AdminInitiateAuth ADMIN_USER_PASSWORD_AUTH.
async fn admin_sign_in(app: &App, pool: &str, client: &str, password: &str) -> CallResult {
    app.call(
        "AdminInitiateAuth",
        json!({
            "UserPoolId": pool,
            "ClientId": client,
            "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": "alice", "PASSWORD": password},
        }),
    )
    .await
}

/// USER_SRP_AUTH then PASSWORD_VERIFIER, signing with `password`.
async fn srp_sign_in(
    app: &App,
    pool: &str,
    client: &str,
    username: &str,
    password: &str,
) -> CallResult {
    let srp = SrpClient::new(&[0x5a; 32]);
    let challenge = app
        .call(
            "InitiateAuth",
            json!({
                "ClientId": client,
                "AuthFlow": "USER_SRP_AUTH",
                "AuthParameters": {"USERNAME": username, "SRP_A": srp.a_hex()},
            }),
        )
        .await?;
    let p = &challenge["ChallengeParameters"];
    let user_id = p["USER_ID_FOR_SRP"].as_str().unwrap();
    let block = p["SECRET_BLOCK"].as_str().unwrap();
    let timestamp = format_timestamp(app.clock.now_ms());
    let signature = srp
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
        .expect("well-formed challenge");
    app.call(
        "RespondToAuthChallenge",
        json!({
            "ClientId": client,
            "ChallengeName": "PASSWORD_VERIFIER",
            "ChallengeResponses": {
                "USERNAME": user_id,
                "PASSWORD_CLAIM_SECRET_BLOCK": block,
                "TIMESTAMP": timestamp,
                "PASSWORD_CLAIM_SIGNATURE": signature,
            },
        }),
    )
    .await
}

fn refused(result: CallResult, message: &str) {
    match result {
        Ok(v) => panic!("signed in ({v}), expected {message:?}"),
        Err((code, m)) => {
            assert_eq!(code, "NotAuthorizedException", "{m}");
            assert_eq!(m, message);
        }
    }
}

fn accepted(result: CallResult) {
    let out = result.expect("sign-in accepted");
    assert!(
        out["AuthenticationResult"]["AccessToken"].is_string(),
        "{out}"
    );
}

/// `n` wrong passwords for alice, each answered "Incorrect username or password.".
async fn fail_times(app: &App, client: &str, n: usize) {
    for i in 0..n {
        let result = sign_in(app, client, "alice", WRONG).await;
        assert_eq!(
            result.err().map(|(_, m)| m).as_deref(),
            Some(INCORRECT),
            "failure {}",
            i + 1
        );
    }
}

async fn stored_alice(app: &App, pool: &str) -> User {
    app.store.get_user(pool, "alice").await.unwrap().unwrap()
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_user_for_one_second_even_with_the_right_password() {
    let (app, _pool, client) = setup(json!({})).await;
    fail_times(&app, &client, 5).await;
    refused(sign_in(&app, &client, "alice", PASSWORD).await, EXCEEDED);
    app.clock.set_ms(app.clock.now_ms() + 999);
    refused(sign_in(&app, &client, "alice", PASSWORD).await, EXCEEDED);
    app.clock.set_ms(app.clock.now_ms() + 1);
    accepted(sign_in(&app, &client, "alice", PASSWORD).await);
}

#[tokio::test]
async fn four_wrong_passwords_do_not_lock() {
    let (app, _pool, client) = setup(json!({})).await;
    fail_times(&app, &client, 4).await;
    accepted(sign_in(&app, &client, "alice", PASSWORD).await);
}

#[tokio::test]
async fn the_counter_is_kept_in_the_stored_user_record() {
    let (app, pool, client) = setup(json!({})).await;
    fail_times(&app, &client, 3).await;
    let user = stored_alice(&app, &pool).await;
    assert_eq!(user.failed_sign_ins, 3);
    assert_eq!(user.last_failed_sign_in_ms, app.clock.now_ms());
}

#[tokio::test]
async fn attempts_while_locked_neither_count_nor_extend_the_lock() {
    let (app, pool, client) = setup(json!({})).await;
    fail_times(&app, &client, 5).await;
    let locked_at = app.clock.now_ms();
    app.clock.set_ms(locked_at + 500);
    refused(sign_in(&app, &client, "alice", WRONG).await, EXCEEDED);
    refused(sign_in(&app, &client, "alice", PASSWORD).await, EXCEEDED);
    let user = stored_alice(&app, &pool).await;
    assert_eq!(user.failed_sign_ins, 5);
    assert_eq!(user.last_failed_sign_in_ms, locked_at);
    app.clock.set_ms(locked_at + 1_000);
    accepted(sign_in(&app, &client, "alice", PASSWORD).await);
}

#[tokio::test]
async fn the_lock_doubles_with_each_failure_and_is_capped_at_fifteen_minutes() {
    let (app, _pool, client) = setup(json!({})).await;
    fail_times(&app, &client, 5).await;
    // The lock after the n-th failure, for n = 5..=14: 1 s, 2 s, 4 s … 512 s.
    for n in 5..15u32 {
        let lock_ms = 1_000i64 << (n - 5);
        let failed_at = app.clock.now_ms();
        app.clock.set_ms(failed_at + lock_ms - 1);
        refused(sign_in(&app, &client, "alice", WRONG).await, EXCEEDED);
        app.clock.set_ms(failed_at + lock_ms);
        let next = sign_in(&app, &client, "alice", WRONG).await;
        assert_eq!(
            next.err().map(|(_, m)| m).as_deref(),
            Some(INCORRECT),
            "failure {}",
            n + 1
        );
    }
    // The 15th failure would lock for 1024 s; the lock stops at 15 minutes.
    let failed_at = app.clock.now_ms();
    app.clock.set_ms(failed_at + 900_000 - 1);
    refused(sign_in(&app, &client, "alice", PASSWORD).await, EXCEEDED);
    app.clock.set_ms(failed_at + 900_000);
    accepted(sign_in(&app, &client, "alice", PASSWORD).await);
}

#[tokio::test]
async fn a_successful_sign_in_resets_the_counter() {
    let (app, pool, client) = setup(json!({})).await;
    fail_times(&app, &client, 4).await;
    accepted(sign_in(&app, &client, "alice", PASSWORD).await);
    assert_eq!(stored_alice(&app, &pool).await.failed_sign_ins, 0);
    fail_times(&app, &client, 4).await;
    accepted(sign_in(&app, &client, "alice", PASSWORD).await);
}

#[tokio::test]
async fn fifteen_quiet_minutes_reset_the_counter() {
    let (app, pool, client) = setup(json!({})).await;
    fail_times(&app, &client, 4).await;
    app.clock.advance_secs(15 * 60);
    fail_times(&app, &client, 1).await;
    assert_eq!(stored_alice(&app, &pool).await.failed_sign_ins, 1);
    fail_times(&app, &client, 3).await;
    accepted(sign_in(&app, &client, "alice", PASSWORD).await);
}

#[tokio::test]
async fn failures_less_than_fifteen_minutes_apart_keep_counting() {
    let (app, _pool, client) = setup(json!({})).await;
    fail_times(&app, &client, 4).await;
    app.clock.advance_secs(15 * 60 - 1);
    fail_times(&app, &client, 1).await;
    refused(sign_in(&app, &client, "alice", PASSWORD).await, EXCEEDED);
}

#[tokio::test]
async fn srp_wrong_signatures_count_and_a_locked_users_correct_proof_is_refused() {
    let (app, pool, client) = setup(json!({})).await;
    for _ in 0..5 {
        refused(
            srp_sign_in(&app, &pool, &client, "alice", WRONG).await,
            INCORRECT,
        );
    }
    assert_eq!(stored_alice(&app, &pool).await.failed_sign_ins, 5);
    refused(
        srp_sign_in(&app, &pool, &client, "alice", PASSWORD).await,
        EXCEEDED,
    );
    refused(sign_in(&app, &client, "alice", PASSWORD).await, EXCEEDED);
    app.clock.advance_secs(1);
    accepted(srp_sign_in(&app, &pool, &client, "alice", PASSWORD).await);
    assert_eq!(stored_alice(&app, &pool).await.failed_sign_ins, 0);
}

#[tokio::test]
async fn password_and_srp_failures_share_one_counter() {
    let (app, pool, client) = setup(json!({})).await;
    fail_times(&app, &client, 3).await;
    for _ in 0..2 {
        refused(
            srp_sign_in(&app, &pool, &client, "alice", WRONG).await,
            INCORRECT,
        );
    }
    refused(sign_in(&app, &client, "alice", PASSWORD).await, EXCEEDED);
}

#[tokio::test]
async fn admin_password_flow_counts_and_is_refused_while_locked() {
    let (app, pool, client) = setup(json!({})).await;
    for _ in 0..5 {
        refused(admin_sign_in(&app, &pool, &client, WRONG).await, INCORRECT);
    }
    refused(
        admin_sign_in(&app, &pool, &client, PASSWORD).await,
        EXCEEDED,
    );
    refused(sign_in(&app, &client, "alice", PASSWORD).await, EXCEEDED);
    app.clock.advance_secs(1);
    accepted(admin_sign_in(&app, &pool, &client, PASSWORD).await);
}

#[tokio::test]
async fn an_unknown_user_never_gets_the_lockout_message() {
    let (app, pool, client) = setup(json!({"PreventUserExistenceErrors": "ENABLED"})).await;
    for _ in 0..8 {
        refused(sign_in(&app, &client, "nobody", WRONG).await, INCORRECT);
        refused(
            srp_sign_in(&app, &pool, &client, "nobody", WRONG).await,
            INCORRECT,
        );
    }
    refused(sign_in(&app, &client, "nobody", PASSWORD).await, INCORRECT);
}

#[tokio::test]
async fn an_unknown_user_without_prevent_user_existence_errors_stays_not_found() {
    let (app, _pool, client) = setup(json!({})).await;
    for _ in 0..7 {
        let (code, _) = sign_in(&app, &client, "nobody", WRONG).await.unwrap_err();
        assert_eq!(code, "UserNotFoundException");
    }
}

#[tokio::test]
async fn failures_of_a_disabled_user_do_not_count() {
    let (app, pool, client) = setup(json!({})).await;
    app.ok(
        "AdminDisableUser",
        json!({"UserPoolId": pool, "Username": "alice"}),
    )
    .await;
    fail_times(&app, &client, 6).await;
    assert_eq!(stored_alice(&app, &pool).await.failed_sign_ins, 0);
    app.ok(
        "AdminEnableUser",
        json!({"UserPoolId": pool, "Username": "alice"}),
    )
    .await;
    accepted(sign_in(&app, &client, "alice", PASSWORD).await);
}

#[tokio::test]
async fn malformed_requests_do_not_count() {
    let (app, _pool, client) = setup(json!({})).await;
    for _ in 0..6 {
        let (code, _) = app
            .call(
                "InitiateAuth",
                json!({
                    "ClientId": client,
                    "AuthFlow": "USER_PASSWORD_AUTH",
                    "AuthParameters": {"USERNAME": "alice"},
                }),
            )
            .await
            .unwrap_err();
        assert_eq!(code, "InvalidParameterException");
    }
    accepted(sign_in(&app, &client, "alice", PASSWORD).await);
}

#[tokio::test]
async fn a_password_set_by_an_administrator_clears_the_counter() {
    let (app, pool, client) = setup(json!({})).await;
    fail_times(&app, &client, 5).await;
    app.ok(
        "AdminSetUserPassword",
        json!({"UserPoolId": pool, "Username": "alice", "Password": "N3wPassword!", "Permanent": true}),
    )
    .await;
    accepted(sign_in(&app, &client, "alice", "N3wPassword!").await);
}
