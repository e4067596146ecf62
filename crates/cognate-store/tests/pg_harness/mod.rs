//! The harness of `tests/postgres.rs`: the database URL (or the note that
//! the suite skips), a store in a schema of its own that is dropped with its
//! guard, and small records for the PostgreSQL-specific tests.

use std::sync::atomic::{AtomicU32, Ordering};

use cognate_core::model::*;
use cognate_store::postgres::redact_url;
use cognate_store::PgStore;
use sqlx::Connection;

pub const URL_ENV: &str = "COGNATE_TEST_POSTGRES_URL";

/// The database URL, or `None` (and a note on stderr) when the suite skips.
pub fn postgres_url() -> Option<String> {
    match std::env::var(URL_ENV) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("Postgres suite skipped: {URL_ENV} is not set");
            None
        }
    }
}

/// A schema name no other test (or test run) uses.
pub fn new_schema() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("cognate_test_{}_{nanos}_{n}", std::process::id())
}

pub async fn connect(url: &str, schema: &str) -> PgStore {
    PgStore::connect_with_schema(url, schema)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "{URL_ENV} is set, but PostgreSQL at {} cannot be used: {e}",
                redact_url(url)
            )
        })
}

/// `url` with its connections' `search_path` set to `schema`, the way a user
/// points `COGNATE_DATABASE_URL` at a schema.
pub fn url_with_search_path(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options=-c%20search_path%3D{schema}")
}

/// A store in a schema of its own, dropped with the guard.
pub struct TempSchema {
    pub store: PgStore,
    pub url: String,
    pub schema: String,
}

impl TempSchema {
    pub async fn new(url: &str) -> Self {
        let schema = new_schema();
        TempSchema {
            store: connect(url, &schema).await,
            url: url.to_string(),
            schema,
        }
    }
}

impl std::ops::Deref for TempSchema {
    type Target = PgStore;
    fn deref(&self) -> &PgStore {
        &self.store
    }
}

impl Drop for TempSchema {
    fn drop(&mut self) {
        // Drop is synchronous and the test's runtime is busy running it, so
        // the schema goes from a thread of its own, on a connection of its
        // own. Best effort: a lock timeout rather than a hung test.
        let (url, schema) = (self.url.clone(), self.schema.clone());
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(drop_schema(&url, &schema))
        })
        .join();
        if let Ok(Err(e)) = dropped {
            eprintln!("could not drop test schema {}: {e}", self.schema);
        }
    }
}

pub async fn drop_schema(url: &str, schema: &str) -> Result<(), String> {
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .map_err(|e| e.to_string())?;
    sqlx::query("SET lock_timeout = '10s'")
        .execute(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .execute(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    let _ = conn.close().await;
    Ok(())
}

pub async fn fresh() -> Option<TempSchema> {
    let url = postgres_url()?;
    Some(TempSchema::new(&url).await)
}

// === records ===

pub fn pool(id: &str) -> UserPool {
    UserPool {
        id: id.into(),
        name: "pg".into(),
        created_ms: 1,
        modified_ms: 1,
        password_policy: PasswordPolicy::default(),
        schema: vec![],
        username_attributes: vec![],
        alias_attributes: vec![],
        username_case_sensitive: false,
        auto_verified_attributes: vec![],
        allow_admin_create_user_only: false,
        unused_account_validity_days: 7,
        mfa_configuration: "OFF".into(),
        software_token_mfa_enabled: false,
        deletion_protection: false,
        lambda_config: Default::default(),
        passthrough: Default::default(),
    }
}

pub fn user(pool_id: &str, sub: &str, username: &str) -> User {
    User {
        pool_id: pool_id.into(),
        sub: sub.into(),
        username: username.into(),
        username_key: username.to_lowercase(),
        status: UserStatus::Confirmed,
        enabled: true,
        password_hash: None,
        srp_verifier: None,
        password_set_ms: 1,
        attributes: [("email".to_string(), format!("{username}@example.com"))].into(),
        created_ms: 1,
        modified_ms: 1,
        failed_sign_ins: 0,
        mfa: Default::default(),
        last_failed_sign_in_ms: 0,
        passthrough: Default::default(),
    }
}

pub fn client(pool_id: &str, client_id: &str) -> AppClient {
    let validity = |value, unit| Validity { value, unit };
    AppClient {
        pool_id: pool_id.into(),
        client_id: client_id.into(),
        name: "c".into(),
        sealed_secret: None,
        created_ms: 1,
        modified_ms: 1,
        explicit_auth_flows: vec![],
        access_token_validity: validity(60, TimeUnit::Minutes),
        id_token_validity: validity(60, TimeUnit::Minutes),
        refresh_token_validity: validity(30, TimeUnit::Days),
        validity_explicit: false,
        auth_session_validity_minutes: 3,
        read_attributes: vec![],
        write_attributes: vec![],
        prevent_user_existence_errors: true,
        enable_token_revocation: true,
        refresh_token_rotation: None,
        passthrough: Default::default(),
    }
}

pub fn session(pool_id: &str, jti: &str, client_id: &str, sub: &str) -> RefreshSession {
    RefreshSession {
        origin_jti: jti.into(),
        pool_id: pool_id.into(),
        client_id: client_id.into(),
        sub: sub.into(),
        token_hash: format!("hash-{jti}"),
        auth_time: 1,
        created_ms: 1,
        expires_ms: 2,
        revoked_ms: None,
    }
}
