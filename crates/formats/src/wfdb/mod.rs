//! WFDB records (PhysioNet): header (`.hea`), signal files (`.dat`, `.mat`, any name),
//! annotation files (`.atr` and any other extension) and multi-segment records.
//!
//! Owns: header grammar ([`header`]), storage formats and lazy decoding ([`samples`]), FLAC
//! signal files ([`flac`]), MIT annotation files ([`annotation`]), multi-segment records
//! ([`multiseg`]) and the writer ([`writer`]). Does not own: EDF/CSV/others.
//!
//! Reading a record:
//! 1. Find the header: the input itself when it parses as one, else `<stem>.hea` beside the
//!    signal file the user picked (the header must list that file).
//! 2. Group signals by file; each file's signals share one format and one frame layout.
//! 3. Random-access formats become lazy [`samples::WfdbSource`]s over the shared file bytes
//!    (memory-mapped for big files), so opening costs no decoding. Format 8 and FLAC decode
//!    eagerly. Digital values are always kept.
//! 4. Checksums are verified (warning on mismatch) unless the caller asked for lazy opening
//!    or the data exceed [`CHECKSUM_MAX_BYTES`] (verifying would decode the whole file).
//! 5. Annotation files `<record>.<ext>` beside the header are read into annotations.

pub mod annotation;
pub mod flac;
pub mod header;
pub mod multiseg;
pub mod samples;
pub mod writer;

use std::collections::BTreeSet;
use std::sync::Arc;

use ecg::{
    Acquisition, Calibration, Date, DateTime, Lead, LeadLabel, Recording, Sex, Signal, SourceInfo,
    TimeOfDay, Unit, Warning,
};

use crate::error::{Error, ErrorKind};
use crate::options::OpenOptions;
use crate::registry::{Confidence, Format};
use crate::source::Input;

use header::Header;
use samples::{Layout, WfdbSource};

/// Checksums are verified when the signal files together are at most this large.
pub const CHECKSUM_MAX_BYTES: u64 = 64 << 20;

/// Extensions that are never annotation files.
const NOT_ANNOTATIONS: &[&str] = &[
    "hea", "dat", "mat", "xyz", "csv", "txt", "edf", "json", "png", "pdf", "gz", "zip", "xml",
    "hea-", "log", "md",
];

/// Annotation extensions tried when the input came from memory (no folder to list).
const KNOWN_ANNOTATION_EXTENSIONS: &[&str] = &[
    "atr",
    "ann",
    "qrs",
    "ecg",
    "pu",
    "pu0",
    "pu1",
    "ari",
    "apn",
    "st",
    "ecgpuwave",
    "i",
    "ii",
    "iii",
    "avr",
    "avl",
    "avf",
    "v1",
    "v2",
    "v3",
    "v4",
    "v5",
    "v6",
    "test",
];

/// The WFDB format (registry entry).
#[derive(Debug, Clone, Copy, Default)]
pub struct Wfdb;

impl Format for Wfdb {
    fn name(&self) -> &'static str {
        "WFDB"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["hea", "dat", "mat"]
    }

    fn probe(&self, input: &Input) -> Confidence {
        if header::looks_like_header(input.head(8192)) {
            return Confidence::Likely;
        }
        if find_header(input).is_some() {
            return Confidence::Likely;
        }
        Confidence::No
    }

    fn read(&self, input: &Input, options: &OpenOptions) -> Result<Recording, Error> {
        read(input, options)
    }
}

/// Reads a record from its header or from one of its signal files.
pub fn read(input: &Input, options: &OpenOptions) -> Result<Recording, Error> {
    if header::looks_like_header(input.head(8192)) {
        return read_record(input.bytes(), input, options);
    }
    match find_header(input) {
        Some((_, hea)) => read_record(hea.bytes(), input, options).map_err(|e| match e.path {
            None => Error {
                message: format!("{} (header {})", e.message, hea.name().unwrap_or("?")),
                ..e
            },
            Some(_) => e,
        }),
        None => Err(Error::format_at(
            "WFDB header",
            0,
            "not a WFDB header, and no header listing this file was found beside it",
        )),
    }
}

