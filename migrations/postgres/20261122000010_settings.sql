-- PostgreSQL twin of sqlite/20261122000010_settings.sql.
CREATE TABLE settings (
    key TEXT PRIMARY KEY CONSTRAINT settings_key_present CHECK (length(key) > 0),
    value_json TEXT NOT NULL CONSTRAINT settings_value_json_valid CHECK (json_valid(value_json)),
    updated_at_ms BIGINT NOT NULL
);
