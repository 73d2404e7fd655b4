//! The Heartlens store: everything the cardiologist does, kept in one SQLite file that survives
//! crashes and can be audited.
//!
//! The model: [`Store`] owns the pool and offers one method per user action; each is one
//! transaction. Beneath it, one module per table group holds repository functions that take
//! `&mut SqliteConnection` and never begin or commit, so a caller can put several in one
//! transaction ([`Store::begin_write`]):
//!
//! - [`recordings`]: files by content hash (a moved file is the same recording), cached analysis.
//! - [`sessions`]: the view state to restore.
//! - [`annotations`] + [`audit`]: user annotations, soft edits, an append-only audit log, and
//!   undo/redo replayed from it.
//! - [`review`]: measurement overrides, statement states, and the signature that locks them.
//! - [`chats`]: threads and messages, streamed token by token.
//! - [`holter`]: a long recording's Holter result (rates, events, packed beats) as rows.
//! - [`presence`]: who is reading what (heartbeats, released on close, stale ones hidden).
//! - [`reports`], [`settings`].
//! - [`station`]: which database this computer uses (the app's setting; `$HEARTLENS_DB` wins).
//!
//! The schema lives only in the workspace's `migrations/` ([`MIGRATOR`], run on open). Opening
//! refuses files that are not ours or come from a newer Heartlens, without touching them
//! ([`Error::ForeignDatabase`], [`Error::NewerSchema`]).
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use store::{Store, annotations::AnnotationData, recordings::{ContentHash, NewRecording}};
//! let dir = tempfile::tempdir().unwrap();
//! let store = Store::open(dir.path().join("heartlens.sqlite3")).await?;
//! let rec = store
//!     .open_recording(&NewRecording {
//!         content_sha256: ContentHash::of_bytes(b"ecg file bytes"),
//!         size_bytes: 14,
//!         path: "/data/100.hea".into(),
//!         format: "WFDB".into(),
//!         metadata: serde_json::json!({}),
//!     })
//!     .await?;
//! let note = store.add_annotation(rec.id, &AnnotationData::note(1.0, 2.5, "artefact"), "dr.a").await?;
//! store.undo(rec.id, "dr.a").await?;
//! assert!(store.annotations(rec.id).await?.is_empty());
//! store.redo(rec.id, "dr.a").await?;
//! assert_eq!(store.annotations(rec.id).await?[0].id, note.id);
//! # Ok::<(), store::Error>(())
//! # }).unwrap();
//! ```

#![deny(missing_docs)]

pub mod annotations;
pub mod audit;
pub mod blocking;
pub mod chats;
mod database;
mod error;
pub mod holter;
mod postgres;
pub mod presence;
pub mod recordings;
pub mod reports;
pub mod review;
pub mod sessions;
pub mod settings;
pub mod sql;
pub mod station;
mod store;

pub use database::{
    APPLICATION_ID, DB_ENV, DB_FILE_NAME, HOME_ENV, StoreOptions, default_location, default_path,
    integrity_check, is_postgres_url, redact_url, supported_schema_version, verify_file,
};
pub use error::{Error, Result};
pub use sql::Backend;
pub use store::{ReviewState, SESSION_ANNOTATIONS, SessionSnapshot, Store, WorklistEntry, WriteTx};

/// The SQLite migrations (`migrations/sqlite/` of the workspace), embedded at build time.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");

/// The PostgreSQL migrations (`migrations/postgres/`): the same versions as [`MIGRATOR`], each
/// written for PostgreSQL (see `migrations/README.md`).
pub static PG_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

/// Milliseconds since the Unix epoch (0 if the clock is before it).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
