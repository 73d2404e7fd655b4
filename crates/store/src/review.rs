//! The clinical review of a recording: measurement overrides, statement states and the
//! signature that locks it.
//!
//! Every change writes an audit entry in the caller's transaction. [`sign`] hashes the reviewed
//! state (live annotations, overrides, statements) into the signature, so a later reader can
//! tell that what was signed is what is stored; after it, [`ensure_unlocked`] refuses changes
//! with [`Error::Locked`] naming the signer (schema triggers refuse them too, as a backstop).
//!
//! Two readers changing one recording's review never lose an update: every override and
//! statement write stores the recording's next review version ([`next_review_version`], taken
//! under the recording's row lock) as the row's `version`, and the `_at` forms of the changes
//! ([`set_override`], [`clear_override`], [`set_statement_state`] with `expected_version`) refuse
//! with [`Error::Stale`], naming who changed the row since, when it is no longer at the version
//! the reader saw. The version of a measurement without an override is 0 ([`NO_OVERRIDE`]), so
//! setting one a colleague set meanwhile is refused too.

use crate::sql::{Conn, Row, query};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::annotations;
use crate::audit::{self, Action, Entity, NewEntry};
use crate::error::{Error, Result};
use crate::recordings::hex;

pub use ecg::StatementState;

/// A clinician's value for a measurement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasurementOverride {
    /// Row id (0 before it is stored).
    pub id: i64,
    /// The recording.
    pub recording_id: i64,
    /// Measurement name with its unit, as `ecg::Measurements` names it ("qt_ms", "qtc_ms", "hr_bpm").
    pub name: String,
    /// Lead name, or "" for the global measurement.
    pub lead: String,
    /// The value.
    pub value: f64,
    /// Its unit ("ms", "bpm", "deg", "mV").
    pub unit: String,
    /// Method where one applies (QTc: "bazett", "fridericia", "framingham", "hodges").
    pub method: Option<String>,
    /// The analysed value it replaces, if any.
    pub original_value: Option<f64>,
    /// Who set it.
    pub author: String,
    /// When, Unix ms.
    pub at_ms: i64,
    /// The recording's review version at this row's last write (see the module doc); what an
    /// edit names to be refused when someone changed the override first. Ignored on input.
    #[serde(default = "first_version")]
    pub version: i64,
}

/// The version [`set_override`] and [`clear_override`] expect for a measurement that has no
/// override (the one a reader saw when the table showed the analysed value).
pub const NO_OVERRIDE: i64 = 0;

fn first_version() -> i64 {
    1
}

/// An interpretation statement with its review state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredStatement {
    /// Row id.
    pub id: i64,
    /// The recording.
    pub recording_id: i64,
    /// Stable code of the statement (analysis rule id or device code).
    pub code: String,
    /// Text as suggested.
    pub text: String,
    /// The criterion that fired, if any.
    pub criterion: Option<String>,
    /// Review state.
    pub state: StatementState,
    /// The clinician's text when state is Edited.
    pub edited_text: Option<String>,
    /// Who last changed the state (None while only suggested by analysis).
    pub actor: Option<String>,
    /// When, Unix ms.
    pub at_ms: i64,
    /// The recording's review version at this row's last write (see the module doc).
    #[serde(default = "first_version")]
    pub version: i64,
}

/// The signature locking a reviewed recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signature {
    /// Row id.
    pub id: i64,
    /// The recording.
    pub recording_id: i64,
    /// Who signed.
    pub signer: String,
    /// What the signature means ("reviewed", "approved", "read and confirmed").
    pub meaning: String,
    /// When, Unix ms.
    pub signed_at_ms: i64,
    /// SHA-256 of the reviewed state at signing time (see [`review_digest`]).
    pub review_sha256: String,
}

fn state_str(s: StatementState) -> &'static str {
    match s {
        StatementState::Suggested => "suggested",
        StatementState::Confirmed => "confirmed",
        StatementState::Rejected => "rejected",
        StatementState::Edited => "edited",
    }
}

