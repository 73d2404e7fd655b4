//! Issue 17's prefix cache on a real chat model (SmolLM2-135M-Instruct Q4_1, see
//! `tests/smollm2.rs`), in a process of its own: the test turns the AMX prefill kernels off,
//! so that a position gives the same result whether it is computed in a prefill or as a single
//! token, and a reused cache must then answer exactly as a prefill from scratch.

use std::sync::atomic::AtomicBool;

mod common;
use common::{grounded_request, open};

use ai::engine::{Event, generate};
use ai::model::OpenOptions;

/// Issue 17's prefix cache: a follow-up question keeps the KV cache of the grounded system
/// prompt and the earlier turn, regenerating keeps everything before the answer, and both give
/// the ids of a run from an empty cache. Progress events count up to the prompt length.
#[test]
fn a_follow_up_question_reuses_the_cached_prompt_and_answers_as_from_scratch() {
    // Row-independent kernels (see `set_amx_allowed`): this process runs only this test.
    ai::models::quant::set_amx_allowed(false);
    let Some(mut model) = open(OpenOptions::default()) else {
        return;
    };
    let cancel = AtomicBool::new(false);
    let first = grounded_request("What is the heart rate?", Vec::new(), 12);
    let mut progress = Vec::new();
    let a1 = generate(&mut model, &first, &cancel, |e| {
        if let Event::Prefill { done, total } = e {
            progress.push((done, total))
        }
    })
    .unwrap();
    assert_eq!(a1.reused_prompt_tokens, 0);
    assert_eq!(progress.last(), Some(&(a1.prompt_tokens, a1.prompt_tokens)));
    assert!(progress.windows(2).all(|w| w[0].0 < w[1].0));

    let history = vec![
        ai::prompt::Message::new(ai::prompt::Role::User, "What is the heart rate?"),
        ai::prompt::Message::new(ai::prompt::Role::Assistant, a1.text.clone()),
    ];
    let second = grounded_request("Is the PR interval normal?", history, 12);
    let a2 = generate(&mut model, &second, &cancel, |_| {}).unwrap();
    assert!(
        a2.reused_prompt_tokens > a1.prompt_tokens / 2,
        "reused {} of a first prompt of {}",
        a2.reused_prompt_tokens,
        a1.prompt_tokens
    );
    let again = generate(&mut model, &second, &cancel, |_| {}).unwrap();
    assert_eq!(again.reused_prompt_tokens, a2.prompt_tokens - 1);
    assert_eq!(again.token_ids, a2.token_ids);

    model.forget_cache();
    let fresh = generate(&mut model, &second, &cancel, |_| {}).unwrap();
    assert_eq!(fresh.reused_prompt_tokens, 0);
    assert_eq!(fresh.token_ids, a2.token_ids);
    assert!(fresh.time_to_first_token_s >= fresh.prefill_s);
}
