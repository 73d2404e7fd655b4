//! Decode-speed probe used by `bench/llm/run.sh`: feeds a fixed prompt of token ids
//! (`id_i = 100 + (i * 7919) % 30000`, the same in the Python peers), then decodes greedily and
//! prints one JSON line `{"runtime", "model", "prompt_tokens", "decode_tokens", "prefill_s",
//! "decode_s", "tokens_per_s", "first_ids"}`.
//!
//! `cargo run --release -p heartlens-ai --example decode -- MODEL [PROMPT_TOKENS] [DECODE_TOKENS]`

use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let model_path = PathBuf::from(args.next().ok_or("usage: decode MODEL [PROMPT] [DECODE]")?);
    let n_prompt: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(128);
    let n_decode: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(64);
    let mut model = ai::ChatModel::open(&model_path, ai::OpenOptions::default())?;
    let prompt: Vec<u32> = (0..n_prompt)
        .map(|i| 100 + ((i * 7919) % 30000) as u32)
        .collect();
    let t0 = Instant::now();
    let mut logits = model.backend.forward_ids(&prompt, 0)?;
    let prefill_s = t0.elapsed().as_secs_f64();
    let mut ids = Vec::new();
    let t1 = Instant::now();
    for i in 0..n_decode {
        let next = logits.argmax(0)?.to_scalar::<u32>()?;
        ids.push(next);
        logits = model.backend.forward_ids(&[next], n_prompt + i)?;
    }
    let decode_s = t1.elapsed().as_secs_f64();
    println!(
        "{{\"runtime\":\"heartlens-candle\",\"model\":{:?},\"prompt_tokens\":{n_prompt},\"decode_tokens\":{n_decode},\"prefill_s\":{prefill_s:.4},\"decode_s\":{decode_s:.4},\"tokens_per_s\":{:.3},\"first_ids\":{:?}}}",
        model_path.display().to_string(),
        n_decode as f64 / decode_s,
        &ids[..ids.len().min(8)]
    );
    Ok(())
}
