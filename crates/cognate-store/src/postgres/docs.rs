//! The document store: JSON documents keyed by `(kind, id)`, written in
//! version-checked batches.
//!
//! A batch is one transaction that first advances the one-row
//! `docs_generation` counter. That row lock makes batches from every node
//! commit one at a time, in the order of the generations they hand out: no
//! two batches deadlock on documents they touch in different orders, and
//! every expectation is checked against the state the previous batch
//! committed. The writes themselves are conditional all the same (`UPDATE
//! ... WHERE version = n`, `INSERT ... ON CONFLICT DO NOTHING`), so a racing
//! writer that read an older version gets `Conflict`, never a lost update.
//!
//! PostgreSQL text cannot hold U+0000. No stored key contains it, so a look-up
//! by such a key finds nothing, and a write of one fails before it starts.

use cognate_core::store::{Doc, DocWrite, Expect, StoreResult};
use sqlx::{PgConnection, Postgres, QueryBuilder};

use super::{limit, PgStore};
use crate::doc::{doc_conflict, prefix_upper_bound, write_key};
use crate::error::{backend, map_sqlx};

/// A `docs` row as the queries select it.
type DocRow = (String, String, String, i64);

fn to_doc((kind, id, body, version): DocRow) -> Doc {
    Doc {
        kind,
        id,
        body,
        version,
    }
}

const NUL: char = '\0';

/// Ids that sort after `after`, among ids without U+0000, are those that sort
/// after its part before the first U+0000 (the shorter string sorts first, and
/// any longer one with that start has a greater character where `after` has
/// U+0000).
fn storable_after(after: &str) -> &str {
    after.split(NUL).next().unwrap_or_default()
}

impl PgStore {
    pub(super) async fn doc_by_key(&self, kind: &str, id: &str) -> StoreResult<Option<Doc>> {
        if kind.contains(NUL) || id.contains(NUL) {
            return Ok(None);
        }
        let row: Option<DocRow> =
            sqlx::query_as("SELECT kind, id, body, version FROM docs WHERE kind = $1 AND id = $2")
                .bind(kind)
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_sqlx)?;
        Ok(row.map(to_doc))
    }

    /// `prefix <= id < bound` rather than LIKE: an index range in which every
    /// character of the prefix is literal.
    pub(super) async fn doc_page(
        &self,
        kind: &str,
        prefix: &str,
        after: Option<&str>,
        n: u32,
    ) -> StoreResult<Vec<Doc>> {
        if kind.contains(NUL) || prefix.contains(NUL) {
            return Ok(Vec::new());
        }
        let bound = prefix_upper_bound(prefix);
        let mut sql =
            QueryBuilder::<Postgres>::new("SELECT kind, id, body, version FROM docs WHERE kind = ");
        sql.push_bind(kind).push(" AND id >= ").push_bind(prefix);
        if let Some(bound) = &bound {
            sql.push(" AND id < ").push_bind(bound);
        }
        if let Some(after) = after {
            sql.push(" AND id > ").push_bind(storable_after(after));
        }
        sql.push(" ORDER BY id LIMIT ").push_bind(limit(n));
        let rows: Vec<DocRow> = sql
            .build_query_as()
            .fetch_all(&self.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(rows.into_iter().map(to_doc).collect())
    }

    /// All or nothing: the first write whose expectation fails rolls the
    /// batch back. An empty batch changes nothing, the generation included.
    pub(super) async fn apply_doc_writes(&self, writes: &[DocWrite]) -> StoreResult<()> {
        if writes.is_empty() {
            return Ok(());
        }
        check_storable(writes)?;
        let mut tx = self.pool.begin().await.map_err(map_sqlx)?;
        sqlx::query("UPDATE docs_generation SET value = value + 1")
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        for write in writes {
            if !apply_doc_write(&mut tx, write).await? {
                tx.rollback().await.map_err(map_sqlx)?;
                return Err(doc_conflict(write));
            }
        }
        tx.commit().await.map_err(map_sqlx)
    }

    pub(super) async fn doc_generation(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT value FROM docs_generation")
            .fetch_one(&self.pool)
            .await
            .map_err(map_sqlx)
    }
}

/// A write PostgreSQL would refuse half-way through the batch is refused
/// before it starts, naming the key.
fn check_storable(writes: &[DocWrite]) -> StoreResult<()> {
    for write in writes {
        let (kind, id) = write_key(write);
        let body_has_nul = matches!(write, DocWrite::Put { body, .. } if body.contains(NUL));
        if kind.contains(NUL) || id.contains(NUL) || body_has_nul {
            return Err(backend(format!(
                "document {kind:?}/{id:?}: PostgreSQL text cannot hold U+0000"
            )));
        }
    }
    Ok(())
}

/// Applies one write inside the batch's transaction; false when its
/// expectation does not hold (and then it has changed nothing).
async fn apply_doc_write(conn: &mut PgConnection, write: &DocWrite) -> StoreResult<bool> {
    let changed = match write {
        DocWrite::Put {
            kind,
            id,
            body,
            expect: Expect::Any,
        } => sqlx::query(
            "INSERT INTO docs (kind, id, body, version) VALUES ($1, $2, $3, 1)
             ON CONFLICT (kind, id)
             DO UPDATE SET body = excluded.body, version = docs.version + 1",
        )
        .bind(kind)
        .bind(id)
        .bind(body),
        DocWrite::Put {
            kind,
            id,
            body,
            expect: Expect::Absent,
        } => sqlx::query(
            "INSERT INTO docs (kind, id, body, version) VALUES ($1, $2, $3, 1)
             ON CONFLICT (kind, id) DO NOTHING",
        )
        .bind(kind)
        .bind(id)
        .bind(body),
        DocWrite::Put {
            kind,
            id,
            body,
            expect: Expect::Version(version),
        } => sqlx::query(
            "UPDATE docs SET body = $3, version = version + 1
             WHERE kind = $1 AND id = $2 AND version = $4",
        )
        .bind(kind)
        .bind(id)
        .bind(body)
        .bind(version),
        DocWrite::Delete {
            kind,
            id,
            expect: Expect::Any,
        } => {
            sqlx::query("DELETE FROM docs WHERE kind = $1 AND id = $2")
                .bind(kind)
                .bind(id)
                .execute(&mut *conn)
                .await
                .map_err(map_sqlx)?;
            return Ok(true);
        }
        DocWrite::Delete {
            kind,
            id,
            expect: Expect::Absent,
        } => {
            let present: Option<i32> =
                sqlx::query_scalar("SELECT 1 FROM docs WHERE kind = $1 AND id = $2")
                    .bind(kind)
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(map_sqlx)?;
            return Ok(present.is_none());
        }
        DocWrite::Delete {
            kind,
            id,
            expect: Expect::Version(version),
        } => sqlx::query("DELETE FROM docs WHERE kind = $1 AND id = $2 AND version = $3")
            .bind(kind)
            .bind(id)
            .bind(version),
    };
    let done = changed.execute(&mut *conn).await.map_err(map_sqlx)?;
    Ok(done.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::storable_after;

    #[test]
    fn after_with_a_nul_compares_as_its_part_before_the_nul() {
        assert_eq!(storable_after("a\0b"), "a");
        assert_eq!(storable_after("\0"), "");
        assert_eq!(storable_after("abc"), "abc");
        // Every NUL-free id sorts after "a\0b" exactly when it sorts after "a".
        for id in ["", "a", "a\u{1}", "aa", "b", "A"] {
            assert_eq!(id > "a\0b", id > "a", "{id:?}");
        }
    }
}
