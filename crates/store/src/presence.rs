//! Who is reading what: a reader's presence on a recording ("reading by dr_a since 10:02"),
//! shown on the worklist so two cardiologists do not read the same ECG unknowingly.
//!
//! Presence is a notice, not a lock: a second reader may still open and edit (concurrent edits
//! are kept safe by row locks and versions, see [`crate::annotations`] and [`crate::review`]).
//!
//! The life of a claim:
//! 1. Opening a recording claims it ([`claim`]) until `now + READING_TTL_MS`.
//! 2. While it stays open the app sends a heartbeat every [`HEARTBEAT_INTERVAL_MS`] (30 s),
//!    which is the same [`claim`]: it moves `expires_at_ms` on and keeps `since_ms`.
//! 3. Closing the recording, opening another one or quitting the app releases it ([`release`]).
//! 4. A station that stops without releasing (crash, power cut, network gone) stops sending
//!    heartbeats; its claim is stale [`READING_TTL_MS`] (90 s, three missed heartbeats) after
//!    the last one and is no longer shown ([`active`] filters it; [`prune`] deletes it on the
//!    next claim).
//!
//! Times come from [`clock_ms`]: on PostgreSQL the server's clock, so reading stations whose
//! clocks disagree still agree on who is stale; on SQLite (one machine) the local clock. On
//! PostgreSQL the server also stamps the login role on the row (`db_role`).

use serde::Serialize;

use crate::error::Result;
use crate::sql::{Backend, Conn, Row, query};

/// How often an app renews the claims of the recordings it has open.
pub const HEARTBEAT_INTERVAL_MS: i64 = 30 * 1000;

/// How long a claim lasts without a heartbeat: three heartbeats, so one late or lost heartbeat
/// (a busy server, a short network hiccup) does not make a reader vanish from the worklist.
pub const READING_TTL_MS: i64 = 3 * HEARTBEAT_INTERVAL_MS;

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

/// The presence clock, Unix ms: the PostgreSQL server's clock (shared by every station), or
/// this machine's on SQLite.
pub async fn clock_ms(conn: &mut Conn) -> Result<i64> {
    match conn.backend() {
        Backend::Sqlite => Ok(crate::now_ms()),
        Backend::Postgres => {
            query("SELECT CAST(FLOOR(EXTRACT(EPOCH FROM clock_timestamp()) * 1000) AS BIGINT)")
                .scalar(&mut *conn)
                .await
        }
    }
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
