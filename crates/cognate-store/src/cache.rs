//! A read-through cache in front of any [`Store`], for the look-ups on the
//! token path: pools, clients, users by `sub`, and refresh sessions. With it,
//! checking an access token (GetUser and the other end-user calls) reads
//! memory, not the database.
//!
//! Only records that exist are cached. Every write that goes through the
//! cache drops what it may have changed; a delete that cascades (pool,
//! client, user) drops whole maps. A look-up that raced with a write does
//! not fill the cache: each map has a generation that writes bump, and a
//! value read under an older generation is not kept.
//!
//! The cache sees only writes made through it, so it suits one node (the
//! embedded default). Nodes sharing a database need invalidation between
//! them, or no cache.
//!
//! Documents ([`DocStore`]) are not cached: when the inner store keeps them,
//! the cache forwards every document call to it, so one object serves as
//! both stores.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;

use async_trait::async_trait;
use cognate_core::model::*;
use cognate_core::store::{Doc, DocStore, DocWrite, Store, StoreResult};

/// Entries per map before the map is emptied and starts over.
const MAX_ENTRIES: usize = 200_000;

struct Map<K, V> {
    entries: RwLock<HashMap<K, V>>,
    generation: AtomicU64,
}

impl<K: Eq + Hash, V: Clone> Map<K, V> {
    fn new() -> Self {
        Map {
            entries: RwLock::new(HashMap::new()),
            generation: AtomicU64::new(0),
        }
    }

    fn get(&self, k: &K) -> Option<V> {
        self.entries.read().expect("cache lock").get(k).cloned()
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Keeps `v` unless a write happened since `generation` was read.
    fn fill(&self, generation: u64, k: K, v: V) {
        let mut m = self.entries.write().expect("cache lock");
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        if m.len() >= MAX_ENTRIES {
            m.clear();
        }
        m.insert(k, v);
    }

    fn remove(&self, k: &K) {
        let mut m = self.entries.write().expect("cache lock");
        self.generation.fetch_add(1, Ordering::SeqCst);
        m.remove(k);
    }

    fn retain(&self, keep: impl Fn(&K, &V) -> bool) {
        let mut m = self.entries.write().expect("cache lock");
        self.generation.fetch_add(1, Ordering::SeqCst);
        m.retain(|k, v| keep(k, v));
    }

    fn clear(&self) {
        self.retain(|_, _| false);
    }
}

/// Reads through `get`, filling `map` when the record exists.
macro_rules! read_through {
    ($map:expr, $key:expr, $load:expr) => {{
        let key = $key;
        if let Some(v) = $map.get(&key) {
            return Ok(Some(v));
        }
        let generation = $map.generation();
        let found = $load.await?;
        if let Some(v) = &found {
            $map.fill(generation, key, v.clone());
        }
        Ok(found)
    }};
}

pub struct CachedStore<S> {
    inner: S,
    pools: Map<String, UserPool>,
    clients: Map<(String, String), AppClient>,
    client_pools: Map<String, String>,
    users: Map<(String, String), User>,
    sessions: Map<String, RefreshSession>,
}

impl<S: Store> CachedStore<S> {
    pub fn new(inner: S) -> Self {
        CachedStore {
            inner,
            pools: Map::new(),
            clients: Map::new(),
            client_pools: Map::new(),
            users: Map::new(),
            sessions: Map::new(),
        }
    }

    pub fn inner(&self) -> &S {
        &self.inner
    }

