//! Reports exported for a recording: the file written, the SHA-256 of its bytes and when.

use crate::sql::{Conn, query};
use serde::Serialize;

use crate::error::Result;
use crate::recordings::ContentHash;

/// An exported report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportedReport {
    /// Row id.
    pub id: i64,
    /// The recording.
    pub recording_id: i64,
    /// Where it was written.
    pub path: String,
    /// "pdf", "png", "svg", "csv".
    pub format: String,
    /// Hash of the written bytes.
    pub content_sha256: ContentHash,
    /// Who exported it.
    pub exported_by: String,
    /// When, Unix ms.
    pub exported_at_ms: i64,
}

/// Records an export.
pub async fn record(
    conn: &mut Conn,
    recording_id: i64,
    path: &str,
    format: &str,
    content_sha256: &ContentHash,
    exported_by: &str,
    now_ms: i64,
) -> Result<ExportedReport> {
    let id: i64 = query(
        "INSERT INTO reports (recording_id, path, format, content_sha256, exported_by, exported_at_ms) \
         VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(recording_id)
    .bind(path)
    .bind(format)
    .bind(content_sha256.as_str())
    .bind(exported_by)
    .bind(now_ms)
    .scalar(&mut *conn)
    .await?;
    Ok(ExportedReport {
        id,
        recording_id,
        path: path.to_string(),
        format: format.to_string(),
        content_sha256: content_sha256.clone(),
        exported_by: exported_by.to_string(),
        exported_at_ms: now_ms,
    })
}

/// The exports of a recording, oldest first.
pub async fn list(conn: &mut Conn, recording_id: i64) -> Result<Vec<ExportedReport>> {
    let rows = query(
        "SELECT id, path, format, content_sha256, exported_by, exported_at_ms FROM reports \
         WHERE recording_id = ? ORDER BY exported_at_ms, id",
    )
    .bind(recording_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ExportedReport {
                id: row.get("id")?,
                recording_id,
                path: row.get("path")?,
                format: row.get("format")?,
                content_sha256: ContentHash::parse(&row.get::<String>("content_sha256")?)?,
                exported_by: row.get("exported_by")?,
                exported_at_ms: row.get("exported_at_ms")?,
            })
        })
        .collect()
}
