//! WFDB and EDF/BDF/CSV readers against `reference_values.json` (what wfdb-python 4.3.1 and
//! pyedflib 0.1.42 report for the sample files; copied to `tests/data/wfdb/`), plus the
//! SOURCES.md notes: sample-exact digital values, rates, lengths, names and annotation counts.

use std::path::PathBuf;

use ecg::{AnnotationKind, LeadLabel, WaveKind, WavePoint};
use formats::{ErrorKind, OpenOptions};
use serde_json::Value;

fn data(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/")).join(rel)
}

fn reference() -> serde_json::Map<String, Value> {
    let text = std::fs::read_to_string(data("wfdb/reference_values.json")).expect("reference json");
    match serde_json::from_str(&text).expect("valid json") {
        Value::Object(m) => m,
        _ => panic!("reference json is an object"),
    }
}

fn ints(v: &Value) -> Vec<i64> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

fn digital_at(rec: &ecg::Recording, lead: usize, i: usize) -> i32 {
    let mut d = [0i32; 1];
    assert!(
        rec.leads[lead].signal.read_digital(i, &mut d).unwrap(),
        "digital values kept"
    );
    d[0]
}

#[test]
fn every_single_segment_wfdb_sample_matches_wfdb_python() {
    let refs = reference();
    let mut checked = 0;
    for (key, r) in &refs {
        let Some(rel) = key.strip_prefix("wfdb/") else {
            continue;
        };
        let path = data(&format!("wfdb/{rel}"));
        if !path.exists() || r.get("segments").is_some() || r.get("first_row_digital").is_none() {
            continue;
        }
        let rec = formats::open(&path).unwrap_or_else(|e| panic!("{key}: {e}"));
        let spf = ints(&r["samps_per_frame"]);
        let names: Vec<&str> = r["sig_name"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(rec.leads.len(), names.len(), "{key}: lead count");
        let sig_len = r["sig_len"].as_u64().unwrap() as usize;
        let fs = r["fs"].as_f64().unwrap();
        let first = ints(&r["first_row_digital"]);
        let last = ints(&r["last_row_digital"]);
        for (k, lead) in rec.leads.iter().enumerate() {
            assert_eq!(lead.original_label, names[k], "{key}: name {k}");
            let spf_k = spf.get(k).copied().unwrap_or(1) as usize;
            assert_eq!(
                lead.n_samples(),
                sig_len * spf_k,
                "{key}: length of {}",
                names[k]
            );
            assert!(
                (lead.sampling_rate_hz - fs * spf_k as f64).abs() < 1e-9,
                "{key}: rate"
            );
            if spf_k == 1 {
                // wfdb-python averages the samples of a frame; compare only 1-sample frames.
                assert_eq!(
                    i64::from(digital_at(&rec, k, 0)),
                    first[k],
                    "{key}: first sample of {}",
                    names[k]
                );
                assert_eq!(
                    i64::from(digital_at(&rec, k, sig_len - 1)),
                    last[k],
                    "{key}: last sample of {}",
                    names[k]
                );
            }
        }
        // Checksums verify for all these files: a warning would mean a decoding error.
        assert!(
            rec.source
                .warnings
                .iter()
                .all(|w| !w.field.contains("checksum")),
            "{key}: {:?}",
            rec.source.warnings
        );
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} records checked");
}

#[test]
fn ludb_per_lead_delineation_files_become_wave_points_on_their_lead() {
    let refs = reference();
    for rec_no in [1, 2, 8, 10, 13, 35, 38, 57] {
        let key = format!("wfdb/ludb/{rec_no}.hea");
        let rec = formats::open(data(&key)).unwrap();
        let anns = &refs[&key]["annotations"];
        for (ext, a) in anns.as_object().unwrap() {
            let label = LeadLabel::parse(ext);
            let mine: Vec<_> = rec
                .annotations
                .iter()
                .filter(|x| x.lead.as_ref() == Some(&label))
                .collect();
            assert_eq!(mine.len() as u64, a["n"].as_u64().unwrap(), "{key} .{ext}");
            let firsts = a["first_10"].as_array().unwrap();
            for (m, f) in mine.iter().zip(firsts) {
                let sample = f[0].as_f64().unwrap();
                assert!((m.onset_s * 500.0 - sample).abs() < 1e-6, "{key} .{ext}");
            }
        }
    }
    // SOURCES.md: record 1 lead ii starts with a QRS triplet at 644/662/682.
    let rec = formats::open(data("wfdb/ludb/1.hea")).unwrap();
    let ii: Vec<_> = rec
        .annotations
        .iter()
        .filter(|a| a.lead == Some(LeadLabel::II))
        .take(3)
        .collect();
    assert_eq!(
        ii[0].kind,
        AnnotationKind::Wave {
            wave: WaveKind::Qrs,
            point: WavePoint::Onset
        }
    );
    assert_eq!(
        ii[1].kind,
        AnnotationKind::Wave {
            wave: WaveKind::Qrs,
            point: WavePoint::Peak
        }
    );
    assert_eq!(
        ii[2].kind,
        AnnotationKind::Wave {
            wave: WaveKind::Qrs,
            point: WavePoint::Offset
        }
    );
    assert_eq!(rec.patient.age_years, Some(51.0));
}

#[test]
fn mitdb_100_beats_rhythm_and_physical_values() {
    let rec = formats::open(data("wfdb/mitdb_100/100.hea")).unwrap();
    let count = |code: &str| {
        rec.annotations
            .iter()
            .filter(|a| matches!(&a.kind, AnnotationKind::Beat { code: c } if c == code))
            .count()
    };
    assert_eq!(rec.annotations.len(), 2274);
    assert_eq!((count("N"), count("A"), count("V")), (2239, 33, 1));
    assert_eq!(
        rec.annotations[0].kind,
        AnnotationKind::Rhythm { code: "(N".into() }
    );
    assert!((rec.annotations[1].onset_s * 360.0 - 77.0).abs() < 1e-6);
    let v = rec.leads[0].signal.read_range(0, 1).unwrap();
    assert!((v[0] - -0.145).abs() < 1e-6);
    // Picking the .dat opens the same record through the header beside it.
    let by_dat = formats::open(data("wfdb/mitdb_100/100.dat")).unwrap();
    assert_eq!(by_dat.leads.len(), 2);
    assert_eq!(by_dat.leads[1].n_samples(), 650_000);
}

#[test]
fn ptb_second_signal_file_and_cinc_mat_files_open() {
    let rec = formats::open(data("wfdb/ptb_s0010_re/s0010_re.hea")).unwrap();
    assert_eq!(rec.leads.len(), 15);
    let row: Vec<i32> = (0..15).map(|k| digital_at(&rec, k, 0)).collect();
    assert_eq!(
        row,
        vec![
            -489, -458, 31, 474, -260, -214, -88, -241, -112, 212, 393, 390, -3, 120, -18
        ]
    );
    assert_eq!(rec.leads[12].label, LeadLabel::X);
    let cinc = formats::open(data("wfdb/cinc2021/HR06000.hea")).unwrap();
    assert_eq!(cinc.leads[0].unit, ecg::Unit::Millivolt, "`mv` units");
    assert_eq!(cinc.patient.sex, ecg::Sex::Female);
}

#[test]
fn multisegment_fixed_and_variable_layouts_with_gaps() {
    let fixed = formats::open(data("wfdb/multisegment/041s/041s.hea")).unwrap();
    assert_eq!(fixed.leads.len(), 7);
    assert_eq!(fixed.leads[0].n_samples(), 2000 * 4, "III is 212x4");
    assert_eq!(fixed.leads[3].n_samples(), 2000);
    assert!(
        fixed.segments.is_empty(),
        "no gaps: one continuous recording"
    );
    let seg1 = formats::open(data("wfdb/multisegment/041s/041s02.hea")).unwrap();
    let mut a = [0i32; 1];
    let mut b = [0i32; 1];
    fixed.leads[3].signal.read_digital(1000, &mut a).unwrap();
    seg1.leads[3].signal.read_digital(0, &mut b).unwrap();
    assert_eq!(a, b, "second segment follows the first");

    let var = formats::open(data("wfdb/multisegment/s25047/s25047-2704-05-04-10-44.hea")).unwrap();
    assert_eq!(var.leads.len(), 3);
    assert!(var.leads.iter().all(|l| l.n_samples() == 543_240));
    let head = var.leads[0].signal.read_range(0, 10).unwrap();
    assert!(
        head.iter().all(|v| v.is_nan()),
        "leading ~ gap reads as NaN"
    );
    assert_eq!(var.segments.len(), 18);
    assert_eq!(var.segments[0].first_sample, 25_740);
    let seg = formats::open(data("wfdb/multisegment/s25047/3234460_0001.hea")).unwrap();
    let x = var.leads[0].signal.read_range(25_740, 3).unwrap();
    let y = seg.leads[0].signal.read_range(0, 3).unwrap();
    assert_eq!(x, y);
}

#[test]
fn wfdb_checksum_mismatch_is_a_warning_and_strict_mode_refuses() {
    let hea = b"r 1 500 2\nr.dat 16 200/mV 16 0 1 999 0 I\n".to_vec();
    let dat: Vec<u8> = [1i16, 2].iter().flat_map(|v| v.to_le_bytes()).collect();
    let input =
        formats::Input::from_bytes(hea.clone(), Some("r.hea")).with_companion("r.dat", dat.clone());
    let f = formats::probe(&input).expect("WFDB recognised");
    let rec = f.read(&input, &OpenOptions::new()).unwrap();
    assert_eq!(rec.source.warnings.len(), 1);
    assert!(rec.source.warnings[0].message.contains("999"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.hea"), &hea).unwrap();
    std::fs::write(dir.path().join("r.dat"), &dat).unwrap();
    let e = OpenOptions::new()
        .strict(true)
        .open(dir.path().join("r.hea"))
        .unwrap_err();
    assert!(e.to_string().contains("checksum"), "{e}");
    // A header whose signal file is missing names that file.
    std::fs::remove_file(dir.path().join("r.dat")).unwrap();
    let e = formats::open(dir.path().join("r.hea")).unwrap_err();
    assert!(e.to_string().contains("r.dat"), "{e}");
    assert_eq!(e.kind, ErrorKind::Io);
}

#[test]
fn edf_and_bdf_samples_match_pyedflib() {
    let refs = reference();
    let mut checked = 0;
    for (key, r) in &refs {
        if !key.starts_with("edf/") || r.get("error").is_some() {
            continue;
        }
        let path = data(key);
        if !path.exists() {
            continue;
        }
        let rec = formats::open(&path).unwrap_or_else(|e| panic!("{key}: {e}"));
        let labels: Vec<&str> = r["labels"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(rec.leads.len(), labels.len(), "{key}");
        for (k, lead) in rec.leads.iter().enumerate() {
            assert_eq!(lead.original_label, labels[k]);
            assert!(
                (lead.sampling_rate_hz - r["fs"][k].as_f64().unwrap()).abs() < 1e-9,
                "{key} fs"
            );
            assert_eq!(
                lead.n_samples() as u64,
                r["n_samples"][k].as_u64().unwrap(),
                "{key} n"
            );
            let want = ints(&r["first5_digital"][k]);
            let mut got = vec![0i32; want.len()];
            assert!(lead.signal.read_digital(0, &mut got).unwrap());
            assert_eq!(
                got.iter().map(|&v| i64::from(v)).collect::<Vec<_>>(),
                want,
                "{key} {}",
                labels[k]
            );
        }
        assert_eq!(
            rec.annotations.len() as u64,
            r["n_annotations"].as_u64().unwrap(),
            "{key} annotations"
        );
        for (a, f) in rec
            .annotations
            .iter()
            .zip(r["first_annotations"].as_array().unwrap())
        {
            assert!(
                (a.onset_s - f[0].as_f64().unwrap()).abs() < 1e-6,
                "{key} onset"
            );
            assert_eq!(a.text, f[1].as_str().unwrap());
        }
        checked += 1;
    }
    assert_eq!(checked, 6);
}

#[test]
fn edf_start_time_subsecond_inverted_range_and_annotation_only_file() {
    let rec = formats::open(data("edf/pyedflib_generator/test_subsecond.edf")).unwrap();
    // The first TAL says +0.3945312 s. pyedflib 0.1.42 prints .039453 because it divides
    // EDFlib's 100-ns units by 100 instead of 10; the file's own value is what we keep.
    let t = rec.acquisition.start_time.unwrap();
    assert_eq!(t.date, ecg::Date::new(2020, 1, 24));
    assert!((t.time.second - 56.3945312).abs() < 1e-9);
    // physical min +8711 > max -8711: inverted polarity.
    let cal = rec.leads[0].signal.calibration().unwrap();
    assert!(cal.gain < 0.0);
    let d = digital_at(&rec, 0, 0);
    let p = rec.leads[0].signal.read_range(0, 1).unwrap()[0];
    assert!((f64::from(p) - (f64::from(d) - -0.5) * -8711.0 / 32767.5).abs() < 1e-3);
    let ann = formats::open(data("edf/wfdb_annotations_only/test_edfann.edf")).unwrap();
    assert!(ann.leads.is_empty());
    assert_eq!(ann.annotations.len(), 856);
    assert_eq!(
        ann.acquisition.start_time.unwrap().to_iso8601(),
        "2001-01-01T23:59:30"
    );
    let contec = formats::open(data("edf/contec_0000050/0000050.ECG.edf")).unwrap();
    assert_eq!(contec.leads[0].sampling_rate_hz, 800.0);
    assert_eq!(contec.leads[0].label, LeadLabel::I);
}

#[test]
fn csv_twin_of_contec_edf_has_identical_digital_values() {
    let o = OpenOptions::new()
        .sampling_rate_hz(Some(800.0))
        .unit(Some("uV".into()));
    let csv = o.open(data("csv/contec_0000050/0000050.ECG.csv")).unwrap();
    let edf = formats::open(data("edf/contec_0000050/0000050.ECG.edf")).unwrap();
    assert_eq!(csv.leads.len(), 12);
    for k in 0..6 {
        let n = edf.leads[k].n_samples();
        assert_eq!(csv.leads[k].n_samples(), n);
        let mut a = vec![0; n];
        let mut b = vec![0; n];
        csv.leads[k].signal.read_digital(0, &mut a).unwrap();
        edf.leads[k].signal.read_digital(0, &mut b).unwrap();
        assert_eq!(a, b, "lead {k}");
    }
    let e = formats::open(data("csv/neurokit/ecg_1000hz.csv")).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Parameter);
    let nk = OpenOptions::new()
        .sampling_rate_hz(Some(1000.0))
        .unit(Some("mV".into()))
        .open(data("csv/neurokit/ecg_1000hz.csv"))
        .unwrap();
    assert_eq!(nk.leads[0].n_samples(), 50_000);
    assert!((nk.leads[0].signal.read_range(0, 1).unwrap()[0] - 0.353_611_76).abs() < 1e-6);
}

#[test]
fn edf_non_ascii_physical_dimension_opens_with_a_warning() {
    // test_generator_2.edf (not vendored, 2.6 MB) writes the unit "°" as Latin-1 0xB0.
    let rec = ecg::Recording::new(vec![ecg::Lead::new(
        "sine",
        10.0,
        ecg::Unit::Other("deg".into()),
        ecg::Signal::from_physical(vec![0.0f32; 10]),
    )]);
    let mut bytes = formats::write_edf(&rec).unwrap();
    // physical dimension of signal 0 starts at 256 + 96 * ns (ns = 2 with the annotation signal).
    let at = 256 + 96 * 2;
    bytes[at..at + 3].copy_from_slice(&[0xb0, b' ', b' ']);
    let rec = formats::read(&bytes, Some("x.edf")).unwrap();
    assert_eq!(rec.leads[0].unit, ecg::Unit::Other("°".into()));
    assert!(
        rec.source
            .warnings
            .iter()
            .any(|w| w.field.contains("physical dimension"))
    );
}
