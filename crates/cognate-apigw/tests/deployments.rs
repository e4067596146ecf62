//! Deployments and stages.

mod common;

use common::{app, is_id, s, START_SECS};
use serde_json::json;

#[tokio::test]
async fn an_api_without_methods_cannot_be_deployed() {
    let app = app().await;
    let (api, _) = app.create_api("empty").await;
    let r = app
        .post(
            &format!("/restapis/{api}/deployments"),
            json!({ "stageName": "test" }),
        )
        .await;
    r.assert_error(
        400,
        "BadRequestException",
        "The REST API doesn't contain any methods",
    );
    app.get(&format!("/restapis/{api}/stages/test"))
        .await
        .assert_error(404, "NotFoundException", "");
}

#[tokio::test]
async fn a_method_without_integration_cannot_be_deployed() {
    let app = app().await;
    let (api, root) = app.create_api("a").await;
    app.put(
        &format!("/restapis/{api}/resources/{root}/methods/GET"),
        json!({ "authorizationType": "NONE" }),
    )
    .await
    .assert_status(201);
    let r = app
        .post(&format!("/restapis/{api}/deployments"), json!({}))
        .await;
    r.assert_error(
        400,
        "BadRequestException",
        "No integration defined for method GET /",
    );
}

#[tokio::test]
async fn create_deployment_with_stage_creates_the_stage_pointing_at_it() {
    let app = app().await;
    let mut changes = app.svc.subscribe();
    changes.borrow_and_update();
    let (api, root) = app.create_api("a").await;
    app.mock_method(&api, &root, "GET", json!({ "authorizationType": "NONE" }))
        .await;
    let r = app
        .post(
            &format!("/restapis/{api}/deployments"),
            json!({ "stageName": "test", "description": "first", "stageDescription": "the test stage",
                    "variables": { "backend": "http://127.0.0.1:9000" } }),
        )
        .await;
    let b = r.assert_status(201);
    let dep = s(&b["id"]);
    assert!(is_id(&dep, 6));
    assert_eq!(b["description"], "first");
    assert_eq!(b["createdDate"], START_SECS);
    assert!(
        b.get("apiSummary").is_none(),
        "no summary unless embedded: {b}"
    );
    assert!(changes.has_changed().unwrap());
    let st = app.get(&format!("/restapis/{api}/stages/test")).await;
    let st = st.assert_status(200);
    assert_eq!(st["deploymentId"], dep);
    assert_eq!(st["description"], "the test stage");
    assert_eq!(st["variables"]["backend"], "http://127.0.0.1:9000");
    assert_eq!(st["createdDate"], START_SECS);
}

