//! One [`Method`] -> one OpenAPI operation object.

use serde_json::{json, Map, Value};

use super::super::names::{
    local_model_prefix, API_KEY_SCHEME, INTEGRATION, REQUEST_VALIDATOR, SIGV4_SCHEME,
};
use super::super::source::Dialect;
use crate::model::{ApiDoc, Integration, Method, MethodResponse};

/// Writes `method` of `doc` in `dialect`; `extensions` adds the
/// integration and the request validator.
pub(super) fn operation(
    doc: &ApiDoc,
    method: &Method,
    dialect: Dialect,
    extensions: bool,
) -> Value {
    let mut op = Map::new();
    if let Some(name) = &method.operation_name {
        op.insert("operationId".into(), json!(name));
    }
    let mut parameters = parameters(method, dialect);
    if !method.request_models.is_empty() {
        match dialect {
            Dialect::Oas3 => {
                let content: Map<String, Value> = method
                    .request_models
                    .iter()
                    .map(|(ct, model)| (ct.clone(), json!({"schema": model_ref(dialect, model)})))
                    .collect();
                op.insert(
                    "requestBody".into(),
                    json!({"content": content, "required": true}),
                );
            }
            Dialect::Swagger2 => {
                let types: Vec<&String> = method.request_models.keys().collect();
                op.insert("consumes".into(), json!(types));
                // Swagger 2 has one body schema: the first content type's.
                if let Some(model) = method.request_models.values().next() {
                    parameters.push(json!({
                        "in": "body", "name": model, "required": true,
                        "schema": model_ref(dialect, model),
                    }));
                }
            }
        }
    }
    if dialect == Dialect::Swagger2 {
        let mut produces: Vec<&String> = method
            .method_responses
            .values()
            .flat_map(|r| r.response_models.keys())
            .collect();
        produces.sort();
        produces.dedup();
        if !produces.is_empty() {
            op.insert("produces".into(), json!(produces));
        }
    }
    if !parameters.is_empty() {
        op.insert("parameters".into(), Value::Array(parameters));
    }
    let responses: Map<String, Value> = method
        .method_responses
        .iter()
        .map(|(code, r)| (code.clone(), response(r, dialect)))
        .collect();
    op.insert("responses".into(), Value::Object(responses));
    if let Some(security) = security(doc, method) {
        op.insert("security".into(), json!([security]));
    }
    if extensions {
        if let Some(validator) = method
            .request_validator_id
            .as_ref()
            .and_then(|id| doc.request_validators.get(id))
        {
            op.insert(REQUEST_VALIDATOR.into(), json!(validator.name));
        }
        if let Some(integration) = &method.method_integration {
            op.insert(INTEGRATION.into(), integration_json(integration));
        }
    }
    Value::Object(op)
}

/// `method.request.{path|querystring|header}.X` -> parameter objects.
fn parameters(method: &Method, dialect: Dialect) -> Vec<Value> {
    let mut out = Vec::new();
    for (key, required) in &method.request_parameters {
        let Some(rest) = key.strip_prefix("method.request.") else {
            continue;
        };
        let Some((location, name)) = rest.split_once('.') else {
            continue;
        };
        let location = match location {
            "path" => "path",
            "querystring" => "query",
            "header" => "header",
            _ => continue,
        };
        let mut p =
            json!({"name": name, "in": location, "required": *required || location == "path"});
        match dialect {
            Dialect::Oas3 => p["schema"] = json!({"type": "string"}),
            Dialect::Swagger2 => p["type"] = json!("string"),
        }
        out.push(p);
    }
    out
}

