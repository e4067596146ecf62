-- cognate PostgreSQL schema, version 1.
-- Released migrations are never edited: change the schema with a new file.
--
-- The layout of the SQLite schema: records the core interprets as a whole are
-- kept as JSON documents (`doc`, the serialised record as text, so it reads
-- back exactly as it was written); the columns beside them exist only to be
-- searched, ordered and joined on. Every child row goes away with its parent
-- (ON DELETE CASCADE), so deleting a pool, user, group or client is one
-- statement.
--
-- Key columns are COLLATE "C": listings are ordered by byte value, as in
-- SQLite, whatever the database's default collation, and comparisons skip
-- the locale.
--
-- Constraint names matter: a unique violation is reported as a conflict on
-- the key its constraint name mentions (see `src/error.rs`), so every unique
-- constraint is named after its table and key columns.

CREATE TABLE pools (
    id          text COLLATE "C" NOT NULL,
    name        text             NOT NULL,
    created_ms  bigint           NOT NULL,
    doc         text             NOT NULL,
    CONSTRAINT pools_pkey PRIMARY KEY (id)
);

CREATE TABLE pool_keys (
    pool_id       text COLLATE "C" NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    kid           text COLLATE "C" NOT NULL,
    key_use       text             NOT NULL CHECK (key_use IN ('id', 'access')),
    sealed_pkcs8  bytea            NOT NULL,
    created_ms    bigint           NOT NULL,
    CONSTRAINT pool_keys_pkey PRIMARY KEY (pool_id, kid)
);

-- Client ids are unique across pools (a client id names its pool).
CREATE TABLE clients (
    pool_id     text COLLATE "C" NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    client_id   text COLLATE "C" NOT NULL,
    created_ms  bigint           NOT NULL,
    doc         text             NOT NULL,
    CONSTRAINT clients_pool_id_client_id_pkey PRIMARY KEY (pool_id, client_id),
    CONSTRAINT clients_client_id_key UNIQUE (client_id)
);

CREATE TABLE users (
    pool_id       text COLLATE "C" NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    sub           text COLLATE "C" NOT NULL,
    username_key  text COLLATE "C" NOT NULL,
    username      text             NOT NULL,
    status        text             NOT NULL,
    enabled       boolean          NOT NULL,
    -- JSON object of the user's attributes (string values), searched with ->>.
    attributes    jsonb            NOT NULL,
    created_ms    bigint           NOT NULL,
    modified_ms   bigint           NOT NULL,
    -- The whole User record.
    doc           text             NOT NULL,
    CONSTRAINT users_pool_id_sub_pkey PRIMARY KEY (pool_id, sub),
    CONSTRAINT users_pool_id_username_key_key UNIQUE (pool_id, username_key)
);

-- Sign-in by e-mail, phone number or preferred username, and the uniqueness
-- checks on them, look users up by these attributes.
CREATE INDEX users_email ON users (pool_id, (attributes ->> 'email'));
CREATE INDEX users_phone_number ON users (pool_id, (attributes ->> 'phone_number'));
CREATE INDEX users_preferred_username ON users (pool_id, (attributes ->> 'preferred_username'));

CREATE TABLE groups (
    pool_id     text COLLATE "C" NOT NULL REFERENCES pools (id) ON DELETE CASCADE,
    name        text COLLATE "C" NOT NULL,
    created_ms  bigint           NOT NULL,
    doc         text             NOT NULL,
    CONSTRAINT groups_pkey PRIMARY KEY (pool_id, name)
);

CREATE TABLE group_members (
    pool_id     text COLLATE "C" NOT NULL,
    group_name  text COLLATE "C" NOT NULL,
    sub         text COLLATE "C" NOT NULL,
    CONSTRAINT group_members_pkey PRIMARY KEY (pool_id, group_name, sub),
    FOREIGN KEY (pool_id, group_name) REFERENCES groups (pool_id, name) ON DELETE CASCADE,
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);

CREATE INDEX group_members_by_user ON group_members (pool_id, sub);

CREATE TABLE codes (
    pool_id          text COLLATE "C" NOT NULL,
    sub              text COLLATE "C" NOT NULL,
    purpose          text COLLATE "C" NOT NULL,
    code_hash        text             NOT NULL,
    created_ms       bigint           NOT NULL,
    expires_ms       bigint           NOT NULL,
    failed_attempts  bigint           NOT NULL DEFAULT 0,
    CONSTRAINT codes_pkey PRIMARY KEY (pool_id, sub, purpose),
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);

CREATE TABLE sessions (
    origin_jti  text COLLATE "C" NOT NULL,
    token_hash  text COLLATE "C" NOT NULL,
    pool_id     text COLLATE "C" NOT NULL,
    client_id   text COLLATE "C" NOT NULL,
    sub         text COLLATE "C" NOT NULL,
    auth_time   bigint           NOT NULL,
    created_ms  bigint           NOT NULL,
    expires_ms  bigint           NOT NULL,
    revoked_ms  bigint,
    CONSTRAINT sessions_origin_jti_pkey PRIMARY KEY (origin_jti),
    CONSTRAINT sessions_token_hash_key UNIQUE (token_hash),
    FOREIGN KEY (pool_id, client_id) REFERENCES clients (pool_id, client_id) ON DELETE CASCADE,
    FOREIGN KEY (pool_id, sub) REFERENCES users (pool_id, sub) ON DELETE CASCADE
);

CREATE INDEX sessions_by_user ON sessions (pool_id, sub);
CREATE INDEX sessions_by_client ON sessions (pool_id, client_id);

CREATE TABLE once_markers (
    key         text COLLATE "C" NOT NULL,
    expires_ms  bigint           NOT NULL,
    CONSTRAINT once_markers_pkey PRIMARY KEY (key)
);

CREATE INDEX once_markers_by_expiry ON once_markers (expires_ms);
