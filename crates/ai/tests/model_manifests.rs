//! The model manifests in `models/` (expected checkpoints, shapes, hashes, prompt format) agree
//! with the code that loads and prompts the models, and with the reference checkpoints in
//! `tests/data/vectors`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

fn repo(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn manifest(name: &str) -> Value {
    let p = repo("models").join(name);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn dims(v: &Value) -> Vec<Value> {
    v.as_array().expect("a shape is an array").clone()
}

/// Tensor name -> shape of a safetensors file.
fn shapes(rel: &str) -> BTreeMap<String, Vec<usize>> {
    let t = candle::safetensors::load(repo(rel), &candle::Device::Cpu).expect("safetensors");
    t.into_iter().map(|(k, v)| (k, v.dims().to_vec())).collect()
}

#[test]
fn beat_v3_manifest_matches_the_config_and_the_reference_checkpoint() {
    let m = manifest("beat-v3.json");
    let c = ai::models::beat::Config::v3();
    let cfg = &m["config"];
    for (key, want) in [
        ("seq_len", c.seq_len),
        ("patch_size", c.patch_size),
        ("channels", c.channels),
        ("dim", c.dim),
        ("depth", c.depth),
        ("heads", c.heads),
        ("dim_head", c.dim_head),
        ("ff_mult", c.ff_mult),
        ("num_queries", c.num_queries),
        ("codebook_size", c.codebook_size),
        ("residual_levels", c.residual_levels),
    ] {
        assert_eq!(cfg[key].as_u64(), Some(want as u64), "config.{key}");
    }
    assert_eq!(
        m["output"]["codes_per_window"].as_u64(),
        Some(c.num_queries as u64)
    );

    let reference = &m["reference_random_weights"];
    let file = reference["file"].as_str().expect("file");
    let want: BTreeMap<String, Vec<usize>> = m["checkpoint"]["tensors"]
        .as_object()
        .expect("tensors")
        .iter()
        .map(|(k, v)| {
            let d = dims(v)
                .iter()
                .map(|x| x.as_u64().expect("numeric dim") as usize)
                .collect();
            (k.clone(), d)
        })
        .collect();
    assert_eq!(shapes(file), want, "tensor names and shapes of {file}");
    assert_eq!(
        ai::import::sha256_file(&repo(file)).expect("hash"),
        reference["sha256"].as_str().expect("sha256")
    );
}

#[test]
fn heartcaregpt_manifest_matches_the_prompt_and_the_projector() {
    use ai::prompt::{
        HEARTCAREGPT_VOCAB, IMAGE_END, IMAGE_START, PHI3_END, PHI3_EOS, SIGNAL_END, SIGNAL_START,
    };
    let m = manifest("heartcaregpt-v3.json");
    let voc = &m["vocabulary"];
    assert_eq!(voc["size"].as_u64(), Some(HEARTCAREGPT_VOCAB as u64));
    assert_eq!(
        m["base_config_phi3_mini_4k"]["vocab_size_after_resize"].as_u64(),
        Some(HEARTCAREGPT_VOCAB as u64)
    );
    for (token, id) in [
        ("<signal_start>", SIGNAL_START),
        ("<signal_end>", SIGNAL_END),
        ("<image_start>", IMAGE_START),
        ("<image_end>", IMAGE_END),
    ] {
        assert_eq!(voc["added"][token].as_u64(), Some(u64::from(id)), "{token}");
    }
    assert_eq!(
        voc["eos"]["<|endoftext|>"].as_u64(),
        Some(u64::from(PHI3_EOS))
    );
    assert_eq!(voc["end"]["<|end|>"].as_u64(), Some(u64::from(PHI3_END)));
    let prompt = &m["prompt"];
    assert_eq!(
        prompt["text"].as_str(),
        Some(ai::prompt::heartcaregpt_text("{question}").as_str())
    );
    let stops: Vec<u64> = prompt["stop_ids"]
        .as_array()
        .expect("stop ids")
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    assert_eq!(stops, [u64::from(PHI3_EOS), u64::from(PHI3_END)]);

    // The projector's shapes, with H the hidden size, against the reference projectors.
    let template = m["signal_proj"]["tensors"].as_object().expect("tensors");
    for (rel, hidden) in [
        ("tests/data/vectors/beat/signal_proj_h32.safetensors", 32),
        ("tests/data/vectors/beat/signal_proj_h64.safetensors", 64),
    ] {
        let want: BTreeMap<String, Vec<usize>> = template
            .iter()
            .map(|(k, v)| {
                let d = dims(v)
                    .iter()
                    .map(|x| match x {
                        Value::String(s) if s == "H" => hidden,
                        other => other.as_u64().expect("numeric dim or H") as usize,
                    })
                    .collect();
                (k.clone(), d)
            })
            .collect();
        assert_eq!(shapes(rel), want, "{rel}");
    }
}
