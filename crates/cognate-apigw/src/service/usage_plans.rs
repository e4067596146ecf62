//! Usage plans and their keys: `CreateUsagePlan`, `GetUsagePlan(s)`,
//! `UpdateUsagePlan`, `DeleteUsagePlan`, `CreateUsagePlanKey`,
//! `GetUsagePlanKey(s)`, `DeleteUsagePlanKey`. A plan binds API stages to
//! throttle and quota limits; its keys are the API keys it admits.

use cognate_core::store::{Expect, StoreError};
use serde::Deserialize;

use super::paging::{page_of, Page, PageRequest};
use super::stages::stage_key;
use super::validate::one_of;
use super::{delete, put, ApiGateway};
use crate::error::ErrorKind;
use crate::model::{
    kind, ApiKey, ApiStage, QuotaSettings, StringMap, ThrottleSettings, UsagePlan, UsagePlanKey,
};
use crate::patch::{self, PatchOperation};
use crate::{ApiError, ApiResult};

/// The body of `CreateUsagePlan`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CreateUsagePlan {
    pub name: String,
    pub description: Option<String>,
    pub api_stages: Vec<ApiStage>,
    pub throttle: Option<ThrottleSettings>,
    pub quota: Option<QuotaSettings>,
    pub tags: StringMap,
}

/// The body of `CreateUsagePlanKey`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CreateUsagePlanKey {
    pub key_id: String,
    pub key_type: String,
}

fn check_throttle(t: &ThrottleSettings, what: &str) -> ApiResult<()> {
    if t.rate_limit.is_some_and(|r| r < 0.0) || t.burst_limit.is_some_and(|b| b < 0) {
        return Err(ApiError::bad_request(format!(
            "{what}: rateLimit and burstLimit must not be negative"
        )));
    }
    Ok(())
}

pub fn validate_usage_plan(p: &UsagePlan) -> ApiResult<()> {
    if p.name.trim().is_empty() {
        return Err(ApiError::bad_request(
            "The usage plan name must not be empty",
        ));
    }
    if let Some(t) = &p.throttle {
        check_throttle(t, "throttle")?;
    }
    if let Some(q) = &p.quota {
        one_of(&q.period, &["DAY", "WEEK", "MONTH"], "quota.period")?;
        if q.limit <= 0 || q.offset < 0 || q.offset >= q.limit {
            return Err(ApiError::bad_request(
                "quota.limit must be positive and quota.offset between 0 and the limit",
            ));
        }
    }
    for (i, s) in p.api_stages.iter().enumerate() {
        if p.api_stages[..i]
            .iter()
            .any(|o| o.api_id == s.api_id && o.stage == s.stage)
        {
            return Err(ApiError::conflict(format!(
                "API stage {}:{} is already in the usage plan",
                s.api_id, s.stage
            )));
        }
        for t in s.throttle.values() {
            check_throttle(t, "apiStages.throttle")?;
        }
    }
    Ok(())
}

fn no_plan() -> ApiError {
    ApiError::not_found_msg("Invalid Usage Plan identifier specified")
}

fn plan_key_id(plan: &str, key: &str) -> String {
    format!("{plan}/{key}")
}

/// A plan key as listed: the key's current name and value.
fn plan_key(key: &ApiKey) -> UsagePlanKey {
    UsagePlanKey {
        id: key.id.clone(),
        kind: "API_KEY".into(),
        value: key.value.clone(),
        name: key.name.clone(),
    }
}

impl ApiGateway {
    /// NotFound unless every API stage exists.
    async fn check_api_stages(&self, stages: &[ApiStage]) -> ApiResult<()> {
        for s in stages {
            let key = stage_key(&s.api_id, &s.stage);
            if self.store.get_doc(kind::STAGE, &key).await?.is_none() {
                return Err(ApiError::not_found_msg(format!(
                    "Invalid stage identifier specified: {}:{}",
                    s.api_id, s.stage
                )));
            }
        }
        Ok(())
    }

