//! The one error type of the `signal` crate.
//!
//! Split by fault: the caller asked for something impossible ([`Error::InvalidArgument`]),
//! the recording cannot be analysed ([`Error::Unsupported`], [`Error::TooShort`]), or the
//! samples could not be read ([`Error::Sample`]).

/// Anything that can go wrong in `signal`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A parameter is out of its domain (caller misuse), e.g. a cut-off above Nyquist.
    #[error("invalid argument `{name}`: {message}")]
    InvalidArgument {
        /// The parameter's name.
        name: &'static str,
        /// What was wrong with it.
        message: String,
    },
    /// The input is shorter than the operation needs (e.g. filtfilt's edge padding).
    #[error("input of {found} samples is too short: {what} needs more than {needed}")]
    TooShort {
        /// What needed the samples.
        what: &'static str,
        /// Samples needed (exclusive lower bound).
        needed: usize,
        /// Samples found.
        found: usize,
    },
    /// The recording cannot be analysed as it is (no voltage lead, no sampling rate...).
    #[error("cannot analyse: {0}")]
    Unsupported(String),
    /// The samples could not be read from the lead's source.
    #[error("lead {lead}: {source}")]
    Sample {
        /// The lead's display name.
        lead: String,
        /// The source's error.
        source: ecg::SampleError,
    },
    /// The caller cancelled the analysis.
    #[error("analysis cancelled")]
    Cancelled,
}

impl Error {
    pub(crate) fn invalid(name: &'static str, message: impl Into<String>) -> Self {
        Error::InvalidArgument {
            name,
            message: message.into(),
        }
    }
}
