//! Median (representative) beats: the sample-wise median of the dominant beats of each lead,
//! aligned on the QRS fiducial. Clinical carts measure global intervals and amplitudes on
//! these because noise and single odd beats drop out.
//!
//! The median beats are delineated and measured at one rate, [`MEASURE_RATE_HZ`], whatever
//! the recording's: a boundary falls on the first quiet sample, half a sample outward on
//! average, and slopes are differences over samples, so at 250 Hz the QRS of the same LUDB
//! records measured 3 ms longer on average than at 500 Hz (PR 2 ms shorter), enough to move a
//! QRS of 118 ms across the bundle-branch-block bound. At another rate each beat is aligned
//! on the median beat to a fraction of a sample ([`beat_shifts`]: the fiducials of a 250 Hz
//! recording are 4 ms apart, and a median of beats jittered by ±2 ms is a blurred beat whose
//! small terminal waves end later) and resampled to that rate before the median is taken
//! ([`median_beat_at_measure_rate`]).

use serde::{Deserialize, Serialize};

use crate::detect::{median_in, total_order_key};
use crate::resample::{PolyResampler, gcd};

/// Rate (Hz) at which median beats are delineated and measured.
pub(crate) const MEASURE_RATE_HZ: f64 = 500.0;

/// Samples of edge value put before and after a median beat before resampling, at least (the
/// resampling filter, zero outside its input, would ring on the step to zero).
const EDGE_PAD: usize = 16;

/// The ratio `(up, down)`, in lowest terms, that takes a recording at `fs` Hz to
/// [`MEASURE_RATE_HZ`]; `(1, 1)` when it is at that rate already, or when `fs` is not a whole
/// number of hertz (its median beats are then measured at their own rate).
pub(crate) fn measure_ratio(fs: f64) -> (usize, usize) {
    let target = MEASURE_RATE_HZ as usize;
    if !(fs >= 1.0 && fs.fract() == 0.0 && fs <= 1.0e6) || fs as usize == target {
        return (1, 1);
    }
    let fs = fs as usize;
    let g = gcd(target, fs);
    (target / g, fs / g)
}

/// Index `i` at the recording's rate on the median rate's grid (`up / down` from
/// [`measure_ratio`]), rounded.
pub(crate) fn to_measure_index(i: usize, (up, down): (usize, usize)) -> usize {
    (i * up + down / 2) / down
}

/// Index `i` on the median rate's grid back at the recording's rate, rounded.
pub(crate) fn from_measure_index(i: usize, (up, down): (usize, usize)) -> usize {
    (i * down + up / 2) / up
}

/// `x` taken to the median rate by `resampler` (polyphase, as [`crate::resample_poly`]), its
/// ends first extended by their edge values: output sample `j` lies at input sample
/// `j * down / up`.
fn to_measure_rate(x: &[f64], resampler: &PolyResampler) -> Option<Vec<f64>> {
    let (up, down) = resampler.ratio();
    if x.is_empty() {
        return None;
    }
    // A multiple of `down`, so the first sample of `x` lands on an output sample.
    let pad = EDGE_PAD.div_ceil(down) * down;
    let mut padded = Vec::with_capacity(x.len() + 2 * pad);
    padded.extend(std::iter::repeat_n(x[0], pad));
    padded.extend_from_slice(x);
    padded.extend(std::iter::repeat_n(x[x.len() - 1], pad));
    let y = resampler.apply(&padded).ok()?;
    let from = pad * up / down;
    let len = (x.len() * up).div_ceil(down);
    y.get(from..(from + len).min(y.len())).map(<[f64]>::to_vec)
}

/// One lead's median beat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MedianBeat {
    /// The lead.
    pub lead: ecg::LeadLabel,
    /// Sampling rate in Hz.
    pub fs_hz: f64,
    /// Samples in mV, filtered with the analysis' display chain.
    pub samples_mv: Vec<f32>,
    /// Index of the QRS fiducial inside `samples_mv`.
    pub fiducial_sample: usize,
    /// How many beats went into the median.
    pub n_beats: usize,
}

/// Sample-wise median of `x[f - pre .. f + post]` over the fiducials that fit, using at most
/// `max_beats` beats evenly spread over the record.
pub(crate) fn median_beat(
    x: &[f64],
    fids: &[usize],
    pre: usize,
    post: usize,
    max_beats: usize,
) -> Option<(Vec<f64>, usize)> {
    let windows: Vec<&[f64]> = median_beat_fids(fids, x.len(), pre, post, max_beats)
        .into_iter()
        .map(|f| &x[f - pre..f + post])
        .collect();
    if windows.is_empty() {
        return None;
    }
    Some((column_medians(&windows, pre + post), windows.len()))
}

