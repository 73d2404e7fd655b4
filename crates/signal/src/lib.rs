//! Signal processing and clinical analysis of ECGs.
//!
//! Stages, one module each: exact SciPy-compatible building blocks ([`resample_poly`],
//! [`butter_sos`], [`sosfiltfilt`], [`filtfilt`]) and the Beat tokenizer preprocessing
//! ([`beat_preprocess`]).
//!
//! ```
//! let x: Vec<f64> = (0..1000).map(|i| (i as f64 * 0.05).sin()).collect();
//! let y = signal::beat_preprocess::nk_ecg_clean(&x, 250.0).unwrap();
//! assert_eq!(y.len(), x.len());
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod analyze;
mod atrial;
mod atrial_foci;
pub mod beat_preprocess;
mod classify;
mod conduction;
mod delineate;
mod detect;
pub mod device_check;
mod error;
pub mod evaluate;
mod filters;
pub mod holter;
mod iir;
pub mod interpretation_eval;
mod lanes;
mod lead_reversal;
mod limb_artefact;
mod mains;
mod measure;
mod median;
mod paediatric;
mod pyramid;
mod quality;
mod reduce;
mod repolarisation;
mod resample;
mod rhythm;
mod romhilt_estes;
mod statements;
pub mod summary;
#[cfg(test)]
mod test_rng;

pub use analyze::{
    Analysis, AnalysisOptions, Beat, LeadWaves, Wave, analyze, analyze_cancellable,
    ecg_lead_left_out, left_out_channels, non_ecg_channels,
};
pub use classify::BeatClass;
pub use conduction::bundle_branch_qrs_ms;
pub use detect::pacing_spikes;
pub use error::Error;
pub use filters::{
    Filter, FilterChain, Highpass, Lowpass, Notch, PowerlineMethod, PowerlineSubtraction,
};
pub use iir::{
    FilterKind, Sos, butter_sos, filtfilt, filtfilt_many, lfilter, lfilter_zi, sosfilt_in_place,
    sosfilt_zi, sosfiltfilt, sosfiltfilt_many, sosfiltfilt_padlen,
};
pub use mains::{MAINS_CANDIDATES_HZ, detect_mains, mains_prominence};
pub use measure::LeadAmplitudes;
pub use median::MedianBeat;
pub use paediatric::{ADULT_FROM_YEARS, PAEDIATRIC, sinus_tachycardia_above};
pub use pyramid::Pyramid;
pub use resample::{firwin_kaiser_lowpass, kaiser_window, resample_poly, resample_poly_taps};
pub use statements::{JT_INDEX_MAX, QT_NOT_JUDGED, WIDE_QRS_MS, jt_index};

/// Version of [`analyze`]'s results. Caches of an [`Analysis`] (the store's) are valid only for
/// the same value; raise the revision whenever detection, delineation, measurements or
/// statements change their output.
pub const ANALYSIS_VERSION: &str = concat!("heartlens-signal ", env!("CARGO_PKG_VERSION"), " r88");
