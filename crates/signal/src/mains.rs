//! The mains frequency of a recording's powerline interference, 50 or 60 Hz, found in the
//! leads themselves: a recording from a 60-Hz country is notched at 60 Hz without a setting
//! (the app and the CLI default to 50 Hz), and one without interference keeps the default.
//!
//! Interference is a narrow spectral line; an ECG's own spectrum is smooth there. Each of the
//! first [`MAX_LEADS`] leads is cut into segments of [`SEGMENT_S`] (at most [`MAX_SEGMENTS`],
//! evenly spread), each Hann-windowed; for each candidate frequency the power of the line (the
//! largest within ±[`DRIFT_HZ`] of it: the grid's frequency drifts) is summed over leads and
//! segments and compared with the power [`REFERENCE_OFFSETS_HZ`] beside it. A candidate whose
//! line stands [`MIN_PROMINENCE`] times above its neighbourhood, and more than the other
//! candidate's does, is the mains frequency.

use rayon::prelude::*;

/// The mains frequencies of the world's grids.
pub const MAINS_CANDIDATES_HZ: [f64; 2] = [50.0, 60.0];
/// Length of the segments whose spectra are summed (s): 0.1-Hz resolution.
const SEGMENT_S: f64 = 10.0;
/// At most this many segments per lead (a Holter is judged on a minute of it) ...
const MAX_SEGMENTS: usize = 6;
/// ... of at most this many leads (the first ones: the hum is in every lead).
const MAX_LEADS: usize = 3;
/// The line is searched for within this much of the nominal frequency (Hz), in steps of
/// [`STEP_HZ`].
const DRIFT_HZ: f64 = 0.3;
const STEP_HZ: f64 = 0.1;
/// Where the neighbourhood is measured, from the nominal frequency (Hz): clear of the line
/// and of the other candidate's.
const REFERENCE_OFFSETS_HZ: [f64; 4] = [-4.0, -3.0, 3.0, 4.0];
/// A line this many times the power of its neighbourhood is interference: 40 µV of hum in
/// a 10-s twelve-lead tracing stands hundreds of times above it; the LUDB development split,
/// recorded on 50-Hz mains, has lines of at most 15 at 50 Hz (one record 54) and 13 at 60 Hz;
/// US recordings show 32-162 at 60 Hz (the WFDB test record, a MIMIC segment 41, a Philips
/// export 36), Chinese and German ones 159-183 at 50 Hz (three leads, one 10-s segment).
pub const MIN_PROMINENCE: f64 = 30.0;

/// How far each candidate's line stands above its neighbourhood (power ratio), in the order
/// of [`MAINS_CANDIDATES_HZ`]; `None` for a candidate the sampling rate cannot show.
pub fn mains_prominence(leads: &[Vec<f64>], fs_hz: f64) -> [Option<f64>; 2] {
    let n = leads.iter().map(Vec::len).min().unwrap_or(0);
    let seg = ((SEGMENT_S * fs_hz).round() as usize).min(n);
    if seg < 16 || !(fs_hz.is_finite() && fs_hz > 0.0) {
        return [None, None];
    }
    let count = (n / seg).clamp(1, MAX_SEGMENTS);
    let starts: Vec<usize> = (0..count)
        .map(|k| {
            if count == 1 {
                0
            } else {
                k * (n - seg) / (count - 1)
            }
        })
        .collect();
    let window: Vec<f64> = (0..seg)
        .map(|i| 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / (seg - 1) as f64).cos())
        .collect();
    // Every frequency asked about, per candidate: the line's search grid, then its
    // neighbourhood.
    let steps = (DRIFT_HZ / STEP_HZ).round() as i32;
    let per_candidate = (2 * steps + 1) as usize + REFERENCE_OFFSETS_HZ.len();
    let shown: Vec<bool> = MAINS_CANDIDATES_HZ
        .iter()
        .map(|f0| f0 + DRIFT_HZ.max(REFERENCE_OFFSETS_HZ[3]) < fs_hz / 2.0)
        .collect();
    // The candidates asked about, in order: their frequencies come in that order below.
    let asked: Vec<usize> = (0..MAINS_CANDIDATES_HZ.len())
        .filter(|&k| shown[k])
        .collect();
    let freqs: Vec<f64> = asked
        .iter()
        .map(|&k| MAINS_CANDIDATES_HZ[k])
        .flat_map(|f0| {
            (-steps..=steps)
                .map(move |k| f0 + k as f64 * STEP_HZ)
                .chain(REFERENCE_OFFSETS_HZ.iter().map(move |d| f0 + d))
        })
        .collect();
    if freqs.is_empty() {
        return [None, None];
    }
    // Every (lead, segment) spectrum on the pool, summed below in the same order as one by
    // one.
    let parts: Vec<&[f64]> = leads
        .iter()
        .take(MAX_LEADS)
        .flat_map(|x| starts.iter().filter_map(move |&s| x.get(s..s + seg)))
        .filter(|part| part.iter().all(|v| v.is_finite()))
        .collect();
    let powers: Vec<Vec<f64>> = parts
        .par_iter()
        .map(|part| {
            let mut power = vec![0.0; freqs.len()];
            windowed_powers(part, &window, &freqs, fs_hz, &mut power);
            power
        })
        .collect();
    let mut line = vec![0.0; MAINS_CANDIDATES_HZ.len()];
    let mut around = vec![0.0; MAINS_CANDIDATES_HZ.len()];
    for power in &powers {
        for (&k, chunk) in asked.iter().zip(power.chunks(per_candidate)) {
            let (grid, refs) = chunk.split_at(chunk.len() - REFERENCE_OFFSETS_HZ.len());
            line[k] += grid.iter().copied().fold(0.0, f64::max);
            around[k] += refs.iter().sum::<f64>() / refs.len() as f64;
        }
    }
    [0, 1].map(|k| (shown[k] && around[k] > 0.0).then(|| line[k] / around[k]))
}