/// Largest sub-sample shift of a beat against the median beat ([`beat_shifts`]), in samples.
const MAX_SHIFT: f64 = 0.5;
/// Half-width of the span around the fiducial the beats are aligned on (ms): the QRS.
const ALIGN_HALF_MS: f64 = 60.0;

/// Per fiducial, where the beat's QRS lies against the median beat's, to a fraction of a
/// sample (within ±[`MAX_SHIFT`]): the peak of the cross-correlation over all `leads` (the
/// analysis copy) with their median beats `medians` (fiducial at `pre`) over ±[`ALIGN_HALF_MS`]
/// around the fiducial, refined by a parabola through lags -1, 0, +1. 0 for a beat too near
/// the record's ends or where the correlation has no maximum.
pub(crate) fn beat_shifts(
    leads: &[&[f64]],
    medians: &[&[f64]],
    fids: &[usize],
    pre: usize,
    fs: f64,
) -> Vec<f64> {
    let half = crate::delineate::ms(fs, ALIGN_HALF_MS);
    fids.iter()
        .map(|&f| {
            let mut c = [0.0f64; 3];
            for (x, m) in leads.iter().zip(medians) {
                if f < half + 1 || f + half + 1 >= x.len() || pre < half || pre + half >= m.len() {
                    return 0.0;
                }
                for (lag, ck) in c.iter_mut().enumerate() {
                    let b = &x[f + lag - 1 - half..f + lag - 1 + half];
                    *ck += b
                        .iter()
                        .zip(&m[pre - half..pre + half])
                        .map(|(a, b)| a * b)
                        .sum::<f64>();
                }
            }
            let [l, c0, r] = c;
            let curvature = l - 2.0 * c0 + r;
            if curvature >= 0.0 {
                return 0.0;
            }
            (0.5 * (l - r) / curvature).clamp(-MAX_SHIFT, MAX_SHIFT)
        })
        .collect()
}

/// The median beat of `x` at the median rate (`resampler` by the ratio from
/// [`measure_ratio`]):
/// each beat's window (the beats [`median_beat`] takes) resampled, starting `shifts[i]`
/// samples after its fiducial's place ([`beat_shifts`]), then the sample-wise median. The
/// fiducial is at [`to_measure_index`]`(pre)`.
pub(crate) fn median_beat_at_measure_rate(
    x: &[f64],
    fids: &[usize],
    shifts: &[f64],
    pre: usize,
    post: usize,
    max_beats: usize,
    resampler: &PolyResampler,
) -> Option<(Vec<f64>, usize)> {
    let ratio = resampler.ratio();
    let r = ratio.0 as f64 / ratio.1 as f64;
    let (pre_m, post_m) = (to_measure_index(pre, ratio), to_measure_index(post, ratio));
    let indexed: Vec<(usize, f64)> = fids.iter().copied().zip(shifts.iter().copied()).collect();
    // One native sample more on each side than the window, for the shift.
    let beats: Vec<Vec<f64>> =
        spread_beats(&indexed, max_beats, |(f, _)| f > pre && f + post < x.len())
            .into_iter()
            .filter_map(|(f, shift)| {
                let y = to_measure_rate(&x[f - pre - 1..f + post + 1], resampler)?;
                // Output j lies at input j / r; the fiducial (f + shift) at input
                // pre + 1 + shift, and the median window starts pre_m output samples before it.
                let from =
                    ((r * (pre as f64 + 1.0 + shift)).round() as usize).checked_sub(pre_m)?;
                y.get(from..from + pre_m + post_m).map(<[f64]>::to_vec)
            })
            .collect();
    if beats.is_empty() {
        return None;
    }
    let windows: Vec<&[f64]> = beats.iter().map(Vec::as_slice).collect();
    Some((column_medians(&windows, pre_m + post_m), windows.len()))
}

/// The fiducials [`median_beat`] takes from `fids` in a lead of `n` samples: at most
/// `max_beats`, evenly spread, among those whose window (`pre` before, `post` after) lies in
/// it.
pub(crate) fn median_beat_fids(
    fids: &[usize],
    n: usize,
    pre: usize,
    post: usize,
    max_beats: usize,
) -> Vec<usize> {
    spread_beats(fids, max_beats, |f| f >= pre && f + post <= n)
}

