//! Records for the checks, filled in on every field so that a round trip
//! proves the whole record is kept.

use std::collections::BTreeMap;

use cognate_core::model::*;
use cognate_core::store::{Store, StoreError, StoreResult};

pub(crate) const T0: i64 = 1_700_000_000_000;

pub(crate) fn pool_id(tag: &str) -> String {
    format!("us-east-1_{tag}")
}

pub(crate) fn pool(tag: &str) -> UserPool {
    let mut passthrough = Passthrough::new();
    passthrough.insert(
        "UserPoolTags".into(),
        serde_json::json!({ "team": "auth", "n": 3 }),
    );
    UserPool {
        id: pool_id(tag),
        name: format!("pool {tag}"),
        created_ms: T0,
        modified_ms: T0 + 1,
        password_policy: PasswordPolicy {
            password_history_size: Some(3),
            ..PasswordPolicy::default()
        },
        schema: vec![
            AttributeSchema {
                name: "email".into(),
                data_type: AttributeType::String,
                developer_only: false,
                mutable: true,
                required: true,
                min_length: Some("0".into()),
                max_length: Some("2048".into()),
                min_value: None,
                max_value: None,
            },
            AttributeSchema {
                name: "custom:tenant".into(),
                data_type: AttributeType::Number,
                developer_only: true,
                mutable: false,
                required: false,
                min_length: None,
                max_length: None,
                min_value: Some("1".into()),
                max_value: Some("99".into()),
            },
        ],
        username_attributes: vec![],
        alias_attributes: vec!["email".into(), "preferred_username".into()],
        username_case_sensitive: false,
        auto_verified_attributes: vec!["email".into()],
        allow_admin_create_user_only: false,
        unused_account_validity_days: 7,
        mfa_configuration: "OFF".into(),
        software_token_mfa_enabled: false,
        deletion_protection: false,
        lambda_config: BTreeMap::from([(
            "PreSignUp".to_string(),
            "arn:aws:lambda:us-east-1:000000000000:function:f".to_string(),
        )]),
        passthrough,
    }
}

pub(crate) fn key(tag: &str, kid: &str, key_use: KeyUse, created_ms: i64) -> PoolKey {
    PoolKey {
        pool_id: pool_id(tag),
        kid: kid.into(),
        key_use,
        sealed_pkcs8: vec![0, 1, 2, 255, 254, kid.len() as u8],
        created_ms,
    }
}

pub(crate) fn client(tag: &str, client_id: &str) -> AppClient {
    let mut passthrough = Passthrough::new();
    passthrough.insert(
        "CallbackURLs".into(),
        serde_json::json!(["https://example.com/cb"]),
    );
    AppClient {
        pool_id: pool_id(tag),
        client_id: client_id.into(),
        name: format!("client {client_id}"),
        sealed_secret: Some(vec![9, 8, 7, 0]),
        created_ms: T0,
        modified_ms: T0,
        explicit_auth_flows: vec![
            "ALLOW_USER_SRP_AUTH".into(),
            "ALLOW_REFRESH_TOKEN_AUTH".into(),
        ],
        access_token_validity: Validity {
            value: 60,
            unit: TimeUnit::Minutes,
        },
        id_token_validity: Validity {
            value: 1,
            unit: TimeUnit::Hours,
        },
        refresh_token_validity: Validity {
            value: 30,
            unit: TimeUnit::Days,
        },
        validity_explicit: true,
        auth_session_validity_minutes: 3,
        read_attributes: vec!["email".into()],
        write_attributes: vec![],
        prevent_user_existence_errors: true,
        enable_token_revocation: true,
        refresh_token_rotation: None,
        passthrough,
    }
}

/// A confirmed, enabled user whose `username_key` is `username` lower-cased.
pub(crate) fn user(tag: &str, sub: &str, username: &str) -> User {
    User {
        pool_id: pool_id(tag),
        sub: sub.into(),
        username: username.into(),
        username_key: username.to_lowercase(),
        status: UserStatus::Confirmed,
        enabled: true,
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        srp_verifier: None,
        password_set_ms: T0,
        attributes: BTreeMap::from([
            (
                "email".to_string(),
                format!("{}@example.com", username.to_lowercase()),
            ),
            ("email_verified".to_string(), "true".to_string()),
        ]),
        created_ms: T0,
        modified_ms: T0,
        failed_sign_ins: 0,
        mfa: Default::default(),
        last_failed_sign_in_ms: 0,
        passthrough: Passthrough::new(),
    }
}

pub(crate) fn with_attr(mut user: User, name: &str, value: &str) -> User {
    user.attributes.insert(name.into(), value.into());
    user
}

pub(crate) fn group(tag: &str, name: &str) -> Group {
    Group {
        pool_id: pool_id(tag),
        name: name.into(),
        description: Some(format!("the {name} group")),
        role_arn: None,
        precedence: Some(5),
        created_ms: T0,
        modified_ms: T0,
    }
}

pub(crate) fn code(tag: &str, sub: &str, purpose: &str, hash: &str) -> CodeRecord {
    CodeRecord {
        pool_id: pool_id(tag),
        sub: sub.into(),
        purpose: purpose.into(),
        code_hash: hash.into(),
        created_ms: T0,
        expires_ms: T0 + 3_600_000,
        failed_attempts: 0,
    }
}

pub(crate) fn session(tag: &str, jti: &str, client_id: &str, sub: &str) -> RefreshSession {
    RefreshSession {
        origin_jti: format!("{tag}-{jti}"),
        pool_id: pool_id(tag),
        client_id: client_id.into(),
        sub: sub.into(),
        token_hash: format!("hash-{tag}-{jti}"),
        auth_time: T0 / 1000,
        created_ms: T0,
        expires_ms: T0 + 30 * 86_400_000,
        revoked_ms: None,
    }
}

/// The usernames of `users`, in order.
pub(crate) fn names(users: &[User]) -> Vec<&str> {
    users.iter().map(|u| u.username.as_str()).collect()
}

#[track_caller]
pub(crate) fn assert_conflict<T: std::fmt::Debug>(result: StoreResult<T>, what: &str) {
    match result {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("{what}: expected Conflict, got {other:?}"),
    }
}

#[track_caller]
pub(crate) fn assert_not_found<T: std::fmt::Debug>(result: StoreResult<T>, what: &str) {
    match result {
        Err(StoreError::NotFound) => {}
        other => panic!("{what}: expected NotFound, got {other:?}"),
    }
}

// === ListUsers helpers ===

pub(crate) fn eq(field: FilterField, value: &str) -> UserFilter {
    UserFilter {
        field,
        prefix: false,
        value: value.into(),
    }
}

pub(crate) fn prefix(field: FilterField, value: &str) -> UserFilter {
    UserFilter {
        field,
        prefix: true,
        value: value.into(),
    }
}

pub(crate) fn attr(name: &str) -> FilterField {
    FilterField::Attribute(name.into())
}

/// The usernames `list_users` returns for `filter` (one large page).
pub(crate) async fn listed(store: &dyn Store, tag: &str, filter: &UserFilter) -> Vec<String> {
    let users = store
        .list_users(&pool_id(tag), Some(filter), None, 100)
        .await
        .unwrap();
    names(&users).into_iter().map(String::from).collect()
}

pub(crate) async fn pool_with_users(store: &dyn Store, tag: &str, users: &[User]) {
    store.create_pool(&pool(tag), &[]).await.unwrap();
    for u in users {
        store.create_user(u).await.unwrap();
    }
}
