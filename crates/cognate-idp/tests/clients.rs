//! App client management over the wire: CreateUserPoolClient,
//! DescribeUserPoolClient, ListUserPoolClients, UpdateUserPoolClient,
//! DeleteUserPoolClient.

mod common;

use serde_json::{json, Value};

async fn create(app: &common::App, pool_id: &str, extra: Value) -> Value {
    let mut input = json!({"UserPoolId": pool_id, "ClientName": "web"});
    input
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    app.ok("CreateUserPoolClient", input).await["UserPoolClient"].clone()
}

async fn describe(app: &common::App, pool_id: &str, client_id: &str) -> Value {
    app.ok(
        "DescribeUserPoolClient",
        json!({"UserPoolId": pool_id, "ClientId": client_id}),
    )
    .await["UserPoolClient"]
        .clone()
}

#[tokio::test]
async fn new_client_has_aws_defaults() {
    let app = common::app().await;
    let pool = app.pool().await;
    let c = create(&app, &pool, json!({})).await;
    let id = c["ClientId"].as_str().unwrap();
    assert_eq!(id.len(), 26);
    assert!(id
        .chars()
        .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit()));
    assert_eq!(c["UserPoolId"], pool.as_str());
    assert_eq!(c["ClientName"], "web");
    assert_eq!(
        c["ExplicitAuthFlows"],
        json!([
            "ALLOW_REFRESH_TOKEN_AUTH",
            "ALLOW_USER_SRP_AUTH",
            "ALLOW_CUSTOM_AUTH"
        ])
    );
    assert_eq!(c["RefreshTokenValidity"], 30);
    assert_eq!(
        c["TokenValidityUnits"],
        json!({"AccessToken": "hours", "IdToken": "hours", "RefreshToken": "days"})
    );
    assert_eq!(c["AuthSessionValidity"], 3);
    assert_eq!(c["PreventUserExistenceErrors"], "LEGACY");
    assert_eq!(c["EnableTokenRevocation"], true);
    assert!(c.get("ClientSecret").is_none());
    assert!(c.get("ReadAttributes").is_none());
    assert!(c["CreationDate"].is_number());
}

#[tokio::test]
async fn client_secret_is_shown_by_describe() {
    let app = common::app().await;
    let pool = app.pool().await;
    let c = create(&app, &pool, json!({"GenerateSecret": true})).await;
    let secret = c["ClientSecret"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 51);
    assert!(secret
        .chars()
        .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit()));
    let d = describe(&app, &pool, c["ClientId"].as_str().unwrap()).await;
    assert_eq!(d["ClientSecret"], secret.as_str());
}

#[tokio::test]
async fn update_keeps_the_secret_and_resets_omitted_settings() {
    let app = common::app().await;
    let pool = app.pool().await;
    let c = create(
        &app,
        &pool,
        json!({
            "GenerateSecret": true,
            "PreventUserExistenceErrors": "ENABLED",
            "AccessTokenValidity": 30,
            "TokenValidityUnits": {"AccessToken": "minutes"},
            "CallbackURLs": ["https://app.example.com/cb"],
        }),
    )
    .await;
    let id = c["ClientId"].as_str().unwrap();
    assert_eq!(c["AccessTokenValidity"], 30);
    assert_eq!(c["CallbackURLs"], json!(["https://app.example.com/cb"]));
    app.clock.advance_secs(5);
    let u = app
        .ok(
            "UpdateUserPoolClient",
            json!({"UserPoolId": pool, "ClientId": id, "ClientName": "renamed"}),
        )
        .await["UserPoolClient"]
        .clone();
    assert_eq!(u["ClientName"], "renamed");
    assert_eq!(u["ClientSecret"], c["ClientSecret"]);
    assert_eq!(u["PreventUserExistenceErrors"], "LEGACY");
    assert!(u.get("AccessTokenValidity").is_none());
    assert_eq!(u["TokenValidityUnits"]["AccessToken"], "hours");
    assert!(u.get("CallbackURLs").is_none());
    let d = describe(&app, &pool, id).await;
    assert_eq!(d, u);
    assert!(d["LastModifiedDate"].as_f64() > d["CreationDate"].as_f64());
}

#[tokio::test]
async fn token_validity_out_of_range_is_invalid_parameter() {
    let app = common::app().await;
    let pool = app.pool().await;
    for extra in [
        json!({"AccessTokenValidity": 2, "TokenValidityUnits": {"AccessToken": "days"}}),
        json!({"AccessTokenValidity": 4, "TokenValidityUnits": {"AccessToken": "minutes"}}),
        json!({"IdTokenValidity": 25}),
        json!({"RefreshTokenValidity": 3651}),
        json!({"RefreshTokenValidity": 59, "TokenValidityUnits": {"RefreshToken": "minutes"}}),
        json!({"AuthSessionValidity": 16}),
        json!({"AuthSessionValidity": 2}),
    ] {
        let mut input = json!({"UserPoolId": pool, "ClientName": "c"});
        input
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        app.err("CreateUserPoolClient", input, "InvalidParameterException")
            .await;
    }
}

