//! EDF, EDF+ (C and D), BDF and BDF+ (European Data Format; Kemp et al. 1992, EDF+ 2003,
//! BioSemi BDF): reading into a [`Recording`], and the EDF+ writer ([`writer`]).
//!
//! Layout: a 256-byte fixed header, 256 bytes per signal (fields stored column-wise), then
//! `n_records` data records holding `samples_per_record[s]` little-endian integers (16-bit EDF,
//! 24-bit BDF) for each signal in turn. EDF+ adds the `EDF Annotations` signal whose bytes are
//! TALs ([`tal`]).
//!
//! 1. The header is parsed field by field; every number names its field and byte offset.
//!    Tolerated non-compliance (non-ASCII text, comma decimals, `-1` records, wrong header
//!    size, a file longer or shorter than declared) becomes a [`Warning`].
//! 2. Signals are lazy [`EdfSource`]s over the (memory-mapped) file: sample `i` of a signal
//!    sits in record `i / spr`, at a fixed offset. Digital values are kept; the calibration
//!    is the EDF linear map, which handles inverted ranges (physical min > max).
//! 3. Annotations: TALs become notes; the first record's time-keeping TAL gives the
//!    sub-second start (EDF+ 2.2.4), and in EDF+D every record's onset starts a [`Segment`]
//!    when it does not follow the previous record.

pub mod tal;
pub mod writer;

use std::sync::Arc;

use ecg::{
    Annotation, AnnotationKind, Calibration, Date, DateTime, Lead, Patient, Recording, SampleError,
    SampleSource, Segment, Sex, Signal, SourceInfo, TimeOfDay, Unit, Warning,
};

use crate::error::Error;
use crate::options::OpenOptions;
use crate::registry::{Confidence, Format};
use crate::source::Input;

/// The EDF/BDF format (registry entry).
#[derive(Debug, Clone, Copy, Default)]
pub struct Edf;

impl Format for Edf {
    fn name(&self) -> &'static str {
        "EDF"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["edf", "bdf", "rec"]
    }

    fn probe(&self, input: &Input) -> Confidence {
        let h = input.head(256);
        if h.len() < 256 {
            return Confidence::No;
        }
        let edf = &h[..8] == b"0       ";
        let bdf = h[0] == 0xff && &h[1..8] == b"BIOSEMI";
        if !(edf || bdf) {
            return Confidence::No;
        }
        let num = |r: std::ops::Range<usize>| {
            std::str::from_utf8(&h[r])
                .ok()
                .and_then(|s| s.trim().parse::<f64>().ok())
        };
        if bdf || (num(184..192).is_some() && num(252..256).is_some()) {
            Confidence::Certain
        } else {
            Confidence::Likely
        }
    }

    fn read(&self, input: &Input, options: &OpenOptions) -> Result<Recording, Error> {
        read(input, options)
    }
}

/// One signal's header fields.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalHeader {
    /// Label.
    pub label: String,
    /// Transducer type.
    pub transducer: String,
    /// Physical dimension (unit).
    pub physical_dimension: String,
    /// Physical minimum.
    pub physical_min: f64,
    /// Physical maximum.
    pub physical_max: f64,
    /// Digital minimum.
    pub digital_min: i64,
    /// Digital maximum.
    pub digital_max: i64,
    /// Prefiltering text.
    pub prefiltering: String,
    /// Samples per data record.
    pub samples_per_record: u64,
}

impl SignalHeader {
    fn is_annotations(&self, bdf: bool) -> bool {
        self.label
            == if bdf {
                "BDF Annotations"
            } else {
                "EDF Annotations"
            }
            || self.label == "EDF Annotations"
    }
}

