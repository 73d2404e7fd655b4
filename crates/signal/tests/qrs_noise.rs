//! The QRS duration under recording noise. The boundary walks of `delineate::qrs` end where
//! the slope stays below a fraction of the complex's steepest slope; under white noise a
//! small complex's fraction lies within the noise, the walks ran on into it, and the QRS
//! widened: by 5 ms on average over eight noise streams on the textbook beat at 55/min, and
//! on LUDB 12 at 250 Hz under 25 µV by 20 ms, to a "Non-specific intraventricular conduction
//! delay". The walks now end no lower than three times the noise's median slope
//! (`bench/signal/interpretation.md`, step 66). The tracings come from the dipole model of
//! `tests/common`.

mod common;

use common::{TEXTBOOK, Tracing, decimated, recording_at};

/// The QRS duration (ms) of `t` at 500 Hz, or decimated to 250 Hz.
fn qrs_ms(t: &Tracing, fs: f64) -> f64 {
    let a = if fs == 250.0 {
        let rec = recording_at(decimated(&t.leads(), 2), 250.0);
        signal::analyze(&rec, &signal::AnalysisOptions::default()).expect("the analysis runs")
    } else {
        t.analyze()
    };
    a.measurements.qrs.expect("a QRS duration").0
}

#[test]
fn the_qrs_does_not_widen_under_white_noise() {
    for bpm in [55.0, 75.0] {
        // Against the QRS without noise at 500 Hz (at 250 Hz it measures up to 4 ms less).
        let mut t = Tracing::regular(10.0, bpm, 0.16, &TEXTBOOK);
        let clean = qrs_ms(&t, 500.0);
        assert!((98.0..=108.0).contains(&clean), "{bpm}/min: {clean}");
        for fs in [250.0, 500.0] {
            // 25 µV RMS of uniform noise (peak-to-peak a has an RMS of a / sqrt(12)).
            t.noise_mv = 0.025 * 12f64.sqrt();
            let moved: Vec<f64> = (1..=8)
                .map(|seed| {
                    t.seed = seed;
                    qrs_ms(&t, fs) - clean
                })
                .collect();
            let mean = moved.iter().sum::<f64>() / moved.len() as f64;
            assert!(
                mean.abs() <= 3.0 && moved.iter().all(|m| m.abs() <= 8.0),
                "{bpm}/min, {fs} Hz: QRS {clean} ms moved by {moved:?} ms under 25 µV"
            );
        }
    }
}
