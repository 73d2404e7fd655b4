//! `heartlens models import|list|remove|catalog|download`: the installed language models and the
//! catalogue of recommended ones.
//!
//! The models folder is `--dir`, else `$HEARTLENS_HOME/models`, else the platform data folder
//! (`$XDG_DATA_HOME/heartlens/models` on Linux). `list --json` prints
//! `[{"name", "path", "kind", "architecture", "quantization", "bytes", "error"}]`; `catalog --json`
//! prints `models/catalog.json`'s models. `download NAME|URL` is the only command that uses the
//! network: it fetches a catalogue model (or a pasted GGUF URL) with progress on stderr, resumes an
//! interrupted download, checks the free space, verifies the SHA-256 (the catalogue's, else the
//! one the server states) and installs it like `import --gguf`.

use std::io::Write;
use std::path::PathBuf;

use ai::LlmError;
use ai::download::{
    Catalog, DownloadOptions, DownloadProgress, Source, discard_partial, download_and_install,
};
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
    /// The recommended models (name, licence, size, source).
    Catalog {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Download a catalogue model or a GGUF URL and install it (the only network use).
    Download(DownloadArgs),
}

#[derive(Debug, clap::Args)]
struct DownloadArgs {
    /// A catalogue name (see `heartlens models catalog`) or an http(s) URL of a GGUF file.
    model: String,
    /// Install under this name (default: the catalogue name or the URL's file name).
    #[arg(long)]
    name: Option<String>,
    /// Expected SHA-256 of the file (overrides the catalogue and the server).
    #[arg(long)]
    sha256: Option<String>,
    /// Throw away a partial download of this model and start from zero.
    #[arg(long)]
    restart: bool,
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
        Action::Catalog { json } => catalog(json),
        Action::Download(a) => download(&dir, a),
    }
}

fn catalog(json: bool) -> Result<()> {
    let c = Catalog::builtin();
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &c.models)?;
        writeln!(out)?;
        return Ok(());
    }
    for m in &c.models {
        writeln!(
            out,
            "{:<30} {:>8.0} MB  {:<8} {:<7} ctx {:<6} {}",
            m.name,
            m.bytes as f64 / 1e6,
            m.quantization,
            m.parameters,
            m.context_length,
            m.license
        )?;
        writeln!(out, "    {} — {}", m.title, m.notes)?;
        writeln!(out, "    {}", m.url)?;
    }
    Ok(())
}

fn download(dir: &std::path::Path, a: DownloadArgs) -> Result<()> {
    let catalog = Catalog::builtin();
    let mut source = Source::resolve(&a.model, &catalog).map_err(|e| BadInput(e.to_string()))?;
    if let Some(n) = a.name {
        source.name = n;
    }
    if let Some(h) = a.sha256 {
        source.sha256 = Some(h);
    }
    if a.restart {
        discard_partial(dir, &source.name)?;
    }
    eprintln!("downloading {} from {}", source.name, source.url);
    let opts = DownloadOptions::default();
    let mut last_stage = String::new();
    let progress = |p: DownloadProgress| {
        let mb = p.done as f64 / 1e6;
        match p.total {
            Some(t) if t > 0 && p.stage == "downloading" => eprint!(
                "\r{:<12} {mb:>8.1} / {:.1} MB ({:.0} %)   ",
                p.stage,
                t as f64 / 1e6,
                100.0 * p.done as f64 / t as f64
            ),
            _ => {
                if p.stage != last_stage {
                    eprint!("\r{:<12} {mb:>8.1} MB{:<20}", p.stage, "");
                }
            }
        }
        if p.stage == "done" {
            eprintln!();
        }
        last_stage = p.stage;
    };
    let (manifest, got) = match download_and_install(&source, dir, &opts, progress) {
        Ok(v) => v,
        Err(e @ (LlmError::Download { .. } | LlmError::Cancelled)) => {
            eprintln!();
            bail!("{e} (what was fetched is kept; run the same command again to resume)")
        }
        Err(e) => {
            eprintln!();
            return Err(anyhow::Error::new(BadInput(e.to_string())));
        }
    };
    let verified = match &got.verified_by {
        Some(by) => format!("SHA-256 {} verified against the {by}", got.sha256),
        None => format!(
            "SHA-256 {} (not verified: neither the catalogue nor the server stated a hash)",
            got.sha256
        ),
    };
    println!(
        "installed {} ({}, {:.1} MB) in {}; {verified}",
        manifest.name,
        manifest.quantization,
        manifest.total_bytes() as f64 / 1e6,
        dir.join(&manifest.name).display()
    );
    Ok(())
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
