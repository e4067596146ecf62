//! The read-through cache behaves as a store: the whole conformance suite runs
//! through it, and reads after writes through it are never stale.

use cognate_core::model::*;
use std::sync::Arc;

use cognate_core::store::{DocStore, DocWrite, Expect, Store};
use cognate_store::{CachedStore, SqliteStore};

async fn fresh() -> Option<Box<CachedStore<SqliteStore>>> {
    Some(Box::new(CachedStore::new(
        SqliteStore::open_in_memory().await.unwrap(),
    )))
}

cognate_store::conformance_tests!(fresh);

const POOL: &str = "us-east-1_cachetest";

async fn seeded() -> Box<CachedStore<SqliteStore>> {
    let store = fresh().await.unwrap();
    let pool = UserPool {
        id: POOL.into(),
        name: "cache".into(),
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
    };
    store.create_pool(&pool, &[]).await.unwrap();
    let client = AppClient {
        pool_id: POOL.into(),
        client_id: "client1".into(),
        name: "c".into(),
        sealed_secret: None,
        created_ms: 1,
        modified_ms: 1,
        explicit_auth_flows: vec![],
        access_token_validity: Validity {
            value: 1,
            unit: TimeUnit::Hours,
        },
        id_token_validity: Validity {
            value: 1,
            unit: TimeUnit::Hours,
        },
        refresh_token_validity: Validity {
            value: 30,
            unit: TimeUnit::Days,
        },
        validity_explicit: false,
        auth_session_validity_minutes: 3,
        read_attributes: vec![],
        write_attributes: vec![],
        prevent_user_existence_errors: false,
        enable_token_revocation: true,
        refresh_token_rotation: None,
        passthrough: Default::default(),
    };
    store.create_client(&client).await.unwrap();
    let user = User {
        pool_id: POOL.into(),
        sub: "sub1".into(),
        username: "alice".into(),
        username_key: "alice".into(),
        status: UserStatus::Confirmed,
        enabled: true,
        password_hash: None,
        srp_verifier: None,
        password_set_ms: 1,
        attributes: Default::default(),
        created_ms: 1,
        modified_ms: 1,
        failed_sign_ins: 0,
        mfa: Default::default(),
        last_failed_sign_in_ms: 0,
        passthrough: Default::default(),
    };
    store.create_user(&user).await.unwrap();
    let session = RefreshSession {
        origin_jti: "jti1".into(),
        pool_id: POOL.into(),
        client_id: "client1".into(),
        sub: "sub1".into(),
        token_hash: "hash1".into(),
        auth_time: 1,
        created_ms: 1,
        expires_ms: i64::MAX,
        revoked_ms: None,
    };
    store.create_session(&session).await.unwrap();
    store
}

#[tokio::test]
async fn revoked_sessions_are_not_served_from_the_cache() {
    let store = seeded().await;
    assert!(store
        .get_session("jti1")
        .await
        .unwrap()
        .unwrap()
        .revoked_ms
        .is_none());
    store.revoke_user_sessions(POOL, "sub1", 5).await.unwrap();
    assert_eq!(
        store.get_session("jti1").await.unwrap().unwrap().revoked_ms,
        Some(5)
    );
}

#[tokio::test]
async fn revoking_one_session_is_seen_at_once() {
    let store = seeded().await;
    store.get_session("jti1").await.unwrap();
    store.revoke_session("jti1", 7).await.unwrap();
    assert_eq!(
        store.get_session("jti1").await.unwrap().unwrap().revoked_ms,
        Some(7)
    );
}

#[tokio::test]
async fn updated_user_is_read_back_fresh() {
    let store = seeded().await;
    let mut user = store.get_user_by_sub(POOL, "sub1").await.unwrap().unwrap();
    user.enabled = false;
    store.update_user(&user).await.unwrap();
    assert!(
        !store
            .get_user_by_sub(POOL, "sub1")
            .await
            .unwrap()
            .unwrap()
            .enabled
    );
}

#[tokio::test]
async fn deleted_user_and_their_sessions_are_gone_from_the_cache() {
    let store = seeded().await;
    store.get_user_by_sub(POOL, "sub1").await.unwrap();
    store.get_session("jti1").await.unwrap();
    store.delete_user(POOL, "sub1").await.unwrap();
    assert!(store.get_user_by_sub(POOL, "sub1").await.unwrap().is_none());
    assert!(store.get_session("jti1").await.unwrap().is_none());
}

#[tokio::test]
async fn deleted_pool_takes_everything_cached_with_it() {
    let store = seeded().await;
    store.get_pool(POOL).await.unwrap();
    store.get_client(POOL, "client1").await.unwrap();
    store.pool_of_client("client1").await.unwrap();
    store.get_user_by_sub(POOL, "sub1").await.unwrap();
    store.delete_pool(POOL).await.unwrap();
    assert!(store.get_pool(POOL).await.unwrap().is_none());
    assert!(store.get_client(POOL, "client1").await.unwrap().is_none());
    assert!(store.pool_of_client("client1").await.unwrap().is_none());
    assert!(store.get_user_by_sub(POOL, "sub1").await.unwrap().is_none());
}

#[tokio::test]
async fn updated_pool_and_client_are_read_back_fresh() {
    let store = seeded().await;
    let mut pool = store.get_pool(POOL).await.unwrap().unwrap();
    pool.name = "renamed".into();
    store.update_pool(&pool).await.unwrap();
    assert_eq!(store.get_pool(POOL).await.unwrap().unwrap().name, "renamed");
    let mut client = store.get_client(POOL, "client1").await.unwrap().unwrap();
    client.name = "renamed".into();
    store.update_client(&client).await.unwrap();
    assert_eq!(
        store
            .get_client(POOL, "client1")
            .await
            .unwrap()
            .unwrap()
            .name,
        "renamed"
    );
}

#[tokio::test]
async fn one_cached_store_serves_as_both_stores() {
    let cached = Arc::new(CachedStore::new(
        SqliteStore::open_in_memory().await.unwrap(),
    ));
    let records: Arc<dyn Store> = cached.clone();
    let docs: Arc<dyn DocStore> = cached.clone();
    docs.write_docs(&[DocWrite::Put {
        kind: "k".into(),
        id: "a".into(),
        body: "{}".into(),
        expect: Expect::Absent,
    }])
    .await
    .unwrap();
    assert_eq!(records.get_pool(POOL).await.unwrap(), None);
    let inner = cached.inner().get_doc("k", "a").await.unwrap();
    assert_eq!(
        inner.map(|d| d.version),
        Some(1),
        "written to the inner store"
    );
    assert_eq!(docs.docs_generation().await.unwrap(), 1);
}
