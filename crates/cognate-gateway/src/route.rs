//! The route phase: finds the method a request path and HTTP method select.
//!
//! A stage's resources are compiled into a tree of path segments. At each
//! level a literal child (`pets`) is tried first, then the `{param}` child,
//! then the greedy `{proxy+}` child, which takes one or more remaining
//! segments; when a branch leads nowhere (no such path, or no method for the
//! request there) the next one is tried, as API Gateway does. At the node
//! reached, the request's method is looked up exactly, then `ANY`. Segments
//! are percent-decoded before they are compared or captured; a trailing
//! slash is ignored (`/pets/` is `/pets`).

use std::borrow::Cow;

/// A path template that cannot be served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    #[error("path {0} has an empty segment")]
    EmptySegment(String),
    #[error("path {0}: a greedy {{proxy+}} segment must be the last")]
    GreedyNotLast(String),
    #[error("path {path}: {{{name}}} conflicts with sibling {{{existing}}}")]
    ParamConflict {
        path: String,
        name: String,
        existing: String,
    },
    #[error("{method} {path} is defined twice")]
    Duplicate { path: String, method: String },
}

/// The methods defined on one resource.
#[derive(Debug)]
struct Methods<T> {
    exact: Vec<(Box<str>, T)>,
    any: Option<T>,
}

impl<T> Default for Methods<T> {
    fn default() -> Self {
        Methods {
            exact: Vec::new(),
            any: None,
        }
    }
}

impl<T> Methods<T> {
    fn get(&self, method: &str) -> Option<&T> {
        self.exact
            .iter()
            .find(|(m, _)| &**m == method)
            .map(|(_, v)| v)
            .or(self.any.as_ref())
    }

    fn insert(&mut self, path: &str, method: &str, value: T) -> Result<(), RouteError> {
        let duplicate = || RouteError::Duplicate {
            path: path.to_string(),
            method: method.to_string(),
        };
        if method == "ANY" {
            if self.any.is_some() {
                return Err(duplicate());
            }
            self.any = Some(value);
        } else {
            if self.exact.iter().any(|(m, _)| &**m == method) {
                return Err(duplicate());
            }
            self.exact.push((method.into(), value));
        }
        Ok(())
    }
}

#[derive(Debug)]
struct Node<T> {
    literals: foldhash::HashMap<Box<str>, Node<T>>,
    param: Option<(Box<str>, Box<Node<T>>)>,
    greedy: Option<(Box<str>, Methods<T>)>,
    methods: Methods<T>,
}

impl<T> Default for Node<T> {
    fn default() -> Self {
        Node {
            literals: Default::default(),
            param: None,
            greedy: None,
            methods: Methods::default(),
        }
    }
}

/// One segment of a resource path template.
enum Part<'a> {
    Literal(&'a str),
    Param(&'a str),
    Greedy(&'a str),
}

fn parse_part(segment: &str) -> Part<'_> {
    match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
        Some(inner) => match inner.strip_suffix('+') {
            Some(name) => Part::Greedy(name),
            None => Part::Param(inner),
        },
        None => Part::Literal(segment),
    }
}

/// A compiled resource tree whose methods carry a `T`.
#[derive(Debug)]
pub struct RouteTree<T> {
    root: Node<T>,
}

impl<T> Default for RouteTree<T> {
    fn default() -> Self {
        RouteTree {
            root: Node::default(),
        }
    }
}

/// The result of a successful lookup.
#[derive(Debug, PartialEq, Eq)]
pub struct Found<'t, T> {
    pub value: &'t T,
    /// Path parameters by template name, decoded (`petId`, `proxy`).
    pub params: Vec<(String, String)>,
}

