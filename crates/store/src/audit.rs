//! The append-only audit log: who changed what, when, from what, to what.
//!
//! Every clinical change writes one entry in the same transaction as the change (the repository
//! functions of `annotations` and `review` do it themselves, so a caller cannot forget). Triggers
//! in the schema refuse UPDATE and DELETE on the log. Undo and redo are entries too: their
//! `target_id` names the entry they undo or re-apply, which is how the undo/redo stacks are
//! rebuilt after a restart, one pair per actor (see [`undo_redo_stacks`]).

use crate::sql::{Conn, Query, Row, query};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What kind of row an entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Entity {
    /// An annotation.
    Annotation,
    /// A measurement override.
    Measurement,
    /// An interpretation statement.
    Statement,
    /// A signature.
    Signature,
}

impl Entity {
    /// The value stored in `audit_log.entity`.
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Annotation => "annotation",
            Entity::Measurement => "measurement",
            Entity::Statement => "statement",
            Entity::Signature => "signature",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "annotation" => Entity::Annotation,
            "measurement" => Entity::Measurement,
            "statement" => Entity::Statement,
            "signature" => Entity::Signature,
            other => return Err(Error::State(format!("unknown audit entity {other:?}"))),
        })
    }
}

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// A row was created (before = null).
    Create,
    /// A row was changed.
    Update,
    /// A row was (soft) deleted.
    Delete,
    /// An earlier entry was undone (target_id = that entry).
    Undo,
    /// An undone entry was re-applied (target_id = the entry).
    Redo,
    /// The recording was signed.
    Sign,
}

impl Action {
    /// The value stored in `audit_log.action`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Undo => "undo",
            Action::Redo => "redo",
            Action::Sign => "sign",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "create" => Action::Create,
            "update" => Action::Update,
            "delete" => Action::Delete,
            "undo" => Action::Undo,
            "redo" => Action::Redo,
            "sign" => Action::Sign,
            other => return Err(Error::State(format!("unknown audit action {other:?}"))),
        })
    }
}

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Entry id (increasing with time).
    pub id: i64,
    /// The recording.
    pub recording_id: i64,
    /// What kind of row.
    pub entity: Entity,
    /// Which row.
    pub entity_id: i64,
    /// What was done.
    pub action: Action,
    /// Who did it.
    pub actor: String,
    /// When, Unix ms.
    pub at_ms: i64,
    /// The row before (None for a create).
    pub before: Option<serde_json::Value>,
    /// The row after (None when it stopped existing).
    pub after: Option<serde_json::Value>,
    /// For undo/redo: the entry undone or re-applied.
    pub target_id: Option<i64>,
    /// The PostgreSQL login role that wrote the entry, stamped by the server (None on SQLite,
    /// where the actor is the identity).
    pub role: Option<String>,
}

impl AuditEntry {
    /// Who made the change, for messages: the actor, and the database role when it differs.
    pub fn who(&self) -> String {
        match &self.role {
            Some(r) if *r != self.actor => format!("{} (role {r})", self.actor),
            _ => self.actor.clone(),
        }
    }
}

/// A new entry (the id and nothing else is assigned by the database).
#[derive(Debug, Clone)]
pub(crate) struct NewEntry<'a> {
    pub recording_id: i64,
    pub entity: Entity,
    pub entity_id: i64,
    pub action: Action,
    pub actor: &'a str,
    pub at_ms: i64,
    pub before: Option<&'a serde_json::Value>,
    pub after: Option<&'a serde_json::Value>,
    pub target_id: Option<i64>,
}

/// The columns an entry writes, in the order [`bind_entry`] binds them.
const ENTRY_COLUMNS: &str =
    "recording_id, entity, entity_id, action, actor, at_ms, before_json, after_json, target_id";

/// Binds the nine values of one entry (its states as JSON text).
fn bind_entry(q: Query, e: &NewEntry<'_>) -> Result<Query> {
    let text = |v: Option<&serde_json::Value>, field| {
        v.map(serde_json::to_string)
            .transpose()
            .map_err(|x| Error::json(field, x))
    };
    Ok(q.bind(e.recording_id)
        .bind(e.entity.as_str())
        .bind(e.entity_id)
        .bind(e.action.as_str())
        .bind(e.actor)
        .bind(e.at_ms)
        .bind(text(e.before, "before")?)
        .bind(text(e.after, "after")?)
        .bind(e.target_id))
}

/// Appends an entry; returns its id.
pub(crate) async fn append(conn: &mut Conn, e: &NewEntry<'_>) -> Result<i64> {
    let q = query(format!(
        "INSERT INTO audit_log ({ENTRY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
    ));
    let id: i64 = bind_entry(q, e)?.scalar(&mut *conn).await?;
    Ok(id)
}

