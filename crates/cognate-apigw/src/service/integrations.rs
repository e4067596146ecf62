//! What a method does: its integration (`Put/Get/Update/DeleteIntegration`),
//! the integration's responses and the method's declared responses.
//!
//! cognate runs `HTTP`, `HTTP_PROXY` and `MOCK` integrations; `AWS` and
//! `AWS_PROXY` (Lambda and other AWS services) are refused when written, so
//! that nothing is deployed that the gateway could not serve.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::methods::{method, method_mut};
use super::validate::{
    content_handling, http_method, integration_request_parameters, integration_response_parameters,
    method_response_parameters, one_of, opt_one_of, regex, status_code,
};
use super::ApiGateway;
use crate::model::{
    ApiDoc, Integration, IntegrationResponse, MethodResponse, StringMap, TlsConfig,
};
use crate::patch::{self, PatchOperation};
use crate::{ApiError, ApiResult};

/// The default and largest integration timeout.
pub const MAX_TIMEOUT_MS: i64 = 29_000;
pub const MIN_TIMEOUT_MS: i64 = 50;

/// The body of `PutIntegration`; `httpMethod` is the backend's method
/// (`integrationHttpMethod` in the SDKs).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PutIntegration {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(rename = "httpMethod")]
    pub integration_http_method: Option<String>,
    pub uri: Option<String>,
    pub connection_type: Option<String>,
    pub connection_id: Option<String>,
    pub credentials: Option<String>,
    pub request_parameters: StringMap,
    pub request_templates: StringMap,
    pub passthrough_behavior: Option<String>,
    pub cache_namespace: Option<String>,
    pub cache_key_parameters: Vec<String>,
    pub content_handling: Option<String>,
    pub timeout_in_millis: Option<i64>,
    pub tls_config: Option<TlsConfig>,
}

/// The body of `PutIntegrationResponse`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PutIntegrationResponse {
    pub selection_pattern: Option<String>,
    pub response_parameters: StringMap,
    pub response_templates: StringMap,
    pub content_handling: Option<String>,
}

/// The body of `PutMethodResponse`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PutMethodResponse {
    pub response_parameters: BTreeMap<String, bool>,
    pub response_models: StringMap,
}

/// An absolute `http(s)://host…` URL; the host and path may hold
/// `${stageVariables.x}` and the path `{param}`. A URI that starts with a
/// stage variable (`${stageVariables.url}/pets`) is accepted too: it is an
/// absolute URL once the stage fills it in, which the gateway checks.
fn is_http_url(uri: &str) -> bool {
    if uri.starts_with("${stageVariables.") {
        return true;
    }
    let lower = uri.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or_default();
        !host.is_empty() && !host.contains(char::is_whitespace)
    })
}

/// The rules every integration satisfies, after put and after every patch.
pub fn validate_integration(i: &Integration) -> ApiResult<()> {
    match i.kind.as_str() {
        "HTTP" | "HTTP_PROXY" => {
            let uri = i.uri.as_deref().unwrap_or_default();
            if !is_http_url(uri) {
                return Err(ApiError::bad_request(format!(
                    "Invalid HTTP endpoint specified for URI: '{uri}' (an absolute http:// or https:// URL is required)"
                )));
            }
            if i.http_method.is_none() {
                return Err(ApiError::bad_request(
                    "Enumeration value for HttpMethod must be non-empty",
                ));
            }
        }
        "MOCK" => {}
        "AWS" | "AWS_PROXY" => {
            return Err(ApiError::bad_request(format!(
            "cognate does not run AWS service integrations (type {}); use HTTP, HTTP_PROXY or MOCK",
            i.kind
        )))
        }
        other => one_of(other, &["HTTP", "HTTP_PROXY", "MOCK"], "type")?,
    }
    if let Some(m) = &i.http_method {
        http_method(m)?;
    }
    if !(MIN_TIMEOUT_MS..=MAX_TIMEOUT_MS).contains(&i.timeout_in_millis) {
        return Err(ApiError::bad_request(format!(
            "Timeout should be between {MIN_TIMEOUT_MS} ms and {MAX_TIMEOUT_MS} ms"
        )));
    }
    if i.connection_type.as_deref() == Some("VPC_LINK") {
        return Err(ApiError::bad_request(
            "cognate has no VPC links: connectionType must be INTERNET",
        ));
    }
    opt_one_of(
        i.connection_type.as_deref(),
        &["INTERNET"],
        "connectionType",
    )?;
    opt_one_of(
        i.passthrough_behavior.as_deref(),
        &["WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"],
        "passthroughBehavior",
    )?;
    content_handling(i.content_handling.as_deref())?;
    integration_request_parameters(&i.request_parameters)
}

