//! The integrate phase: turns an authorized method request into the backend
//! request its integration describes (HTTP, HTTP_PROXY) or into the answer it
//! describes (MOCK), and the backend's answer into the method response.
//!
//! Everything that can be prepared ahead (URI templates, mapping
//! expressions, templates, selection patterns) is compiled when a deployment
//! is installed ([`compile`]); [`Integrator::invoke`] only fills values in.
//!
//! - HTTP_PROXY forwards the client's method (or the integration's, unless
//!   it is `ANY`), query string, end-to-end headers and streamed body to the
//!   filled URI, adding `X-Forwarded-For` and the mapped headers and query
//!   parameters; the backend's status, headers and streamed body come back
//!   unchanged. Hop-by-hop headers are dropped both ways.
//! - HTTP sends only what is mapped (headers, query parameters), the
//!   request's `Content-Type` and the payload (passed through or rendered by
//!   a request template), and answers with the integration response selected
//!   by the backend's status code.
//! - MOCK renders the request template to read `statusCode` (200 when
//!   absent) and answers with the integration response selected by it.
//!
//! A URI placeholder `{name}` takes the value of the
//! `integration.request.path.name` mapping, or, when there is none, the
//! method path parameter of the same name. Payloads are passed as bytes;
//! `contentHandling` conversions are not applied. Misconfigurations found
//! per request (no integration response for a status, a MOCK template that
//! is not JSON) are answered directly with API Gateway's 500
//! `{"message": "Internal server error"}`, and a payload refused by the
//! passthrough behaviour with 415 `{"message": "Unsupported Media Type"}`.

mod chunked;
mod client;
mod conn;
mod h1;
mod headers;
mod mapping;
mod pool;
mod request;
mod response;
mod template;
mod uri;

pub use headers::forwarded_value;
pub use pool::describe as describe_error;
pub(crate) use response::endpoint_disabled;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use cognate_apigw::model::Integration;
use http::header::{HeaderValue, CONTENT_TYPE};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tokio::time::Instant;

use self::client::Upstream;
use self::h1::Fields;
use self::headers::{strip_hop_by_hop, REMAPPED_AFTER_HTTP, REMAPPED_AFTER_MOCK};
use self::mapping::ValueView;
use self::request::{HttpTarget, Payload, RequestTemplates};
use self::response::{configuration_error, unsupported_media_type, ResponseBody, Responses};
use self::uri::Origin;

/// The most of a payload read whole for a template (API Gateway's payload
/// limit).
const MAX_BUFFERED: usize = 10 * 1024 * 1024;

/// timeoutInMillis when the integration gives none.
const DEFAULT_TIMEOUT: Duration = Duration::from_millis(29_000);

/// An integration prepared for serving.
#[derive(Debug)]
pub struct CompiledIntegration {
    plan: Plan,
    /// HTTP and MOCK: the request templates and passthrough behaviour.
    request_templates: RequestTemplates,
    /// HTTP and MOCK: the integration responses.
    responses: Responses,
    timeout: Duration,
    /// `tlsConfig.insecureSkipVerification`.
    insecure_tls: bool,
}

/// What an integration does with a request.
#[derive(Debug)]
enum Plan {
    Mock,
    Http(HttpTarget),
    HttpProxy(HttpTarget),
}

impl CompiledIntegration {
    /// The integration type: `HTTP`, `HTTP_PROXY` or `MOCK`.
    pub fn kind(&self) -> &'static str {
        match self.plan {
            Plan::Mock => "MOCK",
            Plan::Http(_) => "HTTP",
            Plan::HttpProxy(_) => "HTTP_PROXY",
        }
    }

    /// How long the backend has to answer (timeoutInMillis).
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
}

/// Why an integration could not be prepared (reported when the deployment is
/// installed; the method then answers with the API_CONFIGURATION_ERROR
/// gateway response).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CompileError(pub String);

/// Prepares an integration. `method` is the method it belongs to (for
/// messages).
pub fn compile(
    integration: &Integration,
    method: &str,
) -> Result<CompiledIntegration, CompileError> {
    compile_parts(integration).map_err(|e| CompileError(format!("{method}: {}", e.0)))
}

