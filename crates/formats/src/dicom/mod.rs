//! DICOM waveform objects: 12-lead ECG, General ECG and Ambulatory ECG Waveform Storage
//! (PS3.3 A.34, C.10.9 Waveform module, C.10.10 Waveform Annotation module). The container
//! is parsed by `dicom-object`; this module interprets the waveform.
//!
//! Each item of the Waveform Sequence (5400,0100) is a multiplex group: a number of channels
//! sampled together, interleaved sample by sample in Waveform Data (5400,1010), 8 or 16 bits
//! (`SB`/`UB`/`SS`/`US`). Channel Definition items give the lead (Channel Source code),
//! Channel Sensitivity × Channel Sensitivity Correction Factor (physical units per count, units
//! from the Channel Sensitivity Units code, usually µV) and Channel Baseline; physical =
//! (sample × sensitivity + baseline) × correction, as pydicom computes it. The group labelled
//! `RHYTHM` (or the first non-median group) becomes the leads; a `MEDIAN BEAT` group becomes
//! [`MedianBeats`]. Waveform Annotation items become measurements, statements and fiducials.

mod prescan;

use dicom_object::mem::InMemDicomObject;
use dicom_object::{OpenFileOptions, Tag};
use ecg::{
    Annotation, AnnotationKind, Axis, Bpm, Calibration, Date, DateTime, Degrees, Lead,
    Measurements, MedianBeats, Millis, Recording, Sex, Signal, Statement, TimeOfDay, Unit, Warning,
    WaveKind, WavePoint,
};

use crate::error::Error;
use crate::options::OpenOptions;
use crate::registry::{Confidence, Format};
use crate::source::Input;

/// The DICOM waveform reader.
pub(crate) struct Dicom;

impl Format for Dicom {
    fn name(&self) -> &'static str {
        "DICOM ECG"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["dcm", "dicom"]
    }

    fn probe(&self, input: &Input) -> Confidence {
        let head = input.head(4096);
        if head.get(128..132) != Some(b"DICM") {
            return Confidence::No;
        }
        // Waveform storage SOP classes are 1.2.840.10008.5.1.4.1.1.9.*.
        let uid = b"1.2.840.10008.5.1.4.1.1.9.";
        if head.windows(uid.len()).any(|w| w == uid) {
            Confidence::Certain
        } else {
            Confidence::Likely
        }
    }

    fn read(&self, input: &Input, options: &OpenOptions) -> Result<Recording, Error> {
        read_bytes(input.bytes(), options)
    }
}

const WAVEFORM_SEQ: Tag = Tag(0x5400, 0x0100);
const GROUP_LABEL: Tag = Tag(0x003A, 0x0020);
const N_CHANNELS: Tag = Tag(0x003A, 0x0005);
const N_SAMPLES: Tag = Tag(0x003A, 0x0010);
const SAMPLING_FREQ: Tag = Tag(0x003A, 0x001A);
const CHANNEL_DEF_SEQ: Tag = Tag(0x003A, 0x0200);
const CHANNEL_LABEL: Tag = Tag(0x003A, 0x0203);
const CHANNEL_SOURCE_SEQ: Tag = Tag(0x003A, 0x0208);
const SENSITIVITY: Tag = Tag(0x003A, 0x0210);
const SENSITIVITY_UNITS_SEQ: Tag = Tag(0x003A, 0x0211);
const CORRECTION: Tag = Tag(0x003A, 0x0212);
const BASELINE: Tag = Tag(0x003A, 0x0213);
const FILTER_LOW: Tag = Tag(0x003A, 0x0220);
const FILTER_HIGH: Tag = Tag(0x003A, 0x0221);
const NOTCH: Tag = Tag(0x003A, 0x0222);
const BITS_ALLOCATED: Tag = Tag(0x5400, 0x1004);
const INTERPRETATION: Tag = Tag(0x5400, 0x1006);
const WAVEFORM_DATA: Tag = Tag(0x5400, 0x1010);
const CODE_VALUE: Tag = Tag(0x0008, 0x0100);
const CODE_MEANING: Tag = Tag(0x0008, 0x0104);
const ANNOTATION_SEQ: Tag = Tag(0x0040, 0xB020);
const UNFORMATTED_TEXT: Tag = Tag(0x0070, 0x0006);
const CONCEPT_NAME_SEQ: Tag = Tag(0x0040, 0xA043);
const NUMERIC_VALUE: Tag = Tag(0x0040, 0xA30A);
const UNITS_SEQ: Tag = Tag(0x0040, 0x08EA);
const REF_CHANNELS: Tag = Tag(0x0040, 0xA0B0);
const REF_SAMPLES: Tag = Tag(0x0040, 0xA132);
const REF_TIMES: Tag = Tag(0x0040, 0xA138);

