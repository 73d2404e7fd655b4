//! [`Scene`]: everything that decides what a frame shows — which recording, which layout, paper
//! speed and gain, grid, colours, time window, lead order, committed annotations, insets and the
//! display's pixels per millimetre. A scene is cheap to build per frame; it borrows the
//! recording and never copies samples.
//!
//! Calibration is physical: positions are computed in millimetres of paper and converted with
//! [`Scene::px_per_mm`], so 25 mm/s and 10 mm/mV are true on any display whose pixels per mm
//! the caller states (for PNG export, `dpi / 25.4`).

use std::fmt;
use std::str::FromStr;

use ecg::{Annotation, AnnotationKind, AnnotationSource, LeadLabel, Recording};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Millimetres in an inch: converts DPI to pixels per millimetre.
pub const MM_PER_INCH: f64 = 25.4;

/// Paper speed (IEC 60601-2-25 clause 201.12.4.107 lists 25 and 50 mm/s; 12.5 mm/s is common
/// for rhythm review).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum PaperSpeed {
    /// 12.5 mm/s.
    Mm12_5,
    /// 25 mm/s (the default).
    #[default]
    Mm25,
    /// 50 mm/s.
    Mm50,
}

impl PaperSpeed {
    /// Millimetres of paper per second.
    pub fn mm_per_s(self) -> f64 {
        match self {
            PaperSpeed::Mm12_5 => 12.5,
            PaperSpeed::Mm25 => 25.0,
            PaperSpeed::Mm50 => 50.0,
        }
    }

    /// The speed for a value in mm/s (12.5, 25 or 50).
    pub fn from_mm_per_s(v: f64) -> Option<Self> {
        [PaperSpeed::Mm12_5, PaperSpeed::Mm25, PaperSpeed::Mm50]
            .into_iter()
            .find(|s| (s.mm_per_s() - v).abs() < 1e-9)
    }
}

/// Amplitude gain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Gain {
    /// 5 mm/mV.
    Mm5,
    /// 10 mm/mV (the default).
    #[default]
    Mm10,
    /// 20 mm/mV.
    Mm20,
}

impl Gain {
    /// Millimetres of paper per millivolt.
    pub fn mm_per_mv(self) -> f64 {
        match self {
            Gain::Mm5 => 5.0,
            Gain::Mm10 => 10.0,
            Gain::Mm20 => 20.0,
        }
    }

    /// The gain for a value in mm/mV (5, 10 or 20).
    pub fn from_mm_per_mv(v: f64) -> Option<Self> {
        [Gain::Mm5, Gain::Mm10, Gain::Mm20]
            .into_iter()
            .find(|g| (g.mm_per_mv() - v).abs() < 1e-9)
    }
}

/// Which grid lines are drawn: 1 mm (minor) and 5 mm (major).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grid {
    /// Draw the 1-mm lines.
    pub minor: bool,
    /// Draw the 5-mm lines.
    pub major: bool,
}

impl Default for Grid {
    fn default() -> Self {
        Self {
            minor: true,
            major: true,
        }
    }
}

/// An sRGB colour with alpha, 8 bits per channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rgba(pub [u8; 4]);

impl Rgba {
    /// An opaque colour.
    pub const fn rgb(r: u8, g: u8, b: u8) -> Self {
        Rgba([r, g, b, 255])
    }

    /// Components in 0..=1.
    pub fn to_f32(self) -> [f32; 4] {
        self.0.map(|c| f32::from(c) / 255.0)
    }
}

/// The palette. The default is the classic pink paper with black traces.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Colors {
    /// Paper background.
    pub paper: Rgba,
    /// 1-mm grid lines.
    pub minor: Rgba,
    /// 5-mm grid lines.
    pub major: Rgba,
    /// Traces.
    pub trace: Rgba,
    /// Calibration pulses.
    pub calibration: Rgba,
    /// Lead labels, headers and calibration text.
    pub text: Rgba,
    /// Committed annotations (beat codes, notes, spans).
    pub annotation: Rgba,
    /// Wave fiducials (onset, peak, offset marks).
    pub fiducial: Rgba,
}

impl Default for Colors {
    fn default() -> Self {
        Self {
            paper: Rgba::rgb(255, 250, 250),
            minor: Rgba::rgb(246, 200, 200),
            major: Rgba::rgb(226, 130, 130),
            trace: Rgba::rgb(0, 0, 0),
            calibration: Rgba::rgb(0, 0, 0),
            text: Rgba::rgb(20, 20, 20),
            annotation: Rgba::rgb(0, 70, 200),
            fiducial: Rgba::rgb(0, 140, 70),
        }
    }
}

