//! `sqlx` errors to [`StoreError`]: unique violations become `Conflict`
//! (naming the key), foreign-key violations `NotFound` (the parent row is
//! missing), anything else `Backend`.

use cognate_core::store::StoreError;
use sqlx::error::ErrorKind;

pub(crate) fn map_sqlx(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        match db.kind() {
            ErrorKind::UniqueViolation => {
                let what = db.constraint().unwrap_or_else(|| db.message());
                return StoreError::Conflict(conflict_subject(what));
            }
            ErrorKind::ForeignKeyViolation => return StoreError::NotFound,
            _ => {}
        }
    }
    backend(e)
}

pub(crate) fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// Names the unique key behind a constraint message (SQLite:
/// `UNIQUE constraint failed: users.pool_id, users.username_key`) or a
/// constraint name (PostgreSQL: `users_pool_id_username_key_key`).
fn conflict_subject(what: &str) -> String {
    const KEYS: &[(&str, &str)] = &[
        ("username_key", "username"),
        ("token_hash", "refresh token"),
        ("origin_jti", "session"),
        ("pool_keys", "key id"),
        ("client_id", "client id"),
        ("group_name", "group membership"),
        ("groups", "group name"),
        ("sub", "sub"),
        ("pools", "pool id"),
        ("once_markers", "single-use key"),
    ];
    KEYS.iter()
        .find(|(needle, _)| what.contains(needle))
        .map(|(_, name)| (*name).to_string())
        .unwrap_or_else(|| what.to_string())
}

#[cfg(test)]
mod tests {
    use super::conflict_subject;

    #[test]
    fn sqlite_unique_messages_name_the_key() {
        let cases = [
            (
                "UNIQUE constraint failed: users.pool_id, users.username_key",
                "username",
            ),
            ("UNIQUE constraint failed: users.pool_id, users.sub", "sub"),
            ("UNIQUE constraint failed: pools.id", "pool id"),
            (
                "UNIQUE constraint failed: pool_keys.pool_id, pool_keys.kid",
                "key id",
            ),
            (
                "UNIQUE constraint failed: clients.pool_id, clients.client_id",
                "client id",
            ),
            (
                "UNIQUE constraint failed: groups.pool_id, groups.name",
                "group name",
            ),
            ("UNIQUE constraint failed: sessions.origin_jti", "session"),
            (
                "UNIQUE constraint failed: sessions.token_hash",
                "refresh token",
            ),
        ];
        for (msg, want) in cases {
            assert_eq!(conflict_subject(msg), want, "{msg}");
        }
    }

    #[test]
    fn postgres_constraint_names_name_the_same_keys() {
        // The unique constraints of migrations/postgres/0001_initial.sql.
        let cases = [
            ("users_pool_id_username_key_key", "username"),
            ("users_pool_id_sub_pkey", "sub"),
            ("pools_pkey", "pool id"),
            ("pool_keys_pkey", "key id"),
            ("clients_pool_id_client_id_pkey", "client id"),
            ("clients_client_id_key", "client id"),
            ("groups_pkey", "group name"),
            ("sessions_origin_jti_pkey", "session"),
            ("sessions_token_hash_key", "refresh token"),
            ("once_markers_pkey", "single-use key"),
        ];
        for (constraint, want) in cases {
            assert_eq!(conflict_subject(constraint), want, "{constraint}");
        }
    }
}
