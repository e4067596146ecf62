//! `cognate`: parse the command line and run it. See the library crate.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use cognate::config::ProcessEnv;
use cognate::Cli;

/// mimalloc: request handling allocates many small, short-lived values, and
/// argon2's large blocks are returned to the system instead of lingering in
/// per-thread arenas.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cognate::run(cli, &ProcessEnv).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cognate: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
