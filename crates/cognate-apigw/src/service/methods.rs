//! Methods of a resource: `PutMethod`, `GetMethod`, `UpdateMethod`,
//! `DeleteMethod`.
//!
//! The method is any RFC 9110 token, stored upper-cased: besides the verbs
//! AWS accepts (`GET` … `OPTIONS`, `ANY`), extension methods such as
//! `PURCHASE` are deliberately allowed, so APIs that use them can be served.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::resources::{resource, resource_mut};
use super::validate::{http_method, method_request_parameters, one_of};
use super::ApiGateway;
use crate::model::{ApiDoc, Method, StringMap};
use crate::patch::{self, PatchOperation};
use crate::{ApiError, ApiResult};

pub const AUTHORIZATION_TYPES: &[&str] = &["NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"];

/// Models every API has without creating them.
const BUILT_IN_MODELS: &[&str] = &["Empty", "Error"];

/// The body of `PutMethod`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PutMethod {
    pub authorization_type: String,
    pub authorizer_id: Option<String>,
    pub api_key_required: bool,
    pub operation_name: Option<String>,
    pub request_parameters: BTreeMap<String, bool>,
    pub request_models: StringMap,
    pub request_validator_id: Option<String>,
    pub authorization_scopes: Vec<String>,
}

/// The method `http_method` of resource `resource_id`, or NotFound.
pub(crate) fn method<'a>(
    doc: &'a ApiDoc,
    resource_id: &str,
    http_method: &str,
) -> ApiResult<&'a Method> {
    resource(doc, resource_id)?
        .resource_methods
        .get(&http_method.to_ascii_uppercase())
        .ok_or_else(no_method)
}

pub(crate) fn method_mut<'a>(
    doc: &'a mut ApiDoc,
    resource_id: &str,
    http_method: &str,
) -> ApiResult<&'a mut Method> {
    resource_mut(doc, resource_id)?
        .resource_methods
        .get_mut(&http_method.to_ascii_uppercase())
        .ok_or_else(no_method)
}

fn no_method() -> ApiError {
    ApiError::not_found_msg("Invalid Method identifier specified")
}

const INVALID_AUTHORIZER: &str = "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.";

/// An authorizer id means nothing without an authorizer type that uses it.
fn normalize(m: &mut Method) {
    if matches!(m.authorization_type.as_str(), "NONE" | "AWS_IAM") {
        m.authorizer_id = None;
    }
}

/// The rules every method satisfies, after put and after every patch.
pub fn validate_method(doc: &ApiDoc, m: &Method) -> ApiResult<()> {
    one_of(
        &m.authorization_type,
        AUTHORIZATION_TYPES,
        "authorizationType",
    )?;
    let cognito = m.authorization_type == "COGNITO_USER_POOLS";
    if cognito || m.authorization_type == "CUSTOM" {
        let fits = m
            .authorizer_id
            .as_ref()
            .and_then(|id| doc.authorizers.get(id))
            .is_some_and(|a| (a.kind == "COGNITO_USER_POOLS") == cognito);
        if !fits {
            return Err(ApiError::bad_request(INVALID_AUTHORIZER));
        }
    }
    if !m.authorization_scopes.is_empty() && !cognito {
        return Err(ApiError::bad_request(
            "Authorization scopes are supported only with the COGNITO_USER_POOLS authorization type",
        ));
    }
    if m.authorization_scopes.iter().any(|s| s.trim().is_empty()) {
        return Err(ApiError::bad_request(
            "Authorization scopes must not be empty",
        ));
    }
    method_request_parameters(&m.request_parameters)?;
    if let Some(id) = &m.request_validator_id {
        if !doc.request_validators.contains_key(id) {
            return Err(ApiError::bad_request(format!(
                "Invalid Request Validator identifier specified: {id}"
            )));
        }
    }
    for model in m.request_models.values() {
        if !doc.models.contains_key(model) && !BUILT_IN_MODELS.contains(&model.as_str()) {
            return Err(ApiError::bad_request(format!(
                "Invalid model identifier specified: {model}"
            )));
        }
    }
    Ok(())
}

impl ApiGateway {
    pub async fn put_method(
        &self,
        api_id: &str,
        resource_id: &str,
        http_method_token: &str,
        input: PutMethod,
    ) -> ApiResult<Method> {
        let name = http_method(http_method_token)?;
        let mut m = Method {
            http_method: name.clone(),
            authorization_type: input.authorization_type,
            authorizer_id: input.authorizer_id,
            api_key_required: input.api_key_required,
            request_validator_id: input.request_validator_id,
            operation_name: input.operation_name,
            request_parameters: input.request_parameters,
            request_models: input.request_models,
            method_responses: BTreeMap::new(),
            method_integration: None,
            authorization_scopes: input.authorization_scopes,
        };
        normalize(&mut m);
        self.modify_api(api_id, |doc| {
            resource(doc, resource_id)?;
            validate_method(doc, &m)?;
            let methods = &mut resource_mut(doc, resource_id)?.resource_methods;
            if methods.contains_key(&name) {
                return Err(ApiError::conflict(
                    "Method already exists for this resource",
                ));
            }
            methods.insert(name.clone(), m.clone());
            Ok(m.clone())
        })
        .await
    }

    pub async fn get_method(
        &self,
        api_id: &str,
        resource_id: &str,
        http_method: &str,
    ) -> ApiResult<Method> {
        let doc = self.api_doc(api_id).await?;
        method(&doc, resource_id, http_method).cloned()
    }

    pub async fn update_method(
        &self,
        api_id: &str,
        resource_id: &str,
        http_method: &str,
        ops: &[PatchOperation],
    ) -> ApiResult<Method> {
        self.modify_api(api_id, |doc| {
            let mut m = method(doc, resource_id, http_method)?.clone();
            patch::apply(&mut m, ops, patch::method)?;
            normalize(&mut m);
            validate_method(doc, &m)?;
            *method_mut(doc, resource_id, http_method)? = m.clone();
            Ok(m)
        })
        .await
    }

    pub async fn delete_method(
        &self,
        api_id: &str,
        resource_id: &str,
        http_method: &str,
    ) -> ApiResult<()> {
        self.modify_api(api_id, |doc| {
            method(doc, resource_id, http_method)?;
            resource_mut(doc, resource_id)?
                .resource_methods
                .remove(&http_method.to_ascii_uppercase());
            Ok(())
        })
        .await
    }
}
