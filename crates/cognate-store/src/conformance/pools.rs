//! Pools, pool keys and app clients.

use cognate_core::model::KeyUse;
use cognate_core::store::Store;

use super::fixtures::*;

pub async fn created_pool_reads_back_equal_and_updates(store: &dyn Store) {
    let tag = "poolRoundTrip";
    let mut p = pool(tag);
    store.create_pool(&p, &[]).await.unwrap();
    assert_eq!(store.get_pool(&p.id).await.unwrap(), Some(p.clone()));

    p.name = "renamed".into();
    p.mfa_configuration = "OPTIONAL".into();
    p.modified_ms += 10;
    store.update_pool(&p).await.unwrap();
    assert_eq!(store.get_pool(&p.id).await.unwrap(), Some(p.clone()));

    store.delete_pool(&p.id).await.unwrap();
    assert_eq!(store.get_pool(&p.id).await.unwrap(), None);
    assert_eq!(
        store.get_pool("us-east-1_neverCreated").await.unwrap(),
        None
    );
}

pub async fn missing_pool_update_and_delete_are_not_found(store: &dyn Store) {
    let p = pool("poolMissing");
    assert_not_found(store.update_pool(&p).await, "update_pool");
    assert_not_found(store.delete_pool(&p.id).await, "delete_pool");
}

pub async fn duplicate_pool_id_is_conflict(store: &dyn Store) {
    let p = pool("poolDuplicate");
    store.create_pool(&p, &[]).await.unwrap();
    let mut again = p.clone();
    again.name = "other".into();
    assert_conflict(store.create_pool(&again, &[]).await, "second create_pool");
    assert_eq!(store.get_pool(&p.id).await.unwrap().unwrap().name, p.name);
}

pub async fn pools_list_in_id_order_page_by_page(store: &dyn Store) {
    // Other checks may share the store, so look at our pools within the whole list.
    let tags = [
        "poolListC",
        "poolListA",
        "poolListE",
        "poolListB",
        "poolListD",
    ];
    for tag in tags {
        store.create_pool(&pool(tag), &[]).await.unwrap();
    }
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store.list_pools(after.as_deref(), 2).await.unwrap();
        assert!(page.len() <= 2, "page longer than the limit");
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        all.extend(page.into_iter().map(|p| p.id));
    }
    assert!(
        all.windows(2).all(|w| w[0] < w[1]),
        "not in id order: {all:?}"
    );
    let ours: Vec<&str> = all
        .iter()
        .map(String::as_str)
        .filter(|id| id.contains("_poolList"))
        .collect();
    assert_eq!(
        ours,
        [
            "us-east-1_poolListA",
            "us-east-1_poolListB",
            "us-east-1_poolListC",
            "us-east-1_poolListD",
            "us-east-1_poolListE"
        ]
    );
    assert!(
        store.list_pools(None, 0).await.unwrap().is_empty(),
        "limit 0"
    );
    let after_last = store.list_pools(Some("\u{10FFFF}"), 10).await.unwrap();
    assert!(after_last.is_empty());
}

pub async fn pool_keys_are_created_with_the_pool_in_creation_order(store: &dyn Store) {
    let tag = "poolKeys";
    let keys = [
        key(tag, "kid-b", KeyUse::IdToken, T0 + 2),
        key(tag, "kid-a", KeyUse::AccessToken, T0 + 1),
        key(tag, "kid-c", KeyUse::IdToken, T0 + 3),
    ];
    store.create_pool(&pool(tag), &keys).await.unwrap();
    let got = store.pool_keys(&pool_id(tag)).await.unwrap();
    assert_eq!(got, vec![keys[1].clone(), keys[0].clone(), keys[2].clone()]);
    assert!(store
        .pool_keys("us-east-1_noSuchPool")
        .await
        .unwrap()
        .is_empty());
}