impl Colors {
    /// White paper with grey grid, for monochrome printing.
    pub fn monochrome() -> Self {
        Self {
            paper: Rgba::rgb(255, 255, 255),
            minor: Rgba::rgb(225, 225, 225),
            major: Rgba::rgb(170, 170, 170),
            annotation: Rgba::rgb(60, 60, 60),
            fiducial: Rgba::rgb(90, 90, 90),
            ..Self::default()
        }
    }
}

/// Display order of the six limb leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum LeadOrder {
    /// I, II, III, aVR, aVL, aVF.
    #[default]
    Standard,
    /// Cabrera: aVL, I, -aVR, II, aVF, III (the hexaxial circle from -30° to +120°).
    Cabrera,
}

impl LeadOrder {
    /// The twelve leads in this order (precordial leads V1..V6 follow the limb leads).
    pub fn twelve(self) -> [LeadLabel; 12] {
        use LeadLabel::*;
        match self {
            LeadOrder::Standard => LeadLabel::STANDARD_12,
            LeadOrder::Cabrera => [AVL, I, NegAVR, II, AVF, III, V1, V2, V3, V4, V5, V6],
        }
    }
}

/// How leads are arranged on the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Layout {
    /// Three rows of four 2.5-s columns (12 leads), plus full-width rhythm strips below
    /// (`3x4+1` with one rhythm lead, `3x4+3` with three).
    ThreeByFour {
        /// Leads of the full-width rhythm strips, top to bottom.
        rhythm: Vec<LeadLabel>,
    },
    /// Six rows of two columns (limb leads left, precordial right).
    SixByTwo,
    /// Twelve full-width rows, all simultaneous.
    TwelveByOne,
    /// Every lead the recording has, in file order, one full-width row each, all simultaneous
    /// (at most [`Layout::MAX_LEAD_ROWS`]): the layout for 2- and 3-lead Holter and
    /// non-standard recordings, whose leads a 12-lead layout would show as absent.
    RecordingLeads,
    /// One lead on consecutive rows (each row continues where the previous ended).
    Strip {
        /// The lead.
        lead: LeadLabel,
        /// Number of rows.
        rows: u32,
    },
    /// The representative beats (`Recording::median_beats`), one cell per lead, 3x4.
    MedianBeats,
    /// Long-record overview for Holter files: one lead, `seconds_per_row` per row (the time
    /// axis is compressed; the amplitude gain stays calibrated).
    Overview {
        /// The lead.
        lead: LeadLabel,
        /// Seconds of signal per row (e.g. 300 for 5 minutes).
        seconds_per_row: f64,
        /// Number of rows.
        rows: u32,
    },
}

impl Layout {
    /// Most rows [`Layout::RecordingLeads`] draws.
    pub const MAX_LEAD_ROWS: usize = 16;

    /// Applies a caller's options to a parsed layout: `leads` are the rhythm strips of 3x4 (or the
    /// one lead of strip and overview: the first), `rows` the rows of strip and overview,
    /// `minutes_per_row` the overview's rows. Returns false, and changes nothing, when
    /// leads are given for a layout that has no rhythm or single lead.
    pub fn with_options(
        &mut self,
        leads: Option<Vec<LeadLabel>>,
        rows: Option<u32>,
        minutes_per_row: f64,
    ) -> bool {
        match (self, leads) {
            (Layout::ThreeByFour { rhythm }, Some(l)) => *rhythm = l,
            (Layout::Strip { lead, rows: r }, l) => {
                if let Some(first) = l.and_then(|l| l.into_iter().next()) {
                    *lead = first;
                }
                if let Some(n) = rows {
                    *r = n;
                }
            }
            (
                Layout::Overview {
                    lead,
                    seconds_per_row,
                    rows: r,
                },
                l,
            ) => {
                if let Some(first) = l.and_then(|l| l.into_iter().next()) {
                    *lead = first;
                }
                *seconds_per_row = minutes_per_row * 60.0;
                if let Some(n) = rows {
                    *r = n;
                }
            }
            (_, Some(_)) => return false,
            _ => {}
        }
        true
    }

    /// Strip and overview name lead II by default: point them at the recording's first lead
    /// when it has no such lead (a 1-lead file, a Holter's "ECG1").
    pub fn show_a_present_lead(&mut self, recording: &Recording) {
        if let Layout::Strip { lead, .. } | Layout::Overview { lead, .. } = self
            && recording.lead(lead).is_none()
            && let Some(first) = recording.leads.first()
        {
            *lead = first.label.clone();
        }
    }

