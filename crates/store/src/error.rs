//! The store's one error type, split by who is at fault.
//!
//! Database internals stay inside: a constraint violation becomes a domain variant chosen by the
//! constraint's name (see [`from_sqlx`]), SQLite's busy/locked results become [`Error::Busy`]
//! only after the busy timeout has been exhausted, and a file that is not ours is described in
//! words a user can act on.

use std::path::PathBuf;

/// Result alias for the store.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- Bad input: the database file or a backup is not usable. Never modified. ----
    /// The file is not an SQLite database at all (wrong header, e.g. a text file).
    #[error("{path}: not a Heartlens database: {reason}; the file was left untouched")]
    NotADatabase {
        /// The file.
        path: PathBuf,
        /// What was found instead.
        reason: String,
    },
    /// The file is an SQLite database of another application.
    #[error(
        "{path}: an SQLite database of another application (application_id {application_id:#x}, \
         tables {tables}); Heartlens will not modify it. Choose another path or set HEARTLENS_HOME"
    )]
    ForeignDatabase {
        /// The file.
        path: PathBuf,
        /// `PRAGMA application_id` found.
        application_id: i32,
        /// A few table names found, for the message.
        tables: String,
    },
    /// The database was written by a newer Heartlens (its schema has migrations we do not know).
    #[error(
        "{path}: database schema version {found} is newer than this Heartlens supports \
         ({supported}); update Heartlens. The file was left untouched"
    )]
    NewerSchema {
        /// The file.
        path: PathBuf,
        /// Highest migration version applied in the file.
        found: i64,
        /// Highest migration version this build knows.
        supported: i64,
    },
    /// `PRAGMA integrity_check` or SQLite itself reported corruption.
    #[error("{path}: database is corrupt: {detail}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// SQLite's report.
        detail: String,
    },

    // ---- Domain refusals: the request is valid SQL but not allowed. ----
    /// The recording carries a signature: its review can no longer change.
    #[error(
        "recording {recording_id} is locked: signed by {signer} ({meaning}) at {signed_at_ms} ms \
         since the epoch; signed ECGs cannot be edited"
    )]
    Locked {
        /// The recording.
        recording_id: i64,
        /// Who signed.
        signer: String,
        /// The signature's meaning ("reviewed", "approved"...).
        meaning: String,
        /// When, in Unix milliseconds.
        signed_at_ms: i64,
    },
    /// Someone changed the row after the version this edit was based on (two readers editing
    /// one recording); nothing was written. Reload and apply the change again.
    #[error(
        "{entity} {id} of recording {recording_id} was changed by {changed_by} at {changed_at_ms} ms \
         since the epoch, after the version you edited ({expected}; it is now at {found}); \
         nothing was saved: reload the recording and apply your change again"
    )]
    Stale {
        /// What kind of row ("annotation").
        entity: &'static str,
        /// The row.
        id: i64,
        /// Its recording.
        recording_id: i64,
        /// The version the edit was based on.
        expected: i64,
        /// The version now stored.
        found: i64,
        /// Who made the latest change (actor, and database role when it differs).
        changed_by: String,
        /// When, in Unix milliseconds.
        changed_at_ms: i64,
    },
    /// A row the request refers to does not exist.
    #[error("{entity} {id} not found")]
    NotFound {
        /// Table-level noun: "recording", "annotation", "chat message"...
        entity: &'static str,
        /// The id asked for.
        id: i64,
    },
    /// A value broke a rule of the schema (named by the constraint).
    #[error("invalid {field}: {message} (constraint {constraint})")]
    Invalid {
        /// The field at fault.
        field: &'static str,
        /// The constraint's name in `migrations/`.
        constraint: String,
        /// What the rule is.
        message: &'static str,
    },
    /// A unique key already exists.
    #[error("{what} already exists (constraint {constraint})")]
    Conflict {
        /// What is duplicated.
        what: &'static str,
        /// The constraint's name in `migrations/`.
        constraint: String,
    },
    /// A reference to a row that does not exist (foreign key).
    #[error("a referenced row does not exist: {0}")]
    MissingReference(String),
    /// The change is not possible in the current state (e.g. append to a finished message,
    /// nothing to undo).
    #[error("{0}")]
    State(String),

    // ---- Caller misuse ----
    /// An argument is out of range (caught before SQL).
    #[error("invalid argument {field}: {message}")]
    Argument {
        /// The argument.
        field: &'static str,
        /// Why.
        message: String,
    },
    /// The database is in use by another process and the operation needs it alone.
    #[error("{path}: the database is in use by another process; close Heartlens and retry")]
    InUse {
        /// The file.
        path: PathBuf,
    },

    // ---- Environment ----
    /// The operation exists for one back end only (e.g. a file backup of a PostgreSQL store).
    #[error("{operation} is not available for {location}: {hint}")]
    Unsupported {
        /// What was asked.
        operation: &'static str,
        /// The store (a redacted URL or a path).
        location: String,
        /// What to do instead.
        hint: &'static str,
    },
    /// The PostgreSQL server could not be reached or refused the login.
    #[error("{location}: cannot connect to the PostgreSQL server: {detail}")]
    Connect {
        /// The store URL, password removed.
        location: String,
        /// The driver's message.
        detail: String,
    },
    /// Still busy after the busy timeout (another writer held the lock that long).
    #[error("database busy for longer than the busy timeout: {0}")]
    Busy(String),
    /// No application data directory could be determined and `HEARTLENS_HOME` is unset.
    #[error("no application data directory on this platform; set HEARTLENS_HOME")]
    NoDataDir,
    /// File-system I/O failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A stored JSON value does not deserialize into the expected type.
    #[error("stored {field} is not valid: {source}")]
    Json {
        /// Column or value.
        field: &'static str,
        /// The cause.
        source: serde_json::Error,
    },
    /// A migration failed or the applied ones do not match this build.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Any other database error.
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl Error {
    /// True for faults in a file the user supplied (exit code 2 in the CLI).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            Error::NotADatabase { .. }
                | Error::ForeignDatabase { .. }
                | Error::NewerSchema { .. }
                | Error::Corrupt { .. }
        )
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn json(field: &'static str, source: serde_json::Error) -> Self {
        Error::Json { field, source }
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        from_sqlx(e)
    }
}

