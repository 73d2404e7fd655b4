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
