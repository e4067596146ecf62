//! ListUsers: order, pagination and every filter kind.

use cognate_core::model::{FilterField, User, UserStatus};
use cognate_core::store::Store;

use super::fixtures::*;

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

pub async fn listings_are_in_byte_order_of_the_key(store: &dyn Store) {
    // Case, punctuation and non-ASCII: byte order, not a locale's order.
    let tag = "byteOrder";
    let id = pool_id(tag);
    let keys = ["b", "B", "a_b", "a-b", "ab", "é", "z", "a", "Z", "a b", "Ä"];
    let users: Vec<User> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let mut u = user(tag, &format!("sub-{i}"), k);
            u.username_key = k.to_string();
            u
        })
        .collect();
    pool_with_users(store, tag, &users).await;
    let mut want: Vec<&str> = keys.to_vec();
    want.sort_unstable();

    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store
            .list_users(&id, None, after.as_deref(), 3)
            .await
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.username_key.clone());
        seen.extend(page.into_iter().map(|u| u.username));
    }
    assert_eq!(seen, want, "users");

    for k in keys {
        store.create_group(&group(tag, k)).await.unwrap();
    }
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store.list_groups(&id, after.as_deref(), 4).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.name.clone());
        seen.extend(page.into_iter().map(|g| g.name));
    }
    assert_eq!(seen, want, "groups");
}
