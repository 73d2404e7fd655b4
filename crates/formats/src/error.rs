//! The one error type of the `formats` crate: [`Error`] = what went wrong ([`ErrorKind`]) +
//! where (path, field, byte offset).
//!
//! Split by fault, like image-png's `DecodingError`: bad input (`Format`, `Unsupported`),
//! caller misuse (`Parameter`), a limit on untrusted sizes (`LimitExceeded`), and I/O.

use std::fmt;
use std::path::PathBuf;

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file is not valid for its format (the file's fault).
    Format,
    /// Valid but uses a feature we do not decode (names the feature).
    Unsupported,
    /// No registered format recognises the content.
    UnknownFormat,
    /// The caller asked for something impossible (e.g. CSV without a sampling rate).
    Parameter,
    /// A size declared by the file exceeds [`crate::Limits`].
    LimitExceeded,
    /// An operating-system I/O error.
    Io,
}

/// A reading or writing error with its location.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    /// What went wrong.
    pub kind: ErrorKind,
    /// The file concerned (added by [`crate::open`]; parsers leave it `None`).
    pub path: Option<PathBuf>,
    /// The field, section or element (e.g. "header line 2: gain", "section 6").
    pub field: Option<String>,
    /// Byte offset in the file, when known.
    pub offset: Option<u64>,
    /// Human-readable problem.
    pub message: String,
}

impl Error {
    /// A format error on a field.
    pub fn format(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Format, Some(field.into()), None, message)
    }

    /// A format error on a field at a byte offset.
    pub fn format_at(field: impl Into<String>, offset: u64, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Format, Some(field.into()), Some(offset), message)
    }

    /// An unsupported-feature error.
    pub fn unsupported(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unsupported, Some(field.into()), None, message)
    }

    /// A limit error.
    pub fn limit(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::LimitExceeded, Some(field.into()), None, message)
    }

    /// A caller error.
    pub fn parameter(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Parameter, None, None, message)
    }

    /// An I/O error.
    pub fn io(err: &std::io::Error) -> Self {
        Self::new(ErrorKind::Io, None, None, err.to_string())
    }

    /// The general constructor.
    pub fn new(
        kind: ErrorKind,
        field: Option<String>,
        offset: Option<u64>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            path: None,
            field,
            offset,
            message: message.into(),
        }
    }

    /// Attaches the path (if none yet).
    pub fn with_path(mut self, path: impl Into<PathBuf>) -> Self {
        if self.path.is_none() {
            self.path = Some(path.into());
        }
        self
    }

    /// Attaches an offset (if none yet).
    pub fn with_offset(mut self, offset: u64) -> Self {
        if self.offset.is_none() {
            self.offset = Some(offset);
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.path {
            write!(f, "{}: ", p.display())?;
        }
        match (&self.field, self.offset) {
            (Some(field), Some(o)) => write!(f, "{field} at offset {o}: ")?,
            (Some(field), None) => write!(f, "{field}: ")?,
            (None, Some(o)) => write!(f, "at offset {o}: ")?,
            (None, None) => {}
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<ecg::SampleError> for Error {
    fn from(e: ecg::SampleError) -> Self {
        Error::new(
            ErrorKind::Format,
            Some("samples".into()),
            None,
            e.to_string(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_reads_file_field_offset_problem() {
        let e = Error::format_at("header.gain", 12, "not a number: 'x'").with_path("/data/a.hea");
        assert_eq!(
            e.to_string(),
            "/data/a.hea: header.gain at offset 12: not a number: 'x'"
        );
    }
}
