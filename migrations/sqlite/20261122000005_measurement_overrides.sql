-- A clinician's value for a measurement (e.g. name 'qtc_ms' with method 'bazett'), replacing
-- the analysed one. One row per recording, measurement and lead ('' = global).
CREATE TABLE measurement_overrides (
    id INTEGER PRIMARY KEY,
    recording_id INTEGER NOT NULL REFERENCES recordings (id),
    name TEXT NOT NULL CONSTRAINT measurement_overrides_name_present CHECK (length(name) > 0),
    lead TEXT NOT NULL DEFAULT '',
    value REAL NOT NULL,
    unit TEXT NOT NULL,
    method TEXT,
    original_value REAL,
    author TEXT NOT NULL CONSTRAINT measurement_overrides_author_present CHECK (length(author) > 0),
    at_ms INTEGER NOT NULL,
    CONSTRAINT measurement_overrides_unique UNIQUE (recording_id, name, lead)
);
