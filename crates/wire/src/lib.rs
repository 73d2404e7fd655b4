//! How a rendered frame travels from the app to the webview (issue 19, interaction latency).
//!
//! An ECG frame is paper grid plus traces: almost every pixel equals the pixel above it, its
//! left neighbour, or the pixel at the same place in the frame the webview already shows. So
//! instead of raw RGBA (3.3 MB at 1003x824, tens of ms through WebKitGTK's custom-scheme IPC)
//! the app sends a stream of little-endian `u32` words: ops that copy runs of pixels from those
//! places, and literal pixels only where something new was drawn. Encoding is one greedy pass
//! over the pixels; decoding is a loop of `copyWithin` / `fill` / `set` over a `Uint32Array` in
//! the UI (`ui/src/framewire.ts`, which must stay in step with [`decode`] here).
//!
//! A pixel is the `u32` whose little-endian bytes are its R, G, B, A: what a `Uint32Array` over
//! an `ImageData`'s bytes reads on a little-endian machine.
//!
//! # Message ([`encode_message`])
//!
//! Words 0-5: magic `"HLF1"`, width, height, this frame's id, the id of the base frame the ops
//! refer to (0: none), the byte length of a UTF-8 JSON document. Then the JSON (the frame's
//! panel geometry and marks), padded with spaces to a multiple of 4 bytes, then the ops.
//!
//! A message whose frame id equals its base id ([`encode_unchanged`], header only: no JSON,
//! no ops) says "the answer is the frame you hold under this id, unchanged": the view asked for
//! draws exactly that frame (e.g. a pan clamped at the record's end), so nothing is drawn,
//! sent or painted.
//!
//! # Ops ([`encode`])
//!
//! The frame is one flat run of `width * height` pixels. Each op word is `count << 2 | tag`
//! (`1 <= count < 2^30`) and covers the next `count` pixels, at index `i` onwards:
//!
//! - tag 0, above: pixel `i` is pixel `i - width` of this frame (copied forward, so a run may
//!   cover several rows);
//! - tag 1, previous: pixel `i` is pixel `i` of the base frame;
//! - tag 2, fill: the next word is a pixel; every pixel of the run is that pixel;
//! - tag 3, literal: the next `count` words are the pixels.

use std::fmt;

/// First word of a message: `"HLF1"`.
pub const MAGIC: u32 = u32::from_le_bytes(*b"HLF1");
/// Words before the JSON.
pub const HEADER_WORDS: usize = 6;
/// Longest run one op covers.
pub const MAX_RUN: usize = (1 << 30) - 1;
/// Largest frame a message may describe (the renderer's own limit is 8192 x 8192).
pub const MAX_PIXELS: usize = 8192 * 8192;

const ABOVE: u32 = 0;
const PREVIOUS: u32 = 1;
const FILL: u32 = 2;
const LITERAL: u32 = 3;

/// RGBA bytes as pixels (4 bytes each; a trailing partial pixel is ignored).
pub fn pixels_from_rgba(rgba: &[u8]) -> Vec<u32> {
    rgba.chunks_exact(4)
        .map(|p| u32::from_le_bytes([p[0], p[1], p[2], p[3]]))
        .collect()
}

/// Pixels back as RGBA bytes.
pub fn rgba_from_pixels(pixels: &[u32]) -> Vec<u8> {
    pixels.iter().flat_map(|p| p.to_le_bytes()).collect()
}

/// FNV-1a (32-bit) over the pixels as words: the app and the UI compare a painted canvas with
/// the frame rendered by this number (`ui/src/framewire.ts` computes the same).
pub fn digest(pixels: &[u32]) -> u32 {
    pixels
        .iter()
        .fold(0x811c_9dc5_u32, |h, &p| (h ^ p).wrapping_mul(0x0100_0193))
}

/// Length of the common prefix of `a` and `b`, at most `limit`.
fn common(a: &[u32], b: &[u32], limit: usize) -> usize {
    let limit = limit.min(a.len()).min(b.len());
    let (a, b) = (&a[..limit], &b[..limit]);
    let mut k = 0;
    while k + 16 <= limit && a[k..k + 16] == b[k..k + 16] {
        k += 16;
    }
    while k < limit && a[k] == b[k] {
        k += 1;
    }
    k
}

fn push(out: &mut Vec<u8>, word: u32) {
    out.extend_from_slice(&word.to_le_bytes());
}

fn push_literals(out: &mut Vec<u8>, pixels: &[u32]) {
    for chunk in pixels.chunks(MAX_RUN) {
        push(out, (chunk.len() as u32) << 2 | LITERAL);
        out.reserve(chunk.len() * 4);
        for &p in chunk {
            push(out, p);
        }
    }
}

