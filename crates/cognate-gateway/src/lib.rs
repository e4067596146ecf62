//! The gateway data plane: serves the stages of deployed REST APIs.
//!
//! A request passes through phases that read top to bottom in
//! [`Gateway::handle`]:
//!
//! 1. **route** ([`route`]): the stage's resource tree picks the method;
//! 2. **authorize** ([`authorize`]): the Cognito user pool authorizer;
//! 3. **API key and throttling** ([`usage`]): the stage's method throttle
//!    (checked right after routing), usage plans, buckets, quotas;
//! 4. **integrate** ([`integrate`]): the backend request, or a MOCK answer;
//! 5. **respond**: the backend's answer, or a gateway response
//!    ([`responses`]) when a phase refused; one access log event
//!    ([`access_log`]).
//!
//! The route table ([`table`]) is compiled from the control plane's
//! [`LiveConfig`] off the request path and swapped in atomically
//! ([`Gateway::install`], [`spawn_reloader`]); requests in flight finish on the
//! table they started with. Nothing on the request path touches the database:
//! user pool keys are held in memory ([`issuers`]).
//!
//! Invocation URLs are recognised by [`Gateway::invocation`] ([`invocation`]).
//! The gateway also answers the control plane's `TestInvokeAuthorizer`: it
//! implements [`AuthorizerTester`](cognate_apigw::service::authorizers::AuthorizerTester).
#![forbid(unsafe_code)]

pub mod access_log;
pub mod authorize;
mod deadline;
pub mod integrate;
pub mod invocation;
pub mod issuers;
pub mod reload;
pub mod responses;
pub mod route;
pub mod serve;
pub mod table;
mod tester;
pub mod usage;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use arc_swap::ArcSwap;
use axum::body::Body;
use bytes::Bytes;
use cognate_apigw::model::LiveConfig;
use cognate_core::clock::Clock;
use http::header::HeaderValue;
use http::{HeaderMap, Request, Response};
use http_body_util::Limited;
use tokio::sync::watch;

use crate::access_log::RequestIds;
use crate::authorize::Claims;
pub use crate::integrate::IntegratorConfig;
use crate::integrate::{IntegrationError, Integrator, InvocationContext};
pub use crate::invocation::Invocation;
use crate::issuers::Issuers;
pub use crate::issuers::{LocalPool, PoolDirectory, UserPoolsDirectory};
pub use crate::reload::spawn_reloader;
use crate::responses::{ErrorContext, GatewayResponses, Reject, ResponseType, REQUEST_ID_HEADER};
use crate::table::{Compiler, RouteTable, StageTable};
use crate::usage::UsageState;

/// What the gateway needs from the outside world.
pub struct GatewayDeps {
    pub clock: Arc<dyn Clock>,
    /// The user pools this server hosts.
    pub pools: Arc<dyn PoolDirectory>,
    pub integrator: IntegratorConfig,
    /// Issuer URLs of user pools hosted elsewhere, by pool id (default:
    /// `https://cognito-idp.{region}.amazonaws.com/{poolId}`).
    pub remote_issuers: BTreeMap<String, String>,
}

/// The data plane: the installed route table and what serving it needs.
pub struct Gateway {
    clock: Arc<dyn Clock>,
    integrator: Integrator,
    issuers: Issuers,
    table: ArcSwap<RouteTable>,
    /// Buckets and quota counters, kept across installs.
    usage: Mutex<UsageState>,
    /// One install at a time, in order.
    installing: tokio::sync::Mutex<()>,
    installs: watch::Sender<u64>,
    request_ids: RequestIds,
}

/// API Gateway's payload limit. A request that declares a larger body is
/// refused with REQUEST_TOO_LARGE (413); a streamed body that grows past it
/// is cut off, and the backend sees an aborted request.
pub const MAX_PAYLOAD: usize = 10 * 1024 * 1024;

/// The request's `Content-Length`, when it has a valid one.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// The client connection a request came on: its address, and that address
/// written once as an `X-Forwarded-For` value for all of the connection's
/// requests.
#[derive(Debug, Clone)]
pub struct Client {
    addr: SocketAddr,
    forwarded_for: Option<HeaderValue>,
}

