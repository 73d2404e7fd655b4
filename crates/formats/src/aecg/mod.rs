//! HL7 v3 annotated ECG (aECG, `<AnnotatedECG xmlns="urn:hl7-org:v3">`), the FDA's format for
//! ECGs in clinical trials.
//!
//! Waveforms live in `series` (code `RHYTHM`) and `derivedSeries` (code
//! `REPRESENTATIVE_BEAT`). Each `sequenceSet` has a time sequence (`TIME_ABSOLUTE` as
//! `GLIST_TS`, or `TIME_RELATIVE` as `GLIST_PQ`) whose `increment` (any time unit) gives the
//! sampling interval, and one `SLIST_PQ` sequence per lead: value = origin + scale × digit,
//! leads named by MDC codes (`MDC_ECG_LEAD_I`...). Annotation sets hold wave boundaries
//! (`MDC_ECG_WAVC_*` with `IVL_TS` absolute or `IVL_PQ` relative times, optionally restricted to
//! a lead), beats, rhythms, interval numerics (`MDC_ECG_TIME_PD_*`), axes and interpretation text.

use ecg::{
    Annotation, AnnotationKind, Bpm, Calibration, Date, DateTime, Degrees, Lead, LeadLabel,
    Measurements, MedianBeats, Millis, Recording, Sex, Signal, Statement, TimeOfDay, Unit, Warning,
    WaveKind, WavePoint,
};

use crate::error::Error;
use crate::options::OpenOptions;
use crate::registry::{Confidence, Format};
use crate::source::Input;
use crate::xml::{self, Element};

/// The HL7 aECG reader.
pub(crate) struct Aecg;

