//! The route table: every deployed stage compiled for serving — its resource
//! tree, each method's authorization, API key usage and integration, and its
//! gateway responses. Built off the request path from a
//! [`LiveConfig`](cognate_apigw::model::LiveConfig) and never changed after;
//! a new one replaces it whole.
//!
//! A problem in one method (an integration that does not compile, an
//! authorizer that cannot be used) is logged and confined to that method,
//! which then answers with a gateway response; the rest is served.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use cognate_apigw::model::{ApiDoc, LiveConfig, LiveStage, Method};

use crate::authorize::{CognitoAuthorizer, MethodAuth};
use crate::integrate::{self, CompiledIntegration};
use crate::issuers::{parse_pool_arn, Issuer, Issuers};
use crate::responses::GatewayResponses;
use crate::route::RouteTree;
use crate::usage::{Bucket, StageUsage, UsageBuilder, UsageState};

/// Stages by name, looked up on every request: foldhash, randomly seeded
/// and fast on short keys.
type Stages = foldhash::HashMap<String, StageTable>;

/// Every served stage, by API id then stage name.
#[derive(Debug, Default)]
pub struct RouteTable {
    apis: foldhash::HashMap<String, Stages>,
    /// The Cognito authorizers compiled for it, by (api, deployment,
    /// authorizer id), so the next table can keep those that did not change
    /// (and the tokens they remember).
    authorizers: HashMap<(String, String, String), Arc<CognitoAuthorizer>>,
}

impl RouteTable {
    /// The stage `stage` of API `api_id`, if deployed.
    pub fn stage(&self, api_id: &str, stage: &str) -> Option<&StageTable> {
        self.apis.get(api_id)?.get(stage)
    }

    /// How many stages it serves.
    pub fn stage_count(&self) -> usize {
        self.apis.values().map(Stages::len).sum()
    }
}

/// One stage as served.
#[derive(Debug)]
pub struct StageTable {
    pub variables: BTreeMap<String, String>,
    /// Resource path and method -> index in `methods`.
    pub routes: RouteTree<usize>,
    pub methods: Vec<CompiledMethod>,
    pub responses: GatewayResponses,
    pub usage: StageUsage,
    /// The API was deployed with `disableExecuteApiEndpoint`: every request
    /// is answered 403 Forbidden.
    pub endpoint_disabled: bool,
}

/// One method as served.
#[derive(Debug)]
pub struct CompiledMethod {
    /// The resource's path template, e.g. `/pets/{petId}`.
    pub resource_path: String,
    /// The method as defined (`GET`, `ANY`, `PURCHASE`).
    pub http_method: String,
    pub auth: MethodAuth,
    pub api_key_required: bool,
    /// The stage's throttle for this method (its `methodSettings`, else
    /// those of `*/*`), shared by all its callers.
    pub throttle: Option<Arc<Bucket>>,
    /// The integration, or why it cannot run (answered with API_CONFIGURATION_ERROR).
    pub integration: Result<CompiledIntegration, String>,
}

/// Compiles route tables; holds what one compilation shares between stages.
pub struct Compiler<'a> {
    issuers: &'a Issuers,
    previous: &'a RouteTable,
    /// Pools resolved so far, by pool id.
    resolved: HashMap<String, Arc<Issuer>>,
    authorizers: HashMap<(String, String, String), Arc<CognitoAuthorizer>>,
}

impl<'a> Compiler<'a> {
    pub fn new(issuers: &'a Issuers, previous: &'a RouteTable) -> Self {
        Compiler {
            issuers,
            previous,
            resolved: HashMap::new(),
            authorizers: HashMap::new(),
        }
    }

    /// Compiles `live`; `usage` carries buckets and quotas over from the
    /// previous table. Problems are logged.
    pub async fn compile(
        mut self,
        live: &LiveConfig,
        usage: &UsageState,
        now_ms: i64,
    ) -> (RouteTable, UsageState) {
        let mut usage = UsageBuilder::new(live, usage, now_ms);
        let mut apis: foldhash::HashMap<String, Stages> = Default::default();
        for live_stage in &live.stages {
            let stage = self.stage(live_stage, &mut usage).await;
            apis.entry(live_stage.api_id.clone())
                .or_default()
                .insert(live_stage.stage.stage_name.clone(), stage);
        }
        let in_use: Vec<Arc<Issuer>> = self.resolved.into_values().collect();
        self.issuers.retain(&in_use);
        let table = RouteTable {
            apis,
            authorizers: self.authorizers,
        };
        (table, usage.finish())
    }

