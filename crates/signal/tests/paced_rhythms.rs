//! Rhythm statements under ventricular pacing on the LUDB records kept in
//! `tests/data/wfdb/ludb` (ODC-By 1.0, see the folder's LICENSE): record 95 is atrial
//! fibrillation with unipolar VVI pacing (six paced beats, then conducted beats without P
//! waves at irregular intervals shorter than the paced cycle); record 8 is the same rhythm
//! with an f wave found as a "P" before both of its conducted beats, so nothing is said of
//! its atria; record 34 is a complete AV block under unipolar ventricular pacing at 60/min,
//! labelled "sinus rhythm", whose P waves march through the paced beats at about 73/min
//! (see `bench/signal/interpretation.md`).

const LUDB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/wfdb/ludb");

fn statements(record: &str) -> Vec<ecg::Statement> {
    let rec = formats::open(format!("{LUDB}/{record}.hea")).expect("LUDB record opens");
    signal::analyze(&rec, &signal::AnalysisOptions::default())
        .expect("analysis runs")
        .statements
}

#[test]
fn ludb_95_is_atrial_fibrillation_under_ventricular_pacing() {
    let s = statements("95");
    let texts: Vec<&str> = s.iter().map(|s| s.text.as_str()).collect();
    assert!(texts.contains(&"Ventricular paced rhythm"), "{texts:?}");
    let af = s
        .iter()
        .find(|s| s.text == "Atrial fibrillation")
        .unwrap_or_else(|| panic!("no AF statement: {texts:?}"));
    let c = af.criterion.as_deref().unwrap_or("");
    assert!(
        c.starts_with("under ventricular pacing") && c.contains("conducted beats without a P wave"),
        "{c}"
    );
    assert!(
        !texts.contains(&"Third-degree (complete) AV block"),
        "{texts:?}"
    );
}

#[test]
fn ludb_8_says_nothing_of_its_atria_when_a_p_like_wave_precedes_the_conducted_beats() {
    let texts: Vec<String> = statements("8").into_iter().map(|s| s.text).collect();
    assert!(
        texts.iter().any(|t| t == "Ventricular paced rhythm"),
        "{texts:?}"
    );
    for never in [
        "Atrial fibrillation",
        "Third-degree (complete) AV block",
        "Sinus rhythm",
    ] {
        assert!(!texts.iter().any(|t| t == never), "{never}: {texts:?}");
    }
}

#[test]
fn ludb_34_names_the_sinus_rhythm_of_its_atria_under_pacing() {
    let s = statements("34");
    let texts: Vec<&str> = s.iter().map(|s| s.text.as_str()).collect();
    assert!(texts.contains(&"Ventricular paced rhythm"), "{texts:?}");
    assert!(
        texts.contains(&"Third-degree (complete) AV block"),
        "{texts:?}"
    );
    // The sinus rate is the atrial rate (70-76/min), not the pacemaker's 60/min.
    let sinus = s
        .iter()
        .find(|s| s.text == "Sinus rhythm")
        .unwrap_or_else(|| panic!("no sinus statement: {texts:?}"));
    let c = sinus.criterion.as_deref().unwrap_or("");
    let rate: f64 = c
        .split("atrial rate ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|r| r.parse().ok())
        .unwrap_or_else(|| panic!("{c}"));
    assert!((70.0..=76.0).contains(&rate), "{c}");
    assert!(!texts.contains(&"Sinus bradycardia"), "{texts:?}");
    assert!(!texts.contains(&"First-degree AV block"), "{texts:?}");
}
