//! Payloads exchanged with the web UI (camelCase on the wire).

use serde::{Deserialize, Serialize};

/// A summary of an opened recording.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordingSummary {
    /// Path opened.
    pub path: String,
    /// Format name.
    pub format: String,
    /// Duration in seconds.
    pub duration_s: f64,
    /// Start time, ISO-8601.
    pub start_time: Option<String>,
    /// Patient display name (rendered as text by the UI, never as HTML).
    pub patient_name: Option<String>,
    /// The patient facts the file states (id, name, birth date...): the store keeps them with
    /// the recording so Compare can find the same patient's other ECGs.
    pub patient: ecg::Patient,
    /// Lead names with rates.
    pub leads: Vec<LeadSummary>,
    /// Warnings raised while reading.
    pub warnings: Vec<String>,
}

/// One lead in a [`RecordingSummary`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LeadSummary {
    /// Display name.
    pub name: String,
    /// Sampling rate in Hz.
    pub sampling_rate_hz: f64,
    /// Number of samples.
    pub n_samples: usize,
    /// Derived from other leads.
    pub derived: bool,
    /// Why the analysis leaves this channel out, when it does ([`signal::left_out_channels`]:
    /// another signal by its name, not in volts, or a sampling rate that does not join the
    /// analysed leads'). The statements then rest on the other leads only, and the screen
    /// says so beside the lead.
    pub not_analysed: Option<String>,
}

impl RecordingSummary {
    /// Summarises a recording.
    pub fn of(path: &std::path::Path, rec: &ecg::Recording) -> Self {
        Self {
            path: path.display().to_string(),
            format: rec.source.format.clone(),
            duration_s: rec.duration_s(),
            start_time: rec.acquisition.start_time.map(|t| t.to_iso8601()),
            patient_name: rec.patient.display_name(),
            patient: rec.patient.clone(),
            leads: rec
                .leads
                .iter()
                .zip(signal::left_out_channels(
                    rec,
                    &signal::AnalysisOptions::default(),
                ))
                .map(|(l, not_analysed)| LeadSummary {
                    name: l.label.name().to_string(),
                    sampling_rate_hz: l.sampling_rate_hz,
                    n_samples: l.n_samples(),
                    derived: l.derived,
                    not_analysed,
                })
                .collect(),
            warnings: rec
                .source
                .warnings
                .iter()
                .map(ToString::to_string)
                .collect(),
        }
    }
}

/// What `open_recording` returns: everything the screen needs.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenedRecording {
    /// Store id used by every other command.
    pub recording_id: i64,
    /// Header facts.
    pub summary: RecordingSummary,
    /// The saved view (defaults when never saved).
    pub view: store::sessions::ViewState,
    /// The first page of live user annotations, by start time.
    pub annotations: Vec<store::annotations::Annotation>,
    /// How many live user annotations there are in all.
    pub annotation_count: u64,
    /// Who signed it, if it is signed (then it is read-only).
    pub signed_by: Option<String>,
}

/// A page of annotations for the list panel.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnnotationPage {
    /// The annotations, by start time.
    pub items: Vec<store::annotations::Annotation>,
    /// How many there are in all.
    pub total: u64,
}

/// One row of the worklist.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WorklistEntry {
    /// Store id.
    pub recording_id: i64,
    /// Last path.
    pub path: String,
    /// Format.
    pub format: String,
    /// Last opened, Unix ms.
    pub last_opened_at_ms: i64,
    /// Who is reading it now, e.g. "dr.a (role dr_a) since 10:02 UTC" (a department's shared
    /// store; on a local store, this user while it is open).
    pub reading_by: Vec<String>,
    /// The signer, once signed.
    pub signed_by: Option<String>,
}

