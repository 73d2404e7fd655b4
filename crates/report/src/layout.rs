//! Page composition: turns a [`ReportInput`] into [`Page`]s.
//!
//! (1) Page 1, the tracing page: header (demographics or de-identified, acquisition time,
//! device, filter band), measurement table, statements with their review state, the grid with
//! the lead layout, calibration pulses and numbered annotation marks, the first annotations of
//! the list and the signature block. (2) Detail pages that flow from one to the next:
//! statements in full, the comparison with a prior ECG, the annotation list, chat exchanges. (3) Median beats. (4) Strips.
//! (5) A footer with the page number on every page.
//!
//! Every text box has a width and a line budget (see `text.rs`), so no string can leave its
//! box: the header ends above the grid, the list ends above the footer.

use ecg::{
    Annotation, AnnotationKind, AnnotationSource, LeadLabel, Recording, Sex, StatementState,
};

use crate::auto::is_ecg_trace;
use crate::drawing::{Item, Page, Rect, Rgb};
use crate::error::Error;
use crate::input::{Layout, ReportInput};
use crate::text::{FontKind, Fonts, MM_PER_PT};
use crate::tracing::{self, MAX_ROW_S, MM_PER_S, PULSE_SPACE_MM, Panel};

const MARGIN: f32 = 8.0;
/// Grid width: pulse space + 10 s at 25 mm/s, rounded up to whole millimetres (fits Letter).
const GRID_W: f32 = 260.0;
const GRID_TOP: f32 = 50.0;
const GRID_H: f32 = 120.0;
const BODY: f32 = 8.0 * MM_PER_PT;
const SMALL: f32 = 7.0 * MM_PER_PT;
const TITLE: f32 = 11.0 * MM_PER_PT;
const LINE: f32 = 3.6;
const SMALL_LINE: f32 = 3.2;
/// Space kept for the page footer.
const FOOTER_H: f32 = 7.0;

/// Lays out every page of the report.
pub(crate) fn pages(input: &ReportInput, fonts: &Fonts) -> Result<Vec<Page>, Error> {
    let (w, h) = input.options.paper.size_mm();
    // Wave marks are ticks on the trace, not numbered annotations (thousands on a long
    // recording); the CSV still lists them.
    let numbered: Vec<(usize, &Annotation)> = input
        .annotations
        .iter()
        .filter(|a| !tracing::is_wave_mark(a))
        .enumerate()
        .map(|(i, a)| (i + 1, a))
        .collect();
    let waves: Vec<&Annotation> = input
        .annotations
        .iter()
        .filter(|a| tracing::is_wave_mark(a))
        .collect();
    let mut pages = vec![tracing_page(input, fonts, &numbered, &waves, w, h)?];
    let mut flow = Flow::new(fonts, w, h);
    details(input, &numbered, &mut flow);
    pages.extend(flow.finish());
    if let Some(page) = median_page(input, fonts, w, h)? {
        pages.push(page);
    }
    pages.extend(strip_pages(input, fonts, &numbered, &waves, w, h)?);
    let total = pages.len();
    for (i, page) in pages.iter_mut().enumerate() {
        footer(input, fonts, page, i + 1, total);
    }
    Ok(pages)
}

/// The name shown for an annotation kind (also used by the CSV).
pub(crate) fn kind_name(kind: &AnnotationKind) -> String {
    match kind {
        AnnotationKind::Beat { .. } => "beat".into(),
        AnnotationKind::Wave { wave, point } => format!("{wave:?} {point:?}").to_lowercase(),
        AnnotationKind::WaveSpan { wave } => format!("{wave:?} wave").to_lowercase(),
        AnnotationKind::Rhythm { .. } => "rhythm".into(),
        AnnotationKind::Interval => "interval".into(),
        AnnotationKind::Caliper => "caliper".into(),
        AnnotationKind::Note => "note".into(),
        AnnotationKind::Other { .. } => "other".into(),
        _ => "annotation".into(),
    }
}

fn kind_with_code(kind: &AnnotationKind) -> String {
    match kind {
        AnnotationKind::Beat { code }
        | AnnotationKind::Rhythm { code }
        | AnnotationKind::Other { code } => format!("{} {code}", kind_name(kind)),
        other => kind_name(other),
    }
}

fn source_name(source: AnnotationSource) -> &'static str {
    match source {
        AnnotationSource::File => "file",
        AnnotationSource::Analysis => "analysis",
        AnnotationSource::User => "user",
    }
}

fn state_name(state: StatementState) -> &'static str {
    match state {
        StatementState::Suggested => "unconfirmed",
        StatementState::Confirmed => "confirmed",
        StatementState::Rejected => "rejected",
        StatementState::Edited => "edited",
    }
}

fn fmt_opt(v: Option<f64>, unit: &str) -> String {
    match v.filter(|v| v.is_finite()) {
        Some(v) => format!("{v:.0} {unit}"),
        None => "—".into(),
    }
}

