//! The HeartcareGPT v3 (and v1) signal preprocessing in front of the Beat ECG tokenizer.
//!
//! Owns the exact re-implementation of the upstream Python chain
//! (DCDmllm/Heartcare-Suite `utils/my_ecg_process.py` @ b1dc860, NeuroKit2 0.2.13
//! `ecg_clean(method='neurokit')`, SciPy 1.17), checked against the reference vectors in
//! `tests/data/vectors/preprocess/` (f64 stages to 1e-12 relative, f32 outputs to 1e-5).
//! It does not own the tokenizer itself (crate `ai`) nor NeuroKit's `ecg_quality` (the quality
//! array is an input here).
//!
//! The chain, per lead, in order:
//! 1. [`resample_poly`](crate::resample_poly)`(x, 250, fs)` (upstream `resample(x, 500, 250)`).
//! 2. [`nk_ecg_clean`]: 5th-order Butterworth 0.5 Hz high-pass with `sosfiltfilt`, then the
//!    "powerline" moving average of `int(fs/50)` taps with `filtfilt` (see [`nk_highpass`],
//!    [`nk_powerline`]).
//! 3. Cast to `f32`; everything below is `f32`.
//! 4. A window of 1500 samples (v3) or 750 (v1): [`window_start_by_quality`] or the centred
//!    fallback [`centred_window_start`].
//! 5. [`normalize_v3`] (per-lead mean over the first 1000 samples, one global std) or
//!    [`normalize_v1`] (per-lead z-score). The Beat v3 input is the first 1000 samples.
//!
//! Stable API (the `ai` crate calls these; names and signatures do not change):
//! ```text
//! pub const BEAT_FS_HZ: u32 = 250;
//! pub const V3_WINDOW: usize = 1500;  pub const V3_STAT_LEN: usize = 1000;  pub const V1_WINDOW: usize = 750;
//! pub fn resample_to_beat_rate(x: &[f64], fs_hz: u32) -> Result<Vec<f64>, Error>
//! pub fn nk_highpass(x: &[f64], fs_hz: f64) -> Result<Vec<f64>, Error>
//! pub fn nk_powerline(x: &[f64], fs_hz: f64) -> Result<Vec<f64>, Error>
//! pub fn nk_ecg_clean(x: &[f64], fs_hz: f64) -> Result<Vec<f64>, Error>
//! pub fn clean_for_beat(x: &[f64], fs_hz: u32) -> Result<Vec<f32>, Error>   // steps 1-3
//! pub fn window_start_by_quality(quality: &[f64], window: usize) -> Option<usize>
//! pub fn centred_window_start(n_samples: usize, window: usize) -> usize
//! pub fn crop_window(leads: &[Vec<f32>], start: usize, window: usize) -> Result<Vec<Vec<f32>>, Error>
//! pub fn normalize_v3(window: &[Vec<f32>], stat_len: usize) -> Result<Normalized, Error>
//! pub fn normalize_v1(window: &[Vec<f32>]) -> Result<NormalizedV1, Error>
//! ```

use crate::error::Error;
use crate::iir::{FilterKind, butter_sos, filtfilt, sosfiltfilt};
use crate::reduce::pairwise_sum_f32;
use crate::resample::resample_poly;

/// Sampling rate the Beat tokenizer works at.
pub const BEAT_FS_HZ: u32 = 250;
/// v3 window length in samples at 250 Hz (6 s: 4 s input + 2 s prediction target).
pub const V3_WINDOW: usize = 1500;
/// Samples at the start of a v3 window that the normalisation statistics come from.
pub const V3_STAT_LEN: usize = 1000;
/// v1 window length in samples at 250 Hz.
pub const V1_WINDOW: usize = 750;
/// The epsilon added to the standard deviation by both normalisations.
pub const NORM_EPS: f32 = 1e-6;

/// Resamples a lead from `fs_hz` to [`BEAT_FS_HZ`] with `scipy.signal.resample_poly`.
pub fn resample_to_beat_rate(x: &[f64], fs_hz: u32) -> Result<Vec<f64>, Error> {
    if fs_hz == 0 {
        return Err(Error::invalid("fs_hz", "must be positive"));
    }
    resample_poly(x, BEAT_FS_HZ as usize, fs_hz as usize)
}

