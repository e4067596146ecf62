//! The resource tree: `CreateResource`, `GetResource(s)`, `UpdateResource`,
//! `DeleteResource`.
//!
//! A resource's path part is a literal (`pets`), a variable (`{petId}`) or a
//! greedy variable (`{proxy+}`). Rules, checked over the whole tree after
//! every change: a greedy resource has no children; at most one child of a
//! parent is a variable; siblings have distinct path parts; every resource
//! reaches the root. Paths are derived from the tree, never trusted.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::paging::{page_of, Page, PageRequest};
use super::ApiGateway;
use crate::error::ErrorKind;
use crate::model::{ApiDoc, Resource};
use crate::patch::{self, PatchOperation};
use crate::{ApiError, ApiResult};

/// Resources one API may have.
pub const MAX_RESOURCES: usize = 500;

/// What a path part matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartKind {
    /// Exactly this segment.
    Literal,
    /// `{name}`: any one segment.
    Variable,
    /// `{name+}`: one or more segments; the resource has no children.
    Greedy,
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

/// Classifies a path part, or says why it is not one.
pub fn path_part_kind(part: &str) -> ApiResult<PartKind> {
    let invalid = || {
        ApiError::bad_request(format!(
            "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace: '{part}'"
        ))
    };
    if let Some(inner) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
        let (name, kind) = match inner.strip_suffix('+') {
            Some(name) => (name, PartKind::Greedy),
            None => (inner, PartKind::Variable),
        };
        if !name.is_empty() && name.chars().all(is_name_char) {
            return Ok(kind);
        }
        return Err(invalid());
    }
    if !part.is_empty()
        && part
            .chars()
            .all(|c| is_name_char(c) || matches!(c, ':' | '@' | '~'))
    {
        Ok(PartKind::Literal)
    } else {
        Err(invalid())
    }
}

/// The resource `id` of `doc`, or NotFound.
pub(crate) fn resource<'a>(doc: &'a ApiDoc, id: &str) -> ApiResult<&'a Resource> {
    doc.resources.get(id).ok_or_else(ApiError::not_found)
}

pub(crate) fn resource_mut<'a>(doc: &'a mut ApiDoc, id: &str) -> ApiResult<&'a mut Resource> {
    doc.resources.get_mut(id).ok_or_else(ApiError::not_found)
}

/// Checks the whole tree and recomputes every path. `changed` is the
/// resource just created, renamed or moved, so that messages name the
/// sibling it clashes with.
pub fn rebuild_tree(doc: &mut ApiDoc, changed: Option<&str>) -> ApiResult<()> {
    let root = doc.api.root_resource_id.clone();
    if doc.resources.len() > MAX_RESOURCES {
        return Err(ApiError::new(
            ErrorKind::LimitExceeded,
            format!("An API may have at most {MAX_RESOURCES} resources"),
        ));
    }
    if doc
        .resources
        .get(&root)
        .is_none_or(|r| r.parent_id.is_some() || r.path_part.is_some())
    {
        return Err(ApiError::bad_request(format!(
            "The root resource {root} must exist and have neither parent nor path part"
        )));
    }
    let mut children: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in doc.resources.values() {
        if r.id == root {
            continue;
        }
        let parent = r.parent_id.as_deref().ok_or_else(|| {
            ApiError::bad_request(format!("Resource {} must have a parent", r.id))
        })?;
        if !doc.resources.contains_key(parent) {
            return Err(ApiError::not_found_msg(format!(
                "Invalid parent resource identifier specified: {parent}"
            )));
        }
        children
            .entry(parent.to_string())
            .or_default()
            .push(r.id.clone());
    }
    let mut paths: BTreeMap<String, String> = BTreeMap::from([(root.clone(), "/".to_string())]);
    let mut queue = VecDeque::from([root.clone()]);
    while let Some(parent) = queue.pop_front() {
        let Some(kids) = children.get(&parent) else {
            continue;
        };
        let parent_path = paths[&parent].clone();
        check_siblings(doc, &parent, kids, changed)?;
        for kid in kids {
            let part = doc.resources[kid].path_part.as_deref().unwrap_or_default();
            let path = if parent_path == "/" {
                format!("/{part}")
            } else {
                format!("{parent_path}/{part}")
            };
            paths.insert(kid.clone(), path);
            queue.push_back(kid.clone());
        }
    }
    if paths.len() != doc.resources.len() {
        return Err(ApiError::bad_request(
            "A resource cannot be moved under itself or one of its descendants",
        ));
    }
    for (id, path) in paths {
        if let Some(r) = doc.resources.get_mut(&id) {
            r.path = path;
        }
    }
    Ok(())
}

