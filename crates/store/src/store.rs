//! [`Store`]: the open database and one method per user action.
//!
//! Each action method is a transaction boundary: it begins a write transaction, calls the
//! repository functions of the table modules (which take `&mut SqliteConnection` and never
//! begin or commit), and commits. An early `?` drops the transaction, which rolls it back.
//! Callers that need several changes in one transaction do the same with [`Store::begin_write`].
//!
//! On SQLite, write transactions start with `BEGIN IMMEDIATE`: they take the write lock up
//! front, where the busy timeout applies. A deferred transaction that reads and then writes can
//! instead fail at once with SQLITE_BUSY when another writer committed in between (the busy
//! handler cannot help a stale snapshot); that is the usual source of "database is locked" in
//! WAL mode. On PostgreSQL they are READ COMMITTED transactions whose review changes first lock
//! the recording's row ([`recordings::lock`]), so readers of one recording take turns while
//! readers of different recordings write in parallel; multi-query reads ([`Store::load_session`])
//! run in one REPEATABLE READ snapshot.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::postgres::PgPool;
use sqlx::sqlite::SqlitePool;

use crate::annotations::{self, Annotation, AnnotationData};
use crate::audit::{self, AuditEntry};
use crate::chats::{self, ChatMessage, ChatThread, MessageStatus, NewMessage, Role};
use crate::database::{self, StoreOptions};
use crate::error::{Error, Result};
use crate::holter::{self, BeatArrays, HolterOverview, HolterResult};
use crate::now_ms;
use crate::presence::{self, Presence};
use crate::recordings::{self, ContentHash, NewRecording, Recording};
use crate::reports::{self, ExportedReport};
use crate::review::{self, MeasurementOverride, Signature, StatementState, StoredStatement};
use crate::sessions::{self, Session, ViewState};
use crate::settings;
use crate::sql::{Backend, Conn};

/// A write transaction (see the module doc): pass `&mut tx` to repository functions, then
/// [`WriteTx::commit`]. Dropping it rolls back.
#[derive(Debug)]
pub struct WriteTx(Conn);

impl WriteTx {
    /// Commits.
    pub async fn commit(self) -> Result<()> {
        self.0.commit().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.0
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.0
    }
}

/// The open store. Cheap to clone (the pool is shared).
#[derive(Debug, Clone)]
pub struct Store {
    pool: Pool,
    options: StoreOptions,
}

#[derive(Debug, Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// One line of the worklist: a recording, who is reading it now, and whether it is signed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorklistEntry {
    /// The recording.
    pub recording: Recording,
    /// Readers present now, longest-present first ("reading by").
    pub readers: Vec<Presence>,
    /// The signature, once signed.
    pub signature: Option<Signature>,
}

/// The review of a recording: measurement overrides, statements and the signature.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewState {
    /// Measurement overrides.
    pub overrides: Vec<MeasurementOverride>,
    /// Statements.
    pub statements: Vec<StoredStatement>,
    /// Signature, if signed.
    pub signature: Option<Signature>,
}

/// Most annotations a [`SessionSnapshot`] carries, so opening a session stays fast however many
/// the recording has.
pub const SESSION_ANNOTATIONS: u32 = 1000;

/// Everything the screen needs to show a recording as it was left.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionSnapshot {
    /// The recording.
    pub recording: Recording,
    /// Its saved view (default view if it was never saved).
    pub session: Session,
    /// The first [`SESSION_ANNOTATIONS`] live annotations by start time (a Holter session
    /// may hold 100k; use [`Store::annotations`] or [`Store::annotations_in_range`] for more).
    pub annotations: Vec<Annotation>,
    /// How many live annotations the recording has in all.
    pub annotation_count: u64,
    /// Measurement overrides.
    pub overrides: Vec<MeasurementOverride>,
    /// Statements.
    pub statements: Vec<StoredStatement>,
    /// Signature, if signed.
    pub signature: Option<Signature>,
    /// Chat threads, most recent first.
    pub threads: Vec<ChatThread>,
}

