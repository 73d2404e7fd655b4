//! The median beat's T wave ends before the next beat's P wave, in every rhythm with organised
//! P waves and not only in a regular tachycardia (step 50 of `bench/signal/interpretation.md`).
//!
//! CinC 2021 JS20000 (`tests/data/wfdb/cinc2021`, from the torch_ecg test data, MIT licence,
//! see the folder's LICENSE; labelled sinus tachycardia, premature atrial contraction,
//! non-specific IVCD and ST changes) is a sinus tachycardia at 117/min whose premature beats
//! make the rhythm irregular, and whose T wave merges into the next P wave. The T end on the
//! median beat had been searched into the next P wave: QT 470 ms for an RR of 513 ms and a
//! PR of 154 ms (QTc Bazett 656 ms), a QT that ends inside the next PR segment.

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/wfdb/cinc2021"
);

#[test]
fn the_qt_of_an_irregular_sinus_tachycardia_ends_before_the_next_p_wave() {
    let path = std::path::Path::new(DATA).join("JS20000.hea");
    let rec = formats::open(&path).expect("JS20000 opens");
    let a = signal::analyze(&rec, &signal::AnalysisOptions::default()).expect("analysis");
    let m = &a.measurements;
    let rr = m.rr.expect("RR").0;
    let pr = m.pr.expect("PR").0;
    let p = m.p_duration.expect("P duration").0;
    let qt = m.qt.expect("QT").0;
    assert!(rr < 560.0, "a tachycardia: RR {rr:.0} ms");
    // The next P wave starts RR - PR after the QRS onset (the earliest lead's P onset; each
    // lead's own starts up to a few tens of ms later) and peaks about half its duration later.
    let next_p_middle = rr - pr + p / 2.0;
    assert!(
        qt < next_p_middle,
        "QT {qt:.0} ms runs into the next P wave (its middle {next_p_middle:.0} ms after the QRS onset: RR {rr:.0}, PR {pr:.0}, P {p:.0} ms)"
    );
    // ... and is not cut short of a T wave that does end there.
    assert!(qt > 300.0, "QT {qt:.0} ms");
}
