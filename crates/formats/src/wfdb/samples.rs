//! WFDB sample storage formats (`signal(5)` of the WFDB Software Package) and the lazy
//! [`WfdbSource`] that decodes them straight from the (memory-mapped) signal file.
//!
//! A signal file is one stream of samples: frame after frame, and inside a frame each signal
//! of the file contributes `samples_per_frame` consecutive samples, in header order. Every
//! fixed-width format (16, 61, 80, 160, 24, 32) and every packed one (212: two samples in 3
//! bytes; 310 and 311: three samples in 4 bytes) lets us find stream sample `k` without
//! decoding what comes before it, so readers never copy the file: a 24-h Holter opens in
//! microseconds and `read(start, out)` decodes only `out.len()` samples. Format 8 (first
//! differences) and FLAC (508/516/524) are sequential and are decoded eagerly by the caller.

use ecg::{Calibration, SampleError, SampleSource};

use crate::source::Input;

/// Formats whose samples can be located by index (decoded lazily).
pub fn is_random_access(format: u32) -> bool {
    matches!(format, 16 | 61 | 80 | 160 | 212 | 310 | 311 | 24 | 32)
}

/// Formats this reader decodes at all.
pub fn is_supported(format: u32) -> bool {
    is_random_access(format) || matches!(format, 0 | 8 | 508 | 516 | 524)
}

/// The "no sample here" value of each format (`WFDB_INVALID_SAMPLE` scaled to its width).
pub fn invalid_value(format: u32) -> Option<i32> {
    match format {
        80 | 508 => Some(-128),
        212 => Some(-2048),
        310 | 311 => Some(-512),
        16 | 61 | 160 | 516 => Some(-32768),
        24 | 524 => Some(-(1 << 23)),
        32 => Some(i32::MIN),
        _ => None,
    }
}

/// Natural ADC resolution of a format, used when the header states 0.
pub fn default_resolution_bits(format: u32) -> u32 {
    match format {
        8 | 80 | 508 => 8,
        212 => 12,
        310 | 311 => 10,
        24 | 524 => 24,
        32 => 32,
        _ => 16,
    }
}

/// Whole stream samples contained in `bytes` bytes.
pub fn samples_in_bytes(format: u32, bytes: u64) -> u64 {
    match format {
        8 | 80 => bytes,
        16 | 61 | 160 => bytes / 2,
        24 => bytes / 3,
        32 => bytes / 4,
        // A trailing 2 bytes of a 212 triple still hold a complete first sample.
        212 => (bytes / 3) * 2 + u64::from(bytes % 3 >= 2),
        // 310: the third sample of a group needs all 4 bytes; the first two need 2 each.
        310 => (bytes / 4) * 3 + (bytes % 4) / 2,
        // 311: sample j of a group ends in byte ceil(10(j+1)/8).
        311 => {
            (bytes / 4) * 3
                + match bytes % 4 {
                    0 | 1 => 0,
                    2 => 1,
                    _ => 2,
                }
        }
        _ => 0,
    }
}

fn sign_extend(v: u32, bits: u32) -> i32 {
    let shift = 32 - bits;
    ((v << shift) as i32) >> shift
}

