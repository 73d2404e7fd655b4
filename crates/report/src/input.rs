//! What a report is made of: [`ReportInput`] and its plain parts ([`ReportStatement`],
//! [`ChatExchange`], [`Signature`], [`Strip`]) and the [`ReportOptions`] that shape it.
//!
//! Everything here is a plain value built from `ecg` types and strings: the report crate knows
//! nothing about the store or the model layer. The CLI and the app convert their session rows
//! (statement reviews, chat turns, signatures) into these types before calling [`crate::Report`].

use ecg::{
    Annotation, AnnotationKind, AnnotationSource, Lead, LeadLabel, Measurements, MedianBeats,
    Recording, Signal, Statement, Unit, WavePoint,
};

/// Paper size. Reports are always landscape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Paper {
    /// ISO A4, 297 x 210 mm landscape.
    #[default]
    A4,
    /// US Letter, 279.4 x 215.9 mm landscape.
    Letter,
}

impl Paper {
    /// Landscape width and height in millimetres.
    pub fn size_mm(self) -> (f32, f32) {
        match self {
            Paper::A4 => (297.0, 210.0),
            Paper::Letter => (279.4, 215.9),
        }
    }
}

/// How the leads are arranged on the tracing page.
#[derive(Debug, Clone, PartialEq)]
pub enum Layout {
    /// The conventional 3 rows x 4 columns of 2.5 s (I II III | aVR aVL aVF | V1 V2 V3 |
    /// V4 V5 V6), plus a 10-s rhythm strip of the given lead underneath.
    ThreeByFour {
        /// The rhythm-strip lead (usually II).
        rhythm: LeadLabel,
    },
    /// One full-width 10-s row per lead, in the given order (the session's layout). At most
    /// [`Layout::MAX_ROWS`] rows fit on the tracing page; further leads are ignored there.
    Rows(Vec<LeadLabel>),
}

impl Layout {
    /// The most rows the tracing page holds in [`Layout::Rows`].
    pub const MAX_ROWS: usize = 6;
}

impl Default for Layout {
    fn default() -> Self {
        Layout::ThreeByFour {
            rhythm: LeadLabel::II,
        }
    }
}

/// Options chosen in the export dialog or on the command line.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportOptions {
    /// Paper size.
    pub paper: Paper,
    /// Lead layout of the tracing page.
    pub layout: Layout,
    /// Start of the 10-s window shown on the tracing page, in seconds from the recording start.
    pub start_s: f64,
    /// Drop the patient's name, identifier and birth date (age and sex stay), and the source
    /// file path.
    pub deidentify: bool,
    /// Include the chat exchanges page.
    pub include_chat: bool,
}

impl Default for ReportOptions {
    fn default() -> Self {
        Self {
            paper: Paper::A4,
            layout: Layout::default(),
            start_s: 0.0,
            deidentify: false,
            include_chat: true,
        }
    }
}

/// An interpretation statement with who reviewed it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportStatement {
    /// The statement and its review state.
    pub statement: Statement,
    /// Who confirmed, edited or rejected it, if anyone.
    pub reviewed_by: Option<String>,
    /// R-peak times (seconds from the recording's start) of the beats the statement rests on
    /// (its evidence's beats, from the analysis: [`ReportInput::with_analysis`]); empty when
    /// it names none.
    pub beat_times_s: Vec<f64>,
}

impl From<Statement> for ReportStatement {
    fn from(statement: Statement) -> Self {
        Self {
            statement,
            reviewed_by: None,
            beat_times_s: Vec::new(),
        }
    }
}

/// One question and answer from the chat, chosen by the user for the report.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatExchange {
    /// The clinician's question.
    pub question: String,
    /// The model's answer.
    pub answer: String,
    /// The model that answered (name as registered, e.g. "HeartcareGPT Q4").
    pub model: String,
    /// How the tracing reached the model (e.g. "signal tokens", "text").
    pub mode: String,
    /// When it was asked, as the store shows it (printed verbatim).
    pub time: String,
    /// The answer's clinical claims checked against the facts, printed beside it.
    pub checks: Vec<ClaimCheck>,
}

/// One checked claim of a chat answer, as the report prints it (the check itself is
/// `reading::claims`).
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimCheck {
    /// The claim's words in the answer.
    pub claim: String,
    /// "supported", "contradicted" or "not in the facts".
    pub verdict: String,
    /// The fact that supports or contradicts it.
    pub fact: Option<String>,
    /// Contradicted claims are printed in red.
    pub contradicted: bool,
}