/// Where a captured parameter's value lies in the request's segments.
#[derive(Clone, Copy)]
enum Capture<'t> {
    One(&'t str, usize),
    Rest(&'t str, usize),
}

impl<T> RouteTree<T> {
    /// Adds `method` on the resource `path` (`/`, `/pets/{petId}`, `/{proxy+}`).
    pub fn insert(&mut self, path: &str, method: &str, value: T) -> Result<(), RouteError> {
        let trimmed = path.strip_prefix('/').unwrap_or(path);
        let segments: Vec<&str> = if trimmed.is_empty() {
            Vec::new()
        } else {
            trimmed.split('/').collect()
        };
        if segments.iter().any(|s| s.is_empty()) {
            return Err(RouteError::EmptySegment(path.to_string()));
        }
        let mut node = &mut self.root;
        for (i, segment) in segments.iter().enumerate() {
            match parse_part(segment) {
                Part::Literal(lit) => {
                    node = node.literals.entry(lit.into()).or_default();
                }
                Part::Param(name) => {
                    let slot = node
                        .param
                        .get_or_insert_with(|| (name.into(), Box::default()));
                    if &*slot.0 != name {
                        return Err(RouteError::ParamConflict {
                            path: path.to_string(),
                            name: name.to_string(),
                            existing: slot.0.to_string(),
                        });
                    }
                    node = &mut slot.1;
                }
                Part::Greedy(name) => {
                    if i + 1 != segments.len() {
                        return Err(RouteError::GreedyNotLast(path.to_string()));
                    }
                    let slot = node
                        .greedy
                        .get_or_insert_with(|| (name.into(), Methods::default()));
                    if &*slot.0 != name {
                        return Err(RouteError::ParamConflict {
                            path: path.to_string(),
                            name: name.to_string(),
                            existing: slot.0.to_string(),
                        });
                    }
                    return slot.1.insert(path, method, value);
                }
            }
        }
        node.methods.insert(path, method, value)
    }

    /// The method for a request `path` (as sent, percent-encoded, starting
    /// with `/`; the stage already removed) and HTTP `method`.
    pub fn find(&self, path: &str, method: &str) -> Option<Found<'_, T>> {
        let trimmed = path.strip_prefix('/').unwrap_or(path);
        let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
        let segments: Vec<Cow<'_, str>> = if trimmed.is_empty() {
            Vec::new()
        } else {
            trimmed.split('/').map(decode).collect()
        };
        let mut captures = Vec::new();
        let value = walk(&self.root, &segments, 0, method, &mut captures)?;
        let params = captures
            .into_iter()
            .map(|c| match c {
                Capture::One(name, i) => (name.to_string(), segments[i].to_string()),
                Capture::Rest(name, i) => (name.to_string(), segments[i..].join("/")),
            })
            .collect();
        Some(Found { value, params })
    }
}

fn walk<'t, T>(
    node: &'t Node<T>,
    segments: &[Cow<'_, str>],
    i: usize,
    method: &str,
    captures: &mut Vec<Capture<'t>>,
) -> Option<&'t T> {
    let Some(segment) = segments.get(i) else {
        return node.methods.get(method);
    };
    if let Some(child) = node.literals.get(segment.as_ref()) {
        if let Some(found) = walk(child, segments, i + 1, method, captures) {
            return Some(found);
        }
    }
    if let Some((name, child)) = &node.param {
        if !segment.is_empty() {
            captures.push(Capture::One(name, i));
            if let Some(found) = walk(child, segments, i + 1, method, captures) {
                return Some(found);
            }
            captures.pop();
        }
    }
    if let Some((name, methods)) = &node.greedy {
        if let Some(found) = methods.get(method) {
            captures.push(Capture::Rest(name, i));
            return Some(found);
        }
    }
    None
}

