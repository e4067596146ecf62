//! Names that import and export must agree on: the `x-amazon-apigateway-*`
//! extensions, the standard OpenAPI operations, and how model references
//! are written in each place.

use super::source::Dialect;

pub(crate) const INTEGRATION: &str = "x-amazon-apigateway-integration";
pub(crate) const AUTHORIZER: &str = "x-amazon-apigateway-authorizer";
pub(crate) const AUTHTYPE: &str = "x-amazon-apigateway-authtype";
pub(crate) const ANY_METHOD: &str = "x-amazon-apigateway-any-method";
pub(crate) const AUTH: &str = "x-amazon-apigateway-auth";
pub(crate) const GATEWAY_RESPONSES: &str = "x-amazon-apigateway-gateway-responses";
pub(crate) const BINARY_MEDIA_TYPES: &str = "x-amazon-apigateway-binary-media-types";
pub(crate) const API_KEY_SOURCE: &str = "x-amazon-apigateway-api-key-source";
pub(crate) const REQUEST_VALIDATORS: &str = "x-amazon-apigateway-request-validators";
pub(crate) const REQUEST_VALIDATOR: &str = "x-amazon-apigateway-request-validator";
pub(crate) const MINIMUM_COMPRESSION_SIZE: &str = "x-amazon-apigateway-minimum-compression-size";
pub(crate) const POLICY: &str = "x-amazon-apigateway-policy";
pub(crate) const ENDPOINT_CONFIGURATION: &str = "x-amazon-apigateway-endpoint-configuration";

/// Every `x-amazon-apigateway-*` extension starts with this.
pub(crate) const EXTENSION_PREFIX: &str = "x-amazon-apigateway-";

/// The name of the API key security scheme on export.
pub(crate) const API_KEY_SCHEME: &str = "api_key";
/// The header API keys are sent in.
pub(crate) const API_KEY_HEADER: &str = "x-api-key";
/// The name of the SigV4 (`AWS_IAM`) security scheme on export.
pub(crate) const SIGV4_SCHEME: &str = "sigv4";
/// `x-amazon-apigateway-authtype` of a SigV4 scheme.
pub(crate) const SIGV4_AUTHTYPE: &str = "awsSigv4";

/// The operations OpenAPI itself defines on a path item, as API Gateway
/// methods. Other method tokens (and `ANY`) are written with extensions.
pub(crate) const STANDARD_METHODS: &[&str] =
    &["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH"];

/// The gateway response types API Gateway knows.
pub(crate) const GATEWAY_RESPONSE_TYPES: &[&str] = &[
    "DEFAULT_4XX",
    "DEFAULT_5XX",
    "RESOURCE_NOT_FOUND",
    "UNAUTHORIZED",
    "INVALID_API_KEY",
    "ACCESS_DENIED",
    "AUTHORIZER_FAILURE",
    "AUTHORIZER_CONFIGURATION_ERROR",
    "INVALID_SIGNATURE",
    "EXPIRED_TOKEN",
    "MISSING_AUTHENTICATION_TOKEN",
    "INTEGRATION_FAILURE",
    "INTEGRATION_TIMEOUT",
    "API_CONFIGURATION_ERROR",
    "UNSUPPORTED_MEDIA_TYPE",
    "BAD_REQUEST_PARAMETERS",
    "BAD_REQUEST_BODY",
    "REQUEST_TOO_LARGE",
    "THROTTLED",
    "QUOTA_EXCEEDED",
    "WAF_FILTERED",
];

/// Where a dialect keeps its models, as a `$ref` prefix.
pub(crate) fn local_model_prefix(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Oas3 => "#/components/schemas/",
        Dialect::Swagger2 => "#/definitions/",
    }
}

/// How a stored model schema refers to another model of the same API
/// (API Gateway's own form, independent of the document's dialect).
pub(crate) fn stored_model_ref(api_id: &str, model: &str) -> String {
    format!("https://apigateway.amazonaws.com/restapis/{api_id}/models/{model}")
}

/// The model name in a stored model reference.
pub(crate) fn model_of_stored_ref(reference: &str) -> Option<&str> {
    let rest = reference.strip_prefix("https://apigateway.amazonaws.com/restapis/")?;
    let (_, model) = rest.split_once("/models/")?;
    (!model.is_empty()).then_some(model)
}

/// The model name in a document's local reference, in either dialect.
pub(crate) fn model_of_local_ref(reference: &str) -> Option<&str> {
    [Dialect::Oas3, Dialect::Swagger2]
        .into_iter()
        .find_map(|d| reference.strip_prefix(local_model_prefix(d)))
        .filter(|m| !m.is_empty())
}

/// A three-digit HTTP status code (`100`..=`599`).
pub(crate) fn is_status_code(code: &str) -> bool {
    code.len() == 3
        && code.bytes().all(|b| b.is_ascii_digit())
        && (b'1'..=b'5').contains(&code.as_bytes()[0])
}

/// An HTTP method token (RFC 9110 `tchar`s, letters in practice).
pub(crate) fn is_method_token(token: &str) -> bool {
    !token.is_empty() && token.len() <= 32 && token.bytes().all(|b| b.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_references_round_trip_between_forms() {
        let stored = stored_model_ref("abc123defg", "Pet");
        assert_eq!(model_of_stored_ref(&stored), Some("Pet"));
        assert_eq!(model_of_local_ref("#/components/schemas/Pet"), Some("Pet"));
        assert_eq!(model_of_local_ref("#/definitions/Pet"), Some("Pet"));
        assert_eq!(model_of_local_ref("#/parameters/Pet"), None);
    }

    #[test]
    fn status_codes_are_three_digits_from_1_to_5() {
        assert!(is_status_code("200"));
        assert!(is_status_code("599"));
        assert!(!is_status_code("2XX"));
        assert!(!is_status_code("600"));
        assert!(!is_status_code("default"));
    }
}
