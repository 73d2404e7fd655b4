//! Page layout: from a [`Scene`] and a viewport to cells in pixels ([`Plan`]).
//!
//! Everything is placed in millimetres of paper first and converted once with the scene's
//! pixels per millimetre, so calibration never depends on the viewport size. The page is:
//!
//! 1. an optional header band (8 mm) and a footer band (6 mm) with the calibration text;
//! 2. a left margin holding the calibration pulse of each row (1 mV tall, 200 ms wide at the
//!    paper speed), rounded up to whole 5-mm squares so time 0 of every row sits on a major line;
//! 3. the trace area, cut into columns whose widths are whole 5-mm squares, and rows whose
//!    baselines sit on 1-mm lines.
//!
//! The window's duration follows from the width: at 25 mm/s, 250 mm of paper is 10 s.

use std::sync::Arc;

use ecg::{Lead, LeadLabel, SampleSource};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::leads::{basis, resolve};
use crate::scene::{Layout, Rgba, Scene};

/// Height of the header band when the scene has a header, in mm.
const HEADER_MM: f64 = 8.0;
/// Height of the footer band (calibration text), in mm.
const FOOTER_MM: f64 = 6.0;
/// Space between the page edge and the calibration pulse, and after it, in mm.
const PULSE_PAD_MM: f64 = 2.0;
/// Calibration pulse: 1 mV for 200 ms (IEC 60601-2-25 clause 201.12.4.107.3).
pub(crate) const PULSE_MV: f64 = 1.0;
/// Calibration pulse duration in seconds.
pub(crate) const PULSE_S: f64 = 0.2;
/// Right margin, in mm.
const RIGHT_MM: f64 = 2.0;
/// Pulse width in the overview layout, whose time axis is not paper speed.
const OVERVIEW_PULSE_MM: f64 = 5.0;
/// Baseline position inside a row, from its top, as a fraction of the row height. Slightly
/// below the middle because QRS complexes swing further up than down in most leads.
const BASELINE_FRACTION: f64 = 0.55;
/// Text height of lead labels, in mm.
pub(crate) const LABEL_MM: f64 = 3.5;

/// Where one cell of the page is and how its pixels map to time and voltage. This is the
/// contract with the UI, which maps pointer positions with it:
/// `t = t0_s + (x - rect_px[0]) * seconds_per_px` and
/// `µV = (baseline_y_px - y) * microvolts_per_px`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PanelGeometry {
    /// `[x, y, width, height]` in pixels from the frame's top-left.
    pub rect_px: [f32; 4],
    /// The lead's display name (`II`, `-aVR`, `V1`...).
    pub lead: String,
    /// Seconds per pixel along x.
    pub seconds_per_px: f64,
    /// Microvolts per pixel along y (up is positive voltage).
    pub microvolts_per_px: f64,
    /// The 0-mV line, in pixels from the frame's top.
    pub baseline_y_px: f64,
    /// Time at the cell's left edge, in seconds from the recording start (for median beats,
    /// from the beat start).
    pub t0_s: f64,
}

/// Which samples a cell draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CellSource {
    /// The recording's leads.
    Recording,
    /// The recording's median beats.
    Median,
}

/// One cell: its geometry and the lead it shows (`None` when the recording lacks it).
#[derive(Debug, Clone)]
pub(crate) struct Cell {
    pub geometry: PanelGeometry,
    pub lead: Option<Lead>,
    pub source: CellSource,
    /// The stored sources behind `lead` (see [`crate::leads::basis`]).
    pub basis: Vec<Arc<dyn SampleSource>>,
}

/// Text anchored at its left or right edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    Left,
    Right,
}

/// A piece of text to place with egui.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TextItem {
    pub pos_px: [f32; 2],
    pub size_px: f32,
    pub text: String,
    pub anchor: Anchor,
    pub color: Rgba,
}

/// A calibration pulse: its left edge, baseline and size in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Pulse {
    pub x_px: f64,
    pub baseline_y_px: f64,
    pub width_px: f64,
    pub height_px: f64,
}

