//! Beat on CPU: time per 4-s window (v3) for tokenization (embed + encoder + RVQ), at batch 1
//! and batch 8, plus the full forward with decoder and prediction head; `tokenize_b1_candle_ops`
//! runs the same window through candle's device-generic ops instead of the packed CPU kernels.
//!
//! Uses the reference test weights (`tests/data/vectors/beat`, random but full-size) and the
//! `ptbxl_HR06000` window. `bench/beat/run.sh` runs this and the PyTorch peer in one go.

use std::path::PathBuf;

use ai::models::beat::{Beat, Config};
use candle::{Device, Tensor};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn data(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/vectors/beat/"
    ))
    .join(name)
}

fn bench(c: &mut Criterion) {
    let dev = Device::Cpu;
    let model = Beat::load(&Config::v3(), &[data("beat_v3_weights.safetensors")], &dev)
        .expect("v3 weights");
    let vectors =
        candle::safetensors::load(data("beat_v3_vectors.safetensors"), &dev).expect("vectors");
    let x1 = vectors["ptbxl_HR06000.input"].unsqueeze(0).expect("input");
    let x8 = Tensor::cat(&[&x1; 8], 0).expect("batch");

    let mut g = c.benchmark_group("beat_v3");
    g.throughput(Throughput::Elements(1));
    g.bench_function("tokenize_b1", |b| {
        b.iter(|| model.forward(&x1).expect("forward"))
    });
    g.bench_function("full_b1", |b| {
        b.iter(|| {
            let out = model.forward(&x1).expect("forward");
            let recon = model.decode(&out.quantized).expect("decode");
            let pred = model.predict(&out.encoder_queries).expect("predict");
            (out, recon, pred)
        })
    });
    // The device-generic candle path (what a GPU runs), on the CPU for comparison.
    let candle_ops = model.clone().with_candle_ops();
    g.bench_function("tokenize_b1_candle_ops", |b| {
        b.iter(|| candle_ops.forward(&x1).expect("forward"))
    });
    g.throughput(Throughput::Elements(8));
    g.bench_function("tokenize_b8", |b| {
        b.iter(|| model.forward(&x8).expect("forward"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
