//! The Heartlens vocabulary: what an ECG recording *is*, independent of any file format,
//! analysis, renderer or store.
//!
//! A [`Recording`] is a set of [`Lead`]s. Each lead owns a [`Signal`]: samples in physical
//! units ([`Unit`]) at its own sampling rate, read through a [`SampleSource`] so that a 24-h
//! 12-lead Holter (about 500 M samples) can stay memory-mapped and be decoded on demand instead
//! of being copied into RAM. Around the leads sit the metadata ([`Patient`], [`Device`],
//! [`Acquisition`]), file-level [`Annotation`]s, device [`Measurements`] and [`Statement`]s,
//! representative [`MedianBeats`] and the [`Warning`]s raised while reading.
//!
//! ```
//! use ecg::{Lead, LeadLabel, Recording, Signal, Unit};
//!
//! let i = Lead::new("I", 500.0, Unit::Millivolt, Signal::from_physical(vec![0.1, 0.2, 0.3]));
//! let ii = Lead::new("II", 500.0, Unit::Millivolt, Signal::from_physical(vec![0.3, 0.2, 0.1]));
//! let mut rec = Recording::new(vec![i, ii]);
//! rec.derive_limb_leads();
//! let iii = rec.lead(&LeadLabel::III).expect("derived above");
//! assert!(iii.derived);
//! let mut out = [0.0f32; 3];
//! iii.signal.read(0, &mut out).unwrap();
//! assert!((out[0] - 0.2).abs() < 1e-6);
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod annotation;
mod derive;
mod label;
mod measurement;
mod metadata;
mod recording;
mod signal;
mod time;

pub use annotation::{Annotation, AnnotationKind, AnnotationSource, WaveKind, WavePoint};
pub use derive::LIMB_DERIVATIONS;
pub use label::LeadLabel;
pub use measurement::{
    Axis, Bpm, Degrees, Evidence, Measurements, Micros, Microvolts, Millis, QtcFormula, QtcSet,
    Statement, StatementState,
};
pub use metadata::{Acquisition, Device, FilterBand, Patient, Sex};
pub use recording::{Lead, MedianBeats, Recording, Segment, SourceInfo, Warning};
pub use signal::{
    Calibration, DigitalSource, LinearCombination, PhysicalSource, SampleError, SampleSource,
    Signal, Unit, check_range,
};
pub use time::{BIRTH_YEARS, Date, DateTime, RECORDING_YEARS, TimeOfDay};