/// The placed page.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub cells: Vec<Cell>,
    pub pulses: Vec<Pulse>,
    /// Short vertical lead-change marks between columns: `[x, y0, x, y1]` in px.
    pub separators: Vec<[f32; 4]>,
    pub texts: Vec<TextItem>,
    /// Where the inset plots go (px) and what they are.
    pub insets: Vec<([f32; 4], crate::scene::InsetKind)>,
}

struct Page {
    ppm: f64,
    trace_x_mm: f64,
    trace_w_mm: f64,
    top_mm: f64,
    rows_h_mm: f64,
    pulse_w_mm: f64,
    uv_per_px: f64,
    text_color: Rgba,
    lead_labels: bool,
}

impl Page {
    fn row(&self, r: usize, n: usize) -> (f64, f64, f64) {
        let h = self.rows_h_mm / n as f64;
        let top = self.top_mm + h * r as f64;
        // Baselines on whole millimetres: the grid then reads directly in mV.
        let base = (top + h * BASELINE_FRACTION).round();
        (top, h, base)
    }
}

/// Places the scene's cells on a `width` x `height` pixel page.
pub(crate) fn plan(scene: &Scene<'_>, width: u32, height: u32) -> Result<Plan> {
    scene.validate()?;
    let ppm = scene.px_per_mm;
    let page_w = f64::from(width) / ppm;
    let page_h = f64::from(height) / ppm;
    let speed = scene.speed.mm_per_s();
    let header = if scene.header.is_some() {
        HEADER_MM
    } else {
        0.0
    };
    let pulse_w_mm = match scene.layout {
        Layout::Overview { .. } => OVERVIEW_PULSE_MM,
        _ => PULSE_S * speed,
    };
    let trace_x_mm = ((2.0 * PULSE_PAD_MM + pulse_w_mm) / 5.0).ceil() * 5.0;
    let rows_h_mm = page_h - header - FOOTER_MM;
    let avail_w = page_w - trace_x_mm - RIGHT_MM;
    if avail_w < 20.0 || rows_h_mm < 10.0 {
        return Err(Error::Scene {
            field: "viewport",
            message: format!(
                "{width}x{height} px at {ppm:.3} px/mm is {page_w:.1}x{page_h:.1} mm; \
                 the layout needs at least {:.0}x{:.0} mm",
                trace_x_mm + RIGHT_MM + 20.0,
                header + FOOTER_MM + 10.0
            ),
        });
    }
    let page = Page {
        ppm,
        trace_x_mm,
        trace_w_mm: avail_w,
        top_mm: header,
        rows_h_mm,
        pulse_w_mm,
        uv_per_px: 1000.0 / (scene.gain.mm_per_mv() * ppm),
        text_color: scene.colors.text,
        lead_labels: scene.lead_labels,
    };
    let mut plan = Plan {
        cells: Vec::new(),
        pulses: Vec::new(),
        separators: Vec::new(),
        texts: Vec::new(),
        insets: Vec::new(),
    };
    let rec = scene.recording;
    // Absent precordial cells show the recording's extra chest leads (V3R, V7...) instead.
    let recorded: Vec<LeadLabel> = rec.leads.iter().map(|l| l.label.clone()).collect();
    let twelve = LeadLabel::page_twelve(&scene.order.twelve(), &recorded);
    let paper = |mm: f64| mm / speed; // seconds for mm of paper
    match &scene.layout {
        Layout::ThreeByFour { rhythm } => {
            let col_w = column_width(page.trace_w_mm, 4, speed, 2.5);
            let n_rows = 3 + rhythm.len();
            for r in 0..3 {
                for c in 0..4 {
                    let label = &twelve[c * 3 + r];
                    let x = page.trace_x_mm + col_w * c as f64;
                    let t0 = scene.start_s + paper(col_w) * c as f64;
                    plan.add_cell(scene, &page, r, n_rows, x, col_w, t0, label, speed);
                }
                plan.add_separators(&page, r, n_rows, col_w, 4);
            }
            for (k, label) in rhythm.iter().enumerate() {
                let x = page.trace_x_mm;
                plan.add_cell(
                    scene,
                    &page,
                    3 + k,
                    n_rows,
                    x,
                    col_w * 4.0,
                    scene.start_s,
                    label,
                    speed,
                );
            }
            plan.add_pulses(&page, n_rows);
        }
        Layout::SixByTwo => {
            let col_w = column_width(page.trace_w_mm, 2, speed, 5.0);
            for r in 0..6 {
                for c in 0..2 {
                    let x = page.trace_x_mm + col_w * c as f64;
                    let t0 = scene.start_s + paper(col_w) * c as f64;
                    plan.add_cell(scene, &page, r, 6, x, col_w, t0, &twelve[c * 6 + r], speed);
                }
                plan.add_separators(&page, r, 6, col_w, 2);
            }
            plan.add_pulses(&page, 6);
        }
        Layout::TwelveByOne => {
            for (r, label) in twelve.iter().enumerate() {
                plan.add_cell(
                    scene,
                    &page,
                    r,
                    12,
                    page.trace_x_mm,
                    page.trace_w_mm,
                    scene.start_s,
                    label,
                    speed,
                );
            }
            plan.add_pulses(&page, 12);
        }
        Layout::RecordingLeads => {
            let labels: Vec<LeadLabel> = rec
                .leads
                .iter()
                .take(Layout::MAX_LEAD_ROWS)
                .map(|l| l.label.clone())
                .collect();
            let n = labels.len().max(1);
            for (r, label) in labels.iter().enumerate() {
                plan.add_cell(
                    scene,
                    &page,
                    r,
                    n,
                    page.trace_x_mm,
                    page.trace_w_mm,
                    scene.start_s,
                    label,
                    speed,
                );
            }
            plan.add_pulses(&page, n);
        }
        Layout::Strip { lead, rows } => {
            let n = *rows as usize;
            for r in 0..n {
                let t0 = scene.start_s + paper(page.trace_w_mm) * r as f64;
                plan.note_past_the_end(scene, &page, r, n, t0);
                plan.add_cell(
                    scene,
                    &page,
                    r,
                    n,
                    page.trace_x_mm,
                    page.trace_w_mm,
                    t0,
                    lead,
                    speed,
                );
            }
            plan.add_pulses(&page, n);
        }
        Layout::Overview {
            lead,
            seconds_per_row,
            rows,
        } => {
            let n = *rows as usize;
            let overview_speed = page.trace_w_mm / seconds_per_row;
            for r in 0..n {
                let t0 = scene.start_s + seconds_per_row * r as f64;
                plan.note_past_the_end(scene, &page, r, n, t0);
                plan.add_cell(
                    scene,
                    &page,
                    r,
                    n,
                    page.trace_x_mm,
                    page.trace_w_mm,
                    t0,
                    lead,
                    overview_speed,
                );
                let minutes = t0 / 60.0;
                let (_, _, base) = page.row(r, n);
                plan.texts.push(TextItem {
                    pos_px: px2(page.trace_x_mm - 1.0, base + 1.0, ppm),
                    size_px: (2.5 * ppm) as f32,
                    text: format!("{minutes:.0}′"),
                    anchor: Anchor::Right,
                    color: scene.colors.text,
                });
            }
            plan.add_pulses(&page, n);
        }
        Layout::MedianBeats => {
            let Some(medians) = &rec.median_beats else {
                return Err(Error::Layout {
                    layout: scene.layout.name(),
                    message: "the recording has no median beats (the file stores none; run the analysis to compute them)".into(),
                });
            };
            let col_w = column_width(page.trace_w_mm, 4, speed, 2.5);
            for r in 0..3 {
                for c in 0..4 {
                    let label = &twelve[c * 3 + r];
                    let x = page.trace_x_mm + col_w * c as f64;
                    let lead = resolve(&medians.leads, label, scene.derive_leads);
                    let basis = lead
                        .as_ref()
                        .map(|l| basis(&medians.leads, l))
                        .unwrap_or_default();
                    plan.push_cell(
                        &page,
                        r,
                        3,
                        x,
                        col_w,
                        0.0,
                        label,
                        lead,
                        basis,
                        CellSource::Median,
                        speed,
                    );
                }
                plan.add_separators(&page, r, 3, col_w, 4);
            }
            plan.add_pulses(&page, 3);
        }
    }
    // Calibration text in the footer; the header line at the top.
    let footer_y = page_h - FOOTER_MM / 2.0;
    let cal = match &scene.layout {
        Layout::Overview {
            seconds_per_row, ..
        } => format!(
            "{:.0} s/row   {} mm/mV",
            seconds_per_row,
            scene.gain.mm_per_mv()
        ),
        _ => format!(
            "{} mm/s   {} mm/mV",
            scene.speed.mm_per_s(),
            scene.gain.mm_per_mv()
        ),
    };
    plan.texts.push(TextItem {
        pos_px: px2(page_w - RIGHT_MM, footer_y - 1.5, ppm),
        size_px: (3.0 * ppm) as f32,
        text: cal,
        anchor: Anchor::Right,
        color: scene.colors.text,
    });
    if let Some(h) = &scene.header {
        plan.texts.push(TextItem {
            pos_px: px2(PULSE_PAD_MM, HEADER_MM / 2.0 - 2.0, ppm),
            size_px: (3.5 * ppm) as f32,
            text: h.clone(),
            anchor: Anchor::Left,
            color: scene.colors.text,
        });
    }
    for inset in &scene.insets {
        let [x, y, w, h] = inset.rect_mm.map(|v| (v * ppm) as f32);
        plan.insets.push(([x, y, w, h], inset.kind.clone()));
    }
    Ok(plan)
}

