-- Department reading (issue 20), same meaning as sqlite/20261203120000_department.sql:
-- - annotations.version grows with every change (optimistic concurrency);
-- - audit_log.db_role is the session's login role, stamped by the server on every insert, so a
--   client cannot write another role's name into the trail (session_user, not current_user:
--   SET ROLE does not change it);
-- - reading_presence says who has a recording open ("reading by"), until released or expired.
ALTER TABLE annotations ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

ALTER TABLE audit_log ADD COLUMN db_role TEXT;

CREATE FUNCTION heartlens_stamp_role() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.db_role := session_user;
    RETURN NEW;
END
$$;

CREATE TRIGGER audit_log_role BEFORE INSERT ON audit_log
FOR EACH ROW EXECUTE FUNCTION heartlens_stamp_role();

CREATE TABLE reading_presence (
    recording_id BIGINT NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
    reader TEXT NOT NULL CONSTRAINT reading_presence_reader_present CHECK (length(reader) > 0),
    db_role TEXT,
    since_ms BIGINT NOT NULL,
    expires_at_ms BIGINT NOT NULL,
    PRIMARY KEY (recording_id, reader)
);

CREATE INDEX reading_presence_expiry_idx ON reading_presence (expires_at_ms);

CREATE TRIGGER reading_presence_role BEFORE INSERT OR UPDATE ON reading_presence
FOR EACH ROW EXECUTE FUNCTION heartlens_stamp_role();
