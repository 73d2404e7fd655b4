//! The WFDB header (`.hea`) grammar: record line, signal specification lines, segment lines
//! of multi-segment records, and `#` comments.
//!
//! Follows the `header(5)` manual page of the WFDB Software Package (PhysioNet, WFDB 10.7):
//!
//! ```text
//! record line:  name[/nseg] nsig [fs[/counterfreq[(basecounter)]] [nsamp [basetime [basedate]]]]
//! signal line:  file format[xspf][:skew][+offset] [gain[(baseline)][/units] [adcres [adczero
//!               [initval [checksum [blocksize [description]]]]]]]
//! segment line: segname nsamp          (multi-segment records; `~` is a null segment)
//! ```
//!
//! Fields are separated by spaces or tabs; blank lines and lines starting with `#` (comments)
//! may appear anywhere. Parsing is byte-offset aware so errors read *header line N at offset O*.

use crate::error::Error;

/// Default sampling frequency when the record line omits it (`header(5)`: 250 Hz).
pub const DEFAULT_FS_HZ: f64 = 250.0;
/// Default ADC gain when the header gives 0 or omits it (`header(5)`: 200 adu per unit).
pub const DEFAULT_GAIN: f64 = 200.0;

/// A parsed header.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// Record name.
    pub name: String,
    /// Number of signals.
    pub n_signals: usize,
    /// Frame frequency in Hz.
    pub fs_hz: f64,
    /// Counter frequency, if given.
    pub counter_freq_hz: Option<f64>,
    /// Number of samples per signal (frames); `None` when absent (or 0: unknown).
    pub n_samples: Option<u64>,
    /// Base time `hh:mm:ss[.sss]` as (hour, minute, second).
    pub base_time: Option<(u8, u8, f64)>,
    /// Base date `dd/mm/yyyy` as (year, month, day).
    pub base_date: Option<(i32, u8, u8)>,
    /// Signal specifications (empty for multi-segment headers).
    pub signals: Vec<SignalSpec>,
    /// Segments of a multi-segment record (empty for single-segment).
    pub segments: Vec<SegmentSpec>,
    /// Comment lines without the leading `#` (trimmed).
    pub comments: Vec<String>,
}

/// One signal line.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalSpec {
    /// Signal file name (`~` = no file, in layout headers).
    pub file: String,
    /// Storage format (8, 16, 212, 516...).
    pub format: u32,
    /// Samples per frame (>= 1).
    pub samples_per_frame: u32,
    /// Skew in frames.
    pub skew: u32,
    /// Byte offset of the first sample in the file.
    pub byte_offset: u64,
    /// ADC gain (adu per physical unit); 0 in the file is replaced by [`DEFAULT_GAIN`].
    pub gain: f64,
    /// True if the file gave 0 (uncalibrated) or no gain.
    pub uncalibrated: bool,
    /// Baseline (digital value of physical 0).
    pub baseline: i64,
    /// Units text (`mV` when absent).
    pub units: String,
    /// ADC resolution in bits (0 = unstated).
    pub adc_resolution: u32,
    /// ADC zero.
    pub adc_zero: i64,
    /// Initial value (first sample; needed by format 8).
    pub initial_value: Option<i64>,
    /// 16-bit checksum of all samples, if stated.
    pub checksum: Option<i64>,
    /// Block size (0 = not a special file).
    pub block_size: u64,
    /// Description (signal name).
    pub description: String,
    /// Byte offset of this line in the header file.
    pub line_offset: u64,
}

/// One segment line of a multi-segment header.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentSpec {
    /// Segment record name; `~` for a null segment (a gap).
    pub name: String,
    /// Number of samples (frames) in the segment.
    pub n_samples: u64,
}

/// The meaningful lines of a header with their byte offsets: comments split off, blank lines
/// dropped.
fn lines(text: &str) -> (Vec<(u64, usize, &str)>, Vec<String>) {
    let mut out = Vec::new();
    let mut comments = Vec::new();
    let mut offset = 0u64;
    for (i, raw) in text.split('\n').enumerate() {
        let line_len = raw.len() as u64 + 1;
        let line = raw.trim_end_matches('\r');
        let trimmed = line.trim_matches(|c: char| c == ' ' || c == '\t');
        if let Some(c) = trimmed.strip_prefix('#') {
            comments.push(c.trim().to_string());
        } else if !trimmed.is_empty() {
            out.push((offset, i + 1, line));
        }
        offset += line_len;
    }
    (out, comments)
}

fn fields(line: &str) -> Vec<&str> {
    line.split([' ', '\t']).filter(|f| !f.is_empty()).collect()
}

