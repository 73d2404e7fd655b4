//! Mortara (Welch Allyn / Hillrom) ELI XML export: root `<ECG>`.
//!
//! No public sample file exists (see `tests/data/SOURCES.md`); the layout follows two public
//! descriptions: EDFbrowser's Mortara XML converter (`mortara2edf.cpp`: `<CHANNEL>` elements
//! with `OFFSET`, `BITS` 8/16/32, `FORMAT="SIGNED"`, `UNITS_PER_MV`, `DURATION` in samples,
//! `SAMPLE_FREQ`, `NAME`, `ENCODING="BASE64"` and base64 little-endian `DATA`) and a reader's
//! test fixture that adds `<TYPICAL_CYCLE>` (the median beat: same attributes plus
//! `PR_DURATION`, `QRS_DURATION`, `QT`, `QTB`, `QTF`, `P_AXIS`... and `<TYPICAL_CYCLE_CHANNEL>`
//! children), `<SUBJECT>`, `<SOURCE>` and `<AUTOMATIC_INTERPRETATION>` statements.

use base64::Engine;
use ecg::{
    Axis, Calibration, Date, Degrees, Lead, Measurements, MedianBeats, Millis, Recording, Sex,
    Signal, Statement, Unit, Warning,
};

use crate::error::Error;
use crate::options::OpenOptions;
use crate::registry::{Confidence, Format};
use crate::source::Input;
use crate::xml::{self, Element};

/// The Mortara XML reader.
pub(crate) struct Mortara;

impl Format for Mortara {
    fn name(&self) -> &'static str {
        "Mortara XML"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["xml"]
    }

    fn probe(&self, input: &Input) -> Confidence {
        let head = xml::decode_head(input.head(8192));
        match xml::root_tag(&head) {
            Some((name, _)) if name == "ECG" => {
                if head.contains("<CHANNEL") || head.contains("<TYPICAL_CYCLE") {
                    Confidence::Certain
                } else {
                    Confidence::Likely
                }
            }
            _ => Confidence::No,
        }
    }

    fn read(&self, input: &Input, options: &OpenOptions) -> Result<Recording, Error> {
        read_bytes(input.bytes(), options)
    }
}

fn attr_num(e: &Element, name: &str) -> Option<f64> {
    e.attr(name).and_then(xml::number)
}

