//! HL7 aECG sample files against `reference_values.json` and `SOURCES.md`.

use ecg::{AnnotationKind, LeadLabel, Recording, WaveKind};

fn data(p: &str) -> String {
    format!("{}/../../tests/data/aecg/{p}", env!("CARGO_MANIFEST_DIR"))
}

fn lead<'a>(rec: &'a Recording, name: &str) -> &'a ecg::Lead {
    rec.lead(&LeadLabel::parse(name))
        .unwrap_or_else(|| panic!("lead {name} missing"))
}

fn first3_mv(rec: &Recording, name: &str) -> Vec<f64> {
    lead(rec, name)
        .read_uv(0, 3)
        .unwrap()
        .unwrap()
        .iter()
        .map(|v| v / 1000.0)
        .collect()
}

fn range_mv(rec: &Recording, name: &str) -> (f64, f64) {
    let l = lead(rec, name);
    let v = l.read_uv(0, l.n_samples()).unwrap().unwrap();
    (
        v.iter().cloned().fold(f64::MAX, f64::min) / 1000.0,
        v.iter().cloned().fold(f64::MIN, f64::max) / 1000.0,
    )
}

fn close(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-6)
}

#[test]
fn hl7_example_matches_reference_values() {
    let rec = formats::open(data("hl7_example_mortara/Example.xml")).unwrap();
    assert_eq!(rec.source.format, "HL7 aECG");
    let names: Vec<String> = rec
        .leads
        .iter()
        .map(|l| l.label.name().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "I", "II", "V1", "V2", "V3", "V4", "V5", "V6", "III", "aVR", "aVL", "aVF"
        ]
    );
    for l in &rec.leads {
        assert_eq!(l.n_samples(), 5000);
        assert_eq!(l.sampling_rate_hz, 500.0);
        assert!(!l.derived);
    }
    assert!(close(&first3_mv(&rec, "V2"), &[0.1375, 0.1325, 0.1275]));
    assert!(close(&first3_mv(&rec, "V6"), &[-0.0225, -0.0175, -0.0125]));
    let (lo, hi) = range_mv(&rec, "aVL");
    assert!(close(&[lo, hi], &[-0.315, 0.6325]));
    let m = rec.device_measurements.as_ref().unwrap();
    assert_eq!(
        (m.pr.unwrap().0, m.qrs.unwrap().0, m.qt.unwrap().0),
        (148.0, 120.0, 420.0)
    );
    assert_eq!(
        (
            m.axis.p.unwrap().0,
            m.axis.qrs.unwrap().0,
            m.axis.t.unwrap().0
        ),
        (44.0, -61.0, 86.0)
    );
    // Median beat (599 samples) with relative-time fiducials 286/388, 434/554, T off 854 ms.
    let mb = rec.median_beats.as_ref().unwrap();
    assert_eq!(mb.leads.len(), 12);
    assert_eq!(mb.leads[0].n_samples(), 599);
    let qrs = mb
        .fiducials
        .iter()
        .find(|a| {
            a.kind
                == AnnotationKind::WaveSpan {
                    wave: WaveKind::Qrs,
                }
        })
        .unwrap();
    assert!((qrs.onset_s - 0.434).abs() < 1e-9 && (qrs.duration_s - 0.120).abs() < 1e-9);
    // Rhythm-strip wave annotations from the absolute-time ROIs: first P wave 122-224 ms.
    let p = rec
        .annotations
        .iter()
        .find(|a| a.kind == AnnotationKind::WaveSpan { wave: WaveKind::P })
        .unwrap();
    assert!((p.onset_s - 0.122).abs() < 1e-6 && (p.duration_s - 0.102).abs() < 1e-6);
    assert!(rec.annotations.iter().any(
        |a| matches!(&a.kind, AnnotationKind::Rhythm { code } if code == "MDC_ECG_RHY_SINUS_RHY")
    ));
    // The rhythm's words, where the file gives them beside the code (its displayName).
    assert!(
        rec.annotations
            .iter()
            .any(|a| matches!(&a.kind, AnnotationKind::Rhythm { .. }) && a.text == "Sinus Rhythm")
    );
    assert_eq!(rec.patient.id.as_deref(), Some("SBJ-123"));
    assert_eq!(rec.patient.last_name.as_deref(), Some("Clark"));
    assert_eq!(rec.patient.sex, ecg::Sex::Male);
    assert_eq!(rec.patient.age_years, Some(46.0));
    assert_eq!(rec.acquisition.device.model.as_deref(), Some("ELI250"));
    assert_eq!(rec.acquisition.filter_band.lowpass_hz, Some(150.0));
    assert_eq!(rec.acquisition.filter_band.notch_hz, Some(60.0));
    assert_eq!(
        rec.acquisition.start_time.unwrap().to_iso8601(),
        "2002-11-22T09:10:00"
    );
}

#[test]
fn philips_converted_matches_reference_values() {
    let rec = formats::open(data("philips_converted/ad4d3d80-d165_1-04_converted.xml")).unwrap();
    let names: Vec<String> = rec
        .leads
        .iter()
        .map(|l| l.label.name().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"
        ]
    );
    assert!(rec.leads.iter().all(|l| l.n_samples() == 5500));
    assert!(close(&first3_mv(&rec, "I"), &[0.05, 0.045, 0.045]));
    assert!(close(&first3_mv(&rec, "V3"), &[-17.225, -17.215, -17.215]));
    let (lo, hi) = range_mv(&rec, "V2");
    assert!(close(&[lo, hi], &[-0.42, 2.12]));
    let mb = rec.median_beats.as_ref().unwrap();
    assert_eq!(mb.leads[0].n_samples(), 1200);
    // 76 wave-boundary ROIs on the representative beat (per lead).
    assert!(mb.fiducials.len() >= 70, "{}", mb.fiducials.len());
    assert!(mb.fiducials.iter().any(|a| a.lead == Some(LeadLabel::I)));
    let m = rec.device_measurements.as_ref().unwrap();
    assert_eq!((m.hr.unwrap().0, m.rr.unwrap().0), (41.0, 1463.0));
    assert_eq!(
        (m.pr.unwrap().0, m.qrs.unwrap().0, m.qt.unwrap().0),
        (144.0, 102.0, 564.0)
    );
    assert_eq!(m.qtc.bazett.unwrap().0, 466.0);
}
