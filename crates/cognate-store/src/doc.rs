//! Helpers both backends share: records are stored as JSON documents, pages
//! are bounded by a LIMIT, an update or delete that touched no row is
//! `NotFound`, and the document store names its conflicts and bounds its
//! prefix ranges the same way everywhere.

use cognate_core::store::{DocWrite, StoreError, StoreResult};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::backend;

pub(crate) fn to_doc<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| backend(format!("encoding record: {e}")))
}

pub(crate) fn from_doc<T: DeserializeOwned>(doc: &str) -> StoreResult<T> {
    serde_json::from_str(doc).map_err(|e| backend(format!("decoding stored record: {e}")))
}

pub(crate) fn from_docs<T: DeserializeOwned>(docs: &[String]) -> StoreResult<Vec<T>> {
    docs.iter().map(|d| from_doc(d)).collect()
}

/// `NotFound` unless a write touched at least one row.
pub(crate) fn touched_rows(rows_affected: u64) -> StoreResult<()> {
    if rows_affected == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// The page size as a LIMIT takes it.
pub(crate) fn limit(n: u32) -> i64 {
    i64::from(n)
}

/// The key a document write touches.
pub(crate) fn write_key(write: &DocWrite) -> (&str, &str) {
    match write {
        DocWrite::Put { kind, id, .. } | DocWrite::Delete { kind, id, .. } => (kind, id),
    }
}

/// The error of a write whose expectation did not hold: `Conflict("{kind}/{id}")`.
pub(crate) fn doc_conflict(write: &DocWrite) -> StoreError {
    let (kind, id) = write_key(write);
    StoreError::Conflict(format!("{kind}/{id}"))
}

/// The least string greater than every string that starts with `prefix`, in
/// byte order of UTF-8 (which is code point order), or `None` when there is
/// none (an empty prefix, or one made only of U+10FFFF). Ids starting with
/// `prefix` are exactly those in `prefix <= id < bound`: a key range an index
/// can seek, in which `%`, `_` and `\` are plain characters.
pub(crate) fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        // The next scalar value; the surrogates are not characters.
        let next = match last {
            '\u{D7FF}' => Some('\u{E000}'),
            c => char::from_u32(u32::from(c) + 1),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::prefix_upper_bound;

    #[test]
    fn prefix_upper_bound_increments_the_last_character() {
        assert_eq!(prefix_upper_bound("abc").as_deref(), Some("abd"));
        assert_eq!(prefix_upper_bound("a/").as_deref(), Some("a0"));
        assert_eq!(prefix_upper_bound("a%").as_deref(), Some("a&"));
        assert_eq!(prefix_upper_bound("\u{D7FF}").as_deref(), Some("\u{E000}"));
        assert_eq!(prefix_upper_bound("x\u{10FFFF}").as_deref(), Some("y"));
        assert_eq!(prefix_upper_bound(""), None);
        assert_eq!(prefix_upper_bound("\u{10FFFF}\u{10FFFF}"), None);
    }

    #[test]
    fn prefix_upper_bound_bounds_exactly_the_strings_with_the_prefix() {
        let ids = [
            "",
            "a",
            "a/",
            "a/b",
            "a/\u{10FFFF}",
            "a0",
            "a\u{7F}",
            "a\u{80}",
            "a\u{FFFF}",
            "a\u{10FFFF}",
            "b",
            "\u{10FFFF}",
            "\u{10FFFF}a",
        ];
        for prefix in ["a", "a/", "a\u{10FFFF}", "\u{10FFFF}", "b"] {
            let bound = prefix_upper_bound(prefix);
            for id in ids {
                let in_range = id >= prefix && bound.as_deref().is_none_or(|b| id < b);
                assert_eq!(in_range, id.starts_with(prefix), "{prefix:?} {id:?}");
            }
        }
    }
}