impl Format for Aecg {
    fn name(&self) -> &'static str {
        "HL7 aECG"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["xml"]
    }

    fn probe(&self, input: &Input) -> Confidence {
        let head = xml::decode_head(input.head(4096));
        match xml::root_tag(&head) {
            Some((name, tag)) if name == "AnnotatedECG" => {
                if tag.contains("urn:hl7-org:v3") {
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

/// Seconds in a time unit (UCUM codes as aECG writes them).
fn time_unit_s(unit: &str) -> Option<f64> {
    Some(match unit {
        "s" | "" => 1.0,
        "ms" => 1e-3,
        "us" | "µs" | "μs" => 1e-6,
        "ns" => 1e-9,
        "min" => 60.0,
        "h" => 3600.0,
        _ => return None,
    })
}

/// An HL7 TS (`YYYYMMDDHHMMSS.fff`, optionally with a zone) as (days since 1970, seconds of
/// day). Missing trailing parts count as zero.
fn parse_ts(ts: &str) -> Option<(i64, f64)> {
    let t = ts.trim();
    let t = t.split(['+', '-']).next().unwrap_or(t);
    let (int, frac) = match t.split_once('.') {
        Some((a, b)) => (a, format!("0.{b}")),
        None => (t, "0".to_string()),
    };
    if int.len() < 8 || !int.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let part = |a: usize, b: usize| {
        int.get(a..b)
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let (y, mo, d) = (part(0, 4), part(4, 6), part(6, 8));
    let (h, mi, s) = (part(8, 10), part(10, 12), part(12, 14));
    let frac: f64 = frac.parse().ok()?;
    Some((
        days_from_civil(y, mo, d),
        (h * 3600 + mi * 60 + s) as f64 + frac,
    ))
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn ts_seconds(ts: &str) -> Option<f64> {
    parse_ts(ts).map(|(d, s)| d as f64 * 86400.0 + s)
}

fn ts_datetime(ts: &str) -> Option<DateTime> {
    let t = ts.trim();
    let p = |a: usize, b: usize| t.get(a..b).and_then(|s| s.parse::<u32>().ok());
    let date = Date::new(p(0, 4)? as i32, p(4, 6)? as u8, p(6, 8)? as u8);
    let sec = t
        .get(12..)
        .map(|s| s.split(['+', '-']).next().unwrap_or(s))
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(0.0);
    let time = TimeOfDay::new(
        p(8, 10).unwrap_or(0) as u8,
        p(10, 12).unwrap_or(0) as u8,
        sec,
    )?;
    Some(DateTime { date, time })
}

fn code_of(e: &Element) -> Option<&str> {
    e.child("code").and_then(|c| c.attr("code"))
}

/// A decoded series.
struct Series {
    fs: f64,
    /// Absolute start in seconds (TS epoch), when known.
    start_abs: Option<f64>,
    leads: Vec<Lead>,
}

fn read_series(s: &Element, options: &OpenOptions, total: &mut u64) -> Result<Series, Error> {
    let mut fs: Option<f64> = None;
    let mut start_abs: Option<f64> = s
        .path(&["effectiveTime", "low"])
        .and_then(|l| l.attr("value"))
        .and_then(ts_seconds);
    let mut leads = Vec::new();
    for set in s
        .children("component")
        .filter_map(|c| c.child("sequenceSet"))
    {
        for seq in set
            .children("component")
            .filter_map(|c| c.child("sequence"))
        {
            let code = code_of(seq).unwrap_or("");
            let Some(value) = seq.child("value") else {
                continue;
            };
            let ty = value.attr("type").unwrap_or("");
            if code == "TIME_ABSOLUTE" || code == "TIME_RELATIVE" {
                let inc = value.child("increment").ok_or_else(|| {
                    Error::format_at(
                        format!("sequence {code}/increment"),
                        value.offset,
                        "missing: the sampling interval is unknown",
                    )
                })?;
                let v = inc.attr("value").and_then(xml::number);
                let unit = inc.attr("unit").unwrap_or("s");
                let factor = time_unit_s(unit).ok_or_else(|| {
                    Error::format_at(
                        format!("sequence {code}/increment@unit"),
                        inc.offset,
                        format!("'{unit}' is not a time unit"),
                    )
                })?;
                match v.map(|v| v * factor) {
                    Some(dt) if dt > 0.0 && dt.is_finite() => fs = Some(1.0 / dt),
                    _ => {
                        return Err(Error::format_at(
                            format!("sequence {code}/increment@value"),
                            inc.offset,
                            "missing or not a positive number",
                        ));
                    }
                }
                if code == "TIME_ABSOLUTE"
                    && let Some(h) = value.child("head").and_then(|h| h.attr("value"))
                {
                    start_abs = ts_seconds(h).or(start_abs);
                }
                continue;
            }
            if ty != "SLIST_PQ" {
                if ty.starts_with("SLIST") || ty.starts_with("GLIST") {
                    return Err(Error::unsupported(
                        format!("sequence {code}/value@type"),
                        format!("'{ty}' (only SLIST_PQ lead values are decoded)"),
                    )
                    .with_offset(value.offset));
                }
                continue;
            }
            let field = format!("sequence {code}");
            let pq = |name: &str| -> Result<(f64, String), Error> {
                let e = value.child(name).ok_or_else(|| {
                    Error::format_at(format!("{field}/{name}"), value.offset, "missing")
                })?;
                let v = e.attr("value").and_then(xml::number).ok_or_else(|| {
                    Error::format_at(format!("{field}/{name}@value"), e.offset, "not a number")
                })?;
                Ok((v, e.attr("unit").unwrap_or("uV").to_string()))
            };
            let (origin, origin_unit) = pq("origin")?;
            let (scale, scale_unit) = pq("scale")?;
            if scale == 0.0 {
                return Err(Error::format_at(
                    format!("{field}/scale"),
                    value.offset,
                    "scale is 0",
                ));
            }
            let unit = Unit::parse(&scale_unit);
            let origin = match (
                Unit::parse(&origin_unit).to_uv_factor(),
                unit.to_uv_factor(),
            ) {
                (Some(a), Some(b)) => origin * a / b,
                _ => origin,
            };
            let digits = value.child("digits").ok_or_else(|| {
                Error::format_at(format!("{field}/digits"), value.offset, "missing")
            })?;
            let v = xml::integers(&digits.text, &format!("{field}/digits"), digits.offset)?;
            *total += v.len() as u64;
            if *total > options.limits.max_samples {
                return Err(Error::limit("digits", "sample limit exceeded"));
            }
            if leads.len() >= options.limits.max_leads {
                return Err(Error::limit("sequence", "too many leads"));
            }
            let cal = Calibration {
                gain: 1.0 / scale,
                baseline: -origin / scale,
                resolution_bits: None,
            };
            let mut lead = Lead::new(code, 0.0, unit, Signal::from_digital(v, cal, None));
            lead.original_label = code.to_string();
            leads.push(lead);
        }
    }
    let fs = fs.ok_or_else(|| {
        Error::format_at(
            "sequenceSet",
            s.offset,
            "no TIME_ABSOLUTE or TIME_RELATIVE sequence with an increment",
        )
    })?;
    for l in &mut leads {
        l.sampling_rate_hz = fs;
    }
    Ok(Series {
        fs,
        start_abs,
        leads,
    })
}

/// Everything the annotation sets yield for one series.
#[derive(Default)]
struct Found {
    marks: Vec<Annotation>,
    globals: Vec<(String, f64, String)>,
    statements: Vec<String>,
}

fn wave_of(code: &str) -> Option<WaveKind> {
    Some(match code {
        "MDC_ECG_WAVC_PWAVE" => WaveKind::P,
        "MDC_ECG_WAVC_QRSWAVE"
        | "MDC_ECG_WAVC_QWAVE"
        | "MDC_ECG_WAVC_RWAVE"
        | "MDC_ECG_WAVC_SWAVE" => WaveKind::Qrs,
        "MDC_ECG_WAVC_TWAVE" => WaveKind::T,
        "MDC_ECG_WAVC_UWAVE" => WaveKind::U,
        _ => return None,
    })
}

fn walk_annotation(a: &Element, start_abs: Option<f64>, in_beat: bool, out: &mut Found) {
    let code = code_of(a).unwrap_or("");
    let value = a.child("value");
    let vcode = value.and_then(|v| v.attr("code")).unwrap_or("");
    // A beat's or rhythm's words ("Sinus Rhythm"), when the file gives them beside the code.
    let vtext = value
        .and_then(|v| v.attr("displayName"))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or(vcode);
    // Time span from the supporting ROI.
    let mut span: (Option<f64>, Option<f64>) = (None, None);
    let mut lead: Option<LeadLabel> = None;
    if let Some(roi) = a.path(&["support", "supportingROI"]) {
        for b in roi.descendants("boundary") {
            let bcode = code_of(b).unwrap_or("");
            if bcode.starts_with("MDC_ECG_LEAD_") {
                lead = Some(LeadLabel::parse(bcode));
                continue;
            }
            let Some(v) = b.child("value") else { continue };
            let t = |name: &str| -> Option<f64> {
                let e = v.child(name)?;
                let val = e.attr("value")?;
                if bcode == "TIME_ABSOLUTE" {
                    Some(ts_seconds(val)? - start_abs?)
                } else {
                    Some(xml::number(val)? * time_unit_s(e.attr("unit").unwrap_or("ms"))?)
                }
            };
            match bcode {
                "TIME_ABSOLUTE" | "TIME_RELATIVE" => span = (t("low"), t("high")),
                _ => {}
            }
        }
    }
    let mut push = |onset: f64, duration: f64, kind: AnnotationKind, text: String| {
        let mut ann = Annotation::point(onset, kind, text);
        ann.duration_s = duration.max(0.0);
        ann.lead = lead.clone();
        out.marks.push(ann);
    };
    match code {
        "MDC_ECG_WAVC" | "MDC_ECG_WAVC_TYPE" => {
            if let Some(wave) = wave_of(vcode) {
                match span {
                    (Some(lo), Some(hi)) => {
                        push(lo, hi - lo, AnnotationKind::WaveSpan { wave }, vcode.into())
                    }
                    (Some(lo), None) => push(
                        lo,
                        0.0,
                        AnnotationKind::Wave {
                            wave,
                            point: WavePoint::Onset,
                        },
                        vcode.into(),
                    ),
                    (None, Some(hi)) => push(
                        hi,
                        0.0,
                        AnnotationKind::Wave {
                            wave,
                            point: WavePoint::Offset,
                        },
                        vcode.into(),
                    ),
                    (None, None) => {}
                }
            }
        }
        "MDC_ECG_BEAT" => {
            if let (Some(lo), hi) = span {
                push(
                    lo,
                    hi.map_or(0.0, |h| h - lo),
                    AnnotationKind::Beat { code: vcode.into() },
                    vtext.into(),
                );
            }
        }
        "MDC_ECG_RHY" => {
            if let (Some(lo), hi) = span {
                push(
                    lo,
                    hi.map_or(0.0, |h| h - lo),
                    AnnotationKind::Rhythm { code: vcode.into() },
                    vtext.into(),
                );
            }
        }
        c if c.starts_with("MDC_ECG_INTERPRETATION") => {
            if let Some(t) = value
                .map(|v| v.text.trim().to_string())
                .filter(|t| !t.is_empty())
            {
                out.statements.push(t);
            }
        }
        c if !in_beat
            && (c.starts_with("MDC_ECG_TIME_PD_")
                || c.starts_with("MDC_ECG_ANGLE_")
                || c == "MDC_ECG_HEART_RATE") =>
        {
            if let Some(v) = value.and_then(|v| v.attr("value")).and_then(xml::number) {
                let unit = value.and_then(|v| v.attr("unit")).unwrap_or("").to_string();
                out.globals.push((c.to_string(), v, unit));
            }
        }
        _ => {}
    }
    let beat = in_beat || code == "MDC_ECG_BEAT";
    for child in a
        .children("component")
        .filter_map(|c| c.child("annotation"))
    {
        walk_annotation(child, start_abs, beat, out);
    }
    for child in a.children("annotation") {
        walk_annotation(child, start_abs, beat, out);
    }
}

fn annotations_of(series: &Element, start_abs: Option<f64>) -> Found {
    let mut out = Found::default();
    for set in series
        .children("subjectOf")
        .filter_map(|s| s.child("annotationSet"))
    {
        for a in set
            .children("component")
            .filter_map(|c| c.child("annotation"))
        {
            walk_annotation(a, start_abs, false, &mut out);
        }
    }
    out
}

fn measurements(globals: &[(String, f64, String)], warnings: &mut Vec<Warning>) -> Measurements {
    let mut m = Measurements::default();
    for (code, v, unit) in globals {
        let ms = match unit.as_str() {
            "s" => v * 1000.0,
            "us" => v / 1000.0,
            _ => *v,
        };
        let set_ms = |slot: &mut Option<Millis>| {
            if slot.is_none() {
                *slot = Some(Millis(ms));
            }
        };
        let set_deg = |slot: &mut Option<Degrees>| {
            if slot.is_none() {
                *slot = Some(Degrees(*v));
            }
        };
        match code.as_str() {
            "MDC_ECG_TIME_PD_PR" => set_ms(&mut m.pr),
            "MDC_ECG_TIME_PD_QRS" => set_ms(&mut m.qrs),
            "MDC_ECG_TIME_PD_QT" => set_ms(&mut m.qt),
            "MDC_ECG_TIME_PD_RR" => set_ms(&mut m.rr),
            "MDC_ECG_TIME_PD_P" => set_ms(&mut m.p_duration),
            "MDC_ECG_TIME_PD_QTcB" => set_ms(&mut m.qtc.bazett),
            "MDC_ECG_TIME_PD_QTcF" => set_ms(&mut m.qtc.fridericia),
            "MDC_ECG_TIME_PD_QTc" if !warnings.iter().any(|w| w.field == "MDC_ECG_TIME_PD_QTc") => {
                warnings.push(Warning::new(
                    "MDC_ECG_TIME_PD_QTc",
                    format!("QTc {ms} ms without a named formula; not assigned to a formula"),
                ));
            }
            "MDC_ECG_HEART_RATE" if m.hr.is_none() => m.hr = Some(Bpm(*v)),
            "MDC_ECG_ANGLE_P_FRONT" => set_deg(&mut m.axis.p),
            "MDC_ECG_ANGLE_QRS_FRONT" => set_deg(&mut m.axis.qrs),
            "MDC_ECG_ANGLE_T_FRONT" => set_deg(&mut m.axis.t),
            _ => {}
        }
    }
    m
}

/// Decodes an aECG file.
pub(crate) fn read_bytes(bytes: &[u8], options: &OpenOptions) -> Result<Recording, Error> {
    let (text, _) = xml::decode(bytes, &options.limits)?;
    let root = xml::parse(&text)?;
    if root.name != "AnnotatedECG" {
        return Err(Error::format_at(
            "root element",
            root.offset,
            format!("<{}> where <AnnotatedECG> was expected", root.name),
        ));
    }
    let mut warnings = Vec::new();
    let mut total = 0u64;
    let mut rhythm: Option<(Series, &Element)> = None;
    let mut median: Option<(Series, &Element)> = None;
    let mut all: Vec<&Element> = root.descendants("series");
    all.extend(root.descendants("derivedSeries"));
    for s in all {
        let code = code_of(s).unwrap_or("");
        match code {
            "RHYTHM" if rhythm.is_none() => {
                rhythm = Some((read_series(s, options, &mut total)?, s))
            }
            "REPRESENTATIVE_BEAT" | "MEDIAN" if median.is_none() => {
                median = Some((read_series(s, options, &mut total)?, s));
            }
            other => warnings.push(Warning::at(
                "series",
                s.offset,
                format!("series with code '{other}' ignored"),
            )),
        }
    }
    let (series, sel) = rhythm
        .ok_or_else(|| Error::format_at("series", root.offset, "no series with code RHYTHM"))?;
    if series.leads.is_empty() {
        return Err(Error::format_at(
            "series RHYTHM",
            sel.offset,
            "no lead sequences",
        ));
    }
    let found = annotations_of(sel, series.start_abs);
    let mut rec = Recording::new(series.leads);
    rec.derive_limb_leads();
    rec.annotations = found.marks;
    rec.annotations
        .sort_by(|a, b| a.onset_s.total_cmp(&b.onset_s));
    let mut globals = Vec::new();
    let mut statements = found.statements;
    if let Some((ms, mel)) = median {
        let mf = annotations_of(mel, ms.start_abs);
        globals.extend(mf.globals);
        statements.extend(mf.statements);
        rec.median_beats = Some(MedianBeats {
            sampling_rate_hz: ms.fs,
            leads: ms.leads,
            fiducials: mf.marks,
        });
    }
    globals.extend(found.globals);
    let m = measurements(&globals, &mut warnings);
    if m != Measurements::default() {
        rec.device_measurements = Some(m);
    }
    rec.device_statements = statements.into_iter().map(Statement::from_device).collect();

    // Demographics and device.
    if let Some(ts) = root.find("trialSubject") {
        rec.patient.id = ts
            .child("id")
            .and_then(|i| i.attr("extension"))
            .map(str::to_string);
        if let Some(p) = ts.child("subjectDemographicPerson") {
            rec.patient.last_name = p.text_at(&["name"]);
            rec.patient.sex = match p
                .child("administrativeGenderCode")
                .and_then(|g| g.attr("code"))
            {
                Some("M") => Sex::Male,
                Some("F") => Sex::Female,
                _ => Sex::Unknown,
            };
            rec.patient.birth_date = p
                .child("birthTime")
                .and_then(|b| b.attr("value"))
                .and_then(ts_datetime)
                .and_then(|d| d.date);
        }
    }
    for obs in root.descendants("relatedObservation") {
        if code_of(obs) == Some("21612-7")
            && let Some(v) = obs.child("value")
            && let Some(age) = v.attr("value").and_then(xml::number)
        {
            rec.patient.age_years = Some(match v.attr("unit") {
                Some("mo") => age / 12.0,
                Some("wk") => age / 52.1775,
                Some("d") => age / 365.25,
                _ => age,
            });
        }
    }
    rec.acquisition.start_time = sel
        .path(&["effectiveTime", "low"])
        .and_then(|l| l.attr("value"))
        .or_else(|| {
            root.path(&["effectiveTime", "center"])
                .and_then(|c| c.attr("value"))
        })
        .and_then(ts_datetime);
    if let Some(a) = sel.path(&["author", "seriesAuthor"]) {
        let d = &mut rec.acquisition.device;
        d.model = a.text_at(&["manufacturedSeriesDevice", "manufacturerModelName"]);
        d.software = a.text_at(&["manufacturedSeriesDevice", "softwareName"]);
        d.manufacturer = a.text_at(&["manufacturerOrganization", "name"]);
    }
    for cv in sel
        .children("controlVariable")
        .filter_map(|c| c.child("controlVariable"))
    {
        let code = code_of(cv).unwrap_or("");
        let hz = cv
            .descendants("value")
            .into_iter()
            .find(|v| v.attr("unit") == Some("Hz"))
            .and_then(|v| v.attr("value"))
            .and_then(xml::number);
        let f = &mut rec.acquisition.filter_band;
        match code {
            "MDC_ECG_CTL_VBL_ATTR_FILTER_LOW_PASS" => f.lowpass_hz = hz,
            "MDC_ECG_CTL_VBL_ATTR_FILTER_HIGH_PASS" => f.highpass_hz = hz,
            "MDC_ECG_CTL_VBL_ATTR_FILTER_NOTCH" => f.notch_hz = hz,
            _ => {}
        }
    }
    if let Some(c) = root.text_at(&["pertainsTo", "subjectFindingComment", "text"]) {
        rec.acquisition.comments.push(c);
    }
    rec.source.format = "HL7 aECG".into();
    rec.source.warnings = warnings;
    Ok(rec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_parse_to_seconds() {
        let a = ts_seconds("20021122091000.000").unwrap();
        let b = ts_seconds("20021122091000.122").unwrap();
        assert!((b - a - 0.122).abs() < 1e-6);
        assert_eq!(days_from_civil(1970, 1, 1), 0);
    }

    #[test]
    fn increment_in_milliseconds_and_origin_are_applied() {
        let xml = r#"<AnnotatedECG xmlns="urn:hl7-org:v3"><component><series><code code="RHYTHM"/>
            <component><sequenceSet>
              <component><sequence><code code="TIME_RELATIVE"/><value type="GLIST_PQ">
                <head value="0" unit="ms"/><increment value="4" unit="ms"/></value></sequence></component>
              <component><sequence><code code="MDC_ECG_LEAD_II"/><value type="SLIST_PQ">
                <origin value="0.01" unit="mV"/><scale value="5" unit="uV"/>
                <digits>1 -2 3</digits></value></sequence></component>
            </sequenceSet></component></series></component></AnnotatedECG>"#;
        let rec = read_bytes(xml.as_bytes(), &OpenOptions::new()).unwrap();
        let l = &rec.leads[0];
        assert_eq!(l.label, LeadLabel::II);
        assert_eq!(l.sampling_rate_hz, 250.0);
        assert_eq!(l.signal.to_vec().unwrap(), vec![15.0, 0.0, 25.0]);
    }

    #[test]
    fn missing_rhythm_is_an_error() {
        let e = read_bytes(b"<AnnotatedECG/>", &OpenOptions::new()).unwrap_err();
        assert!(e.to_string().contains("RHYTHM"));
    }
}
