//! Parity of the Phi-3 runtime with the reference vectors of `shared/vectors/phi3` (copied to
//! `tests/data/vectors/phi3`, see its README section 3): tiny random Phi-3 (hidden 32, 2 layers,
//! vocab 32016), with and without the merged LoRA, from safetensors (f32) and from the Q8_0 GGUF.
//!
//! Tolerances: 1e-4 abs on hidden states and logits (|logit| ≤ ~10; the reference's own f32/f64
//! and sdpa/eager spreads are ≤ 4e-6, candle vs reference 3e-6); greedy ids exact (smallest top-1
//! gap along the path is 0.024). The quantized path with activations re-quantized to Q8 moves logits
//! by up to ~0.1, so only its ids are compared.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use ai::engine::{ChatRequest, SamplingSettings, StopReason, generate};
use ai::model::{Backend, ChatModel, Mode};
use ai::models::phi3::Phi3;
use ai::models::quantized_phi3::{QuantizedOptions, QuantizedPhi3};
use ai::prompt::{ChatTemplate, PHI3_END, PHI3_EOS};
use ai::tokenizer::TextTokenizer;
use candle::{Device, IndexOp, Tensor};

const TOL: f32 = 1e-4;
const QUESTION: &str = "Based on the ECG signal of a 68-year-old female patient, which rhythm is most likely? A: Sinus rhythm; B: Atrial fibrillation; C: Sinus bradycardia; D: Sinus tachycardia";

fn data(rel: &str) -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/vectors/phi3"
    ))
    .join(rel)
}

fn vectors(rel: &str) -> HashMap<String, Tensor> {
    candle::safetensors::load(data(rel), &Device::Cpu).unwrap()
}

fn ids(v: &HashMap<String, Tensor>, key: &str) -> Vec<u32> {
    v[key]
        .to_vec1::<i64>()
        .unwrap()
        .into_iter()
        .map(|i| i as u32)
        .collect()
}

fn max_abs(a: &Tensor, b: &Tensor) -> f32 {
    assert_eq!(a.dims(), b.dims(), "shapes differ");
    (a - b)
        .unwrap()
        .abs()
        .unwrap()
        .flatten_all()
        .unwrap()
        .max(0)
        .unwrap()
        .to_scalar::<f32>()
        .unwrap()
}

fn assert_close(what: &str, a: &Tensor, b: &Tensor, tol: f32) {
    let d = max_abs(a, b);
    assert!(d <= tol, "{what}: max abs diff {d} > {tol}");
}

/// Checks logits_last, top-16 values (and top-1 ids) and logsumexp of every position.
fn check_logits(what: &str, logits: &Tensor, v: &HashMap<String, Tensor>, prefix: &str) {
    let t = logits.dim(0).unwrap();
    assert_close(
        &format!("{what} logits_last"),
        &logits.i(t - 1).unwrap(),
        &v[&format!("{prefix}logits_last")],
        TOL,
    );
    let lse = {
        let m = logits.max_keepdim(1).unwrap();
        (logits
            .broadcast_sub(&m)
            .unwrap()
            .exp()
            .unwrap()
            .sum_keepdim(1)
            .unwrap()
            .log()
            .unwrap()
            + m)
            .unwrap()
            .squeeze(1)
            .unwrap()
    };
    assert_close(
        &format!("{what} logsumexp"),
        &lse,
        &v[&format!("{prefix}logsumexp")],
        TOL,
    );
    let top_ids = v[&format!("{prefix}top16_ids")].to_vec2::<i64>().unwrap();
    let top_vals = v[&format!("{prefix}top16_values")]
        .to_vec2::<f32>()
        .unwrap();
    let rows = logits.to_vec2::<f32>().unwrap();
    for (p, row) in rows.iter().enumerate() {
        for (k, (&id, &val)) in top_ids[p].iter().zip(&top_vals[p]).enumerate() {
            let got = row[id as usize];
            assert!(
                (got - val).abs() <= TOL,
                "{what} pos {p} top{k} id {id}: {got} vs {val}"
            );
        }
        let argmax = row
            .iter()
            .enumerate()
            .fold((0, f32::MIN), |b, (i, &x)| if x > b.1 { (i, x) } else { b })
            .0;
        assert_eq!(argmax as i64, top_ids[p][0], "{what} pos {p} argmax");
    }
}

fn gguf_tokenizer() -> TextTokenizer {
    let p = data("gguf/tiny_phi3_q8_0.gguf");
    let mut f = std::fs::File::open(&p).unwrap();
    let ct = candle::quantized::gguf_file::Content::read(&mut f).unwrap();
    TextTokenizer::from_gguf(&ct, &p).unwrap()
}

