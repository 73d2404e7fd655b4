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

/// `ludb_robustness`'s white noise: xorshift64* uniforms through Box-Muller, one stream per
/// lead (seeded from its index), so a failure here is the one the stability check shows.
struct Gaussian(u64);

impl Gaussian {
    fn uniform(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let r = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d);
        ((r >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    fn next(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// `rec` (leads in mV) with white noise of `rms_uv` in every lead, streams from `seed`.
fn with_noise(rec: &Recording, rms_uv: f64, seed: u64) -> Recording {
    let mut out = rec.clone();
    out.leads = rec
        .leads
        .iter()
        .enumerate()
        .map(|(k, l)| {
            let mut g = Gaussian((seed ^ (k as u64 + 1)).max(1));
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
    for seed in [0x9e37_79b9_7f4a_7c15, 7, 12_345] {
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
