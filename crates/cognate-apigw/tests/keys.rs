//! API keys, usage plans and usage plan keys.

mod common;

use common::{app, is_id, s, App};
use serde_json::json;

async fn key(app: &App, body: serde_json::Value) -> serde_json::Value {
    app.post("/apikeys", body).await.assert_status(201).clone()
}

// === API keys ===

#[tokio::test]
async fn create_api_key_generates_a_40_char_value_and_shows_it_once() {
    let app = app().await;
    let mut changes = app.svc.subscribe();
    changes.borrow_and_update();
    let b = key(&app, json!({ "name": "k", "enabled": true })).await;
    let id = s(&b["id"]);
    assert!(is_id(&id, 6));
    let value = s(&b["value"]);
    assert_eq!(value.len(), 40);
    assert!(value.bytes().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(b["enabled"], true);
    assert!(changes.has_changed().unwrap());
    let got = app.get(&format!("/apikeys/{id}")).await;
    assert!(
        got.assert_status(200).get("value").is_none(),
        "hidden by default"
    );
    let got = app.get(&format!("/apikeys/{id}?includeValue=true")).await;
    assert_eq!(got.body["value"], value);
}

#[tokio::test]
async fn api_key_values_are_checked_and_unique() {
    let app = app().await;
    let value = "abcdefghijklmnopqrstuvwxyz";
    key(&app, json!({ "name": "a", "value": value })).await;
    app.post("/apikeys", json!({ "name": "b", "value": value }))
        .await
        .assert_error(409, "ConflictException", "API Key value already exists");
    app.post("/apikeys", json!({ "name": "c", "value": "short" }))
        .await
        .assert_error(400, "BadRequestException", "at least 20");
    app.post("/apikeys", json!({ "name": "c", "value": "x".repeat(129) }))
        .await
        .assert_error(400, "BadRequestException", "at most 128");
    app.post(
        "/apikeys",
        json!({ "name": "c", "stageKeys": [{ "restApiId": "nope", "stageName": "x" }] }),
    )
    .await
    .assert_error(404, "NotFoundException", "stage");
}

#[tokio::test]
async fn get_api_keys_filters_by_name_and_includes_values_on_request() {
    let app = app().await;
    key(&app, json!({ "name": "alpha-1" })).await;
    key(&app, json!({ "name": "alpha-2", "customerId": "c1" })).await;
    key(&app, json!({ "name": "beta" })).await;
    let b = app.get("/apikeys?name=alpha").await.body;
    let items = b["item"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|k| k.get("value").is_none()));
    let b = app
        .get("/apikeys?includeValues=true&customerId=c1")
        .await
        .body;
    let items = b["item"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["name"], "alpha-2");
    assert_eq!(items[0]["value"].as_str().unwrap().len(), 40);
    let b = app.get("/apikeys?limit=2").await.body;
    assert_eq!(b["item"].as_array().unwrap().len(), 2);
    assert!(b["position"].is_string());
}

#[tokio::test]
async fn update_and_delete_api_key() {
    let app = app().await;
    let id = s(&key(&app, json!({ "name": "k" })).await["id"]);
    app.clock.advance_secs(5);
    let r = app
        .patch(
            &format!("/apikeys/{id}"),
            &[
                ("replace", "/enabled", Some("true")),
                ("replace", "/description", Some("d")),
            ],
        )
        .await;
    let b = r.assert_status(200);
    assert_eq!(b["enabled"], true);
    assert_eq!(b["description"], "d");
    assert_eq!(b["lastUpdatedDate"], common::START_SECS + 5);
    app.patch(
        &format!("/apikeys/{id}"),
        &[("replace", "/value", Some("x"))],
    )
    .await
    .assert_error(400, "BadRequestException", "Invalid patch path /value");
    app.delete(&format!("/apikeys/{id}"))
        .await
        .assert_status(202);
    app.get(&format!("/apikeys/{id}")).await.assert_error(
        404,
        "NotFoundException",
        "Invalid API Key identifier specified",
    );
}

#[tokio::test]
async fn a_deleted_keys_value_can_be_used_again() {
    let app = app().await;
    let value = "0123456789abcdefghijKLMN";
    let id = s(&key(&app, json!({ "name": "a", "value": value })).await["id"]);
    app.delete(&format!("/apikeys/{id}"))
        .await
        .assert_status(202);
    key(&app, json!({ "name": "b", "value": value })).await;
}

