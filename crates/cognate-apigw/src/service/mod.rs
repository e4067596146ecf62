//! [`ApiGateway`]: the control plane's rules over a
//! [`DocStore`](cognate_core::store::DocStore). Each operation family has a
//! module of its own; they share the document helpers here.
//!
//! Every change to what the data plane serves (a stage, a deployment, an API
//! key, a usage plan) advances the counter that [`ApiGateway::subscribe`]
//! hands out, after the write is durable; the gateway then reads
//! [`ApiGateway::live`] and swaps in a new route table.

use std::collections::HashMap;
use std::sync::Arc;

use cognate_core::clock::Clock;
use cognate_core::rng::Rng;
use cognate_core::store::DocStore;
use serde::de::DeserializeOwned;
use tokio::sync::watch;

use crate::model::{kind, ApiKey, DeploymentDoc, LiveConfig, LiveStage, Stage, UsagePlan, UsagePlanKey};
use crate::{ApiError, ApiResult};

/// What the service needs from the outside world.
pub struct ApiGatewayDeps {
    pub store: Arc<dyn DocStore>,
    pub clock: Arc<dyn Clock>,
    pub rng: Arc<dyn Rng>,
}

pub struct ApiGateway {
    pub(crate) store: Arc<dyn DocStore>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) rng: Arc<dyn Rng>,
    changes: watch::Sender<u64>,
}

/// Pages of everything are read this many documents at a time.
const PAGE: u32 = 500;

impl ApiGateway {
    pub fn new(deps: ApiGatewayDeps) -> Arc<Self> {
        Arc::new(ApiGateway {
            store: deps.store,
            clock: deps.clock,
            rng: deps.rng,
            changes: watch::Sender::new(0),
        })
    }

    /// A receiver that changes after every durable change to what the data
    /// plane serves.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// Tells subscribers that the served configuration changed. Called after
    /// the write, never before.
    pub(crate) fn changed(&self) {
        self.changes.send_modify(|n| *n += 1);
    }

    /// Every stage with its deployment, every API key and usage plan.
    pub async fn live(&self) -> ApiResult<LiveConfig> {
        let stages: Vec<(String, Stage)> = self.all_with_ids(kind::STAGE, "").await?;
        let mut deployments: HashMap<String, Arc<DeploymentDoc>> = HashMap::new();
        let mut live = LiveConfig::default();
        for (id, stage) in stages {
            // Stage ids are "{apiId}/{stageName}"; the api id is not in the body.
            let Some((api_id, _)) = id.split_once('/') else {
                tracing::warn!(id, "stage id without an API id");
                continue;
            };
            let api_id = api_id.to_string();
            let dep_key = format!("{api_id}/{}", stage.deployment_id);
            let deployment = match deployments.get(&dep_key) {
                Some(d) => d.clone(),
                None => {
                    let Some(doc) = self.get::<DeploymentDoc>(kind::DEPLOYMENT, &dep_key).await?
                    else {
                        tracing::warn!(api_id, stage = stage.stage_name, "stage points at a missing deployment");
                        continue;
                    };
                    let doc = Arc::new(doc);
                    deployments.insert(dep_key, doc.clone());
                    doc
                }
            };
            live.stages.push(LiveStage {
                api_id,
                stage,
                deployment,
            });
        }
        live.api_keys = self.all::<ApiKey>(kind::API_KEY, "").await?;
        for plan in self.all::<UsagePlan>(kind::USAGE_PLAN, "").await? {
            let keys: Vec<UsagePlanKey> = self
                .all(kind::USAGE_PLAN_KEY, &format!("{}/", plan.id))
                .await?;
            live.usage_plans
                .push((plan, keys.into_iter().map(|k| k.id).collect()));
        }
        Ok(live)
    }

    /// One document, decoded.
    pub(crate) async fn get<T: DeserializeOwned>(&self, kind: &str, id: &str) -> ApiResult<Option<T>> {
        match self.store.get_doc(kind, id).await? {
            None => Ok(None),
            Some(doc) => Ok(Some(decode(kind, &doc.id, &doc.body)?)),
        }
    }

    /// Every document of a kind under an id prefix, decoded, in id order.
    pub(crate) async fn all<T: DeserializeOwned>(&self, kind: &str, prefix: &str) -> ApiResult<Vec<T>> {
        Ok(self
            .all_with_ids(kind, prefix)
            .await?
            .into_iter()
            .map(|(_, v)| v)
            .collect())
    }

    /// Like [`Self::all`], with each document's id.
    pub(crate) async fn all_with_ids<T: DeserializeOwned>(
        &self,
        kind: &str,
        prefix: &str,
    ) -> ApiResult<Vec<(String, T)>> {
        let mut out = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = self
                .store
                .list_docs(kind, prefix, after.as_deref(), PAGE)
                .await?;
            let full = page.len() as u32 == PAGE;
            for doc in page {
                let value = decode(kind, &doc.id, &doc.body)?;
                after = Some(doc.id.clone());
                out.push((doc.id, value));
            }
            if !full {
                return Ok(out);
            }
        }
    }
}

fn decode<T: DeserializeOwned>(kind: &str, id: &str, body: &str) -> ApiResult<T> {
    serde_json::from_str(body).map_err(|e| {
        tracing::error!(kind, id, error = %e, "stored document does not decode");
        ApiError::new(
            crate::error::ErrorKind::ServiceUnavailable,
            format!("stored {kind} {id} is unreadable"),
        )
    })
}
