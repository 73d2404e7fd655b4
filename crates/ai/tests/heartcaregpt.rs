//! The whole HeartcareGPT-v3 recipe from a recording: CinC 2021 HR06000 (PTB-XL) at 500 Hz →
//! Beat v3 (the reference window start, 672 at 250 Hz) → codes → codebook sums → `signal_proj`
//! (H = 32) → soft tokens, checked against the reference `b.inputs_embeds` rows 1..=20, then the
//! installed tiny HeartcareGPT answers with the reference greedy ids of case (c).

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use ai::engine::{ChatRequest, generate};
use ai::import::{HeartcareSources, Quantization, import_heartcaregpt};
use ai::model::{ChatModel, Mode, OpenOptions};
use ai::tokenize::{TokenizeOptions, WindowMode, tokenize};
use candle::{DType, Device};
use ecg::{Lead, Recording, Signal, Unit};

fn data(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data")).join(rel)
}

#[test]
fn recording_to_answer_matches_the_reference_soft_tokens_and_greedy_ids() {
    let pre = candle::safetensors::load(
        data("vectors/preprocess/ptbxl_HR06000.safetensors"),
        &Device::Cpu,
    )
    .unwrap();
    let raw = pre["raw_500hz"]
        .to_dtype(DType::F32)
        .unwrap()
        .to_vec2::<f32>()
        .unwrap();
    let names = [
        "I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6",
    ];
    let leads = names
        .iter()
        .zip(raw)
        .map(|(n, v)| Lead::new(n, 500.0, Unit::Millivolt, Signal::from_physical(v)))
        .collect();
    let rec = Recording::new(leads);

    let tmp = tempfile::tempdir().unwrap();
    let src = HeartcareSources {
        base: data("vectors/phi3/tiny_phi3"),
        signal_proj: Some(data("vectors/phi3/signal_proj_h32.safetensors")),
        beat: Some(data("vectors/beat/beat_v3_weights.safetensors")),
        tokenizer: Some(data("vectors/phi3/gguf/tiny_phi3_q8_0.gguf")),
        ..Default::default()
    };
    import_heartcaregpt(&src, Quantization::F32, tmp.path(), "hc", |_| {}).unwrap();
    let dir = tmp.path().join("hc");
    let mut model = ChatModel::open(&dir, OpenOptions::default()).unwrap();
    assert_eq!(model.mode, Mode::HeartcareGpt);

    let beat = ChatModel::load_beat(&dir.join(ai::import::BEAT_FILE)).unwrap();
    let opts = TokenizeOptions {
        mode: WindowMode::Start(672),
    };
    let tokenized = tokenize(&beat, &rec, &opts).unwrap();
    let soft = model.soft_tokens(&beat, &tokenized).unwrap();
    assert_eq!(soft.len(), 1);
    let v = candle::safetensors::load(data("vectors/phi3/phi3_vectors.safetensors"), &Device::Cpu)
        .unwrap();
    let reference = v["b.inputs_embeds"].narrow(0, 1, 20).unwrap();
    let d = (&soft[0] - &reference)
        .unwrap()
        .abs()
        .unwrap()
        .flatten_all()
        .unwrap()
        .max(0)
        .unwrap();
    let d = d.to_scalar::<f32>().unwrap();
    assert!(d <= 1e-4, "soft tokens differ from the reference by {d}");

    let req = ChatRequest {
        question: "Based on the ECG signal of a 68-year-old female patient, which rhythm is most likely? A: Sinus rhythm; B: Atrial fibrillation; C: Sinus bradycardia; D: Sinus tachycardia".into(),
        soft_tokens: soft,
        max_tokens: 24,
        ..Default::default()
    };
    let a = generate(&mut model, &req, &AtomicBool::new(false), |_| {}).unwrap();
    let expected: Vec<u32> = v["c.generated_ids"]
        .to_vec1::<i64>()
        .unwrap()
        .into_iter()
        .map(|i| i as u32)
        .collect();
    assert_eq!(a.token_ids, expected);
}
