//! Reading a parsed document with the JSON path of every value at hand, so
//! each complaint names where in the document it is
//! (`paths./pets.get.x-amazon-apigateway-integration.type: ...`).

use std::collections::BTreeMap;
use std::fmt::Display;

use serde_json::{Map, Value};

use crate::ApiError;

/// How many `$ref` hops are followed before a reference is called circular.
const MAX_REF_HOPS: usize = 16;

/// The error every rejected document gets.
pub(crate) fn invalid(what: impl Display) -> ApiError {
    ApiError::bad_request(format!("Invalid OpenAPI input: {what}"))
}

/// A value of the document together with its JSON path and the document's
/// root (for local `$ref`s).
#[derive(Debug, Clone)]
pub(crate) struct Node<'a> {
    pub root: &'a Value,
    pub value: &'a Value,
    pub path: String,
}

impl<'a> Node<'a> {
    pub fn root(value: &'a Value) -> Self {
        Node {
            root: value,
            value,
            path: String::new(),
        }
    }

    /// A BadRequest naming this node's path.
    pub fn err(&self, what: impl Display) -> ApiError {
        if self.path.is_empty() {
            invalid(what)
        } else {
            invalid(format!("{}: {what}", self.path))
        }
    }

    /// The path of a member of this node.
    pub fn key_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    fn at(&self, value: &'a Value, path: String) -> Node<'a> {
        Node {
            root: self.root,
            value,
            path,
        }
    }

    /// A member; absent when this is not an object, the key is missing or
    /// its value is null (YAML's `key:` with nothing after it).
    pub fn get(&self, key: &str) -> Option<Node<'a>> {
        match self.value.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(self.at(v, self.key_path(key))),
        }
    }

    /// A member that must be there.
    pub fn require(&self, key: &str) -> Result<Node<'a>, ApiError> {
        self.get(key)
            .ok_or_else(|| invalid(format!("{}: required", self.key_path(key))))
    }

    pub fn object(&self) -> Result<&'a Map<String, Value>, ApiError> {
        self.value
            .as_object()
            .ok_or_else(|| self.err("must be an object"))
    }

    /// The members of an object, in key order.
    pub fn entries(&self) -> Result<Vec<(&'a str, Node<'a>)>, ApiError> {
        Ok(self
            .object()?
            .iter()
            .map(|(k, v)| (k.as_str(), self.at(v, self.key_path(k))))
            .collect())
    }

    /// The items of an array.
    pub fn items(&self) -> Result<Vec<Node<'a>>, ApiError> {
        let items = self
            .value
            .as_array()
            .ok_or_else(|| self.err("must be an array"))?;
        Ok(items
            .iter()
            .enumerate()
            .map(|(i, v)| self.at(v, format!("{}[{i}]", self.path)))
            .collect())
    }

    pub fn str(&self) -> Result<&'a str, ApiError> {
        self.value
            .as_str()
            .ok_or_else(|| self.err("must be a string"))
    }

    /// A string, or a number written without quotes (`statusCode: 200`,
    /// `version: 1.0` in YAML), as text.
    pub fn scalar_text(&self) -> Result<String, ApiError> {
        match self.value {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            _ => Err(self.err("must be a string")),
        }
    }

    pub fn opt_str(&self, key: &str) -> Result<Option<&'a str>, ApiError> {
        self.get(key).map(|n| n.str()).transpose()
    }

    pub fn req_str(&self, key: &str) -> Result<&'a str, ApiError> {
        self.require(key)?.str()
    }

    pub fn opt_bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        self.get(key)
            .map(|n| {
                n.value
                    .as_bool()
                    .ok_or_else(|| n.err("must be true or false"))
            })
            .transpose()
    }

    /// An integer, also accepted as a numeric string (`"300"`).
    pub fn opt_int(&self, key: &str) -> Result<Option<i64>, ApiError> {
        let Some(n) = self.get(key) else {
            return Ok(None);
        };
        let parsed = match n.value {
            Value::Number(num) => num.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        parsed.map(Some).ok_or_else(|| n.err("must be an integer"))
    }

    /// An object whose values are all strings; empty when absent.
    pub fn string_map(&self, key: &str) -> Result<BTreeMap<String, String>, ApiError> {
        let Some(n) = self.get(key) else {
            return Ok(BTreeMap::new());
        };
        n.entries()?
            .into_iter()
            .map(|(k, v)| Ok((k.to_string(), v.str()?.to_string())))
            .collect()
    }

    /// An array of strings; empty when absent.
    pub fn string_list(&self, key: &str) -> Result<Vec<String>, ApiError> {
        let Some(n) = self.get(key) else {
            return Ok(Vec::new());
        };
        n.items()?
            .into_iter()
            .map(|item| Ok(item.str()?.to_string()))
            .collect()
    }

    /// Follows a local `$ref` (`#/components/parameters/Id`) to what it
    /// points at; the result's path is the target's. Anything that is not a
    /// reference is returned as it is.
    pub fn resolve(&self) -> Result<Node<'a>, ApiError> {
        let mut node = self.clone();
        for _ in 0..MAX_REF_HOPS {
            if node.value.get("$ref").is_none() {
                return Ok(node);
            }
            let reference = node.require("$ref")?.str()?;
            let Some(pointer) = reference.strip_prefix('#') else {
                return Err(node.err(format!(
                    "$ref '{reference}' points outside the document; only local references (#/...) are supported"
                )));
            };
            let target = self
                .root
                .pointer(pointer)
                .ok_or_else(|| node.err(format!("$ref '{reference}' points at nothing")))?;
            node = self.at(target, pointer_to_path(pointer));
        }
        Err(self.err("$ref chain is circular"))
    }
}

