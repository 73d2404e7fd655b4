//! SCP-ECG (EN 1064:2005 / ISO 11073-91064): the binary resting-ECG format of many carts.
//!
//! A file is a CRC + length header followed by sections, each with its own 16-byte header
//! (CRC, id, length, version, protocol). Section 0 points at the others; 1 holds
//! demographics as tagged fields; 2 Huffman tables; 3 the lead list; 4 QRS locations and
//! reference-beat subtraction zones; 5 the reference (median) beat; 6 the rhythm data (or the
//! residual after reference-beat subtraction); 7 global measurements; 8 the interpretation.
//!
//! Decoding follows the standard and, where vendors depart from it, the WFDB `parsescp`
//! conventions (Spacelabs/Burdick carts): a residual smoothing filter outside the protected
//! zones before the reference beat is added back, 500 Hz and 5 µV when the rate or the
//! resolution is missing. Files whose length fields are not SCP at all (Healforce handhelds)
//! are rejected with an error that says so; a 16-bit per-lead byte count that overflowed
//! (Contec exports of long uncompressed recordings) is recomputed with a warning.

mod huffman;
mod parse;

use ecg::Recording;

use crate::error::Error;
use crate::options::OpenOptions;
use crate::registry::{Confidence, Format};
use crate::source::Input;

pub(crate) use parse::read_bytes;
pub use parse::{ScpLeadMeasurements, scp_lead_measurements};

/// The SCP-ECG reader.
pub(crate) struct Scp;

impl Format for Scp {
    fn name(&self) -> &'static str {
        "SCP-ECG"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["scp"]
    }

    fn probe(&self, input: &Input) -> Confidence {
        probe_bytes(input.head(64))
    }

    fn read(&self, input: &Input, options: &OpenOptions) -> Result<Recording, Error> {
        read_bytes(input.bytes(), options)
    }
}

/// Section 0 must follow the 6-byte file header: id 0, a plausible length, and (in files that
/// follow the standard) "SCPECG" in its reserved bytes.
pub(crate) fn probe_bytes(head: &[u8]) -> Confidence {
    if head.len() < 22 {
        return Confidence::No;
    }
    let id = u16::from_le_bytes([head[8], head[9]]);
    let len = u32::from_le_bytes([head[10], head[11], head[12], head[13]]);
    if id != 0 || !(16 + 10..=16 + 10 * 64).contains(&len) || !(len - 16).is_multiple_of(10) {
        return Confidence::No;
    }
    if &head[16..22] == b"SCPECG" {
        return Confidence::Certain;
    }
    // First pointer entry should describe section 0 itself.
    if head.len() >= 32 {
        let first = u16::from_le_bytes([head[22], head[23]]);
        let first_len = u32::from_le_bytes([head[24], head[25], head[26], head[27]]);
        let first_idx = u32::from_le_bytes([head[28], head[29], head[30], head[31]]);
        // 7 is the standard's 1-based index; some vendors (Healforce) write 6.
        if first == 0 && first_len == len && (first_idx == 7 || first_idx == 6) {
            return Confidence::Likely;
        }
    }
    Confidence::No
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_rejects_text_and_short_input() {
        assert_eq!(probe_bytes(b"<?xml version=\"1.0\"?>"), Confidence::No);
        assert_eq!(probe_bytes(&[0; 10]), Confidence::No);
    }
}
