//! Fixtures, a deterministic id generator, and a view of an API that names
//! things instead of citing ids (so two imports can be compared).

use std::collections::BTreeMap;

use cognate_apigw::model::{ApiDoc, Authorizer, Method, Resource, Stage};
use cognate_apigw::openapi::{import, IdKind, ImportMode};
use cognate_apigw::ApiError;
use serde_json::{json, Value};

pub const NOW: i64 = 1_700_000_000;

pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/openapi/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Ids in the order they are asked for: `api0000001`, `r00002`, ….
#[derive(Default)]
pub struct Ids {
    pub asked: Vec<(IdKind, String)>,
}

impl Ids {
    pub fn next(&mut self, kind: IdKind) -> String {
        let n = self.asked.len() + 1;
        let id = match kind {
            IdKind::RestApi => format!("api{n:07}"),
            IdKind::Resource => format!("r{n:05}"),
            IdKind::Authorizer => format!("a{n:05}"),
            IdKind::Model => format!("m{n:05}"),
            IdKind::RequestValidator => format!("v{n:05}"),
        };
        self.asked.push((kind, id.clone()));
        id
    }
}

pub fn try_import(
    body: &[u8],
    base: Option<&ApiDoc>,
    mode: ImportMode,
    ids: &mut Ids,
) -> Result<ApiDoc, ApiError> {
    import(body, base, mode, &mut |k| ids.next(k), NOW)
}

pub fn import_new(body: &[u8]) -> ApiDoc {
    try_import(body, None, ImportMode::Create, &mut Ids::default()).expect("import")
}

/// The BadRequest message an import of `body` fails with.
pub fn import_error(body: &str) -> String {
    let err = try_import(
        body.as_bytes(),
        None,
        ImportMode::Create,
        &mut Ids::default(),
    )
    .expect_err("the import should fail");
    assert_eq!(err.kind.code(), "BadRequestException");
    err.message
}

pub fn resource<'a>(doc: &'a ApiDoc, path: &str) -> &'a Resource {
    doc.resources
        .values()
        .find(|r| r.path == path)
        .unwrap_or_else(|| panic!("no resource {path}"))
}

pub fn method<'a>(doc: &'a ApiDoc, path: &str, http_method: &str) -> &'a Method {
    resource(doc, path)
        .resource_methods
        .get(http_method)
        .unwrap_or_else(|| panic!("no {http_method} on {path}"))
}

pub fn authorizer<'a>(doc: &'a ApiDoc, name: &str) -> &'a Authorizer {
    doc.authorizers
        .values()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("no authorizer {name}"))
}

pub fn stage(name: &str) -> Stage {
    Stage {
        deployment_id: "dep001".into(),
        stage_name: name.into(),
        created_date: NOW,
        last_updated_date: NOW,
        ..Stage::default()
    }
}

/// The API with ids replaced by names: resources by path, methods with
/// their authorizer and validator by name, authorizers, models (schemas
/// parsed), validators and gateway responses by name.
pub fn view(doc: &ApiDoc) -> Value {
    let name_of_authorizer =
        |id: &Option<String>| id.as_ref().map(|id| doc.authorizers[id].name.clone());
    let name_of_validator = |id: &Option<String>| {
        id.as_ref()
            .map(|id| doc.request_validators[id].name.clone())
    };
    let mut paths = BTreeMap::new();
    for r in doc.resources.values() {
        let parent = r.parent_id.as_ref().map(|p| doc.resources[p].path.clone());
        let methods: BTreeMap<&String, Value> = r
            .resource_methods
            .iter()
            .map(|(name, m)| {
                let mut m = m.clone();
                let authorizer = name_of_authorizer(&m.authorizer_id);
                let validator = name_of_validator(&m.request_validator_id);
                m.authorizer_id = None;
                m.request_validator_id = None;
                let mut v = serde_json::to_value(&m).unwrap();
                v["authorizer"] = json!(authorizer);
                v["validator"] = json!(validator);
                (name, v)
            })
            .collect();
        paths.insert(
            r.path.clone(),
            json!({"parent": parent, "pathPart": r.path_part, "methods": methods}),
        );
    }
    let authorizers: BTreeMap<String, Value> = doc
        .authorizers
        .values()
        .map(|a| {
            let mut a = a.clone();
            a.id = String::new();
            (a.name.clone(), serde_json::to_value(a).unwrap())
        })
        .collect();
    let models: BTreeMap<&String, Value> = doc
        .models
        .values()
        .map(|m| {
            // Stored references name the API; the view does not.
            let text = m
                .schema
                .as_deref()
                .unwrap_or("{}")
                .replace(&doc.api.id, "API");
            let schema: Value = serde_json::from_str(&text).unwrap();
            (
                &m.name,
                json!({"contentType": m.content_type, "schema": schema}),
            )
        })
        .collect();
    let validators: BTreeMap<&String, Value> = doc
        .request_validators
        .values()
        .map(|v| {
            (
                &v.name,
                json!([v.validate_request_body, v.validate_request_parameters]),
            )
        })
        .collect();
    json!({
        "name": doc.api.name,
        "description": doc.api.description,
        "binaryMediaTypes": doc.api.binary_media_types,
        "apiKeySource": doc.api.api_key_source,
        "paths": paths,
        "authorizers": authorizers,
        "models": models,
        "validators": validators,
        "gatewayResponses": doc.gateway_responses,
    })
}
