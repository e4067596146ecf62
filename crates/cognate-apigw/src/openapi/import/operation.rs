//! One operation of a path item -> one [`Method`]: parameters, request
//! body, responses, security, request validator and integration.

use std::collections::BTreeMap;

use super::super::names::{
    is_status_code, model_of_local_ref, AUTH, EXTENSION_PREFIX, INTEGRATION, REQUEST_VALIDATOR,
};
use super::super::node::Node;
use super::super::source::Dialect;
use super::integration::integration;
use super::security::{method_auth, MethodAuth, Scheme};
use crate::model::{ApiDoc, Method, MethodResponse, StringMap};
use crate::ApiError;

/// The operation extensions read here; other `x-amazon-apigateway-*` keys
/// are reported as ignored.
const KNOWN_OPERATION_EXTENSIONS: &[&str] = &[INTEGRATION, REQUEST_VALIDATOR, AUTH];

/// What every operation of the document shares.
pub(super) struct Env<'a> {
    pub dialect: Dialect,
    pub schemes: BTreeMap<String, Scheme>,
    /// The document-level `security`, for operations without their own.
    pub top_security: Option<Node<'a>>,
    /// The document-level `x-amazon-apigateway-request-validator`.
    pub default_validator: Option<Node<'a>>,
    /// Swagger 2's document-level `consumes` / `produces`.
    pub consumes: Vec<String>,
    pub produces: Vec<String>,
}

