//! Ventricular beats on one or two leads (a Holter, a monitor): judged on their width and
//! timing, as no beat can differ in the three leads its shape needs
//! (`classify::ventricular_runs_by_width`). Tried on the synthetic 3-lead Holter read on V5
//! alone (its true beats and runs beside it), and on a monitor's artefact that must not make
//! ventricular beats (CinC 2015 `a103l`), nor a wearable's burst of noise a ventricular
//! tachycardia (NeuroKit2's resting recording).

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

#[test]
fn a_wearables_burst_of_noise_is_no_ventricular_tachycardia() {
    // NeuroKit2's resting recording (ECG, PPG and respiration at 100 Hz, a healthy subject),
    // 80-100 s: at 92.2-93.2 s a burst of noise on the one ECG lead made three wide "beats" at
    // 203/min, premature, between clean beats and with a pause after: "Ventricular
    // tachycardia, non-sustained" up to r66. The beats of a ventricular run share one shape;
    // these do not. Its "RSP" channel was read as a second lead ("Atrial fibrillation").
    let rec = formats::OpenOptions::new()
        .sampling_rate_hz(Some(100.0))
        .unit(Some("mV".into()))
        .open(data("csv/neurokit/bio_resting_80-100s_100hz.csv"))
        .expect("CSV opens");
    assert_eq!(
        signal::non_ecg_channels(&rec),
        [None, Some("oximetry or pulse"), Some("respiration")]
    );
    let a = signal::analyze(&rec, &signal::AnalysisOptions::default()).expect("analysis");
    let texts: Vec<&str> = a.statements.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(texts.first(), Some(&"Sinus rhythm"), "{texts:?}");
    assert!(
        !texts
            .iter()
            .any(|t| t.contains("Ventricular") || t.contains("paced")),
        "{texts:?}"
    );
    assert!(
        a.beats
            .iter()
            .all(|b| !matches!(b.class, BeatClass::Ventricular | BeatClass::Paced)),
        "{:?}",
        a.beats
    );
    // The burst's "beats" stay what so few leads cannot tell.
    let burst = a
        .beats
        .iter()
        .filter(|b| (12.2..13.2).contains(&b.r_s) && b.class == BeatClass::Unknown)
        .count();
    assert!(burst >= 2, "{:?}", a.beats);
}

#[test]
fn a_holters_ventricular_beats_of_the_dominant_shape_in_one_channel_are_not_supraventricular() {
    // SVDB record 800, 560-590 s (two channels at 128 Hz): its ventricular beats at 21.4,
    // 23.6 and 25.6 s (the reference annotations) are wide and inverted in the first channel
    // and much like the sinus beats in the second. Up to r69 they were "supraventricular
    // premature complexes": a beat that keeps the dominant QRS in one of two leads counted as
    // of the dominant QRS. It does not; so few leads cannot tell what it is.
    let rec = formats::open(data("wfdb/svdb_800/800_560-590s.hea")).expect("SVDB excerpt opens");
    let a = signal::analyze(&rec, &signal::AnalysisOptions::default()).expect("analysis");
    for t in [21.375, 23.609, 25.633] {
        let b = a
            .beats
            .iter()
            .find(|b| (b.r_s - t).abs() < 0.15)
            .unwrap_or_else(|| panic!("no beat at {t} s: {:?}", a.beats));
        assert_eq!(b.class, BeatClass::Unknown, "beat at {t} s");
    }
    assert!(
        a.beats
            .iter()
            .all(|b| b.class != BeatClass::Supraventricular),
        "{:?}",
        a.beats
    );
    let texts: Vec<&str> = a.statements.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(texts.first(), Some(&"Sinus rhythm"), "{texts:?}");
    assert!(
        texts.contains(&"Premature complexes of undetermined origin")
            && !texts.contains(&"Supraventricular premature complexes"),
        "{texts:?}"
    );
}
