//! `heartlens analyze FILE [--json] [--filter diagnostic|monitoring] [--mains 50|60]`:
//! beats, waves, global measurements and interpretation statements.
//!
//! The JSON is [`signal::summary::Summary`] (its module doc states the shape, a contract that
//! tests and tools rely on; the Python package's `Recording.analyze()` returns the same).
//!
//! A recording longer than `--holter-min` seconds (default 600) is analysed in bounded memory
//! by [`signal::holter::analyze_streamed`] (progress `analysing: chunk K/N` on stderr), and the
//! JSON gains a `holter` key: [`signal::holter::Holter`] (`counts`, `hourly` [{`hour`, `beats`,
//! `min_bpm`, `mean_bpm`, `max_bpm`}], `minutes` [{`minute`, `beats`, `mean_bpm`}], `pauses`
//! [{`start_s`, `end_s`, `duration_s`}], `runs`
//! [{`kind`, `start_s`, `end_s`, `first_beat`, `beats`, `rate_bpm`}], `af_episodes`
//! [{`start_s`, `end_s`, `duration_s`, `mean_bpm`}], `af_burden`, `longest_af`, `longest_vt`,
//! `fastest_vt`, `longest_svt`, `fastest_svt`, `longest_pause`, `representative_window_s`,
//! `chunks`, `duration_s`) plus `rr_ms`, the RR interval before each of `beats` (`null` for the
//! first). Measurements, waves and statements then come from the representative window.
//!
//! Ctrl-C stops the analysis between chunks (or stages): the command prints `analysis cancelled`
//! on stderr, writes nothing on stdout and exits with 130.
//!
//! `--db FILE|URL` also saves the result into that store as the app's cache of the file (the
//! recording is registered by content hash as opening it in the app does): a Holter's rows
//! and packed beats ([`reading::holter::save`]), else the analysis ([`reading::analysis::save`]),
//! so the app opens it with its Holter map and events without analysing again. Only the app's
//! analysis (every analysis option at its default) is saved: other options exit with 2 before
//! analysing.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Result;
use signal::holter::{HolterOptions, Streamed};
use signal::summary::{SummaryHolter, SummaryOptions, summarize};
use signal::{Analysis, AnalysisOptions, FilterChain};

use super::open::InputArgs;
use crate::exit::{BadInput, Interrupted};

/// Arguments of `heartlens analyze`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Band for median beats and amplitudes: diagnostic (0.05-150 Hz) or monitoring (0.5-40 Hz).
    #[arg(long, default_value = "diagnostic", value_parser = ["diagnostic", "monitoring"])]
    filter: String,
    /// Mains frequency in Hz, notched out before delineation (unless the leads show clear
    /// interference at the other of 50 and 60 Hz, which is notched instead).
    #[arg(long, default_value_t = 50.0)]
    mains: f64,
    /// Recordings longer than this (seconds) are analysed chunk by chunk as a Holter.
    #[arg(long = "holter-min", default_value_t = 600.0)]
    holter_min_s: f64,
    /// Holter: an RR interval at least this long (seconds) is a pause.
    #[arg(long = "pause", default_value_t = 2.0)]
    pause_s: f64,
    /// Holter: chunk length in seconds (memory grows with it).
    #[arg(long = "chunk", default_value_t = 300.0)]
    chunk_s: f64,
    /// Also save the result into this store (database file or postgres:// URL) for the app.
    #[arg(long, value_name = "FILE|URL")]
    db: Option<PathBuf>,
}

fn opt(v: Option<f64>, unit: &str) -> String {
    v.map_or("-".to_string(), |v| format!("{v:.0} {unit}"))
}

/// A flag set by Ctrl-C (SIGINT) from now on, for the analysis to poll.
fn ctrl_c_flag() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    // Only fails when a handler is already installed (not in this process) or the OS refuses:
    // then Ctrl-C keeps its default effect (the process ends at once), which loses nothing.
    if let Err(e) = ctrlc::set_handler(move || f.store(true, Ordering::Relaxed)) {
        eprintln!("heartlens: Ctrl-C will not stop the analysis cleanly: {e}");
    }
    flag
}

/// An analysis error, or [`Interrupted`] when Ctrl-C stopped it.
fn analysis_error(e: signal::Error, file: &std::path::Path, chunks: bool) -> anyhow::Error {
    match e {
        signal::Error::Cancelled => {
            if chunks {
                eprintln!();
            }
            Interrupted(format!(
                "{}: analysis cancelled (Ctrl-C); nothing was written",
                file.display()
            ))
            .into()
        }
        e => anyhow::Error::new(e).context(format!("{}: analysis failed", file.display())),
    }
}

/// Whether these are the options the app analyses with (its cache holds only those results).
fn is_the_apps(o: &SummaryOptions) -> bool {
    o.analysis == AnalysisOptions::default()
        && o.holter == HolterOptions::default()
        && o.holter_min_s == reading::holter::HOLTER_MIN_S
}

