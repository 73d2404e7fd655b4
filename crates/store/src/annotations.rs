//! Annotations made by users: beat labels, intervals, notes and caliper measurements.
//!
//! Rows are never removed: [`delete`] sets `deleted_at_ms`. Every change writes its audit entry
//! (the whole row before and after, as JSON) in the caller's transaction, and [`undo`]/[`redo`]
//! replay those rows, so undo works across restarts. A signed recording refuses all of these
//! with [`Error::Locked`].
//!
//! Every change takes the recording's row lock first ([`recordings::lock`]) and bumps the row's
//! `version`; an edit that names the version it was based on ([`update`], [`delete`] with
//! `expected_version`) is refused with [`Error::Stale`], naming who changed it since, rather
//! than overwriting a colleague's change.

use crate::sql::{Conn, Row, query};
use serde::{Deserialize, Serialize};

use crate::audit::{self, Action, Entity, NewEntry};
use crate::error::{Error, Result};
use crate::recordings;
use crate::review;
use crate::sql::Backend;

/// What an annotation means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AnnotationKind {
    /// A beat label (code: WFDB/MIT `N`, `V`, `A`...).
    Beat,
    /// A measured interval.
    Interval,
    /// A free-text note.
    Note,
    /// A caliper measurement (value in `value`).
    Caliper,
}

impl AnnotationKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AnnotationKind::Beat => "beat",
            AnnotationKind::Interval => "interval",
            AnnotationKind::Note => "note",
            AnnotationKind::Caliper => "caliper",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "beat" => AnnotationKind::Beat,
            "interval" => AnnotationKind::Interval,
            "note" => AnnotationKind::Note,
            "caliper" => AnnotationKind::Caliper,
            other => {
                return Err(Error::State(format!(
                    "unknown annotation kind {other:?} in database"
                )));
            }
        })
    }
}

/// The editable content of an annotation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnotationData {
    /// Start, seconds from the start of the recording.
    pub start_s: f64,
    /// End, seconds (= start for a point).
    pub end_s: f64,
    /// Lead name as `ecg::LeadLabel::name` writes it; None = all leads.
    pub lead: Option<String>,
    /// What it is.
    pub kind: AnnotationKind,
    /// Beat code for beat labels.
    pub code: Option<String>,
    /// Free text.
    pub text: String,
    /// A measured value with its unit, e.g. `{"value": 402.0, "unit": "ms"}`.
    pub value: Option<serde_json::Value>,
}

impl AnnotationData {
    /// A free-text note over a time range on all leads.
    pub fn note(start_s: f64, end_s: f64, text: impl Into<String>) -> Self {
        Self {
            start_s,
            end_s,
            lead: None,
            kind: AnnotationKind::Note,
            code: None,
            text: text.into(),
            value: None,
        }
    }

    fn validate(&self) -> Result<()> {
        if !(self.start_s.is_finite() && self.end_s.is_finite()) {
            return Err(Error::Argument {
                field: "time range",
                message: format!(
                    "start_s {} and end_s {} must be finite",
                    self.start_s, self.end_s
                ),
            });
        }
        Ok(())
    }

    /// The same annotation in the shared vocabulary (source = user), for rendering and reports.
    pub fn to_ecg(&self) -> ecg::Annotation {
        let kind = match self.kind {
            AnnotationKind::Beat => ecg::AnnotationKind::Beat {
                code: self.code.clone().unwrap_or_default(),
            },
            AnnotationKind::Interval => ecg::AnnotationKind::Interval,
            AnnotationKind::Note => ecg::AnnotationKind::Note,
            AnnotationKind::Caliper => ecg::AnnotationKind::Caliper,
        };
        let mut a = ecg::Annotation::point(self.start_s, kind, self.text.clone());
        a.duration_s = (self.end_s - self.start_s).max(0.0);
        a.lead = self.lead.as_deref().map(ecg::LeadLabel::parse);
        a.source = ecg::AnnotationSource::User;
        a
    }
}