/// First half of NeuroKit2's `ecg_clean`: `butter(5, 0.5, 'highpass', fs, output='sos')`
/// applied with `sosfiltfilt`.
pub fn nk_highpass(x: &[f64], fs_hz: f64) -> Result<Vec<f64>, Error> {
    let sos = butter_sos(5, 0.5, fs_hz, FilterKind::Highpass)?;
    sosfiltfilt(&sos, x)
}

/// The moving-average width NeuroKit2's "powerline" filter uses at `fs_hz` for 50 Hz:
/// `int(fs/50)` taps from 100 Hz up, 2 below.
pub fn nk_powerline_taps(fs_hz: f64) -> usize {
    if fs_hz >= 100.0 {
        // int() truncates toward zero.
        (fs_hz / 50.0) as usize
    } else {
        2
    }
}

/// Second half of NeuroKit2's `ecg_clean`: `filtfilt(ones(w), [w], x, method='pad')`,
/// `w =` [`nk_powerline_taps`].
pub fn nk_powerline(x: &[f64], fs_hz: f64) -> Result<Vec<f64>, Error> {
    let w = nk_powerline_taps(fs_hz);
    let b = vec![1.0; w];
    filtfilt(&b, &[w as f64], x)
}

/// NeuroKit2 0.2.13 `ecg_clean(x, sampling_rate=fs, method='neurokit')`: [`nk_highpass`]
/// then [`nk_powerline`]. Missing samples (NaN) are first filled by linear interpolation
/// (nearest value at the ends), as NeuroKit does with pandas before filtering.
pub fn nk_ecg_clean(x: &[f64], fs_hz: f64) -> Result<Vec<f64>, Error> {
    if !(fs_hz.is_finite() && fs_hz > 0.0) {
        return Err(Error::invalid(
            "fs_hz",
            format!("{fs_hz} is not a positive rate"),
        ));
    }
    let filled;
    let x = if x.iter().any(|v| v.is_nan()) {
        filled = interpolate_nan(x);
        &filled[..]
    } else {
        x
    };
    let hp = nk_highpass(x, fs_hz)?;
    nk_powerline(&hp, fs_hz)
}

/// Linear interpolation over NaN runs; leading/trailing runs take the nearest value. An
/// all-NaN input becomes zeros.
pub(crate) fn interpolate_nan(x: &[f64]) -> Vec<f64> {
    // Nearly every lead has no gap: then there is nothing to fill.
    if !x.iter().any(|v| v.is_nan()) {
        return x.to_vec();
    }
    let mut y = x.to_vec();
    let valid: Vec<usize> = (0..x.len()).filter(|&i| !x[i].is_nan()).collect();
    let (Some(&first), Some(&last)) = (valid.first(), valid.last()) else {
        return vec![0.0; x.len()];
    };
    for v in &mut y[..first] {
        *v = x[first];
    }
    for v in &mut y[last + 1..] {
        *v = x[last];
    }
    for w in valid.windows(2) {
        let (a, b) = (w[0], w[1]);
        if b > a + 1 {
            for (i, v) in y.iter_mut().enumerate().take(b).skip(a + 1) {
                let t = (i - a) as f64 / (b - a) as f64;
                *v = x[a] + (x[b] - x[a]) * t;
            }
        }
    }
    y
}

/// Steps 1-3 of the chain for one lead: resample to 250 Hz, `nk_ecg_clean` at 250 Hz, cast
/// to `f32` (the upstream `records250.npy` row).
pub fn clean_for_beat(x: &[f64], fs_hz: u32) -> Result<Vec<f32>, Error> {
    let r = resample_to_beat_rate(x, fs_hz)?;
    let c = nk_ecg_clean(&r, f64::from(BEAT_FS_HZ))?;
    Ok(c.into_iter().map(|v| v as f32).collect())
}

