//! WFDB annotation files in MIT format (`annot(5)`): reading into [`ecg::Annotation`]s and
//! writing them back.
//!
//! Each annotation is a little-endian 16-bit word: the top 6 bits are the code `A`, the low
//! 10 bits the time since the previous annotation `I`. Pseudo-codes modify what follows:
//! `SKIP` (59, a 32-bit PDP-11 interval follows), `NUM` (60), `SUB` (61), `CHN` (62) and `AUX`
//! (63, `I` bytes of text follow, padded to even). A zero word ends the file.
//!
//! Mapping (the vocabulary of `ecgcodes.h`): beat codes become [`AnnotationKind::Beat`];
//! wave triplets `(` peak `)` as written by LUDB and ecgpuwave become [`AnnotationKind::Wave`]
//! onset/peak/offset, the wave taken from the peak symbol (`p` P, `t` T, `u` U, a beat code
//! QRS) or, for lone parentheses, from the `num` field (ecgpuwave: 0 P, 1 QRS, 2 T); `+` with an
//! aux string is a rhythm change; `"` is a note; anything else is kept verbatim as `Other`.
//! The lead comes from the file extension when it names one (LUDB `.ii`, `.v1`...).

use ecg::{Annotation, AnnotationKind, AnnotationSource, LeadLabel, WaveKind, WavePoint};

use crate::error::Error;

/// Mnemonics of the standard codes 0..=49 (`ecgcodes.h`, `annstr`); "" = unused.
const MNEMONICS: [&str; 50] = [
    "", "N", "L", "R", "a", "V", "F", "J", "A", "S", "E", "j", "/", "Q", "~", "", "|", "", "s",
    "T", "*", "D", "\"", "=", "p", "B", "^", "t", "+", "u", "?", "!", "[", "]", "e", "n", "@", "x",
    "f", "(", ")", "r", "", "", "", "", "", "", "", "",
];

const SKIP: u16 = 59;
const NUM: u16 = 60;
const SUB: u16 = 61;
const CHN: u16 = 62;
const AUX: u16 = 63;

/// Most annotations one file may hold (a limit against hostile sizes; 2 bytes each anyway).
const MAX_ANNOTATIONS: usize = 50_000_000;

/// One annotation as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RawAnnotation {
    /// Sample number (at the frame rate).
    pub sample: i64,
    /// Annotation code (1..=49 standard).
    pub code: u8,
    /// Subtype.
    pub sub: i16,
    /// Channel.
    pub chan: u16,
    /// Num field.
    pub num: i16,
    /// Aux string.
    pub aux: String,
}

impl RawAnnotation {
    /// The mnemonic of the code (`N`, `(`...), or `[code]` for user-defined codes.
    pub fn symbol(&self) -> String {
        match MNEMONICS.get(usize::from(self.code)) {
            Some(s) if !s.is_empty() => (*s).to_string(),
            _ => format!("[{}]", self.code),
        }
    }
}

/// Parses an MIT-format annotation file.
pub fn parse(bytes: &[u8]) -> Result<Vec<RawAnnotation>, Error> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    let mut time: i64 = 0;
    let (mut chan, mut num) = (0u16, 0i16);
    let mut sub = 0i16;
    let word = |p: usize| -> Option<u16> {
        let b = bytes.get(p..p + 2)?;
        Some(u16::from_le_bytes([b[0], b[1]]))
    };
    // A file may end without the zero word (odd trailing byte tolerated).
    while let Some(w) = word(pos) {
        let at = pos as u64;
        pos += 2;
        let a = w >> 10;
        let i = w & 0x3ff;
        match a {
            0 if i == 0 => break,
            SKIP => {
                let (Some(hi), Some(lo)) = (word(pos), word(pos + 2)) else {
                    return Err(Error::format_at(
                        "annotation SKIP",
                        at,
                        "file ends inside a SKIP interval",
                    ));
                };
                pos += 4;
                let interval = i64::from((u32::from(hi) << 16 | u32::from(lo)) as i32);
                time = time.saturating_add(interval);
            }
            NUM => num = sign10(i),
            SUB => sub = sign10(i),
            CHN => chan = i,
            AUX => {
                let n = usize::from(i);
                let Some(text) = bytes.get(pos..pos + n) else {
                    return Err(Error::format_at(
                        "annotation AUX",
                        at,
                        format!("aux string of {n} bytes runs past the end of the file"),
                    ));
                };
                pos += n + (n & 1);
                let end = text.iter().position(|&b| b == 0).unwrap_or(text.len());
                let s = String::from_utf8_lossy(&text[..end]).into_owned();
                match out.last_mut() {
                    Some(RawAnnotation { aux, .. }) if aux.is_empty() => *aux = s,
                    _ => {
                        return Err(Error::format_at(
                            "annotation AUX",
                            at,
                            "aux string before any annotation",
                        ));
                    }
                }
            }
            _ => {
                time = time.saturating_add(i64::from(i));
                if out.len() >= MAX_ANNOTATIONS {
                    return Err(Error::limit(
                        "annotations",
                        format!("more than {MAX_ANNOTATIONS} annotations"),
                    ));
                }
                out.push(RawAnnotation {
                    sample: time,
                    code: a as u8,
                    sub,
                    chan,
                    num,
                    aux: String::new(),
                });
                sub = 0;
            }
        }
    }
    Ok(out)
}

