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
use ecg::{AnnotationKind, Bpm, Degrees, LeadLabel, Measurements, Millis, Statement};
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

/// What a store session contributes to a report.
struct SessionParts {
    annotations: Vec<ecg::Annotation>,
    statements: Vec<ReportStatement>,
    overrides: Vec<store::review::MeasurementOverride>,
    signature: Option<Signature>,
    chat: Vec<ChatExchange>,
}

/// Loads session `id` from the store (default database unless `db`), checking that `file` is
/// the recording the session belongs to, and records the export.
fn load_session(db: Option<&Path>, id: i64, file: &Path) -> Result<SessionParts> {
    let (hash, _) = store::recordings::ContentHash::of_file(file)?;
    let parts = store::blocking::with_store(db, async |s: &store::Store| {
        let snap = s.load_session(id).await?;
        let mut chat = Vec::new();
        for thread in &snap.threads {
            let msgs = s.messages(thread.id).await?;
            for pair in msgs.windows(2) {
                let (q, a) = (&pair[0], &pair[1]);
                if q.role == store::chats::Role::User
                    && a.role == store::chats::Role::Assistant
                    && matches!(a.status, store::chats::MessageStatus::Complete)
                {
                    chat.push(ChatExchange {
                        question: q.text.clone(),
                        answer: a.text.clone(),
                        model: a.model_id.clone().unwrap_or_default(),
                        mode: a.mode.clone().unwrap_or_default(),
                        time: utc_text(a.created_at_ms),
                    });
                }
            }
        }
        Ok((snap, chat))
    })?;
    let (snap, chat) = parts;
    if snap.recording.content_sha256 != hash {
        return Err(BadInput(format!(
            "{}: session {id} belongs to another file ({}); pass the file it was made from",
            file.display(),
            snap.recording.last_path
        ))
        .into());
    }
    let statements = snap
        .statements
        .iter()
        .map(|st| ReportStatement {
            statement: Statement {
                text: st.edited_text.clone().unwrap_or_else(|| st.text.clone()),
                criterion: st.criterion.clone(),
                state: st.state,
            },
            reviewed_by: st.actor.clone(),
        })
        .collect();
    Ok(SessionParts {
        annotations: snap.annotations.iter().map(|a| a.data.to_ecg()).collect(),
        statements,
        overrides: snap.overrides,
        signature: snap.signature.map(|s| Signature {
            name: s.signer,
            time: utc_text(s.signed_at_ms),
            meaning: s.meaning,
        }),
        chat,
    })
}

/// Applies a clinician's override of a global measurement (`lead` "global" or empty). Names
/// follow the `analyze` JSON keys: hr_bpm, rr_ms, pr_ms, qrs_ms, qt_ms, qtc_ms (method = formula),
/// axis_p/axis_qrs/axis_t.
fn apply_override(m: &mut Measurements, o: &store::review::MeasurementOverride) {
    if !(o.lead.is_empty() || o.lead.eq_ignore_ascii_case("global")) {
        return;
    }
    let v = o.value;
    match o
        .name
        .trim_end_matches("_ms")
        .trim_end_matches("_bpm")
        .trim_end_matches("_deg")
    {
        "hr" => m.hr = Some(Bpm(v)),
        "rr" => m.rr = Some(Millis(v)),
        "pr" => m.pr = Some(Millis(v)),
        "qrs" => m.qrs = Some(Millis(v)),
        "qt" => m.qt = Some(Millis(v)),
        "qtc" => match o.method.as_deref().map(str::to_ascii_lowercase).as_deref() {
            Some("fridericia") => m.qtc.fridericia = Some(Millis(v)),
            Some("framingham") => m.qtc.framingham = Some(Millis(v)),
            Some("hodges") => m.qtc.hodges = Some(Millis(v)),
            _ => m.qtc.bazett = Some(Millis(v)),
        },
        "axis_p" => m.axis.p = Some(Degrees(v)),
        "axis_qrs" => m.axis.qrs = Some(Degrees(v)),
        "axis_t" => m.axis.t = Some(Degrees(v)),
        _ => {}
    }
}

/// Unix milliseconds as `YYYY-MM-DD HH:MM UTC` (Hinnant's civil-from-days).
fn utc_text(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        sod / 3600,
        sod % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_text_formats_known_instants() {
        assert_eq!(utc_text(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc_text(1_700_000_000_000), "2023-11-14 22:13 UTC");
    }

    #[test]
    fn overrides_replace_global_measurements_only() {
        let mut m = Measurements::default();
        let mut o = store::review::MeasurementOverride {
            id: 1,
            recording_id: 1,
            name: "qtc_ms".into(),
            lead: "global".into(),
            value: 471.0,
            unit: "ms".into(),
            method: Some("Fridericia".into()),
            original_value: Some(455.0),
            author: "dr".into(),
            at_ms: 0,
        };
        apply_override(&mut m, &o);
        assert_eq!(m.qtc.fridericia, Some(Millis(471.0)));
        o.lead = "V5".into();
        o.name = "qrs_ms".into();
        apply_override(&mut m, &o);
        assert_eq!(m.qrs, None);
    }
}
