//! A lead off for part of a recording: its median beat is made of the beats it saw. Tried on
//! a MIMIC ICU strip (wfdb-python's sample data `3000003_0003`, 8.2 s at 125 Hz, leads II and
//! V; ODC-By 1.0, see the folder's LICENSE) whose lead V is stored as exactly zero for its
//! first 2.6 s: the flat beats went into V's median beat and the strip read "First-degree AV
//! block" at PR 202 ms (200 ms without them).

const RECORD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/wfdb/mimic_3000003/3000003_0003.hea"
);

#[test]
fn a_monitor_lead_connected_late_is_measured_on_the_beats_it_saw() {
    let rec = formats::open(RECORD).expect("MIMIC strip opens");
    let a = signal::analyze(&rec, &signal::AnalysisOptions::default()).unwrap();
    let n = |lead: &str| {
        a.medians
            .iter()
            .find(|m| m.lead.to_string() == lead)
            .map(|m| m.n_beats)
            .unwrap()
    };
    // Eleven beats; the nine whose -0.5..+0.7 s window lies in the strip make II's median,
    // and the six of them after V's flat start (0-2.6 s) V's.
    assert_eq!(a.beats.len(), 11, "{:?}", a.beats);
    assert_eq!((n("II"), n("V")), (9, 6), "{:?}", a.beats);
    let texts: Vec<&str> = a.statements.iter().map(|s| s.text.as_str()).collect();
    assert!(!texts.contains(&"First-degree AV block"), "{texts:?}");
    // Off for under half the strip: nothing withheld.
    assert!(
        !texts.contains(&"Technically limited recording"),
        "{texts:?}"
    );
}
