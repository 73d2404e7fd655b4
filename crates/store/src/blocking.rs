//! A blocking front for callers without an async runtime (the CLI): the few whole-database
//! operations, each run to completion on a private current-thread runtime.

use std::path::{Path, PathBuf};

use crate::database::StoreOptions;
use crate::error::{Error, Result};
use crate::store::Store;

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("<tokio runtime>", e))
}

/// Opens the store at `path` (a file or `postgres://` URL; [`default_location`] if None), runs
/// `f`, closes it.
///
/// [`default_location`]: crate::default_location
pub fn with_store<T>(path: Option<&Path>, f: impl AsyncFnOnce(&Store) -> Result<T>) -> Result<T> {
    let rt = runtime()?;
    rt.block_on(async {
        let store = match path {
            Some(p) => Store::open(p).await?,
            None => Store::open_default().await?,
        };
        let out = f(&store).await;
        store.close().await;
        out
    })
}

/// Backs up the SQLite store at `db` (default location if None) to `out`.
pub fn backup(db: Option<&Path>, out: &Path) -> Result<PathBuf> {
    with_store(db, async |s: &Store| {
        s.backup(out).await?;
        Ok(s.path().to_path_buf())
    })
}

/// Restores `backup` over the SQLite store at `db` (default location if None). Returns the
/// database path and where the previous database was saved.
pub fn restore(db: Option<&Path>, backup: &Path) -> Result<(PathBuf, Option<PathBuf>)> {
    let path = match db {
        Some(p) => p.to_path_buf(),
        None => crate::database::default_location()?,
    };
    let rt = runtime()?;
    let saved = rt.block_on(Store::restore(&StoreOptions::new(&path), backup))?;
    Ok((path, saved))
}

/// Verifies a database or backup file without modifying it; returns its schema version.
pub fn verify(file: &Path) -> Result<Option<i64>> {
    runtime()?.block_on(crate::database::verify_file(file))
}
