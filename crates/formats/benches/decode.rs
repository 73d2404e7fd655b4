//! Whole-file decoding throughput (not criterion: the peer comparison in `bench/formats/` needs
//! one timing per file in the same units as the Python peers).
//!
//! `cargo bench -p heartlens-formats --bench decode -- FILE...` opens each file and decodes every
//! sample of every lead to physical values, printing `file,seconds,samples,open_seconds` CSV
//! lines (`seconds` covers open + decode; `open_seconds` is `formats::open` alone, the time
//! before the first sample can be shown). Each file is timed `DECODE_REPEAT` times (default 3)
//! and the best run is printed. Without files it runs over the vendored WFDB/EDF samples.

use std::path::PathBuf;
use std::time::Instant;

fn decode(path: &PathBuf) -> Result<(f64, usize, f64), formats::Error> {
    let t = Instant::now();
    let rec = formats::open(path)?;
    let opened = t.elapsed().as_secs_f64();
    let mut n = 0;
    let mut buf = vec![0f32; 1 << 16];
    let mut sink = 0f32;
    for lead in &rec.leads {
        let len = lead.n_samples();
        let mut start = 0;
        while start < len {
            let m = (len - start).min(buf.len());
            lead.signal
                .read(start, &mut buf[..m])
                .map_err(formats::Error::from)?;
            sink += buf[m - 1];
            start += m;
        }
        n += len;
    }
    std::hint::black_box(sink);
    Ok((t.elapsed().as_secs_f64(), n, opened))
}

fn main() {
    let mut files: Vec<PathBuf> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    if files.is_empty() {
        let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data"));
        for rel in [
            "wfdb/mitdb_100/100.hea",
            "wfdb/ludb/1.hea",
            "wfdb/ptb_s0010_re/s0010_re.hea",
            "edf/contec_0000050/0000050.ECG.edf",
        ] {
            files.push(root.join(rel));
        }
    }
    let repeat: usize = std::env::var("DECODE_REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .max(1);
    println!("file,seconds,samples,open_seconds");
    for f in &files {
        let mut best: Option<(f64, usize, f64)> = None;
        for _ in 0..repeat {
            match decode(f) {
                Ok((s, n, o)) => {
                    best = Some(match best {
                        Some((bs, _, bo)) => (bs.min(s), n, bo.min(o)),
                        None => (s, n, o),
                    })
                }
                Err(e) => {
                    println!("{},error,{e}", f.display());
                    best = None;
                    break;
                }
            }
        }
        if let Some((s, n, o)) = best {
            println!("{},{s:.6},{n},{o:.6}", f.display());
        }
    }
}
