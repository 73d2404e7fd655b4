//! `heartlens chat FILE --model PATH [--beat WEIGHTS] --question "..." [--max-tokens N] [--json]`:
//! one question about one tracing.
//!
//! `--model` is a model path (GGUF file, installed-model folder, safetensors folder) or the name of
//! an installed model. HeartcareGPT models answer from the ECG soft tokens (Beat weights from
//! `--beat` or the model folder); any other chat model answers in grounded mode from the tracing as
//! text (`signal::analyze` measurements and statements, else the device's; user annotations).
//!
//! With `--json` it prints `{"mode": "heartcaregpt|grounded", "token_ids": [...], "text": "...",
//! "tokens_per_s": f, "prompt_tokens": n, "prefill_s": f, "prefill_tokens_per_s": f,
//! "time_to_first_token_s": f, "facts": "...", "claims": [{"text", "start", "end", "status",
//! "fact", "kind"}], "checked_against": {...}}` (a contract): `facts` is exactly what the model
//! was told (the grounding text, or for HeartcareGPT the windows it tokenised), `claims` the
//! answer's clinical claims checked by [`reading::claims`] (`start`/`end` are UTF-8 byte offsets
//! into `text`; `status` is `supported`, `contradicted` or `not_in_facts`), `checked_against` the
//! facts as values. Otherwise the answer streams to stdout as it is generated, followed by the
//! claim check with contradicted claims marked `!!`; `--show-facts` prints the facts before it.
//! Prefill progress (`prefill 128/559`) goes to stderr either way.
//!
//! Claims are checked against the tracing's facts (Heartlens analysis, else the device's
//! measurements; statements; user annotations), which in HeartcareGPT mode the model saw as
//! signal tokens rather than text.

use std::io::Write;
use std::path::PathBuf;

use ai::engine::{ChatRequest, Engine, Event, SamplingSettings};
use ai::model::{ChatModel, Mode, OpenOptions};
use ai::prompt::Grounding;
use anyhow::{Context, Result, bail};
use reading::claims::{Claim, ClaimStatus, Facts};
use serde::Serialize;

use super::open::InputArgs;
use crate::exit::BadInput;

/// Arguments of `heartlens chat`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// Model: a path or the name of an installed model.
    #[arg(long)]
    model: String,
    /// Beat weights (HeartcareGPT mode), if not in the model folder.
    #[arg(long)]
    beat: Option<PathBuf>,
    /// The question.
    #[arg(long)]
    question: String,
    /// Answer budget in tokens.
    #[arg(long, default_value_t = 256)]
    max_tokens: usize,
    /// Sampling temperature (default: greedy).
    #[arg(long)]
    temperature: Option<f64>,
    /// Repetition penalty over generated tokens.
    #[arg(long, default_value_t = 1.1)]
    repeat_penalty: f32,
    /// Dequantize GGUF weights to f32 at load (exact, slower).
    #[arg(long)]
    dequantize: bool,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// Print exactly what the model was told before its answer.
    #[arg(long)]
    show_facts: bool,
}

#[derive(Debug, Serialize)]
struct JsonAnswer<'a> {
    mode: &'a str,
    token_ids: &'a [u32],
    text: &'a str,
    tokens_per_s: f64,
    prompt_tokens: usize,
    prefill_s: f64,
    prefill_tokens_per_s: f64,
    time_to_first_token_s: f64,
    facts: &'a str,
    claims: &'a [Claim],
    checked_against: &'a Facts,
}

/// The claim checker's facts: the same values the grounded prompt prints.
pub fn claim_facts(g: &Grounding) -> Facts {
    Facts {
        measurements: g.measurements.as_ref().map(|(m, _)| m.clone()),
        statements: g.statements.clone(),
        annotations: g.annotations.clone(),
        leads: Some(g.leads.len()),
        duration_s: Some(g.duration_s),
        sampling_rate_hz: Some(g.sampling_rate_hz),
        age_years: g.age_years,
    }
}

/// What HeartcareGPT saw: the 4-s windows Beat tokenised.
fn tokenized_facts(t: &ai::tokenize::Tokenized) -> String {
    let mut s = format!(
        "HeartcareGPT read the tracing as Beat codes ({} window(s) of 12 leads at 250 Hz, 20 codes each; the model was given no text facts):\n",
        t.windows.len()
    );
    for w in &t.windows {
        s.push_str(&format!(
            "- {:.2}-{:.2} s\n",
            w.start_s,
            w.start_s + w.duration_s
        ));
    }
    if !t.missing_leads.is_empty() {
        s.push_str(&format!(
            "Missing leads (zero-filled): {}\n",
            t.missing_leads.join(", ")
        ));
    }
    if !t.derived_leads.is_empty() {
        s.push_str(&format!(
            "Derived from I and II: {}\n",
            t.derived_leads.join(", ")
        ));
    }
    s
}