/// The mains frequency of the interference in `leads` (mV or any unit, at `fs_hz`), if a line
/// at 50 or 60 Hz stands out ([`MIN_PROMINENCE`]); `None` when neither does.
pub fn detect_mains(leads: &[Vec<f64>], fs_hz: f64) -> Option<f64> {
    let p = mains_prominence(leads, fs_hz);
    let best = (0..MAINS_CANDIDATES_HZ.len())
        .filter_map(|k| p[k].map(|v| (k, v)))
        .max_by(|a, b| a.1.total_cmp(&b.1))?;
    (best.1 >= MIN_PROMINENCE).then_some(MAINS_CANDIDATES_HZ[best.0])
}

/// |DFT|² of `x` less its mean, Hann-windowed (`window`), at each of `freqs` (Hz) at
/// `fs_hz`, into `out`: one pass over the samples, every frequency's phasor turned per sample.
/// The frequencies run [`FREQ_LANES`] at a time in lanes (independent chains, compiled for the
/// widest vector unit the CPU has; nothing is fused, so each frequency's value is the same
/// as turned alone).
fn windowed_powers(x: &[f64], window: &[f64], freqs: &[f64], fs_hz: f64, out: &mut [f64]) {
    let mean = x.iter().sum::<f64>() / x.len().max(1) as f64;
    for (block, out) in freqs.chunks(FREQ_LANES).zip(out.chunks_mut(FREQ_LANES)) {
        // Lanes past the last frequency turn at 0 Hz and are not read back.
        let step: [(f64, f64); FREQ_LANES] = std::array::from_fn(|j| {
            block.get(j).map_or((1.0, 0.0), |f| {
                let w = std::f64::consts::TAU * f / fs_hz;
                (w.cos(), w.sin())
            })
        });
        let power = pulp::Arch::new().dispatch(PhasorBlock {
            x,
            window,
            mean,
            step_c: step.map(|s| s.0),
            step_s: step.map(|s| s.1),
        });
        out.copy_from_slice(&power[..out.len()]);
    }
}

/// Frequencies turned together in [`windowed_powers`].
const FREQ_LANES: usize = 8;

/// [`windowed_powers`] of one block of frequencies (their phasor steps).
struct PhasorBlock<'a> {
    x: &'a [f64],
    window: &'a [f64],
    mean: f64,
    step_c: [f64; FREQ_LANES],
    step_s: [f64; FREQ_LANES],
}

