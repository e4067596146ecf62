//! Authorizers naming user pools hosted elsewhere: their JWKS is fetched
//! over HTTP from `{issuer}/.well-known/jwks.json`, kept, and fetched again
//! (at most once a minute) when a token names an unknown key.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cognate_apigw::model::Authorizer;
use cognate_tokens::{Jwks, SigningKey};
use common::*;
use serde_json::json;

const REMOTE_POOL: &str = "us-west-2_Remote1";
const REMOTE_ARN: &str = "arn:aws:cognito-idp:us-west-2:111122223333:userpool/us-west-2_Remote1";

/// An issuer on 127.0.0.1 serving a JWKS that tests change, counting fetches.
struct JwksServer {
    issuer: String,
    jwks: Arc<Mutex<Jwks>>,
    hits: Arc<AtomicUsize>,
}

impl JwksServer {
    async fn start(keys: &[&SigningKey]) -> JwksServer {
        let jwks = Arc::new(Mutex::new(Jwks::default()));
        let hits = Arc::new(AtomicUsize::new(0));
        let (served, counted) = (jwks.clone(), hits.clone());
        let app = axum::Router::new().route(
            &format!("/{REMOTE_POOL}/.well-known/jwks.json"),
            axum::routing::get(move || {
                let (served, counted) = (served.clone(), counted.clone());
                async move {
                    counted.fetch_add(1, Ordering::SeqCst);
                    let body = served.lock().unwrap().clone();
                    axum::Json(body)
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let server = JwksServer {
            issuer: format!("http://{addr}/{REMOTE_POOL}"),
            jwks,
            hits,
        };
        server.serve(keys);
        server
    }

    fn serve(&self, keys: &[&SigningKey]) {
        *self.jwks.lock().unwrap() = Jwks {
            keys: keys.iter().map(|k| k.jwk()).collect(),
        };
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// An ID token of the remote pool signed with `key`.
    fn token(&self, key: &SigningKey, now: i64) -> String {
        let mut claims = id_claims(now);
        claims.insert("iss".into(), json!(self.issuer));
        sign_with(key, &claims)
    }
}

fn remote_authorizer(id: &str, ttl: Option<i64>) -> Authorizer {
    Authorizer {
        provider_arns: vec![REMOTE_ARN.into()],
        authorizer_result_ttl_in_seconds: ttl,
        ..authorizer(id)
    }
}

fn api() -> Api {
    Api::new(API_ID)
        .authorizer(remote_authorizer("remote", None))
        .authorizer(remote_authorizer("nocache", Some(0)))
        .method("/pets", "GET", cognito("remote"))
        .method("/fresh", "GET", cognito("nocache"))
}

async fn harness(issuer: &str) -> Harness {
    let h = Harness::with(
        local_pools(),
        BTreeMap::from([(REMOTE_POOL.to_string(), issuer.to_string())]),
    );
    h.install(live(vec![api().stage()])).await;
    h
}

/// Waits for the next remote JWKS fetch to finish (failing, not hanging,
/// when none comes).
async fn next_refresh(refreshes: &mut tokio::sync::watch::Receiver<u64>) {
    tokio::time::timeout(Duration::from_secs(10), refreshes.changed())
        .await
        .expect("a JWKS fetch within 10 s")
        .expect("the gateway is alive");
}

fn unauthorized(reply: &Reply) {
    reply.assert_gateway(401, "Unauthorized", "UnauthorizedException");
}

#[tokio::test]
async fn token_of_a_remote_pool_verifies_with_the_jwks_fetched_at_install() {
    let server = JwksServer::start(&[key(2)]).await;
    let h = harness(&server.issuer).await;
    assert_eq!(server.hits(), 1);
    let body = h
        .call_with_token("GET", "/pets", &server.token(key(2), h.now()))
        .await
        .assert_ok();
    assert_eq!(body["sub"], "8d4c1a2e-0000-4000-8000-000000000001");
    // The local pool's key does not verify the remote pool's tokens.
    unauthorized(
        &h.call_with_token("GET", "/pets", &server.token(key(0), h.now()))
            .await,
    );
}

#[tokio::test]
async fn unknown_kid_is_401_and_refreshes_the_jwks_in_the_background() {
    let server = JwksServer::start(&[key(2)]).await;
    let h = harness(&server.issuer).await;
    // The fetch at install counts: the next may start a minute later.
    h.clock.advance_secs(60);
    server.serve(&[key(2), key(3)]);
    let token = server.token(key(3), h.now());
    let mut refreshes = h.gw.key_refreshes();
    unauthorized(&h.call_with_token("GET", "/pets", &token).await);
    next_refresh(&mut refreshes).await;
    assert_eq!(server.hits(), 2);
    h.call_with_token("GET", "/pets", &token).await.assert_ok();
}

#[tokio::test]
async fn jwks_is_fetched_again_at_most_once_a_minute() {
    let server = JwksServer::start(&[key(2)]).await;
    let h = harness(&server.issuer).await;
    let mut refreshes = h.gw.key_refreshes();
    let token3 = server.token(key(3), h.now());
    unauthorized(&h.call_with_token("GET", "/pets", &token3).await);
    assert_eq!(
        server.hits(),
        1,
        "no fetch within a minute of the one at install"
    );

    h.clock.advance_secs(60);
    unauthorized(&h.call_with_token("GET", "/pets", &token3).await);
    next_refresh(&mut refreshes).await;
    assert_eq!(server.hits(), 2);

    server.serve(&[key(1)]);
    h.clock.advance_secs(59);
    let token1 = server.token(key(1), h.now());
    unauthorized(&h.call_with_token("GET", "/pets", &token1).await);
    // A reinstall within the minute does not fetch either.
    h.install(live(vec![api().stage()])).await;
    assert_eq!(server.hits(), 2);

    h.clock.advance_secs(1);
    unauthorized(&h.call_with_token("GET", "/pets", &token1).await);
    next_refresh(&mut refreshes).await;
    assert_eq!(server.hits(), 3);
    h.call_with_token("GET", "/pets", &token1).await.assert_ok();
}

#[tokio::test]
async fn verified_token_is_remembered_for_the_ttl_but_not_with_ttl_zero() {
    let server = JwksServer::start(&[key(2)]).await;
    let h = harness(&server.issuer).await;
    let old = server.token(key(2), h.now());
    h.call_with_token("GET", "/pets", &old).await.assert_ok();
    h.call_with_token("GET", "/fresh", &old).await.assert_ok();

    // A minute later the issuer has rotated key 2 out.
    h.clock.advance_secs(60);
    server.serve(&[key(3)]);
    let mut refreshes = h.gw.key_refreshes();
    unauthorized(
        &h.call_with_token("GET", "/pets", &server.token(key(3), h.now()))
            .await,
    );
    next_refresh(&mut refreshes).await;

    h.call_with_token("GET", "/pets", &old).await.assert_ok();
    unauthorized(&h.call_with_token("GET", "/fresh", &old).await);
    h.clock.advance_secs(240);
    unauthorized(&h.call_with_token("GET", "/pets", &old).await);
}

#[tokio::test]
async fn unreachable_issuer_does_not_stop_the_install_and_its_tokens_are_401() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let issuer = format!("http://{addr}/{REMOTE_POOL}");
    let api = api().method("/public", "GET", open());
    let h = Harness::with(
        local_pools(),
        BTreeMap::from([(REMOTE_POOL.to_string(), issuer.clone())]),
    );
    h.install(live(vec![api.stage()])).await;
    h.call("GET", "/public", &[]).await.assert_ok();
    let mut claims = id_claims(h.now());
    claims.insert("iss".into(), json!(issuer));
    unauthorized(
        &h.call_with_token("GET", "/pets", &sign_with(key(2), &claims))
            .await,
    );
}