impl Client {
    pub fn new(addr: SocketAddr) -> Client {
        Client {
            addr,
            forwarded_for: integrate::forwarded_value(addr.ip()),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

/// A request that passed route, authorize and API key.
struct Admitted<'t> {
    stage: &'t StageTable,
    method: usize,
    params: Vec<(String, String)>,
    claims: Option<Claims>,
    api_key_id: Option<&'t str>,
}

impl Gateway {
    /// A gateway serving nothing until the first [`install`](Self::install).
    pub fn new(deps: GatewayDeps) -> Arc<Gateway> {
        Arc::new(Gateway {
            issuers: Issuers::new(deps.pools, deps.remote_issuers, deps.clock.clone()),
            clock: deps.clock,
            integrator: Integrator::new(deps.integrator),
            table: ArcSwap::from_pointee(RouteTable::default()),
            usage: Mutex::new(UsageState::default()),
            installing: tokio::sync::Mutex::new(()),
            installs: watch::Sender::new(0),
            request_ids: RequestIds::new(),
        })
    }

    /// Compiles `live` into a new route table (resolving every authorizer's
    /// pools to issuers and keys, compiling routes and integrations) and
    /// swaps it in. Requests in flight keep the table they started with.
    pub async fn install(&self, live: LiveConfig) {
        let _one_at_a_time = self.installing.lock().await;
        let previous = self.table.load_full();
        let old_usage = std::mem::take(&mut *self.usage.lock().unwrap_or_else(|p| p.into_inner()));
        let (table, usage) = Compiler::new(&self.issuers, &previous)
            .compile(&live, &old_usage, self.clock.now_ms())
            .await;
        let stages = table.stage_count();
        *self.usage.lock().unwrap_or_else(|p| p.into_inner()) = usage;
        self.table.store(Arc::new(table));
        self.installs.send_modify(|n| *n += 1);
        tracing::info!(stages, "route table installed");
    }

    /// A receiver that changes after every install.
    pub fn installs(&self) -> watch::Receiver<u64> {
        self.installs.subscribe()
    }

    /// A receiver that changes after every fetch of a remote issuer's JWKS.
    pub fn key_refreshes(&self) -> watch::Receiver<u64> {
        self.issuers.refreshes()
    }

    /// Recognises a request for a deployed stage from its `Host` header and
    /// path (see [`invocation`]); `None` when it is not for the gateway.
    pub fn invocation(&self, host: Option<&str>, path: &str) -> Option<Invocation> {
        invocation::recognise(host, path)
    }

    /// [`invocation`](Self::invocation) for a request: its `Host` header
    /// (else its URI's host) and path.
    pub fn recognise<B>(&self, req: &Request<B>) -> Option<Invocation> {
        let host = req
            .headers()
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| req.uri().host());
        invocation::recognise(host, req.uri().path())
    }

    /// Serves one request: route -> authorize -> API key and throttling ->
    /// integrate -> respond.
    pub async fn handle(
        &self,
        inv: Invocation,
        req: Request<Body>,
        client: &Client,
    ) -> Response<Body> {
        // What only the access log needs, gathered when it records requests.
        let logged = access_log::enabled().then(|| (Instant::now(), req.method().clone()));
        let table = self.table.load_full();
        let request_id = self.request_ids.next();
        let stage = table.stage(inv.api_id(), inv.stage());

        // An API deployed with its default endpoint off answers nothing else.
        let admitted = if stage.is_some_and(|s| s.endpoint_disabled) {
            None
        } else {
            Some(self.admit(stage, &inv, &req))
        };
        // The claims outlive the request for the access log (a shared Arc).
        let claims = admitted
            .as_ref()
            .filter(|_| logged.is_some())
            .and_then(|a| a.as_ref().ok())
            .and_then(|a| a.claims.clone());
        let mut response = match admitted {
            None => integrate::endpoint_disabled(),
            Some(Err(reject)) => render(
                stage,
                &reject,
                &request_id,
                &inv,
                req.headers(),
                req.uri().query(),
                &[],
            ),
            Some(Ok(admitted)) => {
                let req = req.map(|body| {
                    if hyper::body::Body::is_end_stream(&body) {
                        // Nothing to limit (a request without a body).
                        Body::empty()
                    } else {
                        Body::new(Limited::new(body, MAX_PAYLOAD))
                    }
                });
                self.integrate(admitted, &request_id, &inv, req, client)
                    .await
            }
        };

        if let Some((started, method)) = logged {
            access_log::emit(&access_log::Entry {
                request_id: &request_id,
                api_id: inv.api_id(),
                stage: inv.stage(),
                method: method.as_str(),
                path: inv.path(),
                status: response.status().as_u16(),
                latency_us: started.elapsed().as_micros().try_into().unwrap_or(u64::MAX),
                sub: claims
                    .as_ref()
                    .and_then(|c| c.get("sub"))
                    .and_then(|s| s.as_str()),
            });
        }
        // The id's own bytes become the header value, without a copy.
        if let Ok(id) = HeaderValue::from_maybe_shared(Bytes::from(request_id.into_bytes())) {
            response.headers_mut().insert(REQUEST_ID_HEADER, id);
        }
        response
    }

    /// Route, authorize, API key and throttling.
    fn admit<'t>(
        &self,
        stage: Option<&'t StageTable>,
        inv: &Invocation,
        req: &Request<Body>,
    ) -> Result<Admitted<'t>, Reject> {
        let not_found = || Reject::new(ResponseType::MissingAuthenticationToken);
        let stage = stage.ok_or_else(not_found)?;
        let found = stage
            .routes
            .find(inv.path(), req.method().as_str())
            .ok_or_else(not_found)?;
        let index = *found.value;
        let method = &stage.methods[index];
        if declared_length(req.headers()).is_some_and(|n| n > MAX_PAYLOAD as u64) {
            return Err(Reject::new(ResponseType::RequestTooLarge));
        }

