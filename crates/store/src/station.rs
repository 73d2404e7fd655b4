//! Which database this reading station uses: "this computer" (the local SQLite file, the
//! default) or "department server" (a PostgreSQL URL), kept in a small settings file beside the
//! station's other configuration, so the app's Settings page can change it without a terminal.
//!
//! The store itself cannot hold this setting (it is what says where the store is), hence a file:
//! `$HEARTLENS_HOME/database.json`, else `heartlens/database.json` in the platform's config
//! directory (`~/.config` on Linux). [`resolve`] decides what to open, in this order:
//! 1. `$HEARTLENS_DB` (a deployment or a test pins the database; it always wins),
//! 2. the station file's choice,
//! 3. the default SQLite file ([`default_path`](crate::default_path)).
//!
//! A department URL may carry a password; the file is then written readable by its owner only
//! (mode 0600 on Unix, like `~/.pgpass`), and everything shown or logged uses
//! [`redact_url`](crate::redact_url). Better still, leave the password out of the URL: the
//! PostgreSQL driver reads `~/.pgpass` and `PGPASSWORD` like `psql` does.
//! [`check`] validates a choice before it is saved by opening the store it names (connect, the
//! database is ours or empty, migrations), so a typo is reported on save, not at the next start.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::database::{DB_ENV, HOME_ENV, StoreOptions, default_path, is_postgres_url, redact_url};
use crate::error::{Error, Result};

/// File name of the station's database setting.
pub const STATION_FILE: &str = "database.json";

/// How long [`check`] waits for a server before giving up (a wrong host name or a firewall
/// would otherwise hold the Settings page for the driver's 30 s).
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(10);

/// The station's choice of database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "backend", rename_all = "lowercase")]
pub enum DatabaseChoice {
    /// This computer: the SQLite file at the default path.
    Sqlite,
    /// A department's shared PostgreSQL database.
    Postgres {
        /// `postgres://user[:password]@host[:port]/database[?params]`.
        url: String,
    },
}

impl DatabaseChoice {
    /// The choice with its password removed, for display and logs.
    pub fn redacted(&self) -> Self {
        match self {
            DatabaseChoice::Sqlite => DatabaseChoice::Sqlite,
            DatabaseChoice::Postgres { url } => DatabaseChoice::Postgres {
                url: redact_url(url),
            },
        }
    }

    /// True when the URL carries a password (user info or `password=` parameter).
    pub fn has_password(&self) -> bool {
        match self {
            DatabaseChoice::Sqlite => false,
            DatabaseChoice::Postgres { url } => redact_url(url) != *url,
        }
    }
}

/// Where the location [`resolve`] returned comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// `$HEARTLENS_DB` (takes priority over the station file).
    Env,
    /// The station file.
    Setting,
    /// Neither: the default SQLite file.
    Default,
}

/// The station file's path: `$HEARTLENS_HOME/database.json`, else
/// `<config dir>/heartlens/database.json`.
pub fn path() -> Result<PathBuf> {
    path_from(std::env::var_os(HOME_ENV), dirs::config_dir())
}

fn path_from(home: Option<std::ffi::OsString>, config_dir: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(home) = home.filter(|h| !h.is_empty()) {
        return Ok(PathBuf::from(home).join(STATION_FILE));
    }
    let base = config_dir.ok_or(Error::NoDataDir)?;
    Ok(base.join("heartlens").join(STATION_FILE))
}

/// The choice saved in `file`, None when there is no file. A file that is not a choice is an
/// error naming it and the problem (never silently the local database: a station meant for the
/// department must not quietly read alone).
pub fn load(file: &Path) -> Result<Option<DatabaseChoice>> {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(file, e)),
    };
    let choice: DatabaseChoice = serde_json::from_str(&text).map_err(|e| Error::Argument {
        field: "database setting",
        message: format!(
            "{}: {e}; expected {{\"backend\": \"sqlite\"}} or {{\"backend\": \"postgres\", \
             \"url\": \"postgres://...\"}}",
            file.display()
        ),
    })?;
    validate_url(&choice)?;
    Ok(Some(choice))
}

fn validate_url(choice: &DatabaseChoice) -> Result<()> {
    if let DatabaseChoice::Postgres { url } = choice
        && !is_postgres_url(Path::new(url))
    {
        return Err(Error::Argument {
            field: "department server URL",
            message: format!(
                "{:?} is not a PostgreSQL URL; it starts with postgres:// or postgresql:// \
                 (e.g. postgres://dr_a@ecg-server/heartlens)",
                redact_url(url)
            ),
        });
    }
    Ok(())
}

