//! `heartlens info FILE [--json] [--samples N]`: what a recording contains.
//!
//! The JSON shape is a contract other tools and tests rely on:
//! `{"format", "duration_s", "start_time", "leads": [{"name", "sampling_rate_hz", "n_samples",
//! "unit", "derived", "first_uv"}], "annotations", "warnings"}`. Samples are reported in
//! microvolts whatever the file's unit (`unit` is then "uV"); a non-voltage channel keeps its
//! own unit and values. A channel whose name says it records something else than the ECG
//! (EEG, EOG, respiration ..., which the analysis leaves out) also has `"not_ecg"`: what it
//! records; an ECG lead the analysis leaves out (not in volts, or at a rate that does not
//! join the analysed leads') has `"not_analysed"`: why, worded as `heartlens analyze` words
//! it.

use std::io::Write;

use anyhow::Result;
use ecg::Recording;
use serde::Serialize;

use super::open::InputArgs;

/// Arguments of `heartlens info`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// How many leading samples of each lead to print.
    #[arg(long, default_value_t = 5)]
    samples: usize,
}

#[derive(Debug, Serialize)]
struct Info {
    format: String,
    duration_s: f64,
    start_time: Option<String>,
    leads: Vec<LeadInfo>,
    annotations: usize,
    warnings: Vec<String>,
}

#[derive(Debug, Serialize)]
struct LeadInfo {
    name: String,
    sampling_rate_hz: f64,
    n_samples: usize,
    unit: String,
    derived: bool,
    first_uv: Vec<Option<f64>>,
    /// What the channel records, when its name says it is no ECG lead (not analysed).
    #[serde(skip_serializing_if = "Option::is_none")]
    not_ecg: Option<&'static str>,
    /// Why the analysis leaves this ECG lead out: not in volts, or its sampling rate joins
    /// the analysed leads' no way ([`signal::ecg_lead_left_out`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    not_analysed: Option<String>,
}

fn describe(rec: &Recording, n: usize) -> Result<Info> {
    let leads = rec
        .leads
        .iter()
        .zip(signal::non_ecg_channels(rec))
        .zip(signal::ecg_lead_left_out(
            rec,
            &signal::AnalysisOptions::default(),
        ))
        .map(|((lead, not_ecg), not_analysed)| {
            let (unit, values) = match lead.read_uv(0, n) {
                Some(v) => ("uV".to_string(), v?),
                None => (
                    lead.unit.symbol().to_string(),
                    lead.signal
                        .read_range(0, n)?
                        .into_iter()
                        .map(f64::from)
                        .collect(),
                ),
            };
            Ok(LeadInfo {
                name: lead.label.name().to_string(),
                sampling_rate_hz: lead.sampling_rate_hz,
                n_samples: lead.n_samples(),
                unit,
                derived: lead.derived,
                // NaN (a missing sample) is not JSON: print null.
                first_uv: values
                    .into_iter()
                    .map(|v| v.is_finite().then_some(round_uv(v)))
                    .collect(),
                not_ecg,
                not_analysed,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Info {
        format: rec.source.format.clone(),
        duration_s: rec.duration_s(),
        start_time: rec.acquisition.start_time.map(|t| t.to_iso8601()),
        leads,
        annotations: rec.annotations.len(),
        warnings: rec
            .source
            .warnings
            .iter()
            .map(ToString::to_string)
            .collect(),
    })
}

/// Rounds to 1e-6 µV so f32 noise does not show as 12.500000000001.
fn round_uv(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// Runs `heartlens info`.
pub fn run(args: Args) -> Result<()> {
    let rec = args.input.open()?;
    let info = describe(&rec, args.samples)?;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &info)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(out, "{}: {}", args.input.file.display(), info.format)?;
    writeln!(out, "duration: {:.3} s", info.duration_s)?;
    // As pages print it: an anonymised or shifted year marked (the JSON keeps the file's text).
    if let Some(t) = rec.acquisition.start_time {
        writeln!(out, "start: {}", t.to_iso8601_marked())?;
    }
    if let Some(name) = rec.patient.display_name() {
        writeln!(out, "patient: {name}")?;
    }
    writeln!(out, "leads: {}", info.leads.len())?;
    for l in &info.leads {
        let first: Vec<String> = l
            .first_uv
            .iter()
            .map(|v| v.map_or("NaN".to_string(), |v| format!("{v}")))
            .collect();
        writeln!(
            out,
            "  {:<6} {:>8} Hz {:>10} samples {}{}{}{}  first {}: [{}]",
            l.name,
            l.sampling_rate_hz,
            l.n_samples,
            l.unit,
            if l.derived { " (derived)" } else { "" },
            l.not_ecg
                .map(|k| format!(" ({k}: not analysed)"))
                .unwrap_or_default(),
            l.not_analysed
                .as_ref()
                .map(|why| format!(" (not analysed: {why})"))
                .unwrap_or_default(),
            l.unit,
            first.join(", ")
        )?;
    }
    writeln!(out, "annotations: {}", info.annotations)?;
    for w in &info.warnings {
        writeln!(out, "warning: {w}")?;
    }
    Ok(())
}