/// `/components/schemas/a~1b` -> `components.schemas.a/b`.
fn pointer_to_path(pointer: &str) -> String {
    pointer
        .split('/')
        .skip(1)
        .map(|part| part.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn member_paths_join_with_dots_and_items_with_brackets() {
        let doc = json!({"paths": {"/pets": {"get": {"parameters": [{"in": 3}]}}}});
        let root = Node::root(&doc);
        let params = root
            .require("paths")
            .and_then(|p| p.require("/pets"))
            .and_then(|p| p.require("get"))
            .and_then(|p| p.require("parameters"))
            .unwrap();
        let first = params.items().unwrap().remove(0);
        let err = first.req_str("in").unwrap_err();
        assert_eq!(
            err.message,
            "Invalid OpenAPI input: paths./pets.get.parameters[0].in: must be a string"
        );
    }

    #[test]
    fn null_members_count_as_absent() {
        let doc = json!({"description": null});
        assert_eq!(Node::root(&doc).opt_str("description").unwrap(), None);
    }

    #[test]
    fn integers_may_be_written_as_strings() {
        let doc = json!({"a": "300", "b": 5, "c": "x"});
        let n = Node::root(&doc);
        assert_eq!(n.opt_int("a").unwrap(), Some(300));
        assert_eq!(n.opt_int("b").unwrap(), Some(5));
        assert!(n
            .opt_int("c")
            .unwrap_err()
            .message
            .ends_with("c: must be an integer"));
    }

    #[test]
    fn local_refs_resolve_to_their_target_with_its_path() {
        let doc = json!({
            "components": {"parameters": {"Id": {"name": "id", "in": "path"}}},
            "p": {"$ref": "#/components/parameters/Id"}
        });
        let resolved = Node::root(&doc).require("p").unwrap().resolve().unwrap();
        assert_eq!(resolved.path, "components.parameters.Id");
        assert_eq!(resolved.req_str("name").unwrap(), "id");
    }

    #[test]
    fn circular_and_external_refs_are_refused() {
        let doc = json!({
            "a": {"$ref": "#/b"},
            "b": {"$ref": "#/a"},
            "c": {"$ref": "other.yaml#/x"}
        });
        let root = Node::root(&doc);
        let err = root.require("a").unwrap().resolve().unwrap_err();
        assert!(err.message.contains("circular"), "{}", err.message);
        let err = root.require("c").unwrap().resolve().unwrap_err();
        assert!(
            err.message.contains("only local references"),
            "{}",
            err.message
        );
    }
}
