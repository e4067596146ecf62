//! Wiring and serving: open the store, load the master key, choose the
//! delivery, build the router with its HTTP middleware, and run it until a
//! shutdown future resolves. Tests embed the whole server on `127.0.0.1:0`
//! with [`build_app`] and [`serve`].

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use std::convert::Infallible;
use std::pin::Pin;
use std::task::Poll;

use axum::extract::{ConnectInfo, DefaultBodyLimit, Request};
use axum::http::{HeaderName, Method};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use cognate_apigw::service::ApiGatewayDeps;
use cognate_apigw::ApiGateway;
use cognate_core::clock::{Clock, OffsetClock, SystemClock};
use cognate_core::rng::SystemRng;
use cognate_core::service::{Deps, ServiceConfig, UserPools};
use cognate_core::store::{DocStore, Store};
use cognate_gateway::integrate::IntegratorConfig;
use cognate_gateway::{Gateway, GatewayDeps, UserPoolsDirectory};
use tokio::net::TcpListener;
use tower::ServiceExt as _;
use tower_http::cors::{AllowHeaders, AllowMethods, AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

use crate::config::{Config, Secret, ENV_DATABASE_URL};
use crate::delivery;
use crate::master_key::{self, KeySource};

/// The largest body the server reads. A little above the protocol's own
/// limit, so a slightly-too-large request gets the protocol's error and an
/// absurd one is refused with a bare 413 before it is read.
pub const BODY_LIMIT: usize = cognate_idp::MAX_BODY + 64 * 1024;

/// How long browsers may cache a CORS preflight.
const CORS_MAX_AGE: Duration = Duration::from_secs(600);

/// Response headers the browser lets JavaScript read (the AWS SDKs read these).
const EXPOSED_HEADERS: [&str; 4] = [
    "x-amzn-requestid",
    "x-amzn-errortype",
    "x-amzn-errormessage",
    "date",
];

/// The storage backend, chosen from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Storage {
    /// The embedded default: `<data_dir>/cognate.db`.
    Sqlite { path: PathBuf },
    /// PostgreSQL at `url` (`COGNATE_DATABASE_URL` or `database_url`), which
    /// several nodes may share. The URL may hold a password: it is only ever
    /// shown without it.
    Postgres { url: Secret },
}

impl Storage {
    /// PostgreSQL when a database URL is configured (it must be a
    /// `postgres://` or `postgresql://` URL), else SQLite under `data_dir`.
    pub fn choose(cfg: &Config, data_dir: &Path) -> anyhow::Result<Self> {
        let Some(url) = &cfg.database_url else {
            return Ok(Storage::Sqlite {
                path: data_dir.join("cognate.db"),
            });
        };
        // The scheme only: the rest may hold a password.
        let scheme = url
            .expose()
            .trim()
            .split_once("://")
            .map(|(scheme, _)| scheme.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("postgres" | "postgresql") => Ok(Storage::Postgres { url: url.clone() }),
            Some(other)
                if !other.is_empty()
                    && other.len() <= 16
                    && other
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"+.-".contains(&b)) =>
            {
                bail!(
                    "{ENV_DATABASE_URL} (or database_url in the config file) must be a \
                     postgres:// or postgresql:// URL, not {other}://; unset it to use SQLite \
                     under the data directory"
                )
            }
            _ => bail!(
                "{ENV_DATABASE_URL} (or database_url in the config file) is not a \
                 postgres:// or postgresql:// URL; unset it to use SQLite under the data \
                 directory"
            ),
        }
    }

    /// Opens the backend; the user pool records and the API Gateway
    /// documents live in the same database.
    pub async fn open(&self) -> anyhow::Result<(Arc<dyn Store>, Arc<dyn DocStore>)> {
        match self {
            Storage::Sqlite { path } => {
                let store = cognate_store::sqlite::SqliteStore::open(path)
                    .await
                    .with_context(|| format!("opening the database {}", path.display()))?;
                // One process owns an SQLite file, so the token-path cache
                // sees every write.
                let store = Arc::new(cognate_store::CachedStore::new(store));
                Ok((store.clone(), store))
            }
            Storage::Postgres { url } => {
                // No token-path cache: other nodes write to the same database,
                // and this node would not see their changes.
                let store = Arc::new(
                    cognate_store::PgStore::connect(url.expose().trim())
                        .await
                        .context("opening the PostgreSQL database")?,
                );
                Ok((store.clone(), store))
            }
        }
    }
}

