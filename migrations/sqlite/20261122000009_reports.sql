-- Reports exported for a recording: where, what bytes (SHA-256) and when.
CREATE TABLE reports (
    id INTEGER PRIMARY KEY,
    recording_id INTEGER NOT NULL REFERENCES recordings (id),
    path TEXT NOT NULL,
    format TEXT NOT NULL,
    content_sha256 TEXT NOT NULL
        CONSTRAINT reports_content_sha256_format CHECK (length(content_sha256) = 64 AND content_sha256 NOT GLOB '*[^0-9a-f]*'),
    exported_by TEXT NOT NULL,
    exported_at_ms INTEGER NOT NULL
);

CREATE INDEX reports_recording_idx ON reports (recording_id, exported_at_ms);
