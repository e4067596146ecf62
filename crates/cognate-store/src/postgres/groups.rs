//! Groups and group memberships.

use cognate_core::model::{Group, User};
use cognate_core::store::StoreResult;

use super::{from_doc, from_docs, limit, to_doc, touched, PgStore};
use crate::error::map_sqlx;

impl PgStore {
    pub(super) async fn insert_group(&self, group: &Group) -> StoreResult<()> {
        sqlx::query("INSERT INTO groups (pool_id, name, created_ms, doc) VALUES ($1, $2, $3, $4)")
            .bind(&group.pool_id)
            .bind(&group.name)
            .bind(group.created_ms)
            .bind(to_doc(group)?)
            .execute(&self.pool)
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
            sqlx::query_scalar("SELECT doc FROM groups WHERE pool_id = $1 AND name = $2")
                .bind(pool_id)
                .bind(name)
                .fetch_optional(&self.pool)
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
        let docs: Vec<String> = match after {
            None => sqlx::query_scalar(
                "SELECT doc FROM groups WHERE pool_id = $1 ORDER BY name LIMIT $2",
            )
            .bind(pool_id)
            .bind(limit(n)),
            Some(after) => sqlx::query_scalar(
                "SELECT doc FROM groups WHERE pool_id = $1 AND name > $2
                 ORDER BY name LIMIT $3",
            )
            .bind(pool_id)
            .bind(after)
            .bind(limit(n)),
        }
        .fetch_all(&self.pool)
        .await
        .map_err(map_sqlx)?;
        from_docs(&docs)
    }

    pub(super) async fn replace_group(&self, group: &Group) -> StoreResult<()> {
        let done = sqlx::query("UPDATE groups SET doc = $1 WHERE pool_id = $2 AND name = $3")
            .bind(to_doc(group)?)
            .bind(&group.pool_id)
            .bind(&group.name)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        touched(done)
    }

    /// Memberships go with the group (ON DELETE CASCADE).
    pub(super) async fn remove_group(&self, pool_id: &str, name: &str) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM groups WHERE pool_id = $1 AND name = $2")
            .bind(pool_id)
            .bind(name)
            .execute(&self.pool)
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
            "INSERT INTO group_members (pool_id, group_name, sub) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(pool_id)
        .bind(group)
        .bind(sub)
        .execute(&self.pool)
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
        sqlx::query(
            "DELETE FROM group_members WHERE pool_id = $1 AND group_name = $2 AND sub = $3",
        )
        .bind(pool_id)
        .bind(group)
        .bind(sub)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        Ok(())
    }

    pub(super) async fn groups_of(&self, pool_id: &str, sub: &str) -> StoreResult<Vec<Group>> {
        let docs: Vec<String> = sqlx::query_scalar(
            "SELECT g.doc FROM group_members AS m
             JOIN groups AS g ON g.pool_id = m.pool_id AND g.name = m.group_name
             WHERE m.pool_id = $1 AND m.sub = $2
             ORDER BY g.name",
        )
        .bind(pool_id)
        .bind(sub)
        .fetch_all(&self.pool)
        .await
        .map_err(map_sqlx)?;
        from_docs(&docs)
    }

    pub(super) async fn member_page(
        &self,
        pool_id: &str,
        group: &str,
        after: Option<&str>,
        n: u32,
    ) -> StoreResult<Vec<User>> {
        let docs: Vec<String> = match after {
            None => sqlx::query_scalar(
                "SELECT u.doc FROM group_members AS m
                 JOIN users AS u ON u.pool_id = m.pool_id AND u.sub = m.sub
                 WHERE m.pool_id = $1 AND m.group_name = $2
                 ORDER BY u.username_key LIMIT $3",
            )
            .bind(pool_id)
            .bind(group)
            .bind(limit(n)),
            Some(after) => sqlx::query_scalar(
                "SELECT u.doc FROM group_members AS m
                 JOIN users AS u ON u.pool_id = m.pool_id AND u.sub = m.sub
                 WHERE m.pool_id = $1 AND m.group_name = $2 AND u.username_key > $3
                 ORDER BY u.username_key LIMIT $4",
            )
            .bind(pool_id)
            .bind(group)
            .bind(after)
            .bind(limit(n)),
        }
        .fetch_all(&self.pool)
        .await
        .map_err(map_sqlx)?;
        from_docs(&docs)
    }
}
