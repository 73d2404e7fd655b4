//! Time-anchored marks on a recording: beat labels, wave fiducials (P/QRS/T onset, peak,
//! offset), rhythm changes, free notes, intervals and caliper measurements.
//!
//! The same type carries marks read from files (WFDB `.atr`, EDF+ TAL, DICOM fiducials),
//! marks found by analysis, and marks a user made; [`AnnotationSource`] says which.

use serde::{Deserialize, Serialize};

use crate::label::LeadLabel;

/// Which wave a fiducial belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WaveKind {
    /// P wave.
    P,
    /// QRS complex.
    Qrs,
    /// T wave.
    T,
    /// U wave.
    U,
}

/// Which point of a wave a fiducial marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WavePoint {
    /// Onset.
    Onset,
    /// Peak.
    Peak,
    /// Offset.
    Offset,
}

/// What an annotation means.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum AnnotationKind {
    /// A beat label (WFDB/MIT codes: `N`, `V`, `A`, `/`...).
    Beat {
        /// The code as written.
        code: String,
    },
    /// A wave fiducial point.
    Wave {
        /// Which wave.
        wave: WaveKind,
        /// Which point.
        point: WavePoint,
    },
    /// A whole wave with onset and offset (onset = annotation time, duration = width).
    WaveSpan {
        /// Which wave.
        wave: WaveKind,
    },
    /// A rhythm change (e.g. WFDB `+` with aux `(AFIB`).
    Rhythm {
        /// The rhythm code, e.g. `(N`, `(AFIB`.
        code: String,
    },
    /// A measured interval (time range, usually with a value in the text).
    Interval,
    /// A caliper measurement made by the user.
    Caliper,
    /// A free-text note or an event (EDF+ TAL text, WFDB `"` comment).
    Note,
    /// Any other code a file carries, kept verbatim.
    Other {
        /// The code as written.
        code: String,
    },
}

/// Where an annotation came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum AnnotationSource {
    /// Read from the recording file.
    #[default]
    File,
    /// Found by Heartlens analysis.
    Analysis,
    /// Made by a user.
    User,
}

/// One mark on the recording's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Annotation {
    /// Time from the start of the recording, in seconds.
    pub onset_s: f64,
    /// Duration in seconds (0 for a point).
    pub duration_s: f64,
    /// The lead it applies to; `None` = all leads.
    pub lead: Option<LeadLabel>,
    /// What it means.
    pub kind: AnnotationKind,
    /// Free text (WFDB aux string, EDF+ TAL text, user note).
    pub text: String,
    /// Where it came from.
    pub source: AnnotationSource,
}

impl Annotation {
    /// A point annotation from the file on all leads.
    pub fn point(onset_s: f64, kind: AnnotationKind, text: impl Into<String>) -> Self {
        Self {
            onset_s,
            duration_s: 0.0,
            lead: None,
            kind,
            text: text.into(),
            source: AnnotationSource::File,
        }
    }

    /// End time in seconds.
    pub fn end_s(&self) -> f64 {
        self.onset_s + self.duration_s
    }
}
