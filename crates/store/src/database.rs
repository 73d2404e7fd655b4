//! The database file: where it lives, how it is opened, and how it is backed up and restored.
//! (A PostgreSQL store is opened by `postgres.rs`; [`StoreOptions`] tells the two apart.)
//!
//! Opening is careful because the file may not be ours:
//! 1. The first 100 bytes must be an SQLite header (or the file empty/missing). A text file or
//!    anything else is refused before SQLite touches it.
//! 2. A plain connection (no journal-mode change, nothing written) reads `application_id`, the
//!    table list and the highest applied migration. Another application's database, or ours
//!    from a newer Heartlens, is refused here, unmodified.
//! 3. Only then is the pool opened with the real options (WAL, `synchronous=FULL`,
//!    `busy_timeout`, foreign keys) and [`MIGRATOR`](crate::MIGRATOR) brought up to date.
//!
//! Durability: `synchronous=FULL` in WAL mode syncs the WAL on every commit, so an acknowledged
//! annotation or signature survives power loss, not only a process crash (NORMAL would only
//! promise the latter). A clinical record is worth the few hundred microseconds a commit costs;
//! the chat stream batches tokens per commit so it is not bound by it (see `bench/store/`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::Connection;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};

use crate::error::{Error, Result};

/// `PRAGMA application_id` of a Heartlens store: "HLEN" (set by the first migration).
pub const APPLICATION_ID: i32 = 0x484C_454E;

/// File name of the store inside the data directory.
pub const DB_FILE_NAME: &str = "heartlens.sqlite3";

/// The environment variable that overrides the data directory.
pub const HOME_ENV: &str = "HEARTLENS_HOME";

/// The environment variable naming the store itself: a `postgres://` URL (a department's
/// shared database) or an SQLite file. Unset, the store is [`default_path`].
pub const DB_ENV: &str = "HEARTLENS_DB";

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// The default database path: `$HEARTLENS_HOME/heartlens.sqlite3`, else the platform's data
/// directory (`~/.local/share/heartlens` on Linux, `~/Library/Application Support/heartlens` on
/// macOS, `%APPDATA%\heartlens` on Windows).
pub fn default_path() -> Result<PathBuf> {
    path_from(std::env::var_os(HOME_ENV), dirs::data_dir())
}

/// The store to open when none is named: `$HEARTLENS_DB` (a `postgres://` URL or a file), else
/// the station's setting (the app's Settings page, [`crate::station`]), else [`default_path`].
pub fn default_location() -> Result<PathBuf> {
    crate::station::resolve().map(|(location, _)| location)
}

/// True for a `postgres://` or `postgresql://` URL (as a path or string).
pub fn is_postgres_url(location: &Path) -> bool {
    location
        .to_str()
        .is_some_and(|s| s.starts_with("postgres://") || s.starts_with("postgresql://"))
}

/// The URL without its password (user info and `password=` parameter), for messages and logs.
pub fn redact_url(url: &str) -> String {
    let mut out = url.to_string();
    if let Some(scheme_end) = out.find("://") {
        let rest = scheme_end + 3;
        let authority_end = out[rest..].find(['/', '?']).map_or(out.len(), |i| rest + i);
        if let Some(at) = out[rest..authority_end].rfind('@')
            && let Some(colon) = out[rest..rest + at].find(':')
        {
            out.replace_range(rest + colon + 1..rest + at, "***");
        }
    }
    if let Some(q) = out.find('?') {
        let (head, query) = out.split_at(q + 1);
        let params: Vec<String> = query
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => kv.to_string(),
            })
            .collect();
        out = format!("{head}{}", params.join("&"));
    }
    out
}

fn path_from(home: Option<std::ffi::OsString>, data_dir: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(home) = home.filter(|h| !h.is_empty()) {
        return Ok(PathBuf::from(home).join(DB_FILE_NAME));
    }
    let base = data_dir.ok_or(Error::NoDataDir)?;
    Ok(base.join("heartlens").join(DB_FILE_NAME))
}

/// How to open the store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// The SQLite file, or for PostgreSQL the URL with its password removed (what `path()`
    /// shows).
    pub(crate) path: PathBuf,
    /// The full `postgres://` URL (with any password); None for SQLite.
    pub(crate) url: Option<String>,
    pub(crate) busy_timeout: Duration,
    pub(crate) max_connections: u32,
    /// How long connecting to a PostgreSQL server may take.
    pub(crate) connect_timeout: Duration,
}

