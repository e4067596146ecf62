use super::*;

const POOL_ARN: &str = "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc";

fn pools() -> BTreeMap<String, PoolRef> {
    let mut m = BTreeMap::new();
    m.insert(
        "SecurePets".to_string(),
        PoolRef {
            id: "us-east-1_abc".into(),
            arn: POOL_ARN.into(),
        },
    );
    m
}

fn api(text: &str) -> ApiSpec {
    toml::from_str(text).unwrap()
}

const SECURE_PETS: &str = r#"
name = "SecurePets"
description = "pets behind a Cognito authorizer"

[[authorizers]]
name = "pool"
pools = ["SecurePets", "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_other"]
client_regex = "^abc$"
ttl_secs = 0

[[routes]]
path = "/pets"
method = "GET"
authorizer = "pool"
integration = { type = "HTTP_PROXY", uri = "http://127.0.0.1:8081/pets", request_parameters = { "integration.request.header.x-user-sub" = "context.authorizer.claims.sub" } }

[[routes]]
path = "/pets/"
method = "PURCHASE"
authorizer = "pool"
integration = { type = "HTTP_PROXY", uri = "http://127.0.0.1:8081/pets", timeout_ms = 5000 }

[[routes]]
path = "/purchase"
method = "POST"
authorizer = "pool"
scopes = ["aws.cognito.signin.user.admin"]
api_key_required = true
integration = { type = "HTTP", uri = "http://127.0.0.1:8081/purchase", http_method = "put" }

[[routes]]
path = "/files/{proxy+}"
method = "ANY"
integration = { type = "HTTP_PROXY", uri = "http://127.0.0.1:8081/files/{proxy}" }

[[routes]]
path = "/health"
method = "GET"
integration = { type = "MOCK", status = 203, body = '{"ok": true}', headers = { X-Served-By = "cognate" } }
"#;

#[test]
fn authorizers_become_cognito_security_schemes_with_resolved_arns() {
    let doc = generate("apis[0]", &api(SECURE_PETS), &pools()).unwrap();
    assert_eq!(
        doc["components"]["securitySchemes"]["pool"],
        json!({
            "type": "apiKey", "name": "Authorization", "in": "header",
            "x-amazon-apigateway-authtype": "cognito_user_pools",
            "x-amazon-apigateway-authorizer": {
                "type": "cognito_user_pools",
                "providerARNs": [POOL_ARN, "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_other"],
                "identityValidationExpression": "^abc$",
                "authorizerResultTtlInSeconds": 0
            }
        })
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["api_key"],
        json!({"type": "apiKey", "name": "x-api-key", "in": "header"})
    );
    assert_eq!(
        doc["info"],
        json!({"title": "SecurePets", "version": "1.0", "description": "pets behind a Cognito authorizer"})
    );
    assert_eq!(doc["openapi"], "3.0.1");
}

#[test]
fn routes_become_operations_keyed_by_lower_case_method() {
    let doc = generate("apis[0]", &api(SECURE_PETS), &pools()).unwrap();
    let pets = &doc["paths"]["/pets"];
    assert_eq!(pets["get"]["security"], json!([{"pool": []}]));
    assert_eq!(
        pets["get"]["x-amazon-apigateway-integration"],
        json!({
            "type": "http_proxy", "httpMethod": "GET", "uri": "http://127.0.0.1:8081/pets",
            "passthroughBehavior": "when_no_match",
            "requestParameters": {"integration.request.header.x-user-sub": "context.authorizer.claims.sub"}
        })
    );
    assert_eq!(
        pets["purchase"]["x-amazon-apigateway-integration"]["httpMethod"],
        "PURCHASE"
    );
    assert_eq!(
        pets["purchase"]["x-amazon-apigateway-integration"]["timeoutInMillis"],
        5000
    );
    let purchase = &doc["paths"]["/purchase"]["post"];
    assert_eq!(
        purchase["security"],
        json!([{"pool": ["aws.cognito.signin.user.admin"], "api_key": []}])
    );
    assert_eq!(purchase["x-amazon-apigateway-integration"]["type"], "http");
    assert_eq!(
        purchase["x-amazon-apigateway-integration"]["httpMethod"],
        "PUT"
    );
    assert_eq!(
        purchase["x-amazon-apigateway-integration"]["responses"],
        json!({"default": {"statusCode": "200"}})
    );
}

