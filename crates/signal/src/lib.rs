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

pub mod beat_preprocess;
mod error;
mod filters;
mod iir;
mod pyramid;
mod reduce;
mod resample;

pub use error::Error;
pub use filters::{
    Filter, FilterChain, Highpass, Lowpass, Notch, PowerlineMethod, PowerlineSubtraction,
};
pub use iir::{
    FilterKind, Sos, butter_sos, filtfilt, lfilter, lfilter_zi, sosfilt_in_place, sosfilt_zi,
    sosfiltfilt, sosfiltfilt_padlen,
};
pub use pyramid::Pyramid;
pub use resample::{firwin_kaiser_lowpass, kaiser_window, resample_poly, resample_poly_taps};
