//! The SecurePets API built through the management API: resources /pets and
//! /purchase, GET and PURCHASE on /pets and POST on /purchase behind a
//! Cognito authorizer, deployed to stage `test`; the live view serves it and
//! subscribers hear about it. Run over SQLite and over the in-memory store.

mod common;

use std::sync::Arc;

use common::{memstore::MemStore, s, App, POOL_ARN};
use serde_json::json;

struct Built {
    api: String,
    pets: String,
    purchase: String,
    authorizer: String,
}

async fn build(app: &App) -> Built {
    let (api, root) = app.create_api("SecurePets").await;
    let pets = app.resource(&api, &root, "pets").await;
    let purchase = app.resource(&api, &root, "purchase").await;
    let r = app
        .post(
            &format!("/restapis/{api}/authorizers"),
            json!({
                "name": "SecurePetsPool",
                "type": "COGNITO_USER_POOLS",
                "providerARNs": [POOL_ARN],
                "identitySource": "method.request.header.Authorization",
                "identityValidationExpression": "^client123$"
            }),
        )
        .await;
    let authorizer = s(&r.assert_status(201)["id"]);
    for (rid, method, scopes) in [
        (&pets, "GET", json!([])),
        (&pets, "PURCHASE", json!([])),
        (&purchase, "POST", json!(["pets/purchase"])),
    ] {
        let base = format!("/restapis/{api}/resources/{rid}/methods/{method}");
        app.put(
            &base,
            json!({
                "authorizationType": "COGNITO_USER_POOLS",
                "authorizerId": authorizer,
                "authorizationScopes": scopes
            }),
        )
        .await
        .assert_status(201);
        app.put(
            &format!("{base}/integration"),
            json!({
                "type": "HTTP_PROXY",
                "httpMethod": method,
                "uri": "http://127.0.0.1:9/pets",
                "requestParameters": {
                    "integration.request.header.x-user-sub": "context.authorizer.claims.sub"
                }
            }),
        )
        .await
        .assert_status(201);
    }
    Built {
        api,
        pets,
        purchase,
        authorizer,
    }
}

async fn securepets_is_built_deployed_and_live(app: App) {
    let mut changes = app.svc.subscribe();
    let before = *changes.borrow_and_update();
    let b = build(&app).await;

    let r = app
        .post(
            &format!("/restapis/{}/deployments", b.api),
            json!({ "stageName": "test" }),
        )
        .await;
    let deployment = s(&r.assert_status(201)["id"]);
    assert!(
        changes.has_changed().unwrap(),
        "subscribers hear about the deployment"
    );
    assert!(*changes.borrow_and_update() > before);

    let live = app.svc.live().await.unwrap();
    assert_eq!(live.stages.len(), 1);
    let stage = &live.stages[0];
    assert_eq!(stage.api_id, b.api);
    assert_eq!(stage.stage.stage_name, "test");
    assert_eq!(stage.stage.deployment_id, deployment);
    let snap = &stage.deployment.snapshot;
    let pets = &snap.resources[&b.pets];
    assert_eq!(pets.path, "/pets");
    let methods: Vec<&str> = pets.resource_methods.keys().map(String::as_str).collect();
    assert_eq!(methods, ["GET", "PURCHASE"]);
    let get = &pets.resource_methods["GET"];
    assert_eq!(get.authorization_type, "COGNITO_USER_POOLS");
    assert_eq!(get.authorizer_id.as_deref(), Some(b.authorizer.as_str()));
    let integration = get.method_integration.as_ref().unwrap();
    assert_eq!(integration.kind, "HTTP_PROXY");
    assert_eq!(integration.timeout_in_millis, 29_000);
    let post = &snap.resources[&b.purchase].resource_methods["POST"];
    assert_eq!(post.authorization_scopes, ["pets/purchase"]);
    let authorizer = &snap.authorizers[&b.authorizer];
    assert_eq!(authorizer.provider_arns, [POOL_ARN]);
    assert_eq!(
        authorizer.identity_validation_expression.as_deref(),
        Some("^client123$")
    );
    assert_eq!(authorizer.authorizer_result_ttl_in_seconds, Some(300));

    // The summary names every deployed method.
    let r = app
        .get(&format!(
            "/restapis/{}/deployments/{deployment}?embed=apisummary",
            b.api
        ))
        .await;
    let summary = &r.assert_status(200)["apiSummary"];
    assert_eq!(
        summary["/pets"]["PURCHASE"]["authorizationType"],
        "COGNITO_USER_POOLS"
    );
    assert_eq!(summary["/purchase"]["POST"]["apiKeyRequired"], false);

    // A change after deployment is not live until the next deployment.
    app.delete(&format!(
        "/restapis/{}/resources/{}/methods/PURCHASE",
        b.api, b.pets
    ))
    .await
    .assert_status(204);
    let live = app.svc.live().await.unwrap();
    assert!(live.stages[0].deployment.snapshot.resources[&b.pets]
        .resource_methods
        .contains_key("PURCHASE"));
    app.post(
        &format!("/restapis/{}/deployments", b.api),
        json!({ "stageName": "test" }),
    )
    .await
    .assert_status(201);
    let live = app.svc.live().await.unwrap();
    assert_eq!(live.stages.len(), 1);
    assert!(!live.stages[0].deployment.snapshot.resources[&b.pets]
        .resource_methods
        .contains_key("PURCHASE"));
}

#[tokio::test]
async fn securepets_on_sqlite() {
    securepets_is_built_deployed_and_live(common::app().await).await;
}

#[tokio::test]
async fn securepets_on_the_in_memory_store() {
    securepets_is_built_deployed_and_live(common::app_on(Arc::new(MemStore::default()))).await;
}
