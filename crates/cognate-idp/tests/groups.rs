//! Groups over the wire: CreateGroup, GetGroup, UpdateGroup, ListGroups,
//! DeleteGroup, AdminAddUserToGroup, AdminRemoveUserFromGroup,
//! AdminListGroupsForUser, ListUsersInGroup, and the `cognito:groups` claim.

mod common;

use serde_json::{json, Value};

const ROLE: &str = "arn:aws:iam::000000000000:role/readers";

async fn group(app: &common::App, pool: &str, name: &str, precedence: Option<i64>) -> Value {
    let mut input = json!({"UserPoolId": pool, "GroupName": name});
    if let Some(p) = precedence {
        input["Precedence"] = json!(p);
    }
    app.ok("CreateGroup", input).await["Group"].clone()
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|g| {
            g["GroupName"]
                .as_str()
                .or(g["Username"].as_str())
                .unwrap()
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn create_group_returns_the_group() {
    let app = common::app().await;
    let pool = app.pool().await;
    let out = app
        .ok(
            "CreateGroup",
            json!({"UserPoolId": pool, "GroupName": "readers", "Description": "Can read",
                   "RoleArn": ROLE, "Precedence": 3}),
        )
        .await;
    let g = &out["Group"];
    assert_eq!(g["GroupName"], "readers");
    assert_eq!(g["UserPoolId"], pool.as_str());
    assert_eq!(g["Description"], "Can read");
    assert_eq!(g["RoleArn"], ROLE);
    assert_eq!(g["Precedence"], 3);
    assert!(g["CreationDate"].is_number());
    let got = app
        .ok(
            "GetGroup",
            json!({"UserPoolId": pool, "GroupName": "readers"}),
        )
        .await;
    assert_eq!(&got["Group"], g);
}

#[tokio::test]
async fn group_exists_is_group_exists_exception() {
    let app = common::app().await;
    let pool = app.pool().await;
    group(&app, &pool, "admins", None).await;
    let msg = app
        .err(
            "CreateGroup",
            json!({"UserPoolId": pool, "GroupName": "admins"}),
            "GroupExistsException",
        )
        .await;
    assert_eq!(msg, "A group with the name already exists.");
}

#[tokio::test]
async fn invalid_group_values_are_invalid_parameter() {
    let app = common::app().await;
    let pool = app.pool().await;
    for input in [
        json!({"UserPoolId": pool, "GroupName": ""}),
        json!({"UserPoolId": pool, "GroupName": "has space"}),
        json!({"UserPoolId": pool, "GroupName": "g", "Precedence": -1}),
        json!({"UserPoolId": pool, "GroupName": "g", "RoleArn": "not-an-arn-at-all-really"}),
        json!({"UserPoolId": pool}),
    ] {
        app.err("CreateGroup", input, "InvalidParameterException")
            .await;
    }
}

#[tokio::test]
async fn unknown_group_is_resource_not_found() {
    let app = common::app().await;
    let pool = app.pool().await;
    let input = json!({"UserPoolId": pool, "GroupName": "ghosts"});
    for op in ["GetGroup", "UpdateGroup", "DeleteGroup", "ListUsersInGroup"] {
        let msg = app
            .err(op, input.clone(), "ResourceNotFoundException")
            .await;
        assert_eq!(msg, "Group not found.");
    }
    app.err(
        "CreateGroup",
        json!({"UserPoolId": "us-east-1_nothere00", "GroupName": "g"}),
        "ResourceNotFoundException",
    )
    .await;
}

#[tokio::test]
async fn update_group_changes_only_given_members() {
    let app = common::app().await;
    let pool = app.pool().await;
    app.ok(
        "CreateGroup",
        json!({"UserPoolId": pool, "GroupName": "g", "Description": "old", "Precedence": 1}),
    )
    .await;
    app.clock.advance_secs(10);
    let out = app
        .ok(
            "UpdateGroup",
            json!({"UserPoolId": pool, "GroupName": "g", "Description": "new"}),
        )
        .await;
    assert_eq!(out["Group"]["Description"], "new");
    assert_eq!(out["Group"]["Precedence"], 1);
    assert!(out["Group"]["LastModifiedDate"].as_f64() > out["Group"]["CreationDate"].as_f64());
}

#[tokio::test]
async fn list_groups_paginates_with_next_token() {
    let app = common::app().await;
    let pool = app.pool().await;
    for name in ["c", "a", "b"] {
        group(&app, &pool, name, None).await;
    }
    let first = app
        .ok("ListGroups", json!({"UserPoolId": pool, "Limit": 2}))
        .await;
    assert_eq!(names(&first["Groups"]), ["a", "b"]);
    let second = app
        .ok(
            "ListGroups",
            json!({"UserPoolId": pool, "Limit": 2, "NextToken": first["NextToken"]}),
        )
        .await;
    assert_eq!(names(&second["Groups"]), ["c"]);
    assert!(second.get("NextToken").is_none());
    app.err(
        "ListGroups",
        json!({"UserPoolId": pool, "Limit": 61}),
        "InvalidParameterException",
    )
    .await;
}

#[tokio::test]
async fn membership_is_listed_both_ways_and_removable() {
    let app = common::app().await;
    let pool = app.pool().await;
    let client = app.client(&pool).await;
    app.user(&pool, &client, "alice").await;
    app.user(&pool, &client, "bob").await;
    group(&app, &pool, "staff", None).await;
    group(&app, &pool, "admins", None).await;
    for (user, g) in [("alice", "staff"), ("bob", "staff"), ("alice", "admins")] {
        app.ok(
            "AdminAddUserToGroup",
            json!({"UserPoolId": pool, "Username": user, "GroupName": g}),
        )
        .await;
    }
    let groups = app
        .ok(
            "AdminListGroupsForUser",
            json!({"UserPoolId": pool, "Username": "alice"}),
        )
        .await;
    assert_eq!(names(&groups["Groups"]), ["admins", "staff"]);
    let members = app
        .ok(
            "ListUsersInGroup",
            json!({"UserPoolId": pool, "GroupName": "staff", "Limit": 1}),
        )
        .await;
    assert_eq!(names(&members["Users"]), ["alice"]);
    assert_eq!(members["Users"][0]["UserStatus"], "CONFIRMED");
    let rest = app
        .ok(
            "ListUsersInGroup",
            json!({"UserPoolId": pool, "GroupName": "staff", "NextToken": members["NextToken"]}),
        )
        .await;
    assert_eq!(names(&rest["Users"]), ["bob"]);
    app.ok(
        "AdminRemoveUserFromGroup",
        json!({"UserPoolId": pool, "Username": "alice", "GroupName": "staff"}),
    )
    .await;
    let groups = app
        .ok(
            "AdminListGroupsForUser",
            json!({"UserPoolId": pool, "Username": "alice"}),
        )
        .await;
    assert_eq!(names(&groups["Groups"]), ["admins"]);
}

#[tokio::test]
async fn adding_unknown_user_is_user_not_found() {
    let app = common::app().await;
    let pool = app.pool().await;
    group(&app, &pool, "staff", None).await;
    app.err(
        "AdminAddUserToGroup",
        json!({"UserPoolId": pool, "Username": "nobody", "GroupName": "staff"}),
        "UserNotFoundException",
    )
    .await;
    app.err(
        "AdminListGroupsForUser",
        json!({"UserPoolId": pool, "Username": "nobody"}),
        "UserNotFoundException",
    )
    .await;
}

#[tokio::test]
async fn deleted_group_loses_its_members() {
    let app = common::app().await;
    let pool = app.pool().await;
    let client = app.client(&pool).await;
    app.user(&pool, &client, "alice").await;
    group(&app, &pool, "temp", None).await;
    app.ok(
        "AdminAddUserToGroup",
        json!({"UserPoolId": pool, "Username": "alice", "GroupName": "temp"}),
    )
    .await;
    app.ok(
        "DeleteGroup",
        json!({"UserPoolId": pool, "GroupName": "temp"}),
    )
    .await;
    let groups = app
        .ok(
            "AdminListGroupsForUser",
            json!({"UserPoolId": pool, "Username": "alice"}),
        )
        .await;
    assert_eq!(groups["Groups"], json!([]));
}

#[tokio::test]
async fn token_groups_are_ordered_by_precedence_then_name() {
    let app = common::app().await;
    let pool = app.pool().await;
    let client = app.client(&pool).await;
    app.user(&pool, &client, "alice").await;
    group(&app, &pool, "zeta", Some(1)).await;
    group(&app, &pool, "beta", None).await;
    group(&app, &pool, "alpha", None).await;
    group(&app, &pool, "omega", Some(0)).await;
    for g in ["zeta", "beta", "alpha", "omega"] {
        app.ok(
            "AdminAddUserToGroup",
            json!({"UserPoolId": pool, "Username": "alice", "GroupName": g}),
        )
        .await;
    }
    let result = app.sign_in(&client, "alice", common::PASSWORD).await;
    let id = common::claims(result["IdToken"].as_str().unwrap());
    assert_eq!(
        id["cognito:groups"],
        json!(["omega", "zeta", "alpha", "beta"])
    );
    let access = common::claims(result["AccessToken"].as_str().unwrap());
    assert_eq!(access["cognito:groups"], id["cognito:groups"]);
}
