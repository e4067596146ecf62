//! Methods, integrations, method responses and integration responses.

mod common;

use common::{app, App};
use serde_json::json;

const INVALID_AUTHORIZER: &str = "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.";

/// An API with `/pets`: (app, api, pets resource id, method base uri for `m`).
async fn pets() -> (App, String, String) {
    let app = app().await;
    let (api, root) = app.create_api("pets").await;
    let pets = app.resource(&api, &root, "pets").await;
    (app, api, pets)
}

fn method_uri(api: &str, rid: &str, m: &str) -> String {
    format!("/restapis/{api}/resources/{rid}/methods/{m}")
}

// === methods ===

#[tokio::test]
async fn put_method_is_201_and_get_method_returns_it() {
    let (app, api, pets) = pets().await;
    let r = app
        .put(
            &method_uri(&api, &pets, "GET"),
            json!({ "authorizationType": "NONE", "apiKeyRequired": true, "operationName": "ListPets",
                    "requestParameters": { "method.request.querystring.page": false } }),
        )
        .await;
    let b = r.assert_status(201);
    assert_eq!(b["httpMethod"], "GET");
    assert_eq!(b["apiKeyRequired"], true);
    let got = app.get(&method_uri(&api, &pets, "GET")).await;
    let g = got.assert_status(200);
    assert_eq!(g["operationName"], "ListPets");
    assert_eq!(
        g["requestParameters"]["method.request.querystring.page"],
        false
    );
}

#[tokio::test]
async fn any_and_extension_methods_are_accepted_and_stored_upper_case() {
    let (app, api, pets) = pets().await;
    for m in ["ANY", "PURCHASE", "propfind"] {
        let r = app
            .put(
                &method_uri(&api, &pets, m),
                json!({ "authorizationType": "NONE" }),
            )
            .await;
        assert_eq!(r.assert_status(201)["httpMethod"], m.to_uppercase());
    }
    let b = app
        .get(&format!("/restapis/{api}/resources/{pets}"))
        .await
        .body;
    assert_eq!(
        b["resourceMethods"],
        json!({ "ANY": {}, "PROPFIND": {}, "PURCHASE": {} })
    );
    let r = app.get(&method_uri(&api, &pets, "purchase")).await;
    assert_eq!(r.assert_status(200)["httpMethod"], "PURCHASE");
}

#[tokio::test]
async fn method_that_is_not_a_token_is_bad_request() {
    let (app, api, pets) = pets().await;
    let r = app
        .put(
            &method_uri(&api, &pets, "GE%28T"),
            json!({ "authorizationType": "NONE" }),
        )
        .await;
    r.assert_error(400, "BadRequestException", "Invalid HTTP method");
}

#[tokio::test]
async fn put_method_twice_is_conflict() {
    let (app, api, pets) = pets().await;
    let uri = method_uri(&api, &pets, "GET");
    app.put(&uri, json!({ "authorizationType": "NONE" }))
        .await
        .assert_status(201);
    let r = app.put(&uri, json!({ "authorizationType": "NONE" })).await;
    r.assert_error(409, "ConflictException", "Method already exists");
}

#[tokio::test]
async fn cognito_or_custom_without_a_valid_authorizer_is_bad_request() {
    let (app, api, pets) = pets().await;
    let uri = method_uri(&api, &pets, "GET");
    for body in [
        json!({ "authorizationType": "COGNITO_USER_POOLS" }),
        json!({ "authorizationType": "COGNITO_USER_POOLS", "authorizerId": "nope12" }),
        json!({ "authorizationType": "CUSTOM" }),
    ] {
        app.put(&uri, body)
            .await
            .assert_error(400, "BadRequestException", INVALID_AUTHORIZER);
    }
    // A Cognito authorizer does not serve a CUSTOM method.
    let auth = app.cognito_authorizer(&api, "pool").await;
    let r = app
        .put(
            &uri,
            json!({ "authorizationType": "CUSTOM", "authorizerId": auth }),
        )
        .await;
    r.assert_error(400, "BadRequestException", INVALID_AUTHORIZER);
    let r = app
        .put(
            &uri,
            json!({ "authorizationType": "COGNITO_USER_POOLS", "authorizerId": auth }),
        )
        .await;
    r.assert_status(201);
}

