//! GE MUSE `RestingECG` XML export.
//!
//! Layout: `<RestingECG>` with patient and test demographics, `RestingECGMeasurements`
//! (current, possibly edited and confirmed) and `OriginalRestingECGMeasurements` (as the
//! cart measured), `Diagnosis` and `OriginalDiagnosis` statements, `QRSTimesTypes`, and
//! `<Waveform>` blocks of type `Median` and `Rhythm`. Each `<LeadData>` holds base64
//! little-endian int16 samples (`WaveFormData`) with `LeadAmplitudeUnitsPerBit` (µV, written
//! with a comma decimal by some locales) and a CRC-32. Carts store 8 leads (I, II, V1–V6);
//! III, aVR, aVL and aVF are derived (Einthoven/Goldberger).

use base64::Engine;
use ecg::{
    Annotation, AnnotationKind, Axis, Bpm, Calibration, Date, DateTime, Degrees, Lead,
    Measurements, MedianBeats, Millis, Recording, Sex, Signal, Statement, StatementState,
    TimeOfDay, Unit, Warning, WaveKind, WavePoint,
};

use crate::error::Error;
use crate::options::OpenOptions;
use crate::registry::{Confidence, Format};
use crate::source::Input;
use crate::xml::{self, Element};

/// The GE MUSE XML reader.
pub(crate) struct Muse;

impl Format for Muse {
    fn name(&self) -> &'static str {
        "GE MUSE XML"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["xml"]
    }

    fn probe(&self, input: &Input) -> Confidence {
        let head = xml::decode_head(input.head(4096));
        match xml::root_tag(&head) {
            Some((name, _)) if name == "RestingECG" => Confidence::Certain,
            _ => Confidence::No,
        }
    }

    fn read(&self, input: &Input, options: &OpenOptions) -> Result<Recording, Error> {
        read_bytes(input.bytes(), options)
    }
}

/// Decodes a MUSE XML file.
pub(crate) fn read_bytes(bytes: &[u8], options: &OpenOptions) -> Result<Recording, Error> {
    let (text, _) = xml::decode(bytes, &options.limits)?;
    let root = xml::parse(&text)?;
    if root.name != "RestingECG" {
        return Err(Error::format_at(
            "root element",
            root.offset,
            format!("<{}> where <RestingECG> was expected", root.name),
        ));
    }
    let mut warnings = Vec::new();
    let mut rhythm: Option<Vec<Lead>> = None;
    let mut median: Option<Vec<Lead>> = None;
    let mut total: u64 = 0;
    for wf in root.children("Waveform") {
        let kind = wf.text_at(&["WaveformType"]).unwrap_or_default();
        let leads = read_waveform(wf, options, &mut total, &mut warnings)?;
        match kind.as_str() {
            "Rhythm" if rhythm.is_none() => rhythm = Some(leads),
            "Median" if median.is_none() => median = Some(leads),
            other => warnings.push(Warning::at(
                "Waveform",
                wf.offset,
                format!("extra waveform block of type '{other}' ignored"),
            )),
        }
    }
    let leads = rhythm.ok_or_else(|| {
        Error::format_at(
            "Waveform",
            root.offset,
            "no <Waveform> with <WaveformType>Rhythm</WaveformType>",
        )
    })?;
    let mut rec = Recording::new(leads);
    rec.derive_limb_leads();

    let fs_meas = root
        .text_at(&["RestingECGMeasurements", "ECGSampleBase"])
        .and_then(|t| xml::number(&t))
        .unwrap_or(500.0);
    if let Some(m) = median {
        let mut tmp = Recording::new(m);
        tmp.derive_limb_leads();
        let fs = tmp.leads.first().map_or(500.0, |l| l.sampling_rate_hz);
        let mut mb = MedianBeats {
            sampling_rate_hz: fs,
            leads: tmp.leads,
            fiducials: Vec::new(),
        };
        if let Some(meas) = root.child("RestingECGMeasurements") {
            let points = [
                ("POnset", WaveKind::P, WavePoint::Onset),
                ("POffset", WaveKind::P, WavePoint::Offset),
                ("QOnset", WaveKind::Qrs, WavePoint::Onset),
                ("QOffset", WaveKind::Qrs, WavePoint::Offset),
                ("TOffset", WaveKind::T, WavePoint::Offset),
            ];
            for (tag, wave, point) in points {
                if let Some(v) = meas.text_at(&[tag]).and_then(|t| xml::number(&t)) {
                    mb.fiducials.push(Annotation::point(
                        v / fs_meas,
                        AnnotationKind::Wave { wave, point },
                        format!("MUSE {tag}"),
                    ));
                }
            }
        }
        rec.median_beats = Some(mb);
    }

    read_demographics(&root, &mut rec);

    // Measurements: the current (possibly confirmed) set, with the original kept in a comment
    // when a reviewer changed it.
    let current = root
        .child("RestingECGMeasurements")
        .map(|m| measurements(m, &mut warnings));
    let original = root
        .child("OriginalRestingECGMeasurements")
        .map(|m| measurements(m, &mut Vec::new()));
    match (current, original) {
        (Some(c), Some(o)) => {
            if c != o {
                rec.acquisition
                    .comments
                    .push(format!("original device measurements: {}", summary(&o)));
            }
            rec.device_measurements = Some(c);
        }
        (Some(m), None) | (None, Some(m)) => rec.device_measurements = Some(m),
        (None, None) => {}
    }

    // Statements.
    let confirmed = root
        .text_at(&["TestDemographics", "Status"])
        .is_some_and(|s| s.eq_ignore_ascii_case("CONFIRMED"));
    let current = root.child("Diagnosis").map(statements);
    let original = root.child("OriginalDiagnosis").map(statements);
    match (current, original) {
        (Some(cur), orig) => {
            for t in &cur {
                let mut s = Statement::from_device(t.clone());
                if confirmed {
                    s.state = StatementState::Confirmed;
                }
                rec.device_statements.push(s);
            }
            if let Some(orig) = orig {
                for t in orig.iter().filter(|t| !cur.contains(t)) {
                    let mut s = Statement::from_device(t.clone());
                    s.state = StatementState::Rejected;
                    rec.device_statements.push(s);
                }
            }
        }
        (None, Some(orig)) => {
            rec.device_statements
                .extend(orig.into_iter().map(Statement::from_device));
        }
        (None, None) => {}
    }

    // QRS times (ms from the start of the rhythm strip).
    if let Some(q) = root.child("QRSTimesTypes") {
        for beat in q.children("QRS") {
            if let Some(t) = beat.text_at(&["Time"]).and_then(|t| xml::number(&t)) {
                let ty = beat.text_at(&["Type"]).unwrap_or_default();
                rec.annotations.push(Annotation::point(
                    t / 1000.0,
                    AnnotationKind::Other { code: "QRS".into() },
                    format!("MUSE QRS type {ty}"),
                ));
            }
        }
    }

    rec.source.format = "GE MUSE XML".into();
    rec.source.version = root.text_at(&["MuseInfo", "MuseVersion"]);
    rec.source.warnings = warnings;
    Ok(rec)
}

