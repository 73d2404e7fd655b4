//! Beat detection on MIT-BIH Arrhythmia Database record 100 (30 min, 2 leads at 360 Hz)
//! against its reference `.atr` beat labels, with the ANSI/AAMI EC57 150 ms match window;
//! beats in the first and last 5 s are not scored (filter edge transients). Its reading: sinus
//! rhythm, and a normal QT interval on its two leads; its ectopic beats against the labels.

use signal::evaluate::{evaluate_beats, reference_beats};

const REC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/wfdb/mitdb_100/100.hea"
);

#[test]
fn mitdb_100_beats_are_found_with_high_sensitivity_and_ppv() {
    let rec = formats::open(REC).expect("MIT-BIH 100 opens");
    let reference = reference_beats(&rec.annotations);
    assert!(
        reference.len() > 2000,
        "{} reference beats",
        reference.len()
    );
    let t0 = std::time::Instant::now();
    let a = signal::analyze(&rec, &signal::AnalysisOptions::default()).expect("analysis runs");
    let secs = t0.elapsed().as_secs_f64();
    let detected: Vec<f64> = a.beats.iter().map(|b| b.r_s).collect();
    let s = evaluate_beats(&reference, &detected, 0.15, 5.0, rec.duration_s());
    println!(
        "MIT-BIH 100: ref {} det {} TP {} Se {:.4} PPV {:.4} ({secs:.2} s)",
        s.n_reference,
        s.n_detected,
        s.true_positives,
        s.sensitivity(),
        s.ppv()
    );
    assert!(s.sensitivity() >= 0.998, "Se {:.4}", s.sensitivity());
    assert!(s.ppv() >= 0.998, "PPV {:.4}", s.ppv());
    // None of these tracings has a 2:1 or third-degree AV block.
    assert!(
        !a.statements
            .iter()
            .any(|s| s.text.starts_with("2:1") || s.text.starts_with("Third-degree")),
        "MIT-BIH 100: {:?}",
        a.statements
    );
    // Record 100: sinus rhythm with 33 atrial premature beats and 1 PVC.
    assert!(
        a.statements.iter().any(|s| s.text.starts_with("Sinus")),
        "{:?}",
        a.statements
    );
    // V5's T wave, inverted, ends about 375 ms after the QRS onset; MLII's ST is depressed and
    // its T low, and the TP segment 0.03 mV above the PQ level after it is no T wave (taken for
    // one up to r51: QT 486 ms, "Prolonged QT interval, QTc 545 ms").
    let qt = a.measurements.qt.expect("a QT interval").0;
    assert!((340.0..=420.0).contains(&qt), "QT {qt} ms");
    assert!(
        !a.statements.iter().any(|s| s.text.contains("QT")),
        "{:?}",
        a.statements
    );
}

#[test]
fn mitdb_100_premature_beats_match_the_labels_on_its_two_leads() {
    // Record 100: 33 atrial premature beats (A) and one ventricular (V, 1518.9 s). Two leads
    // cannot make a beat ventricular by its shape (that needs a different QRS in 3), and the
    // V beat read as the 34th "supraventricular premature complex" up to r54, then (r55-r62)
    // as a premature complex of undetermined origin. From r63 it is ventricular by its width
    // (158 ms against 92) and timing: premature, between beats of the dominant QRS, with a
    // full compensatory pause (536 + 1131 ms against two cycles of 814 ms), which a T wave
    // taken for a P wave at the dominant PR does not undo. Every supraventricular beat is an
    // A beat.
    use ecg::AnnotationKind;
    let rec = formats::open(REC).expect("MIT-BIH 100 opens");
    let labelled = |want: &str| -> Vec<f64> {
        rec.annotations
            .iter()
            .filter_map(|a| match &a.kind {
                AnnotationKind::Beat { code } if code == want => Some(a.onset_s),
                _ => None,
            })
            .collect()
    };
    let (atrial, ventricular) = (labelled("A"), labelled("V"));
    assert_eq!((atrial.len(), ventricular.len()), (33, 1));
    let a = signal::analyze(&rec, &signal::AnalysisOptions::default()).expect("analysis runs");
    let of_class = |c: signal::BeatClass| -> Vec<f64> {
        a.beats
            .iter()
            .filter(|b| b.class == c)
            .map(|b| b.r_s)
            .collect()
    };
    let near = |t: f64, refs: &[f64]| refs.iter().any(|r| (r - t).abs() <= 0.15);
    let s = of_class(signal::BeatClass::Supraventricular);
    assert_eq!(s.len(), 33, "{s:?}");
    assert!(s.iter().all(|&t| near(t, &atrial)), "{s:?}");
    let v = of_class(signal::BeatClass::Ventricular);
    assert_eq!(v.len(), 1, "{v:?}");
    assert!(near(v[0], &ventricular), "{v:?}");
    assert!(
        !a.statements
            .iter()
            .any(|s| s.text == "Premature complexes of undetermined origin"),
        "{:?}",
        a.statements
    );
    let st = a
        .statements
        .iter()
        .find(|s| s.text == "Ventricular premature complexes")
        .unwrap_or_else(|| panic!("{:?}", a.statements));
    let c = st.criterion.as_deref().unwrap_or("");
    assert!(c.starts_with("1 of ") && c.contains("at 1518.9 s"), "{c}");
    assert!(
        c.contains("on 2 usable lead(s)") && c.contains("full compensatory pause"),
        "{c}"
    );
    assert_eq!(st.evidence.beats.len(), 1);
    assert!((a.beats[st.evidence.beats[0]].r_s - ventricular[0]).abs() <= 0.15);
    assert!(
        a.statements
            .iter()
            .find(|s| s.text == "Supraventricular premature complexes")
            .and_then(|s| s.criterion.as_deref())
            .is_some_and(|c| c.starts_with("33 of ")),
        "{:?}",
        a.statements
    );
}
