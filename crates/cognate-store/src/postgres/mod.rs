//! The PostgreSQL backend, for several `cognate` nodes on one database.
//!
//! A pool of [`CONNECTIONS`] connections serves every call. Each `Store` method
//! is one statement, except pool creation (the pool row and its keys), which
//! is one transaction; a write is acknowledged when PostgreSQL has committed
//! it, so it is as durable as the server's `synchronous_commit` makes it (on
//! by default: flushed to the WAL). Concurrent nodes need nothing more:
//! uniqueness is enforced by constraints (a losing writer gets `Conflict`),
//! counters and single-use markers are updated in one atomic statement, and
//! migrations run under sqlx's advisory lock, so nodes starting together
//! migrate once.
//!
//! [`PgStore::connect`] uses the schema the URL's `search_path` selects
//! (`public` by default; `?options=-c%20search_path%3Dname` picks another).
//! [`PgStore::connect_with_schema`] creates and uses a schema of its own,
//! which is how tests isolate themselves on a shared database.
//!
//! Document batches ([`DocStore::write_docs`]) are transactions too, which
//! take turns on one row lock (see `docs.rs`).
//!
//! The traits are mapped onto inherent methods in `pools.rs` (pools, keys,
//! clients), `users.rs`, `groups.rs`, `sessions.rs` (codes, refresh
//! sessions, single-use markers) and `docs.rs` (the document store), as in
//! the SQLite backend.

mod docs;
mod groups;
mod pools;
mod sessions;
mod users;

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use cognate_core::model::*;
use cognate_core::store::{Doc, DocStore, DocWrite, Store, StoreError, StoreResult};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection};

use crate::error::backend;

/// Connections in the pool.
pub const CONNECTIONS: u32 = 8;
/// How long a call waits for a free connection (or for the server to accept one).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// [`Store`] and [`DocStore`] on a PostgreSQL database. Cheap to clone (the
/// connection pool is shared).
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// The schema of [`PgStore::connect_with_schema`], if that opened the store.
    schema: Option<String>,
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://` or `postgresql://`)
    /// and brings its schema up to date. Fails at once, naming the reason,
    /// when the server cannot be reached or refuses the credentials.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::open(url, None).await
    }

    /// Like [`PgStore::connect`], but every connection works in `schema`
    /// (created if missing): its own tables and its own migration history.
    /// `schema` is a plain lower-case identifier (`[a-z_][a-z0-9_]*`, at most
    /// 63 bytes).
    pub async fn connect_with_schema(url: &str, schema: &str) -> Result<Self, StoreError> {
        check_schema_name(schema)?;
        Self::open(url, Some(schema)).await
    }

    async fn open(url: &str, schema: Option<&str>) -> Result<Self, StoreError> {
        let shown = redact_url(url);
        let mut options = PgConnectOptions::from_str(url)
            .map_err(|e| backend(format!("invalid PostgreSQL URL {shown}: {e}")))?;
        if options.get_application_name().is_none() {
            options = options.application_name("cognate");
        }
        if let Some(schema) = schema {
            options = options.options([("search_path", schema)]);
        }
        // One connection of our own first: it reports an unreachable server or
        // bad credentials at once (the pool would retry until its timeout), and
        // it creates the schema before any pooled connection looks for it.
        let mut conn = options
            .connect()
            .await
            .map_err(|e| backend(format!("connecting to PostgreSQL at {shown}: {e}")))?;
        if let Some(schema) = schema {
            create_schema(&mut conn, schema).await?;
        }
        let _ = conn.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|e| backend(format!("connecting to PostgreSQL at {shown}: {e}")))?;
        // Under an advisory lock: nodes starting together migrate once.
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| backend(format!("migrating the PostgreSQL database at {shown}: {e}")))?;
        tracing::debug!(url = %shown, schema, "opened PostgreSQL store");
        Ok(PgStore {
            pool,
            schema: schema.map(str::to_string),
        })
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Drops the schema this store was opened with by
    /// [`PgStore::connect_with_schema`], with everything in it, and closes the
    /// store. For tests; an error when the store was opened with `connect`.
    pub async fn drop_schema(self) -> Result<(), StoreError> {
        let Some(schema) = &self.schema else {
            return Err(backend("drop_schema: the store has no schema of its own"));
        };
        sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
            .execute(&self.pool)
            .await
            .map_err(|e| backend(format!("dropping schema {schema}: {e}")))?;
        self.pool.close().await;
        Ok(())
    }
}

