//! The store's behaviour through its public API, one theme per test: recordings by content,
//! sessions, annotations with audit and undo/redo across restarts, review and the signature
//! lock, chat streaming, reports, settings, constraint errors, backup and restore.

mod common;

use store::annotations::{AnnotationData, AnnotationKind};
use store::audit::{Action, Entity};
use store::chats::{MessageStatus, NewMessage, Role};
use store::recordings::ContentHash;
use store::review::{MeasurementOverride, StatementState};
use store::sessions::ViewState;
use store::{Error, Store};

use common::{Kind, new_recording, recording, temp_store, temp_store_on};

async fn a_moved_file_is_the_same_recording(k: Kind) {
    let t = temp_store_on(k).await;
    let dir = t.dir.path();
    let a = dir.join("a.dat");
    std::fs::write(&a, b"same bytes").unwrap();
    let first = t
        .store
        .open_file(&a, "CSV", serde_json::json!({"leads": 1}))
        .await
        .unwrap();
    let b = dir.join("moved").join("b.dat");
    std::fs::create_dir_all(b.parent().unwrap()).unwrap();
    std::fs::rename(&a, &b).unwrap();
    let second = t
        .store
        .open_file(&b, "CSV", serde_json::json!({"leads": 1}))
        .await
        .unwrap();
    assert_eq!(first.id, second.id);
    assert_eq!(second.last_path, b.to_string_lossy());
    assert_eq!(second.content_sha256, ContentHash::of_bytes(b"same bytes"));
    assert_eq!(second.size_bytes, 10);
    assert_eq!(t.store.recent(10).await.unwrap().len(), 1);
    let found = t
        .store
        .find_recording(&second.content_sha256)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, first.id);
}