/// The reader's signature.
#[derive(Debug, Clone, PartialEq)]
pub struct Signature {
    /// Who signs.
    pub name: String,
    /// When, as shown to the signer (printed verbatim).
    pub time: String,
    /// What the signature means (e.g. "Read and confirmed").
    pub meaning: String,
}

/// A strip of one lead chosen for the report (long recordings: an episode, an annotation).
#[derive(Debug, Clone, PartialEq)]
pub struct Strip {
    /// The lead.
    pub lead: LeadLabel,
    /// Start in seconds from the recording start.
    pub start_s: f64,
    /// Length in seconds; at most 10 s are drawn (250 mm at 25 mm/s).
    pub duration_s: f64,
    /// A caption printed above the strip.
    pub caption: String,
}

/// Everything one report shows.
#[derive(Debug, Clone)]
pub struct ReportInput {
    /// The recording: leads, demographics, acquisition, median beats.
    pub recording: Recording,
    /// The measurements to print (from analysis or the device).
    pub measurements: Measurements,
    /// Interpretation statements with their review state.
    pub statements: Vec<ReportStatement>,
    /// Annotations to draw on the tracing and list.
    pub annotations: Vec<Annotation>,
    /// Chat exchanges chosen for the report.
    pub chat: Vec<ChatExchange>,
    /// The signature, if the report is signed.
    pub signature: Option<Signature>,
    /// Extra strips (long recordings).
    pub strips: Vec<Strip>,
    /// Comparison with a prior ECG, as lines ("Compared with the ECG of DATE", then each
    /// change: "QTc (Bazett) 415 -> 453 ms (+38 ms)", "New: ..."); printed after the
    /// interpretation. Empty when no prior was compared.
    pub comparison: Vec<String>,
    /// Options.
    pub options: ReportOptions,
}

impl ReportInput {
    /// A report of a recording with its device measurements and statements, its file
    /// annotations and default options.
    pub fn from_recording(recording: Recording) -> Self {
        Self {
            measurements: recording.device_measurements.clone().unwrap_or_default(),
            statements: recording
                .device_statements
                .iter()
                .cloned()
                .map(ReportStatement::from)
                .collect(),
            annotations: recording.annotations.clone(),
            recording,
            chat: Vec::new(),
            signature: None,
            strips: Vec::new(),
            comparison: Vec::new(),
            options: ReportOptions::default(),
        }
    }
}

impl ReportInput {
    /// Takes measurements, statements (as suggested) and, when the file has none, median beats
    /// with their fiducials from Heartlens' own analysis (`signal::analyze`).
    pub fn with_analysis(mut self, analysis: &signal::Analysis) -> Self {
        self.measurements = analysis.measurements.clone();
        self.statements = analysis
            .statements
            .iter()
            .map(|s| ReportStatement {
                beat_times_s: analysis.beat_times_s(&s.evidence.beats),
                ..ReportStatement::from(s.clone())
            })
            .collect();
        if self.recording.median_beats.is_none() && !analysis.medians.is_empty() {
            let fs = analysis.median_fs_hz();
            let leads = analysis
                .medians
                .iter()
                .map(|m| {
                    let mut lead = Lead::new(
                        m.lead.name(),
                        m.fs_hz,
                        Unit::Millivolt,
                        Signal::from_physical(m.samples_mv.clone()),
                    );
                    lead.label = m.lead.clone();
                    lead
                })
                .collect();
            let mut fiducials = Vec::new();
            for w in &analysis.median_waves {
                for (point, sample) in [
                    (WavePoint::Onset, w.onset_sample),
                    (WavePoint::Offset, w.offset_sample),
                ] {
                    if let Some(s) = sample {
                        fiducials.push(Annotation {
                            source: AnnotationSource::Analysis,
                            ..Annotation::point(
                                s as f64 / fs,
                                AnnotationKind::Wave {
                                    wave: w.kind,
                                    point,
                                },
                                "",
                            )
                        });
                    }
                }
            }
            self.recording.median_beats = Some(MedianBeats {
                sampling_rate_hz: fs,
                leads,
                fiducials,
            });
        }
        self
    }
}
