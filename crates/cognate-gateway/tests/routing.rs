//! The route phase through the whole gateway: invocation URL styles,
//! unknown routes, method matching and resource precedence.

mod common;

use common::*;

fn pets_api(echo: &Echo) -> Api {
    Api::new(API_ID)
        .method("/pets", "GET", open())
        .method("/pets", "PURCHASE", open())
        .method(
            "/pets/{id}",
            "GET",
            open_to(proxy_to(&echo.url("/one/{id}"))),
        )
        .method("/pets/mine", "GET", open())
        .method(
            "/pets/{proxy+}",
            "ANY",
            open_to(proxy_to(&echo.url("/rest/{proxy}"))),
        )
        .method("/store", "ANY", open())
}

async fn harness() -> Harness {
    let echo = Echo::start().await;
    Harness::serving(vec![pets_api(&echo).stage()]).await
}

#[tokio::test]
async fn unknown_api_stage_path_or_method_is_403_missing_authentication_token() {
    let h = harness().await;
    for (method, uri) in [
        ("GET", "/_aws/execute-api/zzzzzzzzzz/prod/pets".to_string()),
        ("GET", format!("/_aws/execute-api/{API_ID}/nostage/pets")),
        ("GET", format!("/_aws/execute-api/{API_ID}/{STAGE}/owners")),
        ("DELETE", format!("/_aws/execute-api/{API_ID}/{STAGE}/pets")),
        ("GET", format!("/_aws/execute-api/{API_ID}/{STAGE}/")),
        ("GET", format!("/_aws/execute-api/{API_ID}")),
    ] {
        let reply = h.send(method, None, &uri, &[]).await;
        reply.assert_gateway(
            403,
            "Missing Authentication Token",
            "MissingAuthenticationTokenException",
        );
    }
}

#[tokio::test]
async fn all_three_url_styles_reach_the_stage() {
    let h = harness().await;
    let host = format!("{API_ID}.execute-api.localhost.localstack.cloud:4566");
    let by_host = h.send("GET", Some(&host), "/prod/pets/7", &[]).await;
    let by_path = h
        .send(
            "GET",
            Some("localhost:4566"),
            &format!("/_aws/execute-api/{API_ID}/prod/pets/7"),
            &[],
        )
        .await;
    let legacy = h
        .send(
            "GET",
            None,
            &format!("/restapis/{API_ID}/prod/_user_request_/pets/7"),
            &[],
        )
        .await;
    for reply in [by_host, by_path, legacy] {
        let body = reply.assert_ok();
        assert_eq!(body["path"], "/one/7");
    }
}

#[tokio::test]
async fn custom_token_methods_like_purchase_are_routable() {
    let h = harness().await;
    let body = h.call("PURCHASE", "/pets", &[]).await.assert_ok();
    assert_eq!(body["method"], "PURCHASE");
    assert_eq!(body["resource"], "/pets");
}

#[tokio::test]
async fn any_method_answers_every_method_not_defined_exactly() {
    let h = harness().await;
    for method in ["GET", "POST", "DELETE", "PATCH", "PURCHASE"] {
        let body = h.call(method, "/store", &[]).await.assert_ok();
        assert_eq!(body["resource"], "/store");
    }
}

#[tokio::test]
async fn literal_beats_param_beats_greedy_proxy() {
    let h = harness().await;
    let mine = h.call("GET", "/pets/mine", &[]).await.assert_ok();
    assert_eq!(mine["resource"], "/pets/mine");
    let one = h.call("GET", "/pets/42", &[]).await.assert_ok();
    assert_eq!(one["path"], "/one/42");
    let deep = h.call("GET", "/pets/42/toys", &[]).await.assert_ok();
    assert_eq!(deep["path"], "/rest/42/toys");
    // POST is defined on neither /pets/mine nor /pets/{id}: the greedy ANY takes it.
    let post = h.call("POST", "/pets/mine?x=1", &[]).await.assert_ok();
    assert_eq!(post["path"], "/rest/mine");
    assert_eq!(post["method"], "POST");
    assert_eq!(post["query"], "x=1");
}

#[tokio::test]
async fn trailing_slash_matches_and_path_parameters_are_decoded() {
    let h = harness().await;
    let list = h.call("GET", "/pets/", &[]).await.assert_ok();
    assert_eq!(list["resource"], "/pets");
    let one = h
        .call("GET", "/pets/rex%20the%20dog", &[])
        .await
        .assert_ok();
    assert_eq!(one["path"], "/one/rex the dog");
}

#[tokio::test]
async fn successful_responses_carry_a_request_id() {
    let h = harness().await;
    let a = h.call("GET", "/pets", &[]).await;
    let b = h.call("GET", "/pets", &[]).await;
    let (a, b) = (a.header("x-amzn-requestid"), b.header("x-amzn-requestid"));
    assert!(a.is_some() && b.is_some());
    assert_ne!(a, b);
}

#[tokio::test]
async fn stages_of_one_api_serve_their_own_deployments() {
    let v1 = Api::new(API_ID).method("/pets", "GET", open());
    let v2 = Api::new(API_ID)
        .method("/pets", "GET", open())
        .method("/owners", "GET", open());
    let h = Harness::serving(vec![
        v1.deploy("dep001", "prod"),
        v2.deploy("dep002", "beta"),
    ])
    .await;
    let beta = h
        .send(
            "GET",
            None,
            &format!("/_aws/execute-api/{API_ID}/beta/owners"),
            &[],
        )
        .await;
    beta.assert_ok();
    h.call("GET", "/owners", &[]).await.assert_gateway(
        403,
        "Missing Authentication Token",
        "MissingAuthenticationTokenException",
    );
}
