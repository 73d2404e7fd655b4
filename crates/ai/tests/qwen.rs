//! Qwen2 and Qwen3 GGUF files on our back end (issue 17): greedy ids and logits equal to
//! candle-transformers' `quantized_qwen2` / `quantized_qwen3` on the same files (F16: exact up
//! to f32 rounding; Q8_0 and Q4_0: within the activation-rounding difference, see
//! [`QUANT_TOL`]), and the prefix cache on a follow-up question.
//!
//! The files are tiny random-weight models made by
//! `tests/data/llm/tiny_random_qwen_gguf/make_tiny_qwen.py` (llama.cpp's `gguf` writer): qwen2
//! with q/k/v biases and a tied output, qwen3 with per-head q/k norms and a head width (64) other
//! than hidden / heads (128 / 4). Their vocabulary is a 512-token cut of the Qwen3 tokenizer
//! with its chat template, so the prompt goes through the GGUF tokenizer and template as a
//! downloaded Qwen file would.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

mod common;
use common::grounded_request;

use ai::engine::generate;
use ai::model::{Backend, ChatModel, Mode, OpenOptions};
use ai::models::quantized_llama::Family;
use ai::prompt::{ChatTemplate, Message, Role};

fn file(name: &str) -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/llm/tiny_random_qwen_gguf"
    ))
    .join(name)
}

const STEPS: usize = 16;

/// F16 weights: both back ends run the same f32 matrix products (candle's `QMatMul` on the
/// dequantised weights), so the logits differ only by f32 rounding in attention and norms.
const F16_TOL: f32 = 1e-4;

/// Q8_0 / Q4_0: both quantise the activations to 8 bits per block of 32, but candle rounds each
/// block's scale to f16 and we keep it in f32, so the two are two different roundings of the
/// same network. Measured on these files over 16 steps: ours vs candle 0.6-3.3 % of the
/// largest logit, ours vs the exact f32 run (`OpenOptions::dequantize`) 0.7-3.8 %, candle vs
/// f32 0.7-4.5 %: the same distance, the 8-bit activations' (random weights amplify it).
const QUANT_TOL: f32 = 5e-2;

/// Largest difference relative to the largest magnitude of `b`.
fn rel_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    let scale = b.iter().fold(0f32, |m, x| m.max(x.abs()));
    a.iter().zip(b).fold(0f32, |m, (x, y)| m.max((x - y).abs())) / scale
}

fn argmax(v: &[f32]) -> u32 {
    (0..v.len()).fold(0, |b, i| if v[i] > v[b] { i } else { b }) as u32
}

/// Logits of every step when the model is fed `prompt` and then `forced` (KV cache on);
/// `forced` empty: greedy, the model's own argmax each step. Returns (ids, logits per step).
fn run(model: &mut ChatModel, prompt: &[u32], forced: &[u32]) -> (Vec<u32>, Vec<Vec<f32>>) {
    let mut logits = model.backend.forward_ids(prompt, 0).unwrap();
    let (mut ids, mut all) = (Vec::new(), Vec::new());
    for i in 0..STEPS {
        let l = logits.to_vec1::<f32>().unwrap();
        let next = forced.get(i).copied().unwrap_or_else(|| argmax(&l));
        ids.push(next);
        all.push(l);
        if i + 1 < STEPS {
            logits = model
                .backend
                .forward_ids(&[next], prompt.len() + i)
                .unwrap();
        }
    }
    (ids, all)
}

fn prompt(model: &ChatModel) -> Vec<u32> {
    let msgs = [Message::new(
        Role::User,
        "What does a QTc of 480 ms mean on an ECG?",
    )];
    let text = model
        .jinja
        .as_ref()
        .expect("the GGUF carries a chat template")
        .render(&msgs, "", "")
        .unwrap();
    model.tokenizer.encode(&text, false).unwrap()
}

fn open_both(name: &str, family: Family) -> (ChatModel, ChatModel) {
    let path = file(name);
    // Our kernels against candle-transformers' with the same (f32) cache; the half cache the
    // chat keeps by default is checked against it in `quantised_parity`.
    let f32_cache = OpenOptions {
        f32_cache: true,
        ..OpenOptions::default()
    };
    let ours = ChatModel::open(&path, f32_cache).unwrap();
    match &ours.backend {
        Backend::QuantizedLlama(m) => assert_eq!(m.family(), family),
        other => panic!("{name}: opened with {other:?}, not our back end"),
    }
    assert!(ours.backend.accepts_embeddings());
    let reference = OpenOptions {
        reference_kernels: true,
        ..OpenOptions::default()
    };
    let theirs = ChatModel::open(&path, reference).unwrap();
    assert!(
        matches!(
            (&theirs.backend, family),
            (Backend::Qwen2(_), Family::Qwen2) | (Backend::Qwen3(_), Family::Qwen3)
        ),
        "{name}: reference is {:?}",
        theirs.backend
    );
    (ours, theirs)
}

