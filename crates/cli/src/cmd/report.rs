//! `heartlens report FILE --pdf OUT.pdf [--png OUT.png] [--csv OUT.csv] [--deidentify]
//! [--paper a4|letter] [--no-chat] [--start S]`: the annotated report of a recording.
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

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use ecg::{
    AnnotationKind, AnnotationSource, Bpm, Degrees, LeadLabel, Measurements, Millis, Statement,
};
use report::{ChatExchange, Layout, Paper, Report, ReportInput, ReportStatement, Signature, Strip};

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
    /// The store database for --session (default: the app's).
    #[arg(long)]
    db: Option<PathBuf>,
}

/// Runs `heartlens report`.
pub fn run(args: Args) -> Result<()> {
    let rec = args.input.open()?;
    if !(args.start.is_finite() && args.start >= 0.0) {
        return Err(crate::exit::BadInput(format!(
            "--start {}: must be a time >= 0 s",
            args.start
        ))
        .into());
    }
    let mut input = ReportInput::from_recording(rec);
    if !args.device_measurements {
        match signal::analyze(&input.recording, &signal::AnalysisOptions::default()) {
            Ok(analysis) => input = input.with_analysis(&analysis),
            Err(e) => eprintln!(
                "heartlens: warning: analysis failed ({e}); reporting the device's measurements"
            ),
        }
    }
    let session = match args.session {
        Some(id) => Some(load_session(args.db.as_deref(), id, &args.input.file)?),
        None => None,
    };
    if let Some(parts) = &session {
        input.annotations = parts.annotations.clone();
        if !parts.statements.is_empty() {
            input.statements = parts.statements.clone();
        }
        for o in &parts.overrides {
            apply_override(&mut input.measurements, o);
        }
        input.signature = parts.signature.clone();
        input.chat = parts.chat.clone();
    }
    if !args.all_annotations {
        input.annotations.retain(|a| {
            !matches!(
                a.kind,
                AnnotationKind::Beat { .. }
                    | AnnotationKind::Wave { .. }
                    | AnnotationKind::WaveSpan { .. }
            )
        });
    }
    let rec = &input.recording;
    let standard = LeadLabel::STANDARD_12
        .iter()
        .filter(|l| rec.lead(l).is_some())
        .count();
    let rhythm = if rec.lead(&LeadLabel::II).is_some() {
        LeadLabel::II
    } else {
        rec.leads
            .first()
            .map(|l| l.label.clone())
            .unwrap_or(LeadLabel::II)
    };
    let layout = if standard >= 8 {
        Layout::ThreeByFour {
            rhythm: rhythm.clone(),
        }
    } else {
        Layout::Rows(
            rec.leads
                .iter()
                .take(Layout::MAX_ROWS)
                .map(|l| l.label.clone())
                .collect(),
        )
    };
    let duration = rec.duration_s();
    let window_end = args.start + 10.0;
    if duration > window_end + 0.5 {
        let outside: Vec<_> = input
            .annotations
            .iter()
            .filter(|a| a.onset_s < args.start || a.onset_s >= window_end)
            .take(8)
            .collect();
        let strips: Vec<Strip> = if outside.is_empty() {
            (1..=4)
                .map(|k| {
                    let start =
                        (duration * k as f64 / 5.0 - 5.0).clamp(0.0, (duration - 10.0).max(0.0));
                    Strip {
                        lead: rhythm.clone(),
                        start_s: start,
                        duration_s: 10.0,
                        caption: format!("{start:.0} s"),
                    }
                })
                .collect()
        } else {
            outside
                .iter()
                .map(|a| Strip {
                    lead: a.lead.clone().unwrap_or_else(|| rhythm.clone()),
                    start_s: (a.onset_s - 5.0).clamp(0.0, (duration - 10.0).max(0.0)),
                    duration_s: 10.0,
                    caption: a.text.clone(),
                })
                .collect()
        };
        input.strips = strips;
    }
    input.options.layout = layout;
    input.options.start_s = args.start;
    input.options.deidentify = args.deidentify;
    input.options.include_chat = !args.no_chat;
    input.options.paper = match args.paper {
        PaperArg::A4 => Paper::A4,
        PaperArg::Letter => Paper::Letter,
    };
    let report = Report::new(&input).context("laying out the report")?;
    let pdf = report.pdf()?;
    std::fs::write(&args.pdf, pdf).with_context(|| format!("writing {}", args.pdf.display()))?;
    if let Some(path) = &args.png {
        let png = report.png(0, args.dpi)?;
        std::fs::write(path, png).with_context(|| format!("writing {}", path.display()))?;
    }
    if let Some(path) = &args.csv {
        std::fs::write(path, report.csv())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
