//! [`CommandError`]: the one error shape every command returns to the UI:
//! `{ "code": "SCREAMING_SNAKE_CASE", "message": "...", "detail": "..."? }`.
//! The full chain is logged; the UI shows `message`.

use serde::Serialize;

/// Machine-readable error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The file could not be read as an ECG (bad input).
    BadFile,
    /// A file, recording or resource was not found.
    NotFound,
    /// The request was invalid (bad argument).
    BadRequest,
    /// The database refused or failed.
    Store,
    /// The renderer (GPU) failed.
    Render,
    /// The recording is signed and locked.
    Locked,
    /// Someone else changed it first (a shared store); nothing was saved: reload and redo.
    Conflict,
    /// The user cancelled the work.
    Cancelled,
    /// Anything else.
    Internal,
}

/// An error returned by a command.
#[derive(Debug, Clone, Serialize)]
pub struct CommandError {
    /// The code.
    pub code: ErrorCode,
    /// One line for the user.
    pub message: String,
    /// Optional details (the cause chain).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl CommandError {
    /// An error with a code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        let message = message.into();
        tracing::warn!(?code, %message, "command failed");
        Self {
            code,
            message,
            detail: None,
        }
    }

    /// A failed background task (join error).
    pub fn task(e: impl std::fmt::Display) -> Self {
        Self::new(ErrorCode::Internal, format!("background task failed: {e}"))
    }
}

impl From<formats::Error> for CommandError {
    fn from(e: formats::Error) -> Self {
        let code = match e.kind {
            formats::ErrorKind::Io => ErrorCode::NotFound,
            _ => ErrorCode::BadFile,
        };
        Self::new(code, e.to_string())
    }
}

impl From<store::Error> for CommandError {
    fn from(e: store::Error) -> Self {
        let code = match &e {
            store::Error::Locked { .. } => ErrorCode::Locked,
            store::Error::Stale { .. } => ErrorCode::Conflict,
            store::Error::NotFound { .. } => ErrorCode::NotFound,
            _ => ErrorCode::Store,
        };
        Self::new(code, e.to_string())
    }
}

impl From<reading::Error> for CommandError {
    fn from(e: reading::Error) -> Self {
        match e {
            reading::Error::Store(e) => e.into(),
            reading::Error::Argument { .. } | reading::Error::WrongFile { .. } => {
                Self::new(ErrorCode::BadRequest, e.to_string())
            }
            reading::Error::Write { .. } => Self::new(ErrorCode::NotFound, e.to_string()),
            reading::Error::Analysis(signal::Error::Cancelled) => {
                Self::new(ErrorCode::Cancelled, e.to_string())
            }
            _ => Self::new(ErrorCode::Internal, e.to_string()),
        }
    }
}

impl From<render::Error> for CommandError {
    fn from(e: render::Error) -> Self {
        Self::new(ErrorCode::Render, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_serialises_with_screaming_snake_code() {
        let e = CommandError::new(ErrorCode::BadFile, "x.hea: header line 1: bad");
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"code":"BAD_FILE","message":"x.hea: header line 1: bad"}"#
        );
    }
}
