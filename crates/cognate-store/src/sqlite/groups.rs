//! Groups and group memberships.

use cognate_core::model::{Group, User};
use cognate_core::store::StoreResult;

use super::{from_doc, limit, to_doc, touched, SqliteStore};
use crate::error::map_sqlx;

impl SqliteStore {
    pub(super) async fn insert_group(&self, group: &Group) -> StoreResult<()> {
        sqlx::query("INSERT INTO groups (pool_id, name, created_ms, doc) VALUES (?, ?, ?, ?)")
            .bind(&group.pool_id)
            .bind(&group.name)
            .bind(group.created_ms)
            .bind(to_doc(group)?)
            .execute(&self.writer)
            .await
            .map_err(map_sqlx)?;
        Ok(())
    }

    pub(super) async fn group_by_name(
        &self,
        pool_id: &str,
        name: &str,
    ) -> StoreResult<Option<Group>> {
        let doc: Option<String> =
            sqlx::query_scalar("SELECT doc FROM groups WHERE pool_id = ? AND name = ?")
                .bind(pool_id)
                .bind(name)
                .fetch_optional(&self.reader)
                .await
                .map_err(map_sqlx)?;
        doc.as_deref().map(from_doc).transpose()
    }

    pub(super) async fn group_page(
        &self,
        pool_id: &str,
        after: Option<&str>,
        n: u32,
    ) -> StoreResult<Vec<Group>> {
        let sql = match after {
            None => {
                "SELECT doc FROM groups WHERE pool_id = ?1 AND ?2 IS NULL
                     ORDER BY name LIMIT ?3"
            }
            Some(_) => {
                "SELECT doc FROM groups WHERE pool_id = ?1 AND name > ?2
                        ORDER BY name LIMIT ?3"
            }
        };
        let docs: Vec<String> = sqlx::query_scalar(sql)
            .bind(pool_id)
            .bind(after)
            .bind(limit(n))
            .fetch_all(&self.reader)
            .await
            .map_err(map_sqlx)?;
        docs.iter().map(|d| from_doc(d)).collect()
    }

    pub(super) async fn replace_group(&self, group: &Group) -> StoreResult<()> {
        let done = sqlx::query("UPDATE groups SET doc = ? WHERE pool_id = ? AND name = ?")
            .bind(to_doc(group)?)
            .bind(&group.pool_id)
            .bind(&group.name)
            .execute(&self.writer)
            .await
            .map_err(map_sqlx)?;
        touched(done)
    }

    /// Memberships go with the group (ON DELETE CASCADE).
    pub(super) async fn remove_group(&self, pool_id: &str, name: &str) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM groups WHERE pool_id = ? AND name = ?")
            .bind(pool_id)
            .bind(name)
            .execute(&self.writer)
            .await
            .map_err(map_sqlx)?;
        touched(done)
    }

    /// Idempotent. `NotFound` when the group or the user does not exist.
    pub(super) async fn add_member(
        &self,
        pool_id: &str,
        group: &str,
        sub: &str,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO group_members (pool_id, group_name, sub) VALUES (?, ?, ?)
             ON CONFLICT DO NOTHING",
        )
        .bind(pool_id)
        .bind(group)
        .bind(sub)
        .execute(&self.writer)
        .await
        .map_err(map_sqlx)?;
        Ok(())
    }

    /// Idempotent.
    pub(super) async fn remove_member(
        &self,
        pool_id: &str,
        group: &str,
        sub: &str,
    ) -> StoreResult<()> {
        sqlx::query("DELETE FROM group_members WHERE pool_id = ? AND group_name = ? AND sub = ?")
            .bind(pool_id)
            .bind(group)
            .bind(sub)
            .execute(&self.writer)
            .await
            .map_err(map_sqlx)?;
        Ok(())
    }

    pub(super) async fn groups_of(&self, pool_id: &str, sub: &str) -> StoreResult<Vec<Group>> {
        let docs: Vec<String> = sqlx::query_scalar(
            "SELECT g.doc FROM group_members AS m
             JOIN groups AS g ON g.pool_id = m.pool_id AND g.name = m.group_name
             WHERE m.pool_id = ? AND m.sub = ?
             ORDER BY g.name",
        )
        .bind(pool_id)
        .bind(sub)
        .fetch_all(&self.reader)
        .await
        .map_err(map_sqlx)?;
        docs.iter().map(|d| from_doc(d)).collect()
    }

    pub(super) async fn member_page(
        &self,
        pool_id: &str,
        group: &str,
        after: Option<&str>,
        n: u32,
    ) -> StoreResult<Vec<User>> {
        let sql = match after {
            None => {
                "SELECT u.doc FROM group_members AS m
                 JOIN users AS u ON u.pool_id = m.pool_id AND u.sub = m.sub
                 WHERE m.pool_id = ?1 AND m.group_name = ?2 AND ?3 IS NULL
                 ORDER BY u.username_key LIMIT ?4"
            }
            Some(_) => {
                "SELECT u.doc FROM group_members AS m
                 JOIN users AS u ON u.pool_id = m.pool_id AND u.sub = m.sub
                 WHERE m.pool_id = ?1 AND m.group_name = ?2 AND u.username_key > ?3
                 ORDER BY u.username_key LIMIT ?4"
            }
        };
        let docs: Vec<String> = sqlx::query_scalar(sql)
            .bind(pool_id)
            .bind(group)
            .bind(after)
            .bind(limit(n))
            .fetch_all(&self.reader)
            .await
            .map_err(map_sqlx)?;
        docs.iter().map(|d| from_doc(d)).collect()
    }
}