/// Decodes stream sample `k` of a random-access format from `data` (the signal file after the
/// byte offset). `None` when the sample lies past the end of the data.
#[inline]
pub fn decode_one(format: u32, data: &[u8], k: u64) -> Option<i32> {
    let k = usize::try_from(k).ok()?;
    match format {
        16 => {
            let b = data.get(k.checked_mul(2)?..k * 2 + 2)?;
            Some(i32::from(i16::from_le_bytes([b[0], b[1]])))
        }
        61 => {
            let b = data.get(k.checked_mul(2)?..k * 2 + 2)?;
            Some(i32::from(i16::from_be_bytes([b[0], b[1]])))
        }
        80 => data.get(k).map(|&b| i32::from(b) - 128),
        160 => {
            let b = data.get(k.checked_mul(2)?..k * 2 + 2)?;
            Some(i32::from(u16::from_le_bytes([b[0], b[1]])) - 32768)
        }
        24 => {
            let b = data.get(k.checked_mul(3)?..k * 3 + 3)?;
            Some(sign_extend(
                u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16,
                24,
            ))
        }
        32 => {
            let b = data.get(k.checked_mul(4)?..k * 4 + 4)?;
            Some(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        }
        212 => {
            // Two 12-bit samples in 3 bytes: s0 = b0 | (b1 & 0x0f) << 8, s1 = b2 | (b1 & 0xf0) << 4.
            let base = (k / 2).checked_mul(3)?;
            if k % 2 == 0 {
                let b = data.get(base..base + 2)?;
                Some(sign_extend(
                    u32::from(b[0]) | (u32::from(b[1]) & 0x0f) << 8,
                    12,
                ))
            } else {
                let b = data.get(base + 1..base + 3)?;
                Some(sign_extend(
                    u32::from(b[1]) | (u32::from(b[0]) & 0xf0) << 4,
                    12,
                ))
            }
        }
        310 => {
            // Three 10-bit samples in two little-endian 16-bit words w0, w1:
            // s0 = w0 bits 1..10, s1 = w1 bits 1..10, s2 = w0 bits 11..15 | w1 bits 11..15 << 5.
            let base = (k / 3).checked_mul(4)?;
            let word = |i: usize| -> Option<u32> {
                let b = data.get(base + 2 * i..base + 2 * i + 2)?;
                Some(u32::from(u16::from_le_bytes([b[0], b[1]])))
            };
            let v = match k % 3 {
                0 => (word(0)? >> 1) & 0x3ff,
                1 => (word(1)? >> 1) & 0x3ff,
                _ => (word(0)? >> 11) | (word(1)? >> 11) << 5,
            };
            Some(sign_extend(v, 10))
        }
        311 => {
            // Three 10-bit samples in one little-endian 32-bit word: bits 0..9, 10..19, 20..29.
            let base = (k / 3).checked_mul(4)?;
            let j = k % 3;
            let need = [2, 3, 4][j];
            let b = data.get(base..base + need)?;
            let mut w = 0u32;
            for (i, &x) in b.iter().enumerate() {
                w |= u32::from(x) << (8 * i);
            }
            Some(sign_extend((w >> (10 * j as u32)) & 0x3ff, 10))
        }
        _ => None,
    }
}

/// Where one signal lives inside its signal file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Layout {
    /// Storage format (random-access only).
    pub format: u32,
    /// Byte offset of the first sample.
    pub byte_offset: u64,
    /// Stream samples per frame (all signals of the file).
    pub frame_len: u64,
    /// Index of this signal's first sample inside a frame.
    pub offset_in_frame: u64,
    /// This signal's samples per frame.
    pub samples_per_frame: u64,
    /// Skew in frames.
    pub skew: u64,
    /// Number of frames of the record.
    pub n_frames: u64,
}

impl Layout {
    /// Samples of this signal (frames x samples per frame).
    pub fn len(&self) -> u64 {
        self.n_frames.saturating_mul(self.samples_per_frame)
    }

    /// Where the bytes of samples `start..start + count` begin, when they can be read as one
    /// strided run: format 16, one sample per frame, every one of them inside the record
    /// (`n_frames`) and inside the `data_len` bytes of the file (`count >= 1`).
    fn format16_run(&self, start: usize, count: usize, data_len: usize) -> Option<usize> {
        if self.format != 16 || self.samples_per_frame != 1 || self.frame_len == 0 || count == 0 {
            return None;
        }
        let last = u64::try_from(start.checked_add(count - 1)?).ok()?;
        if last >= self.n_frames {
            return None;
        }
        let byte = |i: u64| -> Option<usize> {
            let k = i
                .checked_add(self.skew)?
                .checked_mul(self.frame_len)?
                .checked_add(self.offset_in_frame)?;
            usize::try_from(k).ok()?.checked_mul(2)
        };
        let first = byte(u64::try_from(start).ok()?)?;
        (byte(last)?.checked_add(2)? <= data_len).then_some(first)
    }

    /// Stream index of this signal's sample `i`, or `None` if it falls outside the record.
    #[inline]
    pub fn stream_index(&self, i: u64) -> Option<u64> {
        let frame = (i / self.samples_per_frame).checked_add(self.skew)?;
        if frame >= self.n_frames.saturating_add(self.skew) {
            return None;
        }
        frame
            .checked_mul(self.frame_len)?
            .checked_add(self.offset_in_frame)?
            .checked_add(i % self.samples_per_frame)
    }
}

/// A WFDB signal decoded lazily from its file's bytes (shared: memory map or `Arc` buffer).
#[derive(Debug, Clone)]
pub struct WfdbSource {
    file: Input,
    layout: Layout,
    len: usize,
    calibration: Calibration,
    invalid: i32,
}

impl WfdbSource {
    /// A lazily decoded signal. `len` must equal `layout.len()` (checked against usize by the caller).
    pub fn new(file: Input, layout: Layout, len: usize, calibration: Calibration) -> Self {
        let invalid = invalid_value(layout.format).unwrap_or(i32::MIN);
        Self {
            file,
            layout,
            len,
            calibration,
            invalid,
        }
    }

    fn data(&self) -> &[u8] {
        let b = self.file.bytes();
        let off = usize::try_from(self.layout.byte_offset).unwrap_or(usize::MAX);
        b.get(off..).unwrap_or_default()
    }

