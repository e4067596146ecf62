//! Gateway responses: what the gateway answers when it refuses or fails a
//! request (`PutGatewayResponse`, `GetGatewayResponse(s)`,
//! `UpdateGatewayResponse`, `DeleteGatewayResponse`). Only customised
//! responses are stored; the others are the defaults below.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::paging::{page_of, Page, PageRequest};
use super::validate::{gateway_response_parameters, status_code};
use super::ApiGateway;
use crate::model::{GatewayResponse, StringMap};
use crate::patch::{self, PatchOperation};
use crate::{ApiError, ApiResult};

/// Every response type with its default status (none for the two
/// catch-alls, whose status is the error's own).
pub const RESPONSE_TYPES: &[(&str, Option<&str>)] = &[
    ("ACCESS_DENIED", Some("403")),
    ("API_CONFIGURATION_ERROR", Some("500")),
    ("AUTHORIZER_CONFIGURATION_ERROR", Some("500")),
    ("AUTHORIZER_FAILURE", Some("500")),
    ("BAD_REQUEST_BODY", Some("400")),
    ("BAD_REQUEST_PARAMETERS", Some("400")),
    ("DEFAULT_4XX", None),
    ("DEFAULT_5XX", None),
    ("EXPIRED_TOKEN", Some("403")),
    ("INTEGRATION_FAILURE", Some("504")),
    ("INTEGRATION_TIMEOUT", Some("504")),
    ("INVALID_API_KEY", Some("403")),
    ("INVALID_SIGNATURE", Some("403")),
    ("MISSING_AUTHENTICATION_TOKEN", Some("403")),
    ("QUOTA_EXCEEDED", Some("429")),
    ("REQUEST_TOO_LARGE", Some("413")),
    ("RESOURCE_NOT_FOUND", Some("404")),
    ("THROTTLED", Some("429")),
    ("UNAUTHORIZED", Some("401")),
    ("UNSUPPORTED_MEDIA_TYPE", Some("415")),
    ("WAF_FILTERED", Some("403")),
];

/// The body template of every default response.
pub const DEFAULT_TEMPLATE: &str = "{\"message\":$context.error.messageString}";

/// The body of `PutGatewayResponse`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PutGatewayResponse {
    pub status_code: Option<String>,
    pub response_parameters: StringMap,
    pub response_templates: StringMap,
}

/// The default status of a response type; BadRequest for an unknown type.
fn default_status(response_type: &str) -> ApiResult<Option<&'static str>> {
    RESPONSE_TYPES
        .iter()
        .find(|(t, _)| *t == response_type)
        .map(|(_, s)| *s)
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "Invalid response type '{response_type}': must be one of {}",
                RESPONSE_TYPES
                    .iter()
                    .map(|(t, _)| *t)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}

/// The response a type has when nobody customised it.
pub fn default_response(response_type: &str) -> ApiResult<GatewayResponse> {
    let status = default_status(response_type)?;
    Ok(GatewayResponse {
        response_type: response_type.to_string(),
        status_code: status.map(String::from),
        response_parameters: BTreeMap::new(),
        response_templates: BTreeMap::from([(
            "application/json".to_string(),
            DEFAULT_TEMPLATE.to_string(),
        )]),
        default_response: true,
    })
}

pub fn validate_gateway_response(r: &GatewayResponse) -> ApiResult<()> {
    default_status(&r.response_type)?;
    if let Some(code) = &r.status_code {
        status_code(code)?;
    }
    gateway_response_parameters(&r.response_parameters)
}

impl ApiGateway {
    /// Customises a response type; without a status code it keeps the
    /// type's default one.
    pub async fn put_gateway_response(
        &self,
        api_id: &str,
        response_type: &str,
        input: PutGatewayResponse,
    ) -> ApiResult<GatewayResponse> {
        let default = default_status(response_type)?;
        let response = GatewayResponse {
            response_type: response_type.to_string(),
            status_code: input.status_code.or_else(|| default.map(String::from)),
            response_parameters: input.response_parameters,
            response_templates: input.response_templates,
            default_response: false,
        };
        validate_gateway_response(&response)?;
        self.modify_api(api_id, |doc| {
            doc.gateway_responses
                .insert(response_type.to_string(), response.clone());
            Ok(response.clone())
        })
        .await
    }

    /// The customised response, or the type's default.
    pub async fn get_gateway_response(
        &self,
        api_id: &str,
        response_type: &str,
    ) -> ApiResult<GatewayResponse> {
        let doc = self.api_doc(api_id).await?;
        match doc.gateway_responses.get(response_type) {
            Some(r) => Ok(r.clone()),
            None => default_response(response_type),
        }
    }

    /// All 21 types, customised or default, in type order.
    pub async fn get_gateway_responses(
        &self,
        api_id: &str,
        page: &PageRequest,
    ) -> ApiResult<Page<GatewayResponse>> {
        let doc = self.api_doc(api_id).await?;
        let mut all = Vec::with_capacity(RESPONSE_TYPES.len());
        for (t, _) in RESPONSE_TYPES {
            all.push(match doc.gateway_responses.get(*t) {
                Some(r) => r.clone(),
                None => default_response(t)?,
            });
        }
        page_of(all, |r| r.response_type.clone(), page)
    }

    /// Patches a response; patching a default one customises it.
    pub async fn update_gateway_response(
        &self,
        api_id: &str,
        response_type: &str,
        ops: &[PatchOperation],
    ) -> ApiResult<GatewayResponse> {
        self.modify_api(api_id, |doc| {
            let mut r = match doc.gateway_responses.get(response_type) {
                Some(r) => r.clone(),
                None => default_response(response_type)?,
            };
            r.default_response = false;
            patch::apply(&mut r, ops, patch::gateway_response)?;
            validate_gateway_response(&r)?;
            doc.gateway_responses
                .insert(response_type.to_string(), r.clone());
            Ok(r)
        })
        .await
    }

    /// Returns the type to its default.
    pub async fn delete_gateway_response(
        &self,
        api_id: &str,
        response_type: &str,
    ) -> ApiResult<()> {
        default_status(response_type)?;
        self.modify_api(api_id, |doc| {
            doc.gateway_responses
                .remove(response_type)
                .map(|_| ())
                .ok_or_else(ApiError::not_found)
        })
        .await
    }
}
