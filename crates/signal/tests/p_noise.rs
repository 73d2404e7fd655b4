//! The P wave's measured duration under recording noise. White noise of 10-25 µV RMS leaves
//! a few µV in a ten-beat median beat, and the P duration (global offset minus onset of the
//! median beat) must not follow it: the left atrial abnormality bound (P >= 120 ms) sits on
//! a continuous measure, and every millisecond the noise adds or takes moves records across
//! it. The tracings come from the dipole model of `tests/common`.
//!
//! What is held here: a notched P wave of left atrial pattern (a right atrial component and a
//! left atrial one 40 ms later, leftward and posterior: about 136 ms), whose offset corner
//! lies at the far end of the trapezium's reach in most leads. Before step 43 such leads
//! reported no offset, so the global offset came from the few leads with a corner inside,
//! and which leads those were changed with the noise: 122 ms instead of 136 under 25 µV.
//! Not held yet (the onset side, `bench/signal/interpretation.md` step 43): a single
//! Gaussian P of 100 ms measures up to 114 ms under 25 µV, a broad one of 124 ms up to 158.

mod common;

use common::{TEXTBOOK, Tracing, Wave};

/// The notched P wave: 0.06 mV from the right atrium (inferior, anterior), 0.06 mV from the
/// left atrium 40 ms later (leftward, posterior).
const NOTCHED_P: [Wave; 2] = [
    (-0.015, 0.018, 0.06, [0.3, 0.9, 0.4]),
    (0.025, 0.025, 0.06, [0.7, 0.5, -0.6]),
];

/// How far (ms) the P duration may move under 10-25 µV of white noise: two samples at
/// 500 Hz each side (onset and offset).
const MAX_MOVE_MS: f64 = 8.0;

/// The P duration (ms) of the textbook sinus rhythm at 70/min with the notched P wave, under
/// white noise of `rms_uv` µV RMS (uniform, in I, II and V1-V6; III and Goldberger's leads
/// derived, as a recorder does) drawn from `seed`.
fn p_duration(rms_uv: f64, seed: u64) -> Option<f64> {
    let mut qrs_t = TEXTBOOK.to_vec();
    qrs_t[3].0 *= (60.0 / 70.0 / 0.857f64).sqrt();
    let mut t = Tracing::regular(10.0, 70.0, 0.17, &qrs_t);
    for g in &mut t.gain[6..] {
        *g = 1.6;
    }
    t.p_wave = NOTCHED_P.to_vec();
    // Uniform noise of peak-to-peak a has an RMS of a / sqrt(12).
    t.noise_mv = rms_uv / 1000.0 * 12f64.sqrt();
    t.seed = seed;
    t.analyze().measurements.p_duration.map(|d| d.0)
}

#[test]
fn a_notched_p_wave_keeps_its_duration_and_is_found_under_white_noise() {
    let clean = p_duration(0.0, 1).expect("a P duration as built");
    assert!((125.0..=145.0).contains(&clean), "{clean}");
    for rms in [10.0, 25.0] {
        for seed in 1..=6 {
            let d = p_duration(rms, seed)
                .unwrap_or_else(|| panic!("{rms} uV, seed {seed}: no P wave measured"));
            assert!(
                (d - clean).abs() <= MAX_MOVE_MS,
                "{rms} uV, seed {seed}: P {d} ms, {clean} ms without noise"
            );
        }
    }
}
