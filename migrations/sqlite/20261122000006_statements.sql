-- Interpretation statements and their review state, with who changed it and when.
CREATE TABLE statements (
    id INTEGER PRIMARY KEY,
    recording_id INTEGER NOT NULL REFERENCES recordings (id),
    code TEXT NOT NULL,
    text TEXT NOT NULL,
    criterion TEXT,
    state TEXT NOT NULL CONSTRAINT statements_state_known CHECK (state IN ('suggested', 'confirmed', 'rejected', 'edited')),
    edited_text TEXT,
    actor TEXT,
    at_ms INTEGER NOT NULL,
    CONSTRAINT statements_unique UNIQUE (recording_id, code),
    CONSTRAINT statements_edited_has_text CHECK ((state = 'edited') = (edited_text IS NOT NULL))
);
