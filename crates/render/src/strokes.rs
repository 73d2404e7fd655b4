//! From a placed page ([`Plan`]) and each cell's [`Trace`] to the frame's segments and the
//! extra text that annotations need. Pure CPU work, tested without a GPU.
//!
//! Mapping (the same the UI applies through `PanelGeometry`): a sample at time `t` and value
//! `v` mV lands at `x = rect.x + (t - t0) / seconds_per_px`,
//! `y = baseline - v * 1000 / microvolts_per_px`. Envelope columns are drawn at column centres
//! (`x + k + 0.5`), polylines at the samples' exact times, clipped to the cell.

use ecg::{Annotation, AnnotationKind, WaveKind, WavePoint};
use serde::{Deserialize, Serialize};

use crate::envelope::Trace;
use crate::layout::{Anchor, Cell, CellSource, Plan, TextItem};
use crate::scene::{Layout, Rgba, Scene};
use crate::segments::Segment;

/// Segments and annotation text of one frame.
///
/// `segments` move with the tracing (traces, machine marks, annotation marks: their place
/// follows the time they show), `fixed` stay where the page puts them (calibration pulses,
/// lead-change marks). The renderer draws the moving ones into a layer it can shift on a pan
/// (see `renderer`), so their x coordinates are multiples of [`SUBPIXEL`] computed in f64: a
/// pan by whole pixels then moves them by exactly that many pixels, bit for bit.
#[derive(Debug, Default)]
pub(crate) struct Drawing {
    pub segments: Vec<Segment>,
    /// For each of `segments`, what it belongs to: cell `k`'s trace is group `k`, its marks and
    /// annotations group `cells + k`. A pan matches segments only within their group.
    pub groups: Vec<u32>,
    pub fixed: Vec<Segment>,
    pub texts: Vec<TextItem>,
    /// Where wave marks were drawn.
    pub marks: Vec<MarkGeometry>,
}

/// Minimum spacing of annotation labels in px: denser labels are skipped, not overprinted.
const LABEL_SPACING_PX: f32 = 10.0;

/// Moving segments' x coordinates are whole multiples of 1/256 px: exact in f32 below 2^15 px,
/// and unchanged but for the whole pixels when the same time lands elsewhere after a pan.
pub(crate) const SUBPIXEL: f64 = 256.0;

/// `x` (px) on the [`SUBPIXEL`] grid.
pub(crate) fn snap_x(x: f64) -> f32 {
    ((x * SUBPIXEL).round() / SUBPIXEL) as f32
}

impl Drawing {
    /// A moving segment of `group` (x coordinates snapped to the subpixel grid).
    fn line(&mut self, group: u32, a: [f32; 2], b: [f32; 2], half_width: f32, color: Rgba) {
        let (a, b) = (
            [snap_x(f64::from(a[0])), a[1]],
            [snap_x(f64::from(b[0])), b[1]],
        );
        if a.iter().chain(&b).all(|v| v.is_finite()) {
            self.segments.push(Segment {
                a,
                b,
                half_width,
                color: color.0,
            });
            self.groups.push(group);
        }
    }

    /// A segment fixed to the page.
    fn fixed_line(&mut self, a: [f32; 2], b: [f32; 2], half_width: f32, color: Rgba) {
        if a.iter().chain(&b).all(|v| v.is_finite()) {
            self.fixed.push(Segment {
                a,
                b,
                half_width,
                color: color.0,
            });
        }
    }
}