fn err(line_no: usize, offset: u64, field: &str, message: String) -> Error {
    Error::format_at(format!("header line {line_no}: {field}"), offset, message)
}

fn parse_f64(s: &str, line_no: usize, offset: u64, field: &str) -> Result<f64, Error> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(err(line_no, offset, field, format!("not a number: '{s}'"))),
    }
}

fn parse_int<T: std::str::FromStr>(
    s: &str,
    line_no: usize,
    offset: u64,
    field: &str,
) -> Result<T, Error> {
    s.parse::<T>()
        .map_err(|_| err(line_no, offset, field, format!("not an integer: '{s}'")))
}

/// Parses `hh:mm:ss[.sss]` (also `mm:ss` and `ss`, as `header(5)` allows).
fn parse_time(s: &str) -> Option<(u8, u8, f64)> {
    let parts: Vec<&str> = s.split(':').collect();
    let (h, m, sec) = match parts.as_slice() {
        [h, m, s] => (h.parse().ok()?, m.parse().ok()?, s.parse::<f64>().ok()?),
        [m, s] => (0, m.parse().ok()?, s.parse::<f64>().ok()?),
        [s] => (0, 0, s.parse::<f64>().ok()?),
        _ => return None,
    };
    (h < 24 && m < 60 && (0.0..61.0).contains(&sec)).then_some((h, m, sec))
}

/// Parses `dd/mm/yyyy`.
fn parse_date(s: &str) -> Option<(i32, u8, u8)> {
    let mut it = s.split('/');
    let d: u8 = it.next()?.parse().ok()?;
    let m: u8 = it.next()?.parse().ok()?;
    let y: i32 = it.next()?.parse().ok()?;
    if it.next().is_some() {
        return None;
    }
    ecg::Date::new(y, m, d).map(|_| (y, m, d))
}

/// Parses a header. `max_signals` bounds the declared signal count (a limit, not a format rule).
pub fn parse(bytes: &[u8], max_signals: usize) -> Result<Header, Error> {
    // Headers are ASCII; tolerate Latin-1 bytes in comments and descriptions.
    let text: String = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    };
    let (lines, comments) = lines(&text);
    let Some(&(rec_off, rec_no, rec_line)) = lines.first() else {
        return Err(Error::format_at(
            "header record line",
            0,
            "no record line (file is empty or only comments)",
        ));
    };
    let f = fields(rec_line);
    let name_field = f.first().copied().unwrap_or_default();
    let (name, n_seg) = match name_field.split_once('/') {
        Some((n, s)) => (
            n.to_string(),
            Some(parse_int::<usize>(
                s,
                rec_no,
                rec_off,
                "number of segments",
            )?),
        ),
        None => (name_field.to_string(), None),
    };
    if name.is_empty() || name.contains(['\\', '\0']) {
        return Err(err(
            rec_no,
            rec_off,
            "record name",
            format!("invalid record name '{name}'"),
        ));
    }
    let n_signals: usize = match f.get(1) {
        Some(s) => parse_int(s, rec_no, rec_off, "number of signals")?,
        None => {
            return Err(err(rec_no, rec_off, "number of signals", "missing".into()));
        }
    };
    if n_signals > max_signals {
        return Err(Error::limit(
            format!("header line {rec_no}: number of signals"),
            format!("{n_signals} signals exceed the limit of {max_signals}"),
        )
        .with_offset(rec_off));
    }
    let (mut fs_hz, mut counter_freq_hz) = (DEFAULT_FS_HZ, None);
    if let Some(fs) = f.get(2) {
        // fs[/counterfreq[(basecounter)]]
        let (fpart, cpart) = match fs.split_once('/') {
            Some((a, b)) => (a, Some(b)),
            None => (*fs, None),
        };
        fs_hz = parse_f64(fpart, rec_no, rec_off, "sampling frequency")?;
        if fs_hz <= 0.0 {
            return Err(err(
                rec_no,
                rec_off,
                "sampling frequency",
                format!("must be positive, found {fs_hz}"),
            ));
        }
        if let Some(c) = cpart {
            let c = c.split('(').next().unwrap_or(c);
            counter_freq_hz = Some(parse_f64(c, rec_no, rec_off, "counter frequency")?);
        }
    }
    let n_samples = match f.get(3) {
        Some(s) => Some(parse_int::<u64>(s, rec_no, rec_off, "number of samples")?),
        None => None,
    }
    .filter(|&n| n > 0 || n_seg.is_some());
    let base_time = match f.get(4) {
        Some(s) => Some(parse_time(s).ok_or_else(|| {
            err(
                rec_no,
                rec_off,
                "base time",
                format!("expected hh:mm:ss, found '{s}'"),
            )
        })?),
        None => None,
    };
    let base_date = match f.get(5) {
        Some(s) => Some(parse_date(s).ok_or_else(|| {
            err(
                rec_no,
                rec_off,
                "base date",
                format!("expected dd/mm/yyyy, found '{s}'"),
            )
        })?),
        None => None,
    };

    let mut header = Header {
        name,
        n_signals,
        fs_hz,
        counter_freq_hz,
        n_samples,
        base_time,
        base_date,
        signals: Vec::new(),
        segments: Vec::new(),
        comments,
    };

    let rest = &lines[1..];
    if let Some(n_seg) = n_seg {
        if rest.len() < n_seg {
            return Err(err(
                rec_no,
                rec_off,
                "number of segments",
                format!(
                    "{n_seg} segments declared, {} segment lines found",
                    rest.len()
                ),
            ));
        }
        for &(off, no, line) in &rest[..n_seg] {
            let f = fields(line);
            let (Some(n), Some(len)) = (f.first(), f.get(1)) else {
                return Err(err(no, off, "segment", "expected 'name nsamples'".into()));
            };
            header.segments.push(SegmentSpec {
                name: n.to_string(),
                n_samples: parse_int(len, no, off, "segment length")?,
            });
        }
        return Ok(header);
    }

    if rest.len() < n_signals {
        return Err(err(
            rec_no,
            rec_off,
            "number of signals",
            format!(
                "{n_signals} signals declared, {} signal lines found",
                rest.len()
            ),
        ));
    }
    for &(off, no, line) in &rest[..n_signals] {
        header.signals.push(parse_signal(line, no, off)?);
    }
    Ok(header)
}

