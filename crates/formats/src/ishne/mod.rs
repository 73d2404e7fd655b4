//! ISHNE Holter standard output file format 1.0 (Badilini F., "The ISHNE Holter Standard
//! Output File Format", A.N.E. 3(3):263-266, 1998): reader, annotation file (`.ann`) and a
//! spec-conformant writer ([`write`]), used by the tests because no public sample exists.
//!
//! Layout (all little-endian):
//! ```text
//! 0    magic "ISHNE1.0" (annotation files: "ANN  1.0")
//! 8    u16 CRC-CCITT (poly 0x1021, init 0xFFFF) of the fixed + variable header
//! 10   fixed header, 512 bytes: i32 var_block_size, i32 samples_per_lead,
//!      i32 var_block_offset, i32 ecg_offset, i16 version, char first_name[40],
//!      char last_name[40], char id[20], i16 sex (0 ?, 1 M, 2 F), i16 race,
//!      i16 birth[3], i16 record_date[3], i16 file_date[3] (day, month, year),
//!      i16 start_time[3] (h, m, s), i16 n_leads, i16 lead_spec[12], i16 lead_quality[12],
//!      i16 resolution_nV[12], i16 pacemaker, char recorder[40], i16 sampling_rate,
//!      char proprietary[80], char copyright[80], char reserved[88]
//! 522  variable-length block (var_block_size bytes)
//! ecg_offset: i16 samples, leads interleaved
//! ```
//! Annotation files carry the same header, then 4-byte records (label, internal byte, u16
//! samples since the previous beat) after a u32 with the sample of the first annotation.

use std::sync::Arc;

use ecg::{
    Annotation, AnnotationKind, Calibration, Date, DateTime, Lead, Patient, Recording, SampleError,
    SampleSource, Sex, Signal, SourceInfo, TimeOfDay, Unit, Warning,
};

use crate::error::Error;
use crate::options::OpenOptions;
use crate::registry::{Confidence, Format};
use crate::source::Input;

const MAGIC: &[u8; 8] = b"ISHNE1.0";
const ANN_MAGIC: &[u8; 8] = b"ANN  1.0";
const FIXED_START: usize = 10;
const FIXED_LEN: usize = 512;

/// Lead codes of the specification's lead table.
const LEAD_NAMES: [&str; 20] = [
    "unknown", "bipolar", "X", "Y", "Z", "I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3",
    "V4", "V5", "V6", "ES", "AS", "AI",
];

/// The ISHNE format (registry entry).
#[derive(Debug, Clone, Copy, Default)]
pub struct Ishne;

impl Format for Ishne {
    fn name(&self) -> &'static str {
        "ISHNE"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["ecg", "ishne"]
    }

    fn probe(&self, input: &Input) -> Confidence {
        if input.head(8) == MAGIC {
            Confidence::Certain
        } else {
            Confidence::No
        }
    }

    fn read(&self, input: &Input, options: &OpenOptions) -> Result<Recording, Error> {
        read(input, options)
    }
}

