//! [`ApiDoc`] -> OpenAPI 3.0.1 or Swagger 2.0 JSON, as a stage serves it.

mod operation;

use serde_json::{json, Map, Value};

use super::names::{
    local_model_prefix, model_of_stored_ref, ANY_METHOD, API_KEY_HEADER, API_KEY_SCHEME,
    API_KEY_SOURCE, AUTHORIZER, AUTHTYPE, BINARY_MEDIA_TYPES, GATEWAY_RESPONSES,
    MINIMUM_COMPRESSION_SIZE, POLICY, REQUEST_VALIDATORS, SIGV4_AUTHTYPE, SIGV4_SCHEME,
    STANDARD_METHODS,
};
use super::source::Dialect;
use super::ExportFormat;
use crate::model::{ApiDoc, Authorizer, Stage};
use crate::service::authorizers::identity_header;

/// See [`super::export`].
pub(super) fn run(
    doc: &ApiDoc,
    stage: &Stage,
    format: ExportFormat,
    extensions: bool,
    base_url: &str,
) -> Value {
    let dialect = match format {
        ExportFormat::Oas30 => Dialect::Oas3,
        ExportFormat::Swagger => Dialect::Swagger2,
    };
    let mut out = Map::new();
    match dialect {
        Dialect::Oas3 => out.insert("openapi".into(), json!("3.0.1")),
        Dialect::Swagger2 => out.insert("swagger".into(), json!("2.0")),
    };
    out.insert("info".into(), info(doc, stage));
    let base_url = base_url.trim_end_matches('/');
    let stage_name = &stage.stage_name;
    match dialect {
        Dialect::Oas3 => {
            out.insert(
                "servers".into(),
                json!([{
                    "url": format!("{base_url}/{stage_name}"),
                    "variables": {"basePath": {"default": stage_name}},
                }]),
            );
        }
        Dialect::Swagger2 => {
            let (scheme, host, prefix) = split_url(base_url);
            out.insert("host".into(), json!(host));
            out.insert("basePath".into(), json!(format!("{prefix}/{stage_name}")));
            out.insert("schemes".into(), json!([scheme]));
        }
    }
    out.insert("paths".into(), paths(doc, dialect, extensions));

    let schemes = security_schemes(doc, extensions);
    let models: Map<String, Value> = doc
        .models
        .values()
        .map(|m| (m.name.clone(), model_schema(m.schema.as_deref(), dialect)))
        .collect();
    match dialect {
        Dialect::Oas3 => {
            let mut components = Map::new();
            if !models.is_empty() {
                components.insert("schemas".into(), Value::Object(models));
            }
            if !schemes.is_empty() {
                components.insert("securitySchemes".into(), Value::Object(schemes));
            }
            if !components.is_empty() {
                out.insert("components".into(), Value::Object(components));
            }
        }
        Dialect::Swagger2 => {
            if !schemes.is_empty() {
                out.insert("securityDefinitions".into(), Value::Object(schemes));
            }
            if !models.is_empty() {
                out.insert("definitions".into(), Value::Object(models));
            }
        }
    }
    if extensions {
        api_extensions(doc, &mut out);
    }
    Value::Object(out)
}

fn info(doc: &ApiDoc, stage: &Stage) -> Value {
    let mut info = Map::new();
    info.insert("title".into(), json!(doc.api.name));
    if let Some(d) = &doc.api.description {
        info.insert("description".into(), json!(d));
    }
    let version = doc
        .api
        .version
        .clone()
        .unwrap_or_else(|| rfc3339(stage.last_updated_date));
    info.insert("version".into(), json!(version));
    Value::Object(info)
}

/// `http://host:port/prefix` -> (`http`, `host:port`, `/prefix`).
fn split_url(url: &str) -> (&str, &str, &str) {
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    match rest.find('/') {
        Some(i) => (scheme, &rest[..i], &rest[i..]),
        None => (scheme, rest, ""),
    }
}

/// Resources with methods, by path. Without extensions only the seven
/// OpenAPI methods are written; with them `ANY` and other method tokens too.
fn paths(doc: &ApiDoc, dialect: Dialect, extensions: bool) -> Value {
    let mut out = Map::new();
    for resource in doc.resources.values() {
        let mut item = Map::new();
        for (name, method) in &resource.resource_methods {
            let key = match name.as_str() {
                "ANY" if extensions => ANY_METHOD.to_string(),
                "ANY" => continue,
                n if extensions || STANDARD_METHODS.contains(&n) => n.to_ascii_lowercase(),
                _ => continue,
            };
            item.insert(key, operation::operation(doc, method, dialect, extensions));
        }
        if !item.is_empty() {
            out.insert(resource.path.clone(), Value::Object(item));
        }
    }
    Value::Object(out)
}

