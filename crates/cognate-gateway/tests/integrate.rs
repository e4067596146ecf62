//! The integrate phase against a real backend on loopback: HTTP_PROXY
//! forwarding and streaming, request mappings, URI templates, failures and
//! timeouts.

mod common_integrate;

use axum::body::Body;
use bytes::Bytes;
use cognate_gateway::integrate::IntegrationError;
use common_integrate::*;
use http::{HeaderValue, Method, StatusCode};
use http_body_util::BodyExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

// ---- HTTP_PROXY ----------------------------------------------------------

#[tokio::test]
async fn proxy_forwards_an_extension_method_path_query_and_headers_with_the_backends_host() {
    let backend = Backend::start().await;
    let i = integration("HTTP_PROXY", &backend.url("/pets"));
    let ctx = Ctx::new("/pets", "ANY");
    let req = request("PURCHASE", "/pets?a=1&b=two%20words")
        .header("host", "abc123.execute-api.localhost:4566")
        .header("expect", "100-continue")
        .header("authorization", "Bearer eyJ.token")
        .header("x-custom", "one")
        .body(Body::empty())
        .expect("request");
    let response = invoke(&i, &ctx, req).await.expect("invoke");
    assert_eq!(response.status(), StatusCode::OK);
    let echo = json_body(response).await;
    assert_eq!(echo["method"], "PURCHASE");
    assert_eq!(echo["path"], "/pets");
    assert_eq!(echo["query"], "a=1&b=two%20words");
    assert_eq!(header_values(&echo, "authorization"), ["Bearer eyJ.token"]);
    assert_eq!(header_values(&echo, "x-custom"), ["one"]);
    assert_eq!(header_values(&echo, "host"), [backend.addr.to_string()]);
    assert!(header_values(&echo, "expect").is_empty(), "{echo}");
}

#[tokio::test]
async fn proxy_uses_the_integration_method_unless_it_is_any() {
    let backend = Backend::start().await;
    let mut i = integration("HTTP_PROXY", &backend.url("/x"));
    i.http_method = Some("POST".into());
    let ctx = Ctx::new("/x", "GET");
    let response = invoke(
        &i,
        &ctx,
        request("GET", "/x").body(Body::empty()).expect("request"),
    )
    .await
    .expect("invoke");
    assert_eq!(json_body(response).await["method"], "POST");
}

#[tokio::test]
async fn request_method_is_taken_from_the_client_for_any() {
    let backend = Backend::start().await;
    let i = integration("HTTP_PROXY", &backend.url("/m"));
    let ctx = Ctx::new("/m", "ANY");
    let req = request(Method::DELETE.as_str(), "/m")
        .header("x-a", HeaderValue::from_static("1"))
        .body(Body::empty())
        .expect("r");
    assert_eq!(
        json_body(invoke(&i, &ctx, req).await.expect("invoke")).await["method"],
        "DELETE"
    );
}

#[tokio::test]
async fn proxy_inserts_a_greedy_path_without_encoding_its_slashes() {
    let backend = Backend::start().await;
    let i = with_params(
        integration("HTTP_PROXY", &backend.url("/store/{proxy}")),
        &[(
            "integration.request.path.proxy",
            "method.request.path.proxy",
        )],
    );
    let ctx = Ctx::new("/files/{proxy+}", "ANY").param("proxy", "a b/c/d.txt");
    let req = request("GET", "/files/a%20b/c/d.txt")
        .body(Body::empty())
        .expect("request");
    let echo = json_body(invoke(&i, &ctx, req).await.expect("invoke")).await;
    assert_eq!(echo["path"], "/store/a%20b/c/d.txt");
}

#[tokio::test]
async fn uri_placeholders_fall_back_to_the_method_path_parameter() {
    let backend = Backend::start().await;
    let i = integration("HTTP_PROXY", &backend.url("/pets/{petId}"));
    let ctx = Ctx::new("/pets/{petId}", "GET").param("petId", "a/b c");
    let echo = json_body(
        invoke(
            &i,
            &ctx,
            request("GET", "/pets/x").body(Body::empty()).expect("r"),
        )
        .await
        .expect("invoke"),
    )
    .await;
    assert_eq!(echo["path"], "/pets/a%2Fb%20c");
}

