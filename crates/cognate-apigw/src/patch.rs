//! `patchOperations` applied to the model.
//!
//! Every `Update*` operation carries a list of `{op, path, value, from}`
//! operations. Paths are JSON-Pointer-like: segments separated by `/`, with
//! `~1` standing for a `/` inside a segment (`/binaryMediaTypes/image~1png`)
//! and `~0` for `~`.
//!
//! Each object has a resolver in [`fields`] that turns a path into a typed
//! [`Field`] (a string, a flag, one entry of a map, one item of a list, …);
//! [`apply`] then carries out `add`, `remove`, `replace`, `test`, `copy` and
//! `move` on that field the same way for every object. A path the resolver
//! does not know is `BadRequestException` "Invalid patch path <path>".
//! Validation of the patched object is the caller's job: it runs the same
//! function it runs on create/put.

mod fields;

use std::collections::BTreeMap;

use serde::Deserialize;

pub use fields::*;

use crate::model::ApiStage;
use crate::{ApiError, ApiResult};

/// One patch operation as sent by the client.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatchOperation {
    pub op: Op,
    pub path: String,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Add,
    Remove,
    Replace,
    Move,
    Copy,
    Test,
}

/// The body of every `Update*` request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatchRequest {
    #[serde(default)]
    pub patch_operations: Vec<PatchOperation>,
}

