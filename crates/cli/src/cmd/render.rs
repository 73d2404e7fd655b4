//! `heartlens render FILE --layout 3x4+1 --png OUT.png [--width W --height H] [--dpi D]
//! [--speed 25] [--gain 10] [--cabrera] [--start S] [--filter monitoring50] [--marks none|file|analysis]`:
//! draws a recording on calibrated paper
//! with the GPU renderer (lavapipe when there is no GPU) and writes a PNG whose `pHYs` chunk
//! carries the DPI, so a printer honouring it reproduces 25 mm/s and 10 mm/mV.
//!
//! The paper is clean by default; `--marks file` draws the file's beat labels and P/QRS/T
//! onsets and offsets (small unlabelled ticks on the trace), `--marks analysis` Heartlens'
//! own (the recording is analysed first).
//!
//! Prints one line: the output path, size, adapter and the window drawn. `--geometry` writes
//! the panel geometry JSON (the UI's contract) beside the PNG.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use ecg::LeadLabel;
use render::{Gain, Layout, LeadOrder, PaperSpeed, Renderer, Scene, Viewport};

use super::open::InputArgs;
use crate::exit::BadInput;

/// Arguments of `heartlens render`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: InputArgs,
    /// Layout: 3x4, 3x4+1, 3x4+3, 6x2, 12x1, strip, median or overview.
    #[arg(long, default_value = "3x4+1")]
    layout: String,
    /// Rhythm lead(s) for 3x4+1 / 3x4+3, or the lead of strip/overview (comma separated).
    #[arg(long)]
    rhythm: Option<String>,
    /// Output PNG file.
    #[arg(long)]
    png: PathBuf,
    /// Width in pixels.
    #[arg(long, default_value_t = 1600)]
    width: u32,
    /// Height in pixels.
    #[arg(long, default_value_t = 900)]
    height: u32,
    /// Resolution in dots per inch (pixels per inch of paper).
    #[arg(long, default_value_t = 96.0)]
    dpi: f64,
    /// Paper speed in mm/s: 12.5, 25 or 50.
    #[arg(long, default_value_t = 25.0)]
    speed: f64,
    /// Gain in mm/mV: 5, 10 or 20.
    #[arg(long, default_value_t = 10.0)]
    gain: f64,
    /// Cabrera limb lead order (aVL, I, -aVR, II, aVF, III).
    #[arg(long)]
    cabrera: bool,
    /// Start of the window, in seconds from the recording start.
    #[arg(long, default_value_t = 0.0)]
    start: f64,
    /// Minutes per row in the overview layout.
    #[arg(long, default_value_t = 5.0)]
    minutes_per_row: f64,
    /// Rows in the strip and overview layouts.
    #[arg(long)]
    rows: Option<u32>,
    /// Hide the 1-mm grid lines.
    #[arg(long)]
    no_minor_grid: bool,
    /// Do not draw the recording's annotations (notes, rhythm changes, intervals).
    #[arg(long)]
    no_annotations: bool,
    /// Machine marks: none (clean paper), file (the file's beat labels and wave onsets and
    /// offsets) or analysis (Heartlens' own, analysing the recording first).
    #[arg(long, default_value = "none")]
    marks: render::Marks,
    /// Also write the panel geometry as JSON to this file.
    #[arg(long)]
    geometry: Option<PathBuf>,
    /// Display filter: off, diagnostic (0.05-150 Hz), monitoring50 or monitoring60 (0.5-40 Hz
    /// with a 50/60 Hz notch); its band is printed in the header.
    #[arg(long, default_value = "off")]
    filter: reading::display::DisplayFilter,
}

fn bad(msg: String) -> anyhow::Error {
    BadInput(msg).into()
}

fn layout(args: &Args) -> Result<Layout> {
    let mut layout: Layout = args
        .layout
        .parse()
        .map_err(|e: render::Error| bad(e.to_string()))?;
    let leads: Option<Vec<LeadLabel>> = args.rhythm.as_ref().map(|s| {
        s.split(',')
            .filter(|t| !t.trim().is_empty())
            .map(LeadLabel::parse)
            .collect()
    });
    if !layout.with_options(leads, args.rows, args.minutes_per_row) {
        return Err(bad(format!(
            "--rhythm does not apply to layout {}",
            args.layout
        )));
    }
    Ok(layout)
}

/// Runs `heartlens render`.
pub fn run(args: Args) -> Result<()> {
    let speed = PaperSpeed::from_mm_per_s(args.speed).ok_or_else(|| {
        bad(format!(
            "--speed {}: expected 12.5, 25 or 50 mm/s",
            args.speed
        ))
    })?;
    let gain = Gain::from_mm_per_mv(args.gain)
        .ok_or_else(|| bad(format!("--gain {}: expected 5, 10 or 20 mm/mV", args.gain)))?;
    if !(args.dpi.is_finite() && (10.0..=5000.0).contains(&args.dpi)) {
        return Err(bad(format!("--dpi {}: expected 10..=5000", args.dpi)));
    }
    let mut layout = layout(&args)?;
    let rec = args.input.open()?;
    let rec = reading::display::filtered(&rec, args.filter)
        .map_err(|e| bad(format!("{}: {e}", args.input.file.display())))?;
    // Unless --rhythm named the lead, a strip/overview shows one the file has.
    if args.rhythm.is_none() {
        layout.show_a_present_lead(&rec);
    }
    let analysis = match args.marks {
        render::Marks::Analysis => Some(
            reading::analysis::compute(&rec)
                .map_err(|e| bad(format!("{}: {e}", args.input.file.display())))?,
        ),
        _ => None,
    };
    let mut scene = Scene::new(&rec)
        .with_dpi(args.dpi)
        .with_marks(args.marks, analysis.as_ref());
    scene.layout = layout;
    scene.speed = speed;
    scene.gain = gain;
    scene.order = if args.cabrera {
        LeadOrder::Cabrera
    } else {
        LeadOrder::Standard
    };
    scene.start_s = args.start;
    scene.center_traces = true;
    scene.grid.minor = !args.no_minor_grid;
    if args.no_annotations {
        scene.annotations.clear();
    }
    let file_name = args.input.file.file_name().map(|f| f.to_string_lossy());
    scene.header = Some(reading::display::paper_header(
        &rec,
        file_name.as_deref(),
        args.start,
        args.filter,
    ));
    let mut renderer = Renderer::new().context("starting the GPU renderer")?;
    let frame = renderer
        .render(&scene, Viewport::new(args.width, args.height))
        .map_err(|e| match e {
            render::Error::Scene { .. }
            | render::Error::Layout { .. }
            | render::Error::Viewport { .. } => bad(e.to_string()),
            other => anyhow::Error::new(other),
        })?;
    frame
        .save_png(&args.png, Some(scene.px_per_mm))
        .with_context(|| format!("writing {}", args.png.display()))?;
    if let Some(path) = &args.geometry {
        let json = serde_json::to_string_pretty(&frame)?;
        std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))?;
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{}: {}x{} px, {} cells, {} on {} ({})",
        args.png.display(),
        frame.width,
        frame.height,
        frame.panels.len(),
        scene.layout,
        renderer.adapter().name,
        renderer.adapter().backend
    )?;
    Ok(())
}
