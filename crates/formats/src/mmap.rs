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

    /// Drops the resident pages of bytes `offset..offset + len` (clamped to the file) from the
    /// process's memory when the file is mapped (`madvise(MADV_DONTNEED)`, Unix only); they
    /// are read from the file (page cache) again on the next access. The partial pages at the
    /// range's ends go too: it is a hint for ranges the caller has finished with. Nothing for
    /// bytes read into memory.
    pub fn release(&self, offset: usize, len: usize) {
        #[cfg(unix)]
        if let Bytes::Mapped(m) = self {
            let start = offset.min(m.len());
            let len = len.min(m.len() - start);
            if len == 0 {
                return;
            }
            // SAFETY: the map is a read-only shared mapping of a file that is not modified
            // while mapped (see `map`). MADV_DONTNEED only drops its page-table entries: the
            // next access faults the same bytes in from the file again, so slices borrowed
            // from the map keep their contents. An error (an unsupported advice) leaves the
            // pages resident, which is only a missed hint.
            let _ =
                unsafe { m.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, len) };
        }
        #[cfg(not(unix))]
        let _ = (offset, len);
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Owned(b) => b,
            Bytes::Mapped(m) => m,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Resident kB of the mapping that starts at `addr` (Linux `/proc/self/smaps`).
    #[cfg(target_os = "linux")]
    fn resident_kb(addr: usize) -> usize {
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let mut lines = smaps.lines();
        while let Some(l) = lines.next() {
            let start = l
                .split('-')
                .next()
                .and_then(|a| usize::from_str_radix(a, 16).ok());
            if start == Some(addr) {
                for l in lines.by_ref() {
                    if let Some(v) = l.strip_prefix("Rss:") {
                        return v.trim().trim_end_matches("kB").trim().parse().unwrap();
                    }
                }
            }
        }
        panic!("no mapping at {addr:#x}");
    }

    #[test]
    fn released_ranges_read_the_same_bytes_again() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        let data: Vec<u8> = (0..(8u32 << 20)).map(|i| (i % 251) as u8).collect();
        f.write_all(&data).unwrap();
        f.flush().unwrap();
        let b = Bytes::map(f.path()).unwrap();
        let Bytes::Mapped(m) = &b else {
            panic!("an 8 MB file is mapped");
        };
        assert_eq!(b.as_slice(), &data[..]);
        #[cfg(target_os = "linux")]
        let before = resident_kb(m.as_ptr() as usize);
        b.release(0, 6 << 20);
        // Out-of-range and empty ranges are ignored.
        b.release(7 << 20, usize::MAX);
        b.release(usize::MAX, 10);
        #[cfg(target_os = "linux")]
        {
            let after = resident_kb(m.as_ptr() as usize);
            assert!(before >= 8 << 10, "all 8 MB were read: {before} kB");
            assert!(after <= 1 << 10, "released pages stay resident: {after} kB");
        }
        assert_eq!(b.as_slice(), &data[..]);
        // Bytes read into memory: nothing to release.
        let owned = Bytes::Owned(Arc::from(vec![1u8, 2, 3]));
        owned.release(0, 3);
        assert_eq!(owned.as_slice(), &[1, 2, 3]);
    }
}
