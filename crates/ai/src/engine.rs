//! The chat engine: builds the prompt for a [`ChatRequest`], runs prefill and decoding with the
//! KV cache, streams [`Event`]s through a plain `std::sync::mpsc` channel, and stops on a stop id,
//! the token limit, the context limit or the cancel flag (checked before every token).
//!
//! [`Engine`] owns a [`ChatModel`] on its own thread so callers (the CLI, the Tauri app) never
//! block their UI thread and `ai` never sees Tauri. [`generate`] is the same loop, callable
//! directly.
//!
//! Points to read in order:
//! 1. prompt: HeartcareGPT = per window `E[<signal_start>]`, 20 soft tokens, `E[<signal_end>]`,
//!    then BOS + `<|user|> q <|assistant|>` (earlier turns are put before it as text); grounded =
//!    system message with the tracing as text + history + question in the model's template.
//! 2. context: oldest turns are dropped until prompt + answer budget fit; the answer budget
//!    shrinks to what is left; a prompt that alone does not fit is [`LlmError::ContextFull`].
//! 3. sampling: greedy by default; repetition penalty over the **generated** ids only (the prompt
//!    is embeddings, upstream never penalises it): logit < 0 → ×p, else ÷p.
//! 4. tokens/s: decode steps (tokens after the first) per second of decode time; prefill is
//!    reported apart (seconds, tokens/s of the tokens computed, time to the first token).
//! 5. prefix cache: the model remembers which ids its KV cache holds; a prompt that starts with
//!    them (a follow-up question on the same tracing, a regenerated answer) keeps that prefix and
//!    computes only the rest. Prompts of soft tokens, and back ends that cannot cut their cache,
//!    start from an empty cache.
//! 6. prefill in chunks of [`PREFILL_CHUNK`] ids where the back end allows it, with an
//!    [`Event::Prefill`] after each and the cancel flag checked between them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;
use std::time::Instant;

use candle::Tensor;
use candle_transformers::generation::{LogitsProcessor, Sampling};

use crate::error::{LlmError, Result};
use crate::model::{ChatModel, Mode};
use crate::prompt::{Grounding, Message, Role, SIGNAL_END, SIGNAL_START, heartcaregpt_text};

/// Prompt ids fed per prefill call (6): large enough for the blocked kernels to reuse each
/// weight block across many tokens, small enough for a progress event every second or so.
pub const PREFILL_CHUNK: usize = 128;

/// Sampling settings. The default is HeartcareGPT's: greedy, repetition penalty 1.1.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SamplingSettings {
    /// `None` or 0 = greedy.
    pub temperature: Option<f64>,
    /// Nucleus sampling threshold.
    pub top_p: Option<f64>,
    /// Top-k.
    pub top_k: Option<usize>,
    /// Repetition penalty over generated ids (1.0 = off).
    pub repeat_penalty: f32,
    /// RNG seed (sampling only).
    pub seed: u64,
}

impl Default for SamplingSettings {
    fn default() -> Self {
        Self {
            temperature: None,
            top_p: None,
            top_k: None,
            repeat_penalty: 1.1,
            seed: 299_792_458,
        }
    }
}

impl SamplingSettings {
    fn processor(&self) -> LogitsProcessor {
        let sampling = match self.temperature.filter(|t| *t > 1e-7) {
            None => Sampling::ArgMax,
            Some(temperature) => match (self.top_k, self.top_p) {
                (None, None) => Sampling::All { temperature },
                (Some(k), None) => Sampling::TopK { k, temperature },
                (None, Some(p)) => Sampling::TopP { p, temperature },
                (Some(k), Some(p)) => Sampling::TopKThenTopP { k, p, temperature },
            },
        };
        LogitsProcessor::from_sampling(self.seed, sampling)
    }
}

/// One question about one tracing.
#[derive(Debug, Clone, Default)]
pub struct ChatRequest {
    /// Earlier turns (user/assistant), oldest first.
    pub history: Vec<Message>,
    /// The new question.
    pub question: String,
    /// The tracing as text (grounded mode).
    pub grounding: Option<Grounding>,
    /// HeartcareGPT soft tokens, one `[20, hidden]` tensor per 4-s window (already projected).
    pub soft_tokens: Vec<Tensor>,
    /// Sampling.
    pub sampling: SamplingSettings,
    /// Answer budget in tokens.
    pub max_tokens: usize,
}