fn read_waveform(
    wf: &Element,
    options: &OpenOptions,
    total: &mut u64,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Lead>, Error> {
    let base = wf
        .text_at(&["SampleBase"])
        .and_then(|t| xml::number(&t))
        .ok_or_else(|| {
            Error::format_at("Waveform/SampleBase", wf.offset, "missing or not a number")
        })?;
    let exp = wf
        .text_at(&["SampleExponent"])
        .and_then(|t| xml::number(&t))
        .unwrap_or(0.0);
    let fs = base * 10f64.powi(exp.clamp(-9.0, 9.0) as i32);
    if !(fs > 0.0 && fs.is_finite()) {
        return Err(Error::format_at(
            "Waveform/SampleBase",
            wf.offset,
            format!("sampling rate {fs} Hz is not positive"),
        ));
    }
    let mut leads = Vec::new();
    for ld in wf.children("LeadData") {
        if leads.len() >= options.limits.max_leads {
            return Err(Error::limit("LeadData", "too many leads"));
        }
        let id = ld
            .text_at(&["LeadID"])
            .ok_or_else(|| Error::format_at("LeadData/LeadID", ld.offset, "missing"))?;
        let field = format!("LeadData {id}");
        let upb = ld
            .text_at(&["LeadAmplitudeUnitsPerBit"])
            .and_then(|t| xml::number(&t))
            .filter(|v| *v > 0.0)
            .ok_or_else(|| {
                Error::format_at(
                    format!("{field}/LeadAmplitudeUnitsPerBit"),
                    ld.offset,
                    "missing, zero or not a number",
                )
            })?;
        let unit = match ld.text_at(&["LeadAmplitudeUnits"]).as_deref() {
            None | Some("MICROVOLTS") => Unit::Microvolt,
            Some("MILLIVOLTS") => Unit::Millivolt,
            Some(other) => Unit::parse(other),
        };
        let b64 = ld.child("WaveFormData").ok_or_else(|| {
            Error::format_at(format!("{field}/WaveFormData"), ld.offset, "missing")
        })?;
        let cleaned: Vec<u8> = b64
            .text
            .bytes()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        let raw = base64::engine::general_purpose::STANDARD
            .decode(&cleaned)
            .map_err(|e| {
                Error::format_at(
                    format!("{field}/WaveFormData"),
                    b64.offset,
                    format!("invalid base64: {e}"),
                )
            })?;
        if let Some(want) = ld
            .text_at(&["LeadDataCRC32"])
            .and_then(|t| t.parse::<u32>().ok())
        {
            let got = crc32(&raw);
            if got != want {
                warnings.push(Warning::at(
                    format!("{field}/LeadDataCRC32"),
                    ld.offset,
                    format!("stored {want}, computed {got}"),
                ));
            }
        }
        let mut values: Vec<i32> = raw
            .chunks_exact(2)
            .map(|c| i32::from(i16::from_le_bytes([c[0], c[1]])))
            .collect();
        if let Some(n) = ld
            .text_at(&["LeadSampleCountTotal"])
            .and_then(|t| t.parse::<usize>().ok())
        {
            if n < values.len() {
                values.truncate(n);
            } else if n > values.len() {
                warnings.push(Warning::at(
                    format!("{field}/LeadSampleCountTotal"),
                    ld.offset,
                    format!("declares {n} samples but the data holds {}", values.len()),
                ));
            }
        }
        *total += values.len() as u64;
        if *total > options.limits.max_samples {
            return Err(Error::limit("WaveFormData", "sample limit exceeded"));
        }
        let cal = Calibration {
            gain: 1.0 / upb,
            baseline: 0.0,
            resolution_bits: Some(16),
        };
        leads.push(Lead::new(
            &id,
            fs,
            unit,
            Signal::from_digital(values, cal, None),
        ));
    }
    if leads.is_empty() {
        return Err(Error::format_at("Waveform", wf.offset, "no <LeadData>"));
    }
    Ok(leads)
}

/// CRC-32 (IEEE 802.3, reflected, as zlib).
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn parse_mdy(t: &str) -> Option<Date> {
    let p: Vec<&str> = t.split(['-', '/']).collect();
    match p.as_slice() {
        [y, m, d] if y.len() == 4 => Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?),
        [m, d, y] => Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?),
        _ => None,
    }
}