fn field(tag: Tag) -> String {
    format!("({:04X},{:04X})", tag.0, tag.1)
}

fn text(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let e = obj.element_opt(tag).ok()??;
    let s = e.to_str().ok()?;
    let t = s.trim_matches(|c: char| c.is_whitespace() || c == '\0');
    (!t.is_empty()).then(|| t.to_string())
}

fn float(obj: &InMemDicomObject, tag: Tag) -> Option<f64> {
    let e = obj.element_opt(tag).ok()??;
    e.to_float64().ok().filter(|v| v.is_finite())
}

fn int(obj: &InMemDicomObject, tag: Tag) -> Option<u64> {
    let e = obj.element_opt(tag).ok()??;
    e.to_int::<u64>().ok()
}

fn items(obj: &InMemDicomObject, tag: Tag) -> &[InMemDicomObject] {
    obj.element_opt(tag)
        .ok()
        .flatten()
        .and_then(|e| e.items())
        .unwrap_or(&[])
}

fn code_meaning(obj: &InMemDicomObject, seq: Tag) -> Option<String> {
    items(obj, seq).first().and_then(|i| text(i, CODE_MEANING))
}

fn code_value(obj: &InMemDicomObject, seq: Tag) -> Option<String> {
    items(obj, seq).first().and_then(|i| text(i, CODE_VALUE))
}

/// "Lead I (Einthoven)" -> "I"; "Lead aVR" -> "aVR".
fn lead_name(meaning: &str) -> String {
    let base = meaning.split('(').next().unwrap_or(meaning).trim();
    base.strip_prefix("Lead ")
        .unwrap_or(base)
        .trim()
        .to_string()
}

/// A decoded multiplex group.
struct Group {
    label: String,
    fs: f64,
    leads: Vec<Lead>,
}

fn read_group(
    item: &InMemDicomObject,
    index: usize,
    options: &OpenOptions,
    total: &mut u64,
    rec_filter: &mut ecg::FilterBand,
) -> Result<Group, Error> {
    let f = |t: Tag| format!("waveform group {} {}", index + 1, field(t));
    let label = text(item, GROUP_LABEL).unwrap_or_default();
    let nch = int(item, N_CHANNELS)
        .ok_or_else(|| Error::format(f(N_CHANNELS), "Number of Waveform Channels missing"))?;
    let ns = int(item, N_SAMPLES)
        .ok_or_else(|| Error::format(f(N_SAMPLES), "Number of Waveform Samples missing"))?;
    let fs = float(item, SAMPLING_FREQ)
        .filter(|v| *v > 0.0)
        .ok_or_else(|| {
            Error::format(
                f(SAMPLING_FREQ),
                "Sampling Frequency missing or not positive",
            )
        })?;
    if nch == 0 || nch as usize > options.limits.max_leads {
        return Err(Error::limit(f(N_CHANNELS), format!("{nch} channels")));
    }
    let count = nch.saturating_mul(ns);
    *total = total.saturating_add(count);
    if *total > options.limits.max_samples {
        return Err(Error::limit(
            f(N_SAMPLES),
            format!("{count} samples exceed the limit"),
        ));
    }
    let bits = int(item, BITS_ALLOCATED).unwrap_or(16);
    let interp = text(item, INTERPRETATION).unwrap_or_else(|| "SS".into());
    let bytes_per = match (bits, interp.as_str()) {
        (8, "SB" | "UB") => 1usize,
        (16, "SS" | "US") => 2,
        (b, i) => {
            return Err(Error::unsupported(
                f(INTERPRETATION),
                format!("{b}-bit '{i}' samples (8-bit SB/UB and 16-bit SS/US are decoded)"),
            ));
        }
    };
    let data = item
        .element_opt(WAVEFORM_DATA)
        .ok()
        .flatten()
        .ok_or_else(|| Error::format(f(WAVEFORM_DATA), "Waveform Data missing"))?;
    let raw = data
        .to_bytes()
        .map_err(|e| Error::format(f(WAVEFORM_DATA), format!("unreadable: {e}")))?;
    let need = (count as usize).saturating_mul(bytes_per);
    if raw.len() < need {
        return Err(Error::format(
            f(WAVEFORM_DATA),
            format!(
                "{} bytes, but {nch} channels × {ns} samples need {need}",
                raw.len()
            ),
        ));
    }
    let nch = nch as usize;
    let ns = ns as usize;
    let sample = |k: usize| -> i32 {
        let o = k * bytes_per;
        match interp.as_str() {
            "SB" => i32::from(raw[o] as i8),
            "UB" => i32::from(raw[o]),
            "SS" => i32::from(i16::from_le_bytes([raw[o], raw[o + 1]])),
            _ => i32::from(u16::from_le_bytes([raw[o], raw[o + 1]])),
        }
    };
    let defs = items(item, CHANNEL_DEF_SEQ);
    if defs.len() < nch {
        return Err(Error::format(
            f(CHANNEL_DEF_SEQ),
            format!("{} channel definitions for {nch} channels", defs.len()),
        ));
    }
    let mut leads = Vec::with_capacity(nch);
    for (c, def) in defs.iter().take(nch).enumerate() {
        let meaning = code_meaning(def, CHANNEL_SOURCE_SEQ)
            .or_else(|| text(def, CHANNEL_LABEL))
            .unwrap_or_else(|| format!("Channel {}", c + 1));
        let sens = float(def, SENSITIVITY).filter(|v| *v != 0.0).unwrap_or(1.0);
        let corr = float(def, CORRECTION).filter(|v| *v != 0.0).unwrap_or(1.0);
        let base = float(def, BASELINE).unwrap_or(0.0);
        let unit = match code_value(def, SENSITIVITY_UNITS_SEQ).as_deref() {
            Some(u) => Unit::parse(u),
            None => Unit::Other("counts".into()),
        };
        if c == 0 {
            rec_filter.highpass_hz = float(def, FILTER_LOW).filter(|v| *v > 0.0);
            rec_filter.lowpass_hz = float(def, FILTER_HIGH).filter(|v| *v > 0.0);
            rec_filter.notch_hz = float(def, NOTCH).filter(|v| *v > 0.0);
        }
        let values: Vec<i32> = (0..ns).map(|s| sample(s * nch + c)).collect();
        let cal = Calibration {
            gain: 1.0 / (sens * corr),
            baseline: -base / sens,
            resolution_bits: Some((bytes_per * 8) as u32),
        };
        let mut lead = Lead::new(
            &lead_name(&meaning),
            fs,
            unit,
            Signal::from_digital(values, cal, None),
        );
        lead.original_label = meaning;
        leads.push(lead);
    }
    Ok(Group { label, fs, leads })
}