#[tokio::test]
async fn token_validity_in_units_is_echoed() {
    let app = common::app().await;
    let pool = app.pool().await;
    let c = create(
        &app,
        &pool,
        json!({
            "AccessTokenValidity": 5,
            "IdTokenValidity": 1,
            "RefreshTokenValidity": 0,
            "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "days", "RefreshToken": "hours"},
        }),
    )
    .await;
    assert_eq!(c["AccessTokenValidity"], 5);
    assert_eq!(c["IdTokenValidity"], 1);
    // 0 means the default, 30 days, in the unit given.
    assert_eq!(c["RefreshTokenValidity"], 720);
    assert_eq!(
        c["TokenValidityUnits"],
        json!({"AccessToken": "minutes", "IdToken": "days", "RefreshToken": "hours"})
    );
}

#[tokio::test]
async fn unknown_auth_flow_is_invalid_parameter() {
    let app = common::app().await;
    let pool = app.pool().await;
    app.err(
        "CreateUserPoolClient",
        json!({"UserPoolId": pool, "ClientName": "c", "ExplicitAuthFlows": ["ALLOW_EVERYTHING"]}),
        "InvalidParameterException",
    )
    .await;
}

#[tokio::test]
async fn read_and_write_attributes_must_be_in_the_schema() {
    let app = common::app().await;
    let pool = app
        .pool_with(json!({"Schema": [{"Name": "tenant", "AttributeDataType": "String"}]}))
        .await;
    let c = create(
        &app,
        &pool,
        json!({"ReadAttributes": ["email", "custom:tenant"], "WriteAttributes": ["email"]}),
    )
    .await;
    assert_eq!(c["ReadAttributes"], json!(["email", "custom:tenant"]));
    assert_eq!(c["WriteAttributes"], json!(["email"]));
    let msg = app
        .err(
            "CreateUserPoolClient",
            json!({"UserPoolId": pool, "ClientName": "c", "ReadAttributes": ["custom:nope"]}),
            "InvalidParameterException",
        )
        .await;
    assert!(msg.contains("read attributes"), "{msg}");
    app.err(
        "CreateUserPoolClient",
        json!({"UserPoolId": pool, "ClientName": "c", "WriteAttributes": ["sub"]}),
        "InvalidParameterException",
    )
    .await;
}

#[tokio::test]
async fn client_name_is_validated() {
    let app = common::app().await;
    let pool = app.pool().await;
    for name in [String::new(), "x".repeat(129)] {
        app.err(
            "CreateUserPoolClient",
            json!({"UserPoolId": pool, "ClientName": name}),
            "InvalidParameterException",
        )
        .await;
    }
}

#[tokio::test]
async fn unknown_client_is_resource_not_found() {
    let app = common::app().await;
    let pool = app.pool().await;
    let input = json!({"UserPoolId": pool, "ClientId": "abcdefghijklmnopqrstuvwxyz"});
    for op in [
        "DescribeUserPoolClient",
        "UpdateUserPoolClient",
        "DeleteUserPoolClient",
    ] {
        app.err(op, input.clone(), "ResourceNotFoundException")
            .await;
    }
    app.err(
        "CreateUserPoolClient",
        json!({"UserPoolId": "us-east-1_nothere00", "ClientName": "c"}),
        "ResourceNotFoundException",
    )
    .await;
}

#[tokio::test]
async fn client_of_another_pool_is_resource_not_found() {
    let app = common::app().await;
    let a = app.pool().await;
    let b = app.pool().await;
    let c = create(&app, &a, json!({})).await;
    app.err(
        "DescribeUserPoolClient",
        json!({"UserPoolId": b, "ClientId": c["ClientId"]}),
        "ResourceNotFoundException",
    )
    .await;
}

#[tokio::test]
async fn list_clients_paginates_with_next_token() {
    let app = common::app().await;
    let pool = app.pool().await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(
            create(&app, &pool, json!({})).await["ClientId"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    ids.sort();
    let first = app
        .ok(
            "ListUserPoolClients",
            json!({"UserPoolId": pool, "MaxResults": 2}),
        )
        .await;
    let page = first["UserPoolClients"].as_array().unwrap();
    assert_eq!(page.len(), 2);
    assert_eq!(
        page[0],
        json!({"ClientId": ids[0], "UserPoolId": pool, "ClientName": "web"})
    );
    let second = app
        .ok(
            "ListUserPoolClients",
            json!({"UserPoolId": pool, "MaxResults": 2, "NextToken": first["NextToken"]}),
        )
        .await;
    let page = second["UserPoolClients"].as_array().unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0]["ClientId"], ids[2].as_str());
    assert!(second.get("NextToken").is_none());
}

#[tokio::test]
async fn deleted_client_is_gone() {
    let app = common::app().await;
    let pool = app.pool().await;
    let c = create(&app, &pool, json!({})).await;
    let input = json!({"UserPoolId": pool, "ClientId": c["ClientId"]});
    app.ok("DeleteUserPoolClient", input.clone()).await;
    app.err("DescribeUserPoolClient", input, "ResourceNotFoundException")
        .await;
    let list = app
        .ok("ListUserPoolClients", json!({"UserPoolId": pool}))
        .await;
    assert_eq!(list["UserPoolClients"], json!([]));
}
