//! Application settings: JSON values under string keys ("ui.theme", "ai.default_model"...).

use crate::sql::{Conn, query};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// The value under `key`, if set.
pub async fn get<T: DeserializeOwned>(conn: &mut Conn, key: &str) -> Result<Option<T>> {
    let json: Option<String> = query("SELECT value_json FROM settings WHERE key = ?")
        .bind(key)
        .scalar_optional(&mut *conn)
        .await?;
    json.map(|j| serde_json::from_str(&j).map_err(|e| Error::json("settings.value_json", e)))
        .transpose()
}

/// Sets `key` to `value`.
pub async fn set<T: Serialize + ?Sized>(
    conn: &mut Conn,
    key: &str,
    value: &T,
    now_ms: i64,
) -> Result<()> {
    let json = serde_json::to_string(value).map_err(|e| Error::json("settings value", e))?;
    query(
        "INSERT INTO settings (key, value_json, updated_at_ms) VALUES (?, ?, ?) \
         ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, updated_at_ms = excluded.updated_at_ms",
    )
    .bind(key)
    .bind(json)
    .bind(now_ms)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Removes `key`; returns whether it was set.
pub async fn remove(conn: &mut Conn, key: &str) -> Result<bool> {
    let done = query("DELETE FROM settings WHERE key = ?")
        .bind(key)
        .execute(&mut *conn)
        .await?;
    Ok(done > 0)
}

/// All settings, by key.
pub async fn all(conn: &mut Conn) -> Result<Vec<(String, serde_json::Value)>> {
    let rows = query("SELECT key, value_json FROM settings ORDER BY key")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            let (k, v): (String, String) = (row.at(0)?, row.at(1)?);
            let value =
                serde_json::from_str(&v).map_err(|e| Error::json("settings.value_json", e))?;
            Ok((k, value))
        })
        .collect()
}