#[tokio::test]
async fn api_key_import_is_refused() {
    let app = app().await;
    app.raw(
        "POST",
        "/apikeys?mode=import&format=csv",
        b"name,key\n".to_vec(),
        &[],
    )
    .await
    .assert_error(400, "BadRequestException", "ImportApiKeys");
}

// === usage plans ===

#[tokio::test]
async fn create_usage_plan_with_existing_stage_throttle_and_quota() {
    let app = app().await;
    let (api, _) = app.deployed_api("a", "prod").await;
    let r = app
        .post(
            "/usageplans",
            json!({ "name": "basic", "apiStages": [{ "apiId": api, "stage": "prod" }],
                    "throttle": { "rateLimit": 10.0, "burstLimit": 20 },
                    "quota": { "limit": 1000, "period": "DAY" } }),
        )
        .await;
    let b = r.assert_status(201);
    assert!(is_id(b["id"].as_str().unwrap(), 6));
    assert_eq!(b["apiStages"][0]["apiId"], api);
    assert_eq!(b["throttle"]["burstLimit"], 20);
    assert_eq!(b["quota"]["period"], "DAY");
    let id = s(&b["id"]);
    assert_eq!(
        app.get(&format!("/usageplans/{id}"))
            .await
            .assert_status(200)["name"],
        "basic"
    );
    assert_eq!(app.get("/usageplans").await.body["item"][0]["id"], id);
}

#[tokio::test]
async fn usage_plan_errors() {
    let app = app().await;
    app.post(
        "/usageplans",
        json!({ "name": "x", "apiStages": [{ "apiId": "nope", "stage": "prod" }] }),
    )
    .await
    .assert_error(
        404,
        "NotFoundException",
        "Invalid stage identifier specified",
    );
    app.post(
        "/usageplans",
        json!({ "name": "x", "quota": { "limit": 10, "period": "YEAR" } }),
    )
    .await
    .assert_error(400, "BadRequestException", "quota.period");
    app.post(
        "/usageplans",
        json!({ "name": "x", "quota": { "limit": 0, "period": "DAY" } }),
    )
    .await
    .assert_error(400, "BadRequestException", "quota.limit");
    app.post(
        "/usageplans",
        json!({ "name": "x", "throttle": { "rateLimit": -1 } }),
    )
    .await
    .assert_error(400, "BadRequestException", "negative");
    app.post("/usageplans", json!({}))
        .await
        .assert_error(400, "BadRequestException", "name");
    app.get("/usageplans/nope12")
        .await
        .assert_error(404, "NotFoundException", "Usage Plan");
}

#[tokio::test]
async fn update_usage_plan_patches_limits_and_api_stages() {
    let app = app().await;
    let (api, _) = app.deployed_api("a", "prod").await;
    let id = s(&app.post("/usageplans", json!({ "name": "p" })).await.body["id"]);
    let at = format!("/usageplans/{id}");
    let stage = format!("{api}:prod");
    let r = app
        .patch(
            &at,
            &[
                ("replace", "/throttle/rateLimit", Some("5")),
                ("replace", "/throttle/burstLimit", Some("7")),
                ("replace", "/quota/limit", Some("100")),
                ("replace", "/quota/period", Some("WEEK")),
                ("add", "/apiStages", Some(&stage)),
                ("replace", "/name", Some("q")),
            ],
        )
        .await;
    let b = r.assert_status(200);
    assert_eq!(b["throttle"]["rateLimit"], 5.0);
    assert_eq!(b["quota"]["limit"], 100);
    assert_eq!(b["apiStages"][0]["stage"], "prod");
    assert_eq!(b["name"], "q");
    let r = app
        .patch(
            &at,
            &[
                ("remove", "/apiStages", Some(&stage)),
                ("remove", "/quota", None),
            ],
        )
        .await;
    let b = r.assert_status(200);
    assert!(
        b.get("apiStages").is_none() && b.get("quota").is_none(),
        "{b}"
    );
    app.patch(&at, &[("add", "/apiStages", Some("nope:prod"))])
        .await
        .assert_error(404, "NotFoundException", "stage");
    app.patch(&at, &[("add", "/apiStages", Some("no-colon"))])
        .await
        .assert_error(400, "BadRequestException", "apiId:stageName");
    app.patch(&at, &[("replace", "/quota/period", Some("DAY"))])
        .await
        .assert_error(400, "BadRequestException", "quota.limit");
}

