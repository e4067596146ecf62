//! Importing SecurePets (OpenAPI 3 YAML and Swagger 2 JSON) and the rules
//! of the import that the fixtures exercise.

use cognate_apigw::openapi::{IdKind, ImportMode};
use serde_json::json;

use crate::support::*;

fn oas3() -> cognate_apigw::model::ApiDoc {
    import_new(&fixture("securepets.oas3.yaml"))
}

#[test]
fn info_becomes_the_apis_name_description_and_version() {
    let doc = oas3();
    assert_eq!(doc.api.name, "SecurePets");
    assert_eq!(
        doc.api.description.as_deref(),
        Some("Pets behind a Cognito user pool authorizer")
    );
    assert_eq!(doc.api.version.as_deref(), Some("2024-05-01"));
    assert_eq!(doc.api.created_date, NOW);
}

#[test]
fn the_api_and_root_ids_are_the_first_two_rest_api_ids() {
    let mut ids = Ids::default();
    let doc = try_import(
        &fixture("securepets.oas3.yaml"),
        None,
        ImportMode::Create,
        &mut ids,
    )
    .unwrap();
    assert_eq!(ids.asked[0], (IdKind::RestApi, doc.api.id.clone()));
    assert_eq!(
        ids.asked[1],
        (IdKind::RestApi, doc.api.root_resource_id.clone())
    );
    assert!(ids.asked[2..].iter().all(|(k, _)| *k != IdKind::RestApi));
    let root = &doc.resources[&doc.api.root_resource_id];
    assert_eq!((root.path.as_str(), root.parent_id.as_ref()), ("/", None));
    // Every other id came from the generator, with the kind it is for.
    for r in doc.resources.values().filter(|r| r.path != "/") {
        assert!(
            ids.asked.contains(&(IdKind::Resource, r.id.clone())),
            "{}",
            r.path
        );
    }
    let pool = authorizer(&doc, "SecurePetsPool");
    assert!(ids.asked.contains(&(IdKind::Authorizer, pool.id.clone())));
}

#[test]
fn paths_become_a_resource_tree_with_param_and_greedy_parts() {
    let doc = oas3();
    let mut paths: Vec<&str> = doc.resources.values().map(|r| r.path.as_str()).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/",
            "/health",
            "/pets",
            "/pets/{petId}",
            "/purchase",
            "/{proxy+}"
        ]
    );
    let pet = resource(&doc, "/pets/{petId}");
    assert_eq!(pet.path_part.as_deref(), Some("{petId}"));
    assert_eq!(pet.parent_id.as_ref(), Some(&resource(&doc, "/pets").id));
    let proxy = resource(&doc, "/{proxy+}");
    assert_eq!(proxy.parent_id.as_ref(), Some(&doc.api.root_resource_id));
}

#[test]
fn intermediate_resources_are_created() {
    let doc = import_new(
        br#"{"openapi": "3.0.0", "info": {"title": "Deep"},
             "paths": {"/a/b/{c}": {"get": {"responses": {}}}}}"#,
    );
    assert!(resource(&doc, "/a").resource_methods.is_empty());
    assert!(resource(&doc, "/a/b").resource_methods.is_empty());
    assert_eq!(
        resource(&doc, "/a/b").parent_id.as_ref(),
        Some(&resource(&doc, "/a").id)
    );
    assert!(method(&doc, "/a/b/{c}", "GET")
        .request_parameters
        .is_empty());
}

#[test]
fn the_cognito_authorizer_comes_from_its_security_scheme() {
    let doc = oas3();
    assert_eq!(doc.authorizers.len(), 1);
    let pool = authorizer(&doc, "SecurePetsPool");
    assert_eq!(pool.kind, "COGNITO_USER_POOLS");
    assert_eq!(pool.auth_type.as_deref(), Some("cognito_user_pools"));
    assert_eq!(
        pool.provider_arns,
        ["arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_SecurePets"]
    );
    assert_eq!(
        pool.identity_source.as_deref(),
        Some("method.request.header.Authorization")
    );
    assert_eq!(
        pool.identity_validation_expression.as_deref(),
        Some("^[a-z0-9]{26}$")
    );
    assert_eq!(pool.authorizer_result_ttl_in_seconds, Some(300));
}