fn dicom_date(t: &str) -> Option<Date> {
    let t = t.trim();
    Date::new(
        t.get(0..4)?.parse().ok()?,
        t.get(4..6)?.parse().ok()?,
        t.get(6..8)?.parse().ok()?,
    )
}

fn dicom_time(t: &str) -> Option<TimeOfDay> {
    let t = t.trim();
    let p = |a: usize, b: usize| t.get(a..b).and_then(|s| s.parse::<u8>().ok());
    let sec = t
        .get(4..)
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(0.0);
    TimeOfDay::new(p(0, 2)?, p(2, 4).unwrap_or(0), sec)
}

fn fiducial(meaning: &str) -> Option<(WaveKind, WavePoint)> {
    let m = meaning.to_ascii_lowercase();
    let wave = if m.starts_with("p ") || m.starts_with("p-") {
        WaveKind::P
    } else if m.starts_with("qrs") {
        WaveKind::Qrs
    } else if m.starts_with("t ") || m.starts_with("t-") {
        WaveKind::T
    } else if m.starts_with("r wave") || m.contains("fiducial") {
        return Some((WaveKind::Qrs, WavePoint::Peak));
    } else {
        return None;
    };
    let point = if m.contains("onset") || m.contains("start") {
        WavePoint::Onset
    } else if m.contains("offset") || m.contains("end") {
        WavePoint::Offset
    } else if m.contains("peak") {
        WavePoint::Peak
    } else {
        return None;
    };
    Some((wave, point))
}

