//! [`Recording`]: the whole decoded file. [`Lead`]s with their signals, metadata, annotations,
//! device measurements and statements, median beats, discontinuity [`Segment`]s and the
//! [`Warning`]s raised while reading.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::annotation::Annotation;
use crate::label::LeadLabel;
use crate::measurement::{Measurements, Statement};
use crate::metadata::{Acquisition, Patient};
use crate::signal::{Signal, Unit};

/// A tolerated non-compliance found while reading: the meaning was clear enough to go on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// The field, section or element concerned (e.g. "header.num_records", "section 6").
    pub field: String,
    /// Byte offset in the file, when known.
    pub offset: Option<u64>,
    /// What was wrong and what the reader assumed.
    pub message: String,
}

impl Warning {
    /// A warning without an offset.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            offset: None,
            message: message.into(),
        }
    }

    /// A warning at a byte offset.
    pub fn at(field: impl Into<String>, offset: u64, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            offset: Some(offset),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.offset {
            Some(o) => write!(f, "{} at offset {}: {}", self.field, o, self.message),
            None => write!(f, "{}: {}", self.field, self.message),
        }
    }
}

/// Where the recording came from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// Short format name, e.g. "WFDB", "EDF+", "SCP-ECG", "HL7 aECG".
    pub format: String,
    /// Format version or variant, e.g. "format 212", "1.04.01".
    pub version: Option<String>,
    /// The path it was opened from, if any.
    pub path: Option<PathBuf>,
    /// Warnings raised while reading.
    pub warnings: Vec<Warning>,
}

/// One channel.
#[derive(Debug, Clone)]
pub struct Lead {
    /// Normalised identity.
    pub label: LeadLabel,
    /// The name exactly as the file wrote it.
    pub original_label: String,
    /// Sampling rate of this lead in Hz (leads may differ: WFDB multi-frequency).
    pub sampling_rate_hz: f64,
    /// Physical unit of the samples.
    pub unit: Unit,
    /// True when computed from other leads (e.g. III = II - I) rather than stored.
    pub derived: bool,
    /// The samples.
    pub signal: Signal,
}

impl Lead {
    /// A stored (not derived) lead; the label is parsed from `name`.
    pub fn new(name: &str, sampling_rate_hz: f64, unit: Unit, signal: Signal) -> Self {
        Self {
            label: LeadLabel::parse(name),
            original_label: name.to_string(),
            sampling_rate_hz,
            unit,
            derived: false,
            signal,
        }
    }

    /// The same lead (label, name, unit, derived or stored) with other samples, in its unit,
    /// at `sampling_rate_hz`: a filtered, resampled or disturbed copy.
    pub fn with_samples(&self, sampling_rate_hz: f64, samples: Vec<f32>) -> Self {
        Self {
            label: self.label.clone(),
            original_label: self.original_label.clone(),
            sampling_rate_hz,
            unit: self.unit.clone(),
            derived: self.derived,
            signal: Signal::from_physical(samples),
        }
    }

    /// Number of samples.
    pub fn n_samples(&self) -> usize {
        self.signal.len()
    }

    /// Duration in seconds.
    pub fn duration_s(&self) -> f64 {
        if self.sampling_rate_hz > 0.0 {
            self.n_samples() as f64 / self.sampling_rate_hz
        } else {
            0.0
        }
    }

    /// Reads `start..start+n` converted to microvolts (NaN kept). Returns `None` if the unit is
    /// not a voltage.
    pub fn read_uv(&self, start: usize, n: usize) -> Option<Result<Vec<f64>, crate::SampleError>> {
        let factor = self.unit.to_uv_factor()?;
        Some(
            self.signal
                .read_range(start, n)
                .map(|v| v.into_iter().map(|x| f64::from(x) * factor).collect()),
        )
    }
}

/// Representative (median / average) beats, one per lead, as stored by the device.
#[derive(Debug, Clone)]
pub struct MedianBeats {
    /// Sampling rate in Hz.
    pub sampling_rate_hz: f64,
    /// One beat per lead.
    pub leads: Vec<Lead>,
    /// Fiducials on the beat (onset/offset times relative to the beat start).
    pub fiducials: Vec<Annotation>,
}

/// A continuous stretch of a discontinuous recording (EDF+D, WFDB multi-segment with gaps).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// Start time of the segment from the recording start, in seconds.
    pub start_s: f64,
    /// First sample index of the segment in the leads' sample arrays (at the first lead's rate).
    pub first_sample: usize,
    /// Number of samples (at the first lead's rate).
    pub n_samples: usize,
}

/// A decoded ECG file.
#[derive(Debug, Clone, Default)]
pub struct Recording {
    /// The channels, in file order (derived leads appended).
    pub leads: Vec<Lead>,
    /// Patient demographics.
    pub patient: Patient,
    /// Acquisition context.
    pub acquisition: Acquisition,
    /// File-level annotations, sorted by onset.
    pub annotations: Vec<Annotation>,
    /// Measurements stated by the device (never by our analysis).
    pub device_measurements: Option<Measurements>,
    /// Interpretation statements stated by the device.
    pub device_statements: Vec<Statement>,
    /// Median beats, when the file has them.
    pub median_beats: Option<MedianBeats>,
    /// Continuous segments; empty means one continuous recording.
    pub segments: Vec<Segment>,
    /// Source format, path and warnings.
    pub source: SourceInfo,
}

impl Recording {
    /// A recording of the given leads with empty metadata.
    pub fn new(leads: Vec<Lead>) -> Self {
        Self {
            leads,
            ..Self::default()
        }
    }

    /// The first lead with this label.
    pub fn lead(&self, label: &LeadLabel) -> Option<&Lead> {
        self.leads.iter().find(|l| &l.label == label)
    }

    /// The patient's age in years when this ECG was recorded ([`crate::Patient::age_at`] on
    /// the recording's date): what the analysis, the report and the chat take as the age.
    pub fn patient_age_years(&self) -> Option<f64> {
        self.patient.age_at(self.acquisition.date())
    }

    /// Whether most of the standard 12 leads are present (at least 8), so 12-lead layouts and
    /// reports suit the recording; 2- and 3-lead Holters and odd montages are not.
    pub fn is_twelve_lead(&self) -> bool {
        LeadLabel::STANDARD_12
            .iter()
            .filter(|l| self.lead(l).is_some())
            .count()
            >= 8
    }

    /// Duration in seconds: the longest lead.
    pub fn duration_s(&self) -> f64 {
        self.leads.iter().map(Lead::duration_s).fold(0.0, f64::max)
    }

    /// Adds a warning.
    pub fn warn(&mut self, warning: Warning) {
        self.source.warnings.push(warning);
    }
}