    /// `3x4+1` with the given rhythm lead.
    pub fn three_by_four_plus_one(rhythm: LeadLabel) -> Self {
        Layout::ThreeByFour {
            rhythm: vec![rhythm],
        }
    }

    /// `3x4+3` with the given rhythm leads (conventionally V1, II, V5).
    pub fn three_by_four_plus_three(rhythm: [LeadLabel; 3]) -> Self {
        Layout::ThreeByFour {
            rhythm: rhythm.to_vec(),
        }
    }

    /// Short name, as the CLI spells it.
    pub fn name(&self) -> String {
        match self {
            Layout::ThreeByFour { rhythm } if rhythm.is_empty() => "3x4".into(),
            Layout::ThreeByFour { rhythm } => format!("3x4+{}", rhythm.len()),
            Layout::SixByTwo => "6x2".into(),
            Layout::TwelveByOne => "12x1".into(),
            Layout::RecordingLeads => "leads".into(),
            Layout::Strip { .. } => "strip".into(),
            Layout::MedianBeats => "median".into(),
            Layout::Overview { .. } => "overview".into(),
        }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// Parses the CLI spelling: `3x4`, `3x4+1`, `3x4+3`, `6x2`, `12x1`, `leads`, `strip`, `median`,
/// `overview`. Rhythm and strip leads get conventional defaults (II; V1, II, V5); overview
/// shows lead II (or the first lead) at 5 minutes per row.
impl FromStr for Layout {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        use LeadLabel::*;
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "3x4" => Layout::ThreeByFour { rhythm: Vec::new() },
            "3x4+1" => Layout::three_by_four_plus_one(II),
            "3x4+3" => Layout::three_by_four_plus_three([V1, II, V5]),
            "6x2" => Layout::SixByTwo,
            "12x1" => Layout::TwelveByOne,
            "leads" | "all" => Layout::RecordingLeads,
            "strip" | "single" | "1x1" => Layout::Strip { lead: II, rows: 4 },
            "median" | "medians" => Layout::MedianBeats,
            "overview" | "holter" => Layout::Overview {
                lead: II,
                seconds_per_row: 300.0,
                rows: 12,
            },
            other => {
                return Err(Error::Scene {
                    field: "layout",
                    message: format!(
                        "unknown layout {other:?} (expected 3x4, 3x4+1, 3x4+3, 6x2, 12x1, leads, strip, median or overview)"
                    ),
                });
            }
        })
    }
}

/// Which machine marks a frame shows: beat labels and the P/QRS/T onsets and offsets. Clean
/// paper ([`Marks::None`]) is the default, as on a cart's printout; the reader asks for marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Marks {
    /// Clean paper: no machine marks.
    #[default]
    None,
    /// The marks stored in the file (WFDB annotators, EDF+ annotations, device fiducials).
    File,
    /// Heartlens' own analysis: every beat and each lead's P, QRS and T onset and offset.
    Analysis,
}

impl Marks {
    /// The name the CLI and the UI use: `none`, `file` or `analysis`.
    pub fn name(self) -> &'static str {
        match self {
            Marks::None => "none",
            Marks::File => "file",
            Marks::Analysis => "analysis",
        }
    }
}

impl FromStr for Marks {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" | "off" => Ok(Marks::None),
            "file" => Ok(Marks::File),
            "analysis" => Ok(Marks::Analysis),
            other => Err(Error::Scene {
                field: "marks",
                message: format!("unknown marks {other:?} (expected none, file or analysis)"),
            }),
        }
    }
}

/// True for machine marks (beat labels, wave fiducials and spans), which [`Scene::marks`]
/// carries, as opposed to the reader's annotations (notes, rhythm changes, intervals,
/// calipers), which [`Scene::annotations`] carries.
pub fn is_machine_mark(a: &Annotation) -> bool {
    matches!(
        a.kind,
        AnnotationKind::Beat { .. } | AnnotationKind::Wave { .. } | AnnotationKind::WaveSpan { .. }
    )
}

/// The marks of an analysis: each beat's class code at its R peak (all leads) and, per lead,
/// each delineated wave from onset to offset.
pub fn analysis_marks(analysis: &signal::Analysis) -> Vec<Annotation> {
    let fs = analysis.fs_hz;
    let mut out: Vec<Annotation> = analysis
        .beats
        .iter()
        .map(|b| Annotation {
            source: AnnotationSource::Analysis,
            ..Annotation::point(
                b.r_s,
                AnnotationKind::Beat {
                    code: b.class.code().to_string(),
                },
                "",
            )
        })
        .collect();
    if !(fs.is_finite() && fs > 0.0) {
        return out;
    }
    for lw in &analysis.waves {
        for w in &lw.waves {
            if let (Some(on), Some(off)) = (w.onset_sample, w.offset_sample)
                && off >= on
            {
                out.push(Annotation {
                    onset_s: on as f64 / fs,
                    duration_s: (off - on) as f64 / fs,
                    lead: Some(lw.lead.clone()),
                    kind: AnnotationKind::WaveSpan { wave: w.kind },
                    text: String::new(),
                    source: AnnotationSource::Analysis,
                });
            }
        }
    }
    out
}