/// The window start that maximises the mean of `quality[s..s+window]`, computed as upstream
/// does: differences of a float64 cumulative sum (leading 0) divided by `window`, scanning
/// `s` upward with a strict `>` so the first maximum wins. `None` when the array is shorter
/// than the window or holds a NaN (upstream then falls back to [`centred_window_start`]).
pub fn window_start_by_quality(quality: &[f64], window: usize) -> Option<usize> {
    if window == 0 || quality.len() < window || quality.iter().any(|v| v.is_nan()) {
        return None;
    }
    let mut cs = Vec::with_capacity(quality.len() + 1);
    cs.push(0.0f64);
    let mut acc = 0.0f64;
    for &q in quality {
        acc += q;
        cs.push(acc);
    }
    let mut best = 0;
    let mut best_v = f64::NEG_INFINITY;
    for s in 0..=quality.len() - window {
        let m = (cs[s + window] - cs[s]) / window as f64;
        if m > best_v {
            best_v = m;
            best = s;
        }
    }
    Some(best)
}

/// The centred crop start: `(n_samples - window) / 2` (0 when the record is shorter).
pub fn centred_window_start(n_samples: usize, window: usize) -> usize {
    n_samples.saturating_sub(window) / 2
}

/// Copies `leads[c][start..start+window]` for every lead.
pub fn crop_window(
    leads: &[Vec<f32>],
    start: usize,
    window: usize,
) -> Result<Vec<Vec<f32>>, Error> {
    leads
        .iter()
        .map(|l| {
            let end =
                start
                    .checked_add(window)
                    .filter(|&e| e <= l.len())
                    .ok_or(Error::TooShort {
                        what: "window crop",
                        needed: start.saturating_add(window).saturating_sub(1),
                        found: l.len(),
                    })?;
            Ok(l[start..end].to_vec())
        })
        .collect()
}

/// A v3-normalised window and the statistics used.
#[derive(Debug, Clone, PartialEq)]
pub struct Normalized {
    /// `(W - mean_c) / (std + 1e-6)`, lead-major, same shape as the input.
    pub data: Vec<Vec<f32>>,
    /// Per-lead mean over the first `stat_len` samples.
    pub mean: Vec<f32>,
    /// Population std (ddof 0) of all leads' centred first `stat_len` samples: one scalar.
    pub std: f32,
}

/// A v1-normalised window and its per-lead statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct NormalizedV1 {
    /// `(W - mean_c) / (std_c + 1e-6)`, lead-major.
    pub data: Vec<Vec<f32>>,
    /// Per-lead mean over the whole window.
    pub mean: Vec<f32>,
    /// Per-lead population std over the whole window.
    pub std: Vec<f32>,
}

fn check_window(window: &[Vec<f32>], stat_len: usize) -> Result<(), Error> {
    if window.is_empty() {
        return Err(Error::invalid("window", "has no leads"));
    }
    if stat_len == 0 {
        return Err(Error::invalid("stat_len", "must be at least 1"));
    }
    for l in window {
        if l.len() < stat_len {
            return Err(Error::TooShort {
                what: "normalisation statistics",
                needed: stat_len - 1,
                found: l.len(),
            });
        }
    }
    Ok(())
}

/// HeartcareGPT v3 normalisation of a lead-major window: per-lead mean over the first
/// `stat_len` samples ([`V3_STAT_LEN`]); one population std over all leads' centred first
/// `stat_len` samples; `out = (W - mean_c) / (std + 1e-6)` for the whole window (the tail uses
/// the same statistics). Means use NumPy's pairwise f32 summation; the variance is accumulated
/// in f64 and rounded to f32 (outputs match NumPy to 1e-5).
pub fn normalize_v3(window: &[Vec<f32>], stat_len: usize) -> Result<Normalized, Error> {
    check_window(window, stat_len)?;
    let mean: Vec<f32> = window
        .iter()
        .map(|l| pairwise_sum_f32(&l[..stat_len]) / stat_len as f32)
        .collect();
    let centred: Vec<Vec<f32>> = window
        .iter()
        .zip(&mean)
        .map(|(l, &m)| l.iter().map(|&v| v - m).collect())
        .collect();
    let n = (window.len() * stat_len) as f64;
    let mu: f64 = centred
        .iter()
        .flat_map(|l| l[..stat_len].iter())
        .map(|&v| f64::from(v))
        .sum::<f64>()
        / n;
    let var: f64 = centred
        .iter()
        .flat_map(|l| l[..stat_len].iter())
        .map(|&v| (f64::from(v) - mu).powi(2))
        .sum::<f64>()
        / n;
    let std = var.sqrt() as f32;
    let denom = std + NORM_EPS;
    let data = centred
        .into_iter()
        .map(|l| l.into_iter().map(|v| v / denom).collect())
        .collect();
    Ok(Normalized { data, mean, std })
}

