//! API keys: `CreateApiKey`, `GetApiKey(s)`, `UpdateApiKey`, `DeleteApiKey`.
//! Values are unique across keys: each value also owns a document of kind
//! [`kind::API_KEY_VALUE`], written in the same batch as the key.

use cognate_core::rng::RngExt;
use cognate_core::store::{Expect, StoreError};
use serde::Deserialize;

use super::paging::{page_of, Page, PageRequest};
use super::stages::stage_key;
use super::{delete, put, ApiGateway};
use crate::model::{kind, ApiKey, StringMap, UsagePlan};
use crate::patch::{self, PatchOperation};
use crate::{ApiError, ApiResult};

/// Length of a generated key value.
pub const GENERATED_VALUE_LEN: usize = 40;
pub const MIN_VALUE_LEN: usize = 20;
pub const MAX_VALUE_LEN: usize = 128;

/// The body of `CreateApiKey`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CreateApiKey {
    pub name: Option<String>,
    pub description: Option<String>,
    pub enabled: bool,
    pub generate_distinct_id: bool,
    pub value: Option<String>,
    pub stage_keys: Vec<StageKey>,
    pub customer_id: Option<String>,
    pub tags: StringMap,
}

/// An API stage a key is bound to.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct StageKey {
    pub rest_api_id: String,
    pub stage_name: String,
}

/// Filters of `GetApiKeys`.
#[derive(Debug, Clone, Default)]
pub struct ApiKeyFilter {
    /// Keys whose name starts with this.
    pub name: Option<String>,
    pub customer_id: Option<String>,
}

pub fn validate_api_key(k: &ApiKey) -> ApiResult<()> {
    if k.name.trim().is_empty() {
        return Err(ApiError::bad_request("The API key name must not be empty"));
    }
    let len = k.value.chars().count();
    if !(MIN_VALUE_LEN..=MAX_VALUE_LEN).contains(&len) {
        return Err(ApiError::bad_request(format!(
            "API Key value should be at least {MIN_VALUE_LEN} and at most {MAX_VALUE_LEN} characters"
        )));
    }
    if !k.value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::bad_request(
            "API Key value may only contain printable ASCII characters without spaces",
        ));
    }
    Ok(())
}

fn no_key() -> ApiError {
    ApiError::not_found_msg("Invalid API Key identifier specified")
}

impl ApiGateway {
    /// NotFound unless every `"{apiId}/{stage}"` names a stage.
    async fn check_stage_keys(&self, keys: &[String]) -> ApiResult<()> {
        for key in keys {
            if self.store.get_doc(kind::STAGE, key).await?.is_none() {
                return Err(ApiError::not_found_msg(format!(
                    "Invalid stage key specified: {key}"
                )));
            }
        }
        Ok(())
    }

    pub async fn create_api_key(&self, input: CreateApiKey) -> ApiResult<ApiKey> {
        let id = self.short_id();
        let now = self.now();
        let key = ApiKey {
            name: input.name.unwrap_or_else(|| id.clone()),
            value: input
                .value
                .unwrap_or_else(|| self.rng.alnum(GENERATED_VALUE_LEN)),
            id: id.clone(),
            customer_id: input.customer_id,
            description: input.description,
            enabled: input.enabled,
            created_date: now,
            last_updated_date: now,
            stage_keys: input
                .stage_keys
                .iter()
                .map(|s| stage_key(&s.rest_api_id, &s.stage_name))
                .collect(),
            tags: input.tags,
        };
        validate_api_key(&key)?;
        self.check_stage_keys(&key.stage_keys).await?;
        let writes = [
            put(kind::API_KEY, &id, &key, Expect::Absent)?,
            put(kind::API_KEY_VALUE, &key.value, &id, Expect::Absent)?,
        ];
        match self.store.write_docs(&writes).await {
            Err(StoreError::Conflict(_)) => {
                return Err(ApiError::conflict("API Key value already exists"))
            }
            other => other?,
        }
        self.changed().await;
        Ok(key)
    }

    pub async fn get_api_key(&self, id: &str) -> ApiResult<ApiKey> {
        self.get::<ApiKey>(kind::API_KEY, id)
            .await?
            .ok_or_else(no_key)
    }

    pub async fn get_api_keys(
        &self,
        filter: &ApiKeyFilter,
        page: &PageRequest,
    ) -> ApiResult<Page<ApiKey>> {
        let keys = self.all::<ApiKey>(kind::API_KEY, "").await?;
        let matching = keys.into_iter().filter(|k| {
            filter
                .name
                .as_ref()
                .is_none_or(|n| k.name.starts_with(n.as_str()))
                && filter
                    .customer_id
                    .as_ref()
                    .is_none_or(|c| k.customer_id.as_ref() == Some(c))
        });
        page_of(matching, |k| k.id.clone(), page)
    }

    pub async fn update_api_key(&self, id: &str, ops: &[PatchOperation]) -> ApiResult<ApiKey> {
        let mut probe = self.get_api_key(id).await?;
        patch::apply(&mut probe, ops, patch::api_key)?;
        self.check_stage_keys(&probe.stage_keys).await?;
        let now = self.now();
        let key = self
            .modify_doc(kind::API_KEY, id, |k: &mut ApiKey| {
                patch::apply(k, ops, patch::api_key)?;
                validate_api_key(k)?;
                k.last_updated_date = now;
                Ok(k.clone())
            })
            .await?;
        self.changed().await;
        Ok(key)
    }

    /// Deletes the key, its value and its membership in every usage plan.
    pub async fn delete_api_key(&self, id: &str) -> ApiResult<()> {
        let key = self.get_api_key(id).await?;
        let mut writes = vec![
            delete(kind::API_KEY, id),
            delete(kind::API_KEY_VALUE, &key.value),
        ];
        for plan in self.all::<UsagePlan>(kind::USAGE_PLAN, "").await? {
            writes.push(delete(kind::USAGE_PLAN_KEY, &format!("{}/{id}", plan.id)));
        }
        self.write(&writes).await?;
        self.changed().await;
        Ok(())
    }
}
