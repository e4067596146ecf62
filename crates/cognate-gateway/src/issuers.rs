//! Token issuers: where the Cognito authorizer gets the issuer (`iss`) and
//! the verifying keys of each user pool it names.
//!
//! A pool this server hosts comes from the [`PoolDirectory`] (its keys are
//! already in memory). Any other pool is remote: its issuer is configured per
//! pool or defaults to `https://cognito-idp.{region}.amazonaws.com/{poolId}`,
//! and its JWKS is fetched from `{issuer}/.well-known/jwks.json` when a
//! deployment is installed, kept across installs, and fetched again in the
//! background when a token names a key it does not hold — at most once a
//! minute per issuer. Nothing here runs on the request path but a key look-up.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwap;
use async_trait::async_trait;
use bytes::Bytes;
use cognate_core::clock::Clock;
use cognate_core::service::UserPools;
use cognate_tokens::{Jwks, KeySet, VerifyingKey};
use http_body_util::{BodyExt, Empty, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rustls_platform_verifier::BuilderVerifierExt;
use tokio::sync::watch;

/// A user pool this server hosts, as the authorizer needs it.
#[derive(Debug, Clone)]
pub struct LocalPool {
    /// The `iss` of the pool's tokens.
    pub issuer: String,
    /// The keys that verify them.
    pub keys: KeySet,
}

/// Finds the user pools this server hosts.
#[async_trait]
pub trait PoolDirectory: Send + Sync {
    /// The pool's issuer and keys; `None` when the pool is not hosted here.
    async fn local_pool(&self, pool_id: &str) -> Option<LocalPool>;
}

/// The [`PoolDirectory`] of the user pool service.
pub struct UserPoolsDirectory(pub Arc<UserPools>);

#[async_trait]
impl PoolDirectory for UserPoolsDirectory {
    async fn local_pool(&self, pool_id: &str) -> Option<LocalPool> {
        match self.0.pool_verifier(pool_id).await {
            Ok(found) => found.map(|(issuer, keys)| LocalPool { issuer, keys }),
            Err(e) => {
                tracing::error!(pool_id, error = %e, "cannot load the keys of a local user pool");
                None
            }
        }
    }
}

/// Remote JWKS are fetched again at most this often per issuer.
const REFRESH_INTERVAL_MS: i64 = 60_000;
/// How long a JWKS fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest JWKS document accepted.
const MAX_JWKS_BYTES: usize = 256 * 1024;

/// One issuer of tokens and the keys that verify them.
pub struct Issuer {
    iss: String,
    keys: ArcSwap<KeySet>,
    remote: Option<Remote>,
}

/// What a remote issuer needs to refresh its keys.
struct Remote {
    jwks_url: String,
    fetcher: Arc<Fetcher>,
    /// When the last fetch started (ms), `i64::MIN` before the first.
    last_attempt_ms: AtomicI64,
    in_flight: AtomicBool,
}

impl std::fmt::Debug for Issuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issuer")
            .field("iss", &self.iss)
            .field("keys", &self.keys.load().len())
            .field("remote", &self.remote.is_some())
            .finish()
    }
}

impl Issuer {
    /// An issuer whose keys are known (a local pool).
    pub fn local(pool: LocalPool) -> Issuer {
        Issuer {
            iss: pool.issuer,
            keys: ArcSwap::from_pointee(pool.keys),
            remote: None,
        }
    }

    /// The `iss` its tokens carry.
    pub fn iss(&self) -> &str {
        &self.iss
    }

    /// Whether the keys come from a remote JWKS.
    pub fn is_remote(&self) -> bool {
        self.remote.is_some()
    }

    /// The keys currently held.
    pub fn keys(&self) -> arc_swap::Guard<Arc<KeySet>> {
        self.keys.load()
    }

    /// Called when a token names a key this issuer does not hold: a remote
    /// issuer fetches its JWKS again in the background, unless it did so
    /// within the last minute.
    pub fn key_missing(self: &Arc<Self>) {
        let Some(remote) = &self.remote else { return };
        let now = remote.fetcher.clock.now_ms();
        if !self.may_fetch(now) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let issuer = self.clone();
        runtime.spawn(async move { issuer.fetch().await });
    }

    /// Whether a fetch may start at `now`; claims it when so.
    fn may_fetch(&self, now: i64) -> bool {
        let Some(remote) = &self.remote else {
            return false;
        };
        let last = remote.last_attempt_ms.load(Ordering::Acquire);
        if last != i64::MIN && now.saturating_sub(last) < REFRESH_INTERVAL_MS {
            return false;
        }
        if remote.in_flight.swap(true, Ordering::AcqRel) {
            return false;
        }
        remote.last_attempt_ms.store(now, Ordering::Release);
        true
    }

    /// Fetches the JWKS and swaps the keys in; on failure the old keys stay.
    async fn fetch(&self) {
        let Some(remote) = &self.remote else { return };
        match remote.fetcher.get_jwks(&remote.jwks_url).await {
            Ok(keys) => {
                tracing::info!(
                    issuer = self.iss,
                    keys = keys.len(),
                    "fetched the JWKS of a remote issuer"
                );
                self.keys.store(Arc::new(keys));
            }
            Err(e) => {
                tracing::warn!(issuer = self.iss, url = remote.jwks_url, error = %e, "cannot fetch the JWKS of a remote issuer; keeping the keys held");
            }
        }
        remote.in_flight.store(false, Ordering::Release);
        remote.fetcher.refreshes.send_modify(|n| *n += 1);
    }
}

