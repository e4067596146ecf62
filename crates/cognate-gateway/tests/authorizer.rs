//! The Cognito user pool authorizer, end to end: real RS256 tokens with
//! Cognito's claims against methods in ID-token and scope modes.

mod common;

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cognate_gateway::LocalPool;
use cognate_tokens::KeySet;
use common::*;
use serde_json::{json, Value};

const OTHER_POOL_ID: &str = "eu-west-1_Other2";
const OTHER_POOL_ARN: &str = "arn:aws:cognito-idp:eu-west-1:000000000000:userpool/eu-west-1_Other2";
const OTHER_ISSUER: &str = "http://cognate.test/eu-west-1_Other2";

/// Two local pools: the harness's (key 0) and another (key 1).
fn two_pools() -> Pools {
    let mut pools = local_pools();
    pools.0.insert(
        OTHER_POOL_ID.into(),
        LocalPool {
            issuer: OTHER_ISSUER.into(),
            keys: KeySet::new([key(1).verifying_key()]),
        },
    );
    pools
}

fn api() -> Api {
    let mut by_aud = authorizer("byaud");
    by_aud.identity_validation_expression = Some("client[0-9a-z]+".into());
    let mut by_prefix = authorizer("prefix");
    by_prefix.identity_validation_expression = Some("client".into());
    let mut both = authorizer("both");
    both.provider_arns.push(OTHER_POOL_ARN.into());
    let mut custom_header = authorizer("hdr");
    custom_header.identity_source = Some("method.request.header.X-Token".into());
    Api::new(API_ID)
        .authorizer(authorizer("auth01"))
        .authorizer(by_aud)
        .authorizer(by_prefix)
        .authorizer(both)
        .authorizer(custom_header)
        .method("/pets", "GET", cognito("auth01"))
        .method(
            "/pets",
            "POST",
            cognito_scoped("auth01", &["pets/write", "pets/admin"]),
        )
        .method("/aud", "GET", cognito("byaud"))
        .method("/prefix", "GET", cognito("prefix"))
        .method("/both", "GET", cognito("both"))
        .method("/header", "GET", cognito("hdr"))
        .method("/public", "GET", open())
        .method(
            "/iam",
            "GET",
            cognate_apigw::model::Method {
                authorization_type: "AWS_IAM".into(),
                ..open()
            },
        )
        .method(
            "/lambda",
            "GET",
            cognate_apigw::model::Method {
                authorization_type: "CUSTOM".into(),
                authorizer_id: Some("lambda".into()),
                ..open()
            },
        )
        .method("/dangling", "GET", cognito("nosuch"))
}

async fn harness() -> Harness {
    let h = Harness::with(two_pools(), Default::default());
    h.install(live(vec![api().stage()])).await;
    h
}

fn unauthorized(reply: &Reply) {
    reply.assert_gateway(401, "Unauthorized", "UnauthorizedException");
}

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

#[tokio::test]
async fn valid_id_token_passes_and_its_claims_reach_the_integration() {
    let h = harness().await;
    let token = sign(&id_claims(h.now()));
    let body = h.call_with_token("GET", "/pets", &token).await.assert_ok();
    assert_eq!(body["sub"], "8d4c1a2e-0000-4000-8000-000000000001");
}

#[tokio::test]
async fn bearer_prefix_is_accepted() {
    let h = harness().await;
    let token = sign(&id_claims(h.now()));
    h.call_with_token("GET", "/pets", &format!("Bearer {token}"))
        .await
        .assert_ok();
}

#[tokio::test]
async fn missing_header_is_401_unauthorized() {
    let h = harness().await;
    unauthorized(&h.call("GET", "/pets", &[]).await);
    unauthorized(&h.call_with_token("GET", "/pets", "Bearer ").await);
}

#[tokio::test]
async fn garbage_token_is_401_unauthorized() {
    let h = harness().await;
    for garbage in [
        "garbage",
        "a.b.c",
        "Bearer x.y",
        "eyJhbGciOiJSUzI1NiJ9..",
        ".....",
    ] {
        unauthorized(&h.call_with_token("GET", "/pets", garbage).await);
    }
}

#[tokio::test]
async fn tampered_payload_is_401_unauthorized() {
    let h = harness().await;
    let token = sign(&id_claims(h.now()));
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims = id_claims(h.now());
    claims.insert("sub".into(), json!("someone-else"));
    let tampered = format!("{}.{}.{}", parts[0], b64(&Value::Object(claims)), parts[2]);
    unauthorized(&h.call_with_token("GET", "/pets", &tampered).await);
}

#[tokio::test]
async fn alg_none_token_is_401_unauthorized() {
    let h = harness().await;
    let header = b64(&json!({"alg": "none", "kid": "kid-0"}));
    let payload = b64(&Value::Object(id_claims(h.now())));
    for token in [
        format!("{header}.{payload}."),
        format!("{header}.{payload}"),
    ] {
        unauthorized(&h.call_with_token("GET", "/pets", &token).await);
    }
}

#[tokio::test]
async fn token_of_a_pool_the_authorizer_does_not_name_is_401() {
    let h = harness().await;
    let mut claims = id_claims(h.now());
    claims.insert("iss".into(), json!(OTHER_ISSUER));
    let foreign = sign_with(key(1), &claims);
    unauthorized(&h.call_with_token("GET", "/pets", &foreign).await);
    // The same token passes an authorizer that names both pools.
    h.call_with_token("GET", "/both", &foreign)
        .await
        .assert_ok();
}

