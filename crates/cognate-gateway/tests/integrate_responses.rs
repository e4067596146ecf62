//! The integrate phase's answers: HTTP integration responses selected by
//! the backend's status, request templates and passthrough, MOCK answers
//! (CORS preflights) and the integrations refused when compiled.

mod common_integrate;

use axum::body::Body;
use bytes::Bytes;
use cognate_gateway::integrate::compile;
use common_integrate::*;
use http::StatusCode;

// ---- HTTP (non-proxy) ----------------------------------------------------

fn selecting_integration(backend: &Backend) -> cognate_apigw::model::Integration {
    let mut i = integration("HTTP", &backend.url("/status/{code}"));
    i.http_method = Some("GET".into());
    i.integration_responses = [
        response(
            "200",
            None,
            &[
                ("method.response.header.X-Static", "'yes'"),
                (
                    "method.response.header.X-From-Backend",
                    "integration.response.header.x-backend",
                ),
            ],
            &[(
                "application/json",
                "{\"wrapped\": $input.json('$'), \"rid\": \"$context.requestId\"}",
            )],
        ),
        response(
            "404",
            Some("404"),
            &[],
            &[("application/json", "{\"message\": \"not here\"}")],
        ),
        response(
            "500",
            Some("5\\d{2}"),
            &[("method.response.header.X-Error", "'backend'")],
            &[],
        ),
    ]
    .into_iter()
    .collect();
    i
}

async fn call_status(backend: &Backend, code: &str) -> http::Response<Body> {
    let ctx = Ctx::new("/status/{code}", "GET").param("code", code);
    let req = request("GET", "/status/x").body(Body::empty()).expect("r");
    invoke(&selecting_integration(backend), &ctx, req)
        .await
        .expect("invoke")
}

#[tokio::test]
async fn http_default_response_maps_headers_and_renders_its_template() {
    let backend = Backend::start().await;
    let response = call_status(&backend, "200").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["x-static"], "yes");
    assert_eq!(response.headers()["x-from-backend"], "yes");
    assert_eq!(response.headers()["content-type"], "application/json");
    let body = json_body(response).await;
    assert_eq!(
        body,
        serde_json::json!({"wrapped": {"code": 200}, "rid": "req-0001"})
    );
}

#[tokio::test]
async fn http_selection_pattern_picks_a_static_template() {
    let backend = Backend::start().await;
    let response = call_status(&backend, "404").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(!response.headers().contains_key("x-static"));
    assert_eq!(
        bytes(response).await,
        Bytes::from_static(b"{\"message\": \"not here\"}")
    );
}

#[tokio::test]
async fn http_selection_pattern_regex_passes_the_backend_body_through() {
    let backend = Backend::start().await;
    let response = call_status(&backend, "503").await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(response.headers()["x-error"], "backend");
    assert_eq!(json_body(response).await["code"], 503);
}

#[tokio::test]
async fn http_without_a_matching_integration_response_is_internal_server_error() {
    let backend = Backend::start().await;
    let mut i = integration("HTTP", &backend.url("/status/200"));
    i.integration_responses = [response("404", Some("404"), &[], &[])]
        .into_iter()
        .collect();
    let ctx = Ctx::new("/x", "GET");
    let response = invoke(
        &i,
        &ctx,
        request("GET", "/x").body(Body::empty()).expect("r"),
    )
    .await
    .expect("invoke");
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        response.headers()["x-amzn-errortype"],
        "InternalServerErrorException"
    );
    assert_eq!(
        json_body(response).await,
        serde_json::json!({"message": "Internal server error"})
    );
}