fn parse_state(s: &str) -> Result<StatementState> {
    Ok(match s {
        "suggested" => StatementState::Suggested,
        "confirmed" => StatementState::Confirmed,
        "rejected" => StatementState::Rejected,
        "edited" => StatementState::Edited,
        other => {
            return Err(Error::State(format!(
                "unknown statement state {other:?} in database"
            )));
        }
    })
}

/// The signature of a recording, if it has one.
pub async fn signature(conn: &mut Conn, recording_id: i64) -> Result<Option<Signature>> {
    let row = query(
        "SELECT id, signer, meaning, signed_at_ms, review_sha256 FROM signatures WHERE recording_id = ?",
    )
    .bind(recording_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|row| {
        Ok(Signature {
            id: row.get("id")?,
            recording_id,
            signer: row.get("signer")?,
            meaning: row.get("meaning")?,
            signed_at_ms: row.get("signed_at_ms")?,
            review_sha256: row.get("review_sha256")?,
        })
    })
    .transpose()
}

/// Fails with [`Error::Locked`] if the recording is signed.
pub async fn ensure_unlocked(conn: &mut Conn, recording_id: i64) -> Result<()> {
    match signature(conn, recording_id).await? {
        None => Ok(()),
        Some(s) => Err(Error::Locked {
            recording_id,
            signer: s.signer,
            meaning: s.meaning,
            signed_at_ms: s.signed_at_ms,
        }),
    }
}

/// Takes the recording's row lock ([`recordings::lock`]), then [`ensure_unlocked`]: the check
/// and the write that follows are one step for every other reader of the recording.
async fn lock_unsigned(conn: &mut Conn, recording_id: i64) -> Result<()> {
    crate::recordings::lock(conn, recording_id).await?;
    ensure_unlocked(conn, recording_id).await
}

/// Takes the recording's next review version (`recordings.review_version + 1`, stored): the
/// version of the override or statement row the caller writes next in this transaction. Call
/// after [`lock_unsigned`], so versions of one recording are handed out one writer at a time.
pub async fn next_review_version(conn: &mut Conn, recording_id: i64) -> Result<i64> {
    query(
        "UPDATE recordings SET review_version = review_version + 1 WHERE id = ? \
         RETURNING review_version",
    )
    .bind(recording_id)
    .scalar_optional(&mut *conn)
    .await?
    .ok_or(Error::NotFound {
        entity: "recording",
        id: recording_id,
    })
}

/// The latest audit entry about a recording's rows of `entity` that `matches` (by the row's
/// before or after state): who changed a row last, for [`Error::Stale`], even when the row has
/// since been removed (a cleared override).
async fn last_change(
    conn: &mut Conn,
    recording_id: i64,
    entity: Entity,
    matches: impl Fn(&serde_json::Value) -> bool,
) -> Result<Option<audit::AuditEntry>> {
    let entries = audit::of_recording(conn, recording_id, entity).await?;
    Ok(entries
        .into_iter()
        .rev()
        .find(|e| e.after.iter().chain(e.before.iter()).any(&matches)))
}

/// [`Error::Stale`] for `what` of a recording, found at `found` when the edit expected
/// `expected`; names the latest change's author from the audit log.
fn stale(
    entity: &'static str,
    id: i64,
    recording_id: i64,
    expected: i64,
    found: i64,
    last: Option<audit::AuditEntry>,
    fallback_at_ms: i64,
) -> Error {
    Error::Stale {
        entity,
        id,
        recording_id,
        expected,
        found,
        changed_by: last
            .as_ref()
            .map(audit::AuditEntry::who)
            .unwrap_or_else(|| "someone".into()),
        changed_at_ms: last.map(|e| e.at_ms).unwrap_or(fallback_at_ms),
    }
}

