//! `heartlens models import|list|remove`: the installed language models.
//!
//! The models folder is `--dir`, else `$HEARTLENS_HOME/models`, else the platform data folder
//! (`$XDG_DATA_HOME/heartlens/models` on Linux). `list --json` prints
//! `[{"name", "path", "kind", "architecture", "quantization", "bytes", "error"}]`.

use std::io::Write;
use std::path::PathBuf;

use ai::import::{HeartcareSources, Quantization, import_gguf, import_heartcaregpt};
use ai::registry::Registry;
use anyhow::{Context, Result, bail};

use crate::exit::BadInput;

/// Arguments of `heartlens models`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
    /// Models folder (default: $HEARTLENS_HOME/models or the platform data folder).
    #[arg(long, global = true)]
    dir: Option<PathBuf>,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Install a model: a chat GGUF (grounded mode) or HeartcareGPT from its checkpoints.
    Import(ImportArgs),
    /// List the installed models.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Delete an installed model.
    Remove {
        /// The model's name.
        name: String,
    },
}

#[derive(Debug, clap::Args)]
struct ImportArgs {
    /// Name of the installed model (its folder).
    #[arg(long)]
    name: String,
    /// A stock chat GGUF (phi3, llama, qwen2, qwen3) to install for the grounded mode.
    #[arg(long, conflicts_with = "base")]
    gguf: Option<PathBuf>,
    /// HeartcareGPT: the base Phi-3 folder (config.json + safetensors).
    #[arg(long)]
    base: Option<PathBuf>,
    /// HeartcareGPT: the PEFT adapter folder.
    #[arg(long, requires = "base")]
    adapter: Option<PathBuf>,
    /// HeartcareGPT: `signal_proj` safetensors.
    #[arg(long, requires = "base")]
    signal_proj: Option<PathBuf>,
    /// HeartcareGPT: `visual_proj` safetensors.
    #[arg(long, requires = "base")]
    visual_proj: Option<PathBuf>,
    /// HeartcareGPT: Beat checkpoint (safetensors).
    #[arg(long, requires = "base")]
    beat: Option<PathBuf>,
    /// `tokenizer.json` (or, for HeartcareGPT, a GGUF whose vocabulary to reuse).
    #[arg(long)]
    tokenizer: Option<PathBuf>,
    /// Weight type written for HeartcareGPT: f32, f16, q8_0, q4_k_m.
    #[arg(long, default_value = "q8_0")]
    quant: String,
}

/// Runs `heartlens models`.
pub fn run(args: Args) -> Result<()> {
    let dir = match args.dir.clone() {
        Some(d) => d,
        None => ai::default_models_dir()
            .context("no models folder: set HEARTLENS_HOME or pass --dir")?,
    };
    let registry = Registry::new(&dir);
    match args.action {
        Action::List { json } => list(&registry, json),
        Action::Remove { name } => {
            registry
                .remove(&name)
                .map_err(|e| BadInput(e.to_string()))?;
            println!("removed {name}");
            Ok(())
        }
        Action::Import(a) => import(&dir, a),
    }
}

fn list(registry: &Registry, json: bool) -> Result<()> {
    let models = registry.list()?;
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &models)?;
        writeln!(out)?;
        return Ok(());
    }
    if models.is_empty() {
        writeln!(out, "no models in {}", registry.dir().display())?;
    }
    for m in models {
        let kind = m
            .kind
            .map(|k| format!("{k:?}").to_lowercase())
            .unwrap_or_else(|| "broken".into());
        writeln!(
            out,
            "{:<28} {:<13} {:<6} {:<8} {:>9.1} MB{}",
            m.name,
            kind,
            m.architecture.unwrap_or_default(),
            m.quantization.unwrap_or_default(),
            m.bytes as f64 / 1e6,
            m.error.map(|e| format!("  ({e})")).unwrap_or_default()
        )?;
    }
    Ok(())
}

fn import(dir: &std::path::Path, a: ImportArgs) -> Result<()> {
    let progress = |p: ai::import::Progress| {
        eprint!("\r{:<20} {}/{}   ", p.stage, p.done, p.total);
        if p.stage == "done" {
            eprintln!();
        }
    };
    let manifest = match (&a.gguf, &a.base) {
        (Some(g), None) => import_gguf(g, a.tokenizer.as_deref(), dir, &a.name, progress),
        (None, Some(base)) => {
            let Some(quant) = Quantization::parse(&a.quant) else {
                bail!(BadInput(format!(
                    "--quant {}: use f32, f16, q8_0 or q4_k_m",
                    a.quant
                )));
            };
            let src = HeartcareSources {
                base: base.clone(),
                adapter: a.adapter.clone(),
                signal_proj: a.signal_proj.clone(),
                visual_proj: a.visual_proj.clone(),
                beat: a.beat.clone(),
                tokenizer: a.tokenizer.clone(),
            };
            import_heartcaregpt(&src, quant, dir, &a.name, progress)
        }
        _ => bail!(BadInput("give --gguf FILE or --base DIR".into())),
    }
    .map_err(|e| anyhow::Error::new(BadInput(e.to_string())))?;
    println!(
        "installed {} ({:?}, {}, {:.1} MB) in {}",
        manifest.name,
        manifest.kind,
        manifest.quantization,
        manifest.total_bytes() as f64 / 1e6,
        dir.join(&manifest.name).display()
    );
    Ok(())
}