pub async fn duplicate_key_id_rolls_back_the_whole_pool(store: &dyn Store) {
    let tag = "poolKeyRollback";
    let keys = [
        key(tag, "kid", KeyUse::IdToken, T0),
        key(tag, "kid", KeyUse::AccessToken, T0),
    ];
    assert_conflict(store.create_pool(&pool(tag), &keys).await, "duplicate kid");
    assert_eq!(
        store.get_pool(&pool_id(tag)).await.unwrap(),
        None,
        "pool left behind"
    );
    assert!(
        store.pool_keys(&pool_id(tag)).await.unwrap().is_empty(),
        "keys left behind"
    );
    // Nothing half-written blocks a correct retry.
    store.create_pool(&pool(tag), &keys[..1]).await.unwrap();
    assert_eq!(store.pool_keys(&pool_id(tag)).await.unwrap().len(), 1);
}

pub async fn delete_pool_cascades_to_everything_in_it(store: &dyn Store) {
    let tag = "poolCascade";
    let id = pool_id(tag);
    let client_id = "poolCascade-client";
    store
        .create_pool(&pool(tag), &[key(tag, "k1", KeyUse::IdToken, T0)])
        .await
        .unwrap();
    store.create_client(&client(tag, client_id)).await.unwrap();
    store
        .create_user(&user(tag, "sub-1", "alice"))
        .await
        .unwrap();
    store.create_group(&group(tag, "admins")).await.unwrap();
    store
        .add_user_to_group(&id, "admins", "sub-1")
        .await
        .unwrap();
    store
        .put_code(&code(tag, "sub-1", "sign_up", "h"))
        .await
        .unwrap();
    let s = session(tag, "s1", client_id, "sub-1");
    store.create_session(&s).await.unwrap();

    store.delete_pool(&id).await.unwrap();
    assert_eq!(store.get_pool(&id).await.unwrap(), None);
    assert!(store.pool_keys(&id).await.unwrap().is_empty(), "keys");
    assert_eq!(
        store.get_client(&id, client_id).await.unwrap(),
        None,
        "client"
    );
    assert_eq!(
        store.pool_of_client(client_id).await.unwrap(),
        None,
        "client index"
    );
    assert_eq!(
        store.get_user_by_sub(&id, "sub-1").await.unwrap(),
        None,
        "user"
    );
    assert_eq!(store.count_users(&id).await.unwrap(), 0);
    assert_eq!(store.get_group(&id, "admins").await.unwrap(), None, "group");
    assert!(
        store
            .groups_for_user(&id, "sub-1")
            .await
            .unwrap()
            .is_empty(),
        "membership"
    );
    assert_eq!(
        store.get_code(&id, "sub-1", "sign_up").await.unwrap(),
        None,
        "code"
    );
    assert_eq!(
        store.get_session(&s.origin_jti).await.unwrap(),
        None,
        "session"
    );
    assert_eq!(
        store
            .get_session_by_token_hash(&s.token_hash)
            .await
            .unwrap(),
        None
    );

    // The same ids are free again, and nothing of the old pool comes back.
    store.create_pool(&pool(tag), &[]).await.unwrap();
    assert!(store
        .list_users(&id, None, None, 10)
        .await
        .unwrap()
        .is_empty());
    store.create_client(&client(tag, client_id)).await.unwrap();
    store
        .create_user(&user(tag, "sub-1", "alice"))
        .await
        .unwrap();
    store.create_group(&group(tag, "admins")).await.unwrap();
    assert!(store
        .users_in_group(&id, "admins", None, 10)
        .await
        .unwrap()
        .is_empty());
    store.create_session(&s).await.unwrap();
}

pub async fn count_users_counts_only_that_pool(store: &dyn Store) {
    store.create_pool(&pool("countA"), &[]).await.unwrap();
    store.create_pool(&pool("countB"), &[]).await.unwrap();
    for (i, name) in ["a", "b", "c"].iter().enumerate() {
        store
            .create_user(&user("countA", &format!("sub-{i}"), name))
            .await
            .unwrap();
    }
    store
        .create_user(&user("countB", "sub-x", "x"))
        .await
        .unwrap();
    assert_eq!(store.count_users(&pool_id("countA")).await.unwrap(), 3);
    assert_eq!(store.count_users(&pool_id("countB")).await.unwrap(), 1);
    assert_eq!(store.count_users("us-east-1_countNone").await.unwrap(), 0);
}

// === app clients ===

