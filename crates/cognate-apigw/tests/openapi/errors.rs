//! Invalid documents: each is a BadRequestException whose message names the
//! JSON path of what is wrong.

use crate::support::import_error;

/// An OpenAPI 3 document with `paths` (JSON text) and `components`.
fn oas3(paths: &str, components: &str) -> String {
    format!(
        r#"{{"openapi": "3.0.1", "info": {{"title": "T"}}, "paths": {paths}, "components": {components}}}"#
    )
}

const POOL: &str = r#"{"securitySchemes": {"Pool": {"type": "apiKey", "name": "Authorization", "in": "header",
    "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools",
    "providerARNs": ["arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc"]}}}}"#;

fn assert_says(message: &str, expected: &str) {
    assert!(message.starts_with("Invalid OpenAPI input: "), "{message}");
    assert!(
        message.contains(expected),
        "expected {expected:?} in {message:?}"
    );
}

#[test]
fn a_missing_title_is_refused() {
    let m = import_error(r#"{"openapi": "3.0.1", "info": {"version": "1"}, "paths": {}}"#);
    assert_eq!(m, "Invalid OpenAPI input: info.title: required");
    let m = import_error("swagger: '2.0'\npaths: {}\n");
    assert_eq!(m, "Invalid OpenAPI input: info.title: required");
}

#[test]
fn an_unsupported_integration_type_names_its_path() {
    let m = import_error(&oas3(
        r#"{"/pets": {"get": {"x-amazon-apigateway-integration": {"type": "kafka"}}}}"#,
        "{}",
    ));
    assert_eq!(
        m,
        "Invalid OpenAPI input: paths./pets.get.x-amazon-apigateway-integration.type: unsupported integration type 'kafka'"
    );
}

#[test]
fn aws_service_integrations_are_refused() {
    let m = import_error(&oas3(
        r#"{"/pets": {"post": {"x-amazon-apigateway-integration": {"type": "aws_proxy",
            "httpMethod": "POST", "uri": "arn:aws:apigateway:us-east-1:lambda:path/fn"}}}}"#,
        "{}",
    ));
    assert_says(&m, "paths./pets.post.x-amazon-apigateway-integration.type: cognate does not run AWS service integrations");
}

#[test]
fn security_naming_an_unknown_scheme_is_refused() {
    let m = import_error(&oas3(
        r#"{"/pets": {"get": {"security": [{"Nope": []}], "responses": {}}}}"#,
        POOL,
    ));
    assert_eq!(
        m,
        "Invalid OpenAPI input: paths./pets.get.security[0].Nope: no security scheme named 'Nope'"
    );
}

#[test]
fn document_level_security_naming_an_unknown_scheme_is_refused() {
    let doc = r#"{"openapi": "3.0.1", "info": {"title": "T"}, "security": [{"Nope": []}],
        "paths": {"/pets": {"get": {"responses": {}}}}}"#;
    assert_says(
        &import_error(doc),
        "security[0].Nope: no security scheme named 'Nope'",
    );
}

#[test]
fn a_scheme_that_is_no_authorizer_cannot_protect_a_method() {
    let m = import_error(&oas3(
        r#"{"/pets": {"get": {"security": [{"OAuth": ["read"]}], "responses": {}}}}"#,
        r#"{"securitySchemes": {"OAuth": {"type": "oauth2", "flows": {}}}}"#,
    ));
    assert_says(&m, "paths./pets.get.security[0].OAuth: security scheme 'OAuth' is neither an API Gateway authorizer");
}

#[test]
fn an_unknown_authorizer_type_is_refused() {
    let m = import_error(&oas3(
        "{}",
        r#"{"securitySchemes": {"Pool": {"type": "apiKey", "name": "Authorization", "in": "header",
            "x-amazon-apigateway-authorizer": {"type": "jwt"}}}}"#,
    ));
    assert_says(
        &m,
        "components.securitySchemes.Pool.x-amazon-apigateway-authorizer.type: unknown authorizer type 'jwt'",
    );
}

#[test]
fn cognito_authorizers_need_user_pool_arns() {
    let m = import_error(&oas3(
        "{}",
        r#"{"securitySchemes": {"Pool": {"type": "apiKey", "name": "Authorization", "in": "header",
            "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools", "providerARNs": ["pool-1"]}}}}"#,
    ));
    assert_says(&m, "providerARNs: 'pool-1' is not a user pool ARN");
    let m = import_error(&oas3(
        "{}",
        r#"{"securitySchemes": {"Pool": {"type": "apiKey", "name": "Authorization", "in": "header",
            "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools"}}}}"#,
    ));
    assert_says(&m, "needs at least one user pool ARN");
}

