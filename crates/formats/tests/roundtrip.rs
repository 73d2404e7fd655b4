//! Writers: write -> read gives the same digital samples (WFDB 16/212, EDF+) or the same
//! physical values (CSV), for random recordings (proptest) and for the vendored samples.

use std::path::PathBuf;

use ecg::{Annotation, AnnotationKind, Calibration, Lead, Recording, Signal, Unit};
use formats::{Input, OpenOptions, WfdbStorage};
use proptest::prelude::*;

fn data(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/")).join(rel)
}

fn digital(l: &Lead) -> Vec<i32> {
    let mut d = vec![0; l.n_samples()];
    assert!(l.signal.read_digital(0, &mut d).unwrap());
    d
}

fn wfdb_back(rec: &Recording, storage: WfdbStorage) -> Recording {
    let files = formats::write_wfdb(rec, "rt", storage).unwrap();
    let mut input =
        Input::from_bytes(files.header, Some("rt.hea")).with_companion("rt.dat", files.signal);
    for (ext, b) in files.annotations {
        input = input.with_companion(&format!("rt.{ext}"), b);
    }
    let f = formats::probe(&input).unwrap();
    assert_eq!(f.name(), "WFDB");
    f.read(&input, &OpenOptions::new()).unwrap()
}

fn recording(leads: Vec<Vec<i32>>, fs: f64, gain: f64) -> Recording {
    let leads = leads
        .into_iter()
        .enumerate()
        .map(|(k, d)| {
            let cal = Calibration {
                gain,
                baseline: k as f64,
                resolution_bits: Some(12),
            };
            Lead::new(
                &format!("L{k}"),
                fs,
                Unit::Millivolt,
                Signal::from_digital(d, cal, None),
            )
        })
        .collect();
    Recording::new(leads)
}

fn leads_strategy(max: i32) -> impl Strategy<Value = Vec<Vec<i32>>> {
    (1usize..4, 1usize..40).prop_flat_map(move |(nl, n)| {
        prop::collection::vec(prop::collection::vec(-max..=max, n), nl)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn wfdb_16_and_212_round_trip_digital_samples(leads in leads_strategy(2047), gain in 1.0f64..5000.0) {
        let rec = recording(leads.clone(), 500.0, gain.round());
        for storage in [WfdbStorage::Format16, WfdbStorage::Format212] {
            let back = wfdb_back(&rec, storage);
            prop_assert!(back.source.warnings.is_empty(), "{:?}", back.source.warnings);
            for (l, d) in back.leads.iter().zip(&leads) {
                prop_assert_eq!(&digital(l), d);
                prop_assert_eq!(l.signal.calibration().unwrap().gain, gain.round());
            }
        }
    }

    #[test]
    fn edf_round_trips_digital_samples_and_annotations(leads in leads_strategy(32767), secs in 1usize..4, onset in 0.0f64..1.0) {
        // EDF pads the last data record, so use whole records (fs = 10 Hz, 1-s records).
        let leads: Vec<Vec<i32>> = leads.into_iter().map(|mut d| { d.resize(10 * secs, 7); d }).collect();
        let mut rec = recording(leads.clone(), 10.0, 200.0);
        rec.annotations.push(Annotation::point(onset, AnnotationKind::Note, "Lights off"));
        let bytes = formats::write_edf(&rec).unwrap();
        let back = formats::read(&bytes, Some("rt.edf")).unwrap();
        prop_assert_eq!(back.source.format.as_str(), "EDF+");
        prop_assert!(back.source.warnings.is_empty(), "{:?}", back.source.warnings);
        for (l, d) in back.leads.iter().zip(&leads) {
            prop_assert_eq!(&digital(l), d);
        }
        prop_assert_eq!(back.annotations.len(), 1);
        prop_assert!((back.annotations[0].onset_s - onset).abs() < 1e-9);
        prop_assert_eq!(back.annotations[0].text.as_str(), "Lights off");
    }

    #[test]
    fn csv_round_trips_physical_values(vals in prop::collection::vec(prop::collection::vec(-5.0f32..5.0, 2..50), 1..4)) {
        let n = vals[0].len();
        let leads = vals.iter().enumerate().map(|(k, v)| {
            let mut v = v.clone();
            v.resize(n, 0.25);
            Lead::new(&format!("V{}", k + 1), 250.0, Unit::Millivolt, Signal::from_physical(v))
        }).collect();
        let rec = Recording::new(leads);
        let mut out = Vec::new();
        formats::write_csv(&rec, &mut out).unwrap();
        let back = formats::read(&out, Some("rt.csv")).unwrap();
        prop_assert_eq!(back.leads.len(), rec.leads.len());
        for (a, b) in back.leads.iter().zip(&rec.leads) {
            prop_assert_eq!(a.sampling_rate_hz, 250.0);
            prop_assert_eq!(&a.unit, &Unit::Millivolt);
            prop_assert_eq!(a.signal.to_vec().unwrap(), b.signal.to_vec().unwrap());
        }
    }
}

#[test]
fn ludb_record_converts_to_wfdb_212_and_edf_sample_exactly() {
    let rec = formats::open(data("wfdb/ludb/1.hea")).unwrap();
    let back = wfdb_back(&rec, WfdbStorage::Format16);
    assert_eq!(
        back.annotations.len(),
        rec.annotations.len(),
        "per-lead annotation files kept"
    );
    for (a, b) in rec.leads.iter().zip(&back.leads) {
        assert_eq!(digital(a), digital(b));
        assert_eq!(a.label, b.label);
    }
    let edf = formats::read(&formats::write_edf(&rec).unwrap(), Some("x.edf")).unwrap();
    for (a, b) in rec.leads.iter().zip(&edf.leads) {
        assert_eq!(digital(a), digital(b));
        let (pa, pb) = (a.signal.to_vec().unwrap(), b.signal.to_vec().unwrap());
        assert!(pa.iter().zip(&pb).all(|(x, y)| (x - y).abs() < 1e-4));
    }
    assert_eq!(edf.annotations.len(), rec.annotations.len());
    // mitdb 100 (format 212 source) stays sample-exact through format 212.
    let mit = formats::open(data("wfdb/mitdb_100/100.hea")).unwrap();
    let back = wfdb_back(&mit, WfdbStorage::Format212);
    assert_eq!(digital(&mit.leads[0]), digital(&back.leads[0]));
    assert_eq!(back.annotations.len(), mit.annotations.len());
}

#[test]
fn physical_only_leads_are_quantized_within_one_step() {
    let v: Vec<f32> = (0..100).map(|i| (i as f32 * 0.37).sin() * 3.0).collect();
    let rec = Recording::new(vec![Lead::new(
        "II",
        250.0,
        Unit::Millivolt,
        Signal::from_physical(v.clone()),
    )]);
    let back = wfdb_back(&rec, WfdbStorage::Format212);
    let got = back.leads[0].signal.to_vec().unwrap();
    assert!(
        v.iter()
            .zip(&got)
            .all(|(a, b)| (a - b).abs() <= 0.005 / 2.0 + 1e-6)
    );
}