/// The Settings page's database section: what the station file says, what is in use now, and
/// whether `$HEARTLENS_DB` overrides the setting. Never carries a password.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseSetting {
    /// The saved choice: "sqlite" (this computer; also when nothing is saved) or "postgres".
    pub backend: &'static str,
    /// The saved department URL with its password removed.
    pub url: Option<String>,
    /// Whether the saved URL carries a password (kept in the station file, never sent here).
    pub has_password: bool,
    /// `$HEARTLENS_DB` (password removed) when set: it takes priority over the setting.
    pub env_override: Option<String>,
    /// The database this app has open (password removed); None before first use.
    pub in_use: Option<String>,
    /// Its engine: "sqlite" or "postgres".
    pub in_use_backend: Option<&'static str>,
    /// True when the database to open next differs from the one in use: a restart applies it.
    pub restart_needed: bool,
    /// The station file the setting is kept in.
    pub file: String,
}

/// The paper settings the UI controls. Kept in the store's `ViewState` (cabrera and grid in its
/// `extra` map) so a session restores exactly.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ViewSettings {
    /// Layout name: 3x4+1, 3x4+3, 6x2, 12x1, strip, median, overview.
    pub layout: String,
    /// Cabrera limb-lead order.
    pub cabrera: bool,
    /// Paper speed, mm/s (12.5, 25, 50).
    pub speed_mm_s: f64,
    /// Gain, mm/mV (5, 10, 20).
    pub gain_mm_mv: f64,
    /// Draw the 1-mm/5-mm grid.
    pub grid: bool,
    /// Left edge of the window, seconds.
    pub start_s: f64,
    /// Display pixels per millimetre (from the screen's DPI and the zoom).
    pub px_per_mm: f64,
    /// Magnification over true scale (1 = 25 mm/s is 25 mm on screen), kept in the store.
    #[serde(default = "one")]
    pub zoom: f64,
    /// Display filter preset (kept in the store's `filters`).
    #[serde(default)]
    pub filter: reading::display::DisplayFilter,
    /// Machine marks drawn: none (clean paper, the default), the file's or the analysis'
    /// (kept in the store's `extra` map).
    #[serde(default)]
    pub marks: render::Marks,
}

fn one() -> f64 {
    1.0
}

impl ViewSettings {
    /// Seconds of signal a frame `width_px` wide can show from `start_s` (every layout but
    /// the overview shows at most one full-width row of paper); `None` for the overview, which
    /// shows the whole recording.
    pub fn visible_seconds(&self, width_px: u32) -> Option<f64> {
        let px_per_s = self.px_per_mm * self.speed_mm_s;
        if self.layout == "overview" || !px_per_s.is_finite() || px_per_s <= 0.0 {
            return None;
        }
        Some(f64::from(width_px) / px_per_s)
    }

    /// The render scene for this view.
    pub fn to_scene<'a>(
        &self,
        recording: &'a ecg::Recording,
        user_annotations: Vec<ecg::Annotation>,
        analysis: Option<&signal::Analysis>,
    ) -> Result<render::Scene<'a>, crate::error::CommandError> {
        use crate::error::{CommandError, ErrorCode};
        let mut scene = render::Scene::new(recording).with_marks(self.marks, analysis);
        scene.layout = self.layout.parse()?;
        scene.layout.show_a_present_lead(recording);
        scene.order = if self.cabrera {
            render::LeadOrder::Cabrera
        } else {
            render::LeadOrder::Standard
        };
        scene.speed = render::PaperSpeed::from_mm_per_s(self.speed_mm_s).ok_or_else(|| {
            CommandError::new(
                ErrorCode::BadRequest,
                format!("paper speed {} mm/s is not 12.5, 25 or 50", self.speed_mm_s),
            )
        })?;
        scene.gain = render::Gain::from_mm_per_mv(self.gain_mm_mv).ok_or_else(|| {
            CommandError::new(
                ErrorCode::BadRequest,
                format!("gain {} mm/mV is not 5, 10 or 20", self.gain_mm_mv),
            )
        })?;
        scene.grid = render::Grid {
            minor: self.grid,
            major: self.grid,
        };
        scene.start_s = self.start_s.max(0.0);
        scene.px_per_mm = self.px_per_mm;
        scene.center_traces = true;
        scene.annotations.extend(user_annotations);
        scene.validate()?;
        Ok(scene)
    }

    /// The store's view state for this view.
    pub fn to_store(&self) -> store::sessions::ViewState {
        let mut v = store::sessions::ViewState {
            layout: self.layout.clone(),
            speed_mm_s: self.speed_mm_s,
            gain_mm_mv: self.gain_mm_mv,
            position_s: self.start_s,
            zoom: if self.zoom.is_finite() && self.zoom > 0.0 {
                self.zoom
            } else {
                1.0
            },
            filters: serde_json::to_value(self.filter).unwrap_or_default(),
            ..Default::default()
        };
        v.extra.insert("cabrera".into(), self.cabrera.into());
        v.extra.insert("grid".into(), self.grid.into());
        v.extra.insert("marks".into(), self.marks.name().into());
        v
    }
}

