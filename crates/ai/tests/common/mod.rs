//! What several of the ai crate's integration tests share: a small grounded chat request.

use ai::engine::{ChatRequest, SamplingSettings};
use ai::prompt::{Grounding, Message};

/// A grounded question about a 3-lead, 10-s tracing at 72 bpm, PR 160 ms, "Sinus rhythm",
/// after `history`, answered greedily in at most `max_tokens` tokens.
pub fn grounded_request(question: &str, history: Vec<Message>, max_tokens: usize) -> ChatRequest {
    let m = ecg::Measurements {
        hr: Some(ecg::Bpm(72.0)),
        pr: Some(ecg::Millis(160.0)),
        ..Default::default()
    };
    ChatRequest {
        question: question.into(),
        history,
        grounding: Some(Grounding {
            leads: ["I", "II", "V1"].map(String::from).to_vec(),
            duration_s: 10.0,
            sampling_rate_hz: 500.0,
            measurements: Some((m, "device".into())),
            statements: vec![ecg::Statement::from_device("Sinus rhythm")],
            ..Default::default()
        }),
        sampling: SamplingSettings::default(),
        max_tokens,
        ..Default::default()
    }
}
