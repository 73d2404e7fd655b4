//! Rhythm statements under ventricular pacing on the LUDB records kept in
//! `tests/data/wfdb/ludb` (ODC-By 1.0, see the folder's LICENSE): record 95 is atrial
//! fibrillation with unipolar VVI pacing (six paced beats, then conducted beats without P
//! waves at irregular intervals shorter than the paced cycle); record 8 is the same rhythm
//! with an f wave found as a "P" before both of its conducted beats and fine f waves (no
//! dominant 4-9 Hz peak), found from their continuous 4-9 Hz activity after QRST
//! cancellation; record 34 is a complete AV block under unipolar ventricular pacing at 60/min,
//! labelled "sinus rhythm", whose P waves march through the paced beats at about 73/min
//! (see `bench/signal/interpretation.md`). Records 95, 34 and 93 (`tests/data/wfdb/ludb_93`:
//! atrial fibrillation under pacing) are also read on one or two of their leads, as a
//! monitor or Holter records them.
//!
//! Then synthetic tracings ([`common::Tracing`]): ventricular pacing whose stimuli are mostly
//! small, at 250 Hz (each stimulus smeared by the anti-alias filter) and under noise, is paced;
//! atrial fibrillation with coarse f waves, a sharp notched QRS, mains interference and stray
//! artefact spikes are not, nor is a burst of spiky noise at a limb electrode (which, clipped
//! as stimuli, took a QRS with it) or an electrode pop (a step whose edge also passes the
//! stimulus test); and complete AV block at a slow atrial rate (48/min under pacing at
//! 60/min, two of eight P waves in a paced QRS) is found, P-synchronous pacing is not.

mod common;

use common::{
    Tracing, Wave, add_electrode_burst, add_electrode_pop, decimated, recording_at, times,
    with_stimuli,
};

const LUDB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/wfdb/ludb");

fn statements(record: &str) -> Vec<ecg::Statement> {
    let rec = formats::open(format!("{LUDB}/{record}.hea")).expect("LUDB record opens");
    signal::analyze(&rec, &signal::AnalysisOptions::default())
        .expect("analysis runs")
        .statements
}

/// The statement texts of a LUDB record read as a ventricular paced rhythm with atrial
/// fibrillation, and the fibrillation's criterion (which starts "under ventricular pacing").
fn af_under_pacing(record: &str) -> (Vec<String>, String) {
    let s = statements(record);
    let texts: Vec<String> = s.iter().map(|s| s.text.clone()).collect();
    assert!(
        texts.iter().any(|t| t == "Ventricular paced rhythm"),
        "{record}: {texts:?}"
    );
    let af = s
        .iter()
        .find(|s| s.text == "Atrial fibrillation")
        .unwrap_or_else(|| panic!("{record}: no AF statement: {texts:?}"));
    let c = af.criterion.clone().unwrap_or_default();
    assert!(c.starts_with("under ventricular pacing"), "{record}: {c}");
    (texts, c)
}

#[test]
fn ludb_95_is_atrial_fibrillation_under_ventricular_pacing() {
    let (texts, c) = af_under_pacing("95");
    assert!(c.contains("conducted beats without a P wave"), "{c}");
    assert!(
        !texts
            .iter()
            .any(|t| t == "Third-degree (complete) AV block"),
        "{texts:?}"
    );
}

