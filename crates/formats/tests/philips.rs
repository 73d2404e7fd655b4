//! Philips XML sample files against the sierraecg values in `reference_values.json`.

use ecg::{LeadLabel, Recording};

fn data(p: &str) -> String {
    format!(
        "{}/../../tests/data/philips/{p}",
        env!("CARGO_MANIFEST_DIR")
    )
}

const ORDER: [&str; 12] = [
    "I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6",
];

fn digital(rec: &Recording, name: &str) -> Vec<i32> {
    let l = rec.lead(&LeadLabel::parse(name)).unwrap();
    let mut out = vec![0; l.n_samples()];
    assert!(l.signal.read_digital(0, &mut out).unwrap());
    out
}

fn check(file: &str, version: &str, s2750: [i32; 12], first5: [i32; 5]) -> Recording {
    let rec = formats::open(data(file)).unwrap();
    assert_eq!(rec.source.format, "Philips XML");
    assert!(
        rec.source.version.as_deref().unwrap().contains(version),
        "{:?}",
        rec.source.version
    );
    let names: Vec<&str> = rec
        .leads
        .iter()
        .map(|l| l.original_label.as_str())
        .collect();
    assert_eq!(names, ORDER);
    for l in &rec.leads {
        assert_eq!(l.n_samples(), 5500);
        assert_eq!(l.sampling_rate_hz, 500.0);
        assert_eq!(l.signal.calibration().unwrap().gain, 0.2, "5 µV per count");
    }
    let row: Vec<i32> = ORDER.iter().map(|n| digital(&rec, n)[2750]).collect();
    assert_eq!(row, s2750, "sample 2750");
    assert_eq!(&digital(&rec, "I")[..5], &first5);
    assert_eq!(
        digital(&rec, "I").iter().max(),
        Some(&200),
        "1 mV calibration pulse"
    );
    assert!(rec.source.warnings.is_empty(), "{:?}", rec.source.warnings);
    rec
}

#[test]
fn v1_03_ascii() {
    let rec = check(
        "v1_03/129DYPRG.XML",
        "1.03",
        [-9, -17, -7, 13, -1, -12, 0, -1, -3, -4, -7, -6],
        [48, 44, 40, 34, 31],
    );
    let m = rec.device_measurements.as_ref().unwrap();
    assert_eq!(
        (m.hr.unwrap().0, m.pr.unwrap().0, m.qrs.unwrap().0),
        (41.0, 151.0, 135.0)
    );
    assert_eq!(m.qtc.bazett.unwrap().0, 393.0, "meanqtc agrees with Bazett");
    assert_eq!(m.axis.qrs.unwrap().0, -21.0);
    let texts: Vec<&str> = rec
        .device_statements
        .iter()
        .map(|s| s.text.as_str())
        .collect();
    assert!(texts.contains(&"Sinus bradycardia, rate< 50"), "{texts:?}");
    assert!(texts.contains(&">>> Acute MI <<<"), "{texts:?}");
    assert!(texts.contains(&"- ABNORMAL ECG -"), "{texts:?}");
}

#[test]
fn v1_03_repbeats() {
    let rec = check(
        "v1_03/repbeats_example.xml",
        "1.03",
        [-9, -17, -7, 13, -1, -12, 0, -1, -3, -4, -7, -6],
        [48, 44, 40, 34, 31],
    );
    let mb = rec.median_beats.as_ref().expect("repbeats");
    assert_eq!(mb.sampling_rate_hz, 1000.0);
    assert_eq!(mb.leads.len(), 12);
    assert_eq!(mb.leads[0].n_samples(), 1200);
    assert_eq!(mb.leads[0].signal.calibration().unwrap().gain, 1.0);
    let mut d = [0; 4];
    mb.leads[0].signal.read_digital(0, &mut d).unwrap();
    assert_eq!(d, [-2, -2, -1, 0]);
}

#[test]
fn v1_04_utf16le_with_measurements_and_statements() {
    let rec = check(
        "v1_04/ad4d3d80-d165_1-04_orig.xml",
        "1.04, UTF-16LE",
        [32, 46, 14, -39, 9, 30, -74, 320, -1633, 197, 26, 55],
        [10, 10, 9, 9, 9],
    );
    let m = rec.device_measurements.as_ref().unwrap();
    assert_eq!((m.hr.unwrap().0, m.rr.unwrap().0), (41.0, 1463.0));
    assert_eq!(
        (m.pr.unwrap().0, m.qrs.unwrap().0, m.qt.unwrap().0),
        (144.0, 102.0, 564.0)
    );
    assert_eq!(m.qtc.bazett.unwrap().0, 466.0);
    assert_eq!(m.qtc.fridericia.unwrap().0, 497.0);
    assert_eq!(m.axis.qrs.unwrap().0, 85.0);
    let s = &rec.device_statements;
    assert_eq!(s[0].text, "SINUS BRADYCARDIA, V-rate<60");
    assert_eq!(s[0].state, ecg::StatementState::Confirmed);
    assert_eq!(s[1].state, ecg::StatementState::Edited);
    assert_eq!(
        rec.acquisition.device.model.as_deref(),
        Some("PageWriter Touch")
    );
    assert_eq!(
        rec.acquisition.start_time.unwrap().to_iso8601(),
        "2008-12-23T19:44:46"
    );
    assert_eq!(rec.patient.sex, ecg::Sex::Female);
    let mb = rec.median_beats.as_ref().expect("repbeats");
    assert_eq!(mb.leads[0].n_samples(), 1200);
}

#[test]
fn v1_04_utf16be_equals_utf16le() {
    let le = formats::open(data("v1_04/ad4d3d80-d165_1-04_orig.xml")).unwrap();
    let be = check(
        "v1_04/tbj128_ecg-example_utf16be.xml",
        "1.04, UTF-16BE",
        [32, 46, 14, -39, 9, 30, -74, 320, -1633, 197, 26, 55],
        [10, 10, 9, 9, 9],
    );
    for n in ORDER {
        assert_eq!(
            digital(&le, n),
            digital(&be, n),
            "lead {n}: LE and BE twins agree"
        );
    }
}

#[test]
fn v1_04_01() {
    check(
        "v1_04_01/2020-5-18_15-48-11.xml",
        "1.04.01",
        [-12, 78, 90, -33, -51, 84, 14, 3, -24, -20, -13, -21],
        [-2, -1, 0, -1, -1],
    );
}