/// The parsed fixed header.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// BDF (24-bit) rather than EDF (16-bit).
    pub bdf: bool,
    /// Local patient identification.
    pub patient: String,
    /// Local recording identification.
    pub recording: String,
    /// Start date `dd.mm.yy`.
    pub start_date: String,
    /// Start time `hh.mm.ss`.
    pub start_time: String,
    /// Header size in bytes (as computed from the signal count).
    pub header_bytes: u64,
    /// The reserved field (`EDF+C`, `EDF+D`, `24BIT`, `BDF+C`...).
    pub reserved: String,
    /// Number of data records (after reconciling with the file size).
    pub n_records: u64,
    /// Duration of a data record in seconds.
    pub record_duration_s: f64,
    /// Signals.
    pub signals: Vec<SignalHeader>,
}

impl Header {
    /// EDF+ (or BDF+) file.
    pub fn plus(&self) -> bool {
        self.reserved.starts_with("EDF+") || self.reserved.starts_with("BDF+")
    }

    /// EDF+D / BDF+D (discontinuous).
    pub fn discontinuous(&self) -> bool {
        self.plus() && self.reserved[4..].starts_with('D')
    }

    fn bytes_per_sample(&self) -> u64 {
        if self.bdf { 3 } else { 2 }
    }

    /// Bytes of one data record.
    pub fn record_bytes(&self) -> u64 {
        self.signals
            .iter()
            .map(|s| s.samples_per_record)
            .fold(0u64, u64::saturating_add)
            .saturating_mul(self.bytes_per_sample())
    }
}

/// Reads an ASCII header field; non-ASCII bytes are decoded as Latin-1 with a warning.
fn text(h: &[u8], off: usize, len: usize, field: &str, warnings: &mut Vec<Warning>) -> String {
    let b = h.get(off..off + len).unwrap_or_default();
    if b.iter().any(|&c| !(0x20..0x7f).contains(&c)) {
        warnings.push(Warning::at(
            field.to_string(),
            off as u64,
            "contains bytes outside printable US-ASCII (EDF 1992 section 2); read as Latin-1",
        ));
    }
    b.iter()
        .map(|&c| c as char)
        .collect::<String>()
        .trim()
        .to_string()
}

fn number(
    h: &[u8],
    off: usize,
    len: usize,
    field: &str,
    warnings: &mut Vec<Warning>,
) -> Result<f64, Error> {
    let raw: String = h
        .get(off..off + len)
        .unwrap_or_default()
        .iter()
        .map(|&c| c as char)
        .collect();
    let t = raw.trim().trim_end_matches('\0').trim();
    if let Ok(v) = t.parse::<f64>()
        && v.is_finite()
    {
        return Ok(v);
    }
    // Some writers use a decimal comma.
    if let Ok(v) = t.replace(',', ".").parse::<f64>()
        && v.is_finite()
    {
        warnings.push(Warning::at(
            field.to_string(),
            off as u64,
            format!("decimal comma in '{t}'"),
        ));
        return Ok(v);
    }
    Err(Error::format_at(
        field.to_string(),
        off as u64,
        format!("not a number: '{t}'"),
    ))
}

