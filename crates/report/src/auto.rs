//! Defaults a report takes from its recording when the caller does not choose: the tracing-page
//! layout (3x4 + rhythm for a 12-lead, one row per lead otherwise), the extra strips of a long
//! recording, and which annotations are worth listing. The CLI and the app's export dialog
//! both call these, so a report looks the same whichever made it.

use ecg::{AnnotationKind, Lead, LeadLabel};

use crate::input::{Layout, ReportInput, Strip};

/// Most strips a long recording gets from its annotations.
const MAX_ANNOTATION_STRIPS: usize = 8;
/// Strips spread evenly over a long recording without annotations.
const EVEN_STRIPS: usize = 4;
/// Length of each strip and of the tracing-page window, seconds.
const STRIP_S: f64 = 10.0;

/// Whether `lead` is an ECG trace for the tracing page: a channel in volts (a pressure or a
/// plethysmogram has no millimetres per millivolt and would leave its row empty) whose name
/// does not say it records something else (`ecg::LeadLabel::non_ecg_kind`; a fetal ECG is
/// drawn).
pub(crate) fn is_ecg_trace(lead: &Lead) -> bool {
    lead.unit.to_uv_factor().is_some()
        && lead
            .label
            .non_ecg_kind()
            .is_none_or(|kind| kind == "fetal ECG")
}

impl ReportInput {
    /// The leads the tracing page draws: the ECG traces ([`is_ecg_trace`]), or every channel
    /// in volts when none is named as ECG (an EEG file), or every channel when none is in volts.
    fn drawn_leads(&self) -> Vec<&Lead> {
        let leads = &self.recording.leads;
        let ecg: Vec<&Lead> = leads.iter().filter(|l| is_ecg_trace(l)).collect();
        if !ecg.is_empty() {
            return ecg;
        }
        let volts: Vec<&Lead> = leads
            .iter()
            .filter(|l| l.unit.to_uv_factor().is_some())
            .collect();
        if volts.is_empty() {
            leads.iter().collect()
        } else {
            volts
        }
    }

    /// The lead for rhythm strips: II when present, else the first lead drawn
    /// ([`Self::drawn_leads`]: a monitor's ECG, not the pressure channel stored before it).
    pub fn rhythm_lead(&self) -> LeadLabel {
        if self.recording.lead(&LeadLabel::II).is_some() {
            LeadLabel::II
        } else {
            self.drawn_leads()
                .first()
                .map(|l| l.label.clone())
                .unwrap_or(LeadLabel::II)
        }
    }

    /// Sets the layout a cardiologist expects for this recording: 3x4 + rhythm strip when most
    /// of the 12 standard leads are present, else one row per lead drawn (at most
    /// [`Layout::MAX_ROWS`]; a monitor's pressure, plethysmogram and respiration channels
    /// get none).
    pub fn choose_layout(&mut self) {
        self.options.layout = if self.recording.is_twelve_lead() {
            Layout::ThreeByFour {
                rhythm: self.rhythm_lead(),
            }
        } else {
            Layout::Rows(
                self.drawn_leads()
                    .into_iter()
                    .take(Layout::MAX_ROWS)
                    .map(|l| l.label.clone())
                    .collect(),
            )
        };
    }

    /// For a recording longer than the tracing page's 10-s window, adds 10-s strips around the
    /// annotations outside that window (at most 8), or four evenly spaced strips when there
    /// are none. Shorter recordings get no strips.
    pub fn choose_strips(&mut self) {
        let duration = self.recording.duration_s();
        let start = self.options.start_s;
        let window_end = start + STRIP_S;
        if duration <= window_end + 0.5 {
            self.strips.clear();
            return;
        }
        let rhythm = self.rhythm_lead();
        let latest_start = (duration - STRIP_S).max(0.0);
        let outside: Vec<_> = self
            .annotations
            .iter()
            .filter(|a| a.onset_s < start || a.onset_s >= window_end)
            .take(MAX_ANNOTATION_STRIPS)
            .collect();
        self.strips = if outside.is_empty() {
            (1..=EVEN_STRIPS)
                .map(|k| {
                    let s = (duration * k as f64 / (EVEN_STRIPS + 1) as f64 - STRIP_S / 2.0)
                        .clamp(0.0, latest_start);
                    Strip {
                        lead: rhythm.clone(),
                        start_s: s,
                        duration_s: STRIP_S,
                        caption: format!("{s:.0} s"),
                    }
                })
                .collect()
        } else {
            outside
                .iter()
                .map(|a| Strip {
                    lead: a.lead.clone().unwrap_or_else(|| rhythm.clone()),
                    start_s: (a.onset_s - STRIP_S / 2.0).clamp(0.0, latest_start),
                    duration_s: STRIP_S,
                    caption: a.text.clone(),
                })
                .collect()
        };
    }

