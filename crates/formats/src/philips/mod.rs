//! Philips Sierra ECG / PhilipsECG XML (`<restingecgdata>`), versions 1.03, 1.04, 1.04.01
//! and 1.04.02, in UTF-8 or UTF-16 (LE/BE).
//!
//! The rhythm is in `<parsedwaveforms>`: base64, either uncompressed interleaved-by-lead int16
//! or XLI-compressed ([`xli`]). Leads III, aVR, aVL and aVF are stored as residuals against
//! the leads computed from I and II and are rebuilt as sierra-ecg-tools does (integer floor
//! division): III = II − I − s3; aVR = −s4 − ⌊(I+II)/2⌋; aVL = ⌊(I−III)/2⌋ − s5;
//! aVF = ⌊(II+III)/2⌋ − s6. Amplitudes are `resolution` µV per count. Representative beats
//! are in `<repbeats>`; measurements in `globalmeasurements` (1.04) or
//! `crossleadmeasurements` (1.03); statements in `<interpretation>`.

mod xli;

use base64::Engine;
use ecg::{
    Axis, Bpm, Calibration, Date, DateTime, Degrees, Lead, Measurements, MedianBeats, Millis,
    Recording, Sex, Signal, Statement, StatementState, TimeOfDay, Unit, Warning,
};

use crate::error::Error;
use crate::options::OpenOptions;
use crate::registry::{Confidence, Format};
use crate::source::Input;
use crate::xml::{self, Element, Encoding};

/// The Philips XML reader.
pub(crate) struct Philips;

impl Format for Philips {
    fn name(&self) -> &'static str {
        "Philips XML"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["xml"]
    }

    fn probe(&self, input: &Input) -> Confidence {
        let head = xml::decode_head(input.head(4096));
        match xml::root_tag(&head) {
            Some((name, _)) if name == "restingecgdata" => Confidence::Certain,
            _ => Confidence::No,
        }
    }

    fn read(&self, input: &Input, options: &OpenOptions) -> Result<Recording, Error> {
        read_bytes(input.bytes(), options)
    }
}

const STD12: [&str; 12] = [
    "I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6",
];

fn b64(text: &str, field: &str, offset: u64) -> Result<Vec<u8>, Error> {
    let cleaned: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(&cleaned)
        .map_err(|e| Error::format_at(field.to_string(), offset, format!("invalid base64: {e}")))
}

fn num_attr(e: &Element, name: &str) -> Option<f64> {
    e.attr(name).and_then(xml::number)
}