#[test]
fn any_uses_the_any_method_extension_and_path_parameters_are_declared() {
    let doc = generate("apis[0]", &api(SECURE_PETS), &pools()).unwrap();
    let files = &doc["paths"]["/files/{proxy+}"]["x-amazon-apigateway-any-method"];
    assert_eq!(
        files["parameters"],
        json!([{"name": "proxy", "in": "path", "required": true, "schema": {"type": "string"}}])
    );
    assert_eq!(
        files["x-amazon-apigateway-integration"]["httpMethod"],
        "ANY"
    );
    assert!(files.get("security").is_none());
}

#[test]
fn mock_routes_answer_their_status_body_and_headers() {
    let doc = generate("apis[0]", &api(SECURE_PETS), &pools()).unwrap();
    let health = &doc["paths"]["/health"]["get"];
    assert_eq!(
        health["x-amazon-apigateway-integration"],
        json!({
            "type": "mock",
            "passthroughBehavior": "when_no_match",
            "requestTemplates": {"application/json": "{\"statusCode\": 203}"},
            "responses": {"default": {
                "statusCode": "203",
                "responseTemplates": {"application/json": "{\"ok\": true}"},
                "responseParameters": {"method.response.header.X-Served-By": "'cognate'"}
            }}
        })
    );
    assert_eq!(
        health["responses"],
        json!({"203": {"description": "the mock answer", "headers": {"X-Served-By": {"schema": {"type": "string"}}}}})
    );
}

#[test]
fn generation_is_deterministic() {
    let a = serde_json::to_vec(&generate("apis[0]", &api(SECURE_PETS), &pools()).unwrap()).unwrap();
    let b = serde_json::to_vec(&generate("apis[0]", &api(SECURE_PETS), &pools()).unwrap()).unwrap();
    assert_eq!(a, b);
}

#[test]
fn placeholders_name_declared_pools() {
    let filled = fill(
        "a ${pools.SecurePets.arn} b ${pools.SecurePets.id}",
        &pools(),
    )
    .unwrap();
    assert_eq!(filled, format!("a {POOL_ARN} b us-east-1_abc"));
    assert!(fill("${pools.Nope.arn}", &pools())
        .unwrap_err()
        .contains("no pool named \"Nope\""));
    assert!(fill("${pools.SecurePets.name}", &pools())
        .unwrap_err()
        .contains("must end in .arn or .id"));
    assert!(fill("${pools.SecurePets.arn", &pools())
        .unwrap_err()
        .contains("unterminated"));
    assert_eq!(
        fill("${stageVariables.url}/x", &pools()).unwrap(),
        "${stageVariables.url}/x"
    );
}

#[test]
fn an_openapi_file_gets_the_declared_name_and_its_placeholders_filled() {
    let dir = std::env::temp_dir().join(format!("cognate-apply-openapi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("api.yaml");
    std::fs::write(
        &file,
        "openapi: 3.0.1\ninfo:\n  title: Other\n  version: '2'\ncomponents:\n  securitySchemes:\n    pool:\n      x-amazon-apigateway-authorizer:\n        providerARNs: ['${pools.SecurePets.arn}']\n",
    )
    .unwrap();
    let spec = api("name = \"Declared\"\nopenapi = \"api.yaml\"");
    let doc = from_file("apis[0]", &spec, &file, &pools()).unwrap();
    assert_eq!(doc["info"]["title"], "Declared");
    assert_eq!(doc["info"]["version"], "2");
    assert_eq!(
        doc["components"]["securitySchemes"]["pool"]["x-amazon-apigateway-authorizer"]
            ["providerARNs"][0],
        POOL_ARN
    );
    let err = from_file("apis[0]", &spec, &dir.join("missing.yaml"), &pools()).unwrap_err();
    assert!(
        format!("{err:#}").starts_with("apis[0]: reading the OpenAPI file"),
        "{err:#}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