/// Decodes one channel's `DATA` with its (or its parent's) format attributes.
fn channel(
    ch: &Element,
    fmt: &Element,
    what: &str,
    total: &mut u64,
    options: &OpenOptions,
) -> Result<Lead, Error> {
    let name = ch
        .attr("NAME")
        .ok_or_else(|| Error::format_at(format!("{what}@NAME"), ch.offset, "missing"))?;
    let field = format!("{what} {name}");
    let get = |a: &str| attr_num(ch, a).or_else(|| attr_num(fmt, a));
    let bits = get("BITS").unwrap_or(16.0) as u32;
    let bytes_per = match bits {
        8 => 1,
        16 => 2,
        32 => 4,
        b => {
            return Err(Error::unsupported(
                format!("{field}@BITS"),
                format!("{b} bits (8, 16 and 32 are decoded)"),
            ));
        }
    };
    let format = ch
        .attr("FORMAT")
        .or_else(|| fmt.attr("FORMAT"))
        .unwrap_or("SIGNED");
    if !format.eq_ignore_ascii_case("SIGNED") {
        return Err(Error::unsupported(
            format!("{field}@FORMAT"),
            format!("'{format}'"),
        ));
    }
    let encoding = ch
        .attr("ENCODING")
        .or_else(|| fmt.attr("ENCODING"))
        .unwrap_or("BASE64");
    if !encoding.eq_ignore_ascii_case("BASE64") {
        return Err(Error::unsupported(
            format!("{field}@ENCODING"),
            format!("'{encoding}'"),
        ));
    }
    let upmv = get("UNITS_PER_MV").filter(|v| *v > 0.0).ok_or_else(|| {
        Error::format_at(
            format!("{field}@UNITS_PER_MV"),
            ch.offset,
            "missing or not positive",
        )
    })?;
    let fs = get("SAMPLE_FREQ").filter(|v| *v > 0.0).ok_or_else(|| {
        Error::format_at(
            format!("{field}@SAMPLE_FREQ"),
            ch.offset,
            "missing or not positive",
        )
    })?;
    let data = ch
        .attr("DATA")
        .ok_or_else(|| Error::format_at(format!("{field}@DATA"), ch.offset, "missing"))?;
    let cleaned: Vec<u8> = data.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(&cleaned)
        .map_err(|e| {
            Error::format_at(
                format!("{field}@DATA"),
                ch.offset,
                format!("invalid base64: {e}"),
            )
        })?;
    let mut values: Vec<i32> = raw
        .chunks_exact(bytes_per)
        .map(|c| match c {
            [a] => i32::from(*a as i8),
            [a, b] => i32::from(i16::from_le_bytes([*a, *b])),
            [a, b, c, d] => i32::from_le_bytes([*a, *b, *c, *d]),
            _ => 0,
        })
        .collect();
    if let Some(n) = get("DURATION").map(|d| d.max(0.0) as usize)
        && n < values.len()
    {
        values.truncate(n);
    }
    *total += values.len() as u64;
    if *total > options.limits.max_samples {
        return Err(Error::limit(field, "sample limit exceeded"));
    }
    let cal = Calibration {
        gain: upmv / 1000.0,
        baseline: 0.0,
        resolution_bits: Some(bits),
    };
    Ok(Lead::new(
        name,
        fs,
        Unit::Microvolt,
        Signal::from_digital(values, cal, None),
    ))
}

