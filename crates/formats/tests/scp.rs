//! SCP-ECG sample files against `reference_values.json` and `SOURCES.md` (copied into
//! `tests/data/scp/`).

use ecg::{LeadLabel, Recording};
use formats::ErrorKind;

fn data(p: &str) -> String {
    format!("{}/../../tests/data/scp/{p}", env!("CARGO_MANIFEST_DIR"))
}

fn lead<'a>(rec: &'a Recording, name: &str) -> &'a ecg::Lead {
    rec.lead(&LeadLabel::parse(name))
        .unwrap_or_else(|| panic!("lead {name} missing"))
}

fn digital(rec: &Recording, name: &str) -> Vec<i32> {
    let l = lead(rec, name);
    let mut out = vec![0; l.n_samples()];
    assert!(
        l.signal.read_digital(0, &mut out).unwrap(),
        "{name} has digital values"
    );
    out
}

fn stored_names(rec: &Recording) -> Vec<String> {
    rec.leads
        .iter()
        .filter(|l| !l.derived)
        .map(|l| l.original_label.clone())
        .collect()
}

/// First three physical samples in mV, as ecgdatakit rounds them (4 decimals).
fn first3_mv(rec: &Recording, name: &str) -> Vec<f64> {
    lead(rec, name)
        .read_uv(0, 3)
        .unwrap()
        .unwrap()
        .iter()
        .map(|uv| uv / 1000.0)
        .collect()
}

fn assert_close(a: &[f64], b: &[f64], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}");
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= tol, "{what}: {a:?} vs {b:?}");
    }
}

#[test]
fn ecgtoolkit_example_matches_reference_values() {
    let rec = formats::open(data("ecgtoolkit_example/Example.scp")).unwrap();
    assert_eq!(rec.source.format, "SCP-ECG");
    assert_eq!(
        stored_names(&rec),
        [
            "I", "II", "V1", "V2", "V3", "V4", "V5", "V6", "III", "aVR", "aVL", "aVF"
        ]
    );
    assert!(
        rec.leads
            .iter()
            .all(|l| l.n_samples() == 5000 && l.sampling_rate_hz == 500.0)
    );
    let refs: [(&str, [f64; 3]); 4] = [
        ("I", [-0.005, -0.005, -0.005]),
        ("V2", [0.1375, 0.1325, 0.1275]),
        ("V6", [-0.0225, -0.0175, -0.0125]),
        ("aVF", [-0.015, -0.015, -0.015]),
    ];
    for (name, want) in refs {
        assert_close(&first3_mv(&rec, name), &want, 1e-9, name);
    }
    // min/max of V2 and aVL (ecgdatakit).
    let v2: Vec<f64> = lead(&rec, "V2").read_uv(0, 5000).unwrap().unwrap();
    let min = v2.iter().cloned().fold(f64::MAX, f64::min) / 1000.0;
    let max = v2.iter().cloned().fold(f64::MIN, f64::max) / 1000.0;
    assert_close(&[min, max], &[-1.9275, 0.405], 1e-9, "V2 range");
    let m = rec.device_measurements.as_ref().unwrap();
    assert_eq!(m.axis.p.unwrap().0, 44.0);
    assert_eq!(m.axis.qrs.unwrap().0, -61.0);
    assert_eq!(m.axis.t.unwrap().0, 86.0);
    assert_eq!(m.pr.unwrap().0, 148.0);
    assert_eq!(m.qrs.unwrap().0, 120.0);
    assert_eq!(m.qt.unwrap().0, 420.0);
    assert_eq!(rec.patient.id.as_deref(), Some("SBJ-123"));
    assert_eq!(rec.patient.last_name.as_deref(), Some("Clark"));
    let t = rec.acquisition.start_time.unwrap();
    assert_eq!((t.time.hour, t.time.minute), (9, 10));
    let mb = rec.median_beats.as_ref().unwrap();
    assert_eq!(mb.leads.len(), 12);
    assert_eq!(mb.sampling_rate_hz, 500.0);
    // Median fiducials as SOURCES.md lists them (ms): P on 286, QRS on 434, T off 854.
    let on: Vec<f64> = mb
        .fiducials
        .iter()
        .map(|a| (a.onset_s * 1000.0).round())
        .collect();
    for want in [286.0, 388.0, 434.0, 554.0, 854.0] {
        assert!(on.contains(&want), "{want} in {on:?}");
    }
    // QTc stated without a formula: not assigned, with a warning.
    assert!(m.qtc.bazett.is_none());
    assert!(rec.source.warnings.iter().any(|w| w.field.contains("QTc")));
}

