//! The API Gateway objects, shaped as the `apigateway` API returns them
//! (camelCase JSON, epoch-second timestamps), so the stored document, the
//! management API's response and the deployment snapshot are one type.
//!
//! A REST API is stored as one [`ApiDoc`]: the API, its resource tree (each
//! resource holding its methods, each method its integration and responses),
//! its authorizers and its customised gateway responses. A deployment is an
//! immutable copy of that document ([`DeploymentDoc`]); a stage points at one.
//! API keys, usage plans and their keys are documents of their own, shared by
//! every API.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Document kinds in the [`DocStore`](cognate_core::store::DocStore).
pub mod kind {
    /// id: api id; body: [`ApiDoc`](super::ApiDoc).
    pub const REST_API: &str = "apigw.restapi";
    /// id: `"{apiId}/{deploymentId}"`; body: [`DeploymentDoc`](super::DeploymentDoc).
    pub const DEPLOYMENT: &str = "apigw.deployment";
    /// id: `"{apiId}/{stageName}"`; body: [`Stage`](super::Stage).
    pub const STAGE: &str = "apigw.stage";
    /// id: key id; body: [`ApiKey`](super::ApiKey).
    pub const API_KEY: &str = "apigw.apikey";
    /// id: the key's value; body: the key id (keeps values unique).
    pub const API_KEY_VALUE: &str = "apigw.apikey-value";
    /// id: plan id; body: [`UsagePlan`](super::UsagePlan).
    pub const USAGE_PLAN: &str = "apigw.usageplan";
    /// id: `"{planId}/{keyId}"`; body: [`UsagePlanKey`](super::UsagePlanKey).
    pub const USAGE_PLAN_KEY: &str = "apigw.usageplankey";
}

pub type StringMap = BTreeMap<String, String>;

fn is_false(b: &bool) -> bool {
    !*b
}

