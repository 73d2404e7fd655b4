//! The crate's only `unsafe`: read-only memory maps of input files ([`Bytes::map`]).
//!
//! Mapping lets a 24-h Holter open in milliseconds and be decoded lazily. Small files are read
//! into memory instead (mapping them buys nothing and an empty file cannot be mapped).
#![allow(unsafe_code)]

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use memmap2::Mmap;

use crate::error::Error;

/// Files at least this large are memory-mapped.
const MAP_THRESHOLD_BYTES: u64 = 4 << 20;

/// Immutable file bytes, owned or mapped.
#[derive(Debug, Clone)]
pub enum Bytes {
    /// Read into memory.
    Owned(Arc<[u8]>),
    /// Memory-mapped.
    Mapped(Arc<Mmap>),
}

impl Bytes {
    /// Reads or maps a file.
    pub fn map(path: &Path) -> Result<Bytes, Error> {
        let file = File::open(path).map_err(|e| Error::io(&e))?;
        let meta = file.metadata().map_err(|e| Error::io(&e))?;
        if meta.is_dir() {
            return Err(Error::parameter("is a directory, not a file"));
        }
        if meta.len() < MAP_THRESHOLD_BYTES {
            let v = std::fs::read(path).map_err(|e| Error::io(&e))?;
            return Ok(Bytes::Owned(Arc::from(v)));
        }
        // SAFETY: the map is read-only and we never hand out `&mut`. The memmap2 contract is
        // that the file must not be truncated or modified while mapped; ECG files are
        // archives that nobody rewrites in place, and `OpenOptions::lazy(false)` callers who
        // cannot accept that risk get owned copies from the readers.
        let map = unsafe { Mmap::map(&file) }.map_err(|e| Error::io(&e))?;
        Ok(Bytes::Mapped(Arc::new(map)))
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Owned(b) => b,
            Bytes::Mapped(m) => m,
        }
    }
}
