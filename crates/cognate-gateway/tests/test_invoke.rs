//! `TestInvokeAuthorizer` through the gateway's `AuthorizerTester`.

mod common;

use std::collections::BTreeMap;

use cognate_apigw::model::Authorizer;
use cognate_apigw::service::authorizers::{AuthorizerTester, TestInvokeAuthorizerResult};
use common::*;
use serde_json::json;

async fn test(
    h: &Harness,
    authorizer: &Authorizer,
    token: Option<&str>,
) -> TestInvokeAuthorizerResult {
    let api = Api::new(API_ID).authorizer(authorizer.clone());
    let headers: BTreeMap<String, String> = token
        .map(|t| BTreeMap::from([("Authorization".to_string(), t.to_string())]))
        .unwrap_or_default();
    h.gw.test(&api.doc, authorizer, &headers, &BTreeMap::new())
        .await
}

#[tokio::test]
async fn valid_id_or_access_token_is_200_with_its_claims() {
    let h = Harness::new();
    let a = authorizer("auth01");
    let id = test(&h, &a, Some(&sign(&id_claims(h.now())))).await;
    assert_eq!(id.client_status, 200, "{}", id.log);
    assert_eq!(id.claims["sub"], "8d4c1a2e-0000-4000-8000-000000000001");
    assert_eq!(id.claims["exp"], (h.now() + 3600).to_string());
    let access = test(
        &h,
        &a,
        Some(&format!("Bearer {}", sign(&access_claims(h.now(), "x")))),
    )
    .await;
    assert_eq!(access.client_status, 200, "{}", access.log);
    assert_eq!(access.claims["token_use"], "access");
}

#[tokio::test]
async fn missing_bad_or_expired_tokens_are_401() {
    let h = Harness::new();
    let mut a = authorizer("auth01");
    a.identity_validation_expression = Some("another-client".into());
    assert_eq!(
        test(&h, &authorizer("auth01"), None).await.client_status,
        401
    );
    assert_eq!(
        test(&h, &authorizer("auth01"), Some("junk"))
            .await
            .client_status,
        401
    );
    let wrong_aud = test(&h, &a, Some(&sign(&id_claims(h.now())))).await;
    assert_eq!(wrong_aud.client_status, 401);
    let mut claims = id_claims(h.now());
    claims.insert("exp".into(), json!(h.now()));
    let expired = test(&h, &authorizer("auth01"), Some(&sign(&claims))).await;
    assert_eq!(expired.client_status, 401);
    assert!(
        expired.log.contains("The incoming token has expired"),
        "{}",
        expired.log
    );
    assert!(expired.claims.is_empty());
}

#[tokio::test]
async fn lambda_authorizers_are_not_run() {
    let h = Harness::new();
    let a = Authorizer {
        kind: "TOKEN".into(),
        provider_arns: vec![],
        authorizer_uri: Some("arn:aws:apigateway:us-east-1:lambda:path/fn".into()),
        ..authorizer("lambda")
    };
    let result = test(&h, &a, Some(&sign(&id_claims(h.now())))).await;
    assert_eq!(result.client_status, 500);
}
