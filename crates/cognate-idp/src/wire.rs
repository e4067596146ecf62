//! Shared translation helpers: input parsing with AWS-shaped validation
//! errors, timestamps, attribute lists, pagination tokens.

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cognate_core::model::User;
use cognate_core::service::CodeDelivery;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::ApiError;

pub type OpResult = Result<Value, ApiError>;

/// Parses an operation's input. A missing required member is an
/// InvalidParameterException naming it; a wrong JSON type is a
/// SerializationException, as the AWS front end answers.
pub fn parse<T: DeserializeOwned>(v: Value) -> Result<T, ApiError> {
    serde_json::from_value(v).map_err(|e| {
        let msg = e.to_string();
        if let Some(rest) = msg.strip_prefix("missing field `") {
            let field = rest.split('`').next().unwrap_or("");
            ApiError::invalid(format!(
                "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
                lower_first(field)
            ))
        } else if msg.starts_with("unknown variant") {
            ApiError::invalid(format!("1 validation error detected: {msg}"))
        } else {
            ApiError::serialization(format!("Invalid request: {msg}"))
        }
    })
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Epoch seconds with milliseconds, as AWS JSON timestamps are.
pub fn epoch(ms: i64) -> Value {
    json!(ms as f64 / 1000.0)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeType {
    pub name: String,
    #[serde(default)]
    pub value: Option<String>,
}

pub fn attributes_from_wire(list: Vec<AttributeType>) -> BTreeMap<String, String> {
    list.into_iter()
        .map(|a| (a.name, a.value.unwrap_or_default()))
        .collect()
}

/// `[{"Name":..,"Value":..}]` with `sub` first, optionally only the named ones.
pub fn attributes_to_wire(user: &User, only: Option<&[String]>) -> Vec<Value> {
    let wanted = |n: &str| only.is_none_or(|o| o.iter().any(|w| w == n));
    let mut out = Vec::with_capacity(user.attributes.len() + 1);
    if wanted("sub") {
        out.push(json!({"Name": "sub", "Value": user.sub}));
    }
    for (k, v) in &user.attributes {
        if wanted(k) {
            out.push(json!({"Name": k, "Value": v}));
        }
    }
    out
}

/// The UserType shape of ListUsers, AdminCreateUser, ListUsersInGroup.
pub fn user_type(user: &User, only: Option<&[String]>) -> Value {
    json!({
        "Username": user.username,
        "Attributes": attributes_to_wire(user, only),
        "UserCreateDate": epoch(user.created_ms),
        "UserLastModifiedDate": epoch(user.modified_ms),
        "Enabled": user.enabled,
        "UserStatus": user.status.as_str(),
    })
}

pub fn code_delivery(d: &CodeDelivery) -> Value {
    json!({
        "Destination": d.destination,
        "DeliveryMedium": d.medium.as_str(),
        "AttributeName": d.attribute,
    })
}

/// Opaque pagination token for a keyset position.
pub fn encode_token(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(key.as_bytes())
}

pub fn decode_token(token: &str) -> Result<String, ApiError> {
    URL_SAFE_NO_PAD
        .decode(token.as_bytes())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| ApiError::invalid("Invalid pagination token"))
}

/// Validates an optional page size against the model's range.
pub fn page_limit(v: Option<i64>, name: &str, max: i64, default: i64) -> Result<u32, ApiError> {
    match v {
        None => Ok(default as u32),
        Some(n) if (1..=max).contains(&n) => Ok(n as u32),
        Some(n) => Err(ApiError::invalid(format!(
            "1 validation error detected: Value '{n}' at '{name}' failed to satisfy constraint: Member must have value between 1 and {max}"
        ))),
    }
}

/// Given `limit + 1` items, returns the page and the next token.
pub fn page<T>(
    mut items: Vec<T>,
    limit: u32,
    key: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    if items.len() > limit as usize {
        items.truncate(limit as usize);
        let next = items.last().map(|i| encode_token(&key(i)));
        (items, next)
    } else {
        (items, None)
    }
}