/// Prints the claim check under an answer; contradicted claims are marked `!!`.
fn print_claims(out: &mut impl Write, claims: &[Claim]) -> std::io::Result<()> {
    writeln!(out, "Claim check: {}", reading::claims::summary(claims))?;
    for c in claims {
        let mark = match c.status {
            ClaimStatus::Contradicted => "!!",
            ClaimStatus::Supported => "ok",
            ClaimStatus::NotInFacts => "??",
        };
        write!(out, "  {mark} \"{}\" {}", c.text, c.status.label())?;
        match &c.fact {
            Some(f) => writeln!(out, ": {f}")?,
            None => writeln!(out)?,
        }
    }
    Ok(())
}

fn model_path(spec: &str) -> Result<PathBuf> {
    match ai::resolve_model(spec) {
        Some(p) => Ok(p),
        None => bail!(BadInput(format!(
            "--model {spec}: no such file and no installed model of that name"
        ))),
    }
}

/// Runs `heartlens chat`.
pub fn run(args: Args) -> Result<()> {
    let rec = args.input.open()?;
    let path = model_path(&args.model)?;
    let model = ChatModel::open(
        &path,
        OpenOptions {
            dequantize: args.dequantize,
            ..OpenOptions::default()
        },
    )
    .map_err(|e| BadInput(e.to_string()))
    .with_context(|| format!("loading model {}", path.display()))?;
    let mut req = ChatRequest {
        question: args.question.clone(),
        sampling: SamplingSettings {
            temperature: args.temperature,
            repeat_penalty: args.repeat_penalty,
            ..SamplingSettings::default()
        },
        max_tokens: args.max_tokens,
        ..ChatRequest::default()
    };
    // The tracing's facts: our own measurements when the analysis runs, the device's otherwise.
    let mut grounding = Grounding::from_recording(&rec);
    match signal::analyze(&rec, &signal::AnalysisOptions::default()) {
        Ok(an) => grounding.add_analysis(&an),
        Err(e) => eprintln!("heartlens: analysis failed ({e}); using the device's measurements"),
    }
    let facts = claim_facts(&grounding);
    let told;
    match model.mode {
        Mode::HeartcareGpt => {
            let beat = args
                .beat
                .clone()
                .or_else(|| {
                    let p = path.join(ai::import::BEAT_FILE);
                    p.is_file().then_some(p)
                })
                .ok_or_else(|| {
                    BadInput("HeartcareGPT needs Beat weights: pass --beat WEIGHTS".into())
                })?;
            let beat = ChatModel::load_beat(&beat).map_err(|e| BadInput(e.to_string()))?;
            let tokenized =
                ai::tokenize::tokenize(&beat, &rec, &ai::tokenize::TokenizeOptions::default())
                    .map_err(|e| BadInput(format!("{}: {e}", args.input.file.display())))?;
            req.soft_tokens = model.soft_tokens(&beat, &tokenized)?;
            told = tokenized_facts(&tokenized);
        }
        Mode::Grounded => {
            told = grounding.system_message().content;
            req.grounding = Some(grounding);
        }
    }
    let engine = Engine::spawn(model)?;
    let job = engine.submit(req)?;
    let mut out = std::io::stdout().lock();
    if args.show_facts && !args.json {
        writeln!(out, "What the model was told:\n{told}")?;
    }
    for ev in job.events {
        match ev {
            Event::Started {
                mode,
                prompt_tokens,
            } => {
                if !args.json {
                    eprintln!("[{} mode, prompt {prompt_tokens} tokens]", mode.name());
                }
            }
            Event::Prefill { done, total } => {
                eprint!("\rprefill {done}/{total}");
                if done == total {
                    eprintln!();
                }
            }
            Event::Token { text, .. } => {
                if !args.json {
                    write!(out, "{text}")?;
                    out.flush()?;
                }
            }
            Event::Done(a) => {
                let claims = reading::claims::check(&a.text, &facts);
                if args.json {
                    let j = JsonAnswer {
                        mode: a.mode.name(),
                        token_ids: &a.token_ids,
                        text: &a.text,
                        tokens_per_s: a.tokens_per_s,
                        prompt_tokens: a.prompt_tokens,
                        prefill_s: a.prefill_s,
                        prefill_tokens_per_s: a.prefill_tokens_per_s,
                        time_to_first_token_s: a.time_to_first_token_s,
                        facts: &told,
                        claims: &claims,
                        checked_against: &facts,
                    };
                    serde_json::to_writer(&mut out, &j)?;
                    writeln!(out)?;
                } else {
                    writeln!(out)?;
                    print_claims(&mut out, &claims)?;
                    eprintln!(
                        "[{} tokens, {:.1} tokens/s, prefill {:.2} s ({:.1} tokens/s), first token after {:.2} s, stop: {:?}]",
                        a.token_ids.len(),
                        a.tokens_per_s,
                        a.prefill_s,
                        a.prefill_tokens_per_s,
                        a.time_to_first_token_s,
                        a.stop
                    );
                }
                return Ok(());
            }
            Event::Error(e) => bail!("chat failed: {e}"),
        }
    }
    bail!("the chat engine stopped without an answer")
}