/// At most `max_beats` of `beats`, evenly spread, among those that `fit` (their window lies in
/// the record).
fn spread_beats<B: Copy>(beats: &[B], max_beats: usize, fit: impl Fn(B) -> bool) -> Vec<B> {
    let fit: Vec<B> = beats.iter().copied().filter(|&b| fit(b)).collect();
    let step = fit.len().div_ceil(max_beats.max(1)).max(1);
    fit.into_iter().step_by(step).collect()
}

/// Up to this many windows, [`column_medians`] runs a median network over
/// [`NETWORK_LANES`] columns at once; above it, an insertion sort from the previous column's
/// order (a network's comparisons grow faster than the insertions a nearly sorted column
/// needs).
const NETWORK_MAX_WINDOWS: usize = 24;
/// Columns the median network takes side by side (one AVX-512 vector of `f64`).
const NETWORK_LANES: usize = 8;

/// Sample-wise median of equally long `windows` (`len` samples; at least one window).
pub(crate) fn column_medians(windows: &[&[f64]], len: usize) -> Vec<f64> {
    if windows.len() <= NETWORK_MAX_WINDOWS {
        let mut out = Vec::with_capacity(len);
        pulp::Arch::new().dispatch(MedianNetwork {
            windows,
            len,
            comparators: &median_comparators(windows.len()),
            out: &mut out,
        });
        return out;
    }
    // Neighbouring samples of the beats are ranked almost alike, so each column is sorted
    // by insertion starting from the previous column's order: a few swaps per sample instead
    // of a sort. The median only depends on the sorted values, so it is the same as
    // `median` of the column (which columns holding a non-finite value fall back to).
    // Values are ranked by `f64::total_cmp`'s integer key (the same order, compared as
    // integers).
    let m = windows.len();
    let mut order: Vec<usize> = (0..m).collect();
    let mut col = vec![0.0f64; m];
    let mut key = vec![0i64; m];
    let mut scratch = Vec::with_capacity(m);
    (0..len)
        .map(|k| {
            if !read_column(windows, k, &mut col, &mut key) {
                return median_in(&mut scratch, col.iter().copied());
            }
            sort_by_key(&mut order, &key);
            if m % 2 == 1 {
                col[order[m / 2]]
            } else {
                0.5 * (col[order[m / 2 - 1]] + col[order[m / 2]])
            }
        })
        .collect()
}

/// The compare-exchanges of Batcher's odd-even merge sort of `m` values (for the next power
/// of two, less those reaching past `m`: the missing values would be +∞ and never move),
/// less those that cannot change the middle position(s): after them, position `m / 2`
/// (and `m / 2 - 1` when `m` is even) holds the median value(s) of the sorted order.
fn median_comparators(m: usize) -> Vec<(usize, usize)> {
    let mut all = Vec::new();
    let size = m.next_power_of_two();
    let mut p = 1;
    while p < size {
        let mut k = p;
        while k >= 1 {
            let mut j = k % p;
            while j + k < size {
                for i in 0..k.min(size - j - k) {
                    let (a, b) = (i + j, i + j + k);
                    if a / (2 * p) == b / (2 * p) && b < m {
                        all.push((a, b));
                    }
                }
                j += 2 * k;
            }
            k /= 2;
        }
        p *= 2;
    }
    // Backwards from the middle: a comparator matters if it writes a position that matters.
    let mut matters = vec![false; m];
    if m > 0 {
        matters[m / 2] = true;
        if m.is_multiple_of(2) {
            matters[m / 2 - 1] = true;
        }
    }
    let mut kept: Vec<(usize, usize)> = all
        .into_iter()
        .rev()
        .filter(|&(a, b)| {
            let keep = matters[a] || matters[b];
            if keep {
                matters[a] = true;
                matters[b] = true;
            }
            keep
        })
        .collect();
    kept.reverse();
    kept
}

/// [`column_medians`] of at most [`NETWORK_MAX_WINDOWS`] windows: [`NETWORK_LANES`]
/// neighbouring columns at a time, a row of lanes per window, through the median
/// `comparators` (each a lane-wise min and max), compiled for the widest vector unit the CPU
/// has. Comparing as numbers ranks finite values as `f64::total_cmp` does except for -0 and
/// +0, so a column whose median is zero, or that holds a non-finite value, and the last
/// columns that do not fill the lanes are taken one by one ([`median_in`]): every value is the
/// one the sort of the column gives.
struct MedianNetwork<'a> {
    windows: &'a [&'a [f64]],
    len: usize,
    comparators: &'a [(usize, usize)],
    out: &'a mut Vec<f64>,
}