impl ChatRequest {
    /// The same request with another seed, to regenerate an answer.
    pub fn regenerate(&self) -> Self {
        let mut r = self.clone();
        r.sampling.seed = r.sampling.seed.wrapping_add(1);
        r
    }
}

/// Why generation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// A stop id was produced (not included in the output).
    Eos,
    /// `max_tokens` reached.
    MaxTokens,
    /// The context is full.
    Context,
    /// The cancel flag was set.
    Cancelled,
}

/// A finished answer.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Answer {
    /// Which recipe ran.
    pub mode: Mode,
    /// Generated ids (stop id excluded).
    pub token_ids: Vec<u32>,
    /// Their text.
    pub text: String,
    /// Prompt length in tokens (soft tokens included).
    pub prompt_tokens: usize,
    /// Turns dropped from the history to fit the context.
    pub dropped_turns: usize,
    /// Decode speed.
    pub tokens_per_s: f64,
    /// Prefill speed: prompt tokens computed (not reused from the cache) per second.
    pub prefill_tokens_per_s: f64,
    /// Prefill time in seconds.
    pub prefill_s: f64,
    /// Seconds from the request to the first answer token (prompt building and prefill).
    pub time_to_first_token_s: f64,
    /// Prompt tokens whose keys and values were reused from the previous request.
    pub reused_prompt_tokens: usize,
    /// Why it ended.
    pub stop: StopReason,
}

/// What the engine streams.
#[derive(Debug, Clone)]
pub enum Event {
    /// Prompt built; decoding starts.
    Started {
        /// Which recipe.
        mode: Mode,
        /// Prompt length in tokens.
        prompt_tokens: usize,
    },
    /// Prefill progress: `done` of `total` prompt tokens are in the KV cache.
    Prefill {
        /// Prompt tokens done (reused ones included).
        done: usize,
        /// Prompt tokens in all.
        total: usize,
    },
    /// One token and the new text it completes (may be empty mid-UTF-8).
    Token {
        /// Token id.
        id: u32,
        /// New text.
        text: String,
    },
    /// The answer (also after a cancel: what was produced so far).
    Done(Answer),
    /// It failed.
    Error(String),
}

/// The prompt as the model sees it.
enum Prompt {
    Ids(Vec<u32>),
    Embeds(Tensor, usize),
}

/// (1) + (2): builds the prompt, dropping the oldest turns (user/assistant pairs) until the
/// prompt leaves room for the answer (at least `min(max_tokens, 64)` tokens). Prompt length
/// only shrinks as turns are dropped, so the number of pairs is found by bisection.
fn build_prompt(model: &ChatModel, req: &ChatRequest) -> Result<(Prompt, usize, usize)> {
    let len = req.history.len();
    let need = req.max_tokens.clamp(1, 64);
    let build = |dropped: usize| -> Result<(Prompt, usize)> {
        let history = &req.history[dropped.min(len)..];
        let prompt = match model.mode {
            Mode::HeartcareGpt => heartcaregpt_prompt(model, history, req)?,
            Mode::Grounded => grounded_prompt(model, history, req)?,
        };
        let n = match &prompt {
            Prompt::Ids(ids) => ids.len(),
            Prompt::Embeds(_, n) => *n,
        };
        Ok((prompt, n))
    };
    let fits = |n: usize| model.context_tokens.saturating_sub(n) >= need;
    let (p, n) = build(0)?;
    if fits(n) {
        return Ok((p, n, 0));
    }
    let steps = len.div_ceil(2);
    let (p, n) = build(len)?;
    if !fits(n) {
        if n >= model.context_tokens {
            return Err(LlmError::ContextFull {
                prompt_tokens: n,
                context_tokens: model.context_tokens,
            });
        }
        return Ok((p, n, len));
    }
    let (mut lo, mut hi) = (1, steps);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if fits(build((2 * mid).min(len))?.1) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    let dropped = (2 * hi).min(len);
    let (p, n) = build(dropped)?;
    Ok((p, n, dropped))
}

