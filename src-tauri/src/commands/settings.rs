//! The Settings page: which database this station reads from, "this computer" (SQLite) or a
//! department's PostgreSQL server (`store::station` keeps the choice in the station file and
//! checks it by connecting). `$HEARTLENS_DB` keeps priority and the page says so. The store is
//! opened once per run, so a saved change applies at the next start; `restart_app` restarts at
//! once (after releasing this reader's presence). No password is ever sent to the webview.

use store::station::{self, DatabaseChoice};
use tauri::State;

use crate::error::{CommandError, ErrorCode};
use crate::ipc_types::DatabaseSetting;
use crate::state::AppState;

fn store_error(e: store::Error) -> CommandError {
    let code = match e {
        store::Error::Argument { .. } => ErrorCode::BadRequest,
        _ => ErrorCode::Store,
    };
    CommandError::new(code, e.to_string())
}

/// What the page shows (see [`DatabaseSetting`]).
pub fn setting_view(state: &AppState) -> Result<DatabaseSetting, CommandError> {
    let file = station::path().map_err(store_error)?;
    let saved = station::load(&file).map_err(store_error)?;
    let env_override = std::env::var(store::DB_ENV)
        .ok()
        .filter(|v| !v.is_empty())
        .map(|v| store::redact_url(&v));
    let in_use = state.store_if_open();
    let next = station::resolve().map_err(store_error)?.0;
    let next = store::StoreOptions::new(next);
    let restart_needed = in_use.is_some_and(|s| s.path() != next.path());
    let (backend, url, has_password) = match &saved {
        None | Some(DatabaseChoice::Sqlite) => ("sqlite", None, false),
        Some(c @ DatabaseChoice::Postgres { url }) => {
            ("postgres", Some(store::redact_url(url)), c.has_password())
        }
    };
    Ok(DatabaseSetting {
        backend,
        url,
        has_password,
        env_override,
        in_use: in_use.map(|s| s.path().to_string_lossy().into_owned()),
        in_use_backend: in_use.map(|s| match s.backend() {
            store::Backend::Sqlite => "sqlite",
            store::Backend::Postgres => "postgres",
        }),
        restart_needed,
        file: file.display().to_string(),
    })
}

/// The database setting as the page shows it.
#[tauri::command]
pub fn database_setting(state: State<'_, AppState>) -> Result<DatabaseSetting, CommandError> {
    setting_view(&state)
}

/// The choice the page asked for. A URL still showing the saved one's masked password
/// (`***`) keeps that password, so the page never needs to hold it.
pub fn requested_choice(
    backend: &str,
    url: Option<&str>,
    saved: Option<&DatabaseChoice>,
) -> Result<DatabaseChoice, CommandError> {
    match backend {
        "sqlite" => Ok(DatabaseChoice::Sqlite),
        "postgres" => {
            let url = url.map(str::trim).unwrap_or_default();
            if url.is_empty() {
                return Err(CommandError::new(
                    ErrorCode::BadRequest,
                    "enter the department server's URL, e.g. postgres://dr_a@ecg-server/heartlens",
                ));
            }
            if let Some(DatabaseChoice::Postgres { url: old }) = saved
                && store::redact_url(old) == url
            {
                return Ok(DatabaseChoice::Postgres { url: old.clone() });
            }
            Ok(DatabaseChoice::Postgres {
                url: url.to_string(),
            })
        }
        other => Err(CommandError::new(
            ErrorCode::BadRequest,
            format!("unknown database kind {other:?} (sqlite or postgres)"),
        )),
    }
}

/// Checks the chosen database by opening it (connect, ours or empty, migrations), then saves
/// the choice in the station file. Nothing is saved when the check fails; the error names the
/// server (password removed) and the problem.
#[tauri::command]
pub async fn set_database_setting(
    backend: String,
    url: Option<String>,
    state: State<'_, AppState>,
) -> Result<DatabaseSetting, CommandError> {
    let file = station::path().map_err(store_error)?;
    let saved = station::load(&file).map_err(store_error)?;
    let choice = requested_choice(&backend, url.as_deref(), saved.as_ref())?;
    station::check(&choice).await.map_err(store_error)?;
    station::save(&file, &choice).map_err(store_error)?;
    tracing::info!(choice = ?choice.redacted(), "database setting saved");
    setting_view(&state)
}

/// Restarts the app (to open the database just chosen), releasing this reader's presence first.
#[tauri::command]
pub async fn restart_app(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
) -> Result<(), CommandError> {
    state.release_all().await;
    app.restart()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_password_keeps_the_saved_one_and_a_new_url_replaces_it() {
        let saved = DatabaseChoice::Postgres {
            url: "postgres://dr_a:s3cret@ecg/heartlens".into(),
        };
        let kept = requested_choice(
            "postgres",
            Some(" postgres://dr_a:***@ecg/heartlens "),
            Some(&saved),
        )
        .unwrap();
        assert_eq!(kept, saved);
        let other = requested_choice(
            "postgres",
            Some("postgres://dr_b@ecg/heartlens"),
            Some(&saved),
        )
        .unwrap();
        assert_eq!(
            other,
            DatabaseChoice::Postgres {
                url: "postgres://dr_b@ecg/heartlens".into()
            }
        );
        assert_eq!(
            requested_choice("sqlite", None, Some(&saved)).unwrap(),
            DatabaseChoice::Sqlite
        );
        assert_eq!(
            requested_choice("postgres", Some(" "), None)
                .unwrap_err()
                .code,
            ErrorCode::BadRequest
        );
        assert_eq!(
            requested_choice("oracle", None, None).unwrap_err().code,
            ErrorCode::BadRequest
        );
    }
}