/// Whether chat can run and how to get a model.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatStatus {
    /// Installed model names.
    pub models: Vec<String>,
    /// Where models are installed.
    pub models_dir: Option<String>,
    /// What to tell the user when there is none.
    pub help: String,
    /// With no model installed: the catalogue's smallest model, offered for download.
    pub offer: Option<ai::download::CatalogModel>,
}

impl ChatStatus {
    /// Reads the registry.
    pub fn now() -> Self {
        let dir = ai::default_models_dir();
        let models: Vec<String> = dir
            .clone()
            .map(ai::Registry::new)
            .and_then(|r| r.list().ok())
            .unwrap_or_default()
            .into_iter()
            .filter(|m| m.error.is_none())
            .map(|m| m.name)
            .collect();
        let offer = if models.is_empty() {
            ai::download::Catalog::builtin().smallest().cloned()
        } else {
            None
        };
        Self {
            models,
            models_dir: dir.map(|d| d.display().to_string()),
            help: "No model installed. Statements and measurements work without one. Download a recommended model \
                   below or on the Models page (Heartlens only goes online when you ask it to), or import a local \
                   chat GGUF (Phi-3, Qwen2.5, Llama 3) with `heartlens models import`."
                .to_string(),
            offer,
        }
    }
}

/// One clinical claim of an answer, checked against the facts the model was given
/// (`reading::claims`). Offsets count UTF-16 code units, as JavaScript strings do.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimView {
    /// The claim's words.
    pub text: String,
    /// Start in the answer (UTF-16 units).
    pub start: usize,
    /// End in the answer (UTF-16 units).
    pub end: usize,
    /// `supported`, `contradicted` or `not_in_facts`.
    pub status: String,
    /// The fact that supports or contradicts it.
    pub fact: Option<String>,
}

impl ClaimView {
    /// The claims of `answer`, checked against `facts`.
    pub fn check(answer: &str, facts: &reading::claims::Facts) -> Vec<Self> {
        let utf16 = |byte: usize| answer.get(..byte).map_or(0, |s| s.encode_utf16().count());
        reading::claims::check(answer, facts)
            .into_iter()
            .map(|c| Self {
                start: utf16(c.start),
                end: utf16(c.end),
                status: serde_json::to_value(c.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                fact: c.fact,
                text: c.text,
            })
            .collect()
    }
}

/// A chat message as the UI shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatMessageView {
    /// Row id.
    pub id: i64,
    /// user or assistant.
    pub role: String,
    /// Text (rendered as text, never HTML).
    pub text: String,
    /// Model name.
    pub model: Option<String>,
    /// heartcaregpt or grounded.
    pub mode: Option<String>,
    /// streaming, complete, stopped, error.
    pub status: String,
    /// Tokens generated.
    pub tokens: i64,
    /// The answer's clinical claims, checked (assistant messages).
    pub claims: Vec<ClaimView>,
    /// Exactly what the model was told about the tracing (the grounding text), when known.
    pub facts: Option<String>,
}

impl ChatMessageView {
    /// Adds the claim check and the facts card to an assistant message.
    pub fn checked(mut self, told: &str, facts: &reading::claims::Facts) -> Self {
        if self.role == "assistant" {
            self.claims = ClaimView::check(&self.text, facts);
            self.facts = Some(told.to_string());
        }
        self
    }
}

