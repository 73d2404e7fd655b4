//! P waves not followed by a QRS complex are no beats (`detect.rs`, step 53 of
//! `bench/signal/interpretation.md`): synthetic 12-lead tracings ([`common::Tracing`]) of
//! complete AV block (P waves of 0.15-0.2 mV at 75/min marching through a ventricular escape
//! rhythm at 35/min, a junctional one at 40/min and ventricular pacing at 60/min) and of 2:1
//! AV block with a wide QRS (atria at 80/min). The detector scales each lead's QRS energy by
//! its own and took such P waves for beats next to a wide QRS; each must now be left out and
//! the block named. Negatives: a small QRS after a long pause, a low-voltage tracing and a
//! wide ventricular premature beat among narrow ones are all still beats.

mod common;

use common::{Tracing, Wave, times, with_stimuli};

/// A wide QRS from the ventricles (an idioventricular escape or a right-ventricular paced
/// beat, about 150 ms): leftward, superior and posterior, with a discordant T.
const WIDE_QRS: [Wave; 3] = [
    (0.0, 0.025, 1.1, [0.6, -0.6, -0.5]),
    (0.045, 0.02, 0.6, [0.7, -0.4, -0.6]),
    (0.32, 0.05, 0.4, [-0.6, 0.5, 0.4]),
];

/// The direction of the pacing stimuli (bipolar, right-ventricular apex).
const STIMULUS: [f64; 3] = [0.4, -0.7, 0.6];

/// A P wave of `mv` along the normal P axis (+58°, slightly anterior), SD 20 ms (about 90 ms).
fn p_wave(mv: f64) -> Vec<Wave> {
    vec![(0.0, 0.02, mv, [0.5, 0.8, 0.3])]
}

/// Beats found and statements of `leads` (mV at 500 Hz).
fn analysed(leads: Vec<Vec<f64>>) -> (Vec<f64>, Vec<String>) {
    let a = analysis(leads);
    (
        a.beats.iter().map(|b| b.r_s).collect(),
        a.statements.into_iter().map(|s| s.text).collect(),
    )
}

fn analysis(leads: Vec<Vec<f64>>) -> signal::Analysis {
    signal::analyze(
        &common::recording_at(leads, common::FS),
        &signal::AnalysisOptions::default(),
    )
    .expect("analysis runs")
}

/// The times (s) of the beats the statement `text` of `a` rests on.
fn evidence_s(a: &signal::Analysis, text: &str) -> Vec<f64> {
    let st = a
        .statements
        .iter()
        .find(|s| s.text == text)
        .unwrap_or_else(|| panic!("no {text:?} among {:?}", a.statements));
    st.evidence.beats.iter().map(|&i| a.beats[i].r_s).collect()
}

/// Every QRS of `qrs_s` has a beat within 100 ms and every beat a QRS.
fn assert_beats_are_the_qrs(what: &str, beats: &[f64], qrs_s: &[f64], texts: &[String]) {
    let near = |t: f64, of: &[f64]| of.iter().any(|&q| (q - t).abs() <= 0.1);
    let extra: Vec<f64> = beats.iter().copied().filter(|&b| !near(b, qrs_s)).collect();
    let missed: Vec<f64> = qrs_s.iter().copied().filter(|&q| !near(q, beats)).collect();
    assert!(
        extra.is_empty() && missed.is_empty(),
        "{what}: beats on no QRS {extra:?}, QRS missed {missed:?}; {texts:?}"
    );
}

fn stated(texts: &[String], statement: &str) -> bool {
    texts.iter().any(|t| t == statement)
}

/// Complete AV block with P waves at 75/min (P-wave centres from 0.3 s every 0.8 s).
fn complete_block(qrs_s: Vec<f64>, qrs_t: &[Wave], p_mv: f64, seed: u64) -> Tracing {
    let mut t = Tracing::new(10.0, qrs_s, 0.16, qrs_t);
    t.p_s = times(0.3, 0.8, 9.9);
    t.p_wave = p_wave(p_mv);
    t.noise_mv = 0.02;
    t.seed = seed;
    t
}

