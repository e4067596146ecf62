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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = runtime()
        .map_err(anyhow::Error::from)
        .and_then(|rt| rt.block_on(cognate::run(cli, &ProcessEnv)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cognate: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// One worker thread per core the process may run on. On a single core the
/// single-threaded scheduler does the same work without the cross-thread
/// bookkeeping of work stealing. Blocking work (password hashing) has its own
/// threads either way.
fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut builder = if cores == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    builder.enable_all().build()
}
