//! An `[[apis]]` declaration as the OpenAPI 3 document ImportRestApi and
//! PutRestApi take: authorizers become security schemes with
//! `x-amazon-apigateway-authorizer` (pool names resolved to ARNs), routes
//! become operations with `x-amazon-apigateway-integration`. Methods other
//! than OpenAPI's own (`PURCHASE`) are lower-case keys of the path item;
//! `ANY` is `x-amazon-apigateway-any-method`.
//!
//! Or, with `openapi = "FILE"`, that file with `${pools.NAME.arn}` /
//! `${pools.NAME.id}` filled in and its title set to the API's name.
//!
//! Generation is pure, and its output deterministic (object keys sorted),
//! so the document's hash tells whether a declaration changed.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, bail, Context};
use serde_json::{json, Map, Value};

use super::spec::{ApiSpec, IntegrationKind, IntegrationSpec, RouteSpec, API_KEY_SCHEME};
use super::PoolRef;

const ANY_METHOD: &str = "x-amazon-apigateway-any-method";
const INTEGRATION: &str = "x-amazon-apigateway-integration";
const AUTHORIZER: &str = "x-amazon-apigateway-authorizer";
const AUTHTYPE: &str = "x-amazon-apigateway-authtype";
const PLACEHOLDER: &str = "${pools.";

/// The document for a declaration with routes.
pub(super) fn generate(
    at: &str,
    api: &ApiSpec,
    pools: &BTreeMap<String, PoolRef>,
) -> anyhow::Result<Value> {
    let mut schemes = Map::new();
    for (j, a) in api.authorizers.iter().enumerate() {
        let arns = a
            .pools
            .iter()
            .map(|p| {
                pool_arn(p, pools).ok_or_else(|| {
                    anyhow!("{at}.authorizers[{j}]: no pool named {p:?} was applied")
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let mut ext = json!({"type": "cognito_user_pools", "providerARNs": arns});
        if let Some(r) = &a.client_regex {
            ext["identityValidationExpression"] = json!(r);
        }
        if let Some(t) = a.ttl_secs {
            ext["authorizerResultTtlInSeconds"] = json!(t);
        }
        schemes.insert(
            a.name.clone(),
            json!({
                "type": "apiKey",
                "name": a.header,
                "in": "header",
                AUTHTYPE: "cognito_user_pools",
                AUTHORIZER: ext,
            }),
        );
    }
    if api.routes.iter().any(|r| r.api_key_required) {
        schemes.insert(
            API_KEY_SCHEME.to_string(),
            json!({"type": "apiKey", "name": "x-api-key", "in": "header"}),
        );
    }
    let mut paths: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    for route in &api.routes {
        let key = path_key(&route.path);
        let method_key = if route.method.eq_ignore_ascii_case("ANY") {
            ANY_METHOD.to_string()
        } else {
            route.method.to_ascii_lowercase()
        };
        paths
            .entry(key)
            .or_default()
            .insert(method_key, operation(route));
    }
    let mut info = json!({"title": api.name, "version": "1.0"});
    if let Some(d) = &api.description {
        info["description"] = json!(d);
    }
    let mut doc = json!({
        "openapi": "3.0.1",
        "info": info,
        "paths": paths,
    });
    if !schemes.is_empty() {
        doc["components"] = json!({"securitySchemes": schemes});
    }
    Ok(doc)
}

/// A declared pool's ARN, or the ARN given as such.
fn pool_arn(name_or_arn: &str, pools: &BTreeMap<String, PoolRef>) -> Option<String> {
    if name_or_arn.starts_with("arn:") {
        return Some(name_or_arn.to_string());
    }
    pools.get(name_or_arn).map(|p| p.arn.clone())
}

/// `/pets/` and `/pets` are one path; `/` stays `/`.
fn path_key(path: &str) -> String {
    match path.trim_end_matches('/') {
        "" => "/".to_string(),
        p => p.to_string(),
    }
}

/// The names of the path's parameters (`{petId}` -> `petId`, `{proxy+}`
/// -> `proxy`).
fn path_parameters(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| name.strip_suffix('+').unwrap_or(name))
        .collect()
}

fn operation(route: &RouteSpec) -> Value {
    let mut op = Map::new();
    let params: Vec<Value> = path_parameters(&route.path)
        .into_iter()
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    if !params.is_empty() {
        op.insert("parameters".into(), Value::Array(params));
    }
    let mut requirement = Map::new();
    if let Some(name) = &route.authorizer {
        requirement.insert(name.clone(), json!(route.scopes));
    }
    if route.api_key_required {
        requirement.insert(API_KEY_SCHEME.into(), json!([]));
    }
    if !requirement.is_empty() {
        op.insert("security".into(), json!([requirement]));
    }
    let (responses, integration) = integration(route, &route.integration);
    op.insert("responses".into(), responses);
    op.insert(INTEGRATION.into(), integration);
    Value::Object(op)
}

/// The operation's `responses` and its integration.
fn integration(route: &RouteSpec, spec: &IntegrationSpec) -> (Value, Value) {
    let mut i = Map::new();
    i.insert("passthroughBehavior".into(), json!("when_no_match"));
    if !spec.request_parameters.is_empty() {
        i.insert("requestParameters".into(), json!(spec.request_parameters));
    }
    if let Some(t) = spec.timeout_ms {
        i.insert("timeoutInMillis".into(), json!(t));
    }
    let backend_answer = json!({"200": {"description": "the backend's answer"}});
    match spec.kind {
        IntegrationKind::HttpProxy => {
            i.insert("type".into(), json!("http_proxy"));
            backend(route, spec, &mut i);
            (backend_answer, Value::Object(i))
        }
        IntegrationKind::Http => {
            i.insert("type".into(), json!("http"));
            backend(route, spec, &mut i);
            i.insert(
                "responses".into(),
                json!({"default": {"statusCode": "200"}}),
            );
            (backend_answer, Value::Object(i))
        }
        IntegrationKind::Mock => {
            i.insert("type".into(), json!("mock"));
            let (responses, mock) = mock(spec);
            i.extend(mock);
            (responses, Value::Object(i))
        }
    }
}

/// The backend of an HTTP or HTTP_PROXY integration.
fn backend(route: &RouteSpec, spec: &IntegrationSpec, into: &mut Map<String, Value>) {
    let method = spec.http_method.as_deref().unwrap_or(&route.method);
    into.insert("httpMethod".into(), json!(method.to_ascii_uppercase()));
    into.insert("uri".into(), json!(spec.uri));
}

/// A MOCK integration's request template (which picks the status) and its
/// one integration response (body template, static headers), with the
/// method response declaring those headers.
fn mock(spec: &IntegrationSpec) -> (Value, Map<String, Value>) {
    let status = spec.status.unwrap_or(200).to_string();
    let mut response = json!({"statusCode": status});
    if let Some(body) = &spec.body {
        response["responseTemplates"] = json!({"application/json": body});
    }
    if !spec.headers.is_empty() {
        let params: Map<String, Value> = spec
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    format!("method.response.header.{name}"),
                    json!(format!("'{value}'")),
                )
            })
            .collect();
        response["responseParameters"] = Value::Object(params);
    }
    let mut out = Map::new();
    out.insert(
        "requestTemplates".into(),
        json!({"application/json": format!("{{\"statusCode\": {status}}}")}),
    );
    out.insert("responses".into(), json!({"default": response}));
    let mut answer = json!({"description": "the mock answer"});
    if !spec.headers.is_empty() {
        let headers: Map<String, Value> = spec
            .headers
            .keys()
            .map(|name| (name.clone(), json!({"schema": {"type": "string"}})))
            .collect();
        answer["headers"] = Value::Object(headers);
    }
    (json!({ status: answer }), out)
}

