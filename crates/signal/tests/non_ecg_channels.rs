//! Channels that record something else than the ECG are not analysed as leads: the EDF files
//! of an EEG or sleep lab store EEG (in microvolts, like an ECG) and often an ECG beside it.

use std::path::PathBuf;

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data")
        .join(rel)
}

#[test]
fn an_eeg_channel_alone_is_no_ecg_and_the_error_says_so() {
    // pyEDFlib's test file: one EEG channel "Fp1" at 128 Hz (it read as atrial fibrillation).
    for name in ["test_subsecond.edf", "test_utf8.edf"] {
        let path = data(&format!("edf/pyedflib_generator/{name}"));
        let rec = formats::open(&path).unwrap();
        assert_eq!(rec.leads.len(), 1);
        let e = signal::analyze(&rec, &signal::AnalysisOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("no ECG lead") && e.contains("Fp1 (EEG)"),
            "{name}: {e}"
        );
    }
}

#[test]
fn a_generators_test_waveforms_are_no_ecg_and_the_error_names_them() {
    // pyEDFlib's BDF test files: sine, square, ramp and noise channels (they read as a
    // rhythm at 289/min of 145 "beats" before).
    let path = data("edf/pyedflib_generator/test_generator.bdf");
    let rec = formats::open(&path).unwrap();
    assert_eq!(rec.leads.len(), 5);
    let e = signal::analyze(&rec, &signal::AnalysisOptions::default())
        .unwrap_err()
        .to_string();
    for name in [
        "sine 5Hz",
        "square 13Hz",
        "ramp 7Hz",
        "pink noise",
        "white noise",
    ] {
        assert!(e.contains(&format!("{name} (test signal)")), "{e}");
    }
    let kinds = signal::non_ecg_channels(&rec);
    assert_eq!(kinds, vec![Some("test signal"); 5]);
}