fn fmt_hz(v: f64) -> String {
    if v >= 1.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// "0.05–150 Hz, notch 50 Hz", or "not stated".
fn filter_text(rec: &Recording) -> String {
    let f = rec.acquisition.filter_band;
    let mut parts = Vec::new();
    match (f.highpass_hz, f.lowpass_hz) {
        (Some(hp), Some(lp)) => parts.push(format!("{}–{} Hz", fmt_hz(hp), fmt_hz(lp))),
        (Some(hp), None) => parts.push(format!("high-pass {} Hz", fmt_hz(hp))),
        (None, Some(lp)) => parts.push(format!("low-pass {} Hz", fmt_hz(lp))),
        (None, None) => {}
    }
    if let Some(n) = f.notch_hz {
        parts.push(format!("notch {} Hz", fmt_hz(n)));
    }
    if parts.is_empty() {
        "not stated".into()
    } else {
        parts.join(", ")
    }
}

/// Pushes one line of text fitted to `max_w`.
#[allow(clippy::too_many_arguments)]
fn text_line(
    page: &mut Page,
    fonts: &Fonts,
    kind: FontKind,
    size: f32,
    color: Rgb,
    (x, y): (f32, f32),
    text: &str,
    max_w: f32,
) {
    let line = fonts.fit(kind, size, text, max_w);
    if !line.is_empty() {
        page.items
            .push(Item::Text(fonts.run(kind, size, color, (x, y), &line)));
    }
}

/// Pushes wrapped text; returns the y below the last line.
#[allow(clippy::too_many_arguments)]
fn text_block(
    page: &mut Page,
    fonts: &Fonts,
    kind: FontKind,
    size: f32,
    color: Rgb,
    (x, y): (f32, f32),
    text: &str,
    max_w: f32,
    max_lines: usize,
    line_h: f32,
) -> f32 {
    let mut y = y;
    for line in fonts.wrap(kind, size, text, max_w, max_lines) {
        if !line.is_empty() {
            page.items
                .push(Item::Text(fonts.run(kind, size, color, (x, y), &line)));
        }
        y += line_h;
    }
    y
}

fn tracing_page(
    input: &ReportInput,
    fonts: &Fonts,
    numbered: &[(usize, &Annotation)],
    waves: &[&Annotation],
    w: f32,
    h: f32,
) -> Result<Page, Error> {
    let rec = &input.recording;
    let opts = &input.options;
    let mut page = Page::new(w, h);
    let header_bottom = GRID_TOP - 2.0;

    // (1a) Demographics and acquisition, left column.
    let col_a = (MARGIN, 88.0);
    let mut y = MARGIN + 4.0;
    text_line(
        &mut page,
        fonts,
        FontKind::Bold,
        TITLE,
        Rgb::BLACK,
        (col_a.0, y),
        &report_title(rec),
        col_a.1,
    );
    y += 5.0;
    let p = &rec.patient;
    let mut lines: Vec<(FontKind, String)> = Vec::new();
    if opts.deidentify {
        lines.push((FontKind::Bold, "Patient: de-identified".into()));
    } else {
        let name = p.display_name().unwrap_or_else(|| "—".into());
        lines.push((FontKind::Bold, format!("Patient: {name}")));
        let id = p.id.clone().unwrap_or_else(|| "—".into());
        let born = match p.birth_date {
            Some(d) if d.implausible_as_birth(rec.acquisition.date()).is_some() => {
                format!("{d} (implausible date)")
            }
            Some(d) => d.to_string(),
            None => "—".into(),
        };
        lines.push((FontKind::Regular, format!("ID: {id}  ·  Born: {born}")));
    }
    // As stated, else from the birth date to the recording's date (whole years; months under 2).
    let age = match rec.patient_age_years() {
        Some(a) if a < 2.0 => format!("{:.0} mo", (a * 12.0).floor()),
        Some(a) => format!("{:.0} y", a.floor()),
        None => "—".into(),
    };
    let sex = match p.sex {
        Sex::Male => "male",
        Sex::Female => "female",
        Sex::Unknown => "—",
    };
    lines.push((FontKind::Regular, format!("Age: {age}  ·  Sex: {sex}")));
    let acquired = rec
        .acquisition
        .start_time
        .map(|t| t.to_iso8601_marked())
        .unwrap_or_else(|| "not stated".into());
    lines.push((FontKind::Regular, format!("Acquired: {acquired}")));
    let d = &rec.acquisition.device;
    let device: Vec<&str> = [&d.manufacturer, &d.model, &d.software]
        .into_iter()
        .filter_map(|s| s.as_deref())
        .collect();
    let device = if device.is_empty() {
        "not stated".to_string()
    } else {
        device.join(" ")
    };
    lines.push((FontKind::Regular, format!("Device: {device}")));
    lines.push((FontKind::Regular, format!("Filter: {}", filter_text(rec))));
    let mut source = rec.source.format.clone();
    if !opts.deidentify
        && let Some(name) = rec.source.path.as_ref().and_then(|p| p.file_name())
    {
        source = format!("{source} {}", name.to_string_lossy());
    }
    lines.push((FontKind::Regular, format!("Source: {source}")));
    for (kind, line) in lines {
        if y > header_bottom {
            break;
        }
        text_line(
            &mut page,
            fonts,
            kind,
            BODY,
            Rgb::BLACK,
            (col_a.0, y),
            &line,
            col_a.1,
        );
        y += LINE;
    }

    // (1b) Measurements, middle column.
    let col_b = MARGIN + 92.0;
    let m = &input.measurements;
    let mut y = MARGIN + 4.0;
    text_line(
        &mut page,
        fonts,
        FontKind::Bold,
        BODY,
        Rgb::BLACK,
        (col_b, y),
        "Measurements",
        60.0,
    );
    y += LINE + 0.5;
    let mut rows: Vec<(String, String)> = vec![
        ("Heart rate".into(), fmt_opt(m.hr.map(|v| v.0), "bpm")),
        ("RR".into(), fmt_opt(m.rr.map(|v| v.0), "ms")),
        ("PR".into(), fmt_opt(m.pr.map(|v| v.0), "ms")),
        ("QRS".into(), fmt_opt(m.qrs.map(|v| v.0), "ms")),
        ("QT".into(), fmt_opt(m.qt.map(|v| v.0), "ms")),
    ];
    let mut any_qtc = false;
    for f in ecg::QtcFormula::ALL {
        if let Some(v) = m.qtc.get(f) {
            any_qtc = true;
            rows.push((format!("QTc {}", f.name()), fmt_opt(Some(v.0), "ms")));
        }
    }
    if !any_qtc {
        rows.push(("QTc".into(), "—".into()));
    }
    let axis = |v: Option<ecg::Degrees>| {
        v.filter(|d| d.0.is_finite())
            .map(|d| format!("{:.0}°", d.0))
            .unwrap_or_else(|| "—".into())
    };
    rows.push((
        "Axes P/QRS/T".into(),
        format!(
            "{} / {} / {}",
            axis(m.axis.p),
            axis(m.axis.qrs),
            axis(m.axis.t)
        ),
    ));
    for (label, value) in rows {
        if y > header_bottom {
            break;
        }
        text_line(
            &mut page,
            fonts,
            FontKind::Regular,
            BODY,
            Rgb::GREY,
            (col_b, y),
            &label,
            27.0,
        );
        text_line(
            &mut page,
            fonts,
            FontKind::Regular,
            BODY,
            Rgb::BLACK,
            (col_b + 28.0, y),
            &value,
            36.0,
        );
        y += LINE - 0.3;
    }

    // (1c) Statements, right column.
    let col_c = MARGIN + 160.0;
    let col_c_w = w - MARGIN - col_c;
    let mut y = MARGIN + 4.0;
    text_line(
        &mut page,
        fonts,
        FontKind::Bold,
        BODY,
        Rgb::BLACK,
        (col_c, y),
        "Interpretation",
        col_c_w,
    );
    y += LINE + 0.5;
    if input.statements.is_empty() {
        text_line(
            &mut page,
            fonts,
            FontKind::Regular,
            BODY,
            Rgb::GREY,
            (col_c, y),
            "No statements.",
            col_c_w,
        );
    }
    for (i, s) in input.statements.iter().enumerate() {
        let remaining_lines = ((header_bottom - y) / LINE).floor() as usize;
        let left = input.statements.len() - i;
        if remaining_lines == 0 || (remaining_lines == 1 && left > 1) {
            text_line(
                &mut page,
                fonts,
                FontKind::Regular,
                BODY,
                Rgb::GREY,
                (col_c, y),
                &format!("… {left} more statement(s) on page 2"),
                col_c_w,
            );
            break;
        }
        let budget = if left > 1 {
            remaining_lines - 1
        } else {
            remaining_lines
        }
        .min(2);
        let state = statement_state(s);
        y = text_block(
            &mut page,
            fonts,
            FontKind::Regular,
            BODY,
            Rgb::BLACK,
            (col_c, y),
            &format!("• {} [{state}]", crate::text::clean_line(&s.statement.text)),
            col_c_w,
            budget,
            LINE,
        );
    }

    // (1d) The grid and the leads.
    let grid = Rect::new(((w - GRID_W) / 2.0).round(), GRID_TOP, GRID_W, GRID_H);
    page.grids.push(grid);
    let mut clipped = tracing::grid(grid);
    let recorded: Vec<LeadLabel> = rec.leads.iter().map(|l| l.label.clone()).collect();
    let twelve = LeadLabel::page_twelve(&LeadLabel::STANDARD_12, &recorded);
    let panels = layout_panels(&opts.layout, &twelve, grid, opts.start_s);
    let mut row_tops: Vec<(f32, f32)> = Vec::new();
    for panel in &panels {
        if !row_tops.iter().any(|(t, _)| (*t - panel.top).abs() < 1e-3) {
            row_tops.push((panel.top, panel.baseline));
        }
    }
    for (_, baseline) in &row_tops {
        clipped.push(tracing::pulse(grid.x + 1.0, *baseline));
    }
    let mut traces = Vec::new();
    let mut labels = Vec::new();
    for panel in &panels {
        let label_w = 14.0;
        match rec.lead(&panel.lead) {
            Some(lead) => {
                if let Some(paths) = tracing::trace(
                    lead,
                    panel.start_s,
                    panel.duration_s,
                    panel.x,
                    panel.baseline,
                )? {
                    clipped.extend(tracing::wave_ticks(panel, &paths, waves));
                    traces.extend(paths);
                }
                labels.extend(tracing::lead_label(
                    fonts,
                    panel.lead.name(),
                    panel.x + 1.0,
                    panel.top,
                    label_w,
                ));
            }
            None => {
                labels.extend(tracing::lead_label(
                    fonts,
                    &format!("{} —", panel.lead.name()),
                    panel.x + 1.0,
                    panel.top,
                    30.0,
                ));
            }
        }
        // Column boundary marks in the 3x4 layout.
        if !panel.full_row && panel.x > grid.x + PULSE_SPACE_MM + 1.0 {
            clipped.push(Item::Lines {
                subpaths: vec![vec![
                    (panel.x, panel.baseline - 3.0),
                    (panel.x, panel.baseline + 3.0),
                ]],
                width: 0.3,
                color: Rgb::BLACK,
            });
        }
    }
    // An annotation on a lead whose panel does not show its time goes on the full rows, so
    // every annotation in the window is visible somewhere.
    let shown_on_lead = |a: &Annotation| {
        panels.iter().any(|p| {
            a.lead.as_ref() == Some(&p.lead)
                && a.onset_s < p.start_s + p.duration_s
                && a.onset_s + a.duration_s.max(0.0) >= p.start_s
        })
    };
    let on_full_rows: Vec<(usize, Annotation)> = numbered
        .iter()
        .map(|&(n, a)| {
            let mut a = a.clone();
            if a.lead.is_some() && !shown_on_lead(&a) {
                a.lead = None;
            }
            (n, a)
        })
        .collect();
    let marks: Vec<(usize, &Annotation)> = on_full_rows.iter().map(|(n, a)| (*n, a)).collect();
    for panel in &panels {
        clipped.extend(tracing::annotation_marks(fonts, panel, &marks));
    }
    clipped.push(Item::Lines {
        subpaths: traces,
        width: 0.25,
        color: Rgb::BLACK,
    });
    clipped.extend(labels);
    page.items.push(Item::Clip {
        rect: grid,
        items: clipped,
    });
    page.items.push(Item::Rect {
        rect: grid,
        fill: None,
        stroke: Some((Rgb::GRID_MAJOR, 0.3)),
    });

    // (1e) Scale line under the grid.
    let mut y = grid.bottom() + 3.5;
    let end_s = opts.start_s + MAX_ROW_S;
    text_line(
        &mut page,
        fonts,
        FontKind::Regular,
        SMALL,
        Rgb::GREY,
        (grid.x, y),
        &format!(
            "25 mm/s  ·  10 mm/mV  ·  grid 1 mm / 5 mm  ·  window {:.1}–{:.1} s  ·  filter {}",
            opts.start_s,
            end_s,
            filter_text(rec)
        ),
        GRID_W,
    );
    y += SMALL_LINE + 1.0;

    // (1f) First annotations, then the signature block on the right.
    let sig_w = 88.0;
    let list_w = GRID_W - sig_w - 4.0;
    let bottom = h - MARGIN - FOOTER_H + 2.0;
    let list_top = y;
    text_line(
        &mut page,
        fonts,
        FontKind::Bold,
        BODY,
        Rgb::BLACK,
        (grid.x, y),
        &format!("Annotations ({})", numbered.len()),
        list_w,
    );
    y += LINE;
    if numbered.is_empty() {
        text_line(
            &mut page,
            fonts,
            FontKind::Regular,
            SMALL,
            Rgb::GREY,
            (grid.x, y),
            "None.",
            list_w,
        );
    }
    let capacity = ((bottom - y) / SMALL_LINE).floor().max(0.0) as usize;
    let shown = if numbered.len() > capacity {
        capacity.saturating_sub(1)
    } else {
        numbered.len()
    };
    for &(n, a) in numbered.iter().take(shown) {
        text_line(
            &mut page,
            fonts,
            FontKind::Regular,
            SMALL,
            Rgb::ANNOTATION,
            (grid.x, y),
            &n.to_string(),
            8.0,
        );
        let lead = a
            .lead
            .as_ref()
            .map(|l| l.name().to_string())
            .unwrap_or_else(|| "all".into());
        text_line(
            &mut page,
            fonts,
            FontKind::Regular,
            SMALL,
            Rgb::BLACK,
            (grid.x + 8.0, y),
            &format!(
                "{:.3} s  {lead}  {}  {}",
                a.onset_s,
                kind_with_code(&a.kind),
                a.text
            ),
            list_w - 8.0,
        );
        y += SMALL_LINE;
    }
    if shown < numbered.len() {
        text_line(
            &mut page,
            fonts,
            FontKind::Regular,
            SMALL,
            Rgb::GREY,
            (grid.x, y),
            &format!(
                "… {} more in the annotation list (page 2)",
                numbered.len() - shown
            ),
            list_w,
        );
    }
    signature_block(
        input,
        fonts,
        &mut page,
        Rect::new(
            grid.right() - sig_w,
            list_top - 2.5,
            sig_w,
            bottom - list_top + 1.0,
        ),
    );
    Ok(page)
}

fn statement_state(s: &crate::input::ReportStatement) -> String {
    let state = state_name(s.statement.state);
    match &s.reviewed_by {
        Some(by) if s.statement.state != StatementState::Suggested => {
            format!("{state} by {}", crate::text::clean_line(by))
        }
        _ => state.to_string(),
    }
}

fn signature_block(input: &ReportInput, fonts: &Fonts, page: &mut Page, rect: Rect) {
    page.items.push(Item::Rect {
        rect,
        fill: None,
        stroke: Some((Rgb::GREY, 0.2)),
    });
    let x = rect.x + 2.0;
    let w = rect.w - 4.0;
    let mut y = rect.y + 4.0;
    text_line(
        page,
        fonts,
        FontKind::Bold,
        BODY,
        Rgb::BLACK,
        (x, y),
        "Signature",
        w,
    );
    y += LINE + 0.5;
    match &input.signature {
        Some(sig) => {
            for (kind, text) in [
                (FontKind::Bold, sig.name.as_str()),
                (FontKind::Regular, sig.meaning.as_str()),
                (FontKind::Regular, sig.time.as_str()),
            ] {
                if y > rect.bottom() - 1.0 {
                    break;
                }
                text_line(page, fonts, kind, BODY, Rgb::BLACK, (x, y), text, w);
                y += LINE;
            }
        }
        None => {
            text_line(
                page,
                fonts,
                FontKind::Regular,
                BODY,
                Rgb::GREY,
                (x, y),
                "Not signed.",
                w,
            );
        }
    }
}

/// Panels for a layout inside the grid; `twelve` are the leads of the 3x4 cells
/// ([`LeadLabel::page_twelve`]).
fn layout_panels(
    layout: &Layout,
    twelve: &[LeadLabel; 12],
    grid: Rect,
    start_s: f64,
) -> Vec<Panel> {
    let x0 = grid.x + PULSE_SPACE_MM;
    match layout {
        Layout::ThreeByFour { rhythm } => {
            let row_h = grid.h / 4.0;
            let mut panels = Vec::new();
            for col in 0..4 {
                for row in 0..3 {
                    let lead = twelve[col * 3 + row].clone();
                    let top = grid.y + row as f32 * row_h;
                    panels.push(Panel {
                        lead,
                        start_s: start_s + col as f64 * 2.5,
                        duration_s: 2.5,
                        x: x0 + col as f32 * 2.5 * MM_PER_S as f32,
                        baseline: top + row_h * 0.62,
                        top,
                        full_row: false,
                    });
                }
            }
            let top = grid.y + 3.0 * row_h;
            panels.push(Panel {
                lead: rhythm.clone(),
                start_s,
                duration_s: MAX_ROW_S,
                x: x0,
                baseline: top + row_h * 0.62,
                top,
                full_row: true,
            });
            panels
        }
        Layout::Rows(leads) => {
            let n = leads.len().clamp(1, Layout::MAX_ROWS);
            let row_h = grid.h / n as f32;
            leads
                .iter()
                .take(n)
                .enumerate()
                .map(|(i, lead)| {
                    let top = grid.y + i as f32 * row_h;
                    Panel {
                        lead: lead.clone(),
                        start_s,
                        duration_s: MAX_ROW_S,
                        x: x0,
                        baseline: top + row_h * 0.62,
                        top,
                        full_row: true,
                    }
                })
                .collect()
        }
    }
}

/// Text that flows over as many pages as it needs.
struct Flow<'f> {
    fonts: &'f Fonts,
    w: f32,
    h: f32,
    pages: Vec<Page>,
    y: f32,
}

