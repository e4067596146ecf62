//! The embedded SQLite backend.
//!
//! One database file, opened in WAL mode with `synchronous = FULL`: a write is
//! acknowledged only after its commit has been fsynced, so it survives
//! `kill -9` and power loss. Writes go through a pool of exactly one
//! connection, so writers in this process queue in the pool instead of racing
//! for SQLite's single write lock; multi-statement writes use
//! `BEGIN IMMEDIATE` and every connection waits up to 5 s on a lock held by
//! another process (`busy_timeout`). Reads use a separate small pool and, in
//! WAL mode, never wait for the writer.
//!
//! The traits are mapped onto inherent methods in `pools.rs` (pools, keys,
//! clients), `users.rs`, `groups.rs`, `sessions.rs` (codes, refresh
//! sessions, single-use markers) and `docs.rs` (the document store).

mod docs;
mod groups;
mod pools;
mod sessions;
mod users;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use cognate_core::model::*;
use cognate_core::store::{Doc, DocStore, DocWrite, Store, StoreError, StoreResult};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::error::{backend, map_sqlx};

/// How many connections serve reads on a file database.
const READ_CONNECTIONS: u32 = 4;
/// How long a connection waits for a lock held by another connection or process.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// [`Store`] and [`DocStore`] on an embedded SQLite database. Cheap to clone
/// (the pools are shared).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// Exactly one connection: every write goes through it.
    writer: SqlitePool,
    /// Read-only work. The same pool as `writer` for in-memory databases.
    reader: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating it if missing) the database file at `path` and brings
    /// its schema up to date.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| backend(format!("creating {}: {e}", dir.display())))?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        // The writer connection is opened first and kept open for the life of
        // the store: it sets WAL mode and runs the migrations before any reader
        // connects.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options.clone())
            .await
            .map_err(|e| backend(format!("opening {}: {e}", path.display())))?;
        MIGRATOR.run(&writer).await.map_err(backend)?;
        let reader = SqlitePoolOptions::new()
            .max_connections(READ_CONNECTIONS)
            .connect_with(options)
            .await
            .map_err(map_sqlx)?;
        tracing::debug!(path = %path.display(), "opened SQLite store (WAL, synchronous=FULL)");
        Ok(SqliteStore { writer, reader })
    }

    /// A private in-memory database (for tests): one connection serves both
    /// reads and writes and lives as long as the store.
    pub async fn open_in_memory() -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")
            .map_err(backend)?
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(map_sqlx)?;
        MIGRATOR.run(&pool).await.map_err(backend)?;
        Ok(SqliteStore {
            writer: pool.clone(),
            reader: pool,
        })
    }

    /// Closes every connection, checkpointing the WAL.
    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }
}

// === helpers shared by the submodules ===

use crate::doc::{from_doc, limit, to_doc};

/// `NotFound` unless a write touched at least one row.
fn touched(done: sqlx::sqlite::SqliteQueryResult) -> StoreResult<()> {
    crate::doc::touched_rows(done.rows_affected())
}

// === impl Store ===

#[async_trait]
impl Store for SqliteStore {
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
        let done = sqlx::query("DELETE FROM once_markers WHERE expires_ms < ?")
            .bind(now_ms)
            .execute(&self.writer)
            .await
            .map_err(map_sqlx)?;
        Ok(done.rows_affected())
    }
}

// === impl DocStore ===

#[async_trait]
impl DocStore for SqliteStore {
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

    fn temp_db(tag: &str) -> std::path::PathBuf {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        std::env::temp_dir()
            .join(format!(
                "cognate-store-unit-{tag}-{}-{nanos}",
                std::process::id()
            ))
            .join("cognate.db")
    }

    #[tokio::test]
    async fn file_database_is_wal_with_full_sync_and_foreign_keys() {
        let path = temp_db("pragmas");
        let store = SqliteStore::open(&path).await.unwrap();
        for pool in [&store.writer, &store.reader] {
            let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
                .fetch_one(pool)
                .await
                .unwrap();
            assert_eq!(mode, "wal");
            let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
                .fetch_one(pool)
                .await
                .unwrap();
            assert_eq!(sync, 2, "synchronous = FULL");
            let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
                .fetch_one(pool)
                .await
                .unwrap();
            assert_eq!(fk, 1);
        }
        store.close().await;
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }

    #[tokio::test]
    async fn email_lookup_uses_the_expression_index() {
        let store = SqliteStore::open_in_memory().await.unwrap();
        let sql = format!(
            "EXPLAIN QUERY PLAN SELECT doc FROM users WHERE pool_id = ? AND {} = ?",
            users::indexed_attribute("email").unwrap()
        );
        let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(&sql)
            .bind("p")
            .bind("a@example.com")
            .fetch_all(&store.reader)
            .await
            .unwrap();
        let plan: Vec<String> = rows.into_iter().map(|r| r.3).collect();
        assert!(plan.iter().any(|d| d.contains("users_email")), "{plan:?}");
    }
}
