//! Writes a [`Recording`] as a WFDB record: header with per-signal checksums, one signal file
//! in format 16 or 212, and annotation files (`.atr` for whole-record marks, `.<lead>` for
//! per-lead marks, as LUDB does).
//!
//! Digital values are written unchanged when the lead keeps them and they fit the format (a
//! WFDB -> WFDB conversion is then sample-exact). Otherwise physical values are quantized with
//! a gain chosen so the largest value fits (1 µV per unit for format 16, 5 µV for 212 when
//! the range allows). Missing samples (NaN) are written as the format's invalid value.

use std::path::{Path, PathBuf};

use ecg::{Lead, LeadLabel, Recording};

use super::annotation;
use super::samples::invalid_value;
use crate::error::{Error, ErrorKind};

/// Signal storage format of the written record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WfdbStorage {
    /// 16-bit little-endian two's complement.
    #[default]
    Format16,
    /// Two 12-bit samples packed in 3 bytes (MIT-BIH).
    Format212,
}

impl WfdbStorage {
    fn code(self) -> u32 {
        match self {
            WfdbStorage::Format16 => 16,
            WfdbStorage::Format212 => 212,
        }
    }

    /// Largest magnitude of a valid sample.
    fn max_abs(self) -> i64 {
        match self {
            WfdbStorage::Format16 => 32767,
            WfdbStorage::Format212 => 2047,
        }
    }

    fn bits(self) -> u32 {
        match self {
            WfdbStorage::Format16 => 16,
            WfdbStorage::Format212 => 12,
        }
    }
}

/// The files of a written record, in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct WfdbFiles {
    /// Record name.
    pub record: String,
    /// `<record>.hea`.
    pub header: Vec<u8>,
    /// `<record>.dat`.
    pub signal: Vec<u8>,
    /// Annotation files: (extension, bytes).
    pub annotations: Vec<(String, Vec<u8>)>,
}

/// One lead prepared for writing.
struct Prepared {
    digital: Vec<i32>,
    gain: f64,
    baseline: i64,
    unit: String,
    name: String,
}

fn prepare(lead: &Lead, n: usize, storage: WfdbStorage, invalid: i32) -> Result<Prepared, Error> {
    let len = lead.n_samples();
    let physical = lead.signal.to_vec().map_err(Error::from)?;
    let mut digital = vec![0i32; len];
    let has_digital = lead
        .signal
        .read_digital(0, &mut digital)
        .map_err(Error::from)?;
    let cal = lead.signal.calibration();
    let max = storage.max_abs();
    let unit = lead.unit.symbol().replace([' ', '\t'], "_");
    let name = lead.original_label.replace(['\n', '\r'], " ");
    let mut out = vec![invalid; n];
    if let (true, Some(cal)) = (has_digital, cal)
        && cal.gain.is_finite()
        && cal.gain != 0.0
        && digital
            .iter()
            .zip(&physical)
            .all(|(&d, p)| p.is_nan() || (i64::from(d).abs() <= max && d != invalid))
    {
        for ((o, &d), p) in out.iter_mut().zip(&digital).zip(&physical) {
            *o = if p.is_nan() { invalid } else { d };
        }
        return Ok(Prepared {
            digital: out,
            gain: cal.gain,
            baseline: cal.baseline.round() as i64,
            unit,
            name,
        });
    }
    // Quantize physical values.
    let peak = physical
        .iter()
        .filter(|v| v.is_finite())
        .fold(0.0f64, |m, &v| m.max(f64::from(v).abs()));
    let preferred = match lead.unit.to_uv_factor() {
        // 1 µV per step for format 16, 5 µV for 212 (the MIT-BIH resolution).
        Some(uv) => {
            uv / if storage == WfdbStorage::Format16 {
                1.0
            } else {
                5.0
            }
        }
        None => (max as f64 - 1.0) / peak.max(f64::MIN_POSITIVE),
    };
    let fit = if peak > 0.0 {
        (max as f64 - 1.0) / peak
    } else {
        preferred
    };
    let gain = preferred.min(fit);
    if !(gain.is_finite() && gain > 0.0) {
        return Err(Error::new(
            ErrorKind::Parameter,
            Some(format!("lead {}", lead.original_label)),
            None,
            "cannot choose a WFDB gain for these values",
        ));
    }
    for (o, &p) in out.iter_mut().zip(&physical) {
        *o = if p.is_finite() {
            (f64::from(p) * gain)
                .round()
                .clamp(-(max as f64), max as f64) as i32
        } else {
            invalid
        };
    }
    Ok(Prepared {
        digital: out,
        gain,
        baseline: 0,
        unit,
        name,
    })
}

