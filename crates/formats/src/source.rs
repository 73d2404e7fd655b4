//! [`Input`]: the bytes of a file (memory-mapped when opened from disk) plus a way to reach
//! its companion files (WFDB `.dat` beside `.hea`, ISHNE/WFDB annotation files).
//!
//! Parsers take an `&Input`, never a path, so tests and fuzzers feed bytes directly
//! ([`Input::from_bytes`], with companions via [`Input::with_companion`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, ErrorKind};
use crate::mmap::Bytes;

/// A file's bytes with its name and companions.
#[derive(Debug, Clone)]
pub struct Input {
    bytes: Bytes,
    path: Option<PathBuf>,
    name: Option<String>,
    companions: BTreeMap<String, Input>,
}

impl Input {
    /// Maps a file from disk.
    pub fn from_path(path: &Path) -> Result<Input, Error> {
        let bytes = Bytes::map(path)?;
        Ok(Input {
            bytes,
            path: Some(path.to_path_buf()),
            name: path.file_name().map(|n| n.to_string_lossy().into_owned()),
            companions: BTreeMap::new(),
        })
    }

    /// Wraps bytes in memory; `name` (a file name) is a tie-breaking hint.
    pub fn from_bytes(bytes: Vec<u8>, name: Option<&str>) -> Input {
        Input {
            bytes: Bytes::Owned(Arc::from(bytes)),
            path: None,
            name: name.map(str::to_string),
            companions: BTreeMap::new(),
        }
    }

    /// Adds an in-memory companion file, reachable through [`Input::companion`] by its name.
    pub fn with_companion(mut self, name: &str, bytes: Vec<u8>) -> Input {
        self.companions
            .insert(name.to_string(), Input::from_bytes(bytes, Some(name)));
        self
    }

    /// All bytes.
    pub fn bytes(&self) -> &[u8] {
        self.bytes.as_slice()
    }

    /// Drops the resident pages of bytes `offset..offset + len` of a memory-mapped file
    /// ([`Bytes::release`]): a hint for ranges the reader has finished with.
    pub fn release(&self, offset: usize, len: usize) {
        self.bytes.release(offset, len);
    }

    /// The first `n` bytes (or fewer).
    pub fn head(&self, n: usize) -> &[u8] {
        let b = self.bytes();
        &b[..n.min(b.len())]
    }

    /// The file name, if known.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The lower-case extension of the file name, if any.
    pub fn extension(&self) -> Option<String> {
        let name = self.name()?;
        let (_, ext) = name.rsplit_once('.')?;
        Some(ext.to_ascii_lowercase())
    }

    /// The path, when opened from disk.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Opens a companion file by name (relative to this file's folder on disk, or one added
    /// with [`Input::with_companion`]).
    pub fn companion(&self, name: &str) -> Result<Input, Error> {
        if let Some(c) = self.companions.get(name) {
            return Ok(c.clone());
        }
        if name.contains("..") || Path::new(name).is_absolute() {
            return Err(Error::new(
                ErrorKind::Format,
                Some("companion file".into()),
                None,
                format!("refusing to open '{name}' outside the record's folder"),
            ));
        }
        match &self.path {
            Some(p) => {
                let dir = p.parent().unwrap_or_else(|| Path::new("."));
                let cp = dir.join(name);
                Input::from_path(&cp).map_err(|e| Error {
                    message: format!("companion file {}: {}", cp.display(), e.message),
                    ..e
                })
            }
            None => Err(Error::new(
                ErrorKind::Parameter,
                Some("companion file".into()),
                None,
                format!("'{name}' is needed but the input came from memory without it"),
            )),
        }
    }

    /// Whether a companion exists (without opening it).
    pub fn has_companion(&self, name: &str) -> bool {
        self.companions.contains_key(name)
            || self
                .path
                .as_ref()
                .and_then(|p| p.parent())
                .is_some_and(|d| d.join(name).is_file())
    }
}
