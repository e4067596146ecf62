//! REST APIs: `CreateRestApi`, `GetRestApi(s)`, `UpdateRestApi`,
//! `DeleteRestApi`. A REST API is one [`ApiDoc`]; creating it also creates
//! its root resource (`/`).

use std::collections::BTreeMap;

use cognate_core::store::Expect;
use serde::Deserialize;

use super::paging::{Page, PageRequest};
use super::validate::{one_of, opt_one_of};
use super::{delete, put, ApiGateway};
use crate::model::{kind, ApiDoc, EndpointConfiguration, Resource, RestApi, Stage, StringMap};
use crate::patch::{self, PatchOperation};
use crate::{ApiError, ApiResult};

/// The largest `minimumCompressionSize` (10 MiB).
const MAX_COMPRESSION_SIZE: i64 = 10_485_760;

/// The body of `CreateRestApi`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CreateRestApi {
    pub name: String,
    pub description: Option<String>,
    pub version: Option<String>,
    /// Another API whose resources, authorizers and responses are copied.
    pub clone_from: Option<String>,
    pub binary_media_types: Vec<String>,
    pub minimum_compression_size: Option<i64>,
    pub api_key_source: Option<String>,
    pub endpoint_configuration: Option<EndpointConfiguration>,
    pub policy: Option<String>,
    pub tags: StringMap,
    pub disable_execute_api_endpoint: bool,
}

/// The rules every REST API satisfies, after create and after every patch.
pub fn validate_rest_api(api: &RestApi) -> ApiResult<()> {
    if api.name.trim().is_empty() {
        return Err(ApiError::bad_request("The REST API name must not be empty"));
    }
    opt_one_of(
        api.api_key_source.as_deref(),
        &["HEADER", "AUTHORIZER"],
        "apiKeySource",
    )?;
    if let Some(size) = api.minimum_compression_size {
        if !(0..=MAX_COMPRESSION_SIZE).contains(&size) {
            return Err(ApiError::bad_request(format!(
                "Invalid minimumCompressionSize {size}: must be between 0 and {MAX_COMPRESSION_SIZE}"
            )));
        }
    }
    if let Some(ec) = &api.endpoint_configuration {
        if ec.types.len() != 1 {
            return Err(ApiError::bad_request(
                "endpointConfiguration.types must name exactly one endpoint type",
            ));
        }
        for t in &ec.types {
            one_of(
                t,
                &["EDGE", "REGIONAL", "PRIVATE"],
                "endpointConfiguration.types",
            )?;
        }
    }
    if api.binary_media_types.iter().any(|t| t.trim().is_empty()) {
        return Err(ApiError::bad_request(
            "binaryMediaTypes must not contain empty types",
        ));
    }
    Ok(())
}

impl ApiGateway {
    pub async fn create_rest_api(&self, input: CreateRestApi) -> ApiResult<RestApi> {
        let source = match &input.clone_from {
            Some(from) => Some(self.api_doc(from).await?),
            None => None,
        };
        let id = self.long_id();
        let mut api = RestApi {
            id: id.clone(),
            name: input.name,
            description: input.description,
            created_date: self.now(),
            version: input.version,
            warnings: Vec::new(),
            binary_media_types: input.binary_media_types,
            minimum_compression_size: input.minimum_compression_size,
            api_key_source: Some(input.api_key_source.unwrap_or_else(|| "HEADER".into())),
            endpoint_configuration: Some(input.endpoint_configuration.unwrap_or_else(|| {
                EndpointConfiguration {
                    types: vec!["EDGE".into()],
                    vpc_endpoint_ids: Vec::new(),
                }
            })),
            policy: input.policy,
            tags: input.tags,
            disable_execute_api_endpoint: input.disable_execute_api_endpoint,
            root_resource_id: String::new(),
        };
        validate_rest_api(&api)?;
        let doc = match source {
            Some(src) => {
                api.root_resource_id = src.api.root_resource_id.clone();
                ApiDoc { api, ..src }
            }
            None => {
                let root = Resource {
                    id: self.long_id(),
                    parent_id: None,
                    path_part: None,
                    path: "/".into(),
                    resource_methods: BTreeMap::new(),
                };
                api.root_resource_id = root.id.clone();
                ApiDoc {
                    api,
                    resources: BTreeMap::from([(root.id.clone(), root)]),
                    authorizers: BTreeMap::new(),
                    gateway_responses: BTreeMap::new(),
                    models: BTreeMap::new(),
                    request_validators: BTreeMap::new(),
                }
            }
        };
        self.write(&[put(kind::REST_API, &id, &doc, Expect::Absent)?])
            .await?;
        Ok(doc.api)
    }

    pub async fn get_rest_api(&self, api_id: &str) -> ApiResult<RestApi> {
        Ok(self.api_doc(api_id).await?.api)
    }

    pub async fn get_rest_apis(&self, page: &PageRequest) -> ApiResult<Page<RestApi>> {
        Ok(self
            .page_docs::<ApiDoc>(kind::REST_API, "", page)
            .await?
            .map(|doc| doc.api))
    }

    pub async fn update_rest_api(
        &self,
        api_id: &str,
        ops: &[PatchOperation],
    ) -> ApiResult<RestApi> {
        self.modify_api(api_id, |doc| {
            patch::apply(&mut doc.api, ops, patch::rest_api)?;
            validate_rest_api(&doc.api)?;
            Ok(doc.api.clone())
        })
        .await
    }

    /// Deletes the API with its deployments and stages in one batch; usage
    /// plans stop listing its stages.
    pub async fn delete_rest_api(&self, api_id: &str) -> ApiResult<()> {
        self.load_api(api_id).await?;
        let prefix = format!("{api_id}/");
        let mut writes = vec![delete(kind::REST_API, api_id)];
        for (id, _) in self.all_with_ids::<Stage>(kind::STAGE, &prefix).await? {
            writes.push(delete(kind::STAGE, &id));
        }
        for (id, _) in self
            .all_with_ids::<serde::de::IgnoredAny>(kind::DEPLOYMENT, &prefix)
            .await?
        {
            writes.push(delete(kind::DEPLOYMENT, &id));
        }
        self.write(&writes).await?;
        self.forget_api_stages(api_id, None).await?;
        self.changed().await;
        Ok(())
    }
}
