//! Re-quantises a GGUF file to another type with candle's quantiser (the one
//! `heartlens models import` uses), for `bench/llm/smollm2.sh`: every 2-D weight is dequantised to
//! f32 and quantised again; norms and other 1-D tensors are copied; metadata is kept.
//!
//! `cargo run --release -p heartlens-ai --example requantize -- IN.gguf OUT.gguf TYPE`
//!
//! TYPE is `q4_0`, `q4_1`, `q5_0`, `q5_1`, `q8_0`, `q2_k` .. `q6_k`, or the llama.cpp mixes
//! `q4_k_m` / `q5_k_m` (`attn_v` and `ffn_down` in Q6_K, the rest in Q4_K / Q5_K). As llama.cpp
//! does, a tensor whose rows are not a multiple of 256 cannot take a k-quant and falls back
//! (Q2_K/Q3_K/Q4_K -> Q5_0 ... see `fallback`); SmolLM2's 576-wide rows do.

use candle::Device;
use candle::quantized::{GgmlDType, QTensor, gguf_file};

fn parse(t: &str) -> Option<GgmlDType> {
    Some(match t {
        "q4_0" => GgmlDType::Q4_0,
        "q4_1" => GgmlDType::Q4_1,
        "q5_0" => GgmlDType::Q5_0,
        "q5_1" => GgmlDType::Q5_1,
        "q8_0" => GgmlDType::Q8_0,
        "q2_k" => GgmlDType::Q2K,
        "q3_k" => GgmlDType::Q3K,
        "q4_k" | "q4_k_m" => GgmlDType::Q4K,
        "q5_k" | "q5_k_m" => GgmlDType::Q5K,
        "q6_k" => GgmlDType::Q6K,
        _ => return None,
    })
}

/// llama.cpp's fallback for k-quants on rows that are not a multiple of 256
/// (`llama-quant.cpp`, `llama_tensor_get_type`).
fn fallback(t: GgmlDType) -> GgmlDType {
    match t {
        GgmlDType::Q2K | GgmlDType::Q3K => GgmlDType::Q4_0,
        GgmlDType::Q4K => GgmlDType::Q5_0,
        GgmlDType::Q5K => GgmlDType::Q5_1,
        GgmlDType::Q6K => GgmlDType::Q8_0,
        other => other,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output, kind] = &args[..] else {
        return Err("usage: requantize IN.gguf OUT.gguf TYPE".into());
    };
    let base = parse(kind).ok_or_else(|| format!("unknown type {kind}"))?;
    let mix = kind.ends_with("_m");
    let mut f = std::fs::File::open(input)?;
    let ct = gguf_file::Content::read(&mut f)?;
    let dev = Device::Cpu;
    let mut names: Vec<&String> = ct.tensor_infos.keys().collect();
    names.sort();
    let mut tensors: Vec<(String, QTensor)> = Vec::new();
    for name in names {
        let t = ct.tensor(&mut f, name, &dev)?;
        if t.shape().rank() != 2 {
            tensors.push((name.clone(), t));
            continue;
        }
        let mut want = base;
        if mix && (name.contains("attn_v") || name.contains("ffn_down")) {
            want = GgmlDType::Q6K;
        }
        if name == "token_embd.weight" || name == "output.weight" {
            // llama.cpp keeps the output matrix at Q6_K for k-quant mixes, Q8_0 otherwise here.
            want = if mix { GgmlDType::Q6K } else { base };
        }
        let cols = t.shape().dims()[1];
        if !cols.is_multiple_of(want.block_size()) {
            want = fallback(want);
        }
        let q = QTensor::quantize(&t.dequantize(&dev)?, want)?;
        tensors.push((name.clone(), q));
    }
    let mut md: Vec<(&str, &gguf_file::Value)> = ct
        .metadata
        .iter()
        .filter(|(k, _)| k.as_str() != "general.file_type")
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    md.sort_by_key(|(k, _)| *k);
    let refs: Vec<(&str, &QTensor)> = tensors.iter().map(|(n, t)| (n.as_str(), t)).collect();
    let mut out = std::io::BufWriter::new(std::fs::File::create(output)?);
    gguf_file::write(&mut out, &md, &refs)?;
    let mut counts = std::collections::BTreeMap::new();
    for (_, t) in &tensors {
        *counts.entry(format!("{:?}", t.dtype())).or_insert(0) += 1;
    }
    eprintln!("{output}: {counts:?}");
    Ok(())
}