#[test]
fn ludb_8_is_atrial_fibrillation_from_its_fine_f_waves_under_pacing() {
    let (texts, c) = af_under_pacing("8");
    assert!(c.contains("fine fibrillatory waves"), "{c}");
    for never in ["Third-degree (complete) AV block", "Sinus rhythm"] {
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
    assert!(!texts.contains(&"Atrial fibrillation"), "{texts:?}");
    // Its evidence: the paced beats whose interval from the last P wave varies.
    let block = s
        .iter()
        .find(|s| s.text == "Third-degree (complete) AV block")
        .expect("stated");
    assert!(block.evidence.beats.len() >= 5, "{:?}", block.evidence);
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

/// The statement texts of a LUDB record read from `leads` only (a monitor's or Holter's).
fn texts_on(record: &str, leads: &[&str]) -> Vec<String> {
    let path = if record == "93" {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/data/wfdb/ludb_93/93.hea"
        )
        .to_string()
    } else {
        format!("{LUDB}/{record}.hea")
    };
    let mut rec = formats::open(path).expect("LUDB record opens");
    rec.leads.retain(|l| {
        leads
            .iter()
            .any(|k| l.label.to_string().eq_ignore_ascii_case(k))
    });
    assert_eq!(rec.leads.len(), leads.len(), "{record} {leads:?}");
    signal::analyze(&rec, &signal::AnalysisOptions::default())
        .expect("analysis runs")
        .statements
        .into_iter()
        .map(|s| s.text)
        .collect()
}

#[test]
fn fibrillation_under_pacing_on_one_or_two_leads_is_no_complete_av_block() {
    // LUDB 95 on I, II or II + V5 alone: its four conducted beats (6.35-9.00 s) without a
    // spike were "like the paced ones" on fewer than three leads whatever their QRS (every
    // beat differed in fewer than the three leads a difference needs), and f waves lined up
    // as a regular "P" train through an all-paced rhythm: "Sinus rhythm" (or bradycardia)
    // and "Third-degree (complete) AV block" up to r55. A beat conducted before the
    // pacemaker fired rules complete block out; the fibrillation is found from those beats.
    for leads in [&["I"][..], &["II"], &["II", "V5"]] {
        let texts = texts_on("95", leads);
        let what = format!("95 on {leads:?}: {texts:?}");
        assert!(
            texts.iter().any(|t| t == "Ventricular paced rhythm"),
            "{what}"
        );
        assert!(texts.iter().any(|t| t == "Atrial fibrillation"), "{what}");
        for never in ["Third-degree (complete) AV block", "Sinus"] {
            assert!(!texts.iter().any(|t| t.starts_with(never)), "{what}");
        }
    }
    // LUDB 93 (fibrillation under pacing at 60/min) on II alone: its f waves line up as
    // "P waves at 47/min", slower than the pacemaker, through beats all on the paced cycle;
    // on one or two leads such a slow train is no complete block (r56).
    let texts = texts_on("93", &["II"]);
    for never in ["Third-degree (complete) AV block", "Sinus"] {
        assert!(
            !texts.iter().any(|t| t.starts_with(never)),
            "93 on II: {texts:?}"
        );
    }
    // Complete block whose P waves march through an all-paced rhythm (LUDB 34, atria at
    // 73/min) stays so on one or two leads.
    for leads in [&["II"][..], &["I"], &["II", "V5"]] {
        let texts = texts_on("34", leads);
        assert!(
            texts
                .iter()
                .any(|t| t == "Third-degree (complete) AV block"),
            "34 on {leads:?}: {texts:?}"
        );
    }
}

/// A paced QRS from a right-ventricular apical lead: wide (about 150 ms), leftward, superior
/// and posterior, with a discordant T.
const PACED_QRS: [Wave; 3] = [
    (0.0, 0.025, 1.1, [0.6, -0.6, -0.5]),
    (0.045, 0.02, 0.6, [0.7, -0.4, -0.6]),
    (0.32, 0.05, 0.4, [-0.6, 0.5, 0.4]),
];

/// The direction of the pacing stimuli (bipolar, right-ventricular apex).
const STIMULUS: [f64; 3] = [0.4, -0.7, 0.6];

/// The analysis of `leads` (mV at 500 Hz) recorded at `500 / down` Hz, and that rate.
fn analysis_at(leads: &[Vec<f64>], down: usize) -> (signal::Analysis, f64) {
    let fs = common::FS / down as f64;
    let leads = if down == 1 {
        leads.to_vec()
    } else {
        decimated(leads, down)
    };
    let a = signal::analyze(
        &recording_at(leads, fs),
        &signal::AnalysisOptions::default(),
    )
    .expect("analysis runs");
    (a, fs)
}

/// The statement texts of `leads` (mV at 500 Hz) recorded at `500 / down` Hz.
fn texts_at(leads: &[Vec<f64>], down: usize) -> Vec<String> {
    let (a, _) = analysis_at(leads, down);
    a.statements.into_iter().map(|s| s.text).collect()
}

fn paced_stated(texts: &[String]) -> bool {
    texts.iter().any(|t| t.to_lowercase().contains("paced"))
}

/// VVI pacing at 60/min with P waves at 75/min marching through (complete AV block), the
/// stimulus 80 ms before each QRS centre: two of 0.5 mV, eight of 0.12 mV (small bipolar
/// stimuli, as LUDB 90's), with uniform noise of `noise_mv` peak to peak.
fn vvi_pacing(noise_mv: f64, seed: u64) -> Vec<Vec<f64>> {
    let qrs = times(0.5, 1.0, 9.6);
    let mut t = Tracing::new(10.0, qrs.clone(), 0.16, &PACED_QRS);
    t.p_s = times(0.3, 0.8, 9.8);
    t.noise_mv = noise_mv;
    t.seed = seed;
    let stimuli: Vec<(f64, f64)> = qrs
        .iter()
        .enumerate()
        .map(|(k, r)| (r - 0.08, if k == 2 || k == 7 { 0.5 } else { 0.12 }))
        .collect();
    with_stimuli(t.leads(), &stimuli, STIMULUS)
}

#[test]
fn small_stimuli_pace_at_250_hz_and_under_noise() {
    for (noise_mv, down) in [(0.0, 2), (0.03, 2), (0.08, 1)] {
        for seed in [1, 2] {
            let texts = texts_at(&vvi_pacing(noise_mv, seed), down);
            assert!(
                texts.iter().any(|t| t == "Ventricular paced rhythm"),
                "noise {noise_mv} mV, 1/{down} of 500 Hz, seed {seed}: {texts:?}"
            );
            assert!(
                !texts
                    .iter()
                    .any(|t| t == "Non-specific intraventricular conduction delay"),
                "{texts:?}"
            );
        }
    }
}

#[test]
fn fibrillation_notched_qrs_mains_and_stray_spikes_are_not_paced() {
    // Irregular beats without P waves, coarse f waves (0.1 mV) and noise.
    let irregular = vec![
        0.45, 1.2, 1.75, 2.7, 3.35, 4.3, 4.85, 5.8, 6.5, 7.05, 7.95, 8.6, 9.3,
    ];
    let mut af = Tracing::new(10.0, irregular.clone(), 0.16, &common::NORMAL);
    af.p_s.clear();
    af.f_waves_mv = 0.1;
    af.noise_mv = 0.06;
    // A sharp notch on the QRS upstroke (a 3-ms wave 12 ms before the R).
    let mut notched = common::NORMAL.to_vec();
    notched.push((-0.012, 0.0015, 0.25, [0.6, 0.7, -0.4]));
    let mut notch = Tracing::regular(10.0, 75.0, 0.16, &notched);
    notch.noise_mv = 0.03;
    let mut mains = Tracing::regular(10.0, 70.0, 0.16, &common::NORMAL);
    mains.noise_mv = 0.03;
    let with_mains = |mut leads: Vec<Vec<f64>>| {
        for x in &mut leads {
            for (i, v) in x.iter_mut().enumerate() {
                *v += 0.05 * (std::f64::consts::TAU * 50.0 * i as f64 / common::FS).sin();
            }
        }
        leads
    };
    // Two artefact spikes 80 ms before two beats of the fibrillation: a latency the other
    // beats' noise and f waves must not confirm.
    let strays = [(irregular[3] - 0.08, 0.5), (irregular[8] - 0.08, 0.5)];
    let cases = [
        ("fibrillation", af.leads()),
        ("notched QRS", notch.leads()),
        ("mains", with_mains(mains.leads())),
        ("stray spikes", with_stimuli(af.leads(), &strays, STIMULUS)),
    ];
    for (name, leads) in cases {
        for down in [1, 2] {
            let texts = texts_at(&leads, down);
            assert!(
                !paced_stated(&texts),
                "{name}, 1/{down} of 500 Hz: {texts:?}"
            );
        }
    }
}

/// Ten seconds of VVI pacing at `paced_per_min` (0.5-mV stimuli 80 ms before each QRS centre)
/// with small P waves (a 0.05-mV vector, as LUDB 74's 0.02-0.05 mV) at `p_s`, uniform noise of
/// 0.02 mV peak to peak.
/// Asserts that `leads` (the sinus rhythm `t` with an artefact added) read every beat of `t`,
/// a sinus rhythm first, and no statement containing any of `none_of`.
fn sinus_with_every_beat(leads: Vec<Vec<f64>>, t: &Tracing, none_of: &[&str], what: &str) {
    let a = signal::analyze(&recording_at(leads, common::FS), &Default::default())
        .expect("the analysis runs");
    let beats: Vec<f64> = a.beats.iter().map(|b| b.r_s).collect();
    assert_eq!(beats.len(), t.qrs_s.len(), "{what}: {beats:?}");
    let texts: Vec<&str> = a.statements.iter().map(|s| s.text.as_str()).collect();
    assert!(
        texts[0].starts_with("Sinus")
            && !texts.iter().any(|s| none_of.iter().any(|n| s.contains(n))),
        "{what}: {texts:?}"
    );
}

#[test]
fn a_burst_of_spiky_electrode_noise_is_no_pacing_and_takes_no_beat() {
    // Sinus rhythm at 60 and 75/min; at the left arm, then the left leg, a 0.1-0.2 mV burst
    // of noise recorded up to 250 Hz over a QRS complex. It passed the stimulus test every
    // 10-15 ms; clipped as stimuli, the QRS went with it, and the sinus P wave left before
    // the gap read "Second-degree AV block, Mobitz II".
    for bpm in [60.0, 75.0] {
        let t = Tracing::regular(10.0, bpm, 0.16, &common::TEXTBOOK);
        let at = t.qrs_s[3];
        for (electrode, mv) in [(1, 0.1), (2, 0.2)] {
            let mut leads = t.leads();
            add_electrode_burst(&mut leads, electrode, mv, (at - 0.3, at + 0.3), 3);
            // The burst's dense middle is no stimulus; its sparse tail may leave a pair.
            let spikes = signal::pacing_spikes(&leads, common::FS);
            assert!(
                spikes.len() <= 2,
                "{bpm}/min, electrode {electrode}: {spikes:?}"
            );
            sinus_with_every_beat(
                leads,
                &t,
                &["AV block", "aced"],
                &format!("{bpm}/min, electrode {electrode}"),
            );
        }
    }
}

#[test]
fn an_electrode_pop_is_no_stimulus_and_no_beat() {
    // Sinus rhythm at 60 and 75/min; a limb electrode's potential steps by 1-2 mV between
    // two beats and recovers over 0.2-0.5 s, then again the other way. The step's edge
    // passed the stimulus test too and was clipped as one before the step was removed,
    // which then saw only part of it: the edge read as a ventricular premature complex, or
    // took the place of the QRS after it.
    for bpm in [60.0, 75.0] {
        let t = Tracing::regular(10.0, bpm, 0.16, &common::TEXTBOOK);
        let rr = 60.0 / bpm;
        for (electrode, mv, tau) in [(0, 1.0, 0.2), (1, 2.0, 0.2), (2, 1.0, 0.5)] {
            for after in [0.6, 0.8] {
                let mut leads = t.leads();
                add_electrode_pop(&mut leads, electrode, mv, t.qrs_s[3] + after * rr, tau);
                add_electrode_pop(&mut leads, electrode, -mv, t.qrs_s[7] + after * rr, tau);
                sinus_with_every_beat(
                    leads,
                    &t,
                    &["premature", "aced"],
                    &format!("{bpm}/min, electrode {electrode}, {mv} mV, {after} RR"),
                );
            }
        }
    }
}

#[test]
fn an_electrode_pop_recovering_within_50_ms_is_no_beat() {
    // A limb electrode's pop that recovers within 50 ms is as brief and steep as a QRS: it
    // read as a ventricular premature complex, and 130-200 ms before a QRS it hid that QRS
    // in the detector's refractory period. Its twelve leads are one electrode's pattern
    // (the chest leads alike, at a third of the limb leads'), which no QRS is.
    for (bpm, electrode, mv, after) in [
        (60.0, 0, 1.0, 0.35),
        (60.0, 1, 2.0, 0.8),
        (75.0, 2, 2.0, 0.8),
        (75.0, 1, 2.0, 0.35),
        (90.0, 0, 2.0, 0.8),
        (90.0, 2, 1.0, 0.6),
    ] {
        let t = Tracing::regular(10.0, bpm, 0.16, &common::TEXTBOOK);
        let rr = 60.0 / bpm;
        let mut leads = t.leads();
        add_electrode_pop(&mut leads, electrode, mv, t.qrs_s[3] + after * rr, 0.05);
        add_electrode_pop(&mut leads, electrode, -mv, t.qrs_s[7] + after * rr, 0.05);
        sinus_with_every_beat(
            leads,
            &t,
            &["premature", "aced", "block", "pause", "arrhythmia"],
            &format!("{bpm}/min, electrode {electrode}, {mv} mV, {after} RR"),
        );
    }
}

fn vvi_over(paced_per_min: f64, p_s: Vec<f64>, seed: u64) -> Vec<Vec<f64>> {
    let qrs = times(0.5, 60.0 / paced_per_min, 9.6);
    let mut t = Tracing::new(10.0, qrs.clone(), 0.16, &PACED_QRS);
    t.p_s = p_s;
    t.p_wave = vec![(0.0, 0.02, 0.05, [0.5, 0.8, 0.3])];
    t.noise_mv = 0.02;
    t.seed = seed;
    let stimuli: Vec<(f64, f64)> = qrs.iter().map(|r| (r - 0.08, 0.5)).collect();
    with_stimuli(t.leads(), &stimuli, STIMULUS)
}

/// LUDB 74 (complete AV block under VVI pacing at 60/min, atria at 47-59/min): in a 10-s
/// tracing the atria beat eight times at 48/min, and two of those P waves fall in a paced
/// QRS (1.5 and 6.5 s). The six left march through the paced beats: complete block, with
/// the sinus rate at the atrial rate. Not with P-synchronous pacing at that rate (a P wave
/// before each paced QRS at the AV delay), nor with no atrial activity.
#[test]
fn complete_block_is_found_at_a_slow_atrial_rate_in_ten_seconds() {
    for seed in [1, 2, 3] {
        let texts = texts_at(&vvi_over(60.0, times(0.25, 1.25, 9.8), seed), 1);
        assert!(
            texts.iter().any(|t| t == "Ventricular paced rhythm"),
            "seed {seed}: {texts:?}"
        );
        assert!(
            texts
                .iter()
                .any(|t| t == "Third-degree (complete) AV block"),
            "seed {seed}: {texts:?}"
        );
        assert!(
            texts.iter().any(|t| t == "Sinus bradycardia"),
            "seed {seed}: {texts:?}"
        );
        let tracked: Vec<f64> = times(0.5, 1.25, 9.6).iter().map(|r| r - 0.16).collect();
        for (what, leads) in [
            ("P-synchronous", vvi_over(48.0, tracked, seed)),
            ("no atrial activity", vvi_over(60.0, Vec::new(), seed)),
        ] {
            let texts = texts_at(&leads, 1);
            assert!(
                texts.iter().any(|t| t == "Ventricular paced rhythm"),
                "{what}, seed {seed}: {texts:?}"
            );
            assert!(
                !texts
                    .iter()
                    .any(|t| t == "Third-degree (complete) AV block"),
                "{what}, seed {seed}: {texts:?}"
            );
        }
    }
}

/// A left-ventricular premature complex: upright in V1, another axis than the paced QRS.
const PVC: [Wave; 3] = [
    (0.0, 0.030, -1.6, [0.8, -0.3, 0.6]),
    (0.05, 0.025, 0.6, [-0.4, 0.6, -0.6]),
    (0.32, 0.05, 0.45, [-0.7, 0.3, -0.5]),
];

/// The beats of `leads` (mV at 500 Hz) recorded at `500 / down` Hz: per beat its class and
/// fiducial (s).
fn beats_at(leads: &[Vec<f64>], down: usize) -> Vec<(signal::BeatClass, f64)> {
    let (a, fs) = analysis_at(leads, down);
    a.beats
        .iter()
        .map(|b| (b.class, b.fiducial_sample as f64 / fs))
        .collect()
}

/// The beat whose fiducial is nearest `t` (s).
fn beat_near(beats: &[(signal::BeatClass, f64)], t: f64) -> (signal::BeatClass, f64) {
    *beats
        .iter()
        .min_by(|a, b| (a.1 - t).abs().total_cmp(&(b.1 - t).abs()))
        .expect("beats")
}

/// `leads` with a rectangular stimulus of `mv` along [`STIMULUS`] from `at` (s) for `width`
/// samples at 500 Hz (LUDB 74's largest: six samples, 12 ms).
fn with_wide_stimulus(mut leads: Vec<Vec<f64>>, at: f64, mv: f64, width: usize) -> Vec<Vec<f64>> {
    for (k, x) in leads.iter_mut().enumerate() {
        let d = common::lead_direction(k);
        let along: f64 = (0..3).map(|j| d[j] * STIMULUS[j]).sum();
        let from = (at * common::FS).round() as usize;
        for v in x.iter_mut().skip(from).take(width) {
            *v += mv * along;
        }
    }
    leads
}

/// LUDB 74 (VVI pacing, complete block): one stimulus of ten is a 12-ms pulse of the others'
/// height, and its beat (7.2 s) was conducted ("N") with its fiducial on the stimulus, 86 ms
/// before the QRS: its two edges were found as two spikes whose clipped neighbourhoods
/// overlapped, and clipping one after the other left a 0.5-mV triangle that the detector took
/// for the QRS. A stimulus 3-10 times larger than the others (in height, or as that pulse) paces
/// its beat like the others, and the beat's fiducial lies on its QRS, not on the stimulus.
#[test]
fn a_larger_stimulus_paces_its_beat_with_the_fiducial_on_the_qrs() {
    let qrs = times(0.5, 1.0, 9.6);
    let odd = 5;
    let cases: [(&str, f64, usize); 4] = [
        ("3x", 1.5, 1),
        ("10x", 5.0, 1),
        ("12-ms pulse", 0.5, 6),
        ("12-ms pulse at 3x", 1.5, 6),
    ];
    for (what, mv, width) in cases {
        for seed in [1, 2] {
            let mut t = Tracing::new(10.0, qrs.clone(), 0.16, &PACED_QRS);
            t.p_s.clear();
            t.noise_mv = 0.02;
            t.seed = seed;
            let stimuli: Vec<(f64, f64)> = qrs
                .iter()
                .enumerate()
                .filter(|&(k, _)| k != odd)
                .map(|(_, r)| (r - 0.08, 0.5))
                .collect();
            let leads = with_wide_stimulus(
                with_stimuli(t.leads(), &stimuli, STIMULUS),
                qrs[odd] - 0.08,
                mv,
                width,
            );
            for down in [1, 2] {
                let beats = beats_at(&leads, down);
                let found: Vec<(signal::BeatClass, f64)> =
                    qrs.iter().map(|&r| beat_near(&beats, r)).collect();
                let ctx = format!("{what}, seed {seed}, 1/{down} of 500 Hz: {beats:?}");
                assert_eq!(beats.len(), qrs.len(), "{ctx}");
                // The first and last beats may be unclassifiable at the record's edges.
                for (k, (class, _)) in found.iter().enumerate().take(qrs.len() - 1).skip(1) {
                    assert_eq!(*class, signal::BeatClass::Paced, "beat {k}, {ctx}");
                }
                // The fiducial sits where the other paced beats' does, past the stimulus.
                let mut offsets: Vec<f64> = found
                    .iter()
                    .zip(&qrs)
                    .enumerate()
                    .filter(|&(k, _)| k != odd)
                    .map(|(_, ((_, f), r))| f - r)
                    .collect();
                offsets.sort_by(f64::total_cmp);
                let usual = offsets[offsets.len() / 2];
                let off = found[odd].1 - qrs[odd];
                assert!((off - usual).abs() <= 0.012, "{off} vs {usual}, {ctx}");
                assert!(found[odd].1 - (qrs[odd] - 0.08) >= 0.05, "{ctx}");
            }
        }
    }
}

/// In the same paced recording, beats without a stimulus stay unpaced whatever the stimuli
/// around them: a narrow beat conducted after a P wave, and a premature ventricular complex of
/// another shape.
#[test]
fn beats_without_a_stimulus_in_a_paced_recording_stay_unpaced() {
    let paced = [0.5, 1.5, 2.5, 3.5, 5.2, 6.2, 7.2, 8.9];
    let (pvc, conducted) = (4.1, 7.9);
    for seed in [1, 2] {
        let mut t = Tracing::new(10.0, paced.to_vec(), 0.16, &PACED_QRS);
        t.p_s = vec![conducted - 0.16];
        t.other = vec![(pvc, PVC.to_vec()), (conducted, common::NORMAL.to_vec())];
        t.noise_mv = 0.02;
        t.seed = seed;
        // One stimulus three times the others' height, as above.
        let stimuli: Vec<(f64, f64)> = paced
            .iter()
            .enumerate()
            .map(|(k, r)| (r - 0.08, if k == 5 { 1.5 } else { 0.5 }))
            .collect();
        let leads = with_stimuli(t.leads(), &stimuli, STIMULUS);
        for down in [1, 2] {
            let beats = beats_at(&leads, down);
            let ctx = format!("seed {seed}, 1/{down} of 500 Hz: {beats:?}");
            assert_eq!(beats.len(), paced.len() + 2, "{ctx}");
            for at in [pvc, conducted] {
                let (class, f) = beat_near(&beats, at);
                assert!((f - at).abs() < 0.05, "{at}: {ctx}");
                assert_ne!(class, signal::BeatClass::Paced, "{at}: {ctx}");
            }
            for &r in &paced[1..paced.len() - 1] {
                assert_eq!(
                    beat_near(&beats, r).0,
                    signal::BeatClass::Paced,
                    "{r}: {ctx}"
                );
            }
        }
    }
}

/// The statement of `a` whose text is `text`, or a panic listing what was said.
fn stated_in<'a>(a: &'a signal::Analysis, text: &str) -> &'a ecg::Statement {
    a.statements
        .iter()
        .find(|s| s.text == text)
        .unwrap_or_else(|| {
            let texts: Vec<&str> = a.statements.iter().map(|s| s.text.as_str()).collect();
            panic!("no {text:?} in {texts:?}")
        })
}

