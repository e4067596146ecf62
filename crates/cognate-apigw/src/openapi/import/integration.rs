//! `x-amazon-apigateway-integration` -> [`Integration`].

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use super::super::names::is_method_token;
use super::super::node::Node;
use crate::model::{Integration, IntegrationResponse, TlsConfig};
use crate::ApiError;

/// `integration.request.{location}.{name}`.
static REQUEST_PARAMETER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^integration\.request\.(header|querystring|path|multivalueheader|multivaluequerystring)\.[^\s]+$",
    )
    .expect("static regex")
});

/// `method.response.header.{name}`.
static RESPONSE_PARAMETER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^method\.response\.header\.[^\s]+$").expect("static regex"));

/// API Gateway's ceiling and floor for `timeoutInMillis`.
const TIMEOUT_RANGE: std::ops::RangeInclusive<i64> = 50..=29_000;

/// Reads one integration object.
pub(super) fn integration(node: &Node<'_>) -> Result<Integration, ApiError> {
    node.object()?;
    let type_node = node.require("type")?;
    let kind = type_node.str()?.to_ascii_uppercase();
    match kind.as_str() {
        "HTTP" | "HTTP_PROXY" | "MOCK" => {}
        "AWS" | "AWS_PROXY" => {
            return Err(type_node.err(format!(
                "cognate does not run AWS service integrations (type '{}'); use http, http_proxy or mock",
                type_node.str()?
            )))
        }
        _ => {
            return Err(type_node.err(format!(
                "unsupported integration type '{}'",
                type_node.str()?
            )))
        }
    }
    let is_http = kind != "MOCK";
    let mut out = Integration {
        kind,
        timeout_in_millis: 29_000,
        ..Integration::default()
    };

    out.http_method = match node.get("httpMethod") {
        Some(m) => {
            let method = m.str()?;
            if !is_method_token(method) {
                return Err(m.err(format!("'{method}' is not an HTTP method")));
            }
            Some(method.to_ascii_uppercase())
        }
        None if is_http => {
            return Err(node.err("httpMethod: required for http and http_proxy integrations"))
        }
        None => None,
    };
    out.uri = match node.get("uri") {
        Some(u) => {
            let uri = u.str()?;
            if is_http && !is_backend_url(uri) {
                return Err(u.err(format!("'{uri}' is not an http:// or https:// URL")));
            }
            Some(uri.to_string())
        }
        None if is_http => {
            return Err(node.err("uri: required for http and http_proxy integrations"))
        }
        None => None,
    };
    if let Some(c) = node.get("connectionType") {
        match c.str()?.to_ascii_uppercase().as_str() {
            "INTERNET" => out.connection_type = Some("INTERNET".to_string()),
            "VPC_LINK" => return Err(c.err("VPC links are not available; use INTERNET")),
            other => return Err(c.err(format!("unknown connection type '{other}'"))),
        }
    }
    out.credentials = node.opt_str("credentials")?.map(str::to_string);

    out.request_parameters = node.string_map("requestParameters")?;
    if let Some(bad) = out
        .request_parameters
        .keys()
        .find(|k| !REQUEST_PARAMETER.is_match(k))
    {
        return Err(node.err(format!(
            "requestParameters: '{bad}' is not integration.request.{{header|querystring|path}}.NAME"
        )));
    }
    out.request_templates = node.string_map("requestTemplates")?;
    if let Some(p) = node.get("passthroughBehavior") {
        let value = p.str()?.to_ascii_uppercase();
        if !["WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"].contains(&value.as_str()) {
            return Err(p.err(format!(
                "'{}' is not when_no_match, when_no_templates or never",
                p.str()?
            )));
        }
        out.passthrough_behavior = Some(value);
    }
    out.content_handling = content_handling(node)?;
    if let Some(timeout) = node.opt_int("timeoutInMillis")? {
        if !TIMEOUT_RANGE.contains(&timeout) {
            return Err(node.err("timeoutInMillis: must be between 50 and 29000"));
        }
        out.timeout_in_millis = timeout;
    }
    out.cache_namespace = node.opt_str("cacheNamespace")?.map(str::to_string);
    out.cache_key_parameters = node.string_list("cacheKeyParameters")?;
    if let Some(tls) = node.get("tlsConfig") {
        tls.object()?;
        out.tls_config = Some(TlsConfig {
            insecure_skip_verification: tls.opt_bool("insecureSkipVerification")?.unwrap_or(false),
        });
    }
    if let Some(responses) = node.get("responses") {
        out.integration_responses = integration_responses(&responses)?;
    }
    Ok(out)
}

/// `http://…`, `https://…`, or a URL taken whole from a stage variable.
fn is_backend_url(uri: &str) -> bool {
    let lower = uri.to_ascii_lowercase();
    lower.starts_with("http://")
        || lower.starts_with("https://")
        || uri.starts_with("${stageVariables.")
}

fn content_handling(node: &Node<'_>) -> Result<Option<String>, ApiError> {
    let Some(c) = node.get("contentHandling") else {
        return Ok(None);
    };
    let value = c.str()?.to_ascii_uppercase();
    if value != "CONVERT_TO_TEXT" && value != "CONVERT_TO_BINARY" {
        return Err(c.err(format!(
            "'{}' is not CONVERT_TO_TEXT or CONVERT_TO_BINARY",
            c.str()?
        )));
    }
    Ok(Some(value))
}