    fn forget_everything(&self) {
        self.pools.clear();
        self.clients.clear();
        self.client_pools.clear();
        self.users.clear();
        self.sessions.clear();
    }
}

fn key(a: &str, b: &str) -> (String, String) {
    (a.to_string(), b.to_string())
}

#[async_trait]
impl<S: Store> Store for CachedStore<S> {
    // === pools ===
    async fn create_pool(&self, pool: &UserPool, keys: &[PoolKey]) -> StoreResult<()> {
        self.inner.create_pool(pool, keys).await
    }
    async fn get_pool(&self, pool_id: &str) -> StoreResult<Option<UserPool>> {
        read_through!(
            self.pools,
            pool_id.to_string(),
            self.inner.get_pool(pool_id)
        )
    }
    async fn list_pools(&self, after: Option<&str>, limit: u32) -> StoreResult<Vec<UserPool>> {
        self.inner.list_pools(after, limit).await
    }
    async fn update_pool(&self, pool: &UserPool) -> StoreResult<()> {
        self.pools.remove(&pool.id);
        let r = self.inner.update_pool(pool).await;
        self.pools.remove(&pool.id);
        r
    }
    async fn delete_pool(&self, pool_id: &str) -> StoreResult<()> {
        self.forget_everything();
        let r = self.inner.delete_pool(pool_id).await;
        self.forget_everything();
        r
    }
    async fn pool_keys(&self, pool_id: &str) -> StoreResult<Vec<PoolKey>> {
        self.inner.pool_keys(pool_id).await
    }
    async fn count_users(&self, pool_id: &str) -> StoreResult<u64> {
        self.inner.count_users(pool_id).await
    }

