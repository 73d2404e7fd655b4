//! `heartlens convert IN OUT --to wfdb|edf|csv [--wfdb-format 16|212]`: rewrite a recording in
//! another format so other tools can read it.
//!
//! WFDB: `OUT` names the record (`out/rec` or `out/rec.hea`); `rec.hea`, `rec.dat` and
//! annotation files are written beside it. EDF: `OUT` is the EDF+ file. CSV: `OUT` is the CSV
//! file, or `-` for standard output.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::open::InputArgs;

/// Target format of `heartlens convert`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// WFDB record (header + format 16 or 212 signal file + annotations).
    Wfdb,
    /// EDF+C with annotations.
    Edf,
    /// CSV with a time column.
    Csv,
}

/// Arguments of `heartlens convert`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// Output file (WFDB: record path, with or without `.hea`; CSV: `-` for stdout).
    output: PathBuf,
    /// Output format.
    #[arg(long = "to", value_enum)]
    to: Target,
    /// WFDB storage format.
    #[arg(long = "wfdb-format", default_value_t = 16)]
    wfdb_format: u32,
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// Runs `heartlens convert`.
pub fn run(args: Args) -> Result<()> {
    let rec = args.input.open()?;
    if rec.leads.is_empty() && args.to != Target::Edf {
        bail!("the recording has no leads; only EDF+ can hold annotations alone");
    }
    let out = &args.output;
    match args.to {
        Target::Wfdb => {
            let stem = out
                .file_name()
                .and_then(|n| n.to_str())
                .map(|n| n.strip_suffix(".hea").unwrap_or(n).to_string())
                .filter(|n| !n.is_empty())
                .context("the WFDB output needs a record name")?;
            let dir = out
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let storage = match args.wfdb_format {
                16 => formats::WfdbStorage::Format16,
                212 => formats::WfdbStorage::Format212,
                other => bail!("--wfdb-format {other}: the WFDB writer supports 16 and 212"),
            };
            let written = formats::write_wfdb_to_dir(&rec, dir, &stem, storage)?;
            for p in written {
                eprintln!("wrote {}", p.display());
            }
        }
        Target::Edf => {
            let bytes = formats::write_edf(&rec)?;
            write_file(out, &bytes)?;
        }
        Target::Csv => {
            if out.as_os_str() == "-" {
                let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
                formats::write_csv(&rec, &mut stdout)?;
                stdout.flush()?;
            } else {
                let f = std::fs::File::create(out)
                    .with_context(|| format!("cannot create {}", out.display()))?;
                let mut w = std::io::BufWriter::new(f);
                formats::write_csv(&rec, &mut w)?;
                w.flush()?;
            }
        }
    }
    Ok(())
}
