//! Users, looked up by `username_key`, by `sub` and by attribute, and listed
//! with the ListUsers filter.

use std::collections::BTreeMap;

use cognate_core::model::{FilterField, User, UserFilter};
use cognate_core::store::StoreResult;
use sqlx::types::Json;

use super::{from_doc, from_docs, limit, to_doc, touched, PgStore};
use crate::error::map_sqlx;

/// The SQL expression for an attribute that has an expression index (see the
/// migration). Queries must spell the expression like the index does for
/// PostgreSQL to use it.
pub(super) fn indexed_attribute(name: &str) -> Option<&'static str> {
    match name {
        "email" => Some("(attributes ->> 'email')"),
        "phone_number" => Some("(attributes ->> 'phone_number')"),
        "preferred_username" => Some("(attributes ->> 'preferred_username')"),
        _ => None,
    }
}

/// A statement under construction, the text values bound to its `$n`
/// placeholders, in order, and the page size bound after them.
struct Sql {
    text: String,
    binds: Vec<String>,
    limit: Option<i64>,
}

impl Sql {
    fn new(text: &str) -> Self {
        Sql {
            text: text.to_string(),
            binds: Vec::new(),
            limit: None,
        }
    }

    /// Ends the statement with ` LIMIT $n`; no parameter may follow.
    fn push_limit(&mut self, n: u32) {
        self.text
            .push_str(&format!(" LIMIT ${}", self.binds.len() + 1));
        self.limit = Some(limit(n));
    }

    /// Binds `value` and returns its placeholder.
    fn param(&mut self, value: &str) -> String {
        self.binds.push(value.to_string());
        format!("${}", self.binds.len())
    }

    /// Runs the statement and returns the `doc` column of every row.
    async fn docs(self, store: &PgStore) -> StoreResult<Vec<String>> {
        let mut query = sqlx::query_scalar(&self.text);
        for b in self.binds {
            query = query.bind(b);
        }
        if let Some(n) = self.limit {
            query = query.bind(n);
        }
        query.fetch_all(&store.pool).await.map_err(map_sqlx)
    }
}

/// An SQL expression for attribute `name` of a `users` row (NULL when the
/// user lacks it). `->>` takes the key literally, so any name works,
/// `custom:tenant` and names with quotes or dots included.
fn attribute_expr(name: &str, sql: &mut Sql) -> String {
    if name == "sub" {
        // `sub` is a column, not an attribute.
        return "sub".into();
    }
    if let Some(expr) = indexed_attribute(name) {
        return expr.into();
    }
    format!("(attributes ->> {})", sql.param(name))
}

/// The SQL expression a ListUsers filter field compares against.
fn field_expr(field: &FilterField, sql: &mut Sql) -> String {
    match field {
        FilterField::Username => "username".into(),
        FilterField::Sub => "sub".into(),
        FilterField::Status => "status".into(),
        FilterField::Enabled => "(CASE WHEN enabled THEN 'Enabled' ELSE 'Disabled' END)".into(),
        FilterField::Attribute(name) => attribute_expr(name, sql),
    }
}

/// PostgreSQL text cannot hold U+0000 (AWS lets attribute values and filter
/// values contain it). The search column leaves such attributes out, and a
/// search for a value with a NUL matches nothing; `doc` keeps the record
/// exactly, since JSON text escapes the NUL.
const NUL: char = '\0';

/// The `attributes` search column: every attribute PostgreSQL can hold.
fn search_attributes(user: &User) -> Json<BTreeMap<&str, &str>> {
    Json(
        user.attributes
            .iter()
            .filter(|(k, v)| !k.contains(NUL) && !v.contains(NUL))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect(),
    )
}

/// Whether `filter` can match no stored value (see [`NUL`]).
fn matches_nothing(filter: &UserFilter) -> bool {
    let name = match &filter.field {
        FilterField::Attribute(name) => name.as_str(),
        _ => "",
    };
    name.contains(NUL) || filter.value.contains(NUL)
}

/// Appends ` AND <condition>` for `filter`. A prefix compares the first
/// characters exactly (`left`), so it is case-sensitive and `%`, `_` and `\`
/// in the value are plain characters (LIKE would be neither).
fn push_filter(filter: &UserFilter, sql: &mut Sql) {
    let expr = field_expr(&filter.field, sql);
    let value = sql.param(&filter.value);
    let condition = if filter.prefix {
        format!(" AND left({expr}, length({value})) = {value}")
    } else {
        format!(" AND {expr} = {value}")
    };
    sql.text.push_str(&condition);
}

