//! The cryptographic ceiling of the hot API calls on this machine.
//!
//! Measures, on every core at once (one worker per core), for a few seconds
//! each:
//!
//! * argon2id verifications with the default cost (m = 19456 KiB, t = 2,
//!   p = 1), through `cognate_core::service::PasswordHasher` (the same code,
//!   and the same tokio blocking pool hop, the server uses);
//! * RS256 signatures with an RSA-2048 key (`cognate_tokens::SigningKey`);
//! * RS256 verifications (`cognate_tokens::verify` against a `KeySet`).
//!
//! and derives what the server could do at best if it did nothing but that
//! cryptography:
//!
//! * sign-in (InitiateAuth USER_PASSWORD_AUTH) = one argon2id verification
//!   plus two signatures (ID and access token) on the same cores:
//!   `1 / (1/argon2 + 2/sign)` per second;
//! * REFRESH_TOKEN_AUTH = two signatures: `sign / 2`;
//! * GetUser = one verification: `verify`.
//!
//! Prints one JSON object on stdout (progress on stderr). Used by `bench/run`.
//!
//! ```text
//! cargo run --release -p cognate --example crypto_bound -- [--threads N] [--secs S]
//! ```
//! Defaults: all cores (`std::thread::available_parallelism`), 3 seconds per
//! measurement. `CRYPTO_BOUND_THREADS` / `CRYPTO_BOUND_SECS` work too.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cognate_core::rng::SystemRng;
use cognate_core::service::{Argon2Params, PasswordHasher};
use cognate_tokens::{KeySet, SigningKey};
use serde_json::json;

/// The same allocator as the server, so the bound measures the same code.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PASSWORD: &str = "Passw0rd!";

struct Options {
    threads: usize,
    secs: f64,
}

fn options() -> Options {
    let mut threads = std::env::var("CRYPTO_BOUND_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        });
    let mut secs = std::env::var("CRYPTO_BOUND_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3.0);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--threads" => {
                threads = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--threads N")
            }
            "--secs" => secs = args.next().and_then(|v| v.parse().ok()).expect("--secs S"),
            "-h" | "--help" => {
                eprintln!("usage: crypto_bound [--threads N] [--secs S]");
                std::process::exit(0);
            }
            other => {
                eprintln!("crypto_bound: unknown argument {other:?}");
                std::process::exit(2);
            }
        }
    }
    Options {
        threads: threads.max(1),
        secs: if secs > 0.0 { secs } else { 3.0 },
    }
}

/// Runs `op` in a loop on `threads` OS threads for `secs`, returns ops/s.
fn rate_on_threads<F>(threads: usize, secs: f64, op: F) -> f64
where
    F: Fn() + Send + Sync + 'static,
{
    let op = Arc::new(op);
    // Warm-up: one call per thread, not timed.
    std::thread::scope(|s| {
        for _ in 0..threads {
            let op = op.clone();
            s.spawn(move || op());
        }
    });
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (op, stop, count) = (op.clone(), stop.clone(), count.clone());
            std::thread::spawn(move || {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    op();
                    n += 1;
                }
                count.fetch_add(n, Ordering::Relaxed);
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs_f64(secs));
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        h.join().expect("worker panicked");
    }
    // Every operation that started before `stop` is counted, so divide by the
    // time until the last one finished.
    count.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

/// argon2id verifications per second: `threads` concurrent tasks awaiting
/// `PasswordHasher::verify`, exactly as request handlers do.
fn argon2_rate(threads: usize, secs: f64, hasher: &PasswordHasher) -> f64 {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let phc = hasher
            .hash(&SystemRng, PASSWORD)
            .await
            .expect("argon2 hash");
        assert!(
            hasher.verify(PASSWORD, &phc).await.expect("verify"),
            "hash does not verify"
        );
        assert!(
            !hasher.verify("wrong", &phc).await.expect("verify"),
            "wrong password verifies"
        );
        let stop = Arc::new(AtomicBool::new(false));
        let start = Instant::now();
        let tasks: Vec<_> = (0..threads)
            .map(|_| {
                let (hasher, phc, stop) = (hasher.clone(), phc.clone(), stop.clone());
                tokio::spawn(async move {
                    let mut n = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        let ok = hasher.verify(PASSWORD, &phc).await.expect("verify");
                        assert!(ok);
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_secs_f64(secs)).await;
        stop.store(true, Ordering::Relaxed);
        let mut total = 0u64;
        for t in tasks {
            total += t.await.expect("task");
        }
        total as f64 / start.elapsed().as_secs_f64()
    })
}

/// Claims shaped like the access token cognate issues (similar size).
fn sample_claims() -> serde_json::Value {
    json!({
        "sub": "6b8f2c1e-3a4d-4c5b-9e7f-0123456789ab",
        "iss": "http://127.0.0.1:4566/us-east-1_AbCdEfGhI",
        "client_id": "1example23456789abcdefghij",
        "origin_jti": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        "event_id": "11112222-3333-4444-5555-666677778888",
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "auth_time": 1_700_000_000,
        "exp": 1_700_003_600,
        "iat": 1_700_000_000,
        "jti": "aaaabbbb-cccc-dddd-eeee-ffff00001111",
        "username": "bench-user-0001"
    })
}

fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn main() {
    let opts = options();
    let (threads, secs) = (opts.threads, opts.secs);
    let params = Argon2Params::default();
    eprintln!(
        "crypto_bound: {threads} thread(s), {secs} s per measurement, argon2id m={} KiB t={} p={}",
        params.memory_kib, params.iterations, params.parallelism
    );

    let hasher = PasswordHasher::new(params);
    let argon2 = argon2_rate(threads, secs, &hasher);
    eprintln!("crypto_bound: argon2id verify  {argon2:>10.1}/s");

    let key = SigningKey::generate("bench-kid").expect("generate RSA-2048 key");
    let claims = sample_claims();
    let sign = {
        let (key, claims) = (key.clone(), claims.clone());
        rate_on_threads(threads, secs, move || {
            let t = key.sign(&claims).expect("sign");
            std::hint::black_box(t);
        })
    };
    eprintln!("crypto_bound: RS256 sign       {sign:>10.1}/s");

    let token = key.sign(&claims).expect("sign");
    let keys = KeySet::new([key.verifying_key()]);
    cognate_tokens::verify(&token, &keys).expect("token verifies");
    let verify = {
        let token = token.clone();
        rate_on_threads(threads, secs, move || {
            let v = cognate_tokens::verify(&token, &keys).expect("verify");
            std::hint::black_box(v);
        })
    };
    eprintln!("crypto_bound: RS256 verify     {verify:>10.1}/s");

    let sign_in = 1.0 / (1.0 / argon2 + 2.0 / sign);
    let out = json!({
        "threads": threads,
        "seconds_per_measurement": secs,
        "argon2id": {
            "memory_kib": params.memory_kib,
            "iterations": params.iterations,
            "parallelism": params.parallelism,
        },
        "rates_per_sec": {
            "argon2id_verify": round(argon2),
            "rs256_sign": round(sign),
            "rs256_verify": round(verify),
        },
        "bounds_per_sec": {
            "initiate_auth_user_password": round(sign_in),
            "refresh_token_auth": round(sign / 2.0),
            "get_user": round(verify),
        },
        "formulas": {
            "initiate_auth_user_password": "1 / (1/argon2id_verify + 2/rs256_sign)",
            "refresh_token_auth": "rs256_sign / 2",
            "get_user": "rs256_verify",
        }
    });
    println!("{}", serde_json::to_string_pretty(&out).expect("json"));
}