impl StoreOptions {
    /// Options for the database at `path` with the defaults: 30 s busy timeout, 4 connections.
    /// `path` may also be a `postgres://user@host/db` URL: the store then lives on that server,
    /// and the URL's user is the PostgreSQL role every change is recorded under.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let url = is_postgres_url(&path).then(|| path.to_string_lossy().into_owned());
        Self {
            path: match &url {
                Some(u) => PathBuf::from(redact_url(u)),
                None => path,
            },
            url,
            // Long enough that a background writer (analysis cache, chat stream) never makes the
            // UI's write fail; each of those transactions lasts milliseconds.
            busy_timeout: Duration::from_secs(30),
            max_connections: 4,
            connect_timeout: Duration::from_secs(30),
        }
    }

    /// How long opening a PostgreSQL store may wait for the server (default 30 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long a writer waits for another writer before [`Error::Busy`] (SQLite's busy
    /// timeout; PostgreSQL's `lock_timeout`).
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// Pool size (readers run in parallel in WAL mode; writers take turns).
    pub fn max_connections(mut self, n: u32) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// The database path (for PostgreSQL, the URL without its password).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The engine this store runs on.
    pub fn backend(&self) -> crate::sql::Backend {
        match self.url {
            Some(_) => crate::sql::Backend::Postgres,
            None => crate::sql::Backend::Sqlite,
        }
    }

    pub(crate) fn connect_options(&self) -> SqliteConnectOptions {
        SqliteConnectOptions::new()
            .filename(&self.path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(self.busy_timeout)
            .foreign_keys(true)
    }
}

/// What the pre-flight inspection found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    /// Missing, empty, or an SQLite file without tables: safe to initialise.
    New,
    /// A Heartlens store with this highest applied migration (None: not migrated yet).
    Ours(Option<i64>),
}

/// Highest migration version this build knows.
pub fn supported_schema_version() -> i64 {
    crate::MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Steps (1) and (2) of the module doc: decides whether `path` may be opened, without writing.
pub(crate) async fn inspect(path: &Path) -> Result<Found> {
    match check_header(path)? {
        Header::Missing | Header::Empty => return Ok(Found::New),
        Header::Sqlite => {}
    }
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(30))
        .foreign_keys(false);
    let mut conn = SqliteConnection::connect_with(&opts)
        .await
        .map_err(|e| with_path(e.into(), path))?;
    let found = inspect_conn(&mut conn, path).await;
    // Closing does not write either; ignore a close error after a successful inspection.
    let _ = conn.close().await;
    found
}

async fn inspect_conn(conn: &mut SqliteConnection, path: &Path) -> Result<Found> {
    let wrap = |e: sqlx::Error| with_path(e.into(), path);
    let app_id: i32 = sqlx::query_scalar("PRAGMA application_id")
        .fetch_one(&mut *conn)
        .await
        .map_err(wrap)?;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(wrap)?;
    if tables.is_empty() && app_id == 0 {
        return Ok(Found::New);
    }
    if app_id != APPLICATION_ID {
        let mut list: Vec<&str> = tables.iter().map(String::as_str).take(5).collect();
        if tables.len() > 5 {
            list.push("...");
        }
        return Err(Error::ForeignDatabase {
            path: path.to_path_buf(),
            application_id: app_id,
            tables: list.join(", "),
        });
    }
    if !tables.iter().any(|t| t == "_sqlx_migrations") {
        return Ok(Found::Ours(None));
    }
    let version: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(&mut *conn)
            .await
            .map_err(wrap)?;
    let supported = supported_schema_version();
    if let Some(v) = version
        && v > supported
    {
        return Err(Error::NewerSchema {
            path: path.to_path_buf(),
            found: v,
            supported,
        });
    }
    Ok(Found::Ours(version))
}

enum Header {
    Missing,
    Empty,
    Sqlite,
}