/// A small analysis plot drawn with egui_plot on top of the paper.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum InsetKind {
    /// RR intervals (s) against time (s), from the beat annotations of the scene.
    RrTachogram,
    /// The recording's median beat of one lead, in mV against ms.
    MedianBeat(LeadLabel),
}

/// Where and what an inset plot is. The rectangle is in millimetres from the page's top-left.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inset {
    /// What to plot.
    pub kind: InsetKind,
    /// `[x, y, width, height]` in mm.
    pub rect_mm: [f64; 4],
}

/// A full description of one frame.
#[derive(Debug, Clone)]
pub struct Scene<'a> {
    /// The recording shown.
    pub recording: &'a Recording,
    /// Page arrangement.
    pub layout: Layout,
    /// Paper speed.
    pub speed: PaperSpeed,
    /// Amplitude gain.
    pub gain: Gain,
    /// Grid lines.
    pub grid: Grid,
    /// Palette.
    pub colors: Colors,
    /// Limb lead order.
    pub order: LeadOrder,
    /// Start of the time window in seconds from the recording start. The window's length
    /// follows from the viewport width and the paper speed.
    pub start_s: f64,
    /// Compute leads the file lacks (III, aVR, aVL, aVF from I and II; -aVR from aVR) instead
    /// of leaving their cells empty.
    pub derive_leads: bool,
    /// Committed annotations to draw: the reader's notes, intervals and calipers and the
    /// file's notes and rhythm changes. Machine marks go in [`Scene::marks`]; transient
    /// overlays stay in the UI.
    pub annotations: Vec<Annotation>,
    /// Machine marks to draw (see [`Marks`] and [`Scene::with_marks`]): beat labels, and wave
    /// onsets and offsets as small ticks on the trace, unlabelled (the UI labels them on
    /// hover from [`crate::Frame::marks`]). Empty for clean paper.
    pub marks: Vec<Annotation>,
    /// Draw the median beats' fiducials in the median layout (set with the marks).
    pub median_fiducials: bool,
    /// Display resolution: pixels per millimetre of paper.
    pub px_per_mm: f64,
    /// Trace line width in millimetres (drawn at least 1 px wide).
    pub trace_width_mm: f64,
    /// Header line (patient, date, device) printed at the top; `None` leaves no header band.
    pub header: Option<String>,
    /// Print lead names in each cell.
    pub lead_labels: bool,
    /// Small analysis plots (egui_plot).
    pub insets: Vec<Inset>,
    /// Draw each cell's trace about the median of its own samples, as carts print (an
    /// electrode's DC offset is not part of the ECG and would push the trace out of its row).
    /// The panel geometry's baseline moves with it, so pointer readouts stay true voltages.
    pub center_traces: bool,
}

impl<'a> Scene<'a> {
    /// A 3x4+1 (rhythm II) scene at 25 mm/s, 10 mm/mV, full grid, standard order, at 96 DPI,
    /// showing the recording's own annotations on clean paper (no machine marks).
    pub fn new(recording: &'a Recording) -> Self {
        Self {
            recording,
            layout: Layout::three_by_four_plus_one(LeadLabel::II),
            speed: PaperSpeed::Mm25,
            gain: Gain::Mm10,
            grid: Grid::default(),
            colors: Colors::default(),
            order: LeadOrder::Standard,
            start_s: 0.0,
            derive_leads: true,
            annotations: recording
                .annotations
                .iter()
                .filter(|a| !is_machine_mark(a))
                .cloned()
                .collect(),
            marks: Vec::new(),
            median_fiducials: false,
            px_per_mm: 96.0 / MM_PER_INCH,
            trace_width_mm: 0.25,
            header: None,
            lead_labels: true,
            insets: Vec::new(),
            center_traces: false,
        }
    }

    /// Shows the machine marks of `source`: the recording's own, or those of `analysis`
    /// (none when no analysis is given).
    pub fn with_marks(mut self, source: Marks, analysis: Option<&signal::Analysis>) -> Self {
        self.marks = match source {
            Marks::None => Vec::new(),
            Marks::File => self
                .recording
                .annotations
                .iter()
                .filter(|a| is_machine_mark(a))
                .cloned()
                .collect(),
            Marks::Analysis => analysis.map(analysis_marks).unwrap_or_default(),
        };
        self.median_fiducials = source != Marks::None;
        self
    }