/// Percent-decodes one path segment (invalid UTF-8 is replaced). Most
/// segments have nothing to decode and are borrowed as they are.
fn decode(segment: &str) -> Cow<'_, str> {
    if !segment.as_bytes().contains(&b'%') {
        return Cow::Borrowed(segment);
    }
    percent_encoding::percent_decode_str(segment).decode_utf8_lossy()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(routes: &[(&str, &str, &'static str)]) -> RouteTree<&'static str> {
        let mut t = RouteTree::default();
        for (path, method, name) in routes {
            t.insert(path, method, *name).unwrap();
        }
        t
    }

    fn find(
        t: &RouteTree<&'static str>,
        path: &str,
        method: &str,
    ) -> Option<(String, Vec<(String, String)>)> {
        t.find(path, method)
            .map(|f| (f.value.to_string(), f.params))
    }

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn literal_beats_param_beats_greedy() {
        let t = tree(&[
            ("/pets/mine", "GET", "literal"),
            ("/pets/{petId}", "GET", "param"),
            ("/pets/{proxy+}", "GET", "greedy"),
        ]);
        assert_eq!(
            find(&t, "/pets/mine", "GET"),
            Some(("literal".into(), vec![]))
        );
        assert_eq!(
            find(&t, "/pets/7", "GET"),
            Some(("param".into(), p(&[("petId", "7")])))
        );
        assert_eq!(
            find(&t, "/pets/7/toys/1", "GET"),
            Some(("greedy".into(), p(&[("proxy", "7/toys/1")])))
        );
    }

    #[test]
    fn backtracks_when_the_literal_branch_has_no_match() {
        let t = tree(&[
            ("/pets/mine/toys", "GET", "toys"),
            ("/pets/{petId}/owner", "GET", "owner"),
            ("/{proxy+}", "ANY", "catch-all"),
        ]);
        assert_eq!(
            find(&t, "/pets/mine/owner", "GET"),
            Some(("owner".into(), p(&[("petId", "mine")])))
        );
        // The method is not defined on the literal resource: the greedy one answers.
        assert_eq!(
            find(&t, "/pets/mine/toys", "DELETE"),
            Some(("catch-all".into(), p(&[("proxy", "pets/mine/toys")])))
        );
    }

    #[test]
    fn exact_method_beats_any_and_unknown_methods_route_to_any() {
        let t = tree(&[
            ("/pets", "GET", "get"),
            ("/pets", "ANY", "any"),
            ("/buy", "PURCHASE", "buy"),
        ]);
        assert_eq!(find(&t, "/pets", "GET").unwrap().0, "get");
        assert_eq!(find(&t, "/pets", "PURCHASE").unwrap().0, "any");
        assert_eq!(find(&t, "/buy", "PURCHASE").unwrap().0, "buy");
        assert_eq!(find(&t, "/buy", "GET"), None);
    }

    #[test]
    fn greedy_needs_at_least_one_segment_and_root_is_its_own_resource() {
        let t = tree(&[("/{proxy+}", "ANY", "greedy")]);
        assert_eq!(find(&t, "/", "GET"), None);
        let t = tree(&[("/", "GET", "root"), ("/{proxy+}", "ANY", "greedy")]);
        assert_eq!(find(&t, "/", "GET").unwrap().0, "root");
        assert_eq!(find(&t, "", "GET").unwrap().0, "root");
        assert_eq!(find(&t, "/a", "GET").unwrap().0, "greedy");
    }

    #[test]
    fn trailing_slash_is_ignored_and_params_are_decoded() {
        let t = tree(&[("/pets", "GET", "list"), ("/pets/{petId}", "GET", "one")]);
        assert_eq!(find(&t, "/pets/", "GET").unwrap().0, "list");
        assert_eq!(
            find(&t, "/pets/a%20b%2Fc", "GET"),
            Some(("one".into(), p(&[("petId", "a b/c")])))
        );
        assert_eq!(find(&t, "/p%65ts", "GET").unwrap().0, "list");
        assert_eq!(find(&t, "/pets//", "GET"), None);
    }

    #[test]
    fn bad_templates_are_rejected() {
        let mut t = RouteTree::default();
        assert!(matches!(
            t.insert("/{proxy+}/x", "GET", ()),
            Err(RouteError::GreedyNotLast(_))
        ));
        t.insert("/pets/{id}", "GET", ()).unwrap();
        assert!(matches!(
            t.insert("/pets/{petId}", "PUT", ()),
            Err(RouteError::ParamConflict { .. })
        ));
        assert!(matches!(
            t.insert("/pets/{id}", "GET", ()),
            Err(RouteError::Duplicate { .. })
        ));
        assert!(matches!(
            t.insert("/a//b", "GET", ()),
            Err(RouteError::EmptySegment(_))
        ));
    }
}