fn check_header(path: &Path) -> Result<Header> {
    use std::io::Read;
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Header::Missing),
        Err(e) => return Err(Error::io(path, e)),
    };
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(Error::NotADatabase {
            path: path.to_path_buf(),
            reason: "not a regular file".into(),
        });
    }
    if meta.len() == 0 {
        return Ok(Header::Empty);
    }
    let mut head = [0u8; 100];
    let mut n = 0;
    while n < head.len() {
        let got = file.read(&mut head[n..]).map_err(|e| Error::io(path, e))?;
        if got == 0 {
            break;
        }
        n += got;
    }
    if n < head.len() || &head[..16] != SQLITE_MAGIC {
        let shown: String = head[..n.min(16)]
            .iter()
            .map(|&b| {
                if b.is_ascii_graphic() || b == b' ' {
                    b as char
                } else {
                    '.'
                }
            })
            .collect();
        return Err(Error::NotADatabase {
            path: path.to_path_buf(),
            reason: format!(
                "no SQLite header at offset 0 (found {shown:?}, {} bytes)",
                meta.len()
            ),
        });
    }
    Ok(Header::Sqlite)
}

/// Adds the file to errors that name a file.
pub(crate) fn with_path(e: Error, path: &Path) -> Error {
    match e {
        Error::Corrupt { detail, .. } => Error::Corrupt {
            path: path.to_path_buf(),
            detail,
        },
        other => other,
    }
}

/// Step (3): opens the pool and migrates. Called after [`inspect`] accepted the file.
pub(crate) async fn open_pool(opts: &StoreOptions) -> Result<SqlitePool> {
    let path = &opts.path;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(opts.max_connections)
        .min_connections(0)
        .connect_with(opts.connect_options())
        .await
        .map_err(|e| with_path(e.into(), path))?;
    // Mark the file as ours before the migrator creates its own table: a crash between that
    // table and the first migration must not leave a file that the next open calls foreign.
    // Only reached after `inspect` found the file new or ours.
    let app_id: i32 = sqlx::query_scalar("PRAGMA application_id")
        .fetch_one(&pool)
        .await?;
    if app_id == 0 {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "PRAGMA application_id = {APPLICATION_ID}"
        )))
        .execute(&pool)
        .await?;
    }
    // Two processes opening a fresh file at once may both try the first migration; the loser
    // fails on "already exists" after the winner committed, and a second run sees it applied.
    if let Err(first) = crate::MIGRATOR.run(&pool).await {
        tracing::warn!("migration attempt failed, retrying once: {first}");
        crate::MIGRATOR.run(&pool).await?;
    }
    Ok(pool)
}

/// `PRAGMA integrity_check`: Ok if SQLite reports "ok", else [`Error::Corrupt`] with its report.
pub async fn integrity_check(conn: &mut SqliteConnection, path: &Path) -> Result<()> {
    let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| with_path(e.into(), path))?;
    if rows.len() == 1 && rows[0] == "ok" {
        return Ok(());
    }
    Err(Error::Corrupt {
        path: path.to_path_buf(),
        detail: rows.into_iter().take(10).collect::<Vec<_>>().join("; "),
    })
}

/// Writes a consistent copy of the open database to `out` with `VACUUM INTO` (a read
/// transaction: other writers go on). Refuses to overwrite an existing file.
pub(crate) async fn backup_to(pool: &SqlitePool, out: &Path) -> Result<()> {
    if out.exists() {
        return Err(Error::Argument {
            field: "backup path",
            message: format!("{} already exists; choose a new file", out.display()),
        });
    }
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let out_str = out.to_str().ok_or_else(|| Error::Argument {
        field: "backup path",
        message: format!("{} is not valid UTF-8", out.display()),
    })?;
    sqlx::query("VACUUM INTO ?")
        .bind(out_str)
        .execute(pool)
        .await?;
    // VACUUM INTO does not sync the new file; do it so the backup is durable when we return.
    let f = std::fs::File::open(out).map_err(|e| Error::io(out, e))?;
    f.sync_all().map_err(|e| Error::io(out, e))?;
    Ok(())
}