#[tokio::test]
async fn unknown_authorization_type_or_scopes_without_cognito_are_bad_request() {
    let (app, api, pets) = pets().await;
    let uri = method_uri(&api, &pets, "GET");
    app.put(&uri, json!({ "authorizationType": "MAGIC" }))
        .await
        .assert_error(400, "BadRequestException", "authorizationType");
    app.put(
        &uri,
        json!({ "authorizationType": "NONE", "authorizationScopes": ["a/b"] }),
    )
    .await
    .assert_error(400, "BadRequestException", "COGNITO_USER_POOLS");
    app.put(
        &uri,
        json!({ "authorizationType": "NONE", "requestParameters": { "header.x": true } }),
    )
    .await
    .assert_error(400, "BadRequestException", "Invalid mapping expression");
    app.put(
        &uri,
        json!({ "authorizationType": "NONE", "requestValidatorId": "nope" }),
    )
    .await
    .assert_error(400, "BadRequestException", "Request Validator");
}

#[tokio::test]
async fn update_method_patches_authorization_and_parameters() {
    let (app, api, pets) = pets().await;
    let uri = method_uri(&api, &pets, "GET");
    app.put(&uri, json!({ "authorizationType": "NONE" }))
        .await
        .assert_status(201);
    let auth = app.cognito_authorizer(&api, "pool").await;
    let r = app
        .patch(
            &uri,
            &[
                ("replace", "/authorizationType", Some("COGNITO_USER_POOLS")),
                ("replace", "/authorizerId", Some(&auth)),
                ("add", "/authorizationScopes", Some("pets/read")),
                ("add", "/authorizationScopes", Some("pets/write")),
                ("remove", "/authorizationScopes", Some("pets/read")),
                (
                    "add",
                    "/requestParameters/method.request.header.X-Trace",
                    Some("true"),
                ),
                ("replace", "/apiKeyRequired", Some("true")),
            ],
        )
        .await;
    let b = r.assert_status(200);
    assert_eq!(b["authorizerId"], auth);
    assert_eq!(b["authorizationScopes"], json!(["pets/write"]));
    assert_eq!(
        b["requestParameters"]["method.request.header.X-Trace"],
        true
    );
    assert_eq!(b["apiKeyRequired"], true);
    // Back to NONE while scopes remain is refused; the stored method is unchanged.
    let r = app
        .patch(&uri, &[("replace", "/authorizationType", Some("NONE"))])
        .await;
    r.assert_error(400, "BadRequestException", "COGNITO_USER_POOLS");
    assert_eq!(
        app.get(&uri).await.body["authorizationType"],
        "COGNITO_USER_POOLS"
    );
    let r = app
        .patch(
            &uri,
            &[
                ("remove", "/authorizationScopes", None),
                ("replace", "/authorizationType", Some("NONE")),
            ],
        )
        .await;
    let b = r.assert_status(200);
    assert!(b.get("authorizerId").is_none(), "{b}");
    let r = app
        .patch(
            &uri,
            &[
                ("replace", "/authorizerId", Some("nope12")),
                ("replace", "/authorizationType", Some("COGNITO_USER_POOLS")),
            ],
        )
        .await;
    r.assert_error(400, "BadRequestException", INVALID_AUTHORIZER);
}

#[tokio::test]
async fn delete_method_is_204_then_404() {
    let (app, api, pets) = pets().await;
    let uri = method_uri(&api, &pets, "GET");
    app.put(&uri, json!({ "authorizationType": "NONE" }))
        .await
        .assert_status(201);
    let r = app.delete(&uri).await;
    r.assert_status(204);
    assert!(r.text.is_empty());
    app.get(&uri).await.assert_error(
        404,
        "NotFoundException",
        "Invalid Method identifier specified",
    );
    app.delete(&uri)
        .await
        .assert_error(404, "NotFoundException", "");
}

// === integrations ===

async fn with_method(m: &str) -> (App, String) {
    let (app, api, pets) = pets().await;
    let uri = method_uri(&api, &pets, m);
    app.put(&uri, json!({ "authorizationType": "NONE" }))
        .await
        .assert_status(201);
    (app, uri)
}

#[tokio::test]
async fn put_integration_http_proxy_is_201_with_defaults() {
    let (app, uri) = with_method("GET").await;
    let r = app
        .put(
            &format!("{uri}/integration"),
            json!({ "type": "HTTP_PROXY", "httpMethod": "GET", "uri": "https://backend.example/pets/{id}",
                    "requestParameters": { "integration.request.path.id": "method.request.path.id" } }),
        )
        .await;
    let b = r.assert_status(201);
    assert_eq!(b["type"], "HTTP_PROXY");
    assert_eq!(b["httpMethod"], "GET");
    assert_eq!(b["timeoutInMillis"], 29000);
    assert_eq!(b["passthroughBehavior"], "WHEN_NO_MATCH");
    assert_eq!(b["connectionType"], "INTERNET");
    let g = app.get(&format!("{uri}/integration")).await;
    assert_eq!(
        g.assert_status(200)["uri"],
        "https://backend.example/pets/{id}"
    );
    let m = app.get(&uri).await.body;
    assert_eq!(m["methodIntegration"]["type"], "HTTP_PROXY");
}

