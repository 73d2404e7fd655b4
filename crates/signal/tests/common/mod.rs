//! The synthetic 12-lead generator of the signal crate's integration tests: a heart vector
//! (dipole) model whose P, QRS and T waves are sums of Gaussian (or flat-topped) waves, each
//! with its own time, width, size and direction in space, projected on the twelve standard
//! leads. The limb leads obey Einthoven's and Goldberger's relations exactly (they are
//! projections of one frontal vector), so the analysis sees one calibration unless a test
//! changes a lead's gain.
//!
//! A [`Tracing`] is the beats (a QRS time each, with or without its P wave), the waves of a
//! P (one for all beats, or one per beat) and of a QRS-T, optional other beats (premature ventricular complexes), atrial waves
//! that run on by themselves (flutter), per-lead gain and noise, and a seed, so every test
//! builds the same samples each run.
#![allow(dead_code)] // each test binary uses a different part

use ecg::{Lead, Recording, Signal, Unit};

/// Sampling rate of the synthetic tracings (Hz).
pub const FS: f64 = 500.0;

/// Lead names, in the standard order.
pub const LEADS: [&str; 12] = [
    "I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6",
];

/// Directions of the leads (x: left, y: inferior, z: anterior). Goldberger's leads follow
/// from I and II: aVR = -(I + II) / 2, aVL = I - II / 2, aVF = II - I / 2.
pub fn lead_direction(k: usize) -> [f64; 3] {
    let c60 = 0.75f64.sqrt();
    [
        [1.0, 0.0, 0.0],
        [0.5, c60, 0.0],
        [-0.5, c60, 0.0],
        [-0.75, -c60 / 2.0, 0.0],
        [0.75, -c60 / 2.0, 0.0],
        [0.0, c60, 0.0],
        [-0.3, 0.1, 0.95],
        [0.0, 0.1, 1.0],
        [0.4, 0.15, 0.9],
        [0.7, 0.2, 0.6],
        [0.9, 0.2, 0.3],
        [1.0, 0.2, 0.0],
    ][k]
}

/// One dipole wave: offset from the beat's time (s), width (SD, s), amplitude (mV) and
/// direction (x: left, y: inferior, z: anterior).
pub type Wave = (f64, f64, f64, [f64; 3]);

/// A unit vector in the frontal plane at `deg` (the hexaxial convention: 0° is lead I,
/// +90° is aVF) with an anterior part `z`.
pub fn frontal(deg: f64, z: f64) -> [f64; 3] {
    let r = deg.to_radians();
    [r.cos(), r.sin(), z]
}

/// The normal P wave: 0.15 mV towards +58° and slightly anterior, SD 20 ms.
pub const P_WAVE: [Wave; 1] = [(0.0, 0.02, 0.15, [0.5, 0.8, 0.3])];

/// Septal q, the left ventricle's R and a small s, then the T wave.
pub const NORMAL: [Wave; 4] = [
    (-0.025, 0.008, 0.15, [-0.5, 0.3, 0.8]),
    (0.0, 0.011, 1.3, [0.6, 0.7, -0.4]),
    (0.028, 0.010, 0.35, [-0.3, 0.2, 0.9]),
    (0.30, 0.045, 0.35, [0.7, 0.5, -0.5]),
];

/// A textbook normal beat: septal q (r in V1), the left ventricle's R, a terminal s towards
/// the base (right, superior, posterior: the S of V1, small s in II and V6), and a T wave
/// ending about 400 ms after the QRS onset (QTc about 430 ms at 70/min).
pub const TEXTBOOK: [Wave; 4] = [
    (-0.025, 0.008, 0.12, [-0.5, 0.3, 0.8]),
    (0.0, 0.011, 1.3, [0.6, 0.7, -0.4]),
    (0.028, 0.010, 0.3, [-0.4, -0.5, -0.6]),
    (0.26, 0.045, 0.35, [0.6, 0.5, 0.2]),
];

/// The same activation with the right ventricle's late, slow forces (right and anterior):
/// the R' of V1 and the slurred S of I and V6.
pub const RBBB: [Wave; 5] = [
    (-0.025, 0.008, 0.15, [-0.5, 0.3, 0.8]),
    (0.0, 0.011, 1.3, [0.6, 0.7, -0.4]),
    (0.028, 0.010, 0.35, [-0.3, 0.2, 0.9]),
    (0.062, 0.012, 0.8, [-0.3, 0.0, 0.95]),
    (0.30, 0.045, 0.35, [0.7, 0.5, -0.5]),
];

/// A flat-topped wave: `vector` (mV per unit direction) from `from` to `to` (s from the
/// beat's time), reached and left over `edge` s (raised-cosine edges): an ST-segment shift.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plateau {
    pub from: f64,
    pub to: f64,
    pub edge: f64,
    pub vector: [f64; 3],
}