        let now_ms = self.clock.now_ms();
        if method.throttle.as_ref().is_some_and(|b| !b.take(now_ms)) {
            return Err(Reject::new(ResponseType::Throttled));
        }
        let claims = method.auth.run(req.headers(), now_ms.div_euclid(1000))?;

        let api_key_id = if method.api_key_required {
            Some(stage.usage.check(req.headers(), index, now_ms)?)
        } else {
            None
        };
        Ok(Admitted {
            stage,
            method: index,
            params: found.params,
            claims,
            api_key_id,
        })
    }

    /// Runs the method's integration; its failures become gateway responses.
    async fn integrate(
        &self,
        admitted: Admitted<'_>,
        request_id: &str,
        inv: &Invocation,
        req: Request<Body>,
        client: &Client,
    ) -> Response<Body> {
        let stage = admitted.stage;
        let method = &stage.methods[admitted.method];
        // Kept only when a customised gateway response may read them.
        let (headers, query) = if stage.responses.reads_request() {
            (req.headers().clone(), req.uri().query().map(str::to_owned))
        } else {
            (HeaderMap::new(), None)
        };
        let reject = |reject: Reject| {
            render(
                Some(stage),
                &reject,
                request_id,
                inv,
                &headers,
                query.as_deref(),
                &admitted.params,
            )
        };
        let integration = match &method.integration {
            Ok(integration) => integration,
            Err(_) => return reject(Reject::new(ResponseType::ApiConfigurationError)),
        };
        let ctx = InvocationContext {
            request_id,
            api_id: inv.api_id(),
            stage: inv.stage(),
            resource_path: &method.resource_path,
            http_method: &method.http_method,
            path_params: &admitted.params,
            stage_variables: &stage.variables,
            claims: admitted.claims.as_deref(),
            source_ip: client.addr.ip(),
            forwarded_for: client.forwarded_for.as_ref(),
            api_key_id: admitted.api_key_id,
        };
        match self.integrator.invoke(integration, &ctx, req).await {
            Ok(response) => response,
            Err(e) => {
                let r = match e {
                    IntegrationError::Timeout => Reject::new(ResponseType::IntegrationTimeout),
                    IntegrationError::Failure(why) => {
                        tracing::warn!(
                            request_id,
                            api_id = inv.api_id(),
                            stage = inv.stage(),
                            error = why,
                            "integration failed"
                        );
                        Reject::new(ResponseType::IntegrationFailure)
                    }
                    IntegrationError::BadRequestParameters(why) => {
                        Reject::with_message(ResponseType::BadRequestParameters, why)
                    }
                };
                reject(r)
            }
        }
    }
}

/// Renders a gateway response with the stage's customisations (the
/// defaults when no stage matched).
fn render(
    stage: Option<&StageTable>,
    reject: &Reject,
    request_id: &str,
    inv: &Invocation,
    headers: &HeaderMap,
    query: Option<&str>,
    path_params: &[(String, String)],
) -> Response<Body> {
    static DEFAULTS: std::sync::OnceLock<GatewayResponses> = std::sync::OnceLock::new();
    let responses = match stage {
        Some(s) => &s.responses,
        None => DEFAULTS.get_or_init(GatewayResponses::default),
    };
    responses.render(
        reject,
        &ErrorContext {
            request_id,
            api_id: inv.api_id(),
            stage: inv.stage(),
            headers,
            query,
            path_params,
        },
    )
}
