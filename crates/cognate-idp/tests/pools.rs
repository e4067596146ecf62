//! User pool management over the wire: CreateUserPool, DescribeUserPool,
//! ListUserPools, UpdateUserPool, DeleteUserPool, AddCustomAttributes.

mod common;

use serde_json::{json, Value};

fn attribute<'a>(pool: &'a Value, name: &str) -> Option<&'a Value> {
    pool["SchemaAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["Name"] == name)
}

async fn describe(app: &common::App, pool_id: &str) -> Value {
    app.ok("DescribeUserPool", json!({ "UserPoolId": pool_id }))
        .await["UserPool"]
        .clone()
}

#[tokio::test]
async fn create_pool_returns_arn_and_region_prefixed_id() {
    let app = common::app().await;
    let out = app
        .ok("CreateUserPool", json!({ "PoolName": "my pool" }))
        .await;
    let pool = &out["UserPool"];
    let id = pool["Id"].as_str().unwrap();
    let (region, rest) = id.split_once('_').unwrap();
    assert_eq!(region, "us-east-1");
    assert_eq!(rest.len(), 9);
    assert!(rest.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(
        pool["Arn"],
        format!("arn:aws:cognito-idp:us-east-1:000000000000:userpool/{id}")
    );
    assert_eq!(pool["Name"], "my pool");
    assert_eq!(pool["Status"], "Enabled");
    assert!(pool["CreationDate"].is_number());
    assert!(pool["LastModifiedDate"].is_number());
}

#[tokio::test]
async fn region_comes_from_the_sigv4_credential_scope() {
    let app = common::app().await;
    let req = axum::http::Request::post("/")
        .header(
            "x-amz-target",
            "AWSCognitoIdentityProviderService.CreateUserPool",
        )
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKID/20261123/eu-west-2/cognito-idp/aws4_request, SignedHeaders=host, Signature=00",
        )
        .body(axum::body::Body::from(r#"{"PoolName":"p"}"#))
        .unwrap();
    let (status, body) = app.send(req).await;
    assert_eq!(status, 200);
    assert!(body["UserPool"]["Id"]
        .as_str()
        .unwrap()
        .starts_with("eu-west-2_"));
}

#[tokio::test]
async fn new_pool_has_default_policy_and_settings() {
    let app = common::app().await;
    let id = app.pool().await;
    let pool = describe(&app, &id).await;
    assert_eq!(
        pool["Policies"]["PasswordPolicy"],
        json!({
            "MinimumLength": 8,
            "RequireUppercase": true,
            "RequireLowercase": true,
            "RequireNumbers": true,
            "RequireSymbols": true,
            "TemporaryPasswordValidityDays": 7,
        })
    );
    assert_eq!(pool["MfaConfiguration"], "OFF");
    assert_eq!(pool["DeletionProtection"], "INACTIVE");
    assert_eq!(pool["UsernameConfiguration"]["CaseSensitive"], true);
    assert_eq!(
        pool["AdminCreateUserConfig"],
        json!({"AllowAdminCreateUserOnly": false, "UnusedAccountValidityDays": 7})
    );
    assert_eq!(pool["EstimatedNumberOfUsers"], 0);
    assert_eq!(pool["LambdaConfig"], json!({}));
    assert!(pool.get("UsernameAttributes").is_none());
    assert!(pool.get("AliasAttributes").is_none());
}

#[tokio::test]
async fn describe_lists_the_full_standard_schema() {
    let app = common::app().await;
    let id = app.pool().await;
    let pool = describe(&app, &id).await;
    let names: Vec<&str> = pool["SchemaAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["Name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "sub",
            "name",
            "given_name",
            "family_name",
            "middle_name",
            "nickname",
            "preferred_username",
            "profile",
            "picture",
            "website",
            "email",
            "email_verified",
            "gender",
            "birthdate",
            "zoneinfo",
            "locale",
            "phone_number",
            "phone_number_verified",
            "address",
            "updated_at",
            "identities",
        ]
    );
    assert_eq!(
        attribute(&pool, "sub").unwrap(),
        &json!({
            "Name": "sub",
            "AttributeDataType": "String",
            "DeveloperOnlyAttribute": false,
            "Mutable": false,
            "Required": true,
            "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "2048"},
        })
    );
    assert_eq!(
        attribute(&pool, "email_verified").unwrap()["AttributeDataType"],
        "Boolean"
    );
    assert_eq!(
        attribute(&pool, "updated_at").unwrap()["NumberAttributeConstraints"],
        json!({"MinValue": "0"})
    );
    assert_eq!(
        attribute(&pool, "birthdate").unwrap()["StringAttributeConstraints"],
        json!({"MinLength": "10", "MaxLength": "10"})
    );
}

#[tokio::test]
async fn schema_adds_custom_attributes_and_makes_standard_ones_required() {
    let app = common::app().await;
    let id = app
        .pool_with(json!({
            "Schema": [
                {"Name": "email", "AttributeDataType": "String", "Required": true, "Mutable": true},
                {"Name": "tenant", "AttributeDataType": "String", "Mutable": true,
                 "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "64"}},
                {"Name": "age", "AttributeDataType": "Number",
                 "NumberAttributeConstraints": {"MinValue": "0", "MaxValue": "150"}},
            ]
        }))
        .await;
    let pool = describe(&app, &id).await;
    assert_eq!(attribute(&pool, "email").unwrap()["Required"], true);
    let tenant = attribute(&pool, "custom:tenant").unwrap();
    assert_eq!(tenant["Mutable"], true);
    assert_eq!(
        tenant["StringAttributeConstraints"],
        json!({"MinLength": "1", "MaxLength": "64"})
    );
    let age = attribute(&pool, "custom:age").unwrap();
    assert_eq!(age["AttributeDataType"], "Number");
    assert_eq!(
        age["NumberAttributeConstraints"],
        json!({"MinValue": "0", "MaxValue": "150"})
    );
    assert!(attribute(&pool, "tenant").is_none());
}

#[tokio::test]
async fn required_custom_attribute_is_invalid_parameter() {
    let app = common::app().await;
    let msg = app
        .err(
            "CreateUserPool",
            json!({"PoolName": "p", "Schema": [{"Name": "x", "AttributeDataType": "String", "Required": true}]}),
            "InvalidParameterException",
        )
        .await;
    assert!(msg.contains("Required custom attributes"), "{msg}");
}

#[tokio::test]
async fn username_and_alias_attributes_are_mutually_exclusive() {
    let app = common::app().await;
    app.err(
        "CreateUserPool",
        json!({"PoolName": "p", "UsernameAttributes": ["email"], "AliasAttributes": ["phone_number"]}),
        "InvalidParameterException",
    )
    .await;
    let id = app
        .pool_with(json!({"UsernameAttributes": ["email"], "AutoVerifiedAttributes": ["email"]}))
        .await;
    let pool = describe(&app, &id).await;
    assert_eq!(pool["UsernameAttributes"], json!(["email"]));
    assert_eq!(pool["AutoVerifiedAttributes"], json!(["email"]));
}

#[tokio::test]
async fn password_minimum_length_out_of_range_is_invalid_parameter() {
    let app = common::app().await;
    for len in [5, 100] {
        app.err(
            "CreateUserPool",
            json!({"PoolName": "p", "Policies": {"PasswordPolicy": {"MinimumLength": len}}}),
            "InvalidParameterException",
        )
        .await;
    }
}

#[tokio::test]
async fn pool_name_is_validated() {
    let app = common::app().await;
    app.err(
        "CreateUserPool",
        json!({"PoolName": ""}),
        "InvalidParameterException",
    )
    .await;
    app.err(
        "CreateUserPool",
        json!({"PoolName": "x".repeat(129)}),
        "InvalidParameterException",
    )
    .await;
    let msg = app
        .err("CreateUserPool", json!({}), "InvalidParameterException")
        .await;
    assert!(msg.contains("poolName"), "{msg}");
}

#[tokio::test]
async fn passthrough_settings_are_echoed_by_describe() {
    let app = common::app().await;
    let id = app
        .pool_with(json!({
            "EmailVerificationSubject": "Your code",
            "EmailVerificationMessage": "Code: {####}",
            "UserPoolTags": {"team": "auth"},
            "AccountRecoverySetting": {"RecoveryMechanisms": [{"Priority": 1, "Name": "verified_email"}]},
            "UserPoolTier": "ESSENTIALS",
            "AdminCreateUserConfig": {
                "AllowAdminCreateUserOnly": true,
                "InviteMessageTemplate": {"EmailSubject": "Welcome"}
            },
            "LambdaConfig": {
                "PreSignUp": "arn:aws:lambda:us-east-1:000000000000:function:pre",
                "PreTokenGenerationConfig": {"LambdaVersion": "V2_0",
                    "LambdaArn": "arn:aws:lambda:us-east-1:000000000000:function:ptg"}
            },
            "MfaConfiguration": "OPTIONAL",
        }))
        .await;
    let pool = describe(&app, &id).await;
    assert_eq!(pool["EmailVerificationSubject"], "Your code");
    assert_eq!(pool["EmailVerificationMessage"], "Code: {####}");
    assert_eq!(pool["UserPoolTags"], json!({"team": "auth"}));
    assert_eq!(pool["UserPoolTier"], "ESSENTIALS");
    assert_eq!(
        pool["AccountRecoverySetting"]["RecoveryMechanisms"][0]["Name"],
        "verified_email"
    );
    assert_eq!(
        pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"],
        true
    );
    assert_eq!(
        pool["AdminCreateUserConfig"]["InviteMessageTemplate"]["EmailSubject"],
        "Welcome"
    );
    assert_eq!(
        pool["LambdaConfig"]["PreSignUp"],
        "arn:aws:lambda:us-east-1:000000000000:function:pre"
    );
    assert_eq!(
        pool["LambdaConfig"]["PreTokenGenerationConfig"]["LambdaVersion"],
        "V2_0"
    );
    assert_eq!(pool["MfaConfiguration"], "OPTIONAL");
}

#[tokio::test]
async fn unknown_pool_is_resource_not_found() {
    let app = common::app().await;
    for op in ["DescribeUserPool", "DeleteUserPool", "UpdateUserPool"] {
        app.err(
            op,
            json!({"UserPoolId": "us-east-1_nothere00"}),
            "ResourceNotFoundException",
        )
        .await;
    }
}

#[tokio::test]
async fn list_pools_paginates_with_next_token() {
    let app = common::app().await;
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(app.pool().await);
    }
    created.sort();
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut input = json!({"MaxResults": 2});
        if let Some(t) = &token {
            input["NextToken"] = json!(t);
        }
        let out = app.ok("ListUserPools", input).await;
        let page = out["UserPools"].as_array().unwrap();
        assert!(page.len() <= 2);
        for p in page {
            assert_eq!(p["Name"], "test-pool");
            assert_eq!(p["Status"], "Enabled");
            assert!(p["CreationDate"].is_number());
            seen.push(p["Id"].as_str().unwrap().to_string());
        }
        match out.get("NextToken").and_then(Value::as_str) {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, created);
}

#[tokio::test]
async fn list_pools_requires_max_results_in_range() {
    let app = common::app().await;
    app.err("ListUserPools", json!({}), "InvalidParameterException")
        .await;
    app.err(
        "ListUserPools",
        json!({"MaxResults": 61}),
        "InvalidParameterException",
    )
    .await;
    app.err(
        "ListUserPools",
        json!({"MaxResults": 0}),
        "InvalidParameterException",
    )
    .await;
}

#[tokio::test]
async fn update_pool_resets_omitted_settings_to_defaults() {
    let app = common::app().await;
    let id = app
        .pool_with(json!({
            "Policies": {"PasswordPolicy": {"MinimumLength": 12, "RequireSymbols": false}},
            "MfaConfiguration": "OPTIONAL",
            "EmailVerificationSubject": "Hi",
            "UserPoolTier": "PLUS",
            "UsernameAttributes": ["email"],
        }))
        .await;
    app.clock.advance_secs(60);
    app.ok(
        "UpdateUserPool",
        json!({"UserPoolId": id, "AutoVerifiedAttributes": ["email"]}),
    )
    .await;
    let pool = describe(&app, &id).await;
    assert_eq!(pool["Policies"]["PasswordPolicy"]["MinimumLength"], 8);
    assert_eq!(pool["Policies"]["PasswordPolicy"]["RequireSymbols"], true);
    assert_eq!(pool["MfaConfiguration"], "OFF");
    assert!(pool.get("EmailVerificationSubject").is_none());
    assert_eq!(pool["AutoVerifiedAttributes"], json!(["email"]));
    // Kept: the tier, and what Update cannot change.
    assert_eq!(pool["UserPoolTier"], "PLUS");
    assert_eq!(pool["UsernameAttributes"], json!(["email"]));
    assert_eq!(pool["Name"], "test-pool");
    assert!(pool["LastModifiedDate"].as_f64() > pool["CreationDate"].as_f64());
}

#[tokio::test]
async fn delete_protected_pool_is_refused() {
    let app = common::app().await;
    let id = app.pool_with(json!({"DeletionProtection": "ACTIVE"})).await;
    let msg = app
        .err(
            "DeleteUserPool",
            json!({"UserPoolId": id}),
            "InvalidParameterException",
        )
        .await;
    assert!(msg.contains("deletion protection"), "{msg}");
    app.ok(
        "UpdateUserPool",
        json!({"UserPoolId": id, "DeletionProtection": "INACTIVE"}),
    )
    .await;
    app.ok("DeleteUserPool", json!({"UserPoolId": id})).await;
    app.err(
        "DescribeUserPool",
        json!({"UserPoolId": id}),
        "ResourceNotFoundException",
    )
    .await;
    let (status, _) = app.get(&format!("/{id}/.well-known/jwks.json")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn new_pool_publishes_two_signing_keys() {
    let app = common::app().await;
    let id = app.pool().await;
    let (status, jwks) = app.get(&format!("/{id}/.well-known/jwks.json")).await;
    assert_eq!(status, 200);
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    assert_ne!(keys[0]["kid"], keys[1]["kid"]);
}

#[tokio::test]
async fn add_custom_attributes_prefixes_names_and_refuses_duplicates() {
    let app = common::app().await;
    let id = app.pool().await;
    app.ok(
        "AddCustomAttributes",
        json!({"UserPoolId": id, "CustomAttributes": [
            {"Name": "plan", "AttributeDataType": "String", "Mutable": true}
        ]}),
    )
    .await;
    let pool = describe(&app, &id).await;
    assert_eq!(attribute(&pool, "custom:plan").unwrap()["Mutable"], true);
    app.err(
        "AddCustomAttributes",
        json!({"UserPoolId": id, "CustomAttributes": [{"Name": "plan", "AttributeDataType": "String"}]}),
        "InvalidParameterException",
    )
    .await;
    app.err(
        "AddCustomAttributes",
        json!({"UserPoolId": "us-east-1_nothere00", "CustomAttributes": [{"Name": "x"}]}),
        "ResourceNotFoundException",
    )
    .await;
}

#[tokio::test]
async fn describe_counts_users() {
    let app = common::app().await;
    let id = app.pool().await;
    let client = app.client(&id).await;
    app.user(&id, &client, "alice").await;
    app.user(&id, &client, "bob").await;
    assert_eq!(describe(&app, &id).await["EstimatedNumberOfUsers"], 2);
}