    /// Decodes `start..start+out.len()` into digital values (missing samples = the invalid value).
    fn decode_into(&self, start: usize, out: &mut [i32]) -> Result<(), SampleError> {
        ecg::check_range(start, out.len(), self.len)?;
        let data = self.data();
        let l = &self.layout;
        if let Some(first) = l.format16_run(start, out.len(), data.len()) {
            // One sample per frame in the common 16-bit format (LUDB, PTB-XL, most exports),
            // every sample asked for inside the record and the file: each frame's two bytes,
            // a frame apart, without a division, a format dispatch or a bounds check per
            // sample; the same values as below.
            let stride = usize::try_from(l.frame_len)
                .unwrap_or(usize::MAX)
                .saturating_mul(2);
            for (o, b) in out.iter_mut().zip(data[first..].chunks(stride)) {
                *o = i32::from(i16::from_le_bytes([b[0], b[1]]));
            }
            return Ok(());
        }
        for (n, o) in out.iter_mut().enumerate() {
            let i = (start + n) as u64;
            *o = l
                .stream_index(i)
                .and_then(|k| decode_one(l.format, data, k))
                .unwrap_or(self.invalid);
        }
        Ok(())
    }
}

/// Decoding scratch size: reads are done in chunks so a huge `read` needs no huge buffer.
const CHUNK: usize = 4096;

impl SampleSource for WfdbSource {
    fn len(&self) -> usize {
        self.len
    }

    fn read(&self, start: usize, out: &mut [f32]) -> Result<(), SampleError> {
        ecg::check_range(start, out.len(), self.len)?;
        let mut buf = [0i32; CHUNK];
        let cal = self.calibration;
        let mut done = 0;
        while done < out.len() {
            let n = (out.len() - done).min(CHUNK);
            self.decode_into(start + done, &mut buf[..n])?;
            for (o, &d) in out[done..done + n].iter_mut().zip(&buf[..n]) {
                *o = if d == self.invalid {
                    f32::NAN
                } else {
                    cal.to_physical(d) as f32
                };
            }
            done += n;
        }
        Ok(())
    }

    fn read_digital(&self, start: usize, out: &mut [i32]) -> Result<bool, SampleError> {
        self.decode_into(start, out)?;
        Ok(true)
    }

    fn calibration(&self) -> Option<Calibration> {
        Some(self.calibration)
    }

    fn release(&self, start: usize, n: usize) {
        let l = &self.layout;
        let end = start.saturating_add(n).min(self.len);
        if start >= end {
            return;
        }
        // Bits per stored sample (310 and 311 pack three samples in 32 bits).
        let (num, den): (u64, u64) = match l.format {
            8 | 80 => (8, 8),
            16 | 61 | 160 => (16, 8),
            24 => (24, 8),
            32 => (32, 8),
            212 => (12, 8),
            310 | 311 => (32, 24),
            _ => return,
        };
        let (Some(a), Some(b)) = (l.stream_index(start as u64), l.stream_index(end as u64 - 1))
        else {
            return;
        };
        let byte = |k: u64| l.byte_offset.saturating_add(k.saturating_mul(num) / den);
        let (from, to) = (byte(a), byte(b.saturating_add(1)));
        if let (Ok(from), Ok(len)) = (usize::try_from(from), usize::try_from(to - from)) {
            self.file.release(from, len);
        }
    }
}

