-- cognate SQLite schema, version 2: the document store.
-- Released migrations are never edited: change the schema with a new file.
--
-- JSON documents keyed by (kind, id), each with a version that starts at 1
-- and goes up by one on every replacement. Ids compare with the BINARY
-- collation (byte order of their UTF-8), so a prefix is a contiguous key
-- range and pages come in the same order as on PostgreSQL.

CREATE TABLE docs (
    kind     TEXT    NOT NULL,
    id       TEXT    NOT NULL,
    -- The document's JSON text, exactly as written.
    body     TEXT    NOT NULL,
    version  INTEGER NOT NULL CHECK (version >= 1),
    PRIMARY KEY (kind, id)
) STRICT, WITHOUT ROWID;

-- One row: a counter that every successful batch of document writes
-- advances in its own transaction, so a reader can tell that something
-- changed since it last looked.
CREATE TABLE docs_generation (
    only_row  INTEGER NOT NULL PRIMARY KEY CHECK (only_row = 0),
    value     INTEGER NOT NULL
) STRICT;

INSERT INTO docs_generation (only_row, value) VALUES (0, 0);
