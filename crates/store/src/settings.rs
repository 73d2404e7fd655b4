//! Application settings: JSON values under string keys ("ui.theme", "ai.default_model"...).

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::sqlite::SqliteConnection;

use crate::error::{Error, Result};

/// The value under `key`, if set.
pub async fn get<T: DeserializeOwned>(conn: &mut SqliteConnection, key: &str) -> Result<Option<T>> {
    let json: Option<String> = sqlx::query_scalar("SELECT value_json FROM settings WHERE key = ?")
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?;
    json.map(|j| serde_json::from_str(&j).map_err(|e| Error::json("settings.value_json", e)))
        .transpose()
}

/// Sets `key` to `value`.
pub async fn set<T: Serialize + ?Sized>(
    conn: &mut SqliteConnection,
    key: &str,
    value: &T,
    now_ms: i64,
) -> Result<()> {
    let json = serde_json::to_string(value).map_err(|e| Error::json("settings value", e))?;
    sqlx::query(
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
pub async fn remove(conn: &mut SqliteConnection, key: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM settings WHERE key = ?")
        .bind(key)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// All settings, by key.
pub async fn all(conn: &mut SqliteConnection) -> Result<Vec<(String, serde_json::Value)>> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT key, value_json FROM settings ORDER BY key")
            .fetch_all(&mut *conn)
            .await?;
    rows.into_iter()
        .map(|(k, v)| {
            let value =
                serde_json::from_str(&v).map_err(|e| Error::json("settings.value_json", e))?;
            Ok((k, value))
        })
        .collect()
}
