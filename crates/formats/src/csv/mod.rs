//! Delimited text (CSV, TSV, semicolon or space separated): one column per lead, optionally a
//! header row and a time column. Also the CSV writer ([`writer`]).
//!
//! CSV stores neither a sampling rate nor units, so the reader sniffs what it can:
//! 1. the delimiter (the one giving the same field count on the first lines),
//! 2. a header row (a first line with non-numeric fields),
//! 3. a time column by name (`time`, `t`, `time_s`, `time (ms)`...), from which the sampling
//!    rate follows, and units written in column names (`I (mV)`, `V1 [uV]`).
//!
//! What is still missing must come from [`OpenOptions::sampling_rate_hz`] / [`OpenOptions::unit`]
//! (`--fs` / `--unit` in the CLI); otherwise reading fails with [`ErrorKind::Parameter`].
//! Columns of whole numbers (raw ADC counts) keep their digital values; empty cells are NaN.
//! The probe never says more than [`Confidence::Maybe`], so binary formats always win.

pub mod writer;

use ecg::{Calibration, Lead, Recording, Signal, SourceInfo, Unit, Warning};

use crate::error::Error;
use crate::options::OpenOptions;
use crate::registry::{Confidence, Format};
use crate::source::Input;

/// The CSV format (registry entry).
#[derive(Debug, Clone, Copy, Default)]
pub struct Csv;

const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b' '];

impl Format for Csv {
    fn name(&self) -> &'static str {
        "CSV"
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["csv", "tsv", "txt"]
    }

    fn probe(&self, input: &Input) -> Confidence {
        let head = input.head(4096);
        if head.is_empty() || head.contains(&0) {
            return Confidence::No;
        }
        let Ok(text) = std::str::from_utf8(cut_to_line(head)) else {
            return Confidence::No;
        };
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(20)
            .collect();
        if lines.is_empty() {
            return Confidence::No;
        }
        let delim = sniff_delimiter(&lines);
        // Data lines (all but a possible header) must be numbers or empty cells.
        let numeric = lines
            .iter()
            .skip(1)
            .chain(lines.first().filter(|_| lines.len() == 1))
            .all(|l| {
                split(l, delim)
                    .iter()
                    .all(|f| f.is_empty() || parse_num(f).is_some())
            });
        if numeric {
            Confidence::Maybe
        } else {
            Confidence::No
        }
    }

    fn read(&self, input: &Input, options: &OpenOptions) -> Result<Recording, Error> {
        read(input.bytes(), options)
    }
}

/// Drops a possibly cut last line of a probe prefix.
fn cut_to_line(head: &[u8]) -> &[u8] {
    if head.len() < 4096 {
        return head;
    }
    match head.iter().rposition(|&b| b == b'\n') {
        Some(p) => &head[..p],
        None => head,
    }
}

fn split(line: &str, delim: u8) -> Vec<&str> {
    let line = line.trim_end_matches('\r');
    if delim == b' ' {
        line.split_whitespace().collect()
    } else {
        line.split(delim as char)
            .map(|f| f.trim().trim_matches('"').trim())
            .collect()
    }
}

fn parse_num(f: &str) -> Option<f64> {
    let f = f.trim().trim_matches('"');
    if f.eq_ignore_ascii_case("nan") {
        return Some(f64::NAN);
    }
    f.parse::<f64>().ok().filter(|v| !v.is_infinite())
}

/// The delimiter that splits the lines into the most fields, the same number on every line.
fn sniff_delimiter(lines: &[&str]) -> u8 {
    let mut best = (1usize, b',');
    for d in DELIMITERS {
        let counts: Vec<usize> = lines.iter().map(|l| split(l, d).len()).collect();
        let n = counts[0];
        if n > best.0 && counts.iter().all(|&c| c == n) {
            best = (n, d);
        }
    }
    best.1
}

/// A column name's unit: `I (mV)`, `V1 [uV]`, `ECG_mV` -> (name, unit).
fn split_unit(name: &str) -> (String, Option<Unit>) {
    let n = name.trim();
    for (open, close) in [('(', ')'), ('[', ']')] {
        if let Some(stripped) = n.strip_suffix(close)
            && let Some((base, unit)) = stripped.rsplit_once(open)
        {
            return (base.trim().to_string(), Some(Unit::parse(unit)));
        }
    }
    for suffix in ["_mV", "_uV", "_µV", "_V", "_mv", "_uv"] {
        if let Some(base) = n.strip_suffix(suffix) {
            return (base.to_string(), Some(Unit::parse(&suffix[1..])));
        }
    }
    (n.to_string(), None)
}