/// What a named constraint means for the caller.
enum Meaning {
    Invalid(&'static str, &'static str),
    Conflict(&'static str),
}

/// Every named constraint in `migrations/` and what breaking it means. SQLite names CHECK
/// constraints in its message ("CHECK constraint failed: annotations_kind_known") but reports
/// UNIQUE violations by column ("UNIQUE constraint failed: statements.recording_id,
/// statements.code"), so unique keys are listed under their column list too; PostgreSQL names
/// every constraint (`constraint()` of its error), unique ones by their name in the schema.
const CONSTRAINTS: &[(&str, Meaning)] = &[
    (
        "recordings_content_sha256_format",
        Meaning::Invalid("content_sha256", "64 lowercase hex digits"),
    ),
    (
        "recordings_size_nonnegative",
        Meaning::Invalid("size_bytes", "must not be negative"),
    ),
    (
        "recordings_metadata_json_valid",
        Meaning::Invalid("metadata", "must be JSON"),
    ),
    (
        "recordings_analysis_json_valid",
        Meaning::Invalid("analysis", "must be JSON"),
    ),
    (
        "recordings.content_sha256",
        Meaning::Conflict("recording with this content hash"),
    ),
    (
        "recordings_content_sha256_unique",
        Meaning::Conflict("recording with this content hash"),
    ),
    (
        "sessions_view_json_valid",
        Meaning::Invalid("view", "must be JSON"),
    ),
    (
        "annotations_kind_known",
        Meaning::Invalid("kind", "one of beat, interval, note, caliper"),
    ),
    (
        "holter_events_kind_known",
        Meaning::Invalid("Holter event kind", "a known pause, run or episode kind"),
    ),
    (
        "annotations_value_json_valid",
        Meaning::Invalid("value", "must be JSON"),
    ),
    (
        "annotations_author_present",
        Meaning::Invalid("author", "must not be empty"),
    ),
    (
        "annotations_time_range_valid",
        Meaning::Invalid("time range", "0 <= start_s <= end_s"),
    ),
    (
        "audit_log_entity_known",
        Meaning::Invalid("entity", "a known audited entity"),
    ),
    (
        "audit_log_action_known",
        Meaning::Invalid("action", "a known audit action"),
    ),
    (
        "audit_log_actor_present",
        Meaning::Invalid("actor", "must not be empty"),
    ),
    (
        "audit_log_before_json_valid",
        Meaning::Invalid("before", "must be JSON"),
    ),
    (
        "audit_log_after_json_valid",
        Meaning::Invalid("after", "must be JSON"),
    ),
    (
        "audit_log_target_matches_action",
        Meaning::Invalid("target_id", "set exactly for undo and redo"),
    ),
    (
        "measurement_overrides_name_present",
        Meaning::Invalid("name", "must not be empty"),
    ),
    (
        "measurement_overrides_author_present",
        Meaning::Invalid("author", "must not be empty"),
    ),
    (
        "measurement_overrides.recording_id, measurement_overrides.name, measurement_overrides.lead",
        Meaning::Conflict("measurement override for this name and lead"),
    ),
    (
        "measurement_overrides_unique",
        Meaning::Conflict("measurement override for this name and lead"),
    ),
    (
        "statements_state_known",
        Meaning::Invalid("state", "suggested, confirmed, rejected or edited"),
    ),
    (
        "statements_edited_has_text",
        Meaning::Invalid("edited_text", "present exactly when state is edited"),
    ),
    (
        "statements.recording_id, statements.code",
        Meaning::Conflict("statement with this code"),
    ),
    (
        "statements_unique",
        Meaning::Conflict("statement with this code"),
    ),
    (
        "signatures_signer_present",
        Meaning::Invalid("signer", "must not be empty"),
    ),
    (
        "signatures_meaning_present",
        Meaning::Invalid("meaning", "must not be empty"),
    ),
    (
        "signatures.recording_id",
        Meaning::Conflict("signature for this recording"),
    ),
    (
        "signatures_one_per_recording",
        Meaning::Conflict("signature for this recording"),
    ),
    (
        "reading_presence_reader_present",
        Meaning::Invalid("reader", "must not be empty"),
    ),
    (
        "chat_messages_role_known",
        Meaning::Invalid("role", "system, user or assistant"),
    ),
    (
        "chat_messages_status_known",
        Meaning::Invalid("status", "streaming, complete, stopped or error"),
    ),
    (
        "reports_content_sha256_format",
        Meaning::Invalid("content_sha256", "64 lowercase hex digits"),
    ),
    (
        "settings_key_present",
        Meaning::Invalid("key", "must not be empty"),
    ),
    (
        "settings_value_json_valid",
        Meaning::Invalid("value", "must be JSON"),
    ),
];

/// Maps an sqlx error to a domain error, by constraint name where there is one.
pub(crate) fn from_sqlx(e: sqlx::Error) -> Error {
    let sqlx::Error::Database(db) = &e else {
        return match e {
            sqlx::Error::RowNotFound => Error::State("expected row not found".into()),
            other => Error::Database(other),
        };
    };
    let message = db.message().to_string();
    if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        let code = pg.code().to_string();
        let constraint = pg.constraint().map(str::to_string);
        return from_postgres(&code, constraint.as_deref(), message, e);
    }
    // Primary result code is the low byte of the extended code.
    let code = db
        .code()
        .and_then(|c| c.parse::<i32>().ok())
        .map(|c| c & 0xff);
    match code {
        // SQLITE_BUSY, SQLITE_LOCKED: the busy handler already waited busy_timeout.
        Some(5) | Some(6) => return Error::Busy(message),
        // SQLITE_CORRUPT, SQLITE_NOTADB
        Some(11) | Some(26) => {
            return Error::Corrupt {
                path: PathBuf::new(),
                detail: message,
            };
        }
        _ => {}
    }
    if let Some(mapped) = from_trigger(&message) {
        return mapped;
    }
    if message.starts_with("FOREIGN KEY constraint failed") {
        return Error::MissingReference(message);
    }
    let name = message
        .strip_prefix("CHECK constraint failed: ")
        .or_else(|| message.strip_prefix("UNIQUE constraint failed: "))
        .or_else(|| message.strip_prefix("NOT NULL constraint failed: "));
    if let Some(name) = name
        && let Some(mapped) = by_constraint(name.trim())
    {
        return mapped;
    }
    Error::Database(e)
}

