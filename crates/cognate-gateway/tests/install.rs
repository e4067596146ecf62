//! Installing route tables: atomic swaps under load, and the reloader that
//! follows the control plane.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use cognate_apigw::model::{Integration, IntegrationResponse};
use cognate_apigw::service::deployments::CreateDeployment;
use cognate_apigw::service::ApiGatewayDeps;
use cognate_apigw::ApiGateway;
use cognate_core::clock::ManualClock;
use cognate_core::rng::SeqRng;
use common::*;
use serde_json::json;
use tokio::sync::{mpsc, Mutex};

/// A backend whose `/slow` answers only when released; `/fast` at once.
struct Gate {
    addr: std::net::SocketAddr,
    arrived: mpsc::Receiver<()>,
    release: Arc<tokio::sync::Notify>,
}

impl Gate {
    async fn start() -> Gate {
        let (tx, arrived) = mpsc::channel(4);
        let release = Arc::new(tokio::sync::Notify::new());
        let (tx, rel) = (Arc::new(Mutex::new(tx)), release.clone());
        let app = axum::Router::new()
            .route(
                "/slow",
                axum::routing::any(move || {
                    let (tx, rel) = (tx.clone(), rel.clone());
                    async move {
                        tx.lock().await.send(()).await.expect("test listens");
                        rel.notified().await;
                        "{}"
                    }
                }),
            )
            .route("/fast", axum::routing::any(|| async { "{}" }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Gate {
            addr,
            arrived,
            release,
        }
    }
}

/// An HTTP integration to `url` answering `{"version": version}`.
fn http_answering(url: &str, version: &str) -> Integration {
    Integration {
        kind: "HTTP".into(),
        http_method: Some("GET".into()),
        uri: Some(url.into()),
        integration_responses: BTreeMap::from([(
            "200".to_string(),
            IntegrationResponse {
                status_code: "200".into(),
                response_templates: BTreeMap::from([(
                    "application/json".to_string(),
                    json!({ "version": version }).to_string(),
                )]),
                ..Default::default()
            },
        )]),
        timeout_in_millis: 29_000,
        ..Default::default()
    }
}

#[tokio::test]
async fn request_started_before_an_install_finishes_on_the_old_table() {
    let mut gate = Gate::start().await;
    let v1 = Api::new(API_ID).method(
        "/pets",
        "GET",
        open_to(http_answering(&format!("http://{}/slow", gate.addr), "v1")),
    );
    let v2 = Api::new(API_ID).method(
        "/pets",
        "GET",
        open_to(http_answering(&format!("http://{}/fast", gate.addr), "v2")),
    );
    let h = Harness::serving(vec![v1.stage()]).await;

    let in_flight = {
        let h = h.clone();
        tokio::spawn(async move { h.call("GET", "/pets", &[]).await })
    };
    gate.arrived
        .recv()
        .await
        .expect("the first request reaches the backend");
    h.install(live(vec![v2.stage()])).await;

    let after = h.call("GET", "/pets", &[]).await.assert_ok();
    assert_eq!(after["version"], "v2");
    gate.release.notify_one();
    let before = in_flight.await.unwrap().assert_ok();
    assert_eq!(before["version"], "v1");
}

#[tokio::test]
async fn installing_an_empty_configuration_stops_serving_the_stage() {
    let h = Harness::serving(vec![Api::new(API_ID)
        .method("/pets", "GET", open())
        .stage()])
    .await;
    h.call("GET", "/pets", &[]).await.assert_ok();
    h.install(live(vec![])).await;
    h.call("GET", "/pets", &[]).await.assert_gateway(
        403,
        "Missing Authentication Token",
        "MissingAuthenticationTokenException",
    );
}

#[tokio::test]
async fn reinstalling_keeps_serving_tokens_of_unchanged_authorizers() {
    let api =
        Api::new(API_ID)
            .authorizer(authorizer("auth01"))
            .method("/pets", "GET", cognito("auth01"));
    let h = Harness::serving(vec![api.stage()]).await;
    let token = sign(&id_claims(h.now()));
    h.call_with_token("GET", "/pets", &token).await.assert_ok();
    h.install(live(vec![api.stage(), api.deploy("dep002", "beta")]))
        .await;
    h.call_with_token("GET", "/pets", &token).await.assert_ok();
}

const OPENAPI: &str = r#"{
  "openapi": "3.0.1",
  "info": {"title": "Reloaded", "version": "1"},
  "paths": {
    "/health": {
      "get": {
        "x-amazon-apigateway-integration": {
          "type": "mock",
          "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
          "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": "{\"ok\": true}"}}}
        }
      }
    }
  }
}"#;

