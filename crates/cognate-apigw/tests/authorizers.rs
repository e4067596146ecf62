//! Authorizers, and gateway responses.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use cognate_apigw::model::{ApiDoc, Authorizer};
use cognate_apigw::service::authorizers::{AuthorizerTester, TestInvokeAuthorizerResult};
use common::{app, is_id, s, POOL_ARN};
use serde_json::json;

fn cognito(extra: serde_json::Value) -> serde_json::Value {
    let mut body =
        json!({ "name": "pool", "type": "COGNITO_USER_POOLS", "providerARNs": [POOL_ARN] });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

#[tokio::test]
async fn create_cognito_authorizer_is_201_with_defaults() {
    let app = app().await;
    let (api, _) = app.create_api("a").await;
    let r = app
        .post(&format!("/restapis/{api}/authorizers"), cognito(json!({})))
        .await;
    let b = r.assert_status(201);
    assert!(is_id(b["id"].as_str().unwrap(), 6));
    assert_eq!(b["type"], "COGNITO_USER_POOLS");
    assert_eq!(b["providerARNs"], json!([POOL_ARN]));
    assert_eq!(b["identitySource"], "method.request.header.Authorization");
    assert_eq!(b["authorizerResultTtlInSeconds"], 300);
    assert_eq!(b["authType"], "cognito_user_pools");
    let id = s(&b["id"]);
    let g = app.get(&format!("/restapis/{api}/authorizers/{id}")).await;
    assert_eq!(g.assert_status(200)["name"], "pool");
    let list = app.get(&format!("/restapis/{api}/authorizers")).await;
    assert_eq!(list.assert_status(200)["item"][0]["id"], id);
}

#[tokio::test]
async fn cognito_authorizer_rules_are_enforced() {
    let app = app().await;
    let (api, _) = app.create_api("a").await;
    let at = format!("/restapis/{api}/authorizers");
    let cases = [
        (cognito(json!({ "providerARNs": [] })), "providerARNs"),
        (
            cognito(json!({ "providerARNs": ["arn:aws:iam::000000000000:role/x"] })),
            "Invalid ARN",
        ),
        (
            cognito(json!({ "identitySource": "method.request.querystring.token" })),
            "identity source",
        ),
        (
            cognito(json!({ "identityValidationExpression": "(unclosed" })),
            "regular expression",
        ),
        (
            cognito(json!({ "authorizerResultTtlInSeconds": 3601 })),
            "authorizerResultTtlInSeconds",
        ),
        (
            cognito(json!({ "authorizerResultTtlInSeconds": -1 })),
            "authorizerResultTtlInSeconds",
        ),
        (cognito(json!({ "type": "LAMBDA" })), "type"),
        (cognito(json!({ "name": "" })), "name"),
    ];
    for (body, msg) in cases {
        app.post(&at, body)
            .await
            .assert_error(400, "BadRequestException", msg);
    }
    app.post(&at, cognito(json!({ "authorizerResultTtlInSeconds": 0, "identitySource": "method.request.header.X-Token" })))
        .await
        .assert_status(201);
}

#[tokio::test]
async fn token_and_request_authorizers_are_stored_with_their_uri() {
    let app = app().await;
    let (api, _) = app.create_api("a").await;
    let at = format!("/restapis/{api}/authorizers");
    let uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/f/invocations";
    app.post(&at, json!({ "name": "t", "type": "TOKEN" }))
        .await
        .assert_error(400, "BadRequestException", "authorizerUri");
    let r = app
        .post(
            &at,
            json!({ "name": "t", "type": "TOKEN", "authorizerUri": uri }),
        )
        .await;
    assert_eq!(r.assert_status(201)["type"], "TOKEN");
    let r = app
        .post(&at, json!({ "name": "r", "type": "REQUEST", "authorizerUri": uri,
                           "identitySource": "method.request.header.A, method.request.querystring.b" }))
        .await;
    r.assert_status(201);
    app.post(&at, json!({ "name": "r2", "type": "REQUEST", "authorizerUri": uri, "identitySource": "body.x" }))
        .await
        .assert_error(400, "BadRequestException", "identity source");
}

#[tokio::test]
async fn duplicate_names_conflict_and_eleven_authorizers_exceed_the_limit() {
    let app = app().await;
    let (api, _) = app.create_api("a").await;
    let at = format!("/restapis/{api}/authorizers");
    app.post(&at, cognito(json!({}))).await.assert_status(201);
    app.post(&at, cognito(json!({})))
        .await
        .assert_error(409, "ConflictException", "pool");
    for i in 1..10 {
        app.post(&at, cognito(json!({ "name": format!("p{i}") })))
            .await
            .assert_status(201);
    }
    app.post(&at, cognito(json!({ "name": "p10" })))
        .await
        .assert_error(429, "LimitExceededException", "10");
}

#[tokio::test]
async fn update_authorizer_patches_provider_arns_and_settings() {
    let app = app().await;
    let (api, _) = app.create_api("a").await;
    let id = app.cognito_authorizer(&api, "pool").await;
    let at = format!("/restapis/{api}/authorizers/{id}");
    let second = "arn:aws:cognito-idp:eu-west-1:000000000000:userpool/eu-west-1_Second99";
    let r = app
        .patch(
            &at,
            &[
                ("add", "/providerARNs", Some(second)),
                ("remove", "/providerARNs", Some(POOL_ARN)),
                ("replace", "/identityValidationExpression", Some("^abc$")),
                ("replace", "/authorizerResultTtlInSeconds", Some("60")),
                ("replace", "/name", Some("renamed")),
            ],
        )
        .await;
    let b = r.assert_status(200);
    assert_eq!(b["providerARNs"], json!([second]));
    assert_eq!(b["identityValidationExpression"], "^abc$");
    assert_eq!(b["authorizerResultTtlInSeconds"], 60);
    assert_eq!(b["name"], "renamed");
    app.patch(&at, &[("remove", "/providerARNs", Some(second))])
        .await
        .assert_error(400, "BadRequestException", "providerARNs");
    app.patch(
        &at,
        &[("replace", "/authorizerResultTtlInSeconds", Some("4000"))],
    )
    .await
    .assert_error(400, "BadRequestException", "authorizerResultTtlInSeconds");
    app.patch(
        &at,
        &[("replace", "/identitySource", Some("method.request.path.x"))],
    )
    .await
    .assert_error(400, "BadRequestException", "identity source");
}

#[tokio::test]
async fn an_authorizer_used_by_a_method_cannot_be_deleted_or_retyped() {
    let app = app().await;
    let (api, root) = app.create_api("a").await;
    let id = app.cognito_authorizer(&api, "pool").await;
    let uri = format!("/restapis/{api}/resources/{root}/methods/GET");
    app.put(
        &uri,
        json!({ "authorizationType": "COGNITO_USER_POOLS", "authorizerId": id }),
    )
    .await
    .assert_status(201);
    let at = format!("/restapis/{api}/authorizers/{id}");
    app.delete(&at)
        .await
        .assert_error(409, "ConflictException", "GET /");
    app.patch(
        &at,
        &[
            ("replace", "/type", Some("TOKEN")),
            ("replace", "/authorizerUri", Some("arn:x")),
        ],
    )
    .await
    .assert_error(400, "BadRequestException", "Invalid authorizer ID");
    app.delete(&uri).await.assert_status(204);
    app.delete(&at).await.assert_status(202);
    app.get(&at)
        .await
        .assert_error(404, "NotFoundException", "");
}

#[tokio::test]
async fn test_invoke_authorizer_without_a_tester_is_bad_request() {
    let app = app().await;
    let (api, _) = app.create_api("a").await;
    let id = app.cognito_authorizer(&api, "pool").await;
    let r = app
        .post(
            &format!("/restapis/{api}/authorizers/{id}"),
            json!({ "headers": { "Authorization": "x" } }),
        )
        .await;
    r.assert_error(
        400,
        "BadRequestException",
        "Authorizer testing is not available",
    );
}

/// Says 200 when the Authorization header is "good", echoing it as a claim.
struct FakeTester;

#[async_trait]
impl AuthorizerTester for FakeTester {
    async fn test(
        &self,
        _api: &ApiDoc,
        authorizer: &Authorizer,
        headers: &BTreeMap<String, String>,
        _stage_variables: &BTreeMap<String, String>,
    ) -> TestInvokeAuthorizerResult {
        let token = headers.get("Authorization").cloned().unwrap_or_default();
        TestInvokeAuthorizerResult {
            client_status: if token == "good" { 200 } else { 401 },
            latency_ms: 3,
            principal_id: None,
            claims: BTreeMap::from([
                ("sub".to_string(), token),
                ("authorizer".to_string(), authorizer.name.clone()),
            ]),
            log: "checked".into(),
        }
    }
}

#[tokio::test]
async fn test_invoke_authorizer_runs_the_installed_tester() {
    let app = app().await;
    app.svc.set_authorizer_tester(Arc::new(FakeTester));
    let (api, _) = app.create_api("a").await;
    let id = app.cognito_authorizer(&api, "pool").await;
    let r = app
        .post(
            &format!("/restapis/{api}/authorizers/{id}"),
            json!({ "headers": { "Authorization": "good" } }),
        )
        .await;
    let b = r.assert_status(200);
    assert_eq!(b["clientStatus"], 200);
    assert_eq!(b["latency"], 3);
    assert_eq!(b["claims"]["sub"], "good");
    assert_eq!(b["claims"]["authorizer"], "pool");
    let r = app
        .post(&format!("/restapis/{api}/authorizers/{id}"), json!({}))
        .await;
    assert_eq!(r.assert_status(200)["clientStatus"], 401);
    app.post(&format!("/restapis/{api}/authorizers/nope12"), json!({}))
        .await
        .assert_error(404, "NotFoundException", "");
}

// === gateway responses ===

#[tokio::test]
async fn get_gateway_responses_lists_all_21_defaults() {
    let app = app().await;
    let (api, _) = app.create_api("a").await;
    let b = app
        .get(&format!("/restapis/{api}/gatewayresponses?limit=500"))
        .await
        .body;
    let items = b["item"].as_array().unwrap();
    assert_eq!(items.len(), 21);
    let find = |t: &str| {
        items
            .iter()
            .find(|i| i["responseType"] == t)
            .unwrap()
            .clone()
    };
    let unauthorized = find("UNAUTHORIZED");
    assert_eq!(unauthorized["statusCode"], "401");
    assert_eq!(unauthorized["defaultResponse"], true);
    assert_eq!(
        unauthorized["responseTemplates"]["application/json"],
        "{\"message\":$context.error.messageString}"
    );
    assert_eq!(find("MISSING_AUTHENTICATION_TOKEN")["statusCode"], "403");
    assert_eq!(find("THROTTLED")["statusCode"], "429");
    assert_eq!(find("INTEGRATION_FAILURE")["statusCode"], "504");
    assert!(find("DEFAULT_4XX").get("statusCode").is_none());
}

#[tokio::test]
async fn gateway_responses_are_customised_patched_and_reset() {
    let app = app().await;
    let (api, _) = app.create_api("a").await;
    let at = format!("/restapis/{api}/gatewayresponses/UNAUTHORIZED");
    let r = app
        .put(&at, json!({ "responseParameters": { "gatewayresponse.header.Access-Control-Allow-Origin": "'*'" },
                          "responseTemplates": { "application/json": "{\"error\":\"nope\"}" } }))
        .await;
    let b = r.assert_status(201);
    assert_eq!(b["statusCode"], "401", "the default status stays");
    assert_eq!(b["defaultResponse"], false);
    let r = app
        .patch(&at, &[("replace", "/statusCode", Some("403"))])
        .await;
    assert_eq!(r.assert_status(200)["statusCode"], "403");
    let list = app
        .get(&format!("/restapis/{api}/gatewayresponses?limit=500"))
        .await
        .body;
    let custom = list["item"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["responseType"] == "UNAUTHORIZED")
        .unwrap()
        .clone();
    assert_eq!(custom["statusCode"], "403");
    // Patching a default one customises it.
    let r = app
        .patch(
            &format!("/restapis/{api}/gatewayresponses/DEFAULT_4XX"),
            &[(
                "add",
                "/responseParameters/gatewayresponse.header.X-Err",
                Some("'1'"),
            )],
        )
        .await;
    assert_eq!(r.assert_status(200)["defaultResponse"], false);
    app.delete(&at).await.assert_status(202);
    assert_eq!(
        app.get(&at).await.assert_status(200)["defaultResponse"],
        true
    );
    app.delete(&at)
        .await
        .assert_error(404, "NotFoundException", "");
}

#[tokio::test]
async fn gateway_response_errors() {
    let app = app().await;
    let (api, _) = app.create_api("a").await;
    app.put(
        &format!("/restapis/{api}/gatewayresponses/TEAPOT"),
        json!({}),
    )
    .await
    .assert_error(400, "BadRequestException", "Invalid response type");
    app.put(
        &format!("/restapis/{api}/gatewayresponses/THROTTLED"),
        json!({ "statusCode": "99" }),
    )
    .await
    .assert_error(400, "BadRequestException", "Invalid status code");
    app.put(
        &format!("/restapis/{api}/gatewayresponses/THROTTLED"),
        json!({ "responseParameters": { "header.x": "'a'" } }),
    )
    .await
    .assert_error(400, "BadRequestException", "Invalid mapping expression");
}
