//! Users: unique keys, lookups, cascades and the ListUsers filter.

use cognate_core::model::{FilterField, User, UserFilter, UserStatus};
use cognate_core::store::Store;

use super::fixtures::*;

fn eq(field: FilterField, value: &str) -> UserFilter {
    UserFilter {
        field,
        prefix: false,
        value: value.into(),
    }
}

fn prefix(field: FilterField, value: &str) -> UserFilter {
    UserFilter {
        field,
        prefix: true,
        value: value.into(),
    }
}

fn attr(name: &str) -> FilterField {
    FilterField::Attribute(name.into())
}

/// The usernames `list_users` returns for `filter` (one large page).
async fn listed(store: &dyn Store, tag: &str, filter: &UserFilter) -> Vec<String> {
    let users = store
        .list_users(&pool_id(tag), Some(filter), None, 100)
        .await
        .unwrap();
    names(&users).into_iter().map(String::from).collect()
}

async fn pool_with_users(store: &dyn Store, tag: &str, users: &[User]) {
    store.create_pool(&pool(tag), &[]).await.unwrap();
    for u in users {
        store.create_user(u).await.unwrap();
    }
}

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

pub async fn users_list_in_username_key_order_page_by_page(store: &dyn Store) {
    let tag = "userList";
    let id = pool_id(tag);
    let users: Vec<User> = ["dave", "Bob", "alice", "erin", "carol"]
        .iter()
        .enumerate()
        .map(|(i, n)| user(tag, &format!("sub-{i}"), n))
        .collect();
    pool_with_users(store, tag, &users).await;

    let first = store.list_users(&id, None, None, 2).await.unwrap();
    assert_eq!(names(&first), ["alice", "Bob"]);
    let second = store
        .list_users(&id, None, Some(&first[1].username_key), 2)
        .await
        .unwrap();
    assert_eq!(names(&second), ["carol", "dave"]);
    let third = store.list_users(&id, None, Some("dave"), 2).await.unwrap();
    assert_eq!(names(&third), ["erin"]);
    assert!(store
        .list_users(&id, None, Some("erin"), 2)
        .await
        .unwrap()
        .is_empty());
    assert!(
        store
            .list_users(&id, None, None, 0)
            .await
            .unwrap()
            .is_empty(),
        "limit 0"
    );
}

pub async fn list_users_filters_by_equality_on_every_field(store: &dyn Store) {
    let tag = "userFilterEq";
    let mut bob = with_attr(user(tag, "sub-b", "bob"), "given_name", "Robert");
    bob.status = UserStatus::Unconfirmed;
    let mut carol = user(tag, "sub-c", "carol");
    carol.enabled = false;
    carol.status = UserStatus::ForceChangePassword;
    pool_with_users(store, tag, &[user(tag, "sub-a", "alice"), bob, carol]).await;

    assert_eq!(
        listed(store, tag, &eq(FilterField::Username, "bob")).await,
        ["bob"]
    );
    assert!(listed(store, tag, &eq(FilterField::Username, "bo"))
        .await
        .is_empty());
    assert_eq!(
        listed(store, tag, &eq(FilterField::Sub, "sub-c")).await,
        ["carol"]
    );
    assert_eq!(
        listed(store, tag, &eq(FilterField::Status, "CONFIRMED")).await,
        ["alice"]
    );
    assert_eq!(
        listed(store, tag, &eq(FilterField::Status, "UNCONFIRMED")).await,
        ["bob"]
    );
    assert_eq!(
        listed(
            store,
            tag,
            &eq(FilterField::Status, "FORCE_CHANGE_PASSWORD")
        )
        .await,
        ["carol"]
    );
    assert_eq!(
        listed(store, tag, &eq(FilterField::Enabled, "Enabled")).await,
        ["alice", "bob"]
    );
    assert_eq!(
        listed(store, tag, &eq(FilterField::Enabled, "Disabled")).await,
        ["carol"]
    );
    assert!(listed(store, tag, &eq(FilterField::Enabled, "enabled"))
        .await
        .is_empty());
    assert_eq!(
        listed(store, tag, &eq(attr("email"), "carol@example.com")).await,
        ["carol"]
    );
    assert_eq!(
        listed(store, tag, &eq(attr("given_name"), "Robert")).await,
        ["bob"]
    );
    assert!(
        listed(store, tag, &eq(attr("family_name"), ""))
            .await
            .is_empty(),
        "absent ≠ empty"
    );
}

pub async fn list_users_filters_by_prefix(store: &dyn Store) {
    let tag = "userFilterPrefix";
    let users = [
        user(tag, "sub-1", "alice"),
        user(tag, "sub-2", "alfred"),
        user(tag, "sub-3", "bob"),
    ];
    pool_with_users(store, tag, &users).await;
    assert_eq!(
        listed(store, tag, &prefix(FilterField::Username, "al")).await,
        ["alfred", "alice"]
    );
    assert_eq!(
        listed(store, tag, &prefix(FilterField::Username, "alice")).await,
        ["alice"]
    );
    assert!(listed(store, tag, &prefix(FilterField::Username, "alicex"))
        .await
        .is_empty());
    assert_eq!(
        listed(store, tag, &prefix(attr("email"), "b")).await,
        ["bob"]
    );
    assert_eq!(
        listed(store, tag, &prefix(FilterField::Sub, "sub-"))
            .await
            .len(),
        3
    );
    assert_eq!(
        listed(store, tag, &prefix(FilterField::Status, "CONF"))
            .await
            .len(),
        3
    );
    assert_eq!(
        listed(store, tag, &prefix(FilterField::Enabled, "Ena"))
            .await
            .len(),
        3
    );
    assert_eq!(
        listed(store, tag, &prefix(FilterField::Username, ""))
            .await
            .len(),
        3
    );
}

