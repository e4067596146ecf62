//! Checks shared by several objects: status codes, method tokens, parameter
//! names and mapping expressions, enums, regular expressions.

use std::collections::BTreeMap;

use crate::{ApiError, ApiResult};

/// A status code of a method or integration response: `100`..`599`.
pub fn status_code(code: &str) -> ApiResult<()> {
    let b = code.as_bytes();
    if b.len() == 3 && (b'1'..=b'5').contains(&b[0]) && b.iter().all(u8::is_ascii_digit) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "Invalid status code specified: '{code}'"
        )))
    }
}

/// An RFC 9110 token (`tchar`s): the syntax of methods and header names.
pub fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The method of a method resource, upper-cased. Any RFC 9110 token is
/// accepted (`PURCHASE`, `PROPFIND`, …), not only the verbs AWS lists, and
/// `ANY` stands for every method.
pub fn http_method(method: &str) -> ApiResult<String> {
    if is_token(method) {
        Ok(method.to_ascii_uppercase())
    } else {
        Err(ApiError::bad_request(format!(
            "Invalid HTTP method specified: '{method}'"
        )))
    }
}

/// One of a fixed set of values.
pub fn one_of(value: &str, allowed: &[&str], field: &str) -> ApiResult<()> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "Invalid value '{value}' for {field}: must be one of {}",
            allowed.join(", ")
        )))
    }
}

/// Like [`one_of`] for an optional value.
pub fn opt_one_of(value: Option<&str>, allowed: &[&str], field: &str) -> ApiResult<()> {
    value.map_or(Ok(()), |v| one_of(v, allowed, field))
}

/// `contentHandling` of integrations and their responses.
pub fn content_handling(value: Option<&str>) -> ApiResult<()> {
    opt_one_of(
        value,
        &["CONVERT_TO_BINARY", "CONVERT_TO_TEXT"],
        "contentHandling",
    )
}

/// A regular expression the data plane will compile.
pub fn regex(expr: &str, field: &str) -> ApiResult<()> {
    regex::Regex::new(expr).map(|_| ()).map_err(|e| {
        ApiError::bad_request(format!(
            "Invalid {field} '{expr}': not a valid regular expression: {e}"
        ))
    })
}

/// The locations a request parameter can come from.
const REQUEST_LOCATIONS: &[&str] = &[
    "path",
    "querystring",
    "header",
    "multivaluequerystring",
    "multivalueheader",
];

/// `{prefix}.{location}.{name}` with one of `locations` and a non-empty name.
fn located_name(key: &str, prefix: &str, locations: &[&str]) -> bool {
    let Some(rest) = key.strip_prefix(prefix) else {
        return false;
    };
    locations.iter().any(|loc| {
        rest.strip_prefix(loc)
            .and_then(|r| r.strip_prefix('.'))
            .is_some_and(|name| !name.is_empty() && !name.contains(char::is_whitespace))
    })
}

/// Keys of a method's `requestParameters`: `method.request.{location}.{name}`.
pub fn method_request_parameters(params: &BTreeMap<String, bool>) -> ApiResult<()> {
    for key in params.keys() {
        if !located_name(key, "method.request.", REQUEST_LOCATIONS) {
            return Err(invalid_parameter(key));
        }
    }
    Ok(())
}

/// Keys of an integration's `requestParameters`
/// (`integration.request.{location}.{name}`) and their mapping expressions.
pub fn integration_request_parameters(params: &BTreeMap<String, String>) -> ApiResult<()> {
    for (key, value) in params {
        if !located_name(key, "integration.request.", REQUEST_LOCATIONS) {
            return Err(invalid_parameter(key));
        }
        request_expression(value)?;
    }
    Ok(())
}

/// Keys of method responses' `responseParameters`: `method.response.header.{name}`.
pub fn method_response_parameters<V>(params: &BTreeMap<String, V>) -> ApiResult<()> {
    for key in params.keys() {
        if !located_name(key, "method.response.", &["header"]) {
            return Err(invalid_parameter(key));
        }
    }
    Ok(())
}

