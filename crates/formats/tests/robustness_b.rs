//! Robustness of the SCP, aECG, DICOM, MUSE and Philips readers: every sample file is cut at
//! many lengths and has bits flipped; the readers must never panic, and every error must name
//! a field or an offset. Also a golden digest of what each file decodes to
//! (`tests/data/golden/formats_b.txt`; `HEARTLENS_BLESS=1` rewrites it).

use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};

fn path(p: &str) -> String {
    format!("{}/../../tests/data/{p}", env!("CARGO_MANIFEST_DIR"))
}

const FILES: [&str; 18] = [
    "scp/burdick_wfdb_test/test.scp",
    "scp/ecgtoolkit_example/Example.scp",
    "scp/welchallyn/ECG_20060620_112352_ANON000002.SCP",
    "scp/welchallyn/ECG_20170504_163507_ANON000009.SCP",
    "scp/contec_0000050/0000050.ECG.scp",
    "scp/healforce_nonstandard/62.SCP",
    "aecg/hl7_example_mortara/Example.xml",
    "aecg/philips_converted/ad4d3d80-d165_1-04_converted.xml",
    "dicom/pydicom_waveform_ecg/waveform_ecg.dcm",
    "dicom/ecgtoolkit_example/Example.dcm",
    "muse/braveheart/example1.xml",
    "muse/braveheart/example2.xml",
    "muse/egm_muse_sinus/muse-sinus.xml",
    "philips/v1_03/129DYPRG.XML",
    "philips/v1_03/repbeats_example.xml",
    "philips/v1_04/ad4d3d80-d165_1-04_orig.xml",
    "philips/v1_04/tbj128_ecg-example_utf16be.xml",
    "philips/v1_04_01/2020-5-18_15-48-11.xml",
];

/// Small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

fn read_all(bytes: &[u8], name: &str) -> Result<(), formats::Error> {
    let rec = formats::read(bytes, Some(name))?;
    // Touch every sample so lazy sources are exercised too.
    for l in &rec.leads {
        l.signal.to_vec()?;
    }
    Ok(())
}

fn check(bytes: &[u8], file: &str, what: &str) {
    let name = file.rsplit('/').next().unwrap_or(file);
    let r = catch_unwind(AssertUnwindSafe(|| read_all(bytes, name)));
    match r {
        Err(_) => panic!("{file}: {what}: the reader panicked"),
        // A text reader (CSV) may claim a mangled file and ask for parameters it lacks:
        // that is a caller error without a location.
        Ok(Err(e)) => assert!(
            e.field.is_some() || e.offset.is_some() || e.kind == formats::ErrorKind::Parameter,
            "{file}: {what}: error names no field or offset: {e}"
        ),
        Ok(Ok(())) => {}
    }
}

fn sweep(prefix: &str) {
    for file in FILES.iter().filter(|f| f.starts_with(prefix)) {
        let bytes = std::fs::read(path(file)).unwrap();
        let n = bytes.len();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ n as u64);
        // Truncations: the first bytes one by one, then spread over the file.
        let mut cuts: Vec<usize> = (0..10.min(n)).collect();
        cuts.extend((1..8).map(|k| n * k / 8));
        cuts.extend((0..4).map(|_| (rng.next() % n as u64) as usize));
        for cut in cuts {
            check(&bytes[..cut], file, &format!("truncated to {cut} bytes"));
        }
        // Bit flips, single and in bursts.
        for i in 0..10 {
            let mut b = bytes.clone();
            let flips = if i < 7 { 1 } else { 16 };
            for _ in 0..flips {
                let pos = (rng.next() % n as u64) as usize;
                b[pos] ^= 1 << (rng.next() % 8);
            }
            check(&b, file, &format!("bit flip round {i}"));
        }
    }
}

#[test]
fn scp_truncations_and_bit_flips_never_panic() {
    sweep("scp/");
}

#[test]
fn xml_truncations_and_bit_flips_never_panic() {
    sweep("aecg/");
    sweep("muse/");
}

