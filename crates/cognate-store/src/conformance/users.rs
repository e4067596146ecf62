//! Users: unique keys, lookups, updates and cascades.

use cognate_core::model::{FilterField, UserStatus};
use cognate_core::store::Store;

use super::fixtures::*;

pub async fn user_reads_back_by_username_key_and_by_sub(store: &dyn Store) {
    let tag = "userRoundTrip";
    let id = pool_id(tag);
    let mut u = user(tag, "sub-1", "Alice");
    u.passthrough.insert(
        "MFAOptions".into(),
        serde_json::json!([{"DeliveryMedium": "SMS"}]),
    );
    u = with_attr(u, "custom:tenant", "42");
    pool_with_users(store, tag, std::slice::from_ref(&u)).await;

    assert_eq!(store.get_user(&id, "alice").await.unwrap(), Some(u.clone()));
    assert_eq!(
        store.get_user_by_sub(&id, "sub-1").await.unwrap(),
        Some(u.clone())
    );
    assert_eq!(
        store.get_user(&id, "Alice").await.unwrap(),
        None,
        "looked up by key, not username"
    );
    assert_eq!(store.get_user_by_sub(&id, "sub-2").await.unwrap(), None);
    assert_eq!(
        store.get_user("us-east-1_other", "alice").await.unwrap(),
        None
    );
}

pub async fn duplicate_username_key_is_conflict(store: &dyn Store) {
    let tag = "userDupName";
    pool_with_users(store, tag, &[user(tag, "sub-1", "alice")]).await;
    assert_conflict(
        store.create_user(&user(tag, "sub-2", "ALICE")).await,
        "same username_key",
    );
    assert_eq!(store.count_users(&pool_id(tag)).await.unwrap(), 1);
}

pub async fn duplicate_sub_is_conflict(store: &dyn Store) {
    let tag = "userDupSub";
    pool_with_users(store, tag, &[user(tag, "sub-1", "alice")]).await;
    assert_conflict(
        store.create_user(&user(tag, "sub-1", "bob")).await,
        "same sub",
    );
    assert_eq!(store.get_user(&pool_id(tag), "bob").await.unwrap(), None);
}

pub async fn same_username_in_another_pool_is_fine(store: &dyn Store) {
    pool_with_users(store, "userPoolA", &[user("userPoolA", "sub-1", "alice")]).await;
    pool_with_users(store, "userPoolB", &[user("userPoolB", "sub-1", "alice")]).await;
    assert!(store
        .get_user(&pool_id("userPoolB"), "alice")
        .await
        .unwrap()
        .is_some());
}

pub async fn update_user_replaces_the_record_and_its_lookups(store: &dyn Store) {
    let tag = "userUpdate";
    let id = pool_id(tag);
    let u = user(tag, "sub-1", "alice");
    pool_with_users(store, tag, std::slice::from_ref(&u)).await;

    let mut changed = with_attr(u.clone(), "email", "new@example.com");
    changed.status = UserStatus::ResetRequired;
    changed.enabled = false;
    changed.password_hash = None;
    changed.failed_sign_ins = 4;
    changed.modified_ms += 5;
    store.update_user(&changed).await.unwrap();

    assert_eq!(
        store.get_user(&id, "alice").await.unwrap(),
        Some(changed.clone())
    );
    let by_new = store
        .find_users_by_attribute(&id, "email", "new@example.com")
        .await
        .unwrap();
    assert_eq!(by_new, vec![changed.clone()]);
    let by_old = store
        .find_users_by_attribute(&id, "email", "alice@example.com")
        .await
        .unwrap();
    assert!(by_old.is_empty(), "old attribute value still found");
    assert_eq!(
        listed(store, tag, &eq(FilterField::Status, "RESET_REQUIRED")).await,
        ["alice"]
    );
    assert_eq!(
        listed(store, tag, &eq(FilterField::Enabled, "Disabled")).await,
        ["alice"]
    );
}

pub async fn missing_user_update_and_delete_are_not_found(store: &dyn Store) {
    let tag = "userMissing";
    pool_with_users(store, tag, &[]).await;
    assert_not_found(
        store.update_user(&user(tag, "sub-1", "ghost")).await,
        "update_user",
    );
    assert_not_found(
        store.delete_user(&pool_id(tag), "sub-1").await,
        "delete_user",
    );
}