impl Plateau {
    fn at(&self, t: f64) -> f64 {
        let rise = |x: f64| {
            if x <= 0.0 {
                0.0
            } else if x >= self.edge {
                1.0
            } else {
                0.5 - 0.5 * (std::f64::consts::PI * x / self.edge).cos()
            }
        };
        rise(t - self.from) * rise(self.to - t)
    }
}

/// What a synthetic recording holds.
#[derive(Debug, Clone)]
pub struct Tracing {
    /// Length (s).
    pub seconds: f64,
    /// P-wave times (s): where the P wave's waves are centred.
    pub p_s: Vec<f64>,
    /// QRS times (s) of the dominant beats.
    pub qrs_s: Vec<f64>,
    /// Waves of one P wave, relative to its time.
    pub p_wave: Vec<Wave>,
    /// Per P wave (in the order of `p_s`), its own waves instead of `p_wave` (P waves from
    /// several atrial foci); P waves past its end take `p_wave`.
    pub p_waves_each: Vec<Vec<Wave>>,
    /// Waves of one dominant QRS and its T, relative to the QRS time.
    pub qrs_t: Vec<Wave>,
    /// ST-segment shifts of the dominant beats.
    pub st: Vec<Plateau>,
    /// Other beats: their time (s) and waves (premature ventricular complexes).
    pub other: Vec<(f64, Vec<Wave>)>,
    /// Per-lead gain (standard order).
    pub gain: [f64; 12],
    /// Peak-to-peak of uniform noise added to every lead (mV) ...
    pub noise_mv: f64,
    /// ... and to single leads (lead index, mV), after the limb leads are formed.
    pub lead_noise: Vec<(usize, f64)>,
    /// Fibrillatory waves: size of three sines at incommensurate rates (5.3, 6.9, 8.1 Hz,
    /// phases differing by lead) added to I, II and the chest leads (mV; 0 for none).
    pub f_waves_mv: f64,
    /// Seed of the noise.
    pub seed: u64,
}

impl Tracing {
    /// `seconds` of beats at `qrs_s` each preceded by the normal P wave `pr_s` earlier
    /// (P-wave centre to QRS time; 0.16 s gives a PR interval of about 150 ms), QRS-T `qrs_t`.
    pub fn new(seconds: f64, qrs_s: Vec<f64>, pr_s: f64, qrs_t: &[Wave]) -> Self {
        let p_s = qrs_s
            .iter()
            .map(|t| t - pr_s)
            .filter(|&t| t > 0.05)
            .collect();
        Tracing {
            seconds,
            p_s,
            qrs_s,
            p_wave: P_WAVE.to_vec(),
            p_waves_each: Vec::new(),
            qrs_t: qrs_t.to_vec(),
            st: Vec::new(),
            other: Vec::new(),
            gain: [1.0; 12],
            noise_mv: 0.0,
            lead_noise: Vec::new(),
            f_waves_mv: 0.0,
            seed: 1,
        }
    }

    /// A regular rhythm at `bpm` for `seconds`, first QRS at 0.5 s, P-wave centre `pr_s`
    /// before each QRS.
    pub fn regular(seconds: f64, bpm: f64, pr_s: f64, qrs_t: &[Wave]) -> Self {
        Self::new(seconds, times(0.5, 60.0 / bpm, seconds - 0.6), pr_s, qrs_t)
    }