fn parse_signal(line: &str, no: usize, off: u64) -> Result<SignalSpec, Error> {
    // The description is everything after the 8th field, spaces included.
    let mut f = Vec::new();
    let mut rest = line.trim_start_matches([' ', '\t']);
    while f.len() < 8 && !rest.is_empty() {
        let end = rest.find([' ', '\t']).unwrap_or(rest.len());
        f.push(&rest[..end]);
        rest = rest[end..].trim_start_matches([' ', '\t']);
    }
    let description = rest.trim_end().to_string();
    let file = f.first().copied().unwrap_or_default().to_string();
    let Some(fmt_field) = f.get(1) else {
        return Err(err(no, off, "format", "missing".into()));
    };
    // format[xspf][:skew][+offset] (the three suffixes in this order, each optional)
    let (fmt_field, byte_offset) = match fmt_field.split_once('+') {
        Some((a, b)) => (a, parse_int::<u64>(b, no, off, "byte offset")?),
        None => (*fmt_field, 0),
    };
    let (fmt_field, skew) = match fmt_field.split_once(':') {
        Some((a, b)) => (a, parse_int::<u32>(b, no, off, "skew")?),
        None => (fmt_field, 0),
    };
    let (fmt_field, spf) = match fmt_field.split_once('x') {
        Some((a, b)) => (a, parse_int::<u32>(b, no, off, "samples per frame")?),
        None => (fmt_field, 1),
    };
    let format: u32 = parse_int(fmt_field, no, off, "format")?;
    if spf == 0 || spf > 1_000_000 {
        return Err(err(
            no,
            off,
            "samples per frame",
            format!("must be 1..=1000000, found {spf}"),
        ));
    }

    let (mut gain, mut uncalibrated, mut baseline, mut units) =
        (DEFAULT_GAIN, true, None::<i64>, "mV".to_string());
    if let Some(g) = f.get(2) {
        // gain[(baseline)][/units]
        let (g, u) = match g.split_once('/') {
            Some((a, b)) => (a, Some(b)),
            None => (*g, None),
        };
        let (g, b) = match g.split_once('(') {
            Some((a, b)) => {
                let b = b
                    .strip_suffix(')')
                    .ok_or_else(|| err(no, off, "baseline", format!("missing ')' in '{b}'")))?;
                (a, Some(parse_int::<i64>(b, no, off, "baseline")?))
            }
            None => (g, None),
        };
        let gv = parse_f64(g, no, off, "ADC gain")?;
        if gv != 0.0 {
            gain = gv;
            uncalibrated = false;
        }
        baseline = b;
        if let Some(u) = u {
            units = u.to_string();
        }
    }
    let adc_resolution = match f.get(3) {
        Some(s) => parse_int(s, no, off, "ADC resolution")?,
        None => 0,
    };
    let adc_zero = match f.get(4) {
        Some(s) => parse_int(s, no, off, "ADC zero")?,
        None => 0,
    };
    let initial_value = match f.get(5) {
        Some(s) => Some(parse_int(s, no, off, "initial value")?),
        None => None,
    };
    let checksum = match f.get(6) {
        Some(s) => Some(parse_int(s, no, off, "checksum")?),
        None => None,
    };
    let block_size = match f.get(7) {
        Some(s) => parse_int(s, no, off, "block size")?,
        None => 0,
    };
    Ok(SignalSpec {
        file,
        format,
        samples_per_frame: spf,
        skew,
        byte_offset,
        gain,
        uncalibrated,
        baseline: baseline.unwrap_or(adc_zero),
        units,
        adc_resolution,
        adc_zero,
        initial_value,
        checksum,
        block_size,
        description,
        line_offset: off,
    })
}

