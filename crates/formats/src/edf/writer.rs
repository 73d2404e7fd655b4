//! Writes a [`Recording`] as EDF+C (16-bit), with its annotations as TALs in an
//! `EDF Annotations` signal.
//!
//! Digital values pass through unchanged when the lead keeps them and they fit 16 bits: the
//! physical range is then derived from the lead's calibration (rounded to the 8 characters EDF
//! allows, so physical values may move by ~1e-6 relative while digital ones stay exact).
//! Otherwise physical values are quantized over their own min..max range. EDF has no "missing"
//! value: NaN samples are written as the digital minimum, and the last data record is padded
//! the same way.

use ecg::{Annotation, AnnotationKind, Lead, Recording, Sex, WaveKind, WavePoint};

use super::tal;
use crate::error::{Error, ErrorKind};

/// Record durations tried, longest first: all leads need a whole number of samples per record.
const RECORD_DURATIONS_S: [f64; 12] = [
    1.0, 2.0, 5.0, 10.0, 0.5, 0.25, 0.2, 0.1, 0.05, 0.02, 0.01, 0.001,
];

/// Formats a number in at most 8 characters (EDF numeric fields), or `None` if impossible.
pub fn fit8(v: f64) -> Option<String> {
    if !v.is_finite() {
        return None;
    }
    let s = format!("{v}");
    if s.len() <= 8 {
        return Some(s);
    }
    for decimals in (0..=7).rev() {
        let s = format!("{v:.decimals$}");
        let s = if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        };
        if s.len() <= 8 {
            return Some(if s == "-0" { "0".into() } else { s });
        }
    }
    None
}

fn field(s: &str, width: usize) -> String {
    // Printable ASCII only (EDF 1992 section 2); anything else becomes '_'.
    let mut out: String = s
        .chars()
        .map(|c| if (' '..='~').contains(&c) { c } else { '_' })
        .take(width)
        .collect();
    while out.len() < width {
        out.push(' ');
    }
    out
}

struct Prepared {
    digital: Vec<i16>,
    pmin: String,
    pmax: String,
    dmin: i32,
    dmax: i32,
}

fn prepare(lead: &Lead) -> Result<Prepared, Error> {
    let physical = lead.signal.to_vec().map_err(Error::from)?;
    let mut digital = vec![0i32; physical.len()];
    let has = lead
        .signal
        .read_digital(0, &mut digital)
        .map_err(Error::from)?;
    let (dmin, dmax) = (-32768i32, 32767i32);
    if let (true, Some(cal)) = (has, lead.signal.calibration())
        && cal.gain.is_finite()
        && cal.gain != 0.0
        && digital
            .iter()
            .zip(&physical)
            .all(|(&d, p)| p.is_nan() || (i32::from(i16::MIN)..=i32::from(i16::MAX)).contains(&d))
        && let (Some(pmin), Some(pmax)) = (
            fit8((f64::from(dmin) - cal.baseline) / cal.gain),
            fit8((f64::from(dmax) - cal.baseline) / cal.gain),
        )
        && pmin != pmax
    {
        let digital = digital
            .iter()
            .zip(&physical)
            .map(|(&d, p)| if p.is_nan() { dmin as i16 } else { d as i16 })
            .collect();
        return Ok(Prepared {
            digital,
            pmin,
            pmax,
            dmin,
            dmax,
        });
    }
    let (lo, hi) = physical
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(f64::from(v)), hi.max(f64::from(v)))
        });
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 0.0) };
    let (lo, hi) = if hi - lo < 1e-9 {
        (lo - 1.0, hi + 1.0)
    } else {
        (lo, hi)
    };
    let too_big = || {
        Error::new(
            ErrorKind::Parameter,
            Some(format!("lead {}", lead.original_label)),
            None,
            format!("physical range {lo}..{hi} cannot be written in EDF's 8-character fields"),
        )
    };
    // Widen outward so rounding to 8 characters never cuts off the extremes.
    let pmin_s = fit8(lo - (hi - lo) * 1e-6).ok_or_else(too_big)?;
    let pmax_s = fit8(hi + (hi - lo) * 1e-6).ok_or_else(too_big)?;
    let (pmin, pmax): (f64, f64) = (
        pmin_s.parse().map_err(|_| too_big())?,
        pmax_s.parse().map_err(|_| too_big())?,
    );
    let gain = f64::from(dmax - dmin) / (pmax - pmin);
    let digital = physical
        .iter()
        .map(|&p| {
            if p.is_finite() {
                ((f64::from(p) - pmin) * gain + f64::from(dmin))
                    .round()
                    .clamp(f64::from(dmin), f64::from(dmax)) as i16
            } else {
                dmin as i16
            }
        })
        .collect();
    Ok(Prepared {
        digital,
        pmin: pmin_s,
        pmax: pmax_s,
        dmin,
        dmax,
    })
}

