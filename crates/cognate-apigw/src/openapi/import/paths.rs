//! `paths` -> the resource tree (intermediate resources included) and the
//! methods on it.
//!
//! Path item keys are operations: the seven OpenAPI methods,
//! `x-amazon-apigateway-any-method` (`ANY`), and — cognate's own extension —
//! any other method token such as `purchase`, which becomes the method
//! `PURCHASE`. The path item's `summary`, `description`, `servers`,
//! `parameters` and `x-…` extensions are not operations; unknown
//! `x-amazon-apigateway-*` keys are reported as ignored.

use std::collections::{BTreeMap, BTreeSet};

use super::super::names::{is_method_token, ANY_METHOD, EXTENSION_PREFIX, REQUEST_VALIDATOR};
use super::super::node::{invalid, Node};
use super::super::source::Dialect;
use super::super::IdKind;
use super::operation::{self, Env};
use super::security::Scheme;
use super::Importer;
use crate::model::Resource;
use crate::ApiError;

/// An API has at most this many resources, the root included.
const MAX_RESOURCES: usize = 500;

/// Path item members that are not operations.
const PATH_ITEM_FIELDS: &[&str] = &["summary", "description", "servers", "parameters", "$ref"];

impl<'a> Importer<'a, '_> {
    pub(super) fn paths(&mut self, schemes: BTreeMap<String, Scheme>) -> Result<(), ApiError> {
        let root = self.root.clone();
        let swagger = self.dialect == Dialect::Swagger2;
        let env = Env {
            dialect: self.dialect,
            schemes,
            top_security: root.get("security"),
            default_validator: root.get(REQUEST_VALIDATOR),
            consumes: if swagger {
                root.string_list("consumes")?
            } else {
                Vec::new()
            },
            produces: if swagger {
                root.string_list("produces")?
            } else {
                Vec::new()
            },
        };
        let Some(paths) = root.get("paths") else {
            return Ok(());
        };
        let entries = paths.entries()?;
        if entries.len() > MAX_RESOURCES {
            return Err(paths.err(format!("more than {MAX_RESOURCES} paths")));
        }
        let mut seen = BTreeSet::new();
        for (key, item) in entries {
            let segments = segments(&item, key)?;
            let normalized = format!("/{}", segments.join("/"));
            if !seen.insert(normalized.clone()) {
                return Err(item.err(format!("the path {normalized} is defined twice")));
            }
            let item = item.resolve()?;
            item.object()?;
            let resource_id = self.ensure_resource(&item, &segments)?;
            self.path_item(&env, &item, &resource_id)?;
        }
        Ok(())
    }

    /// Reads the operations of one path item onto the resource.
    fn path_item(
        &mut self,
        env: &Env<'a>,
        item: &Node<'a>,
        resource_id: &str,
    ) -> Result<(), ApiError> {
        let shared = match item.get("parameters") {
            Some(p) => p.items()?,
            None => Vec::new(),
        };
        let mut methods = BTreeMap::new();
        for (key, op) in item.entries()? {
            let http_method = if key == ANY_METHOD {
                "ANY".to_string()
            } else if key.starts_with(EXTENSION_PREFIX) {
                self.warnings
                    .push(format!("{}: not supported; ignored", op.path));
                continue;
            } else if key.starts_with("x-") || PATH_ITEM_FIELDS.contains(&key) {
                continue;
            } else if is_method_token(key) {
                key.to_ascii_uppercase()
            } else {
                return Err(op.err("not an HTTP method"));
            };
            op.object()?;
            let method = operation::method(
                env,
                &self.doc,
                &http_method,
                &op,
                &shared,
                &mut self.warnings,
            )?;
            if methods.insert(http_method.clone(), method).is_some() {
                return Err(op.err(format!("the method {http_method} is defined twice")));
            }
        }
        let resource = self
            .doc
            .resources
            .get_mut(resource_id)
            .ok_or_else(|| item.err("resource vanished during import"))?;
        resource.resource_methods.extend(methods);
        Ok(())
    }

    /// The id of the resource at `segments`, creating it and its missing
    /// ancestors. Resources that existed before the import keep their ids.
    fn ensure_resource(&mut self, at: &Node<'_>, segments: &[String]) -> Result<String, ApiError> {
        let mut by_path: BTreeMap<String, String> = self
            .doc
            .resources
            .values()
            .map(|r| (r.path.clone(), r.id.clone()))
            .collect();
        let mut parent = self.doc.api.root_resource_id.clone();
        let mut path = String::new();
        for segment in segments {
            path = format!("{path}/{segment}");
            if let Some(id) = by_path.get(&path) {
                parent = id.clone();
                continue;
            }
            self.check_sibling_rules(at, &parent, segment)?;
            if self.doc.resources.len() >= MAX_RESOURCES {
                return Err(invalid(format!(
                    "the API would have more than {MAX_RESOURCES} resources"
                )));
            }
            let previous_id = self
                .previous
                .and_then(|p| p.resources.values().find(|r| r.path == path))
                .map(|r| r.id.clone())
                .filter(|id| !self.doc.resources.contains_key(id));
            let id = match previous_id {
                Some(id) => id,
                None => Self::unique_id(self.ids, IdKind::Resource, |id| {
                    self.doc.resources.contains_key(id)
                })?,
            };
            self.doc.resources.insert(
                id.clone(),
                Resource {
                    id: id.clone(),
                    parent_id: Some(parent.clone()),
                    path_part: Some(segment.clone()),
                    path: path.clone(),
                    resource_methods: BTreeMap::new(),
                },
            );
            by_path.insert(path.clone(), id.clone());
            parent = id;
        }
        Ok(parent)
    }

    /// A greedy `{proxy+}` has no children, and siblings share at most one
    /// variable part.
    fn check_sibling_rules(
        &self,
        at: &Node<'_>,
        parent_id: &str,
        segment: &str,
    ) -> Result<(), ApiError> {
        if let Some(parent) = self.doc.resources.get(parent_id) {
            if parent.path_part.as_deref().is_some_and(is_greedy) {
                return Err(at.err(format!(
                    "{} is greedy and cannot have child resources",
                    parent.path
                )));
            }
        }
        if is_variable(segment) {
            let clash = self.doc.resources.values().find(|r| {
                r.parent_id.as_deref() == Some(parent_id)
                    && r.path_part.as_deref().is_some_and(is_variable)
                    && r.path_part.as_deref() != Some(segment)
            });
            if let Some(sibling) = clash {
                return Err(at.err(format!(
                    "a sibling ({}) already has a variable path part; only one is allowed",
                    sibling.path_part.as_deref().unwrap_or_default()
                )));
            }
        }
        Ok(())
    }
}

