-- Append-only audit log of every clinical change (annotations, measurement overrides,
-- statements, signatures). Undo and redo are entries too (`target_id` = the entry undone or
-- redone), so the undo/redo stacks are rebuilt from the log after a restart.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    recording_id INTEGER NOT NULL REFERENCES recordings (id),
    entity TEXT NOT NULL CONSTRAINT audit_log_entity_known CHECK (entity IN ('annotation', 'measurement', 'statement', 'signature')),
    entity_id INTEGER NOT NULL,
    action TEXT NOT NULL CONSTRAINT audit_log_action_known CHECK (action IN ('create', 'update', 'delete', 'undo', 'redo', 'sign')),
    actor TEXT NOT NULL CONSTRAINT audit_log_actor_present CHECK (length(actor) > 0),
    at_ms INTEGER NOT NULL,
    before_json TEXT CONSTRAINT audit_log_before_json_valid CHECK (before_json IS NULL OR json_valid(before_json)),
    after_json TEXT CONSTRAINT audit_log_after_json_valid CHECK (after_json IS NULL OR json_valid(after_json)),
    target_id INTEGER REFERENCES audit_log (id),
    CONSTRAINT audit_log_target_matches_action CHECK ((action IN ('undo', 'redo')) = (target_id IS NOT NULL))
);

CREATE INDEX audit_log_recording_idx ON audit_log (recording_id, entity, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log_append_only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log_append_only');
END;