/// Decodes a Philips XML file.
pub(crate) fn read_bytes(bytes: &[u8], options: &OpenOptions) -> Result<Recording, Error> {
    let (text, enc) = xml::decode(bytes, &options.limits)?;
    let root = xml::parse(&text)?;
    if root.name != "restingecgdata" {
        return Err(Error::format_at(
            "root element",
            root.offset,
            format!("<{}> where <restingecgdata> was expected", root.name),
        ));
    }
    let mut warnings = Vec::new();
    let doc_type = root
        .text_at(&["documentinfo", "documenttype"])
        .unwrap_or_default();
    let version = root
        .text_at(&["documentinfo", "documentversion"])
        .unwrap_or_default();
    if !["1.03", "1.04", "1.04.01", "1.04.02"].contains(&version.as_str()) {
        warnings.push(Warning::new(
            "documentinfo/documentversion",
            format!("version '{version}' is not one of 1.03, 1.04, 1.04.01, 1.04.02; read as 1.04"),
        ));
    }

    let pw = root.find("parsedwaveforms").ok_or_else(|| {
        Error::format_at(
            "parsedwaveforms",
            root.offset,
            "element missing: no rhythm data",
        )
    })?;
    let sc = root.path(&["dataacquisition", "signalcharacteristics"]);
    let fs = num_attr(pw, "samplespersecond")
        .or_else(|| {
            sc.and_then(|s| s.text_at(&["samplingrate"]))
                .and_then(|t| xml::number(&t))
        })
        .filter(|f| *f > 0.0)
        .ok_or_else(|| {
            Error::format_at(
                "signalcharacteristics/samplingrate",
                pw.offset,
                "missing or not a positive number",
            )
        })?;
    let resolution_uv = num_attr(pw, "resolution")
        .or_else(|| {
            sc.and_then(|s| s.text_at(&["signalresolution"]))
                .and_then(|t| xml::number(&t))
        })
        .filter(|r| *r > 0.0)
        .unwrap_or_else(|| {
            warnings.push(Warning::at(
                "parsedwaveforms@resolution",
                pw.offset,
                "missing; assuming 5 µV per count",
            ));
            5.0
        });
    let duration_ms = num_attr(pw, "durationperchannel").unwrap_or(0.0);
    let n_samples = (duration_ms * fs / 1000.0).round().max(0.0) as usize;
    let labels: Vec<String> = match pw.attr("leadlabels") {
        Some(l) if !l.trim().is_empty() => {
            let n = num_attr(pw, "numberofleads").map_or(usize::MAX, |n| n.max(0.0) as usize);
            l.split_whitespace().take(n).map(str::to_string).collect()
        }
        _ => {
            let n = sc
                .and_then(|s| s.text_at(&["numberchannelsallocated"]))
                .and_then(|t| t.parse::<usize>().ok())
                .unwrap_or(12)
                .min(options.limits.max_leads);
            let std = sc
                .and_then(|s| s.text_at(&["acquisitiontype"]))
                .is_some_and(|t| t == "STD-12" || t == "10-WIRE");
            (1..=n)
                .map(|i| match (std, STD12.get(i - 1)) {
                    (true, Some(s)) => (*s).to_string(),
                    _ => format!("Channel {i}"),
                })
                .collect()
        }
    };
    if labels.is_empty() || labels.len() > options.limits.max_leads {
        return Err(Error::format_at(
            "parsedwaveforms@leadlabels",
            pw.offset,
            format!("{} leads", labels.len()),
        ));
    }
    let max = options.limits.max_samples.min(usize::MAX as u64) as usize;
    let compression = pw
        .attr("compressmethod")
        .or_else(|| pw.attr("compression"))
        .unwrap_or("Uncompressed");
    let encoding = pw.attr("dataencoding").unwrap_or("Base64");
    if encoding != "Base64" {
        return Err(Error::unsupported(
            "parsedwaveforms@dataencoding",
            format!("'{encoding}' (only Base64 is decoded)"),
        ));
    }
    let raw = b64(&pw.text, "parsedwaveforms", pw.offset)?;
    let mut series = match compression {
        "XLI" => xli::decode(&raw, max, pw.offset)?,
        "Uncompressed" | "" => {
            let all: Vec<i32> = raw
                .chunks_exact(2)
                .map(|c| i32::from(i16::from_le_bytes([c[0], c[1]])))
                .collect();
            let per = if n_samples > 0 {
                n_samples
            } else {
                all.len() / labels.len()
            };
            all.chunks(per.max(1))
                .take(labels.len())
                .map(<[i32]>::to_vec)
                .collect()
        }
        other => {
            return Err(Error::unsupported(
                "parsedwaveforms@compression",
                format!("'{other}' (XLI and uncompressed are decoded)"),
            ));
        }
    };
    if series.len() < labels.len() {
        return Err(Error::format_at(
            "parsedwaveforms",
            pw.offset,
            format!(
                "{} leads declared but {} decoded",
                labels.len(),
                series.len()
            ),
        ));
    }
    series.truncate(labels.len());
    if n_samples > 0 {
        for (s, l) in series.iter_mut().zip(&labels) {
            if s.len() < n_samples {
                warnings.push(Warning::at(
                    format!("parsedwaveforms lead {l}"),
                    pw.offset,
                    format!("{} of {n_samples} samples decoded", s.len()),
                ));
            }
            s.truncate(n_samples);
        }
    }
    rebuild_limb_leads(&mut series, &labels);

    let cal = Calibration {
        gain: 1.0 / resolution_uv,
        baseline: 0.0,
        resolution_bits: Some(16),
    };
    let leads = labels
        .iter()
        .zip(series)
        .map(|(l, v)| Lead::new(l, fs, Unit::Microvolt, Signal::from_digital(v, cal, None)))
        .collect();
    let mut rec = Recording::new(leads);
    rec.median_beats = read_repbeats(&root, options, &mut warnings)?;
    read_demographics(&root, &mut rec);
    read_interpretation(&root, &mut rec, &mut warnings);

    rec.source.format = "Philips XML".into();
    let enc = match enc {
        Encoding::Utf16Le => ", UTF-16LE",
        Encoding::Utf16Be => ", UTF-16BE",
        _ => "",
    };
    rec.source.version = Some(format!("{doc_type} {version}{enc}"));
    rec.source.warnings = warnings;
    Ok(rec)
}

