//! A small synthetic Holter for the app's Holter-map test, written at test time (WFDB format
//! 16): 1 h, 3 leads (I, II, V5) at 250 Hz, sinus rhythm at 75 bpm with 3 % sinus arrhythmia,
//! one sinus pause of [`PAUSE_S`] at [`PAUSE_AT_S`], and one atrial fibrillation episode from
//! [`AF_START_S`] to [`AF_END_S`] (no P waves, a fibrillatory baseline of four 20-µV sines at 4-6 Hz, RR
//! uniformly random in 0.42-1.05 s). Beats are sums of Gaussians (P, Q, R, S, T) scaled per
//! lead, plus 10 µV of seeded noise, so the same call writes the same bytes. The bigger
//! generator with every event kind is `bench/formats/generate_holter.py` (numpy).

use std::path::{Path, PathBuf};

use ecg::{Lead, Recording, Signal, Unit};

/// Sampling rate (Hz).
pub const FS: f64 = 250.0;
/// Length (s).
pub const DURATION_S: f64 = 3600.0;
/// R of the beat before the pause (s, approximately: the first beat at or after it).
pub const PAUSE_AT_S: f64 = 1200.0;
/// The pause: R to R (s).
pub const PAUSE_S: f64 = 3.0;
/// The atrial fibrillation episode (s).
pub const AF_START_S: f64 = 2400.0;
/// End of the episode (s).
pub const AF_END_S: f64 = 2700.0;

/// A seeded xorshift generator: uniform in [0, 1).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// R times (s) and whether each beat is in AF.
fn schedule(rng: &mut Rng) -> Vec<(f64, bool)> {
    let mut beats = Vec::new();
    let mut t = 0.5;
    let mut paused = false;
    while t < DURATION_S - 1.0 {
        let af = (AF_START_S..AF_END_S).contains(&t);
        beats.push((t, af));
        let rr = if af {
            0.42 + 0.63 * rng.next()
        } else if !paused && t >= PAUSE_AT_S {
            paused = true;
            PAUSE_S
        } else {
            0.8 * (1.0 + 0.03 * (2.0 * std::f64::consts::PI * t / 4.0).sin())
        };
        t += rr;
    }
    beats
}

fn gauss(t: f64, centre: f64, sigma: f64, amp: f64) -> f64 {
    let z = (t - centre) / sigma;
    amp * (-0.5 * z * z).exp()
}

/// One beat's waveform (mV) at `t` s from its R, with or without a P wave.
fn beat(t: f64, p: bool) -> f64 {
    let mut v = gauss(t, -0.025, 0.008, -0.1)
        + gauss(t, 0.0, 0.01, 1.2)
        + gauss(t, 0.03, 0.008, -0.25)
        + gauss(t, 0.3, 0.05, 0.3);
    if p {
        v += gauss(t, -0.16, 0.02, 0.15);
    }
    v
}

/// The fibrillatory baseline (mV): four sines of 20 µV at 4.0-6.1 Hz with spread phases, so
/// no regular atrial wave sits before each QRS.
fn fibrillation(t: f64) -> f64 {
    (0..4)
        .map(|k| {
            let k = f64::from(k);
            0.02 * (2.0 * std::f64::consts::PI * (4.0 + 0.7 * k) * t + 1.3 * k).sin()
        })
        .sum()
}

/// Writes `synth_holter_1h.{hea,dat}` into `dir`; returns the header's path.
pub fn write(dir: &Path) -> PathBuf {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let beats = schedule(&mut rng);
    let n = (DURATION_S * FS) as usize;
    let mut base = vec![0f64; n];
    for &(r, af) in &beats {
        let i0 = ((r - 0.35) * FS).max(0.0) as usize;
        let i1 = (((r + 0.6) * FS) as usize).min(n);
        for (i, v) in base.iter_mut().enumerate().take(i1).skip(i0) {
            *v += beat(i as f64 / FS - r, !af);
        }
    }
    let scales = [("I", 0.6), ("II", 1.0), ("V5", 1.3)];
    let leads = scales
        .iter()
        .map(|&(name, k)| {
            let values: Vec<f32> = base
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let t = i as f64 / FS;
                    let f = if (AF_START_S..AF_END_S).contains(&t) {
                        fibrillation(t)
                    } else {
                        0.0
                    };
                    (k * v + f + 0.01 * (rng.next() - 0.5) * 2.0) as f32
                })
                .collect();
            Lead::new(name, FS, Unit::Millivolt, Signal::from_physical(values))
        })
        .collect();
    let rec = Recording::new(leads);
    formats::write_wfdb_to_dir(&rec, dir, "synth_holter_1h", formats::WfdbStorage::Format16)
        .expect("write the synthetic Holter");
    dir.join("synth_holter_1h.hea")
}

#[test]
fn the_synthetic_holter_opens_as_one_hour_of_three_leads() {
    // HEARTLENS_HOLTER_GEN_DIR keeps the file there (to look at it or analyse it by hand).
    let tmp = tempfile::tempdir().unwrap();
    let dir = std::env::var_os("HEARTLENS_HOLTER_GEN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| tmp.path().to_path_buf());
    let rec = formats::open(write(&dir)).expect("the generated file opens");
    let names: Vec<&str> = rec.leads.iter().map(|l| l.label.name()).collect();
    assert_eq!(names, ["I", "II", "V5"]);
    assert_eq!(rec.duration_s(), DURATION_S);
    let ii = &rec.leads[1];
    let mut r = [0f32; 1];
    // The R peak of the first beat (0.5 s) stands about 1.2 mV above the baseline.
    ii.signal.read((0.5 * FS) as usize, &mut r).unwrap();
    assert!(
        (r[0] - 1.2).abs() < 0.05,
        "R of the first beat: {} mV",
        r[0]
    );
}