#[tokio::test]
async fn http_sends_only_mapped_values_and_passes_the_body_through() {
    let backend = Backend::start().await;
    let mut i = with_params(
        integration("HTTP", &backend.url("/echo")),
        &[
            (
                "integration.request.header.x-user",
                "context.authorizer.claims.sub",
            ),
            (
                "integration.request.querystring.q",
                "method.request.querystring.q",
            ),
        ],
    );
    i.integration_responses = [response("200", None, &[], &[])].into_iter().collect();
    let ctx = Ctx::new("/echo", "POST");
    let req = request("POST", "/echo?q=1&other=2")
        .header("x-client-only", "nope")
        .header("content-type", "text/plain")
        .body(Body::from("hello"))
        .expect("r");
    let echo = json_body(invoke(&i, &ctx, req).await.expect("invoke")).await;
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["query"], "q=1");
    assert_eq!(echo["body"], "hello");
    assert_eq!(header_values(&echo, "x-user"), ["u-123"]);
    assert_eq!(header_values(&echo, "content-type"), ["text/plain"]);
    assert!(header_values(&echo, "x-client-only").is_empty());
}

#[tokio::test]
async fn http_request_template_renders_the_backend_payload() {
    let backend = Backend::start().await;
    let mut i = integration("HTTP", &backend.url("/echo"));
    i.http_method = Some("POST".into());
    i.request_templates = [(
        "application/json".to_string(),
        "{\"user\": \"$context.authorizer.claims.sub\", \"payload\": $input.json('$')}".to_string(),
    )]
    .into_iter()
    .collect();
    i.integration_responses = [response("200", None, &[], &[])].into_iter().collect();
    let ctx = Ctx::new("/echo", "POST");
    let req = request("POST", "/echo")
        .header("content-type", "application/json")
        .body(Body::from("{\"n\":1}"))
        .expect("r");
    let echo = json_body(invoke(&i, &ctx, req).await.expect("invoke")).await;
    let sent: serde_json::Value =
        serde_json::from_str(echo["body"].as_str().unwrap_or("")).expect("JSON payload");
    assert_eq!(
        sent,
        serde_json::json!({"user": "u-123", "payload": {"n": 1}})
    );
    assert_eq!(header_values(&echo, "content-type"), ["application/json"]);
}

#[tokio::test]
async fn http_passthrough_never_refuses_untemplated_content_with_415() {
    let backend = Backend::start().await;
    let mut i = integration("HTTP", &backend.url("/echo"));
    i.passthrough_behavior = Some("NEVER".into());
    i.request_templates = [("application/json".to_string(), "{}".to_string())]
        .into_iter()
        .collect();
    i.integration_responses = [response("200", None, &[], &[])].into_iter().collect();
    let ctx = Ctx::new("/echo", "POST");
    let req = request("POST", "/echo")
        .header("content-type", "text/plain")
        .body(Body::from("x"))
        .expect("r");
    let response = invoke(&i, &ctx, req).await.expect("invoke");
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        json_body(response).await,
        serde_json::json!({"message": "Unsupported Media Type"})
    );
}

#[tokio::test]
async fn http_mapped_headers_that_api_gateway_reserves_arrive_as_x_amzn_remapped() {
    let backend = Backend::start().await;
    let mut i = integration("HTTP", &backend.url("/status/200"));
    i.http_method = Some("GET".into());
    i.integration_responses = [response(
        "200",
        None,
        &[
            (
                "method.response.header.Server",
                "integration.response.header.x-backend",
            ),
            ("method.response.header.WWW-Authenticate", "'Basic'"),
            ("method.response.header.X-Plain", "'kept'"),
        ],
        &[],
    )]
    .into_iter()
    .collect();
    let ctx = Ctx::new("/r", "GET");
    let req = request("GET", "/r").body(Body::empty()).expect("r");
    let response = invoke(&i, &ctx, req).await.expect("invoke");
    let headers = response.headers();
    assert_eq!(headers["x-amzn-remapped-server"], "yes");
    assert_eq!(headers["x-amzn-remapped-www-authenticate"], "Basic");
    assert_eq!(headers["x-plain"], "kept");
    assert!(!headers.contains_key("server"));
    assert!(!headers.contains_key("www-authenticate"));
}