/// Builds the frame's segments: pulses, lead-change marks, traces, then machine marks and
/// annotations on top.
pub(crate) fn build(scene: &Scene<'_>, plan: &Plan, traces: &[Option<Trace>]) -> Drawing {
    let ppm = scene.px_per_mm as f32;
    let hw = (scene.trace_width_mm as f32 * ppm).max(1.0) / 2.0;
    let mut d = Drawing::default();
    for p in &plan.pulses {
        let (x, base) = (p.x_px as f32, p.baseline_y_px as f32);
        let (w, h) = (p.width_px as f32, p.height_px as f32);
        let c = scene.colors.calibration;
        d.fixed_line([x - ppm, base], [x, base], hw, c);
        d.fixed_line([x, base], [x, base - h], hw, c);
        d.fixed_line([x, base - h], [x + w, base - h], hw, c);
        d.fixed_line([x + w, base - h], [x + w, base], hw, c);
        d.fixed_line([x + w, base], [x + w + ppm, base], hw, c);
    }
    for s in &plan.separators {
        d.fixed_line([s[0], s[1]], [s[2], s[3]], hw, scene.colors.calibration);
    }
    for (k, (cell, trace)) in plan.cells.iter().zip(traces).enumerate() {
        if let Some(t) = trace {
            draw_trace(&mut d, k as u32, cell, t, hw, scene.colors.trace);
        }
    }
    let n_cells = plan.cells.len() as u32;
    let rhythm_rows = matches!(&scene.layout, Layout::ThreeByFour { rhythm } if !rhythm.is_empty());
    for (k, (cell, trace)) in plan.cells.iter().zip(traces).enumerate() {
        if cell.source != CellSource::Recording {
            continue;
        }
        // Marks for all leads go on the rhythm strips when there are any (12 copies of a beat
        // code would hide the traces), otherwise on every cell.
        let is_rhythm = rhythm_rows && k >= 12;
        let all_leads = !rhythm_rows || is_rhythm;
        let on = Target {
            cell,
            trace: trace.as_ref(),
            group: n_cells + k as u32,
        };
        draw_annotations(&mut d, scene, &on, &scene.marks, all_leads);
        draw_annotations(&mut d, scene, &on, &scene.annotations, all_leads);
    }
    if scene.median_fiducials
        && let Some(m) = &scene.recording.median_beats
    {
        for (k, (cell, trace)) in plan.cells.iter().zip(traces).enumerate() {
            if cell.source == CellSource::Median {
                let on = Target {
                    cell,
                    trace: trace.as_ref(),
                    group: n_cells + k as u32,
                };
                draw_annotations(&mut d, scene, &on, &m.fiducials, true);
            }
        }
    }
    d
}

/// A cell and the trace drawn in it (wave marks sit on the trace).
struct Target<'a> {
    cell: &'a Cell,
    trace: Option<&'a Trace>,
    /// The group of its marks (see [`Drawing::groups`]).
    group: u32,
}

/// Where a wave mark was drawn, so the UI can name it on hover (marks carry no printed label:
/// on a 12-lead page the labels would cover the traces and the lead names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarkGeometry {
    /// Centre of the tick, in pixels from the frame's top-left.
    pub x_px: f32,
    /// Centre of the tick, in pixels from the frame's top.
    pub y_px: f32,
    /// The cell's lead name.
    pub lead: String,
    /// What it marks, e.g. "P onset", "QRS offset".
    pub text: String,
    /// Its time in seconds (for median beats, from the beat start).
    pub time_s: f64,
}

/// The trace's height at frame column `x` (column midpoint or interpolated sample line).
fn trace_y_at(cell: &Cell, trace: &Trace, x: f32) -> Option<f32> {
    let xr = x - cell.geometry.rect_px[0];
    let mv = match trace {
        Trace::Columns(cols) => {
            let k = (xr - 0.5).round();
            if k < 0.0 {
                return None;
            }
            let [lo, hi] = *cols.get(k as usize)?;
            (lo + hi) / 2.0
        }
        Trace::Polyline(points) => {
            let i = points.partition_point(|p| p[0] < xr);
            match (i.checked_sub(1).and_then(|j| points.get(j)), points.get(i)) {
                (Some(a), Some(b)) if b[0] > a[0] => {
                    a[1] + (b[1] - a[1]) * (xr - a[0]) / (b[0] - a[0])
                }
                (_, Some(b)) => b[1],
                (Some(a), None) => a[1],
                (None, None) => return None,
            }
        }
    };
    mv.is_finite().then(|| y_of(cell, mv))
}

/// The box the cell's lead name is printed in (see `layout::push_cell`), with a margin.
fn lead_name_box(cell: &Cell, ppm: f32) -> [f32; 4] {
    let [x0, top, _, _] = cell.geometry.rect_px;
    let chars = cell.geometry.lead.chars().count() as f32 + 1.0;
    let h = crate::layout::LABEL_MM as f32 * ppm;
    [x0, top, 2.0 * ppm + chars * 0.7 * h, 2.0 * ppm + h]
}

