//! Grounded mode: loading and templating with stock chat models. The tiny random Llama GGUF
//! (ollama test file: Llama-2 vocabulary, 1 block, gibberish output) exercises GGUF loading, the
//! SentencePiece tokenizer from GGUF metadata, the llama forward and the engine thread; the Qwen3
//! `tokenizer.json` (gzipped) exercises the `tokenizers` path and the ChatML/Qwen3 template.

use std::io::Read;
use std::path::{Path, PathBuf};

use ai::engine::{ChatRequest, Engine, Event, SamplingSettings};
use ai::model::{ChatModel, Mode, OpenOptions};
use ai::prompt::{ChatTemplate, Grounding, Message, Role};
use ai::tokenizer::TextTokenizer;

fn llm(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/llm")).join(rel)
}

const LLAMA: &str = "tiny_random_llama_gguf/llama-2-tiny-random.gguf";

fn grounding() -> Grounding {
    let m = ecg::Measurements {
        hr: Some(ecg::Bpm(64.0)),
        qt: Some(ecg::Millis(400.0)),
        qtc: ecg::QtcSet {
            bazett: Some(ecg::Millis(413.0)),
            ..Default::default()
        },
        ..Default::default()
    };
    Grounding {
        leads: ["I", "II", "V1"].map(String::from).to_vec(),
        duration_s: 10.0,
        sampling_rate_hz: 500.0,
        measurements: Some((m, "device".into())),
        statements: vec![ecg::Statement::from_device("Sinus rhythm")],
        ..Default::default()
    }
}

#[test]
fn llama2_vocabulary_from_gguf_gives_llama2_ids() {
    let p = llm(LLAMA);
    let mut f = std::fs::File::open(&p).unwrap();
    let ct = candle::quantized::gguf_file::Content::read(&mut f).unwrap();
    let tok = TextTokenizer::from_gguf(&ct, &p).unwrap();
    // Llama-2: "▁Hello" 15043, "▁world" 3186 (README of shared/vectors, deviation 4).
    assert_eq!(
        tok.encode("Hello world", true).unwrap(),
        vec![1, 15043, 3186]
    );
    assert_eq!(tok.decode(&[1, 15043, 3186]).unwrap(), "Hello world");
    // characters outside the vocabulary fall back to bytes and decode back
    let text = "QTc 413 ms ≥ 𝔔";
    assert_eq!(tok.decode(&tok.encode(text, false).unwrap()).unwrap(), text);
}

#[test]
fn tiny_llama_gguf_answers_in_grounded_mode_on_the_engine_thread() {
    let model = ChatModel::open(&llm(LLAMA), OpenOptions::default()).unwrap();
    assert_eq!(model.mode, Mode::Grounded);
    assert_eq!(model.template, ChatTemplate::Llama2);
    assert!(model.stop_ids.contains(&2), "</s> stops");
    let engine = Engine::spawn(model).unwrap();
    let req = ChatRequest {
        question: "Is the QTc prolonged?".into(),
        grounding: Some(grounding()),
        sampling: SamplingSettings::default(),
        max_tokens: 12,
        ..Default::default()
    };
    let job = engine.submit(req.clone()).unwrap();
    let mut streamed = Vec::new();
    let mut answer = None;
    for ev in job.events {
        match ev {
            Event::Started {
                mode,
                prompt_tokens,
            } => {
                assert_eq!(mode, Mode::Grounded);
                assert!(prompt_tokens > 50, "the tracing is in the prompt");
            }
            Event::Prefill { done, total } => assert!(done <= total),
            Event::Token { id, .. } => streamed.push(id),
            Event::Done(a) => answer = Some(a),
            Event::Error(e) => panic!("{e}"),
        }
    }
    let a = answer.unwrap();
    assert_eq!(a.token_ids, streamed);
    assert!(!a.token_ids.is_empty());
    assert!(a.tokens_per_s > 0.0);
    // greedy: regenerating with another seed gives the same ids
    let again = engine.submit(req.regenerate()).unwrap().wait().unwrap();
    assert_eq!(again.token_ids, a.token_ids);
    // a long conversation drops its oldest turns instead of failing
    let mut long = req.clone();
    for i in 0..400 {
        long.history.push(Message::new(
            Role::User,
            format!("question {i} about the ST segment in lead V{}", i % 6 + 1),
        ));
        long.history.push(Message::new(
            Role::Assistant,
            "I cannot see the tracing itself.".to_string(),
        ));
    }
    long.max_tokens = 4;
    let a = engine.submit(long).unwrap().wait().unwrap();
    assert!(a.dropped_turns > 0 && a.dropped_turns.is_multiple_of(2));
    assert!(a.prompt_tokens < 4096);
}

fn qwen3_tokenizer() -> (TextTokenizer, String) {
    let gz = std::fs::read(llm("qwen3_tokenizer/tokenizer.json.gz")).unwrap();
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut json)
        .unwrap();
    let tok = TextTokenizer::from_json_bytes(&json, Path::new("tokenizer.json")).unwrap();
    let cfg: serde_json::Value = serde_json::from_slice(
        &std::fs::read(llm("qwen3_tokenizer/tokenizer_config.json")).unwrap(),
    )
    .unwrap();
    (tok, cfg["chat_template"].as_str().unwrap().to_string())
}

#[test]
fn qwen3_tokenizer_json_and_chat_template_render_a_grounded_prompt() {
    let (tok, template) = qwen3_tokenizer();
    let t = ChatTemplate::detect(Some(&template), "qwen3");
    assert_eq!(t, ChatTemplate::Qwen3);
    let msgs = [
        grounding().system_message(),
        Message::new(Role::User, "Is the QTc prolonged?"),
    ];
    let text = t.render(&msgs);
    assert!(text.contains("QTc (Bazett): 413 ms"));
    let ids = tok.encode(&text, false).unwrap();
    let im_start = tok.token_id("<|im_start|>").unwrap();
    let im_end = tok.token_id("<|im_end|>").unwrap();
    assert_eq!((im_start, im_end), (151644, 151645));
    assert_eq!(ids[0], im_start);
    assert_eq!(ids.iter().filter(|&&i| i == im_start).count(), 3);
    assert_eq!(ids.iter().filter(|&&i| i == im_end).count(), 2);
    let stops: Vec<u32> = t
        .stop_texts()
        .iter()
        .filter_map(|s| tok.token_id(s))
        .collect();
    assert!(stops.contains(&im_end));
    // decoding skips the specials and gives the text back
    let plain = tok
        .decode(&tok.encode("Sinus rhythm, 64 bpm.", false).unwrap())
        .unwrap();
    assert_eq!(plain, "Sinus rhythm, 64 bpm.");
}
