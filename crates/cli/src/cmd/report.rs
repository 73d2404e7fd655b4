//! `heartlens report FILE --pdf OUT.pdf [--png OUT.png] [--csv OUT.csv] [--deidentify]
//! [--paper a4|letter] [--no-chat] [--start S] [--filter monitoring50] [--compare PRIOR]`: the
//! annotated report of a recording.
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
//!
//! With `--compare PRIOR` (an earlier recording of the same patient, analysed the same way) the
//! report states "Compared with the ECG of DATE" with the measurement changes of at least one
//! unit and the statements new or resolved (`reading::compare`), after the interpretation.

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
    /// The store for --session: a database file or postgres:// URL (default: the app's,
    /// $HEARTLENS_DB if set).
    #[arg(long, value_name = "FILE|URL")]
    db: Option<PathBuf>,
    /// A prior recording of the same patient: the report states what changed since.
    #[arg(long)]
    compare: Option<PathBuf>,
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
    let (mut input, warnings) =
        reading::export::report_input(&rec, analysis.as_ref(), session.as_ref(), &choices);
    if let Some(prior) = &args.compare {
        input.comparison = comparison_lines(&input, &args.input, prior)?;
    }
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

/// "Compared with the ECG of DATE" and the changes: the report's values (session reviews and
/// overrides applied) against the prior recording's analysis.
fn comparison_lines(
    input: &report::ReportInput,
    opened: &InputArgs,
    prior: &std::path::Path,
) -> Result<Vec<String>> {
    let (prior_analysis, prior_t) =
        super::compare::analysed(&super::compare::prior_input(opened, prior))?;
    let statements: Vec<ecg::Statement> = input
        .statements
        .iter()
        .map(|s| s.statement.clone())
        .collect();
    let now_t = input
        .recording
        .acquisition
        .start_time
        .map(|t| t.to_iso8601());
    let c = reading::compare::compare(
        reading::compare::Side {
            measurements: &input.measurements,
            statements: &statements,
            time: now_t.as_deref(),
        },
        reading::compare::Side {
            measurements: &prior_analysis.measurements,
            statements: &prior_analysis.statements,
            time: prior_t.as_deref(),
        },
    );
    Ok(c.lines(1.0))
}

/// Carries a reading error through the store's blocking wrapper.
fn store_error(e: reading::Error) -> store::Error {
    match e {
        reading::Error::Store(e) => e,
        other => store::Error::State(other.to_string()),
    }
}
