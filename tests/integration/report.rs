//! `heartlens report --session`: a session seeded in a real SQLite store the way the app writes
//! it (annotation, reviewed statement, corrected QT, chat exchange, signature) comes out in the
//! PDF, and the export is recorded in the store with the SHA-256 of the PDF's bytes.

use std::path::Path;
use std::process::Command;

use store::annotations::AnnotationData;
use store::chats::{NewMessage, Role};
use store::recordings::ContentHash;
use store::review::MeasurementOverride;

use crate::util::{data, heartlens};

fn pdftotext(pdf: &Path) -> Option<String> {
    let out = Command::new("pdftotext")
        .args(["-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "pdftotext failed on {}",
        pdf.display()
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Seeds a session for `file` in the store at `db` and returns the recording id.
fn seed_session(db: &Path, file: &Path) -> i64 {
    runtime().block_on(async {
        let s = store::Store::open(db).await.expect("open store");
        let rec = s
            .open_file(file, "WFDB", serde_json::json!({}))
            .await
            .expect("record the file");
        s.add_annotation(
            rec.id,
            &AnnotationData::note(2.0, 2.6, "Notched QRS in V1 — review"),
            "dr.rivera",
        )
        .await
        .expect("annotation");
        s.suggest_statements(
            rec.id,
            &[(
                "sinus_rhythm".into(),
                "Sinus rhythm".into(),
                Some("P before every QRS".into()),
            )],
            "analysis",
        )
        .await
        .expect("suggest");
        s.set_statement_state(
            rec.id,
            "sinus_rhythm",
            ecg::StatementState::Confirmed,
            None,
            "dr.rivera",
        )
        .await
        .expect("confirm");
        s.set_override(
            &MeasurementOverride {
                id: 0,
                recording_id: rec.id,
                name: "qt_ms".into(),
                lead: String::new(),
                value: 433.0,
                unit: "ms".into(),
                method: None,
                original_value: None,
                author: "dr.rivera".into(),
                at_ms: 0,
                version: 0,
            },
            "dr.rivera",
        )
        .await
        .expect("override");
        let thread = s.create_thread(rec.id, "chat").await.expect("thread");
        let meta = NewMessage::default();
        s.add_message(thread.id, Role::User, "Is the QRS wide?", &meta)
            .await
            .expect("question");
        let answer = NewMessage {
            model_id: Some("tiny-test".into()),
            mode: Some("grounded".into()),
            prompt_tokens: Some(10),
        };
        s.add_message(
            thread.id,
            Role::Assistant,
            "QRS duration is within limits.",
            &answer,
        )
        .await
        .expect("answer");
        s.sign(rec.id, "Dr. Rivera", "Read and confirmed")
            .await
            .expect("sign");
        s.close().await;
        rec.id
    })
}

#[test]
fn report_with_session_prints_the_review_and_records_the_export() {
    let dir = tempfile::tempdir().unwrap();
    // A copy, so the store's path is this test's own file.
    for ext in ["hea", "dat"] {
        std::fs::copy(
            data(&format!("wfdb/ludb/1.{ext}")),
            dir.path().join(format!("1.{ext}")),
        )
        .unwrap();
    }
    let file = dir.path().join("1.hea");
    let db = dir.path().join("store.sqlite3");
    let id = seed_session(&db, &file);
    let pdf = dir.path().join("report.pdf");
    let out = heartlens(&[
        "report",
        file.to_str().unwrap(),
        "--pdf",
        pdf.to_str().unwrap(),
        "--session",
        &id.to_string(),
        "--db",
        db.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "report failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    let exports = runtime().block_on(async {
        let s = store::Store::open(&db).await.unwrap();
        let r = s.reports(id).await.unwrap();
        s.close().await;
        r
    });
    assert_eq!(exports.len(), 1, "one export recorded: {exports:?}");
    assert_eq!(exports[0].format, "pdf");
    assert_eq!(exports[0].content_sha256, ContentHash::of_bytes(&bytes));
    let Some(text) = pdftotext(&pdf) else {
        eprintln!("pdftotext not installed; text checks skipped");
        return;
    };
    for needle in [
        "Notched QRS in V1",
        "Sinus rhythm",
        "Dr. Rivera",
        "Read and confirmed",
        "Is the QRS wide?",
        "QRS duration is within limits.",
        "433",
    ] {
        assert!(
            text.contains(needle),
            "{needle:?} missing from the PDF text:\n{text}"
        );
    }
}

#[test]
fn report_with_a_session_of_another_file_exits_2_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["hea", "dat"] {
        std::fs::copy(
            data(&format!("wfdb/ludb/1.{ext}")),
            dir.path().join(format!("1.{ext}")),
        )
        .unwrap();
    }
    let db = dir.path().join("store.sqlite3");
    let id = seed_session(&db, &dir.path().join("1.hea"));
    let other = data("wfdb/mitdb_100/100.hea");
    let out = heartlens(&[
        "report",
        other.to_str().unwrap(),
        "--pdf",
        dir.path().join("r.pdf").to_str().unwrap(),
        "--session",
        &id.to_string(),
        "--db",
        db.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("100.hea") && err.contains("1.hea"), "{err}");
    assert!(!dir.path().join("r.pdf").exists(), "no report written");
}

#[test]
fn report_with_a_prior_ecg_states_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("compared.pdf");
    let (now, prior) = (data("wfdb/ludb/1.hea"), data("wfdb/ludb/2.hea"));
    let out = heartlens(&[
        "report",
        now.to_str().unwrap(),
        "--pdf",
        pdf.to_str().unwrap(),
        "--compare",
        prior.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "stderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let Some(text) = pdftotext(&pdf) else {
        eprintln!("pdftotext not installed: PDF text not checked");
        return;
    };
    // LUDB states no acquisition time; the two records' rates differ.
    assert!(
        text.contains("Compared with the prior ECG (acquisition time not stated)"),
        "{text}"
    );
    let rate = text
        .lines()
        .find(|l| l.contains("• Heart rate ") && l.contains(" -> "))
        .unwrap_or_else(|| panic!("a heart-rate change line: {text}"));
    assert!(rate.contains("bpm ("), "{rate}");

    let missing = heartlens(&[
        "report",
        now.to_str().unwrap(),
        "--pdf",
        dir.path().join("x.pdf").to_str().unwrap(),
        "--compare",
        "/nonexistent/prior.hea",
    ]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/prior.hea"));
}
