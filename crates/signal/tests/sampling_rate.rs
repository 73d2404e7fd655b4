//! The global intervals do not depend on the rate a tracing was recorded at: the same
//! synthetic beats ([`common::Tracing`], built at 500 Hz) decimated to 250 Hz or taken to
//! 1000 Hz measure the PR, QRS, QT and P duration they measure at 500 Hz, within a sample of
//! the 500 Hz grid. Before the median beats were measured at one rate, a 250 Hz copy measured
//! its QRS 4-6 ms longer (a boundary falls on the first quiet sample, half a sample outward,
//! and the beats' fiducials 4 ms apart blurred the median beat), enough to turn a QRS of
//! 116 ms into a complete bundle-branch block.

mod common;

use common::{NORMAL, RBBB, Tracing, Wave, decimated, recording_at};

/// PR, QRS, QT and P duration (ms) of `leads` (mV at 500 Hz) resampled by `up / down`.
fn intervals_at(leads: &[Vec<f64>], up: usize, down: usize) -> [f64; 4] {
    let fs = common::FS * up as f64 / down as f64;
    let leads = if up == 1 {
        decimated(leads, down)
    } else {
        leads
            .iter()
            .map(|x| signal::resample_poly(x, up, down).expect("a valid ratio"))
            .collect()
    };
    let a = signal::analyze(
        &recording_at(leads, fs),
        &signal::AnalysisOptions::default(),
    )
    .expect("analysis runs");
    let m = &a.measurements;
    let ms =
        |v: Option<ecg::Millis>, what: &str| v.unwrap_or_else(|| panic!("{what} at {fs} Hz")).0;
    // The median beats and their marks are at one rate whatever the recording's.
    assert_eq!(a.median_fs_hz(), 500.0, "median beats at {fs} Hz");
    [
        ms(m.pr, "PR"),
        ms(m.qrs, "QRS"),
        ms(m.qt, "QT"),
        ms(m.p_duration, "P duration"),
    ]
}

/// The intervals at 250 and 1000 Hz against 500 Hz, each within `tol` ms.
fn assert_rate_independent(qrs_t: &[Wave], bpm: f64, tol: f64) {
    // An RR that is no whole number of 4-ms samples: each beat sits at its own phase of the
    // 250 Hz grid.
    let t = Tracing::regular(10.0, bpm, 0.16, qrs_t);
    let leads = t.leads();
    let at_500 = intervals_at(&leads, 1, 1);
    for (up, down) in [(1, 2), (2, 1)] {
        let got = intervals_at(&leads, up, down);
        for ((name, a), b) in ["PR", "QRS", "QT", "P duration"]
            .iter()
            .zip(at_500)
            .zip(got)
        {
            assert!(
                (a - b).abs() <= tol,
                "{name} at {} Hz: {b} ms against {a} ms at 500 Hz",
                500 * up / down
            );
        }
    }
}

#[test]
fn intervals_of_a_normal_beat_do_not_depend_on_the_sampling_rate() {
    assert_rate_independent(&NORMAL, 71.0, 2.0);
}

#[test]
fn the_qrs_of_right_bundle_branch_block_does_not_grow_at_250_hz() {
    assert_rate_independent(&RBBB, 67.0, 2.0);
}

#[test]
fn a_lead_stored_at_twice_the_others_rate_is_analysed_with_them() {
    // The WFDB format test header test01_00s_frame: ECG_1 and ECG_3 at 500 Hz, ECG_2 at
    // 1000 Hz (two samples per frame). ECG_2 was left out of the analysis without a word.
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/wfdb/formats/test01_00s/test01_00s_frame.hea");
    let rec = formats::open(&path).expect("test01_00s_frame opens");
    let a = signal::analyze(&rec, &signal::AnalysisOptions::default()).expect("analysis runs");
    let names: Vec<&str> = a.leads.iter().map(|l| l.name()).collect();
    assert_eq!(a.fs_hz, 500.0);
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names.contains(&"ECG_2"), "{names:?}");
    // Its beats are the same twelve as on the 500-Hz leads.
    assert_eq!(a.beats.len(), 12);
}

#[test]
fn chest_leads_at_360_hz_beside_limb_leads_at_500_hz_are_analysed_with_them() {
    // An EDF may store each signal at its own rate. 360 Hz reaches 500 Hz only at 25/18;
    // before, the chest leads were left out without a word and with them V1's rsR': the
    // block below went unstated.
    let t = Tracing::regular(10.0, 67.0, 0.16, &RBBB);
    let leads = t.leads();
    let all_500 = signal::analyze(
        &recording_at(leads.clone(), common::FS),
        &signal::AnalysisOptions::default(),
    )
    .expect("analysis at 500 Hz runs");
    let mut rec = recording_at(leads, common::FS);
    for lead in rec.leads.iter_mut().skip(6) {
        let x: Vec<f64> = lead
            .signal
            .read_range(0, lead.n_samples())
            .expect("in memory")
            .into_iter()
            .map(f64::from)
            .collect();
        let y = signal::resample_poly(&x, 18, 25).expect("a valid ratio");
        *lead = ecg::Lead::new(
            lead.label.name(),
            360.0,
            ecg::Unit::Millivolt,
            ecg::Signal::from_physical(y.into_iter().map(|s| s as f32).collect::<Vec<_>>()),
        );
    }
    let mixed = signal::analyze(&rec, &signal::AnalysisOptions::default()).expect("analysis runs");
    assert_eq!(mixed.fs_hz, 500.0);
    assert_eq!(mixed.leads.len(), 12, "{:?}", mixed.leads);
    assert_eq!(mixed.beats.len(), all_500.beats.len());
    let qrs = |a: &signal::Analysis| a.measurements.qrs.expect("a QRS").0;
    assert!(
        (qrs(&mixed) - qrs(&all_500)).abs() <= 4.0,
        "QRS {} ms against {} ms with every lead at 500 Hz",
        qrs(&mixed),
        qrs(&all_500)
    );
    let texts = |a: &signal::Analysis| -> Vec<String> {
        a.statements.iter().map(|s| s.text.clone()).collect()
    };
    assert!(
        texts(&mixed)
            .iter()
            .any(|t| t == "Complete right bundle branch block"),
        "{:?}",
        texts(&mixed)
    );
    assert_eq!(texts(&mixed), texts(&all_500));
}