#[test]
fn dissociated_p_waves_of_complete_block_are_no_beats() {
    for p_mv in [0.15, 0.2] {
        for seed in [1, 2] {
            let escape = complete_block(times(0.8, 60.0 / 35.0, 9.6), &WIDE_QRS, p_mv, seed);
            let junctional = complete_block(times(0.7, 1.5, 9.6), &common::NORMAL, p_mv, seed);
            let paced = complete_block(times(0.5, 1.0, 9.6), &WIDE_QRS, p_mv, seed);
            let stimuli: Vec<(f64, f64)> = paced.qrs_s.iter().map(|r| (r - 0.08, 0.5)).collect();
            for (what, t, leads) in [
                ("ventricular escape at 35/min", &escape, escape.leads()),
                (
                    "junctional escape at 40/min",
                    &junctional,
                    junctional.leads(),
                ),
                (
                    "ventricular pacing at 60/min",
                    &paced,
                    with_stimuli(paced.leads(), &stimuli, STIMULUS),
                ),
            ] {
                let what = format!("{what}, P {p_mv} mV, seed {seed}");
                let a = analysis(leads);
                let beats: Vec<f64> = a.beats.iter().map(|b| b.r_s).collect();
                let texts: Vec<String> = a.statements.iter().map(|s| s.text.clone()).collect();
                assert_beats_are_the_qrs(&what, &beats, &t.qrs_s, &texts);
                assert!(
                    stated(&texts, "Third-degree (complete) AV block"),
                    "{what}: {texts:?}"
                );
                assert!(!stated(&texts, "Atrial fibrillation"), "{what}: {texts:?}");
                // Its evidence: the beats whose interval from the last P wave varies, at
                // least five of the escape or paced QRS complexes.
                let evidence = evidence_s(&a, "Third-degree (complete) AV block");
                assert!(evidence.len() >= 5, "{what}: evidence {evidence:?}");
                assert!(
                    evidence
                        .iter()
                        .all(|e| t.qrs_s.iter().any(|q| (q - e).abs() <= 0.1)),
                    "{what}: evidence {evidence:?}"
                );
            }
        }
    }
}

#[test]
fn blocked_p_waves_of_two_to_one_block_with_a_wide_qrs_are_no_beats() {
    for p_mv in [0.15, 0.2] {
        for seed in [1, 2] {
            // Atria at 80/min, every second P wave conducted with a PR of 180 ms (P centre
            // to QRS 180 ms), the other blocked in mid-diastole.
            let p_s = times(0.3, 0.75, 9.9);
            let qrs_s: Vec<f64> = p_s
                .iter()
                .step_by(2)
                .map(|p| p + 0.18)
                .filter(|&q| q < 9.7)
                .collect();
            let mut t = Tracing::new(10.0, qrs_s, 0.18, &WIDE_QRS);
            t.p_s = p_s;
            t.p_wave = p_wave(p_mv);
            t.noise_mv = 0.02;
            t.seed = seed;
            let what = format!("2:1 block, P {p_mv} mV, seed {seed}");
            let a = analysis(t.leads());
            let beats: Vec<f64> = a.beats.iter().map(|b| b.r_s).collect();
            let texts: Vec<String> = a.statements.iter().map(|s| s.text.clone()).collect();
            assert_beats_are_the_qrs(&what, &beats, &t.qrs_s, &texts);
            assert!(stated(&texts, "2:1 AV block"), "{what}: {texts:?}");
            // Its evidence: the beats after a blocked P wave, most of the QRS after the first
            // (each interval but perhaps one whose P wave hides in a T wave).
            let evidence = evidence_s(&a, "2:1 AV block");
            assert!(
                evidence.len() + 2 >= t.qrs_s.len(),
                "{what}: evidence {evidence:?} of {:?}",
                t.qrs_s
            );
            assert!(
                evidence.iter().all(|&e| t.qrs_s[0] + 0.1 < e),
                "{what}: evidence {evidence:?}"
            );
        }
    }
}

#[test]
fn small_qrs_complexes_after_a_pause_at_low_voltage_and_a_wide_ectopic_beat_are_beats() {
    // Sinus rhythm at 75/min with a 2.4-s pause (sinus arrest) after which the first beat's
    // QRS is half the size (a fusion-like smaller complex), P waves of 0.2 mV.
    let mut qrs_s = times(0.5, 0.8, 4.5);
    qrs_s.extend(times(6.4, 0.8, 9.6));
    let mut pause = Tracing::new(10.0, qrs_s.clone(), 0.16, &common::NORMAL);
    pause.p_wave = p_wave(0.2);
    pause.noise_mv = 0.02;
    let small = common::scaled(&common::NORMAL, 1.0, 0.5);
    pause.qrs_s.retain(|&q| (q - 6.4).abs() > 1e-9);
    pause.other.push((6.4, small));
    // Low voltage: QRS and T at a third of the normal size (R about 0.4 mV), P 0.1 mV.
    let mut low = Tracing::regular(10.0, 70.0, 0.16, &common::scaled(&common::NORMAL, 1.0, 0.3));
    low.p_wave = p_wave(0.1);
    low.noise_mv = 0.02;
    // A wide ventricular premature beat (about 150 ms, of another axis) among narrow beats,
    // with a full compensatory pause (the sinus beat after it falls in its refractory period:
    // its P wave is left, blocked in the PVC's T wave).
    let mut narrow = Tracing::regular(10.0, 70.0, 0.16, &common::NORMAL);
    narrow.noise_mv = 0.02;
    let pvc_at = narrow.qrs_s[5] + 0.55;
    narrow.qrs_s.remove(6);
    narrow.other.push((pvc_at, WIDE_QRS.to_vec()));
    for (what, t) in [
        ("pause", &pause),
        ("low voltage", &low),
        ("wide PVC", &narrow),
    ] {
        let mut all: Vec<f64> = t
            .qrs_s
            .iter()
            .chain(t.other.iter().map(|(q, _)| q))
            .copied()
            .collect();
        all.sort_by(f64::total_cmp);
        let (beats, texts) = analysed(t.leads());
        assert_beats_are_the_qrs(what, &beats, &all, &texts);
    }
}