/// Appends entries with one multi-row INSERT (callers keep it to a few hundred: 9 values each).
pub(crate) async fn append_many(conn: &mut Conn, entries: &[NewEntry<'_>]) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let rows = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?)"; entries.len()].join(", ");
    let mut q = query(format!(
        "INSERT INTO audit_log ({ENTRY_COLUMNS}) VALUES {rows}"
    ));
    for e in entries {
        q = bind_entry(q, e)?;
    }
    q.execute(&mut *conn).await?;
    Ok(())
}

fn parse_json(s: Option<String>, field: &'static str) -> Result<Option<serde_json::Value>> {
    s.map(|s| serde_json::from_str(&s).map_err(|e| Error::json(field, e)))
        .transpose()
}

fn from_row(row: &Row) -> Result<AuditEntry> {
    Ok(AuditEntry {
        id: row.get("id")?,
        recording_id: row.get("recording_id")?,
        entity: Entity::parse(&row.get::<String>("entity")?)?,
        entity_id: row.get("entity_id")?,
        action: Action::parse(&row.get::<String>("action")?)?,
        actor: row.get("actor")?,
        at_ms: row.get("at_ms")?,
        before: parse_json(row.get("before_json")?, "audit_log.before_json")?,
        after: parse_json(row.get("after_json")?, "audit_log.after_json")?,
        target_id: row.get("target_id")?,
        role: row.get("db_role")?,
    })
}

/// The whole log of a recording, oldest first.
pub async fn history(conn: &mut Conn, recording_id: i64) -> Result<Vec<AuditEntry>> {
    let rows = query(
        "SELECT id, recording_id, entity, entity_id, action, actor, at_ms, before_json, after_json, target_id, db_role \
         FROM audit_log WHERE recording_id = ? ORDER BY id",
    )
    .bind(recording_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The log of one row, oldest first.
pub async fn of_entity(conn: &mut Conn, entity: Entity, entity_id: i64) -> Result<Vec<AuditEntry>> {
    let rows = query(
        "SELECT id, recording_id, entity, entity_id, action, actor, at_ms, before_json, after_json, target_id, db_role \
         FROM audit_log WHERE entity = ? AND entity_id = ? ORDER BY id",
    )
    .bind(entity.as_str())
    .bind(entity_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The log of a recording's rows of one kind, oldest first.
pub async fn of_recording(
    conn: &mut Conn,
    recording_id: i64,
    entity: Entity,
) -> Result<Vec<AuditEntry>> {
    let rows = query(
        "SELECT id, recording_id, entity, entity_id, action, actor, at_ms, before_json, after_json, target_id, db_role \
         FROM audit_log WHERE recording_id = ? AND entity = ? ORDER BY id",
    )
    .bind(recording_id)
    .bind(entity.as_str())
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// One entry by id.
pub async fn get(conn: &mut Conn, id: i64) -> Result<AuditEntry> {
    let row = query(
        "SELECT id, recording_id, entity, entity_id, action, actor, at_ms, before_json, after_json, target_id, db_role \
         FROM audit_log WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(Error::NotFound {
        entity: "audit entry",
        id,
    })?;
    from_row(&row)
}

/// One actor's undo and redo stacks (entry ids, top last) for one entity kind of a recording,
/// rebuilt by replaying that actor's log entries: a plain change pushes on the undo stack and
/// clears the redo stack; an undo moves its target from the undo stack to the redo stack; a
/// redo moves it back. Each actor undoes only their own changes: a cardiologist's undo must
/// never take back what the analysis or a colleague wrote in the meantime.
pub(crate) async fn undo_redo_stacks(
    conn: &mut Conn,
    recording_id: i64,
    entity: Entity,
    actor: &str,
) -> Result<(Vec<i64>, Vec<i64>)> {
    let rows = query(
        "SELECT id, action, target_id FROM audit_log \
         WHERE recording_id = ? AND entity = ? AND actor = ? ORDER BY id",
    )
    .bind(recording_id)
    .bind(entity.as_str())
    .bind(actor)
    .fetch_all(&mut *conn)
    .await?;
    let mut undo = Vec::new();
    let mut redo = Vec::new();
    for row in rows {
        let (id, action, target): (i64, String, Option<i64>) = (row.at(0)?, row.at(1)?, row.at(2)?);
        match (Action::parse(&action)?, target) {
            (Action::Undo, Some(t)) => {
                if let Some(pos) = undo.iter().rposition(|&x| x == t) {
                    undo.remove(pos);
                }
                redo.push(t);
            }
            (Action::Redo, Some(t)) => {
                if let Some(pos) = redo.iter().rposition(|&x| x == t) {
                    redo.remove(pos);
                }
                undo.push(t);
            }
            (Action::Create | Action::Update | Action::Delete, _) => {
                undo.push(id);
                redo.clear();
            }
            _ => {}
        }
    }
    Ok((undo, redo))
}
