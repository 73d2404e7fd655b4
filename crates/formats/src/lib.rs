//! Readers and writers for ECG file formats.
//!
//! [`open`] is the common case: it reads the first KiBs of a file, asks every registered
//! [`Format`] how confident it is that the bytes are its format ([`Format::probe`]), and lets
//! the most confident one decode. The extension only breaks ties. [`read`] does the same for
//! bytes in memory, and [`OpenOptions`] configures strictness and limits.
//!
//! Parsers work on bytes and know offsets; [`open`] adds the path on the way out, so every
//! error reads *file: field at offset N: problem*.
//!
//! ```no_run
//! let rec = formats::open("tests/data/wfdb/ludb/1.hea").expect("a LUDB record");
//! println!("{} leads, {:.1} s", rec.leads.len(), rec.duration_s());
//! ```
#![deny(missing_docs)]
#![deny(unsafe_code)]

mod aecg;
mod csv;
mod dicom;
mod edf;
mod error;
mod ishne;
mod mmap;
mod mortara;
mod muse;
mod options;
mod philips;
mod plausible;
mod registry;
mod scp;
mod source;
mod wfdb;
mod xml;

pub use csv::writer::write as write_csv;
pub use edf::writer::write as write_edf;
pub use error::{Error, ErrorKind};
pub use ishne::{crc_ccitt as ishne_crc_ccitt, write as write_ishne};
pub use options::{Limits, OpenOptions};
pub use registry::{Confidence, FORMATS, Format, probe};
pub use scp::{ScpLeadMeasurements, scp_lead_measurements};
pub use source::Input;
pub use wfdb::writer::{
    WfdbFiles, WfdbStorage, write as write_wfdb, write_to_dir as write_wfdb_to_dir,
};

use std::path::Path;

use ecg::Recording;

/// Opens an ECG file, recognising its format from the content.
pub fn open(path: impl AsRef<Path>) -> Result<Recording, Error> {
    OpenOptions::new().open(path)
}

/// Decodes an ECG from bytes in memory. `name_hint` (a file name) only breaks ties between
/// text formats and is used in error messages.
pub fn read(bytes: &[u8], name_hint: Option<&str>) -> Result<Recording, Error> {
    OpenOptions::new().read(bytes, name_hint)
}
