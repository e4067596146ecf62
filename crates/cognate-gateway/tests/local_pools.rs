//! Pools this server hosts: `UserPoolsDirectory` reads issuer and keys from
//! the user pool service, and tokens the service mints pass the authorizer.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use cognate_core::clock::ManualClock;
use cognate_core::rng::SeqRng;
use cognate_core::service::{
    Argon2Params, AuthOutcome, AuthRequest, ClientSettings, ClientSpec, Deliver, Deps, Message,
    PoolSpec, ServiceConfig, SignUp, UserPools,
};
use cognate_gateway::{Gateway, GatewayDeps, IntegratorConfig, PoolDirectory, UserPoolsDirectory};
use cognate_tokens::MasterKey;
use common::*;

struct Nowhere;

#[async_trait]
impl Deliver for Nowhere {
    async fn deliver(&self, _message: &Message) -> Result<(), String> {
        Ok(())
    }
}

async fn user_pools(clock: &ManualClock) -> Arc<UserPools> {
    let store = cognate_store::sqlite::SqliteStore::open_in_memory()
        .await
        .expect("in-memory store");
    Arc::new(UserPools::new(
        Deps {
            store: Arc::new(store),
            clock: Arc::new(clock.clone()),
            rng: Arc::new(SeqRng::new(11)),
            deliver: Arc::new(Nowhere),
            hooks: Arc::new(cognate_core::service::NoHooks),
            master_key: Arc::new(MasterKey::from_bytes(&[9u8; 32]).expect("master key")),
        },
        ServiceConfig {
            issuer_base: "http://localhost:4566".into(),
            argon2: Argon2Params {
                memory_kib: 64,
                iterations: 1,
                parallelism: 1,
            },
            ..ServiceConfig::default()
        },
    ))
}

#[tokio::test]
async fn directory_gives_the_issuer_and_keys_of_hosted_pools_only() {
    let clock = ManualClock::new(START_MS);
    let svc = user_pools(&clock).await;
    let pool = svc
        .create_user_pool(
            "us-east-1",
            PoolSpec {
                name: "pets".into(),
                ..Default::default()
            },
        )
        .await
        .expect("pool");
    let directory = UserPoolsDirectory(svc.clone());
    let local = directory.local_pool(&pool.id).await.expect("hosted");
    assert_eq!(local.issuer, svc.issuer(&pool.id));
    assert_eq!(local.keys.jwks(), svc.jwks(&pool.id).await.expect("jwks"));
    assert!(directory.local_pool("us-east-1_Nope12345").await.is_none());
}

#[tokio::test]
async fn tokens_minted_by_a_hosted_pool_pass_the_authorizer() {
    let clock = ManualClock::new(START_MS);
    let svc = user_pools(&clock).await;
    let pool = svc
        .create_user_pool(
            "us-east-1",
            PoolSpec {
                name: "pets".into(),
                ..Default::default()
            },
        )
        .await
        .expect("pool");
    let client = svc
        .create_user_pool_client(
            &pool.id,
            ClientSpec {
                name: "web".into(),
                generate_secret: false,
                client_secret: None,
                settings: ClientSettings {
                    explicit_auth_flows: Some(vec![
                        "ALLOW_USER_PASSWORD_AUTH".into(),
                        "ALLOW_REFRESH_TOKEN_AUTH".into(),
                    ]),
                    ..Default::default()
                },
            },
        )
        .await
        .expect("client");
    let signed_up = svc
        .sign_up(SignUp {
            client_id: client.client_id.clone(),
            username: "alice".into(),
            password: "Passw0rd!".into(),
            attributes: BTreeMap::new(),
            secret_hash: None,
            validation_data: BTreeMap::new(),
            client_metadata: BTreeMap::new(),
        })
        .await
        .expect("sign up");
    svc.admin_confirm_sign_up(&pool.id, "alice", &BTreeMap::new())
        .await
        .expect("confirm");
    let outcome = svc
        .initiate_auth(AuthRequest {
            pool_id: None,
            client_id: client.client_id.clone(),
            flow: "USER_PASSWORD_AUTH".into(),
            parameters: BTreeMap::from([
                ("USERNAME".to_string(), "alice".to_string()),
                ("PASSWORD".to_string(), "Passw0rd!".to_string()),
            ]),
            client_metadata: BTreeMap::new(),
        })
        .await
        .expect("sign in");
    let AuthOutcome::Tokens(tokens) = outcome else {
        panic!("a challenge instead of tokens");
    };

    let mut pool_authorizer = authorizer("auth01");
    pool_authorizer.provider_arns = vec![svc.pool_arn(&pool)];
    pool_authorizer.identity_validation_expression = Some(client.client_id.clone());
    let api = Api::new(API_ID)
        .authorizer(pool_authorizer)
        .method("/pets", "GET", cognito("auth01"))
        .method(
            "/orders",
            "GET",
            cognito_scoped("auth01", &["aws.cognito.signin.user.admin"]),
        );
    let gw = Gateway::new(GatewayDeps {
        clock: Arc::new(clock.clone()),
        pools: Arc::new(UserPoolsDirectory(svc.clone())),
        integrator: IntegratorConfig::default(),
        remote_issuers: BTreeMap::new(),
    });
    gw.install(live(vec![api.stage()])).await;
    let h = Harness { gw, clock };

    let body = h
        .call_with_token("GET", "/pets", &tokens.id_token)
        .await
        .assert_ok();
    assert_eq!(body["sub"], signed_up.user_sub.as_str());
    h.call_with_token("GET", "/orders", &tokens.access_token)
        .await
        .assert_ok();
    h.call_with_token("GET", "/pets", &tokens.access_token)
        .await
        .assert_gateway(401, "Unauthorized", "UnauthorizedException");
}
