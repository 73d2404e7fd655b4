//! Ventricular couplets in a bigeminal pattern, two ventricular beats to each sinus beat:
//! MIT-BIH record 208, 420-600 s (two leads at 360 Hz, with its reference beat labels; kept
//! in `tests/data/wfdb/mitdb_208`, provenance in its `SOURCE.md`). Where the couplets
//! outnumber the sinus beats, their second beats are taken for conducted ones (a "P wave" on
//! the first one's T wave) and their RR is the local median, so they are not premature.
//! - A P wave after a ventricular beat meets refractory ventricles: the sinus P wave after
//!   each couplet read "Second-degree AV block" and a "non-conducted atrial premature
//!   complex". The beats around a blocked P wave must now have one QRS.
//! - Few P waves before beats whose intervals repeat a short cycle are no fibrillation: the
//!   Holter read 80 s of it here (462-543 s of the record).
//! - A couplet is early when its first RR is short against the pause after it: none of these
//!   142 ventricular beats was ventricular before that (most of the couplets "normal").

use std::sync::atomic::AtomicBool;

use signal::holter::{HolterOptions, analyze_streamed};

fn data(rel: &str) -> String {
    format!("{}/../../tests/data/{rel}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_sinus_p_wave_after_a_ventricular_couplet_is_no_av_block() {
    let rec = formats::open(data("wfdb/mitdb_208/208_420-600s.hea")).expect("MIT-BIH 208 opens");
    let a = signal::analyze(&rec, &signal::AnalysisOptions::default()).expect("analysis");
    let texts: Vec<&str> = a.statements.iter().map(|s| s.text.as_str()).collect();
    assert!(
        texts
            .iter()
            .all(|t| !t.contains("AV block") && !t.starts_with("Non-conducted")),
        "{texts:?}"
    );
    // The beats are found (286 reference labels in these 180 s).
    let labels = rec
        .annotations
        .iter()
        .filter(|x| {
            matches!(&x.kind, ecg::AnnotationKind::Beat { code } if matches!(code.as_str(), "N" | "V" | "F"))
        })
        .count();
    assert_eq!(labels, 286);
    assert!(
        a.beats.len().abs_diff(labels) <= 3,
        "{} beats",
        a.beats.len()
    );
}

#[test]
fn couplets_repeating_a_cycle_are_no_atrial_fibrillation_episode() {
    let rec = formats::open(data("wfdb/mitdb_208/208_420-600s.hea")).expect("MIT-BIH 208 opens");
    let s = analyze_streamed(
        &rec,
        &signal::AnalysisOptions::default(),
        &HolterOptions::default(),
        &|_| {},
        &AtomicBool::new(false),
    )
    .expect("streamed analysis");
    assert!(
        s.holter.af_episodes.is_empty(),
        "{:?}",
        s.holter.af_episodes
    );
}

#[test]
fn couplets_outnumbering_the_sinus_beats_are_ventricular() {
    let rec = formats::open(data("wfdb/mitdb_208/208_420-600s.hea")).expect("MIT-BIH 208 opens");
    let a = signal::analyze(&rec, &signal::AnalysisOptions::default()).expect("analysis");
    let class_at = |t: f64| {
        a.beats
            .iter()
            .find(|b| (b.r_s - t).abs() < 0.15)
            .map(|b| b.class)
    };
    let (mut v_found, mut v_all, mut n_as_v) = (0, 0, 0);
    for x in &rec.annotations {
        let ecg::AnnotationKind::Beat { code } = &x.kind else {
            continue;
        };
        let got = class_at(x.onset_s);
        match code.as_str() {
            "V" => {
                v_all += 1;
                v_found += usize::from(got == Some(signal::BeatClass::Ventricular));
            }
            "N" => n_as_v += usize::from(got == Some(signal::BeatClass::Ventricular)),
            _ => {}
        }
    }
    assert_eq!(v_all, 142);
    assert!(
        v_found >= 70,
        "{v_found} of {v_all} ventricular beats found"
    );
    assert_eq!(n_as_v, 0, "sinus beats called ventricular");
    let texts: Vec<&str> = a.statements.iter().map(|s| s.text.as_str()).collect();
    assert!(
        texts.contains(&"Ventricular premature complexes"),
        "{texts:?}"
    );
}