/// One REST API as stored: everything a deployment snapshots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiDoc {
    pub api: RestApi,
    /// By resource id. The root (`/`) is `api.root_resource_id`.
    #[serde(default)]
    pub resources: BTreeMap<String, Resource>,
    /// By authorizer id.
    #[serde(default)]
    pub authorizers: BTreeMap<String, Authorizer>,
    /// Customised gateway responses by response type (`UNAUTHORIZED`, …);
    /// the defaults are not stored.
    #[serde(default)]
    pub gateway_responses: BTreeMap<String, GatewayResponse>,
    /// Models by name.
    #[serde(default)]
    pub models: BTreeMap<String, Model>,
    /// Request validators by id.
    #[serde(default)]
    pub request_validators: BTreeMap<String, RequestValidator>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestApi {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Epoch seconds.
    pub created_date: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub binary_media_types: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_compression_size: Option<i64>,
    /// `HEADER` (the default) or `AUTHORIZER`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_configuration: Option<EndpointConfiguration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: StringMap,
    #[serde(default)]
    pub disable_execute_api_endpoint: bool,
    pub root_resource_id: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointConfiguration {
    #[serde(default)]
    pub types: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vpc_endpoint_ids: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    pub id: String,
    /// Absent on the root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// Absent on the root; a literal (`pets`), `{petId}` or greedy `{proxy+}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_part: Option<String>,
    /// The full path: `/`, `/pets`, `/pets/{petId}`.
    pub path: String,
    /// By HTTP method (`GET`, `ANY`, `PURCHASE`, …).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resource_methods: BTreeMap<String, Method>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Method {
    pub http_method: String,
    /// `NONE`, `AWS_IAM`, `CUSTOM` or `COGNITO_USER_POOLS`.
    pub authorization_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_id: Option<String>,
    #[serde(default)]
    pub api_key_required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_validator_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_name: Option<String>,
    /// `method.request.{header|path|querystring}.X` -> required.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub request_parameters: BTreeMap<String, bool>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub request_models: StringMap,
    /// By status code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub method_responses: BTreeMap<String, MethodResponse>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method_integration: Option<Integration>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorization_scopes: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodResponse {
    pub status_code: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub response_parameters: BTreeMap<String, bool>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub response_models: StringMap,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Integration {
    /// `HTTP`, `HTTP_PROXY`, `MOCK`, `AWS` or `AWS_PROXY`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The method used towards the backend (`integrationHttpMethod` in PutIntegration).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_method: Option<String>,
    /// The backend URL; may hold `{param}` (from `integration.request.path.param`)
    /// and `${stageVariables.x}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<String>,
    /// `integration.request.{header|path|querystring}.X` -> a mapping expression.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub request_parameters: StringMap,
    /// Content type -> template (MOCK: `{"statusCode": 200}`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub request_templates: StringMap,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passthrough_behavior: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_handling: Option<String>,
    /// 50..=29000; 29000 when not given.
    pub timeout_in_millis: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_namespace: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cache_key_parameters: Vec<String>,
    /// By status code.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub integration_responses: BTreeMap<String, IntegrationResponse>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_config: Option<TlsConfig>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TlsConfig {
    #[serde(default, skip_serializing_if = "is_false")]
    pub insecure_skip_verification: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationResponse {
    pub status_code: String,
    /// A regex matched against the backend's status code (HTTP) or error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection_pattern: Option<String>,
    /// `method.response.header.X` -> `integration.response.header.Y` or `'static'`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub response_parameters: StringMap,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub response_templates: StringMap,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_handling: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Authorizer {
    pub id: String,
    pub name: String,
    /// `TOKEN`, `REQUEST` or `COGNITO_USER_POOLS`.
    #[serde(rename = "type")]
    pub kind: String,
    /// User pool ARNs (`arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}`).
    #[serde(
        default,
        rename = "providerARNs",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub provider_arns: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_credentials: Option<String>,
    /// `method.request.header.Authorization` when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_source: Option<String>,
    /// Cognito: a regex the ID token's `aud` must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_validation_expression: Option<String>,
    /// 0..=3600; 300 when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_result_ttl_in_seconds: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayResponse {
    pub response_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub response_parameters: StringMap,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub response_templates: StringMap,
    #[serde(default)]
    pub default_response: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Model {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub content_type: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestValidator {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub validate_request_body: bool,
    #[serde(default)]
    pub validate_request_parameters: bool,
}

/// A deployment as stored: the summary the API returns plus the snapshot the
/// gateway serves. Never changed after creation (but its description).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentDoc {
    pub deployment: Deployment,
    pub snapshot: ApiDoc,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub created_date: i64,
    /// path -> method -> {authorizationType, apiKeyRequired}.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub api_summary: BTreeMap<String, BTreeMap<String, MethodSnapshot>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodSnapshot {
    pub authorization_type: String,
    #[serde(default)]
    pub api_key_required: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stage {
    pub deployment_id: String,
    pub stage_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub cache_cluster_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_cluster_status: Option<String>,
    /// `"{resourcePath}/{httpMethod}"` (or `*/*`) -> settings.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub method_settings: BTreeMap<String, MethodSetting>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub variables: StringMap,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_version: Option<String>,
    #[serde(default)]
    pub tracing_enabled: bool,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: StringMap,
    pub created_date: i64,
    pub last_updated_date: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodSetting {
    #[serde(default)]
    pub metrics_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging_level: Option<String>,
    #[serde(default)]
    pub data_trace_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttling_burst_limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttling_rate_limit: Option<f64>,
    #[serde(default)]
    pub caching_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_ttl_in_seconds: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    pub id: String,
    pub value: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub enabled: bool,
    pub created_date: i64,
    pub last_updated_date: i64,
    /// `"{apiId}/{stage}"`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stage_keys: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: StringMap,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsagePlan {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub api_stages: Vec<ApiStage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttle: Option<ThrottleSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<QuotaSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_code: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: StringMap,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiStage {
    pub api_id: String,
    pub stage: String,
    /// `"{resourcePath}/{httpMethod}"` -> per-method throttle.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub throttle: BTreeMap<String, ThrottleSettings>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThrottleSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burst_limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuotaSettings {
    pub limit: i64,
    #[serde(default)]
    pub offset: i64,
    /// `DAY`, `WEEK` or `MONTH`.
    pub period: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsagePlanKey {
    /// The API key id.
    pub id: String,
    /// Always `API_KEY`.
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
    pub name: String,
}

/// What the gateway serves: every stage with the deployment it points at,
/// and the API keys and usage plans that apply to them. Built by
/// [`ApiGateway::live`](crate::service::ApiGateway::live) off the request
/// path; the gateway compiles it into its route table.
#[derive(Debug, Clone, Default)]
pub struct LiveConfig {
    pub stages: Vec<LiveStage>,
    pub api_keys: Vec<ApiKey>,
    /// Each plan with the ids of its keys.
    pub usage_plans: Vec<(UsagePlan, Vec<String>)>,
}

#[derive(Debug, Clone)]
pub struct LiveStage {
    pub api_id: String,
    pub stage: Stage,
    /// Shared between stages that point at the same deployment.
    pub deployment: std::sync::Arc<DeploymentDoc>,
}
