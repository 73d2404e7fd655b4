//! Atrial flutter read the same at 250, 500 and 1000 Hz on the two LUDB flutter records kept
//! in `tests/data/wfdb` (ODC-By 1.0, see the folders' LICENSE): record 35 (regular atrial
//! activity without organised P waves) and record 52 (4:1 with a drifting
//! flutter-wave-to-QRS interval, RR 0.79-0.95 s), each resampled by the polyphase resampler
//! as `examples/ludb_robustness.rs` does. Record 52 read "Sinus rhythm; First-degree AV
//! block" at 250 Hz and "Atrial fibrillation" at 1000 Hz before
//! `rhythm::variable_ratio_flutter` (step 42 of `bench/signal/interpretation.md`).

use ecg::Recording;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/wfdb");

/// `rec` with every lead resampled from 500 Hz to `fs`.
fn resampled(rec: &Recording, fs: f64) -> Recording {
    let (up, down) = match fs as usize {
        250 => (1, 2),
        500 => (1, 1),
        1000 => (2, 1),
        other => panic!("no resampling to {other} Hz"),
    };
    let mut out = rec.clone();
    out.leads = rec
        .leads
        .iter()
        .map(|l| {
            assert_eq!(l.sampling_rate_hz, 500.0);
            let x: Vec<f64> = l
                .signal
                .to_vec()
                .expect("samples decode")
                .into_iter()
                .map(f64::from)
                .collect();
            let y = if up == down {
                x
            } else {
                signal::resample_poly(&x, up, down).expect("a valid ratio")
            };
            l.with_samples(fs, y.into_iter().map(|v| v as f32).collect())
        })
        .collect();
    out
}

#[test]
fn ludb_flutter_records_read_atrial_flutter_at_250_500_and_1000_hz() {
    for path in ["ludb/35.hea", "ludb_52/52.hea"] {
        let rec = formats::open(format!("{DATA}/{path}")).expect("LUDB record opens");
        for fs in [250.0, 500.0, 1000.0] {
            let a = signal::analyze(&resampled(&rec, fs), &signal::AnalysisOptions::default())
                .expect("the analysis runs");
            let texts: Vec<&str> = a.statements.iter().map(|s| s.text.as_str()).collect();
            assert!(a.atrial_flutter, "{path} at {fs} Hz: {texts:?}");
            assert!(
                texts.contains(&"Atrial flutter"),
                "{path} at {fs} Hz: {texts:?}"
            );
            // Record 35's waves without organised P waves at an irregular RR keep their
            // phase from beat to beat (`rhythm::phase_coherence`: 0.88-0.90).
            if path == "ludb/35.hea" {
                let c = a
                    .statements
                    .iter()
                    .find(|s| s.text == "Atrial flutter")
                    .and_then(|s| s.criterion.clone())
                    .unwrap_or_default();
                assert!(
                    c.contains("keep their phase from beat to beat"),
                    "{fs} Hz: {c}"
                );
            }
            for other in ["Sinus", "Atrial fibrillation", "First-degree AV block"] {
                assert!(
                    !texts.iter().any(|t| t.starts_with(other)),
                    "{path} at {fs} Hz: {texts:?}"
                );
            }
        }
    }
}
