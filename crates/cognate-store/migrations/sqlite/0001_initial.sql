-- cognate SQLite schema, version 1.
-- Released migrations are never edited: change the schema with a new file.
--
-- Records the core interprets as a whole are kept as JSON documents (`doc`);
-- the columns beside them exist only to be searched, ordered and joined on.
-- Every table is STRICT and every child row goes away with its parent
-- (ON DELETE CASCADE), so deleting a pool, user, group or client is one
-- statement.

CREATE TABLE pools (
    id          TEXT    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL,
    created_ms  INTEGER NOT NULL,
    doc         TEXT    NOT NULL
) STRICT;

CREATE TABLE pool_keys (
    pool_id       TEXT    NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    kid           TEXT    NOT NULL,
    key_use       TEXT    NOT NULL CHECK (key_use IN ('id', 'access')),
    sealed_pkcs8  BLOB    NOT NULL,
    created_ms    INTEGER NOT NULL,
    PRIMARY KEY (pool_id, kid)
) STRICT;

-- Client ids are unique across pools (a client id names its pool).
CREATE TABLE clients (
    pool_id     TEXT    NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    client_id   TEXT    NOT NULL UNIQUE,
    created_ms  INTEGER NOT NULL,
    doc         TEXT    NOT NULL,
    PRIMARY KEY (pool_id, client_id)
) STRICT;

CREATE TABLE users (
    pool_id       TEXT    NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    sub           TEXT    NOT NULL,
    username_key  TEXT    NOT NULL,
    username      TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    enabled       INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    -- JSON object of the user's attributes (string values), searched with json_extract.
    attributes    TEXT    NOT NULL,
    created_ms    INTEGER NOT NULL,
    modified_ms   INTEGER NOT NULL,
    -- The whole User record.
    doc           TEXT    NOT NULL,
    PRIMARY KEY (pool_id, sub),
    UNIQUE (pool_id, username_key)
) STRICT;

-- Sign-in by e-mail, phone number or preferred username, and the uniqueness
-- checks on them, look users up by these attributes.
CREATE INDEX users_email ON users (pool_id, json_extract(attributes, '$.email'));
CREATE INDEX users_phone_number ON users (pool_id, json_extract(attributes, '$.phone_number'));
CREATE INDEX users_preferred_username
    ON users (pool_id, json_extract(attributes, '$.preferred_username'));

CREATE TABLE groups (
    pool_id     TEXT    NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    created_ms  INTEGER NOT NULL,
    doc         TEXT    NOT NULL,
    PRIMARY KEY (pool_id, name)
) STRICT;

CREATE TABLE group_members (
    pool_id     TEXT NOT NULL,
    group_name  TEXT NOT NULL,
    sub         TEXT NOT NULL,
    PRIMARY KEY (pool_id, group_name, sub),
    FOREIGN KEY (pool_id, group_name) REFERENCES groups (pool_id, name) ON DELETE CASCADE,
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) STRICT;

CREATE INDEX group_members_by_user ON group_members (pool_id, sub);

CREATE TABLE codes (
    pool_id          TEXT    NOT NULL,
    sub              TEXT    NOT NULL,
    purpose          TEXT    NOT NULL,
    code_hash        TEXT    NOT NULL,
    created_ms       INTEGER NOT NULL,
    expires_ms       INTEGER NOT NULL,
    failed_attempts  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (pool_id, sub, purpose),
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) STRICT;

CREATE TABLE sessions (
    origin_jti  TEXT    NOT NULL PRIMARY KEY,
    token_hash  TEXT    NOT NULL UNIQUE,
    pool_id     TEXT    NOT NULL,
    client_id   TEXT    NOT NULL,
    sub         TEXT    NOT NULL,
    auth_time   INTEGER NOT NULL,
    created_ms  INTEGER NOT NULL,
    expires_ms  INTEGER NOT NULL,
    revoked_ms  INTEGER,
    FOREIGN KEY (pool_id, client_id) REFERENCES clients (pool_id, client_id) ON DELETE CASCADE,
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
) STRICT;

CREATE INDEX sessions_by_user ON sessions (pool_id, sub);
CREATE INDEX sessions_by_client ON sessions (pool_id, client_id);

CREATE TABLE once_markers (
    key         TEXT    NOT NULL PRIMARY KEY,
    expires_ms  INTEGER NOT NULL
) STRICT;

CREATE INDEX once_markers_by_expiry ON once_markers (expires_ms);
