//! Users, looked up by `username_key`, by `sub` and by attribute, and listed
//! with the ListUsers filter.

use cognate_core::model::{FilterField, User, UserFilter};
use cognate_core::store::StoreResult;

use super::{from_doc, limit, to_doc, touched, SqliteStore};
use crate::error::map_sqlx;

/// The SQL expression for an attribute that has an expression index (see the
/// migration). Queries must spell the expression exactly like the index does
/// for SQLite to use it.
pub(super) fn indexed_attribute(name: &str) -> Option<&'static str> {
    match name {
        "email" => Some("json_extract(attributes, '$.email')"),
        "phone_number" => Some("json_extract(attributes, '$.phone_number')"),
        "preferred_username" => Some("json_extract(attributes, '$.preferred_username')"),
        _ => None,
    }
}

/// An SQL expression for attribute `name` of a `users` row (NULL when the user
/// lacks it), and the values to bind into it, in order.
fn attribute_expr(name: &str) -> (String, Vec<String>) {
    if name == "sub" {
        // `sub` is a column, not an attribute.
        return ("sub".into(), vec![]);
    }
    if let Some(expr) = indexed_attribute(name) {
        return (expr.into(), vec![]);
    }
    if !name.contains(['"', '\\']) {
        // A quoted path label takes any character but the quote itself, so
        // names such as `custom:tenant` or `a.b` are matched literally.
        return (
            "json_extract(attributes, ?)".into(),
            vec![format!("$.\"{name}\"")],
        );
    }
    (
        "(SELECT j.value FROM json_each(users.attributes) AS j WHERE j.key = ?)".into(),
        vec![name.to_string()],
    )
}

/// The SQL expression a ListUsers filter field compares against.
fn field_expr(field: &FilterField) -> (String, Vec<String>) {
    match field {
        FilterField::Username => ("username".into(), vec![]),
        FilterField::Sub => ("sub".into(), vec![]),
        FilterField::Status => ("status".into(), vec![]),
        FilterField::Enabled => (
            "(CASE WHEN enabled = 1 THEN 'Enabled' ELSE 'Disabled' END)".into(),
            vec![],
        ),
        FilterField::Attribute(name) => attribute_expr(name),
    }
}

/// Appends ` AND <condition>` for `filter` to `sql` and its values to `binds`.
/// A prefix compares the first characters exactly (`substr`), so it is
/// case-sensitive and `%`, `_` and `\` in the value are plain characters
/// (LIKE would be neither).
fn push_filter(filter: &UserFilter, sql: &mut String, binds: &mut Vec<String>) {
    let (expr, expr_binds) = field_expr(&filter.field);
    binds.extend(expr_binds);
    if filter.prefix {
        sql.push_str(&format!(" AND substr({expr}, 1, length(?)) = ?"));
        binds.push(filter.value.clone());
        binds.push(filter.value.clone());
    } else {
        sql.push_str(&format!(" AND {expr} = ?"));
        binds.push(filter.value.clone());
    }
}

fn attributes_json(user: &User) -> StoreResult<String> {
    to_doc(&user.attributes)
}

impl SqliteStore {
    pub(super) async fn insert_user(&self, user: &User) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO users (pool_id, sub, username_key, username, status, enabled,
                                attributes, created_ms, modified_ms, doc)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&user.pool_id)
        .bind(&user.sub)
        .bind(&user.username_key)
        .bind(&user.username)
        .bind(user.status.as_str())
        .bind(user.enabled)
        .bind(attributes_json(user)?)
        .bind(user.created_ms)
        .bind(user.modified_ms)
        .bind(to_doc(user)?)
        .execute(&self.writer)
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
            sqlx::query_scalar("SELECT doc FROM users WHERE pool_id = ? AND username_key = ?")
                .bind(pool_id)
                .bind(username_key)
                .fetch_optional(&self.reader)
                .await
                .map_err(map_sqlx)?;
        doc.as_deref().map(from_doc).transpose()
    }

    pub(super) async fn user_by_sub(&self, pool_id: &str, sub: &str) -> StoreResult<Option<User>> {
        let doc: Option<String> =
            sqlx::query_scalar("SELECT doc FROM users WHERE pool_id = ? AND sub = ?")
                .bind(pool_id)
                .bind(sub)
                .fetch_optional(&self.reader)
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
        let (expr, expr_binds) = attribute_expr(name);
        let sql =
            format!("SELECT doc FROM users WHERE pool_id = ? AND {expr} = ? ORDER BY username_key");
        let mut query = sqlx::query_scalar(&sql).bind(pool_id);
        for b in expr_binds {
            query = query.bind(b);
        }
        let docs: Vec<String> = query
            .bind(value)
            .fetch_all(&self.reader)
            .await
            .map_err(map_sqlx)?;
        docs.iter().map(|d| from_doc(d)).collect()
    }

    pub(super) async fn replace_user(&self, user: &User) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE users SET username_key = ?, username = ?, status = ?, enabled = ?,
                              attributes = ?, modified_ms = ?, doc = ?
             WHERE pool_id = ? AND sub = ?",
        )
        .bind(&user.username_key)
        .bind(&user.username)
        .bind(user.status.as_str())
        .bind(user.enabled)
        .bind(attributes_json(user)?)
        .bind(user.modified_ms)
        .bind(to_doc(user)?)
        .bind(&user.pool_id)
        .bind(&user.sub)
        .execute(&self.writer)
        .await
        .map_err(map_sqlx)?;
        touched(done)
    }

    /// Codes, group memberships and refresh sessions go with the user
    /// (ON DELETE CASCADE).
    pub(super) async fn remove_user(&self, pool_id: &str, sub: &str) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM users WHERE pool_id = ? AND sub = ?")
            .bind(pool_id)
            .bind(sub)
            .execute(&self.writer)
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
        let mut sql = String::from("SELECT doc FROM users WHERE pool_id = ?");
        let mut binds = vec![pool_id.to_string()];
        if let Some(after) = after {
            sql.push_str(" AND username_key > ?");
            binds.push(after.to_string());
        }
        if let Some(filter) = filter {
            push_filter(filter, &mut sql, &mut binds);
        }
        sql.push_str(" ORDER BY username_key LIMIT ?");
        let mut query = sqlx::query_scalar(&sql);
        for b in binds {
            query = query.bind(b);
        }
        let docs: Vec<String> = query
            .bind(limit(n))
            .fetch_all(&self.reader)
            .await
            .map_err(map_sqlx)?;
        docs.iter().map(|d| from_doc(d)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::attribute_expr;

    #[test]
    fn attribute_names_are_quoted_in_json_paths() {
        assert_eq!(
            attribute_expr("custom:tenant").1,
            vec!["$.\"custom:tenant\"".to_string()]
        );
        assert_eq!(attribute_expr("a.b").1, vec!["$.\"a.b\"".to_string()]);
        // A quote cannot be written in a path label: those names use json_each.
        let (expr, binds) = attribute_expr("odd\"name");
        assert!(expr.contains("json_each"));
        assert_eq!(binds, vec!["odd\"name".to_string()]);
    }
}