pub async fn client_reads_back_equal_updates_and_deletes(store: &dyn Store) {
    let tag = "clientRoundTrip";
    let id = pool_id(tag);
    store.create_pool(&pool(tag), &[]).await.unwrap();
    let mut c = client(tag, "clientRoundTrip-1");
    store.create_client(&c).await.unwrap();
    assert_eq!(
        store.get_client(&id, &c.client_id).await.unwrap(),
        Some(c.clone())
    );
    assert_eq!(
        store.pool_of_client(&c.client_id).await.unwrap(),
        Some(id.clone())
    );
    assert_eq!(store.pool_of_client("no-such-client").await.unwrap(), None);

    c.name = "renamed".into();
    c.sealed_secret = None;
    c.explicit_auth_flows.clear();
    store.update_client(&c).await.unwrap();
    assert_eq!(
        store.get_client(&id, &c.client_id).await.unwrap(),
        Some(c.clone())
    );

    store.delete_client(&id, &c.client_id).await.unwrap();
    assert_eq!(store.get_client(&id, &c.client_id).await.unwrap(), None);
    assert_not_found(store.update_client(&c).await, "update deleted client");
    assert_not_found(
        store.delete_client(&id, &c.client_id).await,
        "delete deleted client",
    );
}

pub async fn client_id_is_unique_across_pools(store: &dyn Store) {
    store
        .create_pool(&pool("clientUniqueA"), &[])
        .await
        .unwrap();
    store
        .create_pool(&pool("clientUniqueB"), &[])
        .await
        .unwrap();
    store
        .create_client(&client("clientUniqueA", "clientUnique-1"))
        .await
        .unwrap();
    assert_conflict(
        store
            .create_client(&client("clientUniqueA", "clientUnique-1"))
            .await,
        "same pool",
    );
    assert_conflict(
        store
            .create_client(&client("clientUniqueB", "clientUnique-1"))
            .await,
        "other pool",
    );
    // The client is not reachable through the other pool.
    let other = pool_id("clientUniqueB");
    assert_eq!(
        store.get_client(&other, "clientUnique-1").await.unwrap(),
        None
    );
}

pub async fn client_in_missing_pool_is_not_found(store: &dyn Store) {
    assert_not_found(
        store
            .create_client(&client("clientNoPool", "clientNoPool-1"))
            .await,
        "create_client without its pool",
    );
}

pub async fn clients_list_in_id_order_page_by_page(store: &dyn Store) {
    let tag = "clientList";
    let id = pool_id(tag);
    store.create_pool(&pool(tag), &[]).await.unwrap();
    for cid in ["clientList-c", "clientList-a", "clientList-b"] {
        store.create_client(&client(tag, cid)).await.unwrap();
    }
    let ids = |page: Vec<cognate_core::model::AppClient>| -> Vec<String> {
        page.into_iter().map(|c| c.client_id).collect()
    };
    let first = ids(store.list_clients(&id, None, 2).await.unwrap());
    assert_eq!(first, ["clientList-a", "clientList-b"]);
    let second = ids(store.list_clients(&id, Some(&first[1]), 2).await.unwrap());
    assert_eq!(second, ["clientList-c"]);
    assert!(store
        .list_clients(&id, Some("clientList-c"), 2)
        .await
        .unwrap()
        .is_empty());
}

pub async fn delete_client_deletes_its_sessions(store: &dyn Store) {
    let tag = "clientSessions";
    let id = pool_id(tag);
    store.create_pool(&pool(tag), &[]).await.unwrap();
    store
        .create_client(&client(tag, "clientSessions-1"))
        .await
        .unwrap();
    store
        .create_client(&client(tag, "clientSessions-2"))
        .await
        .unwrap();
    store
        .create_user(&user(tag, "sub-1", "alice"))
        .await
        .unwrap();
    let gone = session(tag, "a", "clientSessions-1", "sub-1");
    let kept = session(tag, "b", "clientSessions-2", "sub-1");
    store.create_session(&gone).await.unwrap();
    store.create_session(&kept).await.unwrap();

    store.delete_client(&id, "clientSessions-1").await.unwrap();
    assert_eq!(store.get_session(&gone.origin_jti).await.unwrap(), None);
    assert_eq!(
        store.get_session(&kept.origin_jti).await.unwrap(),
        Some(kept)
    );
    assert!(store.get_user_by_sub(&id, "sub-1").await.unwrap().is_some());
}