/// For a signal file, the header beside it that lists it: `<stem>.hea`, then shorter stems cut
/// at `_` (`mixedsignals_e.dat` -> `mixedsignals.hea`).
fn find_header(input: &Input) -> Option<(String, Input)> {
    let name = input.name()?;
    let (stem, _) = name.rsplit_once('.')?;
    let mut candidates = vec![stem.to_string()];
    let mut s = stem;
    while let Some((a, _)) = s.rsplit_once('_') {
        candidates.push(a.to_string());
        s = a;
    }
    for c in candidates {
        let hea = format!("{c}.hea");
        if hea == name || !input.has_companion(&hea) {
            continue;
        }
        let Ok(h_input) = input.companion(&hea) else {
            continue;
        };
        let Ok(h) = header::parse(h_input.head(1 << 20), usize::MAX) else {
            continue;
        };
        let lists_it = h.signals.iter().any(|s| s.file == name);
        if lists_it {
            return Some((hea, h_input));
        }
    }
    None
}

/// Opens a file of the record: the given input itself, or a companion beside it.
fn open_file(given: &Input, name: &str) -> Result<Input, Error> {
    if given.name() == Some(name) {
        return Ok(given.clone());
    }
    given.companion(name)
}

/// Reads a record whose header bytes are `hea`; other files are found through `given`.
fn read_record(hea: &[u8], given: &Input, options: &OpenOptions) -> Result<Recording, Error> {
    let h = header::parse(hea, options.limits.max_leads)?;
    let mut rec = if h.segments.is_empty() {
        read_single(&h, given, options)?
    } else {
        multiseg::read(&h, given, options)?
    };
    apply_metadata(&h, &mut rec);
    read_annotations(&h, given, options, &mut rec);
    Ok(rec)
}

/// Parses `#<age>: 51`, `# Age: 59`, `# sex: female`... style comments.
fn apply_metadata(h: &Header, rec: &mut Recording) {
    if let Some((h_, m, s)) = h.base_time {
        let date = h.base_date.and_then(|(y, mo, d)| Date::new(y, mo, d));
        if let Some(time) = TimeOfDay::new(h_, m, s) {
            rec.acquisition.start_time = Some(DateTime { date, time });
        }
    }
    for c in &h.comments {
        rec.acquisition.comments.push(c.clone());
        // LUDB writes several `<key>: value` pairs on one line.
        let lower = c.to_ascii_lowercase();
        let key_val = |key: &str| -> Option<String> {
            let i = lower.find(key)?;
            let rest = lower[i + key.len()..].trim_start_matches(['>', ':', ' ']);
            let end = rest.find(['<', ' ', '\t']).unwrap_or(rest.len());
            Some(rest[..end].to_string())
        };
        if let Some(age) = key_val("age").and_then(|v| v.parse::<f64>().ok()) {
            rec.patient.age_years = Some(age);
        }
        if let Some(v) = key_val("sex") {
            rec.patient.sex = match v.as_str() {
                "m" | "male" => Sex::Male,
                "f" | "female" => Sex::Female,
                _ => rec.patient.sex,
            };
        }
    }
}

/// The frame count a record really has: the header's, else what the first signal file holds.
fn frames_available(format: u32, data_len: u64, frame_len: u64) -> u64 {
    if frame_len == 0 {
        return 0;
    }
    samples::samples_in_bytes(format, data_len) / frame_len
}