/// The document of `openapi = "FILE"` (JSON or YAML), with placeholders
/// filled in and `info.title` (and, when declared, `info.description`)
/// set from the declaration, so the API is found by its name next time.
pub(super) fn from_file(
    at: &str,
    api: &ApiSpec,
    path: &Path,
    pools: &BTreeMap<String, PoolRef>,
) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{at}: reading the OpenAPI file {}", path.display()))?;
    let mut doc: Value = serde_yaml_ng::from_str(&text)
        .with_context(|| format!("{at}: {} is not a JSON or YAML document", path.display()))?;
    fill_placeholders(&mut doc, pools).map_err(|e| anyhow!("{at}: {}: {e}", path.display()))?;
    let Some(root) = doc.as_object_mut() else {
        bail!(
            "{at}: {} is not an OpenAPI document (an object)",
            path.display()
        );
    };
    let info = root.entry("info").or_insert_with(|| json!({}));
    let Some(info) = info.as_object_mut() else {
        bail!("{at}: {}: info is not an object", path.display());
    };
    info.insert("title".into(), json!(api.name));
    if let Some(d) = &api.description {
        info.insert("description".into(), json!(d));
    }
    Ok(doc)
}

/// Replaces `${pools.NAME.arn}` and `${pools.NAME.id}` in every string.
fn fill_placeholders(v: &mut Value, pools: &BTreeMap<String, PoolRef>) -> Result<(), String> {
    match v {
        Value::String(s) if s.contains(PLACEHOLDER) => *s = fill(s, pools)?,
        Value::Array(items) => {
            for item in items {
                fill_placeholders(item, pools)?;
            }
        }
        Value::Object(map) => {
            for item in map.values_mut() {
                fill_placeholders(item, pools)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn fill(s: &str, pools: &BTreeMap<String, PoolRef>) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find(PLACEHOLDER) {
        out.push_str(&rest[..start]);
        let after = &rest[start + PLACEHOLDER.len()..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("unterminated placeholder in {s:?}"))?;
        let inner = &after[..end];
        let (name, field) = inner
            .rsplit_once('.')
            .ok_or_else(|| format!("${{pools.{inner}}} must end in .arn or .id"))?;
        let pool = pools
            .get(name)
            .ok_or_else(|| format!("${{pools.{inner}}}: no pool named {name:?} is declared"))?;
        match field {
            "arn" => out.push_str(&pool.arn),
            "id" => out.push_str(&pool.id),
            _ => return Err(format!("${{pools.{inner}}} must end in .arn or .id")),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
#[path = "openapi_tests.rs"]
mod tests;
