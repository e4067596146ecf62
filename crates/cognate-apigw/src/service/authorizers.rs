//! Authorizers: `CreateAuthorizer`, `GetAuthorizer(s)`, `UpdateAuthorizer`,
//! `DeleteAuthorizer` and `TestInvokeAuthorizer`.
//!
//! `COGNITO_USER_POOLS` authorizers are what the gateway enforces. `TOKEN`
//! and `REQUEST` (Lambda) authorizers are stored and exported, but the
//! gateway does not run Lambda functions.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use async_trait::async_trait;
use regex::Regex;
use serde::{Deserialize, Serialize};

use super::methods::validate_method;
use super::paging::{page_of, Page, PageRequest};
use super::validate::{is_token, one_of, regex};
use super::ApiGateway;
use crate::error::ErrorKind;
use crate::model::{ApiDoc, Authorizer, StringMap};
use crate::patch::{self, PatchOperation};
use crate::{ApiError, ApiResult};

/// Authorizers one API may have.
pub const MAX_AUTHORIZERS: usize = 10;
/// The default and largest result cache TTL.
pub const DEFAULT_TTL_SECS: i64 = 300;
pub const MAX_TTL_SECS: i64 = 3600;
pub const DEFAULT_IDENTITY_SOURCE: &str = "method.request.header.Authorization";

/// The body of `CreateAuthorizer`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CreateAuthorizer {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(rename = "providerARNs")]
    pub provider_arns: Vec<String>,
    pub auth_type: Option<String>,
    pub authorizer_uri: Option<String>,
    pub authorizer_credentials: Option<String>,
    pub identity_source: Option<String>,
    pub identity_validation_expression: Option<String>,
    pub authorizer_result_ttl_in_seconds: Option<i64>,
}

/// The body of `TestInvokeAuthorizer`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TestInvokeAuthorizer {
    pub headers: StringMap,
    pub multi_value_headers: BTreeMap<String, Vec<String>>,
    pub path_with_query_string: Option<String>,
    pub body: Option<String>,
    pub stage_variables: StringMap,
    pub additional_context: StringMap,
}

/// What a test invocation of an authorizer found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TestInvokeAuthorizerResult {
    /// The status the gateway would answer with (200 when authorized).
    pub client_status: i32,
    #[serde(rename = "latency")]
    pub latency_ms: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    /// The token's claims, every value as a string.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub claims: BTreeMap<String, String>,
    pub log: String,
}

/// Runs an authorizer the way the data plane would, for
/// `TestInvokeAuthorizer`. The gateway provides it; without one the
/// operation is refused.
#[async_trait]
pub trait AuthorizerTester: Send + Sync + 'static {
    async fn test(
        &self,
        api: &ApiDoc,
        authorizer: &Authorizer,
        headers: &BTreeMap<String, String>,
        stage_variables: &BTreeMap<String, String>,
    ) -> TestInvokeAuthorizerResult;
}

/// Whether `arn` is a user pool ARN the authorizer rules accept (also used
/// by OpenAPI import, so that both refuse the same ARNs).
pub(crate) fn is_user_pool_arn(arn: &str) -> bool {
    user_pool_arn().is_match(arn)
}

/// `arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}`.
fn user_pool_arn() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:[0-9]{12}:userpool/[A-Za-z0-9-]+_[A-Za-z0-9]+$")
            .expect("static regex")
    })
}

/// The header a `method.request.header.X` identity source names.
pub fn identity_header(source: &str) -> Option<&str> {
    source
        .strip_prefix("method.request.header.")
        .filter(|h| is_token(h))
}

/// One item of a `REQUEST` authorizer's comma-separated identity sources.
fn is_request_identity(source: &str) -> bool {
    [
        "method.request.header.",
        "method.request.querystring.",
        "stageVariables.",
        "context.",
    ]
    .iter()
    .any(|p| source.strip_prefix(p).is_some_and(|rest| !rest.is_empty()))
}