#[tokio::test]
async fn proxy_streams_a_five_mebibyte_body_both_ways_intact() {
    let backend = Backend::start().await;
    let i = integration("HTTP_PROXY", &backend.url("/echo-body"));
    let ctx = Ctx::new("/echo-body", "POST");
    let payload: Vec<u8> = (0..5 * 1024 * 1024).map(|i: u32| (i % 251) as u8).collect();
    let req = request("POST", "/echo-body")
        .body(Body::from(payload.clone()))
        .expect("request");
    let response = invoke(&i, &ctx, req).await.expect("invoke");
    assert_eq!(response.status(), StatusCode::OK);
    let echoed = bytes(response).await;
    assert_eq!(echoed.len(), payload.len());
    assert!(echoed == payload, "the echoed body differs");
}

#[tokio::test]
async fn proxy_streams_chunks_before_the_request_body_ends() {
    let backend = Backend::start().await;
    let i = integration("HTTP_PROXY", &backend.url("/echo-body"));
    let ctx = Ctx::new("/echo-body", "POST");
    let (tx, rx) = mpsc::channel(4);
    let req = request("POST", "/echo-body")
        .body(Body::new(ChannelBody(rx)))
        .expect("request");
    tx.send(Bytes::from_static(b"first chunk"))
        .await
        .expect("send");
    // The response head and the first chunk arrive while the client still
    // holds the rest of its body: nothing is buffered whole on the way.
    let response = integrator()
        .invoke(&compiled(&i), &ctx.get(), req)
        .await
        .expect("invoke");
    let mut body = response.into_body();
    let first = body
        .frame()
        .await
        .expect("a frame")
        .expect("data")
        .into_data()
        .expect("data frame");
    assert_eq!(first, Bytes::from_static(b"first chunk"));
    tx.send(Bytes::from_static(b"second")).await.expect("send");
    drop(tx);
    let rest = body.collect().await.expect("rest").to_bytes();
    assert_eq!(rest, Bytes::from_static(b"second"));
}

/// A client body that sends one chunk and then fails (the client went away).
struct FailsAfterOneChunk(bool);

impl hyper::body::Body for FailsAfterOneChunk {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, std::io::Error>>> {
        let failed = std::mem::replace(&mut self.0, true);
        std::task::Poll::Ready(Some(if failed {
            Err(std::io::Error::other("the client went away"))
        } else {
            Ok(hyper::body::Frame::data(Bytes::from_static(b"partial")))
        }))
    }
}

#[tokio::test]
async fn a_client_body_that_fails_midway_is_a_failure() {
    let backend = Backend::start().await;
    let i = integration("HTTP_PROXY", &backend.url("/echo-body"));
    let ctx = Ctx::new("/echo-body", "POST");
    let req = request("POST", "/echo-body")
        .body(Body::new(FailsAfterOneChunk(false)))
        .expect("request");
    let err = invoke(&i, &ctx, req).await.expect_err("fails");
    assert!(
        matches!(&err, IntegrationError::Failure(m) if m.contains("the client went away")),
        "{err:?}"
    );
}

#[tokio::test]
async fn proxy_appends_the_client_address_to_x_forwarded_for() {
    let backend = Backend::start().await;
    let i = integration("HTTP_PROXY", &backend.url("/echo"));
    let ctx = Ctx::new("/echo", "GET");
    let req = request("GET", "/echo")
        .header("x-forwarded-for", "203.0.113.7")
        .body(Body::empty())
        .expect("r");
    let echo = json_body(invoke(&i, &ctx, req).await.expect("invoke")).await;
    assert_eq!(
        header_values(&echo, "x-forwarded-for"),
        ["203.0.113.7, 10.1.2.3"]
    );
}

