//! Pools, their signing keys and their app clients.

use cognate_core::model::{AppClient, KeyUse, PoolKey, UserPool};
use cognate_core::store::StoreResult;
use sqlx::Row;

use super::{from_doc, from_docs, limit, to_doc, touched, PgStore};
use crate::error::{backend, map_sqlx};

fn key_use_str(key_use: KeyUse) -> &'static str {
    match key_use {
        KeyUse::IdToken => "id",
        KeyUse::AccessToken => "access",
    }
}

fn parse_key_use(s: &str) -> StoreResult<KeyUse> {
    match s {
        "id" => Ok(KeyUse::IdToken),
        "access" => Ok(KeyUse::AccessToken),
        other => Err(backend(format!("unknown key use {other:?} in pool_keys"))),
    }
}

// === pools ===

impl PgStore {
    pub(super) async fn create_pool_with_keys(
        &self,
        pool: &UserPool,
        keys: &[PoolKey],
    ) -> StoreResult<()> {
        let doc = to_doc(pool)?;
        let mut tx = self.pool.begin().await.map_err(map_sqlx)?;
        sqlx::query("INSERT INTO pools (id, name, created_ms, doc) VALUES ($1, $2, $3, $4)")
            .bind(&pool.id)
            .bind(&pool.name)
            .bind(pool.created_ms)
            .bind(doc)
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        for key in keys {
            sqlx::query(
                "INSERT INTO pool_keys (pool_id, kid, key_use, sealed_pkcs8, created_ms)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&pool.id)
            .bind(&key.kid)
            .bind(key_use_str(key.key_use))
            .bind(&key.sealed_pkcs8)
            .bind(key.created_ms)
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        }
        tx.commit().await.map_err(map_sqlx)
    }

    pub(super) async fn pool_by_id(&self, pool_id: &str) -> StoreResult<Option<UserPool>> {
        let doc: Option<String> = sqlx::query_scalar("SELECT doc FROM pools WHERE id = $1")
            .bind(pool_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_sqlx)?;
        doc.as_deref().map(from_doc).transpose()
    }

    pub(super) async fn pool_page(
        &self,
        after: Option<&str>,
        n: u32,
    ) -> StoreResult<Vec<UserPool>> {
        // Two statements rather than `$1 IS NULL OR id > $1`, so that a generic
        // plan still seeks to the start of the page.
        let docs: Vec<String> = match after {
            None => sqlx::query_scalar("SELECT doc FROM pools ORDER BY id LIMIT $1").bind(limit(n)),
            Some(after) => {
                sqlx::query_scalar("SELECT doc FROM pools WHERE id > $1 ORDER BY id LIMIT $2")
                    .bind(after)
                    .bind(limit(n))
            }
        }
        .fetch_all(&self.pool)
        .await
        .map_err(map_sqlx)?;
        from_docs(&docs)
    }

    pub(super) async fn replace_pool(&self, pool: &UserPool) -> StoreResult<()> {
        let done = sqlx::query("UPDATE pools SET name = $1, doc = $2 WHERE id = $3")
            .bind(&pool.name)
            .bind(to_doc(pool)?)
            .bind(&pool.id)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        touched(done)
    }

    /// Clients, users (with their codes, memberships and sessions), groups and
    /// keys go with the pool through ON DELETE CASCADE.
    pub(super) async fn remove_pool(&self, pool_id: &str) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM pools WHERE id = $1")
            .bind(pool_id)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        touched(done)
    }

    pub(super) async fn keys_of_pool(&self, pool_id: &str) -> StoreResult<Vec<PoolKey>> {
        let rows = sqlx::query(
            "SELECT kid, key_use, sealed_pkcs8, created_ms FROM pool_keys
             WHERE pool_id = $1 ORDER BY created_ms, kid",
        )
        .bind(pool_id)
        .fetch_all(&self.pool)
        .await
        .map_err(map_sqlx)?;
        rows.iter()
            .map(|row| {
                Ok(PoolKey {
                    pool_id: pool_id.to_string(),
                    kid: row.try_get("kid").map_err(map_sqlx)?,
                    key_use: parse_key_use(row.try_get("key_use").map_err(map_sqlx)?)?,
                    sealed_pkcs8: row.try_get("sealed_pkcs8").map_err(map_sqlx)?,
                    created_ms: row.try_get("created_ms").map_err(map_sqlx)?,
                })
            })
            .collect()
    }

    pub(super) async fn user_count(&self, pool_id: &str) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE pool_id = $1")
            .bind(pool_id)
            .fetch_one(&self.pool)
            .await
            .map_err(map_sqlx)?;
        u64::try_from(n).map_err(backend)
    }
}

// === app clients ===

impl PgStore {
    pub(super) async fn insert_client(&self, client: &AppClient) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO clients (pool_id, client_id, created_ms, doc) VALUES ($1, $2, $3, $4)",
        )
        .bind(&client.pool_id)
        .bind(&client.client_id)
        .bind(client.created_ms)
        .bind(to_doc(client)?)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        Ok(())
    }

    pub(super) async fn client_by_id(
        &self,
        pool_id: &str,
        client_id: &str,
    ) -> StoreResult<Option<AppClient>> {
        let doc: Option<String> =
            sqlx::query_scalar("SELECT doc FROM clients WHERE pool_id = $1 AND client_id = $2")
                .bind(pool_id)
                .bind(client_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_sqlx)?;
        doc.as_deref().map(from_doc).transpose()
    }

    pub(super) async fn client_page(
        &self,
        pool_id: &str,
        after: Option<&str>,
        n: u32,
    ) -> StoreResult<Vec<AppClient>> {
        let docs: Vec<String> = match after {
            None => sqlx::query_scalar(
                "SELECT doc FROM clients WHERE pool_id = $1 ORDER BY client_id LIMIT $2",
            )
            .bind(pool_id)
            .bind(limit(n)),
            Some(after) => sqlx::query_scalar(
                "SELECT doc FROM clients WHERE pool_id = $1 AND client_id > $2
                 ORDER BY client_id LIMIT $3",
            )
            .bind(pool_id)
            .bind(after)
            .bind(limit(n)),
        }
        .fetch_all(&self.pool)
        .await
        .map_err(map_sqlx)?;
        from_docs(&docs)
    }

    pub(super) async fn replace_client(&self, client: &AppClient) -> StoreResult<()> {
        let done = sqlx::query("UPDATE clients SET doc = $1 WHERE pool_id = $2 AND client_id = $3")
            .bind(to_doc(client)?)
            .bind(&client.pool_id)
            .bind(&client.client_id)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        touched(done)
    }

    pub(super) async fn pool_id_of_client(&self, client_id: &str) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT pool_id FROM clients WHERE client_id = $1")
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_sqlx)
    }

    /// The client's refresh sessions go with it (ON DELETE CASCADE).
    pub(super) async fn remove_client(&self, pool_id: &str, client_id: &str) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM clients WHERE pool_id = $1 AND client_id = $2")
            .bind(pool_id)
            .bind(client_id)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        touched(done)
    }
}