fn response(r: &MethodResponse, dialect: Dialect) -> Value {
    let mut out = json!({"description": format!("{} response", r.status_code)});
    let headers: Map<String, Value> = r
        .response_parameters
        .keys()
        .filter_map(|k| k.strip_prefix("method.response.header."))
        .map(|name| {
            let schema = match dialect {
                Dialect::Oas3 => json!({"schema": {"type": "string"}}),
                Dialect::Swagger2 => json!({"type": "string"}),
            };
            (name.to_string(), schema)
        })
        .collect();
    if !headers.is_empty() {
        out["headers"] = Value::Object(headers);
    }
    match dialect {
        Dialect::Oas3 if !r.response_models.is_empty() => {
            let content: Map<String, Value> = r
                .response_models
                .iter()
                .map(|(ct, model)| (ct.clone(), json!({"schema": model_ref(dialect, model)})))
                .collect();
            out["content"] = Value::Object(content);
        }
        Dialect::Swagger2 => {
            if let Some(model) = r.response_models.values().next() {
                out["schema"] = model_ref(dialect, model);
            }
        }
        Dialect::Oas3 => {}
    }
    out
}

fn model_ref(dialect: Dialect, model: &str) -> Value {
    json!({"$ref": format!("{}{model}", local_model_prefix(dialect))})
}

/// One security requirement naming everything the method needs, or none.
fn security(doc: &ApiDoc, method: &Method) -> Option<Value> {
    let mut requirement = Map::new();
    match method.authorization_type.as_str() {
        "COGNITO_USER_POOLS" | "CUSTOM" => {
            let authorizer = method
                .authorizer_id
                .as_ref()
                .and_then(|id| doc.authorizers.get(id));
            if let Some(authorizer) = authorizer {
                requirement.insert(authorizer.name.clone(), json!(method.authorization_scopes));
            }
        }
        "AWS_IAM" => {
            requirement.insert(SIGV4_SCHEME.into(), json!([]));
        }
        _ => {}
    }
    if method.api_key_required {
        requirement.insert(API_KEY_SCHEME.into(), json!([]));
    }
    (!requirement.is_empty()).then_some(Value::Object(requirement))
}

/// `x-amazon-apigateway-integration`, written the way API Gateway exports
/// it (lowercase type and passthrough behaviour, responses by pattern).
pub(super) fn integration_json(i: &Integration) -> Value {
    let mut out = Map::new();
    out.insert("type".into(), json!(i.kind.to_ascii_lowercase()));
    let optional = [
        ("httpMethod", &i.http_method),
        ("uri", &i.uri),
        ("connectionType", &i.connection_type),
        ("credentials", &i.credentials),
        ("contentHandling", &i.content_handling),
        ("cacheNamespace", &i.cache_namespace),
    ];
    for (key, value) in optional {
        if let Some(v) = value {
            out.insert(key.into(), json!(v));
        }
    }
    if let Some(p) = &i.passthrough_behavior {
        out.insert("passthroughBehavior".into(), json!(p.to_ascii_lowercase()));
    }
    if !i.request_parameters.is_empty() {
        out.insert("requestParameters".into(), json!(i.request_parameters));
    }
    if !i.request_templates.is_empty() {
        out.insert("requestTemplates".into(), json!(i.request_templates));
    }
    if !i.cache_key_parameters.is_empty() {
        out.insert("cacheKeyParameters".into(), json!(i.cache_key_parameters));
    }
    out.insert("timeoutInMillis".into(), json!(i.timeout_in_millis));
    if let Some(tls) = &i.tls_config {
        out.insert(
            "tlsConfig".into(),
            json!({"insecureSkipVerification": tls.insecure_skip_verification}),
        );
    }
    if !i.integration_responses.is_empty() {
        let mut responses = Map::new();
        for r in i.integration_responses.values() {
            let mut one = Map::new();
            one.insert("statusCode".into(), json!(r.status_code));
            if !r.response_parameters.is_empty() {
                one.insert("responseParameters".into(), json!(r.response_parameters));
            }
            if !r.response_templates.is_empty() {
                one.insert("responseTemplates".into(), json!(r.response_templates));
            }
            if let Some(c) = &r.content_handling {
                one.insert("contentHandling".into(), json!(c));
            }
            let key = r
                .selection_pattern
                .clone()
                .unwrap_or_else(|| "default".into());
            responses.entry(key).or_insert(Value::Object(one));
        }
        out.insert("responses".into(), Value::Object(responses));
    }
    Value::Object(out)
}