/// Decodes a DICOM waveform file.
pub(crate) fn read_bytes(bytes: &[u8], options: &OpenOptions) -> Result<Recording, Error> {
    if bytes.get(128..132) != Some(b"DICM") {
        return Err(Error::format_at(
            "DICOM preamble",
            128,
            "\"DICM\" magic missing",
        ));
    }
    prescan::check_lengths(bytes)?;
    let obj = OpenFileOptions::new()
        .read_preamble(dicom_object::file::ReadPreamble::Always)
        .from_reader(bytes)
        .map_err(|e| Error::format("DICOM container", e.to_string()))?;
    let sop = obj
        .meta()
        .media_storage_sop_class_uid()
        .trim_end_matches('\0')
        .to_string();
    let groups_items = items(&obj, WAVEFORM_SEQ);
    if groups_items.is_empty() {
        return Err(Error::format(
            field(WAVEFORM_SEQ),
            format!("no Waveform Sequence: SOP class {sop} is not a waveform object"),
        ));
    }
    let mut warnings = Vec::new();
    let mut total = 0u64;
    let mut filter = ecg::FilterBand::default();
    let mut rhythm: Option<(usize, Group)> = None;
    let mut median: Option<(usize, Group)> = None;
    for (i, it) in groups_items.iter().enumerate() {
        let g = read_group(it, i, options, &mut total, &mut filter)?;
        let up = g.label.to_ascii_uppercase();
        if up.contains("MEDIAN") || up.contains("REPRESENTATIVE") {
            if median.is_none() {
                median = Some((i + 1, g));
            }
        } else if rhythm.is_none() {
            rhythm = Some((i + 1, g));
        } else {
            warnings.push(Warning::new(
                format!("waveform group {}", i + 1),
                format!("additional multiplex group '{}' ignored", g.label),
            ));
        }
    }
    let (rhythm_no, rhythm) = match (rhythm, median.take()) {
        (Some(r), m) => {
            median = m;
            r
        }
        (None, Some(m)) => {
            warnings.push(Warning::new(
                field(WAVEFORM_SEQ),
                "only a median-beat group; shown as the recording",
            ));
            m
        }
        (None, None) => {
            return Err(Error::format(
                field(WAVEFORM_SEQ),
                "no multiplex group could be read",
            ));
        }
    };
    let mut rec = Recording::new(rhythm.leads);
    rec.acquisition.filter_band = filter;
    if let Some((_, m)) = &median {
        rec.median_beats = Some(MedianBeats {
            sampling_rate_hz: m.fs,
            leads: m.leads.clone(),
            fiducials: Vec::new(),
        });
    }
    let median_no = median.as_ref().map(|(n, _)| *n);

    // Annotations.
    let mut m = Measurements::default();
    let mut axis = Axis::default();
    for a in items(&obj, ANNOTATION_SEQ) {
        if let Some(t) = text(a, UNFORMATTED_TEXT) {
            rec.device_statements.push(Statement::from_device(t));
            continue;
        }
        let Some(meaning) = code_meaning(a, CONCEPT_NAME_SEQ) else {
            continue;
        };
        let group = a
            .element_opt(REF_CHANNELS)
            .ok()
            .flatten()
            .and_then(|e| e.to_multi_int::<u32>().ok())
            .and_then(|v| v.first().copied())
            .map(|g| g as usize)
            .unwrap_or(rhythm_no);
        if let Some(v) = float(a, NUMERIC_VALUE) {
            let unit = code_value(a, UNITS_SEQ).unwrap_or_default();
            let lower = meaning.to_ascii_lowercase();
            let ms = Some(Millis(v));
            match lower.as_str() {
                "pr interval" => m.pr = ms,
                "qrs duration" => m.qrs = ms,
                "qt interval" => m.qt = ms,
                "rr interval" => m.rr = ms,
                "p duration" => m.p_duration = ms,
                "qtc interval" => warnings.push(Warning::new(
                    "waveform annotation QTc interval",
                    format!("QTc {v} {unit} without a named formula; not assigned to a formula"),
                )),
                "ventricular heart rate" | "heart rate" => m.hr = Some(Bpm(v)),
                "p axis" => axis.p = Some(Degrees(v)),
                "qrs axis" => axis.qrs = Some(Degrees(v)),
                "t axis" => axis.t = Some(Degrees(v)),
                _ => {}
            }
            continue;
        }
        let Some((wave, point)) = fiducial(&meaning) else {
            continue;
        };
        let fs_g = if Some(group) == median_no {
            median.as_ref().map_or(rhythm.fs, |(_, g)| g.fs)
        } else {
            rhythm.fs
        };
        let times: Vec<f64> = match a.element_opt(REF_SAMPLES).ok().flatten() {
            // Referenced Sample Positions are 1-based (PS3.3 C.10.10.1.2).
            Some(e) => e
                .to_multi_int::<u64>()
                .unwrap_or_default()
                .into_iter()
                .map(|p| p.saturating_sub(1) as f64 / fs_g)
                .collect(),
            None => a
                .element_opt(REF_TIMES)
                .ok()
                .flatten()
                .and_then(|e| e.to_multi_float64().ok())
                .unwrap_or_default()
                .into_iter()
                .map(|ms| ms / 1000.0)
                .collect(),
        };
        for t in times {
            let ann = Annotation::point(t, AnnotationKind::Wave { wave, point }, meaning.clone());
            match (&mut rec.median_beats, Some(group) == median_no) {
                (Some(mb), true) => mb.fiducials.push(ann),
                _ => rec.annotations.push(ann),
            }
        }
    }
    m.axis = axis;
    if m.hr.is_none() {
        m.hr =
            m.rr.filter(|r| r.0 > 0.0)
                .map(|r| Bpm((60_000.0 / r.0).round()));
    }
    if m != Measurements::default() {
        rec.device_measurements = Some(m);
    }
    rec.annotations
        .sort_by(|a, b| a.onset_s.total_cmp(&b.onset_s));

    // Patient and acquisition.
    if let Some(name) = text(&obj, Tag(0x0010, 0x0010)) {
        let mut parts = name.split('^');
        rec.patient.last_name = parts.next().map(str::to_string).filter(|s| !s.is_empty());
        rec.patient.first_name = parts.next().map(str::to_string).filter(|s| !s.is_empty());
    }
    rec.patient.id = text(&obj, Tag(0x0010, 0x0020));
    rec.patient.birth_date = text(&obj, Tag(0x0010, 0x0030)).and_then(|d| dicom_date(&d));
    rec.patient.sex = match text(&obj, Tag(0x0010, 0x0040)).as_deref() {
        Some("M") => Sex::Male,
        Some("F") => Sex::Female,
        _ => Sex::Unknown,
    };
    rec.patient.age_years = text(&obj, Tag(0x0010, 0x1010)).and_then(|a| {
        let split = a.char_indices().last().map_or(0, |(i, _)| i);
        let (n, u) = a.split_at(split);
        let n: f64 = n.parse().ok()?;
        Some(match u {
            "M" => n / 12.0,
            "W" => n / 52.1775,
            "D" => n / 365.25,
            _ => n,
        })
    });
    rec.patient.height_cm = float(&obj, Tag(0x0010, 0x1020))
        .filter(|v| *v > 0.0)
        .map(|m| m * 100.0);
    rec.patient.weight_kg = float(&obj, Tag(0x0010, 0x1030)).filter(|v| *v > 0.0);
    let (date, time) = match text(&obj, Tag(0x0008, 0x002A)) {
        Some(dt) => (dicom_date(&dt), dt.get(8..).and_then(dicom_time)),
        None => (
            text(&obj, Tag(0x0008, 0x0023))
                .or_else(|| text(&obj, Tag(0x0008, 0x0020)))
                .and_then(|d| dicom_date(&d)),
            text(&obj, Tag(0x0008, 0x0033))
                .or_else(|| text(&obj, Tag(0x0008, 0x0030)))
                .and_then(|t| dicom_time(&t)),
        ),
    };
    if let Some(time) = time {
        rec.acquisition.start_time = Some(DateTime { date, time });
    }
    let d = &mut rec.acquisition.device;
    d.manufacturer = text(&obj, Tag(0x0008, 0x0070));
    d.model = text(&obj, Tag(0x0008, 0x1090));
    d.software = text(&obj, Tag(0x0018, 0x1020));
    d.institution = text(&obj, Tag(0x0008, 0x0080));

    rec.source.format = "DICOM ECG".into();
    rec.source.version = Some(
        match sop.as_str() {
            "1.2.840.10008.5.1.4.1.1.9.1.1" => "12-lead ECG Waveform Storage",
            "1.2.840.10008.5.1.4.1.1.9.1.2" => "General ECG Waveform Storage",
            "1.2.840.10008.5.1.4.1.1.9.1.3" => "Ambulatory ECG Waveform Storage",
            other => other,
        }
        .to_string(),
    );
    rec.source.warnings = warnings;
    Ok(rec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lead_names_drop_prefix_and_qualifier() {
        assert_eq!(lead_name("Lead I (Einthoven)"), "I");
        assert_eq!(lead_name("Lead aVR"), "aVR");
        assert_eq!(lead_name("V1"), "V1");
    }

    #[test]
    fn fiducial_names_map_to_waves() {
        assert_eq!(fiducial("P onset"), Some((WaveKind::P, WavePoint::Onset)));
        assert_eq!(
            fiducial("QRS offset"),
            Some((WaveKind::Qrs, WavePoint::Offset))
        );
        assert_eq!(fiducial("T offset"), Some((WaveKind::T, WavePoint::Offset)));
        assert_eq!(fiducial("PR interval"), None);
    }

    #[test]
    fn non_dicom_bytes_fail_cleanly() {
        let e = read_bytes(&[0u8; 200], &OpenOptions::new()).unwrap_err();
        assert_eq!(e.offset, Some(128));
    }
}