/// CRC-CCITT (polynomial 0x1021, initial value 0xFFFF), as the specification's C listing.
pub fn crc_ccitt(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0xffff;
    for &b in bytes {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

fn i16_at(b: &[u8], off: usize) -> i16 {
    b.get(off..off + 2)
        .map_or(0, |s| i16::from_le_bytes([s[0], s[1]]))
}

fn i32_at(b: &[u8], off: usize) -> i32 {
    b.get(off..off + 4)
        .map_or(0, |s| i32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn text_at(b: &[u8], off: usize, len: usize) -> String {
    let s = b.get(off..off + len).unwrap_or_default();
    let end = s.iter().position(|&c| c == 0).unwrap_or(s.len());
    String::from_utf8_lossy(&s[..end]).trim().to_string()
}

/// Parsed header fields, offsets relative to the file start.
struct Header {
    var_len: usize,
    samples_per_lead: u64,
    ecg_offset: u64,
    n_leads: usize,
    lead_spec: Vec<i16>,
    resolution_nv: Vec<i16>,
    fs: f64,
}

fn parse_header(
    b: &[u8],
    warnings: &mut Vec<Warning>,
    magic: &[u8; 8],
) -> Result<(Header, Patient, Option<DateTime>), Error> {
    if b.len() < FIXED_START + FIXED_LEN {
        return Err(Error::format_at(
            "header",
            0,
            format!("{} bytes, an ISHNE header needs 522", b.len()),
        ));
    }
    if &b[..8] != magic {
        return Err(Error::format_at(
            "magic",
            0,
            format!("expected {:?}", String::from_utf8_lossy(magic)),
        ));
    }
    let f = FIXED_START;
    let var_len = i32_at(b, f);
    if var_len < 0 {
        return Err(Error::format_at(
            "variable block size",
            f as u64,
            format!("negative: {var_len}"),
        ));
    }
    let var_len = var_len as usize;
    let samples = i32_at(b, f + 4);
    let ecg_offset = i32_at(b, f + 12);
    if samples < 0 || ecg_offset < 0 {
        return Err(Error::format_at(
            "sample count / ECG offset",
            (f + 4) as u64,
            "negative",
        ));
    }
    let crc_end = (FIXED_START + FIXED_LEN).saturating_add(var_len);
    match b.get(FIXED_START..crc_end) {
        Some(h) => {
            let stored = u16::from_le_bytes([b[8], b[9]]);
            let got = crc_ccitt(h);
            if stored != got {
                warnings.push(Warning::at(
                    "header CRC",
                    8,
                    format!("stored {stored:#06x}, computed {got:#06x}"),
                ));
            }
        }
        None => warnings.push(Warning::at(
            "variable block",
            522,
            "runs past the end of the file; CRC not checked",
        )),
    }
    let date3 = |off: usize| {
        let (d, m, y) = (i16_at(b, off), i16_at(b, off + 2), i16_at(b, off + 4));
        Date::new(i32::from(y), u8::try_from(m).ok()?, u8::try_from(d).ok()?)
    };
    let patient = Patient {
        first_name: Some(text_at(b, f + 18, 40)).filter(|s| !s.is_empty()),
        last_name: Some(text_at(b, f + 58, 40)).filter(|s| !s.is_empty()),
        id: Some(text_at(b, f + 98, 20)).filter(|s| !s.is_empty()),
        sex: match i16_at(b, f + 118) {
            1 => Sex::Male,
            2 => Sex::Female,
            _ => Sex::Unknown,
        },
        birth_date: date3(f + 122),
        ..Patient::default()
    };
    let record_date = date3(f + 128);
    let (h, m, s) = (i16_at(b, f + 140), i16_at(b, f + 142), i16_at(b, f + 144));
    let start = TimeOfDay::new(h.clamp(0, 255) as u8, m.clamp(0, 255) as u8, f64::from(s))
        .filter(|_| h >= 0 && m >= 0)
        .map(|time| DateTime {
            date: record_date,
            time,
        });
    let n_leads = i16_at(b, f + 146);
    if !(0..=12).contains(&n_leads) {
        return Err(Error::format_at(
            "number of leads",
            (f + 146) as u64,
            format!("must be 0..=12, found {n_leads}"),
        ));
    }
    let n_leads = n_leads as usize;
    let lead_spec = (0..n_leads).map(|i| i16_at(b, f + 148 + 2 * i)).collect();
    let resolution_nv = (0..n_leads).map(|i| i16_at(b, f + 196 + 2 * i)).collect();
    let fs = f64::from(i16_at(b, f + 262));
    Ok((
        Header {
            var_len,
            samples_per_lead: samples as u64,
            ecg_offset: ecg_offset as u64,
            n_leads,
            lead_spec,
            resolution_nv,
            fs,
        },
        patient,
        start,
    ))
}

/// One ISHNE lead decoded lazily from interleaved 16-bit samples.
#[derive(Debug, Clone)]
struct IshneSource {
    file: Input,
    offset: u64,
    stride: u64,
    lead: u64,
    len: usize,
    calibration: Calibration,
}

impl SampleSource for IshneSource {
    fn len(&self) -> usize {
        self.len
    }

    fn read(&self, start: usize, out: &mut [f32]) -> Result<(), SampleError> {
        let mut d = vec![0i32; out.len()];
        self.read_digital(start, &mut d)?;
        for (o, &v) in out.iter_mut().zip(&d) {
            *o = if v == i32::from(i16::MIN) {
                f32::NAN
            } else {
                self.calibration.to_physical(v) as f32
            };
        }
        Ok(())
    }

    fn read_digital(&self, start: usize, out: &mut [i32]) -> Result<bool, SampleError> {
        ecg::check_range(start, out.len(), self.len)?;
        let b = self.file.bytes();
        for (n, o) in out.iter_mut().enumerate() {
            let off = self.offset + ((start + n) as u64 * self.stride + self.lead) * 2;
            let off = usize::try_from(off).unwrap_or(usize::MAX);
            *o = b
                .get(off..off.saturating_add(2))
                .map_or(i32::from(i16::MIN), |s| {
                    i32::from(i16::from_le_bytes([s[0], s[1]]))
                });
        }
        Ok(true)
    }

    fn calibration(&self) -> Option<Calibration> {
        Some(self.calibration)
    }
}

/// Reads an ISHNE ECG file (and `<stem>.ann` beside it when present).
pub fn read(input: &Input, options: &OpenOptions) -> Result<Recording, Error> {
    let b = input.bytes();
    let mut warnings = Vec::new();
    let (h, patient, start) = parse_header(b, &mut warnings, MAGIC)?;
    if h.fs <= 0.0 {
        return Err(Error::format_at(
            "sampling rate",
            (FIXED_START + 262) as u64,
            format!("must be positive, found {}", h.fs),
        ));
    }
    let total = h.samples_per_lead.saturating_mul(h.n_leads as u64);
    if total > options.limits.max_samples {
        return Err(Error::limit(
            "samples per lead",
            format!("{total} samples exceed the limit"),
        ));
    }
    let available = (b.len() as u64).saturating_sub(h.ecg_offset) / 2 / (h.n_leads.max(1) as u64);
    if available < h.samples_per_lead {
        warnings.push(Warning::at(
            "ECG block",
            h.ecg_offset,
            format!(
                "holds {available} samples per lead, the header says {}; the rest reads as NaN",
                h.samples_per_lead
            ),
        ));
    }
    let _ = h.var_len;
    let leads = (0..h.n_leads)
        .map(|k| {
            let code = h.lead_spec[k];
            let name = usize::try_from(code)
                .ok()
                .and_then(|c| LEAD_NAMES.get(c))
                .map_or(format!("lead {code}"), |s| s.to_string());
            let res = h.resolution_nv[k];
            if res <= 0 {
                warnings.push(Warning::new(
                    format!("resolution of lead {k}"),
                    format!("{res} nV; assuming 1000 nV"),
                ));
            }
            let nv = if res > 0 { f64::from(res) } else { 1000.0 };
            // physical (µV) = digital * nV / 1000, i.e. gain = 1000 / nV adu per µV
            let calibration = Calibration {
                gain: 1000.0 / nv,
                baseline: 0.0,
                resolution_bits: Some(16),
            };
            let src = IshneSource {
                file: input.clone(),
                offset: h.ecg_offset,
                stride: h.n_leads as u64,
                lead: k as u64,
                len: h.samples_per_lead as usize,
                calibration,
            };
            Lead::new(&name, h.fs, Unit::Microvolt, Signal::new(Arc::new(src)))
        })
        .collect();
    let mut rec = Recording::new(leads);
    rec.patient = patient;
    rec.acquisition.start_time = start;
    if let Some(stem) = input
        .name()
        .and_then(|n| n.rsplit_once('.'))
        .map(|(s, _)| s.to_string())
    {
        let ann = format!("{stem}.ann");
        if input.has_companion(&ann) {
            match input
                .companion(&ann)
                .and_then(|a| read_annotations(a.bytes(), h.fs))
            {
                Ok(a) => rec.annotations = a,
                Err(e) => warnings.push(Warning {
                    field: format!("{ann}: {}", e.field.unwrap_or_default()),
                    offset: e.offset,
                    message: e.message,
                }),
            }
        }
    }
    rec.source = SourceInfo {
        format: "ISHNE".into(),
        version: Some("1.0".into()),
        path: None,
        warnings,
    };
    Ok(rec)
}

/// Reads an ISHNE annotation file into beat annotations at `fs_hz`.
pub fn read_annotations(b: &[u8], fs_hz: f64) -> Result<Vec<Annotation>, Error> {
    let mut w = Vec::new();
    let (h, _, _) = parse_header(b, &mut w, ANN_MAGIC)?;
    let start = FIXED_START + FIXED_LEN + h.var_len;
    let first = b
        .get(start..start + 4)
        .ok_or_else(|| Error::format_at("annotation block", start as u64, "missing"))?;
    let mut t = u64::from(u32::from_le_bytes([first[0], first[1], first[2], first[3]]));
    let mut out = Vec::new();
    for rec in b.get(start + 4..).unwrap_or_default().chunks_exact(4) {
        let label = rec[0];
        if label == 0 {
            continue;
        }
        t += u64::from(u16::from_le_bytes([rec[2], rec[3]]));
        out.push(Annotation::point(
            t as f64 / fs_hz,
            AnnotationKind::Beat {
                code: (label as char).to_string(),
            },
            "",
        ));
    }
    Ok(out)
}

fn put_text(h: &mut [u8], off: usize, len: usize, s: &str) {
    let b = s.as_bytes();
    let n = b.len().min(len - 1);
    h[off..off + n].copy_from_slice(&b[..n]);
}

fn header_bytes(
    magic: &[u8; 8],
    rec: &Recording,
    samples: usize,
    n_leads: usize,
    res_nv: &[i16],
    fs: f64,
) -> Vec<u8> {
    let mut h = vec![0u8; FIXED_START + FIXED_LEN];
    h[..8].copy_from_slice(magic);
    let f = FIXED_START;
    let put16 =
        |h: &mut Vec<u8>, off: usize, v: i16| h[off..off + 2].copy_from_slice(&v.to_le_bytes());
    h[f..f + 4].copy_from_slice(&0i32.to_le_bytes());
    h[f + 4..f + 8].copy_from_slice(&(samples as i32).to_le_bytes());
    h[f + 8..f + 12].copy_from_slice(&522i32.to_le_bytes());
    h[f + 12..f + 16].copy_from_slice(&522i32.to_le_bytes());
    put16(&mut h, f + 16, 1);
    put_text(
        &mut h,
        f + 18,
        40,
        rec.patient.first_name.as_deref().unwrap_or(""),
    );
    put_text(
        &mut h,
        f + 58,
        40,
        rec.patient.last_name.as_deref().unwrap_or(""),
    );
    put_text(&mut h, f + 98, 20, rec.patient.id.as_deref().unwrap_or(""));
    put16(
        &mut h,
        f + 118,
        match rec.patient.sex {
            Sex::Male => 1,
            Sex::Female => 2,
            Sex::Unknown => 0,
        },
    );
    let date = |h: &mut Vec<u8>, off: usize, d: Option<Date>| {
        let (dd, mm, yy) = d.map_or((-9, -9, -9), |d| {
            (i16::from(d.day), i16::from(d.month), d.year as i16)
        });
        put16(h, off, dd);
        put16(h, off + 2, mm);
        put16(h, off + 4, yy);
    };
    date(&mut h, f + 122, rec.patient.birth_date);
    let st = rec.acquisition.start_time;
    date(&mut h, f + 128, st.and_then(|t| t.date));
    date(&mut h, f + 134, st.and_then(|t| t.date));
    let t = st.map(|t| t.time);
    put16(&mut h, f + 140, t.map_or(0, |t| i16::from(t.hour)));
    put16(&mut h, f + 142, t.map_or(0, |t| i16::from(t.minute)));
    put16(&mut h, f + 144, t.map_or(0, |t| t.second as i16));
    put16(&mut h, f + 146, n_leads as i16);
    for (k, l) in rec.leads.iter().take(n_leads).enumerate() {
        let code = LEAD_NAMES
            .iter()
            .position(|n| *n == l.label.name())
            .unwrap_or(0) as i16;
        put16(&mut h, f + 148 + 2 * k, code);
        put16(
            &mut h,
            f + 196 + 2 * k,
            res_nv.get(k).copied().unwrap_or(1000),
        );
    }
    put16(&mut h, f + 244, -9);
    put_text(&mut h, f + 246, 40, "heartlens");
    put16(&mut h, f + 262, fs.round() as i16);
    let crc = crc_ccitt(&h[FIXED_START..]);
    h[8..10].copy_from_slice(&crc.to_le_bytes());
    h
}

/// Writes an ISHNE 1.0 file (up to 12 leads, physical values quantized at 1 µV = 1000 nV when
/// the lead has no digital values) and, when the recording has beat annotations, the `.ann`
/// companion. Returns (ECG bytes, annotation bytes).
pub fn write(rec: &Recording) -> Result<(Vec<u8>, Option<Vec<u8>>), Error> {
    let n_leads = rec.leads.len().min(12);
    let fs = rec.leads.first().map_or(0.0, |l| l.sampling_rate_hz);
    if n_leads == 0
        || !(1.0..=32767.0).contains(&fs)
        || rec.leads.iter().any(|l| l.sampling_rate_hz != fs)
    {
        return Err(Error::parameter(
            "ISHNE needs 1..=12 leads sharing one whole sampling rate",
        ));
    }
    let samples = rec.leads.iter().map(|l| l.n_samples()).max().unwrap_or(0);
    let mut cols = Vec::new();
    let mut res = Vec::new();
    for l in rec.leads.iter().take(n_leads) {
        let mut d = vec![0i32; l.n_samples()];
        let cal = l.signal.calibration();
        let uv = l.unit.to_uv_factor().unwrap_or(1.0);
        let keep = l.signal.read_digital(0, &mut d).map_err(Error::from)?
            && cal.is_some_and(|c| {
                c.baseline == 0.0
                    && ((1000.0 * uv / c.gain).round() - 1000.0 * uv / c.gain).abs() < 1e-9
                    && (1.0..=32767.0).contains(&(1000.0 * uv / c.gain))
            })
            && d.iter()
                .all(|&v| (i32::from(i16::MIN)..=i32::from(i16::MAX)).contains(&v));
        if keep {
            res.push((1000.0 * uv / cal.map_or(1.0, |c| c.gain)).round() as i16);
        } else {
            let p = l.signal.to_vec().map_err(Error::from)?;
            d = p
                .iter()
                .map(|&v| {
                    if v.is_finite() {
                        (f64::from(v) * uv).round().clamp(-32767.0, 32767.0) as i32
                    } else {
                        i32::from(i16::MIN)
                    }
                })
                .collect();
            res.push(1000);
        }
        cols.push(d);
    }
    let mut out = header_bytes(MAGIC, rec, samples, n_leads, &res, fs);
    out.reserve(samples * n_leads * 2);
    for i in 0..samples {
        for c in &cols {
            out.extend_from_slice(
                &(c.get(i).copied().unwrap_or(i32::from(i16::MIN)) as i16).to_le_bytes(),
            );
        }
    }
    let beats: Vec<(u64, u8)> = rec
        .annotations
        .iter()
        .filter_map(|a| match &a.kind {
            AnnotationKind::Beat { code } if a.onset_s >= 0.0 => Some((
                (a.onset_s * fs).round() as u64,
                code.bytes().next().unwrap_or(b'N'),
            )),
            _ => None,
        })
        .collect();
    let ann = (!beats.is_empty()).then(|| {
        let mut a = header_bytes(ANN_MAGIC, rec, samples, n_leads, &res, fs);
        let first = beats[0].0;
        a.extend_from_slice(&(first as u32).to_le_bytes());
        let mut t = first;
        for (s, label) in beats {
            a.extend_from_slice(&[label, 0]);
            a.extend_from_slice(&((s - t).min(65535) as u16).to_le_bytes());
            t = s;
        }
        a
    });
    Ok((out, ann))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_ccitt_matches_the_standard_check_value() {
        // CRC-16/CCITT-FALSE check value for "123456789".
        assert_eq!(crc_ccitt(b"123456789"), 0x29b1);
    }

    #[test]
    fn written_file_reads_back_with_crc_leads_and_annotations() {
        let cal = Calibration {
            gain: 1000.0 / 2500.0 * 1000.0,
            baseline: 0.0,
            resolution_bits: Some(16),
        };
        let d: Vec<i32> = (0..400).map(|i| (i % 50) - 25).collect();
        let mut rec = Recording::new(vec![
            Lead::new(
                "II",
                200.0,
                Unit::Millivolt,
                Signal::from_digital(d.clone(), cal, None),
            ),
            Lead::new(
                "V5",
                200.0,
                Unit::Millivolt,
                Signal::from_physical(vec![0.5f32; 400]),
            ),
        ]);
        rec.patient.last_name = Some("Doe".into());
        rec.annotations = vec![
            Annotation::point(0.5, AnnotationKind::Beat { code: "N".into() }, ""),
            Annotation::point(1.25, AnnotationKind::Beat { code: "V".into() }, ""),
        ];
        let (ecg_bytes, ann) = write(&rec).unwrap();
        let input = Input::from_bytes(ecg_bytes.clone(), Some("h.ecg"))
            .with_companion("h.ann", ann.unwrap());
        assert_eq!(Ishne.probe(&input), Confidence::Certain);
        let back = read(&input, &OpenOptions::new()).unwrap();
        assert!(
            back.source.warnings.is_empty(),
            "{:?}",
            back.source.warnings
        );
        assert_eq!(back.leads[0].label, ecg::LeadLabel::II);
        let mut got = vec![0; 400];
        back.leads[0].signal.read_digital(0, &mut got).unwrap();
        assert_eq!(got, d);
        assert!(
            (back.leads[1].signal.read_range(0, 1).unwrap()[0] - 500.0).abs() < 1e-3,
            "µV"
        );
        assert_eq!(back.patient.last_name.as_deref(), Some("Doe"));
        assert_eq!(back.annotations.len(), 2);
        assert!((back.annotations[1].onset_s - 1.25).abs() < 1e-9);
        // A flipped header byte is reported as a CRC warning, not an error.
        let mut bad = ecg_bytes;
        bad[30] ^= 0x20;
        let back = read(&Input::from_bytes(bad, Some("h.ecg")), &OpenOptions::new()).unwrap();
        assert!(back.source.warnings.iter().any(|w| w.field == "header CRC"));
    }
}
