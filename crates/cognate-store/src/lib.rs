//! Storage backends behind `cognate-core`'s [`Store`](cognate_core::store::Store)
//! trait. A backend stores, finds and deletes records and reports conflicts on
//! unique keys; it holds no business rules (no password checks, no expiry
//! decisions, no attribute validation). The core never sees SQL.
//!
//! - [`sqlite::SqliteStore`]: the embedded default, one file under the data
//!   directory. It runs in WAL mode with `synchronous = FULL`, so every
//!   acknowledged write has been fsynced and survives a process crash
//!   (`kill -9`) and a power loss. Writes go through a single connection (SQLite
//!   has one writer anyway), so concurrent writers queue instead of failing with
//!   `SQLITE_BUSY`; reads use a small pool of their own.
//! - PostgreSQL: planned, with its own migrations under `migrations/postgres/`.
//!
//! - [`cache::CachedStore`]: a read-through cache in front of any backend for
//!   the look-ups on the token path (one node).
//!
//! Migrations live under `migrations/<backend>/` and are never edited once
//! released. Every backend must pass the same [`conformance`] suite.
//!
//! Layout: `sqlite/mod.rs` opens the database and maps the trait onto
//! `sqlite/{pools,users,groups,sessions}.rs`; `error.rs` turns `sqlx` errors
//! into [`StoreError`](cognate_core::store::StoreError)s.
#![forbid(unsafe_code)]

pub mod cache;
pub mod conformance;
mod error;
pub mod sqlite;

pub use cache::CachedStore;
pub use sqlite::SqliteStore;