fn y_of(cell: &Cell, mv: f32) -> f32 {
    let g = &cell.geometry;
    (g.baseline_y_px - f64::from(mv) * 1000.0 / g.microvolts_per_px) as f32
}

fn draw_trace(d: &mut Drawing, group: u32, cell: &Cell, trace: &Trace, hw: f32, color: Rgba) {
    let [x0, _, w, _] = cell.geometry.rect_px;
    match trace {
        Trace::Columns(cols) => {
            let mut prev: Option<(f32, f32, f32)> = None; // (x, y_top, y_bottom)
            for (k, &[lo, hi]) in cols.iter().enumerate() {
                if lo.is_nan() {
                    prev = None;
                    continue;
                }
                // In f64, so column k + n of one frame and column k of a frame panned by n px
                // land on x coordinates exactly n px apart.
                let x = snap_x(f64::from(x0) + k as f64 + 0.5);
                let (top, bottom) = (y_of(cell, hi), y_of(cell, lo));
                d.line(group, [x, top], [x, bottom], hw, color);
                if let Some((px, ptop, pbottom)) = prev {
                    // Join non-overlapping neighbours so steep slopes stay continuous.
                    if bottom < ptop {
                        d.line(group, [px, ptop], [x, bottom], hw, color);
                    } else if top > pbottom {
                        d.line(group, [px, pbottom], [x, top], hw, color);
                    }
                }
                prev = Some((x, top, bottom));
            }
        }
        Trace::Polyline(points) => {
            for pair in points.windows(2) {
                let ([xa, va], [xb, vb]) = (pair[0], pair[1]);
                if va.is_nan() || vb.is_nan() {
                    continue;
                }
                let (mut a, mut b) = ([xa, y_of(cell, va)], [xb, y_of(cell, vb)]);
                // Clip to the cell's columns: neighbouring cells must not overlap.
                if b[0] <= 0.0 || a[0] >= w {
                    continue;
                }
                if a[0] < 0.0 {
                    let f = -a[0] / (b[0] - a[0]);
                    a = [0.0, a[1] + f * (b[1] - a[1])];
                }
                if b[0] > w {
                    let f = (w - a[0]) / (b[0] - a[0]);
                    b = [w, a[1] + f * (b[1] - a[1])];
                }
                let x = |v: f32| snap_x(f64::from(x0) + f64::from(v));
                d.line(group, [x(a[0]), a[1]], [x(b[0]), b[1]], hw, color);
            }
        }
    }
}

fn wave_letter(wave: WaveKind) -> &'static str {
    match wave {
        WaveKind::P => "P",
        WaveKind::Qrs => "QRS",
        WaveKind::T => "T",
        WaveKind::U => "U",
    }
}

fn point_name(point: WavePoint) -> &'static str {
    match point {
        WavePoint::Onset => "onset",
        WavePoint::Peak => "peak",
        WavePoint::Offset => "offset",
    }
}

/// A wave mark: a short tick across the trace at `t`, unlabelled, recorded for hover. Skipped
/// outside the cell and where it would touch the lead name.
fn wave_tick(d: &mut Drawing, scene: &Scene<'_>, on: &Target<'_>, t: f64, text: String) {
    let g = &on.cell.geometry;
    let [x0, _, w, _] = g.rect_px;
    let x = snap_x(f64::from(x0) + (t - g.t0_s) / g.seconds_per_px);
    if !(x0..=x0 + w).contains(&x) {
        return;
    }
    let ppm = scene.px_per_mm as f32;
    let y = on
        .trace
        .and_then(|tr| trace_y_at(on.cell, tr, x))
        .unwrap_or(g.baseline_y_px as f32);
    let half = 1.0 * ppm;
    let [bx, by, bw, bh] = lead_name_box(on.cell, ppm);
    if scene.lead_labels && x >= bx && x <= bx + bw && y - half <= by + bh && y + half >= by {
        return;
    }
    let thin = (0.12 * ppm).max(0.7);
    d.line(
        on.group,
        [x, y - half],
        [x, y + half],
        thin,
        scene.colors.fiducial,
    );
    d.marks.push(MarkGeometry {
        x_px: x,
        y_px: y,
        lead: g.lead.clone(),
        text,
        time_s: t,
    });
}