    async fn stage(&mut self, live: &LiveStage, usage: &mut UsageBuilder<'_>) -> StageTable {
        let api_id = live.api_id.as_str();
        let stage_name = live.stage.stage_name.as_str();
        let snapshot = &live.deployment.snapshot;
        let variables = live.stage.variables.clone();
        let mut routes = RouteTree::default();
        let mut methods = Vec::new();
        for resource in snapshot.resources.values() {
            for (http_method, method) in &resource.resource_methods {
                let what = format!("{http_method} {}", resource.path);
                if http::Method::from_bytes(http_method.as_bytes()).is_err() {
                    tracing::error!(
                        api_id,
                        stage = stage_name,
                        method = what,
                        "not an HTTP method; not served"
                    );
                    continue;
                }
                if let Err(e) = routes.insert(&resource.path, http_method, methods.len()) {
                    tracing::error!(api_id, stage = stage_name, error = %e, "cannot route a method; not served");
                    continue;
                }
                let auth = self.method_auth(live, method).await;
                if let MethodAuth::Refused(why) = &auth {
                    tracing::error!(
                        api_id,
                        stage = stage_name,
                        method = what,
                        reason = why,
                        "the method refuses every request"
                    );
                }
                let integration = match &method.method_integration {
                    None => Err("the method has no integration".to_string()),
                    Some(i) => integrate::compile(i, &what).map_err(|e| e.0),
                };
                if let Err(e) = &integration {
                    tracing::error!(
                        api_id,
                        stage = stage_name,
                        method = what,
                        error = e,
                        "the integration cannot run; the method answers API_CONFIGURATION_ERROR"
                    );
                }
                let throttle =
                    usage.method_throttle(api_id, &live.stage, &resource.path, http_method);
                methods.push(CompiledMethod {
                    resource_path: resource.path.clone(),
                    http_method: http_method.clone(),
                    auth,
                    api_key_required: method.api_key_required,
                    throttle,
                    integration,
                });
            }
        }
        let (responses, problems) =
            GatewayResponses::compile(&snapshot.gateway_responses, &variables);
        for p in problems {
            tracing::error!(
                api_id,
                stage = stage_name,
                problem = p,
                "gateway response not applied"
            );
        }
        let method_keys: Vec<(&str, &str)> = methods
            .iter()
            .map(|m| (m.resource_path.as_str(), m.http_method.as_str()))
            .collect();
        let (stage_usage, problems) = usage.stage(
            api_id,
            stage_name,
            snapshot.api.api_key_source.as_deref(),
            &method_keys,
        );
        for p in problems {
            tracing::warn!(api_id, stage = stage_name, problem = p, "usage plan");
        }
        StageTable {
            variables,
            routes,
            methods,
            responses,
            usage: stage_usage,
            endpoint_disabled: snapshot.api.disable_execute_api_endpoint,
        }
    }

    /// How a method is authorized.
    async fn method_auth(&mut self, live: &LiveStage, method: &Method) -> MethodAuth {
        match method.authorization_type.as_str() {
            "NONE" => MethodAuth::Open,
            "COGNITO_USER_POOLS" => {
                let Some(id) = method.authorizer_id.as_deref() else {
                    return MethodAuth::Refused("no authorizer id".into());
                };
                match self.authorizer(live, id).await {
                    Ok(authorizer) => MethodAuth::Cognito {
                        authorizer,
                        scopes: method.authorization_scopes.clone(),
                    },
                    Err(e) => MethodAuth::Refused(format!("authorizer {id}: {e}")),
                }
            }
            "AWS_IAM" => MethodAuth::Refused("IAM authorization is not run by this server".into()),
            "CUSTOM" => MethodAuth::Refused("Lambda authorizers are not run by this server".into()),
            other => MethodAuth::Refused(format!("unknown authorization type {other}")),
        }
    }

    /// The compiled Cognito authorizer `id` of a stage's deployment; the
    /// previous table's when its pools resolve to the same keys.
    async fn authorizer(
        &mut self,
        live: &LiveStage,
        id: &str,
    ) -> Result<Arc<CognitoAuthorizer>, String> {
        let key = (
            live.api_id.clone(),
            live.deployment.deployment.id.clone(),
            id.to_string(),
        );
        if let Some(done) = self.authorizers.get(&key) {
            return Ok(done.clone());
        }
        let snapshot: &ApiDoc = &live.deployment.snapshot;
        let authorizer = snapshot
            .authorizers
            .get(id)
            .ok_or_else(|| "not in the deployment".to_string())?;
        if authorizer.kind != "COGNITO_USER_POOLS" {
            return Err(format!(
                "a {} authorizer is not run by this server",
                authorizer.kind
            ));
        }
        let mut issuers = Vec::new();
        for arn in &authorizer.provider_arns {
            let (pool_id, region) =
                parse_pool_arn(arn).ok_or_else(|| format!("{arn} is not a user pool ARN"))?;
            issuers.push(self.issuer(pool_id, region).await);
        }
        let compiled = match self.previous.authorizers.get(&key) {
            Some(old) if same_issuers(old.issuers(), &issuers) => old.clone(),
            _ => Arc::new(CognitoAuthorizer::compile(authorizer, issuers)?),
        };
        self.authorizers.insert(key, compiled.clone());
        Ok(compiled)
    }

    async fn issuer(&mut self, pool_id: &str, region: &str) -> Arc<Issuer> {
        if let Some(i) = self.resolved.get(pool_id) {
            return i.clone();
        }
        let issuer = self.issuers.resolve(pool_id, region).await;
        self.resolved.insert(pool_id.to_string(), issuer.clone());
        issuer
    }
}

/// Whether two lists of issuers verify the same tokens: remote issuers are
/// the same objects (their keys refresh in place), local ones hold the same
/// issuer and keys.
fn same_issuers(old: &[Arc<Issuer>], new: &[Arc<Issuer>]) -> bool {
    old.len() == new.len()
        && old.iter().zip(new).all(|(a, b)| {
            Arc::ptr_eq(a, b)
                || (!a.is_remote()
                    && !b.is_remote()
                    && a.iss() == b.iss()
                    && a.keys().jwks() == b.keys().jwks())
        })
}