fn heartcaregpt_prompt(
    model: &ChatModel,
    history: &[Message],
    req: &ChatRequest,
) -> Result<Prompt> {
    let mut text = String::new();
    for m in history {
        match m.role {
            Role::User => text.push_str(&format!("<|user|> {} ", m.content.trim())),
            Role::Assistant => text.push_str(&format!("<|assistant|> {}<|end|>", m.content.trim())),
            Role::System => {}
        }
    }
    text.push_str(&heartcaregpt_text(&req.question));
    let ids = model.tokenizer.encode(&text, true)?;
    if req.soft_tokens.is_empty() || !model.backend.accepts_embeddings() {
        return Ok(Prompt::Ids(ids));
    }
    let mut parts = Vec::new();
    let start = model.backend.embed(&[SIGNAL_START])?;
    let end = model.backend.embed(&[SIGNAL_END])?;
    for w in &req.soft_tokens {
        parts.push(start.clone());
        parts.push(w.clone());
        parts.push(end.clone());
    }
    parts.push(model.backend.embed(&ids)?);
    let e = Tensor::cat(&parts, 0)?;
    let n = e.dim(0)?;
    Ok(Prompt::Embeds(e, n))
}

fn grounded_prompt(model: &ChatModel, history: &[Message], req: &ChatRequest) -> Result<Prompt> {
    let mut msgs = Vec::new();
    if let Some(g) = &req.grounding {
        msgs.push(g.system_message());
    }
    msgs.extend(history.iter().filter(|m| m.role != Role::System).cloned());
    msgs.push(Message::new(Role::User, req.question.trim()));
    let tok = &model.tokenizer;
    let bos = tok
        .bos()
        .and_then(|id| tok.token_text(id))
        .unwrap_or_default();
    let eos = tok
        .eos()
        .first()
        .and_then(|&id| tok.token_text(id))
        .unwrap_or_default();
    let rendered = model.jinja.as_ref().and_then(|j| {
        j.render(&msgs, &bos, &eos)
            .inspect_err(
                |e| tracing::warn!(%e, family = ?model.template, "using the built-in template"),
            )
            .ok()
    });
    let (text, add_bos) = match rendered {
        // The model's own template; add BOS unless it printed one itself.
        Some(t) => {
            let own = !bos.is_empty() && t.starts_with(&bos);
            (t, !own)
        }
        None => (model.template.render(&msgs), !model.template.has_own_bos()),
    };
    let ids = tok.encode(&text, add_bos)?;
    Ok(Prompt::Ids(ids))
}

/// (3) repetition penalty over `generated` (each distinct id once).
fn apply_penalty(logits: &mut [f32], generated: &[u32], penalty: f32) {
    if penalty == 1.0 {
        return;
    }
    let mut seen = std::collections::HashSet::new();
    for &id in generated {
        if !seen.insert(id) {
            continue;
        }
        if let Some(l) = logits.get_mut(id as usize) {
            *l = if *l < 0.0 { *l * penalty } else { *l / penalty };
        }
    }
}