fn chat_model(backend: Backend) -> ChatModel {
    ChatModel {
        backend,
        tokenizer: gguf_tokenizer(),
        mode: Mode::HeartcareGpt,
        template: ChatTemplate::Phi3,
        jinja: None,
        stop_ids: vec![PHI3_EOS, PHI3_END],
        context_tokens: 4096,
        signal_proj: None,
        path: data("tiny_phi3"),
        cached_ids: Vec::new(),
    }
}

/// The HeartcareGPT request of case (c): the 20 soft tokens of `b.inputs_embeds` + the question.
fn case_c_request(b_embeds: &Tensor) -> ChatRequest {
    ChatRequest {
        question: QUESTION.into(),
        soft_tokens: vec![b_embeds.narrow(0, 1, 20).unwrap()],
        sampling: SamplingSettings::default(),
        max_tokens: 24,
        ..Default::default()
    }
}

fn run_c(model: &mut ChatModel, b_embeds: &Tensor) -> Vec<u32> {
    let a = generate(
        model,
        &case_c_request(b_embeds),
        &AtomicBool::new(false),
        |_| {},
    )
    .unwrap();
    assert_eq!(a.prompt_tokens, 85);
    assert_eq!(a.stop, StopReason::MaxTokens);
    a.token_ids
}

#[test]
fn gguf_vocabulary_tokenizes_the_heartcaregpt_prompt_to_the_reference_ids() {
    let v = vectors("phi3_vectors.safetensors");
    let tok = gguf_tokenizer();
    let got = tok
        .encode(&ai::prompt::heartcaregpt_text(QUESTION), true)
        .unwrap();
    assert_eq!(got, ids(&v, "b.prompt_ids"));
}

#[test]
fn f32_phi3_matches_layer_outputs_and_logits_for_ids_and_soft_tokens() {
    let v = vectors("phi3_vectors.safetensors");
    let mut m = Phi3::load(&data("tiny_phi3"), None, &Device::Cpu).unwrap();
    // (a) token ids
    let e = m.embed(&ids(&v, "a.input_ids")).unwrap();
    let tr = m.trace(&e).unwrap();
    for (i, lo) in tr.layer_outputs.iter().enumerate() {
        assert_close(
            &format!("a layer {i}"),
            lo,
            &v["a.layer_outputs"].i(i).unwrap(),
            TOL,
        );
    }
    assert_close("a final_norm", &tr.final_norm, &v["a.final_norm"], TOL);
    check_logits("a", &m.logits(&tr.final_norm).unwrap(), &v, "a.");
    // (b) soft tokens; rows 0, 21 and 22.. are the model's own embeddings (the v3 recipe)
    let b = &v["b.inputs_embeds"];
    let own = m.embed(&[ai::prompt::SIGNAL_START]).unwrap();
    assert_close(
        "b row 0 = E[<signal_start>]",
        &own,
        &b.narrow(0, 0, 1).unwrap(),
        0.0,
    );
    let own = m.embed(&[ai::prompt::SIGNAL_END]).unwrap();
    assert_close(
        "b row 21 = E[<signal_end>]",
        &own,
        &b.narrow(0, 21, 1).unwrap(),
        0.0,
    );
    let own = m.embed(&ids(&v, "b.prompt_ids")).unwrap();
    assert_close(
        "b rows 22.. = E[prompt]",
        &own,
        &b.narrow(0, 22, 63).unwrap(),
        0.0,
    );
    let tr = m.trace(b).unwrap();
    for (i, lo) in tr.layer_outputs.iter().enumerate() {
        assert_close(
            &format!("b layer {i}"),
            lo,
            &v["b.layer_outputs"].i(i).unwrap(),
            TOL,
        );
    }
    check_logits("b", &m.logits(&tr.final_norm).unwrap(), &v, "b.");
    // KV-cache path: prefill then one step equals the full run's last logits
    let full = m.forward_embeds(&b.narrow(0, 0, 85).unwrap(), 0).unwrap();
    let pre = m.forward_embeds(&b.narrow(0, 0, 84).unwrap(), 0).unwrap();
    assert_eq!(pre.dims(), &[32016]);
    let step = m.forward_embeds(&b.narrow(0, 84, 1).unwrap(), 84).unwrap();
    assert_close("kv cache step", &step, &full, 1e-5);
}

#[test]
fn f32_phi3_greedy_with_penalty_reproduces_case_c_through_the_engine() {
    let v = vectors("phi3_vectors.safetensors");
    let m = Phi3::load(&data("tiny_phi3"), None, &Device::Cpu).unwrap();
    let mut cm = chat_model(Backend::Phi3(m));
    assert_eq!(
        run_c(&mut cm, &v["b.inputs_embeds"]),
        ids(&v, "c.generated_ids")
    );
}

