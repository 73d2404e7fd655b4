//! Recordings: one row per distinct file content.
//!
//! A recording is identified by the SHA-256 of its file bytes, so a file that was moved, renamed
//! or copied is the same recording with its annotations, session and chats. `last_path` follows
//! the file; `metadata` (format-specific header facts) and the cached `analysis` are JSON.

use std::io::Read;
use std::path::Path;

use crate::sql::{Conn, Row, query};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::sql::Backend;

/// SHA-256 of a file's bytes, as 64 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ContentHash(String);

impl ContentHash {
    /// Hashes bytes in memory.
    pub fn of_bytes(bytes: &[u8]) -> Self {
        Self(hex(&Sha256::digest(bytes)))
    }

    /// Hashes a file by streaming it (blocking I/O: call from `spawn_blocking` in async code).
    /// Returns the hash and the file size in bytes.
    pub fn of_file(path: &Path) -> Result<(Self, u64)> {
        let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 16];
        let mut size: u64 = 0;
        loop {
            let n = file.read(&mut buf).map_err(|e| Error::io(path, e))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            size = size.saturating_add(n as u64);
        }
        Ok((Self(hex(&hasher.finalize())), size))
    }

    /// Parses 64 hex digits (any case).
    pub fn parse(s: &str) -> Result<Self> {
        if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Self(s.to_ascii_lowercase()))
        } else {
            Err(Error::Argument {
                field: "content_sha256",
                message: format!("expected 64 hex digits, found {s:?}"),
            })
        }
    }

    /// The hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ContentHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing to a String cannot fail.
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// What is known about a file when it is opened.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRecording {
    /// Hash of the file bytes.
    pub content_sha256: ContentHash,
    /// File size in bytes.
    pub size_bytes: u64,
    /// Where the file is now.
    pub path: String,
    /// Format name as `formats` reports it ("WFDB", "EDF+"...).
    pub format: String,
    /// Header facts worth keeping (patient, device, leads...).
    pub metadata: serde_json::Value,
}

/// A stored recording.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recording {
    /// Row id.
    pub id: i64,
    /// Hash of the file bytes.
    pub content_sha256: ContentHash,
    /// File size in bytes.
    pub size_bytes: u64,
    /// Path the file was last opened from.
    pub last_path: String,
    /// Format name.
    pub format: String,
    /// Header facts.
    pub metadata: serde_json::Value,
    /// Version tag of the cached analysis, if any.
    pub analysis_version: Option<String>,
    /// First time this content was opened, Unix ms.
    pub first_seen_at_ms: i64,
    /// Last time it was opened, Unix ms.
    pub last_opened_at_ms: i64,
}

const COLUMNS: &str = "id, content_sha256, size_bytes, last_path, format, metadata_json, analysis_version, \
                       first_seen_at_ms, last_opened_at_ms";

fn from_row(row: &Row) -> Result<Recording> {
    let metadata: String = row.get("metadata_json")?;
    let size: i64 = row.get("size_bytes")?;
    Ok(Recording {
        id: row.get("id")?,
        content_sha256: ContentHash(row.get("content_sha256")?),
        size_bytes: u64::try_from(size).unwrap_or(0),
        last_path: row.get("last_path")?,
        format: row.get("format")?,
        metadata: serde_json::from_str(&metadata)
            .map_err(|e| Error::json("recordings.metadata_json", e))?,
        analysis_version: row.get("analysis_version")?,
        first_seen_at_ms: row.get("first_seen_at_ms")?,
        last_opened_at_ms: row.get("last_opened_at_ms")?,
    })
}

