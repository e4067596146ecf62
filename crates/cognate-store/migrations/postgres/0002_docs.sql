-- cognate PostgreSQL schema, version 2: the document store.
-- Released migrations are never edited: change the schema with a new file.
--
-- JSON documents keyed by (kind, id), each with a version that starts at 1
-- and goes up by one on every replacement. The body is text, not jsonb, so it
-- reads back exactly as it was written. Key columns are COLLATE "C": a prefix
-- is a contiguous key range and pages come in byte order, as in SQLite.

CREATE TABLE docs (
    kind     text COLLATE "C" NOT NULL,
    id       text COLLATE "C" NOT NULL,
    body     text             NOT NULL,
    version  bigint           NOT NULL CHECK (version >= 1),
    CONSTRAINT docs_pkey PRIMARY KEY (kind, id)
);

-- One row: a counter that every successful batch of document writes
-- advances in its own transaction. Batches lock this row first, so they
-- commit one at a time, in the order of the values they give it.
CREATE TABLE docs_generation (
    only_row  boolean NOT NULL DEFAULT true CHECK (only_row),
    value     bigint  NOT NULL,
    CONSTRAINT docs_generation_pkey PRIMARY KEY (only_row)
);

INSERT INTO docs_generation (only_row, value) VALUES (true, 0);