/// A stored annotation (this whole struct is what the audit log keeps as before/after).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Annotation {
    /// Row id.
    pub id: i64,
    /// The recording.
    pub recording_id: i64,
    /// Content.
    #[serde(flatten)]
    pub data: AnnotationData,
    /// Who created it.
    pub author: String,
    /// Created, Unix ms.
    pub created_at_ms: i64,
    /// Last changed, Unix ms.
    pub updated_at_ms: i64,
    /// Deleted, Unix ms (soft delete); None = live.
    pub deleted_at_ms: Option<i64>,
    /// Grows by one with every change (1 when created); what an edit names to be refused when
    /// someone else changed the annotation first. Audit states written before versions existed
    /// read as 1.
    #[serde(default = "first_version")]
    pub version: i64,
}

fn first_version() -> i64 {
    1
}

const COLUMNS: &str = "id, recording_id, start_s, end_s, lead, kind, code, text, value_json, author, \
                       created_at_ms, updated_at_ms, deleted_at_ms, version";

fn from_row(row: &Row) -> Result<Annotation> {
    let value: Option<String> = row.get("value_json")?;
    Ok(Annotation {
        id: row.get("id")?,
        recording_id: row.get("recording_id")?,
        data: AnnotationData {
            start_s: row.get("start_s")?,
            end_s: row.get("end_s")?,
            lead: row.get("lead")?,
            kind: AnnotationKind::parse(&row.get::<String>("kind")?)?,
            code: row.get("code")?,
            text: row.get("text")?,
            value: value
                .map(|v| {
                    serde_json::from_str(&v).map_err(|e| Error::json("annotations.value_json", e))
                })
                .transpose()?,
        },
        author: row.get("author")?,
        created_at_ms: row.get("created_at_ms")?,
        updated_at_ms: row.get("updated_at_ms")?,
        deleted_at_ms: row.get("deleted_at_ms")?,
        version: row.get("version")?,
    })
}

fn to_json(a: &Annotation) -> Result<serde_json::Value> {
    serde_json::to_value(a).map_err(|e| Error::json("annotation", e))
}

fn value_json(data: &AnnotationData) -> Result<Option<String>> {
    data.value
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| Error::json("value", e))
}

/// Creates an annotation and its audit entry.
pub async fn create(
    conn: &mut Conn,
    recording_id: i64,
    data: &AnnotationData,
    author: &str,
    now_ms: i64,
) -> Result<Annotation> {
    data.validate()?;
    recordings::lock(conn, recording_id).await?;
    review::ensure_unlocked(conn, recording_id).await?;
    let row = query(format!(
        "INSERT INTO annotations (recording_id, start_s, end_s, lead, kind, code, text, value_json, author, \
                                  created_at_ms, updated_at_ms) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {COLUMNS}"
    ))
    .bind(recording_id)
    .bind(data.start_s)
    .bind(data.end_s)
    .bind(&data.lead)
    .bind(data.kind.as_str())
    .bind(&data.code)
    .bind(&data.text)
    .bind(value_json(data)?)
    .bind(author)
    .bind(now_ms)
    .bind(now_ms)
    .fetch_one(&mut *conn)
    .await?;
    let created = from_row(&row)?;
    let after = to_json(&created)?;
    audit::append(
        conn,
        &NewEntry {
            recording_id,
            entity: Entity::Annotation,
            entity_id: created.id,
            action: Action::Create,
            actor: author,
            at_ms: now_ms,
            before: None,
            after: Some(&after),
            target_id: None,
        },
    )
    .await?;
    Ok(created)
}

/// Rows per multi-row INSERT in [`create_many`]: 11 values a row stays far below both engines'
/// limits on bound values (PostgreSQL 65,535; SQLite 32,766), and larger statements gain
/// nothing measurable.
const CREATE_CHUNK: usize = 500;

