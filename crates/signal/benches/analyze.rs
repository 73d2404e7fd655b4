//! Criterion benches: `analyze` on a 10-s 12-lead record (LUDB 1, 500 Hz) and on 30 min of
//! 2 leads (MIT-BIH 100, 360 Hz), the monitoring filter chain over 12 leads run together
//! (interleaved lanes) and one lead at a time, the Beat preprocessing of one lead, and a
//! pyramid query of 2000 columns over 30 min.
//! Run: `cargo bench -p heartlens-signal --bench analyze`.

use criterion::{Criterion, black_box, criterion_group, criterion_main};

const LUDB_1: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/wfdb/ludb/1.hea"
);
const MITDB_100: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/data/wfdb/mitdb_100/100.hea"
);

fn bench(c: &mut Criterion) {
    let rec = formats::open(LUDB_1).expect("LUDB 1 opens");
    let opts = signal::AnalysisOptions::default();
    c.bench_function("analyze LUDB 1 (10 s, 12 leads, 500 Hz)", |b| {
        b.iter(|| signal::analyze(black_box(&rec), &opts).expect("analysis"))
    });
    let leads: Vec<Vec<f64>> = rec
        .leads
        .iter()
        .map(|l| {
            l.signal
                .to_vec()
                .expect("samples")
                .into_iter()
                .map(f64::from)
                .collect()
        })
        .collect();
    let views: Vec<&[f64]> = leads.iter().map(Vec::as_slice).collect();
    let chain = signal::FilterChain::monitoring();
    c.bench_function("0.5-40 Hz + notch, 12 leads together", |b| {
        b.iter(|| {
            chain
                .apply_many(black_box(&views), 500.0)
                .expect("filtered")
        })
    });
    c.bench_function("0.5-40 Hz + notch, 12 leads one at a time", |b| {
        b.iter(|| {
            views
                .iter()
                .map(|x| chain.apply(black_box(x), 500.0).expect("filtered"))
                .collect::<Vec<_>>()
        })
    });
    let x: Vec<f64> = rec.leads[1]
        .signal
        .to_vec()
        .expect("samples")
        .into_iter()
        .map(f64::from)
        .collect();
    c.bench_function("beat preprocessing, one lead (resample + ecg_clean)", |b| {
        b.iter(|| signal::beat_preprocess::clean_for_beat(black_box(&x), 500).expect("clean"))
    });
    let mit = formats::open(MITDB_100).expect("MIT-BIH 100 opens");
    c.bench_function("analyze MIT-BIH 100 (30 min, 2 leads, 360 Hz)", |b| {
        b.iter(|| signal::analyze(black_box(&mit), &opts).expect("analysis"))
    });
    let pyr = signal::Pyramid::build(&mit.leads[0].signal).expect("pyramid");
    c.bench_function("pyramid min/max, 2000 columns over 30 min", |b| {
        b.iter(|| pyr.min_max(0, black_box(pyr.len()), 2000))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