/// The pool id and region a `providerARN` names.
pub fn parse_pool_arn(arn: &str) -> Option<(&str, &str)> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, _partition, service, region, _account, resource] = parts.as_slice() else {
        return None;
    };
    let pool_id = resource.strip_prefix("userpool/")?;
    let valid = *prefix == "arn"
        && *service == "cognito-idp"
        && !region.is_empty()
        && !pool_id.is_empty()
        && !pool_id.contains('/');
    valid.then_some((pool_id, region))
}

type HttpsClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Empty<Bytes>>;

/// Fetches JWKS documents over HTTP(S).
struct Fetcher {
    client: HttpsClient,
    clock: Arc<dyn Clock>,
    /// Ticks after every remote fetch, successful or not.
    refreshes: watch::Sender<u64>,
}

impl Fetcher {
    async fn get_jwks(&self, url: &str) -> Result<KeySet, String> {
        let uri: http::Uri = url.parse().map_err(|e| format!("bad URL: {e}"))?;
        let response = tokio::time::timeout(FETCH_TIMEOUT, async {
            let response = self.client.get(uri).await.map_err(|e| e.to_string())?;
            let status = response.status();
            if !status.is_success() {
                return Err(format!("answered {status}"));
            }
            Limited::new(response.into_body(), MAX_JWKS_BYTES)
                .collect()
                .await
                .map(|b| b.to_bytes())
                .map_err(|e| e.to_string())
        })
        .await
        .map_err(|_| "timed out".to_string())??;
        let jwks: Jwks =
            serde_json::from_slice(&response).map_err(|e| format!("not a JWKS document: {e}"))?;
        let mut keys = KeySet::default();
        for jwk in &jwks.keys {
            match VerifyingKey::from_jwk(jwk) {
                Ok(k) => keys.insert(k),
                Err(e) => tracing::warn!(url, kid = jwk.kid, error = %e, "skipping a JWK"),
            }
        }
        if keys.is_empty() {
            return Err("the JWKS holds no usable RS256 key".into());
        }
        Ok(keys)
    }
}

/// Resolves user pools to issuers; remote issuers (and their keys) are kept
/// from one install to the next.
pub struct Issuers {
    pools: Arc<dyn PoolDirectory>,
    remote_issuers: BTreeMap<String, String>,
    fetcher: Arc<Fetcher>,
    remote: Mutex<HashMap<String, Arc<Issuer>>>,
}

impl Issuers {
    pub fn new(
        pools: Arc<dyn PoolDirectory>,
        remote_issuers: BTreeMap<String, String>,
        clock: Arc<dyn Clock>,
    ) -> Issuers {
        Issuers {
            pools,
            remote_issuers,
            fetcher: Arc::new(Fetcher {
                client: https_client(),
                clock,
                refreshes: watch::Sender::new(0),
            }),
            remote: Mutex::new(HashMap::new()),
        }
    }

    /// A receiver that changes after every remote JWKS fetch.
    pub fn refreshes(&self) -> watch::Receiver<u64> {
        self.fetcher.refreshes.subscribe()
    }

    /// The issuer of the pool `pool_id` in `region`. A remote issuer whose
    /// keys were not fetched in the last minute is fetched now.
    pub async fn resolve(&self, pool_id: &str, region: &str) -> Arc<Issuer> {
        if let Some(pool) = self.pools.local_pool(pool_id).await {
            return Arc::new(Issuer::local(pool));
        }
        let iss = match self.remote_issuers.get(pool_id) {
            Some(url) => url.trim_end_matches('/').to_string(),
            None => format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}"),
        };
        let issuer = {
            let mut remote = self.remote.lock().unwrap_or_else(|p| p.into_inner());
            remote
                .entry(iss.clone())
                .or_insert_with(|| {
                    Arc::new(Issuer {
                        keys: ArcSwap::from_pointee(KeySet::default()),
                        remote: Some(Remote {
                            jwks_url: format!("{iss}/.well-known/jwks.json"),
                            fetcher: self.fetcher.clone(),
                            last_attempt_ms: AtomicI64::new(i64::MIN),
                            in_flight: AtomicBool::new(false),
                        }),
                        iss,
                    })
                })
                .clone()
        };
        let now = self.fetcher.clock.now_ms();
        if issuer.may_fetch(now) {
            issuer.fetch().await;
        }
        issuer
    }

    /// Forgets remote issuers no installed authorizer uses.
    pub fn retain(&self, in_use: &[Arc<Issuer>]) {
        let mut remote = self.remote.lock().unwrap_or_else(|p| p.into_inner());
        remote.retain(|_, issuer| in_use.iter().any(|u| Arc::ptr_eq(u, issuer)));
    }
}

/// An HTTP(S) client that trusts the platform's certificate store (or, when
/// that cannot be loaded, speaks plain HTTP only).
fn https_client() -> HttpsClient {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = || {
        rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .expect("the aws-lc-rs provider supports TLS 1.2 and 1.3")
    };
    let tls = match builder().with_platform_verifier() {
        Ok(b) => b.with_no_client_auth(),
        Err(e) => {
            tracing::error!(error = %e, "cannot load the platform's certificates; remote JWKS over HTTPS will fail");
            builder()
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth()
        }
    };
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .build();
    Client::builder(TokioExecutor::new()).build(connector)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_arns_name_pool_and_region() {
        assert_eq!(
            parse_pool_arn("arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Abc"),
            Some(("eu-west-1_Abc", "eu-west-1"))
        );
        assert_eq!(
            parse_pool_arn("arn:aws:cognito-idp:eu-west-1:1:identitypool/x"),
            None
        );
        assert_eq!(
            parse_pool_arn("arn:aws:lambda:eu-west-1:1:userpool/x"),
            None
        );
        assert_eq!(parse_pool_arn("eu-west-1_Abc"), None);
    }
}