impl std::fmt::Display for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Storage::Sqlite { path } => write!(f, "sqlite {}", path.display()),
            Storage::Postgres { url } => write!(
                f,
                "postgres {}",
                cognate_store::postgres::redact_url(url.expose())
            ),
        }
    }
}

/// A wired application, ready to serve, and the facts the banner reports.
pub struct App {
    /// What the listener serves: the gateway and the control plane.
    pub frontend: Frontend,
    pub svc: Arc<UserPools>,
    pub apigw: Arc<ApiGateway>,
    pub gateway: Arc<Gateway>,
    /// Installs each new deployment into the gateway; aborted at shutdown.
    pub reloader: tokio::task::JoinHandle<()>,
    pub clock_offset_secs: i64,
    pub data_dir: PathBuf,
    pub storage: Storage,
    pub issuer_url: String,
    pub key_source: KeySource,
}

/// Creates the data directory, loads the master key, opens the store and
/// builds the router. `bound` is the address the listener actually got
/// (it is the default issuer URL).
pub async fn build_app(cfg: &Config, bound: SocketAddr) -> anyhow::Result<App> {
    create_private_dir(&cfg.data_dir)?;
    let data_dir = std::fs::canonicalize(&cfg.data_dir).unwrap_or_else(|_| cfg.data_dir.clone());
    let storage = Storage::choose(cfg, &data_dir)?;
    let (key, key_source) = master_key::load(cfg.master_key.as_ref(), &data_dir)?;
    let (store, docs) = storage.open().await?;
    let issuer_url = cfg
        .issuer_url
        .clone()
        .unwrap_or_else(|| format!("http://{bound}"));
    let clock: Arc<dyn Clock> = match cfg.clock_offset_secs {
        0 => Arc::new(SystemClock),
        secs => Arc::new(OffsetClock {
            offset_ms: secs * 1000,
        }),
    };
    let deps = Deps {
        store,
        clock: clock.clone(),
        rng: Arc::new(SystemRng),
        deliver: delivery::from_config(cfg.smtp.as_ref(), cfg.sms.as_ref())?,
        hooks: crate::hooks::HttpHooks::new(cfg.triggers.clone())?,
        master_key: Arc::new(key),
    };
    let service_config = ServiceConfig {
        issuer_base: issuer_url.clone(),
        default_region: cfg.region.clone(),
        account_id: cfg.account_id.clone(),
        argon2: cfg.argon2,
    };
    let svc = Arc::new(UserPools::new(deps, service_config));
    let apigw = ApiGateway::new(ApiGatewayDeps {
        store: docs,
        clock: clock.clone(),
        rng: Arc::new(SystemRng),
    });
    let gateway = Gateway::new(GatewayDeps {
        clock,
        pools: Arc::new(UserPoolsDirectory(svc.clone())),
        integrator: IntegratorConfig::default(),
        remote_issuers: cfg.remote_issuers.clone(),
    });
    apigw.set_authorizer_tester(gateway.clone());
    let reloader = cognate_gateway::spawn_reloader(gateway.clone(), apigw.clone());
    Ok(App {
        frontend: Frontend::new(gateway.clone(), router(svc.clone(), apigw.clone())),
        svc,
        apigw,
        gateway,
        reloader,
        clock_offset_secs: cfg.clock_offset_secs,
        data_dir,
        storage,
        issuer_url,
        key_source,
    })
}

fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("creating the data directory {}", dir.display()))
}

/// The control plane's routes — the cognito-idp and apigateway APIs, JWKS
/// and discovery, `/health` — with their HTTP middleware: request traces
/// (DEBUG), permissive CORS for browser SDKs and the body limit.
pub fn router(svc: Arc<UserPools>, apigw: Arc<ApiGateway>) -> Router {
    Router::new()
        .route("/health", get(health))
        .merge(cognate_idp::routes(svc))
        .merge(cognate_apigw::http::routes(apigw))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(cors())
        .layer(TraceLayer::new_for_http())
}