fn parse_hms(t: &str) -> Option<TimeOfDay> {
    let p: Vec<&str> = t.split(':').collect();
    match p.as_slice() {
        [h, m, s] => TimeOfDay::new(h.parse().ok()?, m.parse().ok()?, xml::number(s)?),
        [h, m] => TimeOfDay::new(h.parse().ok()?, m.parse().ok()?, 0.0),
        _ => None,
    }
}

fn read_demographics(root: &Element, rec: &mut Recording) {
    if let Some(p) = root.child("PatientDemographics") {
        rec.patient.id = p.text_at(&["PatientID"]);
        rec.patient.last_name = p.text_at(&["PatientLastName"]);
        rec.patient.first_name = p.text_at(&["PatientFirstName"]);
        rec.patient.birth_date = p.text_at(&["DateofBirth"]).and_then(|t| parse_mdy(&t));
        let age = p.text_at(&["PatientAge"]).and_then(|t| xml::number(&t));
        rec.patient.age_years = age.map(|a| match p.text_at(&["AgeUnits"]).as_deref() {
            Some("MONTHS") => a / 12.0,
            Some("WEEKS") => a / 52.1775,
            Some("DAYS") => a / 365.25,
            Some("HOURS") => a / 8766.0,
            _ => a,
        });
        rec.patient.sex = match p.text_at(&["Gender"]).as_deref() {
            Some("MALE") => Sex::Male,
            Some("FEMALE") => Sex::Female,
            _ => Sex::Unknown,
        };
        rec.patient.height_cm = p.text_at(&["HeightCM"]).and_then(|t| xml::number(&t));
        rec.patient.weight_kg = p.text_at(&["WeightKG"]).and_then(|t| xml::number(&t));
    }
    if let Some(t) = root.child("TestDemographics") {
        let date = t.text_at(&["AcquisitionDate"]).and_then(|d| parse_mdy(&d));
        if let Some(time) = t.text_at(&["AcquisitionTime"]).and_then(|d| parse_hms(&d)) {
            rec.acquisition.start_time = Some(DateTime { date, time });
        }
        let d = &mut rec.acquisition.device;
        d.manufacturer = Some("GE Healthcare".into());
        d.model = t.text_at(&["AcquisitionDevice"]);
        d.software = t.text_at(&["AcquisitionSoftwareVersion"]);
        d.institution = t.text_at(&["SiteName"]);
    }
    if let Some(wf) = root.child("Waveform") {
        let f = &mut rec.acquisition.filter_band;
        // HighPassFilter is in hundredths of Hz (56 = 0.56 Hz).
        f.highpass_hz = wf
            .text_at(&["HighPassFilter"])
            .and_then(|t| xml::number(&t))
            .map(|v| v / 100.0);
        f.lowpass_hz = wf.text_at(&["LowPassFilter"]).and_then(|t| xml::number(&t));
        f.notch_hz = wf
            .text_at(&["ACFilter"])
            .and_then(|t| xml::number(&t))
            .filter(|v| *v > 0.0);
    }
}