/// Reads `op` (already checked to be an object) as the method `http_method`;
/// `shared_params` are the path item's `parameters`. `doc` is the API as
/// built so far (authorizers, validators and models are in place).
pub(super) fn method(
    env: &Env<'_>,
    doc: &ApiDoc,
    http_method: &str,
    op: &Node<'_>,
    shared_params: &[Node<'_>],
    warnings: &mut Vec<String>,
) -> Result<Method, ApiError> {
    let mut method = Method {
        http_method: http_method.to_string(),
        operation_name: op.opt_str("operationId")?.map(str::to_string),
        ..Method::default()
    };
    let own_params = match op.get("parameters") {
        Some(p) => p.items()?,
        None => Vec::new(),
    };
    // Operation parameters override the path item's of the same name and place.
    let mut params: BTreeMap<(String, String), Node<'_>> = BTreeMap::new();
    for p in shared_params.iter().chain(own_params.iter()) {
        let p = p.resolve()?;
        p.object()?;
        let key = (p.req_str("in")?.to_string(), p.req_str("name")?.to_string());
        params.insert(key, p);
    }
    for ((location, name), p) in &params {
        let required = p.opt_bool("required")?.unwrap_or(false);
        let prefix = match location.as_str() {
            "path" => "path",
            "query" => "querystring",
            "header" => "header",
            "body" if env.dialect == Dialect::Swagger2 => {
                let types = content_types(op, "consumes", &env.consumes)?;
                if let Some(model) = model_ref(doc, &p.require("schema")?, warnings)? {
                    for t in types {
                        method.request_models.insert(t, model.clone());
                    }
                }
                continue;
            }
            "cookie" | "formData" => {
                warnings.push(format!(
                    "{}: {location} parameters are not supported; ignored",
                    p.path
                ));
                continue;
            }
            other => {
                return Err(p
                    .require("in")?
                    .err(format!("unsupported parameter location '{other}'")))
            }
        };
        // Path parameters are always required.
        let required = required || prefix == "path";
        method
            .request_parameters
            .insert(format!("method.request.{prefix}.{name}"), required);
    }
    if env.dialect == Dialect::Oas3 {
        if let Some(body) = op.get("requestBody") {
            method.request_models = content_models(doc, &body.resolve()?, warnings)?;
        }
    }
    if let Some(responses) = op.get("responses") {
        method.method_responses = method_responses(env, doc, op, &responses, warnings)?;
    }

    let auth = match op.get("security").or_else(|| env.top_security.clone()) {
        Some(security) => method_auth(&security, &env.schemes, &doc.authorizers)?,
        None => MethodAuth::default(),
    };
    let auth = apply_auth_extension(op, auth)?;
    method.authorization_type = auth.authorization_type;
    method.authorizer_id = auth.authorizer_id;
    method.authorization_scopes = auth.scopes;
    method.api_key_required = auth.api_key_required;

    if let Some(v) = op
        .get(REQUEST_VALIDATOR)
        .or_else(|| env.default_validator.clone())
    {
        let name = v.str()?;
        let validator = doc.request_validators.values().find(|r| r.name == name);
        let validator =
            validator.ok_or_else(|| v.err(format!("no request validator named '{name}'")))?;
        method.request_validator_id = Some(validator.id.clone());
    }
    if let Some(i) = op.get(INTEGRATION) {
        method.method_integration = Some(integration(&i)?);
    }
    for (key, _) in op.entries()? {
        if key.starts_with(EXTENSION_PREFIX) && !KNOWN_OPERATION_EXTENSIONS.contains(&key) {
            warnings.push(format!("{}: not supported; ignored", op.key_path(key)));
        }
    }
    Ok(method)
}

/// `x-amazon-apigateway-auth: {type: AWS_IAM | NONE}` on the operation.
fn apply_auth_extension(op: &Node<'_>, mut auth: MethodAuth) -> Result<MethodAuth, ApiError> {
    let Some(ext) = op.get(AUTH) else {
        return Ok(auth);
    };
    let type_node = ext.require("type")?;
    match type_node.str()?.to_ascii_uppercase().as_str() {
        "NONE" => {}
        "AWS_IAM" if auth.authorizer_id.is_none() => auth.authorization_type = "AWS_IAM".into(),
        "AWS_IAM" => return Err(type_node.err("a method can use only one authorizer")),
        other => return Err(type_node.err(format!("unknown authorization type '{other}'"))),
    }
    Ok(auth)
}

/// The operation's `responses` -> method responses by status code.
fn method_responses(
    env: &Env<'_>,
    doc: &ApiDoc,
    op: &Node<'_>,
    responses: &Node<'_>,
    warnings: &mut Vec<String>,
) -> Result<BTreeMap<String, MethodResponse>, ApiError> {
    let mut out = BTreeMap::new();
    for (code, response) in responses.entries()? {
        if code.starts_with("x-") {
            continue;
        }
        if !is_status_code(code) {
            warnings.push(format!("{}: not a status code; ignored", response.path));
            continue;
        }
        let response = response.resolve()?;
        response.object()?;
        let mut parsed = MethodResponse {
            status_code: code.to_string(),
            ..MethodResponse::default()
        };
        if let Some(headers) = response.get("headers") {
            for (name, _) in headers.entries()? {
                parsed
                    .response_parameters
                    .insert(format!("method.response.header.{name}"), false);
            }
        }
        parsed.response_models = match env.dialect {
            Dialect::Oas3 => content_models(doc, &response, warnings)?,
            Dialect::Swagger2 => match response.get("schema") {
                Some(schema) => match model_ref(doc, &schema, warnings)? {
                    Some(model) => content_types(op, "produces", &env.produces)?
                        .into_iter()
                        .map(|t| (t, model.clone()))
                        .collect(),
                    None => StringMap::new(),
                },
                None => StringMap::new(),
            },
        };
        out.insert(code.to_string(), parsed);
    }
    Ok(out)
}

/// OpenAPI 3 `content` (of a request body or a response): content type ->
/// the model its schema refers to.
fn content_models(
    doc: &ApiDoc,
    holder: &Node<'_>,
    warnings: &mut Vec<String>,
) -> Result<StringMap, ApiError> {
    let mut out = StringMap::new();
    let Some(content) = holder.get("content") else {
        return Ok(out);
    };
    for (content_type, media) in content.entries()? {
        if let Some(schema) = media.get("schema") {
            if let Some(model) = model_ref(doc, &schema, warnings)? {
                out.insert(content_type.to_string(), model);
            }
        }
    }
    Ok(out)
}

/// The model a schema refers to; inline schemas are not models (a warning
/// says so), references to undefined models are errors.
fn model_ref(
    doc: &ApiDoc,
    schema: &Node<'_>,
    warnings: &mut Vec<String>,
) -> Result<Option<String>, ApiError> {
    let Some(reference) = schema.opt_str("$ref")? else {
        warnings.push(format!(
            "{}: inline schemas are not imported as models; ignored",
            schema.path
        ));
        return Ok(None);
    };
    let Some(model) = model_of_local_ref(reference) else {
        return Err(schema.err(format!("$ref '{reference}' does not name a model")));
    };
    if !doc.models.contains_key(model) {
        return Err(schema.err(format!("no model named '{model}'")));
    }
    Ok(Some(model.to_string()))
}

/// Swagger 2's `consumes` / `produces` of an operation, else of the
/// document, else `application/json`.
fn content_types(op: &Node<'_>, key: &str, document: &[String]) -> Result<Vec<String>, ApiError> {
    let own = op.string_list(key)?;
    Ok(if !own.is_empty() {
        own
    } else if !document.is_empty() {
        document.to_vec()
    } else {
        vec!["application/json".to_string()]
    })
}