    /// Sets pixels per millimetre from dots per inch.
    pub fn with_dpi(mut self, dpi: f64) -> Self {
        self.px_per_mm = dpi / MM_PER_INCH;
        self
    }

    /// Checks the numeric fields; errors name the field.
    pub fn validate(&self) -> Result<()> {
        let bad = |field, message: String| Err(Error::Scene { field, message });
        if !(self.px_per_mm.is_finite() && (0.5..=200.0).contains(&self.px_per_mm)) {
            return bad(
                "px_per_mm",
                format!("{} is outside 0.5..=200 px/mm", self.px_per_mm),
            );
        }
        if !self.start_s.is_finite() || self.start_s < 0.0 {
            return bad("start_s", format!("{} must be a time >= 0 s", self.start_s));
        }
        if !(self.trace_width_mm.is_finite() && (0.0..=5.0).contains(&self.trace_width_mm)) {
            return bad(
                "trace_width_mm",
                format!("{} is outside 0..=5 mm", self.trace_width_mm),
            );
        }
        match &self.layout {
            Layout::Strip { rows, .. } if !(1..=64).contains(rows) => {
                bad("layout.rows", format!("{rows} is outside 1..=64"))
            }
            Layout::Overview {
                rows,
                seconds_per_row,
                ..
            } => {
                if !(1..=256).contains(rows) {
                    return bad("layout.rows", format!("{rows} is outside 1..=256"));
                }
                if !(seconds_per_row.is_finite() && *seconds_per_row >= 1.0) {
                    return bad(
                        "layout.seconds_per_row",
                        format!("{seconds_per_row} must be >= 1 s"),
                    );
                }
                Ok(())
            }
            Layout::ThreeByFour { rhythm } if rhythm.len() > 6 => bad(
                "layout.rhythm",
                format!("{} rhythm strips (at most 6)", rhythm.len()),
            ),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_strip_shows_a_lead_the_recording_has() {
        let one = |name: &str| {
            Recording::new(vec![ecg::Lead::new(
                name,
                250.0,
                ecg::Unit::Millivolt,
                ecg::Signal::from_physical(vec![0.0; 10]),
            )])
        };
        let mut strip: Layout = "strip".parse().unwrap();
        strip.show_a_present_lead(&one("II"));
        assert_eq!(
            strip,
            Layout::Strip {
                lead: LeadLabel::II,
                rows: 4
            }
        );
        strip.show_a_present_lead(&one("ECG1"));
        assert_eq!(
            strip,
            Layout::Strip {
                lead: LeadLabel::parse("ECG1"),
                rows: 4
            }
        );
        let mut twelve = Layout::TwelveByOne;
        twelve.show_a_present_lead(&one("ECG1"));
        assert_eq!(twelve, Layout::TwelveByOne);
        assert!(!one("II").is_twelve_lead());
    }

    #[test]
    fn layouts_parse_from_cli_names_and_print_back() {
        for name in [
            "3x4", "3x4+1", "3x4+3", "6x2", "12x1", "strip", "median", "overview",
        ] {
            let l: Layout = name.parse().unwrap();
            assert_eq!(l.name(), name);
        }
        let err = "4x4".parse::<Layout>().unwrap_err().to_string();
        assert!(err.contains("scene.layout") && err.contains("4x4"), "{err}");
    }

    #[test]
    fn cabrera_order_runs_around_the_hexaxial_circle() {
        let names: Vec<_> = LeadOrder::Cabrera.twelve()[..6]
            .iter()
            .map(|l| l.name().to_string())
            .collect();
        assert_eq!(names, ["aVL", "I", "-aVR", "II", "aVF", "III"]);
    }

    #[test]
    fn speed_and_gain_round_trip_their_values() {
        assert_eq!(PaperSpeed::from_mm_per_s(12.5), Some(PaperSpeed::Mm12_5));
        assert_eq!(Gain::from_mm_per_mv(20.0), Some(Gain::Mm20));
        assert_eq!(Gain::from_mm_per_mv(15.0), None);
    }

    #[test]
    fn validation_names_the_field() {
        let rec = Recording::default();
        let mut s = Scene::new(&rec);
        s.px_per_mm = f64::NAN;
        assert!(s.validate().unwrap_err().to_string().contains("px_per_mm"));
        let mut s = Scene::new(&rec);
        s.start_s = -1.0;
        assert!(s.validate().unwrap_err().to_string().contains("start_s"));
    }
}
