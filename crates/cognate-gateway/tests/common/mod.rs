//! The gateway test harness: a gateway over a manual clock and a pool
//! directory holding real RS256 keys, REST API snapshots built in code, real
//! Cognito-shaped tokens, and requests sent straight to `Gateway::handle`.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use axum::body::Body;
use cognate_apigw::model::{
    ApiDoc, ApiKey, ApiStage, Authorizer, Deployment, DeploymentDoc, GatewayResponse, Integration,
    IntegrationResponse, LiveConfig, LiveStage, Method, QuotaSettings, Resource, RestApi, Stage,
    ThrottleSettings, UsagePlan,
};
use cognate_core::clock::ManualClock;
use cognate_gateway::{Gateway, GatewayDeps, IntegratorConfig, LocalPool, PoolDirectory};
use cognate_tokens::{KeySet, SigningKey};
use http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Map, Value};

/// 2026-11-23T12:00:00Z
pub const START_MS: i64 = 1_795_435_200_000;
pub const POOL_ID: &str = "us-east-1_Local1";
pub const POOL_ARN: &str = "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_Local1";
pub const ISSUER: &str = "http://cognate.test/us-east-1_Local1";
pub const CLIENT_ID: &str = "client1234567890abcdefghij";
pub const API_ID: &str = "a1b2c3d4e5";
pub const STAGE: &str = "prod";

/// Generating RSA keys is slow: every test shares these.
pub fn key(n: usize) -> &'static SigningKey {
    static KEYS: OnceLock<Vec<SigningKey>> = OnceLock::new();
    &KEYS.get_or_init(|| {
        (0..4)
            .map(|i| SigningKey::generate(format!("kid-{i}")).expect("generate key"))
            .collect()
    })[n]
}

/// A pool directory with fixed pools.
#[derive(Default)]
pub struct Pools(pub HashMap<String, LocalPool>);

#[async_trait]
impl PoolDirectory for Pools {
    async fn local_pool(&self, pool_id: &str) -> Option<LocalPool> {
        self.0.get(pool_id).cloned()
    }
}

/// The local pool of every harness: issuer [`ISSUER`], key 0.
pub fn local_pools() -> Pools {
    Pools(HashMap::from([(
        POOL_ID.to_string(),
        LocalPool {
            issuer: ISSUER.to_string(),
            keys: KeySet::new([key(0).verifying_key()]),
        },
    )]))
}

#[derive(Clone)]
pub struct Harness {
    pub gw: Arc<Gateway>,
    pub clock: ManualClock,
}

impl Harness {
    pub fn new() -> Harness {
        Harness::with(local_pools(), BTreeMap::new())
    }

    pub fn with(pools: Pools, remote_issuers: BTreeMap<String, String>) -> Harness {
        // Logs show up with a failing test's output.
        let _ = tracing_subscriber::fmt().with_test_writer().try_init();
        let clock = ManualClock::new(START_MS);
        let gw = Gateway::new(GatewayDeps {
            clock: Arc::new(clock.clone()),
            pools: Arc::new(pools),
            integrator: IntegratorConfig::default(),
            remote_issuers,
        });
        Harness { gw, clock }
    }

    /// A harness serving `stages`.
    pub async fn serving(stages: Vec<LiveStage>) -> Harness {
        let h = Harness::new();
        h.install(live(stages)).await;
        h
    }

    pub async fn install(&self, live: LiveConfig) {
        self.gw.install(live).await;
    }

    pub fn now(&self) -> i64 {
        cognate_core::clock::Clock::now_secs(&self.clock)
    }

    /// Sends `method path` on stage [`STAGE`] of [`API_ID`] (path style URL).
    pub async fn call(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
        self.send(
            method,
            None,
            &format!("/_aws/execute-api/{API_ID}/{STAGE}{path}"),
            headers,
        )
        .await
    }

    /// Sends a request with `Authorization: token`.
    pub async fn call_with_token(&self, method: &str, path: &str, token: &str) -> Reply {
        self.call(method, path, &[("authorization", token)]).await
    }

