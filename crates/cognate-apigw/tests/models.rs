//! Models, request validators and tags.

mod common;

use common::{app, s};
use serde_json::json;

#[tokio::test]
async fn models_are_created_listed_patched_and_deleted() {
    let app = app().await;
    let (api, root) = app.create_api("a").await;
    let at = format!("/restapis/{api}/models");
    let schema = r#"{"type":"object"}"#;
    let r = app
        .post(
            &at,
            json!({ "name": "Pet", "contentType": "application/json", "schema": schema }),
        )
        .await;
    let b = r.assert_status(201);
    assert!(common::is_id(b["id"].as_str().unwrap(), 6));
    assert_eq!(b["schema"], schema);
    app.post(
        &at,
        json!({ "name": "Pet", "contentType": "application/json" }),
    )
    .await
    .assert_error(409, "ConflictException", "Model name already exists");
    app.post(
        &at,
        json!({ "name": "Bad Name", "contentType": "application/json" }),
    )
    .await
    .assert_error(400, "BadRequestException", "alphanumeric");
    app.post(
        &at,
        json!({ "name": "Broken", "contentType": "application/json", "schema": "{" }),
    )
    .await
    .assert_error(400, "BadRequestException", "schema");
    assert_eq!(app.get(&at).await.body["item"][0]["name"], "Pet");
    let r = app
        .patch(
            &format!("{at}/Pet"),
            &[("replace", "/description", Some("a pet"))],
        )
        .await;
    assert_eq!(r.assert_status(200)["description"], "a pet");
    // A method that names the model keeps it alive.
    let m = format!("/restapis/{api}/resources/{root}/methods/POST");
    app.put(
        &m,
        json!({ "authorizationType": "NONE", "requestModels": { "application/json": "Pet" } }),
    )
    .await
    .assert_status(201);
    app.delete(&format!("{at}/Pet"))
        .await
        .assert_error(409, "ConflictException", "POST /");
    app.delete(&m).await.assert_status(204);
    app.delete(&format!("{at}/Pet")).await.assert_status(202);
    app.get(&format!("{at}/Pet"))
        .await
        .assert_error(404, "NotFoundException", "");
    app.put(
        &m,
        json!({ "authorizationType": "NONE", "requestModels": { "application/json": "Pet" } }),
    )
    .await
    .assert_error(400, "BadRequestException", "Invalid model identifier");
    app.put(
        &m,
        json!({ "authorizationType": "NONE", "requestModels": { "application/json": "Empty" } }),
    )
    .await
    .assert_status(201);
}

#[tokio::test]
async fn request_validators_are_created_used_and_deleted() {
    let app = app().await;
    let (api, root) = app.create_api("a").await;
    let at = format!("/restapis/{api}/requestvalidators");
    let r = app
        .post(&at, json!({ "name": "body", "validateRequestBody": true }))
        .await;
    let b = r.assert_status(201);
    let id = s(&b["id"]);
    assert_eq!(b["validateRequestBody"], true);
    assert_eq!(b["validateRequestParameters"], false);
    let r = app
        .patch(
            &format!("{at}/{id}"),
            &[("replace", "/validateRequestParameters", Some("true"))],
        )
        .await;
    assert_eq!(r.assert_status(200)["validateRequestParameters"], true);
    let m = format!("/restapis/{api}/resources/{root}/methods/POST");
    app.put(
        &m,
        json!({ "authorizationType": "NONE", "requestValidatorId": id }),
    )
    .await
    .assert_status(201);
    app.delete(&format!("{at}/{id}"))
        .await
        .assert_error(409, "ConflictException", "POST /");
    app.patch(&m, &[("remove", "/requestValidatorId", None)])
        .await
        .assert_status(200);
    app.delete(&format!("{at}/{id}")).await.assert_status(202);
    assert_eq!(app.get(&at).await.body["item"], json!([]));
}

fn arn(path: &str) -> String {
    // Percent-encoded as SDKs send it in the path.
    format!("arn:aws:apigateway:us-east-1::{path}")
        .replace(':', "%3A")
        .replace('/', "%2F")
}

#[tokio::test]
async fn tags_on_rest_apis_and_stages() {
    let app = app().await;
    let (api, _) = app.deployed_api("a", "test").await;
    let api_arn = arn(&format!("/restapis/{api}"));
    app.put(
        &format!("/tags/{api_arn}"),
        json!({ "tags": { "team": "pets", "env": "dev" } }),
    )
    .await
    .assert_status(204);
    let r = app.get(&format!("/tags/{api_arn}")).await;
    assert_eq!(
        r.assert_status(200)["tags"],
        json!({ "team": "pets", "env": "dev" })
    );
    assert_eq!(
        app.get(&format!("/restapis/{api}")).await.body["tags"]["team"],
        "pets"
    );
    app.delete(&format!("/tags/{api_arn}?tagKeys=env"))
        .await
        .assert_status(204);
    assert_eq!(
        app.get(&format!("/tags/{api_arn}")).await.body["tags"],
        json!({ "team": "pets" })
    );

    let stage_arn = arn(&format!("/restapis/{api}/stages/test"));
    app.put(
        &format!("/tags/{stage_arn}"),
        json!({ "tags": { "tier": "gold" } }),
    )
    .await
    .assert_status(204);
    assert_eq!(
        app.get(&format!("/restapis/{api}/stages/test")).await.body["tags"]["tier"],
        "gold"
    );

    app.put(
        &format!("/tags/{}", arn("/domainnames/x")),
        json!({ "tags": { "a": "b" } }),
    )
    .await
    .assert_error(400, "BadRequestException", "Invalid ARN");
    app.put(
        &format!("/tags/{}", arn("/restapis/nope123456")),
        json!({ "tags": { "a": "b" } }),
    )
    .await
    .assert_error(404, "NotFoundException", "");
    app.put(
        &format!("/tags/{api_arn}"),
        json!({ "tags": { "aws:x": "b" } }),
    )
    .await
    .assert_error(400, "BadRequestException", "tag key");
}