/// F16 weights: free-running greedy ids equal over all steps, logits within [`F16_TOL`].
fn exact_parity(name: &str, family: Family) {
    let (mut ours, mut theirs) = open_both(name, family);
    let p = prompt(&ours);
    assert!(p.len() > 10, "{name}: prompt of {} ids", p.len());
    let (ids, logits) = run(&mut ours, &p, &[]);
    let (ref_ids, ref_logits) = run(&mut theirs, &p, &[]);
    println!("{name}: ours {ids:?}\n{name}: candle {ref_ids:?}");
    let diffs: Vec<f32> = logits
        .iter()
        .zip(&ref_logits)
        .map(|(a, b)| rel_diff(a, b))
        .collect();
    println!("{name}: per-step relative logit differences {diffs:?}");
    let worst = diffs.iter().fold(0f32, |m, d| m.max(*d));
    println!("{name}: worst relative logit difference {worst:e}");
    assert!(worst <= F16_TOL, "{name}: logits differ by {worst:e}");
    assert_eq!(ids, ref_ids, "{name}: greedy ids");
    let distinct: std::collections::BTreeSet<_> = ids.iter().collect();
    assert!(distinct.len() > 3, "{name}: a degenerate test model");
}

/// Greedy steps that must agree from the start on quantised files. Both back ends are exact
/// to f32 rounding on F16 files, but with 8-bit activations they are two different roundings
/// (see [`QUANT_TOL`]) of a random network whose top-2 logits are often close, so a long
/// free-running text can part, and where depends on the CPU's kernels (AVX2 without AVX-512:
/// qwen3 Q8_0 parts at step 9; other machines 14 to 16 steps). So they must agree this long,
/// and where they part, candle's logit for our id must be within [`QUANT_TOL`] of its own
/// top one: a near tie, which the two roundings may break either way.
const QUANT_AGREE: usize = 6;

/// Quantised weights: free-running greedy ids agree for [`QUANT_AGREE`] steps and part only at
/// a near tie; then both are fed candle's greedy ids (so one rounding difference cannot send
/// the two down different texts) and the logits stay within [`QUANT_TOL`] at every step, as
/// does our run from the exact f32 one.
fn quantised_parity(name: &str, family: Family) {
    let (mut ours, mut theirs) = open_both(name, family);
    let p = prompt(&ours);
    let (ref_ids, ref_logits) = run(&mut theirs, &p, &[]);
    let (free_ids, _) = run(&mut ours, &p, &[]);
    let agree = free_ids
        .iter()
        .zip(&ref_ids)
        .take_while(|(a, b)| a == b)
        .count();
    println!("{name}: ours {free_ids:?}\n{name}: candle {ref_ids:?} ({agree} agree)");
    assert!(
        agree >= QUANT_AGREE,
        "{name}: greedy ids part at step {agree}"
    );
    if agree < STEPS {
        let at = &ref_logits[agree];
        let scale = at.iter().fold(0f32, |m, x| m.max(x.abs()));
        let gap = (at[ref_ids[agree] as usize] - at[free_ids[agree] as usize]) / scale;
        println!("{name}: parted at step {agree}, candle's logits {gap:.2e} apart there");
        assert!(
            gap <= QUANT_TOL,
            "{name}: parted at step {agree} where candle's top logit leads ours by {gap:e}"
        );
    }
    let (_, logits) = run(&mut ours, &p, &ref_ids);
    let exact = OpenOptions {
        dequantize: true,
        ..OpenOptions::default()
    };
    let mut f32_run = ChatModel::open(&file(name), exact).unwrap();
    let (_, exact_logits) = run(&mut f32_run, &p, &ref_ids);
    for step in 0..STEPS {
        let d = rel_diff(&logits[step], &ref_logits[step]);
        let e = rel_diff(&logits[step], &exact_logits[step]);
        let c = rel_diff(&ref_logits[step], &exact_logits[step]);
        println!("{name}: step {step}: ours-candle {d:.2e}, ours-f32 {e:.2e}, candle-f32 {c:.2e}");
        assert!(
            d <= QUANT_TOL,
            "{name}: step {step}: logits differ by {d:e}"
        );
        assert!(
            e <= QUANT_TOL,
            "{name}: step {step}: {e:e} from the f32 run"
        );
    }
    // The chat's default, a half KV cache, on the same ids: within the same tolerance of the
    // f32 cache at every step.
    let mut half_run = ChatModel::open(&file(name), OpenOptions::default()).unwrap();
    let (_, half_logits) = run(&mut half_run, &p, &ref_ids);
    for step in 0..STEPS {
        let h = rel_diff(&half_logits[step], &logits[step]);
        println!("{name}: step {step}: half cache - f32 cache {h:.2e}");
        assert!(
            h <= QUANT_TOL,
            "{name}: step {step}: the half cache moves the logits by {h:e}"
        );
    }
}