#[test]
fn merged_lora_matches_weights_logits_and_greedy_ids() {
    let v = vectors("phi3_vectors.safetensors");
    let dev = Device::Cpu;
    let mut w = ai::models::phi3::load_checkpoint(&data("tiny_phi3"), &dev).unwrap();
    let lora = ai::models::lora::LoraAdapter::load(&data("tiny_phi3_lora"), &dev).unwrap();
    assert_eq!(lora.scale, 2.0);
    lora.merge_into(&mut w, &data("tiny_phi3_lora")).unwrap();
    for l in 0..2 {
        for p in ["qkv_proj", "o_proj"] {
            let got = &w[&format!("model.layers.{l}.self_attn.{p}.weight")];
            assert_close(
                p,
                got,
                &v[&format!("lora_merged.layer{l}.{p}.weight")],
                1e-6,
            );
        }
    }
    let mut m = Phi3::load(&data("tiny_phi3"), Some(&data("tiny_phi3_lora")), &dev).unwrap();
    for case in ["a", "b"] {
        let e = if case == "a" {
            m.embed(&ids(&v, "a.input_ids")).unwrap()
        } else {
            v["b.inputs_embeds"].clone()
        };
        let tr = m.trace(&e).unwrap();
        let pre = format!("lora_merged.{case}.");
        for (i, lo) in tr.layer_outputs.iter().enumerate() {
            assert_close(
                &format!("lora {case} layer {i}"),
                lo,
                &v[&format!("{pre}layer_outputs")].i(i).unwrap(),
                TOL,
            );
        }
        check_logits(
            &format!("lora {case}"),
            &m.logits(&tr.final_norm).unwrap(),
            &v,
            &pre,
        );
    }
    let mut cm = chat_model(Backend::Phi3(m));
    // This case also catches penalising the prompt ids (the README's wrong sequence differs).
    assert_eq!(
        run_c(&mut cm, &v["b.inputs_embeds"]),
        ids(&v, "lora_merged.c.generated_ids")
    );
}

#[test]
fn q8_0_gguf_dequantized_matches_its_logits_and_both_paths_give_the_greedy_ids() {
    let v = vectors("gguf/tiny_phi3_q8_0_vectors.safetensors");
    let path = data("gguf/tiny_phi3_q8_0.gguf");
    let dev = Device::Cpu;
    let mut m = QuantizedPhi3::open(
        &path,
        QuantizedOptions {
            dequantize: true,
            half_cache: false,
        },
        &dev,
    )
    .unwrap();
    let a_ids: Vec<u32> = ids(&vectors("phi3_vectors.safetensors"), "a.input_ids");
    for case in ["a", "b"] {
        let e = if case == "a" {
            m.embed(&a_ids).unwrap()
        } else {
            v["b.inputs_embeds"].clone()
        };
        let tr = m.trace(&e).unwrap();
        check_logits(
            &format!("q8 {case}"),
            &m.logits(&tr.final_norm).unwrap(),
            &v,
            &format!("{case}."),
        );
    }
    let expected = ids(&v, "c.generated_ids");
    let mut cm = chat_model(Backend::QuantizedPhi3(m));
    assert_eq!(run_c(&mut cm, &v["b.inputs_embeds"]), expected);
    // The fast path re-quantizes activations to Q8 (as llama.cpp's Q8_0 kernels do): logits move
    // by up to ~0.1, more than the smallest top-2 gap (0.024), so the greedy path is only expected
    // to agree until the first close call. Measured: the first 15 of 24 ids agree.
    let q = QuantizedPhi3::open(&path, QuantizedOptions::default(), &dev).unwrap();
    let mut cm = chat_model(Backend::QuantizedPhi3(q));
    let fast = run_c(&mut cm, &v["b.inputs_embeds"]);
    assert_eq!(fast[..15], expected[..15], "QMatMul (Q8 activations) path");
}

#[test]
fn cancel_flag_stops_before_the_first_token() {
    let v = vectors("phi3_vectors.safetensors");
    let m = Phi3::load(&data("tiny_phi3"), None, &Device::Cpu).unwrap();
    let mut cm = chat_model(Backend::Phi3(m));
    let a = generate(
        &mut cm,
        &case_c_request(&v["b.inputs_embeds"]),
        &AtomicBool::new(true),
        |_| {},
    )
    .unwrap();
    assert_eq!(a.stop, StopReason::Cancelled);
    assert!(a.token_ids.is_empty());
}