async fn control_plane() -> Arc<ApiGateway> {
    let store = cognate_store::sqlite::SqliteStore::open_in_memory()
        .await
        .expect("in-memory store");
    ApiGateway::new(ApiGatewayDeps {
        store: Arc::new(store),
        clock: Arc::new(ManualClock::new(START_MS)),
        rng: Arc::new(SeqRng::new(3)),
    })
}

fn deploy_to(stage: &str) -> CreateDeployment {
    CreateDeployment {
        stage_name: Some(stage.into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn reloader_installs_at_once_and_after_every_change() {
    let control = control_plane().await;
    let api = control
        .import_rest_api(OPENAPI.as_bytes(), false)
        .await
        .expect("import");
    control
        .create_deployment(&api.id, deploy_to("prod"))
        .await
        .expect("deploy");

    let h = Harness::new();
    let mut installs = h.gw.installs();
    let reloader = cognate_gateway::spawn_reloader(h.gw.clone(), control.clone());
    installs.wait_for(|n| *n >= 1).await.expect("first install");
    let url = |stage: &str| format!("/_aws/execute-api/{}/{stage}/health", api.id);
    let prod = h.send("GET", None, &url("prod"), &[]).await.assert_ok();
    assert_eq!(prod, json!({"ok": true}));
    h.send("GET", None, &url("beta"), &[]).await.assert_gateway(
        403,
        "Missing Authentication Token",
        "MissingAuthenticationTokenException",
    );

    control
        .create_deployment(&api.id, deploy_to("beta"))
        .await
        .expect("deploy beta");
    installs
        .wait_for(|n| *n >= 2)
        .await
        .expect("second install");
    h.send("GET", None, &url("beta"), &[]).await.assert_ok();

    reloader.abort();
}

/// Two control planes over one store: two nodes sharing a database.
async fn two_nodes() -> (Arc<ApiGateway>, Arc<ApiGateway>) {
    let store: Arc<cognate_store::sqlite::SqliteStore> = Arc::new(
        cognate_store::sqlite::SqliteStore::open_in_memory()
            .await
            .expect("in-memory store"),
    );
    let node = |seed: u64| {
        ApiGateway::new(ApiGatewayDeps {
            store: store.clone(),
            clock: Arc::new(ManualClock::new(START_MS)),
            rng: Arc::new(SeqRng::new(seed)),
        })
    };
    (node(3), node(4))
}

#[tokio::test]
async fn reloader_serves_a_deployment_another_node_made_in_the_shared_store() {
    let (node_a, node_b) = two_nodes().await;
    let h = Harness::new();
    let mut installs = h.gw.installs();
    let poll = std::time::Duration::from_millis(20);
    let reloader =
        cognate_gateway::reload::spawn_reloader_polling(h.gw.clone(), node_b.clone(), poll);
    installs.wait_for(|n| *n >= 1).await.expect("first install");

    // Node A deploys; node B's control plane never hears of it directly.
    let api = node_a
        .import_rest_api(OPENAPI.as_bytes(), false)
        .await
        .expect("import");
    node_a
        .create_deployment(&api.id, deploy_to("prod"))
        .await
        .expect("deploy");

    // B notices at its next poll of the store's generation.
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        installs.wait_for(|n| *n >= 2),
    )
    .await
    .expect("installed after a poll")
    .expect("install");
    let url = format!("/_aws/execute-api/{}/prod/health", api.id);
    assert_eq!(
        h.send("GET", None, &url, &[]).await.assert_ok(),
        json!({"ok": true})
    );
    reloader.abort();
}