#[tokio::test]
async fn proxy_strips_hop_by_hop_request_headers() {
    let backend = Backend::start().await;
    let i = integration("HTTP_PROXY", &backend.url("/echo"));
    let ctx = Ctx::new("/echo", "GET");
    let req = request("GET", "/echo")
        .header("connection", "x-private")
        .header("x-private", "secret")
        .header("keep-alive", "timeout=5")
        .header("proxy-authorization", "Basic abc")
        .header("te", "trailers")
        .header("upgrade", "websocket")
        .header("x-end-to-end", "kept")
        .body(Body::empty())
        .expect("request");
    let echo = json_body(invoke(&i, &ctx, req).await.expect("invoke")).await;
    for gone in [
        "x-private",
        "keep-alive",
        "proxy-authorization",
        "te",
        "upgrade",
    ] {
        assert!(
            header_values(&echo, gone).is_empty(),
            "{gone} was forwarded"
        );
    }
    assert!(!header_values(&echo, "connection")
        .iter()
        .any(|v| v.contains("x-private")));
    assert_eq!(header_values(&echo, "x-end-to-end"), ["kept"]);
}

#[tokio::test]
async fn proxy_drops_the_request_headers_api_gateway_does_not_forward() {
    let backend = Backend::start().await;
    let i = integration("HTTP_PROXY", &backend.url("/echo"));
    let ctx = Ctx::new("/echo", "GET");
    let req = request("GET", "/echo")
        .header("expect", "100-continue")
        .header("max-forwards", "3")
        .header("server", "client")
        .header("via", "1.1 corporate-proxy")
        .header("www-authenticate", "Basic")
        .header("content-md5", "Q2hlY2sgSW50ZWdyaXR5IQ==")
        .header("x-end-to-end", "kept")
        .body(Body::empty())
        .expect("request");
    let echo = json_body(invoke(&i, &ctx, req).await.expect("invoke")).await;
    for gone in [
        "expect",
        "max-forwards",
        "server",
        "via",
        "www-authenticate",
        "content-md5",
    ] {
        assert!(
            header_values(&echo, gone).is_empty(),
            "{gone} was forwarded"
        );
    }
    assert_eq!(header_values(&echo, "x-end-to-end"), ["kept"]);
}

#[tokio::test]
async fn proxy_strips_hop_by_hop_response_headers_and_keeps_the_rest() {
    let backend = Backend::start().await;
    let i = integration("HTTP_PROXY", &backend.url("/hop"));
    let ctx = Ctx::new("/hop", "GET");
    let response = invoke(
        &i,
        &ctx,
        request("GET", "/hop").body(Body::empty()).expect("r"),
    )
    .await
    .expect("invoke");
    let headers = response.headers().clone();
    for gone in ["connection", "x-secret", "keep-alive", "proxy-authenticate"] {
        assert!(!headers.contains_key(gone), "{gone} came back");
    }
    assert_eq!(headers["x-end-to-end"], "kept");
    assert_eq!(bytes(response).await, Bytes::from_static(b"hop"));
}

#[tokio::test]
async fn proxy_passes_the_backends_connection_length_date_and_server_as_x_amzn_remapped_and_drops_via(
) {
    let backend = Backend::start().await;
    let i = integration("HTTP_PROXY", &backend.url("/reserved"));
    let ctx = Ctx::new("/reserved", "GET");
    let response = invoke(
        &i,
        &ctx,
        request("GET", "/reserved").body(Body::empty()).expect("r"),
    )
    .await
    .expect("invoke");
    let headers = response.headers().clone();
    assert_eq!(headers["x-amzn-remapped-server"], "origin/1.0");
    assert_eq!(headers["x-amzn-remapped-content-length"], "8");
    assert_eq!(headers["x-amzn-remapped-connection"], "keep-alive");
    let date = headers["x-amzn-remapped-date"].to_str().expect("date");
    assert!(date.ends_with(" GMT"), "{date}");
    // The gateway's listener writes its own Date and Content-Length.
    for gone in ["server", "via", "date", "content-length", "connection"] {
        assert!(!headers.contains_key(gone), "{gone} came back: {headers:?}");
    }
    assert_eq!(headers["x-end-to-end"], "kept");
    assert_eq!(bytes(response).await, Bytes::from_static(b"reserved"));
}