/// [`Error::Stale`] unless the override of (`name`, `lead`) is still at `expected` (its
/// `version`, or [`NO_OVERRIDE`] for none); None checks nothing.
async fn check_override_version(
    conn: &mut Conn,
    recording_id: i64,
    name: &str,
    lead: &str,
    current: Option<&MeasurementOverride>,
    expected: Option<i64>,
) -> Result<()> {
    let Some(expected) = expected else {
        return Ok(());
    };
    let found = current.map_or(NO_OVERRIDE, |o| o.version);
    if found == expected {
        return Ok(());
    }
    let last = last_change(conn, recording_id, Entity::Measurement, |v| {
        v.get("name").and_then(|n| n.as_str()) == Some(name)
            && v.get("lead").and_then(|l| l.as_str()) == Some(lead)
    })
    .await?;
    let id = current
        .map(|o| o.id)
        .or_else(|| last.as_ref().map(|e| e.entity_id))
        .unwrap_or(0);
    let at = current.map_or(0, |o| o.at_ms);
    Err(stale(
        "measurement override",
        id,
        recording_id,
        expected,
        found,
        last,
        at,
    ))
}

fn override_from_row(row: &Row) -> Result<MeasurementOverride> {
    Ok(MeasurementOverride {
        id: row.get("id")?,
        recording_id: row.get("recording_id")?,
        name: row.get("name")?,
        lead: row.get("lead")?,
        value: row.get("value")?,
        unit: row.get("unit")?,
        method: row.get("method")?,
        original_value: row.get("original_value")?,
        author: row.get("author")?,
        at_ms: row.get("at_ms")?,
        version: row.get("version")?,
    })
}

const OVERRIDE_COLUMNS: &str =
    "id, recording_id, name, lead, value, unit, method, original_value, author, at_ms, version";

async fn find_override(
    conn: &mut Conn,
    recording_id: i64,
    name: &str,
    lead: &str,
) -> Result<Option<MeasurementOverride>> {
    let row = query(format!(
        "SELECT {OVERRIDE_COLUMNS} FROM measurement_overrides WHERE recording_id = ? AND name = ? AND lead = ?"
    ))
    .bind(recording_id)
    .bind(name)
    .bind(lead)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(override_from_row).transpose()
}

fn json<T: Serialize>(v: &T, field: &'static str) -> Result<serde_json::Value> {
    serde_json::to_value(v).map_err(|e| Error::json(field, e))
}

/// Sets (or replaces) a measurement override. `o.id`, `o.author`, `o.at_ms` and `o.version`
/// are ignored: the stored row gets its own id, `author`, `now_ms` and the next review version.
/// With `expected_version` (the override's version the reader saw, [`NO_OVERRIDE`] when there
/// was none), refuses with [`Error::Stale`] if someone changed or cleared it since.
pub async fn set_override(
    conn: &mut Conn,
    o: &MeasurementOverride,
    expected_version: Option<i64>,
    author: &str,
    now_ms: i64,
) -> Result<MeasurementOverride> {
    if !o.value.is_finite() {
        return Err(Error::Argument {
            field: "value",
            message: format!("{} is not a finite number", o.value),
        });
    }
    lock_unsigned(conn, o.recording_id).await?;
    let before = find_override(conn, o.recording_id, &o.name, &o.lead).await?;
    check_override_version(
        conn,
        o.recording_id,
        &o.name,
        &o.lead,
        before.as_ref(),
        expected_version,
    )
    .await?;
    let version = next_review_version(conn, o.recording_id).await?;
    let row = query(format!(
        "INSERT INTO measurement_overrides (recording_id, name, lead, value, unit, method, original_value, author, at_ms, version) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (recording_id, name, lead) DO UPDATE SET value = excluded.value, unit = excluded.unit, \
             method = excluded.method, original_value = excluded.original_value, author = excluded.author, \
             at_ms = excluded.at_ms, version = excluded.version \
         RETURNING {OVERRIDE_COLUMNS}"
    ))
    .bind(o.recording_id)
    .bind(&o.name)
    .bind(&o.lead)
    .bind(o.value)
    .bind(&o.unit)
    .bind(&o.method)
    .bind(o.original_value)
    .bind(author)
    .bind(now_ms)
    .bind(version)
    .fetch_one(&mut *conn)
    .await?;
    let stored = override_from_row(&row)?;
    let b = before.as_ref().map(|b| json(b, "override")).transpose()?;
    let a = json(&stored, "override")?;
    audit::append(
        conn,
        &NewEntry {
            recording_id: o.recording_id,
            entity: Entity::Measurement,
            entity_id: stored.id,
            action: if before.is_some() {
                Action::Update
            } else {
                Action::Create
            },
            actor: author,
            at_ms: now_ms,
            before: b.as_ref(),
            after: Some(&a),
            target_id: None,
        },
    )
    .await?;
    Ok(stored)
}