#[tokio::test]
async fn usage_plan_keys_are_added_listed_and_removed() {
    let app = app().await;
    let (api, _) = app.deployed_api("a", "prod").await;
    let plan = s(&app
        .post(
            "/usageplans",
            json!({ "name": "p", "apiStages": [{ "apiId": api, "stage": "prod" }] }),
        )
        .await
        .body["id"]);
    let k = key(&app, json!({ "name": "k1", "enabled": true })).await;
    let kid = s(&k["id"]);
    let at = format!("/usageplans/{plan}/keys");
    let r = app
        .post(&at, json!({ "keyId": kid, "keyType": "API_KEY" }))
        .await;
    let b = r.assert_status(201);
    assert_eq!(b["id"], kid);
    assert_eq!(b["type"], "API_KEY");
    assert_eq!(b["value"], k["value"]);
    assert_eq!(b["name"], "k1");
    app.post(&at, json!({ "keyId": kid, "keyType": "API_KEY" }))
        .await
        .assert_error(409, "ConflictException", "already");
    app.post(&at, json!({ "keyId": "nope12", "keyType": "API_KEY" }))
        .await
        .assert_error(404, "NotFoundException", "API Key");
    app.post(&at, json!({ "keyId": kid, "keyType": "COOKIE" }))
        .await
        .assert_error(400, "BadRequestException", "keyType");
    assert_eq!(app.get(&at).await.body["item"][0]["id"], kid);
    assert_eq!(
        app.get(&format!("{at}/{kid}")).await.assert_status(200)["name"],
        "k1"
    );
    assert_eq!(
        app.get(&format!("/usageplans?keyId={kid}")).await.body["item"][0]["id"],
        plan
    );

    let live = app.svc.live().await.unwrap();
    assert_eq!(live.api_keys.len(), 1);
    assert_eq!(live.usage_plans[0].1, vec![kid.clone()]);

    app.delete(&format!("{at}/{kid}")).await.assert_status(202);
    app.get(&format!("{at}/{kid}"))
        .await
        .assert_error(404, "NotFoundException", "");
    assert_eq!(
        app.get(&format!("/usageplans?keyId={kid}")).await.body["item"],
        json!([])
    );
}

#[tokio::test]
async fn deleting_a_key_or_plan_removes_the_membership() {
    let app = app().await;
    let plan = s(&app.post("/usageplans", json!({ "name": "p" })).await.body["id"]);
    let kid = s(&key(&app, json!({ "name": "k" })).await["id"]);
    app.post(
        &format!("/usageplans/{plan}/keys"),
        json!({ "keyId": kid, "keyType": "API_KEY" }),
    )
    .await
    .assert_status(201);
    app.delete(&format!("/apikeys/{kid}"))
        .await
        .assert_status(202);
    assert_eq!(
        app.get(&format!("/usageplans/{plan}/keys")).await.body["item"],
        json!([])
    );
    assert!(app.svc.live().await.unwrap().usage_plans[0].1.is_empty());
    app.delete(&format!("/usageplans/{plan}"))
        .await
        .assert_status(202);
    assert!(app.svc.live().await.unwrap().usage_plans.is_empty());
}

#[tokio::test]
async fn deleting_a_stage_or_its_api_takes_it_out_of_usage_plans() {
    let app = app().await;
    let (api, dep) = app.deployed_api("a", "prod").await;
    app.post(
        &format!("/restapis/{api}/stages"),
        json!({ "stageName": "beta", "deploymentId": dep }),
    )
    .await
    .assert_status(201);
    let plan = s(&app
        .post(
            "/usageplans",
            json!({ "name": "p", "apiStages": [{ "apiId": api, "stage": "prod" }, { "apiId": api, "stage": "beta" }] }),
        )
        .await
        .body["id"]);
    app.delete(&format!("/restapis/{api}/stages/prod"))
        .await
        .assert_status(202);
    let b = app.get(&format!("/usageplans/{plan}")).await.body;
    assert_eq!(b["apiStages"], json!([{ "apiId": api, "stage": "beta" }]));
    app.delete(&format!("/restapis/{api}"))
        .await
        .assert_status(202);
    assert!(app
        .get(&format!("/usageplans/{plan}"))
        .await
        .body
        .get("apiStages")
        .is_none());
}
