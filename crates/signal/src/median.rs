//! Median (representative) beats: the sample-wise median of the dominant beats of each lead,
//! aligned on the QRS fiducial. Clinical carts measure global intervals and amplitudes on
//! these because noise and single odd beats drop out.

use serde::{Deserialize, Serialize};

use crate::detect::{median_in, total_order_key};

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
    let fit: Vec<usize> = fids
        .iter()
        .copied()
        .filter(|&f| f >= pre && f + post <= x.len())
        .collect();
    if fit.is_empty() {
        return None;
    }
    let step = fit.len().div_ceil(max_beats.max(1)).max(1);
    let windows: Vec<&[f64]> = fit
        .iter()
        .step_by(step)
        .map(|&f| &x[f - pre..f + post])
        .collect();
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
    let out = (0..pre + post)
        .map(|k| {
            if !read_column(&windows, k, &mut col, &mut key) {
                return median_in(&mut scratch, col.iter().copied());
            }
            sort_by_key(&mut order, &key);
            if m % 2 == 1 {
                col[order[m / 2]]
            } else {
                0.5 * (col[order[m / 2 - 1]] + col[order[m / 2]])
            }
        })
        .collect();
    Some((out, m))
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
}
