-- User annotations. Rows are never deleted: a delete sets deleted_at_ms, so the audit log can
-- always point at the row and undo can bring it back.
CREATE TABLE annotations (
    id INTEGER PRIMARY KEY,
    recording_id INTEGER NOT NULL REFERENCES recordings (id),
    start_s REAL NOT NULL,
    end_s REAL NOT NULL,
    -- NULL = all leads.
    lead TEXT,
    kind TEXT NOT NULL CONSTRAINT annotations_kind_known CHECK (kind IN ('beat', 'interval', 'note', 'caliper')),
    -- Beat code (WFDB/MIT, e.g. 'N', 'V') for kind = 'beat'.
    code TEXT,
    text TEXT NOT NULL DEFAULT '',
    -- Caliper or interval value as JSON, e.g. {"value": 402.0, "unit": "ms"}.
    value_json TEXT CONSTRAINT annotations_value_json_valid CHECK (value_json IS NULL OR json_valid(value_json)),
    author TEXT NOT NULL CONSTRAINT annotations_author_present CHECK (length(author) > 0),
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    deleted_at_ms INTEGER,
    CONSTRAINT annotations_time_range_valid CHECK (start_s >= 0 AND end_s >= start_s)
);

CREATE INDEX annotations_recording_idx ON annotations (recording_id, start_s);