fn compile_parts(integration: &Integration) -> Result<CompiledIntegration, CompileError> {
    let kind = integration.kind.trim().to_ascii_uppercase();
    if let Some(connection) = integration.connection_type.as_deref() {
        if !connection.eq_ignore_ascii_case("INTERNET") {
            return Err(CompileError(format!(
                "connectionType {connection} is not supported"
            )));
        }
    }
    let target = |proxy: bool| {
        let uri = integration
            .uri
            .as_deref()
            .filter(|u| !u.trim().is_empty())
            .ok_or_else(|| CompileError(format!("a {kind} integration needs a uri")))?;
        HttpTarget::compile(
            uri.trim(),
            integration.http_method.as_deref(),
            &integration.request_parameters,
            proxy,
        )
    };
    let plan = match kind.as_str() {
        "MOCK" => Plan::Mock,
        "HTTP" => Plan::Http(target(false)?),
        "HTTP_PROXY" => Plan::HttpProxy(target(true)?),
        _ => {
            return Err(CompileError(format!(
                "integration type {} is not supported",
                integration.kind
            )))
        }
    };
    let (request_templates, responses) = match plan {
        // A proxy integration passes the exchange through untouched.
        Plan::HttpProxy(_) => (
            RequestTemplates::compile(&BTreeMap::new(), None)?,
            Responses::default(),
        ),
        _ => (
            RequestTemplates::compile(
                &integration.request_templates,
                integration.passthrough_behavior.as_deref(),
            )?,
            Responses::compile(
                &integration.integration_responses,
                if matches!(plan, Plan::Mock) {
                    REMAPPED_AFTER_MOCK
                } else {
                    REMAPPED_AFTER_HTTP
                },
            )?,
        ),
    };
    let timeout = u64::try_from(integration.timeout_in_millis)
        .ok()
        .filter(|ms| *ms > 0)
        .map_or(DEFAULT_TIMEOUT, Duration::from_millis);
    Ok(CompiledIntegration {
        plan,
        request_templates,
        responses,
        timeout,
        insecure_tls: integration
            .tls_config
            .as_ref()
            .is_some_and(|t| t.insecure_skip_verification),
    })
}

/// What the earlier phases know about the request, for mapping expressions
/// and templates.
#[derive(Debug)]
pub struct InvocationContext<'a> {
    pub request_id: &'a str,
    pub api_id: &'a str,
    pub stage: &'a str,
    /// The matched resource's path template, e.g. `/pets/{petId}`.
    pub resource_path: &'a str,
    /// The method as defined (`GET`, `ANY`, `PURCHASE`).
    pub http_method: &'a str,
    /// Path parameters of the matched route (`petId`, `proxy`), decoded.
    pub path_params: &'a [(String, String)],
    pub stage_variables: &'a BTreeMap<String, String>,
    /// The verified token's claims when a Cognito authorizer ran.
    pub claims: Option<&'a serde_json::Map<String, serde_json::Value>>,
    pub source_ip: IpAddr,
    /// `source_ip` already written as an `X-Forwarded-For` value, when it
    /// was (once per client connection).
    pub forwarded_for: Option<&'a HeaderValue>,
    /// The API key's id when one was required and presented.
    pub api_key_id: Option<&'a str>,
}

/// Why the backend did not answer.
#[derive(Debug, thiserror::Error)]
pub enum IntegrationError {
    /// No answer within the integration's timeoutInMillis (504, INTEGRATION_TIMEOUT).
    #[error("endpoint request timed out")]
    Timeout,
    /// Connection refused, reset, bad response, TLS failure (502, INTEGRATION_FAILURE).
    #[error("integration failed: {0}")]
    Failure(String),
    /// A required mapping or template value is missing (400, BAD_REQUEST_PARAMETERS) —
    /// e.g. a path parameter the URI needs.
    #[error("{0}")]
    BadRequestParameters(String),
}

/// Settings for the upstream HTTP client.
#[derive(Debug, Clone)]
pub struct IntegratorConfig {
    pub connect_timeout: Duration,
    /// Idle keep-alive connections kept per backend host.
    pub max_idle_per_host: usize,
}

impl Default for IntegratorConfig {
    fn default() -> Self {
        IntegratorConfig {
            connect_timeout: Duration::from_secs(5),
            max_idle_per_host: 256,
        }
    }
}

/// Sends integration requests; holds the pooled upstream HTTP(S) client.
pub struct Integrator {
    upstream: Upstream,
}

impl Integrator {
    /// Builds the upstream clients; connections are opened on first use.
    pub fn new(config: IntegratorConfig) -> Self {
        Integrator {
            upstream: Upstream::new(&config),
        }
    }

    /// Runs one integration for `req` (the client's request: method,
    /// headers, streaming body; of its URI only the query string is read,
    /// the path having been routed into `ctx`).
    pub async fn invoke(
        &self,
        integration: &CompiledIntegration,
        ctx: &InvocationContext<'_>,
        req: Request<Body>,
    ) -> Result<Response<Body>, IntegrationError> {
        let deadline = || Instant::now() + integration.timeout;
        match &integration.plan {
            Plan::HttpProxy(target) => self.proxy(integration, target, ctx, req).await,
            // Boxed: their state (payload reads, templates) would otherwise
            // enlarge every proxied request's future, which is moved whole.
            Plan::Http(target) => {
                Box::pin(self.http(integration, target, ctx, req, deadline())).await
            }
            Plan::Mock => Box::pin(mock(integration, ctx, req, deadline())).await,
        }
    }