/// Sinus rhythm at 75/min (the textbook beat) with two pauses of 1.2 s, each ended by a
/// ventricular-paced beat (demand pacing at 50/min; a 0.5 mV stimulus 80 ms before the paced
/// QRS), or, with `artefact`, the same stimuli before two premature ventricular beats 0.5 s
/// after a sinus beat instead (no pause: the spikes are artefact).
fn intermittent_pacing(artefact: bool) -> Vec<Vec<f64>> {
    let sinus: Vec<f64> = [0.5, 1.3, 2.1, 2.9, 4.9, 5.7, 6.5, 8.5, 9.3].to_vec();
    let mut t = Tracing::new(10.0, sinus, 0.16, &common::TEXTBOOK);
    t.noise_mv = 0.02;
    let extra = if artefact { [3.4, 7.0] } else { [4.1, 7.7] };
    let waves = if artefact {
        PVC.to_vec()
    } else {
        PACED_QRS.to_vec()
    };
    t.other = extra.iter().map(|&at| (at, waves.clone())).collect();
    let stimuli: Vec<(f64, f64)> = extra.iter().map(|r| (r - 0.08, 0.5)).collect();
    with_stimuli(t.leads(), &stimuli, STIMULUS)
}

#[test]
fn ventricular_paced_beats_in_a_minority_are_named_where_a_pacemaker_would_pace() {
    // Demand pacing after two pauses: two of eleven beats paced, named with their times; the
    // rhythm is the sinus beats'.
    let (a, _) = analysis_at(&intermittent_pacing(false), 1);
    let texts: Vec<&str> = a.statements.iter().map(|s| s.text.as_str()).collect();
    let s = stated_in(&a, "Ventricular-paced complexes");
    let c = s.criterion.as_deref().unwrap_or("");
    assert!(c.starts_with("2 of 11 beats, at 4.1 s, 7.7 s:"), "{c}");
    assert_eq!(s.evidence.beats.len(), 2);
    assert!(texts.contains(&"Sinus rhythm"), "{texts:?}");
    assert!(!texts.contains(&"Ventricular paced rhythm"), "{texts:?}");
    // The same spikes before two premature beats, 0.5 s after a sinus beat: no pacemaker
    // paces that early without a P wave (r57; "paced" beats, named nowhere, before).
    let (a, _) = analysis_at(&intermittent_pacing(true), 1);
    let texts: Vec<&str> = a.statements.iter().map(|s| s.text.as_str()).collect();
    assert!(
        a.beats.iter().all(|b| b.class != signal::BeatClass::Paced),
        "{texts:?}"
    );
    assert!(
        !paced_stated(&texts.iter().map(|t| t.to_string()).collect::<Vec<_>>()),
        "{texts:?}"
    );
    assert!(
        texts.contains(&"Ventricular premature complexes"),
        "{texts:?}"
    );
}