impl pulp::WithSimd for MedianNetwork<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _: S) {
        const L: usize = NETWORK_LANES;
        let Self {
            windows,
            len,
            comparators,
            out,
        } = self;
        let m = windows.len();
        let mut rows = vec![[0.0f64; L]; m];
        let mut scratch = Vec::with_capacity(m);
        let mut one_by_one = |k: usize| median_in(&mut scratch, windows.iter().map(|w| w[k]));
        let mut k = 0;
        while k + L <= len {
            let mut finite = [true; L];
            for (row, w) in rows.iter_mut().zip(windows) {
                row.copy_from_slice(&w[k..k + L]);
                for (f, v) in finite.iter_mut().zip(row.iter()) {
                    *f &= v.is_finite();
                }
            }
            for &(a, b) in comparators {
                let (x, y) = (rows[a], rows[b]);
                rows[a] = std::array::from_fn(|l| if y[l] < x[l] { y[l] } else { x[l] });
                rows[b] = std::array::from_fn(|l| if y[l] < x[l] { x[l] } else { y[l] });
            }
            for l in 0..L {
                let v = if m % 2 == 1 {
                    rows[m / 2][l]
                } else {
                    0.5 * (rows[m / 2 - 1][l] + rows[m / 2][l])
                };
                out.push(if finite[l] && v != 0.0 {
                    v
                } else {
                    one_by_one(k + l)
                });
            }
            k += L;
        }
        out.extend((k..len).map(one_by_one));
    }
}

/// Sample `k` of every window into `col`, with its `f64::total_cmp` key in `key`; whether
/// all are finite. Its own function over slices, as [`sort_by_key`].
fn read_column(windows: &[&[f64]], k: usize, col: &mut [f64], key: &mut [i64]) -> bool {
    let mut finite = true;
    for ((c, kk), w) in col.iter_mut().zip(key.iter_mut()).zip(windows) {
        *c = w[k];
        *kk = total_order_key(*c);
        finite &= c.is_finite();
    }
    finite
}

