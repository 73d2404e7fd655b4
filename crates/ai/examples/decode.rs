//! Speed probe used by `bench/llm/run.sh` and `bench/llm/smollm2.sh`: feeds a fixed prompt of
//! token ids (`id_i = 100 + (i * 7919) % 30000`, the same in the Python and llama.cpp peers) the
//! way the chat engine does (in chunks of `ai::engine::PREFILL_CHUNK` where the back end allows
//! it), then decodes greedily and prints one JSON line `{"runtime", "model", "prompt_tokens",
//! "decode_tokens", "prefill_s", "prefill_tokens_per_s", "decode_s", "tokens_per_s",
//! "first_ids"}`. Threads: `RAYON_NUM_THREADS`.
//!
//! `cargo run --release -p heartlens-ai --example decode -- MODEL [PROMPT_TOKENS] [DECODE_TOKENS] [--reference]`
//! (`--reference`: candle-transformers' llama and candle's kernels, the path before issue 17).

use std::path::PathBuf;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let reference = args.iter().any(|a| a == "--reference");
    args.retain(|a| a != "--reference");
    let mut args = args.into_iter();
    let model_path = PathBuf::from(args.next().ok_or("usage: decode MODEL [PROMPT] [DECODE]")?);
    let n_prompt: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(128);
    let n_decode: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(64);
    let opts = ai::OpenOptions {
        reference_kernels: reference,
        ..ai::OpenOptions::default()
    };
    let mut model = ai::ChatModel::open(&model_path, opts)?;
    let prompt: Vec<u32> = (0..n_prompt)
        .map(|i| 100 + ((i * 7919) % 30000) as u32)
        .collect();
    let chunk = if model.backend.chunked_prefill() {
        ai::engine::PREFILL_CHUNK
    } else {
        n_prompt
    };
    let t0 = Instant::now();
    let mut logits = None;
    for (i, part) in prompt.chunks(chunk).enumerate() {
        logits = Some(model.backend.forward_ids(part, i * chunk)?);
    }
    let mut logits = logits.ok_or("empty prompt")?;
    let prefill_s = t0.elapsed().as_secs_f64();
    let mut ids = Vec::new();
    let t1 = Instant::now();
    for i in 0..n_decode {
        let next = logits.argmax(0)?.to_scalar::<u32>()?;
        ids.push(next);
        logits = model.backend.forward_ids(&[next], n_prompt + i)?;
    }
    let decode_s = t1.elapsed().as_secs_f64();
    let runtime = if reference {
        "heartlens-candle-reference"
    } else {
        "heartlens"
    };
    println!(
        "{{\"runtime\":\"{runtime}\",\"threads\":{},\"model\":{:?},\"prompt_tokens\":{n_prompt},\"decode_tokens\":{n_decode},\"prefill_s\":{prefill_s:.4},\"prefill_tokens_per_s\":{:.2},\"decode_s\":{decode_s:.4},\"tokens_per_s\":{:.3},\"first_ids\":{:?}}}",
        rayon::current_num_threads(),
        model_path.display().to_string(),
        n_prompt as f64 / prefill_s,
        n_decode as f64 / decode_s,
        &ids[..ids.len().min(8)]
    );
    Ok(())
}
