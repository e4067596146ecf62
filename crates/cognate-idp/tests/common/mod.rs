//! The test harness: the whole cognito-idp protocol in process, over an
//! in-memory SQLite store, a manual clock, deterministic randomness and a
//! delivery port that records every message.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use axum::body::Body;
use axum::http::Request;
use axum::Router;
use cognate_core::clock::ManualClock;
use cognate_core::rng::SeqRng;
use cognate_core::service::{
    Argon2Params, Deliver, Deps, HookError, Hooks, Message, ServiceConfig, UserPools,
};
use cognate_tokens::MasterKey;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

/// 2026-11-23T12:00:00Z
pub const START_MS: i64 = 1_795_435_200_000;
pub const PASSWORD: &str = "Passw0rd!";

#[derive(Default)]
pub struct Outbox(Mutex<Vec<Message>>);

#[async_trait]
impl Deliver for Outbox {
    async fn deliver(&self, message: &Message) -> Result<(), String> {
        self.0.lock().unwrap().push(message.clone());
        Ok(())
    }
}

impl Outbox {
    /// The code most recently sent to `username` (`purpose` as in Purpose::as_str).
    pub fn last_code(&self, username: &str, purpose: &str) -> Option<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .rev()
            .find(|m| m.username == username && m.purpose.as_str() == purpose)
            .and_then(|m| m.code.clone().or(m.temporary_password.clone()))
    }
    pub fn messages(&self) -> Vec<Message> {
        self.0.lock().unwrap().clone()
    }
}

/// What a scripted hook does with an event: its answer (the event as
/// changed) or its failure.
pub type HookScript = Box<dyn Fn(&Value) -> Result<Value, HookError> + Send + Sync>;

/// The hook port in process: each target (the LambdaConfig value, e.g.
/// `hook://pre-sign-up`) runs a script; every event is recorded.
#[derive(Default)]
pub struct ScriptedHooks {
    scripts: Mutex<std::collections::HashMap<String, HookScript>>,
    events: Mutex<Vec<(String, Value)>>,
}

#[async_trait]
impl Hooks for ScriptedHooks {
    async fn invoke(&self, target: &str, event: &Value) -> Result<Value, HookError> {
        self.events
            .lock()
            .unwrap()
            .push((target.to_string(), event.clone()));
        let scripts = self.scripts.lock().unwrap();
        match scripts.get(target) {
            Some(script) => script(event),
            None => Err(HookError::Unreachable(format!("no script for {target}"))),
        }
    }
}

impl ScriptedHooks {
    /// Makes `target` answer with `script(event)`.
    pub fn script(
        &self,
        target: &str,
        script: impl Fn(&Value) -> Result<Value, HookError> + Send + Sync + 'static,
    ) {
        self.scripts
            .lock()
            .unwrap()
            .insert(target.to_string(), Box::new(script));
    }

    /// Makes `target` answer with the event unchanged but for `response`.
    pub fn respond(&self, target: &str, response: Value) {
        self.script(target, move |event| {
            let mut answer = event.clone();
            answer["response"] = response.clone();
            Ok(answer)
        });
    }

    /// Every event sent to `target`, oldest first.
    pub fn events(&self, target: &str) -> Vec<Value> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|(t, _)| t == target)
            .map(|(_, e)| e.clone())
            .collect()
    }

    /// The `triggerSource` of every event, oldest first, whatever its target.
    pub fn sources(&self) -> Vec<String> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .map(|(_, e)| e["triggerSource"].as_str().unwrap_or_default().to_string())
            .collect()
    }
}

pub struct App {
    pub router: Router,
    pub store: Arc<dyn cognate_core::store::Store>,
    pub svc: Arc<UserPools>,
    pub clock: ManualClock,
    pub outbox: Arc<Outbox>,
    pub hooks: Arc<ScriptedHooks>,
}

pub type CallResult = Result<Value, (String, String)>;

pub async fn app() -> App {
    let store: Arc<dyn cognate_core::store::Store> = Arc::new(
        cognate_store::sqlite::SqliteStore::open_in_memory()
            .await
            .expect("in-memory store"),
    );
    let clock = ManualClock::new(START_MS);
    let outbox = Arc::new(Outbox::default());
    let hooks = Arc::new(ScriptedHooks::default());
    let svc = Arc::new(UserPools::new(
        Deps {
            store: store.clone(),
            clock: Arc::new(clock.clone()),
            rng: Arc::new(SeqRng::new(42)),
            deliver: outbox.clone(),
            hooks: hooks.clone(),
            master_key: Arc::new(MasterKey::from_bytes(&[7u8; 32]).unwrap()),
        },
        ServiceConfig {
            issuer_base: "http://cognate.test".into(),
            argon2: Argon2Params {
                memory_kib: 64,
                iterations: 1,
                parallelism: 1,
            },
            ..ServiceConfig::default()
        },
    ));
    App {
        router: cognate_idp::routes(svc.clone()),
        store,
        svc,
        clock,
        outbox,
        hooks,
    }
}