/// Appends the ops for `pixels` (rows of `width`) to `out`. `base` is the frame the receiver
/// already holds; it is used only when it has as many pixels. Greedy: at each pixel the longest
/// of the three copy runs wins if it saves words over literals, else the pixel is a literal.
pub fn encode(width: usize, pixels: &[u32], base: Option<&[u32]>, out: &mut Vec<u8>) {
    let base = base.filter(|b| b.len() == pixels.len());
    let n = pixels.len();
    let mut i = 0;
    let mut literal_from = 0;
    while i < n {
        let limit = (n - i).min(MAX_RUN);
        let here = &pixels[i..];
        let previous = base.map_or(0, |b| common(&b[i..], here, limit));
        let above = if width > 0 && i >= width {
            common(&pixels[i - width..], here, limit)
        } else {
            0
        };
        let colour = here[0];
        let fill = if previous >= limit || above >= limit {
            0
        } else {
            1 + here[1..limit].iter().take_while(|&&p| p == colour).count()
        };
        // A copy op costs one word, a fill two, a literal one per pixel (plus an op per block).
        let (tag, len) = if previous >= 2 && previous >= above && previous + 1 >= fill {
            (PREVIOUS, previous)
        } else if above >= 2 && above + 1 >= fill {
            (ABOVE, above)
        } else if fill >= 3 {
            (FILL, fill)
        } else {
            i += 1;
            continue;
        };
        push_literals(out, &pixels[literal_from..i]);
        push(out, (len as u32) << 2 | tag);
        if tag == FILL {
            push(out, colour);
        }
        i += len;
        literal_from = i;
    }
    push_literals(out, &pixels[literal_from..n]);
}

/// Which of the frames the receiver holds (`candidates`, any order) shares the most pixels with
/// `pixels`, judged on every 61st pixel; `None` when none has the same size or any pixel in
/// common. Zooming back to a scale seen a moment ago finds that frame's grid this way.
pub fn choose_base(pixels: &[u32], candidates: &[&[u32]]) -> Option<usize> {
    candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| c.len() == pixels.len())
        .map(|(k, c)| {
            let same = pixels
                .iter()
                .zip(c.iter())
                .step_by(61)
                .filter(|(a, b)| a == b)
                .count();
            (same, k)
        })
        .filter(|&(same, _)| same > 0)
        .max()
        .map(|(_, k)| k)
}

/// Why a message or an op stream could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Fewer bytes than the header and JSON need, or a length not a multiple of 4.
    Truncated,
    /// The first word is not [`MAGIC`].
    BadMagic(u32),
    /// Width times height is zero or above [`MAX_PIXELS`].
    BadSize { width: u32, height: u32 },
    /// The ops name a base frame the receiver does not hold.
    MissingBase(u32),
    /// An op at word `at` is malformed (the reason says how).
    BadOp { at: usize, reason: &'static str },
    /// The ops cover the frame but words remain after them.
    TrailingWords(usize),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated => write!(f, "frame message truncated"),
            Self::BadMagic(m) => write!(f, "not a frame message (first word {m:#010x})"),
            Self::BadSize { width, height } => write!(f, "bad frame size {width}x{height}"),
            Self::MissingBase(id) => write!(f, "base frame {id} is not held"),
            Self::BadOp { at, reason } => write!(f, "bad op at word {at}: {reason}"),
            Self::TrailingWords(n) => write!(f, "{n} words after the last op"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Decodes an op stream into `len` pixels (rows of `width`), given the base frame if the ops
/// refer to one. The reference the UI's decoder follows.
pub fn decode(
    words: &[u32],
    width: usize,
    len: usize,
    base: Option<&[u32]>,
) -> Result<Vec<u32>, DecodeError> {
    let mut out = vec![0u32; len];
    let (mut i, mut k) = (0, 0);
    while i < len {
        let at = k;
        let bad = |reason| DecodeError::BadOp { at, reason };
        let word = *words
            .get(k)
            .ok_or(bad("the ops end before the frame does"))?;
        k += 1;
        let n = (word >> 2) as usize;
        if n == 0 || n > len - i {
            return Err(bad("run length is zero or past the frame's end"));
        }
        match word & 3 {
            ABOVE => {
                if width == 0 || i < width {
                    return Err(bad("copy from above in the first row"));
                }
                for j in i..i + n {
                    out[j] = out[j - width];
                }
            }
            PREVIOUS => {
                let b = base.filter(|b| b.len() == len).ok_or(bad(
                    "copy from a base frame that is absent or of another size",
                ))?;
                out[i..i + n].copy_from_slice(&b[i..i + n]);
            }
            FILL => {
                let colour = *words.get(k).ok_or(bad("fill without its pixel"))?;
                k += 1;
                out[i..i + n].fill(colour);
            }
            _ => {
                let lit = words
                    .get(k..k + n)
                    .ok_or(bad("fewer literal pixels than counted"))?;
                k += n;
                out[i..i + n].copy_from_slice(lit);
            }
        }
        i += n;
    }
    if k != words.len() {
        return Err(DecodeError::TrailingWords(words.len() - k));
    }
    Ok(out)
}

/// The header of a frame message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Frame width in pixels.
    pub width: u32,
    /// Frame height in pixels.
    pub height: u32,
    /// This frame's id (never 0).
    pub frame_id: u32,
    /// The frame the ops copy from, 0 for none.
    pub base_id: u32,
}

impl Header {
    /// True for an "unchanged" message ([`encode_unchanged`]): show the held frame `frame_id`.
    pub fn is_unchanged(&self) -> bool {
        self.frame_id != 0 && self.frame_id == self.base_id
    }
}

/// The message for "the frame you hold as `frame_id` (never 0) is the answer": six header
/// words, base id = frame id, no JSON, no ops.
pub fn encode_unchanged(frame_id: u32, width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_WORDS * 4);
    for w in [MAGIC, width, height, frame_id, frame_id, 0] {
        push(&mut out, w);
    }
    out
}