pub async fn list_users_prefix_treats_like_wildcards_literally(store: &dyn Store) {
    let tag = "userFilterWild";
    let users = [
        with_attr(user(tag, "sub-1", "pct"), "nickname", "100%_sure"),
        with_attr(user(tag, "sub-2", "plain"), "nickname", "100 percent"),
        with_attr(user(tag, "sub-3", "under"), "nickname", "a_b"),
        with_attr(user(tag, "sub-4", "axb"), "nickname", "axb"),
        with_attr(user(tag, "sub-5", "slash"), "nickname", "back\\slash"),
        with_attr(user(tag, "sub-6", "glob"), "nickname", "star*[x]?"),
    ];
    pool_with_users(store, tag, &users).await;
    let nick = |v: &str| prefix(attr("nickname"), v);
    assert_eq!(listed(store, tag, &nick("100%")).await, ["pct"]);
    assert_eq!(listed(store, tag, &nick("100%_")).await, ["pct"]);
    assert_eq!(listed(store, tag, &nick("a_")).await, ["under"]);
    assert_eq!(listed(store, tag, &nick("back\\")).await, ["slash"]);
    assert_eq!(listed(store, tag, &nick("star*[")).await, ["glob"]);
    assert!(listed(store, tag, &nick("%")).await.is_empty());
    assert!(listed(store, tag, &nick("_")).await.is_empty());
    assert!(listed(store, tag, &nick("*")).await.is_empty());
}

pub async fn list_users_prefix_is_case_sensitive(store: &dyn Store) {
    let tag = "userFilterCase";
    let users = [
        with_attr(user(tag, "sub-1", "Upper"), "given_name", "Zoe"),
        with_attr(user(tag, "sub-2", "lower"), "given_name", "zoe"),
        with_attr(user(tag, "sub-3", "accent"), "given_name", "Émile"),
    ];
    pool_with_users(store, tag, &users).await;
    assert_eq!(
        listed(store, tag, &prefix(attr("given_name"), "Z")).await,
        ["Upper"]
    );
    assert_eq!(
        listed(store, tag, &prefix(attr("given_name"), "zo")).await,
        ["lower"]
    );
    assert_eq!(
        listed(store, tag, &prefix(attr("given_name"), "É")).await,
        ["accent"]
    );
    assert!(listed(store, tag, &prefix(attr("given_name"), "é"))
        .await
        .is_empty());
    assert_eq!(
        listed(store, tag, &prefix(FilterField::Username, "U")).await,
        ["Upper"]
    );
    assert!(listed(store, tag, &prefix(FilterField::Username, "u"))
        .await
        .is_empty());
}

pub async fn list_users_filters_on_custom_attributes(store: &dyn Store) {
    let tag = "userFilterCustom";
    let users = [
        with_attr(user(tag, "sub-1", "a"), "custom:tenant", "acme"),
        with_attr(user(tag, "sub-2", "b"), "custom:tenant", "acme-eu"),
        with_attr(user(tag, "sub-3", "c"), "custom:team", "acme"),
    ];
    pool_with_users(store, tag, &users).await;
    assert_eq!(
        listed(store, tag, &eq(attr("custom:tenant"), "acme")).await,
        ["a"]
    );
    assert_eq!(
        listed(store, tag, &prefix(attr("custom:tenant"), "acme")).await,
        ["a", "b"]
    );
    assert_eq!(
        listed(store, tag, &eq(attr("custom:team"), "acme")).await,
        ["c"]
    );
    assert!(listed(store, tag, &eq(attr("tenant"), "acme"))
        .await
        .is_empty());
}

pub async fn list_users_filter_and_pagination_combine(store: &dyn Store) {
    let tag = "userFilterPage";
    let id = pool_id(tag);
    let users: Vec<User> = (0..7)
        .map(|i| {
            let mut u = user(tag, &format!("sub-{i}"), &format!("user{i}"));
            u.enabled = i % 2 == 0;
            u
        })
        .collect();
    pool_with_users(store, tag, &users).await;
    let enabled = eq(FilterField::Enabled, "Enabled");
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store
            .list_users(&id, Some(&enabled), after.as_deref(), 2)
            .await
            .unwrap();
        assert!(page.len() <= 2);
        let Some(last) = page.last() else { break };
        after = Some(last.username_key.clone());
        seen.extend(page.into_iter().map(|u| u.username));
    }
    assert_eq!(seen, ["user0", "user2", "user4", "user6"]);
}
