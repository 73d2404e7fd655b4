//! The reading crate's [`Error`].

use std::path::PathBuf;

/// Why a reading operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] store::Error),
    /// The recording could not be analysed.
    #[error("analysis: {0}")]
    Analysis(#[from] signal::Error),
    /// The report could not be laid out or written.
    #[error(transparent)]
    Report(#[from] report::Error),
    /// Writing an export failed.
    #[error("{}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The session belongs to another file than the one given.
    #[error(
        "{}: session {session} belongs to another file ({other}); pass the file it was made from",
        file.display()
    )]
    WrongFile {
        /// The file given.
        file: PathBuf,
        /// The session (recording id in the store).
        session: i64,
        /// The path the store knows for the session's recording.
        other: String,
    },
    /// A caller's value is out of range (unknown measurement name, non-finite value).
    #[error("{field}: {message}")]
    Argument {
        /// The field.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
}
