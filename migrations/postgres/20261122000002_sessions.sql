-- PostgreSQL twin of sqlite/20261122000002_sessions.sql.
CREATE TABLE sessions (
    recording_id BIGINT PRIMARY KEY REFERENCES recordings (id) ON DELETE CASCADE,
    view_json TEXT NOT NULL CONSTRAINT sessions_view_json_valid CHECK (json_valid(view_json)),
    last_opened_at_ms BIGINT NOT NULL
);

CREATE INDEX sessions_last_opened_idx ON sessions (last_opened_at_ms DESC);