/// Reads a single-segment record.
pub(crate) fn read_single(
    h: &Header,
    given: &Input,
    options: &OpenOptions,
) -> Result<Recording, Error> {
    let mut warnings = Vec::new();
    // (1) group the signals by file, in header order
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, s) in h.signals.iter().enumerate() {
        match groups.iter_mut().find(|(f, _)| *f == s.file) {
            Some((_, v)) => v.push(i),
            None => groups.push((s.file.clone(), vec![i])),
        }
    }
    let mut signals: Vec<Option<Signal>> = vec![None; h.signals.len()];
    let mut unskewed: Vec<Option<Signal>> = vec![None; h.signals.len()];
    let mut n_frames = h.n_samples;
    let mut checksum_bytes = 0u64;
    let mut formats = BTreeSet::new();
    for (file, idx) in &groups {
        let first = &h.signals[idx[0]];
        let format = first.format;
        formats.insert(format);
        let field = |i: usize| {
            format!(
                "header line {}: signal {} ({})",
                i + 2,
                i,
                h.signals[i].description
            )
        };
        for &i in idx {
            let s = &h.signals[i];
            if s.format != format {
                return Err(Error::format_at(
                    field(i),
                    s.line_offset,
                    format!("signal file {file} mixes formats {format} and {}", s.format),
                ));
            }
            if !samples::is_supported(s.format) {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    Some(field(i)),
                    Some(s.line_offset),
                    format!("WFDB storage format {} is not supported", s.format),
                ));
            }
        }
        let frame_len: u64 = idx
            .iter()
            .map(|&i| u64::from(h.signals[i].samples_per_frame))
            .sum();
        let calibration = |i: usize| {
            let s = &h.signals[i];
            Calibration {
                gain: s.gain,
                baseline: s.baseline as f64,
                resolution_bits: Some(if s.adc_resolution > 0 {
                    s.adc_resolution
                } else {
                    samples::default_resolution_bits(s.format)
                }),
            }
        };
        if file == "~" || format == 0 {
            // No stored samples (layout headers, null signals): every sample is missing.
            let frames = n_frames.unwrap_or(0);
            for &i in idx {
                let layout = Layout {
                    format: 0,
                    byte_offset: 0,
                    frame_len,
                    offset_in_frame: 0,
                    samples_per_frame: u64::from(h.signals[i].samples_per_frame),
                    skew: 0,
                    n_frames: frames,
                };
                let len = checked_len(layout.len(), options, &field(i))?;
                let src = WfdbSource::new(
                    Input::from_bytes(Vec::new(), None),
                    layout,
                    len,
                    calibration(i),
                );
                signals[i] = Some(Signal::new(Arc::new(src)));
            }
            continue;
        }
        let fin = open_file(given, file)?;
        let offset = first.byte_offset;
        let data_len = (fin.bytes().len() as u64).saturating_sub(offset);
        if first.block_size > 0 {
            warnings.push(Warning::at(
                field(idx[0]),
                first.line_offset,
                format!(
                    "block size {} ignored (the file is read as a plain file)",
                    first.block_size
                ),
            ));
        }
        if matches!(format, 508 | 516 | 524) {
            let per_channel_max = n_frames
                .map(|n| n.saturating_mul(frame_len))
                .unwrap_or(options.limits.max_samples);
            let data = fin
                .bytes()
                .get(usize::try_from(offset).unwrap_or(usize::MAX)..)
                .unwrap_or_default();
            let channels = flac::decode(
                data,
                idx.len(),
                per_channel_max.min(options.limits.max_samples),
            )
            .map_err(|e| Error {
                field: Some(format!(
                    "signal file {file}: {}",
                    e.field.unwrap_or_default()
                )),
                ..e
            })?;
            for (c, &i) in idx.iter().enumerate() {
                let spf = u64::from(h.signals[i].samples_per_frame);
                let mut v = channels.get(c).cloned().unwrap_or_default();
                let frames = n_frames.unwrap_or(v.len() as u64 / spf.max(1));
                n_frames.get_or_insert(frames);
                let want = checked_len(frames.saturating_mul(spf), options, &field(i))?;
                if v.len() < want {
                    warnings.push(Warning::new(
                        format!("signal file {file}"),
                        format!("FLAC channel {c} has {} samples, the header says {want}; the rest is missing", v.len()),
                    ));
                }
                v.resize(want, samples::invalid_value(format).unwrap_or(i32::MIN));
                signals[i] = Some(Signal::from_digital(
                    v,
                    calibration(i),
                    samples::invalid_value(format),
                ));
            }
            continue;
        }
        let available = if format == 8 {
            data_len / frame_len.max(1)
        } else {
            frames_available(format, data_len, frame_len)
        };
        let frames = *n_frames.get_or_insert(available);
        let max_skew = idx
            .iter()
            .map(|&i| u64::from(h.signals[i].skew))
            .max()
            .unwrap_or(0);
        if available < frames.saturating_add(max_skew) && available < frames {
            warnings.push(Warning::new(
                format!("signal file {file}"),
                format!("holds {available} frames but the header says {frames}; missing samples read as NaN"),
            ));
        }
        if format == 8 {
            let specs: Vec<(u64, i64)> = idx
                .iter()
                .map(|&i| {
                    (
                        u64::from(h.signals[i].samples_per_frame),
                        h.signals[i].initial_value.unwrap_or(0),
                    )
                })
                .collect();
            checked_len(frames.saturating_mul(frame_len), options, file)?;
            let data = fin
                .bytes()
                .get(usize::try_from(offset).unwrap_or(usize::MAX)..)
                .unwrap_or_default();
            let decoded = samples::decode_format8(data, &specs, frames);
            for (mut v, &i) in decoded.into_iter().zip(idx) {
                let spf = u64::from(h.signals[i].samples_per_frame);
                let want = checked_len(frames.saturating_mul(spf), options, &field(i))?;
                // Format 8 has no invalid value; samples past the end are missing all the same.
                v.resize(want, i32::MIN);
                signals[i] = Some(Signal::from_digital(v, calibration(i), Some(i32::MIN)));
            }
            checksum_bytes = checksum_bytes.saturating_add(data_len);
            continue;
        }
        let mut offset_in_frame = 0u64;
        for &i in idx {
            let s = &h.signals[i];
            let layout = Layout {
                format,
                byte_offset: offset,
                frame_len,
                offset_in_frame,
                samples_per_frame: u64::from(s.samples_per_frame),
                skew: u64::from(s.skew),
                n_frames: frames,
            };
            offset_in_frame += u64::from(s.samples_per_frame);
            let len = checked_len(layout.len(), options, &field(i))?;
            signals[i] = Some(Signal::new(Arc::new(WfdbSource::new(
                fin.clone(),
                layout,
                len,
                calibration(i),
            ))));
            if layout.skew > 0 {
                // The checksum covers the samples as stored, before the skew shifts them.
                let stored = Layout { skew: 0, ..layout };
                unskewed[i] = Some(Signal::new(Arc::new(WfdbSource::new(
                    fin.clone(),
                    stored,
                    len,
                    calibration(i),
                ))));
            }
        }
        checksum_bytes = checksum_bytes.saturating_add(data_len);
    }
    let total: u64 = signals.iter().flatten().map(|s| s.len() as u64).sum();
    if total > options.limits.max_samples {
        return Err(Error::limit(
            "WFDB signals",
            format!(
                "{total} samples exceed the limit of {}",
                options.limits.max_samples
            ),
        ));
    }

    // (4) checksums
    if !options.lazy && checksum_bytes <= CHECKSUM_MAX_BYTES {
        for (i, (s, sig)) in h.signals.iter().zip(&signals).enumerate() {
            let sig = unskewed[i].as_ref().or(sig.as_ref());
            let (Some(want), Some(sig)) = (s.checksum, sig) else {
                continue;
            };
            if let Some(got) = checksum(sig)
                && (got as u16) != (want as u16)
            {
                warnings.push(Warning::at(
                    format!(
                        "header line {}: checksum of signal {i} ({})",
                        i + 2,
                        s.description
                    ),
                    s.line_offset,
                    format!(
                        "header says {want}, samples sum to {} (mod 65536)",
                        got as i16
                    ),
                ));
            }
        }
    }

    let fs = h.fs_hz;
    let leads = h
        .signals
        .iter()
        .zip(signals)
        .enumerate()
        .map(|(i, (s, sig))| {
            let name = if s.description.is_empty() {
                format!("sig {i}")
            } else {
                s.description.clone()
            };
            let sig = sig.unwrap_or_else(|| Signal::from_physical(Vec::new()));
            Lead::new(
                &name,
                fs * f64::from(s.samples_per_frame),
                Unit::parse(&s.units),
                sig,
            )
        })
        .collect();
    let mut rec = Recording::new(leads);
    rec.acquisition = Acquisition::default();
    rec.source = SourceInfo {
        format: "WFDB".into(),
        version: Some(
            formats
                .iter()
                .map(|f| format!("format {f}"))
                .collect::<Vec<_>>()
                .join(", "),
        ),
        path: None,
        warnings,
    };
    Ok(rec)
}

