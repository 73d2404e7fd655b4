//! Where a recording starts does not change what its beats measure. LUDB record 97, kept in
//! `tests/data/wfdb/ludb_97` (ODC-By 1.0, see the folder's LICENSE): sinus rhythm with left
//! anterior fascicular block and incomplete right bundle branch block. Read whole and with its
//! first 0.4 s dropped (as `examples/ludb_robustness.rs` shifts it), the same eight beats make
//! both median beats, yet the QRS axis read -52° whole and -36° shifted: it was taken on the
//! display copy's median beats, whose 0.05 Hz high-pass settles for seconds from the
//! recording's start and leaves each beat on its own level (step 49 of
//! `bench/signal/interpretation.md`). On the analysis copy's median beats it reads -45° and
//! -44°.

use ecg::Recording;

const RECORD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/wfdb/ludb_97/97.hea"
);

/// Largest difference of a frontal axis between the two readings (degrees).
const AXIS_TOLERANCE_DEG: f64 = 5.0;
/// Largest difference of the PR interval between the two readings (ms): two samples at
/// 500 Hz either side of the median beat's P onset and QRS onset.
const PR_TOLERANCE_MS: f64 = 10.0;

/// `rec` with its first `s` seconds dropped from every lead.
fn shifted(rec: &Recording, s: f64) -> Recording {
    let mut out = rec.clone();
    out.leads = rec
        .leads
        .iter()
        .map(|l| {
            let x = l.signal.to_vec().expect("samples decode");
            let skip = ((s * l.sampling_rate_hz).round() as usize).min(x.len());
            l.with_samples(l.sampling_rate_hz, x[skip..].to_vec())
        })
        .collect();
    out
}

/// Difference of two angles in degrees, in -180..180.
fn angle_difference(a: ecg::Degrees, b: ecg::Degrees) -> f64 {
    (a.0 - b.0 + 180.0).rem_euclid(360.0) - 180.0
}

#[test]
fn ludb_97_reads_the_same_axes_and_pr_from_0_4_s_on() {
    let rec = formats::open(RECORD).expect("LUDB 97 opens");
    let read = |r: &Recording| {
        signal::analyze(r, &signal::AnalysisOptions::default())
            .expect("analysis runs")
            .measurements
    };
    let (whole, late) = (read(&rec), read(&shifted(&rec, 0.4)));
    for (what, a, b) in [
        ("QRS axis", whole.axis.qrs, late.axis.qrs),
        ("P axis", whole.axis.p, late.axis.p),
    ] {
        let (a, b) = (a.expect("axis read whole"), b.expect("axis read shifted"));
        assert!(
            angle_difference(a, b).abs() <= AXIS_TOLERANCE_DEG,
            "{what}: {}° whole, {}° from 0.4 s on",
            a.0,
            b.0
        );
    }
    // Left axis deviation whichever way it is read (the cardiologists' reading).
    for m in [&whole, &late] {
        let qrs = m.axis.qrs.expect("QRS axis").0;
        assert!((-90.0..=-30.0).contains(&qrs), "QRS axis {qrs}°");
    }
    let (a, b) = (
        whole.pr.expect("PR read whole").0,
        late.pr.expect("PR read shifted").0,
    );
    assert!(
        (a - b).abs() <= PR_TOLERANCE_MS,
        "PR {a} ms whole, {b} ms from 0.4 s on"
    );
}
