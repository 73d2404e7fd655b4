//! Atrial fibrillation on a single lead I (a handheld or wrist recorder): the RR criterion
//! needs no P wave locked to the QRS in the averaged beat (`atrial::locked_ratio`). LUDB
//! record 22 (development split, kept in `tests/data/wfdb/ludb_22`, ODC-By 1.0, see the
//! folder's LICENSE: sinus arrhythmia with atrial premature beats, P waves of 0.03-0.05 mV in
//! I) read "Atrial fibrillation" on lead I alone; LUDB 38 (atrial fibrillation, in
//! `tests/data/wfdb/ludb`) must keep it there.

fn data(rel: &str) -> String {
    format!("{}/../../tests/data/{rel}", env!("CARGO_MANIFEST_DIR"))
}

/// The reading of `hea` on lead I alone.
fn on_lead_i(hea: &str) -> signal::Analysis {
    let mut rec = formats::open(data(hea)).expect("record opens");
    rec.leads.retain(|l| l.label == ecg::LeadLabel::I);
    assert_eq!(rec.leads.len(), 1);
    signal::analyze(&rec, &signal::AnalysisOptions::default()).expect("analysis runs")
}

fn texts(a: &signal::Analysis) -> Vec<&str> {
    a.statements.iter().map(|s| s.text.as_str()).collect()
}

#[test]
fn tiny_p_waves_at_a_fixed_pr_on_lead_i_are_no_atrial_fibrillation() {
    let a = on_lead_i("wfdb/ludb_22/22.hea");
    assert!(!a.atrial_fibrillation, "{:?}", texts(&a));
    assert!(
        !texts(&a).contains(&"Atrial fibrillation"),
        "{:?}",
        texts(&a)
    );
}

#[test]
fn atrial_fibrillation_on_lead_i_is_still_read_and_says_why() {
    let a = on_lead_i("wfdb/ludb/38.hea");
    let af = a
        .statements
        .iter()
        .find(|s| s.text == "Atrial fibrillation")
        .unwrap_or_else(|| panic!("{:?}", texts(&a)));
    let c = af.criterion.as_deref().unwrap();
    let ratio: f64 = c
        .split("atrial activity before the QRS is ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|r| r.parse().ok())
        .unwrap_or_else(|| panic!("{c}"));
    assert!(ratio < 1.0, "{c}");
}
