//! Philips XLI waveform compression, as decoded by sierra-ecg-tools
//! (`pysierraecg/src/sierraecg/{xli,lzw}.py`, MIT).
//!
//! The stream is a sequence of per-lead chunks: an 8-byte header (u32 LE payload size, 2
//! unknown bytes, i16 LE start value) and an LZW payload of 10-bit codes, most significant bit
//! first. The decompressed bytes are de-interleaved (first half = high bytes, second half =
//! low bytes) into i16 deltas, then integrated with the second-order predictor
//! `z = 2y - x - last` where `last` is the previous delta minus 64.

use crate::error::Error;

/// Most codes an LZW table holds with 10-bit codes (1022; 1023 ends the stream).
const MAX_CODE: usize = (1 << 10) - 2;

/// An LZW decoder over one chunk.
struct Lzw<'a> {
    buf: &'a [u8],
    pos: usize,
    bit_buffer: u32,
    bit_count: u32,
    strings: Vec<Vec<u8>>,
    previous: Vec<u8>,
}

impl<'a> Lzw<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Lzw {
            buf,
            pos: 0,
            bit_buffer: 0,
            bit_count: 0,
            strings: (0..=255u8).map(|b| vec![b]).collect(),
            previous: Vec::new(),
        }
    }

    /// Next 10-bit code, or `None` when fewer than 25 bits remain (as the reference decoder).
    fn code(&mut self) -> Option<usize> {
        while self.bit_count <= 24 {
            let b = *self.buf.get(self.pos)?;
            self.pos += 1;
            self.bit_buffer |= u32::from(b) << (24 - self.bit_count);
            self.bit_count += 8;
        }
        let code = (self.bit_buffer >> (32 - 10)) as usize;
        self.bit_buffer <<= 10;
        self.bit_count -= 10;
        Some(code)
    }

    /// Decodes the whole chunk.
    fn run(mut self, out: &mut Vec<u8>, limit: usize) -> Result<(), String> {
        while let Some(code) = self.code() {
            if code > MAX_CODE {
                break;
            }
            let data = if code < self.strings.len() {
                self.strings[code].clone()
            } else if code == self.strings.len() && !self.previous.is_empty() {
                let mut d = self.previous.clone();
                d.push(self.previous[0]);
                d
            } else {
                return Err(format!(
                    "LZW code {code} refers to no entry (table has {})",
                    self.strings.len()
                ));
            };
            if !self.previous.is_empty() && self.strings.len() <= MAX_CODE {
                let mut next = self.previous.clone();
                next.push(data[0]);
                self.strings.push(next);
            }
            if out.len() + data.len() > limit {
                return Err(format!("decompressed data exceeds {limit} bytes"));
            }
            out.extend_from_slice(&data);
            self.previous = data;
        }
        Ok(())
    }
}

/// Decodes an XLI stream into one i16 series per chunk (lead). `max_samples` bounds the total.
pub(crate) fn decode(data: &[u8], max_samples: usize, offset: u64) -> Result<Vec<Vec<i32>>, Error> {
    let field = "parsedwaveforms (XLI)";
    let mut leads = Vec::new();
    let mut pos = 0usize;
    let mut total = 0usize;
    while pos < data.len() {
        let hdr = data.get(pos..pos + 8).ok_or_else(|| {
            Error::format_at(
                field,
                offset,
                format!(
                    "chunk {} header truncated at decoded byte {pos}",
                    leads.len() + 1
                ),
            )
        })?;
        let size = i32::from_le_bytes([hdr[0], hdr[1], hdr[2], hdr[3]]);
        let start = i32::from(i16::from_le_bytes([hdr[6], hdr[7]]));
        pos += 8;
        let size = usize::try_from(size).map_err(|_| {
            Error::format_at(
                field,
                offset,
                format!("chunk {} declares a negative size {size}", leads.len() + 1),
            )
        })?;
        let end = pos.saturating_add(size).min(data.len());
        let chunk = &data[pos..end];
        pos = pos.saturating_add(size);
        let mut bytes = Vec::new();
        let budget = max_samples.saturating_sub(total).saturating_mul(2);
        Lzw::new(chunk).run(&mut bytes, budget).map_err(|m| {
            Error::format_at(field, offset, format!("chunk {}: {m}", leads.len() + 1))
        })?;
        if bytes.len() % 2 == 1 {
            bytes.push(0);
        }
        let deltas = unpack(&bytes);
        total += deltas.len();
        leads.push(integrate(deltas, start));
    }
    Ok(leads)
}

/// De-interleaves high bytes (first half) and low bytes (second half) into i16 values.
fn unpack(bytes: &[u8]) -> Vec<i32> {
    let n = bytes.len() / 2;
    (0..n)
        .map(|i| i32::from(i16::from_be_bytes([bytes[i], bytes[n + i]])))
        .collect()
}

/// Second-order delta integration (values stored as i16, as the reference decoder's array).
fn integrate(mut d: Vec<i32>, first: i32) -> Vec<i32> {
    if d.len() < 2 {
        return d;
    }
    let (mut x, mut y) = (d[0], d[1]);
    let mut last = first;
    for v in d.iter_mut().skip(2) {
        let z = y.wrapping_mul(2).wrapping_sub(x).wrapping_sub(last);
        last = *v - 64;
        *v = i32::from(z as i16);
        x = y;
        y = z;
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Packs 10-bit codes MSB first, with 3 bytes of padding so the decoder can fill 25 bits.
    fn pack(codes: &[u16]) -> Vec<u8> {
        let mut bits = Vec::new();
        for c in codes {
            for i in (0..10).rev() {
                bits.push((c >> i) & 1);
            }
        }
        let mut out = vec![0u8; bits.len().div_ceil(8) + 3];
        for (i, b) in bits.iter().enumerate() {
            out[i / 8] |= (*b as u8) << (7 - i % 8);
        }
        out
    }

    #[test]
    fn lzw_handles_the_kwkwk_case() {
        // "a", then code 256 (= "aa", not yet defined when read) -> "aaa".
        let mut out = Vec::new();
        Lzw::new(&pack(&[97, 256, 1023]))
            .run(&mut out, 100)
            .unwrap();
        assert_eq!(out, b"aaa");
    }

    #[test]
    fn undefined_code_is_an_error() {
        let mut out = Vec::new();
        assert!(Lzw::new(&pack(&[500])).run(&mut out, 100).is_err());
    }

    #[test]
    fn unpack_and_integrate_follow_the_reference() {
        assert_eq!(unpack(&[0x01, 0xff, 0x02, 0xfe]), vec![0x0102, -2]);
        // x=1, y=2, last=first=0 -> z=3; then last = 64-64 = 0 -> z = 4.
        assert_eq!(integrate(vec![1, 2, 64, 64], 0), vec![1, 2, 3, 4]);
    }
}
