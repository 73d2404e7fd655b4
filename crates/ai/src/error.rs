//! The language-model side's error type: [`LlmError`], split by fault (bad model file, caller
//! misuse, cancelled, I/O), with the path and field that went wrong.
//!
//! It does not cover the Beat tokenizer (its own module reports its errors).

use std::path::PathBuf;

/// Everything that can go wrong while loading, importing or running a language model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LlmError {
    /// A model file is malformed, truncated or not what it claims to be.
    #[error("{path}: {field}: {message}")]
    BadModel {
        /// The file.
        path: PathBuf,
        /// The metadata key, tensor name or section that is wrong.
        field: String,
        /// What is wrong and, when known, how to fix it.
        message: String,
    },
    /// A tensor has the wrong shape (expected and found are in the message).
    #[error("{path}: tensor {name}: expected shape {expected:?}, found {found:?}")]
    Shape {
        /// The file.
        path: PathBuf,
        /// The tensor.
        name: String,
        /// Expected dims.
        expected: Vec<usize>,
        /// Found dims.
        found: Vec<usize>,
    },
    /// A file's sha256 does not match its manifest.
    #[error("{path}: sha256 {found} does not match the manifest ({expected}); re-import the model")]
    Hash {
        /// The file.
        path: PathBuf,
        /// Hash in the manifest.
        expected: String,
        /// Hash of the file on disk.
        found: String,
    },
    /// The caller asked for something the model or engine cannot do.
    #[error("invalid request: {0}")]
    Invalid(String),
    /// The prompt does not fit the model's context, even after dropping old turns.
    #[error("prompt of {prompt_tokens} tokens does not fit the context of {context_tokens} tokens")]
    ContextFull {
        /// Tokens in the prompt.
        prompt_tokens: usize,
        /// The model's context length.
        context_tokens: usize,
    },
    /// Generation or a download was cancelled by the user.
    #[error("cancelled")]
    Cancelled,
    /// A model download failed (connection, HTTP status, truncated body).
    #[error("download {url}: {message}")]
    Download {
        /// The URL.
        url: String,
        /// What went wrong and what to do.
        message: String,
    },
    /// A downloaded file's SHA-256 is not the expected one; the file was removed.
    #[error(
        "download {url}: SHA-256 {found} does not match the {by}'s {expected}; the file was removed, download it again"
    )]
    DownloadHash {
        /// The URL.
        url: String,
        /// The hash expected.
        expected: String,
        /// The hash of the bytes received.
        found: String,
        /// Who stated the expected hash ("catalogue", "server X-Linked-Etag").
        by: String,
    },
    /// Not enough free disk space for a download and its installed copy.
    #[error(
        "{}: {needed} bytes needed for the download and its installed copy, {free} free; free some space and retry",
        path.display()
    )]
    NoSpace {
        /// The folder.
        path: PathBuf,
        /// Bytes needed.
        needed: u64,
        /// Bytes free.
        free: u64,
    },
    /// The tokenizer failed.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// A tensor operation failed (shape bug or backend error).
    #[error("candle: {0}")]
    Candle(#[from] candle::Error),
    /// File-system error, with the path.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl LlmError {
    /// A [`LlmError::BadModel`] for `path`.
    pub(crate) fn bad(
        path: impl Into<PathBuf>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        LlmError::BadModel {
            path: path.into(),
            field: field.into(),
            message: message.into(),
        }
    }

    /// A [`LlmError::Io`] for `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        LlmError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result with [`LlmError`].
pub type Result<T, E = LlmError> = std::result::Result<T, E>;