/// The rules every authorizer satisfies, after create and after every patch.
pub fn validate_authorizer(a: &Authorizer) -> ApiResult<()> {
    if a.name.trim().is_empty() {
        return Err(ApiError::bad_request(
            "The authorizer name must not be empty",
        ));
    }
    one_of(&a.kind, &["TOKEN", "REQUEST", "COGNITO_USER_POOLS"], "type")?;
    let source = a
        .identity_source
        .as_deref()
        .unwrap_or(DEFAULT_IDENTITY_SOURCE);
    match a.kind.as_str() {
        "COGNITO_USER_POOLS" => {
            if a.provider_arns.is_empty() {
                return Err(ApiError::bad_request(
                    "providerARNs must name at least one user pool for a COGNITO_USER_POOLS authorizer",
                ));
            }
            if let Some(bad) = a
                .provider_arns
                .iter()
                .find(|arn| !user_pool_arn().is_match(arn))
            {
                return Err(ApiError::bad_request(format!(
                    "Invalid ARN specified in the request: '{bad}' is not of the form arn:aws:cognito-idp:{{region}}:{{account}}:userpool/{{poolId}}"
                )));
            }
            if identity_header(source).is_none() {
                return Err(ApiError::bad_request(format!(
                    "Invalid identity source '{source}': a COGNITO_USER_POOLS authorizer reads method.request.header.<Name>"
                )));
            }
        }
        "TOKEN" => {
            require_uri(a)?;
            if identity_header(source).is_none() {
                return Err(ApiError::bad_request(format!(
                    "Invalid identity source '{source}': a TOKEN authorizer reads method.request.header.<Name>"
                )));
            }
        }
        _ => {
            require_uri(a)?;
            if let Some(s) = &a.identity_source {
                if let Some(bad) = s
                    .split(',')
                    .map(str::trim)
                    .find(|i| !is_request_identity(i))
                {
                    return Err(ApiError::bad_request(format!(
                        "Invalid identity source '{bad}' for a REQUEST authorizer"
                    )));
                }
            }
        }
    }
    if let Some(expr) = &a.identity_validation_expression {
        regex(expr, "identityValidationExpression")?;
    }
    if let Some(ttl) = a.authorizer_result_ttl_in_seconds {
        if !(0..=MAX_TTL_SECS).contains(&ttl) {
            return Err(ApiError::bad_request(format!(
                "authorizerResultTtlInSeconds must be between 0 and {MAX_TTL_SECS}"
            )));
        }
    }
    Ok(())
}

fn require_uri(a: &Authorizer) -> ApiResult<()> {
    if a.authorizer_uri.as_deref().unwrap_or_default().is_empty() {
        return Err(ApiError::bad_request(format!(
            "authorizerUri is required for a {} authorizer",
            a.kind
        )));
    }
    Ok(())
}

/// Names are unique within an API (OpenAPI documents refer to them by name).
fn check_unique_name(doc: &ApiDoc, a: &Authorizer) -> ApiResult<()> {
    if doc
        .authorizers
        .values()
        .any(|other| other.id != a.id && other.name == a.name)
    {
        return Err(ApiError::conflict(format!(
            "An authorizer named '{}' already exists in this API",
            a.name
        )));
    }
    Ok(())
}

/// "GET /pets"-style names of the methods that use authorizer `id`.
fn methods_using(doc: &ApiDoc, id: &str) -> Vec<String> {
    doc.resources
        .values()
        .flat_map(|r| {
            r.resource_methods
                .values()
                .filter(|m| m.authorizer_id.as_deref() == Some(id))
                .map(move |m| format!("{} {}", m.http_method, r.path))
        })
        .collect()
}

fn authorizer<'a>(doc: &'a ApiDoc, id: &str) -> ApiResult<&'a Authorizer> {
    doc.authorizers.get(id).ok_or_else(ApiError::not_found)
}