/// III, aVR, aVL, aVF from stored residuals (sierra-ecg-tools `read_file`).
fn rebuild_limb_leads(s: &mut [Vec<i32>], labels: &[String]) {
    if labels.len() < 6 || labels[..6].iter().zip(&STD12[..6]).any(|(a, b)| a != b) {
        return;
    }
    let n = s[..6].iter().map(Vec::len).min().unwrap_or(0);
    let wrap = |v: i32| i32::from(v as i16);
    #[allow(clippy::needless_range_loop)] // six leads are read and written per sample
    for j in 0..n {
        let (i, ii) = (s[0][j], s[1][j]);
        let iii = wrap(ii - i - s[2][j]);
        s[2][j] = iii;
        s[3][j] = wrap(-s[3][j] - (i + ii).div_euclid(2));
        s[4][j] = wrap((i - iii).div_euclid(2) - s[4][j]);
        s[5][j] = wrap((ii + iii).div_euclid(2) - s[5][j]);
    }
}

fn read_repbeats(
    root: &Element,
    options: &OpenOptions,
    warnings: &mut Vec<Warning>,
) -> Result<Option<MedianBeats>, Error> {
    let Some(rb) = root.find("repbeats") else {
        return Ok(None);
    };
    let fs = num_attr(rb, "samplespersec").filter(|f| *f > 0.0);
    let res = num_attr(rb, "resolution")
        .filter(|r| *r > 0.0)
        .unwrap_or(1.0);
    let Some(fs) = fs else {
        warnings.push(Warning::at(
            "repbeats@samplespersec",
            rb.offset,
            "missing; repbeats skipped",
        ));
        return Ok(None);
    };
    let xli = matches!(
        rb.attr("compressmethod").or_else(|| rb.attr("compression")),
        Some("XLI")
    );
    let cal = Calibration {
        gain: 1.0 / res,
        baseline: 0.0,
        resolution_bits: Some(16),
    };
    let max = options.limits.max_samples.min(usize::MAX as u64) as usize;
    let mut leads = Vec::new();
    for beat in rb.children("repbeat") {
        let name = beat.attr("leadname").unwrap_or("?");
        let (el, dur) = match beat.child("waveform") {
            Some(w) => (w, num_attr(w, "duration")),
            None => (beat, num_attr(beat, "duration")),
        };
        let raw = b64(&el.text, &format!("repbeat {name}"), el.offset)?;
        let mut v = if xli {
            xli::decode(&raw, max, el.offset)?
                .into_iter()
                .next()
                .unwrap_or_default()
        } else {
            raw.chunks_exact(2)
                .map(|c| i32::from(i16::from_le_bytes([c[0], c[1]])))
                .collect()
        };
        if let Some(d) = dur {
            v.truncate((d * fs / 1000.0).round().max(0.0) as usize);
        }
        leads.push(Lead::new(
            name,
            fs,
            Unit::Microvolt,
            Signal::from_digital(v, cal, Some(i32::from(i16::MAX))),
        ));
    }
    if leads.is_empty() {
        return Ok(None);
    }
    Ok(Some(MedianBeats {
        sampling_rate_hz: fs,
        leads,
        fiducials: Vec::new(),
    }))
}

