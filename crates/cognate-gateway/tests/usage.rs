//! API keys, usage plan throttling and quotas.

mod common;

use std::collections::BTreeMap;

use cognate_apigw::model::{LiveConfig, Method, UsagePlan};
use common::*;

fn keyed(method: Method) -> Method {
    Method {
        api_key_required: true,
        ..method
    }
}

fn api() -> Api {
    Api::new(API_ID)
        .authorizer(authorizer("auth01"))
        .method("/pets", "GET", keyed(open()))
        .method("/pets", "POST", keyed(open()))
        .method("/free", "GET", open())
        .method("/secure", "GET", keyed(cognito("auth01")))
}

/// Keys: `good` (in `plan` on prod), `off` (disabled, in `plan`), `beta`
/// (in a plan on the beta stage only), `lonely` (in no plan).
fn config(plan: UsagePlan) -> LiveConfig {
    let api = api();
    LiveConfig {
        stages: vec![api.deploy("dep001", STAGE), api.deploy("dep001", "beta")],
        api_keys: vec![
            api_key("k-good", "good-key-value-0000000001", true),
            api_key("k-off", "off-key-value-00000000001", false),
            api_key("k-beta", "beta-key-value-0000000001", true),
            api_key("k-lonely", "lonely-key-value-00000001", true),
        ],
        usage_plans: vec![
            (plan, vec!["k-good".into(), "k-off".into()]),
            (common::plan("p-beta", "beta"), vec!["k-beta".into()]),
        ],
    }
}

async fn harness(plan: UsagePlan) -> Harness {
    let h = Harness::new();
    h.install(config(plan)).await;
    h
}

async fn get(h: &Harness, key: &str) -> Reply {
    h.call("GET", "/pets", &[("x-api-key", key)]).await
}

fn forbidden(reply: &Reply) {
    reply.assert_gateway(403, "Forbidden", "ForbiddenException");
}

fn throttled(reply: &Reply) {
    reply.assert_gateway(429, "Too Many Requests", "TooManyRequestsException");
}

#[tokio::test]
async fn enabled_key_of_a_plan_on_the_stage_passes_and_its_id_reaches_the_integration() {
    let h = harness(plan("p-prod", STAGE)).await;
    let body = get(&h, "good-key-value-0000000001").await.assert_ok();
    assert_eq!(body["apiKeyId"], "k-good");
}

#[tokio::test]
async fn missing_api_key_is_403_forbidden() {
    let h = harness(plan("p-prod", STAGE)).await;
    forbidden(&h.call("GET", "/pets", &[]).await);
}

#[tokio::test]
async fn unknown_api_key_is_403_forbidden() {
    let h = harness(plan("p-prod", STAGE)).await;
    forbidden(&get(&h, "no-such-key-value-000000001").await);
    forbidden(&get(&h, "k-good").await);
}

#[tokio::test]
async fn disabled_api_key_is_403_forbidden() {
    let h = harness(plan("p-prod", STAGE)).await;
    forbidden(&get(&h, "off-key-value-00000000001").await);
}

#[tokio::test]
async fn key_of_a_plan_on_another_stage_or_in_no_plan_is_403_forbidden() {
    let h = harness(plan("p-prod", STAGE)).await;
    forbidden(&get(&h, "beta-key-value-0000000001").await);
    forbidden(&get(&h, "lonely-key-value-00000001").await);
    let beta = h
        .send(
            "GET",
            None,
            &format!("/_aws/execute-api/{API_ID}/beta/pets"),
            &[("x-api-key", "beta-key-value-0000000001")],
        )
        .await;
    beta.assert_ok();
}

#[tokio::test]
async fn methods_not_requiring_a_key_ignore_it() {
    let h = harness(plan("p-prod", STAGE)).await;
    h.call("GET", "/free", &[]).await.assert_ok();
    h.call("GET", "/free", &[("x-api-key", "nonsense")])
        .await
        .assert_ok();
}

#[tokio::test]
async fn authorizer_runs_before_the_api_key_check() {
    let h = harness(plan("p-prod", STAGE)).await;
    h.call("GET", "/secure", &[]).await.assert_gateway(
        401,
        "Unauthorized",
        "UnauthorizedException",
    );
    let token = sign(&id_claims(h.now()));
    forbidden(&h.call_with_token("GET", "/secure", &token).await);
    h.call(
        "GET",
        "/secure",
        &[
            ("authorization", &token),
            ("x-api-key", "good-key-value-0000000001"),
        ],
    )
    .await
    .assert_ok();
}

#[tokio::test]
async fn requests_beyond_the_burst_are_429_until_the_rate_refills() {
    let mut p = plan("p-prod", STAGE);
    p.throttle = Some(throttle(1.0, 2));
    let h = harness(p).await;
    let key = "good-key-value-0000000001";
    get(&h, key).await.assert_ok();
    get(&h, key).await.assert_ok();
    throttled(&get(&h, key).await);
    h.clock.advance_secs(1);
    get(&h, key).await.assert_ok();
    throttled(&get(&h, key).await);
}

#[tokio::test]
async fn per_method_throttle_of_the_api_stage_applies_to_that_method() {
    let mut p = plan("p-prod", STAGE);
    p.throttle = Some(throttle(10.0, 10));
    p.api_stages[0].throttle = BTreeMap::from([("/pets/GET".to_string(), throttle(1.0, 1))]);
    let h = harness(p).await;
    let key = "good-key-value-0000000001";
    get(&h, key).await.assert_ok();
    throttled(&get(&h, key).await);
    for _ in 0..3 {
        h.call("POST", "/pets", &[("x-api-key", key)])
            .await
            .assert_ok();
    }
}

#[tokio::test]
async fn requests_beyond_the_quota_are_429_limit_exceeded_until_the_next_period() {
    let mut p = plan("p-prod", STAGE);
    p.quota = Some(quota(2, "DAY"));
    let h = harness(p).await;
    let key = "good-key-value-0000000001";
    get(&h, key).await.assert_ok();
    get(&h, key).await.assert_ok();
    get(&h, key)
        .await
        .assert_gateway(429, "Limit Exceeded", "LimitExceededException");
    h.clock.advance_secs(24 * 3600);
    get(&h, key).await.assert_ok();
}

#[tokio::test]
async fn quota_and_buckets_survive_a_new_install() {
    let mut p = plan("p-prod", STAGE);
    p.quota = Some(quota(2, "MONTH"));
    p.throttle = Some(throttle(1.0, 3));
    let h = harness(p.clone()).await;
    let key = "good-key-value-0000000001";
    get(&h, key).await.assert_ok();
    get(&h, key).await.assert_ok();
    h.install(config(p)).await;
    get(&h, key)
        .await
        .assert_gateway(429, "Limit Exceeded", "LimitExceededException");
}

#[tokio::test]
async fn api_key_source_authorizer_accepts_no_header_key() {
    let mut api = api();
    api.doc.api.api_key_source = Some("AUTHORIZER".into());
    let mut live = config(plan("p-prod", STAGE));
    live.stages = vec![api.stage()];
    let h = Harness::new();
    h.install(live).await;
    forbidden(&get(&h, "good-key-value-0000000001").await);
}