#[tokio::test]
async fn mock_mapped_date_is_remapped_and_www_authenticate_is_not() {
    let mut i = integration("MOCK", "");
    i.uri = None;
    i.integration_responses = [response(
        "200",
        None,
        &[
            ("method.response.header.Date", "'yesterday'"),
            ("method.response.header.WWW-Authenticate", "'Basic'"),
        ],
        &[],
    )]
    .into_iter()
    .collect();
    let ctx = Ctx::new("/m", "GET");
    let req = request("GET", "/m").body(Body::empty()).expect("r");
    let response = invoke(&i, &ctx, req).await.expect("invoke");
    let headers = response.headers();
    assert_eq!(headers["x-amzn-remapped-date"], "yesterday");
    assert_eq!(headers["www-authenticate"], "Basic");
    assert!(!headers.contains_key("date"));
}

// ---- MOCK ----------------------------------------------------------------

#[tokio::test]
async fn mock_answers_a_cors_preflight_with_static_headers() {
    let mut i = integration("MOCK", "");
    i.uri = None;
    i.request_templates = [(
        "application/json".to_string(),
        "{\"statusCode\": 200}".to_string(),
    )]
    .into_iter()
    .collect();
    i.integration_responses = [response(
        "200",
        None,
        &[
            ("method.response.header.Access-Control-Allow-Origin", "'*'"),
            (
                "method.response.header.Access-Control-Allow-Methods",
                "'GET,OPTIONS,PURCHASE'",
            ),
            (
                "method.response.header.Access-Control-Allow-Headers",
                "'Content-Type,Authorization'",
            ),
        ],
        &[("application/json", "")],
    )]
    .into_iter()
    .collect();
    let ctx = Ctx::new("/pets", "OPTIONS");
    let req = request("OPTIONS", "/pets")
        .header("origin", "https://app.example")
        .body(Body::empty())
        .expect("r");
    let response = invoke(&i, &ctx, req).await.expect("invoke");
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    assert_eq!(headers["access-control-allow-origin"], "*");
    assert_eq!(
        headers["access-control-allow-methods"],
        "GET,OPTIONS,PURCHASE"
    );
    assert_eq!(
        headers["access-control-allow-headers"],
        "Content-Type,Authorization"
    );
    assert_eq!(headers["content-type"], "application/json");
    assert!(bytes(response).await.is_empty());
}

#[tokio::test]
async fn mock_template_substitutes_context_claims_and_stage_variables() {
    let mut i = integration("MOCK", "");
    i.uri = None;
    i.request_templates = [(
        "application/json".to_string(),
        "{\"statusCode\": 201}".to_string(),
    )]
    .into_iter()
    .collect();
    i.integration_responses = [response(
        "201",
        None,
        &[],
        &[("application/json", "{\"id\": \"$context.requestId\", \"sub\": \"$context.authorizer.claims.sub\", \"env\": \"$stageVariables.env\"}")],
    )]
    .into_iter()
    .collect();
    let ctx = Ctx::new("/m", "GET").var("env", "dev");
    let response = invoke(
        &i,
        &ctx,
        request("GET", "/m").body(Body::empty()).expect("r"),
    )
    .await
    .expect("invoke");
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        json_body(response).await,
        serde_json::json!({"id": "req-0001", "sub": "u-123", "env": "dev"})
    );
}

#[tokio::test]
async fn mock_status_code_selects_the_integration_response() {
    let mut i = integration("MOCK", "");
    i.uri = None;
    i.request_templates = [(
        "application/json".to_string(),
        "{\"statusCode\": 404}".to_string(),
    )]
    .into_iter()
    .collect();
    i.integration_responses = [
        response("200", None, &[], &[("application/json", "{\"ok\": true}")]),
        response(
            "404",
            Some("404"),
            &[],
            &[("application/json", "{\"missing\": true}")],
        ),
    ]
    .into_iter()
    .collect();
    let ctx = Ctx::new("/m", "GET");
    let response = invoke(
        &i,
        &ctx,
        request("GET", "/m").body(Body::empty()).expect("r"),
    )
    .await
    .expect("invoke");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        json_body(response).await,
        serde_json::json!({"missing": true})
    );
}

