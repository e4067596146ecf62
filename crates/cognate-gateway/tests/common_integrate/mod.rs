//! Shared pieces of the integrate tests: an echoing backend on loopback,
//! an invocation context with owned data, integration builders and body
//! helpers.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use axum::Router;
use bytes::Bytes;
use cognate_apigw::model::{Integration, IntegrationResponse};
use cognate_gateway::integrate::{
    compile, CompiledIntegration, IntegrationError, Integrator, IntegratorConfig, InvocationContext,
};
use http::{HeaderValue, Request, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Frame;
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot};

/// A backend on 127.0.0.1 that answers by path:
/// - `/echo-body`: streams the request body back;
/// - `/status/{code}`: that status, header `x-backend: yes`, body `{"code": n}`;
/// - `/hop`: a response carrying hop-by-hop headers;
/// - `/reserved`: body `reserved` with `Server`, `Via` and `Connection:
///   keep-alive` (and the `Date` and `Content-Length` every answer has);
/// - `/stall`: never answers (awaits a oneshot whose sender it keeps);
/// - anything else: the request as JSON (method, path, query, headers, body).
pub struct Backend {
    pub addr: SocketAddr,
}

type Stalled = Arc<Mutex<Vec<oneshot::Sender<()>>>>;

impl Backend {
    pub async fn start() -> Backend {
        let stalled: Stalled = Arc::default();
        let app = Router::new().fallback(move |req: Request<Body>| answer(req, stalled.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind backend");
        let addr = listener.local_addr().expect("backend address");
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("backend serves");
        });
        Backend { addr }
    }

    /// `http://127.0.0.1:port{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

async fn answer(req: Request<Body>, stalled: Stalled) -> Response {
    let path = req.uri().path().to_string();
    if path == "/echo-body" {
        return Response::new(Body::from_stream(req.into_body().into_data_stream()));
    }
    if path == "/stall" {
        let (tx, rx) = oneshot::channel::<()>();
        stalled.lock().expect("stall list").push(tx);
        let _ = rx.await;
        return StatusCode::OK.into_response();
    }
    if path == "/hop" {
        let mut response = Response::new(Body::from("hop"));
        let headers = response.headers_mut();
        headers.insert("connection", HeaderValue::from_static("x-secret"));
        headers.insert("x-secret", HeaderValue::from_static("1"));
        headers.insert("keep-alive", HeaderValue::from_static("timeout=5"));
        headers.insert("proxy-authenticate", HeaderValue::from_static("Basic"));
        headers.insert("x-end-to-end", HeaderValue::from_static("kept"));
        return response;
    }
    if path == "/reserved" {
        let mut response = Response::new(Body::from("reserved"));
        let headers = response.headers_mut();
        headers.insert("server", HeaderValue::from_static("origin/1.0"));
        headers.insert("via", HeaderValue::from_static("1.1 cache"));
        headers.insert("connection", HeaderValue::from_static("keep-alive"));
        headers.insert("x-end-to-end", HeaderValue::from_static("kept"));
        return response;
    }
    if let Some(code) = path.strip_prefix("/status/") {
        let status = code
            .parse()
            .ok()
            .and_then(|c| StatusCode::from_u16(c).ok())
            .unwrap_or(StatusCode::BAD_REQUEST);
        let mut response =
            Response::new(Body::from(json!({ "code": status.as_u16() }).to_string()));
        *response.status_mut() = status;
        response
            .headers_mut()
            .insert("x-backend", HeaderValue::from_static("yes"));
        response
            .headers_mut()
            .insert("content-type", HeaderValue::from_static("application/json"));
        return response;
    }
    let (parts, body) = req.into_parts();
    let bytes = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let mut headers = serde_json::Map::new();
    for (name, value) in &parts.headers {
        let entry = headers.entry(name.as_str()).or_insert_with(|| json!([]));
        if let Some(list) = entry.as_array_mut() {
            list.push(json!(String::from_utf8_lossy(value.as_bytes())));
        }
    }
    let echo = json!({
        "method": parts.method.as_str(),
        "path": parts.uri.path(),
        "query": parts.uri.query(),
        "headers": headers,
        "body": String::from_utf8_lossy(&bytes),
    });
    let mut response = Response::new(Body::from(echo.to_string()));
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    response
}

/// The owned data an [`InvocationContext`] borrows.
pub struct Ctx {
    pub request_id: String,
    pub resource_path: String,
    pub http_method: String,
    pub path_params: Vec<(String, String)>,
    pub stage_variables: BTreeMap<String, String>,
    pub claims: Option<serde_json::Map<String, Value>>,
    pub source_ip: IpAddr,
}

impl Ctx {
    /// A request for `resource_path` by a signed-in user (`sub` u-123,
    /// `custom:role` admin) from 10.1.2.3.
    pub fn new(resource_path: &str, http_method: &str) -> Ctx {
        let claims =
            json!({"sub": "u-123", "custom:role": "admin", "cognito:groups": ["ops", "dev"]});
        Ctx {
            request_id: "req-0001".into(),
            resource_path: resource_path.into(),
            http_method: http_method.into(),
            path_params: Vec::new(),
            stage_variables: BTreeMap::new(),
            claims: claims.as_object().cloned(),
            source_ip: IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3)),
        }
    }

    pub fn param(mut self, name: &str, value: &str) -> Ctx {
        self.path_params.push((name.into(), value.into()));
        self
    }

    pub fn var(mut self, name: &str, value: &str) -> Ctx {
        self.stage_variables.insert(name.into(), value.into());
        self
    }

    pub fn get(&self) -> InvocationContext<'_> {
        InvocationContext {
            request_id: &self.request_id,
            api_id: "a1b2c3d4e5",
            stage: "prod",
            resource_path: &self.resource_path,
            http_method: &self.http_method,
            path_params: &self.path_params,
            stage_variables: &self.stage_variables,
            claims: self.claims.as_ref(),
            source_ip: self.source_ip,
            forwarded_for: None,
            api_key_id: None,
        }
    }
}