#[tokio::test]
async fn proxy_returns_the_backend_status_and_body_unchanged() {
    let backend = Backend::start().await;
    let i = integration("HTTP_PROXY", &backend.url("/status/418"));
    let ctx = Ctx::new("/s", "GET");
    let response = invoke(
        &i,
        &ctx,
        request("GET", "/s").body(Body::empty()).expect("r"),
    )
    .await
    .expect("invoke");
    assert_eq!(response.status(), StatusCode::IM_A_TEAPOT);
    assert_eq!(response.headers()["x-backend"], "yes");
    assert_eq!(json_body(response).await["code"], 418);
}

// ---- request mappings ----------------------------------------------------

#[tokio::test]
async fn mapped_headers_come_from_claims_stage_variables_literals_and_the_query() {
    let backend = Backend::start().await;
    let i = with_params(
        integration("HTTP_PROXY", &backend.url("/echo")),
        &[
            (
                "integration.request.header.x-user-sub",
                "context.authorizer.claims.sub",
            ),
            (
                "integration.request.header.x-user-role",
                "context.authorizer.claims['custom:role']",
            ),
            (
                "integration.request.header.x-groups",
                "context.authorizer.claims.cognito:groups",
            ),
            ("integration.request.header.x-env", "stageVariables.env"),
            ("integration.request.header.x-fixed", "'static value'"),
            (
                "integration.request.header.x-from-query",
                "method.request.querystring.color",
            ),
            ("integration.request.header.x-custom", "'overridden'"),
            (
                "integration.request.header.x-absent",
                "method.request.header.x-not-sent",
            ),
            (
                "integration.request.querystring.user",
                "context.authorizer.claims.sub",
            ),
        ],
    );
    let ctx = Ctx::new("/echo", "GET").var("env", "staging");
    let req = request("GET", "/echo?color=red%20ish")
        .header("x-custom", "client")
        .body(Body::empty())
        .expect("r");
    let echo = json_body(invoke(&i, &ctx, req).await.expect("invoke")).await;
    assert_eq!(header_values(&echo, "x-user-sub"), ["u-123"]);
    assert_eq!(header_values(&echo, "x-user-role"), ["admin"]);
    assert_eq!(header_values(&echo, "x-groups"), ["ops,dev"]);
    assert_eq!(header_values(&echo, "x-env"), ["staging"]);
    assert_eq!(header_values(&echo, "x-fixed"), ["static value"]);
    assert_eq!(header_values(&echo, "x-from-query"), ["red ish"]);
    assert_eq!(header_values(&echo, "x-custom"), ["overridden"]);
    assert!(header_values(&echo, "x-absent").is_empty());
    assert_eq!(echo["query"], "color=red%20ish&user=u-123");
}

#[tokio::test]
async fn uri_stage_variables_pick_the_backend_host() {
    let backend = Backend::start().await;
    let i = integration("HTTP_PROXY", "http://${stageVariables.host}/v1/{id}");
    let ctx = Ctx::new("/things/{id}", "GET")
        .var("host", &backend.addr.to_string())
        .param("id", "42");
    let echo = json_body(
        invoke(
            &i,
            &ctx,
            request("GET", "/things/42").body(Body::empty()).expect("r"),
        )
        .await
        .expect("invoke"),
    )
    .await;
    assert_eq!(echo["path"], "/v1/42");
}