/// Types and methods are upper-cased as stored.
fn normalize(i: &mut Integration) {
    i.kind = i.kind.to_ascii_uppercase();
    if let Some(m) = &mut i.http_method {
        *m = m.to_ascii_uppercase();
    }
}

pub fn validate_integration_response(r: &IntegrationResponse) -> ApiResult<()> {
    status_code(&r.status_code)?;
    if let Some(p) = &r.selection_pattern {
        regex(p, "selectionPattern")?;
    }
    integration_response_parameters(&r.response_parameters)?;
    content_handling(r.content_handling.as_deref())
}

pub fn validate_method_response(doc: &ApiDoc, r: &MethodResponse) -> ApiResult<()> {
    status_code(&r.status_code)?;
    method_response_parameters(&r.response_parameters)?;
    for model in r.response_models.values() {
        if !doc.models.contains_key(model) && model != "Empty" && model != "Error" {
            return Err(ApiError::bad_request(format!(
                "Invalid model identifier specified: {model}"
            )));
        }
    }
    Ok(())
}

fn integration_of<'a>(doc: &'a ApiDoc, rid: &str, m: &str) -> ApiResult<&'a Integration> {
    method(doc, rid, m)?
        .method_integration
        .as_ref()
        .ok_or_else(no_integration)
}

fn integration_mut<'a>(doc: &'a mut ApiDoc, rid: &str, m: &str) -> ApiResult<&'a mut Integration> {
    method_mut(doc, rid, m)?
        .method_integration
        .as_mut()
        .ok_or_else(no_integration)
}

fn no_integration() -> ApiError {
    ApiError::not_found_msg("Invalid Integration identifier specified")
}

fn no_response() -> ApiError {
    ApiError::not_found_msg("Invalid Response status code specified")
}

// === integrations ===

impl ApiGateway {
    /// Sets the method's integration; the responses of an integration it
    /// replaces are kept.
    pub async fn put_integration(
        &self,
        api_id: &str,
        rid: &str,
        m: &str,
        input: PutIntegration,
    ) -> ApiResult<Integration> {
        let mut integration = Integration {
            kind: input.kind,
            http_method: input.integration_http_method,
            uri: input.uri,
            connection_type: input.connection_type,
            connection_id: input.connection_id,
            credentials: input.credentials,
            request_parameters: input.request_parameters,
            request_templates: input.request_templates,
            passthrough_behavior: Some(
                input
                    .passthrough_behavior
                    .unwrap_or_else(|| "WHEN_NO_MATCH".into()),
            ),
            content_handling: input.content_handling,
            timeout_in_millis: input.timeout_in_millis.unwrap_or(MAX_TIMEOUT_MS),
            cache_namespace: Some(input.cache_namespace.unwrap_or_else(|| rid.to_string())),
            cache_key_parameters: input.cache_key_parameters,
            integration_responses: BTreeMap::new(),
            tls_config: input.tls_config,
        };
        normalize(&mut integration);
        if integration.kind != "MOCK" && integration.connection_type.is_none() {
            integration.connection_type = Some("INTERNET".into());
        }
        validate_integration(&integration)?;
        self.modify_api(api_id, |doc| {
            let method = method_mut(doc, rid, m)?;
            let mut new = integration.clone();
            if let Some(old) = method.method_integration.take() {
                new.integration_responses = old.integration_responses;
            }
            method.method_integration = Some(new.clone());
            Ok(new)
        })
        .await
    }

    pub async fn get_integration(
        &self,
        api_id: &str,
        rid: &str,
        m: &str,
    ) -> ApiResult<Integration> {
        let doc = self.api_doc(api_id).await?;
        integration_of(&doc, rid, m).cloned()
    }

    pub async fn update_integration(
        &self,
        api_id: &str,
        rid: &str,
        m: &str,
        ops: &[PatchOperation],
    ) -> ApiResult<Integration> {
        self.modify_api(api_id, |doc| {
            let integration = integration_mut(doc, rid, m)?;
            let mut patched = integration.clone();
            patch::apply(&mut patched, ops, patch::integration)?;
            normalize(&mut patched);
            validate_integration(&patched)?;
            *integration = patched.clone();
            Ok(patched)
        })
        .await
    }

    pub async fn delete_integration(&self, api_id: &str, rid: &str, m: &str) -> ApiResult<()> {
        self.modify_api(api_id, |doc| {
            integration_of(doc, rid, m)?;
            method_mut(doc, rid, m)?.method_integration = None;
            Ok(())
        })
        .await
    }
}

