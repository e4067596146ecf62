//! OpenAPI 3 / Swagger 2 -> [`ApiDoc`].
//!
//! The import reads the document in a fixed order, so that everything a
//! method refers to exists before the method is read: the API's own fields
//! and extensions, authorizers (security schemes), request validators,
//! models, gateway responses, then the paths (resources and methods).
//! Every id is asked of the caller's generator in that order.

mod components;
mod integration;
mod operation;
mod paths;
mod security;

use super::names::{
    API_KEY_SOURCE, BINARY_MEDIA_TYPES, ENDPOINT_CONFIGURATION, EXTENSION_PREFIX,
    GATEWAY_RESPONSES, MINIMUM_COMPRESSION_SIZE, POLICY, REQUEST_VALIDATOR, REQUEST_VALIDATORS,
};
use super::node::{invalid, Node};
use super::source::{self, Dialect};
use super::{IdKind, ImportMode};
use crate::error::ErrorKind;
use crate::model::{ApiDoc, EndpointConfiguration, Resource, RestApi};
use crate::ApiError;

/// Top-level extensions this import reads (or knowingly skips).
const KNOWN_TOP_EXTENSIONS: &[&str] = &[
    API_KEY_SOURCE,
    BINARY_MEDIA_TYPES,
    ENDPOINT_CONFIGURATION,
    GATEWAY_RESPONSES,
    MINIMUM_COMPRESSION_SIZE,
    POLICY,
    REQUEST_VALIDATOR,
    REQUEST_VALIDATORS,
    "x-amazon-apigateway-importexport-version",
];

/// API Gateway's largest `minimumCompressionSize`.
const MAX_COMPRESSION_SIZE: i64 = 10_485_760;

/// See [`super::import`].
pub(super) fn run(
    body: &[u8],
    base: Option<&ApiDoc>,
    mode: ImportMode,
    ids: &mut dyn FnMut(IdKind) -> String,
    now_secs: i64,
) -> Result<ApiDoc, ApiError> {
    let (value, dialect) = source::parse(body)?;
    let root = Node::root(&value);
    let info = root.get("info");
    if let Some(info) = &info {
        info.object()?;
    }
    let title = match info.as_ref().and_then(|i| i.get("title")) {
        Some(t) => {
            let title = t.scalar_text()?;
            if title.trim().is_empty() {
                return Err(t.err("must not be empty"));
            }
            Some(title)
        }
        None => None,
    };
    let previous = match mode {
        ImportMode::Create => None,
        ImportMode::Merge | ImportMode::Overwrite => base,
    };
    let doc = match (previous, mode) {
        (Some(base), ImportMode::Merge) => {
            let mut doc = base.clone();
            doc.api.warnings.clear();
            doc
        }
        (Some(base), _) => fresh_from(base),
        (None, _) => {
            if title.is_none() {
                return Err(invalid("info.title: required"));
            }
            let id = ids(IdKind::RestApi);
            let root_id = ids(IdKind::RestApi);
            new_api(id, root_id, now_secs)
        }
    };
    let mut imp = Importer {
        root,
        dialect,
        ids,
        previous,
        merge: matches!(mode, ImportMode::Merge) && previous.is_some(),
        doc,
        warnings: Vec::new(),
    };
    if let Some(title) = title {
        imp.doc.api.name = title;
    }
    if let Some(info) = &info {
        if let Some(d) = info.opt_str("description")? {
            imp.doc.api.description = Some(d.to_string());
        }
        if let Some(v) = info.get("version") {
            imp.doc.api.version = Some(v.scalar_text()?);
        }
    }
    imp.api_extensions()?;
    let schemes = imp.authorizers()?;
    imp.request_validators()?;
    imp.models()?;
    imp.gateway_responses()?;
    imp.paths(schemes)?;
    let mut doc = imp.doc;
    doc.api.warnings = imp.warnings;
    Ok(doc)
}

/// A new, empty API with only its root resource.
fn new_api(id: String, root_id: String, now_secs: i64) -> ApiDoc {
    let mut doc = ApiDoc {
        api: RestApi {
            id,
            created_date: now_secs,
            ..RestApi::default()
        },
        resources: Default::default(),
        authorizers: Default::default(),
        gateway_responses: Default::default(),
        models: Default::default(),
        request_validators: Default::default(),
    };
    set_root(&mut doc, root_id);
    doc
}

fn set_root(doc: &mut ApiDoc, root_id: String) {
    doc.api.root_resource_id = root_id.clone();
    doc.resources.insert(
        root_id.clone(),
        Resource {
            id: root_id,
            path: "/".to_string(),
            ..Resource::default()
        },
    );
}