/// True if the bytes look like a WFDB header: a valid record line followed by signal or
/// segment lines that parse.
pub fn looks_like_header(head: &[u8]) -> bool {
    if head.is_empty() || head.iter().take(4096).any(|&b| b == 0) {
        return false;
    }
    // Probing sees only a prefix: drop a possibly cut last line.
    let cut = match head.iter().rposition(|&b| b == b'\n') {
        Some(p) if head.len() >= 4096 => &head[..p],
        _ => head,
    };
    let Ok(text) = std::str::from_utf8(cut) else {
        return false;
    };
    let (lines, _) = lines(text);
    let Some(&(_, _, rec)) = lines.first() else {
        return false;
    };
    let f = fields(rec);
    if f.len() < 2 || f[1].parse::<usize>().is_err() {
        return false;
    }
    if let Some(fs) = f.get(2) {
        let fpart = fs.split('/').next().unwrap_or(fs);
        if fpart.parse::<f64>().is_err() {
            return false;
        }
    }
    if let Some(n) = f.get(3)
        && n.parse::<u64>().is_err()
    {
        return false;
    }
    // Everything that follows must parse as the record says (as far as the prefix goes).
    parse(cut, usize::MAX).is_ok() || (head.len() >= 4096 && lines.len() > 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mitdb_100_header_with_comment_and_blank_line_parses() {
        let h = parse(
            b"# unnecessary comment\n100 2 360 650000\n100.dat 212 200 11 1024 995 -22131 0 MLII\n\n100.dat 212 200 11 1024 1011 20052 0 V5\n",
            64,
        )
        .unwrap();
        assert_eq!(h.n_signals, 2);
        assert_eq!(h.fs_hz, 360.0);
        assert_eq!(h.n_samples, Some(650000));
        assert_eq!(h.signals[1].description, "V5");
        assert_eq!(h.signals[0].baseline, 1024);
        assert_eq!(h.signals[0].checksum, Some(-22131));
        assert_eq!(h.comments, vec!["unnecessary comment"]);
    }

    #[test]
    fn format_suffixes_gain_baseline_and_units_parse() {
        let s = parse_signal(
            "HR06000.mat\t16x2:3+24 1000.0(-5)/mv 16 0 10 23323 0 lead I",
            2,
            7,
        )
        .unwrap();
        assert_eq!(s.format, 16);
        assert_eq!(s.samples_per_frame, 2);
        assert_eq!(s.skew, 3);
        assert_eq!(s.byte_offset, 24);
        assert_eq!(s.gain, 1000.0);
        assert_eq!(s.baseline, -5);
        assert_eq!(s.units, "mv");
        assert_eq!(s.description, "lead I");
    }

    #[test]
    fn multi_segment_and_multi_frequency_record_lines_parse() {
        let h = parse(
            b"s25047/3 3 125 543240 10:44:18.529 04/05/2704\n3234460_layout 0\n~ 25740\nx_0001 28637\n",
            64,
        )
        .unwrap();
        assert_eq!(h.segments.len(), 3);
        assert_eq!(h.segments[1].name, "~");
        assert_eq!(h.base_time, Some((10, 44, 18.529)));
        assert_eq!(h.base_date, Some((2704, 5, 4)));
        let n = parse(
            b"n 1 0.0166666666667/125 72\nn.dat 16 10/bpm 16 0 0 0 0 HR\n",
            8,
        )
        .unwrap();
        assert_eq!(n.counter_freq_hz, Some(125.0));
    }

    #[test]
    fn bad_fields_name_line_and_offset() {
        let e = parse(b"r 1 500 10\nr.dat 16 abc/mV\n", 8).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("header line 2: ADC gain"));
        assert_eq!(e.offset, Some(11));
        assert!(parse(b"r 5000000 500\n", 4096).is_err());
        assert!(parse(b"", 8).is_err());
    }
}
