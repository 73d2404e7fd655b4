//! LUDB records (sinus rhythm, with and without bundle-branch block, in
//! `tests/data/wfdb/ludb`, ODC-By 1.0, see the folder's LICENSE) read with their arm
//! electrodes swapped as a technician might have placed them: I inverted, II and III traded,
//! aVR and aVL traded. Swapped, LUDB 1 read "Ectopic atrial rhythm" and "Right axis deviation"
//! (P axis 166°, QRS 168°), and LUDB 13 also lost its left bundle branch block to a
//! "Non-specific intraventricular conduction delay". Each now reads "Arm lead reversal
//! suspected" with the rhythm it reads as recorded, and the axes mirrored back
//! (`bench/signal/interpretation.md`, step 69).

use ecg::{LeadLabel as L, Recording};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/wfdb/ludb");

fn open(record: u32) -> Recording {
    formats::open(format!("{DIR}/{record}.hea")).expect("the LUDB record opens")
}

/// `rec` with its limb leads rewired: each (lead, recorded lead, sign) takes the recorded
/// lead's samples times the sign, the other leads as they are.
fn rewired(rec: &Recording, wiring: &[(L, L, f32)]) -> Recording {
    let at = |l: &L| {
        rec.leads
            .iter()
            .position(|x| &x.label == l)
            .expect("the lead")
    };
    let mut out = rec.clone();
    for (to, from, sign) in wiring {
        let (k, j) = (at(to), at(from));
        let x: Vec<f32> = rec.leads[j]
            .signal
            .to_vec()
            .expect("samples decode")
            .iter()
            .map(|v| sign * v)
            .collect();
        out.leads[k] = rec.leads[k].with_samples(rec.leads[k].sampling_rate_hz, x);
    }
    out
}

/// `rec` with the left and right arm electrodes swapped.
fn arms_swapped(rec: &Recording) -> Recording {
    rewired(
        rec,
        &[
            (L::I, L::I, -1.0),
            (L::II, L::III, 1.0),
            (L::III, L::II, 1.0),
            (L::AVR, L::AVL, 1.0),
            (L::AVL, L::AVR, 1.0),
        ],
    )
}

/// `rec` with the right arm and left leg electrodes swapped: I the inverted III, II inverted,
/// III the inverted I, aVR and aVF traded, aVL unchanged.
fn right_arm_and_left_leg_swapped(rec: &Recording) -> Recording {
    rewired(
        rec,
        &[
            (L::I, L::III, -1.0),
            (L::II, L::II, -1.0),
            (L::III, L::I, -1.0),
            (L::AVR, L::AVF, 1.0),
            (L::AVF, L::AVR, 1.0),
        ],
    )
}

fn texts(a: &signal::Analysis) -> Vec<&str> {
    a.statements.iter().map(|s| s.text.as_str()).collect()
}

fn rhythm(a: &signal::Analysis) -> &str {
    texts(a)
        .into_iter()
        .find(|t| t.starts_with("Sinus"))
        .unwrap_or("no sinus statement")
}

#[test]
fn swapped_arm_electrodes_on_ludb_records_read_as_recorded() {
    for record in [1, 2, 10, 13, 57] {
        let rec = open(record);
        let opts = signal::AnalysisOptions::default();
        let as_recorded = signal::analyze(&rec, &opts).expect("the analysis runs");
        let swapped = signal::analyze(&arms_swapped(&rec), &opts).expect("the analysis runs");
        let (got, want) = (texts(&swapped), texts(&as_recorded));
        assert!(
            !want.contains(&"Arm lead reversal suspected"),
            "{record}: {want:?}"
        );
        assert!(
            got.contains(&"Arm lead reversal suspected"),
            "{record}: {got:?}"
        );
        assert_eq!(rhythm(&swapped), rhythm(&as_recorded), "{record}: {got:?}");
        for gone in ["Ectopic atrial rhythm", "Right axis deviation"] {
            assert!(!got.contains(&gone), "{record}: {got:?}");
        }
    }
}

#[test]
fn right_arm_and_left_leg_swapped_on_a_ludb_record_reads_as_recorded() {
    // LUDB 2 (sinus rhythm, P axis 62°, QRS 53°), 10 (P 30°, QRS -39°, complete RBBB) and 57
    // (P 43°, QRS 5°) with the right arm and left leg swapped (P axis -121°, -87°, -104° as
    // recorded): the reversal is named and the rhythm read as recorded. With a leftward QRS
    // axis the swapped lead I, the inverted III, keeps an upright QRS; until step 94 the
    // swap asked for a negative one there, and 10 and 57 read "Ectopic atrial rhythm" with a
    // left axis deviation. What tells the swap from a low atrial rhythm with a left axis
    // deviation (the same signs in II, aVR and aVF) is the P wave in I: inverted by the swap
    // (the inverted III of a P axis above +30°), upright in a low atrial rhythm (P axis
    // -60..-90°). With a P axis under +30° (LUDB 1 and 13, 14-15°) the swapped P in I is
    // upright too and the swap is not recognised: they read "Ectopic atrial rhythm", not sinus.
    for record in [2, 10, 57] {
        let rec = open(record);
        let opts = signal::AnalysisOptions::default();
        let as_recorded = signal::analyze(&rec, &opts).expect("the analysis runs");
        let swapped = signal::analyze(&right_arm_and_left_leg_swapped(&rec), &opts)
            .expect("the analysis runs");
        let got = texts(&swapped);
        assert!(
            got.contains(&"Right arm and left leg lead reversal suspected"),
            "{record}: {got:?}"
        );
        assert!(
            !got.contains(&"Arm lead reversal suspected"),
            "{record}: {got:?}"
        );
        assert!(!got.contains(&"Left axis deviation"), "{record}: {got:?}");
        assert_eq!(rhythm(&swapped), rhythm(&as_recorded), "{record}: {got:?}");
    }
    // As recorded, none is read as swapped.
    for record in [1, 2, 10, 13, 57] {
        let a = signal::analyze(&open(record), &signal::AnalysisOptions::default())
            .expect("the analysis runs");
        assert!(
            !texts(&a).iter().any(|t| t.contains("reversal")),
            "{record}"
        );
    }
}