impl From<store::chats::ChatMessage> for ChatMessageView {
    fn from(m: store::chats::ChatMessage) -> Self {
        Self {
            id: m.id,
            role: serde_json::to_value(m.role)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            text: m.text,
            model: m.model_id,
            mode: m.mode,
            status: match m.status {
                store::chats::MessageStatus::Streaming => "streaming".into(),
                store::chats::MessageStatus::Complete => "complete".into(),
                store::chats::MessageStatus::Stopped => "stopped".into(),
                store::chats::MessageStatus::Error(e) => format!("error: {e}"),
            },
            tokens: m.completion_tokens,
            claims: Vec::new(),
            facts: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_offsets_are_utf16_units_for_the_ui() {
        let facts = reading::claims::Facts {
            measurements: Some(ecg::Measurements {
                hr: Some(ecg::Bpm(61.0)),
                ..Default::default()
            }),
            ..Default::default()
        };
        let answer = "Fréquence 𝟙: the heart rate is 102 bpm.";
        let c = ClaimView::check(answer, &facts);
        assert_eq!(c.len(), 1);
        let units: Vec<u16> = answer.encode_utf16().collect();
        assert_eq!(
            String::from_utf16(&units[c[0].start..c[0].end]).unwrap(),
            "heart rate is 102 bpm"
        );
        assert_eq!(c[0].status, "contradicted");
        assert_eq!(
            serde_json::to_value(&c[0]).unwrap()["fact"],
            "measured heart rate 61 bpm"
        );
    }

    #[test]
    fn the_summary_says_which_channels_the_analysis_leaves_out() {
        let lead = |name: &str, fs: f64| {
            ecg::Lead::new(
                name,
                fs,
                ecg::Unit::Millivolt,
                ecg::Signal::from_physical(vec![0.0f32; (fs * 10.0) as usize]),
            )
        };
        let mut pressure = lead("Ch5", 500.0);
        pressure.unit = ecg::Unit::Other("mmHg".into());
        let rec = ecg::Recording::new(vec![
            lead("II", 500.0),
            lead("V1", 250.1),
            lead("Resp thorax", 500.0),
            pressure,
        ]);
        let s = RecordingSummary::of(std::path::Path::new("x.edf"), &rec);
        let why: Vec<Option<&str>> = s.leads.iter().map(|l| l.not_analysed.as_deref()).collect();
        assert_eq!(why[0], None);
        assert!(why[1].is_some_and(|w| w.contains("250.1 Hz")), "{why:?}");
        assert_eq!(why[2], Some("respiration, not an ECG lead"));
        assert_eq!(why[3], Some("not a voltage channel (mmHg, 500 Hz)"));
        let wire = serde_json::to_value(&s.leads[2]).unwrap();
        assert_eq!(wire["notAnalysed"], "respiration, not an ECG lead");
    }

    fn view(layout: &str) -> ViewSettings {
        serde_json::from_value(serde_json::json!({
            "layout": layout, "cabrera": false, "speedMmS": 25.0, "gainMmMv": 10.0,
            "grid": true, "startS": 12.0, "pxPerMm": 4.0
        }))
        .expect("the UI's ViewSettings shape deserialises")
    }

    #[test]
    fn visible_window_follows_paper_speed_and_overview_shows_all() {
        // 1000 px at 4 px/mm and 25 mm/s = 10 s of paper.
        assert_eq!(view("3x4+1").visible_seconds(1000), Some(10.0));
        assert_eq!(view("overview").visible_seconds(1000), None);
        assert_eq!(
            view("3x4+1").filter,
            reading::display::DisplayFilter::Off,
            "views saved before filters existed open unfiltered"
        );
        let mut v = view("6x2");
        v.filter = reading::display::DisplayFilter::Monitoring60;
        assert_eq!(v.to_store().filters, serde_json::json!("monitoring60"));
        assert_eq!(
            view("6x2").marks,
            render::Marks::None,
            "clean paper by default"
        );
        v.marks = render::Marks::Analysis;
        assert_eq!(v.to_store().extra["marks"], serde_json::json!("analysis"));
    }
}