fn draw_annotations(
    d: &mut Drawing,
    scene: &Scene<'_>,
    on: &Target<'_>,
    marks: &[Annotation],
    all_leads: bool,
) {
    let cell = on.cell;
    let g = &cell.geometry;
    let [x0, top, w, _] = g.rect_px;
    let ppm = scene.px_per_mm as f32;
    let t1 = g.t0_s + f64::from(w) * g.seconds_per_px;
    let x_of = |t: f64| snap_x(f64::from(x0) + (t - g.t0_s) / g.seconds_per_px);
    let group = on.group;
    let thin = (0.1 * ppm).max(0.6);
    let text_px = 2.5 * ppm;
    // A compressed time axis (overview) keeps only non-normal beat labels and no wave marks.
    let compressed = g.seconds_per_px > 0.02;
    let mut last_label_x = f32::NEG_INFINITY;
    for a in marks {
        let applies = match &a.lead {
            None => all_leads,
            Some(l) => l.name() == g.lead,
        };
        if !applies || a.end_s() < g.t0_s || a.onset_s > t1 {
            continue;
        }
        let x = x_of(a.onset_s);
        let inside = (x0..=x0 + w).contains(&x);
        let label = |d: &mut Drawing, x: f32, text: String, color: Rgba, y: f32| {
            if !text.is_empty() {
                d.texts.push(TextItem {
                    pos_px: [x, y],
                    size_px: text_px,
                    text,
                    anchor: Anchor::Left,
                    color,
                });
            }
        };
        let tick_top = top + 5.0 * ppm;
        // Note and rhythm labels start right of the lead name when their tick is under it.
        let name_box = lead_name_box(cell, ppm);
        let note_x = if scene.lead_labels && x < name_box[0] + name_box[2] {
            name_box[0] + name_box[2]
        } else {
            x + 0.5 * ppm
        };
        match &a.kind {
            AnnotationKind::Beat { code } => {
                // Beats are the dense lane: a label closer than LABEL_SPACING_PX to the
                // previous one is skipped, not overprinted. They sit below the lead name.
                if inside && !(compressed && code == "N") && x - last_label_x >= LABEL_SPACING_PX {
                    last_label_x = x;
                    label(d, x, code.clone(), scene.colors.annotation, top + 5.0 * ppm);
                }
            }
            AnnotationKind::Wave { wave, point } => {
                if *point != WavePoint::Peak && !compressed {
                    let text = format!("{} {}", wave_letter(*wave), point_name(*point));
                    wave_tick(d, scene, on, a.onset_s, text);
                }
            }
            AnnotationKind::WaveSpan { wave } => {
                if !compressed {
                    let name = wave_letter(*wave);
                    wave_tick(d, scene, on, a.onset_s, format!("{name} onset"));
                    wave_tick(d, scene, on, a.end_s(), format!("{name} offset"));
                }
            }
            AnnotationKind::Interval | AnnotationKind::Caliper => {
                let c = scene.colors.annotation;
                let (xa, xb) = (x.max(x0), x_of(a.end_s()).min(x0 + w));
                let y = g.baseline_y_px as f32 + 6.0 * ppm;
                d.line(group, [xa, y], [xb, y], thin, c);
                for xe in [x, x_of(a.end_s())] {
                    if (x0..=x0 + w).contains(&xe) {
                        d.line(group, [xe, y - ppm], [xe, y + ppm], thin, c);
                    }
                }
                label(d, xa, a.text.clone(), c, y + 0.5 * ppm);
            }
            AnnotationKind::Rhythm { code } => {
                if inside {
                    let c = scene.colors.annotation;
                    d.line(group, [x, tick_top], [x, tick_top + 3.0 * ppm], thin, c);
                    label(d, note_x, code.clone(), c, tick_top - 3.0 * ppm);
                }
            }
            _ => {
                if inside {
                    let c = scene.colors.annotation;
                    d.line(group, [x, tick_top], [x, tick_top + 3.0 * ppm], thin, c);
                    let text = match &a.kind {
                        AnnotationKind::Other { code } if a.text.is_empty() => code.clone(),
                        _ => a.text.clone(),
                    };
                    label(d, note_x, text, c, tick_top - 3.0 * ppm);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{PanelGeometry, plan};
    use ecg::{Lead, LeadLabel, Recording, Signal, Unit};

    fn cell() -> Cell {
        Cell {
            geometry: PanelGeometry {
                rect_px: [100.0, 0.0, 50.0, 100.0],
                lead: "II".into(),
                seconds_per_px: 0.01,
                microvolts_per_px: 10.0,
                baseline_y_px: 60.0,
                t0_s: 1.0,
            },
            lead: None,
            source: CellSource::Recording,
            basis: Vec::new(),
        }
    }

    #[test]
    fn columns_become_vertical_bars_joined_across_gaps() {
        let mut d = Drawing::default();
        let t = Trace::Columns(vec![
            [0.0, 0.1],
            [0.5, 0.6],
            [f32::NAN, f32::NAN],
            [0.0, 0.0],
        ]);
        draw_trace(&mut d, 0, &cell(), &t, 0.5, Rgba::rgb(0, 0, 0));
        // Column 0: 0..0.1 mV = y 60..50; column 1: y 10..0, above it, so one join.
        let near =
            |p: [f32; 2], q: [f32; 2]| (p[0] - q[0]).abs() < 1e-4 && (p[1] - q[1]).abs() < 1e-4;
        assert!(near(d.segments[0].a, [100.5, 50.0]), "{:?}", d.segments[0]);
        assert!(near(d.segments[0].b, [100.5, 60.0]), "{:?}", d.segments[0]);
        assert!(near(d.segments[1].a, [101.5, 0.0]), "{:?}", d.segments[1]);
        assert!(near(d.segments[2].a, [100.5, 50.0]), "{:?}", d.segments[2]);
        assert!(near(d.segments[2].b, [101.5, 10.0]), "{:?}", d.segments[2]);
        // The NaN column breaks the line: column 3 is a lone dot.
        assert_eq!(d.segments.len(), 4);
    }

    #[test]
    fn polylines_are_clipped_to_the_cell() {
        let mut d = Drawing::default();
        let t = Trace::Polyline(vec![[-10.0, 0.0], [10.0, 0.2], [60.0, 0.2]]);
        draw_trace(&mut d, 0, &cell(), &t, 0.5, Rgba::rgb(0, 0, 0));
        assert_eq!(d.segments.len(), 2);
        assert_eq!(d.segments[0].a, [100.0, 50.0]);
        assert_eq!(d.segments[1].b, [150.0, 40.0]);
    }

    #[test]
    fn pulses_are_one_millivolt_tall_and_annotations_land_at_their_time() {
        let lead = Lead::new(
            "II",
            500.0,
            Unit::Millivolt,
            Signal::from_physical(vec![0.0; 5000]),
        );
        let mut rec = Recording::new(vec![lead]);
        rec.annotations.push(Annotation::point(
            2.0,
            AnnotationKind::Beat { code: "V".into() },
            "",
        ));
        let mut scene = Scene::new(&rec)
            .with_dpi(254.0)
            .with_marks(crate::Marks::File, None);
        scene.layout = Layout::Strip {
            lead: LeadLabel::II,
            rows: 1,
        };
        let p = plan(&scene, 3000, 1000).unwrap();
        let d = build(&scene, &p, &[None]);
        let rise = &d.fixed[1];
        assert!(
            (rise.a[1] - rise.b[1] - 100.0).abs() < 1e-4,
            "10 mm at 10 px/mm"
        );
        let v = d.texts.iter().find(|t| t.text == "V").unwrap();
        let g = &p.cells[0].geometry;
        assert!((v.pos_px[0] - (g.rect_px[0] + 2.0 / g.seconds_per_px as f32)).abs() < 1e-3);
    }

    fn ludb_like() -> Recording {
        let lead = Lead::new(
            "II",
            500.0,
            Unit::Millivolt,
            Signal::from_physical(vec![0.0; 5000]),
        );
        let mut rec = Recording::new(vec![lead]);
        rec.annotations.push(Annotation {
            onset_s: 1.0,
            duration_s: 0.1,
            lead: Some(LeadLabel::II),
            kind: AnnotationKind::WaveSpan {
                wave: WaveKind::Qrs,
            },
            text: String::new(),
            source: ecg::AnnotationSource::File,
        });
        rec.annotations.push(Annotation {
            lead: Some(LeadLabel::II),
            ..Annotation::point(
                1.05,
                AnnotationKind::Wave {
                    wave: WaveKind::Qrs,
                    point: WavePoint::Peak,
                },
                "",
            )
        });
        rec
    }

    #[test]
    fn paper_is_clean_unless_marks_are_asked_for() {
        let rec = ludb_like();
        let mut scene = Scene::new(&rec).with_dpi(254.0);
        scene.layout = Layout::Strip {
            lead: LeadLabel::II,
            rows: 1,
        };
        let p = plan(&scene, 3000, 1000).unwrap();
        let clean = build(&scene, &p, &[None]);
        assert!(clean.marks.is_empty() && clean.texts.is_empty());
        let fid = scene.colors.fiducial.0;
        let green = |d: &Drawing| d.segments.iter().filter(|s| s.color == fid).count();
        assert_eq!(green(&clean), 0);

        let scene = scene.with_marks(crate::Marks::File, None);
        let d = build(&scene, &p, &[None]);
        // Onset and offset ticks, nothing for the peak, and no printed label.
        assert_eq!(green(&d), 2);
        assert!(d.texts.is_empty(), "{:?}", d.texts);
        let names: Vec<_> = d.marks.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(names, ["QRS onset", "QRS offset"]);
        let g = &p.cells[0].geometry;
        let m = &d.marks[0];
        assert!((m.x_px - (g.rect_px[0] + 1.0 / g.seconds_per_px as f32)).abs() < 1e-3);
        // Without a trace the tick sits on the baseline.
        assert!((f64::from(m.y_px) - g.baseline_y_px).abs() < 1e-3);
        // Ticks are short: 2 mm at 10 px/mm.
        let tick = d.segments.iter().find(|s| s.color == fid).unwrap();
        assert!(((tick.b[1] - tick.a[1]) - 20.0).abs() < 1e-3, "{tick:?}");
    }

    #[test]
    fn wave_ticks_sit_on_the_trace_and_never_on_the_lead_name() {
        let rec = ludb_like();
        let mut scene = Scene::new(&rec)
            .with_dpi(254.0)
            .with_marks(crate::Marks::File, None);
        scene.layout = Layout::Strip {
            lead: LeadLabel::II,
            rows: 1,
        };
        let p = plan(&scene, 3000, 1000).unwrap();
        let g = &p.cells[0].geometry;
        // A polyline at 0.5 mV: ticks at that height, 50 px above the baseline.
        let px_per_s = (1.0 / g.seconds_per_px) as f32;
        let line = Trace::Polyline(vec![[0.0, 0.5], [3.0 * px_per_s, 0.5]]);
        let d = build(&scene, &p, &[Some(line)]);
        assert_eq!(d.marks.len(), 2);
        for m in &d.marks {
            assert!(
                (f64::from(m.y_px) - (g.baseline_y_px - 50.0)).abs() < 1e-3,
                "{m:?}"
            );
        }
        // A mark under the lead name (cell's top-left) is dropped.
        let mut rec = ludb_like();
        rec.annotations[0].onset_s = 0.0;
        rec.annotations[0].duration_s = 0.5; // 125 px: clear of the name
        let mut scene = Scene::new(&rec)
            .with_dpi(254.0)
            .with_marks(crate::Marks::File, None);
        scene.layout = Layout::Strip {
            lead: LeadLabel::II,
            rows: 1,
        };
        let top = p.cells[0].geometry.rect_px[1];
        let mv_at_name =
            ((g.baseline_y_px as f32 - (top + 25.0)) * g.microvolts_per_px as f32) / 1000.0;
        let high = Trace::Polyline(vec![[0.0, mv_at_name], [3.0 * px_per_s, mv_at_name]]);
        let d = build(&scene, &p, &[Some(high)]);
        let names: Vec<_> = d.marks.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(
            names,
            ["QRS offset"],
            "the onset at t = 0 is under the name"
        );
    }
}