#[tokio::test]
async fn content_hash_matches_the_sha256_test_vector() {
    // FIPS 180-2 example "abc".
    assert_eq!(
        ContentHash::of_bytes(b"abc").as_str(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert!(ContentHash::parse("xyz").is_err());
}

async fn analysis_cache_round_trips(k: Kind) {
    let t = temp_store_on(k).await;
    let rec = recording(&t.store, "analysis").await;
    assert_eq!(t.store.analysis(rec.id).await.unwrap(), None);
    let value = serde_json::json!({"hr_bpm": 72, "beats": [0.8, 1.6]});
    t.store
        .set_analysis(rec.id, "signal-0.1", &value)
        .await
        .unwrap();
    assert_eq!(
        t.store.analysis(rec.id).await.unwrap(),
        Some(("signal-0.1".into(), value))
    );
    assert!(matches!(
        t.store.set_analysis(999, "v", &serde_json::json!(1)).await,
        Err(Error::NotFound { .. })
    ));
}

async fn a_session_is_restored_as_it_was_after_reopening(k: Kind) {
    let t = temp_store_on(k).await;
    let rec = recording(&t.store, "session").await;
    let mut view = ViewState {
        layout: "12x1".into(),
        speed_mm_s: 50.0,
        gain_mm_mv: 20.0,
        filters: serde_json::json!({"highpass_hz": 0.5, "lowpass_hz": 40.0, "notch_hz": 50.0}),
        position_s: 12.25,
        zoom: 2.0,
        open_panels: vec!["measurements".into(), "chat".into()],
        ..ViewState::default()
    };
    view.extra
        .insert("future_field".into(), serde_json::json!([1, 2]));
    t.store.save_view(rec.id, &view).await.unwrap();
    let path = t.path();
    t.store.clone().close().await;
    let reopened = Store::open(&path).await.unwrap();
    let snap = reopened.load_session(rec.id).await.unwrap();
    assert_eq!(snap.session.view, view);
    assert_eq!(snap.recording.id, rec.id);
}

async fn an_unsaved_session_loads_the_default_view(k: Kind) {
    let t = temp_store_on(k).await;
    let rec = recording(&t.store, "fresh").await;
    let snap = t.store.load_session(rec.id).await.unwrap();
    assert_eq!(snap.session.view, ViewState::default());
    assert!(snap.annotations.is_empty() && snap.signature.is_none());
    assert!(matches!(
        t.store.load_session(12345).await,
        Err(Error::NotFound {
            entity: "recording",
            ..
        })
    ));
}

fn caliper(start: f64, end: f64) -> AnnotationData {
    AnnotationData {
        start_s: start,
        end_s: end,
        lead: Some("II".into()),
        kind: AnnotationKind::Caliper,
        code: None,
        text: "RR".into(),
        value: Some(serde_json::json!({"value": (end - start) * 1000.0, "unit": "ms"})),
    }
}

async fn annotation_changes_are_soft_and_audited(k: Kind) {
    let t = temp_store_on(k).await;
    let rec = recording(&t.store, "audit").await;
    let a = t
        .store
        .add_annotation(rec.id, &caliper(1.0, 1.8), "dr.a")
        .await
        .unwrap();
    let edited = t
        .store
        .update_annotation(a.id, &caliper(1.0, 1.9), "dr.b")
        .await
        .unwrap();
    assert_eq!(edited.data.end_s, 1.9);
    assert_eq!(
        edited.author, "dr.a",
        "the author stays; the editor is in the log"
    );
    t.store.delete_annotation(a.id, "dr.b").await.unwrap();
    assert!(t.store.annotations(rec.id).await.unwrap().is_empty());
    let mut conn = t.store.read().await.unwrap();
    let still_there = store::annotations::get(&mut conn, a.id).await.unwrap();
    assert!(still_there.deleted_at_ms.is_some());
    drop(conn);
    let log = t.store.history(rec.id).await.unwrap();
    let actions: Vec<(Action, &str)> = log.iter().map(|e| (e.action, e.actor.as_str())).collect();
    assert_eq!(
        actions,
        [
            (Action::Create, "dr.a"),
            (Action::Update, "dr.b"),
            (Action::Delete, "dr.b")
        ]
    );
    assert!(
        log.iter()
            .all(|e| e.entity == Entity::Annotation && e.entity_id == a.id)
    );
    assert_eq!(log[0].before, None);
    assert_eq!(log[1].before.as_ref().unwrap()["end_s"], 1.8);
    assert_eq!(log[1].after.as_ref().unwrap()["end_s"], 1.9);
    assert!(log[2].after.as_ref().unwrap()["deleted_at_ms"].is_i64());
    assert!(matches!(
        t.store
            .update_annotation(a.id, &caliper(0.0, 1.0), "x")
            .await,
        Err(Error::State(_))
    ));
}

async fn the_audit_log_refuses_updates_and_deletes(k: Kind) {
    let t = temp_store_on(k).await;
    let rec = recording(&t.store, "append-only").await;
    t.store
        .add_annotation(rec.id, &caliper(0.0, 1.0), "dr.a")
        .await
        .unwrap();
    let mut conn = t.store.read().await.unwrap();
    let upd = store::sql::query("UPDATE audit_log SET actor = 'mallory'")
        .execute(&mut conn)
        .await;
    let err = upd.unwrap_err();
    assert!(err.to_string().contains("audit_log_append_only"), "{err}");
    let del = store::sql::query("DELETE FROM audit_log")
        .execute(&mut conn)
        .await;
    assert!(
        del.unwrap_err()
            .to_string()
            .contains("audit_log_append_only")
    );
}

async fn undo_and_redo_work_across_restarts(k: Kind) {
    let t = temp_store_on(k).await;
    let path = t.path();
    let rec = recording(&t.store, "undo").await;
    let a = t
        .store
        .add_annotation(rec.id, &caliper(1.0, 2.0), "dr.a")
        .await
        .unwrap();
    t.store
        .update_annotation(a.id, &caliper(1.0, 3.0), "dr.a")
        .await
        .unwrap();
    let b = t
        .store
        .add_annotation(rec.id, &AnnotationData::note(5.0, 6.0, "noise"), "dr.a")
        .await
        .unwrap();
    t.store.delete_annotation(b.id, "dr.a").await.unwrap();
    t.store.clone().close().await;

    let s = Store::open(&path).await.unwrap();
    // Undo the delete of b.
    let restored = s.undo(rec.id, "dr.a").await.unwrap().unwrap();
    assert_eq!((restored.id, restored.deleted_at_ms), (b.id, None));
    // Undo the creation of b.
    s.undo(rec.id, "dr.a").await.unwrap();
    assert_eq!(s.annotations(rec.id).await.unwrap().len(), 1);
    s.clone().close().await;

    let s = Store::open(&path).await.unwrap();
    // Undo the edit of a.
    let back = s.undo(rec.id, "dr.a").await.unwrap().unwrap();
    assert_eq!(back.data.end_s, 2.0);
    // Redo it, after a restart.
    s.clone().close().await;
    let s = Store::open(&path).await.unwrap();
    let again = s.redo(rec.id, "dr.a").await.unwrap().unwrap();
    assert_eq!((again.id, again.data.end_s), (a.id, 3.0));
    // Redo b's creation; then a new change clears the redo stack.
    let b_again = s.redo(rec.id, "dr.a").await.unwrap().unwrap();
    assert_eq!((b_again.id, b_again.deleted_at_ms), (b.id, None));
    s.add_annotation(rec.id, &AnnotationData::note(9.0, 9.0, "new"), "dr.a")
        .await
        .unwrap();
    assert_eq!(s.redo(rec.id, "dr.a").await.unwrap(), None);
    // Undo everything: the undo stack is now [create a, edit a, create b, create "new"]
    // (b's delete was undone and never redone, so it is gone with the redo stack).
    let mut undone = 0;
    while s.undo(rec.id, "dr.a").await.unwrap().is_some() {
        undone += 1;
    }
    assert_eq!(undone, 4);
    assert!(s.annotations(rec.id).await.unwrap().is_empty());
    let log = s.history(rec.id).await.unwrap();
    assert!(
        log.iter()
            .filter(|e| e.action == Action::Undo)
            .all(|e| e.target_id.is_some())
    );
}

async fn a_signature_locks_the_review_with_a_clear_error(k: Kind) {
    let t = temp_store_on(k).await;
    let rec = recording(&t.store, "sign").await;
    let a = t
        .store
        .add_annotation(rec.id, &caliper(1.0, 2.0), "dr.a")
        .await
        .unwrap();
    let qtc = MeasurementOverride {
        id: 0,
        recording_id: rec.id,
        name: "qtc_ms".into(),
        lead: String::new(),
        value: 452.0,
        unit: "ms".into(),
        method: Some("fridericia".into()),
        original_value: Some(470.0),
        author: String::new(),
        at_ms: 0,
        version: 0,
    };
    let stored = t.store.set_override(&qtc, "dr.a").await.unwrap();
    assert_eq!((stored.value, stored.author.as_str()), (452.0, "dr.a"));
    let again = t
        .store
        .set_override(
            &MeasurementOverride {
                value: 455.0,
                ..qtc.clone()
            },
            "dr.b",
        )
        .await
        .unwrap();
    assert_eq!(again.id, stored.id);
    t.store
        .suggest_statements(
            rec.id,
            &[
                ("SR".into(), "Sinus rhythm".into(), None),
                (
                    "LQT".into(),
                    "Prolonged QT".into(),
                    Some("QTc Fridericia 470 ms > 450 ms".into()),
                ),
            ],
            "analysis",
        )
        .await
        .unwrap();
    t.store
        .set_statement_state(rec.id, "SR", StatementState::Confirmed, None, "dr.a")
        .await
        .unwrap();
    let edited = t
        .store
        .set_statement_state(
            rec.id,
            "LQT",
            StatementState::Edited,
            Some("Borderline QT"),
            "dr.a",
        )
        .await
        .unwrap();
    assert_eq!(edited.edited_text.as_deref(), Some("Borderline QT"));
    assert!(matches!(
        t.store
            .set_statement_state(rec.id, "SR", StatementState::Edited, None, "dr.a")
            .await,
        Err(Error::Argument { .. })
    ));
    // A re-analysis does not undo the clinician's decision.
    let kept = t
        .store
        .suggest_statements(
            rec.id,
            &[("SR".into(), "Sinus rhythm (new)".into(), None)],
            "analysis",
        )
        .await
        .unwrap();
    assert_eq!(kept[0].state, StatementState::Confirmed);

    let sig = t
        .store
        .sign(rec.id, "Dr. A. Heart", "reviewed and approved")
        .await
        .unwrap();
    assert_eq!(sig.review_sha256.len(), 64);
    let mut conn = t.store.read().await.unwrap();
    assert_eq!(
        store::review::review_digest(&mut conn, rec.id)
            .await
            .unwrap(),
        sig.review_sha256
    );
    drop(conn);

    let err = t
        .store
        .add_annotation(rec.id, &caliper(3.0, 4.0), "dr.a")
        .await
        .unwrap_err();
    match &err {
        Error::Locked { signer, .. } => assert_eq!(signer, "Dr. A. Heart"),
        other => panic!("expected Locked, got {other}"),
    }
    assert!(err.to_string().contains("signed by Dr. A. Heart"), "{err}");
    assert!(matches!(
        t.store
            .update_annotation(a.id, &caliper(0.0, 1.0), "x")
            .await,
        Err(Error::Locked { .. })
    ));
    assert!(matches!(
        t.store.delete_annotation(a.id, "x").await,
        Err(Error::Locked { .. })
    ));
    assert!(matches!(
        t.store.undo(rec.id, "x").await,
        Err(Error::Locked { .. })
    ));
    assert!(matches!(
        t.store.set_override(&qtc, "x").await,
        Err(Error::Locked { .. })
    ));
    assert!(matches!(
        t.store.clear_override(rec.id, "qtc_ms", "", "x").await,
        Err(Error::Locked { .. })
    ));
    assert!(matches!(
        t.store
            .set_statement_state(rec.id, "SR", StatementState::Rejected, None, "x")
            .await,
        Err(Error::Locked { .. })
    ));
    assert!(matches!(
        t.store.sign(rec.id, "Dr. B", "again").await,
        Err(Error::Locked { .. })
    ));
    // The schema's triggers hold even for SQL that bypasses the store.
    let mut conn = t.store.read().await.unwrap();
    let raw = store::sql::query("UPDATE annotations SET text = 'tampered' WHERE id = ?")
        .bind(a.id)
        .execute(&mut conn)
        .await;
    assert!(raw.unwrap_err().to_string().contains("recording_locked"));
    let raw = store::sql::query("DELETE FROM signatures")
        .execute(&mut conn)
        .await;
    assert!(raw.unwrap_err().to_string().contains("signature_immutable"));
    drop(conn);
    let snap = t.store.load_session(rec.id).await.unwrap();
    assert_eq!(snap.signature, Some(sig));
    assert_eq!(snap.statements.len(), 2);
    assert_eq!(snap.overrides.len(), 1);
    let log = t.store.history(rec.id).await.unwrap();
    assert_eq!(log.last().unwrap().action, Action::Sign);
    assert!(
        log.iter()
            .any(|e| e.entity == Entity::Measurement && e.action == Action::Update)
    );
    assert!(
        log.iter()
            .any(|e| e.entity == Entity::Statement && e.actor == "analysis")
    );
}

async fn clearing_an_override_is_audited(k: Kind) {
    let t = temp_store_on(k).await;
    let rec = recording(&t.store, "clear").await;
    let hr = MeasurementOverride {
        id: 0,
        recording_id: rec.id,
        name: "hr_bpm".into(),
        lead: String::new(),
        value: 61.0,
        unit: "bpm".into(),
        method: None,
        original_value: None,
        author: String::new(),
        at_ms: 0,
        version: 0,
    };
    t.store.set_override(&hr, "dr.a").await.unwrap();
    assert!(
        t.store
            .clear_override(rec.id, "hr_bpm", "", "dr.a")
            .await
            .unwrap()
    );
    assert!(
        !t.store
            .clear_override(rec.id, "hr_bpm", "", "dr.a")
            .await
            .unwrap()
    );
    let log = t.store.history(rec.id).await.unwrap();
    assert_eq!(log.last().unwrap().action, Action::Delete);
    assert_eq!(log.last().unwrap().after, None);
    let nan = MeasurementOverride {
        value: f64::NAN,
        ..hr
    };
    assert!(matches!(
        t.store.set_override(&nan, "dr.a").await,
        Err(Error::Argument { .. })
    ));
}

async fn a_chat_message_streams_token_by_token_and_is_finalised(k: Kind) {
    let t = temp_store_on(k).await;
    let rec = recording(&t.store, "chat").await;
    let thread = t.store.create_thread(rec.id, "QT question").await.unwrap();
    let meta = NewMessage {
        model_id: Some("heartcare-gpt-q4".into()),
        mode: Some("heartcare".into()),
        prompt_tokens: Some(321),
    };
    t.store
        .add_message(
            thread.id,
            Role::User,
            "Is the QT long?",
            &NewMessage::default(),
        )
        .await
        .unwrap();
    let m = t.store.start_message(thread.id, &meta).await.unwrap();
    assert_eq!(m.status, MessageStatus::Streaming);
    for tok in ["The ", "QTc ", "is ", "normal."] {
        t.store.append_tokens(m.id, tok, 1).await.unwrap();
    }
    let done = t
        .store
        .finish_message(m.id, &MessageStatus::Complete)
        .await
        .unwrap();
    assert_eq!(done.text, "The QTc is normal.");
    assert_eq!(done.completion_tokens, 4);
    assert!(done.first_token_at_ms.is_some() && done.finished_at_ms.is_some());
    assert_eq!(
        (done.model_id.as_deref(), done.prompt_tokens),
        (Some("heartcare-gpt-q4"), Some(321))
    );
    let err = t.store.append_tokens(m.id, "late", 1).await.unwrap_err();
    assert!(
        err.to_string().contains("no longer accepts tokens"),
        "{err}"
    );
    assert!(matches!(
        t.store.finish_message(m.id, &MessageStatus::Stopped).await,
        Err(Error::State(_))
    ));
    assert!(matches!(
        t.store.append_tokens(999, "x", 1).await,
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        t.store
            .finish_message(m.id, &MessageStatus::Streaming)
            .await,
        Err(Error::Argument { .. })
    ));

    let stopped = t.store.start_message(thread.id, &meta).await.unwrap();
    t.store
        .append_tokens(stopped.id, "Partial", 1)
        .await
        .unwrap();
    let s = t
        .store
        .finish_message(stopped.id, &MessageStatus::Error("out of memory".into()))
        .await
        .unwrap();
    assert_eq!(s.status, MessageStatus::Error("out of memory".into()));
    let interrupted = t.store.start_message(thread.id, &meta).await.unwrap();
    assert_eq!(t.store.close_interrupted_messages().await.unwrap(), 1);
    let msgs = t.store.messages(thread.id).await.unwrap();
    assert_eq!(msgs.len(), 4);
    assert_eq!(msgs[0].role, Role::User);
    assert_eq!(msgs[3].id, interrupted.id);
    assert_eq!(msgs[3].status, MessageStatus::Stopped);
    assert_eq!(t.store.threads(rec.id).await.unwrap()[0].id, thread.id);
    assert!(matches!(
        t.store.create_thread(4242, "x").await,
        Err(Error::MissingReference(_))
    ));
}

async fn reports_and_settings_round_trip(k: Kind) {
    let t = temp_store_on(k).await;
    let rec = recording(&t.store, "report").await;
    let hash = ContentHash::of_bytes(b"%PDF-1.7");
    let r = t
        .store
        .record_report(rec.id, "/out/r.pdf", "pdf", &hash, "dr.a")
        .await
        .unwrap();
    assert_eq!(t.store.reports(rec.id).await.unwrap(), vec![r]);
    assert_eq!(t.store.setting::<String>("ui.theme").await.unwrap(), None);
    t.store.set_setting("ui.theme", "dark").await.unwrap();
    t.store.set_setting("ui.theme", "light").await.unwrap();
    t.store
        .set_setting("paper", &serde_json::json!({"speed_mm_s": 25}))
        .await
        .unwrap();
    assert_eq!(
        t.store
            .setting::<String>("ui.theme")
            .await
            .unwrap()
            .as_deref(),
        Some("light")
    );
    let mut conn = t.store.read().await.unwrap();
    assert_eq!(store::settings::all(&mut conn).await.unwrap().len(), 2);
    assert!(store::settings::remove(&mut conn, "paper").await.unwrap());
    let err = store::settings::set(&mut conn, "", &1, 0)
        .await
        .unwrap_err();
    match err {
        Error::Invalid {
            field, constraint, ..
        } => {
            assert_eq!(
                (field, constraint.as_str()),
                ("key", "settings_key_present")
            );
        }
        other => panic!("expected Invalid, got {other}"),
    }
}

async fn constraint_violations_map_to_domain_errors_by_name(k: Kind) {
    let t = temp_store_on(k).await;
    let rec = recording(&t.store, "constraints").await;
    let backwards = AnnotationData::note(5.0, 4.0, "backwards");
    match t
        .store
        .add_annotation(rec.id, &backwards, "dr.a")
        .await
        .unwrap_err()
    {
        Error::Invalid {
            constraint, field, ..
        } => {
            assert_eq!(
                (constraint.as_str(), field),
                ("annotations_time_range_valid", "time range")
            );
        }
        other => panic!("{other}"),
    }
    match t
        .store
        .add_annotation(rec.id, &AnnotationData::note(1.0, 2.0, ""), "")
        .await
        .unwrap_err()
    {
        Error::Invalid { constraint, .. } => assert_eq!(constraint, "annotations_author_present"),
        other => panic!("{other}"),
    }
    let nan = AnnotationData::note(f64::NAN, 1.0, "nan");
    assert!(matches!(
        t.store.add_annotation(rec.id, &nan, "dr.a").await,
        Err(Error::Argument { .. })
    ));
    assert!(matches!(
        t.store
            .add_annotation(9999, &AnnotationData::note(1.0, 2.0, "x"), "dr.a")
            .await,
        Err(Error::MissingReference(_))
    ));
    let mut conn = t.store.read().await.unwrap();
    let dup = store::sql::query(
        "INSERT INTO recordings (content_sha256, size_bytes, last_path, format, first_seen_at_ms, last_opened_at_ms) \
         VALUES (?, 1, 'x', 'x', 0, 0)",
    )
    .bind(new_recording("constraints").content_sha256.as_str())
    .execute(&mut conn)
    .await
    .unwrap_err();
    // SQLite names a unique key by its columns, PostgreSQL by the constraint's name.
    let unique = match k {
        Kind::Sqlite => "recordings.content_sha256",
        Kind::Postgres => "recordings_content_sha256_unique",
    };
    match dup {
        Error::Conflict { constraint, .. } => assert_eq!(constraint, unique),
        other => panic!("{other}"),
    }
    let bad_kind = store::sql::query(
        "INSERT INTO annotations (recording_id, start_s, end_s, kind, author, created_at_ms, updated_at_ms) \
         VALUES (?, 0, 0, 'scribble', 'x', 0, 0)",
    )
    .bind(rec.id)
    .execute(&mut conn)
    .await
    .unwrap_err();
    assert!(matches!(bad_kind, Error::Invalid { field: "kind", .. }));
}

async fn annotations_in_range_and_conversion_to_ecg(k: Kind) {
    let t = temp_store_on(k).await;
    let rec = recording(&t.store, "range").await;
    for i in 0..10 {
        let mut d = caliper(i as f64, i as f64 + 0.5);
        if i == 3 {
            d.kind = AnnotationKind::Beat;
            d.code = Some("V".into());
        }
        t.store.add_annotation(rec.id, &d, "dr.a").await.unwrap();
    }
    let hits = t
        .store
        .annotations_in_range(rec.id, 2.6, 4.2)
        .await
        .unwrap();
    let starts: Vec<f64> = hits.iter().map(|a| a.data.start_s).collect();
    assert_eq!(starts, [3.0, 4.0]);
    let e = hits[0].data.to_ecg();
    assert_eq!(e.kind, ecg::AnnotationKind::Beat { code: "V".into() });
    assert_eq!((e.onset_s, e.duration_s), (3.0, 0.5));
    assert_eq!(e.lead, Some(ecg::LeadLabel::parse("II")));
    assert_eq!(e.source, ecg::AnnotationSource::User);
    let mut conn = t.store.read().await.unwrap();
    assert_eq!(
        store::annotations::count(&mut conn, rec.id).await.unwrap(),
        10
    );
}

async fn undo_takes_back_only_the_actors_own_changes(k: Kind) {
    let t = temp_store_on(k).await;
    let rec = recording(&t.store, "undo-actors").await;
    let mine = t
        .store
        .add_annotation(rec.id, &AnnotationData::note(1.0, 1.0, "mine"), "dr.a")
        .await
        .unwrap();
    // The analysis writes after the cardiologist's change ...
    t.store
        .add_annotation(
            rec.id,
            &AnnotationData::note(2.0, 2.0, "analysis"),
            "analysis",
        )
        .await
        .unwrap();
    // ... and the cardiologist's undo takes back their own note, not the analysis'.
    let undone = t.store.undo(rec.id, "dr.a").await.unwrap().unwrap();
    assert_eq!((undone.id, undone.deleted_at_ms.is_some()), (mine.id, true));
    let texts = |v: Vec<store::annotations::Annotation>| {
        v.into_iter().map(|a| a.data.text).collect::<Vec<_>>()
    };
    assert_eq!(
        texts(t.store.annotations(rec.id).await.unwrap()),
        ["analysis"]
    );
    // Another actor's change does not clear this actor's redo stack.
    t.store
        .add_annotation(rec.id, &AnnotationData::note(3.0, 3.0, "later"), "analysis")
        .await
        .unwrap();
    let again = t.store.redo(rec.id, "dr.a").await.unwrap().unwrap();
    assert_eq!((again.id, again.deleted_at_ms), (mine.id, None));
    assert_eq!(t.store.undo(rec.id, "dr.b").await.unwrap(), None);
}

// SQLite only: a PostgreSQL store is backed up and restored with the server's tools
// (pg_dump/pg_restore); `Store::backup` there is `Error::Unsupported` (tested in department.rs).
#[tokio::test]
async fn backup_and_restore_replace_the_database_atomically() {
    let t = temp_store().await;
    let rec = recording(&t.store, "backup").await;
    t.store
        .add_annotation(rec.id, &AnnotationData::note(1.0, 1.0, "kept"), "dr.a")
        .await
        .unwrap();
    let out = t.dir.path().join("backups").join("b1.sqlite3");
    t.store.backup(&out).await.unwrap();
    assert!(
        matches!(t.store.backup(&out).await, Err(Error::Argument { .. })),
        "never overwrites"
    );
    assert_eq!(
        store::verify_file(&out).await.unwrap(),
        Some(store::supported_schema_version())
    );
    t.store
        .add_annotation(
            rec.id,
            &AnnotationData::note(2.0, 2.0, "after backup"),
            "dr.a",
        )
        .await
        .unwrap();
    let path = t.path();
    t.store.clone().close().await;

    let saved = Store::restore(&store::StoreOptions::new(&path), &out)
        .await
        .unwrap()
        .unwrap();
    assert!(saved.exists());
    let s = Store::open(&path).await.unwrap();
    let texts: Vec<String> = s
        .annotations(rec.id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.data.text)
        .collect();
    assert_eq!(texts, ["kept"]);
    s.integrity_check().await.unwrap();
    s.close().await;
    // The saved previous database holds the later annotation.
    let prev = Store::open(&saved).await.unwrap();
    assert_eq!(prev.annotations(rec.id).await.unwrap().len(), 2);
    prev.close().await;
}

// SQLite only: a PostgreSQL store is backed up and restored with the server's tools
// (pg_dump/pg_restore); `Store::backup` there is `Error::Unsupported` (tested in department.rs).
#[tokio::test]
async fn restore_refuses_a_bad_file_and_keeps_the_database() {
    let t = temp_store().await;
    let rec = recording(&t.store, "keep").await;
    t.store
        .add_annotation(rec.id, &AnnotationData::note(1.0, 1.0, "mine"), "dr.a")
        .await
        .unwrap();
    let path = t.path();
    t.store.clone().close().await;
    let text = t.dir.path().join("notes.txt");
    std::fs::write(&text, "hello").unwrap();
    let err = Store::restore(&store::StoreOptions::new(&path), &text)
        .await
        .unwrap_err();
    assert!(err.is_bad_input(), "{err}");
    let missing = Store::restore(&store::StoreOptions::new(&path), &t.dir.path().join("nope"))
        .await
        .unwrap_err();
    assert!(matches!(missing, Error::NotADatabase { .. }), "{missing}");
    let s = Store::open(&path).await.unwrap();
    assert_eq!(s.annotations(rec.id).await.unwrap().len(), 1);
    let leftovers: Vec<_> = std::fs::read_dir(t.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("restore"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files are cleaned up");
}

// SQLite only: a PostgreSQL store is backed up and restored with the server's tools
// (pg_dump/pg_restore); `Store::backup` there is `Error::Unsupported` (tested in department.rs).
#[tokio::test]
async fn restore_refuses_while_another_connection_has_the_database_open() {
    let t = temp_store().await;
    let rec = recording(&t.store, "busy").await;
    t.store
        .add_annotation(rec.id, &AnnotationData::note(1.0, 1.0, "x"), "dr.a")
        .await
        .unwrap();
    let out = t.dir.path().join("b.sqlite3");
    t.store.backup(&out).await.unwrap();
    // t.store stays open, as a running app would.
    let err = Store::restore(&store::StoreOptions::new(t.path()), &out)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InUse { .. }), "{err}");
    assert_eq!(t.store.annotations(rec.id).await.unwrap().len(), 1);
}

#[test]
fn the_blocking_front_backs_up_and_restores() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("heartlens.sqlite3");
    store::blocking::with_store(Some(&db), async |s: &Store| {
        let rec = s.open_recording(&new_recording("blocking")).await?;
        s.add_annotation(rec.id, &AnnotationData::note(0.0, 0.0, "b"), "cli")
            .await?;
        Ok(())
    })
    .unwrap();
    let out = dir.path().join("out.sqlite3");
    assert_eq!(store::blocking::backup(Some(&db), &out).unwrap(), db);
    assert!(store::blocking::verify(&out).unwrap().is_some());
    let (restored, saved) = store::blocking::restore(Some(&db), &out).unwrap();
    assert_eq!(restored, db);
    assert!(saved.is_some());
}

async fn a_still_suggested_statement_is_refreshed_by_reanalysis_and_audited(k: Kind) {
    let t = temp_store_on(k).await;
    let rec = recording(&t.store, "refresh").await;
    let first = t
        .store
        .suggest_statements(
            rec.id,
            &[(
                "LAD".into(),
                "Left axis deviation".into(),
                Some("axis -35 deg".into()),
            )],
            "analysis",
        )
        .await
        .unwrap();
    let same = t
        .store
        .suggest_statements(
            rec.id,
            &[(
                "LAD".into(),
                "Left axis deviation".into(),
                Some("axis -35 deg".into()),
            )],
            "analysis",
        )
        .await
        .unwrap();
    assert_eq!(first, same, "an identical suggestion changes nothing");
    let refreshed = t
        .store
        .suggest_statements(
            rec.id,
            &[(
                "LAD".into(),
                "Left axis deviation".into(),
                Some("axis -41 deg".into()),
            )],
            "analysis",
        )
        .await
        .unwrap();
    assert_eq!(refreshed[0].id, first[0].id);
    assert_eq!(refreshed[0].criterion.as_deref(), Some("axis -41 deg"));
    assert_eq!(refreshed[0].state, StatementState::Suggested);
    let mut conn = t.store.read().await.unwrap();
    let log = store::audit::of_entity(&mut conn, Entity::Statement, first[0].id)
        .await
        .unwrap();
    let actions: Vec<Action> = log.iter().map(|e| e.action).collect();
    assert_eq!(actions, [Action::Create, Action::Update]);
    assert_eq!(log[1].before.as_ref().unwrap()["criterion"], "axis -35 deg");
    assert!(matches!(
        t.store
            .set_statement_state(rec.id, "NOPE", StatementState::Confirmed, None, "dr.a")
            .await,
        Err(Error::State(_))
    ));
}

async fn a_session_carries_the_first_page_of_annotations_and_the_total(k: Kind) {
    let t = temp_store_on(k).await;
    let rec = recording(&t.store, "paged").await;
    let n = store::SESSION_ANNOTATIONS as usize + 5;
    // One transaction, as a bulk import would write them.
    let mut tx = t.store.begin_write().await.unwrap();
    for i in (0..n).rev() {
        store::annotations::create(
            &mut tx,
            rec.id,
            &AnnotationData::note(i as f64, i as f64, format!("n{i}")),
            "import",
            0,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let snap = t.store.load_session(rec.id).await.unwrap();
    assert_eq!(snap.annotation_count, n as u64);
    assert_eq!(snap.annotations.len(), store::SESSION_ANNOTATIONS as usize);
    assert_eq!(snap.annotations[0].data.text, "n0", "by start time");
    assert_eq!(t.store.annotations(rec.id).await.unwrap().len(), n);
    let first = t.store.annotations_first(rec.id, 3).await.unwrap();
    assert_eq!(
        first.iter().map(|a| a.data.start_s).collect::<Vec<_>>(),
        [0.0, 1.0, 2.0]
    );
    assert_eq!(t.store.annotation_count(rec.id).await.unwrap(), n as u64);
}

async fn review_state_matches_the_session_snapshot(k: Kind) {
    let t = temp_store_on(k).await;
    let rec = recording(&t.store, "review-state").await;
    t.store
        .suggest_statements(
            rec.id,
            &[("sinus".into(), "Sinus rhythm".into(), None)],
            "analysis",
        )
        .await
        .unwrap();
    t.store.sign(rec.id, "Dr. A", "Reviewed").await.unwrap();
    let state = t.store.review_state(rec.id).await.unwrap();
    let snap = t.store.load_session(rec.id).await.unwrap();
    assert_eq!(state.statements, snap.statements);
    assert_eq!(state.overrides, snap.overrides);
    assert_eq!(state.signature, snap.signature);
    assert_eq!(state.signature.unwrap().signer, "Dr. A");
}

/// The window query (split into recent starts and long spans) returns exactly what a plain
/// overlap filter does, for short marks and hour-long notes alike.
async fn window_query_matches_a_brute_force_overlap_filter(k: Kind) {
    let t = temp_store_on(k).await;
    let rec = recording(&t.store, "window").await;
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut all = Vec::new();
    let mut tx = t.store.begin_write().await.unwrap();
    for i in 0..400 {
        let start = next() * 3600.0;
        let span = match i % 4 {
            0 => 0.0,
            1 => next() * 2.0,
            2 => next() * 120.0,
            _ => next() * 1800.0,
        };
        let d = AnnotationData::note(start, start + span, format!("a{i}"));
        store::annotations::create(&mut tx, rec.id, &d, "test", 0)
            .await
            .unwrap();
        all.push((start, start + span));
    }
    tx.commit().await.unwrap();
    for _ in 0..50 {
        let s = next() * 3600.0;
        let e = s + next() * 30.0;
        let got: Vec<(f64, f64)> = t
            .store
            .annotations_in_range(rec.id, s, e)
            .await
            .unwrap()
            .iter()
            .map(|a| (a.data.start_s, a.data.end_s))
            .collect();
        let mut want: Vec<(f64, f64)> = all
            .iter()
            .copied()
            .filter(|&(a, b)| a <= e && b >= s)
            .collect();
        want.sort_by(|x, y| x.0.total_cmp(&y.0));
        assert_eq!(got, want, "window {s}..{e}");
    }
}

on_both!(
    a_moved_file_is_the_same_recording,
    analysis_cache_round_trips,
    a_session_is_restored_as_it_was_after_reopening,
    an_unsaved_session_loads_the_default_view,
    annotation_changes_are_soft_and_audited,
    the_audit_log_refuses_updates_and_deletes,
    undo_and_redo_work_across_restarts,
    a_signature_locks_the_review_with_a_clear_error,
    clearing_an_override_is_audited,
    a_chat_message_streams_token_by_token_and_is_finalised,
    reports_and_settings_round_trip,
    constraint_violations_map_to_domain_errors_by_name,
    annotations_in_range_and_conversion_to_ecg,
    undo_takes_back_only_the_actors_own_changes,
    a_still_suggested_statement_is_refreshed_by_reanalysis_and_audited,
    a_session_carries_the_first_page_of_annotations_and_the_total,
    review_state_matches_the_session_snapshot,
    window_query_matches_a_brute_force_overlap_filter,
);