/// Records that a file was opened: inserts it, or (same content) updates its path, format,
/// metadata and last-opened time. Returns the stored recording.
pub async fn upsert(conn: &mut Conn, new: &NewRecording, now_ms: i64) -> Result<Recording> {
    let size = i64::try_from(new.size_bytes).map_err(|_| Error::Argument {
        field: "size_bytes",
        message: format!("{} does not fit in i64", new.size_bytes),
    })?;
    let metadata = serde_json::to_string(&new.metadata).map_err(|e| Error::json("metadata", e))?;
    let row = query(
        "INSERT INTO recordings (content_sha256, size_bytes, last_path, format, metadata_json, \
                                 first_seen_at_ms, last_opened_at_ms) \
         VALUES (?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (content_sha256) DO UPDATE SET last_path = excluded.last_path, \
             format = excluded.format, metadata_json = excluded.metadata_json, \
             last_opened_at_ms = excluded.last_opened_at_ms \
         RETURNING id, content_sha256, size_bytes, last_path, format, metadata_json, analysis_version, \
                   first_seen_at_ms, last_opened_at_ms",
    )
    .bind(new.content_sha256.as_str())
    .bind(size)
    .bind(&new.path)
    .bind(&new.format)
    .bind(metadata)
    .bind(now_ms)
    .bind(now_ms)
    .fetch_one(&mut *conn)
    .await?;
    from_row(&row)
}

/// The recording with this id.
pub async fn get(conn: &mut Conn, id: i64) -> Result<Recording> {
    let row = query(format!("SELECT {COLUMNS} FROM recordings WHERE id = ?"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound {
            entity: "recording",
            id,
        })?;
    from_row(&row)
}

/// The recording with this content, if it was ever opened.
pub async fn find_by_hash(conn: &mut Conn, hash: &ContentHash) -> Result<Option<Recording>> {
    let row = query(format!(
        "SELECT {COLUMNS} FROM recordings WHERE content_sha256 = ?"
    ))
    .bind(hash.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The most recently opened recordings, newest first.
pub async fn recent(conn: &mut Conn, limit: u32) -> Result<Vec<Recording>> {
    let rows = query(format!(
        "SELECT {COLUMNS} FROM recordings ORDER BY last_opened_at_ms DESC, id DESC LIMIT ?"
    ))
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Caches an analysis result (any JSON) under a version tag, replacing the previous one.
pub async fn set_analysis(
    conn: &mut Conn,
    id: i64,
    version: &str,
    analysis: &serde_json::Value,
) -> Result<()> {
    let json = serde_json::to_string(analysis).map_err(|e| Error::json("analysis", e))?;
    let done = query("UPDATE recordings SET analysis_json = ?, analysis_version = ? WHERE id = ?")
        .bind(json)
        .bind(version)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    if done == 0 {
        return Err(Error::NotFound {
            entity: "recording",
            id,
        });
    }
    Ok(())
}

/// The cached analysis and its version tag, if any.
pub async fn analysis(conn: &mut Conn, id: i64) -> Result<Option<(String, serde_json::Value)>> {
    let row = query("SELECT analysis_version, analysis_json FROM recordings WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else {
        return Err(Error::NotFound {
            entity: "recording",
            id,
        });
    };
    let version: Option<String> = row.get("analysis_version")?;
    let json: Option<String> = row.get("analysis_json")?;
    match (version, json) {
        (Some(v), Some(j)) => {
            let value =
                serde_json::from_str(&j).map_err(|e| Error::json("recordings.analysis_json", e))?;
            Ok(Some((v, value)))
        }
        _ => Ok(None),
    }
}

/// Takes the recording's row lock until the transaction ends. On PostgreSQL this is
/// `SELECT ... FOR NO KEY UPDATE`: every change to a recording's review (annotations, overrides,
/// statements, signature) takes it first, so two readers' changes to one recording are applied
/// one after the other, and a signature cannot commit between another transaction's "not signed"
/// check and its write. (NO KEY: inserts elsewhere that only reference the recording, like a new
/// chat thread, need not wait.) On SQLite nothing is needed: a write transaction starts with
/// `BEGIN IMMEDIATE`, which already holds the database's one write lock. A missing recording is
/// not an error here; the write that follows reports it.
pub async fn lock(conn: &mut Conn, recording_id: i64) -> Result<()> {
    if conn.backend() == Backend::Postgres {
        query("SELECT id FROM recordings WHERE id = ? FOR NO KEY UPDATE")
            .bind(recording_id)
            .scalar_optional::<i64>(&mut *conn)
            .await?;
    }
    Ok(())
}
