//! The storage port. Backends (SQLite, PostgreSQL) live in `cognate-store`;
//! the core only sees this trait. No business rules belong behind it: a
//! backend stores, finds and deletes, and reports conflicts on unique keys.
//!
//! Listing methods are keyset-paginated: `after` is the key of the last item
//! of the previous page (pool id, client id, `username_key`, group name),
//! results are ordered by that key, and at most `limit` items are returned.

use async_trait::async_trait;

use crate::model::*;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key already exists (pool id, client id, username, sub, group name).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The record to update or delete does not exist.
    #[error("not found")]
    NotFound,
    #[error("storage backend: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[async_trait]
pub trait Store: Send + Sync + 'static {
    // === pools ===
    /// Creates the pool and its signing keys in one transaction.
    async fn create_pool(&self, pool: &UserPool, keys: &[PoolKey]) -> StoreResult<()>;
    async fn get_pool(&self, pool_id: &str) -> StoreResult<Option<UserPool>>;
    async fn list_pools(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<UserPool>>;
    async fn update_pool(&self, pool: &UserPool) -> StoreResult<()>;
    /// Deletes the pool and everything in it (clients, users, groups, codes, sessions, keys).
    async fn delete_pool(&self, pool_id: &str) -> StoreResult<()>;
    async fn pool_keys(&self, pool_id: &str) -> StoreResult<Vec<PoolKey>>;
    async fn count_users(&self, pool_id: &str) -> StoreResult<u64>;

    // === app clients ===
    async fn create_client(&self, client: &AppClient) -> StoreResult<()>;
    async fn get_client(&self, pool_id: &str, client_id: &str) -> StoreResult<Option<AppClient>>;
    async fn list_clients(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<AppClient>>;
    async fn update_client(&self, client: &AppClient) -> StoreResult<()>;
    /// Client ids are unique across pools: the pool a client belongs to.
    async fn pool_of_client(&self, client_id: &str) -> StoreResult<Option<String>>;
    /// Deletes the client and its refresh sessions.
    async fn delete_client(&self, pool_id: &str, client_id: &str) -> StoreResult<()>;

    // === users ===
    /// Conflict when (pool, username_key) or (pool, sub) exists.
    async fn create_user(&self, user: &User) -> StoreResult<()>;
    async fn get_user(&self, pool_id: &str, username_key: &str) -> StoreResult<Option<User>>;
    async fn get_user_by_sub(&self, pool_id: &str, sub: &str) -> StoreResult<Option<User>>;
    /// Users whose attribute `name` equals `value` exactly (alias sign-in, uniqueness checks).
    async fn find_users_by_attribute(
        &self,
        pool_id: &str,
        name: &str,
        value: &str,
    ) -> StoreResult<Vec<User>>;
    async fn update_user(&self, user: &User) -> StoreResult<()>;
    /// Deletes the user, their codes, group memberships and refresh sessions.
    /// Creating a record whose parent (pool, client, user, group) is missing is
    /// `NotFound`, as is deleting a code or revoking a session that is not there.
    async fn delete_user(&self, pool_id: &str, sub: &str) -> StoreResult<()>;
    /// Ordered by `username_key`; `after` is a `username_key`.
    async fn list_users(
        &self,
        pool_id: &str,
        filter: Option<&UserFilter>,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<User>>;

    // === groups ===
    async fn create_group(&self, group: &Group) -> StoreResult<()>;
    async fn get_group(&self, pool_id: &str, name: &str) -> StoreResult<Option<Group>>;
    async fn list_groups(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Group>>;
    async fn update_group(&self, group: &Group) -> StoreResult<()>;
    /// Deletes the group and its memberships.
    async fn delete_group(&self, pool_id: &str, name: &str) -> StoreResult<()>;
    /// Idempotent.
    async fn add_user_to_group(&self, pool_id: &str, group: &str, sub: &str) -> StoreResult<()>;
    /// Idempotent.
    async fn remove_user_from_group(
        &self,
        pool_id: &str,
        group: &str,
        sub: &str,
    ) -> StoreResult<()>;
    /// Every group of the user, ordered by name.
    async fn groups_for_user(&self, pool_id: &str, sub: &str) -> StoreResult<Vec<Group>>;
    /// Members ordered by `username_key`; `after` is a `username_key`.
    async fn users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<User>>;

    // === one-time codes ===
    /// Replaces any code for the same (pool, sub, purpose).
    async fn put_code(&self, code: &CodeRecord) -> StoreResult<()>;
    async fn get_code(
        &self,
        pool_id: &str,
        sub: &str,
        purpose: &str,
    ) -> StoreResult<Option<CodeRecord>>;
    /// Adds one failed attempt and returns the new count (0 when there is no code).
    async fn record_code_failure(
        &self,
        pool_id: &str,
        sub: &str,
        purpose: &str,
    ) -> StoreResult<u32>;
    async fn delete_code(&self, pool_id: &str, sub: &str, purpose: &str) -> StoreResult<()>;

    // === refresh sessions ===
    async fn create_session(&self, session: &RefreshSession) -> StoreResult<()>;
    async fn get_session(&self, origin_jti: &str) -> StoreResult<Option<RefreshSession>>;
    async fn get_session_by_token_hash(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<RefreshSession>>;
    /// Marks one session revoked (keeps the first revocation time).
    async fn revoke_session(&self, origin_jti: &str, at_ms: i64) -> StoreResult<()>;
    /// Revokes every session of a user; returns how many were newly revoked.
    async fn revoke_user_sessions(&self, pool_id: &str, sub: &str, at_ms: i64) -> StoreResult<u64>;

    // === single-use markers ===
    /// Records `key` as used until `expires_ms`. True the first time, false after.
    async fn consume_once(&self, key: &str, expires_ms: i64) -> StoreResult<bool>;
    /// Deletes markers that expired before `now_ms` (the caller's clock, not the
    /// backend's); returns how many.
    async fn purge_expired_markers(&self, now_ms: i64) -> StoreResult<u64>;
}

/// A stored document: its key, its JSON text and its version (1 on first
/// write, +1 on every replacement).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    pub kind: String,
    pub id: String,
    pub body: String,
    pub version: i64,
}

/// What a write expects to find, checked inside the write's transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Whatever is there (put: create or replace; delete: no-op when absent).
    Any,
    /// Nothing under this key (create).
    Absent,
    /// Exactly this version (compare-and-swap on a document read earlier).
    Version(i64),
}

/// One write of a [`DocStore::write_docs`] batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocWrite {
    Put {
        kind: String,
        id: String,
        body: String,
        expect: Expect,
    },
    Delete {
        kind: String,
        id: String,
        expect: Expect,
    },
}

/// A store of JSON documents keyed by `(kind, id)`, written in atomic,
/// version-checked batches. The API Gateway model lives here: the service
/// that owns a kind decides what its ids look like (`"{apiId}/{stage}"` for
/// children, so that a prefix lists them) and what the body holds; a backend
/// only stores, orders by `id` (bytewise) and checks expectations.
#[async_trait]
pub trait DocStore: Send + Sync + 'static {
    async fn get_doc(&self, kind: &str, id: &str) -> StoreResult<Option<Doc>>;
    /// Documents of `kind` whose id starts with `prefix` and sorts after
    /// `after` (when given), ordered by id, at most `limit`.
    async fn list_docs(
        &self,
        kind: &str,
        prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Doc>>;
    /// Applies every write in one transaction. When any expectation fails,
    /// nothing is written and the error is `Conflict` naming `kind/id`.
    /// Each successful batch advances [`DocStore::docs_generation`].
    async fn write_docs(&self, writes: &[DocWrite]) -> StoreResult<()>;
    /// A counter that every successful `write_docs` advances (never goes
    /// back), so a node can notice changes other nodes made.
    async fn docs_generation(&self) -> StoreResult<i64>;
}
