//! The `cognito-idp` protocol: AWS JSON 1.1 at `POST /` with
//! `X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>`, plus the
//! per-pool JWKS and OpenID discovery documents.
//!
//! This crate translates: it parses wire shapes into the core's inputs, calls
//! one `UserPools` method, and renders the result or the error the way the
//! AWS SDKs expect. Business rules live in `cognate-core`, never here.
//! One module per group of operations under [`ops`].
#![forbid(unsafe_code)]

mod error;
mod ops;
mod wire;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use cognate_core::service::UserPools;
use serde_json::{json, Value};

pub use error::ApiError;

/// Largest request body accepted, in bytes.
pub const MAX_BODY: usize = 1024 * 1024;
const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";
const JSON_1_1: &str = "application/x-amz-json-1.1";

/// Per-request facts taken from the transport.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// From the SigV4 credential scope, else the configured default.
    pub region: String,
    pub request_id: String,
}

/// The routes of this protocol. `POST /` is answered only for requests whose
/// target names this service; others fall through to `fallback`.
pub fn routes(svc: Arc<UserPools>) -> Router {
    Router::new()
        .route("/{pool_id}/.well-known/jwks.json", get(jwks))
        .route(
            "/{pool_id}/.well-known/openid-configuration",
            get(openid_configuration),
        )
        .route("/", post(handle))
        .with_state(svc)
}

async fn handle(State(svc): State<Arc<UserPools>>, headers: HeaderMap, body: Bytes) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let ctx = Ctx {
        region: region_from_auth(&headers).unwrap_or_else(|| svc.config().default_region.clone()),
        request_id: request_id.clone(),
    };
    let result = match target(&headers) {
        Ok(op) => match parse_body(&body) {
            Ok(input) => ops::dispatch(&svc, &ctx, op, input).await,
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    let mut response = match result {
        Ok(v) => {
            let mut r = (StatusCode::OK, v.to_string()).into_response();
            r.headers_mut()
                .insert("content-type", HeaderValue::from_static(JSON_1_1));
            r
        }
        Err(e) => {
            if e.status.is_server_error() {
                tracing::error!(request_id = %request_id, error = %e.message, "internal error");
            }
            e.into_response()
        }
    };
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-amzn-requestid", v);
    }
    response
}

fn target(headers: &HeaderMap) -> Result<&str, ApiError> {
    let t = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::unknown_operation("(missing X-Amz-Target)"))?;
    t.strip_prefix(TARGET_PREFIX)
        .ok_or_else(|| ApiError::unknown_operation(t))
}

fn parse_body(body: &Bytes) -> Result<Value, ApiError> {
    if body.len() > MAX_BODY {
        return Err(ApiError::too_large());
    }
    if body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(json!({}));
    }
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::serialization(format!("Malformed JSON request body: {e}")))?;
    let Some(members) = v.as_object() else {
        return Err(ApiError::serialization(
            "Request body must be a JSON object".to_string(),
        ));
    };
    // Names and identifiers never contain control characters in AWS (their
    // patterns exclude them); refuse them before they reach a look-up.
    for (name, value) in members {
        let identifier = name.ends_with("Id") || name == "Username" || name == "GroupName";
        if let (true, Some(text)) = (identifier, value.as_str()) {
            if text.chars().any(char::is_control) {
                return Err(ApiError::invalid(format!(
                    "1 validation error detected: Value at '{name}' failed to satisfy constraint: Member must not contain control characters"
                )));
            }
        }
    }
    Ok(v)
}

/// `Credential=AKID/20261123/us-east-1/cognito-idp/aws4_request` -> `us-east-1`.
fn region_from_auth(headers: &HeaderMap) -> Option<String> {
    let auth = headers.get("authorization")?.to_str().ok()?;
    let cred = auth.split("Credential=").nth(1)?;
    let region = cred.split('/').nth(2)?;
    let ok = !region.is_empty()
        && region.len() <= 32
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    ok.then(|| region.to_string())
}

async fn jwks(State(svc): State<Arc<UserPools>>, Path(pool_id): Path<String>) -> Response {
    match svc.jwks(&pool_id).await {
        Ok(set) => Json(set).into_response(),
        Err(_) => not_found_json(&pool_id),
    }
}

async fn openid_configuration(
    State(svc): State<Arc<UserPools>>,
    Path(pool_id): Path<String>,
) -> Response {
    if svc.jwks(&pool_id).await.is_err() {
        return not_found_json(&pool_id);
    }
    let issuer = svc.issuer(&pool_id);
    let base = svc.config().issuer_base.trim_end_matches('/').to_string();
    Json(json!({
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "authorization_endpoint": format!("{base}/oauth2/authorize"),
        "token_endpoint": format!("{base}/oauth2/token"),
        "userinfo_endpoint": format!("{base}/oauth2/userInfo"),
        "end_session_endpoint": format!("{base}/logout"),
        "response_types_supported": ["code", "token"],
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    }))
    .into_response()
}

fn not_found_json(pool_id: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "message": format!("User pool {pool_id} does not exist.") })),
    )
        .into_response()
}
