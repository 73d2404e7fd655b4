//! The QRS duration the reader sees is the one the statements rest on: `Measurements.qrs`,
//! the median beat's QRS marks and every "QRS N ms" a criterion prints are one number, also
//! where a terminal wave that only some leads show (the R' of V1 and the slurred S of I and
//! V6 in right bundle-branch block) outlasts the other leads' QRS offset
//! (`measure::qrs_end`).
//!
//! Synthetic 12-lead tracings (dipole waves projected on the leads, `tests/common`) and the LUDB records kept
//! in `tests/data/wfdb/ludb` (records 1, 2, 8, 10, 13, 25, 35, 38, 57, 95; ODC-By 1.0, see the
//! folder's LICENSE).

mod common;

use common::{NORMAL, RBBB, Tracing, Wave};
use ecg::{Recording, WaveKind};

const LUDB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/wfdb/ludb");

/// A noiseless 12-lead tracing of 10 s at 70/min, each beat a P wave and `qrs_t` (QRS and T
/// waves).
fn tracing(qrs_t: &[Wave]) -> Recording {
    Tracing::regular(10.0, 70.0, 0.16, qrs_t).record()
}

/// Every "QRS N ms" a criterion prints: (statement, N).
fn printed_qrs(a: &signal::Analysis) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    for s in &a.statements {
        let c = s.criterion.as_deref().unwrap_or("");
        for (at, _) in c.match_indices("QRS ") {
            let rest = &c[at + 4..];
            let n: String = rest.chars().take_while(char::is_ascii_digit).collect();
            if let Ok(v) = n.parse::<f64>()
                && rest[n.len()..].starts_with(" ms")
            {
                out.push((s.text.clone(), v));
            }
        }
    }
    out
}

/// The median beat's QRS marks span `Measurements.qrs`, and every printed QRS is it.
fn assert_one_qrs(a: &signal::Analysis, what: &str) -> f64 {
    let qrs = a.measurements.qrs.expect("QRS measured").0;
    let mark = a
        .median_waves
        .iter()
        .find(|w| w.kind == WaveKind::Qrs)
        .expect("median QRS marked");
    let (on, off) = (
        mark.onset_s(a.median_fs_hz()).expect("onset"),
        mark.offset_s(a.median_fs_hz()).expect("offset"),
    );
    assert!(
        ((off - on) * 1000.0 - qrs).abs() < 0.5,
        "{what}: marks {} ms, QRS {qrs} ms",
        (off - on) * 1000.0
    );
    for (text, printed) in printed_qrs(a) {
        assert_eq!(
            printed,
            qrs.round(),
            "{what}: {text} prints QRS {printed}, measured {qrs}"
        );
    }
    qrs
}

fn statement<'a>(a: &'a signal::Analysis, text: &str) -> Option<&'a ecg::Statement> {
    a.statements.iter().find(|s| s.text == text)
}

#[test]
fn a_terminal_r_prime_outlasting_the_other_leads_is_in_the_measured_qrs() {
    let a = signal::analyze(&tracing(&RBBB), &signal::AnalysisOptions::default()).unwrap();
    let qrs = assert_one_qrs(&a, "synthetic RBBB");
    let rbbb = statement(&a, "Complete right bundle branch block")
        .or_else(|| statement(&a, "Incomplete right bundle branch block"))
        .unwrap_or_else(|| panic!("{:#?}", a.statements));
    let c = rbbb.criterion.as_deref().unwrap();
    assert!(
        c.starts_with(&format!("QRS {qrs:.0} ms (the terminal deflection of "))
            && c.contains("V1")
            && c.contains("outlasts the other leads' QRS offset at"),
        "{c}"
    );

    // The same beats without the right ventricle's late forces: nothing outlasts the other
    // leads, the QRS is the normal one and no criterion names a terminal deflection.
    let a = signal::analyze(&tracing(&NORMAL), &signal::AnalysisOptions::default()).unwrap();
    let normal = assert_one_qrs(&a, "synthetic normal");
    assert!(
        normal < 110.0 && normal + 20.0 < qrs,
        "{normal} against {qrs}"
    );
    assert!(
        a.statements.iter().all(|s| !s
            .criterion
            .as_deref()
            .unwrap_or("")
            .contains("terminal deflection")),
        "{:#?}",
        a.statements
    );
}

#[test]
fn ludb_records_print_the_qrs_they_measure() {
    for r in ["1", "2", "8", "10", "13", "25", "35", "38", "57", "95"] {
        let rec = formats::open(format!("{LUDB}/{r}.hea")).expect("LUDB record opens");
        let a = signal::analyze(&rec, &signal::AnalysisOptions::default()).expect("analysis");
        assert_one_qrs(&a, &format!("LUDB {r}"));
    }
    // Record 10 (complete RBBB): the S of I and aVL and the R' of V1 end after the other
    // leads; the displayed QRS runs to them and is the duration of the RBBB statement.
    let rec = formats::open(format!("{LUDB}/10.hea")).unwrap();
    let a = signal::analyze(&rec, &signal::AnalysisOptions::default()).unwrap();
    let qrs = a.measurements.qrs.unwrap().0;
    assert!(qrs >= 120.0, "{qrs}");
    let c = statement(&a, "Complete right bundle branch block")
        .and_then(|s| s.criterion.clone())
        .unwrap_or_default();
    assert!(
        c.starts_with(&format!("QRS {qrs:.0} ms (the terminal deflection of")),
        "{c}"
    );
}
