//! A bedside monitor's sinus tachycardia whose small P waves are found before only some of
//! the beats (`statements::p_waves_at_a_steady_pr`, step 115 of
//! `bench/signal/interpretation.md`): the WFDB format test record `mixedsignals` (MIMIC,
//! leads II, III and V at 249.89 Hz beside pressure, plethysmogram and respiration), a
//! regular rhythm at 104/min with P waves before 79 % of its beats at one PR, read
//! "Undetermined rhythm" while the steady-PR rule stopped at 100/min.

use std::path::PathBuf;

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data")
        .join(rel)
}

#[test]
fn a_monitors_sinus_tachycardia_with_p_waves_before_most_beats_is_named() {
    let rec = formats::open(data("wfdb/formats/mixedsignals/mixedsignals.hea")).unwrap();
    let a = signal::analyze(&rec, &signal::AnalysisOptions::default()).unwrap();
    let texts: Vec<&str> = a.statements.iter().map(|s| s.text.as_str()).collect();
    let st = a
        .statements
        .iter()
        .find(|s| s.text == "Sinus tachycardia")
        .unwrap_or_else(|| panic!("{texts:?}"));
    let c = st.criterion.as_deref().unwrap_or("");
    assert!(c.contains("at a steady PR"), "{c}");
    for never in [
        "Undetermined rhythm",
        "Atrial fibrillation",
        "Atrial flutter",
    ] {
        assert!(!texts.contains(&never), "{never}: {texts:?}");
    }
}