    /// The samples of the twelve leads (mV).
    pub fn leads(&self) -> Vec<Vec<f64>> {
        let n = (self.seconds * FS) as usize;
        let mut v = vec![[0.0f64; 3]; n];
        let mut add = |at: f64, waves: &[Wave]| {
            for &(off, w, a, d) in waves {
                let c = at + off;
                for (k, s) in v.iter_mut().enumerate() {
                    let g = a * (-((k as f64 / FS - c) / w).powi(2) / 2.0).exp();
                    for (x, dj) in s.iter_mut().zip(d) {
                        *x += g * dj;
                    }
                }
            }
        };
        for (k, &t) in self.p_s.iter().enumerate() {
            add(t, self.p_waves_each.get(k).unwrap_or(&self.p_wave));
        }
        for &t in &self.qrs_s {
            add(t, &self.qrs_t);
        }
        for (t, w) in &self.other {
            add(*t, w);
        }
        for &t in &self.qrs_s {
            for p in &self.st {
                let lo = (((t + p.from) * FS).max(0.0)) as usize;
                let hi = (((t + p.to) * FS).ceil() as usize + 1).min(n);
                for (k, s) in v.iter_mut().enumerate().take(hi).skip(lo) {
                    let g = p.at(k as f64 / FS - t);
                    for (x, dj) in s.iter_mut().zip(p.vector) {
                        *x += g * dj;
                    }
                }
            }
        }
        let mut noise = uniform_noise(self.seed);
        let mut leads: Vec<Vec<f64>> = (0..12)
            .map(|k| {
                let d = lead_direction(k);
                v.iter()
                    .map(|s| (0..3).map(|j| s[j] * d[j]).sum::<f64>())
                    .collect()
            })
            .collect();
        if self.noise_mv > 0.0 || self.f_waves_mv > 0.0 {
            // Noise and f waves on I, II and the chest leads; III and Goldberger's leads
            // follow from I and II, as a recorder derives them.
            for k in [0, 1, 6, 7, 8, 9, 10, 11] {
                let phase = k as f64;
                for (i, x) in leads[k].iter_mut().enumerate() {
                    let t = i as f64 / FS;
                    *x += self.noise_mv * noise();
                    *x += [(5.3, 1.0), (6.9, 0.875), (8.1, 0.75)]
                        .iter()
                        .map(|&(hz, a)| {
                            let w = 2.0 * std::f64::consts::PI * hz;
                            self.f_waves_mv * a * (w * t + phase * hz).sin()
                        })
                        .sum::<f64>();
                }
            }
            for (k, (a, b)) in [
                (2, (-1.0, 1.0)),
                (3, (-0.5, -0.5)),
                (4, (1.0, -0.5)),
                (5, (-0.5, 1.0)),
            ] {
                leads[k] = (0..n).map(|i| a * leads[0][i] + b * leads[1][i]).collect();
            }
        }
        for &(k, mv) in &self.lead_noise {
            for x in &mut leads[k] {
                *x += mv * noise();
            }
        }
        for (x, g) in leads.iter_mut().zip(self.gain) {
            x.iter_mut().for_each(|s| *s *= g);
        }
        leads
    }

    /// The recording.
    pub fn record(&self) -> Recording {
        Recording::new(
            LEADS
                .iter()
                .zip(self.leads())
                .map(|(name, x)| {
                    let x: Vec<f32> = x.into_iter().map(|s| s as f32).collect();
                    Lead::new(name, FS, Unit::Millivolt, Signal::from_physical(x))
                })
                .collect(),
        )
    }

    /// The analysis with default options.
    pub fn analyze(&self) -> signal::Analysis {
        signal::analyze(&self.record(), &signal::AnalysisOptions::default())
            .expect("the analysis runs")
    }

    /// The analysis with default options, of a patient aged `age_years`.
    pub fn analyze_aged(&self, age_years: f64) -> signal::Analysis {
        let mut rec = self.record();
        rec.patient.age_years = Some(age_years);
        signal::analyze(&rec, &signal::AnalysisOptions::default()).expect("the analysis runs")
    }
}

/// Uniform noise in [-0.5, 0.5) from `seed` (a 64-bit linear congruential generator): the
/// same stream for the same seed.
pub fn uniform_noise(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed;
    move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    }
}

/// How a potential at limb electrode `e` (0 right arm, 1 left arm, 2 left leg) enters I, II,
/// III, aVR, aVL, aVF and the chest leads (through Wilson's central terminal, a third).
pub fn limb_electrode_weights(e: usize) -> [f64; 12] {
    let (ra, la, ll) = match e {
        0 => (1.0, 0.0, 0.0),
        1 => (0.0, 1.0, 0.0),
        _ => (0.0, 0.0, 1.0),
    };
    let wct = (ra + la + ll) / 3.0;
    [
        la - ra,
        ll - ra,
        ll - la,
        ra - (la + ll) / 2.0,
        la - (ra + ll) / 2.0,
        ll - (ra + la) / 2.0,
        -wct,
        -wct,
        -wct,
        -wct,
        -wct,
        -wct,
    ]
}

/// `leads` (standard order, [`FS`]) with an electrode pop at limb electrode `electrode`: its
/// potential steps by `mv` at `at_s` and recovers with time constant `tau_s`.
pub fn add_electrode_pop(leads: &mut [Vec<f64>], electrode: usize, mv: f64, at_s: f64, tau_s: f64) {
    let w = limb_electrode_weights(electrode);
    let a = (at_s * FS) as usize;
    for k in a..leads[0].len() {
        let r = mv * (-((k - a) as f64 / FS) / tau_s).exp();
        for (lead, wl) in leads.iter_mut().zip(w) {
            lead[k] += r * wl;
        }
    }
}