#[tokio::test]
async fn aws_integrations_are_refused_with_a_clear_message() {
    let (app, uri) = with_method("GET").await;
    for t in ["AWS", "AWS_PROXY"] {
        let r = app
            .put(&format!("{uri}/integration"), json!({ "type": t, "httpMethod": "POST", "uri": "arn:aws:apigateway:us-east-1:lambda:path/x" }))
            .await;
        r.assert_error(
            400,
            "BadRequestException",
            "cognate does not run AWS service integrations",
        );
    }
    let r = app
        .put(&format!("{uri}/integration"), json!({ "type": "KAFKA" }))
        .await;
    r.assert_error(400, "BadRequestException", "type");
}

#[tokio::test]
async fn http_integrations_need_an_absolute_uri_and_a_method() {
    let (app, uri) = with_method("GET").await;
    let at = format!("{uri}/integration");
    app.put(&at, json!({ "type": "HTTP", "httpMethod": "GET" }))
        .await
        .assert_error(400, "BadRequestException", "Invalid HTTP endpoint");
    app.put(
        &at,
        json!({ "type": "HTTP", "httpMethod": "GET", "uri": "/pets" }),
    )
    .await
    .assert_error(400, "BadRequestException", "Invalid HTTP endpoint");
    app.put(
        &at,
        json!({ "type": "HTTP_PROXY", "uri": "http://b.example" }),
    )
    .await
    .assert_error(400, "BadRequestException", "HttpMethod");
    app.put(&at, json!({ "type": "HTTP", "httpMethod": "GET", "uri": "http://b.example", "timeoutInMillis": 49 }))
        .await
        .assert_error(400, "BadRequestException", "Timeout should be between 50 ms and 29000 ms");
    app.put(&at, json!({ "type": "HTTP", "httpMethod": "GET", "uri": "http://b.example", "timeoutInMillis": 29001 }))
        .await
        .assert_error(400, "BadRequestException", "Timeout");
    app.put(
        &at,
        json!({ "type": "HTTP", "httpMethod": "GET", "uri": "http://b.example",
                         "requestParameters": { "integration.request.header.x": "nonsense" } }),
    )
    .await
    .assert_error(400, "BadRequestException", "Invalid mapping expression");
    app.put(&at, json!({ "type": "HTTP", "httpMethod": "GET", "uri": "http://b.example", "timeoutInMillis": 50 }))
        .await
        .assert_status(201);
}

#[tokio::test]
async fn http_integration_uri_may_start_with_a_stage_variable() {
    let (app, uri) = with_method("GET").await;
    app.put(
        &format!("{uri}/integration"),
        json!({ "type": "HTTP_PROXY", "httpMethod": "GET", "uri": "${stageVariables.backend}/pets" }),
    )
    .await
    .assert_status(201);
}

#[tokio::test]
async fn mock_integration_needs_no_uri_and_lowercase_type_is_upper_cased() {
    let (app, uri) = with_method("OPTIONS").await;
    let r = app
        .put(&format!("{uri}/integration"), json!({ "type": "mock", "requestTemplates": { "application/json": "{\"statusCode\": 200}" } }))
        .await;
    assert_eq!(r.assert_status(201)["type"], "MOCK");
}

#[tokio::test]
async fn get_integration_of_a_method_without_one_is_404() {
    let (app, uri) = with_method("GET").await;
    let r = app.get(&format!("{uri}/integration")).await;
    r.assert_error(
        404,
        "NotFoundException",
        "Invalid Integration identifier specified",
    );
}