/// Decodes a Mortara XML file.
pub(crate) fn read_bytes(bytes: &[u8], options: &OpenOptions) -> Result<Recording, Error> {
    let (text, _) = xml::decode(bytes, &options.limits)?;
    let root = xml::parse(&text)?;
    if root.name != "ECG" {
        return Err(Error::format_at(
            "root element",
            root.offset,
            format!("<{}> where <ECG> was expected", root.name),
        ));
    }
    let mut warnings = Vec::new();
    let mut total = 0u64;
    let mut leads = Vec::new();
    for ch in root.children("CHANNEL") {
        if leads.len() >= options.limits.max_leads {
            return Err(Error::limit("CHANNEL", "too many channels"));
        }
        leads.push(channel(ch, ch, "CHANNEL", &mut total, options)?);
    }
    if leads.is_empty() {
        return Err(Error::format_at(
            "CHANNEL",
            root.offset,
            "no <CHANNEL> elements: no rhythm data",
        ));
    }
    if let Some(first) = leads.first() {
        let fs = first.sampling_rate_hz;
        if leads.iter().any(|l| l.sampling_rate_hz != fs) {
            warnings.push(Warning::at(
                "CHANNEL@SAMPLE_FREQ",
                root.offset,
                "channels differ in sampling rate",
            ));
        }
    }
    let mut rec = Recording::new(leads);
    rec.derive_limb_leads();

    if let Some(tc) = root.child("TYPICAL_CYCLE") {
        let mut mleads = Vec::new();
        for ch in tc.children("TYPICAL_CYCLE_CHANNEL") {
            mleads.push(channel(
                ch,
                tc,
                "TYPICAL_CYCLE_CHANNEL",
                &mut total,
                options,
            )?);
        }
        if let Some(fs) = mleads.first().map(|l| l.sampling_rate_hz) {
            rec.median_beats = Some(MedianBeats {
                sampling_rate_hz: fs,
                leads: mleads,
                fiducials: Vec::new(),
            });
        }
        let ms = |a: &str| attr_num(tc, a).filter(|v| *v > 0.0).map(Millis);
        let deg = |a: &str| attr_num(tc, a).filter(|v| v.abs() <= 360.0).map(Degrees);
        let mut m = Measurements {
            pr: ms("PR_DURATION").or_else(|| ms("PR_INTERVAL")),
            qrs: ms("QRS_DURATION"),
            qt: ms("QT"),
            p_duration: ms("P_DURATION"),
            axis: Axis {
                p: deg("P_AXIS"),
                qrs: deg("QRS_AXIS"),
                t: deg("T_AXIS"),
            },
            ..Measurements::default()
        };
        m.qtc.bazett = ms("QTB");
        m.qtc.fridericia = ms("QTF");
        if let Some(qtc) = ms("QTC")
            && m.qtc.bazett != Some(qtc)
            && m.qtc.fridericia != Some(qtc)
        {
            warnings.push(Warning::at(
                "TYPICAL_CYCLE@QTC",
                tc.offset,
                format!(
                    "QTc {} ms without a named formula; not assigned to a formula",
                    qtc.0
                ),
            ));
        }
        if m != Measurements::default() {
            rec.device_measurements = Some(m);
        }
    }
    if let Some(s) = root.child("SUBJECT") {
        rec.patient.id = s.attr("ID").map(str::to_string).filter(|v| !v.is_empty());
        rec.patient.last_name = s
            .attr("LAST_NAME")
            .map(str::to_string)
            .filter(|v| !v.is_empty());
        rec.patient.first_name = s
            .attr("FIRST_NAME")
            .map(str::to_string)
            .filter(|v| !v.is_empty());
        rec.patient.sex = match s.attr("GENDER").map(str::to_ascii_uppercase).as_deref() {
            Some("MALE" | "M") => Sex::Male,
            Some("FEMALE" | "F") => Sex::Female,
            _ => Sex::Unknown,
        };
        rec.patient.birth_date = s.attr("DOB").and_then(|d| {
            let d = d.trim();
            Date::new(
                d.get(0..4)?.parse().ok()?,
                d.get(4..6)?.parse().ok()?,
                d.get(6..8)?.parse().ok()?,
            )
        });
    }
    if let Some(src) = root.child("SOURCE") {
        let d = &mut rec.acquisition.device;
        d.manufacturer = src.attr("MANUFACTURER").map(str::to_string);
        d.model = src.attr("MODEL").map(str::to_string);
        d.software = src.attr("ACQUIRING_DEVICE_SW_VERSION").map(str::to_string);
        d.institution = src.attr("ACQUIRING_DEVICE_SITE_NAME").map(str::to_string);
        rec.acquisition.filter_band.lowpass_hz =
            attr_num(src, "LOW_PASS_FILTER").filter(|v| *v > 0.0);
    }
    if let Some(ai) = root.child("AUTOMATIC_INTERPRETATION") {
        for st in ai.children("STATEMENT") {
            let text = st.attr("TEXT").unwrap_or("").trim();
            if text.is_empty() {
                continue;
            }
            let mut s = Statement::from_device(text);
            s.criterion = st
                .attr("REASON")
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_string);
            rec.device_statements.push(s);
        }
    }
    rec.source.format = "Mortara XML".into();
    rec.source.warnings = warnings;
    Ok(rec)
}

