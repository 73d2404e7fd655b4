//! Claim check on real model output: SmolLM2-135M-Instruct (Q4_1) answering the 20 questions about 5
//! tracings of `tests/data/chat_claims/questions.json` in grounded mode, recorded by `tests/data/chat_claims/record.py` with
//! the facts it was given. Each answer carries hand labels (`contradicted`): the words of each
//! number or finding that a reader comparing the answer with the facts finds wrong (e.g.
//! "102 bpm"). Every label must lie inside a claim flagged `contradicted`, and every flagged claim
//! must contain a label.

use std::collections::BTreeSet;

use std::path::PathBuf;

use reading::claims::{ClaimStatus, Facts, check};
use serde::Deserialize;

#[derive(Deserialize)]
struct Recorded {
    answers: Vec<Answer>,
}

#[derive(Deserialize)]
struct Answer {
    tracing: String,
    question: String,
    answer: String,
    facts: Facts,
    /// Hand labels: the claim texts that contradict the facts.
    contradicted: Option<Vec<String>>,
}

fn recorded() -> Recorded {
    let p =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/chat_claims/answers.json");
    let text = std::fs::read_to_string(&p).expect("tests/data/chat_claims/answers.json");
    serde_json::from_str(&text).expect("answers.json parses")
}

#[derive(Deserialize)]
struct Questions {
    runs: Vec<Run>,
}

#[derive(Deserialize)]
struct Run {
    tracing: String,
    question: String,
}

#[test]
fn the_recorded_answers_answer_the_listed_questions_and_are_all_labelled() {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/chat_claims/questions.json");
    let q: Questions = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    assert_eq!(q.runs.len(), 20);
    let tracings: BTreeSet<&str> = q.runs.iter().map(|r| r.tracing.as_str()).collect();
    assert_eq!(tracings.len(), 5, "{tracings:?}");
    // Every listed question is recorded (`record.py` keeps what is recorded and adds the rest).
    let r = recorded();
    assert_eq!(
        r.answers.len(),
        q.runs.len(),
        "one recorded answer per question"
    );
    for a in &r.answers {
        assert!(
            q.runs
                .iter()
                .any(|x| x.tracing == a.tracing && x.question == a.question),
            "{} / {} is not in questions.json",
            a.tracing,
            a.question
        );
        assert!(
            a.contradicted.is_some(),
            "{} / {}: not labelled",
            a.tracing,
            a.question
        );
        assert!(
            a.facts.measurements.is_some(),
            "{}: no measurements",
            a.tracing
        );
    }
}

#[test]
fn every_contradicted_claim_of_the_real_model_is_flagged_and_nothing_else() {
    let r = recorded();
    let mut flagged_total = 0;
    for a in &r.answers {
        let claims = check(&a.answer, &a.facts);
        let flagged: Vec<&str> = claims
            .iter()
            .filter(|c| c.status == ClaimStatus::Contradicted)
            .map(|c| c.text.as_str())
            .collect();
        let labels: &[String] = a.contradicted.as_deref().unwrap_or_default();
        let show = claims
            .iter()
            .map(|c| format!("  {:?} {:?} {:?}", c.text, c.status, c.fact))
            .collect::<Vec<_>>()
            .join("\n");
        let context = format!(
            "{} / {}\nanswer: {}\nlabels: {labels:?}\nclaims:\n{show}",
            a.tracing, a.question, a.answer
        );
        for l in labels {
            assert!(
                flagged.iter().any(|f| f.contains(l.as_str())),
                "contradicted {l:?} is not flagged\n{context}"
            );
        }
        for f in &flagged {
            assert!(
                labels.iter().any(|l| f.contains(l.as_str())),
                "{f:?} is flagged but not labelled contradicted\n{context}"
            );
        }
        flagged_total += flagged.len();
    }
    assert!(
        flagged_total > 0,
        "the recordings hold contradicted claims (the issue's 102 bpm among them)"
    );
}
