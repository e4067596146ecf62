//! The OpenAPI operations through the management API: ImportRestApi,
//! PutRestApi and GetExport.

mod common;

use common::{app, s, POOL_ARN};
use serde_json::{json, Value};

fn document(title: &str) -> String {
    format!(
        r#"openapi: 3.0.1
info:
  title: {title}
  version: "1.0"
paths:
  /pets:
    get:
      security:
        - SecurePetsPool: []
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: http://127.0.0.1:9/pets
  /health:
    get:
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates:
          application/json: '{{"statusCode": 200}}'
components:
  securitySchemes:
    SecurePetsPool:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: cognito_user_pools
      x-amazon-apigateway-authorizer:
        type: cognito_user_pools
        providerARNs:
          - {POOL_ARN}
"#
    )
}

fn paths(resources: &Value) -> Vec<String> {
    let mut p: Vec<String> = resources["item"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| s(&r["path"]))
        .collect();
    p.sort();
    p
}

#[tokio::test]
async fn import_rest_api_creates_the_api_from_yaml() {
    let app = app().await;
    let r = app
        .raw(
            "POST",
            "/restapis?mode=import",
            document("Imported").into_bytes(),
            &[],
        )
        .await;
    let b = r.assert_status(201);
    assert_eq!(b["name"], "Imported");
    let api = s(&b["id"]);
    assert!(common::is_id(&api, 10));
    let res = app
        .get(&format!("/restapis/{api}/resources?embed=methods"))
        .await
        .body;
    assert_eq!(paths(&res), ["/", "/health", "/pets"]);
    let pets = res["item"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == "/pets")
        .unwrap()
        .clone();
    assert_eq!(
        pets["resourceMethods"]["GET"]["authorizationType"],
        "COGNITO_USER_POOLS"
    );
    assert_eq!(
        pets["resourceMethods"]["GET"]["methodIntegration"]["type"],
        "HTTP_PROXY"
    );
    let auths = app.get(&format!("/restapis/{api}/authorizers")).await.body;
    assert_eq!(auths["item"][0]["name"], "SecurePetsPool");
    // The imported API deploys like any other.
    app.post(
        &format!("/restapis/{api}/deployments"),
        json!({ "stageName": "test" }),
    )
    .await
    .assert_status(201);
}

#[tokio::test]
async fn import_of_garbage_is_bad_request() {
    let app = app().await;
    let r = app
        .raw(
            "POST",
            "/restapis?mode=import",
            b"{\"hello\": 1}".to_vec(),
            &[],
        )
        .await;
    r.assert_error(400, "BadRequestException", "");
    assert!(app.get("/restapis").await.body["item"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn put_rest_api_merges_or_overwrites() {
    let app = app().await;
    let (api, root) = app.create_api("Mine").await;
    let extra = app.resource(&api, &root, "extra").await;
    let r = app
        .raw(
            "PUT",
            &format!("/restapis/{api}?mode=merge"),
            document("Merged").into_bytes(),
            &[],
        )
        .await;
    assert_eq!(r.assert_status(200)["id"], api);
    let res = app.get(&format!("/restapis/{api}/resources")).await.body;
    assert_eq!(paths(&res), ["/", "/extra", "/health", "/pets"]);
    let r = app
        .raw(
            "PUT",
            &format!("/restapis/{api}?mode=overwrite"),
            document("Over").into_bytes(),
            &[],
        )
        .await;
    let b = r.assert_status(200);
    assert_eq!(b["id"], api);
    assert_eq!(b["rootResourceId"], root);
    let res = app.get(&format!("/restapis/{api}/resources")).await.body;
    assert_eq!(paths(&res), ["/", "/health", "/pets"]);
    app.get(&format!("/restapis/{api}/resources/{extra}"))
        .await
        .assert_error(404, "NotFoundException", "");
    app.raw(
        "PUT",
        &format!("/restapis/{api}?mode=replace"),
        document("x").into_bytes(),
        &[],
    )
    .await
    .assert_error(400, "BadRequestException", "mode");
    app.raw(
        "PUT",
        "/restapis/nope123456?mode=merge",
        document("x").into_bytes(),
        &[],
    )
    .await
    .assert_error(404, "NotFoundException", "");
}

#[tokio::test]
async fn get_export_returns_the_deployed_stage_as_openapi() {
    let app = app().await;
    let r = app
        .raw(
            "POST",
            "/restapis?mode=import",
            document("Exported").into_bytes(),
            &[],
        )
        .await;
    let api = s(&r.assert_status(201)["id"]);
    app.post(
        &format!("/restapis/{api}/deployments"),
        json!({ "stageName": "test" }),
    )
    .await
    .assert_status(201);
    let r = app
        .raw(
            "GET",
            &format!("/restapis/{api}/stages/test/exports/oas30?extensions=integrations"),
            vec![],
            &[("host", "localhost:4566")],
        )
        .await;
    let b = r.assert_status(200);
    assert_eq!(r.headers["content-type"], "application/json");
    assert!(b["openapi"].as_str().unwrap().starts_with("3.0"), "{b}");
    assert_eq!(b["info"]["title"], "Exported");
    assert!(
        b["paths"]["/pets"]["get"]["x-amazon-apigateway-integration"].is_object(),
        "{b}"
    );
    let r = app
        .get(&format!("/restapis/{api}/stages/test/exports/swagger"))
        .await;
    assert_eq!(r.assert_status(200)["swagger"], "2.0");
    let r = app
        .raw(
            "GET",
            &format!("/restapis/{api}/stages/test/exports/oas30"),
            vec![],
            &[("accept", "application/yaml")],
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], "application/yaml");
    assert!(r.text.contains("openapi:"), "{}", r.text);
    app.get(&format!("/restapis/{api}/stages/test/exports/raml"))
        .await
        .assert_error(400, "BadRequestException", "export type");
    app.get(&format!("/restapis/{api}/stages/prod/exports/oas30"))
        .await
        .assert_error(404, "NotFoundException", "Stage");
}