#[test]
fn the_burdick_scp_names_its_four_atrial_tracked_paced_beats() {
    // The Burdick cart's SCP-ECG (tests/data/scp/burdick_wfdb_test): a stimulus before 4 of
    // its 11 beats, each after a P wave at 164-184 ms (its conducted beats' PR 148-166 ms):
    // ventricular pacing at a steady AV delay after a sensed P wave, the other beats
    // conducted. Up to r56 those beats were classed paced and named nowhere.
    let rec = formats::open(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/scp/burdick_wfdb_test/test.scp"
    ))
    .expect("the SCP file opens");
    let a = signal::analyze(&rec, &signal::AnalysisOptions::default()).expect("analysis runs");
    let texts: Vec<&str> = a.statements.iter().map(|s| s.text.as_str()).collect();
    let s = stated_in(&a, "Ventricular-paced complexes");
    assert!(
        s.criterion
            .as_deref()
            .unwrap_or("")
            .starts_with("4 of 11 beats"),
        "{:?}",
        s.criterion
    );
    assert!(texts.contains(&"Sinus rhythm"), "{texts:?}");
    assert!(!texts.contains(&"Ventricular paced rhythm"), "{texts:?}");
}

#[test]
fn a_stimulus_in_the_pause_after_a_p_wave_is_no_av_block() {
    // The Burdick SCP on lead II alone: its three small paced QRS complexes are not found as
    // beats there, and the P waves before them, each followed by a stimulus, read "Second-
    // degree AV block" and "Non-conducted atrial premature complexes" up to r60.
    let mut rec = formats::open(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/scp/burdick_wfdb_test/test.scp"
    ))
    .expect("the SCP file opens");
    rec.leads
        .retain(|l| l.label.to_string().eq_ignore_ascii_case("II"));
    let a = signal::analyze(&rec, &signal::AnalysisOptions::default()).expect("analysis runs");
    let texts: Vec<&str> = a.statements.iter().map(|s| s.text.as_str()).collect();
    for never in [
        "Second-degree AV block",
        "Non-conducted atrial premature complexes",
    ] {
        assert!(!texts.iter().any(|t| t.starts_with(never)), "{texts:?}");
    }
}
