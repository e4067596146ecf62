//! Protocol-level errors: unknown operations, malformed bodies, missing members.

mod common;

use common::app;

#[tokio::test]
async fn unknown_operation_is_unknown_operation_exception() {
    let app = app().await;
    let (status, body) = app.raw("MakeCoffee", "{}".into()).await;
    assert_eq!(status, 400);
    assert_eq!(body["__type"], "UnknownOperationException");
}

#[tokio::test]
async fn malformed_json_is_serialization_exception() {
    let app = app().await;
    let (status, body) = app.raw("ListUserPools", "{not json".into()).await;
    assert_eq!(status, 400);
    assert_eq!(body["__type"], "SerializationException");
}

#[tokio::test]
async fn wrong_member_type_is_serialization_exception() {
    let app = app().await;
    let (_, body) = app
        .raw("DescribeUserPool", r#"{"UserPoolId": 5}"#.into())
        .await;
    assert_eq!(body["__type"], "SerializationException");
}

#[tokio::test]
async fn missing_required_member_is_invalid_parameter_naming_it() {
    let app = app().await;
    let (status, body) = app.raw("DescribeUserPool", "{}".into()).await;
    assert_eq!(status, 400);
    assert_eq!(body["__type"], "InvalidParameterException");
    assert!(body["message"].as_str().unwrap().contains("userPoolId"));
}

#[tokio::test]
async fn body_over_one_mebibyte_is_refused() {
    let app = app().await;
    let big = format!(r#"{{"PoolName": "{}"}}"#, "x".repeat(1024 * 1024 + 10));
    let (status, body) = app.raw("CreateUserPool", big).await;
    assert_eq!(status, 413);
    assert_eq!(body["__type"], "SerializationException");
}

#[tokio::test]
async fn unknown_pool_is_resource_not_found() {
    let app = app().await;
    let (_, body) = app
        .raw(
            "DescribeUserPool",
            r#"{"UserPoolId": "us-east-1_nosuchpol"}"#.into(),
        )
        .await;
    assert_eq!(body["__type"], "ResourceNotFoundException");
}

#[tokio::test]
async fn control_characters_in_identifiers_are_invalid_parameter() {
    let app = app().await;
    let (status, body) = app
        .raw(
            "DescribeUserPool",
            r#"{"UserPoolId": "us-east-1_a\u0000b"}"#.into(),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["__type"], "InvalidParameterException");
}
