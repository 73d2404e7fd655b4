//! No panic on hostile input (WFDB, EDF/BDF, CSV): truncation and bit-flip sweeps over every
//! vendored sample, random bytes through every probe/reader (the stand-in for `cargo fuzz` in
//! CI), and the golden digest of decoded headers and samples (`tests/data/golden/formats_a.txt`,
//! regenerate with `HEARTLENS_BLESS=1` and review the diff).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use formats::{Input, OpenOptions};
use proptest::prelude::*;

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/"))
}

/// Every primary file of our formats: WFDB headers, EDF/BDF files, CSV files.
fn samples() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("hea" | "edf" | "bdf" | "csv")
            ) {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    for d in ["wfdb", "edf", "csv"] {
        walk(&root().join(d), &mut out);
    }
    out
}

fn options() -> OpenOptions {
    OpenOptions::new()
        .sampling_rate_hz(Some(500.0))
        .unit(Some("mV".into()))
}

/// Opens and touches every sample so lazy decoders run too.
fn exercise(input: &Input, lazy: bool) {
    let Some(f) = formats::probe(input) else {
        return;
    };
    if let Ok(rec) = f.read(input, &options().lazy(lazy)) {
        for l in &rec.leads {
            let n = l.n_samples().min(4096);
            let _ = l.signal.read_range(0, n);
            let _ = l.signal.read_range(l.n_samples().saturating_sub(n), n);
            let mut d = vec![0; n];
            let _ = l.signal.read_digital(0, &mut d);
        }
    }
}

/// The input with the companions the original needs, read from the sample's folder.
fn with_companions(path: &Path, bytes: Vec<u8>) -> Input {
    let name = path.file_name().unwrap().to_str().unwrap();
    let mut input = Input::from_bytes(bytes, Some(name));
    if path.extension().is_some_and(|e| e == "hea") {
        let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
        for e in std::fs::read_dir(path.parent().unwrap()).unwrap().flatten() {
            let n = e.file_name().to_str().unwrap().to_string();
            let size = e.metadata().map(|m| m.len()).unwrap_or(0);
            if n != name
                && size < 200_000
                && (n.starts_with(&stem[..stem.len().min(6)]) || n.ends_with(".hea"))
            {
                input = input.with_companion(&n, std::fs::read(e.path()).unwrap());
            }
        }
    }
    input
}

#[test]
fn truncated_and_bit_flipped_samples_never_panic() {
    let mut rng = 0x9e3779b97f4a7c15u64;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for path in samples() {
        let bytes = std::fs::read(&path).unwrap();
        // Truncations: header-sized prefixes densely, then a few longer cuts.
        let mut cuts: Vec<usize> = (0..bytes.len().min(1024)).step_by(23).collect();
        cuts.extend((1..8).map(|k| bytes.len() * k / 8));
        for cut in cuts {
            exercise(&with_companions(&path, bytes[..cut].to_vec()), true);
        }
        for round in 0..24 {
            let mut b = bytes.clone();
            let limit = b.len().clamp(1, 4096);
            for _ in 0..3 {
                let i = (next() as usize) % limit;
                if let Some(x) = b.get_mut(i) {
                    *x ^= 1 << (next() % 8);
                }
            }
            exercise(&with_companions(&path, b), round % 4 != 0);
        }
    }
}

#[test]
fn hostile_headers_fail_cleanly_with_a_location() {
    // A WFDB header promising 2^40 samples must not allocate them.
    let input = Input::from_bytes(
        b"r 1 500 1099511627776\nr.dat 8 200 12 0 0 0 0 I\n".to_vec(),
        Some("r.hea"),
    )
    .with_companion("r.dat", vec![1, 2, 3]);
    let e = formats::probe(&input)
        .unwrap()
        .read(&input, &OpenOptions::new())
        .unwrap_err();
    assert_eq!(e.kind, formats::ErrorKind::LimitExceeded);
    // An EDF header with a huge signal count.
    let mut h = vec![b' '; 256];
    h[..8].copy_from_slice(b"0       ");
    h[184..192].copy_from_slice(b"256     ");
    h[236..252].copy_from_slice(b"1       1       ");
    h[252..256].copy_from_slice(b"9999");
    let e = formats::read(&h, Some("x.edf")).unwrap_err();
    assert_eq!(e.offset, Some(252));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048), which in 0usize..4) {
        let name = ["x.hea", "x.edf", "x.csv", "x.bdf"][which];
        let mut b = bytes;
        // Steer some inputs into each grammar so the readers, not only the probes, run.
        match which {
            0 => { let mut h = b"x 2 250 100\nx.dat 212 200 12 0 0 0 0 I\nx.dat 212 ".to_vec(); h.extend(&b); b = h; }
            1 if b.len() >= 256 => { b[..8].copy_from_slice(b"0       "); }
            3 if b.len() >= 8 => { b[0] = 0xff; b[1..8].copy_from_slice(b"BIOSEMI"); }
            _ => {}
        }
        let input = Input::from_bytes(b.clone(), Some(name)).with_companion("x.dat", b);
        exercise(&input, false);
    }
}

fn digest(rec: &ecg::Recording) -> String {
    // FNV-1a over digital values (or f32 bits when a lead has none).
    let mut s = format!(
        "{} {} leads={} ann={} seg={} warn={}",
        rec.source.format,
        rec.source.version.clone().unwrap_or_default(),
        rec.leads.len(),
        rec.annotations.len(),
        rec.segments.len(),
        rec.source.warnings.len()
    );
    for l in &rec.leads {
        let mut h = 0xcbf29ce484222325u64;
        let mut eat = |x: u32| {
            for b in x.to_le_bytes() {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x100000001b3);
            }
        };
        let n = l.n_samples();
        let mut start = 0;
        while start < n {
            let m = (n - start).min(65536);
            let mut d = vec![0; m];
            if l.signal.read_digital(start, &mut d).unwrap() {
                d.iter().for_each(|&v| eat(v as u32));
            } else {
                l.signal
                    .read_range(start, m)
                    .unwrap()
                    .iter()
                    .for_each(|v| eat(v.to_bits()));
            }
            start += m;
        }
        let _ = write!(
            s,
            " | {}@{}Hz n={} {}:{:016x}",
            l.original_label, l.sampling_rate_hz, n, l.unit, h
        );
    }
    s
}

#[test]
fn golden_digest_of_decoded_samples() {
    let mut out = String::from(
        "# formats-a golden: file -> decoded header + sample digest (HEARTLENS_BLESS=1 to regenerate)\n",
    );
    let root = root();
    for p in samples() {
        let rel = p.strip_prefix(&root).unwrap().display().to_string();
        // Segment headers of multi-segment records are checked through their master record.
        if rel.contains("3234460_") || rel.contains("041s0") {
            continue;
        }
        let line = match options().open(&p) {
            Ok(rec) => digest(&rec),
            Err(e) => format!("ERROR {:?}", e.kind),
        };
        let _ = writeln!(out, "{rel}: {line}");
    }
    let golden = root.join("golden/formats_a.txt");
    if std::env::var_os("HEARTLENS_BLESS").is_some() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, &out).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&golden).expect("golden file; run with HEARTLENS_BLESS=1");
    if want != out {
        let diff: Vec<String> = want
            .lines()
            .zip(out.lines())
            .filter(|(a, b)| a != b)
            .map(|(a, b)| format!("expected: {a}\n  actual: {b}"))
            .collect();
        panic!(
            "golden digest differs:\n{}\n(line counts {} vs {})",
            diff.join("\n"),
            want.lines().count(),
            out.lines().count()
        );
    }
}