    /// HTTP_PROXY: both bodies stream. On the way back hop-by-hop headers
    /// are dropped, and the backend's `Connection`, `Content-Length`, `Date`
    /// and `Server` arrive as `x-amzn-Remapped-<name>` beside the gateway's
    /// own, as API Gateway sends them.
    async fn proxy(
        &self,
        integration: &CompiledIntegration,
        target: &HttpTarget,
        ctx: &InvocationContext<'_>,
        req: Request<Body>,
    ) -> Result<Response<Body>, IntegrationError> {
        let (mut parts, body) = req.into_parts();
        let (origin, upstream) = upstream_request(target, ctx, &mut parts, body)?;
        let response = self
            .upstream
            .send(
                origin,
                upstream,
                integration.insecure_tls,
                integration.timeout,
                Fields::Remapped,
            )
            .await?;
        let (mut head, body) = response.into_parts();
        strip_hop_by_hop(&mut head.headers);
        Ok(Response::from_parts(head, Body::new(body)))
    }

    /// HTTP: the payload passes through or is rendered by a request
    /// template; the answer is the selected integration response.
    async fn http(
        &self,
        integration: &CompiledIntegration,
        target: &HttpTarget,
        ctx: &InvocationContext<'_>,
        req: Request<Body>,
        deadline: Instant,
    ) -> Result<Response<Body>, IntegrationError> {
        let (mut parts, body) = req.into_parts();
        let accept = response::accept(&parts.headers);
        let mut rendered_type = None;
        let body = match integration.request_templates.choose(&parts.headers) {
            Payload::Unsupported => return Ok(unsupported_media_type()),
            Payload::Pass => body,
            Payload::Render(content_type, template) => {
                let payload = if template.reads_body() {
                    read_request(body, deadline).await?
                } else {
                    Bytes::new()
                };
                let view = ValueView::request(ctx, &parts.headers, parts.uri.query());
                rendered_type = Some(content_type.clone());
                Body::from(template.render(&view, &payload))
            }
        };
        let (origin, mut upstream) = upstream_request(target, ctx, &mut parts, body)?;
        if let Some(content_type) = rendered_type {
            upstream.headers_mut().insert(CONTENT_TYPE, content_type);
        }
        let timeout = deadline.saturating_duration_since(Instant::now());
        let backend = self
            .upstream
            .send(
                origin,
                upstream,
                integration.insecure_tls,
                timeout,
                Fields::AsSent,
            )
            .await?;

        let status = backend.status();
        let Some(selected) = integration.responses.select(status) else {
            let why = format!(
                "no integration response matches the backend status {}",
                status.as_u16()
            );
            return Ok(configuration_error(ctx.request_id, &why));
        };
        let (head, incoming) = backend.into_parts();
        let view = ValueView::response(ctx, Some(&head.headers));
        let body = match selected.body(accept.as_ref()) {
            ResponseBody::Pass => Body::new(incoming),
            ResponseBody::Render(template) => {
                let payload = if template.reads_body() {
                    read_backend(Body::new(incoming), deadline).await?
                } else {
                    Bytes::new()
                };
                Body::from(template.render(&view, &payload))
            }
        };
        Ok(selected.respond(&view, accept.as_ref(), body))
    }
}

/// The backend request: where it goes, and its method, target, headers
/// and `body`.
fn upstream_request(
    target: &HttpTarget,
    ctx: &InvocationContext<'_>,
    parts: &mut http::request::Parts,
    body: Body,
) -> Result<(Origin, Request<Body>), IntegrationError> {
    let (method, destination, headers) = target.build(ctx, parts)?;
    let mut upstream = Request::new(body);
    *upstream.method_mut() = method;
    *upstream.uri_mut() = destination.target.into();
    *upstream.headers_mut() = headers;
    Ok((destination.origin, upstream))
}

/// MOCK: the request template's `statusCode` selects the integration
/// response, which is the whole answer.
async fn mock(
    integration: &CompiledIntegration,
    ctx: &InvocationContext<'_>,
    req: Request<Body>,
    deadline: Instant,
) -> Result<Response<Body>, IntegrationError> {
    let (parts, body) = req.into_parts();
    let status = match integration.request_templates.choose(&parts.headers) {
        Payload::Unsupported => return Ok(unsupported_media_type()),
        Payload::Pass => StatusCode::OK,
        Payload::Render(_, template) => {
            let payload = if template.reads_body() {
                read_request(body, deadline).await?
            } else {
                Bytes::new()
            };
            let view = ValueView::request(ctx, &parts.headers, parts.uri.query());
            match mock_status(&template.render(&view, &payload)) {
                Ok(status) => status,
                Err(why) => return Ok(configuration_error(ctx.request_id, &why)),
            }
        }
    };
    let Some(selected) = integration.responses.select(status) else {
        let why = format!(
            "no integration response matches the MOCK status {}",
            status.as_u16()
        );
        return Ok(configuration_error(ctx.request_id, &why));
    };
    let accept = parts.headers.get(http::header::ACCEPT);
    let view = ValueView::response(ctx, None);
    let body = match selected.body(accept) {
        ResponseBody::Pass => Body::empty(),
        ResponseBody::Render(template) => Body::from(template.render(&view, &[])),
    };
    Ok(selected.respond(&view, accept, body))
}