impl App {
    /// Calls an operation; Ok(body) on 200, Err((__type, message)) otherwise.
    pub async fn call(&self, op: &str, input: Value) -> CallResult {
        let (status, body) = self.raw(op, input.to_string()).await;
        if status == 200 {
            Ok(body)
        } else {
            Err((
                body["__type"].as_str().unwrap_or_default().to_string(),
                body["message"].as_str().unwrap_or_default().to_string(),
            ))
        }
    }

    /// Calls and expects success.
    pub async fn ok(&self, op: &str, input: Value) -> Value {
        match self.call(op, input.clone()).await {
            Ok(v) => v,
            Err(e) => panic!("{op} {input} failed: {e:?}"),
        }
    }

    /// Calls and expects the error code; returns the message.
    pub async fn err(&self, op: &str, input: Value, code: &str) -> String {
        match self.call(op, input.clone()).await {
            Ok(v) => panic!("{op} {input} succeeded with {v}, expected {code}"),
            Err((c, m)) => {
                assert_eq!(c, code, "{op}: unexpected error {c}: {m}");
                m
            }
        }
    }

    pub async fn raw(&self, op: &str, body: String) -> (u16, Value) {
        let req = Request::post("/")
            .header(
                "x-amz-target",
                format!("AWSCognitoIdentityProviderService.{op}"),
            )
            .header("content-type", "application/x-amz-json-1.1")
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    pub async fn send(&self, req: Request<Body>) -> (u16, Value) {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status().as_u16();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, body)
    }

    // === common set-ups ===

    /// A pool with default settings; returns its id.
    pub async fn pool(&self) -> String {
        self.pool_with(json!({})).await
    }

    pub async fn pool_with(&self, extra: Value) -> String {
        let mut input = json!({ "PoolName": "test-pool" });
        input
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let out = self.ok("CreateUserPool", input).await;
        out["UserPool"]["Id"].as_str().unwrap().to_string()
    }

    /// A client allowing password and refresh flows; returns its id.
    pub async fn client(&self, pool_id: &str) -> String {
        self.client_with(pool_id, json!({})).await
    }

    pub async fn client_with(&self, pool_id: &str, extra: Value) -> String {
        let mut input = json!({
            "UserPoolId": pool_id,
            "ClientName": "app",
            "ExplicitAuthFlows": [
                "ALLOW_USER_PASSWORD_AUTH",
                "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH"
            ],
        });
        input
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        let out = self.ok("CreateUserPoolClient", input).await;
        out["UserPoolClient"]["ClientId"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// A client made with [`Self::client_with`] and `GenerateSecret`, and its
    /// secret as DescribeUserPoolClient shows it.
    pub async fn client_with_secret(&self, pool_id: &str, extra: Value) -> (String, String) {
        let mut extra = extra;
        extra["GenerateSecret"] = json!(true);
        let client = self.client_with(pool_id, extra).await;
        let described = self
            .ok(
                "DescribeUserPoolClient",
                json!({"UserPoolId": pool_id, "ClientId": client}),
            )
            .await;
        let secret = described["UserPoolClient"]["ClientSecret"]
            .as_str()
            .unwrap()
            .to_string();
        (client, secret)
    }

    /// A confirmed user with `PASSWORD` and an e-mail attribute.
    pub async fn user(&self, pool_id: &str, client_id: &str, username: &str) {
        self.ok(
            "SignUp",
            json!({
                "ClientId": client_id,
                "Username": username,
                "Password": PASSWORD,
                "UserAttributes": [{"Name": "email", "Value": format!("{username}@example.com")}],
            }),
        )
        .await;
        self.ok(
            "AdminConfirmSignUp",
            json!({"UserPoolId": pool_id, "Username": username}),
        )
        .await;
    }

    /// Signs in with USER_PASSWORD_AUTH; returns AuthenticationResult.
    pub async fn sign_in(&self, client_id: &str, username: &str, password: &str) -> Value {
        let out = self
            .ok(
                "InitiateAuth",
                json!({
                    "ClientId": client_id,
                    "AuthFlow": "USER_PASSWORD_AUTH",
                    "AuthParameters": {"USERNAME": username, "PASSWORD": password},
                }),
            )
            .await;
        out["AuthenticationResult"].clone()
    }
}

/// The claims of a JWT, unverified (tests verify through the JWKS separately).
pub fn claims(token: &str) -> Value {
    let (_, claims) = cognate_tokens::decode_unverified(token).expect("a JWT");
    Value::Object(claims)
}
