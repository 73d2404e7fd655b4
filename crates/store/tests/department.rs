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

on_both!(
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
