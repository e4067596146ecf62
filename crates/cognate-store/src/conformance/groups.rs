//! Groups and memberships.

use cognate_core::store::Store;

use super::fixtures::*;

pub async fn group_reads_back_equal_updates_and_deletes(store: &dyn Store) {
    let tag = "groupRoundTrip";
    let id = pool_id(tag);
    store.create_pool(&pool(tag), &[]).await.unwrap();
    let mut g = group(tag, "admins");
    store.create_group(&g).await.unwrap();
    assert_eq!(
        store.get_group(&id, "admins").await.unwrap(),
        Some(g.clone())
    );
    assert_eq!(
        store.get_group(&id, "Admins").await.unwrap(),
        None,
        "names are exact"
    );

    g.description = None;
    g.role_arn = Some("arn:aws:iam::000000000000:role/r".into());
    g.precedence = None;
    g.modified_ms += 1;
    store.update_group(&g).await.unwrap();
    assert_eq!(
        store.get_group(&id, "admins").await.unwrap(),
        Some(g.clone())
    );

    store.delete_group(&id, "admins").await.unwrap();
    assert_eq!(store.get_group(&id, "admins").await.unwrap(), None);
    assert_not_found(store.update_group(&g).await, "update deleted group");
    assert_not_found(
        store.delete_group(&id, "admins").await,
        "delete deleted group",
    );
}

pub async fn duplicate_group_name_is_conflict(store: &dyn Store) {
    let tag = "groupDuplicate";
    store.create_pool(&pool(tag), &[]).await.unwrap();
    store.create_group(&group(tag, "g")).await.unwrap();
    assert_conflict(
        store.create_group(&group(tag, "g")).await,
        "same group name",
    );
    store
        .create_pool(&pool("groupDuplicateOther"), &[])
        .await
        .unwrap();
    store
        .create_group(&group("groupDuplicateOther", "g"))
        .await
        .unwrap();
}

pub async fn membership_add_and_remove_are_idempotent(store: &dyn Store) {
    let tag = "groupIdempotent";
    let id = pool_id(tag);
    store.create_pool(&pool(tag), &[]).await.unwrap();
    store
        .create_user(&user(tag, "sub-1", "alice"))
        .await
        .unwrap();
    store.create_group(&group(tag, "g")).await.unwrap();

    store.add_user_to_group(&id, "g", "sub-1").await.unwrap();
    store.add_user_to_group(&id, "g", "sub-1").await.unwrap();
    assert_eq!(
        names(&store.users_in_group(&id, "g", None, 10).await.unwrap()),
        ["alice"]
    );
    assert_eq!(store.groups_for_user(&id, "sub-1").await.unwrap().len(), 1);

    store
        .remove_user_from_group(&id, "g", "sub-1")
        .await
        .unwrap();
    store
        .remove_user_from_group(&id, "g", "sub-1")
        .await
        .unwrap();
    assert!(store
        .users_in_group(&id, "g", None, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .groups_for_user(&id, "sub-1")
        .await
        .unwrap()
        .is_empty());
}

pub async fn membership_needs_existing_group_and_user(store: &dyn Store) {
    let tag = "groupMissing";
    let id = pool_id(tag);
    store.create_pool(&pool(tag), &[]).await.unwrap();
    store
        .create_user(&user(tag, "sub-1", "alice"))
        .await
        .unwrap();
    store.create_group(&group(tag, "g")).await.unwrap();
    assert_not_found(
        store.add_user_to_group(&id, "nope", "sub-1").await,
        "missing group",
    );
    assert_not_found(
        store.add_user_to_group(&id, "g", "sub-x").await,
        "missing user",
    );
    assert!(store
        .users_in_group(&id, "g", None, 10)
        .await
        .unwrap()
        .is_empty());
}

pub async fn groups_for_user_are_ordered_by_name(store: &dyn Store) {
    let tag = "groupsOfUser";
    let id = pool_id(tag);
    store.create_pool(&pool(tag), &[]).await.unwrap();
    store
        .create_user(&user(tag, "sub-1", "alice"))
        .await
        .unwrap();
    store.create_user(&user(tag, "sub-2", "bob")).await.unwrap();
    for name in ["zeta", "alpha", "Mid", "beta"] {
        store.create_group(&group(tag, name)).await.unwrap();
    }
    for name in ["zeta", "alpha", "Mid"] {
        store.add_user_to_group(&id, name, "sub-1").await.unwrap();
    }
    store.add_user_to_group(&id, "beta", "sub-2").await.unwrap();
    let got: Vec<String> = store
        .groups_for_user(&id, "sub-1")
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.name)
        .collect();
    assert_eq!(got, ["Mid", "alpha", "zeta"], "byte order of names");
    let full = store.groups_for_user(&id, "sub-2").await.unwrap();
    assert_eq!(full, vec![group(tag, "beta")], "whole group records");
    assert!(store
        .groups_for_user(&id, "sub-none")
        .await
        .unwrap()
        .is_empty());
}

pub async fn users_in_group_are_ordered_and_paginated(store: &dyn Store) {
    let tag = "groupMembers";
    let id = pool_id(tag);
    store.create_pool(&pool(tag), &[]).await.unwrap();
    store.create_group(&group(tag, "g")).await.unwrap();
    for (i, name) in ["dave", "Bob", "alice", "carol", "erin"].iter().enumerate() {
        let sub = format!("sub-{i}");
        store.create_user(&user(tag, &sub, name)).await.unwrap();
        if *name != "erin" {
            store.add_user_to_group(&id, "g", &sub).await.unwrap();
        }
    }
    let first = store.users_in_group(&id, "g", None, 2).await.unwrap();
    assert_eq!(names(&first), ["alice", "Bob"]);
    let second = store
        .users_in_group(&id, "g", Some(&first[1].username_key), 2)
        .await
        .unwrap();
    assert_eq!(names(&second), ["carol", "dave"]);
    assert!(store
        .users_in_group(&id, "g", Some("dave"), 2)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(second[0], user(tag, "sub-3", "carol"), "whole user records");
}

pub async fn delete_group_removes_its_memberships(store: &dyn Store) {
    let tag = "groupDelete";
    let id = pool_id(tag);
    store.create_pool(&pool(tag), &[]).await.unwrap();
    store
        .create_user(&user(tag, "sub-1", "alice"))
        .await
        .unwrap();
    store.create_group(&group(tag, "a")).await.unwrap();
    store.create_group(&group(tag, "b")).await.unwrap();
    store.add_user_to_group(&id, "a", "sub-1").await.unwrap();
    store.add_user_to_group(&id, "b", "sub-1").await.unwrap();

    store.delete_group(&id, "a").await.unwrap();
    let left: Vec<String> = store
        .groups_for_user(&id, "sub-1")
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.name)
        .collect();
    assert_eq!(left, ["b"]);
    // A new group of the same name starts empty.
    store.create_group(&group(tag, "a")).await.unwrap();
    assert!(store
        .users_in_group(&id, "a", None, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(
        store.get_user_by_sub(&id, "sub-1").await.unwrap().is_some(),
        "user kept"
    );
}
