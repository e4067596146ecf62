//! A `DocStore` in memory: a map under a mutex, honouring the port's
//! contract (versions from 1, `Expect` checked for the whole batch before
//! anything is written, bytewise id order, a generation per batch).

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;
use cognate_core::store::{Doc, DocStore, DocWrite, Expect, StoreError, StoreResult};

#[derive(Default)]
pub struct MemStore {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    docs: BTreeMap<(String, String), (String, i64)>,
    generation: i64,
}

fn check(current: Option<i64>, expect: Expect, kind: &str, id: &str) -> StoreResult<()> {
    let ok = match expect {
        Expect::Any => true,
        Expect::Absent => current.is_none(),
        Expect::Version(v) => current == Some(v),
    };
    if ok {
        Ok(())
    } else {
        Err(StoreError::Conflict(format!("{kind}/{id}")))
    }
}

#[async_trait]
impl DocStore for MemStore {
    async fn get_doc(&self, kind: &str, id: &str) -> StoreResult<Option<Doc>> {
        let inner = self.inner.lock().unwrap();
        Ok(inner
            .docs
            .get(&(kind.to_string(), id.to_string()))
            .map(|(body, version)| Doc {
                kind: kind.to_string(),
                id: id.to_string(),
                body: body.clone(),
                version: *version,
            }))
    }

    async fn list_docs(
        &self,
        kind: &str,
        prefix: &str,
        after: Option<&str>,
        limit: u32,
    ) -> StoreResult<Vec<Doc>> {
        let inner = self.inner.lock().unwrap();
        Ok(inner
            .docs
            .iter()
            .filter(|((k, id), _)| {
                k == kind && id.starts_with(prefix) && after.is_none_or(|a| id.as_str() > a)
            })
            .take(limit as usize)
            .map(|((k, id), (body, version))| Doc {
                kind: k.clone(),
                id: id.clone(),
                body: body.clone(),
                version: *version,
            })
            .collect())
    }

    async fn write_docs(&self, writes: &[DocWrite]) -> StoreResult<()> {
        let mut inner = self.inner.lock().unwrap();
        // Check every expectation against the state as the batch goes.
        let mut staged = inner.docs.clone();
        for w in writes {
            match w {
                DocWrite::Put {
                    kind,
                    id,
                    body,
                    expect,
                } => {
                    let key = (kind.clone(), id.clone());
                    let current = staged.get(&key).map(|(_, v)| *v);
                    check(current, *expect, kind, id)?;
                    staged.insert(key, (body.clone(), current.unwrap_or(0) + 1));
                }
                DocWrite::Delete { kind, id, expect } => {
                    let key = (kind.clone(), id.clone());
                    let current = staged.get(&key).map(|(_, v)| *v);
                    check(current, *expect, kind, id)?;
                    staged.remove(&key);
                }
            }
        }
        inner.docs = staged;
        inner.generation += 1;
        Ok(())
    }

    async fn docs_generation(&self) -> StoreResult<i64> {
        Ok(self.inner.lock().unwrap().generation)
    }
}