/// Runs one request to the end, calling `on_event` for every event. Cancel by setting `cancel`.
pub fn generate(
    model: &mut ChatModel,
    req: &ChatRequest,
    cancel: &AtomicBool,
    mut on_event: impl FnMut(Event),
) -> Result<Answer> {
    let t_request = Instant::now();
    let (prompt, prompt_tokens, dropped_turns) = build_prompt(model, req)?;
    on_event(Event::Started {
        mode: model.mode,
        prompt_tokens,
    });
    let max_tokens = req.max_tokens.min(model.context_tokens - prompt_tokens);
    let mut processor = req.sampling.processor();
    let t0 = Instant::now();
    let (mut logits, reused) = match prefill(model, &prompt, cancel, &mut on_event) {
        Ok(Some(r)) => r,
        Ok(None) => {
            let answer = Answer {
                mode: model.mode,
                token_ids: Vec::new(),
                text: String::new(),
                prompt_tokens,
                dropped_turns,
                tokens_per_s: 0.0,
                prefill_tokens_per_s: 0.0,
                prefill_s: t0.elapsed().as_secs_f64(),
                time_to_first_token_s: 0.0,
                reused_prompt_tokens: 0,
                stop: StopReason::Cancelled,
            };
            on_event(Event::Done(answer.clone()));
            return Ok(answer);
        }
        Err(e) => {
            model.backend.clear_cache();
            model.cached_ids.clear();
            return Err(e);
        }
    };
    let prefill_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let mut generated: Vec<u32> = Vec::new();
    let mut text = String::new();
    let mut stop = StopReason::MaxTokens;
    let mut time_to_first_token_s = 0.0;
    // Soft-token prompts are not ids: nothing after them can be matched as a prefix.
    let track_ids = matches!(prompt, Prompt::Ids(_));
    for (step, pos) in (0..max_tokens).zip(prompt_tokens..) {
        if cancel.load(Ordering::Relaxed) {
            stop = StopReason::Cancelled;
            break;
        }
        let mut v = logits.to_dtype(candle::DType::F32)?.to_vec1::<f32>()?;
        apply_penalty(&mut v, &generated, req.sampling.repeat_penalty);
        let n = v.len();
        let next = processor.sample(&Tensor::from_vec(v, n, &candle::Device::Cpu)?)?;
        if step == 0 {
            time_to_first_token_s = t_request.elapsed().as_secs_f64();
        }
        if model.stop_ids.contains(&next) {
            stop = StopReason::Eos;
            break;
        }
        generated.push(next);
        let full = model.tokenizer.decode(&generated)?;
        let delta = if !full.ends_with('\u{FFFD}')
            && full.len() >= text.len()
            && full.is_char_boundary(text.len())
        {
            let d = full[text.len()..].to_string();
            text = full;
            d
        } else {
            String::new()
        };
        on_event(Event::Token {
            id: next,
            text: delta,
        });
        if step + 1 == max_tokens {
            if max_tokens < req.max_tokens {
                stop = StopReason::Context;
            }
            break;
        }
        logits = match model.backend.forward_ids(&[next], pos) {
            Ok(l) => l,
            Err(e) => {
                model.backend.clear_cache();
                model.cached_ids.clear();
                return Err(e);
            }
        };
        if track_ids {
            model.cached_ids.push(next);
        }
    }
    let decode_s = t1.elapsed().as_secs_f64();
    let text = model.tokenizer.decode(&generated)?;
    let steps = generated.len().saturating_sub(1);
    let tokens_per_s = if steps > 0 && decode_s > 0.0 {
        steps as f64 / decode_s
    } else if !generated.is_empty() {
        generated.len() as f64 / (prefill_s + decode_s).max(1e-9)
    } else {
        0.0
    };
    let answer = Answer {
        mode: model.mode,
        token_ids: generated,
        text,
        prompt_tokens,
        dropped_turns,
        tokens_per_s,
        prefill_tokens_per_s: (prompt_tokens - reused) as f64 / prefill_s.max(1e-9),
        prefill_s,
        time_to_first_token_s,
        reused_prompt_tokens: reused,
        stop,
    };
    on_event(Event::Done(answer.clone()));
    Ok(answer)
}

/// (5) + (6): puts the prompt in the KV cache, reusing the longest cached prefix, and returns
/// the logits of its last position and the number of reused tokens; `None` when cancelled.
/// `model.cached_ids` follows what the cache holds.
fn prefill(
    model: &mut ChatModel,
    prompt: &Prompt,
    cancel: &AtomicBool,
    on_event: &mut impl FnMut(Event),
) -> Result<Option<(Tensor, usize)>> {
    let ids = match prompt {
        Prompt::Embeds(e, n) => {
            model.cached_ids.clear();
            model.backend.clear_cache();
            let logits = model.backend.forward_embeds(e, 0)?;
            on_event(Event::Prefill {
                done: *n,
                total: *n,
            });
            return Ok(Some((logits, 0)));
        }
        Prompt::Ids(ids) => ids,
    };
    // At least the last prompt id is fed again: its logits start the answer.
    let common = model
        .cached_ids
        .iter()
        .zip(ids)
        .take_while(|(a, b)| a == b)
        .count()
        .min(ids.len().saturating_sub(1));
    let reused = if common > 0 && model.backend.truncate_cache(common)? {
        common
    } else {
        model.backend.clear_cache();
        0
    };
    model.cached_ids.truncate(reused);
    let chunk = if model.backend.chunked_prefill() {
        PREFILL_CHUNK
    } else {
        ids.len()
    };
    let mut pos = reused;
    let mut logits = None;
    while pos < ids.len() {
        if cancel.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let end = (pos + chunk).min(ids.len());
        logits = Some(model.backend.forward_ids(&ids[pos..end], pos)?);
        model.cached_ids.extend_from_slice(&ids[pos..end]);
        pos = end;
        on_event(Event::Prefill {
            done: pos,
            total: ids.len(),
        });
    }
    let logits = logits.ok_or_else(|| LlmError::Invalid("empty prompt".into()))?;
    Ok(Some((logits, reused)))
}