/// Checks that `file` is a complete, uncorrupted Heartlens store this build can open. Nothing is
/// written to it.
pub async fn verify_file(file: &Path) -> Result<Option<i64>> {
    if is_postgres_url(file) {
        return Err(Error::Unsupported {
            operation: "verifying a database file",
            location: redact_url(&file.to_string_lossy()),
            hint: "the PostgreSQL server checks its own data; open the store to check its schema",
        });
    }
    let found = inspect(file).await?;
    let version = match found {
        Found::New => {
            return Err(Error::NotADatabase {
                path: file.to_path_buf(),
                reason: "empty database (no Heartlens tables)".into(),
            });
        }
        Found::Ours(v) => v,
    };
    let opts = SqliteConnectOptions::new()
        .filename(file)
        .create_if_missing(false)
        .foreign_keys(false);
    let mut conn = SqliteConnection::connect_with(&opts)
        .await
        .map_err(|e| with_path(e.into(), file))?;
    let checked = integrity_check(&mut conn, file).await;
    let _ = conn.close().await;
    checked?;
    Ok(version)
}

/// Replaces the database at `opts.path` with the verified copy of `backup`, atomically.
///
/// 1. `backup` is copied next to the target and the copy is verified (so what is checked is what
///    is installed) and synced.
/// 2. The current database, if any, is checkpointed and closed; if its `-wal` file is still
///    there, another process has it open and the restore is refused. Otherwise it is copied to
///    `<name>.before-restore-<ms>`.
/// 3. The copy is renamed over the target (atomic on one file system) and the directory synced.
///
/// Returns the path of the saved previous database, if there was one.
pub(crate) async fn restore_from(opts: &StoreOptions, backup: &Path) -> Result<Option<PathBuf>> {
    let target = &opts.path;
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    // Verify the source first, so a wrong file fails before anything is copied.
    verify_file(backup).await?;

    // (1)
    let stamp = crate::now_ms();
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| DB_FILE_NAME.to_string());
    let tmp = dir.join(format!(".{name}.restore-{stamp}.tmp"));
    let result = async {
        std::fs::copy(backup, &tmp).map_err(|e| Error::io(&tmp, e))?;
        verify_file(&tmp).await?;
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(|e| Error::io(&tmp, e))?;

        // (2)
        let mut saved = None;
        if matches!(check_header(target)?, Header::Sqlite) {
            inspect(target).await?;
            let pool = open_pool(opts).await?;
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&pool)
                .await?;
            pool.close().await;
            // The last connection to close removes the -wal file; if it is still there,
            // another process has the database open. This process's own connections close on
            // their worker threads, so the file may outlive the close by a moment (seen once
            // in a loaded CI run): only a -wal that stays is another process's.
            let wal = sidecar(target, "-wal");
            let wait_for_wal = async |grace: Duration| {
                let deadline = std::time::Instant::now() + grace;
                while wal.exists() && std::time::Instant::now() < deadline {
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
            };
            wait_for_wal(WAL_GRACE).await;
            if wal.exists() {
                // A -wal with no connection left behind it: when connections close at the
                // same moment, each can see the other still open and leave the file for it
                // (a CLI backup-then-restore did once in ~50 runs). One connection of our own
                // opened and closed alone removes such a file; another process's open
                // connection keeps it.
                sole_connection_close(opts).await?;
                wait_for_wal(WAL_GRACE).await;
            }
            if wal.exists() {
                return Err(Error::InUse {
                    path: target.clone(),
                });
            }
            // Checkpointed and closed: the main file alone is the whole database.
            let keep = dir.join(format!("{name}.before-restore-{stamp}"));
            std::fs::copy(target, &keep).map_err(|e| Error::io(&keep, e))?;
            std::fs::File::open(&keep)
                .and_then(|f| f.sync_all())
                .map_err(|e| Error::io(&keep, e))?;
            saved = Some(keep);
        }
        // A leftover -shm from a crashed process describes the old file; SQLite rebuilds it.
        let shm = sidecar(target, "-shm");
        if shm.exists() {
            std::fs::remove_file(&shm).map_err(|e| Error::io(&shm, e))?;
        }
        // (3)
        std::fs::rename(&tmp, target).map_err(|e| Error::io(target, e))?;
        if let Ok(d) = std::fs::File::open(&dir) {
            // Directory fsync makes the rename durable; not supported on every platform.
            let _ = d.sync_all();
        }
        Ok(saved)
    }
    .await;
    if result.is_err() && tmp.exists() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// How long a restore waits for the database's -wal file to go after closing its own pool,
/// and again after [`sole_connection_close`]. Connections close on their own worker threads;
/// on a loaded 2-core machine (a CI build beside the tests) that took more than 2 s once, so
/// the grace is generous: it only delays the "in use by another process" answer, never a
/// restore that can proceed.
const WAL_GRACE: Duration = Duration::from_secs(5);

