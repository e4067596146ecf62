//! What a stage and its API's deployment decide for every caller: the
//! stage's method throttling (`methodSettings`) and a disabled default
//! endpoint (`disableExecuteApiEndpoint`).

mod common;

use std::collections::BTreeMap;

use cognate_apigw::model::{LiveStage, MethodSetting};
use common::*;

fn api() -> Api {
    Api::new(API_ID)
        .authorizer(authorizer("auth01"))
        .method("/pets", "GET", open())
        .method("/pets", "POST", open())
        .method("/secure", "GET", cognito("auth01"))
}

fn throttling(rate: f64, burst: i64) -> MethodSetting {
    MethodSetting {
        throttling_rate_limit: Some(rate),
        throttling_burst_limit: Some(burst),
        ..Default::default()
    }
}

/// The API on [`STAGE`] with `settings` as the stage's methodSettings.
fn stage_with(settings: &[(&str, MethodSetting)]) -> LiveStage {
    let mut stage = api().stage();
    stage.stage.method_settings = settings
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect::<BTreeMap<_, _>>();
    stage
}

fn throttled(reply: &Reply) {
    reply.assert_gateway(429, "Too Many Requests", "TooManyRequestsException");
}

#[tokio::test]
async fn stage_method_throttle_answers_429_past_its_burst_and_refills_at_its_rate() {
    let h = Harness::serving(vec![stage_with(&[("pets/GET", throttling(1.0, 2))])]).await;
    h.call("GET", "/pets", &[]).await.assert_ok();
    h.call("GET", "/pets", &[]).await.assert_ok();
    throttled(&h.call("GET", "/pets", &[]).await);
    h.clock.advance_secs(1);
    h.call("GET", "/pets", &[]).await.assert_ok();
    throttled(&h.call("GET", "/pets", &[]).await);
    // Another method of the same resource is not throttled by it.
    for _ in 0..5 {
        h.call("POST", "/pets", &[]).await.assert_ok();
    }
}

#[tokio::test]
async fn star_star_throttles_each_method_on_its_own_and_a_method_setting_overrides_it() {
    let h = Harness::serving(vec![stage_with(&[
        ("*/*", throttling(1.0, 1)),
        ("pets/POST", throttling(100.0, 3)),
    ])])
    .await;
    h.call("GET", "/pets", &[]).await.assert_ok();
    throttled(&h.call("GET", "/pets", &[]).await);
    for _ in 0..3 {
        h.call("POST", "/pets", &[]).await.assert_ok();
    }
    throttled(&h.call("POST", "/pets", &[]).await);
}

#[tokio::test]
async fn a_zero_rate_and_burst_refuses_every_request() {
    let h = Harness::serving(vec![stage_with(&[("pets/GET", throttling(0.0, 0))])]).await;
    throttled(&h.call("GET", "/pets", &[]).await);
    h.clock.advance_secs(60);
    throttled(&h.call("GET", "/pets", &[]).await);
}

#[tokio::test]
async fn settings_without_a_rate_throttle_nothing() {
    let setting = MethodSetting {
        metrics_enabled: true,
        throttling_burst_limit: Some(1),
        ..Default::default()
    };
    let h = Harness::serving(vec![stage_with(&[("*/*", setting)])]).await;
    for _ in 0..5 {
        h.call("GET", "/pets", &[]).await.assert_ok();
    }
}

#[tokio::test]
async fn stage_throttle_is_checked_before_the_authorizer() {
    let h = Harness::serving(vec![stage_with(&[("secure/GET", throttling(1.0, 1))])]).await;
    h.call("GET", "/secure", &[]).await.assert_gateway(
        401,
        "Unauthorized",
        "UnauthorizedException",
    );
    throttled(&h.call("GET", "/secure", &[]).await);
}

#[tokio::test]
async fn a_redeployment_with_the_same_settings_keeps_the_bucket() {
    let h = Harness::serving(vec![stage_with(&[("pets/GET", throttling(1.0, 1))])]).await;
    h.call("GET", "/pets", &[]).await.assert_ok();
    h.install(live(vec![stage_with(&[("pets/GET", throttling(1.0, 1))])]))
        .await;
    throttled(&h.call("GET", "/pets", &[]).await);
    // New settings start a new, full bucket.
    h.install(live(vec![stage_with(&[("pets/GET", throttling(2.0, 2))])]))
        .await;
    h.call("GET", "/pets", &[]).await.assert_ok();
}

#[tokio::test]
async fn disabled_default_endpoint_answers_403_forbidden_to_every_request() {
    let mut disabled = api();
    disabled.doc.api.disable_execute_api_endpoint = true;
    let h = Harness::serving(vec![disabled.stage()]).await;
    for (method, path) in [("GET", "/pets"), ("GET", "/secure"), ("GET", "/nowhere")] {
        let reply = h.call(method, path, &[]).await;
        reply.assert_gateway(403, "Forbidden", "ForbiddenException");
        assert!(reply.header("x-amzn-requestid").is_some(), "{path}");
    }
}

#[tokio::test]
async fn the_endpoint_setting_takes_effect_with_a_deployment() {
    let h = Harness::serving(vec![api().stage()]).await;
    h.call("GET", "/pets", &[]).await.assert_ok();
    let mut disabled = api();
    disabled.doc.api.disable_execute_api_endpoint = true;
    h.install(live(vec![disabled.deploy("dep002", STAGE)]))
        .await;
    h.call("GET", "/pets", &[])
        .await
        .assert_gateway(403, "Forbidden", "ForbiddenException");
}