impl<'f> Flow<'f> {
    fn new(fonts: &'f Fonts, w: f32, h: f32) -> Self {
        Self {
            fonts,
            w,
            h,
            pages: Vec::new(),
            y: f32::INFINITY,
        }
    }

    fn bottom(&self) -> f32 {
        self.h - MARGIN - FOOTER_H
    }

    fn text_w(&self) -> f32 {
        self.w - 2.0 * MARGIN
    }

    /// Makes room for `need` mm, starting a page if there is not.
    fn ensure(&mut self, need: f32) {
        if self.pages.is_empty() || self.y + need > self.bottom() {
            self.pages.push(Page::new(self.w, self.h));
            self.y = MARGIN + 4.0;
        }
    }

    fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.ensure(0.0);
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn heading(&mut self, text: &str) {
        self.ensure(3.0 * LINE + 6.0);
        if self.y > MARGIN + 5.0 {
            self.y += 3.0;
        }
        let (fonts, y, tw) = (self.fonts, self.y, self.text_w());
        text_line(
            self.page(),
            fonts,
            FontKind::Bold,
            TITLE,
            Rgb::BLACK,
            (MARGIN, y),
            text,
            tw,
        );
        self.y += 6.0;
    }

    /// One line of cells at fixed x offsets (each fitted to its width).
    fn row(&mut self, cells: &[(f32, f32, FontKind, Rgb, String)], size: f32, line_h: f32) {
        self.ensure(line_h);
        let (fonts, y) = (self.fonts, self.y);
        for (x, cw, kind, color, text) in cells {
            text_line(
                self.page(),
                fonts,
                *kind,
                size,
                *color,
                (MARGIN + x, y),
                text,
                *cw,
            );
        }
        self.y += line_h;
    }

