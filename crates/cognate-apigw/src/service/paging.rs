//! `limit` / `position` paging of list operations. A position is the key of
//! the last item of the page handed out; the next page starts after it.

use cognate_core::store::Doc;
use serde::de::DeserializeOwned;

use super::{decode, ApiGateway};
use crate::{ApiError, ApiResult};

/// Items per page when the client names no limit.
pub const DEFAULT_LIMIT: usize = 25;
/// The largest page a client may ask for.
pub const MAX_LIMIT: usize = 500;

/// The paging part of a list request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: Option<i64>,
    pub position: Option<String>,
}

/// One page of a list, with the position of the next one when there is more.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub position: Option<String>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            position: self.position,
        }
    }
}

impl PageRequest {
    /// The page size: 25 by default, 1..=500.
    pub fn limit(&self) -> ApiResult<usize> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT as i64).contains(&n) => Ok(n as usize),
            Some(n) => Err(ApiError::bad_request(format!(
                "Invalid limit {n}: must be between 1 and {MAX_LIMIT}"
            ))),
        }
    }
}

/// A page of `items` (already in key order).
pub fn page_of<T>(
    items: impl IntoIterator<Item = T>,
    key: impl Fn(&T) -> String,
    req: &PageRequest,
) -> ApiResult<Page<T>> {
    let limit = req.limit()?;
    let mut rest = items
        .into_iter()
        .filter(|item| match &req.position {
            Some(p) => key(item).as_str() > p.as_str(),
            None => true,
        })
        .peekable();
    let items: Vec<T> = rest.by_ref().take(limit).collect();
    let position = match (rest.peek(), items.last()) {
        (Some(_), Some(last)) => Some(key(last)),
        _ => None,
    };
    Ok(Page { items, position })
}

impl ApiGateway {
    /// A page of the documents of `kind` under `prefix`, read from the store
    /// a page at a time. Positions are ids without the prefix.
    pub(crate) async fn page_docs<T: DeserializeOwned>(
        &self,
        kind: &str,
        prefix: &str,
        req: &PageRequest,
    ) -> ApiResult<Page<T>> {
        let limit = req.limit()?;
        let after = req.position.as_ref().map(|p| format!("{prefix}{p}"));
        let docs: Vec<Doc> = self
            .store
            .list_docs(kind, prefix, after.as_deref(), limit as u32 + 1)
            .await?;
        let more = docs.len() > limit;
        let mut items = Vec::with_capacity(limit);
        let mut last = None;
        for doc in docs.into_iter().take(limit) {
            items.push(decode(kind, &doc.id, &doc.body)?);
            last = Some(doc.id);
        }
        let position = match (more, last) {
            (true, Some(id)) => Some(id.strip_prefix(prefix).unwrap_or(&id).to_string()),
            _ => None,
        };
        Ok(Page { items, position })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(limit: Option<i64>, position: Option<&str>) -> PageRequest {
        PageRequest {
            limit,
            position: position.map(String::from),
        }
    }

    #[test]
    fn pages_walk_the_items_in_order() {
        let items = ["a", "b", "c", "d", "e"];
        let key = |s: &&str| s.to_string();
        let p1 = page_of(items, key, &req(Some(2), None)).unwrap();
        assert_eq!(p1.items, vec!["a", "b"]);
        assert_eq!(p1.position.as_deref(), Some("b"));
        let p2 = page_of(items, key, &req(Some(2), Some("b"))).unwrap();
        assert_eq!(p2.items, vec!["c", "d"]);
        let p3 = page_of(items, key, &req(Some(2), Some("d"))).unwrap();
        assert_eq!(p3.items, vec!["e"]);
        assert_eq!(p3.position, None);
    }

    #[test]
    fn limit_outside_1_to_500_is_rejected() {
        assert!(req(Some(0), None).limit().is_err());
        assert!(req(Some(501), None).limit().is_err());
        assert_eq!(req(None, None).limit().unwrap(), 25);
    }
}
