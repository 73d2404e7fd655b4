//! Ventricular beats on one or two leads (a Holter, a monitor): judged on their width and
//! timing, as no beat can differ in the three leads its shape needs
//! (`classify::ventricular_runs_by_width`). Tried on the synthetic 3-lead Holter read on V5
//! alone (its true beats and runs beside it), and on a monitor's artefact that must not make
//! ventricular beats (CinC 2015 `a103l`).

use std::sync::atomic::AtomicBool;

use signal::BeatClass;
use signal::holter::{HolterOptions, RunKind, analyze_streamed};

fn data(rel: &str) -> String {
    format!("{}/../../tests/data/{rel}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_one_lead_holter_finds_its_ventricular_beats_couplet_triplet_and_tachycardia() {
    // The 20-min synthetic Holter (`bench/formats/generate_holter.py`) on V5 alone: up to r62
    // no beat could be ventricular there, and its 8-beat ventricular tachycardia at 150/min
    // was 8 "undetermined" or normal beats.
    let mut rec = formats::open(data("holter/synth_3lead_20m.hea")).expect("Holter opens");
    rec.leads.retain(|l| l.label == ecg::LeadLabel::V5);
    let truth: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(data("holter/synth_3lead_20m.truth.json")).unwrap(),
    )
    .unwrap();
    let s = analyze_streamed(
        &rec,
        &signal::AnalysisOptions::default(),
        &HolterOptions::default(),
        &|_| {},
        &AtomicBool::new(false),
    )
    .expect("streamed analysis");
    let true_v: Vec<f64> = truth["beats"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b[1] == "V")
        .map(|b| b[0].as_f64().unwrap())
        .collect();
    let found_v: Vec<f64> = s
        .analysis
        .beats
        .iter()
        .filter(|b| b.class == BeatClass::Ventricular)
        .map(|b| b.r_s)
        .collect();
    assert_eq!(found_v.len(), true_v.len(), "{found_v:?}");
    for (f, t) in found_v.iter().zip(&true_v) {
        assert!(
            (f - t).abs() < 0.1,
            "ventricular beat at {f} s, true at {t} s"
        );
    }
    let h = &s.holter;
    let kinds: Vec<(RunKind, usize)> = h.runs.iter().map(|r| (r.kind, r.beats)).collect();
    assert_eq!(
        kinds,
        [
            (RunKind::VentricularCouplet, 2),
            (RunKind::VentricularTriplet, 3),
            (RunKind::VentricularTachycardia, 8),
            (RunKind::SupraventricularTachycardia, 10),
        ],
        "{:?}",
        h.runs
    );
    let vt = h.fastest_vt.as_ref().expect("a ventricular tachycardia");
    let tv = &truth["events"]["vt_runs"][0];
    assert!(
        (vt.start_s - tv["start_s"].as_f64().unwrap()).abs() < 0.1,
        "{vt:?}"
    );
    assert!((vt.rate_bpm - 150.0).abs() < 3.0, "{vt:?}");
}

#[test]
fn a_monitors_bursts_of_artefact_make_no_ventricular_beats_on_two_leads() {
    // CinC 2015 `a103l` (false asystole alarm, leads II and V at 250 Hz): 263-287 s is
    // electrode artefact (the leads on their rails, the plethysmogram pulsing on), where
    // wide "beats" of another shape come at any time. None is ventricular: they are not
    // premature with a pause after them between two clean beats of the dominant QRS.
    let rec = formats::open(data("wfdb/formats/mat_a103l/a103l.hea")).expect("a103l opens");
    let a = signal::analyze(&rec, &signal::AnalysisOptions::default()).expect("analysis runs");
    assert_eq!(a.leads.len(), 2, "{:?}", a.leads);
    let v: Vec<f64> = a
        .beats
        .iter()
        .filter(|b| b.class == BeatClass::Ventricular)
        .map(|b| b.r_s)
        .collect();
    assert!(v.is_empty(), "{v:?}");
    assert!(
        !a.statements
            .iter()
            .any(|s| s.text.starts_with("Ventricular")),
        "{:?}",
        a.statements
    );
}
