//! Sessions: the view state of each recording, restored when it is reopened.
//!
//! [`ViewState`] is typed for the fields the app has today and keeps any other key it finds in
//! `extra`, so a newer UI's fields survive a round trip through an older build.

use crate::sql::{Conn, query};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How the screen looked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ViewState {
    /// Lead layout, e.g. "3x4+1", "12x1", "single".
    pub layout: String,
    /// Paper speed in mm/s.
    pub speed_mm_s: f64,
    /// Gain in mm/mV.
    pub gain_mm_mv: f64,
    /// Display filters (band, notch...) as the signal crate describes them.
    pub filters: serde_json::Value,
    /// Left edge of the view, seconds from the start.
    pub position_s: f64,
    /// Zoom factor (1 = calibrated paper at 96 dpi).
    pub zoom: f64,
    /// Open side panels, in order ("measurements", "chat"...).
    pub open_panels: Vec<String>,
    /// Fields this build does not know, kept verbatim.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Default for ViewState {
    /// Standard paper: 25 mm/s, 10 mm/mV, 12-lead 3x4 layout with a rhythm strip.
    fn default() -> Self {
        Self {
            layout: "3x4+1".into(),
            speed_mm_s: 25.0,
            gain_mm_mv: 10.0,
            filters: serde_json::Value::Null,
            position_s: 0.0,
            zoom: 1.0,
            open_panels: Vec::new(),
            extra: serde_json::Map::new(),
        }
    }
}

/// A recording's saved session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Session {
    /// The recording.
    pub recording_id: i64,
    /// The view.
    pub view: ViewState,
    /// When it was last opened, Unix ms.
    pub last_opened_at_ms: i64,
}

/// Saves the view state of a recording (insert or replace).
pub async fn save(conn: &mut Conn, recording_id: i64, view: &ViewState, now_ms: i64) -> Result<()> {
    let json = serde_json::to_string(view).map_err(|e| Error::json("view", e))?;
    query(
        "INSERT INTO sessions (recording_id, view_json, last_opened_at_ms) VALUES (?, ?, ?) \
         ON CONFLICT (recording_id) DO UPDATE SET view_json = excluded.view_json, \
             last_opened_at_ms = excluded.last_opened_at_ms",
    )
    .bind(recording_id)
    .bind(json)
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The saved session of a recording, if any.
pub async fn load(conn: &mut Conn, recording_id: i64) -> Result<Option<Session>> {
    let row = query("SELECT view_json, last_opened_at_ms FROM sessions WHERE recording_id = ?")
        .bind(recording_id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|row| {
        let (json, last): (String, i64) = (row.at(0)?, row.at(1)?);
        Ok(Session {
            recording_id,
            view: serde_json::from_str(&json).map_err(|e| Error::json("sessions.view_json", e))?,
            last_opened_at_ms: last,
        })
    })
    .transpose()
}

/// Marks the session as opened now (creating it with the default view if missing).
pub async fn touch(conn: &mut Conn, recording_id: i64, now_ms: i64) -> Result<()> {
    let json = serde_json::to_string(&ViewState::default()).map_err(|e| Error::json("view", e))?;
    query(
        "INSERT INTO sessions (recording_id, view_json, last_opened_at_ms) VALUES (?, ?, ?) \
         ON CONFLICT (recording_id) DO UPDATE SET last_opened_at_ms = excluded.last_opened_at_ms",
    )
    .bind(recording_id)
    .bind(json)
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