fn measurements(m: &Element, warnings: &mut Vec<Warning>) -> Measurements {
    let num = |tag: &str| m.text_at(&[tag]).and_then(|t| xml::number(&t));
    let ms = |tag: &str| num(tag).filter(|v| *v > 0.0).map(Millis);
    let deg = |tag: &str| num(tag).filter(|v| v.abs() <= 360.0).map(Degrees);
    let mut out = Measurements {
        hr: num("VentricularRate").filter(|v| *v > 0.0).map(Bpm),
        pr: ms("PRInterval"),
        qrs: ms("QRSDuration"),
        qt: ms("QTInterval"),
        axis: Axis {
            p: deg("PAxis"),
            qrs: deg("RAxis"),
            t: deg("TAxis"),
        },
        ..Measurements::default()
    };
    out.rr = out.hr.map(|h| Millis((60_000.0 / h.0).round()));
    out.qtc.fridericia = ms("QTcFrederica");
    if let Some(qtc) = ms("QTCorrected") {
        // MUSE does not name the formula of QTCorrected; GE's 12SL default is Bazett. Assign it
        // only when the value agrees with Bazett on the stated QT and rate.
        let bazett = match (out.qt, out.hr) {
            (Some(qt), Some(hr)) => Some(qt.0 / (60.0 / hr.0).sqrt()),
            _ => None,
        };
        if bazett.is_some_and(|b| (b - qtc.0).abs() <= 5.0) {
            out.qtc.bazett = Some(qtc);
        } else {
            warnings.push(Warning::at(
                "RestingECGMeasurements/QTCorrected",
                m.offset,
                format!(
                    "QTc {} ms does not match Bazett on QT and rate; formula unknown, not assigned",
                    qtc.0
                ),
            ));
        }
    }
    out
}

fn summary(m: &Measurements) -> String {
    let f = |n: &str, v: Option<f64>| v.map(|v| format!("{n} {v}")).unwrap_or_default();
    [
        f("HR", m.hr.map(|v| v.0)),
        f("PR", m.pr.map(|v| v.0)),
        f("QRS", m.qrs.map(|v| v.0)),
        f("QT", m.qt.map(|v| v.0)),
        f("QTc", m.qtc.bazett.map(|v| v.0)),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(", ")
}

/// Statement lines; `StmtFlag` ENDSLINE closes a line, otherwise texts continue it.
fn statements(d: &Element) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = String::new();
    for s in d.children("DiagnosisStatement") {
        if let Some(t) = s.text_at(&["StmtText"]) {
            if !line.is_empty() && !t.starts_with([',', '.', ';', ':']) {
                line.push(' ');
            }
            line.push_str(&t);
        }
        let ends = s.children("StmtFlag").any(|f| f.text.trim() == "ENDSLINE");
        if ends && !line.is_empty() {
            out.push(std::mem::take(&mut line));
        }
    }
    if !line.is_empty() {
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_check_value() {
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    }

    #[test]
    fn minimal_document_reads_with_comma_decimal_units() {
        let xml = "<RestingECG><Waveform><WaveformType>Rhythm</WaveformType>\
            <SampleBase>500</SampleBase><LeadData><LeadID>I</LeadID>\
            <LeadAmplitudeUnitsPerBit>4,88</LeadAmplitudeUnitsPerBit>\
            <WaveFormData>AQD//w==</WaveFormData></LeadData></Waveform></RestingECG>";
        let rec = read_bytes(xml.as_bytes(), &OpenOptions::new()).unwrap();
        let v = rec.leads[0].signal.to_vec().unwrap();
        assert!((v[0] - 4.88).abs() < 1e-5 && (v[1] + 4.88).abs() < 1e-5);
    }

    #[test]
    fn missing_rhythm_is_an_error() {
        let e = read_bytes(b"<RestingECG/>", &OpenOptions::new()).unwrap_err();
        assert!(e.to_string().contains("Rhythm"));
    }
}