impl pulp::WithSimd for PhasorBlock<'_> {
    type Output = [f64; FREQ_LANES];

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) -> Self::Output {
        let Self {
            x,
            window,
            mean,
            step_c,
            step_s,
        } = self;
        let (mut c, mut s) = ([1.0f64; FREQ_LANES], [0.0f64; FREQ_LANES]);
        let (mut re, mut im) = ([0.0f64; FREQ_LANES], [0.0f64; FREQ_LANES]);
        for (k, (&v, &h)) in x.iter().zip(window).enumerate() {
            let y = (v - mean) * h;
            for j in 0..FREQ_LANES {
                re[j] += y * c[j];
                im[j] -= y * s[j];
                let nc = c[j] * step_c[j] - s[j] * step_s[j];
                s[j] = s[j] * step_c[j] + c[j] * step_s[j];
                c[j] = nc;
            }
            // Renormalise now and then against rounding drift.
            if k % 1024 == 1023 {
                for j in 0..FREQ_LANES {
                    let r = (c[j] * c[j] + s[j] * s[j]).sqrt();
                    c[j] /= r;
                    s[j] /= r;
                }
            }
        }
        std::array::from_fn(|j| re[j] * re[j] + im[j] * im[j])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ecg_like(fs: f64, secs: f64, hum: Option<(f64, f64)>) -> Vec<f64> {
        let n = (fs * secs) as usize;
        let mut state = 12345u64;
        (0..n)
            .map(|i| {
                let t = i as f64 / fs;
                // A QRS-like pulse every 0.85 s, a slow wave and a little noise.
                let ph = (t % 0.85) - 0.3;
                let mut v = (-(ph * ph) / (2.0 * 0.012f64.powi(2))).exp()
                    + 0.2 * (std::f64::consts::TAU * 0.3 * t).sin();
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                v += 0.01 * (((state >> 33) as f64 / (1u64 << 31) as f64) - 0.5);
                if let Some((f, a)) = hum {
                    v += a * (std::f64::consts::TAU * f * t + 0.4).sin();
                }
                v
            })
            .collect()
    }

    #[test]
    fn frequencies_turned_in_lanes_equal_each_turned_alone() {
        // 11 frequencies (a block of eight and a partial one), 3000 samples (the phasors are
        // renormalised twice on the way).
        let fs = 500.0;
        let x = ecg_like(fs, 6.0, Some((50.1, 0.05)));
        let window: Vec<f64> = (0..x.len())
            .map(|i| 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / (x.len() - 1) as f64).cos())
            .collect();
        let freqs: Vec<f64> = (0..11).map(|k| 47.0 + 0.7 * k as f64).collect();
        let mut out = vec![0.0; freqs.len()];
        windowed_powers(&x, &window, &freqs, fs, &mut out);
        let mean = x.iter().sum::<f64>() / x.len() as f64;
        for (f, got) in freqs.iter().zip(&out) {
            let w = std::f64::consts::TAU * f / fs;
            let (step_c, step_s) = (w.cos(), w.sin());
            let (mut c, mut s, mut re, mut im) = (1.0f64, 0.0f64, 0.0f64, 0.0f64);
            for (k, (&v, &h)) in x.iter().zip(&window).enumerate() {
                let y = (v - mean) * h;
                re += y * c;
                im -= y * s;
                let nc = c * step_c - s * step_s;
                s = s * step_c + c * step_s;
                c = nc;
                if k % 1024 == 1023 {
                    let r = (c * c + s * s).sqrt();
                    c /= r;
                    s /= r;
                }
            }
            assert_eq!(got.to_bits(), (re * re + im * im).to_bits(), "{f} Hz");
        }
    }

    #[test]
    fn a_60_hz_line_is_60_a_50_hz_line_50_and_none_is_none() {
        for fs in [250.0, 500.0, 1000.0] {
            for (hum, want) in [
                (Some((60.0, 0.02)), Some(60.0)),
                (Some((59.8, 0.02)), Some(60.0)),
                (Some((50.0, 0.02)), Some(50.0)),
                (Some((50.2, 0.01)), Some(50.0)),
                (None, None),
            ] {
                let leads = vec![ecg_like(fs, 12.0, hum), ecg_like(fs, 12.0, None)];
                assert_eq!(detect_mains(&leads, fs), want, "{fs} Hz, hum {hum:?}");
            }
        }
        // At 100 Hz neither line can be seen; at 125 Hz only 50 Hz.
        let leads = vec![ecg_like(100.0, 12.0, Some((60.0, 0.05)))];
        assert_eq!(mains_prominence(&leads, 100.0), [None, None]);
        let leads = vec![ecg_like(125.0, 12.0, Some((50.0, 0.05)))];
        assert_eq!(detect_mains(&leads, 125.0), Some(50.0));
        assert!(mains_prominence(&leads, 125.0)[1].is_none());
    }

    #[test]
    fn short_flat_or_non_finite_leads_give_no_frequency() {
        assert_eq!(detect_mains(&[], 500.0), None);
        assert_eq!(detect_mains(&[vec![0.0; 3]], 500.0), None);
        assert_eq!(detect_mains(&[vec![1.0; 5000]], 500.0), None);
        assert_eq!(detect_mains(&[vec![f64::NAN; 5000]], 500.0), None);
        assert_eq!(detect_mains(&[ecg_like(500.0, 10.0, None)], f64::NAN), None);
    }
}