/// Creates many annotations of one recording and their audit entries (a Holter's beat labels,
/// an import): the same rows and audit entries as calling [`create`] for each. On PostgreSQL
/// with multi-row INSERTs, `CREATE_CHUNK` rows a statement, since there every statement is a
/// round trip to the server (20k annotations: 3.7 s instead of 87.7 s, `bench/store/README.md`);
/// on SQLite, in-process with no round trip, row by row ([`create`]), which measured no slower.
/// Returned by id, i.e. in the order of `data`.
pub async fn create_many(
    conn: &mut Conn,
    recording_id: i64,
    data: &[AnnotationData],
    author: &str,
    now_ms: i64,
) -> Result<Vec<Annotation>> {
    for d in data {
        d.validate()?;
    }
    let mut out = Vec::with_capacity(data.len());
    if conn.backend() == Backend::Sqlite {
        for d in data {
            out.push(create(conn, recording_id, d, author, now_ms).await?);
        }
        return Ok(out);
    }
    recordings::lock(conn, recording_id).await?;
    review::ensure_unlocked(conn, recording_id).await?;
    for chunk in data.chunks(CREATE_CHUNK) {
        let rows = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let mut q = query(format!(
            "INSERT INTO annotations (recording_id, start_s, end_s, lead, kind, code, text, value_json, author, \
                                      created_at_ms, updated_at_ms) \
             VALUES {rows} RETURNING {COLUMNS}"
        ));
        for d in chunk {
            q = q
                .bind(recording_id)
                .bind(d.start_s)
                .bind(d.end_s)
                .bind(&d.lead)
                .bind(d.kind.as_str())
                .bind(&d.code)
                .bind(&d.text)
                .bind(value_json(d)?)
                .bind(author)
                .bind(now_ms)
                .bind(now_ms);
        }
        // Neither engine promises RETURNING in VALUES order; ids are assigned in it.
        let mut created = q
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(from_row)
            .collect::<Result<Vec<_>>>()?;
        created.sort_by_key(|a| a.id);
        let states = created.iter().map(to_json).collect::<Result<Vec<_>>>()?;
        let entries: Vec<_> = created
            .iter()
            .zip(&states)
            .map(|(a, state)| audit::NewEntry {
                recording_id,
                entity: Entity::Annotation,
                entity_id: a.id,
                action: Action::Create,
                actor: author,
                at_ms: now_ms,
                before: None,
                after: Some(state),
                target_id: None,
            })
            .collect();
        audit::append_many(conn, &entries).await?;
        out.extend(created);
    }
    Ok(out)
}