    /// Wrapped text at an x offset, breaking across pages between lines.
    fn paragraph(&mut self, x: f32, kind: FontKind, color: Rgb, text: &str, max_lines: usize) {
        let width = self.text_w() - x;
        for line in self.fonts.wrap(kind, BODY, text, width, max_lines) {
            self.ensure(LINE);
            let (fonts, y) = (self.fonts, self.y);
            if !line.is_empty() {
                let run = fonts.run(kind, BODY, color, (MARGIN + x, y), &line);
                self.page().items.push(Item::Text(run));
            }
            self.y += LINE;
        }
    }

    fn finish(self) -> Vec<Page> {
        self.pages
    }
}

/// The leads and beats a statement rests on, as the viewer highlights them
/// ([`signal::summary::evidence_text`]); `None` when it names neither.
fn evidence_line(s: &crate::input::ReportStatement) -> Option<String> {
    let leads: Vec<&str> = s
        .statement
        .evidence
        .leads
        .iter()
        .map(|l| l.name())
        .collect();
    signal::summary::evidence_text(&leads, &s.beat_times_s)
        .map(|line| crate::text::clean_line(&line).to_string())
}

/// (2) Statements in full, the annotation list and the chat.
fn details(input: &ReportInput, numbered: &[(usize, &Annotation)], flow: &mut Flow<'_>) {
    if !input.statements.is_empty() {
        flow.heading("Interpretation");
        for s in &input.statements {
            flow.paragraph(
                0.0,
                FontKind::Regular,
                Rgb::BLACK,
                &format!(
                    "• {} [{}]",
                    crate::text::clean_line(&s.statement.text),
                    statement_state(s)
                ),
                6,
            );
            if let Some(c) = &s.statement.criterion {
                flow.paragraph(
                    4.0,
                    FontKind::Regular,
                    Rgb::GREY,
                    &format!("criterion: {c}"),
                    3,
                );
            }
            if let Some(e) = evidence_line(s) {
                flow.paragraph(4.0, FontKind::Regular, Rgb::GREY, &e, 2);
            }
        }
    }
    if let Some((first, changes)) = input.comparison.split_first() {
        flow.heading(&crate::text::clean_line(first));
        for line in changes {
            flow.paragraph(
                0.0,
                FontKind::Regular,
                Rgb::BLACK,
                &format!("• {}", crate::text::clean_line(line)),
                3,
            );
        }
    }
    if !numbered.is_empty() {
        flow.heading("Annotations");
        let start = input.recording.acquisition.start_time;
        let header = [
            (0.0, 10.0, "#"),
            (10.0, 22.0, "time"),
            (32.0, 24.0, "clock"),
            (56.0, 14.0, "lead"),
            (70.0, 30.0, "kind"),
            (100.0, 16.0, "source"),
            (116.0, 160.0, "text"),
        ];
        let cells: Vec<_> = header
            .iter()
            .map(|&(x, w, t)| (x, w, FontKind::Bold, Rgb::BLACK, t.to_string()))
            .collect();
        flow.row(&cells, SMALL, SMALL_LINE + 0.6);
        let text_w = flow.text_w() - 116.0;
        for &(n, a) in numbered {
            let clock = start
                .map(|t| {
                    let s = (t.time.seconds_since_midnight() + a.onset_s).rem_euclid(86_400.0);
                    format!(
                        "{:02}:{:02}:{:04.1}",
                        (s / 3600.0) as u32,
                        ((s % 3600.0) / 60.0) as u32,
                        s % 60.0
                    )
                })
                .unwrap_or_else(|| "—".into());
            let time = if a.duration_s > 0.0 {
                format!("{:.3}+{:.3} s", a.onset_s, a.duration_s)
            } else {
                format!("{:.3} s", a.onset_s)
            };
            let lead = a
                .lead
                .as_ref()
                .map(|l| l.name().to_string())
                .unwrap_or_else(|| "all".into());
            let lines = flow
                .fonts
                .wrap(FontKind::Regular, SMALL, &a.text, text_w, 4);
            let first = lines.first().cloned().unwrap_or_default();
            flow.row(
                &[
                    (0.0, 10.0, FontKind::Bold, Rgb::ANNOTATION, n.to_string()),
                    (10.0, 22.0, FontKind::Regular, Rgb::BLACK, time),
                    (32.0, 24.0, FontKind::Regular, Rgb::BLACK, clock),
                    (56.0, 14.0, FontKind::Regular, Rgb::BLACK, lead),
                    (
                        70.0,
                        30.0,
                        FontKind::Regular,
                        Rgb::BLACK,
                        kind_with_code(&a.kind),
                    ),
                    (
                        100.0,
                        16.0,
                        FontKind::Regular,
                        Rgb::BLACK,
                        source_name(a.source).into(),
                    ),
                    (116.0, text_w, FontKind::Regular, Rgb::BLACK, first),
                ],
                SMALL,
                SMALL_LINE,
            );
            for more in lines.into_iter().skip(1) {
                flow.row(
                    &[(116.0, text_w, FontKind::Regular, Rgb::BLACK, more)],
                    SMALL,
                    SMALL_LINE,
                );
            }
        }
    }
    if input.options.include_chat && !input.chat.is_empty() {
        flow.heading("Chat exchanges");
        flow.paragraph(
            0.0,
            FontKind::Regular,
            Rgb::GREY,
            "Answers come from a local language model and are not a diagnosis. Each clinical claim is checked against the measurements, statements and annotations (supported, contradicted, or not in the facts).",
            2,
        );
        for c in &input.chat {
            flow.y += 2.0;
            flow.paragraph(
                0.0,
                FontKind::Regular,
                Rgb::GREY,
                &format!(
                    "{} · {} · {}",
                    crate::text::clean_line(&c.time),
                    crate::text::clean_line(&c.model),
                    crate::text::clean_line(&c.mode)
                ),
                2,
            );
            flow.paragraph(
                0.0,
                FontKind::Bold,
                Rgb::BLACK,
                &format!("Q: {}", c.question),
                8,
            );
            flow.paragraph(
                0.0,
                FontKind::Regular,
                Rgb::BLACK,
                &format!("A: {}", c.answer),
                60,
            );
            // The claim check beside the answer: contradicted claims first, in red.
            if !c.checks.is_empty() {
                let mut checks: Vec<&crate::input::ClaimCheck> = c.checks.iter().collect();
                checks.sort_by_key(|k| !k.contradicted);
                for k in checks {
                    let fact = k
                        .fact
                        .as_deref()
                        .map(|f| format!(" ({f})"))
                        .unwrap_or_default();
                    flow.paragraph(
                        6.0,
                        FontKind::Regular,
                        if k.contradicted {
                            Rgb::ALERT
                        } else {
                            Rgb::GREY
                        },
                        &format!("Check: \u{201c}{}\u{201d} {}{fact}", k.claim, k.verdict),
                        3,
                    );
                }
            }
        }
    }
}

