//! One-time codes, refresh sessions and single-use markers: short-lived
//! records kept as plain columns.

use cognate_core::model::{CodeRecord, RefreshSession};
use cognate_core::store::StoreResult;
use sqlx::postgres::PgRow;
use sqlx::Row;

use super::{touched, PgStore};
use crate::error::{backend, map_sqlx};

fn code_from_row(row: &PgRow) -> Result<CodeRecord, sqlx::Error> {
    let failed: i64 = row.try_get("failed_attempts")?;
    Ok(CodeRecord {
        pool_id: row.try_get("pool_id")?,
        sub: row.try_get("sub")?,
        purpose: row.try_get("purpose")?,
        code_hash: row.try_get("code_hash")?,
        created_ms: row.try_get("created_ms")?,
        expires_ms: row.try_get("expires_ms")?,
        failed_attempts: u32::try_from(failed).unwrap_or(u32::MAX),
    })
}

fn session_from_row(row: &PgRow) -> Result<RefreshSession, sqlx::Error> {
    Ok(RefreshSession {
        origin_jti: row.try_get("origin_jti")?,
        pool_id: row.try_get("pool_id")?,
        client_id: row.try_get("client_id")?,
        sub: row.try_get("sub")?,
        token_hash: row.try_get("token_hash")?,
        auth_time: row.try_get("auth_time")?,
        created_ms: row.try_get("created_ms")?,
        expires_ms: row.try_get("expires_ms")?,
        revoked_ms: row.try_get("revoked_ms")?,
    })
}

const SESSION_COLUMNS: &str = "origin_jti, pool_id, client_id, sub, token_hash, auth_time, \
                               created_ms, expires_ms, revoked_ms";

// === one-time codes ===

impl PgStore {
    /// Replaces any code for the same (pool, sub, purpose), failure count included.
    /// `NotFound` when the user does not exist.
    pub(super) async fn upsert_code(&self, code: &CodeRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO codes (pool_id, sub, purpose, code_hash, created_ms, expires_ms,
                                failed_attempts)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (pool_id, sub, purpose) DO UPDATE SET
                 code_hash = excluded.code_hash,
                 created_ms = excluded.created_ms,
                 expires_ms = excluded.expires_ms,
                 failed_attempts = excluded.failed_attempts",
        )
        .bind(&code.pool_id)
        .bind(&code.sub)
        .bind(&code.purpose)
        .bind(&code.code_hash)
        .bind(code.created_ms)
        .bind(code.expires_ms)
        .bind(i64::from(code.failed_attempts))
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        Ok(())
    }

    pub(super) async fn code_for(
        &self,
        pool_id: &str,
        sub: &str,
        purpose: &str,
    ) -> StoreResult<Option<CodeRecord>> {
        let row = sqlx::query(
            "SELECT pool_id, sub, purpose, code_hash, created_ms, expires_ms, failed_attempts
             FROM codes WHERE pool_id = $1 AND sub = $2 AND purpose = $3",
        )
        .bind(pool_id)
        .bind(sub)
        .bind(purpose)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_sqlx)?;
        row.as_ref()
            .map(code_from_row)
            .transpose()
            .map_err(map_sqlx)
    }

    pub(super) async fn count_code_failure(
        &self,
        pool_id: &str,
        sub: &str,
        purpose: &str,
    ) -> StoreResult<u32> {
        let count: Option<i64> = sqlx::query_scalar(
            "UPDATE codes SET failed_attempts = failed_attempts + 1
             WHERE pool_id = $1 AND sub = $2 AND purpose = $3
             RETURNING failed_attempts",
        )
        .bind(pool_id)
        .bind(sub)
        .bind(purpose)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_sqlx)?;
        u32::try_from(count.unwrap_or(0)).map_err(backend)
    }

    pub(super) async fn remove_code(
        &self,
        pool_id: &str,
        sub: &str,
        purpose: &str,
    ) -> StoreResult<()> {
        let done =
            sqlx::query("DELETE FROM codes WHERE pool_id = $1 AND sub = $2 AND purpose = $3")
                .bind(pool_id)
                .bind(sub)
                .bind(purpose)
                .execute(&self.pool)
                .await
                .map_err(map_sqlx)?;
        touched(done)
    }
}

// === refresh sessions ===

impl PgStore {
    /// `NotFound` when the client or the user does not exist.
    pub(super) async fn insert_session(&self, s: &RefreshSession) -> StoreResult<()> {
        sqlx::query(&format!(
            "INSERT INTO sessions ({SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ))
        .bind(&s.origin_jti)
        .bind(&s.pool_id)
        .bind(&s.client_id)
        .bind(&s.sub)
        .bind(&s.token_hash)
        .bind(s.auth_time)
        .bind(s.created_ms)
        .bind(s.expires_ms)
        .bind(s.revoked_ms)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        Ok(())
    }

    pub(super) async fn session_by_jti(
        &self,
        origin_jti: &str,
    ) -> StoreResult<Option<RefreshSession>> {
        let row = sqlx::query(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE origin_jti = $1"
        ))
        .bind(origin_jti)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_sqlx)?;
        row.as_ref()
            .map(session_from_row)
            .transpose()
            .map_err(map_sqlx)
    }

    pub(super) async fn session_by_hash(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<RefreshSession>> {
        let row = sqlx::query(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_sqlx)?;
        row.as_ref()
            .map(session_from_row)
            .transpose()
            .map_err(map_sqlx)
    }

    /// Keeps the first revocation time. `NotFound` when there is no such session.
    pub(super) async fn mark_session_revoked(
        &self,
        origin_jti: &str,
        at_ms: i64,
    ) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE sessions SET revoked_ms = coalesce(revoked_ms, $1) WHERE origin_jti = $2",
        )
        .bind(at_ms)
        .bind(origin_jti)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        touched(done)
    }

    pub(super) async fn mark_user_sessions_revoked(
        &self,
        pool_id: &str,
        sub: &str,
        at_ms: i64,
    ) -> StoreResult<u64> {
        let done = sqlx::query(
            "UPDATE sessions SET revoked_ms = $1
             WHERE pool_id = $2 AND sub = $3 AND revoked_ms IS NULL",
        )
        .bind(at_ms)
        .bind(pool_id)
        .bind(sub)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        Ok(done.rows_affected())
    }
}

// === single-use markers ===

impl PgStore {
    /// True when `key` was not recorded before (and records it), false otherwise.
    pub(super) async fn insert_marker(&self, key: &str, expires_ms: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO once_markers (key, expires_ms) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(expires_ms)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes the markers that expired before `now_ms`; returns how many.
    pub(super) async fn delete_expired_markers(&self, now_ms: i64) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM once_markers WHERE expires_ms < $1")
            .bind(now_ms)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(done.rows_affected())
    }
}