/// Saves `choice` to `file` atomically (a temporary file renamed over it), readable by its owner
/// only on Unix since the URL may hold a password.
pub fn save(file: &Path, choice: &DatabaseChoice) -> Result<()> {
    validate_url(choice)?;
    let dir = file.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut json = serde_json::to_string_pretty(choice).map_err(|e| Error::json("setting", e))?;
    json.push('\n');
    let tmp = file.with_extension("json.tmp");
    write_private(&tmp, json.as_bytes()).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, file).map_err(|e| Error::io(file, e))
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// The database to open and where that came from (see the module doc for the order).
pub fn resolve() -> Result<(PathBuf, Source)> {
    resolve_from(std::env::var_os(DB_ENV), &path()?)
}

fn resolve_from(env: Option<std::ffi::OsString>, file: &Path) -> Result<(PathBuf, Source)> {
    if let Some(db) = env.filter(|v| !v.is_empty()) {
        return Ok((PathBuf::from(db), Source::Env));
    }
    match load(file)? {
        Some(DatabaseChoice::Postgres { url }) => Ok((PathBuf::from(url), Source::Setting)),
        Some(DatabaseChoice::Sqlite) => Ok((default_path()?, Source::Setting)),
        None => Ok((default_path()?, Source::Default)),
    }
}

/// Opens the store `choice` names (for PostgreSQL: connects within [`CHECK_TIMEOUT`], checks
/// the database is empty or ours and not newer, and migrates it if this role may) and closes
/// it again. The error names the server (password removed) and the problem.
pub async fn check(choice: &DatabaseChoice) -> Result<()> {
    validate_url(choice)?;
    let location = match choice {
        DatabaseChoice::Sqlite => default_path()?,
        DatabaseChoice::Postgres { url } => PathBuf::from(url),
    };
    let opts = StoreOptions::new(location)
        .max_connections(1)
        .connect_timeout(CHECK_TIMEOUT);
    let store = crate::Store::open_with(opts).await?;
    store.integrity_check().await?;
    store.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_lives_in_heartlens_home_else_the_config_dir() {
        assert_eq!(
            path_from(Some("/h".into()), Some("/c".into())).unwrap(),
            PathBuf::from("/h/database.json")
        );
        assert_eq!(
            path_from(None, Some("/c".into())).unwrap(),
            PathBuf::from("/c/heartlens/database.json")
        );
        assert!(matches!(path_from(None, None), Err(Error::NoDataDir)));
    }

    #[test]
    fn a_choice_round_trips_and_the_password_stays_private() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sub").join(STATION_FILE);
        assert_eq!(load(&file).unwrap(), None);
        let choice = DatabaseChoice::Postgres {
            url: "postgres://dr_a:s3cret@ecg-server/heartlens".into(),
        };
        save(&file, &choice).unwrap();
        assert_eq!(load(&file).unwrap(), Some(choice.clone()));
        assert!(choice.has_password());
        assert_eq!(
            choice.redacted(),
            DatabaseChoice::Postgres {
                url: "postgres://dr_a:***@ecg-server/heartlens".into()
            }
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        }
        save(&file, &DatabaseChoice::Sqlite).unwrap();
        assert_eq!(load(&file).unwrap(), Some(DatabaseChoice::Sqlite));
        assert!(!DatabaseChoice::Sqlite.has_password());
    }

    #[test]
    fn the_environment_wins_over_the_setting_which_wins_over_the_default() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(STATION_FILE);
        let url = "postgres://dr_a@ecg-server/heartlens";
        assert_eq!(resolve_from(None, &file).unwrap().1, Source::Default);
        save(&file, &DatabaseChoice::Postgres { url: url.into() }).unwrap();
        assert_eq!(
            resolve_from(Some("".into()), &file).unwrap(),
            (PathBuf::from(url), Source::Setting)
        );
        assert_eq!(
            resolve_from(Some("/tmp/x.sqlite3".into()), &file).unwrap(),
            (PathBuf::from("/tmp/x.sqlite3"), Source::Env)
        );
        save(&file, &DatabaseChoice::Sqlite).unwrap();
        let (local, source) = resolve_from(None, &file).unwrap();
        assert_eq!(source, Source::Setting);
        assert!(local.ends_with(crate::DB_FILE_NAME), "{}", local.display());
    }

    #[test]
    fn a_broken_file_or_url_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(STATION_FILE);
        std::fs::write(&file, "{\"backend\": \"oracle\"}").unwrap();
        let err = load(&file).unwrap_err().to_string();
        assert!(err.contains(&file.display().to_string()), "{err}");
        assert!(err.contains("postgres"), "{err}");
        let bad = DatabaseChoice::Postgres {
            url: "mysql://root:pw@db/x".into(),
        };
        let err = save(&file, &bad).unwrap_err().to_string();
        assert!(err.contains("not a PostgreSQL URL"), "{err}");
        assert!(!err.contains("pw@"), "the password is never shown: {err}");
    }
}