#[test]
fn welch_allyn_paediatric_lead_set_first_difference_600_hz() {
    let rec = formats::open(data("welchallyn/ECG_20060620_112352_ANON000002.SCP")).unwrap();
    assert_eq!(
        stored_names(&rec),
        ["I", "II", "V3R", "V1", "V2", "V4", "V6", "V7"]
    );
    assert_eq!(lead(&rec, "I").sampling_rate_hz, 600.0);
    assert_eq!(lead(&rec, "I").n_samples(), 6000);
    assert_close(&first3_mv(&rec, "I"), &[0.0712, 0.0825, 0.0938], 6e-5, "I");
    assert_close(&first3_mv(&rec, "V1"), &[0.3037, 0.3637, 0.42], 6e-5, "V1");
    assert_close(
        &first3_mv(&rec, "V7"),
        &[0.0488, 0.0562, 0.0675],
        6e-5,
        "V7",
    );
    let m = rec.device_measurements.as_ref().unwrap();
    assert_eq!(m.hr.unwrap().0, 82.0);
    assert_eq!(m.rr.unwrap().0, 731.0);
    assert_eq!(m.qtc.bazett.unwrap().0, 401.0);
    assert_eq!(
        (
            m.axis.p.unwrap().0,
            m.axis.qrs.unwrap().0,
            m.axis.t.unwrap().0
        ),
        (64.0, 49.0, 25.0)
    );
    // Swedish statements decoded (non-ASCII).
    assert!(rec.device_statements.iter().any(|s| s.text == "sinusrytm"));
    assert!(
        rec.device_statements
            .iter()
            .any(|s| s.text.contains("försiktighet"))
    );
}

#[test]
fn welch_allyn_adult_matches_reference_values() {
    let rec = formats::open(data("welchallyn/ECG_20170504_163507_ANON000009.SCP")).unwrap();
    assert_eq!(
        stored_names(&rec),
        ["I", "II", "V1", "V2", "V3", "V4", "V5", "V6"]
    );
    assert_close(
        &first3_mv(&rec, "II"),
        &[-0.1087, -0.1275, -0.1462],
        6e-5,
        "II",
    );
    assert_close(
        &first3_mv(&rec, "V4"),
        &[-0.1162, -0.1387, -0.1575],
        6e-5,
        "V4",
    );
    let v4: Vec<f64> = lead(&rec, "V4").read_uv(0, 6000).unwrap().unwrap();
    let max = v4.iter().cloned().fold(f64::MIN, f64::max) / 1000.0;
    assert!((max - 1.4025).abs() < 6e-5, "{max}");
    let m = rec.device_measurements.as_ref().unwrap();
    assert_eq!((m.hr.unwrap().0, m.rr.unwrap().0), (60.0, 1000.0));
    assert_eq!(m.qtc.bazett.unwrap().0, 386.0);
    // III, aVR, aVL, aVF derived from I and II.
    assert!(lead(&rec, "aVF").derived);
}

/// Reads the WFDB format-16 `.dat` written by `parsescp -w` (12 interleaved signals).
fn parsescp_dat() -> Vec<Vec<i32>> {
    let b = std::fs::read(data("burdick_wfdb_test/parsescp_expected/test.dat")).unwrap();
    let mut out = vec![Vec::new(); 12];
    for (i, c) in b.chunks_exact(2).enumerate() {
        out[i % 12].push(i32::from(i16::from_le_bytes([c[0], c[1]])));
    }
    out
}

#[test]
fn burdick_reference_beat_subtraction_matches_parsescp_output() {
    let rec = formats::open(data("burdick_wfdb_test/test.scp")).unwrap();
    assert_eq!(
        stored_names(&rec),
        ["I", "II", "V1", "V2", "V3", "V4", "V5", "V6"]
    );
    let want = parsescp_dat();
    // parsescp order: I, II, III, aVR, aVF, aVL, V1..V6; 5 µV units (200 adu/mV).
    let order = [
        "I", "II", "III", "aVR", "aVF", "aVL", "V1", "V2", "V3", "V4", "V5", "V6",
    ];
    for (k, name) in order.iter().enumerate() {
        let l = lead(&rec, name);
        assert_eq!(l.n_samples(), 5000, "{name}");
        if !l.derived {
            assert_eq!(
                l.signal.calibration().unwrap().gain,
                0.2,
                "{name}: 5 µV per unit"
            );
            assert_eq!(
                digital(&rec, name),
                want[k],
                "{name}: every sample equals parsescp"
            );
        } else {
            // parsescp derives with integer division; ours is exact: within 0.5 unit.
            let uv = l.read_uv(0, 5000).unwrap().unwrap();
            let tol = if *name == "III" { 1e-3 } else { 0.5 + 1e-3 };
            for (j, (x, w)) in uv.iter().zip(&want[k]).enumerate() {
                assert!(
                    (x / 5.0 - f64::from(*w)).abs() <= tol,
                    "{name}[{j}]: {x} µV vs {w}"
                );
            }
        }
    }
    let m = rec.device_measurements.as_ref().unwrap();
    assert_eq!(m.rr.unwrap().0, 869.0);
    assert_eq!(
        (
            m.axis.p.unwrap().0,
            m.axis.qrs.unwrap().0,
            m.axis.t.unwrap().0
        ),
        (-18.0, -41.0, 118.0)
    );
    let texts: Vec<&str> = rec
        .device_statements
        .iter()
        .map(|s| s.text.as_str())
        .collect();
    assert_eq!(
        texts,
        [
            "Ectopic atrial rhythm",
            "- ventricular couplets",
            "Long QTc interval",
            "Left axis deviation",
            "Extensive infarction - age undetermined",
            "Abnormal ECG"
        ]
    );
    assert_eq!(rec.patient.age_years, Some(49.0));
    assert_eq!(rec.patient.sex, ecg::Sex::Male);
    // Median fiducials in ms (test.des): P on 40, P end 188, QRS on 210, QRS end 314, T end 656.
    let on: Vec<f64> = rec
        .median_beats
        .as_ref()
        .unwrap()
        .fiducials
        .iter()
        .map(|a| (a.onset_s * 1000.0).round())
        .collect();
    for want in [40.0, 188.0, 210.0, 314.0, 656.0] {
        assert!(on.contains(&want), "{want} in {on:?}");
    }
}