enum Command {
    Generate {
        request: Box<ChatRequest>,
        events: Sender<Event>,
        cancel: Arc<AtomicBool>,
    },
}

/// A running generation: its events and its cancel switch.
#[derive(Debug)]
pub struct Job {
    /// Streamed events; ends with [`Event::Done`] or [`Event::Error`].
    pub events: Receiver<Event>,
    cancel: Arc<AtomicBool>,
}

impl Job {
    /// Asks the engine to stop after the current token.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// A handle that cancels this job from another thread.
    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        self.cancel.clone()
    }

    /// Blocks until the answer (or the error) arrives, dropping intermediate events.
    pub fn wait(self) -> Result<Answer> {
        for ev in self.events {
            match ev {
                Event::Done(a) => return Ok(a),
                Event::Error(e) => return Err(LlmError::Invalid(e)),
                _ => {}
            }
        }
        Err(LlmError::Invalid("the engine thread stopped".into()))
    }
}

/// The engine thread. Dropping it stops the thread after the current job.
#[derive(Debug)]
pub struct Engine {
    tx: Option<Sender<Command>>,
    thread: Option<JoinHandle<()>>,
    mode: Mode,
}

impl Engine {
    /// Moves `model` onto a new thread.
    pub fn spawn(model: ChatModel) -> Result<Self> {
        let mode = model.mode;
        let (tx, rx) = channel::<Command>();
        let thread = std::thread::Builder::new()
            .name("heartlens-chat".into())
            .spawn(move || {
                let mut model = model;
                for cmd in rx {
                    match cmd {
                        Command::Generate {
                            request,
                            events,
                            cancel,
                        } => {
                            let ev = events.clone();
                            let r = generate(&mut model, &request, &cancel, |e| {
                                // A closed receiver means nobody listens: stop soon.
                                if ev.send(e).is_err() {
                                    cancel.store(true, Ordering::Relaxed);
                                }
                            });
                            if let Err(e) = r {
                                let _ = events.send(Event::Error(e.to_string()));
                            }
                        }
                    }
                }
            })
            .map_err(|e| LlmError::Invalid(format!("cannot start the engine thread: {e}")))?;
        Ok(Self {
            tx: Some(tx),
            thread: Some(thread),
            mode,
        })
    }

    /// The mode of the loaded model.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Queues a request; events stream on the returned job.
    pub fn submit(&self, request: ChatRequest) -> Result<Job> {
        let (events_tx, events) = channel();
        let cancel = Arc::new(AtomicBool::new(false));
        self.tx
            .as_ref()
            .ok_or_else(|| LlmError::Invalid("engine stopped".into()))?
            .send(Command::Generate {
                request: Box::new(request),
                events: events_tx,
                cancel: cancel.clone(),
            })
            .map_err(|_| LlmError::Invalid("the engine thread stopped".into()))?;
        Ok(Job { events, cancel })
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn penalty_touches_each_generated_id_once_by_sign() {
        let mut l = vec![2.2, -1.0, 0.5];
        apply_penalty(&mut l, &[0, 1, 0], 1.1);
        assert!((l[0] - 2.0).abs() < 1e-6);
        assert!((l[1] + 1.1).abs() < 1e-6);
        assert_eq!(l[2], 0.5);
    }

    #[test]
    fn regenerate_changes_only_the_seed() {
        let r = ChatRequest {
            question: "q".into(),
            ..Default::default()
        };
        let g = r.regenerate();
        assert_eq!(g.question, "q");
        assert_ne!(g.sampling.seed, r.sampling.seed);
    }
}
