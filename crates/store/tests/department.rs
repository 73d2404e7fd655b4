//! A department reading together on one PostgreSQL database: two roles (`dr_a`, `dr_b`, each its
//! own login, i.e. its own `Store`) editing one recording never lose an update, a signed reading
//! is locked for every role, every audit row carries the role that wrote it (the server stamps
//! it; a client cannot forge it), and the worklist shows who is reading what. The version and
//! presence rules also hold on SQLite (one user, several actors), tested by the `sqlite` variants.

mod common;

use common::{Kind, TempStore};
use store::annotations::AnnotationData;
use store::review::{MeasurementOverride, StatementState};
use store::{Error, Store};

/// The store as reader `i` (0 or 1): on PostgreSQL a second login as role dr_a/dr_b; on SQLite
/// the same file (identity is the actor there).
async fn as_reader(t: &TempStore, i: usize) -> Store {
    match t.kind {
        Kind::Sqlite => Store::open(t.path()).await.unwrap(),
        Kind::Postgres => Store::open(t.url_as(common::READERS[i])).await.unwrap(),
    }
}

const ACTORS: [&str; 2] = ["dr.a", "dr.b"];

async fn the_loser_of_two_edits_gets_a_clear_error_and_nothing_is_lost(k: Kind) {
    let t = common::temp_store_on(k).await;
    let rec = common::recording(&t.store, "two-readers").await;
    let (a, b) = (as_reader(&t, 0).await, as_reader(&t, 1).await);
    let note = a
        .add_annotation(
            rec.id,
            &AnnotationData::note(1.0, 2.0, "original"),
            ACTORS[0],
        )
        .await
        .unwrap();
    assert_eq!(note.version, 1);
    // Both readers saw version 1; dr.a saves first.
    let saved = a
        .update_annotation_at(
            note.id,
            1,
            &AnnotationData::note(1.0, 2.2, "a's edit"),
            ACTORS[0],
        )
        .await
        .unwrap();
    assert_eq!(saved.version, 2);
    let err = b
        .update_annotation_at(
            note.id,
            1,
            &AnnotationData::note(1.0, 1.8, "b's edit"),
            ACTORS[1],
        )
        .await
        .unwrap_err();
    match &err {
        Error::Stale {
            recording_id,
            expected,
            found,
            changed_by,
            ..
        } => {
            assert_eq!((*recording_id, *expected, *found), (rec.id, 1, 2));
            assert!(changed_by.starts_with("dr.a"), "{changed_by}");
            if k == Kind::Postgres {
                assert!(changed_by.contains("role dr_a"), "{changed_by}");
            }
        }
        other => panic!("expected Stale, got {other}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains(&format!("recording {}", rec.id)) && msg.contains("dr.a"),
        "{msg}"
    );
    assert!(matches!(
        b.delete_annotation_at(note.id, 1, ACTORS[1]).await,
        Err(Error::Stale { .. })
    ));
    // dr.b reloads and applies the change on top of dr.a's.
    let again = b
        .update_annotation_at(
            note.id,
            2,
            &AnnotationData::note(1.0, 1.8, "b's edit"),
            ACTORS[1],
        )
        .await
        .unwrap();
    assert_eq!(again.version, 3);
    let log = t.store.history(rec.id).await.unwrap();
    let texts: Vec<&str> = log
        .iter()
        .filter_map(|e| e.after.as_ref()?.get("text")?.as_str())
        .collect();
    assert_eq!(
        texts,
        ["original", "a's edit", "b's edit"],
        "every saved edit is in the trail"
    );

    // Racing: both save from the same version at the same moment, many times. Exactly one wins
    // each round, the other is told, and the stored text is the winner's.
    for round in 0..20 {
        let base = t.store.annotations(rec.id).await.unwrap()[0].version;
        let (da, db) = (
            AnnotationData::note(1.0, 2.0, format!("a{round}")),
            AnnotationData::note(1.0, 2.0, format!("b{round}")),
        );
        let (ra, rb) = tokio::join!(
            a.update_annotation_at(note.id, base, &da, ACTORS[0]),
            b.update_annotation_at(note.id, base, &db, ACTORS[1]),
        );
        let winner = match (ra, rb) {
            (Ok(w), Err(Error::Stale { .. })) | (Err(Error::Stale { .. }), Ok(w)) => w,
            (ra, rb) => panic!("round {round}: expected one winner, got {ra:?} and {rb:?}"),
        };
        let stored = t.store.annotations(rec.id).await.unwrap();
        assert_eq!(stored[0].data.text, winner.data.text, "round {round}");
        assert_eq!(stored[0].version, base + 1);
    }
}

async fn a_signed_reading_is_locked_for_every_role(k: Kind) {
    let t = common::temp_store_on(k).await;
    let rec = common::recording(&t.store, "signed-by-a").await;
    let (a, b) = (as_reader(&t, 0).await, as_reader(&t, 1).await);
    let note = b
        .add_annotation(
            rec.id,
            &AnnotationData::note(1.0, 1.0, "b's note"),
            ACTORS[1],
        )
        .await
        .unwrap();
    a.suggest_statements(
        rec.id,
        &[("sinus".into(), "Sinus rhythm".into(), None)],
        "analysis",
    )
    .await
    .unwrap();
    a.sign(rec.id, "Dr. A", "Read and confirmed").await.unwrap();
    let locked = |r: Result<_, Error>| match r {
        Err(Error::Locked { signer, .. }) => assert_eq!(signer, "Dr. A"),
        Err(other) => panic!("expected Locked, got {other}"),
        Ok(_) => panic!("expected Locked, the change was accepted"),
    };
    locked(
        b.add_annotation(rec.id, &AnnotationData::note(2.0, 2.0, "late"), ACTORS[1])
            .await
            .map(|_| ()),
    );
    locked(
        b.update_annotation_at(
            note.id,
            note.version,
            &AnnotationData::note(0.0, 0.0, "x"),
            ACTORS[1],
        )
        .await
        .map(|_| ()),
    );
    locked(b.delete_annotation(note.id, ACTORS[1]).await.map(|_| ()));
    locked(b.undo(rec.id, ACTORS[1]).await.map(|_| ()));
    locked(
        b.set_statement_state(rec.id, "sinus", StatementState::Rejected, None, ACTORS[1])
            .await
            .map(|_| ()),
    );
    locked(
        b.set_override(
            &MeasurementOverride {
                id: 0,
                recording_id: rec.id,
                name: "qt_ms".into(),
                lead: String::new(),
                value: 400.0,
                unit: "ms".into(),
                method: None,
                original_value: None,
                author: String::new(),
                at_ms: 0,
                version: 0,
            },
            ACTORS[1],
        )
        .await
        .map(|_| ()),
    );
    locked(b.sign(rec.id, "Dr. B", "again").await.map(|_| ()));
    // SQL that bypasses the store is refused by the database itself, for any role.
    let mut conn = b.read().await.unwrap();
    let raw = store::sql::query("UPDATE annotations SET text = 'tampered' WHERE id = ?")
        .bind(note.id)
        .execute(&mut conn)
        .await;
    assert!(raw.unwrap_err().to_string().contains("recording_locked"));
    let raw = store::sql::query("DELETE FROM signatures")
        .execute(&mut conn)
        .await;
    assert!(raw.unwrap_err().to_string().contains("signature_immutable"));
}

/// A signature and another reader's edits racing: the row lock orders them, so whatever edit
/// committed is inside the signed digest and nothing commits after the signature.
async fn a_signature_racing_another_readers_edits_covers_exactly_what_was_stored(k: Kind) {
    let t = common::temp_store_on(k).await;
    let (a, b) = (as_reader(&t, 0).await, as_reader(&t, 1).await);
    for round in 0..10 {
        let rec = common::recording(&t.store, &format!("race-{round}")).await;
        let writer = {
            let b = b.clone();
            tokio::spawn(async move {
                let mut n = 0;
                loop {
                    let r = b
                        .add_annotation(
                            rec.id,
                            &AnnotationData::note(n as f64, n as f64, "racing"),
                            ACTORS[1],
                        )
                        .await;
                    match r {
                        Ok(_) => n += 1,
                        Err(Error::Locked { .. }) => return n,
                        Err(e) => panic!("round {round}: {e}"),
                    }
                }
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(20 + round * 3)).await;
        let sig = a.sign(rec.id, "Dr. A", "Read").await.unwrap();
        let written = writer.await.unwrap();
        let stored = t.store.annotations(rec.id).await.unwrap();
        assert_eq!(
            stored.len(),
            written,
            "round {round}: every accepted note is stored"
        );
        let mut conn = t.store.read().await.unwrap();
        assert_eq!(
            store::review::review_digest(&mut conn, rec.id)
                .await
                .unwrap(),
            sig.review_sha256,
            "round {round}: the signature covers exactly what is stored"
        );
    }
}

async fn audit_rows_carry_the_role_that_wrote_them(k: Kind) {
    let t = common::temp_store_on(k).await;
    let rec = common::recording(&t.store, "roles").await;
    let (a, b) = (as_reader(&t, 0).await, as_reader(&t, 1).await);
    let note = a
        .add_annotation(rec.id, &AnnotationData::note(1.0, 1.0, "a"), ACTORS[0])
        .await
        .unwrap();
    b.update_annotation(note.id, &AnnotationData::note(1.0, 1.5, "b"), ACTORS[1])
        .await
        .unwrap();
    a.sign(rec.id, "Dr. A", "Read").await.unwrap();
    let log = t.store.history(rec.id).await.unwrap();
    let who: Vec<(&str, Option<&str>)> = log
        .iter()
        .map(|e| (e.actor.as_str(), e.role.as_deref()))
        .collect();
    match k {
        Kind::Postgres => {
            assert_eq!(
                who,
                [
                    ("dr.a", Some("dr_a")),
                    ("dr.b", Some("dr_b")),
                    ("Dr. A", Some("dr_a"))
                ]
            );
            assert_eq!(a.role().await.unwrap().as_deref(), Some("dr_a"));
            // A client writing the trail directly cannot put another role's name in it.
            let mut conn = b.read().await.unwrap();
            store::sql::query(
                "INSERT INTO audit_log (recording_id, entity, entity_id, action, actor, at_ms, db_role) \
                 VALUES (?, 'annotation', ?, 'update', 'forger', 0, 'dr_a')",
            )
            .bind(rec.id)
            .bind(note.id)
            .execute(&mut conn)
            .await
            .unwrap();
            let forged = t.store.history(rec.id).await.unwrap().pop().unwrap();
            assert_eq!(
                (forged.actor.as_str(), forged.role.as_deref()),
                ("forger", Some("dr_b"))
            );
            let upd = store::sql::query("UPDATE audit_log SET db_role = 'dr_a'")
                .execute(&mut conn)
                .await;
            assert!(
                upd.unwrap_err()
                    .to_string()
                    .contains("audit_log_append_only")
            );
        }
        Kind::Sqlite => {
            // One local user: the actor is the identity, as before PostgreSQL support.
            assert_eq!(who, [("dr.a", None), ("dr.b", None), ("Dr. A", None)]);
            assert_eq!(a.role().await.unwrap(), None);
        }
    }
}

async fn the_worklist_shows_who_is_reading_what(k: Kind) {
    let t = common::temp_store_on(k).await;
    let first = common::recording(&t.store, "first").await;
    let second = common::recording(&t.store, "second").await;
    let (a, b) = (as_reader(&t, 0).await, as_reader(&t, 1).await);
    let pa = a.claim_reading(first.id, ACTORS[0]).await.unwrap();
    b.claim_reading(first.id, ACTORS[1]).await.unwrap();
    b.claim_reading(second.id, ACTORS[1]).await.unwrap();
    // Renewing keeps the start time and moves the expiry.
    let renewed = a.claim_reading(first.id, ACTORS[0]).await.unwrap();
    assert_eq!(renewed.since_ms, pa.since_ms);
    assert!(renewed.expires_at_ms >= pa.expires_at_ms);
    a.sign(second.id, "Dr. A", "Read").await.unwrap();

    let list = t.store.worklist(10).await.unwrap();
    let entry = |id| list.iter().find(|e| e.recording.id == id).unwrap();
    let readers = |id| -> Vec<(String, Option<String>)> {
        entry(id)
            .readers
            .iter()
            .map(|p| (p.reader.clone(), p.role.clone()))
            .collect()
    };
    let role = |r: &str| (k == Kind::Postgres).then(|| r.to_string());
    assert_eq!(
        readers(first.id),
        [("dr.a".into(), role("dr_a")), ("dr.b".into(), role("dr_b"))]
    );
    assert_eq!(readers(second.id), [("dr.b".into(), role("dr_b"))]);
    assert_eq!(entry(second.id).signature.as_ref().unwrap().signer, "Dr. A");
    assert!(entry(first.id).signature.is_none());

    // Closing releases; a reader whose app died expires.
    assert!(b.release_reading(first.id, ACTORS[1]).await.unwrap());
    assert!(!b.release_reading(first.id, ACTORS[1]).await.unwrap());
    let mut tx = b.begin_write().await.unwrap();
    let past = store::now_ms() - store::presence::READING_TTL_MS - 1000;
    store::presence::claim(
        &mut tx,
        second.id,
        "dr.gone",
        past,
        store::presence::READING_TTL_MS,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let now: Vec<String> = t
        .store
        .readers(second.id)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.reader)
        .collect();
    assert_eq!(now, ["dr.b"]);
    assert_eq!(
        t.store.readers(first.id).await.unwrap().len(),
        1,
        "only dr.a is still reading the first"
    );
    assert!(matches!(
        a.claim_reading(first.id, "").await,
        Err(Error::Invalid {
            field: "reader",
            ..
        })
    ));
}

fn qt(recording_id: i64, value: f64) -> MeasurementOverride {
    MeasurementOverride {
        id: 0,
        recording_id,
        name: "qt_ms".into(),
        lead: String::new(),
        value,
        unit: "ms".into(),
        method: None,
        original_value: Some(400.0),
        author: String::new(),
        at_ms: 0,
        version: 0,
    }
}

/// Asserts `r` is `Stale` found at `found`, naming `by` (and on PostgreSQL `role`).
fn assert_stale<T: std::fmt::Debug>(
    k: Kind,
    r: Result<T, Error>,
    found: i64,
    by: &str,
    role: &str,
) -> Error {
    match r {
        Err(e @ Error::Stale { .. }) => {
            let Error::Stale {
                found: f,
                changed_by,
                ..
            } = &e
            else {
                unreachable!()
            };
            assert_eq!(*f, found, "{e}");
            assert!(changed_by.starts_with(by), "{e}");
            if k == Kind::Postgres {
                assert!(changed_by.contains(&format!("role {role}")), "{e}");
            }
            let msg = e.to_string();
            assert!(
                msg.contains(by) && msg.contains("nothing was saved"),
                "{msg}"
            );
            e
        }
        other => panic!("expected Stale, got {other:?}"),
    }
}

async fn two_readers_overriding_one_measurement_never_lose_an_update(k: Kind) {
    use store::review::NO_OVERRIDE;
    let t = common::temp_store_on(k).await;
    let rec = common::recording(&t.store, "two-overrides").await;
    let (a, b) = (as_reader(&t, 0).await, as_reader(&t, 1).await);
    // Both saw the analysed QT (no override); dr.a saves first, dr.b is told.
    let first = a
        .set_override_at(&qt(rec.id, 410.0), NO_OVERRIDE, ACTORS[0])
        .await
        .unwrap();
    let e = assert_stale(
        k,
        b.set_override_at(&qt(rec.id, 420.0), NO_OVERRIDE, ACTORS[1])
            .await,
        first.version,
        "dr.a",
        "dr_a",
    );
    assert!(
        e.to_string().contains("measurement override"),
        "the message says what changed: {e}"
    );
    assert_eq!(
        t.store.review_state(rec.id).await.unwrap().overrides[0].value,
        410.0
    );
    // dr.b reloads and overrides on top of dr.a's value.
    let second = b
        .set_override_at(&qt(rec.id, 420.0), first.version, ACTORS[1])
        .await
        .unwrap();
    assert!(second.version > first.version);
    assert_stale(
        k,
        a.clear_override_at(rec.id, "qt_ms", "", first.version, ACTORS[0])
            .await,
        second.version,
        "dr.b",
        "dr_b",
    );
    // Cleared and set again by dr.b: the new row's version is new, so dr.a's edit based on the
    // value it saw before is still refused (no ABA through a re-created row).
    assert!(
        b.clear_override_at(rec.id, "qt_ms", "", second.version, ACTORS[1])
            .await
            .unwrap()
    );
    assert_stale(
        k,
        a.set_override_at(&qt(rec.id, 430.0), second.version, ACTORS[0])
            .await,
        NO_OVERRIDE,
        "dr.b",
        "dr_b",
    );
    let third = b
        .set_override_at(&qt(rec.id, 425.0), NO_OVERRIDE, ACTORS[1])
        .await
        .unwrap();
    assert!(third.version > second.version);
    assert_stale(
        k,
        a.set_override_at(&qt(rec.id, 430.0), second.version, ACTORS[0])
            .await,
        third.version,
        "dr.b",
        "dr_b",
    );
    // Racing from the same version: exactly one wins each round and its value is stored.
    for round in 0..20 {
        let base = t.store.review_state(rec.id).await.unwrap().overrides[0].version;
        let (oa, ob) = (
            qt(rec.id, 500.0 + f64::from(round)),
            qt(rec.id, 600.0 + f64::from(round)),
        );
        let (ra, rb) = tokio::join!(
            a.set_override_at(&oa, base, ACTORS[0]),
            b.set_override_at(&ob, base, ACTORS[1]),
        );
        let winner = match (ra, rb) {
            (Ok(w), Err(Error::Stale { .. })) | (Err(Error::Stale { .. }), Ok(w)) => w,
            (ra, rb) => panic!("round {round}: expected one winner, got {ra:?} and {rb:?}"),
        };
        let stored = t.store.review_state(rec.id).await.unwrap().overrides;
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].value, winner.value, "round {round}");
        assert_eq!(stored[0].version, winner.version, "round {round}");
    }
    // Every accepted change is in the trail, none twice.
    let log = t.store.history(rec.id).await.unwrap();
    assert_eq!(
        log.len(),
        3 + 1 + 20,
        "set, set, clear, set, then one per round"
    );
}

async fn two_readers_deciding_one_statement_never_lose_an_update(k: Kind) {
    let t = common::temp_store_on(k).await;
    let rec = common::recording(&t.store, "two-statements").await;
    let (a, b) = (as_reader(&t, 0).await, as_reader(&t, 1).await);
    let seeded = t
        .store
        .suggest_statements(
            rec.id,
            &[
                ("sinus".into(), "Sinus rhythm".into(), None),
                ("lvh".into(), "Left ventricular hypertrophy".into(), None),
            ],
            "analysis",
        )
        .await
        .unwrap();
    let seen = seeded[0].version;
    let confirmed = a
        .set_statement_state_at(
            rec.id,
            "sinus",
            StatementState::Confirmed,
            None,
            seen,
            ACTORS[0],
        )
        .await
        .unwrap();
    assert!(confirmed.version > seen);
    let e = assert_stale(
        k,
        b.set_statement_state_at(
            rec.id,
            "sinus",
            StatementState::Rejected,
            None,
            seen,
            ACTORS[1],
        )
        .await,
        confirmed.version,
        "dr.a",
        "dr_a",
    );
    assert!(
        e.to_string()
            .contains(&format!("statement {}", seeded[0].id)),
        "{e}"
    );
    // Another statement of the same recording is not held up by that change.
    b.set_statement_state_at(
        rec.id,
        "lvh",
        StatementState::Edited,
        Some("Possible LVH"),
        seeded[1].version,
        ACTORS[1],
    )
    .await
    .unwrap();
    let stored = t.store.review_state(rec.id).await.unwrap().statements;
    assert_eq!(
        (stored[0].state, stored[0].actor.as_deref()),
        (StatementState::Confirmed, Some("dr.a"))
    );
    for round in 0..20 {
        let base = t.store.review_state(rec.id).await.unwrap().statements[0].version;
        let (ta, tb) = (format!("a{round}"), format!("b{round}"));
        let (ra, rb) = tokio::join!(
            a.set_statement_state_at(
                rec.id,
                "sinus",
                StatementState::Edited,
                Some(&ta),
                base,
                ACTORS[0]
            ),
            b.set_statement_state_at(
                rec.id,
                "sinus",
                StatementState::Edited,
                Some(&tb),
                base,
                ACTORS[1]
            ),
        );
        let winner = match (ra, rb) {
            (Ok(w), Err(Error::Stale { .. })) | (Err(Error::Stale { .. }), Ok(w)) => w,
            (ra, rb) => panic!("round {round}: expected one winner, got {ra:?} and {rb:?}"),
        };
        let stored = t.store.review_state(rec.id).await.unwrap().statements;
        assert_eq!(stored[0].edited_text, winner.edited_text, "round {round}");
        assert_eq!(stored[0].version, winner.version, "round {round}");
    }
    // A re-analysis refreshing a still-suggested statement's text is a change too.
    let before = t.store.review_state(rec.id).await.unwrap().statements;
    let third = t
        .store
        .suggest_statements(
            rec.id,
            &[("af".into(), "Atrial fibrillation".into(), None)],
            "analysis",
        )
        .await
        .unwrap()[0]
        .clone();
    t.store
        .suggest_statements(
            rec.id,
            &[("af".into(), "Atrial fibrillation (coarse)".into(), None)],
            "analysis",
        )
        .await
        .unwrap();
    assert_stale(
        k,
        a.set_statement_state_at(
            rec.id,
            "af",
            StatementState::Confirmed,
            None,
            third.version,
            ACTORS[0],
        )
        .await,
        third.version + 1,
        "analysis",
        "postgres",
    );
    assert_eq!(before.len(), 2);
}

/// Presence by the presence clock, without waiting: heartbeats keep a claim alive and its start
/// time, a claim with no heartbeat for READING_TTL_MS is not shown and is pruned, closing
/// releases at once.
async fn presence_follows_heartbeats_and_goes_stale_without_them(k: Kind) {
    use store::presence::{self, HEARTBEAT_INTERVAL_MS as BEAT, READING_TTL_MS as TTL};
    let t = common::temp_store_on(k).await;
    let rec = common::recording(&t.store, "presence").await;
    let other = common::recording(&t.store, "presence-2").await;
    assert_eq!(
        TTL,
        3 * BEAT,
        "the documented rule: three missed heartbeats"
    );
    let t0 = 1_000_000;
    let mut tx = t.store.begin_write().await.unwrap();
    let p = presence::claim(&mut tx, rec.id, "dr.a", t0, TTL)
        .await
        .unwrap();
    assert_eq!((p.since_ms, p.expires_at_ms), (t0, t0 + TTL));
    presence::claim(&mut tx, rec.id, "dr.b", t0, TTL)
        .await
        .unwrap();
    // dr.a's app keeps beating; dr.b's stopped (crashed) after the first claim.
    let mut last = t0;
    for beat in 1..=5 {
        last = t0 + beat * BEAT;
        let p = presence::claim(&mut tx, rec.id, "dr.a", last, TTL)
            .await
            .unwrap();
        assert_eq!(p.since_ms, t0, "a heartbeat keeps the start time");
        assert_eq!(p.expires_at_ms, last + TTL);
    }
    let names = |v: Vec<presence::Presence>| v.into_iter().map(|p| p.reader).collect::<Vec<_>>();
    assert_eq!(
        names(presence::active(&mut tx, rec.id, t0 + TTL).await.unwrap()),
        ["dr.a", "dr.b"],
        "still shown at the last moment of its claim"
    );
    assert_eq!(
        names(
            presence::active(&mut tx, rec.id, t0 + TTL + 1)
                .await
                .unwrap()
        ),
        ["dr.a"],
        "no heartbeat for READING_TTL_MS: stale, not shown"
    );
    assert_eq!(presence::prune(&mut tx, t0 + TTL + 1).await.unwrap(), 1);
    // A reader returning after going stale starts a new presence.
    let back = presence::claim(&mut tx, rec.id, "dr.b", last + 2 * TTL, TTL)
        .await
        .unwrap();
    assert_eq!(back.since_ms, last + 2 * TTL);
    assert!(
        names(
            presence::active(&mut tx, rec.id, last + TTL + 1)
                .await
                .unwrap()
        ) == ["dr.b"],
        "dr.a stops beating too"
    );
    // Closing releases at once; the other recording is not touched.
    presence::claim(&mut tx, other.id, "dr.a", last, TTL)
        .await
        .unwrap();
    assert!(presence::release(&mut tx, rec.id, "dr.a").await.unwrap());
    assert_eq!(
        names(presence::active(&mut tx, other.id, last).await.unwrap()),
        ["dr.a"]
    );
    tx.commit().await.unwrap();

    // Through the store, on the presence clock (the server's on PostgreSQL): a claim shows now,
    // a release hides it now.
    let mut conn = t.store.read().await.unwrap();
    let clock = presence::clock_ms(&mut conn).await.unwrap();
    drop(conn);
    assert!(
        (clock - store::now_ms()).abs() < 60_000,
        "the server's clock is this machine's in the test ({clock})"
    );
    let a = as_reader(&t, 0).await;
    a.claim_reading(rec.id, "dr.a").await.unwrap();
    assert_eq!(names(t.store.readers(rec.id).await.unwrap()), ["dr.a"]);
    a.release_reading(rec.id, "dr.a").await.unwrap();
    assert!(t.store.readers(rec.id).await.unwrap().is_empty());
}

/// A bulk import (multi-row INSERTs, several chunks) stores the same rows and audit entries as
/// adding them one by one, in the order given, and a signed recording refuses it whole.
async fn a_bulk_import_stores_what_one_by_one_adds_would(k: Kind) {
    let t = common::temp_store_on(k).await;
    let rec = common::recording(&t.store, "bulk").await;
    // Times exact in binary, so the audit JSON compares equal after its text round trip.
    let data: Vec<AnnotationData> = (0..1234)
        .map(|i| {
            let mut d = AnnotationData::note(
                f64::from(i) * 0.5,
                f64::from(i) * 0.5 + 0.25,
                format!("n{i}"),
            );
            if i % 7 == 0 {
                d.lead = Some("II".into());
                d.value = Some(serde_json::json!({"value": i, "unit": "ms"}));
            }
            d
        })
        .collect();
    let created = t
        .store
        .add_annotations(rec.id, &data, "import")
        .await
        .unwrap();
    assert_eq!(created.len(), data.len());
    for (c, d) in created.iter().zip(&data) {
        assert_eq!((&c.data, c.author.as_str(), c.version), (d, "import", 1));
    }
    assert!(created.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(t.store.annotations(rec.id).await.unwrap(), created);
    let log = t.store.history(rec.id).await.unwrap();
    assert_eq!(log.len(), data.len());
    for (e, c) in log.iter().zip(&created) {
        assert_eq!(
            (e.entity_id, e.action, e.before.as_ref()),
            (c.id, store::audit::Action::Create, None)
        );
        assert_eq!(e.after.as_ref().unwrap(), &serde_json::to_value(c).unwrap());
    }
    // Undo takes back the import's last annotation, as for one added alone.
    let undone = t.store.undo(rec.id, "import").await.unwrap().unwrap();
    assert_eq!(undone.id, created.last().unwrap().id);
    assert_eq!(
        t.store
            .add_annotations(rec.id, &[], "import")
            .await
            .unwrap(),
        []
    );
    t.store.sign(rec.id, "Dr. A", "Read").await.unwrap();
    assert!(matches!(
        t.store.add_annotations(rec.id, &data[..3], "import").await,
        Err(Error::Locked { .. })
    ));
    let mut bad = data[0].clone();
    bad.end_s = f64::NAN;
    let other = common::recording(&t.store, "bulk-2").await;
    assert!(matches!(
        t.store
            .add_annotations(other.id, &[data[0].clone(), bad], "import")
            .await,
        Err(Error::Argument { .. })
    ));
    assert!(
        t.store.annotations(other.id).await.unwrap().is_empty(),
        "nothing half-imported"
    );
}

on_both!(
    a_bulk_import_stores_what_one_by_one_adds_would,
    two_readers_overriding_one_measurement_never_lose_an_update,
    two_readers_deciding_one_statement_never_lose_an_update,
    presence_follows_heartbeats_and_goes_stale_without_them,
    the_loser_of_two_edits_gets_a_clear_error_and_nothing_is_lost,
    a_signed_reading_is_locked_for_every_role,
    a_signature_racing_another_readers_edits_covers_exactly_what_was_stored,
    audit_rows_carry_the_role_that_wrote_them,
    the_worklist_shows_who_is_reading_what,
);

#[tokio::test]
async fn a_postgres_store_is_backed_up_with_the_servers_tools() {
    if !common::postgres_available() {
        return;
    }
    let t = common::temp_store_on(Kind::Postgres).await;
    let out = t.dir.path().join("b.sqlite3");
    let err = t.store.backup(&out).await.unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err}");
    assert!(err.to_string().contains("pg_dump"), "{err}");
    assert!(!out.exists());
    let err = Store::restore(&store::StoreOptions::new(t.path()), &out)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported { .. }), "{err}");
}

/// The app's database setting is checked by connecting before it is saved: a good URL opens (and
/// on an empty database creates the schema), a wrong one fails naming the server and the
/// problem, and the password never appears in the message.
#[tokio::test]
async fn a_department_server_setting_is_checked_by_connecting() {
    use store::station::{DatabaseChoice, check};
    if !common::postgres_available() {
        return;
    }
    let url = common::new_database().await;
    let good = DatabaseChoice::Postgres {
        url: url.to_string_lossy().into_owned(),
    };
    check(&good).await.unwrap();
    let store = Store::open(&url).await.unwrap();
    assert!(
        store.worklist(5).await.unwrap().is_empty(),
        "the schema is there"
    );
    store.close().await;

    let wrong = url
        .to_string_lossy()
        .replacen("postgres://postgres@", "postgres://nobody:s3cret@", 1)
        .replacen("/hl_", "/missing_", 1);
    let err = check(&DatabaseChoice::Postgres { url: wrong })
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::Connect { .. }), "{msg}");
    assert!(
        msg.contains("postgres://nobody:***@localhost/missing_"),
        "{msg}"
    );
    assert!(msg.contains("nobody"), "the problem is named: {msg}");
    assert!(!msg.contains("s3cret"), "{msg}");
}