/// Mapping expressions of integration responses' `responseParameters`.
pub fn integration_response_parameters(params: &BTreeMap<String, String>) -> ApiResult<()> {
    method_response_parameters(params)?;
    for value in params.values() {
        let ok = is_static(value)
            || value.starts_with("integration.response.body")
            || located_name(
                value,
                "integration.response.",
                &["header", "multivalueheader"],
            )
            || is_context_or_stage(value);
        if !ok {
            return Err(invalid_expression(value));
        }
    }
    Ok(())
}

/// Keys (`gatewayresponse.{header|querystring|path}.X`) and values of a
/// gateway response's `responseParameters`.
pub fn gateway_response_parameters(params: &BTreeMap<String, String>) -> ApiResult<()> {
    for (key, value) in params {
        if !located_name(key, "gatewayresponse.", &["header", "querystring", "path"]) {
            return Err(invalid_parameter(key));
        }
        request_expression(value)?;
    }
    Ok(())
}

/// A value mapped from the request: `'static'`, `method.request.{location}.X`,
/// `method.request.body[.path]`, `context.X` or `stageVariables.X`.
fn request_expression(value: &str) -> ApiResult<()> {
    let ok = is_static(value)
        || located_name(value, "method.request.", REQUEST_LOCATIONS)
        || value == "method.request.body"
        || value.starts_with("method.request.body.")
        || is_context_or_stage(value);
    if ok {
        Ok(())
    } else {
        Err(invalid_expression(value))
    }
}

fn is_static(value: &str) -> bool {
    value.len() >= 2 && value.starts_with('\'') && value.ends_with('\'')
}

fn is_context_or_stage(value: &str) -> bool {
    ["context.", "stageVariables."]
        .iter()
        .any(|p| value.strip_prefix(p).is_some_and(|rest| !rest.is_empty()))
}

fn invalid_parameter(key: &str) -> ApiError {
    ApiError::bad_request(format!("Invalid mapping expression specified: {key}"))
}

fn invalid_expression(value: &str) -> ApiError {
    ApiError::bad_request(format!(
        "Invalid mapping expression specified: Validation Result: errors : [Invalid mapping expression parameter specified: {value}]"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_are_three_digits_from_100_to_599() {
        assert!(status_code("200").is_ok());
        assert!(status_code("599").is_ok());
        assert!(status_code("600").is_err());
        assert!(status_code("20").is_err());
        assert!(status_code("2x0").is_err());
    }

    #[test]
    fn any_token_is_a_method_and_is_upper_cased() {
        assert_eq!(http_method("purchase").unwrap(), "PURCHASE");
        assert_eq!(http_method("ANY").unwrap(), "ANY");
        assert!(http_method("GE T").is_err());
        assert!(http_method("").is_err());
    }

    #[test]
    fn request_mappings_accept_claims_stage_variables_and_statics() {
        let params = BTreeMap::from([
            (
                "integration.request.header.x-sub".to_string(),
                "context.authorizer.claims.sub".to_string(),
            ),
            (
                "integration.request.path.id".to_string(),
                "method.request.path.id".to_string(),
            ),
            (
                "integration.request.querystring.s".to_string(),
                "stageVariables.s".to_string(),
            ),
            (
                "integration.request.header.x-k".to_string(),
                "'fixed'".to_string(),
            ),
        ]);
        assert!(integration_request_parameters(&params).is_ok());
        let bad = BTreeMap::from([(
            "integration.request.header.x".to_string(),
            "request.header.y".to_string(),
        )]);
        assert!(integration_request_parameters(&bad).is_err());
        let bad_key = BTreeMap::from([(
            "integration.request.cookie.x".to_string(),
            "'a'".to_string(),
        )]);
        assert!(integration_request_parameters(&bad_key).is_err());
    }
}