/// `leads` (standard order, [`FS`]) with a burst of spiky noise at limb electrode `electrode`:
/// the first difference of white noise (most of its power near the Nyquist rate, as muscle
/// or electrode noise recorded without a 150 Hz low-pass), `mv` RMS, under a Hann window
/// from `from_s` to `to_s`.
pub fn add_electrode_burst(
    leads: &mut [Vec<f64>],
    electrode: usize,
    mv: f64,
    (from_s, to_s): (f64, f64),
    seed: u64,
) {
    let w = limb_electrode_weights(electrode);
    let mut uniform = uniform_noise(seed);
    let (a, b) = (
        (from_s * FS) as usize,
        ((to_s * FS) as usize).min(leads[0].len()),
    );
    // Unit-RMS white noise (uniform, times sqrt 12), differenced (sqrt 2 more RMS).
    let mut prev = uniform() * 12f64.sqrt();
    for k in a..b {
        let x = uniform() * 12f64.sqrt();
        let hann = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * (k - a) as f64 / (b - a) as f64).cos();
        let r = mv * hann * (x - prev) / 2f64.sqrt();
        prev = x;
        for (lead, wl) in leads.iter_mut().zip(w) {
            lead[k] += r * wl;
        }
    }
}

/// A tremor at limb electrodes (0 right arm, 1 left arm, 2 left leg): per electrode a wave at
/// `hz` (the next electrode 7 % faster, its phase 1.3 rad on) whose frequency wanders by 5 %
/// at 0.2 Hz, with its second harmonic at 0.3 x, of `mv` at its strongest, waxing and waning
/// to 0.2 x at 0.3 Hz. Each lead sees it as the difference of its electrodes, the chest leads
/// through Wilson's central terminal (a third of each arm's or leg's).
pub struct LimbTremor {
    pub electrodes: Vec<usize>,
    pub hz: f64,
    pub mv: f64,
}

impl LimbTremor {
    /// `leads` (standard order, [`FS`]) with the tremor added.
    pub fn add_to(&self, leads: &mut [Vec<f64>]) {
        use std::f64::consts::PI;
        for (j, &e) in self.electrodes.iter().enumerate() {
            let w = limb_electrode_weights(e);
            let phase = j as f64 * 1.3;
            let f = self.hz * (1.0 + 0.07 * j as f64);
            for k in 0..leads[0].len() {
                let s = k as f64 / FS;
                let envelope = 0.6 + 0.4 * (2.0 * PI * 0.3 * s + phase).sin();
                let th =
                    2.0 * PI * f * s + 0.05 * f / 0.2 * (1.0 - (2.0 * PI * 0.2 * s).cos()) + phase;
                let r = self.mv * envelope * (th.sin() + 0.3 * (2.0 * th + 1.0).sin());
                for (lead, wl) in leads.iter_mut().zip(w) {
                    lead[k] += r * wl;
                }
            }
        }
    }
}

/// Times from `start` every `step` s while before `end`.
pub fn times(start: f64, step: f64, end: f64) -> Vec<f64> {
    (0..)
        .map(|k| start + k as f64 * step)
        .take_while(|&t| t < end)
        .collect()
}

/// Waves scaled in time by `k` (offsets and widths) and in size by `a`.
pub fn scaled(waves: &[Wave], k: f64, a: f64) -> Vec<Wave> {
    waves
        .iter()
        .map(|&(off, w, amp, d)| (off * k, w * k, amp * a, d))
        .collect()
}

/// `leads` (the twelve, mV at [`FS`]) with a pacing stimulus of one sample at each of
/// `stimuli` (time s, size mV) along `vector` (projected on the leads as the waves are).
pub fn with_stimuli(
    mut leads: Vec<Vec<f64>>,
    stimuli: &[(f64, f64)],
    vector: [f64; 3],
) -> Vec<Vec<f64>> {
    for (k, x) in leads.iter_mut().enumerate() {
        let d = lead_direction(k);
        let along: f64 = (0..3).map(|j| d[j] * vector[j]).sum();
        for &(t, mv) in stimuli {
            if let Some(v) = x.get_mut((t * FS).round() as usize) {
                *v += mv * along;
            }
        }
    }
    leads
}

/// `leads` at [`FS`] decimated by `down` as a recorder at `FS / down` records them (the
/// polyphase resampler's anti-alias filter).
pub fn decimated(leads: &[Vec<f64>], down: usize) -> Vec<Vec<f64>> {
    leads
        .iter()
        .map(|x| signal::resample_poly(x, 1, down).expect("a valid ratio"))
        .collect()
}

/// The twelve-lead recording of `leads` (mV, standard order) at `fs`.
pub fn recording_at(leads: Vec<Vec<f64>>, fs: f64) -> Recording {
    Recording::new(
        LEADS
            .iter()
            .zip(leads)
            .map(|(name, x)| {
                let x: Vec<f32> = x.into_iter().map(|s| s as f32).collect();
                Lead::new(name, fs, Unit::Millivolt, Signal::from_physical(x))
            })
            .collect(),
    )
}
