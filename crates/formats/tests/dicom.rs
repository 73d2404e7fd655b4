//! DICOM waveform sample files against `reference_values.json` (pydicom) and `SOURCES.md`.

use ecg::{AnnotationKind, LeadLabel, Recording, WaveKind, WavePoint};

fn data(p: &str) -> String {
    format!("{}/../../tests/data/dicom/{p}", env!("CARGO_MANIFEST_DIR"))
}

fn row_uv(leads: &[ecg::Lead], k: usize) -> Vec<f64> {
    leads
        .iter()
        .map(|l| l.read_uv(k, 1).unwrap().unwrap()[0])
        .collect()
}

const NAMES: [&str; 12] = [
    "I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6",
];

fn check_layout(rec: &Recording, fs: f64, n: usize, n_median: usize) {
    let names: Vec<&str> = rec.leads.iter().map(|l| l.label.name()).collect();
    assert_eq!(names, NAMES);
    for l in &rec.leads {
        assert_eq!((l.sampling_rate_hz, l.n_samples()), (fs, n));
        assert_eq!(l.unit, ecg::Unit::Microvolt);
    }
    let mb = rec.median_beats.as_ref().expect("MEDIAN BEAT group");
    assert_eq!(mb.leads.len(), 12);
    assert_eq!(mb.leads[0].n_samples(), n_median);
}

#[test]
fn pydicom_mortara_el250_matches_pydicom() {
    let rec = formats::open(data("pydicom_waveform_ecg/waveform_ecg.dcm")).unwrap();
    assert_eq!(
        rec.source.version.as_deref(),
        Some("12-lead ECG Waveform Storage")
    );
    check_layout(&rec, 1000.0, 10_000, 1200);
    assert_eq!(rec.leads[0].original_label, "Lead I (Einthoven)");
    assert_eq!(
        row_uv(&rec.leads, 0),
        [
            100.0, 112.5, 12.5, -106.25, 43.75, 62.5, 50.0, 18.75, -12.5, -25.0, -68.75, -50.0
        ]
    );
    assert_eq!(
        row_uv(&rec.leads, 1000),
        [
            71.25, 41.25, -30.0, -56.25, 50.0, 5.0, 100.0, 31.25, 62.5, 12.5, -37.5, -31.25
        ]
    );
    // Raw rows 0-4 of channels 0 and 1 (pydicom's test values).
    let mut d = [0; 5];
    rec.leads[0].signal.read_digital(0, &mut d).unwrap();
    assert_eq!(d, [80, 65, 50, 35, 37]);
    rec.leads[1].signal.read_digital(0, &mut d).unwrap();
    assert_eq!(d, [90, 85, 80, 75, 77]);
    let mb = rec.median_beats.as_ref().unwrap();
    assert_eq!(
        row_uv(&mb.leads, 0),
        [
            12.5, 100.0, 87.5, -56.25, -37.5, 93.75, -50.0, -12.5, 100.0, 112.5, 75.0, 50.0
        ]
    );
    assert_eq!(
        row_uv(&mb.leads, 1000),
        [
            25.0, 100.0, 75.0, -62.5, -25.0, 87.5, -50.0, 0.0, 100.0, 100.0, 62.5, 37.5
        ]
    );
    let texts: Vec<&str> = rec
        .device_statements
        .iter()
        .map(|s| s.text.as_str())
        .collect();
    assert_eq!(texts, ["RITMO SINUSALE", "ECG NORMALE"]);
    let m = rec.device_measurements.as_ref().unwrap();
    assert_eq!(
        (
            m.rr.unwrap().0,
            m.pr.unwrap().0,
            m.qrs.unwrap().0,
            m.qt.unwrap().0
        ),
        (982.0, 161.0, 75.0, 368.0)
    );
    assert_eq!(
        (
            m.axis.p.unwrap().0,
            m.axis.qrs.unwrap().0,
            m.axis.t.unwrap().0
        ),
        (74.0, 52.0, 57.0)
    );
    assert!(
        rec.source
            .warnings
            .iter()
            .any(|w| w.message.contains("QTc 370"))
    );
    // 6 fiducial kinds × 11 groups; 1-based sample positions at 1 kHz (P onset 325 -> 0.324 s).
    assert_eq!(rec.annotations.len(), 66);
    let qrs_on: Vec<f64> = rec
        .annotations
        .iter()
        .filter(|a| {
            a.kind
                == AnnotationKind::Wave {
                    wave: WaveKind::Qrs,
                    point: WavePoint::Onset,
                }
        })
        .map(|a| (a.onset_s * 1000.0).round() + 1.0)
        .collect();
    assert_eq!(
        qrs_on,
        [
            460.0, 486.0, 1485.0, 2466.0, 3448.0, 4444.0, 5427.0, 6401.0, 7403.0, 8376.0, 9329.0
        ]
    );
    assert_eq!(rec.patient.sex, ecg::Sex::Female);
    assert_eq!(rec.acquisition.device.model.as_deref(), Some("el250"));
}

#[test]
fn ecgtoolkit_implicit_vr_matches_pydicom() {
    let rec = formats::open(data("ecgtoolkit_example/Example.dcm")).unwrap();
    check_layout(&rec, 500.0, 5000, 600);
    assert_eq!(
        row_uv(&rec.leads, 0),
        [
            -5.0, -17.5, -12.5, 10.0, 2.5, -15.0, 107.5, 137.5, 100.0, 70.0, 57.5, -22.5
        ]
    );
    assert_eq!(
        row_uv(&rec.leads, 1000),
        [
            -12.5, -17.5, -5.0, 15.0, -2.5, -10.0, 62.5, 85.0, 120.0, 97.5, 10.0, -35.0
        ]
    );
    assert_eq!(
        row_uv(&rec.median_beats.as_ref().unwrap().leads, 0),
        [
            10.0, 130.0, 120.0, -70.0, -55.0, 125.0, 45.0, 135.0, 62.5, -45.0, 5.0, 50.0
        ]
    );
    assert_eq!(
        rec.leads[0].signal.calibration().unwrap().gain,
        0.4,
        "2.5 µV per count"
    );
    let m = rec.device_measurements.as_ref().unwrap();
    assert_eq!(
        (m.pr.unwrap().0, m.qrs.unwrap().0, m.qt.unwrap().0),
        (148.0, 120.0, 420.0)
    );
    assert_eq!(m.axis.qrs.unwrap().0, -61.0);
    // Median fiducials written as sample positions 143, 194, 217, 277, 427.
    let pos: Vec<f64> = rec
        .annotations
        .iter()
        .map(|a| (a.onset_s * 500.0).round() + 1.0)
        .collect();
    assert_eq!(pos, [143.0, 194.0, 217.0, 277.0, 427.0]);
    assert_eq!(rec.patient.id.as_deref(), Some("SBJ-123"));
    assert!(rec.lead(&LeadLabel::AVF).is_some());
}

/// Fuzzing found files whose corrupt element headers made the DICOM parser reserve 1-2 GB;
/// the header pre-scan refuses them at once, naming the element and offset.
#[test]
fn corrupt_element_headers_are_refused_before_parsing() {
    for name in [
        "dicom-oom-element-length.dcm",
        "dicom-oom-bad-vr.dcm",
        "dicom-oom-implicit-sequence.dcm",
    ] {
        let path = format!(
            "{}/../../tests/data/formats-fuzz/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let err = formats::open(std::path::Path::new(&path))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(name) && (err.contains("declares") || err.contains("no valid VR")),
            "{err}"
        );
    }
}
