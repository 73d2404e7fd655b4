//! Chat threads about a recording and their messages.
//!
//! An assistant answer is stored while it streams: [`start_message`] inserts it as
//! `Streaming`, [`append_tokens`] adds text (the engine commits a few tokens at a time, each
//! append its own short transaction, so a crash loses at most the uncommitted tail), and
//! [`finish`] marks it `Complete`, `Stopped` (the user cancelled) or `Error`. Appending to a
//! finished message is refused.

use crate::sql::{Conn, Row, query};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// System prompt.
    System,
    /// The clinician.
    User,
    /// The model.
    Assistant,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "system" => Role::System,
            "user" => Role::User,
            "assistant" => Role::Assistant,
            other => {
                return Err(Error::State(format!(
                    "unknown chat role {other:?} in database"
                )));
            }
        })
    }
}

/// Where a message is in its life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "status", content = "error")]
pub enum MessageStatus {
    /// Still receiving tokens.
    Streaming,
    /// Finished normally.
    Complete,
    /// Stopped by the user; the text is what arrived.
    Stopped,
    /// Generation failed with this message.
    Error(String),
}

impl MessageStatus {
    fn as_str(&self) -> &'static str {
        match self {
            MessageStatus::Streaming => "streaming",
            MessageStatus::Complete => "complete",
            MessageStatus::Stopped => "stopped",
            MessageStatus::Error(_) => "error",
        }
    }
}

/// A thread.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatThread {
    /// Row id.
    pub id: i64,
    /// The recording discussed.
    pub recording_id: i64,
    /// Title.
    pub title: String,
    /// Created, Unix ms.
    pub created_at_ms: i64,
    /// Last message, Unix ms.
    pub updated_at_ms: i64,
}

/// A message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatMessage {
    /// Row id.
    pub id: i64,
    /// The thread.
    pub thread_id: i64,
    /// Who wrote it.
    pub role: Role,
    /// The text so far.
    pub text: String,
    /// Model that wrote it (assistant messages).
    pub model_id: Option<String>,
    /// Prompting mode ("heartcare" soft tokens, "text" tracing-as-text...).
    pub mode: Option<String>,
    /// Prompt length in tokens, if known.
    pub prompt_tokens: Option<i64>,
    /// Tokens generated so far.
    pub completion_tokens: i64,
    /// Status.
    pub status: MessageStatus,
    /// Created, Unix ms.
    pub created_at_ms: i64,
    /// First token, Unix ms.
    pub first_token_at_ms: Option<i64>,
    /// Finished, Unix ms.
    pub finished_at_ms: Option<i64>,
}

/// A message to insert.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewMessage {
    /// Model id (assistant).
    pub model_id: Option<String>,
    /// Prompting mode.
    pub mode: Option<String>,
    /// Prompt length in tokens.
    pub prompt_tokens: Option<i64>,
}

/// Creates a thread.
pub async fn create_thread(
    conn: &mut Conn,
    recording_id: i64,
    title: &str,
    now_ms: i64,
) -> Result<ChatThread> {
    let id: i64 = query(
        "INSERT INTO chat_threads (recording_id, title, created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?) RETURNING id",
    )
    .bind(recording_id)
    .bind(title)
    .bind(now_ms)
    .bind(now_ms)
    .scalar(&mut *conn)
    .await?;
    Ok(ChatThread {
        id,
        recording_id,
        title: title.to_string(),
        created_at_ms: now_ms,
        updated_at_ms: now_ms,
    })
}

/// The threads of a recording, most recent first.
pub async fn threads(conn: &mut Conn, recording_id: i64) -> Result<Vec<ChatThread>> {
    let rows = query(
        "SELECT id, title, created_at_ms, updated_at_ms FROM chat_threads WHERE recording_id = ? \
         ORDER BY updated_at_ms DESC, id DESC",
    )
    .bind(recording_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ChatThread {
                id: row.get("id")?,
                recording_id,
                title: row.get("title")?,
                created_at_ms: row.get("created_at_ms")?,
                updated_at_ms: row.get("updated_at_ms")?,
            })
        })
        .collect()
}

async fn touch_thread(conn: &mut Conn, thread_id: i64, now_ms: i64) -> Result<()> {
    let done = query("UPDATE chat_threads SET updated_at_ms = ? WHERE id = ?")
        .bind(now_ms)
        .bind(thread_id)
        .execute(&mut *conn)
        .await?;
    if done == 0 {
        return Err(Error::NotFound {
            entity: "chat thread",
            id: thread_id,
        });
    }
    Ok(())
}

const COLUMNS: &str = "id, thread_id, role, text, model_id, mode, prompt_tokens, completion_tokens, status, error, \
                       created_at_ms, first_token_at_ms, finished_at_ms";

fn from_row(row: &Row) -> Result<ChatMessage> {
    let status: String = row.get("status")?;
    let status = match status.as_str() {
        "streaming" => MessageStatus::Streaming,
        "complete" => MessageStatus::Complete,
        "stopped" => MessageStatus::Stopped,
        "error" => MessageStatus::Error(row.get::<Option<String>>("error")?.unwrap_or_default()),
        other => {
            return Err(Error::State(format!(
                "unknown message status {other:?} in database"
            )));
        }
    };
    Ok(ChatMessage {
        id: row.get("id")?,
        thread_id: row.get("thread_id")?,
        role: Role::parse(&row.get::<String>("role")?)?,
        text: row.get("text")?,
        model_id: row.get("model_id")?,
        mode: row.get("mode")?,
        prompt_tokens: row.get("prompt_tokens")?,
        completion_tokens: row.get("completion_tokens")?,
        status,
        created_at_ms: row.get("created_at_ms")?,
        first_token_at_ms: row.get("first_token_at_ms")?,
        finished_at_ms: row.get("finished_at_ms")?,
    })
}

