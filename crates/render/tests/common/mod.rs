//! Synthetic recordings shared by the render tests and the frame benchmark: a textbook-like
//! 12-lead ECG built from Gaussian P, QRS and T waves, held in memory or generated lazily
//! (a 24-h 12-lead record without 500 M floats in RAM); and the pixel comparison of two frames.
#![allow(dead_code)] // each test binary uses a different part

use std::sync::Arc;

use ecg::{Lead, LeadLabel, Recording, SampleError, SampleSource, Signal, Unit};
use render::Frame;

/// Per-lead amplitudes (mV) of P, Q, R, S, T for I, II, III, aVR, aVL, aVF, V1..V6: roughly a
/// normal adult ECG, so the pictures read like one.
const WAVES: [[f32; 5]; 12] = [
    [0.10, -0.05, 0.70, -0.10, 0.20],
    [0.15, -0.08, 1.10, -0.20, 0.30],
    [0.05, -0.03, 0.40, -0.10, 0.10],
    [-0.12, 0.05, -0.90, 0.15, -0.25],
    [0.03, -0.03, 0.20, -0.05, 0.05],
    [0.10, -0.05, 0.75, -0.15, 0.20],
    [0.08, 0.00, 0.30, -1.00, -0.10],
    [0.10, 0.00, 0.50, -1.30, 0.35],
    [0.10, -0.05, 0.90, -0.80, 0.40],
    [0.10, -0.08, 1.40, -0.50, 0.45],
    [0.10, -0.08, 1.30, -0.30, 0.35],
    [0.10, -0.05, 1.00, -0.15, 0.25],
];

/// Beat period in seconds (75 bpm).
pub const RR_S: f64 = 0.8;

fn gauss(t: f64, mu: f64, sigma: f64) -> f64 {
    (-(t - mu) * (t - mu) / (2.0 * sigma * sigma)).exp()
}

/// The value of lead `k` at time `t` seconds, in mV.
pub fn ecg_value(k: usize, t: f64) -> f32 {
    let w = WAVES[k % 12];
    let phase = t.rem_euclid(RR_S);
    let v = f64::from(w[0]) * gauss(phase, 0.20, 0.025)
        + f64::from(w[1]) * gauss(phase, 0.33, 0.008)
        + f64::from(w[2]) * gauss(phase, 0.35, 0.010)
        + f64::from(w[3]) * gauss(phase, 0.37, 0.009)
        + f64::from(w[4]) * gauss(phase, 0.58, 0.040);
    v as f32
}

/// A lead computed on demand from the formula: no samples stored.
#[derive(Debug)]
pub struct LazyEcg {
    pub lead: usize,
    pub fs: f64,
    pub len: usize,
}

impl SampleSource for LazyEcg {
    fn len(&self) -> usize {
        self.len
    }

    fn read(&self, start: usize, out: &mut [f32]) -> Result<(), SampleError> {
        match start.checked_add(out.len()) {
            Some(end) if end <= self.len => {}
            _ => {
                return Err(SampleError::OutOfRange {
                    start,
                    end: start.saturating_add(out.len()),
                    len: self.len,
                });
            }
        }
        for (i, o) in out.iter_mut().enumerate() {
            *o = ecg_value(self.lead, (start + i) as f64 / self.fs);
        }
        Ok(())
    }
}

/// A 12-lead recording of `seconds` at `fs`, in memory.
pub fn twelve_lead(seconds: f64, fs: f64) -> Recording {
    let n = (seconds * fs) as usize;
    let leads = LeadLabel::STANDARD_12
        .iter()
        .enumerate()
        .map(|(k, label)| {
            let v: Vec<f32> = (0..n).map(|i| ecg_value(k, i as f64 / fs)).collect();
            Lead::new(label.name(), fs, Unit::Millivolt, Signal::from_physical(v))
        })
        .collect();
    Recording::new(leads)
}

/// A 12-lead recording of `seconds` at `fs`, generated lazily.
pub fn lazy_twelve_lead(seconds: f64, fs: f64) -> Recording {
    let len = (seconds * fs) as usize;
    let leads = LeadLabel::STANDARD_12
        .iter()
        .enumerate()
        .map(|(k, label)| {
            let src = LazyEcg { lead: k, fs, len };
            Lead::new(
                label.name(),
                fs,
                Unit::Millivolt,
                Signal::new(Arc::new(src)),
            )
        })
        .collect();
    Recording::new(leads)
}

/// How many pixels of two equally sized frames differ (any channel).
pub fn differing_pixels(got: &Frame, want: &Frame) -> usize {
    got.rgba
        .chunks(4)
        .zip(want.rgba.chunks(4))
        .filter(|(a, b)| a != b)
        .count()
}
