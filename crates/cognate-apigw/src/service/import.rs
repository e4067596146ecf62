//! The service side of OpenAPI: `ImportRestApi`, `PutRestApi` and
//! `GetExport`. Translating documents is [`crate::openapi`]'s job; here the
//! result is checked by the same rules as objects written one by one,
//! stored, and read back per stage.

use std::collections::BTreeMap;

use cognate_core::store::Expect;

use super::authorizers::{validate_authorizer, MAX_AUTHORIZERS};
use super::gateway_responses::validate_gateway_response;
use super::integrations::{
    validate_integration, validate_integration_response, validate_method_response,
};
use super::methods::validate_method;
use super::resources::rebuild_tree;
use super::rest_apis::validate_rest_api;
use super::{put, ApiGateway};
use crate::error::ErrorKind;
use crate::model::{kind, ApiDoc, RestApi};
use crate::openapi::{self, ExportFormat, IdKind, ImportMode};
use crate::{ApiError, ApiResult};

/// An exported document, ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Export {
    pub content_type: &'static str,
    pub file_name: String,
    pub body: Vec<u8>,
}

/// Every rule of every object of an API document (paths are recomputed).
/// Errors name the method they are about.
pub fn validate_api_doc(doc: &mut ApiDoc) -> ApiResult<()> {
    validate_rest_api(&doc.api)?;
    rebuild_tree(doc, None)?;
    if doc.authorizers.len() > MAX_AUTHORIZERS {
        return Err(ApiError::new(
            ErrorKind::LimitExceeded,
            format!("An API may have at most {MAX_AUTHORIZERS} authorizers"),
        ));
    }
    for a in doc.authorizers.values() {
        validate_authorizer(a).map_err(|e| about(e, &format!("authorizer {}", a.name)))?;
    }
    for r in doc.gateway_responses.values() {
        validate_gateway_response(r)?;
    }
    for r in doc.resources.values() {
        for m in r.resource_methods.values() {
            let at = |e| about(e, &format!("{} {}", m.http_method, r.path));
            validate_method(doc, m).map_err(at)?;
            for mr in m.method_responses.values() {
                validate_method_response(doc, mr).map_err(at)?;
            }
            if let Some(i) = &m.method_integration {
                validate_integration(i).map_err(at)?;
                for ir in i.integration_responses.values() {
                    validate_integration_response(ir).map_err(at)?;
                }
            }
        }
    }
    Ok(())
}

fn about(e: ApiError, what: &str) -> ApiError {
    ApiError::new(e.kind, format!("{what}: {}", e.message))
}

/// `mode` of `PutRestApi`: `merge` (the default) or `overwrite`.
pub fn put_mode(mode: Option<&str>) -> ApiResult<ImportMode> {
    match mode.unwrap_or("merge") {
        "merge" => Ok(ImportMode::Merge),
        "overwrite" => Ok(ImportMode::Overwrite),
        other => Err(ApiError::bad_request(format!(
            "Invalid mode '{other}': must be merge or overwrite"
        ))),
    }
}

/// `oas30` or `swagger`.
pub fn export_format(export_type: &str) -> ApiResult<ExportFormat> {
    match export_type {
        "oas30" => Ok(ExportFormat::Oas30),
        "swagger" => Ok(ExportFormat::Swagger),
        other => Err(ApiError::bad_request(format!(
            "Invalid export type '{other}': must be oas30 or swagger"
        ))),
    }
}

fn refuse_warnings(api: &RestApi, fail_on_warnings: bool) -> ApiResult<()> {
    if fail_on_warnings && !api.warnings.is_empty() {
        return Err(ApiError::bad_request(format!(
            "Warnings found during import: {}",
            api.warnings.join("; ")
        )));
    }
    Ok(())
}

impl ApiGateway {
    fn new_id(&self, kind: IdKind) -> String {
        match kind {
            IdKind::RestApi => self.long_id(),
            _ => self.short_id(),
        }
    }

    /// Creates an API from an OpenAPI 3 / Swagger 2 document (JSON or YAML).
    pub async fn import_rest_api(&self, body: &[u8], fail_on_warnings: bool) -> ApiResult<RestApi> {
        let mut ids = |k| self.new_id(k);
        let mut doc = openapi::import(body, None, ImportMode::Create, &mut ids, self.now())?;
        validate_api_doc(&mut doc)?;
        refuse_warnings(&doc.api, fail_on_warnings)?;
        self.write(&[put(kind::REST_API, &doc.api.id, &doc, Expect::Absent)?])
            .await?;
        Ok(doc.api)
    }

    /// Merges a document into an API or overwrites the API with it.
    pub async fn put_rest_api(
        &self,
        api_id: &str,
        body: &[u8],
        mode: ImportMode,
        fail_on_warnings: bool,
    ) -> ApiResult<RestApi> {
        let now = self.now();
        self.modify_api(api_id, |doc| {
            let mut ids = |k| self.new_id(k);
            let mut new = openapi::import(body, Some(doc), mode, &mut ids, now)?;
            new.api.id = api_id.to_string();
            validate_api_doc(&mut new)?;
            refuse_warnings(&new.api, fail_on_warnings)?;
            *doc = new;
            Ok(doc.api.clone())
        })
        .await
    }

    /// The API as deployed to `stage`, as OpenAPI. `parameters.extensions`
    /// naming `integrations`, `authorizers` or `apigateway` includes the
    /// `x-amazon-apigateway-*` extensions; `accept` picks JSON (the
    /// default) or YAML (`application/yaml`).
    pub async fn get_export(
        &self,
        api_id: &str,
        stage_name: &str,
        export_type: &str,
        params: &BTreeMap<String, String>,
        accept: Option<&str>,
        base_url: &str,
    ) -> ApiResult<Export> {
        let format = export_format(export_type)?;
        let (stage, deployment) = self.stage_deployment(api_id, stage_name).await?;
        let extensions = params.get("extensions").is_some_and(|e| {
            e.split(',')
                .any(|x| matches!(x.trim(), "integrations" | "authorizers" | "apigateway"))
        });
        let value = openapi::export(&deployment.snapshot, &stage, format, extensions, base_url);
        let yaml = accept.is_some_and(|a| a.contains("yaml"));
        let encode_err = |e: String| {
            ApiError::new(
                ErrorKind::ServiceUnavailable,
                format!("cannot encode the export: {e}"),
            )
        };
        let (content_type, ext, body) = if yaml {
            let text = serde_yaml_ng::to_string(&value).map_err(|e| encode_err(e.to_string()))?;
            ("application/yaml", "yaml", text.into_bytes())
        } else {
            let bytes = serde_json::to_vec_pretty(&value).map_err(|e| encode_err(e.to_string()))?;
            ("application/json", "json", bytes)
        };
        Ok(Export {
            content_type,
            file_name: format!("{api_id}-{stage_name}-{export_type}.{ext}"),
            body,
        })
    }
}