#[tokio::test]
async fn token_claiming_the_pool_but_signed_by_another_key_is_401() {
    let h = harness().await;
    let forged = sign_with(key(1), &id_claims(h.now()));
    unauthorized(&h.call_with_token("GET", "/pets", &forged).await);
    // And a key with a known kid but another issuer's `iss` does not pass either.
    let mut claims = id_claims(h.now());
    claims.insert("iss".into(), json!("https://evil.example/us-east-1_Local1"));
    unauthorized(&h.call_with_token("GET", "/pets", &sign(&claims)).await);
}

#[tokio::test]
async fn expired_token_is_401_with_the_expired_message() {
    let h = harness().await;
    let mut claims = id_claims(h.now());
    claims.insert("exp".into(), json!(h.now() + 60));
    let token = sign(&claims);
    h.call_with_token("GET", "/pets", &token).await.assert_ok();
    h.clock.advance_secs(60);
    h.call_with_token("GET", "/pets", &token)
        .await
        .assert_gateway(
            401,
            "The incoming token has expired",
            "UnauthorizedException",
        );
}

#[tokio::test]
async fn cached_result_never_outlives_the_token_exp() {
    // The default TTL (300 s) is longer than the token's remaining life (30 s).
    let h = harness().await;
    let mut claims = id_claims(h.now());
    claims.insert("exp".into(), json!(h.now() + 30));
    let token = sign(&claims);
    h.call_with_token("GET", "/pets", &token).await.assert_ok();
    h.clock.advance_secs(29);
    h.call_with_token("GET", "/pets", &token).await.assert_ok();
    h.clock.advance_secs(1);
    let reply = h.call_with_token("GET", "/pets", &token).await;
    assert_eq!(reply.json()["message"], "The incoming token has expired");
}

#[tokio::test]
async fn access_token_on_an_id_token_method_is_401() {
    let h = harness().await;
    let token = sign(&access_claims(
        h.now(),
        "aws.cognito.signin.user.admin pets/write",
    ));
    unauthorized(&h.call_with_token("GET", "/pets", &token).await);
}

#[tokio::test]
async fn id_token_on_a_scoped_method_is_401() {
    let h = harness().await;
    let token = sign(&id_claims(h.now()));
    unauthorized(&h.call_with_token("POST", "/pets", &token).await);
}

#[tokio::test]
async fn access_token_with_one_of_the_scopes_passes() {
    let h = harness().await;
    let token = sign(&access_claims(h.now(), "openid pets/admin profile"));
    let body = h.call_with_token("POST", "/pets", &token).await.assert_ok();
    assert_eq!(body["sub"], "8d4c1a2e-0000-4000-8000-000000000001");
}

#[tokio::test]
async fn access_token_without_any_of_the_scopes_is_401() {
    let h = harness().await;
    for scope in ["openid profile", "pets/writer", "", "pets/write-all"] {
        let token = sign(&access_claims(h.now(), scope));
        unauthorized(&h.call_with_token("POST", "/pets", &token).await);
    }
}

#[tokio::test]
async fn aud_matching_the_validation_expression_passes() {
    let h = harness().await;
    let token = sign(&id_claims(h.now()));
    h.call_with_token("GET", "/aud", &token).await.assert_ok();
}

#[tokio::test]
async fn aud_not_matching_the_validation_expression_is_401() {
    let h = harness().await;
    let mut claims = id_claims(h.now());
    claims.insert("aud".into(), json!("another-app"));
    unauthorized(&h.call_with_token("GET", "/aud", &sign(&claims)).await);
    // The expression must match the whole aud, not a part of it.
    unauthorized(
        &h.call_with_token("GET", "/prefix", &sign(&id_claims(h.now())))
            .await,
    );
}

#[tokio::test]
async fn identity_source_names_the_header_the_token_comes_in() {
    let h = harness().await;
    let token = sign(&id_claims(h.now()));
    h.call("GET", "/header", &[("x-token", &token)])
        .await
        .assert_ok();
    unauthorized(&h.call_with_token("GET", "/header", &token).await);
}

#[tokio::test]
async fn iam_and_lambda_authorizers_never_let_requests_through() {
    let h = harness().await;
    let token = sign(&id_claims(h.now()));
    for path in ["/iam", "/lambda", "/dangling"] {
        h.call_with_token("GET", path, &token).await.assert_gateway(
            500,
            "Internal server error",
            "AuthorizerConfigurationException",
        );
    }
}

#[tokio::test]
async fn open_methods_need_no_token() {
    let h = harness().await;
    let body = h.call("GET", "/public", &[]).await.assert_ok();
    assert_eq!(body["sub"], "");
}

#[tokio::test]
async fn claims_and_the_token_reach_an_http_proxy_backend() {
    let echo = Echo::start().await;
    let mut integration = proxy_to(&echo.url("/backend"));
    integration.request_parameters = BTreeMap::from([(
        "integration.request.header.x-user-sub".to_string(),
        "context.authorizer.claims.sub".to_string(),
    )]);
    let api = Api::new(API_ID).authorizer(authorizer("auth01")).method(
        "/me",
        "GET",
        cognate_apigw::model::Method {
            method_integration: Some(integration),
            ..cognito("auth01")
        },
    );
    let h = Harness::serving(vec![api.stage()]).await;
    let token = sign(&id_claims(h.now()));
    let body = h.call_with_token("GET", "/me", &token).await.assert_ok();
    assert_eq!(body["path"], "/backend");
    assert_eq!(
        body["headers"]["x-user-sub"],
        "8d4c1a2e-0000-4000-8000-000000000001"
    );
    assert_eq!(body["headers"]["authorization"], token.as_str());
}