/// A patchable place in an object, borrowed from it.
pub enum Field<'a> {
    /// A required string: cannot be removed.
    Str(&'a mut String),
    OptStr(&'a mut Option<String>),
    /// A flag; removing it sets `false`.
    Bool(&'a mut bool),
    /// A number with the default it returns to when removed.
    Int(&'a mut i64, i64),
    OptInt(&'a mut Option<i64>),
    OptFloat(&'a mut Option<f64>),
    /// One entry (named by the last path segment) of a string map.
    StrEntry(&'a mut BTreeMap<String, String>, String),
    /// One entry of a map to booleans (`requestParameters` of a method): the
    /// value is optional and defaults to `false`.
    BoolEntry(&'a mut BTreeMap<String, bool>, String),
    /// One item of a list, named in the path (`/binaryMediaTypes/image~1png`):
    /// `add` inserts it, `remove` drops it, `replace` swaps it for the value.
    ListItem(&'a mut Vec<String>, String),
    /// A list named by the path, the item in the value
    /// (`/providerARNs`, `/authorizationScopes`): `add` inserts the value,
    /// `remove` drops the value (or every item when no value is given),
    /// `replace` sets the list to the value's comma-separated items.
    List(&'a mut Vec<String>),
    /// A usage plan's API stages, items written `apiId:stage`.
    ApiStages(&'a mut Vec<ApiStage>),
    /// A whole optional part (`/quota`, `/throttle`): only `remove` applies.
    Reset(Box<dyn FnOnce() + 'a>),
}

/// Applies `ops` in order to `target`; `resolve` names the fields of the
/// object. Stops at the first failing operation (the caller discards the
/// partly patched copy).
pub fn apply<T>(
    target: &mut T,
    ops: &[PatchOperation],
    resolve: for<'a> fn(&'a mut T, &[&str]) -> Option<Field<'a>>,
) -> ApiResult<()> {
    for op in ops {
        apply_one(target, op, resolve)?;
    }
    Ok(())
}

fn apply_one<T>(
    target: &mut T,
    op: &PatchOperation,
    resolve: for<'a> fn(&'a mut T, &[&str]) -> Option<Field<'a>>,
) -> ApiResult<()> {
    let path = op.path.as_str();
    match op.op {
        Op::Add | Op::Replace => {
            let field = field_at(target, path, resolve)?;
            set(field, op.op, op.value.as_deref(), path)
        }
        Op::Remove => {
            let field = field_at(target, path, resolve)?;
            remove(field, op.value.as_deref(), path)
        }
        Op::Test => {
            let field = field_at(target, path, resolve)?;
            let current = get(&field);
            if current.as_deref() == op.value.as_deref() {
                Ok(())
            } else {
                Err(ApiError::bad_request(format!(
                    "Patch test failed: {path} does not have the value given"
                )))
            }
        }
        Op::Copy | Op::Move => {
            let from = op.from.as_deref().ok_or_else(|| {
                ApiError::bad_request(format!("Patch operation on {path} needs a 'from' path"))
            })?;
            let value = {
                let source = field_at(target, from, resolve)?;
                let value = get(&source).ok_or_else(|| {
                    ApiError::bad_request(format!("Invalid patch path {from}: nothing to copy"))
                })?;
                if op.op == Op::Move {
                    remove(source, None, from)?;
                }
                value
            };
            let field = field_at(target, path, resolve)?;
            set(field, Op::Add, Some(&value), path)
        }
    }
}

fn field_at<'a, T>(
    target: &'a mut T,
    path: &str,
    resolve: for<'b> fn(&'b mut T, &[&str]) -> Option<Field<'b>>,
) -> ApiResult<Field<'a>> {
    let segments = segments(path).ok_or_else(|| invalid_path(path))?;
    let refs: Vec<&str> = segments.iter().map(String::as_str).collect();
    resolve(target, &refs).ok_or_else(|| invalid_path(path))
}

/// The error for a path an object does not have.
pub fn invalid_path(path: &str) -> ApiError {
    ApiError::bad_request(format!("Invalid patch path {path}"))
}

/// Splits `/a/b~1c` into `["a", "b/c"]`; `None` when the path does not start
/// with `/` or names nothing.
pub fn segments(path: &str) -> Option<Vec<String>> {
    let rest = path.strip_prefix('/')?;
    if rest.is_empty() {
        return None;
    }
    Some(
        rest.split('/')
            .map(|s| s.replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

fn required<'v>(value: Option<&'v str>, path: &str) -> ApiResult<&'v str> {
    value.ok_or_else(|| {
        ApiError::bad_request(format!(
            "Invalid patch operation on {path}: a value is required"
        ))
    })
}

fn parse_bool(value: &str, path: &str) -> ApiResult<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(ApiError::bad_request(format!(
            "Invalid value for {path}: '{value}' is not a boolean"
        ))),
    }
}

fn parse_int(value: &str, path: &str) -> ApiResult<i64> {
    value.trim().parse().map_err(|_| {
        ApiError::bad_request(format!(
            "Invalid value for {path}: '{value}' is not an integer"
        ))
    })
}

fn parse_float(value: &str, path: &str) -> ApiResult<f64> {
    match value.trim().parse::<f64>() {
        Ok(f) if f.is_finite() => Ok(f),
        _ => Err(ApiError::bad_request(format!(
            "Invalid value for {path}: '{value}' is not a number"
        ))),
    }
}

fn parse_api_stage(value: &str, path: &str) -> ApiResult<ApiStage> {
    match value.split_once(':') {
        Some((api, stage)) if !api.is_empty() && !stage.is_empty() => Ok(ApiStage {
            api_id: api.to_string(),
            stage: stage.to_string(),
            throttle: BTreeMap::new(),
        }),
        _ => Err(ApiError::bad_request(format!(
            "Invalid value for {path}: '{value}' is not of the form apiId:stageName"
        ))),
    }
}

fn set(field: Field<'_>, op: Op, value: Option<&str>, path: &str) -> ApiResult<()> {
    match field {
        Field::Str(s) => *s = required(value, path)?.to_string(),
        Field::OptStr(s) => *s = Some(required(value, path)?.to_string()),
        Field::Bool(b) => *b = parse_bool(required(value, path)?, path)?,
        Field::Int(n, _) => *n = parse_int(required(value, path)?, path)?,
        Field::OptInt(n) => *n = Some(parse_int(required(value, path)?, path)?),
        Field::OptFloat(n) => *n = Some(parse_float(required(value, path)?, path)?),
        Field::StrEntry(map, key) => {
            map.insert(key, required(value, path)?.to_string());
        }
        Field::BoolEntry(map, key) => {
            let v = match value {
                Some(v) => parse_bool(v, path)?,
                None => false,
            };
            map.insert(key, v);
        }
        Field::ListItem(list, item) => match op {
            Op::Replace => {
                let new = required(value, path)?;
                let slot = list.iter_mut().find(|i| **i == item).ok_or_else(|| {
                    ApiError::bad_request(format!("Invalid patch path {path}: no such item"))
                })?;
                *slot = new.to_string();
            }
            _ => {
                if !list.contains(&item) {
                    list.push(item);
                }
            }
        },
        Field::List(list) => {
            let v = required(value, path)?;
            if op == Op::Replace {
                *list = v
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect();
            } else if !list.iter().any(|i| i == v) {
                list.push(v.to_string());
            }
        }
        Field::ApiStages(stages) => {
            if op == Op::Replace {
                return Err(ApiError::bad_request(format!(
                    "Invalid patch operation on {path}: use add or remove"
                )));
            }
            let stage = parse_api_stage(required(value, path)?, path)?;
            if !stages
                .iter()
                .any(|s| s.api_id == stage.api_id && s.stage == stage.stage)
            {
                stages.push(stage);
            }
        }
        Field::Reset(_) => {
            return Err(ApiError::bad_request(format!(
                "Invalid patch operation on {path}: only remove is supported"
            )))
        }
    }
    Ok(())
}

fn remove(field: Field<'_>, value: Option<&str>, path: &str) -> ApiResult<()> {
    match field {
        Field::Str(_) => {
            return Err(ApiError::bad_request(format!(
                "Invalid patch operation: {path} is required and cannot be removed"
            )))
        }
        Field::OptStr(s) => *s = None,
        Field::Bool(b) => *b = false,
        Field::Int(n, default) => *n = default,
        Field::OptInt(n) => *n = None,
        Field::OptFloat(n) => *n = None,
        Field::StrEntry(map, key) => {
            map.remove(&key);
        }
        Field::BoolEntry(map, key) => {
            map.remove(&key);
        }
        Field::ListItem(list, item) => list.retain(|i| *i != item),
        Field::List(list) => match value {
            Some(v) => list.retain(|i| i != v),
            None => list.clear(),
        },
        Field::ApiStages(stages) => {
            let gone = parse_api_stage(required(value, path)?, path)?;
            stages.retain(|s| !(s.api_id == gone.api_id && s.stage == gone.stage));
        }
        Field::Reset(reset) => reset(),
    }
    Ok(())
}

/// The field's current value as patch text (`test`, `copy`, `move`).
fn get(field: &Field<'_>) -> Option<String> {
    match field {
        Field::Str(s) => Some((*s).clone()),
        Field::OptStr(s) => (*s).clone(),
        Field::Bool(b) => Some(b.to_string()),
        Field::Int(n, _) => Some(n.to_string()),
        Field::OptInt(n) => n.map(|n| n.to_string()),
        Field::OptFloat(n) => n.map(|n| n.to_string()),
        Field::StrEntry(map, key) => map.get(key).cloned(),
        Field::BoolEntry(map, key) => map.get(key).map(|b| b.to_string()),
        Field::ListItem(list, item) => list.contains(item).then(|| item.clone()),
        Field::List(list) => Some(list.join(",")),
        Field::ApiStages(stages) => Some(
            stages
                .iter()
                .map(|s| format!("{}:{}", s.api_id, s.stage))
                .collect::<Vec<_>>()
                .join(","),
        ),
        Field::Reset(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RestApi;

    fn op(op: Op, path: &str, value: Option<&str>) -> PatchOperation {
        PatchOperation {
            op,
            path: path.into(),
            value: value.map(String::from),
            from: None,
        }
    }

    #[test]
    fn segments_unescape_slash_and_tilde() {
        assert_eq!(
            segments("/binaryMediaTypes/image~1png"),
            Some(vec![
                "binaryMediaTypes".to_string(),
                "image/png".to_string()
            ])
        );
        assert_eq!(segments("/a~0b"), Some(vec!["a~b".to_string()]));
        assert_eq!(segments("name"), None);
        assert_eq!(segments("/"), None);
    }

    #[test]
    fn replace_add_and_remove_act_on_rest_api_fields() {
        let mut api = RestApi {
            name: "a".into(),
            ..Default::default()
        };
        apply(
            &mut api,
            &[
                op(Op::Replace, "/name", Some("b")),
                op(Op::Add, "/binaryMediaTypes/image~1png", None),
                op(Op::Replace, "/description", Some("d")),
                op(Op::Remove, "/description", None),
            ],
            rest_api,
        )
        .unwrap();
        assert_eq!(api.name, "b");
        assert_eq!(api.binary_media_types, vec!["image/png"]);
        assert_eq!(api.description, None);
    }

    #[test]
    fn unknown_path_is_invalid_patch_path() {
        let mut api = RestApi::default();
        let err = apply(&mut api, &[op(Op::Replace, "/nope", Some("x"))], rest_api).unwrap_err();
        assert_eq!(err.message, "Invalid patch path /nope");
    }

    #[test]
    fn required_string_cannot_be_removed() {
        let mut api = RestApi::default();
        let err = apply(&mut api, &[op(Op::Remove, "/name", None)], rest_api).unwrap_err();
        assert!(err.message.contains("cannot be removed"), "{}", err.message);
    }

    #[test]
    fn copy_and_test_use_current_values() {
        let mut api = RestApi {
            name: "n".into(),
            ..Default::default()
        };
        let copy = PatchOperation {
            op: Op::Copy,
            path: "/description".into(),
            value: None,
            from: Some("/name".into()),
        };
        apply(
            &mut api,
            &[copy, op(Op::Test, "/description", Some("n"))],
            rest_api,
        )
        .unwrap();
        assert_eq!(api.description.as_deref(), Some("n"));
        let err = apply(&mut api, &[op(Op::Test, "/name", Some("x"))], rest_api).unwrap_err();
        assert!(err.message.contains("test failed"), "{}", err.message);
    }

    #[test]
    fn bad_boolean_is_rejected() {
        let mut api = RestApi::default();
        let err = apply(
            &mut api,
            &[op(Op::Replace, "/disableExecuteApiEndpoint", Some("yes"))],
            rest_api,
        )
        .unwrap_err();
        assert!(err.message.contains("not a boolean"), "{}", err.message);
    }
}
