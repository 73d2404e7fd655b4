-- Chat threads about a recording and their messages. An assistant message is inserted as
-- 'streaming', grows token by token, and ends 'complete', 'stopped' (user cancelled) or 'error'.
CREATE TABLE chat_threads (
    id INTEGER PRIMARY KEY,
    recording_id INTEGER NOT NULL REFERENCES recordings (id) ON DELETE CASCADE,
    title TEXT NOT NULL DEFAULT '',
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);

CREATE INDEX chat_threads_recording_idx ON chat_threads (recording_id, updated_at_ms DESC);

CREATE TABLE chat_messages (
    id INTEGER PRIMARY KEY,
    thread_id INTEGER NOT NULL REFERENCES chat_threads (id) ON DELETE CASCADE,
    role TEXT NOT NULL CONSTRAINT chat_messages_role_known CHECK (role IN ('system', 'user', 'assistant')),
    text TEXT NOT NULL DEFAULT '',
    model_id TEXT,
    mode TEXT,
    prompt_tokens INTEGER,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL CONSTRAINT chat_messages_status_known CHECK (status IN ('streaming', 'complete', 'stopped', 'error')),
    error TEXT,
    created_at_ms INTEGER NOT NULL,
    first_token_at_ms INTEGER,
    finished_at_ms INTEGER
);

CREATE INDEX chat_messages_thread_idx ON chat_messages (thread_id, id);
