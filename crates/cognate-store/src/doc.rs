//! Helpers both backends share: records are stored as JSON documents, pages
//! are bounded by a LIMIT, and an update or delete that touched no row is
//! `NotFound`.

use cognate_core::store::{StoreError, StoreResult};
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