/// Parses the header (fixed part and signal part) and reconciles the record count with the
/// file size.
pub fn parse_header(
    bytes: &[u8],
    options: &OpenOptions,
    warnings: &mut Vec<Warning>,
) -> Result<Header, Error> {
    if bytes.len() < 256 {
        return Err(Error::format_at(
            "header",
            0,
            format!(
                "file has {} bytes, an EDF header needs at least 256",
                bytes.len()
            ),
        ));
    }
    let bdf = bytes[0] == 0xff && &bytes[1..8] == b"BIOSEMI";
    if !bdf && &bytes[..8] != b"0       " {
        return Err(Error::format_at(
            "version",
            0,
            "expected '0       ' (EDF) or 0xFF 'BIOSEMI' (BDF)",
        ));
    }
    let patient = text(bytes, 8, 80, "local patient identification", warnings);
    let recording = text(bytes, 88, 80, "local recording identification", warnings);
    let start_date = text(bytes, 168, 8, "startdate", warnings);
    let start_time = text(bytes, 176, 8, "starttime", warnings);
    let declared_header = number(bytes, 184, 8, "number of bytes in header record", warnings)?;
    let reserved = text(bytes, 192, 44, "reserved", warnings);
    let declared_records = number(bytes, 236, 8, "number of data records", warnings)?;
    let record_duration_s = number(bytes, 244, 8, "duration of a data record", warnings)?;
    let ns = number(bytes, 252, 4, "number of signals", warnings)?;
    if ns < 0.0 || ns.fract() != 0.0 {
        return Err(Error::format_at(
            "number of signals",
            252,
            format!("must be a whole number >= 0, found {ns}"),
        ));
    }
    let ns = ns as usize;
    if ns > options.limits.max_leads {
        return Err(Error::limit(
            "number of signals",
            format!(
                "{ns} signals exceed the limit of {}",
                options.limits.max_leads
            ),
        )
        .with_offset(252));
    }
    let header_bytes = 256 * (ns as u64 + 1);
    if bytes.len() < header_bytes as usize {
        return Err(Error::format_at(
            "signal headers",
            256,
            format!(
                "{ns} signals need a {header_bytes}-byte header, the file has {} bytes",
                bytes.len()
            ),
        ));
    }
    if declared_header != header_bytes as f64 {
        warnings.push(Warning::at(
            "number of bytes in header record",
            184,
            format!(
                "says {declared_header}, {ns} signals make it {header_bytes}; using {header_bytes}"
            ),
        ));
    }
    if !(record_duration_s.is_finite() && record_duration_s >= 0.0) {
        return Err(Error::format_at(
            "duration of a data record",
            244,
            format!("must be >= 0, found {record_duration_s}"),
        ));
    }
    // Signal fields are stored column-wise: all labels, then all transducers, ...
    let col = |start: usize, width: usize, i: usize| 256 + start * ns + width * i;
    let mut signals = Vec::with_capacity(ns);
    for i in 0..ns {
        let f = |name: &str| format!("signal {i} {name}");
        let label = text(bytes, col(0, 16, i), 16, &f("label"), warnings);
        let transducer = text(bytes, col(16, 80, i), 80, &f("transducer type"), warnings);
        let physical_dimension = text(bytes, col(96, 8, i), 8, &f("physical dimension"), warnings);
        let physical_min = number(bytes, col(104, 8, i), 8, &f("physical minimum"), warnings)?;
        let physical_max = number(bytes, col(112, 8, i), 8, &f("physical maximum"), warnings)?;
        let dmin = number(bytes, col(120, 8, i), 8, &f("digital minimum"), warnings)?;
        let dmax = number(bytes, col(128, 8, i), 8, &f("digital maximum"), warnings)?;
        let prefiltering = text(bytes, col(136, 80, i), 80, &f("prefiltering"), warnings);
        let spr = number(
            bytes,
            col(216, 8, i),
            8,
            &f("number of samples in each data record"),
            warnings,
        )?;
        if !(spr >= 0.0 && spr.fract() == 0.0 && spr <= 1e9) {
            return Err(Error::format_at(
                f("number of samples in each data record"),
                col(216, 8, i) as u64,
                format!("must be a whole number >= 0, found {spr}"),
            ));
        }
        signals.push(SignalHeader {
            label,
            transducer,
            physical_dimension,
            physical_min,
            physical_max,
            digital_min: dmin as i64,
            digital_max: dmax as i64,
            prefiltering,
            samples_per_record: spr as u64,
        });
    }
    let mut h = Header {
        bdf,
        patient,
        recording,
        start_date,
        start_time,
        header_bytes,
        reserved,
        n_records: 0,
        record_duration_s,
        signals,
    };
    let rb = h.record_bytes();
    let data = (bytes.len() as u64).saturating_sub(header_bytes);
    let available = data.checked_div(rb).unwrap_or(0);
    h.n_records = if declared_records < 0.0 {
        warnings.push(Warning::at(
            "number of data records",
            236,
            format!("is {declared_records} (unknown, recording in progress); using the {available} complete records in the file"),
        ));
        available
    } else {
        let declared = declared_records as u64;
        if rb > 0 && declared > available {
            warnings.push(Warning::at(
                "number of data records",
                236,
                format!(
                    "says {declared}, the file holds {available} complete records; reading those"
                ),
            ));
            available
        } else {
            if rb > 0 && data > declared.saturating_mul(rb) {
                warnings.push(Warning::at(
                    "data records",
                    header_bytes.saturating_add(declared.saturating_mul(rb)),
                    format!(
                        "{} bytes after the last declared record ignored",
                        data - declared * rb
                    ),
                ));
            }
            declared
        }
    };
    Ok(h)
}

