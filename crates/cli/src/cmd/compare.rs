//! `heartlens compare FILE PRIOR [--json] [--min-change N]`: a recording against a prior one of
//! the same patient, as read first: how each global measurement changed (QTc +38 ms) and which
//! statements are new or resolved. Both files are analysed with the default options; the
//! comparison itself is `reading::compare`, which the app shares.
//!
//! The JSON is `reading::compare::Comparison`: `{"prior_time", "current_time", "measurements":
//! [{"name", "label", "method", "unit", "current", "prior", "delta"}], "new_statements",
//! "resolved_statements", "unchanged_statements"}` (`null` where not measured).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use reading::compare::{Side, compare};

use super::open::InputArgs;

/// Arguments of `heartlens compare`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// The prior recording of the same patient.
    prior: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Smallest change printed in the text output, in each measurement's unit.
    #[arg(long, default_value_t = 1.0)]
    min_change: f64,
}

/// The prior file, opened with the same reader options as the current one.
pub(crate) fn prior_input(current: &InputArgs, prior: &std::path::Path) -> InputArgs {
    InputArgs {
        file: prior.to_path_buf(),
        ..current.clone()
    }
}

/// A recording analysed with the default options, with its acquisition time (ISO 8601).
pub(crate) fn analysed(input: &InputArgs) -> Result<(signal::Analysis, Option<String>)> {
    let rec = input.open()?;
    let a = reading::analysis::compute(&rec)
        .with_context(|| format!("{}: analysis failed", input.file.display()))?;
    Ok((a, rec.acquisition.start_time.map(|t| t.to_iso8601())))
}

/// Runs `heartlens compare`.
pub fn run(args: Args) -> Result<()> {
    let sides = [
        analysed(&args.input)?,
        analysed(&prior_input(&args.input, &args.prior))?,
    ];
    let side = |k: usize| Side {
        measurements: &sides[k].0.measurements,
        statements: &sides[k].0.statements,
        time: sides[k].1.as_deref(),
    };
    let c = compare(side(0), side(1));
    let mut w = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut w, &c)?;
        writeln!(w)?;
        return Ok(());
    }
    for line in c.lines(args.min_change) {
        writeln!(w, "{line}")?;
    }
    Ok(())
}
