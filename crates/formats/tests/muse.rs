//! GE MUSE XML sample files against `reference_values.json` and `SOURCES.md`.

use ecg::{LeadLabel, Recording};

fn data(p: &str) -> String {
    format!("{}/../../tests/data/muse/{p}", env!("CARGO_MANIFEST_DIR"))
}

fn lead<'a>(rec: &'a Recording, name: &str) -> &'a ecg::Lead {
    rec.lead(&LeadLabel::parse(name))
        .unwrap_or_else(|| panic!("lead {name} missing"))
}

fn mv(rec: &Recording, name: &str) -> Vec<f64> {
    let l = lead(rec, name);
    l.read_uv(0, l.n_samples())
        .unwrap()
        .unwrap()
        .into_iter()
        .map(|v| v / 1000.0)
        .collect()
}

fn check(file: &str, first3: &[(&str, [f64; 3])], ranges: &[(&str, f64, f64)]) -> Recording {
    let rec = formats::open(data(file)).unwrap();
    assert_eq!(rec.source.format, "GE MUSE XML");
    let stored: Vec<&str> = rec
        .leads
        .iter()
        .filter(|l| !l.derived)
        .map(|l| l.original_label.as_str())
        .collect();
    assert_eq!(stored, ["I", "II", "V1", "V2", "V3", "V4", "V5", "V6"]);
    for l in &rec.leads {
        assert_eq!(l.n_samples(), 5000);
        assert_eq!(l.sampling_rate_hz, 500.0);
    }
    // III, aVR, aVL, aVF derived.
    for n in ["III", "aVR", "aVL", "aVF"] {
        assert!(lead(&rec, n).derived, "{n}");
    }
    for (name, want) in first3 {
        let got = &mv(&rec, name)[..3];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 6e-5, "{name}: {got:?} vs {want:?}");
        }
    }
    for (name, lo, hi) in ranges {
        let v = mv(&rec, name);
        let min = v.iter().cloned().fold(f64::MAX, f64::min);
        let max = v.iter().cloned().fold(f64::MIN, f64::max);
        assert!(
            (min - lo).abs() < 6e-5 && (max - hi).abs() < 6e-5,
            "{name}: {min} {max}"
        );
    }
    let mb = rec.median_beats.as_ref().expect("median beats");
    assert_eq!(mb.leads.len(), 12);
    assert_eq!(mb.leads[0].n_samples(), 600);
    rec
}

#[test]
fn braveheart_example1_matches_reference_values() {
    let rec = check(
        "braveheart/example1.xml",
        &[("I", [-0.0976; 3]), ("V1", [0.0195; 3])],
        &[("I", -0.2245, 1.2151), ("V4", -0.4538, 1.5616)],
    );
    let m = rec.device_measurements.as_ref().unwrap();
    assert_eq!(m.hr.unwrap().0, 48.0);
    assert_eq!(m.pr.unwrap().0, 138.0);
    assert_eq!(m.qrs.unwrap().0, 96.0);
    assert_eq!(m.qt.unwrap().0, 452.0);
    assert_eq!(m.qtc.bazett.unwrap().0, 403.0);
    assert_eq!(m.qtc.fridericia.unwrap().0, 419.0);
    assert_eq!(
        (
            m.axis.p.unwrap().0,
            m.axis.qrs.unwrap().0,
            m.axis.t.unwrap().0
        ),
        (51.0, 20.0, 40.0)
    );
    // Median fiducials in samples of the 600-sample median: QOnset 216 -> 0.432 s.
    let mb = rec.median_beats.as_ref().unwrap();
    let on: Vec<f64> = mb
        .fiducials
        .iter()
        .map(|a| (a.onset_s * 500.0).round())
        .collect();
    for w in [147.0, 200.0, 216.0, 264.0, 442.0] {
        assert!(on.contains(&w), "{w} in {on:?}");
    }
    assert_eq!(rec.annotations.len(), 8, "QRSCount 8");
}

#[test]
fn braveheart_example2_matches_reference_values() {
    let rec = check(
        "braveheart/example2.xml",
        &[("V2", [0.1464; 3]), ("V6", [0.0195; 3])],
        &[("V3", -2.2204, 3.5819)],
    );
    let m = rec.device_measurements.as_ref().unwrap();
    assert_eq!(
        (m.hr.unwrap().0, m.pr.unwrap().0, m.qt.unwrap().0),
        (65.0, 184.0, 420.0)
    );
    assert_eq!(m.qtc.bazett.unwrap().0, 437.0);
    assert_eq!(m.axis.qrs.unwrap().0, -2.0);
}

#[test]
fn egm_muse_sinus_statements_demographics_and_wfdb_twin() {
    let rec = check(
        "egm_muse_sinus/muse-sinus.xml",
        &[
            ("I", [-0.0098, -0.0049, -0.0049]),
            ("V3", [0.0586, 0.0586, 0.0634]),
        ],
        &[("V4", -1.6738, 0.4246)],
    );
    let texts: Vec<&str> = rec
        .device_statements
        .iter()
        .map(|s| s.text.as_str())
        .collect();
    for want in [
        "Normal Sinus rhythm",
        "Anterior infarct, age undetermined",
        "T wave abnormality, consider lateral ischemia",
        "Abnormal ECG",
    ] {
        assert!(
            texts.iter().any(|t| t.contains(want)),
            "{want} in {texts:?}"
        );
    }
    let m = rec.device_measurements.as_ref().unwrap();
    assert_eq!(
        (m.hr.unwrap().0, m.qrs.unwrap().0, m.qt.unwrap().0),
        (90.0, 86.0, 402.0)
    );
    assert_eq!(m.qtc.fridericia.unwrap().0, 460.0);
    assert_eq!(rec.patient.last_name.as_deref(), Some("DOE"));
    assert_eq!(rec.patient.sex, ecg::Sex::Male);
    assert_eq!(rec.acquisition.device.model.as_deref(), Some("MV360"));
    let t = rec.acquisition.start_time.unwrap();
    assert_eq!(t.to_iso8601(), "2023-04-29T22:41:16");
    assert_eq!(rec.acquisition.filter_band.lowpass_hz, Some(150.0));
    // EGM's WFDB export of the same ECG: first row (I, II, III, AVF, AVL, AVR, V1..V6) =
    // -10 5 15 10 -12 2 29 44 59 34 -29 -44. Its digits are the MUSE values in µV rounded to
    // integers (its header's "200/mV" gain does not match them), so compare that way.
    let want = [
        ("I", -10),
        ("II", 5),
        ("III", 15),
        ("aVF", 10),
        ("aVL", -12),
        ("aVR", 2),
        ("V1", 29),
        ("V2", 44),
        ("V3", 59),
        ("V4", 34),
        ("V5", -29),
        ("V6", -44),
    ];
    for (name, adu) in want {
        let uv = lead(&rec, name).read_uv(0, 1).unwrap().unwrap()[0];
        assert!(
            (uv - f64::from(adu)).abs() <= 0.5 + 1e-3,
            "{name}: {uv} µV vs {adu}"
        );
    }
}