fn read_demographics(root: &Element, rec: &mut Recording) {
    if let Some(p) = root.path(&["patient", "generalpatientdata"]) {
        rec.patient.id = p.text_at(&["patientid"]);
        rec.patient.last_name = p.text_at(&["name", "lastname"]);
        rec.patient.first_name = p.text_at(&["name", "firstname"]);
        rec.patient.age_years = p.text_at(&["age", "years"]).and_then(|t| xml::number(&t));
        rec.patient.birth_date = p
            .text_at(&["age", "dateofbirth"])
            .or_else(|| p.text_at(&["dateofbirth"]))
            .and_then(|t| iso_date(&t));
        rec.patient.sex = match p.text_at(&["sex"]).as_deref() {
            Some("Male") => Sex::Male,
            Some("Female") => Sex::Female,
            _ => Sex::Unknown,
        };
    }
    if let Some(a) = root.child("dataacquisition") {
        let date = a.attr("date").and_then(iso_date);
        if let Some(time) = a.attr("time").and_then(hms) {
            rec.acquisition.start_time = Some(DateTime { date, time });
        }
        if let Some(m) = a.child("machine") {
            let d = &mut rec.acquisition.device;
            d.model = Some(m.text.trim().to_string()).filter(|s| !s.is_empty());
            let detail: Vec<&str> = m
                .attr("detaildescription")
                .unwrap_or("")
                .split(':')
                .collect();
            d.manufacturer = Some(
                detail
                    .first()
                    .filter(|s| !s.is_empty())
                    .map_or("Philips".to_string(), |s| (*s).to_string()),
            );
            d.software = detail.get(2).map(|s| (*s).to_string());
        }
        rec.acquisition.device.institution = a.text_at(&["acquirer", "institutionname"]);
    }
    if let Some(b) = root.path(&["reportinfo", "reportbandwidth"]) {
        let f = &mut rec.acquisition.filter_band;
        f.highpass_hz = b
            .text_at(&["highpassfiltersetting"])
            .and_then(|t| xml::number(&t));
        f.lowpass_hz = b
            .text_at(&["lowpassfiltersetting"])
            .and_then(|t| xml::number(&t));
        f.notch_hz = b
            .text_at(&["notchfiltersetting"])
            .and_then(|t| xml::number(&t))
            .filter(|v| *v > 0.0);
    }
}

fn iso_date(t: &str) -> Option<Date> {
    let p: Vec<&str> = t.trim().split('-').collect();
    match p.as_slice() {
        [y, m, d] => Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?),
        _ => None,
    }
}

fn hms(t: &str) -> Option<TimeOfDay> {
    let p: Vec<&str> = t.trim().split(':').collect();
    match p.as_slice() {
        [h, m, s] => TimeOfDay::new(h.parse().ok()?, m.parse().ok()?, xml::number(s)?),
        _ => None,
    }
}