impl Store {
    /// Opens (creating if needed) the store named by `$HEARTLENS_DB`, else the one at the
    /// default path (see [`default_location`](crate::default_location)).
    pub async fn open_default() -> Result<Self> {
        Self::open_with(StoreOptions::new(database::default_location()?)).await
    }

    /// Opens (creating if needed) the store at `path` with default options; `path` may be a
    /// `postgres://` URL (see [`StoreOptions::new`]).
    pub async fn open(path: impl Into<PathBuf>) -> Result<Self> {
        Self::open_with(StoreOptions::new(path)).await
    }

    /// Opens the store: checks the database is ours and not newer, opens the pool, migrates.
    pub async fn open_with(options: StoreOptions) -> Result<Self> {
        let pool = match &options.url {
            None => {
                database::inspect(&options.path).await?;
                Pool::Sqlite(database::open_pool(&options).await?)
            }
            Some(url) => Pool::Postgres(crate::postgres::open_pool(&options, url).await?),
        };
        Ok(Self { pool, options })
    }

    /// The database file (for PostgreSQL, the URL without its password).
    pub fn path(&self) -> &Path {
        &self.options.path
    }

    /// The engine this store runs on.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// The SQLite pool (None on PostgreSQL), for SQLite-only tools and tests.
    pub fn sqlite_pool(&self) -> Option<&SqlitePool> {
        match &self.pool {
            Pool::Sqlite(p) => Some(p),
            Pool::Postgres(_) => None,
        }
    }

    /// The PostgreSQL login role this store's changes are recorded under (None on SQLite,
    /// where the actor names the user).
    pub async fn role(&self) -> Result<Option<String>> {
        match self.backend() {
            Backend::Sqlite => Ok(None),
            Backend::Postgres => Ok(Some(
                crate::sql::query("SELECT session_user::text")
                    .scalar(&mut self.read().await?)
                    .await?,
            )),
        }
    }

