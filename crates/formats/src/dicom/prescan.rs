//! A bounds pre-scan of a DICOM file's elements before `dicom-object` parses it: every
//! defined element length must fit in the bytes that remain. `dicom-parser` reserves an
//! element's declared length up front, so a corrupt length of ~2 GB in a 200 KB file would
//! otherwise allocate gigabytes before failing (found by fuzzing).
//!
//! The walk is flat: sequence and item headers are stepped over and their content read
//! as elements, so nesting needs no stack. Big-endian and deflated datasets are not checked
//! (the parser reads those through a decoder, and they do not occur in ECG files seen so far).

use crate::error::Error;

/// Offset of the first file-meta element: 128-byte preamble + "DICM".
const META_START: usize = 132;
const IMPLICIT_VR_LE: &str = "1.2.840.10008.1.2";
const EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1";
/// VRs with a 2-byte reserved field and a 4-byte length in explicit VR.
const LONG_VRS: [&[u8; 2]; 13] = [
    b"OB", b"OW", b"OF", b"SQ", b"UT", b"UN", b"OD", b"OL", b"OV", b"SV", b"UV", b"UC", b"UR",
];
/// Every VR of PS3.5 table 6.2-1; anything else in an explicit-VR header is corruption (the
/// parser would read a 4-byte length from elsewhere in the header).
const KNOWN_VRS: [&[u8; 2]; 34] = [
    b"AE", b"AS", b"AT", b"CS", b"DA", b"DS", b"DT", b"FL", b"FD", b"IS", b"LO", b"LT", b"OB",
    b"OD", b"OF", b"OL", b"OV", b"OW", b"PN", b"SH", b"SL", b"SQ", b"SS", b"ST", b"SV", b"TM",
    b"UC", b"UI", b"UL", b"UN", b"UR", b"US", b"UT", b"UV",
];
const UNDEFINED: u32 = 0xFFFF_FFFF;

fn u16_le(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_le(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn too_long(group: u16, element: u16, at: usize, len: u32, remaining: usize) -> Error {
    Error::format_at(
        "DICOM element length",
        at as u64,
        format!(
            "element ({group:04X},{element:04X}) declares {len} bytes but only {remaining} remain"
        ),
    )
}

/// Checks every defined element length of `bytes` (a whole DICOM file with preamble).
pub(crate) fn check_lengths(bytes: &[u8]) -> Result<(), Error> {
    let mut pos = META_START;
    let mut implicit = false;
    let mut in_meta = true;
    let mut syntax: Option<String> = None;
    while pos + 8 <= bytes.len() {
        let (Some(group), Some(element)) = (u16_le(bytes, pos), u16_le(bytes, pos + 2)) else {
            break;
        };
        if in_meta && group != 0x0002 {
            in_meta = false;
            match syntax.as_deref() {
                Some(IMPLICIT_VR_LE) => implicit = true,
                Some(EXPLICIT_VR_LE) | None => {}
                // Big-endian or deflated: left to the parser (see the module docs).
                Some(_) => return Ok(()),
            }
        }
        // Item and delimiter headers: tag + 4-byte length, no VR in any syntax.
        if group == 0xFFFE {
            let len = u32_le(bytes, pos + 4).unwrap_or(0);
            pos += 8;
            // An item's content is walked as elements; delimiters carry no value.
            if element == 0xE000 && len != UNDEFINED && len as usize > bytes.len() - pos {
                return Err(too_long(group, element, pos - 8, len, bytes.len() - pos));
            }
            continue;
        }
        let (len, header, is_sequence) = if implicit && !in_meta {
            // Implicit VR names no SQ; a value that opens with an item tag is one (the parser
            // knows from its dictionary and reads the items' elements too).
            let opens_item = bytes.get(pos + 8..pos + 12) == Some(&[0xFE, 0xFF, 0x00, 0xE0]);
            (u32_le(bytes, pos + 4).unwrap_or(0), 8, opens_item)
        } else {
            let vr: [u8; 2] = [bytes[pos + 4], bytes[pos + 5]];
            if !KNOWN_VRS.contains(&&vr) {
                return Err(Error::format_at(
                    "DICOM value representation",
                    pos as u64 + 4,
                    format!(
                        "element ({group:04X},{element:04X}) has no valid VR ({:?})",
                        String::from_utf8_lossy(&vr)
                    ),
                ));
            }
            if LONG_VRS.contains(&&vr) {
                let Some(len) = u32_le(bytes, pos + 8) else {
                    break;
                };
                (len, 12, &vr == b"SQ")
            } else {
                (u32::from(u16_le(bytes, pos + 6).unwrap_or(0)), 8, false)
            }
        };
        let value_at = pos + header;
        let remaining = bytes.len().saturating_sub(value_at);
        if len == UNDEFINED {
            // Sequence or encapsulated data of undefined length: scan its items.
            pos = value_at;
            continue;
        }
        if len as usize > remaining {
            return Err(too_long(group, element, pos, len, remaining));
        }
        if in_meta && group == 0x0002 && element == 0x0010 {
            let raw = &bytes[value_at..value_at + len as usize];
            syntax = Some(
                String::from_utf8_lossy(raw)
                    .trim_end_matches(['\0', ' '])
                    .to_string(),
            );
        }
        // A defined-length sequence's items are walked too; other values are skipped.
        pos = if is_sequence {
            value_at
        } else {
            value_at + len as usize
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(elements: &[u8]) -> Vec<u8> {
        let mut b = vec![0u8; 128];
        b.extend_from_slice(b"DICM");
        // (0002,0010) UI "1.2.840.10008.1.2.1" explicit VR little endian.
        let ts = b"1.2.840.10008.1.2.1\0";
        b.extend_from_slice(&[0x02, 0x00, 0x10, 0x00, b'U', b'I']);
        b.extend_from_slice(&(ts.len() as u16).to_le_bytes());
        b.extend_from_slice(ts);
        b.extend_from_slice(elements);
        b
    }

    #[test]
    fn consistent_lengths_pass_and_an_oversized_one_is_named() {
        // (0010,0010) PN "DOE^J" then (5400,0100) SQ undefined with one empty item.
        let mut ok = vec![0x10, 0x00, 0x10, 0x00, b'P', b'N', 6, 0];
        ok.extend_from_slice(b"DOE^J ");
        ok.extend_from_slice(&[
            0x00, 0x54, 0x00, 0x01, b'S', b'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
        ]);
        ok.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0]);
        ok.extend_from_slice(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
        assert!(check_lengths(&file(&ok)).is_ok());
        // (5400,1010) OW declaring 2 GB.
        let bad = [
            0x00, 0x54, 0x10, 0x10, b'O', b'W', 0, 0, 0x00, 0x00, 0x00, 0x70, 1, 2,
        ];
        let err = check_lengths(&file(&bad)).unwrap_err().to_string();
        assert!(
            err.contains("(5400,1010)") && err.contains("1879048192"),
            "{err}"
        );
    }
}