/// An EDF/BDF signal decoded lazily from the file bytes.
#[derive(Debug, Clone)]
pub struct EdfSource {
    file: Input,
    data_offset: u64,
    record_bytes: u64,
    signal_offset: u64,
    spr: u64,
    bdf: bool,
    len: usize,
    calibration: Calibration,
}

impl EdfSource {
    fn digital(&self, start: usize, out: &mut [i32]) -> Result<(), SampleError> {
        ecg::check_range(start, out.len(), self.len)?;
        let b = self.file.bytes();
        let bps: u64 = if self.bdf { 3 } else { 2 };
        for (n, o) in out.iter_mut().enumerate() {
            let i = (start + n) as u64;
            let (r, j) = (i / self.spr, i % self.spr);
            let off = self.data_offset + r * self.record_bytes + self.signal_offset + j * bps;
            let off =
                usize::try_from(off).map_err(|_| SampleError::Decode("offset overflow".into()))?;
            *o = if self.bdf {
                let s = b.get(off..off + 3).ok_or_else(|| {
                    SampleError::Decode(format!("sample {i} past the end of the file"))
                })?;
                i32::from(s[0]) | i32::from(s[1]) << 8 | i32::from(s[2] as i8) << 16
            } else {
                let s = b.get(off..off + 2).ok_or_else(|| {
                    SampleError::Decode(format!("sample {i} past the end of the file"))
                })?;
                i32::from(i16::from_le_bytes([s[0], s[1]]))
            };
        }
        Ok(())
    }
}

impl SampleSource for EdfSource {
    fn len(&self) -> usize {
        self.len
    }

    fn read(&self, start: usize, out: &mut [f32]) -> Result<(), SampleError> {
        let mut buf = [0i32; 4096];
        let mut done = 0;
        ecg::check_range(start, out.len(), self.len)?;
        while done < out.len() {
            let n = (out.len() - done).min(buf.len());
            self.digital(start + done, &mut buf[..n])?;
            for (o, &d) in out[done..done + n].iter_mut().zip(&buf[..n]) {
                *o = self.calibration.to_physical(d) as f32;
            }
            done += n;
        }
        Ok(())
    }

    fn read_digital(&self, start: usize, out: &mut [i32]) -> Result<bool, SampleError> {
        self.digital(start, out)?;
        Ok(true)
    }

    fn calibration(&self) -> Option<Calibration> {
        Some(self.calibration)
    }
}

/// EDF start date: `dd.mm.yy`, years 85..=99 are 19yy, 00..=84 are 20yy (EDF 1992 section 2,
/// "clipping date"). An EDF+ recording field `Startdate dd-MMM-yyyy` gives the full year.
fn start_datetime(h: &Header, warnings: &mut Vec<Warning>) -> Option<DateTime> {
    let nums = |s: &str| -> Option<(u32, u32, u32)> {
        let mut it = s.split(['.', ':']).map(|p| p.trim().parse::<u32>().ok());
        let r = (it.next()??, it.next()??, it.next()??);
        it.next().is_none().then_some(r)
    };
    let time = match nums(&h.start_time).and_then(|(hh, mm, ss)| {
        TimeOfDay::new(hh as u8, mm as u8, f64::from(ss)).filter(|_| hh < 24 && mm < 60)
    }) {
        Some(t) => t,
        None => {
            warnings.push(Warning::at(
                "starttime",
                176,
                format!("'{}' is not hh.mm.ss; start time unknown", h.start_time),
            ));
            return None;
        }
    };
    let mut date = nums(&h.start_date).and_then(|(d, m, y)| {
        let year = if y >= 85 { 1900 + y } else { 2000 + y };
        Date::new(year as i32, m as u8, d as u8)
    });
    if date.is_none() {
        warnings.push(Warning::at(
            "startdate",
            168,
            format!("'{}' is not dd.mm.yy", h.start_date),
        ));
    }
    if h.plus()
        && let Some(rest) = h.recording.strip_prefix("Startdate ")
        && let Some(full) = rest.split(' ').next().and_then(parse_edfplus_date)
        && date.is_some_and(|d| {
            d.month == full.month && d.day == full.day && d.year % 100 == full.year % 100
        })
    {
        date = Some(full);
    }
    Some(DateTime { date, time })
}

