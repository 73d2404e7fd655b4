//! `heartlens tokenize FILE --beat WEIGHTS [--config v3|v1] [--windows split|best|centred] [--json]`:
//! the Beat codes of a recording.
//!
//! The JSON is [`ai::tokenize::TokenizedJson`] (a contract: `{"config": "v3", "windows":
//! [{"start_s": f, "codes": [[i0, i1], ...], "duration_s": f, "left_pad_s": f, "choice":
//! {"method": ..}}], "missing_leads": [..], "derived_leads": [..], "source_rate_hz": f}`). `--beat` may be given twice (v1 test weights: the v3 file then
//! the v1 file; later tensors win) and accepts `.safetensors` or a PyTorch `tokenizer.pth`.

use std::io::Write;
use std::path::PathBuf;

use ai::models::beat::{Beat, Config, Version};
use ai::tokenize::{TokenizeError, TokenizeOptions, Tokenized, WindowMode};
use anyhow::{Context, Result};

use super::open::InputArgs;
use crate::exit::BadInput;

/// Arguments of `heartlens tokenize`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// Beat weights (.safetensors or PyTorch .pth); repeat to overlay files, later keys win.
    #[arg(long = "beat", required = true)]
    beat: Vec<PathBuf>,
    /// Beat configuration: v3 (4-s windows, 20 codes) or v1 (2-s windows, 10 codes).
    #[arg(long, default_value = "v3")]
    config: String,
    /// Windows: every model window from the right (split), the best-quality window (best),
    /// or the centred one (centred).
    #[arg(long, default_value = "split")]
    windows: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

fn mode(text: &str) -> Result<WindowMode> {
    Ok(match text {
        "split" => WindowMode::Split,
        "best" => WindowMode::Best,
        "centred" | "centered" => WindowMode::Centred,
        other => {
            return Err(BadInput(format!(
                "--windows {other}: expected split, best or centred"
            ))
            .into());
        }
    })
}

/// Runs `heartlens tokenize`.
pub fn run(args: Args) -> Result<()> {
    let version = Version::parse(&args.config)
        .ok_or_else(|| BadInput(format!("--config {}: expected v3 or v1", args.config)))?;
    let mode = mode(&args.windows)?;
    let rec = args.input.open()?;
    let device = candle::Device::Cpu;
    let model = Beat::load(&Config::for_version(version), &args.beat, &device)
        .map_err(|e| BadInput(format!("Beat weights: {e}")))
        .with_context(|| {
            format!(
                "loading Beat {} weights from {}",
                version.name(),
                args.beat
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?;
    let tokenized = match ai::tokenize::tokenize(&model, &rec, &TokenizeOptions { mode }) {
        Ok(t) => t,
        Err(e @ TokenizeError::Model(_)) => return Err(e.into()),
        Err(e) => {
            return Err(BadInput(format!("{}: {e}", args.input.file.display())).into());
        }
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer(&mut out, &tokenized.json())?;
        writeln!(out)?;
    } else {
        print_text(&mut out, &tokenized)?;
    }
    Ok(())
}

fn print_text(out: &mut impl Write, t: &Tokenized) -> Result<()> {
    writeln!(
        out,
        "Beat {}: {} window(s), source {} Hz",
        t.version.name(),
        t.windows.len(),
        t.source_rate_hz
    )?;
    if !t.missing_leads.is_empty() {
        writeln!(
            out,
            "missing leads (zero-filled): {}",
            t.missing_leads.join(" ")
        )?;
    }
    if !t.derived_leads.is_empty() {
        writeln!(out, "derived leads: {}", t.derived_leads.join(" "))?;
    }
    for w in &t.windows {
        let choice = serde_json::to_string(&w.choice)?;
        writeln!(
            out,
            "{:8.3} s  {:5.3} s  pad {:5.3} s  {choice}",
            w.start_s, w.duration_s, w.left_pad_s
        )?;
        let codes: Vec<String> = w
            .codes
            .iter()
            .map(|c| c.iter().map(u32::to_string).collect::<Vec<_>>().join(":"))
            .collect();
        writeln!(out, "  {}", codes.join(" "))?;
    }
    Ok(())
}
