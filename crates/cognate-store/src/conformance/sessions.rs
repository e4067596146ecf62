//! One-time codes, refresh sessions and single-use markers.

use cognate_core::model::RefreshSession;
use cognate_core::store::Store;

use super::fixtures::*;

/// A pool with users `sub-1` and `sub-2` and the client `{tag}-client`.
async fn setup(store: &dyn Store, tag: &str) -> String {
    store.create_pool(&pool(tag), &[]).await.unwrap();
    store
        .create_user(&user(tag, "sub-1", "alice"))
        .await
        .unwrap();
    store.create_user(&user(tag, "sub-2", "bob")).await.unwrap();
    let client_id = format!("{tag}-client");
    store.create_client(&client(tag, &client_id)).await.unwrap();
    client_id
}

pub async fn put_code_replaces_the_previous_code(store: &dyn Store) {
    let tag = "codeReplace";
    let id = pool_id(tag);
    setup(store, tag).await;
    let first = code(tag, "sub-1", "sign_up", "hash-1");
    store.put_code(&first).await.unwrap();
    assert_eq!(
        store.get_code(&id, "sub-1", "sign_up").await.unwrap(),
        Some(first)
    );
    store
        .record_code_failure(&id, "sub-1", "sign_up")
        .await
        .unwrap();

    let mut second = code(tag, "sub-1", "sign_up", "hash-2");
    second.created_ms += 100;
    second.expires_ms += 100;
    store.put_code(&second).await.unwrap();
    assert_eq!(
        store.get_code(&id, "sub-1", "sign_up").await.unwrap(),
        Some(second),
        "new hash, times and a fresh failure count"
    );

    // Other purposes and users are separate codes.
    let attr = code(tag, "sub-1", "verify:email", "hash-3");
    store.put_code(&attr).await.unwrap();
    assert_eq!(
        store.get_code(&id, "sub-1", "verify:email").await.unwrap(),
        Some(attr)
    );
    assert_eq!(store.get_code(&id, "sub-2", "sign_up").await.unwrap(), None);
    assert_eq!(
        store
            .get_code(&id, "sub-1", "forgot_password")
            .await
            .unwrap(),
        None
    );
}

pub async fn record_code_failure_counts_and_is_zero_without_code(store: &dyn Store) {
    let tag = "codeFailures";
    let id = pool_id(tag);
    setup(store, tag).await;
    assert_eq!(
        store
            .record_code_failure(&id, "sub-1", "sign_up")
            .await
            .unwrap(),
        0
    );
    store
        .put_code(&code(tag, "sub-1", "sign_up", "h"))
        .await
        .unwrap();
    for n in 1..=3 {
        assert_eq!(
            store
                .record_code_failure(&id, "sub-1", "sign_up")
                .await
                .unwrap(),
            n
        );
    }
    assert_eq!(
        store
            .get_code(&id, "sub-1", "sign_up")
            .await
            .unwrap()
            .unwrap()
            .failed_attempts,
        3
    );
    assert_eq!(
        store
            .record_code_failure(&id, "sub-2", "sign_up")
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store.get_code(&id, "sub-2", "sign_up").await.unwrap(),
        None,
        "no code created"
    );
}

pub async fn delete_code_removes_it_and_missing_is_not_found(store: &dyn Store) {
    let tag = "codeDelete";
    let id = pool_id(tag);
    setup(store, tag).await;
    store
        .put_code(&code(tag, "sub-1", "sign_up", "h"))
        .await
        .unwrap();
    store
        .put_code(&code(tag, "sub-1", "forgot_password", "h"))
        .await
        .unwrap();
    store.delete_code(&id, "sub-1", "sign_up").await.unwrap();
    assert_eq!(store.get_code(&id, "sub-1", "sign_up").await.unwrap(), None);
    assert!(store
        .get_code(&id, "sub-1", "forgot_password")
        .await
        .unwrap()
        .is_some());
    assert_not_found(
        store.delete_code(&id, "sub-1", "sign_up").await,
        "second delete",
    );
}

pub async fn session_is_found_by_jti_and_by_token_hash(store: &dyn Store) {
    let tag = "sessionLookup";
    let client_id = setup(store, tag).await;
    let s = session(tag, "a", &client_id, "sub-1");
    store.create_session(&s).await.unwrap();
    assert_eq!(
        store.get_session(&s.origin_jti).await.unwrap(),
        Some(s.clone())
    );
    assert_eq!(
        store
            .get_session_by_token_hash(&s.token_hash)
            .await
            .unwrap(),
        Some(s.clone())
    );
    assert_eq!(store.get_session("sessionLookup-none").await.unwrap(), None);
    assert_eq!(
        store.get_session_by_token_hash("hash-none").await.unwrap(),
        None
    );
    assert_eq!(
        store.get_session(&s.token_hash).await.unwrap(),
        None,
        "keys are not mixed"
    );

    let mut revoked = session(tag, "b", &client_id, "sub-2");
    revoked.revoked_ms = Some(T0 + 5);
    store.create_session(&revoked).await.unwrap();
    assert_eq!(
        store.get_session(&revoked.origin_jti).await.unwrap(),
        Some(revoked)
    );
}