/// Removes an override (the analysed value applies again). Returns false if there was none.
/// With `expected_version`, refuses with [`Error::Stale`] if the override is no longer at that
/// version (changed, or cleared and set again, by someone else); clearing an override that
/// someone else already cleared is not an error (returns false).
pub async fn clear_override(
    conn: &mut Conn,
    recording_id: i64,
    name: &str,
    lead: &str,
    expected_version: Option<i64>,
    actor: &str,
    now_ms: i64,
) -> Result<bool> {
    lock_unsigned(conn, recording_id).await?;
    let current = find_override(conn, recording_id, name, lead).await?;
    if current.is_some() {
        check_override_version(
            conn,
            recording_id,
            name,
            lead,
            current.as_ref(),
            expected_version,
        )
        .await?;
    }
    let Some(before) = current else {
        return Ok(false);
    };
    // The clear is a review change too: a later override of this measurement gets a newer
    // version than any it had.
    next_review_version(conn, recording_id).await?;
    query("DELETE FROM measurement_overrides WHERE id = ?")
        .bind(before.id)
        .execute(&mut *conn)
        .await?;
    let b = json(&before, "override")?;
    audit::append(
        conn,
        &NewEntry {
            recording_id,
            entity: Entity::Measurement,
            entity_id: before.id,
            action: Action::Delete,
            actor,
            at_ms: now_ms,
            before: Some(&b),
            after: None,
            target_id: None,
        },
    )
    .await?;
    Ok(true)
}