/// If this column name is a time axis, the factor to seconds.
fn time_scale(name: &str) -> Option<f64> {
    let l = name.trim().to_ascii_lowercase();
    let (base, unit) = split_unit(&l);
    let unit_text = unit.as_ref().map(|u| u.symbol().to_ascii_lowercase());
    match (base.as_str(), unit_text.as_deref()) {
        ("time" | "t" | "timestamp" | "elapsed time" | "elapsed_time", Some("ms")) => Some(1e-3),
        ("time" | "t" | "timestamp" | "elapsed time" | "elapsed_time", Some("s") | None) => {
            Some(1.0)
        }
        ("time_s" | "seconds" | "sec" | "secs" | "time_sec" | "t_s", None) => Some(1.0),
        ("time_ms" | "ms" | "millis" | "t_ms", None) => Some(1e-3),
        _ => None,
    }
}

/// Reads delimited text.
pub fn read(bytes: &[u8], options: &OpenOptions) -> Result<Recording, Error> {
    if bytes.len() as u64 > options.limits.max_text_bytes {
        return Err(Error::limit(
            "file",
            format!(
                "{} bytes exceed the text limit of {}",
                bytes.len(),
                options.limits.max_text_bytes
            ),
        ));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|e| Error::format_at("text", e.valid_up_to() as u64, "not UTF-8 text"))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut warnings = Vec::new();
    // (line, byte offset) of non-empty lines
    let mut lines = Vec::new();
    let mut off = 0u64;
    for l in text.split('\n') {
        if !l.trim().is_empty() {
            lines.push((l, off));
        }
        off += l.len() as u64 + 1;
    }
    if lines.is_empty() {
        return Err(Error::format_at("text", 0, "no data lines"));
    }
    let sample: Vec<&str> = lines.iter().take(20).map(|(l, _)| *l).collect();
    let delim = sniff_delimiter(&sample);
    let first = split(lines[0].0, delim);
    let has_header = first
        .iter()
        .any(|f| !f.is_empty() && parse_num(f).is_none());
    let n_cols = first.len();
    if n_cols > options.limits.max_leads {
        return Err(Error::limit(
            "columns",
            format!(
                "{n_cols} columns exceed the limit of {}",
                options.limits.max_leads
            ),
        ));
    }
    let names: Vec<String> = if has_header {
        first.iter().map(|s| s.to_string()).collect()
    } else {
        (1..=n_cols).map(|i| i.to_string()).collect()
    };
    let data = &lines[usize::from(has_header)..];
    let total = (data.len() as u64).saturating_mul(n_cols as u64);
    if total > options.limits.max_samples {
        return Err(Error::limit(
            "rows",
            format!(
                "{total} values exceed the limit of {}",
                options.limits.max_samples
            ),
        ));
    }
    let mut cols: Vec<Vec<f64>> = vec![Vec::with_capacity(data.len()); n_cols];
    for (row, &(line, at)) in data.iter().enumerate() {
        let fields = split(line, delim);
        if fields.len() != n_cols {
            return Err(Error::format_at(
                format!("line {}", row + 1 + usize::from(has_header)),
                at,
                format!("{} fields, the first line has {n_cols}", fields.len()),
            ));
        }
        for (c, f) in fields.iter().enumerate() {
            let v = if f.is_empty() {
                f64::NAN
            } else {
                parse_num(f).ok_or_else(|| {
                    Error::format_at(
                        format!(
                            "line {}, column {}",
                            row + 1 + usize::from(has_header),
                            names[c]
                        ),
                        at,
                        format!("not a number: '{f}'"),
                    )
                })?
            };
            cols[c].push(v);
        }
    }

    // (3) time column -> sampling rate
    let time_col = names.iter().position(|n| time_scale(n).is_some());
    let mut fs = options.sampling_rate_hz;
    if let Some(t) = time_col {
        let scale = time_scale(&names[t]).unwrap_or(1.0);
        let times = &cols[t];
        if times.len() >= 2 {
            let span = (times[times.len() - 1] - times[0]) * scale;
            if span > 0.0 {
                let est = (times.len() - 1) as f64 / span;
                let r = est.round();
                let est = if (est - r).abs() < 1e-4 * est {
                    r
                } else {
                    (est * 1e6).round() / 1e6
                };
                if let Some(given) = fs
                    && (given - est).abs() > 1e-3 * given
                {
                    warnings.push(Warning::new(
                        format!("column {}", names[t]),
                        format!(
                            "time column gives {est} Hz, --fs says {given} Hz; using {given} Hz"
                        ),
                    ));
                }
                fs = fs.or(Some(est));
            }
        }
    }
    let units: Vec<Option<Unit>> = names.iter().map(|n| split_unit(n).1).collect();
    let data_cols: Vec<usize> = (0..n_cols).filter(|&c| Some(c) != time_col).collect();
    let default_unit = options.unit.as_deref().map(Unit::parse);
    let missing_unit = data_cols.iter().any(|&c| units[c].is_none()) && default_unit.is_none();
    match (fs, missing_unit) {
        (Some(f), false) if f.is_finite() && f > 0.0 => {}
        (Some(f), false) => {
            return Err(Error::parameter(format!(
                "sampling rate {f} Hz is not positive: pass --fs HZ"
            )));
        }
        (None, true) => {
            return Err(Error::parameter(
                "CSV stores neither the sampling rate nor the unit: pass --fs HZ and --unit uV|mV|V",
            ));
        }
        (None, false) => {
            return Err(Error::parameter(
                "CSV has no time column, so the sampling rate is unknown: pass --fs HZ",
            ));
        }
        (Some(_), true) => {
            return Err(Error::parameter(
                "CSV column names carry no unit: pass --unit uV|mV|V",
            ));
        }
    }
    let fs = fs.unwrap_or(0.0);
    let leads = data_cols
        .iter()
        .map(|&c| {
            let (name, unit) = split_unit(&names[c]);
            let unit = unit
                .or_else(|| default_unit.clone())
                .unwrap_or(Unit::Other(String::new()));
            let col = std::mem::take(&mut cols[c]);
            let integral = col
                .iter()
                .all(|v| v.is_nan() || (v.fract() == 0.0 && v.abs() < 2.1e9));
            let signal = if integral && col.iter().any(|v| !v.is_nan()) {
                let d: Vec<i32> = col
                    .iter()
                    .map(|&v| if v.is_nan() { i32::MIN } else { v as i32 })
                    .collect();
                Signal::from_digital(
                    d,
                    Calibration {
                        gain: 1.0,
                        baseline: 0.0,
                        resolution_bits: None,
                    },
                    Some(i32::MIN),
                )
            } else {
                Signal::from_physical(col.iter().map(|&v| v as f32).collect::<Vec<f32>>())
            };
            Lead::new(&name, fs, unit, signal)
        })
        .collect();
    let mut rec = Recording::new(leads);
    rec.source = SourceInfo {
        format: "CSV".into(),
        version: Some(format!(
            "delimiter {:?}{}",
            delim as char,
            if has_header { ", header row" } else { "" }
        )),
        path: None,
        warnings,
    };
    Ok(rec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn time_column_and_units_in_names_need_no_options() {
        let rec = read(
            b"time_s;I (mV);II (mV)\n0;0.1;0.2\n0.002;0.3;\n0.004;0.5;0.6\n",
            &OpenOptions::new(),
        )
        .unwrap();
        assert_eq!(rec.leads.len(), 2);
        assert_eq!(rec.leads[0].sampling_rate_hz, 500.0);
        assert_eq!(rec.leads[1].unit, Unit::Millivolt);
        assert!(rec.leads[1].signal.to_vec().unwrap()[1].is_nan());
    }

    #[test]
    fn missing_rate_or_unit_is_a_parameter_error_naming_the_flags() {
        let e = read(b"ECG\n0.1\n0.2\n", &OpenOptions::new()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Parameter);
        assert!(e.message.contains("--fs") && e.message.contains("--unit"));
        let rec = read(
            b"ECG\n0.1\n0.2\n",
            &OpenOptions::new()
                .sampling_rate_hz(Some(1000.0))
                .unit(Some("mV".into())),
        )
        .unwrap();
        assert_eq!(rec.leads[0].n_samples(), 2);
    }

    #[test]
    fn integer_columns_keep_digital_values_and_bad_cells_name_line() {
        let o = OpenOptions::new()
            .sampling_rate_hz(Some(800.0))
            .unit(Some("uV".into()));
        let rec = read(b"-20,-25,\n-30,-34,\n", &o).unwrap();
        let mut d = [0; 2];
        assert!(rec.leads[0].signal.read_digital(0, &mut d).unwrap());
        assert_eq!(d, [-20, -30]);
        let e = read(b"1,2\n3,x\n", &o).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("line 2, column 2"));
        assert_eq!(e.offset, Some(4));
    }
}
