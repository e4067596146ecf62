//! Deployments: `CreateDeployment`, `GetDeployment(s)`, `UpdateDeployment`,
//! `DeleteDeployment`. A deployment is an immutable snapshot of the API
//! document; with a stage name, creating one also creates or repoints that
//! stage in the same atomic write.

use std::collections::BTreeMap;

use cognate_core::store::{Expect, StoreError};
use serde::Deserialize;

use super::paging::{Page, PageRequest};
use super::stages::{
    merge_variables, new_stage, stage_key, validate_stage_name, validate_variables,
};
use super::{delete, put, ApiGateway, WRITE_ATTEMPTS};
use crate::model::{kind, ApiDoc, Deployment, DeploymentDoc, MethodSnapshot, Stage, StringMap};
use crate::patch::{self, PatchOperation};
use crate::{ApiError, ApiResult};

/// The body of `CreateDeployment`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CreateDeployment {
    pub stage_name: Option<String>,
    pub stage_description: Option<String>,
    pub description: Option<String>,
    pub cache_cluster_enabled: Option<bool>,
    pub variables: StringMap,
    pub tracing_enabled: Option<bool>,
}

/// path -> method -> how it is protected: the deployment's `apiSummary`.
pub fn api_summary(doc: &ApiDoc) -> BTreeMap<String, BTreeMap<String, MethodSnapshot>> {
    doc.resources
        .values()
        .filter(|r| !r.resource_methods.is_empty())
        .map(|r| {
            let methods = r
                .resource_methods
                .iter()
                .map(|(name, m)| {
                    let snap = MethodSnapshot {
                        authorization_type: m.authorization_type.clone(),
                        api_key_required: m.api_key_required,
                    };
                    (name.clone(), snap)
                })
                .collect();
            (r.path.clone(), methods)
        })
        .collect()
}

/// An API is deployable when it has methods and each has an integration.
fn check_deployable(doc: &ApiDoc) -> ApiResult<()> {
    let mut any = false;
    for r in doc.resources.values() {
        for m in r.resource_methods.values() {
            any = true;
            if m.method_integration.is_none() {
                return Err(ApiError::bad_request(format!(
                    "No integration defined for method {} {}",
                    m.http_method, r.path
                )));
            }
        }
    }
    if !any {
        return Err(ApiError::bad_request(
            "The REST API doesn't contain any methods",
        ));
    }
    Ok(())
}

fn deployment_key(api_id: &str, id: &str) -> String {
    format!("{api_id}/{id}")
}

fn no_deployment() -> ApiError {
    ApiError::not_found_msg("Invalid Deployment identifier specified")
}

/// The deployment as listed: without its summary.
fn summary_less(mut d: Deployment) -> Deployment {
    d.api_summary.clear();
    d
}

impl ApiGateway {
    /// Snapshots the API; with `stageName`, the stage (new or existing)
    /// points at the snapshot once the write is done. Returns the deployment
    /// without its summary, as AWS does.
    pub async fn create_deployment(
        &self,
        api_id: &str,
        input: CreateDeployment,
    ) -> ApiResult<Deployment> {
        if let Some(name) = &input.stage_name {
            validate_stage_name(name)?;
        }
        validate_variables(&input.variables)?;
        let doc = self.api_doc(api_id).await?;
        check_deployable(&doc)?;
        let now = self.now();
        let deployment = Deployment {
            id: self.short_id(),
            description: input.description.clone(),
            created_date: now,
            api_summary: api_summary(&doc),
        };
        let stored = DeploymentDoc {
            deployment: deployment.clone(),
            snapshot: doc,
        };
        let dep_write = put(
            kind::DEPLOYMENT,
            &deployment_key(api_id, &deployment.id),
            &stored,
            Expect::Absent,
        )?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut writes = vec![dep_write.clone()];
            if let Some(name) = &input.stage_name {
                writes.push(
                    self.stage_write(api_id, name, &deployment.id, &input, now)
                        .await?,
                );
            }
            match self.store.write_docs(&writes).await {
                Err(StoreError::Conflict(_)) if attempt < WRITE_ATTEMPTS => continue,
                Err(e) => return Err(e.into()),
                Ok(()) => break,
            }
        }
        self.changed().await;
        Ok(summary_less(deployment))
    }

    /// The write that points stage `name` at deployment `id`.
    async fn stage_write(
        &self,
        api_id: &str,
        name: &str,
        id: &str,
        input: &CreateDeployment,
        now: i64,
    ) -> ApiResult<cognate_core::store::DocWrite> {
        let key = stage_key(api_id, name);
        let (mut stage, expect) = match self.get_versioned::<Stage>(kind::STAGE, &key).await? {
            Some((stage, v)) => (stage, Expect::Version(v)),
            None => (new_stage(name, id, now), Expect::Absent),
        };
        stage.deployment_id = id.to_string();
        stage.last_updated_date = now;
        merge_variables(&mut stage.variables, &input.variables);
        if let Some(d) = &input.stage_description {
            stage.description = Some(d.clone());
        }
        if let Some(c) = input.cache_cluster_enabled {
            stage.cache_cluster_enabled = c;
        }
        if let Some(t) = input.tracing_enabled {
            stage.tracing_enabled = t;
        }
        put(kind::STAGE, &key, &stage, expect)
    }

    /// The deployment with its `apiSummary`.
    pub async fn get_deployment(&self, api_id: &str, id: &str) -> ApiResult<Deployment> {
        self.load_api(api_id).await?;
        self.get::<DeploymentDoc>(kind::DEPLOYMENT, &deployment_key(api_id, id))
            .await?
            .map(|d| d.deployment)
            .ok_or_else(no_deployment)
    }

    /// Deployments in id order, without summaries.
    pub async fn get_deployments(
        &self,
        api_id: &str,
        page: &PageRequest,
    ) -> ApiResult<Page<Deployment>> {
        self.load_api(api_id).await?;
        Ok(self
            .page_docs::<DeploymentDoc>(kind::DEPLOYMENT, &format!("{api_id}/"), page)
            .await?
            .map(|d| summary_less(d.deployment)))
    }

    pub async fn update_deployment(
        &self,
        api_id: &str,
        id: &str,
        ops: &[PatchOperation],
    ) -> ApiResult<Deployment> {
        self.load_api(api_id).await?;
        let key = deployment_key(api_id, id);
        if self.store.get_doc(kind::DEPLOYMENT, &key).await?.is_none() {
            return Err(no_deployment());
        }
        let d = self
            .modify_doc(kind::DEPLOYMENT, &key, |d: &mut DeploymentDoc| {
                patch::apply(&mut d.deployment, ops, patch::deployment)?;
                Ok(d.deployment.clone())
            })
            .await?;
        Ok(summary_less(d))
    }

    /// Refused while a stage points at the deployment.
    pub async fn delete_deployment(&self, api_id: &str, id: &str) -> ApiResult<()> {
        self.load_api(api_id).await?;
        let key = deployment_key(api_id, id);
        if self.store.get_doc(kind::DEPLOYMENT, &key).await?.is_none() {
            return Err(no_deployment());
        }
        if !self.get_stages(api_id, Some(id)).await?.is_empty() {
            return Err(ApiError::bad_request(
                "Active stages pointing to this deployment must be moved or deleted",
            ));
        }
        self.write(&[delete(kind::DEPLOYMENT, &key)]).await?;
        self.changed().await;
        Ok(())
    }
}
