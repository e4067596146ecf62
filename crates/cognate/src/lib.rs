//! The `cognate` binary: command line, configuration, wiring, listeners and
//! graceful shutdown.
//!
//! This crate connects the parts and holds no logic worth testing on its own:
//! business rules live in `cognate-core`, the wire protocol in `cognate-idp`,
//! storage in `cognate-store`, cryptography in `cognate-tokens`. It must not
//! grow request handling beyond `/health` and HTTP middleware (CORS, body
//! limit, tracing), and it must never log or print the master key.
//!
//! Layout:
//! - [`config`]: `serve` flags, `COGNATE_*` variables (read through the
//!   [`config::Env`] trait) and the TOML file, merged flag > env > file >
//!   default. Every key is documented in `cognate.example.toml`.
//! - [`master_key`]: `COGNATE_MASTER_KEY` or `<data_dir>/master.key`.
//! - [`delivery`]: the log and SMTP implementations of the core's `Deliver`.
//! - [`server`]: [`server::build_app`] wires a `UserPools` service and the
//!   router; [`server::serve`] runs it until a shutdown future resolves, so
//!   tests embed the whole server on `127.0.0.1:0`.
//! - [`apply`]: the file's `[[pools]]` and `[[apis]]`, applied through the
//!   public APIs at `serve` start-up and by `cognate apply FILE`.
//! - [`run`]: what `cognate serve` and `cognate apply` do.
#![forbid(unsafe_code)]

pub mod apply;
pub mod config;
pub mod delivery;
pub mod hooks;
pub mod master_key;
pub mod server;

use std::io::{IsTerminal, Write};
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

use crate::config::{Config, Env, ServeArgs};

/// How long in-flight requests may take to finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Cognito-compatible user pools and an API Gateway with Cognito authorizers in one binary.
#[derive(Debug, Parser)]
#[command(name = "cognate", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the cognito-idp and apigateway APIs, JWKS / OpenID discovery and
    /// the deployed REST APIs over HTTP.
    Serve(ServeArgs),
    /// Apply the [[pools]] and [[apis]] of a TOML file to a running server.
    Apply(apply::ApplyArgs),
}

/// Runs a parsed command line. `env` is the process environment in `main`.
pub async fn run(cli: Cli, env: &dyn Env) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(&args, env).await,
        Command::Apply(args) => apply::run(&args, env, &mut std::io::stdout().lock()).await,
    }
}

fn init_tracing(filter: &str) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(filter)
        .with_context(|| format!("invalid {} filter {filter:?}", config::ENV_LOG))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init()
        .map_err(|e| anyhow::anyhow!("installing the logger: {e}"))
}

async fn serve(args: &ServeArgs, env: &dyn Env) -> anyhow::Result<()> {
    init_tracing(&config::log_filter(env))?;
    let cwd = std::env::current_dir().context("reading the working directory")?;
    let cfg = Config::load(args, env, &cwd)?;
    if let Some(path) = &cfg.config_file {
        tracing::info!(path = %path.display(), "read config file");
    }
    let listener = TcpListener::bind(&cfg.listen)
        .await
        .with_context(|| format!("binding {}", cfg.listen))?;
    let bound = listener.local_addr().context("reading the bound address")?;
    let app = server::build_app(&cfg, bound).await?;
    apply::apply_on_start(&cfg, app.frontend.control().clone()).await?;
    tracing::info!(addr = %bound, issuer = %app.issuer_url, "listening");
    let mut signals =
        server::ShutdownSignals::install().context("listening for SIGINT and SIGTERM")?;

    let mut out = std::io::stdout().lock();
    for line in server::banner(&app, bound) {
        writeln!(out, "{line}").context("writing to stdout")?;
    }
    out.flush().context("writing to stdout")?;
    drop(out);

    let housekeeping = tokio::spawn(housekeeping(app.svc.clone()));
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let reloader = app.reloader;
    let mut server = tokio::spawn(server::serve(listener, app.frontend, async {
        let _ = stop_rx.await;
    }));
    tokio::select! {
        done = &mut server => return done.context("server task")?.context("serving"),
        () = signals.recv() => {}
    }
    let _ = stop_tx.send(());
    tokio::select! {
        done = &mut server => done.context("server task")?.context("serving")?,
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!("requests still running after {SHUTDOWN_GRACE:?}; exiting anyway");
        }
        () = signals.recv() => {
            tracing::warn!("second signal; exiting without waiting for requests");
        }
    }
    housekeeping.abort();
    reloader.abort();
    tracing::info!("stopped");
    Ok(())
}

/// Periodic clean-up of expired single-use markers.
async fn housekeeping(svc: std::sync::Arc<cognate_core::service::UserPools>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tick.tick().await;
        match svc.purge_expired().await {
            Ok(n) if n > 0 => tracing::debug!(purged = n, "expired markers purged"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "purging expired markers failed"),
        }
    }
}
