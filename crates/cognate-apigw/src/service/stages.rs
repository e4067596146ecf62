//! Stages: `CreateStage`, `GetStage(s)`, `UpdateStage`, `DeleteStage`. A
//! stage is a name pointing at one deployment, with stage variables; it is
//! what the gateway serves, so every change is announced to subscribers.

use std::collections::BTreeMap;

use cognate_core::store::{Expect, StoreError};
use serde::Deserialize;

use super::{delete, put, ApiGateway};
use crate::model::{kind, DeploymentDoc, Stage, StringMap};
use crate::patch::{self, PatchOperation};
use crate::{ApiError, ApiResult};

/// The body of `CreateStage`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CreateStage {
    pub stage_name: String,
    pub deployment_id: String,
    pub description: Option<String>,
    pub cache_cluster_enabled: bool,
    pub variables: StringMap,
    pub documentation_version: Option<String>,
    pub tracing_enabled: bool,
    pub tags: StringMap,
}

/// The store id of a stage.
pub(crate) fn stage_key(api_id: &str, stage: &str) -> String {
    format!("{api_id}/{stage}")
}

/// `[A-Za-z0-9_-]`, 1 to 128 characters.
pub fn validate_stage_name(name: &str) -> ApiResult<()> {
    let ok = (1..=128).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "Invalid stage name '{name}': stage names only allow a-zA-Z0-9_- (1 to 128 characters)"
        )))
    }
}

/// Names `[A-Za-z0-9_]+`; values `[A-Za-z0-9-._~:/?#&=,]+` (at most 512).
pub fn validate_variables(vars: &StringMap) -> ApiResult<()> {
    for (name, value) in vars {
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(ApiError::bad_request(format!(
                "Invalid stage variable name '{name}': only a-zA-Z0-9_ are allowed"
            )));
        }
        let ok = !value.is_empty()
            && value.len() <= 512
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~:/?#&=,".contains(&b));
        if !ok {
            return Err(ApiError::bad_request(format!(
                "Invalid value for stage variable '{name}': only a-zA-Z0-9-._~:/?#&=, are allowed (1 to 512 characters)"
            )));
        }
    }
    Ok(())
}

/// A new stage as `CreateStage` and `CreateDeployment` make it.
pub(crate) fn new_stage(name: &str, deployment_id: &str, now: i64) -> Stage {
    Stage {
        deployment_id: deployment_id.to_string(),
        stage_name: name.to_string(),
        cache_cluster_status: Some("NOT_AVAILABLE".into()),
        created_date: now,
        last_updated_date: now,
        ..Default::default()
    }
}

fn no_stage() -> ApiError {
    ApiError::not_found_msg("Invalid Stage identifier specified")
}

impl ApiGateway {
    /// NotFound unless the API has deployment `id`.
    pub(crate) async fn require_deployment(&self, api_id: &str, id: &str) -> ApiResult<()> {
        let key = format!("{api_id}/{id}");
        if self.store.get_doc(kind::DEPLOYMENT, &key).await?.is_none() {
            return Err(ApiError::not_found_msg(
                "Invalid Deployment identifier specified",
            ));
        }
        Ok(())
    }

    pub async fn create_stage(&self, api_id: &str, input: CreateStage) -> ApiResult<Stage> {
        validate_stage_name(&input.stage_name)?;
        validate_variables(&input.variables)?;
        self.load_api(api_id).await?;
        self.require_deployment(api_id, &input.deployment_id)
            .await?;
        let stage = Stage {
            description: input.description,
            cache_cluster_enabled: input.cache_cluster_enabled,
            variables: input.variables,
            documentation_version: input.documentation_version,
            tracing_enabled: input.tracing_enabled,
            tags: input.tags,
            ..new_stage(&input.stage_name, &input.deployment_id, self.now())
        };
        let key = stage_key(api_id, &stage.stage_name);
        match self
            .store
            .write_docs(&[put(kind::STAGE, &key, &stage, Expect::Absent)?])
            .await
        {
            Err(StoreError::Conflict(_)) => return Err(ApiError::conflict("Stage already exists")),
            other => other?,
        }
        self.changed().await;
        Ok(stage)
    }

    pub async fn get_stage(&self, api_id: &str, name: &str) -> ApiResult<Stage> {
        self.load_api(api_id).await?;
        self.get::<Stage>(kind::STAGE, &stage_key(api_id, name))
            .await?
            .ok_or_else(no_stage)
    }

    /// Every stage of the API, or those pointing at `deployment_id`.
    pub async fn get_stages(
        &self,
        api_id: &str,
        deployment_id: Option<&str>,
    ) -> ApiResult<Vec<Stage>> {
        self.load_api(api_id).await?;
        let stages: Vec<Stage> = self.all(kind::STAGE, &format!("{api_id}/")).await?;
        Ok(stages
            .into_iter()
            .filter(|s| deployment_id.is_none_or(|d| s.deployment_id == d))
            .collect())
    }

    pub async fn update_stage(
        &self,
        api_id: &str,
        name: &str,
        ops: &[PatchOperation],
    ) -> ApiResult<Stage> {
        let key = stage_key(api_id, name);
        let (current, _) = self
            .get_versioned::<Stage>(kind::STAGE, &key)
            .await?
            .ok_or_else(no_stage)?;
        // Check a new deployment id before the write, against the store.
        let mut probe = current.clone();
        patch::apply(&mut probe, ops, patch::stage)?;
        if probe.deployment_id != current.deployment_id {
            self.require_deployment(api_id, &probe.deployment_id)
                .await?;
        }
        let now = self.now();
        let stage = self
            .modify_doc(kind::STAGE, &key, |s: &mut Stage| {
                patch::apply(s, ops, patch::stage)?;
                validate_variables(&s.variables)?;
                s.last_updated_date = now;
                Ok(s.clone())
            })
            .await?;
        self.changed().await;
        Ok(stage)
    }

    /// Deletes the stage; usage plans stop listing it.
    pub async fn delete_stage(&self, api_id: &str, name: &str) -> ApiResult<()> {
        let key = stage_key(api_id, name);
        self.load_api(api_id).await?;
        if self.store.get_doc(kind::STAGE, &key).await?.is_none() {
            return Err(no_stage());
        }
        self.write(&[delete(kind::STAGE, &key)]).await?;
        self.forget_api_stages(api_id, Some(name)).await?;
        self.changed().await;
        Ok(())
    }

    /// The deployment a stage serves, with its snapshot.
    pub async fn stage_deployment(
        &self,
        api_id: &str,
        name: &str,
    ) -> ApiResult<(Stage, DeploymentDoc)> {
        let stage = self.get_stage(api_id, name).await?;
        let doc = self
            .get::<DeploymentDoc>(
                kind::DEPLOYMENT,
                &format!("{api_id}/{}", stage.deployment_id),
            )
            .await?
            .ok_or_else(|| ApiError::not_found_msg("Invalid Deployment identifier specified"))?;
        Ok((stage, doc))
    }
}

/// Stage variables given to `CreateDeployment` are laid over the stage's.
pub(crate) fn merge_variables(into: &mut BTreeMap<String, String>, from: &StringMap) {
    for (k, v) in from {
        into.insert(k.clone(), v.clone());
    }
}
