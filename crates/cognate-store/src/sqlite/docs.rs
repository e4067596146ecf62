//! The document store: JSON documents keyed by `(kind, id)`, written in
//! version-checked batches.
//!
//! A batch is one `BEGIN IMMEDIATE` transaction on the writer connection, so
//! batches from this process run one after another and a batch from another
//! process waits for the file's write lock: every expectation is checked
//! against the state no other writer can change before the commit.

use cognate_core::store::{Doc, DocWrite, Expect, StoreResult};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::{limit, SqliteStore};
use crate::doc::{doc_conflict, prefix_upper_bound};
use crate::error::map_sqlx;

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

impl SqliteStore {
    pub(super) async fn doc_by_key(&self, kind: &str, id: &str) -> StoreResult<Option<Doc>> {
        let row: Option<DocRow> =
            sqlx::query_as("SELECT kind, id, body, version FROM docs WHERE kind = ? AND id = ?")
                .bind(kind)
                .bind(id)
                .fetch_optional(&self.reader)
                .await
                .map_err(map_sqlx)?;
        Ok(row.map(to_doc))
    }

    pub(super) async fn doc_page(
        &self,
        kind: &str,
        prefix: &str,
        after: Option<&str>,
        n: u32,
    ) -> StoreResult<Vec<Doc>> {
        let bound = prefix_upper_bound(prefix);
        let rows: Vec<DocRow> = page_query(SELECT_DOCS, kind, prefix, bound.as_deref(), after, n)
            .build_query_as()
            .fetch_all(&self.reader)
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
        let mut tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(map_sqlx)?;
        for write in writes {
            if !apply_doc_write(&mut tx, write).await? {
                tx.rollback().await.map_err(map_sqlx)?;
                return Err(doc_conflict(write));
            }
        }
        sqlx::query("UPDATE docs_generation SET value = value + 1")
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        tx.commit().await.map_err(map_sqlx)
    }

    pub(super) async fn doc_generation(&self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT value FROM docs_generation")
            .fetch_one(&self.reader)
            .await
            .map_err(map_sqlx)
    }
}

/// The columns of a [`DocRow`].
const SELECT_DOCS: &str = "SELECT kind, id, body, version FROM docs";

/// `select` (the SELECT of [`SELECT_DOCS`], or an EXPLAIN of it) over one page
/// of `kind`. The prefix is the key range `prefix <= id < bound` rather than
/// LIKE: the primary key seeks it, and every character of the prefix is
/// literal.
fn page_query<'a>(
    select: &str,
    kind: &'a str,
    prefix: &'a str,
    bound: Option<&'a str>,
    after: Option<&'a str>,
    n: u32,
) -> QueryBuilder<'a, Sqlite> {
    let mut sql = QueryBuilder::new(select);
    sql.push(" WHERE kind = ").push_bind(kind);
    sql.push(" AND id >= ").push_bind(prefix);
    if let Some(bound) = bound {
        sql.push(" AND id < ").push_bind(bound);
    }
    if let Some(after) = after {
        sql.push(" AND id > ").push_bind(after);
    }
    sql.push(" ORDER BY id LIMIT ").push_bind(limit(n));
    sql
}

/// Applies one write inside the batch's transaction; false when its
/// expectation does not hold (and then it has changed nothing).
async fn apply_doc_write(conn: &mut SqliteConnection, write: &DocWrite) -> StoreResult<bool> {
    let changed = match write {
        DocWrite::Put {
            kind,
            id,
            body,
            expect: Expect::Any,
        } => sqlx::query(
            "INSERT INTO docs (kind, id, body, version) VALUES (?1, ?2, ?3, 1)
             ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body, version = version + 1",
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
            "INSERT INTO docs (kind, id, body, version) VALUES (?1, ?2, ?3, 1)
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
            "UPDATE docs SET body = ?3, version = version + 1
             WHERE kind = ?1 AND id = ?2 AND version = ?4",
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
            sqlx::query("DELETE FROM docs WHERE kind = ? AND id = ?")
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
            let present: Option<i64> =
                sqlx::query_scalar("SELECT 1 FROM docs WHERE kind = ? AND id = ?")
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
        } => sqlx::query("DELETE FROM docs WHERE kind = ? AND id = ? AND version = ?")
            .bind(kind)
            .bind(id)
            .bind(version),
    };
    let done = changed.execute(&mut *conn).await.map_err(map_sqlx)?;
    Ok(done.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn prefix_pages_seek_the_primary_key() {
        let store = SqliteStore::open_in_memory().await.unwrap();
        let select = format!("EXPLAIN QUERY PLAN {SELECT_DOCS}");
        for after in [None, Some("api1/s1")] {
            let rows: Vec<(i64, i64, i64, String)> =
                page_query(&select, "stage", "api1/", Some("api10"), after, 10)
                    .build_query_as()
                    .fetch_all(&store.reader)
                    .await
                    .unwrap();
            let plan: Vec<String> = rows.into_iter().map(|r| r.3).collect();
            assert!(
                plan.iter()
                    .any(|d| d.contains("PRIMARY KEY") && d.contains("id>")),
                "{plan:?}"
            );
            assert!(!plan.iter().any(|d| d.contains("TEMP B-TREE")), "{plan:?}");
        }
    }
}