/// The overrides of a recording, by name and lead.
pub async fn overrides(conn: &mut Conn, recording_id: i64) -> Result<Vec<MeasurementOverride>> {
    let rows = query(format!(
        "SELECT {OVERRIDE_COLUMNS} FROM measurement_overrides WHERE recording_id = ? ORDER BY name, lead"
    ))
    .bind(recording_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(override_from_row).collect()
}

const STATEMENT_COLUMNS: &str =
    "id, recording_id, code, text, criterion, state, edited_text, actor, at_ms, version";

fn statement_from_row(row: &Row) -> Result<StoredStatement> {
    Ok(StoredStatement {
        id: row.get("id")?,
        recording_id: row.get("recording_id")?,
        code: row.get("code")?,
        text: row.get("text")?,
        criterion: row.get("criterion")?,
        state: parse_state(&row.get::<String>("state")?)?,
        edited_text: row.get("edited_text")?,
        actor: row.get("actor")?,
        at_ms: row.get("at_ms")?,
        version: row.get("version")?,
    })
}

async fn find_statement(
    conn: &mut Conn,
    recording_id: i64,
    code: &str,
) -> Result<Option<StoredStatement>> {
    let row = query(format!(
        "SELECT {STATEMENT_COLUMNS} FROM statements WHERE recording_id = ? AND code = ?"
    ))
    .bind(recording_id)
    .bind(code)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(statement_from_row).transpose()
}

/// Records a statement suggested by analysis or by the device. An existing statement with the
/// same code keeps its review state (a re-analysis does not undo a clinician's decision); only
/// its text and criterion are refreshed while it is still merely suggested.
pub async fn suggest_statement(
    conn: &mut Conn,
    recording_id: i64,
    code: &str,
    text: &str,
    criterion: Option<&str>,
    actor: &str,
    now_ms: i64,
) -> Result<StoredStatement> {
    lock_unsigned(conn, recording_id).await?;
    if let Some(existing) = find_statement(conn, recording_id, code).await? {
        if existing.state != StatementState::Suggested
            || (existing.text == text && existing.criterion.as_deref() == criterion)
        {
            return Ok(existing);
        }
        let version = next_review_version(conn, recording_id).await?;
        query("UPDATE statements SET text = ?, criterion = ?, at_ms = ?, version = ? WHERE id = ?")
            .bind(text)
            .bind(criterion)
            .bind(now_ms)
            .bind(version)
            .bind(existing.id)
            .execute(&mut *conn)
            .await?;
        let after = find_statement(conn, recording_id, code)
            .await?
            .ok_or(Error::NotFound {
                entity: "statement",
                id: existing.id,
            })?;
        let (b, a) = (json(&existing, "statement")?, json(&after, "statement")?);
        audit::append(
            conn,
            &NewEntry {
                recording_id,
                entity: Entity::Statement,
                entity_id: after.id,
                action: Action::Update,
                actor,
                at_ms: now_ms,
                before: Some(&b),
                after: Some(&a),
                target_id: None,
            },
        )
        .await?;
        return Ok(after);
    }
    let version = next_review_version(conn, recording_id).await?;
    let row = query(format!(
        "INSERT INTO statements (recording_id, code, text, criterion, state, at_ms, version) \
         VALUES (?, ?, ?, ?, 'suggested', ?, ?) RETURNING {STATEMENT_COLUMNS}"
    ))
    .bind(recording_id)
    .bind(code)
    .bind(text)
    .bind(criterion)
    .bind(now_ms)
    .bind(version)
    .fetch_one(&mut *conn)
    .await?;
    let created = statement_from_row(&row)?;
    let a = json(&created, "statement")?;
    audit::append(
        conn,
        &NewEntry {
            recording_id,
            entity: Entity::Statement,
            entity_id: created.id,
            action: Action::Create,
            actor,
            at_ms: now_ms,
            before: None,
            after: Some(&a),
            target_id: None,
        },
    )
    .await?;
    Ok(created)
}

/// Sets a statement's review state. `edited_text` is required for Edited and refused otherwise.
/// With `expected_version` (the statement's version the reader saw), refuses with
/// [`Error::Stale`] if someone changed it since.
#[allow(clippy::too_many_arguments)]
pub async fn set_statement_state(
    conn: &mut Conn,
    recording_id: i64,
    code: &str,
    state: StatementState,
    edited_text: Option<&str>,
    expected_version: Option<i64>,
    actor: &str,
    now_ms: i64,
) -> Result<StoredStatement> {
    if (state == StatementState::Edited) != edited_text.is_some() {
        return Err(Error::Argument {
            field: "edited_text",
            message: "required exactly when the state is edited".into(),
        });
    }
    lock_unsigned(conn, recording_id).await?;
    let before = find_statement(conn, recording_id, code)
        .await?
        .ok_or_else(|| {
            Error::State(format!(
                "recording {recording_id} has no statement {code:?}"
            ))
        })?;
    if let Some(expected) = expected_version
        && expected != before.version
    {
        let last = audit::of_entity(conn, Entity::Statement, before.id)
            .await?
            .pop();
        return Err(stale(
            "statement",
            before.id,
            recording_id,
            expected,
            before.version,
            last,
            before.at_ms,
        ));
    }
    let version = next_review_version(conn, recording_id).await?;
    query(
        "UPDATE statements SET state = ?, edited_text = ?, actor = ?, at_ms = ?, version = ? WHERE id = ?",
    )
    .bind(state_str(state))
    .bind(edited_text)
    .bind(actor)
    .bind(now_ms)
    .bind(version)
    .bind(before.id)
    .execute(&mut *conn)
    .await?;
    let after = StoredStatement {
        state,
        edited_text: edited_text.map(str::to_string),
        actor: Some(actor.to_string()),
        at_ms: now_ms,
        version,
        ..before.clone()
    };
    let (b, a) = (json(&before, "statement")?, json(&after, "statement")?);
    audit::append(
        conn,
        &NewEntry {
            recording_id,
            entity: Entity::Statement,
            entity_id: after.id,
            action: Action::Update,
            actor,
            at_ms: now_ms,
            before: Some(&b),
            after: Some(&a),
            target_id: None,
        },
    )
    .await?;
    Ok(after)
}

/// The statements of a recording, in the order they were first suggested.
pub async fn statements(conn: &mut Conn, recording_id: i64) -> Result<Vec<StoredStatement>> {
    let rows = query(format!(
        "SELECT {STATEMENT_COLUMNS} FROM statements WHERE recording_id = ? ORDER BY id"
    ))
    .bind(recording_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(statement_from_row).collect()
}

/// A row's JSON without its `version` (bookkeeping for concurrent edits, not reviewed content).
fn without_version(mut v: serde_json::Value) -> Result<serde_json::Value> {
    if let Some(o) = v.as_object_mut() {
        o.remove("version");
    }
    Ok(v)
}

/// SHA-256 over the canonical JSON of the reviewed state: live annotations (by id), overrides
/// and statements. Timestamps of the last change are included, so any edit changes it.
pub async fn review_digest(conn: &mut Conn, recording_id: i64) -> Result<String> {
    let mut anns = annotations::list(conn, recording_id).await?;
    anns.sort_by_key(|a| a.id);
    // Row versions are bookkeeping for concurrent edits, not reviewed content; leaving them out
    // keeps the digests of recordings signed before versions existed reproducible.
    let anns: Vec<serde_json::Value> = anns
        .iter()
        .map(|a| without_version(json(a, "annotation")?))
        .collect::<Result<_>>()?;
    let overrides: Vec<serde_json::Value> = overrides(conn, recording_id)
        .await?
        .iter()
        .map(|o| without_version(json(o, "override")?))
        .collect::<Result<_>>()?;
    let statements: Vec<serde_json::Value> = statements(conn, recording_id)
        .await?
        .iter()
        .map(|s| without_version(json(s, "statement")?))
        .collect::<Result<_>>()?;
    let state = serde_json::json!({
        "recording_id": recording_id,
        "annotations": anns,
        "overrides": overrides,
        "statements": statements,
    });
    let bytes = serde_json::to_vec(&state).map_err(|e| Error::json("review state", e))?;
    Ok(hex(&Sha256::digest(&bytes)))
}

/// Signs a recording: stores the signature with the digest of the reviewed state and locks it.
pub async fn sign(
    conn: &mut Conn,
    recording_id: i64,
    signer: &str,
    meaning: &str,
    now_ms: i64,
) -> Result<Signature> {
    lock_unsigned(conn, recording_id).await?;
    let digest = review_digest(conn, recording_id).await?;
    let id: i64 = query(
        "INSERT INTO signatures (recording_id, signer, meaning, signed_at_ms, review_sha256) \
         VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(recording_id)
    .bind(signer)
    .bind(meaning)
    .bind(now_ms)
    .bind(&digest)
    .scalar(&mut *conn)
    .await?;
    let sig = Signature {
        id,
        recording_id,
        signer: signer.to_string(),
        meaning: meaning.to_string(),
        signed_at_ms: now_ms,
        review_sha256: digest,
    };
    let a = json(&sig, "signature")?;
    audit::append(
        conn,
        &NewEntry {
            recording_id,
            entity: Entity::Signature,
            entity_id: id,
            action: Action::Sign,
            actor: signer,
            at_ms: now_ms,
            before: None,
            after: Some(&a),
            target_id: None,
        },
    )
    .await?;
    Ok(sig)
}