/// Builds a Mortara XML document (tests and fuzz seeds).
#[cfg(test)]
pub(crate) fn build(leads: &[(&str, Vec<i16>)], units_per_mv: u32, fs: u32) -> String {
    let b64 = |v: &[i16]| {
        let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
        base64::engine::general_purpose::STANDARD.encode(bytes)
    };
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ECG>\n");
    s.push_str("  <SUBJECT LAST_NAME=\"Doe\" GENDER=\"Female\" ID=\"P1\" DOB=\"19900515\"/>\n");
    s.push_str("  <SOURCE MANUFACTURER=\"Mortara Instrument, Inc.\" MODEL=\"ELI250c\" LOW_PASS_FILTER=\"150\"/>\n");
    s.push_str("  <AUTOMATIC_INTERPRETATION><STATEMENT TEXT=\"SINUS RHYTHM\" REASON=\"\"/></AUTOMATIC_INTERPRETATION>\n");
    s.push_str(&format!(
        "  <TYPICAL_CYCLE PR_DURATION=\"163\" QRS_DURATION=\"93\" QT=\"456\" QTC=\"463\" QTB=\"469\" QTF=\"464\" P_AXIS=\"57\" QRS_AXIS=\"-35\" T_AXIS=\"40\" BITS=\"16\" FORMAT=\"SIGNED\" UNITS_PER_MV=\"{units_per_mv}\" DURATION=\"2\" SAMPLE_FREQ=\"{fs}\" ENCODING=\"BASE64\">\n"
    ));
    for (name, v) in leads {
        s.push_str(&format!(
            "    <TYPICAL_CYCLE_CHANNEL NAME=\"{name}\" DATA=\"{}\"/>\n",
            b64(&v[..2.min(v.len())])
        ));
    }
    s.push_str("  </TYPICAL_CYCLE>\n");
    for (name, v) in leads {
        s.push_str(&format!(
            "  <CHANNEL OFFSET=\"0\" BITS=\"16\" FORMAT=\"SIGNED\" UNITS_PER_MV=\"{units_per_mv}\" DURATION=\"{}\" SAMPLE_FREQ=\"{fs}\" NAME=\"{name}\" ENCODING=\"BASE64\" DATA=\"{}\"/>\n",
            v.len(),
            b64(v)
        ));
    }
    s.push_str("</ECG>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_document_reads_back_exactly() {
        let doc = build(
            &[("I", vec![200, -100, 3]), ("II", vec![400, 0, -3])],
            400,
            500,
        );
        let rec = read_bytes(doc.as_bytes(), &OpenOptions::new()).unwrap();
        assert_eq!(rec.leads.len(), 6, "I, II + 4 derived");
        assert_eq!(rec.leads[0].sampling_rate_hz, 500.0);
        // 400 units per mV: 200 units = 0.5 mV = 500 µV.
        assert_eq!(
            rec.leads[0].signal.to_vec().unwrap(),
            vec![500.0, -250.0, 7.5]
        );
        let mut d = [0; 3];
        rec.leads[1].signal.read_digital(0, &mut d).unwrap();
        assert_eq!(d, [400, 0, -3]);
        let m = rec.device_measurements.unwrap();
        assert_eq!(
            (
                m.pr.unwrap().0,
                m.qtc.bazett.unwrap().0,
                m.axis.qrs.unwrap().0
            ),
            (163.0, 469.0, -35.0)
        );
        assert_eq!(rec.median_beats.unwrap().leads[0].n_samples(), 2);
        assert_eq!(rec.device_statements[0].text, "SINUS RHYTHM");
        assert_eq!(rec.patient.sex, Sex::Female);
        assert_eq!(rec.acquisition.device.model.as_deref(), Some("ELI250c"));
        assert!(
            rec.source
                .warnings
                .iter()
                .any(|w| w.field == "TYPICAL_CYCLE@QTC")
        );
    }

    #[test]
    fn bad_attributes_fail_with_the_field_name() {
        let doc = "<ECG><CHANNEL NAME=\"I\" BITS=\"12\" UNITS_PER_MV=\"200\" SAMPLE_FREQ=\"500\" DATA=\"\"/></ECG>";
        let e = read_bytes(doc.as_bytes(), &OpenOptions::new()).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("CHANNEL I@BITS"));
        let doc = "<ECG><CHANNEL NAME=\"I\" SAMPLE_FREQ=\"500\" DATA=\"\"/></ECG>";
        let e = read_bytes(doc.as_bytes(), &OpenOptions::new()).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("CHANNEL I@UNITS_PER_MV"));
    }
}