/// Sorts `order` (indices into `key`) by `key` with insertion, fast when it is nearly sorted
/// already. Its own function over slices, so their lengths are loaded once, not on every
/// step.
fn sort_by_key(order: &mut [usize], key: &[i64]) {
    for i in 1..order.len() {
        let o = order[i];
        let ko = key[o];
        let mut j = i;
        while j > 0 && key[order[j - 1]] > ko {
            order[j] = order[j - 1];
            j -= 1;
        }
        order[j] = o;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::median;

    #[test]
    fn the_integer_key_orders_as_total_cmp() {
        let v = [
            -3.5,
            -0.0,
            0.0,
            1e-310,
            -1e-310,
            2.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -7.25,
            0.5,
        ];
        for a in v {
            for b in v {
                assert_eq!(
                    total_order_key(a).cmp(&total_order_key(b)),
                    a.total_cmp(&b),
                    "{a} {b}"
                );
            }
        }
    }

    #[test]
    fn whole_hertz_rates_go_to_500_hz_in_lowest_terms() {
        assert_eq!(measure_ratio(250.0), (2, 1));
        assert_eq!(measure_ratio(1000.0), (1, 2));
        assert_eq!(measure_ratio(360.0), (25, 18));
        assert_eq!(measure_ratio(128.0), (125, 32));
        assert_eq!(measure_ratio(500.0), (1, 1));
        assert_eq!(measure_ratio(257.5), (1, 1), "not a whole number of hertz");
        assert_eq!(measure_ratio(0.0), (1, 1));
        assert_eq!(to_measure_index(125, (2, 1)), 250);
        assert_eq!(from_measure_index(251, (2, 1)), 126);
        assert_eq!(to_measure_index(180, (25, 18)), 250);
    }

    /// A train of Gaussian QRS-like bumps (8 ms wide at 250 Hz) at `at` (fractional samples).
    fn bumps(at: &[f64], n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| {
                at.iter()
                    .map(|&c| (-((i as f64 - c) / 2.0).powi(2)).exp())
                    .sum()
            })
            .collect()
    }

    /// `bumps` lying `offsets` samples from fiducials 200 samples apart (from 100), and the
    /// fiducials.
    fn offset_bumps(offsets: &[f64], n: usize) -> (Vec<f64>, Vec<usize>) {
        let fids: Vec<usize> = (0..offsets.len()).map(|k| 100 + 200 * k).collect();
        let at: Vec<f64> = fids
            .iter()
            .zip(offsets)
            .map(|(&f, o)| f as f64 + o)
            .collect();
        (bumps(&at, n), fids)
    }

    #[test]
    fn beat_shifts_find_where_each_beat_lies_between_samples() {
        let fs = 250.0;
        let offsets = [0.0, 0.3, -0.25, 0.45, -0.4, 0.1];
        let (x, fids) = offset_bumps(&offsets, 1300);
        let template = bumps(&[50.0], 101);
        let shifts = beat_shifts(&[&x], &[&template], &fids, 50, fs);
        for (got, want) in shifts.iter().zip(offsets) {
            assert!((got - want).abs() < 0.08, "shift {got} for {want}");
        }
    }

    #[test]
    fn beats_aligned_between_samples_give_the_beat_at_the_finer_rate() {
        // Bumps at 250 Hz lying between samples (fiducials rounded to the sample), their
        // median offset 0: aligned and resampled, the median beat is the bump sampled at
        // 500 Hz with its peak on the fiducial (sample 100), its height and width kept.
        let offsets = [0.0, 0.3, -0.3, 0.45, -0.45, 0.15, -0.15];
        let (x, fids) = offset_bumps(&offsets, 1500);
        let (native, _) = median_beat(&x, &fids, 50, 60, 300).unwrap();
        let shifts = beat_shifts(&[&x], &[&native], &fids, 50, 250.0);
        let resampler = PolyResampler::new(2, 1).unwrap();
        let (m, n) =
            median_beat_at_measure_rate(&x, &fids, &shifts, 50, 60, 300, &resampler).unwrap();
        assert_eq!((m.len(), n), (220, offsets.len()));
        let exact = |j: usize| (-((j as f64 / 2.0 - 50.0) / 2.0).powi(2)).exp();
        for (j, v) in m.iter().enumerate() {
            assert!(
                (v - exact(j)).abs() < 0.02,
                "sample {j}: {v} for {}",
                exact(j)
            );
        }
    }

    #[test]
    fn median_beat_is_the_median_of_each_column() {
        // Seven beats of a noisy bump; one column holds a NaN (the fallback path).
        let mut s = 7u64;
        let mut x: Vec<f64> = (0..3000)
            .map(|i| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let noise = (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                (-(((i % 400) as f64 - 200.0) / 20.0).powi(2)).exp() + 0.1 * noise
            })
            .collect();
        x[1410] = f64::NAN;
        let fids: Vec<usize> = (0..7).map(|k| 200 + 400 * k).collect();
        let (pre, post) = (150, 180);
        for max_beats in [7, 4] {
            let (med, n) = median_beat(&x, &fids, pre, post, max_beats).unwrap();
            let step = fids.len().div_ceil(max_beats);
            let used: Vec<usize> = fids.iter().step_by(step).copied().collect();
            assert_eq!(n, used.len());
            for (k, m) in med.iter().enumerate() {
                let col: Vec<f64> = used.iter().map(|&f| x[f - pre + k]).collect();
                assert_eq!(m.to_bits(), median(&col).to_bits(), "column {k}");
            }
        }
    }

    /// Both paths of [`column_medians`] (the network up to [`NETWORK_MAX_WINDOWS`] windows,
    /// insertion above) give each column's median bit for bit, with signed zeros (alone, in
    /// pairs and at the middle), infinities, NaN and ties, and columns that do not fill the
    /// network's lanes.
    #[test]
    fn column_medians_are_each_columns_median_with_zeros_and_non_finite_values() {
        let mut next = crate::test_rng::centred(3);
        let len = 67;
        for m in 1..=40 {
            let windows: Vec<Vec<f64>> = (0..m)
                .map(|b| {
                    (0..len)
                        .map(|k| match (k * 7 + b * 3) % 23 {
                            0 => 0.0,
                            1 => -0.0,
                            2 if k % 5 == 0 => f64::NAN,
                            3 if k % 7 == 0 => f64::INFINITY,
                            4 if k % 11 == 0 => f64::NEG_INFINITY,
                            5 => 0.25,
                            _ if k < 16 => [0.0, -0.0][(b + k) % 2],
                            _ => next(),
                        })
                        .collect()
                })
                .collect();
            let refs: Vec<&[f64]> = windows.iter().map(Vec::as_slice).collect();
            for (k, v) in column_medians(&refs, len).iter().enumerate() {
                let col: Vec<f64> = windows.iter().map(|w| w[k]).collect();
                assert_eq!(v.to_bits(), median(&col).to_bits(), "m {m} column {k}");
            }
        }
    }
}