    /// Drops machine marks (beat labels and wave fiducials, thousands on a Holter) from the
    /// annotations to draw and list, keeping notes, rhythm changes, intervals and calipers.
    pub fn drop_machine_marks(&mut self) {
        self.annotations.retain(|a| {
            !matches!(
                a.kind,
                AnnotationKind::Beat { .. }
                    | AnnotationKind::Wave { .. }
                    | AnnotationKind::WaveSpan { .. }
            )
        });
    }
}

#[cfg(test)]
mod tests {
    use ecg::{Annotation, Lead, Recording, Signal, Unit};

    use super::*;

    fn recording(labels: &[&str], seconds: usize) -> Recording {
        let fs = 100.0;
        let leads = labels
            .iter()
            .map(|l| {
                Lead::new(
                    l,
                    fs,
                    Unit::Millivolt,
                    Signal::from_physical(vec![0.0; seconds * 100]),
                )
            })
            .collect();
        Recording::new(leads)
    }

    #[test]
    fn twelve_leads_get_three_by_four_and_two_leads_get_rows() {
        let mut input = ReportInput::from_recording(recording(
            &[
                "I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6",
            ],
            10,
        ));
        input.choose_layout();
        assert_eq!(
            input.options.layout,
            Layout::ThreeByFour {
                rhythm: LeadLabel::II
            }
        );
        let mut input = ReportInput::from_recording(recording(&["MLII", "V5"], 10));
        input.choose_layout();
        let Layout::Rows(rows) = &input.options.layout else {
            panic!("expected rows, got {:?}", input.options.layout);
        };
        assert_eq!(rows.len(), 2);
        assert_eq!(input.rhythm_lead().name(), "MLII");
    }

    #[test]
    fn a_monitors_pressure_pleth_and_respiration_channels_get_no_rows() {
        // As MIMIC's bedside records store them: pressure in mmHg and the plethysmogram in
        // normalised units before the ECG, respiration in millivolts after it.
        let ch = |name: &str, unit: Unit| {
            Lead::new(name, 125.0, unit, Signal::from_physical(vec![0.0; 1250]))
        };
        let rec = Recording::new(vec![
            ch("ABP", Unit::parse("mmHg")),
            ch("PLETH", Unit::parse("NU")),
            ch("V", Unit::Millivolt),
            ch("II", Unit::Millivolt),
            ch("RESP", Unit::Millivolt),
        ]);
        let mut input = ReportInput::from_recording(rec);
        input.choose_layout();
        let Layout::Rows(rows) = &input.options.layout else {
            panic!("expected rows, got {:?}", input.options.layout);
        };
        let names: Vec<&str> = rows.iter().map(|l| l.name()).collect();
        assert_eq!(names, ["V", "II"]);
        assert_eq!(input.rhythm_lead(), LeadLabel::II);
        // Without II the rhythm strips take the first ECG channel, not the pressure.
        let rec = Recording::new(vec![
            ch("ABP", Unit::parse("mmHg")),
            ch("MCL1", Unit::Millivolt),
        ]);
        assert_eq!(
            ReportInput::from_recording(rec).rhythm_lead().name(),
            "MCL1"
        );
        // A file of nothing but other channels keeps its rows.
        let rec = Recording::new(vec![ch("ABP", Unit::parse("mmHg"))]);
        let mut input = ReportInput::from_recording(rec);
        input.choose_layout();
        assert_eq!(
            input.options.layout,
            Layout::Rows(vec![LeadLabel::parse("ABP")])
        );
    }

    #[test]
    fn long_recordings_get_strips_around_annotations_outside_the_window() {
        let mut input = ReportInput::from_recording(recording(&["II"], 600));
        input.choose_strips();
        assert_eq!(input.strips.len(), 4, "evenly spaced without annotations");
        assert!(input.strips.iter().all(|s| s.start_s <= 590.0));
        input.annotations = vec![
            Annotation::point(3.0, AnnotationKind::Note, "inside"),
            Annotation::point(300.0, AnnotationKind::Note, "pause"),
        ];
        input.choose_strips();
        assert_eq!(input.strips.len(), 1);
        assert_eq!(input.strips[0].caption, "pause");
        assert_eq!(input.strips[0].start_s, 295.0);
        let mut short = ReportInput::from_recording(recording(&["II"], 10));
        short.choose_strips();
        assert!(short.strips.is_empty());
    }
}
