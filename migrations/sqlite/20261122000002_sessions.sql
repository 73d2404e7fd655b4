-- Per-recording view state (layout, speed, gain, filters, position, zoom, open panels), so that
-- reopening a recording brings the screen back as it was.
CREATE TABLE sessions (
    recording_id INTEGER PRIMARY KEY REFERENCES recordings (id) ON DELETE CASCADE,
    view_json TEXT NOT NULL CONSTRAINT sessions_view_json_valid CHECK (json_valid(view_json)),
    last_opened_at_ms INTEGER NOT NULL
);

CREATE INDEX sessions_last_opened_idx ON sessions (last_opened_at_ms DESC);
