//! Time to first token of a follow-up question (issue 17's prefix cache): one grounded question
//! about a tracing, then a second in the same conversation, then that second one regenerated, each
//! through `ai::engine::generate` on one loaded model, as the app does. Prints one JSON line
//! `{"model", "prompt_tokens": [..], "reused_prompt_tokens": [..], "time_to_first_token_s": [..],
//! "follow_up_ratio", "regenerate_ratio"}`: the ratios are TTFT of the 2nd (3rd) run over the
//! 1st; the goal is <= 0.2. Greedy, 16 new tokens each. Threads: `RAYON_NUM_THREADS`.
//!
//! The grounding is a fixed 12-lead description of the size `heartlens chat` sends for a 10-s
//! ECG (measurements and three statements), so the probe needs no recording.
//!
//! `cargo run --release -p heartlens-ai --example follow_up -- MODEL`

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use ai::engine::{ChatRequest, SamplingSettings, generate};
use ai::prompt::{Grounding, Message, Role};

fn grounding() -> Grounding {
    let m = ecg::Measurements {
        hr: Some(ecg::Bpm(61.0)),
        rr: Some(ecg::Millis(984.0)),
        pr: Some(ecg::Millis(146.0)),
        qrs: Some(ecg::Millis(78.0)),
        qt: Some(ecg::Millis(416.0)),
        qtc: ecg::QtcSet::from_qt_rr(ecg::Millis(416.0), ecg::Millis(984.0)),
        ..Default::default()
    };
    Grounding {
        leads: [
            "I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6",
        ]
        .map(String::from)
        .to_vec(),
        duration_s: 10.0,
        sampling_rate_hz: 500.0,
        measurements: Some((m, "Heartlens analysis".into())),
        statements: vec![
            ecg::Statement::from_device("Sinus rhythm"),
            ecg::Statement::from_device("Left atrial abnormality"),
            ecg::Statement::from_device("T-wave inversion, lateral (I, aVL)"),
        ],
        ..Default::default()
    }
}

fn request(question: &str, history: Vec<Message>) -> ChatRequest {
    ChatRequest {
        question: question.into(),
        history,
        grounding: Some(grounding()),
        sampling: SamplingSettings::default(),
        max_tokens: 16,
        ..Default::default()
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: follow_up MODEL.gguf")?,
    );
    let mut model = ai::ChatModel::open(&path, ai::OpenOptions::default())?;
    let cancel = AtomicBool::new(false);
    let q1 = "What is the heart rate and the rhythm?";
    let a1 = generate(&mut model, &request(q1, Vec::new()), &cancel, |_| {})?;
    let history = vec![
        Message::new(Role::User, q1),
        Message::new(Role::Assistant, a1.text.clone()),
    ];
    let second = request("Is the QTc prolonged?", history);
    let a2 = generate(&mut model, &second, &cancel, |_| {})?;
    let a3 = generate(&mut model, &second, &cancel, |_| {})?;
    let runs = [&a1, &a2, &a3];
    let line = serde_json::json!({
        "model": path.file_name().map(|n| n.to_string_lossy().into_owned()),
        "prompt_tokens": runs.map(|a| a.prompt_tokens),
        "reused_prompt_tokens": runs.map(|a| a.reused_prompt_tokens),
        "time_to_first_token_s": runs.map(|a| a.time_to_first_token_s),
        "follow_up_ratio": a2.time_to_first_token_s / a1.time_to_first_token_s,
        "regenerate_ratio": a3.time_to_first_token_s / a1.time_to_first_token_s,
    });
    println!("{line}");
    Ok(())
}