/// The service a listener serves: a request for a deployed API (an
/// invocation URL, see [`Gateway::invocation`]) goes to the gateway as it
/// came — the API defines its own CORS and limits, and the gateway writes
/// its own access log — and everything else to the control plane.
#[derive(Clone)]
pub struct Frontend {
    gateway: Arc<Gateway>,
    control: Router,
}

impl Frontend {
    pub fn new(gateway: Arc<Gateway>, control: Router) -> Self {
        Frontend { gateway, control }
    }

    /// The control plane alone (what `apply` talks to in process).
    pub fn control(&self) -> &Router {
        &self.control
    }
}

impl tower::Service<Request> for Frontend {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut std::task::Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        match self.gateway.recognise(&req) {
            Some(invocation) => {
                let client = req
                    .extensions()
                    .get::<ConnectInfo<SocketAddr>>()
                    .map(|c| c.0)
                    .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
                let gateway = self.gateway.clone();
                let client = cognate_gateway::Client::new(client);
                Box::pin(async move { Ok(gateway.handle(invocation, req, &client).await) })
            }
            None => {
                let control = self.control.clone();
                Box::pin(async move { control.oneshot(req).await })
            }
        }
    }
}

async fn health() -> impl IntoResponse {
    Json(serde_json::json!({
        "status": "ok",
        "version": env!("CARGO_PKG_VERSION"),
    }))
}

/// Any origin, any method. Requested headers are mirrored rather than
/// answered with `*`, because `*` does not cover `Authorization`; that lets
/// through `x-amz-target`, `x-amz-user-agent`, `cache-control`,
/// `content-type`, `authorization` and whatever else an SDK sends.
fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods(AllowMethods::list([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::HEAD,
            Method::OPTIONS,
        ]))
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers(EXPOSED_HEADERS.map(HeaderName::from_static))
        .max_age(CORS_MAX_AGE)
}

/// Serves `app` on `listener` until `shutdown` resolves, then stops accepting
/// and waits for in-flight requests to finish. Requests for deployed stages
/// go from the connection straight to the gateway, the rest to the control
/// plane's router (see [`cognate_gateway::serve`]).
pub async fn serve(
    listener: TcpListener,
    app: Frontend,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    cognate_gateway::serve::serve(listener, app.gateway, app.control, shutdown).await
}

/// SIGINT and SIGTERM, listened for from the moment [`ShutdownSignals::install`]
/// returns: created before the banner is printed, so a signal sent as soon as
/// the server says it listens is never lost to the default action.
pub struct ShutdownSignals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

impl ShutdownSignals {
    pub fn install() -> std::io::Result<Self> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(ShutdownSignals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    /// Resolves on the next SIGINT or SIGTERM.
    pub async fn recv(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => tracing::info!("SIGINT received, shutting down"),
            _ = self.terminate.recv() => tracing::info!("SIGTERM received, shutting down"),
        }
    }
}

/// The start-up banner, first line `cognate listening on http://<addr>`.
pub fn banner(app: &App, bound: SocketAddr) -> Vec<String> {
    let mut lines = vec![
        format!("cognate listening on http://{bound}"),
        format!("  data dir:   {}", app.data_dir.display()),
        format!("  storage:    {}", app.storage),
        format!("  issuer URL: {}", app.issuer_url),
        format!("  master key: {}", app.key_source),
    ];
    if app.clock_offset_secs != 0 {
        lines.push(format!(
            "WARNING: the clock runs {}s {} real time (clock_offset_secs): tokens, codes and \
             sessions expire accordingly",
            app.clock_offset_secs.abs(),
            if app.clock_offset_secs > 0 {
                "ahead of"
            } else {
                "behind"
            }
        ));
    }
    if bound.ip().is_loopback() {
        lines.push(
            "admin calls are not authenticated on loopback (any AWS credentials are accepted)"
                .to_string(),
        );
    } else {
        lines.push(format!(
            "WARNING: listening on {bound}, beyond loopback: SigV4 verification of admin calls \
             is not implemented yet, so anyone who can reach this port can administer every \
             user pool"
        ));
        if bound.ip().is_unspecified() && app.issuer_url == format!("http://{bound}") {
            lines.push(
                "WARNING: the issuer URL names an unspecified address; set --issuer-url to the \
                 URL clients use to reach this server"
                    .to_string(),
            );
        }
    }
    lines
}