/// (3) Median beats: up to 12 leads, 6 per row, each on its own grid panel.
fn median_page(input: &ReportInput, fonts: &Fonts, w: f32, h: f32) -> Result<Option<Page>, Error> {
    let Some(medians) = &input.recording.median_beats else {
        return Ok(None);
    };
    if medians.leads.is_empty() {
        return Ok(None);
    }
    let mut page = Page::new(w, h);
    text_line(
        &mut page,
        fonts,
        FontKind::Bold,
        TITLE,
        Rgb::BLACK,
        (MARGIN, MARGIN + 4.0),
        "Median beats",
        w - 2.0 * MARGIN,
    );
    text_line(
        &mut page,
        fonts,
        FontKind::Regular,
        SMALL,
        Rgb::GREY,
        (MARGIN, MARGIN + 8.5),
        "25 mm/s, 10 mm/mV; blue lines: fiducials stated with the beats",
        w - 2.0 * MARGIN,
    );
    let panel_w = 43.0;
    let panel_h = 60.0;
    let grid = Rect::new(
        ((w - 6.0 * panel_w) / 2.0).round(),
        MARGIN + 14.0,
        6.0 * panel_w,
        2.0 * panel_h,
    );
    page.grids.push(grid);
    let mut items = tracing::grid(grid);
    let mut traces = Vec::new();
    let mut labels = Vec::new();
    let mut fiducials = Vec::new();
    for (i, lead) in medians.leads.iter().take(12).enumerate() {
        let (col, row) = (i % 6, i / 6);
        let x = grid.x + col as f32 * panel_w;
        let top = grid.y + row as f32 * panel_h;
        let baseline = top + panel_h * 0.6;
        items.push(tracing::pulse(x + 1.0, baseline));
        let x0 = x + PULSE_SPACE_MM;
        let beat_s = f64::from(panel_w - PULSE_SPACE_MM - 1.0) / MM_PER_S;
        if let Some(paths) = tracing::trace(lead, 0.0, beat_s, x0, baseline)? {
            traces.extend(paths);
        }
        labels.extend(tracing::lead_label(
            fonts,
            lead.label.name(),
            x + 1.0,
            top,
            panel_w - 2.0,
        ));
        for f in &medians.fiducials {
            let fx = x0 + (f.onset_s * MM_PER_S) as f32;
            if f.onset_s >= 0.0 && fx < x + panel_w {
                fiducials.push(vec![(fx, top + 6.0), (fx, top + panel_h - 2.0)]);
            }
        }
        if col > 0 {
            items.push(Item::Lines {
                subpaths: vec![vec![(x, top), (x, top + panel_h)]],
                width: 0.4,
                color: Rgb::GRID_MAJOR,
            });
        }
    }
    items.push(Item::Lines {
        subpaths: fiducials,
        width: 0.2,
        color: Rgb::ANNOTATION,
    });
    items.push(Item::Lines {
        subpaths: traces,
        width: 0.25,
        color: Rgb::BLACK,
    });
    items.extend(labels);
    page.items.push(Item::Clip { rect: grid, items });
    page.items.push(Item::Rect {
        rect: grid,
        fill: None,
        stroke: Some((Rgb::GRID_MAJOR, 0.3)),
    });
    Ok(Some(page))
}

