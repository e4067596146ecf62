//! PutRestApi: merge and overwrite onto an existing API.

use cognate_apigw::model::ApiDoc;
use cognate_apigw::openapi::{IdKind, ImportMode};

use crate::support::*;

fn base() -> ApiDoc {
    let mut doc = import_new(&fixture("securepets.oas3.yaml"));
    doc.api.created_date = NOW - 86_400;
    doc.api.tags.insert("team".into(), "pets".into());
    doc
}

/// Replaces GET /pets (now MOCK), adds POST /pets, /stores, and a second
/// authorizer, redefines SecurePetsPool with another pool.
const UPDATE: &str = r#"
openapi: 3.0.1
info:
  title: SecurePets v2
  version: "2"
paths:
  /pets:
    get:
      security:
        - SecurePetsPool: []
      x-amazon-apigateway-integration:
        type: mock
    post:
      security:
        - Admins: []
      x-amazon-apigateway-integration:
        type: http
        httpMethod: POST
        uri: http://petstore.example.com/pets
  /stores/{storeId}:
    get:
      x-amazon-apigateway-integration:
        type: mock
components:
  securitySchemes:
    SecurePetsPool:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authorizer:
        type: cognito_user_pools
        providerARNs: ["arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_Other"]
    Admins:
      type: apiKey
      name: X-Admin-Token
      in: header
      x-amazon-apigateway-authorizer:
        type: cognito_user_pools
        providerARNs: ["arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_Admins"]
x-amazon-apigateway-gateway-responses:
  ACCESS_DENIED:
    statusCode: "403"
"#;

fn apply(base: &ApiDoc, mode: ImportMode, body: &str) -> (ApiDoc, Ids) {
    let mut ids = Ids::default();
    let doc = try_import(body.as_bytes(), Some(base), mode, &mut ids).expect("import");
    (doc, ids)
}

#[test]
fn merge_keeps_what_the_document_does_not_mention() {
    let base = base();
    let (doc, _) = apply(&base, ImportMode::Merge, UPDATE);
    assert_eq!(
        method(&doc, "/pets", "PURCHASE"),
        method(&base, "/pets", "PURCHASE")
    );
    assert_eq!(
        method(&doc, "/purchase", "POST"),
        method(&base, "/purchase", "POST")
    );
    assert_eq!(doc.models, base.models);
    assert!(doc.gateway_responses.contains_key("UNAUTHORIZED"));
    assert_eq!(doc.request_validators, base.request_validators);
    assert_eq!(doc.api.binary_media_types, ["image/png"]);
}

#[test]
fn merge_replaces_the_same_path_and_method_and_adds_new_ones() {
    let base = base();
    let (doc, _) = apply(&base, ImportMode::Merge, UPDATE);
    let get = method(&doc, "/pets", "GET");
    assert_eq!(get.method_integration.as_ref().unwrap().kind, "MOCK");
    assert!(
        get.request_parameters.is_empty(),
        "replaced whole, not patched"
    );
    let post = method(&doc, "/pets", "POST");
    assert_eq!(
        post.authorizer_id.as_ref(),
        Some(&authorizer(&doc, "Admins").id)
    );
    assert!(resource(&doc, "/stores").resource_methods.is_empty());
    assert_eq!(method(&doc, "/stores/{storeId}", "GET").http_method, "GET");
    assert!(doc.gateway_responses.contains_key("ACCESS_DENIED"));
}

#[test]
fn merge_keeps_the_ids_of_what_already_exists() {
    let base = base();
    let (doc, ids) = apply(&base, ImportMode::Merge, UPDATE);
    assert_eq!(doc.api.id, base.api.id);
    assert_eq!(doc.api.root_resource_id, base.api.root_resource_id);
    assert_eq!(resource(&doc, "/pets").id, resource(&base, "/pets").id);
    let pool = authorizer(&doc, "SecurePetsPool");
    assert_eq!(pool.id, authorizer(&base, "SecurePetsPool").id);
    assert_eq!(
        pool.provider_arns,
        ["arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_Other"],
        "the document's definition replaces the old one"
    );
    assert_eq!(doc.authorizers.len(), 2);
    // New ids only for what is new: Admins, /stores, /stores/{storeId}.
    let kinds: Vec<IdKind> = ids.asked.iter().map(|(k, _)| *k).collect();
    assert_eq!(
        kinds,
        [IdKind::Authorizer, IdKind::Resource, IdKind::Resource]
    );
    assert_eq!(doc.api.created_date, base.api.created_date);
}