pub async fn duplicate_session_jti_or_token_hash_is_conflict(store: &dyn Store) {
    let tag = "sessionDuplicate";
    let client_id = setup(store, tag).await;
    let s = session(tag, "a", &client_id, "sub-1");
    store.create_session(&s).await.unwrap();
    let mut same_jti = session(tag, "b", &client_id, "sub-1");
    same_jti.origin_jti = s.origin_jti.clone();
    assert_conflict(store.create_session(&same_jti).await, "same origin_jti");
    let mut same_hash = session(tag, "c", &client_id, "sub-1");
    same_hash.token_hash = s.token_hash.clone();
    assert_conflict(store.create_session(&same_hash).await, "same token hash");
}

pub async fn revoke_session_keeps_the_first_time(store: &dyn Store) {
    let tag = "sessionRevoke";
    let client_id = setup(store, tag).await;
    let s = session(tag, "a", &client_id, "sub-1");
    store.create_session(&s).await.unwrap();
    store.revoke_session(&s.origin_jti, T0 + 10).await.unwrap();
    store.revoke_session(&s.origin_jti, T0 + 20).await.unwrap();
    let got = store.get_session(&s.origin_jti).await.unwrap().unwrap();
    assert_eq!(got.revoked_ms, Some(T0 + 10));
    let want = RefreshSession {
        revoked_ms: Some(T0 + 10),
        ..s
    };
    assert_eq!(got, want, "nothing else changes");
    assert_not_found(
        store.revoke_session("sessionRevoke-none", T0).await,
        "missing session",
    );
}

pub async fn revoke_user_sessions_counts_only_newly_revoked(store: &dyn Store) {
    let tag = "sessionRevokeUser";
    let id = pool_id(tag);
    let client_id = setup(store, tag).await;
    let sessions = [
        session(tag, "a1", &client_id, "sub-1"),
        session(tag, "a2", &client_id, "sub-1"),
        session(tag, "a3", &client_id, "sub-1"),
        session(tag, "b1", &client_id, "sub-2"),
    ];
    for s in &sessions {
        store.create_session(s).await.unwrap();
    }
    store
        .revoke_session(&sessions[0].origin_jti, T0 + 1)
        .await
        .unwrap();

    assert_eq!(
        store
            .revoke_user_sessions(&id, "sub-1", T0 + 2)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .revoke_user_sessions(&id, "sub-1", T0 + 3)
            .await
            .unwrap(),
        0
    );
    let revoked_at = |i: usize| {
        let jti = sessions[i].origin_jti.clone();
        async move { store.get_session(&jti).await.unwrap().unwrap().revoked_ms }
    };
    assert_eq!(revoked_at(0).await, Some(T0 + 1), "first revocation kept");
    assert_eq!(revoked_at(1).await, Some(T0 + 2));
    assert_eq!(revoked_at(2).await, Some(T0 + 2));
    assert_eq!(revoked_at(3).await, None, "other user untouched");
    assert_eq!(
        store
            .revoke_user_sessions(&id, "sub-none", T0)
            .await
            .unwrap(),
        0
    );
}

pub async fn consume_once_is_true_then_false(store: &dyn Store) {
    let key = "conformance:consume-once";
    assert!(
        store.consume_once(key, T0 + 60_000).await.unwrap(),
        "first use"
    );
    assert!(
        !store.consume_once(key, T0 + 60_000).await.unwrap(),
        "second use"
    );
    assert!(
        !store.consume_once(key, T0 + 120_000).await.unwrap(),
        "with another expiry"
    );
    assert!(
        store
            .consume_once("conformance:consume-once-2", T0)
            .await
            .unwrap(),
        "other key"
    );
}

pub async fn purge_expired_markers_deletes_only_expired_ones(store: &dyn Store) {
    // Expiry times far before every other check's, so that the counts hold on
    // a store the whole suite shares.
    let (a, b, c) = (
        "conformance:purge-a",
        "conformance:purge-b",
        "conformance:purge-c",
    );
    assert!(store.consume_once(a, 100).await.unwrap());
    assert!(store.consume_once(b, 200).await.unwrap());
    assert!(store.consume_once(c, 300).await.unwrap());
    assert_eq!(store.purge_expired_markers(200).await.unwrap(), 1);
    assert!(
        !store.consume_once(b, 200).await.unwrap(),
        "expiring at now_ms is kept"
    );
    assert!(
        !store.consume_once(c, 300).await.unwrap(),
        "not expired yet"
    );
    assert!(
        store.consume_once(a, 100).await.unwrap(),
        "a purged key is new again"
    );
    assert_eq!(
        store.purge_expired_markers(200).await.unwrap(),
        1,
        "a again"
    );
    assert_eq!(store.purge_expired_markers(200).await.unwrap(), 0);
    assert_eq!(store.purge_expired_markers(301).await.unwrap(), 2);
    assert!(store.consume_once(c, 300).await.unwrap());
}