/// (4) Selected strips, four per page.
fn strip_pages(
    input: &ReportInput,
    fonts: &Fonts,
    numbered: &[(usize, &Annotation)],
    waves: &[&Annotation],
    w: f32,
    h: f32,
) -> Result<Vec<Page>, Error> {
    let mut pages = Vec::new();
    let strip_h = 30.0;
    for (k, chunk) in input.strips.chunks(4).enumerate() {
        let mut page = Page::new(w, h);
        let title = if k == 0 {
            "Strips"
        } else {
            "Strips (continued)"
        };
        text_line(
            &mut page,
            fonts,
            FontKind::Bold,
            TITLE,
            Rgb::BLACK,
            (MARGIN, MARGIN + 4.0),
            title,
            w - 2.0 * MARGIN,
        );
        let mut y = MARGIN + 10.0;
        for strip in chunk {
            let x = ((w - GRID_W) / 2.0).round();
            let caption = format!(
                "{}  ·  {}  ·  {:.1}–{:.1} s",
                strip.lead.name(),
                crate::text::clean_line(&strip.caption),
                strip.start_s,
                strip.start_s + strip.duration_s.clamp(0.0, MAX_ROW_S)
            );
            text_line(
                &mut page,
                fonts,
                FontKind::Regular,
                BODY,
                Rgb::BLACK,
                (x, y + 3.0),
                &caption,
                GRID_W,
            );
            let grid = Rect::new(x, y + 5.0, GRID_W, strip_h);
            page.grids.push(grid);
            let mut items = tracing::grid(grid);
            let baseline = grid.y + strip_h * 0.62;
            items.push(tracing::pulse(grid.x + 1.0, baseline));
            let panel = Panel {
                lead: strip.lead.clone(),
                start_s: strip.start_s,
                duration_s: strip.duration_s.clamp(0.0, MAX_ROW_S),
                x: grid.x + PULSE_SPACE_MM,
                baseline,
                top: grid.y,
                full_row: true,
            };
            if let Some(lead) = input.recording.lead(&strip.lead)
                && let Some(paths) =
                    tracing::trace(lead, panel.start_s, panel.duration_s, panel.x, baseline)?
            {
                items.extend(tracing::wave_ticks(&panel, &paths, waves));
                items.push(Item::Lines {
                    subpaths: paths,
                    width: 0.25,
                    color: Rgb::BLACK,
                });
            }
            items.extend(tracing::annotation_marks(fonts, &panel, numbered));
            page.items.push(Item::Clip { rect: grid, items });
            page.items.push(Item::Rect {
                rect: grid,
                fill: None,
                stroke: Some((Rgb::GRID_MAJOR, 0.3)),
            });
            y += strip_h + 10.0;
        }
        pages.push(page);
    }
    Ok(pages)
}