/// `responses`: selection pattern (`default` for none) -> response, keyed
/// by status code in the model.
fn integration_responses(
    responses: &Node<'_>,
) -> Result<BTreeMap<String, IntegrationResponse>, ApiError> {
    let mut out: BTreeMap<String, IntegrationResponse> = BTreeMap::new();
    for (pattern, response) in responses.entries()? {
        response.object()?;
        let status_node = response.require("statusCode")?;
        let status = status_node.scalar_text()?;
        if !super::super::names::is_status_code(&status) {
            return Err(status_node.err(format!("'{status}' is not an HTTP status code")));
        }
        let selection_pattern = if pattern == "default" {
            None
        } else {
            Regex::new(pattern).map_err(|e| {
                response.err(format!("'{pattern}' is not a valid selection pattern: {e}"))
            })?;
            Some(pattern.to_string())
        };
        let response_parameters = response.string_map("responseParameters")?;
        if let Some(bad) = response_parameters
            .keys()
            .find(|k| !RESPONSE_PARAMETER.is_match(k))
        {
            return Err(response.err(format!(
                "responseParameters: '{bad}' is not method.response.header.NAME"
            )));
        }
        let parsed = IntegrationResponse {
            status_code: status.clone(),
            selection_pattern,
            response_parameters,
            response_templates: response.string_map("responseTemplates")?,
            content_handling: content_handling(&response)?,
        };
        if let Some(other) = out.insert(status.clone(), parsed) {
            let other = other.selection_pattern.as_deref().unwrap_or("default");
            return Err(response.err(format!(
                "responses '{other}' and '{pattern}' both answer with status {status}"
            )));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(v: serde_json::Value) -> Result<Integration, ApiError> {
        let doc = json!({ "i": v });
        integration(&Node::root(&doc).require("i").unwrap())
    }

    #[test]
    fn lowercase_types_and_behaviours_are_uppercased() {
        let i = parse(json!({
            "type": "http_proxy", "httpMethod": "get", "uri": "https://b.example/x",
            "passthroughBehavior": "when_no_match"
        }))
        .unwrap();
        assert_eq!(i.kind, "HTTP_PROXY");
        assert_eq!(i.http_method.as_deref(), Some("GET"));
        assert_eq!(i.passthrough_behavior.as_deref(), Some("WHEN_NO_MATCH"));
        assert_eq!(i.timeout_in_millis, 29_000);
    }

    #[test]
    fn http_integrations_need_a_method_and_an_http_url() {
        let err = parse(json!({"type": "http", "uri": "http://b"})).unwrap_err();
        assert!(
            err.message
                .ends_with("i: httpMethod: required for http and http_proxy integrations"),
            "{}",
            err.message
        );
        let err =
            parse(json!({"type": "http", "httpMethod": "GET", "uri": "ftp://b"})).unwrap_err();
        assert!(
            err.message.contains("i.uri: 'ftp://b' is not an http"),
            "{}",
            err.message
        );
        assert!(parse(
            json!({"type": "http", "httpMethod": "GET", "uri": "${stageVariables.url}"})
        )
        .is_ok());
    }

    #[test]
    fn mock_needs_neither_method_nor_uri() {
        let i = parse(json!({"type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"}})).unwrap();
        assert_eq!(i.kind, "MOCK");
        assert_eq!(i.uri, None);
    }

    #[test]
    fn timeouts_outside_50_to_29000_are_refused() {
        let err = parse(json!({"type": "mock", "timeoutInMillis": 30000})).unwrap_err();
        assert!(err
            .message
            .contains("timeoutInMillis: must be between 50 and 29000"));
    }

    #[test]
    fn responses_are_keyed_by_status_with_default_as_no_pattern() {
        let i = parse(json!({"type": "mock", "responses": {
            "default": {"statusCode": 200, "responseTemplates": {"application/json": "{}"}},
            "4\\d{2}": {"statusCode": "400", "responseParameters": {"method.response.header.X": "'a'"}}
        }}))
        .unwrap();
        assert_eq!(i.integration_responses["200"].selection_pattern, None);
        assert_eq!(
            i.integration_responses["400"].selection_pattern.as_deref(),
            Some("4\\d{2}")
        );
        assert_eq!(
            i.integration_responses["400"].response_parameters["method.response.header.X"],
            "'a'"
        );
    }

    #[test]
    fn two_patterns_with_one_status_are_refused() {
        let err = parse(json!({"type": "mock", "responses": {
            "default": {"statusCode": "200"}, "2\\d{2}": {"statusCode": "200"}
        }}))
        .unwrap_err();
        assert!(
            err.message.contains("both answer with status 200"),
            "{}",
            err.message
        );
    }

    #[test]
    fn malformed_parameter_mappings_are_refused() {
        let err =
            parse(json!({"type": "mock", "requestParameters": {"header.x": "'a'"}})).unwrap_err();
        assert!(
            err.message.contains("requestParameters: 'header.x'"),
            "{}",
            err.message
        );
        let err = parse(json!({"type": "mock", "responses": {"default": {"statusCode": "200", "responseParameters": {"x": "'a'"}}}})).unwrap_err();
        assert!(
            err.message
                .contains("responses.default: responseParameters: 'x'"),
            "{}",
            err.message
        );
    }
}
