//! Drawing ECG paper: the 1-mm/5-mm grid, calibration pulses and traces at true scale
//! (25 mm/s, 10 mm/mV), and annotation marks on them.
//!
//! Scale is exact in page millimetres: a PDF viewer at 100 % or a printer at "actual size"
//! reproduces it, and the PNG at a known DPI has `dpi / 25.4` pixels per mm. Traces are
//! polylines through every sample; above 1000 Hz each 0.1-mm column keeps its minimum and
//! maximum in time order (the peaks a pen would reach), which bounds the path size.

use ecg::{Annotation, AnnotationKind, Lead, LeadLabel, WavePoint};

use crate::drawing::{Item, Rect, Rgb};
use crate::error::Error;
use crate::text::{FontKind, Fonts, MM_PER_PT};

/// Paper speed.
pub(crate) const MM_PER_S: f64 = 25.0;
/// Gain.
pub(crate) const MM_PER_MV: f64 = 10.0;
/// Space at the start of each row for the calibration pulse (1 mm lead-in, 5 mm = 200 ms
/// pulse, 1 mm lead-out, 1 mm gap).
pub(crate) const PULSE_SPACE_MM: f32 = 8.0;
/// Longest window a row shows.
pub(crate) const MAX_ROW_S: f64 = 10.0;
/// Highest sampling rate drawn (bounds allocation for a corrupt rate).
const MAX_RATE_HZ: f64 = 100_000.0;

/// The grid: 1-mm minor lines, 5-mm major lines, aligned to the rectangle's top-left corner.
/// The rectangle's size should be a whole number of millimetres.
pub(crate) fn grid(rect: Rect) -> Vec<Item> {
    let mut minor = Vec::new();
    let mut major = Vec::new();
    let cols = rect.w.round() as i32;
    let rows = rect.h.round() as i32;
    for i in 0..=cols {
        let x = rect.x + i as f32;
        let seg = vec![(x, rect.y), (x, rect.bottom())];
        if i % 5 == 0 {
            major.push(seg)
        } else {
            minor.push(seg)
        }
    }
    for j in 0..=rows {
        let y = rect.y + j as f32;
        let seg = vec![(rect.x, y), (rect.right(), y)];
        if j % 5 == 0 {
            major.push(seg)
        } else {
            minor.push(seg)
        }
    }
    vec![
        Item::Lines {
            subpaths: minor,
            width: 0.1,
            color: Rgb::GRID_MINOR,
        },
        Item::Lines {
            subpaths: major,
            width: 0.2,
            color: Rgb::GRID_MAJOR,
        },
    ]
}

/// A 1-mV, 200-ms calibration pulse starting at `x` on `baseline`.
pub(crate) fn pulse(x: f32, baseline: f32) -> Item {
    let top = baseline - MM_PER_MV as f32;
    Item::Lines {
        subpaths: vec![vec![
            (x, baseline),
            (x + 1.0, baseline),
            (x + 1.0, top),
            (x + 6.0, top),
            (x + 6.0, baseline),
            (x + 7.0, baseline),
        ]],
        width: 0.3,
        color: Rgb::BLACK,
    }
}

/// Open polylines in page millimetres.
pub(crate) type Polylines = Vec<Vec<(f32, f32)>>;