fn is_variable(part: &str) -> bool {
    part.starts_with('{') && part.ends_with('}')
}

fn is_greedy(part: &str) -> bool {
    part.starts_with('{') && part.ends_with("+}")
}

/// The validated parts of a path key (`/pets/{petId}` -> `pets`, `{petId}`);
/// `/` has none, and one trailing slash is ignored.
fn segments(at: &Node<'_>, key: &str) -> Result<Vec<String>, ApiError> {
    let Some(rest) = key.strip_prefix('/') else {
        return Err(at.err("paths must start with /"));
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.is_empty() {
        return Ok(Vec::new());
    }
    let parts: Vec<String> = rest.split('/').map(str::to_string).collect();
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            return Err(at.err("empty path segment"));
        }
        let name = part.strip_prefix('{').and_then(|p| p.strip_suffix('}'));
        let ok = match name {
            Some(name) => {
                let (name, greedy) = match name.strip_suffix('+') {
                    Some(n) => (n, true),
                    None => (name, false),
                };
                if greedy && i + 1 != parts.len() {
                    return Err(at.err(format!("{part} is greedy and must be the last segment")));
                }
                !name.is_empty() && name.bytes().all(is_part_char)
            }
            None => part.bytes().all(is_part_char),
        };
        if !ok {
            return Err(at.err(format!(
                "'{part}' is not a valid path part (a-zA-Z0-9._- or {{name}} or {{name+}})"
            )));
        }
    }
    Ok(parts)
}

fn is_part_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn split(key: &str) -> Result<Vec<String>, ApiError> {
        let v = json!({});
        segments(&Node::root(&v), key)
    }

    #[test]
    fn path_keys_split_into_parts() {
        assert_eq!(split("/").unwrap(), Vec::<String>::new());
        assert_eq!(split("/pets/{petId}").unwrap(), vec!["pets", "{petId}"]);
        assert_eq!(split("/pets/").unwrap(), vec!["pets"]);
        assert_eq!(split("/{proxy+}").unwrap(), vec!["{proxy+}"]);
    }

    #[test]
    fn malformed_path_keys_are_refused() {
        assert!(split("pets")
            .unwrap_err()
            .message
            .contains("must start with /"));
        assert!(split("/a//b")
            .unwrap_err()
            .message
            .contains("empty path segment"));
        assert!(split("/pets{id}")
            .unwrap_err()
            .message
            .contains("not a valid path part"));
        assert!(split("/{proxy+}/x")
            .unwrap_err()
            .message
            .contains("must be the last segment"));
        assert!(split("/{}")
            .unwrap_err()
            .message
            .contains("not a valid path part"));
    }
}