/// One whole message: header, `json` (the frame's geometry), and the ops for `pixels`, copying
/// from `base` (its id and pixels) where that helps. `frame_id` must not be 0.
pub fn encode_message(
    frame_id: u32,
    width: u32,
    height: u32,
    json: &[u8],
    pixels: &[u32],
    base: Option<(u32, &[u32])>,
) -> Vec<u8> {
    let base = base.filter(|(id, b)| *id != 0 && b.len() == pixels.len());
    let padded = json.len().div_ceil(4) * 4;
    let mut out = Vec::with_capacity(HEADER_WORDS * 4 + padded + pixels.len());
    for w in [
        MAGIC,
        width,
        height,
        frame_id,
        base.map_or(0, |(id, _)| id),
        json.len() as u32,
    ] {
        push(&mut out, w);
    }
    out.extend_from_slice(json);
    out.resize(HEADER_WORDS * 4 + padded, b' ');
    encode(width as usize, pixels, base.map(|(_, b)| b), &mut out);
    out
}

/// Reads a message's header and JSON bytes without decoding the pixels.
pub fn read_header(bytes: &[u8]) -> Result<(Header, &[u8]), DecodeError> {
    if bytes.len() < HEADER_WORDS * 4 || !bytes.len().is_multiple_of(4) {
        return Err(DecodeError::Truncated);
    }
    let word = |k: usize| {
        u32::from_le_bytes([
            bytes[4 * k],
            bytes[4 * k + 1],
            bytes[4 * k + 2],
            bytes[4 * k + 3],
        ])
    };
    if word(0) != MAGIC {
        return Err(DecodeError::BadMagic(word(0)));
    }
    let header = Header {
        width: word(1),
        height: word(2),
        frame_id: word(3),
        base_id: word(4),
    };
    let json_len = word(5) as usize;
    let start = HEADER_WORDS * 4;
    let json = bytes
        .get(start..start.saturating_add(json_len))
        .ok_or(DecodeError::Truncated)?;
    Ok((header, json))
}

