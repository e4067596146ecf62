//! USER_SRP_AUTH over the wire: InitiateAuth answers PASSWORD_VERIFIER,
//! RespondToAuthChallenge checks the client's proof.

mod common;

use cognate_core::clock::Clock;
use cognate_core::service::{format_timestamp, ClientChallenge, SrpClient};
use common::{app, claims, App, CallResult, PASSWORD};
use serde_json::{json, Value};

const SRP_FLOWS: [&str; 3] = [
    "ALLOW_USER_SRP_AUTH",
    "ALLOW_USER_PASSWORD_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
];

/// A pool, a client allowing SRP (plus `extra` settings) and a confirmed user "alice".
async fn setup(extra: Value) -> (App, String, String) {
    let app = app().await;
    let pool = app.pool().await;
    let mut settings = json!({ "ExplicitAuthFlows": SRP_FLOWS });
    settings
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let client = app.client_with(&pool, settings).await;
    app.user(&pool, &client, "alice").await;
    (app, pool, client)
}

fn client_a() -> SrpClient {
    SrpClient::new(&[0x5a; 32])
}

async fn initiate(app: &App, client: &str, username: &str, extra: Value) -> CallResult {
    let mut params = json!({ "USERNAME": username, "SRP_A": client_a().a_hex() });
    params
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    app.call(
        "InitiateAuth",
        json!({ "ClientId": client, "AuthFlow": "USER_SRP_AUTH", "AuthParameters": params }),
    )
    .await
}

/// The RespondToAuthChallenge input a client computes for `challenge`.
fn response(pool: &str, client: &str, challenge: &Value, password: &str, timestamp: &str) -> Value {
    let p = &challenge["ChallengeParameters"];
    let user_id = p["USER_ID_FOR_SRP"].as_str().unwrap();
    let block = p["SECRET_BLOCK"].as_str().unwrap();
    let signature = client_a()
        .claim(
            pool,
            user_id,
            password,
            &ClientChallenge {
                salt_hex: p["SALT"].as_str().unwrap(),
                b_hex: p["SRP_B"].as_str().unwrap(),
                secret_block: block,
                timestamp,
            },
        )
        .expect("well-formed challenge");
    json!({
        "ClientId": client,
        "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeResponses": {
            "USERNAME": user_id,
            "PASSWORD_CLAIM_SECRET_BLOCK": block,
            "TIMESTAMP": timestamp,
            "PASSWORD_CLAIM_SIGNATURE": signature,
        },
    })
}

fn now(app: &App) -> String {
    format_timestamp(app.clock.now_ms())
}

/// InitiateAuth then RespondToAuthChallenge with `password`.
async fn sign_in(
    app: &App,
    pool: &str,
    client: &str,
    username: &str,
    password: &str,
) -> CallResult {
    let challenge = initiate(app, client, username, json!({})).await?;
    app.call(
        "RespondToAuthChallenge",
        response(pool, client, &challenge, password, &now(app)),
    )
    .await
}

#[tokio::test]
async fn srp_sign_in_with_the_right_password_returns_tokens() {
    let (app, pool, client) = setup(json!({})).await;
    let challenge = initiate(&app, &client, "alice", json!({})).await.unwrap();
    assert_eq!(challenge["ChallengeName"], "PASSWORD_VERIFIER");
    assert!(challenge.get("Session").is_none());
    let p = &challenge["ChallengeParameters"];
    assert_eq!(p["USERNAME"], "alice");
    assert_eq!(p["USER_ID_FOR_SRP"], "alice");
    assert!(!p["SALT"].as_str().unwrap().starts_with("00"));
    let out = app
        .ok(
            "RespondToAuthChallenge",
            response(&pool, &client, &challenge, PASSWORD, &now(&app)),
        )
        .await;
    let result = &out["AuthenticationResult"];
    assert_eq!(result["TokenType"], "Bearer");
    assert!(result["RefreshToken"].as_str().is_some());
    assert_eq!(
        claims(result["IdToken"].as_str().unwrap())["cognito:username"],
        "alice"
    );
}