#[tokio::test]
async fn update_integration_patches_and_revalidates() {
    let (app, uri) = with_method("GET").await;
    let at = format!("{uri}/integration");
    app.put(
        &at,
        json!({ "type": "HTTP", "httpMethod": "GET", "uri": "http://a.example" }),
    )
    .await
    .assert_status(201);
    let r = app
        .patch(
            &at,
            &[
                ("replace", "/uri", Some("http://b.example/x")),
                ("replace", "/httpMethod", Some("post")),
                ("replace", "/timeoutInMillis", Some("1000")),
                (
                    "add",
                    "/requestParameters/integration.request.header.x-sub",
                    Some("context.authorizer.claims.sub"),
                ),
                ("add", "/requestTemplates/application~1json", Some("{}")),
            ],
        )
        .await;
    let b = r.assert_status(200);
    assert_eq!(b["uri"], "http://b.example/x");
    assert_eq!(b["httpMethod"], "POST");
    assert_eq!(b["timeoutInMillis"], 1000);
    assert_eq!(
        b["requestParameters"]["integration.request.header.x-sub"],
        "context.authorizer.claims.sub"
    );
    assert_eq!(b["requestTemplates"]["application/json"], "{}");
    app.patch(&at, &[("replace", "/timeoutInMillis", Some("30000"))])
        .await
        .assert_error(400, "BadRequestException", "Timeout");
    app.patch(&at, &[("remove", "/uri", None)])
        .await
        .assert_error(400, "BadRequestException", "Invalid HTTP endpoint");
    app.patch(&at, &[("replace", "/nonsense", Some("1"))])
        .await
        .assert_error(400, "BadRequestException", "Invalid patch path /nonsense");
}

#[tokio::test]
async fn delete_integration_is_204() {
    let (app, uri) = with_method("GET").await;
    let at = format!("{uri}/integration");
    app.put(&at, json!({ "type": "MOCK" }))
        .await
        .assert_status(201);
    app.delete(&at).await.assert_status(204);
    app.get(&at)
        .await
        .assert_error(404, "NotFoundException", "");
}

// === method and integration responses ===

#[tokio::test]
async fn method_responses_put_get_update_delete() {
    let (app, uri) = with_method("GET").await;
    let at = format!("{uri}/responses/200");
    let r = app
        .put(&at, json!({ "responseParameters": { "method.response.header.Access-Control-Allow-Origin": false } }))
        .await;
    assert_eq!(r.assert_status(201)["statusCode"], "200");
    assert_eq!(
        app.get(&at).await.assert_status(200)["responseParameters"]
            ["method.response.header.Access-Control-Allow-Origin"],
        false
    );
    let r = app
        .patch(
            &at,
            &[(
                "add",
                "/responseParameters/method.response.header.X-Id",
                Some("true"),
            )],
        )
        .await;
    assert_eq!(
        r.assert_status(201)["responseParameters"]["method.response.header.X-Id"],
        true
    );
    assert_eq!(
        app.get(&uri).await.body["methodResponses"]["200"]["statusCode"],
        "200"
    );
    app.delete(&at).await.assert_status(204);
    app.get(&at)
        .await
        .assert_error(404, "NotFoundException", "");
    app.put(&format!("{uri}/responses/700"), json!({}))
        .await
        .assert_error(400, "BadRequestException", "Invalid status code");
    app.put(
        &at,
        json!({ "responseParameters": { "integration.response.header.x": true } }),
    )
    .await
    .assert_error(400, "BadRequestException", "Invalid mapping expression");
}

#[tokio::test]
async fn integration_responses_put_get_update_delete() {
    let (app, uri) = with_method("GET").await;
    let integ = format!("{uri}/integration");
    let at = format!("{integ}/responses/200");
    app.put(&at, json!({}))
        .await
        .assert_error(404, "NotFoundException", "Integration");
    app.put(&integ, json!({ "type": "MOCK" }))
        .await
        .assert_status(201);
    let r = app
        .put(
            &at,
            json!({ "selectionPattern": "2\\d{2}", "responseTemplates": { "application/json": "{\"ok\":true}" },
                    "responseParameters": { "method.response.header.X-Backend": "integration.response.header.Server" } }),
        )
        .await;
    let b = r.assert_status(201);
    assert_eq!(b["selectionPattern"], "2\\d{2}");
    assert_eq!(app.get(&at).await.assert_status(200)["statusCode"], "200");
    let r = app
        .patch(&at, &[("replace", "/selectionPattern", Some("5\\d{2}"))])
        .await;
    assert_eq!(r.assert_status(200)["selectionPattern"], "5\\d{2}");
    app.patch(&at, &[("replace", "/selectionPattern", Some("(unclosed"))])
        .await
        .assert_error(400, "BadRequestException", "regular expression");
    // The integration's responses survive a new PutIntegration.
    app.put(&integ, json!({ "type": "MOCK" }))
        .await
        .assert_status(201);
    assert_eq!(
        app.get(&integ).await.body["integrationResponses"]["200"]["statusCode"],
        "200"
    );
    app.delete(&at).await.assert_status(204);
    app.get(&at)
        .await
        .assert_error(404, "NotFoundException", "");
}