/// Reads `statusCode` from a rendered MOCK request template (a number or a
/// numeric string; 200 when the template is empty or has none).
fn mock_status(rendered: &[u8]) -> Result<StatusCode, String> {
    if rendered.iter().all(u8::is_ascii_whitespace) {
        return Ok(StatusCode::OK);
    }
    let value: serde_json::Value = serde_json::from_slice(rendered)
        .map_err(|e| format!("the MOCK request template did not render JSON: {e}"))?;
    let code = match value.get("statusCode") {
        None => return Ok(StatusCode::OK),
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        Some(_) => None,
    };
    code.and_then(|c| u16::try_from(c).ok())
        .filter(|c| (100..=599).contains(c))
        .and_then(|c| StatusCode::from_u16(c).ok())
        .ok_or_else(|| {
            format!(
                "the MOCK statusCode {} is not an HTTP status",
                value["statusCode"]
            )
        })
}

/// Why a payload could not be read whole.
enum ReadError {
    TooLarge,
    TimedOut,
    Broken(String),
}

/// Reads a payload whole (for a template), up to [`MAX_BUFFERED`] bytes and
/// the integration's deadline.
async fn read_whole(body: Body, deadline: Instant) -> Result<Bytes, ReadError> {
    match tokio::time::timeout_at(deadline, Limited::new(body, MAX_BUFFERED).collect()).await {
        Err(_) => Err(ReadError::TimedOut),
        Ok(Err(e)) if e.is::<LengthLimitError>() => Err(ReadError::TooLarge),
        Ok(Err(e)) => Err(ReadError::Broken(e.to_string())),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
}

/// Reads the client's payload for a request template.
async fn read_request(body: Body, deadline: Instant) -> Result<Bytes, IntegrationError> {
    read_whole(body, deadline).await.map_err(|e| match e {
        ReadError::TooLarge => IntegrationError::BadRequestParameters(format!(
            "the request body is larger than {MAX_BUFFERED} bytes"
        )),
        ReadError::TimedOut => IntegrationError::Timeout,
        ReadError::Broken(why) => IntegrationError::BadRequestParameters(format!(
            "the request body could not be read: {why}"
        )),
    })
}

/// Reads the backend's payload for a response template.
async fn read_backend(body: Body, deadline: Instant) -> Result<Bytes, IntegrationError> {
    read_whole(body, deadline).await.map_err(|e| match e {
        ReadError::TooLarge => IntegrationError::Failure(format!(
            "the backend's response body is larger than {MAX_BUFFERED} bytes"
        )),
        ReadError::TimedOut => IntegrationError::Timeout,
        ReadError::Broken(why) => {
            IntegrationError::Failure(format!("reading the backend's response body: {why}"))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mock_status_reads_numbers_and_numeric_strings() {
        assert_eq!(
            mock_status(b"{\"statusCode\": 201}"),
            Ok(StatusCode::CREATED)
        );
        assert_eq!(
            mock_status(b"{\"statusCode\": \"404\"}"),
            Ok(StatusCode::NOT_FOUND)
        );
        assert_eq!(mock_status(b"{\"other\": 1}"), Ok(StatusCode::OK));
        assert_eq!(mock_status(b"  \n"), Ok(StatusCode::OK));
    }

    #[test]
    fn mock_status_refuses_what_is_not_a_status() {
        for rendered in [
            &b"statusCode: 200"[..],
            b"{\"statusCode\": 99}",
            b"{\"statusCode\": 600}",
            b"{\"statusCode\": true}",
        ] {
            assert!(
                mock_status(rendered).is_err(),
                "{}",
                String::from_utf8_lossy(rendered)
            );
        }
    }

    #[test]
    fn timeouts_default_to_29_seconds() {
        let integration = Integration {
            kind: "MOCK".into(),
            timeout_in_millis: 0,
            ..Default::default()
        };
        assert_eq!(
            compile(&integration, "GET /").map(|c| c.timeout()),
            Ok(DEFAULT_TIMEOUT)
        );
    }
}