#[test]
fn philips_truncations_and_bit_flips_never_panic() {
    sweep("philips/");
}

#[test]
fn dicom_truncations_and_bit_flips_never_panic() {
    sweep("dicom/");
}

#[test]
fn garbage_and_empty_inputs_fail_cleanly() {
    for (bytes, name) in [
        (&b""[..], "x.scp"),
        (&b"<RestingECG>"[..], "x.xml"),
        (&b"<restingecgdata><parsedwaveforms compression=\"XLI\">!!!</parsedwaveforms></restingecgdata>"[..], "x.xml"),
        (&b"<AnnotatedECG xmlns=\"urn:hl7-org:v3\"><component>"[..], "x.xml"),
    ] {
        let e = formats::read(bytes, Some(name)).unwrap_err();
        assert!(e.field.is_some() || e.offset.is_some(), "{e}");
    }
}

/// FNV-1a 64 over values, for the digest.
fn fnv(h: &mut u64, bytes: &[u8]) {
    for &b in bytes {
        *h ^= u64::from(b);
        *h = h.wrapping_mul(0x100_0000_01b3);
    }
}

fn digest(file: &str) -> String {
    let mut out = String::new();
    match formats::open(path(file)) {
        Err(e) => {
            let _ = write!(
                out,
                "{file}: error {:?} field={:?} offset={:?}",
                e.kind, e.field, e.offset
            );
        }
        Ok(rec) => {
            let _ = write!(
                out,
                "{file}: {} {:?}",
                rec.source.format, rec.source.version
            );
            for l in &rec.leads {
                let mut h = 0xcbf2_9ce4_8422_2325u64;
                let n = l.n_samples();
                let mut d = vec![0i32; n];
                if l.signal.read_digital(0, &mut d).unwrap_or(false) {
                    d.iter().for_each(|v| fnv(&mut h, &v.to_le_bytes()));
                } else {
                    let v = l.signal.to_vec().unwrap();
                    v.iter().for_each(|x| fnv(&mut h, &x.to_le_bytes()));
                }
                let _ = write!(
                    out,
                    "\n  {}{} {} Hz {} {} n={} {:016x}",
                    l.original_label,
                    if l.derived { " (derived)" } else { "" },
                    l.sampling_rate_hz,
                    l.unit,
                    l.signal
                        .calibration()
                        .map_or("-".to_string(), |c| format!("{}/{}", c.gain, c.baseline)),
                    n,
                    h
                );
            }
            if let Some(mb) = &rec.median_beats {
                let _ = write!(
                    out,
                    "\n  median: {} leads x {} at {} Hz, {} fiducials",
                    mb.leads.len(),
                    mb.leads.first().map_or(0, |l| l.n_samples()),
                    mb.sampling_rate_hz,
                    mb.fiducials.len()
                );
            }
            let _ = write!(out, "\n  measurements: {:?}", rec.device_measurements);
            let _ = write!(
                out,
                "\n  statements: {:?}",
                rec.device_statements
                    .iter()
                    .map(|s| (&s.text, s.state))
                    .collect::<Vec<_>>()
            );
            let _ = write!(
                out,
                "\n  annotations: {}, warnings: {}",
                rec.annotations.len(),
                rec.source.warnings.len()
            );
        }
    }
    out
}

#[test]
fn golden_digest_matches() {
    let mut all = String::from(
        "# formats-b golden digest: what each sample decodes to. Regenerate with HEARTLENS_BLESS=1.\n",
    );
    for f in FILES {
        all.push_str(&digest(f));
        all.push('\n');
    }
    let golden = path("golden/formats_b.txt");
    if std::env::var_os("HEARTLENS_BLESS").is_some() {
        std::fs::write(&golden, &all).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&golden)
        .expect("golden file (run with HEARTLENS_BLESS=1 to create)");
    if want != all {
        for (i, (a, b)) in want.lines().zip(all.lines()).enumerate() {
            assert_eq!(a, b, "golden line {}", i + 1);
        }
        assert_eq!(
            want.lines().count(),
            all.lines().count(),
            "golden line count"
        );
    }
}
