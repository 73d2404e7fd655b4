-- Department reading (issue 20), same meaning as postgres/20261203120000_department.sql:
-- - annotations.version grows with every change, so an edit based on an older version is
--   refused instead of overwriting a colleague's (optimistic concurrency);
-- - audit_log.db_role names the PostgreSQL role that wrote a row (NULL here: a local SQLite
--   store has one user, named by the actor);
-- - reading_presence says who has a recording open ("reading by"), until released or expired.
ALTER TABLE annotations ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

ALTER TABLE audit_log ADD COLUMN db_role TEXT;

CREATE TABLE reading_presence (
    recording_id INTEGER NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
    reader TEXT NOT NULL CONSTRAINT reading_presence_reader_present CHECK (length(reader) > 0),
    db_role TEXT,
    since_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    PRIMARY KEY (recording_id, reader)
);

CREATE INDEX reading_presence_expiry_idx ON reading_presence (expires_at_ms);