fn checked_len(n: u64, options: &OpenOptions, field: &str) -> Result<usize, Error> {
    if n > options.limits.max_samples {
        return Err(Error::limit(
            field.to_string(),
            format!(
                "{n} samples exceed the limit of {}",
                options.limits.max_samples
            ),
        ));
    }
    usize::try_from(n).map_err(|_| {
        Error::limit(
            field.to_string(),
            format!("{n} samples do not fit in memory"),
        )
    })
}

/// 16-bit checksum of a signal's digital values (`None` when it has none). Each block read is
/// released again ([`Signal::release`]): verifying must not leave a mapped file resident.
fn checksum(sig: &Signal) -> Option<i64> {
    let mut buf = vec![0i32; 65536];
    let mut sum: i64 = 0;
    let mut start = 0;
    while start < sig.len() {
        let n = (sig.len() - start).min(buf.len());
        match sig.read_digital(start, &mut buf[..n]) {
            Ok(true) => {}
            _ => return None,
        }
        for &v in &buf[..n] {
            sum = sum.wrapping_add(i64::from(v));
        }
        sig.release(start, n);
        start += n;
    }
    Some(sum & 0xffff)
}

/// Reads every annotation file `<record>.<ext>` beside the header.
fn read_annotations(h: &Header, given: &Input, options: &OpenOptions, rec: &mut Recording) {
    let prefix = format!("{}.", h.name);
    let signal_files: BTreeSet<&str> = h.signals.iter().map(|s| s.file.as_str()).collect();
    let mut names: Vec<String> = Vec::new();
    if let Some(dir) = given.path().and_then(|p| p.parent()) {
        if let Ok(entries) = std::fs::read_dir(if dir.as_os_str().is_empty() {
            std::path::Path::new(".")
        } else {
            dir
        }) {
            for e in entries.flatten() {
                if let Some(n) = e.file_name().to_str()
                    && n.starts_with(&prefix)
                {
                    names.push(n.to_string());
                }
            }
        }
    } else {
        for ext in KNOWN_ANNOTATION_EXTENSIONS {
            let n = format!("{prefix}{ext}");
            if given.has_companion(&n) {
                names.push(n);
            }
        }
    }
    names.sort();
    let fs = h.fs_hz;
    for n in names {
        let ext = &n[prefix.len()..];
        if ext.is_empty()
            || ext.contains('.')
            || signal_files.contains(n.as_str())
            || NOT_ANNOTATIONS.contains(&ext.to_ascii_lowercase().as_str())
        {
            continue;
        }
        let Ok(file) = given.companion(&n) else {
            continue;
        };
        if file.bytes().len() as u64 > options.limits.max_text_bytes {
            continue;
        }
        match annotation::parse(file.bytes()) {
            Ok(raw) => {
                let lead = match LeadLabel::parse(ext) {
                    LeadLabel::Other(_) => None,
                    l => Some(l),
                };
                rec.annotations
                    .extend(annotation::to_annotations(&raw, fs, lead));
            }
            Err(e) => rec.warn(Warning {
                field: format!("annotation file {n}: {}", e.field.unwrap_or_default()),
                offset: e.offset,
                message: format!("{} (file skipped)", e.message),
            }),
        }
    }
    rec.annotations.sort_by(|a, b| {
        a.onset_s
            .partial_cmp(&b.onset_s)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
}