    /// Begins a write transaction (SQLite: `BEGIN IMMEDIATE`). Pass `&mut tx` to repository
    /// functions, then `tx.commit()`.
    pub async fn begin_write(&self) -> Result<WriteTx> {
        Ok(WriteTx(match &self.pool {
            Pool::Sqlite(p) => Conn::sqlite_tx(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(p) => Conn::pg_tx(p.begin().await?),
        }))
    }

    /// A connection for reads.
    pub async fn read(&self) -> Result<Conn> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => Conn::sqlite(p.acquire().await?),
            Pool::Postgres(p) => Conn::pg(p.acquire().await?),
        })
    }

    /// A read transaction on one consistent snapshot (end it with `commit`).
    async fn snapshot(&self) -> Result<Conn> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => Conn::sqlite_tx(p.begin().await?),
            Pool::Postgres(p) => Conn::pg_tx(
                p.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .await?,
            ),
        })
    }

    /// Closes all connections (waits for them to be returned).
    pub async fn close(self) {
        match self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }

    fn sqlite_only(&self, operation: &'static str, hint: &'static str) -> Result<&SqlitePool> {
        self.sqlite_pool().ok_or_else(|| Error::Unsupported {
            operation,
            location: self.options.path.to_string_lossy().into_owned(),
            hint,
        })
    }

    // ---- database file ----

    /// SQLite: `PRAGMA integrity_check`. PostgreSQL (which checks its own pages): every
    /// migration applied completely.
    pub async fn integrity_check(&self) -> Result<()> {
        let mut conn = self.read().await?;
        match conn.as_sqlite() {
            Some(c) => database::integrity_check(c, &self.options.path).await,
            None => {
                let failed: i64 =
                    crate::sql::query("SELECT COUNT(*) FROM _sqlx_migrations WHERE NOT success")
                        .scalar(&mut conn)
                        .await?;
                if failed > 0 {
                    return Err(Error::Corrupt {
                        path: self.options.path.clone(),
                        detail: format!("{failed} migration(s) recorded as failed"),
                    });
                }
                Ok(())
            }
        }
    }

    /// Writes a consistent copy of the database to `out` (must not exist) while it stays in use.
    /// SQLite only: a PostgreSQL store is backed up with the server's tools.
    pub async fn backup(&self, out: &Path) -> Result<()> {
        let pool = self.sqlite_only("backup", PG_BACKUP_HINT)?;
        database::backup_to(pool, out).await
    }

    /// Replaces the database at `options.path` with `backup` after verifying it; no store may
    /// be open on it. The previous database is kept beside it and its path returned. SQLite
    /// only.
    pub async fn restore(options: &StoreOptions, backup: &Path) -> Result<Option<PathBuf>> {
        if options.url.is_some() {
            return Err(Error::Unsupported {
                operation: "restore",
                location: options.path.to_string_lossy().into_owned(),
                hint: PG_BACKUP_HINT,
            });
        }
        database::restore_from(options, backup).await
    }

    // ---- recordings and sessions ----

    /// Records that a file was opened (new content or a known one at a new path) and touches
    /// its session. Hashing happens on a blocking thread.
    pub async fn open_file(
        &self,
        path: &Path,
        format: &str,
        metadata: serde_json::Value,
    ) -> Result<Recording> {
        let p = path.to_path_buf();
        let (hash, size) = tokio::task::spawn_blocking(move || ContentHash::of_file(&p))
            .await
            .map_err(|e| Error::State(format!("hashing task failed: {e}")))??;
        self.open_recording(&NewRecording {
            content_sha256: hash,
            size_bytes: size,
            path: path.to_string_lossy().into_owned(),
            format: format.to_string(),
            metadata,
        })
        .await
    }

    /// As [`Store::open_file`] with the hash already known.
    pub async fn open_recording(&self, new: &NewRecording) -> Result<Recording> {
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        let rec = recordings::upsert(&mut tx, new, now).await?;
        sessions::touch(&mut tx, rec.id, now).await?;
        tx.commit().await?;
        Ok(rec)
    }

    /// A recording by id.
    pub async fn recording(&self, id: i64) -> Result<Recording> {
        recordings::get(&mut self.read().await?, id).await
    }

    /// A recording by content hash.
    pub async fn find_recording(&self, hash: &ContentHash) -> Result<Option<Recording>> {
        recordings::find_by_hash(&mut self.read().await?, hash).await
    }

    /// Recently opened recordings, newest first.
    pub async fn recent(&self, limit: u32) -> Result<Vec<Recording>> {
        recordings::recent(&mut self.read().await?, limit).await
    }

    /// Caches an analysis result.
    pub async fn set_analysis(
        &self,
        recording_id: i64,
        version: &str,
        analysis: &serde_json::Value,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        recordings::set_analysis(&mut tx, recording_id, version, analysis).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Caches the analysis of a long recording and its Holter result in one transaction:
    /// `analysis` (JSON, typically without its beat list) as [`Store::set_analysis`] does, the
    /// Holter rows and packed beats as [`holter::save`] does, both under `version`.
    pub async fn save_holter(
        &self,
        recording_id: i64,
        version: &str,
        analysis: &serde_json::Value,
        result: &HolterResult,
    ) -> Result<()> {
        if result.summary.analysis_version != version {
            return Err(Error::Argument {
                field: "analysis_version",
                message: format!(
                    "Holter result of {:?} saved under {version:?}",
                    result.summary.analysis_version
                ),
            });
        }
        let mut tx = self.begin_write().await?;
        recordings::set_analysis(&mut tx, recording_id, version, analysis).await?;
        holter::save(&mut tx, recording_id, result, now_ms()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The Holter result of a recording without its beats (summary, rates, events), if any.
    pub async fn holter(&self, recording_id: i64) -> Result<Option<HolterOverview>> {
        holter::load(&mut self.read().await?, recording_id).await
    }

    /// Every beat of the recording's Holter result (empty when there is none).
    pub async fn holter_beats(&self, recording_id: i64) -> Result<BeatArrays> {
        holter::beats(&mut self.read().await?, recording_id).await
    }

    /// The cached analysis and its version.
    pub async fn analysis(&self, recording_id: i64) -> Result<Option<(String, serde_json::Value)>> {
        recordings::analysis(&mut self.read().await?, recording_id).await
    }

    /// Saves the view state.
    pub async fn save_view(&self, recording_id: i64, view: &ViewState) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sessions::save(&mut tx, recording_id, view, now_ms()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Loads everything needed to show a recording, from one consistent snapshot.
    pub async fn load_session(&self, recording_id: i64) -> Result<SessionSnapshot> {
        let mut tx = self.snapshot().await?;
        let recording = recordings::get(&mut tx, recording_id).await?;
        let session = sessions::load(&mut tx, recording_id)
            .await?
            .unwrap_or(Session {
                recording_id,
                view: ViewState::default(),
                last_opened_at_ms: recording.last_opened_at_ms,
            });
        let snapshot = SessionSnapshot {
            annotations: annotations::first(&mut tx, recording_id, SESSION_ANNOTATIONS).await?,
            annotation_count: u64::try_from(annotations::count(&mut tx, recording_id).await?)
                .unwrap_or(0),
            overrides: review::overrides(&mut tx, recording_id).await?,
            statements: review::statements(&mut tx, recording_id).await?,
            signature: review::signature(&mut tx, recording_id).await?,
            threads: chats::threads(&mut tx, recording_id).await?,
            recording,
            session,
        };
        tx.commit().await?;
        Ok(snapshot)
    }

    /// The review of a recording (overrides, statements, signature) from one snapshot.
    pub async fn review_state(&self, recording_id: i64) -> Result<ReviewState> {
        let mut tx = self.snapshot().await?;
        let state = ReviewState {
            overrides: review::overrides(&mut tx, recording_id).await?,
            statements: review::statements(&mut tx, recording_id).await?,
            signature: review::signature(&mut tx, recording_id).await?,
        };
        tx.commit().await?;
        Ok(state)
    }

    // ---- annotations ----

    /// Adds an annotation (with its audit entry, one transaction).
    pub async fn add_annotation(
        &self,
        recording_id: i64,
        data: &AnnotationData,
        author: &str,
    ) -> Result<Annotation> {
        let mut tx = self.begin_write().await?;
        let a = annotations::create(&mut tx, recording_id, data, author, now_ms()).await?;
        tx.commit().await?;
        Ok(a)
    }

    /// Adds many annotations of one recording (an import, a Holter's beat labels) with their
    /// audit entries in one transaction, batched into multi-row INSERTs on PostgreSQL
    /// ([`annotations::create_many`]); returned in the order of `data`.
    pub async fn add_annotations(
        &self,
        recording_id: i64,
        data: &[AnnotationData],
        author: &str,
    ) -> Result<Vec<Annotation>> {
        let mut tx = self.begin_write().await?;
        let a = annotations::create_many(&mut tx, recording_id, data, author, now_ms()).await?;
        tx.commit().await?;
        Ok(a)
    }

    /// Edits an annotation, whatever its current version (a single user's store; use
    /// [`Store::update_annotation_at`] where colleagues edit the same recording).
    pub async fn update_annotation(
        &self,
        id: i64,
        data: &AnnotationData,
        actor: &str,
    ) -> Result<Annotation> {
        let mut tx = self.begin_write().await?;
        let a = annotations::update(&mut tx, id, None, data, actor, now_ms()).await?;
        tx.commit().await?;
        Ok(a)
    }

    /// Edits an annotation if it is still at `version` (the one the reader saw), else refuses
    /// with [`Error::Stale`] naming who changed it; nothing is lost either way.
    pub async fn update_annotation_at(
        &self,
        id: i64,
        version: i64,
        data: &AnnotationData,
        actor: &str,
    ) -> Result<Annotation> {
        let mut tx = self.begin_write().await?;
        let a = annotations::update(&mut tx, id, Some(version), data, actor, now_ms()).await?;
        tx.commit().await?;
        Ok(a)
    }

    /// Soft-deletes an annotation, whatever its current version.
    pub async fn delete_annotation(&self, id: i64, actor: &str) -> Result<Annotation> {
        let mut tx = self.begin_write().await?;
        let a = annotations::delete(&mut tx, id, None, actor, now_ms()).await?;
        tx.commit().await?;
        Ok(a)
    }

    /// Soft-deletes an annotation if it is still at `version`, else [`Error::Stale`].
    pub async fn delete_annotation_at(
        &self,
        id: i64,
        version: i64,
        actor: &str,
    ) -> Result<Annotation> {
        let mut tx = self.begin_write().await?;
        let a = annotations::delete(&mut tx, id, Some(version), actor, now_ms()).await?;
        tx.commit().await?;
        Ok(a)
    }

    /// Undoes `actor`'s latest annotation change of a recording, never another actor's (None:
    /// nothing to undo).
    pub async fn undo(&self, recording_id: i64, actor: &str) -> Result<Option<Annotation>> {
        let mut tx = self.begin_write().await?;
        let a = annotations::undo(&mut tx, recording_id, actor, now_ms()).await?;
        tx.commit().await?;
        Ok(a)
    }

    /// Redoes `actor`'s latest undone annotation change (None: nothing to redo).
    pub async fn redo(&self, recording_id: i64, actor: &str) -> Result<Option<Annotation>> {
        let mut tx = self.begin_write().await?;
        let a = annotations::redo(&mut tx, recording_id, actor, now_ms()).await?;
        tx.commit().await?;
        Ok(a)
    }

    /// The first `limit` live annotations by start time.
    pub async fn annotations_first(
        &self,
        recording_id: i64,
        limit: u32,
    ) -> Result<Vec<Annotation>> {
        annotations::first(&mut self.read().await?, recording_id, limit).await
    }

    /// How many live annotations a recording has.
    pub async fn annotation_count(&self, recording_id: i64) -> Result<u64> {
        let n = annotations::count(&mut self.read().await?, recording_id).await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Live annotations of a recording.
    pub async fn annotations(&self, recording_id: i64) -> Result<Vec<Annotation>> {
        annotations::list(&mut self.read().await?, recording_id).await
    }

    /// Live annotations overlapping a time range.
    pub async fn annotations_in_range(
        &self,
        recording_id: i64,
        start_s: f64,
        end_s: f64,
    ) -> Result<Vec<Annotation>> {
        annotations::in_range(&mut self.read().await?, recording_id, start_s, end_s).await
    }

    /// The audit log of a recording.
    pub async fn history(&self, recording_id: i64) -> Result<Vec<AuditEntry>> {
        audit::history(&mut self.read().await?, recording_id).await
    }

    // ---- review ----

    /// Sets a measurement override, whatever its current version (a single user's store; use
    /// [`Store::set_override_at`] where colleagues review the same recording).
    pub async fn set_override(
        &self,
        o: &MeasurementOverride,
        author: &str,
    ) -> Result<MeasurementOverride> {
        let mut tx = self.begin_write().await?;
        let stored = review::set_override(&mut tx, o, None, author, now_ms()).await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// Sets a measurement override if it is still at `version` (the one the reader saw;
    /// [`review::NO_OVERRIDE`] when there was none), else refuses with [`Error::Stale`] naming
    /// who changed it.
    pub async fn set_override_at(
        &self,
        o: &MeasurementOverride,
        version: i64,
        author: &str,
    ) -> Result<MeasurementOverride> {
        let mut tx = self.begin_write().await?;
        let stored = review::set_override(&mut tx, o, Some(version), author, now_ms()).await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// Clears a measurement override, whatever its version.
    pub async fn clear_override(
        &self,
        recording_id: i64,
        name: &str,
        lead: &str,
        actor: &str,
    ) -> Result<bool> {
        self.clear_override_inner(recording_id, name, lead, None, actor)
            .await
    }

    /// Clears a measurement override if it is still at `version`, else [`Error::Stale`].
    pub async fn clear_override_at(
        &self,
        recording_id: i64,
        name: &str,
        lead: &str,
        version: i64,
        actor: &str,
    ) -> Result<bool> {
        self.clear_override_inner(recording_id, name, lead, Some(version), actor)
            .await
    }

    async fn clear_override_inner(
        &self,
        recording_id: i64,
        name: &str,
        lead: &str,
        version: Option<i64>,
        actor: &str,
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let cleared =
            review::clear_override(&mut tx, recording_id, name, lead, version, actor, now_ms())
                .await?;
        tx.commit().await?;
        Ok(cleared)
    }

    /// Records suggested statements (from analysis or the device) in one transaction.
    pub async fn suggest_statements(
        &self,
        recording_id: i64,
        suggestions: &[(String, String, Option<String>)],
        actor: &str,
    ) -> Result<Vec<StoredStatement>> {
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        let mut out = Vec::with_capacity(suggestions.len());
        for (code, text, criterion) in suggestions {
            out.push(
                review::suggest_statement(
                    &mut tx,
                    recording_id,
                    code,
                    text,
                    criterion.as_deref(),
                    actor,
                    now,
                )
                .await?,
            );
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Confirms, rejects or edits a statement, whatever its version.
    pub async fn set_statement_state(
        &self,
        recording_id: i64,
        code: &str,
        state: StatementState,
        edited_text: Option<&str>,
        actor: &str,
    ) -> Result<StoredStatement> {
        self.set_statement_inner(recording_id, code, state, edited_text, None, actor)
            .await
    }

    /// Confirms, rejects or edits a statement if it is still at `version` (the one the reader
    /// saw), else refuses with [`Error::Stale`] naming who changed it.
    pub async fn set_statement_state_at(
        &self,
        recording_id: i64,
        code: &str,
        state: StatementState,
        edited_text: Option<&str>,
        version: i64,
        actor: &str,
    ) -> Result<StoredStatement> {
        self.set_statement_inner(recording_id, code, state, edited_text, Some(version), actor)
            .await
    }

    async fn set_statement_inner(
        &self,
        recording_id: i64,
        code: &str,
        state: StatementState,
        edited_text: Option<&str>,
        version: Option<i64>,
        actor: &str,
    ) -> Result<StoredStatement> {
        let mut tx = self.begin_write().await?;
        let s = review::set_statement_state(
            &mut tx,
            recording_id,
            code,
            state,
            edited_text,
            version,
            actor,
            now_ms(),
        )
        .await?;
        tx.commit().await?;
        Ok(s)
    }

    /// Signs and locks a recording.
    pub async fn sign(&self, recording_id: i64, signer: &str, meaning: &str) -> Result<Signature> {
        let mut tx = self.begin_write().await?;
        let s = review::sign(&mut tx, recording_id, signer, meaning, now_ms()).await?;
        tx.commit().await?;
        Ok(s)
    }

    // ---- chats ----

    /// Creates a chat thread.
    pub async fn create_thread(&self, recording_id: i64, title: &str) -> Result<ChatThread> {
        let mut tx = self.begin_write().await?;
        let t = chats::create_thread(&mut tx, recording_id, title, now_ms()).await?;
        tx.commit().await?;
        Ok(t)
    }

    /// Adds a finished message (the user's question, a system prompt).
    pub async fn add_message(
        &self,
        thread_id: i64,
        role: Role,
        text: &str,
        meta: &NewMessage,
    ) -> Result<ChatMessage> {
        let mut tx = self.begin_write().await?;
        let m = chats::add_message(&mut tx, thread_id, role, text, meta, now_ms()).await?;
        tx.commit().await?;
        Ok(m)
    }

    /// Starts a streaming assistant message.
    pub async fn start_message(&self, thread_id: i64, meta: &NewMessage) -> Result<ChatMessage> {
        let mut tx = self.begin_write().await?;
        let m = chats::start_message(&mut tx, thread_id, meta, now_ms()).await?;
        tx.commit().await?;
        Ok(m)
    }

    /// Appends streamed text to a message (one short transaction; call it per token or per
    /// batch of tokens).
    pub async fn append_tokens(&self, message_id: i64, delta: &str, n_tokens: i64) -> Result<()> {
        let mut tx = self.begin_write().await?;
        chats::append_tokens(&mut tx, message_id, delta, n_tokens, now_ms()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends a streaming message.
    pub async fn finish_message(
        &self,
        message_id: i64,
        status: &MessageStatus,
    ) -> Result<ChatMessage> {
        let mut tx = self.begin_write().await?;
        let m = chats::finish(&mut tx, message_id, status, now_ms()).await?;
        tx.commit().await?;
        Ok(m)
    }

    /// Messages of a thread.
    pub async fn messages(&self, thread_id: i64) -> Result<Vec<ChatMessage>> {
        chats::messages(&mut self.read().await?, thread_id).await
    }

    /// Threads of a recording.
    pub async fn threads(&self, recording_id: i64) -> Result<Vec<ChatThread>> {
        chats::threads(&mut self.read().await?, recording_id).await
    }

    /// Marks messages left streaming by a crash as stopped (call at app start).
    pub async fn close_interrupted_messages(&self) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let n = chats::close_interrupted(&mut tx, now_ms()).await?;
        tx.commit().await?;
        Ok(n)
    }

    // ---- worklist and presence ----

    /// Claims (or renews) `reader`'s presence on a recording for
    /// [`READING_TTL_MS`](presence::READING_TTL_MS): call on opening it and then every
    /// [`HEARTBEAT_INTERVAL_MS`](presence::HEARTBEAT_INTERVAL_MS) while it stays open (the
    /// heartbeat). Times are the presence clock ([`presence::clock_ms`]).
    pub async fn claim_reading(&self, recording_id: i64, reader: &str) -> Result<Presence> {
        let mut tx = self.begin_write().await?;
        let now = presence::clock_ms(&mut tx).await?;
        presence::prune(&mut tx, now).await?;
        let p =
            presence::claim(&mut tx, recording_id, reader, now, presence::READING_TTL_MS).await?;
        tx.commit().await?;
        Ok(p)
    }

    /// Releases `reader`'s presence on a recording (on closing it).
    pub async fn release_reading(&self, recording_id: i64, reader: &str) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let released = presence::release(&mut tx, recording_id, reader).await?;
        tx.commit().await?;
        Ok(released)
    }

    /// Who is reading a recording now (stale claims left out).
    pub async fn readers(&self, recording_id: i64) -> Result<Vec<Presence>> {
        let mut conn = self.read().await?;
        let now = presence::clock_ms(&mut conn).await?;
        presence::active(&mut conn, recording_id, now).await
    }

    /// The worklist: the `limit` most recently opened recordings with who is reading each now
    /// (stale claims left out) and its signature, from one snapshot.
    pub async fn worklist(&self, limit: u32) -> Result<Vec<WorklistEntry>> {
        let mut tx = self.snapshot().await?;
        let now = presence::clock_ms(&mut tx).await?;
        let mut out = Vec::new();
        for recording in recordings::recent(&mut tx, limit).await? {
            out.push(WorklistEntry {
                readers: presence::active(&mut tx, recording.id, now).await?,
                signature: review::signature(&mut tx, recording.id).await?,
                recording,
            });
        }
        tx.commit().await?;
        Ok(out)
    }

    // ---- reports and settings ----

    /// Records a report export.
    pub async fn record_report(
        &self,
        recording_id: i64,
        path: &str,
        format: &str,
        content_sha256: &ContentHash,
        exported_by: &str,
    ) -> Result<ExportedReport> {
        let mut tx = self.begin_write().await?;
        let r = reports::record(
            &mut tx,
            recording_id,
            path,
            format,
            content_sha256,
            exported_by,
            now_ms(),
        )
        .await?;
        tx.commit().await?;
        Ok(r)
    }

    /// Reports exported for a recording.
    pub async fn reports(&self, recording_id: i64) -> Result<Vec<ExportedReport>> {
        reports::list(&mut self.read().await?, recording_id).await
    }

    /// A setting.
    pub async fn setting<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        settings::get(&mut self.read().await?, key).await
    }

    /// Sets a setting.
    pub async fn set_setting<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<()> {
        let mut tx = self.begin_write().await?;
        settings::set(&mut tx, key, value, now_ms()).await?;
        tx.commit().await?;
        Ok(())
    }
}

const PG_BACKUP_HINT: &str =
    "back up a PostgreSQL store with pg_dump and restore it with pg_restore";