fn check_siblings(
    doc: &ApiDoc,
    parent: &str,
    kids: &[String],
    changed: Option<&str>,
) -> ApiResult<()> {
    let parent_res = &doc.resources[parent];
    if let Some(part) = &parent_res.path_part {
        if path_part_kind(part)? == PartKind::Greedy {
            return Err(ApiError::bad_request(format!(
                "Cannot create a child of a resource with a greedy path variable: {part}"
            )));
        }
    }
    // The changed resource last, so the clash names the one that was there.
    let mut ordered: Vec<&Resource> = kids.iter().map(|k| &doc.resources[k]).collect();
    ordered.sort_by_key(|r| Some(r.id.as_str()) == changed);
    let mut names = BTreeSet::new();
    let mut variable: Option<&str> = None;
    for r in ordered {
        let part = r.path_part.as_deref().ok_or_else(|| {
            ApiError::bad_request(format!("Resource {} must have a path part", r.id))
        })?;
        let kind = path_part_kind(part)?;
        if !names.insert(part) {
            return Err(ApiError::conflict(format!(
                "Another resource with the same parent already has this name: {part}"
            )));
        }
        if kind != PartKind::Literal {
            if let Some(other) = variable {
                return Err(ApiError::bad_request(format!(
                    "A sibling ({other}) of this resource already has a variable path part -- only one is allowed"
                )));
            }
            variable = Some(&r.id);
        }
    }
    Ok(())
}

/// The ids of `id` and everything below it.
pub(crate) fn subtree(doc: &ApiDoc, id: &str) -> Vec<String> {
    let mut out = vec![id.to_string()];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i].clone();
        out.extend(
            doc.resources
                .values()
                .filter(|r| r.parent_id.as_deref() == Some(parent.as_str()))
                .map(|r| r.id.clone()),
        );
        i += 1;
    }
    out
}

impl ApiGateway {
    pub async fn create_resource(
        &self,
        api_id: &str,
        parent_id: &str,
        path_part: &str,
    ) -> ApiResult<Resource> {
        path_part_kind(path_part)?;
        let id = self.short_id();
        self.modify_api(api_id, |doc| {
            resource(doc, parent_id)?;
            doc.resources.insert(
                id.clone(),
                Resource {
                    id: id.clone(),
                    parent_id: Some(parent_id.to_string()),
                    path_part: Some(path_part.to_string()),
                    path: String::new(),
                    resource_methods: BTreeMap::new(),
                },
            );
            rebuild_tree(doc, Some(&id))?;
            Ok(doc.resources[&id].clone())
        })
        .await
    }

    pub async fn get_resource(&self, api_id: &str, id: &str) -> ApiResult<Resource> {
        let doc = self.api_doc(api_id).await?;
        resource(&doc, id).cloned()
    }

    /// Resources in id order.
    pub async fn get_resources(
        &self,
        api_id: &str,
        page: &PageRequest,
    ) -> ApiResult<Page<Resource>> {
        let doc = self.api_doc(api_id).await?;
        page_of(doc.resources.into_values(), |r| r.id.clone(), page)
    }

    /// Renames (`/pathPart`) or moves (`/parentId`) a resource; the paths of
    /// its subtree follow.
    pub async fn update_resource(
        &self,
        api_id: &str,
        id: &str,
        ops: &[PatchOperation],
    ) -> ApiResult<Resource> {
        self.modify_api(api_id, |doc| {
            if id == doc.api.root_resource_id {
                resource(doc, id)?;
                return Err(ApiError::bad_request("The root resource cannot be changed"));
            }
            patch::apply(resource_mut(doc, id)?, ops, patch::resource)?;
            rebuild_tree(doc, Some(id))?;
            Ok(doc.resources[id].clone())
        })
        .await
    }

    /// Deletes a resource with everything below it.
    pub async fn delete_resource(&self, api_id: &str, id: &str) -> ApiResult<()> {
        self.modify_api(api_id, |doc| {
            resource(doc, id)?;
            if id == doc.api.root_resource_id {
                return Err(ApiError::bad_request("The root resource cannot be deleted"));
            }
            for gone in subtree(doc, id) {
                doc.resources.remove(&gone);
            }
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parts_are_literals_variables_or_greedy() {
        assert_eq!(path_part_kind("pets").unwrap(), PartKind::Literal);
        assert_eq!(path_part_kind("v1.2_x-y").unwrap(), PartKind::Literal);
        assert_eq!(path_part_kind("{petId}").unwrap(), PartKind::Variable);
        assert_eq!(path_part_kind("{proxy+}").unwrap(), PartKind::Greedy);
        for bad in ["", "a/b", "{}", "{+}", "{a", "a}", "{a b}", "pets?"] {
            assert!(path_part_kind(bad).is_err(), "{bad}");
        }
    }
}