/// The stretch of the recording a `width` x `height` frame of `scene` shows, `[start, end)` in
/// seconds from the recording start; `None` for the median layout, which shows no time.
pub fn time_window(scene: &Scene<'_>, width: u32, height: u32) -> Result<Option<[f64; 2]>> {
    let plan = plan(scene, width, height)?;
    let mut window: Option<[f64; 2]> = None;
    for c in plan
        .cells
        .iter()
        .filter(|c| c.source == CellSource::Recording)
    {
        let g = &c.geometry;
        let end = g.t0_s + f64::from(g.rect_px[2]) * g.seconds_per_px;
        window = Some(match window {
            Some([a, b]) => [a.min(g.t0_s), b.max(end)],
            None => [g.t0_s, end],
        });
    }
    Ok(window)
}

/// Moves `scene.start_s` back so that the frame's window ends at the recording's end rather
/// than past it (never before 0): a pan or zoom past the end shows the last stretch of paper,
/// and a record shorter than the window always shows from 0.
pub fn keep_in_recording(scene: &mut Scene<'_>, width: u32, height: u32) -> Result<()> {
    let duration = scene.recording.duration_s();
    if let Some([_, end]) = time_window(scene, width, height)?
        && end > duration
    {
        scene.start_s = (scene.start_s - (end - duration)).max(0.0);
    }
    Ok(())
}