/// `dd-MMM-yyyy` as EDF+ writes birth dates and start dates.
fn parse_edfplus_date(s: &str) -> Option<Date> {
    let mut it = s.split('-');
    let d: u8 = it.next()?.parse().ok()?;
    let m = it.next()?;
    let y: i32 = it.next()?.parse().ok()?;
    const MONTHS: [&str; 12] = [
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ];
    let m = MONTHS.iter().position(|x| x.eq_ignore_ascii_case(m))? as u8 + 1;
    Date::new(y, m, d)
}

/// EDF+ patient field: `code sex birthdate name [additional]`, `X` = unknown, `_` = space.
fn parse_patient(h: &Header) -> Patient {
    let mut p = Patient::default();
    if !h.plus() {
        if !h.patient.is_empty() {
            p.id = Some(h.patient.clone());
        }
        return p;
    }
    let f: Vec<&str> = h.patient.split(' ').collect();
    let known = |s: &&&str| **s != "X" && !s.is_empty();
    p.id = f.first().filter(known).map(|s| s.replace('_', " "));
    p.sex = match f.get(1).copied() {
        Some("M") => Sex::Male,
        Some("F") => Sex::Female,
        _ => Sex::Unknown,
    };
    p.birth_date = f.get(2).and_then(|s| parse_edfplus_date(s));
    if let Some(name) = f.get(3).filter(known) {
        let name = name.replace('_', " ");
        match name.split_once(',') {
            Some((last, first)) => {
                p.last_name = Some(last.trim().to_string());
                p.first_name = Some(first.trim().to_string());
            }
            None => p.last_name = Some(name),
        }
    }
    p
}

