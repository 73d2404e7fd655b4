-- Recordings, identified by the SHA-256 of the file bytes so that a moved or renamed file is
-- recognised. `application_id` marks the file as a Heartlens store ('HLEN' = 0x484C454E): open
-- refuses any other non-empty SQLite file instead of migrating it.
PRAGMA application_id = 1212958030;

CREATE TABLE recordings (
    id INTEGER PRIMARY KEY,
    content_sha256 TEXT NOT NULL
        CONSTRAINT recordings_content_sha256_format CHECK (length(content_sha256) = 64 AND content_sha256 NOT GLOB '*[^0-9a-f]*'),
    size_bytes INTEGER NOT NULL CONSTRAINT recordings_size_nonnegative CHECK (size_bytes >= 0),
    last_path TEXT NOT NULL,
    format TEXT NOT NULL,
    metadata_json TEXT NOT NULL DEFAULT '{}' CONSTRAINT recordings_metadata_json_valid CHECK (json_valid(metadata_json)),
    analysis_json TEXT CONSTRAINT recordings_analysis_json_valid CHECK (analysis_json IS NULL OR json_valid(analysis_json)),
    analysis_version TEXT,
    first_seen_at_ms INTEGER NOT NULL,
    last_opened_at_ms INTEGER NOT NULL,
    CONSTRAINT recordings_content_sha256_unique UNIQUE (content_sha256)
);