fn sign10(i: u16) -> i16 {
    ((i << 6) as i16) >> 6
}

fn beat_code(code: u8) -> bool {
    // isqrs() of the WFDB library: the codes that label a QRS complex.
    matches!(code, 1..=13 | 25 | 30 | 34 | 35 | 37 | 38 | 41)
}

fn peak_wave(code: u8) -> Option<WaveKind> {
    match code {
        24 => Some(WaveKind::P),
        27 => Some(WaveKind::T),
        29 => Some(WaveKind::U),
        c if beat_code(c) => Some(WaveKind::Qrs),
        _ => None,
    }
}

/// Turns raw annotations into the shared vocabulary. `fs_hz` converts samples to seconds;
/// `lead` is the lead these marks belong to (from the file extension), if any.
pub fn to_annotations(
    raw: &[RawAnnotation],
    fs_hz: f64,
    lead: Option<LeadLabel>,
) -> Vec<Annotation> {
    let mut out = Vec::with_capacity(raw.len());
    for (j, r) in raw.iter().enumerate() {
        let prev = j.checked_sub(1).and_then(|p| raw.get(p));
        let next = raw.get(j + 1);
        let kind = match r.code {
            39 | 40 => {
                let neighbour = if r.code == 39 { next } else { prev };
                let wave = neighbour.and_then(|n| peak_wave(n.code)).or(match r.num {
                    0 => Some(WaveKind::P),
                    1 => Some(WaveKind::Qrs),
                    2 => Some(WaveKind::T),
                    _ => None,
                });
                match wave {
                    Some(wave) => AnnotationKind::Wave {
                        wave,
                        point: if r.code == 39 {
                            WavePoint::Onset
                        } else {
                            WavePoint::Offset
                        },
                    },
                    None => AnnotationKind::Other { code: r.symbol() },
                }
            }
            c => {
                let in_triplet =
                    prev.is_some_and(|p| p.code == 39) || next.is_some_and(|n| n.code == 40);
                match peak_wave(c) {
                    Some(wave) if in_triplet || !beat_code(c) => AnnotationKind::Wave {
                        wave,
                        point: WavePoint::Peak,
                    },
                    Some(_) => AnnotationKind::Beat { code: r.symbol() },
                    None if c == 28 => AnnotationKind::Rhythm {
                        code: r.aux.trim_end_matches('\0').to_string(),
                    },
                    None if c == 22 => AnnotationKind::Note,
                    None => AnnotationKind::Other { code: r.symbol() },
                }
            }
        };
        out.push(Annotation {
            onset_s: r.sample as f64 / fs_hz,
            duration_s: 0.0,
            lead: lead.clone(),
            kind,
            text: r.aux.clone(),
            source: AnnotationSource::File,
        });
    }
    out
}

/// The WFDB code for one of our annotations, with its aux string and num field.
fn code_for(a: &Annotation) -> (u8, String, i16) {
    let wave_num = |w: WaveKind| match w {
        WaveKind::P => 0,
        WaveKind::Qrs => 1,
        WaveKind::T => 2,
        WaveKind::U => 3,
    };
    match &a.kind {
        AnnotationKind::Beat { code } => match MNEMONICS.iter().position(|m| m == code) {
            Some(c) if c > 0 => (c as u8, a.text.clone(), 0),
            _ => (13, a.text.clone(), 0),
        },
        AnnotationKind::Wave { wave, point } => {
            let c = match point {
                WavePoint::Onset => 39,
                WavePoint::Offset => 40,
                WavePoint::Peak => match wave {
                    WaveKind::P => 24,
                    WaveKind::Qrs => 1,
                    WaveKind::T => 27,
                    WaveKind::U => 29,
                },
            };
            (c, a.text.clone(), wave_num(*wave))
        }
        AnnotationKind::Rhythm { code } => (28, code.clone(), 0),
        AnnotationKind::Other { code } => match MNEMONICS.iter().position(|m| m == code) {
            Some(c) if c > 0 => (c as u8, a.text.clone(), 0),
            _ => (22, format!("{code} {}", a.text).trim().to_string(), 0),
        },
        _ => (22, a.text.clone(), 0),
    }
}