impl ApiGateway {
    pub async fn create_authorizer(
        &self,
        api_id: &str,
        input: CreateAuthorizer,
    ) -> ApiResult<Authorizer> {
        let cognito = input.kind == "COGNITO_USER_POOLS";
        let a = Authorizer {
            id: self.short_id(),
            name: input.name,
            kind: input.kind,
            provider_arns: input.provider_arns,
            auth_type: input
                .auth_type
                .or_else(|| cognito.then(|| "cognito_user_pools".to_string())),
            authorizer_uri: input.authorizer_uri,
            authorizer_credentials: input.authorizer_credentials,
            identity_source: Some(
                input
                    .identity_source
                    .unwrap_or_else(|| DEFAULT_IDENTITY_SOURCE.into()),
            ),
            identity_validation_expression: input.identity_validation_expression,
            authorizer_result_ttl_in_seconds: Some(
                input
                    .authorizer_result_ttl_in_seconds
                    .unwrap_or(DEFAULT_TTL_SECS),
            ),
        };
        validate_authorizer(&a)?;
        self.modify_api(api_id, |doc| {
            if doc.authorizers.len() >= MAX_AUTHORIZERS {
                return Err(ApiError::new(
                    ErrorKind::LimitExceeded,
                    format!("An API may have at most {MAX_AUTHORIZERS} authorizers"),
                ));
            }
            check_unique_name(doc, &a)?;
            doc.authorizers.insert(a.id.clone(), a.clone());
            Ok(a.clone())
        })
        .await
    }

    pub async fn get_authorizer(&self, api_id: &str, id: &str) -> ApiResult<Authorizer> {
        let doc = self.api_doc(api_id).await?;
        authorizer(&doc, id).cloned()
    }

    pub async fn get_authorizers(
        &self,
        api_id: &str,
        page: &PageRequest,
    ) -> ApiResult<Page<Authorizer>> {
        let doc = self.api_doc(api_id).await?;
        page_of(doc.authorizers.into_values(), |a| a.id.clone(), page)
    }

    /// Patches an authorizer; the methods that use it must still be valid
    /// (a Cognito method cannot end up pointing at a TOKEN authorizer).
    pub async fn update_authorizer(
        &self,
        api_id: &str,
        id: &str,
        ops: &[PatchOperation],
    ) -> ApiResult<Authorizer> {
        self.modify_api(api_id, |doc| {
            let mut a = authorizer(doc, id)?.clone();
            patch::apply(&mut a, ops, patch::authorizer)?;
            validate_authorizer(&a)?;
            check_unique_name(doc, &a)?;
            doc.authorizers.insert(id.to_string(), a.clone());
            for r in doc.resources.values() {
                for m in r.resource_methods.values() {
                    if m.authorizer_id.as_deref() == Some(id) {
                        validate_method(doc, m)?;
                    }
                }
            }
            Ok(a)
        })
        .await
    }

    /// Refused while a method uses the authorizer.
    pub async fn delete_authorizer(&self, api_id: &str, id: &str) -> ApiResult<()> {
        self.modify_api(api_id, |doc| {
            authorizer(doc, id)?;
            let users = methods_using(doc, id);
            if !users.is_empty() {
                return Err(ApiError::conflict(format!(
                    "Cannot delete authorizer {id}: it is used by {}",
                    users.join(", ")
                )));
            }
            doc.authorizers.remove(id);
            Ok(())
        })
        .await
    }

    /// Runs the authorizer on the given headers through the gateway's tester.
    pub async fn test_invoke_authorizer(
        &self,
        api_id: &str,
        id: &str,
        input: TestInvokeAuthorizer,
    ) -> ApiResult<TestInvokeAuthorizerResult> {
        let doc = self.api_doc(api_id).await?;
        let a = authorizer(&doc, id)?;
        let tester = self.authorizer_tester().ok_or_else(|| {
            ApiError::bad_request(
                "Authorizer testing is not available: no gateway is running in this server",
            )
        })?;
        let mut headers = input.headers;
        for (name, values) in input.multi_value_headers {
            if let Some(first) = values.into_iter().next() {
                headers.entry(name).or_insert(first);
            }
        }
        Ok(tester.test(&doc, a, &headers, &input.stage_variables).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_pool_arns_are_recognised() {
        assert!(user_pool_arn()
            .is_match("arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_AbC123xyZ"));
        assert!(!user_pool_arn().is_match("arn:aws:cognito-idp:us-east-1:000000000000:userpool/"));
        assert!(!user_pool_arn().is_match("arn:aws:iam::000000000000:role/x"));
    }

    #[test]
    fn identity_header_is_the_named_header() {
        assert_eq!(
            identity_header("method.request.header.Authorization"),
            Some("Authorization")
        );
        assert_eq!(identity_header("method.request.querystring.token"), None);
        assert_eq!(identity_header("method.request.header."), None);
    }
}