/// The text an annotation gets in a TAL.
fn tal_text(a: &Annotation) -> String {
    let wave = |w: &WaveKind| match w {
        WaveKind::P => "P",
        WaveKind::Qrs => "QRS",
        WaveKind::T => "T",
        WaveKind::U => "U",
    };
    let base = match &a.kind {
        AnnotationKind::Beat { code } => format!("beat {code}"),
        AnnotationKind::Wave { wave: w, point } => format!(
            "{} {}",
            wave(w),
            match point {
                WavePoint::Onset => "onset",
                WavePoint::Peak => "peak",
                WavePoint::Offset => "offset",
            }
        ),
        AnnotationKind::WaveSpan { wave: w } => format!("{} wave", wave(w)),
        AnnotationKind::Rhythm { code } => format!("rhythm {code}"),
        _ => String::new(),
    };
    let mut t = match (base.is_empty(), a.text.is_empty()) {
        (true, _) => a.text.clone(),
        (false, true) => base,
        (false, false) if a.text == base => base,
        (false, false) => format!("{base}: {}", a.text),
    };
    if let Some(l) = &a.lead {
        t = format!("{t}@@{}", l.name());
    }
    if t.is_empty() { "annotation".into() } else { t }
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

/// Encodes a recording as an EDF+C file.
pub fn write(rec: &Recording) -> Result<Vec<u8>, Error> {
    // (1) record duration: every lead needs a whole number of samples per record.
    let duration = if rec.leads.is_empty() {
        0.0
    } else {
        *RECORD_DURATIONS_S
            .iter()
            .find(|&&d| rec.leads.iter().all(|l| {
                let spr = l.sampling_rate_hz * d;
                spr >= 1.0 && (spr - spr.round()).abs() < 1e-6
            }))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Unsupported,
                    Some("sampling rates".into()),
                    None,
                    "no EDF record duration gives every lead a whole number of samples per record; resample first",
                )
            })?
    };
    let sprs: Vec<usize> = rec
        .leads
        .iter()
        .map(|l| (l.sampling_rate_hz * duration).round() as usize)
        .collect();
    let n_records = rec
        .leads
        .iter()
        .zip(&sprs)
        .map(|(l, &s)| l.n_samples().div_ceil(s.max(1)))
        .max()
        .unwrap_or(0)
        .max(1);
    if n_records > 99_999_999 {
        return Err(Error::new(
            ErrorKind::LimitExceeded,
            Some("data records".into()),
            None,
            "more than 99 999 999 data records",
        ));
    }
    let prepared = rec
        .leads
        .iter()
        .map(prepare)
        .collect::<Result<Vec<_>, _>>()?;

    // (2) annotations: time-keeping TAL per record, then the annotations spread over records.
    let sub_second = rec
        .acquisition
        .start_time
        .map_or(0.0, |t| t.time.second.fract());
    let keep = |r: usize| tal::encode(r as f64 * duration + sub_second, 0.0, &[]);
    let tals: Vec<Vec<u8>> = {
        let mut anns: Vec<&Annotation> = rec
            .annotations
            .iter()
            .filter(|a| a.onset_s.is_finite())
            .collect();
        anns.sort_by(|a, b| a.onset_s.total_cmp(&b.onset_s));
        anns.iter()
            .map(|a| {
                let t = tal_text(a);
                tal::encode(a.onset_s + sub_second, a.duration_s.max(0.0), &[t.as_str()])
            })
            .collect()
    };
    let total: usize = tals.iter().map(Vec::len).sum();
    let longest = tals.iter().map(Vec::len).max().unwrap_or(0);
    let keep_len = (0..n_records).map(|r| keep(r).len()).max().unwrap_or(0);
    let capacity = keep_len + longest + total.div_ceil(n_records);
    let annot_spr = capacity.div_ceil(2).max(1);
    let mut per_record: Vec<Vec<u8>> = (0..n_records).map(keep).collect();
    let mut r = 0;
    for t in tals {
        while r + 1 < n_records && per_record[r].len() + t.len() > annot_spr * 2 {
            r += 1;
        }
        per_record[r].extend_from_slice(&t);
    }

    // (3) header
    let ns = rec.leads.len() + 1;
    let mut h = String::with_capacity(256 * (ns + 1));
    h.push_str(&field("0", 8));
    let p = &rec.patient;
    let sex = match p.sex {
        Sex::Male => "M",
        Sex::Female => "F",
        Sex::Unknown => "X",
    };
    let birth = p.birth_date.map_or("X".to_string(), |d| {
        format!(
            "{:02}-{}-{:04}",
            d.day,
            MONTHS[usize::from(d.month.clamp(1, 12) - 1)],
            d.year
        )
    });
    let name = p
        .display_name()
        .map_or("X".to_string(), |n| n.replace(", ", ",").replace(' ', "_"));
    let id =
        p.id.as_deref()
            .map_or("X".to_string(), |s| s.replace(' ', "_"));
    h.push_str(&field(&format!("{id} {sex} {birth} {name}"), 80));
    let start = rec.acquisition.start_time;
    let date = start.and_then(|t| t.date);
    let startdate = date.map_or("X".to_string(), |d| {
        format!(
            "{:02}-{}-{:04}",
            d.day,
            MONTHS[usize::from(d.month.clamp(1, 12) - 1)],
            d.year
        )
    });
    h.push_str(&field(&format!("Startdate {startdate} X X heartlens"), 80));
    let (dd, mm, yy) = date.map_or((1, 1, 85), |d| {
        (
            u32::from(d.day),
            u32::from(d.month),
            (d.year.rem_euclid(100)) as u32,
        )
    });
    h.push_str(&format!("{dd:02}.{mm:02}.{yy:02}"));
    let (th, tm, ts) = start.map_or((0, 0, 0), |t| {
        (t.time.hour, t.time.minute, t.time.second.trunc() as u8)
    });
    h.push_str(&format!("{th:02}.{tm:02}.{ts:02}"));
    h.push_str(&field(&(256 * (ns + 1)).to_string(), 8));
    h.push_str(&field("EDF+C", 44));
    h.push_str(&field(&n_records.to_string(), 8));
    h.push_str(&field(&fit8(duration).unwrap_or_else(|| "1".into()), 8));
    h.push_str(&field(&ns.to_string(), 4));
    let annot = "EDF Annotations";
    for l in &rec.leads {
        h.push_str(&field(&l.original_label, 16));
    }
    h.push_str(&field(annot, 16));
    for _ in 0..ns {
        h.push_str(&field("", 80));
    }
    for l in &rec.leads {
        h.push_str(&field(l.unit.symbol(), 8));
    }
    h.push_str(&field("", 8));
    for p in &prepared {
        h.push_str(&field(&p.pmin, 8));
    }
    h.push_str(&field("-1", 8));
    for p in &prepared {
        h.push_str(&field(&p.pmax, 8));
    }
    h.push_str(&field("1", 8));
    for p in &prepared {
        h.push_str(&field(&p.dmin.to_string(), 8));
    }
    h.push_str(&field("-32768", 8));
    for p in &prepared {
        h.push_str(&field(&p.dmax.to_string(), 8));
    }
    h.push_str(&field("32767", 8));
    let band = rec.acquisition.filter_band;
    let mut pf = String::new();
    if let Some(hp) = band.highpass_hz {
        pf.push_str(&format!("HP:{hp}Hz "));
    }
    if let Some(lp) = band.lowpass_hz {
        pf.push_str(&format!("LP:{lp}Hz "));
    }
    if let Some(n) = band.notch_hz {
        pf.push_str(&format!("N:{n}Hz"));
    }
    for _ in &rec.leads {
        h.push_str(&field(pf.trim(), 80));
    }
    h.push_str(&field("", 80));
    for s in &sprs {
        h.push_str(&field(&s.to_string(), 8));
    }
    h.push_str(&field(&annot_spr.to_string(), 8));
    for _ in 0..ns {
        h.push_str(&field("", 32));
    }
    debug_assert_eq!(h.len(), 256 * (ns + 1), "EDF header layout");

    // (4) data records
    let mut out = h.into_bytes();
    let record_bytes: usize = (sprs.iter().sum::<usize>() + annot_spr) * 2;
    out.reserve(record_bytes * n_records);
    for (r, tals) in per_record.iter().enumerate() {
        for (p, &spr) in prepared.iter().zip(&sprs) {
            for j in 0..spr {
                let v = p.digital.get(r * spr + j).copied().unwrap_or(p.dmin as i16);
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        let mut a = tals.clone();
        a.resize(annot_spr * 2, 0);
        out.extend_from_slice(&a);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_fit_eight_characters() {
        assert_eq!(fit8(-19.099067599).as_deref(), Some("-19.0991"));
        assert_eq!(fit8(32767.0).as_deref(), Some("32767"));
        assert_eq!(fit8(-0.000000001).as_deref(), Some("0"));
        assert_eq!(fit8(1e12), None);
    }
}
