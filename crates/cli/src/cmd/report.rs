//! `heartlens report FILE --pdf OUT.pdf [--png OUT.png] [--csv OUT.csv] [--deidentify]
//! [--paper a4|letter] [--no-chat] [--start S] [--filter monitoring50]`: the annotated report of a recording.
//!
//! Measurements and statements come from `signal::analyze` (the device's own, when analysis
//! fails or `--device-measurements` is given). Annotations listed are the file's notes,
//! rhythm changes, intervals and calipers; beat labels and wave fiducials (thousands on a
//! Holter) only with `--all-annotations`. Recordings without most of the 12 standard leads
//! are drawn one lead per row. Longer recordings get 10-s strips around annotations outside
//! the first window (or four evenly spaced strips when there are none).
//!
//! With `--session ID` (the recording's id in the store, see `heartlens db`), the store's
//! session replaces the file's view: its annotations, statement reviews, measurement
//! overrides, signature and chat exchanges (all completed ones unless `--no-chat`); the file
//! must be the one the session was made from (same SHA-256), and the export is recorded in the
//! store.

use std::path::PathBuf;

use anyhow::{Context, Result};
use report::{Paper, Report};

use super::open::InputArgs;
use crate::exit::BadInput;

/// Paper size argument.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum PaperArg {
    A4,
    Letter,
}

/// Arguments of `heartlens report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// Write the PDF report here.
    #[arg(long)]
    pdf: PathBuf,
    /// Also write the tracing page as PNG here.
    #[arg(long)]
    png: Option<PathBuf>,
    /// Resolution of the PNG.
    #[arg(long, default_value_t = 200.0)]
    dpi: f32,
    /// Also write measurements and annotations as CSV here.
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Leave out the patient's name, identifier and birth date.
    #[arg(long)]
    deidentify: bool,
    /// Paper size (landscape).
    #[arg(long, value_enum, default_value = "a4")]
    paper: PaperArg,
    /// Leave out chat exchanges.
    #[arg(long)]
    no_chat: bool,
    /// Start of the 10-s window on the tracing page, in seconds.
    #[arg(long, default_value_t = 0.0)]
    start: f64,
    /// Report the device's measurements and statements instead of Heartlens' analysis.
    #[arg(long)]
    device_measurements: bool,
    /// List every file annotation, beat labels and wave fiducials included.
    #[arg(long)]
    all_annotations: bool,
    /// Take annotations, reviews, overrides, signature and chat from this store session (the
    /// recording's id in the store).
    #[arg(long)]
    session: Option<i64>,
    /// Display filter the tracing is drawn with (off, diagnostic, monitoring50, monitoring60);
    /// the report states the resulting band.
    #[arg(long, default_value = "off")]
    filter: reading::display::DisplayFilter,
    /// The store database for --session (default: the app's).
    #[arg(long)]
    db: Option<PathBuf>,
}

/// Runs `heartlens report`.
pub fn run(args: Args) -> Result<()> {
    let rec = args.input.open()?;
    if !(args.start.is_finite() && args.start >= 0.0) {
        return Err(BadInput(format!("--start {}: must be a time >= 0 s", args.start)).into());
    }
    let analysis = if args.device_measurements {
        None
    } else {
        reading::analysis::compute(&rec)
            .inspect_err(|e| {
                eprintln!(
                    "heartlens: warning: analysis failed ({e}); reporting the device's measurements"
                )
            })
            .ok()
    };
    let file = &args.input.file;
    let session = match args.session {
        Some(id) => {
            let (hash, _) = store::recordings::ContentHash::of_file(file)?;
            let parts =
                store::blocking::with_store(args.db.as_deref(), async |s: &store::Store| {
                    reading::export::SessionParts::load(s, id)
                        .await
                        .map_err(store_error)
                })?;
            parts
                .check_file(file, &hash)
                .map_err(|e| BadInput(e.to_string()))?;
            Some(parts)
        }
        None => None,
    };
    let choices = reading::export::ReportChoices {
        paper: match args.paper {
            PaperArg::A4 => Paper::A4,
            PaperArg::Letter => Paper::Letter,
        },
        start_s: args.start,
        deidentify: args.deidentify,
        filter: args.filter,
        chat: args.no_chat.then(Vec::new),
        all_annotations: args.all_annotations,
    };
    let (input, warnings) =
        reading::export::report_input(&rec, analysis.as_ref(), session.as_ref(), &choices);
    for w in warnings {
        eprintln!("heartlens: warning: {}: {w}", file.display());
    }
    let report = Report::new(&input).context("laying out the report")?;
    let targets = reading::export::Targets {
        pdf: Some(args.pdf.clone()),
        png: args.png.clone(),
        png_dpi: args.dpi,
        csv: args.csv.clone(),
    };
    let written = reading::export::write(&report, &targets)?;
    if let Some(parts) = &session {
        let by = reading::current_user();
        store::blocking::with_store(args.db.as_deref(), async |s: &store::Store| {
            reading::export::record(s, parts.recording_id, &written, &by)
                .await
                .map_err(store_error)
        })?;
    }
    Ok(())
}

/// Carries a reading error through the store's blocking wrapper.
fn store_error(e: reading::Error) -> store::Error {
    match e {
        reading::Error::Store(e) => e,
        other => store::Error::State(other.to_string()),
    }
}