#[test]
fn contec_saturated_byte_counts_are_cut_with_warnings() {
    let rec = formats::open(data("contec_0000050/0000050.ECG.scp")).unwrap();
    assert_eq!(rec.leads.len(), 12);
    assert_eq!(lead(&rec, "I").sampling_rate_hz, 800.0);
    // The converter capped the 16-bit byte count at 32767 samples (65534 bytes) per lead.
    assert_eq!(lead(&rec, "I").n_samples(), 32767);
    assert!(
        rec.source
            .warnings
            .iter()
            .any(|w| w.field == "section 6 lead 1")
    );
    // First digital row of the EDF/CSV twins: -20 -25 -5 23 -7 -15 0 ...
    let first: Vec<i32> = ["I", "II", "III", "aVR", "aVL", "aVF", "V1"]
        .iter()
        .map(|n| digital(&rec, n)[0])
        .collect();
    assert_eq!(first, [-20, -25, -5, 23, -7, -15, 0]);
    assert_eq!(&digital(&rec, "I")[..5], &[-20, -30, -33, -28, -10]);
    // Strict mode turns the warnings into an error.
    let e = formats::OpenOptions::new()
        .strict(true)
        .open(data("contec_0000050/0000050.ECG.scp"))
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Format);
}

#[test]
fn healforce_non_compliant_file_fails_clearly() {
    let e = formats::open(data("healforce_nonstandard/62.SCP")).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Format);
    assert_eq!(e.field.as_deref(), Some("file length"));
    assert_eq!(e.offset, Some(2));
    let msg = e.to_string();
    assert!(
        msg.contains("62.SCP") && msg.contains("1928331264"),
        "{msg}"
    );
}

/// Section 10 (per-lead measurements): values as stored in the Burdick and Welch Allyn files
/// (lead I, II, III blocks; 29999 = not computed becomes `None`).
#[test]
fn section10_lead_measurements_are_decoded() {
    let b = std::fs::read(data("burdick_wfdb_test/test.scp")).unwrap();
    let m = formats::scp_lead_measurements(&b).unwrap();
    assert_eq!(m.len(), 12);
    assert_eq!(
        m.iter().take(3).map(|l| l.lead_id).collect::<Vec<_>>(),
        [1, 2, 61]
    );
    assert_eq!(m[0].raw.len(), 69);
    assert_eq!(m[0].p_duration_ms, Some(134));
    assert_eq!(m[0].pr_interval_ms, None);
    assert_eq!(m[0].qrs_duration_ms, Some(90));
    assert_eq!(m[0].qt_interval_ms, Some(446));
    assert_eq!(m[0].q_amplitude_uv, Some(-111));
    assert_eq!(m[0].r_amplitude_uv, Some(1130));
    assert_eq!(m[2].q_amplitude_uv, Some(-1517));

    let w = std::fs::read(data("welchallyn/ECG_20060620_112352_ANON000002.SCP")).unwrap();
    let m = formats::scp_lead_measurements(&w).unwrap();
    assert_eq!(m.len(), 12);
    assert_eq!(m[1].lead_id, 2);
    assert_eq!(m[1].raw.len(), 29);
    assert_eq!(
        (
            m[1].p_duration_ms,
            m[1].pr_interval_ms,
            m[1].qrs_duration_ms
        ),
        (Some(102), Some(177), Some(100))
    );
    assert_eq!(m[1].qt_interval_ms, Some(343));
    assert_eq!(
        (m[1].r_amplitude_uv, m[1].s_amplitude_uv),
        (Some(808), Some(346))
    );

    // No section 10: empty; truncated file: an error naming the field, never a panic.
    let e = std::fs::read(data("ecgtoolkit_example/Example.scp")).unwrap();
    assert!(formats::scp_lead_measurements(&e).unwrap().is_empty());
    for cut in (0..b.len()).step_by(97) {
        let _ = formats::scp_lead_measurements(&b[..cut]);
    }
}