/// The schema triggers' refusals, raised with the same words by both dialects.
fn from_trigger(message: &str) -> Option<Error> {
    if message.contains("recording_locked") {
        // The trigger fired although the store checks first: the caller bypassed the check.
        return Some(Error::State(
            "recording is signed and locked (recording_locked)".into(),
        ));
    }
    if message.contains("audit_log_append_only") || message.contains("signature_immutable") {
        return Some(Error::State(format!("refused by the schema: {message}")));
    }
    None
}

/// A named constraint's domain error, if the name is one of ours.
fn by_constraint(name: &str) -> Option<Error> {
    CONSTRAINTS
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, meaning)| match meaning {
            Meaning::Invalid(field, msg) => Error::Invalid {
                field,
                constraint: name.to_string(),
                message: msg,
            },
            Meaning::Conflict(what) => Error::Conflict {
                what,
                constraint: name.to_string(),
            },
        })
}

/// PostgreSQL errors by SQLSTATE (Appendix A of its manual) and constraint name.
fn from_postgres(code: &str, constraint: Option<&str>, message: String, e: sqlx::Error) -> Error {
    match code {
        // lock_not_available (lock_timeout ran out), serialization_failure, deadlock_detected:
        // another session held what we needed for longer than the busy timeout.
        "55P03" | "40001" | "40P01" => return Error::Busy(message),
        // foreign_key_violation
        "23503" => return Error::MissingReference(message),
        // check_violation, unique_violation, not_null_violation
        "23514" | "23505" | "23502" => {
            if let Some(mapped) = constraint.and_then(by_constraint) {
                return mapped;
            }
        }
        // raise_exception: our triggers.
        "P0001" => {
            if let Some(mapped) = from_trigger(&message) {
                return mapped;
            }
        }
        _ => {}
    }
    Error::Database(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraint_table_has_no_duplicate_names() {
        let mut names: Vec<&str> = CONSTRAINTS.iter().map(|(n, _)| *n).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
    }

    #[test]
    fn every_named_check_constraint_in_migrations_is_mapped() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations");
        let mut missing = Vec::new();
        let files = ["sqlite", "postgres"]
            .into_iter()
            .flat_map(|d| std::fs::read_dir(format!("{root}/{d}")).expect("migrations dir exists"));
        for entry in files {
            let text = std::fs::read_to_string(entry.expect("dir entry").path()).expect("readable");
            for (i, _) in text.match_indices("CONSTRAINT ") {
                let name: String = text[i + "CONSTRAINT ".len()..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                let rest = text[i + "CONSTRAINT ".len() + name.len()..].trim_start();
                let is_check = rest.starts_with("CHECK");
                let mapped = CONSTRAINTS.iter().any(|(n, _)| *n == name);
                if is_check && !mapped {
                    missing.push(name);
                }
            }
        }
        assert!(
            missing.is_empty(),
            "constraints without a mapping: {missing:?}"
        );
    }
}