#[tokio::test]
async fn a_missing_path_parameter_is_bad_request_parameters() {
    let backend = Backend::start().await;
    let i = integration("HTTP_PROXY", &backend.url("/pets/{petId}"));
    let ctx = Ctx::new("/pets", "GET");
    let err = invoke(
        &i,
        &ctx,
        request("GET", "/pets").body(Body::empty()).expect("r"),
    )
    .await
    .expect_err("fails");
    assert!(
        matches!(&err, IntegrationError::BadRequestParameters(m) if m.contains("petId")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_mapped_path_parameter_without_a_value_is_bad_request_parameters() {
    let backend = Backend::start().await;
    let i = with_params(
        integration("HTTP_PROXY", &backend.url("/pets/{id}")),
        &[(
            "integration.request.path.id",
            "method.request.querystring.id",
        )],
    );
    let ctx = Ctx::new("/pets", "GET");
    let err = invoke(
        &i,
        &ctx,
        request("GET", "/pets").body(Body::empty()).expect("r"),
    )
    .await
    .expect_err("fails");
    assert!(
        matches!(err, IntegrationError::BadRequestParameters(_)),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_uri_that_is_not_absolute_after_substitution_is_a_failure() {
    let i = integration("HTTP_PROXY", "${stageVariables.base}/x");
    let ctx = Ctx::new("/x", "GET").var("base", "not-a-url");
    let err = invoke(
        &i,
        &ctx,
        request("GET", "/x").body(Body::empty()).expect("r"),
    )
    .await
    .expect_err("fails");
    assert!(
        matches!(&err, IntegrationError::Failure(m) if m.contains("absolute")),
        "{err:?}"
    );
}

// ---- failures ------------------------------------------------------------

#[tokio::test]
async fn connection_refused_is_a_failure() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let i = integration("HTTP_PROXY", &format!("http://{addr}/x"));
    let ctx = Ctx::new("/x", "GET");
    let err = invoke(
        &i,
        &ctx,
        request("GET", "/x").body(Body::empty()).expect("r"),
    )
    .await
    .expect_err("fails");
    assert!(
        matches!(&err, IntegrationError::Failure(m) if m.to_lowercase().contains("connect")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_backend_slower_than_the_timeout_is_a_timeout() {
    let backend = Backend::start().await;
    let mut i = integration("HTTP_PROXY", &backend.url("/stall"));
    i.timeout_in_millis = 100;
    let ctx = Ctx::new("/stall", "GET");
    let err = invoke(
        &i,
        &ctx,
        request("GET", "/stall").body(Body::empty()).expect("r"),
    )
    .await
    .expect_err("fails");
    assert!(matches!(err, IntegrationError::Timeout), "{err:?}");
}

#[tokio::test]
async fn an_http_integration_that_stalls_is_a_timeout_too() {
    let backend = Backend::start().await;
    let mut i = integration("HTTP", &backend.url("/stall"));
    i.timeout_in_millis = 100;
    i.integration_responses = [response("200", None, &[], &[])].into_iter().collect();
    let ctx = Ctx::new("/stall", "GET");
    let err = invoke(
        &i,
        &ctx,
        request("GET", "/stall").body(Body::empty()).expect("r"),
    )
    .await
    .expect_err("fails");
    assert!(matches!(err, IntegrationError::Timeout), "{err:?}");
}

#[tokio::test]
async fn a_backend_that_answers_garbage_is_a_failure() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        if let Ok((mut tcp, _)) = listener.accept().await {
            let mut buf = [0u8; 1024];
            let _ = tcp.read(&mut buf).await;
            let _ = tcp.write_all(b"NOT HTTP AT ALL\r\n\r\n").await;
        }
    });
    let i = integration("HTTP_PROXY", &format!("http://{addr}/x"));
    let ctx = Ctx::new("/x", "GET");
    let err = invoke(
        &i,
        &ctx,
        request("GET", "/x").body(Body::empty()).expect("r"),
    )
    .await
    .expect_err("fails");
    assert!(matches!(err, IntegrationError::Failure(_)), "{err:?}");
}

#[tokio::test]
async fn a_backend_that_closes_without_answering_is_a_failure() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        if let Ok((mut tcp, _)) = listener.accept().await {
            let mut buf = [0u8; 1024];
            let _ = tcp.read(&mut buf).await;
            drop(tcp);
        }
    });
    let i = integration("HTTP_PROXY", &format!("http://{addr}/x"));
    let ctx = Ctx::new("/x", "GET");
    let err = invoke(
        &i,
        &ctx,
        request("GET", "/x").body(Body::empty()).expect("r"),
    )
    .await
    .expect_err("fails");
    assert!(
        matches!(&err, IntegrationError::Failure(m) if !m.is_empty()),
        "{err:?}"
    );
}