    // === app clients ===
    async fn create_client(&self, client: &AppClient) -> StoreResult<()> {
        self.inner.create_client(client).await
    }
    async fn get_client(&self, pool_id: &str, client_id: &str) -> StoreResult<Option<AppClient>> {
        read_through!(
            self.clients,
            key(pool_id, client_id),
            self.inner.get_client(pool_id, client_id)
        )
    }
    async fn list_clients(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<AppClient>> {
        self.inner.list_clients(pool_id, after, limit).await
    }
    async fn update_client(&self, client: &AppClient) -> StoreResult<()> {
        let k = key(&client.pool_id, &client.client_id);
        self.clients.remove(&k);
        let r = self.inner.update_client(client).await;
        self.clients.remove(&k);
        r
    }
    async fn pool_of_client(&self, client_id: &str) -> StoreResult<Option<String>> {
        read_through!(
            self.client_pools,
            client_id.to_string(),
            self.inner.pool_of_client(client_id)
        )
    }
    async fn delete_client(&self, pool_id: &str, client_id: &str) -> StoreResult<()> {
        let forget = || {
            self.clients.remove(&key(pool_id, client_id));
            self.client_pools.remove(&client_id.to_string());
            self.sessions.retain(|_, s| s.client_id != client_id);
        };
        forget();
        let r = self.inner.delete_client(pool_id, client_id).await;
        forget();
        r
    }

    // === users ===
    async fn create_user(&self, user: &User) -> StoreResult<()> {
        self.inner.create_user(user).await
    }
    async fn get_user(&self, pool_id: &str, username_key: &str) -> StoreResult<Option<User>> {
        self.inner.get_user(pool_id, username_key).await
    }
    async fn get_user_by_sub(&self, pool_id: &str, sub: &str) -> StoreResult<Option<User>> {
        read_through!(
            self.users,
            key(pool_id, sub),
            self.inner.get_user_by_sub(pool_id, sub)
        )
    }
    async fn find_users_by_attribute(
        &self,
        pool_id: &str,
        name: &str,
        value: &str,
    ) -> StoreResult<Vec<User>> {
        self.inner
            .find_users_by_attribute(pool_id, name, value)
            .await
    }
    async fn update_user(&self, user: &User) -> StoreResult<()> {
        let k = key(&user.pool_id, &user.sub);
        self.users.remove(&k);
        let r = self.inner.update_user(user).await;
        self.users.remove(&k);
        r
    }
    async fn delete_user(&self, pool_id: &str, sub: &str) -> StoreResult<()> {
        let forget = || {
            self.users.remove(&key(pool_id, sub));
            self.sessions
                .retain(|_, s| !(s.pool_id == pool_id && s.sub == sub));
        };
        forget();
        let r = self.inner.delete_user(pool_id, sub).await;
        forget();
        r
    }
    async fn list_users(
        &self,
        pool_id: &str,
        filter: Option<&UserFilter>,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<User>> {
        self.inner.list_users(pool_id, filter, after, limit).await
    }

    // === groups (not cached) ===
    async fn create_group(&self, group: &Group) -> StoreResult<()> {
        self.inner.create_group(group).await
    }
    async fn get_group(&self, pool_id: &str, name: &str) -> StoreResult<Option<Group>> {
        self.inner.get_group(pool_id, name).await
    }
    async fn list_groups(
        &self,
        pool_id: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Group>> {
        self.inner.list_groups(pool_id, after, limit).await
    }
    async fn update_group(&self, group: &Group) -> StoreResult<()> {
        self.inner.update_group(group).await
    }
    async fn delete_group(&self, pool_id: &str, name: &str) -> StoreResult<()> {
        self.inner.delete_group(pool_id, name).await
    }
    async fn add_user_to_group(&self, pool_id: &str, group: &str, sub: &str) -> StoreResult<()> {
        self.inner.add_user_to_group(pool_id, group, sub).await
    }
    async fn remove_user_from_group(
        &self,
        pool_id: &str,
        group: &str,
        sub: &str,
    ) -> StoreResult<()> {
        self.inner.remove_user_from_group(pool_id, group, sub).await
    }
    async fn groups_for_user(&self, pool_id: &str, sub: &str) -> StoreResult<Vec<Group>> {
        self.inner.groups_for_user(pool_id, sub).await
    }
    async fn users_in_group(
        &self,
        pool_id: &str,
        group: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<User>> {
        self.inner
            .users_in_group(pool_id, group, after, limit)
            .await
    }

    // === one-time codes (not cached) ===
    async fn put_code(&self, code: &CodeRecord) -> StoreResult<()> {
        self.inner.put_code(code).await
    }
    async fn get_code(
        &self,
        pool_id: &str,
        sub: &str,
        purpose: &str,
    ) -> StoreResult<Option<CodeRecord>> {
        self.inner.get_code(pool_id, sub, purpose).await
    }
    async fn record_code_failure(
        &self,
        pool_id: &str,
        sub: &str,
        purpose: &str,
    ) -> StoreResult<u32> {
        self.inner.record_code_failure(pool_id, sub, purpose).await
    }
    async fn delete_code(&self, pool_id: &str, sub: &str, purpose: &str) -> StoreResult<()> {
        self.inner.delete_code(pool_id, sub, purpose).await
    }

    // === refresh sessions ===
    async fn create_session(&self, session: &RefreshSession) -> StoreResult<()> {
        self.inner.create_session(session).await
    }
    async fn get_session(&self, origin_jti: &str) -> StoreResult<Option<RefreshSession>> {
        read_through!(
            self.sessions,
            origin_jti.to_string(),
            self.inner.get_session(origin_jti)
        )
    }
    async fn get_session_by_token_hash(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<RefreshSession>> {
        self.inner.get_session_by_token_hash(token_hash).await
    }
    async fn revoke_session(&self, origin_jti: &str, at_ms: i64) -> StoreResult<()> {
        let k = origin_jti.to_string();
        self.sessions.remove(&k);
        let r = self.inner.revoke_session(origin_jti, at_ms).await;
        self.sessions.remove(&k);
        r
    }
    async fn revoke_user_sessions(&self, pool_id: &str, sub: &str, at_ms: i64) -> StoreResult<u64> {
        let forget = || {
            self.sessions
                .retain(|_, s| !(s.pool_id == pool_id && s.sub == sub))
        };
        forget();
        let r = self.inner.revoke_user_sessions(pool_id, sub, at_ms).await;
        forget();
        r
    }

    // === single-use markers (never cached) ===
    async fn consume_once(&self, key: &str, expires_ms: i64) -> StoreResult<bool> {
        self.inner.consume_once(key, expires_ms).await
    }
    async fn purge_expired_markers(&self, now_ms: i64) -> StoreResult<u64> {
        self.inner.purge_expired_markers(now_ms).await
    }
}

/// Straight to the inner store: nothing about documents is cached.
#[async_trait]
impl<S: Store + DocStore> DocStore for CachedStore<S> {
    async fn get_doc(&self, kind: &str, id: &str) -> StoreResult<Option<Doc>> {
        self.inner.get_doc(kind, id).await
    }
    async fn list_docs(
        &self,
        kind: &str,
        prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Doc>> {
        self.inner.list_docs(kind, prefix, after, limit).await
    }
    async fn write_docs(&self, writes: &[DocWrite]) -> StoreResult<()> {
        self.inner.write_docs(writes).await
    }
    async fn docs_generation(&self) -> StoreResult<i64> {
        self.inner.docs_generation().await
    }
}
