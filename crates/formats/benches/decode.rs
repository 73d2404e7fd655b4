//! Whole-file decoding throughput (not criterion: the peer comparison in `bench/formats/` needs
//! one timing per file in the same units as the Python peers).
//!
//! `cargo bench -p heartlens-formats --bench decode -- FILE...` opens each file and decodes every
//! sample of every lead to physical values, printing `file,seconds,samples` CSV lines. Without
//! files it runs over the vendored WFDB/EDF samples.

use std::path::PathBuf;
use std::time::Instant;

fn decode(path: &PathBuf) -> Result<(f64, usize), formats::Error> {
    let t = Instant::now();
    let rec = formats::open(path)?;
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
    Ok((t.elapsed().as_secs_f64(), n))
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
    println!("file,seconds,samples");
    for f in &files {
        match decode(f) {
            Ok((s, n)) => println!("{},{s:.6},{n}", f.display()),
            Err(e) => println!("{},error,{e}", f.display()),
        }
    }
}