/// Reads an EDF/EDF+/BDF/BDF+ file.
pub fn read(input: &Input, options: &OpenOptions) -> Result<Recording, Error> {
    let bytes = input.bytes();
    let mut warnings = Vec::new();
    let h = parse_header(bytes, options, &mut warnings)?;
    let rb = h.record_bytes();
    let bps = h.bytes_per_sample();
    let annot_idx: Vec<usize> = (0..h.signals.len())
        .filter(|&i| h.signals[i].is_annotations(h.bdf))
        .collect();

    // (2) signals
    let mut leads = Vec::new();
    let mut signal_offset = 0u64;
    let mut total = 0u64;
    let mut signal_offsets = Vec::with_capacity(h.signals.len());
    for (i, s) in h.signals.iter().enumerate() {
        signal_offsets.push(signal_offset);
        let this_offset = signal_offset;
        signal_offset += s.samples_per_record * bps;
        if annot_idx.contains(&i) {
            continue;
        }
        let n = s.samples_per_record.saturating_mul(h.n_records);
        total = total.saturating_add(n);
        if total > options.limits.max_samples {
            return Err(Error::limit(
                "data records",
                format!(
                    "{total} samples exceed the limit of {}",
                    options.limits.max_samples
                ),
            ));
        }
        let field = |name: &str| format!("signal {i} ({}) {name}", s.label);
        let (dmin, dmax) = (s.digital_min as f64, s.digital_max as f64);
        let (pmin, pmax) = (s.physical_min, s.physical_max);
        let calibration = if dmax == dmin || pmax == pmin {
            warnings.push(Warning::new(
                field("calibration"),
                format!("digital range {dmin}..{dmax} or physical range {pmin}..{pmax} is empty; values read as digital units"),
            ));
            Calibration {
                gain: 1.0,
                baseline: 0.0,
                resolution_bits: Some(bps as u32 * 8),
            }
        } else {
            // physical = (d - dmin) * (pmax - pmin) / (dmax - dmin) + pmin, as (d - baseline) / gain
            let gain = (dmax - dmin) / (pmax - pmin);
            Calibration {
                gain,
                baseline: dmin - pmin * gain,
                resolution_bits: Some(bps as u32 * 8),
            }
        };
        if dmax < dmin {
            warnings.push(Warning::new(
                field("digital minimum"),
                format!("digital minimum {dmin} > maximum {dmax}"),
            ));
        }
        let fs = if h.record_duration_s > 0.0 {
            s.samples_per_record as f64 / h.record_duration_s
        } else {
            0.0
        };
        if fs == 0.0 && n > 0 {
            return Err(Error::format_at(
                "duration of a data record",
                244,
                "is 0 but the file has ordinary signals",
            ));
        }
        let len = usize::try_from(n)
            .map_err(|_| Error::limit(field("samples"), "do not fit in memory"))?;
        let src = EdfSource {
            file: input.clone(),
            data_offset: h.header_bytes,
            record_bytes: rb,
            signal_offset: this_offset,
            spr: s.samples_per_record.max(1),
            bdf: h.bdf,
            len,
            calibration,
        };
        let mut lead = Lead::new(
            &s.label,
            fs,
            Unit::parse(&s.physical_dimension),
            Signal::new(Arc::new(src)),
        );
        if s.physical_dimension.is_empty() {
            lead.unit = Unit::Other(String::new());
        }
        leads.push(lead);
    }

    // (3) annotations and record onsets
    let mut annotations = Vec::new();
    let mut record_onsets: Vec<Option<f64>> = Vec::new();
    for &a in &annot_idx {
        let len = h.signals[a].samples_per_record * bps;
        for r in 0..h.n_records {
            let off = h.header_bytes + r * rb + signal_offsets[a];
            let Some(chunk) = usize::try_from(off)
                .ok()
                .and_then(|o| bytes.get(o..o + len as usize))
            else {
                break;
            };
            let (tals, errors) = tal::parse(chunk);
            for (msg, at) in errors {
                warnings.push(Warning::at(
                    format!("annotations, data record {r}"),
                    off + at as u64,
                    msg,
                ));
            }
            for (k, t) in tals.into_iter().enumerate() {
                if k == 0 && record_onsets.len() as u64 == r {
                    record_onsets.push(Some(t.onset_s));
                    if t.texts.is_empty() {
                        continue;
                    }
                }
                for text in t.texts {
                    let mut ann = Annotation::point(t.onset_s, AnnotationKind::Note, text);
                    ann.duration_s = t.duration_s;
                    annotations.push(ann);
                }
            }
            if record_onsets.len() as u64 == r {
                record_onsets.push(None);
            }
        }
    }
    let start_offset = record_onsets.first().copied().flatten().unwrap_or(0.0);
    for a in &mut annotations {
        a.onset_s -= start_offset;
    }
    annotations.sort_by(|a, b| {
        a.onset_s
            .partial_cmp(&b.onset_s)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    if h.plus() && annot_idx.is_empty() {
        warnings.push(Warning::new(
            "signals",
            format!(
                "{} file without an '{} Annotations' signal",
                h.reserved,
                if h.bdf { "BDF" } else { "EDF" }
            ),
        ));
    }

    // EDF+D: a new segment wherever a record does not start where the previous one ended.
    let mut segments = Vec::new();
    if h.discontinuous() && !leads.is_empty() {
        let spr0 = h
            .signals
            .iter()
            .enumerate()
            .find(|(i, _)| !annot_idx.contains(i))
            .map_or(0, |(_, s)| s.samples_per_record);
        let mut expected: Option<f64> = None;
        for (r, onset) in record_onsets.iter().enumerate() {
            let onset = onset.unwrap_or_else(|| {
                expected.unwrap_or(r as f64 * h.record_duration_s) + start_offset
            });
            let start_s = onset - start_offset;
            let first_sample = (r as u64 * spr0) as usize;
            let continues =
                expected.is_some_and(|e| (e - start_s).abs() < 1e-6 * h.record_duration_s.max(1.0));
            match segments.last_mut() {
                Some(Segment { n_samples, .. }) if continues => *n_samples += spr0 as usize,
                _ => segments.push(Segment {
                    start_s,
                    first_sample,
                    n_samples: spr0 as usize,
                }),
            }
            expected = Some(start_s + h.record_duration_s);
        }
    }

    let mut start_time = start_datetime(&h, &mut warnings);
    if let Some(st) = &mut start_time
        && start_offset > 0.0
        && start_offset < 1.0
    {
        st.time.second += start_offset;
    }
    let mut rec = Recording::new(leads);
    rec.patient = parse_patient(&h);
    rec.acquisition.start_time = start_time;
    if !h.recording.is_empty() {
        rec.acquisition.comments.push(h.recording.clone());
    }
    if let Some(pf) = h
        .signals
        .iter()
        .map(|s| s.prefiltering.as_str())
        .find(|p| !p.is_empty())
    {
        rec.acquisition.filter_band = parse_prefilter(pf);
    }
    rec.annotations = annotations;
    rec.segments = segments;
    let kind = if h.bdf { "BDF" } else { "EDF" };
    rec.source = SourceInfo {
        format: if h.plus() {
            format!("{kind}+")
        } else {
            kind.to_string()
        },
        version: Some(if h.reserved.is_empty() {
            kind.to_string()
        } else {
            h.reserved.clone()
        }),
        path: None,
        warnings,
    };
    Ok(rec)
}

/// EDF+ prefiltering text: `HP:0.1Hz LP:75Hz N:50Hz`.
fn parse_prefilter(s: &str) -> ecg::FilterBand {
    let mut band = ecg::FilterBand::default();
    for part in s.split_whitespace() {
        let Some((k, v)) = part.split_once(':') else {
            continue;
        };
        let v = v
            .trim_end_matches("Hz")
            .trim_end_matches("hz")
            .parse::<f64>()
            .ok();
        match k.to_ascii_uppercase().as_str() {
            "HP" => band.highpass_hz = v,
            "LP" => band.lowpass_hz = v,
            "N" => band.notch_hz = v,
            _ => {}
        }
    }
    band
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edf_year_rule_and_edfplus_patient_parse() {
        let mut w = Vec::new();
        let mut h = Header {
            bdf: false,
            patient: "MCH-0234567 F 02-MAY-1951 Haagse_Harry".into(),
            recording: "Startdate 02-MAR-2002 PSG-1234/2002 NN Telemetry03".into(),
            start_date: "02.03.02".into(),
            start_time: "14.15.16".into(),
            header_bytes: 256,
            reserved: "EDF+C".into(),
            n_records: 0,
            record_duration_s: 1.0,
            signals: vec![],
        };
        let dt = start_datetime(&h, &mut w).unwrap();
        assert_eq!(dt.to_iso8601(), "2002-03-02T14:15:16");
        let p = parse_patient(&h);
        assert_eq!(p.sex, Sex::Female);
        assert_eq!(p.birth_date, Date::new(1951, 5, 2));
        assert_eq!(p.last_name.as_deref(), Some("Haagse Harry"));
        h.start_date = "02.03.85".into();
        h.reserved.clear();
        assert_eq!(
            start_datetime(&h, &mut w).unwrap().date,
            Date::new(1985, 3, 2)
        );
    }
}
