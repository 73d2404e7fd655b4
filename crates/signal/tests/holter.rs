//! Streamed (chunked) analysis against the whole-signal analysis on MIT-BIH 100 (30 min, 2 leads
//! at 360 Hz), the filters' seam tolerance, and the known events of the synthetic 10-min 12-lead
//! and 20-min 3-lead Holters written by `bench/formats/generate_holter.py` (ground truth beside
//! them).

use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use signal::holter::{FILTER_TOLERANCE_MV, HolterOptions, Progress, RunKind, analyze_streamed};
use signal::{AnalysisOptions, BeatClass, Filter, Highpass, Lowpass, Notch};

const MITDB: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/wfdb/mitdb_100/100.hea"
);
const SYNTH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/holter/synth_12lead_10m.hea"
);
const SYNTH_TRUTH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/holter/synth_12lead_10m.truth.json"
);

const SYNTH_3: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/holter/synth_3lead_20m.hea"
);
const SYNTH_3_TRUTH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/holter/synth_3lead_20m.truth.json"
);

/// Streamed beats match the whole-signal beats within this (s).
const BEAT_MATCH_S: f64 = 0.005;

fn no_progress(_: Progress) {}

/// `rec` analysed as a Holter with the default options, not cancelled.
fn streamed(rec: &ecg::Recording) -> signal::holter::Streamed {
    analyze_streamed(
        rec,
        &AnalysisOptions::default(),
        &HolterOptions::default(),
        &no_progress,
        &AtomicBool::new(false),
    )
    .expect("streamed analysis")
}

/// Every beat of `a` has one in `b` within [`BEAT_MATCH_S`] with the same class, and the
/// counts agree; returns the number of class differences.
fn compare(whole: &signal::Analysis, streamed: &signal::Analysis) -> usize {
    assert_eq!(
        whole.beats.len(),
        streamed.beats.len(),
        "beat counts whole vs streamed"
    );
    let mut class_diffs = 0;
    for (w, s) in whole.beats.iter().zip(&streamed.beats) {
        let dt = (w.fiducial_sample as f64 - s.fiducial_sample as f64).abs() / whole.fs_hz;
        assert!(
            dt <= BEAT_MATCH_S,
            "beat at {:.3} s: streamed at {:.3} s",
            w.r_s,
            s.r_s
        );
        if w.class != s.class {
            class_diffs += 1;
        }
    }
    class_diffs
}

#[test]
fn streamed_matches_whole_signal_on_mitdb_100() {
    let rec = formats::open(MITDB).expect("MIT-BIH 100 opens");
    let opts = AnalysisOptions::default();
    let whole = signal::analyze(&rec, &opts).expect("whole analysis");
    let seen = Mutex::new(Vec::new());
    let progress = |p: Progress| seen.lock().unwrap().push(p);
    let s = analyze_streamed(
        &rec,
        &opts,
        &HolterOptions::default(),
        &progress,
        &AtomicBool::new(false),
    )
    .expect("streamed analysis");
    // 30 min 5.6 s in 5-min chunks (7), then the representative window.
    let seen = seen.into_inner().unwrap();
    assert_eq!(s.holter.chunks, 7);
    assert_eq!(seen.len(), 8);
    assert!(
        seen.iter()
            .enumerate()
            .all(|(i, p)| p.done == i + 1 && p.total == 8)
    );
    let diffs = compare(&whole, &s.analysis);
    assert_eq!(diffs, 0, "class differences");
    assert_eq!(s.analysis.n_samples, whole.n_samples);
    // RR from the stitched fiducials: the same as the whole analysis'.
    for (w, b) in whole.beats.iter().zip(&s.analysis.beats) {
        match (w.rr_ms, b.rr_ms) {
            (Some(x), Some(y)) => assert!((x - y).abs() <= 1000.0 * BEAT_MATCH_S * 2.0),
            (x, y) => assert_eq!(x.is_some(), y.is_some()),
        }
    }
    // The representative window's measurements are those of a normal sinus record.
    let hr = s.analysis.measurements.hr.expect("HR").0;
    assert!((65.0..=85.0).contains(&hr), "HR {hr}");
    assert!(s.holter.pauses.is_empty());
    // No fibrillation: a burden of +0 (the sum of no episode was -0.0 up to r59, printed
    // "AF burden -0.0 %").
    assert!(s.holter.af_episodes.is_empty());
    assert!(
        s.holter.af_burden == 0.0 && s.holter.af_burden.is_sign_positive(),
        "{}",
        s.holter.af_burden
    );
    assert!(s.holter.af_episodes.is_empty());
    assert_eq!(s.holter.hourly.len(), 1);
}