// === integration responses ===

impl ApiGateway {
    pub async fn put_integration_response(
        &self,
        api_id: &str,
        rid: &str,
        m: &str,
        code: &str,
        input: PutIntegrationResponse,
    ) -> ApiResult<IntegrationResponse> {
        let response = IntegrationResponse {
            status_code: code.to_string(),
            selection_pattern: input.selection_pattern,
            response_parameters: input.response_parameters,
            response_templates: input.response_templates,
            content_handling: input.content_handling,
        };
        validate_integration_response(&response)?;
        self.modify_api(api_id, |doc| {
            integration_mut(doc, rid, m)?
                .integration_responses
                .insert(code.to_string(), response.clone());
            Ok(response.clone())
        })
        .await
    }

    pub async fn get_integration_response(
        &self,
        api_id: &str,
        rid: &str,
        m: &str,
        code: &str,
    ) -> ApiResult<IntegrationResponse> {
        let doc = self.api_doc(api_id).await?;
        integration_of(&doc, rid, m)?
            .integration_responses
            .get(code)
            .cloned()
            .ok_or_else(no_response)
    }

    pub async fn update_integration_response(
        &self,
        api_id: &str,
        rid: &str,
        m: &str,
        code: &str,
        ops: &[PatchOperation],
    ) -> ApiResult<IntegrationResponse> {
        self.modify_api(api_id, |doc| {
            let response = integration_mut(doc, rid, m)?
                .integration_responses
                .get_mut(code)
                .ok_or_else(no_response)?;
            let mut patched = response.clone();
            patch::apply(&mut patched, ops, patch::integration_response)?;
            validate_integration_response(&patched)?;
            *response = patched.clone();
            Ok(patched)
        })
        .await
    }

    pub async fn delete_integration_response(
        &self,
        api_id: &str,
        rid: &str,
        m: &str,
        code: &str,
    ) -> ApiResult<()> {
        self.modify_api(api_id, |doc| {
            integration_mut(doc, rid, m)?
                .integration_responses
                .remove(code)
                .map(|_| ())
                .ok_or_else(no_response)
        })
        .await
    }
}

// === method responses ===

impl ApiGateway {
    pub async fn put_method_response(
        &self,
        api_id: &str,
        rid: &str,
        m: &str,
        code: &str,
        input: PutMethodResponse,
    ) -> ApiResult<MethodResponse> {
        let response = MethodResponse {
            status_code: code.to_string(),
            response_parameters: input.response_parameters,
            response_models: input.response_models,
        };
        self.modify_api(api_id, |doc| {
            method(doc, rid, m)?;
            validate_method_response(doc, &response)?;
            method_mut(doc, rid, m)?
                .method_responses
                .insert(code.to_string(), response.clone());
            Ok(response.clone())
        })
        .await
    }

    pub async fn get_method_response(
        &self,
        api_id: &str,
        rid: &str,
        m: &str,
        code: &str,
    ) -> ApiResult<MethodResponse> {
        let doc = self.api_doc(api_id).await?;
        method(&doc, rid, m)?
            .method_responses
            .get(code)
            .cloned()
            .ok_or_else(no_response)
    }

    pub async fn update_method_response(
        &self,
        api_id: &str,
        rid: &str,
        m: &str,
        code: &str,
        ops: &[PatchOperation],
    ) -> ApiResult<MethodResponse> {
        self.modify_api(api_id, |doc| {
            let mut patched = method(doc, rid, m)?
                .method_responses
                .get(code)
                .cloned()
                .ok_or_else(no_response)?;
            patch::apply(&mut patched, ops, patch::method_response)?;
            validate_method_response(doc, &patched)?;
            method_mut(doc, rid, m)?
                .method_responses
                .insert(code.to_string(), patched.clone());
            Ok(patched)
        })
        .await
    }

    pub async fn delete_method_response(
        &self,
        api_id: &str,
        rid: &str,
        m: &str,
        code: &str,
    ) -> ApiResult<()> {
        self.modify_api(api_id, |doc| {
            method_mut(doc, rid, m)?
                .method_responses
                .remove(code)
                .map(|_| ())
                .ok_or_else(no_response)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_urls_need_a_scheme_and_a_host() {
        assert!(is_http_url("https://example.com/pets/{petId}"));
        assert!(is_http_url("http://${stageVariables.host}/x"));
        assert!(is_http_url("HTTP://127.0.0.1:8080"));
        assert!(!is_http_url("ftp://example.com"));
        assert!(!is_http_url("https:///path"));
        assert!(!is_http_url("/pets"));
    }
}
