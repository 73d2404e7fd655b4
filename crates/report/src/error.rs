//! The report crate's [`Error`].

/// Why a report could not be produced.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An embedded font could not be parsed (a broken build, not bad input).
    #[error("embedded font {0} could not be parsed")]
    Font(&'static str),
    /// Reading samples of a lead failed.
    #[error("lead {lead}: reading samples: {source}")]
    Samples {
        /// The lead's name.
        lead: String,
        /// The cause.
        #[source]
        source: ecg::SampleError,
    },
    /// The caller asked for something out of range (a page that does not exist, a DPI too
    /// high to allocate).
    #[error("invalid option {field}: {message}")]
    Option {
        /// The option.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The PDF writer failed.
    #[error("writing PDF: {0}")]
    Pdf(String),
    /// The PNG encoder failed.
    #[error("encoding PNG: {0}")]
    Png(String),
}