#[test]
fn get_and_purchase_on_pets_use_the_pool_from_the_document_security() {
    let doc = oas3();
    let pool = authorizer(&doc, "SecurePetsPool");
    for m in ["GET", "PURCHASE"] {
        let method = method(&doc, "/pets", m);
        assert_eq!(method.http_method, m);
        assert_eq!(method.authorization_type, "COGNITO_USER_POOLS");
        assert_eq!(method.authorizer_id.as_ref(), Some(&pool.id));
        assert!(method.authorization_scopes.is_empty(), "ID-token mode");
        assert!(!method.api_key_required);
    }
    assert_eq!(
        method(&doc, "/pets", "PURCHASE").operation_name.as_deref(),
        Some("PurchasePet")
    );
}

#[test]
fn post_purchase_carries_its_scopes_model_and_validator() {
    let doc = oas3();
    let post = method(&doc, "/purchase", "POST");
    assert_eq!(post.authorization_type, "COGNITO_USER_POOLS");
    assert_eq!(post.authorization_scopes, ["pets/purchase"]);
    assert_eq!(post.request_models["application/json"], "Purchase");
    let validator = &doc.request_validators[post.request_validator_id.as_ref().unwrap()];
    assert_eq!(validator.name, "all");
    assert!(validator.validate_request_body && validator.validate_request_parameters);
    assert_eq!(post.method_responses["201"].status_code, "201");
}

#[test]
fn an_empty_security_list_makes_health_public_with_a_mock() {
    let doc = oas3();
    let health = method(&doc, "/health", "GET");
    assert_eq!(health.authorization_type, "NONE");
    assert_eq!(health.authorizer_id, None);
    let mock = health.method_integration.as_ref().unwrap();
    assert_eq!(mock.kind, "MOCK");
    assert_eq!(
        mock.request_templates["application/json"],
        r#"{"statusCode": 200}"#
    );
    let response = &mock.integration_responses["200"];
    assert_eq!(response.selection_pattern, None);
    assert_eq!(
        response.response_templates["application/json"],
        r#"{"status": "ok"}"#
    );
}

#[test]
fn get_pet_maps_a_claim_into_the_backend_request() {
    let doc = oas3();
    let get = method(&doc, "/pets/{petId}", "GET");
    assert_eq!(
        get.request_parameters.get("method.request.path.petId"),
        Some(&true)
    );
    assert_eq!(
        get.request_parameters.get("method.request.header.X-Trace"),
        Some(&true)
    );
    let i = get.method_integration.as_ref().unwrap();
    assert_eq!(i.kind, "HTTP_PROXY");
    assert_eq!(i.http_method.as_deref(), Some("GET"));
    assert_eq!(
        i.uri.as_deref(),
        Some("http://petstore.example.com/pets/{petId}")
    );
    assert_eq!(i.timeout_in_millis, 5000);
    assert_eq!(
        i.request_parameters["integration.request.header.x-user-sub"],
        "context.authorizer.claims.sub"
    );
    assert_eq!(
        i.request_parameters["integration.request.path.petId"],
        "method.request.path.petId"
    );
    assert_eq!(
        get.method_responses["200"].response_models["application/json"],
        "Pet"
    );
}