/// `url` without its password (in the user info or a `password=` parameter),
/// for logs, banners and error messages.
pub fn redact_url(url: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let mut out = match head.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = match rest.find('/') {
                Some(i) => rest.split_at(i),
                None => (rest, ""),
            };
            let authority = match authority.rsplit_once('@') {
                Some((userinfo, host)) => match userinfo.split_once(':') {
                    Some((user, _password)) => format!("{user}:***@{host}"),
                    None => format!("{userinfo}@{host}"),
                },
                None => authority.to_string(),
            };
            format!("{scheme}://{authority}{path}")
        }
        None => head.to_string(),
    };
    if let Some(query) = query {
        let params: Vec<String> = query
            .split('&')
            .map(|p| match p.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => p.to_string(),
            })
            .collect();
        out.push('?');
        out.push_str(&params.join("&"));
    }
    out
}

/// `CREATE SCHEMA IF NOT EXISTS`, which two connections racing to create one
/// schema can still fail with a unique violation; the loser is content.
async fn create_schema(conn: &mut sqlx::PgConnection, schema: &str) -> StoreResult<()> {
    let created = sqlx::query(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
        .execute(conn)
        .await;
    match created {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(e)) if matches!(e.code().as_deref(), Some("23505" | "42P06")) => {
            Ok(())
        }
        Err(e) => Err(backend(format!("creating schema {schema}: {e}"))),
    }
}

fn check_schema_name(schema: &str) -> StoreResult<()> {
    let mut bytes = schema.bytes();
    let ok = schema.len() <= 63
        && bytes
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(backend(format!(
            "invalid schema name {schema:?}: use [a-z_][a-z0-9_]*, at most 63 bytes"
        )))
    }
}

// === helpers shared by the submodules ===

use crate::doc::{from_doc, from_docs, limit, to_doc};

/// `NotFound` unless a write touched at least one row.
fn touched(done: sqlx::postgres::PgQueryResult) -> StoreResult<()> {
    crate::doc::touched_rows(done.rows_affected())
}

// === impl Store ===

