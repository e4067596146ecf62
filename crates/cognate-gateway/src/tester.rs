//! `TestInvokeAuthorizer`: the control plane asks the gateway to run one of
//! an API's Cognito authorizers on headers the caller gives, the way the data
//! plane would — same pools, keys and checks, without the result cache.
//! Without a method in view, an ID token whose `aud` matches or any access
//! token passes.

use std::collections::BTreeMap;
use std::time::Instant;

use async_trait::async_trait;
use cognate_apigw::model::{ApiDoc, Authorizer};
use cognate_apigw::service::authorizers::{AuthorizerTester, TestInvokeAuthorizerResult};
use http::header::{HeaderName, HeaderValue};
use http::HeaderMap;
use serde_json::Value;

use crate::authorize::{Claims, CognitoAuthorizer};
use crate::issuers::parse_pool_arn;
use crate::Gateway;

#[async_trait]
impl AuthorizerTester for Gateway {
    async fn test(
        &self,
        _api: &ApiDoc,
        authorizer: &Authorizer,
        headers: &BTreeMap<String, String>,
        _stage_variables: &BTreeMap<String, String>,
    ) -> TestInvokeAuthorizerResult {
        let started = Instant::now();
        let (client_status, claims, log) = match self.run_test(authorizer, headers).await {
            Ok(claims) => (
                200,
                claims_as_strings(&claims),
                format!("Authorizer {}: the token is valid", authorizer.id),
            ),
            Err((status, why)) => (
                status,
                BTreeMap::new(),
                format!("Authorizer {}: {why}", authorizer.id),
            ),
        };
        TestInvokeAuthorizerResult {
            client_status,
            latency_ms: started.elapsed().as_millis().try_into().unwrap_or(i64::MAX),
            principal_id: None,
            claims,
            log,
        }
    }
}

impl Gateway {
    /// The claims of the token in `headers`, or the status the gateway would
    /// answer with and why.
    async fn run_test(
        &self,
        authorizer: &Authorizer,
        headers: &BTreeMap<String, String>,
    ) -> Result<Claims, (i32, String)> {
        if authorizer.kind != "COGNITO_USER_POOLS" {
            return Err((
                500,
                format!("{} authorizers are not run by this server", authorizer.kind),
            ));
        }
        let mut issuers = Vec::new();
        for arn in &authorizer.provider_arns {
            let (pool_id, region) = parse_pool_arn(arn)
                .ok_or_else(|| (500, format!("{arn} is not a user pool ARN")))?;
            issuers.push(self.issuers.resolve(pool_id, region).await);
        }
        let uncached = Authorizer {
            authorizer_result_ttl_in_seconds: Some(0),
            ..authorizer.clone()
        };
        let compiled = CognitoAuthorizer::compile(&uncached, issuers).map_err(|e| (500, e))?;
        let headers: HeaderMap = headers
            .iter()
            .filter_map(|(k, v)| {
                Some((
                    HeaderName::from_bytes(k.as_bytes()).ok()?,
                    HeaderValue::from_str(v).ok()?,
                ))
            })
            .collect();
        compiled
            .inspect(&headers, self.clock.now_secs())
            .map_err(|reject| (401, reject.message().to_string()))
    }
}

/// Every claim as a string, as the API reports them.
fn claims_as_strings(claims: &Claims) -> BTreeMap<String, String> {
    claims
        .iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), text)
        })
        .collect()
}