/// One annotation (deleted ones too).
pub async fn get(conn: &mut Conn, id: i64) -> Result<Annotation> {
    let row = query(format!("SELECT {COLUMNS} FROM annotations WHERE id = ?"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound {
            entity: "annotation",
            id,
        })?;
    from_row(&row)
}

/// The live annotations of a recording, by start time.
pub async fn list(conn: &mut Conn, recording_id: i64) -> Result<Vec<Annotation>> {
    let rows = query(format!(
        "SELECT {COLUMNS} FROM annotations WHERE recording_id = ? AND deleted_at_ms IS NULL \
         ORDER BY start_s, id"
    ))
    .bind(recording_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The first `limit` live annotations by start time (a panel's first page).
pub async fn first(conn: &mut Conn, recording_id: i64, limit: u32) -> Result<Vec<Annotation>> {
    let rows = query(format!(
        "SELECT {COLUMNS} FROM annotations WHERE recording_id = ? AND deleted_at_ms IS NULL \
         ORDER BY start_s, id LIMIT ?"
    ))
    .bind(recording_id)
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Annotations starting more than this before a window are looked up by duration (the
/// `annotations_span_idx` index); the rest by start time. Keeps a window query proportional to
/// what it returns however far into a Holter recording the window is.
const LONG_SPAN_S: f64 = 60.0;

/// The live annotations overlapping `[start_s, end_s]`, by start time (what a view needs).
pub async fn in_range(
    conn: &mut Conn,
    recording_id: i64,
    start_s: f64,
    end_s: f64,
) -> Result<Vec<Annotation>> {
    // Disjoint halves: those starting within LONG_SPAN_S before the window or inside it, and
    // those starting earlier, which overlap the window only if they last longer than that
    // (found by duration; without `INDEXED BY` SQLite walks the start-time index instead).
    // PostgreSQL has no INDEXED BY; its planner picks the span index for the second half by
    // itself (both halves are index scans in EXPLAIN on the 100k-annotation bench).
    let hint = match conn.backend() {
        Backend::Sqlite => "INDEXED BY annotations_span_idx",
        Backend::Postgres => "",
    };
    let rows = query(format!(
        "SELECT {COLUMNS} FROM annotations WHERE recording_id = ? AND deleted_at_ms IS NULL \
         AND start_s >= ? AND start_s <= ? AND end_s >= ? \
         UNION ALL \
         SELECT {COLUMNS} FROM annotations {hint} \
         WHERE recording_id = ? AND deleted_at_ms IS NULL \
         AND (end_s - start_s) > ? AND start_s < ? AND end_s >= ? \
         ORDER BY start_s, id"
    ))
    .bind(recording_id)
    .bind(start_s - LONG_SPAN_S)
    .bind(end_s)
    .bind(start_s)
    .bind(recording_id)
    .bind(LONG_SPAN_S)
    .bind(start_s - LONG_SPAN_S)
    .bind(start_s)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Overwrites a row with a full state (used by update, delete, undo, redo) and sets
/// `a.version` to the row's new version.
async fn write_state(conn: &mut Conn, a: &mut Annotation) -> Result<()> {
    a.version = query(
        "UPDATE annotations SET start_s = ?, end_s = ?, lead = ?, kind = ?, code = ?, text = ?, value_json = ?, \
             author = ?, created_at_ms = ?, updated_at_ms = ?, deleted_at_ms = ?, version = version + 1 \
         WHERE id = ? RETURNING version",
    )
    .bind(a.data.start_s)
    .bind(a.data.end_s)
    .bind(&a.data.lead)
    .bind(a.data.kind.as_str())
    .bind(&a.data.code)
    .bind(&a.data.text)
    .bind(value_json(&a.data)?)
    .bind(&a.author)
    .bind(a.created_at_ms)
    .bind(a.updated_at_ms)
    .bind(a.deleted_at_ms)
    .bind(a.id)
    .scalar(&mut *conn)
    .await?;
    Ok(())
}

async fn change(
    conn: &mut Conn,
    before: &Annotation,
    after: &mut Annotation,
    action: Action,
    actor: &str,
    now_ms: i64,
    target_id: Option<i64>,
) -> Result<()> {
    write_state(conn, after).await?;
    let (b, a) = (to_json(before)?, to_json(after)?);
    audit::append(
        conn,
        &NewEntry {
            recording_id: before.recording_id,
            entity: Entity::Annotation,
            entity_id: before.id,
            action,
            actor,
            at_ms: now_ms,
            before: Some(&b),
            after: Some(&a),
            target_id,
        },
    )
    .await?;
    Ok(())
}

/// The annotation, read after taking its recording's row lock (so on PostgreSQL it is the
/// latest committed state, which no one else can change until this transaction ends).
async fn get_locked(conn: &mut Conn, id: i64) -> Result<Annotation> {
    let a = get(conn, id).await?;
    match conn.backend() {
        Backend::Sqlite => Ok(a),
        Backend::Postgres => {
            recordings::lock(conn, a.recording_id).await?;
            get(conn, id).await
        }
    }
}

/// [`Error::Stale`] unless the annotation is still at `expected` (None: any version).
async fn check_version(conn: &mut Conn, current: &Annotation, expected: Option<i64>) -> Result<()> {
    let Some(expected) = expected else {
        return Ok(());
    };
    if expected == current.version {
        return Ok(());
    }
    let last = audit::of_entity(conn, Entity::Annotation, current.id)
        .await?
        .pop();
    Err(Error::Stale {
        entity: "annotation",
        id: current.id,
        recording_id: current.recording_id,
        expected,
        found: current.version,
        changed_by: last
            .as_ref()
            .map(audit::AuditEntry::who)
            .unwrap_or_else(|| "someone".into()),
        changed_at_ms: last.map(|e| e.at_ms).unwrap_or(current.updated_at_ms),
    })
}

/// Replaces the content of a live annotation. With `expected_version`, refuses with
/// [`Error::Stale`] if someone changed it since that version.
pub async fn update(
    conn: &mut Conn,
    id: i64,
    expected_version: Option<i64>,
    data: &AnnotationData,
    actor: &str,
    now_ms: i64,
) -> Result<Annotation> {
    data.validate()?;
    let before = get_locked(conn, id).await?;
    review::ensure_unlocked(conn, before.recording_id).await?;
    check_version(conn, &before, expected_version).await?;
    if before.deleted_at_ms.is_some() {
        return Err(Error::State(format!(
            "annotation {id} is deleted; undo the delete first"
        )));
    }
    let mut after = before.clone();
    after.data = data.clone();
    after.updated_at_ms = now_ms;
    change(
        conn,
        &before,
        &mut after,
        Action::Update,
        actor,
        now_ms,
        None,
    )
    .await?;
    Ok(after)
}

/// Soft-deletes an annotation. With `expected_version`, refuses with [`Error::Stale`] if
/// someone changed it since that version.
pub async fn delete(
    conn: &mut Conn,
    id: i64,
    expected_version: Option<i64>,
    actor: &str,
    now_ms: i64,
) -> Result<Annotation> {
    let before = get_locked(conn, id).await?;
    review::ensure_unlocked(conn, before.recording_id).await?;
    check_version(conn, &before, expected_version).await?;
    if before.deleted_at_ms.is_some() {
        return Err(Error::State(format!("annotation {id} is already deleted")));
    }
    let mut after = before.clone();
    after.deleted_at_ms = Some(now_ms);
    after.updated_at_ms = now_ms;
    change(
        conn,
        &before,
        &mut after,
        Action::Delete,
        actor,
        now_ms,
        None,
    )
    .await?;
    Ok(after)
}

/// Parses an audit state; None (a create's "before") means the row did not exist yet.
fn state(v: Option<serde_json::Value>) -> Result<Option<Annotation>> {
    v.map(|v| serde_json::from_value(v).map_err(|e| Error::json("audit_log annotation state", e)))
        .transpose()
}

/// Undoes `actor`'s latest not-yet-undone annotation change of a recording (other actors'
/// changes are never undone by it). Returns the annotation as it is now, or None when there is
/// nothing to undo.
pub async fn undo(
    conn: &mut Conn,
    recording_id: i64,
    actor: &str,
    now_ms: i64,
) -> Result<Option<Annotation>> {
    recordings::lock(conn, recording_id).await?;
    review::ensure_unlocked(conn, recording_id).await?;
    let (undo_stack, _) =
        audit::undo_redo_stacks(conn, recording_id, Entity::Annotation, actor).await?;
    let Some(&target) = undo_stack.last() else {
        return Ok(None);
    };
    let entry = audit::get(conn, target).await?;
    let current = get(conn, entry.entity_id).await?;
    let mut restored = match state(entry.before)? {
        Some(mut prev) => {
            prev.updated_at_ms = now_ms;
            prev
        }
        // Undoing a create: the row goes away (softly).
        None => {
            let mut gone = current.clone();
            gone.deleted_at_ms = Some(now_ms);
            gone.updated_at_ms = now_ms;
            gone
        }
    };
    change(
        conn,
        &current,
        &mut restored,
        Action::Undo,
        actor,
        now_ms,
        Some(target),
    )
    .await?;
    Ok(Some(restored))
}

/// Re-applies the latest undone change, unless a new change was made since. Returns the
/// annotation as it is now, or None when there is nothing to redo.
pub async fn redo(
    conn: &mut Conn,
    recording_id: i64,
    actor: &str,
    now_ms: i64,
) -> Result<Option<Annotation>> {
    recordings::lock(conn, recording_id).await?;
    review::ensure_unlocked(conn, recording_id).await?;
    let (_, redo_stack) =
        audit::undo_redo_stacks(conn, recording_id, Entity::Annotation, actor).await?;
    let Some(&target) = redo_stack.last() else {
        return Ok(None);
    };
    let entry = audit::get(conn, target).await?;
    let current = get(conn, entry.entity_id).await?;
    let Some(mut reapplied) = state(entry.after)? else {
        return Err(Error::State(format!(
            "audit entry {target} has no after state to redo"
        )));
    };
    reapplied.updated_at_ms = now_ms;
    change(
        conn,
        &current,
        &mut reapplied,
        Action::Redo,
        actor,
        now_ms,
        Some(target),
    )
    .await?;
    Ok(Some(reapplied))
}

/// Live annotation count of a recording.
pub async fn count(conn: &mut Conn, recording_id: i64) -> Result<i64> {
    query("SELECT COUNT(*) FROM annotations WHERE recording_id = ? AND deleted_at_ms IS NULL")
        .bind(recording_id)
        .scalar(&mut *conn)
        .await
}
