//! The quantised matrix products of the GGUF language models (issue 17): one linear layer of
//! SmolLM2-135M's shape (`gate_up`, 3072 x 576) and Phi-3-mini's (`down`, 3072 x 8192), per
//! weight type, for decode (1 activation row) and a prefill chunk (128 rows, the chat engine's
//! `PREFILL_CHUNK`). Throughput is in multiply-adds.
//!
//! `qmatmul_stream` is decode as a model runs it: one activation row through a chain of distinct
//! weights of 256 MB in all (more than this machine's L3), so each product waits on memory as in
//! a decode step; throughput is in weight bytes of the GGUF file read per second.
//! `HEARTLENS_NO_HALVES=1` measures the f32 group scales the kernels read before halves.
//!
//! Kernel choice is the run-time one; `HEARTLENS_NO_VNNI=1` or `HEARTLENS_NO_AVX512=1` measure
//! the older kernels on the same CPU. Threads: `RAYON_NUM_THREADS`.
//!
//! `cargo bench -p heartlens-ai --bench quant -- --quick`

use ai::models::quant::{QActs, QWeight};
use candle::quantized::{GgmlDType, QTensor};
use candle::{Device, Tensor};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn values(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(6364136223846793005) | 1;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let shapes = [
        ("smollm2_gate_up", 3072usize, 576usize),
        ("phi3_down", 3072, 8192),
    ];
    let types = [
        GgmlDType::Q4_0,
        GgmlDType::Q4_1,
        GgmlDType::Q5_0,
        GgmlDType::Q8_0,
        GgmlDType::Q4K,
        GgmlDType::Q6K,
    ];
    for (name, rows, cols) in shapes {
        let w =
            Tensor::from_vec(values(rows * cols, 1), (rows, cols), &Device::Cpu).expect("weights");
        let mut g = c.benchmark_group(format!("qmatmul_{name}"));
        for t in types
            .into_iter()
            .filter(|t| cols.is_multiple_of(t.block_size()))
        {
            let q = QTensor::quantize(&w, t).expect("quantise");
            let p = QWeight::from_qtensor(&q)
                .expect("repack")
                .expect("a kernel type");
            for m in [1usize, 128] {
                let x = values(m * cols, 2);
                let mut out = vec![0f32; m * rows];
                g.throughput(Throughput::Elements((m * rows * cols) as u64));
                g.bench_function(format!("{t:?}_m{m}"), |b| {
                    b.iter(|| {
                        let acts = QActs::quantize(&x, m, cols);
                        p.matmul(&acts, &mut out);
                    })
                });
            }
        }
        g.finish();
    }
}

/// Decode through weights larger than the last-level cache (see the module doc).
fn bench_stream(c: &mut Criterion) {
    const TOTAL: usize = 256 << 20;
    let (rows, cols) = (1536usize, 576usize);
    let w = Tensor::from_vec(values(rows * cols, 1), (rows, cols), &Device::Cpu).expect("weights");
    let x = values(cols, 2);
    let mut out = vec![0f32; rows];
    let mut g = c.benchmark_group("qmatmul_stream");
    g.sample_size(20);
    for t in [GgmlDType::Q4_0, GgmlDType::Q4_1, GgmlDType::Q8_0] {
        let q = QTensor::quantize(&w, t).expect("quantise");
        let file_bytes = rows * cols / t.block_size() * t.type_size();
        let p = QWeight::from_qtensor(&q)
            .expect("repack")
            .expect("a kernel type");
        // Distinct copies, so no product finds its weights in cache.
        let copies: Vec<QWeight> = (0..TOTAL / file_bytes).map(|_| p.clone()).collect();
        g.throughput(Throughput::Bytes((copies.len() * file_bytes) as u64));
        g.bench_function(format!("{t:?}_m1"), |b| {
            b.iter(|| {
                let acts = QActs::quantize(&x, 1, cols);
                for p in &copies {
                    p.matmul(&acts, &mut out);
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench, bench_stream);
criterion_main!(benches);
