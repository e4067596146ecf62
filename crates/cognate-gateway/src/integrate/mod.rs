//! The integrate phase: turns an authorized method request into the backend
//! request its integration describes (HTTP, HTTP_PROXY) or into the answer it
//! describes (MOCK), and the backend's answer into the method response.
//!
//! Everything that can be prepared ahead (URI templates, mapping
//! expressions, templates, selection patterns) is compiled when a deployment
//! is installed ([`compile`]); [`Integrator::invoke`] only fills values in.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use axum::body::Body;
use cognate_apigw::model::Integration;
use http::{Request, Response};

/// An integration prepared for serving.
#[derive(Debug)]
pub struct CompiledIntegration {
    // Filled in by the integrate phase's implementation.
}

/// Why an integration could not be prepared (reported when the deployment is
/// installed; the method then answers with the API_CONFIGURATION_ERROR
/// gateway response).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CompileError(pub String);

/// Prepares an integration. `method` is the method it belongs to (for
/// messages).
pub fn compile(integration: &Integration, method: &str) -> Result<CompiledIntegration, CompileError> {
    let _ = (integration, method);
    Err(CompileError("integrations are not compiled yet".into()))
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
pub struct Integrator {}

impl Integrator {
    pub fn new(config: IntegratorConfig) -> Self {
        let _ = config;
        Integrator {}
    }

    /// Runs one integration for `req` (the client's request: method, URI with
    /// the path *after* the stage, headers, streaming body).
    pub async fn invoke(
        &self,
        integration: &CompiledIntegration,
        ctx: &InvocationContext<'_>,
        req: Request<Body>,
    ) -> Result<Response<Body>, IntegrationError> {
        let _ = (integration, ctx, req);
        Err(IntegrationError::Failure("integrations are not implemented yet".into()))
    }
}
