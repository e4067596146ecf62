//! Storage backends behind `cognate-core`'s [`Store`](cognate_core::store::Store)
//! trait (user pool records) and [`DocStore`](cognate_core::store::DocStore)
//! trait (JSON documents written in version-checked, all-or-nothing batches,
//! which hold the API Gateway model). A backend stores, finds and deletes
//! records, reports conflicts on unique keys and failed expectations, and
//! holds no business rules (no password checks, no expiry decisions, no
//! attribute validation). The core never sees SQL.
//!
//! - [`sqlite::SqliteStore`]: the embedded default, one file under the data
//!   directory. It runs in WAL mode with `synchronous = FULL`, so every
//!   acknowledged write has been fsynced and survives a process crash
//!   (`kill -9`) and a power loss. Writes go through a single connection (SQLite
//!   has one writer anyway), so concurrent writers queue instead of failing with
//!   `SQLITE_BUSY`; reads use a small pool of their own.
//! - [`postgres::PgStore`]: PostgreSQL, for several nodes on one database
//!   (`COGNATE_DATABASE_URL=postgres://…`). A pool of eight connections; each
//!   write is one statement or one transaction, acknowledged once committed.
//!   Uniqueness lives in constraints, so nodes racing for one key get
//!   `Conflict`, never a duplicate; key columns sort with `COLLATE "C"`, so
//!   pages come in the same (byte) order as on SQLite.
//!   Document batches take turns on one row lock, so a compare-and-swap has
//!   one winner across nodes.
//!   [`PgStore::connect_with_schema`](postgres::PgStore::connect_with_schema)
//!   isolates a test run in a schema of its own.
//! - [`cache::CachedStore`]: a read-through cache in front of any backend for
//!   the look-ups on the token path (one node: it sees only its own writes,
//!   so it is not used over a database that several nodes share). Documents
//!   pass through it uncached.
//!
//! Both backends keep the same tables: each record as a JSON document plus
//! the key columns it is found, ordered and joined by, children deleted with
//! their parent (`ON DELETE CASCADE`); documents live in one `docs` table
//! keyed by `(kind, id)`, beside a one-row generation counter that every
//! successful batch advances. Migrations live under
//! `migrations/<backend>/` and are never edited once released. Every backend
//! must pass the same [`conformance`] suite (`tests/sqlite.rs`,
//! `tests/postgres.rs`; the latter runs when `COGNATE_TEST_POSTGRES_URL` is
//! set and says so when it skips).
//!
//! Layout: `<backend>/mod.rs` opens the database and maps the traits onto
//! `<backend>/{pools,users,groups,sessions,docs}.rs`; `error.rs` turns `sqlx`
//! errors into [`StoreError`](cognate_core::store::StoreError)s the same way
//! for both (unique violation: `Conflict` naming the key; foreign-key
//! violation: `NotFound`; anything else: `Backend`).
#![forbid(unsafe_code)]

pub mod cache;
pub mod conformance;
mod doc;
mod error;
pub mod postgres;
pub mod sqlite;

pub use cache::CachedStore;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;