/// Decodes a whole message; `base` gives the pixels of a frame by id (called only when the
/// message refers to one).
pub fn decode_message<'a>(
    bytes: &'a [u8],
    base: impl FnOnce(u32) -> Option<&'a [u32]>,
) -> Result<(Header, &'a [u8], Vec<u32>), DecodeError> {
    let (header, json) = read_header(bytes)?;
    let len = (header.width as usize)
        .checked_mul(header.height as usize)
        .filter(|&n| n > 0 && n <= MAX_PIXELS)
        .ok_or(DecodeError::BadSize {
            width: header.width,
            height: header.height,
        })?;
    let base = match header.base_id {
        0 => None,
        id => Some(base(id).ok_or(DecodeError::MissingBase(id))?),
    };
    if header.is_unchanged() {
        let pixels = base.filter(|b| b.len() == len).ok_or(DecodeError::BadOp {
            at: HEADER_WORDS,
            reason: "unchanged frame of another size than the one held",
        })?;
        if bytes.len() != HEADER_WORDS * 4 {
            return Err(DecodeError::TrailingWords(bytes.len() / 4 - HEADER_WORDS));
        }
        return Ok((header, json, pixels.to_vec()));
    }
    let ops_from = HEADER_WORDS * 4 + json.len().div_ceil(4) * 4;
    let words = pixels_from_rgba(bytes.get(ops_from..).ok_or(DecodeError::Truncated)?);
    let pixels = decode(&words, header.width as usize, len, base)?;
    Ok((header, json, pixels))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A little paper: background, a grid line every 5 px both ways, a trace across.
    fn paper(w: usize, h: usize, shift: usize) -> Vec<u32> {
        let mut p = vec![0xffee_eeffu32; w * h];
        for y in 0..h {
            for x in 0..w {
                if x % 5 == 0 || y % 5 == 0 {
                    p[y * w + x] = 0xff99_99ff;
                }
            }
        }
        for x in 0..w {
            let y = (((x + shift) as f64 * 0.3).sin() * 0.4 + 0.5) * (h - 1) as f64;
            p[y as usize * w + x] = 0xff00_0000;
        }
        p
    }

    #[test]
    fn paper_round_trips_and_shrinks() {
        let (w, h) = (200, 120);
        let a = paper(w, h, 0);
        let b = paper(w, h, 7);
        let msg = encode_message(2, w as u32, h as u32, b"{}", &b, Some((1, &a)));
        let (header, json, got) = decode_message(&msg, |id| (id == 1).then_some(&a[..])).unwrap();
        assert_eq!(header.base_id, 1);
        assert_eq!(json, b"{}");
        assert_eq!(got, b);
        assert!(msg.len() * 10 < w * h * 4, "{} bytes", msg.len());
        // Without a base frame the same frame still decodes.
        let msg = encode_message(3, w as u32, h as u32, b"[1]", &b, None);
        let (header, _, got) = decode_message(&msg, |_| None).unwrap();
        assert_eq!(header.base_id, 0);
        assert_eq!(got, b);
    }

    #[test]
    fn bad_messages_are_errors_not_panics() {
        let a = paper(20, 10, 0);
        let msg = encode_message(2, 20, 10, b"{}", &a, Some((1, &a)));
        assert_eq!(
            decode_message(&msg, |_| None).unwrap_err(),
            DecodeError::MissingBase(1)
        );
        assert_eq!(
            decode_message(&msg[..8], |_| None).unwrap_err(),
            DecodeError::Truncated
        );
        let mut bad = msg.clone();
        bad[0] = b'X';
        assert!(matches!(
            decode_message(&bad, |_| None),
            Err(DecodeError::BadMagic(_))
        ));
        let cut = encode_message(2, 20, 10, b"", &a, None);
        assert!(matches!(
            decode_message(&cut[..cut.len() - 4], |_| None),
            Err(DecodeError::BadOp { .. })
        ));
        // An "above" op in the first row.
        let words = [(3 << 2) | ABOVE];
        assert!(matches!(
            decode(&words, 4, 8, None),
            Err(DecodeError::BadOp { at: 0, .. })
        ));
        let huge = encode_message(2, 1 << 20, 1 << 20, b"", &[], None);
        assert!(matches!(
            decode_message(&huge, |_| None),
            Err(DecodeError::BadSize { .. })
        ));
    }

    #[test]
    fn an_unchanged_message_names_the_held_frame() {
        let a = paper(20, 10, 0);
        let msg = encode_unchanged(7, 20, 10);
        assert_eq!(msg.len(), HEADER_WORDS * 4);
        let (header, json, got) = decode_message(&msg, |id| (id == 7).then_some(&a[..])).unwrap();
        assert!(header.is_unchanged());
        assert!(json.is_empty());
        assert_eq!(got, a);
        assert_eq!(
            decode_message(&msg, |_| None).unwrap_err(),
            DecodeError::MissingBase(7)
        );
        let wrong_size = paper(10, 10, 0);
        assert!(decode_message(&msg, |_| Some(&wrong_size[..])).is_err());
        // An ordinary message is never "unchanged".
        let full = encode_message(8, 20, 10, b"{}", &a, Some((7, &a)));
        assert!(!read_header(&full).unwrap().0.is_unchanged());
    }

    #[test]
    fn the_base_sharing_most_pixels_is_chosen() {
        let a = paper(200, 120, 0);
        let b = paper(200, 120, 50);
        let other = vec![1u32; a.len()];
        assert_eq!(choose_base(&b, &[&other, &a, &b[..100]]), Some(1));
        assert_eq!(choose_base(&b, &[&other]), None);
        assert_eq!(choose_base(&b, &[]), None);
    }

    #[test]
    fn digest_is_fnv1a_over_words() {
        assert_eq!(digest(&[]), 0x811c_9dc5);
        // Pinned so the UI's copy (ui/src/framewire.test.ts) computes the same numbers.
        assert_eq!(digest(&[0, 1, 0xffff_ffff]), 0xda51_811f);
    }
}