    /// Takes an API's stages (or the one named) out of every usage plan
    /// that lists them, once they are gone.
    pub(crate) async fn forget_api_stages(
        &self,
        api_id: &str,
        stage: Option<&str>,
    ) -> ApiResult<()> {
        let hit = |s: &ApiStage| s.api_id == api_id && stage.is_none_or(|n| s.stage == n);
        for plan in self.all::<UsagePlan>(kind::USAGE_PLAN, "").await? {
            if !plan.api_stages.iter().any(hit) {
                continue;
            }
            let result = self
                .modify_doc(kind::USAGE_PLAN, &plan.id, |p: &mut UsagePlan| {
                    p.api_stages.retain(|s| !hit(s));
                    Ok(())
                })
                .await;
            match result {
                Err(e) if e.kind != ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        Ok(())
    }

    pub async fn create_usage_plan(&self, input: CreateUsagePlan) -> ApiResult<UsagePlan> {
        let plan = UsagePlan {
            id: self.short_id(),
            name: input.name,
            description: input.description,
            api_stages: input.api_stages,
            throttle: input.throttle,
            quota: input.quota,
            product_code: None,
            tags: input.tags,
        };
        validate_usage_plan(&plan)?;
        self.check_api_stages(&plan.api_stages).await?;
        self.write(&[put(kind::USAGE_PLAN, &plan.id, &plan, Expect::Absent)?])
            .await?;
        self.changed().await;
        Ok(plan)
    }

    pub async fn get_usage_plan(&self, id: &str) -> ApiResult<UsagePlan> {
        self.get::<UsagePlan>(kind::USAGE_PLAN, id)
            .await?
            .ok_or_else(no_plan)
    }

    /// Plans in id order; with `key_id`, only the plans that admit that key.
    pub async fn get_usage_plans(
        &self,
        key_id: Option<&str>,
        page: &PageRequest,
    ) -> ApiResult<Page<UsagePlan>> {
        let mut plans = Vec::new();
        for plan in self.all::<UsagePlan>(kind::USAGE_PLAN, "").await? {
            let admitted = match key_id {
                None => true,
                Some(k) => self
                    .store
                    .get_doc(kind::USAGE_PLAN_KEY, &plan_key_id(&plan.id, k))
                    .await?
                    .is_some(),
            };
            if admitted {
                plans.push(plan);
            }
        }
        page_of(plans, |p| p.id.clone(), page)
    }

    pub async fn update_usage_plan(
        &self,
        id: &str,
        ops: &[PatchOperation],
    ) -> ApiResult<UsagePlan> {
        let mut probe = self.get_usage_plan(id).await?;
        patch::apply(&mut probe, ops, patch::usage_plan)?;
        self.check_api_stages(&probe.api_stages).await?;
        let plan = self
            .modify_doc(kind::USAGE_PLAN, id, |p: &mut UsagePlan| {
                patch::apply(p, ops, patch::usage_plan)?;
                validate_usage_plan(p)?;
                Ok(p.clone())
            })
            .await?;
        self.changed().await;
        Ok(plan)
    }

    /// Deletes the plan with its keys.
    pub async fn delete_usage_plan(&self, id: &str) -> ApiResult<()> {
        self.get_usage_plan(id).await?;
        let mut writes = vec![delete(kind::USAGE_PLAN, id)];
        for (key_id, _) in self
            .all_with_ids::<UsagePlanKey>(kind::USAGE_PLAN_KEY, &format!("{id}/"))
            .await?
        {
            writes.push(delete(kind::USAGE_PLAN_KEY, &key_id));
        }
        self.write(&writes).await?;
        self.changed().await;
        Ok(())
    }

    pub async fn create_usage_plan_key(
        &self,
        plan_id: &str,
        input: CreateUsagePlanKey,
    ) -> ApiResult<UsagePlanKey> {
        one_of(&input.key_type, &["API_KEY"], "keyType")?;
        self.get_usage_plan(plan_id).await?;
        let key = self.get_api_key(&input.key_id).await?;
        let entry = plan_key(&key);
        let doc_id = plan_key_id(plan_id, &key.id);
        match self
            .store
            .write_docs(&[put(kind::USAGE_PLAN_KEY, &doc_id, &entry, Expect::Absent)?])
            .await
        {
            Err(StoreError::Conflict(_)) => {
                return Err(ApiError::conflict(format!(
                    "API Key {} is already in usage plan {plan_id}",
                    key.id
                )))
            }
            other => other?,
        }
        self.changed().await;
        Ok(entry)
    }

    pub async fn get_usage_plan_key(&self, plan_id: &str, key_id: &str) -> ApiResult<UsagePlanKey> {
        self.get_usage_plan(plan_id).await?;
        if self
            .store
            .get_doc(kind::USAGE_PLAN_KEY, &plan_key_id(plan_id, key_id))
            .await?
            .is_none()
        {
            return Err(ApiError::not_found_msg(
                "Invalid Usage Plan Key identifier specified",
            ));
        }
        Ok(plan_key(&self.get_api_key(key_id).await?))
    }

    /// The plan's keys in id order; with `name`, those whose name starts with it.
    pub async fn get_usage_plan_keys(
        &self,
        plan_id: &str,
        name: Option<&str>,
        page: &PageRequest,
    ) -> ApiResult<Page<UsagePlanKey>> {
        self.get_usage_plan(plan_id).await?;
        let mut keys = Vec::new();
        for entry in self
            .all::<UsagePlanKey>(kind::USAGE_PLAN_KEY, &format!("{plan_id}/"))
            .await?
        {
            if let Some(key) = self.get::<ApiKey>(kind::API_KEY, &entry.id).await? {
                if name.is_none_or(|n| key.name.starts_with(n)) {
                    keys.push(plan_key(&key));
                }
            }
        }
        page_of(keys, |k| k.id.clone(), page)
    }

    pub async fn delete_usage_plan_key(&self, plan_id: &str, key_id: &str) -> ApiResult<()> {
        self.get_usage_plan_key(plan_id, key_id).await?;
        self.write(&[delete(kind::USAGE_PLAN_KEY, &plan_key_id(plan_id, key_id))])
            .await?;
        self.changed().await;
        Ok(())
    }
}
