//! GetExport: the shapes of OpenAPI 3.0.1 and Swagger 2.0 exports, and the
//! round trip import(export(api)) == api.

use cognate_apigw::model::ApiDoc;
use cognate_apigw::openapi::{export, ExportFormat, ImportMode};
use serde_json::{json, Value};

use crate::support::*;

const BASE_URL: &str = "http://api0000001.execute-api.localhost:4566";

fn securepets() -> ApiDoc {
    import_new(&fixture("securepets.oas3.yaml"))
}

fn exported(format: ExportFormat, extensions: bool) -> Value {
    export(&securepets(), &stage("prod"), format, extensions, BASE_URL)
}

#[test]
fn oas30_names_the_stage_url_and_the_api() {
    let out = exported(ExportFormat::Oas30, true);
    assert_eq!(out["openapi"], "3.0.1");
    assert_eq!(out["info"]["title"], "SecurePets");
    assert_eq!(out["info"]["version"], "2024-05-01");
    assert_eq!(out["servers"][0]["url"], format!("{BASE_URL}/prod"));
    assert_eq!(
        out["servers"][0]["variables"]["basePath"]["default"],
        "prod"
    );
}

#[test]
fn oas30_operations_carry_parameters_responses_and_security() {
    let out = exported(ExportFormat::Oas30, true);
    let get = &out["paths"]["/pets/{petId}"]["get"];
    assert_eq!(get["operationId"], "GetPet");
    assert!(get["parameters"].as_array().unwrap().contains(
        &json!({"name": "petId", "in": "path", "required": true, "schema": {"type": "string"}})
    ));
    assert_eq!(get["security"], json!([{"SecurePetsPool": []}]));
    assert_eq!(
        get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Pet"
    );
    let post = &out["paths"]["/purchase"]["post"];
    assert_eq!(
        post["security"],
        json!([{"SecurePetsPool": ["pets/purchase"]}])
    );
    assert_eq!(
        post["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Purchase"
    );
    assert_eq!(post["x-amazon-apigateway-request-validator"], "all");
    let list = &out["paths"]["/pets"]["get"];
    assert_eq!(
        list["responses"]["200"]["headers"]["Access-Control-Allow-Origin"],
        json!({"schema": {"type": "string"}})
    );
    assert!(out["paths"]["/health"]["get"].get("security").is_none());
    let any = &out["paths"]["/{proxy+}"]["x-amazon-apigateway-any-method"];
    assert_eq!(
        any["security"],
        json!([{"SecurePetsPool": [], "api_key": []}])
    );
}

#[test]
fn oas30_components_hold_models_and_the_authorizer() {
    let out = exported(ExportFormat::Oas30, true);
    let components = &out["components"];
    assert_eq!(
        components["schemas"]["Pets"]["items"]["$ref"],
        "#/components/schemas/Pet"
    );
    let pool = &components["securitySchemes"]["SecurePetsPool"];
    assert_eq!(pool["type"], "apiKey");
    assert_eq!(pool["name"], "Authorization");
    assert_eq!(pool["in"], "header");
    assert_eq!(pool["x-amazon-apigateway-authtype"], "cognito_user_pools");
    let ext = &pool["x-amazon-apigateway-authorizer"];
    assert_eq!(ext["type"], "cognito_user_pools");
    assert_eq!(
        ext["providerARNs"][0],
        "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_SecurePets"
    );
    assert_eq!(ext["identityValidationExpression"], "^[a-z0-9]{26}$");
    assert_eq!(
        components["securitySchemes"]["api_key"],
        json!({"type": "apiKey", "name": "x-api-key", "in": "header"})
    );
}

#[test]
fn extensions_carry_integrations_and_api_settings() {
    let out = exported(ExportFormat::Oas30, true);
    let integration = &out["paths"]["/pets/{petId}"]["get"]["x-amazon-apigateway-integration"];
    assert_eq!(integration["type"], "http_proxy");
    assert_eq!(integration["httpMethod"], "GET");
    assert_eq!(integration["timeoutInMillis"], 5000);
    assert_eq!(
        integration["requestParameters"]["integration.request.header.x-user-sub"],
        "context.authorizer.claims.sub"
    );
    let mock = &out["paths"]["/health"]["get"]["x-amazon-apigateway-integration"];
    assert_eq!(mock["responses"]["default"]["statusCode"], "200");
    assert_eq!(
        out["paths"]["/pets"]["get"]["x-amazon-apigateway-integration"]["passthroughBehavior"],
        "when_no_match"
    );
    assert!(out["paths"]["/pets"].get("purchase").is_some());
    assert_eq!(
        out["x-amazon-apigateway-binary-media-types"],
        json!(["image/png"])
    );
    assert_eq!(out["x-amazon-apigateway-api-key-source"], "HEADER");
    assert_eq!(
        out["x-amazon-apigateway-gateway-responses"]["UNAUTHORIZED"]["statusCode"],
        "401"
    );
    assert_eq!(
        out["x-amazon-apigateway-request-validators"]["all"],
        json!({"validateRequestBody": true, "validateRequestParameters": true})
    );
}

#[test]
fn without_extensions_only_plain_openapi_is_written() {
    let out = exported(ExportFormat::Oas30, false);
    let text = out.to_string();
    assert!(!text.contains("x-amazon-apigateway"), "{text}");
    assert!(out["paths"]["/pets"].get("get").is_some());
    assert!(
        out["paths"]["/pets"].get("purchase").is_none(),
        "not an OpenAPI method"
    );
    assert!(
        out["paths"].get("/{proxy+}").is_none(),
        "ANY is an extension"
    );
    assert_eq!(
        out["components"]["securitySchemes"]["SecurePetsPool"],
        json!({"type": "apiKey", "name": "Authorization", "in": "header"})
    );
}

#[test]
fn swagger_names_host_base_path_and_schemes() {
    let out = exported(ExportFormat::Swagger, true);
    assert_eq!(out["swagger"], "2.0");
    assert_eq!(out["host"], "api0000001.execute-api.localhost:4566");
    assert_eq!(out["basePath"], "/prod");
    assert_eq!(out["schemes"], json!(["http"]));
    assert!(out.get("servers").is_none() && out.get("components").is_none());
    assert_eq!(
        out["definitions"]["Pets"]["items"]["$ref"],
        "#/definitions/Pet"
    );
    assert_eq!(
        out["securityDefinitions"]["SecurePetsPool"]["x-amazon-apigateway-authorizer"]["type"],
        "cognito_user_pools"
    );
    let get = &out["paths"]["/pets/{petId}"]["get"];
    assert!(get["parameters"]
        .as_array()
        .unwrap()
        .contains(&json!({"name": "petId", "in": "path", "required": true, "type": "string"})));
    assert_eq!(
        get["responses"]["200"]["schema"]["$ref"],
        "#/definitions/Pet"
    );
    assert_eq!(get["produces"], json!(["application/json"]));
    let post = &out["paths"]["/purchase"]["post"];
    assert_eq!(post["consumes"], json!(["application/json"]));
    assert_eq!(
        post["parameters"][0],
        json!({"in": "body", "name": "Purchase", "required": true, "schema": {"$ref": "#/definitions/Purchase"}})
    );
}

#[test]
fn swagger_base_path_keeps_a_path_style_prefix() {
    let out = export(
        &securepets(),
        &stage("dev"),
        ExportFormat::Swagger,
        false,
        "http://localhost:4566/_aws/execute-api/api0000001/",
    );
    assert_eq!(out["host"], "localhost:4566");
    assert_eq!(out["basePath"], "/_aws/execute-api/api0000001/dev");
}

#[test]
fn a_version_less_api_exports_the_stage_date() {
    let mut doc = securepets();
    doc.api.version = None;
    let out = export(&doc, &stage("prod"), ExportFormat::Oas30, false, BASE_URL);
    assert_eq!(out["info"]["version"], "2023-11-14T22:13:20Z");
}

fn round_trip(format: ExportFormat) {
    let original = securepets();
    let out = export(&original, &stage("prod"), format, true, BASE_URL);
    let body = serde_json::to_vec(&out).unwrap();
    let again =
        try_import(&body, None, ImportMode::Create, &mut Ids::default()).expect("re-import");
    assert_eq!(view(&again), view(&original));
    assert!(again.api.warnings.is_empty(), "{:?}", again.api.warnings);
}

#[test]
fn oas30_export_imports_back_to_the_same_api() {
    round_trip(ExportFormat::Oas30);
}

#[test]
fn swagger_export_imports_back_to_the_same_api() {
    round_trip(ExportFormat::Swagger);
}
