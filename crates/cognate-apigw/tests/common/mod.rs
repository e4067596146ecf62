//! The test harness: the management API in process over a store (SQLite in
//! memory, or the in-memory `MemStore`), a manual clock and deterministic
//! randomness; requests go through the router with `oneshot`.
#![allow(dead_code)]

pub mod memstore;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request};
use axum::Router;
use cognate_apigw::service::ApiGatewayDeps;
use cognate_apigw::ApiGateway;
use cognate_core::clock::ManualClock;
use cognate_core::rng::SeqRng;
use cognate_core::store::DocStore;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

/// 2026-11-23T12:00:00Z
pub const START_MS: i64 = 1_795_435_200_000;
pub const START_SECS: i64 = START_MS / 1000;
pub const POOL_ARN: &str =
    "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_AbCdEf123";

pub struct App {
    pub router: Router,
    pub svc: Arc<ApiGateway>,
    pub clock: ManualClock,
    pub store: Arc<dyn DocStore>,
}

/// The management API over an in-memory SQLite store.
pub async fn app() -> App {
    let store = cognate_store::sqlite::SqliteStore::open_in_memory()
        .await
        .expect("in-memory store");
    app_on(Arc::new(store))
}

/// The management API over `store`.
pub fn app_on(store: Arc<dyn DocStore>) -> App {
    let clock = ManualClock::new(START_MS);
    let svc = ApiGateway::new(ApiGatewayDeps {
        store: store.clone(),
        clock: Arc::new(clock.clone()),
        rng: Arc::new(SeqRng::new(7)),
    });
    App {
        router: cognate_apigw::http::routes(svc.clone()),
        svc,
        clock,
        store,
    }
}

/// A response: status, headers and the body as JSON (`Null` when empty,
/// a string when not JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    /// The `x-amzn-ErrorType` of an error.
    pub fn error_type(&self) -> &str {
        self.headers
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub fn message(&self) -> &str {
        self.body["message"].as_str().unwrap_or_default()
    }

    /// Asserts an AWS error: status, exception name, and a message containing `msg`.
    #[track_caller]
    pub fn assert_error(&self, status: u16, error_type: &str, msg: &str) {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(self.error_type(), error_type, "{self:?}");
        assert!(
            self.message().contains(msg),
            "message {:?} lacks {msg:?}",
            self.message()
        );
    }

    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Value {
        assert_eq!(self.status, status, "{self:?}");
        &self.body
    }
}

impl App {
    pub async fn call(&self, method: &str, uri: &str, body: Option<Value>) -> Resp {
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        self.raw(method, uri, bytes, &[]).await
    }

    pub async fn raw(
        &self,
        method: &str,
        uri: &str,
        body: Vec<u8>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = self
            .router
            .clone()
            .oneshot(req.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).to_string();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(text.clone()))
        };
        Resp {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn get(&self, uri: &str) -> Resp {
        self.call("GET", uri, None).await
    }
    pub async fn post(&self, uri: &str, body: Value) -> Resp {
        self.call("POST", uri, Some(body)).await
    }
    pub async fn put(&self, uri: &str, body: Value) -> Resp {
        self.call("PUT", uri, Some(body)).await
    }
    pub async fn delete(&self, uri: &str) -> Resp {
        self.call("DELETE", uri, None).await
    }
    /// PATCH with `patchOperations` given as (op, path, value).
    pub async fn patch(&self, uri: &str, ops: &[(&str, &str, Option<&str>)]) -> Resp {
        self.call("PATCH", uri, Some(patch_ops(ops))).await
    }

    /// A new API: (api id, root resource id).
    pub async fn create_api(&self, name: &str) -> (String, String) {
        let r = self.post("/restapis", json!({ "name": name })).await;
        let b = r.assert_status(201);
        (s(&b["id"]), s(&b["rootResourceId"]))
    }

    /// A new resource under `parent`; its id.
    pub async fn resource(&self, api: &str, parent: &str, part: &str) -> String {
        let r = self
            .post(
                &format!("/restapis/{api}/resources/{parent}"),
                json!({ "pathPart": part }),
            )
            .await;
        s(&r.assert_status(201)["id"])
    }

    /// A Cognito authorizer over [`POOL_ARN`]; its id.
    pub async fn cognito_authorizer(&self, api: &str, name: &str) -> String {
        let r = self
            .post(
                &format!("/restapis/{api}/authorizers"),
                json!({ "name": name, "type": "COGNITO_USER_POOLS", "providerARNs": [POOL_ARN] }),
            )
            .await;
        s(&r.assert_status(201)["id"])
    }

    /// PutMethod with `body`, then a MOCK integration.
    pub async fn mock_method(&self, api: &str, rid: &str, method: &str, body: Value) {
        let base = format!("/restapis/{api}/resources/{rid}/methods/{method}");
        self.put(&base, body).await.assert_status(201);
        self.put(
            &format!("{base}/integration"),
            json!({ "type": "MOCK", "requestTemplates": { "application/json": "{\"statusCode\": 200}" } }),
        )
        .await
        .assert_status(201);
    }

    /// An API with one public MOCK `GET /` deployed to `stage`: (api, deployment id).
    pub async fn deployed_api(&self, name: &str, stage: &str) -> (String, String) {
        let (api, root) = self.create_api(name).await;
        self.mock_method(&api, &root, "GET", json!({ "authorizationType": "NONE" }))
            .await;
        let r = self
            .post(
                &format!("/restapis/{api}/deployments"),
                json!({ "stageName": stage }),
            )
            .await;
        let dep = s(&r.assert_status(201)["id"]);
        (api, dep)
    }
}

pub fn patch_ops(ops: &[(&str, &str, Option<&str>)]) -> Value {
    let ops: Vec<Value> = ops
        .iter()
        .map(|(op, path, value)| match value {
            Some(v) => json!({ "op": op, "path": path, "value": v }),
            None => json!({ "op": op, "path": path }),
        })
        .collect();
    json!({ "patchOperations": ops })
}

/// A JSON string value as a `String`.
pub fn s(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .to_string()
}

/// `[a-z0-9]{len}`.
pub fn is_id(id: &str, len: usize) -> bool {
    id.len() == len
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}