/// Width of one of `n` columns: whole half-seconds at the paper speed, at most `max_s` (the
/// standard 10-s page: 2.5 s per column in 3x4, 5 s in 6x2; a wider viewport leaves blank
/// paper on the right rather than stretching a 12-lead over 16 s).
fn column_width(trace_w_mm: f64, n: usize, mm_per_s: f64, max_s: f64) -> f64 {
    let step = 0.5 * mm_per_s;
    let fit = ((trace_w_mm / n as f64 / step).floor() * step).max(step.min(trace_w_mm / n as f64));
    fit.min(max_s * mm_per_s)
}

fn px2(x_mm: f64, y_mm: f64, ppm: f64) -> [f32; 2] {
    [(x_mm * ppm) as f32, (y_mm * ppm) as f32]
}

impl Plan {
    #[allow(clippy::too_many_arguments)] // one call site per layout; a struct would only rename them
    fn add_cell(
        &mut self,
        scene: &Scene<'_>,
        page: &Page,
        row: usize,
        n_rows: usize,
        x_mm: f64,
        w_mm: f64,
        t0_s: f64,
        label: &LeadLabel,
        mm_per_s: f64,
    ) {
        let leads = &scene.recording.leads;
        let lead = resolve(leads, label, scene.derive_leads);
        let basis = lead.as_ref().map(|l| basis(leads, l)).unwrap_or_default();
        self.push_cell(
            page,
            row,
            n_rows,
            x_mm,
            w_mm,
            t0_s,
            label,
            lead,
            basis,
            CellSource::Recording,
            mm_per_s,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn push_cell(
        &mut self,
        page: &Page,
        row: usize,
        n_rows: usize,
        x_mm: f64,
        w_mm: f64,
        t0_s: f64,
        label: &LeadLabel,
        lead: Option<Lead>,
        basis: Vec<Arc<dyn SampleSource>>,
        source: CellSource,
        mm_per_s: f64,
    ) {
        let ppm = page.ppm;
        let (top, h, base) = page.row(row, n_rows);
        let name = label.name().to_string();
        if page.lead_labels {
            self.texts.push(TextItem {
                pos_px: px2(x_mm + 1.0, top + 1.0, ppm),
                size_px: (LABEL_MM * ppm) as f32,
                text: if lead.is_some() {
                    name.clone()
                } else {
                    format!("{name} (absent)")
                },
                anchor: Anchor::Left,
                color: page.text_color,
            });
        }
        self.cells.push(Cell {
            geometry: PanelGeometry {
                rect_px: [
                    (x_mm * ppm) as f32,
                    (top * ppm) as f32,
                    (w_mm * ppm) as f32,
                    (h * ppm) as f32,
                ],
                lead: name,
                seconds_per_px: 1.0 / (mm_per_s * ppm),
                microvolts_per_px: page.uv_per_px,
                baseline_y_px: base * ppm,
                t0_s,
            },
            lead,
            source,
            basis,
        });
    }

    /// Says so on a row that starts after the recording ends (a strip or overview with more
    /// rows than the recording fills), which would otherwise be an empty row with a pulse.
    fn note_past_the_end(
        &mut self,
        scene: &Scene<'_>,
        page: &Page,
        row: usize,
        n_rows: usize,
        t0_s: f64,
    ) {
        let end_s = scene.recording.duration_s();
        if t0_s < end_s {
            return;
        }
        let (_, _, base) = page.row(row, n_rows);
        self.texts.push(TextItem {
            pos_px: px2(page.trace_x_mm + 2.0, base - 1.0, page.ppm),
            size_px: (LABEL_MM * page.ppm) as f32,
            text: format!("after the end of the recording ({end_s:.1} s)"),
            anchor: Anchor::Left,
            color: page.text_color,
        });
    }

    fn add_separators(&mut self, page: &Page, row: usize, n_rows: usize, col_w: f64, cols: usize) {
        let (_, _, base) = page.row(row, n_rows);
        for c in 1..cols {
            let x = ((page.trace_x_mm + col_w * c as f64) * page.ppm) as f32;
            let (y0, y1) = (
                ((base - 2.5) * page.ppm) as f32,
                ((base + 2.5) * page.ppm) as f32,
            );
            self.separators.push([x, y0, x, y1]);
        }
    }

    fn add_pulses(&mut self, page: &Page, n_rows: usize) {
        for r in 0..n_rows {
            let (_, _, base) = page.row(r, n_rows);
            self.pulses.push(Pulse {
                x_px: PULSE_PAD_MM * page.ppm,
                baseline_y_px: base * page.ppm,
                width_px: page.pulse_w_mm * page.ppm,
                height_px: PULSE_MV * 1000.0 / page.uv_per_px,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scene::{Gain, LeadOrder, PaperSpeed};
    use ecg::{Recording, Signal, Unit};

    fn twelve_lead(seconds: f64) -> Recording {
        let n = (seconds * 500.0) as usize;
        Recording::new(
            LeadLabel::STANDARD_12
                .iter()
                .map(|l| {
                    Lead::new(
                        l.name(),
                        500.0,
                        Unit::Millivolt,
                        Signal::from_physical(vec![0.0; n]),
                    )
                })
                .collect(),
        )
    }

    /// The lead names of a plan's cells, in placing order.
    fn cell_leads(plan: &Plan) -> Vec<&str> {
        plan.cells
            .iter()
            .map(|c| c.geometry.lead.as_str())
            .collect()
    }

    #[test]
    fn three_by_four_plus_one_places_columns_of_two_and_a_half_seconds() {
        let rec = twelve_lead(10.0);
        let scene = Scene::new(&rec).with_dpi(254.0); // 10 px/mm
        let plan = plan(&scene, 2900, 2000).unwrap();
        assert_eq!(plan.cells.len(), 13);
        let names = cell_leads(&plan);
        assert_eq!(&names[..4], ["I", "aVR", "V1", "V4"]);
        assert_eq!(names[12], "II");
        let g = &plan.cells[1].geometry;
        // 25 mm/s at 10 px/mm: 250 px per second; 10 mm/mV: 100 px per mV.
        assert!((g.seconds_per_px - 1.0 / 250.0).abs() < 1e-12);
        assert!((g.microvolts_per_px - 10.0).abs() < 1e-12);
        assert!((g.t0_s - 2.5).abs() < 1e-9, "{}", g.t0_s);
        assert_eq!(plan.pulses.len(), 4);
        assert!((plan.pulses[0].width_px - 50.0).abs() < 1e-9);
    }

    #[test]
    fn a_paediatric_lead_set_shows_v3r_and_v7_in_the_absent_precordial_cells() {
        // Welch Allyn's paediatric set: I, II, V3R, V1, V2, V4, V6, V7 (limb leads derived).
        let leads = ["I", "II", "V3R", "V1", "V2", "V4", "V6", "V7"]
            .iter()
            .map(|n| {
                Lead::new(
                    n,
                    500.0,
                    Unit::Millivolt,
                    Signal::from_physical(vec![0.0; 5000]),
                )
            })
            .collect();
        let rec = Recording::new(leads);
        for (layout, want) in [
            (
                "3x4",
                [
                    "I", "aVR", "V1", "V4", "II", "aVL", "V2", "V7", "III", "aVF", "V3R", "V6",
                ],
            ),
            (
                "6x2",
                [
                    "I", "V1", "II", "V2", "III", "V3R", "aVR", "V4", "aVL", "V7", "aVF", "V6",
                ],
            ),
        ] {
            let mut scene = Scene::new(&rec);
            scene.layout = layout.parse().unwrap();
            let plan = plan(&scene, 1600, 900).unwrap();
            let names = cell_leads(&plan);
            assert_eq!(names, want, "{layout}");
            assert!(plan.cells.iter().all(|c| c.lead.is_some()), "{layout}");
        }
    }

    #[test]
    fn cabrera_and_speed_change_the_geometry() {
        let rec = twelve_lead(10.0);
        let mut scene = Scene::new(&rec).with_dpi(254.0);
        scene.order = LeadOrder::Cabrera;
        scene.speed = PaperSpeed::Mm50;
        scene.gain = Gain::Mm20;
        let plan = plan(&scene, 2900, 2000).unwrap();
        let col0: Vec<_> = plan
            .cells
            .iter()
            .step_by(4)
            .take(3)
            .map(|c| c.geometry.lead.as_str())
            .collect();
        assert_eq!(col0, ["aVL", "I", "-aVR"]);
        let g = &plan.cells[0].geometry;
        assert!((g.seconds_per_px - 1.0 / 500.0).abs() < 1e-12);
        assert!((g.microvolts_per_px - 5.0).abs() < 1e-12);
        assert!(
            plan.cells[8].lead.as_ref().unwrap().derived,
            "-aVR is derived from aVR"
        );
    }

    #[test]
    fn every_layout_places_cells_inside_the_page() {
        let rec = twelve_lead(10.0);
        for name in [
            "3x4", "3x4+1", "3x4+3", "6x2", "12x1", "leads", "strip", "overview",
        ] {
            let mut scene = Scene::new(&rec);
            scene.layout = name.parse().unwrap();
            let plan = plan(&scene, 1600, 900).unwrap();
            assert!(!plan.cells.is_empty(), "{name}");
            for c in &plan.cells {
                let [x, y, w, h] = c.geometry.rect_px;
                assert!(
                    x >= 0.0 && y >= 0.0 && x + w <= 1600.5 && y + h <= 900.5,
                    "{name}: {:?}",
                    c.geometry
                );
                assert!(c.lead.is_some(), "{name}: {}", c.geometry.lead);
            }
        }
    }

    #[test]
    fn recording_leads_layout_shows_a_two_lead_holter_lead_by_lead() {
        let leads = ["MLII", "V5"]
            .iter()
            .map(|n| {
                Lead::new(
                    n,
                    360.0,
                    ecg::Unit::Millivolt,
                    ecg::Signal::from_physical(vec![0.0; 3600]),
                )
            })
            .collect();
        let rec = ecg::Recording::new(leads);
        let mut scene = Scene::new(&rec);
        scene.layout = "leads".parse().unwrap();
        let plan = plan(&scene, 1600, 900).unwrap();
        let names = cell_leads(&plan);
        assert_eq!(names, ["MLII", "V5"]);
        assert!(plan.cells.iter().all(|c| c.lead.is_some()));
        assert_eq!(plan.pulses.len(), 2);
    }

    #[test]
    fn strip_rows_after_the_recording_end_say_so() {
        let rec = twelve_lead(10.0);
        let mut scene = Scene::new(&rec);
        scene.layout = Layout::Strip {
            lead: LeadLabel::II,
            rows: 3,
        };
        // 1600 px at 96 dpi: about 16 s of paper per row, so rows 2 and 3 start after 10 s.
        let three = plan(&scene, 1600, 900).unwrap();
        let notes: Vec<_> = three
            .texts
            .iter()
            .filter(|t| t.text.starts_with("after the end of the recording"))
            .collect();
        assert_eq!(notes.len(), 2, "{:?}", three.texts);
        assert!(notes[0].text.contains("(10.0 s)"), "{}", notes[0].text);
        scene.layout = Layout::Strip {
            lead: LeadLabel::II,
            rows: 1,
        };
        let plan = plan(&scene, 1600, 900).unwrap();
        assert!(
            !plan
                .texts
                .iter()
                .any(|t| t.text.starts_with("after the end"))
        );
    }

    #[test]
    fn median_layout_without_medians_says_so() {
        let rec = twelve_lead(1.0);
        let mut scene = Scene::new(&rec);
        scene.layout = Layout::MedianBeats;
        let err = plan(&scene, 1600, 900).unwrap_err().to_string();
        assert!(err.contains("median"), "{err}");
    }

    #[test]
    fn the_window_stays_in_the_recording() {
        let rec = twelve_lead(10.0);
        let mut scene = Scene::new(&rec).with_dpi(254.0);
        // 2900 px at 10 px/mm: the 3x4+1 page shows 10 s, the whole record.
        scene.start_s = 2.5;
        let [a, b] = time_window(&scene, 2900, 2000).unwrap().unwrap();
        assert!((a - 2.5).abs() < 1e-9 && (b - 12.5).abs() < 1e-9, "{a} {b}");
        keep_in_recording(&mut scene, 2900, 2000).unwrap();
        assert_eq!(scene.start_s, 0.0);
        let long = twelve_lead(60.0);
        let mut scene = Scene::new(&long).with_dpi(254.0);
        scene.start_s = 55.0;
        keep_in_recording(&mut scene, 2900, 2000).unwrap();
        assert!((scene.start_s - 50.0).abs() < 1e-9, "{}", scene.start_s);
        scene.start_s = 20.0;
        keep_in_recording(&mut scene, 2900, 2000).unwrap();
        assert_eq!(scene.start_s, 20.0, "inside the record: unchanged");
    }

    #[test]
    fn too_small_a_viewport_is_an_error() {
        let rec = twelve_lead(1.0);
        let err = plan(&Scene::new(&rec), 40, 40).unwrap_err().to_string();
        assert!(err.contains("viewport"), "{err}");
    }
}