#[test]
fn merge_takes_the_new_title_and_version() {
    let (doc, _) = apply(&base(), ImportMode::Merge, UPDATE);
    assert_eq!(doc.api.name, "SecurePets v2");
    assert_eq!(doc.api.version.as_deref(), Some("2"));
    assert_eq!(
        doc.api.description.as_deref(),
        Some("Pets behind a Cognito user pool authorizer")
    );
}

#[test]
fn merge_may_refer_to_an_authorizer_the_api_already_has() {
    let base = base();
    let body = "openapi: 3.0.1\ninfo: {title: T}\npaths:\n  /more:\n    get:\n      security:\n        - SecurePetsPool: [pets/read]\n";
    let (doc, _) = apply(&base, ImportMode::Merge, body);
    let get = method(&doc, "/more", "GET");
    assert_eq!(
        get.authorizer_id.as_ref(),
        Some(&authorizer(&base, "SecurePetsPool").id)
    );
    assert_eq!(get.authorization_scopes, ["pets/read"]);
    // A new API has no such authorizer to refer to.
    let err = try_import(
        body.as_bytes(),
        None,
        ImportMode::Create,
        &mut Ids::default(),
    )
    .unwrap_err();
    assert!(
        err.message
            .contains("no security scheme named 'SecurePetsPool'"),
        "{}",
        err.message
    );
}

#[test]
fn overwrite_replaces_everything_but_the_apis_identity() {
    let base = base();
    let (doc, _) = apply(&base, ImportMode::Overwrite, UPDATE);
    assert_eq!(doc.api.id, base.api.id);
    assert_eq!(doc.api.root_resource_id, base.api.root_resource_id);
    assert_eq!(doc.api.created_date, base.api.created_date);
    assert_eq!(doc.api.tags, base.api.tags);
    assert_eq!(doc.api.name, "SecurePets v2");
    assert_eq!(doc.api.description, None);
    assert!(doc.api.binary_media_types.is_empty());
    let mut paths: Vec<&str> = doc.resources.values().map(|r| r.path.as_str()).collect();
    paths.sort();
    assert_eq!(paths, ["/", "/pets", "/stores", "/stores/{storeId}"]);
    let methods: Vec<&String> = resource(&doc, "/pets").resource_methods.keys().collect();
    assert_eq!(methods, ["GET", "POST"], "PURCHASE is gone");
    assert!(doc.models.is_empty());
    assert!(doc.request_validators.is_empty());
    assert_eq!(
        doc.gateway_responses.keys().collect::<Vec<_>>(),
        ["ACCESS_DENIED"]
    );
    assert_eq!(doc.authorizers.len(), 2);
}

#[test]
fn overwrite_keeps_ids_of_paths_and_authorizers_that_remain() {
    let base = base();
    let (doc, _) = apply(&base, ImportMode::Overwrite, UPDATE);
    assert_eq!(resource(&doc, "/pets").id, resource(&base, "/pets").id);
    assert_eq!(
        authorizer(&doc, "SecurePetsPool").id,
        authorizer(&base, "SecurePetsPool").id
    );
}

#[test]
fn overwrite_without_a_title_keeps_the_name() {
    let base = base();
    let (doc, _) = apply(&base, ImportMode::Overwrite, "openapi: 3.0.1\npaths: {}\n");
    assert_eq!(doc.api.name, "SecurePets");
    assert_eq!(doc.resources.len(), 1, "only the root is left");
    assert!(doc.resources[&doc.api.root_resource_id]
        .resource_methods
        .is_empty());
    assert!(doc.authorizers.is_empty());
}

#[test]
fn a_failed_merge_reports_the_error_and_leaves_the_base_alone() {
    let base = base();
    let before = base.clone();
    let err = try_import(
        b"openapi: 3.0.1\npaths:\n  /pets:\n    get:\n      x-amazon-apigateway-integration: {type: kafka}\n",
        Some(&base),
        ImportMode::Merge,
        &mut Ids::default(),
    )
    .unwrap_err();
    assert!(err.message.contains("unsupported integration type 'kafka'"));
    assert_eq!(base, before);
}