/// Opens one connection to the database, checkpoints it and closes it: the last connection
/// to close removes the -wal file, so an orphaned one goes unless another connection (another
/// process) still has the database open.
async fn sole_connection_close(opts: &StoreOptions) -> Result<()> {
    let mut conn = SqliteConnection::connect_with(&opts.connect_options().create_if_missing(false))
        .await
        .map_err(|e| with_path(e.into(), &opts.path))?;
    let checkpoint = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await;
    conn.close()
        .await
        .map_err(|e| with_path(e.into(), &opts.path))?;
    checkpoint?;
    Ok(())
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartlens_home_overrides_the_platform_data_dir() {
        let p = path_from(
            Some("/tmp/hl".into()),
            Some(PathBuf::from("/home/u/.local/share")),
        )
        .unwrap();
        assert_eq!(p, PathBuf::from("/tmp/hl/heartlens.sqlite3"));
    }

    #[test]
    fn without_heartlens_home_the_store_lives_in_the_data_dir() {
        let p = path_from(None, Some(PathBuf::from("/home/u/.local/share"))).unwrap();
        assert_eq!(
            p,
            PathBuf::from("/home/u/.local/share/heartlens/heartlens.sqlite3")
        );
        let empty = path_from(Some("".into()), Some(PathBuf::from("/d"))).unwrap();
        assert_eq!(empty, PathBuf::from("/d/heartlens/heartlens.sqlite3"));
    }

    #[test]
    fn no_data_dir_and_no_home_is_an_error_naming_the_fix() {
        let err = path_from(None, None).unwrap_err();
        assert!(err.to_string().contains("HEARTLENS_HOME"));
    }

    #[test]
    fn urls_are_told_from_paths_and_shown_without_passwords() {
        assert!(is_postgres_url(Path::new("postgres://u@h/db")));
        assert!(is_postgres_url(Path::new("postgresql://u@h/db")));
        assert!(!is_postgres_url(Path::new(
            "/data/postgres/heartlens.sqlite3"
        )));
        assert_eq!(
            redact_url("postgres://dr_a:s3cret@db.example/heartlens?sslmode=require"),
            "postgres://dr_a:***@db.example/heartlens?sslmode=require"
        );
        assert_eq!(
            redact_url("postgres://dr_a@localhost/hl?host=/tmp/x&password=pw"),
            "postgres://dr_a@localhost/hl?host=/tmp/x&password=***"
        );
        let o = StoreOptions::new("postgres://dr_a:pw@h/db");
        assert_eq!(o.path(), Path::new("postgres://dr_a:***@h/db"));
        assert_eq!(o.backend(), crate::sql::Backend::Postgres);
    }

    #[tokio::test]
    async fn a_sole_connection_removes_an_orphaned_wal_but_not_a_held_one() {
        // What a restore relies on when its own pool's connections, closing together, each
        // left the -wal for the other: one connection opened and closed alone removes it,
        // unless another connection still has the database open.
        let dir = std::env::temp_dir().join(format!("heartlens-wal-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let opts = StoreOptions::new(dir.join("heartlens.sqlite3"));
        let wal = sidecar(&opts.path, "-wal");
        let kept = dir.join("wal.copy");
        let pool = open_pool(&opts).await.unwrap();
        sqlx::query("CREATE TABLE t (x INTEGER)")
            .execute(&pool)
            .await
            .unwrap();
        std::fs::copy(&wal, &kept).unwrap();
        pool.close().await;
        assert!(!wal.exists(), "the last connection removed it");
        // Orphaned: a -wal file and no connection.
        std::fs::copy(&kept, &wal).unwrap();
        sole_connection_close(&opts).await.unwrap();
        assert!(!wal.exists(), "an orphaned -wal goes");
        // Held: another connection open keeps it.
        let other = open_pool(&opts).await.unwrap();
        sqlx::query("INSERT INTO t VALUES (1)")
            .execute(&other)
            .await
            .unwrap();
        sole_connection_close(&opts).await.unwrap();
        assert!(wal.exists(), "a held -wal stays");
        other.close().await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn application_id_spells_hlen() {
        assert_eq!(APPLICATION_ID.to_be_bytes(), *b"HLEN");
    }
}