    /// Sends a request to any URL the way the binary does: recognise, then handle.
    pub async fn send(
        &self,
        method: &str,
        host: Option<&str>,
        uri: &str,
        headers: &[(&str, &str)],
    ) -> Reply {
        let path = uri.split('?').next().unwrap_or(uri);
        let inv = self
            .gw
            .invocation(host, path)
            .unwrap_or_else(|| panic!("{uri} is not an invocation URL"));
        let mut req = Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(Body::empty()).expect("request");
        let client: SocketAddr = "127.0.0.1:50000".parse().expect("addr");
        let response = self
            .gw
            .handle(inv, req, &cognate_gateway::Client::new(client))
            .await;
        Reply::read(response).await
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    pub async fn read(response: http::Response<Body>) -> Reply {
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.expect("body").to_bytes();
        Reply {
            status: parts.status,
            headers: parts.headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a gateway response: status, `{"message": …}`, error type,
    /// JSON content type and a request id.
    #[track_caller]
    pub fn assert_gateway(&self, status: u16, message: &str, error_type: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        assert_eq!(self.json(), json!({ "message": message }));
        assert_eq!(self.header("x-amzn-errortype"), Some(error_type));
        assert_eq!(self.header("content-type"), Some("application/json"));
        assert!(self
            .header("x-amzn-requestid")
            .is_some_and(|id| !id.is_empty()));
    }

    #[track_caller]
    pub fn assert_ok(&self) -> Value {
        assert_eq!(self.status, StatusCode::OK, "body: {}", self.body);
        self.json()
    }
}

// === tokens ===

/// ID token claims of the local pool, valid for an hour.
pub fn id_claims(now: i64) -> Map<String, Value> {
    json!({
        "sub": "8d4c1a2e-0000-4000-8000-000000000001",
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "cognito:username": "alice",
        "email": "alice@example.com",
        "token_use": "id",
        "auth_time": now,
        "iat": now,
        "exp": now + 3600,
    })
    .as_object()
    .cloned()
    .expect("object")
}

/// Access token claims of the local pool with `scope`, valid for an hour.
pub fn access_claims(now: i64, scope: &str) -> Map<String, Value> {
    json!({
        "sub": "8d4c1a2e-0000-4000-8000-000000000001",
        "iss": ISSUER,
        "client_id": CLIENT_ID,
        "token_use": "access",
        "scope": scope,
        "username": "alice",
        "auth_time": now,
        "iat": now,
        "exp": now + 3600,
    })
    .as_object()
    .cloned()
    .expect("object")
}

pub fn sign(claims: &Map<String, Value>) -> String {
    sign_with(key(0), claims)
}

pub fn sign_with(key: &SigningKey, claims: &Map<String, Value>) -> String {
    key.sign(&Value::Object(claims.clone())).expect("sign")
}

// === REST API snapshots ===

/// A MOCK integration answering 200 with the caller's `sub`, the matched
/// resource and method, and the API key's id.
pub fn mock() -> Integration {
    mock_answer(
        r#"{"sub":"$context.authorizer.claims.sub","resource":"$context.resourcePath","method":"$context.httpMethod","apiKeyId":"$context.identity.apiKeyId"}"#,
    )
}

/// An HTTP_PROXY integration to `uri` (which may hold `{param}`s).
pub fn proxy_to(uri: &str) -> Integration {
    Integration {
        kind: "HTTP_PROXY".into(),
        http_method: Some("ANY".into()),
        uri: Some(uri.into()),
        timeout_in_millis: 29_000,
        ..Default::default()
    }
}

/// A method with no authorization whose integration is `integration`.
pub fn open_to(integration: Integration) -> Method {
    Method {
        method_integration: Some(integration),
        ..open()
    }
}

/// A backend on 127.0.0.1 that answers every request with it as JSON:
/// `{"method", "path" (decoded), "query", "headers"}`.
pub struct Echo {
    pub addr: SocketAddr,
}

impl Echo {
    pub async fn start() -> Echo {
        let app = axum::Router::new().fallback(|req: Request<Body>| async move {
            let headers: Map<String, Value> = req
                .headers()
                .iter()
                .map(|(k, v)| (k.to_string(), json!(v.to_str().unwrap_or_default())))
                .collect();
            let path = percent_encoding::percent_decode_str(req.uri().path())
                .decode_utf8_lossy()
                .into_owned();
            axum::Json(json!({
                "method": req.method().as_str(),
                "path": path,
                "query": req.uri().query(),
                "headers": headers,
            }))
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind echo backend");
        let addr = listener.local_addr().expect("echo address");
        tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("echo backend serves");
        });
        Echo { addr }
    }

    /// `http://127.0.0.1:port{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

/// A MOCK integration answering 200 with `template`.
pub fn mock_answer(template: &str) -> Integration {
    Integration {
        kind: "MOCK".into(),
        request_templates: BTreeMap::from([(
            "application/json".to_string(),
            r#"{"statusCode": 200}"#.to_string(),
        )]),
        integration_responses: BTreeMap::from([(
            "200".to_string(),
            IntegrationResponse {
                status_code: "200".into(),
                response_templates: BTreeMap::from([(
                    "application/json".to_string(),
                    template.to_string(),
                )]),
                ..Default::default()
            },
        )]),
        timeout_in_millis: 29_000,
        ..Default::default()
    }
}

/// A method with no authorization and a MOCK integration.
pub fn open() -> Method {
    Method {
        authorization_type: "NONE".into(),
        method_integration: Some(mock()),
        ..Default::default()
    }
}

/// A method behind the Cognito authorizer `authorizer_id`.
pub fn cognito(authorizer_id: &str) -> Method {
    Method {
        authorization_type: "COGNITO_USER_POOLS".into(),
        authorizer_id: Some(authorizer_id.into()),
        ..open()
    }
}

/// A method behind the authorizer wanting access tokens with one of `scopes`.
pub fn cognito_scoped(authorizer_id: &str, scopes: &[&str]) -> Method {
    Method {
        authorization_scopes: scopes.iter().map(|s| s.to_string()).collect(),
        ..cognito(authorizer_id)
    }
}

/// The Cognito authorizer `id` of the local pool.
pub fn authorizer(id: &str) -> Authorizer {
    Authorizer {
        id: id.into(),
        name: format!("pool-{id}"),
        kind: "COGNITO_USER_POOLS".into(),
        provider_arns: vec![POOL_ARN.into()],
        identity_source: Some("method.request.header.Authorization".into()),
        ..Default::default()
    }
}

/// A REST API under construction.
pub struct Api {
    pub doc: ApiDoc,
}

impl Api {
    pub fn new(api_id: &str) -> Api {
        let root = Resource {
            id: "root00".into(),
            path: "/".into(),
            ..Default::default()
        };
        Api {
            doc: ApiDoc {
                api: RestApi {
                    id: api_id.into(),
                    name: "SecurePets".into(),
                    created_date: START_MS / 1000,
                    root_resource_id: "root00".into(),
                    ..Default::default()
                },
                resources: BTreeMap::from([("root00".to_string(), root)]),
                authorizers: BTreeMap::new(),
                gateway_responses: BTreeMap::new(),
                models: BTreeMap::new(),
                request_validators: BTreeMap::new(),
            },
        }
    }

    /// Adds `method` on `path`, creating the resources on the way.
    pub fn method(mut self, path: &str, http_method: &str, mut method: Method) -> Api {
        let id = self.resource(path);
        method.http_method = http_method.into();
        self.doc
            .resources
            .get_mut(&id)
            .expect("resource")
            .resource_methods
            .insert(http_method.into(), method);
        self
    }

    fn resource(&mut self, path: &str) -> String {
        if let Some(r) = self.doc.resources.values().find(|r| r.path == path) {
            return r.id.clone();
        }
        let (parent_path, part) = path.rsplit_once('/').expect("absolute path");
        let parent_path = if parent_path.is_empty() {
            "/"
        } else {
            parent_path
        };
        let parent = self.resource(parent_path);
        let id = format!("res{:03}", self.doc.resources.len());
        self.doc.resources.insert(
            id.clone(),
            Resource {
                id: id.clone(),
                parent_id: Some(parent),
                path_part: Some(part.into()),
                path: path.into(),
                ..Default::default()
            },
        );
        id
    }

    pub fn authorizer(mut self, a: Authorizer) -> Api {
        self.doc.authorizers.insert(a.id.clone(), a);
        self
    }

    pub fn gateway_response(mut self, r: GatewayResponse) -> Api {
        self.doc
            .gateway_responses
            .insert(r.response_type.clone(), r);
        self
    }

    /// The API deployed as `deployment_id` on `stage`.
    pub fn deploy(&self, deployment_id: &str, stage: &str) -> LiveStage {
        LiveStage {
            api_id: self.doc.api.id.clone(),
            stage: Stage {
                deployment_id: deployment_id.into(),
                stage_name: stage.into(),
                created_date: START_MS / 1000,
                last_updated_date: START_MS / 1000,
                ..Default::default()
            },
            deployment: Arc::new(DeploymentDoc {
                deployment: Deployment {
                    id: deployment_id.into(),
                    created_date: START_MS / 1000,
                    ..Default::default()
                },
                snapshot: self.doc.clone(),
            }),
        }
    }

    /// The API deployed on [`STAGE`].
    pub fn stage(&self) -> LiveStage {
        self.deploy("dep001", STAGE)
    }
}

pub fn live(stages: Vec<LiveStage>) -> LiveConfig {
    LiveConfig {
        stages,
        ..Default::default()
    }
}

// === API keys and usage plans ===

pub fn api_key(id: &str, value: &str, enabled: bool) -> ApiKey {
    ApiKey {
        id: id.into(),
        value: value.into(),
        name: id.into(),
        enabled,
        created_date: START_MS / 1000,
        last_updated_date: START_MS / 1000,
        ..Default::default()
    }
}

/// A usage plan on [`API_ID`]/`stage`.
pub fn plan(id: &str, stage: &str) -> UsagePlan {
    UsagePlan {
        id: id.into(),
        name: id.into(),
        api_stages: vec![ApiStage {
            api_id: API_ID.into(),
            stage: stage.into(),
            throttle: BTreeMap::new(),
        }],
        ..Default::default()
    }
}

pub fn throttle(rate: f64, burst: i64) -> ThrottleSettings {
    ThrottleSettings {
        rate_limit: Some(rate),
        burst_limit: Some(burst),
    }
}

pub fn quota(limit: i64, period: &str) -> QuotaSettings {
    QuotaSettings {
        limit,
        offset: 0,
        period: period.into(),
    }
}