/// The authorizers, plus the API key and SigV4 schemes when a method uses them.
fn security_schemes(doc: &ApiDoc, extensions: bool) -> Map<String, Value> {
    let mut out: Map<String, Value> = doc
        .authorizers
        .values()
        .map(|a| (a.name.clone(), authorizer_scheme(a, extensions)))
        .collect();
    let methods = || {
        doc.resources
            .values()
            .flat_map(|r| r.resource_methods.values())
    };
    if methods().any(|m| m.api_key_required) {
        out.insert(
            API_KEY_SCHEME.into(),
            json!({"type": "apiKey", "name": API_KEY_HEADER, "in": "header"}),
        );
    }
    if methods().any(|m| m.authorization_type == "AWS_IAM") {
        let mut scheme = json!({"type": "apiKey", "name": "Authorization", "in": "header"});
        if extensions {
            scheme[AUTHTYPE] = json!(SIGV4_AUTHTYPE);
        }
        out.insert(SIGV4_SCHEME.into(), scheme);
    }
    out
}

fn authorizer_scheme(a: &Authorizer, extensions: bool) -> Value {
    let header = a
        .identity_source
        .as_deref()
        .and_then(identity_header)
        .unwrap_or(if a.identity_source.is_none() {
            "Authorization"
        } else {
            "Unused"
        });
    let mut scheme = json!({"type": "apiKey", "name": header, "in": "header"});
    if !extensions {
        return scheme;
    }
    let auth_type = a.auth_type.clone().unwrap_or_else(|| {
        if a.kind == "COGNITO_USER_POOLS" {
            "cognito_user_pools"
        } else {
            "custom"
        }
        .to_string()
    });
    scheme[AUTHTYPE] = json!(auth_type);
    let mut ext = Map::new();
    ext.insert("type".into(), json!(a.kind.to_ascii_lowercase()));
    if !a.provider_arns.is_empty() {
        ext.insert("providerARNs".into(), json!(a.provider_arns));
    }
    let optional = [
        ("authorizerUri", &a.authorizer_uri),
        ("authorizerCredentials", &a.authorizer_credentials),
        ("identitySource", &a.identity_source),
        (
            "identityValidationExpression",
            &a.identity_validation_expression,
        ),
    ];
    for (key, value) in optional {
        if let Some(v) = value {
            ext.insert(key.into(), json!(v));
        }
    }
    if let Some(ttl) = a.authorizer_result_ttl_in_seconds {
        ext.insert("authorizerResultTtlInSeconds".into(), json!(ttl));
    }
    scheme[AUTHORIZER] = Value::Object(ext);
    scheme
}

/// A stored model schema with references to other models in the
/// dialect's local form.
fn model_schema(schema: Option<&str>, dialect: Dialect) -> Value {
    let mut value = schema
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_else(|| json!({}));
    localise_refs(&mut value, dialect);
    value
}

fn localise_refs(value: &mut Value, dialect: Dialect) {
    match value {
        Value::Object(map) => {
            for (key, member) in map.iter_mut() {
                match member {
                    Value::String(reference) if key == "$ref" => {
                        if let Some(model) = model_of_stored_ref(reference) {
                            *reference = format!("{}{model}", local_model_prefix(dialect));
                        }
                    }
                    _ => localise_refs(member, dialect),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| localise_refs(i, dialect)),
        _ => {}
    }
}

fn api_extensions(doc: &ApiDoc, out: &mut Map<String, Value>) {
    let api = &doc.api;
    if !api.binary_media_types.is_empty() {
        out.insert(BINARY_MEDIA_TYPES.into(), json!(api.binary_media_types));
    }
    if let Some(source) = &api.api_key_source {
        out.insert(API_KEY_SOURCE.into(), json!(source));
    }
    if let Some(size) = api.minimum_compression_size {
        out.insert(MINIMUM_COMPRESSION_SIZE.into(), json!(size));
    }
    if let Some(policy) = &api.policy {
        let value = serde_json::from_str(policy).unwrap_or_else(|_| json!(policy));
        out.insert(POLICY.into(), value);
    }
    if !doc.gateway_responses.is_empty() {
        let responses: Map<String, Value> = doc
            .gateway_responses
            .values()
            .map(|g| {
                let mut r = Map::new();
                if let Some(code) = &g.status_code {
                    r.insert("statusCode".into(), json!(code));
                }
                if !g.response_parameters.is_empty() {
                    r.insert("responseParameters".into(), json!(g.response_parameters));
                }
                if !g.response_templates.is_empty() {
                    r.insert("responseTemplates".into(), json!(g.response_templates));
                }
                (g.response_type.clone(), Value::Object(r))
            })
            .collect();
        out.insert(GATEWAY_RESPONSES.into(), Value::Object(responses));
    }
    if !doc.request_validators.is_empty() {
        let validators: Map<String, Value> = doc
            .request_validators
            .values()
            .map(|v| {
                let body = json!({
                    "validateRequestBody": v.validate_request_body,
                    "validateRequestParameters": v.validate_request_parameters,
                });
                (v.name.clone(), body)
            })
            .collect();
        out.insert(REQUEST_VALIDATORS.into(), Value::Object(validators));
    }
}

/// Epoch seconds as `YYYY-MM-DDTHH:MM:SSZ` (UTC).
fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_seconds_format_as_utc_timestamps() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    #[test]
    fn base_urls_split_into_scheme_host_and_prefix() {
        assert_eq!(
            split_url("http://localhost:4566/_aws/execute-api/abc"),
            ("http", "localhost:4566", "/_aws/execute-api/abc")
        );
        assert_eq!(
            split_url("https://abc.execute-api.example.com"),
            ("https", "abc.execute-api.example.com", "")
        );
    }
}
