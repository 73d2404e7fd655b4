//! Intraventricular conduction statements on the LUDB records kept in
//! `tests/data/wfdb/ludb` (records 1, 2, 8, 10, 13, 25, 35, 38, 57, 95; ODC-By 1.0, see the
//! folder's LICENSE): record 25 (labelled incomplete RBBB) has an rSr' in V1 at QRS < 110 ms,
//! record 13 has every AHA criterion of complete LBBB (QRS about 150 ms, rS in V1,
//! broad R without q and R-peak time > 60 ms in I, V5, V6; LUDB labels it incomplete LBBB),
//! and the records without a conduction diagnosis get no conduction statement. Record 10
//! (labelled complete RBBB; QRS 124 ms to the end of its terminal S and R') is asserted in
//! `tests/qrs_end.rs`.

use ecg::LeadLabel;

const LUDB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/wfdb/ludb");

const CONDUCTION: [&str; 8] = [
    "Complete right bundle branch block",
    "Incomplete right bundle branch block",
    "Complete left bundle branch block",
    "Incomplete left bundle branch block",
    "Left anterior fascicular block",
    "Left posterior fascicular block",
    "Non-specific intraventricular conduction delay",
    "Ventricular pre-excitation (WPW pattern)",
];

fn conduction_statements(record: &str) -> Vec<ecg::Statement> {
    let rec = formats::open(format!("{LUDB}/{record}.hea")).expect("LUDB record opens");
    let a = signal::analyze(&rec, &signal::AnalysisOptions::default()).expect("analysis runs");
    a.statements
        .into_iter()
        .filter(|s| CONDUCTION.contains(&s.text.as_str()))
        .collect()
}

#[test]
fn ludb_13_is_complete_lbbb_with_its_criterion_and_leads() {
    let s = conduction_statements("13");
    assert_eq!(s.len(), 1, "{s:?}");
    assert_eq!(s[0].text, "Complete left bundle branch block");
    let c = s[0].criterion.as_deref().unwrap_or("");
    assert!(
        c.contains(">= 120") && c.contains("no q in I, V5, V6") && c.contains("(> 60"),
        "{c}"
    );
    for l in [LeadLabel::V1, LeadLabel::I, LeadLabel::V5, LeadLabel::V6] {
        assert!(s[0].evidence.leads.contains(&l), "{:?}", s[0].evidence);
    }
}

#[test]
fn records_without_a_conduction_diagnosis_get_no_conduction_statement() {
    // 1, 2, 38, 57: sinus rhythm / bradycardia or AF with narrow QRS; 35: flutter;
    // 8: ventricular pacing (no bundle-branch statement in a paced rhythm).
    for r in ["1", "2", "8", "35", "38", "57"] {
        let s = conduction_statements(r);
        assert!(s.is_empty(), "record {r}: {s:?}");
    }
}

#[test]
fn ludb_25_is_incomplete_rbbb_from_the_rsr_prime_of_v1() {
    let s = conduction_statements("25");
    assert_eq!(s.len(), 1, "{s:?}");
    assert_eq!(s[0].text, "Incomplete right bundle branch block");
    let c = s[0].criterion.as_deref().unwrap_or("");
    assert!(
        c.contains("in V1 with QRS")
            && c.contains("not met: the AHA 2009 criteria's QRS 110-119 ms"),
        "{c}"
    );
    assert_eq!(s[0].evidence.leads, [LeadLabel::V1]);
}