#[test]
fn list_pets_has_an_optional_query_parameter_a_response_header_and_a_mapping() {
    let doc = oas3();
    let get = method(&doc, "/pets", "GET");
    assert_eq!(get.operation_name.as_deref(), Some("ListPets"));
    assert_eq!(
        get.request_parameters
            .get("method.request.querystring.type"),
        Some(&false)
    );
    let response = &get.method_responses["200"];
    assert_eq!(
        response
            .response_parameters
            .get("method.response.header.Access-Control-Allow-Origin"),
        Some(&false)
    );
    assert_eq!(response.response_models["application/json"], "Pets");
    let i = get.method_integration.as_ref().unwrap();
    assert_eq!(i.kind, "HTTP");
    assert_eq!(i.passthrough_behavior.as_deref(), Some("WHEN_NO_MATCH"));
    assert_eq!(i.timeout_in_millis, 29_000, "the default");
    assert_eq!(
        i.integration_responses["200"].response_parameters
            ["method.response.header.Access-Control-Allow-Origin"],
        "'*'"
    );
}

#[test]
fn the_greedy_proxy_is_any_with_the_pool_and_an_api_key() {
    let doc = oas3();
    let any = method(&doc, "/{proxy+}", "ANY");
    assert_eq!(any.authorization_type, "COGNITO_USER_POOLS");
    assert!(any.api_key_required);
    assert_eq!(
        any.request_parameters.get("method.request.path.proxy"),
        Some(&true)
    );
    let i = any.method_integration.as_ref().unwrap();
    assert_eq!(
        (i.kind.as_str(), i.http_method.as_deref()),
        ("HTTP_PROXY", Some("ANY"))
    );
}

#[test]
fn schemas_become_json_models_with_references_in_api_gateway_form() {
    let doc = oas3();
    let names: Vec<&String> = doc.models.keys().collect();
    assert_eq!(names, ["Pet", "Pets", "Purchase"]);
    let pets = &doc.models["Pets"];
    assert_eq!(pets.content_type, "application/json");
    let schema: serde_json::Value = serde_json::from_str(pets.schema.as_deref().unwrap()).unwrap();
    assert_eq!(
        schema["items"]["$ref"],
        format!(
            "https://apigateway.amazonaws.com/restapis/{}/models/Pet",
            doc.api.id
        )
    );
}

#[test]
fn api_level_extensions_are_read() {
    let doc = oas3();
    assert_eq!(doc.api.binary_media_types, ["image/png"]);
    assert_eq!(doc.api.api_key_source.as_deref(), Some("HEADER"));
    let unauthorized = &doc.gateway_responses["UNAUTHORIZED"];
    assert_eq!(unauthorized.status_code.as_deref(), Some("401"));
    assert_eq!(
        unauthorized.response_parameters["gatewayresponse.header.Access-Control-Allow-Origin"],
        "'*'"
    );
    assert!(!unauthorized.default_response);
    assert!(doc.api.warnings.is_empty(), "{:?}", doc.api.warnings);
}

#[test]
fn swagger_2_json_imports_to_the_same_api_as_openapi_3_yaml() {
    let from_yaml = oas3();
    let from_json = import_new(&fixture("securepets.swagger.json"));
    assert_eq!(view(&from_json), view(&from_yaml));
}

#[test]
fn non_standard_method_tokens_become_methods() {
    let doc = import_new(
        b"openapi: 3.0.0\ninfo: {title: T}\npaths:\n  /pets:\n    purchase:\n      responses: {}\n",
    );
    assert_eq!(method(&doc, "/pets", "PURCHASE").authorization_type, "NONE");
}