/// An integration of `kind` towards `uri` with the default timeout.
pub fn integration(kind: &str, uri: &str) -> Integration {
    Integration {
        kind: kind.into(),
        http_method: Some("ANY".into()),
        uri: Some(uri.into()),
        timeout_in_millis: 29_000,
        ..Default::default()
    }
}

/// Adds `requestParameters`.
pub fn with_params(mut integration: Integration, params: &[(&str, &str)]) -> Integration {
    integration.request_parameters = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    integration
}

/// An integration response.
pub fn response(
    status: &str,
    pattern: Option<&str>,
    params: &[(&str, &str)],
    templates: &[(&str, &str)],
) -> (String, IntegrationResponse) {
    let response = IntegrationResponse {
        status_code: status.into(),
        selection_pattern: pattern.map(str::to_string),
        response_parameters: params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        response_templates: templates
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        content_handling: None,
    };
    (status.to_string(), response)
}

pub fn compiled(integration: &Integration) -> CompiledIntegration {
    compile(integration, "GET /test").unwrap_or_else(|e| panic!("compile: {e}"))
}

pub fn integrator() -> Integrator {
    Integrator::new(IntegratorConfig::default())
}

/// Compiles and invokes in one go.
pub async fn invoke(
    integration: &Integration,
    ctx: &Ctx,
    req: Request<Body>,
) -> Result<http::Response<Body>, IntegrationError> {
    integrator()
        .invoke(&compiled(integration), &ctx.get(), req)
        .await
}

pub fn request(method: &str, uri: &str) -> http::request::Builder {
    Request::builder().method(method).uri(uri)
}

pub async fn bytes(response: http::Response<Body>) -> Bytes {
    response
        .into_body()
        .collect()
        .await
        .expect("response body")
        .to_bytes()
}

pub async fn json_body(response: http::Response<Body>) -> Value {
    let bytes = bytes(response).await;
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)))
}

/// The values the echo saw for header `name`.
pub fn header_values(echo: &Value, name: &str) -> Vec<String> {
    echo["headers"][name]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A request body fed through a channel, with no known length, so the
/// test decides when each chunk exists.
pub struct ChannelBody(pub mpsc::Receiver<Bytes>);

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0
            .poll_recv(cx)
            .map(|chunk| chunk.map(|b| Ok(Frame::data(b))))
    }
}