/// Writes annotations as an MIT-format annotation file at frame rate `fs_hz`. Annotations with
/// a negative or non-finite onset are skipped; aux strings longer than 255 bytes are cut.
pub fn write(annotations: &[Annotation], fs_hz: f64) -> Vec<u8> {
    let mut items: Vec<(i64, u8, String, i16)> = annotations
        .iter()
        .filter(|a| a.onset_s.is_finite() && a.onset_s >= 0.0)
        .map(|a| {
            let (c, aux, num) = code_for(a);
            ((a.onset_s * fs_hz).round() as i64, c, aux, num)
        })
        .collect();
    items.sort_by_key(|i| i.0);
    let mut out = Vec::new();
    let push = |out: &mut Vec<u8>, a: u16, i: u16| {
        out.extend_from_slice(&((a << 10) | (i & 0x3ff)).to_le_bytes());
    };
    let (mut time, mut num) = (0i64, 0i16);
    for (sample, code, aux, n) in items {
        let mut delta = sample - time;
        if delta > 1023 {
            push(&mut out, SKIP, 0);
            let d = (delta as i32) as u32;
            out.extend_from_slice(&((d >> 16) as u16).to_le_bytes());
            out.extend_from_slice(&((d & 0xffff) as u16).to_le_bytes());
            delta = 0;
        }
        if n != num {
            push(&mut out, NUM, (n as u16) & 0x3ff);
            num = n;
        }
        push(&mut out, u16::from(code), delta as u16);
        time = sample;
        if !aux.is_empty() {
            let mut b = aux.into_bytes();
            b.truncate(255);
            push(&mut out, AUX, b.len() as u16);
            let odd = b.len() & 1 == 1;
            out.extend_from_slice(&b);
            if odd {
                out.push(0);
            }
        }
    }
    out.extend_from_slice(&[0, 0]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mitdb_rhythm_with_aux_then_beat() {
        let raw = parse(&[0x12, 0x70, 0x03, 0xfc, b'(', b'N', 0, 0, 0x3b, 0x04, 0, 0]).unwrap();
        assert_eq!(raw.len(), 2);
        assert_eq!((raw[0].sample, raw[0].symbol().as_str()), (18, "+"));
        assert_eq!(raw[0].aux, "(N");
        assert_eq!((raw[1].sample, raw[1].symbol().as_str()), (77, "N"));
        let a = to_annotations(&raw, 360.0, None);
        assert_eq!(a[0].kind, AnnotationKind::Rhythm { code: "(N".into() });
        assert_eq!(a[1].kind, AnnotationKind::Beat { code: "N".into() });
    }

    #[test]
    fn ludb_triplets_become_wave_points() {
        let raw: Vec<RawAnnotation> = [
            (644, 39),
            (662, 1),
            (682, 40),
            (776, 39),
            (843, 27),
            (878, 40),
        ]
        .iter()
        .map(|&(s, c)| RawAnnotation {
            sample: s,
            code: c,
            sub: 0,
            chan: 0,
            num: 0,
            aux: String::new(),
        })
        .collect();
        let a = to_annotations(&raw, 500.0, Some(LeadLabel::II));
        assert_eq!(
            a[0].kind,
            AnnotationKind::Wave {
                wave: WaveKind::Qrs,
                point: WavePoint::Onset
            }
        );
        assert_eq!(
            a[4].kind,
            AnnotationKind::Wave {
                wave: WaveKind::T,
                point: WavePoint::Peak
            }
        );
        assert_eq!(a[5].lead, Some(LeadLabel::II));
        assert!((a[1].onset_s - 1.324).abs() < 1e-12);
    }

    #[test]
    fn written_annotations_read_back_with_skip_and_aux() {
        let mut anns = vec![
            Annotation::point(0.5, AnnotationKind::Beat { code: "V".into() }, ""),
            Annotation::point(
                100.0,
                AnnotationKind::Rhythm {
                    code: "(AFIB".into(),
                },
                "(AFIB",
            ),
            Annotation::point(100.2, AnnotationKind::Note, "odd"),
        ];
        anns[0].text = String::new();
        let bytes = write(&anns, 250.0);
        let raw = parse(&bytes).unwrap();
        let back = to_annotations(&raw, 250.0, None);
        assert_eq!(back.len(), 3);
        assert_eq!(back[0].kind, anns[0].kind);
        assert_eq!(back[1].kind, anns[1].kind);
        assert!((back[1].onset_s - 100.0).abs() < 1e-9);
        assert_eq!(back[2].text, "odd");
    }

    #[test]
    fn truncated_aux_is_an_error_with_offset() {
        let e = parse(&[0x3b, 0x04, 0x05, 0xfc, b'a']).unwrap_err();
        assert_eq!(e.offset, Some(2));
    }
}