#[test]
fn a_holters_statements_name_times_and_beats_of_the_whole_recording() {
    // The statements come from the representative window (300-600 s of MIT-BIH 100). Up to
    // r72 their criteria gave times from the window's start ("at 55.8 s" for the atrial
    // premature beat at 355.8 s) and their evidence indexed the window's beats, so the app
    // highlighted the 134th beat of the recording for the window's 134th.
    let rec = formats::open(MITDB).expect("MIT-BIH 100 opens");
    let s = streamed(&rec);
    let svpc = s
        .analysis
        .statements
        .iter()
        .find(|x| x.text == "Supraventricular premature complexes")
        .expect("the window's atrial premature beats");
    let beats = &s.analysis.beats;
    let evidence: Vec<f64> = svpc.evidence.beats.iter().map(|&i| beats[i].r_s).collect();
    assert!(!evidence.is_empty());
    assert!(
        svpc.evidence
            .beats
            .iter()
            .all(|&i| beats[i].class == BeatClass::Supraventricular),
        "{evidence:?}"
    );
    assert!(
        evidence.iter().all(|&t| (300.0..600.0).contains(&t)),
        "{evidence:?}"
    );
    let c = svpc.criterion.as_deref().unwrap();
    // "..., at 355.8 s, 474.2 s: premature ...".
    let named: Vec<f64> = c
        .split_once(" at ")
        .and_then(|(_, rest)| rest.split_once(':'))
        .map(|(times, _)| {
            times
                .split(", ")
                .filter_map(|t| t.trim_end_matches(" s").parse().ok())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(named.len(), evidence.len().min(8), "{c}");
    for t in named {
        assert!(
            evidence.iter().any(|e| (e - t).abs() < 0.1),
            "{t} s named in {c:?}, evidence at {evidence:?}"
        );
    }
}

#[test]
fn many_short_chunks_neither_duplicate_nor_lose_beats_at_the_seams() {
    let rec = formats::open(MITDB).expect("MIT-BIH 100 opens");
    let opts = AnalysisOptions::default();
    let whole = signal::analyze(&rec, &opts).expect("whole analysis");
    // 37-s chunks: 49 seams, some of them inside a QRS.
    let hopts = HolterOptions {
        chunk_s: 37.0,
        ..HolterOptions::default()
    };
    let s = analyze_streamed(&rec, &opts, &hopts, &no_progress, &AtomicBool::new(false))
        .expect("streamed analysis");
    let diffs = compare(&whole, &s.analysis);
    // Classes rest on the chunk's own templates; with 37-s chunks a few may differ.
    assert!(
        diffs * 100 <= whole.beats.len(),
        "{diffs} of {} classes differ",
        whole.beats.len()
    );
}

#[test]
fn zero_phase_filters_over_a_chunk_with_its_margin_match_the_whole_signal() {
    let rec = formats::open(MITDB).expect("MIT-BIH 100 opens");
    let fs = rec.leads[0].sampling_rate_hz;
    let x: Vec<f64> = rec.leads[0]
        .signal
        .read_range(0, (600.0 * fs) as usize)
        .unwrap()
        .into_iter()
        .map(|v| f64::from(v) / 1000.0 * rec.leads[0].unit.to_uv_factor().unwrap())
        .collect();
    let chain = |x: &[f64]| -> Vec<f64> {
        let y = Highpass::MONITORING.apply(x, fs).unwrap();
        let y = Notch::new(50.0).apply(&y, fs).unwrap();
        Lowpass::HZ40.apply(&y, fs).unwrap()
    };
    let whole = chain(&x);
    let margin = (HolterOptions::default().margin_s * fs) as usize;
    let (c0, c1) = ((200.0 * fs) as usize, (400.0 * fs) as usize);
    let part = chain(&x[c0 - margin..c1 + margin]);
    let worst = (c0..c1)
        .map(|k| (whole[k] - part[k - c0 + margin]).abs())
        .fold(0.0, f64::max);
    assert!(
        worst < FILTER_TOLERANCE_MV,
        "worst difference {worst} mV in the core"
    );
    // Without a margin the ends differ by far more: the margin is what makes them agree.
    let bare = chain(&x[c0..c1]);
    let edge = (whole[c0] - bare[0])
        .abs()
        .max((whole[c1 - 1] - bare[bare.len() - 1]).abs());
    assert!(
        edge > 10.0 * FILTER_TOLERANCE_MV,
        "edge difference {edge} mV"
    );
}

#[test]
fn cancel_stops_the_streamed_analysis() {
    let rec = formats::open(MITDB).expect("MIT-BIH 100 opens");
    let r = analyze_streamed(
        &rec,
        &AnalysisOptions::default(),
        &HolterOptions::default(),
        &no_progress,
        &AtomicBool::new(true),
    );
    assert!(matches!(r, Err(signal::Error::Cancelled)), "{r:?}");
}

fn truth() -> serde_json::Value {
    read_truth(SYNTH_TRUTH)
}

fn read_truth(path: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn known_events_of_the_synthetic_holter_are_found() {
    let rec = formats::open(SYNTH).expect("synthetic Holter opens");
    let t = truth();
    let s = streamed(&rec);
    let beats = &s.analysis.beats;
    let near = |r: f64| {
        beats
            .iter()
            .find(|b| (b.r_s - r).abs() <= 0.05)
            .map(|b| b.class)
    };
    // Every true beat found, each ventricular one classed ventricular, nothing extra.
    let tb = t["beats"].as_array().unwrap();
    assert_eq!(beats.len(), tb.len());
    for b in tb {
        let (r, c) = (b[0].as_f64().unwrap(), b[1].as_str().unwrap());
        let got = near(r).unwrap_or_else(|| panic!("no beat near {r} s"));
        if c == "V" {
            assert_eq!(got, BeatClass::Ventricular, "beat at {r} s");
        } else {
            assert_ne!(got, BeatClass::Ventricular, "beat at {r} s");
        }
    }
    let h = &s.holter;
    let ev = &t["events"];
    let run_at = |kind: RunKind, start: f64, n: usize| {
        assert!(
            h.runs
                .iter()
                .any(|r| r.kind == kind && (r.start_s - start).abs() < 0.1 && r.beats == n),
            "{kind:?} of {n} at {start} s not in {:?}",
            h.runs
        );
    };
    run_at(
        RunKind::VentricularCouplet,
        ev["couplets"][0][0].as_f64().unwrap(),
        2,
    );
    run_at(
        RunKind::VentricularTriplet,
        ev["triplets"][0][0].as_f64().unwrap(),
        3,
    );
    run_at(
        RunKind::VentricularTachycardia,
        ev["vt_runs"][0]["start_s"].as_f64().unwrap(),
        8,
    );
    run_at(
        RunKind::SupraventricularTachycardia,
        ev["svt_runs"][0]["start_s"].as_f64().unwrap(),
        10,
    );
    assert_eq!(h.runs.len(), 4, "{:?}", h.runs);
    let vt = h.fastest_vt.as_ref().expect("fastest VT");
    assert!((vt.rate_bpm - 150.0).abs() < 3.0, "{vt:?}");
    // Pauses: both, with their lengths.
    let tp = ev["pauses"].as_array().unwrap();
    assert_eq!(h.pauses.len(), tp.len(), "{:?}", h.pauses);
    for (p, q) in h.pauses.iter().zip(tp) {
        assert!((p.start_s - q["start_s"].as_f64().unwrap()).abs() < 0.05);
        assert!((p.duration_s - q["duration_s"].as_f64().unwrap()).abs() < 0.05);
    }
    assert!((h.longest_pause.as_ref().unwrap().duration_s - 3.2).abs() < 0.05);
    // AF: one episode, its ends within 10 s, the burden within 2 points.
    let ta = &ev["af"][0];
    assert_eq!(h.af_episodes.len(), 1, "{:?}", h.af_episodes);
    let e = &h.af_episodes[0];
    assert!(
        (e.start_s - ta["start_s"].as_f64().unwrap()).abs() < 10.0,
        "{e:?}"
    );
    assert!(
        (e.end_s - ta["end_s"].as_f64().unwrap()).abs() < 10.0,
        "{e:?}"
    );
    let burden = ev["af_burden"].as_f64().unwrap();
    assert!(
        (h.af_burden - burden).abs() < 0.02,
        "{} vs {burden}",
        h.af_burden
    );
    // Hourly rate: the generator's sinus rate (60-90 bpm) over the one hour.
    assert_eq!(h.hourly.len(), 1);
    let mean = h.hourly[0].mean_bpm.unwrap();
    assert!((58.0..=92.0).contains(&mean), "{mean}");
    assert_eq!(h.counts.get("V"), Some(&19));
}

/// With 3 leads the P-wave evidence of a window is thinner: deflections of the fibrillatory
/// baseline pass for P waves before about 45 % of the AF beats. The AF episode must still be one
/// episode with the right ends, hold no supraventricular run or beat, and the VT (two of whose
/// beats look conducted: a "P wave" on the previous beat's T wave) must be one run.
#[test]
fn three_lead_holter_has_one_af_episode_and_one_vt_run() {
    let rec = formats::open(SYNTH_3).expect("synthetic 3-lead Holter opens");
    assert_eq!(rec.leads.len(), 3);
    let t = read_truth(SYNTH_3_TRUTH);
    let ev = &t["events"];
    let s = streamed(&rec);
    let h = &s.holter;
    // AF: one episode, each end within 2 s (about two beats) of the truth.
    let (a0, a1) = (
        ev["af"][0]["start_s"].as_f64().unwrap(),
        ev["af"][0]["end_s"].as_f64().unwrap(),
    );
    assert_eq!(h.af_episodes.len(), 1, "{:?}", h.af_episodes);
    let e = &h.af_episodes[0];
    assert!((e.start_s - a0).abs() <= 2.0, "{e:?} vs {a0}-{a1}");
    assert!((e.end_s - a1).abs() <= 2.0, "{e:?} vs {a0}-{a1}");
    let burden = ev["af_burden"].as_f64().unwrap();
    assert!(
        (h.af_burden - burden).abs() < 0.005,
        "{} vs {burden}",
        h.af_burden
    );
    // No supraventricular run, and no supraventricular beat, in or at the edge of the episode.
    let svt: Vec<_> = h
        .runs
        .iter()
        .filter(|r| {
            matches!(
                r.kind,
                RunKind::SupraventricularTachycardia | RunKind::SupraventricularCouplet
            )
        })
        .collect();
    assert!(
        svt.iter()
            .all(|r| r.end_s < a0 - 5.0 || r.start_s > a1 + 5.0),
        "{svt:?}"
    );
    assert!(
        s.analysis
            .beats
            .iter()
            .filter(|b| b.r_s >= a0 - 2.0 && b.r_s <= a1 + 2.0)
            .all(|b| b.class != BeatClass::Supraventricular)
    );
    // The true SVT run is still found, once.
    let svt_start = ev["svt_runs"][0]["start_s"].as_f64().unwrap();
    assert_eq!(svt.len(), 1, "{svt:?}");
    assert!(
        (svt[0].start_s - svt_start).abs() < 0.1 && svt[0].beats == 10,
        "{svt:?}"
    );
    // The VT: one run of 8 at 150 bpm, and every true ventricular beat classed ventricular.
    let vt = &ev["vt_runs"][0];
    let vts: Vec<_> = h
        .runs
        .iter()
        .filter(|r| r.start_s >= vt["start_s"].as_f64().unwrap() - 1.0)
        .filter(|r| r.start_s <= vt["end_s"].as_f64().unwrap() + 1.0)
        .collect();
    assert_eq!(vts.len(), 1, "{vts:?}");
    assert_eq!(vts[0].kind, RunKind::VentricularTachycardia);
    assert_eq!(vts[0].beats, 8, "{vts:?}");
    assert!((vts[0].rate_bpm - 150.0).abs() < 3.0, "{vts:?}");
    let true_v = t["beats"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b[1] == "V")
        .count();
    assert_eq!(h.counts.get("V"), Some(&true_v));
    assert_eq!(
        s.analysis
            .beats
            .iter()
            .filter(|b| b.class == BeatClass::Ventricular)
            .count(),
        true_v
    );
}
