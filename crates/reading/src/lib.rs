//! A cardiologist's reading of one recording: what the CLI and the app share above the store.
//!
//! - [`claims`]: the clinical claims in a chat answer checked against the facts the model was
//!   given (supported, contradicted with the fact, or not in the facts).
//! - [`analysis`]: `signal::analyze` results cached in the store per recording and analysis
//!   version, so the chat, the review panel and reports do not re-analyse.
//! - [`review`]: the measurement table (analysis values with the clinician's overrides, the
//!   original kept) and the statements to confirm, reject or edit, seeded from analysis.
//! - [`compare`]: a recording against a prior one: measurement deltas, statements new and
//!   resolved.
//! - [`holter`]: long recordings analysed chunk by chunk (progress, cancel) and their Holter
//!   result cached in the store as rows (trend, events, packed beats).
//! - [`display`]: display filter presets and a zero-phase filtered copy to draw.
//! - [`evidence`]: the leads and beats each statement rests on, and where each interval was
//!   measured, for highlights on the tracing.
//! - [`export`]: a store session turned into a [`report::ReportInput`] (annotations, reviews,
//!   overrides, signature, chosen chat exchanges), the files written, and each export
//!   recorded in the store with the SHA-256 of its bytes.
//!
//! Everything here is async over [`store::Store`]; decoding and analysis stay synchronous
//! (callers run them on a blocking thread).
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod analysis;
pub mod claims;
pub mod compare;
pub mod display;
mod error;
pub mod evidence;
pub mod export;
pub mod holter;
pub mod review;
mod time;

pub use error::Error;
pub use time::utc_text;

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The user recorded as author of reviews, annotations and exports: the OS account (a desktop
/// workstation has one reader per account), or "clinician" when the environment names none.
pub fn current_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| "clinician".to_string())
}
