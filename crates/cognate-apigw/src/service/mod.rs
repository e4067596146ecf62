//! [`ApiGateway`]: the control plane's rules over a
//! [`DocStore`](cognate_core::store::DocStore). Each operation family has a
//! module of its own; they share the document helpers here.
//!
//! Every change to what the data plane serves (a stage, a deployment, an API
//! key, a usage plan) advances the counter that [`ApiGateway::subscribe`]
//! hands out, after the write is durable; the gateway then reads
//! [`ApiGateway::live`], swaps in a new route table and reports the counter
//! value it served with [`ApiGateway::applied`]. While a gateway is attached,
//! the operation that made the change answers only once it is served (at most
//! [`APPLY_WAIT`]), so a client that deploys and then calls its API sees the
//! new deployment.

pub mod api_keys;
pub mod authorizers;
pub mod deployments;
pub mod gateway_responses;
pub mod import;
pub mod integrations;
pub mod methods;
pub mod models;
pub mod paging;
pub mod resources;
pub mod rest_apis;
pub mod stages;
pub mod tags;
pub mod usage_plans;
pub mod validate;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use cognate_core::clock::Clock;
use cognate_core::rng::{Rng, RngExt};
use cognate_core::store::{DocStore, DocWrite, Expect, StoreError};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::watch;

use crate::error::ErrorKind;
use crate::model::{
    kind, ApiDoc, ApiKey, DeploymentDoc, LiveConfig, LiveStage, Stage, UsagePlan, UsagePlanKey,
};
use crate::{ApiError, ApiResult};
use authorizers::AuthorizerTester;

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
    /// The highest change counter a gateway reported as served.
    applied: watch::Sender<u64>,
    /// Whether a gateway follows the changes (see [`ApiGateway::follow`]).
    followed: AtomicBool,
    tester: RwLock<Option<Arc<dyn AuthorizerTester>>>,
}

/// How long a change waits for the gateway to serve it before the operation
/// answers anyway (the gateway then serves it as soon as it can).
pub const APPLY_WAIT: Duration = Duration::from_secs(5);

/// Pages of everything are read this many documents at a time.
const PAGE: u32 = 500;

/// Attempts of one read-modify-write before a concurrent writer's conflict
/// is handed to the client.
const WRITE_ATTEMPTS: usize = 5;

impl ApiGateway {
    pub fn new(deps: ApiGatewayDeps) -> Arc<Self> {
        Arc::new(ApiGateway {
            store: deps.store,
            clock: deps.clock,
            rng: deps.rng,
            changes: watch::Sender::new(0),
            applied: watch::Sender::new(0),
            followed: AtomicBool::new(false),
            tester: RwLock::new(None),
        })
    }

    /// A receiver that changes after every durable change to what the data
    /// plane serves.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// Like [`Self::subscribe`], for the gateway that serves the changes: from
    /// now on each change waits until [`Self::applied`] reports it served.
    pub fn follow(&self) -> watch::Receiver<u64> {
        self.followed.store(true, Ordering::SeqCst);
        self.changes.subscribe()
    }

    /// The gateway reports that it serves everything up to change `generation`
    /// (the counter value it read before calling [`Self::live`]).
    pub fn applied(&self, generation: u64) {
        self.applied.send_if_modified(|g| {
            let newer = generation > *g;
            if newer {
                *g = generation;
            }
            newer
        });
    }

    /// Tells subscribers that the served configuration changed, and, when a
    /// gateway follows, waits until it serves the change. Called after the
    /// write, never before.
    pub(crate) async fn changed(&self) {
        let mut generation = 0;
        self.changes.send_modify(|n| {
            *n += 1;
            generation = *n;
        });
        if !self.followed.load(Ordering::SeqCst) {
            return;
        }
        let mut applied = self.applied.subscribe();
        let served = tokio::time::timeout(APPLY_WAIT, applied.wait_for(|g| *g >= generation)).await;
        if served.is_err() {
            tracing::warn!(
                generation,
                "the gateway has not served a change yet; answering anyway"
            );
        }
    }