fn read_interpretation(root: &Element, rec: &mut Recording, warnings: &mut Vec<Warning>) {
    let interp = root
        .child("interpretations")
        .and_then(|i| i.children("interpretation").last())
        .or_else(|| root.child("interpretation"));
    // 1.04: interpretation/globalmeasurements and internalmeasurements/crossleadmeasurements;
    // 1.03: interpretation/interpretationmeasurements and measurements/globalmeasurements.
    let sources = [
        interp.and_then(|i| i.child("globalmeasurements")),
        interp.and_then(|i| i.child("interpretationmeasurements")),
        root.path(&["internalmeasurements", "crossleadmeasurements"]),
        root.path(&["measurements", "globalmeasurements"]),
    ];
    let get = |tags: &[&str]| -> Option<f64> {
        for t in tags {
            for src in sources.iter().flatten() {
                if let Some(v) = src.text_at(&[t]).and_then(|x| xml::number(&x)) {
                    return Some(v);
                }
            }
        }
        None
    };
    let pos = |v: Option<f64>| v.filter(|x| *x > 0.0);
    let deg = |v: Option<f64>| v.filter(|x| x.abs() <= 360.0).map(Degrees);
    let mut m = Measurements {
        hr: pos(get(&["heartrate", "meanventrate"])).map(Bpm),
        rr: pos(get(&["rrint"])).map(Millis),
        pr: pos(get(&["print", "meanprint"])).map(Millis),
        qrs: pos(get(&["qrsdur", "meanqrsdur"])).map(Millis),
        qt: pos(get(&["qtint", "meanqtint"])).map(Millis),
        axis: Axis {
            p: deg(get(&["pfrontaxis"])),
            qrs: deg(get(&["qrsfrontaxis"])),
            t: deg(get(&["tfrontaxis"])),
        },
        ..Measurements::default()
    };
    if m.rr.is_none() {
        m.rr = m.hr.map(|h| Millis((60_000.0 / h.0).round()));
    }
    m.qtc.bazett = pos(get(&["qtcb"])).map(Millis);
    m.qtc.fridericia = pos(get(&["qtcf"])).map(Millis);
    if m.qtc.bazett.is_none()
        && let Some(qtc) = pos(get(&["meanqtc"]))
    {
        let bazett = match (m.qt, m.rr) {
            (Some(qt), Some(rr)) => Some(qt.0 / (rr.0 / 1000.0).sqrt()),
            _ => None,
        };
        if bazett.is_some_and(|b| (b - qtc).abs() <= 5.0) {
            m.qtc.bazett = Some(Millis(qtc));
        } else {
            warnings.push(Warning::new(
                "crossleadmeasurements/meanqtc",
                format!("QTc {qtc} ms does not match Bazett on QT and rate; formula unknown, not assigned"),
            ));
        }
    }
    if m != Measurements::default() {
        rec.device_measurements = Some(m);
    }
    let Some(interp) = interp else {
        return;
    };
    let confirmed = interp
        .child("confirmingclinician")
        .is_some_and(|c| !c.text.trim().is_empty());
    for st in interp.children("statement") {
        let left = st.text_at(&["leftstatement"]).unwrap_or_default();
        let right = st.text_at(&["rightstatement"]).unwrap_or_default();
        let text = match (left.is_empty(), right.is_empty()) {
            (false, false) => format!("{left}, {right}"),
            (false, true) => left,
            (true, false) => right,
            (true, true) => continue,
        };
        let mut s = Statement::from_device(text);
        s.state = if st.attr("editedflag") == Some("True") {
            StatementState::Edited
        } else if confirmed {
            StatementState::Confirmed
        } else {
            StatementState::Suggested
        };
        rec.device_statements.push(s);
    }
    if let Some(sev) = interp.text_at(&["severity"]) {
        let mut s = Statement::from_device(sev);
        if confirmed {
            s.state = StatementState::Confirmed;
        }
        rec.device_statements.push(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limb_residuals_rebuild_with_floor_division() {
        let labels: Vec<String> = STD12.iter().map(|s| s.to_string()).collect();
        let mut s: Vec<Vec<i32>> = vec![vec![3], vec![-4], vec![0], vec![0], vec![0], vec![0]];
        s.extend(std::iter::repeat_n(vec![0], 6));
        rebuild_limb_leads(&mut s, &labels);
        // III = -7; aVR = -floor(-1/2) = 1; aVL = floor(10/2) = 5; aVF = floor(-11/2) = -6.
        assert_eq!((s[2][0], s[3][0], s[4][0], s[5][0]), (-7, 1, 5, -6));
    }

    #[test]
    fn wrong_root_is_an_error() {
        let e = read_bytes(b"<other/>", &OpenOptions::new()).unwrap_err();
        assert!(e.to_string().contains("restingecgdata"));
    }
}
