//! Models (`Create/Get/Update/DeleteModel`) and request validators
//! (`Create/Get/Update/DeleteRequestValidator`) of an API. Both live in the
//! API document; methods refer to models by name and to validators by id.

use serde::Deserialize;

use super::paging::{page_of, Page, PageRequest};
use super::ApiGateway;
use crate::model::{ApiDoc, Model, RequestValidator};
use crate::patch::{self, PatchOperation};
use crate::{ApiError, ApiResult};

/// The body of `CreateModel`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CreateModel {
    pub name: String,
    pub description: Option<String>,
    pub schema: Option<String>,
    pub content_type: String,
}

/// The body of `CreateRequestValidator`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CreateRequestValidator {
    pub name: Option<String>,
    pub validate_request_body: bool,
    pub validate_request_parameters: bool,
}

/// Names are alphanumeric; the content type is given; a schema is JSON.
pub fn validate_model(m: &Model) -> ApiResult<()> {
    if m.name.is_empty() || !m.name.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ApiError::bad_request(format!(
            "Invalid model name '{}': model names must be alphanumeric",
            m.name
        )));
    }
    if m.content_type.trim().is_empty() {
        return Err(ApiError::bad_request("The model's contentType is required"));
    }
    if let Some(schema) = &m.schema {
        serde_json::from_str::<serde_json::Value>(schema)
            .map_err(|e| ApiError::bad_request(format!("Invalid model schema specified: {e}")))?;
    }
    Ok(())
}

pub fn validate_request_validator(v: &RequestValidator) -> ApiResult<()> {
    if v.name.trim().is_empty() {
        return Err(ApiError::bad_request(
            "The request validator name must not be empty",
        ));
    }
    Ok(())
}

/// "GET /pets"-style names of the methods for which `uses` holds.
fn methods_where(doc: &ApiDoc, uses: impl Fn(&crate::model::Method) -> bool) -> Vec<String> {
    doc.resources
        .values()
        .flat_map(|r| {
            r.resource_methods
                .values()
                .filter(|m| uses(m))
                .map(move |m| format!("{} {}", m.http_method, r.path))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn in_use(what: &str, users: Vec<String>) -> ApiResult<()> {
    if users.is_empty() {
        Ok(())
    } else {
        Err(ApiError::conflict(format!(
            "Cannot delete {what}: it is used by {}",
            users.join(", ")
        )))
    }
}

fn model<'a>(doc: &'a ApiDoc, name: &str) -> ApiResult<&'a Model> {
    doc.models
        .get(name)
        .ok_or_else(|| ApiError::not_found_msg("Invalid model name specified"))
}

fn validator<'a>(doc: &'a ApiDoc, id: &str) -> ApiResult<&'a RequestValidator> {
    doc.request_validators
        .get(id)
        .ok_or_else(|| ApiError::not_found_msg("Invalid Request Validator identifier specified"))
}

// === models ===

impl ApiGateway {
    pub async fn create_model(&self, api_id: &str, input: CreateModel) -> ApiResult<Model> {
        let m = Model {
            id: self.short_id(),
            name: input.name,
            description: input.description,
            schema: input.schema,
            content_type: input.content_type,
        };
        validate_model(&m)?;
        self.modify_api(api_id, |doc| {
            if doc.models.contains_key(&m.name) {
                return Err(ApiError::conflict(
                    "Model name already exists for this REST API",
                ));
            }
            doc.models.insert(m.name.clone(), m.clone());
            Ok(m.clone())
        })
        .await
    }

    pub async fn get_model(&self, api_id: &str, name: &str) -> ApiResult<Model> {
        model(&self.api_doc(api_id).await?, name).cloned()
    }

    pub async fn get_models(&self, api_id: &str, page: &PageRequest) -> ApiResult<Page<Model>> {
        let doc = self.api_doc(api_id).await?;
        page_of(doc.models.into_values(), |m| m.name.clone(), page)
    }

    pub async fn update_model(
        &self,
        api_id: &str,
        name: &str,
        ops: &[PatchOperation],
    ) -> ApiResult<Model> {
        self.modify_api(api_id, |doc| {
            let mut m = model(doc, name)?.clone();
            patch::apply(&mut m, ops, patch::model)?;
            validate_model(&m)?;
            doc.models.insert(name.to_string(), m.clone());
            Ok(m)
        })
        .await
    }

    /// Refused while a method's request or response names the model.
    pub async fn delete_model(&self, api_id: &str, name: &str) -> ApiResult<()> {
        self.modify_api(api_id, |doc| {
            model(doc, name)?;
            in_use(
                &format!("model {name}"),
                methods_where(doc, |m| {
                    m.request_models.values().any(|n| n == name)
                        || m.method_responses
                            .values()
                            .any(|r| r.response_models.values().any(|n| n == name))
                }),
            )?;
            doc.models.remove(name);
            Ok(())
        })
        .await
    }
}

// === request validators ===

impl ApiGateway {
    pub async fn create_request_validator(
        &self,
        api_id: &str,
        input: CreateRequestValidator,
    ) -> ApiResult<RequestValidator> {
        let id = self.short_id();
        let v = RequestValidator {
            name: input.name.unwrap_or_else(|| id.clone()),
            id,
            validate_request_body: input.validate_request_body,
            validate_request_parameters: input.validate_request_parameters,
        };
        validate_request_validator(&v)?;
        self.modify_api(api_id, |doc| {
            doc.request_validators.insert(v.id.clone(), v.clone());
            Ok(v.clone())
        })
        .await
    }

    pub async fn get_request_validator(
        &self,
        api_id: &str,
        id: &str,
    ) -> ApiResult<RequestValidator> {
        validator(&self.api_doc(api_id).await?, id).cloned()
    }

    pub async fn get_request_validators(
        &self,
        api_id: &str,
        page: &PageRequest,
    ) -> ApiResult<Page<RequestValidator>> {
        let doc = self.api_doc(api_id).await?;
        page_of(doc.request_validators.into_values(), |v| v.id.clone(), page)
    }

    pub async fn update_request_validator(
        &self,
        api_id: &str,
        id: &str,
        ops: &[PatchOperation],
    ) -> ApiResult<RequestValidator> {
        self.modify_api(api_id, |doc| {
            let mut v = validator(doc, id)?.clone();
            patch::apply(&mut v, ops, patch::request_validator)?;
            validate_request_validator(&v)?;
            doc.request_validators.insert(id.to_string(), v.clone());
            Ok(v)
        })
        .await
    }

    /// Refused while a method uses the validator.
    pub async fn delete_request_validator(&self, api_id: &str, id: &str) -> ApiResult<()> {
        self.modify_api(api_id, |doc| {
            validator(doc, id)?;
            in_use(
                &format!("request validator {id}"),
                methods_where(doc, |m| m.request_validator_id.as_deref() == Some(id)),
            )?;
            doc.request_validators.remove(id);
            Ok(())
        })
        .await
    }
}
