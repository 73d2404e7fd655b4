-- The signature that locks a reviewed ECG: once a recording has one, its annotations,
-- measurement overrides and statements can no longer change. The triggers are the last line
-- of defence; the store checks first so the user gets the signer's name in the error.
CREATE TABLE signatures (
    id INTEGER PRIMARY KEY,
    recording_id INTEGER NOT NULL REFERENCES recordings (id),
    signer TEXT NOT NULL CONSTRAINT signatures_signer_present CHECK (length(signer) > 0),
    meaning TEXT NOT NULL CONSTRAINT signatures_meaning_present CHECK (length(meaning) > 0),
    signed_at_ms INTEGER NOT NULL,
    -- SHA-256 of the reviewed state (annotations, overrides, statements) at signing time.
    review_sha256 TEXT NOT NULL,
    CONSTRAINT signatures_one_per_recording UNIQUE (recording_id)
);

CREATE TRIGGER annotations_locked_insert BEFORE INSERT ON annotations
WHEN EXISTS (SELECT 1 FROM signatures WHERE recording_id = NEW.recording_id)
BEGIN
    SELECT RAISE(ABORT, 'recording_locked');
END;

CREATE TRIGGER annotations_locked_update BEFORE UPDATE ON annotations
WHEN EXISTS (SELECT 1 FROM signatures WHERE recording_id = OLD.recording_id)
BEGIN
    SELECT RAISE(ABORT, 'recording_locked');
END;

CREATE TRIGGER measurement_overrides_locked_insert BEFORE INSERT ON measurement_overrides
WHEN EXISTS (SELECT 1 FROM signatures WHERE recording_id = NEW.recording_id)
BEGIN
    SELECT RAISE(ABORT, 'recording_locked');
END;

CREATE TRIGGER measurement_overrides_locked_update BEFORE UPDATE ON measurement_overrides
WHEN EXISTS (SELECT 1 FROM signatures WHERE recording_id = OLD.recording_id)
BEGIN
    SELECT RAISE(ABORT, 'recording_locked');
END;

CREATE TRIGGER measurement_overrides_locked_delete BEFORE DELETE ON measurement_overrides
WHEN EXISTS (SELECT 1 FROM signatures WHERE recording_id = OLD.recording_id)
BEGIN
    SELECT RAISE(ABORT, 'recording_locked');
END;

CREATE TRIGGER statements_locked_insert BEFORE INSERT ON statements
WHEN EXISTS (SELECT 1 FROM signatures WHERE recording_id = NEW.recording_id)
BEGIN
    SELECT RAISE(ABORT, 'recording_locked');
END;

CREATE TRIGGER statements_locked_update BEFORE UPDATE ON statements
WHEN EXISTS (SELECT 1 FROM signatures WHERE recording_id = OLD.recording_id)
BEGIN
    SELECT RAISE(ABORT, 'recording_locked');
END;

CREATE TRIGGER signatures_no_update BEFORE UPDATE ON signatures
BEGIN
    SELECT RAISE(ABORT, 'signature_immutable');
END;

CREATE TRIGGER signatures_no_delete BEFORE DELETE ON signatures
BEGIN
    SELECT RAISE(ABORT, 'signature_immutable');
END;
