//! A little recording noise does not change what a tracing is read as. LUDB record 17, kept
//! in `tests/data/wfdb/ludb_17` (ODC-By 1.0, see the folder's LICENSE): sinus rhythm at
//! 72/min with a first-degree AV block and a broad notched P wave (166 ms). With 10 µV of white
//! noise added as `examples/ludb_robustness.rs` adds it (the same generator and seeds), its
//! P waves fell into four "morphologies" and it read "Wandering atrial pacemaker" in place of
//! sinus rhythm, until the atrial foci drew each P segment's baseline at the aligned windows'
//! ends (step 46 of `bench/signal/interpretation.md`).

use ecg::Recording;

const RECORD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/wfdb/ludb_17/17.hea"
);

/// `ludb_robustness`'s white noise (the same generator and seeds), so a failure here is the
/// one the stability check shows.
#[path = "../examples/common/noise.rs"]
mod noise;

/// `rec` (leads in mV) with white noise of `rms_uv` in every lead, streams from `seed`.
fn with_noise(rec: &Recording, rms_uv: f64, seed: u64) -> Recording {
    let mut out = rec.clone();
    out.leads = rec
        .leads
        .iter()
        .enumerate()
        .map(|(k, l)| {
            let mut g = noise::Gaussian::new(seed ^ (k as u64 + 1));
            let x = l.signal.to_vec().expect("samples decode");
            let y = x
                .iter()
                .map(|&v| (f64::from(v) + rms_uv / 1000.0 * g.next()) as f32)
                .collect();
            l.with_samples(l.sampling_rate_hz, y)
        })
        .collect();
    out
}

#[test]
fn ludb_17_in_white_noise_is_sinus_rhythm_not_a_wandering_pacemaker() {
    let rec = formats::open(RECORD).expect("LUDB 17 opens");
    // The stability check's seed first, then two more streams.
    for seed in [noise::SEED, 7, 12_345] {
        for rms_uv in [0.0, 10.0] {
            let a = signal::analyze(
                &with_noise(&rec, rms_uv, seed),
                &signal::AnalysisOptions::default(),
            )
            .expect("analysis runs");
            let texts: Vec<&str> = a.statements.iter().map(|s| s.text.as_str()).collect();
            assert!(
                texts.contains(&"Sinus rhythm"),
                "{rms_uv} µV, seed {seed:#x}: {texts:?}"
            );
            assert!(
                !texts.iter().any(|t| t.starts_with("Wandering atrial")),
                "{rms_uv} µV, seed {seed:#x}: {texts:?}"
            );
        }
    }
}
