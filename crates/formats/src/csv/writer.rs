//! Writes a [`Recording`] as CSV: a `time_s` column, then one column per lead named
//! `<lead> (<unit>)`, physical values printed with the shortest text that reads back to the
//! same `f32`, empty cells for missing samples. The reader recovers rate and units from it.

use std::io::Write;

use ecg::Recording;

use crate::error::{Error, ErrorKind};

/// Writes CSV into `out`.
pub fn write(rec: &Recording, out: &mut impl Write) -> Result<(), Error> {
    let io = |e: std::io::Error| Error::io(&e);
    let fs = rec.leads.first().map_or(0.0, |l| l.sampling_rate_hz);
    if let Some(l) = rec.leads.iter().find(|l| l.sampling_rate_hz != fs) {
        return Err(Error::new(
            ErrorKind::Unsupported,
            Some(format!("lead {}", l.original_label)),
            None,
            "leads have different sampling rates; CSV needs one rate (resample first)",
        ));
    }
    if !(fs.is_finite() && fs > 0.0) {
        return Err(Error::parameter(
            "a CSV needs at least one lead with a positive sampling rate",
        ));
    }
    let mut header = String::from("time_s");
    for l in &rec.leads {
        let name = l.original_label.replace([',', '"', '\n', '\r'], " ");
        let unit = l.unit.symbol();
        if unit.is_empty() {
            header.push_str(&format!(",{name}"));
        } else {
            header.push_str(&format!(",{name} ({unit})"));
        }
    }
    writeln!(out, "{header}").map_err(io)?;
    let n = rec.leads.iter().map(|l| l.n_samples()).max().unwrap_or(0);
    const CHUNK: usize = 8192;
    let mut bufs: Vec<Vec<f32>> = vec![Vec::new(); rec.leads.len()];
    let mut line = String::new();
    let mut start = 0;
    while start < n {
        let m = (n - start).min(CHUNK);
        for (b, l) in bufs.iter_mut().zip(&rec.leads) {
            *b = l.signal.read_range(start, m).map_err(Error::from)?;
        }
        for i in 0..m {
            line.clear();
            line.push_str(&format!("{}", (start + i) as f64 / fs));
            for b in &bufs {
                line.push(',');
                if let Some(v) = b.get(i).filter(|v| v.is_finite()) {
                    line.push_str(&format!("{v}"));
                }
            }
            line.push('\n');
            out.write_all(line.as_bytes()).map_err(io)?;
        }
        start += m;
    }
    Ok(())
}
