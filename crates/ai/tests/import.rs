//! Import: tiny Phi-3 + LoRA + `signal_proj` → one GGUF + projectors + manifest, then the
//! installed model runs HeartcareGPT and reproduces the merged-LoRA greedy ids; broken inputs give
//! errors that name the file and the problem.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use ai::engine::{ChatRequest, generate};
use ai::import::{HeartcareSources, ModelKind, Quantization, import_gguf, import_heartcaregpt};
use ai::model::{ChatModel, Mode, OpenOptions};
use ai::registry::Registry;
use candle::{Device, Tensor};

const QUESTION: &str = "Based on the ECG signal of a 68-year-old female patient, which rhythm is most likely? A: Sinus rhythm; B: Atrial fibrillation; C: Sinus bradycardia; D: Sinus tachycardia";

fn data(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data")).join(rel)
}

fn sources() -> HeartcareSources {
    HeartcareSources {
        base: data("vectors/phi3/tiny_phi3"),
        adapter: Some(data("vectors/phi3/tiny_phi3_lora")),
        signal_proj: Some(data("vectors/phi3/signal_proj_h32.safetensors")),
        tokenizer: Some(data("vectors/phi3/gguf/tiny_phi3_q8_0.gguf")),
        ..Default::default()
    }
}

fn reference() -> (Tensor, Vec<u32>) {
    let v = candle::safetensors::load(data("vectors/phi3/phi3_vectors.safetensors"), &Device::Cpu)
        .unwrap();
    let ids = v["lora_merged.c.generated_ids"]
        .to_vec1::<i64>()
        .unwrap()
        .into_iter()
        .map(|i| i as u32)
        .collect();
    (v["b.inputs_embeds"].narrow(0, 1, 20).unwrap(), ids)
}

fn answer(dir: &Path) -> Vec<u32> {
    let mut m = ChatModel::open(dir, OpenOptions::default()).unwrap();
    assert_eq!(m.mode, Mode::HeartcareGpt);
    let (soft, _) = reference();
    let req = ChatRequest {
        question: QUESTION.into(),
        soft_tokens: vec![soft],
        max_tokens: 24,
        ..Default::default()
    };
    generate(&mut m, &req, &AtomicBool::new(false), |_| {})
        .unwrap()
        .token_ids
}

#[test]
fn imported_heartcaregpt_reproduces_the_merged_lora_greedy_ids() {
    let tmp = tempfile::tempdir().unwrap();
    let mut stages = Vec::new();
    let m = import_heartcaregpt(&sources(), Quantization::F32, tmp.path(), "hc-f32", |p| {
        stages.push(p.stage)
    })
    .unwrap();
    assert!(stages.iter().any(|s| s == "merging LoRA") && stages.last().unwrap() == "done");
    assert_eq!(m.kind, ModelKind::HeartcareGpt);
    assert_eq!(
        m.tensors["model.gguf"]["blk.0.attn_qkv.weight"].shape,
        vec![96, 32]
    );
    assert_eq!(
        m.tensors["projectors.safetensors"]["signal_proj.0.weight"].shape,
        vec![32, 128]
    );
    assert_eq!(m.gguf.sha256.len(), 64);
    let (_, expected) = reference();
    assert_eq!(answer(&tmp.path().join("hc-f32")), expected);

    // Q8_0 of the merged weights: same greedy path (top-1 gaps ≥ 0.024).
    let q =
        import_heartcaregpt(&sources(), Quantization::Q8_0, tmp.path(), "hc-q8", |_| {}).unwrap();
    assert_eq!(q.quantization, "Q8_0");
    assert_eq!(q.tensors["model.gguf"]["token_embd.weight"].dtype, "Q8_0");
    assert_eq!(answer(&tmp.path().join("hc-q8")), expected);

    let reg = Registry::new(tmp.path());
    let listed = reg.list().unwrap();
    assert_eq!(
        listed.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(),
        ["hc-f32", "hc-q8"]
    );
    assert!(listed[1].bytes < listed[0].bytes);
    // a tampered file is refused before loading
    let proj = tmp.path().join("hc-q8/projectors.safetensors");
    let mut bytes = std::fs::read(&proj).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&proj, bytes).unwrap();
    let err = ChatModel::open(&tmp.path().join("hc-q8"), OpenOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("sha256") && err.contains("re-import"), "{err}");
    reg.remove("hc-q8").unwrap();
    assert_eq!(reg.list().unwrap().len(), 1);
    // names are unique
    let err = import_heartcaregpt(&sources(), Quantization::F32, tmp.path(), "hc-f32", |_| {})
        .unwrap_err();
    assert!(err.to_string().contains("already installed"));
}

#[test]
fn truncated_checkpoints_are_reported_with_their_path() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base");
    std::fs::create_dir(&base).unwrap();
    std::fs::copy(
        data("vectors/phi3/tiny_phi3/config.json"),
        base.join("config.json"),
    )
    .unwrap();
    let st = std::fs::read(data("vectors/phi3/tiny_phi3/model.safetensors")).unwrap();
    std::fs::write(base.join("model.safetensors"), &st[..st.len() / 2]).unwrap();
    let src = HeartcareSources {
        base: base.clone(),
        ..sources()
    };
    let err = import_heartcaregpt(
        &src,
        Quantization::Q8_0,
        &tmp.path().join("models"),
        "x",
        |_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("model.safetensors") && err.contains("truncated"),
        "{err}"
    );
    assert!(
        Registry::new(tmp.path().join("models"))
            .list()
            .unwrap()
            .is_empty(),
        "nothing half-installed"
    );

    let gguf = std::fs::read(data("vectors/phi3/gguf/tiny_phi3_q8_0.gguf")).unwrap();
    let cut = tmp.path().join("cut.gguf");
    std::fs::write(&cut, &gguf[..gguf.len() - 1000]).unwrap();
    let err = ChatModel::open(&cut, OpenOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cut.gguf") && err.contains("truncated"),
        "{err}"
    );
    let err = ChatModel::open(&base.join("config.json"), OpenOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("GGUF"), "{err}");
}

#[test]
fn a_stock_gguf_installs_as_a_grounded_model() {
    let tmp = tempfile::tempdir().unwrap();
    let llama = data("llm/tiny_random_llama_gguf/llama-2-tiny-random.gguf");
    let m = import_gguf(&llama, None, tmp.path(), "tiny-llama", |_| {}).unwrap();
    assert_eq!(m.kind, ModelKind::Grounded);
    assert_eq!(m.architecture, "llama");
    let model = ChatModel::open(&tmp.path().join("tiny-llama"), OpenOptions::default()).unwrap();
    assert_eq!(model.mode, Mode::Grounded);
}
