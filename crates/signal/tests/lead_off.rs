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

/// `ludb_robustness`'s white noise (the same generator), one stream per lead.
#[path = "../examples/common/noise.rs"]
mod noise;

/// The Contec 12-lead SCP file (`tests/data/scp/contec_0000050`, GPL-3.0, see the folder's
/// LICENSE): sinus tachycardia-range atrial fibrillation at 122/min on the limb leads, its
/// six chest leads stored as exactly zero (electrodes off).
const CONTEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/scp/contec_0000050/0000050.ECG.scp"
);

#[test]
fn chest_electrodes_off_with_amplifier_noise_are_leads_off_not_beats() {
    // Given 25 µV of noise of their own, the zero chest leads were no longer flat: the
    // detector raised their noise to the size of a QRS and every beat's "QRS" differed from
    // the dominant one there, so the file read "Ventricular premature complexes" (and
    // "Ventricular tachycardia, non-sustained", "Non-specific intraventricular conduction
    // delay") in every realisation, and lost its "Technically limited recording".
    let rec = formats::open(CONTEC).expect("Contec SCP opens");
    let opts = signal::AnalysisOptions::default();
    let texts = |a: &signal::Analysis| -> Vec<String> {
        a.statements.iter().map(|s| s.text.clone()).collect()
    };
    let base = signal::analyze(&rec, &opts).unwrap();
    for (rms_uv, seed) in [(25.0, noise::SEED), (50.0, 7)] {
        let mut noisy = rec.clone();
        for (k, l) in noisy.leads.iter_mut().enumerate() {
            if !l.label.to_string().starts_with('V') {
                continue;
            }
            let mut g = noise::Gaussian::new(seed ^ (k as u64 + 1));
            let per_uv = 1.0 / l.unit.to_uv_factor().expect("a voltage lead");
            let x: Vec<f32> = l
                .signal
                .to_vec()
                .unwrap()
                .iter()
                .map(|&v| (f64::from(v) + rms_uv * per_uv * g.next()) as f32)
                .collect();
            *l = l.with_samples(l.sampling_rate_hz, x);
        }
        let a = signal::analyze(&noisy, &opts).unwrap();
        assert_eq!(texts(&a), texts(&base), "{rms_uv} µV");
        assert_eq!(a.beats.len(), base.beats.len(), "{rms_uv} µV");
        let limited = a
            .statements
            .iter()
            .find(|s| s.text == "Technically limited recording")
            .unwrap();
        let c = limited.criterion.as_deref().unwrap();
        for v in 1..=6 {
            assert!(c.contains(&format!("V{v} (no beats, only noise")), "{c}");
        }
        assert_eq!(limited.evidence.leads.len(), 6, "{c}");
        // Nothing is measured in the noise: no P, R, ST or T of a chest lead.
        for amp in a
            .amplitudes
            .iter()
            .filter(|m| m.lead.to_string().starts_with('V'))
        {
            assert_eq!(
                (amp.p, amp.r, amp.st_j, amp.t),
                (None, None, None, None),
                "{amp:?}"
            );
        }
    }
}