#[test]
fn a_non_object_path_item_is_refused() {
    let m = import_error(&oas3(r#"{"/pets": "get"}"#, "{}"));
    assert_eq!(m, "Invalid OpenAPI input: paths./pets: must be an object");
}

#[test]
fn a_yaml_syntax_error_gives_its_line() {
    let m = import_error("openapi: 3.0.1\ninfo:\n  title: T\npaths:\n  /pets: [unclosed\n");
    assert_says(&m, "YAML syntax error at line ");
    let line: usize = m
        .split("at line ")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .and_then(|n| n.parse().ok())
        .expect("a line number");
    assert!((5..=6).contains(&line), "{m}");
}

#[test]
fn a_document_that_is_not_openapi_is_refused() {
    let m = import_error(r#"{"asyncapi": "2.0.0", "info": {"title": "T"}}"#);
    assert_says(&m, "neither 'openapi: 3.x' nor 'swagger: \"2.0\"'");
}

#[test]
fn more_than_500_resources_are_refused() {
    let paths: Vec<String> = (0..501).map(|i| format!(r#""/r{i}": {{}}"#)).collect();
    let m = import_error(&oas3(&format!("{{{}}}", paths.join(",")), "{}"));
    assert_says(&m, "more than 500");
    // 250 paths of two new resources each also go over.
    let paths: Vec<String> = (0..250).map(|i| format!(r#""/r{i}/s": {{}}"#)).collect();
    let m = import_error(&oas3(&format!("{{{}}}", paths.join(",")), "{}"));
    assert_says(&m, "the API would have more than 500 resources");
}

#[test]
fn greedy_parts_have_no_children_and_siblings_one_variable() {
    let m = import_error(&oas3(r#"{"/{proxy+}/x": {}}"#, "{}"));
    assert_says(
        &m,
        "paths./{proxy+}/x: {proxy+} is greedy and must be the last segment",
    );
    let m = import_error(&oas3(r#"{"/pets/{id}": {}, "/pets/{petId}": {}}"#, "{}"));
    assert_says(
        &m,
        "paths./pets/{petId}: a sibling ({id}) already has a variable path part",
    );
}

#[test]
fn one_path_written_twice_is_refused() {
    let m = import_error(&oas3(r#"{"/pets": {}, "/pets/": {}}"#, "{}"));
    assert_says(&m, "paths./pets/: the path /pets is defined twice");
}

#[test]
fn one_method_written_twice_is_refused() {
    let m = import_error(&oas3(r#"{"/pets": {"get": {}, "GET": {}}}"#, "{}"));
    assert_says(&m, "the method GET is defined twice");
}

#[test]
fn a_method_key_that_is_no_token_is_refused() {
    let m = import_error(&oas3(r#"{"/pets": {"not a method": {}}}"#, "{}"));
    assert_says(&m, "paths./pets.not a method: not an HTTP method");
}

#[test]
fn scopes_only_go_with_cognito_authorizers() {
    let components = r#"{"securitySchemes": {"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}}}"#;
    let m = import_error(&oas3(
        r#"{"/pets": {"get": {"security": [{"api_key": ["read"]}]}}}"#,
        components,
    ));
    assert_says(
        &m,
        "paths./pets.get.security[0].api_key: scopes apply only to Cognito user pool authorizers",
    );
}

#[test]
fn a_method_gets_one_authorizer() {
    let components = r#"{"securitySchemes": {
        "A": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authorizer":
              {"type": "cognito_user_pools", "providerARNs": ["arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_a"]}},
        "B": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authorizer":
              {"type": "cognito_user_pools", "providerARNs": ["arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_b"]}}}}"#;
    let m = import_error(&oas3(
        r#"{"/pets": {"get": {"security": [{"A": []}, {"B": []}]}}}"#,
        components,
    ));
    assert_says(&m, "a method can use only one authorizer");
}

#[test]
fn references_to_undefined_models_and_validators_are_refused() {
    let m = import_error(&oas3(
        r##"{"/pets": {"post": {"requestBody": {"content": {"application/json":
            {"schema": {"$ref": "#/components/schemas/Missing"}}}}}}}"##,
        "{}",
    ));
    assert_says(
        &m,
        "paths./pets.post.requestBody.content.application/json.schema: no model named 'Missing'",
    );
    let m = import_error(&oas3(
        r#"{"/pets": {"get": {"x-amazon-apigateway-request-validator": "strict"}}}"#,
        "{}",
    ));
    assert_says(&m, "paths./pets.get.x-amazon-apigateway-request-validator: no request validator named 'strict'");
    let m = import_error(&oas3(
        "{}",
        r##"{"schemas": {"A": {"$ref": "#/components/schemas/B"}}}"##,
    ));
    assert_says(&m, "components.schemas.A: $ref to unknown model 'B'");
}

#[test]
fn model_names_must_be_alphanumeric() {
    let m = import_error(&oas3(
        "{}",
        r#"{"schemas": {"Pet_Response": {"type": "object"}}}"#,
    ));
    assert_says(
        &m,
        "components.schemas.Pet_Response: model names must be alphanumeric",
    );
}

#[test]
fn unknown_gateway_response_types_are_refused() {
    let doc = r#"{"openapi": "3.0.1", "info": {"title": "T"}, "paths": {},
        "x-amazon-apigateway-gateway-responses": {"TEAPOT": {"statusCode": "418"}}}"#;
    assert_says(
        &import_error(doc),
        "x-amazon-apigateway-gateway-responses.TEAPOT: unknown gateway response type 'TEAPOT'",
    );
}

#[test]
fn wrongly_typed_values_are_refused_with_their_path() {
    let m = import_error(&oas3(r#"{"/pets": {"get": {"operationId": 7}}}"#, "{}"));
    assert_eq!(
        m,
        "Invalid OpenAPI input: paths./pets.get.operationId: must be a string"
    );
    let m = import_error(&oas3(
        r#"{"/pets": {"get": {"x-amazon-apigateway-integration": {"type": "mock", "requestTemplates": {"application/json": 1}}}}}"#,
        "{}",
    ));
    assert_says(&m, "paths./pets.get.x-amazon-apigateway-integration.requestTemplates.application/json: must be a string");
}