/// What an overwrite starts from: the API's identity (id, name, root
/// resource id, creation date), its tags and endpoint configuration, and
/// nothing else.
fn fresh_from(base: &ApiDoc) -> ApiDoc {
    let mut doc = new_api(
        base.api.id.clone(),
        base.api.root_resource_id.clone(),
        base.api.created_date,
    );
    doc.api.name = base.api.name.clone();
    doc.api.tags = base.api.tags.clone();
    doc.api.endpoint_configuration = base.api.endpoint_configuration.clone();
    doc.api.disable_execute_api_endpoint = base.api.disable_execute_api_endpoint;
    doc
}

/// The state of one import.
pub(super) struct Importer<'a, 'i> {
    root: Node<'a>,
    dialect: Dialect,
    ids: &'i mut dyn FnMut(IdKind) -> String,
    /// The API before this import (merge and overwrite): what exists there
    /// keeps its id.
    previous: Option<&'a ApiDoc>,
    /// Whether the API's existing contents are kept (merge).
    merge: bool,
    doc: ApiDoc,
    warnings: Vec<String>,
}

impl Importer<'_, '_> {
    /// A new id of `kind` that `taken` does not already use.
    fn unique_id(
        ids: &mut dyn FnMut(IdKind) -> String,
        kind: IdKind,
        taken: impl Fn(&str) -> bool,
    ) -> Result<String, ApiError> {
        for _ in 0..16 {
            let id = ids(kind);
            if !taken(&id) {
                return Ok(id);
            }
        }
        Err(ApiError::new(
            ErrorKind::ServiceUnavailable,
            "could not allocate a unique id; retry",
        ))
    }

    /// The API-level extensions.
    fn api_extensions(&mut self) -> Result<(), ApiError> {
        let root = self.root.clone();
        if let Some(types) = root.get(BINARY_MEDIA_TYPES) {
            let mut list = if self.merge {
                self.doc.api.binary_media_types.clone()
            } else {
                Vec::new()
            };
            for item in types.items()? {
                let t = item.str()?;
                if !t.contains('/') {
                    return Err(item.err(format!("'{t}' is not a media type (type/subtype)")));
                }
                if !list.iter().any(|x| x == t) {
                    list.push(t.to_string());
                }
            }
            self.doc.api.binary_media_types = list;
        }
        if let Some(source) = root.get(API_KEY_SOURCE) {
            let value = source.str()?.to_ascii_uppercase();
            if value != "HEADER" && value != "AUTHORIZER" {
                return Err(source.err(format!("'{}' is not HEADER or AUTHORIZER", source.str()?)));
            }
            self.doc.api.api_key_source = Some(value);
        }
        if let Some(size) = root.opt_int(MINIMUM_COMPRESSION_SIZE)? {
            if !(0..=MAX_COMPRESSION_SIZE).contains(&size) {
                return Err(invalid(format!(
                    "{MINIMUM_COMPRESSION_SIZE}: must be between 0 and {MAX_COMPRESSION_SIZE}"
                )));
            }
            self.doc.api.minimum_compression_size = Some(size);
        }
        if let Some(policy) = root.get(POLICY) {
            self.doc.api.policy = Some(match policy.value {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Object(_) => policy.value.to_string(),
                _ => return Err(policy.err("must be a policy document (an object)")),
            });
        }
        if let Some(endpoint) = root.get(ENDPOINT_CONFIGURATION) {
            self.endpoint_configuration(&endpoint)?;
        }
        for (key, _) in root.entries()? {
            if key.starts_with(EXTENSION_PREFIX) && !KNOWN_TOP_EXTENSIONS.contains(&key) {
                self.warnings.push(format!("{key}: not supported; ignored"));
            }
        }
        Ok(())
    }

    fn endpoint_configuration(&mut self, endpoint: &Node<'_>) -> Result<(), ApiError> {
        endpoint.object()?;
        let types = endpoint.string_list("types")?;
        if let Some(bad) = types
            .iter()
            .find(|t| !["REGIONAL", "EDGE", "PRIVATE"].contains(&t.as_str()))
        {
            return Err(endpoint.err(format!("types: '{bad}' is not REGIONAL, EDGE or PRIVATE")));
        }
        self.doc.api.endpoint_configuration = Some(EndpointConfiguration {
            types,
            vpc_endpoint_ids: endpoint.string_list("vpcEndpointIds")?,
        });
        if let Some(disable) = endpoint.opt_bool("disableExecuteApiEndpoint")? {
            self.doc.api.disable_execute_api_endpoint = disable;
        }
        Ok(())
    }
}