/// The median of the finite values, `None` when there are none.
fn median(values: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    let mid = v.len() / 2;
    let (_, m, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
    Some(*m)
}

/// The polyline of `lead` from `start_s` for `duration_s` (at most [`MAX_ROW_S`]), with time
/// zero at `x0` and 0 mV at `baseline`. `Ok(None)` when the lead is not a voltage or has no
/// usable rate; gaps (NaN samples) split the line.
pub(crate) fn trace(
    lead: &Lead,
    start_s: f64,
    duration_s: f64,
    x0: f32,
    baseline: f32,
) -> Result<Option<Polylines>, Error> {
    let fs = lead.sampling_rate_hz;
    if !(fs.is_finite() && fs > 0.0 && fs <= MAX_RATE_HZ) || lead.unit.to_uv_factor().is_none() {
        return Ok(None);
    }
    let duration_s = duration_s.clamp(0.0, MAX_ROW_S);
    let start = (start_s.max(0.0) * fs).round() as usize;
    let available = lead.n_samples().saturating_sub(start);
    let n = ((duration_s * fs).round() as usize).min(available);
    if n == 0 {
        return Ok(Some(Vec::new()));
    }
    let samples = match lead.read_uv(start, n) {
        Some(r) => r.map_err(|source| Error::Samples {
            lead: lead.label.name().to_string(),
            source,
        })?,
        None => return Ok(None),
    };
    // Drawn about the window's own median, as carts print: an electrode's DC offset is not part
    // of the ECG and would push the trace out of its row.
    let offset_uv = median(&samples).unwrap_or(0.0);
    let point = |i: usize, uv: f64| -> (f32, f32) {
        let x = x0 as f64 + i as f64 / fs * MM_PER_S;
        let y = baseline as f64 - (uv - offset_uv) / 1000.0 * MM_PER_MV;
        (x as f32, y as f32)
    };
    let mut subpaths: Vec<Vec<(f32, f32)>> = Vec::new();
    let mut current: Vec<(f32, f32)> = Vec::new();
    let mut flush = |current: &mut Vec<(f32, f32)>| {
        if current.len() >= 2 {
            subpaths.push(std::mem::take(current));
        } else {
            current.clear();
        }
    };
    // Samples per 0.1-mm column; 1 keeps every sample.
    let per_column = ((fs / MM_PER_S / 10.0).floor() as usize).max(1);
    if fs <= 1000.0 || per_column <= 2 {
        for (i, &uv) in samples.iter().enumerate() {
            if uv.is_finite() {
                current.push(point(i, uv));
            } else {
                flush(&mut current);
            }
        }
    } else {
        for (c, chunk) in samples.chunks(per_column).enumerate() {
            let base = c * per_column;
            let finite = chunk.iter().enumerate().filter(|(_, v)| v.is_finite());
            let min = finite.clone().min_by(|a, b| a.1.total_cmp(b.1));
            let max = finite.max_by(|a, b| a.1.total_cmp(b.1));
            match (min, max) {
                (Some((imin, &vmin)), Some((imax, &vmax))) => {
                    let (first, second) = if imin <= imax {
                        ((imin, vmin), (imax, vmax))
                    } else {
                        ((imax, vmax), (imin, vmin))
                    };
                    current.push(point(base + first.0, first.1));
                    if second.0 != first.0 {
                        current.push(point(base + second.0, second.1));
                    }
                }
                _ => flush(&mut current),
            }
        }
    }
    flush(&mut current);
    Ok(Some(subpaths))
}

/// A lead-name label at the top-left of a panel, on a white backdrop the size of the name:
/// drawn after the traces, so a trace that runs through the corner (a noisy or wandering
/// lead) does not hide the name.
pub(crate) fn lead_label(fonts: &Fonts, name: &str, x: f32, top: f32, max_w: f32) -> [Item; 2] {
    let size = 8.0 * MM_PER_PT;
    let text = fonts.fit(FontKind::Bold, size, name, max_w);
    let width = fonts.width(FontKind::Bold, size, &text);
    [
        Item::Rect {
            rect: Rect::new(x - 0.4, top + 0.6, width + 0.8, 3.8),
            fill: Some(Rgb::WHITE),
            stroke: None,
        },
        Item::Text(fonts.run(FontKind::Bold, size, Rgb::BLACK, (x, top + 3.5), &text)),
    ]
}

/// True for wave marks (P/QRS/T fiducials and spans): drawn as unlabelled ticks on the trace
/// by [`wave_ticks`], neither numbered nor listed (the CSV keeps them).
pub(crate) fn is_wave_mark(a: &Annotation) -> bool {
    matches!(
        a.kind,
        AnnotationKind::Wave { .. } | AnnotationKind::WaveSpan { .. }
    )
}

/// The height of `paths` at `x` (the first segment spanning it), if any.
fn y_at(paths: &[Vec<(f32, f32)>], x: f32) -> Option<f32> {
    paths.iter().find_map(|p| {
        p.windows(2).find_map(|w| {
            let ((xa, ya), (xb, yb)) = (w[0], w[1]);
            (xa <= x && x <= xb).then(|| {
                if xb > xa {
                    ya + (yb - ya) * (x - xa) / (xb - xa)
                } else {
                    ya
                }
            })
        })
    })
}

/// Wave marks in a panel as short ticks (2 mm) across its trace `paths` at each onset and
/// offset, without labels; none under the lead name (the label's box at the panel's top-left).
pub(crate) fn wave_ticks(
    panel: &Panel,
    paths: &[Vec<(f32, f32)>],
    marks: &[&Annotation],
) -> Vec<Item> {
    let end_s = panel.start_s + panel.duration_s;
    let x_of = |t: f64| panel.x + ((t - panel.start_s) * MM_PER_S) as f32;
    let mut ticks = Vec::new();
    for a in marks {
        let on_this_lead = match &a.lead {
            None => panel.full_row,
            Some(l) => l == &panel.lead,
        };
        if !on_this_lead {
            continue;
        }
        let times: &[f64] = match a.kind {
            AnnotationKind::Wave { point, .. } if point != WavePoint::Peak => &[a.onset_s],
            AnnotationKind::WaveSpan { .. } => &[a.onset_s, a.onset_s + a.duration_s.max(0.0)],
            _ => &[],
        };
        for &t in times {
            if !(t.is_finite() && t >= panel.start_s && t < end_s) {
                continue;
            }
            let x = x_of(t);
            let y = y_at(paths, x).unwrap_or(panel.baseline);
            let under_name = x < panel.x + LEAD_LABEL_W && y - 1.0 < panel.top + 5.0;
            if !under_name {
                ticks.push(vec![(x, y - 1.0), (x, y + 1.0)]);
            }
        }
    }
    if ticks.is_empty() {
        return Vec::new();
    }
    vec![Item::Lines {
        subpaths: ticks,
        width: 0.2,
        color: Rgb::FIDUCIAL,
    }]
}

/// Width kept clear for a lead name at a panel's top-left, mm.
pub(crate) const LEAD_LABEL_W: f32 = 14.0;

/// Where one lead's window sits on a page.
#[derive(Debug, Clone)]
pub(crate) struct Panel {
    pub lead: LeadLabel,
    pub start_s: f64,
    pub duration_s: f64,
    /// x of the window start.
    pub x: f32,
    pub baseline: f32,
    /// Vertical extent of the row (marks go near its top).
    pub top: f32,
    /// True for the rhythm strip and for full rows: annotations on all leads go here.
    pub full_row: bool,
}

/// Marks for the numbered annotations falling in a panel: a tick with the number at onset,
/// and a bracket to the end for spans.
pub(crate) fn annotation_marks(
    fonts: &Fonts,
    panel: &Panel,
    annotations: &[(usize, &Annotation)],
) -> Vec<Item> {
    let size = 6.5 * MM_PER_PT;
    let end_s = panel.start_s + panel.duration_s;
    let x_of = |t: f64| panel.x + ((t - panel.start_s) * MM_PER_S) as f32;
    let mut items = Vec::new();
    let mut ticks = Vec::new();
    for &(number, a) in annotations {
        let on_this_lead = match &a.lead {
            None => panel.full_row,
            Some(l) => l == &panel.lead,
        };
        if !on_this_lead || !a.onset_s.is_finite() {
            continue;
        }
        let a_end = a.onset_s + a.duration_s.max(0.0);
        if a_end < panel.start_s || a.onset_s >= end_s {
            continue;
        }
        let y = panel.top + 1.5;
        if a.onset_s >= panel.start_s {
            let x = x_of(a.onset_s);
            ticks.push(vec![(x, y), (x, y + 4.0)]);
            let label = number.to_string();
            items.push(Item::Text(fonts.run(
                FontKind::Bold,
                size,
                Rgb::ANNOTATION,
                (x + 0.6, y + 2.2),
                &label,
            )));
        }
        if a.duration_s > 0.0 {
            let x1 = x_of(a.onset_s.max(panel.start_s));
            let x2 = x_of(a_end.min(end_s));
            ticks.push(vec![(x1, y + 4.0), (x2, y + 4.0)]);
            if a_end <= end_s {
                ticks.push(vec![(x2, y + 2.5), (x2, y + 4.0)]);
            }
        }
    }
    if !ticks.is_empty() {
        items.insert(
            0,
            Item::Lines {
                subpaths: ticks,
                width: 0.35,
                color: Rgb::ANNOTATION,
            },
        );
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecg::{Signal, Unit};

    #[test]
    fn an_electrode_offset_does_not_move_the_trace_off_its_row() {
        let mut samples = vec![4.0f32; 500];
        samples[250] = 5.0;
        let lead = Lead::new("V3", 500.0, Unit::Millivolt, Signal::from_physical(samples));
        let p = &trace(&lead, 0.0, 1.0, 0.0, 100.0).unwrap().unwrap()[0];
        assert!(
            (p[0].1 - 100.0).abs() < 1e-4,
            "flat part on the baseline: {}",
            p[0].1
        );
        let peak = p.iter().map(|q| q.1).fold(f32::INFINITY, f32::min);
        assert!(
            (peak - 90.0).abs() < 1e-3,
            "the 1-mV deflection stays 10 mm: {peak}"
        );
    }

    #[test]
    fn one_millivolt_is_ten_millimetres_and_one_second_is_25() {
        let mut samples = vec![0.0f32; 500];
        samples[250] = 1.0;
        let lead = Lead::new("II", 500.0, Unit::Millivolt, Signal::from_physical(samples));
        let paths = trace(&lead, 0.0, 10.0, 10.0, 100.0).unwrap().unwrap();
        assert_eq!(paths.len(), 1);
        let p = &paths[0];
        assert_eq!(p.len(), 500);
        assert!((p[250].0 - 22.5).abs() < 1e-4); // 0.5 s -> 12.5 mm after x0 = 10
        assert!((p[250].1 - 90.0).abs() < 1e-4); // 1 mV -> 10 mm up
        assert!((p[0].1 - 100.0).abs() < 1e-4);
    }

    #[test]
    fn gaps_split_the_trace_and_high_rates_are_bounded() {
        let mut samples = vec![0.0f32; 100];
        samples[50] = f32::NAN;
        let lead = Lead::new("I", 500.0, Unit::Millivolt, Signal::from_physical(samples));
        let paths = trace(&lead, 0.0, 10.0, 0.0, 0.0).unwrap().unwrap();
        assert_eq!(paths.len(), 2);
        let fast = Lead::new(
            "I",
            10_000.0,
            Unit::Microvolt,
            Signal::from_physical(vec![5.0f32; 100_000]),
        );
        let paths = trace(&fast, 0.0, 10.0, 0.0, 0.0).unwrap().unwrap();
        let points: usize = paths.iter().map(Vec::len).sum();
        assert!(points <= 2 * 2500 + 2, "{points}");
    }

    #[test]
    fn non_voltage_leads_are_not_drawn() {
        let lead = Lead::new(
            "PLETH",
            100.0,
            Unit::parse("NU"),
            Signal::from_physical(vec![1.0f32; 10]),
        );
        assert!(trace(&lead, 0.0, 1.0, 0.0, 0.0).unwrap().is_none());
    }

    #[test]
    fn wave_marks_are_short_unlabelled_ticks_on_the_trace_clear_of_the_lead_name() {
        let panel = Panel {
            lead: LeadLabel::II,
            start_s: 0.0,
            duration_s: 10.0,
            x: 10.0,
            baseline: 100.0,
            top: 80.0,
            full_row: false,
        };
        // The trace runs flat 5 mm above the baseline.
        let paths = vec![vec![(10.0, 95.0), (260.0, 95.0)]];
        let span = |onset_s: f64| Annotation {
            onset_s,
            duration_s: 0.1,
            lead: Some(LeadLabel::II),
            kind: AnnotationKind::WaveSpan {
                wave: ecg::WaveKind::Qrs,
            },
            text: String::new(),
            source: ecg::AnnotationSource::File,
        };
        let other_lead = Annotation {
            lead: Some(LeadLabel::V1),
            ..span(2.0)
        };
        let (a, b) = (span(1.0), span(5.0));
        let items = wave_ticks(&panel, &paths, &[&a, &b, &other_lead]);
        let [
            Item::Lines {
                subpaths, color, ..
            },
        ] = items.as_slice()
        else {
            panic!("one path item: {items:?}");
        };
        assert_eq!(*color, Rgb::FIDUCIAL);
        assert_eq!(subpaths.len(), 4, "onset and offset of the two II spans");
        assert_eq!(subpaths[0], vec![(35.0, 94.0), (35.0, 96.0)]);
        assert!(is_wave_mark(&a));
        // Near the top-left corner (under the lead name) nothing is drawn.
        let high = vec![vec![(10.0, 82.0), (260.0, 82.0)]];
        let early = span(0.0);
        assert!(wave_ticks(&panel, &high, &[&early]).is_empty());
    }
}