#[test]
fn qwen2_f16_matches_candle_transformers() {
    exact_parity("tiny-qwen2-f16.gguf", Family::Qwen2);
}

#[test]
fn qwen3_f16_matches_candle_transformers() {
    exact_parity("tiny-qwen3-f16.gguf", Family::Qwen3);
}

#[test]
fn qwen2_q8_0_matches_candle_transformers() {
    quantised_parity("tiny-qwen2-q8_0.gguf", Family::Qwen2);
}

#[test]
fn qwen2_q4_0_matches_candle_transformers() {
    quantised_parity("tiny-qwen2-q4_0.gguf", Family::Qwen2);
}

#[test]
fn qwen3_q8_0_matches_candle_transformers() {
    quantised_parity("tiny-qwen3-q8_0.gguf", Family::Qwen3);
}

#[test]
fn qwen3_q4_0_matches_candle_transformers() {
    quantised_parity("tiny-qwen3-q4_0.gguf", Family::Qwen3);
}

#[test]
fn qwen3_head_width_comes_from_key_length() {
    let m = ChatModel::open(&file("tiny-qwen3-q8_0.gguf"), OpenOptions::default()).unwrap();
    let Backend::QuantizedLlama(q) = &m.backend else {
        panic!("not our back end")
    };
    assert_eq!((q.dims().hidden, q.dims().n_head), (128, 4));
    assert_eq!(q.dims().head_dim(), 64);
    assert_eq!(m.mode, Mode::Grounded);
    assert_eq!(m.template, ChatTemplate::Qwen3);
    let im_end = m.tokenizer.token_id("<|im_end|>").unwrap();
    assert!(m.stop_ids.contains(&im_end));
}

/// Issue 17's prefix cache on Qwen (candle-transformers' Qwen could not keep a prefix): the
/// follow-up question prefills only what follows the cached grounded prompt and first turn,
/// and answers as a run from an empty cache does.
#[test]
fn qwen_follow_up_question_prefills_only_the_new_tokens() {
    for name in ["tiny-qwen2-q4_0.gguf", "tiny-qwen3-q4_0.gguf"] {
        let mut model = ChatModel::open(&file(name), OpenOptions::default()).unwrap();
        let cancel = AtomicBool::new(false);
        let first = grounded_request("What is the heart rate?", Vec::new(), 8);
        let a1 = generate(&mut model, &first, &cancel, |_| {}).unwrap();
        assert_eq!(a1.reused_prompt_tokens, 0);
        let history = vec![
            Message::new(Role::User, "What is the heart rate?"),
            Message::new(Role::Assistant, a1.text.clone()),
        ];
        let second = grounded_request("Is the PR interval normal?", history, 8);
        let a2 = generate(&mut model, &second, &cancel, |_| {}).unwrap();
        let prefilled = a2.prompt_tokens - a2.reused_prompt_tokens;
        println!(
            "{name}: first prompt {} tokens; second prompt {}, {} reused, {prefilled} prefilled",
            a1.prompt_tokens, a2.prompt_tokens, a2.reused_prompt_tokens
        );
        // The follow-up prefills its own question and the first answer; the grounded system
        // prompt and the first question come from the cache. (This 512-token vocabulary spells
        // most words in bytes, so the new text is a larger share than with a real one.)
        assert!(
            prefilled * 4 <= a1.prompt_tokens,
            "{name}: prefilled {prefilled} tokens, more than 25 % of the first prompt ({})",
            a1.prompt_tokens
        );
        let again = generate(&mut model, &second, &cancel, |_| {}).unwrap();
        assert_eq!(again.reused_prompt_tokens, a2.prompt_tokens - 1, "{name}");
        assert_eq!(again.token_ids, a2.token_ids, "{name}");
        model.forget_cache();
        let fresh = generate(&mut model, &second, &cancel, |_| {}).unwrap();
        assert_eq!(fresh.reused_prompt_tokens, 0);
        assert_eq!(fresh.token_ids, a2.token_ids, "{name}");
    }
}