#[tokio::test]
async fn a_second_deployment_repoints_the_stage_and_keeps_its_variables() {
    let app = app().await;
    let (api, first) = app.deployed_api("a", "test").await;
    app.patch(
        &format!("/restapis/{api}/stages/test"),
        &[("replace", "/variables/x", Some("1"))],
    )
    .await
    .assert_status(200);
    app.clock.advance_secs(60);
    let r = app
        .post(
            &format!("/restapis/{api}/deployments"),
            json!({ "stageName": "test" }),
        )
        .await;
    let second = s(&r.assert_status(201)["id"]);
    assert_ne!(first, second);
    let st = app.get(&format!("/restapis/{api}/stages/test")).await.body;
    assert_eq!(st["deploymentId"], second);
    assert_eq!(st["variables"]["x"], "1");
    assert_eq!(st["lastUpdatedDate"], START_SECS + 60);
    let list = app.get(&format!("/restapis/{api}/deployments")).await.body;
    assert_eq!(list["item"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn deployment_snapshot_is_immutable() {
    let app = app().await;
    let (api, dep) = app.deployed_api("a", "test").await;
    let root = s(&app.get(&format!("/restapis/{api}")).await.body["rootResourceId"]);
    app.delete(&format!("/restapis/{api}/resources/{root}/methods/GET"))
        .await
        .assert_status(204);
    let d = app
        .get(&format!(
            "/restapis/{api}/deployments/{dep}?embed=apisummary"
        ))
        .await
        .body;
    assert_eq!(d["apiSummary"]["/"]["GET"]["authorizationType"], "NONE");
    let live = app.svc.live().await.unwrap();
    assert!(live.stages[0].deployment.snapshot.resources[&root]
        .resource_methods
        .contains_key("GET"));
}

#[tokio::test]
async fn get_deployment_hides_the_summary_unless_embedded_and_404s_unknown_ids() {
    let app = app().await;
    let (api, dep) = app.deployed_api("a", "test").await;
    let d = app.get(&format!("/restapis/{api}/deployments/{dep}")).await;
    assert!(d.assert_status(200).get("apiSummary").is_none());
    app.get(&format!("/restapis/{api}/deployments/nope12"))
        .await
        .assert_error(
            404,
            "NotFoundException",
            "Invalid Deployment identifier specified",
        );
}

#[tokio::test]
async fn update_deployment_changes_the_description_only() {
    let app = app().await;
    let (api, dep) = app.deployed_api("a", "test").await;
    let at = format!("/restapis/{api}/deployments/{dep}");
    let r = app
        .patch(&at, &[("replace", "/description", Some("better"))])
        .await;
    assert_eq!(r.assert_status(200)["description"], "better");
    app.patch(&at, &[("replace", "/createdDate", Some("1"))])
        .await
        .assert_error(
            400,
            "BadRequestException",
            "Invalid patch path /createdDate",
        );
}

#[tokio::test]
async fn a_deployment_in_use_cannot_be_deleted() {
    let app = app().await;
    let (api, dep) = app.deployed_api("a", "test").await;
    let at = format!("/restapis/{api}/deployments/{dep}");
    app.delete(&at).await.assert_error(
        400,
        "BadRequestException",
        "Active stages pointing to this deployment must be moved or deleted",
    );
    app.delete(&format!("/restapis/{api}/stages/test"))
        .await
        .assert_status(202);
    app.delete(&at).await.assert_status(202);
    app.get(&at)
        .await
        .assert_error(404, "NotFoundException", "");
}

// === stages ===

#[tokio::test]
async fn create_stage_is_201_and_duplicate_is_conflict() {
    let app = app().await;
    let (api, dep) = app.deployed_api("a", "test").await;
    let at = format!("/restapis/{api}/stages");
    let r = app
        .post(&at, json!({ "stageName": "prod", "deploymentId": dep, "variables": { "v": "a.b-c/d?e=f" } }))
        .await;
    let b = r.assert_status(201);
    assert_eq!(b["stageName"], "prod");
    assert_eq!(b["deploymentId"], dep);
    assert_eq!(b["cacheClusterStatus"], "NOT_AVAILABLE");
    app.post(&at, json!({ "stageName": "prod", "deploymentId": dep }))
        .await
        .assert_error(409, "ConflictException", "Stage already exists");
    let list = app.get(&at).await.body;
    let names: Vec<String> = list["item"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| common::s(&s["stageName"]))
        .collect();
    assert_eq!(names, ["prod", "test"]);
    let filtered = app.get(&format!("{at}?deploymentId=nope12")).await.body;
    assert_eq!(filtered["item"], json!([]));
}

#[tokio::test]
async fn create_stage_validates_name_variables_and_deployment() {
    let app = app().await;
    let (api, dep) = app.deployed_api("a", "test").await;
    let at = format!("/restapis/{api}/stages");
    app.post(&at, json!({ "stageName": "bad name", "deploymentId": dep }))
        .await
        .assert_error(400, "BadRequestException", "stage name");
    app.post(
        &at,
        json!({ "stageName": "s", "deploymentId": dep, "variables": { "bad-name": "x" } }),
    )
    .await
    .assert_error(400, "BadRequestException", "stage variable name");
    app.post(
        &at,
        json!({ "stageName": "s", "deploymentId": dep, "variables": { "v": "has space" } }),
    )
    .await
    .assert_error(400, "BadRequestException", "stage variable");
    app.post(&at, json!({ "stageName": "s", "deploymentId": "nope12" }))
        .await
        .assert_error(404, "NotFoundException", "Deployment");
}

#[tokio::test]
async fn update_stage_patches_variables_deployment_and_method_settings() {
    let app = app().await;
    let (api, first) = app.deployed_api("a", "test").await;
    let second = s(&app
        .post(&format!("/restapis/{api}/deployments"), json!({}))
        .await
        .body["id"]);
    let mut changes = app.svc.subscribe();
    changes.borrow_and_update();
    let at = format!("/restapis/{api}/stages/test");
    let r = app
        .patch(
            &at,
            &[
                (
                    "replace",
                    "/variables/backend",
                    Some("http://127.0.0.1:8080"),
                ),
                ("replace", "/description", Some("d")),
                ("replace", "/deploymentId", Some(&second)),
                ("replace", "/*/*/throttling/rateLimit", Some("10.5")),
                ("replace", "/~1pets/GET/metrics/enabled", Some("true")),
            ],
        )
        .await;
    let b = r.assert_status(200);
    assert_eq!(b["variables"]["backend"], "http://127.0.0.1:8080");
    assert_eq!(b["deploymentId"], second);
    assert_eq!(b["methodSettings"]["*/*"]["throttlingRateLimit"], 10.5);
    assert_eq!(b["methodSettings"]["pets/GET"]["metricsEnabled"], true);
    assert!(changes.has_changed().unwrap());
    assert_ne!(first, second);
    app.patch(&at, &[("remove", "/variables/backend", None)])
        .await
        .assert_status(200);
    assert!(app.get(&at).await.body.get("variables").is_none());
    app.patch(&at, &[("replace", "/deploymentId", Some("nope12"))])
        .await
        .assert_error(404, "NotFoundException", "Deployment");
    app.patch(
        &at,
        &[("replace", "/variables/x", Some("no spaces allowed"))],
    )
    .await
    .assert_error(400, "BadRequestException", "stage variable");
}

#[tokio::test]
async fn delete_stage_is_202_and_leaves_the_live_view() {
    let app = app().await;
    let (api, _) = app.deployed_api("a", "test").await;
    assert_eq!(app.svc.live().await.unwrap().stages.len(), 1);
    app.delete(&format!("/restapis/{api}/stages/test"))
        .await
        .assert_status(202);
    assert!(app.svc.live().await.unwrap().stages.is_empty());
    app.delete(&format!("/restapis/{api}/stages/test"))
        .await
        .assert_error(
            404,
            "NotFoundException",
            "Invalid Stage identifier specified",
        );
}

#[tokio::test]
async fn stage_variables_support_copy_move_and_test_operations() {
    let app = app().await;
    let (api, _) = app.deployed_api("a", "test").await;
    let at = format!("/restapis/{api}/stages/test");
    app.patch(&at, &[("add", "/variables/a", Some("1"))])
        .await
        .assert_status(200);
    let body = json!({ "patchOperations": [
        { "op": "copy", "from": "/variables/a", "path": "/variables/b" },
        { "op": "move", "from": "/variables/a", "path": "/variables/c" },
        { "op": "test", "path": "/variables/c", "value": "1" }
    ] });
    let r = app.call("PATCH", &at, Some(body)).await;
    assert_eq!(
        r.assert_status(200)["variables"],
        json!({ "b": "1", "c": "1" })
    );
    let failing = json!({ "patchOperations": [
        { "op": "remove", "path": "/variables/b" },
        { "op": "test", "path": "/variables/c", "value": "2" }
    ] });
    app.call("PATCH", &at, Some(failing)).await.assert_error(
        400,
        "BadRequestException",
        "test failed",
    );
    assert_eq!(
        app.get(&at).await.body["variables"]["b"],
        "1",
        "a failed patch changes nothing"
    );
    let no_from = json!({ "patchOperations": [{ "op": "copy", "path": "/variables/d" }] });
    app.call("PATCH", &at, Some(no_from))
        .await
        .assert_error(400, "BadRequestException", "'from'");
}