    /// The store's document generation: it moves whenever any node writes
    /// to the documents (see [`DocStore::docs_generation`]).
    pub async fn stored_generation(&self) -> ApiResult<i64> {
        Ok(self.store.docs_generation().await?)
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
                    let Some(doc) = self
                        .get::<DeploymentDoc>(kind::DEPLOYMENT, &dep_key)
                        .await?
                    else {
                        tracing::warn!(
                            api_id,
                            stage = stage.stage_name,
                            "stage points at a missing deployment"
                        );
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
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        kind: &str,
        id: &str,
    ) -> ApiResult<Option<T>> {
        match self.store.get_doc(kind, id).await? {
            None => Ok(None),
            Some(doc) => Ok(Some(decode(kind, &doc.id, &doc.body)?)),
        }
    }

    /// Every document of a kind under an id prefix, decoded, in id order.
    pub(crate) async fn all<T: DeserializeOwned>(
        &self,
        kind: &str,
        prefix: &str,
    ) -> ApiResult<Vec<T>> {
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

// === document helpers ===

impl ApiGateway {
    /// Installs what answers `TestInvokeAuthorizer` (the gateway's authorizer).
    pub fn set_authorizer_tester(&self, tester: Arc<dyn AuthorizerTester>) {
        *self.tester.write().unwrap_or_else(|e| e.into_inner()) = Some(tester);
    }

    pub(crate) fn authorizer_tester(&self) -> Option<Arc<dyn AuthorizerTester>> {
        self.tester
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Epoch seconds by the injected clock.
    pub(crate) fn now(&self) -> i64 {
        self.clock.now_secs()
    }

    /// A 6-character id (`[a-z0-9]`) for resources, authorizers, deployments,
    /// keys and plans.
    pub(crate) fn short_id(&self) -> String {
        self.rng.lower_alnum(6)
    }

    /// A 10-character id (`[a-z0-9]`) for REST APIs and their root resources.
    pub(crate) fn long_id(&self) -> String {
        self.rng.lower_alnum(10)
    }

    /// A REST API's stored document, as the data plane and the exporter see it.
    pub async fn api_doc(&self, api_id: &str) -> ApiResult<ApiDoc> {
        Ok(self.load_api(api_id).await?.0)
    }

    /// The API document with its version; NotFound when there is none.
    pub(crate) async fn load_api(&self, api_id: &str) -> ApiResult<(ApiDoc, i64)> {
        let doc = self
            .store
            .get_doc(kind::REST_API, api_id)
            .await?
            .ok_or_else(ApiError::not_found)?;
        Ok((decode(kind::REST_API, &doc.id, &doc.body)?, doc.version))
    }

    /// Read-modify-write of one API document: `f` changes a fresh copy (and
    /// may fail, leaving nothing written); the copy is stored only if nobody
    /// wrote in between, else the whole step is retried.
    pub(crate) async fn modify_api<T>(
        &self,
        api_id: &str,
        mut f: impl FnMut(&mut ApiDoc) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (mut doc, version) = self.load_api(api_id).await?;
            let out = f(&mut doc)?;
            let write = put(kind::REST_API, api_id, &doc, Expect::Version(version))?;
            match self.store.write_docs(&[write]).await {
                Err(StoreError::Conflict(_)) if attempt < WRITE_ATTEMPTS => continue,
                Err(e) => return Err(e.into()),
                Ok(()) => return Ok(out),
            }
        }
    }

    /// One document with its version.
    pub(crate) async fn get_versioned<T: DeserializeOwned>(
        &self,
        kind: &str,
        id: &str,
    ) -> ApiResult<Option<(T, i64)>> {
        match self.store.get_doc(kind, id).await? {
            None => Ok(None),
            Some(doc) => Ok(Some((decode(kind, &doc.id, &doc.body)?, doc.version))),
        }
    }

    /// Read-modify-write of one standalone document (a stage, a key, a plan),
    /// retried on concurrent writes like [`Self::modify_api`].
    pub(crate) async fn modify_doc<T, R>(
        &self,
        kind: &str,
        id: &str,
        mut f: impl FnMut(&mut T) -> ApiResult<R>,
    ) -> ApiResult<R>
    where
        T: DeserializeOwned + Serialize,
    {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (mut value, version) = self
                .get_versioned::<T>(kind, id)
                .await?
                .ok_or_else(ApiError::not_found)?;
            let out = f(&mut value)?;
            let write = put(kind, id, &value, Expect::Version(version))?;
            match self.store.write_docs(&[write]).await {
                Err(StoreError::Conflict(_)) if attempt < WRITE_ATTEMPTS => continue,
                Err(e) => return Err(e.into()),
                Ok(()) => return Ok(out),
            }
        }
    }

    /// Writes a batch; a failed expectation is the store's conflict.
    pub(crate) async fn write(&self, writes: &[DocWrite]) -> ApiResult<()> {
        Ok(self.store.write_docs(writes).await?)
    }
}

/// A `Put` of `value` encoded as JSON.
pub(crate) fn put<T: Serialize>(
    kind: &str,
    id: &str,
    value: &T,
    expect: Expect,
) -> ApiResult<DocWrite> {
    let body = serde_json::to_string(value).map_err(|e| {
        ApiError::new(
            ErrorKind::ServiceUnavailable,
            format!("cannot encode {kind} {id}: {e}"),
        )
    })?;
    Ok(DocWrite::Put {
        kind: kind.to_string(),
        id: id.to_string(),
        body,
        expect,
    })
}

/// A `Delete` of whatever is there.
pub(crate) fn delete(kind: &str, id: &str) -> DocWrite {
    DocWrite::Delete {
        kind: kind.to_string(),
        id: id.to_string(),
        expect: Expect::Any,
    }
}

fn decode<T: DeserializeOwned>(kind: &str, id: &str, body: &str) -> ApiResult<T> {
    serde_json::from_str(body).map_err(|e| {
        tracing::error!(kind, id, error = %e, "stored document does not decode");
        ApiError::new(
            ErrorKind::ServiceUnavailable,
            format!("stored {kind} {id} is unreadable"),
        )
    })
}