/// Decodes a whole format-8 (first difference) file stream: every signal keeps its running
/// value, starting from its initial value. `signals` = (samples per frame, initial value).
pub fn decode_format8(data: &[u8], signals: &[(u64, i64)], n_frames: u64) -> Vec<Vec<i32>> {
    let mut out: Vec<Vec<i32>> = signals
        .iter()
        .map(|&(spf, _)| {
            Vec::with_capacity(
                usize::try_from(spf.saturating_mul(n_frames))
                    .unwrap_or(0)
                    .min(data.len()),
            )
        })
        .collect();
    let mut acc: Vec<i64> = signals.iter().map(|&(_, init)| init).collect();
    let mut bytes = data.iter();
    'frames: for _ in 0..n_frames {
        for (s, &(spf, _)) in signals.iter().enumerate() {
            for _ in 0..spf {
                let Some(&b) = bytes.next() else {
                    break 'frames;
                };
                acc[s] += i64::from(b as i8);
                // Clamp to i32: the 8-bit differences of a hostile file can drift without bound.
                out[s].push(acc[s].clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes needed to hold `n` stream samples (rounded up), or `None` on overflow.
    fn bytes_for_samples(format: u32, n: u64) -> Option<u64> {
        match format {
            8 | 80 => Some(n),
            16 | 61 | 160 => n.checked_mul(2),
            24 => n.checked_mul(3),
            32 => n.checked_mul(4),
            212 => n.checked_mul(3).map(|b| b.div_ceil(2)),
            // 310: the second sample of a group lives in the second 16-bit word.
            310 => Some((n / 3) * 4 + [0, 2, 4][(n % 3) as usize]),
            311 => n.checked_mul(4).map(|b| b.div_ceil(3)),
            _ => None,
        }
    }

    #[test]
    fn packed_formats_decode_signed_samples() {
        // 212: samples 0x801 (-2047) and 0x7ff (2047) -> bytes 01 78 ff
        let d = [0x01, 0x78, 0xff];
        assert_eq!(decode_one(212, &d, 0), Some(-2047));
        assert_eq!(decode_one(212, &d, 1), Some(2047));
        assert_eq!(decode_one(212, &d, 2), None);
        // 311: samples 1, -1, -512 -> word = 1 | 0x3ff << 10 | 0x200 << 20
        let w: u32 = 1 | 0x3ff << 10 | 0x200 << 20;
        let d = w.to_le_bytes();
        assert_eq!(
            (0..3).map(|k| decode_one(311, &d, k)).collect::<Vec<_>>(),
            vec![Some(1), Some(-1), Some(-512)]
        );
        // 310: s0 = 5, s1 = -3, s2 = 0b1000000001 (-511)
        let s2: u32 = 0x201;
        let w0 = (5u32 << 1) | (s2 & 0x1f) << 11;
        let w1 = ((0x3ff - 2) << 1) | (s2 >> 5) << 11;
        let mut d = (w0 as u16).to_le_bytes().to_vec();
        d.extend((w1 as u16).to_le_bytes());
        assert_eq!(decode_one(310, &d, 0), Some(5));
        assert_eq!(decode_one(310, &d, 1), Some(-3));
        assert_eq!(decode_one(310, &d, 2), Some(-511));
        assert_eq!(decode_one(24, &[0xff, 0xff, 0xff], 0), Some(-1));
        assert_eq!(decode_one(160, &[0, 0], 0), Some(-32768));
        assert_eq!(decode_one(80, &[0], 0), Some(-128));
    }

    #[test]
    fn sample_counts_match_byte_counts_for_odd_lengths() {
        for fmt in [212u32, 310, 311, 16, 24] {
            for n in 0..20u64 {
                let b = bytes_for_samples(fmt, n).unwrap();
                assert!(samples_in_bytes(fmt, b) >= n, "fmt {fmt} n {n}");
            }
        }
        assert_eq!(bytes_for_samples(u32::MAX, 3), None);
    }

    #[test]
    fn format8_accumulates_differences_per_signal() {
        let out = decode_format8(&[1, 2, 0xff, 0xfe], &[(1, 10), (1, -10)], 2);
        assert_eq!(out, vec![vec![11, 10], vec![-8, -10]]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        /// Format 16 with one sample per frame is read as one strided run where it can be; the
        /// values are each sample's own decode, missing (the invalid value) past the record or
        /// a file cut short, whatever the frame, offset, skew and byte offset.
        #[test]
        fn format16_runs_read_as_sample_by_sample(
            frame_len in 1u64..5,
            offset in 0u64..5,
            skew in 0u64..3,
            n_frames in 0u64..40,
            byte_offset in 0u64..4,
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400),
            start in 0usize..45,
            count in 0usize..45,
        ) {
            let layout = Layout {
                format: 16,
                byte_offset,
                frame_len,
                offset_in_frame: offset % frame_len,
                samples_per_frame: 1,
                skew,
                n_frames,
            };
            let len = n_frames as usize;
            let source = WfdbSource::new(
                Input::from_bytes(bytes, None),
                layout,
                len,
                Calibration { gain: 200.0, baseline: 0.0, resolution_bits: None },
            );
            let count = count.min(len.saturating_sub(start));
            if start + count <= len {
                let mut got = vec![0i32; count];
                source.decode_into(start, &mut got).unwrap();
                let data = source.data();
                let want: Vec<i32> = (start..start + count)
                    .map(|i| {
                        layout
                            .stream_index(i as u64)
                            .and_then(|k| decode_one(16, data, k))
                            .unwrap_or(source.invalid)
                    })
                    .collect();
                proptest::prop_assert_eq!(got, want);
            }
        }
    }

    #[test]
    fn skew_shifts_frames_and_pads_with_missing() {
        let l = Layout {
            format: 16,
            byte_offset: 0,
            frame_len: 2,
            offset_in_frame: 1,
            samples_per_frame: 1,
            skew: 1,
            n_frames: 3,
        };
        assert_eq!(l.stream_index(0), Some(3));
        assert_eq!(l.stream_index(2), Some(7));
        assert_eq!(l.stream_index(3), None);
    }
}