#[test]
fn unknown_extensions_and_unsupported_bits_are_ignored_with_warnings() {
    let doc = import_new(
        br#"openapi: 3.0.0
info: {title: T}
x-amazon-apigateway-documentation: {version: "1"}
x-vendor-thing: 1
paths:
  /pets:
    x-amazon-apigateway-something: {}
    get:
      parameters:
        - {name: session, in: cookie}
      responses:
        default: {description: anything}
        "200":
          description: inline
          content:
            application/json:
              schema: {type: object}
"#,
    );
    let get = method(&doc, "/pets", "GET");
    assert!(get.request_parameters.is_empty());
    assert_eq!(get.method_responses.keys().collect::<Vec<_>>(), ["200"]);
    assert!(get.method_responses["200"].response_models.is_empty());
    let warnings = doc.api.warnings.join("\n");
    for expected in [
        "x-amazon-apigateway-documentation: not supported; ignored",
        "paths./pets.x-amazon-apigateway-something: not supported; ignored",
        "cookie parameters are not supported",
        "paths./pets.get.responses.default: not a status code; ignored",
        "inline schemas are not imported as models",
    ] {
        assert!(
            warnings.contains(expected),
            "missing {expected:?} in {warnings}"
        );
    }
}

#[test]
fn path_level_parameters_apply_to_every_operation_and_refs_resolve() {
    let doc = import_new(
        br#"openapi: 3.0.0
info: {title: T}
components:
  parameters:
    Id: {name: id, in: path, required: true}
paths:
  /things/{id}:
    parameters:
      - $ref: '#/components/parameters/Id'
    get:
      parameters:
        - {name: q, in: query, required: true}
      responses: {}
    delete:
      responses: {}
"#,
    );
    assert_eq!(
        method(&doc, "/things/{id}", "GET").request_parameters.len(),
        2
    );
    assert_eq!(
        method(&doc, "/things/{id}", "GET")
            .request_parameters
            .get("method.request.querystring.q"),
        Some(&true)
    );
    assert_eq!(
        method(&doc, "/things/{id}", "DELETE")
            .request_parameters
            .get("method.request.path.id"),
        Some(&true)
    );
}

#[test]
fn token_and_request_authorizers_are_stored_as_custom() {
    let doc = import_new(
        br#"{"swagger": "2.0", "info": {"title": "T"},
        "securityDefinitions": {
          "Lambda": {"type": "apiKey", "name": "X-Token", "in": "header",
            "x-amazon-apigateway-authtype": "custom",
            "x-amazon-apigateway-authorizer": {"type": "token",
              "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/fn",
              "authorizerResultTtlInSeconds": "60"}}},
        "paths": {"/x": {"get": {"security": [{"Lambda": []}], "responses": {}}}}}"#,
    );
    let lambda = authorizer(&doc, "Lambda");
    assert_eq!(lambda.kind, "TOKEN");
    assert_eq!(
        lambda.identity_source.as_deref(),
        Some("method.request.header.X-Token")
    );
    assert_eq!(lambda.authorizer_result_ttl_in_seconds, Some(60));
    assert_eq!(lambda.auth_type.as_deref(), Some("custom"));
    let get = method(&doc, "/x", "GET");
    assert_eq!(get.authorization_type, "CUSTOM");
    assert_eq!(get.authorizer_id.as_ref(), Some(&lambda.id));
}

#[test]
fn a_sigv4_scheme_means_aws_iam() {
    let doc = import_new(
        br#"{"openapi": "3.0.1", "info": {"title": "T"},
        "components": {"securitySchemes": {"sigv4": {"type": "apiKey", "name": "Authorization",
          "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}}},
        "paths": {"/x": {"get": {"security": [{"sigv4": []}], "responses": {}}}}}"#,
    );
    assert_eq!(method(&doc, "/x", "GET").authorization_type, "AWS_IAM");
    assert!(doc.authorizers.is_empty());
}

#[test]
fn yaml_integers_and_json_strings_are_the_same_status_codes() {
    let doc = import_new(&fixture("securepets.oas3.yaml"));
    let get = method(&doc, "/pets", "GET");
    assert!(get.method_responses.contains_key("200"));
    assert_eq!(
        get.method_integration
            .as_ref()
            .unwrap()
            .integration_responses["200"]
            .status_code,
        "200"
    );
    assert_eq!(
        json!(doc.gateway_responses["UNAUTHORIZED"].status_code),
        json!("401")
    );
}