/// Adds a finished message (user or system turn, or an assistant answer imported whole).
pub async fn add_message(
    conn: &mut Conn,
    thread_id: i64,
    role: Role,
    text: &str,
    meta: &NewMessage,
    now_ms: i64,
) -> Result<ChatMessage> {
    insert(
        conn,
        thread_id,
        role,
        text,
        meta,
        MessageStatus::Complete,
        now_ms,
    )
    .await
}

/// Starts a streaming assistant message with empty text.
pub async fn start_message(
    conn: &mut Conn,
    thread_id: i64,
    meta: &NewMessage,
    now_ms: i64,
) -> Result<ChatMessage> {
    insert(
        conn,
        thread_id,
        Role::Assistant,
        "",
        meta,
        MessageStatus::Streaming,
        now_ms,
    )
    .await
}

async fn insert(
    conn: &mut Conn,
    thread_id: i64,
    role: Role,
    text: &str,
    meta: &NewMessage,
    status: MessageStatus,
    now_ms: i64,
) -> Result<ChatMessage> {
    touch_thread(conn, thread_id, now_ms).await?;
    let finished = (status != MessageStatus::Streaming).then_some(now_ms);
    let row = query(format!(
        "INSERT INTO chat_messages (thread_id, role, text, model_id, mode, prompt_tokens, status, created_at_ms, \
                                    finished_at_ms) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {COLUMNS}"
    ))
    .bind(thread_id)
    .bind(role.as_str())
    .bind(text)
    .bind(&meta.model_id)
    .bind(&meta.mode)
    .bind(meta.prompt_tokens)
    .bind(status.as_str())
    .bind(now_ms)
    .bind(finished)
    .fetch_one(&mut *conn)
    .await?;
    from_row(&row)
}

/// Appends `delta` (which is `n_tokens` tokens) to a streaming message.
pub async fn append_tokens(
    conn: &mut Conn,
    message_id: i64,
    delta: &str,
    n_tokens: i64,
    now_ms: i64,
) -> Result<()> {
    let done = query(
        "UPDATE chat_messages SET text = text || ?, completion_tokens = completion_tokens + ?, \
             first_token_at_ms = COALESCE(first_token_at_ms, ?) \
         WHERE id = ? AND status = 'streaming'",
    )
    .bind(delta)
    .bind(n_tokens)
    .bind(now_ms)
    .bind(message_id)
    .execute(&mut *conn)
    .await?;
    if done == 0 {
        let status: Option<String> = query("SELECT status FROM chat_messages WHERE id = ?")
            .bind(message_id)
            .scalar_optional(&mut *conn)
            .await?;
        return Err(match status {
            None => Error::NotFound {
                entity: "chat message",
                id: message_id,
            },
            Some(s) => Error::State(format!(
                "chat message {message_id} is {s}; it no longer accepts tokens"
            )),
        });
    }
    Ok(())
}

/// Ends a streaming message. `status` must not be Streaming.
pub async fn finish(
    conn: &mut Conn,
    message_id: i64,
    status: &MessageStatus,
    now_ms: i64,
) -> Result<ChatMessage> {
    if *status == MessageStatus::Streaming {
        return Err(Error::Argument {
            field: "status",
            message: "a message is finished as complete, stopped or error".into(),
        });
    }
    let error = match status {
        MessageStatus::Error(e) => Some(e.as_str()),
        _ => None,
    };
    let row = query(format!(
        "UPDATE chat_messages SET status = ?, error = ?, finished_at_ms = ? WHERE id = ? AND status = 'streaming' \
         RETURNING {COLUMNS}"
    ))
    .bind(status.as_str())
    .bind(error)
    .bind(now_ms)
    .bind(message_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        let msg = get_message(conn, message_id).await?;
        return Err(Error::State(format!(
            "chat message {message_id} is already {}",
            msg.status.as_str()
        )));
    };
    let msg = from_row(&row)?;
    touch_thread(conn, msg.thread_id, now_ms).await?;
    Ok(msg)
}

/// One message.
pub async fn get_message(conn: &mut Conn, message_id: i64) -> Result<ChatMessage> {
    let row = query(format!("SELECT {COLUMNS} FROM chat_messages WHERE id = ?"))
        .bind(message_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound {
            entity: "chat message",
            id: message_id,
        })?;
    from_row(&row)
}

/// The messages of a thread, oldest first.
pub async fn messages(conn: &mut Conn, thread_id: i64) -> Result<Vec<ChatMessage>> {
    let rows = query(format!(
        "SELECT {COLUMNS} FROM chat_messages WHERE thread_id = ? ORDER BY id"
    ))
    .bind(thread_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Marks messages left `Streaming` by a crash as `Stopped` (call once at start-up, before any
/// stream begins). Returns how many were closed.
pub async fn close_interrupted(conn: &mut Conn, now_ms: i64) -> Result<u64> {
    let done = query(
        "UPDATE chat_messages SET status = 'stopped', finished_at_ms = ? WHERE status = 'streaming'",
    )
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    Ok(done)
}