/// (5) Page footer.
fn footer(input: &ReportInput, fonts: &Fonts, page: &mut Page, number: usize, total: usize) {
    let y = page.height - MARGIN + 1.0;
    let mut left = "Heartlens ECG report".to_string();
    if input.options.deidentify {
        left.push_str(" · de-identified");
    }
    let w = page.width - 2.0 * MARGIN;
    text_line(
        page,
        fonts,
        FontKind::Regular,
        SMALL,
        Rgb::GREY,
        (MARGIN, y),
        &left,
        w / 2.0,
    );
    let right = format!("page {number} of {total}");
    let rw = fonts.width(FontKind::Regular, SMALL, &right);
    text_line(
        page,
        fonts,
        FontKind::Regular,
        SMALL,
        Rgb::GREY,
        (page.width - MARGIN - rw, y),
        &right,
        w / 2.0,
    );
}

/// The report's title: "12-lead ECG report" when the recording holds the twelve standard
/// leads, else the number of ECG leads it holds (a Holter's or monitor's two leads are no
/// twelve-lead ECG) and of its other channels (a monitor's pressure or plethysmogram).
fn report_title(rec: &ecg::Recording) -> String {
    let standard = ecg::LeadLabel::STANDARD_12
        .iter()
        .filter(|s| rec.leads.iter().any(|l| &l.label == *s))
        .count();
    if standard == 12 {
        return "12-lead ECG report".to_string();
    }
    let ecg = rec.leads.iter().filter(|l| is_ecg_trace(l)).count();
    let other = rec.leads.len() - ecg;
    let count = |n: usize, what: &str| match n {
        1 => format!("1 {what}"),
        n => format!("{n} {what}s"),
    };
    if ecg == 0 || other == 0 {
        format!("ECG report ({})", count(rec.leads.len(), "lead"))
    } else {
        format!(
            "ECG report ({}, {})",
            count(ecg, "lead"),
            count(other, "other channel")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{ChatExchange, Paper, ReportStatement, Signature, Strip};
    use ecg::{Lead, MedianBeats, Signal, Statement, Unit};

    fn recording() -> Recording {
        let leads = LeadLabel::STANDARD_12
            .iter()
            .map(|l| {
                let samples: Vec<f32> =
                    (0..5000).map(|i| ((i as f32) * 0.05).sin() * 2.5).collect();
                Lead::new(
                    l.name(),
                    500.0,
                    Unit::Millivolt,
                    Signal::from_physical(samples),
                )
            })
            .collect();
        Recording::new(leads)
    }

    #[test]
    fn an_evidence_line_names_the_leads_and_at_most_eight_beat_times() {
        let with = |leads: Vec<LeadLabel>, times: Vec<f64>| ReportStatement {
            beat_times_s: times,
            ..ReportStatement::from(Statement {
                evidence: ecg::Evidence {
                    leads,
                    beats: Vec::new(),
                },
                ..Statement::default()
            })
        };
        assert_eq!(evidence_line(&with(Vec::new(), Vec::new())), None);
        assert_eq!(
            evidence_line(&with(vec![LeadLabel::V1], vec![3.8])).as_deref(),
            Some("evidence: lead V1; beat at 3.80 s")
        );
        let many: Vec<f64> = (0..20).map(f64::from).collect();
        assert_eq!(
            evidence_line(&with(Vec::new(), many)).as_deref(),
            Some(
                "evidence: beats at 0.00, 1.00, 2.00, 3.00, 4.00, 5.00, 6.00, 7.00 s, ... (20 in all)"
            )
        );
    }

    #[test]
    fn the_title_counts_ecg_leads_and_a_monitors_other_channels_apart() {
        let ch = |name: &str, unit: Unit| {
            Lead::new(name, 125.0, unit, Signal::from_physical(vec![0.0; 10]))
        };
        let monitor = Recording::new(vec![
            ch("II", Unit::Millivolt),
            ch("V", Unit::Millivolt),
            ch("ABP", Unit::parse("mmHg")),
        ]);
        assert_eq!(
            report_title(&monitor),
            "ECG report (2 leads, 1 other channel)"
        );
        let holter = Recording::new(vec![ch("MLII", Unit::Millivolt), ch("V5", Unit::Millivolt)]);
        assert_eq!(report_title(&holter), "ECG report (2 leads)");
        let one = Recording::new(vec![ch("ECG", Unit::Millivolt)]);
        assert_eq!(report_title(&one), "ECG report (1 lead)");
    }

    fn hostile(i: usize) -> String {
        format!(
            "{i} <b>#set text(99pt)</b> \\\\ \u{202E}evil שלום مرحبا 😀🫀\n\t{}",
            "W".repeat(400 + i)
        )
    }

    fn hostile_input(paper: Paper) -> ReportInput {
        let mut rec = recording();
        rec.patient.last_name = Some(hostile(0));
        rec.patient.first_name = Some(hostile(1));
        rec.patient.id = Some(hostile(2));
        rec.acquisition.device.model = Some(hostile(3));
        rec.source.format = hostile(4);
        rec.median_beats = Some(MedianBeats {
            sampling_rate_hz: 500.0,
            leads: rec
                .leads
                .iter()
                .map(|l| {
                    let mut l = l.clone();
                    l.signal = Signal::from_physical(vec![0.5f32; 600]);
                    l
                })
                .collect(),
            fiducials: vec![Annotation::point(0.3, AnnotationKind::Note, hostile(5))],
        });
        let mut input = ReportInput::from_recording(rec);
        input.options.paper = paper;
        input.statements = (0..20)
            .map(|i| ReportStatement {
                statement: Statement::from_device(hostile(i)),
                reviewed_by: Some(hostile(i + 1)),
                beat_times_s: vec![i as f64; i],
            })
            .collect();
        input.annotations = (0..60)
            .map(|i| Annotation {
                lead: Some(LeadLabel::V5),
                ..Annotation::point(i as f64 * 0.16, AnnotationKind::Note, hostile(i))
            })
            .collect();
        input.chat = (0..5)
            .map(|i| ChatExchange {
                question: hostile(i),
                answer: hostile(i).repeat(5),
                model: hostile(i),
                mode: hostile(i),
                time: hostile(i),
                checks: vec![crate::input::ClaimCheck {
                    claim: hostile(i),
                    verdict: "contradicted".into(),
                    fact: Some(hostile(i)),
                    contradicted: true,
                }],
            })
            .collect();
        input.signature = Some(Signature {
            name: hostile(7),
            time: hostile(8),
            meaning: hostile(9),
        });
        input.strips = (0..5)
            .map(|i| Strip {
                lead: LeadLabel::II,
                start_s: i as f64,
                duration_s: 99.0,
                caption: hostile(i),
            })
            .collect();
        input
    }

    #[test]
    fn hostile_text_stays_inside_the_page_and_off_the_grids() {
        let fonts = Fonts::load().unwrap();
        for paper in [Paper::A4, Paper::Letter] {
            let pages = pages(&hostile_input(paper), &fonts).unwrap();
            assert!(pages.len() >= 5, "{} pages", pages.len());
            for (k, page) in pages.iter().enumerate() {
                let content = Rect::new(
                    MARGIN,
                    MARGIN,
                    page.width - 2.0 * MARGIN,
                    page.height - 2.0 * MARGIN + 2.0,
                );
                for grid in &page.grids {
                    assert!(content.contains(grid, 0.01), "page {k}: grid {grid:?}");
                }
                for (run, clip) in page.texts() {
                    let b = run.bounds();
                    match clip {
                        Some(clip) => assert!(page.grids.contains(&clip)),
                        None => {
                            assert!(
                                content.contains(&b, 0.01),
                                "page {k}: {:?} at {b:?}",
                                run.text
                            );
                            for grid in &page.grids {
                                assert!(
                                    !b.intersects(grid),
                                    "page {k}: {:?} at {b:?} enters the grid",
                                    run.text
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn lead_annotations_outside_their_panel_are_marked_on_the_rhythm_strip() {
        let fonts = Fonts::load().unwrap();
        let mut input = ReportInput::from_recording(recording());
        input.annotations = vec![Annotation {
            lead: Some(LeadLabel::V5),
            ..Annotation::point(3.1, AnnotationKind::Note, "ST depression")
        }];
        let pages = pages(&input, &fonts).unwrap();
        let marks: Vec<_> = pages[0]
            .texts()
            .into_iter()
            .filter(|(t, clip)| clip.is_some() && t.color == Rgb::ANNOTATION && t.text == "1")
            .collect();
        assert_eq!(marks.len(), 1);
        // On the rhythm row (the bottom quarter of the grid), 3.1 s after the window start.
        let grid = pages[0].grids[0];
        assert!(marks[0].0.y > grid.y + 0.75 * grid.h);
        let x = grid.x + PULSE_SPACE_MM + 3.1 * 25.0;
        assert!((marks[0].0.x - x).abs() < 1.0);
    }

    #[test]
    fn lead_names_are_drawn_over_the_traces_on_a_white_backdrop() {
        // A trace through a panel's top-left corner (a noisy or wandering lead) hid the name:
        // every lead name on the tracing and median pages comes after the traces, each on a
        // white rectangle that holds it.
        let fonts = Fonts::load().unwrap();
        let pages = pages(&ReportInput::from_recording(recording()), &fonts).unwrap();
        let mut checked = 0;
        for page in &pages {
            for item in &page.items {
                let Item::Clip { items, .. } = item else {
                    continue;
                };
                let Some(traces) = items.iter().rposition(
                    |i| matches!(i, Item::Lines { color, width, .. } if *color == Rgb::BLACK && *width == 0.25),
                ) else {
                    continue;
                };
                let names: Vec<usize> = items
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| {
                        matches!(i, Item::Text(t) if t.font == FontKind::Bold && t.color == Rgb::BLACK)
                    })
                    .map(|(k, _)| k)
                    .collect();
                assert!(!names.is_empty());
                for k in names {
                    assert!(k > traces, "a lead name before the traces");
                    let (Item::Rect { rect, fill, .. }, Item::Text(t)) = (&items[k - 1], &items[k])
                    else {
                        panic!("no backdrop before {:?}", items[k]);
                    };
                    assert_eq!(*fill, Some(Rgb::WHITE));
                    assert!(rect.contains(&t.bounds(), 0.5), "{rect:?} {:?}", t.bounds());
                    checked += 1;
                }
            }
        }
        // The 3x4 page's twelve leads and the rhythm strip's at least.
        assert!(checked >= 13, "{checked} lead names");
    }
}