/// Saves an analysis of `file` into the store at `db` as the app's cache (see the module doc);
/// returns the recording's id in the store.
fn save(
    db: &Path,
    file: &Path,
    rec: &ecg::Recording,
    a: &Analysis,
    holter: Option<&SummaryHolter>,
) -> Result<i64> {
    // The patient facts, which Compare matches recordings by; the app rewrites the rest of the
    // metadata (its recording summary) when it opens the file.
    let metadata = serde_json::json!({ "patient": rec.patient });
    let id = store::blocking::with_store(Some(db), async |s: &store::Store| {
        let row = s.open_file(file, &rec.source.format, metadata).await?;
        let saved = match holter {
            Some(h) => {
                let streamed = Streamed {
                    analysis: a.clone(),
                    holter: h.holter.clone(),
                };
                reading::holter::save(s, row.id, &streamed).await
            }
            None => reading::analysis::save(s, row.id, a).await,
        };
        saved.map_err(|e| match e {
            reading::Error::Store(e) => e,
            other => store::Error::State(other.to_string()),
        })?;
        Ok(row.id)
    })
    .map_err(|e| {
        if e.is_bad_input() {
            anyhow::Error::new(BadInput(format!("{}: {e}", db.display())))
        } else {
            anyhow::Error::new(e).context(format!("{}: saving the analysis failed", db.display()))
        }
    })?;
    Ok(id)
}

/// Runs `heartlens analyze`.
pub fn run(args: Args) -> Result<()> {
    let rec = args.input.open()?;
    let cancel = ctrl_c_flag();
    let opts = AnalysisOptions {
        filter: match args.filter.as_str() {
            "monitoring" => FilterChain::monitoring(),
            _ => FilterChain::diagnostic(),
        },
        mains_hz: args.mains,
        ..AnalysisOptions::default()
    };
    let sopts = SummaryOptions {
        analysis: opts,
        holter_min_s: args.holter_min_s,
        holter: signal::holter::HolterOptions {
            pause_s: args.pause_s,
            chunk_s: args.chunk_s,
            ..Default::default()
        },
    };
    let progress = |p: signal::holter::Progress| {
        eprint!("\ranalysing: chunk {}/{}", p.done, p.total);
        if p.done == p.total {
            eprintln!();
        }
    };
    if args.db.is_some() && !is_the_apps(&sopts) {
        return Err(BadInput(
            "--db saves only the app's analysis: leave --filter, --mains, --holter-min, --pause \
             and --chunk at their defaults"
                .into(),
        )
        .into());
    }
    let chunked = rec.duration_s() > sopts.holter_min_s;
    let (a, out) = summarize(&rec, &sopts, &progress, &cancel)
        .map_err(|e| analysis_error(e, &args.input.file, chunked))?;
    if let Some(db) = &args.db {
        let id = save(db, &args.input.file, &rec, &a, out.holter.as_ref())?;
        eprintln!("saved to {} as recording {id}", db.display());
    }
    let mut w = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut w, &out)?;
        writeln!(w)?;
        return Ok(());
    }
    let m = &out.measurements;
    writeln!(
        w,
        "{}: {} beats, {} leads at {} Hz",
        args.input.file.display(),
        a.beats.len(),
        a.leads.len(),
        a.fs_hz
    )?;
    for n in &out.not_analysed {
        writeln!(w, "not analysed: {} ({})", n.lead, n.reason)?;
    }
    writeln!(
        w,
        "band: {} (delineation on {})",
        a.filter_band, a.analysis_band
    )?;
    writeln!(
        w,
        "HR {}  RR {}  PR {}  QRS {}  QT {}",
        opt(m.hr_bpm, "bpm"),
        opt(m.rr_ms, "ms"),
        opt(m.pr_ms, "ms"),
        opt(m.qrs_ms, "ms"),
        opt(m.qt_ms, "ms")
    )?;
    writeln!(
        w,
        "QTc Bazett {}  Fridericia {}  Framingham {}  Hodges {}",
        opt(m.qtc_ms.bazett, "ms"),
        opt(m.qtc_ms.fridericia, "ms"),
        opt(m.qtc_ms.framingham, "ms"),
        opt(m.qtc_ms.hodges, "ms")
    )?;
    writeln!(
        w,
        "axis P {}  QRS {}  T {}",
        opt(m.axis_deg.p, "deg"),
        opt(m.axis_deg.qrs, "deg"),
        opt(m.axis_deg.t, "deg")
    )?;
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for b in &a.beats {
        *counts.entry(b.class.code()).or_default() += 1;
    }
    writeln!(w, "beats by class: {counts:?}")?;
    if let Some(h) = &out.holter {
        let h = &h.holter;
        writeln!(
            w,
            "Holter: {:.1} h in {} chunks; measurements from {:.0}-{:.0} s",
            h.duration_s / 3600.0,
            h.chunks,
            h.representative_window_s.0,
            h.representative_window_s.1
        )?;
        for r in &h.hourly {
            writeln!(
                w,
                "  hour {:>2}: {} beats, HR min {} mean {} max {}",
                r.hour,
                r.beats,
                opt(r.min_bpm, "bpm"),
                opt(r.mean_bpm, "bpm"),
                opt(r.max_bpm, "bpm")
            )?;
        }
        writeln!(
            w,
            "  pauses >= {} s: {}  runs: {}  AF episodes: {} (burden {:.1} %)",
            args.pause_s,
            h.pauses.len(),
            h.runs.len(),
            h.af_episodes.len(),
            h.af_burden * 100.0
        )?;
    }
    writeln!(w, "statements (suggestions, to be confirmed):")?;
    for s in &out.statements {
        writeln!(w, "  {} [{}]", s.text, s.criterion.as_deref().unwrap_or(""))?;
        if let Some(evidence) = s.evidence.text() {
            writeln!(w, "    {evidence}")?;
        }
    }
    Ok(())
}