/// Encodes a recording as WFDB files named `record`.
pub fn write(rec: &Recording, record: &str, storage: WfdbStorage) -> Result<WfdbFiles, Error> {
    if record.is_empty() || record.contains(['/', '\\', ' ', '\t', '.']) {
        return Err(Error::parameter(format!(
            "invalid WFDB record name '{record}' (no spaces, dots or slashes)"
        )));
    }
    let fs = rec.leads.first().map_or(0.0, |l| l.sampling_rate_hz);
    if rec.leads.is_empty() {
        return Err(Error::parameter("a WFDB record needs at least one lead"));
    }
    if let Some(l) = rec.leads.iter().find(|l| l.sampling_rate_hz != fs) {
        return Err(Error::new(
            ErrorKind::Unsupported,
            Some(format!("lead {}", l.original_label)),
            None,
            format!(
                "leads have different sampling rates ({} and {fs} Hz); resample before writing WFDB",
                l.sampling_rate_hz
            ),
        ));
    }
    if !(fs.is_finite() && fs > 0.0) {
        return Err(Error::parameter(format!(
            "sampling rate {fs} Hz cannot be written"
        )));
    }
    let n = rec.leads.iter().map(Lead::n_samples).max().unwrap_or(0);
    let invalid = invalid_value(storage.code()).unwrap_or(i32::MIN);
    let prepared = rec
        .leads
        .iter()
        .map(|l| prepare(l, n, storage, invalid))
        .collect::<Result<Vec<_>, _>>()?;

    // Signal file: frames of one sample per signal.
    let nsig = prepared.len();
    let mut stream = Vec::with_capacity(n * nsig);
    for i in 0..n {
        for p in &prepared {
            stream.push(p.digital[i]);
        }
    }
    let signal = match storage {
        WfdbStorage::Format16 => stream
            .iter()
            .flat_map(|&v| (v as i16).to_le_bytes())
            .collect(),
        WfdbStorage::Format212 => {
            let mut out = Vec::with_capacity(stream.len() * 3 / 2 + 2);
            for pair in stream.chunks(2) {
                let a = (pair[0] & 0xfff) as u32;
                out.push((a & 0xff) as u8);
                match pair.get(1) {
                    Some(&b) => {
                        let b = (b & 0xfff) as u32;
                        out.push(((a >> 8) | ((b >> 8) << 4)) as u8);
                        out.push((b & 0xff) as u8);
                    }
                    None => out.push((a >> 8) as u8),
                }
            }
            out
        }
    };

    let mut h = format!("{record} {nsig} {fs} {n}");
    if let Some(t) = rec.acquisition.start_time {
        h.push_str(&format!(" {}", t.time));
        if let Some(d) = t.date {
            h.push_str(&format!(" {:02}/{:02}/{:04}", d.day, d.month, d.year));
        }
    }
    h.push('\n');
    for p in &prepared {
        let checksum = p
            .digital
            .iter()
            .fold(0i64, |s, &v| s.wrapping_add(i64::from(v)))
            & 0xffff;
        let checksum = checksum as u16 as i16;
        let init = p.digital.first().copied().unwrap_or(0);
        h.push_str(&format!(
            "{record}.dat {} {}({})/{} {} 0 {init} {checksum} 0 {}\n",
            storage.code(),
            p.gain,
            p.baseline,
            p.unit,
            storage.bits(),
            p.name
        ));
    }
    h.push_str(&format!(
        "# written by heartlens from {}\n",
        if rec.source.format.is_empty() {
            "memory"
        } else {
            &rec.source.format
        }
    ));
    for c in &rec.acquisition.comments {
        for line in c.lines() {
            h.push_str(&format!("# {line}\n"));
        }
    }

    // Annotations: whole-record marks in .atr, per-lead marks in .<lead> (LUDB convention).
    let mut groups: Vec<(String, Vec<ecg::Annotation>)> = Vec::new();
    for a in &rec.annotations {
        let ext = match &a.lead {
            None => "atr".to_string(),
            Some(LeadLabel::Other(_)) => "atr".to_string(),
            Some(l) => l.name().to_ascii_lowercase().replace('-', "neg"),
        };
        match groups.iter_mut().find(|(e, _)| *e == ext) {
            Some((_, v)) => v.push(a.clone()),
            None => groups.push((ext, vec![a.clone()])),
        }
    }
    let annotations = groups
        .into_iter()
        .map(|(ext, anns)| (ext, annotation::write(&anns, fs)))
        .collect();
    Ok(WfdbFiles {
        record: record.to_string(),
        header: h.into_bytes(),
        signal,
        annotations,
    })
}

/// Writes a record into `dir` as `<record>.hea`, `<record>.dat` and annotation files; returns
/// the paths written.
pub fn write_to_dir(
    rec: &Recording,
    dir: &Path,
    record: &str,
    storage: WfdbStorage,
) -> Result<Vec<PathBuf>, Error> {
    let files = write(rec, record, storage)?;
    let mut written = Vec::new();
    let mut put = |name: String, bytes: &[u8]| -> Result<(), Error> {
        let p = dir.join(name);
        std::fs::write(&p, bytes).map_err(|e| Error::io(&e).with_path(&p))?;
        written.push(p);
        Ok(())
    };
    put(format!("{record}.hea"), &files.header)?;
    put(format!("{record}.dat"), &files.signal)?;
    for (ext, bytes) in &files.annotations {
        put(format!("{record}.{ext}"), bytes)?;
    }
    Ok(written)
}
