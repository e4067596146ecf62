//! Gateway responses: defaults, per-API customisation (status, headers,
//! templates, DEFAULT_4XX/DEFAULT_5XX), and the answers for methods whose
//! integration cannot run or fails.

mod common;

use std::collections::BTreeMap;

use cognate_apigw::model::{GatewayResponse, Integration};
use common::*;
use serde_json::json;

fn custom(
    kind: &str,
    status: Option<&str>,
    headers: &[(&str, &str)],
    template: Option<&str>,
) -> GatewayResponse {
    GatewayResponse {
        response_type: kind.into(),
        status_code: status.map(str::to_string),
        response_parameters: headers
            .iter()
            .map(|(k, v)| (format!("gatewayresponse.header.{k}"), v.to_string()))
            .collect(),
        response_templates: template
            .map(|t| BTreeMap::from([("application/json".to_string(), t.to_string())]))
            .unwrap_or_default(),
        default_response: false,
    }
}

/// An integration that does not compile (a template directive).
fn broken() -> Integration {
    mock_answer("#set($x = 1) $x")
}

/// An address nothing listens on.
async fn closed_port_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}/down")
}

#[tokio::test]
async fn customised_unauthorized_has_its_status_headers_and_template() {
    let api = Api::new(API_ID)
        .authorizer(authorizer("auth01"))
        .method("/pets", "GET", cognito("auth01"))
        .gateway_response(custom(
            "UNAUTHORIZED",
            Some("418"),
            &[
                ("Access-Control-Allow-Origin", "'*'"),
                ("X-Trace", "method.request.header.X-Trace-Id"),
            ],
            Some(r#"{"error":$context.error.messageString,"type":"$context.error.responseType","id":"$context.requestId"}"#),
        ));
    let h = Harness::serving(vec![api.stage()]).await;
    let reply = h.call("GET", "/pets", &[("x-trace-id", "t-123")]).await;
    assert_eq!(reply.status.as_u16(), 418);
    assert_eq!(reply.header("access-control-allow-origin"), Some("*"));
    assert_eq!(reply.header("x-trace"), Some("t-123"));
    assert_eq!(
        reply.header("x-amzn-errortype"),
        Some("UnauthorizedException")
    );
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let id = reply.header("x-amzn-requestid").unwrap().to_string();
    assert_eq!(
        reply.json(),
        json!({"error": "Unauthorized", "type": "UNAUTHORIZED", "id": id})
    );
}

#[tokio::test]
async fn customised_template_carries_the_expired_message() {
    let api = Api::new(API_ID)
        .authorizer(authorizer("auth01"))
        .method("/pets", "GET", cognito("auth01"))
        .gateway_response(custom(
            "UNAUTHORIZED",
            None,
            &[],
            Some(r#"{"reason":"$context.error.message"}"#),
        ));
    let h = Harness::serving(vec![api.stage()]).await;
    let mut claims = id_claims(h.now());
    claims.insert("exp".into(), json!(h.now() - 1));
    let reply = h.call_with_token("GET", "/pets", &sign(&claims)).await;
    assert_eq!(reply.status.as_u16(), 401);
    assert_eq!(
        reply.json(),
        json!({"reason": "The incoming token has expired"})
    );
}

#[tokio::test]
async fn default_4xx_applies_to_types_not_customised_and_keeps_their_status() {
    let api = Api::new(API_ID)
        .method("/pets", "GET", open())
        .gateway_response(custom(
            "DEFAULT_4XX",
            Some("400"),
            &[("Access-Control-Allow-Origin", "'https://app.example'")],
            Some(r#"{"oops":$context.error.messageString}"#),
        ));
    let h = Harness::serving(vec![api.stage()]).await;
    let reply = h.call("GET", "/nowhere", &[]).await;
    assert_eq!(reply.status.as_u16(), 403);
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("https://app.example")
    );
    assert_eq!(
        reply.header("x-amzn-errortype"),
        Some("MissingAuthenticationTokenException")
    );
    assert_eq!(
        reply.json(),
        json!({"oops": "Missing Authentication Token"})
    );
}

#[tokio::test]
async fn customised_status_replaces_the_default_one() {
    let api = Api::new(API_ID)
        .method("/pets", "GET", open())
        .gateway_response(custom(
            "MISSING_AUTHENTICATION_TOKEN",
            Some("404"),
            &[],
            None,
        ));
    let h = Harness::serving(vec![api.stage()]).await;
    let reply = h.call("GET", "/nowhere", &[]).await;
    reply.assert_gateway(
        404,
        "Missing Authentication Token",
        "MissingAuthenticationTokenException",
    );
}

#[tokio::test]
async fn unknown_stage_answers_with_the_defaults() {
    let api = Api::new(API_ID)
        .method("/pets", "GET", open())
        .gateway_response(custom(
            "MISSING_AUTHENTICATION_TOKEN",
            Some("404"),
            &[],
            None,
        ));
    let h = Harness::serving(vec![api.stage()]).await;
    let reply = h
        .send(
            "GET",
            None,
            &format!("/_aws/execute-api/{API_ID}/other/pets"),
            &[],
        )
        .await;
    reply.assert_gateway(
        403,
        "Missing Authentication Token",
        "MissingAuthenticationTokenException",
    );
}

#[tokio::test]
async fn method_whose_integration_does_not_compile_answers_500_and_others_still_serve() {
    let api = Api::new(API_ID)
        .method("/broken", "GET", open_to(broken()))
        .method(
            "/none",
            "GET",
            cognate_apigw::model::Method {
                method_integration: None,
                ..open()
            },
        )
        .method("/pets", "GET", open());
    let h = Harness::serving(vec![api.stage()]).await;
    for path in ["/broken", "/none"] {
        h.call("GET", path, &[]).await.assert_gateway(
            500,
            "Internal server error",
            "InternalServerErrorException",
        );
    }
    h.call("GET", "/pets", &[]).await.assert_ok();
}

#[tokio::test]
async fn default_5xx_applies_to_configuration_errors() {
    let api = Api::new(API_ID)
        .method("/broken", "GET", open_to(broken()))
        .gateway_response(custom("DEFAULT_5XX", None, &[("X-Five", "'yes'")], None));
    let h = Harness::serving(vec![api.stage()]).await;
    let reply = h.call("GET", "/broken", &[]).await;
    reply.assert_gateway(500, "Internal server error", "InternalServerErrorException");
    assert_eq!(reply.header("x-five"), Some("yes"));
}

#[tokio::test]
async fn unreachable_backend_is_502_integration_failure() {
    let url = closed_port_url().await;
    let api = Api::new(API_ID)
        .method("/down", "GET", open_to(proxy_to(&url)))
        .gateway_response(custom(
            "INTEGRATION_FAILURE",
            None,
            &[("X-Origin", "method.request.header.Origin")],
            None,
        ));
    let h = Harness::serving(vec![api.stage()]).await;
    let reply = h
        .call("GET", "/down", &[("origin", "https://app.example")])
        .await;
    reply.assert_gateway(502, "Internal server error", "InternalServerErrorException");
    assert_eq!(reply.header("x-origin"), Some("https://app.example"));
}

#[tokio::test]
async fn a_request_declaring_more_than_ten_mebibytes_is_413_request_too_long() {
    let echo = Echo::start().await;
    let api = Api::new(API_ID).method("/pets", "POST", open_to(proxy_to(&echo.url("/pets"))));
    let h = Harness::serving(vec![api.stage()]).await;
    let reply = h
        .call("POST", "/pets", &[("content-length", "10485761")])
        .await;
    reply.assert_gateway(413, "Request Too Long", "RequestTooLargeException");
    let reply = h.call("POST", "/pets", &[("content-length", "0")]).await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.body);
}