#[tokio::test]
async fn mock_without_a_request_template_answers_200() {
    let mut i = integration("MOCK", "");
    i.uri = None;
    i.integration_responses = [response("200", None, &[], &[])].into_iter().collect();
    let ctx = Ctx::new("/m", "GET");
    let response = invoke(
        &i,
        &ctx,
        request("GET", "/m").body(Body::empty()).expect("r"),
    )
    .await
    .expect("invoke");
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn mock_with_a_template_that_is_not_json_is_internal_server_error() {
    let mut i = integration("MOCK", "");
    i.uri = None;
    i.request_templates = [(
        "application/json".to_string(),
        "statusCode: 200".to_string(),
    )]
    .into_iter()
    .collect();
    i.integration_responses = [response("200", None, &[], &[])].into_iter().collect();
    let ctx = Ctx::new("/m", "GET");
    let response = invoke(
        &i,
        &ctx,
        request("GET", "/m").body(Body::empty()).expect("r"),
    )
    .await
    .expect("invoke");
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

// ---- compile errors ------------------------------------------------------

fn compile_error(i: &cognate_apigw::model::Integration) -> String {
    match compile(i, "GET /pets") {
        Ok(_) => panic!("{i:?} compiled"),
        Err(e) => e.0,
    }
}

#[test]
fn bad_mapping_expressions_are_compile_errors_naming_them() {
    let i = with_params(
        integration("HTTP_PROXY", "http://b/x"),
        &[(
            "integration.request.header.x-user",
            "method.request.bogus.y",
        )],
    );
    let message = compile_error(&i);
    assert!(
        message.contains("method.request.bogus.y") && message.starts_with("GET /pets"),
        "{message}"
    );
    let i = with_params(
        integration("HTTP_PROXY", "http://b/x"),
        &[("integration.request.cookie.x", "'v'")],
    );
    assert!(compile_error(&i).contains("integration.request.cookie.x"));
    let i = with_params(
        integration("HTTP_PROXY", "http://b/x"),
        &[(
            "integration.request.header.x",
            "context.authorizer.claims['x'",
        )],
    );
    assert!(compile_error(&i).contains("context.authorizer.claims['x'"));
}

#[test]
fn bad_uris_types_templates_and_patterns_are_compile_errors() {
    assert!(compile_error(&integration("HTTP_PROXY", "ftp://b/x")).contains("ftp://b/x"));
    assert!(compile_error(&integration("HTTP_PROXY", "http://b/{id")).contains("{id"));
    let mut no_uri = integration("HTTP", "");
    no_uri.uri = None;
    assert!(compile_error(&no_uri).contains("uri"));
    assert!(compile_error(&integration("AWS_PROXY", "arn:aws:lambda")).contains("AWS_PROXY"));
    let mut directive = integration("MOCK", "");
    directive.request_templates = [("application/json".to_string(), "#set($x = 1)".to_string())]
        .into_iter()
        .collect();
    assert!(compile_error(&directive).contains("#set"));
    let mut pattern = integration("HTTP", "http://b/x");
    pattern.integration_responses = [response("400", Some("4(\\d"), &[], &[])]
        .into_iter()
        .collect();
    assert!(compile_error(&pattern).contains("selectionPattern"));
    let mut header = integration("MOCK", "");
    header.integration_responses = [response(
        "200",
        None,
        &[("method.response.header.X", "'bad\nvalue'")],
        &[],
    )]
    .into_iter()
    .collect();
    assert!(compile_error(&header).contains("header"));
}

#[test]
fn compiled_integrations_report_their_kind_and_timeout() {
    let mut i = integration("http_proxy", "http://b/x");
    i.timeout_in_millis = 1500;
    let c = compiled(&i);
    assert_eq!(c.kind(), "HTTP_PROXY");
    assert_eq!(c.timeout(), std::time::Duration::from_millis(1500));
}
