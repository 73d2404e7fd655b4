//! The QT interval under recording noise where most leads show a flat T wave. The QT is the
//! median beat's global QRS onset to its global T end, and the global T end is placed from
//! every lead's own T end (`delineate::global_boundaries`): a lead whose T is too flat to
//! end cleanly puts its "end" wherever the noise lets the trapezium's steepest point fall,
//! and when two such leads trail the others, the second latest end (the global one) trails
//! with them. LUDB 13 (T of 0.12-0.24 mV in V2-V5 only, 0.05 mV in aVR and V6) reads QT
//! 464 ms as recorded and 488 under 10 µV of noise. The tracings come from the dipole model
//! of `tests/common`.
//!
//! Not held yet (`bench/signal/interpretation.md`, "Statement stability"): here the QT moves
//! by up to 30 ms. The T end taken over the leads with a T of a third of the largest or more
//! holds it (6 ms), and the latest lead's end capped 20 ms past the median lead's nearly
//! (14 ms), but both move the global T end away from the cardiologists' marks on the LUDB
//! dev records, and were not kept. The test is ignored until a rule holds it without that
//! cost.

mod common;

use common::{TEXTBOOK, Tracing};

/// The T wave: 0.2 mV towards anterior, slightly left and superior: 0.13-0.2 mV in V1-V4,
/// 0.08 in V5, 0.06 mV or less in the limb leads and V6, none in aVR.
const LOW_LIMB_T: (f64, [f64; 3]) = (0.2, [0.15, -0.26, 1.0]);

/// How far (ms) the QT may move under 10-25 µV of white noise: the median of ten beats
/// keeps a few µV of it, and a T end placed by clear T waves moves by a few samples.
const MAX_MOVE_MS: f64 = 10.0;

/// The QT (ms) of a regular rhythm at 60/min with the textbook QRS and the [`LOW_LIMB_T`]
/// T wave, under white noise of `rms_uv` µV RMS (uniform, in I, II and V1-V6; III and
/// Goldberger's leads derived, as a recorder does) drawn from `seed`.
fn qt(rms_uv: f64, seed: u64) -> Option<f64> {
    let mut qrs_t = TEXTBOOK.to_vec();
    (qrs_t[3].2, qrs_t[3].3) = LOW_LIMB_T;
    let mut t = Tracing::regular(10.0, 60.0, 0.17, &qrs_t);
    // Uniform noise of peak-to-peak a has an RMS of a / sqrt(12).
    t.noise_mv = rms_uv / 1000.0 * 12f64.sqrt();
    t.seed = seed;
    t.analyze().measurements.qt.map(|d| d.0)
}

#[test]
#[ignore = "known: the global T end follows flat-T leads under noise (interpretation.md, Statement stability)"]
fn the_qt_holds_under_white_noise_where_most_leads_show_a_flat_t_wave() {
    let clean = qt(0.0, 1).expect("a QT as built");
    assert!((370.0..=430.0).contains(&clean), "{clean}");
    for rms in [10.0, 25.0] {
        for seed in 1..=6 {
            let q = qt(rms, seed).unwrap_or_else(|| panic!("{rms} uV, seed {seed}: no QT"));
            assert!(
                (q - clean).abs() <= MAX_MOVE_MS,
                "{rms} uV, seed {seed}: QT {q} ms, {clean} ms without noise"
            );
        }
    }
}
