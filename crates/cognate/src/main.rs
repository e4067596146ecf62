//! `cognate`: parse the command line and run it. See the library crate.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use cognate::config::ProcessEnv;
use cognate::Cli;

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