pub async fn delete_user_cascades_codes_memberships_and_sessions(store: &dyn Store) {
    let tag = "userCascade";
    let id = pool_id(tag);
    let client_id = "userCascade-client";
    pool_with_users(
        store,
        tag,
        &[user(tag, "sub-1", "alice"), user(tag, "sub-2", "bob")],
    )
    .await;
    store.create_client(&client(tag, client_id)).await.unwrap();
    store.create_group(&group(tag, "g")).await.unwrap();
    for sub in ["sub-1", "sub-2"] {
        store.add_user_to_group(&id, "g", sub).await.unwrap();
        store
            .put_code(&code(tag, sub, "sign_up", "h"))
            .await
            .unwrap();
        store
            .create_session(&session(tag, sub, client_id, sub))
            .await
            .unwrap();
    }

    store.delete_user(&id, "sub-1").await.unwrap();
    assert_eq!(store.get_user(&id, "alice").await.unwrap(), None);
    assert_eq!(
        store.get_code(&id, "sub-1", "sign_up").await.unwrap(),
        None,
        "code"
    );
    assert!(
        store
            .groups_for_user(&id, "sub-1")
            .await
            .unwrap()
            .is_empty(),
        "membership"
    );
    let members = store.users_in_group(&id, "g", None, 10).await.unwrap();
    assert_eq!(names(&members), ["bob"]);
    let s1 = session(tag, "sub-1", client_id, "sub-1");
    assert_eq!(
        store.get_session(&s1.origin_jti).await.unwrap(),
        None,
        "session"
    );
    // Bob keeps everything.
    assert!(store
        .get_code(&id, "sub-2", "sign_up")
        .await
        .unwrap()
        .is_some());
    let s2 = session(tag, "sub-2", client_id, "sub-2");
    assert!(store.get_session(&s2.origin_jti).await.unwrap().is_some());
    // The username is free again.
    store
        .create_user(&user(tag, "sub-3", "alice"))
        .await
        .unwrap();
    assert!(store
        .groups_for_user(&id, "sub-3")
        .await
        .unwrap()
        .is_empty());
}

pub async fn find_users_by_attribute_matches_exactly(store: &dyn Store) {
    let tag = "userFind";
    let id = pool_id(tag);
    let users = [
        with_attr(user(tag, "sub-1", "bob"), "email", "shared@example.com"),
        with_attr(user(tag, "sub-2", "alice"), "email", "shared@example.com"),
        with_attr(user(tag, "sub-3", "carol"), "email", "Shared@example.com"),
        with_attr(user(tag, "sub-4", "dave"), "custom:tenant", "t1"),
        with_attr(user(tag, "sub-5", "erin"), "phone_number", "+15555550100"),
        with_attr(user(tag, "sub-6", "frank"), "a.b", "dotted"),
    ];
    pool_with_users(store, tag, &users).await;
    let id = id.as_str();
    let find = |name: &'static str, value: &'static str| async move {
        let found = store
            .find_users_by_attribute(id, name, value)
            .await
            .unwrap();
        names(&found)
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        find("email", "shared@example.com").await,
        ["alice", "bob"],
        "ordered by key"
    );
    assert_eq!(
        find("email", "Shared@example.com").await,
        ["carol"],
        "case-sensitive"
    );
    assert!(
        find("email", "shared@").await.is_empty(),
        "not a prefix match"
    );
    assert_eq!(find("custom:tenant", "t1").await, ["dave"]);
    assert_eq!(find("phone_number", "+15555550100").await, ["erin"]);
    assert_eq!(
        find("a.b", "dotted").await,
        ["frank"],
        "dots in names are literal"
    );
    assert!(find("given_name", "bob").await.is_empty());
    assert!(store
        .find_users_by_attribute("us-east-1_other", "email", "shared@example.com")
        .await
        .unwrap()
        .is_empty());
}

pub async fn attribute_values_with_control_characters_round_trip(store: &dyn Store) {
    // Attribute values are free text (AWS gives them no pattern): a NUL or
    // another control character is kept exactly and is never a backend error.
    // Whether a search can match such a value is left open.
    let tag = "userControlChars";
    let id = pool_id(tag);
    let odd = "a\u{0}b\u{1}c\nd\u{7f}";
    let u = with_attr(user(tag, "sub-1", "alice"), "nickname", odd);
    pool_with_users(store, tag, std::slice::from_ref(&u)).await;
    assert_eq!(store.get_user(&id, "alice").await.unwrap(), Some(u.clone()));
    assert_eq!(
        store.get_user_by_sub(&id, "sub-1").await.unwrap(),
        Some(u.clone())
    );
    let by_email = store
        .find_users_by_attribute(&id, "email", "alice@example.com")
        .await
        .unwrap();
    assert_eq!(
        by_email,
        std::slice::from_ref(&u),
        "other attributes are still found"
    );
    assert_eq!(
        listed(store, tag, &eq(attr("email"), "alice@example.com")).await,
        ["alice"]
    );
    for (name, value) in [
        ("nickname", odd),
        ("nickname", "a\u{0}"),
        ("email", "\u{0}"),
    ] {
        store
            .find_users_by_attribute(&id, name, value)
            .await
            .unwrap_or_else(|e| panic!("searching {name:?} = {value:?}: {e}"));
        for filter in [eq(attr(name), value), prefix(attr(name), value)] {
            store
                .list_users(&id, Some(&filter), None, 10)
                .await
                .unwrap_or_else(|e| panic!("filtering on {filter:?}: {e}"));
        }
    }
    let mut changed = with_attr(u, "nickname", "\u{0}");
    changed.modified_ms += 1;
    store.update_user(&changed).await.unwrap();
    assert_eq!(store.get_user(&id, "alice").await.unwrap(), Some(changed));
}