/// HeartcareGPT v1 normalisation: per-lead mean and population std over the whole window,
/// `out = (W - mean) / (std + 1e-6)`.
pub fn normalize_v1(window: &[Vec<f32>]) -> Result<NormalizedV1, Error> {
    let len = window.first().map_or(0, Vec::len);
    check_window(window, len.max(1))?;
    let mut mean = Vec::with_capacity(window.len());
    let mut std = Vec::with_capacity(window.len());
    let mut data = Vec::with_capacity(window.len());
    for l in window {
        let n = l.len() as f64;
        let m32 = pairwise_sum_f32(l) / l.len() as f32;
        let m = f64::from(m32);
        let var = l.iter().map(|&v| (f64::from(v) - m).powi(2)).sum::<f64>() / n;
        let s32 = var.sqrt() as f32;
        let denom = s32 + NORM_EPS;
        data.push(l.iter().map(|&v| (v - m32) / denom).collect());
        mean.push(m32);
        std.push(s32);
    }
    Ok(NormalizedV1 { data, mean, std })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quality_window_takes_the_first_maximum() {
        let q = [0.0, 1.0, 1.0, 0.0, 1.0, 1.0];
        assert_eq!(window_start_by_quality(&q, 2), Some(1));
        assert_eq!(window_start_by_quality(&q, 7), None);
        assert_eq!(window_start_by_quality(&[f64::NAN, 1.0], 1), None);
        assert_eq!(centred_window_start(2500, 1500), 500);
        assert_eq!(centred_window_start(100, 1500), 0);
    }

    #[test]
    fn v3_normalisation_gives_zero_mean_unit_std_over_the_statistics_span() {
        let w: Vec<Vec<f32>> = (0..3)
            .map(|c| {
                (0..20)
                    .map(|i| (i as f32 * 0.37 + c as f32).sin() + c as f32)
                    .collect()
            })
            .collect();
        let n = normalize_v3(&w, 10).unwrap();
        let all: Vec<f64> = n
            .data
            .iter()
            .flat_map(|l| l[..10].iter().map(|&v| f64::from(v)))
            .collect();
        let m = all.iter().sum::<f64>() / all.len() as f64;
        let s = (all.iter().map(|v| (v - m).powi(2)).sum::<f64>() / all.len() as f64).sqrt();
        assert!(m.abs() < 1e-6);
        assert!((s - 1.0).abs() < 1e-4);
        assert!(normalize_v3(&w, 21).is_err());
        assert!(normalize_v3(&[], 1).is_err());
    }

    #[test]
    fn nan_samples_are_interpolated_before_cleaning() {
        let x = [f64::NAN, 1.0, f64::NAN, 3.0, f64::NAN];
        assert_eq!(interpolate_nan(&x), vec![1.0, 1.0, 2.0, 3.0, 3.0]);
        let long: Vec<f64> = (0..200)
            .map(|i| {
                if i == 50 {
                    f64::NAN
                } else {
                    (i as f64 * 0.1).sin()
                }
            })
            .collect();
        assert!(
            nk_ecg_clean(&long, 250.0)
                .unwrap()
                .iter()
                .all(|v| v.is_finite())
        );
        assert_eq!(nk_powerline_taps(250.0), 5);
        assert_eq!(nk_powerline_taps(360.0), 7);
        assert_eq!(nk_powerline_taps(50.0), 2);
    }
}
