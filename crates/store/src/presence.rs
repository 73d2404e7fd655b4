//! Who is reading what: a reader's presence on a recording ("reading by dr_a since 10:02"),
//! shown on the worklist so two cardiologists do not read the same ECG unknowingly.
//!
//! Presence is a notice, not a lock: a second reader may still open and edit (concurrent edits
//! are kept safe by row locks and annotation versions, see [`crate::annotations`]). A reader
//! claims a recording when opening it and renews the claim while it stays open ([`claim`]
//! extends `expires_at_ms`); closing releases it ([`release`]); a reader whose app died simply
//! expires. On PostgreSQL the server stamps the login role on the row (`db_role`).

use serde::Serialize;

use crate::error::Result;
use crate::sql::{Conn, Row, query};

/// How long a claim lasts without renewal.
pub const READING_TTL_MS: i64 = 5 * 60 * 1000;

/// A reader's presence on a recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Presence {
    /// The recording.
    pub recording_id: i64,
    /// Who (the actor name the app uses).
    pub reader: String,
    /// The PostgreSQL login role (None on SQLite).
    pub role: Option<String>,
    /// Reading since, Unix ms.
    pub since_ms: i64,
    /// The claim lapses at, Unix ms, unless renewed.
    pub expires_at_ms: i64,
}

const COLUMNS: &str = "recording_id, reader, db_role, since_ms, expires_at_ms";

fn from_row(row: &Row) -> Result<Presence> {
    Ok(Presence {
        recording_id: row.get("recording_id")?,
        reader: row.get("reader")?,
        role: row.get("db_role")?,
        since_ms: row.get("since_ms")?,
        expires_at_ms: row.get("expires_at_ms")?,
    })
}

/// Claims or renews `reader`'s presence on a recording until `now_ms + ttl_ms`. A renewal keeps
/// the original `since_ms`; a claim after the previous one lapsed starts afresh.
pub async fn claim(
    conn: &mut Conn,
    recording_id: i64,
    reader: &str,
    now_ms: i64,
    ttl_ms: i64,
) -> Result<Presence> {
    let row = query(format!(
        "INSERT INTO reading_presence (recording_id, reader, since_ms, expires_at_ms) VALUES (?, ?, ?, ?) \
         ON CONFLICT (recording_id, reader) DO UPDATE SET \
             since_ms = CASE WHEN reading_presence.expires_at_ms < excluded.since_ms \
                             THEN excluded.since_ms ELSE reading_presence.since_ms END, \
             expires_at_ms = excluded.expires_at_ms \
         RETURNING {COLUMNS}"
    ))
    .bind(recording_id)
    .bind(reader)
    .bind(now_ms)
    .bind(now_ms.saturating_add(ttl_ms.max(0)))
    .fetch_one(&mut *conn)
    .await?;
    from_row(&row)
}

/// Ends `reader`'s presence on a recording; returns whether there was one.
pub async fn release(conn: &mut Conn, recording_id: i64, reader: &str) -> Result<bool> {
    let n = query("DELETE FROM reading_presence WHERE recording_id = ? AND reader = ?")
        .bind(recording_id)
        .bind(reader)
        .execute(&mut *conn)
        .await?;
    Ok(n > 0)
}

/// The readers present on a recording at `now_ms`, longest-present first.
pub async fn active(conn: &mut Conn, recording_id: i64, now_ms: i64) -> Result<Vec<Presence>> {
    let rows = query(format!(
        "SELECT {COLUMNS} FROM reading_presence WHERE recording_id = ? AND expires_at_ms >= ? \
         ORDER BY since_ms, reader"
    ))
    .bind(recording_id)
    .bind(now_ms)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Removes lapsed claims; returns how many.
pub async fn prune(conn: &mut Conn, now_ms: i64) -> Result<u64> {
    query("DELETE FROM reading_presence WHERE expires_at_ms < ?")
        .bind(now_ms)
        .execute(&mut *conn)
        .await
}