#[async_trait]
impl Store for PgStore {
    async fn create_pool(&self, pool: &UserPool, keys: &[PoolKey]) -> StoreResult<()> {
        self.create_pool_with_keys(pool, keys).await
    }
    async fn get_pool(&self, pool_id: &str) -> StoreResult<Option<UserPool>> {
        self.pool_by_id(pool_id).await
    }
    async fn list_pools(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<UserPool>> {
        self.pool_page(after, limit).await
    }
    async fn update_pool(&self, pool: &UserPool) -> StoreResult<()> {
        self.replace_pool(pool).await
    }
    async fn delete_pool(&self, pool_id: &str) -> StoreResult<()> {
        self.remove_pool(pool_id).await
    }
    async fn pool_keys(&self, pool_id: &str) -> StoreResult<Vec<PoolKey>> {
        self.keys_of_pool(pool_id).await
    }
    async fn count_users(&self, pool_id: &str) -> StoreResult<u64> {
        self.user_count(pool_id).await
    }

    async fn create_client(&self, client: &AppClient) -> StoreResult<()> {
        self.insert_client(client).await
    }
    async fn get_client(&self, pool_id: &str, client_id: &str) -> StoreResult<Option<AppClient>> {
        self.client_by_id(pool_id, client_id).await
    }
    async fn list_clients(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<AppClient>> {
        self.client_page(pool_id, after, limit).await
    }
    async fn update_client(&self, client: &AppClient) -> StoreResult<()> {
        self.replace_client(client).await
    }
    async fn pool_of_client(&self, client_id: &str) -> StoreResult<Option<String>> {
        self.pool_id_of_client(client_id).await
    }
    async fn delete_client(&self, pool_id: &str, client_id: &str) -> StoreResult<()> {
        self.remove_client(pool_id, client_id).await
    }

    async fn create_user(&self, user: &User) -> StoreResult<()> {
        self.insert_user(user).await
    }
    async fn get_user(&self, pool_id: &str, username_key: &str) -> StoreResult<Option<User>> {
        self.user_by_key(pool_id, username_key).await
    }
    async fn get_user_by_sub(&self, pool_id: &str, sub: &str) -> StoreResult<Option<User>> {
        self.user_by_sub(pool_id, sub).await
    }
    async fn find_users_by_attribute(
        &self,
        pool_id: &str,
        name: &str,
        value: &str,
    ) -> StoreResult<Vec<User>> {
        self.users_with_attribute(pool_id, name, value).await
    }
    async fn update_user(&self, user: &User) -> StoreResult<()> {
        self.replace_user(user).await
    }
    async fn delete_user(&self, pool_id: &str, sub: &str) -> StoreResult<()> {
        self.remove_user(pool_id, sub).await
    }
    async fn list_users(
        &self,
        pool_id: &str,
        filter: Option<&UserFilter>,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<User>> {
        self.user_page(pool_id, filter, after, limit).await
    }

    async fn create_group(&self, group: &Group) -> StoreResult<()> {
        self.insert_group(group).await
    }
    async fn get_group(&self, pool_id: &str, name: &str) -> StoreResult<Option<Group>> {
        self.group_by_name(pool_id, name).await
    }
    async fn list_groups(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Group>> {
        self.group_page(pool_id, after, limit).await
    }
    async fn update_group(&self, group: &Group) -> StoreResult<()> {
        self.replace_group(group).await
    }
    async fn delete_group(&self, pool_id: &str, name: &str) -> StoreResult<()> {
        self.remove_group(pool_id, name).await
    }
    async fn add_user_to_group(&self, pool_id: &str, group: &str, sub: &str) -> StoreResult<()> {
        self.add_member(pool_id, group, sub).await
    }
    async fn remove_user_from_group(
        &self,
        pool_id: &str,
        group: &str,
        sub: &str,
    ) -> StoreResult<()> {
        self.remove_member(pool_id, group, sub).await
    }
    async fn groups_for_user(&self, pool_id: &str, sub: &str) -> StoreResult<Vec<Group>> {
        self.groups_of(pool_id, sub).await
    }
    async fn users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<User>> {
        self.member_page(pool_id, group, after, limit).await
    }

    async fn put_code(&self, code: &CodeRecord) -> StoreResult<()> {
        self.upsert_code(code).await
    }
    async fn get_code(
        &self,
        pool_id: &str,
        sub: &str,
        purpose: &str,
    ) -> StoreResult<Option<CodeRecord>> {
        self.code_for(pool_id, sub, purpose).await
    }
    async fn record_code_failure(
        &self,
        pool_id: &str,
        sub: &str,
        purpose: &str,
    ) -> StoreResult<u32> {
        self.count_code_failure(pool_id, sub, purpose).await
    }
    async fn delete_code(&self, pool_id: &str, sub: &str, purpose: &str) -> StoreResult<()> {
        self.remove_code(pool_id, sub, purpose).await
    }

    async fn create_session(&self, session: &RefreshSession) -> StoreResult<()> {
        self.insert_session(session).await
    }
    async fn get_session(&self, origin_jti: &str) -> StoreResult<Option<RefreshSession>> {
        self.session_by_jti(origin_jti).await
    }
    async fn get_session_by_token_hash(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<RefreshSession>> {
        self.session_by_hash(token_hash).await
    }
    async fn revoke_session(&self, origin_jti: &str, at_ms: i64) -> StoreResult<()> {
        self.mark_session_revoked(origin_jti, at_ms).await
    }
    async fn revoke_user_sessions(&self, pool_id: &str, sub: &str, at_ms: i64) -> StoreResult<u64> {
        self.mark_user_sessions_revoked(pool_id, sub, at_ms).await
    }

    async fn consume_once(&self, key: &str, expires_ms: i64) -> StoreResult<bool> {
        self.insert_marker(key, expires_ms).await
    }

    async fn purge_expired_markers(&self, now_ms: i64) -> StoreResult<u64> {
        self.delete_expired_markers(now_ms).await
    }
}

// === impl DocStore ===

#[async_trait]
impl DocStore for PgStore {
    async fn get_doc(&self, kind: &str, id: &str) -> StoreResult<Option<Doc>> {
        self.doc_by_key(kind, id).await
    }
    async fn list_docs(
        &self,
        kind: &str,
        prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Doc>> {
        self.doc_page(kind, prefix, after, limit).await
    }
    async fn write_docs(&self, writes: &[DocWrite]) -> StoreResult<()> {
        self.apply_doc_writes(writes).await
    }
    async fn docs_generation(&self) -> StoreResult<i64> {
        self.doc_generation().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_from_urls() {
        let cases = [
            (
                "postgres://postgres@127.0.0.1:5432/test",
                "postgres://postgres@127.0.0.1:5432/test",
            ),
            (
                "postgres://app:s3cr%40t@db.example:5432/cognate?sslmode=prefer",
                "postgres://app:***@db.example:5432/cognate?sslmode=prefer",
            ),
            ("postgresql://app:p@ss@db/x", "postgresql://app:***@db/x"),
            (
                "postgres://db/x?user=app&password=hunter2&application_name=a",
                "postgres://db/x?user=app&password=***&application_name=a",
            ),
            ("postgres://localhost", "postgres://localhost"),
        ];
        for (url, want) in cases {
            assert_eq!(redact_url(url), want, "{url}");
        }
    }

    #[test]
    fn schema_names_are_plain_identifiers() {
        for good in ["cognate", "cognate_test_12_345", "_x1"] {
            assert!(check_schema_name(good).is_ok(), "{good}");
        }
        let long = "a".repeat(64);
        for bad in ["", "1abc", "Upper", "a-b", "a;drop", "a b", "\"q\"", &long] {
            assert!(check_schema_name(bad).is_err(), "{bad}");
        }
    }
}