#[tokio::test]
async fn srp_sign_in_with_a_wrong_password_is_not_authorized() {
    let (app, pool, client) = setup(json!({})).await;
    let err = sign_in(&app, &pool, &client, "alice", "Wr0ng-Password!")
        .await
        .unwrap_err();
    assert_eq!(err.0, "NotAuthorizedException");
    assert_eq!(err.1, "Incorrect username or password.");
}

#[tokio::test]
async fn srp_verifier_follows_an_admin_password_change() {
    let (app, pool, client) = setup(json!({})).await;
    app.ok(
        "AdminSetUserPassword",
        json!({"UserPoolId": pool, "Username": "alice", "Password": "N3w-Passw0rd!", "Permanent": true}),
    )
    .await;
    assert!(sign_in(&app, &pool, &client, "alice", "N3w-Passw0rd!")
        .await
        .is_ok());
    let err = sign_in(&app, &pool, &client, "alice", PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(err.0, "NotAuthorizedException");
}

#[tokio::test]
async fn tampered_secret_block_is_not_authorized() {
    let (app, pool, client) = setup(json!({})).await;
    let mut challenge = initiate(&app, &client, "alice", json!({})).await.unwrap();
    let block = challenge["ChallengeParameters"]["SECRET_BLOCK"]
        .as_str()
        .unwrap();
    let mut bytes = block.as_bytes().to_vec();
    bytes[20] = if bytes[20] == b'A' { b'B' } else { b'A' };
    challenge["ChallengeParameters"]["SECRET_BLOCK"] = json!(String::from_utf8(bytes).unwrap());
    let input = response(&pool, &client, &challenge, PASSWORD, &now(&app));
    app.err("RespondToAuthChallenge", input, "NotAuthorizedException")
        .await;
}

#[tokio::test]
async fn reused_secret_block_is_not_authorized() {
    let (app, pool, client) = setup(json!({})).await;
    let challenge = initiate(&app, &client, "alice", json!({})).await.unwrap();
    let input = response(&pool, &client, &challenge, PASSWORD, &now(&app));
    app.ok("RespondToAuthChallenge", input.clone()).await;
    app.err("RespondToAuthChallenge", input, "NotAuthorizedException")
        .await;
}

#[tokio::test]
async fn expired_secret_block_is_not_authorized() {
    let (app, pool, client) = setup(json!({})).await;
    let challenge = initiate(&app, &client, "alice", json!({})).await.unwrap();
    app.clock.advance_secs(3 * 60 + 1);
    let input = response(&pool, &client, &challenge, PASSWORD, &now(&app));
    app.err("RespondToAuthChallenge", input, "NotAuthorizedException")
        .await;
}

#[tokio::test]
async fn timestamp_outside_five_minutes_is_not_authorized() {
    let (app, pool, client) = setup(json!({})).await;
    let challenge = initiate(&app, &client, "alice", json!({})).await.unwrap();
    let stale = format_timestamp(app.clock.now_ms() - 301_000);
    let input = response(&pool, &client, &challenge, PASSWORD, &stale);
    app.err("RespondToAuthChallenge", input, "NotAuthorizedException")
        .await;
}

#[tokio::test]
async fn timestamp_in_another_format_is_rejected() {
    let (app, pool, client) = setup(json!({})).await;
    let challenge = initiate(&app, &client, "alice", json!({})).await.unwrap();
    let input = response(&pool, &client, &challenge, PASSWORD, "2026-11-23T12:00:00Z");
    app.err("RespondToAuthChallenge", input, "InvalidParameterException")
        .await;
}

#[tokio::test]
async fn srp_a_equal_to_zero_or_n_is_rejected() {
    let (app, _pool, client) = setup(json!({})).await;
    let n = concat!(
        "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74",
        "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437",
        "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
        "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05",
        "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB",
        "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
        "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718",
        "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33",
        "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
        "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864",
        "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2",
        "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
    );
    for a in ["0", "000", n] {
        let err = initiate(&app, &client, "alice", json!({ "SRP_A": a }))
            .await
            .unwrap_err();
        assert_eq!(err.0, "InvalidParameterException", "SRP_A {a}");
    }
}

#[tokio::test]
async fn srp_flow_not_enabled_for_the_client_is_rejected() {
    let app = app().await;
    let pool = app.pool().await;
    let client = app.client(&pool).await;
    app.user(&pool, &client, "alice").await;
    let err = initiate(&app, &client, "alice", json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.0, "InvalidParameterException");
    assert!(err.1.contains("USER_SRP_AUTH"), "{}", err.1);
}

#[tokio::test]
async fn secret_hash_is_required_for_a_client_with_a_secret() {
    let (app, pool, _) = setup(json!({})).await;
    let (client, secret) = app
        .client_with_secret(&pool, json!({ "ExplicitAuthFlows": SRP_FLOWS }))
        .await;
    let hash = cognate_tokens::secret_hash(&secret, "alice", &client);
    let err = initiate(&app, &client, "alice", json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.0, "NotAuthorizedException");
    let challenge = initiate(&app, &client, "alice", json!({ "SECRET_HASH": hash }))
        .await
        .unwrap();
    let mut input = response(&pool, &client, &challenge, PASSWORD, &now(&app));
    input["ChallengeResponses"]["SECRET_HASH"] = json!(hash);
    let out = app.ok("RespondToAuthChallenge", input).await;
    assert!(out["AuthenticationResult"]["AccessToken"]
        .as_str()
        .is_some());
}

#[tokio::test]
async fn email_username_pool_uses_the_internal_username_as_user_id_for_srp() {
    let app = app().await;
    let pool = app
        .pool_with(json!({ "UsernameAttributes": ["email"] }))
        .await;
    let client = app
        .client_with(&pool, json!({ "ExplicitAuthFlows": SRP_FLOWS }))
        .await;
    app.ok(
        "SignUp",
        json!({"ClientId": client, "Username": "bob@example.com", "Password": PASSWORD}),
    )
    .await;
    app.ok(
        "AdminConfirmSignUp",
        json!({"UserPoolId": pool, "Username": "bob@example.com"}),
    )
    .await;
    let challenge = initiate(&app, &client, "bob@example.com", json!({}))
        .await
        .unwrap();
    let user_id = challenge["ChallengeParameters"]["USER_ID_FOR_SRP"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(user_id, "bob@example.com");
    let out = app
        .ok(
            "RespondToAuthChallenge",
            response(&pool, &client, &challenge, PASSWORD, &now(&app)),
        )
        .await;
    let id = claims(out["AuthenticationResult"]["IdToken"].as_str().unwrap());
    assert_eq!(id["cognito:username"], user_id.as_str());
    assert_eq!(id["email"], "bob@example.com");
}

#[tokio::test]
async fn unknown_user_without_prevent_user_existence_errors_is_not_found() {
    let (app, _pool, client) = setup(json!({ "PreventUserExistenceErrors": "LEGACY" })).await;
    let err = initiate(&app, &client, "ghost", json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.0, "UserNotFoundException");
}

#[tokio::test]
async fn unknown_user_with_prevent_user_existence_errors_gets_a_stable_challenge_then_not_authorized(
) {
    let (app, pool, client) = setup(json!({ "PreventUserExistenceErrors": "ENABLED" })).await;
    let first = initiate(&app, &client, "ghost", json!({})).await.unwrap();
    let second = initiate(&app, &client, "ghost", json!({})).await.unwrap();
    assert_eq!(first["ChallengeName"], "PASSWORD_VERIFIER");
    let (p1, p2) = (
        &first["ChallengeParameters"],
        &second["ChallengeParameters"],
    );
    assert_eq!(p1["SALT"], p2["SALT"]);
    assert_ne!(p1["SRP_B"], p2["SRP_B"]);
    assert_eq!(p1["USER_ID_FOR_SRP"], "ghost");
    let err = app
        .call(
            "RespondToAuthChallenge",
            response(&pool, &client, &first, PASSWORD, &now(&app)),
        )
        .await
        .unwrap_err();
    assert_eq!(err.0, "NotAuthorizedException");
    assert_eq!(err.1, "Incorrect username or password.");
}

#[tokio::test]
async fn force_change_password_user_gets_new_password_required_then_tokens() {
    let (app, pool, client) = setup(json!({})).await;
    app.ok(
        "AdminCreateUser",
        json!({
            "UserPoolId": pool,
            "Username": "carol",
            "TemporaryPassword": "Temp-Passw0rd!",
            "MessageAction": "SUPPRESS",
        }),
    )
    .await;
    let challenge = initiate(&app, &client, "carol", json!({})).await.unwrap();
    let next = app
        .ok(
            "RespondToAuthChallenge",
            response(&pool, &client, &challenge, "Temp-Passw0rd!", &now(&app)),
        )
        .await;
    assert_eq!(next["ChallengeName"], "NEW_PASSWORD_REQUIRED");
    let out = app
        .ok(
            "RespondToAuthChallenge",
            json!({
                "ClientId": client,
                "ChallengeName": "NEW_PASSWORD_REQUIRED",
                "Session": next["Session"],
                "ChallengeResponses": {"USERNAME": "carol", "NEW_PASSWORD": "N3w-Passw0rd!"},
            }),
        )
        .await;
    assert!(out["AuthenticationResult"]["IdToken"].as_str().is_some());
    assert!(sign_in(&app, &pool, &client, "carol", "N3w-Passw0rd!")
        .await
        .is_ok());
}

#[tokio::test]
async fn user_without_a_verifier_gains_one_at_password_sign_in() {
    let (app, pool, client) = setup(json!({})).await;
    let mut user = app.store.get_user(&pool, "alice").await.unwrap().unwrap();
    user.srp_verifier = None;
    app.store.update_user(&user).await.unwrap();
    let err = sign_in(&app, &pool, &client, "alice", PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(err.0, "NotAuthorizedException");
    app.sign_in(&client, "alice", PASSWORD).await;
    assert!(sign_in(&app, &pool, &client, "alice", PASSWORD)
        .await
        .is_ok());
}

#[tokio::test]
async fn disabled_user_with_the_right_password_is_told_so_as_in_the_password_flow() {
    let (app, pool, client) = setup(json!({})).await;
    app.ok(
        "AdminDisableUser",
        json!({"UserPoolId": pool, "Username": "alice"}),
    )
    .await;
    let err = sign_in(&app, &pool, &client, "alice", PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ("NotAuthorizedException".into(), "User is disabled.".into())
    );
}

#[tokio::test]
async fn admin_initiate_auth_with_srp_answers_password_verifier_and_admin_respond_returns_tokens() {
    let (app, pool, client) = setup(json!({})).await;
    let challenge = app
        .ok(
            "AdminInitiateAuth",
            json!({
                "UserPoolId": pool,
                "ClientId": client,
                "AuthFlow": "USER_SRP_AUTH",
                "AuthParameters": {"USERNAME": "alice", "SRP_A": client_a().a_hex()},
            }),
        )
        .await;
    assert_eq!(challenge["ChallengeName"], "PASSWORD_VERIFIER");
    let mut input = response(&pool, &client, &challenge, PASSWORD, &now(&app));
    input["UserPoolId"] = json!(pool);
    let out = app.ok("AdminRespondToAuthChallenge", input).await;
    assert!(out["AuthenticationResult"]["AccessToken"]
        .as_str()
        .is_some());
}