impl PgStore {
    pub(super) async fn insert_user(&self, user: &User) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO users (pool_id, sub, username_key, username, status, enabled,
                                attributes, created_ms, modified_ms, doc)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&user.pool_id)
        .bind(&user.sub)
        .bind(&user.username_key)
        .bind(&user.username)
        .bind(user.status.as_str())
        .bind(user.enabled)
        .bind(search_attributes(user))
        .bind(user.created_ms)
        .bind(user.modified_ms)
        .bind(to_doc(user)?)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        Ok(())
    }

    pub(super) async fn user_by_key(
        &self,
        pool_id: &str,
        username_key: &str,
    ) -> StoreResult<Option<User>> {
        let doc: Option<String> =
            sqlx::query_scalar("SELECT doc FROM users WHERE pool_id = $1 AND username_key = $2")
                .bind(pool_id)
                .bind(username_key)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_sqlx)?;
        doc.as_deref().map(from_doc).transpose()
    }

    pub(super) async fn user_by_sub(&self, pool_id: &str, sub: &str) -> StoreResult<Option<User>> {
        let doc: Option<String> =
            sqlx::query_scalar("SELECT doc FROM users WHERE pool_id = $1 AND sub = $2")
                .bind(pool_id)
                .bind(sub)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_sqlx)?;
        doc.as_deref().map(from_doc).transpose()
    }

    pub(super) async fn users_with_attribute(
        &self,
        pool_id: &str,
        name: &str,
        value: &str,
    ) -> StoreResult<Vec<User>> {
        if name.contains(NUL) || value.contains(NUL) {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new("SELECT doc FROM users WHERE pool_id = ");
        let pool = sql.param(pool_id);
        sql.text.push_str(&pool);
        let expr = attribute_expr(name, &mut sql);
        let value = sql.param(value);
        sql.text
            .push_str(&format!(" AND {expr} = {value} ORDER BY username_key"));
        from_docs(&sql.docs(self).await?)
    }

    pub(super) async fn replace_user(&self, user: &User) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE users SET username_key = $1, username = $2, status = $3, enabled = $4,
                              attributes = $5, modified_ms = $6, doc = $7
             WHERE pool_id = $8 AND sub = $9",
        )
        .bind(&user.username_key)
        .bind(&user.username)
        .bind(user.status.as_str())
        .bind(user.enabled)
        .bind(search_attributes(user))
        .bind(user.modified_ms)
        .bind(to_doc(user)?)
        .bind(&user.pool_id)
        .bind(&user.sub)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        touched(done)
    }

    /// Codes, group memberships and refresh sessions go with the user
    /// (ON DELETE CASCADE).
    pub(super) async fn remove_user(&self, pool_id: &str, sub: &str) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM users WHERE pool_id = $1 AND sub = $2")
            .bind(pool_id)
            .bind(sub)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        touched(done)
    }

    pub(super) async fn user_page(
        &self,
        pool_id: &str,
        filter: Option<&UserFilter>,
        after: Option<&str>,
        n: u32,
    ) -> StoreResult<Vec<User>> {
        if filter.is_some_and(matches_nothing) {
            return Ok(Vec::new());
        }
        let mut sql = Sql::new("SELECT doc FROM users WHERE pool_id = ");
        let pool = sql.param(pool_id);
        sql.text.push_str(&pool);
        if let Some(after) = after {
            // No stored key holds a NUL, so the keys after `a\0…` are the keys
            // after `a`.
            let after = after.split(NUL).next().unwrap_or_default();
            let after = sql.param(after);
            sql.text.push_str(&format!(" AND username_key > {after}"));
        }
        if let Some(filter) = filter {
            push_filter(filter, &mut sql);
        }
        sql.text.push_str(" ORDER BY username_key");
        sql.push_limit(n);
        from_docs(&sql.docs(self).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_names_are_bound_not_spliced() {
        let mut sql = Sql::new("");
        assert_eq!(
            attribute_expr("custom:tenant", &mut sql),
            "(attributes ->> $1)"
        );
        assert_eq!(attribute_expr("odd'name", &mut sql), "(attributes ->> $2)");
        assert_eq!(
            attribute_expr("email", &mut sql),
            "(attributes ->> 'email')"
        );
        assert_eq!(attribute_expr("sub", &mut sql), "sub");
        assert_eq!(sql.binds, ["custom:tenant", "odd'name"]);
    }

    #[tokio::test]
    async fn email_lookup_uses_the_expression_index() {
        let Some(url) = std::env::var("COGNATE_TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty())
        else {
            eprintln!("Postgres suite skipped: COGNATE_TEST_POSTGRES_URL is not set");
            return;
        };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let schema = format!("cognate_test_{}_{nanos}_unit", std::process::id());
        let store = PgStore::connect_with_schema(&url, &schema)
            .await
            .unwrap_or_else(|e| panic!("COGNATE_TEST_POSTGRES_URL is set, but: {e}"));
        let mut sql = Sql::new("EXPLAIN SELECT doc FROM users WHERE pool_id = ");
        let pool = sql.param("p");
        let expr = attribute_expr("email", &mut sql);
        let value = sql.param("a@example.com");
        sql.text.push_str(&format!("{pool} AND {expr} = {value}"));
        let mut conn = store.pool.acquire().await.unwrap();
        // An empty table is cheaper to scan: forbid that to see the index.
        sqlx::query("SET enable_seqscan = off")
            .execute(&mut *conn)
            .await
            .unwrap();
        let mut query = sqlx::query_scalar(&sql.text);
        for b in &sql.binds {
            query = query.bind(b);
        }
        let plan: Vec<String> = query.fetch_all(&mut *conn).await.unwrap();
        drop(conn);
        store.drop_schema().await.unwrap();
        assert!(plan.iter().any(|l| l.contains("users_email")), "{plan:?}");
    }
}
